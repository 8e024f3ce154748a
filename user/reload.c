// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "config.h"
#include "log.h"
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

void config_reload(struct daemon *d, const char *path, bool listen_fixed)
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
		warn_listen_changed(&d->cfg, &next, listen_fixed);
		apply_thresholds(&d->cfg, &next);
	}
	pthread_mutex_unlock(&d->lock);
	if (rc)
		pt_err("config reload failed, the running config stays: %s", err);
	else
		pt_info("config reloaded from %s: thresholds applied; other keys apply at restart.",
			path);
	config_free(&next);
}
