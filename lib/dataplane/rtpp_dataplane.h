/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The data plane: ports and their TAP exception ports, worker lcores that
 * poll and forward, and the main-lcore services that keep the tables (neighbour
 * resolution, deferred session reclaim). The control plane (static sessions
 * from YAML today, gRPC next) creates and destroys sessions through here.
 */
#ifndef RTPP_DATAPLANE_H
#define RTPP_DATAPLANE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rtpp_addr.h"
#include "rtpp_config.h"
#include "rtpp_stats.h"

struct rtpp_dataplane;

/* Probe devices, create TAPs, configure and start ports, allocate tables. */
struct rtpp_dataplane *rtpp_dataplane_create(const struct rtpp_config *cfg,
					     char *err, size_t errlen);
/* Launch the workers on the worker lcores. */
int rtpp_dataplane_start(struct rtpp_dataplane *dp, char *err, size_t errlen);
/* Main-lcore housekeeping; call every millisecond or so. */
void rtpp_dataplane_service(struct rtpp_dataplane *dp);
/* Stop and join the workers; stop and close every port; free everything. */
void rtpp_dataplane_destroy(struct rtpp_dataplane *dp);

/* A session as the control plane asks for it (the seed's model). */
struct rtpp_session_request {
	const char *name;
	struct rtpp_endpoint listen;       /* leg A local */
	struct rtpp_endpoint forward;      /* leg B local */
	struct rtpp_endpoint destination;  /* leg B remote */
	struct rtpp_endpoint source;       /* leg A remote; family NONE = unknown */
	bool rtcp;
	bool is_static;
};

/*
 * Create a session. Returns 0 and *id, or a negative errno with a message in
 * err that names the field: -EINVAL (bad field), -EADDRNOTAVAIL (address no
 * interface owns), -EEXIST (local endpoint taken), -ENOSPC (table full),
 * -ENETUNREACH (no route to a remote), -EACCES (a remote outside the
 * configuration's policy.allowed_remotes). Nothing changes when it fails.
 */
int rtpp_dataplane_session_create(struct rtpp_dataplane *dp, const struct rtpp_session_request *req,
				  uint64_t *id, char *err, size_t errlen);
/*
 * Destroy; -ENOENT when no such session. Forwarding stops at once. final
 * (may be NULL) gets the session's status as it was, counters included,
 * read under the same lock as the removal, so nothing is counted after it.
 */
struct rtpp_session_status;
int rtpp_dataplane_session_destroy(struct rtpp_dataplane *dp, uint64_t id,
				   struct rtpp_session_status *final);

/* A session as the control plane reports it: endpoints, state, counters summed over workers. */
#define RTPP_FLOW_A_TO_B 0
#define RTPP_FLOW_RTCP_A_TO_B 1
#define RTPP_FLOW_B_TO_A 2
#define RTPP_FLOW_RTCP_B_TO_A 3
/* What RTCP tells of one leg's remote (see lib/rtpstat). */
struct rtpp_leg_quality {
	uint32_t rtt_samples;         /* round trips proxy <-> this leg's remote measured */
	double rtt_avg_ms;
	double rtt_last_ms;
	bool has_report;              /* this leg's remote sent a report block */
	int32_t reported_cumulative_lost;
	double reported_fraction_lost; /* 0..1 */
};

struct rtpp_session_status {
	uint64_t id;
	char name[64];
	uint8_t state;          /* enum rtpp_session_state; same values as the API's */
	bool is_static;
	bool rtcp;
	uint64_t created_unix_ms;
	struct rtpp_endpoint listen, source, forward, destination;
	uint16_t iface_a, iface_b;
	struct rtpp_flow_stats flows[4];     /* RTPP_FLOW_* */
	struct rtpp_leg_quality legs[2];     /* RTPP_LEG_* */
	uint64_t last_rx_unix_ms[4];         /* 0: nothing received */
};

/* One session's status; -ENOENT when there is no such session. */
int rtpp_dataplane_session_status(struct rtpp_dataplane *dp, uint64_t id,
				  struct rtpp_session_status *out);

struct rtpp_session_filter {
	uint8_t state; /* 0: any */
	int iface;     /* -1: any; else sessions with a local endpoint on it */
};
/*
 * Page through the sessions matching filter: fills at most max entries from
 * *cursor on and moves *cursor past them; *cursor becomes UINT32_MAX when no
 * session is left. A session that lives through the whole paging appears
 * exactly once; one created or destroyed meanwhile may or may not.
 */
unsigned int rtpp_dataplane_session_list(struct rtpp_dataplane *dp,
					 const struct rtpp_session_filter *filter,
					 uint32_t *cursor, struct rtpp_session_status *out,
					 unsigned int max);
/* Live sessions in the table. */
uint32_t rtpp_dataplane_session_count(struct rtpp_dataplane *dp);
/* Index of the interface called name, -1 when none. */
int rtpp_dataplane_iface_index(const struct rtpp_dataplane *dp, const char *name);

/*
 * Session events, reported on the main lcore (from rtpp_dataplane_service and
 * the create/destroy calls), never from a worker. Workers hand what they see
 * to the main lcore through a ring.
 */
enum rtpp_session_event_type {
	RTPP_EVENT_CREATED = 1,
	RTPP_EVENT_STATE_CHANGED = 2,
	RTPP_EVENT_CLOSED = 5,
};
struct rtpp_session_event {
	enum rtpp_session_event_type type;
	uint64_t session_id;
	uint8_t old_state, new_state;
	const struct rtpp_session_status *status; /* valid during the call only */
};
typedef void (*rtpp_session_event_fn)(void *ctx, const struct rtpp_session_event *ev);
void rtpp_dataplane_set_event_handler(struct rtpp_dataplane *dp, rtpp_session_event_fn fn,
				      void *ctx);

/* Create every static session of the configuration. */
int rtpp_dataplane_create_static_sessions(struct rtpp_dataplane *dp, char *err, size_t errlen);

/* DPDK telemetry commands under /rtpproxy/. */
int rtpp_dataplane_register_telemetry(struct rtpp_dataplane *dp);

/* Totals for periodic printing. */
struct rtpp_dataplane_totals {
	uint32_t sessions;
	struct rtpp_port_counters ports; /* summed over interfaces */
};
void rtpp_dataplane_totals(struct rtpp_dataplane *dp, struct rtpp_dataplane_totals *out);
void rtpp_dataplane_print_stats(struct rtpp_dataplane *dp, FILE *f);

#endif
