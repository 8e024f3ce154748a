// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the TLS ClientHello walk of include/pantau/peer_host.h
 * (peer_host_tls_step()), which the kernel runs over the first bytes every
 * process sends on an outbound connection to learn the server name it
 * asks for. The input is those bytes; seeds are ClientHellos of OpenSSL
 * (s_client, curl, Python) and GnuTLS (wget) captured on this host.
 *
 * The scan, through its 256-byte window and step budget, is compared with
 * a plain reading of the whole buffer written here, as lenient as the scan
 * is by design (record, handshake and list lengths are not checked): a
 * name the scan finds is the one the plain reading finds, at the same
 * place; and a name the plain reading finds within the first
 * PEER_HOST_TLS_BYTES is found by the scan whenever the fields before it
 * fit the step budget (every field a step, and at most one window load
 * each).
 *
 * Covers: include/pantau/peer_host.h
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pantau/peer_host.h"

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_tls_client_hello: %s\n", what);
		abort();
	}
}

struct plain {
	__u32 name, len;	/* the name, when found */
	__u32 fields;		/* fields read before the name's bytes */
};

static int have(__u32 total, __u32 at, __u32 k)
{
	return at <= total && k <= total - at;
}

/* The server name, read from a whole buffer of total bytes; 1 when found. */
static int plain_server_name(const __u8 *b, __u32 total, struct plain *p)
{
	__u32 pos, end, n;

	/* record (5), handshake type and length (4), version (2), random (32), session id */
	if (!have(total, 0, 44) || b[0] != 0x16 || b[5] != 1)
		return 0;
	pos = 44 + b[43];
	if (!have(total, pos, 2))	/* cipher suites */
		return 0;
	pos += 2 + (b[pos] << 8 | b[pos + 1]);
	if (!have(total, pos, 1))	/* compression methods */
		return 0;
	pos += 1 + b[pos];
	if (!have(total, pos, 2))	/* extensions */
		return 0;
	end = pos + 2 + (b[pos] << 8 | b[pos + 1]);
	pos += 2;
	p->fields = 4;
	for (;;) {
		p->fields++;
		if (pos + 4 > end || !have(total, pos, 4))
			return 0;
		if ((b[pos] << 8 | b[pos + 1]) != 0) {
			pos += 4 + (b[pos + 2] << 8 | b[pos + 3]);
			continue;
		}
		/* server_name: list length (2), name type (1, host_name 0), name length (2) */
		if (!have(total, pos, 9) || b[pos + 6] != 0)
			return 0;
		n = b[pos + 7] << 8 | b[pos + 8];
		if (n == 0 || n > PEER_HOST_NAME_MAX || pos + 9 + n > end || !have(total, pos + 9, n))
			return 0;
		for (__u32 i = 0; i < n; i++)
			if (b[pos + 9 + i] <= ' ' || b[pos + 9 + i] > '~')
				return 0;
		p->name = pos + 9;
		p->len = n;
		return 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	__u32 total, reach, name = 0, len = 0, hash;
	struct plain p = { 0 };
	int found;

	if (size < 1 || size > 2 * PEER_HOST_TLS_BYTES || data[0] != 0x16)
		return 0;
	total = (__u32)size;
	reach = total < PEER_HOST_TLS_BYTES ? total : PEER_HOST_TLS_BYTES;
	found = plain_server_name(data, reach, &p);
	hash = peer_host_scan(data, total, PEER_HOST_WINDOW, &name, &len);
	if (hash) {
		check(found, "the scan found a name the plain reading does not");
		check(name == p.name && len == p.len, "the scan found another name");
		check(hash == net_host_hash((const char *)data + name, len), "the name's hash");
	} else if (found) {
		/* Steps: one per field and per name byte, one to end, a load per field at most. */
		check(2 * (p.fields + p.len + 1) > PEER_HOST_TLS_STEPS,
		      "the scan missed a name within its reach and budget");
	}
	return 0;
}
