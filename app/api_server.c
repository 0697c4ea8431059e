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

static char *read_pem(const char *path, char *err, size_t errlen)
{
	FILE *f;
	char *buf = NULL;
	long len;

	if (path[0] == '\0')
		return NULL;
	f = fopen(path, "rb");
	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (buf = calloc(1, (size_t)len + 1)) == NULL ||
	    fread(buf, 1, (size_t)len, f) != (size_t)len) {
		snprintf(err, errlen, "api: cannot read %s: %s", path, strerror(errno ? errno : EIO));
		free(buf);
		buf = NULL;
	}
	if (f != NULL)
		fclose(f);
	return buf;
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
	rtpp_telemetry_publish_api(&t);
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
	cert = read_pem(cfg->tls_cert, err, errlen);
	key = read_pem(cfg->tls_key, err, errlen);
	ca = read_pem(cfg->tls_client_ca, err, errlen);
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
