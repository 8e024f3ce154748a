// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests for user/hist.c: log2 slots to Prometheus bucket bounds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "lib/hist.h"

#define US 1e-6
/* The run-queue histogram has 27 slots (include/pantau/cpu.h). */
#define N_SLOTS 27

/* The slot the BPF side picks for v units: floor(log2(v)), 0 for v < 2. */
static size_t bpf_slot(uint64_t v)
{
	size_t r = 0;

	while (v > 1) {
		v >>= 1;
		r++;
	}
	return r < N_SLOTS ? r : N_SLOTS - 1;
}

static void test_upper_bound_of_slot_0_is_two_units(void **state)
{
	(void)state;
	assert_true(hist_log2_upper_bound(0, US) == 2e-6);
}

static void test_upper_bound_of_slot_1_is_four_units(void **state)
{
	(void)state;
	assert_true(hist_log2_upper_bound(1, US) == 4e-6);
}

static void test_upper_bound_of_slot_9_is_1024_units(void **state)
{
	(void)state;
	assert_true(hist_log2_upper_bound(9, US) == 1.024e-3);
}

static void test_upper_bound_scales_with_unit(void **state)
{
	(void)state;
	assert_true(hist_log2_upper_bound(0, 1e-9) == 2e-9);
	assert_true(hist_log2_upper_bound(3, 1.0) == 16.0);
	assert_true(hist_log2_upper_bound(10, 1e-3) == 2.048);
}

static void test_upper_bounds_strictly_increase(void **state)
{
	(void)state;
	for (size_t i = 1; i < 64; i++)
		if (!(hist_log2_upper_bound(i, US) > hist_log2_upper_bound(i - 1, US)))
			fail_msg("bound of slot %zu is not above slot %zu", i, i - 1);
}

/* le rounds up: every value a slot holds is strictly below its bound. */
static void test_every_microsecond_value_is_below_its_slot_bound(void **state)
{
	(void)state;
	for (uint64_t v = 0; v <= 100000; v++) {
		size_t slot = bpf_slot(v);
		double bound = hist_log2_upper_bound(slot, US);

		if (!((double)v * US < bound))
			fail_msg("%" PRIu64 " us is in slot %zu but not below its bound %g",
				 v, slot, bound);
	}
}

/* And not rounded up by more than a slot: the bound below is no higher. */
static void test_previous_slot_bound_is_at_most_every_value_of_slot(void **state)
{
	(void)state;
	for (uint64_t v = 2; v <= 100000; v++) {
		size_t slot = bpf_slot(v);
		double below = hist_log2_upper_bound(slot - 1, US);

		if (!((double)v * US >= below))
			fail_msg("%" PRIu64 " us in slot %zu is below the bound %g of slot %zu",
				 v, slot, below, slot - 1);
	}
}

/* The BPF side divides nanoseconds by 1000: the last ns of a slot still fits. */
static void test_largest_nanosecond_wait_of_each_slot_is_below_bound(void **state)
{
	(void)state;
	for (size_t i = 0; i + 1 < N_SLOTS; i++) {
		uint64_t ns = ((uint64_t)2 << i) * 1000 - 1;

		assert_int_equal(bpf_slot(ns / 1000), i);
		if (!((double)ns * 1e-9 < hist_log2_upper_bound(i, US)))
			fail_msg("%" PRIu64 " ns is not below the bound of slot %zu", ns, i);
	}
}

static void test_cumulate_is_running_sum(void **state)
{
	const uint64_t slots[] = { 3, 0, 5, 1, 0, 0, 7 };
	const uint64_t want[] = { 3, 3, 8, 9, 9, 9, 16 };
	uint64_t cum[7];

	(void)state;
	hist_cumulate(slots, 7, cum);
	for (size_t i = 0; i < 7; i++)
		if (cum[i] != want[i])
			fail_msg("cum[%zu] = %" PRIu64 ", want %" PRIu64, i, cum[i], want[i]);
}

static void test_cumulate_is_non_decreasing_and_ends_at_total(void **state)
{
	uint64_t slots[N_SLOTS], cum[N_SLOTS], total = 0, x = 0x2545F4914F6CDD1DULL;

	(void)state;
	for (int round = 0; round < 100; round++) {
		total = 0;
		for (size_t i = 0; i < N_SLOTS; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			/* Many empty slots, some big counts. */
			slots[i] = (x & 3) ? 0 : (x >> 40);
			total += slots[i];
		}
		hist_cumulate(slots, N_SLOTS, cum);
		for (size_t i = 1; i < N_SLOTS; i++)
			if (cum[i] < cum[i - 1])
				fail_msg("cum[%zu] < cum[%zu]", i, i - 1);
		assert_true(cum[0] == slots[0]);
		assert_true(cum[N_SLOTS - 1] == total);
	}
}

static void test_cumulate_of_empty_histogram_is_all_zero(void **state)
{
	uint64_t slots[N_SLOTS] = { 0 }, cum[N_SLOTS];

	(void)state;
	memset(cum, 0xff, sizeof(cum));
	hist_cumulate(slots, N_SLOTS, cum);
	for (size_t i = 0; i < N_SLOTS; i++)
		assert_true(cum[i] == 0);
}

static void test_cumulate_single_slot_is_that_slot(void **state)
{
	const uint64_t slots[] = { 42 };
	uint64_t cum[1] = { 0 };

	(void)state;
	hist_cumulate(slots, 1, cum);
	assert_true(cum[0] == 42);
}

static void test_cumulate_writes_only_n_slots(void **state)
{
	const uint64_t slots[] = { 1, 2, 3 };
	uint64_t cum[4] = { 0, 0, 0, 99 };

	(void)state;
	hist_cumulate(slots, 3, cum);
	assert_true(cum[2] == 6);
	assert_true(cum[3] == 99);
}

/* Bounds 1, 2, 3 s; the fourth slot is the +Inf bucket. */
static double unit_upper(size_t slot)
{
	return (double)(slot + 1);
}

static void test_quantile_interpolates_inside_the_slot(void **state)
{
	const uint64_t slots[] = { 0, 10, 0, 0 };

	(void)state;
	/* Rank 5 of the 10 in [1, 2) s: halfway; rank 9.5: 95% of the way. */
	assert_float_equal(hist_quantile(0.5, slots, 4, unit_upper), 1.5, 1e-12);
	assert_float_equal(hist_quantile(0.95, slots, 4, unit_upper), 1.95, 1e-12);
}

static void test_quantile_first_slot_starts_at_zero(void **state)
{
	const uint64_t slots[] = { 4, 0, 0, 0 };

	(void)state;
	assert_float_equal(hist_quantile(0.5, slots, 4, unit_upper), 0.5, 1e-12);
}

static void test_quantile_rank_is_counted_across_slots(void **state)
{
	const uint64_t slots[] = { 10, 0, 10, 0 };

	(void)state;
	/* Rank 15: the 5th of the 10 in [2, 3) s; the empty slot is passed over. */
	assert_float_equal(hist_quantile(0.75, slots, 4, unit_upper), 2.5, 1e-12);
	/* Rank 10 is reached by the first slot: its upper bound, as PromQL says. */
	assert_float_equal(hist_quantile(0.5, slots, 4, unit_upper), 1.0, 1e-12);
}

static void test_quantile_in_inf_slot_is_last_finite_bound(void **state)
{
	const uint64_t slots[] = { 1, 0, 0, 9 };

	(void)state;
	assert_float_equal(hist_quantile(0.95, slots, 4, unit_upper), 3.0, 1e-12);
}

static void test_quantile_of_empty_histogram_is_nan(void **state)
{
	const uint64_t slots[] = { 0, 0, 0, 0 };

	(void)state;
	assert_true(isnan(hist_quantile(0.5, slots, 4, unit_upper)));
	assert_true(isnan(hist_quantile(0.5, slots, 1, unit_upper)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_upper_bound_of_slot_0_is_two_units),
		cmocka_unit_test(test_upper_bound_of_slot_1_is_four_units),
		cmocka_unit_test(test_upper_bound_of_slot_9_is_1024_units),
		cmocka_unit_test(test_upper_bound_scales_with_unit),
		cmocka_unit_test(test_upper_bounds_strictly_increase),
		cmocka_unit_test(test_every_microsecond_value_is_below_its_slot_bound),
		cmocka_unit_test(test_previous_slot_bound_is_at_most_every_value_of_slot),
		cmocka_unit_test(test_largest_nanosecond_wait_of_each_slot_is_below_bound),
		cmocka_unit_test(test_cumulate_is_running_sum),
		cmocka_unit_test(test_cumulate_is_non_decreasing_and_ends_at_total),
		cmocka_unit_test(test_cumulate_of_empty_histogram_is_all_zero),
		cmocka_unit_test(test_cumulate_single_slot_is_that_slot),
		cmocka_unit_test(test_cumulate_writes_only_n_slots),
		cmocka_unit_test(test_quantile_interpolates_inside_the_slot),
		cmocka_unit_test(test_quantile_first_slot_starts_at_zero),
		cmocka_unit_test(test_quantile_rank_is_counted_across_slots),
		cmocka_unit_test(test_quantile_in_inf_slot_is_last_finite_bound),
		cmocka_unit_test(test_quantile_of_empty_histogram_is_nan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
