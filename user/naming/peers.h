/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Naming the peers a service calls: config rules first (address, CIDR or
 * host name glob), then the host the connection asked for (HTTP Host or
 * TLS server name, learned from its first bytes), else "ip:port". The
 * number of names is capped; the rest fold into "other".
 */
#ifndef PANTAU_PEERS_H
#define PANTAU_PEERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "pantau/net.h"

#define PEER_NAME_MAX 128
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

/*
 * The server name of a TLS ClientHello in buf (a bounded copy of the
 * connection's first bytes): 0, or -ENODATA when the copy holds none.
 */
int tls_client_hello_sni(const uint8_t *buf, size_t len, char *out, size_t out_len);

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
	struct peer_host *hosts;	/* learned from first bytes, open addressing */
	size_t n_hosts_cap;
	uint64_t folded;		/* names refused by the cap */
};

int peers_init(struct peers *ps, const struct peer_rule *rules, size_t n_rules,
	       size_t max_names);
void peers_free(struct peers *ps);

/* Remember the host an outbound connection asked for (first one wins). */
void peers_learn(struct peers *ps, const struct net_peer *p, const uint8_t *head, size_t len);

/* The peer's name, within the cap; out gets "other" beyond it. */
void peers_name(struct peers *ps, const struct net_peer *p, char *out, size_t len);

#endif
