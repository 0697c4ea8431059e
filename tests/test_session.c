/* SPDX-License-Identifier: BSD-3-Clause */
/* Session table: insert, lookup, delete, full table, reuse after the grace period. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <rte_hash.h>
#include <rte_malloc.h>

#include "rtpp_session.h"
#include "test_eal.h"

static struct rtpp_endpoint ep(const char *s)
{
	struct rtpp_endpoint e;

	assert_int_equal(rtpp_endpoint_parse(s, &e), 0);
	return e;
}

static struct rtpp_session_params params(const char *listen, const char *forward,
					 const char *destination, bool rtcp)
{
	struct rtpp_session_params p = { .name = "t", .rtcp = rtcp };

	p.leg[0].local = ep(listen);
	p.leg[1].local = ep(forward);
	p.leg[1].remote = ep(destination);
	p.leg[0].neigh = p.leg[1].neigh = UINT32_MAX;
	return p;
}

static struct rtpp_session_table *make_table(uint32_t max)
{
	static unsigned int n;
	char name[16];

	snprintf(name, sizeof(name), "t%u", n++);
	struct rtpp_session_table_params tp = {
		.name = name, .max_sessions = max, .n_workers = 2, .rcu = NULL, .socket_id = 0,
	};
	struct rtpp_session_table *t = rtpp_session_table_create(&tp);

	assert_non_null(t);
	return t;
}

/* Look a destination up the way a worker does (bulk API). */
static bool lookup(struct rtpp_session_table *t, const char *dst, uintptr_t *flow)
{
	struct rtpp_endpoint e = ep(dst);
	struct rtpp_flow_key k;
	const void *kp[1] = { &k };
	void *data[1];
	uint64_t hits = 0;

	rtpp_flow_key_make(&k, e.addr.family, e.addr.bytes, rte_cpu_to_be_16(e.port), 17);
	rte_hash_lookup_bulk_data(rtpp_session_hash(t), kp, 1, &hits, data);
	if (hits & 1)
		*flow = (uintptr_t)data[0];
	return hits & 1;
}

static void test_insert_and_lookup(void **state)
{
	struct rtpp_session_table *t = make_table(16);
	struct rtpp_session_params p = params("203.0.113.1:20000", "198.51.100.1:30000",
					      "198.51.100.20:40000", true);
	uint32_t index;
	uint64_t id;
	uintptr_t flow;

	(void)state;
	assert_int_equal(rtpp_session_add(t, &p, &index, &id), 0);
	assert_int_equal(rtpp_session_count(t), 1);
	assert_int_equal(rtpp_session_find(t, id), index);

	assert_true(lookup(t, "203.0.113.1:20000", &flow));
	assert_int_equal(rtpp_flow_session(flow), index);
	assert_int_equal(rtpp_flow_leg(flow), RTPP_LEG_A);
	assert_int_equal(rtpp_flow_rtcp(flow), 0);
	assert_true(lookup(t, "203.0.113.1:20001", &flow));
	assert_int_equal(rtpp_flow_rtcp(flow), 1);
	assert_true(lookup(t, "198.51.100.1:30000", &flow));
	assert_int_equal(rtpp_flow_leg(flow), RTPP_LEG_B);
	assert_true(lookup(t, "198.51.100.1:30001", &flow));
	assert_false(lookup(t, "203.0.113.1:20002", &flow));
	assert_false(lookup(t, "198.51.100.20:40000", &flow)); /* remotes are not keys */

	const struct rtpp_session *s = rtpp_session_get(t, index);
	assert_true(rtpp_endpoint_equal(&s->leg[1].remote, &p.leg[1].remote));
	assert_string_equal(rtpp_session_get_info(t, index)->name, "t");
	rtpp_session_table_free(t);
}

static void test_ipv6_keys_do_not_alias_ipv4(void **state)
{
	struct rtpp_session_table *t = make_table(16);
	struct rtpp_session_params p = params("[2001:db8:a::1]:20000", "[2001:db8:b::1]:30000",
					      "[2001:db8:b::20]:40000", false);
	uint32_t index;
	uintptr_t flow;

	(void)state;
	assert_int_equal(rtpp_session_add(t, &p, &index, NULL), 0);
	assert_true(lookup(t, "[2001:db8:a::1]:20000", &flow));
	assert_false(lookup(t, "[2001:db8:a::1]:20001", &flow)); /* no RTCP asked */
	/* "32.1.13.184" has the same first four bytes as 2001:db8:: */
	assert_false(lookup(t, "32.1.13.184:20000", &flow));
	rtpp_session_table_free(t);
}

/*
 * A TCP session's keys carry protocol 6: no worker lookup (UDP) finds them,
 * while the table still knows its endpoints by protocol; a UDP session may
 * hold the same endpoint (the data plane's port pools keep them apart).
 */
static void test_tcp_keys_never_match_packets(void **state)
{
	struct rtpp_session_table *t = make_table(16);
	struct rtpp_session_params p = params("203.0.113.1:20000", "198.51.100.1:30000",
					      "198.51.100.20:40000", false);
	struct rtpp_endpoint listen = ep("203.0.113.1:20000");
	uint32_t index, udp_index;
	uintptr_t flow;

	(void)state;
	p.protocol = RTPP_PROTO_TCP;
	assert_int_equal(rtpp_session_add(t, &p, &index, NULL), 0);
	assert_int_equal(rtpp_session_get_info(t, index)->protocol, RTPP_PROTO_TCP);
	assert_false(lookup(t, "203.0.113.1:20000", &flow));
	assert_false(lookup(t, "198.51.100.1:30000", &flow));
	assert_int_equal(rtpp_session_find_local(t, RTPP_PROTO_TCP, &listen), index);
	assert_int_equal(rtpp_session_find_local(t, RTPP_PROTO_UDP, &listen), RTPP_SESSION_INVALID);
	p.protocol = 0; /* UDP */
	assert_int_equal(rtpp_session_add(t, &p, &udp_index, NULL), 0);
	assert_true(lookup(t, "203.0.113.1:20000", &flow));
	assert_int_equal(rtpp_flow_session(flow), udp_index);
	assert_int_equal(rtpp_session_del(t, index), 0);
	assert_int_equal(rtpp_session_find_local(t, RTPP_PROTO_TCP, &listen), RTPP_SESSION_INVALID);
	assert_int_equal(rtpp_session_find_local(t, RTPP_PROTO_UDP, &listen), udp_index);
	rtpp_session_table_free(t);
}

static void test_endpoint_taken(void **state)
{
	struct rtpp_session_table *t = make_table(16);
	struct rtpp_session_params a = params("203.0.113.1:20000", "198.51.100.1:30000",
					      "198.51.100.20:40000", true);
	uint32_t index;

	(void)state;
	assert_int_equal(rtpp_session_add(t, &a, &index, NULL), 0);
	/* same listen */
	struct rtpp_session_params b = params("203.0.113.1:20000", "198.51.100.1:30010",
					      "198.51.100.20:40000", true);
	assert_int_equal(rtpp_session_add(t, &b, &index, NULL), -EEXIST);
	/* listen on the other's RTCP port */
	b = params("203.0.113.1:20001", "198.51.100.1:30010", "198.51.100.20:40000", false);
	assert_int_equal(rtpp_session_add(t, &b, &index, NULL), -EEXIST);
	/* RTCP port+1 would land on a taken RTP port */
	b = params("203.0.113.1:19999", "198.51.100.1:30010", "198.51.100.20:40000", true);
	assert_int_equal(rtpp_session_add(t, &b, &index, NULL), -EEXIST);
	/* listen == forward */
	b = params("203.0.113.1:20010", "203.0.113.1:20010", "198.51.100.20:40000", true);
	assert_int_equal(rtpp_session_add(t, &b, &index, NULL), -EEXIST);
	/* port 0 and RTCP on 65535 are refused */
	b = params("203.0.113.1:0", "198.51.100.1:30010", "198.51.100.20:40000", false);
	assert_int_equal(rtpp_session_add(t, &b, &index, NULL), -EINVAL);
	b = params("203.0.113.1:65535", "198.51.100.1:30010", "198.51.100.20:40000", true);
	assert_int_equal(rtpp_session_add(t, &b, &index, NULL), -EINVAL);
	assert_int_equal(rtpp_session_count(t), 1);
	rtpp_session_table_free(t);
}

static void test_full_table_and_reuse_after_delete(void **state)
{
	struct rtpp_session_table *t = make_table(64);
	uint32_t index[64];
	uint64_t id[64];
	char l[64], f[64];

	(void)state;
	for (unsigned int i = 0; i < 64; i++) {
		snprintf(l, sizeof(l), "203.0.113.1:%u", 20000 + 2 * i);
		snprintf(f, sizeof(f), "198.51.100.1:%u", 30000 + 2 * i);
		struct rtpp_session_params p = params(l, f, "198.51.100.20:40000", true);
		assert_int_equal(rtpp_session_add(t, &p, &index[i], &id[i]), 0);
	}
	struct rtpp_session_params extra = params("203.0.113.1:21000", "198.51.100.1:31000",
						  "198.51.100.20:40000", true);
	uint32_t x;
	assert_int_equal(rtpp_session_add(t, &extra, &x, NULL), -ENOSPC);
	assert_int_equal(rtpp_session_count(t), 64);

	/* Delete: keys vanish at once, the slot comes back after the grace period. */
	uintptr_t flow;
	assert_int_equal(rtpp_session_del(t, index[5]), 0);
	assert_int_equal(rtpp_session_del(t, index[5]), -ENOENT);
	assert_false(lookup(t, "203.0.113.1:20010", &flow));
	assert_false(lookup(t, "198.51.100.1:30011", &flow));
	assert_int_equal(rtpp_session_find(t, id[5]), RTPP_SESSION_INVALID);
	assert_int_equal(rtpp_session_count(t), 63);

	/* Counters of a reused slot start from zero. */
	struct rtpp_flow_counters *c = rtpp_session_worker_counters(t, 1);
	c[index[6] * RTPP_FLOWS_PER_SESSION].rx_packets = 7;
	assert_int_equal(rtpp_session_del(t, index[6]), 0);
	rtpp_session_table_reclaim(t);

	assert_int_equal(rtpp_session_add(t, &extra, &x, NULL), 0);
	struct rtpp_session_params again = params("203.0.113.1:20010", "198.51.100.1:30010",
						  "198.51.100.20:40000", true);
	uint32_t y;
	uint64_t new_id;
	assert_int_equal(rtpp_session_add(t, &again, &y, &new_id), 0);
	assert_true(new_id != id[5]); /* ids are never reused */
	assert_true(lookup(t, "203.0.113.1:20010", &flow));
	assert_int_equal(rtpp_flow_session(flow), y);
	struct rtpp_flow_stats sum;
	rtpp_session_flow_counters(t, index[6] == x ? x : y, 0, &sum);
	assert_int_equal(sum.rx_packets, 0);
	rtpp_session_table_free(t);
}

static void test_counters_sum_over_workers(void **state)
{
	struct rtpp_session_table *t = make_table(8);
	struct rtpp_session_params p = params("203.0.113.1:20000", "198.51.100.1:30000",
					      "198.51.100.20:40000", true);
	uint32_t index;
	struct rtpp_flow_stats sum;

	(void)state;
	assert_int_equal(rtpp_session_add(t, &p, &index, NULL), 0);
	rtpp_session_worker_counters(t, 0)[index * 4 + 2].rx_packets = 3;
	rtpp_session_worker_counters(t, 1)[index * 4 + 2].rx_packets = 4;
	rtpp_session_worker_counters(t, 0)[index * 4 + 2].last_rx_tsc = 100;
	rtpp_session_worker_counters(t, 1)[index * 4 + 2].last_rx_tsc = 50;
	rtpp_session_flow_counters(t, index, 2, &sum);
	assert_int_equal(sum.rx_packets, 7);
	assert_int_equal(sum.last_rx_tsc, 100); /* latest, not a sum */
	assert_int_equal(sum.tx_packets, 7);     /* every packet received was sent... */
	rtpp_session_worker_counters(t, 1)[index * 4 + 2].drop_no_neighbour = 2;
	rtpp_session_worker_counters(t, 0)[index * 4 + 2].rtp.lost = 5;
	rtpp_session_worker_counters(t, 1)[index * 4 + 2].rtp.lost = 1;
	rtpp_session_flow_counters(t, index, 2, &sum);
	assert_int_equal(sum.tx_packets, 5);     /* ...but those dropped */
	assert_int_equal(sum.rtp_lost, 6);
	rtpp_session_flow_counters(t, index, 0, &sum);
	assert_int_equal(sum.rx_packets, 0);

	/* RTCP findings of a leg add up over workers too, and start from zero
	 * when the slot is used again. */
	struct rtpp_rtcp_summary r;
	rtpp_rtcp_note_rtt(&rtpp_session_worker_rtcp(t, 0)[index * 2 + 1], 10);
	rtpp_rtcp_note_rtt(&rtpp_session_worker_rtcp(t, 1)[index * 2 + 1], 30);
	rtpp_session_leg_rtcp(t, index, 1, &r);
	assert_int_equal(r.rtt_count, 2);
	assert_int_equal(r.rtt_sum_tsc, 40);
	rtpp_session_leg_rtcp(t, index, 0, &r);
	assert_int_equal(r.rtt_count, 0);
	assert_int_equal(rtpp_session_del(t, index), 0);
	rtpp_session_table_reclaim(t);
	assert_int_equal(rtpp_session_add(t, &p, &index, NULL), 0);
	rtpp_session_leg_rtcp(t, index, 1, &r);
	assert_int_equal(r.rtt_count, 0);
	rtpp_session_flow_counters(t, index, 2, &sum);
	assert_int_equal(sum.rtp_lost, 0);
	rtpp_session_table_free(t);
}

/*
 * A packet's path: what arrives on leg A leaves from leg B's local endpoint
 * toward leg B's remote, and the other way; a leg update changes both paths.
 * Local addresses are interned, at most RTPP_SESSION_LOCAL_ADDRS of them.
 */
static void test_paths_follow_legs(void **state)
{
	struct rtpp_session_table *t = make_table(300);
	struct rtpp_session_params p = params("192.0.2.1:10000", "198.51.100.1:20000",
					      "198.51.100.9:30000", true);
	const struct rtpp_path *paths;
	const struct rtpp_addr *locals;
	uint32_t index, x;
	char s[RTPP_ENDPOINT_STRLEN];

	(void)state;
	p.leg[1].rtcp_port = 30001;
	p.leg[1].iface = 1;
	p.leg[1].neigh = 7;
	assert_int_equal(rtpp_session_add(t, &p, &index, NULL), 0);
	paths = &rtpp_session_paths(t)[index * RTPP_LEGS_PER_SESSION];
	locals = rtpp_session_local_addrs(t);
	/* A -> B: from leg B's local endpoint to its remote. */
	assert_int_equal(paths[0].src.family, RTPP_AF_NONE);
	assert_int_equal(paths[0].flags & RTPP_PATH_F_SOURCE_KNOWN, 0);
	assert_string_equal(rtpp_addr_format(&paths[0].dst, s, sizeof(s)), "198.51.100.9");
	assert_int_equal(rte_be_to_cpu_16(paths[0].dst_port_be[0]), 30000);
	assert_int_equal(rte_be_to_cpu_16(paths[0].dst_port_be[1]), 30001);
	assert_string_equal(rtpp_addr_format(&locals[paths[0].local_addr], s, sizeof(s)),
			    "198.51.100.1");
	assert_int_equal(rte_be_to_cpu_16(paths[0].local_port_be[0]), 20000);
	assert_int_equal(rte_be_to_cpu_16(paths[0].local_port_be[1]), 20001);
	assert_int_equal(paths[0].iface, 1);
	assert_int_equal(paths[0].neigh, 7);
	/* B -> A: leg A's remote is not known yet; the source must be leg B's remote. */
	assert_int_equal(paths[1].dst.family, RTPP_AF_NONE);
	assert_string_equal(rtpp_addr_format(&paths[1].src, s, sizeof(s)), "198.51.100.9");
	assert_int_equal(rte_be_to_cpu_16(paths[1].src_port_be[0]), 30000);
	assert_string_equal(rtpp_addr_format(&locals[paths[1].local_addr], s, sizeof(s)),
			    "192.0.2.1");

	/* Leg A learns its remote: the source of A -> B and the target of B -> A at once. */
	struct rtpp_leg a = rtpp_session_get(t, index)->leg[0];
	struct rtpp_leg_learn learn = { 0 };
	uint32_t sn0 = paths[0].seq.sn, sn1 = paths[1].seq.sn;

	a.remote = ep("203.0.113.5:4000");
	a.rtcp_port = 4001;
	a.flags = RTPP_LEG_F_STRICT;
	rtpp_session_leg_update(t, index, 0, &a, &learn);
	assert_int_not_equal(paths[0].seq.sn, sn0);
	assert_int_not_equal(paths[1].seq.sn, sn1);
	assert_string_equal(rtpp_addr_format(&paths[0].src, s, sizeof(s)), "203.0.113.5");
	assert_int_equal(rte_be_to_cpu_16(paths[0].src_port_be[1]), 4001);
	/* Given (learning 0 here): the path says the source is known, the leg's rules as they are. */
	assert_int_equal(paths[0].flags, RTPP_LEG_F_STRICT | RTPP_PATH_F_SOURCE_KNOWN);
	assert_string_equal(rtpp_addr_format(&paths[1].dst, s, sizeof(s)), "203.0.113.5");
	assert_int_equal(rte_be_to_cpu_16(paths[1].dst_port_be[0]), 4000);

	/* 2 local addresses so far; fill the interning table, then one more is refused. */
	for (unsigned int i = 0; i < RTPP_SESSION_LOCAL_ADDRS - 2; i += 2) {
		char l[64], f[64];

		snprintf(l, sizeof(l), "10.1.%u.%u:5000", i / 250, i % 250);
		snprintf(f, sizeof(f), "10.1.%u.%u:5000", (i + 1) / 250, (i + 1) % 250);
		struct rtpp_session_params q = params(l, f, "198.51.100.9:30000", false);

		assert_int_equal(rtpp_session_add(t, &q, &x, NULL), 0);
	}
	struct rtpp_session_params full = params("10.2.0.1:5000", "198.51.100.1:20100",
						 "198.51.100.9:30000", false);
	assert_int_equal(rtpp_session_add(t, &full, &x, NULL), -ENOSPC);
	/* Known addresses still take new sessions. */
	struct rtpp_session_params known = params("192.0.2.1:10100", "198.51.100.1:20100",
						  "198.51.100.9:30000", false);
	assert_int_equal(rtpp_session_add(t, &known, &x, NULL), 0);
	rtpp_session_table_free(t);
}

static void test_iterate_live_sessions(void **state)
{
	struct rtpp_session_table *t = make_table(8);
	uint32_t idx[3], cursor = 0, seen = 0;
	char l[64];

	(void)state;
	for (unsigned int i = 0; i < 3; i++) {
		snprintf(l, sizeof(l), "203.0.113.1:%u", 20000 + 2 * i);
		struct rtpp_session_params p = params(l, "198.51.100.1:30000", "198.51.100.20:1", false);
		p.leg[1].local.port = (uint16_t)(30000 + 2 * i);
		assert_int_equal(rtpp_session_add(t, &p, &idx[i], NULL), 0);
	}
	rtpp_session_del(t, idx[1]);
	while (rtpp_session_next(t, &cursor)) {
		assert_true(cursor != idx[1]);
		seen++;
		cursor++;
	}
	assert_int_equal(seen, 2);
	rtpp_session_table_free(t);
}

int main(void)
{
	if (rtpp_test_eal_init(NULL) != 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_insert_and_lookup),
		cmocka_unit_test(test_ipv6_keys_do_not_alias_ipv4),
		cmocka_unit_test(test_tcp_keys_never_match_packets),
		cmocka_unit_test(test_endpoint_taken),
		cmocka_unit_test(test_full_table_and_reuse_after_delete),
		cmocka_unit_test(test_counters_sum_over_workers),
		cmocka_unit_test(test_iterate_live_sessions),
		cmocka_unit_test(test_paths_follow_legs),
	};
	int failed = cmocka_run_group_tests_name("session", tests, NULL, NULL);

	rte_eal_cleanup();
	return failed;
}
