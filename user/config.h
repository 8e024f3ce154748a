/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The one configuration schema (YAML), see docs/configuration.md. */
#ifndef PANTAU_CONFIG_H
#define PANTAU_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONFIG_DEFAULT_PATH "/etc/pantau/pantau.yaml"
#define CONFIG_DEFAULT_LISTEN "127.0.0.1:9542"
#define CONFIG_MAX_RULES 64
#define CONFIG_MAX_SHARED 64
#define CONFIG_ERR_MAX 512
#define CONFIG_MAX_ES_URLS 8
#define CONFIG_ES_URL_MAX 2048
#define CONFIG_DEFAULT_SPOOL_DIR "/var/lib/pantau/spool"
#define CONFIG_NAMESPACE_MAX 255

enum service_rule_kind { RULE_CGROUP, RULE_PROCESS };

struct service_rule {
	enum service_rule_kind kind;
	char *pattern;		/* fnmatch glob on cgroup path or process name */
	char *name;
};

#include "naming/peers.h"

struct pantau_config {
	char *listen;			/* ADDR:PORT */
	char *log_level;		/* error|warn|info|debug */
	char *language;			/* id|en */
	unsigned services_max;		/* cardinality cap */
	unsigned short_lived_seconds;	/* younger processes fold away */
	char *shared_cgroups[CONFIG_MAX_SHARED];
	size_t n_shared_cgroups;
	struct service_rule rules[CONFIG_MAX_RULES];
	size_t n_rules;
	double thresholds_cpu_busy_ratio;
	double thresholds_memory_busy_ratio;
	double thresholds_error_ratio;
	double thresholds_latency_p95_seconds;
	double thresholds_min_requests_per_second;	/* below: too few to judge */
	double thresholds_filesystem_full_ratio;
	char *events_file;		/* JSON lines: a path, "-" for stdout, "" off */
	unsigned events_per_service_per_second;
	unsigned events_rotate_mib;	/* rotate the events file at this size */
	unsigned events_keep;		/* rotated files kept; 0: never rotate */
	bool requests_http;		/* follow HTTP/1.x requests in the kernel */
	bool requests_tls;		/* and HTTPS ones, through TLS library uprobes */
	char *request_routes[CONFIG_MAX_RULES];	/* path templates, e.g. /orders/{id} */
	size_t n_request_routes;
	/* Cgroup globs whose connections are not parsed for requests. */
	char *skip_cgroups[CONFIG_MAX_SHARED];
	size_t n_skip_cgroups;
	unsigned peers_max;		/* cardinality cap on peer names */
	struct peer_rule peer_rules[CONFIG_MAX_RULES];
	size_t n_peer_rules;
	/* Elasticsearch exporter: on when at least one URL is set. */
	char *es_urls[CONFIG_MAX_ES_URLS];
	size_t n_es_urls;
	char *es_username;		/* basic auth, with es_password_file */
	char *es_password_file;
	char *es_api_key_file;		/* "id:key" or its base64 form */
	char *es_ca_file;
	bool es_verify;			/* TLS peer and host name checks */
	bool es_gzip;			/* compress _bulk bodies */
	unsigned es_batch_events;
	uint64_t es_batch_bytes;
	unsigned es_flush_seconds;
	char *es_spool_dir;
	uint64_t es_spool_max_bytes;
	uint64_t es_dead_letter_max_bytes;
	char *cloudwatch_emf_file;	/* EMF lines: a path, "-" for stdout, "" off */
	unsigned cloudwatch_interval_seconds;
	char *cloudwatch_namespace;	/* CloudWatch's namespace rules, checked */
	/* The exporter toolkit's web config (TLS, basic auth), "" for none. */
	char *web_config_file;
	bool healthz_without_auth;	/* /healthz answers without credentials */
	/* Keep the kernel's BPF run stats on: two clock reads per run of every BPF program. */
	bool bpf_run_stats;
};

/* Fill cfg with the defaults. Returns 0 or -ENOMEM. */
int config_init(struct pantau_config *cfg);

/*
 * Read a YAML file over the defaults already in cfg. On error returns a
 * negative errno and writes one sentence to err (file, line, the bad value
 * and what is allowed).
 */
int config_load_file(struct pantau_config *cfg, const char *path,
		     char *err, size_t err_len);
/* The same from a string; name is used in messages. */
int config_load_string(struct pantau_config *cfg, const char *yaml,
		       const char *name, char *err, size_t err_len);

/* Validate "ADDR:PORT" (IPv4, [IPv6] or host name). 0 or -EINVAL. */
int config_parse_listen(const char *value, char *host, size_t host_len,
			unsigned short *port);

/*
 * Replace the Elasticsearch URLs with url (what --es-url does). 0, -EINVAL
 * when url is not an http:// or https:// URL, or -ENOMEM.
 */
int config_set_es_url(struct pantau_config *cfg, const char *url);
/* Whether url is an Elasticsearch URL pantau accepts. */
bool config_es_url_ok(const char *url);

void config_free(struct pantau_config *cfg);

/*
 * Move a string list (such as request_routes) from one config to another:
 * to's strings are freed, from is left empty. For a reload.
 */
void config_move_strings(char **to, size_t *n_to, char **from, size_t *n_from);
/*
 * Take b's Elasticsearch connection keys (urls, credentials, ca_file,
 * verify, gzip, flush_seconds), or its CloudWatch namespace and interval,
 * into a, a's strings going to b (a reload's config, then freed).
 */
void config_swap_es_connection(struct pantau_config *a, struct pantau_config *b);
void config_swap_cloudwatch(struct pantau_config *a, struct pantau_config *b);
/* Exchange the service and peer rules of two configs (a reload's, then freed). */
void config_swap_rules(struct pantau_config *a, struct pantau_config *b);

#endif
