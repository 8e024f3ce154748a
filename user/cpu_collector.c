// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* CPU collector: cpu_stats + cpu_oncpu maps -> per-service totals. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "collector.h"
#include "cpu.skel.h"
#include "log.h"

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

static void delete_key(const struct service_key *key, void *ctx)
{
	int fd = *(int *)ctx;

	bpf_map_delete_elem(fd, key);
}

static void add_inflight(struct collect_ctx *ctx, int oncpu_fd, int n_cpus)
{
	struct registry *r = ctx->registry;
	struct cpu_oncpu *oc;
	__u32 zero = 0;

	for (size_t i = 0; i < r->n_services; i++)
		r->services[i].cpu_inflight_ns = 0;
	oc = calloc((size_t)n_cpus, sizeof(*oc));
	if (!oc)
		return;
	if (bpf_map_lookup_elem(oncpu_fd, &zero, oc) == 0) {
		for (int c = 0; c < n_cpus; c++) {
			struct service_key key;
			struct key_entry *e;
			struct service *s;

			if (!oc[c].start_ns || oc[c].start_ns >= ctx->now_ns)
				continue;
			key = registry_task_key(r, oc[c].key.cgroup_id, oc[c].key.tgid);
			e = registry_key(r, &key);
			s = e ? registry_service(r, e) : NULL;
			if (s)
				s->cpu_inflight_ns += ctx->now_ns - oc[c].start_ns;
		}
	}
	free(oc);
}

int cpu_collect(struct collect_ctx *ctx)
{
	struct cpu_bpf *skel = ctx->probes->cpu;
	struct registry *r = ctx->registry;
	struct service_key key, next;
	int n_cpus = libbpf_num_possible_cpus();
	int fd, err = 0;
	void *values;
	bool first = true;
	uint32_t budget;

	if (!skel)
		return -ENODEV;
	if (n_cpus <= 0)
		return -EINVAL;
	fd = bpf_map__fd(skel->maps.cpu_stats);
	values = calloc((size_t)n_cpus, sizeof(struct cpu_stats));
	if (!values)
		return -ENOMEM;

	registry_begin(r);
	/* Bounded: entries deleted meanwhile can restart the walk once or so. */
	budget = bpf_map__max_entries(skel->maps.cpu_stats) * 2;
	while (budget-- && bpf_map_get_next_key(fd, first ? NULL : &key, &next) == 0) {
		struct key_entry *e;

		first = false;
		key = next;
		if (bpf_map_lookup_elem(fd, &key, values))
			continue;
		e = registry_key(r, &key);
		if (e)
			percpu_sum_u64(values, n_cpus, sizeof(struct cpu_stats), CPU_STATS_U64,
				       (uint64_t *)&e->cpu_cur);
	}
	free(values);

	registry_sweep(r);
	for (size_t i = 0; i < r->n_entries; i++) {
		struct key_entry *e = &r->entries[i];
		struct service *s;

		if (!e->used || !(s = registry_service(r, e)))
			continue;
		accumulate(&s->cpu, &e->cpu_cur, &e->cpu_last);
	}
	registry_remove_dead(r, delete_key, &fd);
	add_inflight(ctx, bpf_map__fd(skel->maps.cpu_oncpu), n_cpus);
	return err;
}

size_t cpu_drops(struct probes *p, struct drop_count *out, size_t max)
{
	static const char *const reasons[CPU_DROP_REASONS] = {
		[CPU_DROP_STATS_MAP_FULL] = "cpu_stats_map_full",
	};
	int n_cpus = libbpf_num_possible_cpus();
	size_t n = 0;
	__u64 *v;

	if (!p->cpu || n_cpus <= 0)
		return 0;
	v = calloc((size_t)n_cpus, sizeof(*v));
	if (!v)
		return 0;
	for (__u32 r = 0; r < CPU_DROP_REASONS && n < max; r++) {
		uint64_t sum = 0;

		if (bpf_map_lookup_elem(bpf_map__fd(p->cpu->maps.cpu_drops), &r, v))
			continue;
		percpu_sum_u64(v, n_cpus, sizeof(*v), 1, &sum);
		out[n].reason = reasons[r];
		out[n].count = sum;
		n++;
	}
	free(v);
	return n;
}
