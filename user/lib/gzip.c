// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdlib.h>
#include <zlib.h>
#include "lib/gzip.h"

size_t gzip_into(const void *in, size_t len, int level, unsigned char **buf, size_t *cap)
{
	z_stream z = { 0 };
	size_t bound, out = 0;

	/* Window bits 15 + 16: a gzip header and trailer, not raw zlib. */
	if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return 0;
	bound = deflateBound(&z, (uLong)len) + 32;
	if (bound > *cap) {
		unsigned char *p = realloc(*buf, bound);

		if (!p) {
			deflateEnd(&z);
			return 0;
		}
		*buf = p;
		*cap = bound;
	}
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)len;
	z.next_out = *buf;
	z.avail_out = (uInt)*cap;
	if (deflate(&z, Z_FINISH) == Z_STREAM_END)
		out = z.total_out;
	deflateEnd(&z);
	return out;
}
