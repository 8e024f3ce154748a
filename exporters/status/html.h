/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Text that came from the machine (service and peer names) made safe to
 * print: valid UTF-8 only, no control or direction-changing characters,
 * bounded length, and for HTML every markup character escaped.
 */
#ifndef PANTAU_HTML_H
#define PANTAU_HTML_H

#include <stddef.h>
#include <stdint.h>
#include "lib/sbuf.h"

#define UTF8_REPLACEMENT "\xef\xbf\xbd"	/* U+FFFD */
#define TEXT_ELLIPSIS "\xe2\x80\xa6"		/* U+2026 */

/*
 * Decode one UTF-8 sequence of s (n bytes available). Returns its length
 * (1 to 4) and stores the code point, or returns 0 when the bytes are not
 * valid UTF-8: a stray continuation byte, a truncated sequence, an overlong
 * form, a surrogate or a code point beyond U+10FFFF.
 */
size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/*
 * Append s as clean UTF-8: each invalid byte, control character (C0, DEL,
 * C1) and bidirectional override becomes U+FFFD. With max_chars > 0, at
 * most that many characters, then an ellipsis. html also escapes & < > " '.
 */
void text_clean(struct sbuf *out, const char *s, size_t max_chars, int html);

/* text_clean for HTML text and attribute values. */
void html_escape(struct sbuf *out, const char *s, size_t max_chars);

#endif
