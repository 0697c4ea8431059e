/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The exception path: everything on a data port that is not session media
 * (ARP, ND, ICMP, TCP, UDP to unknown ports) goes to the Linux kernel through
 * one TAP (DPDK net_tap PMD) per data port, and what the kernel sends on that
 * TAP goes out of the data port. The TAP carries the interface's name, the data
 * port's MAC, the configured addresses and default routes, so the kernel
 * answers ARP/ND/ping for the proxy's addresses and sends ICMP port
 * unreachable for unknown UDP ports. See docs/exception-path.md.
 *
 * Control path only; not thread-safe; call from the main lcore.
 * Log type: "rtpproxy.exception".
 */
#ifndef RTPP_EXCEPTION_H
#define RTPP_EXCEPTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtpp_config.h"

/* Prefix of the TAP's vdev name: "net_tap_<ifname>" (net_tap matches by prefix). */
#define RTPP_EXCEPTION_VDEV_PREFIX "net_tap_"

/*
 * Create (rte_vdev_init) the net_tap vdev for a data port: vdev name
 * "net_tap_<ifc->name>", kernel interface name ifc->name, MAC = the data port's
 * MAC (rte_eth_macaddr_get), set by the PMD at probe. Checks afterwards that
 * the kernel interface really got that name and MAC (net_tap silently ignores
 * all its devargs when one is unknown). Refuses when a kernel interface called
 * ifc->name already exists.
 *
 * Does not configure or start the port: the caller configures it like any other
 * port, with these net_tap rules: equal RX and TX queue counts (at most 16),
 * each RX queue pre-allocates nb_rx_desc mbufs from its pool at setup, and
 * dev_conf.rxmode.mtu should be ifc->mtu (the PMD drops TX frames longer than
 * its own MTU + 22). rte_eth_dev_start sets the kernel link up.
 *
 * Returns 0 and *tap_port_id, or -errno with the reason in err.
 */
int rtpp_exception_create(uint16_t data_port_id, const struct rtpp_iface_config *ifc,
			  uint16_t *tap_port_id, char *err, size_t errlen);

/*
 * After the TAP port is started, through rtnetlink (never by running `ip`):
 * link up with MTU ifc->mtu (when != 0), every ifc->addrs[] with its prefix
 * length (IPv6 with IFA_F_NODAD: usable at once), default routes via
 * gateway4 / gateway6 when set (table main, proto static, dev ifc->name).
 * Idempotent: run it again after every rte_eth_dev_start of the TAP, since
 * rte_eth_dev_stop sets the link down and the kernel then drops the routes
 * and the IPv6 addresses.
 *
 * Returns 0, or -1 with one line in err: "<ifname>: <step>: <strerror>"
 * followed by the kernel's extended-ACK text in parentheses when it sent one,
 * e.g. "rtpp0: add default route via 203.0.113.1: Network is unreachable
 * (Nexthop has invalid gateway)". Steps done before the failure stay done;
 * destroying the TAP undoes them all.
 */
int rtpp_exception_configure_kernel(const struct rtpp_iface_config *ifc,
				    char *err, size_t errlen);

/*
 * Remove the TAP: rte_eth_dev_stop, rte_eth_dev_close, rte_vdev_uninit. The
 * kernel interface disappears with it (together with its addresses and
 * routes). Does nothing (but log) for a port that is not a net_tap port.
 */
void rtpp_exception_destroy(uint16_t tap_port_id);

/*
 * The host as an interface's exception path needs it, checked before DPDK
 * starts (for --check too), in the caller's network namespace: a kernel
 * interface with the interface's name (the TAP could not be made: fatal,
 * only a warning when it is a TAP, most likely a running proxy's, which the
 * start itself refuses), and for an af_packet device the kernel interface under it: missing
 * (fatal), with IP addresses or IPv6 on (the kernel would answer on the link
 * beside the proxy: a warning each).
 */
#define RTPP_HOST_CHECK_MAX 4
struct rtpp_host_check {
	unsigned int n, fatal;
	struct {
		bool fatal;
		char text[256];
	} problems[RTPP_HOST_CHECK_MAX];
};
void rtpp_exception_host_check(const struct rtpp_iface_config *ifc, struct rtpp_host_check *out);

#endif
