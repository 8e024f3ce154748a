/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A status snapshot as the HTML page or as the JSON API (docs/api.md). */
#ifndef PANTAU_STATUS_RENDER_H
#define PANTAU_STATUS_RENDER_H

#include "lib/sbuf.h"
#include "status/status_snapshot.h"

/* Seconds between reloads of the page (meta refresh, works without JS). */
#define STATUS_REFRESH_SECONDS 30
/* Service and peer names on the page: longer ones end in an ellipsis. */
#define STATUS_NAME_MAX_CHARS 64

/* GET /api/v1/services. 0 or a negative errno. */
int status_render_json_list(struct sbuf *out, const struct status_snapshot *s,
			    enum status_lang lang);
/* GET /api/v1/services/{name}: the snapshot's one service. */
int status_render_json_one(struct sbuf *out, const struct status_snapshot *s,
			   enum status_lang lang);
/* A JSON error body: {"error": message}. */
int status_render_json_error(struct sbuf *out, const char *message);

/* GET /: the whole page, CSS and script inline. */
int status_render_html(struct sbuf *out, const struct status_snapshot *s,
		       enum status_lang lang);
/* The Content-Security-Policy that allows exactly the inline CSS and script. */
const char *status_html_csp(void);

#endif
