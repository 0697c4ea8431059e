/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef RTPP_APP_API_SERVER_H
#define RTPP_APP_API_SERVER_H

#include <stddef.h>

#include "rtpp_config.h"
#include "rtpp_dataplane.h"

struct api_server;

/* Serve the API on cfg->listen (or listen_override); NULL with err on failure. */
struct api_server *api_server_start(struct rtpp_dataplane *dp, const struct rtpp_api_config *cfg,
				    const char *listen_override, char *err, size_t errlen);
/* Handle what is ready, waiting at most timeout_ms. */
void api_server_poll(struct api_server *s, int timeout_ms);
void api_server_stop(struct api_server *s);

#endif
