/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The service key on the hot path: one lookup in a small hash map decides
 * whether the current cgroup is shared (split per process). Every domain
 * object declares this map; user space creates it once and makes all of
 * them reuse it, so one update reaches every program.
 */
#ifndef PANTAU_SERVICE_KEY_BPF_H
#define PANTAU_SERVICE_KEY_BPF_H

#include "pantau/service_key.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PANTAU_MAX_SHARED_CGROUPS);
	__type(key, __u64);
	__type(value, __u8);
} shared_cgroups SEC(".maps");

static __always_inline void service_key_current(struct service_key *key)
{
	__u64 cgid = bpf_get_current_cgroup_id();

	key->cgroup_id = cgid;
	key->tgid = bpf_map_lookup_elem(&shared_cgroups, &cgid) ?
		    bpf_get_current_pid_tgid() >> 32 : 0;
	key->pad = 0;
}

#endif
