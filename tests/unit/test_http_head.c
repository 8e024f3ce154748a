// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests for user/http_head.c: method, path, Host and status from bounded copies. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "events/http_head.h"

static int parse(const char *text, struct http_request_head *h)
{
	return http_request_head_parse(text, strlen(text), h);
}

static void test_get_with_query_keeps_path_drops_query(void **state)
{
	struct http_request_head h;

	(void)state;
	assert_int_equal(parse("GET /orders/42?token=secret&x=1 HTTP/1.1\r\n"
			       "User-Agent: curl\r\nHost:  shop.example:8080 \r\n\r\n", &h), 0);
	assert_int_equal(h.method, HTTP_M_GET);
	assert_string_equal(h.method_token, "GET");
	assert_string_equal(h.path, "/orders/42");
	assert_false(h.path_truncated);
	assert_string_equal(h.host, "shop.example:8080");
}

static void test_fragment_is_dropped_and_host_name_is_case_insensitive(void **state)
{
	struct http_request_head h;

	(void)state;
	assert_int_equal(parse("POST /a/b#top HTTP/1.0\nhOsT: x.test\n\n", &h), 0);
	assert_int_equal(h.method, HTTP_M_POST);
	assert_string_equal(h.path, "/a/b");
	assert_string_equal(h.host, "x.test");
}

static void test_other_method_keeps_its_token(void **state)
{
	struct http_request_head h;

	(void)state;
	assert_int_equal(parse("\r\nPROPFIND /dav/ HTTP/1.1\r\n\r\n", &h), 0);
	assert_int_equal(h.method, HTTP_M_OTHER);
	assert_string_equal(h.method_token, "PROPFIND");
	assert_string_equal(h.path, "/dav/");
	assert_string_equal(h.host, "");
	assert_string_equal(http_method_name(h.method), "OTHER");
	assert_string_equal(http_method_name(HTTP_M_PATCH), "PATCH");
	assert_string_equal(http_method_name(1000), "OTHER");
}

static void test_copy_cut_inside_the_path_marks_it_truncated(void **state)
{
	const char *req = "GET /very/long/path/that/goes/on HTTP/1.1\r\nHost: a\r\n\r\n";
	struct http_request_head h;

	(void)state;
	assert_int_equal(http_request_head_parse(req, 20, &h), 0);
	assert_string_equal(h.path, "/very/long/path/");
	assert_true(h.path_truncated);
	assert_string_equal(h.host, "");
}

static void test_copy_cut_after_query_or_inside_version_is_complete(void **state)
{
	const char *q = "GET /search?q=abc HTTP/1.1\r\n";
	const char *v = "GET /a/b HTTP/1.1\r\nHost: cut.example\r\n";
	struct http_request_head h;

	(void)state;
	assert_int_equal(http_request_head_parse(q, 14, &h), 0);
	assert_string_equal(h.path, "/search");
	assert_false(h.path_truncated);
	for (size_t cut = strlen("GET /a/b "); cut <= strlen("GET /a/b HTTP/1.1\r"); cut++) {
		assert_int_equal(http_request_head_parse(v, cut, &h), 0);
		assert_string_equal(h.path, "/a/b");
		assert_false(h.path_truncated);
	}
	/* A Host line cut before its end is not trusted. */
	assert_int_equal(http_request_head_parse(v, strlen(v) - 5, &h), 0);
	assert_string_equal(h.host, "");
	assert_int_equal(http_request_head_parse(v, strlen(v), &h), 0);
	assert_string_equal(h.host, "cut.example");
}

static void test_absolute_form_gives_path_and_authority(void **state)
{
	struct http_request_head h;

	(void)state;
	assert_int_equal(parse("GET http://pay.example.test:8443/v1/charge?id=7 HTTP/1.1\r\n\r\n", &h), 0);
	assert_string_equal(h.path, "/v1/charge");
	assert_string_equal(h.host, "pay.example.test:8443");
	assert_int_equal(parse("GET HTTPS://b.test HTTP/1.1\r\nHost: a.test\r\n\r\n", &h), 0);
	assert_string_equal(h.path, "/");
	assert_string_equal(h.host, "a.test");	/* the Host field wins */
}

static void test_connect_and_asterisk_targets(void **state)
{
	struct http_request_head h;

	(void)state;
	assert_int_equal(parse("CONNECT api.example:443 HTTP/1.1\r\n\r\n", &h), 0);
	assert_int_equal(h.method, HTTP_M_CONNECT);
	assert_string_equal(h.path, "");
	assert_string_equal(h.host, "api.example:443");
	assert_int_equal(parse("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", &h), 0);
	assert_string_equal(h.path, "*");
}

static void test_long_path_and_host_are_cut_to_their_buffers(void **state)
{
	char req[1300];
	struct http_request_head h;
	char path[600];

	(void)state;
	memset(path, 'a', sizeof(path));
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", path, path + 1);
	assert_int_equal(parse(req, &h), 0);
	assert_int_equal(strlen(h.path), HTTP_HEAD_PATH_MAX - 1);
	assert_true(h.path_truncated);
	assert_int_equal(strlen(h.host), HTTP_HEAD_HOST_MAX - 1);
}

static void test_not_http_or_too_short(void **state)
{
	struct http_request_head h;

	(void)state;
	assert_int_equal(parse("\x16\x03\x01\x02\x00", &h), -EINVAL);
	assert_int_equal(parse("EHLO mail.example\r\n", &h), -EINVAL);
	assert_int_equal(parse("GET / HTTP/1.1\r\nBad Header\r\n\r\n", &h), -EINVAL);
	assert_int_equal(parse("GE", &h), -ENODATA);
	assert_int_equal(http_request_head_parse("", 0, &h), -ENODATA);
}

static void test_response_status(void **state)
{
	const char *res = "HTTP/1.1 503 Service Unavailable\r\n\r\n";

	(void)state;
	assert_int_equal(http_response_status_parse(res, strlen(res)), 503);
	assert_int_equal(http_response_status_parse(res, 12), 503);	/* cut after the digits */
	assert_int_equal(http_response_status_parse(res, 11), -ENODATA);
	assert_int_equal(http_response_status_parse("HTTP/1.0 200\n", 13), 200);
	assert_int_equal(http_response_status_parse("SSH-2.0-x\r\n", 11), -EINVAL);
	assert_int_equal(http_response_status_parse("HTTP/1.1 20x", 12), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_with_query_keeps_path_drops_query),
		cmocka_unit_test(test_fragment_is_dropped_and_host_name_is_case_insensitive),
		cmocka_unit_test(test_other_method_keeps_its_token),
		cmocka_unit_test(test_copy_cut_inside_the_path_marks_it_truncated),
		cmocka_unit_test(test_copy_cut_after_query_or_inside_version_is_complete),
		cmocka_unit_test(test_absolute_form_gives_path_and_authority),
		cmocka_unit_test(test_connect_and_asterisk_targets),
		cmocka_unit_test(test_long_path_and_host_are_cut_to_their_buffers),
		cmocka_unit_test(test_not_http_or_too_short),
		cmocka_unit_test(test_response_status),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
