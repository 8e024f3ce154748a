// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests for user/path_template.c: config rules, then the id-folding default. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include "events/path_template.h"

static const char *const patterns[] = {
	"/orders/{id}",
	"/orders/{id}/items/{item}",
	"/users/me",
	"/users/{name}",
};
static const struct path_rules rules = { patterns, sizeof(patterns) / sizeof(patterns[0]) };

static void assert_template(const struct path_rules *r, const char *path, const char *want)
{
	char out[256];

	assert_int_equal(path_template(path, r, out, sizeof(out)), 0);
	assert_string_equal(out, want);
}

static void test_rule_placeholder_matches_one_segment(void **state)
{
	(void)state;
	assert_template(&rules, "/orders/A-77", "/orders/{id}");
	assert_template(&rules, "/orders/A-77/items/shoe", "/orders/{id}/items/{item}");
	assert_template(&rules, "/orders/9?x=1", "/orders/{id}");
}

static void test_first_matching_rule_wins(void **state)
{
	(void)state;
	assert_template(&rules, "/users/me", "/users/me");
	assert_template(&rules, "/users/budi", "/users/{name}");
}

static void test_rule_needs_same_segment_count_and_nonempty_placeholder(void **state)
{
	(void)state;
	/* No rule matches these: the default applies. */
	assert_template(&rules, "/orders/", "/orders/");
	assert_template(&rules, "/orders/12/", "/orders/{id}/");
	assert_template(&rules, "/orders/12/items", "/orders/{id}/items");
	assert_template(&rules, "/Orders/12x", "/Orders/12x");
}

static void test_default_folds_numbers_uuids_and_random_ids(void **state)
{
	(void)state;
	assert_template(NULL, "/api/v1/products/12345/reviews", "/api/v1/products/{id}/reviews");
	assert_template(NULL, "/carts/3f2504e0-4f89-11d3-9a0c-0305e82c3301",
			"/carts/{id}");
	assert_template(NULL, "/objects/507f1f77bcf86cd799439011", "/objects/{id}");
	assert_template(NULL, "/s/aZ3kQ9xYbW2mN8pL7rT4", "/s/{id}");		/* base64url token */
	assert_template(NULL, "/r/k3j9x0p2m5q8r1t7", "/r/{id}");		/* base36 id */
	assert_template(NULL, "/2024/12/01/", "/{id}/{id}/{id}/");
}

static void test_default_keeps_words_slugs_and_files(void **state)
{
	(void)state;
	assert_template(NULL, "/", "/");
	assert_template(NULL, "", "");
	assert_template(NULL, "/static/jquery-3.6.0.min.js", "/static/jquery-3.6.0.min.js");
	assert_template(NULL, "/blog/summer-sale-2024-best-deals", "/blog/summer-sale-2024-best-deals");
	assert_template(NULL, "/accessibility/statement", "/accessibility/statement");
	assert_template(NULL, "/cafe/deadbeef", "/cafe/deadbeef");	/* short hex word */
	assert_template(NULL, "/a//b", "/a//b");
	assert_template(NULL, "/search?q=123", "/search");
}

static void test_output_is_bounded_and_terminated(void **state)
{
	char out[8];
	char big[4];

	(void)state;
	memset(out, 'x', sizeof(out));
	assert_int_equal(path_template("/products/12345/reviews", NULL, out, sizeof(out)), -ENOSPC);
	assert_string_equal(out, "/produc");
	assert_int_equal(path_template("/orders/1", &rules, big, sizeof(big)), -ENOSPC);
	assert_string_equal(big, "/or");
	assert_int_equal(path_template("/a", NULL, out, 0), -EINVAL);
	assert_int_equal(path_template("/a", NULL, out, 1), -ENOSPC);
	assert_string_equal(out, "");
}

static void test_template_of_a_template_is_itself(void **state)
{
	static const char *paths[] = {
		"/orders/77/items/9", "/api/v1/products/12345", "/carts/3f2504e0-4f89-11d3-9a0c-0305e82c3301",
	};
	char once[256], twice[256];

	(void)state;
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		assert_int_equal(path_template(paths[i], &rules, once, sizeof(once)), 0);
		assert_int_equal(path_template(once, &rules, twice, sizeof(twice)), 0);
		assert_string_equal(once, twice);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule_placeholder_matches_one_segment),
		cmocka_unit_test(test_first_matching_rule_wins),
		cmocka_unit_test(test_rule_needs_same_segment_count_and_nonempty_placeholder),
		cmocka_unit_test(test_default_folds_numbers_uuids_and_random_ids),
		cmocka_unit_test(test_default_keeps_words_slugs_and_files),
		cmocka_unit_test(test_output_is_bounded_and_terminated),
		cmocka_unit_test(test_template_of_a_template_is_itself),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
