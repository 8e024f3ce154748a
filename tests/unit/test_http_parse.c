// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests for the HTTP/1.x framer in include/pantau/http_parse.h.
 * Every input is framed whole and then again byte by byte, split in two at
 * every position, stepped without skipping and with newline jumps: all of
 * these must give the same record as the whole buffer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include "pantau/http_feed.h"

#define NONE HTTP_FEED_NONE

struct case_opts {
	__u32 head_mask;
	__u32 connect_mask;
	int eof;		/* close the connection after the bytes */
};

static void feed_init(struct http_feed *f, enum http_kind kind, enum http_feed_mode mode,
		      const struct case_opts *o)
{
	http_feed_init(f, kind, mode);
	f->head_mask = o->head_mask;
	f->connect_mask = o->connect_mask;
}

static void feed_end(struct http_feed *f, const struct case_opts *o)
{
	if (o->eof)
		http_feed_eof(f);
}

static void assert_same(const struct http_feed *a, const struct http_feed *b, const char *how)
{
	if (a->n_msgs != b->n_msgs || a->n_done != b->n_done || a->n_errors != b->n_errors ||
	    a->error_at != b->error_at || a->n_bad != b->n_bad)
		fail_msg("%s: msgs %u/%u done %u/%u errors %u/%u at %llu/%llu", how,
			 a->n_msgs, b->n_msgs, a->n_done, b->n_done, a->n_errors, b->n_errors,
			 a->error_at, b->error_at);
	for (__u32 i = 0; i < a->n_msgs && i < HTTP_FEED_MSGS; i++) {
		const struct http_msg *x = &a->msg[i], *y = &b->msg[i];

		if (x->start != y->start || x->line != y->line || x->headers != y->headers ||
		    x->end != y->end || x->code != y->code)
			fail_msg("%s: message %u differs: start %llu/%llu line %llu/%llu "
				 "headers %llu/%llu end %llu/%llu code %u/%u", how, i,
				 x->start, y->start, x->line, y->line, x->headers, y->headers,
				 x->end, y->end, x->code, y->code);
	}
	assert_int_equal(a->s.state, b->s.state);
	assert_int_equal(a->s.n, b->s.n);
	assert_int_equal(a->s.cl, b->s.cl);
	assert_int_equal(a->s.flags, b->s.flags);
	assert_int_equal(a->s.pos, b->s.pos);
	assert_int_equal(a->s.aux, b->s.aux);
	assert_int_equal(a->s.hdr, b->s.hdr);
	assert_int_equal(a->s.method, b->s.method);
	assert_int_equal(a->s.status, b->s.status);
}

/* Frame buf every way; returns the record of the whole buffer in out. */
static void frame_bytes_opts(enum http_kind kind, const void *buf, __u32 len,
			     const struct case_opts *o, struct http_feed *out)
{
	const __u8 *b = buf;
	struct http_feed f;
	char how[64];
	__u32 ended;

	feed_init(out, kind, HTTP_FEED_SKIP, o);
	ended = http_feed(out, b, len);
	assert_int_equal(ended, out->n_done);
	feed_end(out, o);
	assert_int_equal(out->n_bad, 0);

	feed_init(&f, kind, HTTP_FEED_STEP, o);
	http_feed(&f, b, len);
	feed_end(&f, o);
	assert_same(out, &f, "step every byte");

	feed_init(&f, kind, HTTP_FEED_NEWLINE, o);
	http_feed(&f, b, len);
	feed_end(&f, o);
	assert_same(out, &f, "jump to newlines");

	feed_init(&f, kind, HTTP_FEED_WORD, o);
	http_feed(&f, b, len);
	feed_end(&f, o);
	assert_same(out, &f, "eight bytes at a time");

	feed_init(&f, kind, HTTP_FEED_SKIP, o);
	for (__u32 i = 0; i < len; i++)
		http_feed(&f, b + i, 1);
	feed_end(&f, o);
	assert_same(out, &f, "byte by byte");

	for (__u32 at = 0; at <= len; at++) {
		static const enum http_feed_mode modes[] = {
			HTTP_FEED_SKIP, HTTP_FEED_NEWLINE, HTTP_FEED_WORD,
		};

		feed_init(&f, kind, modes[at % 3], o);
		http_feed(&f, b, at);
		http_feed(&f, b + at, len - at);
		feed_end(&f, o);
		snprintf(how, sizeof(how), "split at %u", at);
		assert_same(out, &f, how);
	}
}

static void frame_opts(enum http_kind kind, const char *text, const struct case_opts *o,
		       struct http_feed *out)
{
	frame_bytes_opts(kind, text, (__u32)strlen(text), o, out);
}

static void frame(enum http_kind kind, const char *text, struct http_feed *out)
{
	struct case_opts o = { 0 };

	frame_opts(kind, text, &o, out);
}

/* One complete message covering all of text, without errors. */
static void assert_one_message(const struct http_feed *f, const char *text, unsigned code)
{
	assert_int_equal(f->n_errors, 0);
	assert_int_equal(f->n_msgs, 1);
	assert_int_equal(f->n_done, 1);
	assert_int_equal(f->msg[0].start, 0);
	assert_int_equal(f->msg[0].end, strlen(text));
	assert_int_equal(f->msg[0].code, code);
	assert_true(http_idle(&f->s));
}

static void assert_error_at(const struct http_feed *f, __u64 at)
{
	assert_int_equal(f->n_errors, 1);
	assert_int_equal(f->error_at, at);
	assert_true(http_opaque(&f->s));
}

static void test_stream_state_is_at_most_32_bytes(void **state)
{
	(void)state;
	assert_true(sizeof(struct http_stream) <= 32);
}

static void test_get_request_without_body_ends_at_blank_line(void **state)
{
	const char *req = "GET /index.html?q=1 HTTP/1.1\r\nHost: shop.example\r\n"
			  "Accept: */*\r\n\r\n";
	struct http_feed f;

	(void)state;
	frame(HTTP_REQUEST, req, &f);
	assert_one_message(&f, req, HTTP_M_GET);
	assert_int_equal(f.msg[0].line, strlen("GET /index.html?q=1 HTTP/1.1\r\n") - 1);
	assert_int_equal(f.msg[0].headers, strlen(req) - 1);
}

static void test_standard_methods_map_to_their_enum_others_to_other(void **state)
{
	static const struct { const char *name; unsigned m; } cases[] = {
		{ "GET", HTTP_M_GET }, { "HEAD", HTTP_M_HEAD }, { "POST", HTTP_M_POST },
		{ "PUT", HTTP_M_PUT }, { "DELETE", HTTP_M_DELETE },
		{ "CONNECT", HTTP_M_CONNECT }, { "OPTIONS", HTTP_M_OPTIONS },
		{ "TRACE", HTTP_M_TRACE }, { "PATCH", HTTP_M_PATCH },
		{ "PROPFIND", HTTP_M_OTHER }, { "M-SEARCH", HTTP_M_OTHER },
		{ "GETS", HTTP_M_OTHER }, { "GE", HTTP_M_OTHER }, { "OPTIONSX", HTTP_M_OTHER },
		{ "VERSION-CONTROL!", HTTP_M_OTHER },	/* 16 characters: the longest */
	};
	char req[128];
	struct http_feed f;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(req, sizeof(req), "%s / HTTP/1.1\r\n\r\n", cases[i].name);
		frame(HTTP_REQUEST, req, &f);
		assert_one_message(&f, req, cases[i].m);
	}
}

static void test_method_longer_than_16_is_error(void **state)
{
	struct http_feed f;

	(void)state;
	frame(HTTP_REQUEST, "ABCDEFGHIJKLMNOPQ / HTTP/1.1\r\n\r\n", &f);
	assert_error_at(&f, 16);
	assert_int_equal(f.n_msgs, 0);
}

static void test_lowercase_or_empty_method_is_error(void **state)
{
	struct http_feed f;

	(void)state;
	frame(HTTP_REQUEST, "get / HTTP/1.1\r\n\r\n", &f);
	assert_error_at(&f, 0);
	frame(HTTP_REQUEST, " / HTTP/1.1\r\n\r\n", &f);
	assert_error_at(&f, 0);
}

static void test_request_line_must_end_in_http1_version(void **state)
{
	static const char *bad[] = {
		"GET / HTTP/2.0\r\n\r\n",
		"GET /\r\n\r\n",				/* HTTP/0.9 */
		"EHLO mail.example.com\r\n",		/* SMTP looks alike */
		"GET  HTTP/1.1\r\n\r\n",		/* empty target */
		"GET / HTTP/1.1x\r\n\r\n",
		"GET / http/1.1\r\n\r\n",
		"GET /a\tb HTTP/1.1\r\n\r\n",		/* control byte in the target */
	};
	struct http_feed f;
	const char *ok = "GET / HTTP/1.0\r\n\r\n";

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		frame(HTTP_REQUEST, bad[i], &f);
		assert_int_equal(f.n_errors, 1);
		assert_int_equal(f.n_msgs, 0);
	}
	frame(HTTP_REQUEST, ok, &f);
	assert_one_message(&f, ok, HTTP_M_GET);
}

static void test_bare_lf_line_endings_are_accepted(void **state)
{
	const char *req = "POST /x HTTP/1.1\nHost: a\nContent-Length: 2\n\nok";
	const char *res = "HTTP/1.1 404 Not Found\nContent-Length: 0\n\n";
	struct http_feed f;

	(void)state;
	frame(HTTP_REQUEST, req, &f);
	assert_one_message(&f, req, HTTP_M_POST);
	frame(HTTP_RESPONSE, res, &f);
	assert_one_message(&f, res, 404);
}

static void test_cr_not_followed_by_lf_is_error(void **state)
{
	struct http_feed f;

	(void)state;
	frame(HTTP_REQUEST, "GET / HTTP/1.1\rHost: a\r\n\r\n", &f);
	assert_error_at(&f, 15);
	frame(HTTP_REQUEST, "GET / HTTP/1.1\r\nContent-Length: 1\rx\r\n\r\n", &f);
	assert_error_at(&f, 34);
}

static void test_post_body_is_skipped_by_content_length(void **state)
{
	const char *head = "POST /orders HTTP/1.1\r\nContent-Length: 5\r\n\r\n";
	struct http_feed f;
	char req[128];

	(void)state;
	snprintf(req, sizeof(req), "%shello", head);
	frame(HTTP_REQUEST, req, &f);
	assert_one_message(&f, req, HTTP_M_POST);
	assert_int_equal(f.msg[0].headers, strlen(head) - 1);

	/* The skip API directly: 5 body bytes, taken as 2 then 3. */
	http_feed_init(&f, HTTP_REQUEST, HTTP_FEED_SKIP);
	http_feed(&f, (const __u8 *)head, (__u32)strlen(head));
	assert_int_equal(http_skippable(&f.s), 5);
	assert_int_equal(http_skip(&f.s, 2), 0);
	assert_int_equal(http_skippable(&f.s), 3);
	assert_int_equal(http_skip(&f.s, 3), HTTP_EV_END);
	assert_int_equal(http_skippable(&f.s), 0);
	assert_true(http_idle(&f.s));
}

static void test_pipelined_get_get_post_each_framed(void **state)
{
	const char *g1 = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
	const char *g2 = "GET /b HTTP/1.1\r\nHost: x\r\n\r\n";
	const char *p = "POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world";
	size_t l1 = strlen(g1), l2 = strlen(g2), l3 = strlen(p);
	struct http_feed f;
	char req[256];

	(void)state;
	snprintf(req, sizeof(req), "%s%s%s", g1, g2, p);
	frame(HTTP_REQUEST, req, &f);
	assert_int_equal(f.n_errors, 0);
	assert_int_equal(f.n_msgs, 3);
	assert_int_equal(f.n_done, 3);
	assert_int_equal(f.msg[0].code, HTTP_M_GET);
	assert_int_equal(f.msg[0].end, l1);
	assert_int_equal(f.msg[1].code, HTTP_M_GET);
	assert_int_equal(f.msg[1].start, l1);
	assert_int_equal(f.msg[1].end, l1 + l2);
	assert_int_equal(f.msg[2].code, HTTP_M_POST);
	assert_int_equal(f.msg[2].start, l1 + l2);
	assert_int_equal(f.msg[2].headers, l1 + l2 + l3 - 12);
	assert_int_equal(f.msg[2].end, l1 + l2 + l3);
}

static void test_blank_lines_between_requests_are_ignored(void **state)
{
	const char *req = "POST / HTTP/1.1\r\nContent-Length: 1\r\n\r\nx\r\n\r\nGET / HTTP/1.1\r\n\r\n";
	struct http_feed f;

	(void)state;
	frame(HTTP_REQUEST, req, &f);
	assert_int_equal(f.n_errors, 0);
	assert_int_equal(f.n_done, 2);
	assert_int_equal(f.msg[1].start, strlen(req) - strlen("GET / HTTP/1.1\r\n\r\n"));
}

static void test_header_names_fold_case_and_values_allow_whitespace(void **state)
{
	const char *req = "PUT /f HTTP/1.1\r\ncontent-LENGTH:  \t3 \t\r\n\r\nabc";
	struct http_feed f;

	(void)state;
	frame(HTTP_REQUEST, req, &f);
	assert_one_message(&f, req, HTTP_M_PUT);
	assert_int_equal(f.msg[0].headers, strlen(req) - 4);
}

static void test_lookalike_header_names_do_not_frame(void **state)
{
	static const char *names[] = {
		"Content-Lengthy", "X-Content-Length", "Content-Lengt", "Transfer-Encodings",
		"Content-Type",
	};
	struct http_feed f;
	char req[128];

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(req, sizeof(req), "GET / HTTP/1.1\r\n%s: 5\r\n\r\n", names[i]);
		frame(HTTP_REQUEST, req, &f);
		assert_one_message(&f, req, HTTP_M_GET);
	}
}

static void test_content_length_repeated_with_same_value_is_fine(void **state)
{
	const char *twice = "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc";
	const char *list = "POST / HTTP/1.1\r\nContent-Length: 3, 3\r\n\r\nabc";
	struct http_feed f;

	(void)state;
	frame(HTTP_REQUEST, twice, &f);
	assert_one_message(&f, twice, HTTP_M_POST);
	frame(HTTP_REQUEST, list, &f);
	assert_one_message(&f, list, HTTP_M_POST);
}

static void test_conflicting_content_lengths_are_error(void **state)
{
	const char *twice = "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd";
	const char *list = "POST / HTTP/1.1\r\nContent-Length: 3, 4\r\n\r\nabcd";
	struct http_feed f;

	(void)state;
	frame(HTTP_REQUEST, twice, &f);
	assert_error_at(&f, strlen("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n") - 1);
	frame(HTTP_REQUEST, list, &f);
	assert_error_at(&f, strlen("POST / HTTP/1.1\r\nContent-Length: 3, 4\r\n") - 1);
}

static void test_content_length_overflow_is_error(void **state)
{
	const char *over = "POST / HTTP/1.1\r\nContent-Length: 18446744073709551616\r\n\r\n";
	const char *max = "POST / HTTP/1.1\r\nContent-Length: 18446744073709551615\r\n\r\n";
	const char *huge = "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n";
	struct http_feed f;

	(void)state;
	frame(HTTP_REQUEST, over, &f);
	assert_error_at(&f, strlen("POST / HTTP/1.1\r\nContent-Length: 1844674407370955161"));
	frame(HTTP_REQUEST, huge, &f);
	assert_error_at(&f, strlen("POST / HTTP/1.1\r\nContent-Length: 9999999999999999999"));
	frame(HTTP_REQUEST, max, &f);
	assert_int_equal(f.n_errors, 0);
	assert_int_equal(http_skippable(&f.s), UINT64_MAX);
}

static void test_malformed_content_length_is_error(void **state)
{
	static const char *values[] = { "12a", "", "1 2", "-1", "0x10", ",5" };
	struct http_feed f;
	char req[128];

	(void)state;
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		snprintf(req, sizeof(req), "POST / HTTP/1.1\r\nContent-Length: %s\r\n\r\n", values[i]);
		frame(HTTP_REQUEST, req, &f);
		assert_int_equal(f.n_errors, 1);
		assert_int_equal(f.n_done, 0);
	}
}

static void test_chunked_body_with_extensions_and_trailers(void **state)
{
	const char *head = "POST /up HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
	const char *body = "5;name=value\r\nhello\r\n"
			   "A \t; ext\r\n0123456789\r\n"
			   "1a\r\nabcdefghijklmnopqrstuvwxyz\r\n"
			   "0;last\r\nX-Checksum: 42\r\nContent-Length: 999\r\n\r\n";
	const char *next = "GET / HTTP/1.1\r\n\r\n";
	struct http_feed f;
	char req[512];

	(void)state;
	snprintf(req, sizeof(req), "%s%s%s", head, body, next);
	frame(HTTP_REQUEST, req, &f);
	assert_int_equal(f.n_errors, 0);
	assert_int_equal(f.n_done, 2);
	assert_int_equal(f.msg[0].code, HTTP_M_POST);
	assert_int_equal(f.msg[0].headers, strlen(head) - 1);
	assert_int_equal(f.msg[0].end, strlen(head) + strlen(body));
	assert_int_equal(f.msg[1].code, HTTP_M_GET);
	assert_int_equal(f.msg[1].end, strlen(req));
}

static void test_chunked_without_trailers_and_with_bare_lf(void **state)
{
	const char *res = "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n3\nabc\n0\n\n";
	struct http_feed f;

	(void)state;
	frame(HTTP_RESPONSE, res, &f);
	assert_one_message(&f, res, 200);
}

static void test_transfer_coding_list_case_and_order(void **state)
{
	const char *gz = "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, CHUNKED\r\n\r\n0\r\n\r\n";
	const char *two = "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n"
			  "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
	const char *last_gzip_req = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n";
	const char *last_gzip_res = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n";
	const char *chunkedx = "POST / HTTP/1.1\r\nTransfer-Encoding: chunkedx\r\n\r\n";
	struct http_feed f;

	(void)state;
	frame(HTTP_REQUEST, gz, &f);
	assert_one_message(&f, gz, HTTP_M_POST);
	frame(HTTP_REQUEST, two, &f);
	assert_one_message(&f, two, HTTP_M_POST);
	/* A request whose last coding is not chunked cannot be framed (400). */
	frame(HTTP_REQUEST, last_gzip_req, &f);
	assert_error_at(&f, strlen(last_gzip_req) - 1);
	frame(HTTP_REQUEST, chunkedx, &f);
	assert_error_at(&f, strlen(chunkedx) - 1);
	/* A response like that is read until the connection closes. */
	frame(HTTP_RESPONSE, last_gzip_res, &f);
	assert_int_equal(f.n_errors, 0);
	assert_int_equal(f.n_done, 0);
	assert_int_equal(http_skippable(&f.s), UINT64_MAX);
}

static void test_chunk_size_overflow_or_garbage_is_error(void **state)
{
	const char *head = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
	static const char *bodies[] = {
		"10000000000000000\r\n",	/* 2^64 */
		"g\r\n",
		";x\r\n",			/* no size */
		"3\r\nabcX\r\n",		/* no line end after the data */
	};
	struct http_feed f;
	char req[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		snprintf(req, sizeof(req), "%s%s", head, bodies[i]);
		frame(HTTP_REQUEST, req, &f);
		assert_int_equal(f.n_errors, 1);
		assert_int_equal(f.n_done, 0);
	}
}

static void test_transfer_encoding_overrides_content_length(void **state)
{
	const char *req = "POST / HTTP/1.1\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n"
			  "\r\n2\r\nok\r\n0\r\n\r\n";
	struct http_feed f;

	(void)state;
	frame(HTTP_REQUEST, req, &f);
	assert_one_message(&f, req, HTTP_M_POST);
}

static void test_response_status_and_content_length(void **state)
{
	const char *res = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\ndown"
			  "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n";
	struct http_feed f;

	(void)state;
	frame(HTTP_RESPONSE, res, &f);
	assert_int_equal(f.n_errors, 0);
	assert_int_equal(f.n_done, 2);
	assert_int_equal(f.msg[0].code, 503);
	assert_int_equal(f.msg[1].code, 200);
	assert_int_equal(f.msg[1].end, strlen(res));
}

static void test_reason_phrase_may_be_empty(void **state)
{
	const char *sp = "HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n";
	const char *nosp = "HTTP/1.1 201\r\nContent-Length: 0\r\n\r\n";
	struct http_feed f;

	(void)state;
	frame(HTTP_RESPONSE, sp, &f);
	assert_one_message(&f, sp, 200);
	frame(HTTP_RESPONSE, nosp, &f);
	assert_one_message(&f, nosp, 201);
}

static void test_malformed_status_lines_are_error(void **state)
{
	static const char *bad[] = {
		"HTTP/1.1 20 OK\r\n\r\n", "HTTP/1.1 2000 OK\r\n\r\n", "HTTP/1.1 099 OK\r\n\r\n",
		"HTTP/2 200 OK\r\n\r\n", "HTTP/1.1  200 OK\r\n\r\n", "SSH-2.0-OpenSSH_9.2\r\n",
	};
	struct http_feed f;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		frame(HTTP_RESPONSE, bad[i], &f);
		assert_int_equal(f.n_errors, 1);
		assert_int_equal(f.n_msgs, 0);
	}
}

static void test_204_and_304_have_no_body_whatever_the_headers(void **state)
{
	const char *res = "HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n"
			  "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n"
			  "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	struct http_feed f;

	(void)state;
	frame(HTTP_RESPONSE, res, &f);
	assert_int_equal(f.n_errors, 0);
	assert_int_equal(f.n_done, 3);
	assert_int_equal(f.msg[0].code, 204);
	assert_int_equal(f.msg[0].end, f.msg[0].headers + 1);
	assert_int_equal(f.msg[1].code, 304);
	assert_int_equal(f.msg[1].end, f.msg[1].headers + 1);
	assert_int_equal(f.msg[2].code, 200);
	assert_int_equal(f.msg[2].end, strlen(res));
}

static void test_interim_1xx_responses_precede_the_final_one(void **state)
{
	const char *res = "HTTP/1.1 100 Continue\r\n\r\n"
			  "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"
			  "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	struct http_feed f;

	(void)state;
	frame(HTTP_RESPONSE, res, &f);
	assert_int_equal(f.n_errors, 0);
	assert_int_equal(f.n_done, 3);
	assert_int_equal(f.msg[0].code, 100);
	assert_int_equal(f.msg[1].code, 103);
	assert_int_equal(f.msg[2].code, 200);
	assert_int_equal(f.msg[2].end, strlen(res));
}

static void test_response_to_head_has_no_body_and_flag_clears(void **state)
{
	const char *res = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"
			  "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	struct case_opts o = { .head_mask = 1 };
	struct http_feed f;

	(void)state;
	frame_opts(HTTP_RESPONSE, res, &o, &f);
	assert_int_equal(f.n_errors, 0);
	assert_int_equal(f.n_done, 2);
	assert_int_equal(f.msg[0].end, f.msg[0].headers + 1);
	assert_int_equal(f.msg[1].end, strlen(res));
	assert_int_equal(f.s.no_body_next, 0);

	/* Set through the helper, survives a 100 Continue. */
	http_feed_init(&f, HTTP_RESPONSE, HTTP_FEED_SKIP);
	http_expect_response_to(&f.s, HTTP_M_HEAD);
	http_feed(&f, (const __u8 *)"HTTP/1.1 100 Continue\r\n\r\n", 25);
	assert_int_equal(f.s.no_body_next, 1);
	http_feed(&f, (const __u8 *)"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", 38);
	assert_int_equal(f.n_done, 2);
	assert_int_equal(f.s.no_body_next, 0);
}

static void test_response_without_length_reads_until_close(void **state)
{
	const char *res = "HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<html>HTTP/1.1 200 OK\r\n";
	struct case_opts o = { .eof = 1 };
	struct http_feed f;

	(void)state;
	frame(HTTP_RESPONSE, res, &f);
	assert_int_equal(f.n_errors, 0);
	assert_int_equal(f.n_msgs, 1);
	assert_int_equal(f.n_done, 0);
	assert_int_equal(http_skippable(&f.s), UINT64_MAX);
	assert_false(http_wants_newline(&f.s));

	/* Closing the connection ends it, after the last byte. */
	frame_opts(HTTP_RESPONSE, res, &o, &f);
	assert_int_equal(f.n_errors, 0);
	assert_int_equal(f.n_msgs, 1);
	assert_int_equal(f.n_done, 1);
	assert_int_equal(f.msg[0].code, 200);
	assert_int_equal(f.msg[0].end, strlen(res));
	assert_true(http_opaque(&f.s));
}

static void test_eof_inside_a_message_is_error_between_messages_is_not(void **state)
{
	struct case_opts o = { .eof = 1 };
	struct http_feed f;

	(void)state;
	frame_opts(HTTP_REQUEST, "GET / HTTP/1.1\r\nHost: a\r\n", &o, &f);
	assert_int_equal(f.n_errors, 1);
	frame_opts(HTTP_REQUEST, "GET / HTTP/1.1\r\n\r\n\r\n", &o, &f);
	assert_int_equal(f.n_errors, 0);
	assert_int_equal(f.n_done, 1);
}

static void test_101_switching_protocols_turns_stream_opaque(void **state)
{
	const char *res = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
			  "Connection: Upgrade\r\n\r\n\x81\x05hello\x88\x00";
	struct http_feed f;

	(void)state;
	frame(HTTP_RESPONSE, res, &f);
	assert_int_equal(f.n_errors, 0);
	assert_int_equal(f.n_done, 1);
	assert_int_equal(f.msg[0].code, 101);
	assert_int_equal(f.msg[0].end, strlen(res) - 8);
	assert_true(http_opaque(&f.s));
	assert_int_equal(http_skippable(&f.s), UINT64_MAX);
}

static void test_2xx_to_connect_turns_opaque_other_status_does_not(void **state)
{
	const char *ok = "HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x01\x00\x05hello";
	const char *denied = "HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 2\r\n\r\nno"
			     "HTTP/1.1 200 OK\r\n\r\n";
	struct case_opts o = { .connect_mask = 3 };
	struct http_feed f;

	(void)state;
	frame_bytes_opts(HTTP_RESPONSE, ok, (__u32)strlen(ok) + 1, &o, &f);
	assert_int_equal(f.n_errors, 0);
	assert_int_equal(f.n_done, 1);
	assert_true(http_opaque(&f.s));

	frame_opts(HTTP_RESPONSE, denied, &o, &f);
	assert_int_equal(f.n_errors, 0);
	assert_int_equal(f.n_done, 2);
	assert_int_equal(f.msg[0].code, 407);
	assert_true(http_opaque(&f.s));
}

static void test_garbage_is_error_once_and_stays_opaque(void **state)
{
	/* The start of a TLS ClientHello, and a Redis command. */
	static const __u8 tls[] = { 0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc,
				    'G', 'E', 'T', ' ', '/', '\r', '\n' };
	const char *redis = "*1\r\n$4\r\nPING\r\n";
	struct case_opts o = { .eof = 1 };
	struct http_feed f;

	(void)state;
	frame_bytes_opts(HTTP_REQUEST, tls, sizeof(tls), &o, &f);
	assert_error_at(&f, 0);
	assert_int_equal(f.n_msgs, 0);
	assert_int_equal(http_step(&f.s, 'G'), 0);

	frame(HTTP_REQUEST, redis, &f);
	assert_error_at(&f, 2);
	frame(HTTP_RESPONSE, "+PONG\r\n", &f);
	assert_error_at(&f, 0);
}

static void test_header_line_faults_are_error(void **state)
{
	static const char *bad[] = {
		"GET / HTTP/1.1\r\nHost a\r\n\r\n",		/* no colon */
		"GET / HTTP/1.1\r\nHost : a\r\n\r\n",	/* space before colon */
		"GET / HTTP/1.1\r\n: a\r\n\r\n",		/* empty name */
		"GET / HTTP/1.1\r\n\x01Host: a\r\n\r\n",
	};
	struct http_feed f;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		frame(HTTP_REQUEST, bad[i], &f);
		assert_int_equal(f.n_errors, 1);
		assert_int_equal(f.n_done, 0);
	}
}

static void test_folded_header_lines_are_ignored(void **state)
{
	const char *req = "GET / HTTP/1.1\r\nX-Long: a\r\n  b\r\n\tc\r\n\r\n";
	struct http_feed f;

	(void)state;
	frame(HTTP_REQUEST, req, &f);
	assert_one_message(&f, req, HTTP_M_GET);
}

static void test_wants_newline_only_where_bytes_are_ignored(void **state)
{
	struct http_stream s;
	const char *p;

	(void)state;
	http_stream_init(&s, HTTP_RESPONSE);
	for (p = "HTTP/1.1 200 O"; *p; p++)
		http_step(&s, (__u8)*p);
	assert_true(http_wants_newline(&s));		/* reason phrase */
	for (p = "K\r\nServ"; *p; p++)
		http_step(&s, (__u8)*p);
	assert_false(http_wants_newline(&s));		/* header name */
	for (p = "er:"; *p; p++)
		http_step(&s, (__u8)*p);
	assert_true(http_wants_newline(&s));		/* value of Server */
	for (p = " nginx\r\nContent-Length: 1"; *p; p++)
		http_step(&s, (__u8)*p);
	assert_false(http_wants_newline(&s));		/* value of Content-Length */

	http_stream_init(&s, HTTP_REQUEST);
	for (p = "GET /a"; *p; p++)
		http_step(&s, (__u8)*p);
	assert_false(http_wants_newline(&s));		/* target: the version is checked */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stream_state_is_at_most_32_bytes),
		cmocka_unit_test(test_get_request_without_body_ends_at_blank_line),
		cmocka_unit_test(test_standard_methods_map_to_their_enum_others_to_other),
		cmocka_unit_test(test_method_longer_than_16_is_error),
		cmocka_unit_test(test_lowercase_or_empty_method_is_error),
		cmocka_unit_test(test_request_line_must_end_in_http1_version),
		cmocka_unit_test(test_bare_lf_line_endings_are_accepted),
		cmocka_unit_test(test_cr_not_followed_by_lf_is_error),
		cmocka_unit_test(test_post_body_is_skipped_by_content_length),
		cmocka_unit_test(test_pipelined_get_get_post_each_framed),
		cmocka_unit_test(test_blank_lines_between_requests_are_ignored),
		cmocka_unit_test(test_header_names_fold_case_and_values_allow_whitespace),
		cmocka_unit_test(test_lookalike_header_names_do_not_frame),
		cmocka_unit_test(test_content_length_repeated_with_same_value_is_fine),
		cmocka_unit_test(test_conflicting_content_lengths_are_error),
		cmocka_unit_test(test_content_length_overflow_is_error),
		cmocka_unit_test(test_malformed_content_length_is_error),
		cmocka_unit_test(test_chunked_body_with_extensions_and_trailers),
		cmocka_unit_test(test_chunked_without_trailers_and_with_bare_lf),
		cmocka_unit_test(test_transfer_coding_list_case_and_order),
		cmocka_unit_test(test_chunk_size_overflow_or_garbage_is_error),
		cmocka_unit_test(test_transfer_encoding_overrides_content_length),
		cmocka_unit_test(test_response_status_and_content_length),
		cmocka_unit_test(test_reason_phrase_may_be_empty),
		cmocka_unit_test(test_malformed_status_lines_are_error),
		cmocka_unit_test(test_204_and_304_have_no_body_whatever_the_headers),
		cmocka_unit_test(test_interim_1xx_responses_precede_the_final_one),
		cmocka_unit_test(test_response_to_head_has_no_body_and_flag_clears),
		cmocka_unit_test(test_response_without_length_reads_until_close),
		cmocka_unit_test(test_eof_inside_a_message_is_error_between_messages_is_not),
		cmocka_unit_test(test_101_switching_protocols_turns_stream_opaque),
		cmocka_unit_test(test_2xx_to_connect_turns_opaque_other_status_does_not),
		cmocka_unit_test(test_garbage_is_error_once_and_stays_opaque),
		cmocka_unit_test(test_header_line_faults_are_error),
		cmocka_unit_test(test_folded_header_lines_are_ignored),
		cmocka_unit_test(test_wants_newline_only_where_bytes_are_ignored),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
