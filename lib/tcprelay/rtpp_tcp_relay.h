/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP sessions, relayed by the kernel's TCP stack off the workers.
 *
 * TCP reaches the proxy's addresses through the TAP exception path like any
 * traffic that is not session media, so the kernel terminates it: a relay
 * session is a listening socket on the listen endpoint and, for the one
 * connection it accepts, a second connection from the forward endpoint to
 * the destination. One thread (rtpp_tcp_relay_create) moves the bytes
 * between the two with epoll, through a bounded buffer per direction: when
 * a receiver is slow the relay stops reading from its sender, so memory
 * stays what the buffers take whatever is relayed. A half-close is carried
 * across (shutdown of the write side once everything before it went out), a
 * reset is answered with a reset on the other side.
 *
 * One connection per session: the session is one call's TCP media (RFC 4571
 * RTP, MSRP, BFCP), and a second connection while the first lives is
 * refused with a reset and counted. When the pair is over the session is
 * over (CLOSED, or ERROR with the reason when it did not end well).
 *
 * Threads: every function here is for the control plane (the main lcore);
 * the relay thread owns the sockets. Both take the relay's lock, held by the
 * relay thread only while it handles a batch of readiness, never while it
 * waits. Events (state changes) wait in a queue the control plane drains.
 */
#ifndef RTPP_TCP_RELAY_H
#define RTPP_TCP_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtpp_addr.h"
#include "rtpp_session_types.h"

struct rtpp_tcp_relay;

struct rtpp_tcp_relay_config {
	uint32_t max_sessions;       /* relay sessions at once */
	uint32_t buffer_bytes;       /* per direction of a connection pair */
	uint64_t max_buffered_bytes; /* all buffers together: beyond, connections are refused */
	uint32_t connect_timeout_ms; /* onward connection not up by then: ERROR */
	uint32_t idle_timeout_ms;    /* no byte either way this long: closed; 0 never */
	int cpu;                     /* pin the relay thread to this CPU; -1: leave it */
};

/* Where a relay session is; the values are those of enum rtpp_session_state. */
struct rtpp_tcp_direction {
	uint64_t bytes;        /* read from the sender (and, once written, sent on) */
	uint64_t bytes_sent;   /* written to the receiver */
	uint64_t segments_in;  /* data segments the sender's connection received (TCP_INFO) */
	uint64_t segments_out; /* data segments the receiver's connection sent */
	uint64_t last_ns;      /* CLOCK_REALTIME of the last byte read; 0: none */
	/* RFC 4571 framing (when asked): RTP/RTCP packets seen, RTP sequence gaps */
	uint64_t frames;
	uint64_t rtp_lost;
};

struct rtpp_tcp_status {
	enum rtpp_session_state state;
	struct rtpp_endpoint client;      /* the accepted peer (family NONE before) */
	struct rtpp_endpoint forward;     /* the onward connection's own end, port included */
	struct rtpp_tcp_direction a_to_b; /* client -> destination */
	struct rtpp_tcp_direction b_to_a;
	uint64_t connections_refused; /* not from source, policy, beyond limits, a second */
	enum rtpp_close_reason close_reason;
	char error[128]; /* ERROR: why */
};

/* What a relay session is asked to do. */
struct rtpp_tcp_session_params {
	uint64_t id;                      /* the session's id; events carry it */
	struct rtpp_endpoint listen;      /* a port (not 0) on an address of the host */
	struct rtpp_endpoint forward;     /* onward source; port 0: the kernel picks */
	struct rtpp_endpoint destination; /* where to connect */
	struct rtpp_endpoint source;      /* who may connect: family NONE anyone, port 0 any port */
	bool rfc4571;                     /* count RTP framed as RFC 4571 in both directions */
	/* Beside source: may this peer connect (policy.allowed_remotes)? NULL: yes.
	 * Called on the relay thread. */
	bool (*peer_allowed)(void *ctx, const struct rtpp_endpoint *peer);
	void *peer_allowed_ctx;
};

/* A change of state, for the control plane to report (rtpp_tcp_relay_take_events). */
struct rtpp_tcp_event {
	uint64_t id;
	enum rtpp_session_state state;
	enum rtpp_close_reason close_reason; /* CLOSED */
	char error[128];                     /* ERROR */
};

/* Start the relay thread; NULL with err. */
struct rtpp_tcp_relay *rtpp_tcp_relay_create(const struct rtpp_tcp_relay_config *cfg, char *err,
					     size_t errlen);
/* Stop the thread, reset every connection, free everything. */
void rtpp_tcp_relay_destroy(struct rtpp_tcp_relay *r);

/*
 * Listen for a session: the socket is bound here, so a port in use or an
 * address the host does not have fails now with the reason: -EADDRINUSE,
 * -EADDRNOTAVAIL, -ENOSPC (max_sessions), -EEXIST (id), -EINVAL.
 */
int rtpp_tcp_relay_add(struct rtpp_tcp_relay *r, const struct rtpp_tcp_session_params *p, char *err,
		       size_t errlen);
/*
 * End a session at once: both connections are reset (a peer in mid-transfer
 * learns it now, not at its next write) and the listener closed. final (may
 * be NULL) gets the status as it was. -ENOENT when there is no such session.
 */
int rtpp_tcp_relay_remove(struct rtpp_tcp_relay *r, uint64_t id, struct rtpp_tcp_status *final);
/* -ENOENT when there is no such session. */
int rtpp_tcp_relay_status(struct rtpp_tcp_relay *r, uint64_t id, struct rtpp_tcp_status *out);
/* Events since the last call, oldest first; at most max. */
unsigned int rtpp_tcp_relay_take_events(struct rtpp_tcp_relay *r, struct rtpp_tcp_event *out,
					unsigned int max);

/* The relay at a glance. */
struct rtpp_tcp_relay_stats {
	uint32_t sessions;
	uint32_t connections;    /* pairs alive (accepted, onward connecting or up) */
	uint64_t buffered_bytes; /* buffer memory held now */
	uint64_t accepted;
	uint64_t refused;
	uint64_t events_lost; /* the event queue was full */
};
void rtpp_tcp_relay_stats(struct rtpp_tcp_relay *r, struct rtpp_tcp_relay_stats *out);

#endif
