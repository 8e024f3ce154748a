// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * containers/storage, shared by podman and CRI-O. Podman 4.3 (Debian 12)
 * writes the container's name and image only to containers/storage's
 * containers.json ("names", and "image-name" inside "metadata") and to
 * libpod's BoltDB; the bundle's config.json says "io.container.manager:
 * libpod" and nothing more. CRI-O writes the pod's and container's names
 * into the bundle's config.json annotations (io.kubernetes.cri-o.*, from
 * cri-o's pkg/annotations/internal.go), in the persistent userdata
 * directory and again in the one under /run.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "log.h"
#include "naming/ctr_state.h"

static const char *const storage_roots[] = {
	"/var/lib/containers/storage",	/* graphroot: podman's config.json, CRI-O's Dir */
	"/run/containers/storage",	/* runroot: CRI-O's RunDir */
};
static const char *const storage_drivers[] = { "overlay", "vfs", "btrfs", "zfs" };

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* CRI-O's annotation keys (cri-o pkg/annotations/internal.go). */
#define CRIO_CONTAINER_TYPE "io.kubernetes.cri-o.ContainerType"
#define CRIO_LABELS "io.kubernetes.cri-o.Labels"
#define CRIO_KUBE_NAME "io.kubernetes.cri-o.KubeName"
#define CRIO_NAMESPACE "io.kubernetes.cri-o.Namespace"
#define CRIO_SANDBOX_ID "io.kubernetes.cri-o.SandboxID"
#define CRIO_IMAGE_NAME "io.kubernetes.cri-o.ImageName"
#define CRIO_IMAGE "io.kubernetes.cri-o.Image"
#define CONTAINER_MANAGER "io.container.manager"

/* podman: the entry of id in containers.json. */
static int read_podman(const char *root, const char *id, struct ctr_facts *f)
{
	int err = -ENOENT;

	for (size_t d = 0; d < N_OF(storage_drivers) && err == -ENOENT; d++) {
		struct json_object *doc, *names, *meta_doc = NULL;
		char path[PATH_MAX];
		size_t n;

		if ((size_t)snprintf(path, sizeof(path), "%s%s/%s-containers/containers.json", root,
				     storage_roots[0], storage_drivers[d]) >= sizeof(path))
			return -ENAMETOOLONG;
		doc = ctr_json_read(path, CTR_JSON_MAX, &err);
		if (!doc)
			continue;
		if (!json_object_is_type(doc, json_type_array)) {
			pt_debug("%s: not a list: not a layout pantau knows", path);
			json_object_put(doc);
			return -EINVAL;
		}
		err = -ENOENT;
		n = json_object_array_length(doc);
		for (size_t i = 0; i < n; i++) {
			struct json_object *ctr = json_object_array_get_idx(doc, i);
			const char *cid = ctr_json_str(ctr, "id"), *meta;

			if (!cid || strcmp(cid, id) != 0)
				continue;
			if (!json_object_object_get_ex(ctr, "names", &names) ||
			    !json_object_is_type(names, json_type_array) ||
			    json_object_array_length(names) < 1 ||
			    !json_object_is_type(json_object_array_get_idx(names, 0),
						 json_type_string)) {
				pt_debug("%s: container %.12s has no names: not a layout pantau knows",
					 path, id);
				err = -EINVAL;
				break;
			}
			ctr_copy(f->info.runtime, sizeof(f->info.runtime), "podman");
			ctr_copy(f->info.container, sizeof(f->info.container),
				 json_object_get_string(json_object_array_get_idx(names, 0)));
			/* "metadata" is a JSON document inside a string */
			meta = ctr_json_str(ctr, "metadata");
			if (meta)
				meta_doc = json_tokener_parse(meta);
			ctr_copy(f->info.image, sizeof(f->info.image),
				 ctr_json_str(meta_doc, "image-name"));
			json_object_put(meta_doc);
			err = 0;
			break;
		}
		json_object_put(doc);
	}
	return err;
}

/* CRI-O: the annotations of the bundle's config.json. */
static void read_crio(struct json_object *ann, struct ctr_facts *f)
{
	const char *type = ctr_json_str(ann, CRIO_CONTAINER_TYPE);
	const char *labels_text = ctr_json_str(ann, CRIO_LABELS);
	struct json_object *labels = NULL;
	const char *image;

	ctr_copy(f->info.runtime, sizeof(f->info.runtime), "cri-o");
	f->sandbox = type && strcmp(type, "sandbox") == 0;
	if (labels_text)
		labels = json_tokener_parse(labels_text);
	ctr_kube_labels(labels, f);
	json_object_put(labels);
	if (f->sandbox) {
		if (!f->info.pod[0])
			ctr_copy(f->info.pod, sizeof(f->info.pod), ctr_json_str(ann, CRIO_KUBE_NAME));
		if (!f->info.namespace[0])
			ctr_copy(f->info.namespace, sizeof(f->info.namespace),
				 ctr_json_str(ann, CRIO_NAMESPACE));
	}
	ctr_copy(f->sandbox_id, sizeof(f->sandbox_id), ctr_json_str(ann, CRIO_SANDBOX_ID));
	image = ctr_json_str(ann, CRIO_IMAGE_NAME);
	if (!image || !image[0])
		image = ctr_json_str(ann, CRIO_IMAGE);
	ctr_copy(f->info.image, sizeof(f->info.image), image);
}

int ctr_read_storage(const char *root, const char *id, bool podman_only, struct ctr_facts *f)
{
	struct json_object *doc = NULL, *ann;
	char path[PATH_MAX];
	const char *manager;
	int err = -ENOENT;

	if (podman_only)
		return read_podman(root, id, f);
	for (size_t r = 0; r < N_OF(storage_roots) && !doc; r++)
		for (size_t d = 0; d < N_OF(storage_drivers) && !doc; d++) {
			if ((size_t)snprintf(path, sizeof(path),
					     "%s%s/%s-containers/%s/userdata/config.json", root,
					     storage_roots[r], storage_drivers[d], id) >=
			    sizeof(path))
				return -ENAMETOOLONG;
			doc = ctr_json_read(path, CTR_JSON_MAX, &err);
			if (!doc && err != -ENOENT)
				return err;
		}
	if (!doc)
		return err;
	if (!json_object_object_get_ex(doc, "annotations", &ann)) {
		pt_debug("%s: no annotations: not a layout pantau knows", path);
		err = -EINVAL;
	} else if ((manager = ctr_json_str(ann, CONTAINER_MANAGER)) &&
		   strcmp(manager, "libpod") == 0) {
		err = read_podman(root, id, f);
	} else if (ctr_json_str(ann, CRIO_CONTAINER_TYPE)) {
		read_crio(ann, f);
		err = 0;
	} else {
		pt_debug("%s: annotations of neither podman nor CRI-O: not a layout pantau knows",
			 path);
		err = -EINVAL;
	}
	json_object_put(doc);
	return err;
}
