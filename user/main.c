// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* pantau: per-service resource and traffic tracer, the daemon. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "collectors/collector.h"
#include "config.h"
#include "cpu.skel.h"
#include "cgroups.skel.h"
#include "daemon.h"
#include "status/status_traffic.h"
#include "status/status_history.h"
#include "cloudwatch/cloudwatch.h"
#include "jsonl/jsonl.h"
#include "collectors/disk_collector.h"
#include "elasticsearch/elasticsearch.h"
#include "collectors/request_collector.h"
#include "log.h"
#include "prometheus/metrics.h"
#include "bpf/net_seed.h"
#include "bpf/shared_cgroups.h"
#include "bpf/skip_cgroups.h"
#include "net.skel.h"
#include "prometheus/prometheus.h"
#include "naming/services.h"
#include "bpf/tls_libs.h"
#include "reload.h"
#include "web_config.h"

#define EXIT_USAGE 2
#define MAINTENANCE_INTERVAL_SECONDS 5
#define MIN_CPU_STATS_ENTRIES 4096
#define CPU_STATS_ENTRIES_PER_SERVICE 4
#define EXTRA_KEYS 1024

struct options {
	const char *config_path;
	const char *listen;
	const char *log_level;
	const char *events_file;
	const char *es_url;
	const char *list_metrics;
	const char *web_config_file;
	unsigned force_flavour;		/* PROBE_FORCE bits */
	unsigned domains;
	bool check;
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: pantau [OPTION]...\n"
		"Per-service CPU, memory, disk and traffic, measured in the kernel with eBPF,\n"
		"served as Prometheus metrics.\n\n"
		"  -c, --config FILE        YAML config (default %s, read if it exists)\n"
		"  -l, --listen ADDR:PORT   HTTP address for the status page, /metrics and /healthz\n"
		"                           (default %s)\n"
		"      --web-config-file PATH\n"
		"                           TLS and basic auth from this web config file, the\n"
		"                           format of node_exporter's --web.config.file\n"
		"                           (replaces web_config_file)\n"
		"      --log-level LEVEL    error, warn, info or debug (default info)\n"
		"      --events-file PATH   write events as JSON lines to PATH ('-': stdout)\n"
		"      --es-url URL         send events to the Elasticsearch at URL\n"
		"                           (replaces elasticsearch.urls)\n"
		"      --check              say what this kernel can attach (and whether\n"
		"                           Elasticsearch answers), then exit\n"
		"      --list-metrics[=FMT] print the metric table (FMT: text or markdown)\n"
		"      --domains LIST       load only these domains: cpu, memory, disk, network\n"
		"                           (comma-separated; default all)\n"
		"      --force-flavour LIST use these fallbacks even where better hooks exist,\n"
		"                           to test them: raw_tp, block_rq, fentry, prealloc\n"
		"                           (comma-separated; docs/kernels.md)\n"
		"  -h, --help               show this help\n"
		"  -V, --version            show the version\n\n"
		"Runs as root (or with CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN).\n"
		"SIGINT and SIGTERM detach every probe and exit.\n",
		CONFIG_DEFAULT_PATH, CONFIG_DEFAULT_LISTEN);
}

/* Returns 0, 1 to exit successfully now, or EXIT_USAGE. */
static int parse_args(int argc, char **argv, struct options *o)
{
	enum { OPT_LOG_LEVEL = 256, OPT_CHECK, OPT_LIST_METRICS, OPT_EVENTS_FILE, OPT_ES_URL,
	       OPT_FORCE_FLAVOUR, OPT_DOMAINS, OPT_WEB_CONFIG_FILE };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "listen", required_argument, NULL, 'l' },
		{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "events-file", required_argument, NULL, OPT_EVENTS_FILE },
		{ "es-url", required_argument, NULL, OPT_ES_URL },
		{ "list-metrics", optional_argument, NULL, OPT_LIST_METRICS },
		{ "force-flavour", required_argument, NULL, OPT_FORCE_FLAVOUR },
		{ "domains", required_argument, NULL, OPT_DOMAINS },
		{ "web-config-file", required_argument, NULL, OPT_WEB_CONFIG_FILE },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:l:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config_path = optarg;
			break;
		case 'l':
			o->listen = optarg;
			break;
		case OPT_LOG_LEVEL:
			o->log_level = optarg;
			break;
		case OPT_CHECK:
			o->check = true;
			break;
		case OPT_EVENTS_FILE:
			o->events_file = optarg;
			break;
		case OPT_ES_URL:
			o->es_url = optarg;
			break;
		case OPT_WEB_CONFIG_FILE:
			o->web_config_file = optarg;
			break;
		case OPT_LIST_METRICS:
			o->list_metrics = optarg ? optarg : "text";
			break;
		case OPT_FORCE_FLAVOUR:
			if (probes_parse_force(optarg, &o->force_flavour)) {
				fprintf(stderr, "pantau: --force-flavour takes raw_tp, block_rq, fentry and prealloc, "
					"comma-separated, not '%s'.\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_DOMAINS:
			if (probes_parse_domains(optarg, &o->domains)) {
				fprintf(stderr, "pantau: --domains takes cpu, memory, disk and network, "
					"comma-separated, not '%s'.\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout);
			return 1;
		case 'V':
			printf("pantau %s\n", PANTAU_VERSION);
			return 1;
		case ':':
			fprintf(stderr, "pantau: option '%s' needs a value; see pantau --help.\n",
				argv[optind - 1]);
			return EXIT_USAGE;
		default:
			fprintf(stderr, "pantau: unknown option '%s'; see pantau --help.\n",
				argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "pantau: unexpected argument '%s'; pantau takes options only, see pantau --help.\n",
			argv[optind]);
		return EXIT_USAGE;
	}
	return 0;
}

/* The config file to read: --config, else the default one if it exists. */
static const char *config_file_of(const struct options *o)
{
	if (o->config_path)
		return o->config_path;
	return access(CONFIG_DEFAULT_PATH, F_OK) == 0 ? CONFIG_DEFAULT_PATH : NULL;
}

static int load_config(struct pantau_config *cfg, const struct options *o)
{
	const char *path = config_file_of(o);
	char err[CONFIG_ERR_MAX], host[256];
	unsigned short port;
	int rc;

	rc = config_init(cfg);
	if (rc)
		return rc;
	if (path) {
		rc = config_load_file(cfg, path, err, sizeof(err));
		if (rc) {
			fprintf(stderr, "pantau: %s\n", err);
			return rc;
		}
	}
	if (o->listen) {
		if (config_parse_listen(o->listen, host, sizeof(host), &port)) {
			fprintf(stderr, "pantau: --listen is '%s'; it must be ADDR:PORT, e.g. 127.0.0.1:9542.\n",
				o->listen);
			return -EINVAL;
		}
		free(cfg->listen);
		cfg->listen = strdup(o->listen);
		if (!cfg->listen)
			return -ENOMEM;
	}
	if (o->events_file) {
		if (strcmp(o->events_file, "-") != 0 && o->events_file[0] != '/') {
			fprintf(stderr, "pantau: --events-file is '%s'; it must be an absolute path or '-' for standard output.\n",
				o->events_file);
			return -EINVAL;
		}
		free(cfg->events_file);
		cfg->events_file = strdup(o->events_file);
		if (!cfg->events_file)
			return -ENOMEM;
	}
	if (o->es_url) {
		rc = config_set_es_url(cfg, o->es_url);
		if (rc == -EINVAL)
			fprintf(stderr, "pantau: --es-url is '%s'; it must be an http:// or https:// URL, e.g. http://127.0.0.1:9200.\n",
				o->es_url);
		if (rc)
			return rc;
	}
	if (o->web_config_file) {
		if (!o->web_config_file[0]) {
			fprintf(stderr, "pantau: --web-config-file is empty; give the path of a web "
				"config file.\n");
			return -EINVAL;
		}
		free(cfg->web_config_file);
		cfg->web_config_file = strdup(o->web_config_file);
		if (!cfg->web_config_file)
			return -ENOMEM;
	}
	if (o->log_level) {
		free(cfg->log_level);
		cfg->log_level = strdup(o->log_level);
		if (!cfg->log_level)
			return -ENOMEM;
	}
	/* Its format is checked before any probe loads; certificates when serving. */
	if (cfg->web_config_file[0]) {
		struct web_config wc;

		rc = web_config_load_file(&wc, cfg->web_config_file, err, sizeof(err));
		if (rc) {
			fprintf(stderr, "pantau: %s\n", err);
			return rc;
		}
		web_config_free(&wc);
	}
	if (log_set_level_name(cfg->log_level)) {
		fprintf(stderr, "pantau: log level is '%s'; allowed values are error, warn, info, debug.\n",
			cfg->log_level);
		return -EINVAL;
	}
	return 0;
}

static uint32_t cpu_stats_entries(const struct pantau_config *cfg)
{
	uint64_t n = (uint64_t)cfg->services_max * CPU_STATS_ENTRIES_PER_SERVICE;

	return n < MIN_CPU_STATS_ENTRIES ? MIN_CPU_STATS_ENTRIES : (uint32_t)n;
}

static void print_line(const char *text, void *ctx)
{
	(void)ctx;
	printf("%s\n", text);
}

/* What to load, from the config and the command line. */
static struct probe_options probe_options_of(const struct pantau_config *cfg,
					     const struct options *o)
{
	return (struct probe_options){
		.cpu_stats_entries = cpu_stats_entries(cfg),
		.http = cfg->requests_http,
		.tls = cfg->requests_tls,
		.force = o->force_flavour,
		.domains = o->domains,
	};
}

static int run_check(const struct pantau_config *cfg, const struct options *o)
{
	struct probe_options popt = probe_options_of(cfg, o);
	bool all_well = true;
	struct tls_libs *tls = NULL;
	struct probes probes;
	char mnt[PATH_MAX];
	int attached, err;

	err = cgroup2_mount_find("/proc/self/mountinfo", mnt, sizeof(mnt));
	if (err)
		printf("cgroup2: not mounted: services cannot be told apart (mount cgroup2, e.g. on /sys/fs/cgroup/unified)\n");
	else
		printf("cgroup2: mounted at %s\n", mnt);
	printf("kernel BTF: %s\n", access("/sys/kernel/btf/vmlinux", R_OK) == 0 ?
	       "present at /sys/kernel/btf/vmlinux" :
	       "missing: CO-RE programs cannot be relocated (kernel needs CONFIG_DEBUG_INFO_BTF)");
	probes_load(&probes, &popt);
	probes.cgroup_mnt = err ? NULL : mnt;
	attached = probes_attach(&probes);
	for (int d = 0; d < PROBE_DOMAINS; d++) {
		if (probes.domain_error[d][0])
			printf("%s\n", probes.domain_error[d]);
		all_well &= !probes.domain_error[d][0];
	}
	for (size_t i = 0; i < probes.n_status; i++) {
		const struct probe_status *st = &probes.status[i];

		if (st->attached)
			printf("%s (%s): can attach as %s\n", st->name, st->object, st->kind);
		else
			printf("%s (%s): %s\n", st->name, st->object, st->why);
		all_well &= st->attached;
	}
	err = probes_set_run_stats(&probes, true);
	if (err)
		printf("BPF run stats: cannot be turned on (%s): pantau_bpf_program_* grow only while "
		       "another tool keeps them on\n", strerror(-err));
	else
		printf("BPF run stats: can be turned on (%s in the config)\n",
		       cfg->bpf_run_stats ? "bpf_run_stats is true" : "bpf_run_stats: true");
	if (probes_follow_tls(&probes)) {
		tls = tls_libs_new(probes.net, true);
		if (!tls || !tls_libs_report(tls, print_line, NULL))
			printf("TLS libraries: %s\n", tls ? "none mapped by a running process" :
			       "cannot scan: out of memory");
		tls_libs_free(tls);
	} else if (probes.net && popt.http) {
		printf("TLS libraries: not probed (%s): HTTPS counts as protocol tls\n",
		       popt.tls ? "this kernel cannot tie TLS connections to their sockets" :
		       "requests.tls is false");
	}
	probes_stop(&probes);
	printf("%d probe(s) can attach%s.\n", attached,
	       all_well ? "" : "; some of what the config turns on cannot (see above)");
	/* Said after the probes; it does not change the exit status. */
	es_check(cfg, stdout);
	return attached > 0 && all_well ? 0 : 1;
}

/*
 * The events file and Elasticsearch, when configured: opened before the
 * pipeline starts feeding them, closed after it stopped.
 */
static int open_event_sinks(struct daemon *d, struct jsonl_sink *jsonl,
			    struct event_sink *sinks, size_t *n, char *err, size_t err_len)
{
	int rc;

	*n = 0;
	if (d->cfg.events_file && d->cfg.events_file[0]) {
		rc = jsonl_open(jsonl, d->cfg.events_file, (uint64_t)d->cfg.events_rotate_mib << 20,
				d->cfg.events_keep, err, err_len);
		if (rc)
			return rc;
		d->jsonl = jsonl;
		sinks[(*n)++] = jsonl_event_sink(jsonl);
	}
	if (d->cfg.n_es_urls) {
		rc = es_start(&d->es, &d->cfg, err, err_len);
		if (rc)
			return rc;
		sinks[(*n)++] = es_event_sink(d->es);
	}
	return 0;
}

static void close_event_sinks(struct daemon *d)
{
	es_stop(d->es);
	d->es = NULL;
	if (d->jsonl)
		jsonl_close(d->jsonl);
	d->jsonl = NULL;
}

/*
 * Only "/" as shared and no skipped cgroups needs no rescans: the root
 * never changes. Otherwise cgroups made since the last walk are matched.
 */
static bool cgroups_need_rescan(const struct pantau_config *cfg)
{
	if (cfg->n_skip_cgroups)
		return true;
	for (size_t i = 0; i < cfg->n_shared_cgroups; i++)
		if (strcmp(cfg->shared_cgroups[i], "/") != 0)
			return true;
	return false;
}

/* The signals the main thread takes with sigtimedwait(). */
static void daemon_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
}

static int serve(struct daemon *d, const struct options *o)
{
	struct timespec tick = { .tv_sec = MAINTENANCE_INTERVAL_SECONDS };
	struct http_server *http = NULL;
	char err[256];
	sigset_t set;
	int sig, rc;

	daemon_signals(&set);
	rc = http_server_start(&http, d->cfg.listen, d, err, sizeof(err));
	if (rc) {
		pt_err("%s", err);
		return rc;
	}
	pt_info("serving %s://%s/ (status) and /metrics%s", http_server_scheme(http), d->cfg.listen,
		d->cfg.web_config_file[0] ? " with the web config file" : "");
	for (;;) {
		sig = sigtimedwait(&set, NULL, &tick);
		if (sig == SIGINT || sig == SIGTERM)
			break;
		if (sig == SIGHUP) {
			struct reload_flags flags = {
				.listen = o->listen != NULL,
				.web_config_file = o->web_config_file != NULL,
				.es_url = o->es_url,
			};

			config_reload(d, config_file_of(o), &flags);
		}
		/* Certificates rotate even when nobody connects for a while. */
		http_server_refresh(http);
		/* Fold exited processes even when nobody scrapes. */
		pthread_mutex_lock(&d->lock);
		if (cgroups_need_rescan(&d->cfg)) {
			registry_scan_cgroups(&d->registry);
			shared_cgroups_sync(&d->probes, &d->registry);
			skip_cgroups_sync(&d->probes, &d->registry);
		}
		daemon_collect(d);
		pthread_mutex_unlock(&d->lock);
		/*
		 * A status page or a flood's collection can take tens of MiB for a
		 * moment; glibc keeps freed memory for reuse unless told. A few
		 * milliseconds every tick keep RSS at what is in use.
		 */
		malloc_trim(0);
	}
	pt_info("signal %d: detaching and exiting", sig);
	http_server_stop(http);
	return 0;
}

/*
 * In a container with a cgroup namespace of its own (Kubernetes' default on
 * cgroup v2 hosts), /proc/PID/cgroup gives other processes' cgroups relative
 * to that namespace ("/../../system.slice/x.service"), which do not name a
 * directory of the host's cgroup2 tree. The BPF side sees real cgroup ids and
 * full paths whatever the namespace; so that the /proc side agrees, pantau
 * joins the initial cgroup namespace, kthreadd's (PID 2, which never leaves
 * the initial namespaces; PID 1 may refuse ptrace access, as on a microVM's
 * init). That needs the host's PID namespace (hostPID), CAP_SYS_ADMIN, which
 * pantau holds for BPF anyway, and CAP_SYS_PTRACE. Before any thread starts:
 * setns() moves the calling thread only; threads started later inherit it.
 */
static void join_host_cgroup_ns(void)
{
	struct stat self, host;
	char comm[32] = "";
	FILE *f;
	int fd;

	f = fopen("/proc/2/comm", "re");
	if (f) {
		if (!fgets(comm, sizeof(comm), f))
			comm[0] = '\0';
		fclose(f);
	}
	if (strcmp(comm, "kthreadd\n") != 0)
		return;		/* not the host's PID namespace: nothing to join */
	if (stat("/proc/self/ns/cgroup", &self) || stat("/proc/2/ns/cgroup", &host)) {
		pt_warn("cannot compare cgroup namespaces with the host's: %s", strerror(errno));
		return;
	}
	if (self.st_ino == host.st_ino && self.st_dev == host.st_dev)
		return;
	fd = open("/proc/2/ns/cgroup", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWCGROUP))
		pt_warn("cannot join the host's cgroup namespace: %s; processes started before "
			"pantau may be named from paths relative to this container's cgroup "
			"namespace (give pantau CAP_SYS_ADMIN and CAP_SYS_PTRACE)", strerror(errno));
	else
		pt_info("joined the host's cgroup namespace: /proc/PID/cgroup gives host paths");
	if (fd >= 0)
		close(fd);
}

int main(int argc, char **argv)
{
	struct options opts = { 0 };
	struct daemon d = { 0 };
	struct probe_options popt = { 0 };
	/* The exporters' state, owned here: the daemon points at it. */
	struct cloudwatch cloudwatch = { 0 };
	struct jsonl_sink jsonl = { 0 };
	struct event_sink sinks[EVENTS_SINKS_MAX];
	size_t n_sinks = 0;
	struct status_history history = { 0 };
	struct tls_libs *tls = NULL;
	struct utsname uts;
	char mnt[PATH_MAX], err[512];
	int rc, attached;

	/*
	 * glibc gives each thread that allocates under contention an arena of
	 * its own, and each keeps the high-water mark of what it once served:
	 * three status pages for 300 services in turn left RSS at 43 MiB, one
	 * arena at 31 MiB. pantau's threads allocate little at once.
	 */
	mallopt(M_ARENA_MAX, 1);
	rc = parse_args(argc, argv, &opts);
	if (rc)
		return rc == 1 ? 0 : rc;
	if (opts.list_metrics) {
		if (metrics_list(stdout, opts.list_metrics)) {
			fprintf(stderr, "pantau: --list-metrics is '%s'; allowed values are text, markdown.\n",
				opts.list_metrics);
			return EXIT_USAGE;
		}
		return 0;
	}
	if (load_config(&d.cfg, &opts)) {
		config_free(&d.cfg);
		return EXIT_USAGE;
	}
	d.reload.ok = true;
	d.reload.success_time = time(NULL);
	join_host_cgroup_ns();
	if (opts.check) {
		rc = run_check(&d.cfg, &opts);
		config_free(&d.cfg);
		return rc;
	}

	/*
	 * Blocked before the first thread starts, so that every thread
	 * inherits the mask: the kernel gives a process's signal to any
	 * thread that does not block it, and SIGHUP's default action there,
	 * while the main thread was busy, ended pantau.
	 */
	{
		sigset_t set;

		daemon_signals(&set);
		pthread_sigmask(SIG_BLOCK, &set, NULL);
	}
	rc = cgroup2_mount_find("/proc/self/mountinfo", mnt, sizeof(mnt));
	if (rc) {
		pt_err("cannot find a cgroup2 mount in /proc/self/mountinfo: mount cgroup2 (e.g. mount -t cgroup2 none /sys/fs/cgroup/unified) and start pantau again.");
		config_free(&d.cfg);
		return 1;
	}
	if (uname(&uts) == 0)
		snprintf(d.kernel_release, sizeof(d.kernel_release), "%s", uts.release);
	pthread_mutex_init(&d.lock, NULL);

	popt = probe_options_of(&d.cfg, &opts);
	rc = probes_load(&d.probes, &popt);
	if (rc) {
		pt_err("%s. Run 'pantau --check' for details.", probes_load_error(&d.probes));
		rc = 1;
		goto cleanup;
	}
	rc = peers_init(&d.peers, d.cfg.peer_rules, d.cfg.n_peer_rules, d.cfg.peers_max);
	if (rc) {
		pt_err("cannot set up peer naming: %s", strerror(-rc));
		rc = 1;
		goto cleanup;
	}
	rc = registry_init(&d.registry, &d.cfg, mnt, popt.cpu_stats_entries + EXTRA_KEYS,
			   d.probes.cgroups ? bpf_map__fd(d.probes.cgroups->maps.cgroup_paths) : -1);
	if (rc) {
		pt_err("cannot set up the service registry: %s", strerror(-rc));
		rc = 1;
		goto cleanup;
	}
	d.history = &history;
	d.after_collect = status_sample;
	rc = status_history_init(&history, d.registry.max_services);
	if (rc) {
		pt_err("cannot allocate the status page history: %s", strerror(-rc));
		rc = 1;
		goto cleanup;
	}
	pt_debug("status history: %zu bytes for %zu service slots",
		 status_history_bytes(&history), history.n_slots);
	rc = registry_scan_cgroups(&d.registry);
	if (rc)
		pt_warn("cannot walk the cgroup2 tree at %s: %s", mnt, strerror(-rc));
	rc = shared_cgroups_sync(&d.probes, &d.registry);
	if (rc)
		pt_warn("cannot fill the shared_cgroups map: %s; processes of shared cgroups are not split",
			strerror(-rc));
	rc = skip_cgroups_sync(&d.probes, &d.registry);
	if (rc)
		pt_warn("cannot fill the skip_cgroups map: %s; connections of requests.skip_cgroups are parsed",
			strerror(-rc));
	/* Shared cgroups are known before the first event is counted. */
	d.probes.cgroup_mnt = mnt;
	/* Request and connection events cost only when a sink wants them. */
	if (d.probes.net && d.probes.net->bss)
		d.probes.net->bss->event_budget_per_second =
			d.cfg.events_file[0] || d.cfg.n_es_urls ?
			d.cfg.events_per_service_per_second : 0;
	attached = probes_attach(&d.probes);
	if (attached == 0) {
		pt_err("nothing could be attached (every probe failed, see above). Run 'pantau --check' for details.");
		rc = 1;
		goto cleanup;
	}
	if (d.cfg.bpf_run_stats) {
		int stats_err = probes_set_run_stats(&d.probes, true);

		if (stats_err)
			pt_warn("cannot turn the kernel's BPF run stats on (%s); "
				"pantau_bpf_program_* grow only while another tool keeps them on.",
				strerror(-stats_err));
	}
	registry_seed_processes(&d.registry);
	if (probes_follow_tls(&d.probes)) {
		tls = tls_libs_new(d.probes.net, false);
		if (!tls || tls_libs_start(tls))
			pt_warn("cannot watch for TLS libraries (out of memory or threads); "
				"HTTPS requests count as protocol tls connections.");
	}
	if (d.probes.seed_iter && net_seed_listeners(&d.probes, &d.registry))
		pt_warn("cannot give owners to TCP listeners opened before pantau; "
			"connections they accept are not counted until they are reopened.");
	rc = open_event_sinks(&d, &jsonl, sinks, &n_sinks, err, sizeof(err));
	if (!rc)
		rc = events_start(&d.events, &d, probes_events_fd(&d.probes), sinks, n_sinks,
				  err, sizeof(err));
	if (rc) {
		pt_err("%s", err);
		rc = EXIT_USAGE;
		goto cleanup;
	}
	d.cloudwatch = &cloudwatch;
	rc = cloudwatch_start(&cloudwatch, &d, err, sizeof(err));
	if (rc) {
		pt_err("%s", err);
		rc = EXIT_USAGE;
		goto cleanup;
	}
	rc = serve(&d, &opts) ? 1 : 0;
cleanup:
	tls_libs_free(tls);
	cloudwatch_stop(&cloudwatch);
	d.cloudwatch = NULL;
	events_stop(&d.events);
	close_event_sinks(&d);
	cpu_collector_cleanup();
	disk_collector_cleanup();
	request_collector_cleanup();
	probes_stop(&d.probes);
	d.after_collect = NULL;
	d.history = NULL;
	status_history_free(&history);
	registry_free(&d.registry);
	peers_free(&d.peers);
	pthread_mutex_destroy(&d.lock);
	config_free(&d.cfg);
	return rc;
}
