// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests for user/web_config.c: the exporter toolkit's web config file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "web_config.h"

#define HASH_A "$2y$10$X0h1gDsPszWURQaxFh.zoubFi6DXncSjhoQNJgRrnGs7EsimhC7zG"
#define HASH_B "$2b$12$sGKPUALcEMS8xgkFNPo8rulMKitvKAWvmPhqKBnZC87S0ZIm9NoTy"

struct fixture {
	struct web_config wc;
	char err[512];
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	web_config_free(&fx->wc);
	free(fx);
	return 0;
}

static int load(struct fixture *fx, const char *yaml)
{
	return web_config_load_string(&fx->wc, yaml, "web.yml", "/etc/pantau", fx->err,
				      sizeof(fx->err));
}

static void assert_refused(struct fixture *fx, const char *yaml, const char *want)
{
	assert_int_equal(load(fx, yaml), -EINVAL);
	assert_string_equal(fx->err, want);
	/* Nothing is left behind on error. */
	assert_int_equal(fx->wc.n_users, 0);
	assert_int_equal(fx->wc.n_headers, 0);
	assert_null(fx->wc.cert_file);
}

static void test_full_file_is_read(void **state)
{
	struct fixture *fx = *state;
	char prio[WEB_CONFIG_PRIORITIES_MAX];

	assert_int_equal(load(fx,
		"tls_server_config:\n"
		"  cert_file: server.crt\n"
		"  key_file: /keys/server.key\n"
		"  client_auth_type: RequireAndVerifyClientCert\n"
		"  client_ca_file: ca.crt\n"
		"  min_version: TLS13\n"
		"  prefer_server_cipher_suites: false\n"
		"http_server_config:\n"
		"  http2: false\n"
		"  headers:\n"
		"    X-Frame-Options: deny\n"
		"    Strict-Transport-Security: max-age=31536000\n"
		"    X-XSS-Protection: ''\n"
		"basic_auth_users:\n"
		"  alice: " HASH_A "\n"
		"  bob: '" HASH_B "'\n"), 0);
	assert_true(fx->wc.tls);
	/* Relative names are taken from the file's directory, as the toolkit does. */
	assert_string_equal(fx->wc.cert_file, "/etc/pantau/server.crt");
	assert_string_equal(fx->wc.key_file, "/keys/server.key");
	assert_string_equal(fx->wc.client_ca_file, "/etc/pantau/ca.crt");
	assert_int_equal(fx->wc.client_auth, WEB_CLIENT_AUTH_VERIFY);
	assert_int_equal(fx->wc.min_version, WEB_TLS13);
	assert_int_equal(fx->wc.max_version, WEB_TLS13);
	assert_int_equal(fx->wc.n_users, 2);
	assert_string_equal(fx->wc.users[0].name, "alice");
	assert_string_equal(fx->wc.users[0].hash, HASH_A);
	assert_int_equal(fx->wc.users[0].cost, 10);
	assert_int_equal(fx->wc.users[1].cost, 12);
	assert_int_equal(fx->wc.max_cost, 12);
	/* A blank header is unset. */
	assert_int_equal(fx->wc.n_headers, 2);
	assert_string_equal(fx->wc.headers[0].name, "X-Frame-Options");
	assert_string_equal(fx->wc.headers[0].value, "deny");
	assert_string_equal(fx->wc.headers[1].name, "Strict-Transport-Security");
	assert_int_equal(web_config_priorities(&fx->wc, prio, sizeof(prio)), 0);
	assert_string_equal(prio, "NORMAL:-VERS-ALL:+VERS-TLS1.3");
}

static void test_empty_file_means_no_tls_no_auth(void **state)
{
	struct fixture *fx = *state;
	char prio[WEB_CONFIG_PRIORITIES_MAX];

	assert_int_equal(load(fx, ""), 0);
	assert_false(fx->wc.tls);
	assert_int_equal(fx->wc.n_users, 0);
	assert_int_equal(load(fx, "tls_server_config:\nbasic_auth_users:\n"), 0);
	assert_false(fx->wc.tls);
	/* The toolkit's defaults: TLS 1.2 and 1.3, the server's cipher order. */
	assert_int_equal(web_config_priorities(&fx->wc, prio, sizeof(prio)), 0);
	assert_string_equal(prio, "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:%SERVER_PRECEDENCE");
}

static void test_min_version_tls10_lists_every_version(void **state)
{
	struct fixture *fx = *state;
	char prio[WEB_CONFIG_PRIORITIES_MAX];

	assert_int_equal(load(fx, "tls_server_config:\n  cert_file: a\n  key_file: b\n"
			      "  min_version: TLS10\n  max_version: TLS12\n"), 0);
	assert_int_equal(web_config_priorities(&fx->wc, prio, sizeof(prio)), 0);
	assert_string_equal(prio, "NORMAL:-VERS-ALL:+VERS-TLS1.2:+VERS-TLS1.1:+VERS-TLS1.0"
			    ":%SERVER_PRECEDENCE");
	assert_int_equal(web_config_priorities(&fx->wc, prio, 20), -ENOSPC);
}

static void test_rate_limit_is_refused_by_name(void **state)
{
	assert_refused(*state, "basic_auth_users:\n  a: " HASH_A "\nrate_limit:\n  interval: 1s\n"
		       "  burst: 5\n",
		       "web.yml:3: rate_limit is not supported by pantau: requests are not rate "
		       "limited; remove it, or limit rates in a reverse proxy in front of pantau.");
}

static void test_unknown_key_is_refused(void **state)
{
	assert_refused(*state, "tls_server_config:\n  cert_file: a\n  key_file: b\n  ciphers: x\n",
		       "web.yml:4: unknown key 'ciphers' under 'tls_server_config'; allowed keys: "
		       "cert_file, key_file, client_auth_type, client_ca_file, min_version, "
		       "max_version, prefer_server_cipher_suites.");
	assert_refused(*state, "tls_config:\n  cert_file: a\n",
		       "web.yml:1: unknown key 'tls_config' at the top level; allowed keys: "
		       "tls_server_config, http_server_config, basic_auth_users.");
	assert_refused(*state, "http_server_config:\n  gzip: true\n",
		       "web.yml:2: unknown key 'gzip' under 'http_server_config'; allowed keys: "
		       "headers, http2.");
}

static void test_unsupported_toolkit_keys_are_refused(void **state)
{
	assert_refused(*state, "tls_server_config:\n  cert: |\n    ---BEGIN---\n",
		       "web.yml:2: tls_server_config.cert is not supported by pantau: inline "
		       "certificates are not read; put the certificate in a file and name it with "
		       "cert_file.");
	assert_refused(*state, "tls_server_config:\n  cert_file: a\n  key_file: b\n"
		       "  cipher_suites: [TLS_AES_128_GCM_SHA256]\n",
		       "web.yml:4: tls_server_config.cipher_suites is not supported by pantau: Go's "
		       "cipher suite names do not map onto GnuTLS; remove it (GnuTLS's NORMAL set is "
		       "used).");
	assert_refused(*state, "tls_server_config:\n  client_allowed_sans: [a]\n",
		       "web.yml:2: tls_server_config.client_allowed_sans is not supported by pantau: "
		       "client certificates' SANs are not matched; remove it and give only the "
		       "allowed clients certificates from client_ca_file.");
	assert_refused(*state, "http_server_config:\n  http2: true\n",
		       "web.yml:2: http_server_config.http2 is not supported by pantau: "
		       "libmicrohttpd serves HTTP/1.1 only; remove it or set it to false.");
}

static void test_tls_needs_cert_and_key(void **state)
{
	assert_refused(*state, "tls_server_config:\n  cert_file: a\n",
		       "web.yml:2: tls_server_config has no key_file; TLS needs both cert_file and "
		       "key_file.");
	assert_refused(*state, "tls_server_config:\n  key_file: a\n  cert_file: ''\n",
		       "web.yml:2: tls_server_config has no cert_file; TLS needs both cert_file and "
		       "key_file.");
}

static void test_client_auth_types(void **state)
{
	assert_refused(*state, "tls_server_config:\n  cert_file: a\n  key_file: b\n"
		       "  client_auth_type: RequireAnyClientCert\n",
		       "web.yml:4: tls_server_config.client_auth_type is 'RequireAnyClientCert', "
		       "which pantau does not support: it would let in a client whose certificate "
		       "is not checked; use RequireAndVerifyClientCert with client_ca_file, or "
		       "NoClientCert.");
	assert_refused(*state, "tls_server_config:\n  cert_file: a\n  key_file: b\n"
		       "  client_auth_type: Sometimes\n",
		       "web.yml:4: tls_server_config.client_auth_type is 'Sometimes'; allowed values "
		       "are NoClientCert and RequireAndVerifyClientCert.");
	assert_refused(*state, "tls_server_config:\n  cert_file: a\n  key_file: b\n"
		       "  client_ca_file: ca\n",
		       "web.yml:2: tls_server_config has client_ca_file but client_auth_type is "
		       "NoClientCert; set client_auth_type: RequireAndVerifyClientCert or remove "
		       "client_ca_file.");
	assert_refused(*state, "tls_server_config:\n  cert_file: a\n  key_file: b\n"
		       "  client_auth_type: RequireAndVerifyClientCert\n",
		       "web.yml:4: tls_server_config.client_auth_type is RequireAndVerifyClientCert "
		       "but there is no client_ca_file to verify client certificates with; add one.");
}

static void test_versions(void **state)
{
	assert_refused(*state, "tls_server_config:\n  min_version: TLS1.2\n",
		       "web.yml:2: tls_server_config.min_version is 'TLS1.2'; allowed values are "
		       "TLS10, TLS11, TLS12, TLS13.");
	assert_refused(*state, "tls_server_config:\n  cert_file: a\n  key_file: b\n"
		       "  min_version: TLS13\n  max_version: TLS12\n",
		       "web.yml:2: tls_server_config.min_version (TLS13) is above max_version "
		       "(TLS12); lower min_version or raise max_version.");
}

static void test_headers_follow_the_toolkit(void **state)
{
	assert_refused(*state, "http_server_config:\n  headers:\n    Server: pantau\n",
		       "web.yml:3: header 'Server' under 'http_server_config.headers' cannot be set; "
		       "allowed headers: Strict-Transport-Security, X-Content-Type-Options, "
		       "X-Frame-Options, X-XSS-Protection, Content-Security-Policy.");
	assert_refused(*state, "http_server_config:\n  headers:\n    X-Frame-Options: allow\n",
		       "web.yml:3: http_server_config.headers.X-Frame-Options is 'allow'; allowed "
		       "values are deny and sameorigin.");
	assert_refused(*state, "http_server_config:\n  headers:\n"
		       "    X-Content-Type-Options: sniff\n",
		       "web.yml:3: http_server_config.headers.X-Content-Type-Options is 'sniff'; "
		       "allowed values are nosniff.");
	assert_refused(*state, "http_server_config:\n  headers:\n"
		       "    Content-Security-Policy: \"a\\nb\"\n",
		       "web.yml:3: http_server_config.headers.Content-Security-Policy contains a "
		       "control character; remove it.");
}

static void test_users_need_bcrypt_hashes(void **state)
{
	assert_refused(*state, "basic_auth_users:\n  alice: secret\n",
		       "web.yml:2: the password of user 'alice' under basic_auth_users is not a "
		       "bcrypt hash; write one with htpasswd -nBC 10 \"\" | tr -d ':\\n' (it starts "
		       "with $2y$ and is 60 characters long).");
	/* MD5-crypt is a real hash, but not the bcrypt the toolkit takes. */
	assert_refused(*state, "basic_auth_users:\n  alice: $1$abc$def\n",
		       "web.yml:2: the password of user 'alice' under basic_auth_users is not a "
		       "bcrypt hash; write one with htpasswd -nBC 10 \"\" | tr -d ':\\n' (it starts "
		       "with $2y$ and is 60 characters long).");
	assert_refused(*state, "basic_auth_users:\n  'a:b': " HASH_A "\n",
		       "web.yml:2: user 'a:b' under basic_auth_users must be 1 to 256 bytes without "
		       "a colon.");
	assert_refused(*state, "basic_auth_users:\n  a: " HASH_A "\n  a: " HASH_B "\n",
		       "web.yml:3: duplicate key 'a' under 'basic_auth_users'; it was first set on "
		       "line 2.");
}

static void test_too_many_users(void **state)
{
	char yaml[WEB_CONFIG_MAX_USERS * 80 + 64];
	size_t used;

	used = (size_t)snprintf(yaml, sizeof(yaml), "basic_auth_users:\n");
	for (int i = 0; i <= WEB_CONFIG_MAX_USERS; i++)
		used += (size_t)snprintf(yaml + used, sizeof(yaml) - used, "  u%d: %s\n", i, HASH_A);
	assert_refused(*state, yaml,
		       "web.yml:2: basic_auth_users has 65 users; at most 64 are allowed (use "
		       "client certificates or a reverse proxy for more).");
}

static void test_syntax_error_names_the_line(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(load(fx, "basic_auth_users:\n  a: [\n"), -EINVAL);
	assert_non_null(strstr(fx->err, "web.yml:"));
	assert_non_null(strstr(fx->err, "YAML syntax error"));
}

static void test_file_relative_paths_and_missing_file(void **state)
{
	struct fixture *fx = *state;
	char dir[] = "/tmp/pantau-webcfg-XXXXXX", path[64];
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/web.yml", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("tls_server_config:\n  cert_file: c.pem\n  key_file: k.pem\n", f);
	fclose(f);
	assert_int_equal(web_config_load_file(&fx->wc, path, fx->err, sizeof(fx->err)), 0);
	assert_true(strncmp(fx->wc.cert_file, dir, strlen(dir)) == 0);
	assert_string_equal(fx->wc.cert_file + strlen(dir), "/c.pem");
	web_config_free(&fx->wc);
	unlink(path);
	rmdir(dir);
	assert_int_equal(web_config_load_file(&fx->wc, path, fx->err, sizeof(fx->err)), -ENOENT);
	assert_non_null(strstr(fx->err, "cannot read the web config file"));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_full_file_is_read),
		T(test_empty_file_means_no_tls_no_auth),
		T(test_min_version_tls10_lists_every_version),
		T(test_rate_limit_is_refused_by_name),
		T(test_unknown_key_is_refused),
		T(test_unsupported_toolkit_keys_are_refused),
		T(test_tls_needs_cert_and_key),
		T(test_client_auth_types),
		T(test_versions),
		T(test_headers_follow_the_toolkit),
		T(test_users_need_bcrypt_hashes),
		T(test_too_many_users),
		T(test_syntax_error_names_the_line),
		T(test_file_relative_paths_and_missing_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
