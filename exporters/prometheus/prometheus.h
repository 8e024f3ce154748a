/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* GET /metrics and /healthz on a libmicrohttpd server (and the status routes). */
#ifndef PANTAU_PROMETHEUS_H
#define PANTAU_PROMETHEUS_H

#include "daemon.h"
#include "prometheus/expo.h"

struct http_server;

/* Render every metric; the caller holds d->lock and has collected. */
int prometheus_render(struct daemon *d, struct expo *e);

/*
 * Listen on "ADDR:PORT", with TLS and basic auth when d->cfg names a web
 * config file. Returns 0 or a negative errno, with one sentence in err on
 * failure.
 */
int http_server_start(struct http_server **out, const char *listen, struct daemon *d,
		      char *err, size_t err_len);
/* "https" when the web config turned TLS on, else "http". */
const char *http_server_scheme(const struct http_server *s);
/* Look at the web config's files, and re-read them if they changed. */
void http_server_refresh(struct http_server *s);
void http_server_stop(struct http_server *s);

#endif
