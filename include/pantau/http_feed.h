/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * User-space driver for http_parse.h: feeds buffers through one stream and
 * records where each message started, where its header block and the
 * message ended. Used by the unit tests and the fuzz targets, which compare
 * the record of one buffer fed whole with the same bytes fed in pieces.
 */
#ifndef PANTAU_HTTP_FEED_H
#define PANTAU_HTTP_FEED_H

#include <string.h>
#include "pantau/http_parse.h"

#define HTTP_FEED_MSGS	16
#define HTTP_FEED_NONE	(~0ULL)

struct http_msg {
	__u64 start;		/* offset of the start line's first byte */
	__u64 line;		/* offset of the byte that gave HTTP_EV_START */
	__u64 headers;		/* ... HTTP_EV_HEADERS, or HTTP_FEED_NONE */
	__u64 end;		/* offset just past the last byte, or HTTP_FEED_NONE */
	__u16 code;		/* method (requests) or status (responses) */
};

/* How the driver walks the bytes; every mode must give the same record. */
enum http_feed_mode {
	HTTP_FEED_SKIP,		/* the documented loop: skip bodies, step the rest */
	HTTP_FEED_STEP,		/* step every byte, never skip */
	HTTP_FEED_NEWLINE,	/* also jump to '\n' where http_wants_newline() */
	HTTP_FEED_WORD,		/* as the BPF programs: http_step8(), then one byte */
};

struct http_feed {
	struct http_stream s;
	enum http_feed_mode mode;
	__u32 head_mask;	/* bit i: response i answers a HEAD request */
	__u32 connect_mask;	/* bit i: response i answers a CONNECT request */
	__u64 off;		/* bytes fed so far */
	__u64 begin;		/* offset of the current message's first byte */
	__u64 error_at;		/* offset of the byte that gave HTTP_EV_ERROR */
	__u32 n_msgs;		/* messages started (may exceed HTTP_FEED_MSGS) */
	__u32 n_done;		/* messages ended */
	__u32 n_errors;		/* HTTP_EV_ERROR events */
	__u32 n_bad;		/* events out of order: a framer bug */
	struct http_msg msg[HTTP_FEED_MSGS];
};

static inline void http_feed_init(struct http_feed *f, enum http_kind kind,
				  enum http_feed_mode mode)
{
	memset(f, 0, sizeof(*f));
	http_stream_init(&f->s, kind);
	f->mode = mode;
	f->error_at = HTTP_FEED_NONE;
}

static inline struct http_msg *http_feed_cur(struct http_feed *f)
{
	return f->n_msgs && f->n_msgs <= HTTP_FEED_MSGS ? &f->msg[f->n_msgs - 1] : NULL;
}

/* Record the events ev given by the byte at offset at. */
static inline void http_feed_record(struct http_feed *f, __u32 ev, __u64 at)
{
	struct http_msg *m;

	if (ev & HTTP_EV_START) {
		if (f->n_msgs != f->n_done)
			f->n_bad++;
		f->n_msgs++;
		m = http_feed_cur(f);
		if (m) {
			m->start = f->begin;
			m->line = at;
			m->headers = HTTP_FEED_NONE;
			m->end = HTTP_FEED_NONE;
			m->code = f->s.kind == HTTP_REQUEST ? f->s.method : f->s.status;
		}
		if (f->s.kind == HTTP_RESPONSE && f->n_msgs <= 32) {
			__u32 bit = 1u << (f->n_msgs - 1);

			if (f->head_mask & bit)
				f->s.no_body_next = 1;
			if (f->connect_mask & bit)
				f->s.connect_next = 1;
		}
	}
	m = http_feed_cur(f);
	if (ev & HTTP_EV_HEADERS) {
		if (f->n_msgs == f->n_done || (m && m->headers != HTTP_FEED_NONE))
			f->n_bad++;
		else if (m)
			m->headers = at;
	}
	if (ev & HTTP_EV_END) {
		if (f->n_msgs == f->n_done)
			f->n_bad++;
		else
			f->n_done++;
		if (m && m->end == HTTP_FEED_NONE)
			m->end = at + 1;
	}
	if (ev & HTTP_EV_ERROR) {
		if (f->n_errors)
			f->n_bad++;
		f->n_errors++;
		f->error_at = at;
	}
}

/* Whether two feeds of the same bytes recorded the same messages and state. */
static inline int http_feed_equal(const struct http_feed *a, const struct http_feed *b)
{
	if (a->n_msgs != b->n_msgs || a->n_done != b->n_done || a->n_errors != b->n_errors ||
	    a->error_at != b->error_at || a->n_bad != b->n_bad || a->s.state != b->s.state ||
	    a->s.n != b->s.n || a->s.cl != b->s.cl || a->s.flags != b->s.flags ||
	    a->s.pos != b->s.pos || a->s.aux != b->s.aux || a->s.hdr != b->s.hdr ||
	    a->s.method != b->s.method || a->s.status != b->s.status)
		return 0;
	for (__u32 i = 0; i < a->n_msgs && i < HTTP_FEED_MSGS; i++) {
		const struct http_msg *x = &a->msg[i], *y = &b->msg[i];

		if (x->start != y->start || x->line != y->line || x->headers != y->headers ||
		    x->end != y->end || x->code != y->code)
			return 0;
	}
	return 1;
}

/* Feed len bytes; returns the number of messages that ended in them. */
static inline __u32 http_feed(struct http_feed *f, const __u8 *buf, __u32 len)
{
	__u32 done = f->n_done;
	__u32 i = 0;

	while (i < len) {
		__u64 k = f->mode == HTTP_FEED_STEP ? 0 : http_skippable(&f->s);
		__u32 ev;

		if (k) {
			__u64 take = k < len - i ? k : len - i;

			ev = http_skip(&f->s, take);
			i += (__u32)take;
			http_feed_record(f, ev, f->off + i - 1);
			continue;
		}
		if (f->mode == HTTP_FEED_NEWLINE && http_wants_newline(&f->s)) {
			const __u8 *nl = memchr(buf + i, '\n', len - i);

			if (!nl) {
				i = len;
				continue;
			}
			i = (__u32)(nl - buf);
		}
		if (http_idle(&f->s))
			f->begin = f->off + i;
		if (f->mode == HTTP_FEED_WORD) {
			/* As the BPF loop does: up to three words, then one byte. */
			for (int n = 0, words = 0; words < 3 && len - i >= 8; words++) {
				__u64 w = 0;

				for (int b = 7; b >= 0; b--)
					w = w << 8 | buf[i + b];
				n = (int)http_step8(&f->s, w);
				i += n;
				if (n < 8)
					break;
			}
			if (i == len)
				continue;
		}
		ev = http_step(&f->s, buf[i]);
		http_feed_record(f, ev, f->off + i);
		i++;
		/* ... and the LF after a CR in the same round. */
		if (f->mode == HTTP_FEED_WORD && !ev && (f->s.flags & HTTP_F_CR) && i < len) {
			ev = http_step(&f->s, buf[i]);
			http_feed_record(f, ev, f->off + i);
			i++;
		}
	}
	f->off += len;
	return f->n_done - done;
}

/* The connection closed: a read-until-close body ends here. */
static inline __u32 http_feed_eof(struct http_feed *f)
{
	__u32 done = f->n_done;
	__u32 ev = http_eof(&f->s);

	/* A body that runs to the close ends on the last byte; a cut message fails past it. */
	http_feed_record(f, ev & ~HTTP_EV_ERROR, f->off ? f->off - 1 : 0);
	http_feed_record(f, ev & HTTP_EV_ERROR, f->off);
	return f->n_done - done;
}

#endif
