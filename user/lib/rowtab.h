/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A fixed-capacity table of rows, each starting with a key of key_size
 * bytes, found by hash; memory is allocated once. Keys compare as bytes,
 * so callers zero their padding. Rows stay packed in rows[0 .. count):
 * remove_if drops a batch keeping the order of the rest and rebuilds the
 * index; rowtab_del drops one row and moves the last row into its place.
 */
#ifndef PANTAU_ROWTAB_H
#define PANTAU_ROWTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rowtab {
	size_t key_size, row_size, capacity, count, n_buckets;
	unsigned char *rows;
	int32_t *index;		/* bucket -> row, -1 when empty */
};

int rowtab_init(struct rowtab *t, size_t key_size, size_t row_size, size_t capacity);
void rowtab_free(struct rowtab *t);
/* The row for key; with create, a zeroed new row. NULL if absent or full. */
void *rowtab_get(struct rowtab *t, const void *key, bool create);
void *rowtab_at(const struct rowtab *t, size_t i);
/* Remove every row for which pred(row, ctx) is true. */
void rowtab_remove_if(struct rowtab *t, bool (*pred)(const void *row, void *ctx), void *ctx);
/* Remove the row for key: 0, or -ENOENT. The last row moves into its place. */
int rowtab_del(struct rowtab *t, const void *key);

#endif
