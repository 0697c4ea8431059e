/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Views: the one place that turns the data plane's tables and per-worker
 * counters into what the control plane reports (rtpp_dataplane.h's views).
 * The API, the events, telemetry and printing all read through here.
 */
#ifndef RTPP_VIEWS_PRIVATE_H
#define RTPP_VIEWS_PRIVATE_H

#include <stdint.h>

#include "dataplane_private.h"

/* The status of the live session at index. */
void rtpp_views_session_status_locked(struct rtpp_dataplane *dp, uint32_t index,
				      struct rtpp_session_status *out);

#endif
