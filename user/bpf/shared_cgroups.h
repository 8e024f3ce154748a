/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * services.shared_cgroups on the kernel side: the ids of the cgroups it
 * matches, in the shared_cgroups map every object looks up to split a
 * cgroup's processes into keys of their own.
 */
#ifndef PANTAU_SHARED_CGROUPS_H
#define PANTAU_SHARED_CGROUPS_H

struct probes;
struct registry;

/*
 * Make the map hold exactly the registry's shared cgroups, as of its last
 * walk; a no-op when no object loaded. Returns 0 or a negative errno.
 */
int shared_cgroups_sync(const struct probes *p, const struct registry *r);

#endif
