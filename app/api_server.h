/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef RTPP_APP_API_SERVER_H
#define RTPP_APP_API_SERVER_H

#include <stddef.h>

#include "rtpp_config.h"
#include "rtpp_dataplane.h"
#include "rtpp_metrics.h"

struct api_server;
struct rtpp_audit;
struct rtpp_rpc_method_calls;

/* Serve the API on cfg->listen (or listen_override); NULL with err on failure. */
struct api_server *api_server_start(struct rtpp_dataplane *dp, const struct rtpp_api_config *cfg,
				    const char *listen_override, char *err, size_t errlen);
/* Handle what is ready, waiting at most timeout_ms. */
void api_server_poll(struct api_server *s, int timeout_ms);
void api_server_stop(struct api_server *s);
/* The server's figures for /metrics. */
void api_server_metrics(struct api_server *s, struct rtpp_metrics_api *out);
/*
 * Audit into audit (NULL or off: nothing) from now on: the configuration the
 * proxy runs with and each static session, at once; then every control
 * call and refusal as it ends, and the data plane's expiries (docs/audit.md).
 */
void api_server_audit(struct api_server *s, struct rtpp_audit *audit, const struct rtpp_config *cfg);
/* Calls ended so far by method and gRPC status code: lib/rpc's table (the
 * registered methods, then method "" for unregistered ones); entries written. */
unsigned int api_server_call_counts(const struct api_server *s, struct rtpp_rpc_method_calls *out,
				    unsigned int max_out);

#endif
