// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests for include/pantau/fast_div.h against real division. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "pantau/fast_div.h"

/* Every code the framer can read: three digits. */
static void test_status_class_is_the_first_digit_of_every_status(void **state)
{
	(void)state;
	for (__u32 s = 0; s <= 999; s++)
		assert_int_equal(status_class_of(s), s / 100);
}

/*
 * Around every multiple of 1000 in the 32-bit range (where a rounding
 * error would show first), and a stride through the rest.
 */
static void test_div1000_matches_division_over_32_bits(void **state)
{
	(void)state;
	for (__u64 m = 0; m <= 0xffffffffULL; m += 1000)
		for (__u64 v = m > 2 ? m - 2 : 0; v <= m + 2 && v <= 0xffffffffULL; v++)
			assert_int_equal(div1000(v), v / 1000);
	for (__u64 v = 0; v <= 0xffffffffULL; v += 7919)
		assert_int_equal(div1000(v), v / 1000);
	assert_int_equal(div1000(0xffffffffULL), 0xffffffffULL / 1000);
}

static void test_div1000_above_32_bits_divides(void **state)
{
	(void)state;
	assert_int_equal(div1000(0x100000000ULL), 0x100000000ULL / 1000);
	assert_int_equal(div1000(~0ULL), ~0ULL / 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_class_is_the_first_digit_of_every_status),
		cmocka_unit_test(test_div1000_matches_division_over_32_bits),
		cmocka_unit_test(test_div1000_above_32_bits_divides),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
