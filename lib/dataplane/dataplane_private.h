/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The data plane's shared state. Private to lib/dataplane: nothing outside
 * it includes this (tests use rtpp_dataplane_test.h).
 *
 * Threads:
 *   main    the main lcore: creates and destroys everything, runs
 *           rtpp_dataplane_service() and the session calls of the API;
 *   worker  a worker lcore running rtpp_worker_main();
 *   reader  any thread calling the public view functions (DPDK's telemetry
 *           thread, the API on the main lcore).
 * Each field says who writes it and who reads it. "Set at create" means
 * written before the workers start and never again.
 *
 * Locking: dp->lock serialises the main lcore's writes to the tables
 * (sessions, neighbours, event handler) with readers on other threads.
 * Workers never take it: they read the tables lock-free (rte_hash LF,
 * RCU-deferred reclaim). A function whose name ends in _locked expects
 * dp->lock held by its caller; every other function of the library that
 * touches the tables takes it itself.
 */
#ifndef RTPP_DATAPLANE_PRIVATE_H
#define RTPP_DATAPLANE_PRIVATE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_log.h>
#include <rte_mempool.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "admission_private.h"
#include "rtpp_config.h"
#include "rtpp_dataplane.h"
#include "rtpp_neigh.h"
#include "rtpp_session.h"

extern int rtpp_logtype_dataplane;
#define DP_LOG(level, ...) \
	rte_log(RTE_LOG_##level, rtpp_logtype_dataplane, "dataplane: " __VA_ARGS__)

#define RTPP_MAX_WORKERS 64
#define RTPP_MAX_BURST 512
#define RTPP_CTRL_RING_SIZE 1024
#define RTPP_LEARN_RING_SIZE 4096
#define RTPP_EVENT_RING_SIZE 16384

struct rtpp_worker;

/* One data interface and its exception (TAP) port. Set at create; read by all. */
struct rtpp_dataplane_iface {
	const struct rtpp_iface_config *cfg; /* NULL in a detached data plane */
	uint16_t port_id;                    /* the ethdev port of the NIC */
	uint16_t tap_port_id;                /* the ethdev port of its TAP (if has_tap) */
	bool probed;                         /* port_id is ours to stop and close */
	bool has_tap;
	bool ip_csum_offload; /* the NIC fills IPv4 header checksums */
	uint16_t rx_queues;
	struct rte_ether_addr mac;
};

struct rtpp_dataplane {
	/* Set at create; read by all. */
	const struct rtpp_config *cfg; /* NULL in a detached data plane */
	struct rtpp_dataplane_iface ifaces[RTPP_MAX_INTERFACES];
	unsigned int n_ifaces;
	uint16_t n_workers;
	uint16_t burst;
	uint16_t idle_sleep_us; /* see rtpp_worker_main */
	bool detached;          /* built around caller's ports and pool (bench, tests) */
	struct rte_mempool *pool;
	struct rte_rcu_qsbr *rcu;
	struct rtpp_worker *workers[RTPP_MAX_WORKERS];
	uint64_t clock_base_tsc;     /* TSC and wall clock read together, */
	uint64_t clock_base_unix_ns; /* to turn packet timestamps into Unix time */

	/* Tables: written by main under lock; read lock-free by workers, under lock by readers. */
	struct rtpp_session_table *sessions;
	struct rtpp_neigh_table *neigh;
	struct rtpp_admission admission; /* UDP media port pools: main, and readers under lock */

	/* Worker -> main rings: multi-producer (workers), single consumer (main). */
	struct rte_ring *learn_ring; /* neighbour bindings snooped from ARP/ND */
	struct rte_ring *event_ring; /* struct rtpp_flow_event */
	uint64_t events_lost;        /* event ring was full: workers, atomically */

	/* Events: written by main under lock (rtpp_dataplane_set_event_handler), read by main. */
	rtpp_session_event_fn event_fn;
	void *event_ctx;

	/* Lifecycle: written by main; stop read by workers, the rest by readers. */
	volatile int stop;
	bool started;
	uint64_t started_tsc;
	uint64_t next_neigh_timer_tsc; /* main only */

	pthread_mutex_t lock; /* see the top of this file */
};

#endif
