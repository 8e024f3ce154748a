/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Running a BPF iterator and reading its fixed-size records, bounded. */
#ifndef PANTAU_ITER_READ_H
#define PANTAU_ITER_READ_H

#include <stddef.h>

struct bpf_link;

/*
 * Create an iterator from link, call fn for each record of rec_size bytes
 * (rec_size at most ITER_RECORD_MAX). Returns the number of records, or a
 * negative errno when the iterator cannot be created or read.
 */
#define ITER_RECORD_MAX 256
long iter_read_records(struct bpf_link *link, size_t rec_size,
		       void (*fn)(const void *rec, void *ctx), void *ctx);

#endif
