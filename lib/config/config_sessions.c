/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Conversion layer of lib/config: the "sessions:" section, the static
 * sessions. Each session's endpoints and expected source are parsed and
 * checked against the interfaces and the policy already converted; then
 * names and local endpoints (with RTCP's port+1) must be unique across all
 * sessions. It calls the shared converters (config_convert.c), the error
 * layer (config_error.c), the queries (config_query.c) and lib/addr; only
 * config_validate.c calls it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert_private.h"
#include "error_private.h"
#include "raw_private.h"
#include "rtpp_config.h"
#include "rtpp_text.h"
#include "sections_private.h"

static int convert_endpoint(const struct config_source *src, const char *base, const char *key,
			    const char *text, struct rtpp_endpoint *out)
{
	if (rtpp_endpoint_parse(text, out) != 0)
		return config_fail_field(src, base, key,
					 QUOTED " is not an endpoint (ADDRESS:PORT or [IPv6]:PORT)",
					 text);
	return 0;
}

/* listen and forward: an address of ours, a port (and RTCP's port+1) in its range. */
static int check_local_endpoint(const struct config_source *src, const struct rtpp_config *cfg,
				const char *base, const char *key,
				const struct rtpp_endpoint *endpoint, bool rtcp)
{
	int owner = rtpp_config_iface_owning(cfg, &endpoint->addr);
	char addr[RTPP_ADDR_STRLEN];
	const struct rtpp_iface_config *iface;

	if (owner < 0)
		return config_fail_field(src, base, key, "%s is not an address of any interface",
					 rtpp_addr_format(&endpoint->addr, addr, sizeof(addr)));
	iface = &cfg->ifaces[owner];
	if (endpoint->port < iface->port_min || endpoint->port > iface->port_max)
		return config_fail_field(src, base, key,
					 "port %u is outside the media ports %u-%u of interfaces[%d] (%s)",
					 endpoint->port, iface->port_min, iface->port_max, owner,
					 iface->name);
	if (rtcp && endpoint->port + 1u > iface->port_max)
		return config_fail_field(src, base, key,
					 "RTCP port %u (port+1) is outside the media ports %u-%u of interfaces[%d] (%s)",
					 endpoint->port + 1u, iface->port_min, iface->port_max,
					 owner, iface->name);
	return 0;
}

/* destination and source: a peer we can send to. */
static int check_remote_endpoint(const struct config_source *src, const char *base, const char *key,
				 const struct rtpp_endpoint *endpoint, bool rtcp)
{
	char text[RTPP_ENDPOINT_STRLEN];

	rtpp_endpoint_format(endpoint, text, sizeof(text));
	if (config_check_unicast(src, base, key, text, &endpoint->addr, "a usable peer") != 0)
		return -1;
	if (endpoint->port == 0)
		return config_fail_field(src, base, key, "%s has port 0, not a usable peer", text);
	if (rtcp && endpoint->port == PORT_HIGHEST)
		return config_fail_field(src, base, key,
					 "%s uses port %u: no port+1 is left for RTCP", text,
					 PORT_HIGHEST);
	return 0;
}

/*
 * The remotes of a static session (destination, source, expected_source)
 * fall under the same policy as the API's.
 */
static int check_remote_allowed(const struct config_source *src, const struct rtpp_config *cfg,
				const char *base, const char *key, const struct rtpp_addr *remote)
{
	char addr[RTPP_ADDR_STRLEN];
	int self = rtpp_config_iface_owning(cfg, remote);

	/* The proxy itself as a peer: media would loop through it or hairpin into a session. */
	if (self >= 0)
		return config_fail_field(src, base, key,
					 "%s is an address of the proxy (interface %s), not a peer",
					 rtpp_addr_format(remote, addr, sizeof(addr)),
					 cfg->ifaces[self].name);
	if (rtpp_config_remote_allowed(cfg, remote))
		return 0;
	return config_fail_field(src, base, key, "%s is not in " RTPP_ALLOWED_REMOTES_FIELD,
				 rtpp_addr_format(remote, addr, sizeof(addr)));
}

static int check_same_family(const struct config_source *src, const char *base, const char *key,
			     const struct rtpp_addr *addr, const char *other_key,
			     const struct rtpp_addr *other)
{
	if (addr->family == other->family)
		return 0;
	return config_fail_field(src, base, key, "%s %s does not match the %s %s address",
				 config_family_name(addr->family), key,
				 config_family_name(other->family), other_key);
}

/*
 * expected_source: the address (no port: NATs change it) leg A's remote is
 * to be learnt from, as the SDP announces it for an API session. A given
 * source leaves nothing to learn, so the two exclude each other.
 */
static int convert_expected_source(const struct config_source *src, const struct rtpp_config *cfg,
				   const char *base, const struct raw_session *raw,
				   struct rtpp_static_session_config *session)
{
	const char *text = raw->expected_source;
	char shown[RTPP_ADDR_STRLEN];

	if (text == NULL)
		return 0; /* family NONE: learn from any source */
	if (raw->source != NULL)
		return config_fail_field(src, base, "expected_source",
					 "expected_source and source exclude each other: source is "
					 "the remote itself");
	if (rtpp_addr_parse(text, &session->expected_source) != 0)
		return config_fail_field(src, base, "expected_source",
					 QUOTED " is not an address (no port; IPv6 without brackets)",
					 text);
	rtpp_addr_format(&session->expected_source, shown, sizeof(shown));
	if (config_check_unicast(src, base, "expected_source", shown, &session->expected_source,
				 "a usable peer") != 0 ||
	    check_same_family(src, base, "expected_source", &session->expected_source, "listen",
			      &session->listen.addr) != 0 ||
	    check_remote_allowed(src, cfg, base, "expected_source", &session->expected_source) != 0)
		return -1;
	return 0;
}

static int convert_session_name(const struct config_source *src, const char *base, unsigned int index,
				const char *text, char name[RTPP_SESSION_NAME_MAX])
{
	size_t len;

	if (text == NULL) {
		snprintf(name, RTPP_SESSION_NAME_MAX, "static-%u", index);
		return 0;
	}
	len = strlen(text);
	if (len == 0 || len >= RTPP_SESSION_NAME_MAX || rtpp_text_name_invalid_at(text, len) != len)
		return config_fail_field(src, base, "name",
					 QUOTED
					 " is not a valid name (1..%u bytes of UTF-8, no spaces or control characters)",
					 text, RTPP_SESSION_NAME_MAX - 1);
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
	if (config_convert_bool(src, base, "rtcp", raw->rtcp, &session->rtcp) != 0 ||
	    convert_session_name(src, base, index, raw->name, session->name) != 0 ||
	    convert_endpoint(src, base, "listen", raw->listen, &session->listen) != 0 ||
	    check_local_endpoint(src, cfg, base, "listen", &session->listen, session->rtcp) != 0 ||
	    convert_endpoint(src, base, "forward", raw->forward, &session->forward) != 0 ||
	    check_local_endpoint(src, cfg, base, "forward", &session->forward, session->rtcp) != 0)
		return -1;
	if (rtpp_endpoint_equal(&session->listen, &session->forward))
		return config_fail_field(src, base, "forward", "same endpoint as listen");
	if (convert_endpoint(src, base, "destination", raw->destination, &session->destination) != 0 ||
	    check_remote_endpoint(src, base, "destination", &session->destination, session->rtcp) !=
		    0 ||
	    check_same_family(src, base, "destination", &session->destination.addr, "forward",
			      &session->forward.addr) != 0 ||
	    check_remote_allowed(src, cfg, base, "destination", &session->destination.addr) != 0)
		return -1;
	/* Without source (family NONE) the listen side's remote is learnt. */
	if (raw->source != NULL &&
	    (convert_endpoint(src, base, "source", raw->source, &session->source) != 0 ||
	     check_remote_endpoint(src, base, "source", &session->source, session->rtcp) != 0 ||
	     check_same_family(src, base, "source", &session->source.addr, "listen",
			       &session->listen.addr) != 0 ||
	     check_remote_allowed(src, cfg, base, "source", &session->source.addr) != 0))
		return -1;
	return convert_expected_source(src, cfg, base, raw, session);
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
		return config_fail_field(src, "sessions", NULL, "out of memory");
	for (unsigned int i = 0; i < cfg->n_sessions; i++)
		uses[i] = (struct name_use){ .order = i, .name = cfg->sessions[i].name };
	qsort(uses, cfg->n_sessions, sizeof(*uses), compare_name_then_order);
	if (find_first_repeat(uses, cfg->n_sessions, sizeof(*uses), compare_name, &first, &repeat)) {
		unsigned long session = uses[repeat].order;

		snprintf(base, sizeof(base), "sessions[%lu]", session);
		/* A default name has no line of its own: point at the session. */
		rc = config_fail_field(src, base, raw->sessions[session].name != NULL ? "name" : NULL,
				       QUOTED " is already the name of sessions[%lu]",
				       uses[repeat].name, uses[first].order);
	}
	free(uses);
	return rc;
}

/* One local UDP endpoint a static session takes: RTP, or RTCP at port+1. */
struct endpoint_use {
	unsigned long order; /* session, then listen/forward, then RTP/RTCP */
	struct rtpp_endpoint endpoint;
	int iface; /* the interface owning its address: a port is the interface's */
	unsigned int session;
	bool is_forward;
	bool is_rtcp;
};

/* By interface and port: two addresses of one interface share its ports (its pool). */
static int compare_endpoint(const void *a, const void *b)
{
	const struct endpoint_use *x = a, *y = b;

	if (x->iface != y->iface)
		return x->iface - y->iface;
	return (int)x->endpoint.port - (int)y->endpoint.port;
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
				use->iface = rtpp_config_iface_owning(cfg, &use->endpoint.addr);
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
	char base[32], endpoint[RTPP_ENDPOINT_STRLEN], other[RTPP_ENDPOINT_STRLEN];
	size_t count, first = 0, repeat = 0;
	int rc = 0;

	if (uses == NULL)
		return config_fail_field(src, "sessions", NULL, "out of memory");
	count = collect_endpoint_uses(cfg, uses);
	qsort(uses, count, sizeof(*uses), compare_endpoint_then_order);
	if (find_first_repeat(uses, count, sizeof(*uses), compare_endpoint, &first, &repeat)) {
		const struct endpoint_use *later = &uses[repeat], *earlier = &uses[first];
		bool same_addr = rtpp_addr_equal(&later->endpoint.addr, &earlier->endpoint.addr);

		snprintf(base, sizeof(base), "sessions[%u]", later->session);
		rtpp_endpoint_format(&earlier->endpoint, other, sizeof(other));
		rc = config_fail_field(src, base, later->is_forward ? "forward" : "listen",
				       "%s%s is already used by %ssessions[%u].%s%s%s%s",
				       later->is_rtcp ? "RTCP port+1 " : "",
				       rtpp_endpoint_format(&later->endpoint, endpoint,
							    sizeof(endpoint)),
				       earlier->is_rtcp ? "the RTCP port+1 of " : "",
				       earlier->session, earlier->is_forward ? "forward" : "listen",
				       same_addr ? "" : " (", same_addr ? "" : other,
				       same_addr ?
					       "" :
					       ": an interface's ports are shared by its addresses)");
	}
	free(uses);
	return rc;
}

int config_convert_sessions(const struct config_source *src, const struct raw_config *raw,
			    struct rtpp_config *cfg)
{
	if (raw->sessions_count == 0)
		return 0;
	if (raw->sessions_count > cfg->dataplane.max_sessions)
		return config_fail_field(src, "sessions", NULL,
					 "%u static sessions exceed dataplane.max_sessions (%u)",
					 raw->sessions_count, cfg->dataplane.max_sessions);
	cfg->sessions = calloc(raw->sessions_count, sizeof(*cfg->sessions));
	if (cfg->sessions == NULL)
		return config_fail_field(src, "sessions", NULL, "out of memory");
	cfg->n_sessions = raw->sessions_count;
	for (unsigned int i = 0; i < cfg->n_sessions; i++)
		if (convert_session(src, cfg, i, &raw->sessions[i], &cfg->sessions[i]) != 0)
			return -1;
	if (check_unique_session_names(src, raw, cfg) != 0 ||
	    check_unique_local_endpoints(src, cfg) != 0)
		return -1;
	return 0;
}
