/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The short history the status page needs, per service, in memory
 * allocated once for every registry slot: counters sampled at each
 * collection, kept every 30 s for five minutes (rates over five minutes)
 * and summed per hour of the local clock for 24 hours (the hourly chart
 * and the busy hours). docs/architecture.md gives the size.
 */
#ifndef PANTAU_STATUS_HISTORY_H
#define PANTAU_STATUS_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "pantau/net.h"
#include "naming/peers.h"
#include "naming/services.h"
#include "status/status_rules.h"

#define HISTORY_WINDOW_SECONDS 300
#define HISTORY_STEP_SECONDS 30
/* Shorter spans give noisy rates: below this a rate is "not known yet". */
#define HISTORY_MIN_WINDOW_SECONDS 4
/* One more than the window needs, so a sample at least 5 min old is kept. */
#define HISTORY_RING (HISTORY_WINDOW_SECONDS / HISTORY_STEP_SECONDS + 1)

/* Cumulative counters of one service at one collection. */
struct history_counters {
	uint64_t t_ns;		/* CLOCK_MONOTONIC */
	uint64_t cpu_ns;
	uint64_t oom_kills;
	uint64_t requests;	/* valid when traffic */
	uint64_t errors;
	bool traffic;		/* request counters exist for the service */
};

struct history_hour {
	int64_t hour;		/* local hours since the epoch; 0: unused */
	double cpu_seconds;
	uint64_t requests;
	uint64_t errors;
	bool traffic;
};

/*
 * Requests and their durations, for percentiles and dependencies: one
 * sample a minute, so the ring always holds one five to six minutes old.
 */
#define TRAFFIC_STEP_SECONDS 60
#define TRAFFIC_RING (HISTORY_WINDOW_SECONDS / TRAFFIC_STEP_SECONDS + 1)
/* (service, peer) pairs whose calls are followed, for all services together. */
#define HISTORY_CALL_SERIES 256

/* Cumulative request counters of one series at one collection. */
struct traffic_sample {
	uint64_t t_ns;		/* CLOCK_MONOTONIC */
	uint64_t requests;
	uint64_t failures;	/* 5xx answers, and failed connects for calls */
	uint64_t observed;	/* sum of the duration slots */
	/*
	 * Duration slot counts modulo 2^32, half the memory of the u64 totals:
	 * a difference over six minutes is exact while a single slot gains
	 * fewer than 2^32 requests in that time.
	 */
	uint32_t slots[NET_REQ_SLOTS];
};

struct traffic_series {
	struct traffic_sample last;	/* the newest collection */
	struct traffic_sample ring[TRAFFIC_RING];
	unsigned ring_head;		/* next write */
	unsigned ring_count;
};

/* Calls of the service in one registry slot to one peer. */
struct call_series {
	bool used;
	size_t slot;
	char service[SERVICE_NAME_MAX];
	char peer[PEER_NAME_MAX];
	struct traffic_series series;
};

struct service_history {
	char name[SERVICE_NAME_MAX];	/* the slot's owner: a new name starts afresh */
	bool used;
	struct history_counters last;	/* the newest collection */
	struct history_counters ring[HISTORY_RING];
	unsigned ring_head;		/* next write */
	unsigned ring_count;
	struct history_hour hours[STATUS_HOURS];	/* index: hour % 24 */
	struct traffic_series served;	/* requests the service answered */
};

struct status_history {
	struct service_history *slots;	/* one per registry service slot */
	size_t n_slots;
	struct call_series *calls;	/* HISTORY_CALL_SERIES, shared by all slots */
	size_t n_calls;
};

int status_history_init(struct status_history *h, size_t n_slots);
void status_history_free(struct status_history *h);
/* What the history holds in memory, for the docs and the log. */
size_t status_history_bytes(const struct status_history *h);

/* Hours since the epoch on the local clock at t: the hourly chart's buckets; 0 if unknown. */
int64_t status_local_hour(time_t t);

/*
 * Record the counters of the service in registry slot `slot`, named name,
 * at a collection; local_hour is hours since the epoch on the local clock.
 * A counter that went down (a running slice estimated high before) is held
 * at its last value, so no delta is negative.
 */
void status_history_record(struct status_history *h, size_t slot, const char *name,
			   const struct history_counters *now, int64_t local_hour);

/* The change of the counters over the window. */
struct history_window {
	double seconds;		/* 0 until two samples span HISTORY_MIN_WINDOW_SECONDS */
	uint64_t cpu_ns;
	uint64_t oom_kills;
	bool traffic;		/* requests and errors valid at both ends */
	uint64_t requests;
	uint64_t errors;
};

/*
 * Over the last five minutes, or since the service was first seen when
 * that is shorter. 0, or -ENOENT when the slot holds no history of name.
 */
int status_history_window(const struct status_history *h, size_t slot, const char *name,
			  struct history_window *out);

/*
 * Record the served requests of the service in slot, named name, or its
 * calls to peer; call status_history_record for the slot first, so a slot
 * taken by a new name starts afresh. Counters that go down (totals
 * dropped and begun again) restart the series. Calls return -ENOSPC when
 * HISTORY_CALL_SERIES pairs are followed already: a pair not seen for
 * two windows, or of a slot now owned by another name, makes room.
 */
void status_history_record_served(struct status_history *h, size_t slot, const char *name,
				  const struct traffic_sample *now);
int status_history_record_calls(struct status_history *h, size_t slot, const char *name,
				const char *peer, const struct traffic_sample *now);

/* The change of a series over the window, same rules as history_window. */
struct traffic_window {
	double seconds;		/* 0: no window yet */
	uint64_t requests;
	uint64_t failures;
	uint64_t slots[NET_REQ_SLOTS];
};

int status_history_served_window(const struct status_history *h, size_t slot,
				 const char *name, struct traffic_window *out);
/*
 * The calls series at index i (0 <= i < h->n_calls) when it belongs to
 * the service in slot named name: its peer and window. -ENOENT otherwise.
 */
int status_history_calls_window(const struct status_history *h, size_t i, size_t slot,
				const char *name, const char **peer,
				struct traffic_window *out);

/* The 24 hours ending with local_hour, oldest first. */
struct history_series {
	int hour_of_day[STATUS_HOURS];
	int64_t hour[STATUS_HOURS];	/* local hours since the epoch */
	bool valid[STATUS_HOURS];	/* pantau saw the service in that hour */
	bool traffic[STATUS_HOURS];	/* and its request counters */
	double cpu_seconds[STATUS_HOURS];
	double requests[STATUS_HOURS];
	double errors[STATUS_HOURS];
};

int status_history_series(const struct status_history *h, size_t slot, const char *name,
			  int64_t local_hour, struct history_series *out);

#endif
