/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Clock readings: monotonic for intervals, wall for timestamps. */
#ifndef PANTAU_CLOCK_H
#define PANTAU_CLOCK_H

#include <stdint.h>
#include <time.h>

/*
 * CLOCK_MONOTONIC is the clock of bpf_ktime_get_ns(), so BPF timestamps
 * compare with it directly; it never jumps when the wall clock is set.
 */
static inline uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static inline uint64_t mono_ms(void)
{
	return mono_ns() / 1000000ULL;
}

static inline uint64_t mono_s(void)
{
	return mono_ns() / 1000000000ULL;
}

/* CLOCK_REALTIME: what goes into documents as the time of day. */
static inline uint64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static inline int64_t wall_ms(void)
{
	return (int64_t)(wall_ns() / 1000000ULL);
}

#endif
