/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker loop: the only code that touches packets at line rate.
 * No locks, no syscalls, no allocation; every counter is this lcore's own.
 */
#include <errno.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_hash.h>
#include <rte_lcore.h>
#include <rte_prefetch.h>

#include <rte_malloc.h>

#include "rtpp_dataplane_test.h"
#include "rtpp_packet.h"
#include "rtpp_rtp.h"
#include "worker_private.h"

static inline void txbuf_add(struct rtpp_txbuf *b, struct rte_mbuf *m,
			     struct rtpp_flow_counters *fc)
{
	b->pkts[b->n] = m;
	b->flow[b->n] = fc;
	b->n++;
}

/*
 * Send what is buffered for one queue. Counters were bumped when the packet
 * was buffered; what the queue refuses is taken back and counted as a drop.
 */
static inline void txbuf_flush(struct rtpp_txbuf *b, uint16_t port_id, uint16_t queue,
			       uint64_t *dropped_counter, uint64_t *undo_packets,
			       uint64_t *undo_bytes)
{
	uint16_t sent = rte_eth_tx_burst(port_id, queue, b->pkts, b->n);

	for (uint16_t i = sent; i < b->n; i++) {
		struct rte_mbuf *m = b->pkts[i];
		struct rtpp_flow_counters *fc = b->flow[i];

		if (fc != NULL) {
			fc->tx_bytes -= m->pkt_len;
			fc->drop_tx_full++;
		}
		(*undo_packets)--;
		if (undo_bytes != NULL)
			*undo_bytes -= m->pkt_len;
		(*dropped_counter)++;
		rte_pktmbuf_free(m);
	}
	b->n = 0;
}

void rtpp_worker_flush(struct rtpp_worker *w)
{
	struct rtpp_dataplane *dp = w->dp;

	for (unsigned int i = 0; i < dp->n_ifaces; i++) {
		struct rtpp_iface_counters *pc = &w->iface_counters[i];
		struct rtpp_txbuf *b = &w->to_wire[i];

		if (b->n) {
			/*
			 * The interface's counters are bumped here, once per burst
			 * rather than for each packet as it is buffered; the
			 * bytes before sending, since a sent mbuf is no longer ours.
			 */
			uint64_t bytes = 0;

			for (uint16_t k = 0; k < b->n; k++)
				bytes += b->pkts[k]->pkt_len;
			pc->tx_packets += b->n;
			pc->tx_bytes += bytes;
			txbuf_flush(b, dp->ifaces[i].port_id, w->id, &pc->tx_dropped,
				    &pc->tx_packets, &pc->tx_bytes);
		}
		if (w->to_kernel[i].n)
			txbuf_flush(&w->to_kernel[i], dp->ifaces[i].tap_port_id, w->id,
				    &pc->kernel_dropped, &pc->to_kernel, NULL);
	}
}

/* Toward an interface's wire; its counters are bumped by rtpp_worker_flush(). */
static inline void wire_add(struct rtpp_worker *w, uint16_t iface, struct rte_mbuf *m,
			    struct rtpp_flow_counters *fc)
{
	txbuf_add(&w->to_wire[iface], m, fc);
}

/* What the kernel is handed, each kind with a budget of its own. */
enum kernel_kind {
	KERNEL_OTHER = 0, /* the rest: dataplane.kernel_rate_pps */
	KERNEL_CONTROL,   /* ARP, neighbour discovery, ICMP: dataplane.kernel_control_pps */
	KERNEL_TCP,       /* segments to a TCP session's endpoint: tcp.kernel_pps */
};

/*
 * Hand a packet to the kernel through the interface's TAP: one system call
 * per packet on the TAP's side, so what a worker may hand over is metered
 * (dataplane.kernel_rate_pps): a flood at unknown ports costs the worker a
 * meter check per packet, not a write. ARP, neighbour discovery and ICMP
 * (control) have a budget of their own that the rest cannot eat, and so do
 * TCP sessions, whose media would otherwise be held to the budget meant
 * for strays (and a stray flood would starve them).
 */
static inline void kernel_add(struct rtpp_worker *w, uint16_t iface, struct rte_mbuf *m,
			      enum kernel_kind kind, uint64_t now_tsc)
{
	struct rtpp_dataplane *dp = w->dp;
	struct rtpp_kernel_meter *km = &w->kernel_meter[iface];
	const struct rtpp_kernel_limit *limit = kind == KERNEL_CONTROL ? &dp->kernel_control :
						kind == KERNEL_TCP     ? &dp->kernel_tcp :
									 &dp->kernel_other;
	struct rte_meter_srtcm *meter = kind == KERNEL_CONTROL ? &km->control :
					kind == KERNEL_TCP     ? &km->tcp :
								 &km->other;

	if (unlikely(!dp->ifaces[iface].has_tap)) {
		w->iface_counters[iface].kernel_dropped++;
		rte_pktmbuf_free(m);
		return;
	}
	if (limit->on &&
	    rte_meter_srtcm_color_blind_check(meter, (struct rte_meter_srtcm_profile *)&limit->profile,
					      now_tsc, 1) != RTE_COLOR_GREEN) {
		w->iface_counters[iface].kernel_rate_limited++;
		rte_pktmbuf_free(m);
		return;
	}
	w->iface_counters[iface].to_kernel++;
	txbuf_add(&w->to_kernel[iface], m, NULL);
}

/* Control, a TCP session's segment (its keys are of protocol 6), or the rest. */
static inline enum kernel_kind kernel_kind_of(const struct rte_hash *h, const uint8_t *frame,
					      uint32_t len)
{
	struct rtpp_flow_key k;
	const uint8_t *addr;
	uint16_t port_be;
	uint8_t family;

	if (rtpp_pkt_is_icmp(frame, len))
		return KERNEL_CONTROL;
	if (!rtpp_pkt_tcp_dst(frame, len, &family, &addr, &port_be))
		return KERNEL_OTHER;
	rtpp_flow_key_make(&k, family, addr, port_be, RTPP_PROTO_TCP);
	return rte_hash_lookup(h, &k) >= 0 ? KERNEL_TCP : KERNEL_OTHER;
}

static inline void snoop_neighbour(struct rtpp_worker *w, uint16_t iface, const uint8_t *frame,
				   uint32_t len)
{
	struct rtpp_neigh_learn l;

	switch (rtpp_neigh_snoop(frame, len, &l)) {
	case RTPP_NEIGH_SNOOP_LEARNT:
		l.iface = iface;
		/* Full ring: the binding is learnt from the next packet instead. */
		rte_ring_mp_enqueue_elem(w->dp->learn_ring, &l, sizeof(l));
		break;
	case RTPP_NEIGH_SNOOP_REFUSED: /* forged or broken: the kernel judges it on its own */
		w->iface_counters[iface].neigh_refused++;
		break;
	default:
		break;
	}
}

/*
 * RTCP passing through (a few packets per second per stream: off the hot
 * path). An SR from this leg's remote is noted; a report block echoing an SR
 * that the other leg's remote sent gives the round trip to this leg's remote.
 * The other leg's SRs may have passed through any worker.
 */
static __rte_noinline void inspect_rtcp(struct rtpp_worker *w, uint32_t session,
					unsigned int leg, const uint8_t *payload, uint32_t len,
					uint64_t now_tsc)
{
	struct rtpp_dataplane *dp = w->dp;
	struct rtpp_rtcp_leg_state *mine = &w->rtcp_state[session * RTPP_LEGS_PER_SESSION + leg];
	struct rtpp_rtcp_info info;

	if (rtpp_rtcp_parse(payload, len, &info) != 0)
		return;
	if (info.has_sr)
		rtpp_rtcp_sr_record(mine, info.sr_lsr, now_tsc);
	if (info.n_reports > 0)
		rtpp_rtcp_note_report(mine, &info.reports[0], now_tsc);
	for (unsigned int r = 0; r < info.n_reports; r++) {
		for (uint16_t k = 0; k < dp->n_workers; k++) {
			const struct rtpp_rtcp_leg_state *theirs =
				&dp->workers[k]->rtcp_state[session * RTPP_LEGS_PER_SESSION + (leg ^ 1)];
			uint64_t sr_tsc, rtt;

			if (rtpp_rtcp_sr_find(theirs, info.reports[r].lsr, &sr_tsc)) {
				if (rtpp_rtcp_rtt(now_tsc, sr_tsc, info.reports[r].dlsr,
						  rte_get_tsc_hz(), &rtt))
					rtpp_rtcp_note_rtt(mine, rtt);
				return; /* one round trip per packet */
			}
		}
	}
}

/*
 * Does a packet's source address (at src, network order) equal addr? Fixed
 * size loads rather than memcmp with a length known only at run time: this
 * runs for every packet (strict source).
 */
static inline bool addr_bytes_equal(const uint8_t *src, const struct rtpp_addr *addr, uint8_t family)
{
	if (family == RTPP_AF_INET) {
		uint32_t a, b;

		memcpy(&a, src, 4);
		memcpy(&b, addr->bytes, 4);
		return a == b;
	}
	uint64_t a[2], b[2];

	memcpy(a, src, 16);
	memcpy(b, addr->bytes, 16);
	return ((a[0] ^ b[0]) | (a[1] ^ b[1])) == 0;
}

/*
 * Is the packet's source exactly addr:port (port in network order)? For
 * IPv4, one test of the three differences together: every relayed packet
 * passes here, from either leg, and a branch per field would follow the
 * direction of the packets rather than be predicted.
 */
static inline bool source_is(const uint8_t *frame, const struct rtpp_udp_view *v,
			     const struct rtpp_addr *addr, uint16_t port_be)
{
	const struct rte_udp_hdr *udp = rtpp_pkt_udp((uint8_t *)(uintptr_t)frame, v);

	if (likely(v->family == RTPP_AF_INET)) {
		uint32_t a, b;

		memcpy(&a, rtpp_pkt_src_addr(frame, v), 4);
		memcpy(&b, addr->bytes, 4);
		return ((a ^ b) | (uint32_t)(udp->src_port ^ port_be) |
			(uint32_t)(addr->family ^ RTPP_AF_INET)) == 0;
	}
	return addr->family == v->family && udp->src_port == port_be &&
	       addr_bytes_equal(rtpp_pkt_src_addr(frame, v), addr, v->family);
}

/* Is the packet's source address (any port) addr? */
static inline bool source_addr_is(const uint8_t *frame, const struct rtpp_udp_view *v,
				  const struct rtpp_addr *addr)
{
	return addr->family == v->family &&
	       addr_bytes_equal(rtpp_pkt_src_addr(frame, v), addr, v->family);
}

/*
 * Tell the main lcore of a source it should decide on: a learning leg's
 * candidate, the same SSRC from a new address (NAT rebinding), an RTCP port
 * that is not remote port + 1. At most one report per flow per worker per
 * candidate_gap: the main lcore takes the first and ignores the rest.
 */
static __rte_noinline void post_candidate(struct rtpp_worker *w, uintptr_t flow, uint32_t path_seq,
					  const uint8_t *frame, const struct rtpp_udp_view *v,
					  uint32_t ssrc, struct rtpp_flow_counters *fc,
					  uint64_t now_tsc)
{
	struct rtpp_dataplane *dp = w->dp;
	const struct rte_udp_hdr *udp = rtpp_pkt_udp((uint8_t *)(uintptr_t)frame, v);
	struct rtpp_latch_candidate c;

	if (fc->candidate_tsc != 0 && now_tsc - fc->candidate_tsc < dp->candidate_gap_tsc)
		return;
	fc->candidate_tsc = now_tsc;
	memset(&c, 0, sizeof(c));
	c.flow = (uint32_t)flow;
	c.path_seq = path_seq;
	c.src.addr.family = v->family;
	memcpy(c.src.addr.bytes, rtpp_pkt_src_addr(frame, v), v->family == RTPP_AF_INET ? 4 : 16);
	c.src.port = rte_be_to_cpu_16(udp->src_port);
	c.ssrc = ssrc;
	rte_ether_addr_copy(&((const struct rte_ether_hdr *)frame)->src_addr, &c.mac);
	c.tsc = now_tsc;
	if (rte_ring_mp_enqueue_elem(dp->latch_ring, &c, sizeof(c)) != 0)
		__atomic_fetch_add(&dp->events_lost, 1, __ATOMIC_RELAXED);
}

/*
 * A packet on a leg that is still learning its remote. A source is eligible
 * when it is the expected address (any port: NAT rewrites ports), or, with
 * no expected address, while the learning window is open. Eligible RTP is a
 * candidate for the latch; eligible packets are relayed meanwhile, so the
 * caller's first words reach the callee. Returns whether the packet is admitted.
 */
static __rte_noinline bool learning_source(struct rtpp_worker *w, uintptr_t flow,
					   const struct rtpp_path *in, uint32_t sn,
					   const uint8_t *frame, const struct rtpp_udp_view *v,
					   enum rtpp_media_kind kind, const uint8_t *payload,
					   struct rtpp_flow_counters *fc, uint64_t now_tsc)
{
	const struct rtpp_path *live = &rtpp_session_paths(w->dp->sessions)[rtpp_flow_path(flow)];
	const struct rtpp_leg_learn *learn = &rtpp_session_learn_array(
		w->dp->sessions)[rtpp_flow_path(flow)];
	struct rtpp_leg_learn rules = *learn;
	bool eligible;

	/* The rules changed while we read them: this packet is refused, the next one sees the new. */
	if (rte_seqcount_read_retry(&live->seq, sn))
		return false;
	if (rules.expected.family != RTPP_AF_NONE)
		eligible = source_addr_is(frame, v, &rules.expected);
	else
		eligible = rules.window_end_tsc == 0 || now_tsc < rules.window_end_tsc;
	if (eligible && kind == RTPP_MEDIA_RTP && !rtpp_flow_rtcp(flow))
		post_candidate(w, flow, sn, frame, v, rtpp_rtp_ssrc_of(payload), fc, now_tsc);
	return eligible || !(in->flags & RTPP_LEG_F_STRICT);
}

/*
 * A packet whose source is not the leg's remote, under strict source: it is
 * refused, but two cases are worth the main lcore's look. RTCP from the
 * remote's address at another port than remote + 1, before any RTCP came:
 * admitted, and its port becomes the RTCP remote. The latched SSRC from a
 * new address: a NAT rebinding if the latched source has gone silent.
 */
static __rte_noinline bool foreign_source(struct rtpp_worker *w, uintptr_t flow,
					  const struct rtpp_path *in, uint32_t sn,
					  const uint8_t *frame, const struct rtpp_udp_view *v,
					  enum rtpp_media_kind kind, const uint8_t *payload,
					  struct rtpp_flow_counters *fc, uint64_t now_tsc)
{
	if (rtpp_flow_rtcp(flow)) {
		if (!(in->flags & RTPP_LEG_F_RTCP_CONFIRMED) && source_addr_is(frame, v, &in->src)) {
			post_candidate(w, flow, sn, frame, v, 0, fc, now_tsc);
			return true;
		}
	} else if (kind == RTPP_MEDIA_RTP && in->learning == RTPP_LEARN_LATCHED) {
		/* The latched SSRC is the leg's, off the path's line: this is not the hot path. */
		uint32_t ssrc = __atomic_load_n(&rtpp_session_array(
							 w->dp->sessions)[rtpp_flow_session(flow)]
							 .leg[rtpp_flow_leg(flow)]
							 .ssrc,
						__ATOMIC_RELAXED);

		if (ssrc != 0 && rtpp_rtp_ssrc_of(payload) == ssrc)
			post_candidate(w, flow, sn, frame, v, ssrc, fc, now_tsc);
	}
	fc->drop_foreign_source++;
	return false;
}

/*
 * May this packet enter through its leg? Counts the refusals of foreign
 * sources. The usual case, the leg's known remote at its known port, is
 * decided before (source_is_remote); this is the rest.
 */
static __rte_noinline bool source_admitted(struct rtpp_worker *w, uintptr_t flow,
					   const struct rtpp_path *in, uint32_t sn,
					   const uint8_t *frame, const struct rtpp_udp_view *v,
					   enum rtpp_media_kind kind, const uint8_t *payload,
					   struct rtpp_flow_counters *fc, uint64_t now_tsc)
{
	switch (in->learning) {
	case RTPP_LEARN_GIVEN:
	case RTPP_LEARN_LATCHED:
		if (source_is(frame, v, &in->src, in->src_port_be[rtpp_flow_rtcp(flow)])) {
			/* RTCP from remote port + 1 itself: that port is the RTCP remote for good. */
			if (unlikely(rtpp_flow_rtcp(flow) && !(in->flags & RTPP_LEG_F_RTCP_CONFIRMED)))
				post_candidate(w, flow, sn, frame, v, 0, fc, now_tsc);
			return true;
		}
		if (!(in->flags & RTPP_LEG_F_STRICT))
			return true;
		return foreign_source(w, flow, in, sn, frame, v, kind, payload, fc, now_tsc);
	case RTPP_LEARN_OPEN:
	case RTPP_LEARN_EXPECTED:
		if (!learning_source(w, flow, in, sn, frame, v, kind, payload, fc, now_tsc)) {
			fc->drop_foreign_source++;
			return false;
		}
		return true;
	default: /* the window closed with nothing learnt */
		if (in->flags & RTPP_LEG_F_STRICT) {
			fc->drop_foreign_source++;
			return false;
		}
		return true;
	}
}

/*
 * The packet comes from the leg's remote, given or latched, at its port; for
 * RTCP, at a port that RTCP itself confirmed. All that a relayed packet of a
 * call in progress needs to pass the source rules.
 */
static inline bool source_is_remote(const struct rtpp_path *in, unsigned int rtcp,
				    const uint8_t *frame, const struct rtpp_udp_view *v)
{
	const unsigned int need = RTPP_PATH_F_SOURCE_KNOWN | (rtcp ? RTPP_LEG_F_RTCP_CONFIRMED : 0);

	return (in->flags & need) == need && source_is(frame, v, &in->src, in->src_port_be[rtcp]);
}

/*
 * Take credit from one of a flow's meters: a batch if the bucket holds it,
 * else just what this packet needs. With no limit on this meter, the largest
 * batch: never more, so that a limit set later by UpdateSession applies
 * within a batch.
 */
static inline bool meter_grant(struct rte_meter_srtcm *m, struct rte_meter_srtcm_profile *p,
			       uint64_t limit, uint32_t batch, uint32_t need, uint32_t *credit,
			       uint32_t batch_max, uint64_t now_tsc)
{
	if (limit == 0) {
		*credit += RTE_MAX(batch_max, need);
		return true;
	}
	if (batch > need &&
	    rte_meter_srtcm_color_blind_check(m, p, now_tsc, batch) == RTE_COLOR_GREEN) {
		*credit += batch;
		return true;
	}
	if (rte_meter_srtcm_color_blind_check(m, p, now_tsc, need) == RTE_COLOR_GREEN) {
		*credit += need;
		return true;
	}
	return false;
}

/* The flow's credit ran out: ask its meters for more. */
static __rte_noinline bool rate_refill(const struct rtpp_dataplane *dp, uint16_t profile,
				       struct rtpp_flow_counters *fc, uint32_t ip_len,
				       uint64_t now_tsc)
{
	struct rtpp_rate_profile *p = &dp->rate_profiles[profile];

	if (fc->credit_packets == 0 &&
	    !meter_grant(&fc->meter_pps, &p->pps, p->pps_limit, p->batch_packets, 1,
			 &fc->credit_packets, RTPP_RATE_BATCH_PACKETS_MAX, now_tsc))
		return false;
	if (fc->credit_bytes < ip_len &&
	    !meter_grant(&fc->meter_bps, &p->bps, p->bps_limit, p->batch_bytes,
			 ip_len - fc->credit_bytes, &fc->credit_bytes, RTPP_RATE_BATCH_BYTES_MAX,
			 now_tsc))
		return false;
	return true;
}

/*
 * The session's rate limit: rte_meter srTCM per flow and worker, packets/s
 * and bits/s. The meters are asked for a millisecond's worth of the limit at
 * a time (at most 16 packets, 16 KiB; one packet's worth when the bucket is
 * lower than that), kept as the flow's credit on its first line: the meters'
 * division and their cache line are paid once per batch, not per packet. A
 * flow may so get ahead of its bucket by one batch; it never gets more than
 * the buckets grant.
 */
static inline bool rate_admitted(const struct rtpp_dataplane *dp, uint16_t profile,
				 struct rtpp_flow_counters *fc, uint32_t ip_len, uint64_t now_tsc)
{
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	/*
	 * The two credits as one word, packets in its low half: one test each
	 * and one subtraction takes the packet and its bytes (the packets never
	 * borrow from the bytes: there is one at least). Written apart, the
	 * compiler made vector code of them.
	 */
	RTE_BUILD_BUG_ON(offsetof(struct rtpp_flow_counters, credit_bytes) !=
			 offsetof(struct rtpp_flow_counters, credit_packets) + 4);
	uint64_t credit;

	memcpy(&credit, &fc->credit_packets, sizeof(credit));
	if (unlikely((uint32_t)credit == 0 || (uint32_t)(credit >> 32) < ip_len)) {
		if (!rate_refill(dp, profile, fc, ip_len, now_tsc))
			return false;
		memcpy(&credit, &fc->credit_packets, sizeof(credit));
	}
	credit -= (uint64_t)ip_len << 32 | 1;
	memcpy(&fc->credit_packets, &credit, sizeof(credit));
#else
	if (unlikely(fc->credit_packets == 0 || fc->credit_bytes < ip_len) &&
	    !rate_refill(dp, profile, fc, ip_len, now_tsc))
		return false;
	fc->credit_packets--;
	fc->credit_bytes -= ip_len;
#endif
	return true;
}

/* Loss and jitter of RTP, round trips of RTCP, the count of STUN/DTLS. */
static inline void inspect_media(struct rtpp_worker *w, uintptr_t flow, const struct rtpp_path *in,
				 enum rtpp_media_kind kind, const uint8_t *payload, uint32_t len,
				 struct rtpp_flow_counters *fc, uint64_t now_tsc)
{
	if (likely(kind == RTPP_MEDIA_RTP)) {
		uint8_t pt = rtpp_rtp_pt_of(payload);

		rtpp_rtp_seq_update(&fc->rtp, rtpp_rtp_seq_of(payload));
		rtpp_rtp_jitter_update(&fc->jitter, pt, rtpp_rtp_ssrc_of(payload),
				       rtpp_rtp_ts_of(payload), now_tsc,
				       pt < RTPP_RTP_PT_DYNAMIC ? w->dp->static_clock_mult[pt] :
								  in->clock_mult);
	} else if (kind == RTPP_MEDIA_RTCP) {
		inspect_rtcp(w, rtpp_flow_session(flow), rtpp_flow_leg(flow), payload, len, now_tsc);
	} else if (kind != RTPP_MEDIA_NOT_MEDIA && kind != RTPP_MEDIA_MALFORMED) {
		fc->stun_dtls++;
	}
}

/* How a path rewrites a packet it relays (a macro: each use is a value of its own). */
#define REWRITE_OF(path, rtcp, src_addr_, egress, dst_mac_)                   \
	((struct rtpp_rewrite){ .src_addr = (src_addr_),                      \
				.dst_addr = &(path)->dst,                     \
				.src_port_be = (path)->local_port_be[(rtcp)], \
				.dst_port_be = (path)->dst_port_be[(rtcp)],   \
				.src_mac = &(egress)->mac,                    \
				.dst_mac = (dst_mac_) })

/*
 * IPv4 to IPv6 or back, out of line: the rewrite gets its own copy, so that
 * the one of the usual path never leaves registers for the stack.
 */
static __rte_noinline uint8_t *rewrite_cross_family(struct rte_mbuf *m, const struct rtpp_udp_view *v,
						    struct rtpp_rewrite rw)
{
	return rtpp_pkt_rewrite_cross_family(m, v, &rw);
}

static inline void drop(struct rte_mbuf *m, uint64_t *counter)
{
	(*counter)++;
	rte_pktmbuf_free(m);
}

/*
 * Forward one packet that matched a session flow. In order: what it is
 * (validation), whether its source may send here (strict source, learning),
 * whether the direction is paused or over its rate; then it counts as media
 * (timeouts, state, quality) and leaves toward the other leg's remote. All
 * of it from one line of the session, the flow's path.
 */
static inline void forward_one(struct rtpp_worker *w, struct rte_mbuf *m,
			       const struct rtpp_udp_view *v, uintptr_t flow,
			       const struct rtpp_path *paths, const struct rtpp_addr *local_addrs,
			       const struct rtpp_neigh_entry *neigh, uint64_t now_tsc)
{
	struct rtpp_dataplane *dp = w->dp;
	const unsigned int rtcp = rtpp_flow_rtcp(flow);
	struct rtpp_flow_counters *fc = &w->flow_counters[rtpp_flow_slot(flow)];
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	const uint8_t *payload = frame + v->l4_off + sizeof(struct rte_udp_hdr);
	const uint32_t len = (uint32_t)v->udp_len - (uint32_t)sizeof(struct rte_udp_hdr);
	const struct rte_ether_addr *dst_mac;
	struct rtpp_path path;
	enum rtpp_media_kind kind;
	uint32_t sn;

	fc->rx_packets++;
	fc->rx_bytes += m->pkt_len;
	sn = rtpp_path_snapshot(&paths[rtpp_flow_path(flow)], &path);

	kind = rtpp_media_classify(payload, len, rtcp != 0);
	if (unlikely(kind >= RTPP_MEDIA_NOT_MEDIA) && !(path.flags & RTPP_LEG_F_RELAY_ANY)) {
		drop(m, kind == RTPP_MEDIA_NOT_MEDIA ? &fc->drop_not_media : &fc->drop_malformed);
		return;
	}
	if (unlikely(!source_is_remote(&path, rtcp, frame, v)) &&
	    !source_admitted(w, flow, &path, sn, frame, v, kind, payload, fc, now_tsc)) {
		rte_pktmbuf_free(m);
		return;
	}
	/* Media from where it should come: the session lives (timeouts) even when held or limited. */
	if (unlikely(fc->last_rx_tsc == 0)) {
		/*
		 * First packet of this flow on this worker: the main lcore decides
		 * what it means. The session's id tells it from a later session in
		 * the same slot (the slot cannot be reused while this worker is
		 * inside its burst, so the id read here is this session's). Should
		 * the ring be full, the main lcore's sweep finds the media anyway.
		 */
		struct rtpp_flow_event ev = {
			.session_id = rtpp_session_get_info(dp->sessions, rtpp_flow_session(flow))->id,
			.flow = (uint32_t)flow,
			.kind = RTPP_FLOW_EVENT_FIRST_PACKET,
		};

		if (rte_ring_mp_enqueue_elem(dp->event_ring, &ev, sizeof(ev)) != 0)
			__atomic_fetch_add(&dp->events_lost, 1, __ATOMIC_RELAXED);
	}
	fc->last_rx_tsc = now_tsc;
	/* Loss and jitter are the network's before the proxy: measured before our own drops. */
	inspect_media(w, flow, &path, kind, payload, len, fc, now_tsc);
	if (unlikely(path.flags & RTPP_LEG_F_PAUSED)) {
		drop(m, &fc->drop_paused);
		return;
	}
	if (unlikely(path.meter != 0) &&
	    !rate_admitted(dp, path.meter, fc, (uint32_t)v->l3_len + v->udp_len, now_tsc)) {
		drop(m, &fc->drop_rate_limit);
		return;
	}

	if (unlikely(path.dst.family == RTPP_AF_NONE)) {
		drop(m, &fc->drop_no_remote);
		return;
	}
	dst_mac = rtpp_neigh_mac(neigh, path.neigh);
	if (unlikely(dst_mac == NULL)) {
		drop(m, &fc->drop_no_neighbour);
		return;
	}
	const struct rtpp_addr *src_addr = &local_addrs[path.local_addr];
	const struct rtpp_dataplane_iface *egress = &dp->ifaces[path.iface];

	if (likely(v->family == src_addr->family)) {
		const struct rtpp_rewrite rw = REWRITE_OF(&path, rtcp, src_addr, egress, dst_mac);

		rtpp_pkt_rewrite_same_family(m, frame, v, &rw, egress->ip_csum_offload);
	} else if (rewrite_cross_family(m, v, REWRITE_OF(&path, rtcp, src_addr, egress, dst_mac)) ==
		   NULL) {
		drop(m, &fc->drop_tx_full); /* no headroom: cannot happen with our pool */
		return;
	}
	fc->tx_bytes += m->pkt_len;
	wire_add(w, path.iface, m, fc);
}

void rtpp_worker_process_media(struct rtpp_worker *w, uint16_t iface, struct rte_mbuf **pkts,
			       uint16_t n, uint64_t now_tsc)
{
	struct rtpp_dataplane *dp = w->dp;
	struct rtpp_iface_counters *pc = &w->iface_counters[iface];
	const struct rte_hash *h = rtpp_session_hash(dp->sessions);
	const struct rtpp_path *paths = rtpp_session_paths(dp->sessions);
	const struct rtpp_addr *local_addrs = rtpp_session_local_addrs(dp->sessions);
	const struct rtpp_neigh_entry *neigh = rtpp_neigh_entries(dp->neigh);
	struct rtpp_udp_view views[RTPP_MAX_BURST];
	struct rtpp_flow_key keys[RTPP_MAX_BURST];
	const void *key_ptrs[RTPP_MAX_BURST];
	hash_sig_t sigs[RTPP_MAX_BURST];
	struct rte_mbuf *media[RTPP_MAX_BURST];
	void *flows[RTPP_MAX_BURST];
	uint16_t n_media = 0;

	uint64_t rx_bytes = 0;

	/*
	 * All packet headers first, so that the misses of a burst overlap
	 * instead of following one another. Not the mbufs: the PMD has just
	 * written their first line (lengths, flags) while receiving them.
	 */
	for (uint16_t i = 0; i < n; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));

	pc->rx_packets += n;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const uint8_t *frame = rte_pktmbuf_mtod(m, const uint8_t *);
		struct rtpp_udp_view *v = &views[n_media];

		rx_bytes += m->pkt_len;
		if (unlikely(m->nb_segs != 1)) {
			kernel_add(w, iface, m, KERNEL_OTHER,
				   now_tsc); /* jumbo chains: the kernel copes */
			continue;
		}
		/* The NIC may have checked the IPv4 header already (RX_OFFLOAD_IPV4_CKSUM). */
		switch (rtpp_pkt_classify_rx(frame, m->data_len,
					     (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) ==
						     RTE_MBUF_F_RX_IP_CKSUM_GOOD,
					     v)) {
		case RTPP_PKT_UDP:
			sigs[n_media] =
				rtpp_flow_key_make_hashed(&keys[n_media], v->family,
							  rtpp_pkt_dst_addr(frame, v),
							  rtpp_pkt_udp((uint8_t *)(uintptr_t)frame, v)
								  ->dst_port,
							  RTPP_IPPROTO_UDP);
			key_ptrs[n_media] = &keys[n_media];
			media[n_media++] = m;
			break;
		case RTPP_PKT_ARP:
		case RTPP_PKT_ICMPV6:
			snoop_neighbour(w, iface, frame, m->data_len);
			kernel_add(w, iface, m, KERNEL_CONTROL, now_tsc);
			break;
		case RTPP_PKT_KERNEL:
			kernel_add(w, iface, m, kernel_kind_of(h, frame, m->data_len), now_tsc);
			break;
		case RTPP_PKT_MALFORMED:
			pc->malformed++;
			pc->rx_dropped++;
			rte_pktmbuf_free(m);
			break;
		}
	}
	pc->rx_bytes += rx_bytes;
	if (n_media == 0)
		return;

	uint64_t hits = 0;
	for (uint16_t off = 0; off < n_media; off += RTE_HASH_LOOKUP_BULK_MAX) {
		uint16_t chunk = RTE_MIN((uint16_t)(n_media - off), (uint16_t)RTE_HASH_LOOKUP_BULK_MAX);

		rte_hash_lookup_with_hash_bulk_data(h, &key_ptrs[off], &sigs[off], chunk, &hits,
						    &flows[off]);
		/* Prefetch what forwarding will touch while the rest is looked up. */
		for (uint16_t j = 0; j < chunk; j++) {
			if (hits & (1ULL << j)) {
				uintptr_t f = (uintptr_t)flows[off + j];

				/* The flow's path and its counters: all a relayed packet reads. */
				rte_prefetch0(&paths[rtpp_flow_path(f)]);
				rte_prefetch0(&w->flow_counters[rtpp_flow_slot(f)]);
			}
		}
		for (uint16_t j = 0; j < chunk; j++) {
			uint16_t k = (uint16_t)(off + j);

			if (!(hits & (1ULL << j))) {
				pc->no_session++;
				kernel_add(w, iface, media[k], KERNEL_OTHER, now_tsc);
				continue;
			}
			forward_one(w, media[k], &views[k], (uintptr_t)flows[k], paths, local_addrs,
				    neigh, now_tsc);
		}
	}
}

static inline void forward_from_kernel(struct rtpp_worker *w, uint16_t iface,
				       struct rte_mbuf **pkts, uint16_t n)
{
	w->iface_counters[iface].from_kernel += n;
	for (uint16_t i = 0; i < n; i++)
		wire_add(w, iface, pkts[i], NULL);
}

/* Packets the main lcore built (neighbour probes): m->port carries the interface. */
static inline void drain_control(struct rtpp_worker *w)
{
	struct rte_mbuf *pkts[32];
	unsigned int n = rte_ring_sc_dequeue_burst(w->ctrl_tx, (void **)pkts, RTE_DIM(pkts), NULL);

	for (unsigned int i = 0; i < n; i++)
		wire_add(w, pkts[i]->port, pkts[i], NULL);
}

/*
 * With dataplane.idle_sleep_us, a worker that found nothing to do this many
 * loops in a row sleeps that long between polls, giving its CPU back to the
 * control plane and other processes on hosts without cores to spare. Under
 * traffic it never sleeps; a packet arriving while it sleeps waits at most
 * the sleep (plus the kernel's timer slack).
 */
#define RTPP_IDLE_LOOPS_BEFORE_SLEEP 1000

/*
 * What a stuck worker looks like from outside (no polling, no loop counted,
 * no quiescent state), on request of the debug command that tests the
 * systemd watchdog; the stop flag still ends it.
 */
static void __rte_noinline stall_on_purpose(struct rtpp_worker *w)
{
	uint64_t until = __atomic_exchange_n(&w->stall_until_tsc, 0, __ATOMIC_RELAXED);

	while (rte_rdtsc() < until && !__atomic_load_n(&w->dp->stop, __ATOMIC_RELAXED))
		rte_pause();
}

int rtpp_dataplane_worker_stall(struct rtpp_dataplane *dp, unsigned int worker, unsigned int ms)
{
	if (worker >= dp->n_workers)
		return -ENOENT;
	if (ms == 0 || ms > RTPP_DATAPLANE_MAX_STALL_MS)
		return -EINVAL;
	__atomic_store_n(&dp->workers[worker]->stall_until_tsc,
			 rte_rdtsc() + rte_get_tsc_hz() / 1000 * ms, __ATOMIC_RELAXED);
	return 0;
}

int rtpp_worker_main(void *arg)
{
	struct rtpp_worker *w = arg;
	struct rtpp_dataplane *dp = w->dp;
	struct rte_mbuf *pkts[RTPP_MAX_BURST];
	const uint16_t burst = dp->burst;
	const unsigned int idle_sleep_us = dp->idle_sleep_us;
	unsigned int idle_loops = 0;

	rte_rcu_qsbr_thread_register(dp->rcu, w->id);
	rte_rcu_qsbr_thread_online(dp->rcu, w->id);
	DP_LOG(INFO, "worker %u on lcore %u polls %u queues\n", w->id, w->lcore, w->n_rxq);

	while (!__atomic_load_n(&dp->stop, __ATOMIC_RELAXED)) {
		uint64_t start = rte_rdtsc();
		bool busy = false;

		if (unlikely(__atomic_load_n(&w->stall_until_tsc, __ATOMIC_RELAXED) != 0))
			stall_on_purpose(w);
		for (uint16_t q = 0; q < w->n_rxq; q++) {
			const struct rtpp_rxq *rq = &w->rxq[q];
			uint16_t n = rte_eth_rx_burst(rq->port_id, rq->queue, pkts, burst);

			if (n == 0)
				continue;
			busy = true;
			w->rx_bursts++;
			w->rx_burst_packets += n;
			w->full_bursts += n == burst;
			if (rq->from_kernel)
				forward_from_kernel(w, rq->iface, pkts, n);
			else
				rtpp_worker_process_media(w, rq->iface, pkts, n, start);
			rtpp_worker_flush(w);
		}
		if (unlikely(!rte_ring_empty(w->ctrl_tx))) {
			drain_control(w);
			rtpp_worker_flush(w);
		}
		rte_rcu_qsbr_quiescent(dp->rcu, w->id);
		w->loops++;
		if (busy) {
			w->busy_tsc += rte_rdtsc() - start;
			idle_loops = 0;
		} else if (idle_sleep_us != 0 && ++idle_loops >= RTPP_IDLE_LOOPS_BEFORE_SLEEP) {
			rte_delay_us_sleep(idle_sleep_us);
			w->sleeps++;
		}
	}

	rte_rcu_qsbr_thread_offline(dp->rcu, w->id);
	rte_rcu_qsbr_thread_unregister(dp->rcu, w->id);
	DP_LOG(INFO, "worker %u stopped\n", w->id);
	return 0;
}

struct rtpp_worker *rtpp_worker_alloc(struct rtpp_dataplane *dp, uint16_t id, unsigned int lcore)
{
	int socket = (int)rte_lcore_to_socket_id(lcore);
	struct rtpp_worker *w = rte_zmalloc_socket("worker", sizeof(*w), RTE_CACHE_LINE_SIZE, socket);
	char name[RTE_RING_NAMESIZE];
	static unsigned int generation;

	if (w == NULL)
		return NULL;
	w->dp = dp;
	w->id = id;
	w->lcore = lcore;
	snprintf(name, sizeof(name), "rtpp_ctrl_%u", generation++);
	w->ctrl_tx = rte_ring_create(name, RTPP_CTRL_RING_SIZE, socket,
				     RING_F_SP_ENQ | RING_F_SC_DEQ);
	dp->workers[id] = w; /* freed with the data plane even when the ring failed */
	return w->ctrl_tx != NULL ? w : NULL;
}

void rtpp_worker_free(struct rtpp_worker *w)
{
	struct rte_mbuf *m;

	if (w == NULL)
		return;
	while (w->ctrl_tx != NULL && rte_ring_dequeue(w->ctrl_tx, (void **)&m) == 0)
		rte_pktmbuf_free(m);
	rte_ring_free(w->ctrl_tx);
	rte_free(w);
}

/* Give a worker one more queue to poll, unless its table is full. */
static int poll_queue_add(struct rtpp_worker *w, struct rtpp_rxq q, char *err, size_t errlen)
{
	if (w->n_rxq == RTPP_MAX_RXQ_PER_WORKER) {
		snprintf(err, errlen,
			 "worker %u would poll more than %u receive queues (its share of the "
			 "interfaces' rx_queues and one TAP queue per interface): lower rx_queues "
			 "or add workers",
			 w->id, RTPP_MAX_RXQ_PER_WORKER);
		return -1;
	}
	w->rxq[w->n_rxq++] = q;
	return 0;
}

int rtpp_workers_assign_queues(struct rtpp_dataplane *dp, char *err, size_t errlen)
{
	for (unsigned int i = 0; i < dp->n_ifaces; i++) {
		const struct rtpp_dataplane_iface *ifc = &dp->ifaces[i];

		for (uint16_t q = 0; q < ifc->rx_queues; q++)
			if (poll_queue_add(dp->workers[q % dp->n_workers],
					   (struct rtpp_rxq){ ifc->port_id, q, (uint16_t)i, false },
					   err, errlen) != 0)
				return -1;
		for (uint16_t q = 0; ifc->has_tap && q < dp->n_workers; q++)
			if (poll_queue_add(dp->workers[q],
					   (struct rtpp_rxq){ ifc->tap_port_id, q, (uint16_t)i, true },
					   err, errlen) != 0)
				return -1;
	}
	for (uint16_t w = 0; w < dp->n_workers; w++) {
		dp->workers[w]->flow_counters = rtpp_session_worker_counters(dp->sessions, w);
		dp->workers[w]->rtcp_state = rtpp_session_worker_rtcp(dp->sessions, w);
	}
	return 0;
}
