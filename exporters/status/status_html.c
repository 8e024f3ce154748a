// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The status page: one server-rendered HTML document with its CSS and
 * script inline (embedded at build time from exporters/status/), readable
 * without JavaScript, allowed by a CSP that names their hashes. Every name
 * from the machine goes through html_escape().
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "status/html.h"
#include "status_assets.h"
#include "status/status_render.h"

#define CHART_W 240
#define CHART_BAR_STEP 10
#define CHART_BAR_W 8
#define CHART_BASE 40
#define CHART_MAX_H 36

struct page_text {
	const char *title, *updated, *reload, *switch_label, *switch_code, *search;
	const char *cpu, *memory, *of_limit, *of_host, *cores, *of;
	const char *requests, *per_minute, *errors, *response, *typical, *slow;
	const char *deps, *no_traffic, *down_since, *chart_requests, *chart_cpu;
	const char *busiest, *busy_unknown, *no_services, *now, *unknown, *by_cpu;
	const char *time_fmt, *seconds_unit;
	const char *es_unreachable, *es_waiting, *date_time_fmt;
};

static const struct page_text texts[STATUS_LANGS] = {
	[STATUS_LANG_ID] = {
		.title = "Status layanan", .updated = "Diperbarui pukul",
		.reload = "halaman dimuat ulang tiap %d detik",
		.switch_label = "English", .switch_code = "en", .search = "Cari layanan\xe2\x80\xa6",
		.cpu = "CPU", .memory = "Memori", .of_limit = "dari batas", .of_host = "dari server",
		.cores = "inti", .of = "dari",
		.requests = "Permintaan", .per_minute = "per menit", .errors = "Gagal",
		.response = "Waktu respons", .typical = "biasanya", .slow = "lambat",
		.deps = "Layanan tujuan", .no_traffic = "Belum ada data lalu lintas",
		.down_since = "Mati sejak",
		.chart_requests = "Permintaan per jam, 24 jam terakhir",
		.chart_cpu = "Pemakaian CPU per jam, 24 jam terakhir",
		.busiest = "Paling sibuk", .busy_unknown = "Jam sibuk: belum cukup data",
		.no_services = "Belum ada layanan yang terlihat.", .now = "sekarang",
		.unknown = "belum diketahui", .by_cpu = "menurut CPU",
		.time_fmt = "%H.%M", .seconds_unit = "detik lalu",
		.es_unreachable = "Elasticsearch tidak terjangkau sejak",
		.es_waiting = "MiB peristiwa menunggu di spool", .date_time_fmt = "%d-%m-%Y %H.%M",
	},
	[STATUS_LANG_EN] = {
		.title = "Service status", .updated = "Updated at",
		.reload = "the page reloads every %d seconds",
		.switch_label = "Bahasa Indonesia", .switch_code = "id", .search = "Find a service\xe2\x80\xa6",
		.cpu = "CPU", .memory = "Memory", .of_limit = "of its limit", .of_host = "of the server",
		.cores = "cores", .of = "of",
		.requests = "Requests", .per_minute = "per minute", .errors = "Failed",
		.response = "Response time", .typical = "typically", .slow = "slow",
		.deps = "Calls to", .no_traffic = "No traffic data yet",
		.down_since = "Down since",
		.chart_requests = "Requests per hour, last 24 hours",
		.chart_cpu = "CPU use per hour, last 24 hours",
		.busiest = "Busiest", .busy_unknown = "Busy hours: not enough data yet",
		.no_services = "No services seen yet.", .now = "now",
		.unknown = "not known yet", .by_cpu = "by CPU",
		.time_fmt = "%H:%M", .seconds_unit = "seconds ago",
		.es_unreachable = "Elasticsearch unreachable since",
		.es_waiting = "MiB of events wait in the spool", .date_time_fmt = "%Y-%m-%d %H:%M",
	},
};

const char *status_html_csp(void)
{
	return "default-src 'none'; "
	       "style-src 'sha256-" status_css_SHA256 "'; "
	       "script-src 'sha256-" status_js_SHA256 "'; "
	       "img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
}

static void clock_time(struct sbuf *out, time_t t, const char *fmt)
{
	char buf[32];
	struct tm tm;

	if (localtime_r(&t, &tm) && strftime(buf, sizeof(buf), fmt, &tm))
		sbuf_puts(out, buf);
	else
		sbuf_puts(out, "?");
}

/* A bar that turns from good to bad at the threshold (optimum is low). */
static void meter(struct sbuf *out, double ratio, double threshold)
{
	if (isnan(ratio))
		return;
	sbuf_printf(out, "<meter min=\"0\" max=\"1\" low=\"%.3f\" high=\"%.3f\" optimum=\"0\" "
		    "value=\"%.3f\"></meter>", threshold, threshold,
		    ratio > 1 ? 1 : ratio < 0 ? 0 : ratio);
}

static void row_cpu(struct sbuf *out, const struct status_facts *f, const struct page_text *t,
		    double threshold, enum status_lang lang)
{
	bool of_limit;
	double ratio = status_cpu_ratio(f, &of_limit);

	sbuf_printf(out, "<dt>%s</dt><dd>", t->cpu);
	if (isnan(ratio)) {
		sbuf_printf(out, "<span class=\"nodata\">%s</span></dd>", t->unknown);
		return;
	}
	meter(out, ratio, threshold);
	status_format_percent(out, ratio, lang);
	sbuf_printf(out, " %s (", of_limit ? t->of_limit : t->of_host);
	/* "0" cores would read as idle: a small figure says it is small. */
	if (f->cpu_cores > 0 && f->cpu_cores < 0.05)
		sbuf_printf(out, "&lt;0%c1", lang == STATUS_LANG_ID ? ',' : '.');
	else
		status_format_number(out, f->cpu_cores, lang);
	sbuf_printf(out, " %s ", t->of);
	status_format_number(out, of_limit ? f->cpu_limit_cores : f->host_cpus, lang);
	sbuf_printf(out, " %s)</dd>", t->cores);
}

static void row_memory(struct sbuf *out, const struct status_facts *f,
		       const struct page_text *t, double threshold, enum status_lang lang)
{
	bool of_limit;
	double ratio = status_memory_ratio(f, &of_limit);

	sbuf_printf(out, "<dt>%s</dt><dd>", t->memory);
	if (!isnan(ratio)) {
		meter(out, ratio, threshold);
		status_format_percent(out, ratio, lang);
		sbuf_printf(out, " %s (", of_limit ? t->of_limit : t->of_host);
	}
	status_format_bytes(out, f->rss_bytes, lang);
	if (of_limit) {
		sbuf_printf(out, " %s ", t->of);
		status_format_bytes(out, f->memory_limit_bytes, lang);
	}
	sbuf_puts(out, isnan(ratio) ? "</dd>" : ")</dd>");
}

static void traffic_figures(struct sbuf *out, const struct status_traffic *tr,
			    const struct page_text *t, enum status_lang lang)
{
	status_format_number(out, tr->requests_per_minute, lang);
	sbuf_printf(out, " %s", t->per_minute);
	if (!isnan(tr->error_ratio)) {
		sbuf_printf(out, ", %s ", t->errors);
		status_format_percent(out, tr->error_ratio, lang);
	}
	if (!isnan(tr->p95_seconds)) {
		sbuf_printf(out, ", %s ", t->slow);
		status_format_seconds(out, tr->p95_seconds, lang);
	}
}

static void rows_traffic(struct sbuf *out, const struct status_facts *f,
			 const struct page_text *t, const struct status_thresholds *th,
			 enum status_lang lang)
{
	const struct status_traffic *tr = &f->traffic;

	if (!tr->has_data) {
		sbuf_printf(out, "<dt>%s</dt><dd class=\"nodata\">%s</dd>", t->requests, t->no_traffic);
	} else {
		sbuf_printf(out, "<dt>%s</dt><dd>", t->requests);
		status_format_number(out, tr->requests_per_minute, lang);
		sbuf_printf(out, " %s</dd><dt>%s</dt><dd>", t->per_minute, t->errors);
		if (isnan(tr->error_ratio))
			sbuf_puts(out, "\xe2\x80\x94");
		else
			status_format_percent(out, tr->error_ratio, lang);
		sbuf_printf(out, "</dd><dt>%s</dt><dd>", t->response);
		if (isnan(tr->p50_seconds) || isnan(tr->p95_seconds)) {
			sbuf_printf(out, "<span class=\"nodata\">%s</span>", t->unknown);
		} else {
			sbuf_printf(out, "%s ", t->typical);
			status_format_seconds(out, tr->p50_seconds, lang);
			sbuf_printf(out, ", %s ", t->slow);
			status_format_seconds(out, tr->p95_seconds, lang);
		}
		sbuf_puts(out, "</dd>");
	}
	sbuf_printf(out, "<dt>%s</dt>", t->deps);
	if (f->n_deps == 0) {
		sbuf_printf(out, "<dd class=\"nodata\">%s</dd>", t->no_traffic);
		return;
	}
	sbuf_puts(out, "<dd><ul class=\"deps\">");
	for (size_t i = 0; i < f->n_deps; i++) {
		const struct status_dependency *d = &f->deps[i];
		bool bad = d->traffic.has_data &&
			   (d->traffic.error_ratio > th->error_ratio ||
			    d->traffic.p95_seconds > th->latency_p95_seconds);
		enum status_level level = bad ? STATUS_DEGRADED : STATUS_NORMAL;

		sbuf_puts(out, "<li>");
		html_escape(out, d->peer, STATUS_NAME_MAX_CHARS);
		if (d->traffic.has_data) {
			sbuf_printf(out, ": <b class=\"s-%s why\">%s</b> \xc2\xb7 ",
				    status_level_key(level), status_word(level, lang));
			traffic_figures(out, &d->traffic, t, lang);
		} else {
			sbuf_printf(out, ": <span class=\"nodata\">%s</span>", t->no_traffic);
		}
		sbuf_puts(out, "</li>");
	}
	sbuf_puts(out, "</ul></dd>");
}

static void chart(struct sbuf *out, const struct status_service *svc,
		  const struct page_text *t, enum status_lang lang)
{
	const struct history_series *h = &svc->hourly;
	double max = 0;
	int peak = -1;

	for (int i = 0; i < STATUS_HOURS; i++) {
		bool ok = svc->hourly_requests ? h->traffic[i] : h->valid[i];
		double v = svc->hourly_requests ? h->requests[i] : h->cpu_seconds[i];

		if (ok && v > max) {
			max = v;
			peak = i;
		}
	}
	sbuf_printf(out, "<figure><svg viewBox=\"0 0 %d 50\" role=\"img\" aria-label=\"%s\">",
		    CHART_W, svc->hourly_requests ? t->chart_requests : t->chart_cpu);
	for (int i = 0; i < STATUS_HOURS; i++) {
		bool ok = svc->hourly_requests ? h->traffic[i] : h->valid[i];
		double v = svc->hourly_requests ? h->requests[i] : h->cpu_seconds[i];
		int height = ok && max > 0 ? (int)lround(v / max * CHART_MAX_H) : 0;

		if (height < 1)
			height = 1;
		sbuf_printf(out, "<rect%s x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>",
			    !ok ? " class=\"nd\"" : i == peak ? " class=\"peak\"" : "",
			    i * CHART_BAR_STEP + 1, CHART_BASE - height, CHART_BAR_W, height);
	}
	sbuf_printf(out, "<text x=\"1\" y=\"49\">%02d%c00</text>"
		    "<text x=\"%d\" y=\"49\" text-anchor=\"end\">%s</text></svg><figcaption>",
		    h->hour_of_day[0], lang == STATUS_LANG_ID ? '.' : ':', CHART_W - 1, t->now);
	sbuf_puts(out, svc->hourly_requests ? t->chart_requests : t->chart_cpu);
	sbuf_puts(out, ". ");
	if (svc->busy_known) {
		sbuf_printf(out, "%s: ", t->busiest);
		status_format_hours(out, svc->busy_from, svc->busy_to, lang);
		if (!svc->hourly_requests)
			sbuf_printf(out, " (%s)", t->by_cpu);
	} else {
		sbuf_puts(out, t->busy_unknown);
	}
	sbuf_puts(out, "</figcaption></figure>");
}

static void card(struct sbuf *out, const struct status_service *svc,
		 const struct status_snapshot *s, enum status_lang lang)
{
	const struct page_text *t = &texts[lang];
	const char *level = status_level_key(svc->verdict.level);
	struct sbuf why;

	sbuf_printf(out, "<article class=\"svc s-%s\" data-name=\"", level);
	html_escape(out, svc->name, STATUS_NAME_MAX_CHARS);
	sbuf_puts(out, "\"><h2><span class=\"name\">");
	html_escape(out, svc->name, STATUS_NAME_MAX_CHARS);
	sbuf_printf(out, "</span> <span class=\"badge\">%s</span></h2><p class=\"why\">",
		    status_word(svc->verdict.level, lang));
	sbuf_init(&why);
	status_sentence(&why, &svc->verdict, lang);
	if (sbuf_error(&why))
		out->err = sbuf_error(&why);
	html_escape(out, why.buf ? why.buf : "", 0);
	sbuf_free(&why);
	sbuf_puts(out, "</p><dl>");
	if (svc->down_since) {
		sbuf_printf(out, "<dt>%s</dt><dd>", t->down_since);
		clock_time(out, svc->down_since, t->time_fmt);
		sbuf_puts(out, "</dd>");
	}
	row_cpu(out, &svc->facts, t, s->thresholds.cpu_busy_ratio, lang);
	row_memory(out, &svc->facts, t, s->thresholds.memory_busy_ratio, lang);
	rows_traffic(out, &svc->facts, t, &s->thresholds, lang);
	sbuf_puts(out, "</dl>");
	chart(out, svc, t, lang);
	sbuf_puts(out, "</article>\n");
}

static void summary(struct sbuf *out, const struct status_snapshot *s, enum status_lang lang)
{
	size_t counts[STATUS_LEVELS];

	status_snapshot_summary(s, counts);
	sbuf_puts(out, "<ul class=\"summary\">");
	for (int l = STATUS_DOWN; l >= STATUS_NORMAL; l--) {
		if (!counts[l])
			continue;
		sbuf_printf(out, "<li class=\"pill s-%s\">%zu %s</li>", status_level_key(l),
			    counts[l], status_word(l, lang));
	}
	sbuf_puts(out, "</ul>\n");
}

int status_render_html(struct sbuf *out, const struct status_snapshot *s,
		       enum status_lang lang)
{
	const struct page_text *t = &texts[lang < STATUS_LANGS ? lang : STATUS_LANG_ID];

	if (lang >= STATUS_LANGS)
		lang = STATUS_LANG_ID;
	sbuf_printf(out, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
		    "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
		    "<meta http-equiv=\"refresh\" content=\"%d\">"
		    "<meta name=\"referrer\" content=\"no-referrer\">"
		    "<title>%s \xc2\xb7 ", status_lang_code(lang), STATUS_REFRESH_SECONDS, t->title);
	html_escape(out, s->hostname, STATUS_NAME_MAX_CHARS);
	sbuf_puts(out, "</title><style>");
	sbuf_add(out, status_css, sizeof(status_css) - 1);
	sbuf_printf(out, "</style></head>\n<body><header><nav><a href=\"?lang=%s\" hreflang=\"%s\" "
		    "lang=\"%s\">%s</a></nav><h1>%s</h1><p class=\"meta\">",
		    t->switch_code, t->switch_code, t->switch_code, t->switch_label, t->title);
	html_escape(out, s->hostname, STATUS_NAME_MAX_CHARS);
	sbuf_printf(out, " \xc2\xb7 %s ", t->updated);
	clock_time(out, s->taken, t->time_fmt);
	sbuf_printf(out, " (<span id=\"age\" data-unit=\"%s\">0 %s</span>) \xc2\xb7 ",
		    t->seconds_unit, t->seconds_unit);
	sbuf_printf(out, t->reload, STATUS_REFRESH_SECONDS);
	sbuf_puts(out, "</p>");
	summary(out, s, lang);
	if (s->es_on && s->es_unreachable_since) {
		sbuf_printf(out, "<p class=\"notice\" role=\"status\">%s ", t->es_unreachable);
		clock_time(out, s->es_unreachable_since, t->date_time_fmt);
		sbuf_printf(out, " \xc2\xb7 %.1f %s</p>\n",
			    (double)s->es_queue_bytes / (1024.0 * 1024.0), t->es_waiting);
	}
	sbuf_printf(out, "<input id=\"filter\" type=\"search\" placeholder=\"%s\" aria-label=\"%s\" hidden>"
		    "</header>\n<main>\n", t->search, t->search);
	for (size_t i = 0; i < s->n_services; i++)
		card(out, &s->services[i], s, lang);
	if (s->n_services == 0)
		sbuf_printf(out, "<p class=\"empty\">%s</p>", t->no_services);
	sbuf_printf(out, "</main>\n<footer>pantau %s \xc2\xb7 <a href=\"/api/v1/services\">JSON API</a>"
		    " \xc2\xb7 <a href=\"/metrics\">Prometheus</a></footer><script>", PANTAU_VERSION);
	sbuf_add(out, status_js, sizeof(status_js) - 1);
	sbuf_puts(out, "</script></body></html>\n");
	return sbuf_error(out);
}
