// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * EMF documents (CloudWatch Embedded Metric Format, version 0): the root
 * holds every dimension and metric value by name, and _aws tells
 * CloudWatch which root members are metrics, in what unit, under which
 * dimensions. One table below holds every metric name and unit.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "cloudwatch/cloudwatch_emf.h"

enum emf_metric {
	EMF_SERVICE_UP,
	EMF_VCPU,
	EMF_CPU_SHARE,
	EMF_MEMORY_RSS,
	EMF_MEMORY_SHARE,
	EMF_DISK_READ_BYTES,
	EMF_DISK_WRITE_BYTES,
	EMF_DISK_READ_OPS,
	EMF_DISK_WRITE_OPS,
	EMF_NET_RECEIVED,
	EMF_NET_SENT,
	EMF_REQUESTS,
	EMF_ERRORS,
	EMF_ERROR_RATIO,
	EMF_LATENCY_P50,
	EMF_LATENCY_P95,
	EMF_LATENCY_P99,
	EMF_DEP_CALLS,
	EMF_DEP_ERRORS,
	EMF_DEP_ERROR_RATIO,
	EMF_DEP_LATENCY_P50,
	EMF_DEP_LATENCY_P95,
	EMF_DEP_LATENCY_P99,
	EMF_PANTAU_UP,
	EMF_SERVICES,
	EMF_METRICS,
};

/* Units are CloudWatch's StandardUnit names; ratios are 0..1, as in thresholds. */
static const struct {
	const char *name;
	const char *unit;
} emf_metrics[EMF_METRICS] = {
	[EMF_SERVICE_UP] = { "ServiceUp", "Count" },
	[EMF_VCPU] = { "vCPU", "None" },
	[EMF_CPU_SHARE] = { "CPUShareOfLimit", "None" },
	[EMF_MEMORY_RSS] = { "MemoryRSS", "Bytes" },
	[EMF_MEMORY_SHARE] = { "MemoryShareOfLimit", "None" },
	[EMF_DISK_READ_BYTES] = { "DiskReadBytes", "Bytes" },
	[EMF_DISK_WRITE_BYTES] = { "DiskWriteBytes", "Bytes" },
	[EMF_DISK_READ_OPS] = { "DiskReadOps", "Count" },
	[EMF_DISK_WRITE_OPS] = { "DiskWriteOps", "Count" },
	[EMF_NET_RECEIVED] = { "NetworkReceivedBytes", "Bytes" },
	[EMF_NET_SENT] = { "NetworkSentBytes", "Bytes" },
	[EMF_REQUESTS] = { "Requests", "Count" },
	[EMF_ERRORS] = { "Errors", "Count" },
	[EMF_ERROR_RATIO] = { "ErrorRatio", "None" },
	[EMF_LATENCY_P50] = { "LatencyP50", "Seconds" },
	[EMF_LATENCY_P95] = { "LatencyP95", "Seconds" },
	[EMF_LATENCY_P99] = { "LatencyP99", "Seconds" },
	[EMF_DEP_CALLS] = { "DependencyCalls", "Count" },
	[EMF_DEP_ERRORS] = { "DependencyErrors", "Count" },
	[EMF_DEP_ERROR_RATIO] = { "DependencyErrorRatio", "None" },
	[EMF_DEP_LATENCY_P50] = { "DependencyLatencyP50", "Seconds" },
	[EMF_DEP_LATENCY_P95] = { "DependencyLatencyP95", "Seconds" },
	[EMF_DEP_LATENCY_P99] = { "DependencyLatencyP99", "Seconds" },
	[EMF_PANTAU_UP] = { "PantauUp", "Count" },
	[EMF_SERVICES] = { "ServicesWatched", "Count" },
};

struct emf_doc {
	struct json_object *root;
	struct json_object *metrics;	/* _aws.CloudWatchMetrics[0].Metrics */
	size_t n_metrics;
	int err;
};

/* Takes ownership of val, also on failure. */
static int put(struct json_object *obj, const char *key, struct json_object *val)
{
	if (!val)
		return -ENOMEM;
	if (json_object_object_add(obj, key, val)) {
		json_object_put(val);
		return -ENOMEM;
	}
	return 0;
}

static int append(struct json_object *arr, struct json_object *val)
{
	if (!val)
		return -ENOMEM;
	if (json_object_array_add(arr, val)) {
		json_object_put(val);
		return -ENOMEM;
	}
	return 0;
}

char *emf_dimension_value(char *out, size_t len, const char *in)
{
	size_t i = 0;
	bool blank = true;

	if (!len)
		return out;
	for (; in && in[i] && i + 1 < len && i < EMF_DIMENSION_VALUE_MAX; i++) {
		unsigned char c = (unsigned char)in[i];

		out[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
		if (c != ' ')
			blank = false;
	}
	out[i] = '\0';
	/* CloudWatch wants at least one character that is not a blank. */
	if (blank && len >= 2) {
		out[0] = '?';
		out[1] = '\0';
	}
	return out;
}

static struct json_object *new_real(double v);

/*
 * The root with its _aws block and one dimension set of n names; the
 * values go to the root under the same names.
 */
static int doc_begin(struct emf_doc *doc, const struct emf_meta *m,
		     const char *const *names, const char *const *values, size_t n)
{
	char value[EMF_DIMENSION_VALUE_MAX + 1];
	struct json_object *aws, *directives, *directive, *sets, *set;

	memset(doc, 0, sizeof(*doc));
	if (n > EMF_MAX_DIMENSIONS)
		return -E2BIG;
	doc->root = json_object_new_object();
	if (!doc->root)
		return -ENOMEM;
	if (put(doc->root, "_aws", aws = json_object_new_object()) ||
	    put(aws, "Timestamp", json_object_new_int64(m->timestamp_ms)) ||
	    put(aws, "CloudWatchMetrics", directives = json_object_new_array()) ||
	    append(directives, directive = json_object_new_object()) ||
	    put(directive, "Namespace", json_object_new_string(m->namespace_name)) ||
	    put(directive, "Dimensions", sets = json_object_new_array()) ||
	    append(sets, set = json_object_new_array()) ||
	    put(directive, "Metrics", doc->metrics = json_object_new_array()))
		goto nomem;
	for (size_t i = 0; i < n; i++)
		if (append(set, json_object_new_string(names[i])) ||
		    put(doc->root, names[i], json_object_new_string(
				emf_dimension_value(value, sizeof(value), values[i]))))
			goto nomem;
	/* Not a metric: tells a reader of the log what the rates are over. */
	if (put(doc->root, "IntervalSeconds", new_real(m->interval_seconds)))
		goto nomem;
	return 0;
nomem:
	json_object_put(doc->root);
	doc->root = NULL;
	return -ENOMEM;
}

/* A metric that is not a finite number is left out, never sent as null. */
static void doc_metric(struct emf_doc *doc, enum emf_metric id, struct json_object *val)
{
	struct json_object *def;

	if (doc->err || !val) {
		json_object_put(val);
		doc->err = doc->err ? doc->err : -ENOMEM;
		return;
	}
	if (doc->n_metrics >= EMF_MAX_METRICS) {
		json_object_put(val);
		doc->err = -E2BIG;
		return;
	}
	if (put(doc->root, emf_metrics[id].name, val) ||
	    append(doc->metrics, def = json_object_new_object()) ||
	    put(def, "Name", json_object_new_string(emf_metrics[id].name)) ||
	    put(def, "Unit", json_object_new_string(emf_metrics[id].unit))) {
		doc->err = -ENOMEM;
		return;
	}
	doc->n_metrics++;
}

/*
 * Nine significant digits: far finer than anything measured here, and no
 * "0.10000000000000001" in the log. pantau never calls setlocale(), so
 * printf's decimal point is '.'.
 */
static struct json_object *new_real(double v)
{
	char text[32];

	snprintf(text, sizeof(text), "%.9g", v);
	return json_object_new_double_s(v, text);
}

static void doc_real(struct emf_doc *doc, enum emf_metric id, double v)
{
	if (isfinite(v))
		doc_metric(doc, id, new_real(v));
}

static void doc_count(struct emf_doc *doc, enum emf_metric id, uint64_t v)
{
	doc_metric(doc, id, json_object_new_int64(v > INT64_MAX ? INT64_MAX : (int64_t)v));
}

static struct json_object *doc_end(struct emf_doc *doc)
{
	if (doc->err) {
		json_object_put(doc->root);
		return NULL;
	}
	return doc->root;
}

static double ratio(uint64_t part, uint64_t whole)
{
	return whole ? (double)part / (double)whole : NAN;
}

struct json_object *emf_service_document(const struct emf_meta *m,
					 const struct emf_service_figures *f)
{
	static const char *const names[] = { "Host", "Service" };
	const char *values[] = { m->host, f->service };
	struct emf_doc doc;

	if (doc_begin(&doc, m, names, values, 2))
		return NULL;
	if (f->has_up)
		doc_count(&doc, EMF_SERVICE_UP, f->up);
	doc_real(&doc, EMF_VCPU, f->vcpu);
	doc_real(&doc, EMF_CPU_SHARE, f->cpu_share);
	doc_count(&doc, EMF_MEMORY_RSS, f->memory_rss_bytes);
	doc_real(&doc, EMF_MEMORY_SHARE, f->memory_share);
	doc_count(&doc, EMF_DISK_READ_BYTES, f->disk_read_bytes);
	doc_count(&doc, EMF_DISK_WRITE_BYTES, f->disk_write_bytes);
	doc_count(&doc, EMF_DISK_READ_OPS, f->disk_read_ops);
	doc_count(&doc, EMF_DISK_WRITE_OPS, f->disk_write_ops);
	doc_count(&doc, EMF_NET_RECEIVED, f->net_received_bytes);
	doc_count(&doc, EMF_NET_SENT, f->net_sent_bytes);
	/* Services that serve no requests cost no request metrics. */
	if (f->traffic) {
		doc_count(&doc, EMF_REQUESTS, f->requests);
		doc_count(&doc, EMF_ERRORS, f->errors);
		doc_real(&doc, EMF_ERROR_RATIO, ratio(f->errors, f->requests));
		doc_real(&doc, EMF_LATENCY_P50, f->p50_seconds);
		doc_real(&doc, EMF_LATENCY_P95, f->p95_seconds);
		doc_real(&doc, EMF_LATENCY_P99, f->p99_seconds);
	}
	return doc_end(&doc);
}

struct json_object *emf_peer_document(const struct emf_meta *m,
				      const struct emf_peer_figures *f)
{
	static const char *const names[] = { "Host", "Service", "Peer" };
	const char *values[] = { m->host, f->service, f->peer };
	struct emf_doc doc;

	if (doc_begin(&doc, m, names, values, 3))
		return NULL;
	doc_count(&doc, EMF_DEP_CALLS, f->calls);
	doc_count(&doc, EMF_DEP_ERRORS, f->errors);
	doc_real(&doc, EMF_DEP_ERROR_RATIO, ratio(f->errors, f->calls));
	doc_real(&doc, EMF_DEP_LATENCY_P50, f->p50_seconds);
	doc_real(&doc, EMF_DEP_LATENCY_P95, f->p95_seconds);
	doc_real(&doc, EMF_DEP_LATENCY_P99, f->p99_seconds);
	return doc_end(&doc);
}

struct json_object *emf_host_document(const struct emf_meta *m, size_t services)
{
	static const char *const names[] = { "Host" };
	const char *values[] = { m->host };
	struct emf_doc doc;

	if (doc_begin(&doc, m, names, values, 1))
		return NULL;
	doc_count(&doc, EMF_PANTAU_UP, 1);
	doc_count(&doc, EMF_SERVICES, services);
	return doc_end(&doc);
}
