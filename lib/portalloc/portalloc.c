/* SPDX-License-Identifier: BSD-3-Clause */
#include "rtpp_portalloc.h"

#include <errno.h>
#include <stdlib.h>

struct rtpp_port_pool {
	uint16_t min, max;
	uint32_t in_use;
	uint32_t cursor;        /* next even port to try, relative to min */
	uint64_t bits[1024];    /* one bit per port 0..65535, set = in use */
};

static bool taken(const struct rtpp_port_pool *p, uint32_t port)
{
	return (p->bits[port / 64] >> (port % 64)) & 1;
}

static void set(struct rtpp_port_pool *p, uint32_t port, bool on)
{
	if (on)
		p->bits[port / 64] |= 1ULL << (port % 64);
	else
		p->bits[port / 64] &= ~(1ULL << (port % 64));
}

struct rtpp_port_pool *rtpp_port_pool_create(uint16_t min, uint16_t max)
{
	struct rtpp_port_pool *p;

	if (min == 0 || min > max)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	p->min = min;
	p->max = max;
	return p;
}

void rtpp_port_pool_free(struct rtpp_port_pool *p)
{
	free(p);
}

bool rtpp_port_pool_covers(const struct rtpp_port_pool *p, uint16_t port)
{
	return port >= p->min && port <= p->max;
}

bool rtpp_port_pool_in_use(const struct rtpp_port_pool *p, uint16_t port)
{
	return taken(p, port);
}

int rtpp_port_pool_reserve(struct rtpp_port_pool *p, uint16_t port, bool pair)
{
	uint32_t last = (uint32_t)port + (pair ? 1u : 0u);

	if (port < p->min || last > p->max)
		return -ERANGE;
	for (uint32_t q = port; q <= last; q++)
		if (taken(p, q))
			return -EEXIST;
	for (uint32_t q = port; q <= last; q++)
		set(p, q, true);
	p->in_use += last - port + 1;
	return 0;
}

int rtpp_port_pool_alloc(struct rtpp_port_pool *p, bool pair)
{
	uint32_t first_even = p->min + (p->min & 1u);
	uint32_t span = p->max >= first_even ? p->max - first_even + 1 : 0;
	uint32_t evens = (span + 1) / 2;

	for (uint32_t tried = 0; tried < evens; tried++) {
		uint32_t port = first_even + 2 * ((p->cursor + tried) % evens);

		if (pair && port + 1 > p->max)
			continue;
		if (rtpp_port_pool_reserve(p, (uint16_t)port, pair) == 0) {
			p->cursor = (p->cursor + tried + 1) % evens;
			return (int)port;
		}
	}
	return -ENOSPC;
}

void rtpp_port_pool_release(struct rtpp_port_pool *p, uint16_t port, bool pair)
{
	uint32_t last = (uint32_t)port + (pair ? 1u : 0u);

	for (uint32_t q = port; q <= last; q++) {
		if (q < p->min || q > p->max || !taken(p, q))
			continue;
		set(p, q, false);
		p->in_use--;
	}
}

uint32_t rtpp_port_pool_free_count(const struct rtpp_port_pool *p)
{
	return (uint32_t)(p->max - p->min + 1) - p->in_use;
}
