/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/pbjson: protobuf-c messages to and from JSON. Messages of every field
 * type come from tests/data/pbjson/ (alltypes.proto, legacy.proto); the
 * API's own messages are checked too: the console sends and receives them.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "alltypes.pb-c.h"
#include "legacy.pb-c.h"
#include "rtpp_pbjson.h"
#include "rtpproxy.pb-c.h"

#define ALL (&pbjsontest__all_types__descriptor)

static char err[256];

static Pbjsontest__AllTypes *decode(const char *json)
{
	return (Pbjsontest__AllTypes *)rtpp_pbjson_decode(ALL, json, strlen(json), err, sizeof(err));
}

/* json must be refused with exactly this message. */
static void refused(const char *json, const char *why)
{
	Pbjsontest__AllTypes *m = decode(json);

	if (m != NULL) {
		protobuf_c_message_free_unpacked(&m->base, NULL);
		fail_msg("accepted: %s", json);
	}
	assert_string_equal(err, why);
}

/* The serialized bytes of a message: equal bytes, equal messages. */
static uint8_t *packed(const ProtobufCMessage *m, size_t *len)
{
	uint8_t *buf;

	*len = protobuf_c_message_get_packed_size(m);
	buf = malloc(*len + 1);
	assert_non_null(buf);
	protobuf_c_message_pack(m, buf);
	return buf;
}

static void assert_same_message(const ProtobufCMessage *a, const ProtobufCMessage *b)
{
	size_t la, lb;
	uint8_t *pa = packed(a, &la), *pb = packed(b, &lb);

	assert_int_equal(la, lb);
	assert_memory_equal(pa, pb, la);
	free(pa);
	free(pb);
}

static void assert_contains(const char *text, const char *part)
{
	if (strstr(text, part) == NULL)
		fail_msg("\"%s\" is not in %s", part, text);
}

/* Every field set, extremes included: to JSON and back gives the same message. */
static void test_round_trip_every_type(void **state)
{
	Pbjsontest__Inner grandchild = PBJSONTEST__INNER__INIT, child = PBJSONTEST__INNER__INIT;
	Pbjsontest__Inner r0 = PBJSONTEST__INNER__INIT, r1 = PBJSONTEST__INNER__INIT;
	Pbjsontest__Inner *rs[] = { &r0, &r1 };
	Pbjsontest__AllTypes m = PBJSONTEST__ALL_TYPES__INIT, *back;
	int32_t i32[] = { INT32_MIN, -1, 0, INT32_MAX };
	int64_t i64[] = { INT64_MIN, -1, 0, INT64_MAX };
	uint32_t u32[] = { 0, 1, UINT32_MAX };
	uint64_t u64[] = { 0, 9007199254740993ull, UINT64_MAX }; /* 2^53 + 1: not a double */
	float fl[] = { -1.5f, 0.1f, 3.4028235e38f };
	double db[] = { -2.5, 0.1, 1e-300, 1.7976931348623157e308 };
	protobuf_c_boolean bo[] = { 1, 0, 1 };
	char *strs[] = { "", "a\"b\\c", "\xc3\xa9t\xc3\xa9", "tab\there\nline" };
	uint8_t raw0[] = { 0x00, 0xff, 0x10 }, raw1[] = { 0xfb, 0xef };
	ProtobufCBinaryData bys[] = { { sizeof(raw0), raw0 }, { sizeof(raw1), raw1 }, { 0, NULL } };
	Pbjsontest__Colour en[] = { PBJSONTEST__COLOUR__COLOUR_GREEN,
				    PBJSONTEST__COLOUR__COLOUR_NEGATIVE,
				    PBJSONTEST__COLOUR__COLOUR_UNSPECIFIED };
	char *text;

	(void)state;
	grandchild.label = "leaf";
	child.label = "child";
	child.count = 2;
	child.child = &grandchild;
	r0.label = "r0";
	r1.count = 11;
	m.f_int32 = INT32_MIN;
	m.f_int64 = INT64_MIN;
	m.f_uint32 = UINT32_MAX;
	m.f_uint64 = UINT64_MAX;
	m.f_sint32 = -7;
	m.f_sint64 = -9000000000ll;
	m.f_fixed32 = 4000000000u;
	m.f_fixed64 = 18000000000000000000ull;
	m.f_sfixed32 = -12;
	m.f_sfixed64 = -123456789012345ll;
	m.f_float = 0.1f;
	m.f_double = 0.30000000000000004;
	m.f_bool = 1;
	m.f_string = "call-\xe9\x80\x9a";
	m.f_bytes = (ProtobufCBinaryData){ sizeof(raw0), raw0 };
	m.f_enum = PBJSONTEST__COLOUR__COLOUR_RED;
	m.f_inner = &child;
	m.n_r_int32 = m.n_r_sint32 = m.n_r_sfixed32 = 4;
	m.r_int32 = m.r_sint32 = m.r_sfixed32 = i32;
	m.n_r_int64 = m.n_r_sint64 = m.n_r_sfixed64 = 4;
	m.r_int64 = m.r_sint64 = m.r_sfixed64 = i64;
	m.n_r_uint32 = m.n_r_fixed32 = 3;
	m.r_uint32 = m.r_fixed32 = u32;
	m.n_r_uint64 = m.n_r_fixed64 = 3;
	m.r_uint64 = m.r_fixed64 = u64;
	m.n_r_float = 3;
	m.r_float = fl;
	m.n_r_double = 4;
	m.r_double = db;
	m.n_r_bool = 3;
	m.r_bool = bo;
	m.n_r_string = 4;
	m.r_string = strs;
	m.n_r_bytes = 3;
	m.r_bytes = bys;
	m.n_r_enum = 3;
	m.r_enum = en;
	m.n_r_inner = 2;
	m.r_inner = rs;
	m.choice_case = PBJSONTEST__ALL_TYPES__CHOICE_CHOICE_INNER;
	m.choice_inner = &r0;

	text = rtpp_pbjson_encode(&m.base, 0);
	assert_non_null(text);
	/* The mapping's forms: 64-bit as strings, enums by name, bytes as base64. */
	assert_contains(text, "\"f_int64\":\"-9223372036854775808\"");
	assert_contains(text, "\"f_uint64\":\"18446744073709551615\"");
	assert_contains(text, "\"f_int32\":-2147483648");
	assert_contains(text, "\"f_uint32\":4294967295");
	assert_contains(text, "\"f_enum\":\"COLOUR_RED\"");
	assert_contains(text, "\"f_bytes\":\"AP8Q\"");
	assert_contains(text, "\"r_bytes\":[\"AP8Q\",\"++8=\",\"\"]");
	assert_contains(text,
			"\"r_enum\":[\"COLOUR_GREEN\",\"COLOUR_NEGATIVE\",\"COLOUR_UNSPECIFIED\"]");
	assert_contains(text, "\"r_uint64\":[\"0\",\"9007199254740993\",\"18446744073709551615\"]");
	assert_contains(text,
			"\"f_inner\":{\"label\":\"child\",\"count\":2,\"child\":{\"label\":\"leaf\"}}");
	assert_contains(text, "\"choice_inner\":{\"label\":\"r0\"}");
	assert_contains(text, "\"r_string\":[\"\",\"a\\\"b\\\\c\",");

	back = decode(text);
	assert_non_null(back);
	assert_same_message(&m.base, &back->base);
	assert_true(back->f_float == 0.1f);
	assert_true(back->f_double == 0.30000000000000004);
	assert_int_equal(back->r_uint64[1], 9007199254740993ull);
	protobuf_c_message_free_unpacked(&back->base, NULL);
	free(text);
}

static void test_defaults(void **state)
{
	Pbjsontest__AllTypes m = PBJSONTEST__ALL_TYPES__INIT;
	char *text;

	(void)state;
	text = rtpp_pbjson_encode(&m.base, 0);
	assert_string_equal(text, "{}"); /* proto3: defaults left out */
	free(text);
	text = rtpp_pbjson_encode(&m.base, RTPP_PBJSON_EMIT_DEFAULTS);
	assert_contains(text, "\"f_int32\":0,");
	assert_contains(text, "\"f_int64\":\"0\"");
	assert_contains(text, "\"f_bool\":false");
	assert_contains(text, "\"f_string\":\"\"");
	assert_contains(text, "\"f_bytes\":\"\"");
	assert_contains(text, "\"f_enum\":\"COLOUR_UNSPECIFIED\"");
	assert_contains(text, "\"r_inner\":[]");
	assert_null(strstr(text, "f_inner")); /* a message not set stays out */
	assert_null(strstr(text, "choice"));  /* so does a oneof not set */
	free(text);
	/* -0.0 is not the default: written. */
	m.f_double = -0.0;
	text = rtpp_pbjson_encode(&m.base, 0);
	assert_string_equal(text, "{\"f_double\":-0.0}");
	free(text);
}

static void test_numbers_from_json(void **state)
{
	Pbjsontest__AllTypes *m;

	(void)state;
	/* Integers as numbers or strings, 64-bit ones too; integral reals. */
	m = decode(
		"{\"f_int32\":\"-5\",\"f_int64\":-9007199254740991,\"f_uint32\":\"4294967295\","
		"\"f_uint64\":\"18446744073709551615\",\"f_sint32\":1e3,\"f_fixed64\":42,"
		"\"f_sfixed64\":\"-9223372036854775808\",\"f_fixed32\":7.0}");
	assert_non_null(m);
	assert_int_equal(m->f_int32, -5);
	assert_int_equal(m->f_int64, -9007199254740991ll);
	assert_int_equal(m->f_uint32, UINT32_MAX);
	assert_true(m->f_uint64 == UINT64_MAX);
	assert_int_equal(m->f_sint32, 1000);
	assert_int_equal(m->f_fixed64, 42);
	assert_true(m->f_sfixed64 == INT64_MIN);
	assert_int_equal(m->f_fixed32, 7);
	protobuf_c_message_free_unpacked(&m->base, NULL);

	/* Floats: numbers, decimal strings, and the special values by name. */
	m = decode(
		"{\"f_double\":\"NaN\",\"f_float\":\"-Infinity\",\"r_double\":[\"Infinity\",\"2.5e-3\",7]}");
	assert_non_null(m);
	assert_true(isnan(m->f_double));
	assert_true(isinf(m->f_float) && m->f_float < 0);
	assert_int_equal(m->n_r_double, 3);
	assert_true(isinf(m->r_double[0]) && m->r_double[0] > 0);
	assert_true(m->r_double[1] == 2.5e-3);
	assert_true(m->r_double[2] == 7.0);
	protobuf_c_message_free_unpacked(&m->base, NULL);
}

/* The special values go out as the mapping's strings (JSON has no NaN). */
static void test_special_floats_out(void **state)
{
	Pbjsontest__AllTypes m = PBJSONTEST__ALL_TYPES__INIT;
	char *text;

	(void)state;
	m.f_double = NAN;
	m.f_float = INFINITY;
	text = rtpp_pbjson_encode(&m.base, 0);
	assert_string_equal(text, "{\"f_float\":\"Infinity\",\"f_double\":\"NaN\"}");
	free(text);
}

static void test_wrong_numbers(void **state)
{
	(void)state;
	refused("{\"f_int32\":2147483648}", "f_int32: 2147483648 is out of range for int32");
	refused("{\"f_int32\":\"-2147483649\"}",
		"f_int32: \"-2147483649\" is out of range for int32");
	refused("{\"f_uint32\":-1}", "f_uint32: -1 is out of range for uint32");
	refused("{\"f_uint32\":\"-1\"}", "f_uint32: \"-1\" is not an unsigned integer");
	refused("{\"f_uint64\":\"18446744073709551616\"}",
		"f_uint64: \"18446744073709551616\" is out of range for uint64");
	refused("{\"f_int64\":\"9223372036854775808\"}",
		"f_int64: \"9223372036854775808\" is out of range for int64");
	refused("{\"f_int32\":1.5}", "f_int32: 1.5 is not an integer");
	refused("{\"f_int32\":\"12abc\"}", "f_int32: \"12abc\" is not an integer");
	refused("{\"f_int32\":\" 12\"}", "f_int32: \" 12\" is not an integer");
	refused("{\"f_int32\":\"\"}", "f_int32: \"\" is not an integer");
	refused("{\"f_uint64\":\"0x10\"}", "f_uint64: \"0x10\" is not an unsigned integer");
	refused("{\"f_int64\":true}",
		"f_int64: a boolean is not an integer (int64, as a number or a string)");
	refused("{\"f_uint32\":[1]}",
		"f_uint32: an array is not an integer (uint32, as a number or a string)");
	refused("{\"f_float\":1e39}", "f_float: 1e39 is out of range for float");
	refused("{\"f_double\":\"inf\"}", "f_double: \"inf\" is not a number");
	refused("{\"f_double\":\"0x1p3\"}", "f_double: \"0x1p3\" is not a number");
	refused("{\"f_double\":\"1e999\"}", "f_double: \"1e999\" is out of range for double");
	refused("{\"f_double\":{}}", "f_double: an object is not a number (double)");
}

static void test_other_types(void **state)
{
	Pbjsontest__AllTypes *m;

	(void)state;
	/* bytes: URL-safe and unpadded base64 are read too. */
	m = decode(
		"{\"f_bytes\":\"-_8\",\"r_bytes\":[\"AP8Q\",\"\"],\"f_bool\":true,"
		"\"f_enum\":2,\"r_enum\":[\"COLOUR_NEGATIVE\",-3,0],\"f_string\":\"\\u00e9\"}");
	assert_non_null(m);
	assert_int_equal(m->f_bytes.len, 2);
	assert_memory_equal(m->f_bytes.data, "\xfb\xff", 2);
	assert_int_equal(m->n_r_bytes, 2);
	assert_int_equal(m->r_bytes[0].len, 3);
	assert_int_equal(m->r_bytes[1].len, 0);
	assert_true(m->f_bool);
	assert_int_equal(m->f_enum, PBJSONTEST__COLOUR__COLOUR_GREEN);
	assert_int_equal(m->r_enum[0], PBJSONTEST__COLOUR__COLOUR_NEGATIVE);
	assert_int_equal(m->r_enum[1], PBJSONTEST__COLOUR__COLOUR_NEGATIVE);
	assert_int_equal(m->r_enum[2], PBJSONTEST__COLOUR__COLOUR_UNSPECIFIED);
	assert_string_equal(m->f_string, "\xc3\xa9");
	protobuf_c_message_free_unpacked(&m->base, NULL);

	refused("{\"f_bool\":1}", "f_bool: a number is not a boolean (true or false)");
	refused("{\"f_bool\":\"true\"}", "f_bool: a string is not a boolean (true or false)");
	refused("{\"f_string\":5}", "f_string: a number is not a string");
	refused("{\"f_bytes\":\"a$b\"}", "f_bytes: \"a$b\" is not base64");
	refused("{\"f_bytes\":\"A\"}", "f_bytes: \"A\" is not base64");
	refused("{\"f_enum\":\"COLOUR_BLUE\"}",
		"f_enum: \"COLOUR_BLUE\" is not a value of pbjsontest.Colour (COLOUR_NEGATIVE, "
		"COLOUR_UNSPECIFIED, COLOUR_RED, COLOUR_GREEN)");
	refused("{\"f_enum\":7}",
		"f_enum: 7 is not a value of pbjsontest.Colour (COLOUR_NEGATIVE, "
		"COLOUR_UNSPECIFIED, COLOUR_RED, COLOUR_GREEN)");
	refused("{\"f_enum\":4294967296}",
		"f_enum: 4294967296 is not a value of pbjsontest.Colour (COLOUR_NEGATIVE, "
		"COLOUR_UNSPECIFIED, COLOUR_RED, COLOUR_GREEN)");
	refused("{\"f_enum\":true}",
		"f_enum: a boolean is not a pbjsontest.Colour (a value name or number)");
	refused("{\"f_inner\":5}", "f_inner: a number is not an object (pbjsontest.Inner)");
	refused("{\"f_string\":\"a\\u0000b\"}",
		"not JSON: \\u0000 is not allowed without JSON_ALLOW_NUL near '\"a\\u0000b\"' "
		"(line 1, column 22)");
}

static void test_nested_and_repeated(void **state)
{
	Pbjsontest__AllTypes *m;

	(void)state;
	m = decode(
		"{\"f_inner\":{\"label\":\"a\",\"child\":{\"count\":3,\"child\":{}}},"
		"\"r_inner\":[{\"label\":\"x\"},{},{\"child\":{\"label\":\"y\"}}],"
		"\"r_string\":[\"one\",\"two\"],\"r_bool\":[true,false]}");
	assert_non_null(m);
	assert_string_equal(m->f_inner->label, "a");
	assert_int_equal(m->f_inner->child->count, 3);
	assert_non_null(m->f_inner->child->child);
	assert_int_equal(m->n_r_inner, 3);
	assert_string_equal(m->r_inner[0]->label, "x");
	assert_string_equal(m->r_inner[2]->child->label, "y");
	assert_int_equal(m->n_r_string, 2);
	assert_string_equal(m->r_string[1], "two");
	assert_int_equal(m->n_r_bool, 2);
	assert_false(m->r_bool[1]);
	protobuf_c_message_free_unpacked(&m->base, NULL);

	/* Errors name the field down the path, lists by index. */
	refused("{\"r_inner\":[{},{\"child\":{\"count\":\"x\"}}]}",
		"r_inner[1].child.count: \"x\" is not an unsigned integer");
	refused("{\"r_int32\":[1,null]}", "r_int32[1]: null in a list");
	refused("{\"r_int32\":5}", "r_int32: a number is not an array");
	refused("{\"r_string\":[\"a\",2]}", "r_string[1]: a number is not a string");
	/* Empty and null lists are no list. */
	m = decode("{\"r_int32\":[],\"r_inner\":null}");
	assert_non_null(m);
	assert_int_equal(m->n_r_int32, 0);
	assert_int_equal(m->n_r_inner, 0);
	protobuf_c_message_free_unpacked(&m->base, NULL);
}

static void test_unknown_fields(void **state)
{
	(void)state;
	refused("{\"f_int32\":1,\"nope\":2}", "nope: no such field in pbjsontest.AllTypes");
	refused("{\"f_inner\":{\"labl\":\"x\"}}", "f_inner.labl: no such field in pbjsontest.Inner");
	refused("{\"r_inner\":[{},{\"x\":null}]}", "r_inner[1].x: no such field in pbjsontest.Inner");
	refused("{\"F_INT32\":1}", "F_INT32: no such field in pbjsontest.AllTypes");
	/* A key with control characters still gives one line (found by fuzz_pbjson). */
	refused("{\"a\\nb\\u0001\":1}", "a?b?: no such field in pbjsontest.AllTypes");
}

static void test_json_names(void **state)
{
	Pbjsontest__AllTypes *m;

	(void)state;
	/* Both the .proto names and protoc's lowerCamelCase JSON names are read. */
	m = decode(
		"{\"fInt32\":3,\"f_uint64\":\"4\",\"rInner\":[{\"label\":\"z\"}],\"choiceText\":\"t\"}");
	assert_non_null(m);
	assert_int_equal(m->f_int32, 3);
	assert_int_equal(m->f_uint64, 4);
	assert_string_equal(m->r_inner[0]->label, "z");
	assert_int_equal(m->choice_case, PBJSONTEST__ALL_TYPES__CHOICE_CHOICE_TEXT);
	assert_string_equal(m->choice_text, "t");
	protobuf_c_message_free_unpacked(&m->base, NULL);
	refused("{\"f_int32\":1,\"fInt32\":2}",
		"fInt32: field f_int32 is given twice (by its name and its JSON name)");
	refused("{\"f_int32\":1,\"f_int32\":2}",
		"not JSON: duplicate object key near '\"f_int32\"' (line 1, column 22)");
}

static void test_oneof(void **state)
{
	Pbjsontest__AllTypes *m, set = PBJSONTEST__ALL_TYPES__INIT;
	char *text;

	(void)state;
	/* A member set to its default is still set, and written. */
	m = decode("{\"choice_flag\":false}");
	assert_non_null(m);
	assert_int_equal(m->choice_case, PBJSONTEST__ALL_TYPES__CHOICE_CHOICE_FLAG);
	assert_false(m->choice_flag);
	text = rtpp_pbjson_encode(&m->base, 0);
	assert_string_equal(text, "{\"choice_flag\":false}");
	free(text);
	protobuf_c_message_free_unpacked(&m->base, NULL);

	m = decode("{\"choice_number\":null,\"choice_text\":\"only\"}"); /* null: not set */
	assert_non_null(m);
	assert_int_equal(m->choice_case, PBJSONTEST__ALL_TYPES__CHOICE_CHOICE_TEXT);
	protobuf_c_message_free_unpacked(&m->base, NULL);

	refused("{\"choice_number\":1,\"choice_text\":\"x\"}",
		"choice_text: only one of choice_number and choice_text may be set (a oneof)");
	refused("{\"choice_inner\":{\"label\":\"in\"},\"choice_flag\":true}",
		"choice_flag: only one of choice_inner and choice_flag may be set (a oneof)");

	set.choice_case = PBJSONTEST__ALL_TYPES__CHOICE_CHOICE_NUMBER;
	set.choice_number = 0;
	text = rtpp_pbjson_encode(&set.base, 0);
	assert_string_equal(text, "{\"choice_number\":0}");
	free(text);
}

static void test_bad_json(void **state)
{
	Pbjsontest__AllTypes *m;

	(void)state;
	refused("{", "not JSON: string or '}' expected near end of file (line 1, column 1)");
	refused("", "not JSON: '[' or '{' expected near end of file (line 1, column 0)");
	refused("[1]", "an array is not an object (pbjsontest.AllTypes)");
	refused("{\"f_int32\":1} x", "not JSON: end of file expected near 'x' (line 1, column 15)");
	refused("{\"f_string\":\"\xff\"}",
		"not JSON: unable to decode byte 0xff near '\"' (line 1, column 13)");
	/* Not NUL-terminated: len bytes only. */
	m = (Pbjsontest__AllTypes *)rtpp_pbjson_decode(ALL, "{\"f_int32\":7}garbage", 13, err,
						       sizeof(err));
	assert_non_null(m);
	assert_int_equal(m->f_int32, 7);
	protobuf_c_message_free_unpacked(&m->base, NULL);
}

/* A string that is not UTF-8 (protobuf-c does not check) still gives valid JSON. */
static void test_invalid_utf8_out(void **state)
{
	Pbjsontest__AllTypes m = PBJSONTEST__ALL_TYPES__INIT, *back;
	char *text;

	(void)state;
	m.f_string =
		"a\xff"
		"b\xc3";
	text = rtpp_pbjson_encode(&m.base, 0);
	assert_string_equal(text,
			    "{\"f_string\":\"a\xef\xbf\xbd"
			    "b\xef\xbf\xbd\"}");
	back = decode(text);
	assert_non_null(back);
	protobuf_c_message_free_unpacked(&back->base, NULL);
	free(text);
}

/* proto2: presence by has_ flags and pointers, defaults, required fields. */
static void test_proto2_presence(void **state)
{
	Pbjsontest__Legacy l = PBJSONTEST__LEGACY__INIT, *back;
	char *text;
	const char *in;

	(void)state;
	l.id = 5;
	text = rtpp_pbjson_encode(&l.base, RTPP_PBJSON_EMIT_DEFAULTS);
	assert_string_equal(text, "{\"id\":5}"); /* fields with presence: only when set */
	free(text);
	l.has_level = 1;
	l.level = 0;
	l.note = "n";
	l.has_on = 1;
	text = rtpp_pbjson_encode(&l.base, 0);
	assert_string_equal(text, "{\"id\":5,\"level\":0,\"note\":\"n\",\"on\":false}");
	back = (Pbjsontest__Legacy *)rtpp_pbjson_decode(&pbjsontest__legacy__descriptor, text,
							strlen(text), err, sizeof(err));
	assert_non_null(back);
	assert_true(back->has_level);
	assert_int_equal(back->level, 0);
	assert_true(back->has_on);
	assert_false(back->has_blob);
	assert_same_message(&l.base, &back->base);
	protobuf_c_message_free_unpacked(&back->base, NULL);
	free(text);

	in = "{\"level\":1}";
	back = (Pbjsontest__Legacy *)rtpp_pbjson_decode(&pbjsontest__legacy__descriptor, in,
							strlen(in), err, sizeof(err));
	assert_null(back);
	assert_string_equal(err, "id: required field missing in pbjsontest.Legacy");
	in = "{\"id\":1}";
	back = (Pbjsontest__Legacy *)rtpp_pbjson_decode(&pbjsontest__legacy__descriptor, in,
							strlen(in), err, sizeof(err));
	assert_non_null(back);
	assert_false(back->has_level);
	assert_int_equal(back->level, 7); /* the .proto's default, untouched */
	protobuf_c_message_free_unpacked(&back->base, NULL);
}

/* The API's own messages, as the console sends them: oneofs of MediaOptions, enums. */
static void test_api_messages(void **state)
{
	const char *in =
		"{\"listen\":{\"address\":\"203.0.113.1\",\"port\":0},"
		"\"forward\":{\"address\":\"198.51.100.1\",\"port\":0},"
		"\"destination\":{\"address\":\"198.51.100.20\",\"port\":40000},"
		"\"protocol\":\"PROTOCOL_TCP\",\"name\":\"web-1\",\"disableRtcp\":true,"
		"\"media\":{\"strict_source\":false,\"rateLimitBps\":\"64000\"}}";
	Rtpproxy__CreateSessionRequest *c;
	Rtpproxy__SessionStatus s = RTPPROXY__SESSION_STATUS__INIT, *back;
	Rtpproxy__FlowStatistics f = RTPPROXY__FLOW_STATISTICS__INIT;
	char *text;

	(void)state;
	c = (Rtpproxy__CreateSessionRequest *)
		rtpp_pbjson_decode(&rtpproxy__create_session_request__descriptor, in, strlen(in),
				   err, sizeof(err));
	assert_non_null(c);
	assert_string_equal(c->listen->address, "203.0.113.1");
	assert_int_equal(c->destination->port, 40000);
	assert_int_equal(c->protocol, RTPPROXY__PROTOCOL__PROTOCOL_TCP);
	assert_true(c->disable_rtcp);
	assert_int_equal(c->media->strict_source_set_case,
			 RTPPROXY__MEDIA_OPTIONS__STRICT_SOURCE_SET_STRICT_SOURCE);
	assert_false(c->media->strict_source);
	assert_int_equal(c->media->rate_limit_bps, 64000);
	assert_int_equal(c->media->relay_unrecognised_set_case,
			 RTPPROXY__MEDIA_OPTIONS__RELAY_UNRECOGNISED_SET__NOT_SET);
	protobuf_c_message_free_unpacked(&c->base, NULL);

	in = "{\"listen\":{\"address\":\"203.0.113.1\",\"prot\":0}}";
	assert_null(rtpp_pbjson_decode(&rtpproxy__create_session_request__descriptor, in,
				       strlen(in), err, sizeof(err)));
	assert_string_equal(err, "listen.prot: no such field in rtpproxy.Endpoint");

	s.session_id = 12;
	s.name = "t-v4";
	s.state = RTPPROXY__SESSION_STATE__SESSION_STATE_ACTIVE;
	f.packets_received = 1500;
	f.loss_rate = 0.0123;
	s.a_to_b = &f;
	text = rtpp_pbjson_encode(&s.base, RTPP_PBJSON_EMIT_DEFAULTS);
	assert_contains(text, "\"session_id\":\"12\"");
	assert_contains(text, "\"state\":\"SESSION_STATE_ACTIVE\"");
	assert_contains(text, "\"a_to_b\":{\"packets_received\":\"1500\",");
	assert_null(strstr(text, "b_to_a")); /* not set */
	back = (Rtpproxy__SessionStatus *)rtpp_pbjson_decode(&rtpproxy__session_status__descriptor,
							     text, strlen(text), err, sizeof(err));
	assert_non_null(back);
	assert_same_message(&s.base, &back->base);
	protobuf_c_message_free_unpacked(&back->base, NULL);
	free(text);
}

/* rtpp_pbjson_from_json on a tree made by the caller (the console's query strings). */
static void test_from_json_tree(void **state)
{
	json_t *q = json_pack("{s:s,s:s,s:b}", "state", "SESSION_STATE_ACTIVE", "page_size", "50",
			      "filter_protocol", 1);
	Rtpproxy__ListSessionsRequest *r;

	(void)state;
	r = (Rtpproxy__ListSessionsRequest *)
		rtpp_pbjson_from_json(&rtpproxy__list_sessions_request__descriptor, q, err,
				      sizeof(err));
	assert_non_null(r);
	assert_int_equal(r->state, RTPPROXY__SESSION_STATE__SESSION_STATE_ACTIVE);
	assert_int_equal(r->page_size, 50);
	assert_true(r->filter_protocol);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	json_decref(q);
	/* A NUL inside a string the caller made is refused, not cut. */
	q = json_pack("{s:s#}", "interface", "ac\0cess", (size_t)7);
	assert_null(rtpp_pbjson_from_json(&rtpproxy__list_sessions_request__descriptor, q, err,
					  sizeof(err)));
	assert_string_equal(err, "interface: a string with a NUL character");
	json_decref(q);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_every_type),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_numbers_from_json),
		cmocka_unit_test(test_special_floats_out),
		cmocka_unit_test(test_wrong_numbers),
		cmocka_unit_test(test_other_types),
		cmocka_unit_test(test_nested_and_repeated),
		cmocka_unit_test(test_unknown_fields),
		cmocka_unit_test(test_json_names),
		cmocka_unit_test(test_oneof),
		cmocka_unit_test(test_bad_json),
		cmocka_unit_test(test_invalid_utf8_out),
		cmocka_unit_test(test_proto2_presence),
		cmocka_unit_test(test_api_messages),
		cmocka_unit_test(test_from_json_tree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
