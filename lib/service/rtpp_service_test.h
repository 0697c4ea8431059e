/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/service's test interface (tests/test_service.c): the same service
 * over a probe the test fakes instead of a data plane, and a clock the test
 * sets. Nothing in the product uses it.
 */
#ifndef RTPP_SERVICE_TEST_H
#define RTPP_SERVICE_TEST_H

#include <stddef.h>
#include <stdint.h>

#include "rtpp_service.h"

struct rtpp_service_worker {
	unsigned int id;
	unsigned int lcore;
	uint64_t loops; /* advances once per poll loop */
};

/* What the service asks of the data plane (service_dataplane.c's answers). */
struct rtpp_service_probe {
	void *ctx;
	/* Worker i's counters: 0, or -1 past the last worker. */
	int (*worker)(void *ctx, unsigned int i, struct rtpp_service_worker *out);
	/* How many things READY=1 still waits for (links down, next hops not
	 * answering); the first one described in what. */
	unsigned int (*pending)(void *ctx, char *what, size_t len);
};

/* rtpp_service_create() over probe (copied); NULL when out of memory. */
struct rtpp_service *rtpp_service_create_probe(const struct rtpp_service_probe *probe);
/* rtpp_service_started() and rtpp_service_tick() at a given CLOCK_MONOTONIC time. */
void rtpp_service_started_at(struct rtpp_service *s, const char *listening, uint64_t now_us);
void rtpp_service_tick_at(struct rtpp_service *s, uint64_t now_us);
/* Half of WATCHDOG_USEC: how often pings are due; 0 without a watchdog. */
uint64_t rtpp_service_ping_interval_us(const struct rtpp_service *s);

#endif
