/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness for lib/pbjson, the JSON the web console takes from the
 * network (POST and PATCH bodies) as the API's messages. The first byte
 * picks the message type; the rest is the JSON text. Beside the sanitizers,
 * it holds the converter to its own rules:
 *   - a refusal is one line naming what is wrong, never an empty message;
 *   - what was taken writes back to JSON that reads again into the very same
 *     message (compared packed, byte for byte), with and without defaults.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_must.h"
#include "rtpp_pbjson.h"
#include "rtpproxy.pb-c.h"

static const ProtobufCMessageDescriptor *const types[] = {
	&rtpproxy__create_session_request__descriptor,
	&rtpproxy__update_session_request__descriptor,
	&rtpproxy__list_sessions_request__descriptor,
	&rtpproxy__session_status__descriptor,
};

static uint8_t *pack(const ProtobufCMessage *m, size_t *len)
{
	uint8_t *buf;

	*len = protobuf_c_message_get_packed_size(m);
	buf = malloc(*len + 1);
	must(buf != NULL);
	must(protobuf_c_message_pack(m, buf) == *len);
	return buf;
}

static void round_trip(const ProtobufCMessageDescriptor *desc, const ProtobufCMessage *m,
		       unsigned int flags)
{
	char err[256] = "";
	char *text = rtpp_pbjson_encode(m, flags);
	ProtobufCMessage *again;
	uint8_t *a, *b;
	size_t alen, blen;

	must(text != NULL);
	again = rtpp_pbjson_decode(desc, text, strlen(text), err, sizeof(err));
	if (again == NULL)
		fprintf(stderr, "what was written does not read back: %s\n%s\n", err, text);
	must(again != NULL);
	a = pack(m, &alen);
	b = pack(again, &blen);
	must(alen == blen && memcmp(a, b, alen) == 0);
	free(a);
	free(b);
	free(text);
	protobuf_c_message_free_unpacked(again, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const ProtobufCMessageDescriptor *desc;
	ProtobufCMessage *m;
	char err[256] = "";

	if (size < 1)
		return 0;
	desc = types[data[0] % (sizeof(types) / sizeof(types[0]))];
	m = rtpp_pbjson_decode(desc, (const char *)data + 1, size - 1, err, sizeof(err));
	if (m == NULL) {
		must(err[0] != '\0' && strchr(err, '\n') == NULL);
		return 0;
	}
	round_trip(desc, m, 0);
	round_trip(desc, m, RTPP_PBJSON_EMIT_DEFAULTS);
	protobuf_c_message_free_unpacked(m, NULL);
	return 0;
}
