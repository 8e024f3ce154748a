/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The seam between request metrics and the status page. Everything the
 * page says about requests, errors, response times and dependencies comes
 * through these functions, and nothing else in the status module knows
 * where request counts live. Until a service has request totals they
 * report "no data", and the page says so.
 *
 * Wiring them (docs/api.md, "Traffic inputs"):
 *  - status_traffic_totals: the service's pantau_requests_total summed
 *    over protocol and method, and the part of it with status_class 5xx,
 *    both cumulative. The history turns them into requests per minute,
 *    the error share over five minutes and the requests-per-hour chart.
 *  - status_traffic_latency: p50 and p95 over the last five minutes of
 *    the served requests' durations (difference of the bucket counts now
 *    and five to six minutes ago, from the history's per-minute samples,
 *    interpolated inside the bucket as PromQL's histogram_quantile does).
 *  - status_traffic_dependencies: one entry per peer the service called
 *    (client role), with the same figures over the same window; failures
 *    are 5xx answers and failed connects.
 * All three run with the daemon lock held, right after a collection.
 */
#ifndef PANTAU_STATUS_TRAFFIC_H
#define PANTAU_STATUS_TRAFFIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "status/status_rules.h"

struct daemon;

struct traffic_totals {
	bool present;		/* false: no request metrics for this service (yet) */
	uint64_t requests;	/* cumulative, every protocol, method and status class */
	uint64_t errors;	/* cumulative, status_class="5xx" */
};

/* Cumulative request counters of the service in registry slot svc. */
void status_traffic_totals(struct daemon *d, size_t svc, struct traffic_totals *out);

/*
 * Sample the service's served requests and its calls per peer into the
 * status history, at every collection after status_history_record.
 */
void status_traffic_record(struct daemon *d, size_t svc, uint64_t now_ns);

/*
 * The status page's sampling, as the daemon's after_collect: each
 * service's counters into the history, and its traffic figures.
 */
void status_sample(struct daemon *d);

/* p50 and p95 response time over the last five minutes; NAN when unknown. */
void status_traffic_latency(struct daemon *d, size_t svc, double *p50_seconds,
			    double *p95_seconds);

/* The peers the service calls, at most max; returns how many were filled. */
size_t status_traffic_dependencies(struct daemon *d, size_t svc,
				   struct status_dependency *out, size_t max);

#endif
