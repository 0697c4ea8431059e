/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Forwarding benchmark: one lcore runs the real worker code
 * (rtpp_worker_process_media + rtpp_worker_flush) on a net_ring port whose RX
 * and TX are the same ring, so forwarded packets come straight back as input.
 * Sessions are chained in a random cycle: session i's leg B remote is the leg
 * A local endpoint of the next session in the cycle, and its leg A remote the
 * leg B local endpoint of the previous one. A packet entering leg A of i
 * leaves from leg B of i, so it arrives at the next session from exactly the
 * remote that session's leg A expects, and a packet entering leg B goes round
 * the cycle the other way; every packet visits sessions in an order the
 * caches cannot predict. The io-forward ceiling is the same loop on the same
 * port with no processing at all (rx_burst straight to tx_burst). Figures are
 * medians over --repeat runs.
 *
 * Sessions are set up as the proxy's control plane would with every media
 * rule on (docs/media-security.md): both remotes known (leg A LATCHED on an
 * SSRC, leg B GIVEN, both RTCP ports confirmed), strict source, a rate limit
 * high enough never to drop (so the meters grant every batch of credit) and a
 * clock for jitter. --rules off
 * leaves out strict source and the rate limit, --rules strict or meter
 * keeps only that one (what each costs). The packets are valid RTP
 * (PT 0, G.711) from the ingress leg's remote, and with --traffic mixed
 * (default) they go both ways and 1 in 10 is RTCP (SR + report block +
 * SDES) on port + 1; --traffic oneway is RTP from leg A to leg B only, the
 * traffic of this benchmark before the media rules (issue 8).
 *
 *   rtpp-bench [EAL options] -- [--sessions 1,1000,100000,1000000]
 *              [--sizes 64,214] [--seconds 2] [--repeat 5] [--inflight 1024]
 *              [--rules on|off|strict|meter] [--traffic mixed|oneway]
 *              [--no-ceiling]
 *
 * --no-ceiling runs the rtpproxy loop alone (the ceiling columns print 0):
 * for profiling it, where the other loops' samples would be in the way.
 */
#include <getopt.h>
#include <limits.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_prefetch.h>
#include <rte_random.h>
#include <rte_udp.h>

#include "rtpp_dataplane_test.h"
#include "rtpp_rtp.h"

#define MAX_LIST 16
#define PORTS_PER_ADDR 30000
#define FIRST_PORT 1024

/* The one SSRC of the benchmark's streams, on which leg A is latched. */
#define BENCH_SSRC 0x5eed0001u
/* Rate limits no run can reach, even one session taking every packet: the
 * meter runs on every packet and never drops. */
#define BENCH_RATE_PPS 1000000000u
#define BENCH_RATE_BPS 4000000000000ull
/* A compound RTCP packet as a G.711 endpoint sends it: SR with one report
 * block (28 + 24 bytes), SDES with a CNAME (24 bytes). */
#define RTCP_SR_LEN 52
#define RTCP_SDES_LEN 24
#define RTCP_FRAME_LEN (14 + 20 + 8 + RTCP_SR_LEN + RTCP_SDES_LEN)
/* What the RTCP packets' SR carries and their report block echoes. */
#define BENCH_LSR 0xabcd1234u

struct bench_opts {
	uint32_t sessions[MAX_LIST];
	unsigned int n_sessions;
	uint32_t sizes[MAX_LIST];
	unsigned int n_sizes;
	double seconds;
	unsigned int repeat;
	unsigned int inflight;
	unsigned int rules; /* RULE_* on both legs */
	bool oneway;        /* RTP from leg A to leg B only (the traffic before issue 8) */
	bool no_ceiling;    /* skip the io-forward and macswap loops */
};

/* The media rules a session has (--rules). */
#define RULE_STRICT 1u /* strict source */
#define RULE_METER 2u  /* a rate limit */

/* Where a packet put in the loop at the start goes, and where it comes from. */
struct bench_packet {
	struct rtpp_endpoint src, dst;
	bool rtcp;
};

struct run_result {
	double mpps;
	double cycles_per_packet;
};

static struct rte_mempool *pool;
static uint16_t ring_port;

static unsigned int parse_list(const char *s, uint32_t *out)
{
	unsigned int n = 0;
	char *copy = strdup(s), *tok, *save = NULL;

	for (tok = strtok_r(copy, ",", &save); tok && n < MAX_LIST; tok = strtok_r(NULL, ",", &save))
		out[n++] = (uint32_t)strtoul(tok, NULL, 10);
	free(copy);
	return n;
}

/* Leg A endpoints live in 198.18.0.0/16, leg B endpoints in 198.19.0.0/16 (RFC 2544). */
static struct rtpp_endpoint endpoint_of(uint32_t i, uint8_t second_octet)
{
	struct rtpp_endpoint e;
	uint32_t host = (198u << 24) | ((uint32_t)second_octet << 16) | (i / PORTS_PER_ADDR + 1);

	rtpp_addr_set_v4(&e.addr, rte_cpu_to_be_32(host));
	e.port = (uint16_t)(FIRST_PORT + 2 * (i % PORTS_PER_ADDR));
	return e;
}

/* Write one byte of every 4 KiB of a memory segment with its own value. */
static int touch_pages(const struct rte_memseg_list *msl, const struct rte_memseg *ms, void *arg)
{
	volatile uint8_t *p = ms->addr;

	RTE_SET_USED(msl);
	RTE_SET_USED(arg);
	for (size_t off = 0; off < ms->len; off += 4096)
		p[off] = p[off];
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* RTP version 2, PT 0 (PCMU), one SSRC; sequence and timestamp stay 0 as they circulate. */
static void fill_rtp(uint8_t *p)
{
	p[0] = 0x80;
	p[1] = 0;
	put32(p + 8, BENCH_SSRC);
}

/* SR (one report block echoing BENCH_LSR) + SDES CNAME: what an endpoint sends every 5 s. */
static void fill_rtcp(uint8_t *p)
{
	p[0] = 0x81; /* V=2, one report block */
	p[1] = RTPP_RTCP_PT_SR;
	put16(p + 2, RTCP_SR_LEN / 4 - 1);
	put32(p + 4, BENCH_SSRC);
	put32(p + 8, BENCH_LSR >> 16);  /* NTP seconds, */
	put32(p + 12, BENCH_LSR << 16); /* fraction: middle 32 bits are BENCH_LSR */
	put32(p + 16, 160000);          /* RTP timestamp */
	put32(p + 20, 1000);            /* sender's packet count */
	put32(p + 24, 160000);          /* sender's octet count */
	put32(p + 28, BENCH_SSRC);      /* report block: about this source */
	put32(p + 32, 0);               /* fraction lost, cumulative lost */
	put32(p + 36, 1000);            /* extended highest sequence */
	put32(p + 40, 8);               /* interarrival jitter */
	put32(p + 44, BENCH_LSR);       /* LSR */
	put32(p + 48, 0);               /* DLSR */
	uint8_t *sdes = p + RTCP_SR_LEN;
	sdes[0] = 0x81; /* one chunk */
	sdes[1] = 202;
	put16(sdes + 2, RTCP_SDES_LEN / 4 - 1);
	put32(sdes + 4, BENCH_SSRC);
	sdes[8] = 1; /* CNAME */
	sdes[9] = 10;
	memcpy(sdes + 10, "bench@rtpp", 10); /* then a null item and padding (zeros) */
}

static struct rte_mbuf *make_packet(const struct bench_packet *bp, uint32_t rtp_frame_len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint32_t frame_len = bp->rtcp ? RTCP_FRAME_LEN : rtp_frame_len;
	uint16_t udp_len = (uint16_t)(frame_len - 14 - 20);

	if (m == NULL)
		return NULL;
	uint8_t *f = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)frame_len);
	memset(f, 0, frame_len);
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)f;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);

	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(20 + udp_len));
	ip->time_to_live = 64;
	ip->next_proto_id = 17;
	ip->src_addr = rtpp_addr_v4(&bp->src.addr);
	ip->dst_addr = rtpp_addr_v4(&bp->dst.addr);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16(bp->src.port);
	udp->dst_port = rte_cpu_to_be_16(bp->dst.port);
	udp->dgram_len = rte_cpu_to_be_16(udp_len);
	if (bp->rtcp)
		fill_rtcp((uint8_t *)(udp + 1));
	else
		fill_rtp((uint8_t *)(udp + 1));
	udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	return m;
}

/* Build the data plane around one ring port and n chained sessions. */
static struct rtpp_dataplane *make_dataplane(uint32_t n_sessions, unsigned int rules,
					     uint32_t **order_out)
{
	struct rtpp_dataplane *dp = rtpp_dataplane_create_detached(&ring_port, 1, n_sessions, 1, pool, NULL);

	if (dp == NULL) {
		fprintf(stderr, "rtpp-bench: cannot allocate tables for %u sessions: give EAL more "
			"memory (-m, hugepages)\n", n_sessions);
		exit(1);
	}
	/* Every destination goes through one resolved gateway. */
	struct rtpp_addr gw;
	rtpp_addr_parse("198.18.255.254", &gw);
	uint32_t gw_index = rtpp_neigh_ref(rtpp_dataplane_test_neigh(dp), 0, &gw);
	struct rtpp_neigh_learn l = { .iface = 0, .addr = gw,
				      .mac = { { 0x02, 0, 0, 0, 0, 0xfe } } };
	rtpp_neigh_learn(rtpp_dataplane_test_neigh(dp), &l, rte_rdtsc());

	/* What a session with every media rule on gets from the control plane. */
	struct rtpp_media_options media = { .strict_source = (rules & RULE_STRICT) != 0,
					    .clock_rate = 8000 };
	uint16_t meter = 0;
	if (rules & RULE_METER) {
		media.rate_limit_pps = BENCH_RATE_PPS;
		media.rate_limit_bps = BENCH_RATE_BPS;
		if (rtpp_dataplane_test_rate_profile(dp, BENCH_RATE_PPS, BENCH_RATE_BPS, &meter) !=
		    0) {
			fprintf(stderr, "rtpp-bench: no rate profile\n");
			exit(1);
		}
	}
	/* A call's steady state: each remote's RTCP port was confirmed by its first RTCP. */
	const uint8_t flags = (uint8_t)(RTPP_LEG_F_RTCP_CONFIRMED |
					((rules & RULE_STRICT) ? RTPP_LEG_F_STRICT : 0));
	const uint32_t clock_mult = (uint32_t)rtpp_rtp_clock_mult(8000, rte_get_tsc_hz());

	/* A random cyclic order of the sessions. */
	uint32_t *order = malloc(sizeof(uint32_t) * n_sessions);
	for (uint32_t i = 0; i < n_sessions; i++)
		order[i] = i;
	for (uint32_t i = n_sessions - 1; i > 0; i--) {
		uint32_t j = (uint32_t)(rte_rand() % (i + 1)), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (uint32_t k = 0; k < n_sessions; k++) {
		uint32_t i = order[k], next = order[(k + 1) % n_sessions], index;
		uint32_t prev = order[(k + n_sessions - 1) % n_sessions];
		struct rtpp_session_params p = { .name = NULL, .rtcp = true, .media = media };
		struct rtpp_endpoint remote_a = endpoint_of(prev, 19),
				     remote_b = endpoint_of(next, 18);

		/* Leg A learnt its remote from the media (the caller behind NAT), leg B was given it. */
		p.leg[0] = (struct rtpp_leg){ .local = endpoint_of(i, 18),
					      .remote = remote_a,
					      .neigh = gw_index,
					      .learning = RTPP_LEARN_LATCHED,
					      .flags = flags,
					      .rtcp_port = (uint16_t)(remote_a.port + 1),
					      .meter = meter,
					      .ssrc = BENCH_SSRC,
					      .clock_mult = clock_mult };
		p.leg[1] = (struct rtpp_leg){ .local = endpoint_of(i, 19),
					      .remote = remote_b,
					      .neigh = gw_index,
					      .learning = RTPP_LEARN_GIVEN,
					      .flags = flags,
					      .rtcp_port = (uint16_t)(remote_b.port + 1),
					      .meter = meter,
					      .clock_mult = clock_mult };
		if (rtpp_session_add(rtpp_dataplane_test_sessions(dp), &p, &index, NULL) != 0) {
			fprintf(stderr, "rtpp-bench: session %u refused\n", i);
			exit(1);
		}
	}
	*order_out = order;
	return dp;
}

static void free_dataplane(struct rtpp_dataplane *dp, uint32_t *order)
{
	rtpp_dataplane_destroy(dp);
	free(order);
}

/* Empty the loop; returns how many packets were still circulating. */
static unsigned int drain_port(void)
{
	struct rte_mbuf *pkts[64];
	unsigned int total = 0;
	uint16_t n;

	while ((n = rte_eth_rx_burst(ring_port, 0, pkts, 64)) > 0) {
		rte_pktmbuf_free_bulk(pkts, n);
		total += n;
	}
	return total;
}

static int fill_port(const struct bench_packet *bps, unsigned int inflight, uint32_t frame_len)
{
	for (unsigned int i = 0; i < inflight; i++) {
		struct rte_mbuf *m = make_packet(&bps[i], frame_len);

		if (m == NULL || rte_eth_tx_burst(ring_port, 0, &m, 1) != 1)
			return -1;
	}
	return 0;
}

enum loop_mode { LOOP_IO, LOOP_MACSWAP, LOOP_RTPPROXY };

/* testpmd's macswap: the least a forwarder does, read and write the L2 header. */
static void macswap(struct rte_mbuf **pkts, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++)
		rte_prefetch0(pkts[i]);
	for (uint16_t i = 0; i < n; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (uint16_t i = 0; i < n; i++) {
		struct rte_ether_hdr *eth = rte_pktmbuf_mtod(pkts[i], struct rte_ether_hdr *);
		struct rte_ether_addr tmp = eth->dst_addr;

		eth->dst_addr = eth->src_addr;
		eth->src_addr = tmp;
	}
}

static struct run_result run_loop(enum loop_mode mode, struct rtpp_worker *w, double seconds)
{
	struct rte_mbuf *pkts[32];
	uint64_t hz = rte_get_tsc_hz(), packets = 0;
	uint64_t start = rte_rdtsc(), end = start + (uint64_t)(seconds * (double)hz), now = start;

	while (now < end) {
		for (int i = 0; i < 64; i++) {
			uint16_t n = rte_eth_rx_burst(ring_port, 0, pkts, 32);

			if (mode == LOOP_RTPPROXY) {
				rtpp_worker_process_media(w, 0, pkts, n, now);
				rtpp_worker_flush(w);
			} else {
				if (mode == LOOP_MACSWAP)
					macswap(pkts, n);
				uint16_t sent = rte_eth_tx_burst(ring_port, 0, pkts, n);

				if (unlikely(sent < n))
					rte_pktmbuf_free_bulk(&pkts[sent], n - sent);
			}
			packets += n;
		}
		now = rte_rdtsc();
	}
	double secs = (double)(now - start) / (double)hz;
	return (struct run_result){ packets / secs / 1e6, (double)(now - start) / (double)packets };
}

/*
 * Every packet a session received was relayed: no media rule refused one
 * (a refusal would mean the set-up, not the code, decided the figure). Also
 * prints what the traffic was, so that the new code is seen on the path:
 * the share of each direction and of RTCP, flows with a jitter estimate,
 * RTCP round trips measured. Returns -1 after a message when a rule dropped.
 */
static int check_flows(struct rtpp_dataplane *dp, uint32_t n)
{
	const struct rtpp_session_table *t = rtpp_dataplane_test_sessions(dp);
	uint64_t rx[RTPP_FLOWS_PER_SESSION] = { 0 }, dropped = 0, jitter_flows = 0, rtt = 0;
	struct rtpp_flow_stats worst = { 0 };

	for (uint32_t cursor = 0, seen = 0; seen < n && rtpp_session_next(t, &cursor);
	     cursor++, seen++) {
		for (unsigned int f = 0; f < RTPP_FLOWS_PER_SESSION; f++) {
			struct rtpp_flow_stats fs;

			rtpp_session_flow_counters(t, cursor, f, &fs);
			rx[f] += fs.rx_packets;
			uint64_t d = fs.drop_no_remote + fs.drop_no_neighbour + fs.drop_tx_full +
				     fs.drop_foreign_source + fs.drop_not_media +
				     fs.drop_malformed + fs.drop_rate_limit + fs.drop_paused;
			if (d != 0 && dropped == 0)
				worst = fs;
			dropped += d;
			jitter_flows += fs.jitter_units16 != 0;
		}
		for (unsigned int l = 0; l < RTPP_LEGS_PER_SESSION; l++) {
			struct rtpp_rtcp_summary sum;

			rtpp_session_leg_rtcp(t, cursor, l, &sum);
			rtt += sum.rtt_count;
		}
	}
	if (dropped != 0) {
		fprintf(stderr,
			"rtpp-bench: %lu packets dropped by sessions; first flow with drops: "
			"no_remote %lu no_neighbour %lu tx_full %lu foreign_source %lu "
			"not_media %lu malformed %lu rate_limit %lu paused %lu\n",
			(unsigned long)dropped, (unsigned long)worst.drop_no_remote,
			(unsigned long)worst.drop_no_neighbour, (unsigned long)worst.drop_tx_full,
			(unsigned long)worst.drop_foreign_source,
			(unsigned long)worst.drop_not_media, (unsigned long)worst.drop_malformed,
			(unsigned long)worst.drop_rate_limit, (unsigned long)worst.drop_paused);
		return -1;
	}
	uint64_t total = rx[0] + rx[1] + rx[2] + rx[3];
	if (total == 0)
		total = 1;
	printf("# %u sessions: %lu packets into sessions so far: RTP A->B %.1f%%, RTP B->A %.1f%%, "
	       "RTCP %.1f%%; %lu flows with a jitter estimate, %lu RTCP round trips; no drop\n",
	       n, (unsigned long)total, 100.0 * (double)rx[RTPP_FLOW_A_TO_B] / (double)total,
	       100.0 * (double)rx[RTPP_FLOW_B_TO_A] / (double)total,
	       100.0 * (double)(rx[RTPP_FLOW_RTCP_A_TO_B] + rx[RTPP_FLOW_RTCP_B_TO_A]) / (double)total,
	       (unsigned long)jitter_flows, (unsigned long)rtt);
	return 0;
}

static struct run_result median_of(struct run_result *r, unsigned int n)
{
	double mpps[64], cpp[64];

	for (unsigned int i = 0; i < n; i++) {
		mpps[i] = r[i].mpps;
		cpp[i] = r[i].cycles_per_packet;
	}
	qsort(mpps, n, sizeof(double), cmp_double);
	qsort(cpp, n, sizeof(double), cmp_double);
	return (struct run_result){ mpps[n / 2], cpp[n / 2] };
}

int main(int argc, char **argv)
{
	struct bench_opts o = {
		.seconds = 2, .repeat = 5, .inflight = 1024, .rules = RULE_STRICT | RULE_METER
	};
	static const char *const rule_names[] = { "off", "strict", "meter", "on" };
	int consumed = rte_eal_init(argc, argv);

	if (consumed < 0) {
		fprintf(stderr, "rtpp-bench: EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= consumed;
	argv += consumed;
	o.n_sessions = parse_list("1,1000,100000,1000000", o.sessions);
	o.n_sizes = parse_list("64,214", o.sizes);
	static const struct option longopts[] = {
		{ "sessions", required_argument, NULL, 'n' },
		{ "sizes", required_argument, NULL, 'z' },
		{ "seconds", required_argument, NULL, 't' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "inflight", required_argument, NULL, 'i' },
		{ "rules", required_argument, NULL, 'R' },
		{ "traffic", required_argument, NULL, 'T' },
		{ "no-ceiling", no_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "n:z:t:r:i:R:T:C", longopts, NULL)) != -1) {
		switch (c) {
		case 'n': o.n_sessions = parse_list(optarg, o.sessions); break;
		case 'z': o.n_sizes = parse_list(optarg, o.sizes); break;
		case 't': o.seconds = atof(optarg); break;
		case 'r': o.repeat = (unsigned int)atoi(optarg); break;
		case 'i': o.inflight = (unsigned int)atoi(optarg); break;
		case 'R':
			for (o.rules = 0; o.rules < RTE_DIM(rule_names); o.rules++)
				if (strcmp(optarg, rule_names[o.rules]) == 0)
					break;
			if (o.rules == RTE_DIM(rule_names))
				goto usage;
			break;
		case 'T':
			if (strcmp(optarg, "mixed") != 0 && strcmp(optarg, "oneway") != 0)
				goto usage;
			o.oneway = strcmp(optarg, "oneway") == 0;
			break;
		case 'C':
			o.no_ceiling = true;
			break;
		default:
			goto usage;
		}
	}
	if (o.repeat == 0 || o.repeat > 64 || o.inflight == 0 || o.inflight > 16384) {
		fprintf(stderr, "rtpp-bench: --repeat 1..64, --inflight 1..16384\n");
		return 1;
	}

	/*
	 * With --no-huge, EAL memory is anonymous 4 KiB pages that nothing has
	 * written yet: the tables of 1M sessions would take their first-touch
	 * page faults (several microseconds each) in the timed runs. Fault them
	 * all in now. (Hugepages are already backed: a few thousand writes.)
	 */
	rte_memseg_walk(touch_pages, NULL);

	pool = rte_pktmbuf_pool_create("bench_pool", o.inflight * 2 + 4096, 256, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	struct rte_ring *ring = rte_ring_create("bench_loop", rte_align32pow2(o.inflight * 2),
						(int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (pool == NULL || ring == NULL) {
		fprintf(stderr, "rtpp-bench: cannot allocate pool/ring: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	int port = rte_eth_from_ring(ring);
	if (port < 0) {
		fprintf(stderr, "rtpp-bench: rte_eth_from_ring: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	ring_port = (uint16_t)port;
	struct rte_eth_conf conf = { 0 };
	if (rte_eth_dev_configure(ring_port, 1, 1, &conf) != 0 ||
	    rte_eth_rx_queue_setup(ring_port, 0, 1024, rte_socket_id(), NULL, pool) != 0 ||
	    rte_eth_tx_queue_setup(ring_port, 0, 1024, rte_socket_id(), NULL) != 0 ||
	    rte_eth_dev_start(ring_port) != 0) {
		fprintf(stderr, "rtpp-bench: cannot start the ring port\n");
		return 1;
	}

	printf("# rtpp-bench: one lcore, net_ring loopback, %u packets in flight, %.1f s x %u runs, "
	       "TSC %.2f GHz\n", o.inflight, o.seconds, o.repeat, (double)rte_get_tsc_hz() / 1e9);
	printf("# media rules %s (on: strict source and rate limit), latched two-way sessions, "
	       "traffic %s\n",
	       rule_names[o.rules],
	       o.oneway ? "oneway (RTP, leg A to leg B)" : "mixed (both ways, 1 in 10 RTCP)");
	printf("| sessions | frame bytes | io-forward Mpps (cycles/pkt) | macswap Mpps (cycles/pkt) "
	       "| rtpproxy Mpps (cycles/pkt) | %% of io-forward | %% of macswap |\n");
	printf("|---:|---:|---:|---:|---:|---:|---:|\n");
	fflush(stdout);

	for (unsigned int si = 0; si < o.n_sessions; si++) {
		uint32_t *order;
		uint32_t n = o.sessions[si];
		struct rtpp_dataplane *dp = make_dataplane(n, o.rules, &order);
		struct bench_packet *bps = malloc(sizeof(*bps) * o.inflight);

		/*
		 * Spread the packets in flight evenly over the cycle, each from the
		 * remote its ingress leg expects. Mixed: odd packets enter leg B
		 * (and go round backwards), and 2 of every 20 are RTCP.
		 */
		for (unsigned int k = 0; k < o.inflight; k++) {
			uint32_t pos = (uint32_t)((uint64_t)k * n / o.inflight);
			bool reverse = !o.oneway && (k & 1);
			bool rtcp = !o.oneway && (k / 2) % 10 == 4;

			if (reverse) {
				bps[k].dst = endpoint_of(order[pos], 19);
				bps[k].src = endpoint_of(order[(pos + 1) % n], 18);
			} else {
				bps[k].dst = endpoint_of(order[pos], 18);
				bps[k].src = endpoint_of(order[(pos + n - 1) % n], 19);
			}
			bps[k].rtcp = rtcp;
			bps[k].src.port = (uint16_t)(bps[k].src.port + rtcp);
			bps[k].dst.port = (uint16_t)(bps[k].dst.port + rtcp);
		}

		for (unsigned int zi = 0; zi < o.n_sizes; zi++) {
			struct run_result io[64], ms[64], fw[64];

			/*
			 * One untimed run first: the first packet of each flow (its
			 * event to the main lcore, lines never read) is no steady state,
			 * and with 1M sessions a run of a second is not enough for every
			 * flow to see two packets.
			 */
			drain_port();
			if (fill_port(bps, o.inflight, o.sizes[zi]) != 0)
				goto fail;
			(void)run_loop(LOOP_RTPPROXY, rtpp_dataplane_test_worker(dp, 0), o.seconds);

			for (unsigned int r = 0; r < o.repeat; r++) {
				/* Alternate the loops so drift hits all of them alike. */
				drain_port();
				if (fill_port(bps, o.inflight, o.sizes[zi]) != 0)
					goto fail;
				if (o.no_ceiling) {
					io[r] = ms[r] = (struct run_result){ 0, 0 };
				} else {
					io[r] = run_loop(LOOP_IO, NULL, o.seconds);
					ms[r] = run_loop(LOOP_MACSWAP, NULL, o.seconds);
				}
				drain_port();
				if (fill_port(bps, o.inflight, o.sizes[zi]) != 0)
					goto fail;
				fw[r] = run_loop(LOOP_RTPPROXY, rtpp_dataplane_test_worker(dp, 0),
						 o.seconds);
				/* A packet that left the loop means a drop: the figure would lie. */
				unsigned int left = drain_port();
				if (left != o.inflight) {
					fprintf(stderr, "rtpp-bench: %u of %u packets still circulate "
						"after the run\n", left, o.inflight);
					(void)check_flows(dp, n); /* says which rule dropped */
					return 1;
				}
			}
			struct run_result mio = median_of(io, o.repeat), mfw = median_of(fw, o.repeat);
			struct run_result mms = median_of(ms, o.repeat);

			/* Every forwarded packet must have been forwarded, not dropped. */
			struct rtpp_iface_counters *pc =
				rtpp_dataplane_test_worker_counters(rtpp_dataplane_test_worker(dp, 0),
								    0);
			if (pc->no_session != 0 || pc->malformed != 0 || pc->tx_dropped != 0) {
				fprintf(stderr, "rtpp-bench: packets missed the sessions "
					"(no_session %lu, malformed %lu, tx_dropped %lu)\n",
					(unsigned long)pc->no_session, (unsigned long)pc->malformed,
					(unsigned long)pc->tx_dropped);
				return 1;
			}
			if (check_flows(dp, n) != 0)
				return 1;
			printf("| %u | %u | %.1f (%.1f) | %.1f (%.1f) | %.2f (%.0f) | %.0f%% | %.0f%% |\n",
			       n, o.sizes[zi], mio.mpps, mio.cycles_per_packet, mms.mpps,
			       mms.cycles_per_packet, mfw.mpps, mfw.cycles_per_packet,
			       mio.mpps > 0 ? 100.0 * mfw.mpps / mio.mpps : 0.0,
			       mms.mpps > 0 ? 100.0 * mfw.mpps / mms.mpps : 0.0);
			fflush(stdout);
		}
		drain_port();
		free(bps);
		free_dataplane(dp, order);
	}
	char runtime_dir[PATH_MAX];
	snprintf(runtime_dir, sizeof(runtime_dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	(void)rmdir(runtime_dir); /* EAL leaves it behind, empty */
	return 0;
fail:
	fprintf(stderr, "rtpp-bench: cannot fill the loop (mbufs?)\n");
	return 1;
usage:
	fprintf(stderr,
		"usage: rtpp-bench [EAL] -- [--sessions LIST] [--sizes LIST] "
		"[--seconds S] [--repeat N] [--inflight N] [--rules on|off|strict|meter] "
		"[--traffic mixed|oneway] [--no-ceiling]\n");
	return 1;
}
