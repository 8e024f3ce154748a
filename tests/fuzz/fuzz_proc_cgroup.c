// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the readers of /proc/PID/cgroup:
 * proc_parse_cgroup2_path() (user/naming/procinfo.c), which names a
 * process's service, and limits_v1_path_parse()
 * (user/collectors/cgroup_limits.c), which finds its v1 memory and cpu
 * cgroups for their limits. The paths come from cgroup directory names,
 * which a container runtime, systemd or a delegated user picks. Byte 0
 * picks the size of the output buffer (1 to 256, allocated exactly); the
 * rest is the file. Each result is compared with a plain reading of the
 * file: the path of the first line that starts with "0::" (cgroup2), or
 * of the first "ID:controllers:path" line whose comma-separated
 * controllers include the one asked for (v1); whole, or -ENAMETOOLONG,
 * or -ENOENT when no line has it.
 *
 * Covers: user/naming/procinfo.c:proc_parse_cgroup2_path
 *         user/collectors/cgroup_limits.c:limits_v1_path_parse
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "collectors/cgroup_limits.h"
#include "naming/procinfo.h"

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_proc_cgroup: %s\n", what);
		abort();
	}
}

/* The first line starting with "0::", as the kernel writes one; its length in *n. */
static const char *v2_line(const char *text, size_t *n)
{
	for (const char *line = text; *line;) {
		size_t len = strcspn(line, "\n");

		if (len >= 3 && !strncmp(line, "0::", 3)) {
			*n = len - 3;
			return line + 3;
		}
		line += len;
		line += *line == '\n';
	}
	return NULL;
}

/* Whether the comma-separated list of n bytes at list names controller. */
static int lists(const char *list, size_t n, const char *controller)
{
	size_t want = strlen(controller);

	for (size_t at = 0; at < n;) {
		size_t len = 0;

		while (at + len < n && list[at + len] != ',')
			len++;
		if (len == want && !memcmp(list + at, controller, want))
			return 1;
		at += len + 1;
	}
	return 0;
}

/* The path of the first v1 line holding controller; its length in *n. */
static const char *v1_line(const char *text, const char *controller, size_t *n)
{
	for (const char *line = text; *line;) {
		size_t len = strcspn(line, "\n");
		const char *c1 = memchr(line, ':', len), *c2;

		if (c1 && (c2 = memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line))) &&
		    lists(c1 + 1, (size_t)(c2 - c1 - 1), controller)) {
			*n = len - (size_t)(c2 + 1 - line);
			return c2 + 1;
		}
		line += len;
		line += *line == '\n';
	}
	return NULL;
}

static void check_result(int rc, const char *want, size_t want_len, const char *out,
			 size_t out_len, const char *what)
{
	if (!want)
		check(rc == -ENOENT, what);
	else if (want_len >= out_len)
		check(rc == -ENAMETOOLONG, what);
	else
		check(rc == 0 && strlen(out) == want_len && !memcmp(out, want, want_len), what);
}

static void check_v1(const char *text, const char *controller, size_t out_len)
{
	char *copy = strdup(text), *out = malloc(out_len);
	size_t want_len = 0;
	const char *want = v1_line(text, controller, &want_len);

	check_result(limits_v1_path_parse(copy, controller, out, out_len), want, want_len, out,
		     out_len, "the v1 path is not the plain reading's");
	free(out);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *want;
	size_t out_len, want_len = 0;
	char *text, *copy, *out;
	int rc;

	if (size < 1 || size > 8192)
		return 0;
	out_len = (size_t)data[0] + 1;
	text = malloc(size);
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	copy = strdup(text);
	out = malloc(out_len);

	want = v2_line(text, &want_len);
	rc = proc_parse_cgroup2_path(copy, out, out_len);
	check_result(rc, want, want_len, out, out_len, "the cgroup2 path is not the plain reading's");
	check_v1(text, "memory", out_len);
	check_v1(text, "cpu", out_len);
	free(out);
	free(copy);
	free(text);
	return 0;
}
