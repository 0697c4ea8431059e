/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/http on loopback: routing, methods, bodies and their bound, the
 * headers every answer carries, and the write rule (read-only setting,
 * listeners beyond loopback, cross-site requests, DNS rebinding). The
 * server is single-threaded, so the test drives it: it sends a request,
 * then polls the server and reads until the server closes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "rtpp_http.h"

struct seen {
	unsigned int calls;
	char method[16], tail[64], body[128], peer[64], why[256];
	size_t body_len;
	bool may_write;
};

static void hello(void *ctx, const struct rtpp_http_request *req, struct rtpp_http_response *resp)
{
	struct seen *seen = ctx;
	const char *q = rtpp_http_query(req, "q");

	seen->calls++;
	snprintf(seen->method, sizeof(seen->method), "%s", req->method);
	snprintf(seen->tail, sizeof(seen->tail), "%s", req->tail);
	snprintf(seen->body, sizeof(seen->body), "%s", req->body);
	snprintf(seen->peer, sizeof(seen->peer), "%s", req->peer);
	snprintf(seen->why, sizeof(seen->why), "%s", req->why_read_only);
	seen->body_len = req->body_len;
	seen->may_write = req->may_write;
	resp->content_type = "application/json";
	fprintf(resp->out, "{\"hello\":\"%s\"}", q != NULL ? q : "");
}

static void refused_write(void *ctx, const struct rtpp_http_request *req, const char *reason)
{
	struct seen *seen = ctx;

	seen->calls++;
	snprintf(seen->method, sizeof(seen->method), "%s", req->method);
	snprintf(seen->peer, sizeof(seen->peer), "%s", req->peer);
	snprintf(seen->why, sizeof(seen->why), "%s", reason);
}

static struct rtpp_http_config config(const char *listen)
{
	struct rtpp_http_config cfg = { .enabled = true, .max_connections = 8 };

	snprintf(cfg.listen, sizeof(cfg.listen), "%s", listen);
	return cfg;
}

static struct rtpp_http_server *start(const struct rtpp_http_config *cfg, struct seen *seen)
{
	char err[256] = "";
	struct rtpp_http_server *s = rtpp_http_server_create(cfg, NULL, err, sizeof(err));

	if (s == NULL)
		fail_msg("server: %s", err);
	assert_int_equal(rtpp_http_route(s, "GET", "/hello", hello, seen), 0);
	assert_int_equal(rtpp_http_route(s, "POST", "/hello", hello, seen), 0);
	assert_int_equal(rtpp_http_route(s, NULL, "/api/", hello, seen), 0);
	assert_true(rtpp_http_server_port(s) != 0);
	return s;
}

/* Send raw (a whole request), return what came back until the server closed. */
static char *exchange(struct rtpp_http_server *s, const char *raw, size_t raw_len)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(rtpp_http_server_port(s)) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	size_t sent = 0, got = 0, cap = 65536;
	char *buf = calloc(1, cap + 1);
	struct timespec t0, now;

	assert_non_null(buf);
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		ssize_t n;

		rtpp_http_server_poll(s);
		if (sent < raw_len) {
			n = send(fd, raw + sent, raw_len - sent, MSG_NOSIGNAL);
			if (n > 0)
				sent += (size_t)n;
		}
		n = recv(fd, buf + got, cap - got, 0);
		if (n == 0)
			break;
		if (n > 0) {
			got += (size_t)n;
			if (got == cap)
				break;
		} else if (errno != EAGAIN && errno != EWOULDBLOCK) {
			break; /* reset: what came so far is the answer */
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec > 5)
			fail_msg("no complete answer within 5 s (got %zu bytes)", got);
		poll(NULL, 0, 1);
	}
	close(fd);
	buf[got] = '\0';
	return buf;
}

static char *request(struct rtpp_http_server *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static char *request(struct rtpp_http_server *s, const char *fmt, ...)
{
	char *raw = NULL, *answer;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&raw, fmt, ap);
	va_end(ap);
	assert_true(n > 0);
	answer = exchange(s, raw, (size_t)n);
	free(raw);
	return answer;
}

static unsigned int status_of(const char *answer)
{
	unsigned int status = 0;

	sscanf(answer, "HTTP/1.1 %u", &status);
	return status;
}

static const char *body_of(const char *answer)
{
	const char *b = strstr(answer, "\r\n\r\n");

	return b != NULL ? b + 4 : "";
}

#define JSON_POST(path, extra, body)                                                \
	"POST " path                                                                \
	" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"                     \
	"Content-Type: application/json\r\n" extra "Content-Length: %zu\r\n\r\n%s", \
		strlen(body), body

static void test_routes_and_headers(void **state)
{
	(void)state;
	struct seen seen = { 0 };
	struct rtpp_http_config cfg = config("127.0.0.1:0");
	struct rtpp_http_server *s = start(&cfg, &seen);
	struct rtpp_http_stats st;
	char *a;

	a = request(s, "GET /hello?q=there HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
	assert_int_equal(status_of(a), 200);
	assert_string_equal(body_of(a), "{\"hello\":\"there\"}");
	assert_non_null(strstr(a, "Content-Type: application/json"));
	assert_non_null(strstr(a, "X-Content-Type-Options: nosniff"));
	assert_non_null(strstr(a, "Cache-Control: no-store"));
	assert_non_null(strstr(a, "Content-Security-Policy: default-src 'self'"));
	assert_string_equal(seen.method, "GET");
	assert_true(strncmp(seen.peer, "127.0.0.1:", 10) == 0);
	assert_true(seen.may_write); /* loopback, not read-only */
	free(a);

	/* HEAD takes the GET route, without a body. */
	a = request(s, "HEAD /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
	assert_int_equal(status_of(a), 200);
	assert_string_equal(body_of(a), "");
	free(a);

	a = request(s, "GET /nothing HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
	assert_int_equal(status_of(a), 404);
	free(a);

	/* A known path, another method: 405 with what it takes. */
	a = request(s, "DELETE /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
	assert_int_equal(status_of(a), 405);
	assert_non_null(strstr(a, "Allow: GET, POST"));
	free(a);

	/* A prefix route sees the rest of the path; any method. */
	a = request(s,
		    "DELETE /api/sessions/7 HTTP/1.1\r\nHost: localhost:8080\r\n"
		    "Connection: close\r\n\r\n");
	assert_int_equal(status_of(a), 200);
	assert_string_equal(seen.tail, "sessions/7");
	assert_string_equal(seen.method, "DELETE");
	free(a);

	rtpp_http_server_stats(s, &st);
	assert_int_equal(st.requests, 5);
	assert_int_equal(st.by_class[2], 3);
	assert_int_equal(st.by_class[4], 2);
	rtpp_http_server_destroy(s);
}

static void test_bodies(void **state)
{
	(void)state;
	struct seen seen = { 0 };
	struct rtpp_http_config cfg = config("127.0.0.1:0");
	struct rtpp_http_server *s = start(&cfg, &seen);
	char *a, *big;
	size_t big_len = RTPP_HTTP_MAX_BODY + 1000;

	a = request(s, JSON_POST("/hello", "", "{\"listen\":\"203.0.113.1:20000\"}"));
	assert_int_equal(status_of(a), 200);
	assert_string_equal(seen.body, "{\"listen\":\"203.0.113.1:20000\"}");
	assert_int_equal(seen.body_len, strlen(seen.body));
	free(a);

	/* Over the bound: 413, the handler never runs, the server goes on. */
	big = malloc(big_len + 1);
	assert_non_null(big);
	memset(big, 'x', big_len);
	big[big_len] = '\0';
	seen.calls = 0;
	a = request(s, JSON_POST("/hello", "", big));
	assert_int_equal(status_of(a), 413);
	assert_int_equal(seen.calls, 0);
	free(a);
	free(big);
	a = request(s, "GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
	assert_int_equal(status_of(a), 200);
	free(a);

	/* Not HTTP at all: answered 400 or closed, and the server goes on. */
	static const char not_http[] = "\x16\x03\x01\x02\x00garbage\r\n\r\n";
	a = exchange(s, not_http, sizeof(not_http) - 1);
	assert_true(status_of(a) == 400 || a[0] == '\0');
	free(a);
	a = request(s, "GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
	assert_int_equal(status_of(a), 200);
	free(a);
	rtpp_http_server_destroy(s);
}

/* Each way a write can be refused: 403 with the reason, the handler never runs. */
static void test_write_rule(void **state)
{
	(void)state;
	struct seen seen = { 0 };
	struct rtpp_http_config cfg = config("127.0.0.1:0");
	struct rtpp_http_server *s = start(&cfg, &seen);
	static const struct {
		const char *headers, *content_type, *reason;
	} refused[] = {
		{ "Host: 127.0.0.1\r\n", "text/plain", "JSON body" },
		{ "Host: 127.0.0.1\r\n", NULL, "JSON body" },
		{ "Host: 127.0.0.1\r\nOrigin: http://evil.example\r\n", "application/json",
		  "another site" },
		{ "Host: rebound.example:8080\r\n", "application/json", "address or localhost" },
		{ "", "application/json", "address or localhost" },
	};
	char *a;

	assert_string_equal(rtpp_http_server_write_rule(s), "");
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		char type[64] = "";

		if (refused[i].content_type != NULL)
			snprintf(type, sizeof(type), "Content-Type: %s\r\n", refused[i].content_type);
		seen.calls = 0;
		a = request(s,
			    "POST /hello HTTP/1.1\r\n%s%sConnection: close\r\n"
			    "Content-Length: 2\r\n\r\n{}",
			    refused[i].headers, type);
		if (status_of(a) != 403 || strstr(body_of(a), refused[i].reason) == NULL)
			fail_msg("case %zu: want 403 with \"%s\", got: %s", i, refused[i].reason, a);
		assert_int_equal(seen.calls, 0);
		free(a);
	}
	/* Same origin, an IPv6 literal host, localhost: taken. */
	a = request(s, JSON_POST("/hello", "Origin: http://127.0.0.1\r\n", "{}"));
	assert_int_equal(status_of(a), 200);
	free(a);
	a = request(s,
		    "DELETE /api/sessions/1 HTTP/1.1\r\nHost: [::1]:8080\r\nConnection: close\r\n\r\n");
	assert_int_equal(status_of(a), 200);
	free(a);
	rtpp_http_server_destroy(s);

	/* read_only: every write refused, GETs say why, the observer hears of it. */
	cfg.read_only = true;
	s = start(&cfg, &seen);
	struct seen refusals = { 0 };
	rtpp_http_set_refusal_observer(s, refused_write, &refusals);
	a = request(s, JSON_POST("/hello", "", "{}"));
	assert_int_equal(status_of(a), 403);
	assert_non_null(strstr(body_of(a), "http.read_only"));
	assert_int_equal(refusals.calls, 1);
	assert_string_equal(refusals.method, "POST");
	assert_string_equal(refusals.why, "http.read_only is set");
	assert_true(strncmp(refusals.peer, "127.0.0.1:", 10) == 0);
	free(a);
	a = request(s, "GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
	assert_int_equal(status_of(a), 200);
	assert_false(seen.may_write);
	assert_non_null(strstr(seen.why, "http.read_only"));
	free(a);
	struct rtpp_http_stats st;
	rtpp_http_server_stats(s, &st);
	assert_int_equal(st.writes_refused, 1);
	rtpp_http_server_destroy(s);

	/* Beyond loopback without client certificates: nobody is known, read-only. */
	cfg = config("0.0.0.0:0");
	s = start(&cfg, &seen);
	assert_non_null(strstr(rtpp_http_server_write_rule(s), "tls_client_ca"));
	a = request(s, JSON_POST("/hello", "", "{}"));
	assert_int_equal(status_of(a), 403);
	free(a);
	rtpp_http_server_destroy(s);
}

static void test_bad_setup(void **state)
{
	(void)state;
	struct seen seen = { 0 };
	struct rtpp_http_config cfg = config("127.0.0.1:0");
	struct rtpp_http_server *s = start(&cfg, &seen), *t;
	char err[256] = "", taken[64];

	/* The same port twice: a clear error, not a crash. */
	snprintf(taken, sizeof(taken), "127.0.0.1:%u", rtpp_http_server_port(s));
	t = rtpp_http_server_create(&cfg, taken, err, sizeof(err));
	assert_null(t);
	assert_non_null(strstr(err, "cannot listen on"));
	/* A TLS file that is not there. */
	snprintf(cfg.tls_cert, sizeof(cfg.tls_cert), "/nonexistent/cert.pem");
	snprintf(cfg.tls_key, sizeof(cfg.tls_key), "/nonexistent/key.pem");
	t = rtpp_http_server_create(&cfg, NULL, err, sizeof(err));
	assert_null(t);
	assert_non_null(strstr(err, "/nonexistent/"));
	/* A TLS file that is no certificate. */
	snprintf(cfg.tls_cert, sizeof(cfg.tls_cert), RTPP_TEST_DATA_DIR "/config/bad-gateway.yaml");
	snprintf(cfg.tls_key, sizeof(cfg.tls_key), RTPP_TEST_DATA_DIR "/config/bad-gateway.yaml");
	t = rtpp_http_server_create(&cfg, NULL, err, sizeof(err));
	assert_null(t);
	assert_non_null(strstr(err, "certificate"));
	rtpp_http_server_destroy(s);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routes_and_headers),
		cmocka_unit_test(test_bodies),
		cmocka_unit_test(test_write_rule),
		cmocka_unit_test(test_bad_setup),
	};

	return cmocka_run_group_tests_name("http", tests, NULL, NULL);
}
