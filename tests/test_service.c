/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/service: what reaches NOTIFY_SOCKET and when. The test binds an
 * AF_UNIX datagram socket, names it in NOTIFY_SOCKET as systemd would, and
 * drives the service over a fake probe (worker loop counters, what start-up
 * waits for) and a clock of its own: READY=1 only when nothing is pending
 * (or the wait is over), WATCHDOG=1 only while every worker advances,
 * STATUS= naming a stalled worker, STOPPING=1 once.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "rtpp_service_test.h"

#define MS 1000u /* microseconds */
#define MAX_FAKE_WORKERS 4

struct fake_dataplane {
	unsigned int n_workers;
	struct rtpp_service_worker workers[MAX_FAKE_WORKERS];
	int broken_worker; /* its probe fails; -1 none */
	unsigned int pending;
	const char *pending_what;
	unsigned int pending_calls;
};

struct fixture {
	int fd;
	char path[108];
	struct fake_dataplane fake;
	struct rtpp_service *svc;
};

static int fake_worker(void *ctx, unsigned int i, struct rtpp_service_worker *out)
{
	struct fake_dataplane *f = ctx;

	if (i >= f->n_workers || (int)i == f->broken_worker)
		return -1;
	*out = f->workers[i];
	return 0;
}

static unsigned int fake_pending(void *ctx, char *what, size_t len)
{
	struct fake_dataplane *f = ctx;

	f->pending_calls++;
	if (f->pending != 0)
		snprintf(what, len, "%s", f->pending_what);
	return f->pending;
}

static struct rtpp_service *make_service(struct fixture *fx)
{
	const struct rtpp_service_probe probe = {
		.ctx = &fx->fake,
		.worker = fake_worker,
		.pending = fake_pending,
	};

	fx->svc = rtpp_service_create_probe(&probe);
	assert_non_null(fx->svc);
	return fx->svc;
}

/* Two workers on lcores 3 and 5, nothing pending, WATCHDOG_USEC=1 s. */
static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (fx == NULL)
		return -1;
	snprintf(fx->path, sizeof(fx->path), "/tmp/rtpp-test-notify-%d.sock", (int)getpid());
	unlink(fx->path);
	fx->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", fx->path);
	if (fx->fd < 0 || bind(fx->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		return -1;
	setenv("NOTIFY_SOCKET", fx->path, 1);
	setenv("WATCHDOG_USEC", "1000000", 1);
	unsetenv("WATCHDOG_PID");
	fx->fake.n_workers = 2;
	fx->fake.workers[0] = (struct rtpp_service_worker){ .id = 0, .lcore = 3, .loops = 100 };
	fx->fake.workers[1] = (struct rtpp_service_worker){ .id = 1, .lcore = 5, .loops = 200 };
	fx->fake.broken_worker = -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	rtpp_service_destroy(fx->svc);
	close(fx->fd);
	unlink(fx->path);
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	free(fx);
	return 0;
}

/* The next datagram, "" when none is queued. */
static const char *next_msg(struct fixture *fx)
{
	static char buf[1024];
	ssize_t n = recv(fx->fd, buf, sizeof(buf) - 1, 0);

	if (n < 0) {
		assert_int_equal(errno, EAGAIN);
		n = 0;
	}
	buf[n] = '\0';
	return buf;
}

static void expect_msg(struct fixture *fx, const char *want)
{
	assert_string_equal(next_msg(fx), want);
}

static void expect_none(struct fixture *fx)
{
	expect_msg(fx, "");
}

static void advance(struct fixture *fx, unsigned int worker)
{
	fx->fake.workers[worker].loops += 1000;
}

static void test_not_under_systemd(void **state)
{
	struct fixture *fx = *state;
	struct rtpp_service *s;

	unsetenv("NOTIFY_SOCKET"); /* WATCHDOG_USEC alone means nothing */
	s = make_service(fx);
	assert_int_equal(rtpp_service_ping_interval_us(s), 0);
	rtpp_service_started_at(s, "API on x", 0);
	for (uint64_t t = 0; t < 5000 * MS; t += 100 * MS)
		rtpp_service_tick_at(s, t);
	rtpp_service_stopping(s, "signal 15");
	expect_none(fx);
	assert_int_equal(fx->fake.pending_calls, 0);
}

static void test_ready_at_once(void **state)
{
	struct fixture *fx = *state;
	struct rtpp_service *s = make_service(fx);

	assert_int_equal(rtpp_service_ping_interval_us(s), 500 * MS);
	rtpp_service_tick_at(s, 10 * MS); /* before started: nothing */
	expect_none(fx);
	rtpp_service_started_at(s, "API on 127.0.0.1:50051", 20 * MS);
	expect_msg(fx, "READY=1\nSTATUS=forwarding: 2 workers, API on 127.0.0.1:50051");
	expect_msg(fx, "WATCHDOG=1");
	expect_none(fx);
	rtpp_service_started_at(s, "again", 30 * MS); /* once only */
	expect_none(fx);
}

static void test_ready_waits_for_pending(void **state)
{
	struct fixture *fx = *state;
	struct rtpp_service *s;

	fx->fake.pending = 2;
	fx->fake.pending_what = "next hop 198.51.100.20 on core";
	s = make_service(fx);
	rtpp_service_started_at(s, "API on x", 0);
	expect_msg(fx,
		   "STATUS=starting: waiting for next hop 198.51.100.20 on core (2 in all, "
		   "at most 10 s)");
	expect_none(fx);
	/* Looked at every 100 ms, not on every loop; the status is said once. */
	rtpp_service_tick_at(s, 50 * MS);
	assert_int_equal(fx->fake.pending_calls, 1);
	rtpp_service_tick_at(s, 100 * MS);
	assert_int_equal(fx->fake.pending_calls, 2);
	expect_none(fx);
	fx->fake.pending = 0;
	rtpp_service_tick_at(s, 150 * MS);
	expect_none(fx);
	rtpp_service_tick_at(s, 200 * MS);
	expect_msg(fx, "READY=1\nSTATUS=forwarding: 2 workers, API on x");
	expect_msg(fx, "WATCHDOG=1");
	/* The watchdog counts from READY=1: the next check is half a second on. */
	advance(fx, 0);
	advance(fx, 1);
	rtpp_service_tick_at(s, 699 * MS);
	expect_none(fx);
	rtpp_service_tick_at(s, 700 * MS);
	expect_msg(fx, "WATCHDOG=1");
}

static void test_ready_when_the_wait_is_over(void **state)
{
	struct fixture *fx = *state;
	struct rtpp_service *s;

	fx->fake.pending = 1;
	fx->fake.pending_what = "the link of core";
	s = make_service(fx);
	rtpp_service_started_at(s, "API on x", 1000 * MS);
	expect_msg(fx, "STATUS=starting: waiting for the link of core (1 in all, at most 10 s)");
	for (uint64_t t = 1000 * MS; t < 11000 * MS; t += 10 * MS)
		rtpp_service_tick_at(s, t);
	expect_none(fx);
	rtpp_service_tick_at(s, 11000 * MS);
	expect_msg(fx,
		   "READY=1\nSTATUS=forwarding, but the link of core (1 missing after 10 s); "
		   "API on x");
	expect_msg(fx, "WATCHDOG=1");
}

/* Every half interval, and only then, a ping while both workers loop. */
static void test_pings_while_workers_progress(void **state)
{
	struct fixture *fx = *state;
	struct rtpp_service *s = make_service(fx);
	unsigned int pings = 0;
	const char *m;

	rtpp_service_started_at(s, "API on x", 0);
	expect_msg(fx, "READY=1\nSTATUS=forwarding: 2 workers, API on x");
	expect_msg(fx, "WATCHDOG=1");
	/* 10 s of a 1 kHz main loop; the workers loop all the time. */
	for (uint64_t t = 1 * MS; t <= 10000 * MS; t += 1 * MS) {
		advance(fx, 0);
		advance(fx, 1);
		rtpp_service_tick_at(s, t);
		while (*(m = next_msg(fx)) != '\0') {
			assert_string_equal(m, "WATCHDOG=1");
			assert_int_equal(t % (500 * MS), 0);
			pings++;
		}
	}
	assert_int_equal(pings, 20);
}

/*
 * One worker stops: the pings stop at the next check, STATUS= names it once
 * (not at every check while it stays stuck), and they resume with a STATUS=
 * saying so as soon as it loops again. The other worker kept looping.
 */
static void test_stalled_worker_stops_pings(void **state)
{
	struct fixture *fx = *state;
	struct rtpp_service *s = make_service(fx);

	rtpp_service_started_at(s, "API on x", 0);
	expect_msg(fx, "READY=1\nSTATUS=forwarding: 2 workers, API on x");
	expect_msg(fx, "WATCHDOG=1");
	advance(fx, 0);
	advance(fx, 1);
	rtpp_service_tick_at(s, 500 * MS);
	expect_msg(fx, "WATCHDOG=1");
	/* Worker 1 (lcore 5) stalls right after that check. */
	advance(fx, 0);
	rtpp_service_tick_at(s, 1000 * MS);
	expect_msg(fx,
		   "STATUS=stalled: worker 1 (lcore 5) made no progress in 500 ms; "
		   "watchdog pings stopped");
	expect_none(fx);
	for (uint64_t t = 1001 * MS; t <= 3000 * MS; t += 1 * MS) {
		advance(fx, 0);
		rtpp_service_tick_at(s, t);
	}
	expect_none(fx); /* 2 s without a ping: systemd's 1 s watchdog has fired */
	advance(fx, 0);
	advance(fx, 1);
	rtpp_service_tick_at(s, 3500 * MS);
	expect_msg(fx, "WATCHDOG=1");
	expect_msg(fx, "STATUS=forwarding: 2 workers, API on x");
	expect_none(fx);
	advance(fx, 0);
	advance(fx, 1);
	rtpp_service_tick_at(s, 4000 * MS);
	expect_msg(fx, "WATCHDOG=1");
	expect_none(fx);
}

/* Worker 0 stalls, recovers as worker 1 stalls: each is named. */
static void test_another_worker_stalls(void **state)
{
	struct fixture *fx = *state;
	struct rtpp_service *s = make_service(fx);

	rtpp_service_started_at(s, "API on x", 0);
	next_msg(fx);
	next_msg(fx);
	advance(fx, 1);
	rtpp_service_tick_at(s, 500 * MS);
	expect_msg(fx,
		   "STATUS=stalled: worker 0 (lcore 3) made no progress in 500 ms; "
		   "watchdog pings stopped");
	advance(fx, 0);
	rtpp_service_tick_at(s, 1000 * MS);
	expect_msg(fx,
		   "STATUS=stalled: worker 1 (lcore 5) made no progress in 500 ms; "
		   "watchdog pings stopped");
	expect_none(fx);
}

/* A worker the probe cannot read counts as stalled, never as progressing. */
static void test_unreadable_worker_is_no_progress(void **state)
{
	struct fixture *fx = *state;
	struct rtpp_service *s = make_service(fx);

	rtpp_service_started_at(s, "API on x", 0);
	next_msg(fx);
	next_msg(fx);
	fx->fake.broken_worker = 0;
	advance(fx, 0);
	advance(fx, 1);
	rtpp_service_tick_at(s, 500 * MS);
	expect_msg(fx,
		   "STATUS=stalled: worker 0 (lcore 3) made no progress in 500 ms; "
		   "watchdog pings stopped");
	expect_none(fx);
}

/* Without workers, the pings say that the main loop turns. */
static void test_no_workers(void **state)
{
	struct fixture *fx = *state;
	struct rtpp_service *s;

	fx->fake.n_workers = 0;
	s = make_service(fx);
	rtpp_service_started_at(s, "API on x", 0);
	expect_msg(fx, "READY=1\nSTATUS=forwarding: 0 workers, API on x");
	expect_msg(fx, "WATCHDOG=1");
	rtpp_service_tick_at(s, 500 * MS);
	expect_msg(fx, "WATCHDOG=1");
}

/* READY=1 without WATCHDOG_USEC, or with one meant for another process. */
static void test_no_watchdog(void **state)
{
	struct fixture *fx = *state;
	static const char *const cases[][2] = {
		{ NULL, NULL },           /* no WatchdogSec= */
		{ "1000000", "1" },       /* WATCHDOG_PID of another process */
		{ "not-a-number", NULL }, /* refused, logged */
		{ "0", NULL },            /* WatchdogSec=0 */
	};

	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rtpp_service *s;

		if (cases[i][0] != NULL)
			setenv("WATCHDOG_USEC", cases[i][0], 1);
		else
			unsetenv("WATCHDOG_USEC");
		if (cases[i][1] != NULL)
			setenv("WATCHDOG_PID", cases[i][1], 1);
		else
			unsetenv("WATCHDOG_PID");
		s = make_service(fx);
		assert_int_equal(rtpp_service_ping_interval_us(s), 0);
		rtpp_service_started_at(s, "API on x", 0);
		expect_msg(fx, "READY=1\nSTATUS=forwarding: 2 workers, API on x");
		for (uint64_t t = 0; t <= 3000 * MS; t += 100 * MS)
			rtpp_service_tick_at(s, t);
		expect_none(fx);
		rtpp_service_destroy(s);
		fx->svc = NULL;
	}
}

/* Our own PID in WATCHDOG_PID is a watchdog for us. */
static void test_watchdog_pid_is_ours(void **state)
{
	struct fixture *fx = *state;
	char pid[16];

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	setenv("WATCHDOG_USEC", "3000000", 1);
	assert_int_equal(rtpp_service_ping_interval_us(make_service(fx)), 1500 * MS);
}

static void test_stopping_once(void **state)
{
	struct fixture *fx = *state;
	struct rtpp_service *s = make_service(fx);

	rtpp_service_started_at(s, "API on x", 0);
	next_msg(fx);
	next_msg(fx);
	rtpp_service_stopping(s, "signal 15");
	expect_msg(fx, "STOPPING=1\nSTATUS=stopping: signal 15");
	rtpp_service_stopping(s, "signal 2");
	advance(fx, 0);
	advance(fx, 1);
	rtpp_service_tick_at(s, 500 * MS); /* no pings after STOPPING=1 */
	expect_none(fx);
}

/* Nobody at NOTIFY_SOCKET: sends fail (logged once), nothing else happens. */
static void test_nobody_listens(void **state)
{
	struct fixture *fx = *state;
	struct rtpp_service *s;

	setenv("NOTIFY_SOCKET", "/nonexistent/rtpp-notify.sock", 1);
	s = make_service(fx);
	rtpp_service_started_at(s, "API on x", 0);
	for (uint64_t t = 0; t <= 3000 * MS; t += 100 * MS) {
		advance(fx, 0);
		advance(fx, 1);
		rtpp_service_tick_at(s, t);
	}
	rtpp_service_stopping(s, "signal 15");
	expect_none(fx);
}

/* NULL (creation failed upstream) is accepted everywhere, as free() would. */
static void test_null_service(void **state)
{
	(void)state;
	rtpp_service_started(NULL, "x");
	rtpp_service_tick(NULL);
	rtpp_service_stopping(NULL, "x");
	rtpp_service_destroy(NULL);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_not_under_systemd),
		T(test_ready_at_once),
		T(test_ready_waits_for_pending),
		T(test_ready_when_the_wait_is_over),
		T(test_pings_while_workers_progress),
		T(test_stalled_worker_stops_pings),
		T(test_another_worker_stalls),
		T(test_unreadable_worker_is_no_progress),
		T(test_no_workers),
		T(test_no_watchdog),
		T(test_watchdog_pid_is_ours),
		T(test_stopping_once),
		T(test_nobody_listens),
		cmocka_unit_test(test_null_service),
	};

	return cmocka_run_group_tests_name("service", tests, NULL, NULL);
}
