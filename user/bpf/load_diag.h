/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Why a BPF object did not load, in one sentence: the verifier's own last
 * words, a privilege that is really missing, or what errno says. libbpf's
 * messages pass through here (shown at --log-level debug).
 */
#ifndef PANTAU_LOAD_DIAG_H
#define PANTAU_LOAD_DIAG_H

#include <stddef.h>

/* Route libbpf's messages through the diagnosis (once, before any load). */
void load_diag_install(void);
/* Take one message of libbpf's (a verifier log among them) into account. */
void load_diag_note(const char *msg);
/* Forget what an earlier load said. */
void load_diag_reset(void);
/*
 * One sentence on why loading the programs of domain (e.g. "CPU") failed
 * with err (negative errno), from what libbpf and the verifier said since
 * the last reset.
 */
void load_diag_explain(int err, const char *domain, char *buf, size_t len);
/* Whether err means a missing privilege (and pantau lacks one). */
int load_diag_is_privilege(int err);

#endif
