/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Config reload on SIGHUP. The thresholds, requests.routes,
 * requests.skip_cgroups and events.per_service_per_second apply at once;
 * every other key is read at start (docs/configuration.md, "When changes apply"). A file
 * that fails to parse or validate leaves the running config in place.
 */
#ifndef PANTAU_RELOAD_H
#define PANTAU_RELOAD_H

#include <stdbool.h>
#include "daemon.h"

/*
 * Read path again and apply what can change while running; listen_fixed
 * says --listen overrides the file's listen, web_config_fixed that
 * --web-config-file overrides its web_config_file. Updates d->reload and
 * logs one line saying what happened. Takes d->lock.
 */
void config_reload(struct daemon *d, const char *path, bool listen_fixed,
		   bool web_config_fixed);

#endif
