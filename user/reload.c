// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>
#include "bpf/id_map.h"
#include "bpf/shared_cgroups.h"
#include "bpf/skip_cgroups.h"
#include "collectors/request_collector.h"
#include "elasticsearch/elasticsearch.h"
#include "config.h"
#include "log.h"
#include "net.skel.h"
#include "reload.h"

/* Copy the keys that apply at once; the caller holds d->lock. */
static void apply_thresholds(struct pantau_config *to, const struct pantau_config *from)
{
	to->thresholds_cpu_busy_ratio = from->thresholds_cpu_busy_ratio;
	to->thresholds_memory_busy_ratio = from->thresholds_memory_busy_ratio;
	to->thresholds_error_ratio = from->thresholds_error_ratio;
	to->thresholds_latency_p95_seconds = from->thresholds_latency_p95_seconds;
	to->thresholds_min_requests_per_second = from->thresholds_min_requests_per_second;
	to->thresholds_filesystem_full_ratio = from->thresholds_filesystem_full_ratio;
}

static bool same_strings(char *const *a, size_t na, char *const *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return true;
}

/*
 * Request keys that apply at once: routes name the paths of the next
 * events, the event budget is the kernel's from its next second, and the
 * skipped cgroups are looked up for connections opened from now on (the
 * map is filled again right away; open connections keep what they had).
 */
static void apply_requests(struct daemon *d, struct pantau_config *next, bool scanned)
{
	struct pantau_config *cfg = &d->cfg;
	bool skip_changed = !same_strings(cfg->skip_cgroups, cfg->n_skip_cgroups, next->skip_cgroups,
					  next->n_skip_cgroups);
	uint64_t none[1];
	int err;

	config_move_strings(cfg->request_routes, &cfg->n_request_routes, next->request_routes,
		     &next->n_request_routes);
	cfg->events_per_service_per_second = next->events_per_service_per_second;
	if (d->probes.net && d->probes.net->bss)
		d->probes.net->bss->event_budget_per_second =
			cfg->events_file[0] || cfg->n_es_urls ? cfg->events_per_service_per_second : 0;
	config_move_strings(cfg->skip_cgroups, &cfg->n_skip_cgroups, next->skip_cgroups,
		     &next->n_skip_cgroups);
	if (!d->probes.net || !skip_changed)
		return;
	/* apply_shared() has walked the cgroup tree when shared_cgroups changed as well. */
	if (!scanned)
		registry_scan_cgroups(&d->registry);
	err = cfg->n_skip_cgroups ? skip_cgroups_sync(&d->probes, &d->registry) :
	      id_map_set(bpf_map__fd(d->probes.net->maps.skip_cgroups), none, 0,
			       bpf_map__max_entries(d->probes.net->maps.skip_cgroups));
	if (err)
		pt_warn("config reload: cannot refill the skip_cgroups map: %s; the connections of "
			"requests.skip_cgroups opened from now on may be parsed.", strerror(-err));
}

static void apply_run_stats(struct daemon *d, const struct pantau_config *next)
{
	int err = probes_set_run_stats(&d->probes, next->bpf_run_stats);

	if (err)
		pt_warn("config reload: cannot turn the kernel's BPF run stats on (%s); "
			"pantau_bpf_program_* grow only while another tool keeps them on.",
			strerror(-err));
	else
		d->cfg.bpf_run_stats = next->bpf_run_stats;
}

/*
 * services.shared_cgroups: every known cgroup is matched again and the
 * kernel's map refilled at once, so from their next switch the processes
 * of a newly shared cgroup count under keys of their own, and those of a
 * cgroup no longer shared under the cgroup's. The services of the old keys
 * go down, keeping what they counted. Returns whether it walked the
 * cgroup tree.
 */
static bool apply_shared(struct daemon *d, struct pantau_config *next)
{
	struct pantau_config *cfg = &d->cfg;
	size_t changed;
	int err;

	if (same_strings(cfg->shared_cgroups, cfg->n_shared_cgroups, next->shared_cgroups,
			 next->n_shared_cgroups))
		return false;
	config_move_strings(cfg->shared_cgroups, &cfg->n_shared_cgroups, next->shared_cgroups,
			    &next->n_shared_cgroups);
	changed = registry_reshare(&d->registry);
	registry_scan_cgroups(&d->registry);
	err = shared_cgroups_sync(&d->probes, &d->registry);
	if (err)
		pt_warn("config reload: cannot refill the shared_cgroups map: %s; the kernel may "
			"keep counting some cgroups as before until pantau restarts.", strerror(-err));
	else
		pt_info("config reload: services.shared_cgroups applied; %zu known cgroups changed "
			"sides.", changed);
	return true;
}

static bool same_rules(const struct pantau_config *a, const struct pantau_config *b)
{
	if (a->n_rules != b->n_rules || a->n_peer_rules != b->n_peer_rules)
		return false;
	for (size_t i = 0; i < a->n_rules; i++)
		if (a->rules[i].kind != b->rules[i].kind ||
		    strcmp(a->rules[i].pattern, b->rules[i].pattern) ||
		    strcmp(a->rules[i].name, b->rules[i].name))
			return false;
	for (size_t i = 0; i < a->n_peer_rules; i++)
		if (a->peer_rules[i].kind != b->peer_rules[i].kind ||
		    strcmp(a->peer_rules[i].pattern, b->peer_rules[i].pattern) ||
		    strcmp(a->peer_rules[i].name, b->peer_rules[i].name))
			return false;
	return true;
}

/*
 * Service and peer rules: every key is named again, and its counts from
 * now on go to its new service; what the old one counted stays with it
 * (until it is evicted like any service that is down). Peers are named
 * again at the next collection, counts already taken staying under the
 * old name.
 */
static void apply_rules(struct daemon *d, struct pantau_config *next)
{
	size_t moved;
	int err;

	if (same_rules(&d->cfg, next))
		return;
	config_swap_rules(&d->cfg, next);
	err = peers_set_rules(&d->peers, d->cfg.peer_rules, d->cfg.n_peer_rules);
	if (err)
		pt_warn("config reload: cannot apply peers.rules (%s); peers keep the names "
			"they had.", strerror(-err));
	moved = registry_rename(&d->registry);
	request_rename_peers();
	pt_info("config reload: service and peer rules applied; %zu keys changed service.", moved);
}

static bool same_string(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/*
 * Exporters: Elasticsearch's URLs, credentials (their files read again),
 * CA file, verify, gzip and flush_seconds from its next batch; CloudWatch's
 * namespace and interval from its next interval. Turning an exporter on or
 * off, and what sizes its spool and batches, need a restart.
 */
static void apply_exporters(struct daemon *d, struct pantau_config *next, const char *es_url_flag)
{
	const struct pantau_config *cfg = &d->cfg;
	char err[CONFIG_ERR_MAX];
	bool es_on;

	/* --es-url keeps overriding the file, as at start. */
	if (es_url_flag && config_set_es_url(next, es_url_flag)) {
		pt_warn("config reload: out of memory; the exporters keep their settings.");
		return;
	}
	es_on = next->n_es_urls > 0;
	if (!d->es && es_on)
		pt_warn("config reload: elasticsearch.urls is set now; restart pantau to start the "
			"Elasticsearch exporter.");
	if (d->es && !es_on)
		pt_warn("config reload: elasticsearch.urls is empty now; restart pantau to stop the "
			"Elasticsearch exporter (it keeps sending to its URLs until then).");
	if (d->es && (!same_string(cfg->es_spool_dir, next->es_spool_dir) ||
		      cfg->es_spool_max_bytes != next->es_spool_max_bytes ||
		      cfg->es_batch_events != next->es_batch_events ||
		      cfg->es_batch_bytes != next->es_batch_bytes ||
		      cfg->es_dead_letter_max_bytes != next->es_dead_letter_max_bytes))
		pt_warn("config reload: elasticsearch.spool, batch_events, batch_bytes or "
			"dead_letter_max_bytes changed; restart pantau to apply them.");
	if (!same_string(cfg->cloudwatch_emf_file, next->cloudwatch_emf_file))
		pt_warn("config reload: cloudwatch.emf_file changed; restart pantau to apply it.");
	config_swap_cloudwatch(&d->cfg, next);
	if (!d->es || !es_on)
		return;
	if (es_reconfigure(d->es, next, err, sizeof(err)))
		pt_warn("config reload: %s The Elasticsearch exporter keeps its settings.", err);
	else
		config_swap_es_connection(&d->cfg, next);
}

/* Keys that size tables and maps at start. */
static void warn_restart_only(const struct pantau_config *running,
			      const struct pantau_config *next)
{
	if (running->services_max != next->services_max || running->peers_max != next->peers_max)
		pt_warn("config reload: services.max or peers.max changed; restart pantau to apply "
			"it (tables and maps are sized at start).");
}

/* The one restart-only key whose change would go unnoticed: where /metrics is. */
static void warn_listen_changed(const struct pantau_config *running,
				const struct pantau_config *next, bool listen_fixed)
{
	if (listen_fixed || !running->listen || !next->listen ||
	    strcmp(running->listen, next->listen) == 0)
		return;
	pt_warn("config reload: listen changed from %s to %s; restart pantau to apply it.",
		running->listen, next->listen);
}

/*
 * The web config file itself is watched and re-read when it changes
 * (web_auth.c); which file it is, and whether /healthz is open, are fixed
 * when the server starts.
 */
static void warn_web_changed(const struct pantau_config *running,
			     const struct pantau_config *next, bool web_config_fixed)
{
	if (!web_config_fixed && running->web_config_file && next->web_config_file &&
	    strcmp(running->web_config_file, next->web_config_file) != 0)
		pt_warn("config reload: web_config_file changed from '%s' to '%s'; restart pantau "
			"to apply it.", running->web_config_file, next->web_config_file);
	if (running->healthz_without_auth != next->healthz_without_auth)
		pt_warn("config reload: healthz_without_auth changed to %s; restart pantau to "
			"apply it.", next->healthz_without_auth ? "true" : "false");
}

void config_reload(struct daemon *d, const char *path, const struct reload_flags *flags)
{
	struct pantau_config next;
	char err[CONFIG_ERR_MAX];
	int rc;

	if (!path) {
		pt_warn("SIGHUP: pantau started without a config file, so there is nothing to "
			"reload; start it with --config to use one.");
		return;
	}
	rc = config_init(&next);
	if (!rc)
		rc = config_load_file(&next, path, err, sizeof(err));
	else
		snprintf(err, sizeof(err), "%s: cannot reload: out of memory.", path);
	pthread_mutex_lock(&d->lock);
	d->reload.ok = rc == 0;
	if (rc == 0) {
		d->reload.success_time = time(NULL);
		warn_listen_changed(&d->cfg, &next, flags->listen);
		warn_web_changed(&d->cfg, &next, flags->web_config_file);
		warn_restart_only(&d->cfg, &next);
		apply_thresholds(&d->cfg, &next);
		apply_requests(d, &next, apply_shared(d, &next));
		apply_run_stats(d, &next);
		apply_rules(d, &next);
		apply_exporters(d, &next, flags->es_url);
	}
	pthread_mutex_unlock(&d->lock);
	if (rc)
		pt_err("config reload failed, the running config stays: %s", err);
	else
		pt_info("config reloaded from %s: thresholds, services.rules, peers.rules, "
			"services.shared_cgroups, requests.routes, requests.skip_cgroups, "
			"events.per_service_per_second, bpf_run_stats, the Elasticsearch connection and the "
			"CloudWatch namespace and interval applied; other keys apply at restart.",
			path);
	config_free(&next);
}
