// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The configuration file: libyaml builds a node tree, and a small walker
 * checks it against the tables below. Keeping the schema in tables means
 * the key lists in error messages can never disagree with what is accepted.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>
#include "config.h"
#include "lib/yaml_node.h"

/* Anything bigger is a wrong path (e.g. /dev/zero), not a config file. */
#define CONFIG_FILE_MAX (1024 * 1024)
#define RULE_NAME_MAX 128
#define PATTERN_MAX 4096
/* Longest value echoed back in a message; the rest is cut with "...". */
#define SHOWN_MAX 64
#define PATH_BUF 96

enum field_kind {
	F_SECTION,	/* nested mapping, described by .sub */
	F_WORD,		/* one of .words, stored as char * */
	F_LISTEN,	/* ADDR:PORT, stored as char * */
	F_UINT,		/* .umin..umax, stored as unsigned */
	F_BOOL,		/* true|false (YAML 1.2 core schema), stored as bool */
	F_REAL,		/* (0, .rmax], stored as double */
	F_NODE,		/* any scalar, stored as yaml_node_t * for the caller */
	F_PATH,		/* absolute path, "-" or "" (off), stored as char * */
	F_CGROUPS,	/* services.shared_cgroups */
	F_SKIP_CGROUPS,	/* requests.skip_cgroups */
	F_RULES,	/* services.rules */
	F_PEER_RULES,	/* peers.rules */
	F_ROUTES,	/* requests.routes */
	F_ES_URLS,	/* elasticsearch.urls */
	F_TEXT,		/* 1..umax bytes without control characters, as char * */
	F_FILE,		/* absolute path or "" (unset), stored as char * */
	F_BYTES,	/* umin..umax bytes, optional KiB|MiB|GiB suffix, as uint64_t */
	F_NAMESPACE,	/* a CloudWatch namespace, stored as char * */
};

struct field {
	const char *key;
	enum field_kind kind;
	size_t off;			/* of the value in the target struct */
	const struct field *sub;
	const char *const *words;
	unsigned long umin, umax;
	double rmax;
};

/* One rule as written, before it is checked as a whole. */
struct rule_in {
	yaml_node_t *cgroup;
	yaml_node_t *process;
	yaml_node_t *name;
};

struct loader {
	yaml_document_t *doc;
	yaml_node_t *es_node;		/* the elasticsearch section, for messages */
	struct pantau_config *cfg;
	const char *name;
	char *err;
	size_t err_len;
};

static const char *const log_levels[] = { "error", "warn", "info", "debug", NULL };
static const char *const languages[] = { "id", "en", NULL };

#define CFG(member) offsetof(struct pantau_config, member)

static const struct field service_fields[] = {
	{ .key = "max", .kind = F_UINT, .off = CFG(services_max),
	  .umin = 1, .umax = 100000 },
	{ .key = "short_lived_seconds", .kind = F_UINT,
	  .off = CFG(short_lived_seconds), .umin = 0, .umax = 86400 },
	{ .key = "shared_cgroups", .kind = F_CGROUPS },
	{ .key = "rules", .kind = F_RULES },
	{ }
};

static const struct field threshold_fields[] = {
	{ .key = "cpu_busy_ratio", .kind = F_REAL,
	  .off = CFG(thresholds_cpu_busy_ratio), .rmax = 1 },
	{ .key = "memory_busy_ratio", .kind = F_REAL,
	  .off = CFG(thresholds_memory_busy_ratio), .rmax = 1 },
	{ .key = "error_ratio", .kind = F_REAL,
	  .off = CFG(thresholds_error_ratio), .rmax = 1 },
	{ .key = "latency_p95_seconds", .kind = F_REAL,
	  .off = CFG(thresholds_latency_p95_seconds), .rmax = 3600 },
	{ .key = "min_requests_per_second", .kind = F_REAL,
	  .off = CFG(thresholds_min_requests_per_second), .rmax = 10000 },
	{ .key = "filesystem_full_ratio", .kind = F_REAL,
	  .off = CFG(thresholds_filesystem_full_ratio), .rmax = 1 },
	{ }
};

static const struct field event_fields[] = {
	{ .key = "file", .kind = F_PATH, .off = CFG(events_file) },
	{ .key = "per_service_per_second", .kind = F_UINT,
	  .off = CFG(events_per_service_per_second), .umin = 1, .umax = 1000000 },
	{ .key = "rotate_mib", .kind = F_UINT, .off = CFG(events_rotate_mib),
	  .umin = 1, .umax = 1048576 },
	{ .key = "keep", .kind = F_UINT, .off = CFG(events_keep), .umin = 0, .umax = 1000 },
	{ }
};

static const struct field peer_fields[] = {
	{ .key = "max", .kind = F_UINT, .off = CFG(peers_max), .umin = 1, .umax = 100000 },
	{ .key = "rules", .kind = F_PEER_RULES },
	{ }
};

/* One peer rule as written: exactly one of host, cidr, address, plus name. */
struct peer_rule_in {
	yaml_node_t *host;
	yaml_node_t *cidr;
	yaml_node_t *address;
	yaml_node_t *name;
};

static const struct field peer_rule_fields[] = {
	{ .key = "host", .kind = F_NODE, .off = offsetof(struct peer_rule_in, host) },
	{ .key = "cidr", .kind = F_NODE, .off = offsetof(struct peer_rule_in, cidr) },
	{ .key = "address", .kind = F_NODE, .off = offsetof(struct peer_rule_in, address) },
	{ .key = "name", .kind = F_NODE, .off = offsetof(struct peer_rule_in, name) },
	{ }
};

static const struct field request_fields[] = {
	{ .key = "http", .kind = F_BOOL, .off = CFG(requests_http) },
	{ .key = "tls", .kind = F_BOOL, .off = CFG(requests_tls) },
	{ .key = "routes", .kind = F_ROUTES },
	{ .key = "skip_cgroups", .kind = F_SKIP_CGROUPS },
	{ }
};

static const struct field es_spool_fields[] = {
	{ .key = "dir", .kind = F_FILE, .off = CFG(es_spool_dir) },
	/* Below 1 MiB a single large batch would not fit. */
	{ .key = "max_bytes", .kind = F_BYTES, .off = CFG(es_spool_max_bytes),
	  .umin = 1UL << 20, .umax = 1UL << 40 },
	{ }
};

static const struct field es_fields[] = {
	{ .key = "urls", .kind = F_ES_URLS },
	{ .key = "username", .kind = F_TEXT, .off = CFG(es_username), .umax = 256 },
	{ .key = "password_file", .kind = F_FILE, .off = CFG(es_password_file) },
	{ .key = "api_key_file", .kind = F_FILE, .off = CFG(es_api_key_file) },
	{ .key = "ca_file", .kind = F_FILE, .off = CFG(es_ca_file) },
	{ .key = "verify", .kind = F_BOOL, .off = CFG(es_verify) },
	{ .key = "gzip", .kind = F_BOOL, .off = CFG(es_gzip) },
	{ .key = "batch_events", .kind = F_UINT, .off = CFG(es_batch_events),
	  .umin = 1, .umax = 100000 },
	/* Elasticsearch refuses requests above http.max_content_length (100 MiB). */
	{ .key = "batch_bytes", .kind = F_BYTES, .off = CFG(es_batch_bytes),
	  .umin = 1024, .umax = 100UL << 20 },
	{ .key = "flush_seconds", .kind = F_UINT, .off = CFG(es_flush_seconds),
	  .umin = 1, .umax = 3600 },
	{ .key = "dead_letter_max_bytes", .kind = F_BYTES, .off = CFG(es_dead_letter_max_bytes),
	  .umin = 1024, .umax = 1UL << 40 },
	{ .key = "spool", .kind = F_SECTION, .sub = es_spool_fields },
	{ }
};

static const struct field cloudwatch_fields[] = {
	{ .key = "emf_file", .kind = F_PATH, .off = CFG(cloudwatch_emf_file) },
	/* Up to an hour: a longer gap reads as "pantau silent" to the alarms. */
	{ .key = "interval_seconds", .kind = F_UINT,
	  .off = CFG(cloudwatch_interval_seconds), .umin = 1, .umax = 3600 },
	{ .key = "namespace", .kind = F_NAMESPACE, .off = CFG(cloudwatch_namespace) },
	{ }
};

static const struct field root_fields[] = {
	{ .key = "listen", .kind = F_LISTEN, .off = CFG(listen) },
	{ .key = "log_level", .kind = F_WORD, .off = CFG(log_level),
	  .words = log_levels },
	{ .key = "language", .kind = F_WORD, .off = CFG(language),
	  .words = languages },
	{ .key = "services", .kind = F_SECTION, .sub = service_fields },
	{ .key = "thresholds", .kind = F_SECTION, .sub = threshold_fields },
	{ .key = "events", .kind = F_SECTION, .sub = event_fields },
	{ .key = "requests", .kind = F_SECTION, .sub = request_fields },
	{ .key = "peers", .kind = F_SECTION, .sub = peer_fields },
	{ .key = "elasticsearch", .kind = F_SECTION, .sub = es_fields },
	{ .key = "cloudwatch", .kind = F_SECTION, .sub = cloudwatch_fields },
	{ .key = "web_config_file", .kind = F_FILE, .off = CFG(web_config_file) },
	{ .key = "healthz_without_auth", .kind = F_BOOL, .off = CFG(healthz_without_auth) },
	{ .key = "bpf_run_stats", .kind = F_BOOL, .off = CFG(bpf_run_stats) },
	{ }
};

/*
 * The string members besides those above with their own copy/free code:
 * "" by default (the spool directory aside), copied and freed as a list.
 */
static const size_t plain_strings[] = {
	CFG(es_username), CFG(es_password_file), CFG(es_api_key_file),
	CFG(es_ca_file), CFG(es_spool_dir), CFG(web_config_file),
};
#define N_PLAIN_STRINGS (sizeof(plain_strings) / sizeof(plain_strings[0]))

static char **cfg_string(struct pantau_config *cfg, size_t off)
{
	return (char **)((char *)cfg + off);
}

static const struct field rule_fields[] = {
	{ .key = "cgroup", .kind = F_NODE, .off = offsetof(struct rule_in, cgroup) },
	{ .key = "process", .kind = F_NODE, .off = offsetof(struct rule_in, process) },
	{ .key = "name", .kind = F_NODE, .off = offsetof(struct rule_in, name) },
	{ }
};

/* Writes one sentence; a cut-off message is still better than none. */
static void set_err(char *err, size_t err_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t err_len, const char *fmt, ...)
{
	va_list ap;

	if (!err || !err_len)
		return;
	va_start(ap, fmt);
	vsnprintf(err, err_len, fmt, ap);
	va_end(ap);
}

/*
 * Key paths such as "services.rules[3].name" only appear in messages, and
 * every real one fits; a cut one would still point the reader the right way.
 */
static void make_path(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void make_path(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

static int fail(struct loader *ld, const yaml_node_t *node, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct loader *ld, const yaml_node_t *node, const char *fmt, ...)
{
	char msg[CONFIG_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	set_err(ld->err, ld->err_len, "%s:%zu: %s", ld->name,
		node->start_mark.line + 1, msg);
	return -EINVAL;
}

static int no_memory(struct loader *ld)
{
	set_err(ld->err, ld->err_len, "%s: out of memory.", ld->name);
	return -ENOMEM;
}

static const char *type_name(yaml_node_type_t type)
{
	switch (type) {
	case YAML_SCALAR_NODE:
		return "a single value";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "empty";
	}
}

static int want_type(struct loader *ld, const yaml_node_t *node,
		     yaml_node_type_t type, const char *path)
{
	if (node->type == type)
		return 0;
	return fail(ld, node, "%s must be %s, not %s.", path, type_name(type),
		    type_name(node->type));
}

/* Embedded NULs ("\0" in double quotes) would silently cut a strdup copy. */
static int want_scalar(struct loader *ld, const yaml_node_t *node,
		       const char *path)
{
	int ret;

	ret = want_type(ld, node, YAML_SCALAR_NODE, path);
	if (ret)
		return ret;
	if (strlen(yaml_scalar(node)) != node->data.scalar.length)
		return fail(ld, node, "%s contains a NUL character.", path);
	return 0;
}

static int replace_string(struct loader *ld, char **slot, const char *value)
{
	return yaml_set_string(slot, value) ? 0 : no_memory(ld);
}

static int parse_word(struct loader *ld, const struct field *f, void *slot,
		      yaml_node_t *node, const char *path)
{
	char list[128] = "", buf[SHOWN_MAX];
	size_t used = 0;
	int ret;

	ret = want_scalar(ld, node, path);
	if (ret)
		return ret;
	for (size_t i = 0; f->words[i]; i++) {
		if (!strcmp(yaml_scalar(node), f->words[i]))
			return replace_string(ld, slot, f->words[i]);
		if (used < sizeof(list))
			used += snprintf(list + used, sizeof(list) - used, "%s%s",
					 i ? ", " : "", f->words[i]);
	}
	return fail(ld, node, "%s is '%s'; allowed values are %s.", path,
		    yaml_shown(node, buf, sizeof(buf)), list);
}

static int parse_listen(struct loader *ld, const struct field *f, void *slot,
			yaml_node_t *node, const char *path)
{
	char host[256], buf[SHOWN_MAX];
	unsigned short port;
	int ret;

	(void)f;
	ret = want_scalar(ld, node, path);
	if (ret)
		return ret;
	if (config_parse_listen(yaml_scalar(node), host, sizeof(host), &port))
		return fail(ld, node, "%s is '%s'; it must be ADDR:PORT, e.g. %s.",
			    path, yaml_shown(node, buf, sizeof(buf)),
			    CONFIG_DEFAULT_LISTEN);
	return replace_string(ld, slot, yaml_scalar(node));
}

static int parse_path(struct loader *ld, const struct field *f, void *slot,
		      yaml_node_t *node, const char *path)
{
	char buf[SHOWN_MAX];
	const char *v;
	int ret;

	(void)f;
	/* "file:" and "file: ''" both turn the sink off. */
	if (yaml_is_null(node))
		return replace_string(ld, slot, "");
	ret = want_scalar(ld, node, path);
	if (ret)
		return ret;
	v = yaml_scalar(node);
	if (v[0] == '\0')	/* a quoted empty string */
		return replace_string(ld, slot, "");
	if (strcmp(v, "-") != 0 && (v[0] != '/' || strlen(v) >= PATTERN_MAX))
		return fail(ld, node, "%s is '%s'; it must be an absolute path, '-' for "
			    "standard output, or empty for off.", path,
			    yaml_shown(node, buf, sizeof(buf)));
	return replace_string(ld, slot, v);
}

/*
 * CloudWatch's rules for a namespace: 1 to 255 ASCII characters from
 * letters, digits and . - _ / # : space, not only blanks, and not AWS/
 * (reserved for AWS's own services). PutLogEvents would take anything; the
 * agent would then drop every metric of the line without a word to pantau.
 */
static bool namespace_ok(const char *s, size_t len)
{
	bool blank = true;

	if (!len || len > CONFIG_NAMESPACE_MAX || !strncmp(s, "AWS/", 4))
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || strchr(".-_/#: ", c)))
			return false;
		if (c != ' ')
			blank = false;
	}
	return !blank;
}

static int parse_namespace(struct loader *ld, void *slot, yaml_node_t *node,
			   const char *path)
{
	char buf[SHOWN_MAX];
	int ret;

	ret = want_scalar(ld, node, path);
	if (ret)
		return ret;
	if (!namespace_ok(yaml_scalar(node), node->data.scalar.length))
		return fail(ld, node, "%s is '%s'; a CloudWatch namespace is 1 to %d characters "
			    "from letters, digits, space and . - _ / # :, and does not start with AWS/.",
			    path, yaml_shown(node, buf, sizeof(buf)), CONFIG_NAMESPACE_MAX);
	return replace_string(ld, slot, yaml_scalar(node));
}

/* strto* skip blanks and take signs, so only a leading digit is accepted. */
static int parse_uint(struct loader *ld, const struct field *f, void *slot,
		      yaml_node_t *node, const char *path)
{
	char buf[SHOWN_MAX], *end;
	unsigned long v = 0;
	const char *s;
	bool ok;
	int ret;

	ret = want_scalar(ld, node, path);
	if (ret)
		return ret;
	s = yaml_scalar(node);
	ok = *s >= '0' && *s <= '9';
	if (ok) {
		errno = 0;
		v = strtoul(s, &end, 10);
		ok = !*end && !errno && v >= f->umin && v <= f->umax;
	}
	if (!ok)
		return fail(ld, node,
			    "%s is '%s'; it must be a whole number from %lu to %lu.",
			    path, yaml_shown(node, buf, sizeof(buf)), f->umin, f->umax);
	*(unsigned *)slot = (unsigned)v;
	return 0;
}

static int parse_bool(struct loader *ld, void *slot, yaml_node_t *node, const char *path)
{
	char buf[SHOWN_MAX];
	const char *s;
	int ret;

	ret = want_scalar(ld, node, path);
	if (ret)
		return ret;
	s = yaml_scalar(node);
	if (strcmp(s, "true") == 0 || strcmp(s, "false") == 0) {
		*(bool *)slot = s[0] == 't';
		return 0;
	}
	return fail(ld, node, "%s is '%s'; it must be true or false.",
		    path, yaml_shown(node, buf, sizeof(buf)));
}

/*
 * YAML numbers use '.', whatever locale the daemon runs in (an Indonesian
 * one would make plain strtod() want ','), hence strtod_l() in "C".
 */
static int parse_real(struct loader *ld, const struct field *f, void *slot,
		      yaml_node_t *node, const char *path)
{
	char buf[SHOWN_MAX], *end = NULL;
	locale_t c_locale;
	const char *s;
	double v = 0;
	bool ok;
	int ret;

	ret = want_scalar(ld, node, path);
	if (ret)
		return ret;
	s = yaml_scalar(node);
	/* strtod would also take hex floats, which no one means here. */
	ok = ((*s >= '0' && *s <= '9') || *s == '.') && !strpbrk(s, "xX");
	if (ok) {
		c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
		if (!c_locale)
			return no_memory(ld);
		errno = 0;
		v = strtod_l(s, &end, c_locale);
		freelocale(c_locale);
		ok = end != s && !*end && !errno && isfinite(v) && v > 0 &&
		     v <= f->rmax;
	}
	if (!ok)
		return fail(ld, node,
			    "%s is '%s'; it must be a number above 0 and at most %g.",
			    path, yaml_shown(node, buf, sizeof(buf)), f->rmax);
	*(double *)slot = v;
	return 0;
}

static int check_text(struct loader *ld, const yaml_node_t *node,
		      const char *path, const char *what, size_t max)
{
	char buf[SHOWN_MAX];
	size_t len = node->data.scalar.length;

	if (len && len <= max && !yaml_has_control(yaml_scalar(node), len))
		return 0;
	return fail(ld, node,
		    "%s is '%s'; %s must be 1 to %zu bytes without control characters.",
		    path, yaml_shown(node, buf, sizeof(buf)), what, max);
}

static int check_cgroup(struct loader *ld, const yaml_node_t *node,
			const char *path)
{
	char buf[SHOWN_MAX];
	int ret;

	ret = check_text(ld, node, path, "a cgroup pattern", PATTERN_MAX);
	if (ret)
		return ret;
	if (yaml_scalar(node)[0] != '/')
		return fail(ld, node,
			    "%s is '%s'; a cgroup pattern must start with '/', e.g. /system.slice/*.service.",
			    path, yaml_shown(node, buf, sizeof(buf)));
	return 0;
}

static void free_strings(char **list, size_t *n)
{
	for (size_t i = 0; i < *n; i++) {
		free(list[i]);
		list[i] = NULL;
	}
	*n = 0;
}

void config_move_strings(char **to, size_t *n_to, char **from, size_t *n_from)
{
	free_strings(to, n_to);
	for (size_t i = 0; i < *n_from; i++) {
		to[i] = from[i];
		from[i] = NULL;
	}
	*n_to = *n_from;
	*n_from = 0;
}

static void swap_string(char **a, char **b)
{
	char *t = *a;

	*a = *b;
	*b = t;
}

void config_swap_es_connection(struct pantau_config *a, struct pantau_config *b)
{
	char *urls[CONFIG_MAX_ES_URLS];
	size_t n;

	memcpy(urls, a->es_urls, sizeof(urls));
	memcpy(a->es_urls, b->es_urls, sizeof(urls));
	memcpy(b->es_urls, urls, sizeof(urls));
	n = a->n_es_urls, a->n_es_urls = b->n_es_urls, b->n_es_urls = n;
	swap_string(&a->es_username, &b->es_username);
	swap_string(&a->es_password_file, &b->es_password_file);
	swap_string(&a->es_api_key_file, &b->es_api_key_file);
	swap_string(&a->es_ca_file, &b->es_ca_file);
	a->es_verify = b->es_verify;
	a->es_gzip = b->es_gzip;
	a->es_flush_seconds = b->es_flush_seconds;
}

void config_swap_cloudwatch(struct pantau_config *a, struct pantau_config *b)
{
	swap_string(&a->cloudwatch_namespace, &b->cloudwatch_namespace);
	a->cloudwatch_interval_seconds = b->cloudwatch_interval_seconds;
}

void config_swap_rules(struct pantau_config *a, struct pantau_config *b)
{
	struct service_rule rules[CONFIG_MAX_RULES];
	struct peer_rule peer_rules[CONFIG_MAX_RULES];
	size_t n;

	memcpy(rules, a->rules, sizeof(rules));
	memcpy(a->rules, b->rules, sizeof(rules));
	memcpy(b->rules, rules, sizeof(rules));
	n = a->n_rules, a->n_rules = b->n_rules, b->n_rules = n;
	memcpy(peer_rules, a->peer_rules, sizeof(peer_rules));
	memcpy(a->peer_rules, b->peer_rules, sizeof(peer_rules));
	memcpy(b->peer_rules, peer_rules, sizeof(peer_rules));
	n = a->n_peer_rules, a->n_peer_rules = b->n_peer_rules, b->n_peer_rules = n;
}

/* copy may be a failed strdup(): callers pass it straight in. */
static int append_string(struct loader *ld, char **list, size_t *n, char *copy)
{
	if (!copy)
		return no_memory(ld);
	list[(*n)++] = copy;
	return 0;
}

static void free_shared(struct pantau_config *cfg)
{
	free_strings(cfg->shared_cgroups, &cfg->n_shared_cgroups);
}

static void free_skip(struct pantau_config *cfg)
{
	free_strings(cfg->skip_cgroups, &cfg->n_skip_cgroups);
}

static void free_routes(struct pantau_config *cfg)
{
	free_strings(cfg->request_routes, &cfg->n_request_routes);
}

static void free_rules(struct pantau_config *cfg)
{
	for (size_t i = 0; i < cfg->n_rules; i++) {
		free(cfg->rules[i].pattern);
		free(cfg->rules[i].name);
		cfg->rules[i].pattern = NULL;
		cfg->rules[i].name = NULL;
	}
	cfg->n_rules = 0;
}

static void free_peer_rules(struct pantau_config *cfg)
{
	for (size_t i = 0; i < cfg->n_peer_rules; i++) {
		free(cfg->peer_rules[i].pattern);
		free(cfg->peer_rules[i].name);
		cfg->peer_rules[i].pattern = NULL;
		cfg->peer_rules[i].name = NULL;
	}
	cfg->n_peer_rules = 0;
}

static int too_many(struct loader *ld, const yaml_node_t *node,
		    const char *path, size_t max)
{
	size_t n = node->data.sequence.items.top - node->data.sequence.items.start;

	if (n <= max)
		return 0;
	return fail(ld, node, "%s has %zu entries; at most %zu are allowed.",
		    path, n, max);
}

/* A sequence node of at most max items. */
static int want_sequence(struct loader *ld, yaml_node_t *node, const char *path,
			 size_t max)
{
	int ret = want_type(ld, node, YAML_SEQUENCE_NODE, path);

	return ret ? ret : too_many(ld, node, path, max);
}

/*
 * A given list replaces the old one as a whole; item parses one entry
 * and counts it in *count, at most max entries.
 */
static int parse_list(struct loader *ld, yaml_node_t *node, const char *path, size_t max,
		      void (*clear)(struct pantau_config *cfg), const size_t *count,
		      int (*item)(struct loader *ld, yaml_node_t *node, const char *path))
{
	char item_path[PATH_BUF];
	yaml_node_item_t *it;
	int ret;

	ret = want_sequence(ld, node, path, max);
	if (ret)
		return ret;
	clear(ld->cfg);
	for (it = node->data.sequence.items.start;
	     it < node->data.sequence.items.top; it++) {
		make_path(item_path, sizeof(item_path), "%s[%zu]", path, *count);
		ret = item(ld, yaml_document_get_node(ld->doc, *it), item_path);
		if (ret)
			return ret;
	}
	return 0;
}

/* One cgroup glob of a list, checked and appended to list. */
static int append_cgroup(struct loader *ld, yaml_node_t *item, const char *path,
			 char **list, size_t *n)
{
	int ret;

	ret = want_scalar(ld, item, path);
	if (ret)
		return ret;
	ret = check_cgroup(ld, item, path);
	if (ret)
		return ret;
	return append_string(ld, list, n, strdup(yaml_scalar(item)));
}

static int parse_cgroup_item(struct loader *ld, yaml_node_t *item, const char *path)
{
	return append_cgroup(ld, item, path, ld->cfg->shared_cgroups, &ld->cfg->n_shared_cgroups);
}

static int parse_skip_cgroup_item(struct loader *ld, yaml_node_t *item, const char *path)
{
	return append_cgroup(ld, item, path, ld->cfg->skip_cgroups, &ld->cfg->n_skip_cgroups);
}

/*
 * A given list replaces the default instead of adding to it, so a host
 * with systemd can stop treating the root cgroup as shared. The old list is
 * dropped before the new one is filled; on error the whole copy being
 * loaded is thrown away, so a half-filled list is never seen.
 */
static int parse_cgroups(struct loader *ld, yaml_node_t *node, const char *path)
{
	return parse_list(ld, node, path, CONFIG_MAX_SHARED, free_shared,
			  &ld->cfg->n_shared_cgroups, parse_cgroup_item);
}

static int parse_skip_cgroups(struct loader *ld, yaml_node_t *node, const char *path)
{
	return parse_list(ld, node, path, CONFIG_MAX_SHARED, free_skip,
			  &ld->cfg->n_skip_cgroups, parse_skip_cgroup_item);
}

static int walk_map(struct loader *ld, yaml_node_t *node,
		    const struct field *fields, const char *path, void *base);

static int parse_rule(struct loader *ld, yaml_node_t *node, const char *path)
{
	struct service_rule *rule = &ld->cfg->rules[ld->cfg->n_rules];
	char name_path[PATH_BUF];
	struct rule_in in = { 0 };
	yaml_node_t *pattern;
	int ret;

	ret = want_type(ld, node, YAML_MAPPING_NODE, path);
	if (ret)
		return ret;
	ret = walk_map(ld, node, rule_fields, path, &in);
	if (ret)
		return ret;
	if (in.cgroup && in.process)
		return fail(ld, in.process,
			    "%s has both cgroup and process; a rule must have exactly one of them, plus name.",
			    path);
	if (!in.cgroup && !in.process)
		return fail(ld, node,
			    "%s has neither cgroup nor process; a rule must have exactly one of them, plus name.",
			    path);
	if (!in.name)
		return fail(ld, node,
			    "%s has no name; a rule must have cgroup or process, plus name.",
			    path);
	pattern = in.cgroup ? in.cgroup : in.process;
	make_path(name_path, sizeof(name_path), "%s.%s", path,
		 in.cgroup ? "cgroup" : "process");
	ret = in.cgroup ? check_cgroup(ld, pattern, name_path) :
		check_text(ld, pattern, name_path, "a process pattern", PATTERN_MAX);
	if (ret)
		return ret;
	make_path(name_path, sizeof(name_path), "%s.name", path);
	ret = check_text(ld, in.name, name_path, "a service name", RULE_NAME_MAX);
	if (ret)
		return ret;

	rule->kind = in.cgroup ? RULE_CGROUP : RULE_PROCESS;
	rule->pattern = strdup(yaml_scalar(pattern));
	rule->name = strdup(yaml_scalar(in.name));
	/* Counted even when a strdup failed, so free_rules() sees both. */
	ld->cfg->n_rules++;
	if (!rule->pattern || !rule->name)
		return no_memory(ld);
	return 0;
}

static int parse_rules(struct loader *ld, yaml_node_t *node, const char *path)
{
	return parse_list(ld, node, path, CONFIG_MAX_RULES, free_rules, &ld->cfg->n_rules, parse_rule);
}

static int parse_peer_rule(struct loader *ld, yaml_node_t *node, const char *path)
{
	struct peer_rule *rule = &ld->cfg->peer_rules[ld->cfg->n_peer_rules];
	char key_path[PATH_BUF], buf[SHOWN_MAX];
	struct peer_rule_in in = { 0 };
	enum peer_rule_kind kind;
	struct peer_match m;
	yaml_node_t *pattern;
	const char *key;
	int ret, n;

	ret = want_type(ld, node, YAML_MAPPING_NODE, path);
	if (ret)
		return ret;
	ret = walk_map(ld, node, peer_rule_fields, path, &in);
	if (ret)
		return ret;
	n = !!in.host + !!in.cidr + !!in.address;
	if (n != 1 || !in.name)
		return fail(ld, node,
			    "%s must have exactly one of host, cidr or address, plus name.", path);
	if (in.host) {
		kind = PEER_RULE_HOST, pattern = in.host, key = "host";
	} else if (in.cidr) {
		kind = PEER_RULE_CIDR, pattern = in.cidr, key = "cidr";
	} else {
		kind = PEER_RULE_ADDRESS, pattern = in.address, key = "address";
	}
	make_path(key_path, sizeof(key_path), "%s.%s", path, key);
	ret = check_text(ld, pattern, key_path, "a peer pattern", PATTERN_MAX);
	if (ret)
		return ret;
	if (kind != PEER_RULE_HOST && peer_match_parse(kind, yaml_scalar(pattern), &m))
		return fail(ld, pattern, kind == PEER_RULE_CIDR ?
			    "%s is '%s'; it must be an address with a prefix length, e.g. 10.20.0.0/16 or [fd00::]/8." :
			    "%s is '%s'; it must be an IP address, optionally with a port, e.g. 10.0.0.5:443 or [fd00::5]:443.",
			    key_path, yaml_shown(pattern, buf, sizeof(buf)));
	make_path(key_path, sizeof(key_path), "%s.name", path);
	ret = check_text(ld, in.name, key_path, "a peer name", RULE_NAME_MAX);
	if (ret)
		return ret;
	rule->kind = kind;
	rule->pattern = strdup(yaml_scalar(pattern));
	rule->name = strdup(yaml_scalar(in.name));
	/* Counted even when a strdup failed, so free_peer_rules() sees both. */
	ld->cfg->n_peer_rules++;
	if (!rule->pattern || !rule->name)
		return no_memory(ld);
	return 0;
}

/* A route: a path of literal and {name} segments, e.g. /orders/{id}/items. */
static int parse_route(struct loader *ld, yaml_node_t *node, const char *path)
{
	char buf[SHOWN_MAX];
	int ret;

	ret = want_scalar(ld, node, path);
	if (ret)
		return ret;
	ret = check_text(ld, node, path, "a route", PATTERN_MAX);
	if (ret)
		return ret;
	if (yaml_scalar(node)[0] != '/')
		return fail(ld, node, "%s is '%s'; a route starts with '/', e.g. /orders/{id}.",
			    path, yaml_shown(node, buf, sizeof(buf)));
	return append_string(ld, ld->cfg->request_routes, &ld->cfg->n_request_routes,
			     strdup(yaml_scalar(node)));
}

static int parse_routes(struct loader *ld, yaml_node_t *node, const char *path)
{
	return parse_list(ld, node, path, CONFIG_MAX_RULES, free_routes, &ld->cfg->n_request_routes, parse_route);
}

static int parse_peer_rules(struct loader *ld, yaml_node_t *node, const char *path)
{
	return parse_list(ld, node, path, CONFIG_MAX_RULES, free_peer_rules, &ld->cfg->n_peer_rules,
			  parse_peer_rule);
}

static void free_es_urls(struct pantau_config *cfg)
{
	free_strings(cfg->es_urls, &cfg->n_es_urls);
}

bool config_es_url_ok(const char *url)
{
	const char *host;
	size_t len;

	if (!url)
		return false;
	len = strlen(url);
	if (!strncmp(url, "http://", 7))
		host = url + 7;
	else if (!strncmp(url, "https://", 8))
		host = url + 8;
	else
		return false;
	if (len >= CONFIG_ES_URL_MAX || !*host || *host == '/' || *host == ':')
		return false;
	/* A blank or a quote would end the URL early in a log line or header. */
	for (const char *c = url; *c; c++)
		if ((unsigned char)*c <= 0x20 || *c == 0x7f || *c == '"')
			return false;
	return true;
}

/* Without its trailing '/': paths such as "/_bulk" are appended. */
static char *es_url_copy(const char *url)
{
	char *copy = strdup(url);
	size_t len;

	if (!copy)
		return NULL;
	len = strlen(copy);
	while (len > 8 && copy[len - 1] == '/')
		copy[--len] = '\0';
	return copy;
}

int config_set_es_url(struct pantau_config *cfg, const char *url)
{
	char *copy;

	if (!config_es_url_ok(url))
		return -EINVAL;
	copy = es_url_copy(url);
	if (!copy)
		return -ENOMEM;
	free_es_urls(cfg);
	cfg->es_urls[0] = copy;
	cfg->n_es_urls = 1;
	return 0;
}

static int parse_es_url(struct loader *ld, yaml_node_t *item, const char *path)
{
	struct pantau_config *cfg = ld->cfg;
	char buf[SHOWN_MAX];
	int ret;

	ret = want_scalar(ld, item, path);
	if (ret)
		return ret;
	if (!config_es_url_ok(yaml_scalar(item)))
		return fail(ld, item, "%s is '%s'; it must be an http:// or https:// URL "
			    "without blanks, e.g. https://es1:9200.", path,
			    yaml_shown(item, buf, sizeof(buf)));
	return append_string(ld, cfg->es_urls, &cfg->n_es_urls, es_url_copy(yaml_scalar(item)));
}

static int parse_es_urls(struct loader *ld, yaml_node_t *node, const char *path)
{
	return parse_list(ld, node, path, CONFIG_MAX_ES_URLS, free_es_urls, &ld->cfg->n_es_urls,
			  parse_es_url);
}

static int parse_text(struct loader *ld, const struct field *f, void *slot,
		      yaml_node_t *node, const char *path)
{
	int ret;

	ret = want_scalar(ld, node, path);
	if (ret)
		return ret;
	/* Empty unsets it, so a later file can drop what an earlier one set. */
	if (!node->data.scalar.length)
		return replace_string(ld, slot, "");
	ret = check_text(ld, node, path, "it", f->umax);
	if (ret)
		return ret;
	return replace_string(ld, slot, yaml_scalar(node));
}

static int parse_file(struct loader *ld, void *slot, yaml_node_t *node, const char *path)
{
	char buf[SHOWN_MAX];
	const char *v;
	int ret;

	if (yaml_is_null(node))
		return replace_string(ld, slot, "");
	ret = want_scalar(ld, node, path);
	if (ret)
		return ret;
	v = yaml_scalar(node);
	if (!*v)
		return replace_string(ld, slot, "");
	if (v[0] != '/' || strlen(v) >= PATTERN_MAX ||
	    yaml_has_control(v, node->data.scalar.length))
		return fail(ld, node, "%s is '%s'; it must be an absolute path.", path,
			    yaml_shown(node, buf, sizeof(buf)));
	return replace_string(ld, slot, v);
}

/* A whole number of bytes, or with a binary suffix: "5 MiB", "1GiB". */
static int parse_bytes(struct loader *ld, const struct field *f, void *slot,
		       yaml_node_t *node, const char *path)
{
	static const struct { const char *suffix; unsigned shift; } units[] = {
		{ "", 0 }, { "KiB", 10 }, { "MiB", 20 }, { "GiB", 30 }, { "TiB", 40 },
	};
	char buf[SHOWN_MAX], *end;
	unsigned long long v = 0;
	const char *s;
	bool ok = false;
	int ret;

	ret = want_scalar(ld, node, path);
	if (ret)
		return ret;
	s = yaml_scalar(node);
	if (*s >= '0' && *s <= '9') {
		errno = 0;
		v = strtoull(s, &end, 10);
		while (*end == ' ')
			end++;
		for (size_t i = 0; !errno && i < sizeof(units) / sizeof(units[0]); i++) {
			if (strcmp(end, units[i].suffix))
				continue;
			if (v > (ULLONG_MAX >> units[i].shift))
				break;
			v <<= units[i].shift;
			ok = v >= f->umin && v <= f->umax;
			break;
		}
	}
	if (!ok)
		return fail(ld, node,
			    "%s is '%s'; it must be a number of bytes from %lu to %lu, "
			    "optionally with KiB, MiB or GiB, e.g. 5 MiB.",
			    path, yaml_shown(node, buf, sizeof(buf)), f->umin, f->umax);
	*(uint64_t *)slot = v;
	return 0;
}

static int parse_node(struct loader *ld, void *slot, yaml_node_t *node,
		      const char *path)
{
	int ret;

	ret = want_scalar(ld, node, path);
	if (ret)
		return ret;
	*(yaml_node_t **)slot = node;
	return 0;
}

/* base is the struct the table's offsets are relative to. */
static int parse_value(struct loader *ld, const struct field *f,
		       yaml_node_t *node, const char *path, void *base)
{
	void *slot = (char *)base + f->off;

	switch (f->kind) {
	case F_SECTION:
		if (f->sub == es_fields)
			ld->es_node = node;
		return walk_map(ld, node, f->sub, path, base);
	case F_WORD:
		return parse_word(ld, f, slot, node, path);
	case F_LISTEN:
		return parse_listen(ld, f, slot, node, path);
	case F_UINT:
		return parse_uint(ld, f, slot, node, path);
	case F_BOOL:
		return parse_bool(ld, slot, node, path);
	case F_REAL:
		return parse_real(ld, f, slot, node, path);
	case F_NODE:
		return parse_node(ld, slot, node, path);
	case F_PATH:
		return parse_path(ld, f, slot, node, path);
	case F_CGROUPS:
		return parse_cgroups(ld, node, path);
	case F_SKIP_CGROUPS:
		return parse_skip_cgroups(ld, node, path);
	case F_RULES:
		return parse_rules(ld, node, path);
	case F_PEER_RULES:
		return parse_peer_rules(ld, node, path);
	case F_ROUTES:
		return parse_routes(ld, node, path);
	case F_ES_URLS:
		return parse_es_urls(ld, node, path);
	case F_TEXT:
		return parse_text(ld, f, slot, node, path);
	case F_FILE:
		return parse_file(ld, slot, node, path);
	case F_BYTES:
		return parse_bytes(ld, f, slot, node, path);
	case F_NAMESPACE:
		return parse_namespace(ld, slot, node, path);
	}
	return -EINVAL;
}

/* "under 'services'" or "at the top level", for key errors. */
static const char *where(char *buf, size_t len, const char *path)
{
	if (*path)
		make_path(buf, len, "under '%s'", path);
	else
		make_path(buf, len, "at the top level");
	return buf;
}

static int unknown_key(struct loader *ld, const yaml_node_t *key,
		       const struct field *fields, const char *path)
{
	char list[256] = "", buf[SHOWN_MAX], in[PATH_BUF + 16];
	size_t used = 0;

	for (size_t i = 0; fields[i].key && used < sizeof(list); i++)
		used += snprintf(list + used, sizeof(list) - used, "%s%s",
				 i ? ", " : "", fields[i].key);
	return fail(ld, key, "unknown key '%s' %s; allowed keys: %s.",
		    yaml_shown(key, buf, sizeof(buf)), where(in, sizeof(in), path),
		    list);
}

/*
 * Checks every key of one mapping against fields and hands each value to
 * its parser. libyaml keeps duplicate keys, so they are caught here.
 */
static int walk_map(struct loader *ld, yaml_node_t *node,
		    const struct field *fields, const char *path, void *base)
{
	yaml_node_pair_t *start = node->data.mapping.pairs.start, *pair;
	char key_path[PATH_BUF], in[PATH_BUF + 16];
	int ret;

	if (*path && yaml_is_null(node))
		return 0;
	ret = want_type(ld, node, YAML_MAPPING_NODE, *path ? path : "the top level");
	if (ret)
		return ret;
	for (pair = start; pair < node->data.mapping.pairs.top; pair++) {
		yaml_node_t *key = yaml_document_get_node(ld->doc, pair->key);
		yaml_node_t *value = yaml_document_get_node(ld->doc, pair->value);
		const struct field *f;

		if (key->type != YAML_SCALAR_NODE)
			return fail(ld, key, "%s has a key that is %s; keys must be plain words.",
				    *path ? path : "the top level",
				    type_name(key->type));
		for (f = fields; f->key && strcmp(f->key, yaml_scalar(key)); f++)
			;
		if (!f->key)
			return unknown_key(ld, key, fields, path);
		for (yaml_node_pair_t *p = start; p < pair; p++) {
			yaml_node_t *prev = yaml_document_get_node(ld->doc, p->key);

			if (!strcmp(yaml_scalar(prev), f->key))
				return fail(ld, key,
					    "duplicate key '%s' %s; it was first set on line %zu.",
					    f->key, where(in, sizeof(in), path),
					    prev->start_mark.line + 1);
		}
		make_path(key_path, sizeof(key_path), "%s%s%s", path,
			 *path ? "." : "", f->key);
		ret = parse_value(ld, f, value, key_path, base);
		if (ret)
			return ret;
	}
	return 0;
}

static int yaml_failed(struct loader *ld, const yaml_parser_t *parser)
{
	/*
	 * Some of libyaml's loader paths fail on a failed allocation without
	 * recording any error, so "no error" means out of memory too.
	 */
	if (parser->error == YAML_MEMORY_ERROR || parser->error == YAML_NO_ERROR)
		return no_memory(ld);
	if (parser->error == YAML_READER_ERROR) {
		set_err(ld->err, ld->err_len,
			"%s: YAML syntax error: %s at byte %zu.", ld->name,
			parser->problem ? parser->problem : "unreadable input",
			parser->problem_offset);
		return -EINVAL;
	}
	if (parser->context)
		set_err(ld->err, ld->err_len,
			"%s:%zu: YAML syntax error: %s (%s on line %zu).",
			ld->name, parser->problem_mark.line + 1,
			parser->problem ? parser->problem : "unknown problem",
			parser->context, parser->context_mark.line + 1);
	else
		set_err(ld->err, ld->err_len, "%s:%zu: YAML syntax error: %s.",
			ld->name, parser->problem_mark.line + 1,
			parser->problem ? parser->problem : "unknown problem");
	return -EINVAL;
}

/* Keys that only make sense together, checked once the whole file is read. */
static int check_es(struct loader *ld)
{
	const struct pantau_config *cfg = ld->cfg;
	bool user = cfg->es_username && *cfg->es_username;
	bool password = cfg->es_password_file && *cfg->es_password_file;
	bool api_key = cfg->es_api_key_file && *cfg->es_api_key_file;

	if (!ld->es_node)
		return 0;
	if (user != password)
		return fail(ld, ld->es_node, "elasticsearch has %s without %s; basic auth needs "
			    "both username and password_file.",
			    user ? "username" : "password_file",
			    user ? "password_file" : "username");
	if (user && api_key)
		return fail(ld, ld->es_node, "elasticsearch has both username and api_key_file; "
			    "use one way to log in.");
	if (cfg->es_batch_bytes > cfg->es_spool_max_bytes / 2)
		return fail(ld, ld->es_node, "elasticsearch.batch_bytes (%llu) must be at most half "
			    "of elasticsearch.spool.max_bytes (%llu).",
			    (unsigned long long)cfg->es_batch_bytes,
			    (unsigned long long)cfg->es_spool_max_bytes);
	return 0;
}

static int load_document(struct loader *ld, const char *buf, size_t len)
{
	yaml_document_t doc, extra;
	bool have_doc = false;
	yaml_parser_t parser;
	yaml_node_t *root, *more;
	int ret;

	if (!yaml_parser_initialize(&parser))
		return no_memory(ld);
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &doc)) {
		ret = yaml_failed(ld, &parser);
		goto out;
	}
	have_doc = true;
	ld->doc = &doc;
	/* A second document would be ignored silently; better to say so. */
	if (!yaml_parser_load(&parser, &extra)) {
		ret = yaml_failed(ld, &parser);
		goto out;
	}
	more = yaml_document_get_root_node(&extra);
	ret = more ? fail(ld, more,
			  "a second YAML document starts here; pantau reads only one.") : 0;
	yaml_document_delete(&extra);
	if (ret)
		goto out;

	root = yaml_document_get_root_node(&doc);
	/* An empty file, only comments, or a bare "---" keeps the defaults. */
	if (!root || yaml_is_null(root))
		goto out;
	ret = walk_map(ld, root, root_fields, "", ld->cfg);
	if (!ret)
		ret = check_es(ld);
out:
	if (have_doc)
		yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	ld->doc = NULL;
	return ret;
}

/* Copy a list of strings; *n_dst counts what was copied, for the caller's cleanup. */
static int copy_strings(char **dst, size_t *n_dst, char *const *src, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		dst[i] = strdup(src[i]);
		if (!dst[i])
			return -ENOMEM;
		(*n_dst)++;
	}
	return 0;
}

static int copy_config(struct pantau_config *dst, const struct pantau_config *src)
{
	*dst = *src;
	dst->listen = dst->log_level = dst->language = dst->events_file = NULL;
	dst->cloudwatch_emf_file = dst->cloudwatch_namespace = NULL;
	dst->n_shared_cgroups = dst->n_rules = dst->n_peer_rules = dst->n_request_routes = 0;
	dst->n_skip_cgroups = 0;
	memset(dst->request_routes, 0, sizeof(dst->request_routes));
	memset(dst->shared_cgroups, 0, sizeof(dst->shared_cgroups));
	memset(dst->skip_cgroups, 0, sizeof(dst->skip_cgroups));
	memset(dst->rules, 0, sizeof(dst->rules));
	memset(dst->peer_rules, 0, sizeof(dst->peer_rules));
	dst->n_es_urls = 0;
	memset(dst->es_urls, 0, sizeof(dst->es_urls));
	for (size_t i = 0; i < N_PLAIN_STRINGS; i++)
		*cfg_string(dst, plain_strings[i]) = NULL;

	if ((src->listen && !(dst->listen = strdup(src->listen))) ||
	    (src->log_level && !(dst->log_level = strdup(src->log_level))) ||
	    (src->language && !(dst->language = strdup(src->language))) ||
	    (src->events_file && !(dst->events_file = strdup(src->events_file))) ||
	    (src->cloudwatch_emf_file &&
	     !(dst->cloudwatch_emf_file = strdup(src->cloudwatch_emf_file))) ||
	    (src->cloudwatch_namespace &&
	     !(dst->cloudwatch_namespace = strdup(src->cloudwatch_namespace))))
		goto nomem;
	for (size_t i = 0; i < N_PLAIN_STRINGS; i++) {
		const char *v = *cfg_string((struct pantau_config *)src, plain_strings[i]);

		if (v && !(*cfg_string(dst, plain_strings[i]) = strdup(v)))
			goto nomem;
	}
	if (copy_strings(dst->es_urls, &dst->n_es_urls, src->es_urls, src->n_es_urls) ||
	    copy_strings(dst->shared_cgroups, &dst->n_shared_cgroups, src->shared_cgroups,
			 src->n_shared_cgroups) ||
	    copy_strings(dst->skip_cgroups, &dst->n_skip_cgroups, src->skip_cgroups,
			 src->n_skip_cgroups) ||
	    copy_strings(dst->request_routes, &dst->n_request_routes, src->request_routes,
			 src->n_request_routes))
		goto nomem;
	for (size_t i = 0; i < src->n_rules; i++) {
		struct service_rule *r = &dst->rules[i];

		r->kind = src->rules[i].kind;
		r->pattern = strdup(src->rules[i].pattern);
		r->name = strdup(src->rules[i].name);
		dst->n_rules++;
		if (!r->pattern || !r->name)
			goto nomem;
	}
	for (size_t i = 0; i < src->n_peer_rules; i++) {
		struct peer_rule *r = &dst->peer_rules[i];

		r->kind = src->peer_rules[i].kind;
		r->pattern = strdup(src->peer_rules[i].pattern);
		r->name = strdup(src->peer_rules[i].name);
		dst->n_peer_rules++;
		if (!r->pattern || !r->name)
			goto nomem;
	}
	return 0;
nomem:
	config_free(dst);
	return -ENOMEM;
}

/*
 * Loads into a copy and swaps it in only on success, so a bad file leaves
 * cfg exactly as it was (what a reload on SIGHUP will need).
 */
static int load_buffer(struct pantau_config *cfg, const char *buf, size_t len,
		       const char *name, char *err, size_t err_len)
{
	struct loader ld = {
		.name = name ? name : "<string>",
		.err = err,
		.err_len = err_len,
	};
	struct pantau_config tmp;
	int ret;

	if (err && err_len)
		err[0] = '\0';
	if (copy_config(&tmp, cfg))
		return no_memory(&ld);
	ld.cfg = &tmp;
	ret = load_document(&ld, buf, len);
	if (ret) {
		config_free(&tmp);
		return ret;
	}
	config_free(cfg);
	*cfg = tmp;
	return 0;
}

int config_load_string(struct pantau_config *cfg, const char *yaml,
		       const char *name, char *err, size_t err_len)
{
	return load_buffer(cfg, yaml ? yaml : "", yaml ? strlen(yaml) : 0,
			   name, err, err_len);
}

/* Read by hand, not through libyaml's FILE reader, so errors keep errno. */
int config_load_file(struct pantau_config *cfg, const char *path,
		     char *err, size_t err_len)
{
	size_t len = 0, cap = 4096;
	char *buf = NULL, *grown;
	ssize_t n;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		set_err(err, err_len, "%s: cannot read: %s.", path, strerror(-ret));
		return ret;
	}
	buf = malloc(cap);
	if (!buf) {
		ret = -ENOMEM;
		set_err(err, err_len, "%s: out of memory.", path);
		goto out;
	}
	for (;;) {
		if (len == cap) {
			if (cap >= CONFIG_FILE_MAX) {
				ret = -EFBIG;
				set_err(err, err_len,
					"%s: cannot read: it is larger than %d KiB, too big for a config file.",
					path, CONFIG_FILE_MAX / 1024);
				goto out;
			}
			cap *= 2;
			grown = realloc(buf, cap);
			if (!grown) {
				ret = -ENOMEM;
				set_err(err, err_len, "%s: out of memory.", path);
				goto out;
			}
			buf = grown;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			set_err(err, err_len, "%s: cannot read: %s.", path,
				strerror(-ret));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	ret = load_buffer(cfg, buf, len, path, err, err_len);
out:
	free(buf);
	close(fd);
	return ret;
}

/* Host names as getaddrinfo() takes them; rules out blanks and quotes. */
static bool host_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}

int config_parse_listen(const char *value, char *host, size_t host_len,
			unsigned short *port)
{
	const char *colon, *h, *p;
	struct in6_addr addr6;
	char h6[INET6_ADDRSTRLEN];
	unsigned long v = 0;
	size_t hlen;

	if (!value)
		return -EINVAL;
	if (value[0] == '[') {
		/* Brackets are the only way to tell an IPv6 address from its port. */
		colon = strchr(value, ']');
		if (!colon || colon[1] != ':')
			return -EINVAL;
		h = value + 1;
		hlen = (size_t)(colon - h);
		if (!hlen || hlen >= sizeof(h6))
			return -EINVAL;
		memcpy(h6, h, hlen);
		h6[hlen] = '\0';
		if (inet_pton(AF_INET6, h6, &addr6) != 1)
			return -EINVAL;
		colon++;
	} else {
		colon = strchr(value, ':');
		/* A second ':' means an IPv6 address without brackets. */
		if (!colon || strchr(colon + 1, ':'))
			return -EINVAL;
		h = value;
		hlen = (size_t)(colon - h);
		if (!hlen)
			return -EINVAL;
		for (size_t i = 0; i < hlen; i++)
			if (!host_char_ok(h[i]))
				return -EINVAL;
	}

	p = colon + 1;
	if (!*p || strlen(p) > 5)
		return -EINVAL;
	for (const char *c = p; *c; c++) {
		if (*c < '0' || *c > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(*c - '0');
	}
	if (v < 1 || v > 65535)
		return -EINVAL;
	if (host) {
		if (hlen >= host_len)
			return -EINVAL;
		memcpy(host, h, hlen);
		host[hlen] = '\0';
	}
	if (port)
		*port = (unsigned short)v;
	return 0;
}

int config_init(struct pantau_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->services_max = 1000;
	cfg->short_lived_seconds = 30;
	cfg->thresholds_cpu_busy_ratio = 0.8;
	cfg->thresholds_memory_busy_ratio = 0.9;
	cfg->thresholds_error_ratio = 0.05;
	cfg->thresholds_latency_p95_seconds = 1.0;
	cfg->requests_http = true;
	/* Off by default: a uprobe hit costs a trap (docs/tls.md, Cost). */
	cfg->requests_tls = false;
	cfg->peers_max = 200;
	cfg->thresholds_min_requests_per_second = 0.1;
	cfg->thresholds_filesystem_full_ratio = 0.9;
	cfg->events_per_service_per_second = 200;
	cfg->events_rotate_mib = 100;
	cfg->events_keep = 5;
	cfg->es_verify = true;
	cfg->es_gzip = true;
	cfg->es_batch_events = 500;
	cfg->es_batch_bytes = 5ULL << 20;
	cfg->es_flush_seconds = 5;
	cfg->es_spool_max_bytes = 1ULL << 30;
	cfg->es_dead_letter_max_bytes = 64ULL << 20;
	cfg->cloudwatch_interval_seconds = 60;
	/* Probes (kubelet, load balancers) seldom carry credentials. */
	cfg->healthz_without_auth = true;

	cfg->listen = strdup(CONFIG_DEFAULT_LISTEN);
	cfg->log_level = strdup("info");
	cfg->language = strdup("id");
	cfg->events_file = strdup("");
	cfg->cloudwatch_emf_file = strdup("");
	cfg->cloudwatch_namespace = strdup("Pantau");
	cfg->shared_cgroups[0] = strdup("/");
	if (cfg->shared_cgroups[0])
		cfg->n_shared_cgroups = 1;
	for (size_t i = 0; i < N_PLAIN_STRINGS; i++)
		*cfg_string(cfg, plain_strings[i]) = strdup(plain_strings[i] == CFG(es_spool_dir) ?
							  CONFIG_DEFAULT_SPOOL_DIR : "");
	for (size_t i = 0; i < N_PLAIN_STRINGS; i++)
		if (!*cfg_string(cfg, plain_strings[i]))
			goto nomem;
	if (!cfg->listen || !cfg->log_level || !cfg->language || !cfg->events_file ||
	    !cfg->cloudwatch_emf_file || !cfg->cloudwatch_namespace || !cfg->n_shared_cgroups)
		goto nomem;
	return 0;
nomem:
	config_free(cfg);
	return -ENOMEM;
}

void config_free(struct pantau_config *cfg)
{
	free(cfg->listen);
	free(cfg->log_level);
	free(cfg->language);
	free(cfg->events_file);
	free(cfg->cloudwatch_emf_file);
	free(cfg->cloudwatch_namespace);
	cfg->listen = cfg->log_level = cfg->language = cfg->events_file = NULL;
	cfg->cloudwatch_emf_file = cfg->cloudwatch_namespace = NULL;
	free_shared(cfg);
	free_skip(cfg);
	free_rules(cfg);
	free_peer_rules(cfg);
	free_routes(cfg);
	free_es_urls(cfg);
	for (size_t i = 0; i < N_PLAIN_STRINGS; i++) {
		free(*cfg_string(cfg, plain_strings[i]));
		*cfg_string(cfg, plain_strings[i]) = NULL;
	}
}
