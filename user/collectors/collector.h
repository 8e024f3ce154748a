/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Collectors read BPF maps into the registry, one per domain, with a
 * common interface (as node_exporter's): a failing collector is reported
 * in pantau_collector_success, not fatal.
 */
#ifndef PANTAU_COLLECTOR_H
#define PANTAU_COLLECTOR_H

#include <stdint.h>
#include "bpf/probes.h"
#include "naming/peers.h"
#include "naming/registry.h"

struct collect_ctx {
	struct registry *registry;
	struct probes *probes;
	struct peers *peers;
};

/*
 * read() copies the BPF maps into the registry's key entries; after every
 * collector has read, the registry sweeps (liveness, naming), then apply()
 * adds each entry's change to its service.
 */
struct collector {
	const char *name;
	int (*read)(struct collect_ctx *ctx);
	void (*apply)(struct collect_ctx *ctx);
};

/* Drops the BPF side counted, by reason, for pantau_events_dropped_total. */
struct drop_count {
	const char *reason;
	uint64_t count;
};

int cpu_read(struct collect_ctx *ctx);
/* Frees what the CPU collector keeps between collections. */
void cpu_collector_cleanup(void);
void cpu_apply(struct collect_ctx *ctx);
/*
 * A service's CPU time: committed plus the slices still running. The
 * running part is an estimate that a later collection can undercut, so
 * the result never drops below what any caller was given before; the
 * caller holds d->lock.
 */
uint64_t service_cpu_ns(struct service *s);
int memory_read(struct collect_ctx *ctx);
int disk_read(struct collect_ctx *ctx);
void disk_apply(struct collect_ctx *ctx);
size_t disk_drops(struct probes *p, struct drop_count *out, size_t max);
int net_read(struct collect_ctx *ctx);
void net_apply(struct collect_ctx *ctx);
size_t net_drops(struct probes *p, struct drop_count *out, size_t max);
/* Counts of enum net_twin_count: both zero without the net domain. */
void net_twin_counts(struct probes *p, uint64_t out[NET_TWIN_COUNTS]);
/* Server connections whose answers the framer took over (enum net_answers). */
uint64_t net_answers_framed(struct probes *p);
int request_read(struct collect_ctx *ctx);
void request_apply(struct collect_ctx *ctx);
/* Limits have nothing in BPF: read is a no-op, apply reads cgroupfs. */
int limits_collect_read(struct collect_ctx *ctx);
void limits_collect_apply(struct collect_ctx *ctx);
void memory_apply(struct collect_ctx *ctx);
/* Fill drops; returns how many. */
size_t cpu_drops(struct probes *p, struct drop_count *out, size_t max);
size_t event_drops(struct probes *p, struct drop_count *out, size_t max);

/* Sum the per-CPU u64 counters of an array map at index, over CPUs. */
uint64_t percpu_array_sum(int fd, uint32_t index);

/*
 * Fill out from a per-CPU array map of drop counters, indexed by reason,
 * at most max; returns how many.
 */
size_t drop_counts(int fd, const char *const *reasons, uint32_t n_reasons,
		   struct drop_count *out, size_t max);

/* Sum a per-CPU value of n_u64 counters over CPUs into out. */
void percpu_sum_u64(const void *values, int n_cpus, size_t value_size,
		    size_t n_u64, uint64_t *out);

#endif
