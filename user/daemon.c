// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <time.h>
#include "collectors/collector.h"
#include "daemon.h"
#include "lib/clock.h"
#include "log.h"
#include "status/status_traffic.h"

static const struct collector collectors[] = {
	{ "cpu", cpu_read, cpu_apply },
	{ "memory", memory_read, memory_apply },
	{ "disk", disk_read, disk_apply },
	{ "net", net_read, net_apply },
	{ "requests", request_read, request_apply },
	{ "limits", limits_collect_read, limits_collect_apply },
};

#define N_COLLECTORS (sizeof(collectors) / sizeof(collectors[0]))

static void forget_key(const struct service_key *key, void *ctx)
{
	probes_forget_key(ctx, key);
}

/* Hours since the epoch on the local clock: the hourly chart's buckets. */
static int64_t local_hour_now(void)
{
	time_t t = time(NULL);
	struct tm tm;

	if (!localtime_r(&t, &tm))
		return 0;
	return ((int64_t)t + tm.tm_gmtoff) / 3600;
}

static void record_history(struct daemon *d)
{
	struct registry *r = &d->registry;
	int64_t hour = local_hour_now();
	uint64_t now = mono_ns();

	for (size_t i = 0; i < r->n_services; i++) {
		struct service *s = &r->services[i];
		struct traffic_totals traffic;
		struct history_counters c;

		if (!s->used || s->pseudo)
			continue;
		status_traffic_totals(d, i, &traffic);
		c = (struct history_counters){
			.t_ns = now,
			.cpu_ns = service_cpu_ns(s),
			.oom_kills = s->oom_kills,
			.requests = traffic.requests,
			.errors = traffic.errors,
			.traffic = traffic.present,
		};
		status_history_record(&d->history, i, s->name, &c, hour);
		status_traffic_record(d, i, now);
	}
}

void daemon_collect(struct daemon *d)
{
	struct collect_ctx ctx = {
		.registry = &d->registry,
		.probes = &d->probes,
		.peers = &d->peers,
	};

	d->n_results = 0;
	registry_begin(&d->registry);
	for (size_t i = 0; i < N_COLLECTORS; i++) {
		struct collector_result *res = &d->results[d->n_results++];
		uint64_t start = mono_ns();
		int err;

		err = collectors[i].read(&ctx);
		res->name = collectors[i].name;
		res->success = err == 0;
		res->duration_seconds = (double)(mono_ns() - start) / 1e9;
		if (err)
			pt_debug("collector %s failed: error %d", collectors[i].name, err);
	}
	registry_sweep(&d->registry);
	for (size_t i = 0; i < N_COLLECTORS; i++)
		collectors[i].apply(&ctx);
	registry_remove_dead(&d->registry, forget_key, &d->probes);
	record_history(d);
}
