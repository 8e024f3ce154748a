/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Owners for TCP listeners opened before pantau started: the kernel side
 * records a socket's service at listen(), which it did not see for those.
 */
#ifndef PANTAU_NET_SEED_H
#define PANTAU_NET_SEED_H

#include <stddef.h>
#include <stdint.h>

#define NET_SEED_MAX 4096

/*
 * Inodes of the listening TCP sockets in a /proc/net/tcp or tcp6 file,
 * appended to inodes (up to max). Returns the new count.
 */
size_t net_seed_parse_listeners(const char *path, uint64_t *inodes, size_t n, size_t max);

/* The inode of a "socket:[N]" fd link, or 0 when it is something else. */
uint64_t net_seed_socket_inode(const char *link);

struct probes;
struct registry;

/*
 * Find the process holding each listener (as ss -p does), hand the
 * owners to the kernel and run the seeding iterator. 0 or -errno.
 */
int net_seed_listeners(struct probes *p, struct registry *r);

#endif
