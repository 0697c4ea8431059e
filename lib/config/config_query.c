/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Queries of lib/config: public functions that answer about a loaded
 * configuration (which interface owns an address, whether a remote is
 * allowed) or parse one value the way the file does (the API's listen
 * address, also given on the command line). They stand apart from the
 * loading chain: they call lib/addr and the C library only, never another
 * file of lib/config, and write no config error; the converters call them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rtpp_config.h"

int rtpp_config_iface_owning(const struct rtpp_config *cfg, const struct rtpp_addr *addr)
{
	for (unsigned int i = 0; i < cfg->n_ifaces; i++)
		for (unsigned int j = 0; j < cfg->ifaces[i].n_addrs; j++)
			if (rtpp_addr_equal(&cfg->ifaces[i].addrs[j].addr, addr))
				return (int)i;
	return -1;
}

bool rtpp_config_remote_allowed(const struct rtpp_config *cfg, const struct rtpp_addr *addr)
{
	if (cfg->policy.n_allowed_remotes == 0)
		return true;
	for (unsigned int i = 0; i < cfg->policy.n_allowed_remotes; i++)
		if (rtpp_prefix_contains(&cfg->policy.allowed_remotes[i], addr))
			return true;
	return false;
}

int rtpp_config_api_listen_parse(const char *text, char *out, size_t outlen, const char **why)
{
	struct rtpp_endpoint listen;

	if (strncmp(text, "unix:", 5) == 0) {
		const char *path = text + 5;
		char dir[RTPP_API_LISTEN_LEN];
		struct stat st;
		size_t len = strlen(path);

		if (path[0] != '/') {
			*why = "is not unix:/ABSOLUTE/PATH";
			return -1;
		}
		if (len > RTPP_API_UNIX_PATH_MAX || len + 6 > outlen) {
			*why = "is longer than a Unix socket path can be (107 bytes)";
			return -1;
		}
		if (path[len - 1] == '/') {
			*why = "names a directory, not a socket";
			return -1;
		}
		/* The socket is made at start; its directory must be there. */
		memcpy(dir, path, len + 1);
		*strrchr(dir, '/') = '\0';
		if (stat(dir[0] != '\0' ? dir : "/", &st) != 0 || !S_ISDIR(st.st_mode)) {
			*why = "is in a directory that does not exist";
			return -1;
		}
		snprintf(out, outlen, "unix:%s", path);
		return 0;
	}
	if (rtpp_endpoint_parse(text, &listen) != 0) {
		*why = "is not address:port (\"[::]:50051\", \"127.0.0.1:50051\") or "
		       "unix:/PATH";
		return -1;
	}
	rtpp_endpoint_format(&listen, out, outlen);
	return 0;
}

unsigned int rtpp_config_worker_poll_queues(const struct rtpp_config *cfg, unsigned int n_workers)
{
	unsigned int n = 0;

	if (n_workers == 0)
		return 0;
	for (unsigned int i = 0; i < cfg->n_ifaces; i++) {
		unsigned int q = cfg->ifaces[i].rx_queues ? cfg->ifaces[i].rx_queues : n_workers;

		n += (q + n_workers - 1) / n_workers +
		     1; /* its share of data queues, its TAP queue */
	}
	return n;
}

char *rtpp_config_read_pem(const char *who, const char *path, char *err, size_t errlen)
{
	FILE *f;
	char *buf = NULL;
	long len;

	if (path[0] == '\0')
		return NULL;
	f = fopen(path, "rb");
	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (buf = calloc(1, (size_t)len + 1)) == NULL ||
	    fread(buf, 1, (size_t)len, f) != (size_t)len) {
		snprintf(err, errlen, "%s: cannot read %s: %s", who, path,
			 strerror(errno ? errno : EIO));
		free(buf);
		buf = NULL;
	}
	if (f != NULL)
		fclose(f);
	return buf;
}

bool rtpp_config_listen_is_local(const char *listen)
{
	struct rtpp_endpoint e;
	static const uint8_t loopback6[16] = { [15] = 1 };

	if (strncmp(listen, "unix:", 5) == 0)
		return true;
	if (rtpp_endpoint_parse(listen, &e) != 0)
		return false;
	if (e.addr.family == RTPP_AF_INET)
		return e.addr.bytes[0] == 127;
	return memcmp(e.addr.bytes, loopback6, sizeof(loopback6)) == 0;
}

bool rtpp_config_api_plaintext_exposed(const struct rtpp_api_config *api, const char *listen)
{
	return api->tls_cert[0] == '\0' && !rtpp_config_listen_is_local(listen);
}
