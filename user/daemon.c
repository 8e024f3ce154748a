// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <time.h>
#include "collector.h"
#include "daemon.h"
#include "log.h"

static const struct collector collectors[] = {
	{ "cpu", cpu_collect },
};

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void daemon_collect(struct daemon *d)
{
	struct collect_ctx ctx = {
		.registry = &d->registry,
		.probes = &d->probes,
	};

	d->n_results = 0;
	for (size_t i = 0; i < sizeof(collectors) / sizeof(collectors[0]); i++) {
		struct collector_result *res = &d->results[d->n_results++];
		uint64_t start = monotonic_ns();
		int err;

		ctx.now_ns = start;
		err = collectors[i].collect(&ctx);
		res->name = collectors[i].name;
		res->success = err == 0;
		res->duration_seconds = (double)(monotonic_ns() - start) / 1e9;
		if (err)
			pt_debug("collector %s failed: error %d", collectors[i].name, err);
	}
}
