/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef PANTAU_GZIP_H
#define PANTAU_GZIP_H

#include <stddef.h>

/*
 * gzip len bytes of in at level (1 fastest .. 12 smallest; 6 is zlib's
 * default) into *buf,
 * grown as needed (*cap is its size; the caller frees *buf). Returns the
 * compressed length, 0 on failure.
 */
size_t gzip_into(const void *in, size_t len, int level, unsigned char **buf, size_t *cap);

#endif
