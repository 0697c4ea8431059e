/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The audit trail: records as JSON lines (jansson encodes them), written to
 * stdout and a file. See rtpp_audit.h and docs/audit.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "rtpp_audit.h"

/* A line is built here; a longer one (long messages, many interfaces) on the heap. */
#define AUDIT_LINE_STACK 4096

/* One destination, and whether its last write failed (reported once per run of failures). */
struct sink {
	const char *name;
	bool failing;
	uint64_t errors;
	uint64_t lost_in_run; /* lines lost since the failure was reported */
};

struct rtpp_audit {
	pthread_mutex_t lock;
	bool to_stdout;
	int fd; /* the file, -1: none */
	char path[RTPP_PATH_LEN];
	struct sink out, file;
	uint64_t seq;
	uint64_t records;
	uint64_t reopens, reopen_errors;
};

static const char *const action_names[RTPP_AUDIT_ACTIONS] = {
	[RTPP_AUDIT_CREATE] = "create",           [RTPP_AUDIT_UPDATE] = "update",
	[RTPP_AUDIT_DESTROY] = "destroy",         [RTPP_AUDIT_EXPIRE] = "expire",
	[RTPP_AUDIT_CONFIG_LOAD] = "config_load", [RTPP_AUDIT_REFUSED] = "refused",
};

static const char *const origin_names[RTPP_AUDIT_ORIGINS] = {
	[RTPP_AUDIT_ORIGIN_GRPC] = "grpc",
	[RTPP_AUDIT_ORIGIN_HTTP] = "http",
	[RTPP_AUDIT_ORIGIN_DATAPLANE] = "dataplane",
	[RTPP_AUDIT_ORIGIN_CONFIG] = "config",
};

/* grpc_status_code's names (grpc/status.h), as gRPC tools print them. */
static const char *const status_names[] = {
	"OK",
	"CANCELLED",
	"UNKNOWN",
	"INVALID_ARGUMENT",
	"DEADLINE_EXCEEDED",
	"NOT_FOUND",
	"ALREADY_EXISTS",
	"PERMISSION_DENIED",
	"RESOURCE_EXHAUSTED",
	"FAILED_PRECONDITION",
	"ABORTED",
	"OUT_OF_RANGE",
	"UNIMPLEMENTED",
	"INTERNAL",
	"UNAVAILABLE",
	"DATA_LOSS",
	"UNAUTHENTICATED",
};
#define STATUS_CODES ((int)(sizeof(status_names) / sizeof(status_names[0])))

const char *rtpp_audit_status_name(int code)
{
	return code >= 0 && code < STATUS_CODES ? status_names[code] : "UNKNOWN";
}

const char *rtpp_audit_action_name(enum rtpp_audit_action action)
{
	return (unsigned int)action < RTPP_AUDIT_ACTIONS ? action_names[action] : NULL;
}

const char *rtpp_audit_origin_name(enum rtpp_audit_origin origin)
{
	return (unsigned int)origin < RTPP_AUDIT_ORIGINS ? origin_names[origin] : NULL;
}

static int open_file(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
}

struct rtpp_audit *rtpp_audit_open(const struct rtpp_audit_config *cfg, char *err, size_t errlen)
{
	struct rtpp_audit *a = calloc(1, sizeof(*a));

	if (a == NULL) {
		snprintf(err, errlen, "audit: out of memory");
		return NULL;
	}
	pthread_mutex_init(&a->lock, NULL);
	a->to_stdout = cfg->to_stdout;
	a->out.name = "stdout";
	a->fd = -1;
	snprintf(a->path, sizeof(a->path), "%s", cfg->file);
	a->file.name = a->path;
	if (a->path[0] != '\0') {
		a->fd = open_file(a->path);
		if (a->fd < 0) {
			snprintf(err, errlen, "audit.file: cannot open %s: %s", a->path,
				 strerror(errno));
			pthread_mutex_destroy(&a->lock);
			free(a);
			return NULL;
		}
	}
	return a;
}

void rtpp_audit_close(struct rtpp_audit *a)
{
	if (a == NULL)
		return;
	if (a->fd >= 0)
		close(a->fd);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

bool rtpp_audit_enabled(const struct rtpp_audit *a)
{
	return a != NULL && (a->to_stdout || a->fd >= 0);
}

/* ---- UTF-8 ---- */

/* Length of the UTF-8 sequence starting at p (RFC 3629: no overlong form,
 * no surrogate, nothing above U+10FFFF), 0 when p does not start one. */
static size_t utf8_sequence(const unsigned char *p, size_t left)
{
	unsigned int c = p[0];
	size_t n;
	unsigned int lo = 0x80, hi = 0xbf; /* the allowed range of the second byte */

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0; /* overlong */
	else if (c == 0xed)
		hi = 0x9f; /* surrogates */
	else if (c == 0xf0)
		lo = 0x90; /* overlong */
	else if (c == 0xf4)
		hi = 0x8f; /* above U+10FFFF */
	if (left < n || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* A JSON string of s; bytes that are not UTF-8 text become U+FFFD (jansson
 * takes nothing else, and a name or message must not cost the whole line). */
static json_t *text(const char *s)
{
	json_t *j = json_string(s);
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), w = 0;
	char *fixed;

	if (j != NULL)
		return j;
	fixed = malloc(len * 3 + 1);
	if (fixed == NULL)
		return NULL;
	for (size_t i = 0; i < len;) {
		size_t n = utf8_sequence(p + i, len - i);

		if (n == 0) {
			memcpy(fixed + w, "\xef\xbf\xbd", 3);
			w += 3;
			i++;
		} else {
			memcpy(fixed + w, p + i, n);
			w += n;
			i += n;
		}
	}
	fixed[w] = '\0';
	j = json_string(fixed);
	free(fixed);
	return j;
}

/* ---- the record ---- */

/* "2024-05-01T12:34:56.789Z" */
static void rfc3339_now(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ts.tv_nsec / 1000000) % 1000);
}

/* Add key: s when s says something; false when out of memory. */
static bool add_text(json_t *o, const char *key, const char *s)
{
	return s == NULL || s[0] == '\0' || json_object_set_new(o, key, text(s)) == 0;
}

static bool add_int(json_t *o, const char *key, json_int_t v)
{
	return json_object_set_new(o, key, json_integer(v)) == 0;
}

/* The object of r, its fields in the order docs/audit.md lists them. */
static json_t *build(const struct rtpp_audit_record *r, uint64_t seq)
{
	json_t *o = json_object();
	char now[96];
	bool ok;

	if (o == NULL)
		return NULL;
	rfc3339_now(now, sizeof(now));
	ok = add_text(o, "time", now) && add_int(o, "seq", (json_int_t)seq) &&
	     add_text(o, "action", action_names[r->action]) &&
	     add_text(o, "origin", origin_names[r->origin]) && add_text(o, "method", r->method) &&
	     add_text(o, "peer", r->peer) && add_text(o, "subject", r->subject) &&
	     (r->session_id == 0 || add_int(o, "session_id", (json_int_t)r->session_id)) &&
	     add_text(o, "session_name", r->session_name) &&
	     add_text(o, "result", rtpp_audit_status_name(r->code)) && add_int(o, "code", r->code) &&
	     add_text(o, "message", r->message) && add_text(o, "reason", r->reason);
	if (ok && r->action == RTPP_AUDIT_CONFIG_LOAD) {
		json_t *names = NULL;

		ok = add_text(o, "config", r->config) && (names = json_array()) != NULL &&
		     json_object_set_new(o, "interfaces", names) == 0 &&
		     add_int(o, "static_sessions", r->static_sessions);
		for (unsigned int i = 0; ok && i < r->n_interfaces; i++)
			ok = json_array_append_new(names, text(r->interfaces[i])) == 0;
	}
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The whole line to fd in one write(2); false (errno set) when it did not all go. */
static bool write_line(int fd, const char *line, size_t len)
{
	ssize_t n;

	do
		n = write(fd, line, len);
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)len)
		return true;
	if (n > 0) {
		/* Cut short (a full disk): end the fragment, so that the next
		 * line starts on a line of its own. */
		if (write(fd, "\n", 1) < 0) {
			/* nothing more to do: the error is reported below */
		}
		errno = ENOSPC;
	} else if (n == 0) {
		errno = EIO;
	}
	return false;
}

static void sink_result(struct sink *s, bool ok, int err)
{
	if (ok) {
		if (s->failing)
			fprintf(stderr,
				"rtpproxy: audit: %s takes lines again; %llu were lost meanwhile\n",
				s->name, (unsigned long long)s->lost_in_run);
		s->failing = false;
		return;
	}
	s->errors++;
	if (s->failing) {
		s->lost_in_run++;
		return;
	}
	s->failing = true;
	s->lost_in_run = 1;
	fprintf(stderr,
		"rtpproxy: audit: cannot write to %s: %s (the proxy goes on; lines lost are "
		"counted in telemetry /rtpproxy/api audit_write_errors)\n",
		s->name, strerror(err));
}

static int write_sinks(struct rtpp_audit *a, const char *line, size_t len)
{
	int rc = 0;

	if (a->to_stdout) {
		bool ok;
		int err;

		/* What stdio holds goes first, so that the proxy's own messages
		 * and the records keep their order; the lock keeps other threads'
		 * stdio output out of the middle of the line. */
		flockfile(stdout);
		fflush_unlocked(stdout);
		ok = write_line(STDOUT_FILENO, line, len);
		err = errno;
		funlockfile(stdout);
		sink_result(&a->out, ok, err);
		if (!ok)
			rc = -EIO;
	}
	if (a->fd >= 0) {
		bool ok = write_line(a->fd, line, len);

		sink_result(&a->file, ok, errno);
		if (!ok)
			rc = -EIO;
	}
	return rc;
}

int rtpp_audit_record(struct rtpp_audit *a, const struct rtpp_audit_record *r)
{
	char stack[AUDIT_LINE_STACK];
	char *line = stack;
	size_t len;
	json_t *o;
	int rc;

	if (a == NULL)
		return 0;
	if ((unsigned int)r->action >= RTPP_AUDIT_ACTIONS ||
	    (unsigned int)r->origin >= RTPP_AUDIT_ORIGINS || r->code < 0 || r->code >= STATUS_CODES)
		return -EINVAL;
	if (!rtpp_audit_enabled(a))
		return 0;
	pthread_mutex_lock(&a->lock);
	o = build(r, a->seq + 1);
	if (o == NULL) {
		pthread_mutex_unlock(&a->lock);
		return -ENOMEM;
	}
	len = json_dumpb(o, stack, sizeof(stack) - 1, JSON_COMPACT);
	if (len >= sizeof(stack) - 1) {
		line = malloc(len + 1);
		if (line == NULL || json_dumpb(o, line, len, JSON_COMPACT) != len) {
			free(line);
			json_decref(o);
			pthread_mutex_unlock(&a->lock);
			return -ENOMEM;
		}
	}
	json_decref(o);
	if (len == 0) {
		pthread_mutex_unlock(&a->lock);
		return -ENOMEM;
	}
	line[len++] = '\n';
	a->seq++;
	a->records++;
	rc = write_sinks(a, line, len);
	pthread_mutex_unlock(&a->lock);
	if (line != stack)
		free(line);
	return rc;
}

int rtpp_audit_reopen(struct rtpp_audit *a)
{
	int fd, rc = 0;

	if (a == NULL || a->path[0] == '\0')
		return 0;
	pthread_mutex_lock(&a->lock);
	fd = open_file(a->path);
	if (fd < 0) {
		rc = -errno;
		a->reopen_errors++;
		fprintf(stderr,
			"rtpproxy: audit: cannot reopen %s: %s (the trail goes on in the file "
			"open before)\n",
			a->path, strerror(-rc));
	} else {
		if (a->fd >= 0)
			close(a->fd);
		a->fd = fd;
		a->reopens++;
	}
	pthread_mutex_unlock(&a->lock);
	return rc;
}

void rtpp_audit_get_stats(struct rtpp_audit *a, struct rtpp_audit_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (a == NULL)
		return;
	pthread_mutex_lock(&a->lock);
	out->records = a->records;
	out->stdout_errors = a->out.errors;
	out->file_errors = a->file.errors;
	out->reopens = a->reopens;
	out->reopen_errors = a->reopen_errors;
	pthread_mutex_unlock(&a->lock);
}
