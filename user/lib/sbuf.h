/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A growing text buffer for HTTP bodies. Errors stick: after one failed
 * allocation (or reaching the cap) every call is a no-op and sbuf_error()
 * says so, so a renderer checks once at the end.
 */
#ifndef PANTAU_SBUF_H
#define PANTAU_SBUF_H

#include <stddef.h>

/* No page pantau renders comes near this; a bug must not eat the host. */
#define SBUF_MAX_BYTES (64u << 20)

struct sbuf {
	char *buf;	/* NUL-terminated once anything was written */
	size_t len;
	size_t cap;
	int err;	/* 0 or -ENOMEM */
};

void sbuf_init(struct sbuf *b);
void sbuf_free(struct sbuf *b);
/* Empty it (and clear a sticky error), keeping the memory for reuse. */
void sbuf_reset(struct sbuf *b);
/* Hand the buffer to the caller (who frees it with free()); b is reset. */
char *sbuf_take(struct sbuf *b, size_t *len);
int sbuf_error(const struct sbuf *b);

void sbuf_add(struct sbuf *b, const char *s, size_t n);
void sbuf_puts(struct sbuf *b, const char *s);
void sbuf_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
