/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The BPF side's lifecycle: probe the kernel, open every skeleton, size
 * its maps, load, attach each program on its own, and tear down.
 */
#ifndef PANTAU_PROBES_H
#define PANTAU_PROBES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "pantau/service_key.h"

#define PROBES_MAX 32
#define PROBE_WHY_MAX 200

struct probe_status {
	char name[48];		/* the hook, e.g. sched_switch */
	char object[16];	/* the domain, e.g. cpu */
	const char *kind;	/* tp_btf, raw_tp, fentry, iter, cgroup_skb or none */
	bool attached;
	char why[PROBE_WHY_MAX];	/* plain words when not attached */
};

enum probe_domain { PROBE_CPU, PROBE_CGROUPS, PROBE_MEMORY, PROBE_DISK, PROBE_NET, PROBE_DOMAINS };

enum probe_shared_map { PROBE_SHARED_CGROUPS, PROBE_EVENTS, PROBE_EVENT_DROPS, PROBE_SHARED_MAPS };

/* How the bytes a process sends are seen (the request programs). */
enum probe_sendmsg {
	SENDMSG_NONE,	/* neither: requests are not counted */
	SENDMSG_TP,	/* the tcp_sendmsg_locked tracepoint (Linux 6.16) */
	SENDMSG_FENTRY,	/* fentry on tcp_sendmsg_locked */
};

struct cpu_bpf;
struct cgroups_bpf;
struct memory_bpf;
struct disk_bpf;
struct net_bpf;
struct bpf_link;

struct probes {
	struct cpu_bpf *cpu;
	struct cgroups_bpf *cgroups;
	struct memory_bpf *memory;
	struct disk_bpf *disk;
	struct net_bpf *net;
	struct bpf_link *task_iter;	/* memory's task iterator, or NULL */
	struct bpf_link *tcp_iter;	/* net's live-connection iterator, or NULL */
	struct bpf_link *seed_iter;	/* net's listener seeding, run once at start */
	struct bpf_link *links[PROBES_MAX];
	struct probe_status status[PROBES_MAX];
	size_t n_status;
	bool btf;		/* tp_btf programs preferred (a domain may fall back to raw_tp) */
	bool block_io;		/* block_io_start/done (6.5), else block_rq_issue/complete */
	enum probe_sendmsg sendmsg;
	bool has_bpf_loop;	/* the request framer's loop helper (5.17) */
	bool oom_victim_task;	/* mark_victim passes the task (6.9 and stable updates) */
	bool alloc_on_use;	/* hash entries allocated as keys come (6.1's bpf_mem_alloc) */
	/* Maps every object shares, owned by the first that loaded; -1 when none did. */
	int shared_fd[PROBE_SHARED_MAPS];
	const char *cgroup_mnt;	/* where packet programs attach; set before attach */
	int stats_fd;		/* keeps the kernel's BPF run stats on */
	/* Per domain, why it did not load (or what of it is off); empty when all is well. */
	char domain_error[PROBE_DOMAINS][PROBE_WHY_MAX + 100];
};

struct probe_options {
	uint32_t cpu_stats_entries;	/* also sizes other per-key maps */
	bool http;			/* load the request programs (payload hooks) */
	bool tls;			/* and the TLS library ones (with http only) */
	/* Fallbacks to use even where better hooks exist, so that each can be tested. */
	unsigned force;			/* PROBE_FORCE(...) bits */
	/* The domains to load, as bits (1 << PROBE_CPU ...); 0 for all. Cgroup naming always loads. */
	unsigned domains;
};

/*
 * Parse a comma-separated list of domains (cpu, memory, disk, network)
 * into bits for probe_options.domains. Returns 0, or -EINVAL.
 */
int probes_parse_domains(const char *list, unsigned *bits);

enum probe_force { PROBE_FORCE_RAW_TP, PROBE_FORCE_BLOCK_RQ, PROBE_FORCE_FENTRY, PROBE_FORCE_PREALLOC };
#define PROBE_FORCE(name) (1u << PROBE_FORCE_##name)

/*
 * Parse --force-flavour's comma-separated list (raw_tp, block_rq, fentry,
 * prealloc)
 * into PROBE_FORCE bits. Returns 0, or -EINVAL.
 */
int probes_parse_force(const char *list, unsigned *bits);

/*
 * Open, size and load every skeleton (tp_btf first, raw_tp if that fails).
 * Returns 0 when at least one loaded, else a negative errno;
 * probes_load_error() then says why in words. Maps can be filled before
 * probes_attach().
 */
int probes_load(struct probes *p, const struct probe_options *opt);
/* The first domain's failure, for when nothing loaded. */
const char *probes_load_error(const struct probes *p);
/* Attach each loaded program on its own; returns how many attached. */
int probes_attach(struct probes *p);
void probes_stop(struct probes *p);

/* Whether the TLS library programs loaded (requests.tls, and a kernel that can tie them). */
bool probes_follow_tls(const struct probes *p);

/*
 * Keep the kernel's BPF run stats on (on) or let them go. They cost two
 * clock reads per run of every BPF program on the host, pantau's or not,
 * and stay on while anyone holds them. Returns 0 or a negative errno.
 */
int probes_set_run_stats(struct probes *p, bool on);

struct prog_stats {
	char name[64];
	uint64_t run_time_ns;
	uint64_t run_cnt;
	uint64_t missed_runs;	/* skipped: already running on that CPU */
};

/*
 * Delete a service key from every per-key map (its process or cgroup is
 * gone), and a cgroup key's captured path.
 */
void probes_forget_key(struct probes *p, const struct service_key *key);

/* The fds of the maps every object shares: -1 when not loaded. */
int probes_shared_cgroups_fd(const struct probes *p);
int probes_events_fd(const struct probes *p);
int probes_event_drops_fd(const struct probes *p);

/* Run stats of every loaded program; returns how many were filled. */
size_t probes_prog_stats(const struct probes *p, struct prog_stats *out, size_t max);

/* Map name, fd and capacity of every map, for pantau_map_* metrics. */
struct map_ref {
	const char *name;
	int fd;
	uint32_t key_size;
	uint32_t value_size;
	uint32_t max_entries;
	bool percpu;
};
size_t probes_maps(const struct probes *p, struct map_ref *out, size_t max);

#endif
