/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The readers of each container runtime's state on disk, one file each
 * (ctr_docker.c, ctr_storage.c for podman and CRI-O, ctr_containerd.c),
 * and the JSON helpers they share. Used by containers.c only.
 */
#ifndef PANTAU_CTR_STATE_H
#define PANTAU_CTR_STATE_H

#include <json-c/json.h>
#include "naming/containers.h"

#define CTR_JSON_MAX (4u << 20)	/* a runtime's container list; configs are ~30 KiB */

/* What one runtime's state says about one container. */
struct ctr_facts {
	struct container_info info;	/* service left empty: containers.c decides */
	struct k8s_pod_labels labels;	/* of its pod, where the runtime keeps them */
	bool sandbox;			/* a pod's sandbox (pause) container */
	char sandbox_id[CONTAINER_ID_LEN + 1];	/* its pod's sandbox, where known */
	char compose_project[CTR_FIELD_MAX];
	char compose_service[CTR_FIELD_MAX];
};

/*
 * Each reader: 0 with facts filled, -ENOENT when this runtime has no state
 * for id under root, -EINVAL (logged at debug) when the state is there in
 * a shape pantau does not know, or another negative errno.
 */
int ctr_read_docker(const char *root, const char *id, struct ctr_facts *f);
/* containers/storage: podman's containers.json, CRI-O's config.json. */
int ctr_read_storage(const char *root, const char *id, bool podman_only,
		     struct ctr_facts *f);
/* containerd's task bundles; ns NULL: any namespace (but docker's "moby"). */
int ctr_read_containerd(const char *root, const char *ns, const char *id,
			struct ctr_facts *f);

/*
 * A container ctr started with its default cgroup, /<namespace>/<id>:
 * found when its bundle's linux.cgroupsPath is that path. -ENOENT else.
 */
int ctr_read_containerd_cgroup(const char *root, const char *path, struct ctr_facts *f);

/* The JSON document of a file of at most max bytes; NULL with *err set. */
struct json_object *ctr_json_read(const char *path, size_t max, int *err);
/* A string member of o, or NULL. */
const char *ctr_json_str(struct json_object *o, const char *key);
/* Copy src (NULL: "") into dst, cut to fit. */
void ctr_copy(char *dst, size_t len, const char *src);
/*
 * Kubelet's labels (io.kubernetes.pod.name, .namespace,
 * io.kubernetes.container.name) and a pod's controller labels from a
 * labels object, as docker and CRI-O keep them.
 */
void ctr_kube_labels(struct json_object *labels, struct ctr_facts *f);

#endif
