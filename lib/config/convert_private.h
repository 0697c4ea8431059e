/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to lib/config, conversion layer: the scalar converters every
 * section shares (config_convert.c). The config_parse_* helpers and
 * config_family_name only answer; the functions that take a config_source
 * report their refusal through error_private.h, as its convention says.
 */
#ifndef RTPP_CONFIG_CONVERT_H
#define RTPP_CONFIG_CONVERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config_source;
struct rtpp_addr;
struct rtpp_prefix;

/* Values from the file appear quoted in messages, cut when very long. */
#define QUOTED "\"%.64s\""

/* The media ports an interface may be given; a peer's port is at most PORT_HIGHEST. */
#define PORT_LOWEST 1024u
#define PORT_HIGHEST 65535u

/* Plain decimal with an optional minus; no "0x", "1.5", "1e3" or "1_000". */
bool config_parse_decimal(const char *text, long long *value);

/* true/false, yes/no, on/off in any case. */
bool config_parse_bool(const char *text, bool *value);

/* BASE.KEY as a boolean into *value; text NULL (key absent) leaves *value as it is. */
int config_convert_bool(const struct config_source *src, const char *base, const char *key,
			const char *text, bool *value);

/*
 * Unsigned integer keys, converted from one table so each rule is one line.
 * A value is plain decimal; a field with si_suffix also takes k, M or G
 * (10^3, 10^6, 10^9) right after the digits ("100M"), for rates.
 */
struct uint_field {
	const char *key;
	size_t text_offset;  /* char * member of the raw struct */
	size_t value_offset; /* member of the converted struct */
	size_t value_size;   /* 2, 4 or 8 bytes */
	uint64_t min, max;
	bool zero_allowed; /* 0 also accepted: "derive it" / "leave it" / "no limit" */
	bool si_suffix;    /* k, M, G accepted after the digits */
	uint64_t default_value;
};

/* clang-format 14 mangles a braced initializer in a macro. */
/* clang-format off */
#define UINT_FIELD_WITH(raw_type, cfg_type, member, lowest, highest, zero, si, fallback) \
	{ .key = #member, .text_offset = offsetof(raw_type, member), \
	  .value_offset = offsetof(cfg_type, member), \
	  .value_size = sizeof(((cfg_type *)0)->member), .min = lowest, .max = highest, \
	  .zero_allowed = zero, .si_suffix = si, .default_value = fallback }
#define UINT_FIELD(raw_type, cfg_type, member, lowest, highest, zero, fallback) \
	UINT_FIELD_WITH(raw_type, cfg_type, member, lowest, highest, zero, false, fallback)
/* An integer that may end with k, M or G: bit rates. */
#define UINT_FIELD_SI(raw_type, cfg_type, member, lowest, highest, zero, fallback) \
	UINT_FIELD_WITH(raw_type, cfg_type, member, lowest, highest, zero, true, fallback)
/* clang-format on */

/* The fields of BASE from raw into out; raw may be NULL (section absent): all defaults. */
int config_convert_uint_fields(const struct config_source *src, const char *base,
			       const struct uint_field *fields, size_t count, const void *raw,
			       void *out);

/* "IPv4" or "IPv6". */
const char *config_family_name(uint8_t family);

/* Refuse an address that no host can have; role says what it was meant to be. */
int config_check_unicast(const struct config_source *src, const char *base, const char *key,
			 const char *shown, const struct rtpp_addr *addr, const char *role);

/* "address/length" into out, or an error that tells a bad length from a bad address. */
int config_parse_prefix(const struct config_source *src, const char *base, const char *key,
			const char *text, struct rtpp_prefix *out);

#endif
