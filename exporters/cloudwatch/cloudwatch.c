// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The CloudWatch exporter's thread. Every interval it collects, copies the
 * cumulative totals it needs under the daemon lock, and then, without the
 * lock, turns them into the interval's figures (differences from the last
 * copy) and writes one EMF document per line.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cloudwatch/cloudwatch.h"
#include "cloudwatch/cloudwatch_emf.h"
#include "collectors/collector.h"
#include "daemon.h"
#include "collectors/disk_collector.h"
#include "lib/clock.h"
#include "lib/dirs.h"
#include "lib/hist.h"
#include "log.h"
#include "collectors/request_collector.h"

/*
 * Cumulative totals of one service (peer "") or of one service's calls to
 * one peer, as of one copy.
 */
struct cw_sample {
	bool is_peer;
	char service[SERVICE_NAME_MAX];
	char peer[PEER_NAME_MAX];
	bool has_up, up, traffic;
	bool cpu_limit_set, memory_limit_set;
	double cpu_limit_cores;
	uint64_t memory_limit_bytes;
	uint64_t cpu_ns, rss_bytes;
	uint64_t disk_read_bytes, disk_write_bytes, disk_read_ops, disk_write_ops;
	uint64_t net_received, net_sent;
	uint64_t requests, errors;	/* peers: calls, failed calls */
	uint64_t slots[NET_REQ_SLOTS];
};

/* What is copied under the lock; everything else is done without it. */
struct cw_copy {
	struct cw_sample *rows;
	size_t n_services, n_rows;
	struct disk_total *disk;
	size_t n_disk;
	struct request_total *req;
	size_t n_req;
	struct latency_total *lat;
	size_t n_lat;
	uint64_t t_ns;
	int64_t wall_ms;
};

static void copy_free(struct cw_copy *c)
{
	free(c->rows);
	free(c->disk);
	free(c->req);
	free(c->lat);
	memset(c, 0, sizeof(*c));
}

/* A copy of n elements of size bytes, or -ENOMEM; n == 0 gives NULL. */
static int dup_array(void **out, const void *src, size_t n, size_t size)
{
	*out = NULL;
	if (!n)
		return 0;
	*out = malloc(n * size);
	if (!*out)
		return -ENOMEM;
	memcpy(*out, src, n * size);
	return 0;
}

static size_t count_client_rows(const struct cw_copy *c)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n_req; i++)
		n += c->req[i].key.role == NET_ROLE_CLIENT;
	for (size_t i = 0; i < c->n_lat; i++)
		n += c->lat[i].key.role == NET_ROLE_CLIENT;
	return n;
}

/* The caller holds d->lock. Rows get room for every peer row as well. */
static int copy_locked(struct daemon *d, struct cw_copy *c)
{
	struct registry *r = &d->registry;
	struct request_total *req;
	struct latency_total *lat;
	struct disk_total *disk;
	size_t n_used = 0, n_client;

	memset(c, 0, sizeof(*c));
	c->n_disk = disk_totals(&disk);
	c->n_req = request_totals(&req);
	c->n_lat = latency_totals(&lat);
	if (dup_array((void **)&c->disk, disk, c->n_disk, sizeof(*disk)) ||
	    dup_array((void **)&c->req, req, c->n_req, sizeof(*req)) ||
	    dup_array((void **)&c->lat, lat, c->n_lat, sizeof(*lat)))
		goto nomem;
	for (size_t i = 0; i < r->n_services; i++)
		n_used += r->services[i].used;
	n_client = count_client_rows(c);
	if (n_used + n_client) {
		c->rows = calloc(n_used + n_client, sizeof(*c->rows));
		if (!c->rows)
			goto nomem;
	}
	for (size_t i = 0; i < r->n_services; i++) {
		struct service *s = &r->services[i];
		struct cw_sample *row;

		if (!s->used)
			continue;
		row = &c->rows[c->n_services++];
		snprintf(row->service, sizeof(row->service), "%s", s->name);
		row->has_up = !s->pseudo;
		row->up = s->up;
		row->cpu_ns = service_cpu_ns(s);
		row->rss_bytes = s->rss_bytes;
		row->cpu_limit_set = s->limits.cpu_set && s->limits.cpu_cores > 0;
		row->cpu_limit_cores = s->limits.cpu_cores;
		row->memory_limit_set = s->limits.memory_set && s->limits.memory_bytes > 0;
		row->memory_limit_bytes = s->limits.memory_bytes;
		row->net_received = s->net.bytes_received;
		row->net_sent = s->net.bytes_sent;
	}
	c->n_rows = c->n_services;
	return 0;
nomem:
	copy_free(c);
	return -ENOMEM;
}

static int sample_cmp(const void *a, const void *b)
{
	const struct cw_sample *x = a, *y = b;
	int rc;

	if (x->is_peer != y->is_peer)
		return x->is_peer ? 1 : -1;
	rc = strcmp(x->service, y->service);
	return rc ? rc : strcmp(x->peer, y->peer);
}

static struct cw_sample *find(struct cw_sample *rows, size_t n, bool is_peer,
			      const char *service, const char *peer)
{
	struct cw_sample key;

	/* bsearch's base must not be NULL, even with no element. */
	if (!n)
		return NULL;
	key.is_peer = is_peer;
	snprintf(key.service, sizeof(key.service), "%s", service);
	snprintf(key.peer, sizeof(key.peer), "%s", is_peer ? peer : "");
	return bsearch(&key, rows, n, sizeof(*rows), sample_cmp);
}

static void add_peer_row(struct cw_copy *c, const char *service, const char *peer)
{
	struct cw_sample *row = &c->rows[c->n_rows++];

	row->is_peer = true;
	snprintf(row->service, sizeof(row->service), "%s", service);
	snprintf(row->peer, sizeof(row->peer), "%s", peer);
}

static bool is_failure(const struct request_total_key *k)
{
	return k->status_class == 5 ||
	       (k->role == NET_ROLE_CLIENT && k->method == NET_METHOD_CONNECT_FAILED);
}

/*
 * Without the lock: peer rows, sorted with the services, then the disk,
 * request and latency totals added to their rows.
 */
static void fold_totals(struct cw_copy *c)
{
	size_t kept = 0;

	for (size_t i = 0; i < c->n_req; i++)
		if (c->req[i].key.role == NET_ROLE_CLIENT)
			add_peer_row(c, c->req[i].key.service, c->req[i].key.peer);
	for (size_t i = 0; i < c->n_lat; i++)
		if (c->lat[i].key.role == NET_ROLE_CLIENT)
			add_peer_row(c, c->lat[i].key.service, c->lat[i].key.peer);
	if (c->n_rows)
		qsort(c->rows, c->n_rows, sizeof(*c->rows), sample_cmp);
	for (size_t i = 0; i < c->n_rows; i++)
		if (!kept || sample_cmp(&c->rows[kept - 1], &c->rows[i]) != 0)
			c->rows[kept++] = c->rows[i];
	c->n_rows = kept;

	for (size_t i = 0; i < c->n_disk; i++) {
		const struct disk_total *t = &c->disk[i];
		struct cw_sample *row = find(c->rows, c->n_rows, false, t->key.service, "");

		if (!row)
			continue;
		if (t->key.op == DISK_OP_READ) {
			row->disk_read_bytes += t->stats.bytes;
			row->disk_read_ops += t->stats.ops;
		} else if (t->key.op == DISK_OP_WRITE) {
			row->disk_write_bytes += t->stats.bytes;
			row->disk_write_ops += t->stats.ops;
		}
	}
	for (size_t i = 0; i < c->n_req; i++) {
		const struct request_total *t = &c->req[i];
		bool client = t->key.role == NET_ROLE_CLIENT;
		struct cw_sample *row = find(c->rows, c->n_rows, client, t->key.service,
					     t->key.peer);

		if (!row)
			continue;
		row->traffic = true;
		row->requests += t->count;
		if (client ? is_failure(&t->key) : t->key.status_class == 5)
			row->errors += t->count;
	}
	for (size_t i = 0; i < c->n_lat; i++) {
		const struct latency_total *t = &c->lat[i];
		bool client = t->key.role == NET_ROLE_CLIENT;
		struct cw_sample *row;

		if (t->key.role == NET_ROLE_CONNECT)
			continue;	/* connect times are not request latency */
		row = find(c->rows, c->n_rows, client, t->key.service, t->key.peer);
		if (!row)
			continue;
		row->traffic = true;
		for (size_t k = 0; k < NET_REQ_SLOTS; k++)
			row->slots[k] += t->lat.slots[k];
	}
}

/* A counter that went down started again (a reused name): count it whole. */
static uint64_t delta(uint64_t cur, uint64_t prev)
{
	return cur >= prev ? cur - prev : cur;
}

struct interval {
	uint64_t requests, errors;
	uint64_t slots[NET_REQ_SLOTS];
	double p50, p95, p99;
};

static void interval_traffic(const struct cw_sample *cur, const struct cw_sample *prev,
			     struct interval *out)
{
	out->requests = delta(cur->requests, prev ? prev->requests : 0);
	out->errors = delta(cur->errors, prev ? prev->errors : 0);
	if (out->errors > out->requests)
		out->errors = out->requests;
	for (size_t k = 0; k < NET_REQ_SLOTS; k++)
		out->slots[k] = delta(cur->slots[k], prev ? prev->slots[k] : 0);
	out->p50 = hist_quantile(0.50, out->slots, NET_REQ_SLOTS, request_slot_upper_seconds);
	out->p95 = hist_quantile(0.95, out->slots, NET_REQ_SLOTS, request_slot_upper_seconds);
	out->p99 = hist_quantile(0.99, out->slots, NET_REQ_SLOTS, request_slot_upper_seconds);
}

/* One line, written whole: standard output may be shared with the event sink. */
static void write_doc(struct cloudwatch *cw, struct json_object *doc)
{
	const char *text = doc ? json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN |
								JSON_C_TO_STRING_NOSLASHESCAPE) : NULL;
	bool ok;

	if (text) {
		flockfile(cw->out);
		ok = fputs(text, cw->out) != EOF && fputc('\n', cw->out) != EOF &&
		     fflush(cw->out) != EOF;
		funlockfile(cw->out);
	} else {
		ok = false;
	}
	__atomic_fetch_add(ok ? &cw->written : &cw->errors, 1, __ATOMIC_RELAXED);
	json_object_put(doc);
}

static void service_figures(const struct cw_sample *cur, const struct cw_sample *prev,
			    double seconds, long host_cpus, struct emf_service_figures *f)
{
	struct interval iv;
	uint64_t cpu_prev = prev ? prev->cpu_ns : 0;

	memset(f, 0, sizeof(*f));
	snprintf(f->service, sizeof(f->service), "%s", cur->service);
	f->has_up = cur->has_up;
	f->up = cur->up;
	/* The running slice is an estimate: never less CPU than before. */
	f->vcpu = cur->cpu_ns > cpu_prev ? (double)(cur->cpu_ns - cpu_prev) / 1e9 / seconds : 0;
	if (cur->cpu_limit_set)
		f->cpu_share = f->vcpu / cur->cpu_limit_cores;
	else
		f->cpu_share = host_cpus > 0 ? f->vcpu / (double)host_cpus : NAN;
	f->memory_rss_bytes = cur->rss_bytes;
	f->memory_share = cur->memory_limit_set ?
		(double)cur->rss_bytes / (double)cur->memory_limit_bytes : NAN;
	f->disk_read_bytes = delta(cur->disk_read_bytes, prev ? prev->disk_read_bytes : 0);
	f->disk_write_bytes = delta(cur->disk_write_bytes, prev ? prev->disk_write_bytes : 0);
	f->disk_read_ops = delta(cur->disk_read_ops, prev ? prev->disk_read_ops : 0);
	f->disk_write_ops = delta(cur->disk_write_ops, prev ? prev->disk_write_ops : 0);
	f->net_received_bytes = delta(cur->net_received, prev ? prev->net_received : 0);
	f->net_sent_bytes = delta(cur->net_sent, prev ? prev->net_sent : 0);
	f->traffic = cur->traffic;
	interval_traffic(cur, prev, &iv);
	f->requests = iv.requests;
	f->errors = iv.errors;
	f->p50_seconds = iv.p50;
	f->p95_seconds = iv.p95;
	f->p99_seconds = iv.p99;
}

static void peer_figures(const struct cw_sample *cur, const struct cw_sample *prev,
			 struct emf_peer_figures *f)
{
	struct interval iv;

	memset(f, 0, sizeof(*f));
	snprintf(f->service, sizeof(f->service), "%s", cur->service);
	snprintf(f->peer, sizeof(f->peer), "%s", cur->peer);
	interval_traffic(cur, prev, &iv);
	f->calls = iv.requests;
	f->errors = iv.errors;
	f->p50_seconds = iv.p50;
	f->p95_seconds = iv.p95;
	f->p99_seconds = iv.p99;
}

static void write_interval(struct cloudwatch *cw, struct cw_copy *c)
{
	struct emf_meta m = {
		.namespace_name = cw->namespace_name,
		.host = cw->host,
		.timestamp_ms = c->wall_ms,
		.interval_seconds = (double)(c->t_ns - cw->prev_ns) / 1e9,
	};
	long host_cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t services = 0;

	for (size_t i = 0; i < c->n_rows; i++) {
		struct cw_sample *cur = &c->rows[i];
		const struct cw_sample *prev = find(cw->prev, cw->n_prev, cur->is_peer,
						    cur->service, cur->peer);

		if (cur->is_peer) {
			struct emf_peer_figures f;

			peer_figures(cur, prev, &f);
			write_doc(cw, emf_peer_document(&m, &f));
		} else {
			struct emf_service_figures f;

			/* The next interval starts from what this one showed. */
			if (prev && cur->cpu_ns < prev->cpu_ns)
				cur->cpu_ns = prev->cpu_ns;
			service_figures(cur, prev, m.interval_seconds, host_cpus, &f);
			write_doc(cw, emf_service_document(&m, &f));
			services += cur->has_up;
		}
	}
	write_doc(cw, emf_host_document(&m, services));
}

/* One interval; with write false only the baseline is taken. */
static void cw_tick(struct cloudwatch *cw, bool write)
{
	struct daemon *d = cw->d;
	uint64_t t_ns;
	int64_t t_ms;
	struct cw_copy c;
	int rc;

	pthread_mutex_lock(&d->lock);
	/*
	 * The CPU collector runs first and reads the maps right away: the
	 * interval's edges are taken here, not after the slower collectors.
	 */
	t_ns = mono_ns();
	t_ms = wall_ms();
	daemon_collect(d);
	rc = copy_locked(d, &c);
	snprintf(cw->namespace_name, sizeof(cw->namespace_name), "%s", d->cfg.cloudwatch_namespace);
	cw->interval_ns = (uint64_t)d->cfg.cloudwatch_interval_seconds * 1000000000ULL;
	pthread_mutex_unlock(&d->lock);
	c.t_ns = t_ns;
	c.wall_ms = t_ms;
	if (rc) {
		pt_warn("cloudwatch: out of memory copying the totals; this interval is not written");
		__atomic_fetch_add(&cw->errors, 1, __ATOMIC_RELAXED);
		return;
	}
	fold_totals(&c);
	if (write && c.t_ns > cw->prev_ns)
		write_interval(cw, &c);
	/* The rows become the next baseline; the rest is not needed again. */
	free(cw->prev);
	cw->prev = c.rows;
	cw->n_prev = c.n_rows;
	cw->prev_ns = c.t_ns;
	c.rows = NULL;
	copy_free(&c);
}

static struct timespec ns_to_timespec(uint64_t ns)
{
	return (struct timespec){ .tv_sec = (time_t)(ns / 1000000000ULL),
				  .tv_nsec = (long)(ns % 1000000000ULL) };
}

static void *cw_thread(void *arg)
{
	struct cloudwatch *cw = arg;
	uint64_t next, now;
	struct timespec ts;

	cw_tick(cw, false);
	next = cw->prev_ns + cw->interval_ns;
	pthread_mutex_lock(&cw->wake_lock);
	while (!cw->stop) {
		ts = ns_to_timespec(next);
		pthread_cond_timedwait(&cw->wake, &cw->wake_lock, &ts);
		if (cw->stop)
			break;
		now = mono_ns();
		if (now < next)
			continue;
		pthread_mutex_unlock(&cw->wake_lock);
		cw_tick(cw, true);
		pthread_mutex_lock(&cw->wake_lock);
		/* A late tick (a stalled disk) skips the missed ones, not bunches them. */
		next += cw->interval_ns;
		now = mono_ns();
		if (next <= now)
			next = now + cw->interval_ns;
	}
	pthread_mutex_unlock(&cw->wake_lock);
	return NULL;
}

static int open_out(struct cloudwatch *cw, const char *path, char *err, size_t err_len)
{
	int fd, e;

	if (strcmp(path, "-") == 0) {
		cw->out = stdout;
		return 0;
	}
	/* Like /var/log/pantau under systemd: group-readable, for the agent. */
	e = -dirs_create_parent(path, 0750);
	fd = e ? -1 : open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0) {
		e = e ? e : errno;
		snprintf(err, err_len, "cannot open the CloudWatch EMF file %s: %s; make its "
			 "directory writable or set cloudwatch.emf_file to another path ('-' for "
			 "standard output).", path, strerror(e));
		return -e;
	}
	cw->out = fdopen(fd, "a");
	if (!cw->out) {
		e = errno;
		close(fd);
		snprintf(err, err_len, "cannot open the CloudWatch EMF file %s: %s.", path,
			 strerror(e));
		return -e;
	}
	cw->owned = true;
	return 0;
}

int cloudwatch_start(struct cloudwatch *cw, struct daemon *d, char *err, size_t err_len)
{
	pthread_condattr_t attr;
	int rc;

	memset(cw, 0, sizeof(*cw));
	cw->d = d;
	if (!d->cfg.cloudwatch_emf_file || !d->cfg.cloudwatch_emf_file[0])
		return 0;
	if (gethostname(cw->host, sizeof(cw->host) - 1) || !cw->host[0])
		snprintf(cw->host, sizeof(cw->host), "unknown");
	rc = open_out(cw, d->cfg.cloudwatch_emf_file, err, err_len);
	if (rc)
		return rc;
	if (pthread_condattr_init(&attr)) {
		snprintf(err, err_len, "cannot start the CloudWatch exporter: out of memory.");
		cloudwatch_stop(cw);
		return -ENOMEM;
	}
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	rc = pthread_cond_init(&cw->wake, &attr);
	pthread_condattr_destroy(&attr);
	if (rc) {
		snprintf(err, err_len, "cannot start the CloudWatch exporter: %s.", strerror(rc));
		cloudwatch_stop(cw);
		return -rc;
	}
	pthread_mutex_init(&cw->wake_lock, NULL);
	rc = pthread_create(&cw->thread, NULL, cw_thread, cw);
	if (rc) {
		snprintf(err, err_len, "cannot start the CloudWatch exporter thread: %s.",
			 strerror(rc));
		pthread_cond_destroy(&cw->wake);
		pthread_mutex_destroy(&cw->wake_lock);
		cloudwatch_stop(cw);
		return -rc;
	}
	cw->started = true;
	pt_info("cloudwatch: writing EMF to %s every %u s, namespace %s",
		d->cfg.cloudwatch_emf_file, d->cfg.cloudwatch_interval_seconds,
		d->cfg.cloudwatch_namespace);
	return 0;
}

void cloudwatch_stop(struct cloudwatch *cw)
{
	if (cw->started) {
		pthread_mutex_lock(&cw->wake_lock);
		cw->stop = true;
		pthread_cond_signal(&cw->wake);
		pthread_mutex_unlock(&cw->wake_lock);
		pthread_join(cw->thread, NULL);
		pthread_cond_destroy(&cw->wake);
		pthread_mutex_destroy(&cw->wake_lock);
		cw->started = false;
	}
	if (cw->out && cw->owned)
		fclose(cw->out);
	else if (cw->out)
		fflush(cw->out);
	cw->out = NULL;
	cw->owned = false;
	free(cw->prev);
	cw->prev = NULL;
	cw->n_prev = 0;
}
