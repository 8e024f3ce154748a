// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests for user/lib/rowtab.c: fixed-capacity rows found by key bytes,
 * removed in batches (remove_if) or one by one with backward-shift
 * deletion (rowtab_del), as the registry's key -> entry index uses it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "lib/rowtab.h"
#include "pantau/service_key.h"

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
	struct key k;

	(void)state;
	make_key(&k, 1, 1);
	init(&t, 0);
	assert_null(get(&t, 1, 1, true));
	assert_null(get(&t, 1, 1, false));
	assert_int_equal(rowtab_del(&t, &k), -ENOENT);
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
		assert_true(t.n_buckets >= 16);
		assert_int_equal(t.n_buckets & (t.n_buckets - 1), 0);
		rowtab_free(&t);
	}
}

static void test_get_on_freed_table_is_null(void **state)
{
	struct rowtab t;
	struct key k;

	(void)state;
	make_key(&k, 1, 1);
	init(&t, 4);
	add(&t, 1, 1, 1);
	rowtab_free(&t);
	assert_null(t.rows);
	assert_null(t.index);
	assert_null(get(&t, 1, 1, false));
	assert_null(get(&t, 1, 1, true));
	assert_int_equal(rowtab_del(&t, &k), -ENOENT);
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

/* ---- rowtab_del ---- */

static int del(struct rowtab *t, uint32_t dev, uint64_t sector)
{
	struct key k;

	make_key(&k, dev, sector);
	return rowtab_del(t, &k);
}

static void test_del_moves_last_row_into_the_hole(void **state)
{
	struct rowtab t;

	(void)state;
	init(&t, 8);
	for (uint64_t i = 0; i < 4; i++)
		add(&t, 1, i, i + 10)->flags = (uint32_t)i;
	assert_int_equal(del(&t, 1, 1), 0);
	assert_int_equal(t.count, 3);
	assert_null(get(&t, 1, 1, false));
	/* The whole last row moved, and its key finds it where it is now. */
	assert_int_equal(((struct row *)rowtab_at(&t, 1))->key.sector, 3);
	assert_int_equal(((struct row *)rowtab_at(&t, 1))->value, 13);
	assert_int_equal(((struct row *)rowtab_at(&t, 1))->flags, 3);
	assert_ptr_equal(get(&t, 1, 3, false), rowtab_at(&t, 1));
	assert_ptr_equal(get(&t, 1, 0, false), rowtab_at(&t, 0));
	assert_ptr_equal(get(&t, 1, 2, false), rowtab_at(&t, 2));
	rowtab_free(&t);
}

static void test_del_of_last_row_moves_nothing(void **state)
{
	struct rowtab t;

	(void)state;
	init(&t, 8);
	for (uint64_t i = 0; i < 3; i++)
		add(&t, 1, i, i);
	assert_int_equal(del(&t, 1, 2), 0);
	assert_int_equal(t.count, 2);
	for (uint64_t i = 0; i < 2; i++)
		assert_ptr_equal(get(&t, 1, i, false), rowtab_at(&t, i));
	assert_null(get(&t, 1, 2, false));
	rowtab_free(&t);
}

static void test_del_after_remove_if_finds_rebuilt_rows(void **state)
{
	struct rowtab t;

	(void)state;
	init(&t, 16);
	for (uint64_t i = 0; i < 10; i++)
		add(&t, 5, i, i);
	rowtab_remove_if(&t, value_is_odd, NULL);
	assert_int_equal(del(&t, 5, 1), -ENOENT);
	assert_int_equal(del(&t, 5, 0), 0);
	assert_int_equal(t.count, 4);
	for (uint64_t i = 2; i < 10; i += 2)
		assert_int_equal(get(&t, 5, i, false)->value, i);
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

static void run_model(size_t capacity, size_t universe, size_t ops, uint64_t seed,
		      bool with_del)
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
		case 9: case 10: case 11:
			if (with_del) {
				assert_int_equal(del(&t, u_dev(u), u_sector(u)),
						 model[u].present ? 0 : -ENOENT);
				if (model[u].present)
					count--;
				model[u].present = false;
				break;
			}
			/* fall through */
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
	run_model(8, 24, 5000, 0x9E3779B97F4A7C15ULL, false);
}

static void test_random_operations_on_full_table_match_model(void **state)
{
	(void)state;
	run_model(64, 100, 5000, 0xD1B54A32D192ED03ULL, false);
}

static void test_random_operations_on_large_table_match_model(void **state)
{
	(void)state;
	run_model(1000, 1500, 20000, 0xA0761D6478BD642FULL, false);
}

static void test_random_operations_with_del_and_remove_if_match_model(void **state)
{
	(void)state;
	run_model(64, 100, 10000, 0x2545F4914F6CDD1DULL, true);
	run_model(1000, 1500, 20000, 0x94D049BB133111EBULL, true);
}

/*
 * ---- service key -> index, as the registry uses it ----
 *
 * A row holding a service key and a value; the helpers give the value or
 * -1, and put fails with -ENOSPC when a new key does not fit.
 */

struct slot_row {
	struct service_key key;
	int32_t val;
};

static void slot_init(struct rowtab *t, size_t capacity)
{
	assert_int_equal(rowtab_init(t, sizeof(struct service_key), sizeof(struct slot_row),
				     capacity), 0);
}

static struct service_key skey(uint64_t cgroup_id, uint32_t tgid)
{
	struct service_key k;

	memset(&k, 0, sizeof(k));
	k.cgroup_id = cgroup_id;
	k.tgid = tgid;
	return k;
}

static int slot_put_key(struct rowtab *t, const struct service_key *k, int32_t val)
{
	struct slot_row *r = rowtab_get(t, k, true);

	if (!r)
		return -ENOSPC;
	r->val = val;
	return 0;
}

static int32_t slot_get_key(struct rowtab *t, const struct service_key *k)
{
	const struct slot_row *r = rowtab_get(t, k, false);

	return r ? r->val : -1;
}

static void slot_put(struct rowtab *t, uint64_t cg, uint32_t tgid, int32_t val)
{
	struct service_key k = skey(cg, tgid);

	assert_int_equal(slot_put_key(t, &k, val), 0);
}

static int32_t slot_get(struct rowtab *t, uint64_t cg, uint32_t tgid)
{
	struct service_key k = skey(cg, tgid);

	return slot_get_key(t, &k);
}

static int slot_del(struct rowtab *t, uint64_t cg, uint32_t tgid)
{
	struct service_key k = skey(cg, tgid);

	return rowtab_del(t, &k);
}

/*
 * The bucket a key lands in when alone in a table of that capacity: its
 * home bucket. Found by looking, so the test does not copy the hash.
 */
static size_t home_bucket(size_t capacity, const struct service_key *k)
{
	struct rowtab t;
	size_t home = SIZE_MAX;

	slot_init(&t, capacity);
	assert_int_equal(slot_put_key(&t, k, 1), 0);
	for (size_t i = 0; i < t.n_buckets; i++)
		if (t.index[i] >= 0)
			home = i;
	rowtab_free(&t);
	assert_true(home != SIZE_MAX);
	return home;
}

static void test_slot_put_then_get_returns_value(void **state)
{
	struct rowtab t;

	(void)state;
	slot_init(&t, 16);
	slot_put(&t, 100, 0, 7);
	assert_int_equal(slot_get(&t, 100, 0), 7);
	assert_int_equal(t.count, 1);
	rowtab_free(&t);
}

static void test_slot_get_missing_key_returns_minus_one(void **state)
{
	struct rowtab t;

	(void)state;
	slot_init(&t, 16);
	assert_int_equal(slot_get(&t, 1, 0), -1);
	slot_put(&t, 1, 0, 3);
	assert_int_equal(slot_get(&t, 2, 0), -1);
	rowtab_free(&t);
}

static void test_slot_keys_differing_only_in_tgid_are_distinct(void **state)
{
	struct rowtab t;

	(void)state;
	slot_init(&t, 16);
	slot_put(&t, 1, 0, 10);
	slot_put(&t, 1, 42, 11);
	slot_put(&t, 1, 43, 12);
	assert_int_equal(slot_get(&t, 1, 0), 10);
	assert_int_equal(slot_get(&t, 1, 42), 11);
	assert_int_equal(slot_get(&t, 1, 43), 12);
	assert_int_equal(t.count, 3);
	rowtab_free(&t);
}

/* Row 0 and value 0 are not the empty bucket's -1. */
static void test_slot_value_zero_in_row_zero_is_found(void **state)
{
	struct rowtab t;

	(void)state;
	slot_init(&t, 4);
	slot_put(&t, 5, 0, 0);
	assert_int_equal(slot_get(&t, 5, 0), 0);
	assert_int_equal(t.count, 1);
	rowtab_free(&t);
}

static void test_slot_update_existing_value_keeps_count(void **state)
{
	struct rowtab t;

	(void)state;
	slot_init(&t, 16);
	slot_put(&t, 9, 1, 1);
	slot_put(&t, 9, 2, 2);
	slot_put(&t, 9, 1, 100);
	assert_int_equal(slot_get(&t, 9, 1), 100);
	assert_int_equal(slot_get(&t, 9, 2), 2);
	assert_int_equal(t.count, 2);
	rowtab_free(&t);
}

static void test_slot_del_removes_key(void **state)
{
	struct rowtab t;

	(void)state;
	slot_init(&t, 16);
	slot_put(&t, 3, 0, 30);
	slot_put(&t, 4, 0, 40);
	assert_int_equal(slot_del(&t, 3, 0), 0);
	assert_int_equal(slot_get(&t, 3, 0), -1);
	assert_int_equal(slot_get(&t, 4, 0), 40);
	assert_int_equal(t.count, 1);
	rowtab_free(&t);
}

static void test_slot_del_missing_key_is_enoent(void **state)
{
	struct rowtab t;

	(void)state;
	slot_init(&t, 16);
	assert_int_equal(slot_del(&t, 3, 0), -ENOENT);
	slot_put(&t, 3, 0, 30);
	assert_int_equal(slot_del(&t, 3, 1), -ENOENT);
	assert_int_equal(slot_del(&t, 3, 0), 0);
	assert_int_equal(slot_del(&t, 3, 0), -ENOENT);
	assert_int_equal(t.count, 0);
	rowtab_free(&t);
}

static void test_slot_reinsert_after_delete(void **state)
{
	struct rowtab t;

	(void)state;
	slot_init(&t, 16);
	slot_put(&t, 8, 8, 1);
	assert_int_equal(slot_del(&t, 8, 8), 0);
	slot_put(&t, 8, 8, 2);
	assert_int_equal(slot_get(&t, 8, 8), 2);
	assert_int_equal(t.count, 1);
	rowtab_free(&t);
}

static void test_slot_put_at_capacity_is_enospc(void **state)
{
	struct service_key k = skey(77, 4);
	struct rowtab t;

	(void)state;
	slot_init(&t, 4);
	for (uint32_t i = 0; i < 4; i++)
		slot_put(&t, 77, i, (int32_t)i);
	assert_int_equal(slot_put_key(&t, &k, 4), -ENOSPC);
	assert_int_equal(slot_get(&t, 77, 4), -1);
	assert_int_equal(t.count, 4);
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(slot_get(&t, 77, i), (int32_t)i);
	rowtab_free(&t);
}

static void test_slot_update_at_capacity_succeeds(void **state)
{
	struct rowtab t;

	(void)state;
	slot_init(&t, 2);
	slot_put(&t, 1, 0, 1);
	slot_put(&t, 2, 0, 2);
	slot_put(&t, 2, 0, 20);
	assert_int_equal(slot_get(&t, 2, 0), 20);
	assert_int_equal(t.count, 2);
	rowtab_free(&t);
}

static void test_slot_delete_frees_capacity(void **state)
{
	struct rowtab t;

	(void)state;
	slot_init(&t, 2);
	slot_put(&t, 1, 0, 1);
	slot_put(&t, 2, 0, 2);
	assert_int_equal(slot_del(&t, 1, 0), 0);
	slot_put(&t, 3, 0, 3);
	assert_int_equal(slot_get(&t, 3, 0), 3);
	assert_int_equal(slot_get(&t, 2, 0), 2);
	rowtab_free(&t);
}

/*
 * Keys sharing one home bucket, the last bucket of the table, so their
 * probe chain wraps around to bucket 0, plus keys whose home is bucket 0
 * that sit behind them. Every deletion order must keep the rest reachable.
 */
static void test_slot_deletion_in_wrapped_collision_chain_keeps_keys_reachable(void **state)
{
	enum { CAP = 8, AT_END = 3, AT_ZERO = 3, N = AT_END + AT_ZERO };
	struct service_key keys[N];
	size_t n_end = 0, n_zero = 0, last;
	struct rowtab probe;

	(void)state;
	slot_init(&probe, CAP);
	last = probe.n_buckets - 1;
	rowtab_free(&probe);
	for (uint64_t cg = 1; n_end < AT_END || n_zero < AT_ZERO; cg++) {
		struct service_key k = skey(cg, 0);
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
			struct rowtab t;
			bool gone[N] = { false };

			slot_init(&t, CAP);
			for (size_t i = 0; i < N; i++)
				assert_int_equal(slot_put_key(&t, &keys[i], (int32_t)i), 0);
			/* The chain does wrap: bucket 0 holds the second end key. */
			assert_int_equal(t.index[last], 0);
			assert_int_equal(t.index[0], 1);
			for (size_t step = 0; step < N; step++) {
				size_t d = dir ? (start + N - step) % N : (start + step) % N;

				assert_int_equal(rowtab_del(&t, &keys[d]), 0);
				gone[d] = true;
				for (size_t i = 0; i < N; i++)
					assert_int_equal(slot_get_key(&t, &keys[i]),
							 gone[i] ? -1 : (int32_t)i);
			}
			assert_int_equal(t.count, 0);
			rowtab_free(&t);
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

static void test_slot_delete_half_in_random_order_keeps_rest_reachable(void **state)
{
	enum { N = 4096 };
	struct rowtab t;
	size_t *order = malloc(N * sizeof(*order));
	bool *gone = calloc(N, sizeof(*gone));

	(void)state;
	assert_non_null(order);
	assert_non_null(gone);
	rng_state = 0x853C49E6748FEA9BULL;
	slot_init(&t, N);
	/* Consecutive cgroup ids and a few tgids, as the kernel hands them out. */
	for (size_t i = 0; i < N; i++) {
		slot_put(&t, 5000 + i / 4, (uint32_t)(i % 4), (int32_t)i);
		order[i] = i;
	}
	assert_int_equal(t.count, N);
	shuffle(order, N);
	for (size_t i = 0; i < N / 2; i++) {
		size_t d = order[i];

		assert_int_equal(slot_del(&t, 5000 + d / 4, (uint32_t)(d % 4)), 0);
		gone[d] = true;
	}
	assert_int_equal(t.count, N / 2);
	for (size_t i = 0; i < N; i++)
		assert_int_equal(slot_get(&t, 5000 + i / 4, (uint32_t)(i % 4)),
				 gone[i] ? -1 : (int32_t)i);
	rowtab_free(&t);
	free(order);
	free(gone);
}

/*
 * Random puts, updates and deletes against a plain array, on a small,
 * crowded table (many collisions, frequent -ENOSPC) and a larger one.
 */
static void run_slot_model(size_t capacity, size_t universe, size_t ops, uint64_t seed)
{
	int32_t *model = malloc(universe * sizeof(*model));
	size_t count = 0;
	struct rowtab t;

	assert_non_null(model);
	for (size_t i = 0; i < universe; i++)
		model[i] = -1;
	rng_state = seed;
	slot_init(&t, capacity);
	for (size_t op = 0; op < ops; op++) {
		uint64_t r = rnd();
		size_t u = (r >> 8) % universe;
		struct service_key k = skey(1000 + u / 8, (uint32_t)(u % 8));
		int32_t val = (int32_t)((r >> 40) & 0x7fffffff);

		switch (r % 8) {
		case 0: case 1: case 2: case 3: {
			int ret = slot_put_key(&t, &k, val);

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
			assert_int_equal(rowtab_del(&t, &k), model[u] < 0 ? -ENOENT : 0);
			if (model[u] >= 0)
				count--;
			model[u] = -1;
			break;
		default:
			assert_int_equal(slot_get_key(&t, &k), model[u]);
		}
		assert_int_equal(t.count, count);
		/* Now and then check every key, present or not. */
		if (op % 997 == 0)
			for (size_t i = 0; i < universe; i++) {
				struct service_key ki = skey(1000 + i / 8, (uint32_t)(i % 8));

				assert_int_equal(slot_get_key(&t, &ki), model[i]);
			}
	}
	for (size_t i = 0; i < universe; i++) {
		struct service_key ki = skey(1000 + i / 8, (uint32_t)(i % 8));

		assert_int_equal(slot_get_key(&t, &ki), model[i]);
	}
	rowtab_free(&t);
	free(model);
}

static void test_slot_random_operations_on_crowded_table_match_model(void **state)
{
	(void)state;
	run_slot_model(8, 24, 10000, 0x9E3779B97F4A7C15ULL);
}

static void test_slot_random_operations_on_full_table_match_model(void **state)
{
	(void)state;
	run_slot_model(64, 160, 10000, 0xD1B54A32D192ED03ULL);
}

static void test_slot_random_operations_on_large_table_match_model(void **state)
{
	(void)state;
	run_slot_model(1000, 1500, 20000, 0xA0761D6478BD642FULL);
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
		cmocka_unit_test(test_del_moves_last_row_into_the_hole),
		cmocka_unit_test(test_del_of_last_row_moves_nothing),
		cmocka_unit_test(test_del_after_remove_if_finds_rebuilt_rows),
		cmocka_unit_test(test_random_operations_with_del_and_remove_if_match_model),
		cmocka_unit_test(test_slot_put_then_get_returns_value),
		cmocka_unit_test(test_slot_get_missing_key_returns_minus_one),
		cmocka_unit_test(test_slot_keys_differing_only_in_tgid_are_distinct),
		cmocka_unit_test(test_slot_value_zero_in_row_zero_is_found),
		cmocka_unit_test(test_slot_update_existing_value_keeps_count),
		cmocka_unit_test(test_slot_del_removes_key),
		cmocka_unit_test(test_slot_del_missing_key_is_enoent),
		cmocka_unit_test(test_slot_reinsert_after_delete),
		cmocka_unit_test(test_slot_put_at_capacity_is_enospc),
		cmocka_unit_test(test_slot_update_at_capacity_succeeds),
		cmocka_unit_test(test_slot_delete_frees_capacity),
		cmocka_unit_test(test_slot_deletion_in_wrapped_collision_chain_keeps_keys_reachable),
		cmocka_unit_test(test_slot_delete_half_in_random_order_keeps_rest_reachable),
		cmocka_unit_test(test_slot_random_operations_on_crowded_table_match_model),
		cmocka_unit_test(test_slot_random_operations_on_full_table_match_model),
		cmocka_unit_test(test_slot_random_operations_on_large_table_match_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
