// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <stdbool.h>
#include "collectors/host.h"
#include "lib/mountinfo.h"

#define MOUNTINFO_MAX_LINES 100000

int host_parse_meminfo(const char *text, uint64_t *total, uint64_t *available)
{
	const char *t = strstr(text, "MemTotal:"), *a = strstr(text, "MemAvailable:");
	unsigned long long kb;

	if (!t || !a)
		return -EINVAL;
	if (sscanf(t, "MemTotal: %llu kB", &kb) != 1)
		return -EINVAL;
	*total = kb * 1024;
	if (sscanf(a, "MemAvailable: %llu kB", &kb) != 1)
		return -EINVAL;
	*available = kb * 1024;
	return 0;
}

/*
 * Only local filesystems on a block device: statfs of a network mount can
 * hang a scrape for as long as the server is away, and pseudo filesystems
 * (proc, cgroup, tmpfs...) do not run out in the sense alerts care about.
 */
int host_fs_is_local(const char *fstype, const char *source)
{
	static const char *const local[] = {
		"ext2", "ext3", "ext4", "xfs", "btrfs", "vfat", "exfat", "f2fs",
		"ntfs", "ntfs3", "jfs", "reiserfs", "zfs", "bcachefs",
	};

	/* zfs datasets are named pool/dataset, not /dev/...: allow them. */
	if (strncmp(source, "/dev/", 5) != 0 && strcmp(fstype, "zfs") != 0)
		return 0;
	for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++)
		if (strcmp(fstype, local[i]) == 0)
			return 1;
	return 0;
}

int host_mount_parse(char *line, struct host_mount *m)
{
	char *sep = strstr(line, " - "), *fields[5], *save = NULL, *p = line;
	int i;

	if (!sep || sscanf(sep + 3, "%63s %255s", m->fstype, m->source) != 2)
		return -ENOENT;
	*sep = '\0';
	for (i = 0; i < 5 && (fields[i] = strtok_r(p, " ", &save)); i++)
		p = NULL;
	if (i < 5 || !host_fs_is_local(m->fstype, m->source))
		return -ENOENT;
	mountinfo_unescape(fields[4]);
	m->devno = fields[2];
	m->mountpoint = fields[4];
	return 0;
}

static void read_filesystems(struct host_totals *h, const char *proc_root)
{
	char path[128], line[4096], seen[HOST_MAX_FILESYSTEMS][32];
	FILE *f;

	snprintf(path, sizeof(path), "%s/self/mountinfo", proc_root);
	f = fopen(path, "re");
	if (!f)
		return;
	for (int n = 0; n < MOUNTINFO_MAX_LINES && h->n_fs < HOST_MAX_FILESYSTEMS &&
	     fgets(line, sizeof(line), f); n++) {
		struct host_mount m;
		struct host_fs *fs;
		struct statvfs st;
		bool dup = false;

		if (host_mount_parse(line, &m))
			continue;
		/* A filesystem mounted twice (bind mounts) is reported once. */
		for (size_t k = 0; k < h->n_fs; k++)
			dup |= strcmp(seen[k], m.devno) == 0;
		if (dup)
			continue;
		if (statvfs(m.mountpoint, &st))
			continue;
		fs = &h->fs[h->n_fs];
		snprintf(seen[h->n_fs], sizeof(seen[0]), "%s", m.devno);
		/* source holds at most 255 bytes; gcc cannot tell through the struct. */
		snprintf(fs->device, sizeof(fs->device), "%.255s",
			 m.source + (strncmp(m.source, "/dev/", 5) ? 0 : 5));
		snprintf(fs->mountpoint, sizeof(fs->mountpoint), "%s", m.mountpoint);
		snprintf(fs->fstype, sizeof(fs->fstype), "%s", m.fstype);
		fs->size_bytes = (uint64_t)st.f_blocks * st.f_frsize;
		fs->avail_bytes = (uint64_t)st.f_bavail * st.f_frsize;
		h->n_fs++;
	}
	fclose(f);
}

int host_read(struct host_totals *h, const char *proc_root)
{
	char path[128], buf[8192];
	ssize_t n;
	int fd;

	memset(h, 0, sizeof(*h));
	h->cpus = sysconf(_SC_NPROCESSORS_ONLN);
	snprintf(path, sizeof(path), "%s/meminfo", proc_root);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	read_filesystems(h, proc_root);
	return host_parse_meminfo(buf, &h->memory_total_bytes, &h->memory_available_bytes);
}
