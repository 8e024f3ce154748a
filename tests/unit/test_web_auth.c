// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests for exporters/prometheus/web_auth.c: certificates loaded and
 * matched with their keys, rotated and kept on a failed reload, and the
 * web config's headers on a response.
 */
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
#include <gnutls/x509.h>
#include "prometheus/web_auth.h"

/* Two self-signed P-256 pairs made for these tests (valid until 2126). */
static const char CERT_A[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBkTCCATegAwIBAgIUR8FXD7LiwAH8RRez4FUioNOaTaAwCgYIKoZIzj0EAwIw\n"
	"HTEbMBkGA1UEAwwScGFudGF1IHVuaXQgdGVzdCBhMCAXDTI2MTIwMzA4NTg1MloY\n"
	"DzIxMjYxMTA5MDg1ODUyWjAdMRswGQYDVQQDDBJwYW50YXUgdW5pdCB0ZXN0IGEw\n"
	"WTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAQb31kJNNYmxA1ED5ts04pT0/LkhWyL\n"
	"4jffBV46eSQUcYe2Ub5BNlJL7Nq4+/02RAF2gEkyJdIVMo6cJTyKMZMyo1MwUTAd\n"
	"BgNVHQ4EFgQUUA4PrVTU9Au5db+F1hJquv/7fu4wHwYDVR0jBBgwFoAUUA4PrVTU\n"
	"9Au5db+F1hJquv/7fu4wDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBF\n"
	"AiBQVSPvnYRIeIbr1nxvpFpv6xIZfFWZROjU7gOdY3FqEwIhALHPGiApMSvf7s0T\n"
	"vg01T973UQhJ1EY5zduN29hN5fN3\n"
	"-----END CERTIFICATE-----\n";

static const char KEY_A[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg4jfUxrP9Q0hA6U3b\n"
	"gUl9w5MtCOWXRjeu7wRCC8WFssuhRANCAAQb31kJNNYmxA1ED5ts04pT0/LkhWyL\n"
	"4jffBV46eSQUcYe2Ub5BNlJL7Nq4+/02RAF2gEkyJdIVMo6cJTyKMZMy\n"
	"-----END PRIVATE KEY-----\n";

static const char CERT_B[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBkTCCATegAwIBAgIUNFtDV+N/mH51XzSuv4OZkPp45zQwCgYIKoZIzj0EAwIw\n"
	"HTEbMBkGA1UEAwwScGFudGF1IHVuaXQgdGVzdCBiMCAXDTI2MTIwMzA4NTg1MloY\n"
	"DzIxMjYxMTA5MDg1ODUyWjAdMRswGQYDVQQDDBJwYW50YXUgdW5pdCB0ZXN0IGIw\n"
	"WTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAATnwoz48h0ejCujv5DXp5dXjpoORQvB\n"
	"HxZ87uBImDplsEtfGMSVXsYsDg+G9BfM+hB3rXd+hOYwXv4ZdbTybh0wo1MwUTAd\n"
	"BgNVHQ4EFgQUCmo+rGB1bbmmdU+d9ArjTfdry24wHwYDVR0jBBgwFoAUCmo+rGB1\n"
	"bbmmdU+d9ArjTfdry24wDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBF\n"
	"AiA5w72Hf0AgVJRJhlhCKZIZiXsa1hPEj296N2kFXx0WqQIhAJItW5ihq8+Xsd3o\n"
	"ZHypxOuzXMRjM2BeIHikzzXvu1jW\n"
	"-----END CERTIFICATE-----\n";

static const char KEY_B[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgc3yexbjh+C+dKZVP\n"
	"ewx8qBxKwi2o9LJGqK0KVmpsNoGhRANCAATnwoz48h0ejCujv5DXp5dXjpoORQvB\n"
	"HxZ87uBImDplsEtfGMSVXsYsDg+G9BfM+hB3rXd+hOYwXv4ZdbTybh0w\n"
	"-----END PRIVATE KEY-----\n";

struct fixture {
	char dir[64];
	char web[96], cert[96], key[96];
	char err[512];
};

static void put(const char *path, const char *text)
{
	char tmp[128];
	FILE *f;

	/* Replaced by rename, as a deploy tool would: a new inode every time. */
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	f = fopen(tmp, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(rename(tmp, path), 0);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/pantau-webauth-XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	snprintf(fx->web, sizeof(fx->web), "%s/web.yml", fx->dir);
	snprintf(fx->cert, sizeof(fx->cert), "%s/server.crt", fx->dir);
	snprintf(fx->key, sizeof(fx->key), "%s/server.key", fx->dir);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	unlink(fx->web);
	unlink(fx->cert);
	unlink(fx->key);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

static const char TLS_WEB[] =
	"tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
	"http_server_config:\n  headers:\n    X-Frame-Options: sameorigin\n";

/* The DER of the certificate the callback hands to GnuTLS now. */
static void served(gnutls_datum_t *der)
{
	gnutls_pcert_st *pcert = NULL;
	gnutls_privkey_t key = NULL;
	unsigned n = 0;

	assert_int_equal(web_auth_retrieve_cert(NULL, NULL, 0, NULL, 0, &pcert, &n, &key), 0);
	assert_int_equal(n, 1);
	assert_non_null(key);
	*der = pcert[0].cert;
}

static bool served_is(const char *pem)
{
	gnutls_datum_t der, in = { (unsigned char *)pem, (unsigned)strlen(pem) }, want;
	gnutls_x509_crt_t crt;
	bool same;

	served(&der);
	assert_int_equal(gnutls_x509_crt_init(&crt), 0);
	assert_int_equal(gnutls_x509_crt_import(crt, &in, GNUTLS_X509_FMT_PEM), 0);
	assert_int_equal(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &want), 0);
	same = want.size == der.size && !memcmp(want.data, der.data, der.size);
	gnutls_free(want.data);
	gnutls_x509_crt_deinit(crt);
	return same;
}

static void test_tls_config_loads_the_pair_and_serves_it(void **state)
{
	struct fixture *fx = *state;
	struct web_auth *wa = NULL;

	put(fx->cert, CERT_A);
	put(fx->key, KEY_A);
	put(fx->web, TLS_WEB);
	assert_int_equal(web_auth_open(&wa, fx->web, fx->err, sizeof(fx->err)), 0);
	assert_true(web_auth_tls(wa));
	assert_string_equal(web_auth_priorities(wa),
			    "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:%SERVER_PRECEDENCE");
	assert_null(web_auth_client_ca(wa));
	assert_true(served_is(CERT_A));
	web_auth_close(wa);
	/* Closed: the callback has nothing to hand out. */
	{
		gnutls_pcert_st *pcert;
		gnutls_privkey_t key;
		unsigned n;

		assert_int_equal(web_auth_retrieve_cert(NULL, NULL, 0, NULL, 0, &pcert, &n, &key), -1);
	}
}

static void test_a_key_of_another_certificate_is_refused(void **state)
{
	struct fixture *fx = *state;
	struct web_auth *wa = NULL;
	char want[512];

	put(fx->cert, CERT_A);
	put(fx->key, KEY_B);
	put(fx->web, TLS_WEB);
	assert_int_equal(web_auth_open(&wa, fx->web, fx->err, sizeof(fx->err)), -EINVAL);
	assert_null(wa);
	snprintf(want, sizeof(want), "tls_server_config.key_file %s is not the key of the "
		 "certificate in %s; give the matching pair (while rotating, replace both).",
		 fx->key, fx->cert);
	assert_string_equal(fx->err, want);
}

static void test_a_missing_certificate_is_named(void **state)
{
	struct fixture *fx = *state;
	struct web_auth *wa = NULL;

	put(fx->key, KEY_A);
	put(fx->web, TLS_WEB);
	assert_int_equal(web_auth_open(&wa, fx->web, fx->err, sizeof(fx->err)), -EINVAL);
	assert_non_null(strstr(fx->err, "tls_server_config.cert_file"));
	assert_non_null(strstr(fx->err, "it must be a PEM certificate"));
}

static void test_rotation_is_served_and_a_bad_reload_keeps_the_running_pair(void **state)
{
	struct fixture *fx = *state;
	struct web_auth *wa = NULL;

	put(fx->cert, CERT_A);
	put(fx->key, KEY_A);
	put(fx->web, TLS_WEB);
	assert_int_equal(web_auth_open(&wa, fx->web, fx->err, sizeof(fx->err)), 0);

	/* Half a rotation: the new key with the old certificate is refused. */
	put(fx->key, KEY_B);
	usleep(1100 * 1000);
	web_auth_refresh(wa);
	assert_true(served_is(CERT_A));
	/* The other half: the new pair is served. */
	put(fx->cert, CERT_B);
	usleep(1100 * 1000);
	web_auth_refresh(wa);
	assert_true(served_is(CERT_B));

	/* A refused key keeps what runs; so does turning TLS off. */
	put(fx->web, "basic_auth_users:\nrate_limit:\n  burst: 1\n");
	usleep(1100 * 1000);
	web_auth_refresh(wa);
	assert_true(web_auth_tls(wa));
	assert_true(served_is(CERT_B));
	put(fx->web, "basic_auth_users:\n");
	usleep(1100 * 1000);
	web_auth_refresh(wa);
	assert_true(web_auth_tls(wa));
	assert_true(served_is(CERT_B));
	web_auth_close(wa);
}

static void test_headers_replace_pantaus_own(void **state)
{
	struct fixture *fx = *state;
	struct web_auth *wa = NULL;
	struct MHD_Response *resp;
	int n = 0;

	put(fx->web, "http_server_config:\n  headers:\n    X-Frame-Options: sameorigin\n"
	    "    Strict-Transport-Security: max-age=60\n");
	assert_int_equal(web_auth_open(&wa, fx->web, fx->err, sizeof(fx->err)), 0);
	assert_false(web_auth_tls(wa));
	resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	assert_non_null(resp);
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	web_auth_headers(wa, resp);
	assert_string_equal(MHD_get_response_header(resp, "X-Frame-Options"), "sameorigin");
	assert_string_equal(MHD_get_response_header(resp, "Strict-Transport-Security"), "max-age=60");
	assert_string_equal(MHD_get_response_header(resp, "Cache-Control"), "no-store");
	/* Without a callback it counts them: DENY is gone, not doubled. */
	n = MHD_get_response_headers(resp, NULL, NULL);
	assert_int_equal(n, 3);
	MHD_destroy_response(resp);
	/* No web config: nothing is added, nothing breaks. */
	web_auth_headers(NULL, NULL);
	web_auth_close(wa);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_tls_config_loads_the_pair_and_serves_it),
		T(test_a_key_of_another_certificate_is_refused),
		T(test_a_missing_certificate_is_named),
		T(test_rotation_is_served_and_a_bad_reload_keeps_the_running_pair),
		T(test_headers_replace_pantaus_own),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
