// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "bpf/cgroup_moves.h"
#include "collectors/collector.h"
#include "daemon.h"
#include "lib/clock.h"
#include "log.h"

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
	cgroup_moves_drain(&d->probes, &d->registry);
	registry_sweep(&d->registry);
	for (size_t i = 0; i < N_COLLECTORS; i++)
		collectors[i].apply(&ctx);
	registry_remove_dead(&d->registry, forget_key, &d->probes);
	if (d->after_collect)
		d->after_collect(d);
}
