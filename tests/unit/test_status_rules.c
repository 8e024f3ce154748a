// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests for exporters/status_rules.c: which facts give which status
 * word and which sentence, in Indonesian and English, with the thresholds
 * from the config; figures, busy hours and the language choice.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "status/status_rules.h"

#define GIB (1024ULL * 1024 * 1024)
#define MIB (1024ULL * 1024)

static const struct status_thresholds defaults = {
	.cpu_busy_ratio = 0.8, .memory_busy_ratio = 0.9,
	.error_ratio = 0.05, .latency_p95_seconds = 1.0,
};

/* A healthy service: up, a little CPU and memory, no traffic data. */
static struct status_facts healthy(void)
{
	return (struct status_facts){
		.up = true,
		.cpu_cores = 0.2,
		.host_cpus = 2,
		.rss_bytes = 100 * MIB,
		.host_memory_bytes = 8 * GIB,
		.window_seconds = 307,	/* a full window: 5 minutes, up to 5.5 */
		.traffic = { .has_data = false, .requests_per_minute = NAN, .error_ratio = NAN,
			     .p50_seconds = NAN, .p95_seconds = NAN },
	};
}

static struct status_traffic traffic(double rpm, double errors, double p50, double p95)
{
	return (struct status_traffic){ .has_data = true, .requests_per_minute = rpm,
					.error_ratio = errors, .p50_seconds = p50,
					.p95_seconds = p95 };
}

/* Evaluate and check the word and both sentences. */
static void expect(const struct status_facts *f, const struct status_thresholds *t,
		   enum status_level level, enum status_reason reason,
		   const char *word_id, const char *sentence_id,
		   const char *word_en, const char *sentence_en)
{
	struct status_verdict v;
	struct sbuf b;

	status_evaluate(f, t, &v);
	assert_int_equal(v.level, level);
	assert_int_equal(v.reason, reason);
	assert_string_equal(status_word(v.level, STATUS_LANG_ID), word_id);
	assert_string_equal(status_word(v.level, STATUS_LANG_EN), word_en);
	sbuf_init(&b);
	status_sentence(&b, &v, STATUS_LANG_ID);
	assert_int_equal(sbuf_error(&b), 0);
	assert_string_equal(b.buf, sentence_id);
	sbuf_free(&b);
	status_sentence(&b, &v, STATUS_LANG_EN);
	assert_string_equal(b.buf, sentence_en);
	sbuf_free(&b);
}

static void test_healthy_service_is_normal(void **state)
{
	struct status_facts f = healthy();

	(void)state;
	expect(&f, &defaults, STATUS_NORMAL, REASON_NORMAL,
	       "Normal", "Semua dalam batas normal",
	       "Normal", "Everything is within normal limits");
}

static void test_no_live_process_is_down_whatever_else(void **state)
{
	struct status_facts f = healthy();

	(void)state;
	f.up = false;
	f.rss_bytes = 8 * GIB;	/* even a memory figure above the limit */
	f.traffic = traffic(100, 0.5, 0.1, 5);
	expect(&f, &defaults, STATUS_DOWN, REASON_DOWN,
	       "Mati", "Tidak ada proses yang berjalan",
	       "Down", "No process is running");
}

static void test_memory_near_limit_is_busy(void **state)
{
	struct status_facts f = healthy();

	(void)state;
	f.memory_limit_bytes = 1000 * MIB;
	f.rss_bytes = 920 * MIB;
	expect(&f, &defaults, STATUS_BUSY, REASON_MEMORY_LIMIT,
	       "Sibuk", "Memori 92% dari batas",
	       "Busy", "Memory at 92% of its limit");
}

static void test_memory_of_host_without_limit(void **state)
{
	struct status_facts f = healthy();

	(void)state;
	f.rss_bytes = (uint64_t)(0.95 * 8 * GIB);
	expect(&f, &defaults, STATUS_BUSY, REASON_MEMORY_HOST,
	       "Sibuk", "Memori 95% dari memori server",
	       "Busy", "Memory at 95% of the server's memory");
}

static void test_memory_at_threshold_is_not_busy(void **state)
{
	struct status_facts f = healthy();

	(void)state;
	f.memory_limit_bytes = 1000 * MIB;
	f.rss_bytes = 900 * MIB;	/* exactly 0.9: busy means above */
	expect(&f, &defaults, STATUS_NORMAL, REASON_NORMAL,
	       "Normal", "Semua dalam batas normal",
	       "Normal", "Everything is within normal limits");
}

static void test_cpu_near_quota_is_busy(void **state)
{
	struct status_facts f = healthy();

	(void)state;
	f.cpu_limit_cores = 0.5;
	f.cpu_cores = 0.49;
	expect(&f, &defaults, STATUS_BUSY, REASON_CPU_LIMIT,
	       "Sibuk", "CPU 98% dari batas",
	       "Busy", "CPU at 98% of its limit");
}

static void test_cpu_of_host_uses_config_threshold(void **state)
{
	struct status_thresholds t = defaults;
	struct status_facts f = healthy();

	(void)state;
	f.cpu_cores = 1.0;	/* half of two CPUs: normal by default */
	expect(&f, &defaults, STATUS_NORMAL, REASON_NORMAL,
	       "Normal", "Semua dalam batas normal",
	       "Normal", "Everything is within normal limits");
	t.cpu_busy_ratio = 0.4;
	expect(&f, &t, STATUS_BUSY, REASON_CPU_HOST,
	       "Sibuk", "CPU 50% dari kapasitas server",
	       "Busy", "CPU at 50% of the server");
}

static void test_cpu_and_memory_busy_names_the_worse(void **state)
{
	struct status_facts f = healthy();

	(void)state;
	f.cpu_limit_cores = 1;
	f.cpu_cores = 0.85;			/* 0.85 / 0.8 = 1.06 */
	f.memory_limit_bytes = 1000 * MIB;
	f.rss_bytes = 990 * MIB;		/* 0.99 / 0.9 = 1.10 */
	expect(&f, &defaults, STATUS_BUSY, REASON_MEMORY_LIMIT,
	       "Sibuk", "Memori 99% dari batas",
	       "Busy", "Memory at 99% of its limit");
}

static void test_unknown_cpu_never_busy(void **state)
{
	struct status_facts f = healthy();

	(void)state;
	f.cpu_cores = NAN;
	f.host_cpus = 0;
	f.host_memory_bytes = 0;
	expect(&f, &defaults, STATUS_NORMAL, REASON_NORMAL,
	       "Normal", "Semua dalam batas normal",
	       "Normal", "Everything is within normal limits");
}

static void test_failed_requests_are_degraded(void **state)
{
	struct status_facts f = healthy();

	(void)state;
	f.traffic = traffic(600, 0.055, 0.05, 0.3);
	f.memory_limit_bytes = 1000 * MIB;
	f.rss_bytes = 990 * MIB;	/* busy too, but failing matters more */
	expect(&f, &defaults, STATUS_DEGRADED, REASON_ERRORS,
	       "Bermasalah", "5,5% permintaan gagal dalam 5 menit terakhir",
	       "Degraded", "5.5% of requests failed in the last 5 minutes");
}

static void test_error_threshold_from_config(void **state)
{
	struct status_thresholds t = defaults;
	struct status_facts f = healthy();

	(void)state;
	f.traffic = traffic(600, 0.03, 0.05, 0.3);
	expect(&f, &defaults, STATUS_NORMAL, REASON_NORMAL,
	       "Normal", "Semua dalam batas normal",
	       "Normal", "Everything is within normal limits");
	t.error_ratio = 0.01;
	expect(&f, &t, STATUS_DEGRADED, REASON_ERRORS,
	       "Bermasalah", "3% permintaan gagal dalam 5 menit terakhir",
	       "Degraded", "3% of requests failed in the last 5 minutes");
}

static void test_slow_p95_is_degraded(void **state)
{
	struct status_facts f = healthy();

	(void)state;
	f.traffic = traffic(60, 0, 0.2, 1.8);
	expect(&f, &defaults, STATUS_DEGRADED, REASON_SLOW,
	       "Bermasalah", "Respons lambat: 5% permintaan butuh lebih dari 1,8 detik",
	       "Degraded", "Slow responses: 5% of requests took over 1.8 s");
}

static void test_no_traffic_data_never_degrades(void **state)
{
	struct status_facts f = healthy();

	(void)state;
	f.traffic.error_ratio = 0.9;	/* ignored: has_data is false */
	f.traffic.p95_seconds = 30;
	expect(&f, &defaults, STATUS_NORMAL, REASON_NORMAL,
	       "Normal", "Semua dalam batas normal",
	       "Normal", "Everything is within normal limits");
}

static void test_oom_kill_in_window_is_degraded(void **state)
{
	struct status_facts f = healthy();

	(void)state;
	f.oom_kills_recent = 1;
	expect(&f, &defaults, STATUS_DEGRADED, REASON_OOM_KILLS,
	       "Bermasalah", "1 proses dihentikan karena kehabisan memori dalam 5 menit terakhir",
	       "Degraded", "1 process was killed for lack of memory in the last 5 minutes");
	f.oom_kills_recent = 3;
	expect(&f, &defaults, STATUS_DEGRADED, REASON_OOM_KILLS,
	       "Bermasalah", "3 proses dihentikan karena kehabisan memori dalam 5 menit terakhir",
	       "Degraded", "3 processes were killed for lack of memory in the last 5 minutes");
}

/* Just after start the window is seconds long: the sentence says so. */
static void test_sentence_names_the_window_it_covers(void **state)
{
	struct status_facts f = healthy();

	(void)state;
	f.traffic = traffic(600, 0.2, 0.05, 0.3);
	f.window_seconds = 14.2;
	expect(&f, &defaults, STATUS_DEGRADED, REASON_ERRORS,
	       "Bermasalah", "20% permintaan gagal dalam 14 detik terakhir",
	       "Degraded", "20% of requests failed in the last 14 seconds");
	f.window_seconds = 119;
	expect(&f, &defaults, STATUS_DEGRADED, REASON_ERRORS,
	       "Bermasalah", "20% permintaan gagal dalam 119 detik terakhir",
	       "Degraded", "20% of requests failed in the last 119 seconds");
	f.window_seconds = 150;
	expect(&f, &defaults, STATUS_DEGRADED, REASON_ERRORS,
	       "Bermasalah", "20% permintaan gagal dalam 3 menit terakhir",
	       "Degraded", "20% of requests failed in the last 3 minutes");
	f.traffic = healthy().traffic;
	f.oom_kills_recent = 2;
	f.window_seconds = 31;
	expect(&f, &defaults, STATUS_DEGRADED, REASON_OOM_KILLS,
	       "Bermasalah", "2 proses dihentikan karena kehabisan memori dalam 31 detik terakhir",
	       "Degraded", "2 processes were killed for lack of memory in the last 31 seconds");
}

static void test_failing_dependency_is_named(void **state)
{
	struct status_dependency deps[2] = {
		{ .peer = "postgres", .traffic = { .has_data = true, .requests_per_minute = 10,
						   .error_ratio = 0, .p50_seconds = 0.01,
						   .p95_seconds = 0.02 } },
		{ .peer = "payment-gateway", .traffic = { .has_data = true,
							  .requests_per_minute = 50,
							  .error_ratio = 0.12,
							  .p50_seconds = 0.3,
							  .p95_seconds = 0.9 } },
	};
	struct status_facts f = healthy();

	(void)state;
	f.deps = deps;
	f.n_deps = 2;
	expect(&f, &defaults, STATUS_DEGRADED, REASON_DEPENDENCY_ERRORS,
	       "Bermasalah", "12% permintaan ke payment-gateway gagal",
	       "Degraded", "12% of requests to payment-gateway failed");
	deps[1].traffic.error_ratio = 0;
	deps[1].traffic.p95_seconds = 2.5;
	expect(&f, &defaults, STATUS_DEGRADED, REASON_DEPENDENCY_SLOW,
	       "Bermasalah", "payment-gateway lambat: 5% permintaan butuh lebih dari 2,5 detik",
	       "Degraded", "payment-gateway is slow: 5% of requests took over 2.5 s");
}

static void test_hostile_peer_in_sentence_is_cleaned(void **state)
{
	struct status_dependency dep = {
		.traffic = { .has_data = true, .requests_per_minute = 1, .error_ratio = 1,
			     .p50_seconds = NAN, .p95_seconds = NAN },
	};
	struct status_facts f = healthy();
	struct status_verdict v;
	struct sbuf b;

	(void)state;
	snprintf(dep.peer, sizeof(dep.peer), "evil\n\xff\x1b[31m");
	f.deps = &dep;
	f.n_deps = 1;
	status_evaluate(&f, &defaults, &v);
	sbuf_init(&b);
	status_sentence(&b, &v, STATUS_LANG_EN);
	assert_string_equal(b.buf, "100% of requests to evil\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
			    "[31m failed");
	sbuf_free(&b);
}

static void test_figures_follow_the_language(void **state)
{
	struct sbuf b;

	(void)state;
	sbuf_init(&b);
	status_format_number(&b, 1234567, STATUS_LANG_ID);
	assert_string_equal(b.buf, "1.234.567");
	sbuf_free(&b);
	status_format_number(&b, 1234567, STATUS_LANG_EN);
	assert_string_equal(b.buf, "1,234,567");
	sbuf_free(&b);
	status_format_seconds(&b, 0.85, STATUS_LANG_ID);
	assert_string_equal(b.buf, "850 ms");
	sbuf_free(&b);
	status_format_bytes(&b, 1536 * MIB, STATUS_LANG_ID);
	assert_string_equal(b.buf, "1,5 GiB");
	sbuf_free(&b);
	status_format_percent(&b, 0.0001, STATUS_LANG_ID);
	assert_string_equal(b.buf, "<0,1%");
	sbuf_free(&b);
	status_format_percent(&b, 0, STATUS_LANG_ID);
	assert_string_equal(b.buf, "0%");
	sbuf_free(&b);
	status_format_percent(&b, NAN, STATUS_LANG_EN);
	assert_string_equal(b.buf, "?%");
	sbuf_free(&b);
}

static void test_busy_hours_around_the_peak(void **state)
{
	double value[STATUS_HOURS] = { 0 };
	bool valid[STATUS_HOURS];
	int hod[STATUS_HOURS], from, to;
	struct sbuf b;

	(void)state;
	for (int i = 0; i < STATUS_HOURS; i++) {
		valid[i] = true;
		hod[i] = (i + 1) % 24;	/* oldest is 01.00, newest 00.00 */
		value[i] = 10;
	}
	value[18] = 100;	/* 19.00 */
	value[19] = 90;		/* 20.00 */
	value[17] = 50;		/* 18.00: below 75 % of the peak */
	assert_int_equal(status_busy_hours(value, valid, hod, &from, &to), 0);
	assert_int_equal(from, 19);
	assert_int_equal(to, 21);
	sbuf_init(&b);
	status_format_hours(&b, from, to, STATUS_LANG_ID);
	assert_string_equal(b.buf, "19.00\xe2\x80\x93" "21.00");
	sbuf_free(&b);
	status_format_hours(&b, from, to, STATUS_LANG_EN);
	assert_string_equal(b.buf, "19:00\xe2\x80\x93" "21:00");
	sbuf_free(&b);
}

static void test_busy_hours_need_enough_data(void **state)
{
	double value[STATUS_HOURS] = { 0 };
	bool valid[STATUS_HOURS] = { false };
	int hod[STATUS_HOURS] = { 0 }, from, to;

	(void)state;
	for (int i = 0; i < STATUS_BUSY_MIN_HOURS - 1; i++) {
		valid[STATUS_HOURS - 1 - i] = true;
		value[STATUS_HOURS - 1 - i] = 5;
	}
	assert_int_equal(status_busy_hours(value, valid, hod, &from, &to), -ENODATA);
	for (int i = 0; i < STATUS_HOURS; i++) {
		valid[i] = true;
		value[i] = 0;	/* measured, but idle all day */
	}
	assert_int_equal(status_busy_hours(value, valid, hod, &from, &to), -ENODATA);
}

static void test_language_choice(void **state)
{
	(void)state;
	assert_int_equal(status_lang_pick(NULL, NULL, STATUS_LANG_ID), STATUS_LANG_ID);
	assert_int_equal(status_lang_pick(NULL, NULL, STATUS_LANG_EN), STATUS_LANG_EN);
	assert_int_equal(status_lang_pick(NULL, "en-US,en;q=0.9", STATUS_LANG_ID), STATUS_LANG_EN);
	assert_int_equal(status_lang_pick(NULL, "en;q=0.5, id-ID", STATUS_LANG_EN), STATUS_LANG_ID);
	assert_int_equal(status_lang_pick(NULL, "fr-FR,de;q=0.8", STATUS_LANG_ID), STATUS_LANG_ID);
	assert_int_equal(status_lang_pick(NULL, "fr, en;q=0", STATUS_LANG_ID), STATUS_LANG_ID);
	assert_int_equal(status_lang_pick(NULL, "in", STATUS_LANG_EN), STATUS_LANG_ID);
	/* The switch on the page wins over the browser. */
	assert_int_equal(status_lang_pick("en", "id-ID", STATUS_LANG_ID), STATUS_LANG_EN);
	assert_int_equal(status_lang_pick("id", "en-US", STATUS_LANG_EN), STATUS_LANG_ID);
	assert_int_equal(status_lang_pick("xx", "en-US", STATUS_LANG_ID), STATUS_LANG_EN);
	assert_int_equal(status_lang_pick(NULL, ",,;;q=,", STATUS_LANG_EN), STATUS_LANG_EN);
}

static void test_stable_keys(void **state)
{
	(void)state;
	assert_string_equal(status_level_key(STATUS_NORMAL), "normal");
	assert_string_equal(status_level_key(STATUS_BUSY), "busy");
	assert_string_equal(status_level_key(STATUS_DEGRADED), "degraded");
	assert_string_equal(status_level_key(STATUS_DOWN), "down");
	for (int r = 0; r < STATUS_REASONS; r++)
		assert_string_not_equal(status_reason_key(r), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_healthy_service_is_normal),
		cmocka_unit_test(test_no_live_process_is_down_whatever_else),
		cmocka_unit_test(test_memory_near_limit_is_busy),
		cmocka_unit_test(test_memory_of_host_without_limit),
		cmocka_unit_test(test_memory_at_threshold_is_not_busy),
		cmocka_unit_test(test_cpu_near_quota_is_busy),
		cmocka_unit_test(test_cpu_of_host_uses_config_threshold),
		cmocka_unit_test(test_cpu_and_memory_busy_names_the_worse),
		cmocka_unit_test(test_unknown_cpu_never_busy),
		cmocka_unit_test(test_failed_requests_are_degraded),
		cmocka_unit_test(test_error_threshold_from_config),
		cmocka_unit_test(test_slow_p95_is_degraded),
		cmocka_unit_test(test_no_traffic_data_never_degrades),
		cmocka_unit_test(test_oom_kill_in_window_is_degraded),
		cmocka_unit_test(test_sentence_names_the_window_it_covers),
		cmocka_unit_test(test_failing_dependency_is_named),
		cmocka_unit_test(test_hostile_peer_in_sentence_is_cleaned),
		cmocka_unit_test(test_figures_follow_the_language),
		cmocka_unit_test(test_busy_hours_around_the_peak),
		cmocka_unit_test(test_busy_hours_need_enough_data),
		cmocka_unit_test(test_language_choice),
		cmocka_unit_test(test_stable_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
