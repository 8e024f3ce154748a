// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests for the registry's entry table: it grows with the keys in
 * use up to its capacity, refuses (and counts) keys past it, and reuses
 * the slots of removed keys instead of growing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "naming/registry.h"
#include "config_fixture.h"

#define CAPACITY 1000
#define NO_SUCH_PID 0x7ffffff0u	/* above pid_max: a process that is gone */

static struct registry reg;

static void forget(const struct service_key *key, void *ctx)
{
	(void)key;
	(*(unsigned *)ctx)++;
}

static struct service_key key_of(uint64_t cgroup_id, uint32_t tgid)
{
	struct service_key k;

	memset(&k, 0, sizeof(k));
	k.cgroup_id = cgroup_id;
	k.tgid = tgid;
	return k;
}

static void test_entries_grow_with_keys_and_stop_at_capacity(void **state)
{
	struct fixture *fx = *state;
	struct service_key k;

	/* No cgroup mount is read: every key here is a process key. */
	assert_int_equal(registry_init(&reg, &fx->cfg, "/nonexistent", CAPACITY, -1), 0);
	assert_int_equal(reg.entries_cap, 0);
	for (uint64_t i = 0; i < 300; i++) {
		k = key_of(1000 + i, (uint32_t)getpid());
		assert_non_null(registry_key(&reg, &k));
	}
	assert_int_equal(reg.n_entries, 300);
	assert_int_equal(reg.entries_cap, 512);
	/* The same key again is the same entry, not a new one. */
	k = key_of(1000, (uint32_t)getpid());
	assert_ptr_equal(registry_key(&reg, &k), &reg.entries[0]);
	for (uint64_t i = 300; i < CAPACITY; i++) {
		k = key_of(1000 + i, (uint32_t)getpid());
		assert_non_null(registry_key(&reg, &k));
	}
	assert_int_equal(reg.entries_cap, CAPACITY);
	k = key_of(5000, (uint32_t)getpid());
	assert_null(registry_key(&reg, &k));
	assert_int_equal(reg.keys_dropped, 1);
	registry_free(&reg);
}

static void test_removed_keys_leave_slots_that_are_reused(void **state)
{
	struct fixture *fx = *state;
	struct service_key k;
	unsigned forgotten = 0;

	assert_int_equal(registry_init(&reg, &fx->cfg, "/nonexistent", CAPACITY, -1), 0);
	for (uint64_t i = 0; i < 200; i++) {
		/* Every other key is of a process that does not exist. */
		k = key_of(1000 + i, i % 2 ? NO_SUCH_PID - (uint32_t)i : (uint32_t)getpid());
		assert_non_null(registry_key(&reg, &k));
	}
	/* Dead for two sweeps, then removed. */
	for (int sweep = 0; sweep < 3; sweep++) {
		registry_begin(&reg);
		registry_sweep(&reg);
		registry_remove_dead(&reg, forget, &forgotten);
	}
	assert_int_equal(forgotten, 100);
	for (uint64_t i = 0; i < 100; i++) {
		k = key_of(9000 + i, (uint32_t)getpid());
		assert_non_null(registry_key(&reg, &k));
	}
	assert_int_equal(reg.n_entries, 200);
	assert_int_equal(reg.entries_cap, 256);
	registry_free(&reg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_entries_grow_with_keys_and_stop_at_capacity,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_removed_keys_leave_slots_that_are_reused,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
