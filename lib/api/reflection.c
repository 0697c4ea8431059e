/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gRPC server reflection: grpc.reflection.v1.ServerReflection and its older
 * twin grpc.reflection.v1alpha (clients differ in which they try first).
 *
 * The answers come from the FileDescriptorSet protoc-c wrote at build time;
 * proto/gen_reflection_index.py embedded each file's serialized
 * FileDescriptorProto with an index of its symbols (reflection_index.h),
 * so nothing is parsed here at run time.
 *
 * Both versions' messages have the same fields under the same numbers (only
 * the package differs), so the v1 C types read and write both.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reflection.pb-c.h"
#include "reflection_index.h"
#include "rtpp_api.h"

typedef Grpc__Reflection__V1__ServerReflectionRequest refl_request;
#define REQUEST_CASE(x) GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_##x
#define RESPONSE_CASE(x) GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_##x

/* A response and the storage its parts point into, until it is packed. */
struct refl_answer {
	Grpc__Reflection__V1__ServerReflectionResponse resp;
	Grpc__Reflection__V1__FileDescriptorResponse files;
	ProtobufCBinaryData *file_bytes;
	Grpc__Reflection__V1__ListServiceResponse services;
	Grpc__Reflection__V1__ServiceResponse *service_msgs;
	Grpc__Reflection__V1__ServiceResponse **service_ptrs;
	Grpc__Reflection__V1__ExtensionNumberResponse extensions;
	Grpc__Reflection__V1__ErrorResponse error;
	char error_msg[256];
};

static int symbol_cmp(const void *name, const void *elem)
{
	return strcmp(name, ((const struct rtpp_reflection_symbol *)elem)->name);
}

static const struct rtpp_reflection_symbol *find_symbol(const char *name)
{
	return bsearch(name, rtpp_reflection_symbols, rtpp_reflection_nsymbols,
		       sizeof(rtpp_reflection_symbols[0]), symbol_cmp);
}

static const struct rtpp_reflection_file *find_file(const char *name)
{
	for (size_t i = 0; i < rtpp_reflection_nfiles; i++)
		if (strcmp(rtpp_reflection_files[i].name, name) == 0)
			return &rtpp_reflection_files[i];
	return NULL;
}

/* "a.proto, b.proto, ..." for error messages (truncated to fit). */
static void served_files(char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < rtpp_reflection_nfiles && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
					 rtpp_reflection_files[i].name);
}

/* An answer in error_response: the stream goes on, the client reads why. */
__attribute__((format(printf, 3, 4)))
static void answer_error(struct refl_answer *a, enum rtpp_api_status code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->error_msg, sizeof(a->error_msg), fmt, ap);
	va_end(ap);
	grpc__reflection__v1__error_response__init(&a->error);
	a->error.error_code = (int32_t)code;
	a->error.error_message = a->error_msg;
	a->resp.message_response_case = RESPONSE_CASE(ERROR_RESPONSE);
	a->resp.error_response = &a->error;
}

/* The file, then every file it imports, directly or not (what a client
 * needs to build its descriptors without asking again). */
static int answer_file(struct refl_answer *a, const struct rtpp_reflection_file *f)
{
	a->file_bytes = calloc(1 + (size_t)f->ndeps, sizeof(*a->file_bytes));
	if (a->file_bytes == NULL)
		return -ENOMEM;
	a->file_bytes[0].data = (uint8_t *)f->descriptor;
	a->file_bytes[0].len = f->descriptor_len;
	for (uint16_t i = 0; i < f->ndeps; i++) {
		const struct rtpp_reflection_file *dep = &rtpp_reflection_files[f->deps[i]];
		a->file_bytes[1 + i].data = (uint8_t *)dep->descriptor;
		a->file_bytes[1 + i].len = dep->descriptor_len;
	}
	grpc__reflection__v1__file_descriptor_response__init(&a->files);
	a->files.n_file_descriptor_proto = 1 + (size_t)f->ndeps;
	a->files.file_descriptor_proto = a->file_bytes;
	a->resp.message_response_case = RESPONSE_CASE(FILE_DESCRIPTOR_RESPONSE);
	a->resp.file_descriptor_response = &a->files;
	return 0;
}

static int answer_services(struct refl_answer *a)
{
	size_t n = rtpp_reflection_nservices;

	a->service_msgs = calloc(n, sizeof(*a->service_msgs));
	a->service_ptrs = calloc(n, sizeof(*a->service_ptrs));
	if (a->service_msgs == NULL || a->service_ptrs == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		grpc__reflection__v1__service_response__init(&a->service_msgs[i]);
		a->service_msgs[i].name = (char *)rtpp_reflection_services[i];
		a->service_ptrs[i] = &a->service_msgs[i];
	}
	grpc__reflection__v1__list_service_response__init(&a->services);
	a->services.n_service = n;
	a->services.service = a->service_ptrs;
	a->resp.message_response_case = RESPONSE_CASE(LIST_SERVICES_RESPONSE);
	a->resp.list_services_response = &a->services;
	return 0;
}

static const struct rtpp_reflection_symbol *find_message_type(const char *name)
{
	const struct rtpp_reflection_symbol *s = find_symbol(name);

	return s != NULL && s->kind == RTPP_REFLECTION_MESSAGE ? s : NULL;
}

/* None of our files declares an extension: a known message type has none. */
static void answer_extension_numbers(struct refl_answer *a, const char *type)
{
	if (find_message_type(type) == NULL) {
		answer_error(a, RTPP_API_NOT_FOUND,
			     "all_extension_numbers_of_type: message type \"%.128s\" not found",
			     type);
		return;
	}
	grpc__reflection__v1__extension_number_response__init(&a->extensions);
	a->extensions.base_type_name = (char *)type;
	a->resp.message_response_case = RESPONSE_CASE(ALL_EXTENSION_NUMBERS_RESPONSE);
	a->resp.all_extension_numbers_response = &a->extensions;
}

static void answer_extension(struct refl_answer *a,
			     const Grpc__Reflection__V1__ExtensionRequest *ext)
{
	const char *type = ext != NULL ? ext->containing_type : "";

	if (find_message_type(type) == NULL)
		answer_error(a, RTPP_API_NOT_FOUND,
			     "file_containing_extension: message type \"%.128s\" not found", type);
	else
		answer_error(a, RTPP_API_NOT_FOUND,
			     "file_containing_extension: %.128s has no extension %d "
			     "(this server's files declare no extensions)",
			     type, (int)ext->extension_number);
}

/* Fill a->resp for the request. 0, or -ENOMEM. */
static int answer(struct refl_answer *a, const refl_request *r)
{
	const struct rtpp_reflection_symbol *sym;
	const struct rtpp_reflection_file *file;
	char names[160];

	switch (r->message_request_case) {
	case REQUEST_CASE(LIST_SERVICES):
		return answer_services(a);
	case REQUEST_CASE(FILE_BY_FILENAME):
		file = find_file(r->file_by_filename);
		if (file != NULL)
			return answer_file(a, file);
		served_files(names, sizeof(names));
		answer_error(a, RTPP_API_NOT_FOUND,
			     "file_by_filename: file \"%.128s\" not found (served: %s)",
			     r->file_by_filename, names);
		return 0;
	case REQUEST_CASE(FILE_CONTAINING_SYMBOL):
		sym = find_symbol(r->file_containing_symbol);
		if (sym != NULL)
			return answer_file(a, &rtpp_reflection_files[sym->file]);
		answer_error(a, RTPP_API_NOT_FOUND,
			     "file_containing_symbol: symbol \"%.128s\" not found "
			     "(give a fully qualified name, e.g. rtpproxy.RtpProxy)",
			     r->file_containing_symbol);
		return 0;
	case REQUEST_CASE(FILE_CONTAINING_EXTENSION):
		answer_extension(a, r->file_containing_extension);
		return 0;
	case REQUEST_CASE(ALL_EXTENSION_NUMBERS_OF_TYPE):
		answer_extension_numbers(a, r->all_extension_numbers_of_type);
		return 0;
	default:
		/* Also a field of a newer version of the protocol. */
		answer_error(a, RTPP_API_UNIMPLEMENTED,
			     "request: none of list_services, file_by_filename, "
			     "file_containing_symbol, file_containing_extension, "
			     "all_extension_numbers_of_type is set");
		return 0;
	}
}

/*
 * protobuf-c keeps a field numbered 0 (which the encoding forbids, and
 * Google's parsers refuse) as an unknown field when its tag is spelt in more
 * bytes than needed, then writes it back as the one-byte tag 0 that nobody
 * reads. Echoed in original_request, it would make the whole response
 * unreadable for the client: such a request is refused instead.
 */
static bool has_field_zero(const ProtobufCMessage *m)
{
	for (unsigned int i = 0; i < m->n_unknown_fields; i++)
		if (m->unknown_fields[i].tag == 0)
			return true;
	return false;
}

int rtpp_api_reflection(const uint8_t *req, size_t len, uint8_t **reply, size_t *reply_len,
			char *msg, size_t msglen)
{
	refl_request *r = grpc__reflection__v1__server_reflection_request__unpack(NULL, len, req);
	struct refl_answer a;
	int rc = RTPP_API_OK;

	if (r == NULL || has_field_zero(&r->base)) {
		if (r != NULL)
			grpc__reflection__v1__server_reflection_request__free_unpacked(r, NULL);
		snprintf(msg, msglen, "request: not a ServerReflectionRequest");
		return RTPP_API_INVALID_ARGUMENT;
	}
	memset(&a, 0, sizeof(a));
	grpc__reflection__v1__server_reflection_response__init(&a.resp);
	/* Like the reference implementation: echo the host and the request. */
	a.resp.valid_host = r->host;
	a.resp.original_request = r;
	if (answer(&a, r) != 0) {
		snprintf(msg, msglen, "reflection: out of memory");
		rc = RTPP_API_INTERNAL;
		goto out;
	}
	*reply_len = grpc__reflection__v1__server_reflection_response__get_packed_size(&a.resp);
	*reply = malloc(*reply_len ? *reply_len : 1);
	if (*reply == NULL) {
		snprintf(msg, msglen, "reflection: out of memory for a %zu-byte response",
			 *reply_len);
		rc = RTPP_API_INTERNAL;
		goto out;
	}
	grpc__reflection__v1__server_reflection_response__pack(&a.resp, *reply);
out:
	free(a.file_bytes);
	free(a.service_msgs);
	free(a.service_ptrs);
	grpc__reflection__v1__server_reflection_request__free_unpacked(r, NULL);
	return rc;
}
