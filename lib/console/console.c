/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The web console's routes (rtpp_console.h, docs/console.md): the page's
 * files, /api/overview, and the API's session methods in JSON. The session
 * routes turn JSON into the API's request message (lib/pbjson), call lib/api's
 * handler with its bytes, exactly as the gRPC server does, and turn the reply
 * back into JSON: the console has no rule of its own to drift from the API's.
 */
#include <ctype.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "assets_private.h"
#include "rtpp_api.h"
#include "rtpp_console.h"
#include "rtpp_pbjson.h"

#define JSON_TYPE "application/json"
#define MSG_LEN 512
#define SAMPLE_INTERVAL_NS 1000000000ull

struct rtpp_console {
	struct rtpp_http_server *http;
	struct rtpp_dataplane *dp;
	struct rtpp_audit *audit; /* NULL: no audit trail */
	struct rtpp_console_history *history;
	unsigned int n_ifaces, n_workers;
	uint64_t next_sample_ns;
	struct rtpp_console_iface_sample *ifaces; /* [n_ifaces], read at each sample */
	uint64_t *busy;                           /* [n_workers] */
};

typedef int (*api_handler_fn)(struct rtpp_dataplane *dp, const uint8_t *req, size_t len,
			      uint8_t **reply, size_t *reply_len, char *msg, size_t msglen);

/* ------------------------------------------------------------------ helpers */

unsigned int rtpp_console_http_status(int grpc_code)
{
	/* clang-format off */
	static const unsigned int map[] = {
		[0] = 200,  /* OK */
		[1] = 499,  /* CANCELLED */
		[2] = 500,  /* UNKNOWN */
		[3] = 400,  /* INVALID_ARGUMENT */
		[4] = 504,  /* DEADLINE_EXCEEDED */
		[5] = 404,  /* NOT_FOUND */
		[6] = 409,  /* ALREADY_EXISTS */
		[7] = 403,  /* PERMISSION_DENIED */
		[8] = 429,  /* RESOURCE_EXHAUSTED */
		[9] = 400,  /* FAILED_PRECONDITION */
		[10] = 409, /* ABORTED */
		[11] = 400, /* OUT_OF_RANGE */
		[12] = 501, /* UNIMPLEMENTED */
		[13] = 500, /* INTERNAL */
		[14] = 503, /* UNAVAILABLE */
		[15] = 500, /* DATA_LOSS */
		[16] = 401, /* UNAUTHENTICATED */
	};
	/* clang-format on */

	return grpc_code >= 0 && grpc_code < (int)(sizeof(map) / sizeof(map[0])) ? map[grpc_code] :
										   500;
}

/* A JSON string of any bytes: a message cut by snprintf may end inside a character. */
static json_t *text(const char *s)
{
	json_t *j = json_string(s);
	char *ascii;

	if (j != NULL)
		return j;
	ascii = strdup(s);
	if (ascii == NULL)
		return NULL;
	for (char *p = ascii; *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	j = json_string(ascii);
	free(ascii);
	return j;
}

/* Write j (a reference taken) as the answer; 503 when it could not be built. */
static void answer_json(struct rtpp_http_response *resp, json_t *j, size_t flags)
{
	resp->content_type = JSON_TYPE;
	if (j == NULL || json_dumpf(j, resp->out, flags | JSON_COMPACT) != 0) {
		resp->status = 503;
		fputs("{\"code\":\"UNAVAILABLE\",\"grpc_code\":14,\"message\":\"out of memory\"}",
		      resp->out);
	}
	fputc('\n', resp->out);
	json_decref(j);
}

/* An error as the API would give it: {"code":"NOT_FOUND","grpc_code":5,"message":"..."}. */
static void answer_error(struct rtpp_http_response *resp, int code, const char *message)
{
	json_t *j = json_pack("{s:s,s:i,s:o*}", "code", rtpp_audit_status_name(code), "grpc_code",
			      code, "message", text(message));

	resp->status = rtpp_console_http_status(code);
	answer_json(resp, j, 0); /* 503 instead when the answer could not be built */
}

static void answer_message(struct rtpp_http_response *resp, const ProtobufCMessage *msg)
{
	answer_json(resp, rtpp_pbjson_to_json(msg, RTPP_PBJSON_EMIT_DEFAULTS),
		    JSON_REAL_PRECISION(17));
}

/*
 * Call one of lib/api's handlers with request, as the gRPC server does: its
 * bytes in, the reply's bytes out, decoded as reply_desc into *reply (free
 * with protobuf_c_message_free_unpacked). A gRPC status, msg on failure.
 */
static int call_api(struct rtpp_console *c, api_handler_fn fn, const ProtobufCMessage *request,
		    const ProtobufCMessageDescriptor *reply_desc, ProtobufCMessage **reply,
		    char *msg, size_t msglen)
{
	size_t len = protobuf_c_message_get_packed_size(request), out_len = 0;
	uint8_t *buf = malloc(len + 1), *out = NULL;
	int code;

	*reply = NULL;
	if (buf == NULL) {
		snprintf(msg, msglen, "out of memory");
		return RTPP_API_INTERNAL;
	}
	protobuf_c_message_pack(request, buf);
	msg[0] = '\0';
	code = fn(c->dp, buf, len, &out, &out_len, msg, msglen);
	free(buf);
	if (code != RTPP_API_OK) {
		free(out);
		return code;
	}
	*reply = protobuf_c_message_unpack(reply_desc, NULL, out_len, out);
	free(out);
	if (*reply == NULL) {
		snprintf(msg, msglen, "the API's reply did not decode as %s", reply_desc->name);
		return RTPP_API_INTERNAL;
	}
	return RTPP_API_OK;
}

/* The session id at the end of the path: decimal digits only. */
static bool parse_id(const char *tail, uint64_t *id)
{
	char *end;
	unsigned long long v;

	if (tail[0] == '\0' || strlen(tail) > 20)
		return false;
	for (const char *p = tail; *p != '\0'; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	v = strtoull(tail, &end, 10);
	if (*end != '\0' || (v == ULLONG_MAX && strcmp(tail, "18446744073709551615") != 0))
		return false;
	*id = v;
	return true;
}

static bool id_from_path(const struct rtpp_http_request *req, struct rtpp_http_response *resp,
			 uint64_t *id)
{
	char msg[MSG_LEN];

	if (parse_id(req->tail, id))
		return true;
	snprintf(msg, sizeof(msg), "session id: \"%.40s\" is not a session id (a decimal number)",
		 req->tail);
	answer_error(resp, RTPP_API_INVALID_ARGUMENT, msg);
	return false;
}

/* The audit record of a call through the console (origin "http"): action when
 * it succeeded, "refused" with the status and message otherwise. */
static void audit_write(struct rtpp_console *c, const struct rtpp_http_request *req,
			enum rtpp_audit_action action, int code, const char *message, uint64_t id,
			const char *name)
{
	char method[160];
	struct rtpp_audit_record r = {
		.action = code == RTPP_API_OK ? action : RTPP_AUDIT_REFUSED,
		.origin = RTPP_AUDIT_ORIGIN_HTTP,
		.method = method,
		.peer = req->peer,
		.subject = req->subject,
		.session_id = id,
		.session_name = name,
		.code = code,
		.message = code == RTPP_API_OK ? NULL : message,
	};

	if (!rtpp_audit_enabled(c->audit))
		return;
	snprintf(method, sizeof(method), "%s %s", req->method, req->path);
	rtpp_audit_record(c->audit, &r);
}

/* A write lib/http's rule refused (403): PERMISSION_DENIED, as the API would say. */
static void write_refused(void *ctx, const struct rtpp_http_request *req, const char *reason)
{
	audit_write(ctx, req, RTPP_AUDIT_REFUSED, RTPP_API_PERMISSION_DENIED, reason, 0, NULL);
}

/* A read that failed: recorded as the gRPC side records its refused reads. */
static void audit_refusal(struct rtpp_console *c, const struct rtpp_http_request *req, int code,
			  const char *message, uint64_t id)
{
	audit_write(c, req, RTPP_AUDIT_REFUSED, code, message, id, NULL);
}

/* ------------------------------------------------------------------ the page */

const struct rtpp_console_asset *rtpp_console_asset_at(unsigned int i)
{
	return i < rtpp_console_assets_count ? &rtpp_console_assets_table[i] : NULL;
}

const struct rtpp_console_asset *rtpp_console_asset_find(const char *path)
{
	for (unsigned int i = 0; i < rtpp_console_assets_count; i++)
		if (strcmp(rtpp_console_assets_table[i].path, path) == 0)
			return &rtpp_console_assets_table[i];
	return NULL;
}

static void asset_get(void *ctx, const struct rtpp_http_request *req, struct rtpp_http_response *resp)
{
	const struct rtpp_console_asset *a = rtpp_console_asset_find(req->path);

	(void)ctx;
	if (a == NULL) { /* a route is added per asset: not reached */
		resp->status = 404;
		fprintf(resp->out, "nothing at %s\n", req->path);
		return;
	}
	resp->content_type = a->content_type;
	fwrite(a->data, 1, a->len, resp->out);
}

/* ------------------------------------------------------------------ overview */

/* Every drop an interface counts, whatever the reason (docs/console.md). */
static uint64_t iface_dropped(const struct rtpp_iface_view *v)
{
	const struct rtpp_iface_counters *k = &v->counters;
	const struct rtpp_host_drop_counters *h = &v->host_drops;

	return k->rx_dropped + k->tx_dropped + k->kernel_dropped + k->kernel_rate_limited +
	       k->neigh_refused + h->host_ring_dropped + h->nic_missed + h->nic_rx_errors;
}

static uint64_t unix_ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static json_t *interfaces_json(struct rtpp_console *c)
{
	json_t *list = json_array();

	for (unsigned int i = 0; list != NULL && i < c->n_ifaces; i++) {
		struct rtpp_iface_view v;
		json_t *one;

		if (rtpp_dataplane_iface_view(c->dp, i, &v) != 0)
			break;
		one = json_pack("{s:i,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "index", (int)i,
				"name", v.name, "rx_packets", (json_int_t)v.counters.rx_packets,
				"tx_packets", (json_int_t)v.counters.tx_packets, "rx_bytes",
				(json_int_t)v.counters.rx_bytes, "tx_bytes",
				(json_int_t)v.counters.tx_bytes, "dropped",
				(json_int_t)iface_dropped(&v), "to_kernel",
				(json_int_t)v.counters.to_kernel, "from_kernel",
				(json_int_t)v.counters.from_kernel, "no_session",
				(json_int_t)v.counters.no_session);
		if (one != NULL && v.has_media_ports)
			json_object_set_new(one, "media_ports_free",
					    json_integer(v.media_ports_free));
		if (json_array_append_new(list, one) != 0) {
			json_decref(list);
			return NULL;
		}
	}
	return list;
}

static json_t *workers_json(struct rtpp_console *c, const struct rtpp_dataplane_info *info)
{
	json_t *list = json_array();

	for (unsigned int w = 0; list != NULL && w < c->n_workers; w++) {
		struct rtpp_worker_view v;
		double busy;

		if (rtpp_dataplane_worker_view(c->dp, w, &v) != 0)
			break;
		/* Since start; the graphs have the recent figures. */
		busy = info->uptime_tsc != 0 ?
			       100.0 * (double)v.busy_cycles / (double)info->uptime_tsc :
			       0.0;
		if (json_array_append_new(list, json_pack("{s:i,s:i,s:i,s:f}", "index", (int)w,
							  "id", (int)v.id, "lcore", (int)v.lcore,
							  "busy_percent_since_start",
							  busy > 100.0 ? 100.0 : busy)) != 0) {
			json_decref(list);
			return NULL;
		}
	}
	return list;
}

static void overview_get(void *ctx, const struct rtpp_http_request *req,
			 struct rtpp_http_response *resp)
{
	struct rtpp_console *c = ctx;
	struct rtpp_dataplane_info info;
	json_t *root, *states;

	rtpp_dataplane_info(c->dp, &info);
	states = json_object();
	for (int s = RTPP_SESSION_CREATED; states != NULL && s < RTPP_SESSION_CLOSED; s++)
		json_object_set_new(states, rtpp_dataplane_state_name((enum rtpp_session_state)s),
				    json_integer(info.sessions_in_state[s]));
	root = json_pack("{s:s,s:I,s:I,s:b,s:I,s:I,s:I,s:o*,s:b,s:s,s:o*,s:o*,s:o*}", "version",
			 RTPP_VERSION, "now_unix_ms", (json_int_t)unix_ms_now(), "uptime_s",
			 (json_int_t)info.uptime_s, "running", info.running, "sessions",
			 (json_int_t)info.sessions, "max_sessions", (json_int_t)info.max_sessions,
			 "sessions_created", (json_int_t)info.sessions_created, "sessions_by_state",
			 states, "may_write", req->may_write, "why_read_only", req->why_read_only,
			 "interfaces", interfaces_json(c), "workers", workers_json(c, &info),
			 "history", rtpp_console_history_json(c->history));
	/* Rates need no 17 digits: keep the five minutes of history small. */
	answer_json(resp, root, JSON_REAL_PRECISION(6));
}

/* ------------------------------------------------------------------ sessions */

/* GET /api/sessions?state=&interface=&protocol=&page_size=&page_token= */
static void sessions_list(void *ctx, const struct rtpp_http_request *req,
			  struct rtpp_http_response *resp)
{
	static const char *const keys[] = { "state", "interface", "protocol", "page_size",
					    "page_token" };
	struct rtpp_console *c = ctx;
	json_t *query = json_object();
	ProtobufCMessage *rq, *reply;
	char err[MSG_LEN - 16], msg[MSG_LEN];
	int code;

	for (unsigned int i = 0; query != NULL && i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v = rtpp_http_query(req, keys[i]);

		if (v != NULL)
			json_object_set_new(query, keys[i], text(v));
	}
	if (query != NULL && json_object_get(query, "protocol") != NULL)
		json_object_set_new(query, "filter_protocol", json_true());
	if (query == NULL) {
		answer_error(resp, RTPP_API_INTERNAL, "out of memory");
		return;
	}
	rq = rtpp_pbjson_from_json(&rtpproxy__list_sessions_request__descriptor, query, err,
				   sizeof(err));
	json_decref(query);
	if (rq == NULL) {
		snprintf(msg, sizeof(msg), "query: %s", err);
		audit_refusal(c, req, RTPP_API_INVALID_ARGUMENT, msg, 0);
		answer_error(resp, RTPP_API_INVALID_ARGUMENT, msg);
		return;
	}
	code = call_api(c, rtpp_api_handle_list, rq, &rtpproxy__list_sessions_response__descriptor,
			&reply, msg, sizeof(msg));
	protobuf_c_message_free_unpacked(rq, NULL);
	if (code != RTPP_API_OK) {
		audit_refusal(c, req, code, msg, 0);
		answer_error(resp, code, msg);
		return;
	}
	answer_message(resp, reply);
	protobuf_c_message_free_unpacked(reply, NULL);
}

/* POST /api/sessions: a CreateSessionRequest. */
static void sessions_create(void *ctx, const struct rtpp_http_request *req,
			    struct rtpp_http_response *resp)
{
	struct rtpp_console *c = ctx;
	ProtobufCMessage *rq, *reply = NULL;
	char msg[MSG_LEN];
	int code;
	uint64_t id = 0;
	const char *name = NULL;

	rq = rtpp_pbjson_decode(&rtpproxy__create_session_request__descriptor, req->body,
				req->body_len, msg, sizeof(msg));
	if (rq == NULL) {
		code = RTPP_API_INVALID_ARGUMENT;
	} else {
		name = ((const Rtpproxy__CreateSessionRequest *)rq)->name;
		code = call_api(c, rtpp_api_handle_create, rq,
				&rtpproxy__create_session_response__descriptor, &reply, msg,
				sizeof(msg));
	}
	if (reply != NULL)
		id = ((const Rtpproxy__CreateSessionResponse *)reply)->session_id;
	audit_write(c, req, RTPP_AUDIT_CREATE, code, msg, id, name);
	if (code == RTPP_API_OK)
		answer_message(resp, reply);
	else
		answer_error(resp, code, msg);
	protobuf_c_message_free_unpacked(reply, NULL);
	protobuf_c_message_free_unpacked(rq, NULL);
}

/* GET /api/sessions/ID */
static void session_get(void *ctx, const struct rtpp_http_request *req,
			struct rtpp_http_response *resp)
{
	struct rtpp_console *c = ctx;
	Rtpproxy__GetSessionStatusRequest rq = RTPPROXY__GET_SESSION_STATUS_REQUEST__INIT;
	ProtobufCMessage *reply;
	char msg[MSG_LEN];
	int code;

	if (!id_from_path(req, resp, &rq.session_id)) {
		audit_refusal(c, req, RTPP_API_INVALID_ARGUMENT, "session id: not a decimal number",
			      0);
		return;
	}
	code = call_api(c, rtpp_api_handle_status, &rq.base, &rtpproxy__session_status__descriptor,
			&reply, msg, sizeof(msg));
	if (code != RTPP_API_OK) {
		audit_refusal(c, req, code, msg, rq.session_id);
		answer_error(resp, code, msg);
		return;
	}
	answer_message(resp, reply);
	protobuf_c_message_free_unpacked(reply, NULL);
}

/* DELETE /api/sessions/ID */
static void session_destroy(void *ctx, const struct rtpp_http_request *req,
			    struct rtpp_http_response *resp)
{
	struct rtpp_console *c = ctx;
	Rtpproxy__DestroySessionRequest rq = RTPPROXY__DESTROY_SESSION_REQUEST__INIT;
	Rtpproxy__DestroySessionResponse *reply;
	char msg[MSG_LEN];
	int code;

	if (!id_from_path(req, resp, &rq.session_id)) {
		audit_write(c, req, RTPP_AUDIT_DESTROY, RTPP_API_INVALID_ARGUMENT,
			    "session id: not a decimal number", 0, NULL);
		return;
	}
	code = call_api(c, rtpp_api_handle_destroy, &rq.base,
			&rtpproxy__destroy_session_response__descriptor,
			(ProtobufCMessage **)&reply, msg, sizeof(msg));
	audit_write(c, req, RTPP_AUDIT_DESTROY, code, msg, rq.session_id,
		    reply != NULL && reply->final_status != NULL ? reply->final_status->name : NULL);
	if (code != RTPP_API_OK) {
		answer_error(resp, code, msg);
		return;
	}
	answer_message(resp, &reply->base);
	protobuf_c_message_free_unpacked(&reply->base, NULL);
}

/* PATCH /api/sessions/ID: an UpdateSessionRequest (its session_id is the path's). */
static void session_update(void *ctx, const struct rtpp_http_request *req,
			   struct rtpp_http_response *resp)
{
	struct rtpp_console *c = ctx;
	Rtpproxy__UpdateSessionRequest *rq;
	Rtpproxy__UpdateSessionResponse *reply = NULL;
	char msg[MSG_LEN];
	uint64_t id;
	int code;

	if (!id_from_path(req, resp, &id)) {
		audit_write(c, req, RTPP_AUDIT_UPDATE, RTPP_API_INVALID_ARGUMENT,
			    "session id: not a decimal number", 0, NULL);
		return;
	}
	rq = (Rtpproxy__UpdateSessionRequest *)
		rtpp_pbjson_decode(&rtpproxy__update_session_request__descriptor, req->body,
				   req->body_len, msg, sizeof(msg));
	if (rq == NULL) {
		code = RTPP_API_INVALID_ARGUMENT;
	} else if (rq->session_id != 0 && rq->session_id != id) {
		snprintf(msg, sizeof(msg), "session_id: %llu is not the path's session %llu",
			 (unsigned long long)rq->session_id, (unsigned long long)id);
		code = RTPP_API_INVALID_ARGUMENT;
	} else {
		rq->session_id = id;
		code = call_api(c, rtpp_api_handle_update, &rq->base,
				&rtpproxy__update_session_response__descriptor,
				(ProtobufCMessage **)&reply, msg, sizeof(msg));
	}
	audit_write(c, req, RTPP_AUDIT_UPDATE, code, msg, id,
		    reply != NULL && reply->status != NULL ? reply->status->name : NULL);
	if (code == RTPP_API_OK)
		answer_message(resp, &reply->base);
	else
		answer_error(resp, code, msg);
	if (reply != NULL)
		protobuf_c_message_free_unpacked(&reply->base, NULL);
	if (rq != NULL)
		protobuf_c_message_free_unpacked(&rq->base, NULL);
}

/* ------------------------------------------------------------------ lifecycle */

/* Read the counters the graphs show and add a point to the history. */
static void sample(struct rtpp_console *c, uint64_t now_ns)
{
	struct rtpp_dataplane_info info;

	rtpp_dataplane_info(c->dp, &info);
	for (unsigned int i = 0; i < c->n_ifaces; i++) {
		struct rtpp_iface_view v;

		if (rtpp_dataplane_iface_view(c->dp, i, &v) != 0)
			continue;
		c->ifaces[i] = (struct rtpp_console_iface_sample){
			.rx_packets = v.counters.rx_packets,
			.tx_packets = v.counters.tx_packets,
			.rx_bytes = v.counters.rx_bytes,
			.tx_bytes = v.counters.tx_bytes,
			.dropped = iface_dropped(&v),
		};
	}
	for (unsigned int w = 0; w < c->n_workers; w++) {
		struct rtpp_worker_view v;

		if (rtpp_dataplane_worker_view(c->dp, w, &v) == 0)
			c->busy[w] = v.busy_cycles;
	}
	rtpp_console_history_add(c->history, now_ns, unix_ms_now(), c->ifaces, c->busy, info.tsc_hz);
}

void rtpp_console_tick(struct rtpp_console *c)
{
	uint64_t now;

	if (c == NULL)
		return;
	now = monotonic_ns();
	if (now < c->next_sample_ns)
		return;
	sample(c, now);
	/* The next second from now: a stall (a long call) is not caught up in a burst. */
	c->next_sample_ns = now + SAMPLE_INTERVAL_NS;
}

struct rtpp_console *rtpp_console_create(struct rtpp_http_server *http, struct rtpp_dataplane *dp,
					 char *err, size_t errlen)
{
	struct rtpp_console *c = calloc(1, sizeof(*c));
	struct rtpp_dataplane_info info;
	int rc = 0;

	if (c == NULL) {
		snprintf(err, errlen, "console: out of memory");
		return NULL;
	}
	c->http = http;
	c->dp = dp;
	rtpp_dataplane_info(dp, &info);
	c->n_ifaces = info.interfaces;
	c->n_workers = info.workers;
	c->history = rtpp_console_history_create(c->n_ifaces, c->n_workers, RTPP_CONSOLE_HISTORY_LEN);
	c->ifaces = calloc(c->n_ifaces + 1, sizeof(*c->ifaces));
	c->busy = calloc(c->n_workers + 1, sizeof(*c->busy));
	if (c->history == NULL || c->ifaces == NULL || c->busy == NULL) {
		snprintf(err, errlen, "console: out of memory");
		rtpp_console_destroy(c);
		return NULL;
	}
	for (unsigned int i = 0; i < rtpp_console_assets_count; i++)
		rc |= rtpp_http_route(http, "GET", rtpp_console_assets_table[i].path, asset_get, c);
	rc |= rtpp_http_route(http, "GET", "/api/overview", overview_get, c);
	rc |= rtpp_http_route(http, "GET", "/api/sessions", sessions_list, c);
	rc |= rtpp_http_route(http, "POST", "/api/sessions", sessions_create, c);
	rc |= rtpp_http_route(http, "GET", "/api/sessions/", session_get, c);
	rc |= rtpp_http_route(http, "PATCH", "/api/sessions/", session_update, c);
	rc |= rtpp_http_route(http, "DELETE", "/api/sessions/", session_destroy, c);
	if (rc != 0) {
		snprintf(err, errlen, "console: lib/http's route table is full");
		rtpp_console_destroy(c);
		return NULL;
	}
	/* Writes lib/http refused before any route: the trail has them too. */
	rtpp_http_set_refusal_observer(http, write_refused, c);
	sample(c, monotonic_ns()); /* the base of the first point, a second from now */
	c->next_sample_ns = monotonic_ns() + SAMPLE_INTERVAL_NS;
	return c;
}

void rtpp_console_set_audit(struct rtpp_console *c, struct rtpp_audit *audit)
{
	if (c != NULL)
		c->audit = audit;
}

void rtpp_console_destroy(struct rtpp_console *c)
{
	if (c == NULL)
		return;
	rtpp_console_history_destroy(c->history);
	free(c->ifaces);
	free(c->busy);
	free(c);
}
