// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The Prometheus exporter: render the registry, serve it over HTTP. */
#include <errno.h>
#include <stddef.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <microhttpd.h>
#include <bpf/bpf.h>
#include "cloudwatch/cloudwatch.h"
#include "collectors/collector.h"
#include "collectors/disk_collector.h"
#include "elasticsearch/elasticsearch.h"
#include "collectors/request_collector.h"
#include "lib/gzip.h"
#include "lib/hist.h"
#include "collectors/host.h"
#include "jsonl/jsonl.h"
#include "log.h"
#include "bpf/map_walk.h"
#include "prometheus/prometheus.h"
#include "prometheus/web_auth.h"
#include "status/status_http.h"

#define HTTP_THREADS 2
#define HTTP_CONNECTION_LIMIT 64
#define HTTP_TIMEOUT_SECONDS 30
#define MAX_PROGS 64
#define MAX_MAPS 32
#define MAX_DROPS 16

struct http_server {
	struct MHD_Daemon *mhd;
	struct daemon *d;
	struct web_auth *wa;		/* NULL: no web config file */
	bool healthz_open;		/* /healthz without credentials */
	/* The last exposition's size: the next starts that large, not at 4 KiB. */
	size_t last_bytes;
};

static const struct metric_def *M(enum metric_id id)
{
	return &metric_table[id];
}

/* The service, device and op labels of one disk total. */
static void disk_labels(struct label l[3], const struct disk_total *t)
{
	static const char *const ops[DISK_OPS] = {
		[DISK_OP_READ] = "read", [DISK_OP_WRITE] = "write",
		[DISK_OP_DISCARD] = "discard", [DISK_OP_FLUSH] = "flush",
	};

	l[0].value = t->key.service;
	l[1].value = t->device;
	l[2].value = ops[t->key.op % DISK_OPS];
}

static void render_disk(struct expo *e)
{
	struct label l[3] = { { "service", NULL }, { "device", NULL }, { "op", NULL } };
	struct disk_total *t;
	size_t n = disk_totals(&t);

	expo_family(e, M(M_DISK_BYTES));
	for (size_t i = 0; i < n; i++) {
		disk_labels(l, &t[i]);
		expo_sample_u64(e, M(M_DISK_BYTES), "", l, 3, t[i].stats.bytes);
	}
	expo_family(e, M(M_DISK_OPS));
	for (size_t i = 0; i < n; i++) {
		disk_labels(l, &t[i]);
		expo_sample_u64(e, M(M_DISK_OPS), "", l, 3, t[i].stats.ops);
	}
	expo_family(e, M(M_DISK_LATENCY));
	for (size_t i = 0; i < n; i++) {
		disk_labels(l, &t[i]);
		expo_histogram_log2(e, M(M_DISK_LATENCY), l, 3,
				    (const uint64_t *)t[i].stats.latency_slots, DISK_LAT_SLOTS,
				    1e-6, (double)t[i].stats.latency_ns / 1e9);
	}
}

/*
 * Each helper below writes one family of per-service samples, reading a
 * field of struct service by its offset, so a family is one call.
 */
#define SVC_OFF(field) offsetof(struct service, field)

enum field_type { FIELD_U64, FIELD_U32, FIELD_BOOL, FIELD_DOUBLE };

/* An integer field as a u64; FIELD_DOUBLE is not one. */
static uint64_t field_u64(const struct service *s, size_t off, enum field_type type)
{
	const char *p = (const char *)s + off;

	switch (type) {
	case FIELD_U32:
		return *(const uint32_t *)p;
	case FIELD_BOOL:
		return *(const bool *)p;
	default:
		return *(const uint64_t *)p;
	}
}

/* Families with one value per service and a two-way label. */
static void render_service_pair(struct registry *r, struct expo *e, enum metric_id id,
				const char *label, const char *a, const char *b,
				size_t off_a, size_t off_b, enum field_type type)
{
	struct label l[2] = { { "service", NULL }, { label, NULL } };

	expo_family(e, M(id));
	for (size_t i = 0; i < r->n_services; i++) {
		const struct service *s = &r->services[i];

		if (!s->used)
			continue;
		l[0].value = s->name;
		l[1].value = a;
		expo_sample_u64(e, M(id), "", l, 2, field_u64(s, off_a, type));
		l[1].value = b;
		expo_sample_u64(e, M(id), "", l, 2, field_u64(s, off_b, type));
	}
}

/*
 * Families with one value per service; has (NULL: every service) leaves
 * out the services without one, such as those with no limit set.
 */
static void render_service_value(struct registry *r, struct expo *e, enum metric_id id,
				 size_t off, enum field_type type,
				 bool (*has)(const struct service *s))
{
	struct label l[1] = { { "service", NULL } };

	expo_family(e, M(id));
	for (size_t i = 0; i < r->n_services; i++) {
		const struct service *s = &r->services[i];

		if (!s->used || (has && !has(s)))
			continue;
		l[0].value = s->name;
		if (type == FIELD_DOUBLE)
			expo_sample(e, M(id), "", l, 1, *(const double *)((const char *)s + off));
		else
			expo_sample_u64(e, M(id), "", l, 1, field_u64(s, off, type));
	}
}

/*
 * A log2 histogram per service (slots of unit_seconds, a u64 sum in
 * sum_units_per_second), left out while empty: each is a tenth of a
 * large scrape.
 */
static void render_service_hist(struct registry *r, struct expo *e, enum metric_id id,
				size_t off_slots, size_t n_slots, double unit_seconds,
				size_t off_sum, double sum_units_per_second)
{
	struct label l[1] = { { "service", NULL } };

	expo_family(e, M(id));
	for (size_t i = 0; i < r->n_services; i++) {
		const struct service *s = &r->services[i];
		const uint64_t *slots = (const uint64_t *)((const char *)s + off_slots);

		if (!s->used || !hist_total(slots, n_slots))
			continue;
		l[0].value = s->name;
		expo_histogram_log2(e, M(id), l, 1, slots, n_slots, unit_seconds,
				    (double)field_u64(s, off_sum, FIELD_U64) / sum_units_per_second);
	}
}

static bool cpu_limit_set(const struct service *s)
{
	return s->limits.cpu_set;
}

static bool memory_limit_set(const struct service *s)
{
	return s->limits.memory_set;
}

/* "other" and "short-lived" gather many processes: no up or down. */
static bool has_up(const struct service *s)
{
	return !s->pseudo;
}

static void render_net(struct registry *r, struct expo *e)
{
	render_service_pair(r, e, M_NET_BYTES, "direction", "received", "sent",
			    SVC_OFF(net.bytes_received), SVC_OFF(net.bytes_sent), FIELD_U64);
	render_service_pair(r, e, M_TCP_OPENED, "direction", "inbound", "outbound",
			    SVC_OFF(net.opened[NET_DIR_IN]), SVC_OFF(net.opened[NET_DIR_OUT]),
			    FIELD_U64);
	render_service_pair(r, e, M_TCP_ACTIVE, "direction", "inbound", "outbound",
			    SVC_OFF(net_active[NET_DIR_IN]), SVC_OFF(net_active[NET_DIR_OUT]),
			    FIELD_U32);
	render_service_value(r, e, M_TCP_CONNECT_FAILURES, SVC_OFF(net.connect_failures),
			     FIELD_U64, NULL);
	render_service_value(r, e, M_TCP_RETRANSMITS, SVC_OFF(net.retransmits), FIELD_U64, NULL);
	render_service_pair(r, e, M_TCP_RESETS, "direction", "received", "sent",
			    SVC_OFF(net.resets_received), SVC_OFF(net.resets_sent), FIELD_U64);
	/* No connection closed yet: no histogram. */
	render_service_hist(r, e, M_TCP_RTT, SVC_OFF(net.rtt_slots), NET_RTT_SLOTS, 1e-6,
			    SVC_OFF(net.rtt_us_sum), 1e6);
}

/* Finer slots than this fold into its bucket: 80 us is the first bound. */
#define REQUEST_FIRST_BUCKET 20

static const char *method_name(uint8_t m)
{
	static const char *const names[HTTP_M_COUNT + 1] = {
		[HTTP_M_OTHER] = "OTHER", [HTTP_M_GET] = "GET", [HTTP_M_HEAD] = "HEAD",
		[HTTP_M_POST] = "POST", [HTTP_M_PUT] = "PUT", [HTTP_M_DELETE] = "DELETE",
		[HTTP_M_CONNECT] = "CONNECT", [HTTP_M_OPTIONS] = "OPTIONS",
		[HTTP_M_TRACE] = "TRACE", [HTTP_M_PATCH] = "PATCH", [NET_METHOD_NONE] = "none",
	};

	return m <= NET_METHOD_NONE ? names[m] : "OTHER";
}

static const char *proto_name(uint8_t p)
{
	static const char *const names[NET_PROTOS] = {
		[NET_PROTO_HTTP] = "http", [NET_PROTO_TLS] = "tls", [NET_PROTO_TCP] = "tcp",
		[NET_PROTO_HTTPS] = "https",
	};

	return p < NET_PROTOS ? names[p] : "tcp";
}

static const char *status_class_name(uint8_t c)
{
	static const char *const names[NET_STATUS_CLASSES] = {
		"none", "1xx", "2xx", "3xx", "4xx", "5xx",
	};

	return c < NET_STATUS_CLASSES ? names[c] : "none";
}

static void render_requests(struct expo *e)
{
	struct label l[4] = { { "service", NULL }, { "protocol", NULL }, { "method", NULL },
			      { "status_class", NULL } };
	struct request_total *rt;
	struct latency_total *lt;
	size_t n = request_totals(&rt), nl = latency_totals(&lt);

	expo_family(e, M(M_REQUESTS));
	for (size_t i = 0; i < n; i++) {
		if (rt[i].key.role != NET_ROLE_SERVER)
			continue;
		l[0].value = rt[i].key.service;
		l[1].value = proto_name(rt[i].key.proto);
		l[2].value = method_name(rt[i].key.method);
		l[3].value = status_class_name(rt[i].key.status_class);
		expo_sample_u64(e, M(M_REQUESTS), "", l, 4, rt[i].count);
	}
	expo_family(e, M(M_REQUEST_DURATION));
	for (size_t i = 0; i < nl; i++) {
		if (lt[i].key.role != NET_ROLE_SERVER)
			continue;
		l[0].value = lt[i].key.service;
		l[1].value = proto_name(lt[i].key.proto);
		expo_histogram_bounds(e, M(M_REQUEST_DURATION), l, 2,
				      (const uint64_t *)lt[i].lat.slots, NET_REQ_SLOTS,
				      REQUEST_FIRST_BUCKET, request_slot_upper_seconds,
				      (double)lt[i].lat.sum_ns / 1e9);
	}
}

static void render_dependencies(struct expo *e)
{
	struct label l[4] = { { "service", NULL }, { "peer", NULL }, { "protocol", NULL },
			      { "status_class", NULL } };
	struct request_total *rt;
	struct latency_total *lt;
	size_t n = request_totals(&rt), nl = latency_totals(&lt);

	expo_family(e, M(M_DEP_REQUESTS));
	for (size_t i = 0; i < n; i++) {
		if (rt[i].key.role != NET_ROLE_CLIENT ||
		    rt[i].key.method == NET_METHOD_CONNECT_FAILED)
			continue;
		l[0].value = rt[i].key.service;
		l[1].value = rt[i].key.peer;
		l[2].value = proto_name(rt[i].key.proto);
		l[3].value = status_class_name(rt[i].key.status_class);
		expo_sample_u64(e, M(M_DEP_REQUESTS), "", l, 4, rt[i].count);
	}
	expo_family(e, M(M_DEP_CONNECT_FAILURES));
	for (size_t i = 0; i < n; i++) {
		if (rt[i].key.role != NET_ROLE_CLIENT ||
		    rt[i].key.method != NET_METHOD_CONNECT_FAILED)
			continue;
		l[0].value = rt[i].key.service;
		l[1].value = rt[i].key.peer;
		expo_sample_u64(e, M(M_DEP_CONNECT_FAILURES), "", l, 2, rt[i].count);
	}
	expo_family(e, M(M_DEP_DURATION));
	for (size_t i = 0; i < nl; i++) {
		if (lt[i].key.role != NET_ROLE_CLIENT)
			continue;
		l[0].value = lt[i].key.service;
		l[1].value = lt[i].key.peer;
		l[2].value = proto_name(lt[i].key.proto);
		expo_histogram_bounds(e, M(M_DEP_DURATION), l, 3,
				      (const uint64_t *)lt[i].lat.slots, NET_REQ_SLOTS,
				      REQUEST_FIRST_BUCKET, request_slot_upper_seconds,
				      (double)lt[i].lat.sum_ns / 1e9);
	}
	expo_family(e, M(M_DEP_CONNECT_DURATION));
	for (size_t i = 0; i < nl; i++) {
		if (lt[i].key.role != NET_ROLE_CONNECT)
			continue;
		l[0].value = lt[i].key.service;
		l[1].value = lt[i].key.peer;
		expo_histogram_bounds(e, M(M_DEP_CONNECT_DURATION), l, 2,
				      (const uint64_t *)lt[i].lat.slots, NET_REQ_SLOTS,
				      REQUEST_FIRST_BUCKET, request_slot_upper_seconds,
				      (double)lt[i].lat.sum_ns / 1e9);
	}
}

/*
 * A domain that is not loaded (--domains, or a kernel that refused it) has
 * no families at all: a 0 would read as "idle", absent reads as "unknown".
 */
static void render_cpu(struct registry *r, struct expo *e)
{
	struct label l[1] = { { "service", NULL } };

	expo_family(e, M(M_CPU_SECONDS));
	for (size_t i = 0; i < r->n_services; i++) {
		struct service *s = &r->services[i];
		uint64_t ns;

		if (!s->used)
			continue;
		ns = service_cpu_ns(s);
		l[0].value = s->name;
		expo_sample(e, M(M_CPU_SECONDS), "", l, 1, (double)ns / 1e9);
	}
	render_service_pair(r, e, M_CPU_SWITCHES, "type", "voluntary", "involuntary",
			    SVC_OFF(cpu.switches_voluntary), SVC_OFF(cpu.switches_involuntary),
			    FIELD_U64);
	render_service_hist(r, e, M_CPU_RUNQ_WAIT, SVC_OFF(cpu.runq_slots), CPU_RUNQ_SLOTS, 1e-6,
			    SVC_OFF(cpu.runq_wait_ns), 1e9);
}

static void render_memory(struct registry *r, struct expo *e)
{
	render_service_value(r, e, M_MEM_RSS, SVC_OFF(rss_bytes), FIELD_U64, NULL);
	render_service_pair(r, e, M_MEM_FAULTS, "type", "minor", "major",
			    SVC_OFF(faults_minor), SVC_OFF(faults_major), FIELD_U64);
	render_service_value(r, e, M_MEM_OOM, SVC_OFF(oom_kills), FIELD_U64, NULL);
}

/* One info series per service a container named: the labels join onto any family. */
static void render_service_info(struct registry *r, struct expo *e)
{
	struct label l[6] = {
		{ "service", NULL }, { "container", NULL }, { "pod", NULL },
		{ "namespace", NULL }, { "runtime", NULL }, { "image", NULL },
	};

	expo_family(e, M(M_SERVICE_INFO));
	for (size_t i = 0; i < r->n_services; i++) {
		const struct container_info *c = registry_service_container(r, i);

		if (!c)
			continue;
		l[0].value = r->services[i].name;
		l[1].value = c->container;
		l[2].value = c->pod;
		l[3].value = c->namespace;
		l[4].value = c->runtime;
		l[5].value = c->image;
		expo_sample_u64(e, M(M_SERVICE_INFO), "", l, 6, 1);
	}
}

static void render_services(struct daemon *d, struct expo *e)
{
	struct registry *r = &d->registry;

	if (d->probes.cpu)
		render_cpu(r, e);
	/* Limits come from cgroupfs, not from a BPF domain. */
	render_service_value(r, e, M_CPU_LIMIT, SVC_OFF(limits.cpu_cores), FIELD_DOUBLE,
			     cpu_limit_set);
	render_service_value(r, e, M_MEM_LIMIT, SVC_OFF(limits.memory_bytes), FIELD_U64,
			     memory_limit_set);
	if (d->probes.memory)
		render_memory(r, e);
	if (d->probes.disk)
		render_disk(e);
	if (d->probes.net) {
		render_net(r, e);
		render_requests(e);
		render_dependencies(e);
	}
	render_service_value(r, e, M_SERVICE_UP, SVC_OFF(up), FIELD_BOOL, has_up);
	render_service_info(r, e);
}

static void render_bpf(struct daemon *d, struct expo *e)
{
	struct prog_stats progs[MAX_PROGS];
	struct map_ref maps[MAX_MAPS];
	struct label l[2];
	size_t n;

	n = probes_prog_stats(&d->probes, progs, MAX_PROGS);
	l[0].name = "program";
	expo_family(e, M(M_BPF_RUN_SECONDS));
	for (size_t i = 0; i < n; i++) {
		l[0].value = progs[i].name;
		expo_sample(e, M(M_BPF_RUN_SECONDS), "", l, 1, (double)progs[i].run_time_ns / 1e9);
	}
	expo_family(e, M(M_BPF_RUNS));
	for (size_t i = 0; i < n; i++) {
		l[0].value = progs[i].name;
		expo_sample_u64(e, M(M_BPF_RUNS), "", l, 1, progs[i].run_cnt);
	}
	expo_family(e, M(M_BPF_MISSED_RUNS));
	for (size_t i = 0; i < n; i++) {
		l[0].value = progs[i].name;
		expo_sample_u64(e, M(M_BPF_MISSED_RUNS), "", l, 1, progs[i].missed_runs);
	}

	l[0].name = "probe";
	l[1].name = "kind";
	expo_family(e, M(M_PROBE_ATTACHED));
	for (size_t i = 0; i < d->probes.n_status; i++) {
		l[0].value = d->probes.status[i].name;
		l[1].value = d->probes.status[i].kind;
		expo_sample_u64(e, M(M_PROBE_ATTACHED), "", l, 2, d->probes.status[i].attached);
	}

	n = probes_maps(&d->probes, maps, MAX_MAPS);
	l[0].name = "map";
	expo_family(e, M(M_MAP_ENTRIES));
	for (size_t i = 0; i < n; i++) {
		long count = map_walk(maps[i].fd, maps[i].key_size, maps[i].value_size,
				      maps[i].percpu, maps[i].max_entries, NULL, NULL);

		l[0].value = maps[i].name;
		expo_sample_u64(e, M(M_MAP_ENTRIES), "", l, 1, count < 0 ? 0 : (uint64_t)count);
	}
	expo_family(e, M(M_MAP_CAPACITY));
	for (size_t i = 0; i < n; i++) {
		l[0].value = maps[i].name;
		expo_sample_u64(e, M(M_MAP_CAPACITY), "", l, 1, maps[i].max_entries);
	}
}

static void render_self(struct daemon *d, struct expo *e)
{
	struct drop_count drops[MAX_DROPS];
	uint64_t twins[NET_TWIN_COUNTS];
	struct es_stats es;
	struct label l[2];
	size_t n;
	const struct {
		const char *name;
		double value;
	} thresholds[] = {
		{ "cpu_busy_ratio", d->cfg.thresholds_cpu_busy_ratio },
		{ "memory_busy_ratio", d->cfg.thresholds_memory_busy_ratio },
		{ "error_ratio", d->cfg.thresholds_error_ratio },
		{ "latency_p95_seconds", d->cfg.thresholds_latency_p95_seconds },
		{ "min_requests_per_second", d->cfg.thresholds_min_requests_per_second },
		{ "filesystem_full_ratio", d->cfg.thresholds_filesystem_full_ratio },
	};

	es_get_stats(d->es, &es);
	l[0].name = "version";
	l[0].value = PANTAU_VERSION;
	l[1].name = "kernel";
	l[1].value = d->kernel_release;
	expo_family(e, M(M_BUILD_INFO));
	expo_sample_u64(e, M(M_BUILD_INFO), "", l, 2, 1);

	l[0].name = "name";
	expo_family(e, M(M_THRESHOLD));
	for (size_t i = 0; i < sizeof(thresholds) / sizeof(thresholds[0]); i++) {
		l[0].value = thresholds[i].name;
		expo_sample(e, M(M_THRESHOLD), "", l, 1, thresholds[i].value);
	}
	expo_family(e, M(M_CONFIG_RELOAD_OK));
	expo_sample_u64(e, M(M_CONFIG_RELOAD_OK), "", NULL, 0, d->reload.ok);
	expo_family(e, M(M_CONFIG_RELOAD_TIME));
	expo_sample(e, M(M_CONFIG_RELOAD_TIME), "", NULL, 0, (double)d->reload.success_time);

	n = cpu_drops(&d->probes, drops, MAX_DROPS);
	n += event_drops(&d->probes, drops + n, MAX_DROPS - n);
	n += disk_drops(&d->probes, drops + n, MAX_DROPS - n);
	n += net_drops(&d->probes, drops + n, MAX_DROPS - n);
	if (n < MAX_DROPS) {
		drops[n].reason = "peers_cap";
		drops[n].count = d->peers.folded;
		n++;
	}
	l[0].name = "reason";
	expo_family(e, M(M_EVENTS_DROPPED));
	for (size_t i = 0; i < n; i++) {
		l[0].value = drops[i].reason;
		expo_sample_u64(e, M(M_EVENTS_DROPPED), "", l, 1, drops[i].count);
	}
	l[0].value = "key_table_full";
	expo_sample_u64(e, M(M_EVENTS_DROPPED), "", l, 1, d->registry.keys_dropped);
	l[0].value = "rate_limited";
	expo_sample_u64(e, M(M_EVENTS_DROPPED), "", l, 1, d->events.rate_limited);
	if (d->es) {
		l[0].value = "es_dead_letter";
		expo_sample_u64(e, M(M_EVENTS_DROPPED), "", l, 1, es.dead_letter_dropped);
	}

	l[0].name = "exporter";
	l[1].name = "outcome";
	l[0].value = "jsonl";
	expo_family(e, M(M_EXPORTER_EVENTS));
	l[1].value = "written";
	expo_sample_u64(e, M(M_EXPORTER_EVENTS), "", l, 2,
			d->jsonl ? __atomic_load_n(&d->jsonl->written, __ATOMIC_RELAXED) : 0);
	l[1].value = "error";
	expo_sample_u64(e, M(M_EXPORTER_EVENTS), "", l, 2,
			d->jsonl ? __atomic_load_n(&d->jsonl->errors, __ATOMIC_RELAXED) : 0);
	l[0].value = "cloudwatch";
	l[1].value = "written";
	expo_sample_u64(e, M(M_EXPORTER_EVENTS), "", l, 2,
			d->cloudwatch ? __atomic_load_n(&d->cloudwatch->written, __ATOMIC_RELAXED) : 0);
	l[1].value = "error";
	expo_sample_u64(e, M(M_EXPORTER_EVENTS), "", l, 2,
			d->cloudwatch ? __atomic_load_n(&d->cloudwatch->errors, __ATOMIC_RELAXED) : 0);
	if (d->es) {
		const struct { const char *outcome; uint64_t v; } es_outcomes[] = {
			{ "accepted", es.accepted }, { "sent", es.sent }, { "retried", es.retried },
			{ "failed", es.failed }, { "dropped", es.dropped },
		};

		l[0].value = "elasticsearch";
		for (size_t i = 0; i < sizeof(es_outcomes) / sizeof(es_outcomes[0]); i++) {
			l[1].value = es_outcomes[i].outcome;
			expo_sample_u64(e, M(M_EXPORTER_EVENTS), "", l, 2, es_outcomes[i].v);
		}
		expo_family(e, M(M_EXPORTER_QUEUE_BYTES));
		expo_sample_u64(e, M(M_EXPORTER_QUEUE_BYTES), "", l, 1, es.queue_bytes);
		expo_family(e, M(M_EXPORTER_LAST_SUCCESS));
		expo_sample(e, M(M_EXPORTER_LAST_SUCCESS), "", l, 1, (double)es.last_success);
		expo_family(e, M(M_EXPORTER_UNREACHABLE_SINCE));
		expo_sample(e, M(M_EXPORTER_UNREACHABLE_SINCE), "", l, 1, (double)es.unreachable_since);
	}
	l[0].name = "reason";

	expo_family(e, M(M_SERVICES_FOLDED));
	l[0].value = "cap";
	expo_sample_u64(e, M(M_SERVICES_FOLDED), "", l, 1, d->registry.folded[FOLD_CAP]);
	l[0].value = "evicted";
	expo_sample_u64(e, M(M_SERVICES_FOLDED), "", l, 1, d->registry.folded[FOLD_EVICTED]);

	net_twin_counts(&d->probes, twins);
	l[0].name = "outcome";
	expo_family(e, M(M_REQUESTS_PARSED_ONCE));
	l[0].value = "started";
	expo_sample_u64(e, M(M_REQUESTS_PARSED_ONCE), "", l, 1, twins[NET_TWIN_STARTED]);
	l[0].value = "stopped";
	expo_sample_u64(e, M(M_REQUESTS_PARSED_ONCE), "", l, 1, twins[NET_TWIN_STOPPED]);
	expo_family(e, M(M_REQUESTS_ANSWERS_FRAMED));
	expo_sample_u64(e, M(M_REQUESTS_ANSWERS_FRAMED), "", NULL, 0, net_answers_framed(&d->probes));

	l[0].name = "collector";
	expo_family(e, M(M_COLLECTOR_DURATION));
	for (size_t i = 0; i < d->n_results; i++) {
		l[0].value = d->results[i].name;
		expo_sample(e, M(M_COLLECTOR_DURATION), "", l, 1, d->results[i].duration_seconds);
	}
	expo_family(e, M(M_COLLECTOR_SUCCESS));
	for (size_t i = 0; i < d->n_results; i++) {
		l[0].value = d->results[i].name;
		expo_sample_u64(e, M(M_COLLECTOR_SUCCESS), "", l, 1, d->results[i].success);
	}
}

static void render_host(struct expo *e)
{
	struct host_totals *h = malloc(sizeof(*h));
	struct label l[3] = { { "device", NULL }, { "mountpoint", NULL }, { "fstype", NULL } };

	if (!h)
		return;
	if (host_read(h, "/proc") == 0) {
		expo_family(e, M(M_HOST_CPUS));
		expo_sample(e, M(M_HOST_CPUS), "", NULL, 0, (double)h->cpus);
		expo_family(e, M(M_HOST_MEM_TOTAL));
		expo_sample_u64(e, M(M_HOST_MEM_TOTAL), "", NULL, 0, h->memory_total_bytes);
		expo_family(e, M(M_HOST_MEM_AVAIL));
		expo_sample_u64(e, M(M_HOST_MEM_AVAIL), "", NULL, 0, h->memory_available_bytes);
	}
	expo_family(e, M(M_FS_SIZE));
	for (size_t i = 0; i < h->n_fs; i++) {
		l[0].value = h->fs[i].device;
		l[1].value = h->fs[i].mountpoint;
		l[2].value = h->fs[i].fstype;
		expo_sample_u64(e, M(M_FS_SIZE), "", l, 3, h->fs[i].size_bytes);
	}
	expo_family(e, M(M_FS_AVAIL));
	for (size_t i = 0; i < h->n_fs; i++) {
		l[0].value = h->fs[i].device;
		l[1].value = h->fs[i].mountpoint;
		l[2].value = h->fs[i].fstype;
		expo_sample_u64(e, M(M_FS_AVAIL), "", l, 3, h->fs[i].avail_bytes);
	}
	free(h);
}

int prometheus_render(struct daemon *d, struct expo *e)
{
	render_services(d, e);
	render_host(e);
	render_bpf(d, e);
	render_self(d, e);
	expo_finish(e);
	return expo_error(e);
}

static enum MHD_Result reply(struct http_server *s, struct MHD_Connection *conn,
			     unsigned status, const char *type, char *body, size_t len,
			     enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(len, body, mode);
	if (!resp) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	web_auth_headers(s->wa, resp);
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Whether the client takes gzip, as Prometheus says it does. */
static bool takes_gzip(struct MHD_Connection *conn)
{
	const char *enc = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						      MHD_HTTP_HEADER_ACCEPT_ENCODING);

	return enc && strstr(enc, "gzip") && !strstr(enc, "gzip;q=0");
}

/*
 * The exposition gzipped (level 1: a 1.3 MB scrape of 1,000 services takes
 * a few ms and shrinks about twentyfold), or as it is when that fails.
 */
static enum MHD_Result reply_metrics(struct http_server *s, struct MHD_Connection *conn,
				     const char *type, struct expo *e, bool gzip)
{
	struct MHD_Response *resp;
	unsigned char *gz = NULL;
	size_t cap = 0, n = 0, len;
	enum MHD_Result ret;
	char *body;

	if (gzip && e->out.len)
		n = gzip_into(e->out.buf, e->out.len, 1, &gz, &cap);
	if (!n) {
		free(gz);
		body = sbuf_take(&e->out, &len);
		/* libmicrohttpd frees the buffer with free() once sent. */
		return reply(s, conn, MHD_HTTP_OK, type, body ? body : strdup(""), len,
			     MHD_RESPMEM_MUST_FREE);
	}
	expo_free(e);
	resp = MHD_create_response_from_buffer(n, gz, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(gz);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	web_auth_headers(s->wa, resp);
	ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result serve_metrics(struct http_server *s, struct MHD_Connection *conn)
{
	const char *accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							 MHD_HTTP_HEADER_ACCEPT);
	bool om = accept && strstr(accept, "application/openmetrics-text");
	struct expo e;
	int err;

	expo_init(&e, om);
	sbuf_reserve(&e.out, __atomic_load_n(&s->last_bytes, __ATOMIC_RELAXED) / 8 * 9);
	pthread_mutex_lock(&s->d->lock);
	daemon_collect(s->d);
	err = prometheus_render(s->d, &e);
	pthread_mutex_unlock(&s->d->lock);
	__atomic_store_n(&s->last_bytes, e.out.len, __ATOMIC_RELAXED);
	if (err) {
		static char msg[] = "pantau could not render metrics: out of memory\n";

		expo_free(&e);
		return reply(s, conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain", msg,
			     strlen(msg), MHD_RESPMEM_PERSISTENT);
	}
	return reply_metrics(s, conn, om ? EXPO_CONTENT_TYPE_OPENMETRICS : EXPO_CONTENT_TYPE_TEXT, &e,
			     takes_gzip(conn));
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size,
				  void **req_cls)
{
	static char ok[] = "ok\n", not_found[] = "not found: try /, /api/v1/services, /metrics or /healthz\n",
		    bad_method[] = "only GET is served\n";
	struct http_server *s = cls;
	bool healthz = strcmp(url, "/healthz") == 0;
	enum MHD_Result denied;

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)req_cls;
	/* Before anything else, so that nothing is told to a stranger. */
	if (!(healthz && s->healthz_open) && !web_auth_allow(s->wa, conn, &denied))
		return denied;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return reply(s, conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", bad_method,
			     strlen(bad_method), MHD_RESPMEM_PERSISTENT);
	if (strcmp(url, "/metrics") == 0)
		return serve_metrics(s, conn);
	if (status_http_handles(url))
		return status_http_serve(s->d, conn, url, s->wa);
	if (healthz)
		return reply(s, conn, MHD_HTTP_OK, "text/plain", ok, strlen(ok),
			     MHD_RESPMEM_PERSISTENT);
	return reply(s, conn, MHD_HTTP_NOT_FOUND, "text/plain", not_found, strlen(not_found),
		     MHD_RESPMEM_PERSISTENT);
}

/*
 * With TLS, libmicrohttpd asks web_auth for the certificate at every
 * handshake, so that a rotated one is served without a restart.
 */
static struct MHD_Daemon *start_mhd(struct http_server *s, unsigned flags, unsigned short port,
				    const struct sockaddr *addr)
{
	const char *ca = web_auth_client_ca(s->wa);

	if (!web_auth_tls(s->wa))
		return MHD_start_daemon(flags, port, NULL, NULL, on_request, s,
					MHD_OPTION_SOCK_ADDR, addr,
					MHD_OPTION_THREAD_POOL_SIZE, (unsigned)HTTP_THREADS,
					MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_CONNECTION_LIMIT,
					MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_TIMEOUT_SECONDS,
					MHD_OPTION_END);
	flags |= MHD_USE_TLS;
	/* A NULL trust ends the list there: no client certificate is asked for. */
	return MHD_start_daemon(flags, port, NULL, NULL, on_request, s,
				MHD_OPTION_SOCK_ADDR, addr,
				MHD_OPTION_THREAD_POOL_SIZE, (unsigned)HTTP_THREADS,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_CONNECTION_LIMIT,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_TIMEOUT_SECONDS,
				MHD_OPTION_HTTPS_CERT_CALLBACK, web_auth_retrieve_cert,
				MHD_OPTION_HTTPS_PRIORITIES, web_auth_priorities(s->wa),
				ca ? MHD_OPTION_HTTPS_MEM_TRUST : MHD_OPTION_END, ca,
				MHD_OPTION_END);
}

const char *http_server_scheme(const struct http_server *s)
{
	return s && web_auth_tls(s->wa) ? "https" : "http";
}

int http_server_start(struct http_server **out, const char *listen, struct daemon *d,
		      char *err, size_t err_len)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
	struct addrinfo *ai = NULL;
	char host[256], port_s[8];
	struct http_server *s;
	unsigned short port;
	unsigned flags;
	int rc;

	*out = NULL;
	if (config_parse_listen(listen, host, sizeof(host), &port)) {
		snprintf(err, err_len, "listen address '%s' is not ADDR:PORT, e.g. 127.0.0.1:9542.",
			 listen);
		return -EINVAL;
	}
	snprintf(port_s, sizeof(port_s), "%u", port);
	rc = getaddrinfo(host, port_s, &hints, &ai);
	if (rc) {
		snprintf(err, err_len, "cannot resolve listen address '%s': %s.", listen,
			 gai_strerror(rc));
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		freeaddrinfo(ai);
		return -ENOMEM;
	}
	s->d = d;
	s->healthz_open = d->cfg.healthz_without_auth;
	if (d->cfg.web_config_file && d->cfg.web_config_file[0]) {
		rc = web_auth_open(&s->wa, d->cfg.web_config_file, err, err_len);
		if (rc) {
			freeaddrinfo(ai);
			free(s);
			return rc;
		}
	}
	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	s->mhd = start_mhd(s, flags, port, ai->ai_addr);
	rc = errno;
	freeaddrinfo(ai);
	if (!s->mhd) {
		if (web_auth_tls(s->wa))
			snprintf(err, err_len, "cannot serve HTTPS on %s: %s; check that the address "
				 "is free (--listen) and that GnuTLS takes the web config's TLS "
				 "versions.", listen, rc ? strerror(rc) : "libmicrohttpd refused");
		else
			snprintf(err, err_len, "cannot listen on %s: %s; choose a free address with "
				 "--listen.", listen, rc ? strerror(rc) : "the address may be in use");
		web_auth_close(s->wa);
		free(s);
		return -EADDRINUSE;
	}
	*out = s;
	return 0;
}

void http_server_refresh(struct http_server *s)
{
	if (s)
		web_auth_refresh(s->wa);
}

void http_server_stop(struct http_server *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->mhd);
	web_auth_close(s->wa);
	free(s);
}
