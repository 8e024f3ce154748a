// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/sbuf.h"

void sbuf_init_max(struct sbuf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void sbuf_init(struct sbuf *b)
{
	sbuf_init_max(b, SBUF_MAX_BYTES);
}

void sbuf_free(struct sbuf *b)
{
	size_t max = b->max;

	free(b->buf);
	sbuf_init_max(b, max);
}

void sbuf_reset(struct sbuf *b)
{
	b->len = 0;
	b->err = 0;
	if (b->buf)
		b->buf[0] = '\0';
}

char *sbuf_take(struct sbuf *b, size_t *len)
{
	char *p = b->buf;

	*len = b->len;
	b->buf = NULL;
	b->len = b->cap = 0;
	b->err = 0;
	return p;
}

int sbuf_error(const struct sbuf *b)
{
	return b->err;
}

int sbuf_reserve(struct sbuf *b, size_t n)
{
	size_t want, cap;
	char *p;

	if (b->err)
		return b->err;
	if (n > b->max || b->len + n + 1 > b->max) {
		b->err = -ENOMEM;
		return b->err;
	}
	want = b->len + n + 1;
	if (want <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 4096;
	while (cap < want)
		cap *= 2;
	p = realloc(b->buf, cap);
	if (!p) {
		b->err = -ENOMEM;
		return b->err;
	}
	b->buf = p;
	b->cap = cap;
	return 0;
}

void sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (sbuf_reserve(b, 256))
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->buf + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->err = -EINVAL;
		return;
	}
	if ((size_t)n >= b->cap - b->len) {
		if (sbuf_reserve(b, (size_t)n))
			return;
		va_start(ap, fmt);
		vsnprintf(b->buf + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}
