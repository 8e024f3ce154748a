// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <string.h>
#include "events/http_head.h"
#include "events/net_events.h"

#define PATH_OUT_MAX 256

/*
 * Dotted decimal without printf (inet_ntop's IPv4 path is a sprintf per
 * address, two per event); IPv6 goes through inet_ntop, whose text (zero
 * runs, embedded IPv4) is not worth redoing.
 */
static void ip_text(uint8_t family, const uint8_t *addr, char out[INET6_ADDRSTRLEN])
{
	char *p = out;

	if (family != AF_INET) {
		if (!inet_ntop(AF_INET6, addr, out, INET6_ADDRSTRLEN))
			out[0] = '\0';
		return;
	}
	for (int i = 0; i < 4; i++) {
		unsigned v = addr[i];

		if (i)
			*p++ = '.';
		if (v >= 100)
			*p++ = (char)('0' + v / 100);
		if (v >= 10)
			*p++ = (char)('0' + v / 10 % 10);
		*p++ = (char)('0' + v % 10);
	}
	*p = '\0';
}

static void endpoint(struct ecs_writer *w, const char *key, uint8_t family,
		     const uint8_t *addr, uint16_t port)
{
	char ip[INET6_ADDRSTRLEN];

	ip_text(family, addr, ip);
	ecs_object_begin(w, key);
	ecs_string(w, "ip", ip);
	ecs_int(w, "port", port);
	ecs_close(w);
}

/*
 * What every network event has: time, dataset, service, both ends. The
 * members of "event" and "network" that differ by kind come between
 * (event_members, network_members), so the order is json-c's of old:
 * each object's members in the order they were first added.
 */
struct net_kind {
	const char *dataset;
	const char *category[2];
	const char *type[2];
	bool failed;
	int64_t duration_ns;
	const char *protocol;	/* network.protocol, NULL for none */
};

static void common(struct ecs_writer *w, const struct net_kind *k, const struct net_ends *ends,
		   bool inbound, const char *timestamp, const char *host, const char *service)
{
	ecs_string(w, "@timestamp", timestamp);
	ecs_object_begin(w, "event");
	ecs_string(w, "dataset", k->dataset);
	ecs_string(w, "kind", "event");
	ecs_strings(w, "category", k->category[0], k->category[1]);
	ecs_strings(w, "type", k->type[0], k->type[1]);
	ecs_string(w, "outcome", k->failed ? "failure" : "success");
	ecs_int(w, "duration", k->duration_ns);
	ecs_close(w);
	ecs_object_string(w, "service", "name", service);
	ecs_object_string(w, "host", "name", host);
	endpoint(w, "source", ends->family, ends->saddr, ends->sport);
	endpoint(w, "destination", ends->family, ends->daddr, ends->dport);
	ecs_object_begin(w, "network");
	ecs_string(w, "transport", "tcp");
	ecs_string(w, "type", ends->family == AF_INET ? "ipv4" : "ipv6");
	ecs_string(w, "direction", inbound ? "inbound" : "outbound");
	if (k->protocol)
		ecs_string(w, "protocol", k->protocol);
	ecs_close(w);
}

void net_http_write(struct ecs_writer *w, const struct event_http *e, const char *timestamp,
		    const char *host, const char *service, const char *peer,
		    const struct path_rules *routes)
{
	bool inbound = e->role == NET_ROLE_SERVER;
	struct net_kind k = {
		.dataset = "pantau.http", .category = { "web", "network" }, .type = { "access" },
		.failed = e->status == 0 || e->status >= 400,
		.duration_ns = (int64_t)e->duration_ns, .protocol = "http",
	};
	struct http_request_head req;
	size_t len = e->line_len < NET_LINE_BYTES ? e->line_len : NET_LINE_BYTES;

	common(w, &k, &e->ends, inbound, timestamp, host, service);
	if (!inbound && peer)
		ecs_object_string(w, "pantau", "peer", peer);
	ecs_object_begin(w, "http");
	ecs_object_string(w, "request", "method", http_method_name(e->method));
	if (e->status) {
		ecs_object_begin(w, "response");
		ecs_int(w, "status_code", e->status);
		ecs_close(w);
	}
	ecs_close(w);
	ecs_object_begin(w, "url");
	ecs_string(w, "scheme", e->proto == NET_PROTO_HTTPS ? "https" : "http");
	/* The path only: the query string is dropped, ids folded into the template. */
	if (len && http_request_head_parse(e->line, len, &req) == 0 && req.path[0]) {
		char path[PATH_OUT_MAX];

		if (path_template(req.path, routes, path, sizeof(path)) == 0)
			ecs_string(w, "path", path);
	}
	ecs_close(w);
}

void net_conn_write(struct ecs_writer *w, const struct event_conn *e, const char *timestamp,
		    const char *host, const char *service, const char *peer)
{
	static const char *const outcomes[] = {
		[NET_CONN_CLOSED] = "closed", [NET_CONN_RESET] = "reset",
		[NET_CONN_FAILED] = "connect_failed",
	};
	bool inbound = e->dir == NET_DIR_IN;
	struct net_kind k = {
		.dataset = "pantau.connection", .category = { "network" },
		.type = { "connection", "end" }, .failed = e->outcome != NET_CONN_CLOSED,
		.duration_ns = (int64_t)e->duration_ns,
	};

	common(w, &k, &e->ends, inbound, timestamp, host, service);
	ecs_object_begin(w, "pantau");
	if (!inbound && peer)
		ecs_string(w, "peer", peer);
	ecs_string(w, "connection", e->outcome <= NET_CONN_FAILED ? outcomes[e->outcome] : "closed");
	ecs_int(w, "bytes_received", (int64_t)e->bytes_received);
	ecs_int(w, "bytes_sent", (int64_t)e->bytes_sent);
	ecs_int(w, "retransmits", (int64_t)e->retransmits);
	ecs_close(w);
}

struct net_peer net_events_peer(const struct net_ends *ends, __u32 host)
{
	struct net_peer p = { .port = ends->dport, .family = ends->family, .host = host };

	memcpy(p.addr, ends->daddr, sizeof(p.addr));
	return p;
}
