/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The Elasticsearch _bulk protocol, without any I/O: document ids, the data
 * stream of a document, request bodies and per-item results.
 */
#ifndef PANTAU_ES_BULK_H
#define PANTAU_ES_BULK_H

#include <stddef.h>
#include "lib/sbuf.h"

/* 120 bits of SHA-256 in base64url: the length of Elasticsearch's own ids. */
#define ES_ID_LEN 20
#define ES_STREAM_MAX 64
#define ES_ERROR_TYPE_MAX 64
#define ES_ERROR_REASON_MAX 256

/*
 * The id of a document: a hash of its text as pantau serialised it, so the
 * same spooled event always gets the same id. 0 or -EIO.
 */
int es_doc_id(const char *doc, size_t len, char out[ES_ID_LEN + 1]);

/*
 * The data stream a document goes to, from its event.dataset:
 * "pantau.http" -> "logs-pantau.http-default". 0, or -EINVAL when the
 * document is not JSON or has no dataset pantau writes.
 */
int es_doc_stream(const char *doc, size_t len, char out[ES_STREAM_MAX]);

/* Append a create action and the document to a _bulk body. 0 or -errno. */
int es_bulk_add(struct sbuf *body, const char *doc, size_t len);

struct es_item_result {
	int status;			/* HTTP status of the item */
	char type[ES_ERROR_TYPE_MAX];	/* error.type, "" when none */
	char reason[ES_ERROR_REASON_MAX];
};

/*
 * Per-item results of a _bulk response for n items, in request order.
 * 0, or -EPROTO when it is not a bulk response for n items.
 */
int es_bulk_parse(const char *resp, size_t len, struct es_item_result *items, size_t n);

/* What to do with an item of a given status. */
enum es_item_fate { ES_ITEM_DONE, ES_ITEM_RETRY, ES_ITEM_FAILED };
enum es_item_fate es_item_fate(int status);

#endif
