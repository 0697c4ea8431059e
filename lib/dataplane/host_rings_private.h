/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the kernel dropped for this process's af_packet sockets because their
 * receive ring was full (host_rings.c). Plain C on Linux sockets, no DPDK:
 * tested without an EAL (rtpp_dataplane_test.h includes this header).
 *
 * Not thread-safe: one caller at a time (host_drops.c holds its lock around
 * every call), because reading the kernel's counters also resets them.
 */
#ifndef RTPP_HOST_RINGS_PRIVATE_H
#define RTPP_HOST_RINGS_PRIVATE_H

#include <stdint.h>

/* Sockets followed per kernel interface: the af_packet PMD opens one per queue pair. */
#define RTPP_HOST_RING_MAX_SOCKETS 64
/* When an interface has no socket yet, the descriptors are looked at again at most this often. */
#define RTPP_HOST_RING_RESCAN_MS 1000

struct rtpp_host_rings;

/*
 * Follow the af_packet sockets bound to each of n kernel interfaces
 * (ifindex[i]; 0: none for slot i). NULL when out of memory. Nothing is
 * looked at before the first poll.
 */
struct rtpp_host_rings *rtpp_host_rings_create(const int *ifindex, unsigned int n);
void rtpp_host_rings_free(struct rtpp_host_rings *r);
/*
 * Read slot i's sockets' PACKET_STATISTICS and add their drops up. The
 * descriptors found by the last walk of /proc/self/fd are reused while
 * each is still the same socket (device and inode); a walk runs again when
 * one is not (the port was stopped and started, a descriptor was reused),
 * and, while slot i has none, at most every RTPP_HOST_RING_RESCAN_MS.
 * Returns 0, or -errno when /proc/self/fd cannot be read (the counts stay).
 */
int rtpp_host_rings_poll(struct rtpp_host_rings *r, unsigned int i);
/* Frames dropped so far for slot i's sockets (tp_drops, added up over reads). */
uint64_t rtpp_host_rings_dropped(const struct rtpp_host_rings *r, unsigned int i);
/* Sockets slot i's count is read from, as of the last poll. */
unsigned int rtpp_host_rings_sockets(const struct rtpp_host_rings *r, unsigned int i);
/* Walks of /proc/self/fd so far (a poll that finds its sockets unchanged does none). */
uint64_t rtpp_host_rings_scans(const struct rtpp_host_rings *r);

#endif
