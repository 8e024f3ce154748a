// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Service naming: cgroup path or process name -> service name. */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/mountinfo.h"
#include "naming/services.h"

#define MOUNTINFO_LINE_MAX 4096
#define MOUNTINFO_MAX_LINES 100000
#define CONTAINER_SHORT_ID_LEN 12
#define PODMAN_CGROUPFS_PARENT "libpod_parent"

int cgroup2_mount_read(FILE *f, char *out, size_t len)
{
	char line[MOUNTINFO_LINE_MAX];

	for (int n = 0; n < MOUNTINFO_MAX_LINES && fgets(line, sizeof(line), f); n++) {
		char *save = NULL, *field, *mnt = NULL, *sep;
		int i = 0;

		/* Optional fields end at " - "; the fs type follows it. */
		sep = strstr(line, " - ");
		if (!sep)
			continue;
		if (strncmp(sep + 3, "cgroup2 ", 8) != 0)
			continue;
		*sep = '\0';
		for (field = strtok_r(line, " ", &save); field;
		     field = strtok_r(NULL, " ", &save), i++) {
			if (i == 4) {
				mnt = field;
				break;
			}
		}
		if (!mnt)
			continue;
		mountinfo_unescape(mnt);
		if ((size_t)snprintf(out, len, "%s", mnt) >= len)
			return -ENAMETOOLONG;
		return 0;
	}
	return -ENOENT;
}

int cgroup2_mount_find(const char *mountinfo_path, char *out, size_t len)
{
	FILE *f;
	int err;

	f = fopen(mountinfo_path, "re");
	if (!f)
		return -errno;
	err = cgroup2_mount_read(f, out, len);
	fclose(f);
	return err;
}

static int copy_name(char *out, size_t len, const char *name, size_t name_len)
{
	if (name_len >= len || name_len >= SERVICE_NAME_MAX)
		return -ENAMETOOLONG;
	memcpy(out, name, name_len);
	out[name_len] = '\0';
	return 0;
}

static bool is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

static bool has_suffix(const char *s, size_t n, const char *suffix)
{
	size_t sl = strlen(suffix);

	return n > sl && memcmp(s + n - sl, suffix, sl) == 0;
}

/*
 * A Kubernetes pod cgroup: "pod<uid>" (cgroupfs driver) or
 * "kubepods[-<qos>]-pod<uid with _ for ->.slice" (systemd driver).
 */
static bool pod_uid(const char *c, size_t n, char *uid)
{
	const char *p = NULL;
	size_t ul = n;

	if (n > 3 && memcmp(c, "pod", 3) == 0) {
		p = c + 3;
		ul = n - 3;
	} else if (n > 8 && memcmp(c, "kubepods", 8) == 0 && has_suffix(c, n, ".slice")) {
		const char *pod = memmem(c, n, "-pod", 4);

		if (pod) {
			p = pod + 4;
			ul = (size_t)(c + n - strlen(".slice") - p);
		}
	}
	if (!p || ul != POD_UID_LEN)
		return false;
	for (size_t i = 0; i < ul; i++) {
		char ch = p[i] == '_' ? '-' : p[i];

		if (ch != '-' && !isxdigit((unsigned char)ch))
			return false;
		uid[i] = ch;
	}
	uid[ul] = '\0';
	return true;
}

/*
 * A container: "<runtime>-<64 hex>.scope" (docker, libpod, cri-containerd,
 * crio under systemd), "<runtime>-<64 hex>" (libpod and crio under their
 * cgroupfs managers) or a bare 64-hex directory (docker and the
 * Kubernetes cgroupfs driver).
 */
static bool container_id(const char *c, size_t n, const char **id,
			 enum container_runtime *runtime)
{
	static const struct {
		const char *prefix;
		enum container_runtime runtime;
	} prefixes[] = {
		{ "docker-", CONTAINER_DOCKER }, { "libpod-", CONTAINER_PODMAN },
		{ "cri-containerd-", CONTAINER_CONTAINERD }, { "crio-", CONTAINER_CRIO },
		{ "containerd-", CONTAINER_CONTAINERD },
	};

	if (n == CONTAINER_ID_LEN && is_hex(c, n)) {
		*id = c;
		*runtime = CONTAINER_UNKNOWN;
		return true;
	}
	if (has_suffix(c, n, ".scope"))
		n -= strlen(".scope");
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t pl = strlen(prefixes[i].prefix);

		if (n == pl + CONTAINER_ID_LEN && memcmp(c, prefixes[i].prefix, pl) == 0 &&
		    is_hex(c + pl, CONTAINER_ID_LEN)) {
			*id = c + pl;
			*runtime = prefixes[i].runtime;
			return true;
		}
	}
	return false;
}

int cgroup_container_ref(const char *path, struct container_ref *ref)
{
	const char *c = path, *cid = NULL;
	char uid[POD_UID_LEN + 1];

	memset(ref, 0, sizeof(*ref));
	/* Bounded by the path: each pass consumes one component. */
	while (*c) {
		enum container_runtime rt;
		const char *end, *id;
		size_t n;

		while (*c == '/')
			c++;
		if (!*c)
			break;
		end = strchrnul(c, '/');
		n = (size_t)(end - c);
		if (!ref->pod_uid[0] && pod_uid(c, n, uid)) {
			size_t pl = (size_t)(end - path);

			if (pl >= sizeof(ref->pod_path))
				return -ENAMETOOLONG;
			memcpy(ref->pod_path, path, pl);
			ref->pod_path[pl] = '\0';
			memcpy(ref->pod_uid, uid, sizeof(uid));
		} else if (container_id(c, n, &id, &rt)) {
			cid = id;
			ref->runtime = rt;
			/* /docker/<id>: docker's cgroupfs driver */
			if (rt == CONTAINER_UNKNOWN && c - path == 8 && memcmp(path, "/docker/", 8) == 0)
				ref->runtime = CONTAINER_DOCKER;
		}
		c = end;
	}
	if (cid) {
		memcpy(ref->id, cid, CONTAINER_ID_LEN);
		ref->id[CONTAINER_ID_LEN] = '\0';
	}
	return cid || ref->pod_uid[0] ? 0 : -ENOENT;
}

/* Whether glob matches the cgroup at path or one of its ancestors. */
static bool glob_matches_cgroup_or_ancestor(const char *glob, const char *path)
{
	char prefix[PATH_MAX];
	size_t plen = strlen(path);

	if (plen >= sizeof(prefix))
		plen = sizeof(prefix) - 1;
	memcpy(prefix, path, plen);
	prefix[plen] = '\0';
	/* Bounded by the path length: each pass drops one component. */
	for (;;) {
		char *slash;

		if (fnmatch(glob, prefix, FNM_PATHNAME) == 0)
			return true;
		slash = strrchr(prefix, '/');
		if (!slash || slash == prefix)
			return false;
		*slash = '\0';
	}
}

/* First rule whose glob matches the path or one of its ancestors. */
static const struct service_rule *match_cgroup_rule(const struct pantau_config *cfg,
						    const char *path)
{
	for (size_t r = 0; r < cfg->n_rules; r++) {
		const struct service_rule *rule = &cfg->rules[r];

		if (rule->kind == RULE_CGROUP && glob_matches_cgroup_or_ancestor(rule->pattern, path))
			return rule;
	}
	return NULL;
}

int service_name_by_rule(const struct pantau_config *cfg, const char *path,
			 char *out, size_t len)
{
	const struct service_rule *rule = match_cgroup_rule(cfg, path);

	if (!rule)
		return -ENOENT;
	return copy_name(out, len, rule->name, strlen(rule->name));
}

int service_name_for_cgroup(const struct pantau_config *cfg, const char *path,
			    char *out, size_t len)
{
	const char *service = NULL, *scope = NULL, *plain = NULL, *slice = NULL;
	size_t service_n = 0, scope_n = 0, plain_n = 0, slice_n = 0;
	const struct service_rule *rule;
	const char *c = path, *cid = NULL;
	char uid[POD_UID_LEN + 1];

	rule = match_cgroup_rule(cfg, path);
	if (rule)
		return copy_name(out, len, rule->name, strlen(rule->name));

	while (*c) {
		enum container_runtime rt;
		const char *end;
		size_t n;

		while (*c == '/')
			c++;
		if (!*c)
			break;
		end = strchrnul(c, '/');
		n = (size_t)(end - c);
		/* A pod wins at any depth: its containers roll up to it. */
		if (pod_uid(c, n, uid))
			return copy_name(out, len, uid, strlen(uid));
		if (container_id(c, n, &cid, &rt)) {
			/* keep looking: a pod further down would still win */
		} else if (has_suffix(c, n, ".service")) {
			service = c;
			service_n = n - strlen(".service");
		} else if (has_suffix(c, n, ".scope")) {
			scope = c;
			scope_n = n - strlen(".scope");
		} else if (has_suffix(c, n, ".slice")) {
			slice = c;
			slice_n = n - strlen(".slice");
		} else if (!plain && !(n == strlen(PODMAN_CGROUPFS_PARENT) &&
					 memcmp(c, PODMAN_CGROUPFS_PARENT, n) == 0)) {
			/* podman's cgroupfs parent holds conmon and containers: not a service */
			plain = c;
			plain_n = n;
		}
		c = end;
	}
	if (cid)
		return copy_name(out, len, cid, CONTAINER_SHORT_ID_LEN);
	if (service)
		return copy_name(out, len, service, service_n);
	if (scope)
		return copy_name(out, len, scope, scope_n);
	if (plain)
		return copy_name(out, len, plain, plain_n);
	if (slice)
		return copy_name(out, len, slice, slice_n);
	return copy_name(out, len, "root", 4);
}

int service_name_for_process(const struct pantau_config *cfg, const char *comm,
			     char *out, size_t len)
{
	for (size_t r = 0; r < cfg->n_rules; r++) {
		const struct service_rule *rule = &cfg->rules[r];

		if (rule->kind == RULE_PROCESS && fnmatch(rule->pattern, comm, 0) == 0)
			return copy_name(out, len, rule->name, strlen(rule->name));
	}
	return copy_name(out, len, comm, strlen(comm));
}

int service_name_short_lived(const struct pantau_config *cfg,
			     const char *cgroup_path, char *out, size_t len)
{
	char owner[SERVICE_NAME_MAX];
	int err;

	if (strcmp(cgroup_path, "/") == 0)
		return copy_name(out, len, SERVICE_SHORT_LIVED, strlen(SERVICE_SHORT_LIVED));
	err = service_name_for_cgroup(cfg, cgroup_path, owner, sizeof(owner));
	if (err)
		return err;
	if ((size_t)snprintf(out, len, SERVICE_SHORT_LIVED ":%s", owner) >= len)
		return -ENAMETOOLONG;
	return 0;
}

bool cgroup_is_shared(const struct pantau_config *cfg, const char *path)
{
	for (size_t i = 0; i < cfg->n_shared_cgroups; i++)
		if (fnmatch(cfg->shared_cgroups[i], path, FNM_PATHNAME) == 0)
			return true;
	return false;
}

bool cgroup_requests_skipped(const struct pantau_config *cfg, const char *path)
{
	for (size_t i = 0; i < cfg->n_skip_cgroups; i++)
		if (glob_matches_cgroup_or_ancestor(cfg->skip_cgroups[i], path))
			return true;
	return false;
}
