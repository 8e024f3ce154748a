// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Memory domain. RSS and page faults are read at scrape time by a task
 * iterator (no hot path at all: the same counters /proc shows); faults of
 * threads that exit in between are kept by sched_process_exit; OOM kills
 * are counted and sent as events from oom:mark_victim.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "core_fixes.bpf.h"
#include "events.bpf.h"
#include "maps.bpf.h"
#include "service_key.bpf.h"
#include "pantau/memory.h"

#define PF_KTHREAD 0x00200000
#define PAGE_SHIFT 12
/* page_counter's "no limit" is LONG_MAX pages rounded down: anything this big. */
#define PAGE_COUNTER_UNLIMITED (1ULL << 50)

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct service_key);
	__type(value, struct mem_exited_faults);
} mem_exited_faults SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct service_key);
	__type(value, __u64);
} mem_oom_kills SEC(".maps");

static const struct mem_exited_faults zero_faults;
static const __u64 zero_u64;

static __always_inline __u64 mm_rss_bytes(struct mm_struct *mm, const bool btf)
{
	__s64 pages;

	if (!mm)
		return 0;
	pages = mm_rss_pages(mm, btf);
	return pages > 0 ? (__u64)pages << PAGE_SHIFT : 0;
}

SEC("iter/task")
int mem_task_iter(struct bpf_iter__task *ctx)
{
	struct task_struct *t = ctx->task;
	struct mem_task_record rec = {};

	if (!t || (t->flags & PF_KTHREAD))
		return 0;
	rec.cgroup_id = t->cgroups->dfl_cgrp->kn->id;
	rec.tgid = t->tgid;
	rec.pid = t->pid;
	rec.min_flt = t->min_flt;
	rec.maj_flt = t->maj_flt;
	if (t->pid == t->tgid)
		rec.rss_bytes = mm_rss_bytes(t->mm, true);
	bpf_seq_write(ctx->meta->seq, &rec, sizeof(rec));
	return 0;
}

static __always_inline int on_exit(struct task_struct *p, const bool btf)
{
	struct mem_exited_faults *f;
	struct service_key key;

	if (TASK_READ(p, flags, btf) & PF_KTHREAD)
		return 0;
	/* sched_process_exit runs in the exiting task: it is current. */
	service_key_current(&key);
	f = map_lookup_or_init(&mem_exited_faults, &key, &zero_faults);
	if (!f)
		return 0;
	f->min_flt += TASK_READ(p, min_flt, btf);
	f->maj_flt += TASK_READ(p, maj_flt, btf);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(mem_process_exit_btf, struct task_struct *p)
{
	return on_exit(p, true);
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(mem_process_exit_raw, struct task_struct *p)
{
	return on_exit(p, false);
}

/* The victim's memory cgroup limit (v1 or v2: both use page_counter). */
static __always_inline __u64 memcg_limit_pages(struct task_struct *t)
{
	int id = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
	struct cgroup_subsys_state *css;
	struct mem_cgroup *memcg;

	if (id < 0 || id >= CGROUP_SUBSYS_COUNT)
		return 0;
	css = BPF_CORE_READ(t, cgroups, subsys[id]);
	if (!css)
		return 0;
	memcg = container_of(css, struct mem_cgroup, css);
	return BPF_CORE_READ(memcg, memory.max);
}

static __always_inline int on_oom_victim(struct task_struct *victim, const bool btf)
{
	struct event_oom_kill *e;
	struct service_key key;
	__u64 *count, limit;

	/* The killer runs here, not the victim: key by the victim's cgroup. */
	key.cgroup_id = BPF_CORE_READ(victim, cgroups, dfl_cgrp, kn, id);
	key.tgid = bpf_map_lookup_elem(&shared_cgroups, &key.cgroup_id) ?
		   TASK_READ(victim, tgid, btf) : 0;
	key.pad = 0;
	count = map_lookup_or_init(&mem_oom_kills, &key, &zero_u64);
	if (count)
		__sync_fetch_and_add(count, 1);

	e = event_reserve(sizeof(*e));
	if (!e)
		return 0;
	e->hdr.type = EVENT_OOM_KILL;
	e->hdr.size = sizeof(*e);
	e->hdr.ktime_ns = bpf_ktime_get_ns();
	e->key = key;
	e->pid = TASK_READ(victim, tgid, btf);
	BPF_CORE_READ_STR_INTO(&e->comm, victim, comm);
	e->rss_bytes = mm_rss_bytes(BPF_CORE_READ(victim, mm), false);
	limit = memcg_limit_pages(victim);
	e->limit_set = limit && limit < PAGE_COUNTER_UNLIMITED;
	e->limit_bytes = e->limit_set ? limit << PAGE_SHIFT : 0;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp_btf/mark_victim")
int BPF_PROG(mem_oom_victim_btf, struct task_struct *victim)
{
	return on_oom_victim(victim, true);
}

SEC("raw_tp/mark_victim")
int BPF_PROG(mem_oom_victim_raw, struct task_struct *victim)
{
	return on_oom_victim(victim, false);
}
