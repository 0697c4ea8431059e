/* SPDX-License-Identifier: BSD-3-Clause */
/* Neighbour table: references, learning, probing cadence, snooping, probe frames. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <rte_arp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "rtpp_neigh.h"
#include "test_eal.h"

static struct rte_mempool *pool;
static const struct rte_ether_addr our_mac = { { 0x02, 0, 0, 0, 0, 0x01 } };
static const struct rte_ether_addr peer_mac = { { 0x02, 0, 0, 0, 0, 0x20 } };

static struct rtpp_addr addr(const char *s)
{
	struct rtpp_addr a;

	assert_int_equal(rtpp_addr_parse(s, &a), 0);
	return a;
}

struct probe_log {
	unsigned int n;
	struct rtpp_addr last;
};

static void record_probe(void *ctx, const struct rtpp_neigh_entry *e)
{
	struct probe_log *log = ctx;

	log->n++;
	log->last = e->addr;
}

static void test_ref_learn_unref(void **state)
{
	struct rtpp_neigh_table *t = rtpp_neigh_create("t1", 4, 0);
	struct rtpp_addr a = addr("198.51.100.20");
	struct rtpp_neigh_learn l = { .iface = 1, .mac = peer_mac, .addr = a };

	(void)state;
	assert_non_null(t);
	uint32_t i1 = rtpp_neigh_ref(t, 1, &a);
	uint32_t i2 = rtpp_neigh_ref(t, 1, &a);
	assert_int_equal(i1, i2);
	assert_int_equal(rtpp_neigh_count(t), 1);
	/* same address on another interface is another neighbour */
	uint32_t other = rtpp_neigh_ref(t, 0, &a);
	assert_int_not_equal(other, i1);
	struct rtpp_neigh_entry *entries = rtpp_neigh_entries(t);
	assert_null(rtpp_neigh_mac(entries, i1)); /* not resolved yet */

	assert_true(rtpp_neigh_learn(t, &l, 1000));
	assert_non_null(rtpp_neigh_mac(entries, i1));
	assert_memory_equal(rtpp_neigh_mac(entries, i1), &peer_mac, 6);
	assert_null(rtpp_neigh_mac(entries, other));
	assert_false(rtpp_neigh_learn(t, &l, 2000)); /* nothing changed */

	/* Unsolicited bindings never create entries. */
	struct rtpp_neigh_learn stranger = { .iface = 1, .mac = peer_mac,
					     .addr = addr("198.51.100.99") };
	assert_false(rtpp_neigh_learn(t, &stranger, 1000));
	assert_int_equal(rtpp_neigh_count(t), 2);

	rtpp_neigh_unref(t, i1);
	assert_int_equal(rtpp_neigh_count(t), 2);
	rtpp_neigh_unref(t, i1);
	assert_int_equal(rtpp_neigh_count(t), 1);
	assert_null(rtpp_neigh_mac(entries, i1));
	rtpp_neigh_free(t);
}

static void test_full_table(void **state)
{
	struct rtpp_neigh_table *t = rtpp_neigh_create("t2", 2, 0);
	struct rtpp_addr a = addr("203.0.113.10"), b = addr("203.0.113.11"), c = addr("203.0.113.12");

	(void)state;
	assert_int_not_equal(rtpp_neigh_ref(t, 0, &a), RTPP_NEIGH_NONE);
	uint32_t ib = rtpp_neigh_ref(t, 0, &b);
	assert_int_equal(rtpp_neigh_ref(t, 0, &c), RTPP_NEIGH_NONE);
	rtpp_neigh_unref(t, ib);
	assert_int_not_equal(rtpp_neigh_ref(t, 0, &c), RTPP_NEIGH_NONE); /* reuse */
	rtpp_neigh_free(t);
}

struct walk_log {
	unsigned int n;
	uint32_t max_index;
};

static void record_walk(void *ctx, uint32_t index, const struct rtpp_neigh_entry *e)
{
	struct walk_log *w = ctx;

	(void)e;
	w->n++;
	if (index > w->max_index)
		w->max_index = index;
}

/*
 * The timer and walks stop at the highest slot ever used (the table is
 * sized for 2 x max_sessions, the live next hops are few): every live
 * entry is still seen after frees and reuse, and the slots fill from 0.
 */
static void test_walk_bounded_by_use(void **state)
{
	struct rtpp_neigh_table *t = rtpp_neigh_create("t4", 1 << 16, 0);
	struct rtpp_addr a = addr("203.0.113.10"), b = addr("203.0.113.11"), c = addr("203.0.113.12");
	struct rtpp_addr d = addr("2001:db8:b::20");
	struct probe_log log = { 0 };
	struct walk_log w = { 0 };

	(void)state;
	uint32_t ia = rtpp_neigh_ref(t, 0, &a);
	uint32_t ib = rtpp_neigh_ref(t, 0, &b);
	assert_int_not_equal(rtpp_neigh_ref(t, 1, &c), RTPP_NEIGH_NONE);
	assert_int_equal(ia, 0);
	assert_int_equal(ib, 1);
	rtpp_neigh_unref(t, ia);
	rtpp_neigh_unref(t, ib);
	assert_int_equal(rtpp_neigh_ref(t, 1, &d), ib); /* the freed slot, reused */
	rtpp_neigh_walk(t, record_walk, &w);
	assert_int_equal(w.n, 2);
	assert_int_equal(w.max_index, 2);
	rtpp_neigh_timer(t, 1, 1000, record_probe, &log);
	assert_int_equal(log.n, 2); /* both live, unresolved entries probed */
	rtpp_neigh_free(t);
}

static void test_probe_cadence_and_failure(void **state)
{
	struct rtpp_neigh_table *t = rtpp_neigh_create("t3", 8, 0);
	struct rtpp_addr a = addr("2001:db8:b::20");
	struct probe_log log = { 0 };
	const uint64_t hz = 1000;

	(void)state;
	uint32_t i = rtpp_neigh_ref(t, 0, &a);
	struct rtpp_neigh_entry *e = &rtpp_neigh_entries(t)[i];

	rtpp_neigh_timer(t, 1, hz, record_probe, &log);
	assert_int_equal(log.n, 1); /* new entries are probed at once */
	assert_true(rtpp_addr_equal(&log.last, &a));
	rtpp_neigh_timer(t, 500, hz, record_probe, &log);
	assert_int_equal(log.n, 1); /* not before a second has passed */
	rtpp_neigh_timer(t, 1001, hz, record_probe, &log);
	assert_int_equal(log.n, 2);

	/* The peer answered our probe. */
	struct rtpp_neigh_learn l = {
		.iface = 0, .mac = peer_mac, .addr = a, .flags = RTPP_NEIGH_LEARN_CONFIRMS
	};
	rtpp_neigh_learn(t, &l, 2000);
	assert_int_equal(e->state, RTPP_NEIGH_REACHABLE);
	rtpp_neigh_timer(t, 20000, hz, record_probe, &log);
	assert_int_equal(log.n, 2); /* reachable: quiet for 30 s */
	rtpp_neigh_timer(t, 32001, hz, record_probe, &log);
	assert_int_equal(e->state, RTPP_NEIGH_STALE); /* still usable while re-confirmed */
	assert_non_null(rtpp_neigh_mac(rtpp_neigh_entries(t), i));
	assert_int_equal(log.n, 3);
	rtpp_neigh_timer(t, 33002, hz, record_probe, &log);
	rtpp_neigh_timer(t, 34003, hz, record_probe, &log);
	rtpp_neigh_timer(t, 35004, hz, record_probe, &log);
	assert_int_equal(e->state, RTPP_NEIGH_FAILED); /* three probes unanswered */
	assert_null(rtpp_neigh_mac(rtpp_neigh_entries(t), i));
	rtpp_neigh_learn(t, &l, 36000);
	assert_non_null(rtpp_neigh_mac(rtpp_neigh_entries(t), i));
	rtpp_neigh_free(t);
}

static void test_arp_probe_and_snoop(void **state)
{
	struct rtpp_addr src = addr("198.51.100.1"), dst = addr("198.51.100.20");
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct rtpp_neigh_learn l;

	(void)state;
	assert_int_equal(rtpp_neigh_build_probe(m, &our_mac, &src, &dst), 0);
	uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(f + 14);
	assert_true(rte_is_broadcast_ether_addr((struct rte_ether_addr *)f));
	assert_int_equal(arp->arp_opcode, RTE_BE16(RTE_ARP_OP_REQUEST));
	assert_int_equal(arp->arp_data.arp_tip, rtpp_addr_v4(&dst));

	/* Snooping our own request learns our binding: sender fields; a request confirms nothing. */
	assert_int_equal(rtpp_neigh_snoop(f, m->data_len, &l), RTPP_NEIGH_SNOOP_LEARNT);
	assert_true(rtpp_addr_equal(&l.addr, &src));
	assert_memory_equal(&l.mac, &our_mac, 6);
	assert_int_equal(l.flags, 0);

	/* A reply from the peer, from its own MAC: it answers us. */
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)f;
	arp->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
	arp->arp_data.arp_sip = rtpp_addr_v4(&dst);
	rte_ether_addr_copy(&peer_mac, &arp->arp_data.arp_sha);
	rte_ether_addr_copy(&peer_mac, &eth->src_addr);
	assert_int_equal(rtpp_neigh_snoop(f, m->data_len, &l), RTPP_NEIGH_SNOOP_LEARNT);
	assert_true(rtpp_addr_equal(&l.addr, &dst));
	assert_memory_equal(&l.mac, &peer_mac, 6);
	assert_int_equal(l.flags, RTPP_NEIGH_LEARN_CONFIRMS);

	/* Poisoning: a sender MAC the frame did not come from, a zero or multicast one. */
	rte_ether_addr_copy(&our_mac, &eth->src_addr);
	assert_int_equal(rtpp_neigh_snoop(f, m->data_len, &l), RTPP_NEIGH_SNOOP_REFUSED);
	memset(&arp->arp_data.arp_sha, 0, 6);
	memset(&eth->src_addr, 0, 6);
	assert_int_equal(rtpp_neigh_snoop(f, m->data_len, &l), RTPP_NEIGH_SNOOP_REFUSED);
	memset(&arp->arp_data.arp_sha, 0xff, 6);
	memset(&eth->src_addr, 0xff, 6);
	assert_int_equal(rtpp_neigh_snoop(f, m->data_len, &l), RTPP_NEIGH_SNOOP_REFUSED);

	/* Address probes (sender 0.0.0.0) and truncated ARP teach nothing. */
	rte_ether_addr_copy(&peer_mac, &arp->arp_data.arp_sha);
	rte_ether_addr_copy(&peer_mac, &eth->src_addr);
	arp->arp_data.arp_sip = 0;
	assert_int_equal(rtpp_neigh_snoop(f, m->data_len, &l), RTPP_NEIGH_SNOOP_NOTHING);
	assert_int_equal(rtpp_neigh_snoop(f, 14 + 10, &l), RTPP_NEIGH_SNOOP_NOTHING);
	rte_pktmbuf_free(m);
}

/* Set an ICMPv6 message's checksum (pseudo-header included). */
static void icmp6_checksum(struct rte_ipv6_hdr *ip6, uint8_t *icmp)
{
	icmp[2] = icmp[3] = 0;
	uint16_t c = rte_ipv6_udptcp_cksum(ip6, icmp);

	memcpy(icmp + 2, &c, 2);
}

static void test_nd_probe_and_snoop(void **state)
{
	struct rtpp_addr src = addr("2001:db8:b::1"), dst = addr("2001:db8:b::20");
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct rtpp_neigh_learn l;

	(void)state;
	assert_int_equal(rtpp_neigh_build_probe(m, &our_mac, &src, &dst), 0);
	uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(f + 14);
	uint8_t *icmp = (uint8_t *)(ip6 + 1);

	/* Solicited-node multicast for ...::20 */
	static const uint8_t mac_snm[6] = { 0x33, 0x33, 0xff, 0x00, 0x00, 0x20 };
	assert_memory_equal(f, mac_snm, 6);
	assert_int_equal(ip6->dst_addr[0], 0xff);
	assert_int_equal(ip6->dst_addr[11], 0x01);
	assert_int_equal(ip6->dst_addr[12], 0xff);
	assert_int_equal(ip6->hop_limits, 255);
	assert_int_equal(icmp[0], 135);
	assert_memory_equal(icmp + 8, dst.bytes, 16);
	/* ICMPv6 checksum verifies (pseudo-header included) */
	assert_int_equal(rte_ipv6_udptcp_cksum_verify(ip6, icmp), 0);

	/* NS from us: snoop learns source + source LL option */
	assert_int_equal(rtpp_neigh_snoop(f, m->data_len, &l), RTPP_NEIGH_SNOOP_LEARNT);
	assert_true(rtpp_addr_equal(&l.addr, &src));

	/* Turn it into a solicited NA from the peer with Override: target + target LL option */
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)f;
	icmp[0] = 136;
	icmp[4] = 0x60; /* S, O */
	icmp[24] = 2;
	memcpy(icmp + 26, &peer_mac, 6);
	rte_ether_addr_copy(&peer_mac, &eth->src_addr);
	icmp6_checksum(ip6, icmp);
	assert_int_equal(rtpp_neigh_snoop(f, m->data_len, &l), RTPP_NEIGH_SNOOP_LEARNT);
	assert_true(rtpp_addr_equal(&l.addr, &dst));
	assert_memory_equal(&l.mac, &peer_mac, 6);
	assert_int_equal(l.flags, RTPP_NEIGH_LEARN_CONFIRMS);
	/* Unsolicited, without Override: it may not move a known MAC. */
	icmp[4] = 0;
	icmp6_checksum(ip6, icmp);
	assert_int_equal(rtpp_neigh_snoop(f, m->data_len, &l), RTPP_NEIGH_SNOOP_LEARNT);
	assert_int_equal(l.flags, RTPP_NEIGH_LEARN_NO_OVERRIDE);

	/* A wrong checksum, or a frame from another MAC than the option's, is refused. */
	icmp[2] ^= 0x01;
	assert_int_equal(rtpp_neigh_snoop(f, m->data_len, &l), RTPP_NEIGH_SNOOP_REFUSED);
	icmp6_checksum(ip6, icmp);
	rte_ether_addr_copy(&our_mac, &eth->src_addr);
	assert_int_equal(rtpp_neigh_snoop(f, m->data_len, &l), RTPP_NEIGH_SNOOP_REFUSED);
	rte_ether_addr_copy(&peer_mac, &eth->src_addr);

	/* Hop limit other than 255 is not ND (RFC 4861 7.1.1) */
	ip6->hop_limits = 64;
	assert_int_equal(rtpp_neigh_snoop(f, m->data_len, &l), RTPP_NEIGH_SNOOP_NOTHING);
	ip6->hop_limits = 255;
	/* an option of length 0 is malformed */
	icmp[25] = 0;
	assert_int_equal(rtpp_neigh_snoop(f, m->data_len, &l), RTPP_NEIGH_SNOOP_NOTHING);
	rte_pktmbuf_free(m);
}

/*
 * What the table believes of a known neighbour: a change of MAC only once
 * the current one has held for the lock time, never from an advertisement
 * without Override; repeated news without an answer confirms nothing.
 */
static void test_learn_rules_against_poisoning(void **state)
{
	struct rtpp_neigh_table *t = rtpp_neigh_create("t_rules", 4, 0);
	struct rtpp_addr a = addr("198.51.100.20");
	const struct rte_ether_addr attacker = { { 0x02, 0xba, 0xdb, 0xad, 0x00, 0x01 } };
	uint64_t hz = rte_get_tsc_hz(), t0 = 10 * hz;
	struct rtpp_neigh_stats st;

	(void)state;
	uint32_t i = rtpp_neigh_ref(t, 0, &a);
	struct rtpp_neigh_entry *e = &rtpp_neigh_entries(t)[i];
	struct rtpp_neigh_learn peer = {
		.iface = 0, .mac = peer_mac, .addr = a, .flags = RTPP_NEIGH_LEARN_CONFIRMS
	};
	struct rtpp_neigh_learn forged = { .iface = 0, .mac = attacker, .addr = a };

	assert_true(rtpp_neigh_learn(t, &peer, t0));
	assert_int_equal(e->state, RTPP_NEIGH_REACHABLE);
	/* A flood of replies for the same address right after: the first holds. */
	forged.flags = RTPP_NEIGH_LEARN_CONFIRMS;
	assert_false(rtpp_neigh_learn(t, &forged, t0 + hz / 2));
	assert_memory_equal(rtpp_neigh_mac(rtpp_neigh_entries(t), i), &peer_mac, 6);
	/* An unsolicited NA without Override never moves it, however late. */
	forged.flags = RTPP_NEIGH_LEARN_NO_OVERRIDE;
	assert_false(rtpp_neigh_learn(t, &forged, t0 + 5 * hz));
	assert_memory_equal(rtpp_neigh_mac(rtpp_neigh_entries(t), i), &peer_mac, 6);
	rtpp_neigh_get_stats(t, &st);
	assert_int_equal(st.refused_locked, 1);
	assert_int_equal(st.refused_no_override, 1);
	assert_int_equal(st.updates, 1);
	/* A request from the same MAC is no answer: the state stays. */
	struct rtpp_neigh_learn heard = peer;
	heard.flags = 0;
	assert_false(rtpp_neigh_learn(t, &heard, t0 + 6 * hz));
	assert_int_equal(e->state, RTPP_NEIGH_REACHABLE);
	assert_int_equal(e->confirmed_tsc, t0);
	/* A real move (a new MAC, with Override, past the lock time) is followed, then probed. */
	forged.flags = 0;
	assert_true(rtpp_neigh_learn(t, &forged, t0 + 7 * hz));
	assert_memory_equal(rtpp_neigh_mac(rtpp_neigh_entries(t), i), &attacker, 6);
	assert_int_equal(e->state, RTPP_NEIGH_STALE);
	rtpp_neigh_free(t);
}

int main(void)
{
	if (rtpp_test_eal_init(NULL) != 0)
		return 1;
	pool = rte_pktmbuf_pool_create("test_neigh", 256, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	if (pool == NULL)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ref_learn_unref),
		cmocka_unit_test(test_full_table),
		cmocka_unit_test(test_walk_bounded_by_use),
		cmocka_unit_test(test_probe_cadence_and_failure),
		cmocka_unit_test(test_arp_probe_and_snoop),
		cmocka_unit_test(test_nd_probe_and_snoop),
		cmocka_unit_test(test_learn_rules_against_poisoning),
	};
	int failed = cmocka_run_group_tests_name("neigh", tests, NULL, NULL);

	rte_mempool_free(pool);
	rte_eal_cleanup();
	return failed;
}
