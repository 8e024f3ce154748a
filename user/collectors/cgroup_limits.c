// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "collectors/cgroup_limits.h"
#include "lib/mountinfo.h"

#define MOUNTINFO_MAX_LINES 100000
/* cgroup v1 writes PAGE_COUNTER_MAX rounded to pages for "no limit". */
#define V1_MEMORY_UNLIMITED (1ULL << 62)
#define MAX_DEPTH 64

static int read_text(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

int limits_parse_cpu_max(const char *text, double *cores)
{
	unsigned long long quota, period;

	/* cgroup2 cpu.max: "max 100000" or "50000 100000". */
	if (strncmp(text, "max", 3) == 0)
		return -ENOENT;
	if (sscanf(text, "%llu %llu", &quota, &period) != 2 || !period)
		return -EINVAL;
	*cores = (double)quota / (double)period;
	return 0;
}

int limits_parse_memory_max(const char *text, uint64_t *bytes)
{
	unsigned long long v;
	char *end;

	if (strncmp(text, "max", 3) == 0)
		return -ENOENT;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno || end == text)
		return -EINVAL;
	if (v >= V1_MEMORY_UNLIMITED)
		return -ENOENT;
	*bytes = v;
	return 0;
}

void limits_mounts_read(struct limits_mounts *m, FILE *f)
{
	char line[4096];

	for (int n = 0; n < MOUNTINFO_MAX_LINES && fgets(line, sizeof(line), f); n++) {
		char *sep = strstr(line, " - "), *fields[5], *save = NULL, *opts, *tok;
		char *p = line;
		int i;

		if (!sep || strncmp(sep + 3, "cgroup ", 7) != 0)
			continue;
		*sep = '\0';
		for (i = 0; i < 5 && (fields[i] = strtok_r(p, " ", &save)); i++)
			p = NULL;
		if (i < 5)
			continue;
		/* " - cgroup <source> <super options>": controllers are in the options. */
		opts = strrchr(sep + 3, ' ');
		if (!opts)
			continue;
		opts++;
		opts[strcspn(opts, "\n")] = '\0';
		mountinfo_unescape(fields[4]);
		save = NULL;
		for (tok = strtok_r(opts, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			if (strcmp(tok, "cpu") == 0 && !m->v1_cpu[0])
				snprintf(m->v1_cpu, sizeof(m->v1_cpu), "%s", fields[4]);
			else if (strcmp(tok, "memory") == 0 && !m->v1_memory[0])
				snprintf(m->v1_memory, sizeof(m->v1_memory), "%s", fields[4]);
		}
	}
}

int limits_mounts_init(struct limits_mounts *m, const char *cgroup2_mnt,
		       const char *mountinfo_path)
{
	FILE *f;

	memset(m, 0, sizeof(*m));
	snprintf(m->cgroup2, sizeof(m->cgroup2), "%s", cgroup2_mnt);
	f = fopen(mountinfo_path, "re");
	if (!f)
		return -errno;
	limits_mounts_read(m, f);
	fclose(f);
	return 0;
}

int limits_v1_path_parse(char *text, const char *controller, char *out, size_t len)
{
	char *line, *save = NULL;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *ctrls = strchr(line, ':'), *cpath, *tok, *s2 = NULL;

		if (!ctrls)
			continue;
		cpath = strchr(++ctrls, ':');
		if (!cpath)
			continue;
		*cpath++ = '\0';
		for (tok = strtok_r(ctrls, ",", &s2); tok; tok = strtok_r(NULL, ",", &s2)) {
			if (strcmp(tok, controller) == 0)
				return (size_t)snprintf(out, len, "%s", cpath) >= len ? -ENAMETOOLONG : 0;
		}
	}
	return -ENOENT;
}

/* The v1 path of a process in the hierarchy holding controller. */
static int v1_path(uint32_t pid, const char *controller, char *out, size_t len)
{
	char path[64], buf[4096];

	snprintf(path, sizeof(path), "/proc/%u/cgroup", pid);
	if (read_text(path, buf, sizeof(buf)))
		return -ENOENT;
	return limits_v1_path_parse(buf, controller, out, len);
}

/* Read dir/file into buf; 0 or -errno. */
static int read_in(const char *dir, const char *file, char *buf, size_t len)
{
	char path[2 * PATH_MAX + 64];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, file) >= sizeof(path))
		return -ENAMETOOLONG;
	return read_text(path, buf, len);
}

/*
 * Call take() for cg_path's directory under root and each ancestor up to
 * root itself: a limit anywhere on the way applies.
 */
static void walk_up(const char *root, const char *cg_path,
		    void (*take)(const char *dir, struct service_limits *l),
		    struct service_limits *l)
{
	char dir[2 * PATH_MAX];
	size_t root_len = strlen(root);

	if ((size_t)snprintf(dir, sizeof(dir), "%s%s", root, cg_path) >= sizeof(dir))
		return;
	/* Strip trailing slashes ("/" as cg_path). */
	while (strlen(dir) > root_len && dir[strlen(dir) - 1] == '/')
		dir[strlen(dir) - 1] = '\0';
	for (int depth = 0; depth < MAX_DEPTH; depth++) {
		char *slash;

		take(dir, l);
		if (strlen(dir) <= root_len)
			break;
		slash = strrchr(dir, '/');
		if (!slash || (size_t)(slash - dir) < root_len)
			break;
		*slash = '\0';
	}
}

static void set_cpu(struct service_limits *l, double cores)
{
	if (!l->cpu_set || cores < l->cpu_cores) {
		l->cpu_set = true;
		l->cpu_cores = cores;
	}
}

static void set_memory(struct service_limits *l, uint64_t bytes)
{
	if (!l->memory_set || bytes < l->memory_bytes) {
		l->memory_set = true;
		l->memory_bytes = bytes;
	}
}

static void take_v2(const char *dir, struct service_limits *l)
{
	char buf[128];
	uint64_t bytes;
	double cores;

	if (read_in(dir, "cpu.max", buf, sizeof(buf)) == 0 &&
	    limits_parse_cpu_max(buf, &cores) == 0)
		set_cpu(l, cores);
	if (read_in(dir, "memory.max", buf, sizeof(buf)) == 0 &&
	    limits_parse_memory_max(buf, &bytes) == 0)
		set_memory(l, bytes);
}

static void take_v1_memory(const char *dir, struct service_limits *l)
{
	char buf[128];
	uint64_t bytes;

	if (read_in(dir, "memory.limit_in_bytes", buf, sizeof(buf)) == 0 &&
	    limits_parse_memory_max(buf, &bytes) == 0)
		set_memory(l, bytes);
}

/* v1 CFS: a quota of -1 means none; quota and period sit side by side. */
static void take_v1_cpu(const char *dir, struct service_limits *l)
{
	char buf[64];
	long long quota, period;

	if (read_in(dir, "cpu.cfs_quota_us", buf, sizeof(buf)) ||
	    (quota = strtoll(buf, NULL, 10)) <= 0)
		return;
	if (read_in(dir, "cpu.cfs_period_us", buf, sizeof(buf)) ||
	    (period = strtoll(buf, NULL, 10)) <= 0)
		return;
	set_cpu(l, (double)quota / (double)period);
}

void limits_read(const struct limits_mounts *m, const char *cgroup2_path, uint32_t pid,
		 struct service_limits *out)
{
	char path[PATH_MAX];

	memset(out, 0, sizeof(*out));
	walk_up(m->cgroup2, cgroup2_path, take_v2, out);
	if (!pid)
		return;
	if (!out->memory_set && m->v1_memory[0] && v1_path(pid, "memory", path, sizeof(path)) == 0)
		walk_up(m->v1_memory, path, take_v1_memory, out);
	if (!out->cpu_set && m->v1_cpu[0] && v1_path(pid, "cpu", path, sizeof(path)) == 0)
		walk_up(m->v1_cpu, path, take_v1_cpu, out);
}
