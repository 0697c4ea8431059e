/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the proxy learns by looking at the media it relays, without changing it:
 *
 * - RTP loss: gaps in the sequence numbers of each flow as it reaches the
 *   proxy (loss between the sender and the proxy). Kept in a few bytes of the
 *   flow's per-worker counters, so the hot path touches no extra cache line.
 * - Interarrival jitter of each RTP flow as it reaches the proxy (RFC 3550
 *   appendix A.8), in 16 bytes of the same line.
 * - Round-trip time between the proxy and each leg's remote, from RTCP
 *   (RFC 3550 section 6.4.1): when a sender report (SR) from one side passes
 *   through, the proxy notes when; when the other side's receiver report
 *   echoes that SR's timestamp (LSR) with its own holding delay (DLSR), the
 *   round trip proxy <-> that side is  arrival - SR passage - DLSR.
 * - What each remote reports about the media it receives (fraction lost,
 *   cumulative lost: loss downstream of the proxy included).
 * - What a payload arriving on a media port is (RTP, RTCP, STUN, DTLS, ZRTP,
 *   something else, or one of those whose header does not hold together), so
 *   that the data plane relays media and drops what is not.
 *
 * Everything is per worker and written by the worker that receives the flow;
 * readers add the copies up (lib/session).
 */
#ifndef RTPP_RTPSTAT_H
#define RTPP_RTPSTAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
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

/* Big-endian fields of packets, in host order. */
static inline uint32_t rtpp_rtp_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint32_t rtpp_rtp_be16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

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

/* The payload type (marker bit left out), timestamp and SSRC of an RTP
 * header of at least RTPP_RTP_HDR_LEN bytes, in host order. */
static inline uint8_t rtpp_rtp_pt_of(const uint8_t *payload)
{
	return payload[1] & 0x7f;
}

static inline uint32_t rtpp_rtp_ts_of(const uint8_t *payload)
{
	return rtpp_rtp_be32(payload + 4);
}

static inline uint32_t rtpp_rtp_ssrc_of(const uint8_t *payload)
{
	return rtpp_rtp_be32(payload + 8);
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

/* ---- Interarrival jitter (RFC 3550 appendix A.8) ---- */

/*
 * For each RTP packet i of a source, D = (R_i - R_i-1) - (S_i - S_i-1), R the
 * arrival and S the RTP timestamp, both in RTP clock units, and
 * J += (|D| - J) / 16. A.8's integer form keeps J * 16, four bits finer than
 * the unit: J16 += |D| - ((J16 + 8) >> 4); the figure an RTCP report would
 * carry is J16 >> 4.
 *
 * The arrival R is the TSC converted to the clock of the packet's payload
 * type, kept modulo 2^32 as RTP timestamps are: (tsc * mult) >> 32, where
 * mult = clock_rate * 2^32 / tsc_hz (rtpp_rtp_clock_mult). Both wrap
 * harmlessly: only differences modulo 2^32 are used, and a 64-bit TSC wrap
 * takes 2^64 * mult off the product, which is 0 modulo 2^32 once shifted.
 *
 * State of one flow on one worker, 16 bytes inside the flow's counter line.
 * Written by that worker only; a reader on another lcore (the control plane)
 * takes the copy of the worker that saw the latest packet.
 */
#define RTPP_RTP_JITTER_SEEN 0x1    /* ssrc and pt hold a packet's */
#define RTPP_RTP_JITTER_TRANSIT 0x2 /* transit holds a packet's of this ssrc and pt */

/*
 * A transit difference bigger than this many RTP units is not network
 * jitter but the sender jumping its timestamps (a new source behind the same
 * SSRC, a clock change): the packet is left out of the estimate, which goes
 * on from it. 2^18 units: 2.9 s at 90 kHz, 32 s at 8 kHz; a random jump is
 * this small once in 8,192. It also bounds J * 16 to 2^22, far from
 * overflowing 32 bits.
 */
#define RTPP_RTP_JITTER_MAX_D (1u << 18)

/*
 * ssrc, pt and flags lead, in that order: a packet of the same sender and
 * payload type as the previous one, the case of nearly every packet, is told
 * by one 64-bit comparison.
 */
struct rtpp_rtp_jitter {
	uint32_t ssrc;         /* the sender being measured */
	uint8_t pt;            /* latest packet's payload type: its clock converts jitter to ms */
	uint8_t flags;         /* RTPP_RTP_JITTER_* */
	uint16_t ssrc_changes; /* times a new SSRC took over (wraps) */
	uint32_t transit;      /* previous packet's arrival - RTP timestamp, in RTP units */
	uint32_t jitter;       /* J * 16 (A.8's integer form), RTP units */
};
_Static_assert(sizeof(struct rtpp_rtp_jitter) == 16, "the jitter state has 16 bytes of a line");
_Static_assert(offsetof(struct rtpp_rtp_jitter, pt) == 4 &&
		       offsetof(struct rtpp_rtp_jitter, flags) == 5,
	       "rtpp_rtp_jitter_update() reads ssrc, pt and flags as one word");

/*
 * RTP clock ticks per TSC cycle, times 2^32, rounded: the arrival of a packet
 * in RTP units is (tsc * mult) >> 32. 0 when clock_rate or tsc_hz is 0 (an
 * unknown clock). Any thread; compute it once per clock, not per packet.
 */
uint64_t rtpp_rtp_clock_mult(uint32_t clock_rate, uint64_t tsc_hz);

/*
 * RFC 3551's clock rate of a static payload type: 8000 for 0 PCMU, 3 GSM,
 * 4 G723, 5 DVI4, 7 LPC, 8 PCMA, 9 G722 (8000 though G.722 samples at 16 kHz,
 * RFC 3551 section 4.5.2), 12 QCELP, 13 CN, 15 G728, 18 G729; 16000 for
 * 6 DVI4; 11025 and 22050 for 16 and 17 DVI4; 44100 for 10 and 11 L16;
 * 90000 for 14 MPA, 25 CelB, 26 JPEG, 28 nv, 31 H261, 32 MPV, 33 MP2T,
 * 34 H263. 0 for dynamic types (96..127; the session's clock_rate is theirs),
 * for reserved and unassigned ones, and above 127. Any thread.
 */
uint32_t rtpp_rtp_static_clock_rate(uint8_t pt);

/*
 * Account one RTP packet (header fields in host order) that arrived at tsc.
 * mult: rtpp_rtp_clock_mult of its payload type's clock; 0 when the clock
 * is unknown, which follows the SSRC and payload type but measures nothing.
 *
 * A new SSRC (not the first one) counts a change and restarts the estimate.
 * A new payload type keeps J but starts transit afresh: its clock may differ.
 * A difference over RTPP_RTP_JITTER_MAX_D is left out (see above). The flow's
 * worker only.
 */
static inline void rtpp_rtp_jitter_update(struct rtpp_rtp_jitter *j, uint8_t pt, uint32_t ssrc,
					  uint32_t rtp_ts, uint64_t tsc, uint64_t mult)
{
	/* Bits 32..63 of the 64-bit product are those of the 128-bit one: what
	 * the multiplication loses is a multiple of 2^64, 0 modulo 2^32 once
	 * shifted. */
	uint32_t transit = (uint32_t)((tsc * mult) >> 32) - rtp_ts, d, jitter;
	/*
	 * Same SSRC, same payload type, a transit of the previous packet: one
	 * comparison of the state's first word. The word is composed with
	 * shifts: struct literals copied into it were built on the stack.
	 */
	uint64_t head;
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	const uint64_t mask = 0xffffffffffull | (uint64_t)RTPP_RTP_JITTER_TRANSIT << 40;
	const uint64_t want = (uint64_t)ssrc | (uint64_t)pt << 32 |
			      (uint64_t)RTPP_RTP_JITTER_TRANSIT << 40;
#else
	const uint64_t mask = 0xffffffffffull << 24 | (uint64_t)RTPP_RTP_JITTER_TRANSIT << 16;
	const uint64_t want = (uint64_t)ssrc << 32 | (uint64_t)pt << 24 |
			      (uint64_t)RTPP_RTP_JITTER_TRANSIT << 16;
#endif

	memcpy(&head, j, sizeof(head));
	if (unlikely((head & mask) != want || mult == 0)) {
		if (j->ssrc != ssrc || !(j->flags & RTPP_RTP_JITTER_SEEN)) {
			if (j->flags & RTPP_RTP_JITTER_SEEN)
				j->ssrc_changes++;
			j->ssrc = ssrc;
			j->flags = RTPP_RTP_JITTER_SEEN;
			__atomic_store_n(&j->jitter, 0, __ATOMIC_RELAXED);
		} else if (j->pt != pt) {
			j->flags &= (uint8_t)~RTPP_RTP_JITTER_TRANSIT;
		}
		j->pt = pt;
		if (mult == 0)
			return;
		if (!(j->flags & RTPP_RTP_JITTER_TRANSIT)) {
			j->transit = transit;
			j->flags |= RTPP_RTP_JITTER_TRANSIT;
			return;
		}
	}
	d = transit - j->transit;
	j->transit = transit;
	if ((int32_t)d < 0)
		d = -d;
	if (unlikely(d > RTPP_RTP_JITTER_MAX_D))
		return;
	jitter = j->jitter;
	jitter += d - ((jitter + 8) >> 4);
	__atomic_store_n(&j->jitter, jitter, __ATOMIC_RELAXED);
}

/* j's jitter in milliseconds, clock_rate being that of j->pt; 0.0 when
 * clock_rate is 0. Any thread. */
double rtpp_rtp_jitter_ms(const struct rtpp_rtp_jitter *j, uint32_t clock_rate);
/* The same from a J * 16 value already read (summed views of the control plane). */
double rtpp_rtp_jitter16_ms(uint32_t jitter16, uint32_t clock_rate);

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

/* ---- What a payload on a media port is (RFC 3550, RFC 5761, RFC 7983) ---- */

/*
 * The first byte tells the protocols apart (RFC 7983 section 7):
 *
 *   0..3     STUN: at least 20 bytes, magic cookie 0x2112A442 at bytes 4..7,
 *            message length (bytes 2..3) a multiple of 4 and 20 + length the
 *            whole payload (a datagram holds exactly one message).
 *   16..19   ZRTP: at least 12 bytes, "ZRTP" (0x5a525450) at bytes 4..7.
 *   20..31   DTLS record (DTLSPlaintext/DTLSCiphertext): at least 13 bytes,
 *            byte 1 is 254 (DTLS major version), 13 + record length (bytes
 *            11..12) fits in the payload (more records may follow).
 *   32..63   DTLS 1.3 encrypted record, unified header (RFC 9147 section 4):
 *            001CSLEE. The header (flags, connection ID if C, 1 or 2 bytes
 *            of sequence number, 2 bytes of length if L) leaves at least one
 *            byte of record, and a length present fits. The length of a
 *            connection ID is negotiated, so with C only the smallest header
 *            (a 1-byte ID) is checked.
 *   128..191 version 2: RTCP or RTP, below.
 *   others   NOT_MEDIA: 4..15, 64..79 (TURN channel data), 80..127 (version
 *            1 and unassigned), 192..255 (version 3), and an empty payload.
 *
 * Version 2 is RTCP on an RTCP port (port + 1), or on an RTP port when the
 * second byte is 192..223 (RFC 5761 section 4: RTCP multiplexed with RTP).
 * RTCP (RFC 3550 appendix A.2, with RFC 5506): at least 8 bytes, the first
 * packet's padding bit clear, its type one that may start a compound or a
 * reduced-size packet (200..207: SR, RR, SDES, BYE, APP, RTPFB, PSFB, XR),
 * and its length ((bytes 2..3) + 1) * 4 within the payload. The compound is
 * not required to tile the payload exactly: SRTCP appends an index and a tag.
 * On an RTCP port, a version 2 payload whose second byte is outside 192..223
 * (RTP, by its look) is MALFORMED.
 *
 * RTP (RFC 3550 section 5.1): 12 + 4 * CC bytes at least; with X, the 4-byte
 * extension header and its 4 * length bytes fit as well; with P, the last
 * byte (the padding count) is at least 1 and at most what follows the header
 * (CSRCs and extension included). With SRTP the last byte is the end of the
 * authentication tag, so a P bit on SRTP is checked against a tag byte.
 *
 * Who: any thread. The common case (RTP with no CSRC, extension or padding
 * on an RTP port) costs four comparisons.
 */
enum rtpp_media_kind {
	RTPP_MEDIA_RTP = 0,
	RTPP_MEDIA_RTCP,
	RTPP_MEDIA_STUN,
	RTPP_MEDIA_DTLS,
	RTPP_MEDIA_ZRTP,
	/* None of the above: first byte outside their ranges, TURN channel data,
	 * RTP version other than 2, an empty payload. */
	RTPP_MEDIA_NOT_MEDIA,
	/* One of the above by its first byte, but its header does not hold together. */
	RTPP_MEDIA_MALFORMED,
};

#define RTPP_MEDIA_STUN_HDR_LEN 20
#define RTPP_MEDIA_STUN_COOKIE 0x2112a442u
#define RTPP_MEDIA_ZRTP_HDR_LEN 12
#define RTPP_MEDIA_ZRTP_MAGIC 0x5a525450u /* "ZRTP" */
#define RTPP_MEDIA_DTLS_HDR_LEN 13
#define RTPP_MEDIA_DTLS_MAJOR 254
#define RTPP_MEDIA_RTCP_MIN_LEN 8

/* Version 2 on an RTP port, not multiplexed RTCP: does the header hold together? */
static inline enum rtpp_media_kind rtpp_media_check_rtp(const uint8_t *p, uint32_t len)
{
	uint32_t hdr = RTPP_RTP_HDR_LEN + 4u * (p[0] & 0x0fu);

	if (len < hdr)
		return RTPP_MEDIA_MALFORMED;
	if (p[0] & 0x10) {
		uint32_t ext;

		if (len - hdr < 4)
			return RTPP_MEDIA_MALFORMED;
		ext = 4u * rtpp_rtp_be16(p + hdr + 2);
		hdr += 4;
		if (len - hdr < ext)
			return RTPP_MEDIA_MALFORMED;
		hdr += ext;
	}
	if (p[0] & 0x20) {
		uint32_t pad = p[len - 1];

		if (pad == 0 || pad > len - hdr)
			return RTPP_MEDIA_MALFORMED;
	}
	return RTPP_MEDIA_RTP;
}

/* Version 2 on an RTCP port, or multiplexed: only the first packet is looked at. */
static inline enum rtpp_media_kind rtpp_media_check_rtcp(const uint8_t *p, uint32_t len)
{
	if (len < RTPP_MEDIA_RTCP_MIN_LEN || (p[0] & 0x20))
		return RTPP_MEDIA_MALFORMED;
	/* SR or RR start a compound (RFC 3550 6.1); RFC 5506 lets a reduced-size
	 * packet start with any of the others of 200..207 (browsers send lone
	 * feedback packets, RTPFB and PSFB, that way). */
	if (p[1] < RTPP_RTCP_PT_SR || p[1] > RTPP_RTCP_PT_SR + 7)
		return RTPP_MEDIA_MALFORMED;
	if ((rtpp_rtp_be16(p + 2) + 1u) * 4u > len)
		return RTPP_MEDIA_MALFORMED;
	return RTPP_MEDIA_RTCP;
}

/* First byte 32..63: a DTLS 1.3 unified header, 001CSLEE. */
static inline enum rtpp_media_kind rtpp_media_check_dtls13(const uint8_t *p, uint32_t len)
{
	uint32_t hdr = 1u + ((p[0] & 0x10) ? 1u : 0u) + ((p[0] & 0x08) ? 2u : 1u);

	if (p[0] & 0x04) {
		if (len < hdr + 2)
			return RTPP_MEDIA_MALFORMED;
		/* Where the length is depends on the connection ID's length. */
		if (!(p[0] & 0x10)) {
			uint32_t rec = rtpp_rtp_be16(p + hdr);

			if (rec == 0 || rec > len - hdr - 2)
				return RTPP_MEDIA_MALFORMED;
			return RTPP_MEDIA_DTLS;
		}
		hdr += 2;
	}
	return len > hdr ? RTPP_MEDIA_DTLS : RTPP_MEDIA_MALFORMED;
}

/* Everything but the common RTP case. */
static inline enum rtpp_media_kind rtpp_media_classify_slow(const uint8_t *p, uint32_t len,
							    bool rtcp_port)
{
	uint8_t b0;

	if (len == 0)
		return RTPP_MEDIA_NOT_MEDIA;
	b0 = p[0];
	if ((b0 & 0xc0) == 0x80) {
		bool rtcp_pt;

		/* Neither is shorter (and the second byte must be there to read). */
		if (len < RTPP_MEDIA_RTCP_MIN_LEN)
			return RTPP_MEDIA_MALFORMED;
		rtcp_pt = (uint8_t)(p[1] - 192) < 32;
		if (rtcp_pt)
			return rtpp_media_check_rtcp(p, len);
		return rtcp_port ? RTPP_MEDIA_MALFORMED : rtpp_media_check_rtp(p, len);
	}
	if (b0 < 4) {
		uint32_t msg;

		if (len < RTPP_MEDIA_STUN_HDR_LEN || rtpp_rtp_be32(p + 4) != RTPP_MEDIA_STUN_COOKIE)
			return RTPP_MEDIA_MALFORMED;
		msg = rtpp_rtp_be16(p + 2);
		if ((msg & 3) != 0 || RTPP_MEDIA_STUN_HDR_LEN + msg != len)
			return RTPP_MEDIA_MALFORMED;
		return RTPP_MEDIA_STUN;
	}
	if (b0 >= 16 && b0 < 20) {
		if (len < RTPP_MEDIA_ZRTP_HDR_LEN || rtpp_rtp_be32(p + 4) != RTPP_MEDIA_ZRTP_MAGIC)
			return RTPP_MEDIA_MALFORMED;
		return RTPP_MEDIA_ZRTP;
	}
	if (b0 >= 20 && b0 < 32) {
		if (len < RTPP_MEDIA_DTLS_HDR_LEN || p[1] != RTPP_MEDIA_DTLS_MAJOR ||
		    RTPP_MEDIA_DTLS_HDR_LEN + rtpp_rtp_be16(p + 11) > len)
			return RTPP_MEDIA_MALFORMED;
		return RTPP_MEDIA_DTLS;
	}
	if (b0 >= 32 && b0 < 64)
		return rtpp_media_check_dtls13(p, len);
	return RTPP_MEDIA_NOT_MEDIA;
}

/*
 * What a UDP payload of len bytes arriving on a media port is, by the rules
 * above. rtcp_port: it arrived on an RTCP port (port + 1), where version 2
 * must be RTCP; on an RTP port multiplexed RTCP is recognised by its second
 * byte. Reads only within len bytes; payload may be NULL when len is 0.
 */
static inline enum rtpp_media_kind rtpp_media_classify(const uint8_t *payload, uint32_t len,
						       bool rtcp_port)
{
	/* Version 2, no padding, extension or CSRC, second byte not RTCP's. */
	if (likely(len >= RTPP_RTP_HDR_LEN && payload[0] == 0x80 && !rtcp_port &&
		   (uint8_t)(payload[1] - 192) >= 32))
		return RTPP_MEDIA_RTP;
	return rtpp_media_classify_slow(payload, len, rtcp_port);
}

/* "rtp", "rtcp", "stun", "dtls", "zrtp", "not_media", "malformed" (counter
 * and log names); "unknown" for a value outside the enum. Any thread. */
const char *rtpp_media_kind_name(enum rtpp_media_kind k);

#endif
