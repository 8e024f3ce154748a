// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * containerd: each running task's OCI bundle is
 * /run/containerd/io.containerd.runtime.v2.task/<namespace>/<id>/. Under
 * Kubernetes (namespace k8s.io) its config.json carries the CRI plugin's
 * annotations (containerd pkg/cri/annotations/annotations.go); a container
 * run with ctr has none, and is named by its id, as `ctr containers ls`
 * shows it. Its image is only in containerd's BoltDB: not read.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "log.h"
#include "naming/ctr_state.h"

#define TASK_ROOT "/run/containerd/io.containerd.runtime.v2.task"
#define NAMESPACES_MAX 32
/* docker's own containerd namespace: docker's state names those */
#define DOCKER_NAMESPACE "moby"

/* The CRI plugin's annotation keys (containerd pkg/cri/annotations). */
#define CRI_CONTAINER_TYPE "io.kubernetes.cri.container-type"
#define CRI_SANDBOX_ID "io.kubernetes.cri.sandbox-id"
#define CRI_SANDBOX_NAMESPACE "io.kubernetes.cri.sandbox-namespace"
#define CRI_SANDBOX_NAME "io.kubernetes.cri.sandbox-name"
#define CRI_CONTAINER_NAME "io.kubernetes.cri.container-name"
#define CRI_IMAGE_NAME "io.kubernetes.cri.image-name"

/*
 * The bundle of id in namespace ns; cgroup, when not NULL, must be its
 * linux.cgroupsPath.
 */
static int read_bundle(const char *root, const char *ns, const char *id, const char *cgroup,
		       struct ctr_facts *f)
{
	struct json_object *doc, *ann = NULL, *linux_obj = NULL;
	char path[PATH_MAX];
	const char *type;
	int err = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s" TASK_ROOT "/%s/%s/config.json", root, ns,
			     id) >= sizeof(path))
		return -ENAMETOOLONG;
	doc = ctr_json_read(path, CTR_JSON_MAX, &err);
	if (!doc)
		return err;
	if (cgroup) {
		const char *cg;

		json_object_object_get_ex(doc, "linux", &linux_obj);
		cg = ctr_json_str(linux_obj, "cgroupsPath");
		if (!cg || strcmp(cg, cgroup) != 0) {
			json_object_put(doc);
			return -ENOENT;
		}
	}
	ctr_copy(f->info.runtime, sizeof(f->info.runtime), "containerd");
	json_object_object_get_ex(doc, "annotations", &ann);
	type = ctr_json_str(ann, CRI_CONTAINER_TYPE);
	if (type) {
		f->sandbox = strcmp(type, "sandbox") == 0;
		ctr_copy(f->info.pod, sizeof(f->info.pod), ctr_json_str(ann, CRI_SANDBOX_NAME));
		ctr_copy(f->info.namespace, sizeof(f->info.namespace),
			 ctr_json_str(ann, CRI_SANDBOX_NAMESPACE));
		ctr_copy(f->info.container, sizeof(f->info.container),
			 ctr_json_str(ann, CRI_CONTAINER_NAME));
		ctr_copy(f->info.image, sizeof(f->info.image), ctr_json_str(ann, CRI_IMAGE_NAME));
		ctr_copy(f->sandbox_id, sizeof(f->sandbox_id), ctr_json_str(ann, CRI_SANDBOX_ID));
		if (!f->info.pod[0] || !f->info.namespace[0]) {
			pt_debug("%s: CRI container without sandbox name or namespace: "
				 "not a layout pantau knows", path);
			err = -EINVAL;
		}
	} else {
		ctr_copy(f->info.container, sizeof(f->info.container), id);
	}
	json_object_put(doc);
	return err;
}

int ctr_read_containerd(const char *root, const char *ns, const char *id, struct ctr_facts *f)
{
	char dir[PATH_MAX];
	struct dirent *de;
	int err = -ENOENT;
	unsigned n = 0;
	DIR *d;

	if (ns)
		return read_bundle(root, ns, id, NULL, f);
	if ((size_t)snprintf(dir, sizeof(dir), "%s" TASK_ROOT, root) >= sizeof(dir))
		return -ENAMETOOLONG;
	d = opendir(dir);
	if (!d)
		return -ENOENT;	/* no containerd here: nothing to read */
	while (err == -ENOENT && (de = readdir(d)) && n++ < NAMESPACES_MAX) {
		if (de->d_name[0] == '.' || strcmp(de->d_name, DOCKER_NAMESPACE) == 0)
			continue;
		err = read_bundle(root, de->d_name, id, NULL, f);
	}
	closedir(d);
	return err;
}

int ctr_read_containerd_cgroup(const char *root, const char *path, struct ctr_facts *f)
{
	char ns[CTR_FIELD_MAX];
	const char *slash;
	size_t n;

	/* "/<namespace>/<id>", each a name ctr accepts: no further slash */
	if (path[0] != '/' || !(slash = strchr(path + 1, '/')) || strchr(slash + 1, '/') ||
	    !slash[1])
		return -ENOENT;
	n = (size_t)(slash - path - 1);
	if (n == 0 || n >= sizeof(ns))
		return -ENOENT;
	memcpy(ns, path + 1, n);
	ns[n] = '\0';
	if (strcmp(ns, DOCKER_NAMESPACE) == 0)
		return -ENOENT;
	return read_bundle(root, ns, slash + 1, path, f);
}
