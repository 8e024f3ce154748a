/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The status page's judgement, as pure functions: the facts of one service
 * and the thresholds from the config in, a status (Normal, Busy, Degraded,
 * Down) and one plain sentence saying why out, in Indonesian or English.
 * Nothing here reads the machine, so the unit tests pin every rule.
 */
#ifndef PANTAU_STATUS_RULES_H
#define PANTAU_STATUS_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/sbuf.h"
#include "naming/services.h"

enum status_lang { STATUS_LANG_ID, STATUS_LANG_EN, STATUS_LANGS };

enum status_level { STATUS_NORMAL, STATUS_BUSY, STATUS_DEGRADED, STATUS_DOWN, STATUS_LEVELS };

/* The config's `thresholds`: the numbers the alert rules compare against. */
struct status_thresholds {
	double cpu_busy_ratio;
	double memory_busy_ratio;
	double error_ratio;
	double latency_p95_seconds;
};

/*
 * Traffic of a service, or of its calls to one peer, over the last five
 * minutes. has_data is false until request metrics exist for it: then the
 * page says "no traffic data yet" and no rule looks at the other fields.
 */
struct status_traffic {
	bool has_data;
	double requests_per_minute;
	double error_ratio;	/* failed / all; NAN when there were no requests */
	double p50_seconds;	/* typical response time; NAN when unknown */
	double p95_seconds;	/* slow response time; NAN when unknown */
};

/* A peer the service calls (the payment gateway, a database). */
struct status_dependency {
	char peer[SERVICE_NAME_MAX];
	struct status_traffic traffic;
};

struct status_facts {
	bool up;
	double cpu_cores;		/* average over the window; NAN before two samples */
	double cpu_limit_cores;		/* 0 without a quota */
	double host_cpus;		/* 0 when unknown */
	uint64_t rss_bytes;
	uint64_t memory_limit_bytes;	/* 0 without a limit */
	uint64_t host_memory_bytes;	/* 0 when unknown */
	uint64_t oom_kills_recent;	/* within the window */
	double window_seconds;		/* what rates and counts span; 0 before two samples */
	struct status_traffic traffic;
	const struct status_dependency *deps;
	size_t n_deps;
};

enum status_reason {
	REASON_NORMAL,
	REASON_DOWN,
	REASON_ERRORS,
	REASON_SLOW,
	REASON_OOM_KILLS,
	REASON_DEPENDENCY_ERRORS,
	REASON_DEPENDENCY_SLOW,
	REASON_CPU_LIMIT,
	REASON_CPU_HOST,
	REASON_MEMORY_LIMIT,
	REASON_MEMORY_HOST,
	STATUS_REASONS,
};

struct status_verdict {
	enum status_level level;
	enum status_reason reason;
	double value;		/* the ratio, seconds or count the reason is about */
	double limit;		/* the threshold it crossed; 0 for none */
	const char *peer;	/* for REASON_DEPENDENCY_*: points into the facts' deps */
	double window_seconds;	/* the facts' window, named in the sentence */
};

/*
 * Down without live processes; Degraded when requests fail or are slow,
 * the OOM killer struck, or a dependency fails or is slow; Busy when CPU or
 * memory use is above its threshold (of the limit, else of the host);
 * Normal otherwise. The first matching rule, in that order, gives the
 * reason; between CPU and memory, the one further above its threshold.
 */
void status_evaluate(const struct status_facts *f, const struct status_thresholds *t,
		     struct status_verdict *v);

/* Stable English keys for the JSON API: "normal", "busy", ... */
const char *status_level_key(enum status_level level);
const char *status_reason_key(enum status_reason reason);
/* The word people read: "Normal", "Sibuk", "Bermasalah", "Mati" / "Normal", "Busy", ... */
const char *status_word(enum status_level level, enum status_lang lang);

/* The one sentence for a verdict, plain UTF-8 text (not yet HTML-escaped). */
void status_sentence(struct sbuf *out, const struct status_verdict *v, enum status_lang lang);

/* Figures the way a reader of lang writes them. */
void status_format_percent(struct sbuf *out, double ratio, enum status_lang lang);
void status_format_seconds(struct sbuf *out, double seconds, enum status_lang lang);
void status_format_bytes(struct sbuf *out, uint64_t bytes, enum status_lang lang);
/* " in the last 14 seconds" / " dalam 14 detik terakhir"; minutes from 2 on; "" for 0. */
void status_format_window(struct sbuf *out, double seconds, enum status_lang lang);
void status_format_number(struct sbuf *out, double value, enum status_lang lang);

/* CPU and memory as a share of the limit, else of the host; NAN when unknown. */
double status_cpu_ratio(const struct status_facts *f, bool *of_limit);
double status_memory_ratio(const struct status_facts *f, bool *of_limit);

#define STATUS_HOURS 24
/* Busy hours need this many hours with data, or they mean nothing yet. */
#define STATUS_BUSY_MIN_HOURS 6

/*
 * The busiest stretch of the day: the busiest hour and its neighbours that
 * stay within 75 % of it, at most four hours. value[i] is the activity of
 * hour_of_day[i] (oldest first); valid[i] says whether pantau measured that
 * hour. Returns 0 with [*from, *to) as hours of the day, or -ENODATA.
 */
int status_busy_hours(const double value[STATUS_HOURS], const bool valid[STATUS_HOURS],
		      const int hour_of_day[STATUS_HOURS], int *from, int *to);
/* "19.00–21.00" in Indonesian, "19:00–21:00" in English. */
void status_format_hours(struct sbuf *out, int from, int to, enum status_lang lang);

/* lang from a "?lang=" value, an Accept-Language header, or the default. */
enum status_lang status_lang_pick(const char *query, const char *accept_language,
				  enum status_lang fallback);
const char *status_lang_code(enum status_lang lang);

#endif
