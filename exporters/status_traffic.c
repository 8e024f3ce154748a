// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Request figures for the status page, from the request collector's
 * totals (the numbers behind pantau_requests_total). Response-time
 * percentiles and dependencies need a five-minute window of histograms
 * that is not kept yet: they still say "no data".
 */
#include <math.h>
#include <string.h>
#include "daemon.h"
#include "request_collector.h"
#include "status_traffic.h"

void status_traffic_totals(struct daemon *d, size_t svc, struct traffic_totals *out)
{
	struct request_total *t;
	size_t n = request_totals(&t);
	const char *name;

	memset(out, 0, sizeof(*out));
	if (svc >= d->registry.n_services || !d->registry.services[svc].used)
		return;
	name = d->registry.services[svc].name;
	for (size_t i = 0; i < n; i++) {
		if (t[i].key.role != NET_ROLE_SERVER || strcmp(t[i].key.service, name) != 0)
			continue;
		out->present = true;
		out->requests += t[i].count;
		if (t[i].key.status_class == 5)
			out->errors += t[i].count;
	}
}

void status_traffic_latency(struct daemon *d, size_t svc, double *p50_seconds,
			    double *p95_seconds)
{
	(void)d;
	(void)svc;
	*p50_seconds = NAN;
	*p95_seconds = NAN;
}

size_t status_traffic_dependencies(struct daemon *d, size_t svc,
				   struct status_dependency *out, size_t max)
{
	(void)d;
	(void)svc;
	(void)out;
	(void)max;
	return 0;
}
