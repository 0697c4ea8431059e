/* SPDX-License-Identifier: BSD-3-Clause */
#include "rtpp_neigh.h"

#include <errno.h>
#include <stdio.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_ip.h>
#include <rte_jhash.h>
#include <rte_log.h>
#include <rte_malloc.h>

RTE_LOG_REGISTER(rtpp_logtype_neigh, rtpproxy.neigh, INFO);
#define NEIGH_LOG(level, ...) rte_log(RTE_LOG_##level, rtpp_logtype_neigh, "neigh: " __VA_ARGS__)

/* Probe cadence (seconds). Close to the kernel's defaults for a busy host. */
#define PROBE_INTERVAL_S 1
#define FAILED_PROBE_INTERVAL_S 5
#define REACHABLE_TIME_S 30
#define MAX_UNANSWERED 3
/* A known MAC is replaced only once it has been in place this long (Linux's locktime). */
#define LOCK_TIME_MS 1000

#define ICMPV6_NS 135
#define ICMPV6_NA 136
#define ND_OPT_SOURCE_LL 1
#define ND_OPT_TARGET_LL 2

struct neigh_key {
	uint8_t addr[16];
	uint16_t iface;
	uint8_t family;
	uint8_t pad;
};

struct rtpp_neigh_table {
	struct rte_hash *index;
	struct rtpp_neigh_entry *entries;
	uint32_t *free_stack;
	uint32_t n_free;
	uint32_t capacity;
	/*
	 * Every entry ever used lies below this index: the free stack hands out
	 * the lowest indices first, so it stays near the number of next hops
	 * (a few gateways) while capacity is 2 x max_sessions. The timer and
	 * walks stop here: a 10 Hz walk over all 131,072 slots of the default
	 * table was ~3% of the main lcore while it served API calls.
	 */
	uint32_t high;
	struct rtpp_neigh_stats stats;
};

static void make_key(struct neigh_key *k, uint16_t iface, const struct rtpp_addr *addr)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->addr, addr->bytes, 16);
	k->iface = iface;
	k->family = addr->family;
}

struct rtpp_neigh_table *rtpp_neigh_create(const char *name, uint32_t capacity, int socket_id)
{
	struct rtpp_neigh_table *t = rte_zmalloc_socket("neigh", sizeof(*t), 0, socket_id);
	char hname[RTE_HASH_NAMESIZE];

	if (t == NULL)
		return NULL;
	snprintf(hname, sizeof(hname), "nb_%s", name);
	struct rte_hash_parameters hp = {
		.name = hname,
		.entries = capacity < 8 ? 8 : capacity,
		.key_len = sizeof(struct neigh_key),
		.hash_func = rte_jhash,
		.socket_id = socket_id,
	};
	t->capacity = capacity;
	t->index = rte_hash_create(&hp);
	t->entries = rte_zmalloc_socket("neigh_entries", sizeof(*t->entries) * capacity,
					RTE_CACHE_LINE_SIZE, socket_id);
	t->free_stack = rte_malloc_socket("neigh_free", sizeof(uint32_t) * capacity, 0, socket_id);
	if (t->index == NULL || t->entries == NULL || t->free_stack == NULL) {
		rtpp_neigh_free(t);
		return NULL;
	}
	/* Lowest index on top, so entries fill the array from the front. */
	for (uint32_t i = 0; i < capacity; i++)
		t->free_stack[i] = capacity - 1 - i;
	t->n_free = capacity;
	return t;
}

void rtpp_neigh_free(struct rtpp_neigh_table *t)
{
	if (t == NULL)
		return;
	rte_hash_free(t->index);
	rte_free(t->entries);
	rte_free(t->free_stack);
	rte_free(t);
}

struct rtpp_neigh_entry *rtpp_neigh_entries(struct rtpp_neigh_table *t)
{
	return t->entries;
}

uint32_t rtpp_neigh_count(const struct rtpp_neigh_table *t)
{
	return t->capacity - t->n_free;
}

uint32_t rtpp_neigh_ref(struct rtpp_neigh_table *t, uint16_t iface, const struct rtpp_addr *addr)
{
	struct neigh_key k;
	void *data;

	make_key(&k, iface, addr);
	if (rte_hash_lookup_data(t->index, &k, &data) >= 0) {
		uint32_t idx = (uint32_t)(uintptr_t)data;

		t->entries[idx].refcnt++;
		return idx;
	}
	if (t->n_free == 0)
		return RTPP_NEIGH_NONE;
	uint32_t idx = t->free_stack[--t->n_free];

	if (idx >= t->high)
		t->high = idx + 1;
	struct rtpp_neigh_entry *e = &t->entries[idx];

	memset(e, 0, sizeof(*e));
	e->iface = iface;
	e->addr = *addr;
	e->state = RTPP_NEIGH_INCOMPLETE;
	e->refcnt = 1;
	e->next_probe_tsc = 0; /* probe at the next timer run */
	if (rte_hash_add_key_data(t->index, &k, (void *)(uintptr_t)idx) < 0) {
		e->state = RTPP_NEIGH_FREE;
		t->free_stack[t->n_free++] = idx;
		return RTPP_NEIGH_NONE;
	}
	return idx;
}

void rtpp_neigh_unref(struct rtpp_neigh_table *t, uint32_t index)
{
	struct rtpp_neigh_entry *e;
	struct neigh_key k;

	if (index >= t->capacity)
		return;
	e = &t->entries[index];
	if (e->refcnt == 0 || --e->refcnt > 0)
		return;
	make_key(&k, e->iface, &e->addr);
	rte_hash_del_key(t->index, &k);
	/*
	 * No session references the entry any more and sessions are only
	 * reclaimed after an RCU grace period, so no worker can still read it.
	 */
	__atomic_store_n(&e->usable, 0, __ATOMIC_RELEASE);
	e->state = RTPP_NEIGH_FREE;
	t->free_stack[t->n_free++] = index;
}

void rtpp_neigh_get_stats(const struct rtpp_neigh_table *t, struct rtpp_neigh_stats *out)
{
	*out = t->stats;
}

bool rtpp_neigh_learn(struct rtpp_neigh_table *t, const struct rtpp_neigh_learn *l,
		      uint64_t now_tsc)
{
	struct neigh_key k;
	void *data;

	make_key(&k, l->iface, &l->addr);
	if (rte_hash_lookup_data(t->index, &k, &data) < 0)
		return false;
	struct rtpp_neigh_entry *e = &t->entries[(uint32_t)(uintptr_t)data];
	bool changed = !e->usable || !rte_is_same_ether_addr(&e->mac, &l->mac);

	if (changed && e->usable) {
		/* RFC 4861 7.2.5: without Override, an advertisement does not move a known MAC. */
		if (l->flags & RTPP_NEIGH_LEARN_NO_OVERRIDE) {
			t->stats.refused_no_override++;
			return false;
		}
		/* Two hosts answering for one address (or one forging answers): the first holds. */
		if (now_tsc - e->updated_tsc < LOCK_TIME_MS * rte_get_tsc_hz() / 1000) {
			t->stats.refused_locked++;
			return false;
		}
	}
	if (!changed && !(l->flags & RTPP_NEIGH_LEARN_CONFIRMS))
		return false; /* the same news, and no answer to us: nothing to confirm */
	if (changed) {
		char a[RTPP_ADDR_STRLEN], m[RTE_ETHER_ADDR_FMT_SIZE];

		/*
		 * A MAC change while usable: workers may read a torn MAC for one
		 * packet at worst. Mark unusable around the copy to avoid even that.
		 */
		__atomic_store_n(&e->usable, 0, __ATOMIC_RELEASE);
		rte_ether_addr_copy(&l->mac, &e->mac);
		rte_ether_format_addr(m, sizeof(m), &l->mac);
		NEIGH_LOG(INFO, "%s is at %s (iface %u)\n",
			  rtpp_addr_format(&l->addr, a, sizeof(a)), m, l->iface);
		e->updated_tsc = now_tsc;
		t->stats.updates++;
	}
	if (l->flags & RTPP_NEIGH_LEARN_CONFIRMS) {
		e->state = RTPP_NEIGH_REACHABLE;
		e->probes_unanswered = 0;
		e->confirmed_tsc = now_tsc;
		e->next_probe_tsc = 0; /* recomputed by the timer from confirmed_tsc */
	} else {
		/* Heard of, not confirmed (a request, an unsolicited NA, media): used, and probed. */
		e->state = RTPP_NEIGH_STALE;
		e->probes_unanswered = 0;
		e->next_probe_tsc = now_tsc;
	}
	__atomic_store_n(&e->usable, 1, __ATOMIC_RELEASE);
	return changed;
}

void rtpp_neigh_timer(struct rtpp_neigh_table *t, uint64_t now_tsc, uint64_t tsc_hz,
		      rtpp_neigh_probe_fn send_probe, void *ctx)
{
	for (uint32_t i = 0; i < t->high; i++) {
		struct rtpp_neigh_entry *e = &t->entries[i];

		if (e->state == RTPP_NEIGH_FREE)
			continue;
		if (e->state == RTPP_NEIGH_REACHABLE) {
			if (now_tsc - e->confirmed_tsc < REACHABLE_TIME_S * tsc_hz)
				continue;
			e->state = RTPP_NEIGH_STALE; /* still used while we re-confirm */
			e->next_probe_tsc = now_tsc;
		}
		if (now_tsc < e->next_probe_tsc)
			continue;
		if (e->state == RTPP_NEIGH_STALE && e->probes_unanswered >= MAX_UNANSWERED) {
			char a[RTPP_ADDR_STRLEN];

			__atomic_store_n(&e->usable, 0, __ATOMIC_RELEASE);
			e->state = RTPP_NEIGH_FAILED;
			NEIGH_LOG(WARNING, "%s stopped answering (iface %u)\n",
				  rtpp_addr_format(&e->addr, a, sizeof(a)), e->iface);
		}
		send_probe(ctx, e);
		e->probes_unanswered++;
		e->next_probe_tsc = now_tsc + (e->state == RTPP_NEIGH_FAILED ?
					       FAILED_PROBE_INTERVAL_S : PROBE_INTERVAL_S) * tsc_hz;
	}
}

void rtpp_neigh_probe_new(struct rtpp_neigh_table *t, uint32_t index, uint64_t now_tsc,
			  uint64_t tsc_hz, rtpp_neigh_probe_fn send_probe, void *ctx)
{
	struct rtpp_neigh_entry *e;

	if (index >= t->capacity)
		return;
	e = &t->entries[index];
	if (e->state != RTPP_NEIGH_INCOMPLETE || e->probes_unanswered != 0 || e->next_probe_tsc != 0)
		return;
	send_probe(ctx, e);
	e->probes_unanswered = 1;
	e->next_probe_tsc = now_tsc + PROBE_INTERVAL_S * tsc_hz;
}

void rtpp_neigh_walk(struct rtpp_neigh_table *t, rtpp_neigh_walk_fn fn, void *ctx)
{
	for (uint32_t i = 0; i < t->high; i++)
		if (t->entries[i].state != RTPP_NEIGH_FREE)
			fn(ctx, i, &t->entries[i]);
}

const char *rtpp_neigh_state_name(uint8_t state)
{
	switch (state) {
	case RTPP_NEIGH_INCOMPLETE: return "incomplete";
	case RTPP_NEIGH_REACHABLE: return "reachable";
	case RTPP_NEIGH_STALE: return "stale";
	case RTPP_NEIGH_FAILED: return "failed";
	default: return "free";
	}
}

/* A MAC a neighbour may have, and the one its frame came from. */
static enum rtpp_neigh_snoop_result sender_mac(const struct rte_ether_hdr *eth,
					       const struct rte_ether_addr *mac)
{
	if (!rte_is_valid_assigned_ether_addr(mac) || !rte_is_same_ether_addr(mac, &eth->src_addr))
		return RTPP_NEIGH_SNOOP_REFUSED;
	return RTPP_NEIGH_SNOOP_LEARNT;
}

static enum rtpp_neigh_snoop_result snoop_arp(const struct rte_ether_hdr *eth, const uint8_t *l3,
					      uint32_t len, struct rtpp_neigh_learn *out)
{
	const struct rte_arp_hdr *arp = (const struct rte_arp_hdr *)l3;

	if (len < sizeof(*arp) || arp->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) || arp->arp_hlen != 6 ||
	    arp->arp_plen != 4)
		return RTPP_NEIGH_SNOOP_NOTHING;
	if (arp->arp_opcode != RTE_BE16(RTE_ARP_OP_REQUEST) &&
	    arp->arp_opcode != RTE_BE16(RTE_ARP_OP_REPLY))
		return RTPP_NEIGH_SNOOP_NOTHING;
	if (arp->arp_data.arp_sip == 0)
		return RTPP_NEIGH_SNOOP_NOTHING; /* an address probe (DAD) teaches nothing */
	if (sender_mac(eth, &arp->arp_data.arp_sha) != RTPP_NEIGH_SNOOP_LEARNT)
		return RTPP_NEIGH_SNOOP_REFUSED;
	rtpp_addr_set_v4(&out->addr, arp->arp_data.arp_sip);
	rte_ether_addr_copy(&arp->arp_data.arp_sha, &out->mac);
	out->flags = arp->arp_opcode == RTE_BE16(RTE_ARP_OP_REPLY) ? RTPP_NEIGH_LEARN_CONFIRMS : 0;
	return RTPP_NEIGH_SNOOP_LEARNT;
}

/* RFC 4443 2.3: the ICMPv6 checksum over the pseudo-header and the message. */
static bool icmp6_checksum_ok(const struct rte_ipv6_hdr *ip6, const uint8_t *icmp, uint32_t icmp_len)
{
	uint32_t sum = rte_raw_cksum(ip6->src_addr, 32) + rte_raw_cksum(icmp, icmp_len);

	sum += rte_cpu_to_be_32(icmp_len) >> 16;
	sum += rte_cpu_to_be_32(icmp_len) & 0xffff;
	sum += rte_cpu_to_be_16(58);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

static enum rtpp_neigh_snoop_result snoop_nd(const struct rte_ether_hdr *eth, const uint8_t *l3,
					     uint32_t len, struct rtpp_neigh_learn *out)
{
	const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)l3;
	const uint8_t *icmp = (const uint8_t *)(ip6 + 1);
	static const uint8_t unspecified[16];
	uint32_t icmp_len, opt_off;
	uint8_t want_opt, flags = 0;
	const uint8_t *addr;

	if (len < sizeof(*ip6) + 24 || ip6->proto != 58 || ip6->hop_limits != 255)
		return RTPP_NEIGH_SNOOP_NOTHING;
	icmp_len = rte_be_to_cpu_16(ip6->payload_len);
	if (icmp_len > len - sizeof(*ip6) || icmp_len < 24)
		return RTPP_NEIGH_SNOOP_NOTHING;
	if (icmp[0] == ICMPV6_NS) {
		if (memcmp(ip6->src_addr, unspecified, 16) == 0)
			return RTPP_NEIGH_SNOOP_NOTHING; /* DAD */
		addr = ip6->src_addr;
		want_opt = ND_OPT_SOURCE_LL;
	} else if (icmp[0] == ICMPV6_NA) {
		addr = icmp + 8;
		want_opt = ND_OPT_TARGET_LL;
		/* R S O: solicited confirms; without O a known MAC stays (RFC 4861 7.2.5). */
		if (icmp[4] & 0x40)
			flags |= RTPP_NEIGH_LEARN_CONFIRMS;
		if (!(icmp[4] & 0x20))
			flags |= RTPP_NEIGH_LEARN_NO_OVERRIDE;
	} else {
		return RTPP_NEIGH_SNOOP_NOTHING;
	}
	for (opt_off = 24; opt_off + 8 <= icmp_len;) {
		uint8_t type = icmp[opt_off], units = icmp[opt_off + 1];

		if (units == 0)
			return RTPP_NEIGH_SNOOP_NOTHING;
		if (type == want_opt) {
			const struct rte_ether_addr *mac = (const struct rte_ether_addr *)&icmp[opt_off + 2];

			/* Only now is the packet worth its checksum: it would teach something. */
			if (!icmp6_checksum_ok(ip6, icmp, icmp_len) ||
			    sender_mac(eth, mac) != RTPP_NEIGH_SNOOP_LEARNT)
				return RTPP_NEIGH_SNOOP_REFUSED;
			rtpp_addr_set_v6(&out->addr, addr);
			rte_ether_addr_copy(mac, &out->mac);
			out->flags = flags;
			return RTPP_NEIGH_SNOOP_LEARNT;
		}
		opt_off += (uint32_t)units * 8;
	}
	return RTPP_NEIGH_SNOOP_NOTHING;
}

enum rtpp_neigh_snoop_result rtpp_neigh_snoop(const uint8_t *frame, uint32_t len,
					      struct rtpp_neigh_learn *out)
{
	const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)frame;

	if (len < sizeof(*eth))
		return RTPP_NEIGH_SNOOP_NOTHING;
	memset(out, 0, sizeof(*out));
	if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_ARP))
		return snoop_arp(eth, frame + sizeof(*eth), len - (uint32_t)sizeof(*eth), out);
	if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV6))
		return snoop_nd(eth, frame + sizeof(*eth), len - (uint32_t)sizeof(*eth), out);
	return RTPP_NEIGH_SNOOP_NOTHING;
}

static int build_arp_request(struct rte_mbuf *m, const struct rte_ether_addr *src_mac,
			     const struct rtpp_addr *src, const struct rtpp_addr *target)
{
	const uint16_t len = sizeof(struct rte_ether_hdr) + sizeof(struct rte_arp_hdr);
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, len);
	struct rte_arp_hdr *arp;

	if (eth == NULL)
		return -1;
	memset(eth, 0xff, sizeof(eth->dst_addr));
	rte_ether_addr_copy(src_mac, &eth->src_addr);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	arp = (struct rte_arp_hdr *)(eth + 1);
	arp->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = 4;
	arp->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
	rte_ether_addr_copy(src_mac, &arp->arp_data.arp_sha);
	arp->arp_data.arp_sip = rtpp_addr_v4(src);
	memset(&arp->arp_data.arp_tha, 0, sizeof(arp->arp_data.arp_tha));
	arp->arp_data.arp_tip = rtpp_addr_v4(target);
	return 0;
}

static int build_neighbour_solicitation(struct rte_mbuf *m, const struct rte_ether_addr *src_mac,
					const struct rtpp_addr *src, const struct rtpp_addr *target)
{
	const uint16_t icmp_len = 4 + 4 + 16 + 8; /* header, reserved, target, SLLA option */
	const uint16_t len = sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv6_hdr) + icmp_len;
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, len);
	struct rte_ipv6_hdr *ip6;
	uint8_t *icmp;

	if (eth == NULL)
		return -1;
	/* Solicited-node multicast: ff02::1:ffXX:XXXX, MAC 33:33:ff:XX:XX:XX */
	static const uint8_t snm_prefix[13] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff };
	eth->dst_addr.addr_bytes[0] = 0x33;
	eth->dst_addr.addr_bytes[1] = 0x33;
	eth->dst_addr.addr_bytes[2] = 0xff;
	memcpy(&eth->dst_addr.addr_bytes[3], &target->bytes[13], 3);
	rte_ether_addr_copy(src_mac, &eth->src_addr);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);

	ip6 = (struct rte_ipv6_hdr *)(eth + 1);
	ip6->vtc_flow = RTE_BE32(6u << 28);
	ip6->payload_len = rte_cpu_to_be_16(icmp_len);
	ip6->proto = 58;
	ip6->hop_limits = 255;
	memcpy(ip6->src_addr, src->bytes, 16);
	memcpy(ip6->dst_addr, snm_prefix, 13);
	memcpy(&ip6->dst_addr[13], &target->bytes[13], 3);

	icmp = (uint8_t *)(ip6 + 1);
	memset(icmp, 0, icmp_len);
	icmp[0] = ICMPV6_NS;
	memcpy(icmp + 8, target->bytes, 16);
	icmp[24] = ND_OPT_SOURCE_LL;
	icmp[25] = 1;
	memcpy(icmp + 26, src_mac, RTE_ETHER_ADDR_LEN);
	/* The UDP/TCP helper computes any upper layer's pseudo-header checksum. */
	uint16_t csum = rte_ipv6_udptcp_cksum(ip6, icmp);
	memcpy(icmp + 2, &csum, 2);
	return 0;
}

int rtpp_neigh_build_probe(struct rte_mbuf *m, const struct rte_ether_addr *src_mac,
			   const struct rtpp_addr *src_addr, const struct rtpp_addr *target)
{
	if (target->family == RTPP_AF_INET)
		return build_arp_request(m, src_mac, src_addr, target);
	if (target->family == RTPP_AF_INET6)
		return build_neighbour_solicitation(m, src_mac, src_addr, target);
	errno = EAFNOSUPPORT;
	return -1;
}
