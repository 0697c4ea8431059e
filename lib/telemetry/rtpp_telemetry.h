/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK telemetry commands under /rtpproxy/ (read with
 * usertools/rtpproxy-telemetry or dpdk-telemetry.py): info, ports,
 * sessions, session, neighbours, workers, api. They run on DPDK's telemetry
 * thread and read the data plane through its public views only.
 */
#ifndef RTPP_TELEMETRY_H
#define RTPP_TELEMETRY_H

#include <stdbool.h>
#include <stdint.h>

#include "rtpp_dataplane.h"

/*
 * Serve dp's views through the commands (registered once per process).
 * Returns 0, or rte_telemetry_register_cmd's negative errno.
 */
int rtpp_telemetry_register(struct rtpp_dataplane *dp);
/* Stop serving (commands answer -ENODEV); call before destroying the data plane. */
void rtpp_telemetry_unbind(void);

/*
 * The debug commands under /rtpproxy/debug/ harm the service on purpose, to
 * test what watches it: stall_worker,ID,MS makes worker ID spin for MS ms
 * without polling (the systemd watchdog's test). They always exist, and
 * answer {"error": ...} unless allowed here (rtpproxy --debug-commands).
 * Main lcore, before rtpp_telemetry_register().
 */
void rtpp_telemetry_allow_debug(bool allow);

/*
 * The gRPC server's figures, as /rtpproxy/api shows them. The API lives on
 * the main lcore, telemetry on its own thread: the main loop publishes a
 * copy now and then (rtpp_telemetry_publish_api) and the command reads the
 * last one. Until the first, /rtpproxy/api answers -ENODEV.
 */
#define RTPP_TELEMETRY_API_KINDS 4
#define RTPP_TELEMETRY_API_METHODS 16
#define RTPP_TELEMETRY_API_CODES 17 /* gRPC status codes 0..16 */
struct rtpp_telemetry_api {
	unsigned calls_in_progress;
	unsigned streams, max_streams;
	uint64_t streams_refused;
	struct {
		char setting[48]; /* the configuration key bounding the kind */
		unsigned open, max;
		uint64_t refused;
	} kinds[RTPP_TELEMETRY_API_KINDS];
	unsigned n_kinds;
	unsigned event_subscribers;
	uint64_t events_sent, events_dropped;
	/* Calls ended, by method (its full path; "" for unregistered ones)
	 * and gRPC status code: "calls/<method>" arrays indexed by the code. */
	struct {
		char method[96];
		uint64_t by_code[RTPP_TELEMETRY_API_CODES];
	} calls[RTPP_TELEMETRY_API_METHODS];
	unsigned n_calls;
	/* The audit trail (lib/audit, docs/audit.md): records made, lines a
	 * sink (stdout, the file) did not take. */
	uint64_t audit_records, audit_write_errors;
};
void rtpp_telemetry_publish_api(const struct rtpp_telemetry_api *api);

#endif
