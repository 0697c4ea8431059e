/* SPDX-License-Identifier: BSD-3-Clause */
/* Data plane lifecycle and the main lcore's side of it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "dataplane_internal.h"

RTE_LOG_REGISTER(rtpp_logtype_dataplane, rtpproxy.dataplane, INFO);

#define NEIGH_TIMER_PER_S 10
#define LEARN_PER_SERVICE 256

/* What a session holds besides its slot: next-hop references and media ports. */
static void release_session(void *ctx, const struct rtpp_session *s,
			    const struct rtpp_session_info *info)
{
	struct rtpp_dataplane *dp = ctx;

	for (unsigned int l = 0; l < 2; l++) {
		const struct rtpp_leg *leg = &s->leg[l];
		struct rtpp_port_pool *pool = dp->ifaces[leg->iface].media_ports;

		if (leg->neigh != RTPP_NEIGH_NONE)
			rtpp_neigh_unref(dp->neigh, leg->neigh);
		if (pool != NULL && leg->local.port != 0)
			rtpp_port_pool_release(pool, leg->local.port, info->rtcp);
	}
}

/* Media port pools of every configured interface. */
static int create_port_pools(struct rtpp_dataplane *dp, char *err, size_t errlen)
{
	for (unsigned int i = 0; i < dp->n_ifaces; i++) {
		const struct rtpp_iface_config *c = dp->ifaces[i].cfg;

		if (c == NULL)
			continue;
		dp->ifaces[i].media_ports = rtpp_port_pool_create(c->port_min, c->port_max);
		if (dp->ifaces[i].media_ports == NULL) {
			snprintf(err, errlen, "interface %s: cannot hold ports %u-%u", c->name,
				 c->port_min, c->port_max);
			return -1;
		}
	}
	return 0;
}

static struct rtpp_worker *worker_alloc(struct rtpp_dataplane *dp, uint16_t id, unsigned int lcore);

static int assign_workers(struct rtpp_dataplane *dp, char *err, size_t errlen)
{
	unsigned int available = rte_lcore_count() - 1, lcore;
	uint16_t w = 0;

	dp->n_workers = dp->cfg->dataplane.workers ? dp->cfg->dataplane.workers
						   : (uint16_t)RTE_MIN(available, (unsigned int)RTPP_MAX_WORKERS);
	if (dp->n_workers == 0 || dp->n_workers > available) {
		snprintf(err, errlen,
			 "dataplane.workers: %u worker lcores wanted, EAL gives %u besides the main "
			 "lcore (EAL -l 0-N gives N)", dp->n_workers ? dp->n_workers : 1u, available);
		return -1;
	}
	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (w == dp->n_workers)
			break;
		if (worker_alloc(dp, w, lcore) == NULL) {
			snprintf(err, errlen, "cannot set up worker %u: %s", w, rte_strerror(rte_errno));
			return -1;
		}
		w++;
	}
	return 0;
}

/* Which queues each worker polls: data RX queues round robin, TAP queue w to worker w. */
static void assign_queues(struct rtpp_dataplane *dp)
{
	for (unsigned int i = 0; i < dp->n_ifaces; i++) {
		const struct rtpp_dp_iface *ifc = &dp->ifaces[i];

		for (uint16_t q = 0; q < ifc->rx_queues; q++) {
			struct rtpp_worker *w = dp->workers[q % dp->n_workers];

			w->rxq[w->n_rxq++] = (struct rtpp_rxq){ ifc->port_id, q, (uint16_t)i, false };
		}
		for (uint16_t q = 0; ifc->has_tap && q < dp->n_workers; q++) {
			struct rtpp_worker *w = dp->workers[q];

			w->rxq[w->n_rxq++] = (struct rtpp_rxq){ ifc->tap_port_id, q, (uint16_t)i, true };
		}
	}
	for (uint16_t w = 0; w < dp->n_workers; w++) {
		dp->workers[w]->flow_counters = rtpp_session_worker_counters(dp->sessions, w);
		dp->workers[w]->rtcp_state = rtpp_session_worker_rtcp(dp->sessions, w);
	}
}

/* RCU, session table, neighbour table and the learn ring, named uniquely per data plane. */
static int create_tables(struct rtpp_dataplane *dp, uint32_t max_sessions, char *err, size_t errlen)
{
	static unsigned int generation;
	char name[24];

	snprintf(name, sizeof(name), "dp%u", generation++);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	dp->clock_base_tsc = rte_rdtsc();
	dp->clock_base_unix_ns = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
	size_t rcu_size = rte_rcu_qsbr_get_memsize(dp->n_workers);
	dp->rcu = rte_zmalloc("rtpp_rcu", rcu_size, RTE_CACHE_LINE_SIZE);
	if (dp->rcu == NULL || rte_rcu_qsbr_init(dp->rcu, dp->n_workers) != 0) {
		snprintf(err, errlen, "cannot set up RCU for %u workers", dp->n_workers);
		return -1;
	}
	struct rtpp_session_table_params sp = {
		.name = name,
		.max_sessions = max_sessions,
		.n_workers = dp->n_workers,
		.rcu = dp->rcu,
		.socket_id = (int)rte_socket_id(),
	};
	dp->sessions = rtpp_session_table_create(&sp);
	if (dp->sessions == NULL) {
		snprintf(err, errlen, "dataplane.max_sessions: cannot allocate a table for %u sessions "
			 "(%s); give EAL more memory or lower it", max_sessions,
			 rte_strerror(rte_errno));
		return -1;
	}
	rtpp_session_set_release(dp->sessions, release_session, dp);
	/* Every session has at most two remotes; most share a gateway. */
	uint32_t neigh_capacity = RTE_MIN(max_sessions * 2u, 1u << 20);
	dp->neigh = rtpp_neigh_create(name, RTE_MAX(neigh_capacity, 64u), (int)rte_socket_id());
	dp->learn_ring = rte_ring_create_elem(name, sizeof(struct rtpp_neigh_learn),
					      RTPP_LEARN_RING_SIZE, (int)rte_socket_id(),
					      RING_F_SC_DEQ);
	if (dp->neigh == NULL || dp->learn_ring == NULL) {
		snprintf(err, errlen, "cannot allocate the neighbour table: %s",
			 rte_strerror(rte_errno));
		return -1;
	}
	snprintf(name, sizeof(name), "dp%u_ev", generation - 1);
	dp->event_ring = rte_ring_create_elem(name, sizeof(struct rtpp_flow_event),
					      RTPP_EVENT_RING_SIZE, (int)rte_socket_id(),
					      RING_F_SC_DEQ);
	if (dp->event_ring == NULL) {
		snprintf(err, errlen, "cannot allocate the event ring: %s", rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

static struct rtpp_worker *worker_alloc(struct rtpp_dataplane *dp, uint16_t id, unsigned int lcore)
{
	struct rtpp_worker *wk = rte_zmalloc_socket("worker", sizeof(*wk), RTE_CACHE_LINE_SIZE,
						    (int)rte_lcore_to_socket_id(lcore));
	char name[RTE_RING_NAMESIZE];
	static unsigned int generation;

	if (wk == NULL)
		return NULL;
	wk->dp = dp;
	wk->id = id;
	wk->lcore = lcore;
	snprintf(name, sizeof(name), "rtpp_ctrl_%u", generation++);
	wk->ctrl_tx = rte_ring_create(name, RTPP_CTRL_RING_SIZE, (int)rte_lcore_to_socket_id(lcore),
				      RING_F_SP_ENQ | RING_F_SC_DEQ);
	dp->workers[id] = wk;
	return wk->ctrl_tx != NULL ? wk : NULL;
}

struct rtpp_dataplane *rtpp_dataplane_create_detached(const uint16_t *port_ids, unsigned int n_ports,
						      uint32_t max_sessions, uint16_t n_workers,
						      struct rte_mempool *pool,
						      const struct rtpp_config *cfg)
{
	struct rtpp_dataplane *dp = rte_zmalloc("dataplane", sizeof(*dp), RTE_CACHE_LINE_SIZE);
	char err[256];

	if (dp == NULL || n_ports > RTPP_MAX_INTERFACES || n_workers == 0 ||
	    n_workers > RTPP_MAX_WORKERS) {
		rte_free(dp);
		return NULL;
	}
	pthread_mutex_init(&dp->lock, NULL);
	dp->detached = true;
	dp->cfg = cfg;
	dp->burst = 32;
	dp->pool = pool;
	dp->n_ifaces = n_ports;
	dp->n_workers = n_workers;
	for (unsigned int i = 0; i < n_ports; i++) {
		dp->ifaces[i].port_id = port_ids[i];
		dp->ifaces[i].rx_queues = 1;
		dp->ifaces[i].cfg = cfg != NULL && i < cfg->n_ifaces ? &cfg->ifaces[i] : NULL;
		rte_eth_macaddr_get(port_ids[i], &dp->ifaces[i].mac);
	}
	if (create_tables(dp, max_sessions, err, sizeof(err)) != 0 ||
	    create_port_pools(dp, err, sizeof(err)) != 0)
		goto fail;
	for (uint16_t w = 0; w < n_workers; w++)
		if (worker_alloc(dp, w, rte_lcore_id()) == NULL)
			goto fail;
	assign_queues(dp);
	return dp;
fail:
	rtpp_dataplane_destroy(dp);
	return NULL;
}

struct rtpp_dataplane *rtpp_dataplane_create(const struct rtpp_config *cfg, char *err, size_t errlen)
{
	struct rtpp_dataplane *dp = rte_zmalloc("dataplane", sizeof(*dp), RTE_CACHE_LINE_SIZE);

	if (dp == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&dp->lock, NULL);
	dp->cfg = cfg;
	dp->burst = cfg->dataplane.burst ? cfg->dataplane.burst : 32;
	dp->idle_sleep_us = cfg->dataplane.idle_sleep_us;
	if (dp->burst > RTPP_MAX_BURST)
		dp->burst = RTPP_MAX_BURST;
	dp->n_ifaces = cfg->n_ifaces;
	for (unsigned int i = 0; i < cfg->n_ifaces; i++)
		dp->ifaces[i].cfg = &cfg->ifaces[i];

	if (assign_workers(dp, err, errlen) != 0)
		goto fail;

	if (create_tables(dp, cfg->dataplane.max_sessions, err, errlen) != 0 ||
	    create_port_pools(dp, err, errlen) != 0)
		goto fail;
	if (rtpp_ports_setup(dp, err, errlen) != 0)
		goto fail;
	assign_queues(dp);
	return dp;
fail:
	rtpp_dataplane_destroy(dp);
	return NULL;
}

int rtpp_dataplane_start(struct rtpp_dataplane *dp, char *err, size_t errlen)
{
	for (uint16_t w = 0; w < dp->n_workers; w++) {
		int rc = rte_eal_remote_launch(rtpp_worker_main, dp->workers[w], dp->workers[w]->lcore);

		if (rc != 0) {
			snprintf(err, errlen, "cannot launch worker %u on lcore %u: %s", w,
				 dp->workers[w]->lcore, rte_strerror(-rc));
			__atomic_store_n(&dp->stop, 1, __ATOMIC_RELEASE);
			rte_eal_mp_wait_lcore();
			return -1;
		}
	}
	dp->started = true;
	dp->started_tsc = rte_rdtsc();
	return 0;
}

static const struct rtpp_addr *probe_source(const struct rtpp_iface_config *ifc,
					    const struct rtpp_addr *target)
{
	const struct rtpp_addr *any = NULL;

	for (unsigned int a = 0; a < ifc->n_addrs; a++) {
		if (ifc->addrs[a].addr.family != target->family)
			continue;
		if (rtpp_prefix_contains(&ifc->addrs[a], target))
			return &ifc->addrs[a].addr;
		if (any == NULL)
			any = &ifc->addrs[a].addr;
	}
	return any;
}

static void send_probe(void *ctx, const struct rtpp_neigh_entry *e)
{
	struct rtpp_dataplane *dp = ctx;
	const struct rtpp_dp_iface *ifc = &dp->ifaces[e->iface];
	const struct rtpp_addr *src = ifc->cfg ? probe_source(ifc->cfg, &e->addr) : NULL;
	struct rte_mbuf *m;

	if (src == NULL || (m = rte_pktmbuf_alloc(dp->pool)) == NULL)
		return;
	if (rtpp_neigh_build_probe(m, &ifc->mac, src, &e->addr) != 0) {
		rte_pktmbuf_free(m);
		return;
	}
	m->port = e->iface;
	/* Spread probes over the workers' TX queues; a full ring loses this probe only. */
	if (rte_ring_sp_enqueue(dp->workers[e->iface % dp->n_workers]->ctrl_tx, m) != 0)
		rte_pktmbuf_free(m);
}

static void fill_status(struct rtpp_dataplane *dp, uint32_t index, struct rtpp_session_status *out);

/* Report an event with a session's status (caller holds the lock). */
static void emit_status(struct rtpp_dataplane *dp, enum rtpp_session_event_type type,
			struct rtpp_session_status *st, uint8_t old_state, uint8_t new_state)
{
	st->state = new_state;
	const struct rtpp_session_event ev = {
		.type = type, .session_id = st->id, .old_state = old_state, .new_state = new_state,
		.status = st,
	};
	dp->event_fn(dp->event_ctx, &ev);
}

/*
 * Report an event about a live session (caller holds the lock). The status
 * snapshot is built only when someone listens (the API registers its handler
 * only while it has subscribers): it was a few % of every create/destroy.
 */
static void emit(struct rtpp_dataplane *dp, enum rtpp_session_event_type type, uint32_t index,
		 uint8_t old_state, uint8_t new_state)
{
	struct rtpp_session_status st;

	if (dp->event_fn == NULL)
		return;
	fill_status(dp, index, &st);
	emit_status(dp, type, &st, old_state, new_state);
}

void rtpp_dataplane_set_event_handler(struct rtpp_dataplane *dp, rtpp_session_event_fn fn,
				      void *ctx)
{
	pthread_mutex_lock(&dp->lock);
	dp->event_fn = fn;
	dp->event_ctx = ctx;
	pthread_mutex_unlock(&dp->lock);
}

/* Media seen on a session for the first time: it is active. */
static void drain_flow_events(struct rtpp_dataplane *dp)
{
	struct rtpp_flow_event ev[64];
	unsigned int n;

	while ((n = rte_ring_sc_dequeue_burst_elem(dp->event_ring, ev, sizeof(ev[0]),
						   RTE_DIM(ev), NULL)) > 0) {
		for (unsigned int i = 0; i < n; i++) {
			uint32_t index = rtpp_flow_session(ev[i].flow);
			uint8_t state = rtpp_session_state(dp->sessions, index);

			/* A session destroyed since (or already active) needs nothing. */
			if (state != RTPP_SESSION_CREATED && state != RTPP_SESSION_CONNECTING)
				continue;
			rtpp_session_set_state(dp->sessions, index, RTPP_SESSION_ACTIVE);
			emit(dp, RTPP_EVENT_STATE_CHANGED, index, state, RTPP_SESSION_ACTIVE);
		}
	}
}

void rtpp_dataplane_service(struct rtpp_dataplane *dp)
{
	struct rtpp_neigh_learn learnt[64];
	uint64_t now = rte_rdtsc();
	unsigned int n, total = 0;

	pthread_mutex_lock(&dp->lock);
	while (total < LEARN_PER_SERVICE &&
	       (n = rte_ring_sc_dequeue_burst_elem(dp->learn_ring, learnt, sizeof(learnt[0]),
						   RTE_DIM(learnt), NULL)) > 0) {
		for (unsigned int i = 0; i < n; i++)
			rtpp_neigh_learn(dp->neigh, &learnt[i], now);
		total += n;
	}
	if (now >= dp->next_neigh_timer_tsc) {
		rtpp_neigh_timer(dp->neigh, now, rte_get_tsc_hz(), send_probe, dp);
		dp->next_neigh_timer_tsc = now + rte_get_tsc_hz() / NEIGH_TIMER_PER_S;
	}
	drain_flow_events(dp);
	rtpp_session_table_reclaim(dp->sessions);
	pthread_mutex_unlock(&dp->lock);
}

void rtpp_dataplane_destroy(struct rtpp_dataplane *dp)
{
	if (dp == NULL)
		return;
	rtpp_telemetry_bind(NULL);
	__atomic_store_n(&dp->stop, 1, __ATOMIC_RELEASE);
	if (dp->started)
		rte_eal_mp_wait_lcore();
	/* Workers are gone: whatever is queued for them is ours to free. */
	for (uint16_t w = 0; w < RTPP_MAX_WORKERS; w++) {
		struct rtpp_worker *wk = dp->workers[w];
		struct rte_mbuf *m;

		if (wk == NULL)
			continue;
		while (wk->ctrl_tx != NULL && rte_ring_dequeue(wk->ctrl_tx, (void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(wk->ctrl_tx);
		rte_free(wk);
	}
	if (!dp->detached)
		rtpp_ports_close(dp);
	rtpp_session_table_free(dp->sessions);
	rtpp_neigh_free(dp->neigh);
	rte_ring_free(dp->learn_ring);
	rte_ring_free(dp->event_ring);
	for (unsigned int i = 0; i < RTPP_MAX_INTERFACES; i++)
		rtpp_port_pool_free(dp->ifaces[i].media_ports);
	rte_free(dp->rcu);
	pthread_mutex_destroy(&dp->lock);
	rte_free(dp);
}

/* Next hop toward remote from an interface: on-link, else the family's gateway. */
static int next_hop(const struct rtpp_iface_config *ifc, const struct rtpp_addr *remote,
		    struct rtpp_addr *nh)
{
	for (unsigned int a = 0; a < ifc->n_addrs; a++) {
		if (rtpp_prefix_contains(&ifc->addrs[a], remote)) {
			*nh = *remote;
			return 0;
		}
	}
	const struct rtpp_addr *gw = remote->family == RTPP_AF_INET ? &ifc->gateway4 : &ifc->gateway6;

	if (!rtpp_addr_is_set(gw))
		return -1;
	*nh = *gw;
	return 0;
}

static bool addr_unusable_remote(const struct rtpp_addr *a)
{
	static const uint8_t zero[16];

	if (memcmp(a->bytes, zero, a->family == RTPP_AF_INET ? 4 : 16) == 0)
		return true;
	if (a->family == RTPP_AF_INET)
		return (a->bytes[0] & 0xf0) == 0xe0 || a->bytes[0] == 0xff;
	return a->bytes[0] == 0xff;
}

static int check_local(const struct rtpp_dataplane *dp, const char *field,
		       const struct rtpp_endpoint *e, bool rtcp, int *iface, char *err, size_t errlen)
{
	/* Formatted only for an error: snprintf was a few % of each create. */
	char s[RTPP_ENDPOINT_STRLEN];

	if (!rtpp_addr_is_set(&e->addr)) {
		snprintf(err, errlen, "%s: missing address", field);
		return -EINVAL;
	}
	if (rtcp && e->port == UINT16_MAX) {
		snprintf(err, errlen, "%s: port 65535 leaves no port+1 for RTCP", field);
		return -EINVAL;
	}
	*iface = dp->cfg != NULL ? rtpp_config_iface_owning(dp->cfg, &e->addr) : -1;
	if (*iface < 0) {
		rtpp_endpoint_format(e, s, sizeof(s));
		snprintf(err, errlen, "%s: %s is not an address of any interface", field, s);
		return -EADDRNOTAVAIL;
	}
	if (e->port == 0)
		return 0; /* allocated later, once everything else is known to be fine */
	for (unsigned int r = 0; r <= (rtcp ? 1u : 0u); r++) {
		struct rtpp_endpoint probe = *e;

		probe.port = (uint16_t)(e->port + r);
		if (rtpp_session_find_local(dp->sessions, &probe) != RTPP_SESSION_INVALID) {
			rtpp_endpoint_format(&probe, s, sizeof(s));
			snprintf(err, errlen, "%s: %s is already used by another session", field, s);
			return -EEXIST;
		}
	}
	return 0;
}

static int check_remote(const struct rtpp_dataplane *dp, const char *field,
			const struct rtpp_endpoint *e, const struct rtpp_endpoint *local, int iface,
			struct rtpp_addr *nh, char *err, size_t errlen)
{
	const char *why = NULL;
	char s[RTPP_ENDPOINT_STRLEN];

	if (e->addr.family != local->addr.family) {
		why = "is not of the same family as its local endpoint";
	} else if (e->port == 0 || addr_unusable_remote(&e->addr)) {
		why = "is not a unicast address and port";
	} else if (dp->cfg != NULL && !rtpp_config_remote_allowed(dp->cfg, &e->addr)) {
		/* Before the route: a refused remote tells the client nothing about our links. */
		char addr[RTPP_ADDR_STRLEN];

		snprintf(err, errlen, "%s: %s is not in " RTPP_ALLOWED_REMOTES_FIELD, field,
			 rtpp_addr_format(&e->addr, addr, sizeof(addr)));
		return -EACCES;
	} else if (next_hop(dp->ifaces[iface].cfg, &e->addr, nh) == 0) {
		return 0;
	}
	/* Formatted only for an error: snprintf was a few % of each create. */
	rtpp_endpoint_format(e, s, sizeof(s));
	if (why != NULL) {
		snprintf(err, errlen, "%s: %s %s", field, s, why);
		return -EINVAL;
	}
	snprintf(err, errlen, "%s: %s is not on-link of interface %s and it has no gateway%s",
		 field, s, dp->ifaces[iface].cfg->name, e->addr.family == RTPP_AF_INET ? "4" : "6");
	return -ENETUNREACH;
}

/*
 * Reserve the local ports of both legs in their interfaces' pools (those in
 * the range), allocating an even port (+1 for RTCP) where 0 was asked for.
 * All or nothing.
 */
static int take_media_ports(struct rtpp_dataplane *dp, struct rtpp_leg legs[2], bool rtcp,
			    char *err, size_t errlen)
{
	static const char *const fields[2] = { "listen", "forward" };

	for (unsigned int l = 0; l < 2; l++) {
		struct rtpp_port_pool *pool = dp->ifaces[legs[l].iface].media_ports;
		uint16_t port = legs[l].local.port;
		int rc = 0;

		if (pool == NULL) {
			if (port == 0)
				rc = -ENOSPC;
		} else if (port == 0) {
			rc = rtpp_port_pool_alloc(pool, rtcp);
			if (rc > 0) {
				legs[l].local.port = (uint16_t)rc;
				rc = 0;
			}
		} else if (rtpp_port_pool_covers(pool, port)) {
			rc = rtpp_port_pool_reserve(pool, port, rtcp);
			if (rc == -ERANGE) /* RTCP's port+1 is past the range: hold the RTP port */
				rc = rtpp_port_pool_reserve(pool, port, false);
		}
		/* A port outside the range is not the pool's: nothing to hold or release. */
		if (rc == 0)
			continue;
		if (rc == -ENOSPC)
			snprintf(err, errlen, "%s: no free port left on interface %s", fields[l],
				 dp->ifaces[legs[l].iface].cfg ? dp->ifaces[legs[l].iface].cfg->name : "?");
		else
			snprintf(err, errlen, "%s: port %u is being released by a destroyed session",
				 fields[l], port);
		if (l == 1) {
			struct rtpp_port_pool *first = dp->ifaces[legs[0].iface].media_ports;

			if (first != NULL)
				rtpp_port_pool_release(first, legs[0].local.port, rtcp);
		}
		return rc == -ENOSPC ? -ENOSPC : -EEXIST;
	}
	return 0;
}

int rtpp_dataplane_session_create(struct rtpp_dataplane *dp, const struct rtpp_session_request *req,
				  uint64_t *id, char *err, size_t errlen)
{
	struct rtpp_session_params p = {
		.name = req->name,
		.rtcp = req->rtcp,
		.is_static = req->is_static,
	};
	struct rtpp_addr nh_b, nh_a;
	int iface_a, iface_b, rc;
	uint32_t index;

	pthread_mutex_lock(&dp->lock);
	rc = check_local(dp, "listen", &req->listen, req->rtcp, &iface_a, err, errlen);
	if (rc == 0)
		rc = check_local(dp, "forward", &req->forward, req->rtcp, &iface_b, err, errlen);
	if (rc == 0 && rtpp_endpoint_equal(&req->listen, &req->forward)) {
		snprintf(err, errlen, "forward: must differ from listen");
		rc = -EINVAL;
	}
	if (rc == 0)
		rc = check_remote(dp, "destination", &req->destination, &req->forward, iface_b,
				  &nh_b, err, errlen);
	if (rc == 0 && rtpp_addr_is_set(&req->source.addr))
		rc = check_remote(dp, "source", &req->source, &req->listen, iface_a, &nh_a, err,
				  errlen);
	if (rc != 0)
		goto out;

	p.leg[RTPP_LEG_A] = (struct rtpp_leg){
		.local = req->listen, .remote = req->source, .iface = (uint16_t)iface_a,
		.neigh = RTPP_NEIGH_NONE,
	};
	struct rtpp_leg ports_only[2] = {
		{ .local = req->listen, .iface = (uint16_t)iface_a, .neigh = RTPP_NEIGH_NONE },
		{ .local = req->forward, .iface = (uint16_t)iface_b, .neigh = RTPP_NEIGH_NONE },
	};
	rc = take_media_ports(dp, ports_only, req->rtcp, err, errlen);
	if (rc != 0)
		goto out;
	p.leg[RTPP_LEG_A].local = ports_only[0].local;
	p.leg[RTPP_LEG_B] = (struct rtpp_leg){
		.local = ports_only[1].local, .remote = req->destination, .iface = (uint16_t)iface_b,
		.neigh = rtpp_neigh_ref(dp->neigh, (uint16_t)iface_b, &nh_b),
	};
	if (rtpp_addr_is_set(&req->source.addr))
		p.leg[RTPP_LEG_A].neigh = rtpp_neigh_ref(dp->neigh, (uint16_t)iface_a, &nh_a);
	if (p.leg[RTPP_LEG_B].neigh == RTPP_NEIGH_NONE ||
	    (rtpp_addr_is_set(&req->source.addr) && p.leg[RTPP_LEG_A].neigh == RTPP_NEIGH_NONE)) {
		snprintf(err, errlen, "neighbour table full");
		rc = -ENOSPC;
	} else {
		rc = rtpp_session_add(dp->sessions, &p, &index, id);
		if (rc == 0)
			emit(dp, RTPP_EVENT_CREATED, index, RTPP_SESSION_FREE, RTPP_SESSION_CREATED);
		if (rc == -ENOSPC)
			snprintf(err, errlen, "session table full (%u sessions)",
				 rtpp_session_capacity(dp->sessions));
		else if (rc != 0)
			snprintf(err, errlen, "session refused: %s", strerror(-rc));
	}
	if (rc != 0)
		release_session(dp, &(struct rtpp_session){ .leg = { p.leg[0], p.leg[1] } },
				&(struct rtpp_session_info){ .rtcp = req->rtcp });
	/*
	 * Probe a next hop this session introduced at once, without the timer's
	 * walk over the whole table (that walk per create capped set-up at
	 * ~1,800 sessions/s).
	 */
	if (rc == 0)
		for (unsigned int l = 0; l < 2; l++)
			if (p.leg[l].neigh != RTPP_NEIGH_NONE)
				rtpp_neigh_probe_new(dp->neigh, p.leg[l].neigh, rte_rdtsc(),
						     rte_get_tsc_hz(), send_probe, dp);
out:
	pthread_mutex_unlock(&dp->lock);
	return rc;
}

int rtpp_dataplane_session_destroy(struct rtpp_dataplane *dp, uint64_t id,
				   struct rtpp_session_status *final)
{
	struct rtpp_session_status st;
	uint32_t index;
	int rc;

	pthread_mutex_lock(&dp->lock);
	index = rtpp_session_find(dp->sessions, id);
	if (index == RTPP_SESSION_INVALID) {
		rc = -ENOENT;
	} else {
		uint8_t old = rtpp_session_state(dp->sessions, index);

		struct rtpp_session_status *snap = final != NULL ? final : &st;

		/* Read before the slot goes: the final counters are still there. */
		if (final != NULL || dp->event_fn != NULL)
			fill_status(dp, index, snap);
		if (dp->event_fn != NULL)
			emit_status(dp, RTPP_EVENT_CLOSED, snap, old, RTPP_SESSION_CLOSED);
		rc = rtpp_session_del(dp->sessions, index);
	}
	pthread_mutex_unlock(&dp->lock);
	return rc;
}

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

void rtpp_dp_leg_quality(const struct rtpp_dataplane *dp, uint32_t index, unsigned int leg,
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

/* Fill a status from a live session's index (the caller holds the lock). */
static void fill_status(struct rtpp_dataplane *dp, uint32_t index, struct rtpp_session_status *out)
{
	const struct rtpp_session *s = rtpp_session_get(dp->sessions, index);
	const struct rtpp_session_info *info = rtpp_session_get_info(dp->sessions, index);

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
	}
	for (unsigned int leg = 0; leg < RTPP_LEGS_PER_SESSION; leg++)
		rtpp_dp_leg_quality(dp, index, leg, &out->legs[leg]);
}

int rtpp_dataplane_session_status(struct rtpp_dataplane *dp, uint64_t id,
				  struct rtpp_session_status *out)
{
	int rc = -ENOENT;

	pthread_mutex_lock(&dp->lock);
	uint32_t index = rtpp_session_find(dp->sessions, id);
	if (index != RTPP_SESSION_INVALID) {
		fill_status(dp, index, out);
		rc = 0;
	}
	pthread_mutex_unlock(&dp->lock);
	return rc;
}

static bool matches(const struct rtpp_dataplane *dp, uint32_t index,
		    const struct rtpp_session_filter *f)
{
	const struct rtpp_session *s = rtpp_session_get(dp->sessions, index);

	if (f == NULL)
		return true;
	if (f->state != 0 && rtpp_session_get_info(dp->sessions, index)->state != f->state)
		return false;
	return f->iface < 0 || s->leg[RTPP_LEG_A].iface == f->iface ||
	       s->leg[RTPP_LEG_B].iface == f->iface;
}

unsigned int rtpp_dataplane_session_list(struct rtpp_dataplane *dp,
					 const struct rtpp_session_filter *filter,
					 uint32_t *cursor, struct rtpp_session_status *out,
					 unsigned int max)
{
	unsigned int n = 0;
	uint32_t index = *cursor;

	pthread_mutex_lock(&dp->lock);
	while (n < max && index != UINT32_MAX) {
		if (!rtpp_session_next(dp->sessions, &index)) {
			index = UINT32_MAX;
			break;
		}
		if (matches(dp, index, filter))
			fill_status(dp, index, &out[n++]);
		index++;
	}
	/* A full page may have been the last: look ahead so the caller can stop. */
	if (index != UINT32_MAX) {
		uint32_t probe = index;
		bool more = false;

		while (rtpp_session_next(dp->sessions, &probe)) {
			if (matches(dp, probe, filter)) {
				more = true;
				break;
			}
			probe++;
		}
		index = more ? probe : UINT32_MAX;
	}
	*cursor = index;
	pthread_mutex_unlock(&dp->lock);
	return n;
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

int rtpp_dataplane_create_static_sessions(struct rtpp_dataplane *dp, char *err, size_t errlen)
{
	const struct rtpp_config *cfg = dp->cfg;

	for (unsigned int i = 0; i < cfg->n_sessions; i++) {
		const struct rtpp_static_session_config *sc = &cfg->sessions[i];
		struct rtpp_session_request req = {
			.name = sc->name,
			.listen = sc->listen,
			.forward = sc->forward,
			.destination = sc->destination,
			.source = sc->source,
			.rtcp = sc->rtcp,
			.is_static = true,
		};
		char why[256];
		uint64_t id;

		if (rtpp_dataplane_session_create(dp, &req, &id, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "%s: sessions[%u] (%s): %s", cfg->source_name, i,
				 sc->name, why);
			return -1;
		}
		DP_LOG(INFO, "static session %s created as id %" PRIu64 "\n", sc->name, id);
	}
	return 0;
}

void rtpp_dataplane_totals(struct rtpp_dataplane *dp, struct rtpp_dataplane_totals *out)
{
	memset(out, 0, sizeof(*out));
	out->sessions = rtpp_session_count(dp->sessions);
	for (uint16_t w = 0; w < dp->n_workers; w++) {
		struct rtpp_port_counters sum;

		rtpp_port_counters_sum(dp->workers[w]->port_counters, sizeof(sum), dp->n_ifaces, &sum);
		for (unsigned int f = 0; f < rtpp_port_counter_nfields; f++) {
			size_t off = rtpp_port_counter_fields[f].offset;

			*(uint64_t *)((uint8_t *)&out->ports + off) += rtpp_counter_read(&sum, off);
		}
	}
}

void rtpp_dataplane_print_stats(struct rtpp_dataplane *dp, FILE *f)
{
	for (unsigned int i = 0; i < dp->n_ifaces; i++) {
		struct rtpp_port_counters c;

		rtpp_port_counters_sum(&dp->workers[0]->port_counters[i], sizeof(struct rtpp_worker),
				       dp->n_workers, &c);
		fprintf(f, "%-8s rx %" PRIu64 " tx %" PRIu64 " to-kernel %" PRIu64
			   " from-kernel %" PRIu64 " no-session %" PRIu64 " malformed %" PRIu64
			   " dropped %" PRIu64 "\n",
			dp->ifaces[i].cfg->name, c.rx_packets, c.tx_packets, c.to_kernel,
			c.from_kernel, c.no_session, c.malformed, c.tx_dropped + c.kernel_dropped);
	}
	fprintf(f, "sessions %u/%u\n", rtpp_session_count(dp->sessions),
		rtpp_session_capacity(dp->sessions));
	fflush(f);
}
