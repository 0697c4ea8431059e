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

void rtpp_events_emit_locked(struct rtpp_dataplane *dp, enum rtpp_session_event_type type,
			     uint32_t index, enum rtpp_session_state old_state,
			     enum rtpp_session_state new_state)
{
	struct rtpp_session_status st;

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
