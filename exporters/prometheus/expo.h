/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Writes the Prometheus text format (0.0.4) or OpenMetrics 1.0 into an
 * sbuf. Errors stick: after one allocation failure (or a histogram it
 * cannot write) every call is a no-op and expo_error() says so.
 */
#ifndef PANTAU_EXPO_H
#define PANTAU_EXPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/sbuf.h"
#include "prometheus/metrics.h"

#define EXPO_CONTENT_TYPE_TEXT "text/plain; version=0.0.4; charset=utf-8"
#define EXPO_CONTENT_TYPE_OPENMETRICS \
	"application/openmetrics-text; version=1.0.0; charset=utf-8"

#define EXPO_LE_MAX 128	/* bucket bounds remembered per histogram layout */

struct expo {
	struct sbuf out;
	bool openmetrics;
	/*
	 * The "le" strings of the last histogram layout: every service's
	 * histogram of a family has the same bounds, and the shortest
	 * round-trip form of a double takes several snprintf() calls.
	 */
	double le_unit;
	double (*le_upper)(size_t slot);
	size_t le_count;
	char le[EXPO_LE_MAX][24];
	/* The metric whose name length is name_len: strlen once per family. */
	const struct metric_def *name_of;
	size_t name_len;
};

struct label {
	const char *name;
	const char *value;
};

void expo_init(struct expo *e, bool openmetrics);
void expo_free(struct expo *e);
int expo_error(const struct expo *e);

/* # HELP and # TYPE lines; call once per metric, before its samples. */
void expo_family(struct expo *e, const struct metric_def *m);
/* One sample; suffix is "" or e.g. "_bucket". */
void expo_sample(struct expo *e, const struct metric_def *m, const char *suffix,
		 const struct label *labels, size_t n_labels, double value);
void expo_sample_u64(struct expo *e, const struct metric_def *m, const char *suffix,
		     const struct label *labels, size_t n_labels, uint64_t value);
/*
 * A whole log2 histogram: n_labels may be at most 7 (one more, le, is
 * added). Slots as documented in hist.h.
 */
void expo_histogram_log2(struct expo *e, const struct metric_def *m,
			 const struct label *labels, size_t n_labels,
			 const uint64_t *slots, size_t n_slots,
			 double unit_seconds, double sum_seconds);
/*
 * A histogram whose slot i holds values below upper_seconds(i): buckets
 * from slot first on (smaller slots count in it), the last slot only in
 * +Inf.
 */
void expo_histogram_bounds(struct expo *e, const struct metric_def *m,
			   const struct label *labels, size_t n_labels,
			   const uint64_t *slots, size_t n_slots, size_t first,
			   double (*upper_seconds)(size_t slot), double sum_seconds);
/* The OpenMetrics "# EOF" terminator; nothing for the text format. */
void expo_finish(struct expo *e);

/* Escaping, exposed for tests: label values escape \, " and newline. */
void expo_write_label_value(struct expo *e, const char *value);
/* Help text escapes \ and newline. */
void expo_write_help(struct expo *e, const char *help);

#endif
