/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A fixed-capacity open-addressing hash table from a service key
 * (cgroup id, tgid) to a slot index, allocated once: memory stays bounded.
 */
#ifndef PANTAU_KEYTAB_H
#define PANTAU_KEYTAB_H

#include <stddef.h>
#include <stdint.h>
#include "pantau/service_key.h"

struct keytab {
	struct service_key *keys;
	int32_t *vals;		/* -1: empty bucket */
	size_t n_buckets;	/* a power of two, at least twice the capacity */
	size_t capacity;
	size_t count;
};

int keytab_init(struct keytab *t, size_t capacity);
void keytab_free(struct keytab *t);
/* The value for key, or -1. */
int32_t keytab_get(const struct keytab *t, const struct service_key *key);
/* Insert or replace. 0, or -ENOSPC at capacity. */
int keytab_put(struct keytab *t, const struct service_key *key, int32_t val);
/* 0, or -ENOENT. */
int keytab_del(struct keytab *t, const struct service_key *key);

#endif
