// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpf/map_walk.h"

/* The kernel's "not supported", which the uapi headers do not define. */
#ifndef ENOTSUPP
#define ENOTSUPP 524
#endif

/*
 * Entries per batch syscall: a scrape of 1,000 services reads each map in
 * a few. Fewer when per-CPU values on a large machine would make the
 * buffer larger than BATCH_BYTES.
 */
#define BATCH_ENTRIES 512
#define BATCH_ENTRIES_MIN 16
#define BATCH_BYTES (1u << 20)
/* A hash bucket longer than the batch answers ENOSPC: grow up to this. */
#define BATCH_ENTRIES_MAX 65536

/* Bytes per entry of a value buffer: per-CPU values are 8-byte aligned each. */
static size_t stride(size_t value_size, bool percpu, int n_cpus)
{
	return percpu ? (size_t)n_cpus * ((value_size + 7) & ~(size_t)7) : value_size;
}

long map_walk_by_key(int fd, size_t key_size, size_t value_size, bool percpu, int n_cpus,
			uint32_t max_entries, map_walk_fn fn, void *ctx)
{
	unsigned char key[MAP_WALK_KEY_MAX], next[MAP_WALK_KEY_MAX];
	/* Entries deleted meanwhile can restart the walk: allow two rounds. */
	uint64_t budget = (uint64_t)max_entries * 2;
	void *values = NULL;
	bool first = true;
	long visited = 0;

	if (fn) {
		values = calloc(1, stride(value_size, percpu, n_cpus) + 8);
		if (!values)
			return -ENOMEM;
	}
	while (budget-- && bpf_map_get_next_key(fd, first ? NULL : key, next) == 0) {
		first = false;
		memcpy(key, next, key_size);
		if (fn) {
			if (bpf_map_lookup_elem(fd, key, values))
				continue;
			fn(key, values, n_cpus, ctx);
		}
		visited++;
	}
	free(values);
	return visited;
}

/*
 * BPF_MAP_LOOKUP_BATCH: one syscall per BATCH_ENTRIES entries instead of
 * two per entry. Returns -EOPNOTSUPP before the first batch when the kernel
 * or the map type has no batches, so that the caller can walk by key.
 */
static long walk_by_batch(int fd, size_t key_size, size_t value_size, bool percpu, int n_cpus,
			  uint32_t max_entries, map_walk_fn fn, void *ctx)
{
	/* The batch token is a u32 for hash maps, a key for the generic walk. */
	unsigned char token[MAP_WALK_KEY_MAX + 8];
	size_t vstride = stride(value_size, percpu, n_cpus);
	size_t cap = BATCH_BYTES / vstride;
	unsigned char *keys = NULL, *values = NULL;
	uint64_t budget = (uint64_t)max_entries * 2 + BATCH_ENTRIES;
	bool first = true, done = false;
	long visited = 0;
	int err = 0;

	cap = cap < BATCH_ENTRIES_MIN ? BATCH_ENTRIES_MIN : cap > BATCH_ENTRIES ? BATCH_ENTRIES : cap;
	while (!done && budget) {
		__u32 count = (__u32)cap;

		if (!keys) {
			keys = malloc(cap * key_size);
			values = malloc(cap * vstride);
			if (!keys || !values) {
				err = -ENOMEM;
				break;
			}
		}
		if (bpf_map_lookup_batch(fd, first ? NULL : token, token, keys, values, &count,
					 NULL)) {
			err = -errno;
			if (err == -ENOENT) {
				done = true;
				err = 0;
			} else if (err == -ENOSPC && count == 0 && cap < BATCH_ENTRIES_MAX) {
				cap *= 2;
				free(keys);
				free(values);
				keys = values = NULL;
				err = 0;
				continue;
			} else {
				if (first && (err == -EINVAL || err == -ENOTSUPP || err == -EOPNOTSUPP))
					err = -EOPNOTSUPP;
				break;
			}
		}
		first = false;
		if (count > budget)
			count = (__u32)budget;
		budget -= count;
		for (__u32 i = 0; i < count; i++)
			if (fn)
				fn(keys + i * key_size, values + i * vstride, n_cpus, ctx);
		visited += count;
	}
	free(keys);
	free(values);
	return err ? err : visited;
}

long map_walk(int fd, size_t key_size, size_t value_size, bool percpu, uint32_t max_entries,
	      map_walk_fn fn, void *ctx)
{
	int n_cpus = percpu ? libbpf_num_possible_cpus() : 1;
	long n;

	if (key_size > MAP_WALK_KEY_MAX || n_cpus <= 0)
		return -EINVAL;
	if (value_size) {
		n = walk_by_batch(fd, key_size, value_size, percpu, n_cpus, max_entries, fn, ctx);
		if (n != -EOPNOTSUPP)
			return n;
	}
	return map_walk_by_key(fd, key_size, value_size, percpu, n_cpus, max_entries, fn, ctx);
}
