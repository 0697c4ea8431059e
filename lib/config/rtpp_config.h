/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The appliance's configuration, read from YAML with libcyaml against a schema
 * and validated as a whole before any port starts. Every refusal names the file,
 * the line and the field: "FILE:LINE: FIELD: what is wrong".
 */
#ifndef RTPP_CONFIG_H
#define RTPP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtpp_addr.h"
#include "rtpp_session_types.h" /* RTPP_SESSION_NAME_MAX */

#define RTPP_MAX_INTERFACES 16
#define RTPP_MAX_IFACE_ADDRS 8
#define RTPP_IFNAME_LEN 16 /* also the kernel's IFNAMSIZ: the TAP carries it */
#define RTPP_DEVICE_LEN 256
#define RTPP_CONFIG_ERR_LEN 512
#define RTPP_MAX_ALLOWED_REMOTES 256
/* How refusals name the list, in config errors and in the API's PERMISSION_DENIED. */
#define RTPP_ALLOWED_REMOTES_FIELD "policy.allowed_remotes"

struct rtpp_iface_config {
	char name[RTPP_IFNAME_LEN];    /* [a-z0-9_-], unique */
	char device[RTPP_DEVICE_LEN];  /* PCI address "0000:03:00.0" or vdev "net_x0,k=v" */
	struct rtpp_prefix addrs[RTPP_MAX_IFACE_ADDRS];
	unsigned int n_addrs;          /* >= 1 */
	struct rtpp_addr gateway4;     /* family NONE when absent; on-link of an IPv4 addr */
	struct rtpp_addr gateway6;     /* family NONE when absent; on-link of an IPv6 addr */
	uint16_t port_min, port_max;   /* media UDP range, port_min < port_max */
	uint16_t rx_queues;            /* 0 = one per worker */
	uint16_t mtu;                  /* 0 = leave the device's default */
};

/* A session provisioned from YAML: the seed's one-way model, optionally two-way. */
struct rtpp_static_session_config {
	char name[RTPP_SESSION_NAME_MAX]; /* unique; default "static-<index>" */
	struct rtpp_endpoint listen;      /* leg A local: owned by an interface */
	struct rtpp_endpoint forward;     /* leg B local (egress source): owned by an interface */
	struct rtpp_endpoint destination; /* leg B remote */
	struct rtpp_endpoint source;      /* leg A remote; family NONE = learn it from the media */
	struct rtpp_addr expected_source; /* family NONE = none; else learn only from this IP */
	bool rtcp;                        /* also relay port+1 (default true) */
};

struct rtpp_dataplane_config {
	uint16_t workers;       /* 0 = every worker lcore EAL gives */
	uint16_t burst;         /* 1..512, default 32 */
	uint32_t max_sessions;  /* table capacity, default 65536 */
	uint32_t mbufs;         /* mbufs per NUMA socket; 0 = derived from queues */
	uint16_t rx_desc;       /* default 1024 */
	uint16_t tx_desc;       /* default 1024 */
	uint16_t idle_sleep_us; /* 0..1000; 0 = workers always poll (default) */
	/*
	 * What each worker may hand to the kernel through one interface's TAP,
	 * in packets/s: ARP, neighbour discovery and ICMP have their own budget
	 * so that a flood of anything else cannot starve them.
	 */
	uint32_t kernel_rate_pps;    /* default 20000; 0 = unlimited */
	uint32_t kernel_control_pps; /* default 2000; 0 = unlimited */
};

/* Loopback: the API creates and destroys sessions, and the media networks reach the
 * host's kernel through the TAPs. Anything wider is the operator's choice. */
#define RTPP_API_LISTEN_DEFAULT "127.0.0.1:50051"
/* "unix:" and a Unix socket path (sun_path holds 108 bytes with its NUL). */
#define RTPP_API_UNIX_PATH_MAX 107
#define RTPP_API_LISTEN_LEN (5 + RTPP_API_UNIX_PATH_MAX + 1)
#define RTPP_PATH_LEN 256

/* The control API's server. TLS when cert and key are set; client_ca requires client certs. */
struct rtpp_api_config {
	char listen[RTPP_API_LISTEN_LEN];  /* "[::]:50051", "127.0.0.1:50051", "unix:/run/x.sock" */
	char tls_cert[RTPP_PATH_LEN];      /* PEM; "" = plaintext */
	char tls_key[RTPP_PATH_LEN];
	char tls_client_ca[RTPP_PATH_LEN]; /* PEM; "" = no client certificates asked */
	uint32_t max_streams; /* streaming calls (events, health watch, reflection) at once */
	/* ... and of each kind: one kind cannot take every stream from the others */
	uint32_t max_event_streams;
	uint32_t max_health_watches;
	uint32_t max_reflection_streams;
	uint32_t memory_quota_mb; /* what grpc may buffer for all connections; 0: no quota */
	uint32_t keepalive_s;     /* ping idle connections this often; 0: never */
};

/*
 * The HTTP endpoint (Prometheus /metrics, the web console and its JSON) on
 * the main lcore. Loopback by default, like the API. The console may create
 * and destroy sessions only where the API's rule would let the same client
 * in: on a loopback listener, or with TLS and a client certificate that
 * tls_client_ca signed; anywhere else (and with read_only) it is read-only.
 */
#define RTPP_HTTP_LISTEN_DEFAULT "127.0.0.1:8080"
struct rtpp_http_config {
	bool enabled;                     /* default true */
	char listen[RTPP_API_LISTEN_LEN]; /* "ADDRESS:PORT" (no Unix socket) */
	char tls_cert[RTPP_PATH_LEN];     /* PEM; "" = plain HTTP */
	char tls_key[RTPP_PATH_LEN];
	char tls_client_ca[RTPP_PATH_LEN]; /* PEM; "" = no client certificates asked */
	bool read_only;                    /* the console never writes (default false) */
	uint32_t max_connections;          /* HTTP connections at once (default 32) */
	uint32_t session_series; /* /metrics per-session series: at most this many sessions; 0 = none */
};

/* Where the audit trail goes: one JSON object per line per control action. */
struct rtpp_audit_config {
	bool to_stdout;           /* "stdout": default true (journald under systemd) */
	char file[RTPP_PATH_LEN]; /* "" = no file; appended to, reopened on SIGHUP */
};

/*
 * What sessions may be asked to do. The remotes of every session (destination,
 * and source when given), static or from the API, must lie within one of
 * allowed_remotes; with none listed (the key absent) any remote is allowed.
 */
struct rtpp_policy_config {
	struct rtpp_prefix allowed_remotes[RTPP_MAX_ALLOWED_REMOTES]; /* no host bits set */
	unsigned int n_allowed_remotes; /* 0 = no restriction */
};

/* TCP sessions (lib/tcprelay): relayed by the kernel off the workers. */
struct rtpp_tcp_config {
	uint32_t max_sessions;      /* TCP sessions at once (within dataplane.max_sessions) */
	uint32_t buffer_kb;         /* per direction of a connection pair */
	uint32_t max_buffer_mb;     /* all buffers together: beyond, connections are refused */
	uint32_t connect_timeout_s; /* the onward connection must be up by then, else ERROR */
	uint32_t idle_timeout_s;    /* no byte either way this long: closed; 0 never */
	uint32_t kernel_pps; /* TCP sessions' segments a worker hands one TAP per second; 0 unlimited */
};

struct rtpp_config {
	char source_name[256]; /* file path, or "<embedded>" */
	struct rtpp_iface_config ifaces[RTPP_MAX_INTERFACES];
	unsigned int n_ifaces;
	struct rtpp_dataplane_config dataplane;
	struct rtpp_api_config api;
	struct rtpp_http_config http;
	struct rtpp_audit_config audit;
	struct rtpp_policy_config policy;
	/* "media:": defaults of the media rules of API sessions (static ones never expire). */
	struct rtpp_media_options media;
	struct rtpp_tcp_config tcp;
	struct rtpp_static_session_config *sessions; /* malloc'd */
	unsigned int n_sessions;
};

/*
 * Load and validate. On failure returns -1, *out stays NULL and err holds
 * one line "NAME:LINE: FIELD: reason" (LINE may be 0 when unknown).
 */
int rtpp_config_load_file(const char *path, struct rtpp_config **out,
			  char *err, size_t errlen);
int rtpp_config_load_string(const char *yaml, size_t len, const char *name,
			    struct rtpp_config **out, char *err, size_t errlen);
void rtpp_config_free(struct rtpp_config *cfg);

/* Which interface owns addr (one of its addresses, exactly)? -1 when none. */
int rtpp_config_iface_owning(const struct rtpp_config *cfg, const struct rtpp_addr *addr);

/*
 * Where the API listens: "ADDRESS:PORT" ("[::]:50051", "127.0.0.1:50051") or
 * "unix:/ABSOLUTE/PATH" (a Unix socket in an existing directory, for a
 * client on the same host). Written normalised into out (at least
 * RTPP_API_LISTEN_LEN bytes). 0, or -1 with *why saying what is wrong.
 */
int rtpp_config_api_listen_parse(const char *text, char *out, size_t outlen, const char **why);

/* May a session use addr as a remote under cfg's policy? */
bool rtpp_config_remote_allowed(const struct rtpp_config *cfg, const struct rtpp_addr *addr);

/*
 * Receive queues a worker polls, at most: each interface's data queues are
 * shared out round robin (rx_queues, or one per worker when 0) and every
 * worker polls one queue of each interface's TAP. The busiest worker (the
 * first) polls this many with n_workers workers.
 */
#define RTPP_MAX_POLL_QUEUES_PER_WORKER 128

/*
 * Is an API listening on listen (api.listen or --api-listen, already
 * parsed) reachable from beyond this host without TLS? True for a TCP
 * address other than loopback (127.0.0.0/8, ::1) when api has no tls_cert;
 * false for a Unix socket. The proxy warns at start when it is.
 */
/*
 * The whole of a TLS file the configuration names (PEM), NUL-terminated and
 * malloc'd, for a server to hand to its TLS library; NULL when path is ""
 * (not configured), or NULL with "WHO: cannot read PATH: why" in err.
 */
char *rtpp_config_read_pem(const char *who, const char *path, char *err, size_t errlen);
/* Is listen ("ADDRESS:PORT" or "unix:/PATH") reachable from this host only? */
bool rtpp_config_listen_is_local(const char *listen);
bool rtpp_config_api_plaintext_exposed(const struct rtpp_api_config *api, const char *listen);
unsigned int rtpp_config_worker_poll_queues(const struct rtpp_config *cfg, unsigned int n_workers);

#endif
