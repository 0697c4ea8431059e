/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The data plane: ports and their TAP exception ports, worker lcores that
 * poll and forward, and the main-lcore services that keep the tables
 * (neighbour resolution, deferred session reclaim). The control plane
 * (static sessions from YAML, the gRPC API) creates and destroys sessions
 * through here, and reads what the data plane does through the views at the
 * end of this file (the API, telemetry and printing all use them).
 *
 * Threads: create, start, service, destroy and the session calls run on the
 * main lcore. The views may also be called from other threads (DPDK's
 * telemetry thread); they take the data plane's lock themselves.
 *
 * Errors: functions that can fail return 0 or a negative errno; those with
 * err/errlen also write one line saying why, naming the request's field.
 */
#ifndef RTPP_DATAPLANE_H
#define RTPP_DATAPLANE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtpp_addr.h"
#include "rtpp_config.h"
#include "rtpp_session_types.h"
#include "rtpp_stats.h"

struct rtpp_dataplane;

/* ------------------------------------------------------------------ lifecycle */

/* Probe devices, create TAPs, configure and start ports, allocate tables; NULL with err. */
struct rtpp_dataplane *rtpp_dataplane_create(const struct rtpp_config *cfg, char *err, size_t errlen);
/* Launch the workers on the worker lcores; -1 with err. */
int rtpp_dataplane_start(struct rtpp_dataplane *dp, char *err, size_t errlen);
/* Main-lcore housekeeping; call every millisecond or so. */
void rtpp_dataplane_service(struct rtpp_dataplane *dp);
/* Stop and join the workers; stop and close every port; free everything. */
void rtpp_dataplane_destroy(struct rtpp_dataplane *dp);

/* ------------------------------------------------------------------ sessions */

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
int rtpp_dataplane_session_destroy(struct rtpp_dataplane *dp, uint64_t id,
				   struct rtpp_session_status *final);
/*
 * Change a live session (re-INVITE, hold, transfer): a leg's remote or
 * expected address, learning again, pausing a direction, media rules.
 * Local endpoints and counters stay. All or nothing; errors as for create,
 * and -ENOENT for no such session. out (may be NULL) gets the new status.
 */
int rtpp_dataplane_session_update(struct rtpp_dataplane *dp, const struct rtpp_session_update *u,
				  struct rtpp_session_status *out, char *err, size_t errlen);
/* Create every static session of the configuration; -1 with err ("FILE: sessions[i] (name): why"). */
int rtpp_dataplane_create_static_sessions(struct rtpp_dataplane *dp, char *err, size_t errlen);

/*
 * Session events, reported on the main lcore (from rtpp_dataplane_service and
 * the create/destroy calls), never from a worker. fn NULL: nobody listens.
 */
typedef void (*rtpp_session_event_fn)(void *ctx, const struct rtpp_session_event *ev);
void rtpp_dataplane_set_event_handler(struct rtpp_dataplane *dp, rtpp_session_event_fn fn, void *ctx);

/* ------------------------------------------------------------------ views */

/* One session's status; -ENOENT when there is no such session. */
int rtpp_dataplane_session_status(struct rtpp_dataplane *dp, uint64_t id,
				  struct rtpp_session_status *out);
/*
 * Page through the sessions matching filter (NULL: all): fills at most max
 * entries from *cursor on and moves *cursor past them; *cursor becomes
 * UINT32_MAX when no session is left. A session that lives through the
 * whole paging appears exactly once; one created or destroyed meanwhile may
 * or may not.
 */
unsigned int rtpp_dataplane_session_list(struct rtpp_dataplane *dp,
					 const struct rtpp_session_filter *filter,
					 uint32_t *cursor, struct rtpp_session_status *out,
					 unsigned int max);
/* The same paging, ids only (cheap: no counters are read). */
unsigned int rtpp_dataplane_session_ids(struct rtpp_dataplane *dp, uint32_t *cursor, uint64_t *ids,
					unsigned int max);
/* Live sessions in the table. */
uint32_t rtpp_dataplane_session_count(struct rtpp_dataplane *dp);
/* Index of the interface called name, -1 when none. */
int rtpp_dataplane_iface_index(const struct rtpp_dataplane *dp, const char *name);

/* The whole data plane at a glance. */
struct rtpp_dataplane_info {
	bool running; /* workers launched */
	uint16_t workers;
	unsigned int interfaces;
	uint32_t sessions;
	uint32_t max_sessions;
	uint32_t neighbours;
	uint64_t uptime_s;   /* since start; 0 before */
	uint64_t uptime_tsc; /* the same in TSC cycles */
	uint64_t tsc_hz;
	unsigned int mbufs_free;
	unsigned int mbufs_total;
	/* Worker -> main rings: entries waiting now, and what each holds. */
	unsigned int event_ring_used, event_ring_size; /* flow events (state changes) */
	unsigned int latch_ring_used, latch_ring_size; /* remotes to learn */
	unsigned int learn_ring_used, learn_ring_size; /* neighbour bindings */
	uint64_t events_lost;               /* worker reports lost to a full event ring */
	uint64_t latches;                   /* remotes learnt from the media */
	uint64_t relatches;                 /* NAT rebindings followed */
	uint64_t latch_refused;             /* learnt remotes refused by policy or route */
	uint64_t neigh_updates;             /* next hop MACs set or changed */
	uint64_t neigh_refused_locked;      /* changes within the lock time of the last */
	uint64_t neigh_refused_no_override; /* NAs without O for a known, different MAC */
	/* TCP sessions' relay (lib/tcprelay); all 0 without one. */
	uint32_t tcp_connections; /* connection pairs alive (accepted, onward connecting or up) */
	uint64_t tcp_buffered_bytes; /* buffer memory the relay holds now */
	uint64_t tcp_accepted;       /* connections accepted since start */
	uint64_t tcp_refused; /* connections reset at once (source, policy, limits, a second) */
	uint32_t sessions_in_state[RTPP_SESSION_CLOSED + 1]; /* live sessions by state */
	uint64_t sessions_created;                           /* since start, static ones too */
	uint64_t sessions_closed[RTPP_CLOSE_REASONS];        /* since start, by close reason */
};
void rtpp_dataplane_info(struct rtpp_dataplane *dp, struct rtpp_dataplane_info *out);

/* One data interface. */
struct rtpp_iface_view {
	const char *name; /* lives as long as the data plane; "" when not configured */
	uint16_t port_id; /* the ethdev port of the NIC */
	bool has_tap;
	uint16_t tap_port_id;
	bool has_media_ports;                /* a configured UDP port range */
	uint32_t media_ports_free;           /* ports of that range not in use */
	struct rtpp_iface_counters counters; /* summed over the workers */
	/* Dropped before the proxy saw it, by reason: from the kernel and the device. */
	struct rtpp_host_drop_counters host_drops;
	unsigned int host_ring_sockets; /* af_packet sockets host_ring_dropped is read from (0: none) */
};
/* -ENOENT past the last interface (rtpp_dataplane_info().interfaces). */
int rtpp_dataplane_iface_view(struct rtpp_dataplane *dp, unsigned int iface,
			      struct rtpp_iface_view *out);

/* One worker lcore. */
struct rtpp_worker_view {
	uint16_t id;
	unsigned int lcore;
	uint16_t queues; /* RX queues it polls */
	uint64_t loops;
	uint64_t idle_sleeps;      /* dataplane.idle_sleep_us */
	uint64_t busy_cycles;      /* TSC cycles spent on bursts that carried packets */
	uint64_t rx_bursts;        /* receive bursts that brought packets */
	uint64_t rx_burst_packets; /* packets they brought (their fill: / rx_bursts / burst_size) */
	uint64_t full_bursts;      /* bursts that came back full: the queue may hold more */
	uint16_t burst_size;       /* dataplane.burst */
};
/* -ENOENT past the last worker. */
int rtpp_dataplane_worker_view(struct rtpp_dataplane *dp, unsigned int worker,
			       struct rtpp_worker_view *out);
/*
 * Debug only (telemetry /rtpproxy/debug/stall_worker, enabled by
 * --debug-commands): from its next loop on, the worker spins for ms
 * milliseconds without polling, as a stuck one would. Any thread. 0;
 * -ENOENT past the last worker; -EINVAL for ms 0 or over the maximum.
 */
#define RTPP_DATAPLANE_MAX_STALL_MS 600000
int rtpp_dataplane_worker_stall(struct rtpp_dataplane *dp, unsigned int worker, unsigned int ms);

/* One next hop. */
struct rtpp_neigh_view {
	const char *iface; /* interface name */
	struct rtpp_addr addr;
	bool usable; /* mac is known */
	uint8_t mac[6];
	const char *state; /* "incomplete", "reachable", "stale", ... */
	uint32_t sessions; /* legs that use it */
};
/* Call fn for every next hop, under the data plane's lock (fn must not call back). */
typedef void (*rtpp_neigh_view_fn)(void *ctx, const struct rtpp_neigh_view *n);
void rtpp_dataplane_neigh_walk(struct rtpp_dataplane *dp, rtpp_neigh_view_fn fn, void *ctx);

/* Name of a session state ("active"), of a close reason ("inactivity"), of a learning mode. */
const char *rtpp_dataplane_state_name(enum rtpp_session_state state);
const char *rtpp_dataplane_close_reason_name(enum rtpp_close_reason reason);
const char *rtpp_dataplane_learning_name(enum rtpp_leg_learning learning);

#endif
