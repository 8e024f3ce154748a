/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* CPU domain: structs shared by bpf/cpu.bpf.c and user space. */
#ifndef PANTAU_CPU_H
#define PANTAU_CPU_H

#include "service_key.h"

/*
 * Run-queue wait histogram: log2 slots of microseconds, as runqlat.
 * Slot 0 holds [0, 2) us, slot i >= 1 holds [2^i, 2^(i+1)) us; the last
 * slot also holds everything above it (exported only under +Inf).
 */
#define CPU_RUNQ_SLOTS 27

struct cpu_stats {
	__u64 oncpu_ns;
	__u64 switches_voluntary;
	__u64 switches_involuntary;
	__u64 runq_wait_ns;			/* histogram sum */
	__u64 runq_slots[CPU_RUNQ_SLOTS];
};

/*
 * What runs on a CPU right now: written at switch-in, so the slice of a
 * task still running at scrape time can be added by user space.
 * runtime_ns is the task's own runtime counter (se.sum_exec_runtime, what
 * cpu.stat sums) when this slot last committed for it; a slice is the
 * counter's growth since, not a difference of timestamps.
 * pending_runq_ns is the wait the task had before this switch-in; it is
 * committed to its stats at switch-out, saving a second stats lookup.
 */
struct cpu_oncpu {
	__u64 start_ns;			/* 0 when the idle task runs */
	struct service_key key;
	__u32 tid;			/* who was switched in */
	__u32 pad;
	__u64 runtime_ns;
	__u64 pending_runq_ns;
	__u64 has_pending_runq;
};

enum cpu_drop_reason {
	CPU_DROP_STATS_MAP_FULL,
	CPU_DROP_SWITCH_UNSEEN,
	CPU_DROP_REASONS,
};

#endif
