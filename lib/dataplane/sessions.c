/* SPDX-License-Identifier: BSD-3-Clause */
/* Creating and destroying sessions: admission, the table, what a session holds. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "events_private.h"
#include "neigh_service_private.h"
#include "sessions_private.h"
#include "views_private.h"

/* What a session holds besides its slot: next-hop references and media ports. */
static void release_session(void *ctx, const struct rtpp_session *s,
			    const struct rtpp_session_info *info)
{
	struct rtpp_dataplane *dp = ctx;

	for (unsigned int l = 0; l < RTPP_LEGS_PER_SESSION; l++) {
		const struct rtpp_leg *leg = &s->leg[l];

		if (leg->neigh != RTPP_NEIGH_NONE)
			rtpp_neigh_unref(dp->neigh, leg->neigh);
		rtpp_admission_release_port(&dp->admission, leg->iface, leg->local.port, info->rtcp);
	}
}

static bool endpoint_taken(void *ctx, const struct rtpp_endpoint *local)
{
	const struct rtpp_dataplane *dp = ctx;

	return rtpp_session_find_local(dp->sessions, local) != RTPP_SESSION_INVALID;
}

int rtpp_sessions_init(struct rtpp_dataplane *dp, char *err, size_t errlen)
{
	rtpp_session_set_release(dp->sessions, release_session, dp);
	return rtpp_admission_init(&dp->admission, dp->cfg, dp->n_ifaces, endpoint_taken, dp, err,
				   errlen);
}

void rtpp_sessions_fini(struct rtpp_dataplane *dp)
{
	rtpp_admission_fini(&dp->admission);
}

/* Take a next-hop reference for each leg whose remote is known; all or nothing. */
static int ref_next_hops_locked(struct rtpp_dataplane *dp, const struct rtpp_admitted *ad,
				struct rtpp_session_params *p, char *err, size_t errlen)
{
	for (unsigned int l = 0; l < RTPP_LEGS_PER_SESSION; l++) {
		if (!ad->has_remote[l])
			continue;
		p->leg[l].neigh = rtpp_neigh_ref(dp->neigh, ad->iface[l], &ad->next_hop[l]);
		if (p->leg[l].neigh == RTPP_NEIGH_NONE) {
			snprintf(err, errlen, "neighbour table full");
			return -ENOSPC;
		}
	}
	return 0;
}

int rtpp_dataplane_session_create(struct rtpp_dataplane *dp, const struct rtpp_session_request *req,
				  uint64_t *id, char *err, size_t errlen)
{
	struct rtpp_session_params p = {
		.name = req->name,
		.rtcp = req->rtcp,
		.is_static = req->is_static,
	};
	struct rtpp_admitted ad;
	uint32_t index;
	int rc;

	pthread_mutex_lock(&dp->lock);
	rc = rtpp_admission_check(&dp->admission, req, &ad, err, errlen);
	if (rc == 0)
		rc = rtpp_admission_take_ports(&dp->admission, &ad, req->rtcp, err, errlen);
	if (rc != 0)
		goto out;
	for (unsigned int l = 0; l < RTPP_LEGS_PER_SESSION; l++)
		p.leg[l] = (struct rtpp_leg){
			.local = ad.local[l],
			.iface = ad.iface[l],
			.neigh = RTPP_NEIGH_NONE,
		};
	p.leg[RTPP_LEG_A].remote = req->source;
	p.leg[RTPP_LEG_B].remote = req->destination;
	rc = ref_next_hops_locked(dp, &ad, &p, err, errlen);
	if (rc == 0) {
		rc = rtpp_session_add(dp->sessions, &p, &index, id);
		if (rc == -ENOSPC)
			snprintf(err, errlen, "session table full (%u sessions)",
				 rtpp_session_capacity(dp->sessions));
		else if (rc != 0)
			snprintf(err, errlen, "session refused: %s", strerror(-rc));
	}
	if (rc != 0) {
		/* Give back what this request took: the session never existed. */
		release_session(dp, &(struct rtpp_session){ .leg = { p.leg[0], p.leg[1] } },
				&(struct rtpp_session_info){ .rtcp = req->rtcp });
		goto out;
	}
	rtpp_events_emit_locked(dp, RTPP_EVENT_CREATED, index, RTPP_SESSION_FREE,
				RTPP_SESSION_CREATED);
	for (unsigned int l = 0; l < RTPP_LEGS_PER_SESSION; l++)
		if (p.leg[l].neigh != RTPP_NEIGH_NONE)
			rtpp_neigh_service_probe_new_locked(dp, p.leg[l].neigh);
out:
	pthread_mutex_unlock(&dp->lock);
	return rc;
}

int rtpp_dataplane_session_destroy(struct rtpp_dataplane *dp, uint64_t id,
				   struct rtpp_session_status *final)
{
	struct rtpp_session_status st, *snap = final != NULL ? final : &st;
	uint32_t index;
	int rc;

	pthread_mutex_lock(&dp->lock);
	index = rtpp_session_find(dp->sessions, id);
	if (index == RTPP_SESSION_INVALID) {
		rc = -ENOENT;
	} else {
		enum rtpp_session_state old = rtpp_session_state(dp->sessions, index);

		/* Read before the slot goes: the final counters are still there. */
		if (final != NULL || rtpp_events_wanted_locked(dp))
			rtpp_views_session_status_locked(dp, index, snap);
		if (rtpp_events_wanted_locked(dp))
			rtpp_events_emit_status_locked(dp, RTPP_EVENT_CLOSED, snap, old,
						       RTPP_SESSION_CLOSED);
		rc = rtpp_session_del(dp->sessions, index);
	}
	pthread_mutex_unlock(&dp->lock);
	return rc;
}

int rtpp_dataplane_create_static_sessions(struct rtpp_dataplane *dp, char *err, size_t errlen)
{
	const struct rtpp_config *cfg = dp->cfg;

	for (unsigned int i = 0; i < cfg->n_sessions; i++) {
		const struct rtpp_static_session_config *sc = &cfg->sessions[i];
		struct rtpp_session_request req = {
			.name = sc->name,
			.listen = sc->listen,
			.forward = sc->forward,
			.destination = sc->destination,
			.source = sc->source,
			.rtcp = sc->rtcp,
			.is_static = true,
		};
		char why[256];
		uint64_t id;

		if (rtpp_dataplane_session_create(dp, &req, &id, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "%s: sessions[%u] (%s): %s", cfg->source_name, i,
				 sc->name, why);
			return -1;
		}
		DP_LOG(INFO, "static session %s created as id %" PRIu64 "\n", sc->name, id);
	}
	return 0;
}
