// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests for user/bpf/map_walk.c on real BPF maps (root): the batch
 * walk and the walk by key see the same entries and values, for plain and
 * per-CPU hash maps, past one batch; a map type without batches is walked
 * by key.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpf/map_walk.h"

#define ENTRIES 1500	/* three batches */

struct key {
	uint64_t id;
	uint32_t tgid;
	uint32_t pad;
};

struct value {
	uint64_t a, b;
	uint32_t c;	/* 20 bytes: per-CPU values are padded to 24 */
};

struct sums {
	long entries;
	uint64_t keys, a, b, c;
};

static void add(const void *key, const void *values, int n_cpus, void *ctx)
{
	const struct key *k = key;
	struct sums *s = ctx;
	size_t stride = n_cpus > 1 ? (sizeof(struct value) + 7) & ~(size_t)7 : sizeof(struct value);

	s->entries++;
	s->keys += k->id * 3 + k->tgid;
	for (int cpu = 0; cpu < n_cpus; cpu++) {
		struct value v;

		memcpy(&v, (const char *)values + (size_t)cpu * stride, sizeof(v));
		s->a += v.a;
		s->b += v.b;
		s->c += v.c;
	}
}

static int make_map(enum bpf_map_type type, int n_cpus)
{
	int fd = bpf_map_create(type, "pantau_walk", sizeof(struct key), sizeof(struct value),
				ENTRIES, NULL);
	size_t stride = (sizeof(struct value) + 7) & ~(size_t)7;
	char *values = calloc((size_t)n_cpus, stride);

	assert_true(fd >= 0);
	assert_non_null(values);
	for (uint32_t i = 0; i < ENTRIES; i++) {
		struct key k = { .id = 1000 + i, .tgid = i % 7 };

		for (int cpu = 0; cpu < n_cpus; cpu++) {
			struct value v = { .a = i, .b = (uint64_t)cpu << 32, .c = i + (uint32_t)cpu };

			memcpy(values + (type == BPF_MAP_TYPE_PERCPU_HASH ? (size_t)cpu * stride : 0),
			       &v, sizeof(v));
		}
		assert_int_equal(bpf_map_update_elem(fd, &k, values, BPF_NOEXIST), 0);
	}
	free(values);
	return fd;
}

static void check_same(enum bpf_map_type type)
{
	bool percpu = type == BPF_MAP_TYPE_PERCPU_HASH;
	int n_cpus = percpu ? libbpf_num_possible_cpus() : 1;
	struct sums batch = { 0 }, by_key = { 0 };
	int fd = make_map(type, n_cpus);
	uint64_t want_a = 0;

	assert_int_equal(map_walk(fd, sizeof(struct key), sizeof(struct value), percpu, ENTRIES,
				  add, &batch), ENTRIES);
	assert_int_equal(map_walk_by_key(fd, sizeof(struct key), sizeof(struct value), percpu,
					 n_cpus, ENTRIES, add, &by_key), ENTRIES);
	for (uint64_t i = 0; i < ENTRIES; i++)
		want_a += i * (uint64_t)n_cpus;
	assert_int_equal(batch.entries, ENTRIES);
	assert_int_equal(batch.a, want_a);
	assert_memory_equal(&batch, &by_key, sizeof(batch));
	/* Counting alone (no callback) takes the same path. */
	assert_int_equal(map_walk(fd, sizeof(struct key), sizeof(struct value), percpu, ENTRIES,
				  NULL, NULL), ENTRIES);
	close(fd);
}

static void test_hash(void **state)
{
	(void)state;
	check_same(BPF_MAP_TYPE_HASH);
}

static void test_percpu_hash(void **state)
{
	(void)state;
	check_same(BPF_MAP_TYPE_PERCPU_HASH);
}

/* A map type without batches falls back to the walk by key. */
static void test_type_without_batches(void **state)
{
	uint64_t id;
	uint32_t v = 9;
	int fd = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, "pantau_walk", 8, 4, 16,
				&(struct bpf_map_create_opts){ .sz = sizeof(struct bpf_map_create_opts),
							       .map_flags = BPF_F_NO_PREALLOC });

	(void)state;
	assert_true(fd >= 0);
	id = ((uint64_t)32) | ((uint64_t)0x0a000001 << 32);
	assert_int_equal(bpf_map_update_elem(fd, &id, &v, BPF_ANY), 0);
	assert_int_equal(map_walk(fd, 8, 4, false, 16, NULL, NULL), 1);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_percpu_hash),
		cmocka_unit_test(test_type_without_batches),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
