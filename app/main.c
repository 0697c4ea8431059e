/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rtpproxy: wires the libraries together. The configuration is read and
 * validated before EAL starts, so a bad file never touches a port or a
 * hugepage; then the data plane comes up, static sessions are created, the
 * workers start, and the main lcore runs housekeeping until a signal.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>

#include "api_server.h"
#include "http_server.h"
#include "rtpp_audit.h"
#include "rtpp_config.h"
#include "rtpp_dataplane.h"
#include "rtpp_exception.h"
#include "rtpp_service.h"
#include "rtpp_telemetry.h"

extern const char rtpp_default_config[];

#define MAX_LOG_LEVELS 16

struct app_options {
	const char *config_path;
	const char *api_listen;
	char api_listen_buf[RTPP_API_LISTEN_LEN];
	const char *http_listen; /* --http-listen */
	char http_listen_buf[RTPP_API_LISTEN_LEN];
	bool check_only;
	bool debug_commands;
	unsigned int stats_interval_s;
	const char *log_levels[MAX_LOG_LEVELS];
	unsigned int n_log_levels;
};

static volatile sig_atomic_t quit_signal;

static void on_signal(int sig)
{
	quit_signal = sig;
}

/* SIGHUP: the main loop opens audit.file again (logrotate moved it away). */
static volatile sig_atomic_t hangup_signal;

static void on_hangup(int sig)
{
	(void)sig;
	hangup_signal = 1;
}

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"Usage: %s [EAL options] -- [options]\n"
		"\n"
		"An RTP/RTCP media relay on DPDK. EAL options come first (see DPDK's EAL\n"
		"documentation: -l CORES, --file-prefix, --no-huge -m MB, ...), then '--',\n"
		"then these:\n"
		"  -c, --config FILE         YAML configuration (default: the embedded demo\n"
		"                            configuration, config/default.yaml)\n"
		"      --check               validate the configuration and exit\n"
		"      --api-listen ADDR     serve the gRPC API on ADDR (\"[::]:50051\",\n"
		"                            \"127.0.0.1:6000\", \"unix:/run/rtpproxy.sock\"),\n"
		"                            over the YAML's api.listen\n"
		"      --http-listen ADDR    serve /metrics and the console on ADDR\n"
		"                            (\"127.0.0.1:8080\"), over the YAML's http.listen\n"
		"  -s, --stats-interval SEC  print interface counters every SEC seconds\n"
		"      --log-level PAT:LVL   set a log level by rte_log type pattern, e.g.\n"
		"                            'rtpproxy.*:debug' or 'rtpproxy.neigh:info'\n"
		"                            (repeatable; types: rtpproxy.config, .dataplane,\n"
		"                            .session, .neigh, .exception)\n"
		"      --debug-commands      serve the telemetry commands /rtpproxy/debug/*,\n"
		"                            which harm the service on purpose (tests only)\n"
		"  -h, --help                this text\n"
		"  -V, --version             print the version\n"
		"\n"
		"Counters while running: usertools/rtpproxy-telemetry stats\n",
		prog);
}

static int parse_app_options(int argc, char **argv, struct app_options *o)
{
	enum {
		OPT_CHECK = 256,
		OPT_LOG_LEVEL,
		OPT_API_LISTEN,
		OPT_DEBUG_COMMANDS,
		OPT_HTTP_LISTEN
	};
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "api-listen", required_argument, NULL, OPT_API_LISTEN },
		{ "http-listen", required_argument, NULL, OPT_HTTP_LISTEN },
		{ "debug-commands", no_argument, NULL, OPT_DEBUG_COMMANDS },
		{ "stats-interval", required_argument, NULL, 's' },
		{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:s:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config_path = optarg;
			break;
		case OPT_CHECK:
			o->check_only = true;
			break;
		case OPT_DEBUG_COMMANDS:
			o->debug_commands = true;
			break;
		case OPT_HTTP_LISTEN: {
			const char *why;

			if (strncmp(optarg, "unix:", 5) == 0 ||
			    rtpp_config_api_listen_parse(optarg, o->http_listen_buf,
							 sizeof(o->http_listen_buf), &why) != 0) {
				fprintf(stderr,
					"rtpproxy: --http-listen: \"%s\" is not ADDRESS:PORT\n",
					optarg);
				return -1;
			}
			o->http_listen = o->http_listen_buf;
			break;
		}
		case OPT_API_LISTEN: {
			const char *why;

			if (rtpp_config_api_listen_parse(optarg, o->api_listen_buf,
							 sizeof(o->api_listen_buf), &why) != 0) {
				fprintf(stderr, "rtpproxy: --api-listen: \"%s\" %s\n", optarg, why);
				return -1;
			}
			o->api_listen = o->api_listen_buf;
			break;
		}
		case 's': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);

			if (*optarg == '\0' || *end != '\0' || v > 86400) {
				fprintf(stderr, "rtpproxy: --stats-interval: \"%s\" is not 0..86400\n",
					optarg);
				return -1;
			}
			o->stats_interval_s = (unsigned int)v;
			break;
		}
		case OPT_LOG_LEVEL:
			if (strchr(optarg, ':') == NULL || o->n_log_levels == MAX_LOG_LEVELS) {
				fprintf(stderr, "rtpproxy: --log-level: want PATTERN:LEVEL, got \"%s\"\n",
					optarg);
				return -1;
			}
			o->log_levels[o->n_log_levels++] = optarg;
			break;
		case 'h':
			usage(stdout, argv[0]);
			exit(0);
		case 'V':
			printf("rtpproxy %s\n", RTPP_VERSION);
			exit(0);
		default:
			usage(stderr, argv[0]);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "rtpproxy: unexpected argument \"%s\"\n", argv[optind]);
		return -1;
	}
	return 0;
}

/* rte_log levels by name (DPDK 22.11 exports no parser for them). */
static int parse_log_level(const char *s)
{
	static const char *const names[] = { "emerg", "alert", "crit", "err",
					     "warning", "notice", "info", "debug" };
	char *end;
	long v = strtol(s, &end, 10);

	if (*s != '\0' && *end == '\0')
		return v >= RTE_LOG_EMERG && v <= RTE_LOG_DEBUG ? (int)v : -1;
	for (unsigned int i = 0; i < RTE_DIM(names); i++)
		if (strcasecmp(s, names[i]) == 0)
			return (int)i + RTE_LOG_EMERG;
	return -1;
}

static int apply_log_levels(const struct app_options *o)
{
	for (unsigned int i = 0; i < o->n_log_levels; i++) {
		char pattern[128];
		const char *colon = strrchr(o->log_levels[i], ':');
		size_t plen = (size_t)(colon - o->log_levels[i]);
		int level = parse_log_level(colon + 1);

		if (level < 0 || plen == 0 || plen >= sizeof(pattern)) {
			fprintf(stderr, "rtpproxy: --log-level %s: unknown level \"%s\" "
				"(emerg..debug, or 1..8)\n", o->log_levels[i], colon + 1);
			return -1;
		}
		memcpy(pattern, o->log_levels[i], plen);
		pattern[plen] = '\0';
		rte_log_set_level_pattern(pattern, (uint32_t)level);
	}
	return 0;
}

/*
 * net_tap logs at start, for each TAP, that it could not add a multiq qdisc
 * and so disables rte_flow, on any kernel without sch_multiq: it reads like
 * a failure and is none (the proxy uses neither: one TAP queue per worker,
 * no flow rules on TAPs; a TAP that does not come up is reported by the
 * proxy itself). Its notices are kept to critical ones unless an EAL
 * --log-level names the TAP driver (or --log-level pmd.net.tap:LEVEL after
 * "--" sets it again).
 */
static void quiet_tap_notices(char **eal_argv, int eal_argc)
{
	for (int i = 0; i < eal_argc; i++) {
		/* "--log-level=PATTERN:LEVEL" or "--log-level PATTERN:LEVEL" */
		const char *value = strcmp(eal_argv[i], "--log-level") == 0 && i + 1 < eal_argc ?
					    eal_argv[i + 1] :
					    eal_argv[i];

		if (strncmp(eal_argv[i], "--log-level", 11) == 0 && strstr(value, "tap") != NULL)
			return;
	}
	rte_log_set_level_pattern("pmd.net.tap*", RTE_LOG_CRIT);
}

/* One line per interface and the session count (-s SEC). */
static void print_stats(struct rtpp_dataplane *dp, FILE *f)
{
	struct rtpp_dataplane_info info;
	struct rtpp_iface_view v;

	for (unsigned int i = 0; rtpp_dataplane_iface_view(dp, i, &v) == 0; i++) {
		const struct rtpp_iface_counters *c = &v.counters;
		const struct rtpp_host_drop_counters *h = &v.host_drops;

		/* The proxy's own drops, then what was lost before it saw the frames. */
		fprintf(f,
			"%-8s rx %" PRIu64 " tx %" PRIu64 " to-kernel %" PRIu64
			" from-kernel %" PRIu64 " no-session %" PRIu64 " malformed %" PRIu64
			" dropped %" PRIu64 "; before the proxy: ring-dropped %" PRIu64
			" nic-missed %" PRIu64 " nic-errors %" PRIu64 " nic-nombuf %" PRIu64 "\n",
			v.name, c->rx_packets, c->tx_packets, c->to_kernel, c->from_kernel,
			c->no_session, c->malformed, c->tx_dropped + c->kernel_dropped,
			h->host_ring_dropped, h->nic_missed, h->nic_rx_errors, h->nic_rx_nombuf);
	}
	rtpp_dataplane_info(dp, &info);
	fprintf(f, "sessions %u/%u\n", info.sessions, info.max_sessions);
	fflush(f);
}

/*
 * The EAL's arguments: the user's (argv up to "--"), and unless they say
 * otherwise about hugepage files, --huge-unlink=always: the files are
 * removed as soon as they are mapped, so that no run leaves one behind,
 * not a clean exit (EAL keeps the files of pages still allocated) and not
 * a kill -9. The price: no secondary process (dpdk-proc-info, dpdk-pdump)
 * can attach; whoever needs one passes --huge-unlink=existing. NULL when out
 * of memory; *argc grows by what was added.
 */
static char **eal_arguments(char **argv, int *argc)
{
	static char unlink_always[] = "--huge-unlink=always";
	static const char *const user_decides[] = { "--huge-unlink", "--no-huge", "--in-memory",
						    "--proc-type" };
	char **out = calloc((size_t)*argc + 2, sizeof(*out));
	bool add = true;

	if (out == NULL)
		return NULL;
	for (int i = 0; i < *argc; i++) {
		out[i] = argv[i];
		for (size_t k = 0; k < sizeof(user_decides) / sizeof(user_decides[0]); k++)
			if (strncmp(argv[i], user_decides[k], strlen(user_decides[k])) == 0)
				add = false;
	}
	if (add)
		out[(*argc)++] = unlink_always;
	out[*argc] = NULL;
	return out;
}

/*
 * Each interface's exception path as this host and network namespace would
 * give it (rtpp_exception_host_check): one line per problem on stderr,
 * "FILE: interfaces[i] (NAME): ...", warnings marked. Returns how many would
 * make the start fail.
 */
static unsigned int check_host(const struct rtpp_config *cfg)
{
	unsigned int fatal = 0;

	for (unsigned int i = 0; i < cfg->n_ifaces; i++) {
		struct rtpp_host_check hc;

		rtpp_exception_host_check(&cfg->ifaces[i], &hc);
		for (unsigned int p = 0; p < hc.n; p++)
			fprintf(stderr, "%s: interfaces[%u] (%s): %s%s\n", cfg->source_name, i,
				cfg->ifaces[i].name,
				hc.problems[p].fatal ? "" : "warning: ", hc.problems[p].text);
		fatal += hc.fatal;
	}
	return fatal;
}

int main(int argc, char **argv)
{
	struct app_options opts = { 0 };
	struct rtpp_config *cfg = NULL;
	struct rtpp_dataplane *dp = NULL;
	struct api_server *api = NULL;
	struct rtpp_audit *audit = NULL;
	struct http_server *http = NULL;
	struct rtpp_service *svc = NULL; /* systemd's sd_notify (docs/systemd.md) */
	char err[RTPP_CONFIG_ERR_LEN];
	char **eal_argv = NULL; /* EAL's getopt may keep what it points to: kept to the end */
	int eal_argc = argc, rc;

	/* Split at "--": EAL's arguments before it, ours after it. */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			eal_argc = i;
			break;
		}
	}
	if (eal_argc < argc) {
		char **app_argv = argv + eal_argc;

		app_argv[0] = argv[0];
		if (parse_app_options(argc - eal_argc, app_argv, &opts) != 0)
			return 1;
	}

	if (opts.config_path != NULL)
		rc = rtpp_config_load_file(opts.config_path, &cfg, err, sizeof(err));
	else
		rc = rtpp_config_load_string(rtpp_default_config, strlen(rtpp_default_config),
					     "<embedded default>", &cfg, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	/* The host, before DPDK touches it: what would fail, what would misbehave. */
	unsigned int fatal = check_host(cfg);
	if (opts.check_only) {
		if (fatal == 0)
			printf("%s: OK (%u interfaces, %u static sessions)\n", cfg->source_name,
			       cfg->n_ifaces, cfg->n_sessions);
		rtpp_config_free(cfg);
		return fatal == 0 ? 0 : 1;
	}
	if (fatal != 0) {
		rtpp_config_free(cfg);
		return 1;
	}

	eal_argv = eal_arguments(argv, &eal_argc);
	if (eal_argv == NULL) {
		fprintf(stderr, "rtpproxy: out of memory\n");
		rtpp_config_free(cfg);
		return 1;
	}
	if (rte_eal_init(eal_argc, eal_argv) < 0) {
		fprintf(stderr, "rtpproxy: EAL initialisation failed: %s\n", rte_strerror(rte_errno));
		rtpp_config_free(cfg);
		free(eal_argv);
		return 1;
	}
	rc = 1;
	quiet_tap_notices(eal_argv, eal_argc);
	if (apply_log_levels(&opts) != 0)
		goto out;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_hangup);
	/* A reader of stdout that went away is a write error (counted by the
	 * audit trail), not a reason to die. */
	signal(SIGPIPE, SIG_IGN);
	audit = rtpp_audit_open(&cfg->audit, err, sizeof(err));
	if (audit == NULL) {
		fprintf(stderr, "rtpproxy: %s\n", err);
		goto out;
	}

	dp = rtpp_dataplane_create(cfg, err, sizeof(err));
	if (dp == NULL) {
		fprintf(stderr, "rtpproxy: %s\n", err);
		goto out;
	}
	svc = rtpp_service_create(dp);
	if (svc == NULL) {
		fprintf(stderr, "rtpproxy: out of memory\n");
		goto out;
	}
	rtpp_telemetry_allow_debug(opts.debug_commands);
	if (rtpp_telemetry_register(dp) != 0)
		fprintf(stderr, "rtpproxy: telemetry commands not registered (is telemetry off?)\n");
	if (rtpp_dataplane_create_static_sessions(dp, err, sizeof(err)) != 0) {
		fprintf(stderr, "rtpproxy: %s\n", err);
		goto out;
	}
	if (rtpp_dataplane_start(dp, err, sizeof(err)) != 0) {
		fprintf(stderr, "rtpproxy: %s\n", err);
		goto out;
	}
	api = api_server_start(dp, &cfg->api, opts.api_listen, err, sizeof(err));
	if (api == NULL) {
		fprintf(stderr, "rtpproxy: %s\n", err);
		goto out;
	}
	http = http_server_start(dp, api, &cfg->http, opts.http_listen, err, sizeof(err));
	if (http == NULL && err[0] != '\0') {
		fprintf(stderr, "rtpproxy: %s\n", err);
		goto out;
	}
	printf("rtpproxy %s running: %u interfaces, %u static sessions (Ctrl-C stops)\n",
	       RTPP_VERSION, cfg->n_ifaces, cfg->n_sessions);
	fflush(stdout);
	api_server_audit(api, audit, cfg); /* config_load, static sessions, then every call */
	http_server_audit(http, audit);    /* the console's writes */
	/*
	 * Every server listens (start any new one above this line): systemd's
	 * READY=1 follows from the main loop once the links are up and the next
	 * hops answer; from then on WATCHDOG=1 while every worker progresses.
	 */
	char listening[2 * RTPP_API_LISTEN_LEN + 32];
	snprintf(listening, sizeof(listening), "API on %s%s%s",
		 opts.api_listen != NULL ? opts.api_listen : cfg->api.listen,
		 http != NULL ? ", HTTP on " : "",
		 http == NULL             ? "" :
		 opts.http_listen != NULL ? opts.http_listen :
					    cfg->http.listen);
	rtpp_service_started(svc, listening);

	uint64_t hz = rte_get_tsc_hz();
	uint64_t next_stats = rte_rdtsc() + (uint64_t)opts.stats_interval_s * hz;

	while (!quit_signal) {
		rtpp_dataplane_service(dp);
		rtpp_service_tick(svc);
		if (hangup_signal) {
			hangup_signal = 0;
			rtpp_audit_reopen(audit);
		}
		if (opts.stats_interval_s != 0 && rte_rdtsc() >= next_stats) {
			print_stats(dp, stdout);
			next_stats += (uint64_t)opts.stats_interval_s * hz;
		}
		/*
		 * The main lcore is not a polling core: it blocks in grpc's
		 * epoll for at most 1 ms, so the duties above run at >= 1 kHz
		 * when idle, and under API load after every drain of up to 256
		 * completions. Blocking does not delay calls (a readable socket
		 * wakes it at once); busy-polling (timeout 0) would only take
		 * the CPU from what shares it with us: grpc's I/O happens in
		 * this same poll, and on small machines the clients run there
		 * too (docs/performance.md, set-up rate).
		 */
		api_server_poll(api, 1);
		http_server_poll(http);
	}
	printf("rtpproxy: signal %d, stopping\n", (int)quit_signal);
	snprintf(listening, sizeof(listening), "signal %d", (int)quit_signal);
	rtpp_service_stopping(svc, listening);
	rc = 0;
out:
	rtpp_service_destroy(svc);
	http_server_stop(http);
	api_server_stop(api);
	rtpp_audit_close(audit);
	rtpp_telemetry_unbind();
	rtpp_dataplane_destroy(dp);
	rte_eal_cleanup();
	rtpp_config_free(cfg);
	free(eal_argv);
	return rc;
}
