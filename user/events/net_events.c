// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <string.h>
#include "events/http_head.h"
#include "events/net_events.h"

#define PATH_OUT_MAX 256
#define SHARED_MAX 48

/*
 * The strings every document repeats ("tcp", "inbound", "GET", ...) are
 * made once and shared by reference: half the allocations of a document
 * went to them. Only the events thread builds documents. text must have
 * static storage (a literal): the table keeps the pointer.
 */
static struct {
	const char *text;
	struct json_object *obj;
} shared[SHARED_MAX];
static size_t n_shared;

static struct json_object *word(const char *text)
{
	for (size_t i = 0; i < n_shared; i++)
		if (shared[i].text == text || strcmp(shared[i].text, text) == 0)
			return json_object_get(shared[i].obj);
	if (n_shared == SHARED_MAX)
		return json_object_new_string(text);
	shared[n_shared].obj = json_object_new_string(text);
	if (!shared[n_shared].obj)
		return NULL;
	shared[n_shared].text = text;
	return json_object_get(shared[n_shared++].obj);
}

void net_events_cleanup(void)
{
	for (size_t i = 0; i < n_shared; i++)
		json_object_put(shared[i].obj);
	n_shared = 0;
}

static struct json_object *child(struct json_object *parent, const char *key)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(parent, key, o);
	return o;
}

static struct json_object *strings(const char *a, const char *b)
{
	struct json_object *arr = json_object_new_array();

	json_object_array_add(arr, word(a));
	if (b)
		json_object_array_add(arr, word(b));
	return arr;
}

static void endpoint(struct json_object *doc, const char *key, uint8_t family,
		     const uint8_t *addr, uint16_t port)
{
	char ip[INET6_ADDRSTRLEN] = "";
	struct json_object *o = child(doc, key);

	inet_ntop(family == AF_INET ? AF_INET : AF_INET6, addr, ip, sizeof(ip));
	json_object_object_add(o, "ip", json_object_new_string(ip));
	json_object_object_add(o, "port", json_object_new_int(port));
}

/* What every network event has: time, dataset, service, both ends. */
static struct json_object *common(const char *dataset, const struct net_ends *ends, bool inbound,
				  const char *timestamp, const char *host, const char *service,
				  const char *peer)
{
	struct json_object *doc = json_object_new_object(), *o;

	if (!doc)
		return NULL;
	json_object_object_add(doc, "@timestamp", json_object_new_string(timestamp));
	o = child(doc, "event");
	json_object_object_add(o, "dataset", word(dataset));
	json_object_object_add(o, "kind", word("event"));
	json_object_object_add(child(doc, "service"), "name", json_object_new_string(service));
	json_object_object_add(child(doc, "host"), "name", json_object_new_string(host));
	endpoint(doc, "source", ends->family, ends->saddr, ends->sport);
	endpoint(doc, "destination", ends->family, ends->daddr, ends->dport);
	o = child(doc, "network");
	json_object_object_add(o, "transport", word("tcp"));
	json_object_object_add(o, "type", word(ends->family == AF_INET ? "ipv4" : "ipv6"));
	json_object_object_add(o, "direction", word(inbound ? "inbound" : "outbound"));
	if (peer)
		json_object_object_add(child(doc, "pantau"), "peer", json_object_new_string(peer));
	return doc;
}

struct json_object *net_http_document(const struct event_http *e, const char *timestamp,
				      const char *host, const char *service, const char *peer,
				      const struct path_rules *routes)
{
	bool inbound = e->role == NET_ROLE_SERVER, failed = e->status == 0 || e->status >= 400;
	struct json_object *doc, *ev, *http, *net, *url;
	struct http_request_head req;
	size_t len = e->line_len < NET_LINE_BYTES ? e->line_len : NET_LINE_BYTES;

	doc = common("pantau.http", &e->ends, inbound, timestamp, host, service,
		     inbound ? NULL : peer);
	if (!doc)
		return NULL;
	json_object_object_get_ex(doc, "event", &ev);
	json_object_object_add(ev, "category", strings("web", "network"));
	json_object_object_add(ev, "type", strings("access", NULL));
	json_object_object_add(ev, "outcome", word(failed ? "failure" : "success"));
	json_object_object_add(ev, "duration", json_object_new_int64((int64_t)e->duration_ns));
	http = child(doc, "http");
	json_object_object_add(child(http, "request"), "method",
			       word(http_method_name(e->method)));
	if (e->status)
		json_object_object_add(child(http, "response"), "status_code",
				       json_object_new_int(e->status));
	json_object_object_get_ex(doc, "network", &net);
	json_object_object_add(net, "protocol", word("http"));
	url = child(doc, "url");
	json_object_object_add(url, "scheme",
			       word(e->proto == NET_PROTO_HTTPS ? "https" : "http"));
	/* The path only: the query string is dropped, ids folded into the template. */
	if (len && http_request_head_parse(e->line, len, &req) == 0 && req.path[0]) {
		char path[PATH_OUT_MAX];

		if (path_template(req.path, routes, path, sizeof(path)) == 0)
			json_object_object_add(url, "path", json_object_new_string(path));
	}
	return doc;
}

struct json_object *net_conn_document(const struct event_conn *e, const char *timestamp,
				      const char *host, const char *service, const char *peer)
{
	static const char *const outcomes[] = {
		[NET_CONN_CLOSED] = "closed", [NET_CONN_RESET] = "reset",
		[NET_CONN_FAILED] = "connect_failed",
	};
	bool inbound = e->dir == NET_DIR_IN;
	struct json_object *doc, *ev, *p;

	doc = common("pantau.connection", &e->ends, inbound, timestamp, host, service,
		     inbound ? NULL : peer);
	if (!doc)
		return NULL;
	json_object_object_get_ex(doc, "event", &ev);
	json_object_object_add(ev, "category", strings("network", NULL));
	json_object_object_add(ev, "type", strings("connection", "end"));
	json_object_object_add(ev, "outcome", word(e->outcome == NET_CONN_CLOSED ? "success" : "failure"));
	json_object_object_add(ev, "duration", json_object_new_int64((int64_t)e->duration_ns));
	if (!json_object_object_get_ex(doc, "pantau", &p))
		p = child(doc, "pantau");
	json_object_object_add(p, "connection",
			       word(e->outcome <= NET_CONN_FAILED ? outcomes[e->outcome] : "closed"));
	json_object_object_add(p, "bytes_received", json_object_new_int64((int64_t)e->bytes_received));
	json_object_object_add(p, "bytes_sent", json_object_new_int64((int64_t)e->bytes_sent));
	json_object_object_add(p, "retransmits", json_object_new_int64((int64_t)e->retransmits));
	return doc;
}

struct net_peer net_events_peer(const struct net_ends *ends, __u32 host)
{
	struct net_peer p = { .port = ends->dport, .family = ends->family, .host = host };

	memcpy(p.addr, ends->daddr, sizeof(p.addr));
	return p;
}
