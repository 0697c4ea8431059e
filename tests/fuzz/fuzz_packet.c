/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer: frame classification (both families, every header) and, for
 * what classifies as UDP, both rewrites the worker does on the bytes of a
 * received frame: within its family (incremental checksums) and across
 * (IPv4 <-> IPv6, the frame growing or shrinking at the front of an mbuf).
 *
 * Beside the sanitizers, the rewrites are held to what a receiver sees: a
 * frame that arrived with correct checksums leaves with correct checksums,
 * the addresses and ports asked for and its payload untouched. Random bytes
 * rarely carry correct checksums, so one bit of the input has them repaired
 * before the frame is classified.
 *
 * The input is the frame. Its first bytes also choose the options: bit 0 of
 * byte 0 is the NIC's word on the IPv4 header checksum, bit 0 of byte 1
 * hands that checksum to the NIC on the way out, bit 1 of byte 5 repairs
 * the checksums first.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_mbuf.h>

#include "fuzz_must.h"
#include "rtpp_packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FRAME_MAX 2048

static const struct rte_ether_addr proxy_mac = { { 0x02, 0, 0, 0, 0, 1 } };
static const struct rte_ether_addr peer_mac = { { 0x02, 0, 0, 0, 0, 2 } };
static const struct rtpp_addr v4_src = { .family = RTPP_AF_INET, .bytes = { 198, 51, 100, 1 } };
static const struct rtpp_addr v4_dst = { .family = RTPP_AF_INET, .bytes = { 192, 0, 2, 7 } };
static const struct rtpp_addr v6_src = { .family = RTPP_AF_INET6,
					 .bytes = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } };
static const struct rtpp_addr v6_dst = { .family = RTPP_AF_INET6,
					 .bytes = { 0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 7 } };

/* Make the IPv4 header and UDP checksums of a frame classified as UDP correct. */
static void repair_checksums(uint8_t *frame, const struct rtpp_udp_view *v)
{
	struct rte_udp_hdr *udp = rtpp_pkt_udp(frame, v);

	udp->dgram_cksum = 0;
	if (v->family == RTPP_AF_INET) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(frame + v->l3_off);

		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	} else {
		udp->dgram_cksum =
			rte_ipv6_udptcp_cksum((const struct rte_ipv6_hdr *)(frame + v->l3_off), udp);
	}
}

static size_t addr_len(const struct rtpp_addr *a)
{
	return a->family == RTPP_AF_INET ? 4 : 16;
}

/* What a receiver of the rewritten frame sees, against what was asked. */
static void check_rewritten(uint8_t *frame, uint32_t len, const struct rtpp_rewrite *rw,
			    const uint8_t *payload, uint16_t udp_len, bool checksums_were_valid)
{
	struct rtpp_udp_view out;

	must(rtpp_pkt_classify_rx(frame, len, true, &out) == RTPP_PKT_UDP);
	must(out.family == rw->dst_addr->family && out.udp_len == udp_len);
	must(memcmp(rtpp_pkt_dst_addr(frame, &out), rw->dst_addr->bytes, addr_len(rw->dst_addr)) == 0);
	must(memcmp(rtpp_pkt_src_addr(frame, &out), rw->src_addr->bytes, addr_len(rw->src_addr)) == 0);
	const struct rte_udp_hdr *udp = rtpp_pkt_udp(frame, &out);
	must(udp->src_port == rw->src_port_be && udp->dst_port == rw->dst_port_be);
	must(memcmp(udp + 1, payload, udp_len - sizeof(*udp)) == 0);
	if (checksums_were_valid)
		must(rtpp_pkt_checksums_valid(frame, len));
}

static void rewrite_same_family(const uint8_t *frame, uint32_t len, const struct rtpp_udp_view *v,
				bool offload, bool valid)
{
	static uint8_t copy[FRAME_MAX];
	struct rte_mbuf m;
	const bool v4 = v->family == RTPP_AF_INET;
	const struct rtpp_rewrite rw = {
		.src_addr = v4 ? &v4_src : &v6_src,
		.dst_addr = v4 ? &v4_dst : &v6_dst,
		.src_port_be = RTE_BE16(30000),
		.dst_port_be = RTE_BE16(40000),
		.src_mac = &proxy_mac,
		.dst_mac = &peer_mac,
	};

	memcpy(copy, frame, len);
	memset(&m, 0, sizeof(m));
	rtpp_pkt_rewrite_same_family(&m, copy, v, &rw, offload);
	if (v4 && offload) {
		/* What the NIC does with the header checksum it was handed. */
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(copy + v->l3_off);

		must(ip->hdr_checksum == 0 && (m.ol_flags & RTE_MBUF_F_TX_IP_CKSUM) != 0);
		ip->hdr_checksum = (uint16_t)~rte_raw_cksum(ip, v->l3_len);
	}
	check_rewritten(copy, len, &rw, frame + v->l4_off + sizeof(struct rte_udp_hdr), v->udp_len,
			valid);
}

static void rewrite_cross_family(const uint8_t *frame, uint32_t len, const struct rtpp_udp_view *v,
				 bool valid)
{
	static uint8_t buf[RTE_PKTMBUF_HEADROOM + FRAME_MAX];
	struct rte_mbuf m;
	const bool to_v6 = v->family == RTPP_AF_INET;
	const struct rtpp_rewrite rw = {
		.src_addr = to_v6 ? &v6_src : &v4_src,
		.dst_addr = to_v6 ? &v6_dst : &v4_dst,
		.src_port_be = RTE_BE16(30001),
		.dst_port_be = RTE_BE16(40001),
		.src_mac = &proxy_mac,
		.dst_mac = &peer_mac,
	};

	/* A single-segment mbuf as the driver hands it: the frame after the headroom. */
	memset(&m, 0, sizeof(m));
	m.buf_addr = buf;
	m.buf_len = sizeof(buf);
	m.data_off = RTE_PKTMBUF_HEADROOM;
	m.data_len = (uint16_t)len;
	m.pkt_len = len;
	m.nb_segs = 1;
	memcpy(buf + RTE_PKTMBUF_HEADROOM, frame, len);

	uint8_t *out = rtpp_pkt_rewrite_cross_family(&m, v, &rw);
	must(out != NULL && out == rte_pktmbuf_mtod(&m, uint8_t *) && m.data_len == m.pkt_len);
	/* The UDP header and what follows it did not move; only the front did. */
	must(out + m.data_len == buf + RTE_PKTMBUF_HEADROOM + len);
	check_rewritten(out, m.data_len, &rw, frame + v->l4_off + sizeof(struct rte_udp_hdr),
			v->udp_len, valid);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t frame[FRAME_MAX];
	struct rtpp_udp_view v;

	if (size > sizeof(frame))
		return 0;
	memcpy(frame, data, size);
	const uint32_t len = (uint32_t)size;
	const bool nic_ip_csum_good = size > 0 && (data[0] & 1);
	const bool offload = size > 1 && (data[1] & 1);
	const bool repair = size > 5 && (data[5] & 2);

	rtpp_pkt_is_icmp(frame, len);
	{
		const uint8_t *addr;
		uint16_t port_be;
		uint8_t family;

		/* What the worker reads of a segment for the kernel (a TCP session's?). */
		if (rtpp_pkt_tcp_dst(frame, len, &family, &addr, &port_be))
			must(addr >= frame && addr + (family == RTPP_AF_INET ? 4 : 16) <= frame + len);
	}
	if (repair && rtpp_pkt_classify_rx(frame, len, true, &v) == RTPP_PKT_UDP)
		repair_checksums(frame, &v);
	if (rtpp_pkt_classify_rx(frame, len, nic_ip_csum_good, &v) != RTPP_PKT_UDP)
		return 0;
	/* Classification refused a bad IPv4 header checksum unless the NIC vouched for it. */
	const bool valid = rtpp_pkt_checksums_valid(frame, len);
	if (!nic_ip_csum_good && v.family == RTPP_AF_INET)
		must(rtpp_ipv4_hdr_csum_ok(frame + v.l3_off, v.l3_len));

	rewrite_same_family(frame, len, &v, offload, valid);
	rewrite_cross_family(frame, len, &v, valid);
	return 0;
}
