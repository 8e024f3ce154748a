// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lib/rowtab.h"

/*
 * Eight bytes a step: the registry looks up every map key on every scrape.
 * The final mix spreads all bits into the low ones the index masks.
 */
static size_t hash_key(const unsigned char *p, size_t n)
{
	uint64_t h = 0x9E3779B97F4A7C15ULL, w;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xBF58476D1CE4E5B9ULL;
		h ^= h >> 31;
	}
	if (n) {
		w = 0;
		memcpy(&w, p, n);
		h = (h ^ w) * 0xBF58476D1CE4E5B9ULL;
	}
	h ^= h >> 29;
	h *= 0x94D049BB133111EBULL;
	h ^= h >> 32;
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

void *rowtab_at(const struct rowtab *t, size_t i)
{
	return t->rows + i * t->row_size;
}

static size_t home(const struct rowtab *t, const void *key)
{
	return hash_key(key, t->key_size) & (t->n_buckets - 1);
}

/* The bucket of key, or the empty one it would take. Never full: half empty. */
static size_t bucket(const struct rowtab *t, const void *key)
{
	size_t mask = t->n_buckets - 1, b = home(t, key);

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

int rowtab_del(struct rowtab *t, const void *key)
{
	size_t mask, b, j, row, last;

	if (!t->n_buckets)
		return -ENOENT;
	mask = t->n_buckets - 1;
	b = bucket(t, key);
	if (t->index[b] < 0)
		return -ENOENT;
	row = (size_t)t->index[b];
	t->index[b] = -1;
	/* Backward-shift deletion keeps probe chains whole without tombstones. */
	for (j = (b + 1) & mask; t->index[j] >= 0; j = (j + 1) & mask) {
		size_t h = home(t, rowtab_at(t, (size_t)t->index[j]));

		/* Move j into the hole at b unless its home lies in (b, j]. */
		if ((j > b && (h <= b || h > j)) || (j < b && (h <= b && h > j))) {
			t->index[b] = t->index[j];
			t->index[j] = -1;
			b = j;
		}
	}
	/* Keep the rows packed; the last row's bucket still finds it by its key. */
	last = --t->count;
	if (row != last) {
		memcpy(rowtab_at(t, row), rowtab_at(t, last), t->row_size);
		t->index[bucket(t, rowtab_at(t, last))] = (int32_t)row;
	}
	return 0;
}
