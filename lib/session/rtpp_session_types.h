/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Session types shared by every layer that speaks of sessions: the
 * configuration (static sessions), the session table, the data plane and the
 * API. Types and limits only, no functions, and nothing but <stdint.h>,
 * <stdbool.h> and the address type: any library may include it without
 * pulling DPDK or a dependency cycle along (as HAProxy's "-t.h" headers).
 *
 * Each limit is defined here once.
 */
#ifndef RTPP_SESSION_TYPES_H
#define RTPP_SESSION_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "rtpp_addr.h"

/* Room for a session name, NUL included: at most 63 characters. */
#define RTPP_SESSION_NAME_MAX 64

/* The two legs of a session; leg A is the caller's (listen), leg B the callee's (forward). */
#define RTPP_LEG_A 0
#define RTPP_LEG_B 1
#define RTPP_LEGS_PER_SESSION 2

/* Flows of a session, numbered leg * 2 + rtcp: where the packets arrive. */
#define RTPP_FLOW_A_TO_B 0      /* RTP arriving on leg A, sent from leg B */
#define RTPP_FLOW_RTCP_A_TO_B 1 /* RTCP (port+1) arriving on leg A */
#define RTPP_FLOW_B_TO_A 2
#define RTPP_FLOW_RTCP_B_TO_A 3
#define RTPP_FLOWS_PER_SESSION 4

/* Where a session is in its life. The values are the API's SessionState. */
enum rtpp_session_state {
	RTPP_SESSION_FREE = 0, /* no session (an unused slot); "any" in a filter */
	RTPP_SESSION_CREATED,
	RTPP_SESSION_CONNECTING,
	RTPP_SESSION_ACTIVE,
	RTPP_SESSION_ERROR,
	RTPP_SESSION_CLOSED,
};

/* A session as the control plane asks for it (the seed's model). */
struct rtpp_session_request {
	const char *name;                 /* "" or NULL: none; at most RTPP_SESSION_NAME_MAX - 1 */
	struct rtpp_endpoint listen;      /* leg A local; port 0: allocate */
	struct rtpp_endpoint forward;     /* leg B local; port 0: allocate */
	struct rtpp_endpoint destination; /* leg B remote */
	struct rtpp_endpoint source;      /* leg A remote; family NONE: unknown */
	bool rtcp;                        /* port+1 of every endpoint relays RTCP */
	bool is_static;                   /* from the configuration file */
};

/* A flow's counters added up over the workers: what telemetry and the API report. */
struct rtpp_flow_stats {
	uint64_t rx_packets;
	uint64_t rx_bytes;
	uint64_t tx_packets; /* derived: received less dropped */
	uint64_t tx_bytes;
	uint64_t drop_no_remote;
	uint64_t drop_no_neighbour;
	uint64_t drop_tx_full;
	uint64_t rtp_lost;    /* sequence gaps (RTP flows) */
	uint64_t last_rx_tsc; /* the latest of the copies; 0: nothing received */
};

/* What RTCP tells of one leg's remote (see lib/rtp). */
struct rtpp_leg_quality {
	uint32_t rtt_samples; /* round trips proxy <-> this leg's remote measured */
	double rtt_avg_ms;
	double rtt_last_ms;
	bool has_report; /* this leg's remote sent a report block */
	int32_t reported_cumulative_lost;
	double reported_fraction_lost; /* 0..1 */
};

/* A session as the control plane reports it: endpoints, state, counters summed over workers. */
struct rtpp_session_status {
	uint64_t id;
	char name[RTPP_SESSION_NAME_MAX];
	enum rtpp_session_state state;
	bool is_static;
	bool rtcp;
	uint64_t created_unix_ms;
	struct rtpp_endpoint listen, source, forward, destination;
	uint16_t iface_a, iface_b;                            /* interface index of each leg */
	struct rtpp_flow_stats flows[RTPP_FLOWS_PER_SESSION]; /* RTPP_FLOW_* */
	struct rtpp_leg_quality legs[RTPP_LEGS_PER_SESSION];  /* RTPP_LEG_* */
	uint64_t last_rx_unix_ms[RTPP_FLOWS_PER_SESSION];     /* 0: nothing received */
	uint64_t idle_ms; /* since the last packet of any flow, or since creation */
};

/* Which sessions a listing returns. */
struct rtpp_session_filter {
	enum rtpp_session_state state; /* RTPP_SESSION_FREE: any */
	int iface;                     /* -1: any; else sessions with a local endpoint on it */
	bool none;                     /* match nothing (a protocol no session has) */
};

/* What happened to a session; the values are the API's SessionEvent.Type. */
enum rtpp_session_event_type {
	RTPP_EVENT_CREATED = 1,
	RTPP_EVENT_STATE_CHANGED = 2,
	RTPP_EVENT_CLOSED = 5,
};

struct rtpp_session_event {
	enum rtpp_session_event_type type;
	uint64_t session_id;
	enum rtpp_session_state old_state, new_state;
	const struct rtpp_session_status *status; /* valid during the call only */
};

#endif
