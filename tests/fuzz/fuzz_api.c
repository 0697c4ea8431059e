/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer: every API handler fed the raw bytes a gRPC client sends, against
 * a data plane with a real configuration (two interfaces, both families, a
 * remote policy) and one live session, as the server calls them.
 *
 * The input's first byte picks the method, the rest is its request message.
 * A session_id of 1 in a request that decodes names the live session (its
 * real id differs from run to run), so that destroy, status, update and
 * event subscriptions reach a session and not only NOT_FOUND.
 *
 * Beside the sanitizers, each answer is held to the contract: OK comes with
 * a reply that decodes as the method's response, anything else with a
 * message; the data plane ends every input as it began (one session, every
 * other port back in its pool).
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "../test_eal.h"
#include "fuzz_must.h"
#include "health.pb-c.h"
#include "reflection.pb-c.h"
#include "rtpp_api.h"
#include "rtpp_config.h"
#include "rtpp_dataplane.h"
#include "rtpp_dataplane_test.h"
#include "rtpp_portalloc.h"
#include "rtpproxy.pb-c.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fuzz_yaml[] =
	"interfaces:\n"
	"  - name: access\n"
	"    device: net_ring_fuzz_a\n"
	"    addresses: [203.0.113.1/24, \"2001:db8:a::1/64\"]\n"
	"    ports: 20000-20999\n"
	"  - name: core\n"
	"    device: net_ring_fuzz_b\n"
	"    addresses: [198.51.100.1/24, \"2001:db8:b::1/64\"]\n"
	"    gateway4: 198.51.100.254\n"
	"    ports: 30000-30999\n"
	"dataplane:\n"
	"  max_sessions: 16\n"
	"policy:\n"
	"  allowed_remotes: [198.51.100.0/24, 203.0.113.0/24, \"2001:db8::/32\"]\n";

typedef int (*handler_fn)(struct rtpp_dataplane *, const uint8_t *, size_t, uint8_t **, size_t *,
			  char *, size_t);
typedef int (*stateless_fn)(const uint8_t *, size_t, uint8_t **, size_t *, char *, size_t);

enum method {
	M_CREATE,
	M_DESTROY,
	M_STATUS,
	M_UPDATE,
	M_LIST,
	M_EVENTS,
	M_HEALTH,
	M_REFLECTION,
	M_STATISTICS,
	M_COUNT
};

/* What each method takes (to name the live session in it) and answers. */
static const struct {
	handler_fn handler;
	stateless_fn stateless;
	const ProtobufCMessageDescriptor *request;
	const ProtobufCMessageDescriptor *response;
} methods[M_COUNT] = {
	[M_CREATE] = { rtpp_api_handle_create, NULL, &rtpproxy__create_session_request__descriptor,
		       &rtpproxy__create_session_response__descriptor },
	[M_DESTROY] = { rtpp_api_handle_destroy, NULL, &rtpproxy__destroy_session_request__descriptor,
			&rtpproxy__destroy_session_response__descriptor },
	[M_STATUS] = { rtpp_api_handle_status, NULL, &rtpproxy__get_session_status_request__descriptor,
		       &rtpproxy__session_status__descriptor },
	[M_UPDATE] = { rtpp_api_handle_update, NULL, &rtpproxy__update_session_request__descriptor,
		       &rtpproxy__update_session_response__descriptor },
	[M_LIST] = { rtpp_api_handle_list, NULL, &rtpproxy__list_sessions_request__descriptor,
		     &rtpproxy__list_sessions_response__descriptor },
	[M_EVENTS] = { NULL, NULL, &rtpproxy__stream_session_events_request__descriptor, NULL },
	[M_HEALTH] = { NULL, rtpp_api_health, NULL,
		       &grpc__health__v1__health_check_response__descriptor },
	[M_REFLECTION] = { NULL, rtpp_api_reflection, NULL,
			   &grpc__reflection__v1__server_reflection_response__descriptor },
	[M_STATISTICS] = { rtpp_api_handle_statistics, NULL,
			   &rtpproxy__get_statistics_request__descriptor,
			   &rtpproxy__statistics__descriptor },
};

static struct rtpp_config *cfg;
static struct rtpp_dataplane *dp;
static struct rtpp_api_events *events;
static uint64_t live_id;
static unsigned int free_ports[2];

/* The live session: one call from caller to callee, both remotes given. */
static void create_live_session(void)
{
	Rtpproxy__CreateSessionRequest req = RTPPROXY__CREATE_SESSION_REQUEST__INIT;
	Rtpproxy__Endpoint listen = RTPPROXY__ENDPOINT__INIT, forward = RTPPROXY__ENDPOINT__INIT;
	Rtpproxy__Endpoint dst = RTPPROXY__ENDPOINT__INIT;
	uint8_t wire[256], *reply = NULL;
	size_t reply_len = 0;
	char msg[256];

	listen.address = (char *)"203.0.113.1";
	listen.port = 20000;
	forward.address = (char *)"198.51.100.1";
	forward.port = 30000;
	dst.address = (char *)"198.51.100.20";
	dst.port = 40000;
	req.listen = &listen;
	req.forward = &forward;
	req.destination = &dst;
	req.name = (char *)"live";
	size_t len = rtpproxy__create_session_request__pack(&req, wire);
	must(rtpp_api_handle_create(dp, wire, len, &reply, &reply_len, msg, sizeof(msg)) ==
	     RTPP_API_OK);
	Rtpproxy__CreateSessionResponse *r =
		rtpproxy__create_session_response__unpack(NULL, reply_len, reply);
	must(r != NULL);
	live_id = r->session_id;
	rtpproxy__create_session_response__free_unpacked(r, NULL);
	free(reply);
}

/* Back to one live session, as it was created, and every other port free. */
static void restore(void)
{
	uint64_t ids[32];
	uint32_t cursor = 0;
	unsigned int n;

	while ((n = rtpp_dataplane_session_ids(dp, &cursor, ids, 32)) > 0)
		for (unsigned int i = 0; i < n; i++)
			must(rtpp_dataplane_session_destroy(dp, ids[i], NULL) == 0);
	rtpp_dataplane_service(dp);
	must(rtpp_dataplane_session_count(dp) == 0);
	for (uint16_t i = 0; i < 2; i++)
		must(rtpp_port_pool_free_count(rtpp_dataplane_test_port_pool(dp, i)) == free_ports[i]);
	create_live_session();
}

/*
 * The request as sent, or re-encoded with the live session's id when it
 * decodes and names session 1. *owned is set when the bytes are new.
 */
static const uint8_t *name_live_session(const ProtobufCMessageDescriptor *desc, const uint8_t *req,
					size_t *len, bool *owned)
{
	*owned = false;
	if (desc == NULL)
		return req;
	const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(desc, 1);
	if (f == NULL || f->type != PROTOBUF_C_TYPE_UINT64 || f->label == PROTOBUF_C_LABEL_REPEATED)
		return req;
	ProtobufCMessage *m = protobuf_c_message_unpack(desc, NULL, *len, req);
	if (m == NULL)
		return req;
	uint64_t *id = (uint64_t *)((uint8_t *)m + f->offset);
	uint8_t *out = NULL;
	if (*id == 1) {
		*id = live_id;
		out = malloc(protobuf_c_message_get_packed_size(m) + 1);
		must(out != NULL);
		*len = protobuf_c_message_pack(m, out);
		*owned = true;
	}
	protobuf_c_message_free_unpacked(m, NULL);
	return out != NULL ? out : req;
}

/* ---- StreamSessionEvents: a sink that checks what it is given ---- */

struct sink {
	unsigned int received;
	unsigned int capacity;
};

static int sink_send(void *p, const uint8_t *msg, size_t len)
{
	struct sink *k = p;
	Rtpproxy__SessionEvent *ev = rtpproxy__session_event__unpack(NULL, len, msg);

	must(ev != NULL);
	rtpproxy__session_event__free_unpacked(ev, NULL);
	if (k->received >= k->capacity)
		return -ENOBUFS;
	k->received++;
	return 0;
}

static unsigned int sink_queued(void *p)
{
	return ((struct sink *)p)->received;
}

/* Subscribe with the request; when taken, make events happen and leave. */
static void fuzz_events(const uint8_t *req, size_t len, uint8_t selector)
{
	struct sink k = { .capacity = selector & 0x10 ? 2 : 64 };
	char msg[256];

	msg[0] = '\0';
	int status = rtpp_api_events_subscribe(events, &k, sink_send, sink_queued, req, len, msg,
					       sizeof(msg));
	if (status != RTPP_API_OK) {
		must(msg[0] != '\0');
		return;
	}
	/* A session comes and goes, the live one is destroyed: CREATED, CLOSED... */
	Rtpproxy__DestroySessionRequest d = RTPPROXY__DESTROY_SESSION_REQUEST__INIT;
	uint8_t wire[32], *reply = NULL;
	size_t reply_len;

	d.session_id = live_id;
	size_t n = rtpproxy__destroy_session_request__pack(&d, wire);
	must(rtpp_api_handle_destroy(dp, wire, n, &reply, &reply_len, msg, sizeof(msg)) ==
	     RTPP_API_OK);
	free(reply);
	rtpp_dataplane_service(dp);
	create_live_session();
	rtpp_api_events_tick(events);
	rtpp_api_events_unsubscribe(events, &k);
}

/*
 * The data plane lives in EAL memory, which LeakSanitizer does not scan:
 * what it holds from the heap (the configuration too) would look leaked at
 * exit unless freed.
 */
static void teardown(void)
{
	rtpp_api_events_destroy(events);
	rtpp_dataplane_destroy(dp);
	rtpp_config_free(cfg);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[RTPP_CONFIG_ERR_LEN];
	uint16_t ports[2];

	(void)argc;
	(void)argv;
	if (rtpp_test_eal_init(NULL) != 0 ||
	    rtpp_config_load_string(fuzz_yaml, sizeof(fuzz_yaml) - 1, "fuzz.yaml", &cfg, err,
				    sizeof(err)) != 0)
		abort();
	struct rte_mempool *pool = rte_pktmbuf_pool_create("fuzz_api", 512, 0, 0,
							   RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	must(pool != NULL);
	for (int i = 0; i < 2; i++) {
		char name[32];

		snprintf(name, sizeof(name), "fuzz_ring%d", i);
		struct rte_ring *ring = rte_ring_create(name, 64, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
		int p = ring != NULL ? rte_eth_from_ring(ring) : -1;
		must(p >= 0);
		ports[i] = (uint16_t)p;
	}
	/* The configuration lives as long as the data plane, which keeps it. */
	dp = rtpp_dataplane_create_detached(ports, 2, 16, 1, pool, cfg);
	must(dp != NULL);
	events = rtpp_api_events_create(dp);
	must(events != NULL);
	for (uint16_t i = 0; i < 2; i++)
		free_ports[i] = rtpp_port_pool_free_count(rtpp_dataplane_test_port_pool(dp, i));
	create_live_session();
	atexit(teardown);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const uint8_t selector = data[0];
	const enum method m = (enum method)(selector % M_COUNT);
	size_t len = size - 1;
	bool owned;
	const uint8_t *req = name_live_session(methods[m].request, data + 1, &len, &owned);
	uint8_t *reply = NULL;
	size_t reply_len = 0;
	char msg[256];
	int status;

	msg[0] = '\0';
	if (m == M_EVENTS) {
		fuzz_events(req, len, selector);
		status = -1;
	} else if (methods[m].handler != NULL) {
		status = methods[m].handler(dp, req, len, &reply, &reply_len, msg, sizeof(msg));
	} else {
		status = methods[m].stateless(req, len, &reply, &reply_len, msg, sizeof(msg));
	}
	if (owned)
		free((void *)req);

	if (status == RTPP_API_OK) {
		must(reply != NULL || reply_len == 0);
		if (methods[m].response != NULL) {
			ProtobufCMessage *r = protobuf_c_message_unpack(methods[m].response, NULL,
									reply_len, reply);
			must(r != NULL);
			protobuf_c_message_free_unpacked(r, NULL);
		}
	} else if (status > 0) {
		/* A refusal says why, in a string that ends. */
		must(msg[0] != '\0' && memchr(msg, '\0', sizeof(msg)) != NULL);
	}
	free(reply);
	if (m == M_CREATE || m == M_DESTROY || m == M_UPDATE || m == M_EVENTS)
		restore();
	return 0;
}
