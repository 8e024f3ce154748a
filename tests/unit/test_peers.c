// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests for user/peers.c: rule patterns, naming order, the cap, SNI. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
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

static void sni_from_client_hello(void **state)
{
	char name[64];

	(void)state;
	assert_int_equal(tls_client_hello_sni(hello, sizeof(hello), name, sizeof(name)), 0);
	assert_string_equal(name, "pay.example.id");
	/* Cut anywhere before the name's end: no name, no overrun. */
	for (size_t n = 0; n < sizeof(hello); n++)
		assert_int_equal(tls_client_hello_sni(hello, n, name, sizeof(name)), -ENODATA);
	assert_int_equal(tls_client_hello_sni(hello, sizeof(hello), name, 8), -ENODATA);
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
	peers_learn(&ps, &gw, (const uint8_t *)req, strlen(req));
	peers_learn(&ps, &web, (const uint8_t *)other, strlen(other));
	peers_name(&ps, &gw, name, sizeof(name));
	assert_string_equal(name, "payment-gateway");	/* host rule on the learned Host */
	peers_name(&ps, &db, name, sizeof(name));
	assert_string_equal(name, "postgres");		/* CIDR rule */
	peers_name(&ps, &web, name, sizeof(name));
	assert_string_equal(name, "hooks.example.org");	/* learned, port dropped */
	peers_name(&ps, &raw, name, sizeof(name));
	assert_string_equal(name, "192.0.2.9:7000");	/* nothing known */
	peers_name(&ps, &more, name, sizeof(name));
	assert_string_equal(name, PEER_OTHER);		/* the cap of 4 names */
	assert_int_equal(ps.folded, 1);
	peers_name(&ps, &gw, name, sizeof(name));
	assert_string_equal(name, "payment-gateway");	/* known names stay */
	peers_free(&ps);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cidr_and_address_patterns),
		cmocka_unit_test(formats),
		cmocka_unit_test(sni_from_client_hello),
		cmocka_unit_test(naming_order_and_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
