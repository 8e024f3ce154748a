// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the mountinfo readers: cgroup2_mount_read()
 * (user/naming/services.c), limits_mounts_read()
 * (user/collectors/cgroup_limits.c), host_mount_parse()
 * (user/collectors/host.c, each line) and mountinfo_unescape()
 * (user/lib/mountinfo.c). Mount points are paths anyone who may mount
 * (a container, a user namespace) names.
 *
 * Input: byte 0 = the size of the output buffer (1 to 256); byte 1 = the
 * length of a mount point ('/' and bytes from the end of the input); the rest is a
 * mountinfo text. Each reader runs over the text alone, then over the
 * text followed by lines mounting that mount point as cgroup2, as the
 * v1 memory controller and as an ext4 filesystem, escaped as the kernel
 * escapes (\ooo for blank, tab, newline and backslash): when the text
 * alone held no such mount, the readers must then find that very mount
 * point. A local filesystem taken from any line has its fields inside
 * the line and a type and source host_fs_is_local() accepts. Unescaping the
 * escaped mount point gives it back, and never lengthens a string.
 *
 * Covers: user/lib/mountinfo.c user/naming/services.c:cgroup2_mount_read
 *         user/collectors/cgroup_limits.c:limits_mounts_read
 *         user/collectors/host.c:host_mount_parse,host_fs_is_local
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "collectors/cgroup_limits.h"
#include "collectors/host.h"
#include "lib/mountinfo.h"
#include "naming/services.h"

#define TEXT_MAX 65536

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_mountinfo: %s\n", what);
		abort();
	}
}

/* As the kernel's seq_path() writes a mount point in mountinfo. */
static size_t escape(const char *s, size_t n, char *out)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\\')
			k += (size_t)sprintf(out + k, "\\%03o", c);
		else
			out[k++] = (char)c;
	}
	out[k] = '\0';
	return k;
}

static int cgroup2_of(const char *text, size_t len, char *out, size_t out_len)
{
	FILE *f = fmemopen((void *)text, len, "r");
	int rc;

	if (!f)
		return -ENOENT;	/* glibc refuses an empty buffer */
	rc = cgroup2_mount_read(f, out, out_len);
	fclose(f);
	check(rc == 0 || rc == -ENOENT || rc == -ENAMETOOLONG, "cgroup2_mount_read's return value");
	if (rc == 0)
		check(strlen(out) < out_len, "mount point beyond its buffer");
	return rc;
}

static void v1_of(const char *text, size_t len, struct limits_mounts *m)
{
	FILE *f = fmemopen((void *)text, len, "r");

	memset(m, 0, sizeof(*m));
	if (!f)
		return;
	limits_mounts_read(m, f);
	fclose(f);
	check(memchr(m->v1_cpu, '\0', sizeof(m->v1_cpu)) &&
	      memchr(m->v1_memory, '\0', sizeof(m->v1_memory)), "v1 mount not terminated");
}

/* host_mount_parse() over one line of n bytes, in a buffer of its size; 0 or -ENOENT. */
static int host_line(const char *bytes, size_t n, struct host_mount *m, char **line)
{
	size_t len;
	int rc;

	*line = malloc(n + 1);
	memcpy(*line, bytes, n);
	(*line)[n] = '\0';
	len = strlen(*line);
	rc = host_mount_parse(*line, m);
	check(rc == 0 || rc == -ENOENT, "host_mount_parse's return value");
	if (rc == 0) {
		check(m->devno >= *line && m->devno < *line + len && m->mountpoint >= *line &&
		      m->mountpoint < *line + len, "fields outside the line");
		check(memchr(m->fstype, '\0', sizeof(m->fstype)) &&
		      memchr(m->source, '\0', sizeof(m->source)), "type or source not terminated");
		check(host_fs_is_local(m->fstype, m->source), "not a local filesystem");
	}
	return rc;
}

static void host_lines(const char *text, size_t len)
{
	struct host_mount m;
	char *line;

	for (const char *p = text, *end = text + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);

		host_line(p, n, &m, &line);
		free(line);
		p += n;
	}
}

/* A local filesystem mounted at the escaped mount point is read back. */
static void check_ext4(const char *escaped, const char *point)
{
	char ext4[4 * 257 + 128], *line;
	struct host_mount m;

	snprintf(ext4, sizeof(ext4), "61 28 254:17 / %s rw,relatime - ext4 /dev/vdb1 rw\n",
		 escaped);
	check(host_line(ext4, strlen(ext4), &m, &line) == 0 && !strcmp(m.mountpoint, point) &&
	      !strcmp(m.devno, "254:17") && !strcmp(m.fstype, "ext4") &&
	      !strcmp(m.source, "/dev/vdb1"), "an ext4 mount not read back");
	free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct limits_mounts m;
	char point[1 + 255 + 1], escaped[4 * sizeof(point)], again[sizeof(escaped)], *out, *text;
	size_t out_len, point_len = 0, text_len, len;
	int rc;

	if (size < 2 || size > TEXT_MAX)
		return 0;
	out_len = (size_t)data[0] + 1;
	/*
	 * The mount point: '/' and bytes from the end of the input, without
	 * NULs. It is a path from the process's root, so it starts with '/',
	 * and, blanks escaped, never holds the " - " that ends the fields.
	 */
	point[point_len++] = '/';
	for (size_t i = size - (data[1] < size - 2 ? data[1] : size - 2); i < size; i++)
		if (data[i])
			point[point_len++] = (char)data[i];
	point[point_len] = '\0';
	escape(point, point_len, escaped);

	memcpy(again, escaped, strlen(escaped) + 1);
	mountinfo_unescape(again);
	check(!strcmp(again, point), "unescaping the kernel's escapes does not give the path back");
	text = malloc(size + 1);
	memcpy(text, data + 2, size - 2);
	text[size - 2] = '\0';
	len = strlen(text);
	mountinfo_unescape(text);
	check(strlen(text) <= len, "unescaping lengthened a string");

	out = malloc(out_len);
	text_len = size - 2;
	text = realloc(text, text_len + 2 * sizeof(escaped) + 256);
	memcpy(text, data + 2, text_len);
	rc = cgroup2_of(text, text_len, out, out_len);
	v1_of(text, text_len, &m);
	if (rc == -ENOENT && !m.v1_memory[0]) {
		text_len += (size_t)sprintf(text + text_len,
					    "\n36 25 0:31 / %s rw,nosuid shared:9 - cgroup2 cgroup2 rw\n"
					    "37 25 0:32 / %s rw - cgroup cgroup rw,memory\n",
					    escaped, escaped);
		rc = cgroup2_of(text, text_len, out, out_len);
		if (point_len < out_len)
			check(rc == 0 && !strcmp(out, point), "the cgroup2 mount appended not found");
		else
			check(rc == -ENAMETOOLONG, "a cgroup2 mount point too long taken");
		v1_of(text, text_len, &m);
		check(!strcmp(m.v1_memory, point), "the v1 memory mount appended not found");
	}
	host_lines(text, size - 2);
	check_ext4(escaped, point);
	free(out);
	free(text);
	return 0;
}
