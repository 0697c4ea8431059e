/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the proxy learns by looking at the media it relays, without changing it:
 *
 * - RTP loss: gaps in the sequence numbers of each flow as it reaches the
 *   proxy (loss between the sender and the proxy). Kept in a few bytes of the
 *   flow's per-worker counters, so the hot path touches no extra cache line.
 * - Round-trip time between the proxy and each leg's remote, from RTCP
 *   (RFC 3550 section 6.4.1): when a sender report (SR) from one side passes
 *   through, the proxy notes when; when the other side's receiver report
 *   echoes that SR's timestamp (LSR) with its own holding delay (DLSR), the
 *   round trip proxy <-> that side is  arrival - SR passage - DLSR.
 * - What each remote reports about the media it receives (fraction lost,
 *   cumulative lost: loss downstream of the proxy included).
 *
 * Everything is per worker and written by the worker that receives the flow;
 * readers add the copies up (lib/session).
 */
#ifndef RTPP_RTPSTAT_H
#define RTPP_RTPSTAT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>

/* RFC 3550 appendix A.1's limits: a jump forward up to MAX_DROPOUT is loss,
 * up to MAX_MISORDER back is a late packet; anything else is a restart. */
#define RTPP_RTP_MAX_DROPOUT 3000
#define RTPP_RTP_MAX_MISORDER 100

#define RTPP_RTP_SEQ_SEEN 0x1

/* Sequence tracking of one RTP flow on one worker. 8 bytes. */
struct rtpp_rtp_seq {
	uint32_t lost;    /* packets missing so far (late arrivals taken back) */
	uint16_t max_seq; /* highest sequence number seen */
	uint16_t flags;   /* RTPP_RTP_SEQ_* */
};

/* The RTP header's first bytes, as far as loss tracking needs them. */
#define RTPP_RTP_HDR_LEN 12

/*
 * Is this UDP payload RTP (version 2, room for the fixed header) and not
 * RTCP multiplexed on the RTP port (RFC 5761: second byte 192..223)?
 */
static inline bool rtpp_rtp_is_rtp(const uint8_t *payload, uint32_t len)
{
	return len >= RTPP_RTP_HDR_LEN && (payload[0] & 0xc0) == 0x80 &&
	       (payload[1] < 192 || payload[1] > 223);
}

static inline bool rtpp_rtp_is_rtcp_mux(const uint8_t *payload, uint32_t len)
{
	return len >= 8 && (payload[0] & 0xc0) == 0x80 && payload[1] >= 192 && payload[1] <= 223;
}

static inline uint16_t rtpp_rtp_seq_of(const uint8_t *payload)
{
	return (uint16_t)((payload[2] << 8) | payload[3]);
}

/* Account one RTP packet with sequence number seq. */
static inline void rtpp_rtp_seq_update(struct rtpp_rtp_seq *s, uint16_t seq)
{
	uint16_t ahead = (uint16_t)(seq - s->max_seq);

	if (likely(ahead == 1 && (s->flags & RTPP_RTP_SEQ_SEEN))) {
		s->max_seq = seq;
		return;
	}
	if (unlikely(!(s->flags & RTPP_RTP_SEQ_SEEN))) {
		s->max_seq = seq;
		s->flags |= RTPP_RTP_SEQ_SEEN;
		return;
	}
	if (ahead == 0)
		return; /* duplicate of the newest */
	if (ahead < RTPP_RTP_MAX_DROPOUT) {
		s->lost += (uint32_t)(ahead - 1u);
		s->max_seq = seq;
		return;
	}
	if ((uint16_t)(s->max_seq - seq) <= RTPP_RTP_MAX_MISORDER) {
		/* A late packet fills a gap counted before. */
		if (s->lost > 0)
			s->lost--;
		return;
	}
	/* A jump: the sender restarted its numbering (new SSRC, re-INVITE). */
	s->max_seq = seq;
}

/* ---- RTCP ---- */

#define RTPP_RTCP_PT_SR 200
#define RTPP_RTCP_PT_RR 201
#define RTPP_RTCP_MAX_REPORTS 4 /* report blocks kept from one compound packet */

struct rtpp_rtcp_report {
	uint32_t ssrc;           /* the source this block is about */
	uint8_t fraction_lost;   /* since the previous report, in 1/256 */
	int32_t cumulative_lost; /* since the beginning (signed, 24 bits) */
	uint32_t ext_max_seq;
	uint32_t jitter; /* RTP timestamp units */
	uint32_t lsr;    /* middle 32 bits of the last SR's NTP time, 0: none */
	uint32_t dlsr;   /* delay since that SR, 1/65536 s */
};

struct rtpp_rtcp_info {
	bool has_sr;
	uint32_t sr_ssrc;
	uint32_t sr_lsr; /* middle 32 bits of the SR's NTP timestamp */
	unsigned int n_reports;
	struct rtpp_rtcp_report reports[RTPP_RTCP_MAX_REPORTS];
};

/*
 * Parse a compound RTCP packet (a UDP payload). 0 when it is well formed:
 * version 2, starts with SR or RR, and its packets' lengths tile the payload
 * exactly. Anything else (-EINVAL) is left alone: SRTCP, whose bodies are
 * encrypted, carries a trailer and so never tiles.
 */
int rtpp_rtcp_parse(const uint8_t *payload, uint32_t len, struct rtpp_rtcp_info *out);

/*
 * RTCP state of one leg on one worker (one cache line): the SRs this leg's
 * remote sent lately and when they passed, the round trips measured toward
 * this leg's remote, and the latest report it sent about what it receives.
 */
#define RTPP_RTCP_SR_KEPT 2
struct rtpp_rtcp_leg_state {
	uint64_t sr_tsc[RTPP_RTCP_SR_KEPT];
	uint32_t sr_lsr[RTPP_RTCP_SR_KEPT]; /* 0: empty */
	uint32_t sr_next;
	uint32_t rtt_count;
	uint64_t rtt_sum_tsc;
	uint64_t rtt_last_tsc;
	uint64_t report_tsc; /* when the latest report arrived, 0: none */
	int32_t report_cumulative_lost;
	uint8_t report_fraction_lost;
} __rte_cache_aligned;

/* Note an SR from this leg's remote passing at tsc. Its writer only. */
void rtpp_rtcp_sr_record(struct rtpp_rtcp_leg_state *s, uint32_t lsr, uint64_t tsc);
/* When did the SR with this LSR pass? Safe against a concurrent writer. */
bool rtpp_rtcp_sr_find(const struct rtpp_rtcp_leg_state *s, uint32_t lsr, uint64_t *tsc);

/*
 * Round trip in TSC cycles for a report that arrived at now_tsc, echoing an
 * SR that passed at sr_tsc, held dlsr (1/65536 s) at the reporter. false when
 * the figure is impossible (negative, or over 10 s: a stale or forged LSR).
 */
bool rtpp_rtcp_rtt(uint64_t now_tsc, uint64_t sr_tsc, uint32_t dlsr, uint64_t tsc_hz,
		   uint64_t *rtt_tsc);

/* Account one round trip and the latest report in the leg's state. */
void rtpp_rtcp_note_rtt(struct rtpp_rtcp_leg_state *s, uint64_t rtt_tsc);
void rtpp_rtcp_note_report(struct rtpp_rtcp_leg_state *s, const struct rtpp_rtcp_report *r,
			   uint64_t now_tsc);

/* A leg's RTCP state summed over workers (the control plane's view). */
struct rtpp_rtcp_summary {
	uint32_t rtt_count;
	uint64_t rtt_sum_tsc;
	uint64_t rtt_last_tsc;
	bool has_report;
	int32_t report_cumulative_lost;
	uint8_t report_fraction_lost;
};
void rtpp_rtcp_summarize(const struct rtpp_rtcp_leg_state *const *copies, unsigned int n,
			 struct rtpp_rtcp_summary *out);

#endif
