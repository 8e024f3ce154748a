// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A flood of short-lived cgroups: PARENT/PREFIX-N.service for N in
 * [0, COUNT), each made, given one process that burns BURN_US of CPU and
 * exits, and removed, with up to LIVE of them alive at once.
 *
 * Usage: cgflood PARENT PREFIX COUNT LIVE BURN_US
 * Prints "made N removed M" and exits 0 when every cgroup was removed.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "join_cgroup.h"

#define LIVE_MAX 256

struct slot {
	pid_t pid;
	char dir[PATH_MAX];
};

static void burn(long us)
{
	struct timespec a, b;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
	do
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
	while ((b.tv_sec - a.tv_sec) * 1000000L + (b.tv_nsec - a.tv_nsec) / 1000 < us);
}

/* Reap one child and remove its cgroup; returns 0 or -1. */
static int finish(struct slot *s)
{
	/* rmdir fails while the exited child is still being taken out. */
	for (int tries = 0; tries < 1000; tries++) {
		if (rmdir(s->dir) == 0)
			return 0;
		if (errno != EBUSY)
			break;
		usleep(1000);
	}
	fprintf(stderr, "cgflood: cannot remove %s: %s\n", s->dir, strerror(errno));
	return -1;
}

int main(int argc, char **argv)
{
	struct slot slots[LIVE_MAX];
	long count, live, burn_us, made = 0, removed = 0;
	int used = 0;

	if (argc != 6) {
		fprintf(stderr, "usage: cgflood PARENT PREFIX COUNT LIVE BURN_US\n");
		return 2;
	}
	count = atol(argv[3]);
	live = atol(argv[4]);
	burn_us = atol(argv[5]);
	if (count < 0 || live < 1 || live > LIVE_MAX || burn_us < 0) {
		fprintf(stderr, "cgflood: COUNT >= 0, 1 <= LIVE <= %d, BURN_US >= 0\n", LIVE_MAX);
		return 2;
	}
	while (made < count || used) {
		if (made < count && used < live) {
			struct slot *s = &slots[used];

			snprintf(s->dir, sizeof(s->dir), "%s/%s-%ld.service", argv[1], argv[2], made);
			if (mkdir(s->dir, 0755)) {
				fprintf(stderr, "cgflood: cannot make %s: %s\n", s->dir, strerror(errno));
				break;
			}
			made++;
			s->pid = fork();
			if (s->pid == 0) {
				if (join_cgroup(s->dir))
					_exit(1);
				burn(burn_us);
				_exit(0);
			}
			if (s->pid < 0) {
				rmdir(s->dir);
				break;
			}
			used++;
			continue;
		}
		/* Full, or nothing left to make: the oldest goes. */
		waitpid(slots[0].pid, NULL, 0);
		if (finish(&slots[0]) == 0)
			removed++;
		memmove(&slots[0], &slots[1], (size_t)(used - 1) * sizeof(slots[0]));
		used--;
	}
	for (int i = 0; i < used; i++) {
		waitpid(slots[i].pid, NULL, 0);
		removed += finish(&slots[i]) == 0;
	}
	printf("made %ld removed %ld\n", made, removed);
	return made == count && removed == count ? 0 : 1;
}
