/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * From the loaded text to struct rtpp_config: parse each scalar, fill the
 * defaults and check the rules that span fields, interfaces and sessions.
 * Checks run in document order, so the error reported is the first one a
 * reader of the file would meet.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <strings.h>

#include "config_internal.h"

/* Values from the file appear quoted in messages, cut when very long. */
#define QUOTED "\"%.64s\""

#define IFNAME_CHARS "abcdefghijklmnopqrstuvwxyz0123456789_-"
#define PORT_LOWEST 1024u
#define PORT_HIGHEST 65535u
#define FIELD_PATH_LEN 96

/* Report an error at BASE.KEY (or BASE when key is NULL). */
static int __attribute__((format(printf, 4, 5)))
fail_field(const struct config_source *src, const char *base, const char *key, const char *fmt, ...)
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

/* Plain decimal with an optional minus; no "0x", "1.5", "1e3" or "1_000". */
static bool parse_decimal(const char *text, long long *value)
{
	if (!all_digits(text + (text[0] == '-')))
		return false;
	errno = 0;
	*value = strtoll(text, NULL, 10);
	/* strtoll saturates on overflow, which is out of every range anyway. */
	return true;
}

static bool parse_bool(const char *text, bool *value)
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

/* Unsigned integer keys, converted from one table so each rule is one line. */
struct uint_field {
	const char *key;
	size_t text_offset;  /* char * member of the raw struct */
	size_t value_offset; /* member of the converted struct */
	size_t value_size;   /* 2 or 4 bytes */
	uint32_t min, max;
	bool zero_allowed;   /* 0 also accepted: "derive it" / "leave it" */
	uint32_t default_value;
};

#define UINT_FIELD(raw_type, cfg_type, member, lowest, highest, zero, fallback) \
	{ #member, offsetof(raw_type, member), offsetof(cfg_type, member), \
	  sizeof(((cfg_type *)0)->member), lowest, highest, zero, fallback }

static const struct uint_field dataplane_uint_fields[] = {
#define DATAPLANE_FIELD(...) UINT_FIELD(struct raw_dataplane, struct rtpp_dataplane_config, __VA_ARGS__)
	DATAPLANE_FIELD(workers, 0, 64, false, 0),
	DATAPLANE_FIELD(burst, 1, 512, false, 32),
	DATAPLANE_FIELD(max_sessions, 1, 16777216, false, 65536),
	DATAPLANE_FIELD(mbufs, 1024, 16777216, true, 0),
	DATAPLANE_FIELD(rx_desc, 64, 16384, false, 1024),
	DATAPLANE_FIELD(tx_desc, 64, 16384, false, 1024),
	DATAPLANE_FIELD(idle_sleep_us, 0, 1000, false, 0),
#undef DATAPLANE_FIELD
};

static const struct uint_field interface_uint_fields[] = {
	UINT_FIELD(struct raw_interface, struct rtpp_iface_config, rx_queues, 0, 64, false, 0),
	UINT_FIELD(struct raw_interface, struct rtpp_iface_config, mtu, 576, 9000, true, 0),
};

/* raw may be NULL (section absent): every field takes its default. */
static int convert_uint_fields(const struct config_source *src, const char *base,
			       const struct uint_field *fields, size_t count, const void *raw,
			       void *out)
{
	for (const struct uint_field *f = fields; f < fields + count; f++) {
		const char *text = raw ? *(char *const *)((const char *)raw + f->text_offset) : NULL;
		uint32_t value = f->default_value;
		long long parsed;

		if (text != NULL) {
			if (!parse_decimal(text, &parsed))
				return fail_field(src, base, f->key, QUOTED " is not an integer", text);
			if (!((parsed >= f->min && parsed <= f->max) || (f->zero_allowed && parsed == 0)))
				return fail_field(src, base, f->key, "%.32s is out of range (%s%u..%u)", text,
						  f->zero_allowed ? "0 or " : "", f->min, f->max);
			value = (uint32_t)parsed;
		}
		if (f->value_size == sizeof(uint16_t))
			*(uint16_t *)((char *)out + f->value_offset) = (uint16_t)value;
		else
			*(uint32_t *)((char *)out + f->value_offset) = value;
	}
	return 0;
}

/* ---- Addresses ---- */

static const char *family_name(uint8_t family)
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

/* Refuse an address that no host can have; role says what it was meant to be. */
static int check_unicast(const struct config_source *src, const char *base, const char *key,
			 const char *shown, const struct rtpp_addr *addr, const char *role)
{
	const char *reason = not_unicast_reason(addr);

	if (reason == NULL)
		return 0;
	return fail_field(src, base, key, "%s is %s, not %s", shown, reason, role);
}

static const char *format_prefix(const struct rtpp_prefix *prefix, char *buf, size_t len)
{
	char addr[RTPP_ADDR_STRLEN];

	snprintf(buf, len, "%s/%u", rtpp_addr_format(&prefix->addr, addr, sizeof(addr)), prefix->len);
	return buf;
}

/* "address/length" into out, or an error that tells a bad length from a bad address. */
static int parse_prefix(const struct config_source *src, const char *base, const char *key,
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
			return fail_field(src, base, key, "prefix length %.16s is out of range for %s (0..%u)",
					  slash + 1, family_name(addr.family),
					  addr.family == RTPP_AF_INET ? 32 : 128);
	}
	return fail_field(src, base, key, QUOTED " is not an address/prefix", text);
}

/* An interface's own address with its subnet length. */
static int convert_prefix(const struct config_source *src, const char *base, const char *key,
			  const char *text, struct rtpp_prefix *out)
{
	if (parse_prefix(src, base, key, text, out) != 0)
		return -1;
	return check_unicast(src, base, key, text, &out->addr, "an interface address");
}

/* ---- Interfaces ---- */

static int convert_interface_name(const struct config_source *src, struct rtpp_config *cfg,
				  unsigned int index, const char *base, const char *text)
{
	size_t len = strlen(text);

	if (len == 0 || len >= RTPP_IFNAME_LEN || strspn(text, IFNAME_CHARS) != len)
		return fail_field(src, base, "name",
				  QUOTED " is not a valid name (1..%u characters of a-z, 0-9, '_', '-')",
				  text, RTPP_IFNAME_LEN - 1);
	for (unsigned int i = 0; i < index; i++)
		if (strcmp(cfg->ifaces[i].name, text) == 0)
			return fail_field(src, base, "name", QUOTED " is already the name of interfaces[%u]",
					  text, i);
	memcpy(cfg->ifaces[index].name, text, len + 1);
	return 0;
}

/* DPDK identifies a device by what precedes its first ',' (the arguments). */
static size_t device_id_len(const char *device)
{
	return strcspn(device, ",");
}

static int convert_device(const struct config_source *src, struct rtpp_config *cfg,
			  unsigned int index, const char *base, const char *text)
{
	size_t len = strlen(text), id_len = device_id_len(text);

	if (len == 0)
		return fail_field(src, base, "device", "must not be empty");
	if (len >= RTPP_DEVICE_LEN)
		return fail_field(src, base, "device", "is too long (%zu characters, at most %u)", len,
				  RTPP_DEVICE_LEN - 1);
	if (id_len == 0)
		return fail_field(src, base, "device", QUOTED " has no device name before ','", text);
	for (unsigned int i = 0; i < index; i++) {
		const char *other = cfg->ifaces[i].device;

		if (device_id_len(other) == id_len && memcmp(other, text, id_len) == 0)
			return fail_field(src, base, "device", "device %.*s is already used by interfaces[%u] (%s)",
					  (int)id_len, text, i, cfg->ifaces[i].name);
	}
	memcpy(cfg->ifaces[index].device, text, len + 1);
	return 0;
}

/* An address is ours once; subnets of different interfaces must not meet. */
static int check_address_unique(const struct config_source *src, const struct rtpp_config *cfg,
				unsigned int index, unsigned int addr_index, const char *base,
				const char *key)
{
	const struct rtpp_prefix *prefix = &cfg->ifaces[index].addrs[addr_index];
	char mine[RTPP_ADDR_STRLEN + 4], theirs[RTPP_ADDR_STRLEN + 4];

	for (unsigned int i = 0; i <= index; i++) {
		const struct rtpp_iface_config *other = &cfg->ifaces[i];
		unsigned int count = i == index ? addr_index : other->n_addrs;

		for (unsigned int k = 0; k < count; k++) {
			if (rtpp_addr_equal(&other->addrs[k].addr, &prefix->addr))
				return fail_field(src, base, key, "%s is already assigned to interfaces[%u].addresses[%u]",
						  rtpp_addr_format(&prefix->addr, mine, sizeof(mine)), i, k);
			if (i != index && rtpp_prefix_overlap(&other->addrs[k], prefix))
				return fail_field(src, base, key,
						  "%s overlaps %s of interfaces[%u] (%s): egress would be ambiguous",
						  format_prefix(prefix, mine, sizeof(mine)),
						  format_prefix(&other->addrs[k], theirs, sizeof(theirs)), i,
						  other->name);
		}
	}
	return 0;
}

static int convert_addresses(const struct config_source *src, struct rtpp_config *cfg,
			     unsigned int index, const char *base, const struct raw_interface *raw)
{
	struct rtpp_iface_config *iface = &cfg->ifaces[index];
	char key[32];

	if (raw->addresses_count == 0)
		return fail_field(src, base, "addresses", "at least one address is required");
	if (raw->addresses_count > RTPP_MAX_IFACE_ADDRS)
		return fail_field(src, base, "addresses", "at most %u addresses per interface (found %u)",
				  RTPP_MAX_IFACE_ADDRS, raw->addresses_count);
	for (unsigned int j = 0; j < raw->addresses_count; j++) {
		snprintf(key, sizeof(key), "addresses[%u]", j);
		if (convert_prefix(src, base, key, raw->addresses[j], &iface->addrs[j]) != 0 ||
		    check_address_unique(src, cfg, index, j, base, key) != 0)
			return -1;
		iface->n_addrs = j + 1;
	}
	return 0;
}

static int convert_gateway(const struct config_source *src, const struct rtpp_config *cfg,
			   unsigned int index, const char *base, const char *key, const char *text,
			   uint8_t family, struct rtpp_addr *out)
{
	const struct rtpp_iface_config *iface = &cfg->ifaces[index];
	char addr[RTPP_ADDR_STRLEN];

	memset(out, 0, sizeof(*out));
	if (text == NULL)
		return 0;
	if (rtpp_addr_parse(text, out) != 0 || out->family != family)
		return fail_field(src, base, key, QUOTED " is not an %s address", text, family_name(family));
	rtpp_addr_format(out, addr, sizeof(addr));
	if (check_unicast(src, base, key, addr, out, "a gateway") != 0)
		return -1;
	if (rtpp_config_iface_owning(cfg, out) >= 0)
		return fail_field(src, base, key, "%s is one of our own addresses, not a gateway", addr);
	for (unsigned int j = 0; j < iface->n_addrs; j++)
		if (rtpp_prefix_contains(&iface->addrs[j], out))
			return 0;
	return fail_field(src, base, key, "%s is not on-link: no %s prefix of this interface contains it",
			  addr, family_name(family));
}

static int convert_port_range(const struct config_source *src, const char *base, const char *text,
			      struct rtpp_iface_config *iface)
{
	const char *dash = strchr(text, '-');
	char low_text[16];
	long long low, high;

	/* Digits on both sides of one dash: "-5-10" and "5--10" are not ranges. */
	if (dash == NULL || dash == text || (size_t)(dash - text) >= sizeof(low_text) ||
	    dash[1] == '-')
		return fail_field(src, base, "ports", QUOTED " is not a port range \"MIN-MAX\"", text);
	memcpy(low_text, text, (size_t)(dash - text));
	low_text[dash - text] = '\0';
	if (low_text[0] == '-' || !parse_decimal(low_text, &low) || !parse_decimal(dash + 1, &high))
		return fail_field(src, base, "ports", QUOTED " is not a port range \"MIN-MAX\"", text);
	if (low < PORT_LOWEST || high > PORT_HIGHEST)
		return fail_field(src, base, "ports", "port range %.32s is outside %u..%u", text,
				  PORT_LOWEST, PORT_HIGHEST);
	if (low >= high)
		return fail_field(src, base, "ports",
				  "port range %.32s is inverted or empty: MIN must be lower than MAX", text);
	iface->port_min = (uint16_t)low;
	iface->port_max = (uint16_t)high;
	return 0;
}

static int convert_interface(const struct config_source *src, struct rtpp_config *cfg,
			     unsigned int index, const struct raw_interface *raw)
{
	struct rtpp_iface_config *iface = &cfg->ifaces[index];
	char base[32];

	snprintf(base, sizeof(base), "interfaces[%u]", index);
	cfg->n_ifaces = index + 1; /* its addresses count as ours as soon as they are read */
	if (convert_interface_name(src, cfg, index, base, raw->name) != 0 ||
	    convert_device(src, cfg, index, base, raw->device) != 0 ||
	    convert_addresses(src, cfg, index, base, raw) != 0 ||
	    convert_gateway(src, cfg, index, base, "gateway4", raw->gateway4, RTPP_AF_INET,
			    &iface->gateway4) != 0 ||
	    convert_gateway(src, cfg, index, base, "gateway6", raw->gateway6, RTPP_AF_INET6,
			    &iface->gateway6) != 0 ||
	    convert_port_range(src, base, raw->ports, iface) != 0)
		return -1;
	return convert_uint_fields(src, base, interface_uint_fields,
				   sizeof(interface_uint_fields) / sizeof(interface_uint_fields[0]),
				   raw, iface);
}

static int convert_interfaces(const struct config_source *src, const struct raw_config *raw,
			      struct rtpp_config *cfg)
{
	if (raw->interfaces_count == 0)
		return fail_field(src, "interfaces", NULL, "at least one interface is required");
	if (raw->interfaces_count > RTPP_MAX_INTERFACES)
		return fail_field(src, "interfaces", NULL, "at most %u interfaces are supported (found %u)",
				  RTPP_MAX_INTERFACES, raw->interfaces_count);
	for (unsigned int i = 0; i < raw->interfaces_count; i++)
		if (convert_interface(src, cfg, i, &raw->interfaces[i]) != 0)
			return -1;
	return 0;
}

/* ---- Static sessions ---- */

static int convert_endpoint(const struct config_source *src, const char *base, const char *key,
			    const char *text, struct rtpp_endpoint *out)
{
	if (rtpp_endpoint_parse(text, out) != 0)
		return fail_field(src, base, key, QUOTED " is not an endpoint (ADDRESS:PORT or [IPv6]:PORT)",
				  text);
	return 0;
}

/* listen and forward: an address of ours, a port (and RTCP's port+1) in its range. */
static int check_local_endpoint(const struct config_source *src, const struct rtpp_config *cfg,
				const char *base, const char *key, const struct rtpp_endpoint *endpoint,
				bool rtcp)
{
	int owner = rtpp_config_iface_owning(cfg, &endpoint->addr);
	char addr[RTPP_ADDR_STRLEN];
	const struct rtpp_iface_config *iface;

	if (owner < 0)
		return fail_field(src, base, key, "%s is not an address of any interface",
				  rtpp_addr_format(&endpoint->addr, addr, sizeof(addr)));
	iface = &cfg->ifaces[owner];
	if (endpoint->port < iface->port_min || endpoint->port > iface->port_max)
		return fail_field(src, base, key, "port %u is outside the media ports %u-%u of interfaces[%d] (%s)",
				  endpoint->port, iface->port_min, iface->port_max, owner, iface->name);
	if (rtcp && endpoint->port + 1u > iface->port_max)
		return fail_field(src, base, key,
				  "RTCP port %u (port+1) is outside the media ports %u-%u of interfaces[%d] (%s)",
				  endpoint->port + 1u, iface->port_min, iface->port_max, owner, iface->name);
	return 0;
}

/* destination and source: a peer we can send to. */
static int check_remote_endpoint(const struct config_source *src, const char *base, const char *key,
				 const struct rtpp_endpoint *endpoint, bool rtcp)
{
	char text[RTPP_ENDPOINT_STRLEN];

	rtpp_endpoint_format(endpoint, text, sizeof(text));
	if (check_unicast(src, base, key, text, &endpoint->addr, "a usable peer") != 0)
		return -1;
	if (endpoint->port == 0)
		return fail_field(src, base, key, "%s has port 0, not a usable peer", text);
	if (rtcp && endpoint->port == PORT_HIGHEST)
		return fail_field(src, base, key, "%s uses port %u: no port+1 is left for RTCP", text,
				  PORT_HIGHEST);
	return 0;
}

/* destination and source of a static session fall under the same policy as the API's. */
static int check_remote_allowed(const struct config_source *src, const struct rtpp_config *cfg,
				const char *base, const char *key, const struct rtpp_endpoint *endpoint)
{
	char addr[RTPP_ADDR_STRLEN];

	if (rtpp_config_remote_allowed(cfg, &endpoint->addr))
		return 0;
	return fail_field(src, base, key, "%s is not in " RTPP_ALLOWED_REMOTES_FIELD,
			  rtpp_addr_format(&endpoint->addr, addr, sizeof(addr)));
}

static int check_same_family(const struct config_source *src, const char *base, const char *key,
			     const struct rtpp_endpoint *endpoint, const char *other_key,
			     const struct rtpp_endpoint *other)
{
	if (endpoint->addr.family == other->addr.family)
		return 0;
	return fail_field(src, base, key, "%s %s does not match the %s %s address",
			  family_name(endpoint->addr.family), key, family_name(other->addr.family),
			  other_key);
}

static int convert_session_name(const struct config_source *src, const char *base,
				unsigned int index, const char *text, char name[RTPP_SESSION_NAME_LEN])
{
	size_t len;

	if (text == NULL) {
		snprintf(name, RTPP_SESSION_NAME_LEN, "static-%u", index);
		return 0;
	}
	len = strlen(text);
	bool printable = len > 0 && len < RTPP_SESSION_NAME_LEN;
	for (size_t i = 0; printable && i < len; i++)
		printable = text[i] > ' ' && text[i] < 0x7f;
	if (!printable)
		return fail_field(src, base, "name",
				  QUOTED " is not a valid name (1..%u characters, no spaces or control characters)",
				  text, RTPP_SESSION_NAME_LEN - 1);
	memcpy(name, text, len + 1);
	return 0;
}

static int convert_session(const struct config_source *src, const struct rtpp_config *cfg,
			   unsigned int index, const struct raw_session *raw,
			   struct rtpp_static_session_config *session)
{
	char base[32];

	snprintf(base, sizeof(base), "sessions[%u]", index);
	session->rtcp = true;
	if (raw->rtcp != NULL && !parse_bool(raw->rtcp, &session->rtcp))
		return fail_field(src, base, "rtcp", QUOTED " is not a boolean (true or false)", raw->rtcp);
	if (convert_session_name(src, base, index, raw->name, session->name) != 0 ||
	    convert_endpoint(src, base, "listen", raw->listen, &session->listen) != 0 ||
	    check_local_endpoint(src, cfg, base, "listen", &session->listen, session->rtcp) != 0 ||
	    convert_endpoint(src, base, "forward", raw->forward, &session->forward) != 0 ||
	    check_local_endpoint(src, cfg, base, "forward", &session->forward, session->rtcp) != 0)
		return -1;
	if (rtpp_endpoint_equal(&session->listen, &session->forward))
		return fail_field(src, base, "forward", "same endpoint as listen");
	if (convert_endpoint(src, base, "destination", raw->destination, &session->destination) != 0 ||
	    check_remote_endpoint(src, base, "destination", &session->destination, session->rtcp) != 0 ||
	    check_same_family(src, base, "destination", &session->destination, "forward",
			      &session->forward) != 0 ||
	    check_remote_allowed(src, cfg, base, "destination", &session->destination) != 0)
		return -1;
	if (raw->source == NULL)
		return 0; /* family NONE: the listen side's remote is learnt */
	if (convert_endpoint(src, base, "source", raw->source, &session->source) != 0 ||
	    check_remote_endpoint(src, base, "source", &session->source, session->rtcp) != 0 ||
	    check_same_family(src, base, "source", &session->source, "listen", &session->listen) != 0 ||
	    check_remote_allowed(src, cfg, base, "source", &session->source) != 0)
		return -1;
	return 0;
}

/*
 * Duplicates among many sessions: sort by key, then by document order, and
 * report the repeat that comes first in the document against the first use.
 * Items start with their document order.
 */
struct ordered {
	unsigned long order;
};

static unsigned long order_at(const char *items, size_t index, size_t size)
{
	return ((const struct ordered *)(const void *)(items + index * size))->order;
}

static bool find_first_repeat(const void *items, size_t count, size_t size,
			      int (*compare_key)(const void *, const void *), size_t *first,
			      size_t *repeat)
{
	const char *base = items;
	size_t run_start = 0;
	bool found = false;

	for (size_t i = 1; i < count; i++) {
		if (compare_key(base + i * size, base + (i - 1) * size) != 0) {
			run_start = i;
			continue;
		}
		if (!found || order_at(base, i, size) < order_at(base, *repeat, size)) {
			*first = run_start;
			*repeat = i;
			found = true;
		}
	}
	return found;
}

static int compare_order(const void *a, const void *b)
{
	unsigned long x = ((const struct ordered *)a)->order, y = ((const struct ordered *)b)->order;

	return (x > y) - (x < y);
}

struct name_use {
	unsigned long order; /* session index */
	const char *name;
};

static int compare_name(const void *a, const void *b)
{
	return strcmp(((const struct name_use *)a)->name, ((const struct name_use *)b)->name);
}

static int compare_name_then_order(const void *a, const void *b)
{
	int by_name = compare_name(a, b);

	return by_name != 0 ? by_name : compare_order(a, b);
}

static int check_unique_session_names(const struct config_source *src, const struct raw_config *raw,
				      const struct rtpp_config *cfg)
{
	struct name_use *uses = calloc(cfg->n_sessions, sizeof(*uses));
	size_t first = 0, repeat = 0;
	char base[32];
	int rc = 0;

	if (uses == NULL)
		return fail_field(src, "sessions", NULL, "out of memory");
	for (unsigned int i = 0; i < cfg->n_sessions; i++)
		uses[i] = (struct name_use){ .order = i, .name = cfg->sessions[i].name };
	qsort(uses, cfg->n_sessions, sizeof(*uses), compare_name_then_order);
	if (find_first_repeat(uses, cfg->n_sessions, sizeof(*uses), compare_name, &first, &repeat)) {
		unsigned long session = uses[repeat].order;

		snprintf(base, sizeof(base), "sessions[%lu]", session);
		/* A default name has no line of its own: point at the session. */
		rc = fail_field(src, base, raw->sessions[session].name != NULL ? "name" : NULL,
				QUOTED " is already the name of sessions[%lu]", uses[repeat].name,
				uses[first].order);
	}
	free(uses);
	return rc;
}

/* One local UDP endpoint a static session takes: RTP, or RTCP at port+1. */
struct endpoint_use {
	unsigned long order; /* session, then listen/forward, then RTP/RTCP */
	struct rtpp_endpoint endpoint;
	unsigned int session;
	bool is_forward;
	bool is_rtcp;
};

static int compare_endpoint(const void *a, const void *b)
{
	const struct rtpp_endpoint *x = &((const struct endpoint_use *)a)->endpoint;
	const struct rtpp_endpoint *y = &((const struct endpoint_use *)b)->endpoint;
	int by_addr;

	if (x->addr.family != y->addr.family)
		return x->addr.family - y->addr.family;
	by_addr = memcmp(x->addr.bytes, y->addr.bytes, sizeof(x->addr.bytes));
	if (by_addr != 0)
		return by_addr;
	return (int)x->port - (int)y->port;
}

static int compare_endpoint_then_order(const void *a, const void *b)
{
	int by_endpoint = compare_endpoint(a, b);

	return by_endpoint != 0 ? by_endpoint : compare_order(a, b);
}

static size_t collect_endpoint_uses(const struct rtpp_config *cfg, struct endpoint_use *uses)
{
	size_t count = 0;

	for (unsigned int i = 0; i < cfg->n_sessions; i++) {
		const struct rtpp_static_session_config *session = &cfg->sessions[i];

		for (int is_forward = 0; is_forward < 2; is_forward++)
			for (int is_rtcp = 0; is_rtcp <= session->rtcp; is_rtcp++) {
				struct endpoint_use *use = &uses[count++];

				use->order = (unsigned long)i * 4 + (unsigned long)is_forward * 2 +
					     (unsigned long)is_rtcp;
				use->endpoint = is_forward ? session->forward : session->listen;
				use->endpoint.port = (uint16_t)(use->endpoint.port + is_rtcp);
				use->session = i;
				use->is_forward = is_forward;
				use->is_rtcp = is_rtcp;
			}
	}
	return count;
}

static int check_unique_local_endpoints(const struct config_source *src, const struct rtpp_config *cfg)
{
	struct endpoint_use *uses = calloc((size_t)cfg->n_sessions * 4, sizeof(*uses));
	char base[32], endpoint[RTPP_ENDPOINT_STRLEN];
	size_t count, first = 0, repeat = 0;
	int rc = 0;

	if (uses == NULL)
		return fail_field(src, "sessions", NULL, "out of memory");
	count = collect_endpoint_uses(cfg, uses);
	qsort(uses, count, sizeof(*uses), compare_endpoint_then_order);
	if (find_first_repeat(uses, count, sizeof(*uses), compare_endpoint, &first, &repeat)) {
		const struct endpoint_use *later = &uses[repeat], *earlier = &uses[first];

		snprintf(base, sizeof(base), "sessions[%u]", later->session);
		rc = fail_field(src, base, later->is_forward ? "forward" : "listen",
				"%s%s is already used by %ssessions[%u].%s",
				later->is_rtcp ? "RTCP port+1 " : "",
				rtpp_endpoint_format(&later->endpoint, endpoint, sizeof(endpoint)),
				earlier->is_rtcp ? "the RTCP port+1 of " : "", earlier->session,
				earlier->is_forward ? "forward" : "listen");
	}
	free(uses);
	return rc;
}

static int convert_sessions(const struct config_source *src, const struct raw_config *raw,
			    struct rtpp_config *cfg)
{
	if (raw->sessions_count == 0)
		return 0;
	if (raw->sessions_count > cfg->dataplane.max_sessions)
		return fail_field(src, "sessions", NULL,
				  "%u static sessions exceed dataplane.max_sessions (%u)",
				  raw->sessions_count, cfg->dataplane.max_sessions);
	cfg->sessions = calloc(raw->sessions_count, sizeof(*cfg->sessions));
	if (cfg->sessions == NULL)
		return fail_field(src, "sessions", NULL, "out of memory");
	cfg->n_sessions = raw->sessions_count;
	for (unsigned int i = 0; i < cfg->n_sessions; i++)
		if (convert_session(src, cfg, i, &raw->sessions[i], &cfg->sessions[i]) != 0)
			return -1;
	if (check_unique_session_names(src, raw, cfg) != 0 || check_unique_local_endpoints(src, cfg) != 0)
		return -1;
	return 0;
}

/* A TLS file must be there and readable now, not at the first client. */
static int convert_path(const struct config_source *src, const char *key, const char *text,
			char *out, size_t len)
{
	out[0] = '\0';
	if (text == NULL || text[0] == '\0')
		return 0;
	if (strlen(text) >= len)
		return fail_field(src, "api", key, "path longer than %zu characters", len - 1);
	if (access(text, R_OK) != 0)
		return fail_field(src, "api", key, QUOTED ": %s", text, strerror(errno));
	memcpy(out, text, strlen(text) + 1);
	return 0;
}

int rtpp_config_api_listen_parse(const char *text, char *out, size_t outlen, const char **why)
{
	struct rtpp_endpoint listen;

	if (strncmp(text, "unix:", 5) == 0) {
		const char *path = text + 5;
		char dir[RTPP_API_LISTEN_LEN];
		struct stat st;
		size_t len = strlen(path);

		if (path[0] != '/') {
			*why = "is not unix:/ABSOLUTE/PATH";
			return -1;
		}
		if (len > RTPP_API_UNIX_PATH_MAX || len + 6 > outlen) {
			*why = "is longer than a Unix socket path can be (107 bytes)";
			return -1;
		}
		if (path[len - 1] == '/') {
			*why = "names a directory, not a socket";
			return -1;
		}
		/* The socket is made at start; its directory must be there. */
		memcpy(dir, path, len + 1);
		*strrchr(dir, '/') = '\0';
		if (stat(dir[0] != '\0' ? dir : "/", &st) != 0 || !S_ISDIR(st.st_mode)) {
			*why = "is in a directory that does not exist";
			return -1;
		}
		snprintf(out, outlen, "unix:%s", path);
		return 0;
	}
	if (rtpp_endpoint_parse(text, &listen) != 0) {
		*why = "is not address:port (\"[::]:50051\", \"127.0.0.1:50051\") or "
		       "unix:/PATH";
		return -1;
	}
	rtpp_endpoint_format(&listen, out, outlen);
	return 0;
}

static int convert_api(const struct config_source *src, const struct raw_api *raw,
		       struct rtpp_api_config *api)
{
	const char *why;

	snprintf(api->listen, sizeof(api->listen), "%s", RTPP_API_LISTEN_DEFAULT);
	if (raw == NULL)
		return 0;
	if (raw->listen != NULL &&
	    rtpp_config_api_listen_parse(raw->listen, api->listen, sizeof(api->listen), &why) != 0)
		return fail_field(src, "api", "listen", QUOTED " %s", raw->listen, why);
	if (convert_path(src, "tls_cert", raw->tls_cert, api->tls_cert, sizeof(api->tls_cert)) ||
	    convert_path(src, "tls_key", raw->tls_key, api->tls_key, sizeof(api->tls_key)) ||
	    convert_path(src, "tls_client_ca", raw->tls_client_ca, api->tls_client_ca,
			 sizeof(api->tls_client_ca)))
		return -1;
	if ((api->tls_cert[0] == '\0') != (api->tls_key[0] == '\0'))
		return fail_field(src, "api", api->tls_cert[0] ? "tls_cert" : "tls_key",
				  "tls_cert and tls_key go together");
	if (api->tls_client_ca[0] != '\0' && api->tls_cert[0] == '\0')
		return fail_field(src, "api", "tls_client_ca",
				  "client certificates need TLS: set tls_cert and tls_key too");
	return 0;
}

/* The network address of prefix: its host bits cleared. */
static struct rtpp_addr prefix_network(const struct rtpp_prefix *prefix)
{
	struct rtpp_addr network = prefix->addr;

	for (unsigned int bit = prefix->len; bit < 8 * sizeof(network.bytes); bit++)
		network.bytes[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
	return network;
}

static int convert_allowed_remote(const struct config_source *src, const char *key,
				  const char *text, struct rtpp_prefix *out)
{
	struct rtpp_addr network;
	char shown[RTPP_ADDR_STRLEN];

	if (parse_prefix(src, "policy", key, text, out) != 0)
		return -1;
	/* 203.0.113.7/24 is most likely a typo for a host or for the /24: ask which. */
	network = prefix_network(out);
	if (!rtpp_addr_equal(&network, &out->addr))
		return fail_field(src, "policy", key,
				  QUOTED " has host bits set: write %s/%u for the network, or the "
				  "address with /%u for one host",
				  text, rtpp_addr_format(&network, shown, sizeof(shown)), out->len,
				  out->addr.family == RTPP_AF_INET ? 32 : 128);
	return 0;
}

static int convert_policy(const struct config_source *src, const struct raw_policy *raw,
			  struct rtpp_policy_config *policy)
{
	char key[40];

	policy->n_allowed_remotes = 0;
	if (raw == NULL || raw->allowed_remotes_count == 0) {
		/*
		 * Absent means "no restriction"; an empty list must not silently
		 * mean the same (nor refuse every session): make the intent explicit.
		 */
		if (yaml_locate_path(src->text, src->len, RTPP_ALLOWED_REMOTES_FIELD) != 0)
			return fail_field(src, "policy", "allowed_remotes",
					  "at least one prefix is required (leave the key out to "
					  "allow every remote)");
		return 0;
	}
	if (raw->allowed_remotes_count > RTPP_MAX_ALLOWED_REMOTES)
		return fail_field(src, "policy", "allowed_remotes", "at most %u prefixes (found %u)",
				  RTPP_MAX_ALLOWED_REMOTES, raw->allowed_remotes_count);
	for (unsigned int i = 0; i < raw->allowed_remotes_count; i++) {
		snprintf(key, sizeof(key), "allowed_remotes[%u]", i);
		if (convert_allowed_remote(src, key, raw->allowed_remotes[i],
					   &policy->allowed_remotes[i]) != 0)
			return -1;
	}
	policy->n_allowed_remotes = raw->allowed_remotes_count;
	return 0;
}

int config_convert(const struct config_source *src, const struct raw_config *raw,
		   struct rtpp_config *cfg)
{
	if (convert_interfaces(src, raw, cfg) != 0 ||
	    convert_uint_fields(src, "dataplane", dataplane_uint_fields,
				sizeof(dataplane_uint_fields) / sizeof(dataplane_uint_fields[0]),
				raw->dataplane, &cfg->dataplane) != 0 ||
	    convert_api(src, raw->api, &cfg->api) != 0 ||
	    /* before the sessions, whose remotes it restricts */
	    convert_policy(src, raw->policy, &cfg->policy) != 0)
		return -1;
	return convert_sessions(src, raw, cfg);
}
