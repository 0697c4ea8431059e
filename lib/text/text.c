/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdint.h>

#include "rtpp_text.h"

size_t rtpp_text_name_invalid_at(const char *name, size_t len)
{
	const unsigned char *p = (const unsigned char *)name;
	size_t i = 0;

	while (i < len) {
		unsigned char lead = p[i];
		unsigned int more;
		uint32_t cp;

		if (lead < 0x80) {
			if (lead <= ' ' || lead == 0x7f)
				return i;
			i++;
			continue;
		}
		/* 0x80..0xc1 never lead (continuations, overlong two-byte forms); 0xf5.. is too high. */
		if (lead >= 0xc2 && lead <= 0xdf) {
			more = 1;
			cp = lead & 0x1fu;
		} else if (lead >= 0xe0 && lead <= 0xef) {
			more = 2;
			cp = lead & 0x0fu;
		} else if (lead >= 0xf0 && lead <= 0xf4) {
			more = 3;
			cp = lead & 0x07u;
		} else {
			return i;
		}
		if (len - i <= more)
			return i;
		for (unsigned int k = 1; k <= more; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return i;
			cp = cp << 6 | (p[i + k] & 0x3fu);
		}
		if ((more == 2 && cp < 0x800) || (more == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp <= 0x9f /* C1 */)
			return i;
		i += more + 1;
	}
	return len;
}
