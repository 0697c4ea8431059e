/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to lib/config, bottom layer (with error_private.h): a walk of the
 * YAML text with libyaml that gives every event the path a config error
 * would name ("interfaces[1].addresses[0]") and its line. yaml_locate.c
 * calls libyaml only. config_error.c locates fields with it; the loader
 * (config.c) checks the syntax with it and locates libcyaml's errors.
 */
#ifndef RTPP_YAML_LOCATE_H
#define RTPP_YAML_LOCATE_H

#include <stdbool.h>
#include <stddef.h>

#include <yaml.h>

/* Longer paths are cut; they only come from keys no schema would accept. */
#define YAML_PATH_LEN 256

/* One libyaml event as the walk sees it. */
struct yaml_site {
	unsigned long ordinal; /* 0 = STREAM_START, in libyaml's order */
	yaml_event_type_t type;
	bool is_key;       /* the node is a mapping key */
	const char *path;  /* "interfaces[1].addresses[0]"; "" = the root */
	unsigned int line; /* 1-based; a mapping value reports its key's line */
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
