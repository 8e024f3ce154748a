/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* ECS documents for request and connection events (pantau.http, pantau.connection). */
#ifndef PANTAU_NET_EVENTS_H
#define PANTAU_NET_EVENTS_H

#include "events/ecs_writer.h"
#include "events/path_template.h"
#include "pantau/net.h"

/*
 * Write the members of one event's document into w, between the caller's
 * ecs_doc_begin() and ecs_doc_end(). service is its service's name, peer
 * the peer's name for calls the service made (NULL otherwise), timestamp
 * an RFC 3339 time; routes template the path (may be NULL).
 */
void net_http_write(struct ecs_writer *w, const struct event_http *e, const char *timestamp,
		    const char *host, const char *service, const char *peer,
		    const struct path_rules *routes);
void net_conn_write(struct ecs_writer *w, const struct event_conn *e, const char *timestamp,
		    const char *host, const char *service, const char *peer);

/*
 * The peer of an event's connection: its destination, for outbound ones,
 * and the hash of the host it asked for (the event's host).
 */
struct net_peer net_events_peer(const struct net_ends *ends, __u32 host);

#endif
