/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Addresses and endpoints as the whole proxy sees them: one type for IPv4 and
 * IPv6 so that a session key, a config entry and a neighbour entry compare and
 * hash the same way. IPv4 sits in the first four bytes, the rest is zero.
 */
#ifndef RTPP_ADDR_H
#define RTPP_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define RTPP_AF_NONE 0
#define RTPP_AF_INET 4
#define RTPP_AF_INET6 6

/* "[2001:db8::1]:65535" plus NUL */
#define RTPP_ENDPOINT_STRLEN 48
#define RTPP_ADDR_STRLEN 46

struct rtpp_addr {
	uint8_t family;    /* RTPP_AF_* */
	uint8_t bytes[16]; /* network order; IPv4 in bytes[0..3] */
};

struct rtpp_endpoint {
	struct rtpp_addr addr;
	uint16_t port; /* host order */
};

struct rtpp_prefix {
	struct rtpp_addr addr;
	uint8_t len;
};

static inline bool rtpp_addr_equal(const struct rtpp_addr *a, const struct rtpp_addr *b)
{
	return a->family == b->family && memcmp(a->bytes, b->bytes, 16) == 0;
}

static inline bool rtpp_endpoint_equal(const struct rtpp_endpoint *a, const struct rtpp_endpoint *b)
{
	return a->port == b->port && rtpp_addr_equal(&a->addr, &b->addr);
}

static inline bool rtpp_addr_is_set(const struct rtpp_addr *a)
{
	return a->family != RTPP_AF_NONE;
}

static inline void rtpp_addr_set_v4(struct rtpp_addr *a, uint32_t be_addr)
{
	memset(a, 0, sizeof(*a));
	a->family = RTPP_AF_INET;
	memcpy(a->bytes, &be_addr, 4);
}

static inline uint32_t rtpp_addr_v4(const struct rtpp_addr *a)
{
	uint32_t v;
	memcpy(&v, a->bytes, 4);
	return v;
}

static inline void rtpp_addr_set_v6(struct rtpp_addr *a, const uint8_t bytes[16])
{
	a->family = RTPP_AF_INET6;
	memcpy(a->bytes, bytes, 16);
}

/* Parse "203.0.113.1" or "2001:db8::1". Returns 0 or -1. */
int rtpp_addr_parse(const char *s, struct rtpp_addr *out);
/* Parse "203.0.113.1:5000", "[2001:db8::1]:5000". Port 0..65535. */
int rtpp_endpoint_parse(const char *s, struct rtpp_endpoint *out);
/* Parse "203.0.113.1/24", "2001:db8::1/64"; the length must fit the family. */
int rtpp_prefix_parse(const char *s, struct rtpp_prefix *out);

/* Format into buf (at least RTPP_ADDR_STRLEN / RTPP_ENDPOINT_STRLEN); returns buf. */
const char *rtpp_addr_format(const struct rtpp_addr *a, char *buf, size_t len);
const char *rtpp_endpoint_format(const struct rtpp_endpoint *e, char *buf, size_t len);

/* True when addr lies within prefix (same family, first prefix->len bits equal). */
bool rtpp_prefix_contains(const struct rtpp_prefix *prefix, const struct rtpp_addr *addr);
/* True when the two prefixes share at least one address. */
bool rtpp_prefix_overlap(const struct rtpp_prefix *a, const struct rtpp_prefix *b);

#endif
