// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/stat.h>
#include <curl/curl.h>
#include <json-c/json.h>
#include "config.h"
#include "elasticsearch/elasticsearch.h"
#include "lib/clock.h"
#include "lib/gzip.h"
#include "elasticsearch/es_bulk.h"
#include "elasticsearch/es_spool.h"
#include "log.h"
#include "lib/sbuf.h"
#include "es_templates.h"

#define SECRET_MAX 4096
#define CONNECT_TIMEOUT_S 5L
#define REQUEST_TIMEOUT_S 30L
#define BACKOFF_FIRST_MS 250
#define BACKOFF_MAX_MS 30000
/* Error kinds logged once each; beyond this, still counted, no longer named. */
#define LOGGED_KINDS 32
#define KIND_MAX 96
/* On SIGTERM, one try per batch for at most this long; the rest stays spooled. */
#define STOP_FLUSH_S 5
/*
 * In the spool directory while Elasticsearch does not answer: the unix time
 * the outage began. A restart keeps that time, and `pantau --check` reads it.
 */
#define UNREACHABLE_FILE "unreachable-since"
#define CHECK_TIMEOUT_S 3L

/*
 * Where and how to connect: what a reload may change. The sender thread
 * takes a new one between batches (es_reconfigure).
 */
struct es_conn {
	char *urls[CONFIG_MAX_ES_URLS];
	size_t n_urls;
	char *auth_header;		/* "Authorization: ApiKey ..." */
	char *username, *password;	/* basic auth */
	char *ca_file;
	bool verify, gzip;
	unsigned flush_seconds;
};

struct es_exporter {
	struct spool spool;
	bool spool_open;
	struct es_conn conn;		/* the sender thread's, after start */
	size_t cur;			/* the URL in use */
	size_t batch_events;
	size_t batch_bytes;
	char *dead_letter_path;
	char *unreachable_path;
	uint64_t dead_letter_max;

	pthread_t thread;
	bool thread_started;
	pthread_mutex_t lock;
	pthread_cond_t wake;		/* CLOCK_MONOTONIC */
	bool stop;
	struct es_conn *pending;	/* from a reload, for the sender to take */

	/* Sender thread only. */
	CURL *curl;
	struct curl_slist *headers_plain, *headers_gzip, *headers_json;
	struct sbuf body, resp;
	unsigned char *gz;
	size_t gz_cap;
	char logged[LOGGED_KINDS][KIND_MAX];
	size_t n_logged;
	uint64_t dead_letter_bytes;	/* the file's size, as far as pantau wrote it */
	bool templates_done;
	unsigned seed;
	/* Events thread only. */
	bool warned_append, warned_sync;

	/* Read by scrapes with atomic loads. */
	uint64_t sent, retried, failed, not_spooled, dead_letter_dropped;
	int64_t last_success, unreachable_since;
};

static int64_t wall_s(void)
{
	return (int64_t)time(NULL);
}

static void add(uint64_t *counter, uint64_t n)
{
	__atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

/* A file holding a secret, without its trailing newline. */
static int read_secret(const char *path, char **out, char *err, size_t err_len)
{
	char buf[SECRET_MAX + 1];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		snprintf(err, err_len, "cannot read Elasticsearch credentials from %s: %s.",
			 path, strerror(e));
		return -e;
	}
	do
		n = read(fd, buf, SECRET_MAX + 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0 || n > SECRET_MAX) {
		snprintf(err, err_len, "cannot read Elasticsearch credentials from %s: %s.",
			 path, n < 0 ? strerror(errno) : "longer than 4 KiB");
		return n < 0 ? -EIO : -EFBIG;
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = '\0';
	if (!n || memchr(buf, '\n', (size_t)n)) {
		snprintf(err, err_len, "%s must hold one line: the Elasticsearch %s.", path,
			 "secret");
		return -EINVAL;
	}
	*out = strdup(buf);
	return *out ? 0 : -ENOMEM;
}

static char *base64(const char *s)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t len = strlen(s), o = 0;
	char *out = malloc(4 * ((len + 2) / 3) + 1);

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned char)s[i] << 16;

		v |= i + 1 < len ? (unsigned)(unsigned char)s[i + 1] << 8 : 0;
		v |= i + 2 < len ? (unsigned char)s[i + 2] : 0;
		out[o++] = tab[(v >> 18) & 63];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = i + 1 < len ? tab[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? tab[v & 63] : '=';
	}
	out[o] = '\0';
	return out;
}

/* Elasticsearch prints API keys as base64 "encoded", or as id and key apart. */
static int api_key_header(char **out, const char *path, char *err, size_t err_len)
{
	char *key = NULL, *enc = NULL;
	int rc;

	rc = read_secret(path, &key, err, err_len);
	if (rc)
		return rc;
	if (strchr(key, ':')) {
		enc = base64(key);
		if (!enc) {
			free(key);
			return -ENOMEM;
		}
	}
	rc = asprintf(out, "Authorization: ApiKey %s", enc ? enc : key);
	free(enc);
	free(key);
	if (rc < 0) {
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* Log each kind of failure once: a storm must not flood the journal. */
static bool first_time(struct es_exporter *es, const char *kind)
{
	for (size_t i = 0; i < es->n_logged; i++)
		if (!strcmp(es->logged[i], kind))
			return false;
	if (es->n_logged == LOGGED_KINDS)
		return false;
	snprintf(es->logged[es->n_logged++], KIND_MAX, "%s", kind);
	return true;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct sbuf *b = ctx;

	sbuf_add(b, data, size * nmemb);
	return sbuf_error(b) ? 0 : size * nmemb;
}

/* gzip body into es->gz at zlib's default level. Returns its length, 0 on failure. */
static size_t gzip_body(struct es_exporter *es, const char *in, size_t len)
{
	return gzip_into(in, len, 6, &es->gz, &es->gz_cap);
}

/*
 * One HTTP request to the current URL. Returns the HTTP status, or -1 when
 * no answer came (what went wrong in why).
 */
static long es_request(struct es_exporter *es, const char *method, const char *path,
		       const char *body, size_t len, bool ndjson, char *why, size_t why_len)
{
	char url[CONFIG_ES_URL_MAX + 64], curl_err[CURL_ERROR_SIZE] = "";
	const void *payload = body;
	size_t payload_len = len;
	long status = 0;
	CURLcode rc;

	snprintf(url, sizeof(url), "%s%s", es->conn.urls[es->cur], path);
	if (ndjson && es->conn.gzip) {
		payload_len = gzip_body(es, body, len);
		if (!payload_len) {
			snprintf(why, why_len, "cannot compress the request body");
			return -1;
		}
		payload = es->gz;
	}
	sbuf_reset(&es->resp);
	curl_easy_setopt(es->curl, CURLOPT_URL, url);
	curl_easy_setopt(es->curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(es->curl, CURLOPT_POSTFIELDS, payload);
	curl_easy_setopt(es->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)payload_len);
	curl_easy_setopt(es->curl, CURLOPT_HTTPHEADER, !ndjson ? es->headers_json :
			 es->conn.gzip ? es->headers_gzip : es->headers_plain);
	curl_easy_setopt(es->curl, CURLOPT_ERRORBUFFER, curl_err);
	rc = curl_easy_perform(es->curl);
	curl_easy_setopt(es->curl, CURLOPT_ERRORBUFFER, NULL);
	if (rc != CURLE_OK) {
		snprintf(why, why_len, "%s", curl_err[0] ? curl_err : curl_easy_strerror(rc));
		return -1;
	}
	curl_easy_getinfo(es->curl, CURLINFO_RESPONSE_CODE, &status);
	if (sbuf_error(&es->resp)) {
		snprintf(why, why_len, "answer too large or out of memory");
		return -1;
	}
	return status;
}

static void next_url(struct es_exporter *es)
{
	es->cur = (es->cur + 1) % es->conn.n_urls;
}

/* Sleep for the n-th back-off (full jitter over its upper half); false if stopped. */
static bool back_off(struct es_exporter *es, unsigned attempt)
{
	uint64_t ms = BACKOFF_FIRST_MS;
	struct timespec until;
	bool stop;

	for (unsigned i = 0; i < attempt && ms < BACKOFF_MAX_MS; i++)
		ms *= 2;
	if (ms > BACKOFF_MAX_MS)
		ms = BACKOFF_MAX_MS;
	ms = ms / 2 + (uint64_t)rand_r(&es->seed) % (ms / 2 + 1);
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += (time_t)(ms / 1000);
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&es->lock);
	while (!es->stop && pthread_cond_timedwait(&es->wake, &es->lock, &until) != ETIMEDOUT)
		;
	stop = es->stop;
	pthread_mutex_unlock(&es->lock);
	return !stop;
}

/* Install the index template, its component templates and the ILM policy. */
static void install_templates(struct es_exporter *es)
{
	static const struct { const char *path; const char *body; } objs[] = {
		{ "/_ilm/policy/pantau-events", es_ilm_policy },
		{ "/_component_template/pantau-events-settings", es_component_settings },
		{ "/_component_template/pantau-events-mappings", es_component_mappings },
		{ "/_index_template/pantau-events", es_index_template },
	};
	char why[256];

	for (size_t i = 0; i < sizeof(objs) / sizeof(objs[0]); i++) {
		long st = es_request(es, "PUT", objs[i].path, objs[i].body, strlen(objs[i].body),
				     false, why, sizeof(why));

		if (st < 0)
			return;	/* not reachable: tried again before the next batch */
		if (st == 403 || st == 401) {
			pt_warn("Elasticsearch at %s refused to install %s (HTTP %ld); pantau's "
				"mappings are not in place: give its user the manage_index_templates "
				"and manage_ilm privileges, or install dashboards/elasticsearch/ by hand.",
				es->conn.urls[es->cur], objs[i].path, st);
			break;
		}
		if (st < 200 || st >= 300)
			pt_warn("Elasticsearch at %s answered HTTP %ld to PUT %s: %.200s",
				es->conn.urls[es->cur], st, objs[i].path, es->resp.buf ? es->resp.buf : "");
	}
	es->templates_done = true;
}

/*
 * Keep a rejected event, with why, in the dead-letter file, up to its cap:
 * past it the event is only counted (the oldest ones, usually the first of
 * a mapping problem, are the ones worth keeping).
 */
static void dead_letter(struct es_exporter *es, const char *doc, size_t len,
			const struct es_item_result *r)
{
	struct json_object *o = json_object_new_object(), *e = json_object_new_object();
	const char *text = NULL;
	size_t text_len;
	FILE *f;

	if (o && e) {
		json_object_object_add(e, "type", json_object_new_string(r->type));
		json_object_object_add(e, "reason", json_object_new_string(r->reason));
		json_object_object_add(o, "status", json_object_new_int(r->status));
		json_object_object_add(o, "error", e);
		e = NULL;	/* o owns it */
		json_object_object_add(o, "document", json_object_new_string_len(doc, (int)len));
		text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	}
	json_object_put(e);
	if (!text) {
		add(&es->dead_letter_dropped, 1);
		if (first_time(es, "dead-letter memory"))
			pt_warn("cannot write a rejected event to %s: out of memory; counted in "
				"pantau_events_dropped_total{reason=\"es_dead_letter\"}.",
				es->dead_letter_path);
		json_object_put(o);
		return;
	}
	text_len = strlen(text) + 1;
	if (es->dead_letter_bytes + text_len > es->dead_letter_max) {
		add(&es->dead_letter_dropped, 1);
		if (first_time(es, "dead-letter full"))
			pt_warn("%s has reached elasticsearch.dead_letter_max_bytes (%llu bytes); "
				"further rejected events are not kept, only counted in "
				"pantau_events_dropped_total{reason=\"es_dead_letter\"}. Empty it once "
				"its events are fixed or re-sent.", es->dead_letter_path,
				(unsigned long long)es->dead_letter_max);
		json_object_put(o);
		return;
	}
	f = fopen(es->dead_letter_path, "ae");
	if (f && fprintf(f, "%s\n", text) > 0 && fclose(f) == 0) {
		es->dead_letter_bytes += text_len;
	} else {
		if (f)
			fclose(f);
		add(&es->dead_letter_dropped, 1);
		if (first_time(es, "dead-letter write"))
			pt_warn("cannot append to %s: %s; rejected events are counted in "
				"pantau_events_dropped_total{reason=\"es_dead_letter\"}.",
				es->dead_letter_path, strerror(errno));
	}
	json_object_put(o);
}

static void item_failed(struct es_exporter *es, const char *doc, size_t len,
			const struct es_item_result *r)
{
	char kind[KIND_MAX];

	add(&es->failed, 1);
	dead_letter(es, doc, len, r);
	snprintf(kind, sizeof(kind), "item %d %s", r->status, r->type);
	if (first_time(es, kind))
		pt_warn("Elasticsearch rejected an event (HTTP %d, %s: %s); it is in %s, and "
			"further events rejected this way are counted in "
			"pantau_exporter_events_total{exporter=\"elasticsearch\",outcome=\"failed\"}.",
			r->status, r->type[0] ? r->type : "no type", r->reason, es->dead_letter_path);
}

/* The outage's start recorded in dir, or 0. */
static int64_t read_unreachable(const char *path)
{
	long long since = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return 0;
	if (fscanf(f, "%lld", &since) != 1 || since < 0)
		since = 0;
	fclose(f);
	return (int64_t)since;
}

static void write_unreachable(struct es_exporter *es, int64_t since)
{
	char tmp[PATH_MAX];
	FILE *f;

	/* Renamed into place: a reader never sees half a line. */
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", es->unreachable_path) >= (int)sizeof(tmp))
		return;
	f = fopen(tmp, "we");
	if (!f)
		return;
	fprintf(f, "%lld %s\n", (long long)since, es->conn.urls[es->cur]);
	if (fclose(f) == 0)
		rename(tmp, es->unreachable_path);
	else
		unlink(tmp);
}

static void mark_unreachable(struct es_exporter *es, const char *why)
{
	int64_t zero = 0, now = wall_s();

	if (__atomic_compare_exchange_n(&es->unreachable_since, &zero, now, false,
					__ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
		write_unreachable(es, now);
		pt_warn("Elasticsearch at %s is unreachable (%s); events stay in the spool "
			"and are sent when it is back.", es->conn.urls[es->cur], why);
	}
}

static void mark_reachable(struct es_exporter *es)
{
	if (__atomic_exchange_n(&es->unreachable_since, 0, __ATOMIC_RELAXED)) {
		unlink(es->unreachable_path);
		pt_info("Elasticsearch at %s is reachable again.", es->conn.urls[es->cur]);
		/* It may have been replaced, templates and all. */
		es->templates_done = false;
	}
	__atomic_store_n(&es->last_success, wall_s(), __ATOMIC_RELAXED);
}

/*
 * Deliver every document of b, item by item, retrying what Elasticsearch
 * could not take yet. A 413 (body over http.max_content_length) halves the
 * number of documents per request for the rest of the batch, at once; a
 * single document that is still too large is rejected for good. 0 when
 * every item is settled (stored, already there, or rejected for good);
 * -EAGAIN when stopped first, or after one try if once.
 */
static int deliver(struct es_exporter *es, const struct spool_batch *b, bool *settled,
		   size_t *slot, struct es_item_result *results, bool once)
{
	char why[CURL_ERROR_SIZE + 64], kind[KIND_MAX];
	size_t per_request = b->n;
	unsigned attempt = 0;

	memset(settled, 0, b->n * sizeof(*settled));
	for (;;) {
		bool pause = true;
		size_t n = 0;
		long st;

		if (!es->templates_done)
			install_templates(es);
		sbuf_reset(&es->body);
		for (size_t i = 0; i < b->n && n < per_request; i++) {
			const char *doc = b->data + b->offs[i];
			int rc;

			if (settled[i])
				continue;
			rc = es_bulk_add(&es->body, doc, b->lens[i]);
			if (rc == -EINVAL) {
				struct es_item_result r = { .status = 0, .type = "not_a_pantau_event",
							    .reason = "not JSON or no known event.dataset" };

				item_failed(es, doc, b->lens[i], &r);
				settled[i] = true;
				continue;
			}
			if (rc)
				return rc;
			slot[n++] = i;
		}
		if (!n)
			return 0;
		st = es_request(es, "POST", "/_bulk", es->body.buf, es->body.len, true,
				why, sizeof(why));
		if (st == 200 && es_bulk_parse(es->resp.buf, es->resp.len, results, n) == 0) {
			size_t left = 0;

			mark_reachable(es);
			for (size_t k = 0; k < n; k++) {
				size_t i = slot[k];

				switch (es_item_fate(results[k].status)) {
				case ES_ITEM_DONE:
					add(&es->sent, 1);
					settled[i] = true;
					break;
				case ES_ITEM_FAILED:
					item_failed(es, b->data + b->offs[i], b->lens[i], &results[k]);
					settled[i] = true;
					break;
				case ES_ITEM_RETRY:
					left++;
					snprintf(kind, sizeof(kind), "retry item %d", results[k].status);
					if (first_time(es, kind))
						pt_info("Elasticsearch is busy (item HTTP %d, %s); "
							"those events are sent again after a pause.",
							results[k].status, results[k].type);
					break;
				}
			}
			add(&es->retried, left);
			/* Some got through: Elasticsearch is coping, so the pause need not grow. */
			if (left < n)
				attempt = 0;
			/* All taken: the rest of a split batch goes without a pause. */
			pause = left > 0;
		} else if (st == 413) {
			mark_reachable(es);
			if (n > 1) {
				if (first_time(es, "bulk 413"))
					pt_warn("Elasticsearch at %s refused a _bulk request of %zu bytes "
						"as too large (HTTP 413); pantau splits such batches in "
						"halves. Lower elasticsearch.batch_bytes below the "
						"cluster's http.max_content_length.",
						es->conn.urls[es->cur], es->body.len);
				add(&es->retried, n);
				per_request = n / 2;
				pause = false;
			} else {
				struct es_item_result r = { .status = 413, .type = "content_too_long",
							    .reason = "a _bulk request of this one event is "
								      "over http.max_content_length" };

				item_failed(es, b->data + b->offs[slot[0]], b->lens[slot[0]], &r);
				settled[slot[0]] = true;
				pause = false;
			}
		} else {
			add(&es->retried, n);
			if (st < 0) {
				mark_unreachable(es, why);
			} else {
				snprintf(kind, sizeof(kind), "bulk %ld", st);
				if (first_time(es, kind))
					pt_warn("Elasticsearch at %s answered HTTP %ld to _bulk: %.200s; "
						"pantau sends the batch again after a pause.",
						es->conn.urls[es->cur], st, es->resp.buf ? es->resp.buf : "");
			}
			/* Another node may be fine; a busy one (429) gets the same pause. */
			next_url(es);
		}
		if (!pause)
			continue;
		if (once || !back_off(es, attempt))
			return -EAGAIN;
		attempt++;
	}
}

static int setup_curl(struct es_exporter *es);
static void teardown_curl(struct es_exporter *es);
static void conn_adopt(struct es_exporter *es, struct es_conn *c);
static void conn_free(struct es_conn *c);

/*
 * A reload's settings, between two batches: new connections, and the
 * templates checked again, since the URLs may name another cluster.
 */
static void take_conn(struct es_exporter *es, struct es_conn *next)
{
	conn_adopt(es, next);
	free(next);
	teardown_curl(es);
	es->templates_done = false;
	es->n_logged = 0;
	pt_info("Elasticsearch exporter: new settings applied, sending to %s%s.", es->conn.urls[0],
		es->conn.n_urls > 1 ? " and the other URLs" : "");
}

static void *sender_thread(void *arg)
{
	struct es_exporter *es = arg;
	struct es_item_result *results = calloc(es->batch_events, sizeof(*results));
	size_t *slot = calloc(es->batch_events, sizeof(*slot));
	bool *settled = calloc(es->batch_events, sizeof(*settled));
	uint64_t first_ms = 0, stop_deadline = 0;
	struct spool_batch b;

	if (!results || !slot || !settled || spool_batch_init(&b, es->batch_events)) {
		pt_err("Elasticsearch sender: out of memory; events stay in the spool.");
		goto out_free;
	}
	for (;;) {
		struct es_conn *next;
		bool stopping, due;
		uint64_t now;
		int rc;


		pthread_mutex_lock(&es->lock);
		stopping = es->stop;
		next = es->pending;
		es->pending = NULL;
		pthread_mutex_unlock(&es->lock);
		if (next)
			take_conn(es, next);
		if (!es->curl && setup_curl(es)) {
			if (first_time(es, "curl"))
				pt_warn("Elasticsearch exporter: cannot set up a connection: out of "
					"memory; events stay in the spool.");
			if (stopping || !back_off(es, 4))
				break;
			continue;
		}
		now = mono_ms();
		if (stopping && !stop_deadline)
			stop_deadline = now + STOP_FLUSH_S * 1000;
		if (stopping && now >= stop_deadline)
			break;
		rc = spool_read(&es->spool, &b, es->batch_events, es->batch_bytes);
		if (rc < 0 && first_time(es, "spool read"))
			pt_warn("cannot read the Elasticsearch spool: %s.", strerror(-rc));
		if (b.n && !first_ms)
			first_ms = now;
		due = b.n && (b.n >= es->batch_events || b.len >= es->batch_bytes || stopping ||
			      now - first_ms >= es->conn.flush_seconds * 1000ULL);
		if (!due) {
			struct timespec until;

			if (stopping)
				break;
			clock_gettime(CLOCK_MONOTONIC, &until);
			until.tv_sec += 1;
			pthread_mutex_lock(&es->lock);
			if (!es->stop)
				pthread_cond_timedwait(&es->wake, &es->lock, &until);
			pthread_mutex_unlock(&es->lock);
			continue;
		}
		rc = deliver(es, &b, settled, slot, results, stopping);
		if (rc == 0) {
			spool_ack(&es->spool, &b);
			spool_batch_reset(&b);
			first_ms = 0;
		} else if (stopping) {
			break;
		} else if (rc != -EAGAIN) {
			if (first_time(es, "deliver"))
				pt_warn("cannot build an Elasticsearch request: %s.", strerror(-rc));
			if (!back_off(es, 4))
				continue;
		}
	}
out_free:
	spool_batch_free(&b);
	free(results);
	free(slot);
	free(settled);
	return NULL;
}

static struct curl_slist *headers(struct es_exporter *es, const char *type, bool gzip)
{
	struct curl_slist *h = NULL, *t;

	if (!(t = curl_slist_append(h, type)))
		return NULL;
	h = t;
	if (gzip && !(t = curl_slist_append(h, "Content-Encoding: gzip")))
		goto fail;
	h = t;
	/* libcurl would wait for a 100 Continue on large bodies first. */
	if (!(t = curl_slist_append(h, "Expect:")))
		goto fail;
	h = t;
	if (es->conn.auth_header && !(t = curl_slist_append(h, es->conn.auth_header)))
		goto fail;
	return t;
fail:
	curl_slist_free_all(h);
	return NULL;
}

static void teardown_curl(struct es_exporter *es)
{
	if (es->curl)
		curl_easy_cleanup(es->curl);
	curl_slist_free_all(es->headers_plain);
	curl_slist_free_all(es->headers_gzip);
	curl_slist_free_all(es->headers_json);
	es->curl = NULL;
	es->headers_plain = es->headers_gzip = es->headers_json = NULL;
}

static int setup_curl(struct es_exporter *es)
{
	es->curl = curl_easy_init();
	es->headers_plain = headers(es, "Content-Type: application/x-ndjson", false);
	es->headers_gzip = headers(es, "Content-Type: application/x-ndjson", true);
	es->headers_json = headers(es, "Content-Type: application/json", false);
	if (!es->curl || !es->headers_plain || !es->headers_gzip || !es->headers_json) {
		teardown_curl(es);
		return -ENOMEM;
	}
	curl_easy_setopt(es->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(es->curl, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_S);
	curl_easy_setopt(es->curl, CURLOPT_TIMEOUT, REQUEST_TIMEOUT_S);
	curl_easy_setopt(es->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(es->curl, CURLOPT_WRITEDATA, &es->resp);
	curl_easy_setopt(es->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(es->curl, CURLOPT_SSL_VERIFYPEER, es->conn.verify ? 1L : 0L);
	curl_easy_setopt(es->curl, CURLOPT_SSL_VERIFYHOST, es->conn.verify ? 2L : 0L);
	if (es->conn.ca_file)
		curl_easy_setopt(es->curl, CURLOPT_CAINFO, es->conn.ca_file);
	if (es->conn.username) {
		curl_easy_setopt(es->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(es->curl, CURLOPT_USERNAME, es->conn.username);
		curl_easy_setopt(es->curl, CURLOPT_PASSWORD, es->conn.password);
	}
	return 0;
}

static void conn_free(struct es_conn *c)
{
	for (size_t i = 0; i < c->n_urls; i++)
		free(c->urls[i]);
	free(c->auth_header);
	free(c->username);
	free(c->password);
	free(c->ca_file);
	memset(c, 0, sizeof(*c));
}

/* The connection settings of cfg, secrets read from their files now. */
static int conn_load(struct es_conn *c, const struct pantau_config *cfg, char *err, size_t err_len)
{
	int rc = -ENOMEM;

	memset(c, 0, sizeof(*c));
	c->verify = cfg->es_verify;
	c->gzip = cfg->es_gzip;
	c->flush_seconds = cfg->es_flush_seconds;
	for (size_t i = 0; i < cfg->n_es_urls; i++) {
		c->urls[i] = strdup(cfg->es_urls[i]);
		if (!c->urls[i])
			goto nomem;
		c->n_urls++;
	}
	if (cfg->es_ca_file[0] && !(c->ca_file = strdup(cfg->es_ca_file)))
		goto nomem;
	if (cfg->es_api_key_file[0]) {
		rc = api_key_header(&c->auth_header, cfg->es_api_key_file, err, err_len);
		if (rc)
			goto fail;
	}
	if (cfg->es_username[0]) {
		rc = -ENOMEM;
		c->username = strdup(cfg->es_username);
		if (!c->username)
			goto nomem;
		rc = read_secret(cfg->es_password_file, &c->password, err, err_len);
		if (rc)
			goto fail;
	}
	return 0;
nomem:
	snprintf(err, err_len, "cannot read the Elasticsearch settings: out of memory.");
fail:
	conn_free(c);
	return rc;
}

/* Make c the exporter's connection settings; c is left empty. */
static void conn_adopt(struct es_exporter *es, struct es_conn *c)
{
	conn_free(&es->conn);
	es->conn = *c;
	es->cur = 0;
	memset(c, 0, sizeof(*c));
}

static void es_free(struct es_exporter *es)
{
	teardown_curl(es);
	sbuf_free(&es->body);
	sbuf_free(&es->resp);
	free(es->gz);
	conn_free(&es->conn);
	free(es->dead_letter_path);
	free(es->unreachable_path);
	if (es->pending) {
		conn_free(es->pending);
		free(es->pending);
	}
	if (es->spool_open)
		spool_close(&es->spool);
	pthread_cond_destroy(&es->wake);
	pthread_mutex_destroy(&es->lock);
	free(es);
}

int es_start(struct es_exporter **out, const struct pantau_config *cfg, char *err, size_t err_len)
{
	struct es_exporter *es = calloc(1, sizeof(*es));
	pthread_condattr_t ca;
	struct es_conn c;
	int rc;

	*out = NULL;
	if (!es) {
		snprintf(err, err_len, "cannot start the Elasticsearch exporter: out of memory.");
		return -ENOMEM;
	}
	/* Called once, from the main thread at start: libcurl's global setup is not thread-safe. */
	curl_global_init(CURL_GLOBAL_DEFAULT);
	pthread_mutex_init(&es->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&es->wake, &ca);
	pthread_condattr_destroy(&ca);
	sbuf_init(&es->body);
	sbuf_init(&es->resp);
	es->batch_events = cfg->es_batch_events;
	es->batch_bytes = (size_t)cfg->es_batch_bytes;
	es->seed = (unsigned)getpid() ^ (unsigned)time(NULL);
	rc = conn_load(&c, cfg, err, err_len);
	if (rc)
		goto fail;
	conn_adopt(es, &c);
	rc = -ENOMEM;
	if (asprintf(&es->dead_letter_path, "%s/dead-letter.ndjson", cfg->es_spool_dir) < 0) {
		es->dead_letter_path = NULL;
		goto nomem;
	}
	es->dead_letter_max = cfg->es_dead_letter_max_bytes;
	{
		struct stat st;

		/* The file may hold rejects of earlier runs: they count against the cap. */
		if (stat(es->dead_letter_path, &st) == 0)
			es->dead_letter_bytes = (uint64_t)st.st_size;
	}
	if (asprintf(&es->unreachable_path, "%s/" UNREACHABLE_FILE, cfg->es_spool_dir) < 0) {
		es->unreachable_path = NULL;
		goto nomem;
	}
	rc = spool_open(&es->spool, cfg->es_spool_dir, cfg->es_spool_max_bytes, err, err_len);
	if (rc)
		goto fail;
	es->spool_open = true;
	if (es->spool.recovered)
		pt_info("Elasticsearch spool %s: %llu events from an earlier run to send.",
			cfg->es_spool_dir, (unsigned long long)es->spool.recovered);
	es->unreachable_since = read_unreachable(es->unreachable_path);
	if (es->unreachable_since)
		pt_info("Elasticsearch was unreachable when pantau last ran, since %lld (unix time); "
			"that outage goes on until a request gets an answer.",
			(long long)es->unreachable_since);
	rc = setup_curl(es);
	if (rc)
		goto nomem;
	rc = pthread_create(&es->thread, NULL, sender_thread, es);
	if (rc) {
		snprintf(err, err_len, "cannot start the Elasticsearch sender thread: %s.",
			 strerror(rc));
		rc = -rc;
		goto fail;
	}
	es->thread_started = true;
	*out = es;
	return 0;
nomem:
	rc = -ENOMEM;
	snprintf(err, err_len, "cannot start the Elasticsearch exporter: out of memory.");
fail:
	es_free(es);
	return rc;
}

int es_submit(struct es_exporter *es, const char *doc, size_t len)
{
	int rc = spool_append(&es->spool, doc, len);

	if (rc) {
		add(&es->not_spooled, 1);
		if (!es->warned_append && (es->warned_append = true))
			pt_warn("cannot write to the Elasticsearch spool %s: %s; events that cannot "
				"be spooled are counted as dropped.", es->spool.dir, strerror(-rc));
	}
	return rc;
}

void es_commit(struct es_exporter *es)
{
	int rc = spool_sync(&es->spool);

	if (rc && !es->warned_sync && (es->warned_sync = true))
		pt_warn("cannot write or fsync the Elasticsearch spool %s: %s; events that "
			"could not be written are counted as dropped.", es->spool.dir, strerror(-rc));
	pthread_mutex_lock(&es->lock);
	pthread_cond_signal(&es->wake);
	pthread_mutex_unlock(&es->lock);
}

int es_reconfigure(struct es_exporter *es, const struct pantau_config *cfg, char *err,
		   size_t err_len)
{
	struct es_conn *c = malloc(sizeof(*c));
	int rc;

	if (!c) {
		snprintf(err, err_len, "cannot apply the Elasticsearch settings: out of memory.");
		return -ENOMEM;
	}
	rc = conn_load(c, cfg, err, err_len);
	if (rc) {
		free(c);
		return rc;
	}
	pthread_mutex_lock(&es->lock);
	if (es->pending) {
		conn_free(es->pending);
		free(es->pending);
	}
	es->pending = c;
	pthread_cond_signal(&es->wake);
	pthread_mutex_unlock(&es->lock);
	return 0;
}

void es_stop(struct es_exporter *es)
{
	if (!es)
		return;
	if (es->thread_started) {
		pthread_mutex_lock(&es->lock);
		es->stop = true;
		pthread_cond_broadcast(&es->wake);
		pthread_mutex_unlock(&es->lock);
		pthread_join(es->thread, NULL);
	}
	es_free(es);
}

void es_get_stats(struct es_exporter *es, struct es_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (!es)
		return;
	st->accepted = __atomic_load_n(&es->spool.accepted, __ATOMIC_RELAXED);
	st->sent = __atomic_load_n(&es->sent, __ATOMIC_RELAXED);
	st->retried = __atomic_load_n(&es->retried, __ATOMIC_RELAXED);
	st->failed = __atomic_load_n(&es->failed, __ATOMIC_RELAXED);
	st->dropped = __atomic_load_n(&es->spool.dropped, __ATOMIC_RELAXED) +
		      __atomic_load_n(&es->spool.lost, __ATOMIC_RELAXED) +
		      __atomic_load_n(&es->not_spooled, __ATOMIC_RELAXED);
	st->queue_bytes = spool_bytes(&es->spool);
	st->last_success = __atomic_load_n(&es->last_success, __ATOMIC_RELAXED);
	st->unreachable_since = __atomic_load_n(&es->unreachable_since, __ATOMIC_RELAXED);
	st->dead_letter_dropped = __atomic_load_n(&es->dead_letter_dropped, __ATOMIC_RELAXED);
}

static uint64_t spool_dir_bytes(const char *dir)
{
	uint64_t total = 0;
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		struct stat st;

		if (len > 4 && !strcmp(de->d_name + len - 4, ".seg") &&
		    fstatat(dirfd(d), de->d_name, &st, 0) == 0)
			total += (uint64_t)st.st_size;
	}
	closedir(d);
	return total;
}

static size_t discard_body(char *data, size_t size, size_t nmemb, void *ctx)
{
	(void)data;
	(void)ctx;
	return size * nmemb;
}

void es_check(const struct pantau_config *cfg, FILE *out)
{
	char marker[PATH_MAX], when[64];
	time_t since;
	struct tm tm;

	if (!cfg->n_es_urls)
		return;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	for (size_t i = 0; i < cfg->n_es_urls; i++) {
		char err[CURL_ERROR_SIZE] = "";
		CURL *c = curl_easy_init();
		long status = 0;
		CURLcode rc;

		if (!c) {
			fprintf(out, "Elasticsearch at %s: not checked (out of memory)\n", cfg->es_urls[i]);
			continue;
		}
		curl_easy_setopt(c, CURLOPT_URL, cfg->es_urls[i]);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, CHECK_TIMEOUT_S);
		curl_easy_setopt(c, CURLOPT_TIMEOUT, CHECK_TIMEOUT_S);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard_body);
		curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
		curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, cfg->es_verify ? 1L : 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, cfg->es_verify ? 2L : 0L);
		if (cfg->es_ca_file[0])
			curl_easy_setopt(c, CURLOPT_CAINFO, cfg->es_ca_file);
		rc = curl_easy_perform(c);
		if (rc == CURLE_OK) {
			curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
			fprintf(out, "Elasticsearch at %s: answers (HTTP %ld)\n", cfg->es_urls[i], status);
		} else {
			fprintf(out, "Elasticsearch at %s: unreachable (%s)\n", cfg->es_urls[i],
				err[0] ? err : curl_easy_strerror(rc));
		}
		curl_easy_cleanup(c);
	}
	if (snprintf(marker, sizeof(marker), "%s/" UNREACHABLE_FILE, cfg->es_spool_dir) >=
	    (int)sizeof(marker))
		return;
	since = (time_t)read_unreachable(marker);
	if (since && localtime_r(&since, &tm) && strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %Z", &tm))
		fprintf(out, "Elasticsearch unreachable since %s, as pantau recorded in %s; "
			"%.1f MiB of events wait in its spool\n", when, cfg->es_spool_dir,
			(double)spool_dir_bytes(cfg->es_spool_dir) / (1024.0 * 1024.0));
}

/* A document that could not be serialized is the JSON-lines sink's to count. */
static void es_sink_submit(void *ctx, const char *line, size_t len)
{
	if (line)
		es_submit(ctx, line, len);
}

static void es_sink_commit(void *ctx)
{
	es_commit(ctx);
}

struct event_sink es_event_sink(struct es_exporter *es)
{
	return (struct event_sink){ .ctx = es, .submit = es_sink_submit, .commit = es_sink_commit };
}
