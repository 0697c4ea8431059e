/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Loader of lib/config, the top of its chain: libyaml checks the syntax first
 * (libcyaml would report a syntax error without its line), libcyaml then
 * loads the document against the schema below into the raw types of
 * raw_private.h, and config_convert_all converts and checks the values. It
 * calls down only: the conversion layer's entry (config_validate.c), the
 * error layer (config_error.c) and yaml_locate.c; nothing in lib/config calls
 * it back. Every refusal becomes one line "NAME:LINE: FIELD: reason".
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cyaml/cyaml.h>

#include "error_private.h"
#include "raw_private.h"
#include "rtpp_config.h"
#include "validate_private.h"
#include "yaml_locate_private.h"

/* Files above this are surely not configurations; refuse rather than swap. */
#define CONFIG_MAX_FILE_SIZE (256u << 20)

#define EMBEDDED_NAME "<embedded>"
#define FILE_FIELD "(file)"

/* ---- Schema: every scalar is text (see raw_private.h) ---- */

#define TEXT_FIELD(key, flags, structure, member) \
	CYAML_FIELD_STRING_PTR(key, CYAML_FLAG_POINTER | (flags), structure, member, \
			       0, CYAML_UNLIMITED)
#define REQUIRED_TEXT(structure, member) TEXT_FIELD(#member, 0, structure, member)
#define OPTIONAL_TEXT(structure, member) TEXT_FIELD(#member, CYAML_FLAG_OPTIONAL, structure, member)

static const cyaml_schema_value_t text_entry_schema = {
	CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 0, CYAML_UNLIMITED),
};

/* Sequence lengths are checked by the converters, with clearer messages. */
static const cyaml_schema_field_t interface_fields[] = {
	REQUIRED_TEXT(struct raw_interface, name),
	REQUIRED_TEXT(struct raw_interface, device),
	CYAML_FIELD_SEQUENCE("addresses", CYAML_FLAG_POINTER, struct raw_interface, addresses,
			     &text_entry_schema, 0, CYAML_UNLIMITED),
	OPTIONAL_TEXT(struct raw_interface, gateway4),
	OPTIONAL_TEXT(struct raw_interface, gateway6),
	REQUIRED_TEXT(struct raw_interface, ports),
	OPTIONAL_TEXT(struct raw_interface, rx_queues),
	OPTIONAL_TEXT(struct raw_interface, mtu),
	CYAML_FIELD_END,
};

static const cyaml_schema_value_t interface_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct raw_interface, interface_fields),
};

static const cyaml_schema_field_t dataplane_fields[] = {
	OPTIONAL_TEXT(struct raw_dataplane, workers),
	OPTIONAL_TEXT(struct raw_dataplane, burst),
	OPTIONAL_TEXT(struct raw_dataplane, max_sessions),
	OPTIONAL_TEXT(struct raw_dataplane, mbufs),
	OPTIONAL_TEXT(struct raw_dataplane, rx_desc),
	OPTIONAL_TEXT(struct raw_dataplane, tx_desc),
	OPTIONAL_TEXT(struct raw_dataplane, idle_sleep_us),
	OPTIONAL_TEXT(struct raw_dataplane, kernel_rate_pps),
	OPTIONAL_TEXT(struct raw_dataplane, kernel_control_pps),
	CYAML_FIELD_END,
};

static const cyaml_schema_field_t api_fields[] = {
	OPTIONAL_TEXT(struct raw_api, listen),
	OPTIONAL_TEXT(struct raw_api, tls_cert),
	OPTIONAL_TEXT(struct raw_api, tls_key),
	OPTIONAL_TEXT(struct raw_api, tls_client_ca),
	OPTIONAL_TEXT(struct raw_api, max_streams),
	OPTIONAL_TEXT(struct raw_api, memory_quota_mb),
	OPTIONAL_TEXT(struct raw_api, keepalive_s),
	OPTIONAL_TEXT(struct raw_api, max_event_streams),
	OPTIONAL_TEXT(struct raw_api, max_health_watches),
	OPTIONAL_TEXT(struct raw_api, max_reflection_streams),
	CYAML_FIELD_END,
};

static const cyaml_schema_field_t tcp_fields[] = {
	OPTIONAL_TEXT(struct raw_tcp, max_sessions),
	OPTIONAL_TEXT(struct raw_tcp, buffer_kb),
	OPTIONAL_TEXT(struct raw_tcp, max_buffer_mb),
	OPTIONAL_TEXT(struct raw_tcp, connect_timeout_s),
	OPTIONAL_TEXT(struct raw_tcp, idle_timeout_s),
	OPTIONAL_TEXT(struct raw_tcp, kernel_pps),
	CYAML_FIELD_END,
};

static const cyaml_schema_field_t http_fields[] = {
	OPTIONAL_TEXT(struct raw_http, enabled),
	OPTIONAL_TEXT(struct raw_http, listen),
	OPTIONAL_TEXT(struct raw_http, tls_cert),
	OPTIONAL_TEXT(struct raw_http, tls_key),
	OPTIONAL_TEXT(struct raw_http, tls_client_ca),
	OPTIONAL_TEXT(struct raw_http, read_only),
	OPTIONAL_TEXT(struct raw_http, max_connections),
	OPTIONAL_TEXT(struct raw_http, session_series),
	CYAML_FIELD_END,
};

static const cyaml_schema_field_t audit_fields[] = {
	TEXT_FIELD("stdout", CYAML_FLAG_OPTIONAL, struct raw_audit, to_stdout),
	OPTIONAL_TEXT(struct raw_audit, file),
	CYAML_FIELD_END,
};

static const cyaml_schema_field_t policy_fields[] = {
	CYAML_FIELD_SEQUENCE("allowed_remotes", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
			     struct raw_policy, allowed_remotes, &text_entry_schema, 0,
			     CYAML_UNLIMITED),
	CYAML_FIELD_END,
};

static const cyaml_schema_field_t media_fields[] = {
	OPTIONAL_TEXT(struct raw_media, strict_source),
	OPTIONAL_TEXT(struct raw_media, relay_unrecognised),
	OPTIONAL_TEXT(struct raw_media, learning_window_ms),
	OPTIONAL_TEXT(struct raw_media, relatch_silence_ms),
	OPTIONAL_TEXT(struct raw_media, inactivity_timeout_s),
	OPTIONAL_TEXT(struct raw_media, first_media_timeout_s),
	OPTIONAL_TEXT(struct raw_media, max_lifetime_s),
	OPTIONAL_TEXT(struct raw_media, rate_limit_pps),
	OPTIONAL_TEXT(struct raw_media, rate_limit_bps),
	OPTIONAL_TEXT(struct raw_media, clock_rate),
	CYAML_FIELD_END,
};

static const cyaml_schema_field_t session_fields[] = {
	OPTIONAL_TEXT(struct raw_session, name),
	REQUIRED_TEXT(struct raw_session, listen),
	REQUIRED_TEXT(struct raw_session, forward),
	REQUIRED_TEXT(struct raw_session, destination),
	OPTIONAL_TEXT(struct raw_session, source),
	OPTIONAL_TEXT(struct raw_session, expected_source),
	OPTIONAL_TEXT(struct raw_session, rtcp),
	CYAML_FIELD_END,
};

static const cyaml_schema_value_t session_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct raw_session, session_fields),
};

/* POINTER_NULL: an empty "dataplane:", "api:", "sessions:", "policy:", "media:", "tcp:", "http:" or "audit:" reads as absent. */
static const cyaml_schema_field_t root_fields[] = {
	CYAML_FIELD_SEQUENCE("interfaces", CYAML_FLAG_POINTER, struct raw_config, interfaces,
			     &interface_schema, 0, CYAML_UNLIMITED),
	CYAML_FIELD_MAPPING_PTR("dataplane", CYAML_FLAG_POINTER_NULL | CYAML_FLAG_OPTIONAL,
				struct raw_config, dataplane, dataplane_fields),
	CYAML_FIELD_MAPPING_PTR("api", CYAML_FLAG_POINTER_NULL | CYAML_FLAG_OPTIONAL,
				struct raw_config, api, api_fields),
	CYAML_FIELD_SEQUENCE("sessions", CYAML_FLAG_POINTER_NULL | CYAML_FLAG_OPTIONAL,
			     struct raw_config, sessions, &session_schema, 0, CYAML_UNLIMITED),
	CYAML_FIELD_MAPPING_PTR("policy", CYAML_FLAG_POINTER_NULL | CYAML_FLAG_OPTIONAL,
				struct raw_config, policy, policy_fields),
	CYAML_FIELD_MAPPING_PTR("media", CYAML_FLAG_POINTER_NULL | CYAML_FLAG_OPTIONAL,
				struct raw_config, media, media_fields),
	CYAML_FIELD_MAPPING_PTR("tcp", CYAML_FLAG_POINTER_NULL | CYAML_FLAG_OPTIONAL,
				struct raw_config, tcp, tcp_fields),
	CYAML_FIELD_MAPPING_PTR("http", CYAML_FLAG_POINTER_NULL | CYAML_FLAG_OPTIONAL,
				struct raw_config, http, http_fields),
	CYAML_FIELD_MAPPING_PTR("audit", CYAML_FLAG_POINTER_NULL | CYAML_FLAG_OPTIONAL,
				struct raw_config, audit, audit_fields),
	CYAML_FIELD_END,
};

static const cyaml_schema_value_t root_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, struct raw_config, root_fields),
};

/* ---- Syntax, checked with libyaml before libcyaml sees the text ---- */

struct syntax_check {
	const struct config_source *src;
	unsigned int documents;
	bool refused;
};

/* Refuse what libyaml accepts but libcyaml cannot report with a position. */
static bool visit_check_structure(void *arg, const struct yaml_site *site)
{
	struct syntax_check *check = arg;

	if (site->type == YAML_DOCUMENT_START_EVENT && ++check->documents > 1)
		config_fail_at(check->src, site->line, "", "only one YAML document is allowed");
	else if (site->type == YAML_ALIAS_EVENT)
		config_fail_at(check->src, site->line, site->path, "YAML aliases are not supported");
	else if (site->is_key && site->type != YAML_SCALAR_EVENT)
		config_fail_at(check->src, site->line, site->path, "a key must be a plain scalar");
	else
		return false;
	check->refused = true;
	return true;
}

static int check_syntax(const struct config_source *src)
{
	struct syntax_check check = { .src = src };
	struct yaml_syntax_error syntax;

	if (yaml_walk(src->text, src->len, visit_check_structure, &check, &syntax) < 0)
		return config_fail_at(src, syntax.line, syntax.path, "%s", syntax.reason);
	return check.refused ? -1 : 0;
}

/* ---- libcyaml's errors ---- */

/*
 * libcyaml reports through its log callback only. At DEBUG level it logs
 * each libyaml event it consumes; counting them tells which event it failed
 * on, and the same walk of the text gives that event's path and line. Its
 * backtrace lines carry a line too, kept as a fallback.
 */
struct cyaml_capture {
	unsigned long events;
	unsigned int backtrace_line; /* innermost frame's line; 0 if none */
	bool failed;
	char message[256];
};

static void capture_cyaml_log(cyaml_log_t level, void *ctx, const char *fmt, va_list args)
{
	struct cyaml_capture *capture = ctx;
	char text[256];
	unsigned int line;

	if (strstr(fmt, "Event: %s") != NULL) {
		if (!capture->failed)
			capture->events++;
		return;
	}
	if (level < CYAML_LOG_ERROR)
		return;
	vsnprintf(text, sizeof(text), fmt, args);
	if (strstr(text, "Backtrace:") != NULL)
		return;
	if (sscanf(text, "  in %*[^(](line: %u", &line) == 1) {
		if (capture->backtrace_line == 0)
			capture->backtrace_line = line;
		return;
	}
	if (capture->failed)
		return; /* the first error is the cause; later ones follow from it */
	capture->failed = true;
	text[strcspn(text, "\n")] = '\0';
	snprintf(capture->message, sizeof(capture->message), "%s",
		 strncmp(text, "Load: ", 6) == 0 ? text + 6 : text);
}

static const char *describe_cyaml_kind(const char *kind)
{
	static const struct {
		const char *cyaml;
		const char *words;
	} kinds[] = {
		{ "MAPPING", "a mapping" },     { "MAPPING_START", "a mapping" },
		{ "SEQUENCE", "a sequence" },   { "SEQUENCE_START", "a sequence" },
		{ "STRING", "a scalar value" }, { "SCALAR", "a scalar value" },
	};

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i].cyaml, kind) == 0)
			return kinds[i].words;
	return kind;
}

/* The keys the mapping at path accepts, following the schema down the path. */
static const cyaml_schema_field_t *schema_fields_at(const char *path)
{
	const cyaml_schema_field_t *fields = root_fields;

	while (*path != '\0') {
		size_t len = strcspn(path, ".[");
		const cyaml_schema_field_t *field = fields;

		while (field->key != NULL &&
		       (strncmp(field->key, path, len) != 0 || field->key[len] != '\0'))
			field++;
		if (field->key == NULL)
			return NULL;
		const cyaml_schema_value_t *value = &field->value;
		if (value->type == CYAML_SEQUENCE)
			value = value->sequence.entry;
		if (value->type != CYAML_MAPPING)
			return NULL;
		fields = value->mapping.fields;
		path += len;
		path += strcspn(path, ".");  /* skip "[N]" */
		path += *path == '.';
	}
	return fields;
}

static void list_keys(const cyaml_schema_field_t *fields, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (; fields != NULL && fields->key != NULL && used < len; fields++) {
		int n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", fields->key);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

static int report_cyaml_error(const struct config_source *src, const struct cyaml_capture *capture,
			      cyaml_err_t err)
{
	char path[YAML_PATH_LEN] = "";
	char expected[32], found[32], keys[256]; /* every key of the widest mapping, "media" */
	unsigned int line = capture->backtrace_line;
	const char *message = capture->message[0] ? capture->message : cyaml_strerror(err);
	const char *key;

	/* The failing event is the last one libcyaml logged. */
	if (capture->events > 0)
		yaml_locate_event(src->text, src->len, capture->events - 1, path, &line);

	/* A missing key is noticed at the end of its mapping: name the key. */
	key = strstr(message, "Missing required mapping field: ");
	if (key != NULL) {
		key += strlen("Missing required mapping field: ");
		size_t used = strlen(path);
		snprintf(path + used, sizeof(path) - used, "%s%s", used ? "." : "", key);
		return config_fail_at(src, line, path, "missing required key");
	}
	if (strncmp(message, "Unexpected key: ", 16) == 0) {
		/* The path ends with the unknown key; its parent lists the valid ones. */
		char parent[YAML_PATH_LEN];
		size_t path_len = strlen(path), key_len = strlen(message + 16);

		snprintf(parent, sizeof(parent), "%s", path);
		parent[path_len > key_len ? path_len - key_len - 1 : 0] = '\0';
		list_keys(schema_fields_at(parent), keys, sizeof(keys));
		if (keys[0] == '\0')
			return config_fail_at(src, line, path, "unknown key");
		return config_fail_at(src, line, path, "unknown key (expected one of: %s)", keys);
	}
	if (strncmp(message, "Mapping field already seen: ", 28) == 0)
		return config_fail_at(src, line, path, "duplicate key");
	if (sscanf(message, "Expecting %31[A-Z_], got event: %31[A-Z_]", expected, found) == 2)
		return config_fail_at(src, line, path, "expected %s, found %s",
				      describe_cyaml_kind(expected), describe_cyaml_kind(found));
	return config_fail_at(src, line, path, "%s", message);
}

static int load_raw(const struct config_source *src, struct raw_config **raw)
{
	struct cyaml_capture capture = { 0 };
	const cyaml_config_t cyaml = {
		.log_fn = capture_cyaml_log,
		.log_ctx = &capture,
		.mem_fn = cyaml_mem,
		.log_level = CYAML_LOG_DEBUG, /* for the event count */
		.flags = CYAML_CFG_NO_ALIAS,
	};
	cyaml_err_t err;

	err = cyaml_load_data((const uint8_t *)src->text, src->len, &cyaml, &root_schema,
			      (cyaml_data_t **)raw, NULL);
	if (err != CYAML_OK) {
		*raw = NULL; /* libcyaml frees what it loaded before failing */
		return report_cyaml_error(src, &capture, err);
	}
	if (*raw == NULL)
		return config_fail_at(src, 1, "interfaces", "missing required key (the document is empty)");
	return 0;
}

static void free_raw(struct raw_config *raw)
{
	static const cyaml_config_t quiet = { .mem_fn = cyaml_mem, .log_level = CYAML_LOG_ERROR };

	cyaml_free(&quiet, &root_schema, raw, 0);
}

/* ---- Public API ---- */

int rtpp_config_load_string(const char *yaml, size_t len, const char *name,
			    struct rtpp_config **out, char *err, size_t errlen)
{
	const struct config_source src = {
		.name = name != NULL ? name : EMBEDDED_NAME,
		.text = yaml != NULL ? yaml : "",
		.len = yaml != NULL ? len : 0,
		.err = err,
		.errlen = errlen,
	};
	struct raw_config *raw = NULL;
	struct rtpp_config *cfg;
	int rc;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (check_syntax(&src) != 0 || load_raw(&src, &raw) != 0)
		return -1;

	cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL) {
		free_raw(raw);
		return config_fail_at(&src, 0, "", "out of memory");
	}
	snprintf(cfg->source_name, sizeof(cfg->source_name), "%s", src.name);
	rc = config_convert_all(&src, raw, cfg);
	free_raw(raw);
	if (rc != 0) {
		rtpp_config_free(cfg);
		return -1;
	}
	*out = cfg;
	return 0;
}

/* Read the whole file; on failure report through src (line 0: no line applies). */
static char *read_file(const struct config_source *src, size_t *len)
{
	FILE *file = fopen(src->name, "rb");
	char *text = NULL;
	long size;

	if (file == NULL) {
		config_fail_at(src, 0, FILE_FIELD, "cannot open: %s", strerror(errno));
		return NULL;
	}
	if (fseek(file, 0, SEEK_END) != 0 || (size = ftell(file)) < 0 || fseek(file, 0, SEEK_SET) != 0)
		config_fail_at(src, 0, FILE_FIELD, "cannot read: %s", strerror(errno));
	else if ((unsigned long)size > CONFIG_MAX_FILE_SIZE)
		config_fail_at(src, 0, FILE_FIELD, "file too large (%ld bytes, at most %u)", size,
			       CONFIG_MAX_FILE_SIZE);
	else if ((text = malloc((size_t)size + 1)) == NULL)
		config_fail_at(src, 0, "", "out of memory");
	else if (fread(text, 1, (size_t)size, file) != (size_t)size) {
		config_fail_at(src, 0, FILE_FIELD, "cannot read: %s", ferror(file) ? strerror(errno) : "file changed");
		free(text);
		text = NULL;
	} else {
		text[size] = '\0';
		*len = (size_t)size;
	}
	fclose(file);
	return text;
}

int rtpp_config_load_file(const char *path, struct rtpp_config **out, char *err, size_t errlen)
{
	const struct config_source src = { .name = path, .err = err, .errlen = errlen };
	size_t len = 0;
	char *text;
	int rc;

	if (path == NULL)
		return config_fail_at(&(struct config_source){ .name = "(null)", .err = err,
							       .errlen = errlen },
				      0, FILE_FIELD, "no file name given");
	text = read_file(&src, &len);
	if (text == NULL)
		return -1;
	rc = rtpp_config_load_string(text, len, path, out, err, errlen);
	free(text);
	return rc;
}

void rtpp_config_free(struct rtpp_config *cfg)
{
	if (cfg == NULL)
		return;
	free(cfg->sessions);
	free(cfg);
}
