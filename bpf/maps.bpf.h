/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef PANTAU_MAPS_BPF_H
#define PANTAU_MAPS_BPF_H

#include <bpf/bpf_helpers.h>

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

/* floor(log2(v)) for v > 0, 0 for v == 0; bounded, no loops. */
static __always_inline __u32 log2_u64(__u64 v)
{
	__u32 r = 0, shift;

	shift = (v > 0xFFFFFFFFULL) << 5; v >>= shift; r |= shift;
	shift = (v > 0xFFFF) << 4; v >>= shift; r |= shift;
	shift = (v > 0xFF) << 3; v >>= shift; r |= shift;
	shift = (v > 0xF) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	r |= (v >> 1);
	return r;
}

#endif
