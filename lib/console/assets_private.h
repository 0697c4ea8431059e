/* SPDX-License-Identifier: BSD-3-Clause */
/* The page's files, generated at build time by embed_assets.py (assets.c). */
#ifndef RTPP_CONSOLE_ASSETS_PRIVATE_H
#define RTPP_CONSOLE_ASSETS_PRIVATE_H

#include "rtpp_console.h"

extern const struct rtpp_console_asset rtpp_console_assets_table[];
extern const unsigned int rtpp_console_assets_count;

#endif
