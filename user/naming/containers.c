// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Container and pod names from the runtimes' state on disk. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "log.h"
#include "naming/containers.h"
#include "naming/ctr_state.h"

#define CACHE_SLOTS 256		/* containers remembered; a miss reads one small file */
#define POD_CHILDREN_MAX 64	/* cgroups under a pod looked at for its sandbox */
/*
 * Kubernetes' random suffixes (pod names, pod-template-hash) use this
 * alphabet (k8s.io/apimachinery/pkg/util/rand): no vowels, no 0, 1, 3.
 */
#define K8S_RAND_ALPHABET "bcdfghjklmnpqrstvwxz2456789"
#define K8S_RAND_SUFFIX_LEN 5
#define K8S_TEMPLATE_HASH_MAX 10	/* a uint32 in decimal, each digit encoded */
#define CRONJOB_MINUTES_MIN_DIGITS 8	/* a CronJob's job is <name>-<unix minutes> */

struct cache_slot {
	char id[CONTAINER_ID_LEN + 1];
	unsigned long long used;	/* 0: empty; else the lookup that last used it */
	struct ctr_facts facts;
};

struct containers {
	char root[PATH_MAX];
	unsigned long long lookups;
	struct cache_slot cache[CACHE_SLOTS];
};

/* ---- helpers the readers share ---- */

void ctr_copy(char *dst, size_t len, const char *src)
{
	if (!len)
		return;
	snprintf(dst, len, "%s", src ? src : "");
}

const char *ctr_json_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

struct json_object *ctr_json_read(const char *path, size_t max, int *err)
{
	struct json_object *doc = NULL;
	struct json_tokener *tok = NULL;
	char *buf = NULL;
	size_t len = 0;
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*err = -errno;
		return NULL;
	}
	if (fstat(fd, &st)) {
		*err = -errno;
		goto cleanup;
	}
	if ((size_t)st.st_size > max) {
		pt_debug("%s: %lld bytes, more than the %zu pantau reads; container named by its cgroup",
			 path, (long long)st.st_size, max);
		*err = -EFBIG;
		goto cleanup;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		*err = -ENOMEM;
		goto cleanup;
	}
	/* Bounded: at most st_size bytes, the file may shrink meanwhile. */
	while (len < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*err = -errno;
			goto cleanup;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	tok = json_tokener_new();
	if (!tok) {
		*err = -ENOMEM;
		goto cleanup;
	}
	doc = json_tokener_parse_ex(tok, buf, (int)len);
	if (!doc || json_tokener_get_error(tok) != json_tokener_success) {
		pt_debug("%s: not JSON (%s); container named by its cgroup", path,
			 json_tokener_error_desc(json_tokener_get_error(tok)));
		json_object_put(doc);
		doc = NULL;
		*err = -EINVAL;
	}
cleanup:
	json_tokener_free(tok);
	free(buf);
	close(fd);
	return doc;
}

void ctr_kube_labels(struct json_object *labels, struct ctr_facts *f)
{
	const char *job;

	if (!labels || !json_object_is_type(labels, json_type_object))
		return;
	if (ctr_json_str(labels, "io.kubernetes.pod.name"))
		ctr_copy(f->info.pod, sizeof(f->info.pod),
			 ctr_json_str(labels, "io.kubernetes.pod.name"));
	if (ctr_json_str(labels, "io.kubernetes.pod.namespace"))
		ctr_copy(f->info.namespace, sizeof(f->info.namespace),
			 ctr_json_str(labels, "io.kubernetes.pod.namespace"));
	if (ctr_json_str(labels, "io.kubernetes.container.name")) {
		ctr_copy(f->info.container, sizeof(f->info.container),
			 ctr_json_str(labels, "io.kubernetes.container.name"));
		/* A container's labels are kubelet's own, not its pod's. */
		return;
	}
	if (!f->info.pod[0])
		return;
	/* A sandbox carries its pod's labels. */
	f->labels.known = true;
	ctr_copy(f->labels.template_hash, sizeof(f->labels.template_hash),
		 ctr_json_str(labels, "pod-template-hash"));
	job = ctr_json_str(labels, "batch.kubernetes.io/job-name");
	if (!job)
		job = ctr_json_str(labels, "job-name");
	ctr_copy(f->labels.job_name, sizeof(f->labels.job_name), job);
	f->labels.statefulset = ctr_json_str(labels, "statefulset.kubernetes.io/pod-name") != NULL;
	f->labels.revision_hash = ctr_json_str(labels, "controller-revision-hash") != NULL;
}

/* ---- workload names ---- */

static bool in_alphabet(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!s[i] || !strchr(K8S_RAND_ALPHABET, s[i]))
			return false;
	return true;
}

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return n > 0;
}

/* Length of name without its last "-<segment>", and that segment. */
static size_t strip_last(const char *name, size_t n, const char **seg, size_t *seg_n)
{
	const char *dash = memrchr(name, '-', n);

	if (!dash || dash == name) {
		*seg = NULL;
		*seg_n = 0;
		return n;
	}
	*seg = dash + 1;
	*seg_n = (size_t)(name + n - *seg);
	return (size_t)(dash - name);
}

static int put_name(char *out, size_t len, const char *name, size_t n)
{
	if (n >= len || n == 0)
		return n ? -ENAMETOOLONG : -EINVAL;
	memcpy(out, name, n);
	out[n] = '\0';
	return 0;
}

/* A pod name without the random suffix its controller added, guessed from its shape. */
static size_t guess_workload(const char *pod, size_t n)
{
	const char *seg, *seg2;
	size_t seg_n, seg2_n, m, m2;

	m = strip_last(pod, n, &seg, &seg_n);
	if (seg && seg_n == K8S_RAND_SUFFIX_LEN && in_alphabet(seg, seg_n)) {
		/* <deployment>-<template hash>-<random> */
		m2 = strip_last(pod, m, &seg2, &seg2_n);
		if (seg2 && seg2_n >= 1 && seg2_n <= K8S_TEMPLATE_HASH_MAX &&
		    in_alphabet(seg2, seg2_n))
			return m2;
		return m;	/* <daemonset or job>-<random> */
	}
	if (seg && all_digits(seg, seg_n))
		return m;	/* <statefulset>-<ordinal> */
	return n;
}

int k8s_workload_name(const char *pod, const struct k8s_pod_labels *l, char *out, size_t len)
{
	size_t n = strlen(pod), m;
	const char *seg;
	size_t seg_n;

	if (l && l->known && l->job_name[0]) {
		size_t jn = strlen(l->job_name);

		m = strip_last(l->job_name, jn, &seg, &seg_n);
		if (seg && seg_n >= CRONJOB_MINUTES_MIN_DIGITS && all_digits(seg, seg_n))
			return put_name(out, len, l->job_name, m);
		return put_name(out, len, l->job_name, jn);
	}
	if (l && l->known && l->template_hash[0]) {
		size_t hn = strlen(l->template_hash);

		/* <deployment>-<hash>-<random>: the hash is the label's value */
		m = strip_last(pod, n, &seg, &seg_n);
		if (seg && m > hn + 1 && pod[m - hn - 1] == '-' &&
		    memcmp(pod + m - hn, l->template_hash, hn) == 0)
			return put_name(out, len, pod, m - hn - 1);
		return put_name(out, len, pod, guess_workload(pod, n));
	}
	if (l && l->known && l->statefulset) {
		m = strip_last(pod, n, &seg, &seg_n);
		return put_name(out, len, pod, seg && all_digits(seg, seg_n) ? m : n);
	}
	if (l && l->known && l->revision_hash) {
		m = strip_last(pod, n, &seg, &seg_n);
		return put_name(out, len, pod, seg && seg_n == K8S_RAND_SUFFIX_LEN ? m : n);
	}
	if (l && l->known)
		return put_name(out, len, pod, n);	/* a pod made by hand */
	return put_name(out, len, pod, guess_workload(pod, n));
}

/* ---- lookups ---- */

struct containers *containers_new(const char *root)
{
	struct containers *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	/* "/" and "" both mean the host: paths are built as root + "/var/...". */
	if (strcmp(root, "/") == 0)
		root = "";
	if ((size_t)snprintf(c->root, sizeof(c->root), "%s", root) >= sizeof(c->root)) {
		free(c);
		return NULL;
	}
	return c;
}

void containers_free(struct containers *c)
{
	free(c);
}

static const char *runtime_word(enum container_runtime rt)
{
	switch (rt) {
	case CONTAINER_DOCKER:
		return "docker";
	case CONTAINER_PODMAN:
		return "podman";
	case CONTAINER_CONTAINERD:
		return "containerd";
	case CONTAINER_CRIO:
		return "cri-o";
	case CONTAINER_UNKNOWN:
		break;
	}
	return "unknown";
}

/* Ask the readers the cgroup's name points to; all of them for a bare id. */
static int read_facts(struct containers *c, const char *id, enum container_runtime rt,
		      struct ctr_facts *f)
{
	int err = -ENOENT;

	memset(f, 0, sizeof(*f));
	if (rt == CONTAINER_DOCKER || rt == CONTAINER_UNKNOWN)
		err = ctr_read_docker(c->root, id, f);
	if (err == -ENOENT && (rt == CONTAINER_CONTAINERD || rt == CONTAINER_UNKNOWN))
		err = ctr_read_containerd(c->root, NULL, id, f);
	if (err == -ENOENT && (rt == CONTAINER_PODMAN || rt == CONTAINER_CRIO ||
			       rt == CONTAINER_UNKNOWN))
		err = ctr_read_storage(c->root, id, rt == CONTAINER_PODMAN, f);
	return err;
}

/* The facts of container id, from the cache or the runtime's state, copied to f. */
static int facts_of(struct containers *c, const char *id, enum container_runtime rt,
		    struct ctr_facts *f)
{
	struct cache_slot *victim = &c->cache[0];
	int err;

	c->lookups++;
	for (size_t i = 0; i < CACHE_SLOTS; i++) {
		struct cache_slot *s = &c->cache[i];

		if (s->used && strcmp(s->id, id) == 0) {
			s->used = c->lookups;
			*f = s->facts;
			return 0;
		}
		if (s->used < victim->used)
			victim = s;
	}
	err = read_facts(c, id, rt, f);
	if (err)
		return err;
	/* Only found containers are cached: a runtime may write its state late. */
	ctr_copy(victim->id, sizeof(victim->id), id);
	victim->used = c->lookups;
	victim->facts = *f;
	return 0;
}

static bool names_pod(const struct ctr_facts *f)
{
	return f->info.pod[0] && f->info.namespace[0];
}

/*
 * A pod's facts from another of its containers: processes may sit in the
 * pod cgroup itself, or in a container whose state pantau cannot read.
 */
static int pod_sibling(struct containers *c, const char *cgroup_mnt,
		       const struct container_ref *ref, struct ctr_facts *f)
{
	char dir[PATH_MAX];
	struct dirent *de;
	int err = -ENOENT;
	unsigned n = 0;
	DIR *d;

	if ((size_t)snprintf(dir, sizeof(dir), "%s%s", cgroup_mnt, ref->pod_path) >= sizeof(dir))
		return -ENAMETOOLONG;
	d = opendir(dir);
	if (!d)
		return -errno;
	while (err && (de = readdir(d)) && n++ < POD_CHILDREN_MAX) {
		struct container_ref child;
		char path[PATH_MAX];

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "/%s", de->d_name) >= sizeof(path) ||
		    cgroup_container_ref(path, &child) || !child.id[0])
			continue;
		err = facts_of(c, child.id, child.runtime, f);
		if (!err && !names_pod(f))
			err = -ENOENT;
	}
	closedir(d);
	return err;
}

/* The pod's labels: from its sandbox, where the runtime keeps them. */
static void pod_labels(struct containers *c, const struct ctr_facts *f, enum container_runtime rt,
		       struct k8s_pod_labels *labels)
{
	struct ctr_facts sb;

	*labels = f->labels;
	if (labels->known || !f->sandbox_id[0])
		return;
	if (facts_of(c, f->sandbox_id, rt, &sb) == 0)
		*labels = sb.labels;
}

static int name_service(struct containers *c, const struct ctr_facts *f,
			enum container_runtime rt, struct container_info *info)
{
	char workload[CTR_FIELD_MAX];
	struct k8s_pod_labels labels;
	int n;

	if (names_pod(f)) {
		pod_labels(c, f, rt, &labels);
		if (k8s_workload_name(f->info.pod, &labels, workload, sizeof(workload)))
			return -ENAMETOOLONG;
		n = snprintf(info->service, sizeof(info->service), "%s/%s", f->info.namespace,
			     workload);
	} else if (f->compose_project[0] && f->compose_service[0]) {
		n = snprintf(info->service, sizeof(info->service), "%s/%s", f->compose_project,
			     f->compose_service);
	} else if (f->info.container[0]) {
		n = snprintf(info->service, sizeof(info->service), "%s", f->info.container);
	} else {
		return -ENOENT;
	}
	return n < 0 || (size_t)n >= sizeof(info->service) ? -ENAMETOOLONG : 0;
}

int containers_lookup(struct containers *c, const char *cgroup_mnt, const char *path,
		      struct container_info *info)
{
	struct ctr_facts own, pod;
	struct container_ref ref;
	bool have_own = false;
	int err;

	memset(info, 0, sizeof(*info));
	err = cgroup_container_ref(path, &ref);
	if (err == -ENOENT) {
		/* ctr's containers: any id, in /<namespace>/<id> */
		memset(&own, 0, sizeof(own));
		err = ctr_read_containerd_cgroup(c->root, path, &own);
		if (err)
			return err;
		ctr_copy(info->service, sizeof(info->service), own.info.container);
		ctr_copy(info->container, sizeof(info->container), own.info.container);
		ctr_copy(info->runtime, sizeof(info->runtime), own.info.runtime);
		return info->service[0] ? 0 : -ENOENT;
	}
	if (err)
		return err;
	if (ref.id[0]) {
		err = facts_of(c, ref.id, ref.runtime, &own);
		have_own = err == 0;
		if (!have_own)
			pt_debug("container %.12s (%s cgroup %s): no state pantau knows under "
				 "/var/lib/docker, /var/lib/containers, /run/containers or "
				 "/run/containerd (%s); named %s",
				 ref.id, runtime_word(ref.runtime), path, strerror(-err),
				 ref.pod_uid[0] ? "from its pod's other containers, else by its uid"
						: "by its cgroup");
	}
	if (have_own && (!ref.pod_uid[0] || names_pod(&own))) {
		pod = own;
	} else if (ref.pod_uid[0]) {
		err = pod_sibling(c, cgroup_mnt, &ref, &pod);
		if (err) {
			pt_debug("pod %s (cgroup %s): no container of it has runtime state pantau "
				 "knows; named by its uid", ref.pod_uid, path);
			return -ENOENT;
		}
	} else {
		return -ENOENT;
	}
	err = name_service(c, &pod, ref.runtime, info);
	if (err)
		return err;
	/* What the info series shows: the container itself, else its pod. */
	if (have_own && !own.sandbox) {
		ctr_copy(info->container, sizeof(info->container), own.info.container);
		ctr_copy(info->image, sizeof(info->image), own.info.image);
	}
	ctr_copy(info->pod, sizeof(info->pod), pod.info.pod);
	ctr_copy(info->namespace, sizeof(info->namespace), pod.info.namespace);
	ctr_copy(info->runtime, sizeof(info->runtime), pod.info.runtime);
	return 0;
}
