/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The web configuration file of the Prometheus exporter toolkit (what
 * node_exporter reads with --web.config.file): TLS, basic auth users and
 * extra response headers. See docs/web-config.md.
 */
#ifndef PANTAU_WEB_CONFIG_H
#define PANTAU_WEB_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define WEB_CONFIG_MAX_USERS 64
/* The exporter toolkit allows exactly these five headers. */
#define WEB_CONFIG_MAX_HEADERS 5
#define WEB_CONFIG_USER_MAX 256
#define WEB_CONFIG_HEADER_VALUE_MAX 1024
#define WEB_CONFIG_PRIORITIES_MAX 128

/* Values of the TLS versions as GnuTLS and the toolkit number them. */
enum web_tls_version {
	WEB_TLS10 = 1,
	WEB_TLS11,
	WEB_TLS12,
	WEB_TLS13,
};

enum web_client_auth {
	WEB_CLIENT_AUTH_NONE,		/* NoClientCert */
	WEB_CLIENT_AUTH_VERIFY,		/* RequireAndVerifyClientCert */
};

struct web_user {
	char *name;
	char *hash;			/* bcrypt: $2a$, $2b$ or $2y$ */
	unsigned cost;
};

struct web_header {
	const char *name;		/* one of the toolkit's names, static */
	char *value;
};

struct web_config {
	bool tls;			/* tls_server_config has cert_file and key_file */
	char *cert_file;		/* absolute: relative ones are taken from the */
	char *key_file;			/* file's directory, as the toolkit does */
	char *client_ca_file;
	enum web_client_auth client_auth;
	enum web_tls_version min_version;
	enum web_tls_version max_version;
	bool prefer_server_cipher_suites;
	struct web_user users[WEB_CONFIG_MAX_USERS];
	size_t n_users;
	unsigned max_cost;		/* the highest bcrypt cost of users */
	struct web_header headers[WEB_CONFIG_MAX_HEADERS];
	size_t n_headers;
};

/*
 * Read the file at path into wc (which it initialises). Returns 0 or a
 * negative errno, with one sentence in err: "FILE:LINE: what is wrong and
 * what to do". On error wc holds nothing to free.
 */
int web_config_load_file(struct web_config *wc, const char *path, char *err, size_t err_len);
/* The same from a string; name is used in messages, dir for relative paths. */
int web_config_load_string(struct web_config *wc, const char *yaml, const char *name,
			   const char *dir, char *err, size_t err_len);

/* The GnuTLS priority string of the TLS versions and cipher order. */
int web_config_priorities(const struct web_config *wc, char *buf, size_t len);

void web_config_free(struct web_config *wc);

#endif
