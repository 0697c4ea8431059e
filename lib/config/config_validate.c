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

#include "error_private.h"

/*
 * With a known number of workers, what each worker polls must fit its queue
 * table. (With workers: 0 the data plane checks it at start, once EAL says
 * how many worker lcores there are.)
 */
static int config_check_poll_queues(const struct config_source *src, const struct rtpp_config *cfg)
{
	unsigned int w = cfg->dataplane.workers, n = rtpp_config_worker_poll_queues(cfg, w);

	if (n <= RTPP_MAX_POLL_QUEUES_PER_WORKER)
		return 0;
	return config_fail_field(src, "dataplane", "workers",
				 "with %u workers the first polls %u receive queues (its share of "
				 "the interfaces' rx_queues and one TAP queue per interface), at most "
				 "%u: lower rx_queues or add workers",
				 w, n, RTPP_MAX_POLL_QUEUES_PER_WORKER);
}

int config_convert_all(const struct config_source *src, const struct raw_config *raw,
		       struct rtpp_config *cfg)
{
	if (config_convert_interfaces(src, raw, cfg) != 0 ||
	    config_convert_dataplane(src, raw->dataplane, &cfg->dataplane) != 0 ||
	    config_check_poll_queues(src, cfg) != 0 ||
	    config_convert_media(src, raw->media, &cfg->media) != 0 ||
	    config_convert_api(src, raw->api, &cfg->api) != 0 ||
	    config_convert_tcp(src, raw->tcp, &cfg->tcp) != 0 ||
	    config_convert_http(src, raw->http, &cfg->http) != 0 ||
	    config_convert_audit(src, raw->audit, &cfg->audit) != 0 ||
	    /* before the sessions, whose remotes it restricts */
	    config_convert_policy(src, raw->policy, &cfg->policy) != 0)
		return -1;
	return config_convert_sessions(src, raw, cfg);
}
