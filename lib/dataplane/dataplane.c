/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Data plane lifecycle: create (tables, workers, ports), start, the main
 * lcore's service loop, destroy. The concerns live in their own files:
 * admission.c, sessions.c, events.c, views.c, neigh_service.c, ethdev.c,
 * worker.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "dataplane_private.h"
#include "ethdev_private.h"
#include "events_private.h"
#include "host_drops_private.h"
#include "media_private.h"
#include "neigh_service_private.h"
#include "rtpp_dataplane_test.h"
#include "sessions_private.h"
#include "tcp_sessions_private.h"
#include "worker_private.h"

static int assign_workers(struct rtpp_dataplane *dp, char *err, size_t errlen)
{
	unsigned int available = rte_lcore_count() - 1, lcore;
	uint16_t w = 0;

	dp->n_workers = dp->cfg->dataplane.workers ?
				dp->cfg->dataplane.workers :
				(uint16_t)RTE_MIN(available, (unsigned int)RTPP_MAX_WORKERS);
	if (dp->n_workers == 0 || dp->n_workers > available) {
		snprintf(err, errlen,
			 "dataplane.workers: %u worker lcores wanted, EAL gives %u besides the main "
			 "lcore (EAL -l 0-N gives N)",
			 dp->n_workers ? dp->n_workers : 1u, available);
		return -1;
	}
	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (w == dp->n_workers)
			break;
		if (rtpp_worker_alloc(dp, w, lcore) == NULL) {
			snprintf(err, errlen, "cannot set up worker %u: %s", w, rte_strerror(rte_errno));
			return -1;
		}
		w++;
	}
	return 0;
}

/*
 * What each worker will poll fits its queue table: checked before any port
 * is set up (the configuration checks it too when it names the workers).
 */
static int check_poll_queues(const struct rtpp_dataplane *dp, char *err, size_t errlen)
{
	unsigned int n = rtpp_config_worker_poll_queues(dp->cfg, dp->n_workers);

	if (n <= RTPP_MAX_RXQ_PER_WORKER)
		return 0;
	snprintf(err, errlen,
		 "dataplane.workers: with %u workers the first polls %u receive queues (its share "
		 "of the interfaces' rx_queues and one TAP queue per interface), at most %u: "
		 "lower rx_queues or add workers",
		 dp->n_workers, n, RTPP_MAX_RXQ_PER_WORKER);
	return -1;
}

/* RCU, session table, neighbour table and the rings, named uniquely per data plane. */
static int create_tables(struct rtpp_dataplane *dp, uint32_t max_sessions, char *err, size_t errlen)
{
	static unsigned int generation;
	struct timespec now;
	char name[24];

	snprintf(name, sizeof(name), "dp%u", generation++);
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
		snprintf(err, errlen,
			 "dataplane.max_sessions: cannot allocate a table for %u sessions "
			 "(%s); give EAL more memory or lower it",
			 max_sessions, rte_strerror(rte_errno));
		return -1;
	}
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
	if (rtpp_media_init(dp, err, errlen) != 0)
		return -1;
	return rtpp_sessions_init(dp, err, errlen);
}

static struct rtpp_dataplane *dataplane_alloc(const struct rtpp_config *cfg)
{
	struct rtpp_dataplane *dp = rte_zmalloc("dataplane", sizeof(*dp), RTE_CACHE_LINE_SIZE);

	if (dp == NULL)
		return NULL;
	pthread_mutex_init(&dp->lock, NULL);
	dp->cfg = cfg;
	dp->burst = 32;
	dp->list_scan_slots = RTPP_LIST_SCAN_SLOTS;
	return dp;
}

struct rtpp_dataplane *rtpp_dataplane_create_detached(const uint16_t *port_ids,
						      unsigned int n_ports, uint32_t max_sessions,
						      uint16_t n_workers, struct rte_mempool *pool,
						      const struct rtpp_config *cfg)
{
	struct rtpp_dataplane *dp;
	char err[256];

	if (n_ports > RTPP_MAX_INTERFACES || n_workers == 0 || n_workers > RTPP_MAX_WORKERS)
		return NULL;
	dp = dataplane_alloc(cfg);
	if (dp == NULL)
		return NULL;
	dp->detached = true;
	dp->pool = pool;
	dp->n_ifaces = n_ports;
	dp->n_workers = n_workers;
	for (unsigned int i = 0; i < n_ports; i++) {
		dp->ifaces[i].port_id = port_ids[i];
		dp->ifaces[i].rx_queues = 1;
		dp->ifaces[i].cfg = cfg != NULL && i < cfg->n_ifaces ? &cfg->ifaces[i] : NULL;
		rte_eth_macaddr_get(port_ids[i], &dp->ifaces[i].mac);
	}
	if (create_tables(dp, max_sessions, err, sizeof(err)) != 0)
		goto fail;
	for (uint16_t w = 0; w < n_workers; w++)
		if (rtpp_worker_alloc(dp, w, rte_lcore_id()) == NULL)
			goto fail;
	if (rtpp_workers_assign_queues(dp, err, sizeof(err)) != 0)
		goto fail;
	return dp;
fail:
	rtpp_dataplane_destroy(dp);
	return NULL;
}

struct rtpp_dataplane *rtpp_dataplane_create(const struct rtpp_config *cfg, char *err, size_t errlen)
{
	struct rtpp_dataplane *dp = dataplane_alloc(cfg);

	if (dp == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (cfg->dataplane.burst)
		dp->burst = RTE_MIN(cfg->dataplane.burst, (uint16_t)RTPP_MAX_BURST);
	dp->idle_sleep_us = cfg->dataplane.idle_sleep_us;
	dp->n_ifaces = cfg->n_ifaces;
	for (unsigned int i = 0; i < cfg->n_ifaces; i++)
		dp->ifaces[i].cfg = &cfg->ifaces[i];

	if (assign_workers(dp, err, errlen) != 0 || check_poll_queues(dp, err, errlen) != 0 ||
	    create_tables(dp, cfg->dataplane.max_sessions, err, errlen) != 0 ||
	    rtpp_tcp_sessions_init(dp, err, errlen) != 0 || rtpp_ethdev_setup(dp, err, errlen) != 0 ||
	    rtpp_workers_assign_queues(dp, err, errlen) != 0)
		goto fail;
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
	pthread_mutex_lock(&dp->lock);
	dp->started = true;
	dp->started_tsc = rte_rdtsc();
	pthread_mutex_unlock(&dp->lock);
	return 0;
}

void rtpp_dataplane_service(struct rtpp_dataplane *dp)
{
	pthread_mutex_lock(&dp->lock);
	uint64_t now = rte_rdtsc();

	rtpp_neigh_service_run_locked(dp, now);
	rtpp_media_drain_candidates_locked(dp);
	rtpp_media_drain_flows_locked(dp);
	rtpp_tcp_sessions_service_locked(dp, rtpp_media_close_locked);
	rtpp_media_sweep_locked(dp, now);
	rtpp_session_table_reclaim(dp->sessions);
	pthread_mutex_unlock(&dp->lock);
	rtpp_host_drops_service(dp->host_drops); /* its own lock */
}

void rtpp_dataplane_destroy(struct rtpp_dataplane *dp)
{
	if (dp == NULL)
		return;
	__atomic_store_n(&dp->stop, 1, __ATOMIC_RELEASE);
	if (dp->started)
		rte_eal_mp_wait_lcore();
	/* Workers are gone: whatever is queued for them is ours to free. */
	for (uint16_t w = 0; w < RTPP_MAX_WORKERS; w++)
		rtpp_worker_free(dp->workers[w]);
	/* The relay's connections go first: their sessions' ports with the table. */
	rtpp_tcp_sessions_fini(dp);
	rtpp_host_drops_free(dp->host_drops); /* reads the ports: before they close */
	if (!dp->detached)
		rtpp_ethdev_close(dp);
	rtpp_session_table_free(dp->sessions);
	rtpp_sessions_fini(dp);
	rtpp_neigh_free(dp->neigh);
	rte_ring_free(dp->learn_ring);
	rte_ring_free(dp->event_ring);
	rtpp_media_fini(dp);
	rte_free(dp->rcu);
	pthread_mutex_destroy(&dp->lock);
	rte_free(dp);
}
