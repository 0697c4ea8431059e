/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bottom layer of lib/config, with config_error.c: where is a field in the
 * YAML text? libcyaml keeps no positions in the data it returns, so the text
 * is parsed again with libyaml and every event is given the path a config
 * error would name ("interfaces[1].addresses[0]") and its line. The same walk
 * checks the syntax before libcyaml runs and numbers the events, which is how
 * libcyaml's own errors are located. It calls libyaml only, no other file of
 * lib/config.
 */
#include <stdio.h>
#include <string.h>

#include "yaml_locate_private.h"

/*
 * Containers tracked with a path. The schema is four levels deep; anything
 * deeper is refused by libcyaml anyway and only needs its depth counted.
 */
#define WALK_MAX_DEPTH 32

struct walk_frame {
	bool is_mapping;
	bool expecting_key;       /* mapping: the next node is a key */
	unsigned long next_index; /* sequence: index of the next entry */
	size_t path_len;          /* length of this container's own path */
	unsigned int line;        /* what this container reports as its line */
	unsigned int key_line;    /* mapping: line of the current key */
};

struct walker {
	char path[YAML_PATH_LEN];
	size_t path_len;
	struct walk_frame frames[WALK_MAX_DEPTH];
	unsigned int depth; /* open containers, tracked or not */
};

static void path_truncate(struct walker *w, size_t len)
{
	w->path_len = len;
	w->path[len] = '\0';
}

/* Account for n appended bytes, cut at the buffer's end like snprintf did. */
static void path_grew(struct walker *w, int n)
{
	size_t room = sizeof(w->path) - w->path_len;

	if (n > 0)
		w->path_len += (size_t)n < room ? (size_t)n : room - 1;
}

static void path_append_key(struct walker *w, const char *key)
{
	path_grew(w, snprintf(w->path + w->path_len, sizeof(w->path) - w->path_len,
			      w->path_len == 0 ? "%s" : ".%s", key));
}

static void path_append_index(struct walker *w, unsigned long index)
{
	path_grew(w, snprintf(w->path + w->path_len, sizeof(w->path) - w->path_len,
			      "[%lu]", index));
}

/* The innermost container, when it is one whose path we track. */
static struct walk_frame *walker_parent(struct walker *w)
{
	if (w->depth == 0 || w->depth > WALK_MAX_DEPTH)
		return NULL;
	return &w->frames[w->depth - 1];
}

/* A node starts: set the path to it and say on which line it is reported. */
static unsigned int walker_node_start(struct walker *w, const yaml_event_t *event, bool *is_key)
{
	struct walk_frame *parent = walker_parent(w);
	unsigned int line = (unsigned int)event->start_mark.line + 1;

	*is_key = false;
	if (parent == NULL)
		return line;
	if (!parent->is_mapping) {
		path_truncate(w, parent->path_len);
		path_append_index(w, parent->next_index);
		return line;
	}
	if (!parent->expecting_key)
		return parent->key_line; /* the path already names the key */

	*is_key = true;
	path_truncate(w, parent->path_len);
	/* Only scalar keys are meaningful; others get a placeholder name. */
	const char *key = event->type == YAML_SCALAR_EVENT ?
				  (const char *)event->data.scalar.value : "?";
	path_append_key(w, key);
	parent->key_line = line;
	return line;
}

/* A node is complete: its parent moves on to the next key, value or entry. */
static void walker_node_done(struct walker *w)
{
	struct walk_frame *parent = walker_parent(w);

	if (parent == NULL)
		return;
	if (parent->is_mapping && parent->expecting_key) {
		parent->expecting_key = false;
		return;
	}
	if (parent->is_mapping)
		parent->expecting_key = true;
	else
		parent->next_index++;
	path_truncate(w, parent->path_len);
}

static void walker_open(struct walker *w, bool is_mapping, unsigned int line)
{
	if (w->depth < WALK_MAX_DEPTH)
		w->frames[w->depth] = (struct walk_frame){
			.is_mapping = is_mapping,
			.expecting_key = true,
			.path_len = w->path_len,
			.line = line,
		};
	w->depth++;
}

/* Returns the line the closing container reports (its own start line). */
static unsigned int walker_close(struct walker *w, const yaml_event_t *event)
{
	unsigned int line = (unsigned int)event->start_mark.line + 1;
	struct walk_frame *frame = walker_parent(w);

	if (w->depth == 0)
		return line; /* libyaml never does this; stay safe anyway */
	if (frame != NULL) {
		path_truncate(w, frame->path_len);
		line = frame->line;
	}
	w->depth--;
	return line;
}

static void describe_syntax_error(const yaml_parser_t *parser, const char *text, size_t len,
				  const struct walker *w, struct yaml_syntax_error *syntax)
{
	unsigned int line = (unsigned int)parser->problem_mark.line + 1;

	if (parser->error == YAML_READER_ERROR) {
		/* The reader (encoding) reports a byte offset, not a mark. */
		size_t end = parser->problem_offset < len ? parser->problem_offset : len;

		line = 1;
		for (size_t i = 0; i < end; i++)
			line += text[i] == '\n';
	}
	syntax->line = line;
	snprintf(syntax->path, sizeof(syntax->path), "%s", w->path);
	if (parser->context != NULL)
		snprintf(syntax->reason, sizeof(syntax->reason), "YAML syntax error: %s (%s on line %u)",
			 parser->problem ? parser->problem : "unknown problem", parser->context,
			 (unsigned int)parser->context_mark.line + 1);
	else
		snprintf(syntax->reason, sizeof(syntax->reason), "YAML syntax error: %s",
			 parser->problem ? parser->problem : "unknown problem");
}

int yaml_walk(const char *text, size_t len, yaml_visit_fn visit, void *arg,
	      struct yaml_syntax_error *syntax)
{
	struct walker w = { .path = "" };
	yaml_parser_t parser;
	yaml_event_t event;
	unsigned long ordinal = 0;
	int result = 0;
	bool done = false;

	if (!yaml_parser_initialize(&parser)) {
		if (syntax != NULL)
			*syntax = (struct yaml_syntax_error){ .line = 0, .reason = "out of memory" };
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);

	while (!done) {
		struct yaml_site site = { .ordinal = ordinal++ };

		if (!yaml_parser_parse(&parser, &event)) {
			if (syntax != NULL)
				describe_syntax_error(&parser, text, len, &w, syntax);
			result = -1;
			break;
		}
		site.type = event.type;
		switch (event.type) {
		case YAML_SCALAR_EVENT:
		case YAML_ALIAS_EVENT:
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			site.line = walker_node_start(&w, &event, &site.is_key);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			site.line = walker_close(&w, &event);
			break;
		default: /* stream and document boundaries */
			site.line = (unsigned int)event.start_mark.line + 1;
			done = event.type == YAML_STREAM_END_EVENT;
			break;
		}
		site.path = w.path;
		if (visit != NULL && visit(arg, &site)) {
			result = 1;
			done = true;
		}

		switch (event.type) {
		case YAML_SEQUENCE_START_EVENT:
			walker_open(&w, false, site.line);
			break;
		case YAML_MAPPING_START_EVENT:
			walker_open(&w, true, site.line);
			break;
		case YAML_SCALAR_EVENT:
		case YAML_ALIAS_EVENT:
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			walker_node_done(&w);
			break;
		default:
			break;
		}
		yaml_event_delete(&event);
	}
	yaml_parser_delete(&parser);
	return result;
}

struct path_query {
	const char *path;
	unsigned int line;
};

static bool visit_find_path(void *arg, const struct yaml_site *site)
{
	struct path_query *query = arg;

	if (site->type == YAML_SEQUENCE_END_EVENT || site->type == YAML_MAPPING_END_EVENT)
		return false;
	if (strcmp(site->path, query->path) != 0)
		return false;
	query->line = site->line;
	return true;
}

unsigned int yaml_locate_path(const char *text, size_t len, const char *path)
{
	struct path_query query = { .path = path };

	if (yaml_walk(text, len, visit_find_path, &query, NULL) != 1)
		return 0;
	return query.line;
}

struct event_query {
	unsigned long ordinal;
	char *path;
	unsigned int line;
};

static bool visit_find_event(void *arg, const struct yaml_site *site)
{
	struct event_query *query = arg;

	if (site->ordinal != query->ordinal)
		return false;
	snprintf(query->path, YAML_PATH_LEN, "%s", site->path);
	query->line = site->line;
	return true;
}

bool yaml_locate_event(const char *text, size_t len, unsigned long ordinal,
		       char path[YAML_PATH_LEN], unsigned int *line)
{
	struct event_query query = { .ordinal = ordinal, .path = path };

	if (yaml_walk(text, len, visit_find_event, &query, NULL) != 1)
		return false;
	*line = query.line;
	return true;
}
