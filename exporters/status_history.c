// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "status_history.h"

#define NS_PER_S 1000000000ULL

int status_history_init(struct status_history *h, size_t n_slots)
{
	h->slots = calloc(n_slots, sizeof(*h->slots));
	h->n_slots = h->slots ? n_slots : 0;
	return h->slots ? 0 : -ENOMEM;
}

void status_history_free(struct status_history *h)
{
	free(h->slots);
	h->slots = NULL;
	h->n_slots = 0;
}

size_t status_history_bytes(const struct status_history *h)
{
	return h->n_slots * sizeof(*h->slots);
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
