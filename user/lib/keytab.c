// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "lib/keytab.h"

static size_t key_hash(const struct service_key *k)
{
	uint64_t h = k->cgroup_id * 0x9E3779B97F4A7C15ULL;

	h ^= ((uint64_t)k->tgid + 0x632BE59BD9B4E019ULL) * 0xBF58476D1CE4E5B9ULL;
	h ^= h >> 31;
	return (size_t)h;
}

static bool key_eq(const struct service_key *a, const struct service_key *b)
{
	return a->cgroup_id == b->cgroup_id && a->tgid == b->tgid;
}

int keytab_init(struct keytab *t, size_t capacity)
{
	size_t n = 16;

	memset(t, 0, sizeof(*t));
	while (n < capacity * 2)
		n *= 2;
	t->keys = calloc(n, sizeof(*t->keys));
	t->vals = malloc(n * sizeof(*t->vals));
	if (!t->keys || !t->vals) {
		keytab_free(t);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		t->vals[i] = -1;
	t->n_buckets = n;
	t->capacity = capacity;
	return 0;
}

void keytab_free(struct keytab *t)
{
	free(t->keys);
	free(t->vals);
	memset(t, 0, sizeof(*t));
}

/* The bucket holding key, or the empty bucket where it would go. */
static size_t find(const struct keytab *t, const struct service_key *key)
{
	size_t mask = t->n_buckets - 1, i = key_hash(key) & mask;

	/* Terminates: the table is never more than half full. */
	while (t->vals[i] >= 0 && !key_eq(&t->keys[i], key))
		i = (i + 1) & mask;
	return i;
}

int32_t keytab_get(const struct keytab *t, const struct service_key *key)
{
	if (!t->n_buckets)
		return -1;
	return t->vals[find(t, key)];
}

int keytab_put(struct keytab *t, const struct service_key *key, int32_t val)
{
	size_t i = find(t, key);

	if (t->vals[i] < 0) {
		if (t->count >= t->capacity)
			return -ENOSPC;
		t->count++;
		t->keys[i] = *key;
	}
	t->vals[i] = val;
	return 0;
}

int keytab_del(struct keytab *t, const struct service_key *key)
{
	size_t mask = t->n_buckets - 1, i = find(t, key), j;

	if (t->vals[i] < 0)
		return -ENOENT;
	t->vals[i] = -1;
	t->count--;
	/* Backward-shift deletion keeps probe chains whole without tombstones. */
	for (j = (i + 1) & mask; t->vals[j] >= 0; j = (j + 1) & mask) {
		size_t home = key_hash(&t->keys[j]) & mask;

		/* Move j into the hole at i unless its home lies in (i, j]. */
		if ((j > i && (home <= i || home > j)) ||
		    (j < i && (home <= i && home > j))) {
			t->keys[i] = t->keys[j];
			t->vals[i] = t->vals[j];
			t->vals[j] = -1;
			i = j;
		}
	}
	return 0;
}
