/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The services pantau knows, and for each BPF map key (cgroup id, tgid)
 * the service it belongs to. Totals are accumulated from deltas, so a
 * service's counters never go backwards when its processes exit or its
 * cgroup goes away. Memory is allocated once, bounded by the caps.
 */
#ifndef PANTAU_REGISTRY_H
#define PANTAU_REGISTRY_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include "config.h"
#include "lib/rowtab.h"
#include "collectors/cgroup_limits.h"
#include "naming/cgroup_watch.h"
#include "naming/containers.h"
#include "naming/procinfo.h"
#include "naming/services.h"
#include "pantau/cpu.h"
#include "pantau/net.h"

struct service {
	char name[SERVICE_NAME_MAX];
	bool used;
	bool up;
	bool pseudo;		/* "other" and "short-lived": no up/down */
	uint64_t down_since_ns;	/* monotonic; 0 while up */
	unsigned refs;		/* key entries pointing here */
	unsigned live_keys;	/* counted by the last sweep */
	struct cpu_stats cpu;	/* accumulated totals */
	uint64_t cpu_inflight_ns;	/* running slices, at the last collect */
	uint64_t cpu_exported_ns;	/* the most service_cpu_ns() returned */
	uint64_t rss_bytes;		/* gauge: sum over its processes */
	uint64_t faults_minor;		/* accumulated totals */
	uint64_t faults_major;
	uint64_t oom_kills;
	struct service_limits limits;	/* read every LIMITS_REFRESH_NS */
	uint64_t limits_read_ns;	/* monotonic; 0: not read yet */
	/* Network totals; bytes and retransmits include live connections. */
	struct net_stats net;
	uint32_t net_active[NET_DIRS];	/* gauge: live connections */
};

/* Memory figures of one key, as the last collection read them. */
struct mem_entry {
	uint64_t rss_bytes;
	uint64_t min_live, maj_live;		/* threads alive now */
	uint64_t min_exited, maj_exited;	/* threads that exited */
	uint64_t min_last, maj_last;		/* already in the service */
	uint64_t oom_cur, oom_last;
};

/* Network figures of one key, as the last collection read them. */
struct net_entry {
	struct net_stats cur;		/* the map, summed over CPUs */
	struct net_stats last;		/* what is already in the service */
	uint64_t live_received, live_sent, live_retrans;	/* live connections */
	uint32_t active[NET_DIRS];
};

struct key_entry {
	struct service_key key;
	bool used;
	bool pending;		/* young process: counts held back */
	bool alive;
	bool moved_out;		/* tgid keys: the process moved to another cgroup */
	unsigned dead_sweeps;
	int32_t service;	/* index, -1 while pending */
	struct proc_identity proc;	/* tgid keys only */
	uint64_t seen_gen;
	struct cpu_stats cpu_cur;	/* last read from the map */
	struct cpu_stats cpu_last;	/* what is already in the service */
	struct mem_entry mem;
	struct net_entry net;
};

/* A row of registry.keys. */
struct key_slot {
	struct service_key key;
	int32_t entry;		/* index into registry.entries */
};

struct cgroup_info {
	uint64_t id;		/* first: the key of registry.cgroups */
	char path[256];
	bool shared;
	bool requests_skipped;	/* matches requests.skip_cgroups */
	bool populated;		/* cgroup.events as last read */
	bool populated_known;	/* watched, and no change since that read */
	int32_t watch;		/* inotify watch of cgroup.events, 0 if none */
	uint64_t kept;		/* registry.prunes when a key last used it */
	uint64_t scan;		/* the walk that last saw it (registry.scans) */
};

enum fold_reason { FOLD_CAP, FOLD_EVICTED, FOLD_REASONS };

struct registry {
	const struct pantau_config *cfg;
	char cgroup_mnt[PATH_MAX];
	struct limits_mounts limit_mounts;
	char proc_root[64];
	int cgroup_paths_fd;	/* BPF map id -> path captured at mkdir, or -1 */
	struct service *services;
	/* Per service slot: its container, when one named it (runtime "" otherwise). */
	struct container_info *service_containers;
	struct containers *containers;	/* runtime state readers and their cache */
	size_t n_services;	/* slots in use (including freed ones) */
	size_t max_services;	/* cfg->services_max + pseudo services */
	/*
	 * Grown on demand up to max_entries, so that memory follows the keys
	 * in use rather than services.max; pointers into it last until the
	 * next registry_key().
	 */
	struct key_entry *entries;
	size_t n_entries;	/* slots ever used: every used entry is below */
	size_t entries_cap;	/* slots allocated */
	size_t max_entries;	/* the key table's capacity */
	size_t free_hint;	/* no free slot below this one */
	struct rowtab keys;	/* struct key_slot: key -> entries index */
	struct rowtab cgroups;	/* struct cgroup_info, found by id */
	struct cgroup_watch watch;	/* which cgroups' populated state changed */
	uint64_t gen;
	uint64_t scans;		/* cgroup walks so far: cgroups not seen by the last are gone */
	uint64_t prunes;	/* times the full cgroup table dropped unused rows */
	uint64_t pruned_gen;	/* the collection of the last prune: one each at most */
	uint64_t folded[FOLD_REASONS];
	uint64_t keys_dropped;	/* the key table was full */
};

int registry_init(struct registry *r, const struct pantau_config *cfg,
		  const char *cgroup_mnt, size_t key_capacity, int cgroup_paths_fd);
void registry_free(struct registry *r);

/* Walk the cgroup2 tree: learn paths and which cgroups are shared. */
int registry_scan_cgroups(struct registry *r);
/* Seed keys for every process already running, so services show at once. */
int registry_seed_processes(struct registry *r);

/*
 * Name every key again, after the service rules changed: a key whose
 * service changes takes its counts from now on to the new one; what the
 * old one counted stays with it. Returns how many keys moved.
 */
size_t registry_rename(struct registry *r);

/*
 * After services.shared_cgroups changed: every known cgroup is matched
 * again. From the next sweep a key of the wrong shape for its cgroup (the
 * cgroup's key of one now shared, a process's key of one no longer
 * shared) counts as gone, so its service goes down and the kernel's maps
 * drop it. Returns how many cgroups changed sides.
 */
size_t registry_reshare(struct registry *r);

/* A process the kernel saw move to another cgroup (bpf/cgroups.bpf.c). */
struct process_move {
	uint32_t tgid;
	uint64_t cgroup_id;	/* where it went */
};

/*
 * Processes moved since the last collection: the key each left in a shared
 * cgroup counts as gone from the next sweep, though the process lives on
 * elsewhere; one moved back into a shared cgroup is alive there again.
 */
void registry_note_moves(struct registry *r, const struct process_move *moves, size_t n);

/* Begin a collection pass. */
void registry_begin(struct registry *r);
/* The entry for key, created and resolved on first sight; NULL when full. */
struct key_entry *registry_key(struct registry *r, const struct service_key *key);
/* Liveness, resolution of young processes, up/down of services. */
void registry_sweep(struct registry *r);
/* Drop entries dead for two sweeps; delete_key removes them from BPF maps. */
void registry_remove_dead(struct registry *r,
			  void (*delete_key)(const struct service_key *key, void *ctx),
			  void *ctx);

/* Whether the entry for key is gone for good (removed at the end of this collection). */
bool registry_key_removable(struct registry *r, const struct service_key *key);

bool registry_cgroup_shared(struct registry *r, uint64_t cgroup_id);
/* Whether a service of that name is kept (not evicted). */
bool registry_has_service(const struct registry *r, const char *name);
struct service *registry_service(struct registry *r, const struct key_entry *e);
/* The container of service slot svc, or NULL when no container named it. */
const struct container_info *registry_service_container(const struct registry *r, size_t svc);

/* Map key of a task, applying the shared rule as the BPF side does. */
struct service_key registry_task_key(struct registry *r, uint64_t cgroup_id, uint32_t tgid);

/*
 * The cgroup a task is in now (from /proc): a task may have moved since
 * the BPF side last saw it switch in. fallback when that cannot be read.
 */
uint64_t registry_task_cgroup_now(struct registry *r, uint32_t tid, uint64_t fallback);

/*
 * A live process of service svc and its cgroup2 path, to read limits
 * from. Returns 0, or -ENOENT when the service has none.
 */
int registry_service_sample(struct registry *r, size_t svc, uint32_t *pid,
			    char *cgroup_path, size_t len);

/* Ids of shared cgroups for the BPF shared_cgroups map. */
size_t registry_shared_ids(const struct registry *r, uint64_t *ids, size_t max);

/*
 * Ids of the cgroups requests.skip_cgroups matches that the last walk
 * found (or that were learnt since), up to max of them in ids. Returns
 * how many there are, which may be more than max.
 */
size_t registry_skipped_ids(const struct registry *r, uint64_t *ids, size_t max);

#endif
