/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Containers by the names people give them: a Kubernetes workload as
 * namespace/workload, a compose service as project/service, else the
 * container's name as its runtime shows it. Read from the state each
 * runtime keeps on disk (docs/architecture.md, "Containers"), when a
 * cgroup is first named, never on a BPF path; results are cached.
 */
#ifndef PANTAU_CONTAINERS_H
#define PANTAU_CONTAINERS_H

#include <stdbool.h>
#include <stddef.h>
#include "naming/services.h"

#define CTR_FIELD_MAX 128	/* container, pod and workload names (Kubernetes allows 253: cut) */
#define CTR_NAMESPACE_MAX 64	/* a Kubernetes namespace is at most 63 bytes */
#define CTR_IMAGE_MAX 256
#define CTR_RUNTIME_MAX 16

/* What pantau_service_info says about a service's container. */
struct container_info {
	char service[SERVICE_NAME_MAX];	/* the name the service takes */
	char container[CTR_FIELD_MAX];
	char pod[CTR_FIELD_MAX];
	char namespace[CTR_NAMESPACE_MAX];
	char runtime[CTR_RUNTIME_MAX];	/* docker, podman, containerd, cri-o */
	char image[CTR_IMAGE_MAX];
};

/* The pod labels that say which controller made a pod. */
struct k8s_pod_labels {
	bool known;			/* the runtime keeps labels: false means guess */
	char template_hash[32];		/* pod-template-hash: a Deployment's ReplicaSet */
	char job_name[CTR_FIELD_MAX];	/* batch.kubernetes.io/job-name or job-name */
	bool statefulset;		/* statefulset.kubernetes.io/pod-name */
	bool revision_hash;		/* controller-revision-hash: a DaemonSet (or StatefulSet) */
};

struct containers;

/*
 * A reader of runtime state under root ("/" on a host; a directory laid
 * out like one in tests). NULL when out of memory.
 */
struct containers *containers_new(const char *root);
void containers_free(struct containers *c);

/*
 * The container (or Kubernetes pod) the cgroup at path belongs to, from its
 * runtime's state; cgroup_mnt is the cgroup2 mount, where a pod's other
 * containers are found. Returns 0 with info filled, -ENOENT when the path
 * is no container's or no known runtime has state for it (logged at
 * debug), or another negative errno.
 */
int containers_lookup(struct containers *c, const char *cgroup_mnt, const char *path,
		      struct container_info *info);

/*
 * The workload that made a pod, from its name and labels: the Deployment
 * (pod-template-hash and the pod's random suffix stripped), StatefulSet
 * (ordinal stripped), DaemonSet, Job (CronJob for a job named
 * <cronjob>-<minutes>), else the pod's own name. Without labels, the same
 * from the shape of the name alone. Returns 0, -ENAMETOOLONG, or -EINVAL
 * when there is no name (an empty pod name).
 */
int k8s_workload_name(const char *pod, const struct k8s_pod_labels *labels,
		      char *out, size_t len);

#endif
