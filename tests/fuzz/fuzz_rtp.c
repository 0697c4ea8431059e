/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer: what the worker does with a UDP payload: classification (RTP,
 * RTCP, STUN, DTLS, ZRTP, on an RTP or an RTCP port), RTCP parsing, and the
 * loss and jitter state fed from RTP headers. The first byte picks the port
 * kind; the rest is the payload.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rtpp_rtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rtpp_rtp_seq seq;
	static struct rtpp_rtp_jitter jitter;
	static uint64_t tsc = 1;
	struct rtpp_rtcp_info info;

	if (size < 1)
		return 0;
	bool rtcp_port = data[0] & 1;
	const uint8_t *p = data + 1;
	uint32_t len = (uint32_t)(size - 1);

	switch (rtpp_media_classify(p, len, rtcp_port)) {
	case RTPP_MEDIA_RTP:
		rtpp_rtp_seq_update(&seq, rtpp_rtp_seq_of(p));
		tsc += 1000u + (data[0] >> 1) * 997u;
		rtpp_rtp_jitter_update(&jitter, rtpp_rtp_pt_of(p), rtpp_rtp_ssrc_of(p),
				       rtpp_rtp_ts_of(p), tsc, data[0] & 2 ? 13194139 : 0);
		break;
	case RTPP_MEDIA_RTCP:
		(void)rtpp_rtcp_parse(p, len, &info);
		break;
	default:
		break;
	}
	return 0;
}
