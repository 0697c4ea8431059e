/* SPDX-License-Identifier: BSD-3-Clause */
/* The accessors of rtpp_dataplane_test.h (tests and benchmarks only). */
#include "dataplane_private.h"
#include "media_private.h"
#include "rtpp_dataplane_test.h"
#include "tcp_sessions_private.h"
#include "worker_private.h"

struct rtpp_worker *rtpp_dataplane_test_worker(struct rtpp_dataplane *dp, uint16_t id)
{
	return id < dp->n_workers ? dp->workers[id] : NULL;
}

struct rtpp_session_table *rtpp_dataplane_test_sessions(struct rtpp_dataplane *dp)
{
	return dp->sessions;
}

struct rtpp_neigh_table *rtpp_dataplane_test_neigh(struct rtpp_dataplane *dp)
{
	return dp->neigh;
}

struct rte_ring *rtpp_dataplane_test_learn_ring(struct rtpp_dataplane *dp)
{
	return dp->learn_ring;
}

struct rtpp_port_pool *rtpp_dataplane_test_port_pool(struct rtpp_dataplane *dp, uint16_t iface)
{
	return iface < RTPP_MAX_INTERFACES ? dp->admission.pools[iface] : NULL;
}

const struct rte_ether_addr *rtpp_dataplane_test_iface_mac(struct rtpp_dataplane *dp, uint16_t iface)
{
	return &dp->ifaces[iface].mac;
}

struct rtpp_iface_counters *rtpp_dataplane_test_worker_counters(struct rtpp_worker *w, uint16_t iface)
{
	return &w->iface_counters[iface];
}

bool rtpp_dataplane_test_has_event_handler(struct rtpp_dataplane *dp)
{
	pthread_mutex_lock(&dp->lock);
	bool has = dp->event_fn != NULL;
	pthread_mutex_unlock(&dp->lock);
	return has;
}

int rtpp_dataplane_test_rate_profile(struct rtpp_dataplane *dp, uint32_t pps, uint64_t bps,
				     uint16_t *profile)
{
	char err[128];

	pthread_mutex_lock(&dp->lock);
	int rc = rtpp_media_rate_acquire_locked(dp, pps, bps, profile, err, sizeof(err));
	pthread_mutex_unlock(&dp->lock);
	return rc;
}

void rtpp_dataplane_test_discard_flow_events(struct rtpp_dataplane *dp)
{
	struct rtpp_flow_event ev;

	while (rte_ring_sc_dequeue_elem(dp->event_ring, &ev, sizeof(ev)) == 0)
		;
}

void rtpp_dataplane_test_set_list_scan(struct rtpp_dataplane *dp, uint32_t slots)
{
	dp->list_scan_slots = slots;
}

enum rtpp_close_reason rtpp_dataplane_test_tcp_expiry(struct rtpp_dataplane *dp, uint32_t index,
						      uint64_t now_tsc)
{
	enum rtpp_close_reason why;

	pthread_mutex_lock(&dp->lock);
	why = rtpp_tcp_session_expiry_locked(dp, index, now_tsc);
	pthread_mutex_unlock(&dp->lock);
	return why;
}
