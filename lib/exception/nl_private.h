/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal to lib/exception: the few rtnetlink requests the exception path
 * needs to make a TAP look like its data port. Every request asks for an ACK
 * and waits for it; a refusal comes back as -errno from the kernel's
 * NLMSG_ERROR with a one-line message in err: "<what>: <strerror>" plus the
 * kernel's extended-ACK text in parentheses when it sent one.
 */
#ifndef RTPP_NL_PRIVATE_H
#define RTPP_NL_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include "rtpp_addr.h"

struct rtpp_nl {
	int fd;
	uint32_t seq;
	uint32_t portid;
	uint8_t *buf; /* receive buffer, RTPP_NL_BUFSZ bytes */
};

#define RTPP_NL_BUFSZ 32768

/* NETLINK_ROUTE socket with extended ACKs; 0 or -errno. */
int rtpp_nl_open(struct rtpp_nl *nl, char *err, size_t errlen);
void rtpp_nl_close(struct rtpp_nl *nl);

/* RTM_NEWLINK: IFF_UP, and the MTU when mtu != 0 (applied before the flags). */
int rtpp_nl_link_up(struct rtpp_nl *nl, int ifindex, uint32_t mtu, char *err, size_t errlen);

/* RTM_NEWADDR with NLM_F_CREATE | NLM_F_REPLACE (idempotent); IPv6 with
 * IFA_F_NODAD so the address is usable at once. */
int rtpp_nl_addr_add(struct rtpp_nl *nl, int ifindex, const struct rtpp_prefix *p, char *err,
		     size_t errlen);

/* RTM_NEWROUTE default via gw dev ifindex in table main (proto static),
 * NLM_F_CREATE | NLM_F_EXCL. An EEXIST caused by this very route (same gateway,
 * same device) counts as success; any other default route of the family in
 * table main makes it fail with "File exists". */
int rtpp_nl_default_route_add(struct rtpp_nl *nl, int ifindex, const struct rtpp_addr *gw,
			      char *err, size_t errlen);

#endif
