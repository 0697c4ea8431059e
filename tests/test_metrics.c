/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/metrics against a data plane with two ring ports, one worker and two
 * static sessions: the exposition's grammar (HELP and TYPE before each
 * family's samples, families contiguous and never repeated, names and label
 * sets as Prometheus's format takes them), label escaping of a session's
 * name, and values that follow the sessions' life.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <cmocka.h>

#include "rtpp_config.h"
#include "rtpp_dataplane.h"
#include "rtpp_dataplane_test.h"
#include "rtpp_metrics.h"
#include "test_eal.h"

static const char yaml[] =
	"interfaces:\n"
	"  - name: access\n"
	"    device: net_ring_metrics_a\n"
	"    addresses: [203.0.113.1/24]\n"
	"    ports: 20000-29999\n"
	"  - name: core\n"
	"    device: net_ring_metrics_b\n"
	"    addresses: [198.51.100.1/24]\n"
	"    ports: 30000-39999\n"
	"dataplane:\n"
	"  max_sessions: 16\n"
	"sessions:\n"
	"  - name: 'odd\"name\\with-quote'\n"
	"    listen: 203.0.113.1:20000\n"
	"    forward: 198.51.100.1:30000\n"
	"    destination: 198.51.100.20:40000\n"
	"  - name: plain\n"
	"    listen: 203.0.113.1:20002\n"
	"    forward: 198.51.100.1:30002\n"
	"    destination: 198.51.100.20:40002\n";

static struct rtpp_config *cfg;
static struct rte_mempool *pool;
static uint16_t ports[2];

/* Into a heap buffer of the caller's (the caller frees *text). */
static void render(struct rtpp_dataplane *dp, const struct rtpp_metrics_sources *src, char **text)
{
	size_t len = 0;
	FILE *out = open_memstream(text, &len);

	assert_non_null(out);
	rtpp_metrics_write(out, dp, src);
	assert_int_equal(fclose(out), 0);
}

static bool metric_name_ok(const char *s, size_t n)
{
	if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_' || s[0] == ':'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == ':'))
			return false;
	return true;
}

/*
 * Check the text against the exposition format; returns how many samples.
 * Each failure names the line.
 */
static unsigned int check_grammar(const char *text)
{
	char family[128] = "", help_of[128] = "", seen[8192] = " ";
	unsigned int samples = 0, line_no = 0;
	const char *line = text;

	while (*line != '\0') {
		const char *end = strchr(line, '\n');
		size_t n;

		line_no++;
		if (end == NULL)
			fail_msg("line %u: no newline at the end", line_no);
		n = (size_t)(end - line);
		if (strncmp(line, "# HELP ", 7) == 0) {
			const char *name = line + 7, *sp = memchr(name, ' ', n - 7);

			assert_non_null(sp);
			snprintf(help_of, sizeof(help_of), "%.*s", (int)(sp - name), name);
		} else if (strncmp(line, "# TYPE ", 7) == 0) {
			const char *name = line + 7, *sp = memchr(name, ' ', n - 7);
			char key[140];

			assert_non_null(sp);
			snprintf(family, sizeof(family), "%.*s", (int)(sp - name), name);
			if (strcmp(family, help_of) != 0)
				fail_msg("line %u: TYPE of %s without its HELP first", line_no,
					 family);
			if (!metric_name_ok(family, strlen(family)))
				fail_msg("line %u: bad family name %s", line_no, family);
			snprintf(key, sizeof(key), " %s ", family);
			if (strstr(seen, key) != NULL)
				fail_msg("line %u: family %s twice", line_no, family);
			strncat(seen, key + 1, sizeof(seen) - strlen(seen) - 1);
			if (strncmp(sp + 1, "counter\n", 8) != 0 && strncmp(sp + 1, "gauge\n", 6) != 0)
				fail_msg("line %u: type %.*s", line_no, (int)(end - sp - 1), sp + 1);
			if (strncmp(sp + 1, "counter", 7) == 0 &&
			    (strlen(family) < 6 || strcmp(family + strlen(family) - 6, "_total") != 0))
				fail_msg("line %u: counter %s without _total", line_no, family);
		} else {
			/* NAME[{l="v",...}] VALUE */
			size_t name_len = strcspn(line, "{ ");
			const char *p = line + name_len;

			if (name_len != strlen(family) || strncmp(line, family, name_len) != 0)
				fail_msg("line %u: sample \"%.*s\" outside its family (%s)",
					 line_no, (int)n, line, family);
			if (*p == '{') {
				p++;
				while (*p != '}') {
					size_t label = strcspn(p, "=");

					if (!metric_name_ok(p, label) || p[label + 1] != '"')
						fail_msg("line %u: bad label at \"%.*s\"", line_no,
							 (int)(end - p), p);
					p += label + 2;
					while (*p != '"') {
						if (*p == '\n' || *p == '\0')
							fail_msg("line %u: unterminated label",
								 line_no);
						p += *p == '\\' ? 2 : 1;
					}
					p++;
					if (*p == ',')
						p++;
				}
				p++;
			}
			if (*p != ' ')
				fail_msg("line %u: no space before the value", line_no);
			char *vend;
			strtod(p + 1, &vend);
			if (vend != end)
				fail_msg("line %u: value \"%.*s\"", line_no, (int)(end - p - 1),
					 p + 1);
			samples++;
		}
		line = end + 1;
	}
	return samples;
}

/* The value of the sample that starts with prefix ("NAME{labels}"); fails when absent. */
static double value_of(const char *text, const char *prefix)
{
	char want[256];
	const char *at;

	snprintf(want, sizeof(want), "\n%s ", prefix);
	at = strstr(text, want);
	if (at == NULL)
		fail_msg("no sample %s", prefix);
	return strtod(at + strlen(want), NULL);
}

static void test_exposition(void **state)
{
	(void)state;
	char err[256];
	struct rtpp_dataplane *dp = rtpp_dataplane_create_detached(ports, 2, 16, 2, pool, cfg);
	struct rtpp_metrics_api api = {
		.calls_in_progress = 1,
		.max_streams = 64,
		.n_calls = 2,
		.calls = { { "/rtpproxy.RtpProxy/CreateSession", "OK", 7 },
			   { "/rtpproxy.RtpProxy/CreateSession", "INVALID_ARGUMENT", 2 } },
		.audit_records = 9,
	};
	struct rtpp_metrics_http http = { .responses_by_class = { 0, 0, 5, 0, 1, 0 } };
	struct rtpp_metrics_sources src = { .api = &api, .http = &http };
	char *text = NULL;

	assert_non_null(dp);
	assert_int_equal(rtpp_dataplane_create_static_sessions(dp, err, sizeof(err)), 0);

	render(dp, &src, &text);
	assert_true(check_grammar(text) > 50);
	assert_null(strstr(text, "rtpproxy_session_rx_packets_total")); /* not asked */
	assert_int_equal(value_of(text, "rtpproxy_sessions_created_total"), 2);
	assert_int_equal(value_of(text, "rtpproxy_sessions_max"), 16);
	assert_int_equal(value_of(text, "rtpproxy_workers"), 2); /* one series per worker */
	assert_int_equal(value_of(text, "rtpproxy_interface_rx_packets_total{interface=\"core\"}"),
			 0);
	assert_int_equal(value_of(text, "rtpproxy_interface_media_ports_free{interface=\"access\"}"),
			 10000 - 4);
	assert_int_equal(value_of(text,
				  "rtpproxy_api_calls_total{method=\"/rtpproxy.RtpProxy/"
				  "CreateSession\",code=\"INVALID_ARGUMENT\"}"),
			 2);
	assert_int_equal(value_of(text, "rtpproxy_http_responses_total{class=\"2xx\"}"), 5);
	assert_int_equal(value_of(text, "rtpproxy_audit_records_total"), 9);
	assert_int_equal(value_of(text, "rtpproxy_worker_burst_size{worker=\"0\",lcore=\"0\"}"), 32);
	assert_non_null(strstr(text, "\nrtpproxy_worker_loops_total{worker=\"1\","));
	/* The live sessions by state add up to the table. */
	double live = 0;
	for (const char *s = strstr(text, "\nrtpproxy_sessions{"); s != NULL;
	     s = strstr(s + 1, "\nrtpproxy_sessions{"))
		live += strtod(strchr(s, ' ') + 1, NULL);
	assert_int_equal(live, 2);
	free(text);

	/* Per-session series when asked, bounded: one of the two, the other counted. */
	src.session_series = 1;
	render(dp, &src, &text);
	check_grammar(text);
	assert_int_equal(value_of(text, "rtpproxy_session_series_omitted"), 1);
	assert_int_equal(value_of(text,
				  "rtpproxy_session_rx_packets_total{session_id=\"1\","
				  "name=\"odd\\\"name\\\\with-quote\",flow=\"a_to_b\"}"),
			 0);
	assert_null(strstr(text, "name=\"plain\""));
	free(text);

	/* A destroy is counted by its reason; the table shrinks. */
	assert_int_equal(rtpp_dataplane_session_destroy(dp, 1, NULL), 0);
	src.session_series = 10;
	render(dp, &src, &text);
	check_grammar(text);
	assert_int_equal(value_of(text, "rtpproxy_sessions_closed_total{reason=\"destroyed\"}"), 1);
	assert_int_equal(value_of(text, "rtpproxy_sessions_closed_total{reason=\"inactivity\"}"), 0);
	assert_int_equal(value_of(text, "rtpproxy_session_series_omitted"), 0);
	assert_non_null(strstr(text, "name=\"plain\""));
	assert_null(strstr(text, "session_id=\"1\""));
	free(text);
	rtpp_dataplane_destroy(dp);
}

static void test_label_escaping(void **state)
{
	(void)state;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	rtpp_metrics_write_label_value(out, "a\\b\"c\nd\xc3\xa9");
	fclose(out);
	assert_string_equal(text, "a\\\\b\\\"c\\nd\xc3\xa9");
	free(text);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_label_escaping),
		cmocka_unit_test(test_exposition),
	};
	char err[RTPP_CONFIG_ERR_LEN];

	if (rtpp_test_eal_init(NULL) != 0 ||
	    rtpp_config_load_string(yaml, sizeof(yaml) - 1, "metrics.yaml", &cfg, err,
				    sizeof(err)) != 0) {
		fprintf(stderr, "setup: %s\n", err);
		return 1;
	}
	pool = rte_pktmbuf_pool_create("metrics_test", 512, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	for (int i = 0; i < 2; i++) {
		char name[32];
		struct rte_ring *ring;

		snprintf(name, sizeof(name), "metrics_ring%d", i);
		ring = rte_ring_create(name, 64, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
		int p = ring != NULL ? rte_eth_from_ring(ring) : -1;
		if (p < 0 || pool == NULL)
			return 1;
		ports[i] = (uint16_t)p;
	}
	int failed = cmocka_run_group_tests_name("metrics", tests, NULL, NULL);

	rtpp_config_free(cfg);
	rte_eal_cleanup();
	rtpp_test_remove_runtime_dir();
	return failed;
}
