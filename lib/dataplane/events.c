/* SPDX-License-Identifier: BSD-3-Clause */
/* Session events: state changes from what workers report, and their delivery. */
#include <rte_ring.h>

#include "events_private.h"
#include "views_private.h"
#include "worker_private.h"

void rtpp_events_emit_status_locked(struct rtpp_dataplane *dp, enum rtpp_session_event_type type,
				    struct rtpp_session_status *st, enum rtpp_session_state old_state,
				    enum rtpp_session_state new_state)
{
	st->state = new_state;
	const struct rtpp_session_event ev = {
		.type = type,
		.session_id = st->id,
		.old_state = old_state,
		.new_state = new_state,
		.status = st,
	};
	dp->event_fn(dp->event_ctx, &ev);
}

void rtpp_events_count_locked(struct rtpp_dataplane *dp, enum rtpp_session_state old_state,
			      enum rtpp_session_state new_state, enum rtpp_close_reason reason)
{
	if (old_state == new_state)
		return;
	if (old_state == RTPP_SESSION_FREE)
		dp->sessions_created++;
	else if (dp->sessions_in_state[old_state] > 0)
		dp->sessions_in_state[old_state]--;
	if (new_state == RTPP_SESSION_CLOSED)
		dp->sessions_closed[reason < RTPP_CLOSE_REASONS ? reason : RTPP_CLOSE_NONE]++;
	else
		dp->sessions_in_state[new_state]++;
}

void rtpp_events_emit_locked(struct rtpp_dataplane *dp, enum rtpp_session_event_type type,
			     uint32_t index, enum rtpp_session_state old_state,
			     enum rtpp_session_state new_state)
{
	struct rtpp_session_status st;

	/* Every creation and state change passes here (ERROR follows its STATE_CHANGED). */
	if (type == RTPP_EVENT_CREATED || type == RTPP_EVENT_STATE_CHANGED)
		rtpp_events_count_locked(dp, old_state, new_state, RTPP_CLOSE_NONE);
	if (!rtpp_events_wanted_locked(dp))
		return;
	rtpp_views_session_status_locked(dp, index, &st);
	rtpp_events_emit_status_locked(dp, type, &st, old_state, new_state);
}

void rtpp_events_emit_latched_locked(struct rtpp_dataplane *dp, uint32_t index, unsigned int leg,
				     bool relatch)
{
	struct rtpp_session_status st;

	if (!rtpp_events_wanted_locked(dp))
		return;
	rtpp_views_session_status_locked(dp, index, &st);
	const struct rtpp_session_event ev = {
		.type = RTPP_EVENT_LATCHED,
		.session_id = st.id,
		.old_state = st.state,
		.new_state = st.state,
		.status = &st,
		.leg = leg,
		.relatch = relatch,
	};
	dp->event_fn(dp->event_ctx, &ev);
}

void rtpp_dataplane_set_event_handler(struct rtpp_dataplane *dp, rtpp_session_event_fn fn, void *ctx)
{
	pthread_mutex_lock(&dp->lock);
	dp->event_fn = fn;
	dp->event_ctx = ctx;
	pthread_mutex_unlock(&dp->lock);
}
