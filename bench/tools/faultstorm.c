// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A page-fault storm: map MB MiB of anonymous memory, write one byte per
 * page, unmap, again and again for SECONDS. Every write is a minor fault
 * (a fresh zero page), so the rate is the kernel's fault path end to end.
 *
 * Usage: faultstorm SECONDS MB
 * Prints one JSON line: {"faults": N, "seconds": S, "cpu_s": C} (the
 * kernel's count of this process's minor faults over the loop, and the
 * CPU time it took: the fault path runs in this process's context).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long seconds = argc > 1 ? strtol(argv[1], NULL, 10) : 0;
	long mb = argc > 2 ? strtol(argv[2], NULL, 10) : 0;
	size_t bytes, page = (size_t)sysconf(_SC_PAGESIZE);
	struct rusage r0, r1;
	double start, end;

	if (seconds <= 0 || mb <= 0 || mb > 4096) {
		fprintf(stderr, "usage: faultstorm SECONDS MB (1 to 4096)\n");
		return 2;
	}
	bytes = (size_t)mb << 20;
	getrusage(RUSAGE_SELF, &r0);
	start = now_s();
	end = start + (double)seconds;
	do {
		char *mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (mem == MAP_FAILED) {
			perror("faultstorm: mmap");
			return 1;
		}
		for (size_t i = 0; i < bytes; i += page)
			mem[i] = 1;
		munmap(mem, bytes);
	} while (now_s() < end);
	getrusage(RUSAGE_SELF, &r1);
	printf("{\"faults\": %ld, \"seconds\": %.6f, \"cpu_s\": %.6f}\n", r1.ru_minflt - r0.ru_minflt,
	       now_s() - start,
	       (double)(r1.ru_utime.tv_sec - r0.ru_utime.tv_sec + r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) +
	       (r1.ru_utime.tv_usec - r0.ru_utime.tv_usec + r1.ru_stime.tv_usec - r0.ru_stime.tv_usec) / 1e6);
	return 0;
}
