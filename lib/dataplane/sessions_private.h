/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Session lifecycle on the main lcore: admission, table insert and removal,
 * the resources a session holds (next-hop references, media ports) and
 * their release once no worker can still see the session.
 */
#ifndef RTPP_SESSIONS_PRIVATE_H
#define RTPP_SESSIONS_PRIVATE_H

#include <stdbool.h>

#include "dataplane_private.h"

/* Hook the session table's reclaim and admission's endpoint check to dp (at create). */
int rtpp_sessions_init(struct rtpp_dataplane *dp, char *err, size_t errlen);
void rtpp_sessions_fini(struct rtpp_dataplane *dp);

#endif
