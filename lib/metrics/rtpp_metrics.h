/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prometheus metrics in the text exposition format (version 0.0.4), written
 * from the data plane's views and what the application adds about its
 * servers. Every family is listed in docs/metrics.md.
 *
 * The format is written here rather than with a client library: Debian's
 * only C/C++ one (prometheus-cpp) is C++ and brings an HTTP server of its
 * own; the format is a few lines of rules, and the tests check the output
 * with Prometheus's own promtool and scrape it with a real server.
 */
#ifndef RTPP_METRICS_H
#define RTPP_METRICS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "rtpp_dataplane.h"

/* The gRPC API's figures (the application's API server fills them). */
#define RTPP_METRICS_MAX_CALL_SERIES 128
struct rtpp_metrics_api {
	unsigned int calls_in_progress;
	unsigned int streams, max_streams;
	uint64_t streams_refused;
	unsigned int event_subscribers;
	uint64_t events_sent, events_dropped;
	unsigned int n_calls;
	struct {
		const char *method; /* "/rtpproxy.RtpProxy/CreateSession", "unregistered" */
		const char *code;   /* gRPC status name: "OK", "INVALID_ARGUMENT" */
		uint64_t count;
	} calls[RTPP_METRICS_MAX_CALL_SERIES];
	uint64_t audit_records, audit_write_errors;
};

/* The HTTP endpoint's own figures. */
struct rtpp_metrics_http {
	uint64_t responses_by_class[6]; /* [2] = 2xx ... [5] = 5xx */
	uint64_t writes_refused;
	unsigned int connections;
};

struct rtpp_metrics_sources {
	const struct rtpp_metrics_api *api;   /* NULL: not shown */
	const struct rtpp_metrics_http *http; /* NULL: not shown */
	/* Per-session series: at most this many sessions (0: none), see docs/metrics.md. */
	unsigned int session_series;
};

/* Write every family to out. */
void rtpp_metrics_write(FILE *out, struct rtpp_dataplane *dp, const struct rtpp_metrics_sources *src);

/* Write s as a label value: backslash, double quote and newline escaped. */
void rtpp_metrics_write_label_value(FILE *out, const char *s);

#endif
