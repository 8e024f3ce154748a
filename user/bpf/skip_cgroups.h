/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * requests.skip_cgroups on the kernel side: the ids of the cgroups it
 * matches, in the net object's skip_cgroups map, looked up at connect()
 * and listen().
 */
#ifndef PANTAU_SKIP_CGROUPS_H
#define PANTAU_SKIP_CGROUPS_H

#include <stddef.h>
#include <stdint.h>

struct probes;
struct registry;

/*
 * Fill the map from the registry's last cgroup walk; a no-op without the
 * net domain or without requests.skip_cgroups. Returns 0 or a negative
 * errno; says once when more cgroups match than the map holds.
 */
int skip_cgroups_sync(struct probes *p, const struct registry *r);

#endif
