// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Request figures for the status page, from the request collector's
 * totals (the numbers behind pantau_requests_total and
 * pantau_request_duration_seconds). Percentiles and dependencies come
 * from per-minute samples of those totals kept in the status history.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "collectors/collector.h"
#include "daemon.h"
#include "lib/clock.h"
#include "lib/hist.h"
#include "log.h"
#include "collectors/request_collector.h"
#include "status/status_snapshot.h"
#include "status/status_traffic.h"

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

/* Adds a latency row to a sample; the slots are kept modulo 2^32. */
static void add_latency(struct traffic_sample *s, const struct net_lat *lat)
{
	for (size_t i = 0; i < NET_REQ_SLOTS; i++) {
		s->slots[i] += (uint32_t)lat->slots[i];
		s->observed += lat->slots[i];
	}
}

static bool is_failure(const struct request_total_key *k)
{
	return k->status_class == 5 ||
	       (k->role == NET_ROLE_CLIENT && k->method == NET_METHOD_CONNECT_FAILED);
}

/* The served requests of name, every protocol. */
static void served_sample(const char *name, uint64_t now_ns, struct traffic_sample *out)
{
	struct request_total *t;
	struct latency_total *l;
	size_t n;

	memset(out, 0, sizeof(*out));
	out->t_ns = now_ns;
	n = request_totals(&t);
	for (size_t i = 0; i < n; i++) {
		if (t[i].key.role != NET_ROLE_SERVER || strcmp(t[i].key.service, name) != 0)
			continue;
		out->requests += t[i].count;
		if (is_failure(&t[i].key))
			out->failures += t[i].count;
	}
	n = latency_totals(&l);
	for (size_t i = 0; i < n; i++)
		if (l[i].key.role == NET_ROLE_SERVER && strcmp(l[i].key.service, name) == 0)
			add_latency(out, &l[i].lat);
}

struct callee {
	const char *peer;
	struct traffic_sample sample;
};

/* The entry of peer in callees, added when there is room. */
static struct traffic_sample *callee_of(struct callee *callees, size_t *n, size_t max,
					const char *peer, uint64_t now_ns)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp(callees[i].peer, peer) == 0)
			return &callees[i].sample;
	if (*n >= max)
		return NULL;
	memset(&callees[*n], 0, sizeof(callees[*n]));
	callees[*n].peer = peer;
	callees[*n].sample.t_ns = now_ns;
	return &callees[(*n)++].sample;
}

void status_traffic_record(struct daemon *d, size_t svc, uint64_t now_ns)
{
	/* As many peers as the page shows: 7 KiB. */
	struct callee callees[STATUS_DEPS_PER_SERVICE];
	struct traffic_sample served;
	struct request_total *t;
	struct latency_total *l;
	size_t n, n_callees = 0;
	const char *name;

	if (svc >= d->registry.n_services || !d->registry.services[svc].used)
		return;
	name = d->registry.services[svc].name;
	served_sample(name, now_ns, &served);
	status_history_record_served(d->history, svc, name, &served);

	n = request_totals(&t);
	for (size_t i = 0; i < n; i++) {
		struct traffic_sample *c;

		if (t[i].key.role != NET_ROLE_CLIENT || strcmp(t[i].key.service, name) != 0)
			continue;
		c = callee_of(callees, &n_callees, STATUS_DEPS_PER_SERVICE, t[i].key.peer, now_ns);
		if (!c)
			continue;
		c->requests += t[i].count;
		if (is_failure(&t[i].key))
			c->failures += t[i].count;
	}
	n = latency_totals(&l);
	for (size_t i = 0; i < n; i++) {
		struct traffic_sample *c;

		if (l[i].key.role != NET_ROLE_CLIENT || strcmp(l[i].key.service, name) != 0)
			continue;
		c = callee_of(callees, &n_callees, STATUS_DEPS_PER_SERVICE, l[i].key.peer, now_ns);
		if (c)
			add_latency(c, &l[i].lat);
	}
	for (size_t i = 0; i < n_callees; i++)
		if (status_history_record_calls(d->history, svc, name, callees[i].peer,
						&callees[i].sample) == -ENOSPC)
			pt_debug("status history: no room to follow calls of %s to %s", name,
				 callees[i].peer);
}

/* Figures of a window; has_data once the window spans anything. */
static void window_traffic(const struct traffic_window *w, struct status_traffic *out)
{
	out->has_data = w->seconds > 0;
	out->requests_per_minute = NAN;
	out->error_ratio = NAN;
	out->p50_seconds = hist_quantile(0.5, w->slots, NET_REQ_SLOTS, request_slot_upper_seconds);
	out->p95_seconds = hist_quantile(0.95, w->slots, NET_REQ_SLOTS, request_slot_upper_seconds);
	if (!out->has_data)
		return;
	out->requests_per_minute = (double)w->requests * 60 / w->seconds;
	if (w->requests)
		out->error_ratio = (double)w->failures / (double)w->requests;
}

void status_traffic_latency(struct daemon *d, size_t svc, double *p50_seconds,
			    double *p95_seconds)
{
	struct traffic_window w;
	struct status_traffic traffic;

	*p50_seconds = NAN;
	*p95_seconds = NAN;
	if (svc >= d->registry.n_services || !d->registry.services[svc].used)
		return;
	if (status_history_served_window(d->history, svc, d->registry.services[svc].name,
					 &w) != 0 || w.seconds <= 0)
		return;
	window_traffic(&w, &traffic);
	*p50_seconds = traffic.p50_seconds;
	*p95_seconds = traffic.p95_seconds;
}

size_t status_traffic_dependencies(struct daemon *d, size_t svc,
				   struct status_dependency *out, size_t max)
{
	struct traffic_window w;
	const char *name, *peer;
	size_t k = 0;

	if (svc >= d->registry.n_services || !d->registry.services[svc].used)
		return 0;
	name = d->registry.services[svc].name;
	for (size_t i = 0; i < d->history->n_calls && k < max; i++) {
		if (status_history_calls_window(d->history, i, svc, name, &peer, &w) != 0)
			continue;
		memset(&out[k], 0, sizeof(out[k]));
		snprintf(out[k].peer, sizeof(out[k].peer), "%s", peer);
		window_traffic(&w, &out[k].traffic);
		k++;
	}
	return k;
}

void status_sample(struct daemon *d)
{
	struct registry *r = &d->registry;
	int64_t hour = status_local_hour(time(NULL));
	uint64_t now = mono_ns();

	for (size_t i = 0; i < r->n_services; i++) {
		struct service *s = &r->services[i];
		struct traffic_totals traffic;
		struct history_counters c;

		if (!s->used || s->pseudo)
			continue;
		status_traffic_totals(d, i, &traffic);
		c = (struct history_counters){
			.t_ns = now,
			.cpu_ns = service_cpu_ns(s),
			.oom_kills = s->oom_kills,
			.requests = traffic.requests,
			.errors = traffic.errors,
			.traffic = traffic.present,
		};
		status_history_record(d->history, i, s->name, &c, hour);
		status_traffic_record(d, i, now);
	}
}
