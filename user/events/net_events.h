/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* ECS documents for request and connection events (pantau.http, pantau.connection). */
#ifndef PANTAU_NET_EVENTS_H
#define PANTAU_NET_EVENTS_H

#include <json-c/json.h>
#include "events/path_template.h"
#include "pantau/net.h"

/*
 * Build the document of one event. service is its service's name, peer the
 * peer's name for calls the service made (NULL otherwise), timestamp an
 * RFC 3339 time; routes template the path (may be NULL). NULL when out of
 * memory.
 */
struct json_object *net_http_document(const struct event_http *e, const char *timestamp,
				      const char *host, const char *service, const char *peer,
				      const struct path_rules *routes);
struct json_object *net_conn_document(const struct event_conn *e, const char *timestamp,
				      const char *host, const char *service, const char *peer);

/*
 * The peer of an event's connection: its destination, for outbound ones,
 * and the hash of the host it asked for (the event's host).
 */
struct net_peer net_events_peer(const struct net_ends *ends, __u32 host);

/* Frees the strings the documents share; call once no document is made any more. */
void net_events_cleanup(void);

#endif
