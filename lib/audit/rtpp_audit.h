/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The audit trail: one JSON object per line for every control action (a
 * session created, updated, destroyed or expired, the configuration loaded,
 * a request refused), to stdout (the journal under systemd) and, when the
 * configuration names one, appended to a file. docs/audit.md describes every
 * field; the names and their meaning are stable.
 *
 * Any thread may record (a mutex keeps each line whole and the sequence
 * numbers in order); the proxy records from the main lcore. A sink that
 * cannot take a line never stops the caller: the line is lost to that sink,
 * counted, and the first failure of a run of them is reported on stderr.
 */
#ifndef RTPP_AUDIT_H
#define RTPP_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtpp_config.h"

struct rtpp_audit;

/* What happened: the record's "action". */
enum rtpp_audit_action {
	RTPP_AUDIT_CREATE,      /* a session was created */
	RTPP_AUDIT_UPDATE,      /* a session was changed */
	RTPP_AUDIT_DESTROY,     /* a session was destroyed on request */
	RTPP_AUDIT_EXPIRE,      /* the data plane closed a session (timeout, TCP end) */
	RTPP_AUDIT_CONFIG_LOAD, /* the proxy runs with a configuration */
	RTPP_AUDIT_REFUSED,     /* a request was answered with a status other than OK */
	RTPP_AUDIT_ACTIONS
};

/* Who asked: the record's "origin". */
enum rtpp_audit_origin {
	RTPP_AUDIT_ORIGIN_GRPC,      /* the gRPC API */
	RTPP_AUDIT_ORIGIN_HTTP,      /* the HTTP endpoint (web console) */
	RTPP_AUDIT_ORIGIN_DATAPLANE, /* the proxy itself (expiries) */
	RTPP_AUDIT_ORIGIN_CONFIG,    /* the configuration file */
	RTPP_AUDIT_ORIGINS
};

/*
 * One record. Strings may be NULL (or "") when they do not apply: the field
 * is then left out of the line. Any bytes are safe: control characters are
 * escaped and bytes that are not UTF-8 become U+FFFD, so a line is always
 * one valid JSON object.
 */
struct rtpp_audit_record {
	enum rtpp_audit_action action;
	enum rtpp_audit_origin origin;
	const char *method;       /* "/rtpproxy.RtpProxy/CreateSession", "POST /api/sessions" */
	const char *peer;         /* "127.0.0.1:41234", "[::1]:41234", "unix:/run/rtpproxy.sock" */
	const char *subject;      /* the verified client certificate's subject; NULL without one */
	uint64_t session_id;      /* 0: none */
	const char *session_name; /* the session's name, when known */
	int code;                 /* gRPC status code, 0 (OK) .. 16 */
	const char *message;      /* refused: why (the status message) */
	const char *reason;       /* expire: "inactivity", "no_media", "lifetime", "ended" */
	/* config_load */
	const char *config;            /* the file's path, or "<embedded default>" */
	const char *const *interfaces; /* names of the interfaces */
	unsigned int n_interfaces;
	unsigned int static_sessions;
};

/*
 * The sinks cfg names: stdout when cfg->to_stdout, the file cfg->file
 * (created 0640 when missing, opened O_APPEND) when not "". NULL with one
 * line in err when the file cannot be opened. Neither sink is valid too: the
 * trail is then off (rtpp_audit_enabled() says false).
 */
struct rtpp_audit *rtpp_audit_open(const struct rtpp_audit_config *cfg, char *err, size_t errlen);
/* Close the file; a NULL audit is fine. */
void rtpp_audit_close(struct rtpp_audit *a);
/* Whether a record would go anywhere (false for NULL): callers skip the work of one if not. */
bool rtpp_audit_enabled(const struct rtpp_audit *a);

/*
 * Write one line to every sink, each with one write(2) (stdout's pending
 * stdio output first, under its lock). 0 when every sink took it; -EIO when
 * one did not (counted in the stats; the first failure after a success is
 * reported on stderr); -EINVAL for an action, origin or code out of range;
 * -ENOMEM. A NULL audit records nothing and returns 0.
 */
int rtpp_audit_record(struct rtpp_audit *a, const struct rtpp_audit_record *r);

/*
 * Open the file again by its path (after logrotate moved it away: SIGHUP).
 * The old descriptor is closed only once the new one is open; on failure
 * the trail goes on into the old one. 0 or -errno (reported on stderr too).
 */
int rtpp_audit_reopen(struct rtpp_audit *a);

struct rtpp_audit_stats {
	uint64_t records;       /* records made (every sink tried) */
	uint64_t stdout_errors; /* lines stdout did not take */
	uint64_t file_errors;   /* lines the file did not take */
	uint64_t reopens;       /* successful reopens */
	uint64_t reopen_errors; /* failed reopens */
};
/* All zero for NULL. */
void rtpp_audit_get_stats(struct rtpp_audit *a, struct rtpp_audit_stats *out);

/* "OK", "INVALID_ARGUMENT", ... for a gRPC status code; "UNKNOWN" out of range. */
const char *rtpp_audit_status_name(int code);
/* "create", "expire", ... and "grpc", "dataplane", ...; NULL out of range. */
const char *rtpp_audit_action_name(enum rtpp_audit_action action);
const char *rtpp_audit_origin_name(enum rtpp_audit_origin origin);

#endif
