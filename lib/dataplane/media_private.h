/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The media rules on the main lcore (docs/media-security.md): what a leg
 * learns from the sources workers report (latching, NAT rebinding, the RTCP
 * port), rate limit profiles, the session's state from its legs, and the
 * sweep that closes learning windows, flags unresolved next hops and expires
 * sessions. Every function runs on the main lcore with dp->lock held.
 */
#ifndef RTPP_MEDIA_PRIVATE_H
#define RTPP_MEDIA_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include "dataplane_private.h"

/* Tables and limits from the configuration (or the detached defaults); -1 with err. */
int rtpp_media_init(struct rtpp_dataplane *dp, char *err, size_t errlen);
void rtpp_media_fini(struct rtpp_dataplane *dp);

/* The media rules a data plane gives a session that asks for nothing. */
const struct rtpp_media_options *rtpp_media_defaults(const struct rtpp_dataplane *dp);
/* Apply an override onto opts; -EINVAL with err naming the field when a value is out of range. */
int rtpp_media_apply(struct rtpp_media_options *opts, const struct rtpp_media_override *o,
		     char *err, size_t errlen);

/* A rate profile for (pps, bps), shared by every leg that has the same: 0 when both are 0. */
int rtpp_media_rate_acquire_locked(struct rtpp_dataplane *dp, uint32_t pps, uint64_t bps,
				   uint16_t *profile, char *err, size_t errlen);
void rtpp_media_rate_release_locked(struct rtpp_dataplane *dp, uint16_t profile);

/* A leg's flags and clock from the session's rules (the learning part is the caller's). */
void rtpp_media_leg_rules(const struct rtpp_media_options *opts, struct rtpp_leg *leg);

/* A new session's first state (CREATED, or CONNECTING while a leg learns), without an event. */
void rtpp_media_initial_state_locked(struct rtpp_dataplane *dp, uint32_t index);
/* Recompute a session's state from its legs and media; emits STATE_CHANGED (and ERROR). */
void rtpp_media_restate_locked(struct rtpp_dataplane *dp, uint32_t index);
/* End a session: the CLOSED event carries reason, the ports go back after the grace period. */
void rtpp_media_close_locked(struct rtpp_dataplane *dp, uint32_t index,
			     enum rtpp_close_reason reason, struct rtpp_session_status *final);

/* The first packets workers saw of flows: media_seen, and the state it brings. */
void rtpp_media_drain_flows_locked(struct rtpp_dataplane *dp);
/* Decide on the sources workers reported. */
void rtpp_media_drain_candidates_locked(struct rtpp_dataplane *dp);
/* A slice of the timeout sweep (called every service round; paces itself). */
void rtpp_media_sweep_locked(struct rtpp_dataplane *dp, uint64_t now_tsc);

#endif
