// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A workload with known figures for the tests: join a cgroup, take a
 * process name, pin to a CPU, then burn a set amount of CPU time, sleep a
 * set number of times, or burn until killed.
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include "join_cgroup.h"

static double cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cgroup", required_argument, NULL, 'g' },	/* may repeat */
		{ "comm", required_argument, NULL, 'n' },
		{ "cpu", required_argument, NULL, 'p' },
		{ "cpu-ms", required_argument, NULL, 'b' },
		{ "sleeps", required_argument, NULL, 's' },
		{ "sleep-us", required_argument, NULL, 'u' },
		{ "forever", no_argument, NULL, 'f' },
		{ "alloc-mb", required_argument, NULL, 'a' },
		{ "hold", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	long cpu_ms = 0, sleeps = 0, sleep_us = 1000, pin = -1;
	volatile unsigned long spin = 0;
	int c, forever = 0, hold = 0;
	long alloc_mb = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'g':
			if (join_cgroup(optarg)) {
				fprintf(stderr, "burn: cannot join cgroup %s: %s\n", optarg,
					strerror(errno));
				return 1;
			}
			break;
		case 'n':
			prctl(PR_SET_NAME, optarg, 0, 0, 0);
			break;
		case 'p':
			pin = strtol(optarg, NULL, 10);
			break;
		case 'b':
			cpu_ms = strtol(optarg, NULL, 10);
			break;
		case 's':
			sleeps = strtol(optarg, NULL, 10);
			break;
		case 'u':
			sleep_us = strtol(optarg, NULL, 10);
			break;
		case 'f':
			forever = 1;
			break;
		case 'a':
			alloc_mb = strtol(optarg, NULL, 10);
			break;
		case 'h':
			hold = 1;
			break;
		default:
			fprintf(stderr, "usage: burn [--cgroup DIR] [--comm NAME] [--cpu N] "
				"[--cpu-ms MS] [--sleeps N [--sleep-us US]] [--alloc-mb MB] "
				"[--forever | --hold]\n");
			return 2;
		}
	}
	if (pin >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET((int)pin, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			perror("burn: sched_setaffinity");
			return 1;
		}
	}
	if (alloc_mb > 0) {
		size_t bytes = (size_t)alloc_mb << 20;
		char *mem = malloc(bytes);

		if (!mem) {
			perror("burn: malloc");
			return 1;
		}
		/* Touch every page so it is resident (an OOM kill may come here). */
		memset(mem, 0x5a, bytes);
	}
	/* Tell the test we are in place before the work starts. */
	printf("ready %d\n", getpid());
	fflush(stdout);
	/* Switches before the sleeps (exec, joining) are not the test's. */
	struct rusage before = { 0 };

	if (sleeps > 0)
		getrusage(RUSAGE_SELF, &before);
	for (long i = 0; i < sleeps; i++) {
		struct timespec ts = { .tv_sec = sleep_us / 1000000,
				       .tv_nsec = (sleep_us % 1000000) * 1000 };

		nanosleep(&ts, NULL);
	}
	if (sleeps > 0) {
		struct rusage ru;

		/* The kernel's own count, for the test to compare with. */
		if (getrusage(RUSAGE_SELF, &ru) == 0)
			printf("switches %ld %ld\n", ru.ru_nvcsw - before.ru_nvcsw,
			       ru.ru_nivcsw - before.ru_nivcsw);
		fflush(stdout);
	}
	if (cpu_ms > 0) {
		double until = cpu_seconds() + cpu_ms / 1000.0;

		while (cpu_seconds() < until)
			for (int i = 0; i < 100000; i++)
				spin++;
	}
	while (forever)
		spin++;
	while (hold)
		pause();
	return 0;
}
