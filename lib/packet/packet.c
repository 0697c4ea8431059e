/* SPDX-License-Identifier: BSD-3-Clause */
#include "rtpp_packet.h"

#define RTPP_IPV4_DEFAULT_TTL 64

static void write_ipv4_header(struct rte_ipv4_hdr *ip, const struct rtpp_rewrite *rw,
			      uint16_t udp_len, uint8_t tos, uint8_t ttl)
{
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = tos;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + udp_len));
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = ttl;
	ip->next_proto_id = RTPP_IPPROTO_UDP;
	memcpy(&ip->src_addr, rw->src_addr->bytes, 4);
	memcpy(&ip->dst_addr, rw->dst_addr->bytes, 4);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

static void write_ipv6_header(struct rte_ipv6_hdr *ip6, const struct rtpp_rewrite *rw,
			      uint16_t udp_len, uint8_t tclass, uint8_t hop_limit)
{
	ip6->vtc_flow = rte_cpu_to_be_32((6u << 28) | ((uint32_t)tclass << 20));
	ip6->payload_len = rte_cpu_to_be_16(udp_len);
	ip6->proto = RTPP_IPPROTO_UDP;
	ip6->hop_limits = hop_limit;
	memcpy(ip6->src_addr, rw->src_addr->bytes, 16);
	memcpy(ip6->dst_addr, rw->dst_addr->bytes, 16);
}

uint8_t *rtpp_pkt_rewrite_cross_family(struct rte_mbuf *m, const struct rtpp_udp_view *v,
				       const struct rtpp_rewrite *rw)
{
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_udp_hdr udp;
	uint64_t old_pseudo, new_pseudo;
	uint8_t traffic_class, hops;
	uint8_t *new_frame;
	struct rte_ether_hdr *eth;

	memcpy(&udp, frame + v->l4_off, sizeof(udp));
	if (v->family == RTPP_AF_INET) {
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(frame + v->l3_off);

		old_pseudo = rtpp_csum_sub16(0, &ip->src_addr, 8);
		traffic_class = ip->type_of_service;
		hops = ip->time_to_live;
	} else {
		const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)(frame + v->l3_off);

		old_pseudo = rtpp_csum_sub16(0, ip6->src_addr, 32);
		traffic_class = (uint8_t)(rte_be_to_cpu_32(ip6->vtc_flow) >> 20);
		hops = ip6->hop_limits;
	}

	/* Move the front of the frame so the UDP header stays where it is. */
	int delta = (int)(sizeof(struct rte_ether_hdr) +
			  (rw->dst_addr->family == RTPP_AF_INET6 ? sizeof(struct rte_ipv6_hdr)
								: sizeof(struct rte_ipv4_hdr))) -
		    (int)v->l4_off;
	if (delta > 0) {
		new_frame = (uint8_t *)rte_pktmbuf_prepend(m, (uint16_t)delta);
		if (new_frame == NULL)
			return NULL;
	} else {
		new_frame = (uint8_t *)rte_pktmbuf_adj(m, (uint16_t)-delta);
	}

	eth = (struct rte_ether_hdr *)new_frame;
	rte_ether_addr_copy(rw->dst_mac, &eth->dst_addr);
	rte_ether_addr_copy(rw->src_mac, &eth->src_addr);
	if (rw->dst_addr->family == RTPP_AF_INET6) {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(eth + 1);

		eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
		write_ipv6_header(ip6, rw, v->udp_len, traffic_class,
				  hops ? hops : RTPP_IPV4_DEFAULT_TTL);
		new_pseudo = rtpp_csum_sum16(0, ip6->src_addr, 32);
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);

		eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
		write_ipv4_header(ip, rw, v->udp_len, traffic_class,
				  hops ? hops : RTPP_IPV4_DEFAULT_TTL);
		new_pseudo = rtpp_csum_sum16(0, &ip->src_addr, 8);
	}

	struct rte_udp_hdr *nudp = (struct rte_udp_hdr *)(new_frame + sizeof(*eth) +
		(rw->dst_addr->family == RTPP_AF_INET6 ? sizeof(struct rte_ipv6_hdr)
						       : sizeof(struct rte_ipv4_hdr)));
	uint64_t port_delta = rtpp_csum_sub16(0, &udp.src_port, 4);
	nudp->src_port = rw->src_port_be;
	nudp->dst_port = rw->dst_port_be;
	port_delta = rtpp_csum_sum16(port_delta, &nudp->src_port, 4);

	/* 0 is IPv4's "no checksum" only: classification refuses it on IPv6. */
	if (udp.dgram_cksum == 0) {
		if (rw->dst_addr->family == RTPP_AF_INET6) {
			nudp->dgram_cksum = 0;
			nudp->dgram_cksum = rte_ipv6_udptcp_cksum(
				(const struct rte_ipv6_hdr *)(eth + 1), nudp);
		}
	} else {
		uint16_t c = rtpp_csum_apply(udp.dgram_cksum, old_pseudo + new_pseudo + port_delta);

		nudp->dgram_cksum = c == 0 ? 0xffff : c;
	}
	m->packet_type = 0;
	return new_frame;
}

bool rtpp_pkt_checksums_valid(const uint8_t *frame, uint32_t frame_len)
{
	struct rtpp_udp_view v;

	if (rtpp_pkt_classify(frame, frame_len, &v) != RTPP_PKT_UDP)
		return false;
	const struct rte_udp_hdr *udp = (const struct rte_udp_hdr *)(frame + v.l4_off);
	if (v.family == RTPP_AF_INET) {
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(frame + v.l3_off);

		if (rte_raw_cksum(ip, v.l3_len) != 0xffff)
			return false;
		if (udp->dgram_cksum == 0)
			return true;
		return rte_ipv4_udptcp_cksum_verify(ip, udp) == 0;
	}
	return rte_ipv6_udptcp_cksum_verify((const struct rte_ipv6_hdr *)(frame + v.l3_off),
					    udp) == 0;
}
