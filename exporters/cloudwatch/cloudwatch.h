/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The CloudWatch exporter: every cloudwatch.interval_seconds, one EMF line
 * per service (and per service and peer it calls, and one for pantau
 * itself) to cloudwatch.emf_file, from the same totals /metrics shows.
 * Its own thread: it collects and copies under the daemon lock, and
 * computes and writes without it.
 */
#ifndef PANTAU_CLOUDWATCH_H
#define PANTAU_CLOUDWATCH_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct daemon;
struct cw_sample;

struct cloudwatch {
	struct daemon *d;
	FILE *out;
	bool owned;			/* pantau opened the file */
	pthread_t thread;
	bool started;
	pthread_mutex_t wake_lock;
	pthread_cond_t wake;		/* on CLOCK_MONOTONIC */
	bool stop;
	char host[256];
	/*
	 * The config's namespace and interval, copied under the daemon lock at
	 * each tick, so that a reload applies from the next interval.
	 */
	char namespace_name[256];
	uint64_t interval_ns;
	/* The previous interval's totals, owned by the thread. */
	struct cw_sample *prev;
	size_t n_prev;
	uint64_t prev_ns;
	/* Read by scrapes from other threads. */
	uint64_t written;
	uint64_t errors;
};

/*
 * Open the EMF file of d's config and start the thread; does nothing when
 * cloudwatch.emf_file is empty. 0, or a negative errno with one sentence
 * in err.
 */
int cloudwatch_start(struct cloudwatch *cw, struct daemon *d, char *err, size_t err_len);
/* Stop the thread and close the file; safe on a zeroed or stopped one. */
void cloudwatch_stop(struct cloudwatch *cw);

#endif
