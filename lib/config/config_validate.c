/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Conversion layer of lib/config, its entry: from the loaded text to struct
 * rtpp_config, one section after the other. Within a section the checks run
 * in document order, so the error reported is the first one a reader of the
 * section would meet; the sections run in the order below, which puts first
 * those that later ones need. It calls only the section converters
 * (sections_private.h); the loader (config.c) calls it.
 */
#include "raw_private.h"
#include "rtpp_config.h"
#include "sections_private.h"
#include "validate_private.h"

int config_convert_all(const struct config_source *src, const struct raw_config *raw,
		       struct rtpp_config *cfg)
{
	if (config_convert_interfaces(src, raw, cfg) != 0 ||
	    config_convert_dataplane(src, raw->dataplane, &cfg->dataplane) != 0 ||
	    config_convert_media(src, raw->media, &cfg->media) != 0 ||
	    config_convert_api(src, raw->api, &cfg->api) != 0 ||
	    /* before the sessions, whose remotes it restricts */
	    config_convert_policy(src, raw->policy, &cfg->policy) != 0)
		return -1;
	return config_convert_sessions(src, raw, cfg);
}
