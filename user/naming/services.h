/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* How a cgroup or a process gets its service name. Pure functions. */
#ifndef PANTAU_SERVICES_H
#define PANTAU_SERVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "config.h"

#define SERVICE_NAME_MAX (128 + 1)	/* the config allows 128-byte names, plus the NUL */
#define SERVICE_SHORT_LIVED "short-lived"
#define SERVICE_OTHER "other"
#define SERVICE_KERNEL "kernel"

/*
 * Find the cgroup2 mount point in a mountinfo file (normally
 * /proc/self/mountinfo). Returns 0, -ENOENT when none is mounted, or
 * another negative errno.
 */
int cgroup2_mount_find(const char *mountinfo_path, char *out, size_t len);
/* The same over an open mountinfo file. */
int cgroup2_mount_read(FILE *f, char *out, size_t len);

#define CONTAINER_ID_LEN 64
#define POD_UID_LEN 36

/* Which runtime a container cgroup's name points to. */
enum container_runtime {
	CONTAINER_UNKNOWN,	/* a bare 64-hex directory */
	CONTAINER_DOCKER,
	CONTAINER_PODMAN,
	CONTAINER_CONTAINERD,
	CONTAINER_CRIO,
};

/* What a cgroup path says about the container or pod it belongs to. */
struct container_ref {
	char id[CONTAINER_ID_LEN + 1];	/* the innermost container, or "" */
	enum container_runtime runtime;
	char pod_uid[POD_UID_LEN + 1];	/* the Kubernetes pod, or "" */
	char pod_path[256];		/* the pod's cgroup path, when pod_uid is set */
};

/*
 * The container id and Kubernetes pod in a cgroup path. Returns 0, -ENOENT
 * when the path holds neither, or -ENAMETOOLONG.
 */
int cgroup_container_ref(const char *path, struct container_ref *ref);

/* The name the first matching cgroup rule gives path, or -ENOENT. */
int service_name_by_rule(const struct pantau_config *cfg, const char *path,
			 char *out, size_t len);

/*
 * Name the service of the cgroup at path (relative to the cgroup2 root,
 * starting with '/'): config rules first, then a Kubernetes pod, a
 * container, a systemd service or scope, the first plain directory, and
 * last a slice. Returns 0 or -ENAMETOOLONG.
 */
int service_name_for_cgroup(const struct pantau_config *cfg, const char *path,
			    char *out, size_t len);

/* Name the service of a process of a shared cgroup: rules, else comm. */
int service_name_for_process(const struct pantau_config *cfg, const char *comm,
			     char *out, size_t len);

/* The service that short-lived processes of a shared cgroup fold into. */
int service_name_short_lived(const struct pantau_config *cfg,
			     const char *cgroup_path, char *out, size_t len);

/* Whether the config marks the cgroup at path as shared. */
bool cgroup_is_shared(const struct pantau_config *cfg, const char *path);

/*
 * Whether the cgroup at path, or an ancestor, matches requests.skip_cgroups:
 * the connections its tasks open are not parsed for requests.
 */
bool cgroup_requests_skipped(const struct pantau_config *cfg, const char *path);

#endif
