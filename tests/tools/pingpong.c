// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Context-switch ping-pong: two processes pinned to one CPU pass a byte
 * back and forth over two pipes, so each round trip is two switches.
 * Prints the nanoseconds per switch.
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		perror("pingpong: sched_setaffinity");
		exit(1);
	}
}

int main(int argc, char **argv)
{
	long rounds = argc > 1 ? strtol(argv[1], NULL, 10) : 200000;
	int cpu = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 0;
	int ab[2], ba[2];
	struct timespec t0, t1;
	char c = 'x';
	pid_t child;

	if (rounds <= 0 || pipe(ab) || pipe(ba)) {
		fprintf(stderr, "usage: pingpong [ROUNDS] [CPU]\n");
		return 2;
	}
	pin(cpu);
	child = fork();
	if (child < 0) {
		perror("pingpong: fork");
		return 1;
	}
	if (child == 0) {
		for (long i = 0; i < rounds; i++) {
			if (read(ab[0], &c, 1) != 1 || write(ba[1], &c, 1) != 1)
				_exit(1);
		}
		_exit(0);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < rounds; i++) {
		if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1)
			return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	waitpid(child, NULL, 0);
	printf("%.1f\n", ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / (rounds * 2.0));
	return 0;
}
