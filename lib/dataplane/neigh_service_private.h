/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The neighbour service on the main lcore: applies the ARP/ND bindings that
 * workers snooped (dp->learn_ring), probes next hops on a timer, and sends
 * the probes through a worker's control ring (workers own the TX queues).
 */
#ifndef RTPP_NEIGH_SERVICE_PRIVATE_H
#define RTPP_NEIGH_SERVICE_PRIVATE_H

#include <stdint.h>

#include "dataplane_private.h"

/* Learn what workers snooped, and probe what the timer says is due. */
void rtpp_neigh_service_run_locked(struct rtpp_dataplane *dp, uint64_t now_tsc);
/* Probe a next hop a new session introduced, at once. */
void rtpp_neigh_service_probe_new_locked(struct rtpp_dataplane *dp, uint32_t neigh);

#endif
