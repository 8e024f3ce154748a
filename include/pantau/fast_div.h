/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Division by a constant as a multiply and a shift, for BPF programs: the
 * BPF backend emits a real division, which the x86 JIT turns into a slow
 * div with register spills around it. Exact over the ranges stated
 * (tests/unit/test_fast_div.c).
 */
#ifndef PANTAU_FAST_DIV_H
#define PANTAU_FAST_DIV_H

/* vmlinux.h already defines the __u* types; <linux/types.h> would clash. */
#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/* v / 1000: ceil(2^38 / 1000) is exact for every 32-bit v; above, a division. */
static __always_inline __u64 div1000(__u64 v)
{
	return v <= 0xffffffffULL ? (v * 274877907ULL) >> 38 : v / 1000;
}

/* A status code's class, its first digit (status / 100): exact for 0..999. */
static __always_inline __u32 status_class_of(__u32 status)
{
	return (status * 41) >> 12;
}

#endif
