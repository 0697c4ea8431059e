/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Conversion layer of lib/config: the small sections, "dataplane:",
 * "media:", "api:", "tcp:", "http:", "audit:" and "policy:". Each converts its keys with their defaults
 * when absent.
 * It calls the shared converters (config_convert.c), the error layer
 * (config_error.c), the queries (config_query.c, for the API's address) and
 * lib/addr; only config_validate.c calls it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "convert_private.h"
#include "error_private.h"
#include "raw_private.h"
#include "rtpp_config.h"
#include "sections_private.h"

/* ---- Data plane ---- */

static const struct uint_field dataplane_uint_fields[] = {
#define DATAPLANE_FIELD(...) \
	UINT_FIELD(struct raw_dataplane, struct rtpp_dataplane_config, __VA_ARGS__)
	DATAPLANE_FIELD(workers, 0, 64, false, 0),
	DATAPLANE_FIELD(burst, 1, 512, false, 32),
	DATAPLANE_FIELD(max_sessions, 1, 16777216, false, 65536),
	DATAPLANE_FIELD(mbufs, 1024, 16777216, true, 0),
	DATAPLANE_FIELD(rx_desc, 64, 16384, false, 1024),
	DATAPLANE_FIELD(tx_desc, 64, 16384, false, 1024),
	DATAPLANE_FIELD(idle_sleep_us, 0, 1000, false, 0),
	/* 0 = unlimited; per worker and interface, so a flood costs the kernel a bounded share */
	DATAPLANE_FIELD(kernel_rate_pps, 0, 10000000, false, 20000),
	DATAPLANE_FIELD(kernel_control_pps, 0, 1000000, false, 2000),
#undef DATAPLANE_FIELD
};

int config_convert_dataplane(const struct config_source *src, const struct raw_dataplane *raw,
			     struct rtpp_dataplane_config *dataplane)
{
	return config_convert_uint_fields(src, "dataplane", dataplane_uint_fields,
					  sizeof(dataplane_uint_fields) /
						  sizeof(dataplane_uint_fields[0]),
					  raw, dataplane);
}

/* ---- Media ---- */

/* clang-format off */
static const struct uint_field media_uint_fields[] = {
#define MEDIA_FIELD(...) UINT_FIELD(struct raw_media, struct rtpp_media_options, __VA_ARGS__)
	MEDIA_FIELD(learning_window_ms,    0, RTPP_MEDIA_LEARNING_WINDOW_MS_MAX, false, 10000), /* 0: open until latched */
	MEDIA_FIELD(relatch_silence_ms,    RTPP_MEDIA_RELATCH_SILENCE_MS_MIN,
		    RTPP_MEDIA_RELATCH_SILENCE_MS_MAX, false, 500),
	MEDIA_FIELD(inactivity_timeout_s,  0, RTPP_MEDIA_TIMEOUT_S_MAX, false, 60),     /* 0: never */
	MEDIA_FIELD(first_media_timeout_s, 0, RTPP_MEDIA_TIMEOUT_S_MAX, false, 300),    /* 0: never */
	MEDIA_FIELD(max_lifetime_s,        0, RTPP_MEDIA_MAX_LIFETIME_S_MAX, false, 14400), /* 0: never */
	MEDIA_FIELD(rate_limit_pps,        0, RTPP_MEDIA_RATE_LIMIT_PPS_MAX, false, 20000), /* 0: unlimited */
	UINT_FIELD_SI(struct raw_media, struct rtpp_media_options, rate_limit_bps,
		      0, RTPP_MEDIA_RATE_LIMIT_BPS_MAX, false, 100000000),    /* 0: unlimited */
	MEDIA_FIELD(clock_rate,            RTPP_MEDIA_CLOCK_RATE_MIN, RTPP_MEDIA_CLOCK_RATE_MAX,
		    true, 0),                                                   /* 0: no jitter of dynamic PTs */
#undef MEDIA_FIELD
};
/* clang-format on */

int config_convert_media(const struct config_source *src, const struct raw_media *raw,
			 struct rtpp_media_options *media)
{
	media->strict_source = true;
	media->relay_unrecognised = false;
	if (raw != NULL &&
	    (config_convert_bool(src, "media", "strict_source", raw->strict_source,
				 &media->strict_source) != 0 ||
	     config_convert_bool(src, "media", "relay_unrecognised", raw->relay_unrecognised,
				 &media->relay_unrecognised) != 0))
		return -1;
	return config_convert_uint_fields(src, "media", media_uint_fields,
					  sizeof(media_uint_fields) / sizeof(media_uint_fields[0]),
					  raw, media);
}

/* ---- API ---- */

/* A TLS file must be there and readable now, not at the first client. */
static int convert_readable_path(const struct config_source *src, const char *base, const char *key,
				 const char *text, char *out, size_t len)
{
	out[0] = '\0';
	if (text == NULL || text[0] == '\0')
		return 0;
	if (strlen(text) >= len)
		return config_fail_field(src, base, key, "path longer than %zu characters", len - 1);
	if (access(text, R_OK) != 0)
		return config_fail_field(src, base, key, QUOTED ": %s", text, strerror(errno));
	memcpy(out, text, strlen(text) + 1);
	return 0;
}

/* BASE.tls_cert/tls_key/tls_client_ca, as the API and the HTTP endpoint both take them. */
static int convert_tls(const struct config_source *src, const char *base, const char *cert_text,
		       const char *key_text, const char *ca_text, char cert[RTPP_PATH_LEN],
		       char key[RTPP_PATH_LEN], char ca[RTPP_PATH_LEN])
{
	if (convert_readable_path(src, base, "tls_cert", cert_text, cert, RTPP_PATH_LEN) ||
	    convert_readable_path(src, base, "tls_key", key_text, key, RTPP_PATH_LEN) ||
	    convert_readable_path(src, base, "tls_client_ca", ca_text, ca, RTPP_PATH_LEN))
		return -1;
	if ((cert[0] == '\0') != (key[0] == '\0'))
		return config_fail_field(src, base, cert[0] ? "tls_cert" : "tls_key",
					 "tls_cert and tls_key go together");
	if (ca[0] != '\0' && cert[0] == '\0')
		return config_fail_field(src, base, "tls_client_ca",
					 "client certificates need TLS: set tls_cert and tls_key too");
	return 0;
}

static const struct uint_field api_uint_fields[] = {
#define API_FIELD(...) UINT_FIELD(struct raw_api, struct rtpp_api_config, __VA_ARGS__)
	API_FIELD(max_streams, 1, 100000, false, 64),
	API_FIELD(max_event_streams, 1, 100000, false, 32),
	API_FIELD(max_health_watches, 1, 100000, false, 16),
	API_FIELD(max_reflection_streams, 1, 100000, false, 8),
	API_FIELD(memory_quota_mb, 16, 65536, true, 64), /* 0: no quota */
	API_FIELD(keepalive_s, 10, 86400, true, 60),     /* 0: never */
#undef API_FIELD
};

static const struct uint_field tcp_uint_fields[] = {
#define TCP_FIELD(...) UINT_FIELD(struct raw_tcp, struct rtpp_tcp_config, __VA_ARGS__)
	TCP_FIELD(max_sessions, 1, 1000000, false, 1024),
	TCP_FIELD(buffer_kb, 4, 4096, false, 64),
	TCP_FIELD(max_buffer_mb, 1, 65536, false, 256),
	TCP_FIELD(connect_timeout_s, 1, 300, false, 10),
	TCP_FIELD(idle_timeout_s, 1, 86400, true, 3600),     /* 0: never */
	TCP_FIELD(kernel_pps, 1000, 10000000, true, 200000), /* 0: unlimited */
#undef TCP_FIELD
};

int config_convert_tcp(const struct config_source *src, const struct raw_tcp *raw,
		       struct rtpp_tcp_config *tcp)
{
	if (config_convert_uint_fields(src, "tcp", tcp_uint_fields,
				       sizeof(tcp_uint_fields) / sizeof(tcp_uint_fields[0]), raw,
				       tcp) != 0)
		return -1;
	if ((uint64_t)tcp->max_buffer_mb << 10 < 2ull * tcp->buffer_kb)
		return config_fail_field(src, "tcp", "max_buffer_mb",
					 "%u MiB do not hold one connection's two buffers of %u KiB",
					 tcp->max_buffer_mb, tcp->buffer_kb);
	return 0;
}

int config_convert_api(const struct config_source *src, const struct raw_api *raw,
		       struct rtpp_api_config *api)
{
	const char *why;

	snprintf(api->listen, sizeof(api->listen), "%s", RTPP_API_LISTEN_DEFAULT);
	if (config_convert_uint_fields(src, "api", api_uint_fields,
				       sizeof(api_uint_fields) / sizeof(api_uint_fields[0]), raw,
				       api) != 0)
		return -1;
	if (raw == NULL)
		return 0;
	if (raw->listen != NULL &&
	    rtpp_config_api_listen_parse(raw->listen, api->listen, sizeof(api->listen), &why) != 0)
		return config_fail_field(src, "api", "listen", QUOTED " %s", raw->listen, why);
	return convert_tls(src, "api", raw->tls_cert, raw->tls_key, raw->tls_client_ca,
			   api->tls_cert, api->tls_key, api->tls_client_ca);
}

/* ---- HTTP endpoint and audit trail ---- */

static const struct uint_field http_uint_fields[] = {
#define HTTP_FIELD(...) UINT_FIELD(struct raw_http, struct rtpp_http_config, __VA_ARGS__)
	HTTP_FIELD(max_connections, 1, 1024, false, 32),
	HTTP_FIELD(session_series, 1, 10000, true, 0), /* 0: no per-session series */
#undef HTTP_FIELD
};

int config_convert_http(const struct config_source *src, const struct raw_http *raw,
			struct rtpp_http_config *http)
{
	const char *why;

	http->enabled = true;
	http->read_only = false;
	snprintf(http->listen, sizeof(http->listen), "%s", RTPP_HTTP_LISTEN_DEFAULT);
	if (config_convert_uint_fields(src, "http", http_uint_fields,
				       sizeof(http_uint_fields) / sizeof(http_uint_fields[0]), raw,
				       http) != 0)
		return -1;
	if (raw == NULL)
		return 0;
	if (config_convert_bool(src, "http", "enabled", raw->enabled, &http->enabled) != 0 ||
	    config_convert_bool(src, "http", "read_only", raw->read_only, &http->read_only) != 0)
		return -1;
	if (raw->listen != NULL) {
		if (strncmp(raw->listen, "unix:", 5) == 0)
			return config_fail_field(src, "http", "listen",
						 QUOTED
						 " is a Unix socket: the HTTP endpoint takes "
						 "ADDRESS:PORT (browsers and Prometheus speak TCP)",
						 raw->listen);
		if (rtpp_config_api_listen_parse(raw->listen, http->listen, sizeof(http->listen),
						 &why) != 0)
			return config_fail_field(src, "http", "listen", QUOTED " %s", raw->listen,
						 why);
	}
	return convert_tls(src, "http", raw->tls_cert, raw->tls_key, raw->tls_client_ca,
			   http->tls_cert, http->tls_key, http->tls_client_ca);
}

int config_convert_audit(const struct config_source *src, const struct raw_audit *raw,
			 struct rtpp_audit_config *audit)
{
	char dir[RTPP_PATH_LEN];
	const char *slash;

	audit->to_stdout = true;
	audit->file[0] = '\0';
	if (raw == NULL)
		return 0;
	if (config_convert_bool(src, "audit", "stdout", raw->to_stdout, &audit->to_stdout) != 0)
		return -1;
	if (raw->file == NULL || raw->file[0] == '\0')
		return 0;
	if (strlen(raw->file) >= sizeof(audit->file))
		return config_fail_field(src, "audit", "file", "path longer than %zu characters",
					 sizeof(audit->file) - 1);
	if (raw->file[0] != '/')
		return config_fail_field(src, "audit", "file",
					 QUOTED
					 " is relative: give an absolute path (a service's "
					 "working directory is not the operator's)",
					 raw->file);
	/* The file may not exist yet; its directory must, and take new files. */
	slash = strrchr(raw->file, '/');
	snprintf(dir, sizeof(dir), "%.*s", slash == raw->file ? 1 : (int)(slash - raw->file),
		 raw->file);
	if (slash[1] == '\0')
		return config_fail_field(src, "audit", "file", QUOTED " names a directory",
					 raw->file);
	if (access(raw->file, F_OK) == 0 ? access(raw->file, W_OK) != 0 : access(dir, W_OK) != 0)
		return config_fail_field(src, "audit", "file", QUOTED ": %s", raw->file,
					 strerror(errno));
	memcpy(audit->file, raw->file, strlen(raw->file) + 1);
	return 0;
}

/* ---- Policy ---- */

/* The network address of prefix: its host bits cleared. */
static struct rtpp_addr prefix_network(const struct rtpp_prefix *prefix)
{
	struct rtpp_addr network = prefix->addr;

	for (unsigned int bit = prefix->len; bit < 8 * sizeof(network.bytes); bit++)
		network.bytes[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
	return network;
}

static int convert_allowed_remote(const struct config_source *src, const char *key,
				  const char *text, struct rtpp_prefix *out)
{
	struct rtpp_addr network;
	char shown[RTPP_ADDR_STRLEN];

	if (config_parse_prefix(src, "policy", key, text, out) != 0)
		return -1;
	/* 203.0.113.7/24 is most likely a typo for a host or for the /24: ask which. */
	network = prefix_network(out);
	if (!rtpp_addr_equal(&network, &out->addr))
		return config_fail_field(src, "policy", key,
					 QUOTED
					 " has host bits set: write %s/%u for the network, or the "
					 "address with /%u for one host",
					 text, rtpp_addr_format(&network, shown, sizeof(shown)),
					 out->len, out->addr.family == RTPP_AF_INET ? 32 : 128);
	return 0;
}

int config_convert_policy(const struct config_source *src, const struct raw_policy *raw,
			  struct rtpp_policy_config *policy)
{
	char key[40];

	policy->n_allowed_remotes = 0;
	if (raw == NULL || raw->allowed_remotes_count == 0) {
		/*
		 * Absent means "no restriction"; an empty list must not silently
		 * mean the same (nor refuse every session): make the intent explicit.
		 */
		if (config_line_of(src, RTPP_ALLOWED_REMOTES_FIELD) != 0)
			return config_fail_field(src, "policy", "allowed_remotes",
						 "at least one prefix is required (leave the key out to "
						 "allow every remote)");
		return 0;
	}
	if (raw->allowed_remotes_count > RTPP_MAX_ALLOWED_REMOTES)
		return config_fail_field(src, "policy", "allowed_remotes",
					 "at most %u prefixes (found %u)", RTPP_MAX_ALLOWED_REMOTES,
					 raw->allowed_remotes_count);
	for (unsigned int i = 0; i < raw->allowed_remotes_count; i++) {
		snprintf(key, sizeof(key), "allowed_remotes[%u]", i);
		if (convert_allowed_remote(src, key, raw->allowed_remotes[i],
					   &policy->allowed_remotes[i]) != 0)
			return -1;
	}
	policy->n_allowed_remotes = raw->allowed_remotes_count;
	return 0;
}
