/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * CloudWatch Embedded Metric Format (EMF) documents, built from plain
 * per-interval figures: no daemon, no BPF, so tests can build them from
 * known numbers. The names, units and dimensions here are the contract
 * that deploy/aws/ (alarms, dashboard) and docs/aws.md rely on.
 */
#ifndef PANTAU_CLOUDWATCH_EMF_H
#define PANTAU_CLOUDWATCH_EMF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include "naming/peers.h"
#include "naming/services.h"

/* EMF's limits: metrics per document, dimensions per dimension set. */
#define EMF_MAX_METRICS 100
#define EMF_MAX_DIMENSIONS 30
/* CloudWatch takes dimension values of 1 to 1024 ASCII characters. */
#define EMF_DIMENSION_VALUE_MAX 1024

/* What every document of one interval shares. */
struct emf_meta {
	const char *namespace_name;	/* cloudwatch.namespace */
	const char *host;		/* the Host dimension */
	int64_t timestamp_ms;		/* wall clock at the end of the interval */
	double interval_seconds;	/* what the rates and percentiles are over */
};

/*
 * One service over one interval. Counts are what happened in the interval;
 * NAN in a double means "not known" and leaves the metric out.
 */
struct emf_service_figures {
	char service[SERVICE_NAME_MAX];
	bool has_up;			/* false for the pseudo services */
	bool up;
	double vcpu;			/* CPU seconds per second */
	double cpu_share;		/* of its quota, else of the host's CPUs; NAN unknown */
	uint64_t memory_rss_bytes;
	double memory_share;		/* of its memory limit; NAN without one */
	uint64_t disk_read_bytes, disk_write_bytes;
	uint64_t disk_read_ops, disk_write_ops;
	uint64_t net_received_bytes, net_sent_bytes;
	bool traffic;			/* it has request metrics at all */
	uint64_t requests;		/* served, every protocol */
	uint64_t errors;		/* of them answered 5xx */
	double p50_seconds, p95_seconds, p99_seconds;
};

/* Calls of one service to one peer over one interval. */
struct emf_peer_figures {
	char service[SERVICE_NAME_MAX];
	char peer[PEER_NAME_MAX];
	uint64_t calls;			/* answered calls and failed connects */
	uint64_t errors;		/* 5xx answers and failed connects */
	double p50_seconds, p95_seconds, p99_seconds;
};

/*
 * The documents, or NULL when out of memory. The caller owns the result
 * (json_object_put). emf_host_document is pantau's own heartbeat: one per
 * host and interval, so an alarm can tell "pantau silent" apart.
 */
struct json_object *emf_service_document(const struct emf_meta *m,
					 const struct emf_service_figures *f);
struct json_object *emf_peer_document(const struct emf_meta *m,
				      const struct emf_peer_figures *f);
struct json_object *emf_host_document(const struct emf_meta *m, size_t services);

/*
 * A dimension value CloudWatch accepts: printable ASCII (anything else
 * becomes '?'), at most EMF_DIMENSION_VALUE_MAX characters, never empty.
 * Returns out.
 */
char *emf_dimension_value(char *out, size_t len, const char *in);

#endif
