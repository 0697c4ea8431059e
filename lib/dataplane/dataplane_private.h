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
#include <rte_meter.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "admission_private.h"
#include "rtpp_config.h"
#include "rtpp_dataplane.h"
#include "rtpp_neigh.h"
#include "rtpp_session.h"
#include "rtpp_tcp_relay.h"

extern int rtpp_logtype_dataplane;
#define DP_LOG(level, ...) \
	rte_log(RTE_LOG_##level, rtpp_logtype_dataplane, "dataplane: " __VA_ARGS__)

#define RTPP_MAX_WORKERS 64
#define RTPP_MAX_BURST 512
#define RTPP_CTRL_RING_SIZE 1024
#define RTPP_LEARN_RING_SIZE 4096
#define RTPP_EVENT_RING_SIZE 16384
#define RTPP_LATCH_RING_SIZE 4096
#define RTPP_LIST_SCAN_SLOTS 4096 /* slots one ListSessions call looks at under the lock */
/* A path keeps its egress interface in a byte. */
_Static_assert(RTPP_MAX_INTERFACES <= UINT8_MAX + 1, "rtpp_path.iface is a uint8_t");
#define RTPP_RATE_PROFILES 1024          /* distinct session rate limits at once (0: none) */
#define RTPP_RATE_BATCH_PACKETS_MAX 16u  /* credit a flow takes from its packet meter at once */
#define RTPP_RATE_BATCH_BYTES_MAX 16384u /* and from its byte meter */
#define RTPP_RTP_PT_DYNAMIC 96           /* payload types from here on have the session's clock */

/* A session rate limit as workers apply it (rte_meter srTCM, committed bucket only). */
struct rtpp_rate_profile {
	struct rte_meter_srtcm_profile pps; /* "bytes" are packets */
	struct rte_meter_srtcm_profile bps; /* bytes of IP packet */
	uint32_t pps_limit;                 /* 0: no packet limit */
	uint64_t bps_limit;                 /* 0: no bit limit */
	uint32_t batch_packets;             /* credit taken from the packet meter at once */
	uint32_t batch_bytes;               /* credit taken from the byte meter at once */
	uint32_t refs;                      /* legs using it (main) */
};

/* A limit on what a worker hands to the kernel. */
struct rtpp_kernel_limit {
	bool on;
	struct rte_meter_srtcm_profile profile;
};

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
	uint32_t static_clock_mult[RTPP_RTP_PT_DYNAMIC]; /* RFC 3551 clocks, rtpp_rtp_clock_mult() */
	uint64_t candidate_gap_tsc; /* a worker reports a flow's sources at most this often */
	struct rtpp_kernel_limit kernel_control, kernel_tcp, kernel_other;
	/* Session rate limits: written by main (a profile is never changed while used). */
	struct rtpp_rate_profile *rate_profiles; /* [RTPP_RATE_PROFILES] */

	/* Tables: written by main under lock; read lock-free by workers, under lock by readers. */
	struct rtpp_session_table *sessions;
	struct rtpp_neigh_table *neigh;
	struct rtpp_admission admission; /* UDP media port pools: main, and readers under lock */
	struct rtpp_tcp_relay *tcp;      /* TCP sessions' relay; NULL when detached */
	/* What interfaces lost before the workers saw it (host_drops_private.h: its own
	 * lock). Set by main with the ports (NULL when detached), freed by destroy. */
	struct rtpp_host_drops *host_drops;

	/* Worker -> main rings: multi-producer (workers), single consumer (main). */
	struct rte_ring *learn_ring; /* neighbour bindings snooped from ARP/ND */
	struct rte_ring *event_ring; /* struct rtpp_flow_event */
	struct rte_ring *latch_ring; /* struct rtpp_latch_candidate */
	uint64_t events_lost;        /* event ring was full: workers, atomically */

	/* Events: written by main under lock (rtpp_dataplane_set_event_handler), read by main. */
	rtpp_session_event_fn event_fn;
	void *event_ctx;

	/* Lifecycle: written by main; stop read by workers, the rest by readers. */
	volatile int stop;
	bool started;
	uint64_t started_tsc;
	uint64_t next_neigh_timer_tsc; /* main only */
	uint32_t sweep_cursor;         /* main only: where the timeout sweep goes on */
	uint32_t list_scan_slots;      /* slots one session listing looks at, at most */
	uint64_t next_sweep_tsc;       /* main only */
	uint64_t latches, relatches, latch_refused; /* main only: what candidates came to */
	/* Under lock: sessions by state now, and how many came and went (for /metrics). */
	uint32_t sessions_in_state[RTPP_SESSION_CLOSED + 1];
	uint64_t sessions_created;
	uint64_t sessions_closed[RTPP_CLOSE_REASONS];

	pthread_mutex_t lock; /* see the top of this file */
};

#endif
