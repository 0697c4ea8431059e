/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * protobuf-c messages to and from JSON, for any message type, through
 * protobuf-c's descriptors: the HTTP endpoint's JSON is the gRPC API's
 * messages, field for field (docs/console.md). It follows the proto3 JSON
 * mapping, with these choices:
 *   - names: written as the .proto's field names ("packets_received");
 *     read as those or as their lowerCamelCase JSON names ("packetsReceived");
 *   - enums: written by value name ("SESSION_STATE_ACTIVE"; a number only
 *     for a value the .proto does not define); read by name or number, only
 *     values the enum defines;
 *   - 64-bit integers: written as decimal strings ("12"), as the mapping says
 *     (JavaScript's numbers end at 2^53); read from strings or numbers;
 *   - other integers and floats: numbers (read from strings too); NaN and
 *     the infinities as "NaN", "Infinity", "-Infinity"; doubles are written
 *     with 17 significant digits, so that every value reads back exactly;
 *   - bytes: standard base64 (URL-safe and unpadded base64 read too);
 *   - null reads as "not set"; a oneof writes its set member only;
 *   - a field the message does not have, a value of the wrong type or out of
 *     range, two members of one oneof, or a field given twice is refused
 *     with one line naming the field ("listen.port: ...").
 * Not supported (no message of this project uses them): map fields (they
 * read and write as arrays of {key, value} entries), well-known types
 * (Timestamp, Duration, wrappers, Any, Struct) with their special forms, and
 * extensions.
 *
 * Pure functions of their arguments; any thread.
 */
#ifndef RTPP_PBJSON_H
#define RTPP_PBJSON_H

#include <stddef.h>

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

/* Write fields at their default too (proto3 leaves them out): 0, false, "",
 * [] (a message field that is not set is still left out; a oneof still
 * writes its set member only). */
#define RTPP_PBJSON_EMIT_DEFAULTS 1u

/* msg as a JSON object (a new reference); NULL only when out of memory. */
json_t *rtpp_pbjson_to_json(const ProtobufCMessage *msg, unsigned int flags);

/* msg as compact JSON text, malloc'd and NUL-terminated; NULL when out of memory. */
char *rtpp_pbjson_encode(const ProtobufCMessage *msg, unsigned int flags);

/*
 * A JSON object into a new message of type desc (allocated with malloc:
 * free it with protobuf_c_message_free_unpacked(msg, NULL)). NULL with one
 * line in err, naming the field, when json does not fit the type.
 */
ProtobufCMessage *rtpp_pbjson_from_json(const ProtobufCMessageDescriptor *desc, const json_t *json,
					char *err, size_t errlen);

/* The same from JSON text (len bytes, no NUL needed); bad JSON is an error too. */
ProtobufCMessage *rtpp_pbjson_decode(const ProtobufCMessageDescriptor *desc, const char *text,
				     size_t len, char *err, size_t errlen);

#endif
