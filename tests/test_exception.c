/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The exception path against a real kernel: a net_tap for a net_null data
 * port, configured over rtnetlink, checked through the kernel's own view
 * (ioctl, getifaddrs, /proc/net). Runs in a private network namespace so it
 * never touches the host's interfaces; needs root (CAP_NET_ADMIN and
 * CAP_SYS_ADMIN for unshare), skipped otherwise.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <limits.h>
#include <linux/if_addr.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "rtpp_addr.h"
#include "rtpp_config.h"
#include "rtpp_exception.h"
#include "test_eal.h"

static char g_err[256]; /* why rtpp_exception_create refused */

#define DATA_VDEV "net_null0"
#define TAP0 "rtpp-t0"
#define TAP1 "rtpp-t1"
#define NB_DESC 64

static bool g_can_run;
static const char *g_skip_reason = "";
static uint16_t g_data_port;
static uint16_t g_tap0 = RTE_MAX_ETHPORTS, g_tap1 = RTE_MAX_ETHPORTS;
static struct rte_mempool *g_mp;
static struct rtpp_iface_config g_ifc0;

#define REQUIRE_ENV() do { \
	if (!g_can_run) { \
		print_message("skipped: %s\n", g_skip_reason); \
		skip(); \
	} \
} while (0)

/* ---- EAL ---------------------------------------------------------------- */

/* ---- the kernel's view -------------------------------------------------- */

static int ifreq_get(const char *name, unsigned long req, struct ifreq *ifr)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int ret;

	if (s < 0)
		return -1;
	memset(ifr, 0, sizeof(*ifr));
	snprintf(ifr->ifr_name, IFNAMSIZ, "%s", name);
	ret = ioctl(s, req, ifr);
	close(s);
	return ret;
}

static short kernel_flags(const char *name)
{
	struct ifreq ifr;

	assert_int_equal(ifreq_get(name, SIOCGIFFLAGS, &ifr), 0);
	return ifr.ifr_flags;
}

static int kernel_mtu(const char *name)
{
	struct ifreq ifr;

	assert_int_equal(ifreq_get(name, SIOCGIFMTU, &ifr), 0);
	return ifr.ifr_mtu;
}

static void kernel_mac(const char *name, uint8_t mac[6])
{
	struct ifreq ifr;

	assert_int_equal(ifreq_get(name, SIOCGIFHWADDR, &ifr), 0);
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
}

static unsigned int mask_len(const uint8_t *m, size_t n)
{
	unsigned int bits = 0;
	size_t i;

	for (i = 0; i < n; i++)
		bits += (unsigned int)__builtin_popcount(m[i]);
	return bits;
}

/* Addresses on name, IPv6 link-local (the kernel's own fe80::) left out. */
static unsigned int kernel_addrs(const char *name, struct rtpp_prefix *out, unsigned int max)
{
	struct ifaddrs *ifap, *i;
	unsigned int n = 0;

	assert_int_equal(getifaddrs(&ifap), 0);
	for (i = ifap; i != NULL; i = i->ifa_next) {
		struct rtpp_prefix p;

		if (i->ifa_addr == NULL || strcmp(i->ifa_name, name) != 0)
			continue;
		memset(&p, 0, sizeof(p));
		if (i->ifa_addr->sa_family == AF_INET) {
			const struct sockaddr_in *a = (const void *)i->ifa_addr;
			const struct sockaddr_in *m = (const void *)i->ifa_netmask;

			rtpp_addr_set_v4(&p.addr, a->sin_addr.s_addr);
			p.len = (uint8_t)mask_len((const uint8_t *)&m->sin_addr, 4);
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			const struct sockaddr_in6 *a = (const void *)i->ifa_addr;
			const struct sockaddr_in6 *m = (const void *)i->ifa_netmask;

			if (IN6_IS_ADDR_LINKLOCAL(&a->sin6_addr))
				continue;
			rtpp_addr_set_v6(&p.addr, a->sin6_addr.s6_addr);
			p.len = (uint8_t)mask_len(m->sin6_addr.s6_addr, 16);
		} else {
			continue;
		}
		if (n < max)
			out[n] = p;
		n++;
	}
	freeifaddrs(ifap);
	return n;
}

static bool prefix_in(const struct rtpp_prefix *p, const struct rtpp_prefix *set, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (set[i].len == p->len && rtpp_addr_equal(&set[i].addr, &p->addr))
			return true;
	return false;
}

static void hex_to_bytes(const char *hex, uint8_t *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned int v;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

/* IFA_F_* flags of an IPv6 address, from /proc/net/if_inet6; -1 when absent. */
static int kernel_v6_flags(const char *name, const struct rtpp_addr *a)
{
	FILE *f = fopen("/proc/net/if_inet6", "r");
	char hex[33], dev[IFNAMSIZ + 1];
	unsigned int idx, plen, scope, flags;
	int found = -1;

	assert_non_null(f);
	while (fscanf(f, "%32s %x %x %x %x %16s", hex, &idx, &plen, &scope, &flags, dev) == 6) {
		uint8_t b[16];

		hex_to_bytes(hex, b, 16);
		if (strcmp(dev, name) == 0 && memcmp(b, a->bytes, 16) == 0)
			found = (int)flags;
	}
	fclose(f);
	return found;
}

/* Is "default via gw dev name" in the kernel's FIB (/proc/net/route, ipv6_route)? */
static bool kernel_default_route(const char *name, const struct rtpp_addr *gw)
{
	char line[512];
	bool found = false;
	FILE *f;

	if (gw->family == RTPP_AF_INET) {
		f = fopen("/proc/net/route", "r");
		assert_non_null(f);
		while (fgets(line, sizeof(line), f) != NULL) {
			char dev[IFNAMSIZ + 1];
			unsigned int dst, via, flags, refcnt, use, metric, mask;

			if (sscanf(line, "%16s %x %x %x %u %u %u %x", dev, &dst, &via, &flags,
				   &refcnt, &use, &metric, &mask) != 8)
				continue;
			/* the kernel prints the __be32 as a host integer: same bytes */
			if (strcmp(dev, name) == 0 && dst == 0 && mask == 0 &&
			    via == rtpp_addr_v4(gw))
				found = true;
		}
	} else {
		f = fopen("/proc/net/ipv6_route", "r");
		assert_non_null(f);
		while (fgets(line, sizeof(line), f) != NULL) {
			char dst[33], src[33], via[33], dev[IFNAMSIZ + 1];
			unsigned int dlen, slen, metric, refcnt, use, flags;
			uint8_t d[16], v[16];

			if (sscanf(line, "%32s %x %32s %x %32s %x %x %x %x %16s", dst, &dlen, src,
				   &slen, via, &metric, &refcnt, &use, &flags, dev) != 10)
				continue;
			hex_to_bytes(dst, d, 16);
			hex_to_bytes(via, v, 16);
			if (strcmp(dev, name) == 0 && dlen == 0 &&
			    memcmp(v, gw->bytes, 16) == 0)
				found = true;
		}
	}
	fclose(f);
	return found;
}

/* Everything configure_kernel promises, as the kernel sees it. */
static void assert_kernel_matches(const struct rtpp_iface_config *ifc)
{
	struct rtpp_prefix got[RTPP_MAX_IFACE_ADDRS * 2];
	struct rte_ether_addr data_mac;
	uint8_t mac[6];
	short flags;
	unsigned int n, i;

	assert_int_not_equal(if_nametoindex(ifc->name), 0);
	flags = kernel_flags(ifc->name);
	assert_true(flags & IFF_UP);
	assert_true(flags & IFF_RUNNING); /* carrier: a queue is attached */

	assert_int_equal(rte_eth_macaddr_get(g_data_port, &data_mac), 0);
	kernel_mac(ifc->name, mac);
	assert_memory_equal(mac, data_mac.addr_bytes, 6);

	if (ifc->mtu != 0)
		assert_int_equal(kernel_mtu(ifc->name), ifc->mtu);

	n = kernel_addrs(ifc->name, got, RTE_DIM(got));
	assert_int_equal(n, ifc->n_addrs);
	for (i = 0; i < ifc->n_addrs; i++) {
		char buf[RTPP_ADDR_STRLEN];

		if (!prefix_in(&ifc->addrs[i], got, n))
			fail_msg("%s/%u not on %s",
				 rtpp_addr_format(&ifc->addrs[i].addr, buf, sizeof(buf)),
				 ifc->addrs[i].len, ifc->name);
		if (ifc->addrs[i].addr.family == RTPP_AF_INET6) {
			int f = kernel_v6_flags(ifc->name, &ifc->addrs[i].addr);

			assert_int_not_equal(f, -1);
			assert_true(f & IFA_F_NODAD);
			assert_false(f & IFA_F_TENTATIVE); /* usable at once */
			assert_false(f & IFA_F_DADFAILED);
		}
	}
	if (rtpp_addr_is_set(&ifc->gateway4))
		assert_true(kernel_default_route(ifc->name, &ifc->gateway4));
	if (rtpp_addr_is_set(&ifc->gateway6))
		assert_true(kernel_default_route(ifc->name, &ifc->gateway6));
}

/* ---- fixtures ----------------------------------------------------------- */

static void make_ifc(struct rtpp_iface_config *ifc, const char *name,
		     const char *const *addrs, unsigned int n,
		     const char *gw4, const char *gw6, uint16_t mtu)
{
	unsigned int i;

	memset(ifc, 0, sizeof(*ifc));
	snprintf(ifc->name, sizeof(ifc->name), "%s", name);
	snprintf(ifc->device, sizeof(ifc->device), "%s", DATA_VDEV);
	for (i = 0; i < n; i++)
		assert_int_equal(rtpp_prefix_parse(addrs[i], &ifc->addrs[i]), 0);
	ifc->n_addrs = n;
	if (gw4 != NULL)
		assert_int_equal(rtpp_addr_parse(gw4, &ifc->gateway4), 0);
	if (gw6 != NULL)
		assert_int_equal(rtpp_addr_parse(gw6, &ifc->gateway6), 0);
	ifc->mtu = mtu;
}

/* What the dataplane will do with a TAP: 1 rx + 1 tx queue, then start. */
static void start_tap(uint16_t port, uint16_t mtu)
{
	struct rte_eth_conf conf;

	memset(&conf, 0, sizeof(conf));
	conf.rxmode.mtu = mtu; /* 0: the ethdev default, 1500 */
	assert_int_equal(rte_eth_dev_configure(port, 1, 1, &conf), 0);
	assert_int_equal(rte_eth_rx_queue_setup(port, 0, NB_DESC, SOCKET_ID_ANY, NULL, g_mp), 0);
	assert_int_equal(rte_eth_tx_queue_setup(port, 0, NB_DESC, SOCKET_ID_ANY, NULL), 0);
	assert_int_equal(rte_eth_dev_start(port), 0);
}

/* ---- tests -------------------------------------------------------------- */

static void test_create_and_configure(void **state)
{
	static const char *const addrs[] = {
		"203.0.113.10/24", "198.51.100.7/25", "2001:db8:1::10/64",
	};
	struct rte_ether_addr data_mac, tap_mac;
	char err[RTPP_CONFIG_ERR_LEN] = "";
	uint16_t before;

	(void)state;
	REQUIRE_ENV();
	make_ifc(&g_ifc0, TAP0, addrs, RTE_DIM(addrs), "203.0.113.1", "2001:db8:1::1", 1400);

	before = rte_eth_dev_count_avail();
	assert_int_equal(rtpp_exception_create(g_data_port, &g_ifc0, &g_tap0, g_err, sizeof(g_err)),
			 0);
	assert_int_equal(rte_eth_dev_count_avail(), before + 1);
	assert_int_not_equal(g_tap0, g_data_port);

	/* The PMD set the MAC at probe; the kernel link stays down until start. */
	assert_int_equal(rte_eth_macaddr_get(g_data_port, &data_mac), 0);
	assert_int_equal(rte_eth_macaddr_get(g_tap0, &tap_mac), 0);
	assert_true(rte_is_same_ether_addr(&data_mac, &tap_mac));
	assert_int_not_equal(if_nametoindex(TAP0), 0);
	assert_false(kernel_flags(TAP0) & IFF_UP);

	start_tap(g_tap0, g_ifc0.mtu);
	assert_true(kernel_flags(TAP0) & IFF_UP); /* net_tap's dev_start does that */

	if (rtpp_exception_configure_kernel(&g_ifc0, err, sizeof(err)) != 0)
		fail_msg("configure_kernel: %s", err);
	assert_kernel_matches(&g_ifc0);
}

static void test_configure_again_is_harmless(void **state)
{
	char err[RTPP_CONFIG_ERR_LEN] = "";

	(void)state;
	REQUIRE_ENV();
	if (rtpp_exception_configure_kernel(&g_ifc0, err, sizeof(err)) != 0)
		fail_msg("second configure_kernel: %s", err);
	assert_kernel_matches(&g_ifc0); /* still exactly those addresses */
}

static void test_restart_then_reconfigure(void **state)
{
	char err[RTPP_CONFIG_ERR_LEN] = "";

	(void)state;
	REQUIRE_ENV();
	/* net_tap's dev_stop sets the link down: the kernel drops the routes. */
	assert_int_equal(rte_eth_dev_stop(g_tap0), 0);
	assert_false(kernel_flags(TAP0) & IFF_UP);
	assert_false(kernel_default_route(TAP0, &g_ifc0.gateway4));
	assert_false(kernel_default_route(TAP0, &g_ifc0.gateway6));

	assert_int_equal(rte_eth_dev_start(g_tap0), 0);
	if (rtpp_exception_configure_kernel(&g_ifc0, err, sizeof(err)) != 0)
		fail_msg("configure_kernel after restart: %s", err);
	assert_kernel_matches(&g_ifc0);
}

static void test_refusals_carry_the_reason(void **state)
{
	static const char *const addrs[] = { "10.9.0.1/24", "2001:db8:9::1/64" };
	struct rtpp_iface_config ifc;
	char err[RTPP_CONFIG_ERR_LEN];

	(void)state;
	REQUIRE_ENV();
	/* A second TAP on the same data port, gateways not on-link. */
	make_ifc(&ifc, TAP1, addrs, RTE_DIM(addrs), "10.10.0.1", NULL, 0);
	assert_int_equal(rtpp_exception_create(g_data_port, &ifc, &g_tap1, g_err, sizeof(g_err)), 0);
	start_tap(g_tap1, 0);

	memset(err, 0, sizeof(err));
	assert_int_equal(rtpp_exception_configure_kernel(&ifc, err, sizeof(err)), -1);
	print_message("off-link gateway4: %s\n", err);
	assert_non_null(strstr(err, TAP1 ": add default route via 10.10.0.1: "));
	assert_non_null(strstr(err, strerror(ENETUNREACH)));
	assert_false(kernel_default_route(TAP1, &ifc.gateway4));

	memset(&ifc.gateway4, 0, sizeof(ifc.gateway4));
	assert_int_equal(rtpp_addr_parse("2001:db8:99::1", &ifc.gateway6), 0);
	memset(err, 0, sizeof(err));
	assert_int_equal(rtpp_exception_configure_kernel(&ifc, err, sizeof(err)), -1);
	print_message("off-link gateway6: %s\n", err);
	assert_non_null(strstr(err, TAP1 ": add default route via 2001:db8:99::1: "));
	assert_false(kernel_default_route(TAP1, &ifc.gateway6));

	/* On-link, but rtpp-t0 already holds the IPv4 default route. */
	memset(&ifc.gateway6, 0, sizeof(ifc.gateway6));
	assert_int_equal(rtpp_addr_parse("10.9.0.254", &ifc.gateway4), 0);
	memset(err, 0, sizeof(err));
	assert_int_equal(rtpp_exception_configure_kernel(&ifc, err, sizeof(err)), -1);
	print_message("second default route: %s\n", err);
	assert_non_null(strstr(err, TAP1 ": add default route via 10.9.0.254: "));
	assert_non_null(strstr(err, strerror(EEXIST)));
	assert_true(kernel_default_route(TAP0, &g_ifc0.gateway4));

	/* The addresses went in before the route failed. */
	memset(&ifc.gateway4, 0, sizeof(ifc.gateway4));
	memset(err, 0, sizeof(err));
	if (rtpp_exception_configure_kernel(&ifc, err, sizeof(err)) != 0)
		fail_msg("configure_kernel without gateways: %s", err);
	assert_kernel_matches(&ifc);

	/* An MTU the kernel refuses (below the 68-byte IPv4 minimum). */
	ifc.mtu = 60;
	memset(err, 0, sizeof(err));
	assert_int_equal(rtpp_exception_configure_kernel(&ifc, err, sizeof(err)), -1);
	print_message("bad mtu: %s\n", err);
	assert_non_null(strstr(err, TAP1 ": set link up, mtu 60: "));
}

static void test_configure_missing_interface(void **state)
{
	static const char *const addrs[] = { "10.20.0.1/24" };
	struct rtpp_iface_config ifc;
	char err[RTPP_CONFIG_ERR_LEN] = "";

	(void)state;
	REQUIRE_ENV();
	make_ifc(&ifc, "rtpp-none", addrs, 1, NULL, NULL, 0);
	assert_int_equal(rtpp_exception_configure_kernel(&ifc, err, sizeof(err)), -1);
	print_message("missing interface: %s\n", err);
	assert_non_null(strstr(err, "rtpp-none: no such kernel interface"));
}

static void test_create_refuses_taken_name(void **state)
{
	static const char *const addrs[] = { "10.30.0.1/24" };
	struct rtpp_iface_config ifc;
	uint16_t port = RTE_MAX_ETHPORTS, before;

	(void)state;
	REQUIRE_ENV();
	before = rte_eth_dev_count_avail();
	make_ifc(&ifc, "lo", addrs, 1, NULL, NULL, 0);
	assert_int_equal(rtpp_exception_create(g_data_port, &ifc, &port, g_err, sizeof(g_err)),
			 -EEXIST);
	/* The reason reaches the caller (and the start-up error), not only the log. */
	assert_string_equal(g_err,
			    "lo: a kernel interface of that name already exists (the TAP "
			    "takes the interface's name: rename one of them)");
	make_ifc(&ifc, TAP0, addrs, 1, NULL, NULL, 0); /* ours, already there */
	assert_int_equal(rtpp_exception_create(g_data_port, &ifc, &port, g_err, sizeof(g_err)),
			 -EEXIST);
	make_ifc(&ifc, "bad,name", addrs, 1, NULL, NULL, 0);
	assert_int_equal(rtpp_exception_create(g_data_port, &ifc, &port, g_err, sizeof(g_err)),
			 -EINVAL);
	assert_int_equal(rtpp_exception_create(RTE_MAX_ETHPORTS - 1, &g_ifc0, &port, g_err,
					       sizeof(g_err)),
			 -ENODEV);
	assert_int_equal(port, RTE_MAX_ETHPORTS);
	assert_int_equal(rte_eth_dev_count_avail(), before);
}

/* What --check and the start say of the host before DPDK touches it. */
static void test_host_check(void **state)
{
	static const char *const addrs[] = { "10.30.0.1/24" };
	struct rtpp_iface_config ifc;
	struct rtpp_host_check hc;

	(void)state;
	REQUIRE_ENV();
	/* A kernel interface with the interface's name: the TAP cannot be made. */
	make_ifc(&ifc, "lo", addrs, 1, NULL, NULL, 0);
	rtpp_exception_host_check(&ifc, &hc);
	assert_int_equal(hc.n, 1);
	assert_int_equal(hc.fatal, 1);
	assert_non_null(strstr(hc.problems[0].text, "a kernel interface called lo exists"));
	/* A TAP of that name (a running proxy's, likely): said, not fatal. */
	make_ifc(&ifc, TAP0, addrs, 1, NULL, NULL, 0);
	rtpp_exception_host_check(&ifc, &hc);
	assert_int_equal(hc.n, 1);
	assert_int_equal(hc.fatal, 0);
	assert_non_null(strstr(hc.problems[0].text, "a TAP called " TAP0 " exists"));
	/* af_packet on an interface with addresses and IPv6 on: two warnings. */
	make_ifc(&ifc, "rtpp-free", addrs, 1, NULL, NULL, 0);
	snprintf(ifc.device, sizeof(ifc.device), "net_af_packet0,iface=%s,qpairs=1", TAP0);
	rtpp_exception_host_check(&ifc, &hc);
	assert_int_equal(hc.n, 2);
	assert_int_equal(hc.fatal, 0);
	assert_non_null(strstr(hc.problems[0].text, TAP0 ", under its af_packet device, has IP"));
	assert_non_null(strstr(hc.problems[1].text, "IPv6 is on for " TAP0));
	FILE *f = fopen("/proc/sys/net/ipv6/conf/" TAP0 "/disable_ipv6", "w");
	assert_non_null(f);
	fputs("1", f);
	fclose(f);
	rtpp_exception_host_check(&ifc, &hc);
	assert_int_equal(hc.n, 1); /* the IPv4 addresses are still there */
	/* No such interface under the af_packet device: the probe would fail. */
	snprintf(ifc.device, sizeof(ifc.device), "net_af_packet0,iface=rtpp-none");
	rtpp_exception_host_check(&ifc, &hc);
	assert_int_equal(hc.fatal, 1);
	assert_non_null(strstr(hc.problems[0].text, "no kernel interface rtpp-none"));
	/* A device DPDK owns (PCI, net_null): nothing of the kernel's to look at. */
	snprintf(ifc.device, sizeof(ifc.device), "0000:03:00.0");
	rtpp_exception_host_check(&ifc, &hc);
	assert_int_equal(hc.n, 0);
}

static void test_destroy_removes_interface(void **state)
{
	(void)state;
	REQUIRE_ENV();
	/* Not a TAP: left alone. */
	rtpp_exception_destroy(g_data_port);
	assert_true(rte_eth_dev_is_valid_port(g_data_port));

	rtpp_exception_destroy(g_tap0);
	assert_false(rte_eth_dev_is_valid_port(g_tap0));
	assert_int_equal(if_nametoindex(TAP0), 0);
	assert_false(kernel_default_route(TAP0, &g_ifc0.gateway4));

	rtpp_exception_destroy(g_tap1);
	assert_false(rte_eth_dev_is_valid_port(g_tap1));
	assert_int_equal(if_nametoindex(TAP1), 0);
	assert_int_equal(rte_eth_dev_count_avail(), 1);

	/* The name is free again: create works a second time. */
	assert_int_equal(rtpp_exception_create(g_data_port, &g_ifc0, &g_tap0, g_err, sizeof(g_err)),
			 0);
	assert_int_not_equal(if_nametoindex(TAP0), 0);
	rtpp_exception_destroy(g_tap0);
	assert_int_equal(if_nametoindex(TAP0), 0);
	rtpp_exception_destroy(g_tap0); /* stale id: nothing happens */
}

/* ---- main --------------------------------------------------------------- */

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_and_configure),
		cmocka_unit_test(test_configure_again_is_harmless),
		cmocka_unit_test(test_restart_then_reconfigure),
		cmocka_unit_test(test_refusals_carry_the_reason),
		cmocka_unit_test(test_configure_missing_interface),
		cmocka_unit_test(test_create_refuses_taken_name),
		cmocka_unit_test(test_host_check),
		cmocka_unit_test(test_destroy_removes_interface),
	};
	int ret;

	if (geteuid() != 0) {
		g_skip_reason = "needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN)";
	} else if (unshare(CLONE_NEWNET) != 0) {
		/* Before rte_eal_init: no thread may stay in the host namespace. */
		g_skip_reason = "unshare(CLONE_NEWNET) refused";
	} else if (rtpp_test_eal_init(DATA_VDEV) != 0) {
		fprintf(stderr, "test_exception: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	} else {
		if (rte_eth_dev_get_port_by_name(DATA_VDEV, &g_data_port) != 0) {
			fprintf(stderr, "test_exception: no %s port (is the net_null PMD loaded?)\n",
				DATA_VDEV);
			return 1;
		}
		g_mp = rte_pktmbuf_pool_create("exc_test", 511, 0, 0,
					       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
		if (g_mp == NULL) {
			fprintf(stderr, "test_exception: mempool: %s\n", rte_strerror(rte_errno));
			return 1;
		}
		g_can_run = true;
	}

	ret = cmocka_run_group_tests(tests, NULL, NULL);
	if (g_can_run) {
		char rundir[PATH_MAX];

		/* EAL leaves its (empty) runtime dir behind; the prefix is ours. */
		snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
		rte_mempool_free(g_mp);
		rte_eal_cleanup();
		(void)rmdir(rundir);
	}
	return ret;
}
