/* SPDX-License-Identifier: BSD-3-Clause */
/* API conversions: request validation with field-named errors, status mapping, messages. */
#include <errno.h>
#include <unistd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <rte_eth_ring.h>
#include <rte_ethdev.h>

#include "health.pb-c.h"
#include "rtpp_api.h"
#include "rtpp_dataplane_test.h"
#include "test_eal.h"

struct fixture {
	Rtpproxy__CreateSessionRequest req;
	Rtpproxy__Endpoint listen, forward, destination, source;
	struct rtpp_session_request out;
	char name[RTPP_SESSION_NAME_MAX];
	char err[256];
};

static struct fixture *valid_request(void)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	rtpproxy__create_session_request__init(&f.req);
	rtpproxy__endpoint__init(&f.listen);
	rtpproxy__endpoint__init(&f.forward);
	rtpproxy__endpoint__init(&f.destination);
	rtpproxy__endpoint__init(&f.source);
	f.listen.address = (char *)"203.0.113.1";
	f.listen.port = 20000;
	f.forward.address = (char *)"198.51.100.1";
	f.forward.port = 30000;
	f.destination.address = (char *)"198.51.100.20";
	f.destination.port = 40000;
	f.req.listen = &f.listen;
	f.req.forward = &f.forward;
	f.req.destination = &f.destination;
	return &f;
}

static enum rtpp_api_status parse(struct fixture *f)
{
	return rtpp_api_parse_create(&f->req, &f->out, f->name, f->err, sizeof(f->err));
}

/* The refusal's status, and the field its message starts with. */
static void expect_refused(struct fixture *f, enum rtpp_api_status code, const char *prefix)
{
	assert_int_equal(parse(f), code);
	if (strncmp(f->err, prefix, strlen(prefix)) != 0)
		fail_msg("message \"%s\" does not start with \"%s\"", f->err, prefix);
}

static void test_valid_one_way_request(void **state)
{
	struct fixture *f = valid_request();
	char s[RTPP_ENDPOINT_STRLEN];

	(void)state;
	f->req.name = (char *)"call-42";
	assert_int_equal(parse(f), RTPP_API_OK);
	assert_string_equal(rtpp_endpoint_format(&f->out.listen, s, sizeof(s)), "203.0.113.1:20000");
	assert_string_equal(rtpp_endpoint_format(&f->out.forward, s, sizeof(s)), "198.51.100.1:30000");
	assert_string_equal(rtpp_endpoint_format(&f->out.destination, s, sizeof(s)),
			    "198.51.100.20:40000");
	assert_false(rtpp_addr_is_set(&f->out.source.addr)); /* learned later */
	assert_true(f->out.rtcp);                             /* on unless disabled */
	assert_false(f->out.is_static);
	assert_string_equal(f->out.name, "call-42");
}

static void test_two_way_ipv6_and_allocation(void **state)
{
	struct fixture *f = valid_request();

	(void)state;
	f->listen.address = (char *)"2001:db8:a::1";
	f->listen.port = 0; /* allocate */
	f->forward.address = (char *)"2001:db8:b::1";
	f->destination.address = (char *)"2001:db8:b::20";
	f->source.address = (char *)"2001:db8:a::10";
	f->source.port = 5000;
	f->req.source = &f->source;
	f->req.disable_rtcp = true;
	assert_int_equal(parse(f), RTPP_API_OK);
	assert_int_equal(f->out.listen.port, 0);
	assert_int_equal(f->out.source.port, 5000);
	assert_int_equal(f->out.source.addr.family, RTPP_AF_INET6);
	assert_false(f->out.rtcp);
	assert_null(f->out.name);
}

static void test_missing_endpoints(void **state)
{
	(void)state;
	struct fixture *f = valid_request();
	f->req.listen = NULL;
	expect_refused(f, RTPP_API_INVALID_ARGUMENT, "listen: required");
	f = valid_request();
	f->forward.address = (char *)"";
	expect_refused(f, RTPP_API_INVALID_ARGUMENT, "forward: required");
	f = valid_request();
	f->req.destination = NULL;
	expect_refused(f, RTPP_API_INVALID_ARGUMENT, "destination: required");
	f = valid_request();
	f->source.port = 5000; /* a port without an address */
	f->req.source = &f->source;
	expect_refused(f, RTPP_API_INVALID_ARGUMENT, "source.address:");
}

static void test_bad_addresses_and_ports(void **state)
{
	(void)state;
	struct fixture *f = valid_request();
	f->listen.address = (char *)"203.0.113.300";
	expect_refused(f, RTPP_API_INVALID_ARGUMENT, "listen.address: \"203.0.113.300\"");
	f = valid_request();
	f->destination.address = (char *)"[2001:db8::1]"; /* no brackets in Endpoint.address */
	expect_refused(f, RTPP_API_INVALID_ARGUMENT, "destination.address:");
	f = valid_request();
	f->forward.port = 65536;
	expect_refused(f, RTPP_API_INVALID_ARGUMENT, "forward.port: 65536");
	f = valid_request();
	f->destination.port = 0; /* a remote needs a real port */
	expect_refused(f, RTPP_API_INVALID_ARGUMENT, "destination.port: 0");
	f = valid_request();
	f->destination.port = 65535; /* RTCP would need 65536 */
	expect_refused(f, RTPP_API_INVALID_ARGUMENT, "destination.port: 65535");
	f->req.disable_rtcp = true;
	assert_int_equal(parse(f), RTPP_API_OK);
}

static void test_family_mix(void **state)
{
	(void)state;
	struct fixture *f = valid_request();
	f->destination.address = (char *)"2001:db8:b::20";
	expect_refused(f, RTPP_API_INVALID_ARGUMENT, "destination.address: IPv6 family differs");
	f = valid_request();
	f->source.address = (char *)"2001:db8:a::10";
	f->source.port = 1;
	f->req.source = &f->source;
	expect_refused(f, RTPP_API_INVALID_ARGUMENT, "source.address: family");
	/* listen v4, forward v6: the proxy translates, that is allowed */
	f = valid_request();
	f->forward.address = (char *)"2001:db8:b::1";
	f->destination.address = (char *)"2001:db8:b::20";
	assert_int_equal(parse(f), RTPP_API_OK);
}

static void test_protocol_and_name(void **state)
{
	(void)state;
	struct fixture *f = valid_request();
	/* TCP: accepted as such, without RTCP; what it has no use for is refused. */
	f->req.protocol = RTPPROXY__PROTOCOL__PROTOCOL_TCP;
	f->req.rfc4571 = true;
	assert_int_equal(parse(f), RTPP_API_OK);
	assert_int_equal(f->out.protocol, RTPP_PROTO_TCP);
	assert_true(f->out.rfc4571);
	assert_false(f->out.rtcp);
	f->req.source_expected_address = (char *)"203.0.113.9";
	expect_refused(f, RTPP_API_INVALID_ARGUMENT, "source_expected_address: not for TCP");
	f = valid_request();
	f->req.protocol = RTPPROXY__PROTOCOL__PROTOCOL_TCP;
	Rtpproxy__MediaOptions limited = RTPPROXY__MEDIA_OPTIONS__INIT;
	limited.rate_limit_pps_set_case = RTPPROXY__MEDIA_OPTIONS__RATE_LIMIT_PPS_SET_RATE_LIMIT_PPS;
	limited.rate_limit_pps = 50;
	f->req.media = &limited;
	expect_refused(f, RTPP_API_INVALID_ARGUMENT, "media.rate_limit: not for TCP");
	f = valid_request();
	f->req.rfc4571 = true;
	expect_refused(f, RTPP_API_INVALID_ARGUMENT, "rfc4571: framing over TCP");
	f = valid_request();
	f->req.protocol = 7;
	expect_refused(f, RTPP_API_INVALID_ARGUMENT, "protocol: unknown value 7");
	f = valid_request();
	f->req.name = (char *)"two words";
	expect_refused(f, RTPP_API_INVALID_ARGUMENT, "name:");
	char longname[100];
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	f = valid_request();
	f->req.name = longname;
	expect_refused(f, RTPP_API_INVALID_ARGUMENT, "name: 99 characters");
	/* Not UTF-8: every strict proto3 client that lists sessions would choke on it. */
	static const char *const not_text[] = { "caller-\xff", "\xc0\xaf", "x\xed\xa0\x80",
						"ab\xe9\x80", "nel-\xc2\x85" };
	for (size_t i = 0; i < sizeof(not_text) / sizeof(not_text[0]); i++) {
		f = valid_request();
		f->req.name = (char *)not_text[i];
		expect_refused(f, RTPP_API_INVALID_ARGUMENT, "name: byte ");
	}
}

/* UTF-8 names other than ASCII are names like any other. */
static void test_utf8_name_accepted(void **state)
{
	(void)state;
	struct fixture *f = valid_request();

	f->req.name = (char *)"appel-\xc3\xa9t\xc3\xa9-\xe9\x80\x9a\xe8\xaf\x9d";
	assert_int_equal(parse(f), RTPP_API_OK);
	assert_string_equal(f->out.name, f->req.name);
}

static void test_errno_to_status(void **state)
{
	(void)state;
	assert_int_equal(rtpp_api_status_from_errno(0), RTPP_API_OK);
	assert_int_equal(rtpp_api_status_from_errno(-EINVAL), RTPP_API_INVALID_ARGUMENT);
	assert_int_equal(rtpp_api_status_from_errno(-EADDRNOTAVAIL), RTPP_API_INVALID_ARGUMENT);
	assert_int_equal(rtpp_api_status_from_errno(-EEXIST), RTPP_API_ALREADY_EXISTS);
	assert_int_equal(rtpp_api_status_from_errno(-ENOENT), RTPP_API_NOT_FOUND);
	assert_int_equal(rtpp_api_status_from_errno(-ENOSPC), RTPP_API_RESOURCE_EXHAUSTED);
	assert_int_equal(rtpp_api_status_from_errno(-ENETUNREACH), RTPP_API_FAILED_PRECONDITION);
	assert_int_equal(rtpp_api_status_from_errno(-EPERM), RTPP_API_PERMISSION_DENIED);
	assert_int_equal(rtpp_api_status_from_errno(-EIO), RTPP_API_INTERNAL);
}

static void test_messages_out(void **state)
{
	struct rtpp_endpoint e;
	Rtpproxy__Endpoint pb;
	char buf[RTPP_ADDR_STRLEN];

	(void)state;
	rtpp_endpoint_parse("[2001:db8:b::20]:40002", &e);
	rtpp_api_endpoint_to_pb(&e, &pb, buf);
	assert_string_equal(pb.address, "2001:db8:b::20");
	assert_int_equal(pb.port, 40002);
	memset(&e, 0, sizeof(e)); /* a remote not known yet */
	rtpp_api_endpoint_to_pb(&e, &pb, buf);
	assert_string_equal(pb.address, "");
	assert_int_equal(pb.port, 0);

	struct rtpp_flow_stats c = { .rx_packets = 10, .rx_bytes = 2140, .tx_packets = 9,
				     .tx_bytes = 1926, .drop_no_neighbour = 1 };
	Rtpproxy__FlowStatistics fs;
	rtpp_api_flow_to_pb(&c, 1795584475232ull, &fs);
	assert_int_equal(fs.packets_received, 10);
	assert_int_equal(fs.bytes_sent, 1926);
	assert_int_equal(fs.dropped_no_neighbour, 1);
	assert_int_equal(fs.last_packet_unix_ms, 1795584475232ull);
	assert_int_equal(fs.packets_lost, 0);
	assert_true(fs.loss_rate == 0.0);
	assert_false(fs.has_receiver_report);

	/* 30 of 100 sent went missing on the way in; the receiver's RTCP says
	 * 40 ms round trip and a quarter lost lately. */
	c.rx_packets = 70;
	c.rtp_lost = 30;
	rtpp_api_flow_to_pb(&c, 0, &fs);
	assert_int_equal(fs.packets_lost, 30);
	assert_true(fs.loss_rate > 0.2999 && fs.loss_rate < 0.3001);
	struct rtpp_leg_quality q = { .rtt_samples = 2, .rtt_avg_ms = 40.0, .rtt_last_ms = 42.0,
				      .has_report = true, .reported_cumulative_lost = -1,
				      .reported_fraction_lost = 0.25 };
	rtpp_api_receiver_to_pb(&q, &fs);
	assert_int_equal(fs.rtt_samples, 2);
	assert_true(fs.rtt_ms == 40.0 && fs.last_rtt_ms == 42.0);
	assert_true(fs.avg_latency_ms == 20.0); /* one way: half the round trip */
	assert_true(fs.has_receiver_report);
	assert_int_equal(fs.receiver_cumulative_lost, -1);
	assert_true(fs.receiver_fraction_lost == 0.25);
}

/* What a client puts on the wire decodes into the same request. */
static void test_wire_round_trip(void **state)
{
	struct fixture *f = valid_request();
	uint8_t wire[256];

	(void)state;
	f->req.name = (char *)"wire";
	size_t len = rtpproxy__create_session_request__get_packed_size(&f->req);
	assert_true(len < sizeof(wire));
	rtpproxy__create_session_request__pack(&f->req, wire);
	Rtpproxy__CreateSessionRequest *back =
		rtpproxy__create_session_request__unpack(NULL, len, wire);
	assert_non_null(back);
	f->req = *back;
	assert_int_equal(parse(f), RTPP_API_OK);
	assert_int_equal(f->out.destination.port, 40000);
	assert_string_equal(f->out.name, "wire");
	rtpproxy__create_session_request__free_unpacked(back, NULL);
	/* Garbage is refused by the decoder, before any validation. */
	memset(wire, 0xff, 16);
	assert_null(rtpproxy__create_session_request__unpack(NULL, 16, wire));
}

static void test_status_message(void **state)
{
	struct rtpp_session_status st = { .id = 7, .state = 3 /* active */, .rtcp = true,
					   .created_unix_ms = 1795584475000ull };
	struct rtpp_api_status_msg m;

	(void)state;
	snprintf(st.name, sizeof(st.name), "call-7");
	rtpp_endpoint_parse("203.0.113.1:20000", &st.listen);
	rtpp_endpoint_parse("198.51.100.1:30000", &st.forward);
	rtpp_endpoint_parse("198.51.100.20:40000", &st.destination);
	st.flows[RTPP_FLOW_A_TO_B].rx_packets = 100;
	st.flows[RTPP_FLOW_RTCP_B_TO_A].rx_packets = 2;
	st.last_rx_unix_ms[RTPP_FLOW_A_TO_B] = 1795584476000ull;
	rtpp_api_status_to_pb(&st, &m);
	assert_int_equal(m.status.session_id, 7);
	assert_int_equal(m.status.state, RTPPROXY__SESSION_STATE__SESSION_STATE_ACTIVE);
	assert_string_equal(m.status.name, "call-7");
	assert_string_equal(m.status.listen->address, "203.0.113.1");
	assert_string_equal(m.status.source->address, ""); /* not known yet */
	assert_int_equal(m.status.destination->port, 40000);
	assert_int_equal(m.status.a_to_b->packets_received, 100);
	assert_int_equal(m.status.rtcp_b_to_a->packets_received, 2);
	assert_int_equal(m.status.a_to_b->last_packet_unix_ms, 1795584476000ull);
	/* It serialises and parses back. */
	uint8_t wire[1024];
	size_t len = rtpproxy__session_status__pack(&m.status, wire);
	Rtpproxy__SessionStatus *back = rtpproxy__session_status__unpack(NULL, len, wire);
	assert_non_null(back);
	assert_string_equal(back->forward->address, "198.51.100.1");
	assert_int_equal(back->a_to_b->packets_received, 100);
	rtpproxy__session_status__free_unpacked(back, NULL);
}

static void test_list_request(void **state)
{
	Rtpproxy__ListSessionsRequest req;
	struct rtpp_session_filter f;
	uint32_t cursor;
	unsigned int size;
	char err[256], token[16];

	(void)state;
	rtpproxy__list_sessions_request__init(&req);
	assert_int_equal(rtpp_api_parse_list(&req, NULL, &f, &cursor, &size, err, sizeof(err)),
			 RTPP_API_OK);
	assert_int_equal(size, RTPP_API_PAGE_DEFAULT);
	assert_int_equal(cursor, 0);
	assert_int_equal(f.iface, -1);
	req.page_size = 5000;
	assert_int_equal(rtpp_api_parse_list(&req, NULL, &f, &cursor, &size, err, sizeof(err)),
			 RTPP_API_INVALID_ARGUMENT);
	assert_string_equal(err, "page_size: 5000, at most 1000");
	req.page_size = 10;
	rtpp_api_page_token(1234, token, sizeof(token));
	req.page_token = token;
	req.state = RTPPROXY__SESSION_STATE__SESSION_STATE_ACTIVE;
	assert_int_equal(rtpp_api_parse_list(&req, NULL, &f, &cursor, &size, err, sizeof(err)),
			 RTPP_API_OK);
	assert_int_equal(cursor, 1234);
	assert_int_equal(f.state, RTPPROXY__SESSION_STATE__SESSION_STATE_ACTIVE);
	req.page_token = (char *)"-1";
	assert_int_equal(rtpp_api_parse_list(&req, NULL, &f, &cursor, &size, err, sizeof(err)),
			 RTPP_API_INVALID_ARGUMENT);
	assert_memory_equal(err, "page_token:", 11);
	rtpp_api_page_token(UINT32_MAX, token, sizeof(token));
	assert_string_equal(token, ""); /* the last page */
	req.page_token = NULL;
	req.state = 9;
	assert_int_equal(rtpp_api_parse_list(&req, NULL, &f, &cursor, &size, err, sizeof(err)),
			 RTPP_API_INVALID_ARGUMENT);
	assert_string_equal(err, "state: unknown value 9");
}

static void test_health(void **state)
{
	Grpc__Health__V1__HealthCheckRequest q = GRPC__HEALTH__V1__HEALTH_CHECK_REQUEST__INIT;
	uint8_t wire[64], *reply = NULL;
	size_t len;
	char msg[128];

	(void)state;
	for (int i = 0; i < 2; i++) {
		q.service = (char *)(i == 0 ? "" : "rtpproxy.RtpProxy");
		len = grpc__health__v1__health_check_request__pack(&q, wire);
		assert_int_equal(rtpp_api_health(wire, len, &reply, &len, msg, sizeof(msg)), RTPP_API_OK);
		Grpc__Health__V1__HealthCheckResponse *r =
			grpc__health__v1__health_check_response__unpack(NULL, len, reply);
		assert_int_equal(r->status, GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING);
		grpc__health__v1__health_check_response__free_unpacked(r, NULL);
		free(reply);
	}
	q.service = (char *)"other.Service";
	len = grpc__health__v1__health_check_request__pack(&q, wire);
	assert_int_equal(rtpp_api_health(wire, len, &reply, &len, msg, sizeof(msg)), RTPP_API_NOT_FOUND);
	assert_string_equal(msg, "service: unknown service \"other.Service\"");
}

/* ---- the handlers, on encoded bytes, against a data plane with a real config ---- */

static const char service_yaml[] =
	"interfaces:\n"
	"  - name: access\n"
	"    device: net_ring_api_a\n"
	"    addresses: [203.0.113.1/24, \"2001:db8:a::1/64\"]\n"
	"    ports: 20000-29999\n"
	"  - name: core\n"
	"    device: net_ring_api_b\n"
	"    addresses: [198.51.100.1/24]\n"
	"    gateway4: 198.51.100.254\n"
	"    ports: 30000-39999\n"
	"dataplane:\n"
	"  max_sessions: 16\n";

static struct rtpp_config *service_cfg;
static struct rtpp_dataplane *service_dp;
static struct rte_mempool *service_pool;
static uint16_t service_ports[2];

struct call_result {
	int status;
	char msg[256];
	uint8_t *reply;
	size_t reply_len;
};

typedef int (*handler_fn)(struct rtpp_dataplane *, const uint8_t *, size_t, uint8_t **, size_t *,
			  char *, size_t);

static struct call_result call(handler_fn fn, const uint8_t *req, size_t len)
{
	struct call_result r = { 0 };

	r.status = fn(service_dp, req, len, &r.reply, &r.reply_len, r.msg, sizeof(r.msg));
	return r;
}

static struct call_result create_call(const char *listen, const char *forward, const char *dst)
{
	struct fixture *f = valid_request();
	uint8_t wire[512];
	char l[64], fw[64], d[64];
	struct rtpp_endpoint e;

	/* "addr:port" strings into the request's endpoints */
	rtpp_endpoint_parse(listen, &e);
	rtpp_addr_format(&e.addr, l, sizeof(l));
	f->listen.address = l;
	f->listen.port = e.port;
	rtpp_endpoint_parse(forward, &e);
	rtpp_addr_format(&e.addr, fw, sizeof(fw));
	f->forward.address = fw;
	f->forward.port = e.port;
	rtpp_endpoint_parse(dst, &e);
	rtpp_addr_format(&e.addr, d, sizeof(d));
	f->destination.address = d;
	f->destination.port = e.port;
	size_t len = rtpproxy__create_session_request__pack(&f->req, wire);
	return call(rtpp_api_handle_create, wire, len);
}

static uint64_t created_id(struct call_result *r)
{
	assert_int_equal(r->status, RTPP_API_OK);
	Rtpproxy__CreateSessionResponse *resp =
		rtpproxy__create_session_response__unpack(NULL, r->reply_len, r->reply);
	assert_non_null(resp);
	uint64_t id = resp->session_id;
	assert_non_null(resp->listen);
	assert_non_null(resp->listen->address);
	rtpproxy__create_session_response__free_unpacked(resp, NULL);
	free(r->reply);
	return id;
}

static struct call_result id_call(handler_fn fn, uint64_t id)
{
	Rtpproxy__GetSessionStatusRequest q = RTPPROXY__GET_SESSION_STATUS_REQUEST__INIT;
	uint8_t wire[32];

	/* Destroy and GetStatus requests have the same single field. */
	q.session_id = id;
	return call(fn, wire, rtpproxy__get_session_status_request__pack(&q, wire));
}

static void expect_status(struct call_result r, int status, const char *msg_prefix)
{
	if (r.status != status || strncmp(r.msg, msg_prefix, strlen(msg_prefix)) != 0)
		fail_msg("got status %d \"%s\", want %d \"%s...\"", r.status, r.msg, status,
			 msg_prefix);
	free(r.reply);
}

static int service_setup(void **state)
{
	char err[256];

	(void)state;
	service_dp = rtpp_dataplane_create_detached(service_ports, 2, 16, 1, service_pool,
						    service_cfg);
	(void)err;
	return service_dp == NULL ? -1 : 0;
}

static int service_teardown(void **state)
{
	(void)state;
	rtpp_dataplane_destroy(service_dp);
	return 0;
}

/* CreateSession with media fields: each hostile value is refused with the field named, nothing changes. */
static struct call_result create_with(const char *expected, const char *source,
				      const Rtpproxy__MediaOptions *media)
{
	struct fixture *f = valid_request();
	uint8_t wire[512];

	f->req.source_expected_address = (char *)(expected != NULL ? expected : "");
	if (source != NULL) {
		f->source.address = (char *)source;
		f->source.port = 5000;
		f->req.source = &f->source;
	}
	f->req.media = (Rtpproxy__MediaOptions *)media;
	return call(rtpp_api_handle_create, wire,
		    rtpproxy__create_session_request__pack(&f->req, wire));
}

static struct call_result update_with(const Rtpproxy__UpdateSessionRequest *u)
{
	uint8_t wire[512];

	return call(rtpp_api_handle_update, wire, rtpproxy__update_session_request__pack(u, wire));
}

static void test_media_requests_refused(void **state)
{
	Rtpproxy__MediaOptions m = RTPPROXY__MEDIA_OPTIONS__INIT;
	Rtpproxy__UpdateSessionRequest u = RTPPROXY__UPDATE_SESSION_REQUEST__INIT;
	Rtpproxy__LegUpdate leg = RTPPROXY__LEG_UPDATE__INIT;
	Rtpproxy__Endpoint remote = RTPPROXY__ENDPOINT__INIT;
	static const uint8_t garbage[] = { 0xff, 0xff, 0xff, 0xff, 0x0f };
	uint32_t before = rtpp_dataplane_session_count(service_dp);
	struct rtpp_session_status st;
	struct call_result r;
	uint64_t id;

	(void)state;
	expect_status(create_with("not-an-ip", NULL, NULL), RTPP_API_INVALID_ARGUMENT,
		      "source_expected_address: \"not-an-ip\" is not an IPv4 or IPv6 address");
	expect_status(create_with("2001:db8:a::10", NULL, NULL), RTPP_API_INVALID_ARGUMENT,
		      "source_expected_address: family differs from listen's");
	expect_status(create_with("224.0.0.1", NULL, NULL), RTPP_API_INVALID_ARGUMENT,
		      "source_expected_address: 224.0.0.1 is not a unicast address");
	expect_status(create_with("203.0.113.10", "203.0.113.10", NULL), RTPP_API_INVALID_ARGUMENT,
		      "source_expected_address: excludes source");
	m.clock_rate_set_case = RTPPROXY__MEDIA_OPTIONS__CLOCK_RATE_SET_CLOCK_RATE;
	m.clock_rate = 500;
	expect_status(create_with(NULL, NULL, &m), RTPP_API_INVALID_ARGUMENT,
		      "media.clock_rate: 500 is out of range (0 or 1000..200000)");
	m.clock_rate_set_case = RTPPROXY__MEDIA_OPTIONS__CLOCK_RATE_SET__NOT_SET;
	m.relatch_silence_ms_set_case =
		RTPPROXY__MEDIA_OPTIONS__RELATCH_SILENCE_MS_SET_RELATCH_SILENCE_MS;
	m.relatch_silence_ms = 0; /* set, and 0: not "unset" */
	expect_status(create_with(NULL, NULL, &m), RTPP_API_INVALID_ARGUMENT,
		      "media.relatch_silence_ms: 0 is out of range");
	m.relatch_silence_ms_set_case = RTPPROXY__MEDIA_OPTIONS__RELATCH_SILENCE_MS_SET__NOT_SET;
	m.rate_limit_bps_set_case = RTPPROXY__MEDIA_OPTIONS__RATE_LIMIT_BPS_SET_RATE_LIMIT_BPS;
	m.rate_limit_bps = UINT64_MAX;
	expect_status(create_with(NULL, NULL, &m), RTPP_API_INVALID_ARGUMENT,
		      "media.rate_limit_bps: 18446744073709551615 is out of range");
	assert_int_equal(rtpp_dataplane_session_count(service_dp), before);

	/* Accepted: the rules in force come back, every field set. */
	m.rate_limit_bps = 64000;
	m.clock_rate_set_case = RTPPROXY__MEDIA_OPTIONS__CLOCK_RATE_SET_CLOCK_RATE;
	m.clock_rate = 48000;
	r = create_with("203.0.113.10", NULL, &m);
	id = created_id(&r);
	assert_int_equal(rtpp_dataplane_session_status(service_dp, id, &st), 0);
	const struct rtpp_session_status created = st;
	assert_int_equal(st.leg_state[RTPP_LEG_A].learning, RTPP_LEARN_EXPECTED);
	assert_int_equal(st.media.rate_limit_bps, 64000);
	assert_int_equal(st.media.clock_rate, 48000);
	assert_true(st.media.strict_source); /* the default, not asked for */

	/* UpdateSession: garbage, no session, each bad leg field; nothing changes. */
	expect_status(call(rtpp_api_handle_update, garbage, sizeof(garbage)),
		      RTPP_API_INVALID_ARGUMENT, "request: not an UpdateSessionRequest");
	u.session_id = id + 1000;
	expect_status(update_with(&u), RTPP_API_NOT_FOUND, "session_id: no session");
	u.session_id = id;
	u.leg_b = &leg;
	remote.address = (char *)"198.51.100.21";
	remote.port = 0;
	leg.remote = &remote;
	expect_status(update_with(&u), RTPP_API_INVALID_ARGUMENT,
		      "leg_b.remote.port: 0 is not 1..65535");
	remote.address = (char *)"2001:db8:b::21";
	remote.port = 40002;
	expect_status(update_with(&u), RTPP_API_INVALID_ARGUMENT,
		      "leg_b.remote: [2001:db8:b::21]:40002 is not of the same family");
	remote.address = (char *)"198.51.100.21";
	leg.relearn = true;
	expect_status(update_with(&u), RTPP_API_INVALID_ARGUMENT,
		      "leg_b: remote and relearn exclude each other");
	leg.relearn = false;
	leg.remote = NULL;
	leg.expected_address_set_case = RTPPROXY__LEG_UPDATE__EXPECTED_ADDRESS_SET_EXPECTED_ADDRESS;
	leg.expected_address = (char *)"198.51.100.999";
	expect_status(update_with(&u), RTPP_API_INVALID_ARGUMENT,
		      "leg_b.expected_address: \"198.51.100.999\" is not an IPv4 or IPv6 address");
	leg.expected_address_set_case = RTPPROXY__LEG_UPDATE__EXPECTED_ADDRESS_SET__NOT_SET;
	u.leg_b = NULL;
	m.inactivity_timeout_s_set_case =
		RTPPROXY__MEDIA_OPTIONS__INACTIVITY_TIMEOUT_S_SET_INACTIVITY_TIMEOUT_S;
	m.inactivity_timeout_s = 86401;
	u.media = &m;
	expect_status(update_with(&u), RTPP_API_INVALID_ARGUMENT,
		      "media.inactivity_timeout_s: 86401 is out of range");
	assert_int_equal(rtpp_dataplane_session_status(service_dp, id, &st), 0);
	assert_true(rtpp_endpoint_equal(&st.destination, &created.destination));
	assert_int_equal(st.leg_state[RTPP_LEG_B].learning, RTPP_LEARN_GIVEN);
	assert_int_equal(st.leg_state[RTPP_LEG_B].expected.family, RTPP_AF_NONE);
	assert_memory_equal(&st.media, &created.media, sizeof(st.media)); /* untouched */

	/* A good one: pause leg A; the status comes back with it. */
	u.media = NULL;
	leg.paused_set_case = RTPPROXY__LEG_UPDATE__PAUSED_SET_PAUSED;
	leg.paused = true;
	u.leg_a = &leg;
	r = update_with(&u);
	assert_int_equal(r.status, RTPP_API_OK);
	Rtpproxy__UpdateSessionResponse *resp =
		rtpproxy__update_session_response__unpack(NULL, r.reply_len, r.reply);
	assert_non_null(resp);
	assert_true(resp->status->leg_a->paused);
	assert_false(resp->status->leg_b->paused);
	assert_string_equal(resp->status->leg_a->expected_address, "203.0.113.10");
	rtpproxy__update_session_response__free_unpacked(resp, NULL);
	free(r.reply);
	free(id_call(rtpp_api_handle_destroy, id).reply);
}

/*
 * TCP sessions in a data plane without a relay (detached: tests, the bench):
 * UNIMPLEMENTED, saying so; a listing filtered to TCP finds none of the UDP
 * sessions, one filtered to UDP finds them.
 */
static void test_tcp_without_relay(void **state)
{
	(void)state;
	struct call_result r = create_call("203.0.113.1:20000", "198.51.100.1:30000",
					   "198.51.100.20:40000");
	uint64_t id = created_id(&r);
	struct fixture *f = valid_request();
	uint8_t wire[512];

	f->req.protocol = RTPPROXY__PROTOCOL__PROTOCOL_TCP;
	f->listen.port = 20100;
	f->forward.port = 30100;
	expect_status(call(rtpp_api_handle_create, wire,
			   rtpproxy__create_session_request__pack(&f->req, wire)),
		      RTPP_API_UNIMPLEMENTED, "protocol: this data plane relays no TCP");
	for (int tcp = 0; tcp < 2; tcp++) {
		Rtpproxy__ListSessionsRequest q = RTPPROXY__LIST_SESSIONS_REQUEST__INIT;

		q.filter_protocol = true;
		q.protocol = tcp ? RTPPROXY__PROTOCOL__PROTOCOL_TCP :
				   RTPPROXY__PROTOCOL__PROTOCOL_UDP;
		r = call(rtpp_api_handle_list, wire, rtpproxy__list_sessions_request__pack(&q, wire));
		assert_int_equal(r.status, RTPP_API_OK);
		Rtpproxy__ListSessionsResponse *l =
			rtpproxy__list_sessions_response__unpack(NULL, r.reply_len, r.reply);
		assert_int_equal(l->n_sessions, tcp ? 0 : 1);
		if (!tcp)
			assert_int_equal(l->sessions[0]->protocol, RTPPROXY__PROTOCOL__PROTOCOL_UDP);
		rtpproxy__list_sessions_response__free_unpacked(l, NULL);
		free(r.reply);
	}
	free(id_call(rtpp_api_handle_destroy, id).reply);
}

static void test_create_status_list_destroy(void **state)
{
	(void)state;
	struct call_result r = create_call("203.0.113.1:20000", "198.51.100.1:30000",
					   "198.51.100.20:40000");
	uint64_t id = created_id(&r);

	r = id_call(rtpp_api_handle_status, id);
	assert_int_equal(r.status, RTPP_API_OK);
	Rtpproxy__SessionStatus *st = rtpproxy__session_status__unpack(NULL, r.reply_len, r.reply);
	assert_int_equal(st->session_id, id);
	/* No source given: leg A learns it from the media, until then CONNECTING. */
	assert_int_equal(st->state, RTPPROXY__SESSION_STATE__SESSION_STATE_CONNECTING);
	assert_int_equal(st->leg_a->learning, RTPPROXY__LEARNING__LEARNING_OPEN);
	assert_int_equal(st->leg_b->learning, RTPPROXY__LEARNING__LEARNING_GIVEN);
	assert_true(st->media->strict_source);
	assert_string_equal(st->destination->address, "198.51.100.20");
	assert_false(st->is_static);
	rtpproxy__session_status__free_unpacked(st, NULL);
	free(r.reply);

	Rtpproxy__ListSessionsRequest lq = RTPPROXY__LIST_SESSIONS_REQUEST__INIT;
	uint8_t wire[64];
	r = call(rtpp_api_handle_list, wire, rtpproxy__list_sessions_request__pack(&lq, wire));
	assert_int_equal(r.status, RTPP_API_OK);
	Rtpproxy__ListSessionsResponse *lr =
		rtpproxy__list_sessions_response__unpack(NULL, r.reply_len, r.reply);
	assert_int_equal(lr->n_sessions, 1);
	assert_int_equal(lr->total_sessions, 1);
	assert_string_equal(lr->next_page_token, "");
	rtpproxy__list_sessions_response__free_unpacked(lr, NULL);
	free(r.reply);

	r = id_call(rtpp_api_handle_destroy, id);
	assert_int_equal(r.status, RTPP_API_OK);
	Rtpproxy__DestroySessionResponse *dr =
		rtpproxy__destroy_session_response__unpack(NULL, r.reply_len, r.reply);
	assert_int_equal(dr->final_status->state, RTPPROXY__SESSION_STATE__SESSION_STATE_CLOSED);
	rtpproxy__destroy_session_response__free_unpacked(dr, NULL);
	free(r.reply);

	expect_status(id_call(rtpp_api_handle_status, id), RTPP_API_NOT_FOUND, "session_id: no session");
	expect_status(id_call(rtpp_api_handle_destroy, id), RTPP_API_NOT_FOUND, "session_id: no session");
}

static void test_every_refusal_names_its_field(void **state)
{
	(void)state;
	/* listen on an address no interface owns */
	expect_status(create_call("203.0.113.9:20000", "198.51.100.1:30000", "198.51.100.20:40000"),
		      RTPP_API_INVALID_ARGUMENT, "listen: 203.0.113.9:20000 is not an address");
	/* a destination on a family the egress side cannot reach: no IPv6 on core */
	expect_status(create_call("[2001:db8:a::1]:20000", "198.51.100.1:30000",
				  "[2001:db8:b::20]:40000"),
		      RTPP_API_INVALID_ARGUMENT, "destination.address: IPv6 family differs");
	/* taken: the second session wants the first one's RTCP port */
	uint64_t id;
	struct call_result r = create_call("203.0.113.1:20000", "198.51.100.1:30000",
					   "198.51.100.20:40000");
	id = created_id(&r);
	(void)id;
	expect_status(create_call("203.0.113.1:20001", "198.51.100.1:30010", "198.51.100.20:40000"),
		      RTPP_API_ALREADY_EXISTS, "listen: 203.0.113.1:20001 is already used");
	/* off-link remote without a gateway on that interface */
	expect_status(create_call("198.51.100.1:30020", "203.0.113.1:20020", "198.18.0.77:40000"),
		      RTPP_API_FAILED_PRECONDITION, "destination: 198.18.0.77:40000 is not on-link");
	/* ... while core has a gateway: an off-link destination is fine there */
	r = create_call("203.0.113.1:20030", "198.51.100.1:30030", "198.18.0.77:40000");
	created_id(&r);
	/* not even a message */
	const uint8_t garbage[] = { 0xff, 0xff, 0xff, 0xff, 0x0f };
	expect_status(call(rtpp_api_handle_create, garbage, sizeof(garbage)),
		      RTPP_API_INVALID_ARGUMENT, "request: not a CreateSessionRequest");
	assert_int_equal(rtpp_dataplane_session_count(service_dp), 2); /* refusals changed nothing */
}

static void test_full_table_and_paging(void **state)
{
	char l[64], f[64];

	(void)state;
	for (unsigned int i = 0; i < 16; i++) {
		snprintf(l, sizeof(l), "203.0.113.1:%u", 20000 + 2 * i);
		snprintf(f, sizeof(f), "198.51.100.1:%u", 30000 + 2 * i);
		struct call_result r = create_call(l, f, "198.51.100.20:40000");
		created_id(&r);
	}
	expect_status(create_call("203.0.113.1:21000", "198.51.100.1:31000", "198.51.100.20:40000"),
		      RTPP_API_RESOURCE_EXHAUSTED, "session table full");

	Rtpproxy__ListSessionsRequest lq = RTPPROXY__LIST_SESSIONS_REQUEST__INIT;
	char token[32] = "";
	unsigned int total = 0, pages = 0;
	lq.page_size = 6;
	lq.interface = (char *)"core";
	do {
		uint8_t wire[128];

		lq.page_token = token;
		struct call_result r =
			call(rtpp_api_handle_list, wire, rtpproxy__list_sessions_request__pack(&lq, wire));
		assert_int_equal(r.status, RTPP_API_OK);
		Rtpproxy__ListSessionsResponse *lr =
			rtpproxy__list_sessions_response__unpack(NULL, r.reply_len, r.reply);
		total += (unsigned int)lr->n_sessions;
		pages++;
		snprintf(token, sizeof(token), "%s", lr->next_page_token);
		rtpproxy__list_sessions_response__free_unpacked(lr, NULL);
		free(r.reply);
	} while (token[0] != '\0' && pages < 10);
	assert_int_equal(total, 16);
	assert_int_equal(pages, 3);

	uint8_t wire[128];
	lq.page_token = NULL;
	lq.interface = (char *)"nope";
	expect_status(call(rtpp_api_handle_list, wire, rtpproxy__list_sessions_request__pack(&lq, wire)),
		      RTPP_API_INVALID_ARGUMENT, "interface: no interface called \"nope\"");
}

/* ---- GetStatistics ---- */

static struct call_result statistics_call(const char *interface)
{
	Rtpproxy__GetStatisticsRequest q = RTPPROXY__GET_STATISTICS_REQUEST__INIT;
	uint8_t wire[128];

	q.interface = (char *)(interface != NULL ? interface : "");
	return call(rtpp_api_handle_statistics, wire,
		    rtpproxy__get_statistics_request__pack(&q, wire));
}

/* The uint64 field called name of an InterfaceStatistics (fails the test when it has none). */
static uint64_t iface_field(const Rtpproxy__InterfaceStatistics *m, const char *name)
{
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field_by_name(&rtpproxy__interface_statistics__descriptor,
								name);

	if (f == NULL || f->type != PROTOBUF_C_TYPE_UINT64)
		fail_msg("InterfaceStatistics has no uint64 field %s", name);
	return *(const uint64_t *)((const uint8_t *)m + f->offset);
}

/*
 * Every counter the views export by table has its field in
 * InterfaceStatistics: a counter added to lib/stats fails here until the
 * .proto has it (the handler would answer INTERNAL naming it).
 */
static void test_statistics_fields_cover_every_counter(void **state)
{
	Rtpproxy__InterfaceStatistics m = RTPPROXY__INTERFACE_STATISTICS__INIT;

	(void)state;
	for (unsigned int i = 0; i < rtpp_iface_counter_nfields; i++)
		(void)iface_field(&m, rtpp_iface_counter_fields[i].name);
	for (unsigned int i = 0; i < rtpp_host_drop_counter_nfields; i++)
		(void)iface_field(&m, rtpp_host_drop_counter_fields[i].name);
}

static void test_statistics_refusals(void **state)
{
	const uint8_t garbage[] = { 0xff, 0xff, 0xff, 0xff, 0x0f };
	const uint8_t wrong_type[] = { 0x08, 0x01 }; /* field 1 as a varint, not a string */

	(void)state;
	expect_status(call(rtpp_api_handle_statistics, garbage, sizeof(garbage)),
		      RTPP_API_INVALID_ARGUMENT, "request: not a GetStatisticsRequest");
	expect_status(call(rtpp_api_handle_statistics, wrong_type, sizeof(wrong_type)),
		      RTPP_API_INVALID_ARGUMENT, "request: not a GetStatisticsRequest");
	expect_status(statistics_call("nosuch"), RTPP_API_INVALID_ARGUMENT,
		      "interface: no interface called \"nosuch\"");
	expect_status(statistics_call("acces"), RTPP_API_INVALID_ARGUMENT,
		      "interface: no interface called \"acces\"");
}

/*
 * The answer carries what the views say: each interface counter (given a
 * value of its own on the worker's copy), the drops before the proxy, the
 * free ports, the worker, the table; an interface filter keeps one.
 */
static void test_statistics_answer(void **state)
{
	struct rtpp_iface_counters *c[2];
	struct rtpp_iface_view view[2];
	struct call_result r;

	(void)state;
	assert_int_equal(rtpp_dataplane_test_watch_host_drops(service_dp), 0);
	r = create_call("203.0.113.1:20000", "198.51.100.1:30000", "198.51.100.20:40000");
	created_id(&r);
	for (uint16_t i = 0; i < 2; i++) {
		c[i] = rtpp_dataplane_test_worker_counters(rtpp_dataplane_test_worker(service_dp, 0),
							   i);
		for (unsigned int f = 0; f < rtpp_iface_counter_nfields; f++)
			*(uint64_t *)((uint8_t *)c[i] +
				      rtpp_iface_counter_fields[f].offset) = 1000u * (i + 1) + f;
		assert_int_equal(rtpp_dataplane_iface_view(service_dp, i, &view[i]), 0);
	}

	r = statistics_call(NULL);
	assert_int_equal(r.status, RTPP_API_OK);
	Rtpproxy__Statistics *st = rtpproxy__statistics__unpack(NULL, r.reply_len, r.reply);
	assert_non_null(st);
	assert_string_equal(st->version, RTPP_VERSION);
	assert_false(st->running); /* detached: no worker launched */
	assert_int_equal(st->sessions, 1);
	assert_int_equal(st->max_sessions, 16);
	assert_int_equal(st->n_workers, 1);
	assert_int_equal(st->workers[0]->id, 0);
	assert_int_equal(st->workers[0]->rx_queues, 2);
	assert_int_equal(st->n_interfaces, 2);
	for (unsigned int i = 0; i < 2; i++) {
		const Rtpproxy__InterfaceStatistics *m = st->interfaces[i];

		assert_string_equal(m->name, i == 0 ? "access" : "core");
		for (unsigned int f = 0; f < rtpp_iface_counter_nfields; f++)
			assert_int_equal(iface_field(m, rtpp_iface_counter_fields[f].name),
					 1000u * (i + 1) + f);
		/* Ring ports: no af_packet socket, no device drops. */
		for (unsigned int f = 0; f < rtpp_host_drop_counter_nfields; f++)
			assert_int_equal(iface_field(m, rtpp_host_drop_counter_fields[f].name), 0);
		assert_int_equal(m->host_ring_sockets, 0);
		assert_true(m->has_media_ports);
		/* the session holds RTP and RTCP on each side */
		assert_int_equal(m->media_ports_free, view[i].media_ports_free);
		assert_int_equal(m->media_ports_free, 10000 - 2);
		assert_int_equal(m->port_id, service_ports[i]);
	}
	rtpproxy__statistics__free_unpacked(st, NULL);
	free(r.reply);

	r = statistics_call("core");
	assert_int_equal(r.status, RTPP_API_OK);
	st = rtpproxy__statistics__unpack(NULL, r.reply_len, r.reply);
	assert_non_null(st);
	assert_int_equal(st->n_interfaces, 1);
	assert_string_equal(st->interfaces[0]->name, "core");
	assert_int_equal(st->interfaces[0]->rx_packets, 2000);
	assert_int_equal(st->n_workers, 1); /* the filter is on interfaces only */
	rtpproxy__statistics__free_unpacked(st, NULL);
	free(r.reply);
	for (uint16_t i = 0; i < 2; i++)
		memset(c[i], 0, sizeof(*c[i]));
}

static void created_ports(struct call_result *r, uint32_t *listen, uint32_t *forward)
{
	assert_int_equal(r->status, RTPP_API_OK);
	Rtpproxy__CreateSessionResponse *resp =
		rtpproxy__create_session_response__unpack(NULL, r->reply_len, r->reply);
	*listen = resp->listen->port;
	*forward = resp->forward->port;
	rtpproxy__create_session_response__free_unpacked(resp, NULL);
	free(r->reply);
}

static void test_port_allocation(void **state)
{
	struct rtpp_port_pool *access = rtpp_dataplane_test_port_pool(service_dp, 0);
	struct rtpp_port_pool *core = rtpp_dataplane_test_port_pool(service_dp, 1);
	uint32_t free_a = rtpp_port_pool_free_count(access), free_b = rtpp_port_pool_free_count(core);
	uint32_t l1, f1, l2, f2;

	(void)state;
	struct call_result r = create_call("203.0.113.1:0", "198.51.100.1:0", "198.51.100.20:40000");
	created_ports(&r, &l1, &f1);
	r = create_call("203.0.113.1:0", "198.51.100.1:0", "198.51.100.20:40000");
	created_ports(&r, &l2, &f2);
	assert_true(l1 >= 20000 && l1 <= 29998 && l1 % 2 == 0);
	assert_true(f1 >= 30000 && f1 <= 39998 && f1 % 2 == 0);
	assert_true(l2 != l1 && f2 != f1);
	assert_int_equal(rtpp_port_pool_free_count(access), free_a - 4); /* RTP + RTCP each */
	/* an explicit port inside the range is held too */
	r = create_call("203.0.113.1:25000", "198.51.100.1:35000", "198.51.100.20:40000");
	created_id(&r);
	assert_int_equal(rtpp_port_pool_free_count(core), free_b - 6);

	/* destroy everything: the ports come back after the grace period, not before */
	for (uint64_t id = 1; id <= 3; id++)
		free(id_call(rtpp_api_handle_destroy, id).reply);
	expect_status(create_call("203.0.113.1:25000", "198.51.100.1:35010", "198.51.100.20:40000"),
		      RTPP_API_ALREADY_EXISTS,
		      "listen: port 25000 of interface access is held by another session (an "
		      "interface's ports are shared by its addresses) or by one being released");
	rtpp_dataplane_service(service_dp);
	assert_int_equal(rtpp_port_pool_free_count(access), free_a);
	assert_int_equal(rtpp_port_pool_free_count(core), free_b);
	r = create_call("203.0.113.1:25000", "198.51.100.1:35010", "198.51.100.20:40000");
	created_id(&r);
}

static void test_create_destroy_leaves_ranges_as_they_began(void **state)
{
	struct rtpp_port_pool *access = rtpp_dataplane_test_port_pool(service_dp, 0);
	uint32_t before = rtpp_port_pool_free_count(access);
	uint64_t ids[16];

	(void)state;
	for (unsigned int round = 0; round < 3; round++) {
		for (unsigned int i = 0; i < 16; i++) {
			struct call_result r = create_call("203.0.113.1:0", "198.51.100.1:0",
							   "198.51.100.20:40000");
			ids[i] = created_id(&r);
		}
		for (unsigned int i = 0; i < 16; i++)
			free(id_call(rtpp_api_handle_destroy, ids[i]).reply);
		rtpp_dataplane_service(service_dp);
		assert_int_equal(rtpp_dataplane_session_count(service_dp), 0);
		assert_int_equal(rtpp_port_pool_free_count(access), before);
	}
}

/* ---- policy.allowed_remotes: PERMISSION_DENIED, and nothing changes ---- */

static const char policy_yaml_tail[] =
	"policy:\n"
	"  allowed_remotes: [198.51.100.16/28, 203.0.113.10/32, \"2001:db8:b::/48\"]\n";

/* A data plane like service_dp's whose configuration adds the policy above. */
static int policy_setup(void **state)
{
	char yaml[sizeof(service_yaml) + sizeof(policy_yaml_tail)];
	char err[RTPP_CONFIG_ERR_LEN];
	struct rtpp_config *cfg = NULL;

	snprintf(yaml, sizeof(yaml), "%s%s", service_yaml, policy_yaml_tail);
	if (rtpp_config_load_string(yaml, strlen(yaml), "policy.yaml", &cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "policy_setup: %s\n", err);
		return -1;
	}
	service_dp = rtpp_dataplane_create_detached(service_ports, 2, 16, 1, service_pool, cfg);
	*state = cfg;
	return service_dp == NULL ? -1 : 0;
}

static int policy_teardown(void **state)
{
	rtpp_dataplane_destroy(service_dp);
	rtpp_config_free(*state);
	return 0;
}

static struct call_result create_two_way_call(const char *source)
{
	struct fixture *f = valid_request();
	struct rtpp_endpoint e;
	char addr[RTPP_ADDR_STRLEN];
	uint8_t wire[512];

	rtpp_endpoint_parse(source, &e);
	f->source.address = (char *)rtpp_addr_format(&e.addr, addr, sizeof(addr));
	f->source.port = e.port;
	f->req.source = &f->source;
	f->listen.port = 0; /* allocated, so that calls never collide */
	f->forward.port = 0;
	return call(rtpp_api_handle_create, wire, rtpproxy__create_session_request__pack(&f->req, wire));
}

static void test_policy_refuses_remotes_outside(void **state)
{
	struct rtpp_port_pool *access = rtpp_dataplane_test_port_pool(service_dp, 0);
	struct rtpp_port_pool *core = rtpp_dataplane_test_port_pool(service_dp, 1);
	uint32_t free_a = rtpp_port_pool_free_count(access), free_b = rtpp_port_pool_free_count(core);

	(void)state;
	/* inside: 198.51.100.16/28 */
	struct call_result r = create_call("203.0.113.1:0", "198.51.100.1:0", "198.51.100.20:40000");
	created_id(&r);
	/* outside, with allocation asked for: refused before any port is taken */
	expect_status(create_call("203.0.113.1:0", "198.51.100.1:0", "198.51.100.9:40000"),
		      RTPP_API_PERMISSION_DENIED,
		      "destination: 198.51.100.9 is not in policy.allowed_remotes");
	expect_status(create_call("203.0.113.1:20100", "198.51.100.1:30100", "198.51.100.32:40000"),
		      RTPP_API_PERMISSION_DENIED,
		      "destination: 198.51.100.32 is not in policy.allowed_remotes");
	/* the source (leg A's remote) too; a listed host is fine */
	expect_status(create_two_way_call("203.0.113.11:5000"), RTPP_API_PERMISSION_DENIED,
		      "source: 203.0.113.11 is not in policy.allowed_remotes");
	r = create_two_way_call("203.0.113.10:5000");
	created_id(&r);
	/* before the route: an off-link remote outside the policy says nothing about our links */
	expect_status(create_call("198.51.100.1:0", "203.0.113.1:0", "198.18.0.77:40000"),
		      RTPP_API_PERMISSION_DENIED,
		      "destination: 198.18.0.77 is not in policy.allowed_remotes");
	/* a malformed request is still INVALID_ARGUMENT, whatever its destination */
	expect_status(create_call("203.0.113.9:20000", "198.51.100.1:30000", "198.51.100.9:40000"),
		      RTPP_API_INVALID_ARGUMENT, "listen: 203.0.113.9:20000 is not an address");

	/* the refusals took nothing: two sessions, an RTP/RTCP pair each per interface */
	assert_int_equal(rtpp_dataplane_session_count(service_dp), 2);
	assert_int_equal(rtpp_port_pool_free_count(access), free_a - 4);
	assert_int_equal(rtpp_port_pool_free_count(core), free_b - 4);
	/* and a refused session's explicit ports are still there for the taking */
	r = create_call("203.0.113.1:20100", "198.51.100.1:30100", "198.51.100.17:40000");
	created_id(&r);
}

/* ---- StreamSessionEvents fan-out, with sinks that stand in for streams ---- */

struct sink {
	unsigned int capacity; /* how many it accepts before saying full */
	unsigned int waiting;  /* what it says its client has not read yet */
	bool gone;
	unsigned int n;
	Rtpproxy__SessionEvent *events[64];
};

static int sink_send(void *p, const uint8_t *msg, size_t len)
{
	struct sink *k = p;

	if (k->gone)
		return -EPIPE;
	if (k->n >= k->capacity || k->n >= RTE_DIM(k->events))
		return -ENOBUFS;
	k->events[k->n] = rtpproxy__session_event__unpack(NULL, len, msg);
	assert_non_null(k->events[k->n]);
	k->n++;
	k->waiting++; /* until the test says its client read */
	return 0;
}

static unsigned int sink_queued(void *p)
{
	return ((struct sink *)p)->waiting;
}

static void sink_free(struct sink *k)
{
	for (unsigned int i = 0; i < k->n; i++)
		rtpproxy__session_event__free_unpacked(k->events[i], NULL);
}

static int subscribe(struct rtpp_api_events *evs, struct sink *k, uint64_t session, uint32_t interval)
{
	Rtpproxy__StreamSessionEventsRequest q = RTPPROXY__STREAM_SESSION_EVENTS_REQUEST__INIT;
	uint8_t wire[32];
	char msg[128];

	q.session_id = session;
	q.stats_interval_ms = interval;
	return rtpp_api_events_subscribe(evs, k, sink_send, sink_queued, wire,
					 rtpproxy__stream_session_events_request__pack(&q, wire), msg,
					 sizeof(msg));
}

static void test_events_fan_out(void **state)
{
	struct rtpp_api_events *evs = rtpp_api_events_create(service_dp);
	struct sink all = { .capacity = 64 }, one = { .capacity = 64 }, slow = { .capacity = 1 };
	struct sink dead = { .capacity = 64 };

	(void)state;
	assert_int_equal(subscribe(evs, &all, 0, 0), RTPP_API_OK);
	assert_int_equal(subscribe(evs, &slow, 0, 0), RTPP_API_OK);
	assert_int_equal(subscribe(evs, &dead, 0, 0), RTPP_API_OK);
	assert_int_equal(subscribe(evs, &one, 4242, 0), RTPP_API_NOT_FOUND);
	assert_int_equal(subscribe(evs, &one, 0, 50), RTPP_API_INVALID_ARGUMENT);

	struct call_result r = create_call("203.0.113.1:20000", "198.51.100.1:30000",
					   "198.51.100.20:40000");
	uint64_t s1 = created_id(&r);
	assert_int_equal(subscribe(evs, &one, s1, 0), RTPP_API_OK);
	dead.gone = true; /* its client went away */
	r = create_call("203.0.113.1:20010", "198.51.100.1:30010", "198.51.100.20:40000");
	uint64_t s2 = created_id(&r);
	free(id_call(rtpp_api_handle_destroy, s1).reply);

	struct rtpp_api_events_stats st;
	rtpp_api_events_get_stats(evs, &st);
	assert_int_equal(st.subscribers, 3); /* the dead one is dropped */

	/* everything, in order, numbered from 1 */
	assert_int_equal(all.n, 3);
	assert_int_equal(all.events[0]->type, RTPPROXY__EVENT_TYPE__EVENT_TYPE_CREATED);
	assert_int_equal(all.events[0]->session_id, s1);
	assert_int_equal(all.events[1]->session_id, s2);
	assert_int_equal(all.events[2]->type, RTPPROXY__EVENT_TYPE__EVENT_TYPE_CLOSED);
	assert_int_equal(all.events[2]->status->state, RTPPROXY__SESSION_STATE__SESSION_STATE_CLOSED);
	for (unsigned int i = 0; i < all.n; i++)
		assert_int_equal(all.events[i]->sequence, i + 1);
	/* the filtered one sees only its session */
	assert_int_equal(one.n, 1);
	assert_int_equal(one.events[0]->type, RTPPROXY__EVENT_TYPE__EVENT_TYPE_CLOSED);
	assert_int_equal(one.events[0]->session_id, s1);
	/* the slow one took one and lost two, without holding anybody up */
	assert_int_equal(slow.n, 1);
	slow.capacity = 64; /* it reads again */
	free(id_call(rtpp_api_handle_destroy, s2).reply);
	assert_int_equal(slow.n, 3);
	assert_int_equal(slow.events[1]->type, RTPPROXY__EVENT_TYPE__EVENT_TYPE_OVERFLOW);
	assert_int_equal(slow.events[1]->dropped_events, 2);
	assert_int_equal(slow.events[2]->type, RTPPROXY__EVENT_TYPE__EVENT_TYPE_CLOSED);
	assert_int_equal(slow.events[2]->sequence, 3); /* numbering counts what it got */
	assert_int_equal(all.n, 4);

	rtpp_api_events_unsubscribe(evs, &all);
	rtpp_api_events_get_stats(evs, &st);
	assert_int_equal(st.subscribers, 2);
	/* The data plane builds an event's status snapshot only while someone
	 * listens: the handler goes with the last subscriber. */
	assert_true(rtpp_dataplane_test_has_event_handler(service_dp));
	rtpp_api_events_unsubscribe(evs, &one);
	assert_true(rtpp_dataplane_test_has_event_handler(service_dp));
	slow.gone = true; /* noticed at its next event, dropped at the tick */
	r = create_call("203.0.113.1:20020", "198.51.100.1:30020", "198.51.100.20:40000");
	free(id_call(rtpp_api_handle_destroy, created_id(&r)).reply);
	rtpp_api_events_tick(evs);
	rtpp_api_events_get_stats(evs, &st);
	assert_int_equal(st.subscribers, 0);
	assert_false(rtpp_dataplane_test_has_event_handler(service_dp));
	assert_int_equal(subscribe(evs, &all, 0, 0), RTPP_API_OK);
	assert_true(rtpp_dataplane_test_has_event_handler(service_dp));
	rtpp_api_events_destroy(evs);
	assert_false(rtpp_dataplane_test_has_event_handler(service_dp));
	sink_free(&all);
	sink_free(&one);
	sink_free(&slow);
	sink_free(&dead);
}

static void test_events_periodic_stats(void **state)
{
	struct rtpp_api_events *evs = rtpp_api_events_create(service_dp);
	struct sink k = { .capacity = 64 };

	(void)state;
	struct call_result r = create_call("203.0.113.1:20000", "198.51.100.1:30000",
					   "198.51.100.20:40000");
	created_id(&r);
	r = create_call("203.0.113.1:20010", "198.51.100.1:30010", "198.51.100.20:40000");
	created_id(&r);
	assert_int_equal(subscribe(evs, &k, 0, 100), RTPP_API_OK);
	rtpp_api_events_tick(evs);
	assert_int_equal(k.n, 0); /* not due yet */
	usleep(120 * 1000);
	rtpp_api_events_tick(evs);
	assert_int_equal(k.n, 2); /* one per live session */
	assert_int_equal(k.events[0]->type, RTPPROXY__EVENT_TYPE__EVENT_TYPE_STATS_UPDATE);
	assert_non_null(k.events[1]->status->a_to_b);
	rtpp_api_events_tick(evs);
	assert_int_equal(k.n, 2); /* and not again before the next interval */
	rtpp_api_events_destroy(evs);
	sink_free(&k);
}

/*
 * A statistics round goes out only while the subscriber's queue has fewer
 * than RTPP_API_STATS_BACKLOG messages waiting, over as many ticks as that
 * takes, and loses nothing; lifecycle events are not held back by it.
 */
static void test_events_stats_paced_by_the_queue(void **state)
{
	struct rtpp_api_events *evs = rtpp_api_events_create(service_dp);
	struct sink k = { .capacity = 64 };
	uint64_t ids[10];
	char l[32], f[32];

	(void)state;
	for (unsigned int i = 0; i < RTE_DIM(ids); i++) {
		snprintf(l, sizeof(l), "203.0.113.1:%u", 21000 + 2 * i);
		snprintf(f, sizeof(f), "198.51.100.1:%u", 31000 + 2 * i);
		struct call_result r = create_call(l, f, "198.51.100.20:40000");
		ids[i] = created_id(&r);
	}
	assert_int_equal(subscribe(evs, &k, 0, 100), RTPP_API_OK);
	usleep(120 * 1000);
	k.waiting = RTPP_API_STATS_BACKLOG - 3; /* the client is behind */
	rtpp_api_events_tick(evs);
	assert_int_equal(k.n, 3);
	rtpp_api_events_tick(evs); /* it reads nothing */
	assert_int_equal(k.n, 3);
	/* a lifecycle event still goes out at once */
	free(id_call(rtpp_api_handle_destroy, ids[9]).reply);
	assert_int_equal(k.n, 4);
	assert_int_equal(k.events[3]->type, RTPPROXY__EVENT_TYPE__EVENT_TYPE_CLOSED);
	k.waiting = 0; /* it caught up: the round goes on where it stopped */
	rtpp_api_events_tick(evs);
	assert_int_equal(k.n, 4 + 6);
	for (unsigned int i = 0; i < k.n; i++) {
		assert_int_equal(k.events[i]->sequence, i + 1);
		if (i != 3) {
			assert_int_equal(k.events[i]->type,
					 RTPPROXY__EVENT_TYPE__EVENT_TYPE_STATS_UPDATE);
			/* every update of a round carries the round's time */
			assert_int_equal(k.events[i]->unix_ms, k.events[0]->unix_ms);
		}
	}
	/* each live session once, the destroyed one not at all */
	for (unsigned int j = 0; j < 9; j++) {
		unsigned int seen = 0;

		for (unsigned int i = 0; i < k.n; i++)
			seen += i != 3 && k.events[i]->session_id == ids[j];
		assert_int_equal(seen, 1);
	}
	rtpp_api_events_tick(evs);
	assert_int_equal(k.n, 10); /* the next round waits for its interval */
	usleep(120 * 1000);
	rtpp_api_events_tick(evs);
	assert_int_equal(k.n, 19);
	for (unsigned int i = 0; i < 9; i++)
		free(id_call(rtpp_api_handle_destroy, ids[i]).reply);
	rtpp_api_events_destroy(evs);
	sink_free(&k);
}

int main(void)
{
	char err[RTPP_CONFIG_ERR_LEN];

	if (rtpp_test_eal_init(NULL) != 0 ||
	    rtpp_config_load_string(service_yaml, sizeof(service_yaml) - 1, "service.yaml",
				    &service_cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "setup: %s\n", err);
		return 1;
	}
	service_pool = rte_pktmbuf_pool_create("api_test", 512, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	for (int i = 0; i < 2; i++) {
		char name[32];
		struct rte_ring *ring;

		snprintf(name, sizeof(name), "api_ring%d", i);
		ring = rte_ring_create(name, 64, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
		int p = ring != NULL ? rte_eth_from_ring(ring) : -1;
		if (p < 0 || service_pool == NULL)
			return 1;
		service_ports[i] = (uint16_t)p;
	}

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_one_way_request),
		cmocka_unit_test(test_two_way_ipv6_and_allocation),
		cmocka_unit_test(test_missing_endpoints),
		cmocka_unit_test(test_bad_addresses_and_ports),
		cmocka_unit_test(test_family_mix),
		cmocka_unit_test(test_protocol_and_name),
		cmocka_unit_test(test_utf8_name_accepted),
		cmocka_unit_test(test_errno_to_status),
		cmocka_unit_test(test_messages_out),
		cmocka_unit_test(test_wire_round_trip),
		cmocka_unit_test(test_status_message),
		cmocka_unit_test(test_list_request),
		cmocka_unit_test(test_health),
		cmocka_unit_test_setup_teardown(test_media_requests_refused, service_setup,
						service_teardown),
		cmocka_unit_test_setup_teardown(test_tcp_without_relay, service_setup,
						service_teardown),
		cmocka_unit_test_setup_teardown(test_create_status_list_destroy, service_setup,
						service_teardown),
		cmocka_unit_test_setup_teardown(test_every_refusal_names_its_field, service_setup,
						service_teardown),
		cmocka_unit_test_setup_teardown(test_full_table_and_paging, service_setup,
						service_teardown),
		cmocka_unit_test(test_statistics_fields_cover_every_counter),
		cmocka_unit_test_setup_teardown(test_statistics_refusals, service_setup,
						service_teardown),
		cmocka_unit_test_setup_teardown(test_statistics_answer, service_setup,
						service_teardown),
		cmocka_unit_test_setup_teardown(test_port_allocation, service_setup, service_teardown),
		cmocka_unit_test_setup_teardown(test_create_destroy_leaves_ranges_as_they_began,
						service_setup, service_teardown),
		cmocka_unit_test_setup_teardown(test_policy_refuses_remotes_outside, policy_setup,
						policy_teardown),
		cmocka_unit_test_setup_teardown(test_events_fan_out, service_setup, service_teardown),
		cmocka_unit_test_setup_teardown(test_events_stats_paced_by_the_queue, service_setup,
						service_teardown),
		cmocka_unit_test_setup_teardown(test_events_periodic_stats, service_setup,
						service_teardown),
	};
	int failed = cmocka_run_group_tests_name("api", tests, NULL, NULL);

	rtpp_config_free(service_cfg);
	rte_eal_cleanup();
	return failed;
}
