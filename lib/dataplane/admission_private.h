/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Admission: may a requested session exist, and with which local ports?
 * Checks a request's endpoints against the configuration (which interface
 * owns each local address, next hops toward the remotes, the policy) and
 * the sessions that already hold endpoints, and takes the UDP media ports
 * from the interfaces' pools. Plain C on plain data: no DPDK, no lock, so
 * it is tested without an EAL. The caller (sessions.c) serialises calls.
 *
 * Errors: a negative errno and one line in err naming the request's field,
 * as rtpp_dataplane_session_create() documents them.
 */
#ifndef RTPP_ADMISSION_PRIVATE_H
#define RTPP_ADMISSION_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtpp_addr.h"
#include "rtpp_config.h"
#include "rtpp_portalloc.h"
#include "rtpp_session_types.h"

/* Is a local endpoint (an RTP port or its RTCP port+1) held by a session? */
typedef bool (*rtpp_admission_taken_fn)(void *ctx, const struct rtpp_endpoint *local);

struct rtpp_admission {
	const struct rtpp_config *cfg; /* NULL: no address is the proxy's (detached) */
	unsigned int n_ifaces;
	/* UDP media port pool of each interface ([iface]); NULL: no range. */
	struct rtpp_port_pool *pools[RTPP_MAX_INTERFACES];
	rtpp_admission_taken_fn taken;
	void *taken_ctx;
};

/* What admission decided for one request, per leg (RTPP_LEG_*). */
struct rtpp_admitted {
	uint16_t iface[RTPP_LEGS_PER_SESSION];
	struct rtpp_endpoint local[RTPP_LEGS_PER_SESSION]; /* ports set by take_ports */
	bool has_remote[RTPP_LEGS_PER_SESSION];
	struct rtpp_addr next_hop[RTPP_LEGS_PER_SESSION]; /* when has_remote */
};

/* Pools for every configured interface; -1 with err when one cannot be held. */
int rtpp_admission_init(struct rtpp_admission *a, const struct rtpp_config *cfg,
			unsigned int n_ifaces, rtpp_admission_taken_fn taken, void *taken_ctx,
			char *err, size_t errlen);
void rtpp_admission_fini(struct rtpp_admission *a);

/*
 * Check a request: local endpoints owned by an interface and free, remotes
 * unicast, of the local family, inside the policy and reachable. Fills out
 * (local ports as asked, 0 = to allocate). Takes nothing.
 */
int rtpp_admission_check(const struct rtpp_admission *a, const struct rtpp_session_request *req,
			 struct rtpp_admitted *out, char *err, size_t errlen);
/*
 * May a leg whose local endpoint is on iface send to remote (a learnt or an
 * updated remote)? Its next hop goes to *nh. Errors as for check; field
 * names the remote in the message.
 */
int rtpp_admission_remote(const struct rtpp_admission *a, const char *field,
			  const struct rtpp_endpoint *remote, const struct rtpp_endpoint *local,
			  uint16_t iface, struct rtpp_addr *nh, char *err, size_t errlen);
/* Is expected (family NONE: none) a fit expected address for a leg on local? */
int rtpp_admission_expected(const struct rtpp_admission *a, const char *field,
			    const struct rtpp_addr *expected, const struct rtpp_endpoint *local,
			    char *err, size_t errlen);
/*
 * Reserve both legs' local ports in their pools (those inside the range),
 * allocating an even port (+1 for RTCP) where 0 was asked for. All or
 * nothing: -ENOSPC (pool empty) or -EEXIST (port held or being released).
 */
int rtpp_admission_take_ports(struct rtpp_admission *a, struct rtpp_admitted *ad, bool rtcp,
			      char *err, size_t errlen);
/* Give back what take_ports took for one local endpoint (a port outside the range is a no-op). */
void rtpp_admission_release_port(struct rtpp_admission *a, uint16_t iface, uint16_t port, bool rtcp);

#endif
