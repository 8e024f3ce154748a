// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>
#include "status/html.h"

size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c, min;
	size_t len;

	if (n == 0)
		return 0;
	c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		c &= 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		c &= 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		c &= 0x07;
		min = 0x10000;
	} else {
		return 0;	/* continuation byte, 0xc0/0xc1 or 0xf5.. */
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* Characters a name has no business carrying: they hide or reorder text. */
static int unprintable(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
	       cp == 0x200e || cp == 0x200f || cp == 0x061c;
}

static const char *html_entity(unsigned char c)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&#39;";
	}
	return NULL;
}

void text_clean(struct sbuf *out, const char *s, size_t max_chars, int html)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), chars = 0;

	/* Bounded by n: each turn consumes at least one byte. */
	while (n > 0) {
		uint32_t cp;
		size_t len = utf8_decode(p, n, &cp);
		const char *ent;

		if (max_chars && chars == max_chars) {
			sbuf_puts(out, TEXT_ELLIPSIS);
			return;
		}
		chars++;
		if (len == 0 || unprintable(cp)) {
			sbuf_puts(out, UTF8_REPLACEMENT);
			len = len ? len : 1;
		} else if (html && len == 1 && (ent = html_entity(p[0]))) {
			sbuf_puts(out, ent);
		} else {
			sbuf_add(out, (const char *)p, len);
		}
		p += len;
		n -= len;
	}
}

void html_escape(struct sbuf *out, const char *s, size_t max_chars)
{
	text_clean(out, s, max_chars, 1);
}
