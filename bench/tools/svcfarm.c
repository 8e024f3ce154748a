// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Many small services for the scrape benchmark: one process per cgroup
 * directory given, each waking about every PERIOD_MS to burn a little CPU
 * and fault in fresh memory, so every service has CPU, switch, run-queue
 * and page-fault figures that move.
 *
 * Usage: svcfarm PERIOD_MS DIR...
 * Prints "ready N" once every child has joined its cgroup; on SIGTERM or
 * SIGINT stops the children and exits.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TOUCH_BYTES (16 * 1024)
#define BURN_NS 20000

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static long long now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int join(const char *dir)
{
	char path[4096];
	FILE *f;

	if (snprintf(path, sizeof(path), "%s/cgroup.procs", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	f = fopen(path, "we");
	if (!f)
		return -errno;
	fprintf(f, "%d\n", getpid());
	return fclose(f) ? -errno : 0;
}

static void service(long period_ms, unsigned seed)
{
	volatile unsigned long spin = 0;

	prctl(PR_SET_NAME, "svcfarm-svc", 0, 0, 0);
	srand(seed);
	/* Spread the wake-ups over the period. */
	usleep((useconds_t)(rand() % (period_ms * 1000)));
	while (!stop) {
		long long until = now_ns(CLOCK_THREAD_CPUTIME_ID) + BURN_NS;
		char *mem;

		while (now_ns(CLOCK_THREAD_CPUTIME_ID) < until)
			spin++;
		mem = mmap(NULL, TOUCH_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (mem != MAP_FAILED) {
			for (size_t i = 0; i < TOUCH_BYTES; i += 4096)
				mem[i] = 1;
			munmap(mem, TOUCH_BYTES);
		}
		usleep((useconds_t)(period_ms * 1000));
	}
	_exit(0);
}

int main(int argc, char **argv)
{
	int ready[2], n = argc - 2, joined = 0;
	long period_ms;
	pid_t *kids;
	char c;

	if (argc < 3 || (period_ms = strtol(argv[1], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: svcfarm PERIOD_MS DIR...\n");
		return 2;
	}
	kids = calloc((size_t)n, sizeof(*kids));
	if (!kids || pipe(ready)) {
		perror("svcfarm");
		return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	for (int i = 0; i < n; i++) {
		kids[i] = fork();
		if (kids[i] < 0) {
			perror("svcfarm: fork");
			stop = 1;
			break;
		}
		if (kids[i] == 0) {
			close(ready[0]);
			c = join(argv[i + 2]) ? 'n' : 'y';
			if (write(ready[1], &c, 1) != 1)
				_exit(1);
			close(ready[1]);
			if (c == 'y')
				service(period_ms, (unsigned)i);
			_exit(1);
		}
	}
	close(ready[1]);
	for (int i = 0; i < n && read(ready[0], &c, 1) == 1; i++)
		joined += c == 'y';
	printf("ready %d\n", joined);
	fflush(stdout);
	while (!stop)
		pause();
	for (int i = 0; i < n; i++)
		if (kids[i] > 0)
			kill(kids[i], SIGTERM);
	while (wait(NULL) > 0 || errno == EINTR)
		;
	return 0;
}
