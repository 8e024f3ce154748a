// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Prints the EMF documents pantau builds for figures given as JSON on
 * standard input, one per line, so a test can compare them with what
 * another EMF producer makes of the same figures. Input:
 *   {"meta": {"namespace", "host", "timestamp_ms", "interval_seconds"},
 *    "services": [{"service", "has_up", "up", "vcpu", ...}],
 *    "peers": [{"service", "peer", "calls", "errors", "p50_seconds", ...}],
 *    "host_services": N}
 * A null or missing real is "not known" (NAN).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cloudwatch/cloudwatch_emf.h"

#define INPUT_MAX (1024 * 1024)

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

static double real(struct json_object *o, const char *key)
{
	struct json_object *v = get(o, key);

	return v && !json_object_is_type(v, json_type_null) ? json_object_get_double(v) : NAN;
}

static uint64_t count(struct json_object *o, const char *key)
{
	struct json_object *v = get(o, key);

	return v ? (uint64_t)json_object_get_int64(v) : 0;
}

static const char *text(struct json_object *o, const char *key)
{
	struct json_object *v = get(o, key);

	return v ? json_object_get_string(v) : "";
}

static int print(struct json_object *doc)
{
	if (!doc) {
		fprintf(stderr, "emf_sample: could not build a document\n");
		return 1;
	}
	puts(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN |
					     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(doc);
	return 0;
}

int main(void)
{
	static char buf[INPUT_MAX];
	struct json_object *in, *jm, *list;
	struct emf_meta m;
	size_t n;
	int rc = 0;

	n = fread(buf, 1, sizeof(buf) - 1, stdin);
	buf[n] = '\0';
	in = json_tokener_parse(buf);
	if (!in || !(jm = get(in, "meta"))) {
		fprintf(stderr, "emf_sample: standard input is not the expected JSON\n");
		return 2;
	}
	m = (struct emf_meta){
		.namespace_name = text(jm, "namespace"),
		.host = text(jm, "host"),
		.timestamp_ms = json_object_get_int64(get(jm, "timestamp_ms")),
		.interval_seconds = real(jm, "interval_seconds"),
	};
	list = get(in, "services");
	for (size_t i = 0; list && i < json_object_array_length(list); i++) {
		struct json_object *s = json_object_array_get_idx(list, i);
		struct emf_service_figures f = {
			.has_up = json_object_get_boolean(get(s, "has_up")),
			.up = json_object_get_boolean(get(s, "up")),
			.vcpu = real(s, "vcpu"),
			.cpu_share = real(s, "cpu_share"),
			.memory_rss_bytes = count(s, "memory_rss_bytes"),
			.memory_share = real(s, "memory_share"),
			.disk_read_bytes = count(s, "disk_read_bytes"),
			.disk_write_bytes = count(s, "disk_write_bytes"),
			.disk_read_ops = count(s, "disk_read_ops"),
			.disk_write_ops = count(s, "disk_write_ops"),
			.net_received_bytes = count(s, "net_received_bytes"),
			.net_sent_bytes = count(s, "net_sent_bytes"),
			.traffic = json_object_get_boolean(get(s, "traffic")),
			.requests = count(s, "requests"),
			.errors = count(s, "errors"),
			.p50_seconds = real(s, "p50_seconds"),
			.p95_seconds = real(s, "p95_seconds"),
			.p99_seconds = real(s, "p99_seconds"),
		};

		snprintf(f.service, sizeof(f.service), "%s", text(s, "service"));
		rc |= print(emf_service_document(&m, &f));
	}
	list = get(in, "peers");
	for (size_t i = 0; list && i < json_object_array_length(list); i++) {
		struct json_object *p = json_object_array_get_idx(list, i);
		struct emf_peer_figures f = {
			.calls = count(p, "calls"),
			.errors = count(p, "errors"),
			.p50_seconds = real(p, "p50_seconds"),
			.p95_seconds = real(p, "p95_seconds"),
			.p99_seconds = real(p, "p99_seconds"),
		};

		snprintf(f.service, sizeof(f.service), "%s", text(p, "service"));
		snprintf(f.peer, sizeof(f.peer), "%s", text(p, "peer"));
		rc |= print(emf_peer_document(&m, &f));
	}
	if (get(in, "host_services"))
		rc |= print(emf_host_document(&m, count(in, "host_services")));
	json_object_put(in);
	return rc;
}
