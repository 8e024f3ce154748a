// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests for user/services.c: service names and cgroup2 mount discovery. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config.h"
#include "naming/services.h"

/* Container ids: 64 hex digits, as runtimes make them. */
#define CID_A "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"
#define CID_B "3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d"
#define CID_C "2e7d2c03a9507ae265ecf5b5356885a53393a2029d241394997265a1a25aefc6"
#define CID_D "18ac3e7343f016890c510e93f935261169d9e3f565436429830faf0934f4f8e4"
#define CID_E "3f79bb7b435b05321651daefd374cdc681dc06faa65e374e38337b88ca046dea"
/* One digit short of a container id. */
#define HEX63 "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48b"
#define POD_UID "1234abcd-5678-90ab-cdef-1234567890ab"
#define POD_UID_SYSTEMD "1234abcd_5678_90ab_cdef_1234567890ab"

_Static_assert(sizeof(CID_A) == 65, "CID_A is 64 hex digits");
_Static_assert(sizeof(CID_B) == 65, "CID_B is 64 hex digits");
_Static_assert(sizeof(CID_C) == 65, "CID_C is 64 hex digits");
_Static_assert(sizeof(CID_D) == 65, "CID_D is 64 hex digits");
_Static_assert(sizeof(CID_E) == 65, "CID_E is 64 hex digits");
_Static_assert(sizeof(HEX63) == 64, "HEX63 is 63 hex digits");
_Static_assert(sizeof(POD_UID) == 37, "a pod uid is 36 characters");

#include "config_fixture.h"

static void load(struct fixture *fx, const char *yaml)
{
	fx->err[0] = '\0';
	if (config_load_string(&fx->cfg, yaml, "t.yaml", fx->err, sizeof(fx->err)))
		fail_msg("config did not load: %s", fx->err);
}

#define assert_cgroup_named(cfg, path, want)				\
	do {								\
		char out_[SERVICE_NAME_MAX];				\
		int err_ = service_name_for_cgroup((cfg), (path), out_,	\
						   sizeof(out_));	\
		if (err_)						\
			fail_msg("'%s': error %d", (path), err_);	\
		if (strcmp(out_, (want)) != 0)				\
			fail_msg("'%s' is named '%s', want '%s'",	\
				 (path), out_, (want));			\
	} while (0)

#define assert_process_named(cfg, comm, want)				\
	do {								\
		char out_[SERVICE_NAME_MAX];				\
		int err_ = service_name_for_process((cfg), (comm), out_,	\
						    sizeof(out_));	\
		if (err_)						\
			fail_msg("'%s': error %d", (comm), err_);	\
		if (strcmp(out_, (want)) != 0)				\
			fail_msg("'%s' is named '%s', want '%s'",	\
				 (comm), out_, (want));			\
	} while (0)

/* ---- built-in naming by cgroup shape ---- */

static void test_systemd_unit_strips_service_suffix(void **state)
{
	struct fixture *fx = *state;

	assert_cgroup_named(&fx->cfg, "/system.slice/nginx.service", "nginx");
}

static void test_child_cgroup_of_unit_rolls_up_to_unit(void **state)
{
	struct fixture *fx = *state;

	assert_cgroup_named(&fx->cfg, "/system.slice/nginx.service/worker", "nginx");
}

static void test_template_unit_keeps_instance(void **state)
{
	struct fixture *fx = *state;

	assert_cgroup_named(&fx->cfg, "/system.slice/system-getty.slice/getty@tty1.service",
			    "getty@tty1");
	assert_cgroup_named(&fx->cfg, "/system.slice/getty@tty1.service", "getty@tty1");
}

static void test_scope_strips_suffix(void **state)
{
	struct fixture *fx = *state;

	assert_cgroup_named(&fx->cfg, "/user.slice/user-1000.slice/session-3.scope",
			    "session-3");
}

static void test_nested_user_service_uses_innermost_service(void **state)
{
	struct fixture *fx = *state;

	assert_cgroup_named(&fx->cfg,
		"/user.slice/user-1000.slice/user@1000.service/app.slice/foo.service",
		"foo");
}

static void test_service_wins_over_scope_below_it(void **state)
{
	struct fixture *fx = *state;

	assert_cgroup_named(&fx->cfg,
		"/user.slice/user-1000.slice/user@1000.service/app.slice/run-r1.scope",
		"user@1000");
}

static void test_slice_only_uses_innermost_slice(void **state)
{
	struct fixture *fx = *state;

	assert_cgroup_named(&fx->cfg, "/user.slice/user-1000.slice", "user-1000");
	assert_cgroup_named(&fx->cfg, "/user.slice", "user");
}

static void test_docker_scope_uses_short_container_id(void **state)
{
	struct fixture *fx = *state;

	assert_cgroup_named(&fx->cfg, "/system.slice/docker-" CID_A ".scope",
			    "ca978112ca1b");
}

static void test_docker_cgroupfs_uses_short_container_id(void **state)
{
	struct fixture *fx = *state;

	assert_cgroup_named(&fx->cfg, "/docker/" CID_B, "3e23e8160039");
}

static void test_podman_scope_uses_short_container_id(void **state)
{
	struct fixture *fx = *state;

	assert_cgroup_named(&fx->cfg,
		"/machine.slice/libpod-" CID_C ".scope", "2e7d2c03a950");
}

static void test_containerd_scope_uses_short_container_id(void **state)
{
	struct fixture *fx = *state;

	assert_cgroup_named(&fx->cfg,
		"/system.slice/cri-containerd-" CID_D ".scope", "18ac3e7343f0");
}

static void test_crio_scope_uses_short_container_id(void **state)
{
	struct fixture *fx = *state;

	assert_cgroup_named(&fx->cfg, "/crio-" CID_E ".scope", "3f79bb7b435b");
}

static void test_podman_cgroupfs_container_uses_short_container_id(void **state)
{
	struct fixture *fx = *state;

	/* podman --cgroup-manager cgroupfs: no .scope, under libpod_parent */
	assert_cgroup_named(&fx->cfg, "/libpod_parent/libpod-" CID_C, "2e7d2c03a950");
}

static void test_podman_cgroupfs_parent_is_not_a_service(void **state)
{
	struct fixture *fx = *state;

	assert_cgroup_named(&fx->cfg, "/libpod_parent/conmon", "conmon");
}

#define assert_ref(path, want_id, want_rt, want_uid, want_pod_path)		\
	do {									\
		struct container_ref ref_;					\
		assert_int_equal(cgroup_container_ref((path), &ref_), 0);	\
		assert_string_equal(ref_.id, (want_id));			\
		assert_int_equal(ref_.runtime, (want_rt));			\
		assert_string_equal(ref_.pod_uid, (want_uid));			\
		if (*(want_uid))						\
			assert_string_equal(ref_.pod_path, (want_pod_path));	\
	} while (0)

static void test_container_ref_names_runtime_from_cgroup_shape(void **state)
{
	(void)state;
	assert_ref("/system.slice/docker-" CID_A ".scope", CID_A, CONTAINER_DOCKER, "", "");
	assert_ref("/docker/" CID_B, CID_B, CONTAINER_DOCKER, "", "");
	assert_ref("/libpod_parent/libpod-" CID_C, CID_C, CONTAINER_PODMAN, "", "");
	assert_ref("/machine.slice/libpod-" CID_C ".scope", CID_C, CONTAINER_PODMAN, "", "");
	assert_ref("/system.slice/cri-containerd-" CID_D ".scope", CID_D, CONTAINER_CONTAINERD,
		   "", "");
	assert_ref("/crio-" CID_E ".scope", CID_E, CONTAINER_CRIO, "", "");
	assert_ref("/other/" CID_A, CID_A, CONTAINER_UNKNOWN, "", "");
}

static void test_container_ref_finds_pod_and_its_container(void **state)
{
	(void)state;
	assert_ref("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
		   POD_UID_SYSTEMD ".slice/cri-containerd-" CID_A ".scope",
		   CID_A, CONTAINER_CONTAINERD, POD_UID,
		   "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
		   POD_UID_SYSTEMD ".slice");
	assert_ref("/kubepods/burstable/pod" POD_UID "/" CID_B, CID_B, CONTAINER_UNKNOWN,
		   POD_UID, "/kubepods/burstable/pod" POD_UID);
	assert_ref("/kubepods/besteffort/pod" POD_UID, "", CONTAINER_UNKNOWN, POD_UID,
		   "/kubepods/besteffort/pod" POD_UID);
}

static void test_container_ref_of_plain_cgroup_is_enoent(void **state)
{
	struct container_ref ref;

	(void)state;
	assert_int_equal(cgroup_container_ref("/system.slice/nginx.service", &ref), -ENOENT);
	assert_int_equal(cgroup_container_ref("/libpod_parent/conmon", &ref), -ENOENT);
	assert_int_equal(cgroup_container_ref("/x/" HEX63, &ref), -ENOENT);
	assert_int_equal(cgroup_container_ref("/", &ref), -ENOENT);
}

static void test_container_child_cgroup_rolls_up_to_container(void **state)
{
	struct fixture *fx = *state;

	assert_cgroup_named(&fx->cfg,
		"/system.slice/docker-" CID_A ".scope/init", "ca978112ca1b");
}

static void test_kubernetes_systemd_driver_pod_wins_over_container(void **state)
{
	struct fixture *fx = *state;

	assert_cgroup_named(&fx->cfg,
		"/kubepods.slice/kubepods-burstable.slice/"
		"kubepods-burstable-pod" POD_UID_SYSTEMD ".slice/"
		"cri-containerd-" CID_A ".scope", POD_UID);
}

static void test_kubernetes_systemd_driver_guaranteed_pod(void **state)
{
	struct fixture *fx = *state;

	assert_cgroup_named(&fx->cfg,
		"/kubepods.slice/kubepods-pod" POD_UID_SYSTEMD ".slice/"
		"cri-containerd-" CID_B ".scope", POD_UID);
}

static void test_kubernetes_cgroupfs_driver_pod_wins_over_container(void **state)
{
	struct fixture *fx = *state;

	assert_cgroup_named(&fx->cfg,
		"/kubepods/burstable/pod" POD_UID "/" CID_C, POD_UID);
}

static void test_kubernetes_pod_cgroup_itself_is_the_pod(void **state)
{
	struct fixture *fx = *state;

	assert_cgroup_named(&fx->cfg, "/kubepods/besteffort/pod" POD_UID, POD_UID);
}

static void test_kubernetes_qos_slice_without_pod_is_a_slice(void **state)
{
	struct fixture *fx = *state;

	assert_cgroup_named(&fx->cfg, "/kubepods.slice/kubepods-burstable.slice",
			    "kubepods-burstable");
}

static void test_plain_service_at_root(void **state)
{
	struct fixture *fx = *state;

	assert_cgroup_named(&fx->cfg, "/t-cpu-abc.service", "t-cpu-abc");
}

static void test_first_plain_directory_wins_and_children_roll_up(void **state)
{
	struct fixture *fx = *state;

	assert_cgroup_named(&fx->cfg, "/myapp", "myapp");
	assert_cgroup_named(&fx->cfg, "/myapp/worker1", "myapp");
	assert_cgroup_named(&fx->cfg, "/myapp/worker1/thread", "myapp");
}

static void test_root_cgroup_is_root(void **state)
{
	struct fixture *fx = *state;

	assert_cgroup_named(&fx->cfg, "/", "root");
}

static void test_63_hex_component_is_not_a_container(void **state)
{
	struct fixture *fx = *state;

	assert_cgroup_named(&fx->cfg, "/docker/" HEX63, "docker");
	assert_cgroup_named(&fx->cfg, "/" HEX63, HEX63);
	assert_cgroup_named(&fx->cfg, "/system.slice/docker-" HEX63 ".scope",
			    "docker-" HEX63);
}

static void test_non_hex_64_char_component_is_not_a_container(void **state)
{
	struct fixture *fx = *state;
	char path[80], want[70];

	/* 64 characters, one of them not a hex digit. */
	snprintf(want, sizeof(want), "%s", CID_A);
	want[10] = 'g';
	snprintf(path, sizeof(path), "/%s", want);
	assert_cgroup_named(&fx->cfg, path, want);
}

/* ---- config rules ---- */

static void test_cgroup_rule_wins_over_builtin_naming(void **state)
{
	struct fixture *fx = *state;

	load(fx, "services:\n"
		 "  rules:\n"
		 "    - { cgroup: \"/system.slice/shop-*.service\", name: shop }\n");
	assert_cgroup_named(&fx->cfg, "/system.slice/shop-api.service", "shop");
}

static void test_cgroup_rule_matches_child_cgroup_via_ancestor(void **state)
{
	struct fixture *fx = *state;

	load(fx, "services:\n"
		 "  rules:\n"
		 "    - { cgroup: \"/system.slice/shop-*.service\", name: shop }\n");
	assert_cgroup_named(&fx->cfg, "/system.slice/shop-api.service/sub", "shop");
	assert_cgroup_named(&fx->cfg, "/system.slice/shop-api.service/sub/deeper", "shop");
}

static void test_cgroup_rule_star_does_not_cross_slash(void **state)
{
	struct fixture *fx = *state;

	load(fx, "services:\n"
		 "  rules:\n"
		 "    - { cgroup: \"/*-api\", name: api }\n");
	assert_cgroup_named(&fx->cfg, "/shop-api", "api");
	assert_cgroup_named(&fx->cfg, "/shop/web-api", "shop");
}

static void test_cgroup_rule_not_matching_leaves_builtin_naming(void **state)
{
	struct fixture *fx = *state;

	load(fx, "services:\n"
		 "  rules:\n"
		 "    - { cgroup: \"/system.slice/shop-*.service\", name: shop }\n");
	assert_cgroup_named(&fx->cfg, "/system.slice/nginx.service", "nginx");
	assert_cgroup_named(&fx->cfg, "/system.slice", "system");
}

static void test_first_matching_cgroup_rule_wins(void **state)
{
	struct fixture *fx = *state;

	load(fx, "services:\n"
		 "  rules:\n"
		 "    - { cgroup: \"/system.slice/shop-*.service\", name: shop }\n"
		 "    - { cgroup: \"/system.slice/shop-api.service\", name: api }\n");
	assert_cgroup_named(&fx->cfg, "/system.slice/shop-api.service", "shop");
}

static void test_later_cgroup_rule_applies_when_earlier_does_not_match(void **state)
{
	struct fixture *fx = *state;

	load(fx, "services:\n"
		 "  rules:\n"
		 "    - { cgroup: \"/system.slice/shop-api.service\", name: api }\n"
		 "    - { cgroup: \"/system.slice/shop-*.service\", name: shop }\n");
	assert_cgroup_named(&fx->cfg, "/system.slice/shop-api.service", "api");
	assert_cgroup_named(&fx->cfg, "/system.slice/shop-web.service", "shop");
}

static void test_earlier_rule_matching_ancestor_beats_later_exact_rule(void **state)
{
	struct fixture *fx = *state;

	load(fx, "services:\n"
		 "  rules:\n"
		 "    - { cgroup: \"/system.slice/shop-*.service\", name: shop }\n"
		 "    - { cgroup: \"/system.slice/shop-api.service/sub\", name: sub }\n");
	assert_cgroup_named(&fx->cfg, "/system.slice/shop-api.service/sub", "shop");
}

static void test_cgroup_rule_wins_over_pod(void **state)
{
	struct fixture *fx = *state;

	load(fx, "services:\n"
		 "  rules:\n"
		 "    - { cgroup: \"/kubepods/*/pod" POD_UID "\", name: checkout }\n");
	assert_cgroup_named(&fx->cfg, "/kubepods/burstable/pod" POD_UID "/" CID_A,
			    "checkout");
}

static void test_root_cgroup_rule_names_root_cgroup(void **state)
{
	struct fixture *fx = *state;

	load(fx, "services:\n"
		 "  rules:\n"
		 "    - { cgroup: /, name: host }\n");
	assert_cgroup_named(&fx->cfg, "/", "host");
}

static void test_process_rule_does_not_name_cgroups(void **state)
{
	struct fixture *fx = *state;

	load(fx, "services:\n"
		 "  rules:\n"
		 "    - { process: \"nginx*\", name: web }\n");
	assert_cgroup_named(&fx->cfg, "/system.slice/nginx.service", "nginx");
}

static void test_process_rule_names_matching_comm(void **state)
{
	struct fixture *fx = *state;

	load(fx, "services:\n"
		 "  rules:\n"
		 "    - { process: \"java*\", name: billing }\n");
	assert_process_named(&fx->cfg, "java", "billing");
	assert_process_named(&fx->cfg, "javac", "billing");
}

static void test_process_without_matching_rule_keeps_comm(void **state)
{
	struct fixture *fx = *state;

	load(fx, "services:\n"
		 "  rules:\n"
		 "    - { process: \"java*\", name: billing }\n");
	assert_process_named(&fx->cfg, "python3", "python3");
	assert_process_named(&fx->cfg, "myjava", "myjava");
}

static void test_process_without_rules_keeps_comm(void **state)
{
	struct fixture *fx = *state;

	assert_process_named(&fx->cfg, "kworker/0:1", "kworker/0:1");
}

static void test_first_matching_process_rule_wins(void **state)
{
	struct fixture *fx = *state;

	load(fx, "services:\n"
		 "  rules:\n"
		 "    - { process: \"java*\", name: billing }\n"
		 "    - { process: \"j*\", name: other-j }\n");
	assert_process_named(&fx->cfg, "javac", "billing");
	assert_process_named(&fx->cfg, "jq", "other-j");
}

static void test_cgroup_rule_does_not_name_processes(void **state)
{
	struct fixture *fx = *state;

	load(fx, "services:\n"
		 "  rules:\n"
		 "    - { cgroup: \"/*\", name: everything }\n");
	assert_process_named(&fx->cfg, "sshd", "sshd");
}

/* ---- short-lived processes ---- */

static void test_short_lived_in_root_is_plain_short_lived(void **state)
{
	struct fixture *fx = *state;
	char out[SERVICE_NAME_MAX];

	assert_int_equal(service_name_short_lived(&fx->cfg, "/", out, sizeof(out)), 0);
	assert_string_equal(out, "short-lived");
}

static void test_short_lived_in_slice_names_owner(void **state)
{
	struct fixture *fx = *state;
	char out[SERVICE_NAME_MAX];

	assert_int_equal(service_name_short_lived(&fx->cfg, "/user.slice/user-1000.slice",
						  out, sizeof(out)), 0);
	assert_string_equal(out, "short-lived:user-1000");
}

static void test_short_lived_owner_follows_cgroup_rules(void **state)
{
	struct fixture *fx = *state;
	char out[SERVICE_NAME_MAX];

	load(fx, "services:\n"
		 "  rules:\n"
		 "    - { cgroup: \"/system.slice/shop-*.service\", name: shop }\n");
	assert_int_equal(service_name_short_lived(&fx->cfg, "/system.slice/shop-api.service",
						  out, sizeof(out)), 0);
	assert_string_equal(out, "short-lived:shop");
}

static void test_short_lived_name_too_long_is_enametoolong(void **state)
{
	struct fixture *fx = *state;
	char path[SERVICE_NAME_MAX + 2], out[SERVICE_NAME_MAX];

	/* The owner fits a name, "short-lived:" + owner does not. */
	path[0] = '/';
	memset(path + 1, 'o', 120);
	path[121] = '\0';
	assert_int_equal(service_name_short_lived(&fx->cfg, path, out, sizeof(out)),
			 -ENAMETOOLONG);
}

/* ---- shared cgroups ---- */

static void test_default_config_shares_only_root(void **state)
{
	struct fixture *fx = *state;

	assert_true(cgroup_is_shared(&fx->cfg, "/"));
	assert_false(cgroup_is_shared(&fx->cfg, "/a"));
	assert_false(cgroup_is_shared(&fx->cfg, "/system.slice/nginx.service"));
}

static void test_shared_glob_matches_one_level_only(void **state)
{
	struct fixture *fx = *state;

	load(fx, "services:\n  shared_cgroups: [\"/user.slice/*\"]\n");
	assert_true(cgroup_is_shared(&fx->cfg, "/user.slice/x"));
	assert_false(cgroup_is_shared(&fx->cfg, "/user.slice/x/y"));
	assert_false(cgroup_is_shared(&fx->cfg, "/user.slice"));
}

static void test_shared_list_replaces_root_default(void **state)
{
	struct fixture *fx = *state;

	load(fx, "services:\n  shared_cgroups: [\"/user.slice/*\"]\n");
	assert_false(cgroup_is_shared(&fx->cfg, "/"));
}

static void test_empty_shared_list_shares_nothing(void **state)
{
	struct fixture *fx = *state;

	load(fx, "services:\n  shared_cgroups: []\n");
	assert_false(cgroup_is_shared(&fx->cfg, "/"));
	assert_false(cgroup_is_shared(&fx->cfg, "/a"));
}

/* ---- name length ---- */

static void test_name_of_max_minus_one_bytes_fits(void **state)
{
	struct fixture *fx = *state;
	char path[SERVICE_NAME_MAX + 1], want[SERVICE_NAME_MAX];

	memset(want, 'w', SERVICE_NAME_MAX - 1);
	want[SERVICE_NAME_MAX - 1] = '\0';
	snprintf(path, sizeof(path), "/%s", want);
	assert_cgroup_named(&fx->cfg, path, want);
}

static void test_cgroup_name_longer_than_max_is_enametoolong(void **state)
{
	struct fixture *fx = *state;
	char path[256], out[512];

	path[0] = '/';
	memset(path + 1, 'l', 200);
	path[201] = '\0';
	/* Even a big output buffer does not lift the limit. */
	assert_int_equal(service_name_for_cgroup(&fx->cfg, path, out, sizeof(out)),
			 -ENAMETOOLONG);
}

static void test_name_longer_than_out_buffer_is_enametoolong(void **state)
{
	struct fixture *fx = *state;
	char out[6];

	assert_int_equal(service_name_for_cgroup(&fx->cfg, "/system.slice/nginx.service",
						 out, 5), -ENAMETOOLONG);
	assert_int_equal(service_name_for_cgroup(&fx->cfg, "/system.slice/nginx.service",
						 out, 6), 0);
	assert_string_equal(out, "nginx");
}

static void test_process_name_longer_than_out_buffer_is_enametoolong(void **state)
{
	struct fixture *fx = *state;
	char out[4];

	assert_int_equal(service_name_for_process(&fx->cfg, "python3", out, sizeof(out)),
			 -ENAMETOOLONG);
}

/*
 * docs/configuration.md: a rule name is 1 to 128 bytes, and the config
 * loader accepts that. Whatever length the loader accepts must also come
 * out as the service name through a SERVICE_NAME_MAX buffer (what the
 * registry passes), or the rule is silently ignored.
 */
static void check_every_accepted_rule_name_is_usable(bool process)
{
	unsigned accepted = 0;

	for (size_t n = SERVICE_NAME_MAX - 8; n <= SERVICE_NAME_MAX + 8; n++) {
		struct pantau_config cfg;
		char yaml[512], name[SERVICE_NAME_MAX + 16], out[SERVICE_NAME_MAX], err[CONFIG_ERR_MAX];
		int ret;

		memset(name, 'r', n);
		name[n] = '\0';
		snprintf(yaml, sizeof(yaml), "services: {rules: [{%s, name: %s}]}\n",
			 process ? "process: app" : "cgroup: /app", name);
		assert_int_equal(config_init(&cfg), 0);
		if (config_load_string(&cfg, yaml, "t.yaml", err, sizeof(err)) != 0) {
			config_free(&cfg);
			continue;
		}
		accepted++;
		if (process)
			ret = service_name_for_process(&cfg, "app", out, sizeof(out));
		else
			ret = service_name_for_cgroup(&cfg, "/app", out, sizeof(out));
		config_free(&cfg);
		if (ret != 0)
			fail_msg("config accepts a %zu-byte rule name but naming returns %d",
				 n, ret);
		assert_string_equal(out, name);
	}
	assert_true(accepted > 0);
}

static void test_every_rule_name_config_accepts_names_a_cgroup(void **state)
{
	(void)state;
	check_every_accepted_rule_name_is_usable(false);
}

static void test_every_rule_name_config_accepts_names_a_process(void **state)
{
	(void)state;
	check_every_accepted_rule_name_is_usable(true);
}

/* ---- cgroup2 mount discovery ---- */

struct mountinfo_file {
	char path[64];
};

static void write_mountinfo(struct mountinfo_file *mf, const char *text)
{
	FILE *f;
	int fd;

	snprintf(mf->path, sizeof(mf->path), "/tmp/pantau-mountinfo-XXXXXX");
	fd = mkstemp(mf->path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static int find_in(const char *text, char *out, size_t len)
{
	struct mountinfo_file mf;
	int ret;

	write_mountinfo(&mf, text);
	ret = cgroup2_mount_find(mf.path, out, len);
	unlink(mf.path);
	return ret;
}

static void test_mount_find_hybrid_host_finds_unified(void **state)
{
	char out[256];

	(void)state;
	assert_int_equal(find_in(
		"22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n"
		"31 22 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec - tmpfs tmpfs ro,mode=755\n"
		"32 31 0:27 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime - cgroup cgroup rw,xattr,name=systemd\n"
		"33 31 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime - cgroup cgroup rw,cpu,cpuacct\n"
		"34 31 0:29 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime - cgroup cgroup rw,memory\n"
		"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n",
		out, sizeof(out)), 0);
	assert_string_equal(out, "/sys/fs/cgroup/unified");
}

static void test_mount_find_unified_host(void **state)
{
	char out[256];

	(void)state;
	assert_int_equal(find_in(
		"22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n"
		"23 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw\n"
		"24 22 0:22 / /sys rw,nosuid,nodev,noexec,relatime - sysfs sysfs rw\n"
		"26 24 0:24 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n",
		out, sizeof(out)), 0);
	assert_string_equal(out, "/sys/fs/cgroup");
}

static void test_mount_find_skips_optional_fields(void **state)
{
	char out[256];

	(void)state;
	assert_int_equal(find_in(
		"22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
		"35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 master:2 - cgroup2 cgroup2 rw\n",
		out, sizeof(out)), 0);
	assert_string_equal(out, "/sys/fs/cgroup");
}

static void test_mount_find_unescapes_octal_space(void **state)
{
	char out[256];

	(void)state;
	assert_int_equal(find_in(
		"35 24 0:30 / /mnt/my\\040cgroup rw,relatime shared:9 - cgroup2 none rw\n",
		out, sizeof(out)), 0);
	assert_string_equal(out, "/mnt/my cgroup");
}

static void test_mount_find_unescapes_octal_backslash_and_tab(void **state)
{
	char out[256];

	(void)state;
	assert_int_equal(find_in(
		"35 24 0:30 / /mnt/a\\134b\\011c rw,relatime - cgroup2 none rw\n",
		out, sizeof(out)), 0);
	assert_string_equal(out, "/mnt/a\\b\tc");
}

/* ---- requests.skip_cgroups ---- */

static void test_skip_cgroups_match_cgroup_and_descendants(void **state)
{
	struct fixture *fx = *state;

	load(fx, "requests:\n"
		 "  skip_cgroups: [\"/system.slice/backup-*.service\", \"/load\"]\n");
	assert_true(cgroup_requests_skipped(&fx->cfg, "/system.slice/backup-db.service"));
	assert_true(cgroup_requests_skipped(&fx->cfg, "/system.slice/backup-db.service/worker"));
	assert_true(cgroup_requests_skipped(&fx->cfg, "/load"));
	assert_true(cgroup_requests_skipped(&fx->cfg, "/load/a/b"));
	assert_false(cgroup_requests_skipped(&fx->cfg, "/system.slice/shop.service"));
	assert_false(cgroup_requests_skipped(&fx->cfg, "/loader"));
	assert_false(cgroup_requests_skipped(&fx->cfg, "/"));
}

static void test_skip_cgroups_star_does_not_cross_slash(void **state)
{
	struct fixture *fx = *state;

	load(fx, "requests: {skip_cgroups: [\"/*-load\"]}\n");
	assert_true(cgroup_requests_skipped(&fx->cfg, "/wrk-load"));
	assert_false(cgroup_requests_skipped(&fx->cfg, "/bench/wrk-load"));
}

static void test_no_skip_cgroups_skip_nothing(void **state)
{
	struct fixture *fx = *state;

	assert_false(cgroup_requests_skipped(&fx->cfg, "/"));
	assert_false(cgroup_requests_skipped(&fx->cfg, "/system.slice/nginx.service"));
}

static void test_mount_find_matches_fs_type_not_source(void **state)
{
	char out[256];

	(void)state;
	assert_int_equal(find_in(
		"40 22 0:40 / /run/fake rw - tmpfs cgroup2 rw\n"
		"41 22 0:41 / /run/fake2 rw - cgroup2fs cgroup2 rw\n",
		out, sizeof(out)), -ENOENT);
}

static void test_mount_find_returns_first_cgroup2_mount(void **state)
{
	char out[256];

	(void)state;
	assert_int_equal(find_in(
		"26 24 0:24 / /sys/fs/cgroup rw,relatime - cgroup2 cgroup2 rw\n"
		"90 22 0:24 / /run/container/cgroup rw,relatime - cgroup2 cgroup2 rw\n",
		out, sizeof(out)), 0);
	assert_string_equal(out, "/sys/fs/cgroup");
}

static void test_mount_find_without_cgroup2_is_enoent(void **state)
{
	char out[256];

	(void)state;
	assert_int_equal(find_in(
		"22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n"
		"32 31 0:27 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n",
		out, sizeof(out)), -ENOENT);
}

static void test_mount_find_empty_file_is_enoent(void **state)
{
	char out[256];

	(void)state;
	assert_int_equal(find_in("", out, sizeof(out)), -ENOENT);
}

static void test_mount_find_missing_file_is_negative_errno(void **state)
{
	char out[256];

	(void)state;
	assert_int_equal(cgroup2_mount_find("/nonexistent/pantau/mountinfo", out, sizeof(out)),
			 -ENOENT);
}

static void test_mount_find_short_buffer_is_enametoolong(void **state)
{
	char out[8];

	(void)state;
	assert_int_equal(find_in(
		"26 24 0:24 / /sys/fs/cgroup rw,relatime - cgroup2 cgroup2 rw\n",
		out, sizeof(out)), -ENAMETOOLONG);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_systemd_unit_strips_service_suffix),
		T(test_child_cgroup_of_unit_rolls_up_to_unit),
		T(test_template_unit_keeps_instance),
		T(test_scope_strips_suffix),
		T(test_nested_user_service_uses_innermost_service),
		T(test_service_wins_over_scope_below_it),
		T(test_slice_only_uses_innermost_slice),
		T(test_docker_scope_uses_short_container_id),
		T(test_docker_cgroupfs_uses_short_container_id),
		T(test_podman_scope_uses_short_container_id),
		T(test_containerd_scope_uses_short_container_id),
		T(test_crio_scope_uses_short_container_id),
		T(test_podman_cgroupfs_container_uses_short_container_id),
		T(test_podman_cgroupfs_parent_is_not_a_service),
		T(test_container_ref_names_runtime_from_cgroup_shape),
		T(test_container_ref_finds_pod_and_its_container),
		T(test_container_ref_of_plain_cgroup_is_enoent),
		T(test_container_child_cgroup_rolls_up_to_container),
		T(test_kubernetes_systemd_driver_pod_wins_over_container),
		T(test_kubernetes_systemd_driver_guaranteed_pod),
		T(test_kubernetes_cgroupfs_driver_pod_wins_over_container),
		T(test_kubernetes_pod_cgroup_itself_is_the_pod),
		T(test_kubernetes_qos_slice_without_pod_is_a_slice),
		T(test_plain_service_at_root),
		T(test_first_plain_directory_wins_and_children_roll_up),
		T(test_root_cgroup_is_root),
		T(test_63_hex_component_is_not_a_container),
		T(test_non_hex_64_char_component_is_not_a_container),
		T(test_cgroup_rule_wins_over_builtin_naming),
		T(test_cgroup_rule_matches_child_cgroup_via_ancestor),
		T(test_cgroup_rule_star_does_not_cross_slash),
		T(test_cgroup_rule_not_matching_leaves_builtin_naming),
		T(test_first_matching_cgroup_rule_wins),
		T(test_later_cgroup_rule_applies_when_earlier_does_not_match),
		T(test_earlier_rule_matching_ancestor_beats_later_exact_rule),
		T(test_cgroup_rule_wins_over_pod),
		T(test_root_cgroup_rule_names_root_cgroup),
		T(test_process_rule_does_not_name_cgroups),
		T(test_process_rule_names_matching_comm),
		T(test_process_without_matching_rule_keeps_comm),
		T(test_process_without_rules_keeps_comm),
		T(test_first_matching_process_rule_wins),
		T(test_cgroup_rule_does_not_name_processes),
		T(test_short_lived_in_root_is_plain_short_lived),
		T(test_short_lived_in_slice_names_owner),
		T(test_short_lived_owner_follows_cgroup_rules),
		T(test_short_lived_name_too_long_is_enametoolong),
		T(test_default_config_shares_only_root),
		T(test_shared_glob_matches_one_level_only),
		T(test_shared_list_replaces_root_default),
		T(test_empty_shared_list_shares_nothing),
		T(test_name_of_max_minus_one_bytes_fits),
		T(test_cgroup_name_longer_than_max_is_enametoolong),
		T(test_name_longer_than_out_buffer_is_enametoolong),
		T(test_process_name_longer_than_out_buffer_is_enametoolong),
		T(test_every_rule_name_config_accepts_names_a_cgroup),
		T(test_every_rule_name_config_accepts_names_a_process),
		T(test_mount_find_hybrid_host_finds_unified),
		T(test_mount_find_unified_host),
		T(test_mount_find_skips_optional_fields),
		T(test_mount_find_unescapes_octal_space),
		T(test_mount_find_unescapes_octal_backslash_and_tab),
		T(test_mount_find_matches_fs_type_not_source),
		T(test_skip_cgroups_match_cgroup_and_descendants),
		T(test_skip_cgroups_star_does_not_cross_slash),
		T(test_no_skip_cgroups_skip_nothing),
		T(test_mount_find_returns_first_cgroup2_mount),
		T(test_mount_find_without_cgroup2_is_enoent),
		T(test_mount_find_empty_file_is_enoent),
		T(test_mount_find_missing_file_is_negative_errno),
		T(test_mount_find_short_buffer_is_enametoolong),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
