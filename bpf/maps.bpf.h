/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef PANTAU_MAPS_BPF_H
#define PANTAU_MAPS_BPF_H

#include <bpf/bpf_helpers.h>
#include "pantau/fast_div.h"

/*
 * Look a key up, inserting init first when it is missing. Returns NULL
 * only when the map is full (or out of memory): the caller counts that.
 */
static __always_inline void *map_lookup_or_init(void *map, const void *key,
						const void *init)
{
	void *val = bpf_map_lookup_elem(map, key);
	long err;

	if (val)
		return val;
	err = bpf_map_update_elem(map, key, init, BPF_NOEXIST);
	if (err && err != -17 /* -EEXIST: another CPU won the race */)
		return NULL;
	return bpf_map_lookup_elem(map, key);
}

/* One more in a per-CPU array of counters (drops by reason, and the like). */
static __always_inline void map_count(void *map, __u32 key)
{
	__u64 *n = bpf_map_lookup_elem(map, &key);

	if (n)
		*n += 1;
}

/*
 * min(v, max) in the very register that is used next. The compiler may
 * check a bound on a copy (a zero-extended u32, or n - 1 for 0 < n <= max)
 * and index with the original; the verifiers of 6.1 and 6.12 then lose
 * the bound ("unbounded memory access"). One instruction, no branch the
 * compiler can move.
 */
static __always_inline __u64 bound_max(__u64 v, const __u64 max)
{
	asm volatile("if %[v] <= %[max] goto 1f\n\t%[v] = %[max]\n1:"
		     : [v] "+r"(v) : [max] "i"(max));
	return v;
}

/*
 * A size for a helper that takes 1..max bytes, where the caller has ruled
 * out 0: older verifiers learn nothing from "!= 0", so the range is made
 * visible as (v - 1) clamped, plus 1.
 */
static __always_inline __u64 bound_size(__u64 v, const __u64 max)
{
	return bound_max(v - 1, max - 1) + 1;
}

/* floor(log2(v)) for v > 0, 0 for v == 0; bounded, no loops. */
static __always_inline __u64 log2_u64(__u64 v)
{
	__u64 r = 0, shift;

	shift = (v > 0xFFFFFFFFULL) << 5; v >>= shift; r |= shift;
	shift = (v > 0xFFFF) << 4; v >>= shift; r |= shift;
	shift = (v > 0xFF) << 3; v >>= shift; r |= shift;
	shift = (v > 0xF) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	r |= (v >> 1);
	return r;
}

/* The log2 histogram slot of v, an index below nslots. */
static __always_inline __u64 log2_slot(__u64 v, const __u64 nslots)
{
	return bound_max(log2_u64(v), nslots - 1);
}

#endif
