// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests for exporters/status_history.c: five-minute windows and hours. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "status/status_history.h"

#define S 1000000000ULL
#define HOUR 480000		/* some local hour since the epoch */

static struct history_counters at(uint64_t seconds, uint64_t cpu_s, uint64_t requests,
				  uint64_t errors, bool traffic)
{
	return (struct history_counters){ .t_ns = seconds * S, .cpu_ns = cpu_s * S,
					  .requests = requests, .errors = errors,
					  .traffic = traffic };
}

static int setup(void **state)
{
	static struct status_history h;

	if (status_history_init(&h, 4))
		return -1;
	*state = &h;
	return 0;
}

static int teardown(void **state)
{
	status_history_free(*state);
	return 0;
}

static void test_one_sample_has_no_window(void **state)
{
	struct status_history *h = *state;
	struct history_counters c = at(100, 1, 0, 0, false);
	struct history_window w;

	status_history_record(h, 0, "web", &c, HOUR);
	assert_int_equal(status_history_window(h, 0, "web", &w), 0);
	assert_true(w.seconds == 0);
	assert_int_equal(status_history_window(h, 0, "other-name", &w), -ENOENT);
	assert_int_equal(status_history_window(h, 9, "web", &w), -ENOENT);
}

static void test_window_is_five_minutes_once_there_is_history(void **state)
{
	struct status_history *h = *state;
	struct history_window w;

	/* One core busy for 20 minutes, sampled every 5 s, 10 requests a second. */
	for (uint64_t t = 0; t <= 1200; t += 5) {
		struct history_counters c = at(1000 + t, t, 10 * t, t / 10, true);

		status_history_record(h, 1, "api", &c, HOUR);
	}
	assert_int_equal(status_history_window(h, 1, "api", &w), 0);
	assert_true(w.seconds >= HISTORY_WINDOW_SECONDS);
	assert_true(w.seconds <= HISTORY_WINDOW_SECONDS + HISTORY_STEP_SECONDS);
	assert_true(w.traffic);
	assert_int_equal(w.cpu_ns, (uint64_t)(w.seconds * S));
	assert_int_equal(w.requests, (uint64_t)(10 * w.seconds));
}

static void test_early_window_covers_what_there_is(void **state)
{
	struct status_history *h = *state;
	struct history_window w;

	for (uint64_t t = 0; t <= 20; t += 5) {
		struct history_counters c = at(50 + t, t / 5, 0, 0, false);

		status_history_record(h, 2, "db", &c, HOUR);
	}
	assert_int_equal(status_history_window(h, 2, "db", &w), 0);
	assert_true(w.seconds == 20);
	assert_int_equal(w.cpu_ns, 4 * S);
	assert_false(w.traffic);
}

static void test_counters_never_go_back(void **state)
{
	struct status_history *h = *state;
	struct history_counters a = at(10, 5, 0, 0, false), b = at(20, 3, 0, 0, false);
	struct history_window w;

	status_history_record(h, 0, "web", &a, HOUR);
	status_history_record(h, 0, "web", &b, HOUR);
	assert_int_equal(status_history_window(h, 0, "web", &w), 0);
	assert_int_equal(w.cpu_ns, 0);
}

static void test_reused_slot_starts_afresh(void **state)
{
	struct status_history *h = *state;
	struct history_counters a = at(10, 100, 0, 0, false), b = at(20, 1, 0, 0, false);
	struct history_series series;

	status_history_record(h, 3, "old", &a, HOUR);
	status_history_record(h, 3, "new", &b, HOUR);
	assert_int_equal(status_history_series(h, 3, "old", HOUR, &series), -ENOENT);
	assert_int_equal(status_history_series(h, 3, "new", HOUR, &series), 0);
	assert_true(series.valid[STATUS_HOURS - 1]);
	assert_true(series.cpu_seconds[STATUS_HOURS - 1] == 0);
}

static void test_hours_sum_the_changes_of_each_hour(void **state)
{
	struct status_history *h = *state;
	struct history_series series;
	uint64_t t = 0, cpu = 0;

	/*
	 * Ten samples an hour, each adding per_sample CPU seconds after the
	 * first (whose change since the previous hour's last sample is 0):
	 * 9, 27, nothing (pantau was not running), 18 seconds.
	 */
	const uint64_t per_sample[] = { 1, 3, 0, 2 };
	const bool seen[] = { true, true, false, true };

	for (int hr = 0; hr < 4; hr++) {
		if (!seen[hr])
			continue;
		for (int k = 0; k < 10; k++) {
			struct history_counters c;

			t += 5;
			cpu += k ? per_sample[hr] : 0;
			c = at(t, cpu, 0, 0, false);
			status_history_record(h, 0, "web", &c, HOUR + hr);
		}
	}
	assert_int_equal(status_history_series(h, 0, "web", HOUR + 3, &series), 0);
	assert_int_equal(series.hour[STATUS_HOURS - 1], HOUR + 3);
	assert_int_equal(series.hour_of_day[STATUS_HOURS - 1], (HOUR + 3) % 24);
	assert_true(series.valid[STATUS_HOURS - 1]);
	assert_false(series.valid[STATUS_HOURS - 2]);
	assert_true(series.valid[STATUS_HOURS - 3]);
	assert_true(series.valid[STATUS_HOURS - 4]);
	assert_false(series.valid[0]);
	assert_true(series.cpu_seconds[STATUS_HOURS - 4] == 9);
	assert_true(series.cpu_seconds[STATUS_HOURS - 3] == 27);
	assert_true(series.cpu_seconds[STATUS_HOURS - 1] == 18);
	/* A day later every hour has been overwritten or is too old. */
	assert_int_equal(status_history_series(h, 0, "web", HOUR + 30, &series), 0);
	for (int i = 0; i < STATUS_HOURS; i++)
		assert_false(series.valid[i]);
}

/* requests served so far at t, 1% failed, all in duration slot 40. */
static struct traffic_sample served(uint64_t seconds, uint64_t requests, uint32_t slot40)
{
	struct traffic_sample s = { .t_ns = seconds * S, .requests = requests,
				    .failures = requests / 100, .observed = requests };

	s.slots[40] = slot40;
	return s;
}

static void record_both(struct status_history *h, size_t slot, const char *name,
			uint64_t seconds)
{
	struct history_counters c = at(seconds, 0, 0, 0, false);

	status_history_record(h, slot, name, &c, HOUR);
}

static void test_served_window_is_five_to_six_minutes(void **state)
{
	struct status_history *h = *state;
	struct traffic_window w;

	/* 10 requests a second for 20 minutes, sampled every 5 s. */
	for (uint64_t t = 0; t <= 1200; t += 5) {
		struct traffic_sample s = served(1000 + t, 10 * t, (uint32_t)(10 * t));

		record_both(h, 1, "api", 1000 + t);
		status_history_record_served(h, 1, "api", &s);
	}
	assert_int_equal(status_history_served_window(h, 1, "api", &w), 0);
	assert_true(w.seconds >= HISTORY_WINDOW_SECONDS);
	assert_true(w.seconds <= HISTORY_WINDOW_SECONDS + TRAFFIC_STEP_SECONDS + 5);
	assert_int_equal(w.requests, (uint64_t)(10 * w.seconds));
	assert_int_equal(w.failures, w.requests / 100);
	assert_int_equal(w.slots[40], w.requests);
	assert_int_equal(w.slots[39], 0);
	assert_int_equal(status_history_served_window(h, 1, "other", &w), -ENOENT);
}

static void test_served_window_early_and_after_wrap(void **state)
{
	struct status_history *h = *state;
	struct traffic_window w;
	/* The stored slot count wraps at 2^32 within the window. */
	uint32_t base = UINT32_MAX - 99;

	for (uint64_t t = 0; t <= 20; t += 5) {
		struct traffic_sample s = served(50 + t, t * 20, base + (uint32_t)(t * 20));

		record_both(h, 2, "db", 50 + t);
		status_history_record_served(h, 2, "db", &s);
	}
	assert_int_equal(status_history_served_window(h, 2, "db", &w), 0);
	assert_true(w.seconds == 20);
	assert_int_equal(w.slots[40], 400);
}

static void test_served_counters_going_back_restart_the_series(void **state)
{
	struct status_history *h = *state;
	struct traffic_sample s = served(100, 1000, 1000);
	struct traffic_window w;

	record_both(h, 0, "web", 100);
	status_history_record_served(h, 0, "web", &s);
	s = served(160, 2000, 2000);
	status_history_record_served(h, 0, "web", &s);
	s = served(220, 10, 10);
	status_history_record_served(h, 0, "web", &s);
	assert_int_equal(status_history_served_window(h, 0, "web", &w), 0);
	assert_true(w.seconds == 0);
	assert_int_equal(w.requests, 0);
}

static void test_calls_are_kept_per_peer_and_service(void **state)
{
	struct status_history *h = *state;
	struct traffic_window w;
	const char *peer;
	size_t found = 0;

	for (uint64_t t = 0; t <= 600; t += 5) {
		struct traffic_sample pay = served(t, 2 * t, (uint32_t)(2 * t));
		struct traffic_sample db = served(t, 4 * t, (uint32_t)(4 * t));

		record_both(h, 0, "shop", t);
		record_both(h, 1, "api", t);
		assert_int_equal(status_history_record_calls(h, 0, "shop", "payment", &pay), 0);
		assert_int_equal(status_history_record_calls(h, 0, "shop", "db", &db), 0);
		assert_int_equal(status_history_record_calls(h, 1, "api", "db", &pay), 0);
	}
	for (size_t i = 0; i < h->n_calls; i++) {
		if (status_history_calls_window(h, i, 0, "shop", &peer, &w) != 0)
			continue;
		found++;
		assert_true(w.seconds >= HISTORY_WINDOW_SECONDS);
		if (strcmp(peer, "payment") == 0) {
			assert_int_equal(w.requests, (uint64_t)(2 * w.seconds));
		} else {
			assert_string_equal(peer, "db");
			assert_int_equal(w.requests, (uint64_t)(4 * w.seconds));
		}
	}
	assert_int_equal(found, 2);
	/* A new owner of the slot sees none of the old owner's calls. */
	record_both(h, 0, "cart", 605);
	for (size_t i = 0; i < h->n_calls; i++)
		assert_int_equal(status_history_calls_window(h, i, 0, "cart", &peer, &w), -ENOENT);
}

static void test_calls_pool_is_bounded_and_reclaims_stale_pairs(void **state)
{
	struct status_history *h = *state;
	char peer[32];

	record_both(h, 3, "crawler", 10);
	for (size_t i = 0; i < HISTORY_CALL_SERIES; i++) {
		struct traffic_sample s = served(10, 1, 1);

		snprintf(peer, sizeof(peer), "host-%zu", i);
		assert_int_equal(status_history_record_calls(h, 3, "crawler", peer, &s), 0);
	}
	{
		struct traffic_sample s = served(20, 1, 1);

		assert_int_equal(status_history_record_calls(h, 3, "crawler", "one-more", &s),
				 -ENOSPC);
		/* Two windows later the old pairs make room. */
		s.t_ns = (20 + 2 * HISTORY_WINDOW_SECONDS + 1) * S;
		assert_int_equal(status_history_record_calls(h, 3, "crawler", "one-more", &s), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_sample_has_no_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_window_is_five_minutes_once_there_is_history,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_early_window_covers_what_there_is, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counters_never_go_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reused_slot_starts_afresh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hours_sum_the_changes_of_each_hour, setup, teardown),
		cmocka_unit_test_setup_teardown(test_served_window_is_five_to_six_minutes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_served_window_early_and_after_wrap, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_served_counters_going_back_restart_the_series,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_calls_are_kept_per_peer_and_service, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_calls_pool_is_bounded_and_reclaims_stale_pairs,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
