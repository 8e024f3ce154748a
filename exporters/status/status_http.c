// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "daemon.h"
#include "log.h"
#include "prometheus/web_auth.h"
#include "status/status_http.h"
#include "status/status_render.h"
#include "status/status_snapshot.h"

#define CONTENT_TYPE_HTML "text/html; charset=utf-8"
#define CONTENT_TYPE_JSON "application/json"

bool status_http_handles(const char *url)
{
	return strcmp(url, "/") == 0 || strcmp(url, STATUS_API_PREFIX) == 0 ||
	       strncmp(url, STATUS_API_PREFIX "/", strlen(STATUS_API_PREFIX "/")) == 0;
}

static void security_headers(struct MHD_Response *resp, bool html)
{
	/* The API gets the strictest policy: it never needs to run anything. */
	MHD_add_response_header(resp, "Content-Security-Policy",
				html ? status_html_csp() :
				"default-src 'none'; frame-ancestors 'none'");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "Vary", "Accept-Language");
}

/* Queue body (taken from b, freed by libmicrohttpd) with status. */
static enum MHD_Result send_body(struct web_auth *wa, struct MHD_Connection *conn,
				 unsigned status,
				 const char *type, bool html, enum status_lang lang,
				 struct sbuf *b)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	size_t len;
	char *body = sbuf_take(b, &len);

	resp = MHD_create_response_from_buffer(len, body ? body : (char *)"",
					       body ? MHD_RESPMEM_MUST_FREE :
					       MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(resp, "Content-Language", status_lang_code(lang));
	security_headers(resp, html);
	web_auth_headers(wa, resp);
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result send_plain_error(struct web_auth *wa, struct MHD_Connection *conn,
					unsigned status, const char *message)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(strlen(message), (void *)message,
					       MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	security_headers(resp, false);
	web_auth_headers(wa, resp);
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result send_json_error(struct web_auth *wa, struct MHD_Connection *conn,
				       unsigned status, enum status_lang lang, const char *message)
{
	struct sbuf b;

	sbuf_init(&b);
	if (status_render_json_error(&b, message)) {
		sbuf_free(&b);
		return send_plain_error(wa, conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
					"pantau: out of memory\n");
	}
	return send_body(wa, conn, status, CONTENT_TYPE_JSON, false, lang, &b);
}

enum MHD_Result status_http_serve(struct daemon *d, struct MHD_Connection *conn,
				  const char *url, struct web_auth *wa)
{
	const char *query = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "lang");
	const char *accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							 MHD_HTTP_HEADER_ACCEPT_LANGUAGE);
	enum status_lang fallback = d->cfg.language && strcmp(d->cfg.language, "en") == 0 ?
				    STATUS_LANG_EN : STATUS_LANG_ID;
	enum status_lang lang = status_lang_pick(query, accept, fallback);
	const char *only = NULL;
	struct status_snapshot snap;
	bool html = strcmp(url, "/") == 0;
	struct sbuf b;
	int err;

	if (!html && strlen(url) > strlen(STATUS_API_PREFIX)) {
		/* libmicrohttpd has already %-decoded the path. */
		only = url + strlen(STATUS_API_PREFIX "/");
		if (!*only)
			only = NULL;
	}
	err = status_snapshot_take(d, only, &snap);
	if (err == -ENOENT)
		return send_json_error(wa, conn, MHD_HTTP_NOT_FOUND, lang,
				       "no service of that name; GET /api/v1/services lists them");
	if (err)
		return send_plain_error(wa, conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
					"pantau: out of memory\n");
	sbuf_init(&b);
	if (html)
		err = status_render_html(&b, &snap, lang);
	else if (only)
		err = status_render_json_one(&b, &snap, lang);
	else
		err = status_render_json_list(&b, &snap, lang);
	status_snapshot_free(&snap);
	if (err) {
		pt_warn("cannot render %s: %s", html ? "the status page" : "the status API",
			strerror(-err));
		sbuf_free(&b);
		return send_plain_error(wa, conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
					"pantau: out of memory\n");
	}
	return send_body(wa, conn, MHD_HTTP_OK, html ? CONTENT_TYPE_HTML : CONTENT_TYPE_JSON,
			 html, lang, &b);
}
