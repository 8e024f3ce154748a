/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Config reload on SIGHUP. The thresholds, service and peer rules,
 * requests.routes, requests.skip_cgroups, events.per_service_per_second,
 * the Elasticsearch connection and CloudWatch's namespace and interval
 * apply at once; every other key is read at start (docs/configuration.md, "When changes apply"). A file
 * that fails to parse or validate leaves the running config in place.
 */
#ifndef PANTAU_RELOAD_H
#define PANTAU_RELOAD_H

#include <stdbool.h>
#include "daemon.h"

/* The command-line flags that override the file's keys, on reload as at start. */
struct reload_flags {
	bool listen;			/* --listen */
	bool web_config_file;		/* --web-config-file */
	const char *es_url;		/* --es-url, or NULL */
};

/*
 * Read path again and apply what can change while running. Updates
 * d->reload and logs one line saying what happened. Takes d->lock.
 */
void config_reload(struct daemon *d, const char *path, const struct reload_flags *flags);

#endif
