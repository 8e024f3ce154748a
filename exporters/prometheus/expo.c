// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "prometheus/expo.h"
#include "lib/hist.h"

#define EXPO_MAX_HIST_LABELS 8
#define EXPO_MAX_BYTES ((size_t)1 << 30)

void expo_init(struct expo *e, bool openmetrics)
{
	memset(e, 0, sizeof(*e));
	/* About 4 KB a service: services.max (up to 100,000) decides, not a page's cap. */
	sbuf_init_max(&e->out, EXPO_MAX_BYTES);
	e->openmetrics = openmetrics;
}

void expo_free(struct expo *e)
{
	sbuf_free(&e->out);
}

int expo_error(const struct expo *e)
{
	return sbuf_error(&e->out);
}

void expo_write_label_value(struct expo *e, const char *value)
{
	size_t plain = strcspn(value, "\\\"\n");

	/* Most values need no escaping: one copy. */
	sbuf_add(&e->out, value, plain);
	for (const char *p = value + plain; *p; p++) {
		switch (*p) {
		case '\\':
			sbuf_puts(&e->out, "\\\\");
			break;
		case '"':
			sbuf_puts(&e->out, "\\\"");
			break;
		case '\n':
			sbuf_puts(&e->out, "\\n");
			break;
		default:
			sbuf_add(&e->out, p, 1);
		}
	}
}

void expo_write_help(struct expo *e, const char *help)
{
	for (const char *p = help; *p; p++) {
		if (*p == '\\')
			sbuf_puts(&e->out, "\\\\");
		else if (*p == '\n')
			sbuf_puts(&e->out, "\\n");
		else
			sbuf_add(&e->out, p, 1);
	}
}

/* OpenMetrics names a counter family without its _total suffix. */
static size_t family_name_len(const struct expo *e, const struct metric_def *m)
{
	size_t n = strlen(m->name);

	if (e->openmetrics && m->type == METRIC_COUNTER && n > 6 &&
	    strcmp(m->name + n - 6, "_total") == 0)
		return n - 6;
	return n;
}

void expo_family(struct expo *e, const struct metric_def *m)
{
	size_t n = family_name_len(e, m);

	sbuf_puts(&e->out, "# HELP ");
	sbuf_add(&e->out, m->name, n);
	sbuf_add(&e->out, " ", 1);
	expo_write_help(e, m->help);
	sbuf_puts(&e->out, "\n# TYPE ");
	sbuf_add(&e->out, m->name, n);
	sbuf_add(&e->out, " ", 1);
	sbuf_puts(&e->out, metric_type_name(m->type));
	sbuf_add(&e->out, "\n", 1);
}

static void sample_head(struct expo *e, const struct metric_def *m, const char *suffix,
			const struct label *labels, size_t n_labels)
{
	/* A family's samples come together: measure its name once. */
	if (e->name_of != m) {
		e->name_of = m;
		e->name_len = strlen(m->name);
	}
	sbuf_add(&e->out, m->name, e->name_len);
	if (*suffix)
		sbuf_puts(&e->out, suffix);
	if (n_labels) {
		sbuf_add(&e->out, "{", 1);
		for (size_t i = 0; i < n_labels; i++) {
			if (i)
				sbuf_add(&e->out, ",", 1);
			sbuf_puts(&e->out, labels[i].name);
			sbuf_add(&e->out, "=\"", 2);
			expo_write_label_value(e, labels[i].value);
			sbuf_add(&e->out, "\"", 1);
		}
		sbuf_add(&e->out, "}", 1);
	}
	sbuf_add(&e->out, " ", 1);
}

/* Decimal digits of v into the end of out[len]: where they start. */
static char *u64_digits(char *out, size_t len, uint64_t v)
{
	char *p = out + len;

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return p;
}

/*
 * The shortest text that reads back as the same double: 2e-06, not
 * 1.9999999999999999e-06. %.15g already is the shortest when it reads
 * back, since %g drops trailing zeros and a double is within 1.2e-16 of
 * any shorter decimal that reads back as it; else 16 or 17 digits do.
 */
static void format_double(char *out, size_t len, double v)
{
	if (isinf(v)) {
		snprintf(out, len, "%s", v > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (isnan(v)) {
		snprintf(out, len, "NaN");
		return;
	}
	/* Whole numbers below 2^53 (counts, bytes, limits) are exact as integers. */
	if (!signbit(v) && v < 9007199254740992.0 && v == (double)(uint64_t)v && len > 20) {
		char tmp[24], *p = u64_digits(tmp, sizeof(tmp), (uint64_t)v);
		size_t n = (size_t)(tmp + sizeof(tmp) - p);

		/* %g writes 1e+16 and up with an exponent; plain digits parse the same. */
		memcpy(out, p, n);
		out[n] = '\0';
		return;
	}
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(out, len, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			return;
	}
}

static void write_double(struct expo *e, double v)
{
	char tmp[64];

	format_double(tmp, sizeof(tmp), v);
	sbuf_puts(&e->out, tmp);
}

void expo_sample(struct expo *e, const struct metric_def *m, const char *suffix,
		 const struct label *labels, size_t n_labels, double value)
{
	sample_head(e, m, suffix, labels, n_labels);
	write_double(e, value);
	sbuf_add(&e->out, "\n", 1);
}

void expo_sample_u64(struct expo *e, const struct metric_def *m, const char *suffix,
		     const struct label *labels, size_t n_labels, uint64_t value)
{
	char tmp[24];
	char *p;

	sample_head(e, m, suffix, labels, n_labels);
	tmp[sizeof(tmp) - 1] = '\n';
	p = u64_digits(tmp, sizeof(tmp) - 1, value);
	sbuf_add(&e->out, p, (size_t)(tmp + sizeof(tmp) - p));
}

void expo_histogram_log2(struct expo *e, const struct metric_def *m,
			 const struct label *labels, size_t n_labels,
			 const uint64_t *slots, size_t n_slots,
			 double unit_seconds, double sum_seconds)
{
	struct label all[EXPO_MAX_HIST_LABELS];
	uint64_t cum[64];
	char le[64];

	if (n_labels >= EXPO_MAX_HIST_LABELS || n_slots == 0 || n_slots > 64) {
		e->out.err = -EINVAL;
		return;
	}
	/* A histogram without labels may come with labels NULL: memcpy must not see it. */
	if (n_labels)
		memcpy(all, labels, n_labels * sizeof(*labels));
	all[n_labels].name = "le";
	all[n_labels].value = le;
	hist_cumulate(slots, n_slots, cum);
	if (e->le_upper || e->le_unit != unit_seconds || e->le_count < n_slots) {
		e->le_upper = NULL;
		e->le_unit = unit_seconds;
		e->le_count = n_slots < EXPO_LE_MAX ? n_slots : EXPO_LE_MAX;
		for (size_t i = 0; i < e->le_count; i++)
			format_double(e->le[i], sizeof(e->le[i]), hist_log2_upper_bound(i, unit_seconds));
	}
	/* The last slot is open-ended: it only shows in +Inf. */
	for (size_t i = 0; i + 1 < n_slots; i++) {
		all[n_labels].value = e->le[i];
		expo_sample_u64(e, m, "_bucket", all, n_labels + 1, cum[i]);
	}
	all[n_labels].value = le;
	snprintf(le, sizeof(le), "+Inf");
	expo_sample_u64(e, m, "_bucket", all, n_labels + 1, cum[n_slots - 1]);
	expo_sample(e, m, "_sum", labels, n_labels, sum_seconds);
	expo_sample_u64(e, m, "_count", labels, n_labels, cum[n_slots - 1]);
}

void expo_histogram_bounds(struct expo *e, const struct metric_def *m,
			   const struct label *labels, size_t n_labels,
			   const uint64_t *slots, size_t n_slots, size_t first,
			   double (*upper_seconds)(size_t slot), double sum_seconds)
{
	struct label all[EXPO_MAX_HIST_LABELS];
	uint64_t cum = 0;
	char le[64];

	if (n_labels >= EXPO_MAX_HIST_LABELS || n_slots == 0 || first >= n_slots) {
		e->out.err = -EINVAL;
		return;
	}
	/* A histogram without labels may come with labels NULL: memcpy must not see it. */
	if (n_labels)
		memcpy(all, labels, n_labels * sizeof(*labels));
	all[n_labels].name = "le";
	all[n_labels].value = le;
	if (n_slots <= EXPO_LE_MAX && (e->le_upper != upper_seconds || e->le_count < n_slots)) {
		e->le_upper = upper_seconds;
		e->le_count = n_slots;
		for (size_t i = 0; i < n_slots; i++)
			format_double(e->le[i], sizeof(e->le[i]), upper_seconds(i));
	}
	/* Slots below first fold into its bucket: cumulative counts allow that. */
	for (size_t i = 0; i < n_slots; i++) {
		cum += slots[i];
		if (i < first || i + 1 == n_slots)
			continue;
		if (n_slots <= EXPO_LE_MAX) {
			all[n_labels].value = e->le[i];
		} else {
			format_double(le, sizeof(le), upper_seconds(i));
			all[n_labels].value = le;
		}
		expo_sample_u64(e, m, "_bucket", all, n_labels + 1, cum);
	}
	all[n_labels].value = le;
	snprintf(le, sizeof(le), "+Inf");
	expo_sample_u64(e, m, "_bucket", all, n_labels + 1, cum);
	expo_sample(e, m, "_sum", labels, n_labels, sum_seconds);
	expo_sample_u64(e, m, "_count", labels, n_labels, cum);
}

void expo_finish(struct expo *e)
{
	if (e->openmetrics)
		sbuf_puts(&e->out, "# EOF\n");
}
