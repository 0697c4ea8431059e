/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to lib/config: the document as libcyaml loads it (every scalar kept
 * as text, converted and checked by config_validate.c), the error reporter,
 * and the libyaml walk that finds the line of a field (yaml_locate.c).
 */
#ifndef RTPP_CONFIG_INTERNAL_H
#define RTPP_CONFIG_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include <yaml.h>

#include "rtpp_config.h"

/*
 * Scalars are loaded as strings on purpose: libcyaml 1.3 reads "1.5" as the
 * integer 1, "010" as 8 and "maybe" as true. Parsing them here keeps the
 * accepted syntax strict and the error messages ours. NULL = key absent.
 */
struct raw_interface {
	char *name;
	char *device;
	char **addresses;
	unsigned int addresses_count;
	char *gateway4;
	char *gateway6;
	char *ports;
	char *rx_queues;
	char *mtu;
};

struct raw_dataplane {
	char *workers;
	char *burst;
	char *max_sessions;
	char *mbufs;
	char *rx_desc;
	char *tx_desc;
	char *idle_sleep_us;
};

struct raw_api {
	char *listen;
	char *tls_cert;
	char *tls_key;
	char *tls_client_ca;
};

struct raw_policy {
	char **allowed_remotes; /* NULL with count 0 both when absent and for "[]" */
	unsigned int allowed_remotes_count;
};

struct raw_session {
	char *name;
	char *listen;
	char *forward;
	char *destination;
	char *source;
	char *rtcp;
};

struct raw_config {
	struct raw_interface *interfaces;
	unsigned int interfaces_count;
	struct raw_dataplane *dataplane; /* NULL when the section is absent */
	struct raw_api *api;             /* NULL when the section is absent */
	struct raw_policy *policy;       /* NULL when the section is absent */
	struct raw_session *sessions;
	unsigned int sessions_count;
};

/* The text being loaded and where its one-line error goes. */
struct config_source {
	const char *name; /* file path or the name given to load_string */
	const char *text;
	size_t len;
	char *err;
	size_t errlen;
};

/*
 * Write "NAME:LINE: PATH: reason" into src->err and return -1. The _at form
 * takes a known line; config_vfail finds the line of PATH in the text.
 * An empty PATH stands for the whole document.
 */
int config_fail_at(const struct config_source *src, unsigned int line, const char *path,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int config_vfail(const struct config_source *src, const char *path, const char *fmt,
		 va_list args) __attribute__((format(printf, 3, 0)));

/* Convert and validate the loaded document into cfg (zeroed by the caller). */
int config_convert(const struct config_source *src, const struct raw_config *raw,
		   struct rtpp_config *cfg);

/* ---- yaml_locate.c ---- */

/* Longer paths are cut; they only come from keys no schema would accept. */
#define YAML_PATH_LEN 256

/* One libyaml event as the walk sees it. */
struct yaml_site {
	unsigned long ordinal;   /* 0 = STREAM_START, in libyaml's order */
	yaml_event_type_t type;
	bool is_key;             /* the node is a mapping key */
	const char *path;        /* "interfaces[1].addresses[0]"; "" = the root */
	unsigned int line;       /* 1-based; a mapping value reports its key's line */
};

struct yaml_syntax_error {
	unsigned int line;
	char path[YAML_PATH_LEN];
	char reason[192];
};

/* Return true to stop the walk. */
typedef bool (*yaml_visit_fn)(void *arg, const struct yaml_site *site);

/*
 * Parse text with libyaml and call visit for every event. Returns 1 when the
 * visitor stopped the walk, 0 at the end of the stream, -1 on a syntax error
 * (described in *syntax, which may be NULL).
 */
int yaml_walk(const char *text, size_t len, yaml_visit_fn visit, void *arg,
	      struct yaml_syntax_error *syntax);

/* Line of the node at path (for a mapping value, its key's line); 0 if absent. */
unsigned int yaml_locate_path(const char *text, size_t len, const char *path);

/* Path and line of the event with this ordinal; false past the end. */
bool yaml_locate_event(const char *text, size_t len, unsigned long ordinal,
		       char path[YAML_PATH_LEN], unsigned int *line);

#endif
