/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Text that the proxy takes from its users and hands back to others: what a
 * name may be. Plain C, no DPDK: the configuration and the API share it, so
 * that a name the YAML accepts the API accepts too, and the other way round.
 */
#ifndef RTPP_TEXT_H
#define RTPP_TEXT_H

#include <stddef.h>

/*
 * Where name[0..len) stops being a name: the offset of the first byte that
 * is not part of UTF-8 text (RFC 3629: no overlong form, no surrogate,
 * nothing above U+10FFFF) or that starts a space or a control character (C0,
 * space, DEL, C1). len when every byte is fine. Names go out in protobuf
 * strings, which strict proto3 clients refuse unless they are UTF-8: one bad
 * name would break every client that lists sessions or watches events.
 */
size_t rtpp_text_name_invalid_at(const char *name, size_t len);

#endif
