// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include "bpf/id_map.h"
#include "bpf/map_walk.h"

static int compare_ids(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The keys of the map that are not among the wanted ids. */
struct stale_keys {
	const uint64_t *wanted;
	size_t n_wanted;
	uint64_t *keys;
	size_t n, max;
};

static void note_stale(const void *key, const void *values, int n_cpus, void *ctx)
{
	struct stale_keys *s = ctx;
	uint64_t id = *(const uint64_t *)key;

	(void)values;
	(void)n_cpus;
	if (s->n < s->max && !bsearch(&id, s->wanted, s->n_wanted, sizeof(id), compare_ids))
		s->keys[s->n++] = id;
}

int id_map_set(int fd, uint64_t *ids, size_t n, uint32_t max_entries)
{
	struct stale_keys stale = { .wanted = ids, .n_wanted = n, .max = max_entries };
	const uint8_t one = 1;
	long walked;
	int err = 0;

	if (n > max_entries)
		return -E2BIG;
	qsort(ids, n, sizeof(*ids), compare_ids);
	stale.keys = calloc(max_entries ? max_entries : 1, sizeof(*stale.keys));
	if (!stale.keys)
		return -ENOMEM;
	/* Stale keys are collected first: deleting while walking restarts the walk. */
	walked = map_walk(fd, sizeof(uint64_t), sizeof(uint8_t), false, max_entries, note_stale, &stale);
	if (walked < 0)
		err = (int)walked;
	for (size_t i = 0; !err && i < stale.n; i++)
		if (bpf_map_delete_elem(fd, &stale.keys[i]) && errno != ENOENT)
			err = -errno;
	for (size_t i = 0; !err && i < n; i++)
		if (bpf_map_update_elem(fd, &ids[i], &one, BPF_ANY))
			err = -errno;
	free(stale.keys);
	return err;
}
