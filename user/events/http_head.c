// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Method, path and Host of a request copy; status of a response copy. */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include "events/http_head.h"

/* Length of " HTTP/1.x" at the end of a request line. */
#define VERSION_SUFFIX_LEN 9

const char *http_method_name(unsigned method)
{
	static const char *const names[HTTP_M_COUNT] = {
		[HTTP_M_OTHER] = "OTHER", [HTTP_M_GET] = "GET", [HTTP_M_HEAD] = "HEAD",
		[HTTP_M_POST] = "POST", [HTTP_M_PUT] = "PUT", [HTTP_M_DELETE] = "DELETE",
		[HTTP_M_CONNECT] = "CONNECT", [HTTP_M_OPTIONS] = "OPTIONS",
		[HTTP_M_TRACE] = "TRACE", [HTTP_M_PATCH] = "PATCH",
	};

	return method < HTTP_M_COUNT ? names[method] : names[HTTP_M_OTHER];
}

/* Copy [s, s + n) into out[size] as a string; false when it had to be cut. */
static bool copy_span(char *out, size_t size, const char *s, size_t n)
{
	bool fits = n < size;

	if (!fits)
		n = size - 1;
	memcpy(out, s, n);
	out[n] = '\0';
	return fits;
}

static size_t span_until(const char *s, size_t n, const char *stops)
{
	size_t i = 0;

	while (i < n && !strchr(stops, s[i]))
		i++;
	return i;
}

/*
 * Split a request target into path and authority. complete is false when
 * the copy ended inside the target.
 */
static void parse_target(const char *t, size_t n, bool complete, unsigned method,
			 struct http_request_head *out, char *authority, size_t auth_size)
{
	size_t path_len;

	authority[0] = '\0';
	if (method == HTTP_M_CONNECT) {
		/* authority-form: "host:port", no path. */
		copy_span(authority, auth_size, t, n);
		return;
	}
	/* absolute-form, as sent to proxies: "http://host:port/path?query". */
	if ((n >= 7 && !strncasecmp(t, "http://", 7)) || (n >= 8 && !strncasecmp(t, "https://", 8))) {
		size_t skip = t[4] == ':' ? 7 : 8;
		size_t auth_len = span_until(t + skip, n - skip, "/?#");

		copy_span(authority, auth_size, t + skip, auth_len);
		t += skip + auth_len;
		n -= skip + auth_len;
		if (!n || *t != '/') {
			/* "http://host" or "http://host?q": the path is "/". */
			copy_span(out->path, sizeof(out->path), "/", 1);
			out->path_truncated = !complete && !n;
			return;
		}
	}
	path_len = span_until(t, n, "?#");
	out->path_truncated = !copy_span(out->path, sizeof(out->path), t, path_len) ||
			      (!complete && path_len == n);
}

/* The value of the first complete "Host:" line in [h, h + n), trimmed. */
static bool find_host(const char *h, size_t n, char *out, size_t size)
{
	while (n) {
		const char *nl = memchr(h, '\n', n);
		size_t line, name, a, b;

		if (!nl)
			return false;	/* a cut line's value may be cut too */
		line = (size_t)(nl - h);
		name = span_until(h, line, ":");
		if (name == 4 && name < line && !strncasecmp(h, "host", 4)) {
			a = name + 1;
			b = line;
			while (a < b && (h[a] == ' ' || h[a] == '\t'))
				a++;
			while (b > a && (h[b - 1] == ' ' || h[b - 1] == '\t' || h[b - 1] == '\r'))
				b--;
			copy_span(out, size, h + a, b - a);
			return true;
		}
		h += line + 1;
		n -= line + 1;
	}
	return false;
}

int http_request_head_parse(const void *buf, size_t len, struct http_request_head *out)
{
	const char *b = buf;
	struct http_stream s;
	size_t begin = 0, target = 0, line_end = 0, stop = len, i;
	bool have_target = false, have_line = false;
	char authority[HTTP_HEAD_HOST_MAX];

	memset(out, 0, sizeof(*out));
	http_stream_init(&s, HTTP_REQUEST);
	for (i = 0; i < len; i++) {
		__u32 ev;

		if (http_idle(&s))
			begin = i;
		ev = http_step(&s, (__u8)b[i]);
		if (ev & HTTP_EV_ERROR)
			return -EINVAL;
		if (!have_target && s.state == HTTP_S_REQ_TARGET) {
			have_target = true;
			target = i + 1;
		}
		if (ev & HTTP_EV_START) {
			have_line = true;
			line_end = i;
		}
		/* The framer also checks the header lines up to the blank one. */
		if (ev & HTTP_EV_HEADERS) {
			stop = i + 1;
			break;
		}
	}
	if (!have_target)
		return -ENODATA;
	out->method = s.method;
	copy_span(out->method_token, sizeof(out->method_token), b + begin, target - 1 - begin);

	if (have_line) {
		size_t end = line_end;

		if (end > target && b[end - 1] == '\r')
			end--;
		parse_target(b + target, end - VERSION_SUFFIX_LEN - target, true, s.method,
			     out, authority, sizeof(authority));
		if (!find_host(b + line_end + 1, stop - line_end - 1, out->host, sizeof(out->host)))
			copy_span(out->host, sizeof(out->host), authority, strlen(authority));
	} else {
		/*
		 * Cut inside the request line: the target runs to the end of the
		 * copy, unless its version already began there.
		 */
		size_t n = len > target && b[len - 1] == '\r' ? len - 1 : len;
		size_t end = n, sp = n;

		while (sp > target && b[sp - 1] != ' ')
			sp--;
		if (sp > target && n - sp < VERSION_SUFFIX_LEN &&
		    !strncmp(b + sp, "HTTP/1.", n - sp < 7 ? n - sp : 7))
			end = sp - 1;
		parse_target(b + target, end - target, end != n, s.method, out,
			     authority, sizeof(authority));
		copy_span(out->host, sizeof(out->host), authority, strlen(authority));
	}
	return 0;
}

int http_response_status_parse(const void *buf, size_t len)
{
	const __u8 *b = buf;
	struct http_stream s;

	http_stream_init(&s, HTTP_RESPONSE);
	for (size_t i = 0; i < len; i++) {
		__u32 ev = http_step(&s, b[i]);

		if (ev & HTTP_EV_ERROR)
			return -EINVAL;
		if (ev & HTTP_EV_START)
			return s.status;
	}
	/* Cut after the three digits: they are all the caller needs. */
	if (s.state == HTTP_S_RES_REASON || (s.state == HTTP_S_RES_STATUS && s.pos == 3))
		return s.status;
	return -ENODATA;
}
