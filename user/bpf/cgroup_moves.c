// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpf/cgroup_moves.h"
#include "bpf/probes.h"
#include "cgroups.skel.h"
#include "naming/registry.h"
#include "pantau/cgroups.h"

#define MOVES_PER_NOTE 256

long cgroup_moves_drain(const struct probes *p, struct registry *r)
{
	struct process_move moves[MOVES_PER_NOTE];
	uint32_t key, next;
	size_t n = 0;
	long total = 0;
	bool more;
	int fd;

	if (!p->cgroups)
		return 0;
	fd = bpf_map__fd(p->cgroups->maps.cgroup_moves);
	more = bpf_map_get_next_key(fd, NULL, &key) == 0;
	/* The next key is taken before each delete, so the walk never restarts. */
	for (int i = 0; more && i < CGROUP_MOVES_MAX_ENTRIES; i++) {
		uint64_t dst;

		more = bpf_map_get_next_key(fd, &key, &next) == 0;
		if (bpf_map_lookup_and_delete_elem(fd, &key, &dst) == 0 ||
		    (bpf_map_lookup_elem(fd, &key, &dst) == 0 && bpf_map_delete_elem(fd, &key) == 0)) {
			moves[n++] = (struct process_move){ .tgid = key, .cgroup_id = dst };
			total++;
		}
		if (n == MOVES_PER_NOTE) {
			registry_note_moves(r, moves, n);
			n = 0;
		}
		key = next;
	}
	registry_note_moves(r, moves, n);
	return total;
}
