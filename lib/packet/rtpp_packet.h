/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet parsing and rewriting for the media path. Everything here is inline:
 * it runs once per packet on the workers, so it must not cost a call.
 *
 * Parsing accepts exactly what the fast path can forward (single-segment
 * Ethernet + IPv4 without fragmentation, or IPv6 with UDP as the first next
 * header). Anything else is classified, never guessed: malformed IP/UDP is
 * dropped and counted, other protocols go to the kernel unchanged.
 */
#ifndef RTPP_PACKET_H
#define RTPP_PACKET_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "rtpp_addr.h"

#define RTPP_IPPROTO_UDP 17
#define RTPP_IPPROTO_ICMPV6 58

enum rtpp_pkt_class {
	RTPP_PKT_UDP = 0,    /* well-formed UDP over IPv4/IPv6: view filled in */
	RTPP_PKT_ARP,        /* ARP: kernel, and neighbour snooping */
	RTPP_PKT_ICMPV6,     /* ICMPv6 (ND among it): kernel, and snooping */
	RTPP_PKT_KERNEL,     /* anything else well-formed: kernel */
	RTPP_PKT_MALFORMED,  /* claims IPv4/IPv6/UDP but is inconsistent: drop */
};

/* Where the headers of a classified UDP packet are, as offsets into the frame. */
struct rtpp_udp_view {
	uint8_t family;     /* RTPP_AF_INET or RTPP_AF_INET6 */
	uint8_t l3_len;     /* IPv4 IHL*4, or 40 */
	uint16_t l3_off;    /* always 14 today: no VLAN on the fast path */
	uint16_t l4_off;
	uint16_t udp_len;   /* UDP header + payload, from the UDP header */
};

/*
 * One's complement checksum arithmetic (RFC 1071/1624). Sums are kept in 32
 * bits and folded; the byte order of the words does not matter as long as old
 * and new data are read the same way, so fields are summed as they lie in the
 * packet.
 */
static inline uint64_t rtpp_csum_sum16(uint64_t sum, const void *data, unsigned int len)
{
	const uint8_t *p = data;

	/* 32-bit words with a 64-bit accumulator: same one's complement sum, half the adds. */
	for (unsigned int i = 0; i + 3 < len; i += 4) {
		uint32_t w;

		memcpy(&w, p + i, 4);
		sum += w;
	}
	return sum;
}

static inline uint64_t rtpp_csum_sub16(uint64_t sum, const void *data, unsigned int len)
{
	const uint8_t *p = data;

	/* Adding ~w of a 32-bit word adds the complement of both 16-bit halves. */
	for (unsigned int i = 0; i + 3 < len; i += 4) {
		uint32_t w;

		memcpy(&w, p + i, 4);
		sum += (uint32_t)~w;
	}
	return sum;
}

static inline uint16_t rtpp_csum_fold(uint64_t sum)
{
	uint32_t lo = (uint32_t)sum, s = lo + (uint32_t)(sum >> 32);

	s += s < lo; /* the end-around carry: an add with carry */
	/* At most 0x1fffe, then at most 0xffff. */
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* HC' = ~(~HC + ~m + m'): apply a precomputed delta (sum of ~old + new). */
static inline uint16_t rtpp_csum_apply(uint16_t csum, uint64_t delta)
{
	return (uint16_t)~rtpp_csum_fold((uint64_t)(uint16_t)~csum + delta);
}

/*
 * Does an IPv4 header of ihl bytes (a multiple of 4) carry a correct checksum?
 * Its folded sum must be 0xffff, which is the case exactly when the unfolded
 * sum is a multiple of 0xffff other than 0 (2^16 = 1 modulo 0xffff, so every
 * fold keeps the sum's remainder): a divisibility test, which compilers turn
 * into one multiplication, instead of the folds. Runs for every packet that a
 * NIC did not check: the usual header of 20 bytes gets a loop of known length.
 */
static inline bool rtpp_ipv4_hdr_csum_ok(const void *ip, uint32_t ihl)
{
	uint64_t sum = likely(ihl == 20) ? rtpp_csum_sum16(0, ip, 20) : rtpp_csum_sum16(0, ip, ihl);

	return sum != 0 && sum % 0xffff == 0;
}

/*
 * rte_be_to_cpu_16 of a field the hot path reads: DPDK's x86 version is an
 * asm statement that the compiler can neither fold into a comparison nor
 * schedule; the builtin is one rotate.
 */
static inline uint16_t rtpp_be16_to_cpu(rte_be16_t x)
{
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	return __builtin_bswap16(x);
#else
	return x;
#endif
}

/*
 * Classify a frame of frame_len bytes. Only RTPP_PKT_UDP fills *v.
 * ICMPv6 is reported only when it is the first next header. UDP for the
 * fast path must hold together: an IPv4 header checksum that is wrong (not
 * checked when ip_csum_good says the NIC found it good) and an IPv6 UDP
 * checksum of 0 (RFC 8200: IPv6 UDP must carry one) make it MALFORMED.
 */
static inline enum rtpp_pkt_class rtpp_pkt_classify_rx(const uint8_t *frame, uint32_t frame_len,
						       bool ip_csum_good, struct rtpp_udp_view *v)
{
	const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)frame;
	uint32_t l3_avail;
	uint16_t udp_len;

	if (unlikely(frame_len < sizeof(struct rte_ether_hdr)))
		return RTPP_PKT_MALFORMED;
	l3_avail = frame_len - (uint32_t)sizeof(struct rte_ether_hdr);

	if (likely(eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4))) {
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);
		uint32_t ihl, total;

		if (unlikely(l3_avail < sizeof(*ip)))
			return RTPP_PKT_MALFORMED;
		if (likely(ip->version_ihl == RTE_IPV4_VHL_DEF)) {
			ihl = sizeof(*ip); /* the usual header, without options */
		} else {
			if (unlikely((ip->version_ihl >> 4) != 4))
				return RTPP_PKT_MALFORMED;
			ihl = (uint32_t)(ip->version_ihl & 0x0f) * 4;
			if (unlikely(ihl < sizeof(*ip) || ihl > l3_avail))
				return RTPP_PKT_MALFORMED;
		}
		total = rtpp_be16_to_cpu(ip->total_length);
		if (unlikely(total < ihl || total > l3_avail))
			return RTPP_PKT_MALFORMED;
		/* Fragments (MF set or an offset) cannot be relayed piecewise. */
		if (unlikely((ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_MF_FLAG |
							     RTE_IPV4_HDR_OFFSET_MASK)) != 0))
			return RTPP_PKT_KERNEL;
		if (unlikely(ip->next_proto_id != RTPP_IPPROTO_UDP))
			return RTPP_PKT_KERNEL;
		if (unlikely(total - ihl < sizeof(struct rte_udp_hdr)))
			return RTPP_PKT_MALFORMED;
		udp_len = rtpp_be16_to_cpu(
			((const struct rte_udp_hdr *)((const uint8_t *)ip + ihl))->dgram_len);
		if (unlikely(udp_len != total - ihl))
			return RTPP_PKT_MALFORMED;
		if (unlikely(!ip_csum_good && !rtpp_ipv4_hdr_csum_ok(ip, ihl)))
			return RTPP_PKT_MALFORMED;
		v->family = RTPP_AF_INET;
		v->l3_len = (uint8_t)ihl;
		v->l3_off = sizeof(struct rte_ether_hdr);
		v->l4_off = (uint16_t)(sizeof(struct rte_ether_hdr) + ihl);
		v->udp_len = udp_len;
		return RTPP_PKT_UDP;
	}
	if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV6)) {
		const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)(eth + 1);
		uint32_t payload;

		if (unlikely(l3_avail < sizeof(*ip6)))
			return RTPP_PKT_MALFORMED;
		if (unlikely((rte_be_to_cpu_32(ip6->vtc_flow) >> 28) != 6))
			return RTPP_PKT_MALFORMED;
		payload = rte_be_to_cpu_16(ip6->payload_len);
		if (unlikely(payload + sizeof(*ip6) > l3_avail))
			return RTPP_PKT_MALFORMED;
		if (ip6->proto == RTPP_IPPROTO_ICMPV6)
			return RTPP_PKT_ICMPV6;
		if (unlikely(ip6->proto != RTPP_IPPROTO_UDP))
			return RTPP_PKT_KERNEL; /* extension headers, TCP, ... */
		if (unlikely(payload < sizeof(struct rte_udp_hdr)))
			return RTPP_PKT_MALFORMED;
		const struct rte_udp_hdr *udp6 = (const struct rte_udp_hdr *)(ip6 + 1);

		udp_len = rte_be_to_cpu_16(udp6->dgram_len);
		if (unlikely(udp_len != payload || udp6->dgram_cksum == 0))
			return RTPP_PKT_MALFORMED;
		v->family = RTPP_AF_INET6;
		v->l3_len = sizeof(*ip6);
		v->l3_off = sizeof(struct rte_ether_hdr);
		v->l4_off = (uint16_t)(sizeof(struct rte_ether_hdr) + sizeof(*ip6));
		v->udp_len = udp_len;
		return RTPP_PKT_UDP;
	}
	if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_ARP))
		return RTPP_PKT_ARP;
	return RTPP_PKT_KERNEL;
}

/* The same, every header checked in software. */
static inline enum rtpp_pkt_class rtpp_pkt_classify(const uint8_t *frame, uint32_t frame_len,
						    struct rtpp_udp_view *v)
{
	return rtpp_pkt_classify_rx(frame, frame_len, false, v);
}

/* Is a frame that went to the kernel ICMP over IPv4 (control traffic, like ARP and ND)? */
static inline bool rtpp_pkt_is_icmp(const uint8_t *frame, uint32_t len)
{
	const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)frame;

	return len >= sizeof(*eth) + sizeof(struct rte_ipv4_hdr) &&
	       eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4) &&
	       ((const struct rte_ipv4_hdr *)(eth + 1))->next_proto_id == IPPROTO_ICMP;
}

/*
 * For a TCP segment (the first header after IPv4 without fragmentation, or
 * after IPv6): its destination's family, address (into the frame) and port
 * (network order). False for anything else, or too short to say.
 */
static inline bool rtpp_pkt_tcp_dst(const uint8_t *frame, uint32_t len, uint8_t *family,
				    const uint8_t **addr, uint16_t *port_be)
{
	const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)frame;
	const uint8_t *l4;

	if (len < sizeof(*eth))
		return false;
	if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4)) {
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);
		uint32_t ihl;

		if (len < sizeof(*eth) + sizeof(*ip) || ip->next_proto_id != IPPROTO_TCP ||
		    (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)))
			return false;
		ihl = (uint32_t)(ip->version_ihl & 0x0f) * 4;
		if (ihl < sizeof(*ip) || len < sizeof(*eth) + ihl + 4)
			return false;
		*family = RTPP_AF_INET;
		*addr = (const uint8_t *)&ip->dst_addr;
		l4 = (const uint8_t *)ip + ihl;
	} else if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV6)) {
		const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)(eth + 1);

		if (len < sizeof(*eth) + sizeof(*ip6) + 4 || ip6->proto != IPPROTO_TCP)
			return false;
		*family = RTPP_AF_INET6;
		*addr = ip6->dst_addr;
		l4 = (const uint8_t *)(ip6 + 1);
	} else {
		return false;
	}
	memcpy(port_be, l4 + 2, sizeof(*port_be));
	return true;
}

/* Pointers to the destination address/port of a classified UDP packet. */
static inline const uint8_t *rtpp_pkt_dst_addr(const uint8_t *frame, const struct rtpp_udp_view *v)
{
	if (v->family == RTPP_AF_INET)
		return (const uint8_t *)&((const struct rte_ipv4_hdr *)(frame + v->l3_off))->dst_addr;
	return ((const struct rte_ipv6_hdr *)(frame + v->l3_off))->dst_addr;
}

static inline const uint8_t *rtpp_pkt_src_addr(const uint8_t *frame, const struct rtpp_udp_view *v)
{
	if (v->family == RTPP_AF_INET)
		return (const uint8_t *)&((const struct rte_ipv4_hdr *)(frame + v->l3_off))->src_addr;
	return ((const struct rte_ipv6_hdr *)(frame + v->l3_off))->src_addr;
}

static inline struct rte_udp_hdr *rtpp_pkt_udp(uint8_t *frame, const struct rtpp_udp_view *v)
{
	return (struct rte_udp_hdr *)(frame + v->l4_off);
}

/* What a packet becomes: addresses, ports and the L2 header. */
struct rtpp_rewrite {
	const struct rtpp_addr *src_addr;
	const struct rtpp_addr *dst_addr;
	uint16_t src_port_be; /* network order: as the path keeps them, no swap per packet */
	uint16_t dst_port_be;
	const struct rte_ether_addr *src_mac;
	const struct rte_ether_addr *dst_mac;
};

/*
 * Rewrite a classified UDP packet in place when the family stays the same:
 * addresses, ports and MACs change, IPv4 header and UDP checksums are adjusted
 * incrementally. Incremental adjustment keeps the sender's payload checksum
 * meaningful end to end: a payload damaged before the proxy stays detectably
 * damaged after it, which recomputing would hide. A zero IPv4 UDP checksum
 * ("none") stays zero. When ip_csum_offload is set the IPv4 header checksum
 * is left to the NIC and the mbuf is marked for it.
 */
static inline void rtpp_pkt_rewrite_same_family(struct rte_mbuf *m, uint8_t *frame,
						const struct rtpp_udp_view *v,
						const struct rtpp_rewrite *rw,
						bool ip_csum_offload)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)frame;
	struct rte_udp_hdr *udp = rtpp_pkt_udp(frame, v);
	uint64_t addr_delta, port_delta;

	rte_ether_addr_copy(rw->dst_mac, &eth->dst_addr);
	rte_ether_addr_copy(rw->src_mac, &eth->src_addr);

	port_delta = rtpp_csum_sub16(0, &udp->src_port, 4);
	udp->src_port = rw->src_port_be;
	udp->dst_port = rw->dst_port_be;
	port_delta = rtpp_csum_sum16(port_delta, &udp->src_port, 4);

	if (v->family == RTPP_AF_INET) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(frame + v->l3_off);

		addr_delta = rtpp_csum_sub16(0, &ip->src_addr, 8);
		memcpy(&ip->src_addr, rw->src_addr->bytes, 4);
		memcpy(&ip->dst_addr, rw->dst_addr->bytes, 4);
		addr_delta = rtpp_csum_sum16(addr_delta, &ip->src_addr, 8);
		if (ip_csum_offload) {
			ip->hdr_checksum = 0;
			m->l2_len = sizeof(*eth);
			m->l3_len = v->l3_len;
			m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
		} else {
			ip->hdr_checksum = rtpp_csum_apply(ip->hdr_checksum, addr_delta);
		}
		if (udp->dgram_cksum != 0) {
			uint16_t c = rtpp_csum_apply(udp->dgram_cksum, addr_delta + port_delta);

			udp->dgram_cksum = c == 0 ? 0xffff : c;
		}
	} else {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(frame + v->l3_off);
		uint16_t c;

		addr_delta = rtpp_csum_sub16(0, ip6->src_addr, 32);
		memcpy(ip6->src_addr, rw->src_addr->bytes, 16);
		memcpy(ip6->dst_addr, rw->dst_addr->bytes, 16);
		addr_delta = rtpp_csum_sum16(addr_delta, ip6->src_addr, 32);
		c = rtpp_csum_apply(udp->dgram_cksum, addr_delta + port_delta);
		udp->dgram_cksum = c == 0 ? 0xffff : c;
	}
}

/*
 * Rewrite when the family changes (an IPv4 leg relayed to an IPv6 leg or back):
 * the L3 header is replaced, the frame grows or shrinks by 20 bytes at the
 * front. Returns the new frame start, or NULL when the mbuf has no headroom.
 * The UDP checksum is adjusted for the new pseudo-header; an IPv4 packet
 * without one gets a full one, since IPv6 requires it.
 */
uint8_t *rtpp_pkt_rewrite_cross_family(struct rte_mbuf *m, const struct rtpp_udp_view *v,
				       const struct rtpp_rewrite *rw);

/* Full checksum helpers for tests and the slow path. */
bool rtpp_pkt_checksums_valid(const uint8_t *frame, uint32_t frame_len);

#endif
