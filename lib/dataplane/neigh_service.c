/* SPDX-License-Identifier: BSD-3-Clause */
/* Neighbour resolution on the main lcore: learning, timers, probes. */
#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "neigh_service_private.h"
#include "worker_private.h"

#define NEIGH_TIMER_PER_S 10
#define LEARN_PER_SERVICE 256

/* The address of ifc to probe target from: one on target's subnet, else any of its family. */
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
	const struct rtpp_dataplane_iface *ifc = &dp->ifaces[e->iface];
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

void rtpp_neigh_service_run_locked(struct rtpp_dataplane *dp, uint64_t now_tsc)
{
	struct rtpp_neigh_learn learnt[64];
	unsigned int n, total = 0;

	while (total < LEARN_PER_SERVICE &&
	       (n = rte_ring_sc_dequeue_burst_elem(dp->learn_ring, learnt, sizeof(learnt[0]),
						   RTE_DIM(learnt), NULL)) > 0) {
		for (unsigned int i = 0; i < n; i++)
			rtpp_neigh_learn(dp->neigh, &learnt[i], now_tsc);
		total += n;
	}
	if (now_tsc >= dp->next_neigh_timer_tsc) {
		rtpp_neigh_timer(dp->neigh, now_tsc, rte_get_tsc_hz(), send_probe, dp);
		dp->next_neigh_timer_tsc = now_tsc + rte_get_tsc_hz() / NEIGH_TIMER_PER_S;
	}
}

void rtpp_neigh_service_probe_new_locked(struct rtpp_dataplane *dp, uint32_t neigh)
{
	/*
	 * Without the timer's walk over the whole table: that walk per create
	 * capped set-up at ~1,800 sessions/s.
	 */
	rtpp_neigh_probe_new(dp->neigh, neigh, rte_rdtsc(), rte_get_tsc_hz(), send_probe, dp);
}
