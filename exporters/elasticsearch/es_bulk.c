// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include "elasticsearch/es_bulk.h"

static const char *const datasets[] = { "pantau.http", "pantau.connection", "pantau.process" };

int es_doc_id(const char *doc, size_t len, char out[ES_ID_LEN + 1])
{
	static const char b64url[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;

	if (!EVP_Digest(doc, len, md, &md_len, EVP_sha256(), NULL) || md_len < 15)
		return -EIO;
	/* 15 bytes are 5 groups of 3, 4 characters each. */
	for (int g = 0; g < 5; g++) {
		unsigned v = (unsigned)md[3 * g] << 16 | (unsigned)md[3 * g + 1] << 8 | md[3 * g + 2];

		out[4 * g] = b64url[(v >> 18) & 63];
		out[4 * g + 1] = b64url[(v >> 12) & 63];
		out[4 * g + 2] = b64url[(v >> 6) & 63];
		out[4 * g + 3] = b64url[v & 63];
	}
	out[ES_ID_LEN] = '\0';
	return 0;
}

/* json-c takes an int length: longer text is refused like text that does not parse. */
static struct json_object *parse(const char *text, size_t len)
{
	struct json_tokener *tok;
	struct json_object *o;

	if (len > (size_t)INT32_MAX)
		return NULL;
	tok = json_tokener_new();
	if (!tok)
		return NULL;
	o = json_tokener_parse_ex(tok, text, (int)len);
	if (o && json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

int es_doc_stream(const char *doc, size_t len, char out[ES_STREAM_MAX])
{
	struct json_object *root, *event, *ds;
	int rc = -EINVAL;

	root = parse(doc, len);
	if (!root)
		return -EINVAL;
	if (json_object_object_get_ex(root, "event", &event) &&
	    json_object_object_get_ex(event, "dataset", &ds) &&
	    json_object_is_type(ds, json_type_string)) {
		const char *name = json_object_get_string(ds);

		for (size_t i = 0; i < sizeof(datasets) / sizeof(datasets[0]); i++)
			if (!strcmp(name, datasets[i])) {
				snprintf(out, ES_STREAM_MAX, "logs-%s-default", name);
				rc = 0;
			}
	}
	json_object_put(root);
	return rc;
}

int es_bulk_add(struct sbuf *body, const char *doc, size_t len)
{
	char id[ES_ID_LEN + 1], stream[ES_STREAM_MAX];
	int rc;

	/* A document with a line break would split into two bulk lines. */
	if (!len || memchr(doc, '\n', len))
		return -EINVAL;
	rc = es_doc_stream(doc, len, stream);
	if (rc)
		return rc;
	rc = es_doc_id(doc, len, id);
	if (rc)
		return rc;
	sbuf_printf(body, "{\"create\":{\"_index\":\"%s\",\"_id\":\"%s\"}}\n", stream, id);
	sbuf_add(body, doc, len);
	sbuf_add(body, "\n", 1);
	return sbuf_error(body);
}

static void copy_string(struct json_object *o, const char *key, char *out, size_t out_len)
{
	struct json_object *v;

	if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string))
		snprintf(out, out_len, "%s", json_object_get_string(v));
}

int es_bulk_parse(const char *resp, size_t len, struct es_item_result *items, size_t n)
{
	struct json_object *root, *arr;
	int rc = -EPROTO;

	root = parse(resp, len);
	if (!root)
		return -EPROTO;
	if (!json_object_object_get_ex(root, "items", &arr) ||
	    !json_object_is_type(arr, json_type_array) || json_object_array_length(arr) != n)
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct json_object *item = json_object_array_get_idx(arr, i), *action, *status, *error;

		memset(&items[i], 0, sizeof(items[i]));
		/* One key per item, named for its action ("create"). */
		if (!json_object_is_type(item, json_type_object) ||
		    !json_object_object_get_ex(item, "create", &action) ||
		    !json_object_object_get_ex(action, "status", &status) ||
		    !json_object_is_type(status, json_type_int))
			goto out;
		items[i].status = json_object_get_int(status);
		if (json_object_object_get_ex(action, "error", &error) &&
		    json_object_is_type(error, json_type_object)) {
			copy_string(error, "type", items[i].type, sizeof(items[i].type));
			copy_string(error, "reason", items[i].reason, sizeof(items[i].reason));
		}
	}
	rc = 0;
out:
	json_object_put(root);
	return rc;
}

enum es_item_fate es_item_fate(int status)
{
	/* 409: a create of an _id that exists; an earlier try delivered it. */
	if ((status >= 200 && status < 300) || status == 409)
		return ES_ITEM_DONE;
	if (status == 429 || status >= 500)
		return ES_ITEM_RETRY;
	return ES_ITEM_FAILED;
}
