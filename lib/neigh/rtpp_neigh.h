/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Neighbour table: the MAC address of every next hop the data plane sends to.
 * The main lcore is the only writer; workers read an entry by the index that
 * the session holds, so the hot path costs one load and no lookup.
 *
 * Resolution: the main lcore probes (ARP request, ICMPv6 neighbour
 * solicitation) for entries that sessions reference; the workers snoop ARP and
 * ND packets on the way to the kernel and hand what they learn to the main
 * lcore, which updates the entries. Resolved entries are re-probed before they
 * go stale and fall back to FAILED when a neighbour stops answering.
 *
 * What is believed follows RFC 826 and RFC 4861 as Linux applies them, so
 * that a host on the segment cannot redirect media by poisoning: a packet
 * whose Ethernet source is not the MAC it announces, an all-zero, multicast
 * or broadcast MAC and an ND packet with a wrong ICMPv6 checksum teach
 * nothing (rtpp_neigh_snoop refuses them); a known MAC changes only after it
 * has been in place for the lock time (1 s, Linux's locktime) and never on a
 * neighbour advertisement without the Override flag; only what answers us
 * (an ARP reply, a solicited advertisement) confirms reachability. Refusals
 * are counted.
 */
#ifndef RTPP_NEIGH_H
#define RTPP_NEIGH_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "rtpp_addr.h"

#define RTPP_NEIGH_NONE UINT32_MAX

enum rtpp_neigh_state {
	RTPP_NEIGH_FREE = 0,
	RTPP_NEIGH_INCOMPLETE, /* probing, never answered */
	RTPP_NEIGH_REACHABLE,  /* MAC known and recently confirmed */
	RTPP_NEIGH_STALE,      /* MAC known, being re-confirmed: still used */
	RTPP_NEIGH_FAILED,     /* stopped answering: not used, still probed */
};

/* What the hot path reads: one cache line per entry. */
struct rtpp_neigh_entry {
	struct rte_ether_addr mac;
	uint8_t usable; /* REACHABLE or STALE: mac is valid */
	uint8_t state;
	uint16_t iface;
	struct rtpp_addr addr;
	uint32_t refcnt;
	uint32_t probes_unanswered;
	uint64_t next_probe_tsc;
	uint64_t confirmed_tsc;
	uint64_t updated_tsc; /* when mac was last set */
} __rte_cache_aligned;

struct rtpp_neigh_table;

/* rtpp_neigh_learn.flags */
#define RTPP_NEIGH_LEARN_CONFIRMS 0x01    /* it answered us: an ARP reply, a solicited NA */
#define RTPP_NEIGH_LEARN_NO_OVERRIDE 0x02 /* an NA without O: may not replace a known MAC */

/* What a worker learnt from one ARP / ND packet (or the main lcore from media). */
struct rtpp_neigh_learn {
	uint16_t iface;
	struct rte_ether_addr mac;
	struct rtpp_addr addr;
	uint8_t flags;       /* RTPP_NEIGH_LEARN_* */
	uint8_t reserved[2]; /* ring elements are a multiple of 4 bytes */
};

/* What the table refused to believe (main lcore; read by views). */
struct rtpp_neigh_stats {
	uint64_t updates;             /* a MAC set or changed */
	uint64_t refused_locked;      /* a change within the lock time of the last */
	uint64_t refused_no_override; /* an NA without O for a known, different MAC */
};

struct rtpp_neigh_table *rtpp_neigh_create(const char *name, uint32_t capacity, int socket_id);
void rtpp_neigh_free(struct rtpp_neigh_table *t);

/* Entry array for the hot path: entries[index]. */
struct rtpp_neigh_entry *rtpp_neigh_entries(struct rtpp_neigh_table *t);

static inline const struct rte_ether_addr *
rtpp_neigh_mac(const struct rtpp_neigh_entry *entries, uint32_t index)
{
	const struct rtpp_neigh_entry *e = &entries[index];

	return __atomic_load_n(&e->usable, __ATOMIC_ACQUIRE) ? &e->mac : NULL;
}

/*
 * Find or create the entry for addr on iface and take a reference.
 * Returns the index, or RTPP_NEIGH_NONE when the table is full. (main lcore)
 */
uint32_t rtpp_neigh_ref(struct rtpp_neigh_table *t, uint16_t iface, const struct rtpp_addr *addr);
/* Drop a reference; an unreferenced entry is freed. (main lcore) */
void rtpp_neigh_unref(struct rtpp_neigh_table *t, uint32_t index);

/*
 * Apply what was learnt: only entries that exist are updated (an unsolicited
 * packet never creates state), under the rules above. Returns true when an
 * entry's MAC changed or was set. (main lcore)
 */
bool rtpp_neigh_learn(struct rtpp_neigh_table *t, const struct rtpp_neigh_learn *l,
		      uint64_t now_tsc);

/* Which entries need a probe now? Calls send_probe for each. (main lcore) */
void rtpp_neigh_get_stats(const struct rtpp_neigh_table *t, struct rtpp_neigh_stats *out);
typedef void (*rtpp_neigh_probe_fn)(void *ctx, const struct rtpp_neigh_entry *e);
void rtpp_neigh_timer(struct rtpp_neigh_table *t, uint64_t now_tsc, uint64_t tsc_hz,
		      rtpp_neigh_probe_fn send_probe, void *ctx);

/*
 * Probe one entry now if it was never probed (a next hop a new session just
 * introduced), without the timer's walk over the whole table. (main lcore)
 */
void rtpp_neigh_probe_new(struct rtpp_neigh_table *t, uint32_t index, uint64_t now_tsc,
			  uint64_t tsc_hz, rtpp_neigh_probe_fn send_probe, void *ctx);

/* Iterate the used entries (for telemetry). */
typedef void (*rtpp_neigh_walk_fn)(void *ctx, uint32_t index, const struct rtpp_neigh_entry *e);
void rtpp_neigh_walk(struct rtpp_neigh_table *t, rtpp_neigh_walk_fn fn, void *ctx);
uint32_t rtpp_neigh_count(const struct rtpp_neigh_table *t);

const char *rtpp_neigh_state_name(uint8_t state);

enum rtpp_neigh_snoop_result {
	RTPP_NEIGH_SNOOP_NOTHING = 0, /* no binding in it (not ARP/ND, a DAD probe, ...) */
	RTPP_NEIGH_SNOOP_LEARNT,      /* *out holds a binding (flags set) */
	RTPP_NEIGH_SNOOP_REFUSED,     /* a binding that does not hold up: counted, not learnt */
};

/*
 * Extract a (address, MAC) binding from an ARP packet (request or reply: the
 * sender fields) or an ICMPv6 NS (source link-layer option) / NA (target
 * link-layer option). Refused: an Ethernet source other than that MAC, a MAC
 * that is zero, multicast or broadcast, an ND packet whose ICMPv6 checksum is
 * wrong.
 */
enum rtpp_neigh_snoop_result rtpp_neigh_snoop(const uint8_t *frame, uint32_t len,
					      struct rtpp_neigh_learn *out);

/*
 * Build a probe in m: an ARP request (broadcast) for IPv4, a neighbour
 * solicitation to the solicited-node multicast group for IPv6. Returns 0, or
 * -1 when the mbuf is too small.
 */
int rtpp_neigh_build_probe(struct rte_mbuf *m, const struct rte_ether_addr *src_mac,
			   const struct rtpp_addr *src_addr, const struct rtpp_addr *target);

#endif
