/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Kernel-version differences, kept in one place (as libbpf-tools do). */
#ifndef PANTAU_CORE_FIXES_BPF_H
#define PANTAU_CORE_FIXES_BPF_H

#include <bpf/bpf_core_read.h>

/* task_struct::state was renamed to __state in Linux 5.14. */
struct task_struct___o {
	volatile long int state;
} __attribute__((preserve_access_index));

/*
 * tp_btf programs may dereference task pointers directly (one load each);
 * raw_tp programs must go through bpf_probe_read_kernel (a helper call).
 * btf is a compile-time constant at every call site.
 */
#define TASK_READ(t, field, btf) ((btf) ? (t)->field : BPF_CORE_READ(t, field))

static __always_inline __u32 task_state(struct task_struct *t, const bool btf)
{
	if (bpf_core_field_exists(t->__state))
		return TASK_READ(t, __state, btf);
	return TASK_READ((struct task_struct___o *)t, state, btf);
}

/*
 * mm_struct::rss_stat, the counters behind VmRSS: a struct mm_rss_stat of
 * atomic_long_t before Linux 6.2, an array of percpu_counter since (their
 * .count is what /proc reads). The struct's existence tells which.
 */
struct mm_rss_stat___old {
	atomic_long_t count[4];
} __attribute__((preserve_access_index));

struct mm_struct___old {
	struct mm_rss_stat___old rss_stat;
} __attribute__((preserve_access_index));

/*
 * The old layout is read with a helper even where plain loads would do:
 * the 6.1 verifier does not follow a typedef'd atomic_long_t in a load.
 */
#define MM_RSS_READ(mm, member, btf)                                                   \
	(bpf_core_type_exists(struct mm_rss_stat___old) ?                              \
	 BPF_CORE_READ((struct mm_struct___old *)(mm), rss_stat.count[member].counter) : \
	 ((btf) ? (mm)->rss_stat[member].count : BPF_CORE_READ(mm, rss_stat[member].count)))

/* Resident pages of mm, as VmRSS counts them (file, anonymous and shmem). */
static __always_inline __s64 mm_rss_pages(struct mm_struct *mm, const bool btf)
{
	return MM_RSS_READ(mm, MM_FILEPAGES, btf) + MM_RSS_READ(mm, MM_ANONPAGES, btf) +
	       MM_RSS_READ(mm, MM_SHMEMPAGES, btf);
}

#endif
