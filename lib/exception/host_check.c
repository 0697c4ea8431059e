/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the host must look like for an interface's exception path, checked
 * before DPDK starts (rtpp_exception_host_check): the start would fail, or
 * the kernel would answer on the link beside the proxy. No DPDK here.
 */
#include <ifaddrs.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rtpp_exception.h"

/* "net_af_packet0,iface=pxa,qpairs=2" -> "pxa"; false when not af_packet or no iface=. */
static bool af_packet_iface(const char *device, char *out, size_t len)
{
	static const char prefix[] = "net_af_packet";
	const char *p;

	if (strncmp(device, prefix, sizeof(prefix) - 1) != 0)
		return false;
	for (p = strchr(device, ','); p != NULL; p = strchr(p + 1, ',')) {
		if (strncmp(p + 1, "iface=", 6) == 0) {
			size_t n = strcspn(p + 7, ",");

			if (n == 0 || n >= len)
				return false;
			memcpy(out, p + 7, n);
			out[n] = '\0';
			return true;
		}
	}
	return false;
}

/* Does the kernel interface have an IPv4 address, or an IPv6 one beyond link-local? */
static bool has_addresses(const char *ifname)
{
	struct ifaddrs *list, *a;
	bool found = false;

	if (getifaddrs(&list) != 0)
		return false;
	for (a = list; a != NULL && !found; a = a->ifa_next) {
		if (a->ifa_addr == NULL || strcmp(a->ifa_name, ifname) != 0)
			continue;
		if (a->ifa_addr->sa_family == AF_INET)
			found = true;
		else if (a->ifa_addr->sa_family == AF_INET6)
			found = !IN6_IS_ADDR_LINKLOCAL(
				&((const struct sockaddr_in6 *)(const void *)a->ifa_addr)->sin6_addr);
	}
	freeifaddrs(list);
	return found;
}

static bool ipv6_enabled(const char *ifname)
{
	char path[96];
	int c = EOF;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", ifname);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return false; /* no IPv6 in this kernel, or no such interface */
	c = fgetc(f);
	fclose(f);
	return c == '0';
}

static void note(struct rtpp_host_check *out, bool fatal, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void note(struct rtpp_host_check *out, bool fatal, const char *fmt, ...)
{
	va_list ap;

	if (out->n == RTPP_HOST_CHECK_MAX)
		return;
	out->problems[out->n].fatal = fatal;
	va_start(ap, fmt);
	vsnprintf(out->problems[out->n].text, sizeof(out->problems[out->n].text), fmt, ap);
	va_end(ap);
	out->n++;
	out->fatal += fatal;
}

/*
 * A TUN/TAP device (a running rtpproxy's exception port, most likely)? Its
 * driver says so (ethtool's, through a socket of this network namespace:
 * /sys/class/net may be another namespace's).
 */
static bool is_tap(const char *ifname)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool tap;

	if (fd < 0)
		return false;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&info;
	tap = ioctl(fd, SIOCETHTOOL, &ifr) == 0 && strcmp(info.driver, "tun") == 0;
	close(fd);
	return tap;
}

void rtpp_exception_host_check(const struct rtpp_iface_config *ifc, struct rtpp_host_check *out)
{
	char dev[IF_NAMESIZE + 1];

	memset(out, 0, sizeof(*out));
	if (if_nametoindex(ifc->name) != 0 && is_tap(ifc->name))
		note(out, false,
		     "a TAP called %s exists in this network namespace (a running rtpproxy's?): "
		     "a start here would fail while it does",
		     ifc->name);
	else if (if_nametoindex(ifc->name) != 0)
		note(out, true,
		     "a kernel interface called %s exists in this network namespace: the TAP "
		     "exception port takes the interface's name, so the start would fail (rename "
		     "one of them)",
		     ifc->name);
	if (!af_packet_iface(ifc->device, dev, sizeof(dev)))
		return; /* a NIC for DPDK (vfio-pci) has no kernel side */
	if (if_nametoindex(dev) == 0) {
		note(out, true, "no kernel interface %s for its af_packet device", dev);
		return;
	}
	/* The kernel sees what af_packet sees: keep its stack off the link. */
	if (has_addresses(dev))
		note(out, false,
		     "%s, under its af_packet device, has IP addresses: the kernel answers ARP, "
		     "ping and media on it beside the proxy (remove them; docs/exception-path.md)",
		     dev);
	if (ipv6_enabled(dev))
		note(out, false,
		     "IPv6 is on for %s, under its af_packet device: its router solicitations "
		     "use the TAP's link-local address (sysctl -w net.ipv6.conf.%s.disable_ipv6=1)",
		     dev, dev);
}
