/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer: frame classification (both families, every header) and, for
 * what classifies as UDP, the same-family rewrite with its incremental
 * checksums, as the worker does them on the bytes of a received frame.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_mbuf.h>

#include "rtpp_packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct rte_ether_addr mac = { { 0x02, 0, 0, 0, 0, 1 } };
	static struct rtpp_addr v4 = { .family = RTPP_AF_INET, .bytes = { 198, 51, 100, 1 } };
	static struct rtpp_addr v6 = { .family = RTPP_AF_INET6,
				       .bytes = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } };
	uint8_t frame[2048];
	struct rtpp_udp_view v;
	struct rte_mbuf m;

	if (size > sizeof(frame))
		return 0;
	memcpy(frame, data, size);
	rtpp_pkt_is_icmp(frame, (uint32_t)size);
	/* The NIC's word on the IPv4 checksum comes with the input's first bit. */
	if (rtpp_pkt_classify_rx(frame, (uint32_t)size, size > 0 && (data[0] & 1), &v) != RTPP_PKT_UDP)
		return 0;
	(void)rtpp_pkt_dst_addr(frame, &v);
	(void)rtpp_pkt_src_addr(frame, &v);
	memset(&m, 0, sizeof(m));
	const struct rtpp_addr *a = v.family == RTPP_AF_INET ? &v4 : &v6;
	const struct rtpp_rewrite rw = {
		.src_addr = a,
		.dst_addr = a,
		.src_port = 30000,
		.dst_port = 40000,
		.src_mac = &mac,
		.dst_mac = &mac,
	};
	rtpp_pkt_rewrite_same_family(&m, frame, &v, &rw, size > 1 && (data[1] & 1));
	(void)rtpp_pkt_checksums_valid(frame, (uint32_t)size);
	return 0;
}
