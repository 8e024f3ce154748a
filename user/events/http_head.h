/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What an event needs from the first bytes of an HTTP/1.x message: the
 * method, path and Host of a request, the status of a response. The BPF
 * side hands over a bounded copy (it may stop anywhere); the start line is
 * checked by the same framer the kernel runs (pantau/http_parse.h).
 */
#ifndef PANTAU_HTTP_HEAD_H
#define PANTAU_HTTP_HEAD_H

#include <stdbool.h>
#include <stddef.h>
#include "pantau/http_parse.h"

#define HTTP_HEAD_PATH_MAX 256
#define HTTP_HEAD_HOST_MAX 256

struct http_request_head {
	unsigned method;			/* enum http_method */
	char method_token[HTTP_METHOD_MAX + 1];	/* as sent, also for HTTP_M_OTHER */
	/* The target's path: the query string and fragment are dropped (tokens and personal data live there). */
	char path[HTTP_HEAD_PATH_MAX];
	bool path_truncated;			/* the copy or path[] ended inside the path */
	/* The Host field if its whole line is in the copy, else the authority of an absolute or CONNECT target; "" if neither. */
	char host[HTTP_HEAD_HOST_MAX];
};

/*
 * Parse the first len bytes of a request. 0 when at least the method was
 * read; -ENODATA when the copy ends before that; -EINVAL when the bytes
 * are not an HTTP/1.x request.
 */
int http_request_head_parse(const void *buf, size_t len, struct http_request_head *out);

/* The status code (100..999) of a response copy, -ENODATA or -EINVAL. */
int http_response_status_parse(const void *buf, size_t len);

/* "GET", ..., "OTHER" for an enum http_method; "OTHER" when out of range. */
const char *http_method_name(unsigned method);

#endif
