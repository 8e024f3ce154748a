// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the YAML config loader, config_load_string()
 * (user/config.c). The file is the operator's, but it is also what a
 * typo, a bad merge or a config management template writes, and a reload
 * on SIGHUP must survive any of them.
 *
 * The input is the YAML text, loaded over a config that already holds
 * lists and Elasticsearch settings. The loader either succeeds, with no
 * message, or returns a negative errno with a one-line message that fits
 * the buffer and leaves the config exactly as it was; a message buffer
 * of any size gets the same answer, cut. A text that loaded loads again
 * over its own result to the same config.
 *
 * Covers: user/config.c
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "lib/sbuf.h"

static const char base_yaml[] =
	"listen: 127.0.0.1:9600\n"
	"services: {shared_cgroups: [\"/\", \"/user.slice/*\"], rules: [{process: java, name: b}]}\n"
	"requests: {http: true, routes: [\"/o/{id}\"], skip_cgroups: [\"/backup.slice\"]}\n"
	"peers: {rules: [{host: \"*.midtrans.com\", name: pay}]}\n"
	"elasticsearch: {urls: [\"http://127.0.0.1:9200\"], username: u, password_file: /p}\n";

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_config: %s\n", what);
		abort();
	}
}

static void strings(struct sbuf *b, const char *what, char *const *s, size_t n)
{
	sbuf_printf(b, "%s %zu:", what, n);
	for (size_t i = 0; i < n; i++)
		sbuf_printf(b, " [%s]", s[i]);
	sbuf_puts(b, "\n");
}

#define S(x) ((x) ? (x) : "(null)")

/* Every setting, as text: two configs are the same when their texts are. */
static void describe(const struct pantau_config *c, struct sbuf *b)
{
	sbuf_reset(b);
	sbuf_printf(b, "%s %s %s %u %u\n", S(c->listen), S(c->log_level), S(c->language),
		    c->services_max, c->short_lived_seconds);
	strings(b, "shared", c->shared_cgroups, c->n_shared_cgroups);
	for (size_t i = 0; i < c->n_rules; i++)
		sbuf_printf(b, "rule %d [%s] [%s]\n", (int)c->rules[i].kind, c->rules[i].pattern,
			    c->rules[i].name);
	sbuf_printf(b, "%.17g %.17g %.17g %.17g %.17g %.17g\n", c->thresholds_cpu_busy_ratio,
		    c->thresholds_memory_busy_ratio, c->thresholds_error_ratio,
		    c->thresholds_latency_p95_seconds, c->thresholds_min_requests_per_second,
		    c->thresholds_filesystem_full_ratio);
	sbuf_printf(b, "%s %u %u %u %d %d %u\n", S(c->events_file),
		    c->events_per_service_per_second, c->events_rotate_mib, c->events_keep,
		    c->requests_http, c->requests_tls, c->peers_max);
	strings(b, "routes", c->request_routes, c->n_request_routes);
	strings(b, "skip", c->skip_cgroups, c->n_skip_cgroups);
	for (size_t i = 0; i < c->n_peer_rules; i++)
		sbuf_printf(b, "peer %d [%s] [%s]\n", (int)c->peer_rules[i].kind,
			    c->peer_rules[i].pattern, c->peer_rules[i].name);
	strings(b, "es", c->es_urls, c->n_es_urls);
	sbuf_printf(b, "%s %s %s %s %d %d %u %llu %u %s %llu %llu\n", S(c->es_username),
		    S(c->es_password_file), S(c->es_api_key_file), S(c->es_ca_file), c->es_verify,
		    c->es_gzip, c->es_batch_events, (unsigned long long)c->es_batch_bytes,
		    c->es_flush_seconds, S(c->es_spool_dir),
		    (unsigned long long)c->es_spool_max_bytes,
		    (unsigned long long)c->es_dead_letter_max_bytes);
	sbuf_printf(b, "%s %u %s\n", S(c->cloudwatch_emf_file), c->cloudwatch_interval_seconds,
		    S(c->cloudwatch_namespace));
	check(!sbuf_error(b), "no memory");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sbuf before, after, again;
	struct pantau_config cfg;
	char err[CONFIG_ERR_MAX], *small, *text;
	size_t small_len;
	int rc, rc_small;

	if (size > 16384)
		return 0;
	if (!before.max) {
		sbuf_init(&before);
		sbuf_init(&after);
		sbuf_init(&again);
	}
	text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';

	check(config_init(&cfg) == 0, "config_init");
	check(config_load_string(&cfg, base_yaml, "base.yaml", err, sizeof(err)) == 0,
	      "the base config does not load");
	describe(&cfg, &before);

	rc = config_load_string(&cfg, text, "fuzz.yaml", err, sizeof(err));
	check(rc <= 0, "a positive return value");
	check(memchr(err, '\0', sizeof(err)) != NULL, "message not terminated");
	describe(&cfg, &after);
	if (rc) {
		check(err[0] != '\0', "an error without a message");
		check(!strchr(err, '\n'), "a message of more than one line");
		check(before.len == after.len && !memcmp(before.buf, after.buf, before.len),
		      "a failed load changed the config");

		/* A message buffer of exactly 1 to 40 bytes: the same error, cut. */
		small_len = 1 + size % 40;
		small = malloc(small_len);
		rc_small = config_load_string(&cfg, text, "fuzz.yaml", small, small_len);
		check(rc_small == rc, "the message buffer's size changed the answer");
		check(!strncmp(small, err, small_len - 1) && strlen(small) < small_len,
		      "the cut message is not the message's start");
		free(small);
	} else {
		check(err[0] == '\0', "a message with success");
		rc = config_load_string(&cfg, text, "fuzz.yaml", err, sizeof(err));
		check(rc == 0, "a text that loaded does not load again");
		describe(&cfg, &again);
		check(again.len == after.len && !memcmp(again.buf, after.buf, again.len),
		      "loading the text again changed the config");
	}
	config_free(&cfg);
	free(text);
	return 0;
}
