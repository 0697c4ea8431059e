/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The data plane's test interface: what the unit tests (tests/test_dataplane.c,
 * tests/test_api.c) and the forwarding benchmark (usertools/bench) may reach
 * beyond rtpp_dataplane.h. Nothing in the product uses it. It lets a caller
 * build a data plane around ports and a pool it owns and drive a worker's
 * burst functions by hand, and reach the tables to set up and inspect state.
 * Tests and benchmarks include this header, never the *_private.h ones.
 */
#ifndef RTPP_DATAPLANE_TEST_H
#define RTPP_DATAPLANE_TEST_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "admission_private.h"  /* admission, tested without an EAL */
#include "host_rings_private.h" /* the kernel's af_packet ring drops, without an EAL too */
#include "rtpp_dataplane.h"
#include "rtpp_neigh.h"
#include "rtpp_portalloc.h"
#include "rtpp_session.h"
#include "rtpp_stats.h"

struct rtpp_worker;

/*
 * A data plane around ports and a pool the caller owns, with no TAP,
 * probing or launched workers; the interfaces take cfg's (when given) in
 * order. Destroy with rtpp_dataplane_destroy() (the ports and the pool stay
 * the caller's). NULL on bad arguments or no memory.
 */
struct rtpp_dataplane *rtpp_dataplane_create_detached(const uint16_t *port_ids,
						      unsigned int n_ports, uint32_t max_sessions,
						      uint16_t n_workers, struct rte_mempool *pool,
						      const struct rtpp_config *cfg /* or NULL */);

/* The hot path of one burst from a data interface, and sending what it buffered. */
void rtpp_worker_process_media(struct rtpp_worker *w, uint16_t iface, struct rte_mbuf **pkts,
			       uint16_t n, uint64_t now_tsc);
void rtpp_worker_flush(struct rtpp_worker *w);

/* Internals, for setting up and inspecting state. */
struct rtpp_worker *rtpp_dataplane_test_worker(struct rtpp_dataplane *dp, uint16_t id);
struct rtpp_session_table *rtpp_dataplane_test_sessions(struct rtpp_dataplane *dp);
struct rtpp_neigh_table *rtpp_dataplane_test_neigh(struct rtpp_dataplane *dp);
/* Where workers put the ARP/ND bindings they snoop (struct rtpp_neigh_learn). */
struct rte_ring *rtpp_dataplane_test_learn_ring(struct rtpp_dataplane *dp);
/* An interface's UDP media port pool (NULL without a configured range). */
struct rtpp_port_pool *rtpp_dataplane_test_port_pool(struct rtpp_dataplane *dp, uint16_t iface);
const struct rte_ether_addr *rtpp_dataplane_test_iface_mac(struct rtpp_dataplane *dp, uint16_t iface);
/* One worker's own counters of one interface (not summed). */
struct rtpp_iface_counters *rtpp_dataplane_test_worker_counters(struct rtpp_worker *w,
								uint16_t iface);
/* How many slots one session listing may look at (RTPP_LIST_SCAN_SLOTS by default). */
void rtpp_dataplane_test_set_list_scan(struct rtpp_dataplane *dp, uint32_t slots);
/* Throw away the workers' pending flow events, as a full ring would have. */
void rtpp_dataplane_test_discard_flow_events(struct rtpp_dataplane *dp);
/* Is an event handler registered? */
bool rtpp_dataplane_test_has_event_handler(struct rtpp_dataplane *dp);
/*
 * The rate limit profile a session with these limits would get (shared with
 * the legs that have the same), for a leg's meter field; *profile is 0 when
 * both are 0. Takes dp->lock (main lcore). 0, or -ENOSPC when every profile
 * is taken, -EINVAL when rte_meter refuses the numbers.
 */
int rtpp_dataplane_test_rate_profile(struct rtpp_dataplane *dp, uint32_t pps, uint64_t bps,
				     uint16_t *profile);
/*
 * Read what a detached data plane's ports drop before the workers see them
 * (the iface views' host_drops), as rtpp_dataplane_create does for its own
 * ports. 0, or -ENOMEM.
 */
int rtpp_dataplane_test_watch_host_drops(struct rtpp_dataplane *dp);
/*
 * Why the sweep at now_tsc would close the TCP session in slot index
 * (RTPP_CLOSE_NONE: it would not), under dp->lock.
 */
enum rtpp_close_reason rtpp_dataplane_test_tcp_expiry(struct rtpp_dataplane *dp, uint32_t index,
						      uint64_t now_tsc);

#endif
