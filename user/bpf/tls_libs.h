/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * TLS libraries that processes map (OpenSSL's libssl, GnuTLS), found in
 * /proc/<pid>/maps and probed by file, so that every process mapping
 * one, now or later, has its HTTPS requests followed in clear.
 */
#ifndef PANTAU_TLS_LIBS_H
#define PANTAU_TLS_LIBS_H

#include <stdbool.h>
#include <stddef.h>

struct net_bpf;
struct tls_libs;

enum tls_kind { TLS_OPENSSL, TLS_GNUTLS, TLS_KINDS };

/* One line of /proc/<pid>/maps that maps a TLS library file. */
struct tls_mapping {
	unsigned long dev_major, dev_minor, ino;
	enum tls_kind kind;
	const char *path;	/* into the line; ends at its newline, cut by the parser */
};

/*
 * Parse one maps line (changed in place: the newline is cut). Returns 0
 * for a file named libssl.so* or libgnutls.so* that still exists,
 * -ENOENT for any other line.
 */
int tls_mapping_parse(char *line, struct tls_mapping *out);

/*
 * Scan every process once and probe the libraries found, logging one line
 * each unless quiet; NULL on ENOMEM.
 */
struct tls_libs *tls_libs_new(struct net_bpf *skel, bool quiet);
/* Keep watching: processes that exec (every half second) and all (every minute). */
int tls_libs_start(struct tls_libs *t);
/* Stop watching and detach every probe; accepts NULL. */
void tls_libs_free(struct tls_libs *t);
/* One plain line per library found: probed, or why not. */
size_t tls_libs_report(struct tls_libs *t, void (*line)(const char *text, void *ctx), void *ctx);

#endif
