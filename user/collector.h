/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Collectors read BPF maps into the registry, one per domain, with a
 * common interface (as node_exporter's): a failing collector is reported
 * in pantau_collector_success, not fatal.
 */
#ifndef PANTAU_COLLECTOR_H
#define PANTAU_COLLECTOR_H

#include <stdint.h>
#include "probes.h"
#include "registry.h"

struct collect_ctx {
	struct registry *registry;
	struct probes *probes;
	uint64_t now_ns;	/* CLOCK_MONOTONIC, the clock of bpf_ktime_get_ns() */
};

struct collector {
	const char *name;
	int (*collect)(struct collect_ctx *ctx);
};

/* Drops the BPF side counted, by reason, for pantau_events_dropped_total. */
struct drop_count {
	const char *reason;
	uint64_t count;
};

int cpu_collect(struct collect_ctx *ctx);
/* Fill drops; returns how many. */
size_t cpu_drops(struct probes *p, struct drop_count *out, size_t max);

/* Sum a per-CPU value of n_u64 counters over CPUs into out. */
void percpu_sum_u64(const void *values, int n_cpus, size_t value_size,
		    size_t n_u64, uint64_t *out);

#endif
