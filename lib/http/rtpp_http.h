/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HTTP endpoint (libmicrohttpd): Prometheus /metrics, the web console and
 * the JSON behind it. Routes map a method and a path to a handler that
 * writes its answer into a memory stream.
 *
 * Single-threaded like lib/rpc: the server never runs a thread of its own;
 * every handler runs inside rtpp_http_server_poll(), called from the main
 * lcore's loop, so handlers may use the data plane's control functions
 * without locks. libmicrohttpd is driven with its epoll set (no select(), so
 * descriptor numbers above 1024 are fine).
 */
#ifndef RTPP_HTTP_H
#define RTPP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rtpp_config.h"

struct rtpp_http_server;

/* Largest request body taken (a session create is a few hundred bytes). */
#define RTPP_HTTP_MAX_BODY 65536

/* One request, as a handler sees it. */
struct rtpp_http_request {
	const char *method; /* "GET", "POST", "DELETE", ... */
	const char *path;   /* without the query: "/api/sessions/12" */
	const char *tail;   /* of a prefix route: what follows the prefix ("12") */
	const char *body;   /* NUL-terminated; "" when none */
	size_t body_len;
	const char *peer;    /* "ADDRESS:PORT" ("[2001:db8::1]:40000" for IPv6) */
	const char *subject; /* the verified client certificate's subject DN; NULL when none */
	bool may_write;      /* the operator may change things (see rtpp_http_config) */
	const char *why_read_only; /* when !may_write: why, for the answer */
	void *connection;          /* for rtpp_http_query/rtpp_http_header */
};

/* A query argument ("?sessions=1") or a request header; NULL when absent. */
const char *rtpp_http_query(const struct rtpp_http_request *req, const char *key);
const char *rtpp_http_header(const struct rtpp_http_request *req, const char *name);

/* What a handler answers: status (200 unless set) and body written to out. */
struct rtpp_http_response {
	unsigned int status;
	const char *content_type; /* default "text/plain; charset=utf-8" */
	FILE *out;                /* a memory stream; write the body here */
	const char *allow;        /* for 405: the methods the path takes */
};

typedef void (*rtpp_http_handler_fn)(void *ctx, const struct rtpp_http_request *req,
				     struct rtpp_http_response *resp);

/* Figures of the server, for /metrics. */
struct rtpp_http_stats {
	uint64_t requests;        /* answered, every status */
	uint64_t by_class[6];     /* 1xx..5xx in [1]..[5] */
	uint64_t writes_refused;  /* a write asked for without the right to */
	unsigned int connections; /* open now */
};

/*
 * Listen on cfg->listen (TLS when cfg->tls_cert is set). NULL with err on
 * failure (address in use, unreadable or invalid PEM, ...). listen_override,
 * when not NULL, replaces cfg->listen.
 */
struct rtpp_http_server *rtpp_http_server_create(const struct rtpp_http_config *cfg,
						 const char *listen_override, char *err,
						 size_t errlen);

/*
 * Serve method on path: exactly, or every path under it when path ends with
 * '/' (the handler finds the rest in req->tail). method NULL: any method.
 * The first matching route wins. 0, or -1 when the table is full.
 */
int rtpp_http_route(struct rtpp_http_server *s, const char *method, const char *path,
		    rtpp_http_handler_fn fn, void *ctx);

/*
 * Told of every write the rule refused (403), before the answer goes: req
 * as a handler would have seen it (no tail), reason the 403's text. For the
 * audit trail. fn NULL: nobody.
 */
typedef void (*rtpp_http_refusal_fn)(void *ctx, const struct rtpp_http_request *req,
				     const char *reason);
void rtpp_http_set_refusal_observer(struct rtpp_http_server *s, rtpp_http_refusal_fn fn, void *ctx);

/* Handle what is ready without blocking. */
void rtpp_http_server_poll(struct rtpp_http_server *s);

/* The port it listens on (useful with port 0), and its figures. */
uint16_t rtpp_http_server_port(const struct rtpp_http_server *s);
void rtpp_http_server_stats(const struct rtpp_http_server *s, struct rtpp_http_stats *out);

/* Why the server refuses writes to every client ("" when some may write). */
const char *rtpp_http_server_write_rule(const struct rtpp_http_server *s);

void rtpp_http_server_destroy(struct rtpp_http_server *s);

#endif
