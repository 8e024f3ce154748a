/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Which cgroups may have changed between populated and empty since the
 * last look: an inotify watch on each cgroup.events, which the kernel
 * marks modified when the populated (or frozen) line changes. A sweep
 * then reads only those files instead of one per cgroup: at 1,000
 * services the reads were most of a scrape.
 */
#ifndef PANTAU_CGROUP_WATCH_H
#define PANTAU_CGROUP_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/rowtab.h"

struct cgroup_watch {
	int fd;			/* inotify, or -1: every cgroup is read every time */
	struct rowtab wds;	/* struct cgroup_watch_row: watch descriptor -> cgroup id */
};

/* Never fails: without inotify (or its memory) the watch is off. */
void cgroup_watch_init(struct cgroup_watch *w, size_t capacity);
void cgroup_watch_free(struct cgroup_watch *w);

/*
 * Watch dir/cgroup.events for the cgroup id: the watch descriptor (> 0),
 * or 0 when it cannot be watched (no inotify, the per-user watch limit,
 * the table full, the cgroup gone). Add the watch before reading the
 * file, so that a change after the read is not missed.
 */
int cgroup_watch_add(struct cgroup_watch *w, const char *dir, uint64_t id);

/*
 * Stop watching: the kernel keeps a removed cgroup's watch (the watch
 * holds its inode), so the owner of the id removes it when done with it.
 */
void cgroup_watch_remove(struct cgroup_watch *w, int32_t wd);

/*
 * Read what the kernel queued: changed(id, gone, ctx) for each cgroup
 * whose file changed, gone when the kernel ended its watch.
 * Returns false when events were lost (queue overflow, or more than one
 * call reads): then every watched cgroup must be read again.
 */
bool cgroup_watch_drain(struct cgroup_watch *w,
			void (*changed)(uint64_t id, bool gone, void *ctx), void *ctx);

#endif
