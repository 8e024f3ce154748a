// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * No request metrics are measured yet: every input says "no data". This is
 * the only file to change when pantau_requests_total and friends land.
 */
#include <math.h>
#include <string.h>
#include "status_traffic.h"

void status_traffic_totals(struct daemon *d, size_t svc, struct traffic_totals *out)
{
	(void)d;
	(void)svc;
	memset(out, 0, sizeof(*out));
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
