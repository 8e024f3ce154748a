// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests for events_rate_allow in user/events.c: per-service, per-second limits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "events/events.h"

#define NOW 1000

/* How many of n events in second now_s are let through. */
static unsigned allowed(struct rate_slot *slots, size_t n_slots, const char *service,
			int64_t now_s, unsigned per_second, unsigned n)
{
	unsigned ok = 0;

	for (unsigned i = 0; i < n; i++)
		ok += events_rate_allow(slots, n_slots, service, now_s, per_second);
	return ok;
}

/*
 * The slot a service lands in: found by looking at which slot it fills in
 * an empty array, so the test does not copy the hash.
 */
static size_t slot_of(size_t n_slots, const char *service)
{
	struct rate_slot slots[EVENTS_RATE_SLOTS];
	size_t at = SIZE_MAX;

	assert_true(n_slots <= EVENTS_RATE_SLOTS);
	memset(slots, 0, sizeof(slots));
	assert_true(events_rate_allow(slots, n_slots, service, NOW, 1));
	for (size_t i = 0; i < n_slots; i++) {
		if (slots[i].count == 1) {
			assert_int_equal(at, SIZE_MAX);
			at = i;
		}
	}
	assert_true(at != SIZE_MAX);
	return at;
}

/* A service name "svc-N" landing in a different slot than other. */
static void name_in_other_slot(size_t n_slots, const char *other, char *out, size_t len)
{
	size_t taken = slot_of(n_slots, other);

	for (int i = 0; i < 1000; i++) {
		snprintf(out, len, "svc-%d", i);
		if (strcmp(out, other) != 0 && slot_of(n_slots, out) != taken)
			return;
	}
	fail_msg("no name found outside slot %zu", taken);
}

static void test_allows_at_most_per_second_events_in_one_second(void **state)
{
	struct rate_slot slots[EVENTS_RATE_SLOTS];

	(void)state;
	memset(slots, 0, sizeof(slots));
	for (unsigned i = 0; i < 5; i++)
		assert_true(events_rate_allow(slots, EVENTS_RATE_SLOTS, "nginx", NOW, 5));
	assert_false(events_rate_allow(slots, EVENTS_RATE_SLOTS, "nginx", NOW, 5));
	assert_int_equal(allowed(slots, EVENTS_RATE_SLOTS, "nginx", NOW, 5, 100), 0);
}

static void test_limit_of_one_allows_exactly_one(void **state)
{
	struct rate_slot slots[EVENTS_RATE_SLOTS];

	(void)state;
	memset(slots, 0, sizeof(slots));
	assert_int_equal(allowed(slots, EVENTS_RATE_SLOTS, "postgres", NOW, 1, 10), 1);
}

static void test_large_limit_is_counted_exactly(void **state)
{
	struct rate_slot slots[EVENTS_RATE_SLOTS];

	(void)state;
	memset(slots, 0, sizeof(slots));
	assert_int_equal(allowed(slots, EVENTS_RATE_SLOTS, "api", NOW, 1000, 5000), 1000);
}

static void test_new_second_resets_budget(void **state)
{
	struct rate_slot slots[EVENTS_RATE_SLOTS];

	(void)state;
	memset(slots, 0, sizeof(slots));
	assert_int_equal(allowed(slots, EVENTS_RATE_SLOTS, "nginx", NOW, 3, 10), 3);
	assert_int_equal(allowed(slots, EVENTS_RATE_SLOTS, "nginx", NOW + 1, 3, 10), 3);
	assert_int_equal(allowed(slots, EVENTS_RATE_SLOTS, "nginx", NOW + 1, 3, 10), 0);
	/* A gap of several seconds: one fresh budget, not several. */
	assert_int_equal(allowed(slots, EVENTS_RATE_SLOTS, "nginx", NOW + 60, 3, 10), 3);
}

static void test_budget_is_per_calendar_second_not_sliding(void **state)
{
	struct rate_slot slots[EVENTS_RATE_SLOTS];

	(void)state;
	memset(slots, 0, sizeof(slots));
	/* A burst at the end of one second and the start of the next: both whole. */
	assert_int_equal(allowed(slots, EVENTS_RATE_SLOTS, "nginx", NOW, 4, 4), 4);
	assert_int_equal(allowed(slots, EVENTS_RATE_SLOTS, "nginx", NOW + 1, 4, 4), 4);
}

static void test_unused_part_of_budget_does_not_carry_over(void **state)
{
	struct rate_slot slots[EVENTS_RATE_SLOTS];

	(void)state;
	memset(slots, 0, sizeof(slots));
	assert_int_equal(allowed(slots, EVENTS_RATE_SLOTS, "nginx", NOW, 10, 1), 1);
	assert_int_equal(allowed(slots, EVENTS_RATE_SLOTS, "nginx", NOW + 1, 10, 30), 10);
}

static void test_two_services_in_different_slots_have_own_budgets(void **state)
{
	struct rate_slot slots[EVENTS_RATE_SLOTS];
	char other[32];

	(void)state;
	name_in_other_slot(EVENTS_RATE_SLOTS, "nginx", other, sizeof(other));
	memset(slots, 0, sizeof(slots));
	assert_int_equal(allowed(slots, EVENTS_RATE_SLOTS, "nginx", NOW, 3, 10), 3);
	/* nginx used its budget up; the other service still has all of its own. */
	assert_int_equal(allowed(slots, EVENTS_RATE_SLOTS, other, NOW, 3, 10), 3);
	assert_int_equal(allowed(slots, EVENTS_RATE_SLOTS, "nginx", NOW, 3, 10), 0);
	assert_int_equal(allowed(slots, EVENTS_RATE_SLOTS, other, NOW, 3, 10), 0);
}

static void test_interleaved_services_in_different_slots_are_each_limited(void **state)
{
	struct rate_slot slots[EVENTS_RATE_SLOTS];
	unsigned a = 0, b = 0;
	char other[32];

	(void)state;
	name_in_other_slot(EVENTS_RATE_SLOTS, "redis", other, sizeof(other));
	memset(slots, 0, sizeof(slots));
	for (int i = 0; i < 20; i++) {
		a += events_rate_allow(slots, EVENTS_RATE_SLOTS, "redis", NOW, 5);
		b += events_rate_allow(slots, EVENTS_RATE_SLOTS, other, NOW, 5);
	}
	assert_int_equal(a, 5);
	assert_int_equal(b, 5);
}

static void test_many_services_in_distinct_slots_do_not_share_budgets(void **state)
{
	struct rate_slot slots[EVENTS_RATE_SLOTS];
	char names[16][32];
	bool used[EVENTS_RATE_SLOTS] = { false };
	int n = 0;

	(void)state;
	/* Sixteen names, one per slot, picked by where they land. */
	for (int i = 0; n < 16 && i < 10000; i++) {
		size_t at;

		snprintf(names[n], sizeof(names[n]), "service-%d.service", i);
		at = slot_of(EVENTS_RATE_SLOTS, names[n]);
		if (!used[at]) {
			used[at] = true;
			n++;
		}
	}
	assert_int_equal(n, 16);
	memset(slots, 0, sizeof(slots));
	for (int round = 0; round < 4; round++)
		for (int i = 0; i < n; i++)
			assert_true(events_rate_allow(slots, EVENTS_RATE_SLOTS, names[i], NOW, 4));
	for (int i = 0; i < n; i++)
		assert_false(events_rate_allow(slots, EVENTS_RATE_SLOTS, names[i], NOW, 4));
}

static void test_longest_service_name_is_limited(void **state)
{
	struct rate_slot slots[EVENTS_RATE_SLOTS];
	char name[128 + 1];

	(void)state;
	/* 128 bytes: the longest name the config allows. */
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	assert_int_equal(strlen(name), 128);
	memset(slots, 0, sizeof(slots));
	assert_int_equal(allowed(slots, EVENTS_RATE_SLOTS, name, NOW, 2, 10), 2);
}

/*
 * One slot: services that hash to the same slot share its budget, so the
 * limit stays a bound on what the slot lets through in a second.
 */
static void test_colliding_services_share_one_budget(void **state)
{
	struct rate_slot slots[1];

	(void)state;
	memset(slots, 0, sizeof(slots));
	assert_int_equal(allowed(slots, 1, "nginx", NOW, 3, 10), 3);
	assert_false(events_rate_allow(slots, 1, "postgres", NOW, 3));
	/* The next second, the budget is fresh for whoever comes first. */
	assert_int_equal(allowed(slots, 1, "postgres", NOW + 1, 3, 10), 3);
	assert_false(events_rate_allow(slots, 1, "nginx", NOW + 1, 3));
}

/* Two services sharing a slot and sending alternately are limited together. */
static void test_colliding_services_alternating_in_one_slot_are_limited_together(void **state)
{
	struct rate_slot slots[1];
	unsigned a = 0, b = 0;

	(void)state;
	memset(slots, 0, sizeof(slots));
	for (int i = 0; i < 50; i++) {
		a += events_rate_allow(slots, 1, "nginx", NOW, 2);
		b += events_rate_allow(slots, 1, "postgres", NOW, 2);
	}
	assert_int_equal(a + b, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allows_at_most_per_second_events_in_one_second),
		cmocka_unit_test(test_limit_of_one_allows_exactly_one),
		cmocka_unit_test(test_large_limit_is_counted_exactly),
		cmocka_unit_test(test_new_second_resets_budget),
		cmocka_unit_test(test_budget_is_per_calendar_second_not_sliding),
		cmocka_unit_test(test_unused_part_of_budget_does_not_carry_over),
		cmocka_unit_test(test_two_services_in_different_slots_have_own_budgets),
		cmocka_unit_test(test_interleaved_services_in_different_slots_are_each_limited),
		cmocka_unit_test(test_many_services_in_distinct_slots_do_not_share_budgets),
		cmocka_unit_test(test_longest_service_name_is_limited),
		cmocka_unit_test(test_colliding_services_share_one_budget),
		cmocka_unit_test(test_colliding_services_alternating_in_one_slot_are_limited_together),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
