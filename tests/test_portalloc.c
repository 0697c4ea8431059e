/* SPDX-License-Identifier: BSD-3-Clause */
/* Media port pool: pairs, reservations, exhaustion, rotation, release. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "rtpp_portalloc.h"

static void test_pairs_are_even_and_rotate(void **state)
{
	struct rtpp_port_pool *p = rtpp_port_pool_create(20001, 20010); /* odd start */

	(void)state;
	assert_non_null(p);
	assert_int_equal(rtpp_port_pool_alloc(p, true), 20002);
	assert_int_equal(rtpp_port_pool_alloc(p, true), 20004);
	rtpp_port_pool_release(p, 20002, true);
	/* the port just freed is not handed out again at once */
	assert_int_equal(rtpp_port_pool_alloc(p, true), 20006);
	assert_int_equal(rtpp_port_pool_alloc(p, true), 20008);
	/* 20010 has no 20011 inside the range: only 20002 is left */
	assert_int_equal(rtpp_port_pool_alloc(p, true), 20002);
	assert_int_equal(rtpp_port_pool_alloc(p, true), -ENOSPC);
	assert_int_equal(rtpp_port_pool_alloc(p, false), 20010); /* a single port fits */
	rtpp_port_pool_free(p);
}

static void test_reservations(void **state)
{
	struct rtpp_port_pool *p = rtpp_port_pool_create(30000, 30009);

	(void)state;
	assert_int_equal(rtpp_port_pool_free_count(p), 10);
	assert_false(rtpp_port_pool_in_use(p, 30000));
	assert_int_equal(rtpp_port_pool_reserve(p, 30000, true), 0);
	assert_true(rtpp_port_pool_in_use(p, 30000) && rtpp_port_pool_in_use(p, 30001));
	assert_false(rtpp_port_pool_in_use(p, 30002));
	assert_int_equal(rtpp_port_pool_reserve(p, 30001, false), -EEXIST); /* its RTCP port */
	assert_int_equal(rtpp_port_pool_reserve(p, 30009, true), -ERANGE);  /* 30010 outside */
	assert_int_equal(rtpp_port_pool_reserve(p, 29998, false), -ERANGE);
	assert_false(rtpp_port_pool_covers(p, 40000));
	assert_int_equal(rtpp_port_pool_free_count(p), 8);
	/* allocation skips what is reserved */
	assert_int_equal(rtpp_port_pool_alloc(p, true), 30002);
	rtpp_port_pool_release(p, 30000, true);
	rtpp_port_pool_release(p, 30002, true);
	rtpp_port_pool_release(p, 30002, true); /* twice: no underflow */
	rtpp_port_pool_release(p, 50000, true); /* outside: ignored */
	assert_int_equal(rtpp_port_pool_free_count(p), 10);
	rtpp_port_pool_free(p);
}

static void test_full_range_round_trip(void **state)
{
	struct rtpp_port_pool *p = rtpp_port_pool_create(1024, 65535);
	int ports[32256];
	unsigned int n = 0;
	int port;

	(void)state;
	while ((port = rtpp_port_pool_alloc(p, true)) > 0) {
		assert_true(n < 32256);
		assert_int_equal(port % 2, 0);
		ports[n++] = port;
	}
	assert_int_equal(n, (65536 - 1024) / 2);
	assert_int_equal(rtpp_port_pool_free_count(p), 0);
	for (unsigned int i = 0; i < n; i++)
		rtpp_port_pool_release(p, (uint16_t)ports[i], true);
	assert_int_equal(rtpp_port_pool_free_count(p), 65536 - 1024);
	assert_null(rtpp_port_pool_create(0, 10));
	assert_null(rtpp_port_pool_create(20, 10));
	rtpp_port_pool_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pairs_are_even_and_rotate),
		cmocka_unit_test(test_reservations),
		cmocka_unit_test(test_full_range_round_trip),
	};

	return cmocka_run_group_tests_name("portalloc", tests, NULL, NULL);
}
