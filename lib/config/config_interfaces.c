/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Conversion layer of lib/config: the "interfaces:" section. Each interface's
 * name, device, addresses, gateways, port range and tunables are parsed and
 * checked against the interfaces before it (names, devices and subnets are
 * unique). It calls the shared converters (config_convert.c), the error layer
 * (config_error.c), the queries (config_query.c) and lib/addr; only
 * config_validate.c calls it.
 */
#include <stdio.h>
#include <string.h>

#include "convert_private.h"
#include "error_private.h"
#include "raw_private.h"
#include "rtpp_config.h"
#include "sections_private.h"

#define IFNAME_CHARS "abcdefghijklmnopqrstuvwxyz0123456789_-"

static const struct uint_field interface_uint_fields[] = {
	UINT_FIELD(struct raw_interface, struct rtpp_iface_config, rx_queues, 0, 64, false, 0),
	UINT_FIELD(struct raw_interface, struct rtpp_iface_config, mtu, 576, 9000, true, 0),
};

static const char *format_prefix(const struct rtpp_prefix *prefix, char *buf, size_t len)
{
	char addr[RTPP_ADDR_STRLEN];

	snprintf(buf, len, "%s/%u", rtpp_addr_format(&prefix->addr, addr, sizeof(addr)), prefix->len);
	return buf;
}

/* An interface's own address with its subnet length. */
static int convert_prefix(const struct config_source *src, const char *base, const char *key,
			  const char *text, struct rtpp_prefix *out)
{
	if (config_parse_prefix(src, base, key, text, out) != 0)
		return -1;
	return config_check_unicast(src, base, key, text, &out->addr, "an interface address");
}

static int convert_interface_name(const struct config_source *src, struct rtpp_config *cfg,
				  unsigned int index, const char *base, const char *text)
{
	size_t len = strlen(text);

	if (len == 0 || len >= RTPP_IFNAME_LEN || strspn(text, IFNAME_CHARS) != len)
		return config_fail_field(src, base, "name",
					 QUOTED
					 " is not a valid name (1..%u characters of a-z, 0-9, '_', '-')",
					 text, RTPP_IFNAME_LEN - 1);
	for (unsigned int i = 0; i < index; i++)
		if (strcmp(cfg->ifaces[i].name, text) == 0)
			return config_fail_field(src, base, "name",
						 QUOTED " is already the name of interfaces[%u]",
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
		return config_fail_field(src, base, "device", "must not be empty");
	if (len >= RTPP_DEVICE_LEN)
		return config_fail_field(src, base, "device",
					 "is too long (%zu characters, at most %u)", len,
					 RTPP_DEVICE_LEN - 1);
	if (id_len == 0)
		return config_fail_field(src, base, "device",
					 QUOTED " has no device name before ','", text);
	for (unsigned int i = 0; i < index; i++) {
		const char *other = cfg->ifaces[i].device;

		if (device_id_len(other) == id_len && memcmp(other, text, id_len) == 0)
			return config_fail_field(src, base, "device",
						 "device %.*s is already used by interfaces[%u] (%s)",
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
				return config_fail_field(src, base, key,
							 "%s is already assigned to interfaces[%u].addresses[%u]",
							 rtpp_addr_format(&prefix->addr, mine,
									  sizeof(mine)),
							 i, k);
			if (i != index && rtpp_prefix_overlap(&other->addrs[k], prefix))
				return config_fail_field(src, base, key,
							 "%s overlaps %s of interfaces[%u] (%s): egress would be ambiguous",
							 format_prefix(prefix, mine, sizeof(mine)),
							 format_prefix(&other->addrs[k], theirs,
								       sizeof(theirs)),
							 i, other->name);
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
		return config_fail_field(src, base, "addresses", "at least one address is required");
	if (raw->addresses_count > RTPP_MAX_IFACE_ADDRS)
		return config_fail_field(src, base, "addresses",
					 "at most %u addresses per interface (found %u)",
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
		return config_fail_field(src, base, key, QUOTED " is not an %s address", text,
					 config_family_name(family));
	rtpp_addr_format(out, addr, sizeof(addr));
	if (config_check_unicast(src, base, key, addr, out, "a gateway") != 0)
		return -1;
	if (rtpp_config_iface_owning(cfg, out) >= 0)
		return config_fail_field(src, base, key,
					 "%s is one of our own addresses, not a gateway", addr);
	for (unsigned int j = 0; j < iface->n_addrs; j++)
		if (rtpp_prefix_contains(&iface->addrs[j], out))
			return 0;
	return config_fail_field(src, base, key,
				 "%s is not on-link: no %s prefix of this interface contains it",
				 addr, config_family_name(family));
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
		return config_fail_field(src, base, "ports",
					 QUOTED " is not a port range \"MIN-MAX\"", text);
	memcpy(low_text, text, (size_t)(dash - text));
	low_text[dash - text] = '\0';
	if (low_text[0] == '-' || !config_parse_decimal(low_text, &low) ||
	    !config_parse_decimal(dash + 1, &high))
		return config_fail_field(src, base, "ports",
					 QUOTED " is not a port range \"MIN-MAX\"", text);
	if (low < PORT_LOWEST || high > PORT_HIGHEST)
		return config_fail_field(src, base, "ports", "port range %.32s is outside %u..%u",
					 text, PORT_LOWEST, PORT_HIGHEST);
	if (low >= high)
		return config_fail_field(src, base, "ports",
					 "port range %.32s is inverted or empty: MIN must be lower than MAX",
					 text);
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
	return config_convert_uint_fields(src, base, interface_uint_fields,
					  sizeof(interface_uint_fields) /
						  sizeof(interface_uint_fields[0]),
					  raw, iface);
}

int config_convert_interfaces(const struct config_source *src, const struct raw_config *raw,
			      struct rtpp_config *cfg)
{
	if (raw->interfaces_count == 0)
		return config_fail_field(src, "interfaces", NULL,
					 "at least one interface is required");
	if (raw->interfaces_count > RTPP_MAX_INTERFACES)
		return config_fail_field(src, "interfaces", NULL,
					 "at most %u interfaces are supported (found %u)",
					 RTPP_MAX_INTERFACES, raw->interfaces_count);
	for (unsigned int i = 0; i < raw->interfaces_count; i++)
		if (convert_interface(src, cfg, i, &raw->interfaces[i]) != 0)
			return -1;
	return 0;
}
