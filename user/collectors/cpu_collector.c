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
 * A task still running at collection is counted in one of two ways.
 * Where the kernel runs a program on a chosen CPU (raw_tp test runs, 5.10
 * on), cpu_checkpoint commits each CPU's running slice to cpu_stats just
 * before they are read: exact, whatever switches while they are read.
 * Older kernels estimate the slice from cpu_oncpu, read before and after
 * cpu_stats, and add it only where both reads show the same slice: a
 * switch in between may have committed it to the stats already, and
 * counting it twice would hold the exported value (which never goes back)
 * above the truth until the real count caught up. Skipping it instead
 * only delays that slice to the next collection.
 */
static bool checkpoint_unsupported;

static bool checkpoint_cpus(int prog_fd, int n_cpus)
{
	if (checkpoint_unsupported || prog_fd < 0)
		return false;
	for (int c = 0; c < n_cpus; c++) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .flags = BPF_F_TEST_RUN_ON_CPU,
			    .cpu = (__u32)c);

		/* An offline CPU runs nothing. */
		if (bpf_prog_test_run_opts(prog_fd, &opts) == 0 || errno == ENXIO)
			continue;
		checkpoint_unsupported = true;
		pt_info("cannot run cpu_checkpoint on CPU %d (%s); running tasks' CPU time "
			"is estimated at each collection instead.", c, strerror(errno));
		return false;
	}
	return true;
}

struct oncpu_snapshot {
	struct cpu_oncpu *slots;
	int n_cpus;
	uint64_t taken_ns;
	bool valid;
};

/* Collections run under the daemon lock, one at a time. */
static struct oncpu_snapshot before, after;
static bool checkpointed;

static void take_snapshot(struct oncpu_snapshot *snap, int oncpu_fd, int n_cpus)
{
	__u32 zero = 0;

	snap->valid = false;
	if (snap->n_cpus != n_cpus) {
		free(snap->slots);
		snap->slots = calloc((size_t)n_cpus, sizeof(*snap->slots));
		snap->n_cpus = snap->slots ? n_cpus : 0;
	}
	if (!snap->slots)
		return;
	snap->taken_ns = mono_ns();
	snap->valid = bpf_map_lookup_elem(oncpu_fd, &zero, snap->slots) == 0;
}

void cpu_collector_cleanup(void)
{
	free(before.slots);
	free(after.slots);
	memset(&before, 0, sizeof(before));
	memset(&after, 0, sizeof(after));
}

static void add_inflight(struct collect_ctx *ctx)
{
	struct registry *r = ctx->registry;

	for (size_t i = 0; i < r->n_services; i++)
		r->services[i].cpu_inflight_ns = 0;
	if (checkpointed || !before.valid || !after.valid || before.n_cpus != after.n_cpus)
		return;
	for (int c = 0; c < before.n_cpus; c++) {
		const struct cpu_oncpu *oc = &before.slots[c], *now = &after.slots[c];
		struct service_key key;
		struct key_entry *e;
		struct service *s;

		if (!oc->start_ns || oc->start_ns >= before.taken_ns ||
		    now->start_ns != oc->start_ns || now->tid != oc->tid)
			continue;
		/* A task that moved itself while running has not switched since. */
		key = registry_task_key(r, registry_task_cgroup_now(r, oc->tid, oc->key.cgroup_id),
					oc->key.tgid);
		e = registry_key(r, &key);
		s = e ? registry_service(r, e) : NULL;
		if (s)
			s->cpu_inflight_ns += before.taken_ns - oc->start_ns;
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
	checkpointed = checkpoint_cpus(bpf_program__fd(skel->progs.cpu_checkpoint), n_cpus);
	if (!checkpointed)
		take_snapshot(&before, bpf_map__fd(skel->maps.cpu_oncpu), n_cpus);
	n = map_walk(bpf_map__fd(skel->maps.cpu_stats), sizeof(struct service_key),
		     sizeof(struct cpu_stats), true, bpf_map__max_entries(skel->maps.cpu_stats),
		     read_stats, ctx->registry);
	if (!checkpointed)
		take_snapshot(&after, bpf_map__fd(skel->maps.cpu_oncpu), n_cpus);
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
		[CPU_DROP_SWITCH_UNSEEN] = "cpu_switch_unseen",
	};

	if (!p->cpu)
		return 0;
	return drop_counts(bpf_map__fd(p->cpu->maps.cpu_drops), reasons, CPU_DROP_REASONS,
			   out, max);
}
