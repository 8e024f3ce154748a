// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "daemon.h"
#include "elasticsearch/elasticsearch.h"
#include "collectors/host.h"
#include "lib/clock.h"
#include "status/status_snapshot.h"
#include "status/status_traffic.h"

#define NS_PER_S 1e9

void status_service_judge(struct status_service *svc, const struct status_thresholds *t)
{
	double activity[STATUS_HOURS];
	bool valid[STATUS_HOURS];
	const struct history_series *h = &svc->hourly;

	/* Requests per hour where they are measured for the whole day shown. */
	svc->hourly_requests = false;
	for (int i = 0; i < STATUS_HOURS; i++)
		svc->hourly_requests |= h->traffic[i];
	for (int i = 0; i < STATUS_HOURS; i++) {
		valid[i] = svc->hourly_requests ? h->traffic[i] : h->valid[i];
		activity[i] = svc->hourly_requests ? h->requests[i] : h->cpu_seconds[i];
	}
	svc->busy_known = status_busy_hours(activity, valid, h->hour_of_day,
					    &svc->busy_from, &svc->busy_to) == 0;
	status_evaluate(&svc->facts, t, &svc->verdict);
}

static int by_status_then_name(const void *a, const void *b)
{
	const struct status_service *x = a, *y = b;

	if (x->verdict.level != y->verdict.level)
		return x->verdict.level > y->verdict.level ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Facts of registry slot i; the caller holds d->lock. */
static void service_facts(struct daemon *d, size_t i, const struct host_totals *host,
			  bool host_ok, struct status_service *svc, time_t now,
			  uint64_t now_ns)
{
	struct service *s = &d->registry.services[i];
	struct status_facts *f = &svc->facts;
	struct history_window w;
	struct traffic_totals traffic;

	const struct container_info *ctr = registry_service_container(&d->registry, i);

	snprintf(svc->name, sizeof(svc->name), "%s", s->name);
	svc->has_container = ctr != NULL;
	if (ctr)
		svc->container = *ctr;
	f->up = s->up;
	f->rss_bytes = s->rss_bytes;
	f->cpu_limit_cores = s->limits.cpu_set ? s->limits.cpu_cores : 0;
	f->memory_limit_bytes = s->limits.memory_set ? s->limits.memory_bytes : 0;
	f->host_cpus = host_ok ? (double)host->cpus : 0;
	f->host_memory_bytes = host_ok ? host->memory_total_bytes : 0;
	f->cpu_cores = NAN;
	if (!s->up && s->down_since_ns && s->down_since_ns <= now_ns)
		svc->down_since = now - (time_t)((now_ns - s->down_since_ns) / 1000000000ULL);

	status_history_window(d->history, i, s->name, &w);
	svc->window_seconds = w.seconds;
	f->window_seconds = w.seconds;
	if (w.seconds > 0) {
		f->cpu_cores = (double)w.cpu_ns / NS_PER_S / w.seconds;
		f->oom_kills_recent = w.oom_kills;
	}
	status_traffic_totals(d, i, &traffic);
	f->traffic.has_data = traffic.present && w.traffic && w.seconds > 0;
	f->traffic.requests_per_minute = NAN;
	f->traffic.error_ratio = NAN;
	status_traffic_latency(d, i, &f->traffic.p50_seconds, &f->traffic.p95_seconds);
	if (f->traffic.has_data) {
		f->traffic.requests_per_minute = (double)w.requests * 60 / w.seconds;
		if (w.requests)
			f->traffic.error_ratio = (double)w.errors / (double)w.requests;
	}
	status_history_series(d->history, i, s->name, status_local_hour(now), &svc->hourly);
}

static int append_deps(struct status_snapshot *s, const struct status_dependency *deps,
		       size_t k)
{
	struct status_dependency *p;

	if (!k)
		return 0;
	p = realloc(s->deps, (s->n_deps + k) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	memcpy(p + s->n_deps, deps, k * sizeof(*p));
	for (size_t i = 0; i < k; i++)
		p[s->n_deps + i].peer[sizeof(p->peer) - 1] = '\0';
	s->deps = p;
	s->n_deps += k;
	return 0;
}

int status_snapshot_take(struct daemon *d, const char *only, struct status_snapshot *out)
{
	struct host_totals *host = malloc(sizeof(*host));
	struct registry *r = &d->registry;
	struct status_dependency deps[STATUS_DEPS_PER_SERVICE];
	size_t n = 0;
	bool host_ok;
	uint64_t now_ns;
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (!host)
		return -ENOMEM;
	/* Host totals read /proc and statfs: outside the lock. */
	host_ok = host_read(host, "/proc") == 0;
	if (gethostname(out->hostname, sizeof(out->hostname)) != 0)
		out->hostname[0] = '\0';
	out->hostname[sizeof(out->hostname) - 1] = '\0';

	pthread_mutex_lock(&d->lock);
	daemon_collect(d);
	out->taken = time(NULL);
	if (d->es) {
		struct es_stats es;

		es_get_stats(d->es, &es);
		out->es_on = true;
		out->es_unreachable_since = (time_t)es.unreachable_since;
		out->es_last_success = (time_t)es.last_success;
		out->es_queue_bytes = es.queue_bytes;
	}
	now_ns = mono_ns();
	out->thresholds = (struct status_thresholds){
		.cpu_busy_ratio = d->cfg.thresholds_cpu_busy_ratio,
		.memory_busy_ratio = d->cfg.thresholds_memory_busy_ratio,
		.error_ratio = d->cfg.thresholds_error_ratio,
		.latency_p95_seconds = d->cfg.thresholds_latency_p95_seconds,
	};
	out->default_lang = d->cfg.language && strcmp(d->cfg.language, "en") == 0 ?
			    STATUS_LANG_EN : STATUS_LANG_ID;
	out->services = calloc(r->n_services ? r->n_services : 1, sizeof(*out->services));
	if (!out->services) {
		err = -ENOMEM;
		goto unlock;
	}
	for (size_t i = 0; i < r->n_services; i++) {
		struct service *s = &r->services[i];
		struct status_service *svc = &out->services[n];
		size_t k;

		/* "other" and "short-lived" are not programs anyone runs. */
		if (!s->used || s->pseudo || (only && strcmp(s->name, only) != 0))
			continue;
		service_facts(d, i, host, host_ok, svc, out->taken, now_ns);
		k = status_traffic_dependencies(d, i, deps, STATUS_DEPS_PER_SERVICE);
		if (k > STATUS_DEPS_PER_SERVICE)
			k = STATUS_DEPS_PER_SERVICE;
		err = append_deps(out, deps, k);
		if (err)
			goto unlock;
		svc->deps_first = out->n_deps - k;
		svc->facts.n_deps = k;
		n++;
	}
unlock:
	pthread_mutex_unlock(&d->lock);
	free(host);
	if (err) {
		status_snapshot_free(out);
		return err;
	}
	out->n_services = n;
	if (only && n == 0) {
		status_snapshot_free(out);
		return -ENOENT;
	}
	/* The deps array has stopped moving: point into it now. */
	for (size_t i = 0; i < n; i++) {
		struct status_service *svc = &out->services[i];

		svc->facts.deps = svc->facts.n_deps ? out->deps + svc->deps_first : NULL;
		status_service_judge(svc, &out->thresholds);
	}
	qsort(out->services, n, sizeof(*out->services), by_status_then_name);
	return 0;
}

void status_snapshot_free(struct status_snapshot *s)
{
	free(s->services);
	free(s->deps);
	memset(s, 0, sizeof(*s));
}

void status_snapshot_summary(const struct status_snapshot *s, size_t counts[STATUS_LEVELS])
{
	memset(counts, 0, sizeof(size_t) * STATUS_LEVELS);
	for (size_t i = 0; i < s->n_services; i++)
		counts[s->services[i].verdict.level]++;
}
