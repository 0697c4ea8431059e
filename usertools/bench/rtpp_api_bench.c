/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rtpp-api-bench: session set-up rate over the gRPC control API.
 *
 * Each client thread owns one channel (its own TCP connection: local
 * subchannel pool) and one completion queue, and keeps --inflight call
 * slots busy on it, each looping CreateSession + DestroySession of the
 * created id, for --seconds. Reports pairs/s, creates/s and p50/p99 latency
 * of each call for each combination of --channels and --inflight, as a
 * markdown table, with the CPU time per pair of the client (this process)
 * and, given --server-pid, of the server's control threads: on a shared
 * CPU those are steadier than rates.
 *
 *   rtpp-api-bench [--server ADDR] [--seconds S] [--channels 1,8]
 *                  [--inflight 1,16]
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <dirent.h>
#include <unistd.h>

#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>

#include "rtpproxy.pb-c.h"
#include "rtpp_rpc.h"

#define M_CREATE "/rtpproxy.RtpProxy/CreateSession"
#define M_DESTROY "/rtpproxy.RtpProxy/DestroySession"
#define MAX_CHANNELS 64
#define MAX_INFLIGHT 256    /* calls in flight per channel */
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
	struct slot *slots;     /* --inflight of them */
	uint64_t pairs, creates;
	uint64_t errors;
	char first_err[256];
	int have_err;
};

static const char *server = "127.0.0.1:50051";
static double seconds = 5;
static int inflight = 1;
static int server_pid;
static atomic_int go;       /* 0 wait, 1 run, 2 stop */
static pthread_mutex_t go_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t go_cond = PTHREAD_COND_INITIALIZER;
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

/* CPU time of this process (every thread), ns. */
static uint64_t
self_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * CPU time of the server's control threads, ns: every thread of --server-pid
 * except the DPDK workers ("rte-worker-N"), which poll at 100% whatever the
 * load. 0 without --server-pid or when /proc cannot tell.
 */
static uint64_t
server_cpu_ns(void)
{
	char path[64], name[64], buf[1024];
	uint64_t ticks = 0;
	DIR *d;
	struct dirent *e;

	if (server_pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/task", server_pid);
	if ((d = opendir(path)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		FILE *f;
		char *p;
		unsigned long long ut, st;

		if (e->d_name[0] == '.')
			continue;
		snprintf(buf, sizeof(buf), "%s/%s/stat", path, e->d_name);
		if ((f = fopen(buf, "r")) == NULL)
			continue;
		p = fgets(buf, sizeof(buf), f);
		fclose(f);
		/* "tid (comm) state ..." : comm may hold spaces, ends at the last ')' */
		char *l = p ? strchr(p, '(') : NULL, *r = p ? strrchr(p, ')') : NULL;
		if (l == NULL || r == NULL || r - l - 1 >= (long)sizeof(name))
			continue;
		memcpy(name, l + 1, (size_t)(r - l - 1));
		name[r - l - 1] = '\0';
		if (strncmp(name, "rte-worker-", 11) == 0)
			continue;
		/* fields 14, 15 (utime, stime) are the 12th, 13th after ")" */
		if (sscanf(r + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			   &ut, &st) == 2)
			ticks += ut + st;
	}
	closedir(d);
	return ticks * (1000000000ull / (uint64_t)sysconf(_SC_CLK_TCK));
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

/*
 * One call slot: a unary call whose batch is in flight on the channel's
 * completion queue. Each slot loops CreateSession, then DestroySession of
 * the id it got, so a channel with --inflight N keeps N calls outstanding
 * and the server sees them interleaved on one HTTP/2 connection, as from an
 * SBC that sets up many calls at once.
 */
struct slot {
	struct worker *w;
	grpc_call *call;
	grpc_byte_buffer *sbuf, *rbuf;
	grpc_metadata_array imd, tmd;
	grpc_status_code status;
	grpc_slice details;
	bool destroying;        /* the call in flight is DestroySession */
	bool record;            /* started during the measurement */
	uint64_t t0;
};

/* Start the slot's next call (Create, or Destroy of id); 0 if started. */
static int
slot_start(struct slot *sl, bool destroy, uint64_t id)
{
	struct worker *w = sl->w;
	uint8_t dbuf[32];
	const uint8_t *req = create_req;
	size_t len = create_req_len;
	grpc_op ops[6];
	gpr_timespec deadline = gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
		gpr_time_from_seconds(CALL_DEADLINE_S, GPR_TIMESPAN));

	if (destroy) {
		Rtpproxy__DestroySessionRequest dr =
			RTPPROXY__DESTROY_SESSION_REQUEST__INIT;
		dr.session_id = id;
		len = rtpproxy__destroy_session_request__pack(&dr, dbuf);
		req = dbuf;
	}
	sl->destroying = destroy;
	sl->record = atomic_load(&go) == 1;
	sl->call = grpc_channel_create_call(w->ch, NULL,
		GRPC_PROPAGATE_DEFAULTS, w->cq,
		grpc_slice_from_static_string(destroy ? M_DESTROY : M_CREATE),
		NULL, deadline, NULL);
	if (sl->call == NULL)
		return -1;
	grpc_metadata_array_init(&sl->imd);
	grpc_metadata_array_init(&sl->tmd);
	sl->status = GRPC_STATUS_UNKNOWN;
	sl->details = grpc_empty_slice();
	sl->rbuf = NULL;
	grpc_slice s = grpc_slice_from_copied_buffer((const char *)req, len);
	sl->sbuf = grpc_raw_byte_buffer_create(&s, 1);
	grpc_slice_unref(s);

	/* The whole call in one batch. */
	memset(ops, 0, sizeof(ops));
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[1].op = GRPC_OP_SEND_MESSAGE;
	ops[1].data.send_message.send_message = sl->sbuf;
	ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
	ops[3].data.recv_initial_metadata.recv_initial_metadata = &sl->imd;
	ops[4].op = GRPC_OP_RECV_MESSAGE;
	ops[4].data.recv_message.recv_message = &sl->rbuf;
	ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	ops[5].data.recv_status_on_client.trailing_metadata = &sl->tmd;
	ops[5].data.recv_status_on_client.status = &sl->status;
	ops[5].data.recv_status_on_client.status_details = &sl->details;
	sl->t0 = now_ns();
	if (grpc_call_start_batch(sl->call, ops, 6, sl, NULL) != GRPC_CALL_OK) {
		grpc_call_unref(sl->call);
		sl->call = NULL;
		grpc_byte_buffer_destroy(sl->sbuf);
		grpc_metadata_array_destroy(&sl->imd);
		grpc_metadata_array_destroy(&sl->tmd);
		return -1;
	}
	return 0;
}

static void
slot_error(struct slot *sl, const char *what, int status, const char *msg)
{
	if (sl->record)
		note_error(sl->w, what, status, msg);
	else
		fprintf(stderr, "warm-up %s: status %d: %s\n", what, status, msg);
}

/*
 * The slot's call completed: record it, release it, start the next one
 * unless the run is over. Returns 1 when a call was started.
 */
static int
slot_done(struct slot *sl, int ok)
{
	struct worker *w = sl->w;
	const char *what = sl->destroying ? "DestroySession" : "CreateSession";
	uint64_t t1 = now_ns(), id = 0;
	bool good = false;
	char msg[256];

	if (sl->record)
		lat_add(sl->destroying ? &w->destroy : &w->create, t1 - sl->t0);
	if (!ok) {
		slot_error(sl, what, -1, "batch failed");
	} else if (sl->status != GRPC_STATUS_OK) {
		char *d = grpc_slice_to_c_string(sl->details);
		snprintf(msg, sizeof(msg), "%s", d);
		gpr_free(d);
		slot_error(sl, what, sl->status, msg);
	} else if (sl->destroying) {
		good = true;
		if (sl->record)
			w->pairs++;
	} else {
		Rtpproxy__CreateSessionResponse *cr = NULL;
		grpc_byte_buffer_reader rd;

		if (sl->rbuf != NULL && grpc_byte_buffer_reader_init(&rd, sl->rbuf)) {
			grpc_slice all = grpc_byte_buffer_reader_readall(&rd);
			cr = rtpproxy__create_session_response__unpack(NULL,
				GRPC_SLICE_LENGTH(all), GRPC_SLICE_START_PTR(all));
			grpc_slice_unref(all);
			grpc_byte_buffer_reader_destroy(&rd);
		}
		if (cr == NULL) {
			slot_error(sl, what, -1, "reply does not unpack");
		} else {
			good = true;
			id = cr->session_id;
			if (sl->record)
				w->creates++;
			rtpproxy__create_session_response__free_unpacked(cr, NULL);
		}
	}
	grpc_call_unref(sl->call);
	sl->call = NULL;
	if (sl->rbuf != NULL)
		grpc_byte_buffer_destroy(sl->rbuf);
	grpc_byte_buffer_destroy(sl->sbuf);
	grpc_metadata_array_destroy(&sl->imd);
	grpc_metadata_array_destroy(&sl->tmd);
	grpc_slice_unref(sl->details);

	/* A created session is always destroyed, even after the run ended. */
	if (good && !sl->destroying)
		return slot_start(sl, true, id) == 0;
	/* Warm-up (state 0) does one pair; the run ends at state 2. */
	if (atomic_load(&go) != 1)
		return 0;
	return slot_start(sl, false, 0) == 0;
}

/* Wait until the run's state is no longer `from`. */
static void
wait_state(int from)
{
	pthread_mutex_lock(&go_lock);
	while (atomic_load(&go) == from)
		pthread_cond_wait(&go_cond, &go_lock);
	pthread_mutex_unlock(&go_lock);
}

static void
set_state(int to)
{
	pthread_mutex_lock(&go_lock);
	atomic_store(&go, to);
	pthread_cond_broadcast(&go_cond);
	pthread_mutex_unlock(&go_lock);
}

/* Drive the channel's slots until the run ends and every call completed. */
static void
drive(struct worker *w, int active)
{
	while (active > 0) {
		grpc_event ev = grpc_completion_queue_next(w->cq,
			gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL);
		if (ev.type != GRPC_OP_COMPLETE)
			break;
		if (!slot_done(ev.tag, ev.success))
			active--;
	}
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct slot warm = { .w = w };
	int active = 0;

	/* Warm-up: connect and do one pair outside the measurement. */
	if (slot_start(&warm, false, 0) == 0)
		drive(w, 1);
	atomic_fetch_add(&ready, 1);
	wait_state(0);
	w->slots = calloc((size_t)inflight, sizeof(*w->slots));
	if (w->slots == NULL) {
		perror("calloc");
		exit(1);
	}
	for (int i = 0; i < inflight; i++) {
		w->slots[i].w = w;
		if (slot_start(&w->slots[i], false, 0) == 0)
			active++;
		else
			note_error(w, "CreateSession", -1,
				   "grpc_call_start_batch failed");
	}
	drive(w, active);
	free(w->slots);
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
	/* Own connection per channel; and no per-call machinery a set-up
	 * client does not need (the retry filter buffers every call's send
	 * ops; channelz counts and traces; BDP pings size bulk windows). */
	grpc_arg args[] = {
		{ .type = GRPC_ARG_INTEGER, .key = (char *)GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL,
		  .value.integer = 1 },
		{ .type = GRPC_ARG_INTEGER, .key = (char *)GRPC_ARG_ENABLE_RETRIES,
		  .value.integer = 0 },
		{ .type = GRPC_ARG_INTEGER, .key = (char *)GRPC_ARG_ENABLE_CHANNELZ,
		  .value.integer = 0 },
		{ .type = GRPC_ARG_INTEGER, .key = (char *)GRPC_ARG_HTTP2_BDP_PROBE,
		  .value.integer = 0 },
	};
	grpc_channel_args ca = { sizeof(args) / sizeof(args[0]), args };
	grpc_channel_credentials *c = grpc_insecure_credentials_create();
	grpc_channel *ch = grpc_channel_create(server, c, &ca);
	grpc_channel_credentials_release(c);
	return ch;
}

static void
run(int nch, int nin)
{
	struct worker *ws = calloc((size_t)nch, sizeof(*ws));
	struct lat create = { 0 }, destroy = { 0 };
	uint64_t pairs = 0, creates = 0, errors = 0;

	if (ws == NULL) {
		perror("calloc");
		exit(1);
	}
	inflight = nin;
	have_first_err = 0;
	first_err[0] = '\0';
	set_state(0);
	atomic_store(&ready, 0);
	for (int i = 0; i < nch; i++) {
		ws[i].id = i;
		ws[i].ch = make_channel();
		ws[i].cq = grpc_completion_queue_create_for_next(NULL);
		if (pthread_create(&ws[i].th, NULL, worker_main, &ws[i]) != 0) {
			perror("pthread_create");
			exit(1);
		}
	}
	while (atomic_load(&ready) < nch) {
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	uint64_t t0 = now_ns(), cpu0 = self_cpu_ns(), scpu0 = server_cpu_ns();
	set_state(1);
	struct timespec ts = { (time_t)seconds,
		(long)((seconds - (double)(time_t)seconds) * 1e9) };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
	set_state(2);
	/* Calls started before the end count, so the time runs until they
	 * completed (at most one call per slot, each well under a second). */
	for (int i = 0; i < nch; i++)
		pthread_join(ws[i].th, NULL);
	double el = (double)(now_ns() - t0) / 1e9;
	double cpu = (double)(self_cpu_ns() - cpu0);
	double scpu = (double)(server_cpu_ns() - scpu0);

	for (int i = 0; i < nch; i++) {
		pairs += ws[i].pairs;
		creates += ws[i].creates;
		errors += ws[i].errors;
		merge(&create, &ws[i].create);
		merge(&destroy, &ws[i].destroy);
		free(ws[i].create.v);
		free(ws[i].destroy.v);
		grpc_channel_destroy(ws[i].ch);
		grpc_completion_queue_shutdown(ws[i].cq);
		while (grpc_completion_queue_next(ws[i].cq,
				gpr_inf_future(GPR_CLOCK_MONOTONIC),
				NULL).type != GRPC_QUEUE_SHUTDOWN)
			;
		grpc_completion_queue_destroy(ws[i].cq);
	}
	char spair[32] = "-";
	if (server_pid > 0 && pairs > 0)
		snprintf(spair, sizeof(spair), "%.0f", scpu / 1e3 / (double)pairs);
	qsort(create.v, create.n, sizeof(*create.v), cmp_u32);
	qsort(destroy.v, destroy.n, sizeof(*destroy.v), cmp_u32);
	printf("| %d | %d | %.0f | %.0f | %.3f / %.3f | %.3f / %.3f | %llu "
	       "| %.0f | %s |\n",
	       nch, inflight, (double)pairs / el, (double)creates / el,
	       pct_ms(create.v, create.n, 0.50),
	       pct_ms(create.v, create.n, 0.99),
	       pct_ms(destroy.v, destroy.n, 0.50),
	       pct_ms(destroy.v, destroy.n, 0.99),
	       (unsigned long long)errors,
	       pairs ? cpu / 1e3 / (double)pairs : 0, spair);
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
		   "[--channels LIST] [--inflight LIST]\n"
		   "  --server ADDR    gRPC API address (default 127.0.0.1:50051)\n"
		   "  --seconds S      length of each run (default 5)\n"
		   "  --channels LIST  comma-separated channel counts, one "
		   "client thread per channel (default 1,8)\n"
		   "  --inflight LIST  comma-separated counts of calls kept in "
		   "flight per channel (default 1)\n"
		   "  --server-pid PID also report the CPU time the server's "
		   "threads (all but rte-worker-*) spent per pair\n");
}

/* "1,8,32" into v[]; the count, or -1 with a message. */
static int
parse_list(const char *opt, const char *list, int *v, int max_n, int max_v)
{
	int n = 0;

	for (const char *p = list; *p != '\0';) {
		char *end;
		long x = strtol(p, &end, 10);
		if (end == p || x < 1 || x > max_v || n == max_n ||
		    (*end != ',' && *end != '\0')) {
			fprintf(stderr, "%s: want a list of 1..%d\n", opt,
				max_v);
			return -1;
		}
		v[n++] = (int)x;
		p = *end == ',' ? end + 1 : end;
	}
	return n;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "server", required_argument, NULL, 's' },
		{ "seconds", required_argument, NULL, 't' },
		{ "channels", required_argument, NULL, 'c' },
		{ "inflight", required_argument, NULL, 'i' },
		{ "server-pid", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *list = "1,8", *ilist = "1";
	int chans[MAX_CHANNELS], nchans, ins[MAX_CHANNELS], nins, o;

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
		case 'i': ilist = optarg; break;
		case 'p': server_pid = atoi(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	nchans = parse_list("--channels", list, chans, MAX_CHANNELS,
			    MAX_CHANNELS);
	nins = parse_list("--inflight", ilist, ins, MAX_CHANNELS,
			  MAX_INFLIGHT);
	if (nchans < 0 || nins < 0)
		return 2;

	rtpp_rpc_runtime_tune();   /* the client side of grpc costs as much */
	grpc_init();
	build_create_req();
	printf("server %s, %.1f s per run\n\n", server, seconds);
	printf("| channels | in flight per channel | pairs/s | creates/s | "
	       "create p50/p99 ms | destroy p50/p99 ms | errors | "
	       "client CPU us/pair | server CPU us/pair |\n");
	printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	fflush(stdout);
	for (int i = 0; i < nchans; i++)
		for (int j = 0; j < nins; j++)
			run(chans[i], ins[j]);
	grpc_shutdown();
	return 0;
}
