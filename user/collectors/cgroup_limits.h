/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * CPU and memory limits of a service: cgroup2 cpu.max / memory.max where
 * the controllers are on cgroup2, else (hybrid hosts) the v1 cpu and
 * memory controllers of one of the service's processes. The smallest limit
 * on the way to the root counts, as the kernel enforces it.
 */
#ifndef PANTAU_CGROUP_LIMITS_H
#define PANTAU_CGROUP_LIMITS_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>

struct limits_mounts {
	char cgroup2[PATH_MAX];
	char v1_cpu[PATH_MAX];	/* "" when the v1 cpu controller is not mounted */
	char v1_memory[PATH_MAX];
};

struct service_limits {
	bool cpu_set;
	double cpu_cores;	/* quota / period */
	bool memory_set;
	uint64_t memory_bytes;
};

/* Find the v1 cpu and memory mounts in a mountinfo file. */
int limits_mounts_init(struct limits_mounts *m, const char *cgroup2_mnt,
		       const char *mountinfo_path);
/* The v1 mounts from an open mountinfo file, into m (zeroed by the caller). */
void limits_mounts_read(struct limits_mounts *m, FILE *f);

/*
 * Limits for a cgroup2 path and one process of it (pid 0: none known, so
 * only cgroup2 files are read).
 */
void limits_read(const struct limits_mounts *m, const char *cgroup2_path, uint32_t pid,
		 struct service_limits *out);

/*
 * The path of a process in the v1 hierarchy holding controller, from the
 * text of /proc/PID/cgroup (cut in place). 0, -ENOENT when no hierarchy
 * holds it, -ENAMETOOLONG when the path does not fit out.
 */
int limits_v1_path_parse(char *text, const char *controller, char *out, size_t len);

/* Parsers, exposed for tests. 0 when a limit is set, -ENOENT for "max". */
int limits_parse_cpu_max(const char *text, double *cores);
int limits_parse_memory_max(const char *text, uint64_t *bytes);

#endif
