// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests for user/events/ecs_writer.c: the event documents it writes
 * are json-c's of the same documents (tests/unit/ecs_reference.h), byte
 * for byte and parsed, for ordinary and hostile events.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "events/ecs_writer.h"
#include "events/events.h"
#include "events/net_events.h"
#include "ecs_reference.h"

static struct ecs_writer w;

static int setup(void **state)
{
	(void)state;
	ecs_writer_init(&w);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ecs_writer_free(&w);
	return 0;
}

/* The writer's finished document is the reference's: same bytes, same tree. */
static void assert_same(struct json_object *ref)
{
	const char *text, *want = json_object_to_json_string_ext(ref, REF_FLAGS);
	struct json_object *a, *b;
	size_t len;

	assert_non_null(want);
	assert_int_equal(ecs_doc_end(&w, &text, &len), 0);
	assert_int_equal(len, strlen(text));
	if (strcmp(text, want))
		fail_msg("writer: %s\njson-c: %s", text, want);
	a = json_tokener_parse(text);
	b = json_tokener_parse(want);
	assert_non_null(a);
	assert_non_null(b);
	assert_true(json_object_equal(a, b));
	json_object_put(a);
	json_object_put(b);
	json_object_put(ref);
}

/* {"k":s} both ways, s of n bytes (NUL bytes included). */
static void check_string(const char *s, size_t n)
{
	struct json_object *ref = json_object_new_object();

	json_object_object_add(ref, "k", json_object_new_string_len(s, (int)n));
	ecs_doc_begin(&w);
	ecs_string_len(&w, "k", s, n);
	assert_same(ref);
}

static void every_byte_escapes_as_json_c_escapes_it(void **state)
{
	char all[256];

	(void)state;
	for (int c = 0; c < 256; c++) {
		char one[3] = { 'a', (char)c, 'z' };

		check_string(one + 1, 1);
		check_string(one, 3);
		all[c] = (char)c;
	}
	check_string(all, sizeof(all));
	check_string("", 0);
	check_string("/a/b\\\"c\"", 8);
}

static void invalid_utf8_passes_unchanged_as_with_json_c(void **state)
{
	static const char *const bad[] = {
		"\xff\xfe", "\xc0\xaf", "\xe2\x82", "\x80", "caf\xc3", "\xed\xa0\x80",
		"\xf4\x90\x80\x80", "ok \xe2\x80\xae rtl", "\xef\xbf\xbd", "\x7f",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		check_string(bad[i], strlen(bad[i]));
}

static void numbers_print_as_json_c_prints_them(void **state)
{
	static const int64_t v[] = { 0, 1, -1, 9, 10, 99, 100, 65535, INT32_MAX, INT32_MIN,
				     (int64_t)INT32_MAX + 1, INT64_MAX, INT64_MIN, -1000000007 };
	struct json_object *ref;

	(void)state;
	ecs_doc_begin(&w);
	ref = json_object_new_object();
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char key[8];

		snprintf(key, sizeof(key), "n%zu", i);
		ecs_int(&w, key, v[i]);
		json_object_object_add(ref, key, json_object_new_int64(v[i]));
	}
	assert_same(ref);
}

static void nesting_and_empty_containers(void **state)
{
	struct json_object *ref = json_object_new_object(), *o = json_object_new_object();

	(void)state;
	json_object_object_add(ref, "empty", json_object_new_object());
	json_object_object_add(ref, "none", json_object_new_array());
	json_object_object_add(o, "a", ref_strings("x\n", "y\""));
	json_object_object_add(ref, "o", o);
	ecs_doc_begin(&w);
	ecs_object_begin(&w, "empty");
	ecs_close(&w);
	ecs_array_begin(&w, "none");
	ecs_close(&w);
	ecs_object_begin(&w, "o");
	ecs_strings(&w, "a", "x\n", "y\"");
	ecs_close(&w);
	assert_same(ref);
	/* An empty document. */
	ecs_doc_begin(&w);
	assert_same(json_object_new_object());
}

static void misuse_and_overflow_stick_until_the_next_document(void **state)
{
	const char *text;
	size_t len;
	char *big;

	(void)state;
	ecs_doc_begin(&w);
	ecs_array_begin(&w, "a");
	ecs_string(&w, "key-in-array", "x");
	assert_int_equal(ecs_doc_end(&w, &text, &len), -EINVAL);

	ecs_doc_begin(&w);
	ecs_string(&w, NULL, "no key in an object");
	assert_int_equal(ecs_doc_end(&w, &text, &len), -EINVAL);

	ecs_doc_begin(&w);
	ecs_close(&w);	/* the top level closes in ecs_doc_end() */
	assert_int_equal(ecs_doc_end(&w, &text, &len), -EINVAL);

	ecs_doc_begin(&w);
	ecs_object_begin(&w, "unclosed");
	assert_int_equal(ecs_doc_end(&w, &text, &len), -EINVAL);

	ecs_doc_begin(&w);
	for (int i = 0; i < ECS_DEPTH_MAX + 2; i++)
		ecs_object_begin(&w, "deep");
	for (int i = 0; i < ECS_DEPTH_MAX + 2; i++)
		ecs_close(&w);
	assert_int_equal(ecs_doc_end(&w, &text, &len), -EINVAL);

	/* Over the cap: refused, not grown without end. */
	big = malloc(ECS_DOC_MAX);
	assert_non_null(big);
	memset(big, '\n', ECS_DOC_MAX);
	ecs_doc_begin(&w);
	ecs_string_len(&w, "big", big, ECS_DOC_MAX);
	assert_int_equal(ecs_doc_end(&w, &text, &len), -ENOMEM);
	free(big);

	/* The next document starts clean. */
	ecs_doc_begin(&w);
	ecs_string(&w, "k", "v");
	assert_int_equal(ecs_doc_end(&w, &text, &len), 0);
	assert_string_equal(text, "{\"k\":\"v\"}");
	assert_int_equal(ecs_doc_end(&w, &text, &len), -EINVAL);	/* ended once */
}

static struct net_ends ends(uint8_t family, const char *src, uint16_t sport, const char *dst,
			    uint16_t dport)
{
	struct net_ends e = { .sport = sport, .dport = dport, .family = family };
	int af = family == AF_INET ? AF_INET : AF_INET6;

	assert_int_equal(inet_pton(af, src, e.saddr), 1);
	assert_int_equal(inet_pton(af, dst, e.daddr), 1);
	return e;
}

/* Names as the machine may hand them over: quotes, controls, bad UTF-8. */
static const char *const services[] = {
	"shop", "", "we\"ird\\name", "tab\there\nnewline\r\x01\x1f", "caf\xc3\xa9 \xff\xfe",
	"a/b/c", "\xe2\x80\xae" "evil", "\x7f",
};
static const char *const peers[] = {
	NULL, "payment-gateway", "api.example.com", "\"quoted\"", "\x1b[31mred",
};

static const char *const lines[] = {
	"", "GET /orders/8812?token=secret HTTP/1.1\r\nHo", "POST /users/42/cart HTTP/1.1\r\n",
	"GET /a\"b\\c/%00/\x7f\xff HTTP/1.1\r\n", "DELETE http://h/x/0123456789abcdef HTTP/1.1",
	"GET /\x01\x02\x03 HTTP/1.0\r\n", "garbage that is no request at all.....",
	"GET /" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
};

static void http_documents_match_json_c(void **state)
{
	const char *routes[] = { "/users/{id}/cart" };
	struct path_rules rules = { routes, 1 };
	struct net_ends addrs[] = {
		ends(AF_INET, "10.0.0.9", 51000, "10.0.0.1", 8080),
		ends(AF_INET, "0.0.0.0", 0, "255.255.255.255", 65535),
		ends(AF_INET6, "2001:db8::1", 443, "::ffff:10.1.2.3", 1),
		ends(AF_INET6, "::", 0, "fe80::abcd:0:0:1", 80),
	};
	static const unsigned statuses[] = { 0, 200, 301, 404, 503, 999 };
	unsigned n = 0;

	(void)state;
	for (size_t s = 0; s < sizeof(services) / sizeof(services[0]); s++)
		for (size_t p = 0; p < sizeof(peers) / sizeof(peers[0]); p++)
			for (size_t l = 0; l < sizeof(lines) / sizeof(lines[0]); l++) {
				struct event_http e = {
					.ends = addrs[n % 4], .duration_ns = (uint64_t)n * 977 + (n % 3 ? 0 : ~0ULL / 3),
					.status = (uint16_t)statuses[n % 6], .role = (uint8_t)(n % 3),
					.method = (uint8_t)(n % 12),
					.proto = n % 2 ? NET_PROTO_HTTPS : NET_PROTO_HTTP,
				};
				size_t len = strlen(lines[l]) < NET_LINE_BYTES ? strlen(lines[l])
									       : NET_LINE_BYTES;

				/* A length past the copy, now and then: it is clamped. */
				e.line_len = (uint8_t)(n % 5 ? len : 200);
				memcpy(e.line, lines[l], len);
				ecs_doc_begin(&w);
				net_http_write(&w, &e, "2026-12-03T09:00:00.000000001Z", "host\"1",
					       services[s], peers[p], n % 2 ? &rules : NULL);
				assert_same(ref_http_document(&e, "2026-12-03T09:00:00.000000001Z",
							      "host\"1", services[s], peers[p],
							      n % 2 ? &rules : NULL));
				n++;
			}
}

static void connection_documents_match_json_c(void **state)
{
	unsigned n = 0;

	(void)state;
	for (size_t s = 0; s < sizeof(services) / sizeof(services[0]); s++)
		for (size_t p = 0; p < sizeof(peers) / sizeof(peers[0]); p++)
			for (unsigned outcome = 0; outcome < 5; outcome++) {
				struct event_conn e = {
					.ends = n % 2 ? ends(AF_INET, "127.0.0.1", 1, "10.20.30.40", 9)
						      : ends(AF_INET6, "::1", 2, "2001:db8::2", 3),
					.duration_ns = n * 1000003ULL, .bytes_received = ~0ULL - n,
					.bytes_sent = n, .retransmits = n % 7,
					.dir = (uint8_t)(n % 3), .outcome = (uint8_t)outcome,
				};

				ecs_doc_begin(&w);
				net_conn_write(&w, &e, "t", "h", services[s], peers[p]);
				assert_same(ref_conn_document(&e, "t", "h", services[s], peers[p]));
				n++;
			}
}

static void oom_documents_match_json_c(void **state)
{
	static const char *const comms[] = { "java", "", "\"\\\n\x01\xff\xfe", "fifteen-bytes-x" };

	(void)state;
	for (size_t s = 0; s < sizeof(services) / sizeof(services[0]); s++)
		for (size_t c = 0; c < sizeof(comms) / sizeof(comms[0]); c++)
			for (int limit = 0; limit < 2; limit++) {
				struct event_oom_kill e = {
					.pid = (uint32_t)(4000000000u + s), .limit_set = (uint32_t)limit,
					.rss_bytes = 1ULL << 40, .limit_bytes = ~0ULL,
				};

				snprintf(e.comm, sizeof(e.comm), "%s", comms[c]);
				ecs_doc_begin(&w);
				events_oom_write(&w, &e, "2026-12-03T09:00:00.999999999Z", "h",
						 services[s]);
				assert_same(ref_oom_document(&e, "2026-12-03T09:00:00.999999999Z", "h",
							     services[s]));
			}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_byte_escapes_as_json_c_escapes_it),
		cmocka_unit_test(invalid_utf8_passes_unchanged_as_with_json_c),
		cmocka_unit_test(numbers_print_as_json_c_prints_them),
		cmocka_unit_test(nesting_and_empty_containers),
		cmocka_unit_test(misuse_and_overflow_stick_until_the_next_document),
		cmocka_unit_test(http_documents_match_json_c),
		cmocka_unit_test(connection_documents_match_json_c),
		cmocka_unit_test(oom_documents_match_json_c),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
