// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Memory collector: run the task iterator (RSS and fault counters of every
 * live task), read the faults of exited threads and the OOM kill counts.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "collectors/collector.h"
#include "bpf/iter_read.h"
#include "log.h"
#include "bpf/map_walk.h"
#include "memory.skel.h"
#include "pantau/events.h"
#include "pantau/memory.h"

static void account_task(struct registry *r, const struct mem_task_record *rec)
{
	struct service_key key = registry_task_key(r, rec->cgroup_id, rec->tgid);
	struct key_entry *e = registry_key(r, &key);

	if (!e)
		return;
	e->mem.rss_bytes += rec->rss_bytes;
	e->mem.min_live += rec->min_flt;
	e->mem.maj_live += rec->maj_flt;
}

/*
 * The task iterator does not visit PID 1 on every kernel (seen on 6.18):
 * read its figures from /proc when no record came for it.
 */
static void account_init_from_proc(struct registry *r)
{
	struct mem_task_record rec = { .tgid = 1, .pid = 1 };
	uint64_t rss, min_flt, maj_flt;

	rec.cgroup_id = registry_task_cgroup_now(r, 1, 0);
	if (!rec.cgroup_id || proc_read_memory(r->proc_root, 1, &rss, &min_flt, &maj_flt))
		return;
	rec.rss_bytes = rss;
	rec.min_flt = min_flt;
	rec.maj_flt = maj_flt;
	account_task(r, &rec);
}

struct task_walk {
	struct registry *registry;
	bool saw_init;
};

static void task_record(const void *data, void *ctx)
{
	struct task_walk *w = ctx;
	struct mem_task_record rec;

	memcpy(&rec, data, sizeof(rec));
	w->saw_init |= rec.pid == 1;
	account_task(w->registry, &rec);
}

struct per_key_walk {
	struct registry *registry;
	size_t n_u64;
	void (*fn)(struct key_entry *e, const uint64_t *sum);
};

static void per_key_entry(const void *key, const void *values, int n_cpus, void *ctx)
{
	struct per_key_walk *w = ctx;
	struct key_entry *e = registry_key(w->registry, key);
	uint64_t sum[2];

	if (!e)
		return;
	percpu_sum_u64(values, n_cpus, w->n_u64 * sizeof(uint64_t), w->n_u64, sum);
	w->fn(e, sum);
}

/* Walk a per-key map: fn gets each key's entry and its (per-CPU summed) value. */
static void read_per_key(struct collect_ctx *ctx, struct bpf_map *map, bool percpu,
			 size_t n_u64, void (*fn)(struct key_entry *e, const uint64_t *sum))
{
	struct per_key_walk w = { .registry = ctx->registry, .n_u64 = n_u64, .fn = fn };

	if (n_u64 > 2)
		return;
	map_walk(bpf_map__fd(map), sizeof(struct service_key), n_u64 * sizeof(uint64_t),
		 percpu, bpf_map__max_entries(map), per_key_entry, &w);
}

static void set_exited(struct key_entry *e, const uint64_t *sum)
{
	e->mem.min_exited = sum[0];
	e->mem.maj_exited = sum[1];
}

static void set_oom(struct key_entry *e, const uint64_t *sum)
{
	e->mem.oom_cur = sum[0];
}

int memory_read(struct collect_ctx *ctx)
{
	struct memory_bpf *skel = ctx->probes->memory;
	struct registry *r = ctx->registry;
	struct task_walk w = { .registry = r };
	long n;

	if (!skel || !ctx->probes->task_iter)
		return -ENODEV;
	for (size_t i = 0; i < r->n_entries; i++) {
		struct mem_entry *m = &r->entries[i].mem;

		m->rss_bytes = m->min_live = m->maj_live = 0;
	}
	n = iter_read_records(ctx->probes->task_iter, sizeof(struct mem_task_record),
			      task_record, &w);
	if (n < 0)
		return (int)n;
	if (!w.saw_init)
		account_init_from_proc(r);
	read_per_key(ctx, skel->maps.mem_exited_faults, true, 2, set_exited);
	read_per_key(ctx, skel->maps.mem_oom_kills, false, 1, set_oom);
	return 0;
}

/*
 * live + exited faults can dip for a moment (a thread counted by the
 * iterator exits before its exit is read, or the reverse): add only what
 * lies above the highest value already added, so totals never go back
 * and a transient excess is absorbed.
 */
static void add_above(uint64_t *total, uint64_t cur, uint64_t *high)
{
	if (cur > *high) {
		*total += cur - *high;
		*high = cur;
	}
}

void memory_apply(struct collect_ctx *ctx)
{
	struct registry *r = ctx->registry;

	for (size_t i = 0; i < r->n_services; i++)
		r->services[i].rss_bytes = 0;
	for (size_t i = 0; i < r->n_entries; i++) {
		struct key_entry *e = &r->entries[i];
		struct mem_entry *m = &e->mem;
		struct service *s;

		if (!e->used || !(s = registry_service(r, e)))
			continue;
		s->rss_bytes += m->rss_bytes;
		add_above(&s->faults_minor, m->min_live + m->min_exited, &m->min_last);
		add_above(&s->faults_major, m->maj_live + m->maj_exited, &m->maj_last);
		add_above(&s->oom_kills, m->oom_cur, &m->oom_last);
	}
}

size_t event_drops(struct probes *p, struct drop_count *out, size_t max)
{
	static const char *const reasons[EVENT_DROP_REASONS] = {
		[EVENT_DROP_RINGBUF_FULL] = "ringbuf_full",
		[EVENT_DROP_KERNEL_RATE] = "rate_limited_in_kernel",
	};
	int fd = probes_event_drops_fd(p);

	if (fd < 0)
		return 0;
	return drop_counts(fd, reasons, EVENT_DROP_REASONS, out, max);
}
