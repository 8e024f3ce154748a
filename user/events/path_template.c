// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Path templating: config rules first, then a default that folds ids. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include "events/path_template.h"

/* Shortest segments taken for hex or base64-like ids; words are shorter. */
#define HEX_ID_MIN	12
#define TOKEN_ID_MIN	16
#define UUID_LEN	36

struct out {
	char *p;
	size_t size, used;
	bool cut;
};

static void put(struct out *o, const char *s, size_t n)
{
	size_t room = o->size - 1 - o->used;

	if (n > room) {
		n = room;
		o->cut = true;
	}
	memcpy(o->p + o->used, s, n);
	o->used += n;
	o->p[o->used] = '\0';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_uuid(const char *s, size_t n)
{
	if (n != UUID_LEN)
		return false;
	for (size_t i = 0; i < n; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != '-' : !is_hex(s[i]))
			return false;
	}
	return true;
}

/*
 * Whether a segment is an identifier rather than a route word: all
 * digits; a UUID; a long hex string with a digit (object ids, hashes); or
 * a long token of base64url characters that mixes digits with letters the
 * way random ids do (both cases, or a quarter digits) and is no
 * dash-separated slug.
 */
static bool is_id(const char *s, size_t n)
{
	size_t digits = 0, upper = 0, lower = 0, hex = 0, other = 0;

	if (!n)
		return false;
	if (is_uuid(s, n))
		return true;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (is_digit(c))
			digits++;
		else if (c >= 'A' && c <= 'Z')
			upper++;
		else if (c >= 'a' && c <= 'z')
			lower++;
		else if (c != '_' && c != '-' && c != '=')
			return false;
		else
			other++;
		hex += is_hex(c);
	}
	if (digits == n)
		return true;
	if (hex == n && n >= HEX_ID_MIN && digits)
		return true;
	if (n < TOKEN_ID_MIN || !digits || !(upper + lower))
		return false;
	if (upper && lower)
		return true;
	return digits * 4 >= n && !memchr(s, '-', n);
}

/* Length of the path without its query string or fragment. */
static size_t path_len(const char *path)
{
	return strcspn(path, "?#");
}

static bool is_placeholder(const char *s, size_t n)
{
	return n >= 2 && s[0] == '{' && s[n - 1] == '}';
}

/* Whether path[0, n) matches pattern segment by segment. */
static bool rule_matches(const char *pattern, const char *path, size_t n)
{
	const char *p = path, *end = path + n, *r = pattern;

	for (;;) {
		size_t ps = strcspn(p, "/?#"), rs = strcspn(r, "/");

		if (ps > (size_t)(end - p))
			ps = (size_t)(end - p);
		if (is_placeholder(r, rs) ? !ps : (ps != rs || memcmp(p, r, ps)))
			return false;
		p += ps;
		r += rs;
		if (p == end || *r == '\0')
			return p == end && *r == '\0';
		p++;	/* both at a '/' */
		r++;
	}
}

int path_template(const char *path, const struct path_rules *rules, char *out, size_t outlen)
{
	struct out o = { .p = out, .size = outlen };
	size_t n = path_len(path);
	const char *p = path, *end = path + n;

	if (!outlen)
		return -EINVAL;
	out[0] = '\0';
	for (size_t i = 0; rules && i < rules->n; i++) {
		if (rule_matches(rules->patterns[i], path, n)) {
			put(&o, rules->patterns[i], strlen(rules->patterns[i]));
			return o.cut ? -ENOSPC : 0;
		}
	}
	for (;;) {
		const char *slash = memchr(p, '/', (size_t)(end - p));
		size_t seg = slash ? (size_t)(slash - p) : (size_t)(end - p);

		if (is_id(p, seg))
			put(&o, "{id}", 4);
		else
			put(&o, p, seg);
		if (!slash)
			break;
		put(&o, "/", 1);
		p = slash + 1;
	}
	return o.cut ? -ENOSPC : 0;
}
