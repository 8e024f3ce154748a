// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "lib/clock.h"
#include "log.h"
#include "naming/registry.h"
#include "pantau/cgroups.h"

#define PSEUDO_SERVICES 2	/* "other" and one "short-lived" at least */
#define CGROUP_WALK_MAX_DEPTH 32
#define CGROUP_WALK_MAX_DIRS 100000
#define PROC_SEED_MAX 1000000
/* Sweeps an entry stays after death: its last switch-out has happened. */
#define DEAD_SWEEPS_BEFORE_REMOVAL 2

int registry_init(struct registry *r, const struct pantau_config *cfg,
		  const char *cgroup_mnt, size_t key_capacity, int cgroup_paths_fd)
{
	int err;

	memset(r, 0, sizeof(*r));
	cgroup_watch_init(&r->watch, key_capacity);
	r->cfg = cfg;
	r->cgroup_paths_fd = cgroup_paths_fd;
	snprintf(r->proc_root, sizeof(r->proc_root), "/proc");
	if ((size_t)snprintf(r->cgroup_mnt, sizeof(r->cgroup_mnt), "%s", cgroup_mnt) >=
	    sizeof(r->cgroup_mnt))
		return -ENAMETOOLONG;
	/* Short-lived services: one per shared cgroup, bounded by the config. */
	r->max_services = cfg->services_max + PSEUDO_SERVICES + CONFIG_MAX_SHARED;
	r->services = calloc(r->max_services, sizeof(*r->services));
	r->service_containers = calloc(r->max_services, sizeof(*r->service_containers));
	r->containers = containers_new("/");
	if (!r->services || !r->service_containers || !r->containers) {
		err = -ENOMEM;
		goto cleanup;
	}
	limits_mounts_init(&r->limit_mounts, cgroup_mnt, "/proc/self/mountinfo");
	err = rowtab_init(&r->keys, sizeof(struct service_key), sizeof(struct key_slot),
			  key_capacity);
	if (err)
		goto cleanup;
	err = rowtab_init(&r->cgroups, sizeof(uint64_t), sizeof(struct cgroup_info),
			  key_capacity);
	if (err)
		goto cleanup;
	r->max_entries = key_capacity;
	return 0;
cleanup:
	registry_free(r);
	return err;
}

void registry_free(struct registry *r)
{
	free(r->services);
	free(r->service_containers);
	containers_free(r->containers);
	free(r->entries);
	rowtab_free(&r->keys);
	rowtab_free(&r->cgroups);
	cgroup_watch_free(&r->watch);
	memset(r, 0, sizeof(*r));
}

/* ---- cgroups ---- */

static struct cgroup_info *cgroup_find(struct registry *r, uint64_t id)
{
	return rowtab_get(&r->cgroups, &id, false);
}

static bool cgroup_unused(const void *row, void *ctx)
{
	const struct cgroup_info *c = row;
	struct registry *r = ctx;

	if (c->shared || c->requests_skipped || c->kept == r->prunes)
		return false;
	cgroup_watch_remove(&r->watch, c->watch);
	return true;
}

/*
 * The table is full: drop the cgroups no key uses (removed ones, after a
 * flood of short-lived cgroups, or empty ones a walk found). They are
 * learned again, from cgroup_paths or a walk, when a key comes. Shared and
 * skipped cgroups stay: the kernel's maps are filled from them. Once per
 * collection at most, so a table full of cgroups in use costs one pass.
 */
static void cgroup_prune(struct registry *r)
{
	size_t before = r->cgroups.count;

	if (r->pruned_gen == r->gen && r->prunes)
		return;
	r->pruned_gen = r->gen;
	r->prunes++;
	for (size_t i = 0; i < r->n_entries; i++) {
		struct cgroup_info *c;

		if (r->entries[i].used && (c = cgroup_find(r, r->entries[i].key.cgroup_id)))
			c->kept = r->prunes;
	}
	rowtab_remove_if(&r->cgroups, cgroup_unused, r);
	pt_debug("cgroup table full: forgot %zu cgroups no key uses", before - r->cgroups.count);
}

static struct cgroup_info *cgroup_learn(struct registry *r, uint64_t id, const char *path)
{
	struct cgroup_info *c = rowtab_get(&r->cgroups, &id, true);

	if (!c) {
		cgroup_prune(r);
		c = rowtab_get(&r->cgroups, &id, true);
	}
	if (!c)
		return NULL;
	if ((size_t)snprintf(c->path, sizeof(c->path), "%s", path) >= sizeof(c->path))
		pt_debug("cgroup %" PRIu64 ": path cut to %zu bytes", id, sizeof(c->path) - 1);
	c->shared = cgroup_is_shared(r->cfg, path);
	c->requests_skipped = cgroup_requests_skipped(r->cfg, path);
	c->scan = r->scans;
	return c;
}

static void walk(struct registry *r, int dirfd, char *path, size_t path_len,
		 int depth, unsigned *budget)
{
	struct dirent *de;
	struct stat st;
	DIR *dir;

	if (fstat(dirfd, &st) == 0)
		cgroup_learn(r, st.st_ino, path_len ? path : "/");
	if (depth >= CGROUP_WALK_MAX_DEPTH) {
		close(dirfd);
		return;
	}
	dir = fdopendir(dirfd);
	if (!dir) {
		close(dirfd);
		return;
	}
	while ((de = readdir(dir)) && *budget) {
		int child;
		int n;

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		n = snprintf(path + path_len, PATH_MAX - path_len, "/%s", de->d_name);
		if (n < 0 || path_len + (size_t)n >= PATH_MAX)
			continue;
		child = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (child < 0)
			continue;
		(*budget)--;
		walk(r, child, path, path_len + (size_t)n, depth + 1, budget);
		path[path_len] = '\0';
	}
	closedir(dir);
}

int registry_scan_cgroups(struct registry *r)
{
	unsigned budget = CGROUP_WALK_MAX_DIRS;
	char path[PATH_MAX] = "";
	int fd;

	fd = open(r->cgroup_mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r->scans++;
	walk(r, fd, path, 0, 0, &budget);
	return 0;
}

/* Path of a cgroup id: known, captured at mkdir by BPF, or a fresh scan. */
static struct cgroup_info *cgroup_resolve(struct registry *r, uint64_t id)
{
	struct cgroup_info *c = cgroup_find(r, id);
	struct cgroup_path captured;

	if (c)
		return c;
	if (r->cgroup_paths_fd >= 0 &&
	    bpf_map_lookup_elem(r->cgroup_paths_fd, &id, &captured) == 0) {
		captured.path[sizeof(captured.path) - 1] = '\0';
		return cgroup_learn(r, id, captured.path);
	}
	registry_scan_cgroups(r);
	return cgroup_find(r, id);
}

bool registry_cgroup_shared(struct registry *r, uint64_t cgroup_id)
{
	struct cgroup_info *c = cgroup_find(r, cgroup_id);

	return c && c->shared;
}

struct service_key registry_task_key(struct registry *r, uint64_t cgroup_id, uint32_t tgid)
{
	struct service_key k = { .cgroup_id = cgroup_id };

	if (registry_cgroup_shared(r, cgroup_id))
		k.tgid = tgid;
	return k;
}

size_t registry_shared_ids(const struct registry *r, uint64_t *ids, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < r->cgroups.count && n < max; i++) {
		const struct cgroup_info *c = rowtab_at(&r->cgroups, i);

		if (c->shared)
			ids[n++] = c->id;
	}
	return n;
}

size_t registry_skipped_ids(const struct registry *r, uint64_t *ids, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < r->cgroups.count; i++) {
		const struct cgroup_info *c = rowtab_at(&r->cgroups, i);

		if (!c->requests_skipped || c->scan != r->scans)
			continue;
		if (n < max)
			ids[n] = c->id;
		n++;
	}
	return n;
}

/* ---- services ---- */

static int32_t service_find(struct registry *r, const char *name)
{
	for (size_t i = 0; i < r->n_services; i++)
		if (r->services[i].used && strcmp(r->services[i].name, name) == 0)
			return (int32_t)i;
	return -1;
}

static int32_t service_new(struct registry *r, const char *name, bool pseudo)
{
	struct service *s;
	size_t i;

	for (i = 0; i < r->n_services; i++)
		if (!r->services[i].used)
			break;
	if (i == r->n_services) {
		if (r->n_services >= r->max_services)
			return -1;
		r->n_services++;
	}
	s = &r->services[i];
	memset(s, 0, sizeof(*s));
	memset(&r->service_containers[i], 0, sizeof(r->service_containers[i]));
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->used = true;
	s->pseudo = pseudo;
	s->up = !pseudo;
	return (int32_t)i;
}

static size_t real_services(const struct registry *r)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n_services; i++)
		n += r->services[i].used && !r->services[i].pseudo;
	return n;
}

/* Evict the service that has been down longest and has no keys left. */
static bool evict_one(struct registry *r)
{
	int32_t victim = -1;

	for (size_t i = 0; i < r->n_services; i++) {
		struct service *s = &r->services[i];

		if (!s->used || s->pseudo || s->up || s->refs)
			continue;
		if (victim < 0 || s->down_since_ns < r->services[victim].down_since_ns)
			victim = (int32_t)i;
	}
	if (victim < 0)
		return false;
	pt_debug("service %s evicted: down longest and the services cap is reached",
		 r->services[victim].name);
	r->services[victim].used = false;
	r->folded[FOLD_EVICTED]++;
	return true;
}

/* The service named name, created within the cap, else "other". */
static int32_t service_get(struct registry *r, const char *name, bool pseudo)
{
	int32_t i = service_find(r, name);

	if (i >= 0)
		return i;
	if (!pseudo && real_services(r) >= r->cfg->services_max && !evict_one(r)) {
		r->folded[FOLD_CAP]++;
		return service_get(r, SERVICE_OTHER, true);
	}
	return service_new(r, name, pseudo);
}

struct service *registry_service(struct registry *r, const struct key_entry *e)
{
	return e->service < 0 ? NULL : &r->services[e->service];
}

const struct container_info *registry_service_container(const struct registry *r, size_t svc)
{
	if (svc >= r->n_services || !r->services[svc].used || !r->service_containers[svc].runtime[0])
		return NULL;
	return &r->service_containers[svc];
}

static void entry_attach(struct registry *r, struct key_entry *e, int32_t svc)
{
	e->service = svc;
	e->pending = svc < 0;
	if (svc >= 0)
		r->services[svc].refs++;
}

/* ---- keys ---- */

/*
 * A cgroup's service: a config rule, else the name its container runtime
 * gives it, else its cgroup path's shape. The runtime's state is read
 * here, once per key, never on a BPF path.
 */
static void resolve_cgroup_key(struct registry *r, struct key_entry *e)
{
	struct cgroup_info *c = cgroup_resolve(r, e->key.cgroup_id);
	struct container_info ctr = { 0 };
	char name[SERVICE_NAME_MAX];
	bool named = false;
	int32_t svc;

	if (c) {
		if (containers_lookup(r->containers, r->cgroup_mnt, c->path, &ctr))
			memset(&ctr, 0, sizeof(ctr));
		named = service_name_by_rule(r->cfg, c->path, name, sizeof(name)) == 0;
		if (!named && ctr.service[0]) {
			snprintf(name, sizeof(name), "%s", ctr.service);
			named = true;
		}
		if (!named)
			named = service_name_for_cgroup(r->cfg, c->path, name, sizeof(name)) == 0;
	}
	if (!named)
		snprintf(name, sizeof(name), "cgroup-%" PRIu64, (uint64_t)e->key.cgroup_id);
	svc = service_get(r, name, false);
	/*
	 * The newest container of a service describes it: after a rollout or
	 * a re-run, its new pod and image. A pod's sandbox says less than any
	 * container, so it only stands in until one comes.
	 */
	if (svc >= 0 && !r->services[svc].pseudo && ctr.runtime[0] &&
	    (ctr.container[0] || !r->service_containers[svc].runtime[0]))
		r->service_containers[svc] = ctr;
	entry_attach(r, e, svc);
}

static void fold_short_lived(struct registry *r, struct key_entry *e)
{
	struct cgroup_info *c = cgroup_find(r, e->key.cgroup_id);
	char name[SERVICE_NAME_MAX];
	int32_t svc = -1;

	/* A process that died young joins its name's service if there is one. */
	if (e->proc.comm[0] &&
	    !service_name_for_process(r->cfg, e->proc.comm, name, sizeof(name)))
		svc = service_find(r, name);
	if (svc < 0) {
		if (service_name_short_lived(r->cfg, c ? c->path : "/", name, sizeof(name)))
			snprintf(name, sizeof(name), SERVICE_SHORT_LIVED);
		svc = service_get(r, name, true);
	}
	entry_attach(r, e, svc);
}

/* A process of a shared cgroup: its own service once old enough. */
static void resolve_process_key(struct registry *r, struct key_entry *e)
{
	char name[SERVICE_NAME_MAX];
	int32_t svc;

	if (!e->alive) {
		fold_short_lived(r, e);
		return;
	}
	/* Kernel threads of a shared cgroup are one service, not hundreds. */
	if (e->proc.kernel_thread) {
		entry_attach(r, e, service_get(r, SERVICE_KERNEL, false));
		return;
	}
	if (service_name_for_process(r->cfg, e->proc.comm, name, sizeof(name))) {
		fold_short_lived(r, e);
		return;
	}
	svc = service_find(r, name);
	if (svc < 0 && proc_age_seconds(e->proc.start_ticks) >= r->cfg->short_lived_seconds)
		svc = service_get(r, name, false);
	if (svc >= 0)
		entry_attach(r, e, svc);
	else
		e->pending = true;
}

static void refresh_process(struct registry *r, struct key_entry *e)
{
	struct proc_identity now;

	if (proc_read_identity(r->proc_root, e->key.tgid, &now) == 0 &&
	    (!e->proc.start_ticks || now.start_ticks == e->proc.start_ticks)) {
		/* exec changes comm: a young process is named by what it became. */
		if (e->pending || !e->proc.start_ticks)
			e->proc = now;
		e->alive = true;
	} else {
		e->alive = false;
	}
}

/* A free entry slot: a hole left by a removed key, else one past the last. */
static int free_slot(struct registry *r, size_t *out)
{
	size_t slot, cap;
	struct key_entry *p;

	for (slot = r->free_hint; slot < r->n_entries; slot++)
		if (!r->entries[slot].used)
			break;
	r->free_hint = slot;
	if (slot < r->entries_cap) {
		*out = slot;
		return 0;
	}
	if (slot >= r->max_entries)
		return -ENOSPC;
	cap = r->entries_cap ? r->entries_cap * 2 : 256;
	if (cap > r->max_entries)
		cap = r->max_entries;
	p = realloc(r->entries, cap * sizeof(*p));
	if (!p)
		return -ENOMEM;
	memset(p + r->entries_cap, 0, (cap - r->entries_cap) * sizeof(*p));
	r->entries = p;
	r->entries_cap = cap;
	*out = slot;
	return 0;
}

struct key_entry *registry_key(struct registry *r, const struct service_key *key)
{
	struct key_slot *ks = rowtab_get(&r->keys, key, false);
	struct key_entry *e;
	size_t slot;

	if (ks) {
		e = &r->entries[ks->entry];
		e->seen_gen = r->gen;
		return e;
	}
	if (free_slot(r, &slot) || !(ks = rowtab_get(&r->keys, key, true))) {
		r->keys_dropped++;
		return NULL;
	}
	if (slot >= r->n_entries)
		r->n_entries = slot + 1;
	r->free_hint = slot + 1;
	ks->entry = (int32_t)slot;
	e = &r->entries[slot];
	memset(e, 0, sizeof(*e));
	e->used = true;
	e->key = *key;
	e->service = -1;
	e->seen_gen = r->gen;
	if (key->tgid) {
		refresh_process(r, e);
		resolve_process_key(r, e);
	} else {
		e->alive = true;
		resolve_cgroup_key(r, e);
	}
	return e;
}

size_t registry_rename(struct registry *r)
{
	size_t moved = 0;

	for (size_t i = 0; i < r->n_entries; i++) {
		struct key_entry *e = &r->entries[i];
		int32_t was = e->service;

		/* The dead stay folded where they are: nothing more comes from them. */
		if (!e->used || (e->key.tgid && !e->alive))
			continue;
		if (was >= 0)
			r->services[was].refs--;
		e->service = -1;
		if (e->key.tgid)
			resolve_process_key(r, e);
		else
			resolve_cgroup_key(r, e);
		moved += e->service != was;
	}
	return moved;
}

size_t registry_reshare(struct registry *r)
{
	size_t changed = 0;

	for (size_t i = 0; i < r->cgroups.count; i++) {
		struct cgroup_info *c = rowtab_at(&r->cgroups, i);
		bool shared = cgroup_is_shared(r->cfg, c->path);

		changed += shared != c->shared;
		c->shared = shared;
	}
	return changed;
}

void registry_note_moves(struct registry *r, const struct process_move *moves, size_t n)
{
	uint64_t shared[PANTAU_MAX_SHARED_CGROUPS];
	size_t n_shared = registry_shared_ids(r, shared, PANTAU_MAX_SHARED_CGROUPS);

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n_shared; j++) {
			struct service_key k = { .cgroup_id = shared[j], .tgid = moves[i].tgid };
			const struct key_slot *ks = rowtab_get(&r->keys, &k, false);

			if (ks)
				r->entries[ks->entry].moved_out = shared[j] != moves[i].cgroup_id;
		}
}

void registry_begin(struct registry *r)
{
	r->gen++;
}

static bool cgroup_key_alive(struct registry *r, const struct key_entry *e)
{
	struct cgroup_info *c = cgroup_find(r, e->key.cgroup_id);
	char dir[PATH_MAX + 256];

	if (!c)
		return false;
	/* The root has no cgroup.events and always holds something. */
	if (strcmp(c->path, "/") == 0)
		return true;
	if (c->populated_known)
		return c->populated;
	snprintf(dir, sizeof(dir), "%s%s", r->cgroup_mnt, c->path);
	if (!c->watch)
		c->watch = cgroup_watch_add(&r->watch, dir, c->id);
	c->populated = cgroup_populated(dir);
	c->populated_known = c->watch > 0;
	return c->populated;
}

/*
 * The kernel splits a cgroup by process exactly when it is shared: a key
 * of the other shape is left from before services.shared_cgroups changed.
 */
static bool key_shape_current(struct registry *r, const struct key_entry *e)
{
	struct cgroup_info *c = cgroup_find(r, e->key.cgroup_id);

	return !c || c->shared == (e->key.tgid != 0);
}

/* Its key is forgotten: nothing reads the cgroup's state any more. */
static void cgroup_unwatch(struct registry *r, uint64_t id)
{
	struct cgroup_info *c = cgroup_find(r, id);

	if (!c || !c->watch)
		return;
	cgroup_watch_remove(&r->watch, c->watch);
	c->watch = 0;
	c->populated_known = false;
}

static void cgroup_changed(uint64_t id, bool gone, void *ctx)
{
	struct cgroup_info *c = cgroup_find(ctx, id);

	if (!c)
		return;
	c->populated_known = false;
	if (gone)
		c->watch = 0;
}

void registry_sweep(struct registry *r)
{
	uint64_t now = mono_ns();

	if (!cgroup_watch_drain(&r->watch, cgroup_changed, r))
		for (size_t i = 0; i < r->cgroups.count; i++)
			((struct cgroup_info *)rowtab_at(&r->cgroups, i))->populated_known = false;

	for (size_t i = 0; i < r->n_services; i++)
		r->services[i].live_keys = 0;
	for (size_t i = 0; i < r->n_entries; i++) {
		struct key_entry *e = &r->entries[i];

		if (!e->used)
			continue;
		if (e->key.tgid) {
			refresh_process(r, e);
			e->alive = e->alive && !e->moved_out;
		} else {
			e->alive = cgroup_key_alive(r, e);
		}
		if (e->alive && !key_shape_current(r, e))
			e->alive = false;
		if (e->pending)
			resolve_process_key(r, e);
		if (e->alive) {
			e->dead_sweeps = 0;
			if (e->service >= 0)
				r->services[e->service].live_keys++;
		} else {
			e->dead_sweeps++;
		}
	}
	for (size_t i = 0; i < r->n_services; i++) {
		struct service *s = &r->services[i];
		bool up;

		if (!s->used || s->pseudo)
			continue;
		up = s->live_keys > 0;
		if (s->up && !up)
			s->down_since_ns = now;
		else if (up)
			s->down_since_ns = 0;
		s->up = up;
	}
}

static bool entry_removable(const struct key_entry *e)
{
	return e->used && e->dead_sweeps >= DEAD_SWEEPS_BEFORE_REMOVAL && !e->pending;
}

bool registry_key_removable(struct registry *r, const struct service_key *key)
{
	const struct key_slot *ks = rowtab_get(&r->keys, key, false);

	return ks && entry_removable(&r->entries[ks->entry]);
}

void registry_remove_dead(struct registry *r,
			  void (*delete_key)(const struct service_key *key, void *ctx),
			  void *ctx)
{
	for (size_t i = 0; i < r->n_entries; i++) {
		struct key_entry *e = &r->entries[i];

		if (!entry_removable(e))
			continue;
		pt_debug("forgetting key (%llu, %u): gone for %u sweeps",
			 (unsigned long long)e->key.cgroup_id, e->key.tgid, e->dead_sweeps);
		if (!e->key.tgid)
			cgroup_unwatch(r, e->key.cgroup_id);
		delete_key(&e->key, ctx);
		if (e->service >= 0)
			r->services[e->service].refs--;
		rowtab_del(&r->keys, &e->key);
		e->used = false;
		if (i < r->free_hint)
			r->free_hint = i;
	}
}

int registry_seed_processes(struct registry *r)
{
	char path[PATH_MAX];
	struct dirent *de;
	unsigned n = 0;
	DIR *dir;

	dir = opendir(r->proc_root);
	if (!dir)
		return -errno;
	while ((de = readdir(dir)) && n++ < PROC_SEED_MAX) {
		struct service_key key;
		struct cgroup_info *c;
		char cgdir[2 * PATH_MAX];
		struct stat st;
		char *end;
		unsigned long pid = strtoul(de->d_name, &end, 10);

		if (*end || !pid)
			continue;
		if (proc_read_cgroup2_path(r->proc_root, (uint32_t)pid, path, sizeof(path)))
			continue;
		snprintf(cgdir, sizeof(cgdir), "%s%s", r->cgroup_mnt, path);
		if (stat(cgdir, &st))
			continue;
		c = cgroup_learn(r, st.st_ino, path);
		if (!c)
			continue;
		key = registry_task_key(r, c->id, (uint32_t)pid);
		registry_key(r, &key);
	}
	closedir(dir);
	return 0;
}

uint64_t registry_task_cgroup_now(struct registry *r, uint32_t tid, uint64_t fallback)
{
	char path[PATH_MAX], dir[2 * PATH_MAX];
	struct stat st;

	if (proc_read_cgroup2_path(r->proc_root, tid, path, sizeof(path)))
		return fallback;
	if ((size_t)snprintf(dir, sizeof(dir), "%s%s", r->cgroup_mnt, path) >= sizeof(dir) ||
	    stat(dir, &st))
		return fallback;
	return st.st_ino;
}

static uint32_t first_pid_of(const char *cgroup_dir)
{
	char path[2 * PATH_MAX], buf[32];
	unsigned long pid = 0;
	FILE *f;

	if ((size_t)snprintf(path, sizeof(path), "%s/cgroup.procs", cgroup_dir) >= sizeof(path))
		return 0;
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f))
		pid = strtoul(buf, NULL, 10);
	fclose(f);
	return (uint32_t)pid;
}

int registry_service_sample(struct registry *r, size_t svc, uint32_t *pid,
			    char *cgroup_path, size_t len)
{
	for (size_t i = 0; i < r->n_entries; i++) {
		struct key_entry *e = &r->entries[i];
		struct cgroup_info *c;
		char dir[2 * PATH_MAX];

		if (!e->used || !e->alive || e->service != (int32_t)svc)
			continue;
		c = cgroup_find(r, e->key.cgroup_id);
		if (!c)
			continue;
		snprintf(cgroup_path, len, "%s", c->path);
		if (e->key.tgid) {
			*pid = e->key.tgid;
		} else {
			snprintf(dir, sizeof(dir), "%s%s", r->cgroup_mnt, c->path);
			*pid = first_pid_of(dir);
		}
		return 0;
	}
	return -ENOENT;
}

bool registry_has_service(const struct registry *r, const char *name)
{
	for (size_t i = 0; i < r->n_services; i++)
		if (r->services[i].used && strcmp(r->services[i].name, name) == 0)
			return true;
	return false;
}
