// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>
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
static void event_timestamp(uint64_t ktime_ns, char *out, size_t len)
{
	uint64_t mono = mono_ns(), real = wall_ns();
	uint64_t when = real - (mono > ktime_ns ? mono - ktime_ns : 0);
	time_t secs = (time_t)(when / 1000000000ULL);
	struct tm tm;
	char day[32];

	/* The events thread alone calls this: the second's text is kept for the next. */
	static __thread time_t last_secs = -1;
	static __thread char last_day[32];

	if (secs != last_secs) {
		gmtime_r(&secs, &tm);
		strftime(last_day, sizeof(last_day), "%Y-%m-%dT%H:%M:%S", &tm);
		last_secs = secs;
	}
	memcpy(day, last_day, sizeof(day));
	snprintf(out, len, "%s.%09lluZ", day, (unsigned long long)(when % 1000000000ULL));
}

static struct json_object *obj_add(struct json_object *parent, const char *key)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(parent, key, o);
	return o;
}

static struct json_object *one_string_array(const char *s)
{
	struct json_object *a = json_object_new_array();

	json_object_array_add(a, json_object_new_string(s));
	return a;
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

static struct json_object *oom_document(struct events *ev, const struct event_oom_kill *e,
					const char *service)
{
	struct json_object *doc = json_object_new_object(), *o, *p;
	char ts[64];

	if (!doc)
		return NULL;
	event_timestamp(e->hdr.ktime_ns, ts, sizeof(ts));
	json_object_object_add(doc, "@timestamp", json_object_new_string(ts));
	o = obj_add(doc, "event");
	json_object_object_add(o, "dataset", json_object_new_string("pantau.process"));
	json_object_object_add(o, "kind", json_object_new_string("event"));
	json_object_object_add(o, "category", one_string_array("process"));
	json_object_object_add(o, "type", one_string_array("end"));
	json_object_object_add(o, "action", json_object_new_string("oom-kill"));
	json_object_object_add(o, "outcome", json_object_new_string("failure"));
	json_object_object_add(obj_add(doc, "service"), "name", json_object_new_string(service));
	json_object_object_add(obj_add(doc, "host"), "name", json_object_new_string(ev->host_name));
	o = obj_add(doc, "process");
	json_object_object_add(o, "pid", json_object_new_int64(e->pid));
	json_object_object_add(o, "name", json_object_new_string(e->comm));
	p = obj_add(doc, "pantau");
	o = obj_add(p, "memory");
	json_object_object_add(o, "rss_bytes", json_object_new_int64((int64_t)e->rss_bytes));
	if (e->limit_set)
		json_object_object_add(o, "limit_bytes", json_object_new_int64((int64_t)e->limit_bytes));
	/* No limit on the victim's memory cgroup: the whole host ran out. */
	json_object_object_add(obj_add(p, "oom"), "constraint",
			       json_object_new_string(e->limit_set ? "cgroup" : "system"));
	return doc;
}

/* The service of a map key, as the registry names it; the caller holds d->lock. */
static void key_service(struct daemon *d, const struct service_key *key, char *out, size_t len)
{
	struct key_entry *entry = registry_key(&d->registry, key);
	struct service *s = entry ? registry_service(&d->registry, entry) : NULL;

	snprintf(out, len, "%s", s ? s->name : SERVICE_SHORT_LIVED);
}

/* A request or connection event; the caller holds d->lock. */
static struct json_object *net_document(struct events *ev, const void *data)
{
	const struct event_header *h = data;
	char service[SERVICE_NAME_MAX], peer[PEER_NAME_MAX], ts[64];
	const struct net_ends *ends;
	struct net_peer p;
	bool outbound;
	__u32 host;

	if (h->type == EVENT_HTTP) {
		const struct event_http *e = data;

		ends = &e->ends;
		host = e->host;
		outbound = e->role == NET_ROLE_CLIENT;
		key_service(ev->d, &e->key, service, sizeof(service));
	} else {
		const struct event_conn *e = data;

		ends = &e->ends;
		host = e->host;
		outbound = e->dir == NET_DIR_OUT;
		key_service(ev->d, &e->key, service, sizeof(service));
	}
	/* Named per connection, by its own host: its name came through this ring before. */
	p = net_events_peer(ends, host);
	if (outbound)
		peers_name(&ev->d->peers, &p, false, peer, sizeof(peer));
	event_timestamp(h->ktime_ns, ts, sizeof(ts));
	if (h->type == EVENT_HTTP) {
		struct path_rules routes = {
			.patterns = (const char *const *)ev->d->cfg.request_routes,
			.n = ev->d->cfg.n_request_routes,
		};

		return net_http_document(data, ts, ev->host_name, service, outbound ? peer : NULL,
					 &routes);
	}
	return net_conn_document(data, ts, ev->host_name, service, outbound ? peer : NULL);
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct events *ev = ctx;
	const struct event_header *h = data;
	struct json_object *doc = NULL;
	char service[SERVICE_NAME_MAX];
	bool allowed;

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
		if (ev->n_sinks)
			doc = net_document(ev, data);
	} else if (h->type == EVENT_OOM_KILL && size >= sizeof(struct event_oom_kill)) {
		struct event_oom_kill copy = *(const struct event_oom_kill *)data;

		/* The kernel side terminates it; a bad record must not overrun. */
		copy.comm[EVENT_COMM_LEN - 1] = '\0';
		victim_service(ev->d, &copy, service, sizeof(service));
		allowed = events_rate_allow(ev->rate, EVENTS_RATE_SLOTS, service,
					    (int64_t)mono_s(),
					    ev->d->cfg.events_per_service_per_second);
		if (!allowed)
			ev->rate_limited++;
		else if (ev->n_sinks)
			doc = oom_document(ev, &copy, service);
	}
	pthread_mutex_unlock(&ev->d->lock);
	if (doc) {
		/* Serialized once for both sinks. */
		const char *text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN |
								  JSON_C_TO_STRING_NOSLASHESCAPE);
		size_t len = text ? strlen(text) : 0;

		for (size_t i = 0; i < ev->n_sinks; i++)
			ev->sinks[i].submit(ev->sinks[i].ctx, text, len);
		json_object_put(doc);
	}
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
	net_events_cleanup();
	ev->rb = NULL;
	ev->n_sinks = 0;
	ev->thread_started = false;
}
