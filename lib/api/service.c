/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The unary methods of rtpproxy.RtpProxy over serialized messages: decode,
 * validate, apply to the data plane, encode. The transport (gRPC) only moves
 * bytes and the status these return.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "rtpp_api.h"

#define FAIL(code, ...) (snprintf(msg, msglen, __VA_ARGS__), (code))

/* Pack a message into a malloc'd buffer the transport frees. */
#define PACK(type, m, reply, reply_len)                                              \
	({                                                                           \
		size_t n_ = rtpproxy__##type##__get_packed_size(m);                  \
		uint8_t *b_ = malloc(n_ ? n_ : 1);                                   \
		int rc_ = RTPP_API_INTERNAL;                                         \
		if (b_ != NULL) {                                                    \
			rtpproxy__##type##__pack(m, b_);                             \
			*(reply) = b_;                                               \
			*(reply_len) = n_;                                           \
			rc_ = RTPP_API_OK;                                           \
		}                                                                    \
		rc_;                                                                 \
	})

int rtpp_api_handle_create(struct rtpp_dataplane *dp, const uint8_t *req, size_t len,
			   uint8_t **reply, size_t *reply_len, char *msg, size_t msglen)
{
	Rtpproxy__CreateSessionRequest *r = rtpproxy__create_session_request__unpack(NULL, len, req);
	struct rtpp_session_request sr;
	struct rtpp_session_status st;
	char name[RTPP_SESSION_NAME_MAX];
	uint64_t id;
	int rc;

	if (r == NULL)
		return FAIL(RTPP_API_INVALID_ARGUMENT, "request: not a CreateSessionRequest");
	rc = rtpp_api_parse_create(r, &sr, name, msg, msglen);
	if (rc == RTPP_API_OK) {
		int err = rtpp_dataplane_session_create(dp, &sr, &id, msg, msglen);

		rc = rtpp_api_status_from_errno(err);
	}
	rtpproxy__create_session_request__free_unpacked(r, NULL);
	if (rc != RTPP_API_OK)
		return rc;

	Rtpproxy__CreateSessionResponse resp = RTPPROXY__CREATE_SESSION_RESPONSE__INIT;
	Rtpproxy__Endpoint listen, forward;
	char listen_addr[RTPP_ADDR_STRLEN], forward_addr[RTPP_ADDR_STRLEN];

	resp.session_id = id;
	if (rtpp_dataplane_session_status(dp, id, &st) == 0) {
		rtpp_api_endpoint_to_pb(&st.listen, &listen, listen_addr);
		rtpp_api_endpoint_to_pb(&st.forward, &forward, forward_addr);
		resp.listen = &listen;
		resp.forward = &forward;
	}
	return PACK(create_session_response, &resp, reply, reply_len);
}

int rtpp_api_handle_destroy(struct rtpp_dataplane *dp, const uint8_t *req, size_t len,
			    uint8_t **reply, size_t *reply_len, char *msg, size_t msglen)
{
	Rtpproxy__DestroySessionRequest *r = rtpproxy__destroy_session_request__unpack(NULL, len, req);
	struct rtpp_session_status st;
	struct rtpp_api_status_msg m;

	if (r == NULL)
		return FAIL(RTPP_API_INVALID_ARGUMENT, "request: not a DestroySessionRequest");
	uint64_t id = r->session_id;
	rtpproxy__destroy_session_request__free_unpacked(r, NULL);
	/* The counters as they were when the session went. */
	if (rtpp_dataplane_session_destroy(dp, id, &st) != 0)
		return FAIL(RTPP_API_NOT_FOUND, "session_id: no session %" PRIu64, id);
	st.state = RTPP_SESSION_CLOSED;
	rtpp_api_status_to_pb(&st, &m);
	Rtpproxy__DestroySessionResponse resp = RTPPROXY__DESTROY_SESSION_RESPONSE__INIT;
	resp.final_status = &m.status;
	return PACK(destroy_session_response, &resp, reply, reply_len);
}

int rtpp_api_handle_update(struct rtpp_dataplane *dp, const uint8_t *req, size_t len,
			   uint8_t **reply, size_t *reply_len, char *msg, size_t msglen)
{
	Rtpproxy__UpdateSessionRequest *r = rtpproxy__update_session_request__unpack(NULL, len, req);
	struct rtpp_session_update u;
	struct rtpp_session_status st;
	struct rtpp_api_status_msg m;
	int rc;

	if (r == NULL)
		return FAIL(RTPP_API_INVALID_ARGUMENT, "request: not an UpdateSessionRequest");
	rc = rtpp_api_parse_update(r, &u, msg, msglen);
	rtpproxy__update_session_request__free_unpacked(r, NULL);
	if (rc != RTPP_API_OK)
		return rc;
	rc = rtpp_api_status_from_errno(rtpp_dataplane_session_update(dp, &u, &st, msg, msglen));
	if (rc != RTPP_API_OK)
		return rc;
	rtpp_api_status_to_pb(&st, &m);
	Rtpproxy__UpdateSessionResponse resp = RTPPROXY__UPDATE_SESSION_RESPONSE__INIT;
	resp.status = &m.status;
	return PACK(update_session_response, &resp, reply, reply_len);
}

int rtpp_api_handle_status(struct rtpp_dataplane *dp, const uint8_t *req, size_t len,
			   uint8_t **reply, size_t *reply_len, char *msg, size_t msglen)
{
	Rtpproxy__GetSessionStatusRequest *r =
		rtpproxy__get_session_status_request__unpack(NULL, len, req);
	struct rtpp_session_status st;
	struct rtpp_api_status_msg m;

	if (r == NULL)
		return FAIL(RTPP_API_INVALID_ARGUMENT, "request: not a GetSessionStatusRequest");
	uint64_t id = r->session_id;
	rtpproxy__get_session_status_request__free_unpacked(r, NULL);
	if (rtpp_dataplane_session_status(dp, id, &st) != 0)
		return FAIL(RTPP_API_NOT_FOUND, "session_id: no session %" PRIu64, id);
	rtpp_api_status_to_pb(&st, &m);
	return PACK(session_status, &m.status, reply, reply_len);
}

int rtpp_api_handle_list(struct rtpp_dataplane *dp, const uint8_t *req, size_t len,
			 uint8_t **reply, size_t *reply_len, char *msg, size_t msglen)
{
	Rtpproxy__ListSessionsRequest *r = rtpproxy__list_sessions_request__unpack(NULL, len, req);
	struct rtpp_session_filter filter;
	unsigned int page_size, n;
	uint32_t cursor;
	int rc;

	if (r == NULL)
		return FAIL(RTPP_API_INVALID_ARGUMENT, "request: not a ListSessionsRequest");
	rc = rtpp_api_parse_list(r, dp, &filter, &cursor, &page_size, msg, msglen);
	rtpproxy__list_sessions_request__free_unpacked(r, NULL);
	if (rc != RTPP_API_OK)
		return rc;

	struct rtpp_session_status *st = calloc(page_size, sizeof(*st));
	struct rtpp_api_status_msg *m = calloc(page_size, sizeof(*m));
	Rtpproxy__SessionStatus **list = calloc(page_size, sizeof(*list));
	char token[16];

	if (st == NULL || m == NULL || list == NULL) {
		rc = FAIL(RTPP_API_RESOURCE_EXHAUSTED, "page_size: no memory for %u sessions",
			  page_size);
		goto out;
	}
	n = rtpp_dataplane_session_list(dp, &filter, &cursor, st, page_size);
	for (unsigned int i = 0; i < n; i++) {
		rtpp_api_status_to_pb(&st[i], &m[i]);
		list[i] = &m[i].status;
	}
	Rtpproxy__ListSessionsResponse resp = RTPPROXY__LIST_SESSIONS_RESPONSE__INIT;
	rtpp_api_page_token(cursor, token, sizeof(token));
	resp.n_sessions = n;
	resp.sessions = list;
	resp.next_page_token = token;
	resp.total_sessions = rtpp_dataplane_session_count(dp);
	rc = PACK(list_sessions_response, &resp, reply, reply_len);
out:
	free(st);
	free(m);
	free(list);
	return rc;
}

/*
 * Set the uint64 field called name in m. The interface counters are
 * exported by their field tables (lib/stats), so a counter added there
 * needs only its field in InterfaceStatistics; -ENOENT until it has one
 * (test_api checks that every counter has its field).
 */
static int set_counter(ProtobufCMessage *m, const char *name, uint64_t value)
{
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field_by_name(m->descriptor, name);

	if (f == NULL || f->type != PROTOBUF_C_TYPE_UINT64 || f->label == PROTOBUF_C_LABEL_REPEATED)
		return -ENOENT;
	*(uint64_t *)((uint8_t *)m + f->offset) = value;
	return 0;
}

/* Every counter of a table into m; the name of one m lacks in *missing. */
static int set_counters(ProtobufCMessage *m, const void *counters,
			const struct rtpp_counter_field *fields, unsigned int n, const char **missing)
{
	for (unsigned int i = 0; i < n; i++)
		if (set_counter(m, fields[i].name, rtpp_counter_read(counters, fields[i].offset)) !=
		    0) {
			*missing = fields[i].name;
			return -ENOENT;
		}
	return 0;
}

static int iface_to_pb(const struct rtpp_iface_view *v, Rtpproxy__InterfaceStatistics *pb,
		       char *msg, size_t msglen)
{
	const char *missing = NULL;

	rtpproxy__interface_statistics__init(pb);
	pb->name = (char *)v->name;
	if (set_counters(&pb->base, &v->counters, rtpp_iface_counter_fields,
			 rtpp_iface_counter_nfields, &missing) != 0 ||
	    set_counters(&pb->base, &v->host_drops, rtpp_host_drop_counter_fields,
			 rtpp_host_drop_counter_nfields, &missing) != 0)
		return FAIL(RTPP_API_INTERNAL,
			    "InterfaceStatistics has no field for the counter %s", missing);
	pb->host_ring_sockets = v->host_ring_sockets;
	pb->has_media_ports = v->has_media_ports;
	pb->media_ports_free = v->media_ports_free;
	pb->port_id = v->port_id;
	pb->tap_port_id = v->tap_port_id;
	return RTPP_API_OK;
}

static void worker_to_pb(const struct rtpp_worker_view *v, Rtpproxy__WorkerStatistics *pb)
{
	rtpproxy__worker_statistics__init(pb);
	pb->id = v->id;
	pb->lcore = v->lcore;
	pb->rx_queues = v->queues;
	pb->loops = v->loops;
	pb->idle_sleeps = v->idle_sleeps;
	pb->busy_cycles = v->busy_cycles;
}

int rtpp_api_handle_statistics(struct rtpp_dataplane *dp, const uint8_t *req, size_t len,
			       uint8_t **reply, size_t *reply_len, char *msg, size_t msglen)
{
	Rtpproxy__GetStatisticsRequest *r = rtpproxy__get_statistics_request__unpack(NULL, len, req);
	struct rtpp_dataplane_info info;
	int only = -1, rc = RTPP_API_OK;

	if (r == NULL)
		return FAIL(RTPP_API_INVALID_ARGUMENT, "request: not a GetStatisticsRequest");
	if (r->interface != NULL && r->interface[0] != '\0') {
		only = rtpp_dataplane_iface_index(dp, r->interface);
		if (only < 0)
			rc = FAIL(RTPP_API_INVALID_ARGUMENT,
				  "interface: no interface called \"%.32s\"", r->interface);
	}
	rtpproxy__get_statistics_request__free_unpacked(r, NULL);
	if (rc != RTPP_API_OK)
		return rc;

	rtpp_dataplane_info(dp, &info);
	Rtpproxy__Statistics st = RTPPROXY__STATISTICS__INIT;
	Rtpproxy__InterfaceStatistics *ifaces = calloc(info.interfaces + 1u, sizeof(*ifaces));
	Rtpproxy__InterfaceStatistics **iface_list = calloc(info.interfaces + 1u,
							    sizeof(*iface_list));
	Rtpproxy__WorkerStatistics *workers = calloc(info.workers + 1u, sizeof(*workers));
	Rtpproxy__WorkerStatistics **worker_list = calloc(info.workers + 1u, sizeof(*worker_list));

	if (ifaces == NULL || iface_list == NULL || workers == NULL || worker_list == NULL) {
		rc = FAIL(RTPP_API_RESOURCE_EXHAUSTED, "no memory for the statistics");
		goto out;
	}
	st.version = (char *)RTPP_VERSION;
	st.running = info.running;
	st.uptime_s = info.uptime_s;
	st.sessions = info.sessions;
	st.max_sessions = info.max_sessions;
	st.neighbours = info.neighbours;
	st.mbufs_free = info.mbufs_free;
	st.events_lost = info.events_lost;
	st.latches = info.latches;
	st.relatches = info.relatches;
	st.latch_refused = info.latch_refused;
	st.neigh_updates = info.neigh_updates;
	st.neigh_refused_locked = info.neigh_refused_locked;
	st.neigh_refused_no_override = info.neigh_refused_no_override;
	for (unsigned int i = 0; i < info.interfaces; i++) {
		struct rtpp_iface_view v;

		if ((only >= 0 && i != (unsigned int)only) ||
		    rtpp_dataplane_iface_view(dp, i, &v) != 0)
			continue;
		rc = iface_to_pb(&v, &ifaces[st.n_interfaces], msg, msglen);
		if (rc != RTPP_API_OK)
			goto out;
		iface_list[st.n_interfaces] = &ifaces[st.n_interfaces];
		st.n_interfaces++;
	}
	st.interfaces = iface_list;
	for (unsigned int w = 0; w < info.workers; w++) {
		struct rtpp_worker_view v;

		if (rtpp_dataplane_worker_view(dp, w, &v) != 0)
			break;
		worker_to_pb(&v, &workers[w]);
		worker_list[w] = &workers[w];
		st.n_workers = w + 1;
	}
	st.workers = worker_list;
	rc = PACK(statistics, &st, reply, reply_len);
out:
	free(ifaces);
	free(iface_list);
	free(workers);
	free(worker_list);
	return rc;
}
