/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Host totals that "near the limit" alerts compare against: CPUs, memory
 * and local filesystems. node_exporter remains the tool for the rest.
 */
#ifndef PANTAU_HOST_H
#define PANTAU_HOST_H

#include <stddef.h>
#include <stdint.h>

#define HOST_MAX_FILESYSTEMS 64

struct host_fs {
	char device[256];
	char mountpoint[256];
	char fstype[64];
	uint64_t size_bytes;
	uint64_t avail_bytes;
};

struct host_totals {
	long cpus;
	uint64_t memory_total_bytes;
	uint64_t memory_available_bytes;
	struct host_fs fs[HOST_MAX_FILESYSTEMS];
	size_t n_fs;
};

/* Parse /proc/meminfo text: MemTotal and MemAvailable. 0 or -EINVAL. */
int host_parse_meminfo(const char *text, uint64_t *total, uint64_t *available);
/* Whether a filesystem type is a local, disk-backed one worth reporting. */
int host_fs_is_local(const char *fstype, const char *source);
/* A local filesystem's mount, from one line of mountinfo. */
struct host_mount {
	char fstype[64];
	char source[256];
	const char *devno;	/* "major:minor", into the line */
	const char *mountpoint;	/* unescaped, into the line */
};

/* Parse one mountinfo line (cut in place). 0 for a local filesystem, else -ENOENT. */
int host_mount_parse(char *line, struct host_mount *m);
/* Read everything; proc_root is "/proc". */
int host_read(struct host_totals *h, const char *proc_root);

#endif
