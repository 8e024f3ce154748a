/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The one ring buffer every domain writes events to, and its drop counts.
 * Like shared_cgroups, user space creates these once and every object
 * reuses them.
 */
#ifndef PANTAU_EVENTS_BPF_H
#define PANTAU_EVENTS_BPF_H

#include "pantau/events.h"
#include "maps.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, EVENTS_RINGBUF_BYTES);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EVENT_DROP_REASONS);
	__type(key, __u32);
	__type(value, __u64);
} event_drops SEC(".maps");

static __always_inline void *event_reserve(__u64 size)
{
	void *e = bpf_ringbuf_reserve(&events, size, 0);

	if (!e)
		map_count(&event_drops, EVENT_DROP_RINGBUF_FULL);
	return e;
}

#endif
