/* SPDX-License-Identifier: BSD-3-Clause */
#include "rtpp_rtp.h"

#include <errno.h>
#include <string.h>

#define RTCP_HDR_LEN 4
#define RTCP_SSRC_LEN 4
#define RTCP_SENDER_INFO_LEN 20 /* NTP (8), RTP timestamp, packet and octet counts */
#define RTCP_REPORT_LEN 24

static void parse_reports(const uint8_t *p, unsigned int count, struct rtpp_rtcp_info *out)
{
	for (unsigned int i = 0; i < count && out->n_reports < RTPP_RTCP_MAX_REPORTS; i++) {
		const uint8_t *b = p + (size_t)i * RTCP_REPORT_LEN;
		struct rtpp_rtcp_report *r = &out->reports[out->n_reports++];
		uint32_t lost24 = rtpp_rtp_be32(b + 4) & 0xffffff;

		r->ssrc = rtpp_rtp_be32(b);
		r->fraction_lost = b[4];
		/* 24-bit two's complement */
		r->cumulative_lost = (int32_t)(lost24 ^ 0x800000) - 0x800000;
		r->ext_max_seq = rtpp_rtp_be32(b + 8);
		r->jitter = rtpp_rtp_be32(b + 12);
		r->lsr = rtpp_rtp_be32(b + 16);
		r->dlsr = rtpp_rtp_be32(b + 20);
	}
}

int rtpp_rtcp_parse(const uint8_t *payload, uint32_t len, struct rtpp_rtcp_info *out)
{
	uint32_t off = 0;

	memset(out, 0, sizeof(*out));
	if (len < RTCP_HDR_LEN + RTCP_SSRC_LEN)
		return -EINVAL;
	/* RFC 3550 6.1: a compound packet starts with an SR or an RR. */
	if (payload[1] != RTPP_RTCP_PT_SR && payload[1] != RTPP_RTCP_PT_RR)
		return -EINVAL;
	while (off < len) {
		const uint8_t *p = payload + off;
		uint32_t pkt_len, count, body;

		if (len - off < RTCP_HDR_LEN || (p[0] & 0xc0) != 0x80)
			return -EINVAL;
		pkt_len = ((uint32_t)(p[2] << 8 | p[3]) + 1u) * 4u;
		if (pkt_len > len - off)
			return -EINVAL;
		count = p[0] & 0x1f;
		body = pkt_len - RTCP_HDR_LEN;
		if (p[1] == RTPP_RTCP_PT_SR) {
			if (body < RTCP_SSRC_LEN + RTCP_SENDER_INFO_LEN + count * RTCP_REPORT_LEN)
				return -EINVAL;
			if (!out->has_sr) {
				out->has_sr = true;
				out->sr_ssrc = rtpp_rtp_be32(p + 4);
				/* middle 32 bits of the 64-bit NTP timestamp */
				out->sr_lsr = (uint32_t)(rtpp_rtp_be32(p + 8) << 16 |
							 rtpp_rtp_be32(p + 12) >> 16);
			}
			parse_reports(p + 8 + RTCP_SENDER_INFO_LEN, count, out);
		} else if (p[1] == RTPP_RTCP_PT_RR) {
			if (body < RTCP_SSRC_LEN + count * RTCP_REPORT_LEN)
				return -EINVAL;
			parse_reports(p + 8, count, out);
		}
		off += pkt_len;
	}
	return 0;
}

/*
 * The writer invalidates a slot before it changes the time, so that a reader
 * on another lcore that sees the same LSR before and after reading the time
 * knows the time belongs to it.
 */
void rtpp_rtcp_sr_record(struct rtpp_rtcp_leg_state *s, uint32_t lsr, uint64_t tsc)
{
	unsigned int i = s->sr_next % RTPP_RTCP_SR_KEPT;

	if (lsr == 0)
		return; /* 0 means "no SR" in reports: nothing could ever match it */
	__atomic_store_n(&s->sr_lsr[i], 0, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&s->sr_tsc[i], tsc, __ATOMIC_RELAXED);
	__atomic_store_n(&s->sr_lsr[i], lsr, __ATOMIC_RELEASE);
	s->sr_next = i + 1;
}

bool rtpp_rtcp_sr_find(const struct rtpp_rtcp_leg_state *s, uint32_t lsr, uint64_t *tsc)
{
	if (lsr == 0)
		return false;
	for (unsigned int i = 0; i < RTPP_RTCP_SR_KEPT; i++) {
		if (__atomic_load_n(&s->sr_lsr[i], __ATOMIC_ACQUIRE) != lsr)
			continue;
		uint64_t t = __atomic_load_n(&s->sr_tsc[i], __ATOMIC_RELAXED);

		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&s->sr_lsr[i], __ATOMIC_RELAXED) == lsr) {
			*tsc = t;
			return true;
		}
	}
	return false;
}

bool rtpp_rtcp_rtt(uint64_t now_tsc, uint64_t sr_tsc, uint32_t dlsr, uint64_t tsc_hz,
		   uint64_t *rtt_tsc)
{
	uint64_t held = (uint64_t)(((unsigned __int128)dlsr * tsc_hz) >> 16);
	uint64_t since;

	if (now_tsc < sr_tsc)
		return false;
	since = now_tsc - sr_tsc;
	if (held > since || since - held > 10 * tsc_hz)
		return false;
	*rtt_tsc = since - held;
	return true;
}

void rtpp_rtcp_note_rtt(struct rtpp_rtcp_leg_state *s, uint64_t rtt_tsc)
{
	s->rtt_sum_tsc += rtt_tsc;
	s->rtt_last_tsc = rtt_tsc;
	s->rtt_count++;
}

void rtpp_rtcp_note_report(struct rtpp_rtcp_leg_state *s, const struct rtpp_rtcp_report *r,
			   uint64_t now_tsc)
{
	s->report_cumulative_lost = r->cumulative_lost;
	s->report_fraction_lost = r->fraction_lost;
	s->report_tsc = now_tsc;
}

void rtpp_rtcp_summarize(const struct rtpp_rtcp_leg_state *const *copies, unsigned int n,
			 struct rtpp_rtcp_summary *out)
{
	uint64_t newest = 0;

	memset(out, 0, sizeof(*out));
	for (unsigned int i = 0; i < n; i++) {
		const struct rtpp_rtcp_leg_state *s = copies[i];
		uint64_t at = __atomic_load_n(&s->report_tsc, __ATOMIC_RELAXED);

		out->rtt_count += __atomic_load_n(&s->rtt_count, __ATOMIC_RELAXED);
		out->rtt_sum_tsc += __atomic_load_n(&s->rtt_sum_tsc, __ATOMIC_RELAXED);
		/* The newest copy speaks for the leg: reports replace each other. */
		if (at > newest) {
			newest = at;
			out->has_report = true;
			out->report_cumulative_lost = s->report_cumulative_lost;
			out->report_fraction_lost = s->report_fraction_lost;
			if (s->rtt_count > 0)
				out->rtt_last_tsc = s->rtt_last_tsc;
		}
	}
}

const char *rtpp_media_kind_name(enum rtpp_media_kind k)
{
	switch (k) {
	case RTPP_MEDIA_RTP:
		return "rtp";
	case RTPP_MEDIA_RTCP:
		return "rtcp";
	case RTPP_MEDIA_STUN:
		return "stun";
	case RTPP_MEDIA_DTLS:
		return "dtls";
	case RTPP_MEDIA_ZRTP:
		return "zrtp";
	case RTPP_MEDIA_NOT_MEDIA:
		return "not_media";
	case RTPP_MEDIA_MALFORMED:
		return "malformed";
	}
	return "unknown";
}

uint64_t rtpp_rtp_clock_mult(uint32_t clock_rate, uint64_t tsc_hz)
{
	if (clock_rate == 0 || tsc_hz == 0)
		return 0;
	return (uint64_t)((((unsigned __int128)clock_rate << 32) + tsc_hz / 2) / tsc_hz);
}

/* clang-format off */
static const uint32_t static_clock_rate[] = {
	[0] = 8000,	/* PCMU */
	[3] = 8000,	/* GSM */
	[4] = 8000,	/* G723 */
	[5] = 8000,	/* DVI4 */
	[6] = 16000,	/* DVI4 */
	[7] = 8000,	/* LPC */
	[8] = 8000,	/* PCMA */
	[9] = 8000,	/* G722: 8000 by RFC 3551's own error, kept for compatibility */
	[10] = 44100,	/* L16 stereo */
	[11] = 44100,	/* L16 mono */
	[12] = 8000,	/* QCELP */
	[13] = 8000,	/* CN */
	[14] = 90000,	/* MPA */
	[15] = 8000,	/* G728 */
	[16] = 11025,	/* DVI4 */
	[17] = 22050,	/* DVI4 */
	[18] = 8000,	/* G729 */
	[25] = 90000,	/* CelB */
	[26] = 90000,	/* JPEG */
	[28] = 90000,	/* nv */
	[31] = 90000,	/* H261 */
	[32] = 90000,	/* MPV */
	[33] = 90000,	/* MP2T */
	[34] = 90000,	/* H263 */
};
/* clang-format on */

uint32_t rtpp_rtp_static_clock_rate(uint8_t pt)
{
	if (pt >= sizeof(static_clock_rate) / sizeof(static_clock_rate[0]))
		return 0;
	return static_clock_rate[pt];
}

double rtpp_rtp_jitter16_ms(uint32_t jitter16, uint32_t clock_rate)
{
	return clock_rate != 0 ? (double)jitter16 * 1000.0 / (16.0 * (double)clock_rate) : 0.0;
}

double rtpp_rtp_jitter_ms(const struct rtpp_rtp_jitter *j, uint32_t clock_rate)
{
	return rtpp_rtp_jitter16_ms(__atomic_load_n(&j->jitter, __ATOMIC_RELAXED), clock_rate);
}
