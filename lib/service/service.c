/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sd_notify(3) for the proxy: when READY=1 is due, when WATCHDOG=1 may be
 * sent, and what STATUS= says. The data plane is reached only through the
 * probe (service_dataplane.c in the product, a fake in the unit tests), so
 * every decision here runs without DPDK.
 */
#include "rtpp_service.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "rtpp_service_test.h"

/* How often the start-up conditions are looked at while READY=1 waits. */
#define PENDING_CHECK_US 100000
/* A bound on the workers watched (the data plane has at most RTE_MAX_LCORE). */
#define MAX_WATCHED_WORKERS 1024

enum service_state {
	SERVICE_STARTING, /* before rtpp_service_started() */
	SERVICE_WAITING,  /* started; READY=1 waits for links and next hops */
	SERVICE_READY,
	SERVICE_STOPPING,
};

struct watched_worker {
	struct rtpp_service_worker last; /* as seen at the last check */
	uint64_t moving_us;              /* the last check at which it had advanced */
};

struct rtpp_service {
	struct rtpp_service_probe probe;
	bool notify;      /* NOTIFY_SOCKET is set: systemd (or a stand-in) listens */
	bool send_failed; /* a message could not be sent (logged once) */
	uint64_t ping_us; /* half of WATCHDOG_USEC; 0: no watchdog */
	enum service_state state;
	char listening[160];
	uint64_t ready_deadline_us;
	uint64_t next_pending_us;
	bool waiting_told; /* STATUS= said what READY=1 waits for */
	uint64_t next_check_us;
	struct watched_worker *workers;
	unsigned int n_workers;
	int stalled; /* index of the worker reported stalled, -1 while all progress */
};

static void say(struct rtpp_service *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One datagram to NOTIFY_SOCKET; a failure is logged once, then ignored. */
static void say(struct rtpp_service *s, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rc = sd_notify(0, msg);
	if (rc < 0 && !s->send_failed) {
		s->send_failed = true;
		fprintf(stderr, "rtpproxy: cannot notify systemd at NOTIFY_SOCKET=%s: %s\n",
			getenv("NOTIFY_SOCKET"), strerror(-rc));
	}
}

struct rtpp_service *rtpp_service_create_probe(const struct rtpp_service_probe *probe)
{
	struct rtpp_service *s = calloc(1, sizeof(*s));
	uint64_t usec = 0;
	int rc;

	if (s == NULL)
		return NULL;
	s->probe = *probe;
	s->stalled = -1;
	s->notify = getenv("NOTIFY_SOCKET") != NULL;
	/* 0 also when WATCHDOG_PID names another process (systemd's rule). */
	rc = sd_watchdog_enabled(0, &usec);
	if (rc < 0)
		fprintf(stderr,
			"rtpproxy: ignoring WATCHDOG_USEC=\"%s\": not a number of microseconds\n",
			getenv("WATCHDOG_USEC"));
	else if (rc > 0 && s->notify)
		s->ping_us = usec / 2 > 0 ? usec / 2 : 1;
	return s;
}

uint64_t rtpp_service_ping_interval_us(const struct rtpp_service *s)
{
	return s->ping_us;
}

static uint64_t monotonic_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* The workers as they are now: what the watchdog compares with from here on. */
static void watch_workers(struct rtpp_service *s, uint64_t now_us)
{
	struct rtpp_service_worker w;
	unsigned int n = 0;

	while (n < MAX_WATCHED_WORKERS && s->probe.worker(s->probe.ctx, n, &w) == 0)
		n++;
	free(s->workers);
	s->workers = n > 0 ? calloc(n, sizeof(*s->workers)) : NULL;
	s->n_workers = s->workers != NULL ? n : 0;
	if (n > 0 && s->workers == NULL)
		fprintf(stderr, "rtpproxy: out of memory: the systemd watchdog watches no worker\n");
	for (unsigned int i = 0; i < s->n_workers; i++) {
		if (s->probe.worker(s->probe.ctx, i, &s->workers[i].last) != 0)
			s->workers[i].last.loops = 0;
		s->workers[i].moving_us = now_us;
	}
}

static void become_ready(struct rtpp_service *s, uint64_t now_us, unsigned int missing,
			 const char *what)
{
	watch_workers(s, now_us);
	s->state = SERVICE_READY;
	if (missing == 0) {
		say(s, "READY=1\nSTATUS=forwarding: %u workers, %s", s->n_workers, s->listening);
	} else {
		say(s, "READY=1\nSTATUS=forwarding, but %s (%u missing after %d s); %s", what,
		    missing, RTPP_SERVICE_READY_WAIT_MS / 1000, s->listening);
		fprintf(stderr, "rtpproxy: ready after %d s with %u still missing, the first: %s\n",
			RTPP_SERVICE_READY_WAIT_MS / 1000, missing, what);
	}
	if (s->ping_us != 0) {
		say(s, "WATCHDOG=1");
		s->next_check_us = now_us + s->ping_us;
	}
}

void rtpp_service_started_at(struct rtpp_service *s, const char *listening, uint64_t now_us)
{
	if (s == NULL || s->state != SERVICE_STARTING)
		return;
	snprintf(s->listening, sizeof(s->listening), "%s", listening);
	s->state = SERVICE_WAITING;
	s->ready_deadline_us = now_us + (uint64_t)RTPP_SERVICE_READY_WAIT_MS * 1000u;
	s->next_pending_us = now_us;
	rtpp_service_tick_at(s, now_us);
}

void rtpp_service_started(struct rtpp_service *s, const char *listening)
{
	rtpp_service_started_at(s, listening, monotonic_us());
}

static void wait_for_ready(struct rtpp_service *s, uint64_t now_us)
{
	char what[128] = "";
	unsigned int missing;

	if (now_us < s->next_pending_us)
		return;
	s->next_pending_us = now_us + PENDING_CHECK_US;
	missing = s->probe.pending(s->probe.ctx, what, sizeof(what));
	if (missing == 0 || now_us >= s->ready_deadline_us) {
		become_ready(s, now_us, missing, what);
	} else if (!s->waiting_told) {
		s->waiting_told = true;
		say(s, "STATUS=starting: waiting for %s (%u in all, at most %d s)", what, missing,
		    RTPP_SERVICE_READY_WAIT_MS / 1000);
	}
}

/* Every half WATCHDOG_USEC: ping if every worker's loop counter moved. */
static void check_workers(struct rtpp_service *s, uint64_t now_us)
{
	int stalled = -1;

	if (now_us < s->next_check_us)
		return;
	s->next_check_us = now_us + s->ping_us;
	for (unsigned int i = 0; i < s->n_workers; i++) {
		struct watched_worker *w = &s->workers[i];
		struct rtpp_service_worker now;

		if (s->probe.worker(s->probe.ctx, i, &now) == 0 && now.loops != w->last.loops) {
			w->last = now;
			w->moving_us = now_us;
		} else if (stalled < 0) {
			stalled = (int)i;
		}
	}
	if (stalled < 0) {
		say(s, "WATCHDOG=1");
		if (s->stalled >= 0) {
			const struct rtpp_service_worker *w = &s->workers[s->stalled].last;

			fprintf(stderr,
				"rtpproxy: worker %u (lcore %u) makes progress again: "
				"watchdog pings resume\n",
				w->id, w->lcore);
			say(s, "STATUS=forwarding: %u workers, %s", s->n_workers, s->listening);
			s->stalled = -1;
		}
		return;
	}
	if (stalled != s->stalled) {
		const struct watched_worker *w = &s->workers[stalled];
		uint64_t ms = (now_us - w->moving_us) / 1000u;

		fprintf(stderr,
			"rtpproxy: worker %u (lcore %u) made no progress in %" PRIu64
			" ms: watchdog pings stop\n",
			w->last.id, w->last.lcore, ms);
		say(s,
		    "STATUS=stalled: worker %u (lcore %u) made no progress in %" PRIu64
		    " ms; watchdog pings stopped",
		    w->last.id, w->last.lcore, ms);
		s->stalled = stalled;
	}
}

void rtpp_service_tick_at(struct rtpp_service *s, uint64_t now_us)
{
	if (s == NULL || !s->notify)
		return;
	if (s->state == SERVICE_WAITING)
		wait_for_ready(s, now_us);
	else if (s->state == SERVICE_READY && s->ping_us != 0)
		check_workers(s, now_us);
}

void rtpp_service_tick(struct rtpp_service *s)
{
	if (s == NULL || !s->notify)
		return;
	rtpp_service_tick_at(s, monotonic_us());
}

void rtpp_service_stopping(struct rtpp_service *s, const char *why)
{
	if (s == NULL || !s->notify || s->state == SERVICE_STOPPING)
		return;
	s->state = SERVICE_STOPPING;
	say(s, "STOPPING=1\nSTATUS=stopping: %s", why);
}

void rtpp_service_destroy(struct rtpp_service *s)
{
	if (s == NULL)
		return;
	free(s->workers);
	free(s);
}
