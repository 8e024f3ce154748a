// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the UTF-8 sanitiser, text_clean() and utf8_decode()
 * (exporters/status/html.c), which every service and peer name (cgroup
 * names, process names, Host fields, TLS server names: anyone's bytes)
 * goes through before the status page, its JSON and the verdict sentences.
 *
 * Input: byte 0 = max_chars (0: no limit); byte 1 bit 0 = HTML; the rest
 * is the name (up to its first NUL). The output must be valid UTF-8 by a
 * decoder written here from RFC 3629, hold no C0, DEL, C1 or direction
 * control, at most max_chars characters then an ellipsis, at most 6 bytes
 * per input byte (an entity) plus the ellipsis; in HTML no markup
 * character outside its entity. A cut output is a prefix of the whole one,
 * and a clean name comes out unchanged.
 *
 * Covers: exporters/status/html.c
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "status/html.h"

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_utf8: %s\n", what);
		abort();
	}
}

/* RFC 3629's table: the length of the well-formed sequence at s, or 0. */
static size_t rfc3629_len(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char b = s[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len;

	if (b < 0x80) {
		*cp = b;
		return 1;
	}
	if (b >= 0xc2 && b <= 0xdf)
		len = 2;
	else if (b >= 0xe0 && b <= 0xef)
		len = 3;
	else if (b >= 0xf0 && b <= 0xf4)
		len = 4;
	else
		return 0;
	if (b == 0xe0)
		lo = 0xa0;
	else if (b == 0xed)
		hi = 0x9f;
	else if (b == 0xf0)
		lo = 0x90;
	else if (b == 0xf4)
		hi = 0x8f;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	*cp = len == 2 ? (b & 0x1fu) << 6 | (s[1] & 0x3fu) :
	      len == 3 ? (b & 0x0fu) << 12 | (s[1] & 0x3fu) << 6 | (s[2] & 0x3fu) :
			 (b & 0x07u) << 18 | (s[1] & 0x3fu) << 12 | (s[2] & 0x3fu) << 6 | (s[3] & 0x3fu);
	return len;
}

static int control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e || cp == 0x200f || cp == 0x061c;
}

/* The entity at s, its length, or 0. */
static size_t entity_len(const char *s, size_t n)
{
	static const char *const entities[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&#39;" };

	for (size_t i = 0; i < sizeof(entities) / sizeof(entities[0]); i++) {
		size_t len = strlen(entities[i]);

		if (len <= n && !memcmp(s, entities[i], len))
			return len;
	}
	return 0;
}

/*
 * Characters of the input the text shows (an entity is one); every one
 * well-formed and printable, or abort.
 */
static size_t check_clean(const char *text, size_t n, int html)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t chars = 0;
	uint32_t cp;

	for (size_t i = 0, len; i < n; i += len, chars++) {
		len = rfc3629_len(p + i, n - i, &cp);
		check(len > 0, "output is not valid UTF-8");
		check(!control(cp), "a control or direction character in the output");
		if (html && cp == '&') {
			len = entity_len(text + i, n - i);
			check(len > 0, "a bare & in HTML");
		}
		if (html)
			check(cp >= 0x80 || !strchr("<>\"'", (int)cp), "markup in HTML");
	}
	return chars;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sbuf whole, cut;
	size_t max_chars, n, chars, ell = strlen(TEXT_ELLIPSIS), clean = 1;
	const unsigned char *p;
	char *name;
	uint32_t cp, ref;
	int html;

	if (size < 2 || size > 4096)
		return 0;
	max_chars = data[0];
	html = data[1] & 1;
	name = malloc(size - 1);
	memcpy(name, data + 2, size - 2);
	name[size - 2] = '\0';
	n = strlen(name);
	p = (const unsigned char *)name;

	/* utf8_decode() agrees with the table at every byte. */
	for (size_t i = 0; i < n; i++) {
		size_t got = utf8_decode(p + i, n - i, &cp), want = rfc3629_len(p + i, n - i, &ref);

		check(got == want && (!got || cp == ref), "utf8_decode disagrees with RFC 3629");
		if (!got || control(cp) || (html && cp < 0x80 && strchr("&<>\"'", (int)cp)))
			clean = 0;
		if (got)
			i += got - 1;
	}

	sbuf_init(&whole);
	text_clean(&whole, name, 0, html);
	check(!sbuf_error(&whole), "no memory");
	check(whole.len <= 6 * n, "output too long for its input");
	chars = check_clean(whole.buf ? whole.buf : "", whole.len, html);
	check(!clean || (whole.len == n && (!n || !memcmp(whole.buf, name, n))), "a clean name was changed");

	sbuf_init(&cut);
	text_clean(&cut, name, max_chars, html);
	check(!sbuf_error(&cut), "no memory");
	if (max_chars == 0 || chars <= max_chars) {
		check(cut.len == whole.len && (!cut.len || !memcmp(cut.buf, whole.buf, cut.len)),
		      "a limit not reached changed the output");
	} else {
		check(cut.len >= ell && !memcmp(cut.buf + cut.len - ell, TEXT_ELLIPSIS, ell),
		      "a cut output without its ellipsis");
		check(check_clean(cut.buf, cut.len - ell, html) == max_chars, "max_chars not kept");
		check(!memcmp(cut.buf, whole.buf, cut.len - ell), "the cut output is not a prefix");
		check(cut.len <= 6 * max_chars + ell, "cut output too long");
	}
	sbuf_free(&cut);
	sbuf_free(&whole);
	free(name);
	return 0;
}
