/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Counters (lib/stats): adding up the per-worker copies of flow and port
 * counters, laid out as arrays or embedded in bigger per-worker structures
 * (a stride other than the counters' size), the derived figures (packets
 * sent, RTP loss, the latest arrival) and the field tables that telemetry
 * and the API export from.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "rtpp_stats.h"

#define DIM(a) (sizeof(a) / sizeof((a)[0]))

static void set_flow(struct rtpp_flow_counters *c, uint64_t base)
{
	c->rx_packets = base + 100;
	c->rx_bytes = base * 1000 + 17;
	c->tx_bytes = base * 900 + 5;
	c->drop_no_remote = base + 1;
	c->drop_no_neighbour = base + 2;
	c->drop_tx_full = base + 3;
	c->last_rx_tsc = base * 1000000;
	c->rtp.lost = (uint32_t)(base * 10);
	c->rtp.max_seq = 0xbeef; /* not a counter: never summed */
	c->rtp.flags = RTPP_RTP_SEQ_SEEN;
	c->drop_foreign_source = base + 4;
	c->drop_not_media = base + 5;
	c->drop_malformed = base + 6;
	c->drop_rate_limit = base + 7;
	c->drop_paused = base + 8;
	c->stun_dtls = base + 9;
	c->jitter.ssrc_changes = (uint16_t)(base + 10);
	c->jitter.jitter = (uint32_t)(base * 160); /* the latest copy's is reported */
}

/* What three copies made by set_flow(1), set_flow(2), set_flow(3) add up to. */
static void expect_flow_1_2_3(const struct rtpp_flow_stats *s)
{
	assert_int_equal(s->rx_packets, 306);
	assert_int_equal(s->rx_bytes, 6051);
	assert_int_equal(s->tx_bytes, 5415);
	assert_int_equal(s->drop_no_remote, 9);
	assert_int_equal(s->drop_no_neighbour, 12);
	assert_int_equal(s->drop_tx_full, 15);
	assert_int_equal(s->rtp_lost, 60);
	assert_int_equal(s->last_rx_tsc, 3000000); /* the latest, not a sum */
	assert_int_equal(s->drop_foreign_source, 5 + 6 + 7);
	assert_int_equal(s->drop_paused, 9 + 10 + 11);
	assert_int_equal(s->stun_dtls, 10 + 11 + 12); /* relayed: not a drop */
	/* received less every drop: base * 8 + 36 per copy */
	assert_int_equal(s->tx_packets, 306 - (3 * 36 + 6 * 8));
	assert_int_equal(s->jitter_units16, 3 * 160); /* the latest copy's, not a sum */
}

static void test_flow_sum_array(void **state)
{
	struct rtpp_flow_counters c[3];
	struct rtpp_flow_stats s;

	(void)state;
	memset(c, 0, sizeof(c));
	set_flow(&c[0], 2);
	set_flow(&c[1], 3);
	set_flow(&c[2], 1); /* the latest arrival is not in the last copy */
	memset(&s, 0xa5, sizeof(s));
	rtpp_flow_counters_sum(c, sizeof(c[0]), 3, &s);
	expect_flow_1_2_3(&s);

	/* fewer copies: only the first n count */
	rtpp_flow_counters_sum(c, sizeof(c[0]), 1, &s);
	assert_int_equal(s.rx_packets, 102);
	assert_int_equal(s.last_rx_tsc, 2000000);
	assert_int_equal(s.tx_packets, 102 - (2 * 8 + 36));
}

/* A worker's own structure with its flow counters in the middle, as the data
 * plane embeds them: the copies are sizeof(struct fake_worker) apart. */
struct fake_worker {
	uint64_t loops;
	struct rtpp_flow_counters flows[3];
	struct rtpp_iface_counters ports[2];
	char name[40];
} __rte_cache_aligned;

static void test_flow_sum_embedded(void **state)
{
	struct fake_worker w[4];
	struct rtpp_flow_stats s;

	(void)state;
	_Static_assert(sizeof(struct fake_worker) != sizeof(struct rtpp_flow_counters),
		       "the stride must differ from the counters' size");
	memset(w, 0xff, sizeof(w)); /* everything around the copies: not to be read */
	for (unsigned int i = 0; i < 4; i++)
		memset(w[i].flows, 0, sizeof(w[i].flows));
	set_flow(&w[0].flows[1], 3);
	set_flow(&w[1].flows[1], 1);
	set_flow(&w[2].flows[1], 2);
	set_flow(&w[3].flows[1], 50); /* a fourth worker not asked about */
	set_flow(&w[0].flows[0], 7);  /* neighbouring flows stay out */
	set_flow(&w[1].flows[2], 8);
	rtpp_flow_counters_sum(&w[0].flows[1], sizeof(struct fake_worker), 3, &s);
	expect_flow_1_2_3(&s);
}

/* The session table's layout: [worker][session * 4 + flow], so one flow's copies
 * are a whole table of counters apart. */
static void test_flow_sum_table_stride(void **state)
{
	enum { WORKERS = 3, SESSIONS = 5, FLOWS = 4 };
	static struct rtpp_flow_counters t[WORKERS][SESSIONS * FLOWS];
	struct rtpp_flow_stats s;

	(void)state;
	memset(t, 0, sizeof(t));
	for (unsigned int w = 0; w < WORKERS; w++)
		for (unsigned int i = 0; i < SESSIONS * FLOWS; i++)
			set_flow(&t[w][i], 1000 + i); /* every other flow: big numbers */
	set_flow(&t[0][3 * FLOWS + 2], 1);
	set_flow(&t[1][3 * FLOWS + 2], 2);
	set_flow(&t[2][3 * FLOWS + 2], 3);
	rtpp_flow_counters_sum(&t[0][3 * FLOWS + 2], sizeof(t[0]), WORKERS, &s);
	expect_flow_1_2_3(&s);
}

static void test_flow_tx_packets_and_edges(void **state)
{
	struct rtpp_flow_counters c[2];
	struct rtpp_flow_stats s;

	(void)state;
	memset(c, 0, sizeof(c));
	/* no copies at all: everything zero, whatever out held */
	memset(&s, 0xa5, sizeof(s));
	rtpp_flow_counters_sum(c, sizeof(c[0]), 0, &s);
	struct rtpp_flow_stats zero = { 0 };
	assert_memory_equal(&s, &zero, sizeof(s));

	/* sent = received - every kind of drop, added up over the copies first:
	 * one worker received, the other dropped */
	memset(c, 0, sizeof(c));
	c[0].rx_packets = 10;
	c[1].drop_no_remote = 1;
	c[1].drop_no_neighbour = 2;
	c[1].drop_tx_full = 3;
	rtpp_flow_counters_sum(c, sizeof(c[0]), 2, &s);
	assert_int_equal(s.tx_packets, 4);
	assert_int_equal(s.last_rx_tsc, 0); /* 0 = never */

	/* all dropped */
	c[0].rx_packets = 6;
	rtpp_flow_counters_sum(c, sizeof(c[0]), 2, &s);
	assert_int_equal(s.tx_packets, 0);

	/* a reader that sees a drop before the receive it belongs to: never
	 * more sent than received, and never a wrapped-around figure */
	c[0].rx_packets = 5;
	rtpp_flow_counters_sum(c, sizeof(c[0]), 2, &s);
	assert_int_equal(s.rx_packets, 5);
	assert_int_equal(s.tx_packets, 0);

	/* tx_bytes is counted, not derived */
	c[0].tx_bytes = 12345;
	rtpp_flow_counters_sum(c, sizeof(c[0]), 2, &s);
	assert_int_equal(s.tx_bytes, 12345);
}

/* Per-copy RTP loss is 32 bits; the sum is 64 and must not wrap at 2^32. */
static void test_flow_sum_is_64_bit(void **state)
{
	struct rtpp_flow_counters c[3];
	struct rtpp_flow_stats s;

	(void)state;
	memset(c, 0, sizeof(c));
	for (unsigned int i = 0; i < 3; i++) {
		c[i].rtp.lost = UINT32_MAX - i;
		c[i].rx_bytes = (UINT64_C(1) << 62) + i;
		c[i].rx_packets = UINT64_C(1) << 40;
	}
	c[1].last_rx_tsc = UINT64_MAX;
	rtpp_flow_counters_sum(c, sizeof(c[0]), 3, &s);
	assert_int_equal(s.rtp_lost, 3 * (uint64_t)UINT32_MAX - 3);
	assert_int_equal(s.rx_bytes, 3 * (UINT64_C(1) << 62) + 3);
	assert_int_equal(s.rx_packets, 3 * (UINT64_C(1) << 40));
	assert_int_equal(s.tx_packets, 3 * (UINT64_C(1) << 40));
	assert_int_equal(s.last_rx_tsc, UINT64_MAX);
}

/* ---- port counters ---- */

static const char *const port_names[] = {
	"rx_packets",    "rx_bytes",   "tx_packets",     "tx_bytes",
	"rx_dropped",    "tx_dropped", "to_kernel",      "from_kernel",
	"no_session",    "malformed",  "kernel_dropped", "kernel_rate_limited",
	"neigh_refused",
};
static const size_t port_offsets[] = {
	offsetof(struct rtpp_iface_counters, rx_packets),
	offsetof(struct rtpp_iface_counters, rx_bytes),
	offsetof(struct rtpp_iface_counters, tx_packets),
	offsetof(struct rtpp_iface_counters, tx_bytes),
	offsetof(struct rtpp_iface_counters, rx_dropped),
	offsetof(struct rtpp_iface_counters, tx_dropped),
	offsetof(struct rtpp_iface_counters, to_kernel),
	offsetof(struct rtpp_iface_counters, from_kernel),
	offsetof(struct rtpp_iface_counters, no_session),
	offsetof(struct rtpp_iface_counters, malformed),
	offsetof(struct rtpp_iface_counters, kernel_dropped),
	offsetof(struct rtpp_iface_counters, kernel_rate_limited),
	offsetof(struct rtpp_iface_counters, neigh_refused),
};

static uint64_t *port_field(struct rtpp_iface_counters *c, size_t offset)
{
	return (uint64_t *)((uint8_t *)c + offset);
}

/* Copy `copy` holds (copy + 1) * 1000 + f in field f, for every field. */
static void set_port(struct rtpp_iface_counters *c, unsigned int copy)
{
	for (size_t f = 0; f < DIM(port_offsets); f++)
		*port_field(c, port_offsets[f]) = (copy + 1) * 1000u + f;
}

static void expect_port_sum(struct rtpp_iface_counters *s, unsigned int n)
{
	for (size_t f = 0; f < DIM(port_offsets); f++) {
		uint64_t want = 1000u * n * (n + 1) / 2 + n * f;

		if (*port_field(s, port_offsets[f]) != want)
			fail_msg("%s: %" PRIu64 ", expected %" PRIu64, port_names[f],
				 *port_field(s, port_offsets[f]), want);
	}
}

static void test_port_sum_array(void **state)
{
	struct rtpp_iface_counters c[4], s;

	(void)state;
	memset(c, 0, sizeof(c));
	for (unsigned int i = 0; i < 4; i++)
		set_port(&c[i], i);
	memset(&s, 0xa5, sizeof(s));
	rtpp_iface_counters_sum(c, sizeof(c[0]), 4, &s);
	expect_port_sum(&s, 4);
	/* by name too, not only through the offsets above */
	assert_int_equal(s.rx_packets, 10000);
	assert_int_equal(s.kernel_dropped, 10040);

	rtpp_iface_counters_sum(c, sizeof(c[0]), 0, &s);
	assert_int_equal(s.rx_packets, 0);
	assert_int_equal(s.kernel_dropped, 0);
}

static void test_port_sum_embedded(void **state)
{
	struct fake_worker w[3];
	struct rtpp_iface_counters s;

	(void)state;
	memset(w, 0xff, sizeof(w));
	for (unsigned int i = 0; i < 3; i++) {
		memset(w[i].ports, 0, sizeof(w[i].ports));
		set_port(&w[i].ports[1], i);
		set_port(&w[i].ports[0], 50 + i); /* the other interface */
	}
	rtpp_iface_counters_sum(&w[0].ports[1], sizeof(struct fake_worker), 3, &s);
	expect_port_sum(&s, 3);
}

/* ---- field tables ---- */

static void check_table(const struct rtpp_counter_field *t, unsigned int n, size_t size)
{
	for (unsigned int i = 0; i < n; i++) {
		assert_non_null(t[i].name);
		assert_true(t[i].name[0] != '\0');
		assert_true(t[i].offset % sizeof(uint64_t) == 0);
		assert_true(t[i].offset + sizeof(uint64_t) <= size);
		for (unsigned int j = 0; j < i; j++) {
			if (strcmp(t[i].name, t[j].name) == 0)
				fail_msg("name %s twice", t[i].name);
			if (t[i].offset == t[j].offset)
				fail_msg("%s and %s at the same offset", t[i].name, t[j].name);
		}
	}
}

static void test_flow_field_table(void **state)
{
	static const struct rtpp_counter_field want[] = {
		{ "rx_packets", offsetof(struct rtpp_flow_stats, rx_packets) },
		{ "rx_bytes", offsetof(struct rtpp_flow_stats, rx_bytes) },
		{ "tx_packets", offsetof(struct rtpp_flow_stats, tx_packets) },
		{ "tx_bytes", offsetof(struct rtpp_flow_stats, tx_bytes) },
		{ "drop_no_remote", offsetof(struct rtpp_flow_stats, drop_no_remote) },
		{ "drop_no_neighbour", offsetof(struct rtpp_flow_stats, drop_no_neighbour) },
		{ "drop_tx_full", offsetof(struct rtpp_flow_stats, drop_tx_full) },
		{ "rtp_lost", offsetof(struct rtpp_flow_stats, rtp_lost) },
		{ "drop_foreign_source", offsetof(struct rtpp_flow_stats, drop_foreign_source) },
		{ "drop_not_media", offsetof(struct rtpp_flow_stats, drop_not_media) },
		{ "drop_malformed", offsetof(struct rtpp_flow_stats, drop_malformed) },
		{ "drop_rate_limit", offsetof(struct rtpp_flow_stats, drop_rate_limit) },
		{ "drop_paused", offsetof(struct rtpp_flow_stats, drop_paused) },
		{ "stun_dtls", offsetof(struct rtpp_flow_stats, stun_dtls) },
		{ "ssrc_changes", offsetof(struct rtpp_flow_stats, ssrc_changes) },
		{ "tcp_segments_in", offsetof(struct rtpp_flow_stats, tcp_segments_in) },
		{ "tcp_segments_out", offsetof(struct rtpp_flow_stats, tcp_segments_out) },
	};

	(void)state;
	check_table(rtpp_flow_counter_fields, rtpp_flow_counter_nfields,
		    sizeof(struct rtpp_flow_stats));
	assert_int_equal(rtpp_flow_counter_nfields, DIM(want));
	for (unsigned int i = 0; i < DIM(want); i++) {
		assert_string_equal(rtpp_flow_counter_fields[i].name, want[i].name);
		assert_int_equal(rtpp_flow_counter_fields[i].offset, want[i].offset);
	}
	/* Every uint64_t of struct rtpp_flow_stats is in the table except
	 * last_rx_tsc, a time stamp rather than a counter (telemetry turns it into
	 * idle_ms); the jitter fields after it are not counters. A counter added
	 * to the struct fails here until it is listed. */
	assert_int_equal(offsetof(struct rtpp_flow_stats, jitter_pt),
			 (DIM(want) + 1) * sizeof(uint64_t));
	for (unsigned int i = 0; i < rtpp_flow_counter_nfields; i++)
		assert_int_not_equal(rtpp_flow_counter_fields[i].offset,
				     offsetof(struct rtpp_flow_stats, last_rx_tsc));
}

static void test_port_field_table(void **state)
{
	(void)state;
	check_table(rtpp_iface_counter_fields, rtpp_iface_counter_nfields,
		    sizeof(struct rtpp_iface_counters));
	assert_int_equal(rtpp_iface_counter_nfields, DIM(port_names));
	for (unsigned int i = 0; i < DIM(port_names); i++) {
		assert_string_equal(rtpp_iface_counter_fields[i].name, port_names[i]);
		assert_int_equal(rtpp_iface_counter_fields[i].offset, port_offsets[i]);
		/* the struct is nothing but these counters, in this order */
		assert_int_equal(port_offsets[i], i * sizeof(uint64_t));
	}
	/* what follows the last counter is the cache line's padding only */
	assert_int_equal(sizeof(struct rtpp_iface_counters),
			 RTE_ALIGN_CEIL(DIM(port_names) * sizeof(uint64_t), RTE_CACHE_LINE_SIZE));
}

/*
 * What an interface lost before the proxy saw it: every field of the struct
 * is in the table, in order (a reason added to the struct fails here until
 * it is listed), under the names telemetry and the API export.
 */
static void test_host_drop_field_table(void **state)
{
	static const char *const names[] = { "host_ring_dropped", "nic_missed", "nic_rx_errors",
					     "nic_rx_nombuf" };
	struct rtpp_host_drop_counters h = {
		.host_ring_dropped = 11, .nic_missed = 22, .nic_rx_errors = 33, .nic_rx_nombuf = 44
	};

	(void)state;
	check_table(rtpp_host_drop_counter_fields, rtpp_host_drop_counter_nfields,
		    sizeof(struct rtpp_host_drop_counters));
	assert_int_equal(rtpp_host_drop_counter_nfields, DIM(names));
	assert_int_equal(sizeof(struct rtpp_host_drop_counters), DIM(names) * sizeof(uint64_t));
	for (unsigned int i = 0; i < DIM(names); i++) {
		assert_string_equal(rtpp_host_drop_counter_fields[i].name, names[i]);
		assert_int_equal(rtpp_host_drop_counter_fields[i].offset, i * sizeof(uint64_t));
		assert_int_equal(rtpp_counter_read(&h, rtpp_host_drop_counter_fields[i].offset),
				 11u * (i + 1));
	}
	/* Exported beside the interface counters: no name may be taken twice. */
	for (unsigned int i = 0; i < rtpp_host_drop_counter_nfields; i++)
		for (unsigned int j = 0; j < rtpp_iface_counter_nfields; j++)
			if (strcmp(rtpp_host_drop_counter_fields[i].name,
				   rtpp_iface_counter_fields[j].name) == 0)
				fail_msg("%s is an interface counter too", names[i]);
}

/* What telemetry does: sum, then export each field through the table. */
static void test_tables_read_what_was_summed(void **state)
{
	struct rtpp_flow_counters c[2];
	struct rtpp_flow_stats s;
	struct rtpp_iface_counters p[2], ps;

	(void)state;
	memset(c, 0, sizeof(c));
	set_flow(&c[0], 1);
	set_flow(&c[1], 2);
	rtpp_flow_counters_sum(c, sizeof(c[0]), 2, &s);
	const uint64_t flow_want[] = { s.rx_packets,      s.rx_bytes,        s.tx_packets,
				       s.tx_bytes,        s.drop_no_remote,  s.drop_no_neighbour,
				       s.drop_tx_full,    s.rtp_lost,        s.drop_foreign_source,
				       s.drop_not_media,  s.drop_malformed,  s.drop_rate_limit,
				       s.drop_paused,     s.stun_dtls,       s.ssrc_changes,
				       s.tcp_segments_in, s.tcp_segments_out };
	assert_int_equal(rtpp_flow_counter_nfields, DIM(flow_want));
	for (unsigned int i = 0; i < rtpp_flow_counter_nfields; i++)
		assert_int_equal(rtpp_counter_read(&s, rtpp_flow_counter_fields[i].offset),
				 flow_want[i]);
	assert_int_equal(rtpp_counter_read(&s, offsetof(struct rtpp_flow_stats, rtp_lost)), 30);
	assert_int_equal(s.drop_foreign_source, 5 + 6);
	assert_int_equal(s.ssrc_changes, 11 + 12);
	/* Received less every reason to drop: base * 8 + 36 per copy. */
	assert_int_equal(s.tx_packets, 203 - (8 + 36) - (16 + 36));
	/* Jitter is the copy that saw the latest packet's (set_flow(2)). */
	assert_int_equal(s.jitter_units16, 320);

	memset(p, 0, sizeof(p));
	set_port(&p[0], 0);
	set_port(&p[1], 1);
	rtpp_iface_counters_sum(p, sizeof(p[0]), 2, &ps);
	for (unsigned int i = 0; i < rtpp_iface_counter_nfields; i++)
		assert_int_equal(rtpp_counter_read(&ps, rtpp_iface_counter_fields[i].offset),
				 3000u + 2 * i);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flow_sum_array),
		cmocka_unit_test(test_flow_sum_embedded),
		cmocka_unit_test(test_flow_sum_table_stride),
		cmocka_unit_test(test_flow_tx_packets_and_edges),
		cmocka_unit_test(test_flow_sum_is_64_bit),
		cmocka_unit_test(test_port_sum_array),
		cmocka_unit_test(test_port_sum_embedded),
		cmocka_unit_test(test_flow_field_table),
		cmocka_unit_test(test_port_field_table),
		cmocka_unit_test(test_host_drop_field_table),
		cmocka_unit_test(test_tables_read_what_was_summed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
