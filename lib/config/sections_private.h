/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to lib/config, conversion layer: one converter per top-level key
 * of the document, called by config_convert_all (config_validate.c) only,
 * in document order. They live in config_interfaces.c, config_sessions.c
 * and, for the small sections, config_sections.c. Each returns 0, or -1
 * with one error written to src (see error_private.h).
 */
#ifndef RTPP_CONFIG_SECTIONS_H
#define RTPP_CONFIG_SECTIONS_H

struct config_source;
struct raw_api;
struct raw_audit;
struct raw_http;
struct raw_config;
struct raw_dataplane;
struct raw_media;
struct raw_policy;
struct rtpp_api_config;
struct rtpp_audit_config;
struct rtpp_http_config;
struct rtpp_config;
struct rtpp_dataplane_config;
struct rtpp_media_options;
struct rtpp_policy_config;

/* "interfaces:" into cfg->ifaces and cfg->n_ifaces. */
int config_convert_interfaces(const struct config_source *src, const struct raw_config *raw,
			      struct rtpp_config *cfg);

/* "dataplane:"; raw NULL (section absent): every default. */
int config_convert_dataplane(const struct config_source *src, const struct raw_dataplane *raw,
			     struct rtpp_dataplane_config *dataplane);

/* "api:"; raw NULL (section absent): every default. */
int config_convert_tcp(const struct config_source *src, const struct raw_tcp *raw,
		       struct rtpp_tcp_config *tcp);
int config_convert_api(const struct config_source *src, const struct raw_api *raw,
		       struct rtpp_api_config *api);

/* "http:" and "audit:"; raw NULL (section absent): every default. */
int config_convert_http(const struct config_source *src, const struct raw_http *raw,
			struct rtpp_http_config *http);
int config_convert_audit(const struct config_source *src, const struct raw_audit *raw,
			 struct rtpp_audit_config *audit);

/* "policy:"; raw NULL (section absent): no restriction. */
int config_convert_policy(const struct config_source *src, const struct raw_policy *raw,
			  struct rtpp_policy_config *policy);

/* "media:"; raw NULL (section absent): every default. */
int config_convert_media(const struct config_source *src, const struct raw_media *raw,
			 struct rtpp_media_options *media);

/*
 * "sessions:" into cfg->sessions (malloc'd) and cfg->n_sessions. Needs the
 * interfaces, dataplane.max_sessions and the policy already in cfg.
 */
int config_convert_sessions(const struct config_source *src, const struct raw_config *raw,
			    struct rtpp_config *cfg);

#endif
