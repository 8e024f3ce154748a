// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "bpf/id_map.h"
#include "bpf/probes.h"
#include "bpf/shared_cgroups.h"
#include "naming/registry.h"
#include "pantau/service_key.h"

int shared_cgroups_sync(const struct probes *p, const struct registry *r)
{
	uint64_t ids[PANTAU_MAX_SHARED_CGROUPS];
	int fd = probes_shared_cgroups_fd(p);

	if (fd < 0)
		return 0;
	return id_map_set(fd, ids, registry_shared_ids(r, ids, PANTAU_MAX_SHARED_CGROUPS),
			  PANTAU_MAX_SHARED_CGROUPS);
}
