/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The one table of exported metrics: name, type, help and labels. The
 * exposition, `pantau --list-metrics` and docs/metrics.md all read it.
 */
#ifndef PANTAU_METRICS_H
#define PANTAU_METRICS_H

#include <stdio.h>

enum metric_type { METRIC_COUNTER, METRIC_GAUGE, METRIC_HISTOGRAM };

struct metric_def {
	const char *name;	/* counters end in _total */
	enum metric_type type;
	const char *labels;	/* for docs: labels besides service */
	const char *help;	/* no double quotes: OpenMetrics would need escapes */
};

enum metric_id {
	M_CPU_SECONDS,
	M_CPU_RUNQ_WAIT,
	M_CPU_SWITCHES,
	M_CPU_LIMIT,
	M_MEM_RSS,
	M_MEM_LIMIT,
	M_MEM_FAULTS,
	M_MEM_OOM,
	M_DISK_BYTES,
	M_DISK_OPS,
	M_DISK_LATENCY,
	M_NET_BYTES,
	M_TCP_OPENED,
	M_TCP_ACTIVE,
	M_TCP_CONNECT_FAILURES,
	M_TCP_RETRANSMITS,
	M_TCP_RESETS,
	M_TCP_RTT,
	M_REQUESTS,
	M_REQUEST_DURATION,
	M_DEP_REQUESTS,
	M_DEP_DURATION,
	M_DEP_CONNECT_DURATION,
	M_DEP_CONNECT_FAILURES,
	M_SERVICE_UP,
	M_SERVICE_INFO,
	M_BUILD_INFO,
	M_BPF_RUN_SECONDS,
	M_BPF_RUNS,
	M_BPF_MISSED_RUNS,
	M_PROBE_ATTACHED,
	M_EVENTS_DROPPED,
	M_EXPORTER_EVENTS,
	M_EXPORTER_QUEUE_BYTES,
	M_EXPORTER_LAST_SUCCESS,
	M_EXPORTER_UNREACHABLE_SINCE,
	M_MAP_ENTRIES,
	M_MAP_CAPACITY,
	M_SERVICES_FOLDED,
	M_REQUESTS_PARSED_ONCE,
	M_REQUESTS_ANSWERS_FRAMED,
	M_COLLECTOR_DURATION,
	M_COLLECTOR_SUCCESS,
	M_THRESHOLD,
	M_CONFIG_RELOAD_OK,
	M_CONFIG_RELOAD_TIME,
	M_HOST_CPUS,
	M_HOST_MEM_TOTAL,
	M_HOST_MEM_AVAIL,
	M_FS_SIZE,
	M_FS_AVAIL,
	M_COUNT,
};

extern const struct metric_def metric_table[M_COUNT];

const char *metric_type_name(enum metric_type type);

/* Print the table: format is "text" or "markdown". 0 or -EINVAL. */
int metrics_list(FILE *out, const char *format);

#endif
