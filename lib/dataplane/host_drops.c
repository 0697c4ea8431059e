/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per data interface, what was lost before the proxy saw it, by reason
 * (docs/statistics.md has what each means and where it is filled):
 *
 *   host_ring_dropped  af_packet ports: frames the kernel dropped because
 *                      the socket's receive ring was full (host_rings.c);
 *   nic_missed         rte_eth_stats imissed, nic_rx_errors ierrors and
 *   nic_rx_errors,     nic_rx_nombuf rx_nombuf: what a device driven by
 *   nic_rx_nombuf      DPDK says it dropped (DPDK 22.11's af_packet driver
 *                      fills none of them).
 *
 * The device's figures are cumulative and read as they are. The kernel's
 * reset on every read, so they are read under a lock and added up, by
 * whichever comes first: a reader (unless the kernel was asked within
 * RTPP_HOST_DROPS_FRESH_MS), or the main lcore every RTPP_HOST_DROPS_POLL_MS
 * (so that the kernel's 32-bit counters never wrap between reads and a
 * socket that closes loses little).
 */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "host_drops_private.h"
#include "host_rings_private.h"
#include "rtpp_dataplane_test.h"

struct rtpp_host_drops {
	/* Set at create; read by all. */
	unsigned int n_ifaces;
	uint16_t port_ids[RTPP_MAX_INTERFACES];
	int ifindex[RTPP_MAX_INTERFACES]; /* af_packet ports' kernel interfaces; 0 for others */
	const char *names[RTPP_MAX_INTERFACES];
	uint64_t poll_gap_tsc;
	uint64_t fresh_tsc; /* a reader's figure may be this old: callers in bursts share a read */

	/* Under lock: whoever reads (main, readers). */
	pthread_mutex_t lock;
	struct rtpp_host_rings *rings;
	unsigned int sockets_logged[RTPP_MAX_INTERFACES]; /* what the log said last */
	uint64_t read_tsc[RTPP_MAX_INTERFACES];           /* when the kernel was last asked */
	int walk_error_logged; /* errno of the last walk failure logged */

	uint64_t next_poll_tsc; /* main only */
};

/* The kernel interface under an af_packet port; 0 for any other driver. */
static int af_packet_ifindex(uint16_t port_id)
{
	struct rte_eth_dev_info info;

	if (rte_eth_dev_info_get(port_id, &info) != 0 || info.driver_name == NULL ||
	    strcmp(info.driver_name, "net_af_packet") != 0 || info.if_index == 0 ||
	    info.if_index > INT_MAX)
		return 0;
	return (int)info.if_index;
}

struct rtpp_host_drops *rtpp_host_drops_create(const struct rtpp_dataplane *dp)
{
	struct rtpp_host_drops *hd = calloc(1, sizeof(*hd));

	if (hd == NULL)
		return NULL;
	hd->n_ifaces = dp->n_ifaces;
	for (unsigned int i = 0; i < dp->n_ifaces; i++) {
		hd->port_ids[i] = dp->ifaces[i].port_id;
		hd->ifindex[i] = af_packet_ifindex(dp->ifaces[i].port_id);
		hd->names[i] = dp->ifaces[i].cfg != NULL ? dp->ifaces[i].cfg->name : "";
		hd->sockets_logged[i] = UINT_MAX; /* nothing said yet */
	}
	hd->rings = rtpp_host_rings_create(hd->ifindex, hd->n_ifaces);
	if (hd->rings == NULL) {
		free(hd);
		return NULL;
	}
	hd->poll_gap_tsc = rte_get_tsc_hz() / 1000u * RTPP_HOST_DROPS_POLL_MS;
	hd->fresh_tsc = rte_get_tsc_hz() / 1000u * RTPP_HOST_DROPS_FRESH_MS;
	pthread_mutex_init(&hd->lock, NULL);
	return hd;
}

void rtpp_host_drops_free(struct rtpp_host_drops *hd)
{
	if (hd == NULL)
		return;
	rtpp_host_rings_free(hd->rings);
	pthread_mutex_destroy(&hd->lock);
	free(hd);
}

/* Read iface's sockets; say in the log when what is read from changes. Under hd->lock. */
static void poll_locked(struct rtpp_host_drops *hd, unsigned int i)
{
	char kname[IF_NAMESIZE];
	int rc;

	if (hd->ifindex[i] == 0)
		return;
	hd->read_tsc[i] = rte_rdtsc();
	rc = rtpp_host_rings_poll(hd->rings, i);
	if (rc != 0) {
		if (hd->walk_error_logged != -rc)
			DP_LOG(WARNING,
			       "cannot read /proc/self/fd (%s): host_ring_dropped stays as it is\n",
			       strerror(-rc));
		hd->walk_error_logged = -rc;
		return;
	}
	unsigned int n = rtpp_host_rings_sockets(hd->rings, i);

	if (n == hd->sockets_logged[i])
		return;
	if (if_indextoname((unsigned int)hd->ifindex[i], kname) == NULL)
		snprintf(kname, sizeof(kname), "#%d", hd->ifindex[i]);
	if (n != 0)
		DP_LOG(INFO,
		       "interface %s: host_ring_dropped counts the ring overflows of %u af_packet "
		       "socket(s) on kernel interface %s\n",
		       hd->names[i], n, kname);
	else
		DP_LOG(WARNING,
		       "interface %s: no af_packet socket of this process on kernel interface %s: "
		       "host_ring_dropped cannot count its ring overflows\n",
		       hd->names[i], kname);
	hd->sockets_logged[i] = n;
}

void rtpp_host_drops_service(struct rtpp_host_drops *hd)
{
	uint64_t now;

	if (hd == NULL)
		return;
	now = rte_rdtsc();
	if (now < hd->next_poll_tsc)
		return;
	hd->next_poll_tsc = now + hd->poll_gap_tsc;
	pthread_mutex_lock(&hd->lock);
	for (unsigned int i = 0; i < hd->n_ifaces; i++)
		poll_locked(hd, i);
	pthread_mutex_unlock(&hd->lock);
}

void rtpp_host_drops_read(struct rtpp_host_drops *hd, unsigned int iface,
			  struct rtpp_host_drop_counters *out, unsigned int *ring_sockets)
{
	struct rte_eth_stats st;

	memset(out, 0, sizeof(*out));
	*ring_sockets = 0;
	if (hd == NULL || iface >= hd->n_ifaces)
		return;
	pthread_mutex_lock(&hd->lock);
	if (rte_rdtsc() - hd->read_tsc[iface] >= hd->fresh_tsc)
		poll_locked(hd, iface);
	out->host_ring_dropped = rtpp_host_rings_dropped(hd->rings, iface);
	*ring_sockets = rtpp_host_rings_sockets(hd->rings, iface);
	pthread_mutex_unlock(&hd->lock);
	if (rte_eth_stats_get(hd->port_ids[iface], &st) == 0) {
		out->nic_missed = st.imissed;
		out->nic_rx_errors = st.ierrors;
		out->nic_rx_nombuf = st.rx_nombuf;
	}
}

int rtpp_dataplane_test_watch_host_drops(struct rtpp_dataplane *dp)
{
	if (dp->host_drops == NULL)
		dp->host_drops = rtpp_host_drops_create(dp);
	return dp->host_drops != NULL ? 0 : -ENOMEM;
}
