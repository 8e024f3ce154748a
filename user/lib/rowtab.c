// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lib/rowtab.h"

static size_t hash_bytes(const unsigned char *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return (size_t)h;
}

int rowtab_init(struct rowtab *t, size_t key_size, size_t row_size, size_t capacity)
{
	size_t n = 16;

	memset(t, 0, sizeof(*t));
	while (n < capacity * 2)
		n *= 2;
	t->rows = calloc(capacity, row_size);
	t->index = malloc(n * sizeof(*t->index));
	if (!t->rows || !t->index) {
		rowtab_free(t);
		return -ENOMEM;
	}
	memset(t->index, 0xff, n * sizeof(*t->index));
	t->key_size = key_size;
	t->row_size = row_size;
	t->capacity = capacity;
	t->n_buckets = n;
	return 0;
}

void rowtab_free(struct rowtab *t)
{
	free(t->rows);
	free(t->index);
	memset(t, 0, sizeof(*t));
}

void *rowtab_at(struct rowtab *t, size_t i)
{
	return t->rows + i * t->row_size;
}

/* The bucket of key, or the empty one it would take. Never full: half empty. */
static size_t bucket(const struct rowtab *t, const void *key)
{
	size_t mask = t->n_buckets - 1, b = hash_bytes(key, t->key_size) & mask;

	while (t->index[b] >= 0 &&
	       memcmp(t->rows + (size_t)t->index[b] * t->row_size, key, t->key_size) != 0)
		b = (b + 1) & mask;
	return b;
}

void *rowtab_get(struct rowtab *t, const void *key, bool create)
{
	size_t b;
	void *row;

	if (!t->n_buckets)
		return NULL;
	b = bucket(t, key);
	if (t->index[b] >= 0)
		return rowtab_at(t, (size_t)t->index[b]);
	if (!create || t->count >= t->capacity)
		return NULL;
	row = rowtab_at(t, t->count);
	memset(row, 0, t->row_size);
	memcpy(row, key, t->key_size);
	t->index[b] = (int32_t)t->count++;
	return row;
}

void rowtab_remove_if(struct rowtab *t, bool (*pred)(const void *row, void *ctx), void *ctx)
{
	size_t kept = 0;

	for (size_t i = 0; i < t->count; i++) {
		void *row = rowtab_at(t, i);

		if (pred(row, ctx))
			continue;
		if (kept != i)
			memcpy(rowtab_at(t, kept), row, t->row_size);
		kept++;
	}
	if (kept == t->count)
		return;
	t->count = kept;
	memset(t->index, 0xff, t->n_buckets * sizeof(*t->index));
	for (size_t i = 0; i < t->count; i++)
		t->index[bucket(t, rowtab_at(t, i))] = (int32_t)i;
}
