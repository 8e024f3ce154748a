// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpf/id_map.h"
#include "bpf/probes.h"
#include "bpf/skip_cgroups.h"
#include "log.h"
#include "naming/registry.h"
#include "net.skel.h"

int skip_cgroups_sync(struct probes *p, const struct registry *r)
{
	static bool said_full;
	struct bpf_map *map;
	uint64_t *ids;
	uint32_t max;
	size_t n;
	int err;

	if (!p->net || !r->cfg->n_skip_cgroups)
		return 0;
	map = p->net->maps.skip_cgroups;
	max = bpf_map__max_entries(map);
	ids = calloc(max, sizeof(*ids));
	if (!ids)
		return -ENOMEM;
	n = registry_skipped_ids(r, ids, max);
	if (n > max && !said_full) {
		pt_warn("requests.skip_cgroups matches %zu cgroups; only %u are left unparsed, "
			"the connections of the rest are parsed: narrow the globs.", n, max);
		said_full = true;
	}
	err = id_map_set(bpf_map__fd(map), ids, n < max ? n : max, max);
	free(ids);
	return err;
}
