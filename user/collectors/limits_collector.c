// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* CPU and memory limits of every live service, from cgroupfs. */
#include <limits.h>
#include "collectors/collector.h"
#include "lib/clock.h"

/*
 * Limits seldom change, and reading them takes a few files per service:
 * with 1,000 services, reading them at every scrape took 80 ms of it.
 */
#define LIMITS_REFRESH_NS (10ULL * 1000000000ULL)

int limits_collect_read(struct collect_ctx *ctx)
{
	(void)ctx;
	return 0;
}

void limits_collect_apply(struct collect_ctx *ctx)
{
	struct registry *r = ctx->registry;
	uint64_t now = mono_ns();

	for (size_t i = 0; i < r->n_services; i++) {
		struct service *s = &r->services[i];
		char path[PATH_MAX];
		uint32_t pid = 0;

		/* A service that is down keeps the limits it last had. */
		if (!s->used || s->pseudo || !s->up ||
		    (s->limits_read_ns && now - s->limits_read_ns < LIMITS_REFRESH_NS) ||
		    registry_service_sample(r, i, &pid, path, sizeof(path)))
			continue;
		limits_read(&r->limit_mounts, path, pid, &s->limits);
		s->limits_read_ns = now;
	}
}
