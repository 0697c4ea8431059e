/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bottom layer of lib/config: error reporting. Every refusal of the library
 * becomes one line "NAME:LINE: FIELD: reason" in the caller's buffer, written
 * here; the line of a field is found with yaml_locate.c, the only other file
 * of lib/config this one calls. The convention its callers keep is described
 * in error_private.h.
 */
#include <stdarg.h>
#include <stdio.h>

#include "error_private.h"
#include "yaml_locate_private.h"

#define DOCUMENT_FIELD "(document)"
#define FIELD_PATH_LEN 96

static void format_error(const struct config_source *src, unsigned int line, const char *path,
			 const char *fmt, va_list args)
{
	int n;

	if (src->err == NULL || src->errlen == 0)
		return;
	n = snprintf(src->err, src->errlen, "%s:%u: %s: ", src->name, line,
		     path[0] != '\0' ? path : DOCUMENT_FIELD);
	if (n >= 0 && (size_t)n < src->errlen)
		vsnprintf(src->err + n, src->errlen - (size_t)n, fmt, args);
	/* Values and keys come from the file: keep the message on one line. */
	for (char *c = src->err; *c != '\0'; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
}

int config_fail_at(const struct config_source *src, unsigned int line, const char *path,
		   const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	format_error(src, line, path, fmt, args);
	va_end(args);
	return -1;
}

int config_vfail(const struct config_source *src, const char *path, const char *fmt, va_list args)
{
	format_error(src, config_line_of(src, path), path, fmt, args);
	return -1;
}

int config_fail_field(const struct config_source *src, const char *base, const char *key,
		      const char *fmt, ...)
{
	char path[FIELD_PATH_LEN];
	va_list args;

	if (key != NULL)
		snprintf(path, sizeof(path), "%s.%s", base, key);
	else
		snprintf(path, sizeof(path), "%s", base);
	va_start(args, fmt);
	config_vfail(src, path, fmt, args);
	va_end(args);
	return -1;
}

unsigned int config_line_of(const struct config_source *src, const char *path)
{
	return yaml_locate_path(src->text, src->len, path);
}
