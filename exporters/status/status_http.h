/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * GET / (the status page), GET /api/v1/services and
 * GET /api/v1/services/{name}, on the same libmicrohttpd server as
 * /metrics. Read-only; language from ?lang=, else Accept-Language, else
 * the config's `language`.
 */
#ifndef PANTAU_STATUS_HTTP_H
#define PANTAU_STATUS_HTTP_H

#include <stdbool.h>
#include <microhttpd.h>

struct daemon;
struct web_auth;

#define STATUS_API_PREFIX "/api/v1/services"

/* Whether url is one of the status routes. */
bool status_http_handles(const char *url);
/* Answer a GET or HEAD of a status route; wa adds the web config's headers. */
enum MHD_Result status_http_serve(struct daemon *d, struct MHD_Connection *conn,
				  const char *url, struct web_auth *wa);

#endif
