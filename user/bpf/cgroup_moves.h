/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Processes moved between cgroups, from the cgroups object's cgroup_moves map. */
#ifndef PANTAU_CGROUP_MOVES_H
#define PANTAU_CGROUP_MOVES_H

struct probes;
struct registry;

/*
 * Empty the map into the registry (registry_note_moves); a no-op without
 * the cgroups object. Returns how many moves were read.
 */
long cgroup_moves_drain(const struct probes *p, struct registry *r);

#endif
