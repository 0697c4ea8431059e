/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP sessions: the session table's side of lib/tcprelay (tcp_sessions_private.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_lcore.h>

#include "events_private.h"
#include "tcp_sessions_private.h"

int rtpp_tcp_sessions_init(struct rtpp_dataplane *dp, char *err, size_t errlen)
{
	const struct rtpp_tcp_config *t = &dp->cfg->tcp;
	const struct rtpp_tcp_relay_config rc = {
		.max_sessions = t->max_sessions,
		.buffer_bytes = t->buffer_kb * 1024u,
		.max_buffered_bytes = (uint64_t)t->max_buffer_mb << 20,
		.connect_timeout_ms = t->connect_timeout_s * 1000u,
		.idle_timeout_ms = t->idle_timeout_s * 1000u,
		/* The management core: the workers' cores stay theirs. */
		.cpu = (int)rte_lcore_to_cpu_id((int)rte_get_main_lcore()),
	};

	dp->tcp = rtpp_tcp_relay_create(&rc, err, errlen);
	return dp->tcp == NULL ? -1 : 0;
}

void rtpp_tcp_sessions_fini(struct rtpp_dataplane *dp)
{
	rtpp_tcp_relay_destroy(dp->tcp);
	dp->tcp = NULL;
}

bool rtpp_tcp_sessions_available(const struct rtpp_dataplane *dp)
{
	return dp->tcp != NULL;
}

/*
 * Who may connect when the session names no source: anyone the policy
 * allows. Called on the relay thread: it reads the configuration only,
 * which does not change while the data plane lives.
 */
static bool peer_allowed(void *ctx, const struct rtpp_endpoint *peer)
{
	const struct rtpp_policy_config *p = &((const struct rtpp_dataplane *)ctx)->cfg->policy;

	if (p->n_allowed_remotes == 0)
		return true;
	for (unsigned int i = 0; i < p->n_allowed_remotes; i++)
		if (rtpp_prefix_contains(&p->allowed_remotes[i], &peer->addr))
			return true;
	return false;
}

int rtpp_tcp_session_start_locked(struct rtpp_dataplane *dp, uint32_t index,
				  const struct rtpp_session_request *req, char *err, size_t errlen)
{
	const struct rtpp_session *s = rtpp_session_get(dp->sessions, index);
	const struct rtpp_tcp_session_params p = {
		.id = rtpp_session_get_info(dp->sessions, index)->id,
		.listen = s->leg[RTPP_LEG_A].local,
		.forward = s->leg[RTPP_LEG_B].local,
		.destination = req->destination,
		.source = req->source,
		.rfc4571 = req->rfc4571,
		.peer_allowed = peer_allowed,
		.peer_allowed_ctx = dp,
	};
	int rc = rtpp_tcp_relay_add(dp->tcp, &p, err, errlen);

	/* The port is free in our pool but a program of the host holds it. */
	return rc == -EADDRINUSE ? -EEXIST : rc;
}

void rtpp_tcp_session_stop_locked(struct rtpp_dataplane *dp, uint32_t index)
{
	(void)rtpp_tcp_relay_remove(dp->tcp, rtpp_session_get_info(dp->sessions, index)->id, NULL);
}

/* One state change the relay reported, into the table and the events. */
static void apply_event(struct rtpp_dataplane *dp, const struct rtpp_tcp_event *ev,
			rtpp_tcp_close_fn close)
{
	uint32_t index = rtpp_session_find(dp->sessions, ev->id);

	/* A session destroyed since the relay reported. */
	if (index == RTPP_SESSION_INVALID)
		return;
	struct rtpp_session_info *info = rtpp_session_info_mut(dp->sessions, index);
	enum rtpp_session_state old = info->state;

	if (ev->state == RTPP_SESSION_CLOSED) {
		DP_LOG(INFO, "session %" PRIu64 " (tcp) closed (%s)\n", info->id,
		       rtpp_dataplane_close_reason_name(ev->close_reason));
		close(dp, index, ev->close_reason, NULL);
		return;
	}
	if (ev->state == old)
		return;
	if (ev->state == RTPP_SESSION_ERROR) {
		snprintf(info->error, sizeof(info->error), "%s", ev->error);
		info->ended_tsc = rte_rdtsc();
		DP_LOG(NOTICE, "session %" PRIu64 " (tcp): %s\n", info->id, ev->error);
	}
	if (ev->state == RTPP_SESSION_ACTIVE)
		info->media_seen = true;
	rtpp_session_set_state(dp->sessions, index, ev->state);
	rtpp_events_emit_locked(dp, RTPP_EVENT_STATE_CHANGED, index, old, ev->state);
	if (ev->state == RTPP_SESSION_ERROR)
		rtpp_events_emit_locked(dp, RTPP_EVENT_ERROR, index, old, ev->state);
}

void rtpp_tcp_sessions_service_locked(struct rtpp_dataplane *dp, rtpp_tcp_close_fn close)
{
	struct rtpp_tcp_event ev[32];
	unsigned int n;

	if (dp->tcp == NULL)
		return;
	while ((n = rtpp_tcp_relay_take_events(dp->tcp, ev, RTE_DIM(ev))) > 0)
		for (unsigned int i = 0; i < n; i++)
			apply_event(dp, &ev[i], close);
}

enum rtpp_close_reason rtpp_tcp_session_expiry_locked(struct rtpp_dataplane *dp, uint32_t index,
						      uint64_t now_tsc)
{
	const struct rtpp_session_info *info = rtpp_session_get_info(dp->sessions, index);
	const struct rtpp_media_options *m = &info->media;
	const uint64_t hz = rte_get_tsc_hz();

	if (info->is_static)
		return RTPP_CLOSE_NONE;
	/*
	 * Idle pairs are the relay's to close (tcp.idle_timeout_s); these are the
	 * session's: its lifetime, no connection in time, and a session whose
	 * connection failed, left in ERROR for the SBC to read, is closed
	 * after inactivity_timeout_s like a UDP session with no media, so that
	 * a session nobody destroys still gives its ports back.
	 */
	if (m->max_lifetime_s != 0 && now_tsc - info->created_tsc >= m->max_lifetime_s * hz)
		return RTPP_CLOSE_LIFETIME;
	if (info->state == RTPP_SESSION_CREATED && m->first_media_timeout_s != 0 &&
	    now_tsc - info->created_tsc >= m->first_media_timeout_s * hz)
		return RTPP_CLOSE_NO_MEDIA;
	/*
	 * ended_tsc may be later than now_tsc: the relay's events of this very
	 * service pass are applied after now_tsc was read. Unsigned, that
	 * difference would be huge and close a session the moment it failed
	 * (seen in tcp_errors under load).
	 */
	if (info->state == RTPP_SESSION_ERROR && info->ended_tsc != 0 &&
	    m->inactivity_timeout_s != 0 && now_tsc > info->ended_tsc &&
	    now_tsc - info->ended_tsc >= m->inactivity_timeout_s * hz)
		return RTPP_CLOSE_INACTIVITY;
	return RTPP_CLOSE_NONE;
}
