/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A growing text buffer for HTTP bodies. Errors stick: after one failed
 * allocation (or reaching the cap) every call is a no-op and sbuf_error()
 * says so, so a renderer checks once at the end.
 */
#ifndef PANTAU_SBUF_H
#define PANTAU_SBUF_H

#include <stddef.h>
#include <string.h>

/* No page pantau renders comes near this; a bug must not eat the host. */
#define SBUF_MAX_BYTES (64u << 20)

struct sbuf {
	char *buf;	/* NUL-terminated once anything was written */
	size_t len;
	size_t cap;
	size_t max;	/* the most it may hold: SBUF_MAX_BYTES unless set */
	int err;	/* 0 or -ENOMEM */
};

void sbuf_init(struct sbuf *b);
/* The same, with another cap: /metrics grows with services.max. */
void sbuf_init_max(struct sbuf *b, size_t max);
void sbuf_free(struct sbuf *b);
/* Empty it (and clear a sticky error), keeping the memory for reuse. */
void sbuf_reset(struct sbuf *b);
/* Hand the buffer to the caller (who frees it with free()); b is reset. */
char *sbuf_take(struct sbuf *b, size_t *len);
int sbuf_error(const struct sbuf *b);

/* Room for n more bytes and the NUL: 0, or the sticky error. */
int sbuf_reserve(struct sbuf *b, size_t n);

/*
 * Inline: the Prometheus exposition (1.3 MB for 1,000 services) is written
 * a few bytes at a time, so the common case must not be a call.
 */
static inline void sbuf_add(struct sbuf *b, const char *s, size_t n)
{
	if ((b->err || n >= b->cap - b->len) && sbuf_reserve(b, n))
		return;
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

static inline void sbuf_puts(struct sbuf *b, const char *s)
{
	sbuf_add(b, s, strlen(s));
}

void sbuf_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
