/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Wiring of the HTTP endpoint: lib/http serves, lib/metrics writes
 * Prometheus's text from the data plane's views and the API server's
 * figures, lib/console serves the web console and its JSON. Everything runs
 * on the main lcore, from the main loop's poll.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_server.h"
#include "rtpp_console.h"
#include "rtpp_http.h"
#include "rtpp_metrics.h"

struct http_server {
	struct rtpp_dataplane *dp;
	struct api_server *api;
	struct rtpp_http_server *http;
	struct rtpp_console *console;
	unsigned int session_series;
};

/* GET /metrics: every family; per-session series with ?sessions=1 when configured. */
static void metrics_get(void *ctx, const struct rtpp_http_request *req,
			struct rtpp_http_response *resp)
{
	struct http_server *s = ctx;
	struct rtpp_metrics_api api;
	struct rtpp_http_stats hs;
	struct rtpp_metrics_http http = { 0 };
	const char *sessions = rtpp_http_query(req, "sessions");
	struct rtpp_metrics_sources src = { .api = &api, .http = &http };

	if (sessions != NULL && strcmp(sessions, "1") == 0) {
		if (s->session_series == 0) {
			resp->status = 403;
			fprintf(resp->out,
				"per-session series are off: set http.session_series to "
				"the most sessions a scrape may list\n");
			return;
		}
		src.session_series = s->session_series;
	}
	api_server_metrics(s->api, &api);
	rtpp_http_server_stats(s->http, &hs);
	memcpy(http.responses_by_class, hs.by_class, sizeof(http.responses_by_class));
	http.writes_refused = hs.writes_refused;
	http.connections = hs.connections;
	resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
	rtpp_metrics_write(resp->out, s->dp, &src);
}

struct http_server *http_server_start(struct rtpp_dataplane *dp, struct api_server *api,
				      const struct rtpp_http_config *cfg,
				      const char *listen_override, char *err, size_t errlen)
{
	struct http_server *s;
	const char *listen = listen_override != NULL ? listen_override : cfg->listen;

	err[0] = '\0';
	if (!cfg->enabled && listen_override == NULL)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		snprintf(err, errlen, "http: out of memory");
		return NULL;
	}
	s->dp = dp;
	s->api = api;
	s->session_series = cfg->session_series;
	s->http = rtpp_http_server_create(cfg, listen_override, err, errlen);
	if (s->http == NULL)
		goto fail;
	if (rtpp_http_route(s->http, "GET", "/metrics", metrics_get, s) != 0) {
		snprintf(err, errlen, "http: too many routes");
		goto fail;
	}
	s->console = rtpp_console_create(s->http, dp, err, errlen);
	if (s->console == NULL)
		goto fail;
	printf("rtpproxy: HTTP on %s (port %u, %s): /metrics, console at /%s%s\n", listen,
	       rtpp_http_server_port(s->http), cfg->tls_cert[0] != '\0' ? "TLS" : "plain HTTP",
	       rtpp_http_server_write_rule(s->http)[0] != '\0' ? "; read-only: " : "",
	       rtpp_http_server_write_rule(s->http));
	return s;
fail:
	http_server_stop(s);
	return NULL;
}

void http_server_poll(struct http_server *s)
{
	if (s == NULL)
		return;
	rtpp_http_server_poll(s->http);
	rtpp_console_tick(s->console);
}

void http_server_audit(struct http_server *s, struct rtpp_audit *audit)
{
	if (s != NULL)
		rtpp_console_set_audit(s->console, audit);
}

void http_server_stop(struct http_server *s)
{
	if (s == NULL)
		return;
	rtpp_http_server_destroy(s->http);
	rtpp_console_destroy(s->console);
	free(s);
}
