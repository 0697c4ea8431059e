/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/console: the graphs' history (rates from counters, the ring), the
 * gRPC-to-HTTP status map, and the embedded page (what the server's
 * Content-Security-Policy lets run). The routes themselves are driven by a
 * real browser in tests/system/cases_console.sh.
 */
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rtpp_console.h"

#define SEC 1000000000ull
#define HZ 2000000000ull /* a 2 GHz TSC */

static double point(const json_t *h, const char *group, unsigned int index, const char *series,
		    unsigned int k)
{
	json_t *one = json_array_get(json_object_get(h, group), index);
	json_t *v = json_array_get(json_object_get(one, series), k);

	assert_non_null(v);
	return json_number_value(v);
}

static void test_history_rates(void **state)
{
	struct rtpp_console_history *h = rtpp_console_history_create(2, 1, 10);
	struct rtpp_console_iface_sample s[2] = { 0 };
	uint64_t busy = 0;
	json_t *j;

	(void)state;
	assert_non_null(h);
	/* The first sample is the base: no point yet. */
	s[0] = (struct rtpp_console_iface_sample){ 100, 50, 10000, 5000, 3 };
	rtpp_console_history_add(h, 10 * SEC, 1000, s, &busy, HZ);
	assert_int_equal(rtpp_console_history_len(h), 0);
	/* Two seconds later: 200 packets in (100/s), 1,000 bytes out (4,000 bit/s)... */
	s[0] = (struct rtpp_console_iface_sample){ 300, 150, 30000, 6000, 7 };
	s[1] = (struct rtpp_console_iface_sample){ 10, 0, 0, 0, 0 };
	busy = HZ; /* busy 1 s of the 2 */
	rtpp_console_history_add(h, 12 * SEC, 3000, s, &busy, HZ);
	assert_int_equal(rtpp_console_history_len(h), 1);
	j = rtpp_console_history_json(h);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "interval_s")), 1);
	assert_int_equal(json_integer_value(json_array_get(json_object_get(j, "unix_ms"), 0)), 3000);
	assert_true(point(j, "interfaces", 0, "rx_pps", 0) == 100.0);
	assert_true(point(j, "interfaces", 0, "tx_pps", 0) == 50.0);
	assert_true(point(j, "interfaces", 0, "rx_bps", 0) == 80000.0);
	assert_true(point(j, "interfaces", 0, "tx_bps", 0) == 4000.0);
	assert_true(point(j, "interfaces", 0, "drops_ps", 0) == 2.0);
	assert_true(point(j, "interfaces", 1, "rx_pps", 0) == 5.0);
	assert_true(point(j, "workers", 0, "busy_percent", 0) == 50.0);
	assert_int_equal(json_integer_value(
				 json_object_get(json_array_get(json_object_get(j, "interfaces"), 1),
						 "index")),
			 1);
	json_decref(j);

	/* A counter that went back (its source restarted) is rate 0, not a huge number. */
	s[0].rx_packets = 5;
	busy = 0;
	rtpp_console_history_add(h, 13 * SEC, 4000, s, &busy, HZ);
	j = rtpp_console_history_json(h);
	assert_true(point(j, "interfaces", 0, "rx_pps", 1) == 0.0);
	assert_true(point(j, "workers", 0, "busy_percent", 1) == 0.0);
	json_decref(j);

	/* Busy over the interval's length (a clock skew) stays at 100 %. */
	busy = 3 * HZ;
	rtpp_console_history_add(h, 14 * SEC, 5000, s, &busy, HZ);
	j = rtpp_console_history_json(h);
	assert_true(point(j, "workers", 0, "busy_percent", 2) == 100.0);
	json_decref(j);

	/* A clock that did not advance adds nothing. */
	rtpp_console_history_add(h, 14 * SEC, 5000, s, &busy, HZ);
	assert_int_equal(rtpp_console_history_len(h), 3);
	rtpp_console_history_destroy(h);
}

static void test_history_ring(void **state)
{
	struct rtpp_console_history *h = rtpp_console_history_create(1, 0, 4);
	struct rtpp_console_iface_sample s = { 0 };
	json_t *j, *times, *rx;

	(void)state;
	/* rx grows by k * 10 in second k: the rate of point k is 10 k. */
	for (unsigned int k = 0; k <= 7; k++) {
		s.rx_packets += 10 * k;
		rtpp_console_history_add(h, k * SEC, 1000 * k, &s, NULL, HZ);
	}
	assert_int_equal(rtpp_console_history_len(h), 4);
	j = rtpp_console_history_json(h);
	times = json_object_get(j, "unix_ms");
	rx = json_object_get(json_array_get(json_object_get(j, "interfaces"), 0), "rx_pps");
	assert_int_equal(json_array_size(times), 4);
	assert_int_equal(json_array_size(rx), 4);
	/* The last 4 points, oldest first. */
	for (unsigned int i = 0; i < 4; i++) {
		assert_int_equal(json_integer_value(json_array_get(times, i)), 1000 * (4 + i));
		assert_true(json_real_value(json_array_get(rx, i)) == 10.0 * (4 + i));
	}
	assert_int_equal(json_array_size(json_object_get(j, "workers")), 0);
	json_decref(j);
	rtpp_console_history_destroy(h);
	assert_null(rtpp_console_history_create(1, 1, 0));
}

static void test_http_status(void **state)
{
	(void)state;
	assert_int_equal(rtpp_console_http_status(0), 200);
	assert_int_equal(rtpp_console_http_status(3), 400);  /* INVALID_ARGUMENT */
	assert_int_equal(rtpp_console_http_status(5), 404);  /* NOT_FOUND */
	assert_int_equal(rtpp_console_http_status(6), 409);  /* ALREADY_EXISTS */
	assert_int_equal(rtpp_console_http_status(7), 403);  /* PERMISSION_DENIED */
	assert_int_equal(rtpp_console_http_status(8), 429);  /* RESOURCE_EXHAUSTED */
	assert_int_equal(rtpp_console_http_status(9), 400);  /* FAILED_PRECONDITION */
	assert_int_equal(rtpp_console_http_status(13), 500); /* INTERNAL */
	assert_int_equal(rtpp_console_http_status(14), 503); /* UNAVAILABLE */
	assert_int_equal(rtpp_console_http_status(-1), 500);
	assert_int_equal(rtpp_console_http_status(17), 500);
}

static char *asset_text(const char *path)
{
	const struct rtpp_console_asset *a = rtpp_console_asset_find(path);
	char *t;

	assert_non_null(a);
	t = strndup((const char *)a->data, a->len);
	assert_non_null(t);
	assert_int_equal(strlen(t), a->len); /* text: no NUL inside */
	return t;
}

static bool matches(const char *text, const char *pattern)
{
	regex_t re;
	bool found;

	assert_int_equal(regcomp(&re, pattern, REG_EXTENDED | REG_ICASE | REG_NOSUB), 0);
	found = regexec(&re, text, 0, NULL, 0) == 0;
	regfree(&re);
	return found;
}

static void test_assets(void **state)
{
	static const struct {
		const char *path, *type;
	} want[] = {
		{ "/", "text/html; charset=utf-8" },
		{ "/index.html", "text/html; charset=utf-8" },
		{ "/console.js", "text/javascript; charset=utf-8" },
		{ "/console.css", "text/css; charset=utf-8" },
	};
	unsigned int n = 0;
	char *html, *js;

	(void)state;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct rtpp_console_asset *a = rtpp_console_asset_find(want[i].path);

		assert_non_null(a);
		assert_string_equal(a->content_type, want[i].type);
		assert_true(a->len > 100);
	}
	while (rtpp_console_asset_at(n) != NULL)
		n++;
	assert_int_equal(n, 4);
	assert_null(rtpp_console_asset_find("/nope.js"));
	assert_null(rtpp_console_asset_find("/console.js/"));

	/*
	 * The server sends "Content-Security-Policy: default-src 'self'": an
	 * inline script, an inline style or an event attribute would not run.
	 */
	html = asset_text("/");
	assert_true(matches(html, "<script src=\"console.js\""));
	assert_true(matches(html, "<link rel=\"stylesheet\" href=\"console.css\">"));
	assert_false(matches(html, "<script>|<script[^>]*>[^<]+</script>"));
	assert_false(matches(html, "<style"));
	assert_false(matches(html, "[[:space:]]style="));
	assert_false(matches(html, "[[:space:]]on[a-z]+="));
	assert_false(matches(html, "(src|href)=\"(https?:)?//")); /* nothing from elsewhere */
	/* The ids the script and the browser test rely on. */
	assert_true(matches(html, "id=\"sessions-body\""));
	assert_true(matches(html, "id=\"create-form\""));
	assert_true(matches(html, "id=\"read-only-reason\""));
	free(html);
	/* Values from the server reach the page as text, never as markup. */
	js = asset_text("/console.js");
	assert_false(matches(js, "innerHTML|outerHTML|insertAdjacentHTML|document\\.write|eval\\("));
	assert_false(matches(js, "https?://"));
	free(js);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_history_rates),
		cmocka_unit_test(test_history_ring),
		cmocka_unit_test(test_http_status),
		cmocka_unit_test(test_assets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
