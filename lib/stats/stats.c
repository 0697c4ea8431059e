/* SPDX-License-Identifier: BSD-3-Clause */
#include "rtpp_stats.h"

#include <string.h>

#define FLOW_FIELD(f) { #f, offsetof(struct rtpp_flow_counters, f) }
#define PORT_FIELD(f) { #f, offsetof(struct rtpp_port_counters, f) }

const struct rtpp_counter_field rtpp_flow_counter_fields[] = {
	FLOW_FIELD(rx_packets), FLOW_FIELD(rx_bytes), FLOW_FIELD(tx_packets),
	FLOW_FIELD(tx_bytes), FLOW_FIELD(drop_no_remote), FLOW_FIELD(drop_no_neighbour),
	FLOW_FIELD(drop_tx_full),
};
const unsigned int rtpp_flow_counter_nfields = RTE_DIM(rtpp_flow_counter_fields);

const struct rtpp_counter_field rtpp_port_counter_fields[] = {
	PORT_FIELD(rx_packets), PORT_FIELD(rx_bytes), PORT_FIELD(tx_packets),
	PORT_FIELD(tx_bytes), PORT_FIELD(rx_dropped), PORT_FIELD(tx_dropped),
	PORT_FIELD(to_kernel), PORT_FIELD(from_kernel), PORT_FIELD(no_session),
	PORT_FIELD(malformed), PORT_FIELD(kernel_dropped),
};
const unsigned int rtpp_port_counter_nfields = RTE_DIM(rtpp_port_counter_fields);

/* Counter structs are arrays of uint64_t; add them word by word. */
static void sum_words(const void *first, size_t stride, unsigned int n, void *out,
		      size_t size, size_t max_word)
{
	uint64_t *o = out;
	size_t words = size / sizeof(uint64_t);

	memset(out, 0, size);
	for (unsigned int i = 0; i < n; i++) {
		const uint8_t *copy = (const uint8_t *)first + (size_t)i * stride;

		for (size_t w = 0; w < words; w++) {
			uint64_t v = rtpp_counter_read(copy, w * sizeof(uint64_t));

			/* "max" words (timestamps) take the latest, not the sum */
			if (w >= max_word)
				o[w] = v > o[w] ? v : o[w];
			else
				o[w] += v;
		}
	}
}

void rtpp_flow_counters_sum(const struct rtpp_flow_counters *first, size_t stride,
			    unsigned int n, struct rtpp_flow_counters *out)
{
	sum_words(first, stride, n, out, sizeof(*out),
		  offsetof(struct rtpp_flow_counters, last_rx_tsc) / sizeof(uint64_t));
}

void rtpp_port_counters_sum(const struct rtpp_port_counters *first, size_t stride,
			    unsigned int n, struct rtpp_port_counters *out)
{
	sum_words(first, stride, n, out, sizeof(*out), sizeof(*out) / sizeof(uint64_t));
}
