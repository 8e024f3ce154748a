// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Docker: /var/lib/docker/containers/<id>/config.v2.json holds the name
 * ("/shopcart"), the image as given and the labels (compose's
 * com.docker.compose.*, kubelet's io.kubernetes.* under cri-dockerd).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "log.h"
#include "naming/ctr_state.h"

#define DOCKER_ROOT "/var/lib/docker/containers"

int ctr_read_docker(const char *root, const char *id, struct ctr_facts *f)
{
	struct json_object *doc, *config = NULL, *labels = NULL;
	const char *name;
	char path[PATH_MAX];
	int err = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s" DOCKER_ROOT "/%s/config.v2.json", root, id) >=
	    sizeof(path))
		return -ENAMETOOLONG;
	doc = ctr_json_read(path, CTR_JSON_MAX, &err);
	if (!doc)
		return err;
	name = ctr_json_str(doc, "Name");
	if (!name || !json_object_object_get_ex(doc, "Config", &config)) {
		pt_debug("%s: no Name or Config: not a layout pantau knows; "
			 "container named by its cgroup", path);
		err = -EINVAL;
		goto cleanup;
	}
	ctr_copy(f->info.runtime, sizeof(f->info.runtime), "docker");
	/* docker ps shows the name without the leading slash */
	ctr_copy(f->info.container, sizeof(f->info.container), name[0] == '/' ? name + 1 : name);
	ctr_copy(f->info.image, sizeof(f->info.image), ctr_json_str(config, "Image"));
	if (json_object_object_get_ex(config, "Labels", &labels)) {
		ctr_copy(f->compose_project, sizeof(f->compose_project),
			 ctr_json_str(labels, "com.docker.compose.project"));
		ctr_copy(f->compose_service, sizeof(f->compose_service),
			 ctr_json_str(labels, "com.docker.compose.service"));
		ctr_kube_labels(labels, f);
		f->sandbox = !strcmp(ctr_json_str(labels, "io.kubernetes.docker.type") ?: "",
				     "podsandbox");
		ctr_copy(f->sandbox_id, sizeof(f->sandbox_id),
			 ctr_json_str(labels, "io.kubernetes.sandbox.id"));
	}
cleanup:
	json_object_put(doc);
	return err;
}
