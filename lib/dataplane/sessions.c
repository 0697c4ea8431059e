/* SPDX-License-Identifier: BSD-3-Clause */
/* Creating and destroying sessions: admission, the table, what a session holds. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "events_private.h"
#include "media_private.h"
#include "neigh_service_private.h"
#include "sessions_private.h"
#include "tcp_sessions_private.h"
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

	/* Either protocol: an interface's ports are one pool for both. */
	return rtpp_session_find_local(dp->sessions, RTPP_PROTO_UDP, local) != RTPP_SESSION_INVALID ||
	       rtpp_session_find_local(dp->sessions, RTPP_PROTO_TCP, local) != RTPP_SESSION_INVALID;
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

/*
 * When an open learning window that starts now ends; 0: no window (none
 * asked for, or a static session, provisioned for as long as the proxy runs).
 */
static uint64_t window_end(const struct rtpp_media_options *m, bool is_static)
{
	if (is_static || m->learning_window_ms == 0)
		return 0;
	return rte_rdtsc() + m->learning_window_ms * rte_get_tsc_hz() / 1000;
}

/* How a new leg knows its remote: given, learnt from an expected address, or within a window. */
static void leg_learning(const struct rtpp_session_request *req, unsigned int l,
			 const struct rtpp_media_options *m, struct rtpp_session_params *p)
{
	p->leg[l].rtcp_port = (uint16_t)(p->leg[l].remote.port + 1);
	if (rtpp_addr_is_set(&p->leg[l].remote.addr)) {
		p->leg[l].learning = RTPP_LEARN_GIVEN;
		return;
	}
	p->leg[l].remote.addr.family = RTPP_AF_NONE;
	p->learn[l].expected = req->expected[l];
	if (req->expected[l].family != RTPP_AF_NONE) {
		p->leg[l].learning = RTPP_LEARN_EXPECTED;
		return;
	}
	p->leg[l].learning = RTPP_LEARN_OPEN;
	p->learn[l].window_end_tsc = window_end(m, req->is_static);
}

int rtpp_dataplane_session_create(struct rtpp_dataplane *dp, const struct rtpp_session_request *req,
				  uint64_t *id, char *err, size_t errlen)
{
	const bool tcp = req->protocol == RTPP_PROTO_TCP;
	struct rtpp_session_params p = {
		.name = req->name,
		.rtcp = req->rtcp && !tcp, /* TCP has no RTCP port of its own (RFC 4571) */
		.is_static = req->is_static,
		.media = *rtpp_media_defaults(dp),
		.protocol = tcp ? RTPP_PROTO_TCP : RTPP_PROTO_UDP,
	};
	struct rtpp_admitted ad;
	uint16_t meter = 0;
	uint32_t index;
	int rc;

	if (req->protocol != 0 && req->protocol != RTPP_PROTO_UDP && !tcp) {
		snprintf(err, errlen, "protocol: %u is neither UDP nor TCP", req->protocol);
		return -EINVAL;
	}
	if (tcp && !rtpp_tcp_sessions_available(dp)) {
		snprintf(err, errlen, "protocol: this data plane relays no TCP");
		return -EPROTONOSUPPORT;
	}
	rc = rtpp_media_apply(&p.media, &req->media, err, errlen);
	if (rc != 0)
		return rc;
	pthread_mutex_lock(&dp->lock);
	rc = rtpp_admission_check(&dp->admission, req, &ad, err, errlen);
	/* The kernel paces TCP: no meter for it (the API refuses rate limits there). */
	if (rc == 0 && !tcp)
		rc = rtpp_media_rate_acquire_locked(dp, p.media.rate_limit_pps,
						    p.media.rate_limit_bps, &meter, err, errlen);
	if (rc == 0) {
		rc = rtpp_admission_take_ports(&dp->admission, &ad, p.rtcp, err, errlen);
		if (rc != 0)
			rtpp_media_rate_release_locked(dp, meter);
	}
	if (rc != 0)
		goto out;
	for (unsigned int l = 0; l < RTPP_LEGS_PER_SESSION; l++) {
		p.leg[l] = (struct rtpp_leg){
			.local = ad.local[l],
			.iface = ad.iface[l],
			.neigh = RTPP_NEIGH_NONE,
			.meter = meter,
		};
		rtpp_media_leg_rules(&p.media, &p.leg[l]);
	}
	p.leg[RTPP_LEG_A].remote = req->source;
	p.leg[RTPP_LEG_B].remote = req->destination;
	for (unsigned int l = 0; l < RTPP_LEGS_PER_SESSION; l++)
		leg_learning(req, l, &p.media, &p);
	if (tcp) {
		/* The kernel routes and resolves TCP's next hops; the remotes are given. */
		p.leg[RTPP_LEG_A].learning = RTPP_LEARN_GIVEN;
		p.learn[RTPP_LEG_A].window_end_tsc = 0;
	} else {
		rc = ref_next_hops_locked(dp, &ad, &p, err, errlen);
	}
	if (rc == 0) {
		rc = rtpp_session_add(dp->sessions, &p, &index, id);
		if (rc == -ENOSPC)
			snprintf(err, errlen, "session table full (%u sessions)",
				 rtpp_session_capacity(dp->sessions));
		else if (rc != 0)
			snprintf(err, errlen, "session refused: %s", strerror(-rc));
	}
	if (rc == 0 && tcp) {
		rtpp_session_info_mut(dp->sessions, index)->rfc4571 = req->rfc4571;
		rc = rtpp_tcp_session_start_locked(dp, index, req, err, errlen);
		if (rc != 0) {
			/* Out of the table again; its ports return after the grace period. */
			rtpp_session_del(dp->sessions, index);
			goto out;
		}
	}
	if (rc != 0) {
		/* Give back what this request took: the session never existed. */
		release_session(dp, &(struct rtpp_session){ .leg = { p.leg[0], p.leg[1] } },
				&(struct rtpp_session_info){ .rtcp = p.rtcp });
		rtpp_media_rate_release_locked(dp, meter);
		goto out;
	}
	/* Both legs hold a reference to the profile, each released at close. */
	if (meter != 0)
		dp->rate_profiles[meter].refs++;
	if (!tcp) /* a TCP session is CREATED (listening) until the relay says more */
		rtpp_media_initial_state_locked(dp, index);
	rtpp_events_emit_locked(dp, RTPP_EVENT_CREATED, index, RTPP_SESSION_FREE,
				rtpp_session_state(dp->sessions, index));
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
	uint32_t index;
	int rc = 0;

	pthread_mutex_lock(&dp->lock);
	index = rtpp_session_find(dp->sessions, id);
	if (index == RTPP_SESSION_INVALID)
		rc = -ENOENT;
	else
		rtpp_media_close_locked(dp, index, RTPP_CLOSE_DESTROYED, final);
	pthread_mutex_unlock(&dp->lock);
	return rc;
}

/* What an update will do to one leg, checked before anything changes. */
struct leg_change {
	bool touched;
	struct rtpp_leg v;
	struct rtpp_leg_learn learn;
	uint32_t new_neigh; /* a reference taken for a new remote, or RTPP_NEIGH_NONE */
};

static const char *const update_leg_fields[RTPP_LEGS_PER_SESSION] = { "leg_a", "leg_b" };

static int plan_leg(struct rtpp_dataplane *dp, uint32_t index, unsigned int l,
		    const struct rtpp_leg_update *u, const struct rtpp_media_options *m,
		    struct leg_change *c, char *err, size_t errlen)
{
	const struct rtpp_leg *leg = &rtpp_session_get(dp->sessions, index)->leg[l];
	const char *field = update_leg_fields[l];
	char sub[32];
	int rc;

	c->v = *leg;
	c->learn = rtpp_session_learn_array(dp->sessions)[index * RTPP_LEGS_PER_SESSION + l];
	c->new_neigh = RTPP_NEIGH_NONE;
	c->touched = u->set_remote || u->set_expected || u->relearn || u->set_paused;
	if (u->set_remote && u->relearn) {
		snprintf(err, errlen, "%s: remote and relearn exclude each other", field);
		return -EINVAL;
	}
	if (u->set_expected) {
		snprintf(sub, sizeof(sub), "%s.expected_address", field);
		rc = rtpp_admission_expected(&dp->admission, sub, &u->expected, &leg->local, err,
					     errlen);
		if (rc != 0)
			return rc;
		c->learn.expected = u->expected;
	}
	if (u->set_remote) {
		struct rtpp_addr nh;

		snprintf(sub, sizeof(sub), "%s.remote", field);
		rc = rtpp_admission_remote(&dp->admission, sub, &u->remote, &leg->local, leg->iface,
					   &nh, err, errlen);
		if (rc != 0)
			return rc;
		c->new_neigh = rtpp_neigh_ref(dp->neigh, leg->iface, &nh);
		if (c->new_neigh == RTPP_NEIGH_NONE) {
			snprintf(err, errlen, "neighbour table full");
			return -ENOSPC;
		}
		c->v.remote = u->remote;
		c->v.rtcp_port = (uint16_t)(u->remote.port + 1);
		c->v.flags &= (uint8_t)~RTPP_LEG_F_RTCP_CONFIRMED;
		c->v.learning = RTPP_LEARN_GIVEN;
		c->v.ssrc = 0;
		c->v.neigh = c->new_neigh;
	} else if (u->relearn || (u->set_expected && c->v.learning != RTPP_LEARN_GIVEN &&
				  c->v.learning != RTPP_LEARN_LATCHED)) {
		/* Learning (again): from the expected address, or within a new window. */
		memset(&c->v.remote, 0, sizeof(c->v.remote));
		c->v.flags &= (uint8_t)~RTPP_LEG_F_RTCP_CONFIRMED;
		c->v.ssrc = 0;
		c->v.neigh = RTPP_NEIGH_NONE;
		c->v.learning = c->learn.expected.family != RTPP_AF_NONE ? RTPP_LEARN_EXPECTED :
									   RTPP_LEARN_OPEN;
		c->learn.window_end_tsc =
			c->v.learning == RTPP_LEARN_OPEN ?
				window_end(m, rtpp_session_get_info(dp->sessions, index)->is_static) :
				0;
	}
	if (u->set_paused) {
		if (u->paused)
			c->v.flags |= RTPP_LEG_F_PAUSED;
		else
			c->v.flags &= (uint8_t)~RTPP_LEG_F_PAUSED;
	}
	return 0;
}

int rtpp_dataplane_session_update(struct rtpp_dataplane *dp, const struct rtpp_session_update *u,
				  struct rtpp_session_status *out, char *err, size_t errlen)
{
	struct leg_change c[RTPP_LEGS_PER_SESSION];
	struct rtpp_media_options m;
	struct rtpp_session_info *info;
	uint16_t meter = 0, old_meter;
	uint32_t index;
	int rc = 0;

	memset(c, 0, sizeof(c));
	for (unsigned int l = 0; l < RTPP_LEGS_PER_SESSION; l++)
		c[l].new_neigh = RTPP_NEIGH_NONE; /* what the refusal path gives back */
	pthread_mutex_lock(&dp->lock);
	index = rtpp_session_find(dp->sessions, u->id);
	if (index == RTPP_SESSION_INVALID) {
		snprintf(err, errlen, "session_id: no session %" PRIu64, u->id);
		rc = -ENOENT;
		goto out;
	}
	info = rtpp_session_info_mut(dp->sessions, index);
	old_meter = rtpp_session_get(dp->sessions, index)->leg[0].meter;
	m = info->media;
	rc = rtpp_media_apply(&m, &u->media, err, errlen);
	for (unsigned int l = 0; rc == 0 && l < RTPP_LEGS_PER_SESSION; l++)
		rc = plan_leg(dp, index, l, &u->leg[l], &m, &c[l], err, errlen);
	if (rc == 0)
		rc = rtpp_media_rate_acquire_locked(dp, m.rate_limit_pps, m.rate_limit_bps, &meter,
						    err, errlen);
	if (rc != 0) {
		for (unsigned int l = 0; l < RTPP_LEGS_PER_SESSION; l++)
			if (c[l].new_neigh != RTPP_NEIGH_NONE)
				rtpp_neigh_unref(dp->neigh, c[l].new_neigh);
		goto out;
	}
	/* Checked: now apply, each leg in one step that workers see whole. */
	if (meter != 0)
		dp->rate_profiles[meter].refs++; /* one per leg */
	info->media = m;
	for (unsigned int l = 0; l < RTPP_LEGS_PER_SESSION; l++) {
		uint32_t old_neigh = rtpp_session_get(dp->sessions, index)->leg[l].neigh;

		rtpp_media_leg_rules(&m, &c[l].v);
		c[l].v.meter = meter;
		rtpp_session_leg_update(dp->sessions, index, l, &c[l].v, &c[l].learn);
		rtpp_media_rate_release_locked(dp, old_meter);
		/* A new remote took a reference of its own, even to the same next hop. */
		if (old_neigh != RTPP_NEIGH_NONE &&
		    (old_neigh != c[l].v.neigh || c[l].new_neigh != RTPP_NEIGH_NONE))
			rtpp_neigh_unref(dp->neigh, old_neigh);
		if (c[l].new_neigh != RTPP_NEIGH_NONE)
			rtpp_neigh_service_probe_new_locked(dp, c[l].new_neigh);
		if (c[l].touched && info->error_leg == l &&
		    info->error_kind != RTPP_SESSION_ERR_NONE) {
			/* The control plane acted on this leg: whatever was wrong is its call now. */
			info->error_kind = RTPP_SESSION_ERR_NONE;
			info->error[0] = '\0';
			info->unresolved_tsc[l] = 0;
		}
	}
	rtpp_media_restate_locked(dp, index);
	if (out != NULL)
		rtpp_views_session_status_locked(dp, index, out);
out:
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
			.expected = { sc->expected_source },
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
