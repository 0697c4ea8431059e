/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * StreamSessionEvents: every subscriber gets the data plane's session events
 * that match its filter, numbered per subscriber, plus periodic statistics
 * when it asked for them. Sending never blocks: a subscriber whose queue is
 * full loses events, counted, and is told with one OVERFLOW event carrying
 * the count as soon as its queue has room again. One slow or dead subscriber
 * therefore costs the others nothing.
 *
 * Periodic statistics are a round of one STATS_UPDATE per live session,
 * paced by the subscriber: a round goes out over as many polls as it takes,
 * only while fewer than RTPP_API_STATS_BACKLOG messages wait in its queue,
 * so a table far larger than the queue loses nothing for a subscriber that
 * reads, lifecycle events keep room in the queue, and one that does not read
 * costs a cursor. The next round starts when this one is over and its
 * interval has passed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rtpp_api.h"

#define ROUND_IDLE UINT32_MAX /* no statistics round in progress */
#define ROUND_BATCH 64        /* sessions read from the table at a time */

struct subscriber {
	void *sink;
	rtpp_api_send_fn send;
	rtpp_api_queued_fn queued;
	uint64_t session_id;        /* 0: all */
	uint32_t stats_interval_ms; /* 0: none */
	uint64_t next_stats_ms;
	uint32_t round_cursor;      /* next session index of the round, ROUND_IDLE */
	uint64_t round_unix_ms;     /* when the round started: its updates carry it */
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
	rtpp_session_event_fn listener; /* besides the subscribers (the audit trail) */
	void *listener_ctx;
};

static uint64_t now_unix_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/*
 * Hand over an event packed once for every subscriber (body: the event with
 * no sequence), with this subscriber's sequence appended as field 4: protobuf
 * takes fields in any order, so body + field is the event with that sequence.
 * False when it could not be queued.
 */
#define EVENT_SEQUENCE_TAG ((4u << 3) | 0u) /* SessionEvent.sequence, varint */
static bool deliver_body(struct rtpp_api_events *evs, struct subscriber *s, const uint8_t *body,
			 size_t len)
{
	uint8_t stack_buf[2048];
	uint8_t *buf = len + 11 <= sizeof(stack_buf) ? stack_buf : malloc(len + 11);
	uint64_t seq = s->sequence + 1;
	size_t n = len;
	int rc;

	if (buf == NULL)
		return false;
	memcpy(buf, body, len);
	buf[n++] = EVENT_SEQUENCE_TAG;
	do {
		buf[n++] = (uint8_t)((seq & 0x7f) | (seq > 0x7f ? 0x80 : 0));
		seq >>= 7;
	} while (seq != 0);
	rc = s->send(s->sink, buf, n);
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

/* Encode ev for one subscriber and hand it over; false when it could not be queued. */
static bool deliver(struct rtpp_api_events *evs, struct subscriber *s, Rtpproxy__SessionEvent *ev)
{
	uint8_t stack_buf[2048];
	bool ok;

	ev->sequence = 0; /* deliver_body appends the subscriber's */
	size_t len = rtpproxy__session_event__get_packed_size(ev);
	uint8_t *buf = len <= sizeof(stack_buf) ? stack_buf : malloc(len);

	if (buf == NULL)
		return false;
	rtpproxy__session_event__pack(ev, buf);
	ok = deliver_body(evs, s, buf, len);
	if (buf != stack_buf)
		free(buf);
	return ok;
}

/* Report s's earlier losses (an OVERFLOW event) before what comes now; false if it cannot. */
static bool report_dropped(struct rtpp_api_events *evs, struct subscriber *s, uint64_t unix_ms)
{
	if (s->dropped == 0)
		return true;
	Rtpproxy__SessionEvent overflow = RTPPROXY__SESSION_EVENT__INIT;

	overflow.type = RTPPROXY__EVENT_TYPE__EVENT_TYPE_OVERFLOW;
	overflow.unix_ms = unix_ms;
	overflow.dropped_events = s->dropped;
	if (!deliver(evs, s, &overflow)) {
		s->dropped++;
		evs->stats.dropped++;
		return false;
	}
	s->dropped = 0;
	return true;
}

/* Send an event packed once (see deliver_body) to s, reporting earlier losses first. */
static void send_body_to(struct rtpp_api_events *evs, struct subscriber *s, const uint8_t *body,
			 size_t len, uint64_t unix_ms)
{
	if (s->gone || !report_dropped(evs, s, unix_ms))
		return;
	if (!deliver_body(evs, s, body, len) && !s->gone) {
		s->dropped++;
		evs->stats.dropped++;
	}
}

/* Send ev to s, reporting earlier losses first. */
static void send_to(struct rtpp_api_events *evs, struct subscriber *s, Rtpproxy__SessionEvent *ev)
{
	if (s->gone || !report_dropped(evs, s, ev->unix_ms))
		return;
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
		[RTPP_EVENT_ERROR] = RTPPROXY__EVENT_TYPE__EVENT_TYPE_ERROR,
		[RTPP_EVENT_CLOSED] = RTPPROXY__EVENT_TYPE__EVENT_TYPE_CLOSED,
		[RTPP_EVENT_LATCHED] = RTPPROXY__EVENT_TYPE__EVENT_TYPE_LATCHED,
	};
	struct rtpp_api_events *evs = ctx;
	struct rtpp_api_status_msg m;
	Rtpproxy__SessionEvent ev = RTPPROXY__SESSION_EVENT__INIT;

	if (evs->listener != NULL)
		evs->listener(evs->listener_ctx, e);
	if (evs->n_subs == 0)
		return; /* the listener alone: nothing to pack */
	rtpp_api_status_to_pb(e->status, &m);
	ev.type = types[e->type];
	ev.session_id = e->session_id;
	ev.unix_ms = now_unix_ms();
	ev.previous_state = (Rtpproxy__SessionState)e->old_state;
	ev.status = &m.status;
	if (e->type == RTPP_EVENT_ERROR)
		ev.error = m.error;
	if (e->type == RTPP_EVENT_LATCHED) {
		ev.latched_leg = (char *)(e->leg == RTPP_LEG_A ? "a" : "b");
		ev.relatch = e->relatch;
	}
	/* Packed once, whatever the number of subscribers (each adds its sequence). */
	uint8_t stack_body[2048];
	size_t len = rtpproxy__session_event__get_packed_size(&ev);
	uint8_t *body = len <= sizeof(stack_body) ? stack_body : malloc(len);

	if (body == NULL) {
		for (unsigned int i = 0; i < evs->n_subs; i++) {
			evs->subs[i].dropped++;
			evs->stats.dropped++;
		}
		return;
	}
	rtpproxy__session_event__pack(&ev, body);
	for (unsigned int i = 0; i < evs->n_subs; i++) {
		struct subscriber *s = &evs->subs[i];

		if (s->session_id == 0 || s->session_id == e->session_id)
			send_body_to(evs, s, body, len, ev.unix_ms);
	}
	if (body != stack_body)
		free(body);
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
	bool want = evs->n_subs > 0 || evs->listener != NULL;

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

void rtpp_api_events_set_listener(struct rtpp_api_events *evs, rtpp_session_event_fn fn, void *ctx)
{
	evs->listener = fn;
	evs->listener_ctx = ctx;
	update_listening(evs);
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
			      rtpp_api_queued_fn queued, const uint8_t *req, size_t len, char *msg,
			      size_t msglen)
{
	Rtpproxy__StreamSessionEventsRequest *r =
		rtpproxy__stream_session_events_request__unpack(NULL, len, req);
	struct rtpp_session_status st;

	if (r == NULL) {
		snprintf(msg, msglen, "request: not a StreamSessionEventsRequest");
		return RTPP_API_INVALID_ARGUMENT;
	}
	struct subscriber s = {
		.sink = sink, .send = send, .queued = queued, .session_id = r->session_id,
		.stats_interval_ms = r->stats_interval_ms, .round_cursor = ROUND_IDLE,
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

/* Carry a subscriber's statistics round on as far as its queue allows. */
static void continue_round(struct rtpp_api_events *evs, struct subscriber *s)
{
	struct rtpp_session_status st[ROUND_BATCH];
	struct rtpp_api_status_msg m;

	while (s->round_cursor != ROUND_IDLE && !s->gone) {
		unsigned int waiting = s->queued(s->sink), n;

		if (waiting >= RTPP_API_STATS_BACKLOG)
			return; /* the rest when it has read some */
		n = RTE_MIN((unsigned int)ROUND_BATCH, RTPP_API_STATS_BACKLOG - waiting);
		if (s->session_id != 0) {
			n = rtpp_dataplane_session_status(evs->dp, s->session_id, &st[0]) == 0;
			s->round_cursor = ROUND_IDLE;
		} else {
			n = rtpp_dataplane_session_list(evs->dp, NULL, &s->round_cursor, st, n);
		}
		for (unsigned int i = 0; i < n && !s->gone; i++) {
			Rtpproxy__SessionEvent ev = RTPPROXY__SESSION_EVENT__INIT;

			rtpp_api_status_to_pb(&st[i], &m);
			ev.type = RTPPROXY__EVENT_TYPE__EVENT_TYPE_STATS_UPDATE;
			ev.session_id = st[i].id;
			ev.unix_ms = s->round_unix_ms;
			ev.status = &m.status;
			send_to(evs, s, &ev);
		}
	}
}

void rtpp_api_events_tick(struct rtpp_api_events *evs)
{
	/* Called after every poll of the main loop: no clock read for nobody. */
	if (evs->n_subs == 0 && evs->listening == (evs->listener != NULL))
		return;
	uint64_t now = now_unix_ms();

	for (unsigned int i = 0; i < evs->n_subs; i++) {
		struct subscriber *s = &evs->subs[i];

		if (s->stats_interval_ms == 0)
			continue;
		if (s->round_cursor == ROUND_IDLE) {
			if (now < s->next_stats_ms)
				continue;
			s->round_cursor = 0;
			s->round_unix_ms = now;
			s->next_stats_ms = now + s->stats_interval_ms;
		}
		continue_round(evs, s);
	}
	remove_gone(evs);
	update_listening(evs);
}

void rtpp_api_events_get_stats(const struct rtpp_api_events *evs, struct rtpp_api_events_stats *out)
{
	*out = evs->stats;
	out->subscribers = evs->n_subs;
}
