/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The per-service map key, shared by every BPF domain and user space. */
#ifndef PANTAU_SERVICE_KEY_H
#define PANTAU_SERVICE_KEY_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/*
 * A service is keyed by its cgroup v2 id. Processes of a "shared" cgroup
 * (the cgroup2 root on hosts without systemd, or cgroups the config marks
 * as shared) are split per process: their key also carries the tgid. The
 * set of shared cgroup ids lives in the shared_cgroups map, so a config
 * reload can change it without reloading the programs.
 */
struct service_key {
	__u64 cgroup_id;
	__u32 tgid;	/* 0 unless cgroup_id is a shared cgroup */
	__u32 pad;	/* keeps the key free of uninitialised padding */
};

#define PANTAU_MAX_SHARED_CGROUPS 256

#endif
