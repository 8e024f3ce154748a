// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests for exporters/es_bulk.c: ids, data streams, bodies, results. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include "elasticsearch/es_bulk.h"

#define PROCESS_DOC "{\"@timestamp\":\"2026-01-01T00:00:00.000000000Z\",\"event\":{\"dataset\":\"pantau.process\"}}"

static void test_id_is_sha256_prefix_in_base64url(void **state)
{
	char id[ES_ID_LEN + 1];

	(void)state;
	/* Reference values from Python: urlsafe_b64encode(sha256(doc).digest()[:15]). */
	assert_int_equal(es_doc_id("{\"a\":1}", 7, id), 0);
	assert_string_equal(id, "AVq9f1zFei3ZS3WQ8ErY");
	assert_int_equal(es_doc_id(PROCESS_DOC, strlen(PROCESS_DOC), id), 0);
	assert_string_equal(id, "4MUdbTlAwAvAJ5_m98RI");
}

static void test_id_differs_when_one_byte_differs(void **state)
{
	char a[ES_ID_LEN + 1], b[ES_ID_LEN + 1];

	(void)state;
	assert_int_equal(es_doc_id("{\"a\":1}", 7, a), 0);
	assert_int_equal(es_doc_id("{\"a\":2}", 7, b), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(strlen(a), ES_ID_LEN);
}

static void test_stream_follows_event_dataset(void **state)
{
	static const struct { const char *doc, *stream; } cases[] = {
		{ "{\"event\":{\"dataset\":\"pantau.http\"}}", "logs-pantau.http-default" },
		{ "{\"event\":{\"kind\":\"event\",\"dataset\":\"pantau.connection\"}}",
		  "logs-pantau.connection-default" },
		{ PROCESS_DOC, "logs-pantau.process-default" },
	};
	char out[ES_STREAM_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(es_doc_stream(cases[i].doc, strlen(cases[i].doc), out), 0);
		assert_string_equal(out, cases[i].stream);
	}
}

static void test_stream_rejects_unknown_dataset_and_non_json(void **state)
{
	static const char *const bad[] = {
		"{\"event\":{\"dataset\":\"nginx.access\"}}",
		"{\"event\":{\"dataset\":7}}",
		"{\"event\":\"pantau.http\"}",
		"{\"event\":{\"dataset\":\"pantau.http\"}",
		"[]",
		"not json",
	};
	char out[ES_STREAM_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(es_doc_stream(bad[i], strlen(bad[i]), out), -EINVAL);
}

static void test_bulk_body_is_create_action_then_document(void **state)
{
	struct sbuf b;

	(void)state;
	sbuf_init(&b);
	assert_int_equal(es_bulk_add(&b, PROCESS_DOC, strlen(PROCESS_DOC)), 0);
	assert_int_equal(es_bulk_add(&b, PROCESS_DOC, strlen(PROCESS_DOC)), 0);
	assert_string_equal(b.buf,
		"{\"create\":{\"_index\":\"logs-pantau.process-default\",\"_id\":\"4MUdbTlAwAvAJ5_m98RI\"}}\n"
		PROCESS_DOC "\n"
		"{\"create\":{\"_index\":\"logs-pantau.process-default\",\"_id\":\"4MUdbTlAwAvAJ5_m98RI\"}}\n"
		PROCESS_DOC "\n");
	sbuf_free(&b);
}

static void test_bulk_body_refuses_line_breaks_and_empty(void **state)
{
	const char *doc = "{\"event\":\n{\"dataset\":\"pantau.http\"}}";
	struct sbuf b;

	(void)state;
	sbuf_init(&b);
	assert_int_equal(es_bulk_add(&b, doc, strlen(doc)), -EINVAL);
	assert_int_equal(es_bulk_add(&b, "", 0), -EINVAL);
	assert_int_equal(b.len, 0);
	sbuf_free(&b);
}

static void test_parse_reads_status_and_error_per_item(void **state)
{
	const char *resp =
		"{\"took\":3,\"errors\":true,\"items\":["
		"{\"create\":{\"_index\":\"x\",\"_id\":\"a\",\"status\":201}},"
		"{\"create\":{\"_index\":\"x\",\"_id\":\"b\",\"status\":409,\"error\":{\"type\":"
		"\"version_conflict_engine_exception\",\"reason\":\"document already exists\"}}},"
		"{\"create\":{\"_index\":\"x\",\"_id\":\"c\",\"status\":429,\"error\":{\"type\":"
		"\"es_rejected_execution_exception\",\"reason\":\"queue full\"}}},"
		"{\"create\":{\"_index\":\"x\",\"_id\":\"d\",\"status\":400,\"error\":{\"type\":"
		"\"document_parsing_exception\",\"reason\":\"failed to parse field [source.ip]\"}}}]}";
	struct es_item_result r[4];

	(void)state;
	assert_int_equal(es_bulk_parse(resp, strlen(resp), r, 4), 0);
	assert_int_equal(r[0].status, 201);
	assert_string_equal(r[0].type, "");
	assert_int_equal(r[1].status, 409);
	assert_int_equal(r[2].status, 429);
	assert_string_equal(r[2].type, "es_rejected_execution_exception");
	assert_int_equal(r[3].status, 400);
	assert_string_equal(r[3].type, "document_parsing_exception");
	assert_string_equal(r[3].reason, "failed to parse field [source.ip]");
	assert_int_equal(es_item_fate(r[0].status), ES_ITEM_DONE);
	assert_int_equal(es_item_fate(r[1].status), ES_ITEM_DONE);
	assert_int_equal(es_item_fate(r[2].status), ES_ITEM_RETRY);
	assert_int_equal(es_item_fate(r[3].status), ES_ITEM_FAILED);
	assert_int_equal(es_item_fate(503), ES_ITEM_RETRY);
	assert_int_equal(es_item_fate(200), ES_ITEM_DONE);
}

static void test_parse_refuses_wrong_count_and_shapes(void **state)
{
	static const char *const bad[] = {
		"{\"items\":[{\"create\":{\"status\":201}}]}",	/* one item, two expected */
		"{\"items\":[{\"index\":{\"status\":201}},{\"create\":{\"status\":201}}]}",
		"{\"items\":[{\"create\":{\"status\":\"201\"}},{\"create\":{\"status\":201}}]}",
		"{\"error\":{\"type\":\"x\"},\"status\":500}",
		"<html>502 Bad Gateway</html>",
		"",
	};
	struct es_item_result r[2];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(es_bulk_parse(bad[i], strlen(bad[i]), r, 2), -EPROTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id_is_sha256_prefix_in_base64url),
		cmocka_unit_test(test_id_differs_when_one_byte_differs),
		cmocka_unit_test(test_stream_follows_event_dataset),
		cmocka_unit_test(test_stream_rejects_unknown_dataset_and_non_json),
		cmocka_unit_test(test_bulk_body_is_create_action_then_document),
		cmocka_unit_test(test_bulk_body_refuses_line_breaks_and_empty),
		cmocka_unit_test(test_parse_reads_status_and_error_per_item),
		cmocka_unit_test(test_parse_refuses_wrong_count_and_shapes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
