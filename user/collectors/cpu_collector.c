// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* CPU collector: cpu_stats + cpu_oncpu maps -> per-service totals. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "collectors/collector.h"
#include "cpu.skel.h"
#include "lib/clock.h"
#include "log.h"
#include "bpf/map_walk.h"

#define CPU_STATS_U64 (sizeof(struct cpu_stats) / sizeof(__u64))

void percpu_sum_u64(const void *values, int n_cpus, size_t value_size,
		    size_t n_u64, uint64_t *out)
{
	memset(out, 0, n_u64 * sizeof(*out));
	for (int c = 0; c < n_cpus; c++) {
		const uint64_t *v = (const uint64_t *)((const char *)values + (size_t)c * value_size);

		for (size_t i = 0; i < n_u64; i++)
			out[i] += v[i];
	}
}

/* Add cur - last to total; a map entry re-created after removal restarts at 0. */
static void accumulate(struct cpu_stats *total, const struct cpu_stats *cur,
		       struct cpu_stats *last)
{
	const __u64 *c = (const __u64 *)cur;
	__u64 *l = (__u64 *)last, *t = (__u64 *)total;

	for (size_t i = 0; i < CPU_STATS_U64; i++) {
		t[i] += c[i] >= l[i] ? c[i] - l[i] : c[i];
		l[i] = c[i];
	}
}

/*
 * What ran on each CPU, read just before the stats map: a slice committed
 * between the two reads is then counted twice for a moment (the exported
 * value never goes back, so that is absorbed), never missed.
 */
struct oncpu_snapshot {
	struct cpu_oncpu *slots;
	int n_cpus;
	uint64_t taken_ns;
	bool valid;
};

/* Collections run under the daemon lock, one at a time. */
static struct oncpu_snapshot snapshot;

static void take_snapshot(int oncpu_fd, int n_cpus)
{
	__u32 zero = 0;

	snapshot.valid = false;
	if (snapshot.n_cpus != n_cpus) {
		free(snapshot.slots);
		snapshot.slots = calloc((size_t)n_cpus, sizeof(*snapshot.slots));
		snapshot.n_cpus = snapshot.slots ? n_cpus : 0;
	}
	if (!snapshot.slots)
		return;
	snapshot.taken_ns = mono_ns();
	snapshot.valid = bpf_map_lookup_elem(oncpu_fd, &zero, snapshot.slots) == 0;
}

void cpu_collector_cleanup(void)
{
	free(snapshot.slots);
	memset(&snapshot, 0, sizeof(snapshot));
}

static void add_inflight(struct collect_ctx *ctx)
{
	struct registry *r = ctx->registry;

	for (size_t i = 0; i < r->n_services; i++)
		r->services[i].cpu_inflight_ns = 0;
	if (!snapshot.valid)
		return;
	for (int c = 0; c < snapshot.n_cpus; c++) {
		const struct cpu_oncpu *oc = &snapshot.slots[c];
		struct service_key key;
		struct key_entry *e;
		struct service *s;

		if (!oc->start_ns || oc->start_ns >= snapshot.taken_ns)
			continue;
		/* A task that moved itself while running has not switched since. */
		key = registry_task_key(r, registry_task_cgroup_now(r, oc->tid, oc->key.cgroup_id),
					oc->key.tgid);
		e = registry_key(r, &key);
		s = e ? registry_service(r, e) : NULL;
		if (s)
			s->cpu_inflight_ns += snapshot.taken_ns - oc->start_ns;
	}
}

static void read_stats(const void *key, const void *values, int n_cpus, void *ctx)
{
	struct key_entry *e = registry_key(ctx, key);

	if (e)
		percpu_sum_u64(values, n_cpus, sizeof(struct cpu_stats), CPU_STATS_U64,
			       (uint64_t *)&e->cpu_cur);
}

int cpu_read(struct collect_ctx *ctx)
{
	struct cpu_bpf *skel = ctx->probes->cpu;
	int n_cpus = libbpf_num_possible_cpus();
	long n;

	if (!skel)
		return -ENODEV;
	if (n_cpus <= 0)
		return -EINVAL;
	take_snapshot(bpf_map__fd(skel->maps.cpu_oncpu), n_cpus);
	n = map_walk(bpf_map__fd(skel->maps.cpu_stats), sizeof(struct service_key),
		     sizeof(struct cpu_stats), true, bpf_map__max_entries(skel->maps.cpu_stats),
		     read_stats, ctx->registry);
	return n < 0 ? (int)n : 0;
}

void cpu_apply(struct collect_ctx *ctx)
{
	struct registry *r = ctx->registry;

	for (size_t i = 0; i < r->n_entries; i++) {
		struct key_entry *e = &r->entries[i];
		struct service *s;

		if (!e->used || !(s = registry_service(r, e)))
			continue;
		accumulate(&s->cpu, &e->cpu_cur, &e->cpu_last);
	}
	add_inflight(ctx);
}

uint64_t service_cpu_ns(struct service *s)
{
	uint64_t ns = s->cpu.oncpu_ns + s->cpu_inflight_ns;

	if (ns < s->cpu_exported_ns)
		ns = s->cpu_exported_ns;
	s->cpu_exported_ns = ns;
	return ns;
}

uint64_t percpu_array_sum(int fd, uint32_t index)
{
	int n_cpus = libbpf_num_possible_cpus();
	uint64_t sum = 0;
	__u64 *v;

	if (n_cpus <= 0)
		return 0;
	v = calloc((size_t)n_cpus, sizeof(*v));
	if (!v)
		return 0;
	if (bpf_map_lookup_elem(fd, &index, v) == 0)
		percpu_sum_u64(v, n_cpus, sizeof(*v), 1, &sum);
	free(v);
	return sum;
}

size_t drop_counts(int fd, const char *const *reasons, uint32_t n_reasons,
		   struct drop_count *out, size_t max)
{
	size_t n = 0;

	for (uint32_t i = 0; i < n_reasons && n < max; i++) {
		out[n].reason = reasons[i];
		out[n].count = percpu_array_sum(fd, i);
		n++;
	}
	return n;
}

size_t cpu_drops(struct probes *p, struct drop_count *out, size_t max)
{
	static const char *const reasons[CPU_DROP_REASONS] = {
		[CPU_DROP_STATS_MAP_FULL] = "cpu_stats_map_full",
	};

	if (!p->cpu)
		return 0;
	return drop_counts(bpf_map__fd(p->cpu->maps.cpu_drops), reasons, CPU_DROP_REASONS,
			   out, max);
}
