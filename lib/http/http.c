/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HTTP endpoint on libmicrohttpd (see rtpp_http.h), driven from the main
 * loop: MHD's own epoll set, run without waiting.
 *
 * Who may change things is decided here, once, for every route: any method
 * but GET and HEAD is a write, and a write is refused (403) before a handler
 * sees it unless
 *   - http.read_only is off, and
 *   - the client presented a certificate http.tls_client_ca signed, or no
 *     client CA is configured and the listener is on loopback (the API's
 *     rule: whoever reaches a loopback listener is on this host), and
 *   - the request is no cross-site forgery: a JSON body (POST/PUT/PATCH),
 *     an Origin (when sent) equal to the request's own host, and without a
 *     client certificate a Host that is an address literal or "localhost",
 *     so that a web page whose name an attacker re-points at 127.0.0.1 (DNS
 *     rebinding) cannot drive a loopback console from the operator's browser.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>

#include "rtpp_addr.h"
#include "rtpp_http.h"

#define MAX_ROUTES 32
#define CONNECTION_TIMEOUT_S 30 /* an idle or trickling client is dropped */
#define SUBJECT_LEN 512

struct route {
	const char *method; /* NULL: any */
	char path[64];
	bool prefix;
	rtpp_http_handler_fn fn;
	void *ctx;
};

struct rtpp_http_server {
	struct MHD_Daemon *daemon;
	struct rtpp_http_config cfg;
	bool local; /* the listener is on loopback */
	bool with_client_ca;
	char *cert, *key, *ca; /* PEM, alive as long as the daemon */
	char write_rule[200];
	struct route routes[MAX_ROUTES];
	unsigned int n_routes;
	rtpp_http_refusal_fn on_refusal;
	void *on_refusal_ctx;
	struct rtpp_http_stats stats;
};

/* One request being received (MHD's per-request pointer). */
struct request_state {
	char *body;
	size_t len, cap;
	bool too_large;
};

const char *rtpp_http_query(const struct rtpp_http_request *req, const char *key)
{
	return MHD_lookup_connection_value(req->connection, MHD_GET_ARGUMENT_KIND, key);
}

const char *rtpp_http_header(const struct rtpp_http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND, name);
}

static void format_peer(const struct sockaddr *sa, char *out, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (sa == NULL) {
		snprintf(out, len, "unknown");
	} else if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &in->sin_addr, a, sizeof(a));
		snprintf(out, len, "%s:%u", a, ntohs(in->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		/* A v4 client of a dual-stack listener reads as itself. */
		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
			inet_ntop(AF_INET, &in6->sin6_addr.s6_addr[12], a, sizeof(a));
			snprintf(out, len, "%s:%u", a, ntohs(in6->sin6_port));
		} else {
			inet_ntop(AF_INET6, &in6->sin6_addr, a, sizeof(a));
			snprintf(out, len, "[%s]:%u", a, ntohs(in6->sin6_port));
		}
	} else {
		snprintf(out, len, "family-%d", sa->sa_family);
	}
}

/* The subject of a client certificate the configured CA signed; false when none. */
static bool verified_subject(struct MHD_Connection *c, char *out, size_t len)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	gnutls_session_t session;
	const gnutls_datum_t *certs;
	unsigned int n = 0, status = 0;
	gnutls_x509_crt_t crt;
	gnutls_datum_t dn = { NULL, 0 };
	bool ok = false;

	if (ci == NULL || ci->tls_session == NULL)
		return false;
	session = ci->tls_session;
	if (gnutls_certificate_verify_peers2(session, &status) != GNUTLS_E_SUCCESS || status != 0)
		return false;
	certs = gnutls_certificate_get_peers(session, &n);
	if (certs == NULL || n == 0 || gnutls_x509_crt_init(&crt) != GNUTLS_E_SUCCESS)
		return false;
	if (gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER) == GNUTLS_E_SUCCESS &&
	    gnutls_x509_crt_get_dn2(crt, &dn) == GNUTLS_E_SUCCESS) {
		snprintf(out, len, "%.*s", (int)dn.size, (const char *)dn.data);
		gnutls_free(dn.data);
		ok = true;
	}
	gnutls_x509_crt_deinit(crt);
	return ok;
}

static bool is_read_method(const char *method)
{
	return strcmp(method, MHD_HTTP_METHOD_GET) == 0 || strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
}

/* "host[:port]" without the port; false when it does not parse. */
static bool host_of(const char *hostport, char *out, size_t len)
{
	size_t n;

	if (hostport[0] == '[') {
		const char *end = strchr(hostport, ']');

		if (end == NULL)
			return false;
		n = (size_t)(end - hostport + 1);
	} else {
		const char *colon = strchr(hostport, ':');

		n = colon != NULL ? (size_t)(colon - hostport) : strlen(hostport);
	}
	if (n == 0 || n >= len)
		return false;
	memcpy(out, hostport, n);
	out[n] = '\0';
	return true;
}

/* An address literal or localhost: no name an attacker could point here. */
static bool host_is_literal(const char *host_header)
{
	char host[256];
	struct rtpp_addr a;

	if (host_header == NULL || !host_of(host_header, host, sizeof(host)))
		return false;
	if (strcasecmp(host, "localhost") == 0)
		return true;
	if (host[0] == '[') {
		host[strlen(host) - 1] = '\0';
		return rtpp_addr_parse(host + 1, &a) == 0 && a.family == RTPP_AF_INET6;
	}
	return rtpp_addr_parse(host, &a) == 0 && a.family == RTPP_AF_INET;
}

/*
 * May this request write? NULL when yes, else why not (for the 403).
 * See the comment at the top of this file.
 */
static const char *write_refusal(const struct rtpp_http_server *s, struct MHD_Connection *c,
				 const char *method, bool verified)
{
	const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
	const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");

	if (s->write_rule[0] != '\0')
		return s->write_rule;
	if (s->with_client_ca && !verified)
		return "changes need a client certificate signed by http.tls_client_ca";
	if (origin != NULL) {
		const char *sep = strstr(origin, "://");

		if (host == NULL || sep == NULL || strcasecmp(sep + 3, host) != 0)
			return "the request comes from another site (Origin is not this host)";
	}
	if (!verified && !host_is_literal(host))
		return "without a client certificate, changes are taken only for an address or "
		       "localhost in Host (a name could be re-pointed here by another site)";
	if ((strcmp(method, MHD_HTTP_METHOD_POST) == 0 || strcmp(method, MHD_HTTP_METHOD_PUT) == 0 ||
	     strcmp(method, MHD_HTTP_METHOD_PATCH) == 0) &&
	    (type == NULL || strncasecmp(type, "application/json", 16) != 0))
		return "changes take a JSON body (Content-Type: application/json)";
	return NULL;
}

static const struct route *find_route(const struct rtpp_http_server *s, const char *method,
				      const char *path, bool *path_known, char *allow,
				      size_t allow_len)
{
	const char *want = strcmp(method, MHD_HTTP_METHOD_HEAD) == 0 ? MHD_HTTP_METHOD_GET : method;

	*path_known = false;
	allow[0] = '\0';
	for (unsigned int i = 0; i < s->n_routes; i++) {
		const struct route *r = &s->routes[i];
		bool match = r->prefix ? strncmp(path, r->path, strlen(r->path)) == 0 :
					 strcmp(path, r->path) == 0;

		if (!match)
			continue;
		if (r->method == NULL || strcmp(r->method, want) == 0)
			return r;
		*path_known = true;
		if (strstr(allow, r->method) == NULL) {
			size_t used = strlen(allow);

			snprintf(allow + used, allow_len - used, "%s%s", used ? ", " : "", r->method);
		}
	}
	return NULL;
}

static enum MHD_Result answer(struct rtpp_http_server *s, struct MHD_Connection *c,
			      unsigned int status, const char *type, char *body, size_t len,
			      const char *allow)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result rc;

	if (resp == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				type != NULL ? type : "text/plain; charset=utf-8");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	/* The console's page loads its script and style from here and talks to here only. */
	MHD_add_response_header(resp, "Content-Security-Policy",
				"default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
	if (allow != NULL && allow[0] != '\0')
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
	rc = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	s->stats.requests++;
	if (status / 100 >= 1 && status / 100 <= 5)
		s->stats.by_class[status / 100]++;
	return rc;
}

static enum MHD_Result answer_text(struct rtpp_http_server *s, struct MHD_Connection *c,
				   unsigned int status, const char *allow, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static enum MHD_Result answer_text(struct rtpp_http_server *s, struct MHD_Connection *c,
				   unsigned int status, const char *allow, const char *fmt, ...)
{
	char *text = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0)
		return MHD_NO;
	return answer(s, c, status, NULL, text, (size_t)n, allow);
}

static enum MHD_Result dispatch(struct rtpp_http_server *s, struct MHD_Connection *c,
				const char *url, const char *method, struct request_state *st)
{
	char allow[64], peer[INET6_ADDRSTRLEN + 16], subject[SUBJECT_LEN];
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	bool verified = s->with_client_ca && verified_subject(c, subject, sizeof(subject));
	bool path_known;
	const struct route *r = find_route(s, method, url, &path_known, allow, sizeof(allow));
	const char *refusal = write_refusal(s, c, method, verified);
	struct rtpp_http_response resp = { .status = 200 };
	struct rtpp_http_request req = {
		.method = method,
		.path = url,
		.body = st->body != NULL ? st->body : "",
		.body_len = st->len,
		.peer = peer,
		.subject = verified ? subject : NULL,
		.may_write = refusal == NULL,
		.why_read_only = refusal != NULL ? refusal : "",
		.connection = c,
	};
	char *body = NULL;
	size_t len = 0;

	format_peer(ci != NULL ? ci->client_addr : NULL, peer, sizeof(peer));
	/* An unauthorised write learns nothing more of the server than that. */
	if (!is_read_method(method) && refusal != NULL) {
		s->stats.writes_refused++;
		req.tail = "";
		if (s->on_refusal != NULL)
			s->on_refusal(s->on_refusal_ctx, &req, refusal);
		return answer_text(s, c, MHD_HTTP_FORBIDDEN, NULL, "read-only: %s\n", refusal);
	}
	if (r == NULL)
		return path_known ?
			       answer_text(s, c, MHD_HTTP_METHOD_NOT_ALLOWED, allow,
					   "%s is not served on %s (allowed: %s)\n", method, url,
					   allow) :
			       answer_text(s, c, MHD_HTTP_NOT_FOUND, NULL, "nothing at %s\n", url);
	if (st->too_large)
		return answer_text(s, c, MHD_HTTP_CONTENT_TOO_LARGE, NULL,
				   "the request body is over %u bytes\n", RTPP_HTTP_MAX_BODY);
	req.tail = r->prefix ? url + strlen(r->path) : "";
	resp.out = open_memstream(&body, &len);
	if (resp.out == NULL)
		return answer_text(s, c, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, "out of memory\n");
	r->fn(r->ctx, &req, &resp);
	if (fclose(resp.out) != 0) {
		free(body);
		return answer_text(s, c, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, "out of memory\n");
	}
	return answer(s, c, resp.status, resp.content_type, body, len, resp.allow);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **req_cls)
{
	struct rtpp_http_server *s = cls;
	struct request_state *st = *req_cls;

	(void)version;
	if (st == NULL) { /* the headers are in: keep a state for the body */
		st = calloc(1, sizeof(*st));
		if (st == NULL)
			return MHD_NO;
		*req_cls = st;
		return MHD_YES;
	}
	if (*upload_data_size != 0) {
		size_t n = *upload_data_size;

		*upload_data_size = 0;
		if (st->too_large || st->len + n > RTPP_HTTP_MAX_BODY) {
			st->too_large = true; /* the rest is read and dropped, then 413 */
			return MHD_YES;
		}
		if (st->len + n + 1 > st->cap) {
			size_t cap = st->cap ? st->cap : 1024;
			char *grown;

			while (cap < st->len + n + 1)
				cap *= 2;
			grown = realloc(st->body, cap);
			if (grown == NULL)
				return MHD_NO;
			st->body = grown;
			st->cap = cap;
		}
		memcpy(st->body + st->len, upload_data, n);
		st->len += n;
		st->body[st->len] = '\0';
		return MHD_YES;
	}
	return dispatch(s, c, url, method, st);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct request_state *st = *req_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (st != NULL) {
		free(st->body);
		free(st);
		*req_cls = NULL;
	}
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct rtpp_http_server *s = cls;

	(void)c;
	(void)socket_context;
	if (code == MHD_CONNECTION_NOTIFY_STARTED)
		s->stats.connections++;
	else if (s->stats.connections > 0)
		s->stats.connections--;
}

static void on_mhd_error(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	fputs("rtpproxy: http: ", stderr);
	vfprintf(stderr, fmt, ap);
}

/* Why nobody may write, decided from the configuration alone ("" when some may). */
static void decide_write_rule(struct rtpp_http_server *s)
{
	if (s->cfg.read_only)
		snprintf(s->write_rule, sizeof(s->write_rule), "http.read_only is set");
	else if (!s->with_client_ca && !s->local)
		snprintf(s->write_rule, sizeof(s->write_rule),
			 "the console listens beyond loopback without client certificates "
			 "(http.tls_client_ca): nobody is known to be authorised");
	else
		s->write_rule[0] = '\0';
}

struct rtpp_http_server *rtpp_http_server_create(const struct rtpp_http_config *cfg,
						 const char *listen_override, char *err,
						 size_t errlen)
{
	struct rtpp_http_server *s = calloc(1, sizeof(*s));
	const char *listen = listen_override != NULL ? listen_override : cfg->listen;
	struct rtpp_endpoint ep;
	struct sockaddr_storage ss = { 0 };
	unsigned int flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_USE_SUPPRESS_DATE_NO_CLOCK;

	if (s == NULL) {
		snprintf(err, errlen, "http: out of memory");
		return NULL;
	}
	s->cfg = *cfg;
	if (rtpp_endpoint_parse(listen, &ep) != 0) {
		snprintf(err, errlen, "http: cannot listen on \"%s\": not ADDRESS:PORT", listen);
		goto fail;
	}
	if (ep.addr.family == RTPP_AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		in->sin_family = AF_INET;
		in->sin_port = htons(ep.port);
		memcpy(&in->sin_addr, ep.addr.bytes, 4);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		static const uint8_t any6[16];

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(ep.port);
		memcpy(&in6->sin6_addr, ep.addr.bytes, 16);
		/* "[::]" takes IPv4 clients too, as the API's does. */
		flags |= memcmp(ep.addr.bytes, any6, 16) == 0 ? MHD_USE_DUAL_STACK : MHD_USE_IPv6;
	}
	s->local = rtpp_config_listen_is_local(listen);
	err[0] = '\0';
	s->cert = rtpp_config_read_pem("http", cfg->tls_cert, err, errlen);
	s->key = rtpp_config_read_pem("http", cfg->tls_key, err, errlen);
	s->ca = rtpp_config_read_pem("http", cfg->tls_client_ca, err, errlen);
	if (err[0] != '\0')
		goto fail;
	s->with_client_ca = s->ca != NULL;
	decide_write_rule(s);
	if (s->cert != NULL)
		flags |= MHD_USE_TLS;

	struct MHD_OptionItem tls_options[] = {
		{ s->cert != NULL ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, s->cert },
		{ s->key != NULL ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, s->key },
		{ s->ca != NULL ? MHD_OPTION_HTTPS_MEM_TRUST : MHD_OPTION_END, 0, s->ca },
		{ MHD_OPTION_END, 0, NULL },
	};
	/* MHD_OPTION_ARRAY stops at the first END: keep the set ones in front. */
	struct MHD_OptionItem tls_set[4];
	unsigned int n_tls = 0;

	for (unsigned int i = 0; i < 3; i++)
		if (tls_options[i].option != MHD_OPTION_END)
			tls_set[n_tls++] = tls_options[i];
	tls_set[n_tls] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };

	/*
	 * The logger first, so that MHD's own messages go through it. No
	 * MHD_OPTION_LISTENING_ADDRESS_REUSE: it means SO_REUSEPORT, which would
	 * let a second proxy share the port silently instead of failing.
	 */
	s->daemon = MHD_start_daemon(flags, ep.port, NULL, NULL, on_request, s,
				     MHD_OPTION_EXTERNAL_LOGGER, on_mhd_error, s,
				     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				     MHD_OPTION_CONNECTION_LIMIT, (unsigned int)cfg->max_connections,
				     MHD_OPTION_CONNECTION_TIMEOUT,
				     (unsigned int)CONNECTION_TIMEOUT_S, MHD_OPTION_NOTIFY_COMPLETED,
				     on_completed, s, MHD_OPTION_NOTIFY_CONNECTION, on_connection,
				     s, MHD_OPTION_ARRAY, tls_set, MHD_OPTION_END);
	if (s->daemon == NULL) {
		snprintf(err, errlen,
			 "http: cannot listen on %s (address in use or not on this host, or the "
			 "TLS files are not a valid certificate and key)",
			 listen);
		goto fail;
	}
	return s;
fail:
	rtpp_http_server_destroy(s);
	return NULL;
}

int rtpp_http_route(struct rtpp_http_server *s, const char *method, const char *path,
		    rtpp_http_handler_fn fn, void *ctx)
{
	struct route *r;
	size_t len = strlen(path);

	if (s->n_routes == MAX_ROUTES || len == 0 || len >= sizeof(r->path))
		return -1;
	r = &s->routes[s->n_routes++];
	r->method = method;
	memcpy(r->path, path, len + 1);
	r->prefix = path[len - 1] == '/' && len > 1;
	r->fn = fn;
	r->ctx = ctx;
	return 0;
}

void rtpp_http_set_refusal_observer(struct rtpp_http_server *s, rtpp_http_refusal_fn fn, void *ctx)
{
	s->on_refusal = fn;
	s->on_refusal_ctx = ctx;
}

void rtpp_http_server_poll(struct rtpp_http_server *s)
{
	if (s != NULL && s->daemon != NULL)
		MHD_run(s->daemon);
}

uint16_t rtpp_http_server_port(const struct rtpp_http_server *s)
{
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);

	return info != NULL ? info->port : 0;
}

void rtpp_http_server_stats(const struct rtpp_http_server *s, struct rtpp_http_stats *out)
{
	*out = s->stats;
}

const char *rtpp_http_server_write_rule(const struct rtpp_http_server *s)
{
	return s->write_rule;
}

void rtpp_http_server_destroy(struct rtpp_http_server *s)
{
	if (s == NULL)
		return;
	if (s->daemon != NULL)
		MHD_stop_daemon(s->daemon);
	free(s->cert);
	free(s->key);
	free(s->ca);
	free(s);
}
