// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests for user/events/net_events.c: the ECS documents of requests and connections. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>
#include <json-c/json.h>
#include "events/net_events.h"

/* The documents as the events thread writes them, parsed back to be read. */
static struct json_object *parsed(struct ecs_writer *w)
{
	const char *text;
	size_t len;

	assert_int_equal(ecs_doc_end(w, &text, &len), 0);
	assert_int_equal(strlen(text), len);
	return json_tokener_parse(text);
}

static struct json_object *net_http_document(const struct event_http *e, const char *timestamp,
					     const char *host, const char *service,
					     const char *peer, const struct path_rules *routes)
{
	struct ecs_writer w;
	struct json_object *doc;

	ecs_writer_init(&w);
	ecs_doc_begin(&w);
	net_http_write(&w, e, timestamp, host, service, peer, routes);
	doc = parsed(&w);
	ecs_writer_free(&w);
	return doc;
}

static struct json_object *net_conn_document(const struct event_conn *e, const char *timestamp,
					     const char *host, const char *service,
					     const char *peer)
{
	struct ecs_writer w;
	struct json_object *doc;

	ecs_writer_init(&w);
	ecs_doc_begin(&w);
	net_conn_write(&w, e, timestamp, host, service, peer);
	doc = parsed(&w);
	ecs_writer_free(&w);
	return doc;
}

static const char *get_str(struct json_object *doc, const char *a, const char *b)
{
	struct json_object *o, *v;

	if (!json_object_object_get_ex(doc, a, &o) || !json_object_object_get_ex(o, b, &v))
		return NULL;
	return json_object_get_string(v);
}

static int64_t get_int(struct json_object *doc, const char *a, const char *b)
{
	struct json_object *o, *v;

	if (!json_object_object_get_ex(doc, a, &o) || !json_object_object_get_ex(o, b, &v))
		return -1;
	return json_object_get_int64(v);
}

static struct net_ends ends4(const char *src, uint16_t sport, const char *dst, uint16_t dport)
{
	struct net_ends e = { .sport = sport, .dport = dport, .family = AF_INET };

	assert_int_equal(inet_pton(AF_INET, src, e.saddr), 1);
	assert_int_equal(inet_pton(AF_INET, dst, e.daddr), 1);
	return e;
}

static void served_request(void **state)
{
	static const char line[] = "GET /orders/8812?token=secret HTTP/1.1\r\nHo";
	struct event_http e = {
		.ends = ends4("10.0.0.9", 51000, "10.0.0.1", 8080),
		.duration_ns = 1500000, .status = 503, .role = NET_ROLE_SERVER,
		.method = HTTP_M_GET, .line_len = sizeof(line) - 1,
	};
	struct json_object *doc;
	const char *routes[] = { "/users/{id}/cart" };
	struct path_rules rules = { routes, 1 };

	(void)state;
	memcpy(e.line, line, sizeof(line) - 1);
	doc = net_http_document(&e, "2026-12-01T00:00:00.000000000Z", "h1", "shop", NULL, &rules);
	assert_non_null(doc);
	assert_string_equal(get_str(doc, "event", "dataset"), "pantau.http");
	assert_string_equal(get_str(doc, "event", "outcome"), "failure");
	assert_int_equal(get_int(doc, "event", "duration"), 1500000);
	assert_string_equal(get_str(doc, "service", "name"), "shop");
	assert_string_equal(get_str(doc, "source", "ip"), "10.0.0.9");
	assert_int_equal(get_int(doc, "destination", "port"), 8080);
	assert_string_equal(get_str(doc, "network", "direction"), "inbound");
	/* The query string is gone and the id folded. */
	assert_string_equal(get_str(doc, "url", "path"), "/orders/{id}");
	assert_null(get_str(doc, "pantau", "peer"));
	assert_string_equal(get_str(doc, "url", "scheme"), "http");
	assert_string_equal(get_str(doc, "network", "protocol"), "http");
	json_object_put(doc);
}

static void call_to_a_peer_without_answer(void **state)
{
	struct event_http e = {
		.ends = ends4("10.0.0.1", 40000, "203.0.113.7", 443),
		.duration_ns = 7, .status = 0, .role = NET_ROLE_CLIENT, .method = HTTP_M_POST,
		.proto = NET_PROTO_HTTPS,
	};
	struct json_object *doc, *http, *resp;

	(void)state;
	doc = net_http_document(&e, "t", "h1", "shop", "payment-gateway", NULL);
	assert_non_null(doc);
	assert_string_equal(get_str(doc, "network", "direction"), "outbound");
	assert_string_equal(get_str(doc, "pantau", "peer"), "payment-gateway");
	assert_string_equal(get_str(doc, "event", "outcome"), "failure");
	/* Read in clear through a TLS library: the scheme says so. */
	assert_string_equal(get_str(doc, "url", "scheme"), "https");
	/* No answer: no status code and, with no request line copied, no path. */
	assert_true(json_object_object_get_ex(doc, "http", &http));
	assert_false(json_object_object_get_ex(http, "response", &resp));
	assert_null(get_str(doc, "url", "path"));
	json_object_put(doc);
}

static void connection_reset(void **state)
{
	struct event_conn e = {
		.ends = ends4("10.0.0.9", 51000, "10.0.0.1", 8080), .duration_ns = 99,
		.bytes_received = 10, .bytes_sent = 20, .retransmits = 3,
		.dir = NET_DIR_IN, .outcome = NET_CONN_RESET,
	};
	struct json_object *doc;

	(void)state;
	doc = net_conn_document(&e, "t", "h1", "shop", NULL);
	assert_non_null(doc);
	assert_string_equal(get_str(doc, "event", "dataset"), "pantau.connection");
	assert_string_equal(get_str(doc, "event", "outcome"), "failure");
	assert_string_equal(get_str(doc, "pantau", "connection"), "reset");
	assert_int_equal(get_int(doc, "pantau", "retransmits"), 3);
	assert_int_equal(get_int(doc, "pantau", "bytes_sent"), 20);
	json_object_put(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(served_request),
		cmocka_unit_test(call_to_a_peer_without_answer),
		cmocka_unit_test(connection_reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
