/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Wiring of the control API: the gRPC server (lib/rpc) carries the bytes, the
 * API library (lib/api) decodes, validates and applies them to the data plane.
 * Everything runs on the main lcore, from the main loop's poll.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_server.h"
#include "rtpp_api.h"
#include "rtpp_audit.h"
#include "rtpp_rpc.h"
#include "rtpp_telemetry.h"

#define METHOD(name) "/rtpproxy.RtpProxy/" name
#define REFLECTION_V1 "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"
#define REFLECTION_V1ALPHA "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"

struct api_server {
	struct rtpp_dataplane *dp;
	struct rtpp_rpc_server *rpc;
	struct rtpp_api_events *events;
	unsigned max_streams;
	struct rtpp_audit *audit; /* NULL: no audit trail */
};

#define UNARY_ADAPTER(fn)                                                                    \
	static int fn##_rpc(void *ctx, const uint8_t *req, size_t len, uint8_t **reply,      \
			    size_t *reply_len, char *msg, size_t msglen)                      \
	{                                                                                    \
		return rtpp_api_handle_##fn(((struct api_server *)ctx)->dp, req, len, reply, \
					    reply_len, msg, msglen);                         \
	}
UNARY_ADAPTER(create)
UNARY_ADAPTER(destroy)
UNARY_ADAPTER(status)
UNARY_ADAPTER(list)
UNARY_ADAPTER(update)
UNARY_ADAPTER(statistics)

static int health_rpc(void *ctx, const uint8_t *req, size_t len, uint8_t **reply,
		      size_t *reply_len, char *msg, size_t msglen)
{
	(void)ctx;
	return rtpp_api_health(req, len, reply, reply_len, msg, msglen);
}

typedef int (*reply_fn)(const uint8_t *req, size_t len, uint8_t **reply, size_t *reply_len,
			char *msg, size_t msglen);

/* Answer one request of a stream call with one message; a reply that cannot
 * be queued fails the request. */
static int reply_on_stream(struct rtpp_rpc_call *call, reply_fn fn, const uint8_t *req,
			   size_t len, char *msg, size_t msglen)
{
	uint8_t *reply = NULL;
	size_t reply_len = 0;
	int rc = fn(req, len, &reply, &reply_len, msg, msglen);

	if (rc == RTPP_API_OK && rtpp_rpc_stream_send(call, reply, reply_len) != 0) {
		snprintf(msg, msglen, "cannot queue the response");
		rc = RTPP_API_RESOURCE_EXHAUSTED;
	}
	free(reply);
	return rc;
}

/* Watch: the status now, then the stream stays open (the status never changes
 * while the process runs; it ends when the server does). */
static int health_watch_rpc(void *ctx, struct rtpp_rpc_call *call, const uint8_t *req, size_t len,
			    char *msg, size_t msglen)
{
	(void)ctx;
	return reply_on_stream(call, rtpp_api_health, req, len, msg, msglen);
}

static void health_watch_gone(void *ctx, struct rtpp_rpc_call *call)
{
	(void)ctx;
	rtpp_rpc_stream_finish(call, 1 /* CANCELLED */, NULL);
}

/* ServerReflectionInfo, v1 and v1alpha: one response per request, in order. */
static int reflection_rpc(void *ctx, struct rtpp_rpc_call *call, const uint8_t *req, size_t len,
			  char *msg, size_t msglen)
{
	(void)ctx;
	return reply_on_stream(call, rtpp_api_reflection, req, len, msg, msglen);
}

static int stream_send(void *sink, const uint8_t *msg, size_t len)
{
	return rtpp_rpc_stream_send(sink, msg, len);
}

static unsigned int stream_queued(void *sink)
{
	return rtpp_rpc_stream_queued(sink);
}

static int events_rpc(void *ctx, struct rtpp_rpc_call *call, const uint8_t *req, size_t len,
		      char *msg, size_t msglen)
{
	return rtpp_api_events_subscribe(((struct api_server *)ctx)->events, call, stream_send,
					 stream_queued, req, len, msg, msglen);
}

/* The client went away (or the server stops): forget it, release the call. */
static void events_gone(void *ctx, struct rtpp_rpc_call *call)
{
	rtpp_api_events_unsubscribe(((struct api_server *)ctx)->events, call);
	rtpp_rpc_stream_finish(call, 1 /* CANCELLED */, NULL);
}

/* Each kind of stream within a bound of its own, so none starves the others. */
static int limit_stream_kinds(struct rtpp_rpc_server *rpc, const struct rtpp_api_config *cfg)
{
	static const char *const events[] = { METHOD("StreamSessionEvents") };
	static const char *const watch[] = { "/grpc.health.v1.Health/Watch" };
	static const char *const reflection[] = { REFLECTION_V1, REFLECTION_V1ALPHA };

	return rtpp_rpc_limit_streams(rpc, events, 1, cfg->max_event_streams,
				      "api.max_event_streams") != 0 ||
			       rtpp_rpc_limit_streams(rpc, watch, 1, cfg->max_health_watches,
						      "api.max_health_watches") != 0 ||
			       rtpp_rpc_limit_streams(rpc, reflection, 2, cfg->max_reflection_streams,
						      "api.max_reflection_streams") != 0 ?
		       -1 :
		       0;
}

/* ---- the audit trail (docs/audit.md) ---- */

/* A session name from a request: bounded, whatever the client sent. */
#define AUDIT_NAME_MAX 256

/* Which session a call was about, from its request or its reply. */
struct call_session {
	uint64_t id;
	char name[AUDIT_NAME_MAX];
};

static void set_name(struct call_session *cs, const char *name)
{
	if (name != NULL)
		snprintf(cs->name, sizeof(cs->name), "%s", name);
}

/* The session of a control call: what the request names, and what the reply
 * adds (CreateSession's id, the name of the session acted on). */
static void session_of_call(const struct rtpp_rpc_call_end *e, struct call_session *cs)
{
	const uint8_t *rq = e->request, *rp = e->reply;
	size_t rql = e->request_len, rpl = e->reply_len;

	cs->id = 0;
	cs->name[0] = '\0';
	if (rq == NULL)
		return; /* a refused stream: no request read */
	if (strcmp(e->method, METHOD("CreateSession")) == 0) {
		Rtpproxy__CreateSessionRequest *q =
			rtpproxy__create_session_request__unpack(NULL, rql, rq);
		Rtpproxy__CreateSessionResponse *r =
			rp != NULL ? rtpproxy__create_session_response__unpack(NULL, rpl, rp) : NULL;

		if (q != NULL)
			set_name(cs, q->name);
		if (r != NULL)
			cs->id = r->session_id;
		rtpproxy__create_session_request__free_unpacked(q, NULL);
		rtpproxy__create_session_response__free_unpacked(r, NULL);
	} else if (strcmp(e->method, METHOD("DestroySession")) == 0) {
		Rtpproxy__DestroySessionRequest *q =
			rtpproxy__destroy_session_request__unpack(NULL, rql, rq);
		Rtpproxy__DestroySessionResponse *r =
			rp != NULL ? rtpproxy__destroy_session_response__unpack(NULL, rpl, rp) : NULL;

		if (q != NULL)
			cs->id = q->session_id;
		if (r != NULL && r->final_status != NULL)
			set_name(cs, r->final_status->name);
		rtpproxy__destroy_session_request__free_unpacked(q, NULL);
		rtpproxy__destroy_session_response__free_unpacked(r, NULL);
	} else if (strcmp(e->method, METHOD("UpdateSession")) == 0) {
		Rtpproxy__UpdateSessionRequest *q =
			rtpproxy__update_session_request__unpack(NULL, rql, rq);
		Rtpproxy__UpdateSessionResponse *r =
			rp != NULL ? rtpproxy__update_session_response__unpack(NULL, rpl, rp) : NULL;

		if (q != NULL)
			cs->id = q->session_id;
		if (r != NULL && r->status != NULL)
			set_name(cs, r->status->name);
		rtpproxy__update_session_request__free_unpacked(q, NULL);
		rtpproxy__update_session_response__free_unpacked(r, NULL);
	} else if (strcmp(e->method, METHOD("GetSessionStatus")) == 0) {
		Rtpproxy__GetSessionStatusRequest *q =
			rtpproxy__get_session_status_request__unpack(NULL, rql, rq);

		if (q != NULL)
			cs->id = q->session_id;
		rtpproxy__get_session_status_request__free_unpacked(q, NULL);
	}
}

/*
 * Every call that ended (lib/rpc's observer). Recorded: the control actions
 * that succeeded (create, update, destroy) and every call answered with
 * another status than OK, of any method. Not recorded: reads that succeeded
 * (they change nothing) and streams that end because their client left
 * (CANCELLED without a status of ours: how every event stream ends).
 */
static void audit_call(void *ctx, const struct rtpp_rpc_call_end *e)
{
	static const struct {
		const char *method;
		enum rtpp_audit_action action;
	} control[] = {
		{ METHOD("CreateSession"), RTPP_AUDIT_CREATE },
		{ METHOD("UpdateSession"), RTPP_AUDIT_UPDATE },
		{ METHOD("DestroySession"), RTPP_AUDIT_DESTROY },
	};
	struct api_server *s = ctx;
	struct rtpp_audit_record r = { .action = RTPP_AUDIT_REFUSED,
				       .origin = RTPP_AUDIT_ORIGIN_GRPC,
				       .method = e->method,
				       .code = e->status,
				       .message = e->message };
	struct call_session cs;
	char peer[128], subject[512];

	if (!rtpp_audit_enabled(s->audit) || e->client_gone)
		return;
	if (e->status == RTPP_API_OK) {
		unsigned int i = 0;

		while (i < sizeof(control) / sizeof(control[0]) &&
		       strcmp(e->method, control[i].method) != 0)
			i++;
		if (i == sizeof(control) / sizeof(control[0]))
			return; /* a read */
		r.action = control[i].action;
		r.message = NULL;
	}
	session_of_call(e, &cs);
	rtpp_rpc_call_peer(e->call, peer, sizeof(peer));
	r.peer = peer;
	if (rtpp_rpc_call_client_subject(e->call, subject, sizeof(subject)))
		r.subject = subject;
	r.session_id = cs.id;
	r.session_name = cs.name;
	rtpp_audit_record(s->audit, &r);
}

/* The data plane closed a session on its own: a timeout, or a TCP session's
 * end (a DestroySession's CLOSED is the destroy record's). Main lcore, data
 * plane lock held. */
static void audit_session_event(void *ctx, const struct rtpp_session_event *e)
{
	struct api_server *s = ctx;

	if (e->type != RTPP_EVENT_CLOSED || e->status == NULL ||
	    e->status->close_reason == RTPP_CLOSE_NONE ||
	    e->status->close_reason == RTPP_CLOSE_DESTROYED)
		return;
	const struct rtpp_audit_record r = {
		.action = RTPP_AUDIT_EXPIRE,
		.origin = RTPP_AUDIT_ORIGIN_DATAPLANE,
		.session_id = e->session_id,
		.session_name = e->status->name,
		.code = RTPP_API_OK,
		.reason = rtpp_dataplane_close_reason_name(e->status->close_reason),
	};
	rtpp_audit_record(s->audit, &r);
}

/* The configuration the proxy runs with, then each static session it made. */
static void audit_config(struct api_server *s, const struct rtpp_config *cfg)
{
	const char *names[RTPP_MAX_INTERFACES];
	struct rtpp_audit_record r = {
		.action = RTPP_AUDIT_CONFIG_LOAD,
		.origin = RTPP_AUDIT_ORIGIN_CONFIG,
		.code = RTPP_API_OK,
		.config = cfg->source_name,
		.interfaces = names,
		.n_interfaces = cfg->n_ifaces,
		.static_sessions = cfg->n_sessions,
	};
	struct rtpp_session_status *page = calloc(16, sizeof(*page));
	uint32_t cursor = 0;

	for (unsigned int i = 0; i < cfg->n_ifaces; i++)
		names[i] = cfg->ifaces[i].name;
	rtpp_audit_record(s->audit, &r);
	if (page == NULL)
		return;
	while (cursor != UINT32_MAX) {
		unsigned int n = rtpp_dataplane_session_list(s->dp, NULL, &cursor, page, 16);

		for (unsigned int i = 0; i < n; i++) {
			if (!page[i].is_static)
				continue;
			const struct rtpp_audit_record c = {
				.action = RTPP_AUDIT_CREATE,
				.origin = RTPP_AUDIT_ORIGIN_CONFIG,
				.session_id = page[i].id,
				.session_name = page[i].name,
				.code = RTPP_API_OK,
			};
			rtpp_audit_record(s->audit, &c);
		}
	}
	free(page);
}

void api_server_audit(struct api_server *s, struct rtpp_audit *audit, const struct rtpp_config *cfg)
{
	s->audit = audit;
	if (!rtpp_audit_enabled(audit))
		return;
	audit_config(s, cfg);
	rtpp_rpc_set_call_observer(s->rpc, audit_call, s);
	rtpp_api_events_set_listener(s->events, audit_session_event, s);
}

unsigned int api_server_call_counts(const struct api_server *s, struct rtpp_rpc_method_calls *out,
				    unsigned int max_out)
{
	return rtpp_rpc_server_call_counts(s->rpc, out, max_out);
}

_Static_assert(RTPP_TELEMETRY_API_CODES == RTPP_RPC_STATUS_CODES, "one status code range");

/* What /rtpproxy/api shows: the server's and the fan-out's figures now. */
static void publish_figures(struct api_server *s)
{
	struct rtpp_rpc_stream_group_stats g[RTPP_TELEMETRY_API_KINDS];
	struct rtpp_api_events_stats ev;
	struct rtpp_telemetry_api t = {
		.calls_in_progress = rtpp_rpc_server_calls_in_progress(s->rpc),
		.streams = rtpp_rpc_server_streams(s->rpc),
		.max_streams = s->max_streams,
		.streams_refused = rtpp_rpc_server_streams_refused(s->rpc),
	};

	t.n_kinds = rtpp_rpc_server_stream_groups(s->rpc, g, RTPP_TELEMETRY_API_KINDS);
	for (unsigned int i = 0; i < t.n_kinds; i++) {
		snprintf(t.kinds[i].setting, sizeof(t.kinds[i].setting), "%s", g[i].setting);
		t.kinds[i].open = g[i].open;
		t.kinds[i].max = g[i].max;
		t.kinds[i].refused = g[i].refused;
	}
	rtpp_api_events_get_stats(s->events, &ev);
	t.event_subscribers = ev.subscribers;
	t.events_sent = ev.sent;
	t.events_dropped = ev.dropped;
	struct rtpp_rpc_method_calls calls[RTPP_TELEMETRY_API_METHODS];
	struct rtpp_audit_stats as;

	t.n_calls = rtpp_rpc_server_call_counts(s->rpc, calls, RTPP_TELEMETRY_API_METHODS);
	for (unsigned int i = 0; i < t.n_calls; i++) {
		snprintf(t.calls[i].method, sizeof(t.calls[i].method), "%s", calls[i].method);
		memcpy(t.calls[i].by_code, calls[i].by_status, sizeof(t.calls[i].by_code));
	}
	rtpp_audit_get_stats(s->audit, &as);
	t.audit_records = as.records;
	t.audit_write_errors = as.stdout_errors + as.file_errors;
	rtpp_telemetry_publish_api(&t);
}

/* api_calls_total: one series per method and status code that happened (the
 * method's full gRPC path: the two reflection versions share a method name). */
static void metrics_calls(const struct api_server *s, struct rtpp_metrics_api *out)
{
	struct rtpp_rpc_method_calls calls[RTPP_TELEMETRY_API_METHODS];
	unsigned int n = rtpp_rpc_server_call_counts(s->rpc, calls, RTPP_TELEMETRY_API_METHODS);
	struct rtpp_audit_stats as;

	out->n_calls = 0;
	for (unsigned int i = 0; i < n; i++)
		for (int code = 0; code < RTPP_RPC_STATUS_CODES; code++) {
			if (calls[i].by_status[code] == 0 ||
			    out->n_calls == RTPP_METRICS_MAX_CALL_SERIES)
				continue;
			out->calls[out->n_calls].method = calls[i].method[0] != '\0' ?
								  calls[i].method :
								  "unregistered";
			out->calls[out->n_calls].code = rtpp_audit_status_name(code);
			out->calls[out->n_calls].count = calls[i].by_status[code];
			out->n_calls++;
		}
	rtpp_audit_get_stats(s->audit, &as);
	out->audit_records = as.records;
	out->audit_write_errors = as.stdout_errors + as.file_errors;
}

void api_server_metrics(struct api_server *s, struct rtpp_metrics_api *out)
{
	struct rtpp_api_events_stats ev;

	memset(out, 0, sizeof(*out));
	out->calls_in_progress = rtpp_rpc_server_calls_in_progress(s->rpc);
	out->streams = rtpp_rpc_server_streams(s->rpc);
	out->max_streams = s->max_streams;
	out->streams_refused = rtpp_rpc_server_streams_refused(s->rpc);
	rtpp_api_events_get_stats(s->events, &ev);
	out->event_subscribers = ev.subscribers;
	out->events_sent = ev.sent;
	out->events_dropped = ev.dropped;
	metrics_calls(s, out);
}

struct api_server *api_server_start(struct rtpp_dataplane *dp, const struct rtpp_api_config *cfg,
				    const char *listen_override, char *err, size_t errlen)
{
	struct api_server *s = calloc(1, sizeof(*s));
	const char *listen = listen_override != NULL ? listen_override : cfg->listen;
	char *cert = NULL, *key = NULL, *ca = NULL;
	int port = 0;

	if (s == NULL) {
		snprintf(err, errlen, "api: out of memory");
		return NULL;
	}
	s->dp = dp;
	err[0] = '\0';
	cert = rtpp_config_read_pem("api", cfg->tls_cert, err, errlen);
	key = rtpp_config_read_pem("api", cfg->tls_key, err, errlen);
	ca = rtpp_config_read_pem("api", cfg->tls_client_ca, err, errlen);
	if (err[0] != '\0')
		goto fail;
	const struct rtpp_rpc_tls tls = { cert, key, ca };
	s->events = rtpp_api_events_create(dp);
	struct rtpp_rpc_limits limits = RTPP_RPC_LIMITS_DEFAULT;

	limits.max_streams = cfg->max_streams;
	s->max_streams = cfg->max_streams;
	limits.memory_quota_bytes = (uint64_t)cfg->memory_quota_mb << 20;
	limits.keepalive_ms = cfg->keepalive_s * 1000u;
	s->rpc = rtpp_rpc_server_create_limited(listen, cert != NULL ? &tls : NULL, &limits, &port,
						err, errlen);
	if (s->events == NULL || s->rpc == NULL)
		goto fail;
	if (rtpp_rpc_register_unary(s->rpc, METHOD("CreateSession"), create_rpc, s) != 0 ||
	    rtpp_rpc_register_unary(s->rpc, METHOD("DestroySession"), destroy_rpc, s) != 0 ||
	    rtpp_rpc_register_unary(s->rpc, METHOD("GetSessionStatus"), status_rpc, s) != 0 ||
	    rtpp_rpc_register_unary(s->rpc, METHOD("ListSessions"), list_rpc, s) != 0 ||
	    rtpp_rpc_register_unary(s->rpc, METHOD("UpdateSession"), update_rpc, s) != 0 ||
	    rtpp_rpc_register_unary(s->rpc, METHOD("GetStatistics"), statistics_rpc, s) != 0 ||
	    rtpp_rpc_register_stream(s->rpc, METHOD("StreamSessionEvents"), events_rpc, events_gone,
				     s) != 0 ||
	    rtpp_rpc_register_unary(s->rpc, "/grpc.health.v1.Health/Check", health_rpc, s) != 0 ||
	    rtpp_rpc_register_stream(s->rpc, "/grpc.health.v1.Health/Watch", health_watch_rpc,
				     health_watch_gone, s) != 0 ||
	    rtpp_rpc_register_bidi(s->rpc, REFLECTION_V1, reflection_rpc, s) != 0 ||
	    rtpp_rpc_register_bidi(s->rpc, REFLECTION_V1ALPHA, reflection_rpc, s) != 0 ||
	    limit_stream_kinds(s->rpc, cfg) != 0 || rtpp_rpc_server_start(s->rpc) != 0) {
		snprintf(err, errlen, "api: cannot start the gRPC server on %s", listen);
		goto fail;
	}
	if (strncmp(listen, "unix:", 5) == 0)
		port = 0; /* grpc reports 1 for a Unix socket: there is no port */
	printf("rtpproxy: gRPC API on %s (port %d, %s)\n", listen, port,
	       cert == NULL ? "plaintext" : ca != NULL ? "TLS, client certificates required" : "TLS");
	if (rtpp_config_api_plaintext_exposed(cfg, listen))
		fprintf(stderr,
			"rtpproxy: warning: the gRPC API on %s takes plaintext from beyond this "
			"host: whoever reaches it can create and destroy sessions. Listen on "
			"loopback or a Unix socket, or set api.tls_cert and api.tls_key "
			"(docs/configuration.md, \"Deploying the API\")\n",
			listen);
	free(cert);
	free(key);
	free(ca);
	return s;
fail:
	free(cert);
	free(key);
	free(ca);
	api_server_stop(s);
	return NULL;
}

void api_server_poll(struct api_server *s, int timeout_ms)
{
	rtpp_rpc_server_poll(s->rpc, timeout_ms);
	rtpp_api_events_tick(s->events);
	publish_figures(s);
}

void api_server_stop(struct api_server *s)
{
	if (s == NULL)
		return;
	/* The server first: its gone callbacks still need the subscribers. */
	if (s->rpc != NULL)
		rtpp_rpc_server_destroy(s->rpc);
	rtpp_api_events_destroy(s->events);
	free(s);
}
