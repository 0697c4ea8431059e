/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared between the files of the dataplane library only. */
#ifndef RTPP_DATAPLANE_INTERNAL_H
#define RTPP_DATAPLANE_INTERNAL_H

#include <pthread.h>

#include <rte_ether.h>
#include <rte_log.h>
#include <rte_mempool.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "rtpp_dataplane.h"
#include "rtpp_neigh.h"
#include "rtpp_portalloc.h"
#include "rtpp_session.h"

extern int rtpp_logtype_dataplane;
#define DP_LOG(level, ...) rte_log(RTE_LOG_##level, rtpp_logtype_dataplane, "dataplane: " __VA_ARGS__)

#define RTPP_MAX_WORKERS 64
#define RTPP_MAX_BURST 512
#define RTPP_MAX_RXQ_PER_WORKER (RTPP_MAX_INTERFACES * 8)
#define RTPP_CTRL_RING_SIZE 1024
#define RTPP_LEARN_RING_SIZE 4096
#define RTPP_EVENT_RING_SIZE 16384

/* What a worker tells the main lcore about a flow (ring element, 8 bytes). */
struct rtpp_flow_event {
	uint32_t flow;  /* the lookup value: session index << 2 | leg << 1 | rtcp */
	uint32_t kind;  /* RTPP_FLOW_EVENT_* */
};
#define RTPP_FLOW_EVENT_FIRST_PACKET 1

/* One data interface and its exception (TAP) port. */
struct rtpp_dp_iface {
	const struct rtpp_iface_config *cfg;
	uint16_t port_id;
	uint16_t tap_port_id;
	bool probed;
	bool has_tap;
	bool ip_csum_offload;
	uint16_t rx_queues;
	struct rte_ether_addr mac;
	struct rtpp_port_pool *media_ports; /* the configured range; NULL without config */
};

struct rtpp_rxq {
	uint16_t port_id;
	uint16_t queue;
	uint16_t iface;
	bool from_kernel; /* a TAP queue: what the kernel sends out */
};

/* Packets waiting for one egress queue, with the flow each one is counted on. */
struct rtpp_txbuf {
	uint16_t n;
	struct rte_mbuf *pkts[RTPP_MAX_BURST];
	struct rtpp_flow_counters *flow[RTPP_MAX_BURST];
};

struct rtpp_worker {
	struct rtpp_dataplane *dp;
	uint16_t id;
	unsigned int lcore;
	uint16_t n_rxq;
	struct rtpp_rxq rxq[RTPP_MAX_RXQ_PER_WORKER];
	struct rte_ring *ctrl_tx;            /* main -> this worker: packets to send */
	struct rtpp_flow_counters *flow_counters;
	struct rtpp_rtcp_leg_state *rtcp_state; /* [session * 2 + leg] */
	struct rtpp_port_counters port_counters[RTPP_MAX_INTERFACES];
	struct rtpp_txbuf to_wire[RTPP_MAX_INTERFACES];
	struct rtpp_txbuf to_kernel[RTPP_MAX_INTERFACES];
	uint64_t loops;
	uint64_t sleeps;  /* idle sleeps (dataplane.idle_sleep_us) */
	uint64_t busy_tsc; /* cycles spent on bursts that carried packets */
} __rte_cache_aligned;

struct rtpp_dataplane {
	const struct rtpp_config *cfg;
	struct rtpp_dp_iface ifaces[RTPP_MAX_INTERFACES];
	unsigned int n_ifaces;
	uint16_t n_workers;
	uint16_t burst;
	uint16_t idle_sleep_us;              /* see rtpp_worker_main */
	struct rte_mempool *pool;
	struct rte_rcu_qsbr *rcu;
	struct rtpp_session_table *sessions;
	struct rtpp_neigh_table *neigh;
	struct rte_ring *learn_ring;         /* workers -> main: neighbour bindings */
	struct rte_ring *event_ring;         /* workers -> main: flow events */
	uint64_t events_lost;                /* event ring was full */
	rtpp_session_event_fn event_fn;
	void *event_ctx;
	struct rtpp_worker *workers[RTPP_MAX_WORKERS];
	volatile int stop;
	bool started;
	bool detached; /* built around caller's ports and pool (bench, tests) */
	uint64_t started_tsc;
	uint64_t clock_base_tsc;     /* TSC and wall clock read together, */
	uint64_t clock_base_unix_ns; /* to turn packet timestamps into Unix time */
	uint64_t next_neigh_timer_tsc;
	/* Serialises the main lcore's table writes with telemetry readers. */
	pthread_mutex_t lock;
};

/*
 * A data plane around ports and a pool the caller owns, with no config, TAP,
 * probing or launched workers: for the benchmark and the unit tests, which
 * drive rtpp_worker_process_media() themselves. Destroy with
 * rtpp_dataplane_destroy() (the ports and the pool stay the caller's).
 */
struct rtpp_dataplane *rtpp_dataplane_create_detached(const uint16_t *port_ids, unsigned int n_ports,
						      uint32_t max_sessions, uint16_t n_workers,
						      struct rte_mempool *pool,
						      const struct rtpp_config *cfg /* or NULL */);

/* worker.c */
/* What RTCP says of a leg's remote, summed over workers (status and telemetry). */
void rtpp_dp_leg_quality(const struct rtpp_dataplane *dp, uint32_t index, unsigned int leg,
			 struct rtpp_leg_quality *q);

int rtpp_worker_main(void *arg);
/* Hot path of one burst from a data port (also used by the benchmark). */
void rtpp_worker_process_media(struct rtpp_worker *w, uint16_t iface, struct rte_mbuf **pkts,
			       uint16_t n, uint64_t now_tsc);
void rtpp_worker_flush(struct rtpp_worker *w);

/* ports.c */
int rtpp_ports_setup(struct rtpp_dataplane *dp, char *err, size_t errlen);
void rtpp_ports_close(struct rtpp_dataplane *dp);

/* telemetry.c */
void rtpp_telemetry_bind(struct rtpp_dataplane *dp);

#endif
