/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RTP loss tracking and RTCP round trips (lib/rtp): the sequence rules of
 * RFC 3550 appendix A.1, compound RTCP parsing and what it refuses, the
 * round-trip arithmetic of section 6.4.1, what a payload on a media port is
 * (RTP, RTCP, STUN, DTLS, ZRTP, not media, malformed), and the interarrival
 * jitter of appendix A.8 against hand-worked and floating-point figures.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
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

/* ---- Payload classification ---- */

static void expect_kind(const uint8_t *p, uint32_t len, bool rtcp_port, enum rtpp_media_kind want,
			const char *what)
{
	enum rtpp_media_kind got = rtpp_media_classify(p, len, rtcp_port);

	if (got != want) {
		print_error("%s (%u bytes, %s port): %s, expected %s\n", what, len,
			    rtcp_port ? "RTCP" : "RTP", rtpp_media_kind_name(got),
			    rtpp_media_kind_name(want));
		fail();
	}
}

/*
 * RTP, version 2, with cc CSRCs, an extension of ext_words words when
 * ext_words >= 0, payload_len bytes of 0xff (a padding count no header could
 * hold) and pad bytes of padding (zeros, the count last) when pad > 0.
 */
static uint32_t make_rtp(uint8_t *buf, unsigned int cc, int ext_words, uint32_t payload_len,
			 uint8_t pad)
{
	uint8_t *p = buf;

	*p++ = (uint8_t)(0x80 | (pad ? 0x20 : 0) | (ext_words >= 0 ? 0x10 : 0) | cc);
	*p++ = 0x80 | 96; /* marker, dynamic payload type */
	*p++ = 0x12;
	*p++ = 0x34;
	p = put32(p, 0xdeadbeef); /* timestamp */
	p = put32(p, 0x01020304); /* SSRC */
	for (unsigned int i = 0; i < cc; i++)
		p = put32(p, 0xc0000000 + i);
	if (ext_words >= 0) {
		*p++ = 0xbe; /* RFC 8285 one-byte form */
		*p++ = 0xde;
		*p++ = (uint8_t)(ext_words >> 8);
		*p++ = (uint8_t)ext_words;
		memset(p, 0x11, 4u * (unsigned int)ext_words);
		p += 4 * ext_words;
	}
	memset(p, 0xff, payload_len);
	p += payload_len;
	if (pad) {
		memset(p, 0, pad);
		p[pad - 1] = pad;
		p += pad;
	}
	return (uint32_t)(p - buf);
}

static void test_classify_rtp(void **state)
{
	uint8_t buf[256];
	uint32_t len;
	(void)state;

	len = make_rtp(buf, 0, -1, 160, 0);
	buf[0] = 0x80;
	buf[1] = 0; /* PCMU: the fast path */
	expect_kind(buf, len, false, RTPP_MEDIA_RTP, "plain RTP");
	expect_kind(buf, RTPP_RTP_HDR_LEN, false, RTPP_MEDIA_RTP, "header only");
	expect_kind(buf, RTPP_RTP_HDR_LEN - 1, false, RTPP_MEDIA_MALFORMED, "short header");
	buf[1] = 0x80 | 127; /* marker + PT 127: second byte 255, not RTCP's */
	expect_kind(buf, len, false, RTPP_MEDIA_RTP, "second byte 255");
	buf[1] = 191;
	expect_kind(buf, len, false, RTPP_MEDIA_RTP, "second byte 191");

	/* CSRCs, extension and padding together, and every truncation of it */
	len = make_rtp(buf, 2, 2, 10, 4);
	assert_int_equal(len, 12 + 8 + 4 + 8 + 10 + 4);
	expect_kind(buf, len, false, RTPP_MEDIA_RTP, "CC=2, X, P");
	for (uint32_t l = 1; l < len; l++)
		expect_kind(buf, l, false, RTPP_MEDIA_MALFORMED, "CC=2, X, P truncated");

	/* Without padding, the header alone decides. */
	len = make_rtp(buf, 2, 2, 10, 0);
	for (uint32_t l = 1; l < 12 + 8 + 4 + 8; l++)
		expect_kind(buf, l, false, RTPP_MEDIA_MALFORMED, "CC=2, X truncated");
	for (uint32_t l = 12 + 8 + 4 + 8; l <= len; l++)
		expect_kind(buf, l, false, RTPP_MEDIA_RTP, "CC=2, X, any payload");

	len = make_rtp(buf, 15, -1, 0, 0);
	expect_kind(buf, len, false, RTPP_MEDIA_RTP, "CC=15, no payload");
	expect_kind(buf, len - 1, false, RTPP_MEDIA_MALFORMED, "CC=15, last CSRC cut");

	len = make_rtp(buf, 0, 0, 0, 0);
	expect_kind(buf, len, false, RTPP_MEDIA_RTP, "empty extension");

	/* The padding count: 1 up to everything after the header. */
	len = make_rtp(buf, 1, -1, 20, 1);
	expect_kind(buf, len, false, RTPP_MEDIA_RTP, "one byte of padding");
	buf[len - 1] = 21;
	expect_kind(buf, len, false, RTPP_MEDIA_RTP, "padding is the whole payload");
	buf[len - 1] = 22;
	expect_kind(buf, len, false, RTPP_MEDIA_MALFORMED, "padding into the header");
	buf[len - 1] = 0;
	expect_kind(buf, len, false, RTPP_MEDIA_MALFORMED, "padding count 0");
	len = make_rtp(buf, 0, -1, 0, 0);
	buf[0] |= 0x20;
	expect_kind(buf, len, false, RTPP_MEDIA_MALFORMED, "P set, nothing after the header");

	/* Extension length past the end */
	len = make_rtp(buf, 0, 3, 0, 0);
	buf[12 + 3] = 4;
	expect_kind(buf, len, false, RTPP_MEDIA_MALFORMED, "extension longer than the packet");

	/* Not version 2 */
	len = make_rtp(buf, 0, -1, 160, 0);
	buf[0] = 0x40; /* version 1 */
	expect_kind(buf, len, false, RTPP_MEDIA_NOT_MEDIA, "version 1");
	expect_kind(buf, len, true, RTPP_MEDIA_NOT_MEDIA, "version 1 on the RTCP port");
	buf[0] = 0xc0; /* version 3 */
	expect_kind(buf, len, false, RTPP_MEDIA_NOT_MEDIA, "version 3");

	/* RTP on an RTCP port */
	len = make_rtp(buf, 0, -1, 160, 0);
	expect_kind(buf, len, false, RTPP_MEDIA_RTP, "RTP on its port");
	expect_kind(buf, len, true, RTPP_MEDIA_MALFORMED, "RTP on the RTCP port");
	buf[0] = 0x80;
	buf[1] = 0;
	expect_kind(buf, len, true, RTPP_MEDIA_MALFORMED, "plain RTP on the RTCP port");
	expect_kind(buf, 1, false, RTPP_MEDIA_MALFORMED, "one byte of version 2");
}

static void test_classify_rtcp(void **state)
{
	uint8_t buf[160], *p;
	size_t len;
	(void)state;

	len = make_sr(buf, 1, 2);
	expect_kind(buf, (uint32_t)len, true, RTPP_MEDIA_RTCP, "SR + SDES");
	expect_kind(buf, (uint32_t)len, false, RTPP_MEDIA_RTCP, "SR + SDES multiplexed");
	/* Only the first packet's length is held to the payload: SDES cut, SR whole. */
	expect_kind(buf, 52, true, RTPP_MEDIA_RTCP, "SR alone");
	expect_kind(buf, 51, true, RTPP_MEDIA_MALFORMED, "SR cut");
	expect_kind(buf, 7, true, RTPP_MEDIA_MALFORMED, "7 bytes");
	expect_kind(buf, 7, false, RTPP_MEDIA_MALFORMED, "7 bytes multiplexed");
	/* SRTCP: index and tag after the packets */
	memset(buf + len, 0x5a, 14);
	expect_kind(buf, (uint32_t)len + 14, true, RTPP_MEDIA_RTCP, "SRTCP");
	expect_kind(buf, (uint32_t)len + 14, false, RTPP_MEDIA_RTCP, "SRTCP multiplexed");

	p = rtcp_header(buf, 0, RTPP_RTCP_PT_RR, 8);
	put32(p, 0xbbbb0002);
	expect_kind(buf, 8, true, RTPP_MEDIA_RTCP, "empty RR");
	expect_kind(buf, 8, false, RTPP_MEDIA_RTCP, "empty RR multiplexed");
	buf[0] |= 0x20;
	expect_kind(buf, 8, true, RTPP_MEDIA_MALFORMED, "padding in the first packet");
	/* Empty RR + SDES: first byte 0x80 as in plain RTP, told apart by the second. */
	p = rtcp_header(buf, 0, RTPP_RTCP_PT_RR, 8);
	p = put32(p, 0xbbbb0002);
	p = rtcp_header(p, 1, 202, 12);
	p = put32(p, 0xbbbb0002);
	put32(p, 0);
	assert_int_equal(buf[0], 0x80);
	expect_kind(buf, 20, false, RTPP_MEDIA_RTCP, "empty RR + SDES multiplexed");
	buf[3] = 5; /* the RR claims 24 bytes */
	expect_kind(buf, 20, false, RTPP_MEDIA_MALFORMED, "RR longer than the payload, mux");
	expect_kind(buf, 20, true, RTPP_MEDIA_MALFORMED, "RR longer than the payload");

	/* RFC 5506 reduced size: a lone PLI (PSFB, FMT 1) */
	p = rtcp_header(buf, 1, 206, 12);
	p = put32(p, 0xbbbb0002);
	put32(p, 0xaaaa0001);
	expect_kind(buf, 12, false, RTPP_MEDIA_RTCP, "reduced-size PLI");
	rtcp_header(buf, 1, 207, 12); /* XR, the last type that may come first */
	expect_kind(buf, 12, true, RTPP_MEDIA_RTCP, "reduced-size XR");
	/* Types that start nothing: 192 (RFC 2032 FIR), 199, 208 (IEEE 1733), 223 */
	const uint8_t bad_first[] = { 192, 199, 208, 223 };
	for (size_t i = 0; i < sizeof(bad_first); i++) {
		rtcp_header(buf, 1, bad_first[i], 12);
		expect_kind(buf, 12, true, RTPP_MEDIA_MALFORMED, "first type not 200..207");
		expect_kind(buf, 12, false, RTPP_MEDIA_MALFORMED, "first type not 200..207, mux");
	}
}

static void test_classify_stun_dtls_zrtp(void **state)
{
	uint8_t buf[128], *p;
	(void)state;

	/* STUN binding request, no attributes */
	memset(buf, 0, sizeof(buf));
	buf[1] = 0x01;
	put32(buf + 4, 0x2112a442);
	memset(buf + 8, 0x77, 12); /* transaction ID */
	expect_kind(buf, 20, false, RTPP_MEDIA_STUN, "binding request");
	expect_kind(buf, 20, true, RTPP_MEDIA_STUN, "binding request on the RTCP port");
	expect_kind(buf, 19, false, RTPP_MEDIA_MALFORMED, "binding request cut");
	expect_kind(buf, 24, false, RTPP_MEDIA_MALFORMED, "4 bytes the length does not cover");
	/* with an attribute: PRIORITY (0x0024), 4 bytes */
	buf[3] = 8;
	p = put32(buf + 20, 0x00240004);
	put32(p, 0x6e7f00ff);
	expect_kind(buf, 28, false, RTPP_MEDIA_STUN, "binding request with PRIORITY");
	expect_kind(buf, 27, false, RTPP_MEDIA_MALFORMED, "attribute cut");
	buf[3] = 6;
	expect_kind(buf, 26, false, RTPP_MEDIA_MALFORMED, "length not a multiple of 4");
	buf[3] = 8;
	buf[0] = 0x01; /* success response 0x0101 */
	expect_kind(buf, 28, false, RTPP_MEDIA_STUN, "binding response");
	put32(buf + 4, 0x2112a443);
	expect_kind(buf, 28, false, RTPP_MEDIA_MALFORMED, "bad magic cookie");
	expect_kind(buf, 0, false, RTPP_MEDIA_NOT_MEDIA, "empty payload");
	expect_kind(NULL, 0, true, RTPP_MEDIA_NOT_MEDIA, "empty payload on the RTCP port");

	/* DTLS 1.2 ClientHello record: handshake (22), version 254.255, epoch 0,
	 * sequence 0, 40 bytes of handshake message. */
	memset(buf, 0, sizeof(buf));
	buf[0] = 22;
	buf[1] = 254;
	buf[2] = 255;
	buf[11] = 0;
	buf[12] = 40;
	buf[13] = 1; /* ClientHello */
	expect_kind(buf, 53, false, RTPP_MEDIA_DTLS, "ClientHello");
	expect_kind(buf, 53, true, RTPP_MEDIA_DTLS, "ClientHello on the RTCP port");
	expect_kind(buf, 60, false, RTPP_MEDIA_DTLS, "ClientHello and more");
	expect_kind(buf, 52, false, RTPP_MEDIA_MALFORMED, "ClientHello cut");
	expect_kind(buf, 12, false, RTPP_MEDIA_MALFORMED, "record header cut");
	buf[1] = 3; /* TLS, not DTLS */
	expect_kind(buf, 53, false, RTPP_MEDIA_MALFORMED, "TLS record");
	buf[1] = 254;
	buf[0] = 20; /* ChangeCipherSpec, one byte */
	buf[12] = 1;
	expect_kind(buf, 14, false, RTPP_MEDIA_DTLS, "ChangeCipherSpec");

	/* DTLS 1.3 unified header: 001CSLEE */
	memset(buf, 0xab, sizeof(buf));
	buf[0] = 0x2c; /* no CID, 16-bit sequence, length, epoch 0 */
	buf[3] = 0;
	buf[4] = 40;
	expect_kind(buf, 45, false, RTPP_MEDIA_DTLS, "DTLS 1.3 record");
	expect_kind(buf, 44, false, RTPP_MEDIA_MALFORMED, "DTLS 1.3 record cut");
	expect_kind(buf, 4, false, RTPP_MEDIA_MALFORMED, "DTLS 1.3 header cut");
	buf[0] = 0x23; /* no length: the record runs to the end; epoch 3 */
	expect_kind(buf, 3, false, RTPP_MEDIA_DTLS, "DTLS 1.3, 8-bit sequence, 1 byte");
	expect_kind(buf, 2, false, RTPP_MEDIA_MALFORMED, "DTLS 1.3 header alone");
	buf[0] = 0x3f; /* CID (1 byte at least), 16-bit sequence, length: 6 bytes */
	expect_kind(buf, 6, false, RTPP_MEDIA_MALFORMED, "DTLS 1.3 CID header alone");
	expect_kind(buf, 7, false, RTPP_MEDIA_DTLS, "DTLS 1.3 with a CID");

	/* ZRTP Hello: 0x10, sequence, magic cookie, source identifier */
	memset(buf, 0, sizeof(buf));
	buf[0] = 0x10;
	buf[3] = 1;
	put32(buf + 4, 0x5a525450);
	put32(buf + 8, 0x01020304);
	expect_kind(buf, 12, false, RTPP_MEDIA_ZRTP, "ZRTP");
	expect_kind(buf, 100, true, RTPP_MEDIA_ZRTP, "ZRTP on the RTCP port");
	expect_kind(buf, 11, false, RTPP_MEDIA_MALFORMED, "ZRTP cut");
	buf[7] = 'Q';
	expect_kind(buf, 100, false, RTPP_MEDIA_MALFORMED, "ZRTP, bad magic");

	/* Outside every range */
	memset(buf, 0, sizeof(buf));
	buf[0] = 0x40; /* TURN channel 0x4000, 4 bytes of data */
	buf[3] = 4;
	expect_kind(buf, 8, false, RTPP_MEDIA_NOT_MEDIA, "TURN channel data");
	expect_kind(buf, 8, true, RTPP_MEDIA_NOT_MEDIA, "TURN channel data on the RTCP port");
	const uint8_t others[] = { 4, 15, 64, 79, 127, 192, 255 };
	for (size_t i = 0; i < sizeof(others); i++) {
		buf[0] = others[i];
		expect_kind(buf, 100, false, RTPP_MEDIA_NOT_MEDIA, "first byte outside the ranges");
	}
}

static void test_media_kind_names(void **state)
{
	(void)state;
	assert_string_equal(rtpp_media_kind_name(RTPP_MEDIA_RTP), "rtp");
	assert_string_equal(rtpp_media_kind_name(RTPP_MEDIA_RTCP), "rtcp");
	assert_string_equal(rtpp_media_kind_name(RTPP_MEDIA_STUN), "stun");
	assert_string_equal(rtpp_media_kind_name(RTPP_MEDIA_DTLS), "dtls");
	assert_string_equal(rtpp_media_kind_name(RTPP_MEDIA_ZRTP), "zrtp");
	assert_string_equal(rtpp_media_kind_name(RTPP_MEDIA_NOT_MEDIA), "not_media");
	assert_string_equal(rtpp_media_kind_name(RTPP_MEDIA_MALFORMED), "malformed");
	assert_string_equal(rtpp_media_kind_name((enum rtpp_media_kind)99), "unknown");
}

/* ---- Interarrival jitter ---- */

/*
 * A TSC of 8000 * 2^20 Hz makes the conversion exact: mult is 2^12, one RTP
 * unit at 8 kHz is 2^20 cycles and 1 ms is 8 units.
 */
#define EXACT_HZ (8000ull << 20)
#define UNIT_CYCLES (1ull << 20)

/* Packet i of a 20 ms / 160-unit stream, arriving off_units late (or early). */
static void paced(struct rtpp_rtp_jitter *j, uint32_t ts0, uint64_t tsc0, uint64_t mult,
		  unsigned int i, int off_units)
{
	uint64_t tsc = tsc0 + (uint64_t)i * 160 * UNIT_CYCLES +
		       (uint64_t)(int64_t)off_units * UNIT_CYCLES;

	rtpp_rtp_jitter_update(j, 0, 0x5eed, ts0 + 160u * i, tsc, mult);
}

static void test_clock_mult(void **state)
{
	(void)state;
	/* 8000 * 2^32 / 2e9 = 17179.87 and so on, rounded to the nearest */
	assert_int_equal(rtpp_rtp_clock_mult(8000, 2000000000), 17180);
	assert_int_equal(rtpp_rtp_clock_mult(90000, 2000000000), 193274);
	assert_int_equal(rtpp_rtp_clock_mult(8000, 3700000000ull), 9286);
	assert_int_equal(rtpp_rtp_clock_mult(90000, 3700000000ull), 104472);
	assert_int_equal(rtpp_rtp_clock_mult(8000, EXACT_HZ), 4096);
	assert_int_equal(rtpp_rtp_clock_mult(0, 2000000000), 0);
	assert_int_equal(rtpp_rtp_clock_mult(8000, 0), 0);

	/* What it converts: 20 ms is 160 or 1800 units give or take the one that
	 * rounding down may cost, an hour is right within 0.01 %. */
	const struct {
		uint32_t rate;
		uint64_t hz;
	} c[] = { { 8000, 2000000000 },
		  { 90000, 2000000000 },
		  { 8000, 3700000000ull },
		  { 90000, 3700000000ull } };
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		uint64_t m = rtpp_rtp_clock_mult(c[i].rate, c[i].hz);
		uint64_t ms20 = (uint64_t)(((unsigned __int128)(c[i].hz / 50) * m) >> 32);
		uint64_t hour = (uint64_t)(((unsigned __int128)(c[i].hz * 3600) * m) >> 32);
		double err = ((double)hour - 3600.0 * c[i].rate) / (3600.0 * c[i].rate);

		assert_true(ms20 + 1 >= c[i].rate / 50 && ms20 <= c[i].rate / 50);
		assert_true(err > -1e-4 && err < 1e-4);
	}
}

static void test_static_clock_rates(void **state)
{
	(void)state;
	const uint8_t narrow[] = { 0, 3, 4, 5, 7, 8, 9, 12, 13, 15, 18 };
	for (size_t i = 0; i < sizeof(narrow); i++)
		assert_int_equal(rtpp_rtp_static_clock_rate(narrow[i]), 8000);
	const uint8_t video[] = { 14, 25, 26, 28, 31, 32, 33, 34 };
	for (size_t i = 0; i < sizeof(video); i++)
		assert_int_equal(rtpp_rtp_static_clock_rate(video[i]), 90000);
	assert_int_equal(rtpp_rtp_static_clock_rate(6), 16000);
	assert_int_equal(rtpp_rtp_static_clock_rate(10), 44100);
	assert_int_equal(rtpp_rtp_static_clock_rate(11), 44100);
	assert_int_equal(rtpp_rtp_static_clock_rate(16), 11025);
	assert_int_equal(rtpp_rtp_static_clock_rate(17), 22050);
	const uint8_t none[] = { 1, 2, 19, 20, 24, 27, 29, 30, 35, 72, 95, 96, 101, 127, 128, 255 };
	for (size_t i = 0; i < sizeof(none); i++)
		assert_int_equal(rtpp_rtp_static_clock_rate(none[i]), 0);
}

static void test_rtp_header_fields(void **state)
{
	const uint8_t h[12] = { 0x80, 0x80 | 101, 0,    1,    0xfe, 0xdc,
				0xba, 0x98,       0x01, 0x23, 0x45, 0x67 };
	(void)state;
	assert_int_equal(rtpp_rtp_pt_of(h), 101);
	assert_int_equal(rtpp_rtp_ts_of(h), 0xfedcba98);
	assert_int_equal(rtpp_rtp_ssrc_of(h), 0x01234567);
}

static void test_jitter_paced_is_zero(void **state)
{
	struct rtpp_rtp_jitter j = { 0 };
	const uint64_t mult = rtpp_rtp_clock_mult(8000, EXACT_HZ);
	(void)state;

	for (unsigned int i = 0; i < 1000; i++)
		paced(&j, 0x12345678, 987654321, mult, i, 0);
	assert_int_equal(j.jitter, 0);
	assert_int_equal(j.ssrc, 0x5eed);
	assert_int_equal(j.ssrc_changes, 0);
	assert_true(j.flags & RTPP_RTP_JITTER_TRANSIT);
	/* with a real TSC the conversion rounds, but stays far below a unit */
	struct rtpp_rtp_jitter k = { 0 };
	const uint64_t hz = 2000000000, m = rtpp_rtp_clock_mult(8000, hz);
	for (unsigned int i = 0; i < 3000; i++)
		rtpp_rtp_jitter_update(&k, 0, 1, 160u * i, 5555 + (uint64_t)i * (hz / 50), m);
	assert_true(k.jitter < 16); /* J < 1 unit, 0.125 ms */
}

/*
 * Arrival offsets 0, +1, -1, +2, 0, 0 ms from a 20 ms pace at 8 kHz (1 ms is
 * 8 units), so D is 8, -16, 24, -16, 0 and A.8's J * 16 goes
 *   0 + 8  - ((0 + 8) >> 4 = 0)  = 8
 *   8 + 16 - ((8 + 8) >> 4 = 1)  = 23
 *   23 + 24 - ((23 + 8) >> 4 = 1) = 46
 *   46 + 16 - ((46 + 8) >> 4 = 3) = 59
 *   59 + 0 - ((59 + 8) >> 4 = 4)  = 55
 * 55 / 16 = 3.4375 units = 0.4296875 ms (the float form gives 3.466).
 */
static const int hand_offsets_ms[] = { 0, 1, -1, 2, 0, 0 };
static const uint32_t hand_j16[] = { 0, 8, 23, 46, 59, 55 };

/* Feeds the six packets into a fresh *j, checking each step; the state is
 * left for more. */
static void hand_sequence(struct rtpp_rtp_jitter *j, uint32_t ts0, uint64_t tsc0)
{
	const uint64_t mult = rtpp_rtp_clock_mult(8000, EXACT_HZ);

	memset(j, 0, sizeof(*j));
	for (unsigned int i = 0; i < 6; i++) {
		paced(j, ts0, tsc0, mult, i, 8 * hand_offsets_ms[i]);
		assert_int_equal(j->jitter, hand_j16[i]);
	}
	assert_true(rtpp_rtp_jitter_ms(j, 8000) == 0.4296875);
	assert_true(rtpp_rtp_jitter_ms(j, 0) == 0.0);
	assert_int_equal(j->ssrc_changes, 0); /* the first SSRC is no change */
}

static void test_jitter_hand_worked(void **state)
{
	struct rtpp_rtp_jitter j;
	(void)state;
	hand_sequence(&j, 0x12345678, 1000 * UNIT_CYCLES);
}

/* The same across the wrap of the RTP timestamp, then of the TSC. */
static void test_jitter_wraps(void **state)
{
	struct rtpp_rtp_jitter h;
	(void)state;
	hand_sequence(&h, 0xffffffffu - 2 * 160, 1000 * UNIT_CYCLES);
	hand_sequence(&h, 0x12345678, UINT64_MAX - 3 * 160 * UNIT_CYCLES);

	/*
	 * With a TSC whose conversion rounds (3.7 GHz, 48 kHz), a TSC that wraps
	 * after the third packet and one that does not, a multiple of 2^32
	 * cycles apart, give the same D values: the same J, not 0.
	 */
	const uint64_t hz = 3700000000ull, m = rtpp_rtp_clock_mult(48000, hz);
	const int off_us[] = { 0, 700, -300, 2500, 100, -900, 0, 400, 1200, -50 };
	const uint64_t wrapping = UINT64_MAX - 3 * (hz / 50) + 1;
	const uint64_t base[2] = { wrapping, wrapping + (78ull << 32) };
	struct rtpp_rtp_jitter j[2] = { { 0 }, { 0 } };
	for (unsigned int b = 0; b < 2; b++)
		for (unsigned int i = 0; i < 10; i++) {
			uint64_t at = (uint64_t)i * (hz / 50) +
				      (uint64_t)((int64_t)off_us[i] * (int64_t)(hz / 1000000));
			rtpp_rtp_jitter_update(&j[b], 111, 7, 0xfffff000u + 960u * i, base[b] + at,
					       m);
		}
	assert_true(base[0] + 9 * (hz / 50) < base[0]); /* the first did wrap */
	/* The float form over these offsets gives J * 16 = 410.8 (0.535 ms). */
	assert_true(j[0].jitter >= 409 && j[0].jitter <= 413);
	assert_int_equal(j[0].jitter, j[1].jitter);
}

/* A small deterministic generator (xorshift32): the same sequence every run. */
static uint32_t next_random(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/*
 * 48 kHz audio, 20 ms packets, arrivals off by up to +-30 ms, with a TSC of
 * 3.7 GHz: the integer estimate follows J += (|D| - J) / 16 computed in
 * floating point from the exact arrival times, within 1 %.
 */
static void test_jitter_against_float_reference(void **state)
{
	const uint64_t hz = 3700000000ull;
	const uint32_t rate = 48000;
	const uint64_t m = rtpp_rtp_clock_mult(rate, hz);
	struct rtpp_rtp_jitter j = { 0 };
	double ref = 0.0, prev_transit = 0.0, worst = 0.0;
	uint32_t seed = 0x2545f491;
	(void)state;

	for (unsigned int i = 0; i < 5000; i++) {
		int64_t off_cycles = (int64_t)(next_random(&seed) % 60001) - 30000; /* us */
		uint64_t tsc = 1000000000000ull + (uint64_t)i * (hz / 50) +
			       (uint64_t)(off_cycles * (int64_t)(hz / 1000000));
		uint32_t ts = 0x40000000u + 960u * i;
		double arrival = (double)tsc * rate / (double)hz;
		double transit = arrival - (0x40000000u + 960.0 * i);

		rtpp_rtp_jitter_update(&j, 111, 42, ts, tsc, m);
		if (i > 0)
			ref += (fabs(transit - prev_transit) - ref) / 16.0;
		prev_transit = transit;
		if (i >= 100) {
			double got = rtpp_rtp_jitter_ms(&j, rate);
			double want = ref * 1000.0 / rate;
			double rel = fabs(got - want) / want;

			if (rel > worst)
				worst = rel;
		}
	}
	/* +-30 ms uniform: E|D| is 20 ms, far from 0 */
	assert_true(rtpp_rtp_jitter_ms(&j, rate) > 10.0);
	assert_true(worst < 0.01);
}

static void test_jitter_ssrc_changes(void **state)
{
	struct rtpp_rtp_jitter j;
	const uint64_t mult = rtpp_rtp_clock_mult(8000, EXACT_HZ);
	const uint64_t tsc0 = 1000 * UNIT_CYCLES;
	(void)state;

	hand_sequence(&j, 0, tsc0); /* J * 16 = 55 */

	/* Another sender, its timestamps 100 ms (800 units) off the first's:
	 * restart, no D across them. */
	const uint32_t b0 = 160 * 6 + 800;
	rtpp_rtp_jitter_update(&j, 0, 0xb0b, b0, tsc0 + 6 * 160 * UNIT_CYCLES, mult);
	assert_int_equal(j.ssrc, 0xb0b);
	assert_int_equal(j.ssrc_changes, 1);
	assert_int_equal(j.jitter, 0);
	rtpp_rtp_jitter_update(&j, 0, 0xb0b, b0 + 160, tsc0 + 7 * 160 * UNIT_CYCLES, mult);
	assert_int_equal(j.jitter, 0);
	rtpp_rtp_jitter_update(&j, 0, 0xb0b, b0 + 320,
			       tsc0 + 8 * 160 * UNIT_CYCLES + 8 * UNIT_CYCLES, mult);
	assert_int_equal(j.jitter, 8); /* 1 ms late: D = 8 */
	/* The first one back: a change again */
	rtpp_rtp_jitter_update(&j, 0, 0x5eed, 160 * 9, tsc0 + 9 * 160 * UNIT_CYCLES, mult);
	assert_int_equal(j.ssrc_changes, 2);
	assert_int_equal(j.jitter, 0);

	/* SSRC 0 is an SSRC like another, first or not */
	struct rtpp_rtp_jitter z = { 0 };
	rtpp_rtp_jitter_update(&z, 0, 0, 0, tsc0, mult);
	assert_true(z.flags & RTPP_RTP_JITTER_SEEN);
	rtpp_rtp_jitter_update(&z, 0, 0, 160, tsc0 + 160 * UNIT_CYCLES, mult);
	assert_int_equal(z.ssrc_changes, 0);

	/* Unknown clock: the SSRC is followed, nothing measured */
	struct rtpp_rtp_jitter u = { 0 };
	rtpp_rtp_jitter_update(&u, 101, 1, 0, tsc0, 0);
	rtpp_rtp_jitter_update(&u, 101, 1, 999, tsc0 + 160 * UNIT_CYCLES, 0);
	rtpp_rtp_jitter_update(&u, 101, 2, 5, tsc0 + 320 * UNIT_CYCLES, 0);
	assert_int_equal(u.ssrc, 2);
	assert_int_equal(u.ssrc_changes, 1);
	assert_int_equal(u.pt, 101);
	assert_int_equal(u.jitter, 0);
	assert_false(u.flags & RTPP_RTP_JITTER_TRANSIT);

	/* The counter wraps */
	for (unsigned int i = 0; i < 65536; i++)
		rtpp_rtp_jitter_update(&u, 101, 3 + (i & 1), 0, tsc0, 0);
	assert_int_equal(u.ssrc_changes, 1);
}

static void test_jitter_payload_type_and_jumps(void **state)
{
	struct rtpp_rtp_jitter j;
	const uint64_t mult = rtpp_rtp_clock_mult(8000, EXACT_HZ);
	const uint64_t tsc0 = 1000 * UNIT_CYCLES;
	(void)state;

	hand_sequence(&j, 0, tsc0); /* J * 16 = 55 */

	/* Comfort noise (PT 13), 5 ms late: a new payload type starts transit
	 * afresh, so no D; the next one, as late, gives D = 0. */
	rtpp_rtp_jitter_update(&j, 13, 0x5eed, 160 * 6, tsc0 + (6 * 160 + 40) * UNIT_CYCLES, mult);
	assert_int_equal(j.pt, 13);
	assert_int_equal(j.jitter, 55);
	rtpp_rtp_jitter_update(&j, 13, 0x5eed, 160 * 7, tsc0 + (7 * 160 + 40) * UNIT_CYCLES, mult);
	assert_int_equal(j.jitter, 55 - ((55 + 8) >> 4)); /* 52 */

	/* The timestamps jump by more than RTPP_RTP_JITTER_MAX_D: left out, and
	 * the next packet measures from the jump. */
	uint32_t ts = 160 * 8 + RTPP_RTP_JITTER_MAX_D + 40 + 1;
	rtpp_rtp_jitter_update(&j, 13, 0x5eed, ts, tsc0 + (8 * 160 + 40) * UNIT_CYCLES, mult);
	assert_int_equal(j.jitter, 52);
	rtpp_rtp_jitter_update(&j, 13, 0x5eed, ts + 160, tsc0 + (9 * 160 + 40) * UNIT_CYCLES, mult);
	assert_int_equal(j.jitter, 52 - ((52 + 8) >> 4)); /* 49 */
	/* A jump of exactly RTPP_RTP_JITTER_MAX_D counts (backwards, this time). */
	ts -= RTPP_RTP_JITTER_MAX_D;
	rtpp_rtp_jitter_update(&j, 13, 0x5eed, ts + 320, tsc0 + (10 * 160 + 40) * UNIT_CYCLES, mult);
	assert_int_equal(j.jitter, 49 + RTPP_RTP_JITTER_MAX_D - ((49 + 8) >> 4));
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
		cmocka_unit_test(test_classify_rtp),
		cmocka_unit_test(test_classify_rtcp),
		cmocka_unit_test(test_classify_stun_dtls_zrtp),
		cmocka_unit_test(test_media_kind_names),
		cmocka_unit_test(test_clock_mult),
		cmocka_unit_test(test_static_clock_rates),
		cmocka_unit_test(test_rtp_header_fields),
		cmocka_unit_test(test_jitter_paced_is_zero),
		cmocka_unit_test(test_jitter_hand_worked),
		cmocka_unit_test(test_jitter_wraps),
		cmocka_unit_test(test_jitter_against_float_reference),
		cmocka_unit_test(test_jitter_ssrc_changes),
		cmocka_unit_test(test_jitter_payload_type_and_jumps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
