/* SPDX-License-Identifier: BSD-3-Clause */
#include "rtpp_api.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtpp_text.h"

#define FAIL(code, ...) (snprintf(err, errlen, __VA_ARGS__), (code))

/*
 * One endpoint field. Local endpoints may ask for allocation (port 0);
 * remotes need a real port. An absent optional endpoint stays unset.
 */
static enum rtpp_api_status parse_endpoint(const char *field, const Rtpproxy__Endpoint *pb,
					   bool required, bool port_zero_ok,
					   struct rtpp_endpoint *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (pb == NULL || pb->address == NULL || pb->address[0] == '\0') {
		if (required)
			return FAIL(RTPP_API_INVALID_ARGUMENT, "%s: required", field);
		if (pb != NULL && pb->port != 0)
			return FAIL(RTPP_API_INVALID_ARGUMENT, "%s.address: required with a port",
				    field);
		return RTPP_API_OK;
	}
	if (rtpp_addr_parse(pb->address, &out->addr) != 0)
		return FAIL(RTPP_API_INVALID_ARGUMENT,
			    "%s.address: \"%.64s\" is not an IPv4 or IPv6 address", field, pb->address);
	if (pb->port > 65535 || (!port_zero_ok && pb->port == 0))
		return FAIL(RTPP_API_INVALID_ARGUMENT, "%s.port: %u is not %u..65535", field,
			    pb->port, port_zero_ok ? 0u : 1u);
	out->port = (uint16_t)pb->port;
	return RTPP_API_OK;
}

static enum rtpp_api_status parse_name(const char *name, char *name_buf, char *err, size_t errlen)
{
	size_t len = name != NULL ? strlen(name) : 0;

	name_buf[0] = '\0';
	if (len == 0)
		return RTPP_API_OK;
	if (len >= RTPP_SESSION_NAME_MAX)
		return FAIL(RTPP_API_INVALID_ARGUMENT, "name: %zu characters, at most %d", len,
			    RTPP_SESSION_NAME_MAX - 1);
	size_t bad = rtpp_text_name_invalid_at(name, len);

	if (bad != len)
		return FAIL(RTPP_API_INVALID_ARGUMENT,
			    "name: byte %zu (0x%02x) is not UTF-8 text without spaces or control "
			    "characters",
			    bad, (unsigned char)name[bad]);
	memcpy(name_buf, name, len + 1);
	return RTPP_API_OK;
}

/* An optional address (no port); "" or NULL: none. */
static enum rtpp_api_status parse_address(const char *field, const char *text,
					  struct rtpp_addr *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (text == NULL || text[0] == '\0')
		return RTPP_API_OK;
	if (rtpp_addr_parse(text, out) != 0)
		return FAIL(RTPP_API_INVALID_ARGUMENT,
			    "%s: \"%.64s\" is not an IPv4 or IPv6 address", field, text);
	return RTPP_API_OK;
}

void rtpp_api_parse_media(const Rtpproxy__MediaOptions *pb, struct rtpp_media_override *out)
{
	memset(out, 0, sizeof(*out));
	if (pb == NULL)
		return;
/* Each rule is a one-field oneof: its case is set when the client gave it. */
#define TAKE(flag, field)                         \
	do {                                      \
		if (pb->field##_set_case != 0) {  \
			out->set |= (flag);       \
			out->v.field = pb->field; \
		}                                 \
	} while (0)
	TAKE(RTPP_MEDIA_STRICT_SOURCE, strict_source);
	TAKE(RTPP_MEDIA_RELAY_UNRECOGNISED, relay_unrecognised);
	TAKE(RTPP_MEDIA_LEARNING_WINDOW, learning_window_ms);
	TAKE(RTPP_MEDIA_RELATCH_SILENCE, relatch_silence_ms);
	TAKE(RTPP_MEDIA_INACTIVITY_TIMEOUT, inactivity_timeout_s);
	TAKE(RTPP_MEDIA_FIRST_MEDIA_TIMEOUT, first_media_timeout_s);
	TAKE(RTPP_MEDIA_MAX_LIFETIME, max_lifetime_s);
	TAKE(RTPP_MEDIA_RATE_LIMIT_PPS, rate_limit_pps);
	TAKE(RTPP_MEDIA_RATE_LIMIT_BPS, rate_limit_bps);
	TAKE(RTPP_MEDIA_CLOCK_RATE, clock_rate);
#undef TAKE
}

enum rtpp_api_status rtpp_api_parse_create(const Rtpproxy__CreateSessionRequest *req,
					   struct rtpp_session_request *out, char *name_buf,
					   char *err, size_t errlen)
{
	enum rtpp_api_status st;

	memset(out, 0, sizeof(*out));
	if (req->protocol != RTPPROXY__PROTOCOL__PROTOCOL_UDP &&
	    req->protocol != RTPPROXY__PROTOCOL__PROTOCOL_TCP)
		return FAIL(RTPP_API_INVALID_ARGUMENT, "protocol: unknown value %d", (int)req->protocol);
	const bool tcp = req->protocol == RTPPROXY__PROTOCOL__PROTOCOL_TCP;

	out->protocol = tcp ? RTPP_PROTO_TCP : RTPP_PROTO_UDP;
	if (req->rfc4571 && !tcp)
		return FAIL(RTPP_API_INVALID_ARGUMENT,
			    "rfc4571: framing over TCP, for TCP sessions only");
	out->rfc4571 = req->rfc4571;
	if ((st = parse_endpoint("listen", req->listen, true, true, &out->listen, err, errlen)) ||
	    (st = parse_endpoint("forward", req->forward, true, true, &out->forward, err, errlen)) ||
	    (st = parse_endpoint("destination", req->destination, true, false, &out->destination,
				 err, errlen)) ||
	    /* TCP: who may connect, its port often ephemeral (0: any port) */
	    (st = parse_endpoint("source", req->source, false, tcp, &out->source, err, errlen)) ||
	    (st = parse_name(req->name, name_buf, err, errlen)))
		return st;
	if (out->destination.addr.family != out->forward.addr.family)
		return FAIL(RTPP_API_INVALID_ARGUMENT,
			    "destination.address: %s family differs from forward's (%s)",
			    out->destination.addr.family == RTPP_AF_INET ? "IPv4" : "IPv6",
			    out->forward.addr.family == RTPP_AF_INET ? "IPv4" : "IPv6");
	if (rtpp_addr_is_set(&out->source.addr) &&
	    out->source.addr.family != out->listen.addr.family)
		return FAIL(RTPP_API_INVALID_ARGUMENT, "source.address: family differs from listen's");
	out->rtcp = !req->disable_rtcp && !tcp; /* RFC 4571: RTCP shares the connection */
	if (tcp) {
		/* Who connects is known when it connects: nothing to learn, nothing to meter. */
		if (req->source_expected_address != NULL && req->source_expected_address[0] != '\0')
			return FAIL(RTPP_API_INVALID_ARGUMENT,
				    "source_expected_address: not for TCP sessions (give source to "
				    "restrict who may connect)");
		if (req->media != NULL && (req->media->rate_limit_pps_set_case != 0 ||
					   req->media->rate_limit_bps_set_case != 0))
			return FAIL(RTPP_API_INVALID_ARGUMENT,
				    "media.rate_limit: not for TCP sessions (TCP paces itself)");
	}
	if (out->rtcp && (out->destination.port == 65535 || out->source.port == 65535))
		return FAIL(RTPP_API_INVALID_ARGUMENT,
			    "%s.port: 65535 leaves no port+1 for RTCP (set disable_rtcp)",
			    out->destination.port == 65535 ? "destination" : "source");
	st = parse_address("source_expected_address", req->source_expected_address,
			   &out->expected[RTPP_LEG_A], err, errlen);
	if (st != RTPP_API_OK)
		return st;
	if (out->expected[RTPP_LEG_A].family != RTPP_AF_NONE &&
	    out->expected[RTPP_LEG_A].family != out->listen.addr.family)
		return FAIL(RTPP_API_INVALID_ARGUMENT,
			    "source_expected_address: family differs from listen's");
	rtpp_api_parse_media(req->media, &out->media);
	out->name = name_buf[0] != '\0' ? name_buf : NULL;
	out->is_static = false;
	return RTPP_API_OK;
}

static enum rtpp_api_status parse_leg_update(const char *field, const Rtpproxy__LegUpdate *pb,
					     struct rtpp_leg_update *out, char *err, size_t errlen)
{
	char sub[48];
	enum rtpp_api_status st;

	memset(out, 0, sizeof(*out));
	if (pb == NULL)
		return RTPP_API_OK;
	if (pb->remote != NULL) {
		snprintf(sub, sizeof(sub), "%s.remote", field);
		st = parse_endpoint(sub, pb->remote, true, false, &out->remote, err, errlen);
		if (st != RTPP_API_OK)
			return st;
		out->set_remote = true;
	}
	if (pb->expected_address_set_case != 0) {
		snprintf(sub, sizeof(sub), "%s.expected_address", field);
		st = parse_address(sub, pb->expected_address, &out->expected, err, errlen);
		if (st != RTPP_API_OK)
			return st;
		out->set_expected = true;
	}
	out->relearn = pb->relearn;
	if (pb->paused_set_case != 0) {
		out->set_paused = true;
		out->paused = pb->paused;
	}
	return RTPP_API_OK;
}

enum rtpp_api_status rtpp_api_parse_update(const Rtpproxy__UpdateSessionRequest *req,
					   struct rtpp_session_update *out, char *err, size_t errlen)
{
	enum rtpp_api_status st;

	memset(out, 0, sizeof(*out));
	out->id = req->session_id;
	if ((st = parse_leg_update("leg_a", req->leg_a, &out->leg[RTPP_LEG_A], err, errlen)) ||
	    (st = parse_leg_update("leg_b", req->leg_b, &out->leg[RTPP_LEG_B], err, errlen)))
		return st;
	rtpp_api_parse_media(req->media, &out->media);
	return RTPP_API_OK;
}

enum rtpp_api_status rtpp_api_status_from_errno(int negative_errno)
{
	switch (-negative_errno) {
	case 0: return RTPP_API_OK;
	case EINVAL:
	case EADDRNOTAVAIL: return RTPP_API_INVALID_ARGUMENT;
	case ENOENT: return RTPP_API_NOT_FOUND;
	case EEXIST: return RTPP_API_ALREADY_EXISTS;
	case EPERM:
	case EACCES: return RTPP_API_PERMISSION_DENIED;
	case ENOSPC: return RTPP_API_RESOURCE_EXHAUSTED;
	case ENETUNREACH: return RTPP_API_FAILED_PRECONDITION;
	case EPROTONOSUPPORT:
		return RTPP_API_UNIMPLEMENTED;
	default: return RTPP_API_INTERNAL;
	}
}

void rtpp_api_endpoint_to_pb(const struct rtpp_endpoint *e, Rtpproxy__Endpoint *pb,
			     char *addr_buf)
{
	rtpproxy__endpoint__init(pb);
	addr_buf[0] = '\0';
	if (rtpp_addr_is_set(&e->addr)) {
		rtpp_addr_format(&e->addr, addr_buf, RTPP_ADDR_STRLEN);
		pb->port = e->port;
	}
	pb->address = addr_buf;
}

void rtpp_api_flow_to_pb(const struct rtpp_flow_stats *c, uint64_t last_packet_unix_ms,
			 Rtpproxy__FlowStatistics *pb)
{
	rtpproxy__flow_statistics__init(pb);
	pb->packets_received = c->rx_packets;
	pb->bytes_received = c->rx_bytes;
	pb->packets_sent = c->tx_packets;
	pb->bytes_sent = c->tx_bytes;
	pb->dropped_no_remote = c->drop_no_remote;
	pb->dropped_no_neighbour = c->drop_no_neighbour;
	pb->dropped_tx_full = c->drop_tx_full;
	pb->packets_lost = c->rtp_lost;
	if (c->rtp_lost > 0)
		pb->loss_rate = (double)c->rtp_lost / (double)(c->rx_packets + c->rtp_lost);
	pb->last_packet_unix_ms = last_packet_unix_ms;
	pb->dropped_foreign_source = c->drop_foreign_source;
	pb->dropped_not_media = c->drop_not_media;
	pb->dropped_malformed = c->drop_malformed;
	pb->dropped_rate_limit = c->drop_rate_limit;
	pb->dropped_paused = c->drop_paused;
	pb->stun_dtls_packets = c->stun_dtls;
	pb->jitter_ms = c->jitter_ms;
	pb->ssrc_changes = c->ssrc_changes;
	pb->tcp_segments_received = c->tcp_segments_in;
	pb->tcp_segments_sent = c->tcp_segments_out;
}

/* What RTCP says about a flow's receiver: the remote of the leg it leaves by. */
void rtpp_api_receiver_to_pb(const struct rtpp_leg_quality *q, Rtpproxy__FlowStatistics *pb)
{
	pb->rtt_samples = q->rtt_samples;
	pb->rtt_ms = q->rtt_avg_ms;
	pb->last_rtt_ms = q->rtt_last_ms;
	pb->avg_latency_ms = q->rtt_avg_ms / 2.0;
	pb->has_receiver_report = q->has_report;
	pb->receiver_cumulative_lost = q->reported_cumulative_lost;
	pb->receiver_fraction_lost = q->reported_fraction_lost;
}

void rtpp_api_status_to_pb(const struct rtpp_session_status *s, struct rtpp_api_status_msg *m)
{
	const struct rtpp_endpoint *eps[4] = { &s->listen, &s->source, &s->forward, &s->destination };
	Rtpproxy__FlowStatistics **flows[4];
	Rtpproxy__SessionStatus *st = &m->status;

	rtpproxy__session_status__init(st);
	for (unsigned int i = 0; i < 4; i++)
		rtpp_api_endpoint_to_pb(eps[i], &m->endpoints[i], m->addrs[i]);
	st->session_id = s->id;
	snprintf(m->name, sizeof(m->name), "%s", s->name);
	st->name = m->name;
	/* The data plane's states are numbered like the API's. */
	st->state = (Rtpproxy__SessionState)s->state;
	st->protocol = s->protocol == RTPP_PROTO_TCP ? RTPPROXY__PROTOCOL__PROTOCOL_TCP :
						       RTPPROXY__PROTOCOL__PROTOCOL_UDP;
	st->connections_refused = s->connections_refused;
	st->rfc4571 = s->rfc4571;
	st->listen = &m->endpoints[0];
	st->source = &m->endpoints[1];
	st->forward = &m->endpoints[2];
	st->destination = &m->endpoints[3];
	st->rtcp = s->rtcp;
	st->created_unix_ms = s->created_unix_ms;
	st->is_static = s->is_static;
	flows[RTPP_FLOW_A_TO_B] = &st->a_to_b;
	flows[RTPP_FLOW_RTCP_A_TO_B] = &st->rtcp_a_to_b;
	flows[RTPP_FLOW_B_TO_A] = &st->b_to_a;
	flows[RTPP_FLOW_RTCP_B_TO_A] = &st->rtcp_b_to_a;
	for (unsigned int f = 0; f < 4; f++) {
		rtpp_api_flow_to_pb(&s->flows[f], s->last_rx_unix_ms[f], &m->flows[f]);
		*flows[f] = &m->flows[f];
	}
	/* RTP from A is received by B's remote, and the other way round. */
	rtpp_api_receiver_to_pb(&s->legs[RTPP_LEG_B], &m->flows[RTPP_FLOW_A_TO_B]);
	rtpp_api_receiver_to_pb(&s->legs[RTPP_LEG_A], &m->flows[RTPP_FLOW_B_TO_A]);
	snprintf(m->error, sizeof(m->error), "%s", s->error);
	st->error = m->error;
	for (unsigned int l = 0; l < RTPP_LEGS_PER_SESSION; l++) {
		const struct rtpp_leg_state *ls = &s->leg_state[l];
		Rtpproxy__LegState *pb = &m->legs[l];

		rtpproxy__leg_state__init(pb);
		pb->learning = (Rtpproxy__Learning)ls->learning;
		m->expected[l][0] = '\0';
		if (ls->expected.family != RTPP_AF_NONE)
			rtpp_addr_format(&ls->expected, m->expected[l], sizeof(m->expected[l]));
		pb->expected_address = m->expected[l];
		pb->paused = ls->paused;
		pb->rtcp_port = ls->rtcp_port;
		pb->latched_ssrc = ls->ssrc;
		pb->relatches = ls->relatches;
		pb->latched_unix_ms = ls->latched_unix_ms;
	}
	st->leg_a = &m->legs[RTPP_LEG_A];
	st->leg_b = &m->legs[RTPP_LEG_B];
	rtpp_api_media_to_pb(&s->media, &m->media);
	st->media = &m->media;
	st->close_reason = (Rtpproxy__CloseReason)s->close_reason;
}

void rtpp_api_media_to_pb(const struct rtpp_media_options *o, Rtpproxy__MediaOptions *pb)
{
	rtpproxy__media_options__init(pb);
#define GIVE(field, FIELD)                                                             \
	do {                                                                           \
		pb->field##_set_case = RTPPROXY__MEDIA_OPTIONS__##FIELD##_SET_##FIELD; \
		pb->field = o->field;                                                  \
	} while (0)
	GIVE(strict_source, STRICT_SOURCE);
	GIVE(relay_unrecognised, RELAY_UNRECOGNISED);
	GIVE(learning_window_ms, LEARNING_WINDOW_MS);
	GIVE(relatch_silence_ms, RELATCH_SILENCE_MS);
	GIVE(inactivity_timeout_s, INACTIVITY_TIMEOUT_S);
	GIVE(first_media_timeout_s, FIRST_MEDIA_TIMEOUT_S);
	GIVE(max_lifetime_s, MAX_LIFETIME_S);
	GIVE(rate_limit_pps, RATE_LIMIT_PPS);
	GIVE(rate_limit_bps, RATE_LIMIT_BPS);
	GIVE(clock_rate, CLOCK_RATE);
#undef GIVE
}

enum rtpp_api_status rtpp_api_parse_list(const Rtpproxy__ListSessionsRequest *req,
					 const struct rtpp_dataplane *dp,
					 struct rtpp_session_filter *filter, uint32_t *cursor,
					 unsigned int *page_size, char *err, size_t errlen)
{
	filter->state = RTPP_SESSION_FREE;
	filter->iface = -1;
	filter->none = false;
	filter->protocol = 0;
	if ((unsigned int)req->state > RTPPROXY__SESSION_STATE__SESSION_STATE_CLOSED)
		return FAIL(RTPP_API_INVALID_ARGUMENT, "state: unknown value %d", (int)req->state);
	filter->state = (enum rtpp_session_state)req->state;
	if (req->filter_protocol && req->protocol != RTPPROXY__PROTOCOL__PROTOCOL_UDP &&
	    req->protocol != RTPPROXY__PROTOCOL__PROTOCOL_TCP)
		return FAIL(RTPP_API_INVALID_ARGUMENT, "protocol: unknown value %d", (int)req->protocol);
	if (req->filter_protocol)
		filter->protocol = req->protocol == RTPPROXY__PROTOCOL__PROTOCOL_TCP ?
					   RTPP_PROTO_TCP :
					   RTPP_PROTO_UDP;
	if (req->interface != NULL && req->interface[0] != '\0') {
		filter->iface = rtpp_dataplane_iface_index(dp, req->interface);
		if (filter->iface < 0)
			return FAIL(RTPP_API_INVALID_ARGUMENT, "interface: no interface called \"%.32s\"",
				    req->interface);
	}
	if (req->page_size > RTPP_API_PAGE_MAX)
		return FAIL(RTPP_API_INVALID_ARGUMENT, "page_size: %u, at most %d", req->page_size,
			    RTPP_API_PAGE_MAX);
	*page_size = req->page_size ? req->page_size : RTPP_API_PAGE_DEFAULT;
	*cursor = 0;
	if (req->page_token != NULL && req->page_token[0] != '\0') {
		char *end;
		unsigned long v = strtoul(req->page_token, &end, 10);

		if (*end != '\0' || req->page_token[0] < '0' || req->page_token[0] > '9' ||
		    v >= UINT32_MAX)
			return FAIL(RTPP_API_INVALID_ARGUMENT,
				    "page_token: \"%.32s\" is not a token this server gave",
				    req->page_token);
		*cursor = (uint32_t)v;
	}
	return RTPP_API_OK;
}

void rtpp_api_page_token(uint32_t cursor, char *buf, size_t len)
{
	if (cursor == UINT32_MAX)
		buf[0] = '\0';
	else
		snprintf(buf, len, "%u", cursor);
}
