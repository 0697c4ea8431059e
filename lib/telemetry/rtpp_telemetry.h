/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK telemetry commands under /rtpproxy/ (read with
 * usertools/rtpproxy-telemetry or dpdk-telemetry.py): info, ports,
 * sessions, session, neighbours, workers, api. They run on DPDK's telemetry
 * thread and read the data plane through its public views only.
 */
#ifndef RTPP_TELEMETRY_H
#define RTPP_TELEMETRY_H

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
 * The gRPC server's figures, as /rtpproxy/api shows them. The API lives on
 * the main lcore, telemetry on its own thread: the main loop publishes a
 * copy now and then (rtpp_telemetry_publish_api) and the command reads the
 * last one. Until the first, /rtpproxy/api answers -ENODEV.
 */
#define RTPP_TELEMETRY_API_KINDS 4
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
};
void rtpp_telemetry_publish_api(const struct rtpp_telemetry_api *api);

#endif
