/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TCP relay thread (rtpp_tcp_relay.h): epoll, level-triggered, over a
 * slot array of sessions. epoll's data names a socket by slot, generation
 * and role, never by pointer, so readiness reported for a session the
 * control plane removed meanwhile is recognised and ignored.
 *
 * Each direction has a ring buffer of cfg.buffer_bytes. A socket is polled
 * for input only while its direction has room and for output only while
 * the other direction has bytes waiting for it: a slow receiver so stops
 * its sender's reads, and TCP's own window carries the pressure back.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/sockios.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "rtpp_rtp.h"
#include "rtpp_tcp_relay.h"

#define EVENT_QUEUE 1024
#define EPOLL_BATCH 64
#define TIMER_PERIOD_NS 50000000ull /* timeouts are looked at this often */
#define LISTEN_BACKLOG 8
#define DRAIN_LINGER_NS 10000000000ull /* at most this long for the last bytes' acks */

enum role { ROLE_LISTEN = 0, ROLE_A = 1, ROLE_B = 2, ROLE_WAKE = 3 };

/* One direction: what was read from src and not yet written to dst. */
struct direction {
	uint8_t *buf;
	uint32_t head, len; /* ring of relay->cfg.buffer_bytes */
	bool eof;           /* src said it sends no more */
	bool shut;          /* ... and dst was told so (shutdown SHUT_WR) */
	struct rtpp_tcp_direction c;
	/* RFC 4571: where in the stream of [length][packet] frames we are */
	uint8_t len_bytes[2]; /* the 16-bit length, as it arrives */
	uint8_t len_have;
	uint8_t pkt_hdr[4]; /* the packet's first bytes: RTP or not, sequence */
	uint8_t pkt_have;
	uint32_t frame_len, frame_left; /* the packet's length, bytes of it still to come */
	struct rtpp_rtp_seq seq;
};

struct session {
	bool used;
	uint32_t gen;
	struct rtpp_tcp_session_params p;
	int lfd, afd, bfd;
	uint32_t a_events, b_events; /* epoll interest now */
	enum rtpp_session_state state;
	uint64_t deadline_ns;      /* CONNECTING: the onward connection's; draining: the linger's */
	bool draining;             /* both sides shut: waiting for what was sent to be acked */
	uint64_t last_activity_ns; /* CLOCK_MONOTONIC of the last byte either way */
	struct direction ab, ba;
	struct rtpp_endpoint client, forward;
	uint64_t refused;
	enum rtpp_close_reason close_reason;
	char error[128];
};

struct rtpp_tcp_relay {
	struct rtpp_tcp_relay_config cfg;
	pthread_t thread;
	bool thread_started;
	atomic_bool stop;
	int epfd, wakefd;
	pthread_mutex_t lock;
	struct session *slots;
	uint64_t buffered;
	uint32_t sessions, connections;
	uint64_t accepted, refused, events_lost;
	struct rtpp_tcp_event events[EVENT_QUEUE];
	unsigned int ev_head, ev_len;
	uint64_t next_timer_ns;
};

static uint64_t now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t tag_of(uint32_t slot, uint32_t gen, enum role role)
{
	return (uint64_t)slot << 32 | (uint64_t)(gen & 0x3fffffffu) << 2 | (uint64_t)role;
}

/* ---- sockets ---- */

static socklen_t sockaddr_of(const struct rtpp_endpoint *e, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (e->addr.family == RTPP_AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(e->port);
		memcpy(&s6->sin6_addr, e->addr.bytes, 16);
		return sizeof(*s6);
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

	s4->sin_family = AF_INET;
	s4->sin_port = htons(e->port);
	memcpy(&s4->sin_addr, e->addr.bytes, 4);
	return sizeof(*s4);
}

static void endpoint_of(const struct sockaddr_storage *ss, struct rtpp_endpoint *e)
{
	memset(e, 0, sizeof(*e));
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		rtpp_addr_set_v6(&e->addr, s6->sin6_addr.s6_addr);
		e->port = ntohs(s6->sin6_port);
	} else if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		rtpp_addr_set_v4(&e->addr, s4->sin_addr.s_addr);
		e->port = ntohs(s4->sin_port);
	}
}

/* Close so that the peer gets a reset, not a FIN: it learns now that it is over. */
static void close_reset(int *fd)
{
	if (*fd < 0)
		return;
	const struct linger abort_on_close = { .l_onoff = 1, .l_linger = 0 };

	(void)setsockopt(*fd, SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof(abort_on_close));
	close(*fd);
	*fd = -1;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int new_stream_socket(const struct rtpp_endpoint *local, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len = sockaddr_of(local, &ss);
	int one = 1;
	char ep[RTPP_ENDPOINT_STRLEN];
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		int e = errno;

		snprintf(err, errlen, "cannot open a TCP socket: %s", strerror(e));
		return -e;
	}
	/* A port whose last connection is in TIME_WAIT is free for a new session. */
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (local->port == 0)
		(void)setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) != 0) {
		int e = errno;

		snprintf(err, errlen, "cannot bind %s: %s",
			 rtpp_endpoint_format(local, ep, sizeof(ep)), strerror(e));
		close(fd);
		return -e;
	}
	return fd;
}

/* ---- events, state ---- */

static void post_event(struct rtpp_tcp_relay *r, const struct session *s)
{
	if (r->ev_len == EVENT_QUEUE) {
		r->events_lost++;
		return;
	}
	struct rtpp_tcp_event *ev = &r->events[(r->ev_head + r->ev_len++) % EVENT_QUEUE];

	ev->id = s->p.id;
	ev->state = s->state;
	ev->close_reason = s->close_reason;
	snprintf(ev->error, sizeof(ev->error), "%s", s->error);
}

static void set_state(struct rtpp_tcp_relay *r, struct session *s, enum rtpp_session_state st)
{
	if (s->state == st)
		return;
	s->state = st;
	post_event(r, s);
}

static void free_buffers(struct rtpp_tcp_relay *r, struct session *s)
{
	if (s->ab.buf == NULL)
		return;
	free(s->ab.buf);
	free(s->ba.buf);
	s->ab.buf = s->ba.buf = NULL;
	r->buffered -= 2ull * r->cfg.buffer_bytes;
	r->connections--;
}

/* What TCP itself counted of the data segments, read before a socket goes. */
static void note_segments(struct session *s)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (s->afd >= 0 && getsockopt(s->afd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0) {
		s->ab.c.segments_in = ti.tcpi_data_segs_in;
		s->ba.c.segments_out = ti.tcpi_data_segs_out;
	}
	len = sizeof(ti);
	if (s->bfd >= 0 && getsockopt(s->bfd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0) {
		s->ba.c.segments_in = ti.tcpi_data_segs_in;
		s->ab.c.segments_out = ti.tcpi_data_segs_out;
	}
}

/* The pair is over: reset both (reset) or close them, stop listening. */
static void end_pair(struct rtpp_tcp_relay *r, struct session *s, bool reset)
{
	note_segments(s);
	if (reset) {
		close_reset(&s->afd);
		close_reset(&s->bfd);
	} else {
		close_fd(&s->afd);
		close_fd(&s->bfd);
	}
	close_fd(&s->lfd);
	free_buffers(r, s);
}

static void fail(struct rtpp_tcp_relay *r, struct session *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool unacked(int fd)
{
	int queued = 0;

	return fd >= 0 && ioctl(fd, SIOCOUTQ, &queued) == 0 && queued > 0;
}

/* ERROR with why; both connections reset. */
static void fail(struct rtpp_tcp_relay *r, struct session *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->error, sizeof(s->error), fmt, ap);
	va_end(ap);
	end_pair(r, s, true);
	set_state(r, s, RTPP_SESSION_ERROR);
}

static void finish(struct rtpp_tcp_relay *r, struct session *s, enum rtpp_close_reason why)
{
	end_pair(r, s, false);
	s->draining = false;
	s->close_reason = why;
	set_state(r, s, RTPP_SESSION_CLOSED);
}

/* A draining pair ends (ENDED) when the peers acked everything, or at its deadline. */
static void drained_or_due(struct rtpp_tcp_relay *r, struct session *s, uint64_t now)
{
	if ((!unacked(s->afd) && !unacked(s->bfd)) || now >= s->deadline_ns)
		finish(r, s, RTPP_CLOSE_ENDED);
}

/* ---- the listener: one connection per session ---- */

static bool source_allows(const struct session *s, const struct rtpp_endpoint *peer)
{
	const struct rtpp_endpoint *src = &s->p.source;

	if (src->addr.family != RTPP_AF_NONE && (!rtpp_addr_equal(&src->addr, &peer->addr) ||
						 (src->port != 0 && src->port != peer->port)))
		return false;
	return s->p.peer_allowed == NULL || s->p.peer_allowed(s->p.peer_allowed_ctx, peer);
}

static void refuse(struct rtpp_tcp_relay *r, struct session *s, int *fd)
{
	close_reset(fd);
	s->refused++;
	r->refused++;
}

static int watch(struct rtpp_tcp_relay *r, int fd, uint32_t slot, const struct session *s,
		 enum role role, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.u64 = tag_of(slot, s->gen, role) };

	return epoll_ctl(r->epfd, EPOLL_CTL_ADD, fd, &ev);
}

static void connect_onward(struct rtpp_tcp_relay *r, struct session *s, uint32_t slot)
{
	struct sockaddr_storage ss;
	socklen_t len = sockaddr_of(&s->p.destination, &ss);
	char err[128];

	s->bfd = new_stream_socket(&s->p.forward, err, sizeof(err));
	if (s->bfd < 0) {
		s->bfd = -1;
		fail(r, s, "forward: %s", err);
		return;
	}
	if (connect(s->bfd, (struct sockaddr *)&ss, len) != 0 && errno != EINPROGRESS) {
		char ep[RTPP_ENDPOINT_STRLEN];

		fail(r, s, "destination %s: %s",
		     rtpp_endpoint_format(&s->p.destination, ep, sizeof(ep)), strerror(errno));
		return;
	}
	s->b_events = EPOLLOUT;
	if (watch(r, s->bfd, slot, s, ROLE_B, s->b_events) != 0) {
		fail(r, s, "epoll: %s", strerror(errno));
		return;
	}
	s->deadline_ns = now_ns(CLOCK_MONOTONIC) + (uint64_t)r->cfg.connect_timeout_ms * 1000000ull;
}

static void on_listener(struct rtpp_tcp_relay *r, struct session *s, uint32_t slot)
{
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		struct rtpp_endpoint peer;
		int fd = accept4(s->lfd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0)
			return; /* EAGAIN, or an error of that one connection */
		endpoint_of(&ss, &peer);
		/* One connection per session; who and how much memory are checked first. */
		if (s->state != RTPP_SESSION_CREATED || !source_allows(s, &peer) ||
		    r->buffered + 2ull * r->cfg.buffer_bytes > r->cfg.max_buffered_bytes) {
			refuse(r, s, &fd);
			continue;
		}
		s->ab.buf = malloc(r->cfg.buffer_bytes);
		s->ba.buf = malloc(r->cfg.buffer_bytes);
		if (s->ab.buf == NULL || s->ba.buf == NULL) {
			free(s->ab.buf);
			free(s->ba.buf);
			s->ab.buf = s->ba.buf = NULL;
			refuse(r, s, &fd);
			continue;
		}
		r->buffered += 2ull * r->cfg.buffer_bytes;
		r->connections++;
		r->accepted++;
		s->afd = fd;
		s->client = peer;
		s->last_activity_ns = now_ns(CLOCK_MONOTONIC);
		/* Nothing is read from the client until the destination is there. */
		s->a_events = 0;
		if (watch(r, s->afd, slot, s, ROLE_A, s->a_events) != 0) {
			fail(r, s, "epoll: %s", strerror(errno));
			return;
		}
		set_state(r, s, RTPP_SESSION_CONNECTING);
		connect_onward(r, s, slot);
	}
}

/* ---- moving bytes ---- */

/* RFC 4571: count the packets of the [16-bit length][packet] stream, and RTP's gaps. */
static void frame_bytes(struct direction *d, const uint8_t *p, size_t n)
{
	while (n > 0) {
		if (d->frame_left == 0) { /* in a length */
			d->len_bytes[d->len_have++] = *p++;
			n--;
			if (d->len_have == 2) {
				d->frame_len = d->frame_left = rtpp_rtp_be16(d->len_bytes);
				d->len_have = 0;
				d->pkt_have = 0;
				if (d->frame_len == 0)
					d->c.frames++; /* an empty frame: RFC 4571 allows it */
			}
			continue;
		}
		/* In a packet: its first four bytes are kept, the rest skipped. */
		size_t take = n < d->frame_left ? n : d->frame_left;

		while (d->pkt_have < sizeof(d->pkt_hdr) && take > 0) {
			d->pkt_hdr[d->pkt_have++] = *p++;
			take--;
			n--;
			d->frame_left--;
		}
		p += take;
		n -= take;
		d->frame_left -= (uint32_t)take;
		if (d->frame_left == 0) {
			d->c.frames++;
			if (d->frame_len >= RTPP_RTP_HDR_LEN &&
			    rtpp_rtp_is_rtp(d->pkt_hdr, d->frame_len))
				rtpp_rtp_seq_update(&d->seq, rtpp_rtp_seq_of(d->pkt_hdr));
		}
	}
	d->c.rtp_lost = d->seq.lost;
}

/* Read what fits from src into d; -errno on a connection error. */
static int fill(struct rtpp_tcp_relay *r, struct session *s, struct direction *d, int src)
{
	const uint32_t size = r->cfg.buffer_bytes;

	while (!d->eof && d->len < size) {
		/* An empty ring starts over at 0: one read may then fill it whole. */
		if (d->len == 0)
			d->head = 0;
		uint32_t tail = (d->head + d->len) % size;
		uint32_t room = tail >= d->head ? size - tail : d->head - tail;
		ssize_t n = recv(src, d->buf + tail, room, 0);

		if (n > 0) {
			if (s->p.rfc4571)
				frame_bytes(d, d->buf + tail, (size_t)n);
			d->len += (uint32_t)n;
			d->c.bytes += (uint64_t)n;
			d->c.last_ns = now_ns(CLOCK_REALTIME);
			s->last_activity_ns = now_ns(CLOCK_MONOTONIC);
		} else if (n == 0) {
			/*
			 * A reset that lands once the connection is done (our FIN
			 * already sent) can read as an end of stream: the pending
			 * error tells it from the peer's FIN.
			 */
			int soerr = 0;
			socklen_t len = sizeof(soerr);

			if (getsockopt(src, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 && soerr != 0)
				return -soerr;
			d->eof = true;
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			break;
		} else if (errno != EINTR) {
			return -errno;
		}
	}
	return 0;
}

/* Write what d holds to dst, then pass a half-close on; -errno on an error. */
static int drain(struct rtpp_tcp_relay *r, struct direction *d, int dst)
{
	const uint32_t size = r->cfg.buffer_bytes;

	while (d->len > 0) {
		uint32_t chunk = d->head + d->len <= size ? d->len : size - d->head;
		ssize_t n = send(dst, d->buf + d->head, chunk, MSG_NOSIGNAL);

		if (n > 0) {
			d->head = (d->head + (uint32_t)n) % size;
			d->len -= (uint32_t)n;
			d->c.bytes_sent += (uint64_t)n;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			return 0;
		} else if (n < 0 && errno != EINTR) {
			return -errno;
		}
	}
	if (d->eof && !d->shut) {
		if (shutdown(dst, SHUT_WR) != 0 && errno != ENOTCONN)
			return -errno;
		d->shut = true;
	}
	return 0;
}

static void set_interest(struct rtpp_tcp_relay *r, int fd, uint32_t *now, uint32_t want, uint64_t tag)
{
	if (*now == want)
		return;
	struct epoll_event ev = { .events = want, .data.u64 = tag };

	if (epoll_ctl(r->epfd, EPOLL_CTL_MOD, fd, &ev) == 0)
		*now = want;
}

static const char *side_name(bool client)
{
	return client ? "the client" : "the destination";
}

/*
 * Both sides shut and everything was written: the pair is over once the
 * peers have acknowledged what the kernel still holds for them. Closing
 * now would end the session at once, and with it its endpoints in the
 * table: the last acks would then arrive at no session (the workers would
 * hold them to the strays' budget) and the ports could be taken again under
 * sockets still lingering. The sockets leave epoll (a shut socket is always
 * readable: level-triggered, it would spin); the timer looks at their send
 * queues (SIOCOUTQ: not yet acked) and ends the pair when both are empty,
 * or after DRAIN_LINGER_NS.
 */
static void start_draining(struct rtpp_tcp_relay *r, struct session *s)
{
	(void)epoll_ctl(r->epfd, EPOLL_CTL_DEL, s->afd, NULL);
	(void)epoll_ctl(r->epfd, EPOLL_CTL_DEL, s->bfd, NULL);
	s->draining = true;
	s->deadline_ns = now_ns(CLOCK_MONOTONIC) + DRAIN_LINGER_NS;
	drained_or_due(r, s, now_ns(CLOCK_MONOTONIC));
}

/* Move what can move both ways; end the pair when both directions are done. */
static void pump(struct rtpp_tcp_relay *r, struct session *s, uint32_t slot)
{
	const uint32_t size = r->cfg.buffer_bytes;
	int rc;

	if ((rc = fill(r, s, &s->ab, s->afd)) != 0) {
		fail(r, s, "connection reset by %s (%s)", side_name(true), strerror(-rc));
		return;
	}
	if ((rc = fill(r, s, &s->ba, s->bfd)) != 0) {
		fail(r, s, "connection reset by %s (%s)", side_name(false), strerror(-rc));
		return;
	}
	if ((rc = drain(r, &s->ab, s->bfd)) != 0) {
		fail(r, s, "connection reset by %s (%s)", side_name(false), strerror(-rc));
		return;
	}
	if ((rc = drain(r, &s->ba, s->afd)) != 0) {
		fail(r, s, "connection reset by %s (%s)", side_name(true), strerror(-rc));
		return;
	}
	if (s->ab.shut && s->ba.shut) {
		start_draining(r, s);
		return;
	}
	/*
	 * Read while there is room, write while there is something to write.
	 * Not EPOLLRDHUP: level-triggered it would fire on and on while a
	 * half-closed side waits for the other's answer; the EOF is seen by
	 * the read that returns 0.
	 */
	uint32_t a_want = (!s->ab.eof && s->ab.len < size ? EPOLLIN : 0) |
			  (s->ba.len > 0 ? EPOLLOUT : 0);
	uint32_t b_want = (!s->ba.eof && s->ba.len < size ? EPOLLIN : 0) |
			  (s->ab.len > 0 ? EPOLLOUT : 0);

	set_interest(r, s->afd, &s->a_events, a_want, tag_of(slot, s->gen, ROLE_A));
	set_interest(r, s->bfd, &s->b_events, b_want, tag_of(slot, s->gen, ROLE_B));
}

static void on_onward_connected(struct rtpp_tcp_relay *r, struct session *s, uint32_t slot)
{
	int soerr = 0;
	socklen_t len = sizeof(soerr);
	char ep[RTPP_ENDPOINT_STRLEN];

	if (getsockopt(s->bfd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0)
		soerr = errno;
	if (soerr != 0) {
		rtpp_endpoint_format(&s->p.destination, ep, sizeof(ep));
		if (soerr == ECONNREFUSED)
			fail(r, s, "destination %s refused the connection", ep);
		else if (soerr == ETIMEDOUT)
			fail(r, s, "destination %s did not answer", ep);
		else
			fail(r, s, "destination %s unreachable: %s", ep, strerror(soerr));
		return;
	}
	struct sockaddr_storage ss;

	len = sizeof(ss);
	if (getsockname(s->bfd, (struct sockaddr *)&ss, &len) == 0)
		endpoint_of(&ss, &s->forward);
	s->last_activity_ns = now_ns(CLOCK_MONOTONIC);
	set_state(r, s, RTPP_SESSION_ACTIVE);
	pump(r, s, slot);
}

static void on_ready(struct rtpp_tcp_relay *r, uint64_t tag, uint32_t events)
{
	const uint32_t slot = (uint32_t)(tag >> 32);
	const enum role role = (enum role)(tag & 3);

	if (slot >= r->cfg.max_sessions)
		return;
	struct session *s = &r->slots[slot];

	/* A session removed (or its slot reused) since epoll reported this. */
	if (!s->used || (s->gen & 0x3fffffffu) != (uint32_t)((tag >> 2) & 0x3fffffffu))
		return;
	if (role == ROLE_LISTEN) {
		if (s->lfd >= 0)
			on_listener(r, s, slot);
		return;
	}
	if (s->state == RTPP_SESSION_CONNECTING) {
		if (role == ROLE_B)
			on_onward_connected(r, s, slot);
		else if (events & (EPOLLERR | EPOLLHUP))
			fail(r, s, "connection reset by %s while connecting onward", side_name(true));
		return;
	}
	if (s->state == RTPP_SESSION_ACTIVE && !s->draining)
		pump(r, s, slot);
}

/* Onward connections that take too long, pairs idle too long. */
static void check_timers(struct rtpp_tcp_relay *r, uint64_t now)
{
	const uint64_t idle_ns = (uint64_t)r->cfg.idle_timeout_ms * 1000000ull;

	for (uint32_t i = 0; i < r->cfg.max_sessions; i++) {
		struct session *s = &r->slots[i];

		if (!s->used)
			continue;
		if (s->draining) {
			drained_or_due(r, s, now);
		} else if (s->state == RTPP_SESSION_CONNECTING && now >= s->deadline_ns) {
			char ep[RTPP_ENDPOINT_STRLEN];

			fail(r, s, "destination %s did not answer within %u ms",
			     rtpp_endpoint_format(&s->p.destination, ep, sizeof(ep)),
			     r->cfg.connect_timeout_ms);
		} else if (s->state == RTPP_SESSION_ACTIVE && idle_ns > 0 &&
			   now - s->last_activity_ns >= idle_ns) {
			finish(r, s, RTPP_CLOSE_INACTIVITY);
		}
	}
}

static void *relay_main(void *arg)
{
	struct rtpp_tcp_relay *r = arg;
	struct epoll_event evs[EPOLL_BATCH];

	while (!atomic_load_explicit(&r->stop, memory_order_acquire)) {
		int n = epoll_wait(r->epfd, evs, EPOLL_BATCH, (int)(TIMER_PERIOD_NS / 1000000ull));

		pthread_mutex_lock(&r->lock);
		for (int i = 0; i < n; i++) {
			if ((evs[i].data.u64 & 3) == ROLE_WAKE) {
				uint64_t v;

				(void)!read(r->wakefd, &v, sizeof(v));
				continue;
			}
			on_ready(r, evs[i].data.u64, evs[i].events);
		}
		uint64_t now = now_ns(CLOCK_MONOTONIC);

		if (now >= r->next_timer_ns) {
			check_timers(r, now);
			r->next_timer_ns = now + TIMER_PERIOD_NS;
		}
		pthread_mutex_unlock(&r->lock);
	}
	return NULL;
}

/* ---- the control plane's side ---- */

struct rtpp_tcp_relay *rtpp_tcp_relay_create(const struct rtpp_tcp_relay_config *cfg, char *err,
					     size_t errlen)
{
	struct rtpp_tcp_relay *r;

	if (cfg->max_sessions == 0 || cfg->buffer_bytes == 0 ||
	    cfg->max_buffered_bytes < 2ull * cfg->buffer_bytes) {
		snprintf(err, errlen,
			 "tcp: max_sessions and buffers must be positive, and the "
			 "total at least one connection's two buffers");
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL || (r->slots = calloc(cfg->max_sessions, sizeof(*r->slots))) == NULL) {
		free(r);
		snprintf(err, errlen, "tcp: out of memory for %u sessions", cfg->max_sessions);
		return NULL;
	}
	r->cfg = *cfg;
	r->epfd = epoll_create1(EPOLL_CLOEXEC);
	r->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	pthread_mutex_init(&r->lock, NULL);
	struct epoll_event wake = { .events = EPOLLIN, .data.u64 = ROLE_WAKE };

	if (r->epfd < 0 || r->wakefd < 0 || epoll_ctl(r->epfd, EPOLL_CTL_ADD, r->wakefd, &wake) != 0) {
		snprintf(err, errlen, "tcp: epoll: %s", strerror(errno));
		rtpp_tcp_relay_destroy(r);
		return NULL;
	}
	int rc = pthread_create(&r->thread, NULL, relay_main, r);

	if (rc != 0) {
		snprintf(err, errlen, "tcp: cannot start the relay thread: %s", strerror(rc));
		rtpp_tcp_relay_destroy(r);
		return NULL;
	}
	r->thread_started = true;
	(void)pthread_setname_np(r->thread, "rtpp-tcp");
	if (cfg->cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cfg->cpu, &set);
		/* Off the workers' cores; a failure only costs where it runs. */
		(void)pthread_setaffinity_np(r->thread, sizeof(set), &set);
	}
	return r;
}

static void release(struct rtpp_tcp_relay *r, struct session *s)
{
	end_pair(r, s, true);
	s->used = false;
	s->gen++;
	r->sessions--;
}

void rtpp_tcp_relay_destroy(struct rtpp_tcp_relay *r)
{
	if (r == NULL)
		return;
	if (r->thread_started) {
		uint64_t one = 1;

		atomic_store_explicit(&r->stop, true, memory_order_release);
		(void)!write(r->wakefd, &one, sizeof(one));
		pthread_join(r->thread, NULL);
	}
	for (uint32_t i = 0; i < r->cfg.max_sessions; i++)
		if (r->slots[i].used)
			release(r, &r->slots[i]);
	if (r->epfd >= 0)
		close(r->epfd);
	if (r->wakefd >= 0)
		close(r->wakefd);
	pthread_mutex_destroy(&r->lock);
	free(r->slots);
	free(r);
}

static struct session *find(struct rtpp_tcp_relay *r, uint64_t id)
{
	for (uint32_t i = 0; i < r->cfg.max_sessions; i++)
		if (r->slots[i].used && r->slots[i].p.id == id)
			return &r->slots[i];
	return NULL;
}

int rtpp_tcp_relay_add(struct rtpp_tcp_relay *r, const struct rtpp_tcp_session_params *p, char *err,
		       size_t errlen)
{
	char msg[160];
	uint32_t slot;
	int rc = 0;

	if (p->listen.port == 0 || p->listen.addr.family == RTPP_AF_NONE ||
	    p->destination.port == 0 || p->destination.addr.family == RTPP_AF_NONE ||
	    p->forward.addr.family != p->destination.addr.family) {
		snprintf(err, errlen,
			 "tcp: listen and destination need an address and a port, "
			 "forward the destination's family");
		return -EINVAL;
	}
	pthread_mutex_lock(&r->lock);
	if (find(r, p->id) != NULL) {
		snprintf(err, errlen, "tcp: session %llu exists", (unsigned long long)p->id);
		rc = -EEXIST;
		goto out;
	}
	for (slot = 0; slot < r->cfg.max_sessions && r->slots[slot].used; slot++)
		;
	if (slot == r->cfg.max_sessions) {
		snprintf(err, errlen, "tcp: %u TCP sessions already (tcp.max_sessions)",
			 r->cfg.max_sessions);
		rc = -ENOSPC;
		goto out;
	}
	int fd = new_stream_socket(&p->listen, msg, sizeof(msg));

	if (fd < 0) {
		snprintf(err, errlen, "listen: %s", msg);
		rc = fd;
		goto out;
	}
	if (listen(fd, LISTEN_BACKLOG) != 0) {
		rc = -errno;
		snprintf(err, errlen, "listen: %s", strerror(errno));
		close(fd);
		goto out;
	}
	struct session *s = &r->slots[slot];
	const uint32_t gen = s->gen;

	memset(s, 0, sizeof(*s));
	s->gen = gen;
	s->p = *p;
	s->lfd = fd;
	s->afd = s->bfd = -1;
	s->state = RTPP_SESSION_CREATED;
	s->used = true;
	if (watch(r, fd, slot, s, ROLE_LISTEN, EPOLLIN) != 0) {
		rc = -errno;
		snprintf(err, errlen, "tcp: epoll: %s", strerror(errno));
		close_fd(&s->lfd);
		s->used = false;
		goto out;
	}
	r->sessions++;
out:
	pthread_mutex_unlock(&r->lock);
	return rc;
}

static void status_of(struct session *s, struct rtpp_tcp_status *out)
{
	note_segments(s);
	memset(out, 0, sizeof(*out));
	out->state = s->state;
	out->client = s->client;
	out->forward = s->forward;
	out->a_to_b = s->ab.c;
	out->b_to_a = s->ba.c;
	out->connections_refused = s->refused;
	out->close_reason = s->close_reason;
	snprintf(out->error, sizeof(out->error), "%s", s->error);
}

int rtpp_tcp_relay_remove(struct rtpp_tcp_relay *r, uint64_t id, struct rtpp_tcp_status *final)
{
	int rc = -ENOENT;

	pthread_mutex_lock(&r->lock);
	struct session *s = find(r, id);

	if (s != NULL) {
		if (final != NULL)
			status_of(s, final);
		release(r, s);
		rc = 0;
	}
	pthread_mutex_unlock(&r->lock);
	return rc;
}

int rtpp_tcp_relay_status(struct rtpp_tcp_relay *r, uint64_t id, struct rtpp_tcp_status *out)
{
	int rc = -ENOENT;

	pthread_mutex_lock(&r->lock);
	struct session *s = find(r, id);

	if (s != NULL) {
		status_of(s, out);
		rc = 0;
	}
	pthread_mutex_unlock(&r->lock);
	return rc;
}

unsigned int rtpp_tcp_relay_take_events(struct rtpp_tcp_relay *r, struct rtpp_tcp_event *out,
					unsigned int max)
{
	unsigned int n = 0;

	pthread_mutex_lock(&r->lock);
	while (n < max && r->ev_len > 0) {
		out[n++] = r->events[r->ev_head];
		r->ev_head = (r->ev_head + 1) % EVENT_QUEUE;
		r->ev_len--;
	}
	pthread_mutex_unlock(&r->lock);
	return n;
}

void rtpp_tcp_relay_stats(struct rtpp_tcp_relay *r, struct rtpp_tcp_relay_stats *out)
{
	pthread_mutex_lock(&r->lock);
	*out = (struct rtpp_tcp_relay_stats){
		.sessions = r->sessions,
		.connections = r->connections,
		.buffered_bytes = r->buffered,
		.accepted = r->accepted,
		.refused = r->refused,
		.events_lost = r->events_lost,
	};
	pthread_mutex_unlock(&r->lock);
}
