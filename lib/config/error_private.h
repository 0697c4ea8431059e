/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to lib/config, bottom layer: error reporting. struct config_source
 * is the text being loaded and where its one error line goes; the functions
 * below write "NAME:LINE: FIELD: reason" into it. config_error.c calls only
 * yaml_locate.c (to find LINE); every other file of the library may call it.
 *
 * The error convention, kept by every file above this one:
 *  - Every converter or check (a function that takes the config_source and
 *    may refuse) returns 0, or -1 after having written exactly one message
 *    "FILE:LINE: FIELD: reason" through this layer (the loader's read_file
 *    returns NULL instead of -1).
 *  - A caller that gets -1 from such a function returns -1 as it is: it
 *    neither writes its own message over the callee's nor adds another.
 *  - Helpers that do not take a config_source write nothing: they answer
 *    yes or no (config_parse_decimal, rtpp_prefix_parse) or hand back a
 *    reason as text (rtpp_config_api_listen_parse's *why), and their caller
 *    writes the one message, with that reason when there is one.
 * Within a section checks run in document order, so the message is about the
 * first problem a reader of the section would meet.
 */
#ifndef RTPP_CONFIG_ERROR_H
#define RTPP_CONFIG_ERROR_H

#include <stdarg.h>
#include <stddef.h>

/* The text being loaded and where its one-line error goes. */
struct config_source {
	const char *name; /* file path or the name given to load_string */
	const char *text;
	size_t len;
	char *err; /* NULL or errlen 0: errors are not written */
	size_t errlen;
};

/*
 * Write "NAME:LINE: PATH: reason" into src->err and return -1. The _at form
 * takes a known line (0 when none applies); the others find the line of PATH
 * in the text. An empty PATH stands for the whole document.
 */
int config_fail_at(const struct config_source *src, unsigned int line, const char *path,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int config_vfail(const struct config_source *src, const char *path, const char *fmt, va_list args)
	__attribute__((format(printf, 3, 0)));
/* The same at BASE.KEY, or at BASE when key is NULL. */
int config_fail_field(const struct config_source *src, const char *base, const char *key,
		      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Line of the field at path in src's text; 0 when the text has no such field. */
unsigned int config_line_of(const struct config_source *src, const char *path);

#endif
