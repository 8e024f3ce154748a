/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The running daemon's state: one owner (main), one lock for readers. */
#ifndef PANTAU_DAEMON_H
#define PANTAU_DAEMON_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>
#include "config.h"
#include "events/events.h"
#include "naming/peers.h"
#include "bpf/probes.h"
#include "naming/registry.h"

/* Exporters' own state: main owns it, the daemon only points at it. */
struct cloudwatch;
struct es_exporter;
struct jsonl_sink;
struct status_history;

#define COLLECTORS_MAX 8

struct collector_result {
	const char *name;
	double duration_seconds;
	bool success;
};

struct daemon {
	struct pantau_config cfg;
	struct probes probes;
	struct registry registry;
	struct peers peers;		/* names of the peers services call */
	struct events events;
	struct jsonl_sink *jsonl;	/* the events file, when configured */
	struct es_exporter *es;		/* Elasticsearch, when elasticsearch.urls is set */
	struct cloudwatch *cloudwatch;	/* EMF lines for CloudWatch, when configured */
	/* Guards probes' maps reads, the registry and results. */
	pthread_mutex_t lock;
	struct collector_result results[COLLECTORS_MAX];
	/* The status page's short history, sampled at every collection. */
	struct status_history *history;
	/* Run at the end of every collection, under the lock (the status page's sampling). */
	void (*after_collect)(struct daemon *d);
	size_t n_results;
	char kernel_release[128];
	/* The last config load: the one at start, then each SIGHUP. */
	struct {
		bool ok;
		time_t success_time;	/* of the last load that applied */
	} reload;
};

/* Run every collector, then after_collect; the caller holds d->lock. */
void daemon_collect(struct daemon *d);

#endif
