/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * StreamSessionEvents: every subscriber gets the data plane's session events
 * that match its filter, numbered per subscriber, plus periodic statistics
 * when it asked for them. Sending never blocks: a subscriber whose queue is
 * full loses events, counted, and is told with one OVERFLOW event carrying
 * the count as soon as its queue has room again. One slow or dead subscriber
 * therefore costs the others nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rtpp_api.h"

struct subscriber {
	void *sink;
	rtpp_api_send_fn send;
	uint64_t session_id;        /* 0: all */
	uint32_t stats_interval_ms; /* 0: none */
	uint64_t next_stats_ms;
	uint64_t sequence;
	uint64_t dropped;           /* not yet reported */
	bool gone;
};

struct rtpp_api_events {
	struct rtpp_dataplane *dp;
	struct subscriber *subs;
	unsigned int n_subs, cap_subs;
	bool listening;             /* our handler is the data plane's */
	struct rtpp_api_events_stats stats;
};

static uint64_t now_unix_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Encode ev for one subscriber and hand it over; false when it could not be queued. */
static bool deliver(struct rtpp_api_events *evs, struct subscriber *s, Rtpproxy__SessionEvent *ev)
{
	uint8_t stack_buf[2048];
	size_t len;
	int rc;

	ev->sequence = s->sequence + 1;
	len = rtpproxy__session_event__get_packed_size(ev);
	uint8_t *buf = len <= sizeof(stack_buf) ? stack_buf : malloc(len);
	if (buf == NULL)
		return false;
	rtpproxy__session_event__pack(ev, buf);
	rc = s->send(s->sink, buf, len);
	if (buf != stack_buf)
		free(buf);
	if (rc == 0) {
		s->sequence++;
		evs->stats.sent++;
		return true;
	}
	if (rc == -EPIPE)
		s->gone = true;
	return false;
}

/* Send ev to s, reporting earlier losses first. */
static void send_to(struct rtpp_api_events *evs, struct subscriber *s, Rtpproxy__SessionEvent *ev)
{
	if (s->gone)
		return;
	if (s->dropped > 0) {
		Rtpproxy__SessionEvent overflow = RTPPROXY__SESSION_EVENT__INIT;

		overflow.type = RTPPROXY__EVENT_TYPE__EVENT_TYPE_OVERFLOW;
		overflow.unix_ms = ev->unix_ms;
		overflow.dropped_events = s->dropped;
		if (!deliver(evs, s, &overflow)) {
			s->dropped++;
			evs->stats.dropped++;
			return;
		}
		s->dropped = 0;
	}
	if (!deliver(evs, s, ev) && !s->gone) {
		s->dropped++;
		evs->stats.dropped++;
	}
}

static void remove_gone(struct rtpp_api_events *evs)
{
	unsigned int w = 0;

	for (unsigned int r = 0; r < evs->n_subs; r++)
		if (!evs->subs[r].gone)
			evs->subs[w++] = evs->subs[r];
	evs->n_subs = w;
}

/* The data plane's handler: runs on the main lcore. */
static void on_session_event(void *ctx, const struct rtpp_session_event *e)
{
	static const Rtpproxy__EventType types[] = {
		[RTPP_EVENT_CREATED] = RTPPROXY__EVENT_TYPE__EVENT_TYPE_CREATED,
		[RTPP_EVENT_STATE_CHANGED] = RTPPROXY__EVENT_TYPE__EVENT_TYPE_STATE_CHANGED,
		[RTPP_EVENT_CLOSED] = RTPPROXY__EVENT_TYPE__EVENT_TYPE_CLOSED,
	};
	struct rtpp_api_events *evs = ctx;
	struct rtpp_api_status_msg m;
	Rtpproxy__SessionEvent ev = RTPPROXY__SESSION_EVENT__INIT;

	rtpp_api_status_to_pb(e->status, &m);
	ev.type = types[e->type];
	ev.session_id = e->session_id;
	ev.unix_ms = now_unix_ms();
	ev.previous_state = (Rtpproxy__SessionState)e->old_state;
	ev.status = &m.status;
	for (unsigned int i = 0; i < evs->n_subs; i++) {
		struct subscriber *s = &evs->subs[i];

		if (s->session_id == 0 || s->session_id == e->session_id)
			send_to(evs, s, &ev);
	}
	remove_gone(evs);
}

/*
 * The data plane builds a status snapshot for every event it reports, so the
 * handler is set only while someone subscribes: with no subscriber a create
 * or destroy costs no snapshot. Not called from on_session_event (the data
 * plane holds its lock there): subscribe, unsubscribe and tick catch up.
 */
static void update_listening(struct rtpp_api_events *evs)
{
	bool want = evs->n_subs > 0;

	if (want == evs->listening)
		return;
	rtpp_dataplane_set_event_handler(evs->dp, want ? on_session_event : NULL,
					 want ? evs : NULL);
	evs->listening = want;
}

struct rtpp_api_events *rtpp_api_events_create(struct rtpp_dataplane *dp)
{
	struct rtpp_api_events *evs = calloc(1, sizeof(*evs));

	if (evs == NULL)
		return NULL;
	evs->dp = dp;
	return evs;
}

void rtpp_api_events_destroy(struct rtpp_api_events *evs)
{
	if (evs == NULL)
		return;
	if (evs->listening)
		rtpp_dataplane_set_event_handler(evs->dp, NULL, NULL);
	free(evs->subs);
	free(evs);
}

int rtpp_api_events_subscribe(struct rtpp_api_events *evs, void *sink, rtpp_api_send_fn send,
			      const uint8_t *req, size_t len, char *msg, size_t msglen)
{
	Rtpproxy__StreamSessionEventsRequest *r =
		rtpproxy__stream_session_events_request__unpack(NULL, len, req);
	struct rtpp_session_status st;

	if (r == NULL) {
		snprintf(msg, msglen, "request: not a StreamSessionEventsRequest");
		return RTPP_API_INVALID_ARGUMENT;
	}
	struct subscriber s = {
		.sink = sink, .send = send, .session_id = r->session_id,
		.stats_interval_ms = r->stats_interval_ms,
	};
	rtpproxy__stream_session_events_request__free_unpacked(r, NULL);
	if (s.session_id != 0 && rtpp_dataplane_session_status(evs->dp, s.session_id, &st) != 0) {
		snprintf(msg, msglen, "session_id: no session %llu", (unsigned long long)s.session_id);
		return RTPP_API_NOT_FOUND;
	}
	if (s.stats_interval_ms != 0 && s.stats_interval_ms < 100) {
		snprintf(msg, msglen, "stats_interval_ms: %u, at least 100 (or 0 for none)",
			 s.stats_interval_ms);
		return RTPP_API_INVALID_ARGUMENT;
	}
	if (evs->n_subs == evs->cap_subs) {
		unsigned int cap = evs->cap_subs ? evs->cap_subs * 2 : 8;
		struct subscriber *grown = realloc(evs->subs, cap * sizeof(*grown));

		if (grown == NULL) {
			snprintf(msg, msglen, "no memory for another subscriber");
			return RTPP_API_RESOURCE_EXHAUSTED;
		}
		evs->subs = grown;
		evs->cap_subs = cap;
	}
	s.next_stats_ms = now_unix_ms() + s.stats_interval_ms;
	evs->subs[evs->n_subs++] = s;
	update_listening(evs);
	return RTPP_API_OK;
}

void rtpp_api_events_unsubscribe(struct rtpp_api_events *evs, void *sink)
{
	for (unsigned int i = 0; i < evs->n_subs; i++)
		if (evs->subs[i].sink == sink)
			evs->subs[i].gone = true;
	remove_gone(evs);
	update_listening(evs);
}

/* One subscriber's periodic statistics: a STATS_UPDATE per live session it watches. */
static void send_stats(struct rtpp_api_events *evs, struct subscriber *s, uint64_t now)
{
	struct rtpp_session_status st[64];
	struct rtpp_api_status_msg m;
	uint32_t cursor = 0;
	unsigned int n;

	do {
		if (s->session_id != 0) {
			n = rtpp_dataplane_session_status(evs->dp, s->session_id, &st[0]) == 0;
			cursor = UINT32_MAX;
		} else {
			n = rtpp_dataplane_session_list(evs->dp, NULL, &cursor, st, RTE_DIM(st));
		}
		for (unsigned int i = 0; i < n && !s->gone; i++) {
			Rtpproxy__SessionEvent ev = RTPPROXY__SESSION_EVENT__INIT;

			rtpp_api_status_to_pb(&st[i], &m);
			ev.type = RTPPROXY__EVENT_TYPE__EVENT_TYPE_STATS_UPDATE;
			ev.session_id = st[i].id;
			ev.unix_ms = now;
			ev.status = &m.status;
			send_to(evs, s, &ev);
		}
	} while (cursor != UINT32_MAX && !s->gone);
}

void rtpp_api_events_tick(struct rtpp_api_events *evs)
{
	/* Called after every poll of the main loop: no clock read for nobody. */
	if (evs->n_subs == 0 && !evs->listening)
		return;
	uint64_t now = now_unix_ms();

	for (unsigned int i = 0; i < evs->n_subs; i++) {
		struct subscriber *s = &evs->subs[i];

		if (s->stats_interval_ms == 0 || now < s->next_stats_ms)
			continue;
		s->next_stats_ms = now + s->stats_interval_ms;
		send_stats(evs, s, now);
	}
	remove_gone(evs);
	update_listening(evs);
}

void rtpp_api_events_get_stats(const struct rtpp_api_events *evs, struct rtpp_api_events_stats *out)
{
	*out = evs->stats;
	out->subscribers = evs->n_subs;
}
