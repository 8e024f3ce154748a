/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The test tools' one way into a cgroup: write our pid to its cgroup.procs. */
#ifndef PANTAU_TOOLS_JOIN_CGROUP_H
#define PANTAU_TOOLS_JOIN_CGROUP_H

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

/* 0, or a negative errno. */
static inline int join_cgroup(const char *dir)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	fprintf(f, "%d\n", getpid());
	return fclose(f) ? -errno : 0;
}

#endif
