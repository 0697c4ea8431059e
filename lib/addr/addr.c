/* SPDX-License-Identifier: BSD-3-Clause */
#include "rtpp_addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

int rtpp_addr_parse(const char *s, struct rtpp_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (s == NULL)
		return -1;
	if (inet_pton(AF_INET, s, out->bytes) == 1) {
		out->family = RTPP_AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out->bytes) == 1) {
		out->family = RTPP_AF_INET6;
		return 0;
	}
	memset(out, 0, sizeof(*out));
	return -1;
}

static int parse_u32(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || *out > max)
		return -1;
	return 0;
}

int rtpp_endpoint_parse(const char *s, struct rtpp_endpoint *out)
{
	char host[RTPP_ENDPOINT_STRLEN];
	const char *port_str;
	unsigned long port;
	size_t hlen;

	memset(out, 0, sizeof(*out));
	if (s == NULL)
		return -1;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL || close[1] != ':')
			return -1;
		hlen = (size_t)(close - s - 1);
		if (hlen >= sizeof(host))
			return -1;
		memcpy(host, s + 1, hlen);
		host[hlen] = '\0';
		port_str = close + 2;
		if (rtpp_addr_parse(host, &out->addr) != 0 || out->addr.family != RTPP_AF_INET6)
			return -1;
	} else {
		const char *colon = strrchr(s, ':');

		if (colon == NULL || strchr(s, ':') != colon)
			return -1; /* bare IPv6 needs brackets */
		hlen = (size_t)(colon - s);
		if (hlen >= sizeof(host))
			return -1;
		memcpy(host, s, hlen);
		host[hlen] = '\0';
		port_str = colon + 1;
		if (rtpp_addr_parse(host, &out->addr) != 0)
			return -1;
	}
	if (parse_u32(port_str, 65535, &port) != 0) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	out->port = (uint16_t)port;
	return 0;
}

int rtpp_prefix_parse(const char *s, struct rtpp_prefix *out)
{
	char host[RTPP_ADDR_STRLEN];
	const char *slash;
	unsigned long len;
	size_t hlen;

	memset(out, 0, sizeof(*out));
	if (s == NULL || (slash = strchr(s, '/')) == NULL)
		return -1;
	hlen = (size_t)(slash - s);
	if (hlen >= sizeof(host))
		return -1;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (rtpp_addr_parse(host, &out->addr) != 0)
		return -1;
	if (parse_u32(slash + 1, out->addr.family == RTPP_AF_INET ? 32 : 128, &len) != 0) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	out->len = (uint8_t)len;
	return 0;
}

const char *rtpp_addr_format(const struct rtpp_addr *a, char *buf, size_t len)
{
	if (a->family == RTPP_AF_INET)
		inet_ntop(AF_INET, a->bytes, buf, (socklen_t)len);
	else if (a->family == RTPP_AF_INET6)
		inet_ntop(AF_INET6, a->bytes, buf, (socklen_t)len);
	else
		snprintf(buf, len, "-");
	return buf;
}

const char *rtpp_endpoint_format(const struct rtpp_endpoint *e, char *buf, size_t len)
{
	char host[RTPP_ADDR_STRLEN];

	rtpp_addr_format(&e->addr, host, sizeof(host));
	if (e->addr.family == RTPP_AF_INET6)
		snprintf(buf, len, "[%s]:%u", host, e->port);
	else
		snprintf(buf, len, "%s:%u", host, e->port);
	return buf;
}

static bool bits_equal(const uint8_t *a, const uint8_t *b, unsigned int bits)
{
	unsigned int full = bits / 8, rest = bits % 8;

	if (memcmp(a, b, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (a[full] & mask) == (b[full] & mask);
}

bool rtpp_prefix_contains(const struct rtpp_prefix *prefix, const struct rtpp_addr *addr)
{
	return prefix->addr.family == addr->family &&
	       bits_equal(prefix->addr.bytes, addr->bytes, prefix->len);
}

bool rtpp_prefix_overlap(const struct rtpp_prefix *a, const struct rtpp_prefix *b)
{
	if (a->addr.family != b->addr.family)
		return false;
	return bits_equal(a->addr.bytes, b->addr.bytes, a->len < b->len ? a->len : b->len);
}
