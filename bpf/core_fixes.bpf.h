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

#endif
