/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Directories pantau owns (the Elasticsearch spool, the directory of the
 * events file and of the CloudWatch EMF file): created with their missing
 * parents at start, so a fresh host needs no manual setup.
 */
#ifndef PANTAU_DIRS_H
#define PANTAU_DIRS_H

#include <sys/types.h>

/*
 * Create the directory path and every missing parent, each with exactly
 * mode (the umask does not narrow it). Existing directories keep their
 * mode. 0, or -errno of the component that failed (-ENOTDIR when a file
 * is in the way, -ENAMETOOLONG past PATH_MAX).
 */
int dirs_create(const char *path, mode_t mode);

/* The same for the directory that holds the file at path; "-" and a bare
 * file name need nothing. */
int dirs_create_parent(const char *file, mode_t mode);

#endif
