// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for es_bulk_parse() (exporters/elasticsearch/es_bulk.c),
 * which reads Elasticsearch's answer to a _bulk request: whatever sits at
 * the configured URL (a proxy, another server, a broken node) writes it.
 *
 * Input: byte 0 = the items sent (0 to 64); the rest is the response. The
 * results go to an array of exactly that many (ASan sees any write past
 * it); each item taken has terminated strings; the items sort into done,
 * retry and failed once each; and a response read for n items is refused
 * for n - 1 and n + 1, so the counts never exceed what was sent.
 *
 * Covers: exporters/elasticsearch/es_bulk.c:es_bulk_parse,parse,copy_string,es_item_fate
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "elasticsearch/es_bulk.h"

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_es_bulk: %s\n", what);
		abort();
	}
}

static int parse(const char *resp, size_t len, size_t n)
{
	struct es_item_result *items = malloc(n ? n * sizeof(*items) : 1);
	size_t fates[3] = { 0 };
	int rc;

	rc = es_bulk_parse(resp, len, items, n);
	check(rc == 0 || rc == -EPROTO, "return value");
	if (rc == 0) {
		for (size_t i = 0; i < n; i++) {
			enum es_item_fate f = es_item_fate(items[i].status);

			check(memchr(items[i].type, '\0', sizeof(items[i].type)) &&
			      memchr(items[i].reason, '\0', sizeof(items[i].reason)),
			      "error type or reason not terminated");
			check(f == ES_ITEM_DONE || f == ES_ITEM_RETRY || f == ES_ITEM_FAILED, "fate");
			fates[f]++;
		}
		check(fates[0] + fates[1] + fates[2] == n, "items counted twice or not at all");
	}
	free(items);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n, len;
	char *resp;

	if (size < 1 || size > 65536)
		return 0;
	n = data[0] % 65;
	len = size - 1;
	/* Not terminated: the reader must keep to len. */
	resp = malloc(len ? len : 1);
	memcpy(resp, data + 1, len);
	if (parse(resp, len, n) == 0) {
		check(parse(resp, len, n + 1) == -EPROTO, "read for one item more than sent");
		check(n == 0 || parse(resp, len, n - 1) == -EPROTO, "read for one item less than sent");
	}
	free(resp);
	return 0;
}
