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
/*
 * The relay's state changes into the sessions' states and events; a pair
 * that ended (CLOSED) is closed by close (rtpp_media_close_locked: closing
 * is the media rules' business, and this file stays below them).
 */
typedef void (*rtpp_tcp_close_fn)(struct rtpp_dataplane *dp, uint32_t index,
				  enum rtpp_close_reason reason, struct rtpp_session_status *final);
void rtpp_tcp_sessions_service_locked(struct rtpp_dataplane *dp, rtpp_tcp_close_fn close);
/* Why a TCP session's timers say it must close now (max lifetime, no
 * connection in time, ERROR long enough); RTPP_CLOSE_NONE: not yet. */
enum rtpp_close_reason rtpp_tcp_session_expiry_locked(struct rtpp_dataplane *dp, uint32_t index,
						      uint64_t now_tsc);

#endif
