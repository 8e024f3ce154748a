// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "status/status_history.h"

int64_t status_local_hour(time_t t)
{
	struct tm tm;

	if (!localtime_r(&t, &tm))
		return 0;
	return ((int64_t)t + tm.tm_gmtoff) / 3600;
}

#define NS_PER_S 1000000000ULL

int status_history_init(struct status_history *h, size_t n_slots)
{
	memset(h, 0, sizeof(*h));
	h->slots = calloc(n_slots, sizeof(*h->slots));
	h->calls = calloc(HISTORY_CALL_SERIES, sizeof(*h->calls));
	if (!h->slots || !h->calls) {
		status_history_free(h);
		return -ENOMEM;
	}
	h->n_slots = n_slots;
	h->n_calls = HISTORY_CALL_SERIES;
	return 0;
}

void status_history_free(struct status_history *h)
{
	free(h->calls);
	free(h->slots);
	h->calls = NULL;
	h->slots = NULL;
	h->n_calls = 0;
	h->n_slots = 0;
}

size_t status_history_bytes(const struct status_history *h)
{
	return h->n_slots * sizeof(*h->slots) + h->n_calls * sizeof(*h->calls);
}

static uint64_t at_least(uint64_t value, uint64_t floor)
{
	return value < floor ? floor : value;
}

static struct service_history *slot_of(const struct status_history *h, size_t slot,
				       const char *name)
{
	struct service_history *s;

	if (slot >= h->n_slots)
		return NULL;
	s = &h->slots[slot];
	return s->used && strcmp(s->name, name) == 0 ? s : NULL;
}

static void add_to_hour(struct service_history *s, const struct history_counters *prev,
			const struct history_counters *now, int64_t local_hour)
{
	struct history_hour *hr = &s->hours[local_hour % STATUS_HOURS];

	if (hr->hour != local_hour) {
		memset(hr, 0, sizeof(*hr));
		hr->hour = local_hour;
	}
	if (!prev)
		return;
	/* The change since the last collection counts for the hour it ends in. */
	hr->cpu_seconds += (double)(now->cpu_ns - prev->cpu_ns) / NS_PER_S;
	if (now->traffic && prev->traffic) {
		hr->requests += now->requests - prev->requests;
		hr->errors += now->errors - prev->errors;
		hr->traffic = true;
	}
}

void status_history_record(struct status_history *h, size_t slot, const char *name,
			   const struct history_counters *now, int64_t local_hour)
{
	struct history_counters c = *now;
	struct service_history *s;
	const struct history_counters *newest;
	bool fresh;

	if (slot >= h->n_slots || local_hour <= 0)
		return;
	s = &h->slots[slot];
	fresh = !slot_of(h, slot, name);
	if (fresh) {
		memset(s, 0, sizeof(*s));
		s->used = true;
		snprintf(s->name, sizeof(s->name), "%s", name);
	} else {
		c.cpu_ns = at_least(c.cpu_ns, s->last.cpu_ns);
		c.oom_kills = at_least(c.oom_kills, s->last.oom_kills);
		if (c.traffic && s->last.traffic) {
			c.requests = at_least(c.requests, s->last.requests);
			c.errors = at_least(c.errors, s->last.errors);
		}
		if (c.t_ns < s->last.t_ns)
			c.t_ns = s->last.t_ns;
	}
	add_to_hour(s, fresh ? NULL : &s->last, &c, local_hour);
	s->last = c;
	newest = s->ring_count ? &s->ring[(s->ring_head + HISTORY_RING - 1) % HISTORY_RING] : NULL;
	if (!newest || c.t_ns - newest->t_ns >= HISTORY_STEP_SECONDS * NS_PER_S) {
		s->ring[s->ring_head] = c;
		s->ring_head = (s->ring_head + 1) % HISTORY_RING;
		if (s->ring_count < HISTORY_RING)
			s->ring_count++;
	}
}

int status_history_window(const struct status_history *h, size_t slot, const char *name,
			  struct history_window *out)
{
	const struct service_history *s = slot_of(h, slot, name);
	const struct history_counters *base = NULL, *last;

	memset(out, 0, sizeof(*out));
	if (!s)
		return -ENOENT;
	last = &s->last;
	/* Newest sample at least a window old, else the oldest there is. */
	for (unsigned i = 1; i <= s->ring_count; i++) {
		base = &s->ring[(s->ring_head + HISTORY_RING - i) % HISTORY_RING];
		if (last->t_ns - base->t_ns >= HISTORY_WINDOW_SECONDS * NS_PER_S)
			break;
	}
	if (!base || last->t_ns - base->t_ns < HISTORY_MIN_WINDOW_SECONDS * NS_PER_S)
		return 0;
	out->seconds = (double)(last->t_ns - base->t_ns) / NS_PER_S;
	out->cpu_ns = last->cpu_ns - base->cpu_ns;
	out->oom_kills = last->oom_kills - base->oom_kills;
	out->traffic = last->traffic && base->traffic;
	if (out->traffic) {
		out->requests = last->requests - base->requests;
		out->errors = last->errors - base->errors;
	}
	return 0;
}

static void series_record(struct traffic_series *ts, const struct traffic_sample *now)
{
	struct traffic_sample c = *now;
	const struct traffic_sample *newest;

	if (ts->ring_count) {
		/* Totals that went back were dropped and begun again: so does the series. */
		if (c.requests < ts->last.requests || c.failures < ts->last.failures ||
		    c.observed < ts->last.observed)
			memset(ts, 0, sizeof(*ts));
		else if (c.t_ns < ts->last.t_ns)
			c.t_ns = ts->last.t_ns;
	}
	ts->last = c;
	newest = ts->ring_count ? &ts->ring[(ts->ring_head + TRAFFIC_RING - 1) % TRAFFIC_RING] :
		 NULL;
	if (!newest || c.t_ns - newest->t_ns >= TRAFFIC_STEP_SECONDS * NS_PER_S) {
		ts->ring[ts->ring_head] = c;
		ts->ring_head = (ts->ring_head + 1) % TRAFFIC_RING;
		if (ts->ring_count < TRAFFIC_RING)
			ts->ring_count++;
	}
}

static void series_window(const struct traffic_series *ts, struct traffic_window *out)
{
	const struct traffic_sample *base = NULL, *last = &ts->last;

	memset(out, 0, sizeof(*out));
	/* Newest sample at least a window old, else the oldest there is. */
	for (unsigned i = 1; i <= ts->ring_count; i++) {
		base = &ts->ring[(ts->ring_head + TRAFFIC_RING - i) % TRAFFIC_RING];
		if (last->t_ns - base->t_ns >= HISTORY_WINDOW_SECONDS * NS_PER_S)
			break;
	}
	if (!base || last->t_ns - base->t_ns < HISTORY_MIN_WINDOW_SECONDS * NS_PER_S)
		return;
	out->seconds = (double)(last->t_ns - base->t_ns) / NS_PER_S;
	out->requests = last->requests - base->requests;
	out->failures = last->failures - base->failures;
	/* Unsigned 32-bit arithmetic undoes the wrap of the stored counts. */
	for (size_t i = 0; i < NET_REQ_SLOTS; i++)
		out->slots[i] = (uint32_t)(last->slots[i] - base->slots[i]);
}

void status_history_record_served(struct status_history *h, size_t slot, const char *name,
				  const struct traffic_sample *now)
{
	struct service_history *s = slot_of(h, slot, name);

	if (s)
		series_record(&s->served, now);
}

int status_history_served_window(const struct status_history *h, size_t slot,
				 const char *name, struct traffic_window *out)
{
	const struct service_history *s = slot_of(h, slot, name);

	memset(out, 0, sizeof(*out));
	if (!s)
		return -ENOENT;
	series_window(&s->served, out);
	return 0;
}

static bool calls_reclaimable(const struct status_history *h, const struct call_series *c,
			      uint64_t now_ns)
{
	if (!c->used || !slot_of(h, c->slot, c->service))
		return true;
	return now_ns > c->series.last.t_ns &&
	       now_ns - c->series.last.t_ns > 2 * HISTORY_WINDOW_SECONDS * NS_PER_S;
}

int status_history_record_calls(struct status_history *h, size_t slot, const char *name,
				const char *peer, const struct traffic_sample *now)
{
	struct call_series *c, *room = NULL;

	if (!slot_of(h, slot, name))
		return -ENOENT;
	for (size_t i = 0; i < h->n_calls; i++) {
		c = &h->calls[i];
		if (c->used && c->slot == slot && strcmp(c->service, name) == 0 &&
		    strcmp(c->peer, peer) == 0) {
			series_record(&c->series, now);
			return 0;
		}
		if (!room && calls_reclaimable(h, c, now->t_ns))
			room = c;
	}
	if (!room)
		return -ENOSPC;
	memset(room, 0, sizeof(*room));
	room->used = true;
	room->slot = slot;
	snprintf(room->service, sizeof(room->service), "%s", name);
	snprintf(room->peer, sizeof(room->peer), "%s", peer);
	series_record(&room->series, now);
	return 0;
}

int status_history_calls_window(const struct status_history *h, size_t i, size_t slot,
				const char *name, const char **peer,
				struct traffic_window *out)
{
	const struct call_series *c = i < h->n_calls ? &h->calls[i] : NULL;

	memset(out, 0, sizeof(*out));
	if (!c || !c->used || c->slot != slot || strcmp(c->service, name) != 0 ||
	    !slot_of(h, slot, name))
		return -ENOENT;
	*peer = c->peer;
	series_window(&c->series, out);
	return 0;
}

int status_history_series(const struct status_history *h, size_t slot, const char *name,
			  int64_t local_hour, struct history_series *out)
{
	const struct service_history *s = slot_of(h, slot, name);

	memset(out, 0, sizeof(*out));
	for (int i = 0; i < STATUS_HOURS; i++) {
		int64_t hour = local_hour - (STATUS_HOURS - 1) + i;
		const struct history_hour *hr;

		out->hour[i] = hour;
		out->hour_of_day[i] = (int)(((hour % 24) + 24) % 24);
		if (!s || hour <= 0)
			continue;
		hr = &s->hours[hour % STATUS_HOURS];
		if (hr->hour != hour)
			continue;
		out->valid[i] = true;
		out->traffic[i] = hr->traffic;
		out->cpu_seconds[i] = hr->cpu_seconds;
		out->requests[i] = (double)hr->requests;
		out->errors[i] = (double)hr->errors;
	}
	return s ? 0 : -ENOENT;
}
