/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Naming the peers a service calls: config rules first (address, CIDR or
 * host name glob), then the host the connection asked for (HTTP Host or
 * TLS server name, found in its first bytes), else "ip:port". Each
 * connection is named by its own host: the kernel keys a peer by address,
 * port and the hash of that host (struct net_peer's host), and user space
 * learns the name behind each such key. The number of names is capped;
 * the rest fold into "other".
 */
#ifndef PANTAU_PEERS_H
#define PANTAU_PEERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "pantau/net.h"

#define PEER_NAME_MAX 128
_Static_assert(PEER_HOST_NAME_MAX < PEER_NAME_MAX, "every name the kernel finds fits");
#define PEER_OTHER "other"

enum peer_rule_kind { PEER_RULE_HOST, PEER_RULE_CIDR, PEER_RULE_ADDRESS };

/* A rule as the config gives it, checked by peer_rule_parse. */
struct peer_rule {
	enum peer_rule_kind kind;
	char *pattern;		/* glob, "a.b.c.d/n" or "[v6]/n", "ip" or "ip:port" / "[v6]:port" */
	char *name;
};

/* A rule's address part, parsed. */
struct peer_match {
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint8_t addr[16];
	unsigned prefix;	/* bits that must match */
	uint16_t port;		/* 0: any */
};

/* Parse a CIDR or address pattern; 0 or -EINVAL. */
int peer_match_parse(enum peer_rule_kind kind, const char *pattern, struct peer_match *out);
bool peer_match_hit(const struct peer_match *m, const struct net_peer *p);

/* "10.0.0.1:443", "[::1]:8080". */
void peer_format(const struct net_peer *p, char *out, size_t len);

struct peer_host {
	struct net_peer peer;
	char host[PEER_NAME_MAX];
	bool used;
};

struct peers {
	const struct peer_rule *rules;
	size_t n_rules;
	struct peer_match *matches;	/* per rule; unused for host rules */
	size_t max_names;		/* the cap on distinct names */
	char (*names)[PEER_NAME_MAX];	/* names handed out so far */
	size_t n_names;
	/*
	 * Open addressing over names: index + 1, 0 for a free slot. Every
	 * outbound event looks its name up, so not by a scan of up to
	 * max_names strcmp calls. Names are never removed.
	 */
	uint32_t *name_slots;
	size_t n_name_slots;
	struct peer_host *hosts;	/* learned from first bytes, open addressing */
	size_t n_hosts_cap;
	uint64_t folded;		/* names refused by the cap */
};

int peers_init(struct peers *ps, const struct peer_rule *rules, size_t n_rules,
	       size_t max_names);
/*
 * New rules (a reload's): names given from now on follow them; the names
 * already given still count against the cap. rules stays the caller's.
 */
int peers_set_rules(struct peers *ps, const struct peer_rule *rules, size_t n_rules);
void peers_free(struct peers *ps);

/*
 * Remember the name of the host behind p (p->host, the kernel's hash of
 * it): the len bytes at name, as a connection asked for it (HTTP Host
 * value or TLS server name, pantau/peer_host.h). The port after ':' is
 * dropped and letters go to lower case, so "API.example:8443" and
 * "api.example" (two keys) share one name. Nothing is learned for
 * p->host == 0 (no host: named by its address).
 */
void peers_learn(struct peers *ps, const struct net_peer *p, const char *name, size_t len);

/*
 * The peer's name, within the cap; out gets "other" beyond it. A peer
 * whose host hash was not learned (yet) is named as one without a host:
 * by the address rules, else "ip:port". With wait set that is not done
 * while a host rule or the host itself could still decide the name (the
 * event with its name may not have been read yet): false is returned and
 * nothing named or counted against the cap. true when out holds the name
 * for good. Several keys may get one name (a host at two addresses, with
 * and without a port): callers add their counts up by name.
 */
bool peers_name(struct peers *ps, const struct net_peer *p, bool wait, char *out, size_t len);

#endif
