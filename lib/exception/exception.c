/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One net_tap vdev per data port; the kernel side of it is configured over
 * rtnetlink (netlink.c). See docs/exception-path.md.
 */
#include "rtpp_exception.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus_vdev.h>
#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_log.h>

#include "nl_private.h"

RTE_LOG_REGISTER(rtpp_logtype_exception, rtpproxy.exception, INFO);

#define EXC_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, rtpp_logtype_exception, \
		"exception: " fmt "\n", ##__VA_ARGS__)

#define TAP_DRIVER_NAME "net_tap"
#define MAC_FMT "%02x:%02x:%02x:%02x:%02x:%02x"

/*
 * The name becomes a kernel interface name and a devargs value: it must fit
 * IFNAMSIZ and stay clear of the devargs separators (',' '=') and of what the
 * kernel refuses ('/', ':', blanks).
 */
static int ifname_ok(const char *name)
{
	size_t len = strnlen(name, RTPP_IFNAME_LEN);
	size_t i;

	if (len == 0 || len >= IFNAMSIZ || len >= RTPP_IFNAME_LEN)
		return 0;
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return 0;
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
			return 0;
	}
	return 1;
}

int rtpp_exception_create(uint16_t data_port_id, const struct rtpp_iface_config *ifc,
			  uint16_t *tap_port_id, char *err, size_t errlen)
{
	char vdev_name[RTE_DEV_NAME_MAX_LEN];
	char args[128];
	struct rte_ether_addr mac, tap_mac;
	struct rte_eth_dev_info info;
	unsigned int kindex;
	uint16_t port;
	int ret;

	if (ifc == NULL || tap_port_id == NULL) {
		snprintf(err, errlen, "no interface");
		return -EINVAL;
	}
	if (!ifname_ok(ifc->name)) {
		snprintf(err, errlen, "interface name \"%.*s\" cannot name a TAP", RTPP_IFNAME_LEN,
			 ifc->name);
		return -EINVAL;
	}
	if (!rte_eth_dev_is_valid_port(data_port_id)) {
		snprintf(err, errlen, "%s: data port %u does not exist", ifc->name, data_port_id);
		return -ENODEV;
	}
	ret = rte_eth_macaddr_get(data_port_id, &mac);
	if (ret != 0) {
		snprintf(err, errlen, "%s: MAC of data port %u: %s", ifc->name, data_port_id,
			 rte_strerror(-ret));
		return ret;
	}
	if (!rte_is_valid_assigned_ether_addr(&mac)) {
		snprintf(err, errlen, "%s: data port %u has no unicast MAC (" MAC_FMT ")",
			 ifc->name, data_port_id, RTE_ETHER_ADDR_BYTES(&mac));
		return -EINVAL;
	}
	/*
	 * net_tap would attach to an existing TAP of that name (sharing it with
	 * whoever owns it) or fail with a bare EINVAL for any other kind of
	 * interface: refuse with a clear reason instead.
	 */
	if (if_nametoindex(ifc->name) != 0) {
		snprintf(err, errlen,
			 "%s: a kernel interface of that name already exists (the TAP takes "
			 "the interface's name: rename one of them)",
			 ifc->name);
		return -EEXIST;
	}

	snprintf(vdev_name, sizeof(vdev_name), RTPP_EXCEPTION_VDEV_PREFIX "%s", ifc->name);
	snprintf(args, sizeof(args), "iface=%s,mac=" MAC_FMT, ifc->name,
		 RTE_ETHER_ADDR_BYTES(&mac));
	ret = rte_vdev_init(vdev_name, args);
	if (ret != 0) {
		snprintf(err, errlen, "%s: rte_vdev_init(%s, %s): %s", ifc->name, vdev_name, args,
			 rte_strerror(ret < 0 ? -ret : ret));
		return ret < 0 ? ret : -ret;
	}
	ret = rte_eth_dev_get_port_by_name(vdev_name, &port);
	if (ret != 0) {
		snprintf(err, errlen, "%s: %s probed but has no ethdev port", ifc->name, vdev_name);
		rte_vdev_uninit(vdev_name);
		return -ENODEV;
	}

	/*
	 * net_tap drops all its devargs without a word when one is unknown and
	 * then creates "dtapN" with a random MAC: check what the kernel got.
	 */
	kindex = if_nametoindex(ifc->name);
	if (rte_eth_dev_info_get(port, &info) != 0 || kindex == 0 ||
	    info.if_index != kindex || rte_eth_macaddr_get(port, &tap_mac) != 0 ||
	    !rte_is_same_ether_addr(&mac, &tap_mac)) {
		snprintf(err, errlen,
			 "%s: %s did not come up as kernel interface %s with MAC " MAC_FMT,
			 ifc->name, vdev_name, ifc->name, RTE_ETHER_ADDR_BYTES(&mac));
		rte_eth_dev_close(port);
		rte_vdev_uninit(vdev_name);
		return -EIO;
	}

	*tap_port_id = port;
	EXC_LOG(INFO, "%s: TAP port %u (kernel ifindex %u, MAC " MAC_FMT ") for data port %u",
		ifc->name, port, kindex, RTE_ETHER_ADDR_BYTES(&mac), data_port_id);
	return 0;
}

static void set_err(char *err, size_t errlen, const char *ifname, const char *msg)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: %s", ifname, msg);
}

int rtpp_exception_configure_kernel(const struct rtpp_iface_config *ifc,
				    char *err, size_t errlen)
{
	struct rtpp_nl nl;
	char msg[RTPP_CONFIG_ERR_LEN];
	unsigned int i, n_routes = 0;
	int ifindex;
	int ret;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (ifc == NULL)
		return -1;
	if (!ifname_ok(ifc->name)) {
		set_err(err, errlen, "?", "invalid interface name");
		return -1;
	}
	if (ifc->n_addrs > RTPP_MAX_IFACE_ADDRS) {
		set_err(err, errlen, ifc->name, "too many addresses");
		return -1;
	}
	ifindex = (int)if_nametoindex(ifc->name);
	if (ifindex == 0) {
		snprintf(msg, sizeof(msg), "no such kernel interface: %s", strerror(errno));
		set_err(err, errlen, ifc->name, msg);
		return -1;
	}
	if (rtpp_nl_open(&nl, msg, sizeof(msg)) < 0) {
		set_err(err, errlen, ifc->name, msg);
		return -1;
	}

	/* Up (and MTU) first: IPv4 prefix routes and any gateway need the link up. */
	ret = rtpp_nl_link_up(&nl, ifindex, ifc->mtu, msg, sizeof(msg));
	for (i = 0; ret == 0 && i < ifc->n_addrs; i++)
		ret = rtpp_nl_addr_add(&nl, ifindex, &ifc->addrs[i], msg, sizeof(msg));
	if (ret == 0 && rtpp_addr_is_set(&ifc->gateway4)) {
		ret = rtpp_nl_default_route_add(&nl, ifindex, &ifc->gateway4, msg, sizeof(msg));
		n_routes++;
	}
	if (ret == 0 && rtpp_addr_is_set(&ifc->gateway6)) {
		ret = rtpp_nl_default_route_add(&nl, ifindex, &ifc->gateway6, msg, sizeof(msg));
		n_routes++;
	}
	rtpp_nl_close(&nl);
	if (ret != 0) {
		set_err(err, errlen, ifc->name, msg);
		return -1;
	}
	EXC_LOG(INFO, "%s: kernel side up: ifindex %d, mtu %s%u, %u address(es), %u default route(s)",
		ifc->name, ifindex, ifc->mtu ? "" : "unchanged ", (unsigned int)ifc->mtu,
		ifc->n_addrs, n_routes);
	return 0;
}

void rtpp_exception_destroy(uint16_t tap_port_id)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	struct rte_eth_dev_info info;
	int ret;

	if (!rte_eth_dev_is_valid_port(tap_port_id))
		return;
	if (rte_eth_dev_info_get(tap_port_id, &info) != 0 || info.driver_name == NULL ||
	    strcmp(info.driver_name, TAP_DRIVER_NAME) != 0) {
		EXC_LOG(ERR, "port %u is not a %s port: not destroying it", tap_port_id,
			TAP_DRIVER_NAME);
		return;
	}
	if (rte_eth_dev_get_name_by_port(tap_port_id, name) != 0)
		return;
	ret = rte_eth_dev_stop(tap_port_id);
	if (ret != 0)
		EXC_LOG(WARNING, "%s: stop: %s", name, rte_strerror(-ret));
	ret = rte_eth_dev_close(tap_port_id);
	if (ret != 0)
		EXC_LOG(WARNING, "%s: close: %s", name, rte_strerror(-ret));
	/* close already released the ethdev; this removes the vdev from the bus. */
	ret = rte_vdev_uninit(name);
	if (ret != 0)
		EXC_LOG(WARNING, "%s: rte_vdev_uninit: %s", name, rte_strerror(-ret));
	else
		EXC_LOG(INFO, "%s: TAP port %u removed", name, tap_port_id);
}
