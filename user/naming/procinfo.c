// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "naming/procinfo.h"

#define STAT_FIELD_FLAGS 9
#define STAT_FIELD_STARTTIME 22
#define PF_KTHREAD 0x00200000

static ssize_t read_small_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		n = -errno;
	else
		buf[n] = '\0';
	close(fd);
	return n;
}

int proc_parse_stat(const char *text, struct proc_identity *id)
{
	const char *open = strchr(text, '('), *close = strrchr(text, ')'), *p;
	size_t comm_len;
	int field;

	/* comm may hold spaces and parentheses: it ends at the last ')'. */
	if (!open || !close || close < open)
		return -EINVAL;
	comm_len = (size_t)(close - open - 1);
	if (comm_len >= sizeof(id->comm))
		comm_len = sizeof(id->comm) - 1;
	memcpy(id->comm, open + 1, comm_len);
	id->comm[comm_len] = '\0';
	/* Field 3 (state) follows ") "; count fields up to starttime. */
	p = close + 1;
	for (field = 3; field <= STAT_FIELD_STARTTIME; field++) {
		while (*p == ' ')
			p++;
		if (!*p)
			return -EINVAL;
		if (field == STAT_FIELD_FLAGS || field == STAT_FIELD_STARTTIME) {
			unsigned long long v;
			char *end;

			errno = 0;
			v = strtoull(p, &end, 10);
			if (errno || end == p)
				return -EINVAL;
			if (field == STAT_FIELD_FLAGS) {
				id->kernel_thread = (v & PF_KTHREAD) != 0;
			} else {
				id->start_ticks = v;
				return 0;
			}
		}
		while (*p && *p != ' ')
			p++;
	}
	return -EINVAL;
}

int proc_read_identity(const char *proc_root, uint32_t pid, struct proc_identity *id)
{
	char path[64], buf[1024];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%u/stat", proc_root, pid);
	n = read_small_file(path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	return proc_parse_stat(buf, id);
}

double proc_age_seconds(uint64_t start_ticks)
{
	long hz = sysconf(_SC_CLK_TCK);
	struct timespec now;

	/* starttime counts clock ticks since boot, as CLOCK_BOOTTIME does. */
	clock_gettime(CLOCK_BOOTTIME, &now);
	return (double)now.tv_sec + now.tv_nsec / 1e9 - (double)start_ticks / (double)hz;
}

int proc_parse_cgroup2_path(char *text, char *out, size_t len)
{
	char *line, *save = NULL;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "0::", 3) != 0)
			continue;
		/* A cgroup removed under a live process reads "/path (deleted)". */
		if ((size_t)snprintf(out, len, "%s", line + 3) >= len)
			return -ENAMETOOLONG;
		return 0;
	}
	return -ENOENT;
}

int proc_read_cgroup2_path(const char *proc_root, uint32_t pid, char *out, size_t len)
{
	char path[64], buf[4096];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%u/cgroup", proc_root, pid);
	n = read_small_file(path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	return proc_parse_cgroup2_path(buf, out, len);
}

bool cgroup_populated(const char *cgroup_dir)
{
	char path[PATH_MAX + 32], buf[256];
	const char *p;

	if ((size_t)snprintf(path, sizeof(path), "%s/cgroup.events", cgroup_dir) >= sizeof(path))
		return false;
	if (read_small_file(path, buf, sizeof(buf)) < 0)
		return false;
	p = strstr(buf, "populated ");
	return p && p[10] == '1';
}

int proc_parse_faults(const char *text, uint64_t *min_flt, uint64_t *maj_flt)
{
	unsigned long long minf, majf;
	const char *close = strrchr(text, ')');

	/*
	 * After ") ": state ppid pgrp session tty tpgid flags minflt cminflt
	 * majflt. A text that ends at the ')' has no ") " to skip.
	 */
	if (!close || !close[1] || sscanf(close + 2, "%*c %*d %*d %*d %*d %*d %*u %llu %*u %llu",
			     &minf, &majf) != 2)
		return -EINVAL;
	*min_flt = minf;
	*maj_flt = majf;
	return 0;
}

int proc_read_memory(const char *proc_root, uint32_t pid, uint64_t *rss_bytes,
		     uint64_t *min_flt, uint64_t *maj_flt)
{
	unsigned long long size, resident;
	char path[64], buf[1024];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%u/statm", proc_root, pid);
	n = read_small_file(path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	if (sscanf(buf, "%llu %llu", &size, &resident) != 2)
		return -EINVAL;
	*rss_bytes = resident * (uint64_t)sysconf(_SC_PAGESIZE);
	snprintf(path, sizeof(path), "%s/%u/stat", proc_root, pid);
	n = read_small_file(path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	return proc_parse_faults(buf, min_flt, maj_flt);
}
