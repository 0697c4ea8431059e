/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK telemetry commands under /rtpproxy/. They run on the telemetry thread,
 * so they take the data plane's lock against the main lcore's table writes;
 * counters are read without it (see rtpp_stats.h).
 */
#include <errno.h>
#include <stdlib.h>

#include <rte_cycles.h>
#include <rte_telemetry.h>

#include "dataplane_internal.h"

static struct rtpp_dataplane *bound;
static pthread_mutex_t bind_lock = PTHREAD_MUTEX_INITIALIZER;

void rtpp_telemetry_bind(struct rtpp_dataplane *dp)
{
	pthread_mutex_lock(&bind_lock);
	bound = dp;
	pthread_mutex_unlock(&bind_lock);
}

/* Run fn with the bound data plane locked; -ENODEV when shutting down. */
static int with_dataplane(int (*fn)(struct rtpp_dataplane *, const char *, struct rte_tel_data *),
			  const char *params, struct rte_tel_data *d)
{
	int rc = -ENODEV;

	pthread_mutex_lock(&bind_lock);
	if (bound != NULL) {
		pthread_mutex_lock(&bound->lock);
		rc = fn(bound, params, d);
		pthread_mutex_unlock(&bound->lock);
	}
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

		out[i] = (char)((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				(c >= '0' && c <= '9') || c == '_' || c == '/' ? c : '_');
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
	RTE_SET_USED(params);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "version", RTPP_VERSION);
	rte_tel_data_add_dict_string(d, "state", dp->started ? "running" : "starting");
	rte_tel_data_add_dict_u64(d, "workers", dp->n_workers);
	rte_tel_data_add_dict_u64(d, "interfaces", dp->n_ifaces);
	rte_tel_data_add_dict_u64(d, "sessions", rtpp_session_count(dp->sessions));
	rte_tel_data_add_dict_u64(d, "max_sessions", rtpp_session_capacity(dp->sessions));
	rte_tel_data_add_dict_u64(d, "neighbours", rtpp_neigh_count(dp->neigh));
	rte_tel_data_add_dict_u64(d, "uptime_s", dp->started ?
				  (rte_rdtsc() - dp->started_tsc) / rte_get_tsc_hz() : 0);
	rte_tel_data_add_dict_u64(d, "mbufs_free", rte_mempool_avail_count(dp->pool));
	return 0;
}

static int ports_cmd(struct rtpp_dataplane *dp, const char *params, struct rte_tel_data *d)
{
	RTE_SET_USED(params);
	rte_tel_data_start_dict(d);
	for (unsigned int i = 0; i < dp->n_ifaces; i++) {
		struct rte_tel_data *c = rte_tel_data_alloc();
		struct rtpp_port_counters sum;

		if (c == NULL)
			return -ENOMEM;
		rtpp_port_counters_sum(&dp->workers[0]->port_counters[i], sizeof(struct rtpp_worker),
				       dp->n_workers, &sum);
		rte_tel_data_start_dict(c);
		add_counters(c, &sum, rtpp_port_counter_fields, rtpp_port_counter_nfields);
		rte_tel_data_add_dict_u64(c, "port_id", dp->ifaces[i].port_id);
		char key[RTE_TEL_MAX_STRING_LEN];

		rte_tel_data_add_dict_u64(c, "tap_port_id", dp->ifaces[i].tap_port_id);
		rte_tel_data_add_dict_string(c, "name", dp->ifaces[i].cfg->name);
		if (dp->ifaces[i].media_ports != NULL)
			rte_tel_data_add_dict_u64(c, "media_ports_free",
						  rtpp_port_pool_free_count(dp->ifaces[i].media_ports));
		rte_tel_data_add_dict_container(d, telemetry_key(key, sizeof(key),
								 dp->ifaces[i].cfg->name), c, 0);
	}
	return 0;
}

/* /rtpproxy/sessions[,START]: up to the telemetry array limit of ids from START. */
static int sessions_cmd(struct rtpp_dataplane *dp, const char *params, struct rte_tel_data *d)
{
	uint32_t cursor = 0, n = 0;

	if (params != NULL && *params != '\0')
		cursor = (uint32_t)strtoul(params, NULL, 10);
	rte_tel_data_start_array(d, RTE_TEL_U64_VAL);
	/* The start is a session index cursor, ids are what callers use. */
	while (n < RTE_TEL_MAX_ARRAY_ENTRIES && rtpp_session_next(dp->sessions, &cursor)) {
		rte_tel_data_add_array_u64(d, rtpp_session_get_info(dp->sessions, cursor)->id);
		cursor++;
		n++;
	}
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
		"a_to_b", "rtcp_a_to_b", "b_to_a", "rtcp_b_to_a",
	};
	uint64_t last_rx = 0;
	char *end;

	if (params == NULL || *params == '\0')
		return -EINVAL;
	uint64_t id = strtoull(params, &end, 10);
	if (*end != '\0')
		return -EINVAL;
	uint32_t index = rtpp_session_find(dp->sessions, id);
	if (index == RTPP_SESSION_INVALID)
		return -ENOENT;
	const struct rtpp_session *s = rtpp_session_get(dp->sessions, index);
	const struct rtpp_session_info *info = rtpp_session_get_info(dp->sessions, index);

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "id", info->id);
	rte_tel_data_add_dict_string(d, "name", info->name);
	rte_tel_data_add_dict_string(d, "state", rtpp_session_state_name(info->state));
	rte_tel_data_add_dict_string(d, "origin", info->is_static ? "config" : "api");
	rte_tel_data_add_dict_u64(d, "created_unix_ms", info->created_ns / 1000000);
	add_endpoint(d, "a_local", &s->leg[RTPP_LEG_A].local);
	add_endpoint(d, "a_remote", &s->leg[RTPP_LEG_A].remote);
	add_endpoint(d, "b_local", &s->leg[RTPP_LEG_B].local);
	add_endpoint(d, "b_remote", &s->leg[RTPP_LEG_B].remote);
	for (unsigned int f = 0; f < RTPP_FLOWS_PER_SESSION; f++) {
		struct rte_tel_data *c = rte_tel_data_alloc();
		struct rtpp_flow_stats sum;

		if (c == NULL)
			return -ENOMEM;
		rtpp_session_flow_counters(dp->sessions, index, f, &sum);
		if (sum.last_rx_tsc > last_rx)
			last_rx = sum.last_rx_tsc;
		rte_tel_data_start_dict(c);
		add_counters(c, &sum, rtpp_flow_counter_fields, rtpp_flow_counter_nfields);
		rte_tel_data_add_dict_container(d, flow_names[f], c, 0);
	}
	/* Round trips to each leg's remote, from RTCP (see lib/rtpstat). */
	for (unsigned int leg = 0; leg < RTPP_LEGS_PER_SESSION; leg++) {
		struct rtpp_leg_quality q;
		char key[32];

		rtpp_dp_leg_quality(dp, index, leg, &q);
		snprintf(key, sizeof(key), "%c_rtt_samples", leg == RTPP_LEG_A ? 'a' : 'b');
		rte_tel_data_add_dict_u64(d, key, q.rtt_samples);
		snprintf(key, sizeof(key), "%c_rtt_avg_us", leg == RTPP_LEG_A ? 'a' : 'b');
		rte_tel_data_add_dict_u64(d, key, (uint64_t)(q.rtt_avg_ms * 1000.0));
	}
	uint64_t now = rte_rdtsc();
	uint64_t since = last_rx ? last_rx : info->created_tsc;
	rte_tel_data_add_dict_u64(d, "idle_ms", now > since ?
				  (now - since) * 1000 / rte_get_tsc_hz() : 0);
	return 0;
}

struct neigh_walk_ctx {
	struct rtpp_dataplane *dp;
	struct rte_tel_data *d;
	unsigned int n;
};

static void neigh_add(void *arg, uint32_t index, const struct rtpp_neigh_entry *e)
{
	struct neigh_walk_ctx *ctx = arg;
	char addr[RTPP_ADDR_STRLEN], mac[RTE_ETHER_ADDR_FMT_SIZE], key[RTE_TEL_MAX_STRING_LEN];
	char raw_key[RTE_TEL_MAX_STRING_LEN];
	struct rte_tel_data *c;

	RTE_SET_USED(index);
	if (ctx->n >= RTE_TEL_MAX_DICT_ENTRIES || (c = rte_tel_data_alloc()) == NULL)
		return;
	rte_tel_data_start_dict(c);
	rte_tel_data_add_dict_string(c, "iface", ctx->dp->ifaces[e->iface].cfg->name);
	rte_tel_data_add_dict_string(c, "addr", rtpp_addr_format(&e->addr, addr, sizeof(addr)));
	if (e->usable)
		rte_ether_format_addr(mac, sizeof(mac), &e->mac);
	else
		snprintf(mac, sizeof(mac), "-");
	rte_tel_data_add_dict_string(c, "mac", mac);
	rte_tel_data_add_dict_string(c, "state", rtpp_neigh_state_name(e->state));
	rte_tel_data_add_dict_u64(c, "sessions", e->refcnt);
	snprintf(raw_key, sizeof(raw_key), "%s/%s", ctx->dp->ifaces[e->iface].cfg->name, addr);
	if (rte_tel_data_add_dict_container(ctx->d, telemetry_key(key, sizeof(key), raw_key), c, 0) != 0)
		rte_tel_data_free(c);
	ctx->n++;
}

static int neighbours_cmd(struct rtpp_dataplane *dp, const char *params, struct rte_tel_data *d)
{
	struct neigh_walk_ctx ctx = { .dp = dp, .d = d };

	RTE_SET_USED(params);
	/* DPDK 22.11 nests dicts only inside dicts: keyed by "<iface>/<address>". */
	rte_tel_data_start_dict(d);
	rtpp_neigh_walk(dp->neigh, neigh_add, &ctx);
	return 0;
}

static int workers_cmd(struct rtpp_dataplane *dp, const char *params, struct rte_tel_data *d)
{
	RTE_SET_USED(params);
	rte_tel_data_start_dict(d);
	for (uint16_t w = 0; w < dp->n_workers; w++) {
		struct rte_tel_data *c = rte_tel_data_alloc();
		char key[16];

		if (c == NULL)
			return -ENOMEM;
		rte_tel_data_start_dict(c);
		rte_tel_data_add_dict_u64(c, "id", w);
		rte_tel_data_add_dict_u64(c, "lcore", dp->workers[w]->lcore);
		rte_tel_data_add_dict_u64(c, "queues", dp->workers[w]->n_rxq);
		rte_tel_data_add_dict_u64(c, "loops", dp->workers[w]->loops);
		rte_tel_data_add_dict_u64(c, "idle_sleeps", dp->workers[w]->sleeps);
		rte_tel_data_add_dict_u64(c, "busy_cycles", dp->workers[w]->busy_tsc);
		snprintf(key, sizeof(key), "worker%u", w);
		rte_tel_data_add_dict_container(d, key, c, 0);
	}
	return 0;
}

#define TEL_WRAPPER(name)                                                                \
	static int name##_tel(const char *cmd, const char *params, struct rte_tel_data *d) \
	{                                                                                \
		RTE_SET_USED(cmd);                                                       \
		return with_dataplane(name##_cmd, params, d);                            \
	}
TEL_WRAPPER(info)
TEL_WRAPPER(ports)
TEL_WRAPPER(sessions)
TEL_WRAPPER(session)
TEL_WRAPPER(neighbours)
TEL_WRAPPER(workers)

int rtpp_dataplane_register_telemetry(struct rtpp_dataplane *dp)
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
		{ "/rtpproxy/session", session_tel, "One session's endpoints and counters. Parameter: id." },
		{ "/rtpproxy/neighbours", neighbours_tel,
		  "Next hops keyed <iface>/<address> (. and : as _): addr, mac, state." },
		{ "/rtpproxy/workers", workers_tel, "Worker lcores: loops and busy cycles." },
	};
	static bool registered;

	rtpp_telemetry_bind(dp);
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
