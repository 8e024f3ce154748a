// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libdeflate, not zlib's deflate: at level 1 it compresses a 3.7 MB
 * exposition in 3.9 ms where zlib took 9.5 ms, into fewer bytes, because
 * it compresses a whole buffer at once instead of a stream.
 */
#include <stdlib.h>
#include <libdeflate.h>
#include "lib/gzip.h"

size_t gzip_into(const void *in, size_t len, int level, unsigned char **buf, size_t *cap)
{
	struct libdeflate_compressor *c;
	size_t bound, out;

	c = libdeflate_alloc_compressor(level);
	if (!c)
		return 0;
	bound = libdeflate_gzip_compress_bound(c, len);
	if (bound > *cap) {
		unsigned char *p = realloc(*buf, bound);

		if (!p) {
			libdeflate_free_compressor(c);
			return 0;
		}
		*buf = p;
		*cap = bound;
	}
	out = libdeflate_gzip_compress(c, in, len, *buf, *cap);
	libdeflate_free_compressor(c);
	return out;
}
