/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The session table. A session has two legs; each leg owns a local endpoint
 * (address + port on one interface) and knows the remote it talks to (given,
 * or later learnt by latching). Media that arrives on one leg's local endpoint
 * leaves from the other leg's local endpoint toward that leg's remote. RTCP
 * uses port+1 of every endpoint. The seed's one-way model (listen -> forward
 * -> destination) is a session whose leg B remote is the destination and whose
 * leg A remote is not known.
 *
 * Lookup: an rte_hash keyed by {local address, local port, family, protocol}
 * with lock-free readers; each key maps to (session index, leg, rtcp), and
 * the (index, leg) to the one cache line a packet reads, its path. The main
 * lcore is the only writer. A destroyed session's slot and keys are only
 * reused after an RCU quiescent-state grace period, so a worker that found it a
 * moment ago still reads valid memory.
 */
#ifndef RTPP_SESSION_H
#define RTPP_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_rcu_qsbr.h>
#include <rte_seqcount.h>

#include "rtpp_addr.h"
#include "rtpp_session_types.h"
#include "rtpp_stats.h"

#define RTPP_SESSION_INVALID UINT32_MAX

/*
 * Hash key: the destination of a packet arriving at the proxy. 32 bytes
 * rather than the 20 it needs, because rte_hash compares 32-byte keys with
 * SIMD in line and anything else with a call to memcmp.
 */
struct rtpp_flow_key {
	uint8_t addr[16];
	uint16_t port_be;
	uint8_t family;
	uint8_t proto;
	uint8_t zero[12];
} __rte_aligned(16);

/* The lookup result packs the flow: index << 2 | leg << 1 | rtcp. */
static inline uint32_t rtpp_flow_session(uintptr_t v) { return (uint32_t)(v >> 2); }
static inline unsigned int rtpp_flow_leg(uintptr_t v) { return (unsigned int)(v >> 1) & 1; }
static inline unsigned int rtpp_flow_rtcp(uintptr_t v) { return (unsigned int)v & 1; }
/* Index of the flow's path and learning rules: session * RTPP_LEGS_PER_SESSION + leg. */
_Static_assert(RTPP_LEGS_PER_SESSION == 2, "a flow value is session << 2 | leg << 1 | rtcp");
static inline uint32_t rtpp_flow_path(uintptr_t v)
{
	return (uint32_t)(v >> 1);
}
/* Index of the flow's counters among a worker's counters. */
static inline uint32_t rtpp_flow_slot(uintptr_t v) { return (uint32_t)v; }

/* Rules of a leg (rtpp_leg.flags). */
#define RTPP_LEG_F_STRICT 0x01         /* refuse sources other than the remote */
#define RTPP_LEG_F_PAUSED 0x02         /* what arrives on this leg is not relayed */
#define RTPP_LEG_F_RELAY_ANY 0x04      /* relay payloads that are not media too */
#define RTPP_LEG_F_RTCP_CONFIRMED 0x08 /* rtcp_port came from RTCP, not port+1 */
/* Of a path only (rtpp_path.flags), derived with it: the remote is given or latched. */
#define RTPP_PATH_F_SOURCE_KNOWN 0x80

/*
 * A leg as the control plane describes it. Everything but local and iface
 * may change (latching, UpdateSession), on the main lcore only, through
 * rtpp_session_leg_update(). Workers do not read legs for a packet: they read
 * the paths derived from them (struct rtpp_path).
 */
struct rtpp_leg {
	struct rtpp_endpoint local;
	struct rtpp_endpoint remote; /* addr.family NONE: not known yet */
	uint32_t neigh;              /* next hop entry toward remote, or RTPP_NEIGH_NONE */
	uint16_t iface;              /* interface that owns local */
	uint8_t learning;            /* enum rtpp_leg_learning */
	uint8_t flags;               /* RTPP_LEG_F_* */
	uint16_t rtcp_port;          /* the remote's RTCP port */
	uint16_t meter;              /* rate limit profile of what arrives here; 0: none */
	uint32_t ssrc; /* the SSRC the remote was latched on; 0: none (workers: relaxed loads) */
	uint32_t clock_mult; /* dynamic payload types' RTP clock, rtpp_rtp_clock_mult(); 0: none */
};

/*
 * What a packet arriving on one leg needs, in one cache line: the ingress
 * leg's accepted source and rules, and where the egress leg sends it. The
 * session table derives the two paths of a session from its legs whenever a
 * leg changes (rtpp_session_add, rtpp_session_leg_update); workers read a
 * path with rtpp_path_snapshot() and nothing else of the session for a packet
 * that is relayed. The legs stay the control plane's description.
 */
struct rtpp_path {
	rte_seqcount_t seq;
	uint32_t neigh;       /* egress: next hop entry toward dst, or RTPP_NEIGH_NONE */
	struct rtpp_addr src; /* ingress remote, the accepted source; NONE: not known */
	struct rtpp_addr dst; /* egress remote; NONE: not known yet */
	uint8_t local_addr;   /* egress local address: rtpp_session_local_addrs()[local_addr] */
	uint8_t learning;     /* ingress: enum rtpp_leg_learning */
	/*
	 * Ports in network order, indexed by RTCP (0: RTP, 1: RTCP): a packet's
	 * ports are compared and written as they lie, with no swap and no branch.
	 */
	uint16_t src_port_be[2];   /* ingress remote's ports */
	uint16_t dst_port_be[2];   /* egress remote's ports */
	uint16_t local_port_be[2]; /* egress local ports */
	uint16_t meter;            /* ingress rate limit profile; 0: none */
	uint8_t iface;             /* egress interface (fewer than 256) */
	uint8_t flags;             /* ingress RTPP_LEG_F_* and RTPP_PATH_F_* */
	uint32_t clock_mult;       /* ingress dynamic payload types' clock; 0: none */
} __rte_cache_aligned;
_Static_assert(sizeof(struct rtpp_path) == RTE_CACHE_LINE_SIZE, "a path is one cache line");

/* A consistent copy of a path; returns the sequence it was read at. */
static inline uint32_t rtpp_path_snapshot(const struct rtpp_path *p, struct rtpp_path *out)
{
	uint32_t sn;

	do {
		sn = rte_seqcount_read_begin(&p->seq);
		*out = *p;
	} while (rte_seqcount_read_retry(&p->seq, sn));
	return sn;
}

/* What a learning leg accepts a source from; read by workers only while learning. */
struct rtpp_leg_learn {
	struct rtpp_addr expected; /* family NONE: any address (within the window) */
	uint64_t window_end_tsc;   /* 0: no window */
};

/* Why a session is in ERROR (rtpp_session_info.error_kind). */
#define RTPP_SESSION_ERR_NONE 0
#define RTPP_SESSION_ERR_LEARNING 1 /* the window closed with nothing learnt */
#define RTPP_SESSION_ERR_NEXT_HOP 2 /* a next hop does not answer ARP / ND */

/* The two legs; the hot path reads the session's paths instead. */
struct rtpp_session {
	struct rtpp_leg leg[2];
};

/* Cold part: read and written by the control plane only. */
struct rtpp_session_info {
	uint64_t id;
	char name[RTPP_SESSION_NAME_MAX];
	enum rtpp_session_state state;
	uint8_t is_static;
	uint8_t rtcp; /* port+1 of every endpoint relays RTCP */
	uint8_t protocol;    /* enum rtpp_protocol */
	bool rfc4571;        /* TCP: the stream carries RFC 4571 frames */
	uint64_t ended_tsc;  /* TCP: when the connection ended in ERROR; 0: it did not */
	bool media_seen;     /* a packet was accepted */
	uint64_t created_ns; /* CLOCK_REALTIME */
	uint64_t created_tsc;
	struct rtpp_media_options media;
	uint32_t relatches[RTPP_LEGS_PER_SESSION];
	uint64_t latched_ns[RTPP_LEGS_PER_SESSION];     /* CLOCK_REALTIME, 0: never */
	uint64_t unresolved_tsc[RTPP_LEGS_PER_SESSION]; /* next hop unresolved since; 0: fine */
	enum rtpp_close_reason close_reason;
	uint8_t error_leg;  /* which leg the error is about */
	uint8_t error_kind; /* RTPP_SESSION_ERR_*: what must change for it to clear */
	char error[128];    /* state ERROR: why */
};

struct rtpp_session_table;

struct rtpp_session_table_params {
	const char *name;
	uint32_t max_sessions;
	uint16_t n_workers;         /* counters are kept per worker */
	struct rte_rcu_qsbr *rcu;   /* workers report quiescent states here */
	int socket_id;
};

struct rtpp_session_table *rtpp_session_table_create(const struct rtpp_session_table_params *p);
void rtpp_session_table_free(struct rtpp_session_table *t);

/* Hot path: arrays indexed by session index / flow slot. */
struct rtpp_session *rtpp_session_array(struct rtpp_session_table *t);
struct rtpp_flow_counters *rtpp_session_worker_counters(struct rtpp_session_table *t,
							uint16_t worker);
/* RTCP state per leg, [index * 2 + leg], written by the worker receiving it. */
struct rtpp_rtcp_leg_state *rtpp_session_worker_rtcp(struct rtpp_session_table *t,
						     uint16_t worker);
const struct rte_hash *rtpp_session_hash(struct rtpp_session_table *t);
/* Paths per session, [index * 2 + ingress leg]. */
const struct rtpp_path *rtpp_session_paths(const struct rtpp_session_table *t);
/* The distinct local addresses of legs, indexed by rtpp_path.local_addr. */
#define RTPP_SESSION_LOCAL_ADDRS 256
const struct rtpp_addr *rtpp_session_local_addrs(const struct rtpp_session_table *t);
/* Learning rules per leg, [index * 2 + leg]. */
const struct rtpp_leg_learn *rtpp_session_learn_array(const struct rtpp_session_table *t);

static inline void rtpp_flow_key_make(struct rtpp_flow_key *k, uint8_t family,
				      const uint8_t *addr, uint16_t port_be, uint8_t proto)
{
	/* Constant-size copies only: this runs for every packet. */
	memset(k, 0, sizeof(*k));
	if (family == RTPP_AF_INET)
		memcpy(k->addr, addr, 4);
	else
		memcpy(k->addr, addr, 16);
	k->port_be = port_be;
	k->family = family;
	k->proto = proto;
}

/*
 * The flow table's hash of a key: CRC32-C in three 8-byte steps, the key's
 * last 8 bytes being always zero. The table hashes with it (inserts) and a
 * worker calls it inline for its lookups (rte_hash_lookup_with_hash_bulk_data):
 * no call through the table's function pointer per packet. With SSE4.2 known
 * at build time, the instruction itself rather than rte_hash_crc_8byte, which
 * tests at run time which one to use: the same CRC either way.
 */
static inline uint32_t rtpp_flow_key_crc(uint64_t w0, uint64_t w1, uint64_t w2)
{
#if defined(RTE_ARCH_X86) && defined(__SSE4_2__)
	return (uint32_t)__builtin_ia32_crc32di(__builtin_ia32_crc32di(__builtin_ia32_crc32di(0, w0),
								       w1),
						w2);
#else
	return rte_hash_crc_8byte(w2, rte_hash_crc_8byte(w1, rte_hash_crc_8byte(w0, 0)));
#endif
}

static inline uint32_t rtpp_flow_key_hash(const struct rtpp_flow_key *k)
{
	uint64_t w[3];

	RTE_BUILD_BUG_ON(sizeof(*k) != 32 || offsetof(struct rtpp_flow_key, zero) > 24);
	memcpy(w, k, sizeof(w));
	return rtpp_flow_key_crc(w[0], w[1], w[2]);
}

/*
 * rtpp_flow_key_make() and rtpp_flow_key_hash() at once, for a worker's
 * lookups: the key's words are composed in registers, stored whole and
 * hashed from the registers. Hashing the key just stored would load words
 * that several smaller stores wrote, which the CPU cannot forward: the loads
 * would wait for the stores to reach the cache, twice per packet.
 */
static inline uint32_t rtpp_flow_key_make_hashed(struct rtpp_flow_key *k, uint8_t family,
						 const uint8_t *addr, uint16_t port_be, uint8_t proto)
{
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	uint8_t *out = (uint8_t *)k;
	uint64_t w0, w1 = 0, w2, w3 = 0;

	RTE_BUILD_BUG_ON(offsetof(struct rtpp_flow_key, port_be) != 16 ||
			 offsetof(struct rtpp_flow_key, family) != 18 ||
			 offsetof(struct rtpp_flow_key, proto) != 19);
	if (family == RTPP_AF_INET) {
		uint32_t a4;

		memcpy(&a4, addr, 4);
		w0 = a4;
	} else {
		memcpy(&w0, addr, 8);
		memcpy(&w1, addr + 8, 8);
	}
	w2 = (uint64_t)port_be | (uint64_t)family << 16 | (uint64_t)proto << 24;
	/* Scalars, not an array: an array is built on the stack and copied from there. */
	memcpy(out, &w0, 8);
	memcpy(out + 8, &w1, 8);
	memcpy(out + 16, &w2, 8);
	memcpy(out + 24, &w3, 8);
	return rtpp_flow_key_crc(w0, w1, w2);
#else
	rtpp_flow_key_make(k, family, addr, port_be, proto);
	return rtpp_flow_key_hash(k);
#endif
}

/* A new session as the control plane describes it. */
struct rtpp_session_params {
	const char *name;
	struct rtpp_leg leg[2];
	struct rtpp_leg_learn learn[2];
	struct rtpp_media_options media;
	bool rtcp;
	bool is_static;
	uint8_t protocol; /* enum rtpp_protocol (0: UDP): TCP sessions' keys never match a packet */
};

/*
 * Insert. Errors: -EEXIST a local endpoint (or its RTCP port) is taken,
 * -ENOSPC the table is full (or holds RTPP_SESSION_LOCAL_ADDRS distinct
 * local addresses already), -EINVAL bad parameters. Nothing changes on error.
 * On success *index and *id are set.
 */
int rtpp_session_add(struct rtpp_session_table *t, const struct rtpp_session_params *p,
		     uint32_t *index, uint64_t *id);

/*
 * Remove: the keys disappear at once (no new packet finds the session), the
 * slot is reclaimed after the grace period by rtpp_session_table_reclaim().
 * release(ctx, session) is called at reclaim time so the caller can drop
 * references (neighbour entries) the session held.
 */
int rtpp_session_del(struct rtpp_session_table *t, uint32_t index);
typedef void (*rtpp_session_release_fn)(void *ctx, const struct rtpp_session *s,
					const struct rtpp_session_info *info);
void rtpp_session_set_release(struct rtpp_session_table *t, rtpp_session_release_fn fn, void *ctx);
/* Reclaim what the grace period allows; returns how many sessions were freed. */
unsigned int rtpp_session_table_reclaim(struct rtpp_session_table *t);

/* Control-plane queries. */
uint32_t rtpp_session_count(const struct rtpp_session_table *t);
uint32_t rtpp_session_capacity(const struct rtpp_session_table *t);
/* Find by id; RTPP_SESSION_INVALID when unknown (or being destroyed). */
uint32_t rtpp_session_find(const struct rtpp_session_table *t, uint64_t id);
/* Find the session of protocol owning a local endpoint (RTP port or its RTCP port+1). */
uint32_t rtpp_session_find_local(const struct rtpp_session_table *t, uint8_t protocol,
				 const struct rtpp_endpoint *local);
const struct rtpp_session_info *rtpp_session_get_info(const struct rtpp_session_table *t,
						      uint32_t index);
const struct rtpp_session *rtpp_session_get(const struct rtpp_session_table *t, uint32_t index);
/* The control plane's own part of a session, to change (main lcore). */
struct rtpp_session_info *rtpp_session_info_mut(struct rtpp_session_table *t, uint32_t index);
/*
 * Replace what may change of a live leg (everything but local and iface)
 * and its learning rules, as one change for workers reading it. (main lcore)
 */
void rtpp_session_leg_update(struct rtpp_session_table *t, uint32_t index, unsigned int leg,
			     const struct rtpp_leg *value, const struct rtpp_leg_learn *learn);
/* Latest accepted packet over the flows of a session (or one flow, flow >= 0) and workers. */
uint64_t rtpp_session_last_rx_tsc(const struct rtpp_session_table *t, uint32_t index, int flow);
/* Next live session index at or after *cursor; false at the end. */
bool rtpp_session_next(const struct rtpp_session_table *t, uint32_t *cursor);
/*
 * The same, looking at slots before end only (bounded work): false with
 * *cursor moved to end (or the capacity) when none of them is live.
 */
bool rtpp_session_next_before(const struct rtpp_session_table *t, uint32_t *cursor, uint32_t end);
/* Sum one flow's counters over workers. flow = leg * 2 + rtcp. */
void rtpp_session_flow_counters(const struct rtpp_session_table *t, uint32_t index,
				unsigned int flow, struct rtpp_flow_stats *out);
/* One leg's RTCP findings (round trips to its remote, its latest report), over workers. */
void rtpp_session_leg_rtcp(const struct rtpp_session_table *t, uint32_t index, unsigned int leg,
			   struct rtpp_rtcp_summary *out);

const char *rtpp_session_state_name(enum rtpp_session_state state);
/* A session's state (FREE for an unused index); set by the control plane only. */
enum rtpp_session_state rtpp_session_state(const struct rtpp_session_table *t, uint32_t index);
void rtpp_session_set_state(struct rtpp_session_table *t, uint32_t index,
			    enum rtpp_session_state state);

#endif
