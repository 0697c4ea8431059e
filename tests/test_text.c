/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/text: what a name may be. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "rtpp_text.h"

static size_t bad_at(const char *s)
{
	return rtpp_text_name_invalid_at(s, strlen(s));
}

static void test_valid_names(void **state)
{
	static const char *const good[] = {
		"call-42",
		"a",
		"appel-\xc3\xa9t\xc3\xa9",  /* é: two bytes */
		"\xe9\x80\x9a\xe8\xaf\x9d", /* 通话: three bytes each */
		"\xf0\x9f\x93\x9e",         /* U+1F4DE: four bytes */
		"\xf4\x8f\xbf\xbf",         /* U+10FFFF, the last */
		"\xc2\xa0x",                /* U+00A0, just past C1 */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(bad_at(good[i]), strlen(good[i]));
}

static void test_invalid_names(void **state)
{
	static const struct {
		const char *name;
		size_t at;
	} bad[] = {
		{ "a b", 1 },              /* space */
		{ "a\tb", 1 },             /* C0 */
		{ "ab\x7f", 2 },           /* DEL */
		{ "x\xc2\x85", 1 },        /* C1: NEL */
		{ "x\xc2\x9f", 1 },        /* C1: the last */
		{ "\xff", 0 },             /* never in UTF-8 */
		{ "ok\x80", 2 },           /* a continuation byte alone */
		{ "\xc0\xaf", 0 },         /* overlong '/' */
		{ "\xe0\x80\xaf", 0 },     /* overlong '/' in three bytes */
		{ "\xf0\x80\x80\xaf", 0 }, /* overlong '/' in four bytes */
		{ "\xed\xa0\x80", 0 },     /* a surrogate, U+D800 */
		{ "\xf4\x90\x80\x80", 0 }, /* U+110000, above the last */
		{ "\xf5\x80\x80\x80", 0 }, /* a lead byte past F4 */
		{ "ab\xe9\x80", 2 },       /* cut short */
		{ "ab\xe9\x80x", 2 },      /* a continuation missing */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (bad_at(bad[i].name) != bad[i].at)
			fail_msg("case %zu: invalid at %zu, want %zu", i, bad_at(bad[i].name),
				 bad[i].at);
}

/* Only len bytes are looked at: a name is not always NUL-terminated where it ends. */
static void test_length_bounds(void **state)
{
	(void)state;
	assert_int_equal(rtpp_text_name_invalid_at("ab\xff", 2), 2);
	assert_int_equal(rtpp_text_name_invalid_at("\xc3\xa9", 1), 0); /* é cut by len */
	assert_int_equal(rtpp_text_name_invalid_at("", 0), 0);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_names),
		cmocka_unit_test(test_invalid_names),
		cmocka_unit_test(test_length_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
