/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/rpc against a grpc C core client in the same process, on 127.0.0.1
 * with an ephemeral port. The server's poll loop runs in its own thread
 * (every rtpp_rpc_* call happens there, as the library requires); the
 * client runs in the test thread with one pluck completion queue per call.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>

#include "rtpp_rpc.h"

#define M_ECHO "/test.T/Echo"
#define M_BAD "/test.T/Bad"
#define M_STREAM "/test.T/Stream"
#define M_BIDI "/test.T/Bidi"
#define BIDI_FAIL_MSG "bidi: request asked to fail"
#define BAD_MSG "listen.port: 70000 is out of range"

/* ---- server side (runs in the server thread) ---------------------------- */

enum { MODE_NOW = 'N', MODE_PUMP = 'P', MODE_STALL = 'S', MODE_CANCEL = 'C' };

struct slot {
	struct rtpp_rpc_call *call;  /* while owned */
	char mode;
	uint32_t total, msg_size;
	uint32_t sent;
	unsigned enobufs, epipe, gone, finished;
};

/* What the call observer saw of one call (copied: its strings live only
 * during the callback). */
struct seen {
	char method[128];
	bool registered, streaming, client_gone;
	int status;
	char message[256];
	uint8_t request[64], reply[64];
	long request_len, reply_len; /* -1: none */
	char peer[128];
	char subject[256];
	bool has_subject;
};

#define NSLOTS 16
#define NSEEN 64
static struct {
	struct rtpp_rpc_server *srv;
	const struct rtpp_rpc_limits *limits; /* NULL: the defaults */
	unsigned stream_kind_max;             /* a group bound on M_STREAM; 0: none */
	int port;
	pthread_t th;
	atomic_int stop;
	pthread_mutex_t lock;
	struct slot slots[NSLOTS];
	int nslots;
	/* bidi handler: requests handled, sends refused, largest queue */
	unsigned bidi_requests, bidi_send_errors, bidi_max_queued;
	const char *host;        /* where the server listens: NULL "127.0.0.1" */
	struct seen seen[NSEEN]; /* the call observer's, in order */
	int nseen;
} S = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void observe(void *ctx, const struct rtpp_rpc_call_end *e)
{
	(void)ctx;
	if (S.nseen == NSEEN)
		return;
	struct seen *w = &S.seen[S.nseen++];
	memset(w, 0, sizeof(*w));
	snprintf(w->method, sizeof(w->method), "%s", e->method);
	w->registered = e->registered;
	w->streaming = e->streaming;
	w->client_gone = e->client_gone;
	w->status = e->status;
	snprintf(w->message, sizeof(w->message), "%s", e->message);
	w->request_len = e->request != NULL ? (long)e->request_len : -1;
	if (e->request != NULL)
		memcpy(w->request, e->request, e->request_len < 64 ? e->request_len : 64);
	w->reply_len = e->reply != NULL ? (long)e->reply_len : -1;
	if (e->reply != NULL)
		memcpy(w->reply, e->reply, e->reply_len < 64 ? e->reply_len : 64);
	rtpp_rpc_call_peer(e->call, w->peer, sizeof(w->peer));
	w->has_subject = rtpp_rpc_call_client_subject(e->call, w->subject, sizeof(w->subject));
}

static int
echo_fn(void *ctx, const uint8_t *req, size_t len, uint8_t **reply,
	size_t *reply_len, char *msg, size_t msg_len)
{
	(void)ctx; (void)msg; (void)msg_len;
	if (len > 0) {
		*reply = malloc(len);
		memcpy(*reply, req, len);
		*reply_len = len;
	}
	return GRPC_STATUS_OK;
}

static int
bad_fn(void *ctx, const uint8_t *req, size_t len, uint8_t **reply,
       size_t *reply_len, char *msg, size_t msg_len)
{
	(void)ctx; (void)req; (void)len; (void)reply_len;
	*reply = malloc(8);   /* must be freed by the library, not sent */
	snprintf(msg, msg_len, "%s", BAD_MSG);
	return GRPC_STATUS_INVALID_ARGUMENT;
}

static int
mk_msg(uint8_t *buf, uint32_t seq, uint32_t size)
{
	memset(buf, 'x', size);
	buf[0] = seq >> 24; buf[1] = seq >> 16; buf[2] = seq >> 8; buf[3] = seq;
	return 0;
}

static int
stream_fn(void *ctx, struct rtpp_rpc_call *call, const uint8_t *req,
	  size_t len, char *msg, size_t msg_len)
{
	uint8_t buf[4096];
	(void)ctx;
	if (len != 9 || S.nslots == NSLOTS) {
		snprintf(msg, msg_len, "bad stream request");
		return GRPC_STATUS_INVALID_ARGUMENT;
	}
	struct slot *s = &S.slots[S.nslots++];
	memset(s, 0, sizeof(*s));
	s->mode = req[0];
	s->total = (uint32_t)req[1] << 24 | req[2] << 16 | req[3] << 8 | req[4];
	s->msg_size = (uint32_t)req[5] << 24 | req[6] << 16 | req[7] << 8 |
		      req[8];
	if (s->msg_size < 4 || s->msg_size > sizeof(buf))
		s->msg_size = 4;
	if (s->mode == MODE_NOW) {
		/* Push everything from the handler, then release at once:
		 * the queue drains before the status. */
		for (; s->sent < s->total; s->sent++) {
			mk_msg(buf, s->sent, s->msg_size);
			if (rtpp_rpc_stream_send(call, buf, s->msg_size) != 0)
				abort();  /* no cmocka asserts off the test thread */
		}
		rtpp_rpc_stream_finish(call, GRPC_STATUS_OK, NULL);
		s->finished = 1;
		return GRPC_STATUS_OK;
	}
	s->call = call;
	return GRPC_STATUS_OK;
}

/* Bidi request: 'E' (answer) or 'F' (fail), a 32-bit tag, a 16-bit count
 * of responses, a 16-bit response size. Response k: tag, k, filler. */
enum { BIDI_REQ_LEN = 9 };

static void
bidi_request(uint8_t *req, char mode, uint32_t tag, uint16_t count,
	     uint16_t size)
{
	req[0] = (uint8_t)mode;
	req[1] = tag >> 24; req[2] = tag >> 16; req[3] = tag >> 8; req[4] = tag;
	req[5] = count >> 8; req[6] = count;
	req[7] = size >> 8; req[8] = size;
}

static int
bidi_fn(void *ctx, struct rtpp_rpc_call *call, const uint8_t *req,
	size_t len, char *msg, size_t msg_len)
{
	uint8_t buf[4096];
	(void)ctx;
	if (len != BIDI_REQ_LEN || req[0] != 'E') {
		snprintf(msg, msg_len, "%s", BIDI_FAIL_MSG);
		return GRPC_STATUS_INVALID_ARGUMENT;
	}
	S.bidi_requests++;
	uint16_t count = (uint16_t)(req[5] << 8 | req[6]);
	uint16_t size = (uint16_t)(req[7] << 8 | req[8]);
	if (size < 8 || size > sizeof(buf))
		size = 8;
	for (uint16_t k = 0; k < count; k++) {
		memset(buf, 'b', size);
		memcpy(buf, req + 1, 4);
		mk_msg(buf + 4, k, 4);
		if (rtpp_rpc_stream_send(call, buf, size) != 0)
			S.bidi_send_errors++;
	}
	unsigned q = rtpp_rpc_stream_queued(call);
	if (q > S.bidi_max_queued)
		S.bidi_max_queued = q;
	return GRPC_STATUS_OK;
}

static struct slot *
slot_of(struct rtpp_rpc_call *call)
{
	for (int i = 0; i < S.nslots; i++)
		if (S.slots[i].call == call)
			return &S.slots[i];
	return NULL;
}

static void
gone_fn(void *ctx, struct rtpp_rpc_call *call)
{
	(void)ctx;
	struct slot *s = slot_of(call);
	if (s == NULL)
		return;
	s->gone++;
	if (s->mode != MODE_CANCEL || atomic_load(&S.stop)) {
		/* Release right away; MODE_CANCEL keeps it to see -EPIPE. */
		rtpp_rpc_stream_finish(call, GRPC_STATUS_CANCELLED, NULL);
		s->call = NULL;
	}
}

static void
pump(void)
{
	uint8_t buf[4096];

	for (int i = 0; i < S.nslots; i++) {
		struct slot *s = &S.slots[i];
		if (s->call == NULL)
			continue;
		for (int k = 0; k < 2000; k++) {
			if (s->mode == MODE_PUMP && s->sent == s->total) {
				rtpp_rpc_stream_finish(s->call, GRPC_STATUS_OK,
						       NULL);
				s->call = NULL;
				s->finished = 1;
				break;
			}
			mk_msg(buf, s->sent, s->msg_size);
			int rc = rtpp_rpc_stream_send(s->call, buf,
						      s->msg_size);
			if (rc == 0) {
				s->sent++;
				if (s->mode == MODE_CANCEL)
					break;  /* one per loop */
				continue;
			}
			if (rc == -ENOBUFS) {
				s->enobufs++;  /* a drop; PUMP retries it */
				break;
			}
			if (rc == -EPIPE) {
				s->epipe++;
				rtpp_rpc_stream_finish(s->call, 0, NULL);
				s->call = NULL;
				break;
			}
			fprintf(stderr, "stream_send: %d\n", rc);
			abort();
		}
	}
}

static void *
srv_thread(void *arg)
{
	(void)arg;
	while (!atomic_load(&S.stop)) {
		pthread_mutex_lock(&S.lock);
		rtpp_rpc_server_poll(S.srv, 2);
		pump();
		pthread_mutex_unlock(&S.lock);
		usleep(100);
	}
	return NULL;
}

static int
server_up(const struct rtpp_rpc_tls *tls)
{
	char err[256];

	char addr[64];

	memset(S.slots, 0, sizeof(S.slots));
	S.nslots = 0;
	S.nseen = 0;
	snprintf(addr, sizeof(addr), "%s:0", S.host != NULL ? S.host : "127.0.0.1");
	S.bidi_requests = S.bidi_send_errors = S.bidi_max_queued = 0;
	if (S.limits != NULL)
		S.srv = rtpp_rpc_server_create_limited(addr, tls, S.limits, &S.port, err,
						       sizeof(err));
	else
		S.srv = rtpp_rpc_server_create(addr, tls, &S.port, err, sizeof(err));
	if (S.srv == NULL) {
		fprintf(stderr, "server_create: %s\n", err);
		return -1;
	}
	if (rtpp_rpc_register_unary(S.srv, M_ECHO, echo_fn, NULL) != 0 ||
	    rtpp_rpc_register_unary(S.srv, M_BAD, bad_fn, NULL) != 0 ||
	    rtpp_rpc_register_stream(S.srv, M_STREAM, stream_fn, gone_fn, NULL) != 0 ||
	    rtpp_rpc_register_bidi(S.srv, M_BIDI, bidi_fn, NULL) != 0 ||
	    rtpp_rpc_register_unary(S.srv, M_ECHO, echo_fn, NULL) != -EEXIST)
		return -1;
	if (S.stream_kind_max > 0) {
		static const char *const stream[] = { M_STREAM }, *const unknown[] = { "/x.Y/Z" };
		static const char *const unary[] = { M_ECHO };

		if (rtpp_rpc_limit_streams(S.srv, unknown, 1, 1, "test.x") != -ENOENT ||
		    rtpp_rpc_limit_streams(S.srv, unary, 1, 1, "test.x") != -EINVAL ||
		    rtpp_rpc_limit_streams(S.srv, stream, 1, S.stream_kind_max,
					   "test.max_stream_calls") != 0 ||
		    rtpp_rpc_limit_streams(S.srv, stream, 1, 1, "test.again") != -EINVAL)
			return -1;
	}
	rtpp_rpc_set_call_observer(S.srv, observe, NULL);
	if (rtpp_rpc_server_start(S.srv) != 0)
		return -1;
	atomic_store(&S.stop, 0);
	return pthread_create(&S.th, NULL, srv_thread, NULL);
}

static void
server_down(void)
{
	if (S.srv == NULL)
		return;
	atomic_store(&S.stop, 1);
	pthread_join(S.th, NULL);
	rtpp_rpc_server_destroy(S.srv);
	S.srv = NULL;
	/* Every call an owner held was reported gone or finished. */
	for (int i = 0; i < S.nslots; i++)
		assert_null(S.slots[i].call);
}

static int setup(void **st) { (void)st; return server_up(NULL); }
static int teardown(void **st) { (void)st; server_down(); return 0; }

/* ---- client side (test thread) ------------------------------------------ */

static grpc_channel *
client_channel(grpc_channel_credentials *creds)
{
	char target[64];
	grpc_arg args[2];
	/* Own connection per channel (no global subchannel sharing), so two
	 * "clients" really are two TCP connections. */
	args[0].type = GRPC_ARG_INTEGER;
	args[0].key = (char *)GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL;
	args[0].value.integer = 1;
	args[1].type = GRPC_ARG_STRING;
	args[1].key = (char *)GRPC_SSL_TARGET_NAME_OVERRIDE_ARG;
	args[1].value.string = (char *)"localhost";
	grpc_channel_args ca = { creds != NULL ? 2 : 1, args };
	grpc_channel_credentials *c = creds != NULL ? creds :
		grpc_insecure_credentials_create();
	snprintf(target, sizeof(target), "%s:%d", S.host != NULL ? S.host : "127.0.0.1", S.port);
	grpc_channel *ch = grpc_channel_create(target, c, &ca);
	if (creds == NULL)
		grpc_channel_credentials_release(c);
	return ch;
}

struct ccall {
	grpc_completion_queue *cq;
	grpc_call *call;
	grpc_metadata_array imd, tmd;
	grpc_status_code status;
	grpc_slice details;
	grpc_byte_buffer *rbuf;
	grpc_byte_buffer *sbuf;
};

static gpr_timespec
in_secs(int s)
{
	return gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
			    gpr_time_from_seconds(s, GPR_TIMESPAN));
}

static int
wait_tag(struct ccall *c, intptr_t tag)
{
	grpc_event ev = grpc_completion_queue_pluck(c->cq, (void *)tag,
						    in_secs(20), NULL);
	if (ev.type != GRPC_OP_COMPLETE)
		print_message("wait_tag %ld: event type %d\n", (long)tag, ev.type);
	assert_int_equal(ev.type, GRPC_OP_COMPLETE);
	return ev.success;
}

static void
cc_create(struct ccall *c, grpc_channel *ch, const char *method)
{
	memset(c, 0, sizeof(*c));
	c->cq = grpc_completion_queue_create_for_pluck(NULL);
	c->call = grpc_channel_create_call(ch, NULL, GRPC_PROPAGATE_DEFAULTS,
			c->cq, grpc_slice_from_static_string(method), NULL,
			in_secs(60), NULL);
	assert_non_null(c->call);
	grpc_metadata_array_init(&c->imd);
	grpc_metadata_array_init(&c->tmd);
	c->details = grpc_empty_slice();
}

/* Start a call; with_recv: the whole unary call in one batch (tag 1). */
static void
cc_begin(struct ccall *c, grpc_channel *ch, const char *method,
	 const void *req, size_t len, int with_recv)
{
	grpc_op ops[6];
	size_t n = 0;

	cc_create(c, ch, method);
	memset(ops, 0, sizeof(ops));
	grpc_slice s = grpc_slice_from_copied_buffer(req, len);
	grpc_byte_buffer *bb = grpc_raw_byte_buffer_create(&s, 1);
	grpc_slice_unref(s);
	ops[n++].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[n].op = GRPC_OP_SEND_MESSAGE;
	ops[n++].data.send_message.send_message = bb;
	ops[n++].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	if (with_recv) {  /* unary: everything in one batch */
		ops[n].op = GRPC_OP_RECV_INITIAL_METADATA;
		ops[n++].data.recv_initial_metadata.recv_initial_metadata =
			&c->imd;
		ops[n].op = GRPC_OP_RECV_MESSAGE;
		ops[n++].data.recv_message.recv_message = &c->rbuf;
		ops[n].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
		ops[n].data.recv_status_on_client.trailing_metadata = &c->tmd;
		ops[n].data.recv_status_on_client.status = &c->status;
		ops[n++].data.recv_status_on_client.status_details =
			&c->details;
	}
	assert_int_equal(grpc_call_start_batch(c->call, ops, n, (void *)1,
					       NULL), GRPC_CALL_OK);
	c->sbuf = bb;   /* freed by cc_free, after the batch completed */
}

static void
cc_start(struct ccall *c, grpc_channel *ch, const char *method,
	 const void *req, size_t len, int with_recv)
{
	cc_begin(c, ch, method, req, len, with_recv);
	if (with_recv)
		wait_tag(c, 1);
}

/* Flatten a received message; returns its length, -1 for end of stream. */
static long
bb_read(grpc_byte_buffer *bb, uint8_t *out, size_t cap)
{
	grpc_byte_buffer_reader rd;
	if (bb == NULL)
		return -1;
	assert_true(grpc_byte_buffer_reader_init(&rd, bb));
	grpc_slice all = grpc_byte_buffer_reader_readall(&rd);
	size_t n = GRPC_SLICE_LENGTH(all);
	assert_true(n <= cap);
	memcpy(out, GRPC_SLICE_START_PTR(all), n);
	grpc_slice_unref(all);
	grpc_byte_buffer_reader_destroy(&rd);
	grpc_byte_buffer_destroy(bb);
	return (long)n;
}

static long
cc_read(struct ccall *c, uint8_t *out, size_t cap)
{
	grpc_op op;
	memset(&op, 0, sizeof(op));
	op.op = GRPC_OP_RECV_MESSAGE;
	op.data.recv_message.recv_message = &c->rbuf;
	c->rbuf = NULL;
	assert_int_equal(grpc_call_start_batch(c->call, &op, 1, (void *)3,
					       NULL), GRPC_CALL_OK);
	wait_tag(c, 3);
	long n = bb_read(c->rbuf, out, cap);
	c->rbuf = NULL;
	return n;
}

static grpc_status_code
cc_status(struct ccall *c)
{
	grpc_op op;
	memset(&op, 0, sizeof(op));
	op.op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	op.data.recv_status_on_client.trailing_metadata = &c->tmd;
	op.data.recv_status_on_client.status = &c->status;
	op.data.recv_status_on_client.status_details = &c->details;
	assert_int_equal(grpc_call_start_batch(c->call, &op, 1, (void *)4,
					       NULL), GRPC_CALL_OK);
	wait_tag(c, 4);
	return c->status;
}

static void
cc_free(struct ccall *c)
{
	grpc_call_unref(c->call);   /* cancels it if still running */
	grpc_completion_queue_shutdown(c->cq);
	while (grpc_completion_queue_pluck(c->cq, NULL,
			gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL).type !=
	       GRPC_QUEUE_SHUTDOWN)
		;
	grpc_completion_queue_destroy(c->cq);
	if (c->rbuf != NULL)
		grpc_byte_buffer_destroy(c->rbuf);
	grpc_byte_buffer_destroy(c->sbuf);
	grpc_metadata_array_destroy(&c->imd);
	grpc_metadata_array_destroy(&c->tmd);
	grpc_slice_unref(c->details);
}

static grpc_status_code
unary(grpc_channel *ch, const char *method, const void *req, size_t len,
      uint8_t *out, long *out_len, char *details, size_t dlen)
{
	struct ccall c;
	cc_start(&c, ch, method, req, len, 1);
	*out_len = c.rbuf != NULL ? bb_read(c.rbuf, out, 4096) : -1;
	c.rbuf = NULL;
	char *d = grpc_slice_to_c_string(c.details);
	snprintf(details, dlen, "%s", d);
	gpr_free(d);
	grpc_status_code st = c.status;
	cc_free(&c);
	return st;
}

static void
stream_start(struct ccall *c, grpc_channel *ch, char mode, uint32_t total,
	     uint32_t msg_size)
{
	uint8_t req[9] = { (uint8_t)mode, total >> 24, total >> 16,
			   total >> 8, total, msg_size >> 24, msg_size >> 16,
			   msg_size >> 8, msg_size };
	cc_start(c, ch, M_STREAM, req, sizeof(req), 0);
	assert_true(wait_tag(c, 1));
	/* grpc core holds received messages back until the client has asked
	 * for (and got) the initial metadata: ask first. */
	grpc_op op;
	memset(&op, 0, sizeof(op));
	op.op = GRPC_OP_RECV_INITIAL_METADATA;
	op.data.recv_initial_metadata.recv_initial_metadata = &c->imd;
	assert_int_equal(grpc_call_start_batch(c->call, &op, 1, (void *)2,
					       NULL), GRPC_CALL_OK);
	assert_true(wait_tag(c, 2));
}

static uint32_t
seq_of(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3];
}

/* Wait (up to 20 s) until pred() holds, reading S under its lock. */
static int
eventually(int (*pred)(void *), void *arg)
{
	for (int i = 0; i < 20000; i++) {
		pthread_mutex_lock(&S.lock);
		int ok = pred(arg);
		pthread_mutex_unlock(&S.lock);
		if (ok)
			return 1;
		usleep(1000);
	}
	return 0;
}

static int has_slots(void *n) { return S.nslots >= *(int *)n; }

static int seen_at_least(void *n)
{
	return S.nseen >= *(int *)n;
}

/* "127.0.0.1:PORT" (or the host of the test): the client's own port. */
static void assert_client_peer(const char *peer, const char *host)
{
	size_t hl = strlen(host);
	char *end;

	if (strncmp(peer, host, hl) != 0 || peer[hl] != ':')
		print_message("peer %s, want %s:PORT\n", peer, host);
	assert_memory_equal(peer, host, hl);
	assert_int_equal(peer[hl], ':');
	long port = strtol(peer + hl + 1, &end, 10);
	assert_int_equal(*end, '\0');
	assert_true(port > 0 && port < 65536 && port != S.port);
}

/* Calls of method that ended with status, from the server's table (S.lock held). */
static uint64_t count_of(const char *method, int status)
{
	struct rtpp_rpc_method_calls t[8];
	unsigned n = rtpp_rpc_server_call_counts(S.srv, t, 8);

	for (unsigned i = 0; i < n; i++)
		if (strcmp(t[i].method, method) == 0)
			return t[i].by_status[status];
	fail_msg("no entry for method \"%s\"", method);
	return 0;
}

/* ---- tests --------------------------------------------------------------- */

static void
test_unary_echo(void **st)
{
	(void)st;
	grpc_channel *ch = client_channel(NULL);
	const uint8_t req[] = { 0x0a, 0x00, 0xff, 'h', 'i', 0x00, 0x80 };
	uint8_t out[4096];
	char det[256];
	long n;

	assert_int_equal(unary(ch, M_ECHO, req, sizeof(req), out, &n, det,
			       sizeof(det)), GRPC_STATUS_OK);
	assert_int_equal(n, sizeof(req));
	assert_memory_equal(out, req, sizeof(req));
	/* An empty message (all-default protobuf) is a valid request. */
	assert_int_equal(unary(ch, M_ECHO, "", 0, out, &n, det, sizeof(det)),
			 GRPC_STATUS_OK);
	assert_int_equal(n, 0);
	grpc_channel_destroy(ch);
}

/*
 * Many more unary calls in flight on one connection than the server keeps
 * requests outstanding for (RPC_PENDING_PER_UNARY): calls beyond them wait
 * in grpc until a completed one re-arms its request, and every call gets
 * its own reply. This is how an SBC pipelines CreateSession calls.
 */
static void
test_unary_pipelined(void **st)
{
	enum { N = 100 };
	(void)st;
	grpc_channel *ch = client_channel(NULL);
	struct ccall *c = calloc(N, sizeof(*c));
	uint8_t out[4096];

	assert_non_null(c);
	for (int i = 0; i < N; i++) {
		uint8_t req[2] = { (uint8_t)(i >> 8), (uint8_t)i };
		cc_begin(&c[i], ch, M_ECHO, req, sizeof(req), 1);
	}
	for (int i = 0; i < N; i++) {
		assert_true(wait_tag(&c[i], 1));
		assert_int_equal(c[i].status, GRPC_STATUS_OK);
		assert_int_equal(bb_read(c[i].rbuf, out, sizeof(out)), 2);
		c[i].rbuf = NULL;
		assert_int_equal(out[0] << 8 | out[1], i);
		cc_free(&c[i]);
	}
	/* No message at all (half-close only): the handler never runs. */
	struct ccall e;
	grpc_op ops[5];
	memset(&e, 0, sizeof(e));
	memset(ops, 0, sizeof(ops));
	e.cq = grpc_completion_queue_create_for_pluck(NULL);
	e.call = grpc_channel_create_call(ch, NULL, GRPC_PROPAGATE_DEFAULTS,
			e.cq, grpc_slice_from_static_string(M_ECHO), NULL,
			in_secs(60), NULL);
	grpc_metadata_array_init(&e.imd);
	grpc_metadata_array_init(&e.tmd);
	e.details = grpc_empty_slice();
	e.sbuf = grpc_raw_byte_buffer_create(NULL, 0);
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[1].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	ops[2].op = GRPC_OP_RECV_INITIAL_METADATA;
	ops[2].data.recv_initial_metadata.recv_initial_metadata = &e.imd;
	ops[3].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	ops[3].data.recv_status_on_client.trailing_metadata = &e.tmd;
	ops[3].data.recv_status_on_client.status = &e.status;
	ops[3].data.recv_status_on_client.status_details = &e.details;
	assert_int_equal(grpc_call_start_batch(e.call, ops, 4, (void *)1,
					       NULL), GRPC_CALL_OK);
	assert_true(wait_tag(&e, 1));
	assert_int_equal(e.status, GRPC_STATUS_INVALID_ARGUMENT);
	cc_free(&e);
	free(c);
	grpc_channel_destroy(ch);
}

static void
test_status_message(void **st)
{
	(void)st;
	grpc_channel *ch = client_channel(NULL);
	uint8_t out[4096];
	char det[256];
	long n;

	assert_int_equal(unary(ch, M_BAD, "x", 1, out, &n, det, sizeof(det)),
			 GRPC_STATUS_INVALID_ARGUMENT);
	assert_string_equal(det, BAD_MSG);
	assert_int_equal(n, -1);   /* no message with an error status */
	grpc_channel_destroy(ch);
}

static void
test_unimplemented(void **st)
{
	(void)st;
	grpc_channel *ch = client_channel(NULL);
	uint8_t out[4096];
	char det[256];
	long n;

	assert_int_equal(unary(ch, "/test.T/Nope", "x", 1, out, &n, det,
			       sizeof(det)), GRPC_STATUS_UNIMPLEMENTED);
	assert_string_equal(det, "unknown method /test.T/Nope");
	/* The server still serves afterwards. */
	assert_int_equal(unary(ch, M_ECHO, "x", 1, out, &n, det, sizeof(det)),
			 GRPC_STATUS_OK);
	grpc_channel_destroy(ch);
}

static void
test_stream_100(void **st)
{
	(void)st;
	grpc_channel *ch = client_channel(NULL);
	struct ccall c;
	uint8_t buf[4096];

	stream_start(&c, ch, MODE_NOW, 100, 16);
	for (uint32_t i = 0; i < 100; i++) {
		assert_int_equal(cc_read(&c, buf, sizeof(buf)), 16);
		assert_int_equal(seq_of(buf), i);
	}
	assert_int_equal(cc_read(&c, buf, sizeof(buf)), -1);
	assert_int_equal(cc_status(&c), GRPC_STATUS_OK);
	cc_free(&c);
	/* A bad stream request: the handler's status ends the call. */
	uint8_t out[4096];
	char det[256];
	long n;
	assert_int_equal(unary(ch, M_STREAM, "?", 1, out, &n, det,
			       sizeof(det)), GRPC_STATUS_INVALID_ARGUMENT);
	assert_string_equal(det, "bad stream request");
	grpc_channel_destroy(ch);
}

/* One client op alone in a batch, waited for. */
static int
cc_op(struct ccall *c, grpc_op *op, intptr_t tag)
{
	assert_int_equal(grpc_call_start_batch(c->call, op, 1, (void *)tag,
					       NULL), GRPC_CALL_OK);
	return wait_tag(c, tag);
}

/* Open a bidi call: our headers out, the server's in (it sends them as
 * soon as the call arrives, before any request). */
static void
bidi_open(struct ccall *c, grpc_channel *ch)
{
	grpc_op op;

	cc_create(c, ch, M_BIDI);
	memset(&op, 0, sizeof(op));
	op.op = GRPC_OP_SEND_INITIAL_METADATA;
	assert_true(cc_op(c, &op, 1));
	memset(&op, 0, sizeof(op));
	op.op = GRPC_OP_RECV_INITIAL_METADATA;
	op.data.recv_initial_metadata.recv_initial_metadata = &c->imd;
	assert_true(cc_op(c, &op, 2));
}

static void
bidi_send(struct ccall *c, char mode, uint32_t tag, uint16_t count,
	  uint16_t size)
{
	uint8_t req[BIDI_REQ_LEN];
	grpc_op op;

	bidi_request(req, mode, tag, count, size);
	grpc_slice s = grpc_slice_from_copied_buffer((const char *)req,
						     sizeof(req));
	grpc_byte_buffer *bb = grpc_raw_byte_buffer_create(&s, 1);
	grpc_slice_unref(s);
	memset(&op, 0, sizeof(op));
	op.op = GRPC_OP_SEND_MESSAGE;
	op.data.send_message.send_message = bb;
	assert_true(cc_op(c, &op, 5));
	grpc_byte_buffer_destroy(bb);
}

static void
bidi_half_close(struct ccall *c)
{
	grpc_op op;

	memset(&op, 0, sizeof(op));
	op.op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	assert_true(cc_op(c, &op, 6));
}

/* Read the count responses of request tag, in order. */
static void
bidi_expect(struct ccall *c, uint32_t tag, uint16_t count, uint16_t size)
{
	uint8_t buf[4096];

	for (uint32_t k = 0; k < count; k++) {
		assert_int_equal(cc_read(c, buf, sizeof(buf)), size);
		assert_int_equal(seq_of(buf), tag);
		assert_int_equal(seq_of(buf + 4), k);
	}
}

static int no_calls(void *a)
{
	(void)a;
	return rtpp_rpc_server_calls_in_progress(S.srv) == 0;
}

static int stalled_dropped(void *a) { (void)a; return S.slots[0].enobufs > 0; }
static int stalled_gone(void *a) { (void)a; return S.slots[0].gone == 1; }

static void
test_stalled_client(void **st)
{
	(void)st;
	grpc_channel *ch_stall = client_channel(NULL);
	grpc_channel *ch_read = client_channel(NULL);
	struct ccall cs, cr;
	uint8_t buf[4096];
	int two = 2, one = 1;

	/* The stalled client: 1 KB messages, never reads one. */
	stream_start(&cs, ch_stall, MODE_STALL, 0, 1024);
	assert_true(eventually(has_slots, &one));
	stream_start(&cr, ch_read, MODE_PUMP, 10000, 64);
	assert_true(eventually(has_slots, &two));
	for (uint32_t i = 0; i < 10000; i++) {
		assert_int_equal(cc_read(&cr, buf, sizeof(buf)), 64);
		assert_int_equal(seq_of(buf), i);
	}
	assert_int_equal(cc_read(&cr, buf, sizeof(buf)), -1);
	assert_int_equal(cc_status(&cr), GRPC_STATUS_OK);
	/* Meanwhile the stalled stream's queue filled: sends were refused. */
	assert_true(eventually(stalled_dropped, NULL));
	pthread_mutex_lock(&S.lock);
	printf("stalled stream: %u messages accepted, %u refused (ENOBUFS), "
	       "%u queued\n", S.slots[0].sent, S.slots[0].enobufs,
	       S.slots[0].call ? rtpp_rpc_stream_queued(S.slots[0].call) : 0);
	assert_true(S.slots[1].finished);
	assert_int_equal(S.slots[0].gone, 0);
	pthread_mutex_unlock(&S.lock);
	/* The stalled client finally cancels: the owner hears of it. */
	grpc_call_cancel(cs.call, NULL);
	assert_true(eventually(stalled_gone, NULL));
	cc_free(&cs);
	cc_free(&cr);
	grpc_channel_destroy(ch_stall);
	grpc_channel_destroy(ch_read);
}

/*
 * Streaming calls beyond max_streams are refused with RESOURCE_EXHAUSTED and
 * counted; once one ends, the next gets in. (Each holds a queue and, for
 * events, a subscriber: without a bound a client could open them forever.)
 */
static int limited_setup(void **st)
{
	static const struct rtpp_rpc_limits two = { .max_streams = 2,
						    .max_streams_per_conn = 100,
						    .memory_quota_bytes = 16ull << 20,
						    .keepalive_ms = 60000,
						    .max_message_bytes = 1u << 20 };

	(void)st;
	S.limits = &two;
	return server_up(NULL);
}

static int limited_teardown(void **st)
{
	(void)st;
	server_down();
	S.limits = NULL;
	return 0;
}

static void test_streams_are_bounded(void **st)
{
	(void)st;
	grpc_channel *ch = client_channel(NULL);
	struct ccall a, b, c, d;
	uint8_t buf[64];
	int two = 2;
	char *det;

	stream_start(&a, ch, MODE_STALL, 0, 8);
	stream_start(&b, ch, MODE_STALL, 0, 8);
	assert_true(eventually(has_slots, &two));
	stream_start(&c, ch, MODE_STALL, 0, 8);
	assert_int_equal(cc_read(&c, buf, sizeof(buf)), -1);
	assert_int_equal(cc_status(&c), GRPC_STATUS_RESOURCE_EXHAUSTED);
	det = grpc_slice_to_c_string(c.details);
	assert_non_null(strstr(det, "at most 2 (api.max_streams)"));
	gpr_free(det);
	pthread_mutex_lock(&S.lock);
	assert_int_equal(rtpp_rpc_server_streams(S.srv), 2);
	assert_int_equal(rtpp_rpc_server_streams_refused(S.srv), 1);
	assert_int_equal(S.nslots, 2); /* the handler never saw the third */
	pthread_mutex_unlock(&S.lock);
	/* One ends: room for another. */
	grpc_call_cancel(a.call, NULL);
	assert_true(eventually(stalled_gone, NULL));
	cc_free(&a);
	int three = 3;

	for (int i = 0; i < 200; i++) { /* the cancelled call is freed a moment later */
		pthread_mutex_lock(&S.lock);
		unsigned n = rtpp_rpc_server_streams(S.srv);
		pthread_mutex_unlock(&S.lock);
		if (n < 2)
			break;
		usleep(10000);
	}
	stream_start(&d, ch, MODE_STALL, 0, 8);
	assert_true(eventually(has_slots, &three));
	grpc_call_cancel(b.call, NULL);
	grpc_call_cancel(d.call, NULL);
	cc_free(&b);
	cc_free(&c);
	cc_free(&d);
	grpc_channel_destroy(ch);
}

/*
 * A kind of stream has its bound within max_streams: beyond it a call of that
 * kind is refused (naming its setting) while other kinds still get in.
 */
static int kind_limited_setup(void **st)
{
	S.stream_kind_max = 1;
	return limited_setup(st);
}

static int kind_limited_teardown(void **st)
{
	S.stream_kind_max = 0;
	return limited_teardown(st);
}

static void test_stream_kinds_are_bounded(void **st)
{
	(void)st;
	grpc_channel *ch = client_channel(NULL);
	struct ccall a, b, c;
	struct rtpp_rpc_stream_group_stats g;
	uint8_t buf[64];
	int one = 1;
	char *det;

	stream_start(&a, ch, MODE_STALL, 0, 8);
	assert_true(eventually(has_slots, &one));
	stream_start(&b, ch, MODE_STALL, 0, 8);
	assert_int_equal(cc_read(&b, buf, sizeof(buf)), -1);
	assert_int_equal(cc_status(&b), GRPC_STATUS_RESOURCE_EXHAUSTED);
	det = grpc_slice_to_c_string(b.details);
	assert_non_null(strstr(det, "at most 1 (test.max_stream_calls)"));
	gpr_free(det);
	pthread_mutex_lock(&S.lock);
	assert_int_equal(rtpp_rpc_server_stream_groups(S.srv, &g, 1), 1);
	assert_string_equal(g.setting, "test.max_stream_calls");
	assert_int_equal(g.open, 1);
	assert_int_equal(g.max, 1);
	assert_int_equal(g.refused, 1);
	/* Refused by its kind, not by max_streams (2), which still has room. */
	assert_int_equal(rtpp_rpc_server_streams(S.srv), 1);
	assert_int_equal(rtpp_rpc_server_streams_refused(S.srv), 0);
	/* The observer saw the refusal, with the bound's message. */
	assert_int_equal(S.nseen, 1);
	assert_string_equal(S.seen[0].method, M_STREAM);
	assert_true(S.seen[0].streaming);
	assert_false(S.seen[0].client_gone);
	assert_int_equal(S.seen[0].status, GRPC_STATUS_RESOURCE_EXHAUSTED);
	assert_non_null(strstr(S.seen[0].message, "at most 1 (test.max_stream_calls)"));
	assert_int_equal(count_of(M_STREAM, GRPC_STATUS_RESOURCE_EXHAUSTED), 1);
	pthread_mutex_unlock(&S.lock);

	/* The one open ends: its kind has room again. */
	grpc_call_cancel(a.call, NULL);
	for (int i = 0; i < 200; i++) {
		pthread_mutex_lock(&S.lock);
		rtpp_rpc_server_stream_groups(S.srv, &g, 1);
		pthread_mutex_unlock(&S.lock);
		if (g.open == 0)
			break;
		usleep(10000);
	}
	assert_int_equal(g.open, 0);
	int two = 2;
	stream_start(&c, ch, MODE_STALL, 0, 8);
	assert_true(eventually(has_slots, &two));
	grpc_call_cancel(c.call, NULL);
	cc_free(&a);
	cc_free(&b);
	cc_free(&c);
	grpc_channel_destroy(ch);
}

static int cancel_seen(void *a)
{
	(void)a;
	return S.slots[0].gone == 1 && S.slots[0].epipe == 1 &&
	       S.slots[0].call == NULL;
}

static void
test_cancel(void **st)
{
	(void)st;
	grpc_channel *ch = client_channel(NULL);
	struct ccall c;
	uint8_t buf[4096];

	stream_start(&c, ch, MODE_CANCEL, 0, 8);
	assert_int_equal(cc_read(&c, buf, sizeof(buf)), 8);
	assert_int_equal(cc_read(&c, buf, sizeof(buf)), 8);
	grpc_call_cancel(c.call, NULL);
	assert_true(eventually(cancel_seen, NULL));
	assert_int_equal(cc_status(&c), GRPC_STATUS_CANCELLED);
	cc_free(&c);
	grpc_channel_destroy(ch);
}

static void
test_destroy_in_flight(void **st)
{
	(void)st;
	grpc_channel *ch = client_channel(NULL);
	struct ccall c1, c2, c3;
	uint8_t buf[4096];
	int three = 3;

	stream_start(&c1, ch, MODE_STALL, 0, 1024);   /* never read */
	stream_start(&c2, ch, MODE_PUMP, 1u << 30, 32);
	stream_start(&c3, ch, MODE_CANCEL, 0, 8);
	assert_true(eventually(has_slots, &three));
	assert_int_equal(cc_read(&c2, buf, sizeof(buf)), 32);
	assert_int_equal(cc_read(&c3, buf, sizeof(buf)), 8);

	server_down();   /* calls in flight */
	for (int i = 0; i < 3; i++)
		assert_int_equal(S.slots[i].gone, 1);
	while (cc_read(&c2, buf, sizeof(buf)) >= 0)
		;
	grpc_status_code s2 = cc_status(&c2);
	assert_int_not_equal(s2, GRPC_STATUS_OK);
	printf("client status after server destroy: %d\n", s2);
	cc_free(&c1);
	cc_free(&c2);
	cc_free(&c3);
	grpc_channel_destroy(ch);
}

static void
test_bidi_in_order(void **st)
{
	(void)st;
	grpc_channel *ch = client_channel(NULL);
	struct ccall c;
	uint8_t buf[4096];

	bidi_open(&c, ch);
	/* Ping-pong: each request's responses come before the next request. */
	for (uint32_t i = 0; i < 10; i++) {
		bidi_send(&c, 'E', i, 3, 16);
		bidi_expect(&c, i, 3, 16);
	}
	/* Pipelined: five requests, then the half-close, then the reading. */
	for (uint32_t i = 10; i < 15; i++)
		bidi_send(&c, 'E', i, 2, 8);
	bidi_half_close(&c);
	for (uint32_t i = 10; i < 15; i++)
		bidi_expect(&c, i, 2, 8);
	assert_int_equal(cc_read(&c, buf, sizeof(buf)), -1);
	assert_int_equal(cc_status(&c), GRPC_STATUS_OK);
	cc_free(&c);
	pthread_mutex_lock(&S.lock);
	assert_int_equal(S.bidi_requests, 15);
	assert_int_equal(S.bidi_send_errors, 0);
	pthread_mutex_unlock(&S.lock);
	assert_true(eventually(no_calls, NULL));
	grpc_channel_destroy(ch);
}

static void
test_bidi_half_close_only(void **st)
{
	(void)st;
	grpc_channel *ch = client_channel(NULL);
	struct ccall c;
	uint8_t buf[4096];

	/* No request at all is a complete conversation: OK, no responses. */
	bidi_open(&c, ch);
	bidi_half_close(&c);
	assert_int_equal(cc_read(&c, buf, sizeof(buf)), -1);
	assert_int_equal(cc_status(&c), GRPC_STATUS_OK);
	cc_free(&c);
	assert_true(eventually(no_calls, NULL));
	grpc_channel_destroy(ch);
}

static void
test_bidi_handler_error(void **st)
{
	(void)st;
	grpc_channel *ch = client_channel(NULL);
	struct ccall c;
	uint8_t buf[4096];

	/* A failing request ends the call with its status, after the
	 * responses the earlier request queued. */
	bidi_open(&c, ch);
	bidi_send(&c, 'E', 7, 4, 8);
	bidi_send(&c, 'F', 8, 0, 0);
	bidi_expect(&c, 7, 4, 8);
	assert_int_equal(cc_read(&c, buf, sizeof(buf)), -1);
	assert_int_equal(cc_status(&c), GRPC_STATUS_INVALID_ARGUMENT);
	char *d = grpc_slice_to_c_string(c.details);
	assert_string_equal(d, BIDI_FAIL_MSG);
	gpr_free(d);
	cc_free(&c);
	assert_true(eventually(no_calls, NULL));
	grpc_channel_destroy(ch);
}

static void
test_bidi_cancel(void **st)
{
	(void)st;
	grpc_channel *ch = client_channel(NULL);
	struct ccall c1, c2;

	bidi_open(&c1, ch);
	bidi_send(&c1, 'E', 1, 2, 8);
	bidi_expect(&c1, 1, 2, 8);
	grpc_call_cancel(c1.call, NULL);
	assert_int_equal(cc_status(&c1), GRPC_STATUS_CANCELLED);
	/* A client that vanishes with a request unanswered in the server's
	 * queue: its call is dropped without a trace too. */
	bidi_open(&c2, ch);
	bidi_send(&c2, 'E', 2, 1000, 4000);
	cc_free(&c2);                  /* unref = cancel, nothing read */
	assert_true(eventually(no_calls, NULL));
	cc_free(&c1);
	grpc_channel_destroy(ch);
}

/* A client that sends many requests before reading any response: the
 * server stops reading requests while responses pile up, so none is lost
 * although they are far more than the queue holds. */
static void
test_bidi_slow_reader(void **st)
{
	(void)st;
	grpc_channel *ch = client_channel(NULL);
	struct ccall c;
	uint8_t buf[4096];
	enum { REQS = 20, PER_REQ = 100, SIZE = 4000 };

	bidi_open(&c, ch);
	for (uint32_t i = 0; i < REQS; i++)
		bidi_send(&c, 'E', i, PER_REQ, SIZE);
	bidi_half_close(&c);
	for (uint32_t i = 0; i < REQS; i++)
		bidi_expect(&c, i, PER_REQ, SIZE);
	assert_int_equal(cc_read(&c, buf, sizeof(buf)), -1);
	assert_int_equal(cc_status(&c), GRPC_STATUS_OK);
	pthread_mutex_lock(&S.lock);
	printf("slow bidi reader: %u responses, at most %u queued\n",
	       REQS * PER_REQ, S.bidi_max_queued);
	assert_int_equal(S.bidi_requests, REQS);
	assert_int_equal(S.bidi_send_errors, 0);
	/* The queue did grow past the read threshold: the pause happened. */
	assert_true(S.bidi_max_queued > RTPP_RPC_STREAM_QUEUE / 2);
	pthread_mutex_unlock(&S.lock);
	cc_free(&c);
	grpc_channel_destroy(ch);
}

static void
test_bidi_destroy_in_flight(void **st)
{
	(void)st;
	grpc_channel *ch = client_channel(NULL);
	struct ccall c;
	uint8_t buf[4096];

	bidi_open(&c, ch);
	bidi_send(&c, 'E', 3, 1, 8);
	bidi_expect(&c, 3, 1, 8);
	server_down();   /* the call is still open */
	assert_int_equal(cc_read(&c, buf, sizeof(buf)), -1);
	assert_int_not_equal(cc_status(&c), GRPC_STATUS_OK);
	cc_free(&c);
	grpc_channel_destroy(ch);
}

static void
test_create_fail(void **st)
{
	(void)st;
	char err[128];
	int port = -1;
	struct rtpp_rpc_server *srv = rtpp_rpc_server_create(
			"unix:/nonexistent-rtpp-dir/rpc.sock",
			NULL, &port, err, sizeof(err));
	assert_null(srv);
	assert_string_equal(err, "cannot listen on "
			    "unix:/nonexistent-rtpp-dir/rpc.sock");
	/* Created, never started, destroyed. */
	srv = rtpp_rpc_server_create("127.0.0.1:0", NULL, &port, err,
				     sizeof(err));
	assert_non_null(srv);
	assert_true(port > 0);
	rtpp_rpc_server_destroy(srv);
}

/* ---- the call observer and the counts ------------------------------------ */

/* Every unary call is seen once, as it ends: method, status, message, the
 * request and reply bytes, who called; and counted by method and status. */
static void test_observer_unary(void **st)
{
	(void)st;
	grpc_channel *ch = client_channel(NULL);
	const uint8_t req[] = { 1, 2, 3 };
	uint8_t out[4096];
	char det[256];
	long n;

	assert_int_equal(unary(ch, M_ECHO, req, sizeof(req), out, &n, det, sizeof(det)),
			 GRPC_STATUS_OK);
	assert_int_equal(unary(ch, M_BAD, "x", 1, out, &n, det, sizeof(det)),
			 GRPC_STATUS_INVALID_ARGUMENT);
	assert_int_equal(unary(ch, "/test.T/Nope", "x", 1, out, &n, det, sizeof(det)),
			 GRPC_STATUS_UNIMPLEMENTED);
	assert_int_equal(unary(ch, M_ECHO, "", 0, out, &n, det, sizeof(det)), GRPC_STATUS_OK);

	/* A unary call is observed before its reply leaves: all four are in. */
	pthread_mutex_lock(&S.lock);
	assert_int_equal(S.nseen, 4);
	const struct seen *e = &S.seen[0];
	assert_string_equal(e->method, M_ECHO);
	assert_true(e->registered);
	assert_false(e->streaming);
	assert_false(e->client_gone);
	assert_int_equal(e->status, GRPC_STATUS_OK);
	assert_string_equal(e->message, "");
	assert_int_equal(e->request_len, 3);
	assert_memory_equal(e->request, req, 3);
	assert_int_equal(e->reply_len, 3);
	assert_memory_equal(e->reply, req, 3);
	assert_client_peer(e->peer, "127.0.0.1");
	assert_false(e->has_subject); /* plaintext: no certificate */
	assert_string_equal(e->subject, "");

	e = &S.seen[1];
	assert_string_equal(e->method, M_BAD);
	assert_int_equal(e->status, GRPC_STATUS_INVALID_ARGUMENT);
	assert_string_equal(e->message, BAD_MSG);
	assert_int_equal(e->request_len, 1);
	assert_int_equal(e->reply_len, -1); /* the handler's buffer is not a reply */

	e = &S.seen[2];
	assert_string_equal(e->method, "/test.T/Nope");
	assert_false(e->registered);
	assert_int_equal(e->status, GRPC_STATUS_UNIMPLEMENTED);
	assert_string_equal(e->message, "unknown method /test.T/Nope");
	assert_int_equal(e->request_len, -1);
	assert_client_peer(e->peer, "127.0.0.1");

	assert_int_equal(S.seen[3].request_len, 0); /* an empty message is a request */
	assert_int_equal(S.seen[3].reply_len, -1);  /* an empty reply is NULL */

	/* The table: registered methods in order, then the unregistered ones. */
	struct rtpp_rpc_method_calls t[8];
	assert_int_equal(rtpp_rpc_server_call_counts(S.srv, t, 8), 5);
	assert_string_equal(t[0].method, M_ECHO);
	assert_string_equal(t[1].method, M_BAD);
	assert_string_equal(t[2].method, M_STREAM);
	assert_string_equal(t[3].method, M_BIDI);
	assert_string_equal(t[4].method, "");
	assert_int_equal(rtpp_rpc_server_call_counts(S.srv, t, 2), 2);
	assert_int_equal(count_of(M_ECHO, GRPC_STATUS_OK), 2);
	assert_int_equal(count_of(M_BAD, GRPC_STATUS_INVALID_ARGUMENT), 1);
	assert_int_equal(count_of("", GRPC_STATUS_UNIMPLEMENTED), 1);
	assert_int_equal(count_of(M_BAD, GRPC_STATUS_OK), 0);
	pthread_mutex_unlock(&S.lock);
	grpc_channel_destroy(ch);
}

/* Streams: seen when they end, with the status they ended with; a client that
 * went away is CANCELLED and marked client_gone. */
static void test_observer_streams(void **st)
{
	(void)st;
	grpc_channel *ch = client_channel(NULL);
	struct ccall a, b, c;
	uint8_t buf[4096];
	char det[256];
	long n;
	int want;

	stream_start(&a, ch, MODE_NOW, 3, 8);
	for (int i = 0; i < 3; i++)
		assert_int_equal(cc_read(&a, buf, sizeof(buf)), 8);
	assert_int_equal(cc_read(&a, buf, sizeof(buf)), -1);
	assert_int_equal(cc_status(&a), GRPC_STATUS_OK);
	want = 1;
	assert_true(eventually(seen_at_least, &want));
	pthread_mutex_lock(&S.lock);
	assert_string_equal(S.seen[0].method, M_STREAM);
	assert_true(S.seen[0].streaming);
	assert_int_equal(S.seen[0].status, GRPC_STATUS_OK);
	assert_false(S.seen[0].client_gone);
	assert_int_equal(S.seen[0].request_len, -1);
	pthread_mutex_unlock(&S.lock);

	/* The handler refuses the request. */
	assert_int_equal(unary(ch, M_STREAM, "?", 1, buf, &n, det, sizeof(det)),
			 GRPC_STATUS_INVALID_ARGUMENT);
	want = 2;
	assert_true(eventually(seen_at_least, &want));

	/* The client cancels a stream in progress. */
	stream_start(&b, ch, MODE_STALL, 0, 8);
	want = 2; /* the handler holds it */
	assert_true(eventually(has_slots, &want));
	grpc_call_cancel(b.call, NULL);
	want = 3;
	assert_true(eventually(seen_at_least, &want));

	/* A bidi conversation the client half-closes. */
	bidi_open(&c, ch);
	bidi_send(&c, 'E', 1, 1, 8);
	bidi_expect(&c, 1, 1, 8);
	bidi_half_close(&c);
	assert_int_equal(cc_read(&c, buf, sizeof(buf)), -1);
	assert_int_equal(cc_status(&c), GRPC_STATUS_OK);
	want = 4;
	assert_true(eventually(seen_at_least, &want));

	pthread_mutex_lock(&S.lock);
	assert_int_equal(S.seen[1].status, GRPC_STATUS_INVALID_ARGUMENT);
	assert_string_equal(S.seen[1].message, "bad stream request");
	assert_true(S.seen[1].streaming);
	assert_string_equal(S.seen[2].method, M_STREAM);
	assert_int_equal(S.seen[2].status, GRPC_STATUS_CANCELLED);
	assert_true(S.seen[2].client_gone);
	assert_client_peer(S.seen[2].peer, "127.0.0.1"); /* still known as it ends */
	assert_string_equal(S.seen[3].method, M_BIDI);
	assert_int_equal(S.seen[3].status, GRPC_STATUS_OK);
	assert_int_equal(count_of(M_STREAM, GRPC_STATUS_OK), 1);
	assert_int_equal(count_of(M_STREAM, GRPC_STATUS_INVALID_ARGUMENT), 1);
	assert_int_equal(count_of(M_STREAM, GRPC_STATUS_CANCELLED), 1);
	assert_int_equal(count_of(M_BIDI, GRPC_STATUS_OK), 1);
	pthread_mutex_unlock(&S.lock);
	cc_free(&a);
	cc_free(&b);
	cc_free(&c);
	grpc_channel_destroy(ch);
}

/* Over IPv6 the peer is "[::1]:PORT" (grpc's URI escapes %5B %5D decoded). */
static void test_observer_ipv6_peer(void **st)
{
	(void)st;
	uint8_t out[4096];
	char det[256];
	long n;

	S.host = "[::1]";
	if (server_up(NULL) != 0) {
		S.host = NULL;
		server_down();
		print_message("no IPv6 loopback here: skipped\n");
		skip();
	}
	grpc_channel *ch = client_channel(NULL);
	assert_int_equal(unary(ch, M_ECHO, "6", 1, out, &n, det, sizeof(det)), GRPC_STATUS_OK);
	pthread_mutex_lock(&S.lock);
	assert_int_equal(S.nseen, 1);
	assert_client_peer(S.seen[0].peer, "[::1]");
	pthread_mutex_unlock(&S.lock);
	grpc_channel_destroy(ch);
	server_down();
	S.host = NULL;
}

/* ---- TLS ----------------------------------------------------------------- */

static char tls_dir[] = "/tmp/rtpp_rpc_tlsXXXXXX";

static char *
slurp(const char *name)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", tls_dir, name);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char *buf = calloc(1, 65536);
	size_t n = fread(buf, 1, 65535, f);
	assert_true(n > 0);
	fclose(f);
	return buf;
}

static int
make_certs(void)
{
	char cmd[4096];
	if (mkdtemp(tls_dir) == NULL)
		return -1;
	snprintf(cmd, sizeof(cmd),
		"cd %s && exec >log 2>&1 && "
		"openssl req -x509 -newkey rsa:2048 -nodes -days 1 "
		"  -subj /CN=test-ca -keyout ca.key -out ca.pem && "
		"printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > srv.ext && "
		"openssl req -newkey rsa:2048 -nodes -subj /CN=localhost "
		"  -keyout srv.key -out srv.csr && "
		"openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key "
		"  -CAcreateserial -days 1 -extfile srv.ext -out srv.pem && "
		"openssl req -newkey rsa:2048 -nodes -subj /CN=client "
		"  -keyout cli.key -out cli.csr && "
		"openssl x509 -req -in cli.csr -CA ca.pem -CAkey ca.key "
		"  -CAcreateserial -days 1 -out cli.pem", tls_dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_tls_client_cert(void **st)
{
	(void)st;
	if (make_certs() != 0) {
		print_message("openssl failed, see %s/log\n", tls_dir);
		fail();
	}
	char *ca = slurp("ca.pem"), *scert = slurp("srv.pem"),
	     *skey = slurp("srv.key"), *ccert = slurp("cli.pem"),
	     *ckey = slurp("cli.key");
	struct rtpp_rpc_tls tls = { scert, skey, ca };
	uint8_t out[4096];
	char det[256];
	long n;

	assert_int_equal(server_up(&tls), 0);

	/* Trusts the server, has no certificate: refused in the handshake. */
	grpc_channel_credentials *nocert = grpc_ssl_credentials_create(ca,
			NULL, NULL, NULL);
	grpc_channel *ch = client_channel(nocert);
	grpc_status_code s = unary(ch, M_ECHO, "tls", 3, out, &n, det,
				   sizeof(det));
	printf("TLS without client cert: status %d (%s)\n", s, det);
	assert_int_equal(s, GRPC_STATUS_UNAVAILABLE);
	grpc_channel_destroy(ch);
	grpc_channel_credentials_release(nocert);

	/* With a certificate signed by the CA: served. */
	grpc_ssl_pem_key_cert_pair pair = { ckey, ccert };
	grpc_channel_credentials *withcert = grpc_ssl_credentials_create(ca,
			&pair, NULL, NULL);
	ch = client_channel(withcert);
	assert_int_equal(unary(ch, M_ECHO, "tls", 3, out, &n, det,
			       sizeof(det)), GRPC_STATUS_OK);
	assert_int_equal(n, 3);
	assert_memory_equal(out, "tls", 3);
	/* The refused handshake was no call; this one names its certificate. */
	pthread_mutex_lock(&S.lock);
	assert_int_equal(S.nseen, 1);
	assert_true(S.seen[0].has_subject);
	assert_string_equal(S.seen[0].subject, "CN=client");
	assert_client_peer(S.seen[0].peer, "127.0.0.1");
	pthread_mutex_unlock(&S.lock);
	grpc_channel_destroy(ch);
	grpc_channel_credentials_release(withcert);

	server_down();
	free(ca); free(scert); free(skey); free(ccert); free(ckey);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tls_dir);
	if (system(cmd) != 0)
		print_message("cannot remove %s\n", tls_dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_unary_echo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unary_pipelined, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_message, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unimplemented, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_100, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_kinds_are_bounded, kind_limited_setup,
						kind_limited_teardown),
		cmocka_unit_test_setup_teardown(test_streams_are_bounded, limited_setup,
						limited_teardown),
		cmocka_unit_test_setup_teardown(test_stalled_client, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_destroy_in_flight, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bidi_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bidi_half_close_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bidi_handler_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bidi_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bidi_slow_reader, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bidi_destroy_in_flight, setup, teardown),
		cmocka_unit_test(test_create_fail),
		cmocka_unit_test_setup_teardown(test_observer_unary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_observer_streams, setup, teardown),
		cmocka_unit_test(test_observer_ipv6_peer),
		cmocka_unit_test(test_tls_client_cert),
	};
	grpc_init();
	int rc = cmocka_run_group_tests_name("rpc", tests, NULL, NULL);
	grpc_shutdown_blocking();
	return rc;
}
