/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef RTPP_APP_HTTP_SERVER_H
#define RTPP_APP_HTTP_SERVER_H

#include <stddef.h>

#include "api_server.h"
#include "rtpp_config.h"
#include "rtpp_dataplane.h"

struct http_server;
struct rtpp_audit;

/*
 * Serve /metrics and the console on cfg->listen (or listen_override). NULL
 * with err on failure; NULL with err "" when http.enabled is false.
 */
struct http_server *http_server_start(struct rtpp_dataplane *dp, struct api_server *api,
				      const struct rtpp_http_config *cfg,
				      const char *listen_override, char *err, size_t errlen);
/* Handle what is ready without blocking (main loop). */
void http_server_poll(struct http_server *s);
/* Record the console's writes and refusals (origin "http") into audit (NULL or off: nothing). */
void http_server_audit(struct http_server *s, struct rtpp_audit *audit);
void http_server_stop(struct http_server *s);

#endif
