/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/tcprelay on loopback: real client and server sockets on either side of
 * a relay session, what arrives checked byte for byte, the session's states,
 * events and counters checked against what was sent.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "rtpp_tcp_relay.h"

#define BUF 65536

static struct rtpp_tcp_relay *relay;
static uint64_t next_id = 1;

static const struct rtpp_tcp_relay_config test_cfg = {
	.max_sessions = 8,
	.buffer_bytes = BUF,
	.max_buffered_bytes = 4ull * 2 * BUF,
	.connect_timeout_ms = 500,
	.idle_timeout_ms = 0,
	.cpu = -1,
};

static int relay_up(const struct rtpp_tcp_relay_config *cfg)
{
	char err[256];

	relay = rtpp_tcp_relay_create(cfg, err, sizeof(err));
	if (relay == NULL)
		fprintf(stderr, "relay: %s\n", err);
	return relay == NULL ? -1 : 0;
}

static int setup(void **st)
{
	(void)st;
	return relay_up(&test_cfg);
}

static int teardown(void **st)
{
	(void)st;
	rtpp_tcp_relay_destroy(relay);
	relay = NULL;
	return 0;
}

static uint64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static struct rtpp_endpoint loopback(const char *addr, uint16_t port)
{
	struct rtpp_endpoint e;

	assert_int_equal(rtpp_addr_parse(addr, &e.addr), 0);
	e.port = port;
	return e;
}

/* A bound TCP socket on loopback (port 0: any); its port in *port. */
static int bound_socket(const char *addr, uint16_t *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port ? *port : 0) };
	socklen_t len = sizeof(sa);
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	inet_pton(AF_INET, addr, &sa.sin_addr);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	getsockname(fd, (struct sockaddr *)&sa, &len);
	if (port != NULL)
		*port = ntohs(sa.sin_port);
	return fd;
}

static int server_socket(uint16_t *port, int backlog)
{
	int fd = bound_socket("127.0.0.1", port);

	assert_int_equal(listen(fd, backlog), 0);
	return fd;
}

/* A port nothing listens on (bound and closed: free a moment later, refused). */
static uint16_t closed_port(void)
{
	uint16_t port = 0;
	int fd = bound_socket("127.0.0.1", &port);

	close(fd);
	return port;
}

/* A relay session 127.0.0.1:listen -> 127.0.0.1:dst; its id. */
static uint64_t add_session(uint16_t *listen_port, uint16_t dst_port, const char *source, bool rfc4571)
{
	struct rtpp_tcp_session_params p = {
		.id = next_id++,
		.listen = loopback("127.0.0.1", 0),
		.forward = loopback("127.0.0.1", 0),
		.destination = loopback("127.0.0.1", dst_port),
		.rfc4571 = rfc4571,
	};
	char err[256];

	if (source != NULL)
		p.source = loopback(source, 0);
	/* A free port for the listener, as the data plane's pool would give. */
	p.listen.port = closed_port();
	int rc = rtpp_tcp_relay_add(relay, &p, err, sizeof(err));
	if (rc != 0)
		fail_msg("add: %d %s", rc, err);
	*listen_port = p.listen.port;
	return p.id;
}

static int client_connect(const char *from, uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = bound_socket(from, NULL);

	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	struct timeval tv = { .tv_sec = 10 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

static int accept_one(int lfd)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

	assert_true(fd >= 0);
	struct timeval tv = { .tv_sec = 10 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

static struct rtpp_tcp_status status(uint64_t id)
{
	struct rtpp_tcp_status s;

	assert_int_equal(rtpp_tcp_relay_status(relay, id, &s), 0);
	return s;
}

/* Wait (at most 5 s) until the session is in state st. */
static struct rtpp_tcp_status wait_state(uint64_t id, enum rtpp_session_state st)
{
	uint64_t until = ms_now() + 5000;
	struct rtpp_tcp_status s;

	do {
		s = status(id);
		if (s.state == st)
			return s;
		usleep(2000);
	} while (ms_now() < until);
	fail_msg("session %llu: state %d, want %d (error \"%s\")", (unsigned long long)id, s.state,
		 st, s.error);
	return s;
}

/* The states the session's events went through, as a string "CONNECTING ACTIVE ...". */
static void events_of(uint64_t id, char *out, size_t len)
{
	static const char *const names[] = { "FREE",   "CREATED", "CONNECTING",
					     "ACTIVE", "ERROR",   "CLOSED" };
	struct rtpp_tcp_event ev[32];
	unsigned int n = rtpp_tcp_relay_take_events(relay, ev, 32);
	size_t used = 0;

	out[0] = '\0';
	for (unsigned int i = 0; i < n; i++)
		if (ev[i].id == id)
			used += (size_t)snprintf(out + used, len - used, "%s%s", used ? " " : "",
						 names[ev[i].state]);
}

/* A server, a session toward it and a client connected through it (ACTIVE). */
struct pair {
	int srv, c, s; /* listening server, client, the server's end */
	uint64_t id;
};

static struct pair pair_up(bool rfc4571)
{
	struct pair p;
	uint16_t dport = 0, lport;

	p.srv = server_socket(&dport, 4);
	p.id = add_session(&lport, dport, NULL, rfc4571);
	assert_int_equal(status(p.id).state, RTPP_SESSION_CREATED);
	p.c = client_connect("127.0.0.1", lport);
	p.s = accept_one(p.srv);
	wait_state(p.id, RTPP_SESSION_ACTIVE);
	return p;
}

/* Remove the session (if still there) and close what is still open. */
static void pair_down(struct pair *p)
{
	(void)rtpp_tcp_relay_remove(relay, p->id, NULL);
	for (int *fd = &p->srv; fd <= &p->s; fd++)
		if (*fd >= 0)
			close(*fd);
}

/* Bytes of a stream: byte i of stream seed is (i * 131 + seed) & 0xff. */
static uint8_t pattern(uint64_t i, unsigned int seed)
{
	return (uint8_t)(i * 131 + seed);
}

struct pump_job {
	int fd;
	uint64_t bytes;
	unsigned int seed;
	bool shut_after; /* send: shutdown(SHUT_WR) at the end */
	uint64_t got;    /* recv: bytes read, all as the pattern says */
	bool bad;
};

static void *send_job(void *arg)
{
	struct pump_job *j = arg;
	uint8_t buf[16384];
	uint64_t off = 0;

	while (off < j->bytes) {
		size_t n = j->bytes - off < sizeof(buf) ? (size_t)(j->bytes - off) : sizeof(buf);

		for (size_t i = 0; i < n; i++)
			buf[i] = pattern(off + i, j->seed);
		ssize_t w = send(j->fd, buf, n, MSG_NOSIGNAL);
		if (w <= 0) {
			j->bad = true;
			return NULL;
		}
		off += (uint64_t)w;
	}
	if (j->shut_after)
		shutdown(j->fd, SHUT_WR);
	return NULL;
}

/* Read to EOF; every byte checked. */
static void *recv_job(void *arg)
{
	struct pump_job *j = arg;
	uint8_t buf[16384];
	ssize_t n;

	while ((n = recv(j->fd, buf, sizeof(buf), 0)) > 0) {
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] != pattern(j->got + (uint64_t)i, j->seed))
				j->bad = true;
		j->got += (uint64_t)n;
	}
	if (n < 0)
		j->bad = true;
	return NULL;
}

/* 10 MB each way at once, intact; half-closes carried; CLOSED (ended). */
static void test_relay_both_ways(void **st)
{
	(void)st;
	const uint64_t size = 10ull << 20;
	struct pair p = pair_up(false);
	const uint64_t id = p.id;
	const int c = p.c, s = p.s;
	char evs[128];

	struct pump_job up = { .fd = c, .bytes = size, .seed = 1, .shut_after = true };
	struct pump_job down = { .fd = s, .bytes = size, .seed = 2, .shut_after = true };
	struct pump_job at_server = { .fd = s, .seed = 1 }, at_client = { .fd = c, .seed = 2 };
	pthread_t t[4];

	pthread_create(&t[0], NULL, send_job, &up);
	pthread_create(&t[1], NULL, send_job, &down);
	pthread_create(&t[2], NULL, recv_job, &at_server);
	pthread_create(&t[3], NULL, recv_job, &at_client);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	assert_false(up.bad || down.bad || at_server.bad || at_client.bad);
	assert_int_equal(at_server.got, size);
	assert_int_equal(at_client.got, size);

	struct rtpp_tcp_status f = wait_state(id, RTPP_SESSION_CLOSED);
	assert_int_equal(f.close_reason, RTPP_CLOSE_ENDED);
	assert_int_equal(f.a_to_b.bytes, size);
	assert_int_equal(f.a_to_b.bytes_sent, size);
	assert_int_equal(f.b_to_a.bytes, size);
	assert_int_equal(f.b_to_a.bytes_sent, size);
	/*
	 * TCP's own count of data segments: the receiving side's at least one per
	 * MSS-sized (64 KiB on loopback) piece; the sending side counts the
	 * kernel's GSO segments, larger on loopback, so only that there were some.
	 */
	assert_true(f.a_to_b.segments_in >= size / 65536 && f.b_to_a.segments_in >= size / 65536);
	assert_true(f.a_to_b.segments_out > 0 && f.b_to_a.segments_out > 0);
	assert_int_equal(f.client.port != 0, true);
	assert_int_equal(f.forward.port != 0, true);
	events_of(id, evs, sizeof(evs));
	assert_string_equal(evs, "CONNECTING ACTIVE CLOSED");

	struct rtpp_tcp_relay_stats rs;
	rtpp_tcp_relay_stats(relay, &rs);
	assert_int_equal(rs.connections, 0);
	assert_int_equal(rs.buffered_bytes, 0);
	assert_int_equal(rtpp_tcp_relay_remove(relay, id, NULL), 0);
	assert_int_equal(rtpp_tcp_relay_remove(relay, id, NULL), -ENOENT);
	pair_down(&p);
}

/* The client closes its side first; the server's answer still gets back. */
static void test_half_close(void **st)
{
	(void)st;
	struct pair p = pair_up(false);
	const uint64_t id = p.id;
	const int c = p.c, s = p.s;
	char buf[64];

	assert_int_equal(send(c, "question", 8, 0), 8);
	shutdown(c, SHUT_WR);
	assert_int_equal(recv(s, buf, sizeof(buf), MSG_WAITALL), 8); /* then EOF */
	assert_int_equal(memcmp(buf, "question", 8), 0);
	assert_int_equal(status(id).state, RTPP_SESSION_ACTIVE);
	usleep(100000); /* the relay must not spin nor end the pair meanwhile */
	assert_int_equal(status(id).state, RTPP_SESSION_ACTIVE);
	assert_int_equal(send(s, "answer", 6, 0), 6);
	close(p.s);
	p.s = -1;
	assert_int_equal(recv(c, buf, sizeof(buf), MSG_WAITALL), 6);
	assert_int_equal(memcmp(buf, "answer", 6), 0);
	assert_int_equal(recv(c, buf, sizeof(buf), 0), 0);
	wait_state(id, RTPP_SESSION_CLOSED);
	pair_down(&p);
}

/* Nothing listens at the destination: ERROR with why, the client reset. */
static void test_refused_destination(void **st)
{
	(void)st;
	uint16_t lport;
	uint64_t id = add_session(&lport, closed_port(), NULL, false);
	char buf[8], evs[128];

	int c = client_connect("127.0.0.1", lport);
	struct rtpp_tcp_status f = wait_state(id, RTPP_SESSION_ERROR);
	assert_non_null(strstr(f.error, "refused the connection"));
	assert_int_equal(recv(c, buf, sizeof(buf), 0), -1);
	assert_int_equal(errno, ECONNRESET);
	events_of(id, evs, sizeof(evs));
	assert_string_equal(evs, "CONNECTING ERROR");
	rtpp_tcp_relay_remove(relay, id, NULL);
	close(c);
}

static void reset_close(int fd)
{
	const struct linger l = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

/* A reset from either side resets the other and ends the session in ERROR. */
static void test_reset_either_side(void **st)
{
	(void)st;
	for (int side = 0; side < 2; side++) {
		struct pair p = pair_up(false);
		int *resetting = side == 0 ? &p.c : &p.s, other = side == 0 ? p.s : p.c;
		char buf[8];

		reset_close(*resetting);
		*resetting = -1;
		struct rtpp_tcp_status f = wait_state(p.id, RTPP_SESSION_ERROR);
		assert_non_null(strstr(f.error, side == 0 ? "reset by the client" :
							    "reset by the destination"));
		assert_int_equal(recv(other, buf, sizeof(buf), 0), -1);
		assert_int_equal(errno, ECONNRESET);
		pair_down(&p);
	}
}

/* Only the source may connect, one connection at a time; others are reset and counted. */
static void test_source_and_second_connection(void **st)
{
	(void)st;
	uint16_t dport = 0, lport;
	int srv = server_socket(&dport, 4);
	uint64_t id = add_session(&lport, dport, "127.0.0.2", false);
	char buf[8];

	int stranger = client_connect("127.0.0.1", lport);
	assert_int_equal(recv(stranger, buf, sizeof(buf), 0), -1);
	assert_int_equal(errno, ECONNRESET);
	assert_int_equal(status(id).connections_refused, 1);
	assert_int_equal(status(id).state, RTPP_SESSION_CREATED);

	int c = client_connect("127.0.0.2", lport);
	int s = accept_one(srv);
	struct rtpp_tcp_status a = wait_state(id, RTPP_SESSION_ACTIVE);
	assert_int_equal(a.client.addr.bytes[3], 2);
	int second = client_connect("127.0.0.2", lport);
	assert_int_equal(recv(second, buf, sizeof(buf), 0), -1);
	assert_int_equal(errno, ECONNRESET);
	assert_int_equal(status(id).connections_refused, 2);
	/* The first is untouched. */
	assert_int_equal(send(c, "ping", 4, 0), 4);
	assert_int_equal(recv(s, buf, 4, MSG_WAITALL), 4);
	rtpp_tcp_relay_remove(relay, id, NULL);
	close(stranger);
	close(second);
	close(c);
	close(s);
	close(srv);
}

/* A receiver that does not read: the relay stops reading; its memory is its two buffers. */
static void test_backpressure(void **st)
{
	(void)st;
	struct pair p = pair_up(false);
	const uint64_t id = p.id;
	const int c = p.c, s = p.s;
	static uint8_t chunk[65536];
	uint64_t sent = 0;

	/* Write until the whole path is full (bounded: 64 MB at most). */
	for (int i = 0; i < 1024; i++) {
		ssize_t w = send(c, chunk, sizeof(chunk), MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w <= 0) {
			usleep(20000);
			w = send(c, chunk, sizeof(chunk), MSG_DONTWAIT | MSG_NOSIGNAL);
			if (w <= 0)
				break;
		}
		sent += (uint64_t)w;
	}
	usleep(100000);
	struct rtpp_tcp_status f = status(id);
	struct rtpp_tcp_relay_stats rs;

	rtpp_tcp_relay_stats(relay, &rs);
	print_message("backpressure: client wrote %llu bytes, relay read %llu, wrote %llu\n",
		      (unsigned long long)sent, (unsigned long long)f.a_to_b.bytes,
		      (unsigned long long)f.a_to_b.bytes_sent);
	assert_true(sent < 64ull << 20); /* it did stop */
	assert_true(f.a_to_b.bytes - f.a_to_b.bytes_sent <= BUF);
	assert_int_equal(rs.buffered_bytes, 2 * BUF);
	/* The receiver reads at last: everything arrives. */
	uint8_t buf[65536];
	uint64_t got = 0;
	while (got < sent) {
		ssize_t n = recv(s, buf, sizeof(buf), 0);
		if (n <= 0)
			break;
		got += (uint64_t)n;
	}
	assert_int_equal(got, sent);
	pair_down(&p);
}

/* Removing a session in mid-transfer resets both sides at once. */
static void test_remove_resets_both(void **st)
{
	(void)st;
	struct pair p = pair_up(false);
	const uint64_t id = p.id;
	const int c = p.c, s = p.s;
	struct rtpp_tcp_status final;
	char buf[8];

	assert_int_equal(send(c, "data", 4, 0), 4);
	assert_int_equal(recv(s, buf, 4, MSG_WAITALL), 4);
	assert_int_equal(rtpp_tcp_relay_remove(relay, id, &final), 0);
	assert_int_equal(final.a_to_b.bytes, 4);
	assert_int_equal(recv(c, buf, sizeof(buf), 0), -1);
	assert_int_equal(errno, ECONNRESET);
	assert_int_equal(recv(s, buf, sizeof(buf), 0), -1);
	assert_int_equal(errno, ECONNRESET);
	assert_int_equal(rtpp_tcp_relay_status(relay, id, &final), -ENOENT);
	pair_down(&p);
}

/* A destination that never accepts: ERROR after connect_timeout_ms. */
static void test_connect_timeout(void **st)
{
	(void)st;
	uint16_t dport = 0, lport;
	/* A full accept queue makes the kernel drop further SYNs. */
	int srv = server_socket(&dport, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(dport) };
	int filler[2];

	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	for (int i = 0; i < 2; i++) {
		filler[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		connect(filler[i], (struct sockaddr *)&sa, sizeof(sa));
	}
	usleep(50000);
	uint64_t id = add_session(&lport, dport, NULL, false);
	int c = client_connect("127.0.0.1", lport);
	uint64_t t0 = ms_now();
	struct rtpp_tcp_status f = wait_state(id, RTPP_SESSION_ERROR);
	uint64_t took = ms_now() - t0;

	assert_non_null(strstr(f.error, "did not answer within 500 ms"));
	assert_true(took >= 400 && took < 2000);
	rtpp_tcp_relay_remove(relay, id, NULL);
	close(c);
	for (int i = 0; i < 2; i++)
		close(filler[i]);
	close(srv);
}

/* No byte either way for idle_timeout_ms: CLOSED (inactivity). */
static void test_idle_timeout(void **st)
{
	(void)st;
	struct rtpp_tcp_relay_config cfg = test_cfg;

	cfg.idle_timeout_ms = 300;
	rtpp_tcp_relay_destroy(relay);
	assert_int_equal(relay_up(&cfg), 0);
	struct pair p = pair_up(false);
	char buf[8];

	struct rtpp_tcp_status f = wait_state(p.id, RTPP_SESSION_CLOSED);
	assert_int_equal(f.close_reason, RTPP_CLOSE_INACTIVITY);
	assert_int_equal(recv(p.c, buf, sizeof(buf), 0), 0);
	assert_int_equal(recv(p.s, buf, sizeof(buf), 0), 0);
	pair_down(&p);
}

/* RFC 4571: RTP packets framed in the stream are counted, and the gaps in their numbering. */
static void test_rfc4571_counts(void **st)
{
	(void)st;
	uint8_t stream[100 * 174];
	size_t len = 0;
	unsigned int frames = 0;

	for (uint16_t seq = 1; seq <= 100; seq++) {
		if (seq % 10 == 0)
			continue; /* 10 not sent */
		const uint16_t plen = 172;
		stream[len++] = plen >> 8;
		stream[len++] = plen & 0xff;
		memset(stream + len, 0, plen);
		stream[len] = 0x80;
		stream[len + 1] = 0;
		stream[len + 2] = (uint8_t)(seq >> 8);
		stream[len + 3] = (uint8_t)seq;
		len += plen;
		frames++;
	}
	struct pair p = pair_up(true);
	const uint64_t id = p.id;
	const int c = p.c, s = p.s;
	/* In odd pieces, so that lengths and headers straddle reads. */
	for (size_t off = 0; off < len;) {
		size_t n = len - off < 333 ? len - off : 333;
		assert_int_equal(send(c, stream + off, n, 0), (ssize_t)n);
		off += n;
		usleep(200);
	}
	static uint8_t got[sizeof(stream)];
	assert_int_equal(recv(s, got, len, MSG_WAITALL), (ssize_t)len);
	assert_int_equal(memcmp(got, stream, len), 0);
	struct rtpp_tcp_status f = status(id);
	assert_int_equal(f.a_to_b.frames, frames);
	assert_int_equal(f.a_to_b.rtp_lost, 9); /* 100, the last, is no gap yet */
	pair_down(&p);
}

/* Add's refusals: a port in use, a full table, a bad request. */
static void test_add_refusals(void **st)
{
	(void)st;
	uint16_t busy = 0;
	int holder = server_socket(&busy, 1);
	struct rtpp_tcp_session_params p = {
		.id = next_id++,
		.listen = loopback("127.0.0.1", busy),
		.forward = loopback("127.0.0.1", 0),
		.destination = loopback("127.0.0.1", 9),
	};
	char err[256];

	assert_int_equal(rtpp_tcp_relay_add(relay, &p, err, sizeof(err)), -EADDRINUSE);
	assert_non_null(strstr(err, "listen: cannot bind 127.0.0.1:"));
	p.listen = loopback("192.0.2.77", 20000);
	assert_int_equal(rtpp_tcp_relay_add(relay, &p, err, sizeof(err)), -EADDRNOTAVAIL);
	p.listen = loopback("127.0.0.1", 0);
	assert_int_equal(rtpp_tcp_relay_add(relay, &p, err, sizeof(err)), -EINVAL);
	uint64_t ids[8];
	for (int i = 0; i < 8; i++) {
		uint16_t l;
		ids[i] = add_session(&l, 9, NULL, false);
	}
	p.listen = loopback("127.0.0.1", closed_port());
	p.id = next_id++;
	assert_int_equal(rtpp_tcp_relay_add(relay, &p, err, sizeof(err)), -ENOSPC);
	p.id = ids[0];
	assert_int_equal(rtpp_tcp_relay_add(relay, &p, err, sizeof(err)), -EEXIST);
	for (int i = 0; i < 8; i++)
		assert_int_equal(rtpp_tcp_relay_remove(relay, ids[i], NULL), 0);
	close(holder);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_relay_both_ways, setup, teardown),
		cmocka_unit_test_setup_teardown(test_half_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_destination, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_either_side, setup, teardown),
		cmocka_unit_test_setup_teardown(test_source_and_second_connection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backpressure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_resets_both, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connect_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rfc4571_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_refusals, setup, teardown),
	};
	return cmocka_run_group_tests_name("tcprelay", tests, NULL, NULL);
}
