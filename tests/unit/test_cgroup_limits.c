// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests for user/cgroup_limits.c: cpu.max and memory.max parsing, the
 * walk up a cgroup2 tree taking the smallest limit, and finding the v1
 * controllers in mountinfo.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "collectors/cgroup_limits.h"

#define MIB (1024ULL * 1024)
#define GIB (1024 * MIB)
/* What cgroup v1 memory.limit_in_bytes shows for "no limit", 4 KiB and 64 KiB pages. */
#define V1_UNLIMITED_4K "9223372036854771712\n"
#define V1_UNLIMITED_64K "9223372036854710272\n"

#define assert_cores(got, want)						\
	do {								\
		double got_ = (got), want_ = (want);			\
		if (fabs(got_ - want_) > 1e-9)				\
			fail_msg("%g cores, want %g", got_, want_);	\
	} while (0)

/* ---- cpu.max ---- */

static void test_cpu_max_max_is_enoent(void **state)
{
	double cores = -1;

	(void)state;
	assert_int_equal(limits_parse_cpu_max("max 100000\n", &cores), -ENOENT);
	assert_int_equal(limits_parse_cpu_max("max 100000", &cores), -ENOENT);
	assert_cores(cores, -1);
}

static void test_cpu_max_half_a_core(void **state)
{
	double cores = -1;

	(void)state;
	assert_int_equal(limits_parse_cpu_max("50000 100000\n", &cores), 0);
	assert_cores(cores, 0.5);
}

static void test_cpu_max_more_than_one_core(void **state)
{
	double cores = -1;

	(void)state;
	assert_int_equal(limits_parse_cpu_max("150000 100000\n", &cores), 0);
	assert_cores(cores, 1.5);
	assert_int_equal(limits_parse_cpu_max("400000 100000\n", &cores), 0);
	assert_cores(cores, 4.0);
}

static void test_cpu_max_other_period(void **state)
{
	double cores = -1;

	(void)state;
	assert_int_equal(limits_parse_cpu_max("25000 50000\n", &cores), 0);
	assert_cores(cores, 0.5);
}

static void test_cpu_max_garbage_is_einval(void **state)
{
	static const char *const bad[] = {
		"", "\n", "garbage", "fifty thousand", "50000", "50000\n",
		"x 100000", "50000 y",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		double cores = -1;

		if (limits_parse_cpu_max(bad[i], &cores) != -EINVAL)
			fail_msg("'%s' is not -EINVAL", bad[i]);
		assert_cores(cores, -1);
	}
}

static void test_cpu_max_zero_period_is_einval(void **state)
{
	double cores = -1;

	(void)state;
	assert_int_equal(limits_parse_cpu_max("50000 0\n", &cores), -EINVAL);
	assert_cores(cores, -1);
}

/* ---- memory.max ---- */

static void test_memory_max_max_is_enoent(void **state)
{
	uint64_t bytes = 7;

	(void)state;
	assert_int_equal(limits_parse_memory_max("max\n", &bytes), -ENOENT);
	assert_int_equal(bytes, 7);
}

static void test_memory_max_bytes(void **state)
{
	uint64_t bytes = 7;

	(void)state;
	assert_int_equal(limits_parse_memory_max("67108864\n", &bytes), 0);
	assert_int_equal(bytes, 64 * MIB);
}

static void test_memory_max_zero_is_a_limit(void **state)
{
	uint64_t bytes = 7;

	(void)state;
	assert_int_equal(limits_parse_memory_max("0\n", &bytes), 0);
	assert_int_equal(bytes, 0);
}

static void test_memory_max_large_real_limit_is_kept(void **state)
{
	uint64_t bytes = 7;

	(void)state;
	/* 1 TiB: a big host, still a limit. */
	assert_int_equal(limits_parse_memory_max("1099511627776\n", &bytes), 0);
	assert_int_equal(bytes, 1024 * GIB);
}

static void test_memory_v1_unlimited_is_enoent(void **state)
{
	uint64_t bytes = 7;

	(void)state;
	assert_int_equal(limits_parse_memory_max(V1_UNLIMITED_4K, &bytes), -ENOENT);
	assert_int_equal(limits_parse_memory_max(V1_UNLIMITED_64K, &bytes), -ENOENT);
	assert_int_equal(bytes, 7);
}

static void test_memory_max_garbage_is_einval(void **state)
{
	static const char *const bad[] = { "", "\n", "garbage\n", "unlimited\n", "-" };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t bytes = 7;

		if (limits_parse_memory_max(bad[i], &bytes) != -EINVAL)
			fail_msg("'%s' is not -EINVAL", bad[i]);
		assert_int_equal(bytes, 7);
	}
}

static void test_memory_max_out_of_range_is_einval(void **state)
{
	uint64_t bytes = 7;

	(void)state;
	assert_int_equal(limits_parse_memory_max("99999999999999999999999\n", &bytes), -EINVAL);
	assert_int_equal(bytes, 7);
}

/* ---- limits_read over a temporary cgroup2 tree ---- */

struct tree {
	char root[64];		/* mkdtemp directory, removed afterwards */
	char mnt[128];		/* root/mnt: acts as the cgroup2 mount */
	struct limits_mounts m;
};

static int tree_setup(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	snprintf(t->root, sizeof(t->root), "/tmp/pantau-cglimits-XXXXXX");
	if (!mkdtemp(t->root)) {
		free(t);
		return -1;
	}
	snprintf(t->mnt, sizeof(t->mnt), "%s/mnt", t->root);
	if (mkdir(t->mnt, 0755)) {
		rmdir(t->root);
		free(t);
		return -1;
	}
	snprintf(t->m.cgroup2, sizeof(t->m.cgroup2), "%s", t->mnt);
	*state = t;
	return 0;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int tree_teardown(void **state)
{
	struct tree *t = *state;
	int ret = nftw(t->root, remove_one, 16, FTW_DEPTH | FTW_PHYS);

	free(t);
	return ret;
}

/* mkdir -p of rel under the mount. */
static void tree_mkdir(struct tree *t, const char *rel)
{
	char path[512], *p;

	snprintf(path, sizeof(path), "%s/%s", t->mnt, rel);
	for (p = path + strlen(t->mnt) + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) && errno != EEXIST)
			fail_msg("mkdir %s: %s", path, strerror(errno));
		*p = '/';
	}
	if (mkdir(path, 0755) && errno != EEXIST)
		fail_msg("mkdir %s: %s", path, strerror(errno));
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		fail_msg("cannot write %s: %s", path, strerror(errno));
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

/* Write file in the cgroup rel under the mount ("" for the mount itself). */
static void tree_write(struct tree *t, const char *rel, const char *file, const char *text)
{
	char path[512];

	if (rel[0]) {
		tree_mkdir(t, rel);
		snprintf(path, sizeof(path), "%s/%s/%s", t->mnt, rel, file);
	} else {
		snprintf(path, sizeof(path), "%s/%s", t->mnt, file);
	}
	write_file(path, text);
}

/* Garbage in out first: limits_read must set every field itself. */
static void read_limits(struct tree *t, const char *cg_path, struct service_limits *out)
{
	memset(out, 0xa5, sizeof(*out));
	limits_read(&t->m, cg_path, 0, out);
}

static void test_read_parent_smaller_memory_limit_wins(void **state)
{
	struct tree *t = *state;
	struct service_limits l;

	tree_write(t, "a", "memory.max", "1073741824\n");
	tree_write(t, "a/b", "memory.max", "2147483648\n");
	read_limits(t, "/a/b", &l);
	assert_true(l.memory_set);
	assert_int_equal(l.memory_bytes, GIB);
	assert_false(l.cpu_set);
}

static void test_read_child_smaller_memory_limit_wins(void **state)
{
	struct tree *t = *state;
	struct service_limits l;

	tree_write(t, "a", "memory.max", "2147483648\n");
	tree_write(t, "a/b", "memory.max", "1073741824\n");
	read_limits(t, "/a/b", &l);
	assert_true(l.memory_set);
	assert_int_equal(l.memory_bytes, GIB);
}

static void test_read_child_max_inherits_parent_limit(void **state)
{
	struct tree *t = *state;
	struct service_limits l;

	tree_write(t, "a", "memory.max", "1073741824\n");
	tree_write(t, "a", "cpu.max", "200000 100000\n");
	tree_write(t, "a/b", "memory.max", "max\n");
	tree_write(t, "a/b", "cpu.max", "max 100000\n");
	read_limits(t, "/a/b", &l);
	assert_true(l.memory_set);
	assert_int_equal(l.memory_bytes, GIB);
	assert_true(l.cpu_set);
	assert_cores(l.cpu_cores, 2.0);
}

static void test_read_grandparent_limit_applies(void **state)
{
	struct tree *t = *state;
	struct service_limits l;

	tree_write(t, "a", "memory.max", "67108864\n");
	tree_write(t, "a/b", "memory.max", "max\n");
	tree_write(t, "a/b/c", "memory.max", "1073741824\n");
	read_limits(t, "/a/b/c", &l);
	assert_true(l.memory_set);
	assert_int_equal(l.memory_bytes, 64 * MIB);
}

static void test_read_smallest_cpu_quota_on_the_way_up_wins(void **state)
{
	struct tree *t = *state;
	struct service_limits l;

	tree_write(t, "a", "cpu.max", "300000 100000\n");
	tree_write(t, "a/b", "cpu.max", "50000 100000\n");
	tree_write(t, "a/b/c", "cpu.max", "150000 100000\n");
	read_limits(t, "/a/b/c", &l);
	assert_true(l.cpu_set);
	assert_cores(l.cpu_cores, 0.5);
	assert_false(l.memory_set);
}

static void test_read_cpu_and_memory_limits_from_different_levels(void **state)
{
	struct tree *t = *state;
	struct service_limits l;

	tree_write(t, "a", "cpu.max", "100000 100000\n");
	tree_write(t, "a/b", "memory.max", "67108864\n");
	read_limits(t, "/a/b", &l);
	assert_true(l.cpu_set);
	assert_cores(l.cpu_cores, 1.0);
	assert_true(l.memory_set);
	assert_int_equal(l.memory_bytes, 64 * MIB);
}

static void test_read_limit_at_mount_root_applies(void **state)
{
	struct tree *t = *state;
	struct service_limits l;

	tree_write(t, "", "memory.max", "67108864\n");
	tree_mkdir(t, "a/b");
	read_limits(t, "/a/b", &l);
	assert_true(l.memory_set);
	assert_int_equal(l.memory_bytes, 64 * MIB);
}

static void test_read_without_files_sets_nothing(void **state)
{
	struct tree *t = *state;
	struct service_limits l;

	tree_mkdir(t, "a/b");
	read_limits(t, "/a/b", &l);
	assert_false(l.cpu_set);
	assert_false(l.memory_set);
}

static void test_read_missing_cgroup_directory_sets_nothing(void **state)
{
	struct tree *t = *state;
	struct service_limits l;

	read_limits(t, "/gone/away", &l);
	assert_false(l.cpu_set);
	assert_false(l.memory_set);
}

static void test_read_only_max_everywhere_sets_nothing(void **state)
{
	struct tree *t = *state;
	struct service_limits l;

	tree_write(t, "a", "memory.max", "max\n");
	tree_write(t, "a", "cpu.max", "max 100000\n");
	tree_write(t, "a/b", "memory.max", "max\n");
	tree_write(t, "a/b", "cpu.max", "max 100000\n");
	read_limits(t, "/a/b", &l);
	assert_false(l.cpu_set);
	assert_false(l.memory_set);
}

static void test_read_unparsable_file_is_ignored(void **state)
{
	struct tree *t = *state;
	struct service_limits l;

	tree_write(t, "a", "memory.max", "1073741824\n");
	tree_write(t, "a/b", "memory.max", "garbage\n");
	tree_write(t, "a/b", "cpu.max", "50000 0\n");
	read_limits(t, "/a/b", &l);
	assert_true(l.memory_set);
	assert_int_equal(l.memory_bytes, GIB);
	assert_false(l.cpu_set);
}

static void test_read_sibling_limits_do_not_apply(void **state)
{
	struct tree *t = *state;
	struct service_limits l;

	tree_write(t, "a/b", "memory.max", "1073741824\n");
	tree_write(t, "a/c", "memory.max", "67108864\n");
	tree_write(t, "a/bb", "memory.max", "67108864\n");
	read_limits(t, "/a/b", &l);
	assert_true(l.memory_set);
	assert_int_equal(l.memory_bytes, GIB);
}

static void test_read_does_not_look_above_the_mount(void **state)
{
	struct tree *t = *state;
	struct service_limits l;
	char path[256];

	/* A limit in the directory holding the mount is not a cgroup's. */
	snprintf(path, sizeof(path), "%s/memory.max", t->root);
	write_file(path, "67108864\n");
	snprintf(path, sizeof(path), "%s/cpu.max", t->root);
	write_file(path, "50000 100000\n");
	tree_mkdir(t, "a");
	read_limits(t, "/a", &l);
	assert_false(l.memory_set);
	assert_false(l.cpu_set);
}

static void test_read_trailing_slash_in_path(void **state)
{
	struct tree *t = *state;
	struct service_limits l;

	tree_write(t, "a", "memory.max", "1073741824\n");
	tree_write(t, "a/b", "memory.max", "67108864\n");
	read_limits(t, "/a/b/", &l);
	assert_true(l.memory_set);
	assert_int_equal(l.memory_bytes, 64 * MIB);
}

static void test_read_root_cgroup_path(void **state)
{
	struct tree *t = *state;
	struct service_limits l;

	tree_write(t, "", "memory.max", "67108864\n");
	tree_write(t, "a", "memory.max", "1048576\n");
	read_limits(t, "/", &l);
	assert_true(l.memory_set);
	assert_int_equal(l.memory_bytes, 64 * MIB);
	assert_false(l.cpu_set);
}

static void test_read_pid_zero_ignores_v1_controllers(void **state)
{
	struct tree *t = *state;
	struct service_limits l;

	/* v1 hierarchies with limits at their roots: pid 0 never reads them. */
	tree_write(t, "v1mem", "memory.limit_in_bytes", "67108864\n");
	tree_write(t, "v1cpu", "cpu.cfs_quota_us", "50000\n");
	tree_write(t, "v1cpu", "cpu.cfs_period_us", "100000\n");
	snprintf(t->m.v1_memory, sizeof(t->m.v1_memory), "%s/v1mem", t->mnt);
	snprintf(t->m.v1_cpu, sizeof(t->m.v1_cpu), "%s/v1cpu", t->mnt);
	tree_mkdir(t, "svc");
	memset(&l, 0xa5, sizeof(l));
	limits_read(&t->m, "/svc", 0, &l);
	assert_false(l.memory_set);
	assert_false(l.cpu_set);
}

/* ---- v1 controllers in mountinfo ---- */

struct mountinfo_file {
	char path[64];
};

static void write_mountinfo(struct mountinfo_file *mf, const char *text)
{
	FILE *f;
	int fd;

	snprintf(mf->path, sizeof(mf->path), "/tmp/pantau-mountinfo-XXXXXX");
	fd = mkstemp(mf->path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

static int mounts_from(struct limits_mounts *m, const char *cgroup2, const char *text)
{
	struct mountinfo_file mf;
	int ret;

	write_mountinfo(&mf, text);
	ret = limits_mounts_init(m, cgroup2, mf.path);
	unlink(mf.path);
	return ret;
}

#define MI_ROOT "22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n"
#define MI_TMPFS "31 22 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec - tmpfs tmpfs ro,mode=755\n"
#define MI_SYSTEMD "33 31 0:27 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime - cgroup cgroup rw,xattr,name=systemd\n"
#define MI_UNIFIED "34 31 0:28 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"

static void test_mounts_init_hybrid_finds_v1_cpu_and_memory(void **state)
{
	struct limits_mounts m;

	(void)state;
	assert_int_equal(mounts_from(&m, "/sys/fs/cgroup/unified",
		MI_ROOT MI_TMPFS MI_SYSTEMD MI_UNIFIED
		"32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
		"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"), 0);
	assert_string_equal(m.cgroup2, "/sys/fs/cgroup/unified");
	assert_string_equal(m.v1_cpu, "/sys/fs/cgroup/cpu");
	assert_string_equal(m.v1_memory, "/sys/fs/cgroup/memory");
}

static void test_mounts_init_combined_cpu_cpuacct_is_the_cpu_controller(void **state)
{
	struct limits_mounts m;

	(void)state;
	assert_int_equal(mounts_from(&m, "/sys/fs/cgroup/unified",
		MI_ROOT MI_TMPFS MI_SYSTEMD MI_UNIFIED
		"36 31 0:30 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:12 - cgroup cgroup rw,cpu,cpuacct\n"
		"37 31 0:31 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,memory\n"), 0);
	assert_string_equal(m.v1_cpu, "/sys/fs/cgroup/cpu,cpuacct");
	assert_string_equal(m.v1_memory, "/sys/fs/cgroup/memory");
}

static void test_mounts_init_cpuacct_first_in_options_still_cpu(void **state)
{
	struct limits_mounts m;

	(void)state;
	assert_int_equal(mounts_from(&m, "/sys/fs/cgroup/unified",
		"36 31 0:30 / /sys/fs/cgroup/cpuacct,cpu rw,relatime - cgroup cgroup rw,cpuacct,cpu\n"), 0);
	assert_string_equal(m.v1_cpu, "/sys/fs/cgroup/cpuacct,cpu");
	assert_string_equal(m.v1_memory, "");
}

static void test_mounts_init_unified_host_has_no_v1_controllers(void **state)
{
	struct limits_mounts m;

	(void)state;
	assert_int_equal(mounts_from(&m, "/sys/fs/cgroup",
		MI_ROOT
		"23 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw\n"
		"26 22 0:24 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n"), 0);
	assert_string_equal(m.cgroup2, "/sys/fs/cgroup");
	assert_string_equal(m.v1_cpu, "");
	assert_string_equal(m.v1_memory, "");
}

static void test_mounts_init_cpuset_and_cpuacct_are_not_cpu(void **state)
{
	struct limits_mounts m;

	(void)state;
	assert_int_equal(mounts_from(&m, "/sys/fs/cgroup/unified",
		"38 31 0:33 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
		"39 31 0:34 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
		"40 31 0:35 / /sys/fs/cgroup/net_cls,net_prio rw,relatime - cgroup cgroup rw,net_cls,net_prio\n"), 0);
	assert_string_equal(m.v1_cpu, "");
	assert_string_equal(m.v1_memory, "");
}

static void test_mounts_init_controller_name_in_mountpoint_does_not_count(void **state)
{
	struct limits_mounts m;

	(void)state;
	/* Only the super options name the controllers, not the path. */
	assert_int_equal(mounts_from(&m, "/sys/fs/cgroup/unified",
		"41 31 0:36 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,pids\n"
		"42 31 0:37 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,blkio\n"), 0);
	assert_string_equal(m.v1_cpu, "");
	assert_string_equal(m.v1_memory, "");
}

static void test_mounts_init_first_mount_of_a_controller_wins(void **state)
{
	struct limits_mounts m;

	(void)state;
	assert_int_equal(mounts_from(&m, "/sys/fs/cgroup/unified",
		"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
		"90 22 0:32 / /mnt/memory rw,relatime - cgroup cgroup rw,memory\n"), 0);
	assert_string_equal(m.v1_memory, "/sys/fs/cgroup/memory");
}

static void test_mounts_init_line_without_newline_at_end(void **state)
{
	struct limits_mounts m;

	(void)state;
	assert_int_equal(mounts_from(&m, "/sys/fs/cgroup/unified",
		"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory"), 0);
	assert_string_equal(m.v1_memory, "/sys/fs/cgroup/memory");
}

/*
 * mountinfo escapes a space in a mount point as \040 (as
 * cgroup2_mount_find in services.c handles): the path must come out
 * usable, with the space.
 */
static void test_mounts_init_unescapes_octal_space_in_v1_mountpoint(void **state)
{
	struct limits_mounts m;

	(void)state;
	assert_int_equal(mounts_from(&m, "/sys/fs/cgroup/unified",
		"35 31 0:32 / /mnt/my\\040memory rw,relatime - cgroup cgroup rw,memory\n"), 0);
	assert_string_equal(m.v1_memory, "/mnt/my memory");
}

static void test_mounts_init_missing_file_is_enoent_with_cgroup2_kept(void **state)
{
	struct limits_mounts m;

	(void)state;
	memset(&m, 0xa5, sizeof(m));
	assert_int_equal(limits_mounts_init(&m, "/sys/fs/cgroup",
					    "/nonexistent/pantau/mountinfo"), -ENOENT);
	assert_string_equal(m.cgroup2, "/sys/fs/cgroup");
	assert_string_equal(m.v1_cpu, "");
	assert_string_equal(m.v1_memory, "");
}

static void test_v1_path_of_controller_in_a_joined_hierarchy(void **state)
{
	char text[] = "12:pids:/\n4:cpu,cpuacct:/docker/abc\n3:memory:/docker/abc\n0::/\n";
	char out[64];

	(void)state;
	assert_int_equal(limits_v1_path_parse(text, "cpu", out, sizeof(out)), 0);
	assert_string_equal(out, "/docker/abc");
}

static void test_v1_path_needs_the_whole_controller_name(void **state)
{
	char text[] = "4:cpuacct,cpuset:/a\n0::/b\n";
	char out[64];

	(void)state;
	assert_int_equal(limits_v1_path_parse(text, "cpu", out, sizeof(out)), -ENOENT);
}

static void test_v1_path_too_long_for_out(void **state)
{
	char text[] = "3:memory:/docker/abc\n";
	char out[8];

	(void)state;
	assert_int_equal(limits_v1_path_parse(text, "memory", out, sizeof(out)), -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpu_max_max_is_enoent),
		cmocka_unit_test(test_cpu_max_half_a_core),
		cmocka_unit_test(test_cpu_max_more_than_one_core),
		cmocka_unit_test(test_cpu_max_other_period),
		cmocka_unit_test(test_cpu_max_garbage_is_einval),
		cmocka_unit_test(test_cpu_max_zero_period_is_einval),
		cmocka_unit_test(test_memory_max_max_is_enoent),
		cmocka_unit_test(test_memory_max_bytes),
		cmocka_unit_test(test_memory_max_zero_is_a_limit),
		cmocka_unit_test(test_memory_max_large_real_limit_is_kept),
		cmocka_unit_test(test_memory_v1_unlimited_is_enoent),
		cmocka_unit_test(test_memory_max_garbage_is_einval),
		cmocka_unit_test(test_memory_max_out_of_range_is_einval),
		cmocka_unit_test_setup_teardown(test_read_parent_smaller_memory_limit_wins,
						tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_read_child_smaller_memory_limit_wins,
						tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_read_child_max_inherits_parent_limit,
						tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_read_grandparent_limit_applies,
						tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_read_smallest_cpu_quota_on_the_way_up_wins,
						tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_read_cpu_and_memory_limits_from_different_levels,
						tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_read_limit_at_mount_root_applies,
						tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_read_without_files_sets_nothing,
						tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_read_missing_cgroup_directory_sets_nothing,
						tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_read_only_max_everywhere_sets_nothing,
						tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_read_unparsable_file_is_ignored,
						tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_read_sibling_limits_do_not_apply,
						tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_read_does_not_look_above_the_mount,
						tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_read_trailing_slash_in_path,
						tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_read_root_cgroup_path,
						tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_read_pid_zero_ignores_v1_controllers,
						tree_setup, tree_teardown),
		cmocka_unit_test(test_mounts_init_hybrid_finds_v1_cpu_and_memory),
		cmocka_unit_test(test_mounts_init_combined_cpu_cpuacct_is_the_cpu_controller),
		cmocka_unit_test(test_mounts_init_cpuacct_first_in_options_still_cpu),
		cmocka_unit_test(test_mounts_init_unified_host_has_no_v1_controllers),
		cmocka_unit_test(test_mounts_init_cpuset_and_cpuacct_are_not_cpu),
		cmocka_unit_test(test_mounts_init_controller_name_in_mountpoint_does_not_count),
		cmocka_unit_test(test_mounts_init_first_mount_of_a_controller_wins),
		cmocka_unit_test(test_mounts_init_line_without_newline_at_end),
		cmocka_unit_test(test_mounts_init_unescapes_octal_space_in_v1_mountpoint),
		cmocka_unit_test(test_mounts_init_missing_file_is_enoent_with_cgroup2_kept),
		cmocka_unit_test(test_v1_path_of_controller_in_a_joined_hierarchy),
		cmocka_unit_test(test_v1_path_needs_the_whole_controller_name),
		cmocka_unit_test(test_v1_path_too_long_for_out),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
