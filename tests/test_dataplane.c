/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker's forwarding path on in-memory ring ports: what leaves which
 * port, rewritten how, and which counter says why when something does not.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include <rte_arp.h>
#include <rte_bus_vdev.h>
#include <rte_cycles.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_meter.h>
#include <rte_udp.h>

#include "rtpp_dataplane_test.h"
#include "rtpp_packet.h"
#include "test_eal.h"

#define IFACE_A 0
#define IFACE_B 1
#define OUT_RING_SIZE 64

static struct rte_mempool *pool;
static struct rte_ring *in_ring[2], *out_ring[2];
static uint16_t port[2];
static struct rtpp_dataplane *dp;
static struct rtpp_worker *w;
static const struct rte_ether_addr peer_mac = { { 0x02, 0, 0, 0, 0, 0x20 } };

static struct rtpp_endpoint ep(const char *s)
{
	struct rtpp_endpoint e;

	assert_int_equal(rtpp_endpoint_parse(s, &e), 0);
	return e;
}

/* A UDP packet from src to dst carrying payload (len bytes). */
static struct rte_mbuf *udp_packet_with(const char *src, const char *dst, const uint8_t *data,
					uint16_t payload)
{
	struct rtpp_endpoint s = ep(src), d = ep(dst);
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	bool v6 = d.addr.family == RTPP_AF_INET6;
	uint16_t l3 = v6 ? 40 : 20;
	uint8_t *f = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(14 + l3 + 8 + payload));
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(f + 14 + l3);

	memset(f, 0, 14 + l3 + 8 + payload);
	/* From the peer's MAC: what a latch seeds the next hop with. */
	rte_ether_addr_copy(&peer_mac, &((struct rte_ether_hdr *)f)->src_addr);
	((struct rte_ether_hdr *)f)->ether_type =
		v6 ? RTE_BE16(RTE_ETHER_TYPE_IPV6) : RTE_BE16(RTE_ETHER_TYPE_IPV4);
	udp->src_port = rte_cpu_to_be_16(s.port);
	udp->dst_port = rte_cpu_to_be_16(d.port);
	udp->dgram_len = rte_cpu_to_be_16(8 + payload);
	memcpy(udp + 1, data, payload);
	if (v6) {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(f + 14);

		ip6->vtc_flow = RTE_BE32(6u << 28);
		ip6->payload_len = udp->dgram_len;
		ip6->proto = 17;
		ip6->hop_limits = 64;
		memcpy(ip6->src_addr, s.addr.bytes, 16);
		memcpy(ip6->dst_addr, d.addr.bytes, 16);
		udp->dgram_cksum = rte_ipv6_udptcp_cksum(ip6, udp);
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);

		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(20 + 8 + payload));
		ip->time_to_live = 64;
		ip->next_proto_id = 17;
		ip->src_addr = rtpp_addr_v4(&s.addr);
		ip->dst_addr = rtpp_addr_v4(&d.addr);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	}
	return m;
}

/*
 * A media packet from src to dst carrying 'tag' in every byte after its
 * 12-byte header: RTP (PCMU, SSRC 0x5eed) to an even port, an RTCP receiver
 * report to an odd one, so that validation lets it through.
 */
static struct rte_mbuf *udp_packet(const char *src, const char *dst, uint8_t tag)
{
	static uint16_t seq;
	uint8_t data[172];

	memset(data, tag, sizeof(data));
	if (ep(dst).port % 2 == 0) {
		data[0] = 0x80;
		data[1] = 0; /* PCMU */
		data[2] = (uint8_t)(seq >> 8);
		data[3] = (uint8_t)seq;
		seq++;
		memset(data + 4, 0, 4);
	} else {
		data[0] = 0x80;
		data[1] = 201; /* RR, no report block: 8 bytes */
		data[2] = 0;
		data[3] = 1;
		memset(data + 4, 0, 4);
	}
	memcpy(data + 8, "\0\0\x5e\xed", 4);
	return udp_packet_with(src, dst, data, sizeof(data));
}

static void process(uint16_t iface, struct rte_mbuf **pkts, uint16_t n)
{
	rtpp_worker_process_media(w, iface, pkts, n, 1);
	rtpp_worker_flush(w);
}

/*
 * What left a port, checked for addresses, ports, MACs and checksums; its
 * UDP payload is returned (the mbuf is the caller's to free).
 */
static struct rte_mbuf *dequeue_out(uint16_t iface, const char *src, const char *dst,
				    const uint8_t **payload, uint16_t *len)
{
	struct rte_mbuf *m = NULL;
	struct rtpp_endpoint s = ep(src), d = ep(dst);
	struct rtpp_udp_view v = { 0 };

	assert_int_equal(rte_ring_dequeue(out_ring[iface], (void **)&m), 0);
	uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *);
	assert_int_equal(rtpp_pkt_classify(f, m->data_len, &v), RTPP_PKT_UDP);
	assert_int_equal(v.family, d.addr.family);
	assert_memory_equal(rtpp_pkt_src_addr(f, &v), s.addr.bytes, v.family == RTPP_AF_INET ? 4 : 16);
	assert_memory_equal(rtpp_pkt_dst_addr(f, &v), d.addr.bytes, v.family == RTPP_AF_INET ? 4 : 16);
	struct rte_udp_hdr *udp = rtpp_pkt_udp(f, &v);
	assert_int_equal(rte_be_to_cpu_16(udp->src_port), s.port);
	assert_int_equal(rte_be_to_cpu_16(udp->dst_port), d.port);
	assert_memory_equal(f, &peer_mac, 6);
	assert_memory_equal(f + 6, rtpp_dataplane_test_iface_mac(dp, iface), 6);
	assert_true(rtpp_pkt_checksums_valid(f, m->data_len));
	*payload = (const uint8_t *)(udp + 1);
	*len = (uint16_t)(v.udp_len - sizeof(*udp));
	return m;
}

/* A media packet of udp_packet() left: its tag is the first byte after the 12-byte header. */
static void expect_out(uint16_t iface, const char *src, const char *dst, uint8_t tag)
{
	const uint8_t *payload;
	uint16_t len;
	struct rte_mbuf *m = dequeue_out(iface, src, dst, &payload, &len);

	assert_true(len > 12);
	assert_int_equal(payload[12], tag);
	rte_pktmbuf_free(m);
}

/* A packet left carrying exactly data. */
static void expect_out_payload(uint16_t iface, const char *src, const char *dst,
			       const uint8_t *data, uint16_t n)
{
	const uint8_t *payload;
	uint16_t len;
	struct rte_mbuf *m = dequeue_out(iface, src, dst, &payload, &len);

	assert_int_equal(len, n);
	assert_memory_equal(payload, data, n);
	rte_pktmbuf_free(m);
}

static void expect_nothing_out(void)
{
	assert_int_equal(rte_ring_count(out_ring[0]), 0);
	assert_int_equal(rte_ring_count(out_ring[1]), 0);
}

static uint64_t create(const char *listen, const char *forward, const char *destination,
		       const char *source)
{
	struct rtpp_session_params p = { .name = "t", .rtcp = true };
	uint32_t index;
	uint64_t id;

	/* As the data plane makes them by default: strict source, A learns when not given. */
	p.leg[0] = (struct rtpp_leg){ .local = ep(listen),
				      .iface = IFACE_A,
				      .neigh = RTPP_NEIGH_NONE,
				      .learning = RTPP_LEARN_OPEN,
				      .flags = RTPP_LEG_F_STRICT };
	p.leg[1] = (struct rtpp_leg){ .local = ep(forward),
				      .remote = ep(destination),
				      .iface = IFACE_B,
				      .flags = RTPP_LEG_F_STRICT };
	p.leg[1].rtcp_port = (uint16_t)(p.leg[1].remote.port + 1);
	p.leg[1].neigh = rtpp_neigh_ref(rtpp_dataplane_test_neigh(dp), IFACE_B,
					&p.leg[1].remote.addr);
	if (source != NULL) {
		p.leg[0].remote = ep(source);
		p.leg[0].learning = RTPP_LEARN_GIVEN;
		p.leg[0].rtcp_port = (uint16_t)(p.leg[0].remote.port + 1);
		p.leg[0].neigh = rtpp_neigh_ref(rtpp_dataplane_test_neigh(dp), IFACE_A,
						&p.leg[0].remote.addr);
	}
	assert_int_equal(rtpp_session_add(rtpp_dataplane_test_sessions(dp), &p, &index, &id), 0);
	return index;
}

/*
 * The next hop addr on iface (a session's, so its entry exists) answered:
 * afterwards its entry is usable with the peer's MAC. (Learning it again
 * changes nothing and returns false: what is checked is the entry.)
 */
static void resolve(uint16_t iface, const char *addr)
{
	struct rtpp_neigh_table *nt = rtpp_dataplane_test_neigh(dp);
	struct rtpp_neigh_learn l = { .iface = iface, .mac = peer_mac };
	const struct rte_ether_addr *mac;
	uint32_t index;
	bool resolved;

	assert_int_equal(rtpp_addr_parse(addr, &l.addr), 0);
	rtpp_neigh_learn(nt, &l, 1);
	index = rtpp_neigh_ref(nt, iface, &l.addr);
	assert_int_not_equal(index, RTPP_NEIGH_NONE);
	mac = rtpp_neigh_mac(rtpp_neigh_entries(nt), index);
	resolved = mac != NULL && rte_is_same_ether_addr(mac, &peer_mac);
	rtpp_neigh_unref(nt, index);
	if (!resolved)
		fail_msg("next hop %s on interface %u is not resolved to the peer's MAC", addr,
			 iface);
}

static struct rtpp_flow_stats flow(uint32_t index, unsigned int f)
{
	struct rtpp_flow_stats c;

	rtpp_session_flow_counters(rtpp_dataplane_test_sessions(dp), index, f, &c);
	return c;
}

static int setup(void **state)
{
	(void)state;
	dp = rtpp_dataplane_create_detached(port, 2, 64, 1, pool, NULL);
	assert_non_null(dp);
	w = rtpp_dataplane_test_worker(dp, 0);
	return 0;
}

static int teardown(void **state)
{
	struct rte_mbuf *m;

	(void)state;
	for (int i = 0; i < 2; i++)
		while (rte_ring_dequeue(out_ring[i], (void **)&m) == 0)
			rte_pktmbuf_free(m);
	rtpp_dataplane_destroy(dp);
	return 0;
}

static void test_forward_rtp_and_rtcp_v4(void **state)
{
	(void)state;
	uint32_t s = create("203.0.113.1:20000", "198.51.100.1:30000", "198.51.100.20:40000", NULL);
	resolve(IFACE_B, "198.51.100.20");

	struct rte_mbuf *pkts[2] = {
		udp_packet("203.0.113.10:5000", "203.0.113.1:20000", 0x11),
		udp_packet("203.0.113.10:5001", "203.0.113.1:20001", 0x22),
	};
	process(IFACE_A, pkts, 2);
	expect_out(IFACE_B, "198.51.100.1:30000", "198.51.100.20:40000", 0x11);
	expect_out(IFACE_B, "198.51.100.1:30001", "198.51.100.20:40001", 0x22);
	expect_nothing_out();
	assert_int_equal(flow(s, 0).rx_packets, 1);
	assert_int_equal(flow(s, 0).tx_packets, 1);
	assert_int_equal(flow(s, 1).rx_packets, 1); /* RTCP is its own flow */
	assert_int_equal(flow(s, 0).tx_bytes, flow(s, 0).rx_bytes);
	assert_int_equal(rtpp_dataplane_test_worker_counters(w, IFACE_A)->rx_packets, 2);
	assert_int_equal(rtpp_dataplane_test_worker_counters(w, IFACE_B)->tx_packets, 2);
}

static void test_forward_v6_and_cross_family(void **state)
{
	(void)state;
	create("[2001:db8:a::1]:20002", "[2001:db8:b::1]:30002", "[2001:db8:b::20]:40002", NULL);
	/* IPv4 in, IPv6 out */
	create("203.0.113.1:20004", "[2001:db8:b::1]:30004", "[2001:db8:b::20]:40004", NULL);
	resolve(IFACE_B, "2001:db8:b::20");

	struct rte_mbuf *pkts[2] = {
		udp_packet("[2001:db8:a::10]:5000", "[2001:db8:a::1]:20002", 0x33),
		udp_packet("203.0.113.10:5000", "203.0.113.1:20004", 0x44),
	};
	process(IFACE_A, pkts, 2);
	expect_out(IFACE_B, "[2001:db8:b::1]:30002", "[2001:db8:b::20]:40002", 0x33);
	expect_out(IFACE_B, "[2001:db8:b::1]:30004", "[2001:db8:b::20]:40004", 0x44);
}

static void test_reverse_needs_a_remote(void **state)
{
	(void)state;
	uint32_t oneway = create("203.0.113.1:20000", "198.51.100.1:30000", "198.51.100.20:40000", NULL);
	uint32_t twoway = create("203.0.113.1:20010", "198.51.100.1:30010", "198.51.100.20:40010",
				 "203.0.113.10:5010");
	resolve(IFACE_B, "198.51.100.20");
	resolve(IFACE_A, "203.0.113.10");

	/* Media coming back from the destination to the forward endpoint */
	struct rte_mbuf *pkts[2] = {
		udp_packet("198.51.100.20:40000", "198.51.100.1:30000", 0x55),
		udp_packet("198.51.100.20:40010", "198.51.100.1:30010", 0x66),
	};
	process(IFACE_B, pkts, 2);
	expect_out(IFACE_A, "203.0.113.1:20010", "203.0.113.10:5010", 0x66);
	expect_nothing_out();
	assert_int_equal(flow(oneway, 2).drop_no_remote, 1); /* leg B in, leg A remote unknown */
	assert_int_equal(flow(oneway, 2).tx_packets, 0);
	assert_int_equal(flow(twoway, 2).tx_packets, 1);
}

static void test_unresolved_next_hop_drops_and_counts(void **state)
{
	(void)state;
	uint32_t s = create("203.0.113.1:20000", "198.51.100.1:30000", "198.51.100.99:40000", NULL);
	struct rte_mbuf *m = udp_packet("203.0.113.10:5000", "203.0.113.1:20000", 1);

	process(IFACE_A, &m, 1);
	expect_nothing_out();
	assert_int_equal(flow(s, 0).rx_packets, 1);
	assert_int_equal(flow(s, 0).drop_no_neighbour, 1);
	assert_int_equal(flow(s, 0).tx_packets, 0);
}

static void test_no_session_and_malformed_never_forwarded(void **state)
{
	(void)state;
	create("203.0.113.1:20000", "198.51.100.1:30000", "198.51.100.20:40000", NULL);
	resolve(IFACE_B, "198.51.100.20");

	struct rte_mbuf *pkts[3] = {
		udp_packet("203.0.113.10:5000", "203.0.113.1:20100", 1),   /* no session */
		udp_packet("203.0.113.10:5000", "203.0.113.77:20000", 2),  /* not our address */
		udp_packet("203.0.113.10:5000", "203.0.113.1:20000", 3),
	};
	/* the third claims a UDP length beyond its IP packet */
	uint8_t *f = rte_pktmbuf_mtod(pkts[2], uint8_t *);
	((struct rte_udp_hdr *)(f + 34))->dgram_len = RTE_BE16(4000);
	process(IFACE_A, pkts, 3);
	expect_nothing_out();
	struct rtpp_iface_counters *pc = rtpp_dataplane_test_worker_counters(w, IFACE_A);
	assert_int_equal(pc->no_session, 2);
	assert_int_equal(pc->malformed, 1);
	/* No TAP in this test: what the kernel would get is counted as dropped. */
	assert_int_equal(pc->kernel_dropped, 2);
	assert_int_equal(rte_mempool_in_use_count(pool), 0); /* nothing leaked */
}

static void test_full_tx_queue_is_counted_not_leaked(void **state)
{
	(void)state;
	uint32_t s = create("203.0.113.1:20000", "198.51.100.1:30000", "198.51.100.20:40000", NULL);
	resolve(IFACE_B, "198.51.100.20");
	struct rte_mbuf *pkts[OUT_RING_SIZE + 8];
	const unsigned int n = RTE_DIM(pkts), room = OUT_RING_SIZE - 1;

	for (unsigned int i = 0; i < n; i++)
		pkts[i] = udp_packet("203.0.113.10:5000", "203.0.113.1:20000", (uint8_t)i);
	process(IFACE_A, pkts, (uint16_t)n);
	assert_int_equal(rte_ring_count(out_ring[IFACE_B]), room);
	struct rtpp_flow_stats c = flow(s, 0);
	assert_int_equal(c.rx_packets, n);
	assert_int_equal(c.tx_packets, room);
	assert_int_equal(c.drop_tx_full, n - room);
	assert_int_equal(rtpp_dataplane_test_worker_counters(w, IFACE_B)->tx_packets, room);
	assert_int_equal(rtpp_dataplane_test_worker_counters(w, IFACE_B)->tx_dropped, n - room);
	/* Bytes too: the port counts what left, as the flow does. */
	assert_int_equal(rtpp_dataplane_test_worker_counters(w, IFACE_B)->tx_bytes, c.tx_bytes);
	assert_int_equal(c.tx_bytes, (uint64_t)room * (c.rx_bytes / n)); /* same size in and out */
	teardown(NULL);
	setup(NULL);
	assert_int_equal(rte_mempool_in_use_count(pool), 0);
}

/*
 * A listing looks at a bounded number of slots per call, whatever its
 * filter: a filter that matches nothing walks the table in steps (empty
 * pages with a cursor that is not the end), never all of it at once.
 */
static void test_session_list_is_bounded(void **state)
{
	const struct rtpp_session_filter none_match = { .state = RTPP_SESSION_ERROR, .iface = -1 };
	struct rtpp_session_status st[4];
	uint32_t cursor = 0, calls = 0, step = 8, capacity;

	(void)state;
	capacity = rtpp_session_capacity(rtpp_dataplane_test_sessions(dp));
	create("203.0.113.1:20000", "198.51.100.1:30000", "198.51.100.20:40000", NULL);
	create("203.0.113.1:20002", "198.51.100.1:30002", "198.51.100.20:40000", NULL);
	create("203.0.113.1:20004", "198.51.100.1:30004", "198.51.100.20:40000", NULL);
	rtpp_dataplane_test_set_list_scan(dp, step);
	while (cursor != UINT32_MAX) {
		uint32_t from = cursor;

		assert_int_equal(rtpp_dataplane_session_list(dp, &none_match, &cursor, st, 4), 0);
		assert_true(cursor == UINT32_MAX || cursor == from + step);
		assert_true(++calls <= capacity / step);
	}
	assert_int_equal(calls, capacity / step);
	/* Without a filter the three come in pages of two, then the scan runs out. */
	cursor = 0;
	assert_int_equal(rtpp_dataplane_session_list(dp, NULL, &cursor, st, 2), 2);
	assert_int_not_equal(cursor, UINT32_MAX);
	assert_int_equal(rtpp_dataplane_session_list(dp, NULL, &cursor, st, 2), 1);
	while (cursor != UINT32_MAX)
		assert_int_equal(rtpp_dataplane_session_list(dp, NULL, &cursor, st, 2), 0);
}

static void test_arp_reply_is_snooped_for_the_main_lcore(void **state)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct rtpp_addr me, peer;
	struct rtpp_neigh_learn l;

	(void)state;
	rtpp_addr_parse("198.51.100.1", &me);
	rtpp_addr_parse("198.51.100.20", &peer);
	assert_int_equal(rtpp_neigh_build_probe(m, &peer_mac, &peer, &me), 0);
	process(IFACE_B, &m, 1);
	assert_int_equal(rte_ring_sc_dequeue_elem(rtpp_dataplane_test_learn_ring(dp), &l, sizeof(l)),
			 0);
	assert_int_equal(l.iface, IFACE_B);
	assert_true(rtpp_addr_equal(&l.addr, &peer));
	assert_memory_equal(&l.mac, &peer_mac, 6);
	assert_int_equal(rtpp_dataplane_test_worker_counters(w, IFACE_B)->kernel_dropped, 1);
}

static void test_destroyed_session_stops_forwarding_at_once(void **state)
{
	(void)state;
	uint32_t s = create("203.0.113.1:20000", "198.51.100.1:30000", "198.51.100.20:40000", NULL);
	resolve(IFACE_B, "198.51.100.20");
	assert_int_equal(rtpp_session_del(rtpp_dataplane_test_sessions(dp), s), 0);
	struct rte_mbuf *m = udp_packet("203.0.113.10:5000", "203.0.113.1:20000", 1);
	process(IFACE_A, &m, 1);
	expect_nothing_out();
	assert_int_equal(rtpp_dataplane_test_worker_counters(w, IFACE_A)->no_session, 1);
}

static void test_status_reports_endpoints_and_counters(void **state)
{
	(void)state;
	uint32_t s = create("203.0.113.1:20000", "198.51.100.1:30000", "198.51.100.20:40000", NULL);
	resolve(IFACE_B, "198.51.100.20");
	struct rte_mbuf *pkts[3];
	for (int i = 0; i < 3; i++)
		pkts[i] = udp_packet("203.0.113.10:5000", "203.0.113.1:20000", 1);
	process(IFACE_A, pkts, 3);

	struct rtpp_session_status st;
	uint64_t id = rtpp_session_get_info(rtpp_dataplane_test_sessions(dp), s)->id;
	char e[RTPP_ENDPOINT_STRLEN];
	assert_int_equal(rtpp_dataplane_session_status(dp, id, &st), 0);
	assert_int_equal(st.id, id);
	assert_string_equal(rtpp_endpoint_format(&st.listen, e, sizeof(e)), "203.0.113.1:20000");
	assert_string_equal(rtpp_endpoint_format(&st.destination, e, sizeof(e)), "198.51.100.20:40000");
	assert_false(rtpp_addr_is_set(&st.source.addr));
	assert_int_equal(st.flows[RTPP_FLOW_A_TO_B].rx_packets, 3);
	assert_int_equal(st.flows[RTPP_FLOW_A_TO_B].tx_packets, 3);
	assert_int_equal(st.flows[RTPP_FLOW_B_TO_A].rx_packets, 0);
	assert_int_equal(st.last_rx_unix_ms[RTPP_FLOW_B_TO_A], 0);
	/* "now" in this test is TSC 1: a time near the table's creation, not 1970 */
	assert_true(st.last_rx_unix_ms[RTPP_FLOW_A_TO_B] + 86400000ull > st.created_unix_ms);
	assert_int_equal(rtpp_dataplane_session_status(dp, id + 1000, &st), -ENOENT);
}

static void test_list_pages_every_session_once(void **state)
{
	(void)state;
	char l[64], f[64];
	for (unsigned int i = 0; i < 25; i++) {
		snprintf(l, sizeof(l), "203.0.113.1:%u", 20000 + 2 * i);
		snprintf(f, sizeof(f), "198.51.100.1:%u", 30000 + 2 * i);
		create(l, f, "198.51.100.20:40000", NULL);
	}
	/* a hole in the middle: destroyed sessions are not listed */
	rtpp_session_del(rtpp_dataplane_test_sessions(dp), 3);

	struct rtpp_session_status page[10];
	uint64_t seen[64] = { 0 };
	uint32_t cursor = 0, total = 0, pages = 0;
	while (cursor != UINT32_MAX) {
		unsigned int n = rtpp_dataplane_session_list(dp, NULL, &cursor, page, RTE_DIM(page));

		assert_true(n > 0);
		for (unsigned int i = 0; i < n; i++) {
			assert_true(page[i].id < RTE_DIM(seen));
			assert_int_equal(seen[page[i].id]++, 0);
		}
		total += n;
		pages++;
	}
	assert_int_equal(total, 24);
	assert_int_equal(pages, 3); /* 10 + 10 + 4: no empty last page */

	/* A filter that matches nothing ends at once. */
	struct rtpp_session_filter none = { .state = RTPP_SESSION_ERROR, .iface = -1 };
	cursor = 0;
	assert_int_equal(rtpp_dataplane_session_list(dp, &none, &cursor, page, 10), 0);
	assert_int_equal(cursor, UINT32_MAX);
	struct rtpp_session_filter on_b = { .state = 0, .iface = IFACE_B };
	cursor = 0;
	assert_int_equal(rtpp_dataplane_session_list(dp, &on_b, &cursor, page, 10), 10);
}

/* One event as the handler saw it, with what its status said. */
struct event_record {
	enum rtpp_session_event_type type;
	uint64_t session_id;
	enum rtpp_session_state old_state, new_state;
	unsigned int leg;
	bool relatch;
	struct rtpp_endpoint source; /* leg A's remote */
	enum rtpp_close_reason close_reason;
	char error[128];
};

#define EVENT_LOG_MAX 32

struct event_log {
	unsigned int n;
	struct rtpp_session_event last;
	uint64_t last_rx_packets;
	struct event_record ev[EVENT_LOG_MAX]; /* the first EVENT_LOG_MAX events, in order */
};

static void record_event(void *ctx, const struct rtpp_session_event *ev)
{
	struct event_log *log = ctx;

	if (log->n < EVENT_LOG_MAX) {
		struct event_record *r = &log->ev[log->n];

		r->type = ev->type;
		r->session_id = ev->session_id;
		r->old_state = ev->old_state;
		r->new_state = ev->new_state;
		r->leg = ev->leg;
		r->relatch = ev->relatch;
		r->source = ev->status->source;
		r->close_reason = ev->status->close_reason;
		snprintf(r->error, sizeof(r->error), "%s", ev->status->error);
	}
	log->n++;
	log->last = *ev;
	log->last.status = NULL;
	log->last_rx_packets = ev->status->flows[RTPP_FLOW_A_TO_B].rx_packets;
}

/* RTP version 2 with sequence number seq, 160 bytes of audio after the header. */
static struct rte_mbuf *rtp_packet(const char *src, const char *dst, uint16_t seq)
{
	uint8_t data[12 + 160] = { 0x80, 0, (uint8_t)(seq >> 8), (uint8_t)seq };

	return udp_packet_with(src, dst, data, sizeof(data));
}

static void process_at(uint16_t iface, struct rte_mbuf *m, uint64_t tsc)
{
	rtpp_worker_process_media(w, iface, &m, 1, tsc);
	rtpp_worker_flush(w);
}

static unsigned int drain(uint16_t iface)
{
	struct rte_mbuf *m;
	unsigned int n = 0;

	while (rte_ring_dequeue(out_ring[iface], (void **)&m) == 0) {
		rte_pktmbuf_free(m);
		n++;
	}
	return n;
}

static void test_rtp_loss_and_rtcp_round_trip(void **state)
{
	(void)state;
	uint32_t s = create("203.0.113.1:20010", "198.51.100.1:30010", "198.51.100.20:40010",
			    "203.0.113.10:5010");
	uint64_t id = rtpp_session_get_info(rtpp_dataplane_test_sessions(dp), s)->id;
	struct rtpp_session_status st;
	const int seqs[] = { 100, 101, 103, 104, 108, 106 }; /* 102, 105-107 missing; 106 comes late */

	resolve(IFACE_B, "198.51.100.20");
	resolve(IFACE_A, "203.0.113.10");
	for (unsigned int i = 0; i < RTE_DIM(seqs); i++)
		process_at(IFACE_A, rtp_packet("203.0.113.10:5010", "203.0.113.1:20010",
					       (uint16_t)seqs[i]), 1);
	/* RTCP multiplexed on the RTP port is forwarded, and is no RTP packet */
	static const uint8_t mux_rr[8] = { 0x80, 201, 0, 1, 0, 0, 0, 9 };
	process_at(IFACE_A, udp_packet_with("203.0.113.10:5010", "203.0.113.1:20010", mux_rr,
					    sizeof(mux_rr)), 1);
	assert_int_equal(drain(IFACE_B), 7);

	/* A's SR (NTP 0x1234.5678...) passes at t0; B's report echoes it 520 ms
	 * later, having held it 500 ms: 20 ms between the proxy and B. */
	const uint64_t hz = rte_get_tsc_hz(), t0 = 1000 * hz;
	static const uint8_t sr[28] = { 0x80, 200, 0, 6, 0xaa, 0, 0, 1, 0, 0, 0x12, 0x34,
					0x56, 0x78, 0, 0 };
	static const uint8_t rr[32] = { 0x81, 201, 0, 7, 0xbb, 0, 0, 2,
					0xaa, 0, 0, 1, 0x40, 0, 0, 5, 0, 1, 0, 6, 0, 0, 0, 9,
					0x12, 0x34, 0x56, 0x78, 0, 0, 0x80, 0 };
	process_at(IFACE_A, udp_packet_with("203.0.113.10:5011", "203.0.113.1:20011", sr,
					    sizeof(sr)), t0);
	process_at(IFACE_B, udp_packet_with("198.51.100.20:40011", "198.51.100.1:30011", rr,
					    sizeof(rr)), t0 + hz * 52 / 100);
	assert_int_equal(drain(IFACE_B), 1);
	assert_int_equal(drain(IFACE_A), 1); /* RTCP is relayed unchanged either way */

	assert_int_equal(rtpp_dataplane_session_status(dp, id, &st), 0);
	assert_int_equal(st.flows[RTPP_FLOW_A_TO_B].rx_packets, 7);
	assert_int_equal(st.flows[RTPP_FLOW_A_TO_B].rtp_lost, 3);
	assert_int_equal(st.legs[RTPP_LEG_B].rtt_samples, 1);
	assert_true(st.legs[RTPP_LEG_B].rtt_avg_ms > 19.99 && st.legs[RTPP_LEG_B].rtt_avg_ms < 20.01);
	assert_true(st.legs[RTPP_LEG_B].rtt_last_ms > 19.99 && st.legs[RTPP_LEG_B].rtt_last_ms < 20.01);
	assert_true(st.legs[RTPP_LEG_B].has_report);
	assert_int_equal(st.legs[RTPP_LEG_B].reported_cumulative_lost, 5);
	assert_true(st.legs[RTPP_LEG_B].reported_fraction_lost == 0.25);
	/* nothing measured toward A: it sent no report */
	assert_int_equal(st.legs[RTPP_LEG_A].rtt_samples, 0);
	assert_false(st.legs[RTPP_LEG_A].has_report);

	/* A report echoing an SR nobody sent gives no round trip */
	uint8_t forged[32];
	memcpy(forged, rr, sizeof(forged));
	forged[24] = 0x77;
	process_at(IFACE_B, udp_packet_with("198.51.100.20:40011", "198.51.100.1:30011", forged,
					    sizeof(forged)), t0 + hz);
	drain(IFACE_A);
	assert_int_equal(rtpp_dataplane_session_status(dp, id, &st), 0);
	assert_int_equal(st.legs[RTPP_LEG_B].rtt_samples, 1);
}

static void test_first_packet_makes_session_active_once(void **state)
{
	struct event_log log = { 0 };
	struct rtpp_session_status st;

	(void)state;
	/* Both remotes given: no latching, the first packet only makes it active. */
	uint32_t s = create("203.0.113.1:20000", "198.51.100.1:30000", "198.51.100.20:40000",
			    "203.0.113.10:5000");
	uint64_t id = rtpp_session_get_info(rtpp_dataplane_test_sessions(dp), s)->id;
	resolve(IFACE_B, "198.51.100.20");
	rtpp_dataplane_set_event_handler(dp, record_event, &log);
	rtpp_dataplane_service(dp);
	assert_int_equal(log.n, 0); /* nothing happened yet */

	for (int round = 0; round < 2; round++) {
		struct rte_mbuf *m = udp_packet("203.0.113.10:5000", "203.0.113.1:20000", 1);

		process(IFACE_A, &m, 1);
		rtpp_dataplane_service(dp);
	}
	assert_int_equal(log.n, 1); /* the second packet changes nothing */
	assert_int_equal(log.last.type, RTPP_EVENT_STATE_CHANGED);
	assert_int_equal(log.last.session_id, id);
	assert_int_equal(log.last.old_state, RTPP_SESSION_CREATED);
	assert_int_equal(log.last.new_state, RTPP_SESSION_ACTIVE);
	assert_int_equal(rtpp_dataplane_session_status(dp, id, &st), 0);
	assert_int_equal(st.state, RTPP_SESSION_ACTIVE);

	/* Destroy reports CLOSED with the final counters, also to its caller,
	 * then the session is gone. */
	memset(&st, 0, sizeof(st));
	assert_int_equal(rtpp_dataplane_session_destroy(dp, id, &st), 0);
	assert_int_equal(st.id, id);
	assert_int_equal(st.state, RTPP_SESSION_CLOSED);
	assert_int_equal(st.flows[RTPP_FLOW_A_TO_B].rx_packets, 2);
	assert_int_equal(log.n, 2);
	assert_int_equal(log.last.type, RTPP_EVENT_CLOSED);
	assert_int_equal(log.last.new_state, RTPP_SESSION_CLOSED);
	assert_int_equal(log.last_rx_packets, 2);
	assert_int_equal(rtpp_dataplane_session_status(dp, id, &st), -ENOENT);
	assert_int_equal(rtpp_dataplane_session_destroy(dp, id, NULL), -ENOENT);
}

/*
 * Interface counters are each worker's own, in allocations of their own: the
 * interface view must add them up worker by worker (it once strode from
 * worker 0's copy by sizeof(struct rtpp_worker) into unrelated memory).
 */
static void test_iface_view_sums_every_worker(void **state)
{
	struct rtpp_dataplane *two = rtpp_dataplane_create_detached(port, 2, 64, 2, pool, NULL);
	struct rtpp_iface_view v;
	struct rte_mbuf *m;

	(void)state;
	assert_non_null(two);
	for (uint16_t k = 0; k < 2; k++) {
		struct rtpp_worker *wk = rtpp_dataplane_test_worker(two, k);
		/* No session anywhere: UDP goes to the kernel path, counted rx + no_session. */
		uint16_t n = (uint16_t)(3 + 4 * k); /* 3 on worker 0, 7 on worker 1 */
		struct rte_mbuf *pkts[8];

		assert_non_null(wk);
		for (uint16_t i = 0; i < n; i++)
			pkts[i] = udp_packet("203.0.113.10:5000", "203.0.113.1:21000", 0x33);
		rtpp_worker_process_media(wk, IFACE_A, pkts, n, 1);
		rtpp_worker_flush(wk);
		assert_int_equal(rtpp_dataplane_test_worker_counters(wk, IFACE_A)->rx_packets, n);
	}
	assert_int_equal(rtpp_dataplane_iface_view(two, IFACE_A, &v), 0);
	assert_int_equal(v.counters.rx_packets, 10);
	assert_int_equal(v.counters.no_session, 10);
	assert_int_equal(v.counters.rx_bytes, 10 * (14 + 20 + 8 + 172));
	assert_int_equal(rtpp_dataplane_iface_view(two, IFACE_B, &v), 0);
	assert_int_equal(v.counters.rx_packets, 0);
	assert_int_equal(v.counters.tx_packets, 0);
	assert_int_equal(rtpp_dataplane_iface_view(two, 2, &v), -ENOENT);
	rtpp_dataplane_destroy(two);
	/* A detached data plane has no TAP: what went to the kernel was dropped there. */
	while (rte_ring_dequeue(out_ring[IFACE_A], (void **)&m) == 0)
		rte_pktmbuf_free(m);
}

/* ---- drops before the workers: the kernel's af_packet rings ---- */

/*
 * These need real AF_PACKET sockets and a network namespace of their own
 * (nothing else may send on its loopback while frames are counted): root.
 * Without it they are skipped, visibly.
 */
static int outer_netns = -1;

/* Move this thread into a new network namespace with lo up; false when not allowed. */
static bool enter_private_netns(void)
{
	struct ifreq ifr;
	int s;

	if (geteuid() != 0) {
		print_message("skipped: AF_PACKET sockets and a network namespace need root\n");
		return false;
	}
	outer_netns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	assert_true(outer_netns >= 0);
	if (unshare(CLONE_NEWNET) != 0) {
		print_message("skipped: unshare(CLONE_NEWNET): %s\n", strerror(errno));
		close(outer_netns);
		outer_netns = -1;
		return false;
	}
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(s >= 0);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	assert_int_equal(ioctl(s, SIOCGIFFLAGS, &ifr), 0);
	ifr.ifr_flags |= IFF_UP;
	assert_int_equal(ioctl(s, SIOCSIFFLAGS, &ifr), 0);
	close(s);
	return true;
}

/* Back to the namespace the test started in (sockets made inside stay there). */
static void leave_private_netns(void)
{
	if (outer_netns < 0)
		return;
	assert_int_equal(setns(outer_netns, CLONE_NEWNET), 0);
	close(outer_netns);
	outer_netns = -1;
}

/*
 * An AF_PACKET socket bound to ifindex with a receive ring of `frames`
 * 2 KB frames (TPACKET_V2), or one 4 KB block (TPACKET_V3), that nobody
 * reads: every frame past the ring's room is a drop the kernel counts.
 * It ignores the copies of frames sent on the interface, so a frame sent
 * on lo arrives once.
 */
static int ring_socket(int ifindex, int version, unsigned int frames)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_protocol = htons(ETH_P_ALL),
				   .sll_ifindex = ifindex };
	int s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0), one = 1;

	assert_true(s >= 0);
	assert_int_equal(setsockopt(s, SOL_PACKET, PACKET_VERSION, &version, sizeof(version)), 0);
	if (version == TPACKET_V3) {
		struct tpacket_req3 req = { .tp_block_size = 4096,
					    .tp_block_nr = 1,
					    .tp_frame_size = 2048,
					    .tp_frame_nr = 2,
					    .tp_retire_blk_tov = 60000 };

		assert_int_equal(setsockopt(s, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)), 0);
	} else {
		struct tpacket_req req = { .tp_block_size = 4096,
					   .tp_block_nr = frames / 2,
					   .tp_frame_size = 2048,
					   .tp_frame_nr = frames };

		assert_int_equal(setsockopt(s, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)), 0);
	}
	assert_int_equal(setsockopt(s, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)), 0);
	assert_int_equal(bind(s, (struct sockaddr *)&sll, sizeof(sll)), 0);
	return s;
}

/* n broadcast frames of an experimental EtherType on ifindex, from an unbound packet socket. */
static void send_frames(int ifindex, unsigned int n)
{
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_ifindex = ifindex, .sll_halen = 6 };
	uint8_t frame[100] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02,
			       0,    0,    0,    0,    0x01, 0x88, 0xb5 };
	int s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);

	assert_true(s >= 0);
	memset(to.sll_addr, 0xff, 6);
	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(sendto(s, frame, sizeof(frame), 0, (struct sockaddr *)&to,
					sizeof(to)),
				 sizeof(frame));
	close(s);
}

/* Poll slot i until it has counted want drops (lo delivers from a softirq: at most 2 s). */
static uint64_t rings_wait_dropped(struct rtpp_host_rings *r, unsigned int i, uint64_t want)
{
	for (int tries = 0; tries < 200; tries++) {
		assert_int_equal(rtpp_host_rings_poll(r, i), 0);
		if (rtpp_host_rings_dropped(r, i) >= want)
			break;
		usleep(10000);
	}
	return rtpp_host_rings_dropped(r, i);
}

/*
 * The scan finds the socket among others, the kernel's counts (reset at
 * each read) add up, the walk is not repeated while the socket stays, and
 * a socket replaced under the same descriptor number is found again.
 */
static void test_host_rings_count_ring_overflows(void **state)
{
	int lo, rx, udp, unbound, ifindex[3];
	struct rtpp_host_rings *r;

	(void)state;
	if (!enter_private_netns())
		skip();
	lo = (int)if_nametoindex("lo");
	assert_true(lo > 0);
	udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);     /* not AF_PACKET: passed over */
	unbound = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0); /* bound to no interface */
	rx = ring_socket(lo, TPACKET_V2, 8);
	ifindex[0] = lo;
	ifindex[1] = 0;         /* a port that is no af_packet one */
	ifindex[2] = lo + 1000; /* an interface with no socket of ours */
	r = rtpp_host_rings_create(ifindex, 3);
	assert_non_null(r);

	assert_int_equal(rtpp_host_rings_poll(r, 0), 0);
	assert_int_equal(rtpp_host_rings_sockets(r, 0), 1);
	assert_int_equal(rtpp_host_rings_dropped(r, 0), 0);
	assert_int_equal(rtpp_host_rings_scans(r), 1);

	/* 100 frames into a ring of 8 that nobody empties: 92 dropped. */
	send_frames(lo, 100);
	assert_int_equal(rings_wait_dropped(r, 0, 92), 92);
	/* Read again: the kernel starts from 0 after each read, the sum stays. */
	assert_int_equal(rtpp_host_rings_poll(r, 0), 0);
	assert_int_equal(rtpp_host_rings_dropped(r, 0), 92);
	send_frames(lo, 50); /* the ring is still full */
	assert_int_equal(rings_wait_dropped(r, 0, 142), 142);
	/* The same socket every time: found once, checked by inode since. */
	assert_int_equal(rtpp_host_rings_scans(r), 1);

	/* The port restarts: its socket goes, a new one takes the same descriptor. */
	assert_int_equal(close(rx), 0);
	int again = ring_socket(lo, TPACKET_V2, 8);
	assert_int_equal(again, rx);
	assert_int_equal(rtpp_host_rings_poll(r, 0), 0);
	assert_int_equal(rtpp_host_rings_scans(r), 2);
	assert_int_equal(rtpp_host_rings_sockets(r, 0), 1);
	assert_int_equal(rtpp_host_rings_dropped(r, 0), 142);
	send_frames(lo, 20);
	assert_int_equal(rings_wait_dropped(r, 0, 154), 154);

	/* The port comes back with a TPACKET_V3 socket (block-based: what one
	 * 4 KB block holds depends on the frames), found by the walk the old
	 * socket's going triggers; its drops add to the same interface. */
	int v3 = ring_socket(lo, TPACKET_V3, 0);
	assert_int_equal(close(again), 0);
	assert_int_equal(rtpp_host_rings_poll(r, 0), 0);
	assert_int_equal(rtpp_host_rings_sockets(r, 0), 1);
	send_frames(lo, 100);
	uint64_t total = rings_wait_dropped(r, 0, 155);
	assert_true(total > 154 && total < 254);

	/* Slots without sockets: nothing counted, and no walk on every poll. */
	uint64_t scans = rtpp_host_rings_scans(r);
	for (int i = 0; i < 10; i++) {
		assert_int_equal(rtpp_host_rings_poll(r, 1), 0);
		assert_int_equal(rtpp_host_rings_poll(r, 2), 0);
	}
	assert_int_equal(rtpp_host_rings_sockets(r, 1), 0);
	assert_int_equal(rtpp_host_rings_sockets(r, 2), 0);
	assert_int_equal(rtpp_host_rings_dropped(r, 2), 0);
	assert_true(rtpp_host_rings_scans(r) <= scans + 1); /* RTPP_HOST_RING_RESCAN_MS apart */

	rtpp_host_rings_free(r);
	close(v3);
	close(udp);
	close(unbound);
	leave_private_netns();
}

/*
 * The whole path on DPDK's own af_packet driver: a port on lo with an
 * 8-frame ring that no worker polls, UDP sent on lo (af_packet sees each
 * datagram twice there: leaving and arriving); the interface view says how
 * many the kernel dropped, and what the port still holds makes up the rest.
 */
static void test_af_packet_port_drops_in_iface_view(void **state)
{
	static const char name[] = "net_af_packet_hd0";
	const unsigned int datagrams = 50, ring = 8;
	struct rte_eth_conf conf = { 0 };
	struct rtpp_iface_view v;
	struct rtpp_dataplane *hd;
	uint16_t af, ports[2];

	(void)state;
	if (!enter_private_netns())
		skip();
	/* The driver opens its socket now, in this namespace. */
	assert_int_equal(rte_vdev_init(name, "iface=lo,framecnt=8"), 0);
	assert_int_equal(rte_eth_dev_get_port_by_name(name, &af), 0);
	assert_int_equal(rte_eth_dev_configure(af, 1, 1, &conf), 0);
	assert_int_equal(rte_eth_rx_queue_setup(af, 0, 64, 0, NULL, pool), 0);
	assert_int_equal(rte_eth_tx_queue_setup(af, 0, 64, 0, NULL), 0);
	assert_int_equal(rte_eth_dev_start(af), 0);
	ports[0] = af;
	ports[1] = port[IFACE_B];
	hd = rtpp_dataplane_create_detached(ports, 2, 16, 1, pool, NULL);
	assert_non_null(hd);
	assert_int_equal(rtpp_dataplane_test_watch_host_drops(hd), 0);

	assert_int_equal(rtpp_dataplane_iface_view(hd, 0, &v), 0);
	assert_int_equal(v.host_ring_sockets, 1);
	assert_int_equal(v.host_drops.host_ring_dropped, 0);
	/* The ring port is no af_packet one: nothing to find, nothing counted. */
	assert_int_equal(rtpp_dataplane_iface_view(hd, 1, &v), 0);
	assert_int_equal(v.host_ring_sockets, 0);
	assert_int_equal(v.host_drops.host_ring_dropped, 0);
	assert_int_equal(v.host_drops.nic_missed, 0);

	int rx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9999) };
	uint8_t payload[64] = { 0 };

	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(rx, (struct sockaddr *)&to, sizeof(to)), 0);
	for (unsigned int i = 0; i < datagrams; i++)
		assert_int_equal(sendto(tx, payload, sizeof(payload), 0, (struct sockaddr *)&to,
					sizeof(to)),
				 sizeof(payload));
	for (int tries = 0; tries < 200; tries++) {
		assert_int_equal(rtpp_dataplane_iface_view(hd, 0, &v), 0);
		if (v.host_drops.host_ring_dropped >= 2 * datagrams - ring)
			break;
		usleep(10000);
	}
	assert_int_equal(v.host_drops.host_ring_dropped, 2 * datagrams - ring);
	assert_int_equal(v.host_ring_sockets, 1);
	/* DPDK 22.11's driver reports none of its own. */
	assert_int_equal(v.host_drops.nic_missed, 0);
	assert_int_equal(v.host_drops.nic_rx_errors, 0);
	assert_int_equal(v.host_drops.nic_rx_nombuf, 0);
	/* What the ring kept and what the kernel dropped are every frame sent. */
	struct rte_mbuf *got[32];
	uint16_t n = rte_eth_rx_burst(af, 0, got, RTE_DIM(got));
	assert_int_equal(n, ring);
	rte_pktmbuf_free_bulk(got, n);
	/* The main lcore's round reads too; nothing counted twice. */
	rtpp_dataplane_service(hd);
	assert_int_equal(rtpp_dataplane_iface_view(hd, 0, &v), 0);
	assert_int_equal(v.host_drops.host_ring_dropped, 2 * datagrams - ring);

	close(rx);
	close(tx);
	rtpp_dataplane_destroy(hd);
	assert_int_equal(rte_eth_dev_stop(af), 0);
	assert_int_equal(rte_eth_dev_close(af), 0);
	assert_int_equal(rte_vdev_uninit(name), 0);
	leave_private_netns();
}

/* A detached data plane on ring ports: no socket to look for, every reason 0. */
static void test_host_drops_of_ring_ports(void **state)
{
	struct rtpp_dataplane *hd = rtpp_dataplane_create_detached(port, 2, 16, 1, pool, NULL);
	struct rtpp_iface_view v;

	(void)state;
	assert_non_null(hd);
	/* Not watched (as in the benchmark): the view says nothing was lost. */
	assert_int_equal(rtpp_dataplane_iface_view(hd, 0, &v), 0);
	assert_int_equal(v.host_ring_sockets, 0);
	assert_int_equal(v.host_drops.host_ring_dropped + v.host_drops.nic_missed, 0);
	assert_int_equal(rtpp_dataplane_test_watch_host_drops(hd), 0);
	rtpp_dataplane_service(hd);
	for (unsigned int i = 0; i < 2; i++) {
		assert_int_equal(rtpp_dataplane_iface_view(hd, i, &v), 0);
		assert_int_equal(v.host_ring_sockets, 0);
		assert_int_equal(v.host_drops.host_ring_dropped, 0);
		assert_int_equal(v.host_drops.nic_missed, 0);
		assert_int_equal(v.host_drops.nic_rx_errors, 0);
		assert_int_equal(v.host_drops.nic_rx_nombuf, 0);
	}
	rtpp_dataplane_destroy(hd);
}

/* ---- admission: plain C, run before the EAL exists ---- */

static const char admission_yaml[] =
	"interfaces:\n"
	"  - name: access\n"
	"    device: net_ring_x0\n"
	"    addresses: [203.0.113.1/24, \"2001:db8:a::1/64\"]\n"
	"    ports: 20000-20007\n"
	"  - name: core\n"
	"    device: net_ring_x1\n"
	"    addresses: [198.51.100.1/24]\n"
	"    gateway4: 198.51.100.254\n"
	"    ports: 30000-30003\n"
	"policy:\n"
	"  allowed_remotes: [198.51.100.0/24, 192.0.2.0/24, 203.0.113.0/24, \"2001:db8::/32\"]\n";

static struct rtpp_endpoint taken_endpoint; /* what the fake session table holds */

static bool fake_taken(void *ctx, const struct rtpp_endpoint *local)
{
	(void)ctx;
	return rtpp_endpoint_equal(local, &taken_endpoint);
}

static int admission_setup(void **state)
{
	struct rtpp_admission *a = calloc(1, sizeof(*a));
	struct rtpp_config *cfg = NULL;
	char err[RTPP_CONFIG_ERR_LEN];

	if (a == NULL ||
	    rtpp_config_load_string(admission_yaml, strlen(admission_yaml), "admission.yaml", &cfg,
				    err, sizeof(err)) != 0 ||
	    rtpp_admission_init(a, cfg, cfg->n_ifaces, fake_taken, NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "admission_setup: %s\n", err);
		return -1;
	}
	memset(&taken_endpoint, 0, sizeof(taken_endpoint));
	*state = a;
	return 0;
}

static int admission_teardown(void **state)
{
	struct rtpp_admission *a = *state;
	const struct rtpp_config *cfg = a->cfg;

	rtpp_admission_fini(a);
	rtpp_config_free((struct rtpp_config *)cfg);
	free(a);
	return 0;
}

static struct rtpp_session_request request(const char *listen, const char *forward,
					   const char *destination, const char *source)
{
	struct rtpp_session_request r = { .name = "adm", .rtcp = true };

	r.listen = ep(listen);
	r.forward = ep(forward);
	r.destination = ep(destination);
	if (source != NULL)
		r.source = ep(source);
	return r;
}

/* Each refusal: the errno and the message naming the field. */
static void test_admission_refusals(void **state)
{
	static const struct {
		const char *listen, *forward, *destination, *source;
		int rc;
		const char *err;
	} cases[] = {
		{ "203.0.113.9:20000", "198.51.100.1:30000", "198.51.100.20:40000", NULL,
		  -EADDRNOTAVAIL, "listen: 203.0.113.9:20000 is not an address of any interface" },
		{ "203.0.113.1:20000", "198.51.100.7:30000", "198.51.100.20:40000", NULL,
		  -EADDRNOTAVAIL, "forward: 198.51.100.7:30000 is not an address of any interface" },
		{ "203.0.113.1:65535", "198.51.100.1:30000", "198.51.100.20:40000", NULL, -EINVAL,
		  "listen: port 65535 leaves no port+1 for RTCP" },
		{ "203.0.113.1:20000", "203.0.113.1:20000", "198.51.100.20:40000", NULL, -EINVAL,
		  "forward: must differ from listen" },
		/* The proxy as its own peer: the other leg's address, or this one's. */
		{ "203.0.113.1:20000", "198.51.100.1:30000", "198.51.100.1:30002", NULL, -EINVAL,
		  "destination: 198.51.100.1:30002 is an address of the proxy, not a peer" },
		{ "203.0.113.1:20000", "198.51.100.1:30000", "198.51.100.20:40000",
		  "203.0.113.1:20004", -EINVAL,
		  "source: 203.0.113.1:20004 is an address of the proxy, not a peer" },
		/* Ports of the host's own services, or past the range with RTCP's port+1. */
		{ "203.0.113.1:5060", "198.51.100.1:30000", "198.51.100.20:40000", NULL, -EINVAL,
		  "listen: 203.0.113.1:5060 is outside the media ports 20000-20007 of interface access" },
		{ "203.0.113.1:20000", "198.51.100.1:53", "198.51.100.20:40000", NULL, -EINVAL,
		  "forward: 198.51.100.1:53 is outside the media ports 30000-30003 of interface core" },
		{ "203.0.113.1:20007", "198.51.100.1:30000", "198.51.100.20:40000", NULL, -EINVAL,
		  "listen: 203.0.113.1:20007 (its RTCP port+1) is outside the media ports 20000-20007 of "
		  "interface access" },
		{ "203.0.113.1:20000", "198.51.100.1:30000", "[2001:db8:a::9]:40000", NULL, -EINVAL,
		  "destination: [2001:db8:a::9]:40000 is not of the same family as its local endpoint" },
		{ "203.0.113.1:20000", "198.51.100.1:30000", "224.0.0.1:40000", NULL, -EINVAL,
		  "destination: 224.0.0.1:40000 is not a unicast address and port" },
		{ "203.0.113.1:20000", "198.51.100.1:30000", "10.1.2.3:40000", NULL, -EACCES,
		  "destination: 10.1.2.3 is not in policy.allowed_remotes" },
		/* access has no IPv4 gateway: a remote off its link is unreachable */
		{ "203.0.113.1:20000", "198.51.100.1:30000", "198.51.100.20:40000",
		  "192.0.2.5:6000", -ENETUNREACH,
		  "source: 192.0.2.5:6000 is not on-link of interface access and it has no gateway4" },
		/* the RTCP port+1 of listen is held by another session */
		{ "203.0.113.1:20002", "198.51.100.1:30000", "198.51.100.20:40000", NULL, -EEXIST,
		  "listen: 203.0.113.1:20003 is already used by another session" },
	};
	struct rtpp_admission *a = *state;

	taken_endpoint = ep("203.0.113.1:20003");
	for (unsigned int i = 0; i < RTE_DIM(cases); i++) {
		struct rtpp_session_request r = request(cases[i].listen, cases[i].forward,
							cases[i].destination, cases[i].source);
		struct rtpp_admitted ad;
		char err[256] = "";

		assert_int_equal(rtpp_admission_check(a, &r, &ad, err, sizeof(err)), cases[i].rc);
		assert_string_equal(err, cases[i].err);
	}
}

/*
 * A port is the interface's, whatever its address: held on the IPv4 address,
 * it is not free on the IPv6 one (one pool per interface, one rule with the
 * YAML's).
 */
static void test_admission_port_is_the_interfaces(void **state)
{
	struct rtpp_admission *a = *state;
	struct rtpp_session_request v4 = request("203.0.113.1:20004", "198.51.100.1:30000",
						 "198.51.100.20:40000", NULL);
	struct rtpp_session_request v6 = request("[2001:db8:a::1]:20004", "198.51.100.1:30002",
						 "198.51.100.20:40000", NULL);
	struct rtpp_admitted ad, ad6;
	char err[256] = "";

	taken_endpoint = ep("192.0.2.1:1"); /* no endpoint of these is in the flow table */
	assert_int_equal(rtpp_admission_check(a, &v4, &ad, err, sizeof(err)), 0);
	assert_int_equal(rtpp_admission_take_ports(a, &ad, true, err, sizeof(err)), 0);
	assert_int_equal(rtpp_admission_check(a, &v6, &ad6, err, sizeof(err)), -EEXIST);
	assert_string_equal(err,
			    "listen: port 20004 of interface access is held by another session "
			    "(an interface's ports are shared by its addresses) or by one being "
			    "released");
	rtpp_admission_release_port(a, 0, 20004, true);
	rtpp_admission_release_port(a, 1, 30000, true);
	assert_int_equal(rtpp_admission_check(a, &v6, &ad6, err, sizeof(err)), 0);
}

/* What a good request is given: interfaces, next hops (on-link or gateway), ports. */
static void test_admission_admits_and_allocates(void **state)
{
	struct rtpp_admission *a = *state;
	struct rtpp_session_request r = request("203.0.113.1:0", "198.51.100.1:0",
						"192.0.2.77:40000", "203.0.113.10:5000");
	struct rtpp_admitted ad;
	char err[256] = "", nh[RTPP_ADDR_STRLEN];

	assert_int_equal(rtpp_admission_check(a, &r, &ad, err, sizeof(err)), 0);
	assert_int_equal(ad.iface[RTPP_LEG_A], 0);
	assert_int_equal(ad.iface[RTPP_LEG_B], 1);
	assert_true(ad.has_remote[RTPP_LEG_A] && ad.has_remote[RTPP_LEG_B]);
	assert_string_equal(rtpp_addr_format(&ad.next_hop[RTPP_LEG_A], nh, sizeof(nh)),
			    "203.0.113.10"); /* on-link */
	assert_string_equal(rtpp_addr_format(&ad.next_hop[RTPP_LEG_B], nh, sizeof(nh)),
			    "198.51.100.254"); /* through core's gateway */
	assert_int_equal(ad.local[RTPP_LEG_A].port, 0);

	uint32_t free_a = rtpp_port_pool_free_count(a->pools[0]);
	assert_int_equal(rtpp_admission_take_ports(a, &ad, true, err, sizeof(err)), 0);
	assert_int_equal(ad.local[RTPP_LEG_A].port % 2, 0); /* an even RTP port, RTCP above it */
	assert_true(ad.local[RTPP_LEG_A].port >= 20000 && ad.local[RTPP_LEG_A].port <= 20006);
	assert_true(ad.local[RTPP_LEG_B].port >= 30000 && ad.local[RTPP_LEG_B].port <= 30002);
	assert_int_equal(rtpp_port_pool_free_count(a->pools[0]), free_a - 2);
	rtpp_admission_release_port(a, 0, ad.local[RTPP_LEG_A].port, true);
	rtpp_admission_release_port(a, 1, ad.local[RTPP_LEG_B].port, true);
	assert_int_equal(rtpp_port_pool_free_count(a->pools[0]), free_a);
}

/* All or nothing: when leg B's pool is empty, leg A's allocation is given back. */
static void test_admission_takes_all_or_nothing(void **state)
{
	struct rtpp_admission *a = *state;
	struct rtpp_session_request r = request("203.0.113.1:0", "198.51.100.1:0",
						"198.51.100.20:40000", NULL);
	struct rtpp_admitted ad, held[2];
	char err[256] = "";

	for (unsigned int i = 0; i < 2; i++) { /* core's range holds two RTP/RTCP pairs */
		assert_int_equal(rtpp_admission_check(a, &r, &held[i], err, sizeof(err)), 0);
		assert_int_equal(rtpp_admission_take_ports(a, &held[i], true, err, sizeof(err)), 0);
	}
	uint32_t free_a = rtpp_port_pool_free_count(a->pools[0]);
	assert_int_equal(rtpp_admission_check(a, &r, &ad, err, sizeof(err)), 0);
	assert_int_equal(rtpp_admission_take_ports(a, &ad, true, err, sizeof(err)), -ENOSPC);
	assert_string_equal(err, "forward: no free port left on interface core");
	assert_int_equal(rtpp_port_pool_free_count(a->pools[0]), free_a);
	/* A port inside the range that is held is refused as such, before anything is taken. */
	r = request("203.0.113.1:20000", "198.51.100.1:30000", "198.51.100.20:40000", NULL);
	assert_int_equal(rtpp_admission_check(a, &r, &ad, err, sizeof(err)), -EEXIST);
	assert_string_equal(err,
			    "listen: port 20000 of interface access is held by another session "
			    "(an interface's ports are shared by its addresses) or by one being "
			    "released");
	assert_int_equal(rtpp_port_pool_free_count(a->pools[0]), free_a);
}

/* ---- media rules (docs/media-security.md), through the data plane's own functions ---- */

/*
 * Sessions are made as the API makes them (rtpp_dataplane_session_create), in
 * a data plane whose configuration owns these addresses and ports; remotes
 * are on-link, and 203.0.113.128/25 is outside the policy. Timeouts are off
 * unless a test asks for one, and each packet carries the TSC its test
 * chooses; the main lcore's side runs when a test calls rtpp_dataplane_service.
 */
static const char media_yaml[] =
	"interfaces:\n"
	"  - name: access\n"
	"    device: net_ring_t0\n"
	"    addresses: [203.0.113.1/24, \"2001:db8:a::1/64\"]\n"
	"    ports: 20000-29999\n"
	"  - name: core\n"
	"    device: net_ring_t1\n"
	"    addresses: [198.51.100.1/24]\n"
	"    ports: 30000-39999\n"
	"policy:\n"
	"  allowed_remotes: [203.0.113.0/25, 198.51.100.0/24, 192.0.2.0/24, \"2001:db8:a::/64\"]\n"
	"media:\n"
	"  inactivity_timeout_s: 0\n"
	"  first_media_timeout_s: 0\n"
	"  max_lifetime_s: 0\n";

#define LISTEN "203.0.113.1:20000"
#define LISTEN_RTCP "203.0.113.1:20001"
#define FORWARD "198.51.100.1:30000"
#define FORWARD_RTCP "198.51.100.1:30001"
#define DEST "198.51.100.20:40000"
#define DEST_RTCP "198.51.100.20:40001"
#define CALLER "203.0.113.10:5000" /* leg A's remote, when given or learnt */

static struct rtpp_config *media_cfg;
static struct event_log media_log;

static int media_setup(void **state)
{
	(void)state;
	memset(&media_log, 0, sizeof(media_log));
	dp = rtpp_dataplane_create_detached(port, 2, 64, 1, pool, media_cfg);
	if (dp == NULL)
		return -1;
	w = rtpp_dataplane_test_worker(dp, 0);
	rtpp_dataplane_set_event_handler(dp, record_event, &media_log);
	return 0;
}

static int media_teardown(void **state)
{
	teardown(state);
	/* Every packet was sent, dropped or freed with the data plane (neighbour probes too). */
	return rte_mempool_in_use_count(pool) == 0 ? 0 : -1;
}

static uint64_t ms_tsc(uint64_t ms)
{
	return ms * rte_get_tsc_hz() / 1000;
}

static uint64_t create_request(const struct rtpp_session_request *r)
{
	char err[256] = "";
	uint64_t id = 0;
	int rc = rtpp_dataplane_session_create(dp, r, &id, err, sizeof(err));

	if (rc != 0)
		fail_msg("session_create: %d: %s", rc, err);
	return id;
}

/* LISTEN, FORWARD -> DEST; leg A's remote given (source), expected or learnt. */
static uint64_t media_session(const char *source, const char *expected,
			      const struct rtpp_media_override *media)
{
	struct rtpp_session_request r = request(LISTEN, FORWARD, DEST, source);

	if (expected != NULL)
		assert_int_equal(rtpp_addr_parse(expected, &r.expected[RTPP_LEG_A]), 0);
	if (media != NULL)
		r.media = *media;
	return create_request(&r);
}

static struct rtpp_session_status status_of(uint64_t id)
{
	struct rtpp_session_status st;

	assert_int_equal(rtpp_dataplane_session_status(dp, id, &st), 0);
	return st;
}

static int update(uint64_t id, struct rtpp_session_update *u, char *err, size_t errlen)
{
	u->id = id;
	return rtpp_dataplane_session_update(dp, u, NULL, err, errlen);
}

static void assert_endpoint(struct rtpp_endpoint e, const char *want)
{
	char s[RTPP_ENDPOINT_STRLEN];

	assert_int_not_equal(e.addr.family, RTPP_AF_NONE);
	assert_string_equal(rtpp_endpoint_format(&e, s, sizeof(s)), want);
}

/* The next hop answered ARP now (not at TSC 1: the neighbour timer would find it stale). */
static void resolve_now(uint16_t iface, const char *addr)
{
	struct rtpp_neigh_learn l = { .iface = iface, .mac = peer_mac };

	assert_int_equal(rtpp_addr_parse(addr, &l.addr), 0);
	rtpp_neigh_learn(rtpp_dataplane_test_neigh(dp), &l, rte_rdtsc());
}

/* Both remotes given (leg A's is CALLER), both next hops answered. */
static uint64_t given_session(const struct rtpp_media_override *media)
{
	uint64_t id = media_session(CALLER, NULL, media);

	resolve_now(IFACE_A, "203.0.113.10");
	resolve_now(IFACE_B, "198.51.100.20");
	return id;
}

/* Leg A learns (from expected only, when not NULL); leg B's next hop answered. */
static uint64_t learning_session(const char *expected, const struct rtpp_media_override *media)
{
	uint64_t id = media_session(NULL, expected, media);

	resolve_now(IFACE_B, "198.51.100.20");
	return id;
}

/* RTP (PCMU) with SSRC ssrc, tag in every byte after the header. */
static struct rte_mbuf *rtp_from(const char *src, const char *dst, uint32_t ssrc, uint8_t tag)
{
	static uint16_t seq = 1000;
	uint8_t data[12 + 160];

	memset(data, tag, sizeof(data));
	data[0] = 0x80;
	data[1] = 0;
	data[2] = (uint8_t)(seq >> 8);
	data[3] = (uint8_t)seq;
	seq++;
	memset(data + 4, 0, 4);
	data[8] = (uint8_t)(ssrc >> 24);
	data[9] = (uint8_t)(ssrc >> 16);
	data[10] = (uint8_t)(ssrc >> 8);
	data[11] = (uint8_t)ssrc;
	return udp_packet_with(src, dst, data, sizeof(data));
}

static const struct event_record *event_at(unsigned int i)
{
	assert_true(i < media_log.n && i < EVENT_LOG_MAX);
	return &media_log.ev[i];
}

/* The events of a type that a session had; the last one in *last (may be NULL). */
static unsigned int events_of(uint64_t id, enum rtpp_session_event_type type,
			      const struct event_record **last)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < media_log.n && i < EVENT_LOG_MAX; i++) {
		if (media_log.ev[i].session_id == id && media_log.ev[i].type == type) {
			n++;
			if (last != NULL)
				*last = &media_log.ev[i];
		}
	}
	return n;
}

static struct rtpp_dataplane_info dp_info(void)
{
	struct rtpp_dataplane_info info;

	rtpp_dataplane_info(dp, &info);
	return info;
}

/* A STUN binding request (an ICE connectivity check): 20 bytes of header, no attribute. */
static const uint8_t stun_binding[20] = { 0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42, 1,  2,
					  3,    4,    5,    6,    7,    8,    9,    10,   11, 12 };

/*
 * Open learning: leg A, given no remote, takes the first RTP packet's source
 * once the main lcore has decided. Until then nothing goes toward it.
 */
static void test_media_open_learning_latches_first_rtp(void **state)
{
	struct rtpp_session_status st;
	uint64_t id, t0;

	(void)state;
	id = learning_session(NULL, NULL);
	st = status_of(id);
	assert_int_equal(st.state, RTPP_SESSION_CONNECTING);
	assert_int_equal(st.leg_state[RTPP_LEG_A].learning, RTPP_LEARN_OPEN);
	assert_int_equal(st.source.addr.family, RTPP_AF_NONE);
	assert_int_equal(media_log.n, 1);
	assert_int_equal(event_at(0)->type, RTPP_EVENT_CREATED);
	assert_int_equal(event_at(0)->new_state, RTPP_SESSION_CONNECTING);

	t0 = rte_rdtsc();
	/* Toward the learning leg nothing goes anywhere before a source is chosen. */
	process_at(IFACE_B, udp_packet(DEST, FORWARD, 0x01), t0);
	expect_nothing_out();
	/* The caller's first words are relayed at once... */
	process_at(IFACE_A, udp_packet(CALLER, LISTEN, 0x02), t0 + 1);
	expect_out(IFACE_B, FORWARD, DEST, 0x02);
	/* ...but the latch is the main lcore's: until it runs, the way back stays shut. */
	process_at(IFACE_B, udp_packet(DEST, FORWARD, 0x03), t0 + 2);
	expect_nothing_out();
	st = status_of(id);
	assert_int_equal(st.flows[RTPP_FLOW_B_TO_A].drop_no_remote, 2);
	assert_int_equal(st.leg_state[RTPP_LEG_A].learning, RTPP_LEARN_OPEN);
	assert_int_equal(media_log.n, 1);

	rtpp_dataplane_service(dp);
	st = status_of(id);
	assert_int_equal(st.state, RTPP_SESSION_ACTIVE);
	assert_int_equal(st.leg_state[RTPP_LEG_A].learning, RTPP_LEARN_LATCHED);
	assert_endpoint(st.source, CALLER);
	assert_int_equal(st.leg_state[RTPP_LEG_A].ssrc, 0x5eed);
	assert_int_equal(st.leg_state[RTPP_LEG_A].rtcp_port, 5001);
	assert_int_equal(st.leg_state[RTPP_LEG_A].relatches, 0);
	assert_true(st.leg_state[RTPP_LEG_A].latched_unix_ms != 0);
	/* LATCHED on leg A (a first latch, not a NAT rebinding), then CONNECTING -> ACTIVE. */
	assert_int_equal(media_log.n, 3);
	assert_int_equal(event_at(1)->type, RTPP_EVENT_LATCHED);
	assert_int_equal(event_at(1)->session_id, id);
	assert_int_equal(event_at(1)->leg, RTPP_LEG_A);
	assert_false(event_at(1)->relatch);
	assert_endpoint(event_at(1)->source, CALLER);
	assert_int_equal(event_at(2)->type, RTPP_EVENT_STATE_CHANGED);
	assert_int_equal(event_at(2)->old_state, RTPP_SESSION_CONNECTING);
	assert_int_equal(event_at(2)->new_state, RTPP_SESSION_ACTIVE);

	/* The way back leaves toward the learnt address:port, to the MAC the packet came from. */
	process_at(IFACE_B, udp_packet(DEST, FORWARD, 0x04), t0 + 3);
	expect_out(IFACE_A, LISTEN, CALLER, 0x04);
	expect_nothing_out();
	st = status_of(id);
	assert_int_equal(st.flows[RTPP_FLOW_B_TO_A].drop_no_remote, 2);
	assert_int_equal(st.flows[RTPP_FLOW_B_TO_A].tx_packets, 1);
	assert_int_equal(dp_info().latches, 1);
	assert_int_equal(dp_info().relatches, 0);
}

/*
 * The learning window: a first packet after it neither passes nor latches;
 * the sweep closes it (ERROR naming the leg); relearn opens it again. A
 * window of 0 never closes.
 */
static void test_media_learning_window_closes(void **state)
{
	const struct rtpp_media_override window = { .set = RTPP_MEDIA_LEARNING_WINDOW,
						    .v.learning_window_ms = 50 };
	const struct rtpp_media_override no_window = { .set = RTPP_MEDIA_LEARNING_WINDOW,
						       .v.learning_window_ms = 0 };
	struct rtpp_session_request r;
	struct rtpp_session_update u = { 0 };
	struct rtpp_session_status st;
	const struct event_record *ev = NULL;
	char err[256] = "";
	uint64_t id, open, created, t;

	(void)state;
	id = media_session(NULL, NULL, &window);
	created = rte_rdtsc(); /* the window ends 50 ms after a moment before this */
	resolve_now(IFACE_B, "198.51.100.20");
	r = request("203.0.113.1:20010", "198.51.100.1:30010", "198.51.100.20:40010", NULL);
	r.media = no_window;
	open = create_request(&r);
	rtpp_dataplane_service(dp); /* a sweep while the window is open changes nothing */
	assert_int_equal(status_of(id).leg_state[RTPP_LEG_A].learning, RTPP_LEARN_OPEN);

	process_at(IFACE_A, udp_packet(CALLER, LISTEN, 1), created + ms_tsc(51));
	expect_nothing_out();
	rtpp_dataplane_service(dp);
	st = status_of(id);
	assert_int_equal(st.flows[RTPP_FLOW_A_TO_B].drop_foreign_source, 1);
	assert_int_equal(st.flows[RTPP_FLOW_A_TO_B].last_rx_tsc, 0); /* refused: not media */
	assert_int_equal(st.source.addr.family, RTPP_AF_NONE);
	assert_int_equal(events_of(id, RTPP_EVENT_LATCHED, NULL), 0);

	/* Once the window has passed, the next sweep (every 10 ms) closes it. */
	rte_delay_ms(60);
	rtpp_dataplane_service(dp);
	st = status_of(id);
	assert_int_equal(st.leg_state[RTPP_LEG_A].learning, RTPP_LEARN_CLOSED);
	assert_int_equal(st.state, RTPP_SESSION_ERROR);
	assert_string_equal(st.error,
			    "leg A: no media to learn the remote from within the "
			    "learning window (50 ms)");
	assert_int_equal(events_of(id, RTPP_EVENT_STATE_CHANGED, &ev), 1);
	assert_int_equal(ev->old_state, RTPP_SESSION_CONNECTING);
	assert_int_equal(ev->new_state, RTPP_SESSION_ERROR);
	assert_int_equal(events_of(id, RTPP_EVENT_ERROR, &ev), 1);
	assert_string_equal(ev->error, st.error);
	st = status_of(open);
	assert_int_equal(st.leg_state[RTPP_LEG_A].learning, RTPP_LEARN_OPEN);
	assert_int_equal(st.state, RTPP_SESSION_CONNECTING);
	process_at(IFACE_A, udp_packet("203.0.113.10:5010", "203.0.113.1:20010", 9), rte_rdtsc());
	expect_out(IFACE_B, "198.51.100.1:30010", "198.51.100.20:40010", 9);
	rtpp_dataplane_service(dp);
	assert_endpoint(status_of(open).source, "203.0.113.10:5010");

	/* Closed: no source is accepted any more, the would-be first one included. */
	t = rte_rdtsc();
	process_at(IFACE_A, udp_packet(CALLER, LISTEN, 2), t);
	process_at(IFACE_A, udp_packet("203.0.113.11:7000", LISTEN, 3), t + ms_tsc(2));
	expect_nothing_out();
	rtpp_dataplane_service(dp);
	st = status_of(id);
	assert_int_equal(st.flows[RTPP_FLOW_A_TO_B].drop_foreign_source, 3);
	assert_int_equal(st.leg_state[RTPP_LEG_A].learning, RTPP_LEARN_CLOSED);
	assert_int_equal(dp_info().latches, 1); /* the session without a window */

	/* An update that only pauses the leg clears the error, but learning is still
	 * closed: the next sweep reports it again. */
	u.leg[RTPP_LEG_A].set_paused = true;
	u.leg[RTPP_LEG_A].paused = false;
	assert_int_equal(update(id, &u, err, sizeof(err)), 0);
	assert_int_equal(status_of(id).state, RTPP_SESSION_CONNECTING);
	rte_delay_ms(15);
	rtpp_dataplane_service(dp);
	st = status_of(id);
	assert_int_equal(st.state, RTPP_SESSION_ERROR);
	assert_string_equal(st.error,
			    "leg A: no media to learn the remote from within the "
			    "learning window (50 ms)");
	u.leg[RTPP_LEG_A].set_paused = false;

	/* relearn opens a new window (this one longer) and clears the error about the leg. */
	u.leg[RTPP_LEG_A].relearn = true;
	u.media.set = RTPP_MEDIA_LEARNING_WINDOW;
	u.media.v.learning_window_ms = 10000;
	assert_int_equal(update(id, &u, err, sizeof(err)), 0);
	st = status_of(id);
	assert_int_equal(st.leg_state[RTPP_LEG_A].learning, RTPP_LEARN_OPEN);
	assert_int_equal(st.state, RTPP_SESSION_CONNECTING);
	assert_string_equal(st.error, "");
	process_at(IFACE_A, udp_packet(CALLER, LISTEN, 4), rte_rdtsc());
	expect_out(IFACE_B, FORWARD, DEST, 4);
	rtpp_dataplane_service(dp);
	st = status_of(id);
	assert_int_equal(st.leg_state[RTPP_LEG_A].learning, RTPP_LEARN_LATCHED);
	assert_endpoint(st.source, CALLER);
	assert_int_equal(st.state, RTPP_SESSION_ACTIVE);
}

/* An expected address: any port of that IP latches, at any time; another IP never. */
static void test_media_expected_address_any_port(void **state)
{
	const struct rtpp_media_override window = { .set = RTPP_MEDIA_LEARNING_WINDOW,
						    .v.learning_window_ms = 50 };
	struct rtpp_session_status st;
	char addr[RTPP_ADDR_STRLEN];
	uint64_t id, t;

	(void)state;
	id = learning_session("203.0.113.10", &window);
	st = status_of(id);
	assert_int_equal(st.leg_state[RTPP_LEG_A].learning, RTPP_LEARN_EXPECTED);
	assert_string_equal(rtpp_addr_format(&st.leg_state[RTPP_LEG_A].expected, addr, sizeof(addr)),
			    "203.0.113.10");
	assert_int_equal(st.state, RTPP_SESSION_CONNECTING);
	/* The window does not apply to an expected address. */
	rtpp_dataplane_service(dp);
	rte_delay_ms(60);
	rtpp_dataplane_service(dp);
	st = status_of(id);
	assert_int_equal(st.leg_state[RTPP_LEG_A].learning, RTPP_LEARN_EXPECTED);
	assert_int_equal(st.state, RTPP_SESSION_CONNECTING);

	t = rte_rdtsc();
	process_at(IFACE_A, udp_packet("203.0.113.11:5000", LISTEN, 1), t);
	process_at(IFACE_A, udp_packet("203.0.113.11:61000", LISTEN, 2), t + ms_tsc(2));
	expect_nothing_out();
	rtpp_dataplane_service(dp);
	st = status_of(id);
	assert_int_equal(st.flows[RTPP_FLOW_A_TO_B].drop_foreign_source, 2);
	assert_int_equal(st.leg_state[RTPP_LEG_A].learning, RTPP_LEARN_EXPECTED);
	assert_int_equal(st.source.addr.family, RTPP_AF_NONE);

	/* The expected IP from a port nobody announced (a NAT's) passes and latches. */
	process_at(IFACE_A, udp_packet("203.0.113.10:61000", LISTEN, 3), t + ms_tsc(4));
	expect_out(IFACE_B, FORWARD, DEST, 3);
	rtpp_dataplane_service(dp);
	st = status_of(id);
	assert_int_equal(st.leg_state[RTPP_LEG_A].learning, RTPP_LEARN_LATCHED);
	assert_endpoint(st.source, "203.0.113.10:61000");
	assert_int_equal(st.state, RTPP_SESSION_ACTIVE);
	assert_int_equal(events_of(id, RTPP_EVENT_LATCHED, NULL), 1);
	process_at(IFACE_B, udp_packet(DEST, FORWARD, 4), t + ms_tsc(5));
	expect_out(IFACE_A, LISTEN, "203.0.113.10:61000", 4);
	expect_nothing_out();
}

/* Only RTP latches: STUN and RTCP from an eligible source are relayed but choose nothing. */
static void test_media_only_rtp_latches(void **state)
{
	struct rtpp_session_status st;
	uint64_t id, t;

	(void)state;
	id = learning_session(NULL, NULL);
	t = rte_rdtsc();
	process_at(IFACE_A,
		   udp_packet_with("203.0.113.50:9000", LISTEN, stun_binding, sizeof(stun_binding)),
		   t);
	expect_out_payload(IFACE_B, FORWARD, DEST, stun_binding, sizeof(stun_binding));
	process_at(IFACE_A, udp_packet("203.0.113.50:9001", LISTEN_RTCP, 1), t + ms_tsc(2));
	expect_out(IFACE_B, FORWARD_RTCP, DEST_RTCP, 1);
	rtpp_dataplane_service(dp);
	st = status_of(id);
	assert_int_equal(st.leg_state[RTPP_LEG_A].learning, RTPP_LEARN_OPEN);
	assert_int_equal(st.source.addr.family, RTPP_AF_NONE);
	assert_int_equal(st.state, RTPP_SESSION_CONNECTING);
	assert_int_equal(events_of(id, RTPP_EVENT_LATCHED, NULL), 0);

	/* RTP from another source is the first that may choose. */
	process_at(IFACE_A, udp_packet(CALLER, LISTEN, 2), t + ms_tsc(4));
	expect_out(IFACE_B, FORWARD, DEST, 2);
	rtpp_dataplane_service(dp);
	assert_endpoint(status_of(id).source, CALLER);
	expect_nothing_out();
}

/*
 * A learnt remote is checked like a given one: a source outside
 * policy.allowed_remotes is relayed while the window is open (it is
 * eligible) but never becomes the remote; the next one inside may.
 */
static void test_media_latch_obeys_policy(void **state)
{
	struct rtpp_session_status st;
	uint64_t id, t;

	(void)state;
	id = learning_session(NULL, NULL);
	t = rte_rdtsc();
	process_at(IFACE_A, udp_packet("203.0.113.200:5000", LISTEN, 1), t);
	expect_out(IFACE_B, FORWARD, DEST, 1);
	rtpp_dataplane_service(dp);
	st = status_of(id);
	assert_int_equal(st.leg_state[RTPP_LEG_A].learning, RTPP_LEARN_OPEN);
	assert_int_equal(st.source.addr.family, RTPP_AF_NONE);
	assert_int_equal(dp_info().latch_refused, 1);
	assert_int_equal(dp_info().latches, 0);
	process_at(IFACE_B, udp_packet(DEST, FORWARD, 2), t + 1);
	expect_nothing_out();

	process_at(IFACE_A, udp_packet(CALLER, LISTEN, 3), t + ms_tsc(2));
	expect_out(IFACE_B, FORWARD, DEST, 3);
	rtpp_dataplane_service(dp);
	assert_endpoint(status_of(id).source, CALLER);
	assert_int_equal(dp_info().latches, 1);
}

/* Learning over IPv6, with the way back crossing families (leg B is IPv4). */
static void test_media_learning_ipv6(void **state)
{
	struct rtpp_session_request r;
	struct rtpp_session_status st;
	uint64_t id, t;

	(void)state;
	r = request("[2001:db8:a::1]:20010", "198.51.100.1:30010", "198.51.100.20:40010", NULL);
	id = create_request(&r);
	resolve_now(IFACE_B, "198.51.100.20");
	t = rte_rdtsc();
	process_at(IFACE_A, udp_packet("[2001:db8:a::10]:5000", "[2001:db8:a::1]:20010", 1), t);
	expect_out(IFACE_B, "198.51.100.1:30010", "198.51.100.20:40010", 1);
	rtpp_dataplane_service(dp);
	st = status_of(id);
	assert_int_equal(st.leg_state[RTPP_LEG_A].learning, RTPP_LEARN_LATCHED);
	assert_endpoint(st.source, "[2001:db8:a::10]:5000");
	process_at(IFACE_B, udp_packet("198.51.100.20:40010", "198.51.100.1:30010", 2), t + 1);
	expect_out(IFACE_A, "[2001:db8:a::1]:20010", "[2001:db8:a::10]:5000", 2);
	/* Strict to all 16 bytes of it. */
	process_at(IFACE_A, udp_packet("[2001:db8:a::11]:5000", "[2001:db8:a::1]:20010", 3), t + 2);
	expect_nothing_out();
	assert_int_equal(status_of(id).flows[RTPP_FLOW_A_TO_B].drop_foreign_source, 1);
}

/*
 * Strict source: a remote, given or learnt, is the only source accepted.
 * With strict_source off other sources are relayed, and the remote stays.
 */
static void test_media_strict_source(void **state)
{
	const struct rtpp_media_override loose = { .set = RTPP_MEDIA_STRICT_SOURCE,
						   .v.strict_source = false };
	struct rtpp_session_request r;
	struct rtpp_session_status st;
	uint64_t given, open, t;

	(void)state;
	given = given_session(NULL);
	t = rte_rdtsc();
	process_at(IFACE_A, udp_packet("203.0.113.10:5002", LISTEN, 1), t); /* its IP, not its port */
	process_at(IFACE_A, udp_packet("203.0.113.66:5000", LISTEN, 2),
		   t + 1); /* its port, not its IP */
	process_at(IFACE_B, udp_packet("198.51.100.66:40000", FORWARD, 3), t + 2);
	expect_nothing_out();
	st = status_of(given);
	assert_int_equal(st.flows[RTPP_FLOW_A_TO_B].drop_foreign_source, 2);
	assert_int_equal(st.flows[RTPP_FLOW_A_TO_B].tx_packets, 0);
	assert_int_equal(st.flows[RTPP_FLOW_B_TO_A].drop_foreign_source, 1);
	assert_int_equal(st.flows[RTPP_FLOW_A_TO_B].last_rx_tsc, 0);
	/* The remotes themselves pass, and the given remote never moved. */
	process_at(IFACE_A, udp_packet(CALLER, LISTEN, 4), t + 3);
	expect_out(IFACE_B, FORWARD, DEST, 4);
	process_at(IFACE_B, udp_packet(DEST, FORWARD, 5), t + 4);
	expect_out(IFACE_A, LISTEN, CALLER, 5);
	rtpp_dataplane_service(dp);
	st = status_of(given);
	assert_int_equal(st.leg_state[RTPP_LEG_A].learning, RTPP_LEARN_GIVEN);
	assert_endpoint(st.source, CALLER);

	/* strict_source off: leg A still learns from the first source... */
	r = request("203.0.113.1:20010", "198.51.100.1:30010", "198.51.100.20:40010", NULL);
	r.media = loose;
	open = create_request(&r);
	assert_false(status_of(open).media.strict_source);
	process_at(IFACE_A, udp_packet("203.0.113.10:5010", "203.0.113.1:20010", 6), t + 5);
	expect_out(IFACE_B, "198.51.100.1:30010", "198.51.100.20:40010", 6);
	rtpp_dataplane_service(dp);
	assert_endpoint(status_of(open).source, "203.0.113.10:5010");
	/* ...relays another source, long after, even with the latched SSRC... */
	process_at(IFACE_A, rtp_from("203.0.113.66:6000", "203.0.113.1:20010", 0xbad, 7),
		   t + ms_tsc(1000));
	process_at(IFACE_A, udp_packet("203.0.113.10:6010", "203.0.113.1:20010", 8),
		   t + ms_tsc(1002));
	expect_out(IFACE_B, "198.51.100.1:30010", "198.51.100.20:40010", 7);
	expect_out(IFACE_B, "198.51.100.1:30010", "198.51.100.20:40010", 8);
	rtpp_dataplane_service(dp);
	/* ...and still sends only to the latched remote. */
	st = status_of(open);
	assert_endpoint(st.source, "203.0.113.10:5010");
	assert_int_equal(st.leg_state[RTPP_LEG_A].relatches, 0);
	assert_int_equal(st.flows[RTPP_FLOW_A_TO_B].drop_foreign_source, 0);
	process_at(IFACE_B, udp_packet("198.51.100.20:40010", "198.51.100.1:30010", 9),
		   t + ms_tsc(1003));
	expect_out(IFACE_A, "203.0.113.1:20010", "203.0.113.10:5010", 9);
	expect_nothing_out();
	assert_int_equal(dp_info().latches, 1);
	assert_int_equal(dp_info().relatches, 0);
}

/*
 * NAT rebinding: the latched SSRC from a new address:port moves the latch
 * only once the latched source has been silent relatch_silence_ms (500 ms
 * here), and only from the expected IP when there is one. Another SSRC never.
 */
static void test_media_relatch_after_silence(void **state)
{
	const uint32_t ssrc = 0x5eed, other = 0x0bad;
	struct rtpp_session_request r;
	struct rtpp_session_status st;
	const struct event_record *ev = NULL;
	uint64_t id, nat, t;

	(void)state;
	id = learning_session(NULL, NULL);
	assert_int_equal(status_of(id).media.relatch_silence_ms, 500);
	t = rte_rdtsc();
	process_at(IFACE_A, rtp_from(CALLER, LISTEN, ssrc, 1), t);
	rtpp_dataplane_service(dp);
	assert_endpoint(status_of(id).source, CALLER);
	process_at(IFACE_A, rtp_from(CALLER, LISTEN, ssrc, 2), t + ms_tsc(100));
	assert_int_equal(drain(IFACE_B), 2);

	/* 200 ms after the latched source's last packet: too early, refused and not followed. */
	process_at(IFACE_A, rtp_from("203.0.113.10:6000", LISTEN, ssrc, 3), t + ms_tsc(300));
	expect_nothing_out();
	rtpp_dataplane_service(dp);
	st = status_of(id);
	assert_endpoint(st.source, CALLER);
	assert_int_equal(st.flows[RTPP_FLOW_A_TO_B].drop_foreign_source, 1);
	/* Silent long enough, but another SSRC: from a new IP or a new port of its IP, never. */
	process_at(IFACE_A, rtp_from("203.0.113.11:7000", LISTEN, other, 4), t + ms_tsc(1000));
	process_at(IFACE_A, rtp_from("203.0.113.10:6000", LISTEN, other, 5), t + ms_tsc(1002));
	expect_nothing_out();
	rtpp_dataplane_service(dp);
	st = status_of(id);
	assert_endpoint(st.source, CALLER);
	assert_int_equal(st.leg_state[RTPP_LEG_A].relatches, 0);
	assert_int_equal(st.flows[RTPP_FLOW_A_TO_B].drop_foreign_source, 3);
	process_at(IFACE_B, udp_packet(DEST, FORWARD, 6), t + ms_tsc(1003));
	expect_out(IFACE_A, LISTEN, CALLER, 6);

	/* The latched SSRC after 1 s of silence: the NAT rebound, the latch follows. */
	process_at(IFACE_A, rtp_from("203.0.113.10:6000", LISTEN, ssrc, 7), t + ms_tsc(1100));
	expect_nothing_out(); /* judged by the old remote: the move is the main lcore's */
	rtpp_dataplane_service(dp);
	st = status_of(id);
	assert_endpoint(st.source, "203.0.113.10:6000");
	assert_int_equal(st.leg_state[RTPP_LEG_A].learning, RTPP_LEARN_LATCHED);
	assert_int_equal(st.leg_state[RTPP_LEG_A].relatches, 1);
	assert_int_equal(st.leg_state[RTPP_LEG_A].rtcp_port, 6001);
	assert_int_equal(events_of(id, RTPP_EVENT_LATCHED, &ev), 2);
	assert_true(ev->relatch);
	assert_int_equal(ev->leg, RTPP_LEG_A);
	assert_endpoint(ev->source, "203.0.113.10:6000");
	assert_int_equal(dp_info().relatches, 1);
	assert_int_equal(dp_info().latches, 1);
	process_at(IFACE_B, udp_packet(DEST, FORWARD, 8), t + ms_tsc(1101));
	expect_out(IFACE_A, LISTEN, "203.0.113.10:6000", 8);
	process_at(IFACE_A, rtp_from("203.0.113.10:6000", LISTEN, ssrc, 9), t + ms_tsc(1102));
	expect_out(IFACE_B, FORWARD, DEST, 9);
	/* The old binding is a stranger now. */
	process_at(IFACE_A, rtp_from(CALLER, LISTEN, ssrc, 10), t + ms_tsc(1103));
	expect_nothing_out();

	/* With an expected address, a rebinding must come from that IP too. */
	r = request("203.0.113.1:20010", "198.51.100.1:30010", "198.51.100.20:40010", NULL);
	assert_int_equal(rtpp_addr_parse("203.0.113.10", &r.expected[RTPP_LEG_A]), 0);
	nat = create_request(&r);
	process_at(IFACE_A, rtp_from("203.0.113.10:5010", "203.0.113.1:20010", ssrc, 11), t);
	rtpp_dataplane_service(dp);
	assert_endpoint(status_of(nat).source, "203.0.113.10:5010");
	process_at(IFACE_A, rtp_from("203.0.113.11:5010", "203.0.113.1:20010", ssrc, 12),
		   t + ms_tsc(1000));
	rtpp_dataplane_service(dp);
	assert_endpoint(status_of(nat).source, "203.0.113.10:5010");
	process_at(IFACE_A, rtp_from("203.0.113.10:6010", "203.0.113.1:20010", ssrc, 13),
		   t + ms_tsc(1002));
	rtpp_dataplane_service(dp);
	st = status_of(nat);
	assert_endpoint(st.source, "203.0.113.10:6010");
	assert_int_equal(st.leg_state[RTPP_LEG_A].relatches, 1);
	assert_int_equal(drain(IFACE_B), 1); /* the first packet only */
	expect_nothing_out();
}

/*
 * RTCP's remote: the first RTCP from the remote's address at another port
 * than remote + 1 is accepted, and its port becomes the RTCP remote, once.
 * RTCP from another address is foreign; RTCP never moves the RTP remote.
 */
static void test_media_rtcp_port_from_first_rtcp(void **state)
{
	struct rtpp_session_status st;
	uint64_t id, t;

	(void)state;
	id = given_session(NULL);
	assert_int_equal(status_of(id).leg_state[RTPP_LEG_A].rtcp_port, 5001);
	t = rte_rdtsc();
	/* Another address, even at the expected RTCP port: foreign, and nothing learnt. */
	process_at(IFACE_A, udp_packet("203.0.113.66:5001", LISTEN_RTCP, 1), t);
	expect_nothing_out();
	rtpp_dataplane_service(dp);
	st = status_of(id);
	assert_int_equal(st.flows[RTPP_FLOW_RTCP_A_TO_B].drop_foreign_source, 1);
	assert_int_equal(st.leg_state[RTPP_LEG_A].rtcp_port, 5001);

	/* The remote's address at another port: relayed at once, and learnt. */
	process_at(IFACE_A, udp_packet("203.0.113.10:5003", LISTEN_RTCP, 2), t + ms_tsc(2));
	expect_out(IFACE_B, FORWARD_RTCP, DEST_RTCP, 2);
	rtpp_dataplane_service(dp);
	st = status_of(id);
	assert_int_equal(st.leg_state[RTPP_LEG_A].rtcp_port, 5003);
	assert_endpoint(st.source, CALLER); /* RTCP never moves the RTP remote */
	assert_int_equal(st.leg_state[RTPP_LEG_A].learning, RTPP_LEARN_GIVEN);
	process_at(IFACE_B, udp_packet(DEST_RTCP, FORWARD_RTCP, 3), t + ms_tsc(3));
	expect_out(IFACE_A, LISTEN_RTCP, "203.0.113.10:5003", 3);
	process_at(IFACE_B, udp_packet(DEST, FORWARD, 4), t + ms_tsc(3));
	expect_out(IFACE_A, LISTEN, CALLER, 4);

	/* Once: now another port of that address is foreign, remote + 1 included. */
	process_at(IFACE_A, udp_packet("203.0.113.10:5005", LISTEN_RTCP, 5), t + ms_tsc(4));
	process_at(IFACE_A, udp_packet("203.0.113.10:5001", LISTEN_RTCP, 6), t + ms_tsc(6));
	process_at(IFACE_A, udp_packet("203.0.113.66:5003", LISTEN_RTCP, 7), t + ms_tsc(8));
	expect_nothing_out();
	rtpp_dataplane_service(dp);
	st = status_of(id);
	assert_int_equal(st.flows[RTPP_FLOW_RTCP_A_TO_B].drop_foreign_source, 4);
	assert_int_equal(st.leg_state[RTPP_LEG_A].rtcp_port, 5003);
	process_at(IFACE_A, udp_packet("203.0.113.10:5003", LISTEN_RTCP, 8), t + ms_tsc(10));
	expect_out(IFACE_B, FORWARD_RTCP, DEST_RTCP, 8);
	expect_nothing_out();
}

/* RTCP that comes from remote port + 1 itself fixes that port: no other port takes it later. */
static void test_media_rtcp_port_plus_one_is_kept(void **state)
{
	struct rtpp_session_status st;
	uint64_t id, t;

	(void)state;
	id = given_session(NULL);
	t = rte_rdtsc();
	process_at(IFACE_A, udp_packet("203.0.113.10:5001", LISTEN_RTCP, 1), t);
	expect_out(IFACE_B, FORWARD_RTCP, DEST_RTCP, 1);
	rtpp_dataplane_service(dp);
	/* The same address at another port (a host behind the same NAT): foreign. */
	process_at(IFACE_A, udp_packet("203.0.113.10:5003", LISTEN_RTCP, 2), t + ms_tsc(2));
	expect_nothing_out();
	rtpp_dataplane_service(dp);
	st = status_of(id);
	assert_int_equal(st.leg_state[RTPP_LEG_A].rtcp_port, 5001);
	assert_int_equal(st.flows[RTPP_FLOW_RTCP_A_TO_B].drop_foreign_source, 1);
	process_at(IFACE_A, udp_packet("203.0.113.10:5001", LISTEN_RTCP, 3), t + ms_tsc(4));
	expect_out(IFACE_B, FORWARD_RTCP, DEST_RTCP, 3);
}

static int media_setup_two_workers(void **state)
{
	(void)state;
	memset(&media_log, 0, sizeof(media_log));
	dp = rtpp_dataplane_create_detached(port, 2, 64, 2, pool, media_cfg);
	if (dp == NULL)
		return -1;
	w = rtpp_dataplane_test_worker(dp, 0);
	rtpp_dataplane_set_event_handler(dp, record_event, &media_log);
	return 0;
}

static void run_on(struct rtpp_worker *wk, uint16_t iface, struct rte_mbuf *m, uint64_t tsc)
{
	rtpp_worker_process_media(wk, iface, &m, 1, tsc);
	rtpp_worker_flush(wk);
}

/*
 * Two workers, as RSS spreads sources over them: the caller's first packet,
 * on worker 1, latches leg A, and the callee's, on worker 0, goes back to it.
 * A NAT rebinding that worker 0 sees is judged on the silence of the source
 * that spoke on worker 1; the counters add up over both.
 */
static void test_media_two_workers(void **state)
{
	struct rtpp_worker *w0 = rtpp_dataplane_test_worker(dp, 0);
	struct rtpp_worker *w1 = rtpp_dataplane_test_worker(dp, 1);
	const char *rebound = "203.0.113.10:5002";
	struct rtpp_session_status st;
	uint64_t id, t;

	(void)state;
	assert_non_null(w1);
	id = learning_session(NULL, NULL);
	t = rte_rdtsc();
	run_on(w1, IFACE_A, rtp_from(CALLER, LISTEN, 0x1111, 1), t);
	expect_out(IFACE_B, FORWARD, DEST, 1);
	rtpp_dataplane_service(dp);
	assert_endpoint(status_of(id).source, CALLER);
	run_on(w0, IFACE_B, rtp_from(DEST, FORWARD, 0x2222, 2), t + ms_tsc(1));
	expect_out(IFACE_A, LISTEN, CALLER, 2);
	run_on(w1, IFACE_A, rtp_from(CALLER, LISTEN, 0x1111, 3), t + ms_tsc(100));
	expect_out(IFACE_B, FORWARD, DEST, 3);

	/* 300 ms after the caller's last packet (on the other worker): not silent enough. */
	run_on(w0, IFACE_A, rtp_from(rebound, LISTEN, 0x1111, 4), t + ms_tsc(400));
	expect_nothing_out();
	rtpp_dataplane_service(dp);
	assert_endpoint(status_of(id).source, CALLER);
	/* 600 ms: a rebinding; the next packet from there is relayed. */
	run_on(w0, IFACE_A, rtp_from(rebound, LISTEN, 0x1111, 5), t + ms_tsc(700));
	expect_nothing_out();
	rtpp_dataplane_service(dp);
	st = status_of(id);
	assert_endpoint(st.source, rebound);
	assert_int_equal(st.leg_state[RTPP_LEG_A].relatches, 1);
	run_on(w0, IFACE_A, rtp_from(rebound, LISTEN, 0x1111, 6), t + ms_tsc(720));
	expect_out(IFACE_B, FORWARD, DEST, 6);
	run_on(w1, IFACE_A, rtp_from(CALLER, LISTEN, 0x1111, 7), t + ms_tsc(740));
	expect_nothing_out(); /* the old mapping is foreign now, on either worker */

	st = status_of(id);
	assert_int_equal(st.flows[RTPP_FLOW_A_TO_B].rx_packets, 6);
	assert_int_equal(st.flows[RTPP_FLOW_A_TO_B].tx_packets, 3);
	assert_int_equal(st.flows[RTPP_FLOW_A_TO_B].drop_foreign_source, 3);
	assert_int_equal(st.flows[RTPP_FLOW_B_TO_A].tx_packets, 1);
}

/* UpdateSession relearn: the remote is forgotten, the next packet latches again. */
static void test_media_update_relearn(void **state)
{
	struct rtpp_session_update u = { 0 };
	struct rtpp_session_status st;
	const struct event_record *ev = NULL;
	char err[256] = "";
	uint64_t id, t;

	(void)state;
	id = learning_session(NULL, NULL);
	t = rte_rdtsc();
	process_at(IFACE_A, udp_packet(CALLER, LISTEN, 1), t);
	expect_out(IFACE_B, FORWARD, DEST, 1);
	rtpp_dataplane_service(dp);
	assert_endpoint(status_of(id).source, CALLER);
	assert_int_equal(status_of(id).state, RTPP_SESSION_ACTIVE);

	u.leg[RTPP_LEG_A].relearn = true;
	assert_int_equal(update(id, &u, err, sizeof(err)), 0);
	st = status_of(id);
	assert_int_equal(st.leg_state[RTPP_LEG_A].learning, RTPP_LEARN_OPEN);
	assert_int_equal(st.source.addr.family, RTPP_AF_NONE);
	assert_int_equal(st.leg_state[RTPP_LEG_A].ssrc, 0);
	assert_int_equal(st.state, RTPP_SESSION_CONNECTING);
	assert_int_equal(events_of(id, RTPP_EVENT_STATE_CHANGED, &ev), 2);
	assert_int_equal(ev->old_state, RTPP_SESSION_ACTIVE);
	assert_int_equal(ev->new_state, RTPP_SESSION_CONNECTING);
	/* Toward the leg: nothing until it has latched again. */
	process_at(IFACE_B, udp_packet(DEST, FORWARD, 2), t + ms_tsc(2));
	expect_nothing_out();
	assert_int_equal(status_of(id).flows[RTPP_FLOW_B_TO_A].drop_no_remote, 1);

	/* The next source, whoever it is, latches: a first latch of a new learning. */
	process_at(IFACE_A, udp_packet("203.0.113.20:6000", LISTEN, 3), t + ms_tsc(4));
	expect_out(IFACE_B, FORWARD, DEST, 3);
	rtpp_dataplane_service(dp);
	st = status_of(id);
	assert_endpoint(st.source, "203.0.113.20:6000");
	assert_int_equal(st.leg_state[RTPP_LEG_A].learning, RTPP_LEARN_LATCHED);
	assert_int_equal(st.leg_state[RTPP_LEG_A].relatches, 0);
	assert_int_equal(st.state, RTPP_SESSION_ACTIVE);
	assert_int_equal(events_of(id, RTPP_EVENT_LATCHED, &ev), 2);
	assert_false(ev->relatch);
	assert_endpoint(ev->source, "203.0.113.20:6000");
	process_at(IFACE_B, udp_packet(DEST, FORWARD, 4), t + ms_tsc(5));
	expect_out(IFACE_A, LISTEN, "203.0.113.20:6000", 4);
	/* The first remote is a stranger now. */
	process_at(IFACE_A, udp_packet(CALLER, LISTEN, 5), t + ms_tsc(6));
	expect_nothing_out();
	assert_int_equal(status_of(id).flows[RTPP_FLOW_A_TO_B].drop_foreign_source, 1);
}

/*
 * Leg B learns too once told to (relearn): its events name leg B, its NAT
 * re-latch is judged by what arrives on leg B.
 */
static void test_media_leg_b_learns_and_relatches(void **state)
{
	struct rtpp_session_update u = { 0 };
	struct rtpp_session_status st;
	const struct event_record *ev = NULL;
	char err[256] = "";
	uint64_t id, t;

	(void)state;
	id = given_session(NULL);
	u.leg[RTPP_LEG_B].relearn = true;
	assert_int_equal(update(id, &u, err, sizeof(err)), 0);
	st = status_of(id);
	assert_int_equal(st.leg_state[RTPP_LEG_B].learning, RTPP_LEARN_OPEN);
	assert_int_equal(st.leg_state[RTPP_LEG_A].learning, RTPP_LEARN_GIVEN);
	assert_int_equal(st.state, RTPP_SESSION_CONNECTING);

	t = rte_rdtsc();
	process_at(IFACE_A, udp_packet(CALLER, LISTEN, 1), t);
	expect_nothing_out();
	assert_int_equal(status_of(id).flows[RTPP_FLOW_A_TO_B].drop_no_remote, 1);
	process_at(IFACE_B, udp_packet("198.51.100.30:41000", FORWARD, 2), t + 1);
	expect_out(IFACE_A, LISTEN, CALLER, 2);
	rtpp_dataplane_service(dp);
	st = status_of(id);
	assert_endpoint(st.destination, "198.51.100.30:41000");
	assert_endpoint(st.source, CALLER);
	assert_int_equal(events_of(id, RTPP_EVENT_LATCHED, &ev), 1);
	assert_int_equal(ev->leg, RTPP_LEG_B);
	assert_false(ev->relatch);
	process_at(IFACE_A, udp_packet(CALLER, LISTEN, 3), t + 2);
	expect_out(IFACE_B, FORWARD, "198.51.100.30:41000", 3);

	/* Leg A's media keeps flowing: it says nothing of leg B's silence. */
	process_at(IFACE_A, udp_packet(CALLER, LISTEN, 4), t + ms_tsc(700));
	expect_out(IFACE_B, FORWARD, "198.51.100.30:41000", 4);
	process_at(IFACE_B, udp_packet("198.51.100.30:42000", FORWARD, 5), t + ms_tsc(800));
	expect_nothing_out();
	rtpp_dataplane_service(dp);
	st = status_of(id);
	assert_endpoint(st.destination, "198.51.100.30:42000");
	assert_int_equal(st.leg_state[RTPP_LEG_B].relatches, 1);
	assert_int_equal(st.leg_state[RTPP_LEG_A].relatches, 0);
	assert_int_equal(events_of(id, RTPP_EVENT_LATCHED, &ev), 2);
	assert_int_equal(ev->leg, RTPP_LEG_B);
	assert_true(ev->relatch);
	process_at(IFACE_A, udp_packet(CALLER, LISTEN, 6), t + ms_tsc(801));
	expect_out(IFACE_B, FORWARD, "198.51.100.30:42000", 6);
	expect_nothing_out();
}

/*
 * UpdateSession moves leg B's remote mid-call: strict to the new one at
 * once, while leg A's side keeps flowing; the counters stay.
 */
static void test_media_update_moves_a_remote_mid_call(void **state)
{
	struct rtpp_session_update u = { 0 };
	struct rtpp_session_status before, st;
	char err[256] = "";
	uint64_t id, t;

	(void)state;
	id = given_session(NULL);
	t = rte_rdtsc();
	for (uint8_t i = 0; i < 3; i++) {
		process_at(IFACE_A, udp_packet(CALLER, LISTEN, i), t + i);
		expect_out(IFACE_B, FORWARD, DEST, i);
		process_at(IFACE_B, udp_packet(DEST, FORWARD, i), t + i);
		expect_out(IFACE_A, LISTEN, CALLER, i);
	}
	before = status_of(id);

	u.leg[RTPP_LEG_B].set_remote = true;
	u.leg[RTPP_LEG_B].remote = ep("198.51.100.21:41000");
	assert_int_equal(update(id, &u, err, sizeof(err)), 0);
	resolve_now(IFACE_B, "198.51.100.21");
	st = status_of(id);
	assert_endpoint(st.destination, "198.51.100.21:41000");
	assert_int_equal(st.leg_state[RTPP_LEG_B].learning, RTPP_LEARN_GIVEN);
	assert_int_equal(st.leg_state[RTPP_LEG_B].rtcp_port, 41001);
	assert_endpoint(st.source, CALLER);
	for (unsigned int f = 0; f < RTPP_FLOWS_PER_SESSION; f++) {
		assert_int_equal(st.flows[f].rx_packets, before.flows[f].rx_packets);
		assert_int_equal(st.flows[f].tx_packets, before.flows[f].tx_packets);
		assert_int_equal(st.flows[f].rx_bytes, before.flows[f].rx_bytes);
	}

	/* A's media goes on, now toward the new remote; the new remote reaches A. */
	process_at(IFACE_A, udp_packet(CALLER, LISTEN, 10), t + 10);
	expect_out(IFACE_B, FORWARD, "198.51.100.21:41000", 10);
	process_at(IFACE_B, udp_packet("198.51.100.21:41000", FORWARD, 11), t + 11);
	expect_out(IFACE_A, LISTEN, CALLER, 11);
	/* The old remote is foreign from the update on. */
	process_at(IFACE_B, udp_packet(DEST, FORWARD, 12), t + 12);
	expect_nothing_out();
	st = status_of(id);
	assert_int_equal(st.flows[RTPP_FLOW_A_TO_B].rx_packets, 4);
	assert_int_equal(st.flows[RTPP_FLOW_A_TO_B].tx_packets, 4);
	assert_int_equal(st.flows[RTPP_FLOW_B_TO_A].rx_packets, 5);
	assert_int_equal(st.flows[RTPP_FLOW_B_TO_A].tx_packets, 4);
	assert_int_equal(st.flows[RTPP_FLOW_B_TO_A].drop_foreign_source, 1);
}

/*
 * UpdateSession pauses leg A: what arrives there is dropped (drop_paused)
 * but is media still: the session outlives its inactivity timeout on held
 * media alone. The other direction is not held.
 */
static void test_media_update_pause_holds_one_direction(void **state)
{
	const struct rtpp_media_override idle = { .set = RTPP_MEDIA_INACTIVITY_TIMEOUT,
						  .v.inactivity_timeout_s = 1 };
	struct rtpp_session_update u = { 0 };
	struct rtpp_session_status st;
	uint64_t id, start, last = 0;
	unsigned int held = 0;
	char err[256] = "";

	(void)state;
	id = given_session(&idle);
	process_at(IFACE_A, udp_packet(CALLER, LISTEN, 1), rte_rdtsc());
	expect_out(IFACE_B, FORWARD, DEST, 1);

	u.leg[RTPP_LEG_A].set_paused = true;
	u.leg[RTPP_LEG_A].paused = true;
	assert_int_equal(update(id, &u, err, sizeof(err)), 0);
	st = status_of(id);
	assert_true(st.leg_state[RTPP_LEG_A].paused);
	assert_false(st.leg_state[RTPP_LEG_B].paused);
	start = rte_rdtsc();
	while (rte_rdtsc() - start < ms_tsc(1300)) {
		last = rte_rdtsc();
		process_at(IFACE_A, udp_packet(CALLER, LISTEN, 2), last);
		held++;
		expect_nothing_out();
		rtpp_dataplane_service(dp);
		rte_delay_ms(50);
	}
	st = status_of(id); /* alive: held media is media */
	assert_int_equal(st.state, RTPP_SESSION_ACTIVE);
	assert_int_equal(st.flows[RTPP_FLOW_A_TO_B].drop_paused, held);
	assert_int_equal(st.flows[RTPP_FLOW_A_TO_B].last_rx_tsc, last);
	assert_int_equal(st.flows[RTPP_FLOW_A_TO_B].tx_packets, 1);
	assert_int_equal(events_of(id, RTPP_EVENT_CLOSED, NULL), 0);
	process_at(IFACE_B, udp_packet(DEST, FORWARD, 3), rte_rdtsc());
	expect_out(IFACE_A, LISTEN, CALLER, 3);

	u.leg[RTPP_LEG_A].paused = false;
	assert_int_equal(update(id, &u, err, sizeof(err)), 0);
	assert_false(status_of(id).leg_state[RTPP_LEG_A].paused);
	process_at(IFACE_A, udp_packet(CALLER, LISTEN, 4), rte_rdtsc());
	expect_out(IFACE_B, FORWARD, DEST, 4);
	expect_nothing_out();
}

/* A refused update changes nothing, the valid parts of it included; an unknown id is ENOENT. */
static void test_media_update_refused_changes_nothing(void **state)
{
	struct rtpp_session_update u = { 0 };
	struct rtpp_session_status before, st;
	uint32_t neighbours;
	char err[256] = "", want[64];
	uint64_t id, t;

	(void)state;
	id = given_session(NULL);
	before = status_of(id);
	neighbours = dp_info().neighbours;

	/* remote and relearn together, with a pause of leg A and a new timeout alongside */
	u.leg[RTPP_LEG_A].set_paused = true;
	u.leg[RTPP_LEG_A].paused = true;
	u.media.set = RTPP_MEDIA_INACTIVITY_TIMEOUT;
	u.media.v.inactivity_timeout_s = 5;
	u.leg[RTPP_LEG_B].set_remote = true;
	u.leg[RTPP_LEG_B].remote = ep("198.51.100.21:41000");
	u.leg[RTPP_LEG_B].relearn = true;
	assert_int_equal(update(id, &u, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "leg_b: remote and relearn exclude each other");
	st = status_of(id);
	assert_false(st.leg_state[RTPP_LEG_A].paused);
	assert_int_equal(st.media.inactivity_timeout_s, before.media.inactivity_timeout_s);
	assert_endpoint(st.destination, DEST);
	assert_int_equal(st.leg_state[RTPP_LEG_B].learning, RTPP_LEARN_GIVEN);

	/* leg A's new remote is fine, leg B's unreachable: neither moves, no next hop is kept */
	memset(&u, 0, sizeof(u));
	u.leg[RTPP_LEG_A].set_remote = true;
	u.leg[RTPP_LEG_A].remote = ep("203.0.113.30:7000");
	u.leg[RTPP_LEG_B].set_remote = true;
	u.leg[RTPP_LEG_B].remote = ep("192.0.2.5:40000");
	assert_int_equal(update(id, &u, err, sizeof(err)), -ENETUNREACH);
	assert_string_equal(err,
			    "leg_b.remote: 192.0.2.5:40000 is not on-link of interface core "
			    "and it has no gateway4");
	st = status_of(id);
	assert_endpoint(st.source, CALLER);
	assert_endpoint(st.destination, DEST);
	assert_int_equal(dp_info().neighbours, neighbours);

	/* No such session. */
	memset(&u, 0, sizeof(u));
	u.leg[RTPP_LEG_A].set_paused = true;
	assert_int_equal(update(id + 1000, &u, err, sizeof(err)), -ENOENT);
	snprintf(want, sizeof(want), "session_id: no session %" PRIu64, id + 1000);
	assert_string_equal(err, want);

	/* Both directions flow as before. */
	t = rte_rdtsc();
	process_at(IFACE_A, udp_packet(CALLER, LISTEN, 1), t);
	expect_out(IFACE_B, FORWARD, DEST, 1);
	process_at(IFACE_B, udp_packet(DEST, FORWARD, 2), t);
	expect_out(IFACE_A, LISTEN, CALLER, 2);
	expect_nothing_out();
}

/*
 * A refused update takes no next-hop reference and gives back none it did
 * not take: whatever refuses it (a media rule out of range, leg A's part),
 * every leg's next hop stays in place.
 */
static void test_media_refused_update_keeps_next_hops(void **state)
{
	struct rtpp_session_update u;
	char err[256] = "";
	uint64_t id;

	(void)state;
	id = given_session(NULL); /* the first next hops of the table */
	assert_int_equal(dp_info().neighbours, 2);

	memset(&u, 0, sizeof(u));
	u.media.set = RTPP_MEDIA_RELATCH_SILENCE;
	u.media.v.relatch_silence_ms = 10;
	assert_int_equal(update(id, &u, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "media.relatch_silence_ms: 10 is out of range (50..60000)");
	memset(&u, 0, sizeof(u));
	u.leg[RTPP_LEG_A].set_remote = true;
	u.leg[RTPP_LEG_A].remote = ep("203.0.113.30:7000");
	u.leg[RTPP_LEG_A].relearn = true;
	assert_int_equal(update(id, &u, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "leg_a: remote and relearn exclude each other");

	assert_int_equal(dp_info().neighbours, 2);
	process_at(IFACE_B, udp_packet(DEST, FORWARD, 1), rte_rdtsc());
	expect_out(IFACE_A, LISTEN, CALLER, 1);
	process_at(IFACE_A, udp_packet(CALLER, LISTEN, 2), rte_rdtsc());
	expect_out(IFACE_B, FORWARD, DEST, 2);
	assert_int_equal(status_of(id).flows[RTPP_FLOW_B_TO_A].drop_no_neighbour, 0);
}

/*
 * A remote moved to another port of the same host keeps its next hop with
 * one reference per leg: once the sessions are gone, so is the entry.
 */
static void test_media_update_to_the_same_next_hop(void **state)
{
	struct rtpp_session_update u = { 0 };
	struct rtpp_session_request r;
	char err[256] = "";
	uint64_t id, other;

	(void)state;
	id = media_session(CALLER, NULL, NULL);
	r = request("203.0.113.1:20010", "198.51.100.1:30010", "198.51.100.20:40010",
		    "203.0.113.10:5010");
	other = create_request(&r);
	resolve_now(IFACE_A, "203.0.113.10");
	resolve_now(IFACE_B, "198.51.100.20");
	assert_int_equal(dp_info().neighbours, 2); /* both sessions' legs share them */

	u.leg[RTPP_LEG_A].set_remote = true;
	u.leg[RTPP_LEG_A].remote = ep("203.0.113.10:5002");
	u.leg[RTPP_LEG_B].set_remote = true;
	u.leg[RTPP_LEG_B].remote = ep("198.51.100.20:40002");
	assert_int_equal(update(id, &u, err, sizeof(err)), 0);
	assert_int_equal(dp_info().neighbours, 2);
	process_at(IFACE_A, udp_packet("203.0.113.10:5002", LISTEN, 1), rte_rdtsc());
	expect_out(IFACE_B, FORWARD, "198.51.100.20:40002", 1);

	/* The other session lets go of them first, then this one. */
	assert_int_equal(rtpp_dataplane_session_destroy(dp, other, NULL), 0);
	rtpp_dataplane_service(dp);
	assert_int_equal(dp_info().neighbours, 2);
	process_at(IFACE_B, udp_packet("198.51.100.20:40002", FORWARD, 2), rte_rdtsc());
	expect_out(IFACE_A, LISTEN, "203.0.113.10:5002", 2);
	assert_int_equal(rtpp_dataplane_session_destroy(dp, id, NULL), 0);
	rtpp_dataplane_service(dp);
	assert_int_equal(dp_info().neighbours, 0);
}

/*
 * Validation: what is not media is dropped and counted by what it is, and is
 * no media for the timeouts; STUN is relayed and counted; relay_unrecognised
 * relays the rest too.
 */
static void test_media_validation(void **state)
{
	static const uint8_t http[] = "GET / HTTP/1.0\r\n\r\n";
	static const uint8_t short_rtp[10] = { 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0 };
	const struct rtpp_media_override any = { .set = RTPP_MEDIA_RELAY_UNRECOGNISED,
						 .v.relay_unrecognised = true };
	struct rtpp_session_request r;
	struct rtpp_session_status st;
	uint64_t id, relay, t;

	(void)state;
	id = given_session(NULL);
	t = rte_rdtsc();
	process_at(IFACE_A, udp_packet_with(CALLER, LISTEN, http, sizeof(http) - 1), t);
	process_at(IFACE_A, udp_packet_with(CALLER, LISTEN, short_rtp, sizeof(short_rtp)), t + 1);
	expect_nothing_out();
	st = status_of(id);
	assert_int_equal(st.flows[RTPP_FLOW_A_TO_B].drop_not_media, 1);
	assert_int_equal(st.flows[RTPP_FLOW_A_TO_B].drop_malformed, 1);
	assert_int_equal(st.flows[RTPP_FLOW_A_TO_B].last_rx_tsc, 0);
	assert_int_equal(st.flows[RTPP_FLOW_A_TO_B].tx_packets, 0);

	/* A STUN binding request (ICE connectivity check) passes, counted as such. */
	process_at(IFACE_A, udp_packet_with(CALLER, LISTEN, stun_binding, sizeof(stun_binding)),
		   t + 2);
	expect_out_payload(IFACE_B, FORWARD, DEST, stun_binding, sizeof(stun_binding));
	expect_nothing_out();
	st = status_of(id);
	assert_int_equal(st.flows[RTPP_FLOW_A_TO_B].stun_dtls, 1);
	assert_int_equal(st.flows[RTPP_FLOW_A_TO_B].rx_packets, 3);
	assert_int_equal(st.flows[RTPP_FLOW_A_TO_B].tx_packets, 1);
	assert_int_equal(st.flows[RTPP_FLOW_A_TO_B].last_rx_tsc, t + 2);

	r = request("203.0.113.1:20010", "198.51.100.1:30010", "198.51.100.20:40010",
		    "203.0.113.10:5010");
	r.media = any;
	relay = create_request(&r);
	process_at(IFACE_A,
		   udp_packet_with("203.0.113.10:5010", "203.0.113.1:20010", http, sizeof(http) - 1),
		   t + 3);
	expect_out_payload(IFACE_B, "198.51.100.1:30010", "198.51.100.20:40010", http,
			   sizeof(http) - 1);
	expect_nothing_out();
	st = status_of(relay);
	assert_int_equal(st.flows[RTPP_FLOW_A_TO_B].drop_not_media, 0);
	assert_int_equal(st.flows[RTPP_FLOW_A_TO_B].tx_packets, 1);
}

/*
 * Rate limit: 50 packets/s is a bucket of max(50 / 10, 10) = 10 packets,
 * full at the start, refilled by one every hz / 50 cycles (rte_meter srTCM,
 * committed bucket only). The excess is dropped and counted; each direction
 * has its own bucket.
 */
static void test_media_rate_limit(void **state)
{
	const struct rtpp_media_override limit = {
		.set = RTPP_MEDIA_RATE_LIMIT_PPS | RTPP_MEDIA_RATE_LIMIT_BPS,
		.v.rate_limit_pps = 50,
		.v.rate_limit_bps = 0,
	};
	const unsigned int cbs = 10, burst = 30, spaced = 100;
	/* rte_meter's own token period for 50/s: the tests derive nothing else from it. */
	struct rte_meter_srtcm_params params = { .cir = 50, .cbs = cbs };
	struct rte_meter_srtcm_profile profile;
	struct rte_mbuf *pkts[30];
	struct rtpp_session_status st;
	unsigned int passed;
	uint64_t id, t0, step = ms_tsc(5), refill;

	(void)state;
	assert_int_equal(rte_meter_srtcm_profile_config(&profile, &params), 0);
	assert_int_equal(profile.cir_bytes_per_period, 1);
	id = given_session(&limit);

	/* From a period boundary, so that the refills below fall on whole periods. */
	t0 = (rte_rdtsc() / profile.cir_period + 1) * profile.cir_period;
	for (unsigned int i = 0; i < burst; i++)
		pkts[i] = udp_packet(CALLER, LISTEN, (uint8_t)i);
	rtpp_worker_process_media(w, IFACE_A, pkts, (uint16_t)burst, t0);
	rtpp_worker_flush(w);
	passed = drain(IFACE_B);
	assert_int_equal(passed, cbs);
	/* One packet every 5 ms, one token every 20 ms: each token is taken by the next packet. */
	for (unsigned int i = 1; i <= spaced; i++) {
		process_at(IFACE_A, udp_packet(CALLER, LISTEN, 1), t0 + i * step);
		passed += drain(IFACE_B);
	}
	refill = spaced * step / profile.cir_period;
	assert_true(refill >= 20 && refill <= 30); /* about 500 ms worth */
	assert_int_equal(passed, cbs + refill);
	st = status_of(id);
	assert_int_equal(st.flows[RTPP_FLOW_A_TO_B].rx_packets, burst + spaced);
	assert_int_equal(st.flows[RTPP_FLOW_A_TO_B].tx_packets, passed);
	assert_int_equal(st.flows[RTPP_FLOW_A_TO_B].drop_rate_limit, burst + spaced - passed);
	/* Rate-limited media is media: the last packet was dropped yet counts. */
	assert_int_equal(st.flows[RTPP_FLOW_A_TO_B].last_rx_tsc, t0 + spaced * step);

	/* The other direction's bucket is untouched: a full burst of cbs, then nothing. */
	for (unsigned int i = 0; i < cbs + 1; i++)
		pkts[i] = udp_packet(DEST, FORWARD, (uint8_t)i);
	rtpp_worker_process_media(w, IFACE_B, pkts, (uint16_t)(cbs + 1), t0 + spaced * step);
	rtpp_worker_flush(w);
	assert_int_equal(drain(IFACE_A), cbs);
	assert_int_equal(status_of(id).flows[RTPP_FLOW_B_TO_A].drop_rate_limit, 1);
}

/*
 * Rate credit: a flow takes a millisecond of its limit from its meter at a
 * time (20,010 packets/s: batches of 16) while the bucket holds a batch, then
 * single packets. At one instant it relays exactly the bucket, max(20,010 /
 * 10, 10) = 2,001 packets (125 batches and one single), never more.
 */
static void test_media_rate_credit(void **state)
{
	const struct rtpp_media_override limit = {
		.set = RTPP_MEDIA_RATE_LIMIT_PPS | RTPP_MEDIA_RATE_LIMIT_BPS,
		.v.rate_limit_pps = 20010,
		.v.rate_limit_bps = 0,
	};
	const unsigned int cbs = 2001, bursts = 70, per_burst = 30;
	struct rte_mbuf *pkts[30];
	struct rtpp_session_status st;
	unsigned int passed = 0;
	uint64_t id, t0 = rte_rdtsc();

	(void)state;
	id = given_session(&limit);
	for (unsigned int b = 0; b < bursts; b++) {
		for (unsigned int i = 0; i < per_burst; i++)
			pkts[i] = udp_packet(CALLER, LISTEN, (uint8_t)i);
		rtpp_worker_process_media(w, IFACE_A, pkts, (uint16_t)per_burst, t0);
		rtpp_worker_flush(w);
		passed += drain(IFACE_B);
	}
	assert_int_equal(passed, cbs);
	st = status_of(id);
	assert_int_equal(st.flows[RTPP_FLOW_A_TO_B].tx_packets, cbs);
	assert_int_equal(st.flows[RTPP_FLOW_A_TO_B].drop_rate_limit, bursts * per_burst - cbs);
}

/*
 * A first-packet event still in the ring when its session's slot is reused
 * (destroyed, reclaimed, taken by the next session: the slots are a stack)
 * is the old session's: the new one stays CREATED until media of its own.
 */
static void test_media_stale_event_not_on_reused_slot(void **state)
{
	uint64_t first, second;

	(void)state;
	first = given_session(NULL);
	process_at(IFACE_A, rtp_from(CALLER, LISTEN, 0x5eed, 1), rte_rdtsc());
	assert_int_equal(drain(IFACE_B), 1);
	assert_int_equal(rtpp_dataplane_session_destroy(dp, first, NULL), 0);
	rtpp_session_table_reclaim(rtpp_dataplane_test_sessions(dp));
	second = given_session(NULL);
	assert_int_not_equal(second, first);
	rtpp_dataplane_service(dp); /* drains the first session's event */
	assert_int_equal(status_of(second).state, RTPP_SESSION_CREATED);
	process_at(IFACE_A, rtp_from(CALLER, LISTEN, 0x5eed, 2), rte_rdtsc());
	assert_int_equal(drain(IFACE_B), 1);
	rtpp_dataplane_service(dp);
	assert_int_equal(status_of(second).state, RTPP_SESSION_ACTIVE);
}

/* A first-packet event lost to a full ring: the sweep sees the media in the counters. */
static void test_media_lost_event_recovered(void **state)
{
	uint64_t id;

	(void)state;
	id = given_session(NULL);
	process_at(IFACE_A, rtp_from(CALLER, LISTEN, 0x5eed, 1), rte_rdtsc());
	assert_int_equal(drain(IFACE_B), 1);
	rtpp_dataplane_test_discard_flow_events(dp);
	rte_delay_ms(15); /* past the next sweep */
	rtpp_dataplane_service(dp);
	assert_int_equal(status_of(id).state, RTPP_SESSION_ACTIVE);
}

/*
 * A TCP session left in ERROR is closed inactivity_timeout_s after its
 * connection ended, never before: not when the sweep's clock was read before
 * the relay's event that set the end (the same service pass), where an
 * unsigned difference once closed it at once (tcp_errors, under load).
 */
static void test_tcp_error_expiry_not_before_its_end(void **state)
{
	(void)state;
	uint32_t s = create("203.0.113.1:20040", "198.51.100.1:30040", "198.51.100.20:40040",
			    "203.0.113.10:5040");
	struct rtpp_session_info *info = rtpp_session_info_mut(rtpp_dataplane_test_sessions(dp), s);
	const uint64_t hz = rte_get_tsc_hz(), ended = rte_rdtsc();

	info->protocol = RTPP_PROTO_TCP;
	info->state = RTPP_SESSION_ERROR;
	info->ended_tsc = ended;
	info->media.inactivity_timeout_s = 2;
	info->media.max_lifetime_s = 0;
	assert_int_equal(rtpp_dataplane_test_tcp_expiry(dp, s, ended - hz / 100), RTPP_CLOSE_NONE);
	assert_int_equal(rtpp_dataplane_test_tcp_expiry(dp, s, ended + hz), RTPP_CLOSE_NONE);
	assert_int_equal(rtpp_dataplane_test_tcp_expiry(dp, s, ended + 2 * hz),
			 RTPP_CLOSE_INACTIVITY);
}

/*
 * Timeouts: a session with no media at all closes with NO_MEDIA after
 * first_media_timeout_s; one whose media stopped closes with INACTIVITY
 * (refused packets keep nothing alive); one whose media flows closes with
 * LIFETIME after max_lifetime_s; a static session never expires, and learns
 * without a window.
 */
static void test_media_timeouts(void **state)
{
	const struct rtpp_media_override first = { .set = RTPP_MEDIA_FIRST_MEDIA_TIMEOUT,
						   .v.first_media_timeout_s = 1 };
	const struct rtpp_media_override idle = { .set = RTPP_MEDIA_INACTIVITY_TIMEOUT,
						  .v.inactivity_timeout_s = 1 };
	const struct rtpp_media_override life = { .set = RTPP_MEDIA_MAX_LIFETIME,
						  .v.max_lifetime_s = 1 };
	struct rtpp_session_request r;
	struct rtpp_session_status st;
	const struct event_record *ev = NULL;
	uint64_t silent, quiet, lived, fixed, start, last_ok, now, closed[3] = { 0, 0, 0 };
	struct rtpp_dataplane_info before, info;
	uint32_t in_states = 0;

	(void)state;
	rtpp_dataplane_info(dp, &before);
	start = rte_rdtsc();
	silent = media_session(CALLER, NULL, &first);
	r = request("203.0.113.1:20010", "198.51.100.1:30010", "198.51.100.20:40010",
		    "203.0.113.10:5010");
	r.media = idle;
	quiet = create_request(&r);
	r = request("203.0.113.1:20030", "198.51.100.1:30030", "198.51.100.20:40030",
		    "203.0.113.10:5030");
	r.media = life;
	lived = create_request(&r);
	r = request("203.0.113.1:20020", "198.51.100.1:30020", "198.51.100.20:40020", NULL);
	r.is_static = true;
	r.media.set = RTPP_MEDIA_FIRST_MEDIA_TIMEOUT | RTPP_MEDIA_INACTIVITY_TIMEOUT |
		      RTPP_MEDIA_MAX_LIFETIME | RTPP_MEDIA_LEARNING_WINDOW;
	r.media.v.first_media_timeout_s = 1;
	r.media.v.inactivity_timeout_s = 1;
	r.media.v.max_lifetime_s = 1;
	r.media.v.learning_window_ms = 50;
	fixed = create_request(&r);
	resolve_now(IFACE_B, "198.51.100.20");
	last_ok = rte_rdtsc();
	process_at(IFACE_A, udp_packet("203.0.113.10:5010", "203.0.113.1:20010", 1), last_ok);
	assert_int_equal(drain(IFACE_B), 1);

	while ((closed[0] == 0 || closed[1] == 0 || closed[2] == 0) &&
	       rte_rdtsc() - start < ms_tsc(3000)) {
		/* refused: keeps nothing alive */
		process_at(IFACE_A, udp_packet("203.0.113.66:5010", "203.0.113.1:20010", 2),
			   rte_rdtsc());
		/* accepted and relayed, until the session is gone */
		process_at(IFACE_A, udp_packet("203.0.113.10:5030", "203.0.113.1:20030", 3),
			   rte_rdtsc());
		drain(IFACE_B);
		rtpp_dataplane_service(dp);
		now = rte_rdtsc();
		if (closed[0] == 0 && rtpp_dataplane_session_status(dp, silent, &st) == -ENOENT)
			closed[0] = now;
		if (closed[1] == 0 && rtpp_dataplane_session_status(dp, quiet, &st) == -ENOENT)
			closed[1] = now;
		if (closed[2] == 0 && rtpp_dataplane_session_status(dp, lived, &st) == -ENOENT)
			closed[2] = now;
		rte_delay_ms(10);
	}
	expect_nothing_out();
	assert_true(closed[0] != 0 && closed[1] != 0 && closed[2] != 0);
	assert_true(closed[0] - start >= ms_tsc(1000));
	assert_true(closed[1] - last_ok >= ms_tsc(1000));
	assert_true(closed[2] - start >= ms_tsc(1000));
	assert_int_equal(events_of(silent, RTPP_EVENT_CLOSED, &ev), 1);
	assert_int_equal(ev->close_reason, RTPP_CLOSE_NO_MEDIA);
	assert_int_equal(ev->old_state, RTPP_SESSION_CREATED);
	assert_int_equal(ev->new_state, RTPP_SESSION_CLOSED);
	assert_int_equal(events_of(quiet, RTPP_EVENT_CLOSED, &ev), 1);
	assert_int_equal(ev->close_reason, RTPP_CLOSE_INACTIVITY);
	assert_int_equal(ev->old_state, RTPP_SESSION_ACTIVE);
	assert_int_equal(events_of(lived, RTPP_EVENT_CLOSED, &ev), 1);
	assert_int_equal(ev->close_reason, RTPP_CLOSE_LIFETIME);
	/* The expiries as /metrics counts them; the live ones add up to the table. */
	rtpp_dataplane_info(dp, &info);
	for (unsigned int r = RTPP_CLOSE_INACTIVITY; r <= RTPP_CLOSE_LIFETIME; r++)
		assert_int_equal(info.sessions_closed[r], before.sessions_closed[r] + 1);
	assert_int_equal(info.sessions_created, before.sessions_created + 4);
	for (unsigned int k = 0; k <= RTPP_SESSION_CLOSED; k++)
		in_states += info.sessions_in_state[k];
	assert_int_equal(in_states, info.sessions);

	st = status_of(fixed);
	assert_true(st.is_static);
	assert_int_equal(st.state, RTPP_SESSION_CONNECTING);
	assert_int_equal(st.leg_state[RTPP_LEG_A].learning, RTPP_LEARN_OPEN);
	assert_string_equal(st.error, "");
	assert_int_equal(events_of(fixed, RTPP_EVENT_CLOSED, NULL), 0);
	assert_int_equal(rtpp_dataplane_session_count(dp), 1);
	process_at(IFACE_A, udp_packet("203.0.113.10:5020", "203.0.113.1:20020", 3), rte_rdtsc());
	expect_out(IFACE_B, "198.51.100.1:30020", "198.51.100.20:40020", 3);
	rtpp_dataplane_service(dp);
	assert_endpoint(status_of(fixed).source, "203.0.113.10:5020");
}

int main(void)
{
	/* Admission needs no EAL: its tests run before there is one. */
	static const struct CMUnitTest admission_tests[] = {
		cmocka_unit_test_setup_teardown(test_admission_refusals, admission_setup,
						admission_teardown),
		cmocka_unit_test_setup_teardown(test_admission_port_is_the_interfaces,
						admission_setup, admission_teardown),
		cmocka_unit_test_setup_teardown(test_admission_admits_and_allocates,
						admission_setup, admission_teardown),
		cmocka_unit_test_setup_teardown(test_admission_takes_all_or_nothing,
						admission_setup, admission_teardown),
	};
	int failed = cmocka_run_group_tests_name("admission", admission_tests, NULL, NULL);

	if (rtpp_test_eal_init(NULL) != 0)
		return 1;
	pool = rte_pktmbuf_pool_create("dp_test", 1024, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	for (int i = 0; i < 2; i++) {
		char name[32];

		snprintf(name, sizeof(name), "in%d", i);
		in_ring[i] = rte_ring_create(name, 256, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "out%d", i);
		out_ring[i] = rte_ring_create(name, OUT_RING_SIZE, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "net_ring_t%d", i);
		/* Two TX queues on the same ring: worker k sends on queue k. */
		struct rte_ring *tx[2] = { out_ring[i], out_ring[i] };
		int p = rte_eth_from_rings(name, &in_ring[i], 1, tx, 2, 0);
		if (pool == NULL || p < 0)
			return 1;
		port[i] = (uint16_t)p;
		struct rte_eth_conf conf = { 0 };
		if (rte_eth_dev_configure(port[i], 1, 2, &conf) != 0 ||
		    rte_eth_rx_queue_setup(port[i], 0, 256, 0, NULL, pool) != 0 ||
		    rte_eth_tx_queue_setup(port[i], 0, 256, 0, NULL) != 0 ||
		    rte_eth_tx_queue_setup(port[i], 1, 256, 0, NULL) != 0 ||
		    rte_eth_dev_start(port[i]) != 0)
			return 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_forward_rtp_and_rtcp_v4, setup, teardown),
		cmocka_unit_test(test_iface_view_sums_every_worker),
		cmocka_unit_test_setup_teardown(test_forward_v6_and_cross_family, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reverse_needs_a_remote, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unresolved_next_hop_drops_and_counts, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_no_session_and_malformed_never_forwarded,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_list_is_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_tx_queue_is_counted_not_leaked, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_arp_reply_is_snooped_for_the_main_lcore, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_destroyed_session_stops_forwarding_at_once,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_rtp_loss_and_rtcp_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_reports_endpoints_and_counters, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_list_pages_every_session_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_first_packet_makes_session_active_once, setup,
						teardown),
	};
	failed += cmocka_run_group_tests_name("dataplane", tests, NULL, NULL);

	const struct CMUnitTest host_drop_tests[] = {
		cmocka_unit_test(test_host_rings_count_ring_overflows),
		cmocka_unit_test(test_af_packet_port_drops_in_iface_view),
		cmocka_unit_test(test_host_drops_of_ring_ports),
	};
	failed += cmocka_run_group_tests_name("host_drops", host_drop_tests, NULL, NULL);

	char err[RTPP_CONFIG_ERR_LEN];
	if (rtpp_config_load_string(media_yaml, strlen(media_yaml), "media.yaml", &media_cfg, err,
				    sizeof(err)) != 0) {
		fprintf(stderr, "media.yaml: %s\n", err);
		return 1;
	}
	const struct CMUnitTest media_tests[] = {
		cmocka_unit_test_setup_teardown(test_media_open_learning_latches_first_rtp,
						media_setup, media_teardown),
		cmocka_unit_test_setup_teardown(test_media_learning_window_closes, media_setup,
						media_teardown),
		cmocka_unit_test_setup_teardown(test_media_expected_address_any_port, media_setup,
						media_teardown),
		cmocka_unit_test_setup_teardown(test_media_only_rtp_latches, media_setup,
						media_teardown),
		cmocka_unit_test_setup_teardown(test_media_latch_obeys_policy, media_setup,
						media_teardown),
		cmocka_unit_test_setup_teardown(test_media_learning_ipv6, media_setup, media_teardown),
		cmocka_unit_test_setup_teardown(test_media_strict_source, media_setup, media_teardown),
		cmocka_unit_test_setup_teardown(test_media_relatch_after_silence, media_setup,
						media_teardown),
		cmocka_unit_test_setup_teardown(test_media_rtcp_port_plus_one_is_kept, media_setup,
						media_teardown),
		cmocka_unit_test_setup_teardown(test_media_rtcp_port_from_first_rtcp, media_setup,
						media_teardown),
		cmocka_unit_test_setup_teardown(test_media_update_relearn, media_setup,
						media_teardown),
		cmocka_unit_test_setup_teardown(test_media_two_workers, media_setup_two_workers,
						media_teardown),
		cmocka_unit_test_setup_teardown(test_media_leg_b_learns_and_relatches, media_setup,
						media_teardown),
		cmocka_unit_test_setup_teardown(test_media_update_moves_a_remote_mid_call,
						media_setup, media_teardown),
		cmocka_unit_test_setup_teardown(test_media_update_pause_holds_one_direction,
						media_setup, media_teardown),
		cmocka_unit_test_setup_teardown(test_media_update_refused_changes_nothing,
						media_setup, media_teardown),
		cmocka_unit_test_setup_teardown(test_media_refused_update_keeps_next_hops,
						media_setup, media_teardown),
		cmocka_unit_test_setup_teardown(test_media_update_to_the_same_next_hop, media_setup,
						media_teardown),
		cmocka_unit_test_setup_teardown(test_media_validation, media_setup, media_teardown),
		cmocka_unit_test_setup_teardown(test_media_rate_limit, media_setup, media_teardown),
		cmocka_unit_test_setup_teardown(test_media_rate_credit, media_setup, media_teardown),
		cmocka_unit_test_setup_teardown(test_media_stale_event_not_on_reused_slot,
						media_setup, media_teardown),
		cmocka_unit_test_setup_teardown(test_media_lost_event_recovered, media_setup,
						media_teardown),
		cmocka_unit_test_setup_teardown(test_media_timeouts, media_setup, media_teardown),
		cmocka_unit_test_setup_teardown(test_tcp_error_expiry_not_before_its_end,
						media_setup, media_teardown),
	};
	failed += cmocka_run_group_tests_name("media", media_tests, NULL, NULL);
	rtpp_config_free(media_cfg);

	rte_eal_cleanup();
	return failed;
}
