// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests for user/naming/cgroup_watch.c on a real cgroup: the kernel
 * must mark cgroup.events modified when a process enters and leaves, and
 * end the watch when the cgroup is removed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "naming/cgroup_watch.h"
#include "naming/procinfo.h"

#define CGROUP_ID 42

struct seen {
	unsigned changed, gone;
	uint64_t last_id;
};

static void note(uint64_t id, bool gone, void *ctx)
{
	struct seen *s = ctx;

	s->changed++;
	s->gone += gone;
	s->last_id = id;
}

/* The cgroup2 mount point, from /proc/self/mountinfo. */
static int cgroup2_mount(char *out, size_t len)
{
	char line[4096], mnt[PATH_MAX], *sep;
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int found = -1;

	if (!f)
		return -1;
	while (found && fgets(line, sizeof(line), f)) {
		sep = strstr(line, " - ");
		if (!sep || strncmp(sep + 3, "cgroup2 ", 8) != 0)
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1 &&
		    (size_t)snprintf(out, len, "%s", mnt) < len)
			found = 0;
	}
	fclose(f);
	return found;
}

/* Drain until something arrives: the kernel delivers cgroup.events from a work queue. */
static void drain_until(struct cgroup_watch *w, struct seen *s, unsigned want)
{
	for (int i = 0; i < 200 && s->changed < want; i++) {
		assert_true(cgroup_watch_drain(w, note, s));
		if (s->changed < want)
			usleep(10000);
	}
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

static void test_populated_changes_and_removal(void **state)
{
	char mnt[PATH_MAX], dir[PATH_MAX + 64], procs[PATH_MAX + 96], pid_s[32];
	struct cgroup_watch w;
	struct seen s = { 0 };
	pid_t child;
	int wd;

	(void)state;
	assert_int_equal(cgroup2_mount(mnt, sizeof(mnt)), 0);
	snprintf(dir, sizeof(dir), "%s/pantau-unit-watch-%d", mnt, (int)getpid());
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	assert_int_equal(mkdir(dir, 0755), 0);
	cgroup_watch_init(&w, 16);
	assert_true(w.fd >= 0);
	wd = cgroup_watch_add(&w, dir, CGROUP_ID);
	assert_true(wd > 0);
	assert_false(cgroup_populated(dir));

	/* Nothing happened yet: nothing to read. */
	assert_true(cgroup_watch_drain(&w, note, &s));
	assert_int_equal(s.changed, 0);

	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		pause();
		_exit(0);
	}
	snprintf(pid_s, sizeof(pid_s), "%d\n", (int)child);
	write_file(procs, pid_s);
	drain_until(&w, &s, 1);
	assert_true(s.changed >= 1);
	assert_int_equal(s.last_id, CGROUP_ID);
	assert_int_equal(s.gone, 0);
	assert_true(cgroup_populated(dir));

	s.changed = 0;
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	drain_until(&w, &s, 1);
	assert_true(s.changed >= 1);
	assert_false(cgroup_populated(dir));

	/* The watch pins the removed cgroup: its owner removes it. */
	assert_int_equal(rmdir(dir), 0);
	cgroup_watch_remove(&w, (int32_t)wd);
	assert_int_equal(w.wds.count, 0);
	s.changed = 0;
	assert_true(cgroup_watch_drain(&w, note, &s));
	assert_int_equal(s.changed, 0);
	cgroup_watch_free(&w);
}

static void test_without_inotify_nothing_is_watched(void **state)
{
	struct cgroup_watch w;
	struct seen s = { 0 };

	(void)state;
	cgroup_watch_init(&w, 4);
	cgroup_watch_free(&w);
	/* After free the watch is off: adds give 0 and drains report complete. */
	assert_int_equal(cgroup_watch_add(&w, "/tmp", 1), 0);
	assert_true(cgroup_watch_drain(&w, note, &s));
	assert_int_equal(s.changed, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_populated_changes_and_removal),
		cmocka_unit_test(test_without_inotify_nothing_is_watched),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
