// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests for exporters/cloudwatch_emf.c: documents for known figures,
 * checked value by value and against the rules of the EMF specification
 * (version 0): the _aws block, a millisecond Timestamp, one or more
 * directives with Namespace, Dimensions (at most 30 per set, each present
 * at the root as a string) and Metrics (at most 100, each with a CloudWatch
 * unit and present at the root as a number or an array of at most 100
 * numbers).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>
#include "cloudwatch/cloudwatch_emf.h"

#define TS_MS 1767225600123LL	/* 2026-01-01T00:00:00.123Z */

static const struct emf_meta meta = {
	.namespace_name = "Pantau",
	.host = "web-1",
	.timestamp_ms = TS_MS,
	.interval_seconds = 60,
};

static const char *const units[] = {
	"Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes",
	"Gigabytes", "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits",
	"Percent", "Count", "Bytes/Second", "Kilobytes/Second", "Megabytes/Second",
	"Gigabytes/Second", "Terabytes/Second", "Bits/Second", "Kilobits/Second",
	"Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
	NULL,
};

static bool is_unit(const char *u)
{
	for (size_t i = 0; units[i]; i++)
		if (!strcmp(units[i], u))
			return true;
	return false;
}

static bool is_number(struct json_object *v)
{
	return json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double);
}

static struct json_object *member(struct json_object *obj, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(obj, key, &v))
		fail_msg("member '%s' missing in %s", key, json_object_to_json_string(obj));
	return v;
}

/* Every rule of the specification a document can break; returns its metric count. */
static size_t assert_valid_emf(struct json_object *doc)
{
	struct json_object *aws, *ts, *directives;
	size_t metrics = 0;

	assert_true(json_object_is_type(doc, json_type_object));
	aws = member(doc, "_aws");
	assert_true(json_object_is_type(aws, json_type_object));
	ts = member(aws, "Timestamp");
	assert_true(json_object_is_type(ts, json_type_int));
	/* Milliseconds since the epoch: after 2001 in ms is > 1e12. */
	assert_true(json_object_get_int64(ts) > 1000000000000LL);
	directives = member(aws, "CloudWatchMetrics");
	assert_true(json_object_is_type(directives, json_type_array));
	assert_true(json_object_array_length(directives) >= 1);
	for (size_t i = 0; i < json_object_array_length(directives); i++) {
		struct json_object *dir = json_object_array_get_idx(directives, i);
		struct json_object *ns = member(dir, "Namespace");
		struct json_object *sets = member(dir, "Dimensions");
		struct json_object *list = member(dir, "Metrics");

		assert_true(json_object_is_type(ns, json_type_string));
		assert_in_range(json_object_get_string_len(ns), 1, 255);
		assert_true(json_object_is_type(sets, json_type_array));
		for (size_t s = 0; s < json_object_array_length(sets); s++) {
			struct json_object *set = json_object_array_get_idx(sets, s);

			assert_true(json_object_is_type(set, json_type_array));
			assert_in_range(json_object_array_length(set), 1, EMF_MAX_DIMENSIONS);
			for (size_t k = 0; k < json_object_array_length(set); k++) {
				struct json_object *name = json_object_array_get_idx(set, k);
				struct json_object *val;

				assert_true(json_object_is_type(name, json_type_string));
				val = member(doc, json_object_get_string(name));
				assert_true(json_object_is_type(val, json_type_string));
				assert_in_range(json_object_get_string_len(val), 1,
						EMF_DIMENSION_VALUE_MAX);
			}
		}
		assert_true(json_object_is_type(list, json_type_array));
		assert_in_range(json_object_array_length(list), 1, EMF_MAX_METRICS);
		for (size_t k = 0; k < json_object_array_length(list); k++) {
			struct json_object *def = json_object_array_get_idx(list, k);
			struct json_object *name = member(def, "Name");
			struct json_object *unit = member(def, "Unit");
			struct json_object *val;

			assert_true(json_object_is_type(name, json_type_string));
			assert_in_range(json_object_get_string_len(name), 1, 1024);
			assert_true(json_object_is_type(unit, json_type_string));
			if (!is_unit(json_object_get_string(unit)))
				fail_msg("unit '%s' is not a CloudWatch unit",
					 json_object_get_string(unit));
			val = member(doc, json_object_get_string(name));
			if (json_object_is_type(val, json_type_array)) {
				assert_in_range(json_object_array_length(val), 1, 100);
				for (size_t n = 0; n < json_object_array_length(val); n++)
					assert_true(is_number(json_object_array_get_idx(val, n)));
			} else if (!is_number(val)) {
				fail_msg("metric '%s' is not a number at the root",
					 json_object_get_string(name));
			}
			metrics++;
		}
	}
	assert_in_range(metrics, 1, EMF_MAX_METRICS);
	return metrics;
}

/* The unit the document declares for name, or NULL when it is not a metric. */
static const char *unit_of(struct json_object *doc, const char *name)
{
	struct json_object *dir = json_object_array_get_idx(
		member(member(doc, "_aws"), "CloudWatchMetrics"), 0);
	struct json_object *list = member(dir, "Metrics");

	for (size_t k = 0; k < json_object_array_length(list); k++) {
		struct json_object *def = json_object_array_get_idx(list, k);

		if (!strcmp(json_object_get_string(member(def, "Name")), name))
			return json_object_get_string(member(def, "Unit"));
	}
	return NULL;
}

static double num(struct json_object *doc, const char *name)
{
	return json_object_get_double(member(doc, name));
}

static void assert_metric(struct json_object *doc, const char *name, const char *unit,
			  double want)
{
	const char *u = unit_of(doc, name);

	if (!u)
		fail_msg("metric %s is not declared", name);
	assert_string_equal(u, unit);
	if (fabs(num(doc, name) - want) > 1e-9 * fmax(1, fabs(want)))
		fail_msg("%s is %.12g, want %.12g", name, num(doc, name), want);
}

static void assert_no_metric(struct json_object *doc, const char *name)
{
	struct json_object *v;

	assert_null(unit_of(doc, name));
	assert_false(json_object_object_get_ex(doc, name, &v));
}

static void assert_dimensions(struct json_object *doc, const char *const *names, size_t n)
{
	struct json_object *dir = json_object_array_get_idx(
		member(member(doc, "_aws"), "CloudWatchMetrics"), 0);
	struct json_object *sets = member(dir, "Dimensions");
	struct json_object *set;

	assert_int_equal(json_object_array_length(sets), 1);
	set = json_object_array_get_idx(sets, 0);
	assert_int_equal(json_object_array_length(set), n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(json_object_get_string(json_object_array_get_idx(set, i)),
				    names[i]);
}

static struct emf_service_figures busy_shop(void)
{
	struct emf_service_figures f = {
		.service = "shop",
		.has_up = true,
		.up = true,
		.vcpu = 0.75,
		.cpu_share = 0.375,
		.memory_rss_bytes = 104857600,
		.memory_share = 0.5,
		.disk_read_bytes = 4096,
		.disk_write_bytes = 1048576,
		.disk_read_ops = 1,
		.disk_write_ops = 256,
		.net_received_bytes = 123456,
		.net_sent_bytes = 654321,
		.traffic = true,
		.requests = 1200,
		.errors = 60,
		.p50_seconds = 0.0125,
		.p95_seconds = 0.25,
		.p99_seconds = 1.5,
	};

	return f;
}

static void test_service_document_has_every_figure_with_its_unit(void **state)
{
	static const char *const dims[] = { "Host", "Service" };
	struct emf_service_figures f = busy_shop();
	struct json_object *doc = emf_service_document(&meta, &f);

	(void)state;
	assert_non_null(doc);
	assert_int_equal(assert_valid_emf(doc), 17);
	assert_int_equal(json_object_get_int64(member(member(doc, "_aws"), "Timestamp")), TS_MS);
	assert_string_equal(json_object_get_string(member(json_object_array_get_idx(
		member(member(doc, "_aws"), "CloudWatchMetrics"), 0), "Namespace")), "Pantau");
	assert_dimensions(doc, dims, 2);
	assert_string_equal(json_object_get_string(member(doc, "Host")), "web-1");
	assert_string_equal(json_object_get_string(member(doc, "Service")), "shop");
	assert_true(num(doc, "IntervalSeconds") == 60);
	assert_null(unit_of(doc, "IntervalSeconds"));
	assert_metric(doc, "ServiceUp", "Count", 1);
	assert_metric(doc, "vCPU", "None", 0.75);
	assert_metric(doc, "CPUShareOfLimit", "None", 0.375);
	assert_metric(doc, "MemoryRSS", "Bytes", 104857600);
	assert_metric(doc, "MemoryShareOfLimit", "None", 0.5);
	assert_metric(doc, "DiskReadBytes", "Bytes", 4096);
	assert_metric(doc, "DiskWriteBytes", "Bytes", 1048576);
	assert_metric(doc, "DiskReadOps", "Count", 1);
	assert_metric(doc, "DiskWriteOps", "Count", 256);
	assert_metric(doc, "NetworkReceivedBytes", "Bytes", 123456);
	assert_metric(doc, "NetworkSentBytes", "Bytes", 654321);
	assert_metric(doc, "Requests", "Count", 1200);
	assert_metric(doc, "Errors", "Count", 60);
	assert_metric(doc, "ErrorRatio", "None", 0.05);
	assert_metric(doc, "LatencyP50", "Seconds", 0.0125);
	assert_metric(doc, "LatencyP95", "Seconds", 0.25);
	assert_metric(doc, "LatencyP99", "Seconds", 1.5);
	json_object_put(doc);
}

static void test_service_without_traffic_or_limits_leaves_them_out(void **state)
{
	struct emf_service_figures f = busy_shop();
	struct json_object *doc;

	(void)state;
	f.traffic = false;
	f.memory_share = NAN;
	f.cpu_share = NAN;
	doc = emf_service_document(&meta, &f);
	assert_non_null(doc);
	assert_int_equal(assert_valid_emf(doc), 9);
	assert_no_metric(doc, "Requests");
	assert_no_metric(doc, "Errors");
	assert_no_metric(doc, "ErrorRatio");
	assert_no_metric(doc, "LatencyP95");
	assert_no_metric(doc, "MemoryShareOfLimit");
	assert_no_metric(doc, "CPUShareOfLimit");
	assert_metric(doc, "MemoryRSS", "Bytes", 104857600);
	json_object_put(doc);
}

static void test_quiet_interval_sends_zero_requests_but_no_ratio(void **state)
{
	struct emf_service_figures f = busy_shop();
	struct json_object *doc;

	(void)state;
	f.requests = f.errors = 0;
	f.p50_seconds = f.p95_seconds = f.p99_seconds = NAN;
	doc = emf_service_document(&meta, &f);
	assert_non_null(doc);
	assert_valid_emf(doc);
	assert_metric(doc, "Requests", "Count", 0);
	assert_metric(doc, "Errors", "Count", 0);
	assert_no_metric(doc, "ErrorRatio");
	assert_no_metric(doc, "LatencyP50");
	assert_no_metric(doc, "LatencyP99");
	json_object_put(doc);
}

static void test_pseudo_service_has_no_service_up(void **state)
{
	struct emf_service_figures f = busy_shop();
	struct json_object *doc;

	(void)state;
	f.has_up = false;
	doc = emf_service_document(&meta, &f);
	assert_non_null(doc);
	assert_valid_emf(doc);
	assert_no_metric(doc, "ServiceUp");
	json_object_put(doc);
	f.has_up = true;
	f.up = false;
	doc = emf_service_document(&meta, &f);
	assert_metric(doc, "ServiceUp", "Count", 0);
	json_object_put(doc);
}

static void test_peer_document_has_peer_dimension(void **state)
{
	static const char *const dims[] = { "Host", "Service", "Peer" };
	struct emf_peer_figures f = {
		.service = "shop",
		.peer = "payment-gateway",
		.calls = 40,
		.errors = 10,
		.p50_seconds = 0.2,
		.p95_seconds = 0.9,
		.p99_seconds = NAN,
	};
	struct json_object *doc = emf_peer_document(&meta, &f);

	(void)state;
	assert_non_null(doc);
	assert_int_equal(assert_valid_emf(doc), 5);
	assert_dimensions(doc, dims, 3);
	assert_string_equal(json_object_get_string(member(doc, "Peer")), "payment-gateway");
	assert_string_equal(json_object_get_string(member(doc, "Service")), "shop");
	assert_metric(doc, "DependencyCalls", "Count", 40);
	assert_metric(doc, "DependencyErrors", "Count", 10);
	assert_metric(doc, "DependencyErrorRatio", "None", 0.25);
	assert_metric(doc, "DependencyLatencyP50", "Seconds", 0.2);
	assert_metric(doc, "DependencyLatencyP95", "Seconds", 0.9);
	assert_no_metric(doc, "DependencyLatencyP99");
	json_object_put(doc);
}

static void test_host_document_is_the_heartbeat(void **state)
{
	static const char *const dims[] = { "Host" };
	struct json_object *doc = emf_host_document(&meta, 7);

	(void)state;
	assert_non_null(doc);
	assert_int_equal(assert_valid_emf(doc), 2);
	assert_dimensions(doc, dims, 1);
	assert_metric(doc, "PantauUp", "Count", 1);
	assert_metric(doc, "ServicesWatched", "Count", 7);
	json_object_put(doc);
}

static void test_document_is_one_line_of_json(void **state)
{
	struct emf_service_figures f = busy_shop();
	struct json_object *doc = emf_service_document(&meta, &f), *back;
	const char *text;

	(void)state;
	text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN);
	assert_null(strchr(text, '\n'));
	/* Round numbers stay short, and the text parses back to the same figures. */
	assert_non_null(strstr(text, "\"vCPU\":0.75,"));
	back = json_tokener_parse(text);
	assert_non_null(back);
	assert_valid_emf(back);
	assert_metric(back, "LatencyP50", "Seconds", 0.0125);
	json_object_put(back);
	json_object_put(doc);
}

static void test_dimension_values_are_printable_ascii(void **state)
{
	char out[EMF_DIMENSION_VALUE_MAX + 8], big[2000];
	struct emf_service_figures f = busy_shop();
	struct json_object *doc;

	(void)state;
	assert_string_equal(emf_dimension_value(out, sizeof(out), "shop-api"), "shop-api");
	assert_string_equal(emf_dimension_value(out, sizeof(out), "caf\xc3\xa9\t1"), "caf???1");
	assert_string_equal(emf_dimension_value(out, sizeof(out), ""), "?");
	assert_string_equal(emf_dimension_value(out, sizeof(out), "   "), "?");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(strlen(emf_dimension_value(out, sizeof(out), big)),
			 EMF_DIMENSION_VALUE_MAX);
	assert_string_equal(emf_dimension_value(out, 4, "abcdef"), "abc");
	snprintf(f.service, sizeof(f.service), "k\xc3\xb6ln");
	doc = emf_service_document(&meta, &f);
	assert_valid_emf(doc);
	assert_string_equal(json_object_get_string(member(doc, "Service")), "k??ln");
	json_object_put(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_service_document_has_every_figure_with_its_unit),
		cmocka_unit_test(test_service_without_traffic_or_limits_leaves_them_out),
		cmocka_unit_test(test_quiet_interval_sends_zero_requests_but_no_ratio),
		cmocka_unit_test(test_pseudo_service_has_no_service_up),
		cmocka_unit_test(test_peer_document_has_peer_dimension),
		cmocka_unit_test(test_host_document_is_the_heartbeat),
		cmocka_unit_test(test_document_is_one_line_of_json),
		cmocka_unit_test(test_dimension_values_are_printable_ascii),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
