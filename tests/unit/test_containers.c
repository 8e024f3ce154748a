// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests for user/naming/containers.c and its runtime readers, over
 * state laid out in a temporary directory as each runtime writes it:
 *
 * - podman 4.3.1 (Debian 12): containers.json and the bundle's
 *   config.json annotations, recorded from `podman --runtime runc
 *   --cgroup-manager cgroupfs run --name shopcart` on this project's test
 *   host (only the ids and times differ);
 * - docker 20.10 config.v2.json of a docker-compose 1.29 service,
 *   recorded here and cut to the members pantau reads;
 * - containerd's CRI plugin: the annotations DefaultCRIAnnotations() in
 *   containerd's pkg/cri/annotations/annotations.go (main, commit
 *   02e0fef8) writes for a sandbox and a container;
 * - CRI-O: the annotations cri-o's pkg/annotations/internal.go (commit
 *   052cccbc) names, as its sandbox and container creation fill them,
 *   with kubelet's labels.
 *
 * Neither containerd's CRI nor CRI-O runs on the test host (no kubelet):
 * these tests are their only check. docs/architecture.md says which
 * runtimes the integration tests run live.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "naming/containers.h"

#define CID_APP "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"
#define CID_SANDBOX "3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d"
#define CID_PODMAN "ee41ccd940064be5d4450482470b5d282a9a1ed61a2dcd03400d536fcef020f9"
#define CID_DOCKER "18ac3e7343f016890c510e93f935261169d9e3f565436429830faf0934f4f8e4"
#define POD_UID "1234abcd-5678-90ab-cdef-1234567890ab"
#define POD_UID_SYSTEMD "1234abcd_5678_90ab_cdef_1234567890ab"
#define POD_SLICE "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" \
	POD_UID_SYSTEMD ".slice"

struct env {
	char root[64];		/* the host's / for the readers */
	char mnt[128];		/* root/cgroup: the cgroup2 mount */
	struct containers *c;
};

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int env_setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	if (!e)
		return -1;
	snprintf(e->root, sizeof(e->root), "/tmp/pantau-containers-XXXXXX");
	if (!mkdtemp(e->root)) {
		free(e);
		return -1;
	}
	snprintf(e->mnt, sizeof(e->mnt), "%s/cgroup", e->root);
	e->c = containers_new(e->root);
	if (!e->c || mkdir(e->mnt, 0755)) {
		containers_free(e->c);
		nftw(e->root, remove_one, 16, FTW_DEPTH | FTW_PHYS);
		free(e);
		return -1;
	}
	*state = e;
	return 0;
}

static int env_teardown(void **state)
{
	struct env *e = *state;
	int ret = nftw(e->root, remove_one, 16, FTW_DEPTH | FTW_PHYS);

	containers_free(e->c);
	free(e);
	return ret;
}

/* mkdir -p of the directories of path (absolute, under the root). */
static void mkdirs(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) && errno != EEXIST)
			fail_msg("mkdir %s: %s", path, strerror(errno));
		*p = '/';
	}
}

/* Write text to rel (a path under the root), making its directories. */
static void put(struct env *e, const char *rel, const char *text)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", e->root, rel);
	mkdirs(path);
	f = fopen(path, "w");
	if (!f)
		fail_msg("open %s: %s", path, strerror(errno));
	fputs(text, f);
	fclose(f);
}

/* A cgroup directory under the cgroup2 mount. */
static void cgroup(struct env *e, const char *rel)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s%s/", e->mnt, rel);
	mkdirs(path);
}

static void lookup(struct env *e, const char *path, struct container_info *info)
{
	int err = containers_lookup(e->c, e->mnt, path, info);

	if (err)
		fail_msg("%s: lookup failed: %s", path, strerror(-err));
}

/* ---- podman 4.3.1, recorded ---- */

#define PODMAN_CONTAINERS_JSON \
	"[{\"id\":\"" CID_PODMAN "\",\"names\":[\"shopcart\"]," \
	"\"image\":\"e5beab1677b49744c6ed39c27106ecff090a23c556cf0261aed722172f2000d6\"," \
	"\"layer\":\"362583cd79c49c9f818cea6a2ea2867f8811d44f507f0067a03b935d5421c97d\"," \
	"\"metadata\":\"{\\\"image-name\\\":\\\"localhost/pantau-httpmini:test\\\"," \
	"\\\"image-id\\\":\\\"e5beab1677b49744c6ed39c27106ecff090a23c556cf0261aed722172f2000d6\\\"," \
	"\\\"name\\\":\\\"shopcart\\\",\\\"created-at\\\":1796287623}\"," \
	"\"created\":\"2026-12-03T08:47:03.346394973Z\"," \
	"\"flags\":{\"MountLabel\":\"\",\"ProcessLabel\":\"\"}}]\n"

#define PODMAN_CONFIG_JSON \
	"{\"ociVersion\":\"1.0.2-dev\",\"annotations\":{" \
	"\"io.container.manager\":\"libpod\"," \
	"\"io.kubernetes.cri-o.Created\":\"2026-12-03T08:46:26.134063244Z\"," \
	"\"io.kubernetes.cri-o.TTY\":\"false\"," \
	"\"io.podman.annotations.autoremove\":\"FALSE\"," \
	"\"io.podman.annotations.init\":\"FALSE\"," \
	"\"io.podman.annotations.privileged\":\"FALSE\"," \
	"\"io.podman.annotations.publish-all\":\"FALSE\"," \
	"\"org.opencontainers.image.stopSignal\":\"15\"}," \
	"\"linux\":{\"cgroupsPath\":\"/libpod_parent/libpod-" CID_PODMAN "\"}}\n"

static void put_podman(struct env *e)
{
	put(e, "/var/lib/containers/storage/overlay-containers/containers.json",
	    PODMAN_CONTAINERS_JSON);
	put(e, "/var/lib/containers/storage/overlay-containers/" CID_PODMAN
	    "/userdata/config.json", PODMAN_CONFIG_JSON);
}

static void test_podman_container_is_named_as_podman_ps_shows_it(void **state)
{
	struct env *e = *state;
	struct container_info info;

	put_podman(e);
	lookup(e, "/libpod_parent/libpod-" CID_PODMAN, &info);
	assert_string_equal(info.service, "shopcart");
	assert_string_equal(info.container, "shopcart");
	assert_string_equal(info.runtime, "podman");
	assert_string_equal(info.image, "localhost/pantau-httpmini:test");
	assert_string_equal(info.pod, "");
	assert_string_equal(info.namespace, "");
}

static void test_podman_container_under_systemd_scope_is_named(void **state)
{
	struct env *e = *state;
	struct container_info info;

	put_podman(e);
	lookup(e, "/machine.slice/libpod-" CID_PODMAN ".scope", &info);
	assert_string_equal(info.service, "shopcart");
}

static void test_bare_id_of_podman_is_found_through_its_bundle(void **state)
{
	struct env *e = *state;
	struct container_info info;

	put_podman(e);
	lookup(e, "/machine/" CID_PODMAN, &info);
	assert_string_equal(info.service, "shopcart");
	assert_string_equal(info.runtime, "podman");
}

static void test_container_keeps_its_name_once_its_state_is_gone(void **state)
{
	struct env *e = *state;
	struct container_info info;
	char path[256];

	put_podman(e);
	lookup(e, "/libpod_parent/libpod-" CID_PODMAN, &info);
	snprintf(path, sizeof(path), "%s/var/lib/containers/storage/overlay-containers/containers.json",
		 e->root);
	assert_int_equal(unlink(path), 0);
	lookup(e, "/libpod_parent/libpod-" CID_PODMAN, &info);
	assert_string_equal(info.service, "shopcart");
}

/* ---- docker ---- */

/*
 * Recorded from docker-compose 1.29.2 up (project shop, service cart) on
 * docker.io 20.10.24 here, cut to the members pantau reads and a few
 * around them.
 */
#define DOCKER_COMPOSE_CONFIG \
	"{\"StreamConfig\":{},\"State\":{\"Running\":true,\"Pid\":4242}," \
	"\"ID\":\"" CID_DOCKER "\"," \
	"\"Path\":\"/bin/httpmini\",\"Args\":[\"serve\",\"--port\",\"18085\"]," \
	"\"Config\":{\"Hostname\":\"18ac3e7343f0\",\"Image\":\"pantau-test-httpmini:rec\"," \
	"\"Labels\":{" \
	"\"com.docker.compose.config-hash\":" \
	"\"5735f4c5de284be8ce4eb9bbb81573e6c15f733b8bb2a1515a032aa44cd7aad7\"," \
	"\"com.docker.compose.container-number\":\"1\"," \
	"\"com.docker.compose.oneoff\":\"False\"," \
	"\"com.docker.compose.project\":\"shop\"," \
	"\"com.docker.compose.project.config_files\":\"docker-compose.yml\"," \
	"\"com.docker.compose.project.working_dir\":\"/tmp/pc/docker\"," \
	"\"com.docker.compose.service\":\"cart\"," \
	"\"com.docker.compose.version\":\"1.29.2\"}}," \
	"\"Image\":\"sha256:c6f068312a9f4131394c4f5342355a390a384631d00ced3e5fde955378c30840\"," \
	"\"Name\":\"/shop_cart_1\",\"Driver\":\"overlay2\"}\n"

static void test_docker_compose_service_is_project_slash_service(void **state)
{
	struct env *e = *state;
	struct container_info info;

	put(e, "/var/lib/docker/containers/" CID_DOCKER "/config.v2.json", DOCKER_COMPOSE_CONFIG);
	lookup(e, "/system.slice/docker-" CID_DOCKER ".scope", &info);
	assert_string_equal(info.service, "shop/cart");
	assert_string_equal(info.container, "shop_cart_1");
	assert_string_equal(info.runtime, "docker");
	assert_string_equal(info.image, "pantau-test-httpmini:rec");
}

static void test_docker_container_without_compose_is_its_name(void **state)
{
	struct env *e = *state;
	struct container_info info;

	put(e, "/var/lib/docker/containers/" CID_DOCKER "/config.v2.json",
	    "{\"ID\":\"" CID_DOCKER "\",\"Name\":\"/shopcart\","
	    "\"Config\":{\"Image\":\"shop/cart:2\",\"Labels\":{}}}");
	lookup(e, "/docker/" CID_DOCKER, &info);
	assert_string_equal(info.service, "shopcart");
	assert_string_equal(info.image, "shop/cart:2");
}

/*
 * cri-dockerd (dockershim's successor): kubelet's labels on docker
 * containers, the pod's own on its sandbox, and the keys of
 * cri-dockerd's core/docker_service.go (io.kubernetes.docker.type,
 * io.kubernetes.sandbox.id).
 */
static void test_cri_dockerd_pod_uses_its_sandbox_labels(void **state)
{
	struct env *e = *state;
	struct container_info info;

	put(e, "/var/lib/docker/containers/" CID_SANDBOX "/config.v2.json",
	    "{\"ID\":\"" CID_SANDBOX "\",\"Name\":\"/k8s_POD_api-v2-6b8f9d7c54-zq2wx_shop_"
	    POD_UID "_0\",\"Config\":{\"Image\":\"registry.k8s.io/pause:3.9\",\"Labels\":{"
	    "\"app\":\"api\",\"pod-template-hash\":\"6b8f9d7c54\","
	    "\"io.kubernetes.docker.type\":\"podsandbox\","
	    "\"io.kubernetes.pod.name\":\"api-v2-6b8f9d7c54-zq2wx\","
	    "\"io.kubernetes.pod.namespace\":\"shop\","
	    "\"io.kubernetes.pod.uid\":\"" POD_UID "\"}}}");
	put(e, "/var/lib/docker/containers/" CID_APP "/config.v2.json",
	    "{\"ID\":\"" CID_APP "\",\"Name\":\"/k8s_api_api-v2-6b8f9d7c54-zq2wx_shop_"
	    POD_UID "_0\",\"Config\":{\"Image\":\"registry.example/api:2.0\",\"Labels\":{"
	    "\"io.kubernetes.container.name\":\"api\","
	    "\"io.kubernetes.docker.type\":\"container\","
	    "\"io.kubernetes.pod.name\":\"api-v2-6b8f9d7c54-zq2wx\","
	    "\"io.kubernetes.pod.namespace\":\"shop\","
	    "\"io.kubernetes.pod.uid\":\"" POD_UID "\","
	    "\"io.kubernetes.sandbox.id\":\"" CID_SANDBOX "\"}}}");
	cgroup(e, "/kubepods/burstable/pod" POD_UID "/" CID_SANDBOX);
	cgroup(e, "/kubepods/burstable/pod" POD_UID "/" CID_APP);
	lookup(e, "/kubepods/burstable/pod" POD_UID "/" CID_APP, &info);
	assert_string_equal(info.service, "shop/api-v2");
	assert_string_equal(info.container, "api");
	assert_string_equal(info.runtime, "docker");
	assert_string_equal(info.image, "registry.example/api:2.0");
	lookup(e, "/kubepods/burstable/pod" POD_UID "/" CID_SANDBOX, &info);
	assert_string_equal(info.service, "shop/api-v2");
	assert_string_equal(info.container, "");
}

/* ---- containerd's CRI plugin ---- */

static void put_containerd_bundle(struct env *e, const char *id, const char *annotations)
{
	char rel[256], text[2048];

	snprintf(rel, sizeof(rel), "/run/containerd/io.containerd.runtime.v2.task/k8s.io/%s/config.json",
		 id);
	snprintf(text, sizeof(text), "{\"ociVersion\":\"1.1.0\",\"annotations\":{%s}}", annotations);
	put(e, rel, text);
}

#define CRI_COMMON(pod, ns) \
	"\"io.kubernetes.cri.sandbox-id\":\"" CID_SANDBOX "\"," \
	"\"io.kubernetes.cri.sandbox-namespace\":\"" ns "\"," \
	"\"io.kubernetes.cri.sandbox-uid\":\"" POD_UID "\"," \
	"\"io.kubernetes.cri.sandbox-name\":\"" pod "\","

static void put_containerd_pod(struct env *e, const char *pod_json_prefix)
{
	char sandbox[1024], app[1024];

	snprintf(sandbox, sizeof(sandbox), "%s"
		 "\"io.kubernetes.cri.sandbox-log-directory\":\"/var/log/pods/x\","
		 "\"io.kubernetes.cri.container-type\":\"sandbox\"", pod_json_prefix);
	snprintf(app, sizeof(app), "%s"
		 "\"io.kubernetes.cri.container-name\":\"app\","
		 "\"io.kubernetes.cri.image-name\":\"registry.example/checkout:1.4\","
		 "\"io.kubernetes.cri.container-type\":\"container\"", pod_json_prefix);
	put_containerd_bundle(e, CID_SANDBOX, sandbox);
	put_containerd_bundle(e, CID_APP, app);
	cgroup(e, POD_SLICE "/cri-containerd-" CID_SANDBOX ".scope");
	cgroup(e, POD_SLICE "/cri-containerd-" CID_APP ".scope");
}

static void test_containerd_deployment_pod_is_namespace_slash_deployment(void **state)
{
	struct env *e = *state;
	struct container_info info;

	put_containerd_pod(e, CRI_COMMON("checkout-7d9c5b8f4-x2kqz", "shop"));
	lookup(e, POD_SLICE "/cri-containerd-" CID_APP ".scope", &info);
	assert_string_equal(info.service, "shop/checkout");
	assert_string_equal(info.container, "app");
	assert_string_equal(info.pod, "checkout-7d9c5b8f4-x2kqz");
	assert_string_equal(info.namespace, "shop");
	assert_string_equal(info.runtime, "containerd");
	assert_string_equal(info.image, "registry.example/checkout:1.4");
}

static void test_containerd_sandbox_rolls_up_to_the_same_workload(void **state)
{
	struct env *e = *state;
	struct container_info info;

	put_containerd_pod(e, CRI_COMMON("checkout-7d9c5b8f4-x2kqz", "shop"));
	lookup(e, POD_SLICE "/cri-containerd-" CID_SANDBOX ".scope", &info);
	assert_string_equal(info.service, "shop/checkout");
	/* the pause container is not the one the info series should show */
	assert_string_equal(info.container, "");
	assert_string_equal(info.pod, "checkout-7d9c5b8f4-x2kqz");
}

static void test_containerd_statefulset_pod_drops_its_ordinal(void **state)
{
	struct env *e = *state;
	struct container_info info;

	put_containerd_pod(e, CRI_COMMON("postgres-0", "data"));
	lookup(e, POD_SLICE "/cri-containerd-" CID_APP ".scope", &info);
	assert_string_equal(info.service, "data/postgres");
}

static void test_pod_cgroup_itself_is_named_from_its_containers(void **state)
{
	struct env *e = *state;
	struct container_info info;

	put_containerd_pod(e, CRI_COMMON("checkout-7d9c5b8f4-x2kqz", "shop"));
	lookup(e, POD_SLICE, &info);
	assert_string_equal(info.service, "shop/checkout");
	assert_string_equal(info.container, "");
}

static void test_pod_container_without_state_is_named_from_its_sandbox(void **state)
{
	struct env *e = *state;
	struct container_info info;
	char path[512];

	put_containerd_pod(e, CRI_COMMON("checkout-7d9c5b8f4-x2kqz", "shop"));
	snprintf(path, sizeof(path),
		 "%s/run/containerd/io.containerd.runtime.v2.task/k8s.io/" CID_APP "/config.json",
		 e->root);
	assert_int_equal(unlink(path), 0);
	lookup(e, POD_SLICE "/cri-containerd-" CID_APP ".scope", &info);
	assert_string_equal(info.service, "shop/checkout");
}

static void test_cgroupfs_driver_bare_ids_find_containerd_state(void **state)
{
	struct env *e = *state;
	struct container_info info;

	put_containerd_pod(e, CRI_COMMON("web-6b8f9d7c54-zq2wx", "shop"));
	cgroup(e, "/kubepods/burstable/pod" POD_UID "/" CID_APP);
	lookup(e, "/kubepods/burstable/pod" POD_UID "/" CID_APP, &info);
	assert_string_equal(info.service, "shop/web");
}

static void test_ctr_container_is_named_by_its_id(void **state)
{
	struct env *e = *state;
	struct container_info info;

	put(e, "/run/containerd/io.containerd.runtime.v2.task/default/" CID_APP "/config.json",
	    "{\"ociVersion\":\"1.1.0\",\"linux\":{\"cgroupsPath\":\"/default/" CID_APP "\"}}");
	lookup(e, "/default/" CID_APP, &info);
	assert_string_equal(info.service, CID_APP);
	assert_string_equal(info.runtime, "containerd");
}

static void test_ctr_container_in_its_default_cgroup_is_named_by_its_id(void **state)
{
	struct env *e = *state;
	struct container_info info;

	/* ctr run --rootfs DIR shopctr: cgroup /<namespace>/<id>, as recorded here */
	put(e, "/run/containerd/io.containerd.runtime.v2.task/default/shopctr/config.json",
	    "{\"ociVersion\":\"1.0.2-dev\",\"root\":{\"path\":\"/srv/shopctr/rootfs\"},"
	    "\"linux\":{\"cgroupsPath\":\"/default/shopctr\"}}");
	lookup(e, "/default/shopctr", &info);
	assert_string_equal(info.service, "shopctr");
	assert_string_equal(info.container, "shopctr");
	assert_string_equal(info.runtime, "containerd");
}

static void test_two_level_cgroup_without_matching_bundle_is_no_container(void **state)
{
	struct env *e = *state;
	struct container_info info;

	put(e, "/run/containerd/io.containerd.runtime.v2.task/default/shopctr/config.json",
	    "{\"linux\":{\"cgroupsPath\":\"/elsewhere/shopctr\"}}");
	assert_int_equal(containers_lookup(e->c, e->mnt, "/default/shopctr", &info), -ENOENT);
	assert_int_equal(containers_lookup(e->c, e->mnt, "/myapp/worker1", &info), -ENOENT);
	assert_int_equal(containers_lookup(e->c, e->mnt, "/a/b/c", &info), -ENOENT);
}

/* ---- CRI-O ---- */

static void put_crio(struct env *e, const char *id, const char *annotations)
{
	char rel[256], text[4096];

	snprintf(rel, sizeof(rel), "/run/containers/storage/overlay-containers/%s/userdata/config.json",
		 id);
	snprintf(text, sizeof(text), "{\"ociVersion\":\"1.0.2-dev\",\"annotations\":{%s}}",
		 annotations);
	put(e, rel, text);
}

static void put_crio_pod(struct env *e, const char *pod, const char *labels_json)
{
	char sandbox[2048], app[2048];

	snprintf(sandbox, sizeof(sandbox),
		 "\"io.container.manager\":\"cri-o\","
		 "\"io.kubernetes.cri-o.ContainerType\":\"sandbox\","
		 "\"io.kubernetes.cri-o.ContainerID\":\"" CID_SANDBOX "\","
		 "\"io.kubernetes.cri-o.SandboxID\":\"" CID_SANDBOX "\","
		 "\"io.kubernetes.cri-o.KubeName\":\"%s\","
		 "\"io.kubernetes.cri-o.Namespace\":\"shop\","
		 "\"io.kubernetes.cri-o.Name\":\"k8s_POD_%s_shop_" POD_UID "_0\","
		 "\"io.kubernetes.cri-o.Labels\":\"%s\"", pod, pod, labels_json);
	snprintf(app, sizeof(app),
		 "\"io.container.manager\":\"cri-o\","
		 "\"io.kubernetes.cri-o.ContainerType\":\"container\","
		 "\"io.kubernetes.cri-o.ContainerID\":\"" CID_APP "\","
		 "\"io.kubernetes.cri-o.SandboxID\":\"" CID_SANDBOX "\","
		 "\"io.kubernetes.cri-o.SandboxName\":\"k8s_POD_%s_shop_" POD_UID "_0\","
		 "\"io.kubernetes.cri-o.ImageName\":\"registry.example/api:2.0\","
		 "\"io.kubernetes.cri-o.Metadata\":\"{\\\"name\\\":\\\"api\\\"}\","
		 "\"io.kubernetes.cri-o.Labels\":\"{"
		 "\\\"io.kubernetes.container.name\\\":\\\"api\\\","
		 "\\\"io.kubernetes.pod.name\\\":\\\"%s\\\","
		 "\\\"io.kubernetes.pod.namespace\\\":\\\"shop\\\","
		 "\\\"io.kubernetes.pod.uid\\\":\\\"" POD_UID "\\\"}\"", pod, pod);
	put_crio(e, CID_SANDBOX, sandbox);
	put_crio(e, CID_APP, app);
	cgroup(e, POD_SLICE "/crio-" CID_SANDBOX ".scope");
	cgroup(e, POD_SLICE "/crio-" CID_APP ".scope");
}

/* kubelet's sandbox labels: the pod's own, plus io.kubernetes.pod.*. */
#define KUBELET_POD_LABELS(pod) \
	"\\\"io.kubernetes.pod.name\\\":\\\"" pod "\\\"," \
	"\\\"io.kubernetes.pod.namespace\\\":\\\"shop\\\"," \
	"\\\"io.kubernetes.pod.uid\\\":\\\"" POD_UID "\\\""

static void test_crio_deployment_strips_the_pod_template_hash_label(void **state)
{
	struct env *e = *state;
	struct container_info info;

	/* "api-v2": a shape guess alone could not tell v2 from a hash */
	put_crio_pod(e, "api-v2-6b8f9d7c54-zq2wx",
		     "{\\\"app\\\":\\\"api\\\",\\\"pod-template-hash\\\":\\\"6b8f9d7c54\\\","
		     KUBELET_POD_LABELS("api-v2-6b8f9d7c54-zq2wx") "}");
	lookup(e, POD_SLICE "/crio-" CID_APP ".scope", &info);
	assert_string_equal(info.service, "shop/api-v2");
	assert_string_equal(info.container, "api");
	assert_string_equal(info.pod, "api-v2-6b8f9d7c54-zq2wx");
	assert_string_equal(info.namespace, "shop");
	assert_string_equal(info.runtime, "cri-o");
	assert_string_equal(info.image, "registry.example/api:2.0");
}

static void test_crio_cronjob_pod_is_named_by_its_cronjob(void **state)
{
	struct env *e = *state;
	struct container_info info;

	put_crio_pod(e, "report-29412345-kx7vb",
		     "{\\\"batch.kubernetes.io/job-name\\\":\\\"report-29412345\\\","
		     "\\\"job-name\\\":\\\"report-29412345\\\","
		     KUBELET_POD_LABELS("report-29412345-kx7vb") "}");
	lookup(e, POD_SLICE "/crio-" CID_APP ".scope", &info);
	assert_string_equal(info.service, "shop/report");
}

static void test_crio_pod_made_by_hand_keeps_its_name(void **state)
{
	struct env *e = *state;
	struct container_info info;

	/* labels say no controller made it: "-1" is part of its name */
	put_crio_pod(e, "debug-1", "{" KUBELET_POD_LABELS("debug-1") "}");
	lookup(e, POD_SLICE "/crio-" CID_APP ".scope", &info);
	assert_string_equal(info.service, "shop/debug-1");
}

/* ---- what is not there, or not known ---- */

static void test_no_runtime_state_is_enoent(void **state)
{
	struct env *e = *state;
	struct container_info info;

	assert_int_equal(containers_lookup(e->c, e->mnt, "/docker/" CID_DOCKER, &info), -ENOENT);
	assert_int_equal(containers_lookup(e->c, e->mnt, "/system.slice/nginx.service", &info),
			 -ENOENT);
	assert_int_equal(containers_lookup(e->c, e->mnt, POD_SLICE "/crio-" CID_APP ".scope",
					   &info), -ENOENT);
}

static void test_unknown_layout_is_an_error_not_a_name(void **state)
{
	struct env *e = *state;
	struct container_info info;

	put(e, "/var/lib/docker/containers/" CID_DOCKER "/config.v2.json", "{\"Id\":\"x\"}");
	assert_int_not_equal(containers_lookup(e->c, e->mnt, "/docker/" CID_DOCKER, &info), 0);
	put(e, "/var/lib/docker/containers/" CID_DOCKER "/config.v2.json", "not json");
	assert_int_not_equal(containers_lookup(e->c, e->mnt, "/docker/" CID_DOCKER, &info), 0);
	put_crio(e, CID_APP, "\"io.container.manager\":\"someone-else\"");
	assert_int_not_equal(containers_lookup(e->c, e->mnt, "/crio-" CID_APP ".scope", &info), 0);
}

/* ---- workload names ---- */

static void assert_workload(const char *pod, const struct k8s_pod_labels *l, const char *want)
{
	char out[CTR_FIELD_MAX];

	assert_int_equal(k8s_workload_name(pod, l, out, sizeof(out)), 0);
	if (strcmp(out, want) != 0)
		fail_msg("pod %s is workload '%s', want '%s'", pod, out, want);
}

static void test_workload_guessed_from_the_pod_name_shape(void **state)
{
	(void)state;
	assert_workload("checkout-7d9c5b8f4-x2kqz", NULL, "checkout");	/* Deployment */
	assert_workload("fluentd-x7k2p", NULL, "fluentd");		/* DaemonSet, Job */
	assert_workload("postgres-12", NULL, "postgres");		/* StatefulSet */
	/* a word with a vowel is no random suffix */
	assert_workload("shop-cache", NULL, "shop-cache");
	assert_workload("nginx", NULL, "nginx");
}

static void test_workload_from_labels(void **state)
{
	struct k8s_pod_labels hash = { .known = true, .template_hash = "6b8f9d7c54" };
	struct k8s_pod_labels sts = { .known = true, .statefulset = true, .revision_hash = true };
	struct k8s_pod_labels ds = { .known = true, .revision_hash = true };
	struct k8s_pod_labels job = { .known = true, .job_name = "migrate-db" };
	struct k8s_pod_labels bare = { .known = true };

	(void)state;
	assert_workload("api-v2-6b8f9d7c54-zq2wx", &hash, "api-v2");
	assert_workload("web-3", &sts, "web");
	assert_workload("node-agent-x7k2p", &ds, "node-agent");
	assert_workload("migrate-db-kx7vb", &job, "migrate-db");
	assert_workload("debug-1", &bare, "debug-1");
}

static void test_workload_name_too_long_is_enametoolong(void **state)
{
	char out[8];

	(void)state;
	assert_int_equal(k8s_workload_name("checkout-7d9c5b8f4-x2kqz", NULL, out, sizeof(out)),
			 -ENAMETOOLONG);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, env_setup, env_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_podman_container_is_named_as_podman_ps_shows_it),
		T(test_podman_container_under_systemd_scope_is_named),
		T(test_bare_id_of_podman_is_found_through_its_bundle),
		T(test_container_keeps_its_name_once_its_state_is_gone),
		T(test_docker_compose_service_is_project_slash_service),
		T(test_docker_container_without_compose_is_its_name),
		T(test_cri_dockerd_pod_uses_its_sandbox_labels),
		T(test_containerd_deployment_pod_is_namespace_slash_deployment),
		T(test_containerd_sandbox_rolls_up_to_the_same_workload),
		T(test_containerd_statefulset_pod_drops_its_ordinal),
		T(test_pod_cgroup_itself_is_named_from_its_containers),
		T(test_pod_container_without_state_is_named_from_its_sandbox),
		T(test_cgroupfs_driver_bare_ids_find_containerd_state),
		T(test_ctr_container_is_named_by_its_id),
		T(test_ctr_container_in_its_default_cgroup_is_named_by_its_id),
		T(test_two_level_cgroup_without_matching_bundle_is_no_container),
		T(test_crio_deployment_strips_the_pod_template_hash_label),
		T(test_crio_cronjob_pod_is_named_by_its_cronjob),
		T(test_crio_pod_made_by_hand_keeps_its_name),
		T(test_no_runtime_state_is_enoent),
		T(test_unknown_layout_is_an_error_not_a_name),
		T(test_workload_guessed_from_the_pod_name_shape),
		T(test_workload_from_labels),
		T(test_workload_name_too_long_is_enametoolong),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
