/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Walking a BPF hash map from user space, bounded. */
#ifndef PANTAU_MAP_WALK_H
#define PANTAU_MAP_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MAP_WALK_KEY_MAX 64

typedef void (*map_walk_fn)(const void *key, const void *values, int n_cpus, void *ctx);

/*
 * Call fn for every entry of the map at fd: key, and the value (for a
 * per-CPU map, n_cpus values of value_size, each rounded up to 8 bytes as
 * the kernel lays them out). fn may be NULL to count. Reads in batches
 * where the kernel has them (5.6+) and value_size is given, else one key
 * at a time. Returns the number of entries visited, or a negative errno.
 */
long map_walk(int fd, size_t key_size, size_t value_size, bool percpu, uint32_t max_entries,
	      map_walk_fn fn, void *ctx);
/* The same one key at a time: kernels before 5.6, map types without batches. */
long map_walk_by_key(int fd, size_t key_size, size_t value_size, bool percpu, int n_cpus,
		     uint32_t max_entries, map_walk_fn fn, void *ctx);

#endif
