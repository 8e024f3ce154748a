/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Disk domain: structs shared by bpf/disk.bpf.c and user space. */
#ifndef PANTAU_DISK_H
#define PANTAU_DISK_H

#include "service_key.h"

/* Log2 slots of microseconds, as the run-queue histogram. */
#define DISK_LAT_SLOTS 27
#define DISK_INFLIGHT_MAX 16384

enum disk_op { DISK_OP_READ, DISK_OP_WRITE, DISK_OP_DISCARD, DISK_OP_FLUSH, DISK_OPS };

struct disk_io_key {
	struct service_key svc;
	__u32 dev;		/* the whole disk: MKDEV(major, first_minor), kernel encoding */
	__u32 op;		/* enum disk_op */
};

struct disk_io_stats {
	__u64 bytes;
	__u64 ops;
	__u64 latency_ns;	/* histogram sum */
	__u64 latency_slots[DISK_LAT_SLOTS];
};

/* A request between block_io_start and block_io_done. */
struct disk_io_inflight {
	__u64 start_ns;
	struct disk_io_key key;
	__u64 bytes;
};

enum disk_drop_reason { DISK_DROP_STATS_MAP_FULL, DISK_DROP_INFLIGHT_FULL, DISK_DROP_REASONS };

#endif
