/* SPDX-License-Identifier: BSD-3-Clause */
#include "rtpp_stats.h"

#include <string.h>

/* clang-format 14 mangles a braced initializer in a macro, and these tables read as rows. */
/* clang-format off */
#define FLOW_FIELD(f) { #f, offsetof(struct rtpp_flow_stats, f) }
#define IFACE_FIELD(f) { #f, offsetof(struct rtpp_iface_counters, f) }
#define HOST_DROP_FIELD(f) { #f, offsetof(struct rtpp_host_drop_counters, f) }

const struct rtpp_counter_field rtpp_flow_counter_fields[] = {
	FLOW_FIELD(rx_packets), FLOW_FIELD(rx_bytes), FLOW_FIELD(tx_packets),
	FLOW_FIELD(tx_bytes), FLOW_FIELD(drop_no_remote), FLOW_FIELD(drop_no_neighbour),
	FLOW_FIELD(drop_tx_full), FLOW_FIELD(rtp_lost), FLOW_FIELD(drop_foreign_source),
	FLOW_FIELD(drop_not_media), FLOW_FIELD(drop_malformed), FLOW_FIELD(drop_rate_limit),
	FLOW_FIELD(drop_paused), FLOW_FIELD(stun_dtls), FLOW_FIELD(ssrc_changes),
	FLOW_FIELD(tcp_segments_in), FLOW_FIELD(tcp_segments_out),
};
const unsigned int rtpp_flow_counter_nfields = RTE_DIM(rtpp_flow_counter_fields);

const struct rtpp_counter_field rtpp_iface_counter_fields[] = {
	IFACE_FIELD(rx_packets), IFACE_FIELD(rx_bytes), IFACE_FIELD(tx_packets),
	IFACE_FIELD(tx_bytes), IFACE_FIELD(rx_dropped), IFACE_FIELD(tx_dropped),
	IFACE_FIELD(to_kernel), IFACE_FIELD(from_kernel), IFACE_FIELD(no_session),
	IFACE_FIELD(malformed), IFACE_FIELD(kernel_dropped), IFACE_FIELD(kernel_rate_limited),
	IFACE_FIELD(neigh_refused),
};
const unsigned int rtpp_iface_counter_nfields = RTE_DIM(rtpp_iface_counter_fields);

const struct rtpp_counter_field rtpp_host_drop_counter_fields[] = {
	HOST_DROP_FIELD(host_ring_dropped), HOST_DROP_FIELD(nic_missed),
	HOST_DROP_FIELD(nic_rx_errors), HOST_DROP_FIELD(nic_rx_nombuf),
};
const unsigned int rtpp_host_drop_counter_nfields = RTE_DIM(rtpp_host_drop_counter_fields);
/* clang-format on */

/* Port counters are arrays of uint64_t; add them word by word. */
static void sum_words(const void *first, size_t stride, unsigned int n, void *out,
		      size_t size)
{
	uint64_t *o = out;
	size_t words = size / sizeof(uint64_t);

	memset(out, 0, size);
	for (unsigned int i = 0; i < n; i++) {
		const uint8_t *copy = (const uint8_t *)first + (size_t)i * stride;

		for (size_t w = 0; w < words; w++)
			o[w] += rtpp_counter_read(copy, w * sizeof(uint64_t));
	}
}

static inline uint64_t load64(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

void rtpp_flow_counters_sum(const struct rtpp_flow_counters *first, size_t stride,
			    unsigned int n, struct rtpp_flow_stats *out)
{
	uint64_t drops, latest = 0;

	memset(out, 0, sizeof(*out));
	for (unsigned int i = 0; i < n; i++) {
		const struct rtpp_flow_counters *c =
			(const void *)((const uint8_t *)first + (size_t)i * stride);
		uint64_t last = load64(&c->last_rx_tsc);

		out->rx_packets += load64(&c->rx_packets);
		out->rx_bytes += load64(&c->rx_bytes);
		out->tx_bytes += load64(&c->tx_bytes);
		out->drop_no_remote += load64(&c->drop_no_remote);
		out->drop_no_neighbour += load64(&c->drop_no_neighbour);
		out->drop_tx_full += load64(&c->drop_tx_full);
		out->rtp_lost += __atomic_load_n(&c->rtp.lost, __ATOMIC_RELAXED);
		out->drop_foreign_source += load64(&c->drop_foreign_source);
		out->drop_not_media += load64(&c->drop_not_media);
		out->drop_malformed += load64(&c->drop_malformed);
		out->drop_rate_limit += load64(&c->drop_rate_limit);
		out->drop_paused += load64(&c->drop_paused);
		out->stun_dtls += load64(&c->stun_dtls);
		out->ssrc_changes += __atomic_load_n(&c->jitter.ssrc_changes, __ATOMIC_RELAXED);
		if (last > out->last_rx_tsc)
			out->last_rx_tsc = last;
		/* Jitter is the sender's as the worker that saw its latest packet measured it. */
		if (last > latest) {
			latest = last;
			out->jitter_pt = __atomic_load_n(&c->jitter.pt, __ATOMIC_RELAXED);
			out->jitter_units16 = __atomic_load_n(&c->jitter.jitter, __ATOMIC_RELAXED);
		}
	}
	/* Received then dropped or sent; a reader racing a worker may see the
	 * receive before the verdict: never report more sent than received. */
	drops = out->drop_no_remote + out->drop_no_neighbour + out->drop_tx_full +
		out->drop_foreign_source + out->drop_not_media + out->drop_malformed +
		out->drop_rate_limit + out->drop_paused;
	out->tx_packets = out->rx_packets > drops ? out->rx_packets - drops : 0;
}

void rtpp_iface_counters_sum(const struct rtpp_iface_counters *first, size_t stride, unsigned int n,
			     struct rtpp_iface_counters *out)
{
	sum_words(first, stride, n, out, sizeof(*out));
}
