// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * TLS and basic auth for the HTTP server, from the exporter toolkit's web
 * config file.
 *
 * Certificates rotate through GnuTLS's certificate callback
 * (MHD_OPTION_HTTPS_CERT_CALLBACK, in libmicrohttpd 0.9.75): every
 * handshake asks for the current certificate, so a new one is served from
 * the next connection on, on the same socket, without a restart and
 * without cutting a scrape in flight. Versions and client CAs are fixed
 * when libmicrohttpd starts, so a change to them is refused until a
 * restart.
 *
 * Passwords are checked with libcrypt's crypt_rn(), which keeps its state
 * in the caller's buffer and so is safe from the two server threads.
 */
#include <crypt.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <gnutls/abstract.h>
#include <gnutls/x509.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include "log.h"
#include "prometheus/web_auth.h"
#include "web_config.h"

#define ERR_MAX 512
/* Server certificate, intermediates: more is a wrong file. */
#define CERT_CHAIN_MAX 8
/*
 * A certificate replaced by a newer one may still be in a handshake that
 * asked for it a moment ago: it is freed only after this long, longer than
 * any handshake survives libmicrohttpd's 30 s connection timeout.
 */
#define RETIRE_SECONDS 120
#define RETIRED_MAX 8
/* Successful checks remembered: a few users, each from a few scrapers. */
#define CACHE_SLOTS 64
#define DIGEST_LEN 32
#define REALM "pantau"

enum { STAMP_CONFIG, STAMP_CERT, STAMP_KEY, STAMPS };

struct file_stamp {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	int err;
};

struct cert_gen {
	gnutls_pcert_st pcert[CERT_CHAIN_MAX];
	unsigned n;
	gnutls_privkey_t key;
	time_t retired_at;
};

struct cache_entry {
	unsigned char digest[DIGEST_LEN];
	bool used;
};

struct web_auth {
	pthread_mutex_t lock;
	char *path;
	struct web_config cfg;			/* the running one */
	char priorities[WEB_CONFIG_PRIORITIES_MAX];
	char *client_ca_pem;
	struct file_stamp stamps[STAMPS];
	struct timespec last_look;
	struct cert_gen *cert;
	struct cert_gen *retired[RETIRED_MAX];
	size_t n_retired;
	/* A bcrypt setting of the users' highest cost: unknown users cost the same. */
	char dummy[CRYPT_GENSALT_OUTPUT_SIZE];
	/* Keys the cache's digests, so they are no plain hash of a password. */
	unsigned char cache_key[DIGEST_LEN];
	struct cache_entry cache[CACHE_SLOTS];
	size_t cache_next;
	uint64_t generation;			/* bumped on reload: the cache is void */
};

/*
 * The one open web_auth, for the certificate callback: GnuTLS's
 * retrieve_function2 has no pointer of its own, and libmicrohttpd keeps
 * the session's pointer for its connection. Written only here.
 */
static struct web_auth *active;

static void cert_free(struct cert_gen *g)
{
	if (!g)
		return;
	for (unsigned i = 0; i < g->n; i++)
		gnutls_pcert_deinit(&g->pcert[i]);
	if (g->key)
		gnutls_privkey_deinit(g->key);
	free(g);
}

/* Whether the key is the one the certificate is for: same public key id. */
static bool key_matches(struct cert_gen *g)
{
	unsigned char a[64], b[64];
	size_t na = sizeof(a), nb = sizeof(b);
	gnutls_pubkey_t pub;
	bool same;

	if (gnutls_pubkey_init(&pub) < 0)
		return false;
	same = gnutls_pubkey_import_privkey(pub, g->key, 0, 0) >= 0 &&
	       gnutls_pubkey_get_key_id(pub, GNUTLS_KEYID_USE_SHA256, a, &na) >= 0 &&
	       gnutls_pubkey_get_key_id(g->pcert[0].pubkey, GNUTLS_KEYID_USE_SHA256, b, &nb) >= 0 &&
	       na == nb && memcmp(a, b, na) == 0;
	gnutls_pubkey_deinit(pub);
	return same;
}

static int cert_load(const struct web_config *wc, struct cert_gen **out, char *err,
		     size_t err_len)
{
	gnutls_datum_t pem = { NULL, 0 };
	struct cert_gen *g;
	int rc;

	*out = NULL;
	g = calloc(1, sizeof(*g));
	if (!g) {
		snprintf(err, err_len, "cannot load the TLS certificate: out of memory.");
		return -ENOMEM;
	}
	g->n = CERT_CHAIN_MAX;
	rc = gnutls_pcert_list_import_x509_file(g->pcert, &g->n, wc->cert_file,
						GNUTLS_X509_FMT_PEM, NULL, NULL, 0);
	if (rc < 0) {
		g->n = 0;
		snprintf(err, err_len, "tls_server_config.cert_file %s: %s; it must be a PEM "
			 "certificate, optionally followed by at most %d intermediates.",
			 wc->cert_file, gnutls_strerror(rc), CERT_CHAIN_MAX - 1);
		goto fail;
	}
	rc = gnutls_load_file(wc->key_file, &pem);
	if (rc >= 0)
		rc = gnutls_privkey_init(&g->key);
	if (rc >= 0)
		rc = gnutls_privkey_import_x509_raw(g->key, &pem, GNUTLS_X509_FMT_PEM, NULL, 0);
	if (pem.data) {
		gnutls_memset(pem.data, 0, pem.size);
		gnutls_free(pem.data);
	}
	if (rc < 0) {
		snprintf(err, err_len, "tls_server_config.key_file %s: %s; it must be an "
			 "unencrypted PEM private key.", wc->key_file, gnutls_strerror(rc));
		goto fail;
	}
	if (!key_matches(g)) {
		snprintf(err, err_len, "tls_server_config.key_file %s is not the key of the "
			 "certificate in %s; give the matching pair (while rotating, replace both).",
			 wc->key_file, wc->cert_file);
		rc = -EINVAL;
		goto fail;
	}
	*out = g;
	return 0;
fail:
	cert_free(g);
	return rc == GNUTLS_E_MEMORY_ERROR ? -ENOMEM : -EINVAL;
}

/* Keep a replaced certificate for handshakes under way; free old ones. */
static void cert_retire(struct web_auth *wa, struct cert_gen *g)
{
	time_t now = time(NULL);
	size_t kept = 0;

	if (!g)
		return;
	for (size_t i = 0; i < wa->n_retired; i++) {
		if (now - wa->retired[i]->retired_at >= RETIRE_SECONDS)
			cert_free(wa->retired[i]);
		else
			wa->retired[kept++] = wa->retired[i];
	}
	wa->n_retired = kept;
	/* Rotations faster than RETIRE_SECONDS: the oldest has had the longest. */
	if (wa->n_retired == RETIRED_MAX) {
		cert_free(wa->retired[0]);
		memmove(wa->retired, wa->retired + 1, (RETIRED_MAX - 1) * sizeof(wa->retired[0]));
		wa->n_retired--;
	}
	g->retired_at = now;
	wa->retired[wa->n_retired++] = g;
}

static void stamp(struct file_stamp *s, const char *path)
{
	struct stat st;

	memset(s, 0, sizeof(*s));
	if (!path)
		return;
	if (stat(path, &st)) {
		s->err = errno;
		return;
	}
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->size = st.st_size;
	s->mtime = st.st_mtim;
}

static void stamp_all(struct file_stamp s[STAMPS], const char *path, const struct web_config *wc)
{
	stamp(&s[STAMP_CONFIG], path);
	stamp(&s[STAMP_CERT], wc->tls ? wc->cert_file : NULL);
	stamp(&s[STAMP_KEY], wc->tls ? wc->key_file : NULL);
}

static int read_client_ca(struct web_auth *wa, char *err, size_t err_len)
{
	gnutls_datum_t pem = { NULL, 0 };
	int rc;

	if (wa->cfg.client_auth != WEB_CLIENT_AUTH_VERIFY)
		return 0;
	rc = gnutls_load_file(wa->cfg.client_ca_file, &pem);
	if (rc < 0) {
		snprintf(err, err_len, "tls_server_config.client_ca_file %s: cannot read: %s.",
			 wa->cfg.client_ca_file, gnutls_strerror(rc));
		return -EINVAL;
	}
	/* libmicrohttpd takes a C string. */
	wa->client_ca_pem = malloc(pem.size + 1);
	if (wa->client_ca_pem) {
		memcpy(wa->client_ca_pem, pem.data, pem.size);
		wa->client_ca_pem[pem.size] = '\0';
	}
	gnutls_free(pem.data);
	if (!wa->client_ca_pem) {
		snprintf(err, err_len, "cannot read the client CA: out of memory.");
		return -ENOMEM;
	}
	return 0;
}

static int make_dummy(const struct web_config *wc, char *out, size_t len)
{
	out[0] = '\0';
	if (!wc->n_users)
		return 0;
	/* NULL random bytes: libcrypt takes them from the kernel. */
	if (!crypt_gensalt_rn("$2b$", wc->max_cost, NULL, 0, out, (int)len))
		return errno ? -errno : -EINVAL;
	return 0;
}

int web_auth_open(struct web_auth **out, const char *path, char *err, size_t err_len)
{
	struct web_auth *wa;
	int rc;

	*out = NULL;
	if (active) {
		snprintf(err, err_len, "a web config is already in use.");
		return -EBUSY;
	}
	wa = calloc(1, sizeof(*wa));
	if (!wa) {
		snprintf(err, err_len, "%s: out of memory.", path);
		return -ENOMEM;
	}
	pthread_mutex_init(&wa->lock, NULL);
	wa->path = strdup(path);
	if (!wa->path) {
		snprintf(err, err_len, "%s: out of memory.", path);
		rc = -ENOMEM;
		goto fail;
	}
	rc = web_config_load_file(&wa->cfg, path, err, err_len);
	if (rc)
		goto fail;
	stamp_all(wa->stamps, path, &wa->cfg);
	clock_gettime(CLOCK_MONOTONIC, &wa->last_look);
	rc = web_config_priorities(&wa->cfg, wa->priorities, sizeof(wa->priorities));
	if (!rc && wa->cfg.tls)
		rc = cert_load(&wa->cfg, &wa->cert, err, err_len);
	else if (rc)
		snprintf(err, err_len, "%s: the TLS priorities do not fit.", path);
	if (!rc)
		rc = read_client_ca(wa, err, err_len);
	if (!rc && (make_dummy(&wa->cfg, wa->dummy, sizeof(wa->dummy)) ||
		    getrandom(wa->cache_key, sizeof(wa->cache_key), 0) != sizeof(wa->cache_key))) {
		snprintf(err, err_len, "cannot set up password checks: %s.", strerror(errno));
		rc = -EIO;
	}
	if (rc)
		goto fail;
	active = wa;
	*out = wa;
	return 0;
fail:
	web_auth_close(wa);
	return rc;
}

void web_auth_close(struct web_auth *wa)
{
	if (!wa)
		return;
	if (active == wa)
		active = NULL;
	cert_free(wa->cert);
	for (size_t i = 0; i < wa->n_retired; i++)
		cert_free(wa->retired[i]);
	web_config_free(&wa->cfg);
	free(wa->client_ca_pem);
	free(wa->path);
	pthread_mutex_destroy(&wa->lock);
	free(wa);
}

bool web_auth_tls(const struct web_auth *wa)
{
	return wa && wa->cfg.tls;
}

const char *web_auth_priorities(const struct web_auth *wa)
{
	return wa ? wa->priorities : NULL;
}

const char *web_auth_client_ca(const struct web_auth *wa)
{
	return wa ? wa->client_ca_pem : NULL;
}

int web_auth_retrieve_cert(gnutls_session_t session, const gnutls_datum_t *req_ca_dn,
			   int n_req_ca_dn, const gnutls_pk_algorithm_t *pk_algos,
			   int n_pk_algos, gnutls_pcert_st **pcert, unsigned *n_pcert,
			   gnutls_privkey_t *key)
{
	struct web_auth *wa = active;

	(void)session;
	(void)req_ca_dn;
	(void)n_req_ca_dn;
	(void)pk_algos;
	(void)n_pk_algos;
	if (!wa)
		return -1;
	web_auth_refresh(wa);
	pthread_mutex_lock(&wa->lock);
	if (!wa->cert) {
		pthread_mutex_unlock(&wa->lock);
		return -1;
	}
	*pcert = wa->cert->pcert;
	*n_pcert = wa->cert->n;
	*key = wa->cert->key;
	pthread_mutex_unlock(&wa->lock);
	return 0;
}

/* The keys libmicrohttpd fixed at start; a change needs a restart. */
static const char *restart_only_change(const struct web_config *a, const struct web_config *b)
{
	if (a->tls != b->tls)
		return a->tls ? "TLS was turned off" : "TLS was turned on";
	if (a->min_version != b->min_version || a->max_version != b->max_version)
		return "tls_server_config.min_version or max_version changed";
	if (a->prefer_server_cipher_suites != b->prefer_server_cipher_suites)
		return "tls_server_config.prefer_server_cipher_suites changed";
	if (a->client_auth != b->client_auth)
		return "tls_server_config.client_auth_type changed";
	if ((a->client_ca_file || b->client_ca_file) &&
	    (!a->client_ca_file || !b->client_ca_file || strcmp(a->client_ca_file, b->client_ca_file)))
		return "tls_server_config.client_ca_file changed";
	return NULL;
}

/* Called with wa->lock held, when a file changed. */
static void reload_locked(struct web_auth *wa)
{
	char err[ERR_MAX], dummy[CRYPT_GENSALT_OUTPUT_SIZE];
	struct cert_gen *cert = NULL;
	struct web_config next;
	const char *why;

	if (web_config_load_file(&next, wa->path, err, sizeof(err))) {
		pt_err("web config reload failed, the running one stays: %s", err);
		return;
	}
	why = restart_only_change(&wa->cfg, &next);
	if (why) {
		pt_err("web config reload: %s in %s; restart pantau to apply it. The running web "
		       "config stays.", why, wa->path);
		goto out;
	}
	if (next.tls && cert_load(&next, &cert, err, sizeof(err))) {
		pt_err("web config reload failed, the running certificate and config stay: %s", err);
		goto out;
	}
	if (make_dummy(&next, dummy, sizeof(dummy))) {
		pt_err("web config reload failed, the running one stays: cannot make a bcrypt "
		       "setting: %s.", strerror(errno));
		cert_free(cert);
		goto out;
	}
	if (cert) {
		cert_retire(wa, wa->cert);
		wa->cert = cert;
	}
	memcpy(wa->dummy, dummy, sizeof(dummy));
	web_config_free(&wa->cfg);
	wa->cfg = next;
	memset(&next, 0, sizeof(next));
	memset(wa->cache, 0, sizeof(wa->cache));
	wa->generation++;
	/* The stamps of the files just read, even if they moved on since. */
	stamp_all(wa->stamps, wa->path, &wa->cfg);
	pt_info("web config reloaded from %s: %zu user(s)%s.", wa->path, wa->cfg.n_users,
		cert ? ", the certificate and key read again" : "");
out:
	web_config_free(&next);
}

static bool stamps_equal(const struct file_stamp *a, const struct file_stamp *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec &&
	       a->err == b->err;
}

void web_auth_refresh(struct web_auth *wa)
{
	struct file_stamp now_stamps[STAMPS];
	struct timespec now;
	bool changed = false;

	if (!wa)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&wa->lock);
	if (now.tv_sec - wa->last_look.tv_sec < 1 ||
	    (now.tv_sec - wa->last_look.tv_sec == 1 && now.tv_nsec < wa->last_look.tv_nsec)) {
		pthread_mutex_unlock(&wa->lock);
		return;
	}
	wa->last_look = now;
	stamp_all(now_stamps, wa->path, &wa->cfg);
	for (int i = 0; i < STAMPS; i++)
		changed |= !stamps_equal(&now_stamps[i], &wa->stamps[i]);
	if (changed) {
		/* A failed reload is not retried until a file changes again. */
		memcpy(wa->stamps, now_stamps, sizeof(now_stamps));
		reload_locked(wa);
	}
	pthread_mutex_unlock(&wa->lock);
}

/* A keyed digest of user and password: what the cache remembers. */
static bool cache_digest(const struct web_auth *wa, const char *user, const char *pass,
			 unsigned char out[DIGEST_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned len = 0;
	bool ok;

	if (!ctx)
		return false;
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
	     EVP_DigestUpdate(ctx, wa->cache_key, sizeof(wa->cache_key)) &&
	     EVP_DigestUpdate(ctx, user, strlen(user) + 1) &&
	     EVP_DigestUpdate(ctx, pass, strlen(pass)) &&
	     EVP_DigestFinal_ex(ctx, out, &len) && len == DIGEST_LEN;
	EVP_MD_CTX_free(ctx);
	return ok;
}

static bool password_ok(struct web_auth *wa, const char *user, const char *pass)
{
	char hash[CRYPT_OUTPUT_SIZE];
	unsigned char digest[DIGEST_LEN];
	struct crypt_data *data;
	bool known = false, cacheable, ok;
	const char *out;
	uint64_t generation;

	cacheable = cache_digest(wa, user, pass, digest);
	pthread_mutex_lock(&wa->lock);
	generation = wa->generation;
	for (size_t i = 0; cacheable && i < CACHE_SLOTS; i++) {
		if (wa->cache[i].used && !CRYPTO_memcmp(wa->cache[i].digest, digest, DIGEST_LEN)) {
			pthread_mutex_unlock(&wa->lock);
			return true;
		}
	}
	for (size_t i = 0; i < wa->cfg.n_users && !known; i++) {
		if (!strcmp(wa->cfg.users[i].name, user)) {
			snprintf(hash, sizeof(hash), "%s", wa->cfg.users[i].hash);
			known = true;
		}
	}
	/* An unknown user costs one bcrypt too, so timing tells nobody who exists. */
	if (!known)
		snprintf(hash, sizeof(hash), "%s", wa->dummy);
	pthread_mutex_unlock(&wa->lock);

	/* 32 KiB of state, too much for a server thread's stack. */
	data = calloc(1, sizeof(*data));
	if (!data)
		return false;
	out = crypt_rn(pass, hash, data, (int)sizeof(*data));
	ok = known && out && strlen(out) == strlen(hash) &&
	     !CRYPTO_memcmp(out, hash, strlen(hash));
	explicit_bzero(data, sizeof(*data));
	free(data);
	if (!ok || !cacheable)
		return ok;
	pthread_mutex_lock(&wa->lock);
	if (generation == wa->generation) {
		memcpy(wa->cache[wa->cache_next].digest, digest, DIGEST_LEN);
		wa->cache[wa->cache_next].used = true;
		wa->cache_next = (wa->cache_next + 1) % CACHE_SLOTS;
	}
	pthread_mutex_unlock(&wa->lock);
	return ok;
}

/* A chain that ends at client_ca_file and is meant for TLS clients. */
static bool client_cert_ok(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	gnutls_typed_vdata_st purpose = {
		.type = GNUTLS_DT_KEY_PURPOSE_OID,
		.data = (unsigned char *)GNUTLS_KP_TLS_WWW_CLIENT,
	};
	unsigned status = 0;

	if (!ci || !ci->tls_session)
		return false;
	return gnutls_certificate_verify_peers((gnutls_session_t)ci->tls_session, &purpose, 1,
					       &status) >= 0 && status == 0;
}

static enum MHD_Result deny(struct web_auth *wa, struct MHD_Connection *conn, unsigned code)
{
	static char unauthorized[] = "401 Unauthorized: give the user name and password of "
				     "basic_auth_users in the web config file\n";
	static char forbidden[] = "403 Forbidden: a client certificate signed by the web config "
				  "file's client_ca_file is required\n";
	char *body = code == MHD_HTTP_UNAUTHORIZED ? unauthorized : forbidden;
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	web_auth_headers(wa, resp);
	if (code == MHD_HTTP_UNAUTHORIZED)
		ret = MHD_queue_basic_auth_fail_response(conn, REALM, resp);
	else
		ret = MHD_queue_response(conn, code, resp);
	MHD_destroy_response(resp);
	return ret;
}

bool web_auth_allow(struct web_auth *wa, struct MHD_Connection *conn, enum MHD_Result *queued)
{
	char *user, *pass = NULL;
	bool ok, verify;
	size_t n_users;

	if (!wa)
		return true;
	web_auth_refresh(wa);
	pthread_mutex_lock(&wa->lock);
	verify = wa->cfg.client_auth == WEB_CLIENT_AUTH_VERIFY;
	n_users = wa->cfg.n_users;
	pthread_mutex_unlock(&wa->lock);
	if (verify && !client_cert_ok(conn)) {
		*queued = deny(wa, conn, MHD_HTTP_FORBIDDEN);
		return false;
	}
	if (!n_users)
		return true;
	user = MHD_basic_auth_get_username_password(conn, &pass);
	ok = user && pass && password_ok(wa, user, pass);
	if (pass) {
		explicit_bzero(pass, strlen(pass));
		MHD_free(pass);
	}
	MHD_free(user);
	if (!ok)
		*queued = deny(wa, conn, MHD_HTTP_UNAUTHORIZED);
	return ok;
}

void web_auth_headers(struct web_auth *wa, struct MHD_Response *resp)
{
	if (!wa || !resp)
		return;
	pthread_mutex_lock(&wa->lock);
	for (size_t i = 0; i < wa->cfg.n_headers; i++) {
		const struct web_header *h = &wa->cfg.headers[i];
		const char *old;

		/* The web config's value replaces pantau's own (at most a few). */
		for (int n = 0; n < 8 && (old = MHD_get_response_header(resp, h->name)); n++) {
			char *copy = strdup(old);
			bool gone = copy && MHD_del_response_header(resp, h->name, copy) == MHD_YES;

			free(copy);
			if (!gone)
				break;
		}
		MHD_add_response_header(resp, h->name, h->value);
	}
	pthread_mutex_unlock(&wa->lock);
}
