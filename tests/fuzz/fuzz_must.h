/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A harness's own rules, beside the sanitizers': when one does not hold, say
 * which (file, line, the condition) and abort, so that libFuzzer keeps the
 * input that led there as a finding.
 */
#ifndef RTPP_FUZZ_MUST_H
#define RTPP_FUZZ_MUST_H

#include <stdio.h>
#include <stdlib.h>

#define must(cond)                                                                                \
	do {                                                                                      \
		if (!(cond)) {                                                                    \
			fprintf(stderr, "%s:%d: does not hold: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                                  \
		}                                                                                 \
	} while (0)

#endif
