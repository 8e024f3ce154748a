// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests for user/rowtab.c: fixed-capacity rows found by key bytes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "lib/rowtab.h"

/* A key with padding: 4 bytes between dev and sector on every ABI with 8-byte u64 alignment. */
struct key {
	uint32_t dev;
	uint64_t sector;
};

struct row {
	struct key key;
	uint64_t value;
	uint32_t flags;
};

_Static_assert(sizeof(struct key) == 16, "struct key has 4 bytes of padding");

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	rng_state = x;
	return x;
}

/*
 * A key with its padding zeroed, as callers are to make them: in place,
 * since copying a struct need not copy its padding.
 */
static void make_key(struct key *k, uint32_t dev, uint64_t sector)
{
	memset(k, 0, sizeof(*k));
	k->dev = dev;
	k->sector = sector;
}

static void init(struct rowtab *t, size_t capacity)
{
	assert_int_equal(rowtab_init(t, sizeof(struct key), sizeof(struct row), capacity), 0);
}

static struct row *get(struct rowtab *t, uint32_t dev, uint64_t sector, bool create)
{
	struct key k;

	make_key(&k, dev, sector);
	return rowtab_get(t, &k, create);
}

static struct row *add(struct rowtab *t, uint32_t dev, uint64_t sector, uint64_t value)
{
	struct row *r = get(t, dev, sector, true);

	assert_non_null(r);
	r->value = value;
	return r;
}

static bool value_is_odd(const void *row, void *ctx)
{
	const struct row *r = row;

	(void)ctx;
	return r->value & 1;
}

static bool never(const void *row, void *ctx)
{
	(void)row;
	(void)ctx;
	return false;
}

static bool always(const void *row, void *ctx)
{
	(void)row;
	(void)ctx;
	return true;
}

/* ---- get ---- */

static void test_get_with_create_returns_zeroed_row_holding_key(void **state)
{
	struct rowtab t;
	struct row *r;

	(void)state;
	init(&t, 8);
	r = get(&t, 7, 1234, true);
	assert_non_null(r);
	assert_int_equal(r->key.dev, 7);
	assert_int_equal(r->key.sector, 1234);
	assert_int_equal(r->value, 0);
	assert_int_equal(r->flags, 0);
	assert_int_equal(t.count, 1);
	rowtab_free(&t);
}

static void test_get_returns_same_row_for_same_key(void **state)
{
	struct rowtab t;
	struct row *r;

	(void)state;
	init(&t, 8);
	r = add(&t, 7, 1234, 99);
	assert_ptr_equal(get(&t, 7, 1234, false), r);
	assert_ptr_equal(get(&t, 7, 1234, true), r);
	assert_int_equal(r->value, 99);
	assert_int_equal(t.count, 1);
	rowtab_free(&t);
}

static void test_get_without_create_on_missing_key_is_null(void **state)
{
	struct rowtab t;

	(void)state;
	init(&t, 8);
	assert_null(get(&t, 1, 1, false));
	add(&t, 1, 1, 5);
	assert_null(get(&t, 1, 2, false));
	assert_null(get(&t, 2, 1, false));
	assert_int_equal(t.count, 1);
	rowtab_free(&t);
}

static void test_keys_differing_in_one_field_are_distinct(void **state)
{
	struct rowtab t;

	(void)state;
	init(&t, 8);
	add(&t, 1, 0, 10);
	add(&t, 1, 1, 11);
	add(&t, 2, 0, 20);
	assert_int_equal(get(&t, 1, 0, false)->value, 10);
	assert_int_equal(get(&t, 1, 1, false)->value, 11);
	assert_int_equal(get(&t, 2, 0, false)->value, 20);
	assert_int_equal(t.count, 3);
	rowtab_free(&t);
}

static void test_rows_are_kept_in_insertion_order(void **state)
{
	struct rowtab t;

	(void)state;
	init(&t, 8);
	for (uint64_t i = 0; i < 5; i++)
		add(&t, 3, 100 - i, i);
	for (size_t i = 0; i < 5; i++) {
		struct row *r = rowtab_at(&t, i);

		assert_int_equal(r->key.sector, 100 - i);
		assert_int_equal(r->value, i);
	}
	rowtab_free(&t);
}

static void test_get_with_create_at_capacity_is_null(void **state)
{
	struct rowtab t;

	(void)state;
	init(&t, 4);
	for (uint64_t i = 0; i < 4; i++)
		add(&t, 1, i, i + 10);
	assert_null(get(&t, 1, 4, true));
	assert_null(get(&t, 1, 4, false));
	assert_int_equal(t.count, 4);
	/* Existing rows are still found, with or without create. */
	for (uint64_t i = 0; i < 4; i++) {
		assert_non_null(get(&t, 1, i, true));
		assert_int_equal(get(&t, 1, i, false)->value, i + 10);
	}
	rowtab_free(&t);
}

static void test_zero_capacity_table_creates_nothing(void **state)
{
	struct rowtab t;

	(void)state;
	init(&t, 0);
	assert_null(get(&t, 1, 1, true));
	assert_null(get(&t, 1, 1, false));
	assert_int_equal(t.count, 0);
	rowtab_free(&t);
}

static void test_buckets_are_power_of_two_at_least_twice_capacity(void **state)
{
	static const size_t caps[] = { 0, 1, 8, 9, 100, 1000, 4096 };

	(void)state;
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		struct rowtab t;

		init(&t, caps[i]);
		assert_int_equal(t.capacity, caps[i]);
		assert_int_equal(t.count, 0);
		assert_true(t.n_buckets >= 2 * caps[i]);
		assert_int_equal(t.n_buckets & (t.n_buckets - 1), 0);
		rowtab_free(&t);
	}
}

static void test_get_on_freed_table_is_null(void **state)
{
	struct rowtab t;

	(void)state;
	init(&t, 4);
	add(&t, 1, 1, 1);
	rowtab_free(&t);
	assert_null(t.rows);
	assert_null(t.index);
	assert_null(get(&t, 1, 1, false));
	assert_null(get(&t, 1, 1, true));
}

/* ---- keys are bytes ---- */

static void test_keys_are_compared_by_bytes_including_padding(void **state)
{
	struct rowtab t;
	struct key zeroed, dirty;
	struct row *a, *b;

	(void)state;
	make_key(&zeroed, 5, 50);
	/* Same fields, different padding bytes: two keys, as documented. */
	memset(&dirty, 0xee, sizeof(dirty));
	dirty.dev = 5;
	dirty.sector = 50;
	assert_true(memcmp(&zeroed, &dirty, sizeof(zeroed)) != 0);
	init(&t, 8);
	a = rowtab_get(&t, &zeroed, true);
	assert_non_null(a);
	a->value = 1;
	assert_null(rowtab_get(&t, &dirty, false));
	b = rowtab_get(&t, &dirty, true);
	assert_non_null(b);
	assert_ptr_not_equal(a, b);
	b->value = 2;
	assert_int_equal(t.count, 2);
	assert_int_equal(((struct row *)rowtab_get(&t, &zeroed, false))->value, 1);
	assert_int_equal(((struct row *)rowtab_get(&t, &dirty, false))->value, 2);
	rowtab_free(&t);
}

static void test_bytes_after_the_key_are_not_part_of_it(void **state)
{
	struct rowtab t;
	struct row probe, *r;

	(void)state;
	init(&t, 8);
	r = add(&t, 9, 90, 1);
	r->flags = 0xdeadbeef;
	/* A whole row as the key: only its first key_size bytes count. */
	memset(&probe, 0x55, sizeof(probe));
	make_key(&probe.key, 9, 90);
	assert_ptr_equal(rowtab_get(&t, &probe, false), r);
	assert_ptr_equal(rowtab_get(&t, &probe, true), r);
	assert_int_equal(r->value, 1);
	assert_int_equal(r->flags, 0xdeadbeef);
	assert_int_equal(t.count, 1);
	rowtab_free(&t);
}

static void test_short_key_prefix_of_row(void **state)
{
	struct rowtab t;
	unsigned char k1[3] = { 1, 2, 3 }, k2[3] = { 1, 2, 4 };
	unsigned char *r1, *r2;

	(void)state;
	/* 3-byte keys in 8-byte rows. */
	assert_int_equal(rowtab_init(&t, 3, 8, 4), 0);
	r1 = rowtab_get(&t, k1, true);
	r2 = rowtab_get(&t, k2, true);
	assert_non_null(r1);
	assert_non_null(r2);
	assert_ptr_not_equal(r1, r2);
	assert_memory_equal(r1, k1, 3);
	assert_memory_equal(r2, k2, 3);
	for (int i = 3; i < 8; i++)
		assert_int_equal(r1[i], 0);
	r1[7] = 0xaa;
	assert_ptr_equal(rowtab_get(&t, k1, false), r1);
	rowtab_free(&t);
}

/* ---- remove_if ---- */

static void test_remove_if_removes_exactly_matching_rows(void **state)
{
	struct rowtab t;

	(void)state;
	init(&t, 32);
	for (uint64_t i = 0; i < 20; i++)
		add(&t, 2, i * 7, i);
	rowtab_remove_if(&t, value_is_odd, NULL);
	assert_int_equal(t.count, 10);
	for (uint64_t i = 0; i < 20; i++) {
		struct row *r = get(&t, 2, i * 7, false);

		if (i & 1) {
			assert_null(r);
		} else {
			assert_non_null(r);
			assert_int_equal(r->value, i);
			assert_int_equal(r->key.sector, i * 7);
		}
	}
	rowtab_free(&t);
}

static void test_remove_if_keeps_order_of_remaining_rows(void **state)
{
	struct rowtab t;

	(void)state;
	init(&t, 16);
	for (uint64_t i = 0; i < 10; i++)
		add(&t, 4, i, i);
	rowtab_remove_if(&t, value_is_odd, NULL);
	for (size_t i = 0; i < t.count; i++)
		assert_int_equal(((struct row *)rowtab_at(&t, i))->value, 2 * i);
	rowtab_free(&t);
}

static void test_remove_if_nothing_matching_keeps_every_row(void **state)
{
	struct rowtab t;
	struct row *r;

	(void)state;
	init(&t, 8);
	r = add(&t, 1, 1, 2);
	add(&t, 1, 2, 4);
	rowtab_remove_if(&t, never, NULL);
	assert_int_equal(t.count, 2);
	assert_ptr_equal(get(&t, 1, 1, false), r);
	assert_int_equal(get(&t, 1, 2, false)->value, 4);
	rowtab_free(&t);
}

static void test_remove_if_all_empties_table(void **state)
{
	struct rowtab t;

	(void)state;
	init(&t, 8);
	for (uint64_t i = 0; i < 8; i++)
		add(&t, 1, i, i);
	rowtab_remove_if(&t, always, NULL);
	assert_int_equal(t.count, 0);
	for (uint64_t i = 0; i < 8; i++)
		assert_null(get(&t, 1, i, false));
	rowtab_free(&t);
}

static void test_remove_if_frees_capacity(void **state)
{
	struct rowtab t;
	struct row *r;

	(void)state;
	init(&t, 4);
	for (uint64_t i = 0; i < 4; i++)
		add(&t, 1, i, i);
	assert_null(get(&t, 1, 100, true));
	rowtab_remove_if(&t, value_is_odd, NULL);
	assert_int_equal(t.count, 2);
	r = get(&t, 1, 100, true);
	assert_non_null(r);
	/* The new row starts zeroed, whatever a removed row left there. */
	assert_int_equal(r->value, 0);
	assert_int_equal(r->flags, 0);
	add(&t, 1, 101, 0);
	assert_null(get(&t, 1, 102, true));
	assert_int_equal(get(&t, 1, 0, false)->value, 0);
	assert_int_equal(get(&t, 1, 2, false)->value, 2);
	rowtab_free(&t);
}

static void test_removed_key_can_be_created_again(void **state)
{
	struct rowtab t;
	struct row *r;

	(void)state;
	init(&t, 4);
	add(&t, 1, 1, 1);
	add(&t, 1, 2, 2);
	rowtab_remove_if(&t, value_is_odd, NULL);
	assert_null(get(&t, 1, 1, false));
	r = get(&t, 1, 1, true);
	assert_non_null(r);
	assert_int_equal(r->value, 0);
	assert_int_equal(t.count, 2);
	rowtab_free(&t);
}

struct match_ctx {
	uint64_t sector;
	int calls;
};

static bool sector_matches(const void *row, void *ctx)
{
	const struct row *r = row;
	struct match_ctx *m = ctx;

	m->calls++;
	return r->key.sector == m->sector;
}

static void test_remove_if_hands_ctx_and_every_row_to_pred(void **state)
{
	struct rowtab t;
	struct match_ctx m = { .sector = 3, .calls = 0 };

	(void)state;
	init(&t, 8);
	for (uint64_t i = 0; i < 6; i++)
		add(&t, 1, i, i);
	rowtab_remove_if(&t, sector_matches, &m);
	assert_int_equal(m.calls, 6);
	assert_int_equal(t.count, 5);
	assert_null(get(&t, 1, 3, false));
	assert_non_null(get(&t, 1, 5, false));
	rowtab_free(&t);
}

static void test_remove_if_on_empty_table_calls_nothing(void **state)
{
	struct rowtab t;
	struct match_ctx m = { .sector = 0, .calls = 0 };

	(void)state;
	init(&t, 8);
	rowtab_remove_if(&t, sector_matches, &m);
	assert_int_equal(m.calls, 0);
	assert_int_equal(t.count, 0);
	rowtab_free(&t);
}

/* ---- random operations against an array ---- */

struct model {
	bool present;
	uint64_t value;
};

struct model_ctx {
	uint64_t mod, rem;
};

static uint32_t u_dev(size_t u)
{
	return (uint32_t)(u % 3);
}

static uint64_t u_sector(size_t u)
{
	return (uint64_t)(u / 3) * 4096;
}

/* Remove rows whose value is rem modulo mod; the model follows. */
static bool value_matches(const void *row, void *ctx)
{
	const struct row *r = row;
	const struct model_ctx *c = ctx;

	return r->value % c->mod == c->rem;
}

static void check_all(struct rowtab *t, const struct model *model, size_t universe)
{
	size_t present = 0;

	for (size_t u = 0; u < universe; u++) {
		struct row *r = get(t, u_dev(u), u_sector(u), false);

		if (!model[u].present) {
			assert_null(r);
			continue;
		}
		present++;
		assert_non_null(r);
		assert_int_equal(r->key.dev, u_dev(u));
		assert_int_equal(r->key.sector, u_sector(u));
		assert_int_equal(r->value, model[u].value);
	}
	assert_int_equal(t->count, present);
}

static void run_model(size_t capacity, size_t universe, size_t ops, uint64_t seed)
{
	struct model *model = calloc(universe, sizeof(*model));
	struct rowtab t;
	size_t count = 0;

	assert_non_null(model);
	rng_state = seed;
	init(&t, capacity);
	for (size_t op = 0; op < ops; op++) {
		uint64_t r = rnd();
		size_t u = (r >> 8) % universe;
		struct row *row;

		switch (r % 16) {
		case 0: {
			/* Rare, as in the daemon: drop a random share of the rows. */
			struct model_ctx c = {
				.mod = 2 + (r >> 40) % 4, .rem = (r >> 48) % 2,
			};

			rowtab_remove_if(&t, value_matches, &c);
			for (size_t i = 0; i < universe; i++) {
				if (model[i].present && model[i].value % c.mod == c.rem) {
					model[i].present = false;
					count--;
				}
			}
			break;
		}
		case 1: case 2: case 3: case 4: case 5: case 6: case 7: case 8:
			row = get(&t, u_dev(u), u_sector(u), true);
			if (!model[u].present && count == capacity) {
				assert_null(row);
				break;
			}
			assert_non_null(row);
			if (model[u].present) {
				assert_int_equal(row->value, model[u].value);
			} else {
				assert_int_equal(row->value, 0);
				model[u].present = true;
				count++;
			}
			row->value = (r >> 20) & 0xffff;
			model[u].value = row->value;
			break;
		default:
			row = get(&t, u_dev(u), u_sector(u), false);
			if (model[u].present) {
				assert_non_null(row);
				assert_int_equal(row->value, model[u].value);
			} else {
				assert_null(row);
			}
		}
		assert_int_equal(t.count, count);
		if (op % 499 == 0)
			check_all(&t, model, universe);
	}
	check_all(&t, model, universe);
	rowtab_free(&t);
	free(model);
}

static void test_random_operations_on_crowded_table_match_model(void **state)
{
	(void)state;
	run_model(8, 24, 5000, 0x9E3779B97F4A7C15ULL);
}

static void test_random_operations_on_full_table_match_model(void **state)
{
	(void)state;
	run_model(64, 100, 5000, 0xD1B54A32D192ED03ULL);
}

static void test_random_operations_on_large_table_match_model(void **state)
{
	(void)state;
	run_model(1000, 1500, 20000, 0xA0761D6478BD642FULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_with_create_returns_zeroed_row_holding_key),
		cmocka_unit_test(test_get_returns_same_row_for_same_key),
		cmocka_unit_test(test_get_without_create_on_missing_key_is_null),
		cmocka_unit_test(test_keys_differing_in_one_field_are_distinct),
		cmocka_unit_test(test_rows_are_kept_in_insertion_order),
		cmocka_unit_test(test_get_with_create_at_capacity_is_null),
		cmocka_unit_test(test_zero_capacity_table_creates_nothing),
		cmocka_unit_test(test_buckets_are_power_of_two_at_least_twice_capacity),
		cmocka_unit_test(test_get_on_freed_table_is_null),
		cmocka_unit_test(test_keys_are_compared_by_bytes_including_padding),
		cmocka_unit_test(test_bytes_after_the_key_are_not_part_of_it),
		cmocka_unit_test(test_short_key_prefix_of_row),
		cmocka_unit_test(test_remove_if_removes_exactly_matching_rows),
		cmocka_unit_test(test_remove_if_keeps_order_of_remaining_rows),
		cmocka_unit_test(test_remove_if_nothing_matching_keeps_every_row),
		cmocka_unit_test(test_remove_if_all_empties_table),
		cmocka_unit_test(test_remove_if_frees_capacity),
		cmocka_unit_test(test_removed_key_can_be_created_again),
		cmocka_unit_test(test_remove_if_hands_ctx_and_every_row_to_pred),
		cmocka_unit_test(test_remove_if_on_empty_table_calls_nothing),
		cmocka_unit_test(test_random_operations_on_crowded_table_match_model),
		cmocka_unit_test(test_random_operations_on_full_table_match_model),
		cmocka_unit_test(test_random_operations_on_large_table_match_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
