/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer: the YAML loader and every check of the configuration. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rtpp_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rtpp_config *cfg = NULL;
	char err[RTPP_CONFIG_ERR_LEN];

	if (rtpp_config_load_string((const char *)data, size, "fuzz.yaml", &cfg, err, sizeof(err)) ==
	    0)
		rtpp_config_free(cfg);
	return 0;
}
