/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK telemetry commands under /rtpproxy/ (read with
 * usertools/rtpproxy-telemetry or dpdk-telemetry.py): info, ports,
 * sessions, session, neighbours, workers. They run on DPDK's telemetry
 * thread and read the data plane through its public views only.
 */
#ifndef RTPP_TELEMETRY_H
#define RTPP_TELEMETRY_H

#include "rtpp_dataplane.h"

/*
 * Serve dp's views through the commands (registered once per process).
 * Returns 0, or rte_telemetry_register_cmd's negative errno.
 */
int rtpp_telemetry_register(struct rtpp_dataplane *dp);
/* Stop serving (commands answer -ENODEV); call before destroying the data plane. */
void rtpp_telemetry_unbind(void);

#endif
