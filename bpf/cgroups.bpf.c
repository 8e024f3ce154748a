// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Capture each cgroup2 path as the cgroup appears, so a cgroup created and
 * removed between two scrapes still gets its name.
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
