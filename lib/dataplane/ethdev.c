/* SPDX-License-Identifier: BSD-3-Clause */
/* Bring the NIC ports and their TAP exception ports up, and take them down. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "ethdev_private.h"
#include "host_drops_private.h"
#include "rtpp_exception.h"

static int probe_device(const char *device, uint16_t *port_id, char *err, size_t errlen)
{
	char name[RTE_DEV_NAME_MAX_LEN];
	size_t len = strcspn(device, ",");
	int rc;

	if (len >= sizeof(name))
		len = sizeof(name) - 1;
	memcpy(name, device, len);
	name[len] = '\0';
	/* Already probed by EAL (-a, --vdev)? Then use it as it is. */
	if (rte_eth_dev_get_port_by_name(name, port_id) == 0)
		return 0;
	rc = rte_dev_probe(device);
	if (rc < 0) {
		snprintf(err, errlen, "device \"%s\": probe failed: %s", device, rte_strerror(-rc));
		return -1;
	}
	if (rte_eth_dev_get_port_by_name(name, port_id) != 0) {
		snprintf(err, errlen, "device \"%s\": probed, but no ethernet port named \"%s\"",
			 device, name);
		return -1;
	}
	return 0;
}

struct port_setup {
	uint16_t nb_rx;
	uint16_t nb_tx;
	uint16_t mtu;
	bool want_ip_csum_offload;
};

static int port_start(struct rtpp_dataplane *dp, uint16_t port_id, const char *what,
		      const struct port_setup *ps, bool *ip_csum_offload, char *err, size_t errlen)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	uint16_t nb_rxd = dp->cfg->dataplane.rx_desc, nb_txd = dp->cfg->dataplane.tx_desc;
	int socket = rte_eth_dev_socket_id(port_id);
	int rc;

	if (socket < 0)
		socket = (int)rte_socket_id();
	rc = rte_eth_dev_info_get(port_id, &info);
	if (rc != 0)
		goto fail_rc;
	if (ps->nb_rx > info.max_rx_queues || ps->nb_tx > info.max_tx_queues) {
		snprintf(err, errlen,
			 "%s: needs %u RX and %u TX queues, the device offers %u and %u "
			 "(af_packet: raise qpairs=)",
			 what, ps->nb_rx, ps->nb_tx, info.max_rx_queues, info.max_tx_queues);
		return -1;
	}
	memset(&conf, 0, sizeof(conf));
	if (ps->nb_rx > 1) {
		/* A flow's 5-tuple always lands on one queue, so one worker owns it. */
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP) &
						   info.flow_type_rss_offloads;
	}
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;
	*ip_csum_offload = ps->want_ip_csum_offload &&
			   (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM);
	if (*ip_csum_offload)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;

	rc = rte_eth_dev_configure(port_id, ps->nb_rx, ps->nb_tx, &conf);
	if (rc != 0)
		goto fail_rc;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &nb_rxd, &nb_txd);
	if (rc != 0)
		goto fail_rc;
	for (uint16_t q = 0; q < ps->nb_rx; q++) {
		rc = rte_eth_rx_queue_setup(port_id, q, nb_rxd, (unsigned int)socket, NULL, dp->pool);
		if (rc != 0)
			goto fail_rc;
	}
	for (uint16_t q = 0; q < ps->nb_tx; q++) {
		struct rte_eth_txconf txc = info.default_txconf;

		txc.offloads = conf.txmode.offloads;
		rc = rte_eth_tx_queue_setup(port_id, q, nb_txd, (unsigned int)socket, &txc);
		if (rc != 0)
			goto fail_rc;
	}
	if (ps->mtu != 0 && (rc = rte_eth_dev_set_mtu(port_id, ps->mtu)) != 0)
		goto fail_rc;
	rc = rte_eth_dev_start(port_id);
	if (rc != 0)
		goto fail_rc;
	/* ND needs multicast; not every device can filter it, so errors are fine. */
	rte_eth_allmulticast_enable(port_id);
	return 0;
fail_rc:
	snprintf(err, errlen, "%s: port %u: %s", what, port_id, rte_strerror(rc < 0 ? -rc : rc));
	return -1;
}

static unsigned int mbufs_needed(const struct rtpp_dataplane *dp)
{
	const struct rtpp_dataplane_config *c = &dp->cfg->dataplane;
	unsigned int n = 0;

	if (c->mbufs != 0)
		return c->mbufs;
	for (unsigned int i = 0; i < dp->n_ifaces; i++) {
		n += (unsigned int)dp->ifaces[i].rx_queues * c->rx_desc; /* data RX */
		n += (unsigned int)dp->n_workers * c->tx_desc * 2u;      /* data + TAP TX */
		n += (unsigned int)dp->n_workers * c->rx_desc;           /* TAP RX */
	}
	/* In flight inside each worker, control rings, and slack. */
	n += (unsigned int)dp->n_workers *
	     (RTPP_MAX_BURST * 2 * RTPP_MAX_INTERFACES + RTPP_CTRL_RING_SIZE);
	return n + 4096;
}

int rtpp_ethdev_setup(struct rtpp_dataplane *dp, char *err, size_t errlen)
{
	char what[64];

	for (unsigned int i = 0; i < dp->n_ifaces; i++) {
		struct rtpp_dataplane_iface *ifc = &dp->ifaces[i];

		if (probe_device(ifc->cfg->device, &ifc->port_id, err, errlen) != 0)
			return -1;
		ifc->probed = true;
		ifc->rx_queues = ifc->cfg->rx_queues ? ifc->cfg->rx_queues : dp->n_workers;
		rte_eth_macaddr_get(ifc->port_id, &ifc->mac);
	}

	dp->pool = rte_pktmbuf_pool_create("rtpp_mbufs", mbufs_needed(dp), 256, 0,
					   RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (dp->pool == NULL) {
		snprintf(err, errlen,
			 "cannot allocate %u mbufs: %s (more memory: EAL -m, or hugepages)",
			 mbufs_needed(dp), rte_strerror(rte_errno));
		return -1;
	}

	for (unsigned int i = 0; i < dp->n_ifaces; i++) {
		struct rtpp_dataplane_iface *ifc = &dp->ifaces[i];
		struct port_setup data = {
			.nb_rx = ifc->rx_queues,
			.nb_tx = dp->n_workers,
			.mtu = ifc->cfg->mtu,
			.want_ip_csum_offload = true,
		};
		bool unused;

		snprintf(what, sizeof(what), "interface %s", ifc->cfg->name);
		if (port_start(dp, ifc->port_id, what, &data, &ifc->ip_csum_offload, err, errlen) != 0)
			return -1;

		char why[256];

		if (rtpp_exception_create(ifc->port_id, ifc->cfg, &ifc->tap_port_id, why,
					  sizeof(why)) != 0) {
			snprintf(err, errlen,
				 "cannot create the TAP exception port of interface %s", why);
			return -1;
		}
		ifc->has_tap = true;
		struct port_setup tap = {
			.nb_rx = dp->n_workers,
			.nb_tx = dp->n_workers,
		};
		snprintf(what, sizeof(what), "interface %s: TAP", ifc->cfg->name);
		if (port_start(dp, ifc->tap_port_id, what, &tap, &unused, err, errlen) != 0)
			return -1;
		if (rtpp_exception_configure_kernel(ifc->cfg, err, errlen) != 0)
			return -1;

		char mac[RTE_ETHER_ADDR_FMT_SIZE];
		rte_ether_format_addr(mac, sizeof(mac), &ifc->mac);
		DP_LOG(INFO, "interface %s: port %u (%s), mac %s, %u rx queues, TAP port %u%s\n",
		       ifc->cfg->name, ifc->port_id, ifc->cfg->device, mac, ifc->rx_queues,
		       ifc->tap_port_id, ifc->ip_csum_offload ? ", IPv4 checksum offload" : "");
	}
	/* What the ports lose before the workers see it: the kernel's and the devices' counts. */
	dp->host_drops = rtpp_host_drops_create(dp);
	if (dp->host_drops == NULL) {
		snprintf(err, errlen, "out of memory for the interfaces' drop counters");
		return -1;
	}
	return 0;
}

void rtpp_ethdev_close(struct rtpp_dataplane *dp)
{
	for (unsigned int i = 0; i < dp->n_ifaces; i++) {
		struct rtpp_dataplane_iface *ifc = &dp->ifaces[i];

		if (ifc->has_tap) {
			rtpp_exception_destroy(ifc->tap_port_id);
			ifc->has_tap = false;
		}
		if (ifc->probed) {
			rte_eth_dev_stop(ifc->port_id);
			rte_eth_dev_close(ifc->port_id);
			ifc->probed = false;
		}
	}
	rte_mempool_free(dp->pool);
	dp->pool = NULL;
}
