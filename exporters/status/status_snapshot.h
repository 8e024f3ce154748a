/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the status page and its JSON API show, copied out of the daemon in
 * one go: the same registry, limits, host totals and thresholds the
 * /metrics exposition is rendered from, plus the short history. Taken
 * under the daemon lock; rendering happens afterwards, without it.
 */
#ifndef PANTAU_STATUS_SNAPSHOT_H
#define PANTAU_STATUS_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "naming/containers.h"
#include "status/status_history.h"
#include "status/status_rules.h"

struct daemon;

/* Peers listed per service; more would not be read on a phone. */
#define STATUS_DEPS_PER_SERVICE 16

struct status_service {
	char name[SERVICE_NAME_MAX];
	bool has_container;		/* a container named it: container says which */
	struct container_info container;
	struct status_facts facts;	/* deps point into the snapshot's deps */
	struct status_verdict verdict;	/* peer points into the snapshot's deps */
	size_t deps_first;		/* index of its first dependency in deps */
	double window_seconds;		/* what the rates are over */
	time_t down_since;		/* wall clock; 0 while up */
	struct history_series hourly;
	bool hourly_requests;		/* the chart shows requests, else CPU */
	bool busy_known;
	int busy_from, busy_to;		/* hours of the day, [from, to) */
};

struct status_snapshot {
	struct status_service *services;	/* worst status first, then by name */
	size_t n_services;
	struct status_dependency *deps;
	size_t n_deps;
	struct status_thresholds thresholds;
	enum status_lang default_lang;	/* the config's `language` */
	time_t taken;			/* wall clock */
	char hostname[256];
	/* Elasticsearch exporter, when on. */
	bool es_on;
	time_t es_unreachable_since;	/* 0 while it answers */
	time_t es_last_success;		/* 0: never */
	uint64_t es_queue_bytes;	/* spooled, not acknowledged */
};

/*
 * Collect, then copy every service (only the one named only, when only is
 * not NULL). 0, -ENOMEM, or -ENOENT when only names no service.
 */
int status_snapshot_take(struct daemon *d, const char *only, struct status_snapshot *out);
void status_snapshot_free(struct status_snapshot *s);

/*
 * Fill what follows from the facts and the hourly series: the verdict, the
 * chart's kind and the busy hours. Exposed so tests and the benchmark can
 * build services without a daemon.
 */
void status_service_judge(struct status_service *svc, const struct status_thresholds *t);

/* Count of services per status. */
void status_snapshot_summary(const struct status_snapshot *s, size_t counts[STATUS_LEVELS]);

#endif
