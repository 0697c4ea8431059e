/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Media rules on the main lcore: latching, NAT rebinding, rate profiles,
 * session state and the timeout sweep (docs/media-security.md). Workers
 * never change a leg: they report sources through the latch ring, and this
 * file, the only writer of legs after creation, decides.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_malloc.h>

#include "events_private.h"
#include "media_private.h"
#include "neigh_service_private.h"
#include "tcp_sessions_private.h"
#include "views_private.h"
#include "worker_private.h"

/* A next hop that has not answered ARP / ND this long puts its session in ERROR. */
#define NEXT_HOP_GRACE_MS 5000
/* The sweep: every SWEEP_PERIOD_MS, at most SWEEP_SLOTS table slots and SWEEP_SESSIONS sessions. */
#define SWEEP_PERIOD_MS 10
#define SWEEP_SLOTS 4096
#define SWEEP_SESSIONS 512
/* How often a worker may report the sources of one flow. */
#define CANDIDATE_GAP_US 1000

/* A data plane without a configuration (tests, bench): strict, nothing expires, no limits. */
static const struct rtpp_media_options detached_defaults = {
	.strict_source = true,
	.relatch_silence_ms = 500,
};

static uint64_t ms_to_tsc(uint64_t ms)
{
	return ms * rte_get_tsc_hz() / 1000;
}

static uint64_t realtime_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	return (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
}

static void kernel_limit(struct rtpp_kernel_limit *l, uint32_t pps)
{
	/* Bursts of a tenth of a second pass whole (at least 32 packets). */
	struct rte_meter_srtcm_params p = {
		.cir = pps,
		.cbs = RTE_MAX(pps / 10u, 32u),
		.ebs = 0,
	};

	l->on = pps != 0 && rte_meter_srtcm_profile_config(&l->profile, &p) == 0;
}

int rtpp_media_init(struct rtpp_dataplane *dp, char *err, size_t errlen)
{
	char name[RTE_RING_NAMESIZE];
	static unsigned int generation;

	for (unsigned int pt = 0; pt < RTPP_RTP_PT_DYNAMIC; pt++)
		dp->static_clock_mult[pt] =
			(uint32_t)rtpp_rtp_clock_mult(rtpp_rtp_static_clock_rate((uint8_t)pt),
						      rte_get_tsc_hz());
	dp->candidate_gap_tsc = rte_get_tsc_hz() / (1000000 / CANDIDATE_GAP_US);
	if (dp->cfg != NULL) {
		kernel_limit(&dp->kernel_control, dp->cfg->dataplane.kernel_control_pps);
		kernel_limit(&dp->kernel_other, dp->cfg->dataplane.kernel_rate_pps);
		kernel_limit(&dp->kernel_tcp, dp->cfg->tcp.kernel_pps);
	}
	dp->rate_profiles = rte_zmalloc("rate_profiles",
					sizeof(*dp->rate_profiles) * RTPP_RATE_PROFILES,
					RTE_CACHE_LINE_SIZE);
	snprintf(name, sizeof(name), "rtpp_latch_%u", generation++);
	dp->latch_ring = rte_ring_create_elem(name, sizeof(struct rtpp_latch_candidate),
					      RTPP_LATCH_RING_SIZE, (int)rte_socket_id(),
					      RING_F_SC_DEQ);
	if (dp->rate_profiles == NULL || dp->latch_ring == NULL) {
		snprintf(err, errlen, "cannot allocate the media tables: %s",
			 rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

void rtpp_media_fini(struct rtpp_dataplane *dp)
{
	rte_ring_free(dp->latch_ring);
	rte_free(dp->rate_profiles);
}

const struct rtpp_media_options *rtpp_media_defaults(const struct rtpp_dataplane *dp)
{
	return dp->cfg != NULL ? &dp->cfg->media : &detached_defaults;
}

/* clang-format off */
/* The API's limits of each rule, the same as the configuration's. */
static const struct media_range {
	uint32_t bit;
	const char *name;
	size_t offset;
	uint64_t min, max;
	bool is64;
} media_ranges[] = {
#define RANGE(bit, field, lo, hi) \
	{ bit, #field, offsetof(struct rtpp_media_options, field), lo, hi, \
	  sizeof(((struct rtpp_media_options *)0)->field) == 8 }
	RANGE(RTPP_MEDIA_LEARNING_WINDOW, learning_window_ms, 0, RTPP_MEDIA_LEARNING_WINDOW_MS_MAX),
	RANGE(RTPP_MEDIA_RELATCH_SILENCE, relatch_silence_ms, RTPP_MEDIA_RELATCH_SILENCE_MS_MIN,
	      RTPP_MEDIA_RELATCH_SILENCE_MS_MAX),
	RANGE(RTPP_MEDIA_INACTIVITY_TIMEOUT, inactivity_timeout_s, 0, RTPP_MEDIA_TIMEOUT_S_MAX),
	RANGE(RTPP_MEDIA_FIRST_MEDIA_TIMEOUT, first_media_timeout_s, 0, RTPP_MEDIA_TIMEOUT_S_MAX),
	RANGE(RTPP_MEDIA_MAX_LIFETIME, max_lifetime_s, 0, RTPP_MEDIA_MAX_LIFETIME_S_MAX),
	RANGE(RTPP_MEDIA_RATE_LIMIT_PPS, rate_limit_pps, 0, RTPP_MEDIA_RATE_LIMIT_PPS_MAX),
	RANGE(RTPP_MEDIA_RATE_LIMIT_BPS, rate_limit_bps, 0, RTPP_MEDIA_RATE_LIMIT_BPS_MAX),
	RANGE(RTPP_MEDIA_CLOCK_RATE, clock_rate, 0, RTPP_MEDIA_CLOCK_RATE_MAX),
#undef RANGE
};
/* clang-format on */

int rtpp_media_apply(struct rtpp_media_options *opts, const struct rtpp_media_override *o,
		     char *err, size_t errlen)
{
	for (unsigned int i = 0; i < RTE_DIM(media_ranges); i++) {
		const struct media_range *r = &media_ranges[i];
		const uint8_t *src = (const uint8_t *)&o->v + r->offset;
		uint64_t v;

		if (!(o->set & r->bit))
			continue;
		if (r->is64)
			memcpy(&v, src, sizeof(v));
		else
			v = *(const uint32_t *)(const void *)src;
		if (v < r->min || v > r->max ||
		    (r->bit == RTPP_MEDIA_CLOCK_RATE && v != 0 && v < 1000)) {
			snprintf(err, errlen,
				 "media.%s: %" PRIu64 " is out of range (%s%" PRIu64 "..%" PRIu64 ")",
				 r->name, v, r->bit == RTPP_MEDIA_CLOCK_RATE ? "0 or " : "",
				 r->bit == RTPP_MEDIA_CLOCK_RATE ? 1000 : r->min, r->max);
			return -EINVAL;
		}
	}
	for (unsigned int i = 0; i < RTE_DIM(media_ranges); i++) {
		const struct media_range *r = &media_ranges[i];

		if (o->set & r->bit)
			memcpy((uint8_t *)opts + r->offset, (const uint8_t *)&o->v + r->offset,
			       r->is64 ? 8 : 4);
	}
	if (o->set & RTPP_MEDIA_STRICT_SOURCE)
		opts->strict_source = o->v.strict_source;
	if (o->set & RTPP_MEDIA_RELAY_UNRECOGNISED)
		opts->relay_unrecognised = o->v.relay_unrecognised;
	return 0;
}

int rtpp_media_rate_acquire_locked(struct rtpp_dataplane *dp, uint32_t pps, uint64_t bps,
				   uint16_t *profile, char *err, size_t errlen)
{
	unsigned int free_slot = 0;

	*profile = 0;
	if (pps == 0 && bps == 0)
		return 0;
	for (unsigned int i = 1; i < RTPP_RATE_PROFILES; i++) {
		struct rtpp_rate_profile *p = &dp->rate_profiles[i];

		if (p->refs != 0 && p->pps_limit == pps && p->bps_limit == bps) {
			p->refs++;
			*profile = (uint16_t)i;
			return 0;
		}
		if (p->refs == 0 && free_slot == 0)
			free_slot = i;
	}
	if (free_slot == 0) {
		snprintf(err, errlen,
			 "media: %u distinct rate limits are in use, no room for another",
			 RTPP_RATE_PROFILES - 1);
		return -ENOSPC;
	}
	/*
	 * Bursts of a tenth of a second pass whole: audio comes in 20 ms
	 * packets, video frames in bursts of a few ms. (A free slot's old
	 * profile may be read by a worker that saw the leg a moment ago:
	 * one packet judged by the previous numbers is harmless.)
	 */
	struct rtpp_rate_profile *p = &dp->rate_profiles[free_slot];
	struct rte_meter_srtcm_params pp = { .cir = pps, .cbs = RTE_MAX(pps / 10u, 10u) };
	struct rte_meter_srtcm_params bp = { .cir = bps / 8,
					     .cbs = RTE_MAX(bps / 80u, (uint64_t)3000) };

	if ((pps != 0 && rte_meter_srtcm_profile_config(&p->pps, &pp) != 0) ||
	    (bps != 0 && rte_meter_srtcm_profile_config(&p->bps, &bp) != 0)) {
		snprintf(err, errlen, "media: rate limit %u packets/s, %" PRIu64 " bits/s refused",
			 pps, bps);
		return -EINVAL;
	}
	p->pps_limit = pps;
	p->bps_limit = bps;
	/* A millisecond of the limit (at most 16 packets, 16 KiB): see rate_admitted(). */
	p->batch_packets = RTE_MIN(RTE_MAX(pps / 1000u, 1u), RTPP_RATE_BATCH_PACKETS_MAX);
	p->batch_bytes = (uint32_t)RTE_MIN(RTE_MAX(bps / 8000u, (uint64_t)1),
					   (uint64_t)RTPP_RATE_BATCH_BYTES_MAX);
	p->refs = 1;
	*profile = (uint16_t)free_slot;
	return 0;
}

void rtpp_media_rate_release_locked(struct rtpp_dataplane *dp, uint16_t profile)
{
	if (profile != 0 && dp->rate_profiles[profile].refs > 0)
		dp->rate_profiles[profile].refs--;
}

void rtpp_media_leg_rules(const struct rtpp_media_options *opts, struct rtpp_leg *leg)
{
	leg->flags &= (uint8_t) ~(RTPP_LEG_F_STRICT | RTPP_LEG_F_RELAY_ANY);
	if (opts->strict_source)
		leg->flags |= RTPP_LEG_F_STRICT;
	if (opts->relay_unrecognised)
		leg->flags |= RTPP_LEG_F_RELAY_ANY;
	leg->clock_mult = (uint32_t)rtpp_rtp_clock_mult(opts->clock_rate, rte_get_tsc_hz());
}

/* ------------------------------------------------------------------ state */

static bool leg_knows_remote(const struct rtpp_leg *l)
{
	return l->remote.addr.family != RTPP_AF_NONE;
}

static enum rtpp_session_state state_of(const struct rtpp_dataplane *dp, uint32_t index)
{
	const struct rtpp_session *s = rtpp_session_get(dp->sessions, index);
	const struct rtpp_session_info *info = rtpp_session_get_info(dp->sessions, index);

	if (info->error_kind != RTPP_SESSION_ERR_NONE)
		return RTPP_SESSION_ERROR;
	for (unsigned int l = 0; l < RTPP_LEGS_PER_SESSION; l++)
		if (!leg_knows_remote(&s->leg[l]))
			return RTPP_SESSION_CONNECTING;
	return info->media_seen ? RTPP_SESSION_ACTIVE : RTPP_SESSION_CREATED;
}

void rtpp_media_initial_state_locked(struct rtpp_dataplane *dp, uint32_t index)
{
	rtpp_session_set_state(dp->sessions, index, state_of(dp, index));
}

void rtpp_media_restate_locked(struct rtpp_dataplane *dp, uint32_t index)
{
	enum rtpp_session_state old = rtpp_session_state(dp->sessions, index);
	enum rtpp_session_state now = state_of(dp, index);

	if (old == now || old == RTPP_SESSION_FREE || old == RTPP_SESSION_CLOSED)
		return;
	rtpp_session_set_state(dp->sessions, index, now);
	rtpp_events_emit_locked(dp, RTPP_EVENT_STATE_CHANGED, index, old, now);
	if (now == RTPP_SESSION_ERROR)
		rtpp_events_emit_locked(dp, RTPP_EVENT_ERROR, index, old, now);
}

static void set_error(struct rtpp_dataplane *dp, uint32_t index, unsigned int leg, uint8_t kind,
		      const char *why)
{
	struct rtpp_session_info *info = rtpp_session_info_mut(dp->sessions, index);

	if (info->error_kind != RTPP_SESSION_ERR_NONE)
		return; /* the first cause is the one reported */
	info->error_kind = kind;
	info->error_leg = (uint8_t)leg;
	snprintf(info->error, sizeof(info->error), "%s", why);
	DP_LOG(NOTICE, "session %" PRIu64 ": %s\n", info->id, why);
	rtpp_media_restate_locked(dp, index);
}

static void clear_error(struct rtpp_dataplane *dp, uint32_t index, unsigned int leg, uint8_t kind)
{
	struct rtpp_session_info *info = rtpp_session_info_mut(dp->sessions, index);

	if (info->error_kind != kind || info->error_leg != leg)
		return;
	info->error_kind = RTPP_SESSION_ERR_NONE;
	info->error[0] = '\0';
	rtpp_media_restate_locked(dp, index);
}

void rtpp_media_close_locked(struct rtpp_dataplane *dp, uint32_t index,
			     enum rtpp_close_reason reason, struct rtpp_session_status *final)
{
	struct rtpp_session_info *info = rtpp_session_info_mut(dp->sessions, index);
	struct rtpp_session_status st, *snap = final != NULL ? final : &st;
	enum rtpp_session_state old = info->state;
	const struct rtpp_session *s = rtpp_session_get(dp->sessions, index);

	info->close_reason = reason;
	rtpp_events_count_locked(dp, old, RTPP_SESSION_CLOSED, reason);
	/* Read before the slot goes: the final counters are still there. */
	if (final != NULL || rtpp_events_wanted_locked(dp))
		rtpp_views_session_status_locked(dp, index, snap);
	if (rtpp_events_wanted_locked(dp))
		rtpp_events_emit_status_locked(dp, RTPP_EVENT_CLOSED, snap, old, RTPP_SESSION_CLOSED);
	if (final != NULL)
		final->state = RTPP_SESSION_CLOSED;
	if (info->protocol == RTPP_PROTO_TCP)
		rtpp_tcp_session_stop_locked(dp, index);
	for (unsigned int l = 0; l < RTPP_LEGS_PER_SESSION; l++)
		rtpp_media_rate_release_locked(dp, s->leg[l].meter);
	rtpp_session_del(dp->sessions, index);
}

/* What workers report of flows: the first accepted packet makes a session's media seen. */
void rtpp_media_drain_flows_locked(struct rtpp_dataplane *dp)
{
	struct rtpp_flow_event ev[64];
	unsigned int n;

	while ((n = rte_ring_sc_dequeue_burst_elem(dp->event_ring, ev, sizeof(ev[0]), RTE_DIM(ev),
						   NULL)) > 0) {
		for (unsigned int i = 0; i < n; i++) {
			uint32_t index = rtpp_flow_session(ev[i].flow);
			enum rtpp_session_state state = rtpp_session_state(dp->sessions, index);
			struct rtpp_session_info *info;

			/* A session destroyed since (or with media already) needs nothing. */
			if (state == RTPP_SESSION_FREE || state == RTPP_SESSION_CLOSED)
				continue;
			info = rtpp_session_info_mut(dp->sessions, index);
			/* Nor does a later session in the slot of the one the packet was for. */
			if (info->id != ev[i].session_id || info->media_seen)
				continue;
			info->media_seen = true;
			rtpp_media_restate_locked(dp, index);
		}
	}
}

/* ------------------------------------------------------------------ latching */

static const char *const leg_names[RTPP_LEGS_PER_SESSION] = { "leg A", "leg B" };

/* Move leg's remote to src: a first latch, or a NAT rebinding followed. */
static void latch(struct rtpp_dataplane *dp, uint32_t index, unsigned int legno,
		  const struct rtpp_latch_candidate *c, bool relatch, uint64_t now_tsc)
{
	const struct rtpp_session *s = rtpp_session_get(dp->sessions, index);
	const struct rtpp_leg *leg = &s->leg[legno];
	struct rtpp_session_info *info = rtpp_session_info_mut(dp->sessions, index);
	const struct rtpp_leg_learn *learn = &rtpp_session_learn_array(
		dp->sessions)[index * RTPP_LEGS_PER_SESSION + legno];
	struct rtpp_leg v = *leg;
	struct rtpp_addr nh;
	char why[160], shown[RTPP_ENDPOINT_STRLEN];
	uint32_t neigh, old_neigh = leg->neigh;

	/* A learnt remote is a remote like any other: policy and route apply. */
	if (rtpp_admission_remote(&dp->admission, leg_names[legno], &c->src, &leg->local,
				  leg->iface, &nh, why, sizeof(why)) != 0) {
		/* Counted; logged at DEBUG only: a sender can repeat it every millisecond. */
		dp->latch_refused++;
		DP_LOG(DEBUG, "session %" PRIu64 ": not latched: %s\n", info->id, why);
		return;
	}
	neigh = rtpp_neigh_ref(dp->neigh, leg->iface, &nh);
	if (neigh == RTPP_NEIGH_NONE) {
		dp->latch_refused++;
		return;
	}
	/*
	 * The packet came through the next hop back: its MAC is the best guess
	 * until ARP / ND answers, and it lets the first packets of the other
	 * direction leave at once instead of waiting for a probe.
	 */
	if (rtpp_neigh_mac(rtpp_neigh_entries(dp->neigh), neigh) == NULL) {
		struct rtpp_neigh_learn l = { .iface = leg->iface, .mac = c->mac, .addr = nh };

		rtpp_neigh_learn(dp->neigh, &l, now_tsc);
	}
	v.remote = c->src;
	v.rtcp_port = (uint16_t)(c->src.port + 1);
	v.flags &= (uint8_t)~RTPP_LEG_F_RTCP_CONFIRMED;
	v.learning = RTPP_LEARN_LATCHED;
	v.ssrc = c->ssrc;
	v.neigh = neigh;
	rtpp_session_leg_update(dp->sessions, index, legno, &v, learn);
	/*
	 * The old remote's next hop reference goes. A worker that read the leg
	 * a moment ago may still use that entry for one packet: entries live in
	 * a fixed array, and at worst that packet leaves toward the old MAC.
	 */
	if (old_neigh != RTPP_NEIGH_NONE)
		rtpp_neigh_unref(dp->neigh, old_neigh);
	/* The latch came from an accepted packet: the session has media. */
	info->media_seen = true;
	if (relatch)
		info->relatches[legno]++;
	info->latched_ns[legno] = realtime_ns();
	if (relatch)
		dp->relatches++;
	else
		dp->latches++;
	DP_LOG(INFO, "session %" PRIu64 ": %s %s %s (SSRC %08x)\n", info->id, leg_names[legno],
	       relatch ? "re-latched to" : "latched",
	       rtpp_endpoint_format(&c->src, shown, sizeof(shown)), c->ssrc);
	rtpp_neigh_service_probe_new_locked(dp, neigh);
	rtpp_events_emit_latched_locked(dp, index, legno, relatch);
	rtpp_media_restate_locked(dp, index);
}

static void confirm_rtcp_port(struct rtpp_dataplane *dp, uint32_t index, unsigned int legno,
			      const struct rtpp_latch_candidate *c)
{
	const struct rtpp_leg *leg = &rtpp_session_get(dp->sessions, index)->leg[legno];
	struct rtpp_leg v = *leg;

	if ((leg->flags & RTPP_LEG_F_RTCP_CONFIRMED) || !leg_knows_remote(leg) ||
	    !rtpp_addr_equal(&leg->remote.addr, &c->src.addr))
		return;
	v.rtcp_port = c->src.port;
	v.flags |= RTPP_LEG_F_RTCP_CONFIRMED;
	rtpp_session_leg_update(dp->sessions, index, legno, &v,
				&rtpp_session_learn_array(
					dp->sessions)[index * RTPP_LEGS_PER_SESSION + legno]);
}

static void decide(struct rtpp_dataplane *dp, const struct rtpp_latch_candidate *c)
{
	uint32_t index = rtpp_flow_session(c->flow);
	unsigned int legno = rtpp_flow_leg(c->flow);
	enum rtpp_session_state state = rtpp_session_state(dp->sessions, index);
	const struct rtpp_session_info *info = rtpp_session_get_info(dp->sessions, index);
	const struct rtpp_leg *leg;
	const struct rtpp_leg_learn *learn;

	if (state == RTPP_SESSION_FREE || state == RTPP_SESSION_CLOSED)
		return;
	leg = &rtpp_session_get(dp->sessions, index)->leg[legno];
	/* A leg changed after the worker judged (latched, updated): its view is stale. */
	if (__atomic_load_n(&rtpp_session_paths(dp->sessions)[index * RTPP_LEGS_PER_SESSION + legno]
				     .seq.sn,
			    __ATOMIC_RELAXED) != c->path_seq)
		return;
	if (rtpp_flow_rtcp(c->flow)) {
		confirm_rtcp_port(dp, index, legno, c);
		return;
	}
	learn = &rtpp_session_learn_array(dp->sessions)[index * RTPP_LEGS_PER_SESSION + legno];
	switch (leg->learning) {
	case RTPP_LEARN_EXPECTED:
		if (rtpp_addr_equal(&learn->expected, &c->src.addr))
			latch(dp, index, legno, c, false, c->tsc);
		break;
	case RTPP_LEARN_OPEN:
		if (learn->window_end_tsc == 0 || c->tsc < learn->window_end_tsc)
			latch(dp, index, legno, c, false, c->tsc);
		break;
	case RTPP_LEARN_LATCHED: {
		/* A NAT rebinding: the latched SSRC, and the latched source silent long enough. */
		uint64_t last = rtpp_session_last_rx_tsc(dp->sessions, index, (int)(legno * 2));
		uint64_t silence = c->tsc > last ? c->tsc - last : 0;

		if (c->ssrc != 0 && c->ssrc == leg->ssrc &&
		    silence >= ms_to_tsc(info->media.relatch_silence_ms) &&
		    (learn->expected.family == RTPP_AF_NONE ||
		     rtpp_addr_equal(&learn->expected, &c->src.addr)))
			latch(dp, index, legno, c, true, c->tsc);
		break;
	}
	default:
		break;
	}
}

void rtpp_media_drain_candidates_locked(struct rtpp_dataplane *dp)
{
	struct rtpp_latch_candidate c[32];
	unsigned int n;

	while ((n = rte_ring_sc_dequeue_burst_elem(dp->latch_ring, c, sizeof(c[0]), RTE_DIM(c),
						   NULL)) > 0)
		for (unsigned int i = 0; i < n; i++)
			decide(dp, &c[i]);
}

/* ------------------------------------------------------------------ sweep */

/*
 * A leg whose window closed with nothing learnt is an error until the
 * control plane reopens learning or gives the remote. Set again by every
 * sweep, so that an error that hid it, or an update that cleared it without
 * reopening learning, does not leave the session looking merely CONNECTING.
 */
static void learning_error(struct rtpp_dataplane *dp, uint32_t index, unsigned int legno)
{
	const struct rtpp_session_info *info = rtpp_session_get_info(dp->sessions, index);
	char why[128];

	if (info->error_kind != RTPP_SESSION_ERR_NONE)
		return;
	snprintf(why, sizeof(why),
		 "%s: no media to learn the remote from within the learning window (%u ms)",
		 leg_names[legno], info->media.learning_window_ms);
	set_error(dp, index, legno, RTPP_SESSION_ERR_LEARNING, why);
}

/* A learning window that passed: no unannounced source may latch any more. */
static void close_window(struct rtpp_dataplane *dp, uint32_t index, unsigned int legno)
{
	const struct rtpp_leg *leg = &rtpp_session_get(dp->sessions, index)->leg[legno];
	struct rtpp_leg_learn learn = rtpp_session_learn_array(
		dp->sessions)[index * RTPP_LEGS_PER_SESSION + legno];
	struct rtpp_leg v = *leg;

	v.learning = RTPP_LEARN_CLOSED;
	learn.window_end_tsc = 0;
	rtpp_session_leg_update(dp->sessions, index, legno, &v, &learn);
	learning_error(dp, index, legno);
}

static void check_next_hop(struct rtpp_dataplane *dp, uint32_t index, unsigned int legno,
			   uint64_t now_tsc)
{
	const struct rtpp_leg *leg = &rtpp_session_get(dp->sessions, index)->leg[legno];
	struct rtpp_session_info *info = rtpp_session_info_mut(dp->sessions, index);
	const struct rtpp_neigh_entry *e;

	if (leg->neigh == RTPP_NEIGH_NONE)
		return;
	e = &rtpp_neigh_entries(dp->neigh)[leg->neigh];
	if (rtpp_neigh_mac(rtpp_neigh_entries(dp->neigh), leg->neigh) != NULL) {
		info->unresolved_tsc[legno] = 0;
		clear_error(dp, index, legno, RTPP_SESSION_ERR_NEXT_HOP);
		return;
	}
	if (info->unresolved_tsc[legno] == 0) {
		info->unresolved_tsc[legno] = now_tsc;
	} else if (now_tsc - info->unresolved_tsc[legno] >= ms_to_tsc(NEXT_HOP_GRACE_MS)) {
		char why[128], addr[RTPP_ADDR_STRLEN];
		const struct rtpp_iface_config *ifc = dp->ifaces[leg->iface].cfg;

		snprintf(why, sizeof(why), "%s: next hop %s on %s does not answer %s",
			 leg_names[legno], rtpp_addr_format(&e->addr, addr, sizeof(addr)),
			 ifc != NULL ? ifc->name : "?",
			 e->addr.family == RTPP_AF_INET ? "ARP" : "neighbour solicitations");
		set_error(dp, index, legno, RTPP_SESSION_ERR_NEXT_HOP, why);
	}
}

/* One session's timers; true when it was closed. */
static bool sweep_one(struct rtpp_dataplane *dp, uint32_t index, uint64_t now_tsc)
{
	const struct rtpp_session_info *info = rtpp_session_get_info(dp->sessions, index);
	const struct rtpp_session *s = rtpp_session_get(dp->sessions, index);
	const struct rtpp_media_options *m = &info->media;
	uint64_t last = rtpp_session_last_rx_tsc(dp->sessions, index, -1);

	if (info->protocol == RTPP_PROTO_TCP) {
		enum rtpp_close_reason why = rtpp_tcp_session_expiry_locked(dp, index, now_tsc);

		if (why == RTPP_CLOSE_NONE)
			return false;
		DP_LOG(INFO, "session %" PRIu64 " (tcp) expired (%s)\n", info->id,
		       rtpp_dataplane_close_reason_name(why));
		rtpp_media_close_locked(dp, index, why, NULL);
		return true;
	}

	/* Media flows but its first-packet event was lost to a full ring: the counters tell. */
	if (last != 0 && !info->media_seen) {
		rtpp_session_info_mut(dp->sessions, index)->media_seen = true;
		rtpp_media_restate_locked(dp, index);
	}
	if (!info->is_static) {
		enum rtpp_close_reason reason = RTPP_CLOSE_NONE;

		if (m->max_lifetime_s != 0 &&
		    now_tsc - info->created_tsc >= ms_to_tsc(m->max_lifetime_s * 1000ull))
			reason = RTPP_CLOSE_LIFETIME;
		else if (last == 0 && m->first_media_timeout_s != 0 &&
			 now_tsc - info->created_tsc >= ms_to_tsc(m->first_media_timeout_s * 1000ull))
			reason = RTPP_CLOSE_NO_MEDIA;
		else if (last != 0 && m->inactivity_timeout_s != 0 && now_tsc > last &&
			 now_tsc - last >= ms_to_tsc(m->inactivity_timeout_s * 1000ull))
			reason = RTPP_CLOSE_INACTIVITY;
		if (reason != RTPP_CLOSE_NONE) {
			DP_LOG(INFO, "session %" PRIu64 " expired (%s)\n", info->id,
			       rtpp_dataplane_close_reason_name(reason));
			rtpp_media_close_locked(dp, index, reason, NULL);
			return true;
		}
	}
	for (unsigned int l = 0; l < RTPP_LEGS_PER_SESSION; l++) {
		const struct rtpp_leg_learn *learn = &rtpp_session_learn_array(
			dp->sessions)[index * RTPP_LEGS_PER_SESSION + l];

		if (s->leg[l].learning == RTPP_LEARN_OPEN && learn->window_end_tsc != 0 &&
		    now_tsc >= learn->window_end_tsc)
			close_window(dp, index, l);
		else if (s->leg[l].learning == RTPP_LEARN_CLOSED)
			learning_error(dp, index, l); /* again, if another error hid it */
		check_next_hop(dp, index, l, now_tsc);
	}
	return false;
}

void rtpp_media_sweep_locked(struct rtpp_dataplane *dp, uint64_t now_tsc)
{
	uint32_t capacity = rtpp_session_capacity(dp->sessions);
	uint32_t index = dp->sweep_cursor, end;
	unsigned int sessions = 0;

	if (now_tsc < dp->next_sweep_tsc)
		return;
	dp->next_sweep_tsc = now_tsc + ms_to_tsc(SWEEP_PERIOD_MS);
	/* Slots visited, not only sessions found, bound the work: a sparse table is cheap too. */
	end = RTE_MIN(capacity, index + SWEEP_SLOTS);
	for (; index < end && sessions < SWEEP_SESSIONS; index++) {
		enum rtpp_session_state st = rtpp_session_state(dp->sessions, index);

		if (st == RTPP_SESSION_FREE || st == RTPP_SESSION_CLOSED)
			continue;
		sweep_one(dp, index, now_tsc);
		sessions++;
	}
	dp->sweep_cursor = index >= capacity ? 0 : index;
}
