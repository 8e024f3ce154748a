// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "naming/peers.h"

/* "[v6]" or "v4" (no port) into family and bytes. */
static int parse_ip(const char *s, size_t n, struct peer_match *out)
{
	char buf[64];

	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (buf[0] == '[' && buf[n - 1] == ']') {
		buf[n - 1] = '\0';
		out->family = AF_INET6;
		return inet_pton(AF_INET6, buf + 1, out->addr) == 1 ? 0 : -EINVAL;
	}
	if (inet_pton(AF_INET, buf, out->addr) == 1) {
		out->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, buf, out->addr) == 1) {
		out->family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

static int parse_number(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return *end || errno || *out > max ? -EINVAL : 0;
}

int peer_match_parse(enum peer_rule_kind kind, const char *pattern, struct peer_match *out)
{
	const char *sep;
	unsigned long v;

	memset(out, 0, sizeof(*out));
	if (kind == PEER_RULE_CIDR) {
		sep = strrchr(pattern, '/');
		if (!sep || parse_ip(pattern, (size_t)(sep - pattern), out) ||
		    parse_number(sep + 1, out->family == AF_INET ? 32 : 128, &v))
			return -EINVAL;
		out->prefix = (unsigned)v;
		return 0;
	}
	if (kind != PEER_RULE_ADDRESS)
		return -EINVAL;
	/* "ip", "v4:port", "[v6]" or "[v6]:port"; a bare v6 has no port. */
	sep = strrchr(pattern, ':');
	if (sep && (pattern[0] == '[' ? sep[-1] == ']' : strchr(pattern, ':') == sep)) {
		if (parse_ip(pattern, (size_t)(sep - pattern), out) ||
		    parse_number(sep + 1, 65535, &v) || v == 0)
			return -EINVAL;
		out->port = (uint16_t)v;
	} else if (parse_ip(pattern, strlen(pattern), out)) {
		return -EINVAL;
	}
	out->prefix = out->family == AF_INET ? 32 : 128;
	return 0;
}

bool peer_match_hit(const struct peer_match *m, const struct net_peer *p)
{
	unsigned full = m->prefix / 8, rest = m->prefix % 8;

	if (m->family != p->family || (m->port && m->port != p->port))
		return false;
	if (memcmp(m->addr, p->addr, full) != 0)
		return false;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));

		return (m->addr[full] & mask) == (p->addr[full] & mask);
	}
	return true;
}

void peer_format(const struct net_peer *p, char *out, size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	inet_ntop(p->family == AF_INET ? AF_INET : AF_INET6, p->addr, ip, sizeof(ip));
	snprintf(out, len, p->family == AF_INET ? "%s:%u" : "[%s]:%u", ip, p->port);
}

int peers_init(struct peers *ps, const struct peer_rule *rules, size_t n_rules,
	       size_t max_names)
{
	memset(ps, 0, sizeof(*ps));
	ps->rules = rules;
	ps->n_rules = n_rules;
	ps->max_names = max_names;
	ps->n_hosts_cap = 4 * max_names + 16;
	ps->matches = calloc(n_rules ? n_rules : 1, sizeof(*ps->matches));
	ps->names = calloc(max_names ? max_names : 1, sizeof(*ps->names));
	/* At most half full: probes stay short. */
	ps->n_name_slots = 2 * max_names + 1;
	ps->name_slots = calloc(ps->n_name_slots, sizeof(*ps->name_slots));
	ps->hosts = calloc(ps->n_hosts_cap, sizeof(*ps->hosts));
	if (!ps->matches || !ps->names || !ps->name_slots || !ps->hosts) {
		peers_free(ps);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n_rules; i++)
		if (rules[i].kind != PEER_RULE_HOST &&
		    peer_match_parse(rules[i].kind, rules[i].pattern, &ps->matches[i])) {
			peers_free(ps);
			return -EINVAL;	/* the config checked it: cannot happen */
		}
	return 0;
}

int peers_set_rules(struct peers *ps, const struct peer_rule *rules, size_t n_rules)
{
	struct peer_match *m = calloc(n_rules ? n_rules : 1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	for (size_t i = 0; i < n_rules; i++)
		if (rules[i].kind != PEER_RULE_HOST &&
		    peer_match_parse(rules[i].kind, rules[i].pattern, &m[i])) {
			free(m);
			return -EINVAL;	/* the config checked it: cannot happen */
		}
	free(ps->matches);
	ps->matches = m;
	ps->rules = rules;
	ps->n_rules = n_rules;
	return 0;
}

void peers_free(struct peers *ps)
{
	free(ps->matches);
	free(ps->names);
	free(ps->name_slots);
	free(ps->hosts);
	memset(ps, 0, sizeof(*ps));
}

static size_t peer_hash(const struct net_peer *p)
{
	size_t h = 5381;

	for (size_t i = 0; i < sizeof(p->addr); i++)
		h = h * 33 + p->addr[i];
	return ((h * 33 + p->port) * 33 + p->family) * 33 + p->host;
}

static bool same_peer(const struct net_peer *a, const struct net_peer *b)
{
	return a->family == b->family && a->port == b->port && a->host == b->host &&
	       memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

/* The slot for p: its own, or the first free one; NULL when full. */
static struct peer_host *host_slot(struct peers *ps, const struct net_peer *p)
{
	size_t start = peer_hash(p) % ps->n_hosts_cap;

	for (size_t i = 0; i < ps->n_hosts_cap; i++) {
		struct peer_host *h = &ps->hosts[(start + i) % ps->n_hosts_cap];

		if (!h->used || same_peer(&h->peer, p))
			return h;
	}
	return NULL;
}

/*
 * A host name is printable and has no spaces; the port after ':' goes.
 * In lower case, as the kernel hashes it: one key, one name.
 */
static bool clean_host(char *host)
{
	char *colon = host[0] == '[' ? NULL : strrchr(host, ':');

	if (colon)
		*colon = '\0';
	for (char *c = host; *c; c++) {
		if (*c <= ' ' || *c > '~')
			return false;
		if (*c >= 'A' && *c <= 'Z')
			*c += 'a' - 'A';
	}
	return host[0] != '\0';
}

void peers_learn(struct peers *ps, const struct net_peer *p, const char *name, size_t len)
{
	char host[PEER_NAME_MAX];
	struct peer_host *h;

	if (!p->host || len == 0 || len >= sizeof(host))
		return;	/* no host (the key is named by its address), or none worth a label */
	memcpy(host, name, len);
	host[len] = '\0';
	if (!clean_host(host))
		return;
	h = host_slot(ps, p);
	if (!h || h->used)
		return;	/* full, or known (one key, one host: only a hash collision differs) */
	h->used = true;
	h->peer = *p;
	snprintf(h->host, sizeof(h->host), "%s", host);
}

/* snprintf("%s") without printf: the name goes into every outbound event. */
static void copy_name(char *out, size_t len, const char *name)
{
	size_t n;

	if (!len)
		return;
	n = strnlen(name, len - 1);
	memcpy(out, name, n);
	out[n] = '\0';
}

static size_t name_hash(const char *s)
{
	size_t h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

/* Within the cap: names already handed out stay, new ones until full. */
static void capped(struct peers *ps, const char *name, char *out, size_t len)
{
	size_t start = name_hash(name) % ps->n_name_slots, slot = start;

	/* Bounded by the table's size; at most half of it is in use, so a free slot ends it. */
	for (size_t i = 0; i < ps->n_name_slots; i++) {
		uint32_t at = ps->name_slots[slot];

		if (!at)
			break;
		if (strcmp(ps->names[at - 1], name) == 0) {
			copy_name(out, len, name);
			return;
		}
		slot = (slot + 1) % ps->n_name_slots;
	}
	if (ps->n_names >= ps->max_names || ps->name_slots[slot]) {
		ps->folded++;
		copy_name(out, len, PEER_OTHER);
		return;
	}
	copy_name(ps->names[ps->n_names], PEER_NAME_MAX, name);
	ps->name_slots[slot] = (uint32_t)++ps->n_names;
	copy_name(out, len, name);
}

bool peers_name(struct peers *ps, const struct net_peer *p, bool wait, char *out, size_t len)
{
	struct peer_host *h = p->host ? host_slot(ps, p) : NULL;
	const char *host = h && h->used ? h->host : NULL;
	/* A host hash not learned yet: its name may still come. */
	bool unknown = p->host && !host;
	char fallback[PEER_NAME_MAX];

	for (size_t i = 0; i < ps->n_rules; i++) {
		const struct peer_rule *r = &ps->rules[i];
		bool hit;

		if (r->kind == PEER_RULE_HOST) {
			if (unknown && wait)
				return false;	/* this rule might match the host */
			hit = host && fnmatch(r->pattern, host, FNM_CASEFOLD) == 0;
		} else {
			hit = peer_match_hit(&ps->matches[i], p);
		}
		if (hit) {
			capped(ps, r->name, out, len);
			return true;
		}
	}
	if (host) {
		capped(ps, host, out, len);
		return true;
	}
	if (unknown && wait)
		return false;
	peer_format(p, fallback, sizeof(fallback));
	capped(ps, fallback, out, len);
	return true;
}
