/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker lcore's state, private to lib/dataplane. Everything here but the
 * queue assignment (set at create) is written by its own worker only; the
 * counters are read by other threads without locks (see rtpp_stats.h).
 */
#ifndef RTPP_WORKER_PRIVATE_H
#define RTPP_WORKER_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_meter.h>
#include <rte_ring.h>

#include "dataplane_private.h"
#include "rtpp_stats.h"

/* A worker polls each data queue once, and one TAP queue per interface. */
#define RTPP_MAX_RXQ_PER_WORKER RTPP_MAX_POLL_QUEUES_PER_WORKER

/* What a worker tells the main lcore about a flow (ring element, 8 bytes). */
struct rtpp_flow_event {
	uint64_t session_id; /* which session the slot held: a reused slot's is another */
	uint32_t flow;       /* the lookup value: session index << 2 | leg << 1 | rtcp */
	uint32_t kind;       /* RTPP_FLOW_EVENT_* */
};
#define RTPP_FLOW_EVENT_FIRST_PACKET 1

/* A source the main lcore should decide on (latch ring element, 48 bytes). */
struct rtpp_latch_candidate {
	uint32_t flow;     /* the lookup value: session index << 2 | leg << 1 | rtcp */
	uint32_t path_seq; /* the path's seqcount when the worker judged: stale if it moved */
	struct rtpp_endpoint src;
	uint32_t ssrc;             /* RTP: the packet's SSRC */
	struct rte_ether_addr mac; /* who handed us the packet: the next hop back, likely */
	uint16_t reserved;
	uint64_t tsc;
};

/* A worker's meters of what it hands to one interface's TAP. */
struct rtpp_kernel_meter {
	struct rte_meter_srtcm control; /* ARP, ND, ICMP */
	struct rte_meter_srtcm tcp;     /* TCP sessions' segments */
	struct rte_meter_srtcm other;
};

/* One queue a worker polls. */
struct rtpp_rxq {
	uint16_t port_id; /* ethdev port */
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
	/* Set at create. */
	struct rtpp_dataplane *dp;
	uint16_t id;
	unsigned int lcore;
	uint16_t n_rxq;
	struct rtpp_rxq rxq[RTPP_MAX_RXQ_PER_WORKER];
	struct rte_ring *ctrl_tx;                 /* main -> this worker: packets to send (SP/SC) */
	struct rtpp_flow_counters *flow_counters; /* this worker's copy, [flow slot] */
	struct rtpp_rtcp_leg_state *rtcp_state;   /* [session * 2 + leg] */

	/* This worker's; read by views without locks. */
	struct rtpp_iface_counters iface_counters[RTPP_MAX_INTERFACES];
	struct rtpp_kernel_meter kernel_meter[RTPP_MAX_INTERFACES];
	uint64_t loops;
	uint64_t sleeps;           /* idle sleeps (dataplane.idle_sleep_us) */
	uint64_t busy_tsc;         /* cycles spent on bursts that carried packets */
	uint64_t rx_bursts;        /* receive bursts that brought packets */
	uint64_t rx_burst_packets; /* what they brought */
	uint64_t full_bursts; /* of them, as many as dataplane.burst: the queue may hold more */

	/* Debug only: written by the telemetry thread (rtpp_dataplane_worker_stall),
	 * taken by this worker, which then spins without polling until this TSC. */
	uint64_t stall_until_tsc;

	/* This worker's only. */
	struct rtpp_txbuf to_wire[RTPP_MAX_INTERFACES];
	struct rtpp_txbuf to_kernel[RTPP_MAX_INTERFACES];
} __rte_cache_aligned;

/* Allocate worker id for lcore into dp->workers[id]; NULL (rte_errno) on failure. */
struct rtpp_worker *rtpp_worker_alloc(struct rtpp_dataplane *dp, uint16_t id, unsigned int lcore);
/* Free a stopped worker and the packets still queued for it. */
void rtpp_worker_free(struct rtpp_worker *w);
/* Which queues each worker polls: data RX queues round robin, TAP queue w to worker w. */
/* Share the ports' receive queues out; -1 with err when a worker's table cannot hold its share. */
int rtpp_workers_assign_queues(struct rtpp_dataplane *dp, char *err, size_t errlen);
/* The lcore function. */
int rtpp_worker_main(void *arg);

#endif
