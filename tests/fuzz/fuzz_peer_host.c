// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for include/pantau/peer_host.h, the scan the kernel
 * runs over the first bytes of every outbound connection (any process's
 * bytes: untrusted). Byte 0 picks the window the bytes come through (1 to
 * 256, as a sender's buffers may end anywhere); the rest are the bytes.
 * A name found lies inside the bytes, is 1 to PEER_HOST_NAME_MAX
 * printable bytes without blanks, and hashes as the event's name does.
 * An HTTP Host is found alike through any window that can hold a name
 * (the name must lie in one window); a TLS field must fit in one window
 * too (the 44 bytes before the session id), so there only the properties
 * above are checked. Smaller windows are still scanned, for the rest.
 *
 * Covers: include/pantau/peer_host.h
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "pantau/peer_host.h"

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_peer_host: %s\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	__u32 name = 0, len = 0, whole_name = 0, whole_len = 0, window, total, hash, whole;

	if (size < 1 || size > 1 + 2 * PEER_HOST_TLS_BYTES)
		return 0;
	window = (__u32)data[0] + 1;
	total = (__u32)(size - 1);
	hash = peer_host_scan(data + 1, total, window, &name, &len);
	whole = peer_host_scan(data + 1, total, PEER_HOST_WINDOW, &whole_name, &whole_len);
	if (total && data[1] != 0x16 && window > PEER_HOST_NAME_MAX) {
		check(hash == whole, "the Host found depends on the window");
		check(!hash || (name == whole_name && len == whole_len),
		      "the Host's place depends on the window");
	}
	if (!hash)
		return 0;
	check(len >= 1 && len <= PEER_HOST_NAME_MAX, "name length");
	check(name <= total && len <= total - name, "name outside the bytes");
	for (__u32 i = 0; i < len; i++)
		check(data[1 + name + i] > ' ' && data[1 + name + i] < 0x7f, "name byte");
	check(net_host_hash((const char *)data + 1 + name, len) == hash, "hash of the name");
	return 0;
}
