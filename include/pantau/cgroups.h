/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Cgroup paths and process moves captured by bpf/cgroups.bpf.c. */
#ifndef PANTAU_CGROUPS_H
#define PANTAU_CGROUPS_H

/*
 * Long enough for systemd, container and Kubernetes pod paths; a longer
 * path is cut at the end and user space then resolves it by scanning.
 */
#define CGROUP_PATH_MAX 256
#define CGROUP_PATHS_MAX_ENTRIES 4096
/* Processes moved between collections that are remembered (LRU beyond). */
#define CGROUP_MOVES_MAX_ENTRIES 4096

struct cgroup_path {
	char path[CGROUP_PATH_MAX];
};

#endif
