/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * TLS, basic auth and response headers of the HTTP server, from the
 * exporter toolkit's web config file (user/web_config.h), re-read when it
 * or its certificate files change. See docs/web-config.md.
 */
#ifndef PANTAU_WEB_AUTH_H
#define PANTAU_WEB_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <microhttpd.h>

struct web_auth;

/*
 * Read the web config at path and its certificate and key. Returns 0 or a
 * negative errno with one sentence in err. Only one may be open at a time:
 * GnuTLS's certificate callback carries no pointer of its own.
 */
int web_auth_open(struct web_auth **out, const char *path, char *err, size_t err_len);
void web_auth_close(struct web_auth *wa);

/* What libmicrohttpd needs at start; NULL wa: plain HTTP, nobody asked. */
bool web_auth_tls(const struct web_auth *wa);
const char *web_auth_priorities(const struct web_auth *wa);
/* The client CA in PEM when client certificates are verified, else NULL. */
const char *web_auth_client_ca(const struct web_auth *wa);
/* For MHD_OPTION_HTTPS_CERT_CALLBACK: the current certificate and key. */
int web_auth_retrieve_cert(gnutls_session_t session, const gnutls_datum_t *req_ca_dn,
			   int n_req_ca_dn, const gnutls_pk_algorithm_t *pk_algos,
			   int n_pk_algos, gnutls_pcert_st **pcert, unsigned *n_pcert,
			   gnutls_privkey_t *key);

/*
 * Re-read the web config and certificate files when one of them changed
 * since the last look, at most once a second. A file that fails keeps
 * the running one and is logged once with its file and line.
 */
void web_auth_refresh(struct web_auth *wa);

/*
 * Whether the request may be served: a client certificate verified when
 * one is required, and basic auth credentials of a listed user when
 * users are listed. When not, an answer (401 or 403) is queued and its
 * result is in *queued.
 */
bool web_auth_allow(struct web_auth *wa, struct MHD_Connection *conn, enum MHD_Result *queued);

/* Add the configured headers to a response, replacing the same names. */
void web_auth_headers(struct web_auth *wa, struct MHD_Response *resp);

#endif
