// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests for user/naming/peers.c and pantau/peer_host.h: rule
 * patterns, the host each connection asks for (as the kernel hashes it),
 * naming per connection, naming order, the cap, SNI.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "events/http_head.h"
#include "naming/peers.h"

static struct net_peer v4(const char *ip, uint16_t port)
{
	struct net_peer p = { .port = port, .family = AF_INET };

	assert_int_equal(inet_pton(AF_INET, ip, p.addr), 1);
	return p;
}

static struct net_peer v6(const char *ip, uint16_t port)
{
	struct net_peer p = { .port = port, .family = AF_INET6 };

	assert_int_equal(inet_pton(AF_INET6, ip, p.addr), 1);
	return p;
}

static __u32 hash_of(const char *host)
{
	return net_host_hash(host, (__u32)strlen(host));
}

/* p as the kernel keys a connection to it that asked for host. */
static struct net_peer asked(struct net_peer p, const char *host)
{
	p.host = hash_of(host);
	return p;
}

/*
 * The kernel's scan of the first bytes sent, through windows of at most
 * window bytes: the hash, and in name the name it found.
 */
static __u32 scan(const void *data, size_t len, __u32 window, char *name, size_t size)
{
	__u32 at = 0, n = 0, h = peer_host_scan(data, (__u32)len, window, &at, &n);

	name[0] = '\0';
	if (h) {
		assert_true(n > 0 && n < size && at + n <= len);
		memcpy(name, (const char *)data + at, n);
		name[n] = '\0';
	}
	return h;
}

/* The hash of a request head, the same through windows of every size that holds the name. */
static __u32 head_hash(const char *head)
{
	char name[PEER_NAME_MAX], again[PEER_NAME_MAX];
	__u32 h = scan(head, strlen(head), PEER_HOST_WINDOW, name, sizeof(name));

	for (__u32 w = h ? (__u32)strlen(name) : 1; w < PEER_HOST_WINDOW; w += 7) {
		assert_int_equal(scan(head, strlen(head), w, again, sizeof(again)), h);
		assert_string_equal(again, name);
	}
	return h;
}

/* Learn from the first bytes a connection to p sent, keyed as the kernel keys it. */
static struct net_peer learn_bytes(struct peers *ps, struct net_peer p, const void *data,
				   size_t len)
{
	char name[PEER_NAME_MAX];

	p.host = scan(data, len, PEER_HOST_WINDOW, name, sizeof(name));
	assert_int_not_equal(p.host, 0);
	peers_learn(ps, &p, name, strlen(name));
	return p;
}

static struct net_peer learn(struct peers *ps, struct net_peer p, const char *head)
{
	return learn_bytes(ps, p, head, strlen(head));
}

static void cidr_and_address_patterns(void **state)
{
	struct peer_match m;
	struct net_peer a = v4("10.20.3.4", 5432), b = v4("10.21.0.1", 5432);

	(void)state;
	assert_int_equal(peer_match_parse(PEER_RULE_CIDR, "10.20.0.0/16", &m), 0);
	assert_true(peer_match_hit(&m, &a));
	assert_false(peer_match_hit(&m, &b));
	assert_int_equal(peer_match_parse(PEER_RULE_CIDR, "10.16.0.0/12", &m), 0);
	assert_true(peer_match_hit(&m, &b));
	assert_int_equal(peer_match_parse(PEER_RULE_CIDR, "[fd00::]/8", &m), 0);
	assert_true(peer_match_hit(&m, &(struct net_peer){ 0 }) == false);
	a = v6("fd12::1", 443);
	assert_true(peer_match_hit(&m, &a));
	assert_int_equal(peer_match_parse(PEER_RULE_ADDRESS, "127.0.0.3:8443", &m), 0);
	a = v4("127.0.0.3", 8443);
	assert_true(peer_match_hit(&m, &a));
	a.port = 80;
	assert_false(peer_match_hit(&m, &a));
	assert_int_equal(peer_match_parse(PEER_RULE_ADDRESS, "127.0.0.3", &m), 0);
	assert_true(peer_match_hit(&m, &a));
	assert_int_equal(peer_match_parse(PEER_RULE_ADDRESS, "[::1]:9000", &m), 0);
	a = v6("::1", 9000);
	assert_true(peer_match_hit(&m, &a));
	assert_int_equal(peer_match_parse(PEER_RULE_ADDRESS, "::1", &m), 0);
	assert_true(peer_match_hit(&m, &a));
	for (const char *bad[] = { "10.0.0.0/33", "10.0.0.0", "x/8", "10.0.0.0/", "[::1]/129",
				   NULL }, **p = bad; *p; p++)
		assert_int_equal(peer_match_parse(PEER_RULE_CIDR, *p, &m), -EINVAL);
	for (const char *bad[] = { "10.0.0.1:0", "10.0.0.1:70000", "host:80", "", "[::1]x",
				   NULL }, **p = bad; *p; p++)
		assert_int_equal(peer_match_parse(PEER_RULE_ADDRESS, *p, &m), -EINVAL);
}

static void formats(void **state)
{
	char out[64];
	struct net_peer a = v4("10.0.0.1", 443), b = v6("fd00::5", 8080);

	(void)state;
	peer_format(&a, out, sizeof(out));
	assert_string_equal(out, "10.0.0.1:443");
	peer_format(&b, out, sizeof(out));
	assert_string_equal(out, "[fd00::5]:8080");
}

/* A ClientHello cut to what the parser walks: no ciphers beyond one. */
static const uint8_t hello[] = {
	0x16, 0x03, 0x01, 0x00, 0x50,			/* record */
	0x01, 0x00, 0x00, 0x4c,				/* handshake: ClientHello */
	0x03, 0x03,					/* version */
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
	16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
	0x00,						/* session id */
	0x00, 0x02, 0x13, 0x01,				/* one cipher suite */
	0x01, 0x00,					/* compression: null */
	0x00, 0x21,					/* extensions: 33 bytes */
	0x00, 0x0b, 0x00, 0x02, 0x01, 0x00,		/* ec_point_formats */
	0x00, 0x00, 0x00, 0x13, 0x00, 0x11, 0x00, 0x00, 0x0e,	/* server_name */
	'p', 'a', 'y', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'i', 'd',
};

/* The kernel's scan of a ClientHello: its server name, not a byte more or less. */
static void server_name_of_a_client_hello(void **state)
{
	char name[PEER_NAME_MAX];

	(void)state;
	assert_int_equal(scan(hello, sizeof(hello), PEER_HOST_WINDOW, name, sizeof(name)),
			 hash_of("pay.example.id"));
	assert_string_equal(name, "pay.example.id");
	assert_int_equal(hash_of("pay.example.id"), hash_of("PAY.EXAMPLE.ID"));
	/* Cut anywhere before the name's end: none. */
	for (size_t n = 0; n < sizeof(hello); n++)
		assert_int_equal(scan(hello, n, PEER_HOST_WINDOW, name, sizeof(name)), 0);
	/* Windows too small for the fixed part or the name: none, no overrun. */
	for (__u32 w = 1; w < 44; w++)
		assert_int_equal(scan(hello, sizeof(hello), w, name, sizeof(name)), 0);
	assert_int_equal(scan(hello, sizeof(hello), 44, name, sizeof(name)),
			 hash_of("pay.example.id"));
}

/*
 * GnuTLS sends the server name after some 350 bytes of other extensions:
 * it is found beyond the first window, and a name that does not fit in
 * the bytes looked at is not taken.
 */
static void server_name_beyond_the_first_window(void **state)
{
	uint8_t big[700];
	char name[PEER_NAME_MAX];
	size_t len = 0, ext;

	(void)state;
	memcpy(big, hello, 9 + 2 + 32 + 1 + 4 + 2);	/* up to the extensions' length */
	len = 9 + 2 + 32 + 1 + 4 + 2;
	ext = len;
	len += 2;
	/* An extension of 500 bytes (a key share), then server_name. */
	big[len++] = 0x00;
	big[len++] = 0x33;
	big[len++] = 500 >> 8;
	big[len++] = 500 & 0xff;
	memset(big + len, 0xab, 500);
	len += 500;
	memcpy(big + len, "\x00\x00\x00\x13\x00\x11\x00\x00\x0e" "api.example.id", 23);
	len += 23;
	big[ext] = (uint8_t)((len - ext - 2) >> 8);
	big[ext + 1] = (uint8_t)(len - ext - 2);
	for (__u32 w = 44; w <= PEER_HOST_WINDOW; w += 53) {
		assert_int_equal(scan(big, len, w, name, sizeof(name)), hash_of("api.example.id"));
		assert_string_equal(name, "api.example.id");
	}
	assert_int_equal(scan(big, len - 1, PEER_HOST_WINDOW, name, sizeof(name)), 0);
	/* A name that is no name: bytes no host has. */
	big[len - 3] = ' ';
	assert_int_equal(scan(big, len, PEER_HOST_WINDOW, name, sizeof(name)), 0);
}

static void naming_order_and_cap(void **state)
{
	struct peer_rule rules[] = {
		{ PEER_RULE_HOST, "*.midtrans.com", "payment-gateway" },
		{ PEER_RULE_CIDR, "10.20.0.0/16", "postgres" },
	};
	const char *req = "GET /v2/charge HTTP/1.1\r\nHost: api.midtrans.com\r\n\r\n";
	const char *other = "POST / HTTP/1.1\r\nHost: hooks.example.org:8443\r\n\r\n";
	struct net_peer gw = v4("203.0.113.7", 443), db = v4("10.20.1.1", 5432),
			 web = v4("198.51.100.1", 8443), raw = v4("192.0.2.9", 7000),
			 more = v4("192.0.2.10", 7000);
	struct peers ps;
	char name[PEER_NAME_MAX];

	(void)state;
	assert_int_equal(peers_init(&ps, rules, 2, 4), 0);
	gw = learn(&ps, gw, req);
	web = learn(&ps, web, other);
	assert_true(peers_name(&ps, &gw, true, name, sizeof(name)));
	assert_string_equal(name, "payment-gateway");	/* host rule on the learned Host */
	assert_true(peers_name(&ps, &db, true, name, sizeof(name)));
	assert_string_equal(name, "postgres");		/* CIDR rule */
	assert_true(peers_name(&ps, &web, true, name, sizeof(name)));
	assert_string_equal(name, "hooks.example.org");	/* learned, port dropped */
	assert_true(peers_name(&ps, &raw, true, name, sizeof(name)));
	assert_string_equal(name, "192.0.2.9:7000");	/* nothing known */
	assert_true(peers_name(&ps, &more, true, name, sizeof(name)));
	assert_string_equal(name, PEER_OTHER);		/* the cap of 4 names */
	assert_int_equal(ps.folded, 1);
	assert_true(peers_name(&ps, &gw, true, name, sizeof(name)));
	assert_string_equal(name, "payment-gateway");	/* known names stay */
	peers_free(&ps);
}

/* The kernel's scan (pantau/peer_host.h) of a request head: the Host value's hash. */
static void host_of_a_request_head(void **state)
{
	char big[2300];
	int n;

	(void)state;
	assert_int_not_equal(hash_of("pay.example.test"), 0);
	assert_int_equal(head_hash("GET / HTTP/1.1\r\nHost: pay.example.test\r\n\r\n"),
			 hash_of("pay.example.test"));
	/* The name in any case, blanks around the value, the value in any case. */
	assert_int_equal(head_hash("GET / HTTP/1.1\r\nUser-Agent: t\r\nhOsT:\t PAY.Example.TEST  \r\n"
				   "Accept: */*\r\n\r\n"), hash_of("pay.example.test"));
	/* Lines ended by LF alone; the port is part of the value. */
	assert_int_equal(head_hash("POST /x HTTP/1.1\nHost: 127.0.0.1:8080\n\n"),
			 hash_of("127.0.0.1:8080"));
	assert_int_not_equal(hash_of("127.0.0.1:8080"), hash_of("127.0.0.1"));
	/* Other fields that end in "host", the first Host line only. */
	assert_int_equal(head_hash("GET / HTTP/1.1\r\nX-Host: evil\r\nHost : no\r\nHost: good\r\n"
				   "Host: second\r\n\r\n"), hash_of("good"));
	/* None: cut inside the value, after the blank line, empty, not a request. */
	assert_int_equal(head_hash("GET / HTTP/1.1\r\nHost: pay.exam"), 0);
	assert_int_equal(head_hash("GET / HTTP/1.1\r\nAccept: x\r\n\r\nHost: a\r\n"), 0);
	assert_int_equal(head_hash("GET / HTTP/1.1\r\nHost:  \r\n\r\n"), 0);
	assert_int_equal(head_hash("GET / HTTP/1.1\r\n\r\n"), 0);
	assert_int_equal(head_hash("\x01\x02Host: a\r\n"), 0);
	assert_int_equal(head_hash(""), 0);
	/* Blanks inside, or bytes no host name has: none. */
	assert_int_equal(head_hash("GET / HTTP/1.1\r\nHost: a b\r\n\r\n"), 0);
	assert_int_equal(head_hash("GET / HTTP/1.1\r\nHost: a\x7f\r\n\r\n"), 0);
	/* Beyond the first window: a long path first. */
	n = snprintf(big, sizeof(big), "GET /%0300d HTTP/1.1\r\nHost: late.example\r\n\r\n", 0);
	assert_true(n > 300 && (size_t)n < sizeof(big));
	assert_int_equal(head_hash(big), hash_of("late.example"));
	/* The first 2 KiB are looked at, no more. */
	n = snprintf(big, sizeof(big), "GET / HTTP/1.1\r\nCookie: %02100d\r\nHost: x\r\n\r\n", 0);
	assert_true(n > PEER_HOST_HTTP_BYTES && (size_t)n < sizeof(big));
	assert_int_equal(head_hash(big), 0);
	/* A name of 127 bytes is taken, one of 128 is not. */
	n = snprintf(big, sizeof(big), "GET / HTTP/1.1\r\nHost: %0127d\r\n\r\n", 0);
	assert_int_not_equal(head_hash(big), 0);
	n = snprintf(big, sizeof(big), "GET / HTTP/1.1\r\nHost: %0128d\r\n\r\n", 0);
	assert_int_equal(head_hash(big), 0);
}

/* The kernel's scan and the user-space parser agree on which host a head asks for. */
static void host_scan_agrees_with_the_parser(void **state)
{
	static const char *const heads[] = {
		"GET / HTTP/1.1\r\nHost: a.example\r\n\r\n",
		"GET /p?q=1 HTTP/1.1\r\nAccept: */*\r\nHOST:b.example:8443\r\nX: y\r\n\r\n",
		"PUT /x HTTP/1.0\r\nHost: \t c.example \t\r\nContent-Length: 2\r\n\r\nok",
		"DELETE / HTTP/1.1\nHost: D.Example\n\n",
	};
	struct http_request_head req;
	char name[PEER_NAME_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
		assert_int_equal(http_request_head_parse(heads[i], strlen(heads[i]), &req), 0);
		assert_int_equal(head_hash(heads[i]), hash_of(req.host));
		scan(heads[i], strlen(heads[i]), PEER_HOST_WINDOW, name, sizeof(name));
		assert_string_equal(name, req.host);
	}
}

/* Two names asked for at one address and port are two peers, whatever came first. */
static void each_connection_named_by_its_own_host(void **state)
{
	const char *plain = "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n";
	const char *pay = "GET /charge HTTP/1.1\r\nHost: pay.example.test\r\n\r\n";
	const char *pay_port = "GET / HTTP/1.1\r\nHost: PAY.example.test:8080\r\n\r\n";
	struct net_peer addr = v4("127.0.0.1", 8080), a, b, c, none = addr;
	char name[PEER_NAME_MAX];
	struct peers ps;

	(void)state;
	assert_int_equal(peers_init(&ps, NULL, 0, 10), 0);
	a = learn(&ps, addr, plain);	/* the first one seen at the address */
	b = learn(&ps, addr, pay);
	c = learn(&ps, addr, pay_port);
	assert_int_not_equal(a.host, b.host);
	assert_int_not_equal(b.host, c.host);
	assert_true(peers_name(&ps, &b, true, name, sizeof(name)));
	assert_string_equal(name, "pay.example.test");
	assert_true(peers_name(&ps, &a, true, name, sizeof(name)));
	assert_string_equal(name, "127.0.0.1");
	/* Two keys, one name (port dropped, lower case): their counts merge by name. */
	assert_true(peers_name(&ps, &c, true, name, sizeof(name)));
	assert_string_equal(name, "pay.example.test");
	/* No host (a failed connect, plain TCP): the address, never a host seen there. */
	assert_true(peers_name(&ps, &none, true, name, sizeof(name)));
	assert_string_equal(name, "127.0.0.1:8080");
	/* Nothing is learned for a key without a host. */
	peers_learn(&ps, &none, "pay.example.test", 16);
	assert_true(peers_name(&ps, &none, true, name, sizeof(name)));
	assert_string_equal(name, "127.0.0.1:8080");
	/* A key keeps its first name: the same hash again (a collision) changes nothing. */
	peers_learn(&ps, &b, "127.0.0.1", 9);
	assert_true(peers_name(&ps, &b, true, name, sizeof(name)));
	assert_string_equal(name, "pay.example.test");
	/* The same host at another address (two CDN addresses): the same name. */
	c = learn(&ps, v4("127.0.0.2", 443), pay);
	assert_true(peers_name(&ps, &c, true, name, sizeof(name)));
	assert_string_equal(name, "pay.example.test");
	assert_int_equal(ps.n_names, 3);
	assert_int_equal(ps.folded, 0);
	peers_free(&ps);
}

/* A TLS server name names its connection like a Host does. */
static void server_names_at_one_address(void **state)
{
	const char *req = "GET / HTTP/1.1\r\nHost: www.example.test\r\n\r\n";
	struct net_peer addr = v4("203.0.113.9", 443), tls, http;
	char name[PEER_NAME_MAX];
	struct peers ps;

	(void)state;
	assert_int_equal(peers_init(&ps, NULL, 0, 10), 0);
	tls = learn_bytes(&ps, addr, hello, sizeof(hello));
	http = learn(&ps, addr, req);
	assert_true(peers_name(&ps, &tls, true, name, sizeof(name)));
	assert_string_equal(name, "pay.example.id");
	assert_true(peers_name(&ps, &http, true, name, sizeof(name)));
	assert_string_equal(name, "www.example.test");
	peers_free(&ps);
}

/*
 * A key whose host is not learned yet: with wait, nothing is named and
 * nothing counts against the cap, unless an address rule decides first;
 * without, the address names it.
 */
static void unlearned_hosts_wait_or_fall_back(void **state)
{
	struct peer_rule rules[] = {
		{ PEER_RULE_ADDRESS, "10.0.0.5", "db" },
		{ PEER_RULE_HOST, "*.shop.test", "shop" },
		{ PEER_RULE_CIDR, "10.1.0.0/16", "internal" },
	};
	struct net_peer db = asked(v4("10.0.0.5", 80), "x.shop.test"),
			 shop = asked(v4("198.51.100.3", 80), "www.shop.test"),
			 internal = asked(v4("10.1.2.3", 80), "api.internal"),
			 lost = asked(v4("198.51.100.4", 80), "lost.example");
	char name[PEER_NAME_MAX] = "";
	struct peers ps;

	(void)state;
	assert_int_equal(peers_init(&ps, rules, 3, 10), 0);
	/* The address rule comes before any host rule: final without the host. */
	assert_true(peers_name(&ps, &db, true, name, sizeof(name)));
	assert_string_equal(name, "db");
	/* A host rule first, or no rule at all: wait. */
	assert_false(peers_name(&ps, &shop, true, name, sizeof(name)));
	assert_false(peers_name(&ps, &internal, true, name, sizeof(name)));
	assert_false(peers_name(&ps, &lost, true, name, sizeof(name)));
	assert_int_equal(ps.n_names, 1);
	/* Its first bytes arrive: the host names it. */
	shop = learn(&ps, v4("198.51.100.3", 80), "GET / HTTP/1.1\r\nHost: www.shop.test\r\n\r\n");
	assert_true(peers_name(&ps, &shop, true, name, sizeof(name)));
	assert_string_equal(name, "shop");
	/* They never do (dropped): the address rules, then the address. */
	assert_true(peers_name(&ps, &internal, false, name, sizeof(name)));
	assert_string_equal(name, "internal");
	assert_true(peers_name(&ps, &lost, false, name, sizeof(name)));
	assert_string_equal(name, "198.51.100.4:80");
	assert_int_equal(ps.n_names, 4);
	peers_free(&ps);
}

/* The cap counts names, not keys: hosts at one address fold like any other name. */
static void cap_on_hosts_at_one_address(void **state)
{
	struct net_peer addr = v4("192.0.2.1", 80), p[4];
	char head[128], name[PEER_NAME_MAX];
	struct peers ps;

	(void)state;
	assert_int_equal(peers_init(&ps, NULL, 0, 2), 0);
	for (int i = 0; i < 4; i++) {
		snprintf(head, sizeof(head), "GET / HTTP/1.1\r\nHost: h%d.example\r\n\r\n", i);
		p[i] = learn(&ps, addr, head);
	}
	assert_true(peers_name(&ps, &p[0], true, name, sizeof(name)));
	assert_string_equal(name, "h0.example");
	assert_true(peers_name(&ps, &p[1], true, name, sizeof(name)));
	assert_string_equal(name, "h1.example");
	assert_true(peers_name(&ps, &p[2], true, name, sizeof(name)));
	assert_string_equal(name, PEER_OTHER);
	assert_true(peers_name(&ps, &p[3], true, name, sizeof(name)));
	assert_string_equal(name, PEER_OTHER);
	assert_int_equal(ps.folded, 2);
	/* Names handed out stay, beyond the cap too. */
	assert_true(peers_name(&ps, &p[1], true, name, sizeof(name)));
	assert_string_equal(name, "h1.example");
	peers_free(&ps);
}

/* A full table of names: each found again, in its own slot, the next one folded. */
static void many_names_up_to_the_cap(void **state)
{
	enum { MAX = 1000 };
	char head[128], name[PEER_NAME_MAX], want[PEER_NAME_MAX];
	struct peers ps;

	(void)state;
	assert_int_equal(peers_init(&ps, NULL, 0, MAX), 0);
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < MAX + 10; i++) {
			struct net_peer p;

			snprintf(head, sizeof(head), "GET / HTTP/1.1\r\nHost: svc-%d.example\r\n\r\n", i);
			p = learn(&ps, v4("198.51.100.7", (uint16_t)(1000 + i)), head);
			snprintf(want, sizeof(want), "svc-%d.example", i);
			assert_true(peers_name(&ps, &p, true, name, sizeof(name)));
			assert_string_equal(name, i < MAX ? want : PEER_OTHER);
		}
	assert_int_equal(ps.n_names, MAX);
	assert_int_equal(ps.folded, 20);
	peers_free(&ps);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cidr_and_address_patterns),
		cmocka_unit_test(formats),
		cmocka_unit_test(server_name_of_a_client_hello),
		cmocka_unit_test(server_name_beyond_the_first_window),
		cmocka_unit_test(naming_order_and_cap),
		cmocka_unit_test(host_of_a_request_head),
		cmocka_unit_test(host_scan_agrees_with_the_parser),
		cmocka_unit_test(each_connection_named_by_its_own_host),
		cmocka_unit_test(server_names_at_one_address),
		cmocka_unit_test(unlearned_hosts_wait_or_fall_back),
		cmocka_unit_test(cap_on_hosts_at_one_address),
		cmocka_unit_test(many_names_up_to_the_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
