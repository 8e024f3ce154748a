/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A fixed-capacity table of rows, each starting with a key of key_size
 * bytes, found by hash. Rows are removed in batches (remove_if), which
 * compacts the rows and rebuilds the index: removals are rare here.
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
void *rowtab_at(struct rowtab *t, size_t i);
/* Remove every row for which pred(row, ctx) is true. */
void rowtab_remove_if(struct rowtab *t, bool (*pred)(const void *row, void *ctx), void *ctx);

#endif
