/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Conversion layer of lib/config, its lowest file: the scalar converters the
 * section files share (integers, booleans, tables of unsigned fields,
 * addresses and prefixes). It calls only the error layer (config_error.c)
 * and lib/addr, never a section file or the loader.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "convert_private.h"
#include "error_private.h"
#include "rtpp_addr.h"

/* ---- Scalars ---- */

static bool all_digits(const char *text)
{
	if (*text == '\0')
		return false;
	for (; *text != '\0'; text++)
		if (*text < '0' || *text > '9')
			return false;
	return true;
}

bool config_parse_decimal(const char *text, long long *value)
{
	if (!all_digits(text + (text[0] == '-')))
		return false;
	errno = 0;
	*value = strtoll(text, NULL, 10);
	/* strtoll saturates on overflow, which is out of every range anyway. */
	return true;
}

bool config_parse_bool(const char *text, bool *value)
{
	static const char *const words[][2] = { { "false", "true" }, { "no", "yes" }, { "off", "on" } };

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		for (int truth = 0; truth < 2; truth++)
			if (strcasecmp(text, words[i][truth]) == 0) {
				*value = truth;
				return true;
			}
	return false;
}

int config_convert_bool(const struct config_source *src, const char *base, const char *key,
			const char *text, bool *value)
{
	if (text == NULL || config_parse_bool(text, value))
		return 0;
	return config_fail_field(src, base, key, QUOTED " is not a boolean (true or false)", text);
}

/*
 * An optional minus, digits, and with si_suffix one of k, M, G: the value
 * times 10^3, 10^6 or 10^9. Negative values come back as such (they are out
 * of every range, and the message says so rather than "not an integer"); a
 * value past UINT64_MAX saturates there.
 */
static bool parse_unsigned(const char *text, bool si_suffix, bool *negative, uint64_t *value)
{
	static const struct {
		char suffix;
		uint64_t scale;
	} scales[] = { { 'k', 1000 }, { 'M', 1000000 }, { 'G', 1000000000 } };
	size_t len = strlen(text);
	uint64_t scale = 1;
	long long parsed;
	const char *digits = text + (text[0] == '-');

	for (size_t i = 0; si_suffix && len > 0 && i < sizeof(scales) / sizeof(scales[0]); i++)
		if (text[len - 1] == scales[i].suffix) {
			scale = scales[i].scale;
			len--;
		}
	if (digits >= text + len)
		return false;
	for (const char *c = digits; c < text + len; c++)
		if (*c < '0' || *c > '9')
			return false;
	parsed = strtoll(text, NULL, 10); /* stops at the suffix; saturates on overflow */
	*negative = parsed < 0;
	if (*negative)
		*value = 0;
	else if ((uint64_t)parsed > UINT64_MAX / scale)
		*value = UINT64_MAX;
	else
		*value = (uint64_t)parsed * scale;
	return true;
}

int config_convert_uint_fields(const struct config_source *src, const char *base,
			       const struct uint_field *fields, size_t count, const void *raw,
			       void *out)
{
	for (const struct uint_field *f = fields; f < fields + count; f++) {
		const char *text = raw ? *(char *const *)((const char *)raw + f->text_offset) : NULL;
		uint64_t value = f->default_value;
		bool negative;
		void *member = (char *)out + f->value_offset;

		if (text != NULL) {
			if (!parse_unsigned(text, f->si_suffix, &negative, &value))
				return config_fail_field(src, base, f->key,
							 QUOTED " is not an integer%s", text,
							 f->si_suffix ?
								 " (optionally followed by k, M or G)" :
								 "");
			if (negative || !((value >= f->min && value <= f->max) ||
					  (f->zero_allowed && value == 0)))
				return config_fail_field(src, base, f->key,
							 "%.32s is out of range (%s%" PRIu64
							 "..%" PRIu64 ")",
							 text, f->zero_allowed ? "0 or " : "",
							 f->min, f->max);
		}
		if (f->value_size == sizeof(uint16_t))
			*(uint16_t *)member = (uint16_t)value;
		else if (f->value_size == sizeof(uint32_t))
			*(uint32_t *)member = (uint32_t)value;
		else
			*(uint64_t *)member = value;
	}
	return 0;
}

/* ---- Addresses ---- */

const char *config_family_name(uint8_t family)
{
	return family == RTPP_AF_INET ? "IPv4" : "IPv6";
}

/* Why addr cannot be a host's own or a peer's address; NULL when it can. */
static const char *not_unicast_reason(const struct rtpp_addr *addr)
{
	static const uint8_t zero[16];
	bool v4 = addr->family == RTPP_AF_INET;

	if (memcmp(addr->bytes, zero, v4 ? 4 : 16) == 0)
		return "the unspecified address";
	if (v4 ? (addr->bytes[0] & 0xf0) == 0xe0 : addr->bytes[0] == 0xff)
		return "a multicast address";
	if (v4 && rtpp_addr_v4(addr) == 0xffffffff)
		return "the broadcast address";
	return NULL;
}

int config_check_unicast(const struct config_source *src, const char *base, const char *key,
			 const char *shown, const struct rtpp_addr *addr, const char *role)
{
	const char *reason = not_unicast_reason(addr);

	if (reason == NULL)
		return 0;
	return config_fail_field(src, base, key, "%s is %s, not %s", shown, reason, role);
}

int config_parse_prefix(const struct config_source *src, const char *base, const char *key,
			const char *text, struct rtpp_prefix *out)
{
	char addr_text[RTPP_ADDR_STRLEN];
	const char *slash = strchr(text, '/');
	struct rtpp_addr addr;

	if (rtpp_prefix_parse(text, out) == 0)
		return 0;
	/* The parser only says no: tell a bad length from a bad address. */
	if (slash != NULL && (size_t)(slash - text) < sizeof(addr_text) && all_digits(slash + 1)) {
		memcpy(addr_text, text, (size_t)(slash - text));
		addr_text[slash - text] = '\0';
		if (rtpp_addr_parse(addr_text, &addr) == 0)
			return config_fail_field(src, base, key,
						 "prefix length %.16s is out of range for %s (0..%u)",
						 slash + 1, config_family_name(addr.family),
						 addr.family == RTPP_AF_INET ? 32 : 128);
	}
	return config_fail_field(src, base, key, QUOTED " is not an address/prefix", text);
}
