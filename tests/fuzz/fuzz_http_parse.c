// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for include/pantau/http_parse.h. The input is framed
 * whole, then in pieces and in the other driver modes; any difference, or
 * an event out of order or out of range, aborts.
 *
 * Input: byte 0 bit 0 = response stream, bit 1 = close after the bytes;
 * byte 1 = HEAD hints and byte 2 = CONNECT hints for responses 0..7;
 * byte 3 = where to split; the rest is the stream.
 *
 * Covers: include/pantau/http_parse.h
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "pantau/http_feed.h"

#define CONTROL_BYTES 4

struct input {
	enum http_kind kind;
	int eof;
	__u32 head_mask, connect_mask;
	const __u8 *buf;
	__u32 len;
};

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_http_parse: %s\n", what);
		abort();
	}
}

static void run(const struct input *in, enum http_feed_mode mode, const __u32 *cuts, int n_cuts,
		struct http_feed *f)
{
	__u32 at = 0;

	http_feed_init(f, in->kind, mode);
	f->head_mask = in->head_mask;
	f->connect_mask = in->connect_mask;
	for (int i = 0; i < n_cuts; i++) {
		http_feed(f, in->buf + at, cuts[i] - at);
		at = cuts[i];
	}
	http_feed(f, in->buf + at, in->len - at);
	if (in->eof)
		http_feed_eof(f);
}

static void check_invariants(const struct input *in, const struct http_feed *f)
{
	__u64 prev_end = 0;

	check(f->n_bad == 0, "events out of order (END without START, HEADERS twice, ...)");
	check(f->n_errors <= 1, "more than one error");
	check(f->n_done <= f->n_msgs && f->n_msgs <= f->n_done + 1, "message counts");
	check(f->n_errors == 0 || f->error_at < in->len + (in->eof ? 1u : 0u), "error offset");
	for (__u32 i = 0; i < f->n_msgs && i < HTTP_FEED_MSGS; i++) {
		const struct http_msg *m = &f->msg[i];

		check(m->start >= prev_end && m->start <= m->line && m->line < in->len,
		      "start line offsets");
		check(m->headers == HTTP_FEED_NONE || (m->headers > m->line && m->headers < in->len),
		      "header block offset");
		check(m->end == HTTP_FEED_NONE ||
		      (m->headers != HTTP_FEED_NONE && m->end > m->headers && m->end <= in->len),
		      "end offset");
		check(f->n_errors == 0 || m->line < f->error_at, "message after the error");
		if (in->kind == HTTP_REQUEST)
			check(m->code < HTTP_M_COUNT, "method");
		else
			check(m->code >= 100 && m->code <= 999, "status");
		prev_end = m->end == HTTP_FEED_NONE ? m->line : m->end;
	}
	check(!f->n_errors || http_opaque(&f->s), "an error leaves the stream opaque");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_feed whole, other;
	struct input in;
	__u32 cuts[2];

	if (size < CONTROL_BYTES || size > 65536)
		return 0;
	in.kind = data[0] & 1 ? HTTP_RESPONSE : HTTP_REQUEST;
	in.eof = !!(data[0] & 2);
	in.head_mask = data[1];
	in.connect_mask = data[2];
	in.buf = data + CONTROL_BYTES;
	in.len = (__u32)(size - CONTROL_BYTES);

	run(&in, HTTP_FEED_SKIP, NULL, 0, &whole);
	check_invariants(&in, &whole);

	run(&in, HTTP_FEED_STEP, NULL, 0, &other);
	check(http_feed_equal(&whole, &other), "stepping every byte differs from skipping");
	run(&in, HTTP_FEED_NEWLINE, NULL, 0, &other);
	check(http_feed_equal(&whole, &other), "jumping to newlines differs");
	run(&in, HTTP_FEED_WORD, NULL, 0, &other);
	check(http_feed_equal(&whole, &other), "eight bytes at a time differs");

	cuts[0] = in.len ? data[3] % (in.len + 1) : 0;
	cuts[1] = cuts[0] + (in.len - cuts[0]) / 2;
	run(&in, HTTP_FEED_SKIP, cuts, 1, &other);
	check(http_feed_equal(&whole, &other), "split in two differs");
	run(&in, HTTP_FEED_NEWLINE, cuts, 2, &other);
	check(http_feed_equal(&whole, &other), "split in three differs");
	run(&in, HTTP_FEED_WORD, cuts, 2, &other);
	check(http_feed_equal(&whole, &other), "split in three, eight bytes at a time, differs");

	http_feed_init(&other, in.kind, HTTP_FEED_SKIP);
	other.head_mask = in.head_mask;
	other.connect_mask = in.connect_mask;
	for (__u32 i = 0; i < in.len; i++)
		http_feed(&other, in.buf + i, 1);
	if (in.eof)
		http_feed_eof(&other);
	check(http_feed_equal(&whole, &other), "byte by byte differs");
	return 0;
}
