// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* CPU and memory limits of every live service, from cgroupfs. */
#include "collector.h"

int limits_collect_read(struct collect_ctx *ctx)
{
	(void)ctx;
	return 0;
}

void limits_collect_apply(struct collect_ctx *ctx)
{
	struct registry *r = ctx->registry;

	for (size_t i = 0; i < r->n_services; i++) {
		struct service *s = &r->services[i];
		char path[4096];
		uint32_t pid = 0;

		/* A service that is down keeps the limits it last had. */
		if (!s->used || s->pseudo || !s->up ||
		    registry_service_sample(r, i, &pid, path, sizeof(path)))
			continue;
		limits_read(&r->limit_mounts, path, pid, &s->limits);
	}
}
