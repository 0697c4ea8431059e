/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ethdev ports: each configured interface's NIC port and its TAP exception
 * port, brought up at create and closed at destroy (main lcore). "Port" in
 * this library means an ethdev port only here and in port_id fields;
 * elsewhere it is a UDP port.
 */
#ifndef RTPP_ETHDEV_PRIVATE_H
#define RTPP_ETHDEV_PRIVATE_H

#include <stddef.h>

#include "dataplane_private.h"

/* Probe devices, allocate the mbuf pool, start NIC and TAP ports; -1 with err. */
int rtpp_ethdev_setup(struct rtpp_dataplane *dp, char *err, size_t errlen);
/* Stop and close every port set up, remove the TAPs, free the pool. */
void rtpp_ethdev_close(struct rtpp_dataplane *dp);

#endif
