/* SPDX-License-Identifier: BSD-3-Clause */
/* Admission of a session request: endpoint checks and media port allocation. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "admission_private.h"

int rtpp_admission_init(struct rtpp_admission *a, const struct rtpp_config *cfg,
			unsigned int n_ifaces, rtpp_admission_taken_fn taken, void *taken_ctx,
			char *err, size_t errlen)
{
	memset(a, 0, sizeof(*a));
	a->cfg = cfg;
	a->n_ifaces = n_ifaces;
	a->taken = taken;
	a->taken_ctx = taken_ctx;
	for (unsigned int i = 0; cfg != NULL && i < n_ifaces && i < cfg->n_ifaces; i++) {
		const struct rtpp_iface_config *c = &cfg->ifaces[i];

		a->pools[i] = rtpp_port_pool_create(c->port_min, c->port_max);
		if (a->pools[i] == NULL) {
			snprintf(err, errlen, "interface %s: cannot hold ports %u-%u", c->name,
				 c->port_min, c->port_max);
			rtpp_admission_fini(a);
			return -1;
		}
	}
	return 0;
}

void rtpp_admission_fini(struct rtpp_admission *a)
{
	for (unsigned int i = 0; i < RTPP_MAX_INTERFACES; i++) {
		rtpp_port_pool_free(a->pools[i]);
		a->pools[i] = NULL;
	}
}

static const char *iface_name(const struct rtpp_admission *a, uint16_t iface)
{
	return a->cfg != NULL && iface < a->cfg->n_ifaces ? a->cfg->ifaces[iface].name : "?";
}

/* Next hop toward remote from an interface: on-link, else the family's gateway. */
static int next_hop(const struct rtpp_iface_config *ifc, const struct rtpp_addr *remote,
		    struct rtpp_addr *nh)
{
	for (unsigned int a = 0; a < ifc->n_addrs; a++) {
		if (rtpp_prefix_contains(&ifc->addrs[a], remote)) {
			*nh = *remote;
			return 0;
		}
	}
	const struct rtpp_addr *gw = remote->family == RTPP_AF_INET ? &ifc->gateway4 : &ifc->gateway6;

	if (!rtpp_addr_is_set(gw))
		return -1;
	*nh = *gw;
	return 0;
}

static bool addr_unusable_remote(const struct rtpp_addr *a)
{
	static const uint8_t zero[16];

	if (memcmp(a->bytes, zero, a->family == RTPP_AF_INET ? 4 : 16) == 0)
		return true;
	if (a->family == RTPP_AF_INET)
		return (a->bytes[0] & 0xf0) == 0xe0 || a->bytes[0] == 0xff;
	return a->bytes[0] == 0xff;
}

static int check_local(const struct rtpp_admission *a, const char *field,
		       const struct rtpp_endpoint *e, bool rtcp, uint16_t *iface, char *err,
		       size_t errlen)
{
	/* Formatted only for an error: snprintf was a few % of each create. */
	char s[RTPP_ENDPOINT_STRLEN];
	int owner;

	if (!rtpp_addr_is_set(&e->addr)) {
		snprintf(err, errlen, "%s: missing address", field);
		return -EINVAL;
	}
	if (rtcp && e->port == UINT16_MAX) {
		snprintf(err, errlen, "%s: port 65535 leaves no port+1 for RTCP", field);
		return -EINVAL;
	}
	owner = a->cfg != NULL ? rtpp_config_iface_owning(a->cfg, &e->addr) : -1;
	if (owner < 0 || (unsigned int)owner >= a->n_ifaces) {
		rtpp_endpoint_format(e, s, sizeof(s));
		snprintf(err, errlen, "%s: %s is not an address of any interface", field, s);
		return -EADDRNOTAVAIL;
	}
	*iface = (uint16_t)owner;
	if (e->port == 0)
		return 0; /* allocated later, once everything else is known to be fine */
	/*
	 * Only the interface's media ports: anything else belongs to the host
	 * (53, 123, 5060, the API...), whose packets a session would take over.
	 * The same rule as static sessions' in the YAML.
	 */
	const struct rtpp_iface_config *ic = &a->cfg->ifaces[owner];
	uint32_t last = (uint32_t)e->port + (rtcp ? 1u : 0u);

	if (e->port < ic->port_min || last > ic->port_max) {
		rtpp_endpoint_format(e, s, sizeof(s));
		snprintf(err, errlen, "%s: %s%s is outside the media ports %u-%u of interface %s",
			 field, s, rtcp && e->port == ic->port_max ? " (its RTCP port+1)" : "",
			 ic->port_min, ic->port_max, ic->name);
		return -EINVAL;
	}
	for (unsigned int r = 0; r <= (rtcp ? 1u : 0u); r++) {
		struct rtpp_endpoint probe = *e;

		probe.port = (uint16_t)(e->port + r);
		if (a->taken(a->taken_ctx, &probe)) {
			rtpp_endpoint_format(&probe, s, sizeof(s));
			snprintf(err, errlen, "%s: %s is already used by another session", field, s);
			return -EEXIST;
		}
		/* The same port on another address of the interface: ports are the interface's. */
		if (a->pools[owner] != NULL && rtpp_port_pool_in_use(a->pools[owner], probe.port)) {
			snprintf(err, errlen,
				 "%s: port %u of interface %s is held by another session (an "
				 "interface's ports are shared by its addresses) or by one being "
				 "released",
				 field, probe.port, ic->name);
			return -EEXIST;
		}
	}
	return 0;
}

static int check_remote(const struct rtpp_admission *a, const char *field,
			const struct rtpp_endpoint *e, const struct rtpp_endpoint *local,
			uint16_t iface, struct rtpp_addr *nh, char *err, size_t errlen)
{
	const char *why = NULL;
	char s[RTPP_ENDPOINT_STRLEN];

	if (e->addr.family != local->addr.family) {
		why = "is not of the same family as its local endpoint";
	} else if (e->port == 0 || addr_unusable_remote(&e->addr)) {
		why = "is not a unicast address and port";
	} else if (rtpp_config_iface_owning(a->cfg, &e->addr) >= 0) {
		/* Itself or another session's local endpoint: media would loop or hairpin. */
		why = "is an address of the proxy, not a peer";
	} else if (!rtpp_config_remote_allowed(a->cfg, &e->addr)) {
		/* Before the route: a refused remote tells the client nothing about our links. */
		char addr[RTPP_ADDR_STRLEN];

		snprintf(err, errlen, "%s: %s is not in " RTPP_ALLOWED_REMOTES_FIELD, field,
			 rtpp_addr_format(&e->addr, addr, sizeof(addr)));
		return -EACCES;
	} else if (next_hop(&a->cfg->ifaces[iface], &e->addr, nh) == 0) {
		return 0;
	}
	/* Formatted only for an error: snprintf was a few % of each create. */
	rtpp_endpoint_format(e, s, sizeof(s));
	if (why != NULL) {
		snprintf(err, errlen, "%s: %s %s", field, s, why);
		return -EINVAL;
	}
	snprintf(err, errlen, "%s: %s is not on-link of interface %s and it has no gateway%s",
		 field, s, iface_name(a, iface), e->addr.family == RTPP_AF_INET ? "4" : "6");
	return -ENETUNREACH;
}

int rtpp_admission_remote(const struct rtpp_admission *a, const char *field,
			  const struct rtpp_endpoint *remote, const struct rtpp_endpoint *local,
			  uint16_t iface, struct rtpp_addr *nh, char *err, size_t errlen)
{
	if (a->cfg == NULL) {
		/* Detached (tests, bench): every remote is on-link and allowed. */
		if (remote->addr.family != local->addr.family || remote->port == 0 ||
		    addr_unusable_remote(&remote->addr)) {
			snprintf(err, errlen, "%s: not a unicast address and port of the family",
				 field);
			return -EINVAL;
		}
		*nh = remote->addr;
		return 0;
	}
	return check_remote(a, field, remote, local, iface, nh, err, errlen);
}

int rtpp_admission_expected(const struct rtpp_admission *a, const char *field,
			    const struct rtpp_addr *expected, const struct rtpp_endpoint *local,
			    char *err, size_t errlen)
{
	char s[RTPP_ADDR_STRLEN];

	if (expected->family == RTPP_AF_NONE)
		return 0;
	if (expected->family != local->addr.family || addr_unusable_remote(expected)) {
		snprintf(err, errlen,
			 "%s: %s is not a unicast address of the local endpoint's family", field,
			 rtpp_addr_format(expected, s, sizeof(s)));
		return -EINVAL;
	}
	if (a->cfg != NULL && rtpp_config_iface_owning(a->cfg, expected) >= 0) {
		snprintf(err, errlen, "%s: %s is an address of the proxy, not a peer", field,
			 rtpp_addr_format(expected, s, sizeof(s)));
		return -EINVAL;
	}
	if (a->cfg != NULL && !rtpp_config_remote_allowed(a->cfg, expected)) {
		snprintf(err, errlen, "%s: %s is not in " RTPP_ALLOWED_REMOTES_FIELD, field,
			 rtpp_addr_format(expected, s, sizeof(s)));
		return -EACCES;
	}
	return 0;
}

int rtpp_admission_check(const struct rtpp_admission *a, const struct rtpp_session_request *req,
			 struct rtpp_admitted *out, char *err, size_t errlen)
{
	int rc;

	memset(out, 0, sizeof(*out));
	out->local[RTPP_LEG_A] = req->listen;
	out->local[RTPP_LEG_B] = req->forward;
	rc = check_local(a, "listen", &req->listen, req->rtcp, &out->iface[RTPP_LEG_A], err, errlen);
	if (rc == 0)
		rc = check_local(a, "forward", &req->forward, req->rtcp, &out->iface[RTPP_LEG_B],
				 err, errlen);
	if (rc == 0 && rtpp_endpoint_equal(&req->listen, &req->forward)) {
		snprintf(err, errlen, "forward: must differ from listen");
		rc = -EINVAL;
	}
	if (rc == 0)
		rc = check_remote(a, "destination", &req->destination, &req->forward,
				  out->iface[RTPP_LEG_B], &out->next_hop[RTPP_LEG_B], err, errlen);
	out->has_remote[RTPP_LEG_B] = rc == 0;
	if (rc == 0 && rtpp_addr_is_set(&req->source.addr)) {
		struct rtpp_endpoint source = req->source;

		/* A TCP client's port is ephemeral: source port 0 lets any port of it connect. */
		if (req->protocol == RTPP_PROTO_TCP && source.port == 0)
			source.port = 1;
		rc = check_remote(a, "source", &source, &req->listen, out->iface[RTPP_LEG_A],
				  &out->next_hop[RTPP_LEG_A], err, errlen);
		out->has_remote[RTPP_LEG_A] = rc == 0;
	}
	if (rc == 0 && rtpp_addr_is_set(&req->source.addr) &&
	    req->expected[RTPP_LEG_A].family != RTPP_AF_NONE) {
		snprintf(err, errlen,
			 "source_expected_address: excludes source (source is the remote itself)");
		rc = -EINVAL;
	}
	if (rc == 0)
		rc = rtpp_admission_expected(a, "source_expected_address",
					     &req->expected[RTPP_LEG_A], &req->listen, err, errlen);
	return rc;
}

int rtpp_admission_take_ports(struct rtpp_admission *a, struct rtpp_admitted *ad, bool rtcp,
			      char *err, size_t errlen)
{
	static const char *const fields[RTPP_LEGS_PER_SESSION] = { "listen", "forward" };

	for (unsigned int l = 0; l < RTPP_LEGS_PER_SESSION; l++) {
		struct rtpp_port_pool *pool = a->pools[ad->iface[l]];
		uint16_t port = ad->local[l].port;
		int rc = 0;

		if (pool == NULL) {
			if (port == 0)
				rc = -ENOSPC;
		} else if (port == 0) {
			rc = rtpp_port_pool_alloc(pool, rtcp);
			if (rc > 0) {
				ad->local[l].port = (uint16_t)rc;
				rc = 0;
			}
		} else if (rtpp_port_pool_covers(pool, port)) {
			rc = rtpp_port_pool_reserve(pool, port, rtcp);
			if (rc == -ERANGE) /* RTCP's port+1 is past the range: hold the RTP port */
				rc = rtpp_port_pool_reserve(pool, port, false);
		}
		/* A port outside the range is not the pool's: nothing to hold or release. */
		if (rc == 0)
			continue;
		if (rc == -ENOSPC)
			snprintf(err, errlen, "%s: no free port left on interface %s", fields[l],
				 iface_name(a, ad->iface[l]));
		else
			snprintf(err, errlen, "%s: port %u is being released by a destroyed session",
				 fields[l], port);
		if (l == RTPP_LEG_B)
			rtpp_admission_release_port(a, ad->iface[RTPP_LEG_A],
						    ad->local[RTPP_LEG_A].port, rtcp);
		return rc == -ENOSPC ? -ENOSPC : -EEXIST;
	}
	return 0;
}

void rtpp_admission_release_port(struct rtpp_admission *a, uint16_t iface, uint16_t port, bool rtcp)
{
	if (iface < RTPP_MAX_INTERFACES && a->pools[iface] != NULL && port != 0)
		rtpp_port_pool_release(a->pools[iface], port, rtcp);
}
