// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for proc_parse_cgroup2_path() (user/naming/procinfo.c),
 * which names a process's service from /proc/PID/cgroup: the path comes
 * from cgroup directory names, which a container runtime, systemd or a
 * delegated user picks. Byte 0 picks the size of the output buffer (1 to
 * 256, allocated exactly); the rest is the file. The result is the first
 * line that starts with "0::", without it, whole or -ENAMETOOLONG, or
 * -ENOENT when no line does; it always fits its buffer.
 *
 * Covers: user/naming/procinfo.c:proc_parse_cgroup2_path
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	if (!want) {
		check(rc == -ENOENT, "no 0:: line, yet a path");
	} else if (want_len >= out_len) {
		check(rc == -ENAMETOOLONG, "a path too long for the buffer taken");
	} else {
		check(rc == 0, "the 0:: line not taken");
		check(strlen(out) == want_len && !memcmp(out, want, want_len),
		      "the path is not the first 0:: line's");
	}
	free(out);
	free(copy);
	free(text);
	return 0;
}
