// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests for user/config.c: schema, defaults and error sentences. */
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
#include "config.h"

#define assert_contains(haystack, needle)				\
	do {								\
		if (!strstr((haystack), (needle)))			\
			fail_msg("'%s' not found in '%s'", (needle),	\
				 (haystack));				\
	} while (0)

#include "config_fixture.h"

static int load(struct fixture *fx, const char *yaml)
{
	fx->err[0] = '\0';
	return config_load_string(&fx->cfg, yaml, "t.yaml", fx->err,
				  sizeof(fx->err));
}

/* Loads yaml that must fail with -EINVAL and checks the exact sentence. */
static void assert_load_error(struct fixture *fx, const char *yaml,
			      const char *want)
{
	assert_int_equal(load(fx, yaml), -EINVAL);
	assert_string_equal(fx->err, want);
}

static void test_init_sets_documented_defaults(void **state)
{
	struct pantau_config *cfg = &((struct fixture *)*state)->cfg;

	assert_string_equal(cfg->listen, CONFIG_DEFAULT_LISTEN);
	assert_string_equal(cfg->listen, "127.0.0.1:9542");
	assert_string_equal(cfg->log_level, "info");
	assert_string_equal(cfg->language, "id");
	assert_int_equal(cfg->services_max, 1000);
	assert_int_equal(cfg->short_lived_seconds, 30);
	assert_int_equal(cfg->n_shared_cgroups, 1);
	assert_string_equal(cfg->shared_cgroups[0], "/");
	assert_int_equal(cfg->n_rules, 0);
	assert_true(cfg->thresholds_cpu_busy_ratio == 0.8);
	assert_true(cfg->thresholds_memory_busy_ratio == 0.9);
	assert_true(cfg->thresholds_error_ratio == 0.05);
	assert_true(cfg->thresholds_latency_p95_seconds == 1.0);
	assert_true(cfg->thresholds_min_requests_per_second == 0.1);
	assert_true(cfg->thresholds_filesystem_full_ratio == 0.9);
}

static void test_defaults_when_file_is_empty(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(load(fx, ""), 0);
	assert_string_equal(fx->err, "");
	assert_string_equal(fx->cfg.listen, CONFIG_DEFAULT_LISTEN);
	assert_int_equal(fx->cfg.services_max, 1000);
	assert_int_equal(fx->cfg.n_shared_cgroups, 1);
}

static void test_defaults_when_file_has_only_comments(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(load(fx, "# pantau\n\n   # listen: 0.0.0.0:1\n"), 0);
	assert_string_equal(fx->cfg.listen, CONFIG_DEFAULT_LISTEN);
	assert_string_equal(fx->cfg.log_level, "info");
	assert_int_equal(load(fx, "---\n"), 0);
	assert_int_equal(load(fx, "---\n...\n"), 0);
	assert_string_equal(fx->cfg.language, "id");
}

static void test_every_key_is_read(void **state)
{
	struct fixture *fx = *state;
	struct pantau_config *cfg = &fx->cfg;

	assert_int_equal(load(fx,
		"listen: '[::1]:9100'\n"
		"log_level: debug\n"
		"language: en\n"
		"services:\n"
		"  max: 500\n"
		"  short_lived_seconds: 0\n"
		"  shared_cgroups: [\"/\", \"/user.slice/*\"]\n"
		"  rules:\n"
		"    - { cgroup: \"/system.slice/shop-*.service\", name: shop }\n"
		"thresholds:\n"
		"  cpu_busy_ratio: 0.7\n"
		"  memory_busy_ratio: 1\n"
		"  error_ratio: 1e-2\n"
		"  latency_p95_seconds: 2.5\n"
		"  min_requests_per_second: 2\n"
		"  filesystem_full_ratio: 0.75\n"), 0);
	assert_string_equal(cfg->listen, "[::1]:9100");
	assert_string_equal(cfg->log_level, "debug");
	assert_string_equal(cfg->language, "en");
	assert_int_equal(cfg->services_max, 500);
	assert_int_equal(cfg->short_lived_seconds, 0);
	assert_int_equal(cfg->n_shared_cgroups, 2);
	assert_string_equal(cfg->shared_cgroups[1], "/user.slice/*");
	assert_int_equal(cfg->n_rules, 1);
	assert_true(cfg->thresholds_cpu_busy_ratio == 0.7);
	assert_true(cfg->thresholds_memory_busy_ratio == 1.0);
	assert_true(cfg->thresholds_error_ratio == 0.01);
	assert_true(cfg->thresholds_latency_p95_seconds == 2.5);
	assert_true(cfg->thresholds_min_requests_per_second == 2.0);
	assert_true(cfg->thresholds_filesystem_full_ratio == 0.75);
}

static void test_load_overlays_values_already_in_config(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(load(fx, "log_level: debug\n"), 0);
	assert_int_equal(load(fx, "services:\n  max: 7\n"), 0);
	assert_string_equal(fx->cfg.log_level, "debug");
	assert_int_equal(fx->cfg.services_max, 7);
	assert_int_equal(fx->cfg.short_lived_seconds, 30);
	assert_int_equal(load(fx, "log_level: warn\n"), 0);
	assert_string_equal(fx->cfg.log_level, "warn");
}

static void test_failed_load_leaves_config_unchanged(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(load(fx, "services:\n  rules: [{process: a, name: a}]\n"), 0);
	assert_int_equal(load(fx,
		"log_level: error\n"
		"services:\n"
		"  shared_cgroups: [/x]\n"
		"  rules: [{process: b, name: b}]\n"
		"  max: 0\n"), -EINVAL);
	assert_string_equal(fx->cfg.log_level, "info");
	assert_int_equal(fx->cfg.n_shared_cgroups, 1);
	assert_string_equal(fx->cfg.shared_cgroups[0], "/");
	assert_int_equal(fx->cfg.n_rules, 1);
	assert_string_equal(fx->cfg.rules[0].name, "a");
}

static void test_unknown_key_reports_its_line(void **state)
{
	assert_load_error(*state,
		"services:\n"
		"  max: 10\n"
		"  foo: 1\n",
		"t.yaml:3: unknown key 'foo' under 'services'; allowed keys: "
		"max, short_lived_seconds, shared_cgroups, rules.");
}

static void test_unknown_top_level_key_lists_allowed_keys(void **state)
{
	assert_load_error(*state,
		"# comment\n"
		"listen: 127.0.0.1:1\n"
		"lsiten: 127.0.0.1:2\n",
		"t.yaml:3: unknown key 'lsiten' at the top level; allowed keys: "
		"listen, log_level, language, services, thresholds, events, requests, peers, "
		"elasticsearch, cloudwatch, web_config_file, healthz_without_auth, bpf_run_stats.");
}

static void test_web_config_file_and_healthz_key(void **state)
{
	struct fixture *fx = *state;

	assert_string_equal(fx->cfg.web_config_file, "");
	assert_true(fx->cfg.healthz_without_auth);
	assert_int_equal(load(fx, "web_config_file: /etc/pantau/web.yml\n"
			      "healthz_without_auth: false\n"), 0);
	assert_string_equal(fx->cfg.web_config_file, "/etc/pantau/web.yml");
	assert_false(fx->cfg.healthz_without_auth);
	assert_load_error(fx, "web_config_file: web.yml\n",
			  "t.yaml:1: web_config_file is 'web.yml'; it must be an absolute path.");
	assert_load_error(fx, "healthz_without_auth: yes\n",
			  "t.yaml:1: healthz_without_auth is 'yes'; it must be true or false.");
	/* A failed load keeps what was there. */
	assert_string_equal(fx->cfg.web_config_file, "/etc/pantau/web.yml");
}

static void test_bpf_run_stats_key(void **state)
{
	struct fixture *fx = *state;

	/* Off unless asked for: the clock reads are paid host-wide. */
	assert_false(fx->cfg.bpf_run_stats);
	assert_int_equal(load(fx, "bpf_run_stats: true\n"), 0);
	assert_true(fx->cfg.bpf_run_stats);
	assert_load_error(fx, "bpf_run_stats: 1\n",
			  "t.yaml:1: bpf_run_stats is '1'; it must be true or false.");
}

static void test_elasticsearch_defaults(void **state)
{
	struct pantau_config *cfg = &((struct fixture *)*state)->cfg;

	assert_int_equal(cfg->n_es_urls, 0);
	assert_true(cfg->es_verify);
	assert_true(cfg->es_gzip);
	assert_int_equal(cfg->es_batch_events, 500);
	assert_true(cfg->es_batch_bytes == 5ULL << 20);
	assert_int_equal(cfg->es_flush_seconds, 5);
	assert_string_equal(cfg->es_spool_dir, "/var/lib/pantau/spool");
	assert_true(cfg->es_spool_max_bytes == 1ULL << 30);
	assert_true(cfg->es_dead_letter_max_bytes == 64ULL << 20);
	assert_string_equal(cfg->es_username, "");
	assert_string_equal(cfg->es_api_key_file, "");
}

static void test_elasticsearch_every_key_is_read(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(load(fx,
			      "elasticsearch:\n"
			      "  urls: [\"https://es1:9200/\", \"http://10.0.0.2:9200\"]\n"
			      "  username: pantau\n"
			      "  password_file: /etc/pantau/es.pw\n"
			      "  ca_file: /etc/pantau/ca.pem\n"
			      "  verify: false\n"
			      "  gzip: false\n"
			      "  batch_events: 100\n"
			      "  batch_bytes: 2 MiB\n"
			      "  flush_seconds: 1\n"
			      "  dead_letter_max_bytes: 1 MiB\n"
			      "  spool: { dir: /tmp/spool, max_bytes: 64MiB }\n"), 0);
	assert_int_equal(fx->cfg.n_es_urls, 2);
	/* The trailing '/' goes: paths are appended to the URL. */
	assert_string_equal(fx->cfg.es_urls[0], "https://es1:9200");
	assert_string_equal(fx->cfg.es_urls[1], "http://10.0.0.2:9200");
	assert_string_equal(fx->cfg.es_username, "pantau");
	assert_string_equal(fx->cfg.es_password_file, "/etc/pantau/es.pw");
	assert_string_equal(fx->cfg.es_ca_file, "/etc/pantau/ca.pem");
	assert_false(fx->cfg.es_verify);
	assert_false(fx->cfg.es_gzip);
	assert_int_equal(fx->cfg.es_batch_events, 100);
	assert_true(fx->cfg.es_batch_bytes == 2ULL << 20);
	assert_int_equal(fx->cfg.es_flush_seconds, 1);
	assert_string_equal(fx->cfg.es_spool_dir, "/tmp/spool");
	assert_true(fx->cfg.es_spool_max_bytes == 64ULL << 20);
	assert_true(fx->cfg.es_dead_letter_max_bytes == 1ULL << 20);
	/* A second load keeps what it does not mention, and copies survive. */
	assert_int_equal(load(fx, "elasticsearch: { api_key_file: /k, username: '', "
			      "password_file: '' }\n"), 0);
	assert_int_equal(fx->cfg.n_es_urls, 2);
	assert_string_equal(fx->cfg.es_api_key_file, "/k");
	assert_string_equal(fx->cfg.es_spool_dir, "/tmp/spool");
}

static void test_elasticsearch_urls_are_checked(void **state)
{
	struct fixture *fx = *state;

	assert_load_error(fx, "elasticsearch:\n  urls: [\"es1:9200\"]\n",
			  "t.yaml:2: elasticsearch.urls[0] is 'es1:9200'; it must be an http:// or "
			  "https:// URL without blanks, e.g. https://es1:9200.");
	assert_load_error(fx, "elasticsearch:\n  urls:\n    - http://a:1\n    - \"http://b c\"\n",
			  "t.yaml:4: elasticsearch.urls[1] is 'http://b c'; it must be an http:// or "
			  "https:// URL without blanks, e.g. https://es1:9200.");
	assert_int_equal(load(fx, "elasticsearch: { urls: [http://, https://x] }\n"), -EINVAL);
	assert_int_equal(load(fx, "elasticsearch: { urls: [a, b, c, d, e, f, g, h, i] }\n"),
			 -EINVAL);
	assert_contains(fx->err, "at most 8");
	assert_int_equal(load(fx, "elasticsearch: { urls: http://a:1 }\n"), -EINVAL);
	assert_contains(fx->err, "must be a list");
	/* An empty list turns the exporter off. */
	assert_int_equal(load(fx, "elasticsearch: { urls: [http://a:1] }\n"), 0);
	assert_int_equal(load(fx, "elasticsearch: { urls: [] }\n"), 0);
	assert_int_equal(fx->cfg.n_es_urls, 0);
}

static void test_elasticsearch_sizes_take_binary_suffixes(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(load(fx, "elasticsearch: { batch_bytes: 1048576 }\n"), 0);
	assert_true(fx->cfg.es_batch_bytes == 1048576);
	assert_int_equal(load(fx, "elasticsearch: { batch_bytes: 512KiB }\n"), 0);
	assert_true(fx->cfg.es_batch_bytes == 512 * 1024);
	assert_int_equal(load(fx, "elasticsearch: { spool: { max_bytes: 2 GiB } }\n"), 0);
	assert_true(fx->cfg.es_spool_max_bytes == 2ULL << 30);
	assert_load_error(fx, "elasticsearch: { batch_bytes: 5 MB }\n",
			  "t.yaml:1: elasticsearch.batch_bytes is '5 MB'; it must be a number of bytes "
			  "from 1024 to 104857600, optionally with KiB, MiB or GiB, e.g. 5 MiB.");
	assert_int_equal(load(fx, "elasticsearch: { batch_bytes: 101 MiB }\n"), -EINVAL);
	assert_int_equal(load(fx, "elasticsearch: { batch_bytes: -1 }\n"), -EINVAL);
	assert_int_equal(load(fx, "elasticsearch: { spool: { max_bytes: 99999999999 TiB } }\n"),
			 -EINVAL);
	assert_int_equal(load(fx, "elasticsearch: { spool: { max_bytes: 1000 } }\n"), -EINVAL);
	assert_load_error(fx, "elasticsearch:\n  batch_bytes: 5 MiB\n  spool: { max_bytes: 4 MiB }\n",
			  "t.yaml:2: elasticsearch.batch_bytes (5242880) must be at most half of "
			  "elasticsearch.spool.max_bytes (4194304).");
}

static void test_elasticsearch_auth_must_be_whole_and_single(void **state)
{
	struct fixture *fx = *state;

	assert_load_error(fx, "elasticsearch:\n  username: u\n",
			  "t.yaml:2: elasticsearch has username without password_file; basic auth "
			  "needs both username and password_file.");
	assert_load_error(fx, "elasticsearch: { password_file: /p }\n",
			  "t.yaml:1: elasticsearch has password_file without username; basic auth "
			  "needs both username and password_file.");
	assert_load_error(fx, "elasticsearch: { username: u, password_file: /p, api_key_file: /k }\n",
			  "t.yaml:1: elasticsearch has both username and api_key_file; use one way "
			  "to log in.");
	assert_load_error(fx, "elasticsearch: { ca_file: ca.pem }\n",
			  "t.yaml:1: elasticsearch.ca_file is 'ca.pem'; it must be an absolute path.");
	assert_int_equal(load(fx, "elasticsearch: { spool: { bogus: 1 } }\n"), -EINVAL);
	assert_contains(fx->err, "unknown key 'bogus' under 'elasticsearch.spool'; allowed keys: dir, max_bytes.");
}

static void test_es_url_flag_replaces_urls(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(load(fx, "elasticsearch: { urls: [http://a:1, http://b:2] }\n"), 0);
	assert_int_equal(config_set_es_url(&fx->cfg, "http://127.0.0.1:9200/"), 0);
	assert_int_equal(fx->cfg.n_es_urls, 1);
	assert_string_equal(fx->cfg.es_urls[0], "http://127.0.0.1:9200");
	assert_null(fx->cfg.es_urls[1]);
	assert_int_equal(config_set_es_url(&fx->cfg, "ftp://x"), -EINVAL);
	assert_int_equal(config_set_es_url(&fx->cfg, NULL), -EINVAL);
	assert_int_equal(fx->cfg.n_es_urls, 1);
}

static void test_events_file_takes_path_dash_or_empty(void **state)
{
	struct fixture *fx = *state;

	assert_string_equal(fx->cfg.events_file, "");
	assert_int_equal(fx->cfg.events_per_service_per_second, 200);
	assert_int_equal(load(fx, "events: {file: /var/log/pantau/events.jsonl, "
			 "per_service_per_second: 50}\n"), 0);
	assert_string_equal(fx->cfg.events_file, "/var/log/pantau/events.jsonl");
	assert_int_equal(fx->cfg.events_per_service_per_second, 50);
	assert_int_equal(fx->cfg.events_rotate_mib, 100);
	assert_int_equal(fx->cfg.events_keep, 5);
	assert_int_equal(load(fx, "events: {rotate_mib: 10, keep: 0}\n"), 0);
	assert_int_equal(fx->cfg.events_rotate_mib, 10);
	assert_int_equal(fx->cfg.events_keep, 0);
	assert_int_equal(load(fx, "events: {file: '-'}\n"), 0);
	assert_string_equal(fx->cfg.events_file, "-");
	assert_int_equal(load(fx, "events:\n  file:\n"), 0);
	assert_string_equal(fx->cfg.events_file, "");
	/* Quoted empty means off too, as the message and the docs say. */
	assert_int_equal(load(fx, "events: {file: '-'}\n"), 0);
	assert_int_equal(load(fx, "events: {file: ''}\n"), 0);
	assert_string_equal(fx->cfg.events_file, "");
}

static void test_cloudwatch_is_off_by_default_and_read(void **state)
{
	struct fixture *fx = *state;

	assert_string_equal(fx->cfg.cloudwatch_emf_file, "");
	assert_int_equal(fx->cfg.cloudwatch_interval_seconds, 60);
	assert_string_equal(fx->cfg.cloudwatch_namespace, "Pantau");
	assert_int_equal(load(fx, "cloudwatch:\n"
			 "  emf_file: /var/log/pantau/emf.jsonl\n"
			 "  interval_seconds: 10\n"
			 "  namespace: 'Shop/Prod #1: web_api-v2.0'\n"), 0);
	assert_string_equal(fx->cfg.cloudwatch_emf_file, "/var/log/pantau/emf.jsonl");
	assert_int_equal(fx->cfg.cloudwatch_interval_seconds, 10);
	assert_string_equal(fx->cfg.cloudwatch_namespace, "Shop/Prod #1: web_api-v2.0");
	assert_int_equal(load(fx, "cloudwatch: {emf_file: '-'}\n"), 0);
	assert_string_equal(fx->cfg.cloudwatch_emf_file, "-");
	assert_string_equal(fx->cfg.cloudwatch_namespace, "Shop/Prod #1: web_api-v2.0");
	assert_int_equal(load(fx, "cloudwatch:\n  emf_file:\n"), 0);
	assert_string_equal(fx->cfg.cloudwatch_emf_file, "");
}

static void test_cloudwatch_emf_file_must_be_absolute(void **state)
{
	assert_load_error(*state, "cloudwatch:\n  emf_file: emf.jsonl\n",
		"t.yaml:2: cloudwatch.emf_file is 'emf.jsonl'; it must be an absolute "
		"path, '-' for standard output, or empty for off.");
}

static void test_cloudwatch_interval_range(void **state)
{
	struct fixture *fx = *state;

	assert_load_error(fx, "cloudwatch: {interval_seconds: 0}\n",
		"t.yaml:1: cloudwatch.interval_seconds is '0'; it must be a whole number "
		"from 1 to 3600.");
	assert_load_error(fx, "cloudwatch: {interval_seconds: 60s}\n",
		"t.yaml:1: cloudwatch.interval_seconds is '60s'; it must be a whole number "
		"from 1 to 3600.");
	assert_int_equal(load(fx, "cloudwatch: {interval_seconds: 3600}\n"), 0);
	assert_int_equal(fx->cfg.cloudwatch_interval_seconds, 3600);
}

static void test_cloudwatch_namespace_follows_cloudwatch_rules(void **state)
{
	struct fixture *fx = *state;
	static const char *const bad[] = {
		"cloudwatch: {namespace: ''}\n",
		"cloudwatch: {namespace: '   '}\n",
		"cloudwatch: {namespace: AWS/EC2}\n",
		"cloudwatch: {namespace: 'Pan\u00e9tau'}\n",
		"cloudwatch: {namespace: 'a,b'}\n",
		"cloudwatch: {namespace: \"a\\tb\"}\n",
	};
	char long_ns[400];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(load(fx, bad[i]), -EINVAL);
		assert_contains(fx->err, "t.yaml:1: cloudwatch.namespace is '");
		assert_contains(fx->err, "does not start with AWS/.");
	}
	assert_string_equal(fx->cfg.cloudwatch_namespace, "Pantau");
	/* 255 characters is the most CloudWatch takes. */
	snprintf(long_ns, sizeof(long_ns), "cloudwatch: {namespace: %.*s}\n", 255,
		 "NNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNN"
		 "NNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNN"
		 "NNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNN");
	assert_int_equal(load(fx, long_ns), 0);
	assert_int_equal(strlen(fx->cfg.cloudwatch_namespace), 255);
	snprintf(long_ns, sizeof(long_ns), "cloudwatch: {namespace: N%s}\n", fx->cfg.cloudwatch_namespace);
	assert_int_equal(load(fx, long_ns), -EINVAL);
}

static void test_cloudwatch_survives_a_later_load(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(load(fx, "cloudwatch: {emf_file: '-', namespace: Shop}\n"), 0);
	assert_int_equal(load(fx, "log_level: warn\n"), 0);
	assert_string_equal(fx->cfg.cloudwatch_emf_file, "-");
	assert_string_equal(fx->cfg.cloudwatch_namespace, "Shop");
	assert_int_equal(load(fx, "cloudwatch: {namespace: 'bad,'}\n"), -EINVAL);
	assert_string_equal(fx->cfg.cloudwatch_namespace, "Shop");
}

static void test_requests_http_is_true_or_false(void **state)
{
	struct fixture *fx = *state;

	assert_true(fx->cfg.requests_http);
	assert_int_equal(load(fx, "requests: {http: false}\n"), 0);
	assert_false(fx->cfg.requests_http);
	assert_int_equal(load(fx, "requests:\n  http: true\n"), 0);
	assert_true(fx->cfg.requests_http);
	assert_int_equal(load(fx, "requests:\n  routes: ['/orders/{id}', '/users/{u}/cart']\n"), 0);
	assert_int_equal(fx->cfg.n_request_routes, 2);
	assert_string_equal(fx->cfg.request_routes[1], "/users/{u}/cart");
	assert_load_error(fx, "requests:\n  routes: ['orders/{id}']\n",
			  "t.yaml:2: requests.routes[0] is 'orders/{id}'; a route starts with '/', e.g. /orders/{id}.");
	assert_load_error(fx, "requests:\n  http: on\n",
			  "t.yaml:2: requests.http is 'on'; it must be true or false.");
}

static void test_requests_tls_is_off_unless_asked(void **state)
{
	struct fixture *fx = *state;

	assert_false(fx->cfg.requests_tls);
	assert_int_equal(load(fx, "requests: {tls: true}\n"), 0);
	assert_true(fx->cfg.requests_tls);
	assert_true(fx->cfg.requests_http);
	assert_load_error(fx, "requests:\n  tls: yes please\n",
			  "t.yaml:2: requests.tls is 'yes please'; it must be true or false.");
}

static void test_requests_skip_cgroups_are_read_and_checked(void **state)
{
	struct fixture *fx = *state;
	char *yaml = malloc(32 + (CONFIG_MAX_SHARED + 1) * 8);
	size_t len;

	assert_int_equal(fx->cfg.n_skip_cgroups, 0);
	assert_int_equal(load(fx, "requests:\n  skip_cgroups: [/load.slice, \"/system.slice/backup-*\"]\n"), 0);
	assert_int_equal(fx->cfg.n_skip_cgroups, 2);
	assert_string_equal(fx->cfg.skip_cgroups[0], "/load.slice");
	assert_string_equal(fx->cfg.skip_cgroups[1], "/system.slice/backup-*");
	/* Kept by a later load that does not name it, replaced by one that does. */
	assert_int_equal(load(fx, "log_level: warn\n"), 0);
	assert_int_equal(fx->cfg.n_skip_cgroups, 2);
	assert_int_equal(load(fx, "requests: {skip_cgroups: [/wrk]}\n"), 0);
	assert_int_equal(fx->cfg.n_skip_cgroups, 1);
	assert_string_equal(fx->cfg.skip_cgroups[0], "/wrk");
	assert_load_error(fx, "requests:\n  skip_cgroups:\n    - /a\n    - load.slice\n",
			  "t.yaml:4: requests.skip_cgroups[1] is 'load.slice'; a cgroup "
			  "pattern must start with '/', e.g. /system.slice/*.service.");
	assert_load_error(fx, "requests:\n  skip_cgroups: /wrk\n",
			  "t.yaml:2: requests.skip_cgroups must be a list, not a single value.");
	assert_non_null(yaml);
	len = (size_t)sprintf(yaml, "requests:\n  skip_cgroups:\n");
	for (int i = 0; i <= CONFIG_MAX_SHARED; i++)
		len += (size_t)sprintf(yaml + len, "  - /%d\n", i);
	assert_load_error(fx, yaml, "t.yaml:3: requests.skip_cgroups has 65 entries; at most 64 are allowed.");
	free(yaml);
	/* The failed loads left the last good list. */
	assert_int_equal(fx->cfg.n_skip_cgroups, 1);
	assert_string_equal(fx->cfg.skip_cgroups[0], "/wrk");
	assert_int_equal(load(fx, "requests: {skip_cgroups: []}\n"), 0);
	assert_int_equal(fx->cfg.n_skip_cgroups, 0);
	assert_null(fx->cfg.skip_cgroups[0]);
}

static void test_peer_rules_are_read_and_checked(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(fx->cfg.peers_max, 200);
	assert_int_equal(load(fx, "peers:\n  max: 50\n  rules:\n"
			 "    - { host: '*.midtrans.com', name: payment-gateway }\n"
			 "    - { cidr: 10.20.0.0/16, name: postgres }\n"
			 "    - { address: '[fd00::5]:443', name: vault }\n"), 0);
	assert_int_equal(fx->cfg.peers_max, 50);
	assert_int_equal(fx->cfg.n_peer_rules, 3);
	assert_int_equal(fx->cfg.peer_rules[0].kind, PEER_RULE_HOST);
	assert_string_equal(fx->cfg.peer_rules[1].pattern, "10.20.0.0/16");
	assert_string_equal(fx->cfg.peer_rules[2].name, "vault");
	assert_load_error(fx, "peers:\n  rules:\n    - { cidr: 10.20.0.0/40, name: x }\n",
			  "t.yaml:3: peers.rules[0].cidr is '10.20.0.0/40'; it must be an address "
			  "with a prefix length, e.g. 10.20.0.0/16 or [fd00::]/8.");
	assert_load_error(fx, "peers:\n  rules:\n    - { host: a, cidr: 10.0.0.0/8, name: x }\n",
			  "t.yaml:3: peers.rules[0] must have exactly one of host, cidr or address, plus name.");
	assert_load_error(fx, "peers:\n  rules:\n    - { address: db.local:5432, name: x }\n",
			  "t.yaml:3: peers.rules[0].address is 'db.local:5432'; it must be an IP address, "
			  "optionally with a port, e.g. 10.0.0.5:443 or [fd00::5]:443.");
}

static void test_events_file_must_be_absolute(void **state)
{
	assert_load_error(*state,
		"events:\n"
		"  file: events.jsonl\n",
		"t.yaml:2: events.file is 'events.jsonl'; it must be an absolute "
		"path, '-' for standard output, or empty for off.");
}

static void test_unknown_key_under_thresholds_lists_its_keys(void **state)
{
	assert_load_error(*state,
		"thresholds:\n"
		"  cpu: 0.5\n",
		"t.yaml:2: unknown key 'cpu' under 'thresholds'; allowed keys: "
		"cpu_busy_ratio, memory_busy_ratio, error_ratio, latency_p95_seconds, "
		"min_requests_per_second, filesystem_full_ratio.");
}

static void test_bad_number_names_value_and_range(void **state)
{
	assert_load_error(*state,
		"services:\n"
		"  max: abc\n",
		"t.yaml:2: services.max is 'abc'; it must be a whole number "
		"from 1 to 100000.");
}

static void test_whole_numbers_reject_sign_garbage_and_range(void **state)
{
	struct fixture *fx = *state;
	static const char *const bad[] = {
		"-1", "+5", "10x", "1.0", "1e3", "0x10", "0", "100001", "''",
		"' 5'", "99999999999999999999999",
	};
	char yaml[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(yaml, sizeof(yaml), "services:\n  max: %s\n", bad[i]);
		assert_int_equal(load(fx, yaml), -EINVAL);
		assert_contains(fx->err, "t.yaml:2: services.max is '");
		assert_contains(fx->err, "from 1 to 100000.");
	}
	assert_int_equal(fx->cfg.services_max, 1000);
}

static void test_whole_numbers_accept_both_ends_of_range(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(load(fx, "services: {max: 1, short_lived_seconds: 0}\n"), 0);
	assert_int_equal(fx->cfg.services_max, 1);
	assert_int_equal(fx->cfg.short_lived_seconds, 0);
	assert_int_equal(load(fx, "services: {max: 100000, short_lived_seconds: 86400}\n"), 0);
	assert_int_equal(fx->cfg.services_max, 100000);
	assert_int_equal(fx->cfg.short_lived_seconds, 86400);
	assert_load_error(fx, "services: {short_lived_seconds: 86401}\n",
		"t.yaml:1: services.short_lived_seconds is '86401'; it must be "
		"a whole number from 0 to 86400.");
}

static void test_bad_log_level_lists_allowed_values(void **state)
{
	assert_load_error(*state, "log_level: loud\n",
		"t.yaml:1: log_level is 'loud'; allowed values are error, warn, "
		"info, debug.");
}

static void test_bad_language_lists_allowed_values(void **state)
{
	assert_load_error(*state, "\nlanguage: fr\n",
		"t.yaml:2: language is 'fr'; allowed values are id, en.");
}

static void test_bad_listen_says_addr_port(void **state)
{
	assert_load_error(*state, "listen: 1.2.3.4\n",
		"t.yaml:1: listen is '1.2.3.4'; it must be ADDR:PORT, e.g. "
		"127.0.0.1:9542.");
}

static void test_listen_ipv4(void **state)
{
	char host[64];
	unsigned short port = 0;

	(void)state;
	assert_int_equal(config_parse_listen("127.0.0.1:9542", host,
					     sizeof(host), &port), 0);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 9542);
	assert_int_equal(config_parse_listen("0.0.0.0:65535", host,
					     sizeof(host), &port), 0);
	assert_int_equal(port, 65535);
}

static void test_listen_ipv6_brackets(void **state)
{
	char host[64];
	unsigned short port = 0;

	(void)state;
	assert_int_equal(config_parse_listen("[::1]:9542", host, sizeof(host),
					     &port), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 9542);
	assert_int_equal(config_parse_listen("[::]:1", host, sizeof(host),
					     &port), 0);
	assert_string_equal(host, "::");
	assert_int_equal(port, 1);
}

static void test_listen_hostname(void **state)
{
	char host[64];
	unsigned short port = 0;

	(void)state;
	assert_int_equal(config_parse_listen("localhost:80", host, sizeof(host),
					     &port), 0);
	assert_string_equal(host, "localhost");
	assert_int_equal(port, 80);
}

static void test_listen_rejects_malformed_values(void **state)
{
	static const char *const bad[] = {
		"127.0.0.1", "127.0.0.1:", ":9542", "127.0.0.1:0",
		"127.0.0.1:65536", "127.0.0.1:99999999", "127.0.0.1:95a2",
		"127.0.0.1:+80", "127.0.0.1: 80", "::1:9542", "[::1]",
		"[::1]9542", "[]:80", "[nothost]:80", "[::1:80", "my host:80",
		"",
	};
	char host[64];
	unsigned short port;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (config_parse_listen(bad[i], host, sizeof(host), &port) != -EINVAL)
			fail_msg("'%s' was accepted", bad[i]);
	}
}

static void test_listen_rejects_host_too_long_for_buffer(void **state)
{
	char host[10];
	unsigned short port;

	(void)state;
	assert_int_equal(config_parse_listen("abcdefghi:80", host, sizeof(host),
					     &port), 0);
	assert_int_equal(config_parse_listen("abcdefghij:80", host, sizeof(host),
					     &port), -EINVAL);
	assert_int_equal(config_parse_listen("[::ffff:10.0.0.1]:80", host,
					     sizeof(host), &port), -EINVAL);
}

static void test_missing_file_says_cannot_read(void **state)
{
	struct fixture *fx = *state;
	const char *path = "/nonexistent/pantau.yaml";

	assert_int_equal(config_load_file(&fx->cfg, path, fx->err,
					  sizeof(fx->err)), -ENOENT);
	assert_string_equal(fx->err, "/nonexistent/pantau.yaml: cannot read: "
			    "No such file or directory.");
	assert_string_equal(fx->cfg.listen, CONFIG_DEFAULT_LISTEN);
}

static void test_directory_says_cannot_read(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(config_load_file(&fx->cfg, "/", fx->err,
					  sizeof(fx->err)), -EISDIR);
	assert_string_equal(fx->err, "/: cannot read: Is a directory.");
}

/* Writes text to a new temporary file and returns its path in path. */
static void write_temp(char *path, size_t len, const char *text)
{
	int fd;

	snprintf(path, len, "/tmp/test_config.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(close(fd), 0);
}

static void test_file_is_read(void **state)
{
	struct fixture *fx = *state;
	char path[64];
	int ret;

	write_temp(path, sizeof(path), "log_level: warn\nservices:\n  max: 42\n");
	ret = config_load_file(&fx->cfg, path, fx->err, sizeof(fx->err));
	unlink(path);
	assert_int_equal(ret, 0);
	assert_string_equal(fx->cfg.log_level, "warn");
	assert_int_equal(fx->cfg.services_max, 42);
}

static void test_file_errors_name_the_path(void **state)
{
	struct fixture *fx = *state;
	char path[64], want[192];
	int ret;

	write_temp(path, sizeof(path), "listen: 127.0.0.1:9542\nlog_level: 3\n");
	ret = config_load_file(&fx->cfg, path, fx->err, sizeof(fx->err));
	unlink(path);
	assert_int_equal(ret, -EINVAL);
	snprintf(want, sizeof(want), "%s:2: log_level is '3'; allowed values "
		 "are error, warn, info, debug.", path);
	assert_string_equal(fx->err, want);
}

static void test_empty_file_keeps_defaults(void **state)
{
	struct fixture *fx = *state;
	char path[64];
	int ret;

	write_temp(path, sizeof(path), "");
	ret = config_load_file(&fx->cfg, path, fx->err, sizeof(fx->err));
	unlink(path);
	assert_int_equal(ret, 0);
	assert_string_equal(fx->cfg.listen, CONFIG_DEFAULT_LISTEN);
}

static void test_duplicate_key_is_error(void **state)
{
	assert_load_error(*state,
		"services:\n"
		"  max: 10\n"
		"  rules: []\n"
		"  max: 20\n",
		"t.yaml:4: duplicate key 'max' under 'services'; it was first "
		"set on line 2.");
}

static void test_duplicate_top_level_key_is_error(void **state)
{
	assert_load_error(*state,
		"log_level: info\n"
		"log_level: debug\n",
		"t.yaml:2: duplicate key 'log_level' at the top level; it was "
		"first set on line 1.");
}

static void test_wrong_node_type_mapping_where_value_expected(void **state)
{
	assert_load_error(*state,
		"log_level:\n"
		"  level: info\n",
		"t.yaml:2: log_level must be a single value, not a mapping.");
}

static void test_wrong_node_type_value_where_list_expected(void **state)
{
	assert_load_error(*state,
		"services:\n"
		"  shared_cgroups: /\n",
		"t.yaml:2: services.shared_cgroups must be a list, not a single value.");
}

static void test_wrong_node_type_list_where_mapping_expected(void **state)
{
	assert_load_error(*state,
		"thresholds:\n"
		"  - 0.5\n",
		"t.yaml:2: thresholds must be a mapping, not a list.");
}

static void test_wrong_node_type_rule_that_is_not_a_mapping(void **state)
{
	assert_load_error(*state,
		"services:\n"
		"  rules:\n"
		"    - shop\n",
		"t.yaml:3: services.rules[0] must be a mapping, not a single value.");
}

static void test_wrong_node_type_top_level_list(void **state)
{
	assert_load_error(*state, "- listen\n",
		"t.yaml:1: the top level must be a mapping, not a list.");
}

static void test_key_that_is_not_a_word_is_error(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(load(fx, "? [a, b]\n: 1\n"), -EINVAL);
	assert_contains(fx->err, "t.yaml:1: the top level has a key that is a list");
}

static void test_empty_section_keeps_defaults(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(load(fx, "services:\n  # max: 5\nthresholds: ~\n"), 0);
	assert_int_equal(fx->cfg.services_max, 1000);
	assert_true(fx->cfg.thresholds_cpu_busy_ratio == 0.8);
}

static void test_shared_cgroups_replace_default(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(load(fx,
		"services:\n"
		"  shared_cgroups:\n"
		"    - /user.slice/*\n"
		"    - /init.scope\n"), 0);
	assert_int_equal(fx->cfg.n_shared_cgroups, 2);
	assert_string_equal(fx->cfg.shared_cgroups[0], "/user.slice/*");
	assert_string_equal(fx->cfg.shared_cgroups[1], "/init.scope");
}

static void test_shared_cgroups_empty_list_means_none(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(load(fx, "services: {shared_cgroups: []}\n"), 0);
	assert_int_equal(fx->cfg.n_shared_cgroups, 0);
	assert_null(fx->cfg.shared_cgroups[0]);
}

static void test_shared_cgroup_must_start_with_slash(void **state)
{
	assert_load_error(*state,
		"services:\n"
		"  shared_cgroups:\n"
		"    - /\n"
		"    - user.slice\n",
		"t.yaml:4: services.shared_cgroups[1] is 'user.slice'; a cgroup "
		"pattern must start with '/', e.g. /system.slice/*.service.");
}

static void test_too_many_shared_cgroups_is_error(void **state)
{
	struct fixture *fx = *state;
	char *yaml = malloc(32 + (CONFIG_MAX_SHARED + 1) * 8);
	size_t len;

	assert_non_null(yaml);
	len = (size_t)sprintf(yaml, "services:\n  shared_cgroups:\n");
	for (int i = 0; i <= CONFIG_MAX_SHARED; i++)
		len += (size_t)sprintf(yaml + len, "  - /%d\n", i);
	assert_int_equal(load(fx, yaml), -EINVAL);
	free(yaml);
	assert_string_equal(fx->err, "t.yaml:3: services.shared_cgroups has 65 "
			    "entries; at most 64 are allowed.");
}

static void test_rules_parse_in_order(void **state)
{
	struct fixture *fx = *state;
	struct service_rule *r = fx->cfg.rules;

	assert_int_equal(load(fx,
		"services:\n"
		"  rules:\n"
		"    - { cgroup: \"/system.slice/shop-*.service\", name: shop }\n"
		"    - { process: \"java\", name: billing }\n"
		"    - name: rest\n"
		"      cgroup: /\n"), 0);
	assert_int_equal(fx->cfg.n_rules, 3);
	assert_int_equal(r[0].kind, RULE_CGROUP);
	assert_string_equal(r[0].pattern, "/system.slice/shop-*.service");
	assert_string_equal(r[0].name, "shop");
	assert_int_equal(r[1].kind, RULE_PROCESS);
	assert_string_equal(r[1].pattern, "java");
	assert_string_equal(r[1].name, "billing");
	assert_int_equal(r[2].kind, RULE_CGROUP);
	assert_string_equal(r[2].pattern, "/");
	assert_string_equal(r[2].name, "rest");
}

static void test_rules_replace_earlier_rules(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(load(fx, "services: {rules: [{process: a, name: a}, "
			      "{process: b, name: b}]}\n"), 0);
	assert_int_equal(load(fx, "services: {rules: [{process: c, name: c}]}\n"), 0);
	assert_int_equal(fx->cfg.n_rules, 1);
	assert_string_equal(fx->cfg.rules[0].name, "c");
	assert_null(fx->cfg.rules[1].name);
}

static void test_rule_with_both_cgroup_and_process_is_error(void **state)
{
	assert_load_error(*state,
		"services:\n"
		"  rules:\n"
		"    - cgroup: /a\n"
		"      process: b\n"
		"      name: x\n",
		"t.yaml:4: services.rules[0] has both cgroup and process; a rule "
		"must have exactly one of them, plus name.");
}

static void test_rule_with_neither_cgroup_nor_process_is_error(void **state)
{
	assert_load_error(*state,
		"services:\n"
		"  rules:\n"
		"    - { process: a, name: a }\n"
		"    - { name: x }\n",
		"t.yaml:4: services.rules[1] has neither cgroup nor process; a "
		"rule must have exactly one of them, plus name.");
}

static void test_rule_without_name_is_error(void **state)
{
	assert_load_error(*state,
		"services:\n"
		"  rules:\n"
		"    - process: java\n",
		"t.yaml:3: services.rules[0] has no name; a rule must have cgroup "
		"or process, plus name.");
}

static void test_rule_with_unknown_key_is_error(void **state)
{
	assert_load_error(*state,
		"services:\n"
		"  rules:\n"
		"    - process: java\n"
		"      label: x\n",
		"t.yaml:4: unknown key 'label' under 'services.rules[0]'; allowed "
		"keys: cgroup, process, name.");
}

static void test_cgroup_rule_must_start_with_slash(void **state)
{
	assert_load_error(*state,
		"services:\n"
		"  rules:\n"
		"    - cgroup: system.slice/*\n"
		"      name: x\n",
		"t.yaml:3: services.rules[0].cgroup is 'system.slice/*'; a cgroup "
		"pattern must start with '/', e.g. /system.slice/*.service.");
}

static void test_rule_name_length_limit_is_128_bytes(void **state)
{
	struct fixture *fx = *state;
	char yaml[256], name[130];

	memset(name, 'n', 128);
	name[128] = '\0';
	snprintf(yaml, sizeof(yaml), "services: {rules: [{process: a, name: %s}]}\n",
		 name);
	assert_int_equal(load(fx, yaml), 0);
	assert_int_equal(strlen(fx->cfg.rules[0].name), 128);

	strcat(name, "n");
	snprintf(yaml, sizeof(yaml), "services: {rules: [{process: a, name: %s}]}\n",
		 name);
	assert_int_equal(load(fx, yaml), -EINVAL);
	assert_contains(fx->err, "t.yaml:1: services.rules[0].name is 'nnn");
	assert_contains(fx->err, "...'; a service name must be 1 to 128 bytes "
			"without control characters.");
}

static void test_rule_name_must_not_be_empty(void **state)
{
	assert_load_error(*state,
		"services:\n"
		"  rules:\n"
		"    - process: java\n"
		"      name: ''\n",
		"t.yaml:4: services.rules[0].name is ''; a service name must be 1 "
		"to 128 bytes without control characters.");
}

static void test_rule_name_with_control_character_is_error(void **state)
{
	struct fixture *fx = *state;

	assert_load_error(fx,
		"services:\n"
		"  rules:\n"
		"    - process: java\n"
		"      name: \"a\\tb\"\n",
		"t.yaml:4: services.rules[0].name is 'a?b'; a service name must "
		"be 1 to 128 bytes without control characters.");
	/* U+0085 is a C1 control character. */
	assert_int_equal(load(fx, "services: {rules: [{process: j, name: \"a\\x85\"}]}\n"),
			 -EINVAL);
}

static void test_nul_in_value_is_error(void **state)
{
	assert_load_error(*state,
		"services: {rules: [{process: java, name: \"a\\0b\"}]}\n",
		"t.yaml:1: services.rules[0].name contains a NUL character.");
}

static void test_too_many_rules_is_error(void **state)
{
	struct fixture *fx = *state;
	char *yaml = malloc(32 + (CONFIG_MAX_RULES + 1) * 32);
	size_t len;

	assert_non_null(yaml);
	len = (size_t)sprintf(yaml, "services:\n  rules:\n");
	for (int i = 0; i <= CONFIG_MAX_RULES; i++)
		len += (size_t)sprintf(yaml + len, "  - {process: p%d, name: n}\n", i);
	assert_int_equal(load(fx, yaml), -EINVAL);
	free(yaml);
	assert_string_equal(fx->err, "t.yaml:3: services.rules has 65 entries; "
			    "at most 64 are allowed.");
}

static void test_thresholds_accept_one_and_integers(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(load(fx,
		"thresholds:\n"
		"  cpu_busy_ratio: 1\n"
		"  memory_busy_ratio: 1.0\n"
		"  error_ratio: .5\n"
		"  latency_p95_seconds: 3600\n"), 0);
	assert_true(fx->cfg.thresholds_cpu_busy_ratio == 1.0);
	assert_true(fx->cfg.thresholds_memory_busy_ratio == 1.0);
	assert_true(fx->cfg.thresholds_error_ratio == 0.5);
	assert_true(fx->cfg.thresholds_latency_p95_seconds == 3600.0);
}

static void test_thresholds_out_of_range(void **state)
{
	struct fixture *fx = *state;
	static const char *const bad[] = {
		"0", "0.0", "1.5", "-0.1", "1.0001", ".nan", "nan", ".inf",
		"inf", "1e999", "1e-400", "0x1p-1", "0.5x", "''", "'0.5 '",
	};
	char yaml[128];

	assert_load_error(fx, "thresholds:\n  cpu_busy_ratio: 1.5\n",
		"t.yaml:2: thresholds.cpu_busy_ratio is '1.5'; it must be a "
		"number above 0 and at most 1.");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(yaml, sizeof(yaml), "thresholds:\n  error_ratio: %s\n",
			 bad[i]);
		if (load(fx, yaml) != -EINVAL)
			fail_msg("error_ratio '%s' was accepted", bad[i]);
		assert_contains(fx->err, "t.yaml:2: thresholds.error_ratio is '");
	}
	assert_load_error(fx, "thresholds: {latency_p95_seconds: 3600.5}\n",
		"t.yaml:1: thresholds.latency_p95_seconds is '3600.5'; it must "
		"be a number above 0 and at most 3600.");
	assert_load_error(fx, "thresholds: {filesystem_full_ratio: 1.01}\n",
		"t.yaml:1: thresholds.filesystem_full_ratio is '1.01'; it must "
		"be a number above 0 and at most 1.");
	assert_load_error(fx, "thresholds: {min_requests_per_second: 0}\n",
		"t.yaml:1: thresholds.min_requests_per_second is '0'; it must "
		"be a number above 0 and at most 10000.");
	assert_true(fx->cfg.thresholds_error_ratio == 0.05);
}

static void test_yaml_syntax_error_reports_line(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(load(fx,
		"listen: 127.0.0.1:9542\n"
		"services:\n"
		"  max: [1, 2\n"), -EINVAL);
	assert_contains(fx->err, "t.yaml:4: YAML syntax error: ");
	assert_int_equal(load(fx, "a: 'unterminated\n"), -EINVAL);
	assert_contains(fx->err, "t.yaml:2: YAML syntax error: found unexpected "
			"end of stream");
}

static void test_bad_indentation_is_syntax_error(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(load(fx,
		"services:\n"
		"  max: 1\n"
		" short_lived_seconds: 2\n"), -EINVAL);
	assert_contains(fx->err, "t.yaml:3: YAML syntax error: ");
	assert_int_equal(fx->err[strlen(fx->err) - 1], '.');
}

static void test_second_document_is_error(void **state)
{
	assert_load_error(*state,
		"log_level: info\n"
		"---\n"
		"log_level: debug\n",
		"t.yaml:3: a second YAML document starts here; pantau reads only one.");
}

static void test_alias_values_are_followed(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(load(fx,
		"services:\n"
		"  shared_cgroups: &shared [/, /user.slice/*]\n"
		"  rules:\n"
		"    - { process: java, name: &n jvm }\n"
		"    - { process: javac, name: *n }\n"), 0);
	assert_int_equal(fx->cfg.n_rules, 2);
	assert_string_equal(fx->cfg.rules[1].name, "jvm");
}

static void test_long_value_is_shortened_in_message(void **state)
{
	struct fixture *fx = *state;
	char yaml[400];

	snprintf(yaml, sizeof(yaml), "log_level: %0300d\n", 7);
	assert_int_equal(load(fx, yaml), -EINVAL);
	assert_contains(fx->err, "t.yaml:1: log_level is '0000");
	assert_contains(fx->err, "...'; allowed values are error, warn, info, debug.");
	assert_true(strlen(fx->err) < 200);
}

static void test_short_error_buffer_is_cut_and_terminated(void **state)
{
	struct fixture *fx = *state;
	char err[16];

	memset(err, 'x', sizeof(err));
	assert_int_equal(config_load_string(&fx->cfg, "log_level: loud\n",
					    "t.yaml", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.yaml:1: log_l");
	assert_int_equal(config_load_string(&fx->cfg, "log_level: loud\n",
					    "t.yaml", NULL, 0), -EINVAL);
}

static void test_free_accepts_zeroed_config_and_second_call(void **state)
{
	struct pantau_config cfg;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	config_free(&cfg);
	assert_int_equal(config_init(&cfg), 0);
	config_free(&cfg);
	assert_null(cfg.listen);
	assert_null(cfg.shared_cgroups[0]);
	assert_int_equal(cfg.n_shared_cgroups, 0);
	config_free(&cfg);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_init_sets_documented_defaults),
		T(test_defaults_when_file_is_empty),
		T(test_defaults_when_file_has_only_comments),
		T(test_every_key_is_read),
		T(test_load_overlays_values_already_in_config),
		T(test_failed_load_leaves_config_unchanged),
		T(test_unknown_key_reports_its_line),
		T(test_unknown_top_level_key_lists_allowed_keys),
		T(test_web_config_file_and_healthz_key),
		T(test_bpf_run_stats_key),
		T(test_elasticsearch_defaults),
		T(test_elasticsearch_every_key_is_read),
		T(test_elasticsearch_urls_are_checked),
		T(test_elasticsearch_sizes_take_binary_suffixes),
		T(test_elasticsearch_auth_must_be_whole_and_single),
		T(test_es_url_flag_replaces_urls),
		T(test_events_file_takes_path_dash_or_empty),
		T(test_requests_http_is_true_or_false),
		T(test_requests_tls_is_off_unless_asked),
		T(test_requests_skip_cgroups_are_read_and_checked),
		T(test_peer_rules_are_read_and_checked),
		T(test_events_file_must_be_absolute),
		T(test_cloudwatch_is_off_by_default_and_read),
		T(test_cloudwatch_emf_file_must_be_absolute),
		T(test_cloudwatch_interval_range),
		T(test_cloudwatch_namespace_follows_cloudwatch_rules),
		T(test_cloudwatch_survives_a_later_load),
		T(test_unknown_key_under_thresholds_lists_its_keys),
		T(test_bad_number_names_value_and_range),
		T(test_whole_numbers_reject_sign_garbage_and_range),
		T(test_whole_numbers_accept_both_ends_of_range),
		T(test_bad_log_level_lists_allowed_values),
		T(test_bad_language_lists_allowed_values),
		T(test_bad_listen_says_addr_port),
		T(test_listen_ipv4),
		T(test_listen_ipv6_brackets),
		T(test_listen_hostname),
		T(test_listen_rejects_malformed_values),
		T(test_listen_rejects_host_too_long_for_buffer),
		T(test_missing_file_says_cannot_read),
		T(test_directory_says_cannot_read),
		T(test_file_is_read),
		T(test_file_errors_name_the_path),
		T(test_empty_file_keeps_defaults),
		T(test_duplicate_key_is_error),
		T(test_duplicate_top_level_key_is_error),
		T(test_wrong_node_type_mapping_where_value_expected),
		T(test_wrong_node_type_value_where_list_expected),
		T(test_wrong_node_type_list_where_mapping_expected),
		T(test_wrong_node_type_rule_that_is_not_a_mapping),
		T(test_wrong_node_type_top_level_list),
		T(test_key_that_is_not_a_word_is_error),
		T(test_empty_section_keeps_defaults),
		T(test_shared_cgroups_replace_default),
		T(test_shared_cgroups_empty_list_means_none),
		T(test_shared_cgroup_must_start_with_slash),
		T(test_too_many_shared_cgroups_is_error),
		T(test_rules_parse_in_order),
		T(test_rules_replace_earlier_rules),
		T(test_rule_with_both_cgroup_and_process_is_error),
		T(test_rule_with_neither_cgroup_nor_process_is_error),
		T(test_rule_without_name_is_error),
		T(test_rule_with_unknown_key_is_error),
		T(test_cgroup_rule_must_start_with_slash),
		T(test_rule_name_length_limit_is_128_bytes),
		T(test_rule_name_must_not_be_empty),
		T(test_rule_name_with_control_character_is_error),
		T(test_nul_in_value_is_error),
		T(test_too_many_rules_is_error),
		T(test_thresholds_accept_one_and_integers),
		T(test_thresholds_out_of_range),
		T(test_yaml_syntax_error_reports_line),
		T(test_bad_indentation_is_syntax_error),
		T(test_second_document_is_error),
		T(test_alias_values_are_followed),
		T(test_long_value_is_shortened_in_message),
		T(test_short_error_buffer_is_cut_and_terminated),
		T(test_free_accepts_zeroed_config_and_second_call),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
