// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Capture each cgroup2 path as the cgroup appears, so a cgroup created and
 * removed between two scrapes still gets its name; and each process moved
 * to another cgroup, so the key it leaves behind goes down.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "pantau/cgroups.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, CGROUP_PATHS_MAX_ENTRIES);
	__type(key, __u64);
	__type(value, struct cgroup_path);
} cgroup_paths SEC(".maps");

/*
 * tgid -> the cgroup2 id it was last moved to. User space drains it at
 * each collection: a process split out of a shared cgroup (a container's
 * first process, born in the root and moved by its runtime) otherwise
 * keeps its old key up for as long as it lives. A flood of moves between
 * two collections forgets the oldest.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, CGROUP_MOVES_MAX_ENTRIES);
	__type(key, __u32);
	__type(value, __u64);
} cgroup_moves SEC(".maps");

/* Too big for the BPF stack: one scratch value per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cgroup_path);
} cgroup_path_scratch SEC(".maps");

static __always_inline int on_mkdir(struct cgroup *cgrp, const char *path)
{
	struct cgroup_path *val;
	__u32 zero = 0;
	__u64 id;

	/* The default (v2) hierarchy has id 0; v1 hierarchies are not ours. */
	if (BPF_CORE_READ(cgrp, root, hierarchy_id) != 0)
		return 0;
	val = bpf_map_lookup_elem(&cgroup_path_scratch, &zero);
	if (!val)
		return 0;
	if (bpf_probe_read_kernel_str(val->path, sizeof(val->path), path) < 0)
		return 0;
	id = BPF_CORE_READ(cgrp, kn, id);
	bpf_map_update_elem(&cgroup_paths, &id, val, BPF_ANY);
	return 0;
}

SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(cgroup_mkdir_btf, struct cgroup *cgrp, const char *path)
{
	return on_mkdir(cgrp, path);
}

SEC("raw_tp/cgroup_mkdir")
int BPF_PROG(cgroup_mkdir_raw, struct cgroup *cgrp, const char *path)
{
	return on_mkdir(cgrp, path);
}

static __always_inline int on_attach(struct cgroup *dst, struct task_struct *task)
{
	__u32 tgid;
	__u64 id;

	if (BPF_CORE_READ(dst, root, hierarchy_id) != 0)
		return 0;
	tgid = BPF_CORE_READ(task, tgid);
	id = BPF_CORE_READ(dst, kn, id);
	bpf_map_update_elem(&cgroup_moves, &tgid, &id, BPF_ANY);
	return 0;
}

SEC("tp_btf/cgroup_attach_task")
int BPF_PROG(cgroup_attach_task_btf, struct cgroup *dst, const char *path,
	     struct task_struct *task, bool threadgroup)
{
	return on_attach(dst, task);
}

SEC("raw_tp/cgroup_attach_task")
int BPF_PROG(cgroup_attach_task_raw, struct cgroup *dst, const char *path,
	     struct task_struct *task, bool threadgroup)
{
	return on_attach(dst, task);
}
