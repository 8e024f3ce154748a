// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>
#include "log.h"
#include "naming/cgroup_watch.h"

/* Reads per drain: 64 × 64 KiB holds about 250,000 events; past that, read all. */
#define DRAIN_READS_MAX 64
#define DRAIN_BUF_BYTES (64 * 1024)

struct cgroup_watch_row {
	int32_t wd;		/* first: the key */
	uint64_t id;
};

void cgroup_watch_init(struct cgroup_watch *w, size_t capacity)
{
	memset(w, 0, sizeof(*w));
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0) {
		pt_debug("inotify unavailable (%s): cgroup.events is read every collection",
			 strerror(errno));
		return;
	}
	if (rowtab_init(&w->wds, sizeof(int32_t), sizeof(struct cgroup_watch_row), capacity)) {
		close(w->fd);
		w->fd = -1;
	}
}

void cgroup_watch_free(struct cgroup_watch *w)
{
	if (w->fd >= 0) {
		close(w->fd);
		rowtab_free(&w->wds);
	}
	memset(w, 0, sizeof(*w));
	w->fd = -1;
}

int cgroup_watch_add(struct cgroup_watch *w, const char *dir, uint64_t id)
{
	char path[PATH_MAX + 32];
	struct cgroup_watch_row *row;
	int32_t wd;

	if (w->fd < 0 ||
	    (size_t)snprintf(path, sizeof(path), "%s/cgroup.events", dir) >= sizeof(path))
		return 0;
	wd = inotify_add_watch(w->fd, path, IN_MODIFY);
	if (wd <= 0)
		return 0;
	row = rowtab_get(&w->wds, &wd, true);
	if (!row) {
		inotify_rm_watch(w->fd, wd);
		return 0;
	}
	row->id = id;
	return wd;
}

void cgroup_watch_remove(struct cgroup_watch *w, int32_t wd)
{
	if (w->fd < 0 || wd <= 0)
		return;
	/* Its IN_IGNORED finds no row when drained. */
	inotify_rm_watch(w->fd, wd);
	rowtab_del(&w->wds, &wd);
}

bool cgroup_watch_drain(struct cgroup_watch *w,
			void (*changed)(uint64_t id, bool gone, void *ctx), void *ctx)
{
	char buf[DRAIN_BUF_BYTES] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool complete = true;
	int reads;

	if (w->fd < 0)
		return true;
	for (reads = 0; reads < DRAIN_READS_MAX; reads++) {
		ssize_t n = read(w->fd, buf, sizeof(buf));

		if (n <= 0)
			break;
		for (char *p = buf; p + sizeof(struct inotify_event) <= buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			int32_t wd = ev->wd;
			struct cgroup_watch_row *row = rowtab_get(&w->wds, &wd, false);
			bool gone = ev->mask & IN_IGNORED;

			if (ev->mask & IN_Q_OVERFLOW)
				complete = false;
			if (row)
				changed(row->id, gone, ctx);
			if (row && gone)
				rowtab_del(&w->wds, &wd);
			p += sizeof(*ev) + ev->len;
		}
	}
	return complete && reads < DRAIN_READS_MAX;
}
