/* SPDX-License-Identifier: BSD-3-Clause */
#include "rtpp_session.h"

#include <errno.h>
#include <stdio.h>
#include <time.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_log.h>
#include <rte_malloc.h>

RTE_LOG_REGISTER(rtpp_logtype_session, rtpproxy.session, INFO);
#define SESSION_LOG(level, ...) \
	rte_log(RTE_LOG_##level, rtpp_logtype_session, "session: " __VA_ARGS__)

#define KEYS_PER_SESSION 4

/* What waits in the RCU defer queue for one destroyed session (8-byte multiple). */
struct pending_free {
	uint32_t index;
	int32_t key_pos[KEYS_PER_SESSION];
	uint32_t pad;
};

struct rtpp_session_table {
	struct rte_hash *flows;      /* flow key -> index/leg/rtcp (lock-free readers) */
	struct rte_hash *ids;        /* session id -> index (main lcore only) */
	struct rtpp_session *sessions;
	struct rtpp_path *paths; /* [index * 2 + ingress leg], derived from sessions */
	struct rtpp_session_info *info;
	struct rtpp_leg_learn *learn;        /* [index * 2 + leg] */
	struct rtpp_flow_counters *counters; /* [worker][index * 4 + flow] */
	struct rtpp_rtcp_leg_state *rtcp;    /* [worker][index * 2 + leg] */
	uint32_t *free_stack;
	uint32_t n_free;
	uint32_t capacity;
	uint32_t live;
	uint16_t n_workers;
	uint64_t next_id;
	struct rte_rcu_qsbr *rcu;
	struct rte_rcu_qsbr *own_rcu; /* when the caller gave none (no workers) */
	struct rte_rcu_qsbr_dq *dq;
	unsigned int dq_pending;     /* sessions waiting in dq, as last known */
	rtpp_session_release_fn release;
	void *release_ctx;
	/* Interned local addresses of legs (paths name them by index); never shrinks. */
	struct rtpp_addr local_addrs[RTPP_SESSION_LOCAL_ADDRS];
	unsigned int n_local_addrs;
};

static void reclaim_sessions(void *p, void *elems, unsigned int n);

/* The table's hash function: rtpp_flow_key_hash(), which workers call themselves. */
static uint32_t flow_key_hash(const void *key, uint32_t len, uint32_t init)
{
	RTE_SET_USED(len);
	RTE_SET_USED(init); /* hash_func_init_val is left at 0, as rtpp_flow_key_hash() has it */
	return rtpp_flow_key_hash(key);
}

struct rtpp_session_table *rtpp_session_table_create(const struct rtpp_session_table_params *p)
{
	struct rtpp_session_table *t;
	char name[RTE_HASH_NAMESIZE];

	if (p->max_sessions == 0 || p->n_workers == 0 || p->max_sessions > (1u << 28)) {
		rte_errno = EINVAL;
		return NULL;
	}
	t = rte_zmalloc_socket("session_table", sizeof(*t), 0, p->socket_id);
	if (t == NULL)
		return NULL;
	t->capacity = p->max_sessions;
	t->n_workers = p->n_workers;
	t->next_id = 1;

	snprintf(name, sizeof(name), "flows_%s", p->name);
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = RTE_MAX(p->max_sessions * KEYS_PER_SESSION, 64u), /* rte_hash minimum */
		.key_len = sizeof(struct rtpp_flow_key),
		.hash_func = flow_key_hash,
		.socket_id = p->socket_id,
		/*
		 * Lock-free readers with one writer; extendable buckets so that
		 * the configured capacity really fits whatever the key mix.
		 */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
			      RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	t->flows = rte_hash_create(&hp);
	snprintf(name, sizeof(name), "ids_%s", p->name);
	struct rte_hash_parameters ip = {
		.name = name,
		.entries = RTE_MAX(p->max_sessions, 64u),
		.key_len = sizeof(uint64_t),
		.hash_func = rte_hash_crc,
		.socket_id = p->socket_id,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	t->ids = rte_hash_create(&ip);
	t->sessions = rte_zmalloc_socket("sessions", sizeof(*t->sessions) * t->capacity,
					 RTE_CACHE_LINE_SIZE, p->socket_id);
	/* A packet reads one path, one line: nothing else of its session. */
	t->paths = rte_zmalloc_socket("session_paths",
				      sizeof(*t->paths) * RTPP_LEGS_PER_SESSION * t->capacity,
				      RTE_CACHE_LINE_SIZE, p->socket_id);
	t->info = rte_zmalloc_socket("session_info", sizeof(*t->info) * t->capacity, 0,
				     p->socket_id);
	t->learn = rte_zmalloc_socket("session_learn",
				      sizeof(*t->learn) * RTPP_LEGS_PER_SESSION * t->capacity,
				      RTE_CACHE_LINE_SIZE, p->socket_id);
	t->counters = rte_zmalloc_socket("flow_counters",
					 sizeof(*t->counters) * RTPP_FLOWS_PER_SESSION *
						 (size_t)t->capacity * p->n_workers,
					 RTE_CACHE_LINE_SIZE, p->socket_id);
	t->rtcp = rte_zmalloc_socket("rtcp_state",
				     sizeof(*t->rtcp) * RTPP_LEGS_PER_SESSION * (size_t)t->capacity *
					     p->n_workers,
				     RTE_CACHE_LINE_SIZE, p->socket_id);
	t->free_stack = rte_malloc_socket("session_free", sizeof(uint32_t) * t->capacity, 0,
					  p->socket_id);
	if (t->flows == NULL || t->ids == NULL || t->sessions == NULL || t->paths == NULL ||
	    t->info == NULL || t->learn == NULL || t->counters == NULL || t->rtcp == NULL ||
	    t->free_stack == NULL)
		goto fail;
	for (uint32_t i = 0; i < t->capacity; i++)
		t->free_stack[i] = t->capacity - 1 - i;
	t->n_free = t->capacity;

	t->rcu = p->rcu;
	if (t->rcu == NULL) {
		size_t sz = rte_rcu_qsbr_get_memsize(1);

		t->own_rcu = rte_zmalloc_socket("session_rcu", sz, RTE_CACHE_LINE_SIZE, p->socket_id);
		if (t->own_rcu == NULL || rte_rcu_qsbr_init(t->own_rcu, 1) != 0)
			goto fail;
		t->rcu = t->own_rcu;
	}
	snprintf(name, sizeof(name), "dq_%s", p->name);
	struct rte_rcu_qsbr_dq_parameters dqp = {
		.name = name,
		.size = t->capacity,
		.esize = sizeof(struct pending_free),
		.trigger_reclaim_limit = 64,
		.max_reclaim_size = 256,
		.free_fn = reclaim_sessions,
		.p = t,
		.v = t->rcu,
	};
	t->dq = rte_rcu_qsbr_dq_create(&dqp);
	if (t->dq == NULL)
		goto fail;
	return t;
fail:
	SESSION_LOG(ERR, "cannot allocate a table for %u sessions: %s\n", p->max_sessions,
		    rte_strerror(rte_errno));
	rtpp_session_table_free(t);
	return NULL;
}

void rtpp_session_table_free(struct rtpp_session_table *t)
{
	if (t == NULL)
		return;
	if (t->dq != NULL)
		rte_rcu_qsbr_dq_delete(t->dq);
	rte_hash_free(t->flows);
	rte_hash_free(t->ids);
	rte_free(t->sessions);
	rte_free(t->paths);
	rte_free(t->info);
	rte_free(t->learn);
	rte_free(t->counters);
	rte_free(t->rtcp);
	rte_free(t->free_stack);
	rte_free(t->own_rcu);
	rte_free(t);
}

struct rtpp_session *rtpp_session_array(struct rtpp_session_table *t)
{
	return t->sessions;
}

struct rtpp_flow_counters *rtpp_session_worker_counters(struct rtpp_session_table *t,
							uint16_t worker)
{
	return t->counters + (size_t)worker * t->capacity * RTPP_FLOWS_PER_SESSION;
}

struct rtpp_rtcp_leg_state *rtpp_session_worker_rtcp(struct rtpp_session_table *t,
						     uint16_t worker)
{
	return t->rtcp + (size_t)worker * t->capacity * RTPP_LEGS_PER_SESSION;
}

const struct rte_hash *rtpp_session_hash(struct rtpp_session_table *t)
{
	return t->flows;
}

const struct rtpp_path *rtpp_session_paths(const struct rtpp_session_table *t)
{
	return t->paths;
}

const struct rtpp_addr *rtpp_session_local_addrs(const struct rtpp_session_table *t)
{
	return t->local_addrs;
}

/* The index of a local address among those interned; -1 when the table is full. */
static int local_addr_index(struct rtpp_session_table *t, const struct rtpp_addr *a)
{
	for (unsigned int i = 0; i < t->n_local_addrs; i++)
		if (rtpp_addr_equal(&t->local_addrs[i], a))
			return (int)i;
	if (t->n_local_addrs == RTPP_SESSION_LOCAL_ADDRS)
		return -1;
	t->local_addrs[t->n_local_addrs] = *a;
	return (int)t->n_local_addrs++;
}

/* Path of packets arriving on leg `in`, from the legs as they are (inside its seqcount). */
static void path_fill(struct rtpp_session_table *t, uint32_t index, unsigned int in)
{
	const struct rtpp_leg *ingress = &t->sessions[index].leg[in];
	const struct rtpp_leg *egress = &t->sessions[index].leg[in ^ 1];
	struct rtpp_path *p = &t->paths[(size_t)index * RTPP_LEGS_PER_SESSION + in];
	int local = local_addr_index(t, &egress->local.addr); /* interned by rtpp_session_add */

	p->neigh = egress->neigh;
	p->src = ingress->remote.addr;
	p->dst = egress->remote.addr;
	p->local_addr = (uint8_t)(local < 0 ? 0 : local);
	p->learning = ingress->learning;
	p->src_port_be[0] = rte_cpu_to_be_16(ingress->remote.port);
	p->src_port_be[1] = rte_cpu_to_be_16(ingress->rtcp_port);
	p->dst_port_be[0] = rte_cpu_to_be_16(egress->remote.port);
	p->dst_port_be[1] = rte_cpu_to_be_16(egress->rtcp_port);
	p->local_port_be[0] = rte_cpu_to_be_16(egress->local.port);
	p->local_port_be[1] = rte_cpu_to_be_16((uint16_t)(egress->local.port + 1));
	p->iface = (uint8_t)egress->iface;
	p->meter = ingress->meter;
	p->flags = ingress->flags;
	if ((ingress->learning == RTPP_LEARN_GIVEN || ingress->learning == RTPP_LEARN_LATCHED) &&
	    ingress->remote.addr.family != RTPP_AF_NONE)
		p->flags |= RTPP_PATH_F_SOURCE_KNOWN;
	p->clock_mult = ingress->clock_mult;
}

const struct rtpp_leg_learn *rtpp_session_learn_array(const struct rtpp_session_table *t)
{
	return t->learn;
}

void rtpp_session_set_release(struct rtpp_session_table *t, rtpp_session_release_fn fn, void *ctx)
{
	t->release = fn;
	t->release_ctx = ctx;
}

static void local_key(struct rtpp_flow_key *k, uint8_t protocol, const struct rtpp_endpoint *local,
		      unsigned int rtcp)
{
	rtpp_flow_key_make(k, local->addr.family, local->addr.bytes,
			   rte_cpu_to_be_16((uint16_t)(local->port + rtcp)), protocol);
}

static uint8_t protocol_of(uint8_t protocol)
{
	return protocol == 0 ? RTPP_PROTO_UDP : protocol;
}

/*
 * The keys of a session, in a fixed order: A rtp, A rtcp, B rtp, B rtcp.
 * They carry the protocol: workers look up UDP only, so a TCP session's
 * keys hold its endpoints in the table without ever matching a packet.
 */
static unsigned int session_keys(const struct rtpp_leg leg[2], uint8_t protocol, bool rtcp,
				 struct rtpp_flow_key keys[KEYS_PER_SESSION],
				 uintptr_t values[KEYS_PER_SESSION], uint32_t index)
{
	unsigned int n = 0;

	for (unsigned int l = 0; l < 2; l++) {
		for (unsigned int r = 0; r <= (rtcp ? 1u : 0u); r++) {
			local_key(&keys[n], protocol, &leg[l].local, r);
			values[n] = ((uintptr_t)index << 2) | (l << 1) | r;
			n++;
		}
	}
	return n;
}

int rtpp_session_add(struct rtpp_session_table *t, const struct rtpp_session_params *p,
		     uint32_t *index_out, uint64_t *id_out)
{
	struct rtpp_flow_key keys[KEYS_PER_SESSION];
	uintptr_t values[KEYS_PER_SESSION];
	unsigned int n_keys;
	uint32_t index;

	for (unsigned int l = 0; l < 2; l++) {
		const struct rtpp_endpoint *e = &p->leg[l].local;

		if (!rtpp_addr_is_set(&e->addr) || e->port == 0 ||
		    (p->rtcp && e->port == UINT16_MAX))
			return -EINVAL;
	}
	if (rtpp_endpoint_equal(&p->leg[0].local, &p->leg[1].local))
		return -EEXIST;
	if (p->rtcp && rtpp_addr_equal(&p->leg[0].local.addr, &p->leg[1].local.addr) &&
	    (p->leg[0].local.port + 1 == p->leg[1].local.port ||
	     p->leg[1].local.port + 1 == p->leg[0].local.port))
		return -EEXIST;

	n_keys = session_keys(p->leg, protocol_of(p->protocol), p->rtcp, keys, values, 0);
	for (unsigned int k = 0; k < n_keys; k++)
		if (rte_hash_lookup(t->flows, &keys[k]) >= 0)
			return -EEXIST;
	if (t->n_free == 0)
		rte_rcu_qsbr_dq_reclaim(t->dq, UINT32_MAX, NULL, NULL, NULL);
	if (t->n_free == 0)
		return -ENOSPC;
	if (local_addr_index(t, &p->leg[0].local.addr) < 0 ||
	    local_addr_index(t, &p->leg[1].local.addr) < 0)
		return -ENOSPC;

	index = t->free_stack[--t->n_free];
	struct rtpp_session *s = &t->sessions[index];
	struct rtpp_session_info *info = &t->info[index];
	struct timespec now;

	for (unsigned int l = 0; l < RTPP_LEGS_PER_SESSION; l++) {
		s->leg[l] = p->leg[l];
		t->learn[(size_t)index * RTPP_LEGS_PER_SESSION + l] = p->learn[l];
	}
	/* The slot's path seqcounts go on counting: a worker may still be reading them. */
	for (unsigned int l = 0; l < RTPP_LEGS_PER_SESSION; l++) {
		struct rtpp_path *path = &t->paths[(size_t)index * RTPP_LEGS_PER_SESSION + l];

		rte_seqcount_write_begin(&path->seq);
		path_fill(t, index, l);
		rte_seqcount_write_end(&path->seq);
	}
	memset(info, 0, sizeof(*info));
	info->rtcp = p->rtcp;
	info->protocol = protocol_of(p->protocol);
	info->media = p->media;
	info->id = t->next_id++;
	if (p->name != NULL)
		snprintf(info->name, sizeof(info->name), "%s", p->name);
	info->is_static = p->is_static;
	info->state = RTPP_SESSION_CREATED;
	clock_gettime(CLOCK_REALTIME, &now);
	info->created_ns = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
	info->created_tsc = rte_rdtsc();

	/* The session is complete before any key that leads to it is published. */
	n_keys = session_keys(p->leg, protocol_of(p->protocol), p->rtcp, keys, values, index);
	for (unsigned int k = 0; k < n_keys; k++) {
		int rc = rte_hash_add_key_data(t->flows, &keys[k], (void *)values[k]);

		if (rc < 0) {
			/* Cannot happen with the table sized for 4 keys a session;
			 * undo through the normal path so readers stay safe. */
			SESSION_LOG(ERR, "flow table refused a key: %s\n", strerror(-rc));
			t->live++;
			rte_hash_add_key_data(t->ids, &info->id, (void *)(uintptr_t)index);
			rtpp_session_del(t, index);
			return -ENOSPC;
		}
	}
	rte_hash_add_key_data(t->ids, &info->id, (void *)(uintptr_t)index);
	t->live++;
	*index_out = index;
	if (id_out != NULL)
		*id_out = info->id;
	return 0;
}

int rtpp_session_del(struct rtpp_session_table *t, uint32_t index)
{
	struct rtpp_flow_key keys[KEYS_PER_SESSION];
	uintptr_t values[KEYS_PER_SESSION];
	struct pending_free pf = { .index = index };
	struct rtpp_session_info *info;
	unsigned int n_keys;

	if (index >= t->capacity)
		return -EINVAL;
	info = &t->info[index];
	if (info->state == RTPP_SESSION_FREE || info->state == RTPP_SESSION_CLOSED)
		return -ENOENT;

	n_keys = session_keys(t->sessions[index].leg, info->protocol, info->rtcp, keys, values,
			      index);
	for (unsigned int k = 0; k < KEYS_PER_SESSION; k++)
		pf.key_pos[k] = -1;
	for (unsigned int k = 0; k < n_keys; k++) {
		void *data;

		/* Only delete a key that is really ours (rollback of a partial add). */
		if (rte_hash_lookup_data(t->flows, &keys[k], &data) >= 0 &&
		    (uintptr_t)data == values[k])
			pf.key_pos[k] = rte_hash_del_key(t->flows, &keys[k]);
	}
	rte_hash_del_key(t->ids, &info->id);
	info->state = RTPP_SESSION_CLOSED;
	t->live--;
	if (rte_rcu_qsbr_dq_enqueue(t->dq, &pf) == 0) {
		t->dq_pending++;
	} else {
		/* Queue full: wait for the grace period here (control path). */
		rte_rcu_qsbr_dq_reclaim(t->dq, UINT32_MAX, NULL, NULL, NULL);
		rte_rcu_qsbr_synchronize(t->rcu, RTE_QSBR_THRID_INVALID);
		reclaim_sessions(t, &pf, 1);
	}
	return 0;
}

static void reclaim_sessions(void *p, void *elems, unsigned int n)
{
	struct rtpp_session_table *t = p;
	struct pending_free *pf = elems;

	for (unsigned int i = 0; i < n; i++) {
		uint32_t index = pf[i].index;

		for (unsigned int k = 0; k < KEYS_PER_SESSION; k++)
			if (pf[i].key_pos[k] >= 0)
				rte_hash_free_key_with_position(t->flows, pf[i].key_pos[k]);
		if (t->release != NULL)
			t->release(t->release_ctx, &t->sessions[index], &t->info[index]);
		for (uint16_t w = 0; w < t->n_workers; w++) {
			memset(rtpp_session_worker_counters(t, w) +
				       (size_t)index * RTPP_FLOWS_PER_SESSION,
			       0, sizeof(struct rtpp_flow_counters) * RTPP_FLOWS_PER_SESSION);
			memset(rtpp_session_worker_rtcp(t, w) + (size_t)index * RTPP_LEGS_PER_SESSION,
			       0, sizeof(struct rtpp_rtcp_leg_state) * RTPP_LEGS_PER_SESSION);
		}
		t->info[index].state = RTPP_SESSION_FREE;
		t->free_stack[t->n_free++] = index;
	}
}

unsigned int rtpp_session_table_reclaim(struct rtpp_session_table *t)
{
	unsigned int freed = 0, pending = 0;

	/* Called on every main-loop iteration: nothing queued, nothing to ask
	 * (the library logs on every call, filtered or not). */
	if (t->dq_pending == 0)
		return 0;
	rte_rcu_qsbr_dq_reclaim(t->dq, UINT32_MAX, &freed, &pending, NULL);
	t->dq_pending = pending;
	return freed;
}

uint32_t rtpp_session_count(const struct rtpp_session_table *t)
{
	return t->live;
}

uint32_t rtpp_session_capacity(const struct rtpp_session_table *t)
{
	return t->capacity;
}

uint32_t rtpp_session_find(const struct rtpp_session_table *t, uint64_t id)
{
	void *data;

	if (rte_hash_lookup_data(t->ids, &id, &data) < 0)
		return RTPP_SESSION_INVALID;
	return (uint32_t)(uintptr_t)data;
}

uint32_t rtpp_session_find_local(const struct rtpp_session_table *t, uint8_t protocol,
				 const struct rtpp_endpoint *local)
{
	struct rtpp_flow_key k;
	void *data;

	local_key(&k, protocol_of(protocol), local, 0);
	if (rte_hash_lookup_data(t->flows, &k, &data) < 0)
		return RTPP_SESSION_INVALID;
	return rtpp_flow_session((uintptr_t)data);
}

const struct rtpp_session_info *rtpp_session_get_info(const struct rtpp_session_table *t,
						      uint32_t index)
{
	return index < t->capacity ? &t->info[index] : NULL;
}

const struct rtpp_session *rtpp_session_get(const struct rtpp_session_table *t, uint32_t index)
{
	return index < t->capacity ? &t->sessions[index] : NULL;
}

struct rtpp_session_info *rtpp_session_info_mut(struct rtpp_session_table *t, uint32_t index)
{
	return index < t->capacity ? &t->info[index] : NULL;
}

void rtpp_session_leg_update(struct rtpp_session_table *t, uint32_t index, unsigned int leg,
			     const struct rtpp_leg *value, const struct rtpp_leg_learn *learn)
{
	struct rtpp_leg *l = &t->sessions[index].leg[leg];
	struct rtpp_path *paths = &t->paths[(size_t)index * RTPP_LEGS_PER_SESSION];

	/* Both paths use the leg, one as ingress, the other as egress: both change as one. */
	rte_seqcount_write_begin(&paths[0].seq);
	rte_seqcount_write_begin(&paths[1].seq);
	l->remote = value->remote;
	l->neigh = value->neigh;
	l->learning = value->learning;
	l->flags = value->flags;
	l->rtcp_port = value->rtcp_port;
	l->meter = value->meter;
	__atomic_store_n(&l->ssrc, value->ssrc, __ATOMIC_RELAXED);
	l->clock_mult = value->clock_mult;
	t->learn[(size_t)index * RTPP_LEGS_PER_SESSION + leg] = *learn;
	path_fill(t, index, 0);
	path_fill(t, index, 1);
	rte_seqcount_write_end(&paths[1].seq);
	rte_seqcount_write_end(&paths[0].seq);
}

uint64_t rtpp_session_last_rx_tsc(const struct rtpp_session_table *t, uint32_t index, int flow)
{
	size_t per_worker = (size_t)t->capacity * RTPP_FLOWS_PER_SESSION;
	unsigned int first = flow < 0 ? 0 : (unsigned int)flow;
	unsigned int end = flow < 0 ? RTPP_FLOWS_PER_SESSION : first + 1;
	uint64_t latest = 0;

	for (uint16_t w = 0; w < t->n_workers; w++) {
		const struct rtpp_flow_counters *c = t->counters + w * per_worker +
						     (size_t)index * RTPP_FLOWS_PER_SESSION;

		for (unsigned int f = first; f < end; f++) {
			uint64_t last = __atomic_load_n(&c[f].last_rx_tsc, __ATOMIC_RELAXED);

			if (last > latest)
				latest = last;
		}
	}
	return latest;
}

bool rtpp_session_next_before(const struct rtpp_session_table *t, uint32_t *cursor, uint32_t end)
{
	end = RTE_MIN(end, t->capacity);
	for (uint32_t i = *cursor; i < end; i++) {
		enum rtpp_session_state st = t->info[i].state;

		if (st != RTPP_SESSION_FREE && st != RTPP_SESSION_CLOSED) {
			*cursor = i;
			return true;
		}
	}
	*cursor = RTE_MAX(*cursor, end);
	return false;
}

bool rtpp_session_next(const struct rtpp_session_table *t, uint32_t *cursor)
{
	for (uint32_t i = *cursor; i < t->capacity; i++) {
		enum rtpp_session_state st = t->info[i].state;

		if (st != RTPP_SESSION_FREE && st != RTPP_SESSION_CLOSED) {
			*cursor = i;
			return true;
		}
	}
	return false;
}

void rtpp_session_flow_counters(const struct rtpp_session_table *t, uint32_t index,
				unsigned int flow, struct rtpp_flow_stats *out)
{
	const struct rtpp_flow_counters *first =
		t->counters + (size_t)index * RTPP_FLOWS_PER_SESSION + flow;

	rtpp_flow_counters_sum(first,
			       sizeof(*first) * RTPP_FLOWS_PER_SESSION * (size_t)t->capacity,
			       t->n_workers, out);
}

void rtpp_session_leg_rtcp(const struct rtpp_session_table *t, uint32_t index, unsigned int leg,
			   struct rtpp_rtcp_summary *out)
{
	const struct rtpp_rtcp_leg_state *copies[RTE_MAX_LCORE];
	size_t per_worker = (size_t)t->capacity * RTPP_LEGS_PER_SESSION;

	for (uint16_t w = 0; w < t->n_workers; w++)
		copies[w] = t->rtcp + w * per_worker + (size_t)index * RTPP_LEGS_PER_SESSION + leg;
	rtpp_rtcp_summarize(copies, t->n_workers, out);
}

const char *rtpp_session_state_name(enum rtpp_session_state state)
{
	static const char *const names[] = {
		[RTPP_SESSION_FREE] = "free", [RTPP_SESSION_CREATED] = "created",
		[RTPP_SESSION_CONNECTING] = "connecting", [RTPP_SESSION_ACTIVE] = "active",
		[RTPP_SESSION_ERROR] = "error", [RTPP_SESSION_CLOSED] = "closed",
	};

	return state < RTE_DIM(names) ? names[state] : "unknown";
}

enum rtpp_session_state rtpp_session_state(const struct rtpp_session_table *t, uint32_t index)
{
	return index < t->capacity ? t->info[index].state : RTPP_SESSION_FREE;
}

void rtpp_session_set_state(struct rtpp_session_table *t, uint32_t index,
			    enum rtpp_session_state state)
{
	/* Only live sessions move; FREE and CLOSED belong to add/del. */
	if (index < t->capacity && t->info[index].state != RTPP_SESSION_FREE &&
	    t->info[index].state != RTPP_SESSION_CLOSED && state != RTPP_SESSION_FREE &&
	    state != RTPP_SESSION_CLOSED)
		t->info[index].state = state;
}
