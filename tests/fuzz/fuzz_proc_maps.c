// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for tls_mapping_parse() (user/bpf/tls_libs.c), which
 * reads every process's /proc/PID/maps for TLS libraries to probe. The
 * file names in it are any process's choice (a library under any path, a
 * memfd, a file renamed after mapping). The input is cut into lines as
 * tls_scan_pid() reads them, each line in a buffer of its exact size. A
 * line taken names an absolute path inside that line, without its newline,
 * whose file name starts libssl.so or libgnutls.so as its kind says, not
 * a deleted file, with a non-zero inode.
 *
 * Covers: user/bpf/tls_libs.c:tls_mapping_parse,tls_kind_of
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bpf/tls_libs.h"

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_proc_maps: %s\n", what);
		abort();
	}
}

static void check_line(const char *bytes, size_t n)
{
	struct tls_mapping m;
	char *line = malloc(n + 1);
	const char *base;
	size_t len;
	int rc;

	memcpy(line, bytes, n);
	line[n] = '\0';
	len = strlen(line);
	memset(&m, 0, sizeof(m));
	rc = tls_mapping_parse(line, &m);
	check(rc == 0 || rc == -ENOENT, "return value");
	if (rc == 0) {
		check(m.path >= line && m.path < line + len, "path outside the line");
		check(m.path[0] == '/' && !strchr(m.path, '\n'), "path not absolute, or with its newline");
		check(m.ino != 0, "no inode");
		check(!strstr(m.path, " (deleted)"), "a deleted file taken");
		base = strrchr(m.path, '/') + 1;
		check((m.kind == TLS_OPENSSL && !strncmp(base, "libssl.so", 9)) ||
		      (m.kind == TLS_GNUTLS && !strncmp(base, "libgnutls.so", 12)),
		      "the kind is not the file name's");
	}
	free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;

	/* Lines as fgets() gives them: with their newline, the last maybe without. */
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);

		check_line(p, n);
		p += n;
	}
	return 0;
}
