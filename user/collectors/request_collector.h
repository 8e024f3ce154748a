/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef PANTAU_REQUEST_COLLECTOR_H
#define PANTAU_REQUEST_COLLECTOR_H

#include <stddef.h>
#include "naming/peers.h"
#include "naming/services.h"
#include "pantau/net.h"

/*
 * Requests of one service by role, protocol, method and status class;
 * for the client role also by peer, and connect failures count as method
 * NET_METHOD_CONNECT_FAILED.
 */
struct request_total_key {
	char service[SERVICE_NAME_MAX];
	char peer[PEER_NAME_MAX];	/* client role only */
	uint8_t role, proto, method, status_class;
};

struct request_total {
	struct request_total_key key;
	uint64_t count;
};

struct latency_total_key {
	char service[SERVICE_NAME_MAX];
	char peer[PEER_NAME_MAX];	/* client role only */
	uint8_t role, proto, pad[2];
};

struct latency_total {
	struct latency_total_key key;
	struct net_lat lat;
};

/*
 * Name every row's peer again at the next collection, after the peer
 * rules changed; counts already taken stay under the old name.
 */
void request_rename_peers(void);

/* The totals, for rendering; the caller holds the daemon lock. */
size_t request_totals(struct request_total **out);
size_t latency_totals(struct latency_total **out);
void request_collector_cleanup(void);

/* The upper bound of a request duration slot, in seconds. */
double request_slot_upper_seconds(size_t slot);

#endif
