/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The service's probe over the data plane's public views: each worker's
 * loop counter (advanced once per poll loop, idle sleeps included), and what
 * READY=1 waits for: data ports whose link is down, next hops in use that
 * have not answered ARP/ND yet.
 */
#include <stdio.h>

#include <rte_ethdev.h>

#include "rtpp_addr.h"
#include "rtpp_dataplane.h"
#include "rtpp_service.h"
#include "rtpp_service_test.h"

static int worker_progress(void *ctx, unsigned int i, struct rtpp_service_worker *out)
{
	struct rtpp_worker_view v;

	if (rtpp_dataplane_worker_view(ctx, i, &v) != 0)
		return -1;
	out->id = v.id;
	out->lcore = v.lcore;
	out->loops = v.loops;
	return 0;
}

struct missing {
	unsigned int n;
	char *what;
	size_t len;
};

static void count_unresolved(void *ctx, const struct rtpp_neigh_view *n)
{
	struct missing *m = ctx;
	char addr[RTPP_ADDR_STRLEN];

	/* A next hop no session uses yet is no reason to wait. */
	if (n->usable || n->sessions == 0)
		return;
	if (m->n++ == 0)
		snprintf(m->what, m->len, "next hop %s on %s",
			 rtpp_addr_format(&n->addr, addr, sizeof(addr)), n->iface);
}

static unsigned int startup_missing(void *ctx, char *what, size_t len)
{
	struct rtpp_dataplane *dp = ctx;
	struct missing m = { .n = 0, .what = what, .len = len };
	struct rtpp_iface_view v;

	for (unsigned int i = 0; rtpp_dataplane_iface_view(dp, i, &v) == 0; i++) {
		struct rte_eth_link link;

		if (rte_eth_link_get_nowait(v.port_id, &link) == 0 &&
		    link.link_status == RTE_ETH_LINK_UP)
			continue;
		if (m.n++ == 0)
			snprintf(what, len, "the link of %s", v.name);
	}
	rtpp_dataplane_neigh_walk(dp, count_unresolved, &m);
	return m.n;
}

struct rtpp_service *rtpp_service_create(struct rtpp_dataplane *dp)
{
	const struct rtpp_service_probe probe = {
		.ctx = dp,
		.worker = worker_progress,
		.pending = startup_missing,
	};

	return rtpp_service_create_probe(&probe);
}
