// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for user/http_head.c and user/path_template.c: any
 * bytes, whole or cut short, must give bounded, terminated strings, a path
 * without query, a consistent method, and a template that is its own
 * template. Byte 0 picks where to cut and the template buffer size.
 *
 * Covers: user/events/http_head.c user/events/path_template.c
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "events/http_head.h"
#include "events/path_template.h"

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_http_head: %s\n", what);
		abort();
	}
}

static const char *const patterns[] = { "/orders/{id}", "/users/{u}/cart", "/{a}/{b}/{c}/x" };
static const struct path_rules rules = { patterns, 3 };

static void check_head(int rc, const struct http_request_head *h)
{
	check(rc == 0 || rc == -EINVAL || rc == -ENODATA, "return value");
	if (rc)
		return;
	check(h->method < HTTP_M_COUNT, "method");
	check(memchr(h->method_token, '\0', sizeof(h->method_token)) && h->method_token[0],
	      "method token");
	check(memchr(h->path, '\0', sizeof(h->path)) != NULL, "path terminated");
	check(memchr(h->host, '\0', sizeof(h->host)) != NULL, "host terminated");
	check(!strpbrk(h->path, "?#"), "query or fragment kept");
}

static void check_template(const char *path, size_t outlen)
{
	/* "1/" becomes "{id}/": a template is at most 2.5 times its path. */
	char once[HTTP_HEAD_PATH_MAX * 3], twice[sizeof(once)];
	char *small = malloc(outlen);	/* exact size, so ASan sees any overflow */
	int rc;

	rc = path_template(path, &rules, once, sizeof(once));
	check(rc == 0 && strlen(once) < sizeof(once), "template fits");
	check(path_template(once, &rules, twice, sizeof(twice)) == 0 && !strcmp(once, twice),
	      "template of a template is itself");
	rc = path_template(path, &rules, small, outlen);
	check(rc == 0 || rc == -ENOSPC, "small buffer result");
	check(strlen(small) < outlen && !strncmp(small, once, strlen(small)),
	      "cut template is a prefix of the whole one");
	check(rc == -ENOSPC || !strcmp(small, once), "whole template in a small buffer");
	free(small);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_request_head whole, cut;
	size_t len, cut_len;
	int rc, rc_cut, status;

	if (size < 1)
		return 0;
	len = size - 1;
	cut_len = len ? (size_t)data[0] % (len + 1) : 0;

	rc = http_request_head_parse(data + 1, len, &whole);
	check_head(rc, &whole);
	rc_cut = http_request_head_parse(data + 1, cut_len, &cut);
	check_head(rc_cut, &cut);
	if (rc == 0 && rc_cut == 0)
		check(whole.method == cut.method && !strcmp(whole.method_token, cut.method_token),
		      "a shorter copy read another method");
	check(rc != -EINVAL || rc_cut != 0 || cut_len < len, "prefix valid, whole not");
	if (rc == 0)
		check_template(whole.path, 1 + data[0] % 40);

	status = http_response_status_parse(data + 1, len);
	check(status == -EINVAL || status == -ENODATA || (status >= 100 && status <= 999),
	      "status");
	return 0;
}
