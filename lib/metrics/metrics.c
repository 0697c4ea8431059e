/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prometheus text exposition (see rtpp_metrics.h). Each family's samples
 * are written together after its HELP and TYPE lines, as the format asks;
 * names follow Prometheus's conventions (base units, _total on counters).
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>

#include <rte_ethdev.h>

#include "rtpp_metrics.h"
#include "rtpp_stats.h"

#define P "rtpproxy_"

static void family(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP " P "%s %s\n# TYPE " P "%s %s\n", name, help, name, type);
}

void rtpp_metrics_write_label_value(FILE *out, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			fputs("\\\\", out);
		else if (*s == '"')
			fputs("\\\"", out);
		else if (*s == '\n')
			fputs("\\n", out);
		else
			fputc(*s, out);
	}
}

/* ---- Interfaces ---- */

struct iface_field {
	const char *name, *type, *help;
	size_t offset; /* in struct rtpp_iface_counters */
};

#define IFACE_FIELD(n, t, h, f)                                  \
	{                                                        \
		n, t, h, offsetof(struct rtpp_iface_counters, f) \
	}
static const struct iface_field iface_fields[] = {
	IFACE_FIELD("interface_rx_packets_total", "counter",
		    "Packets received on the interface's port (media and everything else).",
		    rx_packets),
	IFACE_FIELD("interface_rx_bytes_total", "counter", "Bytes of the packets received.", rx_bytes),
	IFACE_FIELD("interface_tx_packets_total", "counter",
		    "Packets sent on the interface's port (relayed media and the kernel's).",
		    tx_packets),
	IFACE_FIELD("interface_tx_bytes_total", "counter", "Bytes of the packets sent.", tx_bytes),
	IFACE_FIELD("interface_to_kernel_packets_total", "counter",
		    "Packets handed to the kernel through the interface's TAP (exception path).",
		    to_kernel),
	IFACE_FIELD("interface_from_kernel_packets_total", "counter",
		    "Packets the kernel sent through the TAP and the proxy put on the wire.",
		    from_kernel),
	IFACE_FIELD("interface_no_session_packets_total", "counter",
		    "UDP packets that matched no session (they went to the kernel).", no_session),
};

/* Drop reasons of an interface, in the order docs/metrics.md lists them. */
static uint64_t iface_drop(const struct rtpp_iface_counters *c, unsigned int reason)
{
	switch (reason) {
	case 0:
		return c->malformed;
	case 1: /* rx_dropped counts the malformed and the kernel copies without an mbuf */
		return c->rx_dropped > c->malformed ? c->rx_dropped - c->malformed : 0;
	case 2:
		return c->tx_dropped;
	case 3:
		return c->kernel_dropped;
	case 4:
		return c->kernel_rate_limited;
	default:
		return c->neigh_refused;
	}
}
static const char *const iface_drop_reasons[] = { "malformed",           "no_mbuf",
						  "tx_queue_full",       "kernel_queue_full",
						  "kernel_rate_limited", "neighbour_refused" };

/*
 * views[0..n): each interface read once per scrape (a view sums every
 * worker's copy and may read the kernel's ring drops), then written family
 * by family as the format wants.
 */
static void write_interfaces(FILE *out, const struct rtpp_iface_view *views, unsigned int n)
{
	for (size_t f = 0; f < RTE_DIM(iface_fields); f++) {
		family(out, iface_fields[f].name, iface_fields[f].type, iface_fields[f].help);
		for (const struct rtpp_iface_view *v = views; v < views + n; v++) {
			fprintf(out, P "%s{interface=\"", iface_fields[f].name);
			rtpp_metrics_write_label_value(out, v->name);
			fprintf(out, "\"} %" PRIu64 "\n",
				rtpp_counter_read(&v->counters, iface_fields[f].offset));
		}
	}
	family(out, "interface_dropped_packets_total", "counter",
	       "Packets the proxy dropped on the interface, by reason (docs/metrics.md).");
	for (const struct rtpp_iface_view *v = views; v < views + n; v++)
		for (unsigned int r = 0; r < RTE_DIM(iface_drop_reasons); r++) {
			fputs(P "interface_dropped_packets_total{interface=\"", out);
			rtpp_metrics_write_label_value(out, v->name);
			fprintf(out, "\",reason=\"%s\"} %" PRIu64 "\n", iface_drop_reasons[r],
				iface_drop(&v->counters, r));
		}
	/* Beside the proxy's own: what the host dropped before the proxy saw it. */
	family(out, "interface_host_dropped_packets_total", "counter",
	       "Frames dropped before the proxy saw them, read from the kernel and the device, "
	       "by reason (docs/metrics.md).");
	for (const struct rtpp_iface_view *v = views; v < views + n; v++)
		for (unsigned int r = 0; r < rtpp_host_drop_counter_nfields; r++) {
			fputs(P "interface_host_dropped_packets_total{interface=\"", out);
			rtpp_metrics_write_label_value(out, v->name);
			fprintf(out, "\",reason=\"%s\"} %" PRIu64 "\n",
				rtpp_host_drop_counter_fields[r].name,
				rtpp_counter_read(&v->host_drops,
						  rtpp_host_drop_counter_fields[r].offset));
		}
	family(out, "interface_host_ring_sockets", "gauge",
	       "af_packet sockets the ring drops are read from (0: none found; not af_packet).");
	for (const struct rtpp_iface_view *v = views; v < views + n; v++) {
		fputs(P "interface_host_ring_sockets{interface=\"", out);
		rtpp_metrics_write_label_value(out, v->name);
		fprintf(out, "\"} %u\n", v->host_ring_sockets);
	}
	family(out, "interface_media_ports_free", "gauge",
	       "Ports of the interface's media range not used by a session.");
	for (const struct rtpp_iface_view *v = views; v < views + n; v++) {
		if (!v->has_media_ports)
			continue;
		fputs(P "interface_media_ports_free{interface=\"", out);
		rtpp_metrics_write_label_value(out, v->name);
		fprintf(out, "\"} %" PRIu32 "\n", v->media_ports_free);
	}
	family(out, "interface_link_up", "gauge", "1 when the interface's port has link.");
	for (const struct rtpp_iface_view *v = views; v < views + n; v++) {
		struct rte_eth_link link = { 0 };

		rte_eth_link_get_nowait(v->port_id, &link);
		fputs(P "interface_link_up{interface=\"", out);
		rtpp_metrics_write_label_value(out, v->name);
		fprintf(out, "\"} %u\n", link.link_status == RTE_ETH_LINK_UP ? 1u : 0u);
	}
}

/* ---- Workers ---- */

struct worker_field {
	const char *name, *type, *help;
};
enum {
	W_LOOPS,
	W_BUSY,
	W_IDLE,
	W_SLEEPS,
	W_PACKETS,
	W_BURSTS,
	W_FULL,
	W_BURST_SIZE,
	W_QUEUES,
	W_FIELDS
};
static const struct worker_field worker_fields[W_FIELDS] = {
	[W_LOOPS] = { "worker_loops_total", "counter",
		      "Poll loops of the worker over its queues (stalls when this stops)." },
	[W_BUSY] = { "worker_busy_seconds_total", "counter",
		     "Time the worker spent on bursts that brought packets." },
	[W_IDLE] = { "worker_idle_seconds_total", "counter",
		     "Time the worker polled without packets (or slept: idle_sleep_us)." },
	[W_SLEEPS] = { "worker_idle_sleeps_total", "counter",
		       "Sleeps of an idle worker (dataplane.idle_sleep_us)." },
	[W_PACKETS] = { "worker_rx_packets_total", "counter",
			"Packets the worker received from its queues (wire and kernel)." },
	[W_BURSTS] = { "worker_rx_bursts_total", "counter",
		       "Receive bursts that brought at least one packet." },
	[W_FULL] = { "worker_full_bursts_total", "counter",
		     "Receive bursts that came back full (dataplane.burst): the queue may hold "
		     "more; a high share means the worker is near its limit." },
	[W_BURST_SIZE] = { "worker_burst_size", "gauge",
			   "Packets one receive burst may bring (dataplane.burst)." },
	[W_QUEUES] = { "worker_rx_queues", "gauge", "Receive queues the worker polls." },
};

static double worker_value(const struct rtpp_worker_view *w, unsigned int field,
			   const struct rtpp_dataplane_info *info)
{
	double hz = info->tsc_hz != 0 ? (double)info->tsc_hz : 1.0;

	switch (field) {
	case W_LOOPS:
		return (double)w->loops;
	case W_BUSY:
		return (double)w->busy_cycles / hz;
	case W_IDLE:
		return info->uptime_tsc > w->busy_cycles ?
			       (double)(info->uptime_tsc - w->busy_cycles) / hz :
			       0.0;
	case W_SLEEPS:
		return (double)w->idle_sleeps;
	case W_PACKETS:
		return (double)w->rx_burst_packets;
	case W_BURSTS:
		return (double)w->rx_bursts;
	case W_FULL:
		return (double)w->full_bursts;
	case W_BURST_SIZE:
		return w->burst_size;
	default:
		return w->queues;
	}
}

/* Each worker read once, so that its families describe the same moment. */
static void write_workers(FILE *out, struct rtpp_dataplane *dp, const struct rtpp_dataplane_info *info)
{
	struct rtpp_worker_view *w = calloc(info->workers + 1u, sizeof(*w));
	unsigned int n = 0;

	if (w == NULL)
		return;
	while (n < info->workers && rtpp_dataplane_worker_view(dp, n, &w[n]) == 0)
		n++;
	for (unsigned int f = 0; f < W_FIELDS; f++) {
		family(out, worker_fields[f].name, worker_fields[f].type, worker_fields[f].help);
		for (unsigned int i = 0; i < n; i++)
			fprintf(out, P "%s{worker=\"%u\",lcore=\"%u\"} %.17g\n",
				worker_fields[f].name, w[i].id, w[i].lcore,
				worker_value(&w[i], f, info));
	}
	free(w);
}

/* ---- Sessions and the data plane's own figures ---- */

static void write_sessions(FILE *out, const struct rtpp_dataplane_info *info)
{
	static const enum rtpp_session_state live[] = { RTPP_SESSION_CREATED, RTPP_SESSION_CONNECTING,
							RTPP_SESSION_ACTIVE, RTPP_SESSION_ERROR };

	family(out, "sessions", "gauge", "Sessions in the table, by state.");
	for (size_t i = 0; i < RTE_DIM(live); i++)
		fprintf(out, P "sessions{state=\"%s\"} %" PRIu32 "\n",
			rtpp_dataplane_state_name(live[i]), info->sessions_in_state[live[i]]);
	family(out, "sessions_max", "gauge",
	       "Sessions the table holds at most (dataplane.max_sessions).");
	fprintf(out, P "sessions_max %" PRIu32 "\n", info->max_sessions);
	family(out, "sessions_created_total", "counter",
	       "Sessions created since start (static ones, the API's and the console's).");
	fprintf(out, P "sessions_created_total %" PRIu64 "\n", info->sessions_created);
	family(out, "sessions_closed_total", "counter",
	       "Sessions closed since start, by reason: destroyed (DestroySession), inactivity, "
	       "no_media, lifetime (expiries) and ended (TCP).");
	for (unsigned int r = RTPP_CLOSE_DESTROYED; r < RTPP_CLOSE_REASONS; r++)
		fprintf(out, P "sessions_closed_total{reason=\"%s\"} %" PRIu64 "\n",
			rtpp_dataplane_close_reason_name(r), info->sessions_closed[r]);

	family(out, "latches_total", "counter", "Remotes learnt from the media (first latch).");
	fprintf(out, P "latches_total %" PRIu64 "\n", info->latches);
	family(out, "relatches_total", "counter", "NAT rebindings followed (a learnt remote moved).");
	fprintf(out, P "relatches_total %" PRIu64 "\n", info->relatches);
	family(out, "latches_refused_total", "counter",
	       "Remotes the media offered that the policy or the routes refused.");
	fprintf(out, P "latches_refused_total %" PRIu64 "\n", info->latch_refused);
	family(out, "neighbours", "gauge", "Next hops in the neighbour table.");
	fprintf(out, P "neighbours %" PRIu32 "\n", info->neighbours);
	family(out, "neighbour_updates_total", "counter", "Next-hop MAC addresses set or changed.");
	fprintf(out, P "neighbour_updates_total %" PRIu64 "\n", info->neigh_updates);
	family(out, "neighbour_refused_total", "counter",
	       "Neighbour changes refused: within the lock time of the last (locked) or an "
	       "advertisement without override for a known MAC (no_override).");
	fprintf(out, P "neighbour_refused_total{reason=\"locked\"} %" PRIu64 "\n",
		info->neigh_refused_locked);
	fprintf(out, P "neighbour_refused_total{reason=\"no_override\"} %" PRIu64 "\n",
		info->neigh_refused_no_override);
	family(out, "worker_events_lost_total", "counter",
	       "Worker reports (state changes, learnt sources) lost to a full ring.");
	fprintf(out, P "worker_events_lost_total %" PRIu64 "\n", info->events_lost);
	family(out, "tcp_connections", "gauge",
	       "TCP sessions' connection pairs alive in the relay (docs/tcp.md).");
	fprintf(out, P "tcp_connections %" PRIu32 "\n", info->tcp_connections);
	family(out, "tcp_buffered_bytes", "gauge",
	       "Bytes of buffer the TCP relay holds now (within tcp.max_buffer_mb).");
	fprintf(out, P "tcp_buffered_bytes %" PRIu64 "\n", info->tcp_buffered_bytes);
	family(out, "tcp_connections_accepted_total", "counter",
	       "Connections the TCP relay accepted for its sessions.");
	fprintf(out, P "tcp_connections_accepted_total %" PRIu64 "\n", info->tcp_accepted);
	family(out, "tcp_connections_refused_total", "counter",
	       "Connections the TCP relay reset at once: not from the session's source, outside "
	       "the policy, beyond its buffers, or a second one.");
	fprintf(out, P "tcp_connections_refused_total %" PRIu64 "\n", info->tcp_refused);
	family(out, "mbufs", "gauge", "Packet buffers of the pool, by state (free, in_use).");
	fprintf(out, P "mbufs{state=\"free\"} %u\n", info->mbufs_free);
	fprintf(out, P "mbufs{state=\"in_use\"} %u\n",
		info->mbufs_total > info->mbufs_free ? info->mbufs_total - info->mbufs_free : 0);
	family(out, "ring_entries", "gauge", "Entries waiting in a worker-to-main ring.");
	fprintf(out, P "ring_entries{ring=\"events\"} %u\n", info->event_ring_used);
	fprintf(out, P "ring_entries{ring=\"latch\"} %u\n", info->latch_ring_used);
	fprintf(out, P "ring_entries{ring=\"neighbour\"} %u\n", info->learn_ring_used);
	family(out, "ring_capacity", "gauge", "Entries a worker-to-main ring holds.");
	fprintf(out, P "ring_capacity{ring=\"events\"} %u\n", info->event_ring_size);
	fprintf(out, P "ring_capacity{ring=\"latch\"} %u\n", info->latch_ring_size);
	fprintf(out, P "ring_capacity{ring=\"neighbour\"} %u\n", info->learn_ring_size);
}

/* ---- The servers ---- */

static void write_api(FILE *out, const struct rtpp_metrics_api *api)
{
	family(out, "api_calls_total", "counter",
	       "gRPC calls answered, by method and status code (streams: when they end or are "
	       "refused).");
	for (unsigned int i = 0; i < api->n_calls; i++) {
		fputs(P "api_calls_total{method=\"", out);
		rtpp_metrics_write_label_value(out, api->calls[i].method);
		fputs("\",code=\"", out);
		rtpp_metrics_write_label_value(out, api->calls[i].code);
		fprintf(out, "\"} %" PRIu64 "\n", api->calls[i].count);
	}
	family(out, "api_calls_in_progress", "gauge", "gRPC calls being served now.");
	fprintf(out, P "api_calls_in_progress %u\n", api->calls_in_progress);
	family(out, "api_streams", "gauge", "Streaming gRPC calls open now.");
	fprintf(out, P "api_streams %u\n", api->streams);
	family(out, "api_streams_max", "gauge",
	       "Streaming calls open at once at most (api.max_streams).");
	fprintf(out, P "api_streams_max %u\n", api->max_streams);
	family(out, "api_streams_refused_total", "counter",
	       "Streaming calls refused by api.max_streams or their kind's bound.");
	fprintf(out, P "api_streams_refused_total %" PRIu64 "\n", api->streams_refused);
	family(out, "event_subscribers", "gauge", "StreamSessionEvents subscribers now.");
	fprintf(out, P "event_subscribers %u\n", api->event_subscribers);
	family(out, "events_sent_total", "counter", "Session events sent to subscribers.");
	fprintf(out, P "events_sent_total %" PRIu64 "\n", api->events_sent);
	family(out, "events_dropped_total", "counter",
	       "Session events not sent: a subscriber's queue was full.");
	fprintf(out, P "events_dropped_total %" PRIu64 "\n", api->events_dropped);
	family(out, "audit_records_total", "counter", "Audit records written (docs/audit.md).");
	fprintf(out, P "audit_records_total %" PRIu64 "\n", api->audit_records);
	family(out, "audit_write_errors_total", "counter",
	       "Audit records a destination could not take (full disk, ...).");
	fprintf(out, P "audit_write_errors_total %" PRIu64 "\n", api->audit_write_errors);
}

static void write_http(FILE *out, const struct rtpp_metrics_http *http)
{
	family(out, "http_responses_total", "counter",
	       "Responses of the HTTP endpoint, by status class.");
	for (unsigned int c = 1; c <= 5; c++)
		fprintf(out, P "http_responses_total{class=\"%uxx\"} %" PRIu64 "\n", c,
			http->responses_by_class[c]);
	family(out, "http_writes_refused_total", "counter",
	       "Changes asked of the HTTP endpoint without the right to make them.");
	fprintf(out, P "http_writes_refused_total %" PRIu64 "\n", http->writes_refused);
	family(out, "http_connections", "gauge", "HTTP connections open now.");
	fprintf(out, P "http_connections %u\n", http->connections);
}

/* ---- Per-session series, when asked ---- */

static const char *const flow_names[RTPP_FLOWS_PER_SESSION] = { "a_to_b", "rtcp_a_to_b", "b_to_a",
								"rtcp_b_to_a" };

static void session_labels(FILE *out, const struct rtpp_session_status *st)
{
	fprintf(out, "{session_id=\"%" PRIu64 "\",name=\"", st->id);
	rtpp_metrics_write_label_value(out, st->name);
	fputc('"', out);
}

static uint64_t flow_drops(const struct rtpp_flow_stats *f)
{
	return f->drop_no_remote + f->drop_no_neighbour + f->drop_tx_full + f->drop_foreign_source +
	       f->drop_not_media + f->drop_malformed + f->drop_rate_limit + f->drop_paused;
}

enum { S_RX, S_RX_BYTES, S_TX, S_LOST, S_DROPPED, S_JITTER, S_FLOW_FIELDS };
static const struct worker_field session_fields[S_FLOW_FIELDS] = {
	[S_RX] = { "session_rx_packets_total", "counter", "Packets a session's flow received." },
	[S_RX_BYTES] = { "session_rx_bytes_total", "counter", "Bytes a session's flow received." },
	[S_TX] = { "session_tx_packets_total", "counter", "Packets a session's flow relayed." },
	[S_LOST] = { "session_rtp_lost_total", "counter",
		     "RTP packets missing from the sequence (RTP flows)." },
	[S_DROPPED] = { "session_dropped_packets_total", "counter",
			"Packets of the flow the proxy dropped, every reason together." },
	[S_JITTER] = { "session_jitter_seconds", "gauge",
		       "Interarrival jitter of the flow's RTP (RFC 3550), when its clock is known." },
};

static double session_value(const struct rtpp_flow_stats *f, unsigned int field)
{
	switch (field) {
	case S_RX:
		return (double)f->rx_packets;
	case S_RX_BYTES:
		return (double)f->rx_bytes;
	case S_TX:
		return (double)f->tx_packets;
	case S_LOST:
		return (double)f->rtp_lost;
	case S_DROPPED:
		return (double)flow_drops(f);
	default:
		return f->jitter_ms / 1000.0;
	}
}

static void write_session_series(FILE *out, struct rtpp_dataplane *dp, unsigned int max, uint32_t live)
{
	struct rtpp_session_status *st = calloc(max, sizeof(*st));
	uint32_t cursor = 0;
	unsigned int n = 0;

	if (st == NULL)
		return;
	while (n < max && cursor != UINT32_MAX)
		n += rtpp_dataplane_session_list(dp, NULL, &cursor, st + n, max - n);
	family(out, "session_series_omitted", "gauge",
	       "Sessions without series of their own: beyond http.session_series.");
	fprintf(out, P "session_series_omitted %u\n", live > n ? live - n : 0);
	for (unsigned int f = 0; f < S_FLOW_FIELDS; f++) {
		family(out, session_fields[f].name, session_fields[f].type, session_fields[f].help);
		for (unsigned int i = 0; i < n; i++)
			for (unsigned int fl = 0; fl < RTPP_FLOWS_PER_SESSION; fl++) {
				if (f == S_JITTER && st[i].flows[fl].jitter_ms == 0.0)
					continue;
				fprintf(out, P "%s", session_fields[f].name);
				session_labels(out, &st[i]);
				fprintf(out, ",flow=\"%s\"} %.17g\n", flow_names[fl],
					session_value(&st[i].flows[fl], f));
			}
	}
	family(out, "session_rtt_seconds", "gauge",
	       "Round trip between the proxy and a leg's remote, from RTCP (last sample).");
	for (unsigned int i = 0; i < n; i++)
		for (unsigned int l = 0; l < RTPP_LEGS_PER_SESSION; l++) {
			if (st[i].legs[l].rtt_samples == 0)
				continue;
			fputs(P "session_rtt_seconds", out);
			session_labels(out, &st[i]);
			fprintf(out, ",leg=\"%c\"} %.17g\n", l == RTPP_LEG_A ? 'a' : 'b',
				st[i].legs[l].rtt_last_ms / 1000.0);
		}
	free(st);
}

void rtpp_metrics_write(FILE *out, struct rtpp_dataplane *dp, const struct rtpp_metrics_sources *src)
{
	struct rtpp_dataplane_info info;

	rtpp_dataplane_info(dp, &info);
	family(out, "build_info", "gauge", "The proxy's version; always 1.");
	fprintf(out, P "build_info{version=\"%s\"} 1\n", RTPP_VERSION);
	family(out, "uptime_seconds", "gauge", "Time since the data plane started.");
	fprintf(out, P "uptime_seconds %.3f\n",
		info.tsc_hz != 0 ? (double)info.uptime_tsc / (double)info.tsc_hz : 0.0);
	family(out, "workers", "gauge", "Worker lcores polling the interfaces.");
	fprintf(out, P "workers %u\n", info.workers);
	struct rtpp_iface_view views[RTPP_MAX_INTERFACES];
	unsigned int n_views = 0;

	while (n_views < RTE_DIM(views) &&
	       rtpp_dataplane_iface_view(dp, n_views, &views[n_views]) == 0)
		n_views++;
	write_interfaces(out, views, n_views);
	write_workers(out, dp, &info);
	write_sessions(out, &info);
	if (src->api != NULL)
		write_api(out, src->api);
	if (src->http != NULL)
		write_http(out, src->http);
	if (src->session_series != 0)
		write_session_series(out, dp, src->session_series, info.sessions);
}
