/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The web console (docs/console.md), served by lib/http:
 *   GET  /, /console.js, /console.css    the page (plain HTML/JS/CSS, embedded
 *                                       at build time from lib/console/www/)
 *   GET  /api/overview                  version, uptime, sessions, interfaces,
 *                                       workers, whether this client may write,
 *                                       and the graphs' last 5 minutes
 *   GET  /api/sessions                  ListSessions (filters from the query)
 *   POST /api/sessions                  CreateSession (a CreateSessionRequest)
 *   GET  /api/sessions/ID               GetSessionStatus
 *   PATCH /api/sessions/ID              UpdateSession (an UpdateSessionRequest)
 *   DELETE /api/sessions/ID             DestroySession
 * The /api/sessions routes are the gRPC API's messages in JSON (lib/pbjson)
 * through lib/api's handlers: every rule and error of the API holds, with
 * its gRPC status mapped to an HTTP one. Who may write is lib/http's rule.
 *
 * Main lcore only, like lib/http's handlers: they call the data plane's
 * control functions directly.
 */
#ifndef RTPP_CONSOLE_H
#define RTPP_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "rtpp_audit.h"
#include "rtpp_dataplane.h"
#include "rtpp_http.h"

struct rtpp_console;

/* Add the console's routes to http; NULL with err when its route table is full
 * (http may then hold some of the routes: stop it). */
struct rtpp_console *rtpp_console_create(struct rtpp_http_server *http, struct rtpp_dataplane *dp,
					 char *err, size_t errlen);
/* Record the console's creates, updates, destroys and their refusals here
 * (origin "http"); NULL: none. */
void rtpp_console_set_audit(struct rtpp_console *c, struct rtpp_audit *audit);
/* From the main loop, as often as it turns: samples the graphs once a second
 * (otherwise one clock read). A NULL console is fine. */
void rtpp_console_tick(struct rtpp_console *c);
void rtpp_console_destroy(struct rtpp_console *c);

/* The HTTP status of a gRPC status code (Google's mapping: INVALID_ARGUMENT
 * and FAILED_PRECONDITION 400, PERMISSION_DENIED 403, NOT_FOUND 404,
 * ALREADY_EXISTS 409, RESOURCE_EXHAUSTED 429, UNAVAILABLE 503, ...). */
unsigned int rtpp_console_http_status(int grpc_code);

/* ------------------------------------------------------------------ assets */

/* One file of the page. */
struct rtpp_console_asset {
	const char *path;         /* "/", "/console.js", ... */
	const char *content_type; /* "text/html; charset=utf-8", ... */
	const unsigned char *data;
	size_t len;
};
/* The asset served at path; NULL when none. */
const struct rtpp_console_asset *rtpp_console_asset_find(const char *path);
/* Every asset, for i = 0, 1, ... until NULL. */
const struct rtpp_console_asset *rtpp_console_asset_at(unsigned int i);

/* ------------------------------------------------------------------ history */

/* Samples kept: one a second, 5 minutes. */
#define RTPP_CONSOLE_HISTORY_LEN 300

/* Counters of one interface at a sample (totals since start). */
struct rtpp_console_iface_sample {
	uint64_t rx_packets, tx_packets;
	uint64_t rx_bytes, tx_bytes;
	uint64_t dropped; /* every drop of the interface, by any reason */
};

/*
 * The graphs' history: rates between successive samples of the counters
 * (packets/s, bits/s, drops/s per interface; busy % per worker), in a ring
 * of the last capacity samples. A counter that went back (a restart of its
 * source) reads as rate 0 for that interval, never negative.
 */
struct rtpp_console_history;
/* NULL when out of memory. */
struct rtpp_console_history *
rtpp_console_history_create(unsigned int n_ifaces, unsigned int n_workers, unsigned int capacity);
void rtpp_console_history_destroy(struct rtpp_console_history *h);
/*
 * Counters read at now_ns (a monotonic clock) and unix_ms (the wall clock,
 * for the graphs' time axis): ifaces[n_ifaces], worker busy TSC cycles
 * busy_cycles[n_workers] at tsc_hz. The first call sets the base and adds no
 * point; each later one adds the rates since the previous call (none when
 * now_ns did not advance).
 */
void rtpp_console_history_add(struct rtpp_console_history *h, uint64_t now_ns, uint64_t unix_ms,
			      const struct rtpp_console_iface_sample *ifaces,
			      const uint64_t *busy_cycles, uint64_t tsc_hz);
/* Points in the ring (at most capacity). */
unsigned int rtpp_console_history_len(const struct rtpp_console_history *h);
/*
 * The ring, oldest point first, as /api/overview's "history" object:
 * {"interval_s":1,"unix_ms":[...],"interfaces":[{"index":0,"rx_pps":[...],
 * "tx_pps":[...],"rx_bps":[...],"tx_bps":[...],"drops_ps":[...]}],
 * "workers":[{"index":0,"busy_percent":[...]}]}. NULL when out of memory.
 */
json_t *rtpp_console_history_json(const struct rtpp_console_history *h);

#endif
