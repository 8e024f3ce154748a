// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpf/map_walk.h"

long map_walk(int fd, size_t key_size, size_t value_size, bool percpu, uint32_t max_entries,
	      void (*fn)(const void *key, const void *values, int n_cpus, void *ctx), void *ctx)
{
	unsigned char key[MAP_WALK_KEY_MAX], next[MAP_WALK_KEY_MAX];
	int n_cpus = percpu ? libbpf_num_possible_cpus() : 1;
	/* Entries deleted meanwhile can restart the walk: allow two rounds. */
	uint64_t budget = (uint64_t)max_entries * 2;
	void *values = NULL;
	bool first = true;
	long visited = 0;

	if (key_size > MAP_WALK_KEY_MAX || n_cpus <= 0)
		return -EINVAL;
	if (fn) {
		values = calloc((size_t)n_cpus, (value_size + 7) & ~(size_t)7);
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
