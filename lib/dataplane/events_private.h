/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Session events: reported to the handler the control plane registered, on
 * the main lcore only. Workers hand what they see (a flow's first packet)
 * to the main lcore through dp->event_ring; the main lcore turns it into
 * state changes here.
 */
#ifndef RTPP_EVENTS_PRIVATE_H
#define RTPP_EVENTS_PRIVATE_H

#include <stdint.h>

#include "dataplane_private.h"

/*
 * Report an event about the live session at index. The status snapshot is
 * built only when someone listens (the API registers its handler only while
 * it has subscribers): it was a few % of every create/destroy.
 */
void rtpp_events_emit_locked(struct rtpp_dataplane *dp, enum rtpp_session_event_type type,
			     uint32_t index, enum rtpp_session_state old_state,
			     enum rtpp_session_state new_state);
/* Report an event with a status the caller built (CLOSED: the session's last status). */
void rtpp_events_emit_status_locked(struct rtpp_dataplane *dp, enum rtpp_session_event_type type,
				    struct rtpp_session_status *st, enum rtpp_session_state old_state,
				    enum rtpp_session_state new_state);
/* Is a handler registered (is a snapshot for it worth building)? */
static inline bool rtpp_events_wanted_locked(const struct rtpp_dataplane *dp)
{
	return dp->event_fn != NULL;
}
/*
 * Count a session's move from old_state to new_state (FREE: it was created;
 * CLOSED: it went, for reason) in the figures rtpp_dataplane_info shows.
 * rtpp_events_emit_locked counts creations and changes itself.
 */
void rtpp_events_count_locked(struct rtpp_dataplane *dp, enum rtpp_session_state old_state,
			      enum rtpp_session_state new_state, enum rtpp_close_reason reason);
/* What the workers reported since the last call: sessions that saw media become ACTIVE. */
/* A leg's remote was learnt (relatch: a NAT rebinding followed). */
void rtpp_events_emit_latched_locked(struct rtpp_dataplane *dp, uint32_t index, unsigned int leg,
				     bool relatch);

#endif
