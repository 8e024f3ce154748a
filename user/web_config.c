// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The exporter toolkit's web configuration file, read with libyaml. The
 * file stays exactly the toolkit's format, so one file serves node_exporter
 * and pantau alike: every key of that format is known here, and those
 * pantau cannot honour are refused by name rather than ignored, since an
 * ignored rate_limit or client_allowed_sans would leave a host less
 * protected than its owner believes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>
#include "web_config.h"
#include "lib/yaml_node.h"

/* A web config is a few lines; anything bigger is a wrong path. */
#define WEB_CONFIG_FILE_MAX (256 * 1024)
#define WEB_PATH_MAX 4096
#define SHOWN_MAX 64
#define ERR_MAX 512

struct web_loader {
	yaml_document_t *doc;
	struct web_config *wc;
	const char *name;
	const char *dir;
	char *err;
	size_t err_len;
	/* The nodes checked once the whole file is read, for their lines. */
	yaml_node_t *tls_node;
	yaml_node_t *client_auth_node;
};

static const char *const tls_versions[] = {
	[WEB_TLS10] = "TLS10", [WEB_TLS11] = "TLS11", [WEB_TLS12] = "TLS12", [WEB_TLS13] = "TLS13",
};

/*
 * The toolkit's extraHTTPHeaders: the only headers it lets a web config
 * set, with the values allowed where it restricts them.
 */
static const struct {
	const char *name;
	const char *values[3];
} allowed_headers[WEB_CONFIG_MAX_HEADERS] = {
	{ "Strict-Transport-Security", { NULL } },
	{ "X-Content-Type-Options", { "nosniff", NULL } },
	{ "X-Frame-Options", { "deny", "sameorigin", NULL } },
	{ "X-XSS-Protection", { NULL } },
	{ "Content-Security-Policy", { NULL } },
};

static int fail(struct web_loader *ld, const yaml_node_t *node, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct web_loader *ld, const yaml_node_t *node, const char *fmt, ...)
{
	char msg[ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ld->err && ld->err_len)
		snprintf(ld->err, ld->err_len, "%s:%zu: %s", ld->name,
			 node->start_mark.line + 1, msg);
	return -EINVAL;
}

static int no_memory(struct web_loader *ld)
{
	if (ld->err && ld->err_len)
		snprintf(ld->err, ld->err_len, "%s: out of memory.", ld->name);
	return -ENOMEM;
}

static int want_scalar(struct web_loader *ld, const yaml_node_t *node, const char *path)
{
	if (node->type != YAML_SCALAR_NODE)
		return fail(ld, node, "%s must be a single value, not a %s.", path,
			    node->type == YAML_MAPPING_NODE ? "mapping" : "list");
	if (strlen(yaml_scalar(node)) != node->data.scalar.length || yaml_has_control(yaml_scalar(node),
	    node->data.scalar.length))
		return fail(ld, node, "%s contains a control character; remove it.", path);
	return 0;
}

static int want_mapping(struct web_loader *ld, const yaml_node_t *node, const char *path)
{
	if (node->type == YAML_MAPPING_NODE)
		return 0;
	return fail(ld, node, "%s must be a mapping of keys to values.", path);
}

/* Duplicate keys are kept by libyaml; Go's strict YAML refuses them too. */
static int check_duplicate(struct web_loader *ld, yaml_node_t *map, yaml_node_pair_t *pair,
			   const char *path)
{
	yaml_node_t *key = yaml_document_get_node(ld->doc, pair->key);

	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < pair; p++) {
		yaml_node_t *prev = yaml_document_get_node(ld->doc, p->key);

		if (prev->type == YAML_SCALAR_NODE && !strcmp(yaml_scalar(prev), yaml_scalar(key)))
			return fail(ld, key, "duplicate key '%s' under '%s'; it was first set on "
				    "line %zu.", yaml_scalar(key), path, prev->start_mark.line + 1);
	}
	return 0;
}


/* A file name as the toolkit reads it: relative to the config's directory. */
static int parse_file(struct web_loader *ld, char **slot, yaml_node_t *node, const char *path)
{
	char full[WEB_PATH_MAX], buf[SHOWN_MAX];
	const char *v;
	int ret, n;

	if (yaml_is_null(node))
		return 0;
	ret = want_scalar(ld, node, path);
	if (ret)
		return ret;
	v = yaml_scalar(node);
	if (!*v) {
		free(*slot);
		*slot = NULL;
		return 0;
	}
	if (v[0] == '/')
		n = snprintf(full, sizeof(full), "%s", v);
	else
		n = snprintf(full, sizeof(full), "%s/%s", ld->dir, v);
	if (n < 0 || (size_t)n >= sizeof(full))
		return fail(ld, node, "%s is '%s'; the path is longer than %d bytes.", path,
			    yaml_shown(node, buf, sizeof(buf)), WEB_PATH_MAX - 1);
	return yaml_set_string(slot, full) ? 0 : no_memory(ld);
}

static int parse_bool(struct web_loader *ld, bool *slot, yaml_node_t *node, const char *path)
{
	char buf[SHOWN_MAX];
	int ret;

	ret = want_scalar(ld, node, path);
	if (ret)
		return ret;
	if (!strcmp(yaml_scalar(node), "true") || !strcmp(yaml_scalar(node), "false")) {
		*slot = yaml_scalar(node)[0] == 't';
		return 0;
	}
	return fail(ld, node, "%s is '%s'; it must be true or false.", path,
		    yaml_shown(node, buf, sizeof(buf)));
}

static int parse_version(struct web_loader *ld, enum web_tls_version *slot, yaml_node_t *node,
			 const char *path)
{
	char buf[SHOWN_MAX];
	int ret;

	ret = want_scalar(ld, node, path);
	if (ret)
		return ret;
	for (int v = WEB_TLS10; v <= WEB_TLS13; v++) {
		if (!strcmp(yaml_scalar(node), tls_versions[v])) {
			*slot = (enum web_tls_version)v;
			return 0;
		}
	}
	return fail(ld, node, "%s is '%s'; allowed values are TLS10, TLS11, TLS12, TLS13.", path,
		    yaml_shown(node, buf, sizeof(buf)));
}

/*
 * Go's five policies. The two that take a client certificate without
 * checking it are refused: the toolkit itself calls them insecure, and a
 * certificate nobody checks is no authentication.
 */
static int parse_client_auth(struct web_loader *ld, yaml_node_t *node, const char *path)
{
	char buf[SHOWN_MAX];
	const char *v;
	int ret;

	ret = want_scalar(ld, node, path);
	if (ret)
		return ret;
	v = yaml_scalar(node);
	ld->client_auth_node = node;
	if (!*v || !strcmp(v, "NoClientCert")) {
		ld->wc->client_auth = WEB_CLIENT_AUTH_NONE;
		return 0;
	}
	if (!strcmp(v, "RequireAndVerifyClientCert")) {
		ld->wc->client_auth = WEB_CLIENT_AUTH_VERIFY;
		return 0;
	}
	if (!strcmp(v, "RequestClientCert") || !strcmp(v, "RequireAnyClientCert") ||
	    !strcmp(v, "RequireClientCert") || !strcmp(v, "VerifyClientCertIfGiven"))
		return fail(ld, node, "%s is '%s', which pantau does not support: it would let in "
			    "a client whose certificate is not checked; use RequireAndVerifyClientCert "
			    "with client_ca_file, or NoClientCert.", path, v);
	return fail(ld, node, "%s is '%s'; allowed values are NoClientCert and "
		    "RequireAndVerifyClientCert.", path, yaml_shown(node, buf, sizeof(buf)));
}

/* Keys of the toolkit's format that pantau cannot honour, and why. */
static const struct {
	const char *key;
	const char *why;
} unsupported[] = {
	{ "cert", "inline certificates are not read; put the certificate in a file and name it "
		  "with cert_file" },
	{ "key", "inline keys are not read; put the key in a file and name it with key_file" },
	{ "client_ca", "inline CAs are not read; put them in a file and name it with "
		       "client_ca_file" },
	{ "client_allowed_sans", "client certificates' SANs are not matched; remove it and "
				 "give only the allowed clients certificates from client_ca_file" },
	{ "cipher_suites", "Go's cipher suite names do not map onto GnuTLS; remove it (GnuTLS's "
			   "NORMAL set is used)" },
	{ "curve_preferences", "Go's curve names do not map onto GnuTLS; remove it (GnuTLS's "
			       "NORMAL set is used)" },
	{ "http2", "libmicrohttpd serves HTTP/1.1 only; remove it or set it to false" },
	{ "rate_limit", "requests are not rate limited; remove it, or limit rates in a reverse "
			"proxy in front of pantau" },
};

static int refuse(struct web_loader *ld, yaml_node_t *key, const char *path)
{
	for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++)
		if (!strcmp(yaml_scalar(key), unsupported[i].key))
			return fail(ld, key, "%s%s%s is not supported by pantau: %s.", path,
				    *path ? "." : "", yaml_scalar(key), unsupported[i].why);
	return -ENOENT;
}

static int unknown(struct web_loader *ld, yaml_node_t *key, const char *path, const char *allowed)
{
	char buf[SHOWN_MAX];
	int ret = refuse(ld, key, path);

	if (ret != -ENOENT)
		return ret;
	return fail(ld, key, "unknown key '%s' %s%s%s; allowed keys: %s.",
		    yaml_shown(key, buf, sizeof(buf)), *path ? "under '" : "at the top level",
		    path, *path ? "'" : "", allowed);
}

static int want_key(struct web_loader *ld, yaml_node_t *key, const char *path)
{
	if (key->type == YAML_SCALAR_NODE)
		return 0;
	return fail(ld, key, "%s has a key that is not a single word; keys must be plain words.",
		    *path ? path : "the file");
}

static int parse_tls(struct web_loader *ld, yaml_node_t *node)
{
	struct web_config *wc = ld->wc;
	yaml_node_pair_t *pair;
	char path[64];
	int ret;

	if (yaml_is_null(node))
		return 0;
	ret = want_mapping(ld, node, "tls_server_config");
	if (ret)
		return ret;
	ld->tls_node = node;
	for (pair = node->data.mapping.pairs.start; pair < node->data.mapping.pairs.top; pair++) {
		yaml_node_t *key = yaml_document_get_node(ld->doc, pair->key);
		yaml_node_t *value = yaml_document_get_node(ld->doc, pair->value);
		const char *k;

		ret = want_key(ld, key, "tls_server_config");
		if (!ret)
			ret = check_duplicate(ld, node, pair, "tls_server_config");
		if (ret)
			return ret;
		k = yaml_scalar(key);
		snprintf(path, sizeof(path), "tls_server_config.%s", k);
		if (!strcmp(k, "cert_file"))
			ret = parse_file(ld, &wc->cert_file, value, path);
		else if (!strcmp(k, "key_file"))
			ret = parse_file(ld, &wc->key_file, value, path);
		else if (!strcmp(k, "client_ca_file"))
			ret = parse_file(ld, &wc->client_ca_file, value, path);
		else if (!strcmp(k, "client_auth_type"))
			ret = parse_client_auth(ld, value, path);
		else if (!strcmp(k, "min_version"))
			ret = parse_version(ld, &wc->min_version, value, path);
		else if (!strcmp(k, "max_version"))
			ret = parse_version(ld, &wc->max_version, value, path);
		else if (!strcmp(k, "prefer_server_cipher_suites"))
			ret = parse_bool(ld, &wc->prefer_server_cipher_suites, value, path);
		else
			ret = unknown(ld, key, "tls_server_config", "cert_file, key_file, "
				      "client_auth_type, client_ca_file, min_version, max_version, "
				      "prefer_server_cipher_suites");
		if (ret)
			return ret;
	}
	return 0;
}

static int parse_header(struct web_loader *ld, yaml_node_t *key, yaml_node_t *value)
{
	struct web_config *wc = ld->wc;
	char path[96], buf[SHOWN_MAX];
	size_t i;
	int ret;

	for (i = 0; i < WEB_CONFIG_MAX_HEADERS; i++)
		if (!strcmp(yaml_scalar(key), allowed_headers[i].name))
			break;
	if (i == WEB_CONFIG_MAX_HEADERS)
		return fail(ld, key, "header '%s' under 'http_server_config.headers' cannot be set; "
			    "allowed headers: Strict-Transport-Security, X-Content-Type-Options, "
			    "X-Frame-Options, X-XSS-Protection, Content-Security-Policy.",
			    yaml_shown(key, buf, sizeof(buf)));
	snprintf(path, sizeof(path), "http_server_config.headers.%s", allowed_headers[i].name);
	/* Blank unsets it, as in the toolkit. */
	if (yaml_is_null(value))
		return 0;
	ret = want_scalar(ld, value, path);
	if (ret)
		return ret;
	if (!value->data.scalar.length)
		return 0;
	if (value->data.scalar.length > WEB_CONFIG_HEADER_VALUE_MAX)
		return fail(ld, value, "%s is longer than %d bytes; shorten it.", path,
			    WEB_CONFIG_HEADER_VALUE_MAX);
	if (allowed_headers[i].values[0]) {
		bool ok = false;

		for (size_t v = 0; allowed_headers[i].values[v]; v++)
			ok |= !strcmp(yaml_scalar(value), allowed_headers[i].values[v]);
		if (!ok)
			return fail(ld, value, "%s is '%s'; allowed values are %s%s%s.", path,
				    yaml_shown(value, buf, sizeof(buf)), allowed_headers[i].values[0],
				    allowed_headers[i].values[1] ? " and " : "",
				    allowed_headers[i].values[1] ? allowed_headers[i].values[1] : "");
	}
	wc->headers[wc->n_headers].name = allowed_headers[i].name;
	wc->headers[wc->n_headers].value = strdup(yaml_scalar(value));
	if (!wc->headers[wc->n_headers].value)
		return no_memory(ld);
	wc->n_headers++;
	return 0;
}

static int parse_http(struct web_loader *ld, yaml_node_t *node)
{
	yaml_node_pair_t *pair, *h;
	bool http2 = false;
	int ret;

	if (yaml_is_null(node))
		return 0;
	ret = want_mapping(ld, node, "http_server_config");
	if (ret)
		return ret;
	for (pair = node->data.mapping.pairs.start; pair < node->data.mapping.pairs.top; pair++) {
		yaml_node_t *key = yaml_document_get_node(ld->doc, pair->key);
		yaml_node_t *value = yaml_document_get_node(ld->doc, pair->value);

		ret = want_key(ld, key, "http_server_config");
		if (!ret)
			ret = check_duplicate(ld, node, pair, "http_server_config");
		if (ret)
			return ret;
		if (!strcmp(yaml_scalar(key), "http2")) {
			/* false is what pantau does anyway; true it cannot do. */
			ret = parse_bool(ld, &http2, value, "http_server_config.http2");
			if (!ret && http2)
				ret = refuse(ld, key, "http_server_config");
		} else if (!strcmp(yaml_scalar(key), "headers")) {
			if (yaml_is_null(value))
				continue;
			ret = want_mapping(ld, value, "http_server_config.headers");
			for (h = value->data.mapping.pairs.start;
			     !ret && h < value->data.mapping.pairs.top; h++) {
				yaml_node_t *hk = yaml_document_get_node(ld->doc, h->key);

				ret = want_key(ld, hk, "http_server_config.headers");
				if (!ret)
					ret = check_duplicate(ld, value, h, "http_server_config.headers");
				if (!ret)
					ret = parse_header(ld, hk, yaml_document_get_node(ld->doc, h->value));
			}
		} else {
			ret = unknown(ld, key, "http_server_config", "headers, http2");
		}
		if (ret)
			return ret;
	}
	return 0;
}

static bool bcrypt_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '/';
}

/* "$2y$10$" and 53 characters of bcrypt's base64: 22 of salt, 31 of hash. */
static bool bcrypt_hash_ok(const char *h, unsigned *cost)
{
	size_t len = strlen(h);

	if (len != 60 || h[0] != '$' || h[1] != '2' || !strchr("aby", h[2]) || h[3] != '$' ||
	    h[4] < '0' || h[4] > '3' || h[5] < '0' || h[5] > '9' || h[6] != '$')
		return false;
	*cost = (unsigned)(h[4] - '0') * 10 + (unsigned)(h[5] - '0');
	if (*cost < 4 || *cost > 31)
		return false;
	for (size_t i = 7; i < len; i++)
		if (!bcrypt_char(h[i]))
			return false;
	return true;
}

static int parse_users(struct web_loader *ld, yaml_node_t *node)
{
	struct web_config *wc = ld->wc;
	yaml_node_pair_t *pair;
	char buf[SHOWN_MAX];
	size_t n;
	int ret;

	if (yaml_is_null(node))
		return 0;
	ret = want_mapping(ld, node, "basic_auth_users");
	if (ret)
		return ret;
	n = (size_t)(node->data.mapping.pairs.top - node->data.mapping.pairs.start);
	if (n > WEB_CONFIG_MAX_USERS)
		return fail(ld, node, "basic_auth_users has %zu users; at most %d are allowed "
			    "(use client certificates or a reverse proxy for more).", n,
			    WEB_CONFIG_MAX_USERS);
	for (pair = node->data.mapping.pairs.start; pair < node->data.mapping.pairs.top; pair++) {
		yaml_node_t *key = yaml_document_get_node(ld->doc, pair->key);
		yaml_node_t *value = yaml_document_get_node(ld->doc, pair->value);
		struct web_user *u = &wc->users[wc->n_users];
		unsigned cost = 0;

		ret = want_key(ld, key, "basic_auth_users");
		if (!ret)
			ret = check_duplicate(ld, node, pair, "basic_auth_users");
		if (!ret)
			ret = want_scalar(ld, key, "a user name under basic_auth_users");
		if (ret)
			return ret;
		/* Basic auth splits "user:password" at the first colon. */
		if (!key->data.scalar.length || key->data.scalar.length > WEB_CONFIG_USER_MAX ||
		    strchr(yaml_scalar(key), ':'))
			return fail(ld, key, "user '%s' under basic_auth_users must be 1 to %d bytes "
				    "without a colon.", yaml_shown(key, buf, sizeof(buf)),
				    WEB_CONFIG_USER_MAX);
		if (value->type != YAML_SCALAR_NODE || !bcrypt_hash_ok(yaml_scalar(value), &cost))
			return fail(ld, value, "the password of user '%s' under basic_auth_users is "
				    "not a bcrypt hash; write one with htpasswd -nBC 10 \"\" | tr -d "
				    "':\\n' (it starts with $2y$ and is 60 characters long).",
				    yaml_shown(key, buf, sizeof(buf)));
		u->name = strdup(yaml_scalar(key));
		u->hash = strdup(yaml_scalar(value));
		u->cost = cost;
		/* Counted even when a strdup failed, so web_config_free() sees both. */
		wc->n_users++;
		if (!u->name || !u->hash)
			return no_memory(ld);
		if (cost > wc->max_cost)
			wc->max_cost = cost;
	}
	return 0;
}

/* What the toolkit's ConfigToTLSConfig checks, said the pantau way. */
static int check_tls(struct web_loader *ld)
{
	struct web_config *wc = ld->wc;
	yaml_node_t *at = ld->tls_node;

	wc->tls = wc->cert_file || wc->key_file || wc->client_ca_file ||
		  wc->client_auth != WEB_CLIENT_AUTH_NONE;
	if (!wc->tls)
		return 0;
	if (!wc->cert_file || !wc->key_file)
		return fail(ld, at, "tls_server_config has no %s; TLS needs both cert_file and "
			    "key_file.", wc->cert_file ? "key_file" : "cert_file");
	if (wc->client_ca_file && wc->client_auth == WEB_CLIENT_AUTH_NONE)
		return fail(ld, ld->client_auth_node ? ld->client_auth_node : at,
			    "tls_server_config has client_ca_file but client_auth_type is "
			    "NoClientCert; set client_auth_type: RequireAndVerifyClientCert or "
			    "remove client_ca_file.");
	if (wc->client_auth == WEB_CLIENT_AUTH_VERIFY && !wc->client_ca_file)
		return fail(ld, ld->client_auth_node, "tls_server_config.client_auth_type is "
			    "RequireAndVerifyClientCert but there is no client_ca_file to verify "
			    "client certificates with; add one.");
	if (wc->min_version > wc->max_version)
		return fail(ld, at, "tls_server_config.min_version (%s) is above max_version (%s); "
			    "lower min_version or raise max_version.", tls_versions[wc->min_version],
			    tls_versions[wc->max_version]);
	return 0;
}

static int parse_root(struct web_loader *ld, yaml_node_t *root)
{
	yaml_node_pair_t *pair;
	int ret;

	ret = want_mapping(ld, root, "the file");
	if (ret)
		return ret;
	for (pair = root->data.mapping.pairs.start; pair < root->data.mapping.pairs.top; pair++) {
		yaml_node_t *key = yaml_document_get_node(ld->doc, pair->key);
		yaml_node_t *value = yaml_document_get_node(ld->doc, pair->value);

		ret = want_key(ld, key, "");
		if (!ret)
			ret = check_duplicate(ld, root, pair, "the top level");
		if (ret)
			return ret;
		if (!strcmp(yaml_scalar(key), "tls_server_config"))
			ret = parse_tls(ld, value);
		else if (!strcmp(yaml_scalar(key), "http_server_config"))
			ret = parse_http(ld, value);
		else if (!strcmp(yaml_scalar(key), "basic_auth_users"))
			ret = parse_users(ld, value);
		else
			ret = unknown(ld, key, "", "tls_server_config, http_server_config, "
				      "basic_auth_users");
		if (ret)
			return ret;
	}
	return check_tls(ld);
}

static int yaml_failed(struct web_loader *ld, const yaml_parser_t *parser)
{
	if (parser->error == YAML_MEMORY_ERROR || parser->error == YAML_NO_ERROR)
		return no_memory(ld);
	if (ld->err && ld->err_len)
		snprintf(ld->err, ld->err_len, "%s:%zu: YAML syntax error: %s; fix the file.",
			 ld->name, parser->problem_mark.line + 1,
			 parser->problem ? parser->problem : "unknown problem");
	return -EINVAL;
}

static void defaults(struct web_config *wc)
{
	memset(wc, 0, sizeof(*wc));
	wc->min_version = WEB_TLS12;
	wc->max_version = WEB_TLS13;
	wc->prefer_server_cipher_suites = true;
}

int web_config_load_string(struct web_config *wc, const char *yaml, const char *name,
			   const char *dir, char *err, size_t err_len)
{
	struct web_loader ld = { .wc = wc, .name = name ? name : "<string>",
				 .dir = dir ? dir : ".", .err = err, .err_len = err_len };
	yaml_document_t doc;
	yaml_parser_t parser;
	yaml_node_t *root;
	int ret = 0;

	defaults(wc);
	if (err && err_len)
		err[0] = '\0';
	if (!yaml_parser_initialize(&parser))
		return no_memory(&ld);
	yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, strlen(yaml));
	if (!yaml_parser_load(&parser, &doc)) {
		ret = yaml_failed(&ld, &parser);
		yaml_parser_delete(&parser);
		return ret;
	}
	ld.doc = &doc;
	root = yaml_document_get_root_node(&doc);
	/* An empty file is the toolkit's "no TLS, no auth". */
	if (root && !yaml_is_null(root))
		ret = parse_root(&ld, root);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (ret)
		web_config_free(wc);
	return ret;
}

int web_config_load_file(struct web_config *wc, const char *path, char *err, size_t err_len)
{
	char dir[WEB_PATH_MAX], *buf = NULL, *slash;
	size_t len = 0;
	ssize_t n;
	int fd, ret;

	defaults(wc);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, err_len, "%s: cannot read the web config file: %s; check "
			 "--web-config-file or web_config_file.", path, strerror(-ret));
		return ret;
	}
	buf = malloc(WEB_CONFIG_FILE_MAX + 1);
	if (!buf) {
		snprintf(err, err_len, "%s: out of memory.", path);
		ret = -ENOMEM;
		goto out;
	}
	for (;;) {
		n = read(fd, buf + len, WEB_CONFIG_FILE_MAX + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			snprintf(err, err_len, "%s: cannot read: %s.", path, strerror(-ret));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > WEB_CONFIG_FILE_MAX) {
			snprintf(err, err_len, "%s: larger than %d KiB, too big for a web config "
				 "file; check the path.", path, WEB_CONFIG_FILE_MAX / 1024);
			ret = -EFBIG;
			goto out;
		}
	}
	buf[len] = '\0';
	if (strlen(buf) != len) {
		snprintf(err, err_len, "%s: contains a NUL byte; it is not a YAML file.", path);
		ret = -EINVAL;
		goto out;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == dir)
		dir[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	ret = web_config_load_string(wc, buf, path, dir, err, err_len);
out:
	free(buf);
	close(fd);
	return ret;
}

int web_config_priorities(const struct web_config *wc, char *buf, size_t len)
{
	static const char *const vers[] = {
		[WEB_TLS10] = "+VERS-TLS1.0", [WEB_TLS11] = "+VERS-TLS1.1",
		[WEB_TLS12] = "+VERS-TLS1.2", [WEB_TLS13] = "+VERS-TLS1.3",
	};
	size_t used;
	int n;

	n = snprintf(buf, len, "NORMAL:-VERS-ALL");
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	used = (size_t)n;
	for (int v = wc->max_version; v >= (int)wc->min_version; v--) {
		n = snprintf(buf + used, len - used, ":%s", vers[v]);
		if (n < 0 || (size_t)n >= len - used)
			return -ENOSPC;
		used += (size_t)n;
	}
	if (wc->prefer_server_cipher_suites) {
		n = snprintf(buf + used, len - used, ":%%SERVER_PRECEDENCE");
		if (n < 0 || (size_t)n >= len - used)
			return -ENOSPC;
	}
	return 0;
}

void web_config_free(struct web_config *wc)
{
	free(wc->cert_file);
	free(wc->key_file);
	free(wc->client_ca_file);
	for (size_t i = 0; i < wc->n_users; i++) {
		free(wc->users[i].name);
		free(wc->users[i].hash);
	}
	for (size_t i = 0; i < wc->n_headers; i++)
		free(wc->headers[i].value);
	defaults(wc);
}
