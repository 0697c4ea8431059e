/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the data plane reports: session status, interfaces, workers, next
 * hops. Counters are summed over the workers' own copies without locks (see
 * rtpp_stats.h); the tables are read under dp->lock.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_mempool.h>

#include "dataplane_private.h"
#include "host_drops_private.h"
#include "views_private.h"
#include "worker_private.h"

/* TSC to Unix milliseconds (0 stays 0: "never"). */
static uint64_t tsc_to_unix_ms(const struct rtpp_dataplane *dp, uint64_t tsc)
{
	if (tsc == 0)
		return 0;
	int64_t delta_ns = (int64_t)((double)((int64_t)(tsc - dp->clock_base_tsc)) * 1e9 /
				     (double)rte_get_tsc_hz());
	return (uint64_t)((int64_t)dp->clock_base_unix_ns + delta_ns) / 1000000u;
}

static double tsc_to_ms(uint64_t tsc)
{
	return (double)tsc * 1e3 / (double)rte_get_tsc_hz();
}

/* What RTCP says of a leg's remote, summed over workers. */
static void leg_quality(const struct rtpp_dataplane *dp, uint32_t index, unsigned int leg,
			struct rtpp_leg_quality *q)
{
	struct rtpp_rtcp_summary r;

	rtpp_session_leg_rtcp(dp->sessions, index, leg, &r);
	q->rtt_samples = r.rtt_count;
	q->rtt_avg_ms = r.rtt_count ? tsc_to_ms(r.rtt_sum_tsc) / r.rtt_count : 0.0;
	q->rtt_last_ms = tsc_to_ms(r.rtt_last_tsc);
	q->has_report = r.has_report;
	q->reported_cumulative_lost = r.report_cumulative_lost;
	q->reported_fraction_lost = r.report_fraction_lost / 256.0;
}

static void direction_to_flow(const struct rtpp_tcp_direction *d, bool framed,
			      struct rtpp_flow_stats *f)
{
	f->rx_bytes = d->bytes;
	f->tx_bytes = d->bytes_sent;
	f->tcp_segments_in = d->segments_in;
	f->tcp_segments_out = d->segments_out;
	/* Packets: the RTP/RTCP packets of an RFC 4571 stream, else TCP's segments. */
	f->rx_packets = framed ? d->frames : d->segments_in;
	f->tx_packets = framed ? d->frames : d->segments_out;
	f->rtp_lost = d->rtp_lost;
}

/* A TCP session's connection, counters and refusals, from the relay. */
static void tcp_session_status_locked(struct rtpp_dataplane *dp, uint32_t index,
				      struct rtpp_session_status *out)
{
	const struct rtpp_session_info *info = rtpp_session_get_info(dp->sessions, index);
	struct rtpp_tcp_status t;
	uint64_t last_ns;

	out->protocol = RTPP_PROTO_TCP;
	out->rfc4571 = info->rfc4571;
	out->rtcp = false;
	if (dp->tcp == NULL || rtpp_tcp_relay_status(dp->tcp, info->id, &t) != 0)
		return;
	if (t.client.addr.family != RTPP_AF_NONE)
		out->source = t.client; /* leg A's remote: who connected */
	direction_to_flow(&t.a_to_b, info->rfc4571, &out->flows[RTPP_FLOW_A_TO_B]);
	direction_to_flow(&t.b_to_a, info->rfc4571, &out->flows[RTPP_FLOW_B_TO_A]);
	out->last_rx_unix_ms[RTPP_FLOW_A_TO_B] = t.a_to_b.last_ns / 1000000u;
	out->last_rx_unix_ms[RTPP_FLOW_B_TO_A] = t.b_to_a.last_ns / 1000000u;
	out->connections_refused = t.connections_refused;
	last_ns = t.a_to_b.last_ns > t.b_to_a.last_ns ? t.a_to_b.last_ns : t.b_to_a.last_ns;
	if (last_ns == 0)
		last_ns = info->created_ns;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	uint64_t now_ns = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
	out->idle_ms = now_ns > last_ns ? (now_ns - last_ns) / 1000000u : 0;
}

void rtpp_views_session_status_locked(struct rtpp_dataplane *dp, uint32_t index,
				      struct rtpp_session_status *out)
{
	const struct rtpp_session *s = rtpp_session_get(dp->sessions, index);
	const struct rtpp_session_info *info = rtpp_session_get_info(dp->sessions, index);
	uint64_t last_rx_tsc = 0, now = rte_rdtsc();

	memset(out, 0, sizeof(*out));
	out->id = info->id;
	snprintf(out->name, sizeof(out->name), "%s", info->name);
	out->state = info->state;
	out->is_static = info->is_static;
	out->rtcp = info->rtcp;
	out->created_unix_ms = info->created_ns / 1000000u;
	out->listen = s->leg[RTPP_LEG_A].local;
	out->source = s->leg[RTPP_LEG_A].remote;
	out->forward = s->leg[RTPP_LEG_B].local;
	out->destination = s->leg[RTPP_LEG_B].remote;
	out->iface_a = s->leg[RTPP_LEG_A].iface;
	out->iface_b = s->leg[RTPP_LEG_B].iface;
	for (unsigned int f = 0; f < RTPP_FLOWS_PER_SESSION; f++) {
		rtpp_session_flow_counters(dp->sessions, index, f, &out->flows[f]);
		out->last_rx_unix_ms[f] = tsc_to_unix_ms(dp, out->flows[f].last_rx_tsc);
		if (out->flows[f].last_rx_tsc > last_rx_tsc)
			last_rx_tsc = out->flows[f].last_rx_tsc;
	}
	for (unsigned int leg = 0; leg < RTPP_LEGS_PER_SESSION; leg++) {
		const struct rtpp_leg *l = &s->leg[leg];
		const struct rtpp_leg_learn *learn = &rtpp_session_learn_array(
			dp->sessions)[index * RTPP_LEGS_PER_SESSION + leg];
		struct rtpp_leg_state *ls = &out->leg_state[leg];

		leg_quality(dp, index, leg, &out->legs[leg]);
		ls->learning = (enum rtpp_leg_learning)l->learning;
		ls->expected = learn->expected;
		ls->paused = (l->flags & RTPP_LEG_F_PAUSED) != 0;
		ls->rtcp_port = l->remote.addr.family != RTPP_AF_NONE ? l->rtcp_port : 0;
		ls->ssrc = l->ssrc;
		ls->relatches = info->relatches[leg];
		ls->latched_unix_ms = info->latched_ns[leg] / 1000000u;
	}
	for (unsigned int f = 0; f < RTPP_FLOWS_PER_SESSION; f++) {
		struct rtpp_flow_stats *fs = &out->flows[f];
		uint32_t rate = rtpp_rtp_static_clock_rate(fs->jitter_pt);

		if (fs->jitter_pt >= RTPP_RTP_PT_DYNAMIC)
			rate = info->media.clock_rate;
		fs->jitter_ms = rtpp_rtp_jitter16_ms(fs->jitter_units16, rate);
	}
	out->media = info->media;
	out->close_reason = info->close_reason;
	snprintf(out->error, sizeof(out->error), "%s", info->error);
	uint64_t since = last_rx_tsc ? last_rx_tsc : info->created_tsc;
	out->idle_ms = now > since ? (now - since) * 1000 / rte_get_tsc_hz() : 0;
	out->protocol = info->protocol;
	if (info->protocol == RTPP_PROTO_TCP)
		tcp_session_status_locked(dp, index, out);
}

int rtpp_dataplane_session_status(struct rtpp_dataplane *dp, uint64_t id,
				  struct rtpp_session_status *out)
{
	int rc = -ENOENT;

	pthread_mutex_lock(&dp->lock);
	uint32_t index = rtpp_session_find(dp->sessions, id);
	if (index != RTPP_SESSION_INVALID) {
		rtpp_views_session_status_locked(dp, index, out);
		rc = 0;
	}
	pthread_mutex_unlock(&dp->lock);
	return rc;
}

static bool matches_locked(const struct rtpp_dataplane *dp, uint32_t index,
			   const struct rtpp_session_filter *f)
{
	const struct rtpp_session *s = rtpp_session_get(dp->sessions, index);

	if (f == NULL)
		return true;
	if (f->none)
		return false;
	if (f->state != RTPP_SESSION_FREE &&
	    rtpp_session_get_info(dp->sessions, index)->state != f->state)
		return false;
	if (f->protocol != 0 && rtpp_session_get_info(dp->sessions, index)->protocol != f->protocol)
		return false;
	return f->iface < 0 || s->leg[RTPP_LEG_A].iface == f->iface ||
	       s->leg[RTPP_LEG_B].iface == f->iface;
}

/*
 * One call looks at list_scan_slots slots at most, whatever the filter: a
 * filter that matches nothing in a large table would otherwise hold the
 * data plane's lock (neighbour learning, latching, reclaim) for the whole
 * table, and a client could repeat it. A page may so come back short, even
 * empty, with a cursor that is not the end: paging goes on from it.
 *
 * take() is called, under the lock, for each live session from *cursor on
 * that filter (when given) matches, at most max times; *cursor says where
 * the next page starts, UINT32_MAX at the end of the table.
 */
struct session_scan {
	const struct rtpp_session_filter *filter; /* NULL: every session */
	void (*take)(struct rtpp_dataplane *dp, uint32_t index, unsigned int n, void *ctx);
	void *ctx;
};

static unsigned int scan_sessions(struct rtpp_dataplane *dp, uint32_t *cursor, unsigned int max,
				  const struct session_scan *scan)
{
	unsigned int n = 0;
	uint32_t index = *cursor;

	if (index == UINT32_MAX)
		return 0;
	pthread_mutex_lock(&dp->lock);
	uint32_t capacity = rtpp_session_capacity(dp->sessions);
	uint32_t end = (uint32_t)RTE_MIN((uint64_t)index + dp->list_scan_slots, (uint64_t)capacity);
	bool more = false;

	while (rtpp_session_next_before(dp->sessions, &index, end)) {
		if (matches_locked(dp, index, scan->filter)) {
			if (n == max) {
				more = true; /* the next page starts here */
				break;
			}
			scan->take(dp, index, n++, scan->ctx);
		}
		index++;
	}
	/* Slots are left unseen unless the scan reached the end of the table. */
	*cursor = more || index < capacity ? index : UINT32_MAX;
	pthread_mutex_unlock(&dp->lock);
	return n;
}

static void take_status(struct rtpp_dataplane *dp, uint32_t index, unsigned int n, void *ctx)
{
	rtpp_views_session_status_locked(dp, index, &((struct rtpp_session_status *)ctx)[n]);
}

static void take_id(struct rtpp_dataplane *dp, uint32_t index, unsigned int n, void *ctx)
{
	((uint64_t *)ctx)[n] = rtpp_session_get_info(dp->sessions, index)->id;
}

unsigned int rtpp_dataplane_session_list(struct rtpp_dataplane *dp,
					 const struct rtpp_session_filter *filter, uint32_t *cursor,
					 struct rtpp_session_status *out, unsigned int max)
{
	const struct session_scan scan = { .filter = filter, .take = take_status, .ctx = out };

	return scan_sessions(dp, cursor, max, &scan);
}

unsigned int rtpp_dataplane_session_ids(struct rtpp_dataplane *dp, uint32_t *cursor, uint64_t *ids,
					unsigned int max)
{
	const struct session_scan scan = { .filter = NULL, .take = take_id, .ctx = ids };

	return scan_sessions(dp, cursor, max, &scan);
}

uint32_t rtpp_dataplane_session_count(struct rtpp_dataplane *dp)
{
	pthread_mutex_lock(&dp->lock);
	uint32_t n = rtpp_session_count(dp->sessions);
	pthread_mutex_unlock(&dp->lock);
	return n;
}

int rtpp_dataplane_iface_index(const struct rtpp_dataplane *dp, const char *name)
{
	for (unsigned int i = 0; i < dp->n_ifaces; i++)
		if (dp->ifaces[i].cfg != NULL && strcmp(dp->ifaces[i].cfg->name, name) == 0)
			return (int)i;
	return -1;
}

void rtpp_dataplane_info(struct rtpp_dataplane *dp, struct rtpp_dataplane_info *out)
{
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&dp->lock);
	out->running = dp->started;
	out->workers = dp->n_workers;
	out->interfaces = dp->n_ifaces;
	out->sessions = rtpp_session_count(dp->sessions);
	out->max_sessions = rtpp_session_capacity(dp->sessions);
	out->neighbours = rtpp_neigh_count(dp->neigh);
	out->tsc_hz = rte_get_tsc_hz();
	out->uptime_tsc = dp->started ? rte_rdtsc() - dp->started_tsc : 0;
	out->uptime_s = out->uptime_tsc / out->tsc_hz;
	out->mbufs_free = dp->pool != NULL ? rte_mempool_avail_count(dp->pool) : 0;
	out->mbufs_total = dp->pool != NULL ? dp->pool->size : 0;
	out->event_ring_used = dp->event_ring != NULL ? rte_ring_count(dp->event_ring) : 0;
	out->event_ring_size = dp->event_ring != NULL ? rte_ring_get_capacity(dp->event_ring) : 0;
	out->latch_ring_used = dp->latch_ring != NULL ? rte_ring_count(dp->latch_ring) : 0;
	out->latch_ring_size = dp->latch_ring != NULL ? rte_ring_get_capacity(dp->latch_ring) : 0;
	out->learn_ring_used = dp->learn_ring != NULL ? rte_ring_count(dp->learn_ring) : 0;
	out->learn_ring_size = dp->learn_ring != NULL ? rte_ring_get_capacity(dp->learn_ring) : 0;
	out->events_lost = __atomic_load_n(&dp->events_lost, __ATOMIC_RELAXED);
	out->latches = dp->latches;
	out->relatches = dp->relatches;
	out->latch_refused = dp->latch_refused;
	memcpy(out->sessions_in_state, dp->sessions_in_state, sizeof(out->sessions_in_state));
	if (dp->tcp != NULL) { /* dp's lock, then the relay's: the order views take them */
		struct rtpp_tcp_relay_stats ts;

		rtpp_tcp_relay_stats(dp->tcp, &ts);
		out->tcp_connections = ts.connections;
		out->tcp_buffered_bytes = ts.buffered_bytes;
		out->tcp_accepted = ts.accepted;
		out->tcp_refused = ts.refused;
	}
	out->sessions_created = dp->sessions_created;
	memcpy(out->sessions_closed, dp->sessions_closed, sizeof(out->sessions_closed));
	struct rtpp_neigh_stats ns;

	rtpp_neigh_get_stats(dp->neigh, &ns);
	out->neigh_updates = ns.updates;
	out->neigh_refused_locked = ns.refused_locked;
	out->neigh_refused_no_override = ns.refused_no_override;
	pthread_mutex_unlock(&dp->lock);
}

int rtpp_dataplane_iface_view(struct rtpp_dataplane *dp, unsigned int iface,
			      struct rtpp_iface_view *out)
{
	const struct rtpp_dataplane_iface *ifc;

	if (iface >= dp->n_ifaces)
		return -ENOENT;
	ifc = &dp->ifaces[iface];
	memset(out, 0, sizeof(*out));
	out->name = ifc->cfg != NULL ? ifc->cfg->name : "";
	out->port_id = ifc->port_id;
	out->has_tap = ifc->has_tap;
	out->tap_port_id = ifc->tap_port_id;
	/* Each worker's counters are an allocation of their own: add them copy by copy. */
	for (uint16_t w = 0; w < dp->n_workers; w++)
		for (unsigned int f = 0; f < rtpp_iface_counter_nfields; f++) {
			size_t off = rtpp_iface_counter_fields[f].offset;

			*(uint64_t *)((uint8_t *)&out->counters + off) +=
				rtpp_counter_read(&dp->workers[w]->iface_counters[iface], off);
		}
	pthread_mutex_lock(&dp->lock); /* the pools are the main lcore's */
	out->has_media_ports = dp->admission.pools[iface] != NULL;
	if (out->has_media_ports)
		out->media_ports_free = rtpp_port_pool_free_count(dp->admission.pools[iface]);
	pthread_mutex_unlock(&dp->lock);
	/* Not under dp->lock: it reads the kernel, under a lock of its own. */
	rtpp_host_drops_read(dp->host_drops, iface, &out->host_drops, &out->host_ring_sockets);
	return 0;
}

int rtpp_dataplane_worker_view(struct rtpp_dataplane *dp, unsigned int worker,
			       struct rtpp_worker_view *out)
{
	const struct rtpp_worker *w;

	if (worker >= dp->n_workers)
		return -ENOENT;
	w = dp->workers[worker];
	out->id = w->id;
	out->lcore = w->lcore;
	out->queues = w->n_rxq;
	out->loops = __atomic_load_n(&w->loops, __ATOMIC_RELAXED);
	out->idle_sleeps = __atomic_load_n(&w->sleeps, __ATOMIC_RELAXED);
	out->busy_cycles = __atomic_load_n(&w->busy_tsc, __ATOMIC_RELAXED);
	out->rx_bursts = __atomic_load_n(&w->rx_bursts, __ATOMIC_RELAXED);
	out->rx_burst_packets = __atomic_load_n(&w->rx_burst_packets, __ATOMIC_RELAXED);
	out->full_bursts = __atomic_load_n(&w->full_bursts, __ATOMIC_RELAXED);
	out->burst_size = w->dp->burst;
	return 0;
}

struct neigh_walk {
	const struct rtpp_dataplane *dp;
	rtpp_neigh_view_fn fn;
	void *ctx;
};

static void neigh_one(void *arg, uint32_t index, const struct rtpp_neigh_entry *e)
{
	const struct neigh_walk *walk = arg;
	const struct rtpp_dataplane_iface *ifc = &walk->dp->ifaces[e->iface];
	struct rtpp_neigh_view v = {
		.iface = ifc->cfg != NULL ? ifc->cfg->name : "",
		.addr = e->addr,
		.usable = e->usable,
		.state = rtpp_neigh_state_name(e->state),
		.sessions = e->refcnt,
	};

	RTE_SET_USED(index);
	if (v.usable)
		memcpy(v.mac, e->mac.addr_bytes, sizeof(v.mac));
	walk->fn(walk->ctx, &v);
}

void rtpp_dataplane_neigh_walk(struct rtpp_dataplane *dp, rtpp_neigh_view_fn fn, void *ctx)
{
	struct neigh_walk walk = { .dp = dp, .fn = fn, .ctx = ctx };

	pthread_mutex_lock(&dp->lock);
	rtpp_neigh_walk(dp->neigh, neigh_one, &walk);
	pthread_mutex_unlock(&dp->lock);
}

const char *rtpp_dataplane_state_name(enum rtpp_session_state state)
{
	return rtpp_session_state_name(state);
}

const char *rtpp_dataplane_close_reason_name(enum rtpp_close_reason reason)
{
	static const char *const names[] = {
		[RTPP_CLOSE_NONE] = "none",
		[RTPP_CLOSE_DESTROYED] = "destroyed",
		[RTPP_CLOSE_INACTIVITY] = "inactivity",
		[RTPP_CLOSE_NO_MEDIA] = "no_media",
		[RTPP_CLOSE_LIFETIME] = "lifetime",
		[RTPP_CLOSE_ENDED] = "ended",
	};

	return (unsigned int)reason < RTE_DIM(names) ? names[reason] : "unknown";
}

const char *rtpp_dataplane_learning_name(enum rtpp_leg_learning learning)
{
	static const char *const names[] = {
		[RTPP_LEARN_GIVEN] = "given",
		[RTPP_LEARN_OPEN] = "learning",
		[RTPP_LEARN_EXPECTED] = "learning_expected",
		[RTPP_LEARN_LATCHED] = "latched",
		[RTPP_LEARN_CLOSED] = "closed",
	};

	return (unsigned int)learning < RTE_DIM(names) ? names[learning] : "unknown";
}
