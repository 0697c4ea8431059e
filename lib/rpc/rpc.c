/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gRPC server on grpc C core, driven from one thread by polling one
 * completion queue. See rtpp_rpc.h and docs/rpc.md.
 *
 * Streaming and unknown methods are requested as generic calls
 * (grpc_server_request_call) and dispatched here by method name, so unknown
 * methods are answered with UNIMPLEMENTED by us (grpc core would otherwise
 * leave them pending). Unary methods are also registered with grpc core,
 * with the request message read ahead: such a call arrives with its message,
 * the handler runs at once and one batch sends the reply and the status and
 * waits for the close: two completions per call instead of four (the
 * set-up rate is bound by grpc's per-call work, see docs/rpc.md).
 *
 * Per call, at most these batches are in flight, each with its own tag:
 *   t_new    the grpc_server_request_call (or _registered_call)
 *   t_recv   RECV_MESSAGE (generic calls only: the one request message of a
 *            stream; bidi calls re-arm it after each message until the
 *            client half-closes)
 *   t_close  RECV_CLOSE_ON_SERVER (completes when the call is over:
 *            after our status, or on cancel / deadline / disconnect;
 *            registered unary calls carry it in the final batch instead)
 *   t_send   one send batch: initial metadata and/or one message, or the
 *            final status. Streams queue the rest (bounded).
 * A call is freed when no batch is in flight, no callback is running and
 * no owner (a streaming handler, or the library itself for a bidi call
 * until the client half-closes) holds it.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>

#include "rtpp_rpc.h"

#define RPC_PENDING_REQUESTS 4     /* generic request_call kept outstanding */
/* request_registered_call kept outstanding per unary method: a client that
 * pipelines more calls than this waits in grpc's per-method queue until one
 * is re-armed (each completion re-arms one), which costs a little more. */
#define RPC_PENDING_PER_UNARY 16
#define RPC_POLL_MAX_EVENTS 256    /* per rtpp_rpc_server_poll() */
#define RPC_DESTROY_DRAIN_MS 10000
/* A bidi call reads its next request only while at most this many responses
 * wait in its queue: a client that sends without reading is slowed down by
 * HTTP/2 flow control instead of having its responses dropped. */
#define RPC_BIDI_READ_MAX_QUEUED (RTPP_RPC_STREAM_QUEUE / 2)

enum tag_kind { TAG_NEW, TAG_RECV, TAG_SEND, TAG_CLOSE, TAG_SHUTDOWN };

struct rpc_tag {
	enum tag_kind kind;
	struct rtpp_rpc_call *call;
};

enum call_kind { CALL_UNARY, CALL_SERVER_STREAM, CALL_BIDI };

struct rpc_method {
	char *name;
	enum call_kind kind;
	rtpp_rpc_unary_fn unary;
	rtpp_rpc_stream_fn stream;
	rtpp_rpc_bidi_fn bidi;
	rtpp_rpc_stream_gone_fn gone;
	void *ctx;
	void *reg;              /* grpc_server_register_method's handle, or NULL */
	int group;              /* index into srv->groups, or -1 */
	uint64_t by_status[RTPP_RPC_STATUS_CODES]; /* calls ended, by status */
};

/* rtpp_rpc_limit_streams: methods that share a bound of their own. */
struct stream_group {
	char *setting;
	unsigned max;
	unsigned open;
	uint64_t refused;
};

struct rtpp_rpc_call {
	struct rtpp_rpc_server *srv;
	struct rtpp_rpc_call *next, *prev;
	grpc_call *gc;
	grpc_call_details details;
	grpc_metadata_array md;
	const struct rpc_method *m;
	bool registered;        /* requested as a registered call of m */
	gpr_timespec deadline;  /* written by request_registered_call */
	struct rpc_tag t_new, t_recv, t_send, t_close;
	int ops;                /* batches in flight */
	int in_cb;              /* user callbacks running on this call */
	grpc_byte_buffer *recv_buf;
	int close_cancelled;
	bool close_started;     /* RECV_CLOSE_ON_SERVER is in some batch */
	bool close_done;
	bool send_inflight;
	grpc_byte_buffer *send_buf;  /* of the in-flight send batch */
	bool md_sent;
	bool status_sent;       /* final status batch started */
	bool owned;             /* held by a streaming handler (bidi: by us) */
	bool in_progress;       /* arrived, counted in srv->calls_in_progress */
	bool ended;             /* outcome settled: counted, observed (call_end) */
	bool counted_stream;    /* counted in srv->streams */
	bool recv_paused;       /* bidi: next request waits for the queue */
	bool gone;              /* client gone: sends fail */
	bool gone_notified;
	bool finishing;         /* owner finished; status after the queue */
	int fin_code;
	char *fin_msg;
	grpc_byte_buffer **q;   /* ring of RTPP_RPC_STREAM_QUEUE */
	unsigned q_head, q_len;
};

struct rtpp_rpc_server {
	grpc_server *gs;
	grpc_completion_queue *cq;
	struct rpc_method *methods;
	size_t nmethods;
	struct rtpp_rpc_call *calls;   /* every call we allocated */
	struct rpc_tag t_shutdown;
	long ops;                      /* batches in flight, all calls */
	unsigned calls_in_progress;    /* arrived and not yet freed */
	unsigned streams;              /* streaming calls among them */
	uint64_t streams_refused;      /* for limits.max_streams */
	struct stream_group groups[RTPP_RPC_MAX_STREAM_GROUPS];
	unsigned n_groups;
	struct rtpp_rpc_limits limits;
	grpc_resource_quota *quota;
	uint64_t unregistered_by_status[RTPP_RPC_STATUS_CODES]; /* unknown methods' calls */
	rtpp_rpc_call_end_fn observer;
	void *observer_ctx;
	bool started;
	bool shutting_down;
	bool shutdown_done;
};

static void call_maybe_free(struct rtpp_rpc_call *c);
static void call_kick(struct rtpp_rpc_call *c);
static void call_end(struct rtpp_rpc_call *c, int status, const char *msg, bool client_gone,
		     const uint8_t *req, size_t req_len, const uint8_t *reply, size_t reply_len);

static grpc_call_error
call_batch(struct rtpp_rpc_call *c, const grpc_op *ops, size_t n,
	   struct rpc_tag *tag)
{
	grpc_call_error e = grpc_call_start_batch(c->gc, ops, n, tag, NULL);
	if (e == GRPC_CALL_OK) {
		c->ops++;
		c->srv->ops++;
	}
	return e;
}

static void
op_done(struct rtpp_rpc_call *c)
{
	c->ops--;
	c->srv->ops--;
}

static void
queue_drop(struct rtpp_rpc_call *c)
{
	while (c->q_len > 0) {
		grpc_byte_buffer_destroy(c->q[c->q_head]);
		c->q_head = (c->q_head + 1) % RTPP_RPC_STREAM_QUEUE;
		c->q_len--;
	}
}

static struct rtpp_rpc_call *
call_alloc(struct rtpp_rpc_server *srv)
{
	struct rtpp_rpc_call *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->srv = srv;
	grpc_call_details_init(&c->details);
	grpc_metadata_array_init(&c->md);
	c->t_new = (struct rpc_tag){ TAG_NEW, c };
	c->t_recv = (struct rpc_tag){ TAG_RECV, c };
	c->t_send = (struct rpc_tag){ TAG_SEND, c };
	c->t_close = (struct rpc_tag){ TAG_CLOSE, c };
	c->next = srv->calls;
	if (srv->calls != NULL)
		srv->calls->prev = c;
	srv->calls = c;
	return c;
}

static void
call_free(struct rtpp_rpc_call *c)
{
	struct rtpp_rpc_server *srv = c->srv;

	/* Over without a status of ours: the client (or the server's
	 * shutdown) cancelled it. */
	call_end(c, GRPC_STATUS_CANCELLED, "", true, NULL, 0, NULL, 0);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		srv->calls = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	queue_drop(c);
	free(c->q);
	if (c->send_buf != NULL)
		grpc_byte_buffer_destroy(c->send_buf);
	if (c->recv_buf != NULL)
		grpc_byte_buffer_destroy(c->recv_buf);
	free(c->fin_msg);
	if (c->in_progress)
		srv->calls_in_progress--;
	if (c->counted_stream) {
		srv->streams--;
		if (c->m->group >= 0)
			srv->groups[c->m->group].open--;
	}
	/* The metadata array's elements belong to the call: destroy the array
	 * (and the details' slices) before dropping our call reference. */
	grpc_metadata_array_destroy(&c->md);
	grpc_call_details_destroy(&c->details);
	if (c->gc != NULL)
		grpc_call_unref(c->gc);
	free(c);
}

static void
call_maybe_free(struct rtpp_rpc_call *c)
{
	if (c->ops == 0 && c->in_cb == 0 && !c->owned)
		call_free(c);
}

static void
arm_request(struct rtpp_rpc_server *srv)
{
	struct rtpp_rpc_call *c = call_alloc(srv);
	if (c == NULL)
		return;
	grpc_call_error e = grpc_server_request_call(srv->gs, &c->gc,
			&c->details, &c->md, srv->cq, srv->cq, &c->t_new);
	if (e != GRPC_CALL_OK) {
		call_free(c);
		return;
	}
	c->ops++;
	srv->ops++;
}

/* One more registered call of the unary method m, its message read ahead. */
static void
arm_registered(struct rtpp_rpc_server *srv, const struct rpc_method *m)
{
	struct rtpp_rpc_call *c = call_alloc(srv);
	if (c == NULL)
		return;
	c->m = m;
	c->registered = true;
	grpc_call_error e = grpc_server_request_registered_call(srv->gs, m->reg,
			&c->gc, &c->deadline, &c->md, &c->recv_buf, srv->cq,
			srv->cq, &c->t_new);
	if (e != GRPC_CALL_OK) {
		call_free(c);
		return;
	}
	c->ops++;
	srv->ops++;
}

static int
clamp_status(int st)
{
	if (st < GRPC_STATUS_OK || st > GRPC_STATUS_UNAUTHENTICATED)
		return GRPC_STATUS_INTERNAL;
	return st;
}

/* Settle the outcome of an arrived call, once: count it by method and
 * status, and tell the observer. */
static void call_end(struct rtpp_rpc_call *c, int status, const char *msg, bool client_gone,
		     const uint8_t *req, size_t req_len, const uint8_t *reply, size_t reply_len)
{
	struct rtpp_rpc_server *srv = c->srv;
	char *unregistered = NULL;

	if (c->ended || !c->in_progress)
		return;
	c->ended = true;
	status = clamp_status(status);
	if (c->m != NULL)
		((struct rpc_method *)c->m)->by_status[status]++;
	else
		srv->unregistered_by_status[status]++;
	if (srv->observer == NULL)
		return;
	if (c->m == NULL)
		unregistered = grpc_slice_to_c_string(c->details.method);
	const struct rtpp_rpc_call_end end = {
		.call = c,
		.method = c->m != NULL ? c->m->name : unregistered,
		.registered = c->m != NULL,
		.streaming = c->m != NULL && c->m->kind != CALL_UNARY,
		.status = status,
		.message = msg != NULL ? msg : "",
		.client_gone = client_gone,
		.request = req,
		.request_len = req_len,
		.reply = reply,
		.reply_len = reply_len,
	};
	c->in_cb++;
	srv->observer(srv->observer_ctx, &end);
	c->in_cb--;
	gpr_free(unregistered);
}

/* The final batch: initial metadata if not sent yet, an optional message
 * (reply, owned by the call from here), the status, and the wait for the
 * close if no batch has it yet (registered unary calls). */
static void
send_final(struct rtpp_rpc_call *c, int code, const char *msg,
	   grpc_byte_buffer *reply)
{
	grpc_op ops[4];
	size_t n = 0;
	grpc_slice details = grpc_empty_slice();
	bool have_details = msg != NULL && msg[0] != '\0';

	call_end(c, code, msg, false, NULL, 0, NULL, 0);
	memset(ops, 0, sizeof(ops));
	if (!c->md_sent) {
		ops[n].op = GRPC_OP_SEND_INITIAL_METADATA;
		n++;
	}
	if (reply != NULL) {
		ops[n].op = GRPC_OP_SEND_MESSAGE;
		ops[n].data.send_message.send_message = reply;
		n++;
	}
	ops[n].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
	ops[n].data.send_status_from_server.status =
		(grpc_status_code)clamp_status(code);
	if (have_details) {
		/* Not retained past grpc_call_start_batch (grpc copies it). */
		details = grpc_slice_from_copied_string(msg);
		ops[n].data.send_status_from_server.status_details = &details;
	}
	n++;
	if (!c->close_started) {
		ops[n].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
		ops[n].data.recv_close_on_server.cancelled = &c->close_cancelled;
		n++;
		c->close_started = true;
	}
	c->status_sent = true;
	c->md_sent = true;
	c->send_buf = reply;
	c->send_inflight = true;
	if (call_batch(c, ops, n, &c->t_send) != GRPC_CALL_OK) {
		c->send_inflight = false;
		c->send_buf = NULL;
		if (reply != NULL)
			grpc_byte_buffer_destroy(reply);
		grpc_call_cancel(c->gc, NULL);
	}
	if (have_details)
		grpc_slice_unref(details);
}

static grpc_byte_buffer *
bb_from(const uint8_t *p, size_t len)
{
	grpc_slice s = grpc_slice_from_copied_buffer((const char *)p, len);
	grpc_byte_buffer *bb = grpc_raw_byte_buffer_create(&s, 1);
	grpc_slice_unref(s);     /* the byte buffer took its own reference */
	return bb;
}

static void
notify_gone(struct rtpp_rpc_call *c)
{
	c->gone = true;
	queue_drop(c);
	if (c->owned && c->m != NULL && c->m->kind == CALL_BIDI) {
		/* We hold bidi calls ourselves; nobody else to tell. */
		c->owned = false;
		return;
	}
	if (c->gone_notified || !c->owned)
		return;
	c->gone_notified = true;
	if (c->m != NULL && c->m->gone != NULL) {
		c->in_cb++;
		c->m->gone(c->m->ctx, c);
		c->in_cb--;
	}
}

/* Start the next send of a stream if none is in flight. */
static void
call_kick(struct rtpp_rpc_call *c)
{
	grpc_op ops[2];
	size_t n = 0;

	if (c->send_inflight || c->status_sent || c->gone)
		return;
	if (c->q_len == 0) {
		if (c->finishing)
			send_final(c, c->fin_code, c->fin_msg, NULL);
		else if (!c->md_sent) {
			/* Clients often wait for the headers before reading. */
			memset(ops, 0, sizeof(ops));
			ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
			c->send_inflight = true;
			c->md_sent = true;
			if (call_batch(c, ops, 1, &c->t_send) != GRPC_CALL_OK) {
				c->send_inflight = false;
				notify_gone(c);
			}
		}
		return;
	}
	memset(ops, 0, sizeof(ops));
	if (!c->md_sent) {
		ops[n].op = GRPC_OP_SEND_INITIAL_METADATA;
		n++;
	}
	c->send_buf = c->q[c->q_head];
	c->q_head = (c->q_head + 1) % RTPP_RPC_STREAM_QUEUE;
	c->q_len--;
	ops[n].op = GRPC_OP_SEND_MESSAGE;
	ops[n].data.send_message.send_message = c->send_buf;
	n++;
	c->md_sent = true;
	c->send_inflight = true;
	if (call_batch(c, ops, n, &c->t_send) != GRPC_CALL_OK) {
		c->send_inflight = false;
		grpc_byte_buffer_destroy(c->send_buf);
		c->send_buf = NULL;
		grpc_call_cancel(c->gc, NULL);
		notify_gone(c);
	}
}

static const struct rpc_method *
find_method(struct rtpp_rpc_server *srv, grpc_slice name)
{
	for (size_t i = 0; i < srv->nmethods; i++)
		if (grpc_slice_str_cmp(name, srv->methods[i].name) == 0)
			return &srv->methods[i];
	return NULL;
}

/* Ask for the next request message (into c->recv_buf). */
static bool
arm_recv(struct rtpp_rpc_call *c)
{
	grpc_op op;

	memset(&op, 0, sizeof(op));
	op.op = GRPC_OP_RECV_MESSAGE;
	op.data.recv_message.recv_message = &c->recv_buf;
	return call_batch(c, &op, 1, &c->t_recv) == GRPC_CALL_OK;
}

static void handle_request(struct rtpp_rpc_call *c);

static void
on_new(struct rtpp_rpc_call *c, int ok)
{
	struct rtpp_rpc_server *srv = c->srv;
	grpc_op op;

	op_done(c);
	if (!srv->shutting_down) {
		if (c->registered)
			arm_registered(srv, c->m);
		else
			arm_request(srv);
	}
	if (!ok || c->gc == NULL)
		return;  /* server shutting down: freed by the caller */
	c->in_progress = true;
	srv->calls_in_progress++;
	if (c->registered) {
		/* The message came with the call; the final batch waits for
		 * the close (a unary handler runs to completion right here, so
		 * nothing needs to learn earlier that the client left). */
		handle_request(c);
		return;
	}

	c->m = find_method(srv, c->details.method);
	memset(&op, 0, sizeof(op));
	op.op = GRPC_OP_RECV_CLOSE_ON_SERVER;
	op.data.recv_close_on_server.cancelled = &c->close_cancelled;
	if (call_batch(c, &op, 1, &c->t_close) != GRPC_CALL_OK) {
		grpc_call_cancel(c->gc, NULL);
		return;
	}
	c->close_started = true;
	if (c->m == NULL) {
		char *m = grpc_slice_to_c_string(c->details.method);
		char msg[300];
		snprintf(msg, sizeof(msg), "unknown method %s", m);
		gpr_free(m);
		send_final(c, GRPC_STATUS_UNIMPLEMENTED, msg, NULL);
		return;
	}
	/* Streams last: each holds a queue and, for events, a subscriber. */
	if (srv->streams >= srv->limits.max_streams) {
		char msg[160];

		srv->streams_refused++;
		snprintf(msg, sizeof(msg),
			 "%u streaming calls are open, at most %u (api.max_streams): close one first",
			 srv->streams, srv->limits.max_streams);
		send_final(c, GRPC_STATUS_RESOURCE_EXHAUSTED, msg, NULL);
		return;
	}
	if (c->m->group >= 0) {
		struct stream_group *g = &srv->groups[c->m->group];

		if (g->open >= g->max) {
			char msg[160];

			g->refused++;
			snprintf(msg, sizeof(msg),
				 "%u calls of this kind are open, at most %u (%s): close one first",
				 g->open, g->max, g->setting);
			send_final(c, GRPC_STATUS_RESOURCE_EXHAUSTED, msg, NULL);
			return;
		}
		g->open++;
	}
	srv->streams++;
	c->counted_stream = true;
	if (c->m->kind == CALL_BIDI) {
		/* Ours until the client half-closes; the headers go now, as
		 * for server streams, for clients that wait for them. */
		c->owned = true;
		call_kick(c);
	}
	if (!arm_recv(c))
		grpc_call_cancel(c->gc, NULL);
}

/* Flatten the received message (c->recv_buf, not NULL) into one slice the
 * handler reads in place (no copy); the caller unrefs it. A grpc status; on
 * error *why says what failed. */
static int
take_request(struct rtpp_rpc_call *c, grpc_slice *all, const char **why)
{
	grpc_byte_buffer_reader rd;
	int st = GRPC_STATUS_OK;

	if (!grpc_byte_buffer_reader_init(&rd, c->recv_buf)) {
		*why = "cannot decompress request";
		st = GRPC_STATUS_INTERNAL;
	} else {
		*all = grpc_byte_buffer_reader_readall(&rd);
		grpc_byte_buffer_reader_destroy(&rd);
	}
	grpc_byte_buffer_destroy(c->recv_buf);
	c->recv_buf = NULL;
	return st;
}

/* Bidi: ask for the next request, unless the call ended or the responses
 * already queued are too many (on_send resumes once they drained). */
static void
bidi_read_next(struct rtpp_rpc_call *c)
{
	c->recv_paused = false;
	if (!c->owned || c->gone)
		return;
	if (c->q_len > RPC_BIDI_READ_MAX_QUEUED) {
		c->recv_paused = true;
		return;
	}
	if (!arm_recv(c)) {
		grpc_call_cancel(c->gc, NULL);
		notify_gone(c);
	}
}

/* Bidi: one request message arrived (or the client half-closed). */
static void
bidi_on_message(struct rtpp_rpc_call *c)
{
	const struct rpc_method *m = c->m;
	const char *why = NULL;
	char msg[256];
	grpc_slice req;
	int st;

	if (c->recv_buf == NULL) {
		/* Half-close: every request was handled; OK follows the
		 * responses still queued. */
		rtpp_rpc_stream_finish(c, GRPC_STATUS_OK, NULL);
		return;
	}
	st = take_request(c, &req, &why);
	if (st != GRPC_STATUS_OK) {
		rtpp_rpc_stream_finish(c, st, why);
		return;
	}
	if (!c->owned) {
		grpc_slice_unref(req); /* the call ended meanwhile: nobody to answer */
		return;
	}
	memset(msg, 0, sizeof(msg));
	c->in_cb++;
	st = clamp_status(m->bidi(m->ctx, c, GRPC_SLICE_START_PTR(req),
				  GRPC_SLICE_LENGTH(req), msg, sizeof(msg) - 1));
	c->in_cb--;
	grpc_slice_unref(req);
	if (st != GRPC_STATUS_OK) {
		rtpp_rpc_stream_finish(c, st, msg);
		return;
	}
	bidi_read_next(c);
}

static void
on_recv(struct rtpp_rpc_call *c, int ok)
{
	op_done(c);
	if (!ok)
		return;  /* the call is dead; t_close will complete */
	if (c->m->kind == CALL_BIDI)
		bidi_on_message(c);
	else
		handle_request(c);
}

/* The request message is in c->recv_buf (NULL: the client sent none). */
static void
handle_request(struct rtpp_rpc_call *c)
{
	const struct rpc_method *m = c->m;
	const char *why = NULL;
	char msg[256];
	const uint8_t *req;
	size_t req_len;
	grpc_slice all;
	int st;

	if (c->recv_buf == NULL) {
		send_final(c, GRPC_STATUS_INVALID_ARGUMENT,
			   "missing request message", NULL);
		return;
	}
	st = take_request(c, &all, &why);
	if (st != GRPC_STATUS_OK) {
		send_final(c, st, why, NULL);
		return;
	}
	req_len = GRPC_SLICE_LENGTH(all);
	req = GRPC_SLICE_START_PTR(all);

	memset(msg, 0, sizeof(msg));
	if (m->kind == CALL_UNARY) {
		uint8_t *reply = NULL;
		size_t reply_len = 0;
		grpc_byte_buffer *bb = NULL;

		c->in_cb++;
		st = clamp_status(m->unary(m->ctx, req, req_len, &reply,
					   &reply_len, msg, sizeof(msg) - 1));
		c->in_cb--;
		call_end(c, st, msg, false, req, req_len, st == GRPC_STATUS_OK ? reply : NULL,
			 st == GRPC_STATUS_OK ? reply_len : 0);
		if (st == GRPC_STATUS_OK && reply != NULL) {
			/* The slice takes the handler's buffer (no copy). */
			grpc_slice s = grpc_slice_new(reply, reply_len, free);
			bb = grpc_raw_byte_buffer_create(&s, 1);
			grpc_slice_unref(s);
		} else {
			if (st == GRPC_STATUS_OK)
				bb = grpc_raw_byte_buffer_create(NULL, 0);
			free(reply);
		}
		send_final(c, st, msg, bb);
	} else {
		c->owned = true;
		c->in_cb++;
		st = m->stream(m->ctx, c, req, req_len, msg, sizeof(msg) - 1);
		c->in_cb--;
		if (st != GRPC_STATUS_OK && c->owned) {
			/* (If the handler already finished the call, its
			 * own status stands.) */
			c->owned = false;
			queue_drop(c);
			if (!c->gone && !c->status_sent) {
				/* A send may be in flight: the status follows
				 * it (call_kick from on_send). */
				c->finishing = true;
				c->fin_code = clamp_status(st);
				free(c->fin_msg);
				c->fin_msg = strdup(msg);
			}
		}
		call_kick(c);
	}
	grpc_slice_unref(all);
}

static void
on_send(struct rtpp_rpc_call *c, int ok)
{
	op_done(c);
	c->send_inflight = false;
	if (c->send_buf != NULL) {
		/* grpc took the slices; we still own and destroy the buffer. */
		grpc_byte_buffer_destroy(c->send_buf);
		c->send_buf = NULL;
	}
	if (c->status_sent)
		return;
	if (!ok) {
		notify_gone(c);
		return;
	}
	call_kick(c);
	if (c->recv_paused)
		bidi_read_next(c);
}

static void
on_close(struct rtpp_rpc_call *c, int ok)
{
	(void)ok;
	op_done(c);
	c->close_done = true;
	/* The call is over. If nobody sent a status, it was cancelled. */
	notify_gone(c);
}

static void
dispatch(struct rtpp_rpc_server *srv, void *tagp, int ok)
{
	struct rpc_tag *tag = tagp;

	if (tag->kind == TAG_SHUTDOWN) {
		srv->shutdown_done = true;
		return;
	}
	struct rtpp_rpc_call *c = tag->call;
	c->in_cb++;   /* keep c alive through the handler */
	switch (tag->kind) {
	case TAG_NEW: on_new(c, ok); break;
	case TAG_RECV: on_recv(c, ok); break;
	case TAG_SEND: on_send(c, ok); break;
	case TAG_CLOSE: on_close(c, ok); break;
	default: break;
	}
	c->in_cb--;
	call_maybe_free(c);
}

/*
 * Channel arguments of the server. Off, as per-call work that buys us
 * nothing: channelz keeps per-call counters and traces for an introspection
 * service we do not serve; BDP probing pings the peer to size windows for
 * bulk transfers, while our messages are small. (grpc.minimal_stack was
 * tried too: no difference we could measure, and it drops the message size
 * limit.) On, as bounds (struct rtpp_rpc_limits): streams per connection, a
 * memory quota, keepalive pings, the request size.
 */
static grpc_server *server_create(struct rtpp_rpc_server *srv)
{
	const struct rtpp_rpc_limits *l = &srv->limits;
	grpc_arg args[9] = {
		{ .type = GRPC_ARG_INTEGER,
		  .key = (char *)GRPC_ARG_ENABLE_CHANNELZ,
		  .value.integer = 0 },
		{ .type = GRPC_ARG_INTEGER,
		  .key = (char *)GRPC_ARG_HTTP2_BDP_PROBE,
		  .value.integer = 0 },
		{ .type = GRPC_ARG_INTEGER,
		  .key = (char *)GRPC_ARG_MAX_CONCURRENT_STREAMS,
		  .value.integer = (int)l->max_streams_per_conn },
		{ .type = GRPC_ARG_INTEGER,
		  .key = (char *)GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH,
		  .value.integer = (int)l->max_message_bytes },
		{ .type = GRPC_ARG_INTEGER,
		  .key = (char *)GRPC_ARG_KEEPALIVE_TIME_MS,
		  .value.integer = l->keepalive_ms ? (int)l->keepalive_ms : INT_MAX },
		{ .type = GRPC_ARG_INTEGER,
		  .key = (char *)GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
		  .value.integer = 20000 },
		/* Clients may ping as often as we do, no more often (else: GOAWAY). */
		{ .type = GRPC_ARG_INTEGER,
		  .key = (char *)GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
		  .value.integer = 10000 },
		{ .type = GRPC_ARG_INTEGER,
		  .key = (char *)GRPC_ARG_HTTP2_MAX_PING_STRIKES,
		  .value.integer = 2 },
	};
	grpc_channel_args ca = { 8, args };

	if (l->memory_quota_bytes != 0) {
		srv->quota = grpc_resource_quota_create("rtpproxy-api");
		grpc_resource_quota_resize(srv->quota, (size_t)l->memory_quota_bytes);
		args[8] = (grpc_arg){ .type = GRPC_ARG_POINTER,
				      .key = (char *)GRPC_ARG_RESOURCE_QUOTA,
				      .value.pointer = { .p = srv->quota,
							 .vtable = grpc_resource_quota_arg_vtable() } };
		ca.num_args = 9;
	}
	return grpc_server_create(&ca, NULL);
}

struct rtpp_rpc_server *
rtpp_rpc_server_create(const char *listen_addr, const struct rtpp_rpc_tls *tls,
		       int *bound_port, char *err, size_t errlen)
{
	const struct rtpp_rpc_limits limits = RTPP_RPC_LIMITS_DEFAULT;

	return rtpp_rpc_server_create_limited(listen_addr, tls, &limits, bound_port, err, errlen);
}

struct rtpp_rpc_server *rtpp_rpc_server_create_limited(const char *listen_addr,
						       const struct rtpp_rpc_tls *tls,
						       const struct rtpp_rpc_limits *limits,
						       int *bound_port, char *err, size_t errlen)
{
	struct rtpp_rpc_server *srv = calloc(1, sizeof(*srv));
	grpc_server_credentials *creds;
	int port;

	if (srv == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	srv->limits = *limits;
	rtpp_rpc_runtime_tune();
	grpc_init();
	srv->t_shutdown.kind = TAG_SHUTDOWN;
	srv->cq = grpc_completion_queue_create_for_next(NULL);
	srv->gs = server_create(srv);
	grpc_server_register_completion_queue(srv->gs, srv->cq, NULL);
	if (tls != NULL) {
		if (tls->cert_pem == NULL || tls->key_pem == NULL) {
			snprintf(err, errlen, "TLS needs a certificate and a key");
			goto fail;
		}
		grpc_ssl_pem_key_cert_pair pair = {
			.private_key = tls->key_pem,
			.cert_chain = tls->cert_pem,
		};
		creds = grpc_ssl_server_credentials_create_ex(
			tls->client_ca_pem, &pair, 1,
			tls->client_ca_pem != NULL ?
			GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY :
			GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE, NULL);
	} else {
		creds = grpc_insecure_server_credentials_create();
	}
	if (creds == NULL) {
		snprintf(err, errlen, "cannot create server credentials");
		goto fail;
	}
	port = grpc_server_add_http2_port(srv->gs, listen_addr, creds);
	grpc_server_credentials_release(creds);  /* the server holds a ref */
	if (port == 0) {
		snprintf(err, errlen, "cannot listen on %s", listen_addr);
		goto fail;
	}
	if (bound_port != NULL)
		*bound_port = port;
	return srv;
fail:
	rtpp_rpc_server_destroy(srv);
	return NULL;
}

static int
add_method(struct rtpp_rpc_server *srv, const struct rpc_method *m)
{
	struct rpc_method *nm;

	if (srv->started || m->name == NULL || m->name[0] != '/')
		return -EINVAL;
	for (size_t i = 0; i < srv->nmethods; i++)
		if (strcmp(srv->methods[i].name, m->name) == 0)
			return -EEXIST;
	nm = realloc(srv->methods, (srv->nmethods + 1) * sizeof(*nm));
	if (nm == NULL)
		return -ENOMEM;
	srv->methods = nm;
	nm[srv->nmethods] = *m;
	nm[srv->nmethods].group = -1;
	nm[srv->nmethods].name = strdup(m->name);
	if (nm[srv->nmethods].name == NULL)
		return -ENOMEM;
	/* Unary: registered with grpc, message read ahead (see the top). If
	 * grpc refuses, the method is still served as a generic call. */
	if (m->kind == CALL_UNARY)
		nm[srv->nmethods].reg = grpc_server_register_method(srv->gs,
			m->name, NULL, GRPC_SRM_PAYLOAD_READ_INITIAL_BYTE_BUFFER,
			0);
	srv->nmethods++;
	return 0;
}

int
rtpp_rpc_register_unary(struct rtpp_rpc_server *srv, const char *method,
			rtpp_rpc_unary_fn fn, void *ctx)
{
	if (fn == NULL)
		return -EINVAL;
	struct rpc_method m = { .name = (char *)method, .kind = CALL_UNARY,
				.unary = fn, .ctx = ctx };
	return add_method(srv, &m);
}

int
rtpp_rpc_register_stream(struct rtpp_rpc_server *srv, const char *method,
			 rtpp_rpc_stream_fn fn, rtpp_rpc_stream_gone_fn gone,
			 void *ctx)
{
	if (fn == NULL)
		return -EINVAL;
	struct rpc_method m = { .name = (char *)method,
				.kind = CALL_SERVER_STREAM, .stream = fn,
				.gone = gone, .ctx = ctx };
	return add_method(srv, &m);
}

int
rtpp_rpc_register_bidi(struct rtpp_rpc_server *srv, const char *method,
		       rtpp_rpc_bidi_fn fn, void *ctx)
{
	if (fn == NULL)
		return -EINVAL;
	struct rpc_method m = { .name = (char *)method, .kind = CALL_BIDI,
				.bidi = fn, .ctx = ctx };
	return add_method(srv, &m);
}

int
rtpp_rpc_server_start(struct rtpp_rpc_server *srv)
{
	if (srv->started)
		return -EALREADY;
	grpc_server_start(srv->gs);
	srv->started = true;
	for (int i = 0; i < RPC_PENDING_REQUESTS; i++)
		arm_request(srv);
	for (size_t m = 0; m < srv->nmethods; m++)
		for (int i = 0; srv->methods[m].reg != NULL &&
				i < RPC_PENDING_PER_UNARY; i++)
			arm_registered(srv, &srv->methods[m]);
	return srv->calls != NULL ? 0 : -ENOMEM;
}

int
rtpp_rpc_server_poll(struct rtpp_rpc_server *srv, int timeout_ms)
{
	gpr_timespec deadline = gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
			gpr_time_from_millis(timeout_ms < 0 ? 0 : timeout_ms,
					     GPR_TIMESPAN));
	int n = 0;

	while (n < RPC_POLL_MAX_EVENTS) {
		grpc_event ev = grpc_completion_queue_next(srv->cq,
			n == 0 ? deadline : gpr_inf_past(GPR_CLOCK_MONOTONIC),
			NULL);
		if (ev.type != GRPC_OP_COMPLETE)
			break;
		dispatch(srv, ev.tag, ev.success);
		n++;
	}
	return n;
}

int
rtpp_rpc_stream_send(struct rtpp_rpc_call *c, const uint8_t *msg, size_t len)
{
	if (c->gone || c->close_done || c->status_sent || c->finishing ||
	    !c->owned)
		return -EPIPE;
	if (c->q_len >= RTPP_RPC_STREAM_QUEUE)
		return -ENOBUFS;
	if (c->q == NULL) {
		c->q = calloc(RTPP_RPC_STREAM_QUEUE, sizeof(*c->q));
		if (c->q == NULL)
			return -ENOMEM;
	}
	grpc_byte_buffer *bb = bb_from(msg, len);
	if (bb == NULL)
		return -ENOMEM;
	c->q[(c->q_head + c->q_len) % RTPP_RPC_STREAM_QUEUE] = bb;
	c->q_len++;
	call_kick(c);
	return 0;
}

unsigned
rtpp_rpc_stream_queued(const struct rtpp_rpc_call *c)
{
	return c->q_len;
}

int rtpp_rpc_limit_streams(struct rtpp_rpc_server *srv, const char *const *methods,
			   unsigned n_methods, unsigned max, const char *setting)
{
	struct rpc_method *found[RTPP_RPC_MAX_STREAM_GROUPS * 2];

	if (srv->started || setting == NULL || n_methods == 0 ||
	    n_methods > sizeof(found) / sizeof(found[0]))
		return -EINVAL;
	if (srv->n_groups == RTPP_RPC_MAX_STREAM_GROUPS)
		return -ENOSPC;
	for (unsigned i = 0; i < n_methods; i++) {
		found[i] = NULL;
		for (size_t j = 0; j < srv->nmethods; j++)
			if (strcmp(srv->methods[j].name, methods[i]) == 0)
				found[i] = &srv->methods[j];
		if (found[i] == NULL)
			return -ENOENT;
		if (found[i]->kind == CALL_UNARY || found[i]->group >= 0)
			return -EINVAL;
	}
	struct stream_group *g = &srv->groups[srv->n_groups];
	g->setting = strdup(setting);
	if (g->setting == NULL)
		return -ENOMEM;
	g->max = max;
	for (unsigned i = 0; i < n_methods; i++)
		found[i]->group = (int)srv->n_groups;
	srv->n_groups++;
	return 0;
}

unsigned rtpp_rpc_server_stream_groups(const struct rtpp_rpc_server *srv,
				       struct rtpp_rpc_stream_group_stats *out, unsigned max_out)
{
	unsigned n = srv->n_groups < max_out ? srv->n_groups : max_out;

	for (unsigned i = 0; i < n; i++)
		out[i] = (struct rtpp_rpc_stream_group_stats){ .setting = srv->groups[i].setting,
							       .open = srv->groups[i].open,
							       .max = srv->groups[i].max,
							       .refused = srv->groups[i].refused };
	return n;
}

unsigned rtpp_rpc_server_streams(const struct rtpp_rpc_server *srv)
{
	return srv->streams;
}

uint64_t rtpp_rpc_server_streams_refused(const struct rtpp_rpc_server *srv)
{
	return srv->streams_refused;
}

unsigned
rtpp_rpc_server_calls_in_progress(const struct rtpp_rpc_server *srv)
{
	return srv->calls_in_progress;
}

void
rtpp_rpc_stream_finish(struct rtpp_rpc_call *c, int status, const char *msg)
{
	if (!c->owned)
		return;
	c->owned = false;
	if (c->gone || c->close_done) {
		queue_drop(c);
	} else if (!c->status_sent) {
		c->finishing = true;
		c->fin_code = clamp_status(status);
		c->fin_msg = msg != NULL ? strdup(msg) : NULL;
		call_kick(c);
	}
	call_maybe_free(c);
}

void rtpp_rpc_set_call_observer(struct rtpp_rpc_server *srv, rtpp_rpc_call_end_fn fn, void *ctx)
{
	srv->observer = fn;
	srv->observer_ctx = ctx;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* grpc's peer URI ("ipv4:127.0.0.1:41234", "ipv6:%5B::1%5D:41234") as an
 * address and port: the scheme of an IP peer goes, its escapes decoded. */
void rtpp_rpc_call_peer(const struct rtpp_rpc_call *c, char *buf, size_t len)
{
	char *uri = c->gc != NULL ? grpc_call_get_peer(c->gc) : NULL;
	const char *p = uri != NULL ? uri : "";
	size_t w = 0;

	if (len == 0)
		return;
	if (strncmp(p, "ipv4:", 5) == 0 || strncmp(p, "ipv6:", 5) == 0) {
		p += 5;
		while (*p != '\0' && w + 1 < len) {
			int hi = p[0] == '%' ? hex_digit(p[1]) : -1;
			int lo = hi >= 0 ? hex_digit(p[2]) : -1;

			if (lo >= 0) {
				buf[w++] = (char)(hi << 4 | lo);
				p += 3;
			} else {
				buf[w++] = *p++;
			}
		}
		buf[w] = '\0';
	} else {
		snprintf(buf, len, "%s", p);
	}
	gpr_free(uri);
}

bool rtpp_rpc_call_client_subject(const struct rtpp_rpc_call *c, char *buf, size_t len)
{
	grpc_auth_context *ctx = c->gc != NULL ? grpc_call_auth_context(c->gc) : NULL;
	const grpc_auth_property *p = NULL;
	bool found = false;

	if (len > 0)
		buf[0] = '\0';
	if (ctx == NULL)
		return false;
	grpc_auth_property_iterator it =
		grpc_auth_context_find_properties_by_name(ctx, GRPC_X509_SUBJECT_PROPERTY_NAME);
	p = grpc_auth_property_iterator_next(&it);
	if (p != NULL && p->value != NULL && p->value_length > 0 && len > 0) {
		size_t n = p->value_length < len - 1 ? p->value_length : len - 1;

		memcpy(buf, p->value, n);
		buf[n] = '\0';
		found = true;
	}
	grpc_auth_context_release(ctx);
	return found;
}

unsigned rtpp_rpc_server_call_counts(const struct rtpp_rpc_server *srv,
				     struct rtpp_rpc_method_calls *out, unsigned max_out)
{
	unsigned n = 0;

	for (size_t i = 0; i < srv->nmethods && n < max_out; i++, n++) {
		out[n].method = srv->methods[i].name;
		memcpy(out[n].by_status, srv->methods[i].by_status, sizeof(out[n].by_status));
	}
	if (n < max_out) {
		out[n].method = "";
		memcpy(out[n].by_status, srv->unregistered_by_status, sizeof(out[n].by_status));
		n++;
	}
	return n;
}

void
rtpp_rpc_server_destroy(struct rtpp_rpc_server *srv)
{
	if (srv == NULL)
		return;
	if (srv->gs != NULL) {
		srv->shutting_down = true;
		/* New calls are refused; cancel the running ones so that every
		 * batch completes (with success == 0) and drain them. */
		grpc_server_shutdown_and_notify(srv->gs, srv->cq,
						&srv->t_shutdown);
		grpc_server_cancel_all_calls(srv->gs);
		gpr_timespec end = gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
				gpr_time_from_millis(RPC_DESTROY_DRAIN_MS,
						     GPR_TIMESPAN));
		while (!srv->shutdown_done || srv->ops > 0) {
			if (gpr_time_cmp(gpr_now(GPR_CLOCK_MONOTONIC), end) > 0)
				break;  /* should not happen; leak rather than hang */
			grpc_event ev = grpc_completion_queue_next(srv->cq,
				gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
					     gpr_time_from_millis(100,
							GPR_TIMESPAN)), NULL);
			if (ev.type == GRPC_OP_COMPLETE)
				dispatch(srv, ev.tag, ev.success);
		}
		if (srv->ops == 0) {
			/* Owners still holding calls: tell them, then free. */
			struct rtpp_rpc_call *c, *nx;
			for (c = srv->calls; c != NULL; c = nx) {
				c->in_cb++;
				notify_gone(c);
				c->in_cb--;
				nx = c->next;
				c->owned = false;
				call_free(c);
			}
		}
		if (srv->shutdown_done)
			grpc_server_destroy(srv->gs);
	}
	if (srv->cq != NULL) {
		grpc_completion_queue_shutdown(srv->cq);
		for (;;) {
			grpc_event ev = grpc_completion_queue_next(srv->cq,
				gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL);
			if (ev.type == GRPC_QUEUE_SHUTDOWN)
				break;
		}
		grpc_completion_queue_destroy(srv->cq);
	}
	for (size_t i = 0; i < srv->nmethods; i++)
		free(srv->methods[i].name);
	free(srv->methods);
	for (unsigned i = 0; i < srv->n_groups; i++)
		free(srv->groups[i].setting);
	if (srv->quota != NULL)
		grpc_resource_quota_unref(srv->quota); /* the server's channel args hold their own */
	free(srv);
	grpc_shutdown();
}
