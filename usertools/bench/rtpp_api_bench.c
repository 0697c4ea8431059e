/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rtpp-api-bench: session set-up rate over the gRPC control API.
 *
 * Each client thread owns one channel (its own TCP connection: local
 * subchannel pool) and one pluck completion queue, and loops
 * CreateSession + DestroySession of the created id, one call at a time,
 * for --seconds. Reports pairs/s and p50/p99 latency of each call for each
 * entry of --channels, as a markdown table.
 *
 *   rtpp-api-bench [--server ADDR] [--seconds S] [--channels 1,8]
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>

#include "rtpproxy.pb-c.h"

#define M_CREATE "/rtpproxy.RtpProxy/CreateSession"
#define M_DESTROY "/rtpproxy.RtpProxy/DestroySession"
#define MAX_CHANNELS 64
#define CALL_DEADLINE_S 10

struct lat {
	uint32_t *v;   /* nanoseconds, capped */
	size_t n, cap;
};

struct worker {
	pthread_t th;
	int id;
	grpc_channel *ch;
	grpc_completion_queue *cq;
	struct lat create, destroy;
	uint64_t pairs;
	uint64_t errors;
	char first_err[256];
	int have_err;
};

static const char *server = "127.0.0.1:50051";
static double seconds = 5;
static atomic_int go;       /* 0 wait, 1 run, 2 stop */
static atomic_int ready;
static pthread_mutex_t err_lock = PTHREAD_MUTEX_INITIALIZER;
static char first_err[320];
static int have_first_err;

static uint64_t
now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void
lat_add(struct lat *l, uint64_t ns)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 65536;
		uint32_t *v = realloc(l->v, cap * sizeof(*v));
		if (v == NULL) {
			perror("realloc");
			exit(1);
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = ns > UINT32_MAX ? UINT32_MAX : (uint32_t)ns;
}

static void
note_error(struct worker *w, const char *what, int status, const char *msg)
{
	w->errors++;
	pthread_mutex_lock(&err_lock);
	if (!have_first_err) {
		snprintf(first_err, sizeof(first_err), "%s: status %d: %s",
			 what, status, msg);
		have_first_err = 1;
	}
	pthread_mutex_unlock(&err_lock);
}

/*
 * One unary call on the worker's channel; the whole call in one batch.
 * Returns the gRPC status (or -1 for a local failure, message in msg);
 * on OK, *out and *out_len hold a malloc'd copy of the reply (caller
 * frees it).
 */
static int
unary(struct worker *w, const char *method, const uint8_t *req, size_t len,
      uint8_t **out, size_t *out_len, char *msg, size_t msg_len)
{
	grpc_op ops[6];
	grpc_metadata_array imd, tmd;
	grpc_status_code status = GRPC_STATUS_UNKNOWN;
	grpc_slice details = grpc_empty_slice();
	grpc_byte_buffer *rbuf = NULL;
	gpr_timespec deadline = gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
		gpr_time_from_seconds(CALL_DEADLINE_S, GPR_TIMESPAN));
	int rc;

	*out = NULL;
	*out_len = 0;
	msg[0] = '\0';
	grpc_call *call = grpc_channel_create_call(w->ch, NULL,
		GRPC_PROPAGATE_DEFAULTS, w->cq,
		grpc_slice_from_static_string(method), NULL, deadline, NULL);
	if (call == NULL) {
		snprintf(msg, msg_len, "grpc_channel_create_call failed");
		return -1;
	}
	grpc_metadata_array_init(&imd);
	grpc_metadata_array_init(&tmd);
	grpc_slice s = grpc_slice_from_copied_buffer((const char *)req, len);
	grpc_byte_buffer *sbuf = grpc_raw_byte_buffer_create(&s, 1);
	grpc_slice_unref(s);

	memset(ops, 0, sizeof(ops));
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[1].op = GRPC_OP_SEND_MESSAGE;
	ops[1].data.send_message.send_message = sbuf;
	ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
	ops[3].data.recv_initial_metadata.recv_initial_metadata = &imd;
	ops[4].op = GRPC_OP_RECV_MESSAGE;
	ops[4].data.recv_message.recv_message = &rbuf;
	ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	ops[5].data.recv_status_on_client.trailing_metadata = &tmd;
	ops[5].data.recv_status_on_client.status = &status;
	ops[5].data.recv_status_on_client.status_details = &details;

	if (grpc_call_start_batch(call, ops, 6, (void *)1, NULL) !=
	    GRPC_CALL_OK) {
		snprintf(msg, msg_len, "grpc_call_start_batch failed");
		rc = -1;
		goto out;
	}
	grpc_event ev = grpc_completion_queue_pluck(w->cq, (void *)1,
		gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL);
	if (ev.type != GRPC_OP_COMPLETE) {
		snprintf(msg, msg_len, "completion queue event type %d",
			 ev.type);
		rc = -1;
		goto out;
	}
	rc = status;
	if (status != GRPC_STATUS_OK) {
		char *d = grpc_slice_to_c_string(details);
		snprintf(msg, msg_len, "%s", d);
		gpr_free(d);
	} else if (rbuf != NULL) {
		grpc_byte_buffer_reader rd;
		if (grpc_byte_buffer_reader_init(&rd, rbuf)) {
			grpc_slice all = grpc_byte_buffer_reader_readall(&rd);
			*out_len = GRPC_SLICE_LENGTH(all);
			*out = malloc(*out_len ? *out_len : 1);
			if (*out != NULL)
				memcpy(*out, GRPC_SLICE_START_PTR(all),
				       *out_len);
			grpc_slice_unref(all);
			grpc_byte_buffer_reader_destroy(&rd);
		}
	}
out:
	grpc_call_unref(call);
	if (rbuf != NULL)
		grpc_byte_buffer_destroy(rbuf);
	grpc_byte_buffer_destroy(sbuf);
	grpc_metadata_array_destroy(&imd);
	grpc_metadata_array_destroy(&tmd);
	grpc_slice_unref(details);
	return rc;
}

static uint8_t create_req[256];
static size_t create_req_len;

static void
build_create_req(void)
{
	Rtpproxy__CreateSessionRequest r = RTPPROXY__CREATE_SESSION_REQUEST__INIT;
	Rtpproxy__Endpoint l = RTPPROXY__ENDPOINT__INIT;
	Rtpproxy__Endpoint f = RTPPROXY__ENDPOINT__INIT;
	Rtpproxy__Endpoint d = RTPPROXY__ENDPOINT__INIT;

	l.address = (char *)"203.0.113.1";
	l.port = 0;
	f.address = (char *)"198.51.100.1";
	f.port = 0;
	d.address = (char *)"198.51.100.20";
	d.port = 40000;
	r.listen = &l;
	r.forward = &f;
	r.destination = &d;
	create_req_len = rtpproxy__create_session_request__get_packed_size(&r);
	if (create_req_len > sizeof(create_req)) {
		fprintf(stderr, "request too large\n");
		exit(1);
	}
	rtpproxy__create_session_request__pack(&r, create_req);
}

/* One Create + Destroy pair; returns 0 if both were OK. */
static int
one_pair(struct worker *w, int record)
{
	char msg[256];
	uint8_t *rep;
	size_t rep_len;
	uint64_t t0 = now_ns();
	int st = unary(w, M_CREATE, create_req, create_req_len, &rep,
		       &rep_len, msg, sizeof(msg));
	uint64_t t1 = now_ns();

	if (record)
		lat_add(&w->create, t1 - t0);
	if (st != GRPC_STATUS_OK) {
		free(rep);
		if (record)
			note_error(w, "CreateSession", st, msg);
		else
			fprintf(stderr, "warm-up CreateSession: status %d: %s\n",
				st, msg);
		return -1;
	}
	Rtpproxy__CreateSessionResponse *cr =
		rtpproxy__create_session_response__unpack(NULL, rep_len, rep);
	free(rep);
	if (cr == NULL) {
		if (record)
			note_error(w, "CreateSession", -1,
				   "reply does not unpack");
		return -1;
	}
	uint64_t id = cr->session_id;
	rtpproxy__create_session_response__free_unpacked(cr, NULL);

	Rtpproxy__DestroySessionRequest dr =
		RTPPROXY__DESTROY_SESSION_REQUEST__INIT;
	uint8_t dbuf[32];
	dr.session_id = id;
	size_t dlen = rtpproxy__destroy_session_request__pack(&dr, dbuf);

	t0 = now_ns();
	st = unary(w, M_DESTROY, dbuf, dlen, &rep, &rep_len, msg, sizeof(msg));
	t1 = now_ns();
	free(rep);
	if (record)
		lat_add(&w->destroy, t1 - t0);
	if (st != GRPC_STATUS_OK) {
		if (record)
			note_error(w, "DestroySession", st, msg);
		else
			fprintf(stderr, "warm-up DestroySession: status %d: %s\n",
				st, msg);
		return -1;
	}
	return 0;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;

	/* Warm-up: connect and do one pair outside the measurement. */
	(void)one_pair(w, 0);
	atomic_fetch_add(&ready, 1);
	while (atomic_load(&go) == 0)
		;
	while (atomic_load(&go) == 1) {
		if (one_pair(w, 1) == 0)
			w->pairs++;
	}
	return NULL;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static double
pct_ms(const uint32_t *v, size_t n, double p)
{
	if (n == 0)
		return 0;
	size_t i = (size_t)(p * (double)(n - 1) + 0.5);
	return v[i] / 1e6;
}

static void
merge(struct lat *dst, const struct lat *src)
{
	for (size_t i = 0; i < src->n; i++)
		lat_add(dst, src->v[i]);
}

static grpc_channel *
make_channel(void)
{
	grpc_arg args[1];
	args[0].type = GRPC_ARG_INTEGER;
	args[0].key = (char *)GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL;
	args[0].value.integer = 1;
	grpc_channel_args ca = { 1, args };
	grpc_channel_credentials *c = grpc_insecure_credentials_create();
	grpc_channel *ch = grpc_channel_create(server, c, &ca);
	grpc_channel_credentials_release(c);
	return ch;
}

static void
run(int nch)
{
	struct worker *ws = calloc((size_t)nch, sizeof(*ws));
	struct lat create = { 0 }, destroy = { 0 };
	uint64_t pairs = 0, errors = 0;

	if (ws == NULL) {
		perror("calloc");
		exit(1);
	}
	have_first_err = 0;
	first_err[0] = '\0';
	atomic_store(&go, 0);
	atomic_store(&ready, 0);
	for (int i = 0; i < nch; i++) {
		ws[i].id = i;
		ws[i].ch = make_channel();
		ws[i].cq = grpc_completion_queue_create_for_pluck(NULL);
		if (pthread_create(&ws[i].th, NULL, worker_main, &ws[i]) != 0) {
			perror("pthread_create");
			exit(1);
		}
	}
	while (atomic_load(&ready) < nch) {
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	uint64_t t0 = now_ns();
	atomic_store(&go, 1);
	struct timespec ts = { (time_t)seconds,
		(long)((seconds - (double)(time_t)seconds) * 1e9) };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
	atomic_store(&go, 2);
	for (int i = 0; i < nch; i++)
		pthread_join(ws[i].th, NULL);
	double el = (double)(now_ns() - t0) / 1e9;

	for (int i = 0; i < nch; i++) {
		pairs += ws[i].pairs;
		errors += ws[i].errors;
		merge(&create, &ws[i].create);
		merge(&destroy, &ws[i].destroy);
		free(ws[i].create.v);
		free(ws[i].destroy.v);
		grpc_channel_destroy(ws[i].ch);
		grpc_completion_queue_shutdown(ws[i].cq);
		while (grpc_completion_queue_pluck(ws[i].cq, NULL,
				gpr_inf_future(GPR_CLOCK_MONOTONIC),
				NULL).type != GRPC_QUEUE_SHUTDOWN)
			;
		grpc_completion_queue_destroy(ws[i].cq);
	}
	qsort(create.v, create.n, sizeof(*create.v), cmp_u32);
	qsort(destroy.v, destroy.n, sizeof(*destroy.v), cmp_u32);
	printf("| %d | %.0f | %.3f / %.3f | %.3f / %.3f | %llu |\n", nch,
	       (double)pairs / el,
	       pct_ms(create.v, create.n, 0.50),
	       pct_ms(create.v, create.n, 0.99),
	       pct_ms(destroy.v, destroy.n, 0.50),
	       pct_ms(destroy.v, destroy.n, 0.99),
	       (unsigned long long)errors);
	fflush(stdout);
	if (have_first_err)
		fprintf(stderr, "channels %d: first error: %s\n", nch,
			first_err);
	free(create.v);
	free(destroy.v);
	free(ws);
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: rtpp-api-bench [--server ADDR] [--seconds S] "
		   "[--channels LIST]\n"
		   "  --server ADDR    gRPC API address (default 127.0.0.1:50051)\n"
		   "  --seconds S      length of each run (default 5)\n"
		   "  --channels LIST  comma-separated channel counts, one "
		   "client thread per channel (default 1,8)\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "server", required_argument, NULL, 's' },
		{ "seconds", required_argument, NULL, 't' },
		{ "channels", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *list = "1,8";
	int chans[MAX_CHANNELS], nchans = 0, o;

	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 's': server = optarg; break;
		case 't': {
			char *end;
			seconds = strtod(optarg, &end);
			if (*end != '\0' || !(seconds > 0) || seconds > 3600) {
				fprintf(stderr, "--seconds: want 0 < S <= 3600\n");
				return 2;
			}
			break;
		}
		case 'c': list = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	for (const char *p = list; *p != '\0';) {
		char *end;
		long v = strtol(p, &end, 10);
		if (end == p || v < 1 || v > MAX_CHANNELS ||
		    nchans == MAX_CHANNELS ||
		    (*end != ',' && *end != '\0')) {
			fprintf(stderr, "--channels: want a list of 1..%d\n",
				MAX_CHANNELS);
			return 2;
		}
		chans[nchans++] = (int)v;
		p = *end == ',' ? end + 1 : end;
	}

	grpc_init();
	build_create_req();
	printf("server %s, %.1f s per run\n\n", server, seconds);
	printf("| channels | pairs/s | create p50/p99 ms | "
	       "destroy p50/p99 ms | errors |\n");
	printf("|---:|---:|---:|---:|---:|\n");
	fflush(stdout);
	for (int i = 0; i < nchans; i++)
		run(chans[i]);
	grpc_shutdown();
	return 0;
}
