/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What /proc and cgroupfs say about a process or a cgroup. */
#ifndef PANTAU_PROCINFO_H
#define PANTAU_PROCINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROC_COMM_MAX 16

struct proc_identity {
	char comm[PROC_COMM_MAX];
	uint64_t start_ticks;	/* field 22 of /proc/PID/stat: unique with the pid */
	bool kernel_thread;
};

/* Parse the text of /proc/PID/stat. 0 or -EINVAL. */
int proc_parse_stat(const char *text, struct proc_identity *id);
/* Read /proc/PID/stat under proc_root ("/proc"). 0 or -errno (-ENOENT: gone). */
int proc_read_identity(const char *proc_root, uint32_t pid, struct proc_identity *id);
/* Resident bytes (statm) and fault counters (stat fields 10, 12) of a process. */
int proc_read_memory(const char *proc_root, uint32_t pid, uint64_t *rss_bytes,
		     uint64_t *min_flt, uint64_t *maj_flt);
/* Fault counters (fields 10 and 12) from the text of /proc/PID/stat. 0 or -EINVAL. */
int proc_parse_faults(const char *text, uint64_t *min_flt, uint64_t *maj_flt);
/* Seconds since the process started, from its start_ticks. */
double proc_age_seconds(uint64_t start_ticks);
/* The cgroup2 path of a process ("0::/path" in /proc/PID/cgroup). */
int proc_read_cgroup2_path(const char *proc_root, uint32_t pid, char *out, size_t len);
/* The same from the text of /proc/PID/cgroup (cut into lines in place). */
int proc_parse_cgroup2_path(char *text, char *out, size_t len);
/* Whether a cgroup directory has live processes (cgroup.events populated). */
bool cgroup_populated(const char *cgroup_dir);

#endif
