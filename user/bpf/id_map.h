/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Kernel maps that hold a set of cgroup ids: skip_cgroups, shared_cgroups. */
#ifndef PANTAU_ID_MAP_H
#define PANTAU_ID_MAP_H

#include <stddef.h>
#include <stdint.h>

/*
 * Make the hash map at fd (u64 keys, u8 values, max_entries of them) hold
 * exactly ids[0..n): ids not in it are deleted, so that cgroups that are
 * gone (a service restarted gets a new cgroup id) or no longer match do
 * not stay. ids is sorted in place. Returns 0 or a negative errno.
 */
int id_map_set(int fd, uint64_t *ids, size_t n, uint32_t max_entries);

#endif
