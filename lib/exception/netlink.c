/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rtnetlink for the exception path: control path only, one request at a time,
 * each acknowledged. No libmnl: the handful of messages is built by hand.
 */
#include "nl_private.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#define NL_TIMEOUT_SEC 5
#define NL_REQ_SIZE 512

struct nl_req {
	struct nlmsghdr h;
	uint8_t body[NL_REQ_SIZE - sizeof(struct nlmsghdr)];
} __attribute__((aligned(NLMSG_ALIGNTO)));

static void nl_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void nl_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static void nl_req_init(struct nl_req *req, uint16_t type, uint16_t flags, size_t body_len)
{
	memset(req, 0, sizeof(*req));
	req->h.nlmsg_len = NLMSG_LENGTH(body_len);
	req->h.nlmsg_type = type;
	req->h.nlmsg_flags = flags;
}

static int nl_put_attr(struct nl_req *req, uint16_t type, const void *data, size_t len)
{
	size_t off = NLMSG_ALIGN(req->h.nlmsg_len);
	struct rtattr *rta;

	if (off + RTA_SPACE(len) > sizeof(*req))
		return -EMSGSIZE;
	rta = (struct rtattr *)((uint8_t *)req + off);
	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	if (len > 0)
		memcpy(RTA_DATA(rta), data, len);
	req->h.nlmsg_len = off + RTA_SPACE(len);
	return 0;
}

static int nl_put_u32(struct nl_req *req, uint16_t type, uint32_t v)
{
	return nl_put_attr(req, type, &v, sizeof(v));
}

static int addr_bytes_len(const struct rtpp_addr *a)
{
	return a->family == RTPP_AF_INET ? 4 : 16;
}

static int addr_af(const struct rtpp_addr *a)
{
	return a->family == RTPP_AF_INET ? AF_INET : AF_INET6;
}

int rtpp_nl_open(struct rtpp_nl *nl, char *err, size_t errlen)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	socklen_t salen = sizeof(sa);
	struct timeval tv = { .tv_sec = NL_TIMEOUT_SEC };
	int one = 1;
	int e;

	memset(nl, 0, sizeof(*nl));
	nl->fd = -1;
	nl->buf = malloc(RTPP_NL_BUFSZ);
	if (nl->buf == NULL) {
		nl_err(err, errlen, "netlink: out of memory");
		return -ENOMEM;
	}
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (nl->fd < 0) {
		e = errno;
		nl_err(err, errlen, "netlink socket: %s", strerror(e));
		goto fail;
	}
	/* Best effort: older kernels lack them, the errno still comes through. */
	(void)setsockopt(nl->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)setsockopt(nl->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (setsockopt(nl->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    bind(nl->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(nl->fd, (struct sockaddr *)&sa, &salen) < 0) {
		e = errno;
		nl_err(err, errlen, "netlink bind: %s", strerror(e));
		goto fail;
	}
	nl->portid = sa.nl_pid;
	nl->seq = (uint32_t)time(NULL);
	return 0;
fail:
	rtpp_nl_close(nl);
	return -e;
}

void rtpp_nl_close(struct rtpp_nl *nl)
{
	if (nl->fd >= 0)
		close(nl->fd);
	nl->fd = -1;
	free(nl->buf);
	nl->buf = NULL;
}

static int nl_send(struct rtpp_nl *nl, struct nl_req *req)
{
	struct sockaddr_nl dst = { .nl_family = AF_NETLINK };
	ssize_t n;

	req->h.nlmsg_seq = ++nl->seq;
	req->h.nlmsg_pid = nl->portid;
	do {
		n = sendto(nl->fd, req, req->h.nlmsg_len, 0,
			   (struct sockaddr *)&dst, sizeof(dst));
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n != req->h.nlmsg_len)
		return -EIO;
	return 0;
}

/* One datagram; -errno on failure, -ETIMEDOUT when the kernel stays silent. */
static ssize_t nl_recv(struct rtpp_nl *nl)
{
	struct sockaddr_nl src;
	struct iovec iov = { .iov_base = nl->buf, .iov_len = RTPP_NL_BUFSZ };
	struct msghdr msg = {
		.msg_name = &src, .msg_namelen = sizeof(src),
		.msg_iov = &iov, .msg_iovlen = 1,
	};
	ssize_t n;

	for (;;) {
		n = recvmsg(nl->fd, &msg, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return (errno == EAGAIN || errno == EWOULDBLOCK) ? -ETIMEDOUT : -errno;
		if (msg.msg_flags & MSG_TRUNC)
			return -EMSGSIZE;
		if (src.nl_pid != 0) /* not from the kernel */
			continue;
		return n;
	}
}

/* The kernel's extended-ACK message (NLMSGERR_ATTR_MSG), if any, into ext. */
static void nl_extack(const struct nlmsghdr *h, char *ext, size_t extlen)
{
	const struct nlmsgerr *e = NLMSG_DATA(h);
	size_t payload = sizeof(*e);
	size_t off, end = h->nlmsg_len;

	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(h->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < NLMSG_HDRLEN)
			return;
		payload += e->msg.nlmsg_len - NLMSG_HDRLEN;
	}
	off = NLMSG_HDRLEN + NLMSG_ALIGN(payload);
	while (off + sizeof(struct nlattr) <= end) {
		const struct nlattr *a = (const void *)((const uint8_t *)h + off);
		size_t alen = a->nla_len;

		if (alen < sizeof(*a) || off + alen > end)
			return;
		if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG && alen > sizeof(*a)) {
			const char *s = (const char *)a + NLA_HDRLEN;
			size_t slen = strnlen(s, alen - NLA_HDRLEN);

			snprintf(ext, extlen, "%.*s", (int)slen, s);
			/* the kernel's strings sometimes end in a newline */
			slen = strlen(ext);
			while (slen > 0 && (ext[slen - 1] == '\n' || ext[slen - 1] == ' '))
				ext[--slen] = '\0';
			return;
		}
		off += NLA_ALIGN(alen);
	}
}

/*
 * Read the answers to request seq (answers to earlier requests are stale:
 * skipped) and hand each message to on_msg until it says it is done; what it
 * put in *result is returned. Receive errors are returned as -errno.
 */
typedef bool (*nl_msg_fn)(const struct nlmsghdr *h, void *ctx, int *result);

static int nl_receive(struct rtpp_nl *nl, uint32_t seq, nl_msg_fn on_msg, void *ctx)
{
	for (;;) {
		ssize_t n = nl_recv(nl);
		struct nlmsghdr *h;
		size_t left;
		int result;

		if (n < 0)
			return (int)n;
		left = (size_t)n;
		for (h = (struct nlmsghdr *)nl->buf; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left))
			if (h->nlmsg_seq == seq && on_msg(h, ctx, &result))
				return result;
	}
}

struct ack_ctx {
	char *ext;
	size_t extlen;
};

static bool on_ack(const struct nlmsghdr *h, void *ctx, int *result)
{
	const struct ack_ctx *a = ctx;
	const struct nlmsgerr *e;

	if (h->nlmsg_type != NLMSG_ERROR)
		return false;
	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e))) {
		*result = -EBADMSG;
		return true;
	}
	e = NLMSG_DATA(h);
	if (e->error != 0)
		nl_extack(h, a->ext, a->extlen);
	*result = e->error; /* 0 or -errno */
	return true;
}

/*
 * Send req (NLM_F_ACK is added) and wait for its NLMSG_ERROR: 0 or -errno,
 * ext gets the kernel's extended-ACK text ("" when none).
 */
static int nl_transact(struct rtpp_nl *nl, struct nl_req *req, char *ext, size_t extlen)
{
	struct ack_ctx a = { ext, extlen };
	int ret;

	ext[0] = '\0';
	req->h.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	ret = nl_send(nl, req);
	if (ret < 0)
		return ret;
	return nl_receive(nl, req->h.nlmsg_seq, on_ack, &a);
}

static void nl_fail(char *err, size_t errlen, int ret, const char *ext, const char *what)
{
	if (ext[0] != '\0')
		nl_err(err, errlen, "%s: %s (%s)", what, strerror(-ret), ext);
	else
		nl_err(err, errlen, "%s: %s", what, strerror(-ret));
}

int rtpp_nl_link_up(struct rtpp_nl *nl, int ifindex, uint32_t mtu, char *err, size_t errlen)
{
	struct nl_req req;
	struct ifinfomsg *ifi;
	char ext[256], what[64];
	int ret;

	nl_req_init(&req, RTM_NEWLINK, 0, sizeof(*ifi));
	ifi = NLMSG_DATA(&req.h);
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	if (mtu != 0 && nl_put_u32(&req, IFLA_MTU, mtu) < 0)
		return -EMSGSIZE;
	ret = nl_transact(nl, &req, ext, sizeof(ext));
	if (ret < 0) {
		if (mtu != 0)
			snprintf(what, sizeof(what), "set link up, mtu %u", mtu);
		else
			snprintf(what, sizeof(what), "set link up");
		nl_fail(err, errlen, ret, ext, what);
	}
	return ret;
}

int rtpp_nl_addr_add(struct rtpp_nl *nl, int ifindex, const struct rtpp_prefix *p,
		     char *err, size_t errlen)
{
	struct nl_req req;
	struct ifaddrmsg *ifa;
	char ext[256], what[96], abuf[RTPP_ADDR_STRLEN];
	int alen = addr_bytes_len(&p->addr);
	uint32_t flags = 0;
	int ret;

	snprintf(what, sizeof(what), "add address %s/%u",
		 rtpp_addr_format(&p->addr, abuf, sizeof(abuf)), p->len);
	if (p->addr.family != RTPP_AF_INET && p->addr.family != RTPP_AF_INET6) {
		nl_err(err, errlen, "%s: not an IPv4 or IPv6 address", what);
		return -EAFNOSUPPORT;
	}
	if (p->len > alen * 8) {
		nl_err(err, errlen, "%s: prefix length too long", what);
		return -EINVAL;
	}
	nl_req_init(&req, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, sizeof(*ifa));
	ifa = NLMSG_DATA(&req.h);
	ifa->ifa_family = (uint8_t)addr_af(&p->addr);
	ifa->ifa_prefixlen = p->len;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE; /* IPv6 derives its own scope */
	ifa->ifa_index = (uint32_t)ifindex;
	if (p->addr.family == RTPP_AF_INET6)
		flags |= IFA_F_NODAD;
	ifa->ifa_flags = (uint8_t)flags;
	if (nl_put_attr(&req, IFA_LOCAL, p->addr.bytes, (size_t)alen) < 0 ||
	    nl_put_attr(&req, IFA_ADDRESS, p->addr.bytes, (size_t)alen) < 0 ||
	    (flags != 0 && nl_put_u32(&req, IFA_FLAGS, flags) < 0))
		return -EMSGSIZE;
	ret = nl_transact(nl, &req, ext, sizeof(ext));
	if (ret < 0)
		nl_fail(err, errlen, ret, ext, what);
	return ret;
}

struct route_match {
	int af;
	int ifindex;
	const uint8_t *gw;
	size_t gwlen;
};

static bool route_is(const struct nlmsghdr *h, const struct route_match *m)
{
	const struct rtmsg *rtm = NLMSG_DATA(h);
	const struct rtattr *rta;
	int len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*rtm));
	uint32_t table = rtm->rtm_table;
	bool gw_ok = false, oif_ok = false;

	if (len < 0 || rtm->rtm_family != m->af || rtm->rtm_dst_len != 0 ||
	    rtm->rtm_type != RTN_UNICAST)
		return false;
	for (rta = RTM_RTA(rtm); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type == RTA_TABLE && RTA_PAYLOAD(rta) >= 4)
			memcpy(&table, RTA_DATA(rta), 4);
		else if (rta->rta_type == RTA_GATEWAY && RTA_PAYLOAD(rta) == m->gwlen)
			gw_ok = memcmp(RTA_DATA(rta), m->gw, m->gwlen) == 0;
		else if (rta->rta_type == RTA_OIF && RTA_PAYLOAD(rta) >= 4) {
			int oif;

			memcpy(&oif, RTA_DATA(rta), sizeof(oif));
			oif_ok = oif == m->ifindex;
		}
	}
	return table == RT_TABLE_MAIN && gw_ok && oif_ok;
}

struct route_dump_ctx {
	const struct route_match *m;
	int found;
};

static bool on_route(const struct nlmsghdr *h, void *ctx, int *result)
{
	struct route_dump_ctx *d = ctx;

	if (h->nlmsg_type == NLMSG_DONE) {
		*result = d->found;
		return true;
	}
	if (h->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = NLMSG_DATA(h);

		*result = e->error != 0 ? e->error : d->found;
		return true;
	}
	if (h->nlmsg_type == RTM_NEWROUTE && route_is(h, d->m))
		d->found = 1;
	return false;
}

/* 1 when table main holds "default via gw dev ifindex", 0 when not, -errno. */
static int nl_default_route_present(struct rtpp_nl *nl, const struct route_match *m)
{
	struct route_dump_ctx d = { m, 0 };
	struct nl_req req;
	struct rtmsg *rtm;
	int ret;

	nl_req_init(&req, RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP, sizeof(*rtm));
	rtm = NLMSG_DATA(&req.h);
	rtm->rtm_family = (uint8_t)m->af;
	ret = nl_send(nl, &req);
	if (ret < 0)
		return ret;
	return nl_receive(nl, req.h.nlmsg_seq, on_route, &d);
}

int rtpp_nl_default_route_add(struct rtpp_nl *nl, int ifindex, const struct rtpp_addr *gw,
			      char *err, size_t errlen)
{
	struct nl_req req;
	struct rtmsg *rtm;
	struct route_match m;
	char ext[256], what[96], abuf[RTPP_ADDR_STRLEN];
	uint32_t oif = (uint32_t)ifindex;
	int ret, present;

	snprintf(what, sizeof(what), "add default route via %s",
		 rtpp_addr_format(gw, abuf, sizeof(abuf)));
	if (gw->family != RTPP_AF_INET && gw->family != RTPP_AF_INET6) {
		nl_err(err, errlen, "%s: not an IPv4 or IPv6 address", what);
		return -EAFNOSUPPORT;
	}
	nl_req_init(&req, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, sizeof(*rtm));
	rtm = NLMSG_DATA(&req.h);
	rtm->rtm_family = (uint8_t)addr_af(gw);
	rtm->rtm_dst_len = 0;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	if (nl_put_attr(&req, RTA_GATEWAY, gw->bytes, (size_t)addr_bytes_len(gw)) < 0 ||
	    nl_put_u32(&req, RTA_OIF, oif) < 0)
		return -EMSGSIZE;
	ret = nl_transact(nl, &req, ext, sizeof(ext));
	if (ret == -EEXIST) {
		/* Ours already (configure_kernel run twice)? Then all is well. */
		m = (struct route_match){ .af = addr_af(gw), .ifindex = ifindex,
					  .gw = gw->bytes, .gwlen = (size_t)addr_bytes_len(gw) };
		present = nl_default_route_present(nl, &m);
		if (present == 1)
			return 0;
		if (present < 0) {
			nl_err(err, errlen, "%s: %s (and listing routes failed: %s)", what,
			       strerror(EEXIST), strerror(-present));
			return ret;
		}
		if (ext[0] == '\0')
			snprintf(ext, sizeof(ext),
				 "another default route of this family is in table main");
	}
	if (ret < 0)
		nl_fail(err, errlen, ret, ext, what);
	return ret;
}
