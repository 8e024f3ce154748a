/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Network domain: structs shared by bpf/net.bpf.c and user space. */
#ifndef PANTAU_NET_H
#define PANTAU_NET_H

#include "service_key.h"

/* Log2 slots of microseconds, as the run-queue histogram. */
#define NET_RTT_SLOTS 27

enum net_dir { NET_DIR_IN, NET_DIR_OUT, NET_DIRS, NET_DIR_LISTEN = NET_DIRS, NET_DIR_NONE };

/*
 * Socket local storage: the service that owns a TCP socket, recorded in
 * process context (connect, listen) and cloned from a listener to every
 * connection it accepts, so that softirq and timer work on the socket is
 * attributed to it and not to whatever task happens to run.
 */
struct net_sock {
	struct service_key key;
	__u64 start_ns;		/* connect() called, or connection accepted */
	__u8 dir;		/* enum net_dir */
	__u8 established;	/* counted as opened and not yet as closed */
	__u8 pad[6];
};

/* Per service key and CPU. Bytes and retransmits are of closed connections. */
struct net_stats {
	__u64 opened[NET_DIRS];
	__u64 closed[NET_DIRS];
	__u64 connect_failures;
	__u64 resets_received;
	__u64 resets_sent;
	__u64 bytes_received;
	__u64 bytes_sent;
	__u64 retransmits;
	__u64 rtt_us_sum;	/* histogram sum */
	__u64 rtt_slots[NET_RTT_SLOTS];
};

/* One live connection, as the TCP socket iterator writes it at scrape time. */
struct net_live {
	struct service_key key;
	__u32 dir;
	__u32 pad;
	__u64 bytes_received;
	__u64 bytes_sent;	/* first transmissions, as the application wrote them */
	__u64 retransmits;
};

enum net_drop_reason { NET_DROP_STATS_MAP_FULL, NET_DROP_NO_STORAGE, NET_DROP_REASONS };

#endif
