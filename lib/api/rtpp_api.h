/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Between the API's protobuf-c messages (proto/rtpproxy.proto) and the data
 * plane: validation of requests with messages that name the field, mapping
 * of data-plane errors to gRPC status codes, and counters into messages.
 * No gRPC here, so all of it is tested without a server.
 */
#ifndef RTPP_API_H
#define RTPP_API_H

#include <stddef.h>

#include "rtpproxy.pb-c.h"
#include "rtpp_dataplane.h"
#include "rtpp_stats.h"

/* gRPC status codes (the values of grpc_status_code). */
enum rtpp_api_status {
	RTPP_API_OK = 0,
	RTPP_API_INVALID_ARGUMENT = 3,
	RTPP_API_NOT_FOUND = 5,
	RTPP_API_ALREADY_EXISTS = 6,
	RTPP_API_PERMISSION_DENIED = 7,
	RTPP_API_RESOURCE_EXHAUSTED = 8,
	RTPP_API_FAILED_PRECONDITION = 9,
	RTPP_API_UNIMPLEMENTED = 12,
	RTPP_API_INTERNAL = 13,
};

/*
 * Validate a CreateSessionRequest and turn it into a data-plane request.
 * name_buf (RTPP_SESSION_NAME_MAX, rtpp_session_types.h) receives the name; out->name points into
 * it. Returns RTPP_API_OK, or a status with one line in err naming the field
 * ("destination.port: 70000 is not 1..65535").
 */
enum rtpp_api_status rtpp_api_parse_create(const Rtpproxy__CreateSessionRequest *req,
					   struct rtpp_session_request *out, char *name_buf,
					   char *err, size_t errlen);

/* The status for a negative errno from rtpp_dataplane_session_create/destroy. */
enum rtpp_api_status rtpp_api_status_from_errno(int negative_errno);

/*
 * Fill an Endpoint message; addr_buf (RTPP_ADDR_STRLEN) holds the address
 * string the message points to. An unknown endpoint becomes address "".
 */
void rtpp_api_endpoint_to_pb(const struct rtpp_endpoint *e, Rtpproxy__Endpoint *pb,
			     char *addr_buf);

/* Counters of one flow into a FlowStatistics message (last_rx given in Unix ms). */
void rtpp_api_flow_to_pb(const struct rtpp_flow_stats *c, uint64_t last_packet_unix_ms,
			 Rtpproxy__FlowStatistics *pb);
/* Add what RTCP says of the flow's receiver (round trips, its reports). */
void rtpp_api_receiver_to_pb(const struct rtpp_leg_quality *q, Rtpproxy__FlowStatistics *pb);

/* A SessionStatus message with the storage its sub-messages and strings point into. */
struct rtpp_api_status_msg {
	Rtpproxy__SessionStatus status;
	Rtpproxy__Endpoint endpoints[4];
	char addrs[4][RTPP_ADDR_STRLEN];
	Rtpproxy__FlowStatistics flows[4];
	char name[RTPP_SESSION_NAME_MAX];
	Rtpproxy__LegState legs[RTPP_LEGS_PER_SESSION];
	char expected[RTPP_LEGS_PER_SESSION][RTPP_ADDR_STRLEN];
	Rtpproxy__MediaOptions media;
	char error[128];
};
void rtpp_api_status_to_pb(const struct rtpp_session_status *s, struct rtpp_api_status_msg *m);
/* Media rules in force (every field set). */
void rtpp_api_media_to_pb(const struct rtpp_media_options *o, Rtpproxy__MediaOptions *pb);
/* The fields a request sets (pb may be NULL: none). */
void rtpp_api_parse_media(const Rtpproxy__MediaOptions *pb, struct rtpp_media_override *out);
/* UpdateSessionRequest into an update; INVALID_ARGUMENT naming the field. */
enum rtpp_api_status rtpp_api_parse_update(const Rtpproxy__UpdateSessionRequest *req,
					   struct rtpp_session_update *out, char *err, size_t errlen);

/* Paging limits of ListSessions. */
#define RTPP_API_PAGE_DEFAULT 100
#define RTPP_API_PAGE_MAX 1000

/*
 * ListSessionsRequest into a filter, a cursor (from page_token) and a page
 * size. The interface filter is resolved against dp's interfaces.
 */
enum rtpp_api_status rtpp_api_parse_list(const Rtpproxy__ListSessionsRequest *req,
					 const struct rtpp_dataplane *dp,
					 struct rtpp_session_filter *filter, uint32_t *cursor,
					 unsigned int *page_size, char *err, size_t errlen);
/* The page_token that resumes at cursor ("" when cursor says the end). */
void rtpp_api_page_token(uint32_t cursor, char *buf, size_t len);

/*
 * The unary methods over serialized messages. Each returns a gRPC status;
 * on OK *reply is a malloc'd encoded response (the caller frees it), else msg
 * says why, naming the field.
 */
int rtpp_api_handle_create(struct rtpp_dataplane *dp, const uint8_t *req, size_t len,
			   uint8_t **reply, size_t *reply_len, char *msg, size_t msglen);
int rtpp_api_handle_destroy(struct rtpp_dataplane *dp, const uint8_t *req, size_t len,
			    uint8_t **reply, size_t *reply_len, char *msg, size_t msglen);
int rtpp_api_handle_status(struct rtpp_dataplane *dp, const uint8_t *req, size_t len,
			   uint8_t **reply, size_t *reply_len, char *msg, size_t msglen);
int rtpp_api_handle_update(struct rtpp_dataplane *dp, const uint8_t *req, size_t len,
			   uint8_t **reply, size_t *reply_len, char *msg, size_t msglen);
int rtpp_api_handle_list(struct rtpp_dataplane *dp, const uint8_t *req, size_t len,
			 uint8_t **reply, size_t *reply_len, char *msg, size_t msglen);
/* GetStatistics: INVALID_ARGUMENT for bytes that are no request or an unknown interface. */
int rtpp_api_handle_statistics(struct rtpp_dataplane *dp, const uint8_t *req, size_t len,
			       uint8_t **reply, size_t *reply_len, char *msg, size_t msglen);

/*
 * grpc.health.v1.Health/Check (and the first answer of Watch): SERVING for
 * "" and "rtpproxy.RtpProxy", NOT_FOUND for other services.
 */
int rtpp_api_health(const uint8_t *req, size_t len, uint8_t **reply, size_t *reply_len,
		    char *msg, size_t msglen);

/*
 * gRPC server reflection, one ServerReflectionRequest of a
 * ServerReflectionInfo stream (grpc.reflection.v1 or v1alpha: the same
 * bytes) into one ServerReflectionResponse: list_services, the
 * FileDescriptorProtos (and their imports) of a file by name or of the file
 * declaring a fully qualified symbol ("rtpproxy.RtpProxy.CreateSession").
 * What is not there is answered in error_response (NOT_FOUND), still OK;
 * only bytes that are not a request give INVALID_ARGUMENT.
 */
int rtpp_api_reflection(const uint8_t *req, size_t len, uint8_t **reply, size_t *reply_len,
			char *msg, size_t msglen);

/*
 * StreamSessionEvents fan-out. A subscriber is a sink and a send function
 * that never blocks: 0 queued, -ENOBUFS full (the event is lost, counted and
 * reported later with an OVERFLOW event), -EPIPE gone (the subscriber is
 * dropped). Everything runs on the main lcore (the data plane's thread for
 * events), as does the transport's poll loop.
 */
typedef int (*rtpp_api_send_fn)(void *sink, const uint8_t *msg, size_t len);
/* Messages the sink holds that its client has not taken yet. */
typedef unsigned int (*rtpp_api_queued_fn)(void *sink);
/* Statistics are queued only while fewer messages than this wait in a
 * subscriber's queue: the rest of the queue stays for lifecycle events. */
#define RTPP_API_STATS_BACKLOG 64
struct rtpp_api_events;
struct rtpp_api_events_stats {
	uint64_t sent;
	uint64_t dropped;
	unsigned int subscribers;
};
struct rtpp_api_events *rtpp_api_events_create(struct rtpp_dataplane *dp);
void rtpp_api_events_destroy(struct rtpp_api_events *evs);
/* Add a subscriber for a StreamSessionEventsRequest; a gRPC status as for the handlers. */
int rtpp_api_events_subscribe(struct rtpp_api_events *evs, void *sink, rtpp_api_send_fn send,
			      rtpp_api_queued_fn queued, const uint8_t *req, size_t len, char *msg,
			      size_t msglen);
void rtpp_api_events_unsubscribe(struct rtpp_api_events *evs, void *sink);
/*
 * One more receiver of every session event, before the subscribers (the
 * audit trail's expiries); NULL: none. fn runs on the main lcore with the
 * data plane's lock held: it must not call the data plane. Not from inside
 * an event.
 */
void rtpp_api_events_set_listener(struct rtpp_api_events *evs, rtpp_session_event_fn fn, void *ctx);
/* Periodic statistics, paced by each subscriber's queue; call often (every
 * poll of the main loop). */
void rtpp_api_events_tick(struct rtpp_api_events *evs);
void rtpp_api_events_get_stats(const struct rtpp_api_events *evs, struct rtpp_api_events_stats *out);

#endif
