/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Addresses, endpoints and prefixes (lib/addr): parsing and formatting of
 * IPv4 and IPv6, what the parsers refuse, prefix membership at every bit
 * boundary, overlap, equality and round trips.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "rtpp_addr.h"

#define DIM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- addresses ---- */

static const struct {
	const char *text;
	uint8_t family;
	uint8_t bytes[16];
	const char *formatted; /* inet_ntop's canonical form */
} good_addrs[] = {
	{ "203.0.113.1", RTPP_AF_INET, { 203, 0, 113, 1 }, "203.0.113.1" },
	{ "0.0.0.0", RTPP_AF_INET, { 0 }, "0.0.0.0" },
	{ "255.255.255.255", RTPP_AF_INET, { 255, 255, 255, 255 }, "255.255.255.255" },
	{ "2001:db8::1",
	  RTPP_AF_INET6,
	  { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 },
	  "2001:db8::1" },
	{ "2001:DB8:0:0:0:0:0:1",
	  RTPP_AF_INET6,
	  { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 },
	  "2001:db8::1" },
	{ "::", RTPP_AF_INET6, { 0 }, "::" },
	{ "::1", RTPP_AF_INET6, { [15] = 1 }, "::1" },
	{ "::ffff:192.0.2.1",
	  RTPP_AF_INET6,
	  { [10] = 0xff, [11] = 0xff, [12] = 192, [13] = 0, [14] = 2, [15] = 1 },
	  "::ffff:192.0.2.1" },
	{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	  RTPP_AF_INET6,
	  { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff },
	  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" },
	{ "fe80:0000:0000:0000:0001:0002:0003:0004",
	  RTPP_AF_INET6,
	  { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2, 0, 3, 0, 4 },
	  "fe80::1:2:3:4" },
};

static void test_addr_parse_and_format(void **state)
{
	(void)state;
	for (size_t i = 0; i < DIM(good_addrs); i++) {
		struct rtpp_addr a;
		char buf[RTPP_ADDR_STRLEN];

		memset(&a, 0xa5, sizeof(a));
		if (rtpp_addr_parse(good_addrs[i].text, &a) != 0)
			fail_msg("\"%s\" was refused", good_addrs[i].text);
		assert_int_equal(a.family, good_addrs[i].family);
		/* IPv4 in the first four bytes, the other twelve zero */
		assert_memory_equal(a.bytes, good_addrs[i].bytes, 16);
		assert_true(rtpp_addr_is_set(&a));
		assert_ptr_equal(rtpp_addr_format(&a, buf, sizeof(buf)), buf);
		assert_string_equal(buf, good_addrs[i].formatted);
	}
}

static void test_addr_parse_refuses(void **state)
{
	static const char *const bad[] = {
		"",
		"garbage",
		"1.2.3",
		"1.2.3.4.",
		"1.2.3.4.5",
		"256.1.1.1",
		"01.2.3.4", /* no octal-looking octets */
		"0x1.2.3.4",
		" 1.2.3.4",
		"1.2.3.4 ",
		"1.2.3.4/24",
		"1.2.3.4:5",
		"[2001:db8::1]",
		"2001:db8::1::2",
		"1:2:3:4:5:6:7:8:9",
		"2001:db8::g",
		"fe80::1%eth0", /* no zone index */
		"12345::1",
	};
	struct rtpp_addr a;

	(void)state;
	for (size_t i = 0; i < DIM(bad); i++) {
		memset(&a, 0xa5, sizeof(a));
		if (rtpp_addr_parse(bad[i], &a) != -1)
			fail_msg("\"%s\" was accepted", bad[i]);
		assert_false(rtpp_addr_is_set(&a)); /* nothing half-parsed is left behind */
	}
	memset(&a, 0xa5, sizeof(a));
	assert_int_equal(rtpp_addr_parse(NULL, &a), -1);
	assert_false(rtpp_addr_is_set(&a));
}

static void test_addr_set_get_equal(void **state)
{
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 7 };
	struct rtpp_addr a, b, none = { 0 };
	char buf[RTPP_ADDR_STRLEN];

	(void)state;
	/* set_v4 takes network order and zeroes the rest, as the parser does */
	memset(&a, 0xa5, sizeof(a));
	rtpp_addr_set_v4(&a, htonl(0xc0000201));
	assert_int_equal(rtpp_addr_parse("192.0.2.1", &b), 0);
	assert_true(rtpp_addr_equal(&a, &b));
	assert_int_equal(rtpp_addr_v4(&a), htonl(0xc0000201));
	assert_string_equal(rtpp_addr_format(&a, buf, sizeof(buf)), "192.0.2.1");

	rtpp_addr_set_v6(&a, v6);
	assert_int_equal(a.family, RTPP_AF_INET6);
	assert_int_equal(rtpp_addr_parse("2001:db8::7", &b), 0);
	assert_true(rtpp_addr_equal(&a, &b));
	assert_int_equal(rtpp_addr_parse("2001:db8::8", &b), 0);
	assert_false(rtpp_addr_equal(&a, &b));

	/* same sixteen bytes, different family: not the same address */
	assert_int_equal(rtpp_addr_parse("1.2.3.4", &a), 0);
	assert_int_equal(rtpp_addr_parse("102:304::", &b), 0);
	assert_memory_equal(a.bytes, b.bytes, 16);
	assert_false(rtpp_addr_equal(&a, &b));

	/* the unset address: equal to itself only, formatted as "-" */
	assert_false(rtpp_addr_is_set(&none));
	assert_true(rtpp_addr_equal(&none, &none));
	assert_int_equal(rtpp_addr_parse("0.0.0.0", &a), 0);
	assert_true(rtpp_addr_is_set(&a)); /* 0.0.0.0 is an address, not "unset" */
	assert_false(rtpp_addr_equal(&none, &a));
	assert_int_equal(rtpp_addr_parse("::", &a), 0);
	assert_false(rtpp_addr_equal(&none, &a));
	assert_string_equal(rtpp_addr_format(&none, buf, sizeof(buf)), "-");
}

/* ---- endpoints ---- */

static const struct {
	const char *text;
	uint8_t family;
	const char *addr;
	uint16_t port;
	const char *formatted;
} good_endpoints[] = {
	{ "203.0.113.1:5", RTPP_AF_INET, "203.0.113.1", 5, "203.0.113.1:5" },
	{ "1.2.3.4:0", RTPP_AF_INET, "1.2.3.4", 0, "1.2.3.4:0" },
	{ "198.51.100.20:65535", RTPP_AF_INET, "198.51.100.20", 65535, "198.51.100.20:65535" },
	{ "127.0.0.1:050051", RTPP_AF_INET, "127.0.0.1", 50051, "127.0.0.1:50051" }, /* decimal */
	{ "[2001:db8::1]:5", RTPP_AF_INET6, "2001:db8::1", 5, "[2001:db8::1]:5" },
	{ "[2001:DB8:0::1]:5000", RTPP_AF_INET6, "2001:db8::1", 5000, "[2001:db8::1]:5000" },
	{ "[::]:50051", RTPP_AF_INET6, "::", 50051, "[::]:50051" },
	{ "[::ffff:192.0.2.1]:80", RTPP_AF_INET6, "::ffff:192.0.2.1", 80, "[::ffff:192.0.2.1]:80" },
	/* the longest text inet_ntop makes: exactly RTPP_ENDPOINT_STRLEN with its NUL */
	{ "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535", RTPP_AF_INET6,
	  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535,
	  "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535" },
	/* the longest text inet_pton takes (45 characters) still fits the parser */
	{ "[0000:0000:0000:0000:0000:ffff:255.255.255.255]:1", RTPP_AF_INET6,
	  "::ffff:255.255.255.255", 1, "[::ffff:255.255.255.255]:1" },
};

static void test_endpoint_parse_and_format(void **state)
{
	(void)state;
	for (size_t i = 0; i < DIM(good_endpoints); i++) {
		struct rtpp_endpoint e;
		struct rtpp_addr want;
		char buf[RTPP_ENDPOINT_STRLEN];

		memset(&e, 0xa5, sizeof(e));
		if (rtpp_endpoint_parse(good_endpoints[i].text, &e) != 0)
			fail_msg("\"%s\" was refused", good_endpoints[i].text);
		assert_int_equal(e.addr.family, good_endpoints[i].family);
		assert_int_equal(rtpp_addr_parse(good_endpoints[i].addr, &want), 0);
		assert_true(rtpp_addr_equal(&e.addr, &want));
		assert_int_equal(e.port, good_endpoints[i].port);
		assert_ptr_equal(rtpp_endpoint_format(&e, buf, sizeof(buf)), buf);
		assert_string_equal(buf, good_endpoints[i].formatted);
	}
	assert_int_equal(strlen(good_endpoints[8].formatted) + 1, RTPP_ENDPOINT_STRLEN);
}

static void test_endpoint_parse_refuses(void **state)
{
	static const char *const bad[] = {
		"",
		":",
		":5",
		"garbage",
		"garbage:5",
		"host.example:5060",
		"1.2.3.4", /* no port */
		"1.2.3.4:",
		"1.2.3.4:65536", /* port out of range */
		"1.2.3.4:99999999999999999999999",
		"1.2.3.4:-1",
		"1.2.3.4:+5",
		"1.2.3.4: 5",
		"1.2.3.4:5 ", /* trailing junk */
		"1.2.3.4:5x",
		"1.2.3.4:0x10",
		"1.2.3.4:5:6",
		" 1.2.3.4:5",
		"256.1.1.1:5",
		"2001:db8::1:5", /* IPv6 without brackets */
		"::1",
		"[2001:db8::1]", /* no port */
		"[2001:db8::1]:",
		"[2001:db8::1]5",
		"[2001:db8::1]-5000",
		"[2001:db8::1]:65536",
		"[2001:db8::1]:5]",
		"[2001:db8::1]:5 ",
		"[2001:db8::1:5", /* missing ']' */
		"2001:db8::1]:5", /* missing '[' */
		"[[2001:db8::1]]:5",
		"[]:5",
		"[1.2.3.4]:5", /* brackets are for IPv6 only */
		"[0000:0000:0000:0000:0000:0000:0000:0000:0000]:5",
		"[000000000000000000000000000000000000000000000000000000::1]:5", /* longer than the buffer */
		"000000000000000000000000000000000000000000000000000001.2.3.4:5",
	};

	(void)state;
	for (size_t i = 0; i < DIM(bad); i++) {
		struct rtpp_endpoint e;

		/* Only the result is checked: "[1.2.3.4]:5" is refused but leaves the
		 * IPv4 address in e.addr, and the header does not promise otherwise. */
		if (rtpp_endpoint_parse(bad[i], &e) != -1)
			fail_msg("\"%s\" was accepted", bad[i]);
	}
	struct rtpp_endpoint e;
	assert_int_equal(rtpp_endpoint_parse(NULL, &e), -1);
}

static void test_endpoint_equal(void **state)
{
	struct rtpp_endpoint a, b;

	(void)state;
	assert_int_equal(rtpp_endpoint_parse("[2001:db8::1]:5000", &a), 0);
	assert_int_equal(rtpp_endpoint_parse("[2001:DB8:0:0::1]:5000", &b), 0);
	assert_true(rtpp_endpoint_equal(&a, &b));
	assert_int_equal(rtpp_endpoint_parse("[2001:db8::1]:5001", &b), 0);
	assert_false(rtpp_endpoint_equal(&a, &b)); /* port differs */
	assert_int_equal(rtpp_endpoint_parse("[2001:db8::2]:5000", &b), 0);
	assert_false(rtpp_endpoint_equal(&a, &b)); /* address differs */
	assert_int_equal(rtpp_endpoint_parse("1.2.3.4:5000", &a), 0);
	assert_int_equal(rtpp_endpoint_parse("[102:304::]:5000", &b), 0);
	assert_false(rtpp_endpoint_equal(&a, &b)); /* same bytes, other family */

	/* an unset endpoint formats its address as "-" */
	struct rtpp_endpoint none = { .port = 7 };
	char buf[RTPP_ENDPOINT_STRLEN];
	assert_string_equal(rtpp_endpoint_format(&none, buf, sizeof(buf)), "-:7");
}

/* format(parse(s)) == s for canonical text, and parse(format(x)) == x. */
static void test_round_trips(void **state)
{
	static const char *const endpoints[] = {
		"0.0.0.0:0",
		"10.0.0.1:1",
		"203.0.113.1:20000",
		"255.255.255.255:65535",
		"[::]:0",
		"[::1]:443",
		"[2001:db8:a::10]:50000",
		"[fe80::1:2:3:4]:9",
		"[2001:db8:0:1:2:3:4:5]:65535",
		"[::ffff:198.51.100.1]:30000",
	};

	(void)state;
	for (size_t i = 0; i < DIM(endpoints); i++) {
		struct rtpp_endpoint e, again;
		char buf[RTPP_ENDPOINT_STRLEN], buf2[RTPP_ENDPOINT_STRLEN];

		assert_int_equal(rtpp_endpoint_parse(endpoints[i], &e), 0);
		assert_string_equal(rtpp_endpoint_format(&e, buf, sizeof(buf)), endpoints[i]);
		assert_int_equal(rtpp_endpoint_parse(buf, &again), 0);
		assert_true(rtpp_endpoint_equal(&e, &again));

		/* the text is the address's own text, bracketed for IPv6, then the port */
		bool v6 = e.addr.family == RTPP_AF_INET6;
		struct rtpp_addr a;
		struct rtpp_prefix p;

		rtpp_addr_format(&e.addr, buf2, sizeof(buf2));
		assert_memory_equal(buf + v6, buf2, strlen(buf2));
		assert_int_equal(buf[v6 + strlen(buf2)], v6 ? ']' : ':');
		assert_int_equal(rtpp_addr_parse(buf2, &a), 0);
		assert_true(rtpp_addr_equal(&a, &e.addr));
		/* and a prefix of full length holds it */
		strcat(buf2, v6 ? "/128" : "/32");
		assert_int_equal(rtpp_prefix_parse(buf2, &p), 0);
		assert_true(rtpp_prefix_contains(&p, &e.addr));
	}
}

/* ---- prefixes ---- */

static const struct {
	const char *text;
	int rc;
	uint8_t family;
	const char *addr; /* as given: host bits are kept */
	uint8_t len;
} prefixes[] = {
	{ "10.0.0.0/8", 0, RTPP_AF_INET, "10.0.0.0", 8 },
	{ "10.1.2.3/8", 0, RTPP_AF_INET, "10.1.2.3", 8 },
	{ "0.0.0.0/0", 0, RTPP_AF_INET, "0.0.0.0", 0 },
	{ "192.0.2.1/32", 0, RTPP_AF_INET, "192.0.2.1", 32 },
	{ "198.51.100.16/28", 0, RTPP_AF_INET, "198.51.100.16", 28 },
	{ "::/0", 0, RTPP_AF_INET6, "::", 0 },
	{ "2001:db8::/32", 0, RTPP_AF_INET6, "2001:db8::", 32 },
	{ "2001:db8::1/128", 0, RTPP_AF_INET6, "2001:db8::1", 128 },
	{ "::ffff:0:0/96", 0, RTPP_AF_INET6, "::ffff:0.0.0.0", 96 },
	{ "2001:db8::/33", 0, RTPP_AF_INET6, "2001:db8::", 33 }, /* IPv6 may exceed 32 */
	{ .text = "1.2.3.4/33", .rc = -1 },                      /* too long for IPv4 */
	{ .text = "1.2.3.4/128", .rc = -1 },
	{ .text = "::/129", .rc = -1 },
	{ .text = "::/256", .rc = -1 }, /* would wrap a uint8_t */
	{ .text = "1.2.3.4/", .rc = -1 },
	{ .text = "/8", .rc = -1 },
	{ .text = "1.2.3.4", .rc = -1 },
	{ .text = "", .rc = -1 },
	{ .text = "1.2.3.4/8/9", .rc = -1 },
	{ .text = "1.2.3.4/-1", .rc = -1 },
	{ .text = "1.2.3.4/+8", .rc = -1 },
	{ .text = "1.2.3.4/ 8", .rc = -1 },
	{ .text = "1.2.3.4/8 ", .rc = -1 },
	{ .text = "1.2.3.4/8x", .rc = -1 },
	{ .text = "2001:db8::/32x", .rc = -1 },
	{ .text = "garbage/8", .rc = -1 },
	{ .text = "[2001:db8::]/32", .rc = -1 },
	{ .text = "1.2.3.4:5/8", .rc = -1 },
	{ .text = "0000:0000:0000:0000:0000:0000:0000:0000:0000/8", .rc = -1 },
};

static void test_prefix_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < DIM(prefixes); i++) {
		struct rtpp_prefix p;

		memset(&p, 0xa5, sizeof(p));
		if (rtpp_prefix_parse(prefixes[i].text, &p) != prefixes[i].rc)
			fail_msg("\"%s\": expected %d", prefixes[i].text, prefixes[i].rc);
		if (prefixes[i].rc != 0) {
			assert_false(rtpp_addr_is_set(&p.addr));
			assert_int_equal(p.len, 0);
			continue;
		}
		struct rtpp_addr want;
		assert_int_equal(rtpp_addr_parse(prefixes[i].addr, &want), 0);
		assert_int_equal(p.addr.family, prefixes[i].family);
		assert_true(rtpp_addr_equal(&p.addr, &want));
		assert_int_equal(p.len, prefixes[i].len);
	}
	struct rtpp_prefix p;
	assert_int_equal(rtpp_prefix_parse(NULL, &p), -1);
}

static bool contains(const char *prefix, const char *addr)
{
	struct rtpp_prefix p;
	struct rtpp_addr a;

	if (rtpp_prefix_parse(prefix, &p) != 0)
		fail_msg("bad prefix in the test: %s", prefix);
	if (rtpp_addr_parse(addr, &a) != 0)
		fail_msg("bad address in the test: %s", addr);
	return rtpp_prefix_contains(&p, &a);
}

static void test_prefix_contains_boundaries(void **state)
{
	static const struct {
		const char *prefix, *addr;
		bool in;
	} cases[] = {
		/* /0 holds the whole family, and only that family */
		{ "0.0.0.0/0", "0.0.0.0", true },
		{ "0.0.0.0/0", "255.255.255.255", true },
		{ "0.0.0.0/0", "::", false },
		{ "::/0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true },
		{ "::/0", "0.0.0.0", false },
		{ "::ffff:0:0/96", "::ffff:192.0.2.1", true },
		{ "::ffff:0:0/96", "192.0.2.1", false }, /* mapped is not IPv4 */
		/* full length: the address itself only */
		{ "192.0.2.1/32", "192.0.2.1", true },
		{ "192.0.2.1/32", "192.0.2.0", false },
		{ "192.0.2.1/32", "192.0.2.2", false },
		{ "2001:db8::1/128", "2001:db8::1", true },
		{ "2001:db8::1/128", "2001:db8::", false },
		{ "2001:db8::1/128", "2001:db8::3", false },
		/* byte boundaries */
		{ "203.0.113.0/24", "203.0.113.255", true },
		{ "203.0.113.0/24", "203.0.114.0", false },
		{ "203.0.113.0/24", "203.0.112.255", false },
		{ "2001:db8:a::/48", "2001:db8:a:ffff:ffff:ffff:ffff:ffff", true },
		{ "2001:db8:a::/48", "2001:db8:b::", false },
		/* odd lengths */
		{ "128.0.0.0/1", "128.0.0.0", true },
		{ "128.0.0.0/1", "255.255.255.255", true },
		{ "128.0.0.0/1", "127.255.255.255", false },
		{ "10.0.0.0/7", "11.255.255.255", true },
		{ "10.0.0.0/7", "9.255.255.255", false },
		{ "10.0.0.0/7", "12.0.0.0", false },
		{ "192.0.2.128/25", "192.0.2.128", true },
		{ "192.0.2.128/25", "192.0.2.255", true },
		{ "192.0.2.128/25", "192.0.2.127", false },
		{ "198.51.100.16/28", "198.51.100.16", true },
		{ "198.51.100.16/28", "198.51.100.31", true },
		{ "198.51.100.16/28", "198.51.100.15", false },
		{ "198.51.100.16/28", "198.51.100.32", false },
		{ "1.2.3.4/31", "1.2.3.5", true },
		{ "1.2.3.4/31", "1.2.3.6", false },
		{ "1.2.3.4/31", "1.2.3.3", false },
		{ "::/1", "7fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true },
		{ "::/1", "8000::", false },
		{ "2001:db8::/31", "2001:db9:ffff::", true },
		{ "2001:db8::/31", "2001:dba::", false },
		{ "2001:db8::/31", "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", false },
		{ "2001:db8::/33", "2001:db8:7fff:ffff:ffff:ffff:ffff:ffff", true },
		{ "2001:db8::/33", "2001:db8:8000::", false },
		{ "2001:db8:a::/127", "2001:db8:a::1", true },
		{ "2001:db8:a::/127", "2001:db8:a::2", false },
		/* host bits in the prefix are not compared */
		{ "10.1.2.3/8", "10.200.0.1", true },
		{ "2001:db8::ffff/64", "2001:db8::1", true },
	};

	(void)state;
	for (size_t i = 0; i < DIM(cases); i++)
		if (contains(cases[i].prefix, cases[i].addr) != cases[i].in)
			fail_msg("%s in %s: expected %s", cases[i].addr, cases[i].prefix,
				 cases[i].in ? "true" : "false");
}

/* Every length of each family against the prefix's address with one bit
 * flipped: the address is inside exactly when the flipped bit is past len. */
static void test_prefix_contains_every_bit(void **state)
{
	static const char *const bases[] = {
		"198.51.100.17",        "0.0.0.0", "255.255.255.255",
		"2001:db8:a:b:c:d:e:f", "::",      "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
	};

	(void)state;
	for (size_t b = 0; b < DIM(bases); b++) {
		struct rtpp_addr base;

		assert_int_equal(rtpp_addr_parse(bases[b], &base), 0);
		unsigned int bits = base.family == RTPP_AF_INET ? 32 : 128;
		for (unsigned int len = 0; len <= bits; len++) {
			struct rtpp_prefix p = { .addr = base, .len = (uint8_t)len };

			assert_true(rtpp_prefix_contains(&p, &base));
			for (unsigned int bit = 0; bit < bits; bit++) {
				struct rtpp_addr a = base;

				a.bytes[bit / 8] ^= (uint8_t)(0x80u >> (bit % 8));
				if (rtpp_prefix_contains(&p, &a) != (bit >= len))
					fail_msg("%s/%u, bit %u flipped: expected %s", bases[b],
						 len, bit, bit >= len ? "inside" : "outside");
			}
		}
	}
}

static void test_prefix_overlap(void **state)
{
	static const struct {
		const char *a, *b;
		bool overlap;
	} cases[] = {
		{ "10.0.0.0/8", "10.1.0.0/16", true },
		{ "10.0.0.0/8", "11.0.0.0/8", false },
		{ "10.0.0.0/7", "11.0.0.0/8", true },
		{ "192.0.2.0/25", "192.0.2.128/25", false },
		{ "192.0.2.0/24", "192.0.2.128/25", true },
		{ "192.0.2.1/32", "192.0.2.1/32", true },
		{ "192.0.2.1/32", "192.0.2.2/32", false },
		{ "0.0.0.0/0", "203.0.113.7/32", true },
		{ "0.0.0.0/0", "::/0", false }, /* families never overlap */
		{ "::ffff:0:0/96", "0.0.0.0/0", false },
		{ "::/0", "2001:db8::1/128", true },
		{ "2001:db8::/32", "2001:db9::/32", false },
		{ "2001:db8::/31", "2001:db9::/32", true },
		{ "2001:db8:a::/64", "2001:db8:a:0:8000::/65", true },
		{ "2001:db8:a::/65", "2001:db8:a:0:8000::/65", false },
	};

	(void)state;
	for (size_t i = 0; i < DIM(cases); i++) {
		struct rtpp_prefix a, b;

		assert_int_equal(rtpp_prefix_parse(cases[i].a, &a), 0);
		assert_int_equal(rtpp_prefix_parse(cases[i].b, &b), 0);
		if (rtpp_prefix_overlap(&a, &b) != cases[i].overlap ||
		    rtpp_prefix_overlap(&b, &a) != cases[i].overlap)
			fail_msg("%s and %s: expected %s", cases[i].a, cases[i].b,
				 cases[i].overlap ? "overlap" : "no overlap");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_parse_and_format),
		cmocka_unit_test(test_addr_parse_refuses),
		cmocka_unit_test(test_addr_set_get_equal),
		cmocka_unit_test(test_endpoint_parse_and_format),
		cmocka_unit_test(test_endpoint_parse_refuses),
		cmocka_unit_test(test_endpoint_equal),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_prefix_parse),
		cmocka_unit_test(test_prefix_contains_boundaries),
		cmocka_unit_test(test_prefix_contains_every_bit),
		cmocka_unit_test(test_prefix_overlap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
