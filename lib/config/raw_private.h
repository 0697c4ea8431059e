/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to lib/config: the document as libcyaml loads it, before any
 * conversion. Types only, no functions: the loader's schema (config.c) fills
 * them and the converters (config_validate.c and the section files) read
 * them. Scalars are loaded as text on purpose: libcyaml 1.3 reads "1.5" as
 * the integer 1, "010" as 8 and "maybe" as true; parsing them in the
 * converters keeps the accepted syntax strict and the error messages ours.
 * Every char * holds a scalar as written in the file, NULL when its key is
 * absent (the schema makes sure a required key is there).
 */
#ifndef RTPP_CONFIG_RAW_H
#define RTPP_CONFIG_RAW_H

/* One entry of "interfaces:". */
struct raw_interface {
	char *name;                   /* required: the interface's (and its TAP's) name */
	char *device;                 /* required: PCI address or vdev with its arguments */
	char **addresses;             /* required: "ADDRESS/LENGTH" each */
	unsigned int addresses_count; /* entries in addresses; 0 for "[]" */
	char *gateway4;               /* IPv4 next hop beyond the subnets */
	char *gateway6;               /* IPv6 next hop beyond the subnets */
	char *ports;                  /* required: media UDP range "MIN-MAX" */
	char *rx_queues;              /* decimal: RSS queues */
	char *mtu;                    /* decimal: the device's MTU */
};

/* "dataplane:", decimal each. */
struct raw_dataplane {
	char *workers;            /* worker lcores to use */
	char *burst;              /* packets per rx/tx burst */
	char *max_sessions;       /* session table capacity */
	char *mbufs;              /* mbufs per NUMA socket */
	char *rx_desc;            /* descriptors per rx queue */
	char *tx_desc;            /* descriptors per tx queue */
	char *idle_sleep_us;      /* a worker's sleep when idle */
	char *kernel_rate_pps;    /* packets/s a worker hands one TAP, ARP/ND/ICMP aside */
	char *kernel_control_pps; /* packets/s of ARP, ND and ICMP a worker hands one TAP */
};

/* "api:". */
struct raw_api {
	char *listen;                 /* "ADDRESS:PORT" or "unix:/PATH" */
	char *tls_cert;               /* path of a PEM file */
	char *tls_key;                /* path of a PEM file */
	char *tls_client_ca;          /* path of a PEM file */
	char *max_streams;            /* streaming calls at once */
	char *max_event_streams;      /* StreamSessionEvents calls at once */
	char *max_health_watches;     /* Health/Watch calls at once */
	char *max_reflection_streams; /* reflection calls at once */
	char *memory_quota_mb;        /* grpc's buffers, all connections */
	char *keepalive_s;            /* ping idle connections this often */
};

/* "http:". */
struct raw_http {
	char *enabled;         /* boolean */
	char *listen;          /* "ADDRESS:PORT" */
	char *tls_cert;        /* path of a PEM file */
	char *tls_key;         /* path of a PEM file */
	char *tls_client_ca;   /* path of a PEM file */
	char *read_only;       /* boolean: the console never writes */
	char *max_connections; /* HTTP connections at once */
	char *session_series;  /* sessions with series of their own on /metrics */
};

/* "audit:". */
struct raw_audit {
	char *to_stdout; /* "stdout", boolean */
	char *file;      /* path the trail is appended to */
};

/* "tcp:". */
struct raw_tcp {
	char *max_sessions;      /* TCP sessions at once */
	char *buffer_kb;         /* per direction of a connection */
	char *max_buffer_mb;     /* all connections' buffers together */
	char *connect_timeout_s; /* the onward connection must be up by then */
	char *idle_timeout_s;    /* no byte either way: closed */
	char *kernel_pps;        /* TCP sessions' segments each worker hands the kernel */
};

/* "policy:". */
struct raw_policy {
	char **allowed_remotes;             /* "ADDRESS/LENGTH" each; NULL when absent or "[]" */
	unsigned int allowed_remotes_count; /* entries in allowed_remotes; 0 when absent or "[]" */
};

/* "media:", the defaults of the sessions' media rules. */
struct raw_media {
	char *strict_source;         /* boolean: drop other sources once the remote is known */
	char *relay_unrecognised;    /* boolean: relay what is not RTP, RTCP, STUN or DTLS */
	char *learning_window_ms;    /* decimal: how long an unannounced source may latch */
	char *relatch_silence_ms;    /* decimal: silence before a NAT rebinding re-latches */
	char *inactivity_timeout_s;  /* decimal: close after this long without media */
	char *first_media_timeout_s; /* decimal: close when no media came this long */
	char *max_lifetime_s;        /* decimal: close this long after creation */
	char *rate_limit_pps;        /* decimal: packets/s per direction */
	char *rate_limit_bps;        /* decimal, or with a k, M or G suffix: bits/s per direction */
	char *clock_rate;            /* decimal: RTP clock of dynamic payload types */
};

/* One entry of "sessions:". */
struct raw_session {
	char *name;            /* the session's name */
	char *listen;          /* required: leg A's local "ADDRESS:PORT" */
	char *forward;         /* required: leg B's local "ADDRESS:PORT" */
	char *destination;     /* required: leg B's remote "ADDRESS:PORT" */
	char *source;          /* leg A's remote "ADDRESS:PORT" */
	char *expected_source; /* "ADDRESS" leg A's remote is learnt from; not with source */
	char *rtcp;            /* boolean: also relay port+1 */
};

/* The whole document. */
struct raw_config {
	struct raw_interface *interfaces; /* required: "interfaces:" in order */
	unsigned int interfaces_count;    /* entries in interfaces */
	struct raw_dataplane *dataplane;  /* NULL when the section is absent or empty */
	struct raw_api *api;              /* NULL when the section is absent or empty */
	struct raw_policy *policy;        /* NULL when the section is absent or empty */
	struct raw_media *media;          /* NULL when the section is absent or empty */
	struct raw_tcp *tcp;              /* NULL when the section is absent or empty */
	struct raw_http *http;            /* NULL when the section is absent or empty */
	struct raw_audit *audit;          /* NULL when the section is absent or empty */
	struct raw_session *sessions;     /* "sessions:" in order; NULL when absent or empty */
	unsigned int sessions_count;      /* entries in sessions */
};

#endif
