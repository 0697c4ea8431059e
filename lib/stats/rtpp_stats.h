/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Counters. Every worker lcore owns a private copy of every counter it bumps,
 * so the hot path increments plain memory: no atomics, no shared cache lines.
 * Readers (telemetry, the control plane) add the copies up; a 64-bit aligned
 * load cannot tear on the platforms DPDK supports, and a reader tolerates a
 * figure that is one burst old.
 */
#ifndef RTPP_STATS_H
#define RTPP_STATS_H

#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_meter.h>

#include "rtpp_rtp.h"
#include "rtpp_session_types.h" /* struct rtpp_flow_stats */

/*
 * One direction of one flow (RTP or RTCP arriving on one leg) on one worker.
 * Packets sent are not counted: every packet received is either sent or
 * dropped for one of the reasons below, so sent = received - drops.
 *
 * Three cache lines, by how often a packet writes them: the first for every
 * packet (counts, loss, jitter, the rate limit's credit), the second when a
 * rate-limited flow's credit runs out (its meters: once per batch of packets,
 * see rate_admitted() in the data plane), the third only for a packet that is
 * dropped. A relayed media packet writes the first line only.
 */
struct rtpp_flow_counters {
	/* Line 0: every packet. */
	uint64_t rx_packets;
	uint64_t rx_bytes;
	uint64_t tx_bytes;
	uint64_t last_rx_tsc;          /* last packet accepted (source and payload); 0 = never */
	struct rtpp_rtp_seq rtp;       /* RTP flows: sequence tracking */
	struct rtpp_rtp_jitter jitter; /* RTP flows: RFC 3550 A.8 and SSRC changes */
	uint32_t credit_packets;       /* packets the meters granted that are not used yet */
	uint32_t credit_bytes;         /* bytes the meters granted that are not used yet */

	/* Line 1: the session's rate limit, when the credit runs out; rare kinds. */
	struct rte_meter_srtcm meter_pps __rte_cache_aligned; /* "bytes" are packets */
	struct rte_meter_srtcm meter_bps;                     /* bytes of IP packet */
	uint64_t stun_dtls;                                   /* STUN, DTLS and ZRTP relayed */
	uint64_t candidate_tsc; /* when this worker last told the main lcore about a source */

	/* Line 2: drops. */
	uint64_t drop_no_remote __rte_cache_aligned; /* the other leg's remote is not known yet */
	uint64_t drop_no_neighbour;                  /* next hop MAC not resolved */
	uint64_t drop_tx_full;                       /* egress queue full */
	uint64_t drop_foreign_source;                /* not from the leg's remote */
	uint64_t drop_not_media;                     /* neither RTP/RTCP nor STUN/DTLS/ZRTP */
	uint64_t drop_malformed; /* RTP, RTCP, STUN, DTLS or ZRTP by its first byte, whose header does not hold together */
	uint64_t drop_paused;     /* the direction is paused */
	uint64_t drop_rate_limit; /* over the session's rate limit */
} __rte_cache_aligned;
_Static_assert(sizeof(struct rtpp_flow_counters) == 3 * RTE_CACHE_LINE_SIZE,
	       "flow state is three cache lines, by how often a packet writes them");
_Static_assert(offsetof(struct rtpp_flow_counters, meter_pps) == RTE_CACHE_LINE_SIZE,
	       "a relayed packet writes the first line only");

/* Per data interface, as seen by one worker. */
struct rtpp_iface_counters {
	uint64_t rx_packets;
	uint64_t rx_bytes;
	uint64_t tx_packets;
	uint64_t tx_bytes;
	uint64_t rx_dropped;   /* malformed + no mbuf for the kernel copy */
	uint64_t tx_dropped;   /* egress queue full */
	uint64_t to_kernel;    /* handed to the TAP */
	uint64_t from_kernel;  /* sent on behalf of the kernel */
	uint64_t no_session;   /* UDP that matched no session (went to the kernel) */
	uint64_t malformed;
	uint64_t kernel_dropped; /* TAP queue full either way */
	uint64_t kernel_rate_limited; /* over dataplane.kernel_rate_pps / kernel_control_pps */
	uint64_t neigh_refused; /* ARP/ND whose binding did not hold up (forged sender, checksum) */
} __rte_cache_aligned;

/*
 * Per data interface: what was dropped before the proxy saw it, by reason.
 * Not counted by workers: read from the kernel and the device on the control
 * path (lib/dataplane/host_drops.c). The first three never count a frame
 * twice; nic_rx_nombuf counts failures to allocate, which some drivers turn
 * into a drop and others into a delay that nic_missed may count later
 * (docs/statistics.md).
 */
struct rtpp_host_drop_counters {
	uint64_t host_ring_dropped; /* af_packet: no room in the socket's receive ring */
	uint64_t nic_missed;        /* rte_eth_stats imissed: the NIC's receive queues were full */
	uint64_t nic_rx_errors;     /* rte_eth_stats ierrors: frames the NIC received broken */
	uint64_t nic_rx_nombuf;     /* rte_eth_stats rx_nombuf: no mbuf to receive into */
};

/* Field tables let telemetry and the API export counters without listing them twice. */
struct rtpp_counter_field {
	const char *name;
	size_t offset;
};

/* Fields of struct rtpp_flow_stats. */
extern const struct rtpp_counter_field rtpp_flow_counter_fields[];
extern const unsigned int rtpp_flow_counter_nfields;
extern const struct rtpp_counter_field rtpp_iface_counter_fields[];
extern const unsigned int rtpp_iface_counter_nfields;
/* Fields of struct rtpp_host_drop_counters. */
extern const struct rtpp_counter_field rtpp_host_drop_counter_fields[];
extern const unsigned int rtpp_host_drop_counter_nfields;

static inline uint64_t rtpp_counter_read(const void *counters, size_t offset)
{
	return __atomic_load_n((const uint64_t *)((const uint8_t *)counters + offset),
			       __ATOMIC_RELAXED);
}

/* Add the fields of n per-worker copies spaced stride bytes apart into out. */
void rtpp_flow_counters_sum(const struct rtpp_flow_counters *first, size_t stride,
			    unsigned int n, struct rtpp_flow_stats *out);
void rtpp_iface_counters_sum(const struct rtpp_iface_counters *first, size_t stride, unsigned int n,
			     struct rtpp_iface_counters *out);

#endif
