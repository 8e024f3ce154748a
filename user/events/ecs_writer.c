// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <string.h>
#include "events/ecs_writer.h"

/* Each byte's escape: 0 passes, 'u' is \u00xx, anything else is \ and it. */
static const char escape_of[256] = {
	['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n', ['\f'] = 'f', ['\r'] = 'r',
	[0x00] = 'u', [0x01] = 'u', [0x02] = 'u', [0x03] = 'u', [0x04] = 'u', [0x05] = 'u',
	[0x06] = 'u', [0x07] = 'u', [0x0b] = 'u', [0x0e] = 'u', [0x0f] = 'u', [0x10] = 'u',
	[0x11] = 'u', [0x12] = 'u', [0x13] = 'u', [0x14] = 'u', [0x15] = 'u', [0x16] = 'u',
	[0x17] = 'u', [0x18] = 'u', [0x19] = 'u', [0x1a] = 'u', [0x1b] = 'u', [0x1c] = 'u',
	[0x1d] = 'u', [0x1e] = 'u', [0x1f] = 'u',
	['"'] = '"', ['\\'] = '\\',
};

void ecs_writer_init(struct ecs_writer *w)
{
	memset(w, 0, sizeof(*w));
	sbuf_init_max(&w->out, ECS_DOC_MAX);
}

void ecs_writer_free(struct ecs_writer *w)
{
	sbuf_free(&w->out);
	w->depth = 0;
	w->err = 0;
}

/* Inline, as sbuf_error() is not: it runs several times per member. */
static inline bool failed(struct ecs_writer *w)
{
	if (__builtin_expect(!w->err && w->out.err, 0))
		w->err = w->out.err;
	return w->err != 0;
}

/* Room for n more bytes and the NUL, without a call when there is. */
static inline bool room(struct ecs_writer *w, size_t n)
{
	if (!w->out.err && n < w->out.cap - w->out.len)
		return true;
	sbuf_reserve(&w->out, n);
	return !failed(w);
}

/* s escaped, quoted; n is bounded by ECS_DOC_MAX so 6 * n + 2 cannot wrap. */
static void put_quoted(struct ecs_writer *w, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t run = 0;
	char *o;

	if (n > ECS_DOC_MAX) {
		w->err = -ENOMEM;
		return;
	}
	if (!room(w, 6 * n + 2))
		return;
	o = w->out.buf + w->out.len;
	*o++ = '"';
	/* Bounded by n; runs of bytes that pass are copied whole. */
	for (size_t i = 0; i < n; i++) {
		char e = escape_of[p[i]];

		if (!e)
			continue;
		memcpy(o, s + run, i - run);
		o += i - run;
		*o++ = '\\';
		if (e == 'u') {
			memcpy(o, "u00", 3);
			o[3] = hex[p[i] >> 4];
			o[4] = hex[p[i] & 0xf];
			o += 5;
		} else {
			*o++ = e;
		}
		run = i + 1;
	}
	memcpy(o, s + run, n - run);
	o += n - run;
	*o++ = '"';
	*o = '\0';
	w->out.len = (size_t)(o - w->out.buf);
}

/* The ',' and "key": before a member; false once the document failed. */
static bool member(struct ecs_writer *w, const char *key)
{
	bool in_object;

	if (failed(w))
		return false;
	if (!w->depth) {
		w->err = -EINVAL;	/* after the document's end */
		return false;
	}
	in_object = w->closer[w->depth - 1] == '}';
	if (in_object != (key != NULL)) {
		w->err = -EINVAL;	/* a key in an array, or none in an object */
		return false;
	}
	if (w->has_member[w->depth - 1])
		sbuf_add(&w->out, ",", 1);
	w->has_member[w->depth - 1] = true;
	if (key) {
		put_quoted(w, key, strlen(key));
		sbuf_add(&w->out, ":", 1);
	}
	return !failed(w);
}

static void open_container(struct ecs_writer *w, const char *key, char opener, char closer)
{
	if (w->depth && !member(w, key))
		return;
	if (w->depth == ECS_DEPTH_MAX) {
		w->err = -EINVAL;
		return;
	}
	sbuf_add(&w->out, &opener, 1);
	w->closer[w->depth] = closer;
	w->has_member[w->depth] = false;
	w->depth++;
}

void ecs_doc_begin(struct ecs_writer *w)
{
	sbuf_reset(&w->out);
	w->depth = 0;
	w->err = 0;
	open_container(w, NULL, '{', '}');
}

void ecs_object_begin(struct ecs_writer *w, const char *key)
{
	if (!w->depth)
		w->err = -EINVAL;
	else
		open_container(w, key, '{', '}');
}

void ecs_array_begin(struct ecs_writer *w, const char *key)
{
	if (!w->depth)
		w->err = -EINVAL;
	else
		open_container(w, key, '[', ']');
}

void ecs_close(struct ecs_writer *w)
{
	if (failed(w))
		return;
	if (w->depth <= 1) {
		w->err = -EINVAL;	/* the top level closes in ecs_doc_end() */
		return;
	}
	w->depth--;
	sbuf_add(&w->out, &w->closer[w->depth], 1);
}

int ecs_doc_end(struct ecs_writer *w, const char **text, size_t *len)
{
	if (!failed(w) && w->depth != 1)
		w->err = -EINVAL;
	if (!failed(w)) {
		w->depth = 0;
		sbuf_add(&w->out, "}", 1);
	}
	if (failed(w))
		return w->err;
	*text = w->out.buf;
	*len = w->out.len;
	return 0;
}

void ecs_string_len(struct ecs_writer *w, const char *key, const char *s, size_t n)
{
	if (member(w, key))
		put_quoted(w, s, n);
}

void ecs_string(struct ecs_writer *w, const char *key, const char *s)
{
	ecs_string_len(w, key, s, strlen(s));
}

void ecs_int(struct ecs_writer *w, const char *key, int64_t v)
{
	/* Unsigned, so that INT64_MIN negates; 20 digits and a sign at most. */
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	char digits[24], *p = digits + sizeof(digits);

	if (!member(w, key))
		return;
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	sbuf_add(&w->out, p, (size_t)(digits + sizeof(digits) - p));
}

void ecs_object_string(struct ecs_writer *w, const char *key, const char *member_key, const char *s)
{
	ecs_object_begin(w, key);
	ecs_string(w, member_key, s);
	ecs_close(w);
}

void ecs_strings(struct ecs_writer *w, const char *key, const char *a, const char *b)
{
	ecs_array_begin(w, key);
	ecs_string(w, NULL, a);
	if (b)
		ecs_string(w, NULL, b);
	ecs_close(w);
}
