/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The event pipeline: BPF ring buffer -> ECS documents -> sinks, on a
 * thread of its own, rate-limited per service with every drop counted.
 */
#ifndef PANTAU_EVENT_PIPELINE_H
#define PANTAU_EVENT_PIPELINE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include "events/ecs_writer.h"
#include "pantau/events.h"

struct daemon;
struct ring_buffer;

/*
 * Where finished documents go (exporters/jsonl, exporters/elasticsearch).
 * main.c opens the sinks, hands them to the pipeline and closes them after
 * events_stop(): the pipeline only feeds them.
 */
struct event_sink {
	void *ctx;
	/* One serialized document; line is NULL when serializing failed (a failure to count). */
	void (*submit)(void *ctx, const char *line, size_t len);
	/* After each poll of the ring buffer, and at stop: write out what was submitted. */
	void (*commit)(void *ctx);
};

#define EVENTS_SINKS_MAX 2

/* "2026-12-03T09:00:00.123456789Z" is 31 bytes; the bound is any 31-byte day's. */
#define EVENT_TIMESTAMP_MAX 44

#define EVENTS_RATE_SLOTS 256

/* Services that hash to one slot share its budget: the limit stays a bound. */
struct rate_slot {
	int64_t second;
	unsigned count;
};

struct events {
	struct daemon *d;
	struct ring_buffer *rb;
	struct event_sink sinks[EVENTS_SINKS_MAX];
	size_t n_sinks;			/* 0: events are counted and dropped */
	pthread_t thread;
	bool thread_started;
	volatile bool stop;
	char host_name[256];
	struct ecs_writer writer;	/* the thread's, reused for every document */
	struct rate_slot rate[EVENTS_RATE_SLOTS];
	/* Read by scrapes under d->lock, written by the thread under it. */
	uint64_t rate_limited;
	uint64_t received;
};

/*
 * Start consuming the ring buffer at ring_fd into the n_sinks sinks.
 * Returns 0 (also when there is no sink: events are then counted and
 * dropped), or a negative errno with one sentence in err.
 */
int events_start(struct events *ev, struct daemon *d, int ring_fd,
		 const struct event_sink *sinks, size_t n_sinks, char *err, size_t err_len);
/* Stop the thread, drain what the ring buffer still holds, commit every sink. */
void events_stop(struct events *ev);

/* Whether a service may send one more event in the second now_s. */
bool events_rate_allow(struct rate_slot *slots, size_t n_slots, const char *service,
		       int64_t now_s, unsigned per_second);

/*
 * The members of an OOM kill's document (pantau.process), between the
 * caller's ecs_doc_begin() and ecs_doc_end(); e->comm must be terminated.
 */
void events_oom_write(struct ecs_writer *w, const struct event_oom_kill *e,
		      const char *timestamp, const char *host, const char *service);

#endif
