/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What each data interface lost before the proxy saw it (host_drops.c):
 * the af_packet rings' overflows, from the kernel (host_rings.c), and what
 * the device itself says it dropped (rte_eth_stats_get). Read on the
 * control path only; workers never touch it.
 *
 * Threads: created by main with the ports, freed by main with the data
 * plane; rtpp_host_drops_service on main; rtpp_host_drops_read from any
 * reader. Its own lock serialises the kernel reads (each read resets the
 * kernel's counters); it is never taken with dp->lock held, nor the other
 * way round.
 */
#ifndef RTPP_HOST_DROPS_PRIVATE_H
#define RTPP_HOST_DROPS_PRIVATE_H

#include "dataplane_private.h"

/* How often the main lcore reads the kernel's counters: they are 32 bits wide and reset on read. */
#define RTPP_HOST_DROPS_POLL_MS 250
/* A reader reads the kernel itself unless it was read this recently (telemetry and
 * /metrics read every interface's view several times in a row). */
#define RTPP_HOST_DROPS_FRESH_MS 10

struct rtpp_host_drops;

/* Follow dp's data ports as they are now (probed). NULL when out of memory. Main lcore. */
struct rtpp_host_drops *rtpp_host_drops_create(const struct rtpp_dataplane *dp);
void rtpp_host_drops_free(struct rtpp_host_drops *hd);
/* Main lcore, each service round: reads the kernel's counters every RTPP_HOST_DROPS_POLL_MS. */
void rtpp_host_drops_service(struct rtpp_host_drops *hd);
/*
 * Interface iface's drops (at most RTPP_HOST_DROPS_FRESH_MS old), and how
 * many af_packet sockets host_ring_dropped is read from (0: not an
 * af_packet port, or none found). All zero when hd is NULL (a detached data
 * plane). Any thread.
 */
void rtpp_host_drops_read(struct rtpp_host_drops *hd, unsigned int iface,
			  struct rtpp_host_drop_counters *out, unsigned int *ring_sockets);

#endif
