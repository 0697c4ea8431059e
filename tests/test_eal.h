/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bring up a throw-away EAL for unit tests that need DPDK memory (rte_hash,
 * mempools, rings): no hugepages, no PCI, no shared files, no telemetry, so
 * tests run anywhere and never collide with a running proxy.
 */
#ifndef RTPP_TEST_EAL_H
#define RTPP_TEST_EAL_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <rte_eal.h>

/* EAL leaves an empty runtime directory per file prefix: remove ours at exit. */
static char rtpp_test_runtime_dir[PATH_MAX];

static inline void rtpp_test_remove_runtime_dir(void)
{
	if (rtpp_test_runtime_dir[0] != '\0')
		(void)rmdir(rtpp_test_runtime_dir);
}

static inline int rtpp_test_eal_init(const char *extra_vdev)
{
	char prefix[64];
	char vdev_arg[256];
	char *argv[16];
	int argc = 0;

	snprintf(prefix, sizeof(prefix), "--file-prefix=rtpp-unit-%d", (int)getpid());
	argv[argc++] = (char *)"unit-test";
	argv[argc++] = (char *)"--no-huge";
	argv[argc++] = (char *)"-m";
	argv[argc++] = (char *)"1024";
	argv[argc++] = (char *)"--no-pci";
	argv[argc++] = (char *)"--no-shconf";
	argv[argc++] = (char *)"--no-telemetry";
	argv[argc++] = (char *)"-l";
	argv[argc++] = (char *)"0";
	argv[argc++] = (char *)"--log-level=*:error";
	argv[argc++] = prefix;
	if (extra_vdev != NULL) {
		snprintf(vdev_arg, sizeof(vdev_arg), "--vdev=%s", extra_vdev);
		argv[argc++] = vdev_arg;
	}
	argv[argc] = NULL;
	if (rte_eal_init(argc, argv) < 0)
		return -1;
	snprintf(rtpp_test_runtime_dir, sizeof(rtpp_test_runtime_dir), "%s",
		 rte_eal_get_runtime_dir());
	atexit(rtpp_test_remove_runtime_dir);
	return 0;
}

#endif
