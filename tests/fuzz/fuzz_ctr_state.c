// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the container runtimes' state readers
 * (user/naming/ctr_*.c): the files docker, podman, CRI-O and containerd
 * keep on disk, which the users of those containers shape (names, labels,
 * annotations, images) and which another version of a runtime may lay
 * out differently.
 *
 * Input: byte 0 chooses the file (0 docker's config.v2.json, 1 podman's
 * containers.json, 2 a containers/storage bundle's config.json as CRI-O
 * and podman write it, 3 a containerd task bundle's config.json); the
 * rest is its content, written under a scratch root laid out as the
 * runtime does, for one fixed container id. The reader answers 0, -ENOENT
 * or another negative errno; on 0 every field is terminated within its
 * buffer, and the workload name made from the pod and its labels fits.
 *
 * Covers: user/naming/ctr_docker.c
 *         user/naming/ctr_storage.c
 *         user/naming/ctr_containerd.c
 *         user/naming/containers.c:k8s_workload_name
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "naming/ctr_state.h"

#define ID "ee41ccd940064be5d4450482470b5d282a9a1ed61a2dcd03400d536fcef020f9"

static const char *const files[] = {
	"/var/lib/docker/containers/" ID "/config.v2.json",
	"/var/lib/containers/storage/overlay-containers/containers.json",
	"/var/lib/containers/storage/overlay-containers/" ID "/userdata/config.json",
	"/run/containerd/io.containerd.runtime.v2.task/k8s.io/" ID "/config.json",
};
#define N_FILES (sizeof(files) / sizeof(files[0]))

static char root[64];

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_ctr_state: %s\n", what);
		abort();
	}
}

/* mkdir -p of path's directory. */
static void make_dirs(const char *path)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s", path);
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(dir, 0755);
		*p = '/';
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[PATH_MAX];

	(void)argc;
	(void)argv;
	snprintf(root, sizeof(root), "/tmp/pantau-fuzz-ctr-XXXXXX");
	check(mkdtemp(root) != NULL, "cannot make a scratch root");
	for (size_t i = 0; i < N_FILES; i++) {
		snprintf(path, sizeof(path), "%s%s", root, files[i]);
		make_dirs(path);
	}
	return 0;
}

#define TERMINATED(field) (memchr((field), '\0', sizeof(field)) != NULL)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[PATH_MAX], workload[CTR_FIELD_MAX];
	struct ctr_facts f;
	size_t which;
	FILE *out;
	int rc;

	if (size < 1)
		return 0;
	which = data[0] % N_FILES;
	snprintf(path, sizeof(path), "%s%s", root, files[which]);
	out = fopen(path, "we");
	check(out != NULL, "cannot write the state file");
	check(fwrite(data + 1, 1, size - 1, out) == size - 1 && fclose(out) == 0,
	      "cannot write the state file");
	memset(&f, 0, sizeof(f));	/* as containers.c hands them over */
	switch (which) {
	case 0:
		rc = ctr_read_docker(root, ID, &f);
		break;
	case 1:
		rc = ctr_read_storage(root, ID, true, &f);
		break;
	case 2:
		rc = ctr_read_storage(root, ID, false, &f);
		break;
	default:
		rc = ctr_read_containerd(root, NULL, ID, &f);
		break;
	}
	unlink(path);
	check(rc <= 0, "a reader answered more than 0");
	if (rc)
		return 0;
	check(TERMINATED(f.info.container) && TERMINATED(f.info.pod) &&
	      TERMINATED(f.info.namespace) && TERMINATED(f.info.runtime) &&
	      TERMINATED(f.info.image) && TERMINATED(f.labels.template_hash) &&
	      TERMINATED(f.labels.job_name) && TERMINATED(f.sandbox_id) &&
	      TERMINATED(f.compose_project) && TERMINATED(f.compose_service),
	      "a field not terminated in its buffer");
	rc = k8s_workload_name(f.info.pod, &f.labels, workload, sizeof(workload));
	check(rc == 0 || rc == -ENAMETOOLONG || (rc == -EINVAL && !f.info.pod[0]),
	      "k8s_workload_name's answer");
	check(rc || TERMINATED(workload), "a workload name not terminated");
	return 0;
}
