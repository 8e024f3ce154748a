// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * CPU domain: per-service on-CPU time, context switches and run-queue wait,
 * aggregated in per-CPU maps. Every program comes twice: tp_btf (direct
 * typed access, task local storage) and a raw_tp twin for kernels whose
 * tp_btf attach fails; user space probes and autoloads one set.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "core_fixes.bpf.h"
#include "maps.bpf.h"
#include "service_key.bpf.h"
#include "pantau/cpu.h"

#define TASK_RUNNING 0
#define MAX_TASKS_WAITING 16384

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Sized by user space before load from the services cap. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct service_key);
	__type(value, struct cpu_stats);
} cpu_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cpu_oncpu);
} cpu_oncpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CPU_DROP_REASONS);
	__type(key, __u32);
	__type(value, __u64);
} cpu_drops SEC(".maps");

/* When a runnable task was enqueued: task storage for tp_btf ... */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} enqueued_at_storage SEC(".maps");

/* ... and a tid-keyed hash for raw_tp, whose task pointers are untyped. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_TASKS_WAITING);
	__type(key, __u32);
	__type(value, __u64);
} enqueued_at_hash SEC(".maps");

static const struct cpu_stats zero_stats;

static __always_inline void count_drop(__u32 reason)
{
	__u64 *n = bpf_map_lookup_elem(&cpu_drops, &reason);

	if (n)
		*n += 1;
}

static __always_inline void record_enqueue(struct task_struct *t, __u64 now,
					   const bool btf)
{
	if (btf) {
		__u64 *ts = bpf_task_storage_get(&enqueued_at_storage, t, 0,
						 BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (ts)
			*ts = now;
	} else {
		__u32 tid = TASK_READ(t, pid, btf);

		bpf_map_update_elem(&enqueued_at_hash, &tid, &now, BPF_ANY);
	}
}

/* Returns when t was enqueued, or 0 when unknown, and forgets it. */
static __always_inline __u64 take_enqueue(struct task_struct *t, const bool btf)
{
	__u64 ts = 0, *slot;

	if (btf) {
		slot = bpf_task_storage_get(&enqueued_at_storage, t, 0, 0);
		if (slot) {
			ts = *slot;
			*slot = 0;
		}
	} else {
		__u32 tid = TASK_READ(t, pid, btf);

		slot = bpf_map_lookup_elem(&enqueued_at_hash, &tid);
		if (slot) {
			ts = *slot;
			bpf_map_delete_elem(&enqueued_at_hash, &tid);
		}
	}
	return ts;
}

static __always_inline void commit_prev(struct cpu_oncpu *oc, __u64 now,
					bool voluntary)
{
	struct service_key key;
	struct cpu_stats *st;

	/* At sched_switch, current is still prev. */
	service_key_current(&key);
	st = map_lookup_or_init(&cpu_stats, &key, &zero_stats);
	if (!st) {
		count_drop(CPU_DROP_STATS_MAP_FULL);
		return;
	}
	/* Per-CPU value: no other CPU writes it, plain adds suffice. */
	st->oncpu_ns += now - oc->start_ns;
	if (voluntary)
		st->switches_voluntary++;
	else
		st->switches_involuntary++;
	if (oc->has_pending_runq) {
		st->runq_slots[log2_slot(oc->pending_runq_ns / 1000, CPU_RUNQ_SLOTS)]++;
		st->runq_wait_ns += oc->pending_runq_ns;
	}
}

static __always_inline int on_switch(bool preempt, struct task_struct *prev,
				     struct task_struct *next, const bool btf)
{
	__u64 now = bpf_ktime_get_ns(), enq;
	struct cpu_oncpu *oc;
	__u32 zero = 0, prev_state, next_tid;

	oc = bpf_map_lookup_elem(&cpu_oncpu, &zero);
	if (!oc)
		return 0;

	prev_state = task_state(prev, btf);
	/*
	 * Commit only the slice of the task this slot saw switch in: a run
	 * of this program that was missed (recursion) leaves the slot stale.
	 * The kernel's own rule for nvcsw vs nivcsw in __schedule().
	 */
	if (oc->start_ns && now > oc->start_ns &&
	    oc->tid == (__u32)bpf_get_current_pid_tgid())
		commit_prev(oc, now, !preempt && prev_state != TASK_RUNNING);
	if (prev_state == TASK_RUNNING && TASK_READ(prev, pid, btf))
		record_enqueue(prev, now, btf);

	next_tid = TASK_READ(next, pid, btf);
	if (!next_tid) {	/* the idle task */
		oc->start_ns = 0;
		oc->has_pending_runq = 0;
		return 0;
	}
	oc->start_ns = now;
	oc->tid = next_tid;
	oc->key.cgroup_id = btf ? next->cgroups->dfl_cgrp->kn->id :
			    BPF_CORE_READ(next, cgroups, dfl_cgrp, kn, id);
	oc->key.tgid = TASK_READ(next, tgid, btf);
	enq = take_enqueue(next, btf);
	oc->has_pending_runq = enq && now > enq;
	oc->pending_runq_ns = oc->has_pending_runq ? now - enq : 0;
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(cpu_sched_switch_btf, bool preempt, struct task_struct *prev,
	     struct task_struct *next)
{
	return on_switch(preempt, prev, next, true);
}

SEC("raw_tp/sched_switch")
int BPF_PROG(cpu_sched_switch_raw, bool preempt, struct task_struct *prev,
	     struct task_struct *next)
{
	return on_switch(preempt, prev, next, false);
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(cpu_sched_wakeup_btf, struct task_struct *p)
{
	record_enqueue(p, bpf_ktime_get_ns(), true);
	return 0;
}

SEC("raw_tp/sched_wakeup")
int BPF_PROG(cpu_sched_wakeup_raw, struct task_struct *p)
{
	record_enqueue(p, bpf_ktime_get_ns(), false);
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(cpu_sched_wakeup_new_btf, struct task_struct *p)
{
	record_enqueue(p, bpf_ktime_get_ns(), true);
	return 0;
}

SEC("raw_tp/sched_wakeup_new")
int BPF_PROG(cpu_sched_wakeup_new_raw, struct task_struct *p)
{
	record_enqueue(p, bpf_ktime_get_ns(), false);
	return 0;
}
