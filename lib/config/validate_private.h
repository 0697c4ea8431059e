/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to lib/config: the conversion layer's entry point, the one
 * function the loader (config.c) calls once libcyaml has loaded the text.
 */
#ifndef RTPP_CONFIG_VALIDATE_H
#define RTPP_CONFIG_VALIDATE_H

struct config_source;
struct raw_config;
struct rtpp_config;

/*
 * Convert and validate the loaded document into cfg (zeroed by the caller,
 * its source_name set). 0, or -1 with one error written to src. On -1 cfg
 * may hold part of the document: the caller frees it with rtpp_config_free.
 */
int config_convert_all(const struct config_source *src, const struct raw_config *raw,
		       struct rtpp_config *cfg);

#endif
