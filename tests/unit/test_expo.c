// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests for exporters/expo.c: Prometheus text and OpenMetrics writer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "prometheus/expo.h"
#include "prometheus/metrics.h"

#define assert_contains(haystack, needle)				\
	do {								\
		if (!strstr((haystack), (needle)))			\
			fail_msg("'%s' not found in '%s'", (needle),	\
				 (haystack));				\
	} while (0)

#define assert_not_contains(haystack, needle)				\
	do {								\
		if (strstr((haystack), (needle)))			\
			fail_msg("'%s' unexpectedly in '%s'", (needle),	\
				 (haystack));				\
	} while (0)

static const struct metric_def counter = {
	"t_requests_total", METRIC_COUNTER, "service", "Requests handled.",
};
static const struct metric_def gauge = {
	"t_up", METRIC_GAUGE, "service", "1 while up.",
};
static const struct metric_def gauge_total = {
	"t_odd_total", METRIC_GAUGE, "", "A gauge whose name ends in _total.",
};
static const struct metric_def hist = {
	"t_wait_seconds", METRIC_HISTOGRAM, "service", "Time spent waiting.",
};

static int setup_text(void **state)
{
	struct expo *e = malloc(sizeof(*e));

	if (!e)
		return -1;
	expo_init(e, false);
	*state = e;
	return 0;
}

static int setup_openmetrics(void **state)
{
	struct expo *e = malloc(sizeof(*e));

	if (!e)
		return -1;
	expo_init(e, true);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct expo *e = *state;

	expo_free(e);
	free(e);
	return 0;
}

/* The text written so far; nothing written may leave buf NULL. */
static const char *text(const struct expo *e)
{
	return e->out.buf ? e->out.buf : "";
}

static size_t count_lines_with(const char *s, const char *needle)
{
	size_t n = 0;

	for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* ---- escaping ---- */

static void test_label_value_escapes_backslash(void **state)
{
	struct expo *e = *state;

	expo_write_label_value(e, "C:\\path");
	assert_string_equal(text(e), "C:\\\\path");
}

static void test_label_value_escapes_double_quote(void **state)
{
	struct expo *e = *state;

	expo_write_label_value(e, "say \"hi\"");
	assert_string_equal(text(e), "say \\\"hi\\\"");
}

static void test_label_value_escapes_newline(void **state)
{
	struct expo *e = *state;

	expo_write_label_value(e, "two\nlines");
	assert_string_equal(text(e), "two\\nlines");
}

static void test_label_value_escapes_hostile_service_name(void **state)
{
	struct expo *e = *state;

	expo_write_label_value(e, "a\"b\\c\nd");
	assert_string_equal(text(e), "a\\\"b\\\\c\\nd");
}

static void test_label_value_keeps_markup_tab_and_utf8(void **state)
{
	struct expo *e = *state;

	expo_write_label_value(e, "<script>alert('x')</script>\tcaf\xc3\xa9");
	assert_string_equal(text(e), "<script>alert('x')</script>\tcaf\xc3\xa9");
}

static void test_empty_label_value_writes_nothing(void **state)
{
	struct expo *e = *state;

	expo_write_label_value(e, "");
	assert_int_equal(e->out.len, 0);
}

static void test_hostile_label_value_in_sample_stays_on_one_line(void **state)
{
	struct expo *e = *state;
	const struct label l[] = { { "service", "x\"} 1\nevil_metric 666\n" } };

	expo_sample_u64(e, &gauge, "", l, 1, 1);
	assert_string_equal(text(e),
		"t_up{service=\"x\\\"} 1\\nevil_metric 666\\n\"} 1\n");
	assert_int_equal(count_lines_with(text(e), "\n"), 1);
}

static void test_help_escapes_backslash_and_newline(void **state)
{
	struct expo *e = *state;

	expo_write_help(e, "a\\b\nc");
	assert_string_equal(text(e), "a\\\\b\\nc");
}

static void test_help_keeps_double_quote_in_text_format(void **state)
{
	struct expo *e = *state;

	expo_write_help(e, "say \"hi\"");
	assert_string_equal(text(e), "say \"hi\"");
}

/* expo_write_help does not escape '"', which OpenMetrics would need. */
static void test_metric_table_help_needs_no_openmetrics_escaping(void **state)
{
	(void)state;
	for (int i = 0; i < M_COUNT; i++) {
		const char *h = metric_table[i].help;

		assert_non_null(h);
		if (strpbrk(h, "\"\\\n"))
			fail_msg("help of %s holds a character OpenMetrics must escape",
				 metric_table[i].name);
	}
}

/* ---- families ---- */

static void test_text_counter_family_keeps_total_suffix(void **state)
{
	struct expo *e = *state;

	expo_family(e, &counter);
	assert_string_equal(text(e),
		"# HELP t_requests_total Requests handled.\n"
		"# TYPE t_requests_total counter\n");
}

static void test_openmetrics_counter_family_drops_total_suffix(void **state)
{
	struct expo *e = *state;

	expo_family(e, &counter);
	assert_string_equal(text(e),
		"# HELP t_requests Requests handled.\n"
		"# TYPE t_requests counter\n");
}

static void test_openmetrics_counter_samples_keep_total_suffix(void **state)
{
	struct expo *e = *state;
	const struct label l[] = { { "service", "nginx" } };

	expo_sample_u64(e, &counter, "", l, 1, 5);
	assert_string_equal(text(e), "t_requests_total{service=\"nginx\"} 5\n");
}

static void test_openmetrics_keeps_total_of_non_counter(void **state)
{
	struct expo *e = *state;

	expo_family(e, &gauge_total);
	assert_contains(text(e), "# TYPE t_odd_total gauge\n");
}

static void test_family_escapes_help(void **state)
{
	static const struct metric_def m = {
		"t_g", METRIC_GAUGE, "", "back\\slash\nnewline",
	};
	struct expo *e = *state;

	expo_family(e, &m);
	assert_string_equal(text(e),
		"# HELP t_g back\\\\slash\\nnewline\n"
		"# TYPE t_g gauge\n");
}

static void test_histogram_family_type_is_histogram(void **state)
{
	struct expo *e = *state;

	expo_family(e, &hist);
	assert_string_equal(text(e),
		"# HELP t_wait_seconds Time spent waiting.\n"
		"# TYPE t_wait_seconds histogram\n");
}

static void test_openmetrics_finish_appends_eof(void **state)
{
	struct expo *e = *state;

	expo_sample_u64(e, &gauge, "", NULL, 0, 1);
	expo_finish(e);
	assert_string_equal(text(e), "t_up 1\n# EOF\n");
}

static void test_text_finish_adds_nothing(void **state)
{
	struct expo *e = *state;

	expo_sample_u64(e, &gauge, "", NULL, 0, 1);
	expo_finish(e);
	assert_string_equal(text(e), "t_up 1\n");
	assert_int_equal(e->out.len, strlen("t_up 1\n"));
}

/* ---- samples and numbers ---- */

static void test_sample_without_labels_has_no_braces(void **state)
{
	struct expo *e = *state;

	expo_sample(e, &gauge, "", NULL, 0, 2.5);
	assert_string_equal(text(e), "t_up 2.5\n");
}

static void test_sample_labels_are_comma_separated_in_order(void **state)
{
	struct expo *e = *state;
	const struct label l[] = { { "service", "a" }, { "type", "voluntary" } };

	expo_sample_u64(e, &counter, "", l, 2, 7);
	assert_string_equal(text(e), "t_requests_total{service=\"a\",type=\"voluntary\"} 7\n");
}

static void test_sample_suffix_follows_name(void **state)
{
	struct expo *e = *state;

	expo_sample(e, &hist, "_sum", NULL, 0, 1);
	assert_string_equal(text(e), "t_wait_seconds_sum 1\n");
}

static void test_double_tenth_formats_as_0_1(void **state)
{
	struct expo *e = *state;

	expo_sample(e, &gauge, "", NULL, 0, 0.1);
	assert_string_equal(text(e), "t_up 0.1\n");
}

static void test_double_integers_format_without_fraction(void **state)
{
	struct expo *e = *state;

	expo_sample(e, &gauge, "", NULL, 0, 0.0);
	expo_sample(e, &gauge, "", NULL, 0, 3.0);
	expo_sample(e, &gauge, "", NULL, 0, 1234567.0);
	expo_sample(e, &gauge, "", NULL, 0, -42.0);
	assert_string_equal(text(e), "t_up 0\nt_up 3\nt_up 1234567\nt_up -42\n");
}

static void test_double_needs_all_digits_when_shorter_is_not_exact(void **state)
{
	struct expo *e = *state;
	volatile double a = 0.1, b = 0.2;

	expo_sample(e, &gauge, "", NULL, 0, a + b);
	assert_string_equal(text(e), "t_up 0.30000000000000004\n");
}

/* The shortest precision at which %g reads back, found the slow way. */
static size_t shortest_len(double v)
{
	char buf[64];

	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return strlen(buf);
	}
	return 0;
}

/* Durations as pantau makes them (ns / 1e9) and random doubles alike. */
static void test_double_is_as_short_as_any_that_reads_back(void **state)
{
	struct expo *e = *state;
	uint64_t x = 0x2545F4914F6CDD1DULL;

	for (int i = 0; i < 20000; i++) {
		const char *line;
		uint64_t bits;
		double v;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		bits = x;
		if (i % 2) {
			memcpy(&v, &bits, sizeof(v));
			if (!isfinite(v))
				continue;
		} else {
			v = (double)(bits >> (i % 40)) / 1e9;
		}
		expo_free(e);
		expo_init(e, false);
		expo_sample(e, &gauge, "", NULL, 0, v);
		assert_non_null(e->out.buf);
		line = e->out.buf + strlen("t_up ");
		if (strtod(line, NULL) != v || strlen(line) - 1 > shortest_len(v))
			fail_msg("%.17g written as '%s', longer than %zu characters", v, line,
				 shortest_len(v));
	}
}

static void test_double_negative_zero_keeps_its_sign(void **state)
{
	struct expo *e = *state;

	expo_sample(e, &gauge, "", NULL, 0, -0.0);
	assert_string_equal(text(e), "t_up -0\n");
}

static void test_double_small_value_uses_exponent(void **state)
{
	struct expo *e = *state;

	expo_sample(e, &gauge, "", NULL, 0, 2.5e-7);
	assert_string_equal(text(e), "t_up 2.5e-07\n");
}

static void test_double_infinities_and_nan(void **state)
{
	struct expo *e = *state;

	expo_sample(e, &gauge, "", NULL, 0, INFINITY);
	expo_sample(e, &gauge, "", NULL, 0, -INFINITY);
	expo_sample(e, &gauge, "", NULL, 0, NAN);
	assert_string_equal(text(e), "t_up +Inf\nt_up -Inf\nt_up NaN\n");
}

static void test_double_reads_back_exactly(void **state)
{
	struct expo *e = *state;
	uint64_t x = 0x9E3779B97F4A7C15ULL;

	for (int i = 0; i < 20000; i++) {
		const char *line;
		double v, got;
		uint64_t bits;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		bits = x;
		memcpy(&v, &bits, sizeof(v));
		if (!isfinite(v))
			continue;
		expo_free(e);
		expo_init(e, false);
		expo_sample(e, &gauge, "", NULL, 0, v);
		line = text(e) + strlen("t_up ");
		got = strtod(line, NULL);
		if (memcmp(&got, &v, sizeof(v)) != 0)
			fail_msg("%.17g written as '%s'", v, text(e));
	}
}

static void test_u64_sample_writes_full_range(void **state)
{
	struct expo *e = *state;

	expo_sample_u64(e, &counter, "", NULL, 0, UINT64_MAX);
	assert_string_equal(text(e), "t_requests_total 18446744073709551615\n");
}

/* ---- histograms ---- */

static void test_histogram_matches_exact_text(void **state)
{
	struct expo *e = *state;
	const struct label l[] = { { "service", "a" } };
	const uint64_t slots[] = { 1, 2, 0, 3 };

	expo_histogram_log2(e, &hist, l, 1, slots, 4, 1e-6, 12.5e-6);
	assert_int_equal(expo_error(e), 0);
	assert_string_equal(text(e),
		"t_wait_seconds_bucket{service=\"a\",le=\"2e-06\"} 1\n"
		"t_wait_seconds_bucket{service=\"a\",le=\"4e-06\"} 3\n"
		"t_wait_seconds_bucket{service=\"a\",le=\"8e-06\"} 3\n"
		"t_wait_seconds_bucket{service=\"a\",le=\"+Inf\"} 6\n"
		"t_wait_seconds_sum{service=\"a\"} 1.25e-05\n"
		"t_wait_seconds_count{service=\"a\"} 6\n");
}

static void test_histogram_buckets_are_cumulative(void **state)
{
	struct expo *e = *state;
	uint64_t slots[27] = { 0 };
	uint64_t prev = 0, n = 0, total = 0;
	const char *p;

	for (size_t i = 0; i < 27; i++) {
		slots[i] = (i * 7) % 5;
		total += slots[i];
	}
	expo_histogram_log2(e, &hist, NULL, 0, slots, 27, 1e-6, 1.0);
	for (p = text(e); (p = strstr(p, "_bucket{")); p++) {
		uint64_t v = strtoull(strstr(p, "} ") + 2, NULL, 10);

		assert_true(v >= prev);
		prev = v;
		n++;
	}
	assert_int_equal(n, 27);
	assert_int_equal(prev, total);
}

static void test_histogram_le_uses_shortest_format(void **state)
{
	struct expo *e = *state;
	uint64_t slots[11] = { 0 };

	expo_histogram_log2(e, &hist, NULL, 0, slots, 11, 1e-6, 0);
	assert_contains(text(e), "le=\"2e-06\"");
	assert_contains(text(e), "le=\"0.001024\"");
	assert_not_contains(text(e), "1.9999999999999999e-06");
	assert_not_contains(text(e), "0.0010240000000000002");
}

static void test_histogram_ends_with_inf_bucket_equal_to_count(void **state)
{
	struct expo *e = *state;
	const struct label l[] = { { "service", "b" } };
	const uint64_t slots[] = { 4, 0, 0, 9, 1 };

	expo_histogram_log2(e, &hist, l, 1, slots, 5, 1e-6, 0.5);
	assert_contains(text(e), "t_wait_seconds_bucket{service=\"b\",le=\"+Inf\"} 14\n");
	assert_contains(text(e), "t_wait_seconds_count{service=\"b\"} 14\n");
}

static void test_histogram_has_sum_with_labels_but_no_le(void **state)
{
	struct expo *e = *state;
	const struct label l[] = { { "service", "b" } };
	const uint64_t slots[] = { 1, 1 };

	expo_histogram_log2(e, &hist, l, 1, slots, 2, 1e-6, 0.25);
	assert_contains(text(e), "t_wait_seconds_sum{service=\"b\"} 0.25\n");
}

static void test_histogram_last_slot_has_no_finite_bucket(void **state)
{
	struct expo *e = *state;
	const uint64_t slots[] = { 0, 0, 5 };

	expo_histogram_log2(e, &hist, NULL, 0, slots, 3, 1e-6, 1.0);
	assert_int_equal(count_lines_with(text(e), "_bucket{"), 3);
	assert_contains(text(e), "le=\"4e-06\"} 0\n");
	assert_not_contains(text(e), "le=\"8e-06\"");
	assert_contains(text(e), "le=\"+Inf\"} 5\n");
}

static void test_histogram_single_slot_is_only_inf(void **state)
{
	struct expo *e = *state;
	const uint64_t slots[] = { 3 };

	expo_histogram_log2(e, &hist, NULL, 0, slots, 1, 1e-6, 1.0);
	assert_string_equal(text(e),
		"t_wait_seconds_bucket{le=\"+Inf\"} 3\n"
		"t_wait_seconds_sum 1\n"
		"t_wait_seconds_count 3\n");
}

static void test_histogram_escapes_label_values(void **state)
{
	struct expo *e = *state;
	const struct label l[] = { { "service", "a\"b" } };
	const uint64_t slots[] = { 1 };

	expo_histogram_log2(e, &hist, l, 1, slots, 1, 1e-6, 0);
	assert_contains(text(e), "{service=\"a\\\"b\",le=\"+Inf\"} 1\n");
}

static void test_histogram_with_seven_labels_is_accepted(void **state)
{
	struct expo *e = *state;
	const struct label l[7] = {
		{ "a", "1" }, { "b", "2" }, { "c", "3" }, { "d", "4" },
		{ "e", "5" }, { "f", "6" }, { "g", "7" },
	};
	const uint64_t slots[] = { 1, 1 };

	expo_histogram_log2(e, &hist, l, 7, slots, 2, 1e-6, 0);
	assert_int_equal(expo_error(e), 0);
	assert_contains(text(e), "{a=\"1\",b=\"2\",c=\"3\",d=\"4\",e=\"5\",f=\"6\",g=\"7\",le=\"+Inf\"} 2\n");
}

static void test_histogram_with_too_many_labels_sets_error(void **state)
{
	struct expo *e = *state;
	const struct label l[8] = {
		{ "a", "1" }, { "b", "2" }, { "c", "3" }, { "d", "4" },
		{ "e", "5" }, { "f", "6" }, { "g", "7" }, { "h", "8" },
	};
	const uint64_t slots[] = { 1, 1 };

	expo_histogram_log2(e, &hist, l, 8, slots, 2, 1e-6, 0);
	assert_int_equal(expo_error(e), -EINVAL);
	assert_int_equal(e->out.len, 0);
}

static void test_histogram_without_slots_sets_error(void **state)
{
	struct expo *e = *state;
	const uint64_t slots[] = { 1 };

	expo_histogram_log2(e, &hist, NULL, 0, slots, 0, 1e-6, 0);
	assert_int_equal(expo_error(e), -EINVAL);
}

static void test_histogram_with_more_than_64_slots_sets_error(void **state)
{
	struct expo *e = *state;
	uint64_t slots[65] = { 0 };

	expo_histogram_log2(e, &hist, NULL, 0, slots, 65, 1e-6, 0);
	assert_int_equal(expo_error(e), -EINVAL);
	assert_int_equal(e->out.len, 0);
}

static void test_error_sticks_and_later_writes_are_noops(void **state)
{
	struct expo *e = *state;
	uint64_t slots[65] = { 0 };

	expo_histogram_log2(e, &hist, NULL, 0, slots, 65, 1e-6, 0);
	expo_family(e, &gauge);
	expo_sample_u64(e, &gauge, "", NULL, 0, 1);
	expo_finish(e);
	assert_int_equal(expo_error(e), -EINVAL);
	assert_int_equal(e->out.len, 0);
}

/* ---- whole expositions ---- */

static void write_sample_exposition(struct expo *e)
{
	const struct label a[] = { { "service", "nginx" } };
	const struct label b[] = { { "service", "db\"1" } };

	expo_family(e, &counter);
	expo_sample_u64(e, &counter, "", a, 1, 10);
	expo_sample_u64(e, &counter, "", b, 1, 0);
	expo_family(e, &gauge);
	expo_sample(e, &gauge, "", a, 1, 1);
	expo_finish(e);
}

static void test_text_exposition_matches_exact_string(void **state)
{
	struct expo *e = *state;

	write_sample_exposition(e);
	assert_int_equal(expo_error(e), 0);
	assert_string_equal(text(e),
		"# HELP t_requests_total Requests handled.\n"
		"# TYPE t_requests_total counter\n"
		"t_requests_total{service=\"nginx\"} 10\n"
		"t_requests_total{service=\"db\\\"1\"} 0\n"
		"# HELP t_up 1 while up.\n"
		"# TYPE t_up gauge\n"
		"t_up{service=\"nginx\"} 1\n");
}

static void test_openmetrics_exposition_matches_exact_string(void **state)
{
	struct expo *e = *state;

	write_sample_exposition(e);
	assert_int_equal(expo_error(e), 0);
	assert_string_equal(text(e),
		"# HELP t_requests Requests handled.\n"
		"# TYPE t_requests counter\n"
		"t_requests_total{service=\"nginx\"} 10\n"
		"t_requests_total{service=\"db\\\"1\"} 0\n"
		"# HELP t_up 1 while up.\n"
		"# TYPE t_up gauge\n"
		"t_up{service=\"nginx\"} 1\n"
		"# EOF\n");
}

static void test_buffer_grows_past_initial_capacity(void **state)
{
	struct expo *e = *state;
	char want[64];
	size_t n = 0;

	for (uint64_t i = 0; i < 20000; i++)
		expo_sample_u64(e, &gauge, "", NULL, 0, i);
	assert_int_equal(expo_error(e), 0);
	assert_true(e->out.len > 65536);
	assert_int_equal(strlen(text(e)), e->out.len);
	assert_true(strncmp(text(e), "t_up 0\nt_up 1\n", 14) == 0);
	snprintf(want, sizeof(want), "t_up %d\n", 19999);
	assert_string_equal(text(e) + e->out.len - strlen(want), want);
	n = count_lines_with(text(e), "\n");
	assert_int_equal(n, 20000);
}

static void test_free_resets_and_allows_second_call(void **state)
{
	struct expo *e = *state;

	expo_sample_u64(e, &gauge, "", NULL, 0, 1);
	expo_free(e);
	assert_null(e->out.buf);
	assert_int_equal(e->out.len, 0);
	assert_int_equal(e->out.cap, 0);
	expo_free(e);
	assert_null(e->out.buf);
}

#define TX(fn) cmocka_unit_test_setup_teardown(fn, setup_text, teardown)
#define OM(fn) cmocka_unit_test_setup_teardown(fn, setup_openmetrics, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TX(test_label_value_escapes_backslash),
		TX(test_label_value_escapes_double_quote),
		TX(test_label_value_escapes_newline),
		TX(test_label_value_escapes_hostile_service_name),
		TX(test_label_value_keeps_markup_tab_and_utf8),
		TX(test_empty_label_value_writes_nothing),
		TX(test_hostile_label_value_in_sample_stays_on_one_line),
		TX(test_help_escapes_backslash_and_newline),
		TX(test_help_keeps_double_quote_in_text_format),
		TX(test_metric_table_help_needs_no_openmetrics_escaping),
		TX(test_text_counter_family_keeps_total_suffix),
		OM(test_openmetrics_counter_family_drops_total_suffix),
		OM(test_openmetrics_counter_samples_keep_total_suffix),
		OM(test_openmetrics_keeps_total_of_non_counter),
		TX(test_family_escapes_help),
		TX(test_histogram_family_type_is_histogram),
		OM(test_openmetrics_finish_appends_eof),
		TX(test_text_finish_adds_nothing),
		TX(test_sample_without_labels_has_no_braces),
		TX(test_sample_labels_are_comma_separated_in_order),
		TX(test_sample_suffix_follows_name),
		TX(test_double_tenth_formats_as_0_1),
		TX(test_double_integers_format_without_fraction),
		TX(test_double_needs_all_digits_when_shorter_is_not_exact),
		TX(test_double_is_as_short_as_any_that_reads_back),
		TX(test_double_negative_zero_keeps_its_sign),
		TX(test_double_small_value_uses_exponent),
		TX(test_double_infinities_and_nan),
		TX(test_double_reads_back_exactly),
		TX(test_u64_sample_writes_full_range),
		TX(test_histogram_matches_exact_text),
		TX(test_histogram_buckets_are_cumulative),
		TX(test_histogram_le_uses_shortest_format),
		TX(test_histogram_ends_with_inf_bucket_equal_to_count),
		TX(test_histogram_has_sum_with_labels_but_no_le),
		TX(test_histogram_last_slot_has_no_finite_bucket),
		TX(test_histogram_single_slot_is_only_inf),
		TX(test_histogram_escapes_label_values),
		TX(test_histogram_with_seven_labels_is_accepted),
		TX(test_histogram_with_too_many_labels_sets_error),
		TX(test_histogram_without_slots_sets_error),
		TX(test_histogram_with_more_than_64_slots_sets_error),
		TX(test_error_sticks_and_later_writes_are_noops),
		TX(test_text_exposition_matches_exact_string),
		OM(test_openmetrics_exposition_matches_exact_string),
		TX(test_buffer_grows_past_initial_capacity),
		TX(test_free_resets_and_allows_second_call),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
