// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests for exporters/jsonl.c: whole lines, rotation by size. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "jsonl/jsonl.h"

static char dir[] = "/tmp/pantau-jsonl-XXXXXX";

static size_t lines_in(const char *path, int *first)
{
	char line[256];
	size_t n = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		int seq;

		assert_int_equal(sscanf(line, "{\"seq\":%d}\n", &seq), 1);
		if (n == 0 && first)
			*first = seq;
		n++;
	}
	fclose(f);
	return n;
}

static void write_seq(struct jsonl_sink *s, int i)
{
	struct json_object *doc = json_object_new_object();

	json_object_object_add(doc, "seq", json_object_new_int(i));
	assert_int_equal(jsonl_write(s, doc), 0);
	json_object_put(doc);
}

static void rotates_by_size_and_keeps_the_newest(void **state)
{
	char path[128], old1[140], old2[140], old3[140], err[256];
	struct jsonl_sink s;
	int first_now = -1, first_1 = -1, first_2 = -1;
	size_t now, n1, n2;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/events.jsonl", dir);
	snprintf(old1, sizeof(old1), "%s.1", path);
	snprintf(old2, sizeof(old2), "%s.2", path);
	snprintf(old3, sizeof(old3), "%s.3", path);
	/* Lines are 11 or 12 bytes: a file rotates after its 10th or so line. */
	assert_int_equal(jsonl_open(&s, path, 110, 2, err, sizeof(err)), 0);
	for (int i = 0; i < 100; i++)
		write_seq(&s, i);
	assert_int_equal(s.written, 100);
	assert_true(s.rotations >= 8);
	jsonl_close(&s);
	now = lines_in(path, &first_now);
	n1 = lines_in(old1, &first_1);
	n2 = lines_in(old2, &first_2);
	assert_int_equal(access(old3, F_OK), -1);
	/* The newest lines, in order, with none lost between the kept files. */
	assert_int_equal(first_2 + (int)n2, first_1);
	assert_int_equal(first_1 + (int)n1, first_now);
	assert_int_equal(first_now + (int)now, 100);
	unlink(path);
	unlink(old1);
	unlink(old2);
	rmdir(dir);
}

static void keep_zero_never_rotates(void **state)
{
	char tmpl[] = "/tmp/pantau-jsonl-XXXXXX", path[128], old1[140], err[256];
	struct jsonl_sink s;

	(void)state;
	assert_non_null(mkdtemp(tmpl));
	snprintf(path, sizeof(path), "%s/e.jsonl", tmpl);
	snprintf(old1, sizeof(old1), "%s.1", path);
	assert_int_equal(jsonl_open(&s, path, 10, 0, err, sizeof(err)), 0);
	for (int i = 0; i < 20; i++)
		write_seq(&s, i);
	jsonl_close(&s);
	assert_int_equal(lines_in(path, NULL), 20);
	assert_int_equal(access(old1, F_OK), -1);
	unlink(path);
	rmdir(tmpl);
}

static void missing_directory_is_created(void **state)
{
	char tmpl[] = "/tmp/pantau-jsonl-XXXXXX", logs[64], path[128], err[256];
	struct jsonl_sink s;
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(tmpl));
	snprintf(logs, sizeof(logs), "%s/log", tmpl);
	snprintf(path, sizeof(path), "%s/pantau/e.jsonl", logs);
	assert_int_equal(jsonl_open(&s, path, 0, 0, err, sizeof(err)), 0);
	write_seq(&s, 0);
	jsonl_close(&s);
	assert_int_equal(lines_in(path, NULL), 1);
	assert_int_equal(stat(logs, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0750);
	unlink(path);
	*strrchr(path, '/') = '\0';
	rmdir(path);
	rmdir(logs);
	rmdir(tmpl);
}

static void unwritable_path_says_what_to_do(void **state)
{
	struct jsonl_sink s;
	char err[256];

	(void)state;
	/* /proc refuses new directories. */
	assert_true(jsonl_open(&s, "/proc/nonexistent-dir/e.jsonl", 0, 0, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "make its directory writable or set events.file"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rotates_by_size_and_keeps_the_newest),
		cmocka_unit_test(keep_zero_never_rotates),
		cmocka_unit_test(missing_directory_is_created),
		cmocka_unit_test(unwritable_path_says_what_to_do),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
