// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "daemon.h"
#include "events/events.h"
#include "lib/clock.h"
#include "log.h"
#include "events/net_events.h"
#include "naming/services.h"
#include "pantau/events.h"

#define POLL_TIMEOUT_MS 200
#define DRAIN_MAX_ROUNDS 64

static size_t name_hash(const char *s)
{
	size_t h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

bool events_rate_allow(struct rate_slot *slots, size_t n_slots, const char *service,
		       int64_t now_s, unsigned per_second)
{
	struct rate_slot *slot = &slots[name_hash(service) % n_slots];

	if (slot->second != now_s) {
		slot->second = now_s;
		slot->count = 0;
	}
	if (slot->count >= per_second)
		return false;
	slot->count++;
	return true;
}

/* ktime (CLOCK_MONOTONIC) of an event -> RFC 3339 UTC with nanoseconds. */
static void event_timestamp(uint64_t ktime_ns, char out[EVENT_TIMESTAMP_MAX])
{
	uint64_t mono = mono_ns(), real = wall_ns();
	uint64_t when = real - (mono > ktime_ns ? mono - ktime_ns : 0);
	time_t secs = (time_t)(when / 1000000000ULL);
	uint32_t ns = (uint32_t)(when % 1000000000ULL);
	struct tm tm;

	/* The events thread alone calls this: the second's text is kept for the next. */
	static __thread time_t last_secs = -1;
	static __thread char last_day[32];
	static __thread size_t last_len;

	if (secs != last_secs) {
		gmtime_r(&secs, &tm);
		last_len = strftime(last_day, sizeof(last_day), "%Y-%m-%dT%H:%M:%S", &tm);
		last_secs = secs;
	}
	/* ".NNNNNNNNNZ" by hand: a printf per event showed in the profile. */
	memcpy(out, last_day, last_len);
	out[last_len] = '.';
	for (int i = 9; i >= 1; i--) {
		out[last_len + (size_t)i] = (char)('0' + ns % 10);
		ns /= 10;
	}
	memcpy(out + last_len + 10, "Z", 2);
}

/* The victim's service name; the caller holds d->lock. */
static void victim_service(struct daemon *d, const struct event_oom_kill *e,
			   char *out, size_t len)
{
	struct key_entry *entry = registry_key(&d->registry, &e->key);
	struct service *s = entry ? registry_service(&d->registry, entry) : NULL;

	if (s)
		snprintf(out, len, "%s", s->name);
	else if (service_name_for_process(&d->cfg, e->comm, out, len))
		snprintf(out, len, SERVICE_SHORT_LIVED);
}

void events_oom_write(struct ecs_writer *w, const struct event_oom_kill *e,
		      const char *timestamp, const char *host, const char *service)
{
	ecs_string(w, "@timestamp", timestamp);
	ecs_object_begin(w, "event");
	ecs_string(w, "dataset", "pantau.process");
	ecs_string(w, "kind", "event");
	ecs_strings(w, "category", "process", NULL);
	ecs_strings(w, "type", "end", NULL);
	ecs_string(w, "action", "oom-kill");
	ecs_string(w, "outcome", "failure");
	ecs_close(w);
	ecs_object_string(w, "service", "name", service);
	ecs_object_string(w, "host", "name", host);
	ecs_object_begin(w, "process");
	ecs_int(w, "pid", e->pid);
	ecs_string_len(w, "name", e->comm, strnlen(e->comm, sizeof(e->comm)));
	ecs_close(w);
	ecs_object_begin(w, "pantau");
	ecs_object_begin(w, "memory");
	ecs_int(w, "rss_bytes", (int64_t)e->rss_bytes);
	if (e->limit_set)
		ecs_int(w, "limit_bytes", (int64_t)e->limit_bytes);
	ecs_close(w);
	/* No limit on the victim's memory cgroup: the whole host ran out. */
	ecs_object_string(w, "oom", "constraint", e->limit_set ? "cgroup" : "system");
	ecs_close(w);
}

/* The service of a map key, as the registry names it; the caller holds d->lock. */
static const char *key_service(struct daemon *d, const struct service_key *key)
{
	struct key_entry *entry = registry_key(&d->registry, key);
	struct service *s = entry ? registry_service(&d->registry, entry) : NULL;

	/* Not copied (a printf per event): the document is written under the same lock. */
	return s ? s->name : SERVICE_SHORT_LIVED;
}

/* A request or connection event; the caller holds d->lock. */
static void net_document(struct events *ev, const void *data)
{
	const struct event_header *h = data;
	char peer[PEER_NAME_MAX], ts[EVENT_TIMESTAMP_MAX];
	const char *service;
	const struct net_ends *ends;
	struct net_peer p;
	bool outbound;
	__u32 host;

	if (h->type == EVENT_HTTP) {
		const struct event_http *e = data;

		ends = &e->ends;
		host = e->host;
		outbound = e->role == NET_ROLE_CLIENT;
		service = key_service(ev->d, &e->key);
	} else {
		const struct event_conn *e = data;

		ends = &e->ends;
		host = e->host;
		outbound = e->dir == NET_DIR_OUT;
		service = key_service(ev->d, &e->key);
	}
	/* Named per connection, by its own host: its name came through this ring before. */
	p = net_events_peer(ends, host);
	if (outbound)
		peers_name(&ev->d->peers, &p, false, peer, sizeof(peer));
	event_timestamp(h->ktime_ns, ts);
	if (h->type == EVENT_HTTP) {
		struct path_rules routes = {
			.patterns = (const char *const *)ev->d->cfg.request_routes,
			.n = ev->d->cfg.n_request_routes,
		};

		net_http_write(&ev->writer, data, ts, ev->host_name, service,
			       outbound ? peer : NULL, &routes);
		return;
	}
	net_conn_write(&ev->writer, data, ts, ev->host_name, service, outbound ? peer : NULL);
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct events *ev = ctx;
	const struct event_header *h = data;
	char service[SERVICE_NAME_MAX], ts[EVENT_TIMESTAMP_MAX];
	bool doc = false, allowed;
	const char *text = NULL;
	size_t len = 0;

	if (size < sizeof(*h) || h->size > size)
		return 0;
	pthread_mutex_lock(&ev->d->lock);
	ev->received++;
	if (h->type == EVENT_PEER_HOST && size >= sizeof(struct event_peer_host)) {
		const struct event_peer_host *e = data;
		struct net_peer peer = { .port = e->port, .family = e->family, .host = e->host };

		memcpy(peer.addr, e->addr, sizeof(peer.addr));
		if (e->name_off <= EVENT_HOST_BYTES && e->name_len <= EVENT_HOST_BYTES - e->name_off)
			peers_learn(&ev->d->peers, &peer, (const char *)e->data + e->name_off,
				    e->name_len);
	} else if ((h->type == EVENT_HTTP && size >= sizeof(struct event_http)) ||
		   (h->type == EVENT_CONN && size >= sizeof(struct event_conn))) {
		/* Budgeted in the kernel already, errors apart from successes. */
		if (ev->n_sinks) {
			ecs_doc_begin(&ev->writer);
			net_document(ev, data);
			doc = true;
		}
	} else if (h->type == EVENT_OOM_KILL && size >= sizeof(struct event_oom_kill)) {
		struct event_oom_kill copy = *(const struct event_oom_kill *)data;

		/* The kernel side terminates it; a bad record must not overrun. */
		copy.comm[EVENT_COMM_LEN - 1] = '\0';
		victim_service(ev->d, &copy, service, sizeof(service));
		allowed = events_rate_allow(ev->rate, EVENTS_RATE_SLOTS, service,
					    (int64_t)mono_s(),
					    ev->d->cfg.events_per_service_per_second);
		if (!allowed) {
			ev->rate_limited++;
		} else if (ev->n_sinks) {
			event_timestamp(copy.hdr.ktime_ns, ts);
			ecs_doc_begin(&ev->writer);
			events_oom_write(&ev->writer, &copy, ts, ev->host_name, service);
			doc = true;
		}
	}
	pthread_mutex_unlock(&ev->d->lock);
	if (!doc)
		return 0;
	/* Written once for both sinks; a document that failed goes as NULL, to be counted. */
	if (ecs_doc_end(&ev->writer, &text, &len)) {
		text = NULL;
		len = 0;
	}
	for (size_t i = 0; i < ev->n_sinks; i++)
		ev->sinks[i].submit(ev->sinks[i].ctx, text, len);
	return 0;
}

static void *events_thread(void *arg)
{
	struct events *ev = arg;

	while (!ev->stop) {
		int n = ring_buffer__poll(ev->rb, POLL_TIMEOUT_MS);

		if (n < 0 && n != -EINTR) {
			pt_warn("reading the events ring buffer failed: %s", strerror(-n));
			break;
		}
		/* One write and one fsync per poll, for all the events of the round. */
		for (size_t i = 0; n > 0 && i < ev->n_sinks; i++)
			ev->sinks[i].commit(ev->sinks[i].ctx);
	}
	return NULL;
}

int events_start(struct events *ev, struct daemon *d, int ring_fd,
		 const struct event_sink *sinks, size_t n_sinks, char *err, size_t err_len)
{
	int rc;

	memset(ev, 0, sizeof(*ev));
	ev->d = d;
	ecs_writer_init(&ev->writer);
	if (gethostname(ev->host_name, sizeof(ev->host_name) - 1))
		snprintf(ev->host_name, sizeof(ev->host_name), "localhost");
	if (n_sinks > EVENTS_SINKS_MAX) {
		snprintf(err, err_len, "too many event sinks (%zu, at most %d).", n_sinks,
			 EVENTS_SINKS_MAX);
		return -EINVAL;
	}
	for (size_t i = 0; i < n_sinks; i++)
		ev->sinks[i] = sinks[i];
	ev->n_sinks = n_sinks;
	if (ring_fd < 0)
		return 0;
	ev->rb = ring_buffer__new(ring_fd, on_event, ev, NULL);
	if (!ev->rb) {
		rc = -errno;
		snprintf(err, err_len, "cannot read the events ring buffer: %s.", strerror(-rc));
		events_stop(ev);
		return rc;
	}
	rc = pthread_create(&ev->thread, NULL, events_thread, ev);
	if (rc) {
		snprintf(err, err_len, "cannot start the events thread: %s.", strerror(rc));
		events_stop(ev);
		return -rc;
	}
	ev->thread_started = true;
	return 0;
}

void events_stop(struct events *ev)
{
	ev->stop = true;
	if (ev->thread_started)
		pthread_join(ev->thread, NULL);
	/* What the kernel already handed over is written, not lost. */
	for (int i = 0; ev->rb && i < DRAIN_MAX_ROUNDS; i++)
		if (ring_buffer__consume(ev->rb) <= 0)
			break;
	ring_buffer__free(ev->rb);
	for (size_t i = 0; i < ev->n_sinks; i++)
		ev->sinks[i].commit(ev->sinks[i].ctx);
	ecs_writer_free(&ev->writer);
	ev->rb = NULL;
	ev->n_sinks = 0;
	ev->thread_started = false;
}
