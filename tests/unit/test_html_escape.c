// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests for exporters/html.c and the status page's use of it: names
 * from the machine are hostile until escaped (markup, quotes, control and
 * direction characters, invalid UTF-8, very long names), in the HTML page
 * and in the JSON API.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "status/html.h"
#include "status/status_render.h"

#define assert_contains(haystack, needle)				\
	do {								\
		if (!strstr((haystack), (needle)))			\
			fail_msg("'%s' not found", (needle));		\
	} while (0)

#define assert_not_contains(haystack, needle)				\
	do {								\
		if (strstr((haystack), (needle)))			\
			fail_msg("'%s' unexpectedly found", (needle));	\
	} while (0)

static char *escaped(const char *s, size_t max_chars)
{
	struct sbuf b;
	size_t len;
	char *out;

	sbuf_init(&b);
	html_escape(&b, s, max_chars);
	assert_int_equal(sbuf_error(&b), 0);
	out = sbuf_take(&b, &len);
	return out ? out : strdup("");
}

static void expect_escaped(const char *in, size_t max_chars, const char *want)
{
	char *got = escaped(in, max_chars);

	assert_string_equal(got, want);
	free(got);
}

/* Every byte sequence of s decodes as UTF-8. */
static void assert_valid_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	while (n) {
		uint32_t cp;
		size_t len = utf8_decode(p, n, &cp);

		if (!len)
			fail_msg("invalid UTF-8 at byte %zu", (size_t)(p - (const unsigned char *)s));
		p += len;
		n -= len;
	}
}

static void test_script_tag_is_inert(void **state)
{
	(void)state;
	expect_escaped("<script>alert(1)</script>", 0,
		       "&lt;script&gt;alert(1)&lt;/script&gt;");
}

static void test_quotes_and_ampersand_cannot_leave_an_attribute(void **state)
{
	(void)state;
	expect_escaped("a\" onmouseover='x'&b", 0,
		       "a&quot; onmouseover=&#39;x&#39;&amp;b");
}

static void test_plain_and_international_names_pass_unchanged(void **state)
{
	(void)state;
	expect_escaped("nginx", 0, "nginx");
	expect_escaped("kasir-toko_01.service", 0, "kasir-toko_01.service");
	expect_escaped("caf\xc3\xa9-\xe6\x97\xa5\xe6\x9c\xac-\xf0\x9f\x9a\x80", 0,
		       "caf\xc3\xa9-\xe6\x97\xa5\xe6\x9c\xac-\xf0\x9f\x9a\x80");
}

static void test_invalid_utf8_becomes_replacement_characters(void **state)
{
	(void)state;
	/* Stray continuation, lone lead byte, truncated sequence at the end. */
	expect_escaped("a\x80" "b\xc3" "c\xe2\x82", 0,
		       "a" UTF8_REPLACEMENT "b" UTF8_REPLACEMENT "c"
		       UTF8_REPLACEMENT UTF8_REPLACEMENT);
	/* Overlong '<' (0xc0 0xbc) must not sneak markup in. */
	expect_escaped("\xc0\xbcscript", 0, UTF8_REPLACEMENT UTF8_REPLACEMENT "script");
	expect_escaped("\xe0\x80\xbc", 0, UTF8_REPLACEMENT UTF8_REPLACEMENT UTF8_REPLACEMENT);
	/* A UTF-16 surrogate and a code point beyond U+10FFFF. */
	expect_escaped("\xed\xa0\x80", 0, UTF8_REPLACEMENT UTF8_REPLACEMENT UTF8_REPLACEMENT);
	expect_escaped("\xf4\x90\x80\x80", 0,
		       UTF8_REPLACEMENT UTF8_REPLACEMENT UTF8_REPLACEMENT UTF8_REPLACEMENT);
	expect_escaped("\xff\xfe", 0, UTF8_REPLACEMENT UTF8_REPLACEMENT);
}

static void test_control_and_direction_characters_are_replaced(void **state)
{
	(void)state;
	expect_escaped("a\nb\tc\x1b[2Jd\x7f", 0,
		       "a" UTF8_REPLACEMENT "b" UTF8_REPLACEMENT "c" UTF8_REPLACEMENT "[2Jd"
		       UTF8_REPLACEMENT);
	/* U+202E RIGHT-TO-LEFT OVERRIDE would make "exe.txt" read "txt.exe". */
	expect_escaped("ok\xe2\x80\xae" "exe.txt", 0, "ok" UTF8_REPLACEMENT "exe.txt");
	/* A C1 control (U+0085) */
	expect_escaped("x\xc2\x85y", 0, "x" UTF8_REPLACEMENT "y");
}

static void test_very_long_name_is_cut_with_an_ellipsis(void **state)
{
	size_t n = 100000;
	char *name = malloc(n + 1), *got;

	(void)state;
	assert_non_null(name);
	for (size_t i = 0; i < n; i++)
		name[i] = i % 2 ? '<' : '\xe6';	/* lead bytes and markup, interleaved */
	name[n] = '\0';
	got = escaped(name, 64);
	assert_valid_utf8(got);
	assert_not_contains(got, "<");
	assert_true(strlen(got) < 64 * 6 + 4);
	assert_true(strlen(got) > 3 && strcmp(got + strlen(got) - 3, TEXT_ELLIPSIS) == 0);
	free(got);
	/* Exactly at the limit: no ellipsis. */
	expect_escaped("abcd", 4, "abcd");
	expect_escaped("abcde", 4, "abcd" TEXT_ELLIPSIS);
	free(name);
}

static void test_cut_never_splits_a_character(void **state)
{
	char *got;

	(void)state;
	got = escaped("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 2);
	assert_string_equal(got, "\xe6\x97\xa5\xe6\x9c\xac" TEXT_ELLIPSIS);
	free(got);
}

static size_t count(const char *haystack, const char *needle)
{
	size_t n = 0;

	for (const char *p = strstr(haystack, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static const char *const hostile[] = {
	"<script>alert(1)</script>",
	"\"><img src=x onerror=alert(1)>",
	"bad\xff\xfe\xc0\xbc" "utf8",
	"rtl\xe2\x80\xae" "gnp.exe",
	NULL,	/* a very long name, built in the test */
};

#define N_HOSTILE (sizeof(hostile) / sizeof(hostile[0]))

static void fill_snapshot(struct status_snapshot *s, struct status_service *svcs,
			  struct status_dependency *dep, char *long_name)
{
	memset(s, 0, sizeof(*s));
	s->services = svcs;
	s->n_services = N_HOSTILE;
	s->thresholds = (struct status_thresholds){ 0.8, 0.9, 0.05, 1.0 };
	s->taken = 1700000000;
	snprintf(s->hostname, sizeof(s->hostname), "<b>host</b>");
	snprintf(dep->peer, sizeof(dep->peer), "<i>peer</i>\xff");
	dep->traffic = (struct status_traffic){ true, 30, 0.5, 0.1, 0.2 };
	for (size_t i = 0; i < N_HOSTILE; i++) {
		struct status_service *svc = &svcs[i];

		memset(svc, 0, sizeof(*svc));
		snprintf(svc->name, sizeof(svc->name), "%s", hostile[i] ? hostile[i] : long_name);
		svc->facts = (struct status_facts){ .up = i != 0, .cpu_cores = 0.1, .host_cpus = 2,
						    .rss_bytes = 1 << 20, .host_memory_bytes = 1 << 30,
						    .traffic = { .error_ratio = NAN } };
		if (i == 1) {
			svc->facts.deps = dep;
			svc->facts.n_deps = 1;
		}
		status_service_judge(svc, &s->thresholds);
	}
}

static void test_page_escapes_every_hostile_name(void **state)
{
	struct status_service svcs[N_HOSTILE];
	struct status_dependency dep;
	struct status_snapshot s;
	char long_name[SERVICE_NAME_MAX];
	struct sbuf b;

	(void)state;
	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	fill_snapshot(&s, svcs, &dep, long_name);
	for (int lang = 0; lang < STATUS_LANGS; lang++) {
		sbuf_init(&b);
		assert_int_equal(status_render_html(&b, &s, lang), 0);
		assert_valid_utf8(b.buf);
		assert_not_contains(b.buf, "<script>alert");
		assert_not_contains(b.buf, "<img");
		assert_not_contains(b.buf, "<b>host");
		assert_not_contains(b.buf, "<i>peer");
		assert_not_contains(b.buf, "\xe2\x80\xae");
		assert_contains(b.buf, "&lt;script&gt;alert(1)&lt;/script&gt;");
		assert_contains(b.buf, "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
		assert_contains(b.buf, "&lt;i&gt;peer&lt;/i&gt;");
		/* The page's own script element, and one card per service. */
		assert_int_equal(count(b.buf, "<script"), 1);
		assert_int_equal(count(b.buf, "<article"), N_HOSTILE);
		sbuf_free(&b);
	}
}

static void test_api_names_are_valid_json_and_utf8(void **state)
{
	struct status_service svcs[N_HOSTILE];
	struct status_dependency dep;
	struct status_snapshot s;
	char long_name[SERVICE_NAME_MAX];
	struct json_object *root, *list;
	struct sbuf b;

	(void)state;
	memset(long_name, 'y', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	fill_snapshot(&s, svcs, &dep, long_name);
	sbuf_init(&b);
	assert_int_equal(status_render_json_list(&b, &s, STATUS_LANG_EN), 0);
	assert_valid_utf8(b.buf);
	root = json_tokener_parse(b.buf);
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "services", &list));
	assert_int_equal(json_object_array_length(list), N_HOSTILE);
	for (size_t i = 0; i < N_HOSTILE; i++) {
		struct json_object *svc = json_object_array_get_idx(list, i), *name;

		assert_true(json_object_object_get_ex(svc, "name", &name));
		if (i == 0 || i == 1)	/* markup is data in JSON: kept as is */
			assert_string_equal(json_object_get_string(name), hostile[i]);
		if (i == N_HOSTILE - 1)	/* long names are whole in the API */
			assert_string_equal(json_object_get_string(name), long_name);
	}
	json_object_put(root);
	sbuf_free(&b);
}

static void test_api_container_is_valid_json_or_null(void **state)
{
	struct status_service svcs[N_HOSTILE];
	struct status_dependency dep;
	struct status_snapshot s;
	struct json_object *root, *list, *svc, *ctr, *v;
	size_t with_container = 0;
	struct sbuf b;

	(void)state;
	fill_snapshot(&s, svcs, &dep, "plain");
	/* Runtime state is the machine's too: a hostile container name. */
	svcs[0].has_container = true;
	snprintf(svcs[0].container.container, sizeof(svcs[0].container.container),
		 "cart\x01\xff\"</script>");
	snprintf(svcs[0].container.runtime, sizeof(svcs[0].container.runtime), "podman");
	sbuf_init(&b);
	assert_int_equal(status_render_json_list(&b, &s, STATUS_LANG_EN), 0);
	assert_valid_utf8(b.buf);
	root = json_tokener_parse(b.buf);
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "services", &list));
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		svc = json_object_array_get_idx(list, i);
		assert_true(json_object_object_get_ex(svc, "container", &ctr));
		if (!ctr)
			continue;
		with_container++;
		assert_true(json_object_object_get_ex(ctr, "name", &v));
		assert_string_equal(json_object_get_string(v),
				    "cart\xef\xbf\xbd\xef\xbf\xbd\"</script>");
		assert_true(json_object_object_get_ex(ctr, "runtime", &v));
		assert_string_equal(json_object_get_string(v), "podman");
		assert_true(json_object_object_get_ex(ctr, "pod", &v));
		assert_string_equal(json_object_get_string(v), "");
	}
	assert_int_equal(with_container, 1);
	json_object_put(root);
	sbuf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_script_tag_is_inert),
		cmocka_unit_test(test_api_container_is_valid_json_or_null),
		cmocka_unit_test(test_quotes_and_ampersand_cannot_leave_an_attribute),
		cmocka_unit_test(test_plain_and_international_names_pass_unchanged),
		cmocka_unit_test(test_invalid_utf8_becomes_replacement_characters),
		cmocka_unit_test(test_control_and_direction_characters_are_replaced),
		cmocka_unit_test(test_very_long_name_is_cut_with_an_ellipsis),
		cmocka_unit_test(test_cut_never_splits_a_character),
		cmocka_unit_test(test_page_escapes_every_hostile_name),
		cmocka_unit_test(test_api_names_are_valid_json_and_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
