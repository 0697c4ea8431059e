/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK telemetry commands under /rtpproxy/, built from the data plane's
 * public views (rtpp_dataplane.h). Each view takes the data plane's lock
 * itself; bind_lock only keeps the data plane alive while a command reads it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_telemetry.h>

#include "rtpp_telemetry.h"

static struct rtpp_dataplane *bound;
static pthread_mutex_t bind_lock = PTHREAD_MUTEX_INITIALIZER;

static void bind_to(struct rtpp_dataplane *dp)
{
	pthread_mutex_lock(&bind_lock);
	bound = dp;
	pthread_mutex_unlock(&bind_lock);
}

void rtpp_telemetry_unbind(void)
{
	bind_to(NULL);
}

/* Run fn on the bound data plane; -ENODEV when shutting down. */
static int with_dataplane(int (*fn)(struct rtpp_dataplane *, const char *, struct rte_tel_data *),
			  const char *params, struct rte_tel_data *d)
{
	int rc = -ENODEV;

	pthread_mutex_lock(&bind_lock);
	if (bound != NULL)
		rc = fn(bound, params, d);
	pthread_mutex_unlock(&bind_lock);
	return rc;
}

/*
 * DPDK 22.11 accepts only [A-Za-z0-9_/] in dict keys and silently drops
 * the entry otherwise: map everything else to '_' (the real name and address
 * are inside the value).
 */
static const char *telemetry_key(char *out, size_t len, const char *in)
{
	size_t i;

	for (i = 0; i + 1 < len && in[i] != '\0'; i++) {
		char c = in[i];

		bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '_' || c == '/';

		out[i] = keep ? c : '_';
	}
	out[i] = '\0';
	return out;
}

static void add_counters(struct rte_tel_data *d, const void *c,
			 const struct rtpp_counter_field *fields, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		rte_tel_data_add_dict_u64(d, fields[i].name, rtpp_counter_read(c, fields[i].offset));
}

static int info_cmd(struct rtpp_dataplane *dp, const char *params, struct rte_tel_data *d)
{
	struct rtpp_dataplane_info info;

	RTE_SET_USED(params);
	rtpp_dataplane_info(dp, &info);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "version", RTPP_VERSION);
	rte_tel_data_add_dict_string(d, "state", info.running ? "running" : "starting");
	rte_tel_data_add_dict_u64(d, "workers", info.workers);
	rte_tel_data_add_dict_u64(d, "interfaces", info.interfaces);
	rte_tel_data_add_dict_u64(d, "sessions", info.sessions);
	rte_tel_data_add_dict_u64(d, "max_sessions", info.max_sessions);
	rte_tel_data_add_dict_u64(d, "neighbours", info.neighbours);
	rte_tel_data_add_dict_u64(d, "uptime_s", info.uptime_s);
	rte_tel_data_add_dict_u64(d, "mbufs_free", info.mbufs_free);
	rte_tel_data_add_dict_u64(d, "events_lost", info.events_lost);
	rte_tel_data_add_dict_u64(d, "latches", info.latches);
	rte_tel_data_add_dict_u64(d, "relatches", info.relatches);
	rte_tel_data_add_dict_u64(d, "latch_refused", info.latch_refused);
	rte_tel_data_add_dict_u64(d, "neigh_updates", info.neigh_updates);
	rte_tel_data_add_dict_u64(d, "neigh_refused_locked", info.neigh_refused_locked);
	rte_tel_data_add_dict_u64(d, "neigh_refused_no_override", info.neigh_refused_no_override);
	return 0;
}

static int ports_cmd(struct rtpp_dataplane *dp, const char *params, struct rte_tel_data *d)
{
	struct rtpp_iface_view v;

	RTE_SET_USED(params);
	rte_tel_data_start_dict(d);
	for (unsigned int i = 0; rtpp_dataplane_iface_view(dp, i, &v) == 0; i++) {
		struct rte_tel_data *c = rte_tel_data_alloc();
		char key[RTE_TEL_MAX_STRING_LEN];

		if (c == NULL)
			return -ENOMEM;
		rte_tel_data_start_dict(c);
		add_counters(c, &v.counters, rtpp_iface_counter_fields, rtpp_iface_counter_nfields);
		/* Beside the proxy's own drops, what was lost before it saw the frames. */
		add_counters(c, &v.host_drops, rtpp_host_drop_counter_fields,
			     rtpp_host_drop_counter_nfields);
		rte_tel_data_add_dict_u64(c, "host_ring_sockets", v.host_ring_sockets);
		rte_tel_data_add_dict_u64(c, "port_id", v.port_id);
		rte_tel_data_add_dict_u64(c, "tap_port_id", v.tap_port_id);
		rte_tel_data_add_dict_string(c, "name", v.name);
		if (v.has_media_ports)
			rte_tel_data_add_dict_u64(c, "media_ports_free", v.media_ports_free);
		rte_tel_data_add_dict_container(d, telemetry_key(key, sizeof(key), v.name), c, 0);
	}
	return 0;
}

/* /rtpproxy/sessions[,START]: up to the telemetry array limit of ids from START. */
static int sessions_cmd(struct rtpp_dataplane *dp, const char *params, struct rte_tel_data *d)
{
	uint64_t ids[RTE_TEL_MAX_ARRAY_ENTRIES];
	uint32_t cursor = 0;
	unsigned int n = 0;

	/* The start is a session index cursor, ids are what callers use. */
	if (params != NULL && *params != '\0')
		cursor = (uint32_t)strtoul(params, NULL, 10);
	/* Each call holds the data plane's lock for a bounded part of the table only. */
	while (n < RTE_DIM(ids) && cursor != UINT32_MAX)
		n += rtpp_dataplane_session_ids(dp, &cursor, ids + n, RTE_DIM(ids) - n);
	rte_tel_data_start_array(d, RTE_TEL_U64_VAL);
	for (unsigned int i = 0; i < n; i++)
		rte_tel_data_add_array_u64(d, ids[i]);
	return 0;
}

static void add_endpoint(struct rte_tel_data *d, const char *name, const struct rtpp_endpoint *e)
{
	char s[RTPP_ENDPOINT_STRLEN];

	if (rtpp_addr_is_set(&e->addr))
		rtpp_endpoint_format(e, s, sizeof(s));
	else
		snprintf(s, sizeof(s), "-");
	rte_tel_data_add_dict_string(d, name, s);
}

static int session_cmd(struct rtpp_dataplane *dp, const char *params, struct rte_tel_data *d)
{
	static const char *const flow_names[RTPP_FLOWS_PER_SESSION] = {
		"a_to_b",
		"rtcp_a_to_b",
		"b_to_a",
		"rtcp_b_to_a",
	};
	struct rtpp_session_status st;
	char *end;

	if (params == NULL || *params == '\0')
		return -EINVAL;
	uint64_t id = strtoull(params, &end, 10);
	if (*end != '\0')
		return -EINVAL;
	if (rtpp_dataplane_session_status(dp, id, &st) != 0)
		return -ENOENT;

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "id", st.id);
	rte_tel_data_add_dict_string(d, "name", st.name);
	rte_tel_data_add_dict_string(d, "state", rtpp_dataplane_state_name(st.state));
	rte_tel_data_add_dict_string(d, "origin", st.is_static ? "config" : "api");
	rte_tel_data_add_dict_u64(d, "created_unix_ms", st.created_unix_ms);
	add_endpoint(d, "a_local", &st.listen);
	add_endpoint(d, "a_remote", &st.source);
	add_endpoint(d, "b_local", &st.forward);
	add_endpoint(d, "b_remote", &st.destination);
	for (unsigned int f = 0; f < RTPP_FLOWS_PER_SESSION; f++) {
		struct rte_tel_data *c = rte_tel_data_alloc();

		if (c == NULL)
			return -ENOMEM;
		rte_tel_data_start_dict(c);
		add_counters(c, &st.flows[f], rtpp_flow_counter_fields, rtpp_flow_counter_nfields);
		rte_tel_data_add_dict_container(d, flow_names[f], c, 0);
	}
	/* Round trips to each leg's remote, from RTCP (see lib/rtp). */
	for (unsigned int leg = 0; leg < RTPP_LEGS_PER_SESSION; leg++) {
		char key[32];

		snprintf(key, sizeof(key), "%c_rtt_samples", leg == RTPP_LEG_A ? 'a' : 'b');
		rte_tel_data_add_dict_u64(d, key, st.legs[leg].rtt_samples);
		snprintf(key, sizeof(key), "%c_rtt_avg_us", leg == RTPP_LEG_A ? 'a' : 'b');
		rte_tel_data_add_dict_u64(d, key, (uint64_t)(st.legs[leg].rtt_avg_ms * 1000.0));
	}
	rte_tel_data_add_dict_u64(d, "idle_ms", st.idle_ms);
	return 0;
}

struct neigh_walk_ctx {
	struct rte_tel_data *d;
	unsigned int n;
};

static void neigh_add(void *arg, const struct rtpp_neigh_view *nv)
{
	struct neigh_walk_ctx *ctx = arg;
	char addr[RTPP_ADDR_STRLEN], mac[RTE_ETHER_ADDR_FMT_SIZE], key[RTE_TEL_MAX_STRING_LEN];
	char raw_key[RTE_TEL_MAX_STRING_LEN];
	struct rte_tel_data *c;

	if (ctx->n >= RTE_TEL_MAX_DICT_ENTRIES || (c = rte_tel_data_alloc()) == NULL)
		return;
	rte_tel_data_start_dict(c);
	rte_tel_data_add_dict_string(c, "iface", nv->iface);
	rte_tel_data_add_dict_string(c, "addr", rtpp_addr_format(&nv->addr, addr, sizeof(addr)));
	if (nv->usable) {
		struct rte_ether_addr ea;

		memcpy(ea.addr_bytes, nv->mac, sizeof(ea.addr_bytes));
		rte_ether_format_addr(mac, sizeof(mac), &ea);
	} else {
		snprintf(mac, sizeof(mac), "-");
	}
	rte_tel_data_add_dict_string(c, "mac", mac);
	rte_tel_data_add_dict_string(c, "state", nv->state);
	rte_tel_data_add_dict_u64(c, "sessions", nv->sessions);
	snprintf(raw_key, sizeof(raw_key), "%s/%s", nv->iface, addr);
	if (rte_tel_data_add_dict_container(ctx->d, telemetry_key(key, sizeof(key), raw_key), c,
					    0) != 0)
		rte_tel_data_free(c);
	ctx->n++;
}

static int neighbours_cmd(struct rtpp_dataplane *dp, const char *params, struct rte_tel_data *d)
{
	struct neigh_walk_ctx ctx = { .d = d };

	RTE_SET_USED(params);
	/* DPDK 22.11 nests dicts only inside dicts: keyed by "<iface>/<address>". */
	rte_tel_data_start_dict(d);
	rtpp_dataplane_neigh_walk(dp, neigh_add, &ctx);
	return 0;
}

static int workers_cmd(struct rtpp_dataplane *dp, const char *params, struct rte_tel_data *d)
{
	struct rtpp_worker_view v;

	RTE_SET_USED(params);
	rte_tel_data_start_dict(d);
	for (unsigned int w = 0; rtpp_dataplane_worker_view(dp, w, &v) == 0; w++) {
		struct rte_tel_data *c = rte_tel_data_alloc();
		char key[16];

		if (c == NULL)
			return -ENOMEM;
		rte_tel_data_start_dict(c);
		rte_tel_data_add_dict_u64(c, "id", v.id);
		rte_tel_data_add_dict_u64(c, "lcore", v.lcore);
		rte_tel_data_add_dict_u64(c, "queues", v.queues);
		rte_tel_data_add_dict_u64(c, "loops", v.loops);
		rte_tel_data_add_dict_u64(c, "idle_sleeps", v.idle_sleeps);
		rte_tel_data_add_dict_u64(c, "busy_cycles", v.busy_cycles);
		snprintf(key, sizeof(key), "worker%u", w);
		rte_tel_data_add_dict_container(d, key, c, 0);
	}
	return 0;
}

#define TEL_WRAPPER(name)                                                                  \
	static int name##_tel(const char *cmd, const char *params, struct rte_tel_data *d) \
	{                                                                                  \
		RTE_SET_USED(cmd);                                                         \
		return with_dataplane(name##_cmd, params, d);                              \
	}
/* What the main loop published of the API last (see rtpp_telemetry_publish_api). */
static struct rtpp_telemetry_api api_copy;
static bool api_published;
static pthread_mutex_t api_lock = PTHREAD_MUTEX_INITIALIZER;

void rtpp_telemetry_publish_api(const struct rtpp_telemetry_api *api)
{
	pthread_mutex_lock(&api_lock);
	api_copy = *api;
	api_published = true;
	pthread_mutex_unlock(&api_lock);
}

static int api_tel(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct rtpp_telemetry_api a;
	char key[RTE_TEL_MAX_STRING_LEN];
	bool have;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	pthread_mutex_lock(&api_lock);
	a = api_copy;
	have = api_published;
	pthread_mutex_unlock(&api_lock);
	if (!have)
		return -ENODEV;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "calls_in_progress", a.calls_in_progress);
	rte_tel_data_add_dict_u64(d, "streams", a.streams);
	rte_tel_data_add_dict_u64(d, "max_streams", a.max_streams);
	rte_tel_data_add_dict_u64(d, "streams_refused", a.streams_refused);
	for (unsigned int i = 0; i < a.n_kinds && i < RTPP_TELEMETRY_API_KINDS; i++) {
		/* "api.max_event_streams" -> event_streams_open, _max, _refused */
		const char *kind = a.kinds[i].setting;

		if (strncmp(kind, "api.max_", 8) == 0)
			kind += 8;
		snprintf(key, sizeof(key), "%s_open", kind);
		rte_tel_data_add_dict_u64(d, telemetry_key(key, sizeof(key), key), a.kinds[i].open);
		snprintf(key, sizeof(key), "%s_max", kind);
		rte_tel_data_add_dict_u64(d, telemetry_key(key, sizeof(key), key), a.kinds[i].max);
		snprintf(key, sizeof(key), "%s_refused", kind);
		rte_tel_data_add_dict_u64(d, telemetry_key(key, sizeof(key), key),
					  a.kinds[i].refused);
	}
	rte_tel_data_add_dict_u64(d, "event_subscribers", a.event_subscribers);
	rte_tel_data_add_dict_u64(d, "events_sent", a.events_sent);
	rte_tel_data_add_dict_u64(d, "events_dropped", a.events_dropped);
	rte_tel_data_add_dict_u64(d, "audit_records", a.audit_records);
	rte_tel_data_add_dict_u64(d, "audit_write_errors", a.audit_write_errors);
	/* "calls/rtpproxy_RtpProxy/CreateSession": [count of code 0, 1, ... 16] */
	for (unsigned int i = 0; i < a.n_calls && i < RTPP_TELEMETRY_API_METHODS; i++) {
		struct rte_tel_data *codes = rte_tel_data_alloc();
		char name[sizeof(a.calls[i].method) + 8];

		if (codes == NULL)
			break;
		rte_tel_data_start_array(codes, RTE_TEL_U64_VAL);
		for (unsigned int c = 0; c < RTPP_TELEMETRY_API_CODES; c++)
			rte_tel_data_add_array_u64(codes, a.calls[i].by_code[c]);
		snprintf(name, sizeof(name), "calls%s",
			 a.calls[i].method[0] != '\0' ? a.calls[i].method : "/unregistered");
		rte_tel_data_add_dict_container(d, telemetry_key(key, sizeof(key), name), codes, 0);
	}
	return 0;
}

/*
 * /rtpproxy/debug/stall_worker,ID,MS (HAProxy's "debug dev loop" in spirit:
 * only when the operator started the proxy with --debug-commands).
 */
static bool debug_allowed;

void rtpp_telemetry_allow_debug(bool allow)
{
	debug_allowed = allow;
}

static int debug_error(struct rte_tel_data *d, const char *why)
{
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "error", why);
	return 0;
}

static int stall_worker_cmd(struct rtpp_dataplane *dp, const char *params, struct rte_tel_data *d)
{
	struct rtpp_worker_view v;
	unsigned long id, ms;
	char *end;
	int rc;

	if (!debug_allowed)
		return debug_error(d, "debug commands are off: start rtpproxy with --debug-commands");
	if (params == NULL || *params < '0' || *params > '9')
		return debug_error(d, "want ID,MS: a worker id and milliseconds");
	id = strtoul(params, &end, 10);
	if (*end != ',' || end[1] < '0' || end[1] > '9')
		return debug_error(d, "want ID,MS: a worker id and milliseconds");
	ms = strtoul(end + 1, &end, 10);
	if (*end != '\0')
		return debug_error(d, "want ID,MS: a worker id and milliseconds");
	if (id > UINT16_MAX || rtpp_dataplane_worker_view(dp, (unsigned int)id, &v) != 0)
		return debug_error(d, "no such worker (see /rtpproxy/workers)");
	rc = ms > RTPP_DATAPLANE_MAX_STALL_MS ?
		     -EINVAL :
		     rtpp_dataplane_worker_stall(dp, (unsigned int)id, (unsigned int)ms);
	if (rc != 0) {
		char why[64];

		snprintf(why, sizeof(why), "MS must be 1 to %u", RTPP_DATAPLANE_MAX_STALL_MS);
		return debug_error(d, why);
	}
	fprintf(stderr, "rtpproxy: debug command: worker %lu (lcore %u) stalls for %lu ms\n", id,
		v.lcore, ms);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "worker", id);
	rte_tel_data_add_dict_u64(d, "lcore", v.lcore);
	rte_tel_data_add_dict_u64(d, "stall_ms", ms);
	return 0;
}

TEL_WRAPPER(stall_worker)
TEL_WRAPPER(info)
TEL_WRAPPER(ports)
TEL_WRAPPER(sessions)
TEL_WRAPPER(session)
TEL_WRAPPER(neighbours)
TEL_WRAPPER(workers)

int rtpp_telemetry_register(struct rtpp_dataplane *dp)
{
	static const struct {
		const char *cmd;
		telemetry_cb fn;
		const char *help;
	} cmds[] = {
		{ "/rtpproxy/info", info_tel, "Proxy state, sessions, uptime. No parameters." },
		{ "/rtpproxy/ports", ports_tel, "Counters of every data interface. No parameters." },
		{ "/rtpproxy/sessions", sessions_tel,
		  "Session ids (at most 512). Parameter: start index cursor (optional)." },
		{ "/rtpproxy/session", session_tel,
		  "One session's endpoints and counters. Parameter: id." },
		{ "/rtpproxy/neighbours", neighbours_tel,
		  "Next hops keyed <iface>/<address> (. and : as _): addr, mac, state." },
		{ "/rtpproxy/workers", workers_tel, "Worker lcores: loops and busy cycles." },
		{ "/rtpproxy/api", api_tel,
		  "gRPC server: calls and streams open, their bounds, refusals, event fan-out." },
		{ "/rtpproxy/debug/stall_worker", stall_worker_tel,
		  "Debug (--debug-commands only): worker ID spins MS ms without polling. "
		  "Parameters: ID,MS." },
	};
	static bool registered;

	bind_to(dp);
	if (registered)
		return 0;
	for (unsigned int i = 0; i < RTE_DIM(cmds); i++) {
		int rc = rte_telemetry_register_cmd(cmds[i].cmd, cmds[i].fn, cmds[i].help);

		if (rc != 0)
			return rc;
	}
	registered = true;
	return 0;
}
