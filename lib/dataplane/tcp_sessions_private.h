/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP sessions: in the session table like UDP ones (ids, names, ports,
 * listing, events, timeouts), with keys of protocol 6 that no worker ever
 * looks up; lib/tcprelay carries their bytes through the kernel. These
 * functions tie the two together, on the main lcore under the data plane's
 * lock (whose order is: data plane, then relay).
 */
#ifndef RTPP_DATAPLANE_TCP_SESSIONS_PRIVATE_H
#define RTPP_DATAPLANE_TCP_SESSIONS_PRIVATE_H

#include "dataplane_private.h"

/* Start the relay thread (not in a detached data plane); -1 with err. */
int rtpp_tcp_sessions_init(struct rtpp_dataplane *dp, char *err, size_t errlen);
void rtpp_tcp_sessions_fini(struct rtpp_dataplane *dp);
/* Can this data plane relay TCP? */
bool rtpp_tcp_sessions_available(const struct rtpp_dataplane *dp);
/* Listen for the session in slot index (just added); negative errno with err. */
int rtpp_tcp_session_start_locked(struct rtpp_dataplane *dp, uint32_t index,
				  const struct rtpp_session_request *req, char *err, size_t errlen);
/* Reset its connections and stop listening (the session is closing). */
void rtpp_tcp_session_stop_locked(struct rtpp_dataplane *dp, uint32_t index);
/* Its connection, counters and refusals into a status the views filled. */
void rtpp_tcp_session_status_locked(struct rtpp_dataplane *dp, uint32_t index,
				    struct rtpp_session_status *out);
/* The relay's state changes into the sessions' states and events. */
void rtpp_tcp_sessions_service_locked(struct rtpp_dataplane *dp);
/* A TCP session's timers (max lifetime, no connection in time); true when closed. */
bool rtpp_tcp_session_sweep_locked(struct rtpp_dataplane *dp, uint32_t index, uint64_t now_tsc);

#endif
