/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef PANTAU_DISK_COLLECTOR_H
#define PANTAU_DISK_COLLECTOR_H

#include <stddef.h>
#include "naming/services.h"
#include "pantau/disk.h"

struct disk_total_key {
	char service[SERVICE_NAME_MAX];
	uint32_t dev;
	uint32_t op;		/* enum disk_op */
};

struct disk_total {
	struct disk_total_key key;
	char device[64];
	struct disk_io_stats stats;
};

/* The totals table, for rendering; the caller holds the daemon lock. */
size_t disk_totals(struct disk_total **out);
void disk_collector_cleanup(void);

#endif
