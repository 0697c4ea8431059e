/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A small gRPC server on grpc C core, independent of any message type: it
 * moves serialized protobuf bytes, the caller (de)serializes them.
 *
 * Single-threaded: every function here must be called from the one thread
 * that calls rtpp_rpc_server_poll() (handlers and callbacks run in it).
 * Supports unary, server-streaming and bidirectional streaming methods.
 * See docs/rpc.md.
 */
#ifndef RTPP_RPC_H
#define RTPP_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rtpp_rpc_server;
struct rtpp_rpc_call;             /* one in-flight streaming call */

/* Messages a streaming call may have queued (not yet handed to grpc). */
#define RTPP_RPC_STREAM_QUEUE 1024

/* PEM strings (NUL-terminated). client_ca_pem != NULL: clients must present
 * a certificate signed by it. */
struct rtpp_rpc_tls {
	const char *cert_pem;
	const char *key_pem;
	const char *client_ca_pem;
};

/* Unary handler. Returns a grpc_status_code (0 = OK). On OK, *reply may be
 * set to a malloc'd buffer (the library frees it) or left NULL (empty reply).
 * On non-OK, status_msg (msg_len bytes, zeroed) may be filled; *reply is
 * ignored (freed if set). */
typedef int (*rtpp_rpc_unary_fn)(void *ctx, const uint8_t *req, size_t req_len,
				 uint8_t **reply, size_t *reply_len,
				 char *status_msg, size_t msg_len);

/* Server-streaming handler, called once with the request. Returning OK
 * (0) hands the call to the handler: it pushes messages with
 * rtpp_rpc_stream_send() (also from inside this function) and must
 * eventually release it with rtpp_rpc_stream_finish(). Non-OK ends the call
 * at once with that status (and status_msg); the handler must not keep it. */
typedef int (*rtpp_rpc_stream_fn)(void *ctx, struct rtpp_rpc_call *call,
				  const uint8_t *req, size_t req_len,
				  char *status_msg, size_t msg_len);

/* Bidirectional streaming handler, called once per request message of the
 * call, in order. It may queue any number of responses with
 * rtpp_rpc_stream_send() while it runs; the call pointer is valid only
 * during this invocation (the library holds the call). Returning non-OK
 * ends the call: the queued responses, then that status (and status_msg).
 * When the client half-closes, the library ends the call with OK after
 * the queued responses. The next request is read only once at most half of
 * RTPP_RPC_STREAM_QUEUE responses wait, so a client that sends without
 * reading is held back by flow control instead of losing responses. A
 * client that goes away just ends the call; there is no callback. */
typedef int (*rtpp_rpc_bidi_fn)(void *ctx, struct rtpp_rpc_call *call,
				const uint8_t *req, size_t req_len,
				char *status_msg, size_t msg_len);

/* The client went away (cancel, deadline, broken connection) or the server
 * is being destroyed. The call stays valid (sends return -EPIPE) until the
 * owner calls rtpp_rpc_stream_finish() on it, which it may do from here. */
typedef void (*rtpp_rpc_stream_gone_fn)(void *ctx, struct rtpp_rpc_call *call);

/*
 * What one client, or all of them, may hold of the server. Streaming calls
 * (server streams and bidirectional ones) last; beyond max_streams at once a
 * new one is refused with RESOURCE_EXHAUSTED. The memory quota bounds what
 * grpc buffers for every connection together; keepalive pings find peers
 * that went away without closing, so their calls end.
 */
struct rtpp_rpc_limits {
	unsigned max_streams;          /* streaming calls at once, all clients; 0: none allowed */
	unsigned max_streams_per_conn; /* HTTP/2 streams of one connection at once */
	uint64_t memory_quota_bytes;   /* 0: grpc's default (none) */
	unsigned keepalive_ms;         /* ping an idle connection this often; 0: never */
	unsigned max_message_bytes;    /* a larger request is refused */
};
#define RTPP_RPC_LIMITS_DEFAULT                                                                    \
	{                                                                                          \
		.max_streams = 64, .max_streams_per_conn = 100, .memory_quota_bytes = 64ull << 20, \
		.keepalive_ms = 60000, .max_message_bytes = 1u << 20                               \
	}

/* listen_addr: "[::]:50051", "127.0.0.1:0", ... tls NULL = plaintext.
 * *bound_port (optional) receives the port actually bound. NULL on error,
 * with a reason in err. RTPP_RPC_LIMITS_DEFAULT apply. */
struct rtpp_rpc_server *rtpp_rpc_server_create(const char *listen_addr,
					       const struct rtpp_rpc_tls *tls,
					       int *bound_port,
					       char *err, size_t errlen);
/* The same with limits of the caller's. */
struct rtpp_rpc_server *rtpp_rpc_server_create_limited(const char *listen_addr,
						       const struct rtpp_rpc_tls *tls,
						       const struct rtpp_rpc_limits *limits,
						       int *bound_port, char *err, size_t errlen);
/* method: full path, "/rtpproxy.RtpProxy/CreateSession". Before start.
 * 0 or -errno. Unregistered methods get UNIMPLEMENTED. */
int rtpp_rpc_register_unary(struct rtpp_rpc_server *srv, const char *method,
			    rtpp_rpc_unary_fn fn, void *ctx);
int rtpp_rpc_register_stream(struct rtpp_rpc_server *srv, const char *method,
			     rtpp_rpc_stream_fn fn,
			     rtpp_rpc_stream_gone_fn gone, void *ctx);
int rtpp_rpc_register_bidi(struct rtpp_rpc_server *srv, const char *method,
			   rtpp_rpc_bidi_fn fn, void *ctx);
int rtpp_rpc_server_start(struct rtpp_rpc_server *srv);
/* Process what is ready, waiting at most timeout_ms for the first event.
 * Returns the number of completion-queue events handled. */
int rtpp_rpc_server_poll(struct rtpp_rpc_server *srv, int timeout_ms);

/* Queue one message (copied). Never blocks. 0, -ENOBUFS when
 * RTPP_RPC_STREAM_QUEUE messages are already queued (the message is
 * dropped), -EPIPE when the call is gone or finishing, -ENOMEM. */
int rtpp_rpc_stream_send(struct rtpp_rpc_call *call, const uint8_t *msg,
			 size_t len);
/* Messages queued and not yet handed to grpc. */
unsigned rtpp_rpc_stream_queued(const struct rtpp_rpc_call *call);
/* Release the call: queued messages are still sent, then the status
 * (msg may be NULL). The pointer is invalid afterwards. */
void rtpp_rpc_stream_finish(struct rtpp_rpc_call *call, int status,
			    const char *msg);

/* Calls that arrived and are not yet over and freed (answered, cancelled
 * or released by their owner): 0 when the server is idle. */
unsigned rtpp_rpc_server_calls_in_progress(const struct rtpp_rpc_server *srv);
/* Streaming calls in progress, and those refused for max_streams so far. */
unsigned rtpp_rpc_server_streams(const struct rtpp_rpc_server *srv);
uint64_t rtpp_rpc_server_streams_refused(const struct rtpp_rpc_server *srv);

/*
 * A bound of its own for some streaming methods together (e.g. both
 * reflection versions), within max_streams: beyond max open calls of the
 * group a new one is refused with RESOURCE_EXHAUSTED, its message naming
 * setting (the configuration key, e.g. "api.max_event_streams"). Before
 * start; each method in at most one group. 0 or -errno (-ENOENT: a method
 * not registered, -ENOSPC: more than RTPP_RPC_MAX_STREAM_GROUPS groups).
 */
#define RTPP_RPC_MAX_STREAM_GROUPS 8
int rtpp_rpc_limit_streams(struct rtpp_rpc_server *srv, const char *const *methods,
			   unsigned n_methods, unsigned max, const char *setting);
/* Each group's figures, in the order the groups were made. */
struct rtpp_rpc_stream_group_stats {
	const char *setting;
	unsigned open;
	unsigned max;
	uint64_t refused;
};
unsigned rtpp_rpc_server_stream_groups(const struct rtpp_rpc_server *srv,
				       struct rtpp_rpc_stream_group_stats *out, unsigned max_out);

/*
 * The end of every call, for an audit trail: the observer runs once per
 * call that arrived, when its status is settled: the status the server
 * sends (a handler's, a bound's, UNIMPLEMENTED for an unknown method), or
 * CANCELLED with client_gone when the call ended without one (the client
 * cancelled, its deadline passed, its connection broke, the server stops).
 * It runs on the polling thread, after the handler (the reply is not sent
 * yet) and may not call into the server, except the rtpp_rpc_call_* look-ups
 * below on end->call.
 */
struct rtpp_rpc_call_end {
	const struct rtpp_rpc_call *call; /* valid during the observer only */
	const char *method;               /* full path as the client asked ("" none) */
	bool registered;                  /* a method of ours (else UNIMPLEMENTED) */
	bool streaming;                   /* a server-streaming or bidi method */
	int status;                       /* grpc_status_code 0..16 */
	const char *message;              /* the status message, "" for none */
	bool client_gone;                 /* ended without a status from us */
	const uint8_t *request;           /* unary: the request message; else NULL */
	size_t request_len;
	const uint8_t *reply; /* unary, OK: the reply message (NULL: empty) */
	size_t reply_len;
};
typedef void (*rtpp_rpc_call_end_fn)(void *ctx, const struct rtpp_rpc_call_end *end);
/* One observer (NULL: none); any time. */
void rtpp_rpc_set_call_observer(struct rtpp_rpc_server *srv, rtpp_rpc_call_end_fn fn, void *ctx);

/*
 * Who made the call, for the observer. The client's address, normalised
 * from grpc's URI: "127.0.0.1:41234", "[::1]:41234"; anything else (a Unix
 * socket: "unix:...") as grpc gives it. The subject of the client's
 * certificate when TLS verified one (api.tls_client_ca), as grpc's
 * x509_subject gives it (RFC 2253: "CN=sbc-1,O=Example"); "" (and false)
 * without one. Truncated to len.
 */
void rtpp_rpc_call_peer(const struct rtpp_rpc_call *call, char *buf, size_t len);
bool rtpp_rpc_call_client_subject(const struct rtpp_rpc_call *call, char *buf, size_t len);

/*
 * Calls that ended, by method and status code (counted as the observer is
 * called, observer or not): the registered methods in the order they were
 * registered, then one entry with method "" for every unregistered one.
 * Returns the number of entries written (at most max_out).
 */
#define RTPP_RPC_STATUS_CODES 17
struct rtpp_rpc_method_calls {
	const char *method; /* lives as long as the server */
	uint64_t by_status[RTPP_RPC_STATUS_CODES];
};
unsigned rtpp_rpc_server_call_counts(const struct rtpp_rpc_server *srv,
				     struct rtpp_rpc_method_calls *out, unsigned max_out);

/* Shut down, cancel every call (gone callbacks fire for calls still owned),
 * drain the completion queue and free everything. */
void rtpp_rpc_server_destroy(struct rtpp_rpc_server *srv);

/* Process-wide grpc runtime settings for speed: switches off Abseil's
 * deadlock detector (on in Debian's debug-mode Abseil build; it serialises
 * every mutex grpc takes on a global graph). rtpp_rpc_server_create() calls
 * it; a grpc client in the same program (tests, benchmarks) may call it
 * first. Idempotent. */
void rtpp_rpc_runtime_tune(void);

#endif
