/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer: ARP and neighbour discovery snooping on any frame. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rtpp_neigh.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t frame[2048];
	struct rtpp_neigh_learn l;

	if (size > sizeof(frame))
		return 0;
	memcpy(frame, data, size); /* an exact-size copy: reads past the end are caught */
	(void)rtpp_neigh_snoop(frame, (uint32_t)size, &l);
	return 0;
}
