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
	map_count(&cpu_drops, reason);
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

/* Fair-class policies: only their pick sets se.prev_sum_exec_runtime. */
static __always_inline bool fair_policy(__u32 policy)
{
	return policy == 0 /* NORMAL */ || policy == 3 /* BATCH */ || policy == 5 /* IDLE */;
}

/* Whether this slot saw task tid switch in: a missed program run leaves it stale. */
static __always_inline bool slot_holds(const struct cpu_oncpu *oc, __u32 tid)
{
	return oc->start_ns && oc->tid == tid;
}

/*
 * The task's runtime counter when this slot last committed for it. When
 * the slot holds another task (!seen), a switch went unseen: the fair
 * class's own start of slice stands in; other classes have none. The
 * counter is per task, so nothing another task ran can land on it.
 */
static __always_inline bool slice_start(const struct cpu_oncpu *oc, struct task_struct *t,
					bool seen, const bool btf, __u64 *since)
{
	/*
	 * Both read before choosing: a load the compiler shares between the
	 * map value and the task is refused by the verifier ("same insn
	 * cannot be used with different pointers").
	 */
	__u64 slot_since = oc->runtime_ns;
	__u64 pick_since = TASK_READ(t, se.prev_sum_exec_runtime, btf);

	barrier_var(slot_since);
	barrier_var(pick_since);
	if (seen) {
		*since = slot_since;
		return true;
	}
	if (fair_policy(TASK_READ(t, policy, btf))) {
		*since = pick_since;
		return true;
	}
	return false;
}

static __always_inline __u64 growth(__u64 runtime, __u64 since)
{
	return runtime > since ? runtime - since : 0;
}

/* The stats of current's key, made on first use; NULL, counted, when full. */
static __always_inline struct cpu_stats *current_stats(struct service_key *key)
{
	struct cpu_stats *st;

	service_key_current(key);
	st = map_lookup_or_init(&cpu_stats, key, &zero_stats);
	if (!st)
		count_drop(CPU_DROP_STATS_MAP_FULL);
	return st;
}

static __always_inline void commit_prev(struct cpu_oncpu *oc, __u64 slice,
					bool voluntary, bool seen)
{
	struct service_key key;
	/* At sched_switch, current is still prev. */
	struct cpu_stats *st = current_stats(&key);

	if (!st)
		return;
	/* Per-CPU value: no other CPU writes it, plain adds suffice. */
	st->oncpu_ns += slice;
	if (voluntary)
		st->switches_voluntary++;
	else
		st->switches_involuntary++;
	/* The pending wait belongs to whoever the slot saw switch in. */
	if (seen && oc->has_pending_runq) {
		st->runq_slots[log2_slot(oc->pending_runq_ns / 1000, CPU_RUNQ_SLOTS)]++;
		st->runq_wait_ns += oc->pending_runq_ns;
	}
}

static __always_inline int on_switch(bool preempt, struct task_struct *prev,
				     struct task_struct *next, const bool btf)
{
	__u64 now = bpf_ktime_get_ns(), enq, since;
	__u32 zero = 0, prev_state, prev_tid, next_tid;
	struct cpu_oncpu *oc;
	bool seen;

	oc = bpf_map_lookup_elem(&cpu_oncpu, &zero);
	if (!oc)
		return 0;

	prev_state = task_state(prev, btf);
	prev_tid = TASK_READ(prev, pid, btf);
	seen = slot_holds(oc, prev_tid);
	/* The kernel's own rule for nvcsw vs nivcsw in __schedule(). */
	if (prev_tid && slice_start(oc, prev, seen, btf, &since))
		commit_prev(oc, growth(TASK_READ(prev, se.sum_exec_runtime, btf), since),
			    !preempt && prev_state != TASK_RUNNING, seen);
	else if (prev_tid)
		count_drop(CPU_DROP_SWITCH_UNSEEN);
	if (prev_state == TASK_RUNNING && prev_tid)
		record_enqueue(prev, now, btf);

	next_tid = TASK_READ(next, pid, btf);
	if (!next_tid) {	/* the idle task */
		oc->start_ns = 0;
		oc->tid = 0;
		oc->has_pending_runq = 0;
		return 0;
	}
	oc->start_ns = now;
	oc->tid = next_tid;
	oc->runtime_ns = TASK_READ(next, se.sum_exec_runtime, btf);
	oc->key.cgroup_id = btf ? next->cgroups->dfl_cgrp->kn->id :
			    BPF_CORE_READ(next, cgroups, dfl_cgrp, kn, id);
	oc->key.tgid = TASK_READ(next, tgid, btf);
	enq = take_enqueue(next, btf);
	oc->has_pending_runq = enq && now > enq;
	oc->pending_runq_ns = oc->has_pending_runq ? now - enq : 0;
	return 0;
}

/*
 * Not attached: user space runs it on each CPU before reading cpu_stats
 * (BPF_PROG_TEST_RUN with a CPU sends an IPI, so current is whatever runs
 * there). It commits the running task's runtime so far, as the next switch
 * would, so that a CPU hog is read from cpu_stats rather than estimated
 * from cpu_oncpu while it may be switching. sched_switch runs with
 * interrupts off, so the two never interleave on a CPU. The runtime
 * counter moves at each tick, as cpu.stat's does.
 */
SEC("raw_tp")
int cpu_checkpoint(void *ctx)
{
	struct task_struct *cur = (struct task_struct *)bpf_get_current_task();
	__u32 zero = 0, tid = (__u32)bpf_get_current_pid_tgid();
	__u64 runtime, since;
	struct service_key key;
	struct cpu_stats *st;
	struct cpu_oncpu *oc;
	bool seen;

	oc = bpf_map_lookup_elem(&cpu_oncpu, &zero);
	if (!oc || !tid)
		return 0;
	seen = slot_holds(oc, tid);
	if (!slice_start(oc, cur, seen, false, &since))
		return 0;
	runtime = BPF_CORE_READ(cur, se.sum_exec_runtime);
	st = current_stats(&key);
	if (!st)
		return 0;
	st->oncpu_ns += growth(runtime, since);
	/* A slot left by an unseen switch now follows the task that runs. */
	if (!seen) {
		oc->tid = tid;
		oc->key.cgroup_id = key.cgroup_id;
		oc->key.tgid = bpf_get_current_pid_tgid() >> 32;
		oc->has_pending_runq = 0;
	}
	oc->runtime_ns = runtime;
	oc->start_ns = bpf_ktime_get_ns();
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
