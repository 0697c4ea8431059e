/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RTP loss tracking and RTCP round trips (lib/rtp): the sequence rules of
 * RFC 3550 appendix A.1, compound RTCP parsing and what it refuses, and the
 * round-trip arithmetic of section 6.4.1.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "rtpp_rtp.h"

static void feed(struct rtpp_rtp_seq *s, const int *seqs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		rtpp_rtp_seq_update(s, (uint16_t)seqs[i]);
}

static void test_in_order_is_no_loss(void **state)
{
	struct rtpp_rtp_seq s = { 0 };
	(void)state;
	for (int i = 0; i < 70000; i++) /* wraps past 65535 */
		rtpp_rtp_seq_update(&s, (uint16_t)(1000 + i));
	assert_int_equal(s.lost, 0);
}

static void test_gaps_are_lost_and_late_packets_fill_them(void **state)
{
	struct rtpp_rtp_seq s = { 0 };
	const int seqs[] = { 100, 101, 103, 104, 108 }; /* 102, 105-107 missing */
	(void)state;
	feed(&s, seqs, 5);
	assert_int_equal(s.lost, 4);
	rtpp_rtp_seq_update(&s, 106); /* late */
	assert_int_equal(s.lost, 3);
	rtpp_rtp_seq_update(&s, 108); /* duplicate of the newest */
	assert_int_equal(s.lost, 3);
	const int wrap[] = { 65534, 65535, 1 }; /* restart far away, then a gap across the wrap */
	feed(&s, wrap, 3);
	assert_int_equal(s.lost, 3 + 1);
	assert_int_equal(s.max_seq, 1);
}

static void test_big_jumps_are_restarts_not_loss(void **state)
{
	struct rtpp_rtp_seq s = { 0 };
	const int seqs[] = { 10, 11, 5000, 5001, 12, 13 };
	(void)state;
	feed(&s, seqs, 6);
	/* 11 -> 5000 and 5001 -> 12 are jumps: the sender's numbering restarted */
	assert_int_equal(s.lost, 0);
	rtpp_rtp_seq_update(&s, (uint16_t)(13 + RTPP_RTP_MAX_DROPOUT - 1));
	assert_int_equal(s.lost, RTPP_RTP_MAX_DROPOUT - 2);
}

static void test_rtp_or_rtcp_mux(void **state)
{
	uint8_t rtp[12] = { 0x80, 0x00, 0x12, 0x34 };
	uint8_t mux[12] = { 0x81, 200 };
	uint8_t v1[12] = { 0x40, 0x00 };
	(void)state;
	assert_true(rtpp_rtp_is_rtp(rtp, sizeof(rtp)));
	assert_int_equal(rtpp_rtp_seq_of(rtp), 0x1234);
	assert_false(rtpp_rtp_is_rtp(rtp, 11));
	assert_false(rtpp_rtp_is_rtp(mux, sizeof(mux)));
	assert_true(rtpp_rtp_is_rtcp_mux(mux, sizeof(mux)));
	assert_false(rtpp_rtp_is_rtp(v1, sizeof(v1)));
	assert_false(rtpp_rtp_is_rtcp_mux(v1, sizeof(v1)));
	rtp[1] = 0x80 | 96; /* marker + dynamic payload type: still RTP */
	assert_true(rtpp_rtp_is_rtp(rtp, sizeof(rtp)));
}

static uint8_t *put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return p + 4;
}

static uint8_t *rtcp_header(uint8_t *p, unsigned int count, uint8_t pt, unsigned int bytes)
{
	p[0] = (uint8_t)(0x80 | count);
	p[1] = pt;
	p[2] = (uint8_t)((bytes / 4 - 1) >> 8);
	p[3] = (uint8_t)(bytes / 4 - 1);
	return p + 4;
}

static uint8_t *report_block(uint8_t *p, uint32_t ssrc, uint8_t fraction, int32_t cum, uint32_t lsr,
			     uint32_t dlsr)
{
	p = put32(p, ssrc);
	p = put32(p, (uint32_t)fraction << 24 | ((uint32_t)cum & 0xffffff));
	p = put32(p, 0x10005); /* extended highest sequence */
	p = put32(p, 77);      /* jitter */
	p = put32(p, lsr);
	return put32(p, dlsr);
}

/* SR (one report block) + SDES: a typical compound packet. */
static size_t make_sr(uint8_t *buf, uint32_t ntp_sec, uint32_t ntp_frac)
{
	uint8_t *p = rtcp_header(buf, 1, RTPP_RTCP_PT_SR, 52);
	p = put32(p, 0xaaaa0001);
	p = put32(p, ntp_sec);
	p = put32(p, ntp_frac);
	p = put32(p, 160000); /* RTP timestamp */
	p = put32(p, 500);    /* packets */
	p = put32(p, 80000);  /* octets */
	p = report_block(p, 0xbbbb0002, 64, -3, 0, 0);
	p = rtcp_header(p, 1, 202, 12); /* SDES, content not looked at */
	p = put32(p, 0xaaaa0001);
	p = put32(p, 0);
	return (size_t)(p - buf);
}

static void test_parse_sr_compound(void **state)
{
	uint8_t buf[128];
	struct rtpp_rtcp_info info;
	(void)state;
	size_t len = make_sr(buf, 0x12345678, 0x9abcdef0);

	assert_int_equal(rtpp_rtcp_parse(buf, (uint32_t)len, &info), 0);
	assert_true(info.has_sr);
	assert_int_equal(info.sr_ssrc, 0xaaaa0001);
	assert_int_equal(info.sr_lsr, 0x56789abc); /* middle 32 bits of the NTP time */
	assert_int_equal(info.n_reports, 1);
	assert_int_equal(info.reports[0].ssrc, 0xbbbb0002);
	assert_int_equal(info.reports[0].fraction_lost, 64);
	assert_int_equal(info.reports[0].cumulative_lost, -3);
	assert_int_equal(info.reports[0].jitter, 77);
}

static void test_parse_rr_with_blocks(void **state)
{
	uint8_t buf[128], *p;
	struct rtpp_rtcp_info info;
	(void)state;

	p = rtcp_header(buf, 2, RTPP_RTCP_PT_RR, 8 + 2 * 24);
	p = put32(p, 0xbbbb0002);
	p = report_block(p, 0xaaaa0001, 0, 0x7fffff, 0x56789abc, 0x8000);
	p = report_block(p, 0xaaaa0009, 255, 12, 0, 0);
	assert_int_equal(rtpp_rtcp_parse(buf, (uint32_t)(p - buf), &info), 0);
	assert_false(info.has_sr);
	assert_int_equal(info.n_reports, 2);
	assert_int_equal(info.reports[0].cumulative_lost, 0x7fffff);
	assert_int_equal(info.reports[0].lsr, 0x56789abc);
	assert_int_equal(info.reports[0].dlsr, 0x8000);
	assert_int_equal(info.reports[1].fraction_lost, 255);
}

static void test_parse_refuses_what_is_not_plain_rtcp(void **state)
{
	uint8_t buf[160];
	struct rtpp_rtcp_info info;
	(void)state;
	size_t len = make_sr(buf, 1, 2);

	/* SRTCP: E flag + index and a 10-byte tag after the packets */
	memset(buf + len, 0x5a, 14);
	assert_int_equal(rtpp_rtcp_parse(buf, (uint32_t)len + 14, &info), -EINVAL);
	/* truncated: the length field promises more than there is */
	assert_int_equal(rtpp_rtcp_parse(buf, (uint32_t)len - 4, &info), -EINVAL);
	/* SR too short for its report count */
	uint8_t shortsr[28];
	memcpy(shortsr, buf, sizeof(shortsr));
	rtcp_header(shortsr, 1, RTPP_RTCP_PT_SR, 28);
	assert_int_equal(rtpp_rtcp_parse(shortsr, sizeof(shortsr), &info), -EINVAL);
	/* a compound must start with SR or RR */
	uint8_t bye[8];
	rtcp_header(bye, 1, 203, 8);
	put32(bye + 4, 1);
	assert_int_equal(rtpp_rtcp_parse(bye, sizeof(bye), &info), -EINVAL);
	/* version 1 */
	buf[0] = (uint8_t)(0x40 | (buf[0] & 0x3f));
	assert_int_equal(rtpp_rtcp_parse(buf, (uint32_t)len, &info), -EINVAL);
	assert_int_equal(rtpp_rtcp_parse(buf, 3, &info), -EINVAL);
	assert_int_equal(rtpp_rtcp_parse(buf, 0, &info), -EINVAL);
}

static void test_sr_record_and_find(void **state)
{
	struct rtpp_rtcp_leg_state s = { 0 };
	uint64_t t;
	(void)state;

	assert_false(rtpp_rtcp_sr_find(&s, 0, &t)); /* 0: "no SR" in a report */
	rtpp_rtcp_sr_record(&s, 0x1111, 1000);
	rtpp_rtcp_sr_record(&s, 0x2222, 2000);
	assert_true(rtpp_rtcp_sr_find(&s, 0x1111, &t));
	assert_int_equal(t, 1000);
	assert_true(rtpp_rtcp_sr_find(&s, 0x2222, &t));
	assert_int_equal(t, 2000);
	rtpp_rtcp_sr_record(&s, 0x3333, 3000); /* the oldest goes */
	assert_false(rtpp_rtcp_sr_find(&s, 0x1111, &t));
	assert_true(rtpp_rtcp_sr_find(&s, 0x3333, &t));
	assert_int_equal(t, 3000);
	assert_false(rtpp_rtcp_sr_find(&s, 0x4444, &t));
}

static void test_round_trip_arithmetic(void **state)
{
	const uint64_t hz = 1000000000; /* 1 cycle = 1 ns */
	uint64_t rtt;
	(void)state;

	/* SR passed at 1 s; report arrives at 1.75 s, held 0.5 s: 250 ms */
	assert_true(rtpp_rtcp_rtt(1750000000, 1000000000, 0x8000, hz, &rtt));
	assert_int_equal(rtt, 250000000);
	/* held longer than the time since: impossible */
	assert_false(rtpp_rtcp_rtt(1400000000, 1000000000, 0x8000, hz, &rtt));
	/* the report before the SR: impossible */
	assert_false(rtpp_rtcp_rtt(900000000, 1000000000, 0, hz, &rtt));
	/* over 10 s: a stale match */
	assert_false(rtpp_rtcp_rtt(12000000000ull, 1000000000, 0, hz, &rtt));
}

static void test_summary_over_workers(void **state)
{
	struct rtpp_rtcp_leg_state a = { 0 }, b = { 0 };
	const struct rtpp_rtcp_leg_state *copies[2] = { &a, &b };
	struct rtpp_rtcp_report r1 = { .fraction_lost = 10, .cumulative_lost = 5 };
	struct rtpp_rtcp_report r2 = { .fraction_lost = 20, .cumulative_lost = 9 };
	struct rtpp_rtcp_summary sum;
	(void)state;

	rtpp_rtcp_summarize(copies, 2, &sum);
	assert_false(sum.has_report);
	assert_int_equal(sum.rtt_count, 0);
	rtpp_rtcp_note_rtt(&a, 100);
	rtpp_rtcp_note_report(&a, &r1, 50);
	rtpp_rtcp_note_rtt(&b, 300);
	rtpp_rtcp_note_rtt(&b, 200);
	rtpp_rtcp_note_report(&b, &r2, 70); /* the newer report */
	rtpp_rtcp_summarize(copies, 2, &sum);
	assert_int_equal(sum.rtt_count, 3);
	assert_int_equal(sum.rtt_sum_tsc, 600);
	assert_int_equal(sum.rtt_last_tsc, 200);
	assert_true(sum.has_report);
	assert_int_equal(sum.report_fraction_lost, 20);
	assert_int_equal(sum.report_cumulative_lost, 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order_is_no_loss),
		cmocka_unit_test(test_gaps_are_lost_and_late_packets_fill_them),
		cmocka_unit_test(test_big_jumps_are_restarts_not_loss),
		cmocka_unit_test(test_rtp_or_rtcp_mux),
		cmocka_unit_test(test_parse_sr_compound),
		cmocka_unit_test(test_parse_rr_with_blocks),
		cmocka_unit_test(test_parse_refuses_what_is_not_plain_rtcp),
		cmocka_unit_test(test_sr_record_and_find),
		cmocka_unit_test(test_round_trip_arithmetic),
		cmocka_unit_test(test_summary_over_workers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
