// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The JSON API, built with json-c; field names are stable (docs/api.md). */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>
#include "status/html.h"
#include "status/status_render.h"

/*
 * Set when an allocation that should have made a value failed. The tree
 * is still built (a missing value becomes null), and serialise() refuses
 * to hand it out: the API answers 500 rather than print a wrong null.
 * Per thread: each HTTP thread renders one response at a time.
 */
static __thread bool json_failed;

static struct json_object *must(struct json_object *o)
{
	if (!o)
		json_failed = true;
	return o;
}

static struct json_object *must_string(const char *s)
{
	return must(json_object_new_string(s));
}

/* Names in JSON are whole (no ellipsis), but always valid UTF-8. */
static struct json_object *clean_string(const char *s)
{
	struct sbuf b;
	struct json_object *o;

	sbuf_init(&b);
	text_clean(&b, s, 0, 0);
	o = sbuf_error(&b) ? NULL : json_object_new_string_len(b.buf ? b.buf : "", (int)b.len);
	sbuf_free(&b);
	return must(o);
}

static struct json_object *text_string(struct sbuf *b)
{
	return must(sbuf_error(b) ? NULL :
		    json_object_new_string_len(b->buf ? b->buf : "", (int)b->len));
}

/* NAN and infinities are not JSON: they are null. */
static struct json_object *number(double v)
{
	return isnan(v) || isinf(v) ? NULL : must(json_object_new_double(v));
}

/* A NULL value is JSON null. A failed add leaves value with us: free it. */
static void put(struct json_object *o, const char *key, struct json_object *value)
{
	if (json_object_object_add(o, key, value)) {
		json_object_put(value);
		json_failed = true;
	}
}

static struct json_object *traffic_object(const struct status_traffic *t)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	put(o, "has_data", must(json_object_new_boolean(t->has_data)));
	put(o, "requests_per_minute", t->has_data ? number(t->requests_per_minute) : NULL);
	put(o, "error_ratio", t->has_data ? number(t->error_ratio) : NULL);
	put(o, "p50_seconds", t->has_data ? number(t->p50_seconds) : NULL);
	put(o, "p95_seconds", t->has_data ? number(t->p95_seconds) : NULL);
	return o;
}

static struct json_object *dependency_object(const struct status_dependency *d,
					     const struct status_thresholds *t)
{
	struct json_object *o = json_object_new_object();
	bool failing = d->traffic.has_data &&
		       (d->traffic.error_ratio > t->error_ratio ||
			d->traffic.p95_seconds > t->latency_p95_seconds);

	if (!o)
		return NULL;
	put(o, "peer", clean_string(d->peer));
	put(o, "status", must_string(!d->traffic.has_data ? "unknown" :
						failing ? "degraded" : "normal"));
	put(o, "traffic", must(traffic_object(&d->traffic)));
	return o;
}

static struct json_object *bytes_or_null(uint64_t bytes)
{
	return bytes ? must(json_object_new_int64((int64_t)bytes)) : NULL;
}

/* A ratio of the limit, or of the host where there is none; unknown has no "of". */
static void put_ratio(struct json_object *o, double ratio, bool of_limit)
{
	put(o, "ratio", number(ratio));
	put(o, "ratio_of", isnan(ratio) ? NULL : must_string(of_limit ? "limit" : "host"));
}

static struct json_object *cpu_object(const struct status_facts *f)
{
	struct json_object *o = json_object_new_object();
	bool of_limit;
	double ratio = status_cpu_ratio(f, &of_limit);

	if (!o)
		return NULL;
	put(o, "cores", number(f->cpu_cores));
	put(o, "limit_cores", f->cpu_limit_cores > 0 ? number(f->cpu_limit_cores) : NULL);
	put(o, "host_cores", f->host_cpus > 0 ? number(f->host_cpus) : NULL);
	put_ratio(o, ratio, of_limit);
	return o;
}

static struct json_object *memory_object(const struct status_facts *f)
{
	struct json_object *o = json_object_new_object();
	bool of_limit;
	double ratio = status_memory_ratio(f, &of_limit);

	if (!o)
		return NULL;
	put(o, "rss_bytes", must(json_object_new_int64((int64_t)f->rss_bytes)));
	put(o, "limit_bytes", bytes_or_null(f->memory_limit_bytes));
	put(o, "host_bytes", bytes_or_null(f->host_memory_bytes));
	put_ratio(o, ratio, of_limit);
	return o;
}

static struct json_object *hourly_array(const struct status_service *svc)
{
	const struct history_series *h = &svc->hourly;
	struct json_object *a = json_object_new_array();

	if (!a)
		return NULL;
	for (int i = 0; i < STATUS_HOURS; i++) {
		struct json_object *o = json_object_new_object();

		if (!o || json_object_array_add(a, o)) {
			json_object_put(o);
			json_object_put(a);
			return NULL;
		}
		put(o, "hour_of_day", must(json_object_new_int(h->hour_of_day[i])));
		put(o, "hours_ago", must(json_object_new_int(STATUS_HOURS - 1 - i)));
		put(o, "measured", must(json_object_new_boolean(h->valid[i])));
		put(o, "cpu_seconds", h->valid[i] ? number(h->cpu_seconds[i]) : NULL);
		put(o, "requests", h->traffic[i] ? number(h->requests[i]) : NULL);
		put(o, "errors", h->traffic[i] ? number(h->errors[i]) : NULL);
	}
	return a;
}

static struct json_object *busy_object(const struct status_service *svc, enum status_lang lang)
{
	struct json_object *o;
	struct sbuf b;

	if (!svc->busy_known)
		return NULL;
	o = must(json_object_new_object());
	if (!o)
		return NULL;
	sbuf_init(&b);
	status_format_hours(&b, svc->busy_from, svc->busy_to, lang);
	put(o, "from_hour", must(json_object_new_int(svc->busy_from)));
	put(o, "to_hour", must(json_object_new_int(svc->busy_to)));
	put(o, "by", must_string(svc->hourly_requests ? "requests" : "cpu_seconds"));
	put(o, "text", text_string(&b));
	sbuf_free(&b);
	return o;
}

/* What the container runtime says about the service's container, or null. */
static struct json_object *container_object(const struct status_service *svc)
{
	struct json_object *o;

	if (!svc->has_container)
		return NULL;
	o = json_object_new_object();
	if (!o)
		return NULL;
	put(o, "name", clean_string(svc->container.container));
	put(o, "pod", clean_string(svc->container.pod));
	put(o, "namespace", clean_string(svc->container.namespace));
	put(o, "runtime", clean_string(svc->container.runtime));
	put(o, "image", clean_string(svc->container.image));
	return o;
}

static struct json_object *service_object(const struct status_service *svc,
					  const struct status_thresholds *t,
					  enum status_lang lang)
{
	const struct status_facts *f = &svc->facts;
	struct json_object *o = json_object_new_object(), *deps;
	struct sbuf b;

	if (!o)
		return NULL;
	sbuf_init(&b);
	status_sentence(&b, &svc->verdict, lang);
	put(o, "name", clean_string(svc->name));
	put(o, "status", must_string(status_level_key(svc->verdict.level)));
	put(o, "status_text", must_string(status_word(svc->verdict.level, lang)));
	put(o, "reason", must_string(status_reason_key(svc->verdict.reason)));
	put(o, "reason_text", text_string(&b));
	sbuf_free(&b);
	put(o, "container", svc->has_container ? must(container_object(svc)) : NULL);
	put(o, "up", must(json_object_new_boolean(f->up)));
	put(o, "down_since", svc->down_since ? must(json_object_new_int64(svc->down_since)) : NULL);
	put(o, "window_seconds", must(json_object_new_double(svc->window_seconds)));
	put(o, "cpu", must(cpu_object(f)));
	put(o, "memory", must(memory_object(f)));
	put(o, "oom_kills", must(json_object_new_int64((int64_t)f->oom_kills_recent)));
	put(o, "traffic", must(traffic_object(&f->traffic)));
	deps = json_object_new_array();
	for (size_t i = 0; deps && i < f->n_deps; i++) {
		struct json_object *dep = must(dependency_object(&f->deps[i], t));

		if (json_object_array_add(deps, dep)) {
			json_object_put(dep);
			json_failed = true;
		}
	}
	put(o, "dependencies", must(deps));
	put(o, "hourly_by", must_string(svc->hourly_requests ? "requests" : "cpu_seconds"));
	put(o, "hourly", must(hourly_array(svc)));
	put(o, "busy_hours", busy_object(svc, lang));
	return o;
}

static struct json_object *thresholds_object(const struct status_thresholds *t)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	put(o, "cpu_busy_ratio", number(t->cpu_busy_ratio));
	put(o, "memory_busy_ratio", number(t->memory_busy_ratio));
	put(o, "error_ratio", number(t->error_ratio));
	put(o, "latency_p95_seconds", number(t->latency_p95_seconds));
	return o;
}

static int serialise(struct sbuf *out, struct json_object *root)
{
	const char *text;
	size_t len = 0;

	if (!root || json_failed) {
		json_failed = false;
		json_object_put(root);
		return -ENOMEM;
	}
	text = json_object_to_json_string_length(root, JSON_C_TO_STRING_PLAIN |
						 JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (!text) {
		json_object_put(root);
		return -ENOMEM;
	}
	sbuf_add(out, text, len);
	sbuf_puts(out, "\n");
	json_object_put(root);
	return sbuf_error(out);
}

static struct json_object *timestamp(time_t t)
{
	char buf[32];
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm))
		return NULL;
	return must_string(buf);
}

int status_render_json_list(struct sbuf *out, const struct status_snapshot *s,
			    enum status_lang lang)
{
	struct json_object *root, *list, *summary;
	size_t counts[STATUS_LEVELS];

	json_failed = false;
	root = json_object_new_object();
	if (!root)
		return -ENOMEM;
	status_snapshot_summary(s, counts);
	put(root, "generated_at", must(timestamp(s->taken)));
	put(root, "language", must_string(status_lang_code(lang)));
	put(root, "thresholds", must(thresholds_object(&s->thresholds)));
	summary = json_object_new_object();
	for (int l = 0; summary && l < STATUS_LEVELS; l++)
		put(summary, status_level_key(l), must(json_object_new_int64((int64_t)counts[l])));
	put(root, "summary", must(summary));
	if (s->es_on) {
		struct json_object *es = must(json_object_new_object());

		if (!es)
			return serialise(out, root);	/* fails on json_failed */
		put(es, "reachable", must(json_object_new_boolean(!s->es_unreachable_since)));
		put(es, "unreachable_since", s->es_unreachable_since ?
		    must(timestamp(s->es_unreachable_since)) : NULL);
		put(es, "last_success", s->es_last_success ? must(timestamp(s->es_last_success)) : NULL);
		put(es, "queue_bytes", must(json_object_new_int64((int64_t)s->es_queue_bytes)));
		put(root, "elasticsearch", es);
	}
	list = json_object_new_array();
	for (size_t i = 0; list && i < s->n_services; i++) {
		struct json_object *svc = service_object(&s->services[i], &s->thresholds, lang);

		if (!svc || json_object_array_add(list, svc)) {
			json_object_put(svc);
			json_object_put(list);
			json_object_put(root);
			return -ENOMEM;
		}
	}
	put(root, "services", list);
	if (!list) {
		json_object_put(root);
		return -ENOMEM;
	}
	return serialise(out, root);
}

int status_render_json_one(struct sbuf *out, const struct status_snapshot *s,
			   enum status_lang lang)
{
	if (s->n_services == 0)
		return -ENOENT;
	json_failed = false;
	return serialise(out, service_object(&s->services[0], &s->thresholds, lang));
}

int status_render_json_error(struct sbuf *out, const char *message)
{
	struct json_object *root;

	json_failed = false;
	root = json_object_new_object();
	if (!root)
		return -ENOMEM;
	put(root, "error", must_string(message));
	return serialise(out, root);
}
