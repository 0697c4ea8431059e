/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The proxy as a systemd service (Type=notify, WatchdogSec=): READY=1 once
 * start-up is over and forwarding works, WATCHDOG=1 only while every worker
 * lcore makes progress, STOPPING=1 at shutdown, and a STATUS= line that says
 * which. Speaks through libsystemd's sd_notify(); without NOTIFY_SOCKET in
 * the environment (not started by systemd) every call does nothing.
 * docs/systemd.md has the whole story. Main lcore only.
 */
#ifndef RTPP_SERVICE_H
#define RTPP_SERVICE_H

#include <stdint.h>

struct rtpp_dataplane;
struct rtpp_service;

/*
 * Read NOTIFY_SOCKET and WATCHDOG_USEC (sd_watchdog_enabled) and watch dp's
 * workers. NULL only when out of memory.
 */
struct rtpp_service *rtpp_service_create(struct rtpp_dataplane *dp);

/*
 * Start-up is done: the ports are started, the workers launched, and every
 * server listens (listening says where, for STATUS=, e.g. "API on
 * 127.0.0.1:50051"; copied). READY=1 follows from rtpp_service_tick() as soon
 * as every interface's link is up and every known next hop answers, or
 * RTPP_SERVICE_READY_WAIT_MS after this call at the latest, with STATUS=
 * naming what is still missing.
 */
#define RTPP_SERVICE_READY_WAIT_MS 10000
void rtpp_service_started(struct rtpp_service *s, const char *listening);

/*
 * Call from every iteration of the main loop (it costs a clock read when
 * nothing is due). Sends READY=1 when due, then WATCHDOG=1 every half
 * WATCHDOG_USEC if every worker's loop counter advanced since the last
 * time; a worker that did not stops the pings until it does, once logged
 * on stderr and in STATUS=. A main loop that stops calling stops them too.
 */
void rtpp_service_tick(struct rtpp_service *s);

/* STOPPING=1 and STATUS=stopping: why. */
void rtpp_service_stopping(struct rtpp_service *s, const char *why);

void rtpp_service_destroy(struct rtpp_service *s);

#endif
