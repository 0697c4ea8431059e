/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Media port pool of one interface: which ports of its configured range are
 * in use, whatever the address of the interface a session has them on (the
 * range is the interface's; so are its ports). RTP takes an even port and RTCP the odd one above it, so requests
 * for allocation get such a pair. Allocation rotates through the range
 * rather than reusing the port just freed, so late packets of an old call do
 * not land in a new one. Control path only (main lcore).
 */
#ifndef RTPP_PORTALLOC_H
#define RTPP_PORTALLOC_H

#include <stdbool.h>
#include <stdint.h>

struct rtpp_port_pool;

struct rtpp_port_pool *rtpp_port_pool_create(uint16_t min, uint16_t max);
void rtpp_port_pool_free(struct rtpp_port_pool *p);

/* Is port inside the pool's range? */
bool rtpp_port_pool_covers(const struct rtpp_port_pool *p, uint16_t port);
/* Is port held (reserved or allocated, and not released)? */
bool rtpp_port_pool_in_use(const struct rtpp_port_pool *p, uint16_t port);
/* Take port (and port+1 when pair): 0, -EEXIST when taken, -ERANGE outside the range. */
int rtpp_port_pool_reserve(struct rtpp_port_pool *p, uint16_t port, bool pair);
/* Allocate: an even port (with its odd neighbour when pair). Returns it, or -ENOSPC. */
int rtpp_port_pool_alloc(struct rtpp_port_pool *p, bool pair);
/* Give back what reserve/alloc took; ports outside the range are ignored. */
void rtpp_port_pool_release(struct rtpp_port_pool *p, uint16_t port, bool pair);
/* Ports of the range not in use. */
uint32_t rtpp_port_pool_free_count(const struct rtpp_port_pool *p);

#endif
