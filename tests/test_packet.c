/* SPDX-License-Identifier: BSD-3-Clause */
/* Packet classification and rewriting: valid frames, every kind of malformed one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_udp.h>

#include "rtpp_packet.h"
#include "test_eal.h"

static struct rte_mempool *pool;

#define PAYLOAD_LEN 172 /* 12-byte RTP header + 160 bytes of G.711 */

static uint8_t payload[PAYLOAD_LEN];

/* A well-formed Ethernet/IPv4/UDP frame with valid checksums. */
static uint32_t build_v4(uint8_t *f, uint16_t dport, bool zero_udp_csum)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)f;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);

	memset(f, 0, 14 + 20 + 8);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(20 + 8 + PAYLOAD_LEN);
	ip->time_to_live = 64;
	ip->next_proto_id = 17;
	ip->src_addr = RTE_BE32(0xcb00710a); /* 203.0.113.10 */
	ip->dst_addr = RTE_BE32(0xcb007101); /* 203.0.113.1 */
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = RTE_BE16(5000);
	udp->dst_port = rte_cpu_to_be_16(dport);
	udp->dgram_len = rte_cpu_to_be_16(8 + PAYLOAD_LEN);
	memcpy(udp + 1, payload, PAYLOAD_LEN);
	udp->dgram_cksum = zero_udp_csum ? 0 : rte_ipv4_udptcp_cksum(ip, udp);
	return 14 + 20 + 8 + PAYLOAD_LEN;
}

static uint32_t build_v6(uint8_t *f, uint16_t dport)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)f;
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(eth + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip6 + 1);
	static const uint8_t src[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0xa, [15] = 0x10 };
	static const uint8_t dst[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0xa, [15] = 0x01 };

	memset(f, 0, 14 + 40 + 8);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
	ip6->vtc_flow = RTE_BE32(6u << 28);
	ip6->payload_len = rte_cpu_to_be_16(8 + PAYLOAD_LEN);
	ip6->proto = 17;
	ip6->hop_limits = 64;
	memcpy(ip6->src_addr, src, 16);
	memcpy(ip6->dst_addr, dst, 16);
	udp->src_port = RTE_BE16(5000);
	udp->dst_port = rte_cpu_to_be_16(dport);
	udp->dgram_len = rte_cpu_to_be_16(8 + PAYLOAD_LEN);
	memcpy(udp + 1, payload, PAYLOAD_LEN);
	udp->dgram_cksum = rte_ipv6_udptcp_cksum(ip6, udp);
	return 14 + 40 + 8 + PAYLOAD_LEN;
}

static struct rte_mbuf *to_mbuf(const uint8_t *f, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	assert_non_null(m);
	memcpy(rte_pktmbuf_append(m, (uint16_t)len), f, len);
	return m;
}

static void test_valid_ipv4_udp(void **state)
{
	uint8_t f[256];
	struct rtpp_udp_view v = { 0 };
	uint32_t len = build_v4(f, 20000, false);

	(void)state;
	assert_int_equal(rtpp_pkt_classify(f, len, &v), RTPP_PKT_UDP);
	assert_int_equal(v.family, RTPP_AF_INET);
	assert_int_equal(v.l3_len, 20);
	assert_int_equal(v.l4_off, 34);
	assert_int_equal(v.udp_len, 8 + PAYLOAD_LEN);
	assert_int_equal(rte_be_to_cpu_16(rtpp_pkt_udp(f, &v)->dst_port), 20000);
	assert_memory_equal(rtpp_pkt_dst_addr(f, &v), "\xcb\x00\x71\x01", 4);
	assert_true(rtpp_pkt_checksums_valid(f, len));
	/* Ethernet padding after the IP packet is fine. */
	assert_int_equal(rtpp_pkt_classify(f, len + 10, &v), RTPP_PKT_UDP);
}

static void test_valid_ipv6_udp(void **state)
{
	uint8_t f[256];
	struct rtpp_udp_view v = { 0 };
	uint32_t len = build_v6(f, 20002);

	(void)state;
	assert_int_equal(rtpp_pkt_classify(f, len, &v), RTPP_PKT_UDP);
	assert_int_equal(v.family, RTPP_AF_INET6);
	assert_int_equal(v.l4_off, 54);
	assert_true(rtpp_pkt_checksums_valid(f, len));
}

static void test_truncated_at_every_header(void **state)
{
	uint8_t f[256];
	struct rtpp_udp_view v = { 0 };
	uint32_t len4 = build_v4(f, 20000, false);

	(void)state;
	/* Every cut inside Ethernet/IP/UDP headers or the payload is refused. */
	for (uint32_t cut = 0; cut < len4; cut++)
		assert_int_equal(rtpp_pkt_classify(f, cut, &v), RTPP_PKT_MALFORMED);
	uint32_t len6 = build_v6(f, 20000);
	for (uint32_t cut = 0; cut < len6; cut++)
		assert_int_equal(rtpp_pkt_classify(f, cut, &v), RTPP_PKT_MALFORMED);
}

static void test_wrong_ip_version(void **state)
{
	uint8_t f[256];
	struct rtpp_udp_view v = { 0 };
	uint32_t len = build_v4(f, 20000, false);

	(void)state;
	f[14] = (uint8_t)((6 << 4) | 5); /* says 6 inside an IPv4 ethertype */
	assert_int_equal(rtpp_pkt_classify(f, len, &v), RTPP_PKT_MALFORMED);
	len = build_v6(f, 20000);
	f[14] = 0x45; /* says 4 inside an IPv6 ethertype */
	assert_int_equal(rtpp_pkt_classify(f, len, &v), RTPP_PKT_MALFORMED);
}

static void test_bad_ihl(void **state)
{
	uint8_t f[256];
	struct rtpp_udp_view v = { 0 };
	uint32_t len = build_v4(f, 20000, false);

	(void)state;
	for (uint8_t ihl = 0; ihl < 5; ihl++) {
		f[14] = (uint8_t)(0x40 | ihl);
		assert_int_equal(rtpp_pkt_classify(f, len, &v), RTPP_PKT_MALFORMED);
	}
	f[14] = 0x4f; /* 60-byte header: UDP length no longer matches */
	assert_int_equal(rtpp_pkt_classify(f, len, &v), RTPP_PKT_MALFORMED);
}

static void test_total_length_beyond_frame(void **state)
{
	uint8_t f[256];
	struct rtpp_udp_view v = { 0 };
	uint32_t len = build_v4(f, 20000, false);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);

	(void)state;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(len - 14 + 1));
	assert_int_equal(rtpp_pkt_classify(f, len, &v), RTPP_PKT_MALFORMED);
	ip->total_length = rte_cpu_to_be_16(19); /* shorter than its own header */
	assert_int_equal(rtpp_pkt_classify(f, len, &v), RTPP_PKT_MALFORMED);

	len = build_v6(f, 20000);
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(f + 14);
	ip6->payload_len = rte_cpu_to_be_16((uint16_t)(len - 14 - 40 + 1));
	assert_int_equal(rtpp_pkt_classify(f, len, &v), RTPP_PKT_MALFORMED);
}

static void test_ipv4_fragments_go_to_kernel(void **state)
{
	uint8_t f[256];
	struct rtpp_udp_view v = { 0 };
	uint32_t len = build_v4(f, 20000, false);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);

	(void)state;
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_MF_FLAG);
	assert_int_equal(rtpp_pkt_classify(f, len, &v), RTPP_PKT_KERNEL);
	ip->fragment_offset = rte_cpu_to_be_16(185); /* a later fragment */
	assert_int_equal(rtpp_pkt_classify(f, len, &v), RTPP_PKT_KERNEL);
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG); /* DF alone is fine */
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	assert_int_equal(rtpp_pkt_classify(f, len, &v), RTPP_PKT_UDP);
}

/*
 * A header that does not hold together is not relayed: an IPv4 header
 * checksum that is wrong (unless the NIC checked it), an IPv6 UDP checksum
 * of 0 (RFC 8200 requires one; relayed to IPv4 it would read "none").
 */
static void test_checksums_that_do_not_hold(void **state)
{
	uint8_t f[256];
	struct rtpp_udp_view v = { 0 };
	uint32_t len = build_v4(f, 20000, false);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);

	(void)state;
	assert_int_equal(rtpp_pkt_classify(f, len, &v), RTPP_PKT_UDP);
	ip->time_to_live--; /* one field changed, the checksum not */
	assert_int_equal(rtpp_pkt_classify(f, len, &v), RTPP_PKT_MALFORMED);
	/* What a NIC found good is taken as good. */
	assert_int_equal(rtpp_pkt_classify_rx(f, len, true, &v), RTPP_PKT_UDP);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	assert_int_equal(rtpp_pkt_classify(f, len, &v), RTPP_PKT_UDP);

	len = build_v6(f, 20000);
	assert_int_equal(rtpp_pkt_classify(f, len, &v), RTPP_PKT_UDP);
	((struct rte_udp_hdr *)(f + 14 + 40))->dgram_cksum = 0;
	assert_int_equal(rtpp_pkt_classify(f, len, &v), RTPP_PKT_MALFORMED);
}

/* RFC 1071 as written: 16-bit words, end-around carry; a header holds when the sum is 0xffff. */
static bool reference_ipv4_csum_ok(const uint8_t *h, uint32_t len)
{
	uint32_t sum = 0;

	for (uint32_t i = 0; i < len; i += 2) {
		sum += (uint32_t)(h[i] << 8 | h[i + 1]);
		sum = (sum & 0xffff) + (sum >> 16);
	}
	return sum == 0xffff;
}

/*
 * The divisibility test that replaced the folds gives RFC 1071's answer for
 * every header length, for headers that hold (any checksum DPDK computes),
 * one bit away from holding, and random bytes, including sums of 0 and of
 * 0xffff words (the two zeros of one's complement).
 */
static void test_ipv4_header_checksum_test(void **state)
{
	uint8_t h[60];

	(void)state;
	srand(8);
	for (uint32_t round = 0; round < 20000; round++) {
		uint32_t ihl = 20 + 4 * (round % 11);
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)h;

		for (uint32_t i = 0; i < sizeof(h); i++)
			h[i] = (uint8_t)rand();
		if (round % 7 == 0)
			memset(h, round % 14 == 0 ? 0 : 0xff, ihl);
		assert_int_equal(rtpp_ipv4_hdr_csum_ok(h, ihl), reference_ipv4_csum_ok(h, ihl));
		ip->version_ihl = (uint8_t)(0x40 | ihl / 4);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		assert_true(rtpp_ipv4_hdr_csum_ok(h, ihl));
		assert_true(reference_ipv4_csum_ok(h, ihl));
		h[rand() % ihl] ^= (uint8_t)(1u << (rand() % 8));
		assert_false(rtpp_ipv4_hdr_csum_ok(h, ihl));
	}
}

static void test_udp_length_mismatch(void **state)
{
	uint8_t f[256];
	struct rtpp_udp_view v = { 0 };
	uint32_t len = build_v4(f, 20000, false);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(f + 34);

	(void)state;
	udp->dgram_len = rte_cpu_to_be_16(8 + PAYLOAD_LEN - 1);
	assert_int_equal(rtpp_pkt_classify(f, len, &v), RTPP_PKT_MALFORMED);
	udp->dgram_len = rte_cpu_to_be_16(7);
	assert_int_equal(rtpp_pkt_classify(f, len, &v), RTPP_PKT_MALFORMED);
	len = build_v6(f, 20000);
	udp = (struct rte_udp_hdr *)(f + 54);
	udp->dgram_len = rte_cpu_to_be_16(8 + PAYLOAD_LEN + 2);
	assert_int_equal(rtpp_pkt_classify(f, len, &v), RTPP_PKT_MALFORMED);
}

static void test_other_protocols_go_to_kernel(void **state)
{
	uint8_t f[256];
	struct rtpp_udp_view v = { 0 };
	uint32_t len = build_v4(f, 20000, false);

	(void)state;
	f[14 + 9] = 6; /* TCP */
	assert_int_equal(rtpp_pkt_classify(f, len, &v), RTPP_PKT_KERNEL);
	f[14 + 9] = 1; /* ICMP */
	assert_int_equal(rtpp_pkt_classify(f, len, &v), RTPP_PKT_KERNEL);
	len = build_v6(f, 20000);
	f[14 + 6] = 58;
	assert_int_equal(rtpp_pkt_classify(f, len, &v), RTPP_PKT_ICMPV6);
	f[14 + 6] = 0; /* hop-by-hop extension header */
	assert_int_equal(rtpp_pkt_classify(f, len, &v), RTPP_PKT_KERNEL);
	f[12] = 0x08;
	f[13] = 0x06;
	assert_int_equal(rtpp_pkt_classify(f, 42, &v), RTPP_PKT_ARP);
	f[12] = 0x81;
	f[13] = 0x00; /* VLAN tagged: not on the fast path */
	assert_int_equal(rtpp_pkt_classify(f, len, &v), RTPP_PKT_KERNEL);
}

/* Where a TCP segment goes: what a worker needs to tell a TCP session's segments. */
static void test_tcp_destination(void **state)
{
	uint8_t f[256];
	const uint8_t *addr;
	uint16_t port_be;
	uint8_t family;
	uint32_t len = build_v4(f, 20600, false); /* the UDP header's ports lie where TCP's do */

	(void)state;
	assert_false(rtpp_pkt_tcp_dst(f, len, &family, &addr, &port_be)); /* UDP */
	f[14 + 9] = 6;
	assert_true(rtpp_pkt_tcp_dst(f, len, &family, &addr, &port_be));
	assert_int_equal(family, RTPP_AF_INET);
	assert_int_equal(addr - f, 14 + 16);
	assert_int_equal(rte_be_to_cpu_16(port_be), 20600);
	assert_false(rtpp_pkt_tcp_dst(f, 14 + 20 + 3, &family, &addr, &port_be)); /* no port */
	f[14 + 6] = 0x20; /* more fragments: not a segment to look at */
	assert_false(rtpp_pkt_tcp_dst(f, len, &family, &addr, &port_be));
	f[14 + 6] = 0;
	f[14] = 0x44; /* IHL of 16 bytes */
	assert_false(rtpp_pkt_tcp_dst(f, len, &family, &addr, &port_be));
	len = build_v6(f, 20602);
	f[14 + 6] = 6;
	assert_true(rtpp_pkt_tcp_dst(f, len, &family, &addr, &port_be));
	assert_int_equal(family, RTPP_AF_INET6);
	assert_int_equal(addr - f, 14 + 24);
	assert_int_equal(rte_be_to_cpu_16(port_be), 20602);
	assert_false(rtpp_pkt_tcp_dst(f, 14 + 40 + 3, &family, &addr, &port_be));
	f[12] = 0x08;
	f[13] = 0x06; /* ARP */
	assert_false(rtpp_pkt_tcp_dst(f, len, &family, &addr, &port_be));
}

static const struct rte_ether_addr mac_src = { { 0x02, 0, 0, 0, 0, 0xb } };
static const struct rte_ether_addr mac_dst = { { 0x02, 0, 0, 0, 0, 0x20 } };

static void check_rewritten(const uint8_t *f, uint32_t len, const struct rtpp_rewrite *rw)
{
	struct rtpp_udp_view v = { 0 };

	assert_int_equal(rtpp_pkt_classify(f, len, &v), RTPP_PKT_UDP);
	assert_int_equal(v.family, rw->dst_addr->family);
	assert_memory_equal(f, &mac_dst, 6);
	assert_memory_equal(f + 6, &mac_src, 6);
	assert_memory_equal(rtpp_pkt_src_addr(f, &v), rw->src_addr->bytes,
			    v.family == RTPP_AF_INET ? 4 : 16);
	assert_memory_equal(rtpp_pkt_dst_addr(f, &v), rw->dst_addr->bytes,
			    v.family == RTPP_AF_INET ? 4 : 16);
	const struct rte_udp_hdr *udp = (const struct rte_udp_hdr *)(f + v.l4_off);
	assert_int_equal(udp->src_port, rw->src_port_be);
	assert_int_equal(udp->dst_port, rw->dst_port_be);
	assert_memory_equal(udp + 1, payload, PAYLOAD_LEN);
	assert_true(rtpp_pkt_checksums_valid(f, len));
}

static void rewrite_same(uint8_t *f, uint32_t len, const struct rtpp_rewrite *rw)
{
	struct rte_mbuf *m = to_mbuf(f, len);
	struct rtpp_udp_view v = { 0 };
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);

	assert_int_equal(rtpp_pkt_classify(frame, len, &v), RTPP_PKT_UDP);
	rtpp_pkt_rewrite_same_family(m, frame, &v, rw, false);
	check_rewritten(frame, m->data_len, rw);
	rte_pktmbuf_free(m);
}

static void test_rewrite_ipv4_incremental_checksums(void **state)
{
	struct rtpp_addr src, dst;
	uint8_t f[256];

	(void)state;
	rtpp_addr_parse("198.51.100.1", &src);
	rtpp_addr_parse("198.51.100.20", &dst);
	struct rtpp_rewrite rw = { &src, &dst, RTE_BE16(30000), RTE_BE16(40000), &mac_src, &mac_dst };
	/* Many port/address combinations so that carries in the sums are exercised. */
	for (uint32_t i = 0; i < 2000; i++) {
		rw.src_port_be = rte_cpu_to_be_16((uint16_t)(1 + i * 31));
		rw.dst_port_be = rte_cpu_to_be_16((uint16_t)(65535 - i * 17));
		dst.bytes[3] = (uint8_t)i;
		src.bytes[2] = (uint8_t)(i >> 3);
		rewrite_same(f, build_v4(f, (uint16_t)(20000 + i), false), &rw);
	}
}

/* The standard relay rewrite (-> 198.51.100.1:30000 -> 198.51.100.20:40000) of one v4 frame. */
static struct rte_mbuf *rewrite_v4(const uint8_t *f, uint32_t len, bool offload,
				   struct rtpp_udp_view *v)
{
	static struct rtpp_addr src, dst;
	struct rte_mbuf *m = to_mbuf(f, len);
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);

	rtpp_addr_parse("198.51.100.1", &src);
	rtpp_addr_parse("198.51.100.20", &dst);
	const struct rtpp_rewrite rw = { &src,     &dst,    RTE_BE16(30000), RTE_BE16(40000),
					 &mac_src, &mac_dst };
	assert_int_equal(rtpp_pkt_classify(frame, len, v), RTPP_PKT_UDP);
	rtpp_pkt_rewrite_same_family(m, frame, v, &rw, offload);
	return m;
}

static void test_rewrite_ipv4_zero_udp_checksum_stays_zero(void **state)
{
	uint8_t f[256];
	struct rtpp_udp_view v = { 0 };

	(void)state;
	uint32_t len = build_v4(f, 20000, true);
	struct rte_mbuf *m = rewrite_v4(f, len, false, &v);
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);

	assert_int_equal(rtpp_pkt_udp(frame, &v)->dgram_cksum, 0);
	assert_true(rtpp_pkt_checksums_valid(frame, len));
	rte_pktmbuf_free(m);
}

static void test_rewrite_ipv6(void **state)
{
	struct rtpp_addr src, dst;
	uint8_t f[256];

	(void)state;
	rtpp_addr_parse("2001:db8:b::1", &src);
	rtpp_addr_parse("2001:db8:b::20", &dst);
	struct rtpp_rewrite rw = { &src, &dst, RTE_BE16(30002), RTE_BE16(40002), &mac_src, &mac_dst };
	for (uint32_t i = 0; i < 500; i++) {
		dst.bytes[15] = (uint8_t)i;
		dst.bytes[8] = (uint8_t)(i * 7);
		rw.src_port_be = rte_cpu_to_be_16((uint16_t)(i * 131 + 1));
		rewrite_same(f, build_v6(f, 20002), &rw);
	}
}

static void test_rewrite_offload_marks_mbuf(void **state)
{
	uint8_t f[256];
	struct rtpp_udp_view v = { 0 };

	(void)state;
	struct rte_mbuf *m = rewrite_v4(f, build_v4(f, 20000, false), true, &v);
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);

	assert_true(m->ol_flags & RTE_MBUF_F_TX_IP_CKSUM);
	assert_int_equal(m->l2_len, 14);
	assert_int_equal(m->l3_len, 20);
	/* The UDP checksum is still complete: the NIC only fills the IP header's. */
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(frame + 14);
	assert_int_equal(rte_ipv4_udptcp_cksum_verify(ip, rtpp_pkt_udp(frame, &v)), 0);
	rte_pktmbuf_free(m);
}

static void test_rewrite_cross_family(void **state)
{
	struct rtpp_addr v4src, v4dst, v6src, v6dst;
	uint8_t f[256];
	struct rtpp_udp_view v = { 0 };

	(void)state;
	rtpp_addr_parse("198.51.100.1", &v4src);
	rtpp_addr_parse("198.51.100.20", &v4dst);
	rtpp_addr_parse("2001:db8:b::1", &v6src);
	rtpp_addr_parse("2001:db8:b::20", &v6dst);

	/* IPv4 in, IPv6 out (with and without a UDP checksum on the way in) */
	for (int zero = 0; zero <= 1; zero++) {
		struct rtpp_rewrite rw = { &v6src,          &v6dst,   RTE_BE16(30002),
					   RTE_BE16(40002), &mac_src, &mac_dst };
		uint32_t len = build_v4(f, 20000, zero);
		struct rte_mbuf *m = to_mbuf(f, len);

		rtpp_pkt_classify(rte_pktmbuf_mtod(m, uint8_t *), len, &v);
		uint8_t *out = rtpp_pkt_rewrite_cross_family(m, &v, &rw);
		assert_non_null(out);
		assert_int_equal(m->data_len, len + 20);
		check_rewritten(out, m->data_len, &rw);
		rte_pktmbuf_free(m);
	}
	/* IPv6 in, IPv4 out */
	struct rtpp_rewrite rw = { &v4src,          &v4dst,   RTE_BE16(30000),
				   RTE_BE16(40000), &mac_src, &mac_dst };
	uint32_t len = build_v6(f, 20002);
	struct rte_mbuf *m = to_mbuf(f, len);

	rtpp_pkt_classify(rte_pktmbuf_mtod(m, uint8_t *), len, &v);
	uint8_t *out = rtpp_pkt_rewrite_cross_family(m, &v, &rw);
	assert_non_null(out);
	assert_int_equal(m->data_len, len - 20);
	check_rewritten(out, m->data_len, &rw);
	rte_pktmbuf_free(m);
}

static void test_damaged_payload_stays_detectable(void **state)
{
	uint8_t f[256];
	struct rtpp_udp_view v = { 0 };

	(void)state;
	uint32_t len = build_v4(f, 20000, false);
	f[len - 1] ^= 0x40; /* corrupted on the way to the proxy */
	struct rte_mbuf *m = rewrite_v4(f, len, false, &v);
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);

	assert_false(rtpp_pkt_checksums_valid(frame, len));
	rte_pktmbuf_free(m);
}

int main(void)
{
	for (unsigned int i = 0; i < PAYLOAD_LEN; i++)
		payload[i] = (uint8_t)(i * 7 + 3);
	if (rtpp_test_eal_init(NULL) != 0)
		return 1;
	pool = rte_pktmbuf_pool_create("test_pkt", 1024, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	if (pool == NULL)
		return 1;

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_ipv4_udp),
		cmocka_unit_test(test_valid_ipv6_udp),
		cmocka_unit_test(test_truncated_at_every_header),
		cmocka_unit_test(test_wrong_ip_version),
		cmocka_unit_test(test_bad_ihl),
		cmocka_unit_test(test_checksums_that_do_not_hold),
		cmocka_unit_test(test_ipv4_header_checksum_test),
		cmocka_unit_test(test_total_length_beyond_frame),
		cmocka_unit_test(test_ipv4_fragments_go_to_kernel),
		cmocka_unit_test(test_udp_length_mismatch),
		cmocka_unit_test(test_other_protocols_go_to_kernel),
		cmocka_unit_test(test_tcp_destination),
		cmocka_unit_test(test_rewrite_ipv4_incremental_checksums),
		cmocka_unit_test(test_rewrite_ipv4_zero_udp_checksum_stays_zero),
		cmocka_unit_test(test_rewrite_ipv6),
		cmocka_unit_test(test_rewrite_offload_marks_mbuf),
		cmocka_unit_test(test_rewrite_cross_family),
		cmocka_unit_test(test_damaged_payload_stays_detectable),
	};
	int failed = cmocka_run_group_tests_name("packet", tests, NULL, NULL);

	rte_mempool_free(pool);
	rte_eal_cleanup();
	return failed;
}
