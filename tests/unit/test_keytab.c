// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests for user/keytab.c: open addressing with backward-shift deletion. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "lib/keytab.h"

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

static struct service_key key(uint64_t cgroup_id, uint32_t tgid)
{
	struct service_key k;

	memset(&k, 0, sizeof(k));
	k.cgroup_id = cgroup_id;
	k.tgid = tgid;
	return k;
}

static void put_ok(struct keytab *t, uint64_t cg, uint32_t tgid, int32_t val)
{
	struct service_key k = key(cg, tgid);

	assert_int_equal(keytab_put(t, &k, val), 0);
}

static int32_t get(const struct keytab *t, uint64_t cg, uint32_t tgid)
{
	struct service_key k = key(cg, tgid);

	return keytab_get(t, &k);
}

static int del(struct keytab *t, uint64_t cg, uint32_t tgid)
{
	struct service_key k = key(cg, tgid);

	return keytab_del(t, &k);
}

/*
 * The bucket a key lands in when alone in a table of that capacity: its
 * home bucket. Found by looking, so the test does not copy the hash.
 */
static size_t home_bucket(size_t capacity, const struct service_key *k)
{
	struct keytab t;
	size_t home = SIZE_MAX;

	assert_int_equal(keytab_init(&t, capacity), 0);
	assert_int_equal(keytab_put(&t, k, 1), 0);
	for (size_t i = 0; i < t.n_buckets; i++)
		if (t.vals[i] >= 0)
			home = i;
	keytab_free(&t);
	assert_true(home != SIZE_MAX);
	return home;
}

/* ---- basics ---- */

static void test_put_then_get_returns_value(void **state)
{
	struct keytab t;

	(void)state;
	assert_int_equal(keytab_init(&t, 16), 0);
	put_ok(&t, 100, 0, 7);
	assert_int_equal(get(&t, 100, 0), 7);
	assert_int_equal(t.count, 1);
	keytab_free(&t);
}

static void test_get_missing_key_returns_minus_one(void **state)
{
	struct keytab t;

	(void)state;
	assert_int_equal(keytab_init(&t, 16), 0);
	assert_int_equal(get(&t, 1, 0), -1);
	put_ok(&t, 1, 0, 3);
	assert_int_equal(get(&t, 2, 0), -1);
	keytab_free(&t);
}

static void test_keys_differing_only_in_tgid_are_distinct(void **state)
{
	struct keytab t;

	(void)state;
	assert_int_equal(keytab_init(&t, 16), 0);
	put_ok(&t, 1, 0, 10);
	put_ok(&t, 1, 42, 11);
	put_ok(&t, 1, 43, 12);
	assert_int_equal(get(&t, 1, 0), 10);
	assert_int_equal(get(&t, 1, 42), 11);
	assert_int_equal(get(&t, 1, 43), 12);
	assert_int_equal(t.count, 3);
	keytab_free(&t);
}

static void test_value_zero_is_a_value(void **state)
{
	struct keytab t;

	(void)state;
	assert_int_equal(keytab_init(&t, 4), 0);
	put_ok(&t, 5, 0, 0);
	assert_int_equal(get(&t, 5, 0), 0);
	assert_int_equal(t.count, 1);
	keytab_free(&t);
}

static void test_update_existing_value_keeps_count(void **state)
{
	struct keytab t;

	(void)state;
	assert_int_equal(keytab_init(&t, 16), 0);
	put_ok(&t, 9, 1, 1);
	put_ok(&t, 9, 2, 2);
	put_ok(&t, 9, 1, 100);
	assert_int_equal(get(&t, 9, 1), 100);
	assert_int_equal(get(&t, 9, 2), 2);
	assert_int_equal(t.count, 2);
	keytab_free(&t);
}

static void test_del_removes_key(void **state)
{
	struct keytab t;

	(void)state;
	assert_int_equal(keytab_init(&t, 16), 0);
	put_ok(&t, 3, 0, 30);
	put_ok(&t, 4, 0, 40);
	assert_int_equal(del(&t, 3, 0), 0);
	assert_int_equal(get(&t, 3, 0), -1);
	assert_int_equal(get(&t, 4, 0), 40);
	assert_int_equal(t.count, 1);
	keytab_free(&t);
}

static void test_del_missing_key_is_enoent(void **state)
{
	struct keytab t;

	(void)state;
	assert_int_equal(keytab_init(&t, 16), 0);
	assert_int_equal(del(&t, 3, 0), -ENOENT);
	put_ok(&t, 3, 0, 30);
	assert_int_equal(del(&t, 3, 1), -ENOENT);
	assert_int_equal(del(&t, 3, 0), 0);
	assert_int_equal(del(&t, 3, 0), -ENOENT);
	assert_int_equal(t.count, 0);
	keytab_free(&t);
}

static void test_reinsert_after_delete(void **state)
{
	struct keytab t;

	(void)state;
	assert_int_equal(keytab_init(&t, 16), 0);
	put_ok(&t, 8, 8, 1);
	assert_int_equal(del(&t, 8, 8), 0);
	put_ok(&t, 8, 8, 2);
	assert_int_equal(get(&t, 8, 8), 2);
	assert_int_equal(t.count, 1);
	keytab_free(&t);
}

/* ---- capacity ---- */

static void test_put_at_capacity_is_enospc(void **state)
{
	struct keytab t;

	(void)state;
	assert_int_equal(keytab_init(&t, 4), 0);
	for (uint32_t i = 0; i < 4; i++)
		put_ok(&t, 77, i, (int32_t)i);
	{
		struct service_key k = key(77, 4);

		assert_int_equal(keytab_put(&t, &k, 4), -ENOSPC);
	}
	assert_int_equal(get(&t, 77, 4), -1);
	assert_int_equal(t.count, 4);
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(get(&t, 77, i), (int32_t)i);
	keytab_free(&t);
}

static void test_update_at_capacity_succeeds(void **state)
{
	struct keytab t;

	(void)state;
	assert_int_equal(keytab_init(&t, 2), 0);
	put_ok(&t, 1, 0, 1);
	put_ok(&t, 2, 0, 2);
	put_ok(&t, 2, 0, 20);
	assert_int_equal(get(&t, 2, 0), 20);
	assert_int_equal(t.count, 2);
	keytab_free(&t);
}

static void test_delete_frees_capacity(void **state)
{
	struct keytab t;

	(void)state;
	assert_int_equal(keytab_init(&t, 2), 0);
	put_ok(&t, 1, 0, 1);
	put_ok(&t, 2, 0, 2);
	assert_int_equal(del(&t, 1, 0), 0);
	put_ok(&t, 3, 0, 3);
	assert_int_equal(get(&t, 3, 0), 3);
	assert_int_equal(get(&t, 2, 0), 2);
	keytab_free(&t);
}

static void test_zero_capacity_table_rejects_put(void **state)
{
	struct keytab t;
	struct service_key k = key(1, 0);

	(void)state;
	assert_int_equal(keytab_init(&t, 0), 0);
	assert_int_equal(keytab_put(&t, &k, 1), -ENOSPC);
	assert_int_equal(keytab_get(&t, &k), -1);
	keytab_free(&t);
}

static void test_buckets_are_power_of_two_at_least_twice_capacity(void **state)
{
	static const size_t caps[] = { 0, 1, 8, 9, 100, 1000, 4096 };

	(void)state;
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		struct keytab t;

		assert_int_equal(keytab_init(&t, caps[i]), 0);
		assert_int_equal(t.capacity, caps[i]);
		assert_int_equal(t.count, 0);
		assert_true(t.n_buckets >= 2 * caps[i]);
		assert_true(t.n_buckets >= 16);
		assert_int_equal(t.n_buckets & (t.n_buckets - 1), 0);
		keytab_free(&t);
	}
}

static void test_get_on_freed_table_returns_minus_one(void **state)
{
	struct keytab t;
	struct service_key k = key(1, 0);

	(void)state;
	assert_int_equal(keytab_init(&t, 4), 0);
	put_ok(&t, 1, 0, 1);
	keytab_free(&t);
	assert_null(t.keys);
	assert_null(t.vals);
	assert_int_equal(keytab_get(&t, &k), -1);
}

/* ---- deletion keeps probe chains whole ---- */

/*
 * Keys sharing one home bucket, the last bucket of the table, so their
 * probe chain wraps around to bucket 0, plus keys whose home is bucket 0
 * that sit behind them. Every deletion order must keep the rest reachable.
 */
static void test_deletion_in_wrapped_collision_chain_keeps_keys_reachable(void **state)
{
	enum { CAP = 8, AT_END = 3, AT_ZERO = 3, N = AT_END + AT_ZERO };
	struct service_key keys[N];
	size_t n_end = 0, n_zero = 0, last;
	struct keytab probe;

	(void)state;
	assert_int_equal(keytab_init(&probe, CAP), 0);
	last = probe.n_buckets - 1;
	keytab_free(&probe);
	for (uint64_t cg = 1; n_end < AT_END || n_zero < AT_ZERO; cg++) {
		struct service_key k = key(cg, 0);
		size_t home = home_bucket(CAP, &k);

		assert_true(cg < 1000000);
		if (home == last && n_end < AT_END)
			keys[n_end++] = k;
		else if (home == 0 && n_zero < AT_ZERO)
			keys[AT_END + n_zero++] = k;
	}
	/* Each rotation of the deletion order, forwards and backwards. */
	for (int dir = 0; dir < 2; dir++) {
		for (size_t start = 0; start < N; start++) {
			struct keytab t;
			bool gone[N] = { false };

			assert_int_equal(keytab_init(&t, CAP), 0);
			for (size_t i = 0; i < N; i++)
				assert_int_equal(keytab_put(&t, &keys[i], (int32_t)i), 0);
			/* The chain does wrap: bucket 0 holds the second end key. */
			assert_int_equal(t.vals[last], 0);
			assert_int_equal(t.vals[0], 1);
			for (size_t step = 0; step < N; step++) {
				size_t d = dir ? (start + N - step) % N : (start + step) % N;

				assert_int_equal(keytab_del(&t, &keys[d]), 0);
				gone[d] = true;
				for (size_t i = 0; i < N; i++)
					assert_int_equal(keytab_get(&t, &keys[i]),
							 gone[i] ? -1 : (int32_t)i);
			}
			assert_int_equal(t.count, 0);
			keytab_free(&t);
		}
	}
}

static void shuffle(size_t *a, size_t n)
{
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = rnd() % (i + 1), tmp = a[i];

		a[i] = a[j];
		a[j] = tmp;
	}
}

static void test_delete_half_in_random_order_keeps_rest_reachable(void **state)
{
	enum { N = 4096 };
	struct keytab t;
	size_t *order = malloc(N * sizeof(*order));
	bool *gone = calloc(N, sizeof(*gone));

	(void)state;
	assert_non_null(order);
	assert_non_null(gone);
	rng_state = 0x853C49E6748FEA9BULL;
	assert_int_equal(keytab_init(&t, N), 0);
	/* Consecutive cgroup ids and a few tgids, as the kernel hands them out. */
	for (size_t i = 0; i < N; i++) {
		put_ok(&t, 5000 + i / 4, (uint32_t)(i % 4), (int32_t)i);
		order[i] = i;
	}
	assert_int_equal(t.count, N);
	shuffle(order, N);
	for (size_t i = 0; i < N / 2; i++) {
		size_t d = order[i];

		assert_int_equal(del(&t, 5000 + d / 4, (uint32_t)(d % 4)), 0);
		gone[d] = true;
	}
	assert_int_equal(t.count, N / 2);
	for (size_t i = 0; i < N; i++)
		assert_int_equal(get(&t, 5000 + i / 4, (uint32_t)(i % 4)),
				 gone[i] ? -1 : (int32_t)i);
	keytab_free(&t);
	free(order);
	free(gone);
}

/*
 * Random puts, updates and deletes against a plain array, on a small,
 * crowded table (many collisions, frequent -ENOSPC) and a larger one.
 */
static void run_model(size_t capacity, size_t universe, size_t ops, uint64_t seed)
{
	int32_t *model = malloc(universe * sizeof(*model));
	size_t count = 0;
	struct keytab t;

	assert_non_null(model);
	for (size_t i = 0; i < universe; i++)
		model[i] = -1;
	rng_state = seed;
	assert_int_equal(keytab_init(&t, capacity), 0);
	for (size_t op = 0; op < ops; op++) {
		uint64_t r = rnd();
		size_t u = (r >> 8) % universe;
		struct service_key k = key(1000 + u / 8, (uint32_t)(u % 8));
		int32_t val = (int32_t)((r >> 40) & 0x7fffffff);

		switch (r % 8) {
		case 0: case 1: case 2: case 3: {
			int ret = keytab_put(&t, &k, val);

			if (model[u] < 0 && count == capacity) {
				assert_int_equal(ret, -ENOSPC);
			} else {
				assert_int_equal(ret, 0);
				if (model[u] < 0)
					count++;
				model[u] = val;
			}
			break;
		}
		case 4: case 5: case 6:
			assert_int_equal(keytab_del(&t, &k), model[u] < 0 ? -ENOENT : 0);
			if (model[u] >= 0)
				count--;
			model[u] = -1;
			break;
		default:
			assert_int_equal(keytab_get(&t, &k), model[u]);
		}
		assert_int_equal(t.count, count);
		/* Now and then check every key, present or not. */
		if (op % 997 == 0)
			for (size_t i = 0; i < universe; i++) {
				struct service_key ki = key(1000 + i / 8, (uint32_t)(i % 8));

				assert_int_equal(keytab_get(&t, &ki), model[i]);
			}
	}
	for (size_t i = 0; i < universe; i++) {
		struct service_key ki = key(1000 + i / 8, (uint32_t)(i % 8));

		assert_int_equal(keytab_get(&t, &ki), model[i]);
	}
	keytab_free(&t);
	free(model);
}

static void test_random_operations_on_crowded_table_match_model(void **state)
{
	(void)state;
	run_model(8, 24, 10000, 0x9E3779B97F4A7C15ULL);
}

static void test_random_operations_on_full_table_match_model(void **state)
{
	(void)state;
	run_model(64, 160, 10000, 0xD1B54A32D192ED03ULL);
}

static void test_random_operations_on_large_table_match_model(void **state)
{
	(void)state;
	run_model(1000, 1500, 20000, 0xA0761D6478BD642FULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_then_get_returns_value),
		cmocka_unit_test(test_get_missing_key_returns_minus_one),
		cmocka_unit_test(test_keys_differing_only_in_tgid_are_distinct),
		cmocka_unit_test(test_value_zero_is_a_value),
		cmocka_unit_test(test_update_existing_value_keeps_count),
		cmocka_unit_test(test_del_removes_key),
		cmocka_unit_test(test_del_missing_key_is_enoent),
		cmocka_unit_test(test_reinsert_after_delete),
		cmocka_unit_test(test_put_at_capacity_is_enospc),
		cmocka_unit_test(test_update_at_capacity_succeeds),
		cmocka_unit_test(test_delete_frees_capacity),
		cmocka_unit_test(test_zero_capacity_table_rejects_put),
		cmocka_unit_test(test_buckets_are_power_of_two_at_least_twice_capacity),
		cmocka_unit_test(test_get_on_freed_table_returns_minus_one),
		cmocka_unit_test(test_deletion_in_wrapped_collision_chain_keeps_keys_reachable),
		cmocka_unit_test(test_delete_half_in_random_order_keeps_rest_reachable),
		cmocka_unit_test(test_random_operations_on_crowded_table_match_model),
		cmocka_unit_test(test_random_operations_on_full_table_match_model),
		cmocka_unit_test(test_random_operations_on_large_table_match_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
