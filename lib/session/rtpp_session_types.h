/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Session types shared by every layer that speaks of sessions: the
 * configuration (static sessions), the session table, the data plane and the
 * API. Types and limits only, no functions, and nothing but <stdint.h>,
 * <stdbool.h> and the address type: any library may include it without
 * pulling DPDK or a dependency cycle along (as HAProxy's "-t.h" headers).
 *
 * Each limit is defined here once.
 */
#ifndef RTPP_SESSION_TYPES_H
#define RTPP_SESSION_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "rtpp_addr.h"

/* Room for a session name, NUL included: at most 63 characters. */
#define RTPP_SESSION_NAME_MAX 64

/* The two legs of a session; leg A is the caller's (listen), leg B the callee's (forward). */
#define RTPP_LEG_A 0
#define RTPP_LEG_B 1
#define RTPP_LEGS_PER_SESSION 2

/* Flows of a session, numbered leg * 2 + rtcp: where the packets arrive. */
#define RTPP_FLOW_A_TO_B 0      /* RTP arriving on leg A, sent from leg B */
#define RTPP_FLOW_RTCP_A_TO_B 1 /* RTCP (port+1) arriving on leg A */
#define RTPP_FLOW_B_TO_A 2
#define RTPP_FLOW_RTCP_B_TO_A 3
#define RTPP_FLOWS_PER_SESSION 4

/*
 * How a session's media travels; the values are IP protocol numbers (the
 * session table's keys carry them) and map to the API's Protocol. UDP is
 * relayed by the workers, TCP by the kernel and lib/tcprelay.
 */
enum rtpp_protocol {
	RTPP_PROTO_TCP = 6,
	RTPP_PROTO_UDP = 17,
};

/* Where a session is in its life. The values are the API's SessionState. */
enum rtpp_session_state {
	RTPP_SESSION_FREE = 0, /* no session (an unused slot); "any" in a filter */
	RTPP_SESSION_CREATED,
	RTPP_SESSION_CONNECTING,
	RTPP_SESSION_ACTIVE,
	RTPP_SESSION_ERROR,
	RTPP_SESSION_CLOSED,
};

/*
 * A session's media rules (docs/media-security.md). The configuration's
 * "media:" section gives the defaults; CreateSession and UpdateSession may
 * override any of them per session.
 */
struct rtpp_media_options {
	bool strict_source;      /* once a leg's remote is known, refuse every other source */
	bool relay_unrecognised; /* relay payloads that are not RTP, RTCP, STUN or DTLS */
	uint32_t learning_window_ms; /* after learning opens, how long an unannounced source may latch */
	uint32_t relatch_silence_ms;   /* a NAT rebinding re-latches after this much silence */
	uint32_t inactivity_timeout_s; /* no media either way this long: close; 0 never */
	uint32_t first_media_timeout_s; /* no media at all this long after creation: close; 0 never */
	uint32_t max_lifetime_s;        /* close this long after creation; 0 never */
	uint32_t rate_limit_pps;        /* per direction; 0 unlimited */
	uint64_t rate_limit_bps;        /* per direction, IP packet bits; 0 unlimited */
	uint32_t clock_rate;            /* RTP clock of dynamic payload types (jitter); 0 none */
};

/* The range of each media rule, for the configuration and the API alike. */
#define RTPP_MEDIA_LEARNING_WINDOW_MS_MAX 3600000u
#define RTPP_MEDIA_RELATCH_SILENCE_MS_MIN 50u
#define RTPP_MEDIA_RELATCH_SILENCE_MS_MAX 60000u
#define RTPP_MEDIA_TIMEOUT_S_MAX 86400u        /* inactivity and first media */
#define RTPP_MEDIA_MAX_LIFETIME_S_MAX 2592000u /* 30 days */
#define RTPP_MEDIA_RATE_LIMIT_PPS_MAX 10000000u
#define RTPP_MEDIA_RATE_LIMIT_BPS_MAX 100000000000ull
#define RTPP_MEDIA_CLOCK_RATE_MIN 1000u /* or 0: none */
#define RTPP_MEDIA_CLOCK_RATE_MAX 200000u

/* Which fields of an override are given (bits of rtpp_media_override.set). */
enum rtpp_media_field {
	RTPP_MEDIA_STRICT_SOURCE = 1u << 0,
	RTPP_MEDIA_RELAY_UNRECOGNISED = 1u << 1,
	RTPP_MEDIA_LEARNING_WINDOW = 1u << 2,
	RTPP_MEDIA_RELATCH_SILENCE = 1u << 3,
	RTPP_MEDIA_INACTIVITY_TIMEOUT = 1u << 4,
	RTPP_MEDIA_FIRST_MEDIA_TIMEOUT = 1u << 5,
	RTPP_MEDIA_MAX_LIFETIME = 1u << 6,
	RTPP_MEDIA_RATE_LIMIT_PPS = 1u << 7,
	RTPP_MEDIA_RATE_LIMIT_BPS = 1u << 8,
	RTPP_MEDIA_CLOCK_RATE = 1u << 9,
};

/* Some media rules of a request; the rest keep their default (create) or value (update). */
struct rtpp_media_override {
	uint32_t set; /* enum rtpp_media_field bits */
	struct rtpp_media_options v;
};

/* A session as the control plane asks for it (the seed's model). */
struct rtpp_session_request {
	const char *name;                 /* "" or NULL: none; at most RTPP_SESSION_NAME_MAX - 1 */
	struct rtpp_endpoint listen;      /* leg A local; port 0: allocate */
	struct rtpp_endpoint forward;     /* leg B local; port 0: allocate */
	struct rtpp_endpoint destination; /* leg B remote */
	struct rtpp_endpoint source;      /* leg A remote; family NONE: unknown */
	bool rtcp;                        /* port+1 of every endpoint relays RTCP (UDP) */
	bool is_static;                   /* from the configuration file: never expires */
	uint8_t protocol;                 /* enum rtpp_protocol; 0 means UDP */
	bool rfc4571;                     /* TCP: count the RTP framed in the stream */
	/* What the SDP announced for a leg whose remote is learnt: family NONE: nothing. */
	struct rtpp_addr expected[RTPP_LEGS_PER_SESSION];
	struct rtpp_media_override media;
};

/* A change to one leg (re-INVITE, hold, transfer). */
struct rtpp_leg_update {
	bool set_remote; /* remote becomes this; strict to it at once */
	struct rtpp_endpoint remote;
	bool set_expected; /* expected becomes this (family NONE clears) */
	struct rtpp_addr expected;
	bool relearn;    /* forget the remote and learn it again */
	bool set_paused; /* stop or resume relaying what arrives on this leg */
	bool paused;
};

/* UpdateSession: local endpoints and counters stay; everything else may change. */
struct rtpp_session_update {
	uint64_t id;
	struct rtpp_leg_update leg[RTPP_LEGS_PER_SESSION];
	struct rtpp_media_override media;
};

/* How a leg knows its remote. */
enum rtpp_leg_learning {
	RTPP_LEARN_GIVEN = 0, /* the control plane gave it */
	RTPP_LEARN_OPEN,      /* learning from any source, within the window */
	RTPP_LEARN_EXPECTED,  /* learning from the expected address only */
	RTPP_LEARN_LATCHED,   /* learnt from the media */
	RTPP_LEARN_CLOSED,    /* the window passed with nothing to learn from */
};

/* Why a session ended. The values are the API's CloseReason. */
enum rtpp_close_reason {
	RTPP_CLOSE_NONE = 0,
	RTPP_CLOSE_DESTROYED,  /* DestroySession */
	RTPP_CLOSE_INACTIVITY, /* media stopped (inactivity_timeout_s) */
	RTPP_CLOSE_NO_MEDIA,   /* media never started (first_media_timeout_s) */
	RTPP_CLOSE_LIFETIME,   /* max_lifetime_s reached */
	RTPP_CLOSE_ENDED,      /* TCP: both sides closed their connection */
};
#define RTPP_CLOSE_REASONS (RTPP_CLOSE_ENDED + 1)

/* One leg's learning and forwarding, as reported. */
struct rtpp_leg_state {
	enum rtpp_leg_learning learning;
	struct rtpp_addr expected; /* family NONE: none */
	bool paused;               /* what arrives on this leg is not relayed */
	uint16_t rtcp_port;        /* the remote's RTCP port (remote port + 1 until RTCP came) */
	uint32_t ssrc;             /* the latched source's SSRC, 0 before */
	uint32_t relatches;        /* NAT rebindings followed */
	uint64_t latched_unix_ms;  /* when the remote was last learnt, 0: never */
};

/* A flow's counters added up over the workers: what telemetry and the API report. */
struct rtpp_flow_stats {
	uint64_t rx_packets;
	uint64_t rx_bytes;
	uint64_t tx_packets; /* derived: received less dropped */
	uint64_t tx_bytes;
	uint64_t drop_no_remote;
	uint64_t drop_no_neighbour;
	uint64_t drop_tx_full;
	uint64_t rtp_lost;            /* sequence gaps (RTP flows) */
	uint64_t drop_foreign_source; /* from an address:port that is not the leg's remote */
	uint64_t drop_not_media;      /* neither RTP/RTCP nor STUN/DTLS */
	uint64_t drop_malformed;  /* media by its first byte, whose header does not hold together */
	uint64_t drop_rate_limit; /* over the session's rate limit */
	uint64_t drop_paused;     /* the direction is paused (hold) */
	uint64_t stun_dtls;       /* STUN and DTLS packets relayed (RFC 7983) */
	uint64_t ssrc_changes;    /* RTP flows: a new SSRC took over */
	uint64_t tcp_segments_in; /* TCP: data segments the sender's connection received */
	uint64_t tcp_segments_out; /* TCP: data segments the receiver's connection sent */
	uint64_t last_rx_tsc;      /* last accepted packet, the latest of the copies; 0: none */
	uint8_t jitter_pt;         /* RTP flows: payload type of the latest packet */
	uint32_t jitter_units16;   /* its RFC 3550 A.8 jitter, in RTP units x 16 */
	double jitter_ms;          /* the same in ms, once its clock is known; 0: unknown */
};

/* What RTCP tells of one leg's remote (see lib/rtp). */
struct rtpp_leg_quality {
	uint32_t rtt_samples; /* round trips proxy <-> this leg's remote measured */
	double rtt_avg_ms;
	double rtt_last_ms;
	bool has_report; /* this leg's remote sent a report block */
	int32_t reported_cumulative_lost;
	double reported_fraction_lost; /* 0..1 */
};

/* A session as the control plane reports it: endpoints, state, counters summed over workers. */
struct rtpp_session_status {
	uint64_t id;
	char name[RTPP_SESSION_NAME_MAX];
	enum rtpp_session_state state;
	bool is_static;
	bool rtcp;
	uint64_t created_unix_ms;
	struct rtpp_endpoint listen, source, forward, destination;
	uint16_t iface_a, iface_b;                            /* interface index of each leg */
	struct rtpp_flow_stats flows[RTPP_FLOWS_PER_SESSION]; /* RTPP_FLOW_* */
	struct rtpp_leg_quality legs[RTPP_LEGS_PER_SESSION];  /* RTPP_LEG_* */
	uint64_t last_rx_unix_ms[RTPP_FLOWS_PER_SESSION];     /* 0: nothing received */
	uint64_t idle_ms; /* since the last packet of any flow, or since creation */
	struct rtpp_leg_state leg_state[RTPP_LEGS_PER_SESSION];
	struct rtpp_media_options media;
	enum rtpp_close_reason close_reason; /* CLOSED only */
	char error[128];                     /* ERROR: why */
	uint8_t protocol;                    /* enum rtpp_protocol */
	bool rfc4571;                        /* TCP: packets are RFC 4571 frames */
	uint64_t connections_refused;        /* TCP: not from source, policy, limits, a second */
};

/* Which sessions a listing returns. */
struct rtpp_session_filter {
	enum rtpp_session_state state; /* RTPP_SESSION_FREE: any */
	int iface;                     /* -1: any; else sessions with a local endpoint on it */
	bool none;                     /* match nothing */
	uint8_t protocol;              /* 0: any; else enum rtpp_protocol */
};

/* What happened to a session; the values are the API's SessionEvent.Type. */
enum rtpp_session_event_type {
	RTPP_EVENT_CREATED = 1,
	RTPP_EVENT_STATE_CHANGED = 2,
	RTPP_EVENT_ERROR = 4,
	RTPP_EVENT_CLOSED = 5,
	RTPP_EVENT_LATCHED = 7, /* a leg's remote was learnt (or followed a NAT rebinding) */
};

struct rtpp_session_event {
	enum rtpp_session_event_type type;
	uint64_t session_id;
	enum rtpp_session_state old_state, new_state;
	const struct rtpp_session_status *status; /* valid during the call only */
	unsigned int leg;                         /* LATCHED: which leg */
	bool relatch;                             /* LATCHED: a NAT rebinding, not the first */
};

#endif
