/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/config: the shipped examples load with the expected values, and each
 * kind of bad input is refused with the exact "NAME:LINE: FIELD:" prefix.
 * Every bad case is a test of its own, named after what it breaks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rtpp_config.h"

#define SOURCE_ROOT RTPP_TEST_DATA_DIR "/../.."
#define BAD_NAME "bad.yaml"

/* ---- helpers ---- */

static struct rtpp_config *load_file_ok(const char *path)
{
	struct rtpp_config *cfg = NULL;
	char err[RTPP_CONFIG_ERR_LEN] = "";

	if (rtpp_config_load_file(path, &cfg, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_non_null(cfg);
	return cfg;
}

static struct rtpp_config *load_string_ok(const char *yaml)
{
	struct rtpp_config *cfg = NULL;
	char err[RTPP_CONFIG_ERR_LEN] = "";

	if (rtpp_config_load_string(yaml, strlen(yaml), "test.yaml", &cfg, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_non_null(cfg);
	return cfg;
}

static void assert_prefix(const struct rtpp_prefix *prefix, const char *addr, unsigned int len)
{
	struct rtpp_addr expected;

	assert_int_equal(rtpp_addr_parse(addr, &expected), 0);
	assert_true(rtpp_addr_equal(&prefix->addr, &expected));
	assert_int_equal(prefix->len, len);
}

static void assert_addr(const struct rtpp_addr *addr, const char *text)
{
	struct rtpp_addr expected;

	assert_int_equal(rtpp_addr_parse(text, &expected), 0);
	assert_true(rtpp_addr_equal(addr, &expected));
}

static void assert_endpoint(const struct rtpp_endpoint *endpoint, const char *text)
{
	struct rtpp_endpoint expected;

	assert_int_equal(rtpp_endpoint_parse(text, &expected), 0);
	assert_true(rtpp_endpoint_equal(endpoint, &expected));
}

static void assert_one_line(const char *err)
{
	assert_null(strchr(err, '\n'));
	assert_null(strchr(err, '\r'));
}

/* ---- the shipped examples ---- */

/* What an API session gets when "media:" says nothing. */
static void assert_media_defaults(const struct rtpp_media_options *media)
{
	assert_true(media->strict_source);
	assert_false(media->relay_unrecognised);
	assert_int_equal(media->learning_window_ms, 10000);
	assert_int_equal(media->relatch_silence_ms, 500);
	assert_int_equal(media->inactivity_timeout_s, 60);
	assert_int_equal(media->first_media_timeout_s, 300);
	assert_int_equal(media->max_lifetime_s, 14400);
	assert_int_equal(media->rate_limit_pps, 20000);
	assert_int_equal(media->rate_limit_bps, 100000000);
	assert_int_equal(media->clock_rate, 0);
}

static void test_default_yaml(void **state)
{
	(void)state;
	struct rtpp_config *cfg = load_file_ok(SOURCE_ROOT "/config/default.yaml");
	const struct rtpp_iface_config *access = &cfg->ifaces[0], *core = &cfg->ifaces[1];

	assert_string_equal(cfg->source_name, SOURCE_ROOT "/config/default.yaml");
	assert_int_equal(cfg->n_ifaces, 2);

	assert_string_equal(access->name, "access");
	assert_string_equal(access->device, "net_af_packet0,iface=pxa,qpairs=1");
	assert_int_equal(access->n_addrs, 2);
	assert_prefix(&access->addrs[0], "203.0.113.1", 24);
	assert_prefix(&access->addrs[1], "2001:db8:a::1", 64);
	assert_false(rtpp_addr_is_set(&access->gateway4));
	assert_false(rtpp_addr_is_set(&access->gateway6));
	assert_int_equal(access->port_min, 20000);
	assert_int_equal(access->port_max, 29999);
	assert_int_equal(access->rx_queues, 0);
	assert_int_equal(access->mtu, 0);

	assert_string_equal(core->name, "core");
	assert_string_equal(core->device, "net_af_packet1,iface=pxb,qpairs=1");
	assert_int_equal(core->n_addrs, 2);
	assert_prefix(&core->addrs[0], "198.51.100.1", 24);
	assert_prefix(&core->addrs[1], "2001:db8:b::1", 64);
	assert_int_equal(core->port_min, 30000);
	assert_int_equal(core->port_max, 39999);

	assert_int_equal(cfg->dataplane.workers, 1);
	assert_int_equal(cfg->dataplane.burst, 32);
	assert_int_equal(cfg->dataplane.max_sessions, 65536);
	assert_int_equal(cfg->dataplane.mbufs, 0);
	assert_int_equal(cfg->dataplane.rx_desc, 1024);
	assert_int_equal(cfg->dataplane.tx_desc, 1024);

	assert_int_equal(cfg->n_sessions, 2);
	assert_string_equal(cfg->sessions[0].name, "demo-v4");
	assert_endpoint(&cfg->sessions[0].listen, "203.0.113.1:20000");
	assert_endpoint(&cfg->sessions[0].forward, "198.51.100.1:30000");
	assert_endpoint(&cfg->sessions[0].destination, "198.51.100.20:40000");
	assert_false(rtpp_addr_is_set(&cfg->sessions[0].source.addr));
	assert_true(cfg->sessions[0].rtcp);
	assert_string_equal(cfg->sessions[1].name, "demo-v6");
	assert_endpoint(&cfg->sessions[1].listen, "[2001:db8:a::1]:20002");
	assert_endpoint(&cfg->sessions[1].forward, "[2001:db8:b::1]:30002");
	assert_endpoint(&cfg->sessions[1].destination, "[2001:db8:b::20]:40002");
	assert_true(cfg->sessions[1].rtcp);
	assert_int_equal(cfg->policy.n_allowed_remotes, 0); /* the demo sends anywhere */
	assert_media_defaults(&cfg->media);                 /* its "media:" is commented out */

	rtpp_config_free(cfg);
}

static char *read_all(const char *path, size_t *len);

/* The commented "media:" block of default.yaml, uncommented, states the defaults. */
static void test_default_yaml_media_example(void **state)
{
	(void)state;
	size_t len;
	char *text = read_all(SOURCE_ROOT "/config/default.yaml", &len);
	char *line = strstr(text, "\n# media:\n");
	struct rtpp_config *cfg;
	unsigned int lines = 0;

	assert_non_null(line);
	/* "# media:" and the "#   key: value" lines under it lose their "# ". */
	for (line++; strncmp(line, "# media:", 8) == 0 || strncmp(line, "#   ", 4) == 0; lines++) {
		memmove(line, line + 2, strlen(line + 2) + 1);
		line = strchr(line, '\n') + 1;
	}
	assert_int_equal(lines, 11);
	cfg = load_string_ok(text);
	assert_media_defaults(&cfg->media);
	rtpp_config_free(cfg);
	free(text);
}

static void test_two_nics_yaml(void **state)
{
	(void)state;
	struct rtpp_config *cfg = load_file_ok(SOURCE_ROOT "/config/two-nics.yaml");
	const struct rtpp_iface_config *access = &cfg->ifaces[0], *core = &cfg->ifaces[1];
	const struct rtpp_static_session_config *session = &cfg->sessions[0];

	assert_int_equal(cfg->n_ifaces, 2);
	assert_string_equal(access->name, "access");
	assert_string_equal(access->device, "0000:03:00.0");
	assert_int_equal(access->n_addrs, 2);
	assert_prefix(&access->addrs[0], "203.0.113.10", 24);
	assert_prefix(&access->addrs[1], "2001:db8:100::10", 64);
	assert_addr(&access->gateway4, "203.0.113.1");
	assert_addr(&access->gateway6, "2001:db8:100::1");
	assert_int_equal(access->port_min, 16384);
	assert_int_equal(access->port_max, 32767);
	assert_int_equal(access->rx_queues, 4);
	assert_int_equal(access->mtu, 1500);

	assert_string_equal(core->name, "core");
	assert_string_equal(core->device, "0000:03:00.1");
	assert_prefix(&core->addrs[0], "10.20.0.10", 16);
	assert_prefix(&core->addrs[1], "fd00:20::10", 64);
	assert_addr(&core->gateway4, "10.20.0.1");
	assert_false(rtpp_addr_is_set(&core->gateway6));
	assert_int_equal(core->port_min, 32768);
	assert_int_equal(core->port_max, 49151);
	assert_int_equal(core->mtu, 9000);

	assert_int_equal(cfg->dataplane.workers, 4);
	assert_int_equal(cfg->dataplane.burst, 64);
	assert_int_equal(cfg->dataplane.max_sessions, 262144);
	assert_int_equal(cfg->dataplane.mbufs, 0);
	assert_int_equal(cfg->dataplane.rx_desc, 2048);
	assert_int_equal(cfg->dataplane.tx_desc, 2048);
	assert_int_equal(cfg->dataplane.idle_sleep_us, 0);

	assert_int_equal(cfg->n_sessions, 1);
	assert_string_equal(session->name, "lab-two-way");
	assert_endpoint(&session->listen, "203.0.113.10:16384");
	assert_endpoint(&session->forward, "10.20.0.10:32768");
	assert_endpoint(&session->destination, "10.20.5.20:40000");
	assert_endpoint(&session->source, "198.51.100.7:5004");
	assert_true(session->rtcp);

	assert_int_equal(cfg->policy.n_allowed_remotes, 4);
	assert_prefix(&cfg->policy.allowed_remotes[0], "10.20.0.0", 16);
	assert_prefix(&cfg->policy.allowed_remotes[3], "2001:db8:200::", 48);

	rtpp_config_free(cfg);
}

/* ---- defaults, optional sections, helpers ---- */

/* Line numbers in the comments are what the bad cases below refer to. */
#define ACCESS_IFACE                                                  \
	"interfaces:\n"                                    /* line 1 */ \
	"  - name: access\n"                               /* line 2 */ \
	"    device: net_null0\n"                          /* line 3 */ \
	"    addresses: [203.0.113.1/24, \"2001:db8:a::1/64\"]\n" /* 4 */ \
	"    ports: 20000-29999\n"                         /* line 5 */
#define TWO_IFACES                                                    \
	ACCESS_IFACE                                                    \
	"  - name: core\n"                                 /* line 6 */ \
	"    device: net_null1\n"                          /* line 7 */ \
	"    addresses: [198.51.100.1/24, \"2001:db8:b::1/64\"]\n" /* 8 */ \
	"    ports: 30000-39999\n"                         /* line 9 */
/* A valid session on lines 11-13, after "sessions:" on line 10. */
#define SESSION_V4                                                    \
	"  - listen: 203.0.113.1:20000\n"                                 \
	"    forward: 198.51.100.1:30000\n"                             \
	"    destination: 198.51.100.20:40000\n"

static void test_defaults(void **state)
{
	(void)state;
	struct rtpp_config *cfg = load_string_ok(TWO_IFACES "sessions:\n" SESSION_V4);

	assert_string_equal(cfg->source_name, "test.yaml");
	assert_int_equal(cfg->dataplane.workers, 0);
	assert_int_equal(cfg->dataplane.burst, 32);
	assert_int_equal(cfg->dataplane.max_sessions, 65536);
	assert_int_equal(cfg->dataplane.mbufs, 0);
	assert_int_equal(cfg->dataplane.rx_desc, 1024);
	assert_int_equal(cfg->dataplane.tx_desc, 1024);
	assert_int_equal(cfg->dataplane.idle_sleep_us, 0); /* always poll */
	assert_int_equal(cfg->dataplane.kernel_rate_pps, 20000);
	assert_int_equal(cfg->dataplane.kernel_control_pps, 2000);
	assert_int_equal(cfg->ifaces[1].rx_queues, 0);
	assert_int_equal(cfg->ifaces[1].mtu, 0);
	assert_string_equal(cfg->sessions[0].name, "static-0");
	assert_true(cfg->sessions[0].rtcp);
	assert_int_equal(cfg->sessions[0].source.addr.family, RTPP_AF_NONE);
	assert_int_equal(cfg->sessions[0].expected_source.family, RTPP_AF_NONE);
	assert_media_defaults(&cfg->media);
	rtpp_config_free(cfg);
}

static void test_empty_optional_sections(void **state)
{
	(void)state;
	struct rtpp_config *cfg = load_string_ok(ACCESS_IFACE "dataplane:\nsessions:\nmedia:\n");

	assert_int_equal(cfg->dataplane.burst, 32);
	assert_int_equal(cfg->n_sessions, 0);
	assert_null(cfg->sessions);
	assert_media_defaults(&cfg->media);
	rtpp_config_free(cfg);
}

static void test_media_section(void **state)
{
	(void)state;
	struct rtpp_config *cfg = load_string_ok(ACCESS_IFACE
						 "media:\n"
						 "  strict_source: false\n"
						 "  relay_unrecognised: yes\n"
						 "  learning_window_ms: 0\n"
						 "  relatch_silence_ms: 60000\n"
						 "  inactivity_timeout_s: 0\n"
						 "  first_media_timeout_s: 86400\n"
						 "  max_lifetime_s: 2592000\n"
						 "  rate_limit_pps: 0\n"
						 "  rate_limit_bps: 100000000000\n"
						 "  clock_rate: 48000\n");
	const struct rtpp_media_options *media = &cfg->media;

	assert_false(media->strict_source);
	assert_true(media->relay_unrecognised);
	assert_int_equal(media->learning_window_ms, 0);
	assert_int_equal(media->relatch_silence_ms, 60000);
	assert_int_equal(media->inactivity_timeout_s, 0);
	assert_int_equal(media->first_media_timeout_s, 86400);
	assert_int_equal(media->max_lifetime_s, 2592000);
	assert_int_equal(media->rate_limit_pps, 0);
	assert_true(media->rate_limit_bps == UINT64_C(100000000000)); /* past 32 bits */
	assert_int_equal(media->clock_rate, 48000);
	rtpp_config_free(cfg);

	/* The other ends of the ranges; keys left out keep their default. */
	cfg = load_string_ok(ACCESS_IFACE
			     "media:\n"
			     "  relatch_silence_ms: 50\n"
			     "  learning_window_ms: 3600000\n"
			     "  rate_limit_pps: 10000000\n"
			     "  rate_limit_bps: 0\n"
			     "  clock_rate: 1000\n");
	assert_true(cfg->media.strict_source);
	assert_int_equal(cfg->media.relatch_silence_ms, 50);
	assert_int_equal(cfg->media.learning_window_ms, 3600000);
	assert_int_equal(cfg->media.rate_limit_pps, 10000000);
	assert_int_equal(cfg->media.rate_limit_bps, 0);
	assert_int_equal(cfg->media.clock_rate, 1000);
	assert_int_equal(cfg->media.inactivity_timeout_s, 60);
	rtpp_config_free(cfg);
	cfg = load_string_ok(ACCESS_IFACE "media:\n  clock_rate: 200000\n");
	assert_int_equal(cfg->media.clock_rate, 200000);
	rtpp_config_free(cfg);
}

/* rate_limit_bps also takes k, M and G: powers of ten, as bit rates are. */
static void test_media_bps_suffixes(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		uint64_t bps;
	} cases[] = {
		{ "64k", 64000 }, { "2M", 2000000 }, { "100G", UINT64_C(100000000000) },
		{ "0k", 0 },      { "1500", 1500 },
	};
	char yaml[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(yaml, sizeof(yaml), ACCESS_IFACE "media:\n  rate_limit_bps: %s\n",
			 cases[i].text);
		struct rtpp_config *cfg = load_string_ok(yaml);
		if (cfg->media.rate_limit_bps != cases[i].bps)
			fail_msg("%s: got %llu", cases[i].text,
				 (unsigned long long)cfg->media.rate_limit_bps);
		rtpp_config_free(cfg);
	}
}

static void test_session_options(void **state)
{
	(void)state;
	struct rtpp_config *cfg = load_string_ok(
		TWO_IFACES
		"sessions:\n"
		"  - name: two-way-\xc3\xa9\n" /* UTF-8 names, as the API takes them */
		"    listen: \"[2001:db8:a::1]:20000\"\n"
		"    forward: \"[2001:db8:b::1]:30000\"\n"
		"    destination: \"[2001:db8:b::20]:40000\"\n"
		"    source: \"[2001:db8:a::10]:5000\"\n"
		"    rtcp: false\n"
		/* without RTCP, port+1 is free for another session */
		"  - listen: 203.0.113.1:20001\n"
		"    forward: 198.51.100.1:30001\n"
		"    destination: 198.51.100.20:65535\n"
		"    rtcp: off\n");

	assert_int_equal(cfg->n_sessions, 2);
	assert_string_equal(cfg->sessions[0].name, "two-way-\xc3\xa9");
	assert_endpoint(&cfg->sessions[0].source, "[2001:db8:a::10]:5000");
	assert_false(cfg->sessions[0].rtcp);
	assert_string_equal(cfg->sessions[1].name, "static-1");
	assert_false(cfg->sessions[1].rtcp);
	rtpp_config_free(cfg);
}

static void test_dataplane_kernel_rates(void **state)
{
	(void)state;
	struct rtpp_config *cfg = load_string_ok(ACCESS_IFACE
						 "dataplane:\n"
						 "  kernel_rate_pps: 10000000\n"
						 "  kernel_control_pps: 1000000\n");

	assert_int_equal(cfg->dataplane.kernel_rate_pps, 10000000);
	assert_int_equal(cfg->dataplane.kernel_control_pps, 1000000);
	rtpp_config_free(cfg);
	/* 0: unlimited */
	cfg = load_string_ok(ACCESS_IFACE
			     "dataplane:\n"
			     "  kernel_rate_pps: 0\n"
			     "  kernel_control_pps: 0\n");
	assert_int_equal(cfg->dataplane.kernel_rate_pps, 0);
	assert_int_equal(cfg->dataplane.kernel_control_pps, 0);
	rtpp_config_free(cfg);
}

static void test_expected_source(void **state)
{
	(void)state;
	struct rtpp_config *cfg = load_string_ok(
		TWO_IFACES
		"sessions:\n" SESSION_V4
		"    expected_source: 203.0.113.10\n"
		"  - listen: \"[2001:db8:a::1]:20002\"\n"
		"    forward: \"[2001:db8:b::1]:30002\"\n"
		"    destination: \"[2001:db8:b::20]:40002\"\n"
		"    expected_source: \"2001:db8:a::10\"\n"
		"policy:\n"
		"  allowed_remotes: [198.51.100.0/24, 203.0.113.0/24, \"2001:db8::/32\"]\n");

	assert_int_equal(cfg->n_sessions, 2);
	assert_addr(&cfg->sessions[0].expected_source, "203.0.113.10");
	assert_int_equal(cfg->sessions[0].source.addr.family, RTPP_AF_NONE);
	assert_addr(&cfg->sessions[1].expected_source, "2001:db8:a::10");
	rtpp_config_free(cfg);
}

/* 63 + 63 data queues and 2 TAP queues: exactly what one worker polls at most. */
static void test_poll_queues_at_limit(void **state)
{
	(void)state;
	struct rtpp_config *cfg = load_string_ok(ACCESS_IFACE
						 "    rx_queues: 63\n"
						 "  - name: core\n"
						 "    device: net_null1\n"
						 "    addresses: [198.51.100.1/24]\n"
						 "    ports: 30000-39999\n"
						 "    rx_queues: 63\n"
						 "dataplane:\n"
						 "  workers: 1\n");

	assert_int_equal(rtpp_config_worker_poll_queues(cfg, 1), RTPP_MAX_POLL_QUEUES_PER_WORKER);
	/* Two workers share the data queues; each polls every TAP. */
	assert_int_equal(rtpp_config_worker_poll_queues(cfg, 2), 32 + 32 + 2);
	rtpp_config_free(cfg);
}

static void test_iface_owning(void **state)
{
	(void)state;
	struct rtpp_config *cfg = load_string_ok(TWO_IFACES);
	struct rtpp_addr addr;

	assert_int_equal(rtpp_addr_parse("198.51.100.1", &addr), 0);
	assert_int_equal(rtpp_config_iface_owning(cfg, &addr), 1);
	assert_int_equal(rtpp_addr_parse("2001:db8:a::1", &addr), 0);
	assert_int_equal(rtpp_config_iface_owning(cfg, &addr), 0);
	/* on-link is not owned */
	assert_int_equal(rtpp_addr_parse("203.0.113.2", &addr), 0);
	assert_int_equal(rtpp_config_iface_owning(cfg, &addr), -1);
	rtpp_config_free(cfg);
}

static void test_missing_file(void **state)
{
	(void)state;
	struct rtpp_config *cfg = NULL;
	char err[RTPP_CONFIG_ERR_LEN];

	assert_int_equal(rtpp_config_load_file(RTPP_TEST_DATA_DIR "/config/absent.yaml", &cfg, err,
					       sizeof(err)), -1);
	assert_null(cfg);
	assert_string_equal(err, RTPP_TEST_DATA_DIR "/config/absent.yaml:0: (file): "
				 "cannot open: No such file or directory");
}

/* A file on disk: NAME is its path and LINE its line in that file. */
static void test_api_section(void **state)
{
	(void)state;
	struct rtpp_config *cfg = load_string_ok(ACCESS_IFACE);
	assert_string_equal(cfg->api.listen, "127.0.0.1:50051"); /* absent: loopback only */
	assert_int_equal(cfg->api.max_streams, 64);
	assert_int_equal(cfg->api.max_event_streams, 32);
	assert_int_equal(cfg->api.max_health_watches, 16);
	assert_int_equal(cfg->api.max_reflection_streams, 8);
	assert_int_equal(cfg->api.memory_quota_mb, 64);
	/* tcp: absent, its defaults */
	assert_int_equal(cfg->tcp.max_sessions, 1024);
	assert_int_equal(cfg->tcp.buffer_kb, 64);
	assert_int_equal(cfg->tcp.max_buffer_mb, 256);
	assert_int_equal(cfg->tcp.connect_timeout_s, 10);
	assert_int_equal(cfg->tcp.idle_timeout_s, 3600);
	assert_int_equal(cfg->tcp.kernel_pps, 200000);
	assert_int_equal(cfg->api.keepalive_s, 60);
	assert_false(rtpp_config_api_plaintext_exposed(&cfg->api, cfg->api.listen));
	assert_string_equal(cfg->api.tls_cert, "");
	rtpp_config_free(cfg);
	cfg = load_string_ok(ACCESS_IFACE
			     "api:\n"
			     "  listen: \"[::1]:6000\"\n"
			     "  max_event_streams: 3\n"
			     "  max_health_watches: 4\n"
			     "  max_reflection_streams: 5\n"
			     "  tls_cert: " RTPP_TEST_DATA_DIR
			     "/config/bad-gateway.yaml\n"
			     "  tls_key: " RTPP_TEST_DATA_DIR
			     "/config/bad-gateway.yaml\n"
			     "tcp:\n"
			     "  max_sessions: 50\n"
			     "  buffer_kb: 16\n"
			     "  max_buffer_mb: 2\n"
			     "  connect_timeout_s: 3\n"
			     "  idle_timeout_s: 0\n");
	assert_int_equal(cfg->tcp.max_sessions, 50);
	assert_int_equal(cfg->tcp.buffer_kb, 16);
	assert_int_equal(cfg->tcp.max_buffer_mb, 2);
	assert_int_equal(cfg->tcp.connect_timeout_s, 3);
	assert_int_equal(cfg->tcp.idle_timeout_s, 0);
	assert_string_equal(cfg->api.listen, "[::1]:6000");
	assert_int_equal(cfg->api.max_event_streams, 3);
	assert_int_equal(cfg->api.max_health_watches, 4);
	assert_int_equal(cfg->api.max_reflection_streams, 5);
	assert_string_equal(cfg->api.tls_key, RTPP_TEST_DATA_DIR "/config/bad-gateway.yaml");
	assert_string_equal(cfg->api.tls_client_ca, "");
	rtpp_config_free(cfg);
	/* A Unix socket for a client on the same host */
	cfg = load_string_ok(ACCESS_IFACE
			     "api:\n"
			     "  listen: unix:" RTPP_TEST_DATA_DIR "/rtpproxy.sock\n");
	assert_string_equal(cfg->api.listen, "unix:" RTPP_TEST_DATA_DIR "/rtpproxy.sock");
	assert_false(rtpp_config_api_plaintext_exposed(&cfg->api, cfg->api.listen));
	/* Plaintext beyond loopback is what the start warns about; TLS or loopback is not. */
	assert_true(rtpp_config_api_plaintext_exposed(&cfg->api, "[::]:50051"));
	assert_true(rtpp_config_api_plaintext_exposed(&cfg->api, "0.0.0.0:50051"));
	assert_true(rtpp_config_api_plaintext_exposed(&cfg->api, "203.0.113.1:50051"));
	assert_true(rtpp_config_api_plaintext_exposed(&cfg->api, "[2001:db8:a::1]:50051"));
	assert_false(rtpp_config_api_plaintext_exposed(&cfg->api, "127.0.0.2:50051"));
	assert_false(rtpp_config_api_plaintext_exposed(&cfg->api, "[::1]:50051"));
	snprintf(cfg->api.tls_cert, sizeof(cfg->api.tls_cert), "/etc/rtpproxy/cert.pem");
	assert_false(rtpp_config_api_plaintext_exposed(&cfg->api, "[::]:50051"));
	rtpp_config_free(cfg);

	/* the same rules for --api-listen */
	char out[RTPP_API_LISTEN_LEN];
	const char *why = NULL;
	assert_int_equal(rtpp_config_api_listen_parse("unix:/x.sock", out, sizeof(out), &why), 0);
	assert_string_equal(out, "unix:/x.sock");
	assert_int_equal(rtpp_config_api_listen_parse("127.0.0.1:7", out, sizeof(out), &why), 0);
	assert_string_equal(out, "127.0.0.1:7");
	assert_int_equal(rtpp_config_api_listen_parse("unix:run/x.sock", out, sizeof(out), &why), -1);
	assert_string_equal(why, "is not unix:/ABSOLUTE/PATH");
	assert_int_equal(rtpp_config_api_listen_parse("unix:/no/such/dir/x.sock", out, sizeof(out),
						      &why), -1);
	assert_string_equal(why, "is in a directory that does not exist");
	assert_int_equal(rtpp_config_api_listen_parse("unix:/tmp/", out, sizeof(out), &why), -1);
	assert_string_equal(why, "names a directory, not a socket");
	char longer[160] = "unix:/";
	memset(longer + 6, 'a', 110);
	assert_int_equal(rtpp_config_api_listen_parse(longer, out, sizeof(out), &why), -1);
	assert_string_equal(why, "is longer than a Unix socket path can be (107 bytes)");
}

static void test_http_audit_sections(void **state)
{
	(void)state;
	struct rtpp_config *cfg = load_string_ok(ACCESS_IFACE);

	/* absent: on, loopback, writable there, no per-session series; audit to stdout */
	assert_true(cfg->http.enabled);
	assert_string_equal(cfg->http.listen, RTPP_HTTP_LISTEN_DEFAULT);
	assert_true(rtpp_config_listen_is_local(cfg->http.listen));
	assert_false(cfg->http.read_only);
	assert_int_equal(cfg->http.max_connections, 32);
	assert_int_equal(cfg->http.session_series, 0);
	assert_string_equal(cfg->http.tls_cert, "");
	assert_true(cfg->audit.to_stdout);
	assert_string_equal(cfg->audit.file, "");
	rtpp_config_free(cfg);

	cfg = load_string_ok(ACCESS_IFACE
			     "http:\n"
			     "  enabled: yes\n"
			     "  listen: \"[::]:9100\"\n"
			     "  read_only: true\n"
			     "  max_connections: 8\n"
			     "  session_series: 500\n"
			     "  tls_cert: " RTPP_TEST_DATA_DIR
			     "/config/bad-gateway.yaml\n"
			     "  tls_key: " RTPP_TEST_DATA_DIR
			     "/config/bad-gateway.yaml\n"
			     "  tls_client_ca: " RTPP_TEST_DATA_DIR
			     "/config/bad-gateway.yaml\n"
			     "audit:\n"
			     "  stdout: false\n"
			     "  file: /tmp/rtpproxy-test-audit.log\n");
	assert_true(cfg->http.enabled);
	assert_string_equal(cfg->http.listen, "[::]:9100");
	assert_false(rtpp_config_listen_is_local(cfg->http.listen));
	assert_true(cfg->http.read_only);
	assert_int_equal(cfg->http.max_connections, 8);
	assert_int_equal(cfg->http.session_series, 500);
	assert_string_equal(cfg->http.tls_client_ca, RTPP_TEST_DATA_DIR "/config/bad-gateway.yaml");
	assert_false(cfg->audit.to_stdout);
	assert_string_equal(cfg->audit.file, "/tmp/rtpproxy-test-audit.log");
	rtpp_config_free(cfg);

	cfg = load_string_ok(ACCESS_IFACE "http:\n  enabled: false\n");
	assert_false(cfg->http.enabled);
	rtpp_config_free(cfg);

	/* The TLS files the servers read: absent, missing, there. */
	char err[256] = "", *pem;
	assert_null(rtpp_config_read_pem("http", "", err, sizeof(err)));
	assert_string_equal(err, "");
	assert_null(rtpp_config_read_pem("http", "/nonexistent/key.pem", err, sizeof(err)));
	assert_string_equal(err, "http: cannot read /nonexistent/key.pem: No such file or directory");
	pem = rtpp_config_read_pem("api", RTPP_TEST_DATA_DIR "/config/bad-gateway.yaml", err,
				   sizeof(err));
	assert_non_null(pem);
	assert_non_null(strstr(pem, "gateway4"));
	free(pem);

	assert_true(rtpp_config_listen_is_local("127.0.0.9:1"));
	assert_true(rtpp_config_listen_is_local("[::1]:1"));
	assert_true(rtpp_config_listen_is_local("unix:/run/x.sock"));
	assert_false(rtpp_config_listen_is_local("0.0.0.0:1"));
	assert_false(rtpp_config_listen_is_local("[::]:1"));
	assert_false(rtpp_config_listen_is_local("192.0.2.1:1"));
}

static void assert_remote_allowed(const struct rtpp_config *cfg, const char *text, bool allowed)
{
	struct rtpp_addr addr;

	assert_int_equal(rtpp_addr_parse(text, &addr), 0);
	if (rtpp_config_remote_allowed(cfg, &addr) != allowed)
		fail_msg("%s: expected %s", text, allowed ? "allowed" : "refused");
}

static void test_policy_section(void **state)
{
	(void)state;
	/* Absent, or an empty section: every remote is allowed. */
	struct rtpp_config *cfg = load_string_ok(TWO_IFACES "sessions:\n" SESSION_V4);
	assert_int_equal(cfg->policy.n_allowed_remotes, 0);
	assert_remote_allowed(cfg, "192.0.2.1", true);
	rtpp_config_free(cfg);
	cfg = load_string_ok(ACCESS_IFACE "policy:\n");
	assert_int_equal(cfg->policy.n_allowed_remotes, 0);
	rtpp_config_free(cfg);

	/* The static sessions' remotes inside the list, in either document order. */
	cfg = load_string_ok(TWO_IFACES
			     "sessions:\n"
			     SESSION_V4
			     "    source: 203.0.113.10:5000\n"
			     "policy:\n"
			     "  allowed_remotes:\n"
			     "    - 198.51.100.0/24\n"
			     "    - 203.0.113.10/32\n"
			     "    - \"2001:db8::/32\"\n");
	assert_int_equal(cfg->policy.n_allowed_remotes, 3);
	assert_prefix(&cfg->policy.allowed_remotes[0], "198.51.100.0", 24);
	assert_prefix(&cfg->policy.allowed_remotes[1], "203.0.113.10", 32);
	assert_prefix(&cfg->policy.allowed_remotes[2], "2001:db8::", 32);
	assert_remote_allowed(cfg, "198.51.100.255", true);
	assert_remote_allowed(cfg, "203.0.113.10", true);
	assert_remote_allowed(cfg, "2001:db8:ffff::9", true);
	assert_remote_allowed(cfg, "203.0.113.11", false);
	assert_remote_allowed(cfg, "198.51.101.1", false);
	assert_remote_allowed(cfg, "2001:db9::1", false);
	assert_remote_allowed(cfg, "::ffff:198.51.100.1", false); /* families never mix */
	rtpp_config_free(cfg);

	/* 0.0.0.0/0 opens one family only. */
	cfg = load_string_ok(ACCESS_IFACE "policy:\n  allowed_remotes: [0.0.0.0/0]\n");
	assert_remote_allowed(cfg, "192.0.2.1", true);
	assert_remote_allowed(cfg, "2001:db8::1", false);
	rtpp_config_free(cfg);
}

static void test_policy_too_many_prefixes(void **state)
{
	(void)state;
	static char yaml[16384];
	struct rtpp_config *cfg = NULL;
	char err[RTPP_CONFIG_ERR_LEN] = "";
	int used = snprintf(yaml, sizeof(yaml), ACCESS_IFACE "policy:\n  allowed_remotes:\n");

	for (unsigned int i = 0; i <= RTPP_MAX_ALLOWED_REMOTES; i++)
		used += snprintf(yaml + used, sizeof(yaml) - (size_t)used, "    - 10.%u.%u.0/24\n",
				 i / 256, i % 256);
	assert_true((size_t)used < sizeof(yaml));
	assert_int_equal(rtpp_config_load_string(yaml, (size_t)used, BAD_NAME, &cfg, err, sizeof(err)),
			 -1);
	assert_string_equal(err, BAD_NAME ":7: policy.allowed_remotes: at most 256 prefixes (found 257)");
}

static void test_bad_file(void **state)
{
	(void)state;
	struct rtpp_config *cfg = NULL;
	char err[RTPP_CONFIG_ERR_LEN];

	assert_int_equal(rtpp_config_load_file(RTPP_TEST_DATA_DIR "/config/bad-gateway.yaml", &cfg,
					       err, sizeof(err)), -1);
	assert_null(cfg);
	assert_string_equal(err, RTPP_TEST_DATA_DIR "/config/bad-gateway.yaml:16: "
				 "interfaces[1].gateway6: 2001:db8:a::fe is not on-link: "
				 "no IPv6 prefix of this interface contains it");
}

static void test_embedded_name_and_small_buffer(void **state)
{
	(void)state;
	static const char yaml[] = "interfaces: []\n";
	struct rtpp_config *cfg = NULL;
	char err[16];

	memset(err, 'x', sizeof(err));
	assert_int_equal(rtpp_config_load_string(yaml, strlen(yaml), NULL, &cfg, err, 8), -1);
	assert_null(cfg);
	assert_string_equal(err, "<embedd");
	assert_int_equal(err[7], '\0');
	assert_int_equal(err[8], 'x');
	/* No buffer at all is allowed too. */
	assert_int_equal(rtpp_config_load_string(yaml, strlen(yaml), NULL, &cfg, NULL, 0), -1);
}

/*
 * Every prefix and every one-byte change of the default file: either it loads,
 * or it is refused with one line naming a real line. Run under ASan or
 * valgrind, this is what shows that bad input neither crashes nor leaks.
 */
static void check_mangled(const char *text, size_t len)
{
	struct rtpp_config *cfg = NULL;
	char err[RTPP_CONFIG_ERR_LEN] = "";
	unsigned int line = 0;

	if (rtpp_config_load_string(text, len, "m.yaml", &cfg, err, sizeof(err)) == 0) {
		assert_non_null(cfg);
		rtpp_config_free(cfg);
		return;
	}
	assert_null(cfg);
	assert_one_line(err);
	if (sscanf(err, "m.yaml:%u: ", &line) != 1 || line == 0)
		fail_msg("no line in: %s", err);
}

static char *read_all(const char *path, size_t *len)
{
	FILE *file = fopen(path, "rb");
	char *text = calloc(1, 1 << 16);

	assert_non_null(file);
	assert_non_null(text);
	*len = fread(text, 1, (1 << 16) - 1, file);
	fclose(file);
	return text;
}

static void test_mangled_input(void **state)
{
	(void)state;
	static const char replacements[] = { ':', '[', '-', '\n', '"', '\t', '\0', 'x' };
	size_t len;
	char *text = read_all(SOURCE_ROOT "/config/default.yaml", &len);
	char *copy = malloc(len);

	assert_non_null(copy);
	for (size_t cut = 0; cut <= len; cut++)
		check_mangled(text, cut);
	for (size_t i = 0; i < len; i++) {
		for (size_t r = 0; r < sizeof(replacements); r++) {
			memcpy(copy, text, len);
			copy[i] = replacements[r];
			check_mangled(copy, len);
		}
	}
	free(copy);
	free(text);
}

/* ---- bad input: one test per case ---- */

struct bad_case {
	const char *name;
	const char *yaml;
	const char *expected; /* "LINE: FIELD: start of the reason" after "bad.yaml:" */
};

/* Each case laid out as its YAML reads, one line of the file per line. */
/* clang-format off */
static const struct bad_case bad_cases[] = {
	{ "unknown key",
	  ACCESS_IFACE
	  "    speed: 10G\n",
	  "6: interfaces[0].speed: unknown key (expected one of: name, device," },
	{ "unknown top-level key",
	  ACCESS_IFACE
	  "logging: debug\n",
	  "6: logging: unknown key (expected one of: interfaces, dataplane, api, sessions, policy, media, tcp, http, audit)" },
	{ "http listen on a Unix socket",
	  ACCESS_IFACE
	  "http:\n"
	  "  listen: unix:/tmp/x.sock\n",
	  "7: http.listen: \"unix:/tmp/x.sock\" is a Unix socket: the HTTP endpoint takes ADDRESS:PORT" },
	{ "http listen without a port",
	  ACCESS_IFACE
	  "http:\n"
	  "  listen: 127.0.0.1\n",
	  "7: http.listen: \"127.0.0.1\"" },
	{ "http key without certificate",
	  ACCESS_IFACE
	  "http:\n"
	  "  tls_key: " RTPP_TEST_DATA_DIR "/config/bad-gateway.yaml\n",
	  "7: http.tls_key: tls_cert and tls_key go together" },
	{ "http certificate not readable",
	  ACCESS_IFACE
	  "http:\n"
	  "  tls_cert: /nonexistent/cert.pem\n",
	  "7: http.tls_cert: \"/nonexistent/cert.pem\": No such file or directory" },
	{ "http read_only not a boolean",
	  ACCESS_IFACE
	  "http:\n"
	  "  read_only: maybe\n",
	  "7: http.read_only: " },
	{ "http max_connections of 0",
	  ACCESS_IFACE
	  "http:\n"
	  "  max_connections: 0\n",
	  "7: http.max_connections: " },
	{ "http unknown key",
	  ACCESS_IFACE
	  "http:\n"
	  "  port: 80\n",
	  "7: http.port: unknown key (expected one of: enabled, listen, tls_cert, tls_key, tls_client_ca, read_only, max_connections, session_series)" },
	{ "audit file relative",
	  ACCESS_IFACE
	  "audit:\n"
	  "  file: audit.log\n",
	  "7: audit.file: \"audit.log\" is relative" },
	{ "audit file in a missing directory",
	  ACCESS_IFACE
	  "audit:\n"
	  "  file: /nonexistent/dir/audit.log\n",
	  "7: audit.file: \"/nonexistent/dir/audit.log\": No such file or directory" },
	{ "audit file is a directory",
	  ACCESS_IFACE
	  "audit:\n"
	  "  file: /tmp/\n",
	  "7: audit.file: \"/tmp/\" names a directory" },
	{ "audit stdout not a boolean",
	  ACCESS_IFACE
	  "audit:\n"
	  "  stdout: loud\n",
	  "7: audit.stdout: " },
	{ "api max_streams of 0",
	  ACCESS_IFACE
	  "api:\n"
	  "  max_streams: 0\n",
	  "7: api.max_streams: 0 is out of range (1..100000)" },
	{ "tcp buffer_kb below 4",
	  ACCESS_IFACE
	  "tcp:\n"
	  "  buffer_kb: 1\n",
	  "7: tcp.buffer_kb: 1 is out of range (4..4096)" },
	{ "tcp buffers larger than their cap",
	  ACCESS_IFACE
	  "tcp:\n"
	  "  buffer_kb: 4096\n"
	  "  max_buffer_mb: 4\n",
	  "8: tcp.max_buffer_mb: 4 MiB do not hold one connection's two buffers of 4096 KiB" },
	{ "tcp kernel_pps below 1000",
	  ACCESS_IFACE
	  "tcp:\n"
	  "  kernel_pps: 10\n",
	  "7: tcp.kernel_pps: 10 is out of range (0 or 1000..10000000)" },
	{ "tcp connect_timeout_s of 0",
	  ACCESS_IFACE
	  "tcp:\n"
	  "  connect_timeout_s: 0\n",
	  "7: tcp.connect_timeout_s: 0 is out of range (1..300)" },
	{ "tcp unknown key",
	  ACCESS_IFACE
	  "tcp:\n"
	  "  splice: yes\n",
	  "7: tcp.splice: unknown key (expected one of: max_sessions, buffer_kb, max_buffer_mb, connect_timeout_s, idle_timeout_s, kernel_pps)" },
	{ "api max_event_streams of 0",
	  ACCESS_IFACE
	  "api:\n"
	  "  max_event_streams: 0\n",
	  "7: api.max_event_streams: 0 is out of range (1..100000)" },
	{ "api max_health_watches too large",
	  ACCESS_IFACE
	  "api:\n"
	  "  max_health_watches: 100001\n",
	  "7: api.max_health_watches: 100001 is out of range (1..100000)" },
	{ "api max_reflection_streams negative",
	  ACCESS_IFACE
	  "api:\n"
	  "  max_reflection_streams: -1\n",
	  "7: api.max_reflection_streams: " },
	{ "api memory_quota_mb below 16",
	  ACCESS_IFACE
	  "api:\n"
	  "  memory_quota_mb: 8\n",
	  "7: api.memory_quota_mb: 8 is out of range" },
	{ "api keepalive_s not a number",
	  ACCESS_IFACE
	  "api:\n"
	  "  keepalive_s: soon\n",
	  "7: api.keepalive_s: " },
	{ "api listen not address:port",
	  ACCESS_IFACE
	  "api:\n"
	  "  listen: localhost\n",
	  "7: api.listen: \"localhost\" is not address:port" },
	{ "api listen on a relative Unix path",
	  ACCESS_IFACE
	  "api:\n"
	  "  listen: unix:rtpproxy.sock\n",
	  "7: api.listen: \"unix:rtpproxy.sock\" is not unix:/ABSOLUTE/PATH" },
	{ "api TLS file missing",
	  ACCESS_IFACE
	  "api:\n"
	  "  tls_cert: /nonexistent/server.pem\n"
	  "  tls_key: /nonexistent/server.key\n",
	  "7: api.tls_cert: \"/nonexistent/server.pem\": No such file or directory" },
	{ "api key without certificate",
	  ACCESS_IFACE
	  "api:\n"
	  "  tls_key: " RTPP_TEST_DATA_DIR "/config/bad-gateway.yaml\n",
	  "7: api.tls_key: tls_cert and tls_key go together" },
	{ "api client CA without TLS",
	  ACCESS_IFACE
	  "api:\n"
	  "  tls_client_ca: " RTPP_TEST_DATA_DIR "/config/bad-gateway.yaml\n",
	  "7: api.tls_client_ca: client certificates need TLS" },
	{ "missing required key",
	  "interfaces:\n"
	  "  - name: access\n"
	  "    addresses: [203.0.113.1/24]\n"
	  "    ports: 20000-29999\n",
	  "2: interfaces[0].device: missing required key" },
	{ "missing interfaces",
	  "dataplane:\n"
	  "  burst: 64\n",
	  "1: interfaces: missing required key" },
	{ "empty document",
	  "# nothing but a comment\n",
	  "1: interfaces: missing required key (the document is empty)" },
	{ "duplicate key",
	  ACCESS_IFACE
	  "    ports: 20000-20999\n",
	  "6: interfaces[0].ports: duplicate key" },
	{ "string for an integer",
	  ACCESS_IFACE
	  "dataplane:\n"
	  "  workers: four\n",
	  "7: dataplane.workers: \"four\" is not an integer" },
	{ "fraction for an integer",
	  ACCESS_IFACE
	  "    mtu: 1500.5\n",
	  "6: interfaces[0].mtu: \"1500.5\" is not an integer" },
	{ "mapping for a scalar",
	  ACCESS_IFACE
	  "dataplane:\n"
	  "  burst: {packets: 32}\n",
	  "7: dataplane.burst: expected a scalar value, found a mapping" },
	{ "scalar for a sequence",
	  "interfaces:\n"
	  "  - name: access\n"
	  "    device: net_null0\n"
	  "    addresses: 203.0.113.1/24\n"
	  "    ports: 20000-29999\n",
	  "4: interfaces[0].addresses: expected a sequence, found a scalar value" },
	{ "not a boolean",
	  TWO_IFACES
	  "sessions:\n"
	  SESSION_V4
	  "    rtcp: maybe\n",
	  "14: sessions[0].rtcp: \"maybe\" is not a boolean" },
	{ "YAML syntax error",
	  "interfaces:\n"
	  "  - name: access\n"
	  "    device: \"net_null0\n"
	  "    addresses: [203.0.113.1/24]\n",
	  "5: interfaces[0].device: YAML syntax error: found unexpected end of stream "
	  "(while scanning a quoted scalar on line 3)" },
	{ "tab indentation",
	  "interfaces:\n"
	  "  - name: access\n"
	  "\tdevice: net_null0\n",
	  "3: interfaces[0].name: YAML syntax error: found a tab character" },
	{ "two documents",
	  ACCESS_IFACE
	  "---\n"
	  "interfaces: []\n",
	  "6: (document): only one YAML document is allowed" },
	{ "alias",
	  "interfaces:\n"
	  "  - name: &n access\n"
	  "    device: *n\n",
	  "3: interfaces[0].device: YAML aliases are not supported" },
	{ "no interfaces",
	  "interfaces: []\n",
	  "1: interfaces: at least one interface is required" },
	{ "bad interface name",
	  "interfaces:\n"
	  "  - name: Access\n"
	  "    device: net_null0\n"
	  "    addresses: [203.0.113.1/24]\n"
	  "    ports: 20000-29999\n",
	  "2: interfaces[0].name: \"Access\" is not a valid name" },
	{ "interface name too long",
	  "interfaces:\n"
	  "  - name: access-network-1\n"
	  "    device: net_null0\n"
	  "    addresses: [203.0.113.1/24]\n"
	  "    ports: 20000-29999\n",
	  "2: interfaces[0].name: \"access-network-1\" is not a valid name" },
	{ "duplicate interface names",
	  ACCESS_IFACE
	  "  - name: access\n"
	  "    device: net_null1\n"
	  "    addresses: [198.51.100.1/24]\n"
	  "    ports: 30000-39999\n",
	  "6: interfaces[1].name: \"access\" is already the name of interfaces[0]" },
	{ "empty device",
	  "interfaces:\n"
	  "  - name: access\n"
	  "    device: \"\"\n"
	  "    addresses: [203.0.113.1/24]\n"
	  "    ports: 20000-29999\n",
	  "3: interfaces[0].device: must not be empty" },
	{ "duplicate device",
	  ACCESS_IFACE
	  "  - name: core\n"
	  "    device: \"net_null0,size=128\"\n"
	  "    addresses: [198.51.100.1/24]\n"
	  "    ports: 30000-39999\n",
	  "7: interfaces[1].device: device net_null0 is already used by interfaces[0] (access)" },
	{ "zero addresses",
	  "interfaces:\n"
	  "  - name: access\n"
	  "    device: net_null0\n"
	  "    addresses: []\n"
	  "    ports: 20000-29999\n",
	  "4: interfaces[0].addresses: at least one address is required" },
	{ "bad address",
	  "interfaces:\n"
	  "  - name: access\n"
	  "    device: net_null0\n"
	  "    addresses:\n"
	  "      - 203.0.113.1/24\n"
	  "      - 203.0.113.300/24\n"
	  "    ports: 20000-29999\n",
	  "6: interfaces[0].addresses[1]: \"203.0.113.300/24\" is not an address/prefix" },
	{ "address without prefix length",
	  "interfaces:\n"
	  "  - name: access\n"
	  "    device: net_null0\n"
	  "    addresses: [203.0.113.1]\n"
	  "    ports: 20000-29999\n",
	  "4: interfaces[0].addresses[0]: \"203.0.113.1\" is not an address/prefix" },
	{ "IPv4 prefix length out of range",
	  "interfaces:\n"
	  "  - name: access\n"
	  "    device: net_null0\n"
	  "    addresses: [203.0.113.1/33]\n"
	  "    ports: 20000-29999\n",
	  "4: interfaces[0].addresses[0]: prefix length 33 is out of range for IPv4 (0..32)" },
	{ "IPv6 prefix length out of range",
	  "interfaces:\n"
	  "  - name: access\n"
	  "    device: net_null0\n"
	  "    addresses: [\"2001:db8::1/129\"]\n"
	  "    ports: 20000-29999\n",
	  "4: interfaces[0].addresses[0]: prefix length 129 is out of range for IPv6 (0..128)" },
	{ "multicast interface address",
	  "interfaces:\n"
	  "  - name: access\n"
	  "    device: net_null0\n"
	  "    addresses: [224.0.0.5/24]\n"
	  "    ports: 20000-29999\n",
	  "4: interfaces[0].addresses[0]: 224.0.0.5/24 is a multicast address, not an interface address" },
	{ "same address twice in an interface",
	  "interfaces:\n"
	  "  - name: access\n"
	  "    device: net_null0\n"
	  "    addresses: [203.0.113.1/24, 203.0.113.1/25]\n"
	  "    ports: 20000-29999\n",
	  "4: interfaces[0].addresses[1]: 203.0.113.1 is already assigned to interfaces[0].addresses[0]" },
	{ "same address on two interfaces",
	  ACCESS_IFACE
	  "  - name: core\n"
	  "    device: net_null1\n"
	  "    addresses: [198.51.100.1/24, \"2001:db8:a::1/128\"]\n"
	  "    ports: 30000-39999\n",
	  "8: interfaces[1].addresses[1]: 2001:db8:a::1 is already assigned to interfaces[0].addresses[1]" },
	{ "overlapping subnets",
	  ACCESS_IFACE
	  "  - name: core\n"
	  "    device: net_null1\n"
	  "    addresses:\n"
	  "      - 203.0.113.128/25\n"
	  "    ports: 30000-39999\n",
	  "9: interfaces[1].addresses[0]: 203.0.113.128/25 overlaps 203.0.113.1/24 of interfaces[0] (access)" },
	{ "gateway off-link",
	  ACCESS_IFACE
	  "    gateway4: 192.0.3.254\n",
	  "6: interfaces[0].gateway4: 192.0.3.254 is not on-link: no IPv4 prefix of this interface" },
	{ "gateway is our own address",
	  ACCESS_IFACE
	  "    gateway6: \"2001:db8:a::1\"\n",
	  "6: interfaces[0].gateway6: 2001:db8:a::1 is one of our own addresses, not a gateway" },
	{ "gateway of the wrong family",
	  ACCESS_IFACE
	  "    gateway4: \"2001:db8:a::fe\"\n",
	  "6: interfaces[0].gateway4: \"2001:db8:a::fe\" is not an IPv4 address" },
	{ "port range inverted",
	  "interfaces:\n"
	  "  - name: access\n"
	  "    device: net_null0\n"
	  "    addresses: [203.0.113.1/24]\n"
	  "    ports: 29999-20000\n",
	  "5: interfaces[0].ports: port range 29999-20000 is inverted or empty" },
	{ "port range of one port",
	  "interfaces:\n"
	  "  - name: access\n"
	  "    device: net_null0\n"
	  "    addresses: [203.0.113.1/24]\n"
	  "    ports: 20000-20000\n",
	  "5: interfaces[0].ports: port range 20000-20000 is inverted or empty" },
	{ "port range below 1024",
	  "interfaces:\n"
	  "  - name: access\n"
	  "    device: net_null0\n"
	  "    addresses: [203.0.113.1/24]\n"
	  "    ports: 1000-2000\n",
	  "5: interfaces[0].ports: port range 1000-2000 is outside 1024..65535" },
	{ "port range not MIN-MAX",
	  "interfaces:\n"
	  "  - name: access\n"
	  "    device: net_null0\n"
	  "    addresses: [203.0.113.1/24]\n"
	  "    ports: 20000\n",
	  "5: interfaces[0].ports: \"20000\" is not a port range \"MIN-MAX\"" },
	{ "rx_queues out of range",
	  ACCESS_IFACE
	  "    rx_queues: 65\n",
	  "6: interfaces[0].rx_queues: 65 is out of range (0..64)" },
	{ "mtu out of range",
	  ACCESS_IFACE
	  "    mtu: 100\n",
	  "6: interfaces[0].mtu: 100 is out of range (0 or 576..9000)" },
	{ "burst out of range",
	  ACCESS_IFACE
	  "dataplane:\n"
	  "  workers: 2\n"
	  "  burst: 513\n",
	  "8: dataplane.burst: 513 is out of range (1..512)" },
	{ "max_sessions zero",
	  ACCESS_IFACE
	  "dataplane:\n"
	  "  max_sessions: 0\n",
	  "7: dataplane.max_sessions: 0 is out of range (1..16777216)" },
	{ "mbufs too few",
	  ACCESS_IFACE
	  "dataplane:\n"
	  "  mbufs: 512\n",
	  "7: dataplane.mbufs: 512 is out of range (0 or 1024..16777216)" },
	{ "idle sleep too long",
	  ACCESS_IFACE
	  "dataplane:\n"
	  "  idle_sleep_us: 1001\n",
	  "7: dataplane.idle_sleep_us: 1001 is out of range (0..1000)" },
	{ "negative descriptors",
	  ACCESS_IFACE
	  "dataplane:\n"
	  "  tx_desc: -1\n",
	  "7: dataplane.tx_desc: -1 is out of range (64..16384)" },
	{ "kernel rate too high",
	  ACCESS_IFACE
	  "dataplane:\n"
	  "  kernel_rate_pps: 10000001\n",
	  "7: dataplane.kernel_rate_pps: 10000001 is out of range (0..10000000)" },
	{ "kernel control rate too high",
	  ACCESS_IFACE
	  "dataplane:\n"
	  "  kernel_control_pps: 1000001\n",
	  "7: dataplane.kernel_control_pps: 1000001 is out of range (0..1000000)" },
	{ "kernel rate with a suffix",
	  ACCESS_IFACE
	  "dataplane:\n"
	  "  kernel_rate_pps: 20k\n",
	  "7: dataplane.kernel_rate_pps: \"20k\" is not an integer" },
	{ "unknown media key",
	  ACCESS_IFACE
	  "media:\n"
	  "  strict_source: true\n"
	  "  learning_window: 5000\n",
	  "8: media.learning_window: unknown key (expected one of: strict_source, "
	  "relay_unrecognised, learning_window_ms, relatch_silence_ms, inactivity_timeout_s, "
	  "first_media_timeout_s, max_lifetime_s, rate_limit_pps, rate_limit_bps, clock_rate)" },
	{ "media not a mapping",
	  ACCESS_IFACE
	  "media: strict\n",
	  "6: media: expected a mapping, found a scalar value" },
	{ "media duplicate key",
	  ACCESS_IFACE
	  "media:\n"
	  "  clock_rate: 8000\n"
	  "  clock_rate: 16000\n",
	  "8: media.clock_rate: duplicate key" },
	{ "strict_source not a boolean",
	  ACCESS_IFACE
	  "media:\n"
	  "  strict_source: strict\n",
	  "7: media.strict_source: \"strict\" is not a boolean (true or false)" },
	{ "relay_unrecognised not a boolean",
	  ACCESS_IFACE
	  "media:\n"
	  "  learning_window_ms: 1000\n"
	  "  relay_unrecognised: 1\n",
	  "8: media.relay_unrecognised: \"1\" is not a boolean (true or false)" },
	{ "learning window too long",
	  ACCESS_IFACE
	  "media:\n"
	  "  learning_window_ms: 3600001\n",
	  "7: media.learning_window_ms: 3600001 is out of range (0..3600000)" },
	{ "relatch silence too short",
	  ACCESS_IFACE
	  "media:\n"
	  "  relatch_silence_ms: 49\n",
	  "7: media.relatch_silence_ms: 49 is out of range (50..60000)" },
	{ "relatch silence zero",
	  ACCESS_IFACE
	  "media:\n"
	  "  relatch_silence_ms: 0\n",
	  "7: media.relatch_silence_ms: 0 is out of range (50..60000)" },
	{ "relatch silence too long",
	  ACCESS_IFACE
	  "media:\n"
	  "  relatch_silence_ms: 60001\n",
	  "7: media.relatch_silence_ms: 60001 is out of range (50..60000)" },
	{ "inactivity timeout too long",
	  ACCESS_IFACE
	  "media:\n"
	  "  inactivity_timeout_s: 86401\n",
	  "7: media.inactivity_timeout_s: 86401 is out of range (0..86400)" },
	{ "negative inactivity timeout",
	  ACCESS_IFACE
	  "media:\n"
	  "  inactivity_timeout_s: -1\n",
	  "7: media.inactivity_timeout_s: -1 is out of range (0..86400)" },
	{ "first media timeout too long",
	  ACCESS_IFACE
	  "media:\n"
	  "  first_media_timeout_s: 86401\n",
	  "7: media.first_media_timeout_s: 86401 is out of range (0..86400)" },
	{ "max lifetime too long",
	  ACCESS_IFACE
	  "media:\n"
	  "  max_lifetime_s: 2592001\n",
	  "7: media.max_lifetime_s: 2592001 is out of range (0..2592000)" },
	{ "rate limit pps too high",
	  ACCESS_IFACE
	  "media:\n"
	  "  rate_limit_pps: 10000001\n",
	  "7: media.rate_limit_pps: 10000001 is out of range (0..10000000)" },
	{ "rate limit pps with a suffix",
	  ACCESS_IFACE
	  "media:\n"
	  "  rate_limit_pps: 5k\n",
	  "7: media.rate_limit_pps: \"5k\" is not an integer" },
	{ "rate limit bps too high",
	  ACCESS_IFACE
	  "media:\n"
	  "  rate_limit_bps: 100000000001\n",
	  "7: media.rate_limit_bps: 100000000001 is out of range (0..100000000000)" },
	{ "rate limit bps too high with a suffix",
	  ACCESS_IFACE
	  "media:\n"
	  "  rate_limit_bps: 101G\n",
	  "7: media.rate_limit_bps: 101G is out of range (0..100000000000)" },
	{ "rate limit bps past 64 bits",
	  ACCESS_IFACE
	  "media:\n"
	  "  rate_limit_bps: 99999999999999999999G\n",
	  "7: media.rate_limit_bps: 99999999999999999999G is out of range (0..100000000000)" },
	{ "rate limit bps with a fraction",
	  ACCESS_IFACE
	  "media:\n"
	  "  rate_limit_bps: 1.5M\n",
	  "7: media.rate_limit_bps: \"1.5M\" is not an integer (optionally followed by k, M or G)" },
	{ "rate limit bps with a lower-case m",
	  ACCESS_IFACE
	  "media:\n"
	  "  rate_limit_bps: 100m\n",
	  "7: media.rate_limit_bps: \"100m\" is not an integer (optionally followed by k, M or G)" },
	{ "rate limit bps with a unit",
	  ACCESS_IFACE
	  "media:\n"
	  "  rate_limit_bps: 100Mbps\n",
	  "7: media.rate_limit_bps: \"100Mbps\" is not an integer (optionally followed by k, M or G)" },
	{ "rate limit bps suffix alone",
	  ACCESS_IFACE
	  "media:\n"
	  "  rate_limit_bps: M\n",
	  "7: media.rate_limit_bps: \"M\" is not an integer (optionally followed by k, M or G)" },
	{ "clock rate too low",
	  ACCESS_IFACE
	  "media:\n"
	  "  clock_rate: 999\n",
	  "7: media.clock_rate: 999 is out of range (0 or 1000..200000)" },
	{ "clock rate too high",
	  ACCESS_IFACE
	  "media:\n"
	  "  clock_rate: 200001\n",
	  "7: media.clock_rate: 200001 is out of range (0 or 1000..200000)" },
	{ "listen address not owned",
	  TWO_IFACES
	  "sessions:\n"
	  "  - listen: 203.0.113.2:20000\n"
	  "    forward: 198.51.100.1:30000\n"
	  "    destination: 198.51.100.20:40000\n",
	  "11: sessions[0].listen: 203.0.113.2 is not an address of any interface" },
	{ "forward port outside range",
	  TWO_IFACES
	  "sessions:\n"
	  "  - listen: 203.0.113.1:20000\n"
	  "    forward: 198.51.100.1:40000\n"
	  "    destination: 198.51.100.20:40000\n",
	  "12: sessions[0].forward: port 40000 is outside the media ports 30000-39999 of interfaces[1] (core)" },
	{ "RTCP port outside range",
	  TWO_IFACES
	  "sessions:\n"
	  "  - listen: 203.0.113.1:29999\n"
	  "    forward: 198.51.100.1:30000\n"
	  "    destination: 198.51.100.20:40000\n",
	  "11: sessions[0].listen: RTCP port 30000 (port+1) is outside the media ports 20000-29999" },
	{ "listen equals forward",
	  TWO_IFACES
	  "sessions:\n"
	  "  - listen: 203.0.113.1:20000\n"
	  "    forward: 203.0.113.1:20000\n"
	  "    destination: 198.51.100.20:40000\n",
	  "12: sessions[0].forward: same endpoint as listen" },
	{ "duplicate static session endpoint",
	  TWO_IFACES
	  "sessions:\n"
	  SESSION_V4
	  "  - listen: 203.0.113.1:20002\n"
	  "    forward: 198.51.100.1:30000\n"
	  "    destination: 198.51.100.20:40002\n",
	  "15: sessions[1].forward: 198.51.100.1:30000 is already used by sessions[0].forward" },
	{ "the same port on another address of the interface",
	  TWO_IFACES
	  "sessions:\n"
	  SESSION_V4
	  "  - listen: \"[2001:db8:a::1]:20000\"\n"    /* line 14 */
	  "    forward: \"[2001:db8:b::1]:30002\"\n"
	  "    destination: \"[2001:db8:b::20]:40002\"\n",
	  "14: sessions[1].listen: [2001:db8:a::1]:20000 is already used by sessions[0].listen "
	  "(203.0.113.1:20000: an interface's ports are shared by its addresses)" },
	{ "static session endpoint on another's RTCP port",
	  TWO_IFACES
	  "sessions:\n"
	  SESSION_V4
	  "  - listen: 203.0.113.1:20001\n"
	  "    forward: 198.51.100.1:30002\n"
	  "    destination: 198.51.100.20:40002\n"
	  "    rtcp: false\n",
	  "14: sessions[1].listen: 203.0.113.1:20001 is already used by the RTCP port+1 of sessions[0].listen" },
	{ "multicast destination",
	  TWO_IFACES
	  "sessions:\n"
	  "  - listen: 203.0.113.1:20000\n"
	  "    forward: 198.51.100.1:30000\n"
	  "    destination: 239.1.1.1:40000\n",
	  "13: sessions[0].destination: 239.1.1.1:40000 is a multicast address, not a usable peer" },
	{ "unspecified destination",
	  TWO_IFACES
	  "sessions:\n"
	  "  - listen: \"[2001:db8:a::1]:20000\"\n"
	  "    forward: \"[2001:db8:b::1]:30000\"\n"
	  "    destination: \"[::]:40000\"\n",
	  "13: sessions[0].destination: [::]:40000 is the unspecified address, not a usable peer" },
	{ "destination port 0",
	  TWO_IFACES
	  "sessions:\n"
	  "  - listen: 203.0.113.1:20000\n"
	  "    forward: 198.51.100.1:30000\n"
	  "    destination: 198.51.100.20:0\n",
	  "13: sessions[0].destination: 198.51.100.20:0 has port 0, not a usable peer" },
	{ "bad endpoint",
	  TWO_IFACES
	  "sessions:\n"
	  "  - listen: 2001:db8:a::1:20000\n"
	  "    forward: 198.51.100.1:30000\n"
	  "    destination: 198.51.100.20:40000\n",
	  "11: sessions[0].listen: \"2001:db8:a::1:20000\" is not an endpoint" },
	{ "forward and destination families differ",
	  TWO_IFACES
	  "sessions:\n"
	  "  - listen: 203.0.113.1:20000\n"
	  "    forward: 198.51.100.1:30000\n"
	  "    destination: \"[2001:db8:b::20]:40000\"\n",
	  "13: sessions[0].destination: IPv6 destination does not match the IPv4 forward address" },
	{ "listen and source families differ",
	  TWO_IFACES
	  "sessions:\n"
	  SESSION_V4
	  "    source: \"[2001:db8:a::10]:5000\"\n",
	  "14: sessions[0].source: IPv6 source does not match the IPv4 listen address" },
	{ "destination is the proxy itself",
	  TWO_IFACES
	  "sessions:\n"
	  "  - listen: 203.0.113.1:20000\n"
	  "    forward: 198.51.100.1:30000\n"
	  "    destination: 198.51.100.1:30002\n",   /* line 13 */
	  "13: sessions[0].destination: 198.51.100.1 is an address of the proxy (interface core), not a peer" },
	{ "source is the proxy itself",
	  TWO_IFACES
	  "sessions:\n"
	  SESSION_V4
	  "    source: 198.51.100.1:30010\n",         /* line 14 */
	  "14: sessions[0].source: 198.51.100.1 is an address of the proxy (interface core), not a peer" },
	{ "expected source is the proxy itself",
	  TWO_IFACES
	  "sessions:\n"
	  SESSION_V4
	  "    expected_source: 203.0.113.1\n",       /* line 14 */
	  "14: sessions[0].expected_source: 203.0.113.1 is an address of the proxy (interface access), not a peer" },
	{ "expected source of the wrong family",
	  TWO_IFACES
	  "sessions:\n"
	  SESSION_V4
	  "    expected_source: \"2001:db8:a::10\"\n",
	  "14: sessions[0].expected_source: IPv6 expected_source does not match the IPv4 listen address" },
	{ "expected source with source",
	  TWO_IFACES
	  "sessions:\n"
	  SESSION_V4
	  "    source: 203.0.113.10:5000\n"
	  "    expected_source: 203.0.113.10\n",
	  "15: sessions[0].expected_source: expected_source and source exclude each other: source is the remote itself" },
	{ "expected source before source",
	  TWO_IFACES
	  "sessions:\n"
	  SESSION_V4
	  "    expected_source: 203.0.113.10\n"
	  "    source: 203.0.113.10:5000\n",
	  "14: sessions[0].expected_source: expected_source and source exclude each other: source is the remote itself" },
	{ "expected source outside the policy",
	  TWO_IFACES
	  "sessions:\n"
	  SESSION_V4
	  "    expected_source: 203.0.113.10\n"
	  "policy:\n"
	  "  allowed_remotes: [198.51.100.0/24]\n",
	  "14: sessions[0].expected_source: 203.0.113.10 is not in policy.allowed_remotes" },
	{ "expected source with a port",
	  TWO_IFACES
	  "sessions:\n"
	  SESSION_V4
	  "    expected_source: 203.0.113.10:5000\n",
	  "14: sessions[0].expected_source: \"203.0.113.10:5000\" is not an address (no port; IPv6 without brackets)" },
	{ "expected source in brackets",
	  TWO_IFACES
	  "sessions:\n"
	  "  - listen: \"[2001:db8:a::1]:20000\"\n"
	  "    forward: \"[2001:db8:b::1]:30000\"\n"
	  "    destination: \"[2001:db8:b::20]:40000\"\n"
	  "    expected_source: \"[2001:db8:a::10]\"\n",
	  "14: sessions[0].expected_source: \"[2001:db8:a::10]\" is not an address (no port; IPv6 without brackets)" },
	{ "multicast expected source",
	  TWO_IFACES
	  "sessions:\n"
	  SESSION_V4
	  "    expected_source: 224.0.0.1\n",
	  "14: sessions[0].expected_source: 224.0.0.1 is a multicast address, not a usable peer" },
	{ "unknown session key",
	  TWO_IFACES
	  "sessions:\n"
	  SESSION_V4
	  "    expected: 203.0.113.10\n",
	  "14: sessions[0].expected: unknown key (expected one of: name, listen, forward, destination, "
	  "source, expected_source, rtcp)" },
	{ "duplicate session names",
	  TWO_IFACES
	  "sessions:\n"
	  "  - name: lab\n"
	  "    listen: 203.0.113.1:20000\n"
	  "    forward: 198.51.100.1:30000\n"
	  "    destination: 198.51.100.20:40000\n"
	  "  - name: lab\n"
	  "    listen: 203.0.113.1:20002\n"
	  "    forward: 198.51.100.1:30002\n"
	  "    destination: 198.51.100.20:40000\n",
	  "15: sessions[1].name: \"lab\" is already the name of sessions[0]" },
	{ "allowed remote not a prefix",
	  ACCESS_IFACE
	  "policy:\n"
	  "  allowed_remotes:\n"
	  "    - 198.51.100.0/24\n"
	  "    - 198.51.100.300/24\n",
	  "9: policy.allowed_remotes[1]: \"198.51.100.300/24\" is not an address/prefix" },
	{ "allowed remote without prefix length",
	  ACCESS_IFACE
	  "policy:\n"
	  "  allowed_remotes: [203.0.113.10]\n",
	  "7: policy.allowed_remotes[0]: \"203.0.113.10\" is not an address/prefix" },
	{ "allowed remote prefix length out of range",
	  ACCESS_IFACE
	  "policy:\n"
	  "  allowed_remotes: [198.51.100.0/24, \"2001:db8::/129\"]\n",
	  "7: policy.allowed_remotes[1]: prefix length 129 is out of range for IPv6 (0..128)" },
	{ "allowed remote with host bits",
	  ACCESS_IFACE
	  "policy:\n"
	  "  allowed_remotes:\n"
	  "    - 203.0.113.7/24\n",
	  "8: policy.allowed_remotes[0]: \"203.0.113.7/24\" has host bits set: write 203.0.113.0/24 "
	  "for the network, or the address with /32 for one host" },
	{ "allowed remotes empty",
	  ACCESS_IFACE
	  "policy:\n"
	  "  allowed_remotes: []\n",
	  "7: policy.allowed_remotes: at least one prefix is required (leave the key out to allow "
	  "every remote)" },
	{ "allowed remotes not a list",
	  ACCESS_IFACE
	  "policy:\n"
	  "  allowed_remotes: 198.51.100.0/24\n",
	  "7: policy.allowed_remotes: expected a sequence, found a scalar value" },
	{ "unknown policy key",
	  ACCESS_IFACE
	  "policy:\n"
	  "  allowed_destinations: [198.51.100.0/24]\n",
	  "7: policy.allowed_destinations: unknown key (expected one of: allowed_remotes)" },
	{ "static destination outside the policy",
	  TWO_IFACES
	  "policy:\n"
	  "  allowed_remotes: [198.51.100.128/25, \"2001:db8::/32\"]\n"
	  "sessions:\n"
	  SESSION_V4,
	  "15: sessions[0].destination: 198.51.100.20 is not in policy.allowed_remotes" },
	{ "static source outside the policy",
	  TWO_IFACES
	  "sessions:\n"
	  SESSION_V4
	  "    source: 203.0.113.10:5000\n"
	  "policy:\n"
	  "  allowed_remotes: [198.51.100.0/24]\n",
	  "14: sessions[0].source: 203.0.113.10 is not in policy.allowed_remotes" },
	{ "more receive queues than a worker polls",
	  ACCESS_IFACE
	  "    rx_queues: 64\n"                   /* line 6 */
	  "  - name: core\n"
	  "    device: net_null1\n"
	  "    addresses: [198.51.100.1/24]\n"
	  "    ports: 30000-39999\n"
	  "    rx_queues: 64\n"                   /* line 11 */
	  "dataplane:\n"
	  "  workers: 1\n",                       /* line 13 */
	  "13: dataplane.workers: with 1 workers the first polls 130 receive queues" },
	{ "session name not UTF-8 text (C1 control character)",
	  TWO_IFACES
	  "sessions:\n"
	  "  - name: \"bad\\x85name\"\n"         /* line 11: a YAML escape for U+0085 */
	  "    listen: 203.0.113.1:20000\n"
	  "    forward: 198.51.100.1:30000\n"
	  "    destination: 198.51.100.20:40000\n",
	  "11: sessions[0].name: \"bad\xc2\x85name\" is not a valid name (1..63 bytes of UTF-8" },
	{ "too many sessions for max_sessions",
	  TWO_IFACES
	  "sessions:\n"
	  SESSION_V4
	  "  - listen: 203.0.113.1:20002\n"
	  "    forward: 198.51.100.1:30002\n"
	  "    destination: 198.51.100.20:40002\n"
	  "dataplane:\n"
	  "  max_sessions: 1\n",
	  "10: sessions: 2 static sessions exceed dataplane.max_sessions (1)" },
};
/* clang-format on */

static void test_bad_case(void **state)
{
	const struct bad_case *bad = *state;
	struct rtpp_config *cfg = NULL;
	char err[RTPP_CONFIG_ERR_LEN] = "";
	char expected[RTPP_CONFIG_ERR_LEN];

	snprintf(expected, sizeof(expected), BAD_NAME ":%s", bad->expected);
	assert_int_equal(rtpp_config_load_string(bad->yaml, strlen(bad->yaml), BAD_NAME, &cfg, err,
						 sizeof(err)), -1);
	assert_null(cfg);
	assert_one_line(err);
	if (strncmp(err, expected, strlen(expected)) != 0)
		fail_msg("%s\n  expected: %s...\n  got:      %s", bad->name, expected, err);
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_default_yaml),
		cmocka_unit_test(test_default_yaml_media_example),
		cmocka_unit_test(test_two_nics_yaml),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_empty_optional_sections),
		cmocka_unit_test(test_session_options),
		cmocka_unit_test(test_dataplane_kernel_rates),
		cmocka_unit_test(test_poll_queues_at_limit),
		cmocka_unit_test(test_media_section),
		cmocka_unit_test(test_media_bps_suffixes),
		cmocka_unit_test(test_expected_source),
		cmocka_unit_test(test_iface_owning),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_api_section),
		cmocka_unit_test(test_http_audit_sections),
		cmocka_unit_test(test_policy_section),
		cmocka_unit_test(test_policy_too_many_prefixes),
		cmocka_unit_test(test_bad_file),
		cmocka_unit_test(test_embedded_name_and_small_buffer),
		cmocka_unit_test(test_mangled_input),
	};
	const size_t n_fixed = sizeof(fixed) / sizeof(fixed[0]);
	const size_t n_bad = sizeof(bad_cases) / sizeof(bad_cases[0]);
	struct CMUnitTest tests[sizeof(fixed) / sizeof(fixed[0]) +
				sizeof(bad_cases) / sizeof(bad_cases[0])];

	memcpy(tests, fixed, sizeof(fixed));
	for (size_t i = 0; i < n_bad; i++)
		tests[n_fixed + i] = (struct CMUnitTest){
			.name = bad_cases[i].name,
			.test_func = test_bad_case,
			.initial_state = (void *)&bad_cases[i],
		};
	return _cmocka_run_group_tests("config", tests, n_fixed + n_bad, NULL, NULL);
}
