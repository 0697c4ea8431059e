/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * protobuf-c messages to and from JSON (see rtpp_pbjson.h), walking the
 * message descriptors: every message type of the project, with no code per
 * type.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtpp_pbjson.h"

#define PATH_MAX_LEN 256
#define NAME_MAX_LEN 128

/* ------------------------------------------------------------------ common */

/* Bytes of one element of a field of this type in a repeated array. */
static size_t element_size(ProtobufCType type)
{
	switch (type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		return 4;
	case PROTOBUF_C_TYPE_FLOAT:
		return sizeof(float);
	case PROTOBUF_C_TYPE_ENUM:
		return sizeof(int);
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		return 8;
	case PROTOBUF_C_TYPE_DOUBLE:
		return sizeof(double);
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_STRING:
		return sizeof(char *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(ProtobufCMessage *);
	}
	return 0;
}

/* protoc's JSON name of a field: "rtcp_a_to_b" -> "rtcpAToB". */
static void json_name(const char *name, char *out, size_t len)
{
	bool upper = false;
	size_t n = 0;

	for (; *name != '\0' && n + 1 < len; name++) {
		if (*name == '_') {
			upper = true;
			continue;
		}
		out[n++] = upper ? (char)toupper((unsigned char)*name) : *name;
		upper = false;
	}
	out[n] = '\0';
}

static void *member(const void *msg, unsigned int offset)
{
	return (uint8_t *)msg + offset;
}

/* Fields with a has_ flag: optional scalars and bytes (strings and messages are pointers). */
static bool has_flag(const ProtobufCFieldDescriptor *f)
{
	return f->label == PROTOBUF_C_LABEL_OPTIONAL && !(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
	       f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE;
}

/* ------------------------------------------------------------------ base64 */

static const char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *base64_encode(const uint8_t *data, size_t len)
{
	char *out = malloc((len + 2) / 3 * 4 + 1), *o = out;
	size_t i;

	if (out == NULL)
		return NULL;
	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8 | data[i + 2];

		*o++ = b64_alphabet[v >> 18 & 63];
		*o++ = b64_alphabet[v >> 12 & 63];
		*o++ = b64_alphabet[v >> 6 & 63];
		*o++ = b64_alphabet[v & 63];
	}
	if (i < len) {
		uint32_t v = (uint32_t)data[i] << 16 | (i + 1 < len ? (uint32_t)data[i + 1] << 8 : 0);

		*o++ = b64_alphabet[v >> 18 & 63];
		*o++ = b64_alphabet[v >> 12 & 63];
		*o++ = i + 1 < len ? b64_alphabet[v >> 6 & 63] : '=';
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

/* Standard or URL-safe base64, padded or not; -1 when it is not base64. */
static int base64_decode(const char *s, size_t len, uint8_t **out, size_t *out_len)
{
	uint8_t *buf;
	uint32_t acc = 0;
	unsigned int bits = 0;
	size_t n = 0;

	while (len > 0 && s[len - 1] == '=')
		len--;
	if (len % 4 == 1)
		return -1;
	buf = malloc(len * 3 / 4 + 1);
	if (buf == NULL)
		return -1;
	for (size_t i = 0; i < len; i++) {
		int v = b64_value(s[i]);

		if (v < 0) {
			free(buf);
			return -1;
		}
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[n++] = (uint8_t)(acc >> bits);
		}
	}
	*out = buf;
	*out_len = n;
	return 0;
}

/* ------------------------------------------------------------------ encode */

/* Text that is not UTF-8 (protobuf-c does not check) with U+FFFD for each bad byte. */
static json_t *utf8_string(const char *s)
{
	json_t *j = json_string(s);
	size_t len, n = 0;
	char *fixed;

	if (j != NULL)
		return j;
	len = strlen(s);
	fixed = malloc(len * 3 + 1);
	if (fixed == NULL)
		return NULL;
	for (size_t i = 0; i < len;) {
		const unsigned char *p = (const unsigned char *)s + i;
		size_t want = p[0] < 0x80           ? 1 :
			      (p[0] & 0xe0) == 0xc0 ? 2 :
			      (p[0] & 0xf0) == 0xe0 ? 3 :
			      (p[0] & 0xf8) == 0xf0 ? 4 :
						      0;
		bool ok = want != 0 && i + want <= len;

		for (size_t k = 1; ok && k < want; k++)
			ok = (p[k] & 0xc0) == 0x80;
		/* Each candidate sequence is checked by jansson itself (overlongs, surrogates). */
		if (ok && want > 1) {
			json_t *probe = json_stringn((const char *)p, want);

			ok = probe != NULL;
			json_decref(probe);
		}
		if (ok) {
			memcpy(fixed + n, p, want);
			n += want;
			i += want;
		} else {
			memcpy(fixed + n, "\xef\xbf\xbd", 3);
			n += 3;
			i++;
		}
	}
	j = json_stringn(fixed, n);
	free(fixed);
	return j;
}

static json_t *double_to_json(double v)
{
	if (isnan(v))
		return json_string("NaN");
	if (isinf(v))
		return json_string(v > 0 ? "Infinity" : "-Infinity");
	return json_real(v);
}

static json_t *message_to_json(const ProtobufCMessage *msg, unsigned int flags);

/* One value (p points at it) as JSON. */
static json_t *value_to_json(const ProtobufCFieldDescriptor *f, const void *p, unsigned int flags)
{
	char num[32];

	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		return json_integer(*(const int32_t *)p);
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		return json_integer(*(const uint32_t *)p);
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		snprintf(num, sizeof(num), "%" PRId64, *(const int64_t *)p);
		return json_string(num);
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		snprintf(num, sizeof(num), "%" PRIu64, *(const uint64_t *)p);
		return json_string(num);
	case PROTOBUF_C_TYPE_FLOAT:
		return double_to_json(*(const float *)p);
	case PROTOBUF_C_TYPE_DOUBLE:
		return double_to_json(*(const double *)p);
	case PROTOBUF_C_TYPE_BOOL:
		return json_boolean(*(const protobuf_c_boolean *)p);
	case PROTOBUF_C_TYPE_ENUM: {
		int v = *(const int *)p;
		const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(f->descriptor, v);

		return ev != NULL ? json_string(ev->name) : json_integer(v);
	}
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(char *const *)p;

		return utf8_string(s != NULL ? s : "");
	}
	case PROTOBUF_C_TYPE_BYTES: {
		const ProtobufCBinaryData *bd = p;
		char *text = base64_encode(bd->data, bd->data != NULL ? bd->len : 0);
		json_t *j = text != NULL ? json_string(text) : NULL;

		free(text);
		return j;
	}
	case PROTOBUF_C_TYPE_MESSAGE: {
		const ProtobufCMessage *sub = *(ProtobufCMessage *const *)p;

		return sub != NULL ? message_to_json(sub, flags) : json_null();
	}
	}
	return NULL;
}

/* A proto3 field without presence at its default (0, false, "", empty bytes, unset message). */
static bool is_default(const ProtobufCFieldDescriptor *f, const void *p)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(char *const *)p;

		return s == NULL || s[0] == '\0';
	}
	case PROTOBUF_C_TYPE_BYTES:
		return ((const ProtobufCBinaryData *)p)->len == 0;
	case PROTOBUF_C_TYPE_MESSAGE:
		return *(ProtobufCMessage *const *)p == NULL;
	case PROTOBUF_C_TYPE_FLOAT:
		return *(const float *)p == 0 && !signbit(*(const float *)p);
	case PROTOBUF_C_TYPE_DOUBLE:
		return *(const double *)p == 0 && !signbit(*(const double *)p);
	default: {
		static const uint8_t zero[8];

		return memcmp(p, zero, element_size(f->type)) == 0;
	}
	}
}

/* Whether the field is written: see rtpp_pbjson.h for the rules. */
static bool field_present(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f,
			  unsigned int flags)
{
	const void *p = member(msg, f->offset);

	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
		return *(const uint32_t *)member(msg, f->quantifier_offset) == f->id;
	switch (f->label) {
	case PROTOBUF_C_LABEL_REQUIRED:
		return true;
	case PROTOBUF_C_LABEL_OPTIONAL:
		if (has_flag(f))
			return *(const protobuf_c_boolean *)member(msg, f->quantifier_offset);
		/* A pointer: set unless NULL or (proto2) pointing at the default. */
		return *(void *const *)p != NULL && *(void *const *)p != f->default_value;
	case PROTOBUF_C_LABEL_REPEATED:
		return *(const size_t *)member(msg, f->quantifier_offset) > 0 ||
		       (flags & RTPP_PBJSON_EMIT_DEFAULTS);
	case PROTOBUF_C_LABEL_NONE:
		if (f->type == PROTOBUF_C_TYPE_MESSAGE)
			return *(ProtobufCMessage *const *)p != NULL;
		return !is_default(f, p) || (flags & RTPP_PBJSON_EMIT_DEFAULTS);
	}
	return false;
}

static json_t *message_to_json(const ProtobufCMessage *msg, unsigned int flags)
{
	const ProtobufCMessageDescriptor *d = msg->descriptor;
	json_t *obj = json_object();

	if (obj == NULL)
		return NULL;
	for (unsigned int i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		json_t *v;

		if (!field_present(msg, f, flags))
			continue;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = *(const size_t *)member(msg, f->quantifier_offset);
			const uint8_t *arr = *(uint8_t *const *)member(msg, f->offset);
			size_t size = element_size(f->type);

			v = json_array();
			for (size_t k = 0; v != NULL && k < n; k++)
				if (json_array_append_new(v, value_to_json(f, arr + k * size,
									   flags)) != 0) {
					json_decref(v);
					v = NULL;
				}
		} else {
			v = value_to_json(f, member(msg, f->offset), flags);
		}
		if (json_object_set_new(obj, f->name, v) != 0) {
			json_decref(obj);
			return NULL;
		}
	}
	return obj;
}

json_t *rtpp_pbjson_to_json(const ProtobufCMessage *msg, unsigned int flags)
{
	return message_to_json(msg, flags);
}

char *rtpp_pbjson_encode(const ProtobufCMessage *msg, unsigned int flags)
{
	json_t *j = message_to_json(msg, flags);
	char *text;

	if (j == NULL)
		return NULL;
	text = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(17));
	json_decref(j);
	return text;
}

/* ------------------------------------------------------------------ decode */

struct decode {
	char path[PATH_MAX_LEN]; /* the field being read: "listen.port", "sessions[2].name" */
	char *err;
	size_t errlen;
};

/* An error is one line, whatever the keys or text quoted in it hold (found by fuzz_pbjson). */
static void one_line(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

static int fail(struct decode *dc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct decode *dc, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (dc->path[0] != '\0')
		snprintf(dc->err, dc->errlen, "%s: %s", dc->path, why);
	else
		snprintf(dc->err, dc->errlen, "%s", why);
	one_line(dc->err);
	return -1;
}

/* Descend into path: append ".name" (or "name" at the top), or "[i]"; returns the old length. */
static size_t path_push(struct decode *dc, const char *name, long index)
{
	size_t len = strlen(dc->path);

	if (name != NULL)
		snprintf(dc->path + len, sizeof(dc->path) - len, "%s%s", len ? "." : "", name);
	else
		snprintf(dc->path + len, sizeof(dc->path) - len, "[%ld]", index);
	return len;
}

static void path_pop(struct decode *dc, size_t len)
{
	dc->path[len] = '\0';
}

static const char *json_kind(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "a value";
}

/* The value as the operator wrote it, short, for messages. */
static void show(const json_t *j, char *out, size_t len)
{
	char *text = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));

	if (text == NULL) {
		snprintf(out, len, "%s", json_kind(j));
	} else if (strlen(text) > 40) {
		snprintf(out, len, "%.37s...", text);
	} else {
		snprintf(out, len, "%s", text);
	}
	free(text);
}

/* A signed integer within [min, max] from a number or a decimal string. */
static int read_signed(struct decode *dc, const json_t *j, int64_t min, int64_t max,
		       const char *type, int64_t *out)
{
	char shown[48];

	show(j, shown, sizeof(shown));
	if (json_is_integer(j)) {
		json_int_t v = json_integer_value(j);

		if (v < min || v > max)
			return fail(dc, "%s is out of range for %s", shown, type);
		*out = v;
		return 0;
	}
	if (json_is_real(j)) {
		double v = json_real_value(j);

		if (v != floor(v))
			return fail(dc, "%s is not an integer", shown);
		if (v < (double)min || v >= -(double)INT64_MIN || (int64_t)v > max)
			return fail(dc, "%s is out of range for %s", shown, type);
		*out = (int64_t)v;
		return 0;
	}
	if (json_is_string(j)) {
		const char *s = json_string_value(j);
		char *end;
		long long v;

		errno = 0;
		v = strtoll(s, &end, 10);
		if (s[0] == '\0' || isspace((unsigned char)s[0]) || *end != '\0')
			return fail(dc, "%s is not an integer", shown);
		if (errno == ERANGE || v < min || v > max)
			return fail(dc, "%s is out of range for %s", shown, type);
		*out = v;
		return 0;
	}
	return fail(dc, "%s is not an integer (%s, as a number or a string)", json_kind(j), type);
}

static int read_unsigned(struct decode *dc, const json_t *j, uint64_t max, const char *type,
			 uint64_t *out)
{
	char shown[48];

	show(j, shown, sizeof(shown));
	if (json_is_integer(j)) {
		json_int_t v = json_integer_value(j);

		if (v < 0 || (uint64_t)v > max)
			return fail(dc, "%s is out of range for %s", shown, type);
		*out = (uint64_t)v;
		return 0;
	}
	if (json_is_real(j)) {
		double v = json_real_value(j);

		if (v != floor(v))
			return fail(dc, "%s is not an integer", shown);
		if (v < 0 || v >= 18446744073709551616.0 || (uint64_t)v > max)
			return fail(dc, "%s is out of range for %s", shown, type);
		*out = (uint64_t)v;
		return 0;
	}
	if (json_is_string(j)) {
		const char *s = json_string_value(j);
		char *end;
		unsigned long long v;

		/* strtoull takes "-1" (and wraps it): digits only. */
		if (!isdigit((unsigned char)s[0]))
			return fail(dc, "%s is not an unsigned integer", shown);
		errno = 0;
		v = strtoull(s, &end, 10);
		if (*end != '\0')
			return fail(dc, "%s is not an unsigned integer", shown);
		if (errno == ERANGE || v > max)
			return fail(dc, "%s is out of range for %s", shown, type);
		*out = v;
		return 0;
	}
	return fail(dc, "%s is not an integer (%s, as a number or a string)", json_kind(j), type);
}

static int read_double(struct decode *dc, const json_t *j, bool single, double *out)
{
	const char *type = single ? "float" : "double";
	char shown[48];
	double v;

	show(j, shown, sizeof(shown));
	if (json_is_number(j)) {
		v = json_number_value(j);
	} else if (json_is_string(j)) {
		const char *s = json_string_value(j);
		char *end;

		if (strcmp(s, "NaN") == 0) {
			*out = NAN;
			return 0;
		}
		if (strcmp(s, "Infinity") == 0 || strcmp(s, "-Infinity") == 0) {
			*out = s[0] == '-' ? -INFINITY : INFINITY;
			return 0;
		}
		errno = 0;
		v = strtod(s, &end);
		/* Decimal only: strtod would also take "inf", "nan", hex floats and spaces. */
		if (s[0] == '\0' || *end != '\0' || strpbrk(s, "xXnNiI ") != NULL ||
		    isspace((unsigned char)s[0]))
			return fail(dc, "%s is not a number", shown);
		if (errno == ERANGE && isinf(v))
			return fail(dc, "%s is out of range for %s", shown, type);
	} else {
		return fail(dc, "%s is not a number (%s)", json_kind(j), type);
	}
	if (single && isfinite(v) && fabs(v) > 3.4028234663852886e38)
		return fail(dc, "%s is out of range for float", shown);
	*out = v;
	return 0;
}

static ProtobufCMessage *read_message(struct decode *dc, const ProtobufCMessageDescriptor *d,
				      const json_t *j);

/*
 * One value of field f from j into p (an element of the field's type). A
 * string, bytes or message is allocated; on failure nothing is.
 */
static int read_value(struct decode *dc, const ProtobufCFieldDescriptor *f, const json_t *j, void *p)
{
	int64_t s64;
	uint64_t u64;
	double d;
	char shown[48];

	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		if (read_signed(dc, j, INT32_MIN, INT32_MAX, "int32", &s64) != 0)
			return -1;
		*(int32_t *)p = (int32_t)s64;
		return 0;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		return read_signed(dc, j, INT64_MIN, INT64_MAX, "int64", (int64_t *)p);
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		if (read_unsigned(dc, j, UINT32_MAX, "uint32", &u64) != 0)
			return -1;
		*(uint32_t *)p = (uint32_t)u64;
		return 0;
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		return read_unsigned(dc, j, UINT64_MAX, "uint64", (uint64_t *)p);
	case PROTOBUF_C_TYPE_FLOAT:
		if (read_double(dc, j, true, &d) != 0)
			return -1;
		*(float *)p = (float)d;
		return 0;
	case PROTOBUF_C_TYPE_DOUBLE:
		return read_double(dc, j, false, (double *)p);
	case PROTOBUF_C_TYPE_BOOL:
		if (!json_is_boolean(j))
			return fail(dc, "%s is not a boolean (true or false)", json_kind(j));
		*(protobuf_c_boolean *)p = json_is_true(j);
		return 0;
	case PROTOBUF_C_TYPE_ENUM: {
		const ProtobufCEnumDescriptor *ed = f->descriptor;
		const ProtobufCEnumValue *ev = NULL;

		if (json_is_string(j))
			ev = protobuf_c_enum_descriptor_get_value_by_name(ed, json_string_value(j));
		else if (!json_is_integer(j))
			return fail(dc, "%s is not a %s (a value name or number)", json_kind(j),
				    ed->name);
		else if (json_integer_value(j) >= INT32_MIN && json_integer_value(j) <= INT32_MAX)
			ev = protobuf_c_enum_descriptor_get_value(ed, (int)json_integer_value(j));
		if (ev == NULL) {
			char names[160] = "";
			size_t used = 0;

			for (unsigned int i = 0; i < ed->n_values && used < sizeof(names); i++)
				used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s",
							 i ? ", " : "", ed->values[i].name);
			show(j, shown, sizeof(shown));
			return fail(dc, "%s is not a value of %s (%s)", shown, ed->name, names);
		}
		*(int *)p = ev->value;
		return 0;
	}
	case PROTOBUF_C_TYPE_STRING: {
		size_t len;
		char *s;

		if (!json_is_string(j))
			return fail(dc, "%s is not a string", json_kind(j));
		len = json_string_length(j);
		if (memchr(json_string_value(j), '\0', len) != NULL)
			return fail(dc, "a string with a NUL character");
		s = strndup(json_string_value(j), len);
		if (s == NULL)
			return fail(dc, "out of memory");
		*(char **)p = s;
		return 0;
	}
	case PROTOBUF_C_TYPE_BYTES: {
		ProtobufCBinaryData *bd = p;

		if (!json_is_string(j))
			return fail(dc, "%s is not a string (base64 bytes)", json_kind(j));
		if (base64_decode(json_string_value(j), json_string_length(j), &bd->data,
				  &bd->len) != 0) {
			show(j, shown, sizeof(shown));
			return fail(dc, "%s is not base64", shown);
		}
		return 0;
	}
	case PROTOBUF_C_TYPE_MESSAGE: {
		ProtobufCMessage *sub = read_message(dc, f->descriptor, j);

		if (sub == NULL)
			return -1;
		*(ProtobufCMessage **)p = sub;
		return 0;
	}
	}
	return fail(dc, "field type %d is not supported", (int)f->type);
}

/* Free what read_value allocated in an element. */
static void free_value(const ProtobufCFieldDescriptor *f, void *p)
{
	if (f->type == PROTOBUF_C_TYPE_STRING)
		free(*(char **)p);
	else if (f->type == PROTOBUF_C_TYPE_BYTES)
		free(((ProtobufCBinaryData *)p)->data);
	else if (f->type == PROTOBUF_C_TYPE_MESSAGE)
		protobuf_c_message_free_unpacked(*(ProtobufCMessage **)p, NULL);
}

/* A repeated field: the array is built whole, then attached to msg. */
static int read_repeated(struct decode *dc, const ProtobufCFieldDescriptor *f, const json_t *j,
			 ProtobufCMessage *msg)
{
	size_t n = json_array_size(j), size = element_size(f->type);
	uint8_t *arr;

	if (!json_is_array(j))
		return fail(dc, "%s is not an array", json_kind(j));
	if (n == 0)
		return 0;
	arr = calloc(n, size);
	if (arr == NULL)
		return fail(dc, "out of memory");
	for (size_t i = 0; i < n; i++) {
		size_t mark = path_push(dc, NULL, (long)i);
		const json_t *e = json_array_get(j, i);
		int rc = json_is_null(e) ? fail(dc, "null in a list") :
					   read_value(dc, f, e, arr + i * size);

		if (rc != 0) {
			for (size_t k = 0; k < i; k++)
				free_value(f, arr + k * size);
			free(arr);
			return -1;
		}
		path_pop(dc, mark);
	}
	*(void **)member(msg, f->offset) = arr;
	*(size_t *)member(msg, f->quantifier_offset) = n;
	return 0;
}

/* The field called key (its .proto name or its JSON name); NULL when none. */
static const ProtobufCFieldDescriptor *find_field(const ProtobufCMessageDescriptor *d, const char *key)
{
	const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, key);
	char name[NAME_MAX_LEN];

	if (f != NULL)
		return f;
	for (unsigned int i = 0; i < d->n_fields; i++) {
		json_name(d->fields[i].name, name, sizeof(name));
		if (strcmp(name, key) == 0)
			return &d->fields[i];
	}
	return NULL;
}

/* A singular field's value into msg, with its presence (has_, the oneof's case). */
static int read_singular(struct decode *dc, const ProtobufCFieldDescriptor *f, const json_t *j,
			 ProtobufCMessage *msg)
{
	if (read_value(dc, f, j, member(msg, f->offset)) != 0)
		return -1;
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
		*(uint32_t *)member(msg, f->quantifier_offset) = f->id;
	else if (has_flag(f))
		*(protobuf_c_boolean *)member(msg, f->quantifier_offset) = 1;
	return 0;
}

/* The oneof member of msg's oneof at quantifier offset q that is set, or NULL. */
static const ProtobufCFieldDescriptor *oneof_set(const ProtobufCMessage *msg, unsigned int q)
{
	const ProtobufCMessageDescriptor *d = msg->descriptor;
	uint32_t id = *(const uint32_t *)member(msg, q);

	return id != 0 ? protobuf_c_message_descriptor_get_field(d, id) : NULL;
}

static ProtobufCMessage *read_message(struct decode *dc, const ProtobufCMessageDescriptor *d,
				      const json_t *j)
{
	ProtobufCMessage *msg;
	bool *seen;
	const char *key;
	json_t *value;

	if (!json_is_object(j)) {
		fail(dc, "%s is not an object (%s)", json_kind(j), d->name);
		return NULL;
	}
	msg = calloc(1, d->sizeof_message);
	seen = calloc(d->n_fields + 1, sizeof(*seen));
	if (msg == NULL || seen == NULL) {
		free(msg);
		free(seen);
		fail(dc, "out of memory");
		return NULL;
	}
	d->message_init(msg);
	json_object_foreach((json_t *)j, key, value)
	{
		const ProtobufCFieldDescriptor *f = find_field(d, key);
		size_t mark = path_push(dc, key, 0);
		unsigned int idx;
		int rc;

		if (f == NULL) {
			fail(dc, "no such field in %s", d->name);
			goto fail;
		}
		idx = (unsigned int)(f - d->fields);
		if (seen[idx]) {
			fail(dc, "field %s is given twice (by its name and its JSON name)", f->name);
			goto fail;
		}
		seen[idx] = true;
		if (json_is_null(value)) { /* proto3 JSON: null is "not set" */
			path_pop(dc, mark);
			continue;
		}
		if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
			const ProtobufCFieldDescriptor *other = oneof_set(msg, f->quantifier_offset);

			if (other != NULL) {
				fail(dc, "only one of %s and %s may be set (a oneof)", other->name,
				     f->name);
				goto fail;
			}
		}
		rc = f->label == PROTOBUF_C_LABEL_REPEATED ? read_repeated(dc, f, value, msg) :
							     read_singular(dc, f, value, msg);
		if (rc != 0)
			goto fail;
		path_pop(dc, mark);
	}
	for (unsigned int i = 0; i < d->n_fields; i++)
		if (d->fields[i].label == PROTOBUF_C_LABEL_REQUIRED && !seen[i]) {
			size_t mark = path_push(dc, d->fields[i].name, 0);

			fail(dc, "required field missing in %s", d->name);
			path_pop(dc, mark);
			goto fail;
		}
	free(seen);
	return msg;
fail:
	free(seen);
	protobuf_c_message_free_unpacked(msg, NULL);
	return NULL;
}

ProtobufCMessage *rtpp_pbjson_from_json(const ProtobufCMessageDescriptor *desc, const json_t *json,
					char *err, size_t errlen)
{
	struct decode dc = { .err = err, .errlen = errlen };

	err[0] = '\0';
	return read_message(&dc, desc, json);
}

ProtobufCMessage *rtpp_pbjson_decode(const ProtobufCMessageDescriptor *desc, const char *text,
				     size_t len, char *err, size_t errlen)
{
	json_error_t je;
	json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	ProtobufCMessage *msg;

	if (j == NULL) {
		snprintf(err, errlen, "not JSON: %s (line %d, column %d)", je.text, je.line,
			 je.column);
		one_line(err);
		return NULL;
	}
	msg = rtpp_pbjson_from_json(desc, j, err, errlen);
	json_decref(j);
	return msg;
}
