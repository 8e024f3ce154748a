/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The event documents as pantau built them before user/events/ecs_writer.c:
 * a json-c object tree per event, printed with JSON_C_TO_STRING_PLAIN |
 * JSON_C_TO_STRING_NOSLASHESCAPE. Kept here, unchanged in substance, as
 * the reference the writer's output is compared with (tests/unit/
 * test_ecs_writer.c, tests/fuzz/fuzz_ecs_writer.c).
 */
#ifndef PANTAU_TEST_ECS_REFERENCE_H
#define PANTAU_TEST_ECS_REFERENCE_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>
#include "events/http_head.h"
#include "events/path_template.h"
#include "pantau/events.h"
#include "pantau/net.h"

#define REF_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

static inline struct json_object *ref_child(struct json_object *parent, const char *key)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(parent, key, o);
	return o;
}

static inline struct json_object *ref_strings(const char *a, const char *b)
{
	struct json_object *arr = json_object_new_array();

	json_object_array_add(arr, json_object_new_string(a));
	if (b)
		json_object_array_add(arr, json_object_new_string(b));
	return arr;
}

static inline void ref_endpoint(struct json_object *doc, const char *key, uint8_t family,
				const uint8_t *addr, uint16_t port)
{
	char ip[INET6_ADDRSTRLEN] = "";
	struct json_object *o = ref_child(doc, key);

	inet_ntop(family == AF_INET ? AF_INET : AF_INET6, addr, ip, sizeof(ip));
	json_object_object_add(o, "ip", json_object_new_string(ip));
	json_object_object_add(o, "port", json_object_new_int(port));
}

static inline struct json_object *ref_common(const char *dataset, const struct net_ends *ends,
					     bool inbound, const char *timestamp, const char *host,
					     const char *service, const char *peer)
{
	struct json_object *doc = json_object_new_object(), *o;

	json_object_object_add(doc, "@timestamp", json_object_new_string(timestamp));
	o = ref_child(doc, "event");
	json_object_object_add(o, "dataset", json_object_new_string(dataset));
	json_object_object_add(o, "kind", json_object_new_string("event"));
	json_object_object_add(ref_child(doc, "service"), "name", json_object_new_string(service));
	json_object_object_add(ref_child(doc, "host"), "name", json_object_new_string(host));
	ref_endpoint(doc, "source", ends->family, ends->saddr, ends->sport);
	ref_endpoint(doc, "destination", ends->family, ends->daddr, ends->dport);
	o = ref_child(doc, "network");
	json_object_object_add(o, "transport", json_object_new_string("tcp"));
	json_object_object_add(o, "type",
			       json_object_new_string(ends->family == AF_INET ? "ipv4" : "ipv6"));
	json_object_object_add(o, "direction",
			       json_object_new_string(inbound ? "inbound" : "outbound"));
	if (peer)
		json_object_object_add(ref_child(doc, "pantau"), "peer", json_object_new_string(peer));
	return doc;
}

static inline struct json_object *ref_http_document(const struct event_http *e,
						    const char *timestamp, const char *host,
						    const char *service, const char *peer,
						    const struct path_rules *routes)
{
	bool inbound = e->role == NET_ROLE_SERVER, failed = e->status == 0 || e->status >= 400;
	struct json_object *doc, *ev, *http, *net, *url;
	struct http_request_head req;
	size_t len = e->line_len < NET_LINE_BYTES ? e->line_len : NET_LINE_BYTES;

	doc = ref_common("pantau.http", &e->ends, inbound, timestamp, host, service,
			 inbound ? NULL : peer);
	json_object_object_get_ex(doc, "event", &ev);
	json_object_object_add(ev, "category", ref_strings("web", "network"));
	json_object_object_add(ev, "type", ref_strings("access", NULL));
	json_object_object_add(ev, "outcome", json_object_new_string(failed ? "failure" : "success"));
	json_object_object_add(ev, "duration", json_object_new_int64((int64_t)e->duration_ns));
	http = ref_child(doc, "http");
	json_object_object_add(ref_child(http, "request"), "method",
			       json_object_new_string(http_method_name(e->method)));
	if (e->status)
		json_object_object_add(ref_child(http, "response"), "status_code",
				       json_object_new_int(e->status));
	json_object_object_get_ex(doc, "network", &net);
	json_object_object_add(net, "protocol", json_object_new_string("http"));
	url = ref_child(doc, "url");
	json_object_object_add(url, "scheme",
			       json_object_new_string(e->proto == NET_PROTO_HTTPS ? "https" : "http"));
	if (len && http_request_head_parse(e->line, len, &req) == 0 && req.path[0]) {
		char path[256];

		if (path_template(req.path, routes, path, sizeof(path)) == 0)
			json_object_object_add(url, "path", json_object_new_string(path));
	}
	return doc;
}

static inline struct json_object *ref_conn_document(const struct event_conn *e,
						    const char *timestamp, const char *host,
						    const char *service, const char *peer)
{
	static const char *const outcomes[] = {
		[NET_CONN_CLOSED] = "closed", [NET_CONN_RESET] = "reset",
		[NET_CONN_FAILED] = "connect_failed",
	};
	bool inbound = e->dir == NET_DIR_IN;
	struct json_object *doc, *ev, *p;

	doc = ref_common("pantau.connection", &e->ends, inbound, timestamp, host, service,
			 inbound ? NULL : peer);
	json_object_object_get_ex(doc, "event", &ev);
	json_object_object_add(ev, "category", ref_strings("network", NULL));
	json_object_object_add(ev, "type", ref_strings("connection", "end"));
	json_object_object_add(ev, "outcome", json_object_new_string(
				       e->outcome == NET_CONN_CLOSED ? "success" : "failure"));
	json_object_object_add(ev, "duration", json_object_new_int64((int64_t)e->duration_ns));
	if (!json_object_object_get_ex(doc, "pantau", &p))
		p = ref_child(doc, "pantau");
	json_object_object_add(p, "connection", json_object_new_string(
				       e->outcome <= NET_CONN_FAILED ? outcomes[e->outcome] : "closed"));
	json_object_object_add(p, "bytes_received", json_object_new_int64((int64_t)e->bytes_received));
	json_object_object_add(p, "bytes_sent", json_object_new_int64((int64_t)e->bytes_sent));
	json_object_object_add(p, "retransmits", json_object_new_int64((int64_t)e->retransmits));
	return doc;
}

/* e->comm must be terminated, as the events thread makes sure. */
static inline struct json_object *ref_oom_document(const struct event_oom_kill *e,
						   const char *timestamp, const char *host,
						   const char *service)
{
	struct json_object *doc = json_object_new_object(), *o, *p;

	json_object_object_add(doc, "@timestamp", json_object_new_string(timestamp));
	o = ref_child(doc, "event");
	json_object_object_add(o, "dataset", json_object_new_string("pantau.process"));
	json_object_object_add(o, "kind", json_object_new_string("event"));
	json_object_object_add(o, "category", ref_strings("process", NULL));
	json_object_object_add(o, "type", ref_strings("end", NULL));
	json_object_object_add(o, "action", json_object_new_string("oom-kill"));
	json_object_object_add(o, "outcome", json_object_new_string("failure"));
	json_object_object_add(ref_child(doc, "service"), "name", json_object_new_string(service));
	json_object_object_add(ref_child(doc, "host"), "name", json_object_new_string(host));
	o = ref_child(doc, "process");
	json_object_object_add(o, "pid", json_object_new_int64(e->pid));
	json_object_object_add(o, "name", json_object_new_string(e->comm));
	p = ref_child(doc, "pantau");
	o = ref_child(p, "memory");
	json_object_object_add(o, "rss_bytes", json_object_new_int64((int64_t)e->rss_bytes));
	if (e->limit_set)
		json_object_object_add(o, "limit_bytes", json_object_new_int64((int64_t)e->limit_bytes));
	json_object_object_add(ref_child(p, "oom"), "constraint",
			       json_object_new_string(e->limit_set ? "cgroup" : "system"));
	return doc;
}

#endif
