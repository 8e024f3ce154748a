// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "status/html.h"
#include "status/status_rules.h"

/* Peer names inside a sentence: long enough to tell peers apart. */
#define SENTENCE_PEER_MAX_CHARS 48
#define BUSY_SHARE_OF_PEAK 0.75
#define BUSY_MAX_HOURS 4
#define ACCEPT_LANGUAGE_MAX_ITEMS 32

static const char *const level_keys[STATUS_LEVELS] = {
	[STATUS_NORMAL] = "normal", [STATUS_BUSY] = "busy",
	[STATUS_DEGRADED] = "degraded", [STATUS_DOWN] = "down",
};

static const char *const level_words[STATUS_LANGS][STATUS_LEVELS] = {
	[STATUS_LANG_ID] = { "Normal", "Sibuk", "Bermasalah", "Mati" },
	[STATUS_LANG_EN] = { "Normal", "Busy", "Degraded", "Down" },
};

static const char *const reason_keys[STATUS_REASONS] = {
	[REASON_NORMAL] = "normal",
	[REASON_DOWN] = "no_process",
	[REASON_ERRORS] = "error_ratio",
	[REASON_SLOW] = "latency_p95",
	[REASON_OOM_KILLS] = "oom_kills",
	[REASON_DEPENDENCY_ERRORS] = "dependency_error_ratio",
	[REASON_DEPENDENCY_SLOW] = "dependency_latency_p95",
	[REASON_CPU_LIMIT] = "cpu_of_limit",
	[REASON_CPU_HOST] = "cpu_of_host",
	[REASON_MEMORY_LIMIT] = "memory_of_limit",
	[REASON_MEMORY_HOST] = "memory_of_host",
};

const char *status_level_key(enum status_level level)
{
	return level < STATUS_LEVELS ? level_keys[level] : "unknown";
}

const char *status_reason_key(enum status_reason reason)
{
	return reason < STATUS_REASONS ? reason_keys[reason] : "unknown";
}

const char *status_word(enum status_level level, enum status_lang lang)
{
	if (level >= STATUS_LEVELS || lang >= STATUS_LANGS)
		return "?";
	return level_words[lang][level];
}

double status_cpu_ratio(const struct status_facts *f, bool *of_limit)
{
	*of_limit = f->cpu_limit_cores > 0;
	if (isnan(f->cpu_cores))
		return NAN;
	if (*of_limit)
		return f->cpu_cores / f->cpu_limit_cores;
	return f->host_cpus > 0 ? f->cpu_cores / f->host_cpus : NAN;
}

double status_memory_ratio(const struct status_facts *f, bool *of_limit)
{
	*of_limit = f->memory_limit_bytes > 0;
	if (*of_limit)
		return (double)f->rss_bytes / (double)f->memory_limit_bytes;
	return f->host_memory_bytes ? (double)f->rss_bytes / (double)f->host_memory_bytes : NAN;
}

/* NAN compares false: a figure that is unknown never crosses a threshold. */
static bool above(double value, double threshold)
{
	return value > threshold;
}

static void verdict(struct status_verdict *v, enum status_level level,
		    enum status_reason reason, double value, double limit)
{
	v->level = level;
	v->reason = reason;
	v->value = value;
	v->limit = limit;
}

static bool traffic_errors(const struct status_traffic *t, double threshold)
{
	return t->has_data && above(t->error_ratio, threshold);
}

static bool traffic_slow(const struct status_traffic *t, double threshold)
{
	return t->has_data && above(t->p95_seconds, threshold);
}

static bool degraded(const struct status_facts *f, const struct status_thresholds *t,
		     struct status_verdict *v)
{
	if (traffic_errors(&f->traffic, t->error_ratio)) {
		verdict(v, STATUS_DEGRADED, REASON_ERRORS, f->traffic.error_ratio, t->error_ratio);
		return true;
	}
	if (traffic_slow(&f->traffic, t->latency_p95_seconds)) {
		verdict(v, STATUS_DEGRADED, REASON_SLOW, f->traffic.p95_seconds,
			t->latency_p95_seconds);
		return true;
	}
	if (f->oom_kills_recent) {
		verdict(v, STATUS_DEGRADED, REASON_OOM_KILLS, (double)f->oom_kills_recent, 0);
		return true;
	}
	for (size_t i = 0; i < f->n_deps; i++) {
		const struct status_dependency *d = &f->deps[i];

		if (traffic_errors(&d->traffic, t->error_ratio)) {
			verdict(v, STATUS_DEGRADED, REASON_DEPENDENCY_ERRORS,
				d->traffic.error_ratio, t->error_ratio);
			v->peer = d->peer;
			return true;
		}
	}
	for (size_t i = 0; i < f->n_deps; i++) {
		const struct status_dependency *d = &f->deps[i];

		if (traffic_slow(&d->traffic, t->latency_p95_seconds)) {
			verdict(v, STATUS_DEGRADED, REASON_DEPENDENCY_SLOW,
				d->traffic.p95_seconds, t->latency_p95_seconds);
			v->peer = d->peer;
			return true;
		}
	}
	return false;
}

static bool busy(const struct status_facts *f, const struct status_thresholds *t,
		 struct status_verdict *v)
{
	bool cpu_of_limit, mem_of_limit;
	double cpu = status_cpu_ratio(f, &cpu_of_limit);
	double mem = status_memory_ratio(f, &mem_of_limit);
	bool cpu_busy = above(cpu, t->cpu_busy_ratio);
	bool mem_busy = above(mem, t->memory_busy_ratio);

	if (cpu_busy && (!mem_busy || cpu / t->cpu_busy_ratio >= mem / t->memory_busy_ratio)) {
		verdict(v, STATUS_BUSY, cpu_of_limit ? REASON_CPU_LIMIT : REASON_CPU_HOST,
			cpu, t->cpu_busy_ratio);
		return true;
	}
	if (mem_busy) {
		verdict(v, STATUS_BUSY, mem_of_limit ? REASON_MEMORY_LIMIT : REASON_MEMORY_HOST,
			mem, t->memory_busy_ratio);
		return true;
	}
	return false;
}

void status_evaluate(const struct status_facts *f, const struct status_thresholds *t,
		     struct status_verdict *v)
{
	memset(v, 0, sizeof(*v));
	if (!f->up) {
		verdict(v, STATUS_DOWN, REASON_DOWN, 0, 0);
		return;
	}
	if (!degraded(f, t, v) && !busy(f, t, v))
		verdict(v, STATUS_NORMAL, REASON_NORMAL, 0, 0);
	v->window_seconds = f->window_seconds;
}

/* ---- figures ---- */

static void format_grouped(struct sbuf *out, unsigned long long n, char sep)
{
	char digits[32];
	int len = snprintf(digits, sizeof(digits), "%llu", n);

	for (int i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			sbuf_add(out, &sep, 1);
		sbuf_add(out, &digits[i], 1);
	}
}

void status_format_number(struct sbuf *out, double value, enum status_lang lang)
{
	char dec = lang == STATUS_LANG_ID ? ',' : '.';
	char group = lang == STATUS_LANG_ID ? '.' : ',';
	double tenths;

	if (isnan(value) || isinf(value)) {
		sbuf_puts(out, "?");
		return;
	}
	if (value < 0) {
		sbuf_puts(out, "-");
		value = -value;
	}
	/* One decimal below 10, where it still tells something. */
	tenths = round(value * 10);
	if (value >= 10 || fmod(tenths, 10) == 0) {
		format_grouped(out, (unsigned long long)round(value), group);
		return;
	}
	format_grouped(out, (unsigned long long)(tenths / 10), group);
	sbuf_printf(out, "%c%d", dec, (int)fmod(tenths, 10));
}

void status_format_percent(struct sbuf *out, double ratio, enum status_lang lang)
{
	/* "0%" would read as none at all. */
	if (ratio > 0 && ratio * 100 < 0.05) {
		sbuf_printf(out, "<0%c1%%", lang == STATUS_LANG_ID ? ',' : '.');
		return;
	}
	status_format_number(out, ratio * 100, lang);
	sbuf_puts(out, "%");
}

void status_format_seconds(struct sbuf *out, double seconds, enum status_lang lang)
{
	if (!isnan(seconds) && seconds < 1) {
		status_format_number(out, seconds * 1000, lang);
		sbuf_puts(out, " ms");
		return;
	}
	status_format_number(out, seconds, lang);
	sbuf_puts(out, lang == STATUS_LANG_ID ? " detik" : " s");
}

void status_format_bytes(struct sbuf *out, uint64_t bytes, enum status_lang lang)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes / 1024;
	size_t u = 0;

	if (bytes < 1024) {
		sbuf_printf(out, "%llu B", (unsigned long long)bytes);
		return;
	}
	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	status_format_number(out, v, lang);
	sbuf_printf(out, " %s", units[u]);
}

/* Below two minutes a whole number of minutes would hide the window's size. */
#define WINDOW_MINUTES_FROM_SECONDS 120

void status_format_window(struct sbuf *out, double seconds, enum status_lang lang)
{
	bool minutes = seconds >= WINDOW_MINUTES_FROM_SECONDS;
	long n = lround(minutes ? seconds / 60 : seconds);

	if (!(seconds > 0) || isinf(seconds))
		return;
	if (lang == STATUS_LANG_ID) {
		sbuf_printf(out, " dalam %ld %s terakhir", n, minutes ? "menit" : "detik");
		return;
	}
	if (n == 1)
		sbuf_puts(out, " in the last second");
	else
		sbuf_printf(out, " in the last %ld %s", n, minutes ? "minutes" : "seconds");
}

/* ---- sentences ---- */

static void peer_name(struct sbuf *out, const char *peer)
{
	text_clean(out, peer ? peer : "?", SENTENCE_PEER_MAX_CHARS, 0);
}

static void sentence_id(struct sbuf *out, const struct status_verdict *v)
{
	const enum status_lang l = STATUS_LANG_ID;

	switch (v->reason) {
	case REASON_NORMAL:
		sbuf_puts(out, "Semua dalam batas normal");
		break;
	case REASON_DOWN:
		sbuf_puts(out, "Tidak ada proses yang berjalan");
		break;
	case REASON_ERRORS:
		status_format_percent(out, v->value, l);
		sbuf_puts(out, " permintaan gagal");
		status_format_window(out, v->window_seconds, l);
		break;
	case REASON_SLOW:
		sbuf_puts(out, "Respons lambat: 5% permintaan butuh lebih dari ");
		status_format_seconds(out, v->value, l);
		break;
	case REASON_OOM_KILLS:
		sbuf_printf(out, "%.0f proses dihentikan karena kehabisan memori", v->value);
		status_format_window(out, v->window_seconds, l);
		break;
	case REASON_DEPENDENCY_ERRORS:
		status_format_percent(out, v->value, l);
		sbuf_puts(out, " permintaan ke ");
		peer_name(out, v->peer);
		sbuf_puts(out, " gagal");
		break;
	case REASON_DEPENDENCY_SLOW:
		peer_name(out, v->peer);
		sbuf_puts(out, " lambat: 5% permintaan butuh lebih dari ");
		status_format_seconds(out, v->value, l);
		break;
	case REASON_CPU_LIMIT:
	case REASON_CPU_HOST:
		sbuf_puts(out, "CPU ");
		status_format_percent(out, v->value, l);
		sbuf_puts(out, v->reason == REASON_CPU_LIMIT ? " dari batas" : " dari kapasitas server");
		break;
	case REASON_MEMORY_LIMIT:
	case REASON_MEMORY_HOST:
		sbuf_puts(out, "Memori ");
		status_format_percent(out, v->value, l);
		sbuf_puts(out, v->reason == REASON_MEMORY_LIMIT ? " dari batas" : " dari memori server");
		break;
	case STATUS_REASONS:
		break;
	}
}

static void sentence_en(struct sbuf *out, const struct status_verdict *v)
{
	const enum status_lang l = STATUS_LANG_EN;

	switch (v->reason) {
	case REASON_NORMAL:
		sbuf_puts(out, "Everything is within normal limits");
		break;
	case REASON_DOWN:
		sbuf_puts(out, "No process is running");
		break;
	case REASON_ERRORS:
		status_format_percent(out, v->value, l);
		sbuf_puts(out, " of requests failed");
		status_format_window(out, v->window_seconds, l);
		break;
	case REASON_SLOW:
		sbuf_puts(out, "Slow responses: 5% of requests took over ");
		status_format_seconds(out, v->value, l);
		break;
	case REASON_OOM_KILLS:
		if (v->value == 1)
			sbuf_puts(out, "1 process was killed for lack of memory");
		else
			sbuf_printf(out, "%.0f processes were killed for lack of memory", v->value);
		status_format_window(out, v->window_seconds, l);
		break;
	case REASON_DEPENDENCY_ERRORS:
		status_format_percent(out, v->value, l);
		sbuf_puts(out, " of requests to ");
		peer_name(out, v->peer);
		sbuf_puts(out, " failed");
		break;
	case REASON_DEPENDENCY_SLOW:
		peer_name(out, v->peer);
		sbuf_puts(out, " is slow: 5% of requests took over ");
		status_format_seconds(out, v->value, l);
		break;
	case REASON_CPU_LIMIT:
	case REASON_CPU_HOST:
		sbuf_puts(out, "CPU at ");
		status_format_percent(out, v->value, l);
		sbuf_puts(out, v->reason == REASON_CPU_LIMIT ? " of its limit" : " of the server");
		break;
	case REASON_MEMORY_LIMIT:
	case REASON_MEMORY_HOST:
		sbuf_puts(out, "Memory at ");
		status_format_percent(out, v->value, l);
		sbuf_puts(out, v->reason == REASON_MEMORY_LIMIT ? " of its limit" :
			  " of the server's memory");
		break;
	case STATUS_REASONS:
		break;
	}
}

void status_sentence(struct sbuf *out, const struct status_verdict *v, enum status_lang lang)
{
	if (lang == STATUS_LANG_EN)
		sentence_en(out, v);
	else
		sentence_id(out, v);
}

/* ---- busy hours ---- */

int status_busy_hours(const double value[STATUS_HOURS], const bool valid[STATUS_HOURS],
		      const int hour_of_day[STATUS_HOURS], int *from, int *to)
{
	int n_valid = 0, peak = -1, lo, hi;

	for (int i = 0; i < STATUS_HOURS; i++) {
		if (!valid[i])
			continue;
		n_valid++;
		if (peak < 0 || value[i] > value[peak])
			peak = i;
	}
	if (n_valid < STATUS_BUSY_MIN_HOURS || peak < 0 || !(value[peak] > 0))
		return -ENODATA;
	lo = hi = peak;
	/* Grow towards the larger neighbour while it stays near the peak. */
	while (hi - lo + 1 < BUSY_MAX_HOURS) {
		bool left = lo > 0 && valid[lo - 1] && value[lo - 1] >= BUSY_SHARE_OF_PEAK * value[peak];
		bool right = hi + 1 < STATUS_HOURS && valid[hi + 1] &&
			     value[hi + 1] >= BUSY_SHARE_OF_PEAK * value[peak];

		if (left && (!right || value[lo - 1] >= value[hi + 1]))
			lo--;
		else if (right)
			hi++;
		else
			break;
	}
	*from = hour_of_day[lo];
	*to = (hour_of_day[hi] + 1) % 24;
	return 0;
}

void status_format_hours(struct sbuf *out, int from, int to, enum status_lang lang)
{
	char sep = lang == STATUS_LANG_ID ? '.' : ':';

	/* U+2013 EN DASH between the two times. */
	sbuf_printf(out, "%02d%c00\xe2\x80\x93%02d%c00", from, sep, to, sep);
}

/* ---- language ---- */

static int lang_from_tag(const char *tag, size_t len)
{
	size_t primary = 0;

	while (primary < len && tag[primary] != '-' && tag[primary] != '_')
		primary++;
	/* "in" is the withdrawn code for Indonesian that old systems still send. */
	if (primary == 2 && (strncasecmp(tag, "id", 2) == 0 || strncasecmp(tag, "in", 2) == 0))
		return STATUS_LANG_ID;
	if (primary == 2 && strncasecmp(tag, "en", 2) == 0)
		return STATUS_LANG_EN;
	return -1;
}

enum status_lang status_lang_pick(const char *query, const char *accept_language,
				  enum status_lang fallback)
{
	const char *p = accept_language;
	double best_q = 0;
	int best = -1;

	if (query) {
		int l = lang_from_tag(query, strlen(query));

		if (l >= 0)
			return (enum status_lang)l;
	}
	for (int item = 0; p && *p && item < ACCEPT_LANGUAGE_MAX_ITEMS; item++) {
		size_t len = strcspn(p, ",");
		size_t tag_len = strcspn(p, ",;");
		const char *q = memchr(p, ';', len);
		double qv = 1;
		int l;

		while (tag_len && (*p == ' ' || *p == '\t')) {
			p++;
			len--;
			tag_len--;
		}
		if (q) {
			const char *eq = strstr(q, "q=");

			if (eq && eq < p + len)
				qv = strtod(eq + 2, NULL);
		}
		l = lang_from_tag(p, tag_len);
		if (l >= 0 && qv > best_q) {
			best_q = qv;
			best = l;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	return best >= 0 ? (enum status_lang)best : fallback;
}

const char *status_lang_code(enum status_lang lang)
{
	return lang == STATUS_LANG_EN ? "en" : "id";
}
