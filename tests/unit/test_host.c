// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests for user/host.c: /proc/meminfo parsing, which filesystems
 * count as local, and host_read over a fake proc root.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "collectors/host.h"

/* The start of a real /proc/meminfo (6.1 kernel, 16 GiB host). */
#define MEMINFO \
	"MemTotal:       16303544 kB\n" \
	"MemFree:         1178996 kB\n" \
	"MemAvailable:   11022784 kB\n" \
	"Buffers:          498112 kB\n" \
	"Cached:          9128400 kB\n" \
	"SwapCached:            0 kB\n" \
	"Active:          5125632 kB\n" \
	"Inactive:        8339684 kB\n" \
	"SwapTotal:       1003516 kB\n" \
	"SwapFree:        1003516 kB\n" \
	"Dirty:               420 kB\n" \
	"HugePages_Total:       0\n" \
	"Hugepagesize:       2048 kB\n" \
	"DirectMap4k:      390964 kB\n" \
	"DirectMap2M:    16306176 kB\n"

/* ---- meminfo ---- */

static void test_meminfo_converts_kb_to_bytes(void **state)
{
	uint64_t total = 0, avail = 0;

	(void)state;
	assert_int_equal(host_parse_meminfo(MEMINFO, &total, &avail), 0);
	assert_int_equal(total, 16303544ULL * 1024);
	assert_int_equal(avail, 11022784ULL * 1024);
}

static void test_meminfo_large_host_does_not_overflow(void **state)
{
	uint64_t total = 0, avail = 0;

	(void)state;
	/* 6 TiB, more than 32 bits of kB times 1024. */
	assert_int_equal(host_parse_meminfo("MemTotal:       6442450944 kB\n"
					    "MemFree:        4294967296 kB\n"
					    "MemAvailable:   5368709120 kB\n",
					    &total, &avail), 0);
	assert_int_equal(total, 6442450944ULL * 1024);
	assert_int_equal(avail, 5368709120ULL * 1024);
}

static void test_meminfo_without_memavailable_is_einval(void **state)
{
	uint64_t total = 7, avail = 7;

	(void)state;
	/* Kernels before 3.14 have no MemAvailable. */
	assert_int_equal(host_parse_meminfo("MemTotal:       16303544 kB\n"
					    "MemFree:         1178996 kB\n"
					    "Buffers:          498112 kB\n"
					    "Cached:          9128400 kB\n",
					    &total, &avail), -EINVAL);
	assert_int_equal(avail, 7);
}

static void test_meminfo_without_memtotal_is_einval(void **state)
{
	uint64_t total = 7, avail = 7;

	(void)state;
	assert_int_equal(host_parse_meminfo("MemFree:         1178996 kB\n"
					    "MemAvailable:   11022784 kB\n",
					    &total, &avail), -EINVAL);
	assert_int_equal(total, 7);
	assert_int_equal(avail, 7);
}

static void test_meminfo_empty_text_is_einval(void **state)
{
	uint64_t total = 7, avail = 7;

	(void)state;
	assert_int_equal(host_parse_meminfo("", &total, &avail), -EINVAL);
	assert_int_equal(total, 7);
	assert_int_equal(avail, 7);
}

static void test_meminfo_value_not_a_number_is_einval(void **state)
{
	uint64_t total = 7, avail = 7;

	(void)state;
	assert_int_equal(host_parse_meminfo("MemTotal:       lots kB\n"
					    "MemAvailable:   11022784 kB\n",
					    &total, &avail), -EINVAL);
	assert_int_equal(host_parse_meminfo("MemTotal:       16303544 kB\n"
					    "MemAvailable:   some kB\n",
					    &total, &avail), -EINVAL);
}

/* ---- local filesystems ---- */

static void test_fs_ext4_on_block_device_is_local(void **state)
{
	(void)state;
	assert_true(host_fs_is_local("ext4", "/dev/vda"));
	assert_true(host_fs_is_local("ext4", "/dev/vda1"));
	assert_true(host_fs_is_local("ext4", "/dev/sda2"));
	assert_true(host_fs_is_local("ext4", "/dev/mapper/vg0-root"));
	assert_true(host_fs_is_local("ext4", "/dev/root"));
}

static void test_fs_xfs_on_nvme_is_local(void **state)
{
	(void)state;
	assert_true(host_fs_is_local("xfs", "/dev/nvme0n1p1"));
}

static void test_fs_every_disk_type_on_block_device_is_local(void **state)
{
	static const char *const types[] = {
		"ext2", "ext3", "ext4", "xfs", "btrfs", "vfat", "exfat", "f2fs",
		"ntfs", "ntfs3", "jfs", "reiserfs", "bcachefs",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!host_fs_is_local(types[i], "/dev/sdb1"))
			fail_msg("%s on /dev/sdb1 is not local", types[i]);
}

static void test_fs_pseudo_filesystems_are_not_local(void **state)
{
	static const char *const pseudo[][2] = {
		{ "tmpfs", "tmpfs" }, { "proc", "proc" }, { "sysfs", "sysfs" },
		{ "devtmpfs", "udev" }, { "cgroup2", "cgroup2" }, { "cgroup", "cgroup" },
		{ "overlay", "overlay" }, { "devpts", "devpts" }, { "mqueue", "mqueue" },
		{ "bpf", "bpf" }, { "tracefs", "tracefs" }, { "debugfs", "debugfs" },
		{ "squashfs", "/dev/loop0" }, { "tmpfs", "/dev/shm" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(pseudo) / sizeof(pseudo[0]); i++)
		if (host_fs_is_local(pseudo[i][0], pseudo[i][1]))
			fail_msg("%s on %s is local", pseudo[i][0], pseudo[i][1]);
}

static void test_fs_network_filesystems_are_not_local(void **state)
{
	static const char *const net[][2] = {
		{ "nfs", "fileserver:/export/home" }, { "nfs4", "10.0.0.5:/data" },
		{ "cifs", "//fileserver/share" }, { "smb3", "//fileserver/share" },
		{ "fuse.sshfs", "user@host:/srv" }, { "ceph", "10.0.0.1:6789:/" },
		{ "9p", "hostshare" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(net) / sizeof(net[0]); i++)
		if (host_fs_is_local(net[i][0], net[i][1]))
			fail_msg("%s on %s is local", net[i][0], net[i][1]);
}

static void test_fs_zfs_dataset_is_local(void **state)
{
	(void)state;
	assert_true(host_fs_is_local("zfs", "pool/data"));
	assert_true(host_fs_is_local("zfs", "rpool/ROOT/debian"));
	assert_true(host_fs_is_local("zfs", "tank"));
}

static void test_fs_disk_type_without_device_source_is_not_local(void **state)
{
	(void)state;
	assert_false(host_fs_is_local("ext4", "none"));
	assert_false(host_fs_is_local("xfs", "none"));
	assert_false(host_fs_is_local("btrfs", ""));
	assert_false(host_fs_is_local("ext4", "dev/sda1"));
	assert_false(host_fs_is_local("ext4", "/devices/sda1"));
}

static void test_fs_type_must_match_exactly(void **state)
{
	(void)state;
	assert_false(host_fs_is_local("ext", "/dev/sda1"));
	assert_false(host_fs_is_local("ext4x", "/dev/sda1"));
	assert_false(host_fs_is_local("EXT4", "/dev/sda1"));
	assert_false(host_fs_is_local("", "/dev/sda1"));
	assert_false(host_fs_is_local("zfs_member", "pool/data"));
}

/* ---- host_read over a fake proc root ---- */

struct fake_proc {
	char root[64];		/* the proc root, also holding mount points */
	char self[96];
};

static int fake_setup(void **state)
{
	struct fake_proc *fp = calloc(1, sizeof(*fp));

	if (!fp)
		return -1;
	snprintf(fp->root, sizeof(fp->root), "/tmp/pantau-host-XXXXXX");
	if (!mkdtemp(fp->root)) {
		free(fp);
		return -1;
	}
	snprintf(fp->self, sizeof(fp->self), "%s/self", fp->root);
	if (mkdir(fp->self, 0755)) {
		rmdir(fp->root);
		free(fp);
		return -1;
	}
	*state = fp;
	return 0;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int fake_teardown(void **state)
{
	struct fake_proc *fp = *state;
	int ret = nftw(fp->root, remove_one, 16, FTW_DEPTH | FTW_PHYS);

	free(fp);
	return ret;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		fail_msg("cannot write %s: %s", path, strerror(errno));
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

static void fake_meminfo(struct fake_proc *fp, const char *text)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/meminfo", fp->root);
	write_file(path, text);
}

/* A directory under the fake root to name as a mount point; its path in out. */
static void fake_dir(struct fake_proc *fp, const char *name, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", fp->root, name);
	assert_int_equal(mkdir(out, 0755), 0);
}

static void fake_mountinfo(struct fake_proc *fp, const char *text)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/mountinfo", fp->self);
	write_file(path, text);
}

static void test_read_takes_memory_from_proc_root(void **state)
{
	struct fake_proc *fp = *state;
	struct host_totals *h = calloc(1, sizeof(*h));

	assert_non_null(h);
	fake_meminfo(fp, MEMINFO);
	fake_mountinfo(fp, "");
	assert_int_equal(host_read(h, fp->root), 0);
	assert_int_equal(h->memory_total_bytes, 16303544ULL * 1024);
	assert_int_equal(h->memory_available_bytes, 11022784ULL * 1024);
	assert_true(h->cpus >= 1);
	assert_int_equal(h->n_fs, 0);
	free(h);
}

static void test_read_without_meminfo_is_enoent(void **state)
{
	struct fake_proc *fp = *state;
	struct host_totals *h = calloc(1, sizeof(*h));

	assert_non_null(h);
	assert_int_equal(host_read(h, fp->root), -ENOENT);
	free(h);
}

static void test_read_empty_meminfo_is_eio(void **state)
{
	struct fake_proc *fp = *state;
	struct host_totals *h = calloc(1, sizeof(*h));

	assert_non_null(h);
	fake_meminfo(fp, "");
	assert_int_equal(host_read(h, fp->root), -EIO);
	free(h);
}

static void test_read_reports_local_filesystems_only(void **state)
{
	struct fake_proc *fp = *state;
	struct host_totals *h = calloc(1, sizeof(*h));
	char disk[128], tmp[128], nfs[128], text[2048];

	assert_non_null(h);
	fake_dir(fp, "disk", disk, sizeof(disk));
	fake_dir(fp, "tmp", tmp, sizeof(tmp));
	fake_dir(fp, "nfs", nfs, sizeof(nfs));
	snprintf(text, sizeof(text),
		 "23 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw\n"
		 "30 22 253:1 / %s rw,relatime shared:1 - ext4 /dev/vda1 rw\n"
		 "31 22 0:40 / %s rw,nosuid,nodev - tmpfs tmpfs rw\n"
		 "32 22 0:41 / %s rw,relatime - nfs4 server:/export rw,vers=4.2\n",
		 disk, tmp, nfs);
	fake_meminfo(fp, MEMINFO);
	fake_mountinfo(fp, text);
	assert_int_equal(host_read(h, fp->root), 0);
	assert_int_equal(h->n_fs, 1);
	assert_string_equal(h->fs[0].mountpoint, disk);
	assert_string_equal(h->fs[0].device, "vda1");
	assert_string_equal(h->fs[0].fstype, "ext4");
	assert_true(h->fs[0].size_bytes > 0);
	assert_true(h->fs[0].avail_bytes <= h->fs[0].size_bytes);
	free(h);
}

static void test_read_reports_bind_mounted_filesystem_once(void **state)
{
	struct fake_proc *fp = *state;
	struct host_totals *h = calloc(1, sizeof(*h));
	char a[128], b[128], c[128], text[2048];

	assert_non_null(h);
	fake_dir(fp, "a", a, sizeof(a));
	fake_dir(fp, "b", b, sizeof(b));
	fake_dir(fp, "c", c, sizeof(c));
	snprintf(text, sizeof(text),
		 "30 22 253:1 / %s rw,relatime - ext4 /dev/vda1 rw\n"
		 "31 22 253:1 /srv %s rw,relatime - ext4 /dev/vda1 rw\n"
		 "32 22 253:2 / %s rw,relatime - xfs /dev/vdb rw\n",
		 a, b, c);
	fake_meminfo(fp, MEMINFO);
	fake_mountinfo(fp, text);
	assert_int_equal(host_read(h, fp->root), 0);
	assert_int_equal(h->n_fs, 2);
	assert_string_equal(h->fs[0].mountpoint, a);
	assert_string_equal(h->fs[1].mountpoint, c);
	assert_string_equal(h->fs[1].device, "vdb");
	free(h);
}

static void test_read_skips_mount_point_that_cannot_be_reached(void **state)
{
	struct fake_proc *fp = *state;
	struct host_totals *h = calloc(1, sizeof(*h));
	char disk[128], text[2048];

	assert_non_null(h);
	fake_dir(fp, "disk", disk, sizeof(disk));
	snprintf(text, sizeof(text),
		 "30 22 253:1 / %s/gone rw,relatime - ext4 /dev/vda1 rw\n"
		 "31 22 253:2 / %s rw,relatime - ext4 /dev/vdb1 rw\n",
		 fp->root, disk);
	fake_meminfo(fp, MEMINFO);
	fake_mountinfo(fp, text);
	assert_int_equal(host_read(h, fp->root), 0);
	assert_int_equal(h->n_fs, 1);
	assert_string_equal(h->fs[0].mountpoint, disk);
	assert_string_equal(h->fs[0].device, "vdb1");
	free(h);
}

static void test_read_unescapes_space_in_mount_point(void **state)
{
	struct fake_proc *fp = *state;
	struct host_totals *h = calloc(1, sizeof(*h));
	char dir[128], text[2048];

	assert_non_null(h);
	fake_dir(fp, "my disk", dir, sizeof(dir));
	snprintf(text, sizeof(text),
		 "30 22 253:1 / %s/my\\040disk rw,relatime - ext4 /dev/vda1 rw\n", fp->root);
	fake_meminfo(fp, MEMINFO);
	fake_mountinfo(fp, text);
	assert_int_equal(host_read(h, fp->root), 0);
	assert_int_equal(h->n_fs, 1);
	assert_string_equal(h->fs[0].mountpoint, dir);
	free(h);
}

static void test_read_keeps_zfs_dataset_name_as_device(void **state)
{
	struct fake_proc *fp = *state;
	struct host_totals *h = calloc(1, sizeof(*h));
	char dir[128], text[2048];

	assert_non_null(h);
	fake_dir(fp, "data", dir, sizeof(dir));
	snprintf(text, sizeof(text),
		 "30 22 0:50 / %s rw,relatime - zfs pool/data rw,xattr,noacl\n", dir);
	fake_meminfo(fp, MEMINFO);
	fake_mountinfo(fp, text);
	assert_int_equal(host_read(h, fp->root), 0);
	assert_int_equal(h->n_fs, 1);
	assert_string_equal(h->fs[0].device, "pool/data");
	assert_string_equal(h->fs[0].fstype, "zfs");
	free(h);
}

static void test_read_stops_at_max_filesystems(void **state)
{
	struct fake_proc *fp = *state;
	struct host_totals *h = calloc(1, sizeof(*h));
	size_t len = 0, cap = (HOST_MAX_FILESYSTEMS + 8) * 160;
	char *text = malloc(cap);

	assert_non_null(h);
	assert_non_null(text);
	text[0] = '\0';
	/* Distinct devices all mounted on the (existing) proc root. */
	for (int i = 0; i < HOST_MAX_FILESYSTEMS + 8; i++)
		len += (size_t)snprintf(text + len, cap - len,
					"%d 22 8:%d / %s rw - ext4 /dev/sd%c rw\n",
					30 + i, i, fp->root, 'a' + i % 26);
	assert_true(len < cap);
	fake_meminfo(fp, MEMINFO);
	fake_mountinfo(fp, text);
	assert_int_equal(host_read(h, fp->root), 0);
	assert_int_equal(h->n_fs, HOST_MAX_FILESYSTEMS);
	free(text);
	free(h);
}

static void test_mount_parse_local_filesystem(void **state)
{
	char line[] = "61 28 254:17 / /srv/backup\\040disk rw,relatime shared:33 - ext4 /dev/vdb1 rw\n";
	struct host_mount m;

	(void)state;
	assert_int_equal(host_mount_parse(line, &m), 0);
	assert_string_equal(m.fstype, "ext4");
	assert_string_equal(m.source, "/dev/vdb1");
	assert_string_equal(m.devno, "254:17");
	assert_string_equal(m.mountpoint, "/srv/backup disk");
}

static void test_mount_parse_skips_pseudo_and_short_lines(void **state)
{
	char proc[] = "22 27 0:21 / /proc rw,relatime - proc proc rw\n";
	char shortl[] = "1 2 3 - ext4 /dev/vda rw\n", none[] = "garbage\n";
	struct host_mount m;

	(void)state;
	assert_int_equal(host_mount_parse(proc, &m), -ENOENT);
	assert_int_equal(host_mount_parse(shortl, &m), -ENOENT);
	assert_int_equal(host_mount_parse(none, &m), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mount_parse_local_filesystem),
		cmocka_unit_test(test_mount_parse_skips_pseudo_and_short_lines),
		cmocka_unit_test(test_meminfo_converts_kb_to_bytes),
		cmocka_unit_test(test_meminfo_large_host_does_not_overflow),
		cmocka_unit_test(test_meminfo_without_memavailable_is_einval),
		cmocka_unit_test(test_meminfo_without_memtotal_is_einval),
		cmocka_unit_test(test_meminfo_empty_text_is_einval),
		cmocka_unit_test(test_meminfo_value_not_a_number_is_einval),
		cmocka_unit_test(test_fs_ext4_on_block_device_is_local),
		cmocka_unit_test(test_fs_xfs_on_nvme_is_local),
		cmocka_unit_test(test_fs_every_disk_type_on_block_device_is_local),
		cmocka_unit_test(test_fs_pseudo_filesystems_are_not_local),
		cmocka_unit_test(test_fs_network_filesystems_are_not_local),
		cmocka_unit_test(test_fs_zfs_dataset_is_local),
		cmocka_unit_test(test_fs_disk_type_without_device_source_is_not_local),
		cmocka_unit_test(test_fs_type_must_match_exactly),
		cmocka_unit_test_setup_teardown(test_read_takes_memory_from_proc_root,
						fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_read_without_meminfo_is_enoent,
						fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_read_empty_meminfo_is_eio,
						fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_read_reports_local_filesystems_only,
						fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_read_reports_bind_mounted_filesystem_once,
						fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_read_skips_mount_point_that_cannot_be_reached,
						fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_read_unescapes_space_in_mount_point,
						fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_read_keeps_zfs_dataset_name_as_device,
						fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_read_stops_at_max_filesystems,
						fake_setup, fake_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
