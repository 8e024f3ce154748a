/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Kernel-version differences, kept in one place (as libbpf-tools do). */
#ifndef PANTAU_CORE_FIXES_BPF_H
#define PANTAU_CORE_FIXES_BPF_H

#include <bpf/bpf_core_read.h>

/* task_struct::state was renamed to __state in Linux 5.14. */
struct task_struct___o {
	volatile long int state;
} __attribute__((preserve_access_index));

static __always_inline __u32 task_state(struct task_struct *t)
{
	if (bpf_core_field_exists(t->__state))
		return BPF_CORE_READ(t, __state);
	return BPF_CORE_READ((struct task_struct___o *)t, state);
}

#endif
