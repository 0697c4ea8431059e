/* SPDX-License-Identifier: BSD-3-Clause */
/* The library's log type (DP_LOG in dataplane_private.h), apart so every file may use it. */
#include "dataplane_private.h"

RTE_LOG_REGISTER(rtpp_logtype_dataplane, rtpproxy.dataplane, INFO);
