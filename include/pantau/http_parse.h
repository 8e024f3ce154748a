/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Incremental HTTP/1.x message framer for one direction of one connection.
 *
 * The same code runs in BPF programs (included after vmlinux.h) and in user
 * space (unit tests, fuzzing), so it keeps to what the verifier accepts:
 * everything inlined, no loops, no globals, no tables in memory, no division,
 * and a small fixed-size state that never holds past bytes. Literals that a
 * byte is compared with are packed into 64-bit constants and picked with
 * shifts.
 *
 * It finds message boundaries and the few facts the metrics need (method,
 * status); anything richer is parsed in user space from a bounded copy.
 *
 * Driver loop (see http_feed.h for the user-space one):
 *
 *	while (bytes remain) {
 *		k = http_skippable(s);
 *		if (k)
 *			ev = http_skip(s, min(k, remaining));
 *		else
 *			ev = http_step(s, next byte);
 *	}
 *
 * BPF callers: keep the stream in a map value (socket storage), not on
 * the stack, and keep the loop's own counters out of branches on the
 * events, or the verifier walks every byte's paths once per distinct
 * register state. Measured on 6.18 for 256 bytes: bpf_loop() with this
 * loop as the callback verifies in about 1,800 instructions; a bounded
 * for-loop with the stream and offset in the map value in about 530,000,
 * or 38,000 when it calls http_step() and http_skip() through global
 * (non-static, __noinline) wrappers. See docs/http-parsing.md.
 *
 * Events: HTTP_EV_START when the start line is complete (s->method or
 * s->status is valid from then until the next message's START),
 * HTTP_EV_HEADERS at the blank line ending the header block, HTTP_EV_END
 * on the message's last byte (with HEADERS on the same byte when there is
 * no body), HTTP_EV_ERROR when the bytes are not HTTP/1.x: the stream is
 * then opaque for good and later bytes give no events.
 */
#ifndef PANTAU_HTTP_PARSE_H
#define PANTAU_HTTP_PARSE_H

/* vmlinux.h already defines the __u* types; <linux/types.h> would clash. */
#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#define HTTP_EV_START	0x1u
#define HTTP_EV_HEADERS	0x2u
#define HTTP_EV_END	0x4u
#define HTTP_EV_ERROR	0x8u

/* Longest method token accepted; longer ones are taken for non-HTTP. */
#define HTTP_METHOD_MAX	16

enum http_kind {
	HTTP_REQUEST = 1,
	HTTP_RESPONSE = 2,
};

/* Dense from 0 so that BPF maps and label tables can index by it. */
enum http_method {
	HTTP_M_OTHER,
	HTTP_M_GET,
	HTTP_M_HEAD,
	HTTP_M_POST,
	HTTP_M_PUT,
	HTTP_M_DELETE,
	HTTP_M_CONNECT,
	HTTP_M_OPTIONS,
	HTTP_M_TRACE,
	HTTP_M_PATCH,
	HTTP_M_COUNT,
};

enum http_state {
	HTTP_S_REQ_METHOD,	/* n: method bytes packed; pos: length */
	HTTP_S_REQ_TARGET,	/* n: last 8 bytes; aux: the byte before them; pos: count */
	HTTP_S_RES_VERSION,	/* pos: bytes of "HTTP/1.x " matched */
	HTTP_S_RES_STATUS,	/* pos: digits read */
	HTTP_S_RES_REASON,
	HTTP_S_HDR_START,	/* first byte of a header (or trailer) line */
	HTTP_S_HDR_NAME,	/* hdr: name still matching; pos: its bytes matched */
	HTTP_S_HDR_IGNORE,	/* rest of a line nobody needs */
	HTTP_S_CL_VALUE,	/* n: value so far; aux: HTTP_CL_* */
	HTTP_S_TE_VALUE,	/* pos: bytes of "chunked" matched; aux: HTTP_TE_* */
	HTTP_S_BODY,		/* n: body bytes left */
	HTTP_S_BODY_CLOSE,	/* body runs until the connection closes */
	HTTP_S_CHUNK_SIZE,	/* n: size so far; pos: 1 once a digit was read */
	HTTP_S_CHUNK_EXT,	/* ";ext" or whitespace after the size */
	HTTP_S_CHUNK_DATA,	/* n: chunk bytes left */
	HTTP_S_CHUNK_CRLF,	/* line end after chunk data */
	HTTP_S_OPAQUE,		/* not HTTP, or switched protocols: ignore */
};

/* flags */
#define HTTP_F_CR	0x01	/* last byte was a CR that only LF may follow */
#define HTTP_F_HAVE_CL	0x02	/* cl holds a Content-Length */
#define HTTP_F_TE	0x04	/* Transfer-Encoding seen */
#define HTTP_F_CHUNKED	0x08	/* ... and its last coding is chunked */
#define HTTP_F_TRAILER	0x10	/* header lines are the chunked trailer */
#define HTTP_F_UPGRADE	0x20	/* the stream turns opaque after this message */

/* hdr: the header name being matched */
#define HTTP_H_NONE	0
#define HTTP_H_CL	1	/* content-length */
#define HTTP_H_TE	2	/* transfer-encoding */

/* aux in HTTP_S_CL_VALUE: where in "OWS digits OWS" we are */
#define HTTP_CL_BEFORE	0
#define HTTP_CL_DIGITS	1
#define HTTP_CL_AFTER	2

/* aux bits in HTTP_S_TE_VALUE, per comma-separated element */
#define HTTP_TE_NONEMPTY 0x1
#define HTTP_TE_BAD	0x2	/* this element is not "chunked" */
#define HTTP_TE_TOKEN_END 0x4	/* past the coding name (parameters follow) */

/* Eight bytes packed big-end first, so byte i is (w >> (56 - 8 * i)). */
#define HTTP_PACK(a, b, c, d, e, f, g, h)					\
	((__u64)(a) << 56 | (__u64)(b) << 48 | (__u64)(c) << 40 |		\
	 (__u64)(d) << 32 | (__u64)(e) << 24 | (__u64)(f) << 16 |		\
	 (__u64)(g) << 8 | (__u64)(h))

#define HTTP_LIT_VERSION	HTTP_PACK('H', 'T', 'T', 'P', '/', '1', '.', 0)
#define HTTP_LIT_CHUNKED	HTTP_PACK('c', 'h', 'u', 'n', 'k', 'e', 'd', 0)
#define HTTP_LIT_CL0		HTTP_PACK('c', 'o', 'n', 't', 'e', 'n', 't', '-')
#define HTTP_LIT_CL1		HTTP_PACK('l', 'e', 'n', 'g', 't', 'h', 0, 0)
#define HTTP_LIT_TE0		HTTP_PACK('t', 'r', 'a', 'n', 's', 'f', 'e', 'r')
#define HTTP_LIT_TE1		HTTP_PACK('-', 'e', 'n', 'c', 'o', 'd', 'i', 'n')
#define HTTP_LIT_TE2		HTTP_PACK('g', 0, 0, 0, 0, 0, 0, 0)
#define HTTP_LEN_CL		14
#define HTTP_LEN_TE		17

/* Largest u64 / 10 and its remainder: the Content-Length overflow bound. */
#define HTTP_U64_DIV10		1844674407370955161ULL
#define HTTP_U64_MOD10		5

struct http_stream {
	__u64 n;		/* per state, see enum http_state */
	__u64 cl;		/* Content-Length of this message */
	__u16 status;		/* response status, valid after HTTP_EV_START */
	__u8 kind;		/* enum http_kind */
	__u8 state;		/* enum http_state */
	__u8 method;		/* enum http_method, valid after HTTP_EV_START */
	__u8 pos;
	__u8 aux;
	__u8 hdr;
	__u8 flags;
	/*
	 * Set by the caller on a response stream, at the latest when the
	 * response's HTTP_EV_START arrives, when the request it answers was
	 * HEAD (no body whatever the headers say) or CONNECT (a 2xx opens a
	 * tunnel). Cleared when a final (non-1xx) response ends.
	 */
	__u8 no_body_next;
	__u8 connect_next;
};

_Static_assert(sizeof(struct http_stream) <= 32, "http_stream must stay small");

static __always_inline __u8 http_start_state(__u8 kind)
{
	return kind == HTTP_RESPONSE ? HTTP_S_RES_VERSION : HTTP_S_REQ_METHOD;
}

static __always_inline void http_stream_init(struct http_stream *s, enum http_kind kind)
{
	s->n = 0;
	s->cl = 0;
	s->status = 0;
	s->kind = kind;
	s->state = http_start_state(kind);
	s->method = HTTP_M_OTHER;
	s->pos = 0;
	s->aux = 0;
	s->hdr = HTTP_H_NONE;
	s->flags = 0;
	s->no_body_next = 0;
	s->connect_next = 0;
}

/* Tell a response stream which method the request it answers had. */
static __always_inline void http_expect_response_to(struct http_stream *s, __u8 method)
{
	s->no_body_next = method == HTTP_M_HEAD;
	s->connect_next = method == HTTP_M_CONNECT;
}

/* Between messages (leading blank lines do not start one). */
static __always_inline int http_idle(const struct http_stream *s)
{
	return s->state == http_start_state(s->kind) && s->pos == 0;
}

static __always_inline int http_opaque(const struct http_stream *s)
{
	return s->state == HTTP_S_OPAQUE;
}

/* For the caller: the other direction switched protocols. */
static __always_inline void http_set_opaque(struct http_stream *s)
{
	s->state = HTTP_S_OPAQUE;
}

static __always_inline __u32 http_fail(struct http_stream *s)
{
	s->state = HTTP_S_OPAQUE;
	return HTTP_EV_ERROR;
}

/* Byte i (< 8) of a packed literal. */
static __always_inline __u8 http_lit(__u64 w, __u8 i)
{
	return (__u8)(w >> (56 - 8 * (i & 7)));
}

/* tchar of RFC 9110 section 5.6.2. */
static __always_inline int http_tchar(__u8 c)
{
	__u8 lc = c | 0x20;

	if ((lc >= 'a' && lc <= 'z') || (c >= '0' && c <= '9'))
		return 1;
	switch (c) {
	case '!': case '#': case '$': case '%': case '&': case '\'': case '*':
	case '+': case '-': case '.': case '^': case '_': case '`': case '|':
	case '~':
		return 1;
	}
	return 0;
}

static __always_inline __u8 http_method_of(__u64 packed, __u8 len)
{
	/* Packing keeps the length: no method contains a NUL byte. */
	if (len > 7)
		return HTTP_M_OTHER;
	switch (packed) {
	case HTTP_PACK(0, 0, 0, 0, 0, 'G', 'E', 'T'): return HTTP_M_GET;
	case HTTP_PACK(0, 0, 0, 0, 'H', 'E', 'A', 'D'): return HTTP_M_HEAD;
	case HTTP_PACK(0, 0, 0, 0, 'P', 'O', 'S', 'T'): return HTTP_M_POST;
	case HTTP_PACK(0, 0, 0, 0, 0, 'P', 'U', 'T'): return HTTP_M_PUT;
	case HTTP_PACK(0, 0, 'D', 'E', 'L', 'E', 'T', 'E'): return HTTP_M_DELETE;
	case HTTP_PACK(0, 'C', 'O', 'N', 'N', 'E', 'C', 'T'): return HTTP_M_CONNECT;
	case HTTP_PACK(0, 'O', 'P', 'T', 'I', 'O', 'N', 'S'): return HTTP_M_OPTIONS;
	case HTTP_PACK(0, 0, 0, 'T', 'R', 'A', 'C', 'E'): return HTTP_M_TRACE;
	case HTTP_PACK(0, 0, 0, 'P', 'A', 'T', 'C', 'H'): return HTTP_M_PATCH;
	}
	return HTTP_M_OTHER;
}

/* The message ended on this byte: back to the start, or opaque after an upgrade. */
static __always_inline __u32 http_end(struct http_stream *s)
{
	/* An interim (1xx) response leaves the answered method in force. */
	if (s->kind == HTTP_RESPONSE && s->status >= 200) {
		s->no_body_next = 0;
		s->connect_next = 0;
	}
	s->state = (s->flags & HTTP_F_UPGRADE) ? HTTP_S_OPAQUE : http_start_state(s->kind);
	s->n = 0;
	s->cl = 0;
	s->pos = 0;
	s->aux = 0;
	s->hdr = HTTP_H_NONE;
	s->flags = 0;
	return HTTP_EV_END;
}

static __always_inline __u32 http_start_line_done(struct http_stream *s)
{
	s->state = HTTP_S_HDR_START;
	s->n = 0;
	s->cl = 0;
	s->pos = 0;
	s->aux = 0;
	s->hdr = HTTP_H_NONE;
	s->flags = 0;
	return HTTP_EV_START;
}

static __always_inline __u32 http_req_method(struct http_stream *s, __u8 c)
{
	if (c == ' ') {
		if (!s->pos)
			return http_fail(s);
		s->method = http_method_of(s->n, s->pos);
		s->state = HTTP_S_REQ_TARGET;
		s->n = 0;
		s->pos = 0;
		s->aux = 0;
		return 0;
	}
	/* RFC 9112 2.2: ignore blank lines before a request (after a body). */
	if (!s->pos && (c == '\r' || c == '\n')) {
		if (c == '\r')
			s->flags |= HTTP_F_CR;
		return 0;
	}
	/* Methods are case-sensitive and every registered one is uppercase. */
	if (!http_tchar(c) || (c >= 'a' && c <= 'z') || s->pos >= HTTP_METHOD_MAX)
		return http_fail(s);
	s->n = s->n << 8 | c;
	s->pos++;
	return 0;
}

/*
 * The target is not kept, but the line must end in " HTTP/1.0" or
 * " HTTP/1.1": that is what tells HTTP apart from SMTP, FTP and other
 * "VERB argument" protocols. So this state looks at every byte (the last
 * nine are kept in n and aux) and cannot skip to the newline.
 */
static __always_inline __u32 http_req_target(struct http_stream *s, __u8 c)
{
	if (c == '\n') {
		__u8 minor = (__u8)s->n;

		if (s->pos < 10 || s->aux != ' ' || (minor != '0' && minor != '1') ||
		    (s->n >> 8) != (HTTP_LIT_VERSION >> 8))
			return http_fail(s);
		return http_start_line_done(s);
	}
	if (c == '\r') {
		s->flags |= HTTP_F_CR;
		return 0;
	}
	if (c < 0x20 || c == 0x7f)
		return http_fail(s);
	s->aux = (__u8)(s->n >> 56);
	s->n = s->n << 8 | c;
	if (s->pos < 255)
		s->pos++;
	return 0;
}

static __always_inline __u32 http_res_version(struct http_stream *s, __u8 c)
{
	if (s->pos < 7) {
		if (c != http_lit(HTTP_LIT_VERSION, s->pos))
			return http_fail(s);
	} else if (s->pos == 7) {
		if (c != '0' && c != '1')
			return http_fail(s);
	} else {
		if (c != ' ')
			return http_fail(s);
		s->state = HTTP_S_RES_STATUS;
		s->status = 0;
		s->pos = 0;
		return 0;
	}
	s->pos++;
	return 0;
}

static __always_inline __u32 http_res_status(struct http_stream *s, __u8 c)
{
	if (s->pos < 3) {
		if (c < '0' || c > '9' || (!s->pos && c == '0'))
			return http_fail(s);
		s->status = s->status * 10 + (c - '0');
		s->pos++;
		return 0;
	}
	/* The reason phrase may be empty, and some servers drop its SP too. */
	if (c == ' ') {
		s->state = HTTP_S_RES_REASON;
		return 0;
	}
	if (c == '\r') {
		s->flags |= HTTP_F_CR;
		return 0;
	}
	if (c == '\n')
		return http_start_line_done(s);
	return http_fail(s);
}

/* The blank line after the header block: decide how the body is framed. */
static __always_inline __u32 http_headers_done(struct http_stream *s)
{
	if (s->kind == HTTP_RESPONSE) {
		__u16 st = s->status;

		if (st < 200) {
			if (st == 101)
				s->flags |= HTTP_F_UPGRADE;
			return HTTP_EV_HEADERS | http_end(s);
		}
		if (st == 204 || st == 304 || s->no_body_next)
			return HTTP_EV_HEADERS | http_end(s);
		/* RFC 9110 9.3.6: a 2xx to CONNECT has no body; a tunnel follows. */
		if (s->connect_next && st < 300) {
			s->flags |= HTTP_F_UPGRADE;
			return HTTP_EV_HEADERS | http_end(s);
		}
		/* RFC 9112 6.3: a final coding other than chunked reads to close. */
		if ((s->flags & HTTP_F_TE) && !(s->flags & HTTP_F_CHUNKED)) {
			s->state = HTTP_S_BODY_CLOSE;
			return HTTP_EV_HEADERS;
		}
	} else if ((s->flags & HTTP_F_TE) && !(s->flags & HTTP_F_CHUNKED)) {
		/* RFC 9112 6.3: such a request cannot be framed; servers answer 400. */
		return http_fail(s);
	}
	/* Transfer-Encoding overrides Content-Length (RFC 9112 6.3). */
	if (s->flags & HTTP_F_CHUNKED) {
		s->state = HTTP_S_CHUNK_SIZE;
		s->n = 0;
		s->pos = 0;
		return HTTP_EV_HEADERS;
	}
	if ((s->flags & HTTP_F_HAVE_CL) && s->cl) {
		s->state = HTTP_S_BODY;
		s->n = s->cl;
		return HTTP_EV_HEADERS;
	}
	if (s->kind == HTTP_RESPONSE && !(s->flags & HTTP_F_HAVE_CL)) {
		s->state = HTTP_S_BODY_CLOSE;
		return HTTP_EV_HEADERS;
	}
	return HTTP_EV_HEADERS | http_end(s);
}

static __always_inline __u32 http_hdr_start(struct http_stream *s, __u8 c)
{
	__u8 lc = c | 0x20;

	if (c == '\r') {
		s->flags |= HTTP_F_CR;
		return 0;
	}
	if (c == '\n')
		return (s->flags & HTTP_F_TRAILER) ? http_end(s) : http_headers_done(s);
	/*
	 * A line starting with whitespace is an obsolete folded continuation
	 * (RFC 9112 5.2); it is ignored like the value it continues.
	 */
	if (c == ' ' || c == '\t') {
		s->state = HTTP_S_HDR_IGNORE;
		return 0;
	}
	if (!http_tchar(c))
		return http_fail(s);
	/* Trailer fields never change framing: skip them whole. */
	if (s->flags & HTTP_F_TRAILER) {
		s->state = HTTP_S_HDR_IGNORE;
		return 0;
	}
	s->hdr = lc == 'c' ? HTTP_H_CL : lc == 't' ? HTTP_H_TE : HTTP_H_NONE;
	s->pos = 1;
	s->state = HTTP_S_HDR_NAME;
	return 0;
}

/* Byte i of the lowercase name of header hdr. */
static __always_inline __u8 http_name_byte(__u8 hdr, __u8 i)
{
	__u64 w;

	if (hdr == HTTP_H_CL)
		w = i < 8 ? HTTP_LIT_CL0 : HTTP_LIT_CL1;
	else
		w = i < 8 ? HTTP_LIT_TE0 : i < 16 ? HTTP_LIT_TE1 : HTTP_LIT_TE2;
	return http_lit(w, i);
}

static __always_inline __u32 http_hdr_name(struct http_stream *s, __u8 c)
{
	if (c == ':') {
		if (s->hdr == HTTP_H_CL && s->pos == HTTP_LEN_CL) {
			s->state = HTTP_S_CL_VALUE;
			s->n = 0;
			s->aux = HTTP_CL_BEFORE;
		} else if (s->hdr == HTTP_H_TE && s->pos == HTTP_LEN_TE) {
			s->state = HTTP_S_TE_VALUE;
			s->flags |= HTTP_F_TE;
			s->pos = 0;
			s->aux = 0;
		} else {
			s->state = HTTP_S_HDR_IGNORE;
		}
		return 0;
	}
	/* No whitespace before the colon either (RFC 9112 5.1). */
	if (!http_tchar(c))
		return http_fail(s);
	if (s->hdr != HTTP_H_NONE) {
		__u8 len = s->hdr == HTTP_H_CL ? HTTP_LEN_CL : HTTP_LEN_TE;

		/* Only letters and '-' are compared, so c | 0x20 folds case. */
		if (s->pos < len && (c | 0x20) == http_name_byte(s->hdr, s->pos))
			s->pos++;
		else
			s->hdr = HTTP_H_NONE;
	}
	return 0;
}

static __always_inline __u32 http_hdr_ignore(struct http_stream *s, __u8 c)
{
	if (c == '\n')
		s->state = HTTP_S_HDR_START;
	return 0;
}

/*
 * Content-Length = 1*DIGIT, possibly repeated as a list ("5, 5") by
 * intermediaries. Different values are an error (RFC 9112 6.3), since the
 * two ends could frame the message differently.
 */
static __always_inline __u32 http_cl_value(struct http_stream *s, __u8 c)
{
	if (c >= '0' && c <= '9') {
		__u8 d = c - '0';

		if (s->aux == HTTP_CL_AFTER || s->n > HTTP_U64_DIV10 ||
		    (s->n == HTTP_U64_DIV10 && d > HTTP_U64_MOD10))
			return http_fail(s);
		s->n = s->n * 10 + d;
		s->aux = HTTP_CL_DIGITS;
		return 0;
	}
	if (c == ' ' || c == '\t') {
		if (s->aux == HTTP_CL_DIGITS)
			s->aux = HTTP_CL_AFTER;
		return 0;
	}
	if (c == '\r') {
		s->flags |= HTTP_F_CR;
		return 0;
	}
	if (c != ',' && c != '\n')
		return http_fail(s);
	if (s->aux == HTTP_CL_BEFORE ||
	    ((s->flags & HTTP_F_HAVE_CL) && s->cl != s->n))
		return http_fail(s);
	s->cl = s->n;
	s->flags |= HTTP_F_HAVE_CL;
	s->n = 0;
	s->aux = HTTP_CL_BEFORE;
	if (c == '\n')
		s->state = HTTP_S_HDR_START;
	return 0;
}

/*
 * Transfer-Encoding is a list of codings; what counts is whether the last
 * one, over all such header lines, is "chunked" (RFC 9112 6.1).
 */
static __always_inline __u32 http_te_value(struct http_stream *s, __u8 c)
{
	if (c == '\r') {
		s->flags |= HTTP_F_CR;
		return 0;
	}
	if (c == ',' || c == '\n') {
		if (s->aux & HTTP_TE_NONEMPTY) {
			if (!(s->aux & HTTP_TE_BAD) && s->pos == 7)
				s->flags |= HTTP_F_CHUNKED;
			else
				s->flags &= ~HTTP_F_CHUNKED;
		}
		s->pos = 0;
		s->aux = 0;
		if (c == '\n')
			s->state = HTTP_S_HDR_START;
		return 0;
	}
	if (c == ' ' || c == '\t' || c == ';') {
		if (s->aux & HTTP_TE_NONEMPTY)
			s->aux |= HTTP_TE_TOKEN_END;
		return 0;
	}
	if (s->aux & HTTP_TE_TOKEN_END)
		return 0;
	s->aux |= HTTP_TE_NONEMPTY;
	if (!(s->aux & HTTP_TE_BAD) && s->pos < 7 &&
	    (c | 0x20) == http_lit(HTTP_LIT_CHUNKED, s->pos))
		s->pos++;
	else
		s->aux |= HTTP_TE_BAD;
	return 0;
}

static __always_inline __u32 http_chunk_size_done(struct http_stream *s)
{
	if (!s->n) {
		/* Last chunk: trailer fields up to a blank line end the message. */
		s->state = HTTP_S_HDR_START;
		s->flags |= HTTP_F_TRAILER;
		return 0;
	}
	s->state = HTTP_S_CHUNK_DATA;
	s->pos = 0;
	return 0;
}

static __always_inline __u32 http_chunk_size(struct http_stream *s, __u8 c)
{
	__u8 lc = c | 0x20;

	if ((c >= '0' && c <= '9') || (lc >= 'a' && lc <= 'f')) {
		if (s->n >> 60)
			return http_fail(s);
		s->n = s->n << 4 | (c <= '9' ? c - '0' : lc - 'a' + 10);
		s->pos = 1;
		return 0;
	}
	if (!s->pos)
		return http_fail(s);
	if (c == ';' || c == ' ' || c == '\t') {
		s->state = HTTP_S_CHUNK_EXT;
		return 0;
	}
	if (c == '\r') {
		s->flags |= HTTP_F_CR;
		return 0;
	}
	if (c == '\n')
		return http_chunk_size_done(s);
	return http_fail(s);
}

static __always_inline __u32 http_chunk_ext(struct http_stream *s, __u8 c)
{
	return c == '\n' ? http_chunk_size_done(s) : 0;
}

static __always_inline __u32 http_chunk_crlf(struct http_stream *s, __u8 c)
{
	if (c == '\r') {
		s->flags |= HTTP_F_CR;
		return 0;
	}
	if (c != '\n')
		return http_fail(s);
	s->state = HTTP_S_CHUNK_SIZE;
	s->n = 0;
	s->pos = 0;
	return 0;
}

/* Body bytes that may be passed over without looking at them. */
static __always_inline __u64 http_skippable(const struct http_stream *s)
{
	switch (s->state) {
	case HTTP_S_BODY:
	case HTTP_S_CHUNK_DATA:
		return s->n;
	case HTTP_S_BODY_CLOSE:
	case HTTP_S_OPAQUE:
		return ~0ULL;
	}
	return 0;
}

/* Consume k <= http_skippable(s) bytes; more are taken as that many. */
static __always_inline __u32 http_skip(struct http_stream *s, __u64 k)
{
	if (s->state != HTTP_S_BODY && s->state != HTTP_S_CHUNK_DATA)
		return 0;
	if (k > s->n)
		k = s->n;
	s->n -= k;
	if (s->n)
		return 0;
	if (s->state == HTTP_S_CHUNK_DATA) {
		s->state = HTTP_S_CHUNK_CRLF;
		return 0;
	}
	return http_end(s);
}

/*
 * True when the state ignores every byte but '\n', so a driver may jump
 * to the next newline and step only that byte. This is an optimisation
 * only: stepping every byte gives the same events and state. The request
 * target is not such a state (see http_req_target).
 */
static __always_inline int http_wants_newline(const struct http_stream *s)
{
	return s->state == HTTP_S_RES_REASON || s->state == HTTP_S_HDR_IGNORE ||
	       s->state == HTTP_S_CHUNK_EXT;
}

/*
 * Eight bytes at a time. w holds the next eight bytes as a little-endian
 * load gives them (byte i in bits 8i..8i+7). These helpers flag bytes with
 * 0x80 in their own byte of the result and never carry into a neighbour,
 * so every flag is exact, not just the lowest.
 */
#define HTTP_ONES	0x0101010101010101ULL
#define HTTP_HIGHS	0x8080808080808080ULL
#define HTTP_LOWS	0x7f7f7f7f7f7f7f7fULL

/* Eight bytes packed in load order, byte a first. */
#define HTTP_PACK_LE(a, b, c, d, e, f, g, h)	HTTP_PACK(h, g, f, e, d, c, b, a)

#define HTTP_LE_VERSION	HTTP_PACK_LE('H', 'T', 'T', 'P', '/', '1', '.', 0)
#define HTTP_LE_CL0	HTTP_PACK_LE('c', 'o', 'n', 't', 'e', 'n', 't', '-')
#define HTTP_LE_CL1	HTTP_PACK_LE('l', 'e', 'n', 'g', 't', 'h', 0, 0)
#define HTTP_LE_TE0	HTTP_PACK_LE('t', 'r', 'a', 'n', 's', 'f', 'e', 'r')
#define HTTP_LE_TE1	HTTP_PACK_LE('-', 'e', 'n', 'c', 'o', 'd', 'i', 'n')
#define HTTP_LE_TE2	HTTP_PACK_LE('g', 0, 0, 0, 0, 0, 0, 0)

static __always_inline __u64 http_zero_bytes(__u64 w)
{
	return ~(((w & HTTP_LOWS) + HTTP_LOWS) | w | HTTP_LOWS);
}

/* Bytes in [lo, hi]; every byte of w must be below 0x80. */
static __always_inline __u64 http_in_range(__u64 w, __u8 lo, __u8 hi)
{
	return (w + HTTP_ONES * (__u8)(0x80 - lo)) & ~(w + HTTP_ONES * (__u8)(0x7f - hi)) &
	       HTTP_HIGHS;
}

/* How many bytes lead w before the first one not flagged in ok (0..8). */
static __always_inline __u32 http_run(__u64 ok)
{
	__u64 bad = ~ok & HTTP_HIGHS;

	if (!bad)
		return 8;
	/* The lowest flag is 1 << (8i + 7); the multiply moves i to the top byte. */
	return (__u32)((((bad & -bad) >> 7) * 0x0001020304050607ULL) >> 56);
}

/* The first n (1..8) bytes of w, first byte highest, as http_step packs them. */
static __always_inline __u64 http_append(__u64 n, __u64 w, __u32 len)
{
	__u64 be = __builtin_bswap64(w);

	return len >= 8 ? be : n << (8 * len) | be >> (64 - 8 * len);
}

/* Header name bytes that may be passed in bulk: letters, digits and '-'. */
static __always_inline __u64 http_name_bytes(__u64 w)
{
	__u64 low = w & HTTP_LOWS, ascii = ~w & HTTP_HIGHS;

	return (http_in_range(low | 0x2020202020202020ULL, 'a', 'z') |
		http_in_range(low, '0', '9') | http_zero_bytes(w ^ (HTTP_ONES * '-'))) & ascii;
}

/* Up to len bytes of a header name being matched against content-length etc. */
static __always_inline __u32 http_name8(struct http_stream *s, __u64 w, __u32 len)
{
	__u32 run = http_run(http_name_bytes(w)), pos = s->pos;
	__u64 lit, next, miss;

	if (run > len)
		run = len;
	if (!run || s->hdr == HTTP_H_NONE)
		return run;
	/* The name's bytes from pos on; past its end, zeros, which no name byte is. */
	if (s->hdr == HTTP_H_CL) {
		lit = pos < 8 ? HTTP_LE_CL0 : pos < 16 ? HTTP_LE_CL1 : 0;
		next = pos < 8 ? HTTP_LE_CL1 : 0;
	} else {
		lit = pos < 8 ? HTTP_LE_TE0 : pos < 16 ? HTTP_LE_TE1 : HTTP_LE_TE2;
		next = pos < 8 ? HTTP_LE_TE1 : pos < 16 ? HTTP_LE_TE2 : 0;
	}
	if (pos & 7)
		lit = lit >> (8 * (pos & 7)) | next << (64 - 8 * (pos & 7));
	miss = ~http_zero_bytes((w | 0x2020202020202020ULL) ^ lit) & HTTP_HIGHS;
	if (run < 8)
		miss &= (1ULL << (8 * run)) - 1;
	if (!miss) {
		s->pos = (__u8)(pos + run);
	} else {
		s->pos = (__u8)(pos + http_run(~miss));
		s->hdr = HTTP_H_NONE;
	}
	return run;
}

/*
 * Consume what of the next eight bytes needs no event, exactly as
 * http_step() would one by one; returns how many (0..8). The byte after
 * them is the caller's to step. An optimisation only, like
 * http_wants_newline(): the unit tests and the fuzzer check that it
 * changes nothing.
 */
static __always_inline __u32 http_step8(struct http_stream *s, __u64 w)
{
	__u32 run;

	if (s->flags & HTTP_F_CR)
		return 0;
	switch (s->state) {
	case HTTP_S_REQ_METHOD:
		/* Uppercase letters; the space, and anything rarer, one by one. */
		run = http_run(http_in_range(w & HTTP_LOWS, 'A', 'Z') & ~w & HTTP_HIGHS);
		if (s->pos + run > HTTP_METHOD_MAX)
			return 0;
		if (run) {
			s->n = http_append(s->n, w, run);
			s->pos += run;
		}
		return run;
	case HTTP_S_REQ_TARGET: {
		/* Anything but control bytes; the CR and LF one by one. */
		__u64 ctl = ~(((w & HTTP_LOWS) + HTTP_ONES * 0x60) | w) & HTTP_HIGHS;

		run = http_run(~(ctl | http_zero_bytes(w ^ HTTP_LOWS)));
		if (run) {
			s->aux = (__u8)(s->n >> (64 - 8 * run));
			s->n = http_append(s->n, w, run);
			s->pos = s->pos + run > 255 ? 255 : s->pos + run;
		}
		return run;
	}
	case HTTP_S_RES_VERSION:
		if (s->pos || (w & 0x00ffffffffffffffULL) != HTTP_LE_VERSION ||
		    ((w >> 56) != '0' && (w >> 56) != '1'))
			return 0;
		s->pos = 8;
		return 8;
	case HTTP_S_RES_STATUS: {
		__u8 d0 = (__u8)w, d1 = (__u8)(w >> 8), d2 = (__u8)(w >> 16);

		if (s->pos || d0 < '1' || d0 > '9' || d1 < '0' || d1 > '9' || d2 < '0' || d2 > '9')
			return 0;
		s->status = (__u16)((d0 - '0') * 100 + (d1 - '0') * 10 + (d2 - '0'));
		s->pos = 3;
		return 3;
	}
	case HTTP_S_HDR_START: {
		__u8 c = (__u8)w, lc = c | 0x20;

		/* A name's first letter, then as much of the name as can go. */
		if (lc < 'a' || lc > 'z' || (s->flags & HTTP_F_TRAILER))
			return 0;
		s->hdr = lc == 'c' ? HTTP_H_CL : lc == 't' ? HTTP_H_TE : HTTP_H_NONE;
		s->pos = 1;
		s->state = HTTP_S_HDR_NAME;
		return 1 + http_name8(s, w >> 8, 7);
	}
	case HTTP_S_HDR_NAME:
		return http_name8(s, w, 8);
	case HTTP_S_RES_REASON:
	case HTTP_S_HDR_IGNORE:
	case HTTP_S_CHUNK_EXT:
		return http_run(~http_zero_bytes(w ^ (HTTP_ONES * '\n')));
	}
	return 0;
}

/* Consume one byte; returns HTTP_EV_* bits. */
static __always_inline __u32 http_step(struct http_stream *s, __u8 c)
{
	if (s->flags & HTTP_F_CR) {
		s->flags &= ~HTTP_F_CR;
		if (c != '\n')
			return http_fail(s);
	}
	switch (s->state) {
	case HTTP_S_REQ_METHOD:
		return http_req_method(s, c);
	case HTTP_S_REQ_TARGET:
		return http_req_target(s, c);
	case HTTP_S_RES_VERSION:
		return http_res_version(s, c);
	case HTTP_S_RES_STATUS:
		return http_res_status(s, c);
	case HTTP_S_RES_REASON:
		return c == '\n' ? http_start_line_done(s) : 0;
	case HTTP_S_HDR_START:
		return http_hdr_start(s, c);
	case HTTP_S_HDR_NAME:
		return http_hdr_name(s, c);
	case HTTP_S_HDR_IGNORE:
		return http_hdr_ignore(s, c);
	case HTTP_S_CL_VALUE:
		return http_cl_value(s, c);
	case HTTP_S_TE_VALUE:
		return http_te_value(s, c);
	case HTTP_S_BODY:
	case HTTP_S_CHUNK_DATA:
		return http_skip(s, 1);
	case HTTP_S_CHUNK_SIZE:
		return http_chunk_size(s, c);
	case HTTP_S_CHUNK_EXT:
		return http_chunk_ext(s, c);
	case HTTP_S_CHUNK_CRLF:
		return http_chunk_crlf(s, c);
	}
	return 0;	/* HTTP_S_BODY_CLOSE, HTTP_S_OPAQUE */
}

/*
 * The connection closed in this direction: ends a read-until-close body
 * (HTTP_EV_END); a message cut short is HTTP_EV_ERROR. The stream is
 * opaque afterwards.
 */
static __always_inline __u32 http_eof(struct http_stream *s)
{
	__u32 ev = 0;

	if (s->state == HTTP_S_BODY_CLOSE)
		ev = http_end(s);
	else if (s->state != HTTP_S_OPAQUE && !http_idle(s))
		ev = HTTP_EV_ERROR;
	s->state = HTTP_S_OPAQUE;
	return ev;
}

#endif
