// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests for exporters/es_spool.c, on real files in a temporary directory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include "elasticsearch/es_spool.h"

#define MiB (1ULL << 20)

struct fx {
	char dir[64];
	char err[256];
	struct spool s;
	struct spool_batch b;
	bool open;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/pantau-spool-XXXXXX");
	if (!mkdtemp(f->dir) || spool_batch_init(&f->b, 100000)) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static void remove_dir(const char *dir)
{
	char path[512];
	struct dirent *de;
	DIR *d = opendir(dir);

	while (d && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

static int teardown(void **state)
{
	struct fx *f = *state;

	if (f->open)
		spool_close(&f->s);
	spool_batch_free(&f->b);
	remove_dir(f->dir);
	free(f);
	return 0;
}

static void open_spool(struct fx *f, uint64_t max_bytes)
{
	if (f->open)
		spool_close(&f->s);
	assert_int_equal(spool_open(&f->s, f->dir, max_bytes, f->err, sizeof(f->err)), 0);
	f->open = true;
}

static void append(struct fx *f, int i, size_t pad)
{
	char doc[4096];
	int n = snprintf(doc, sizeof(doc), "{\"n\":%d,\"pad\":\"%*s\"}", i, (int)pad, "");

	assert_true(n > 0 && (size_t)n < sizeof(doc));
	assert_int_equal(spool_append(&f->s, doc, (size_t)n), 0);
}

/* The n of the i-th document in the batch. */
static int doc_n(const struct spool_batch *b, size_t i)
{
	return atoi(b->data + b->offs[i] + strlen("{\"n\":"));
}

static int count_segments(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	while (d && (de = readdir(d)) != NULL)
		n += strstr(de->d_name, ".seg") != NULL;
	if (d)
		closedir(d);
	return n;
}

static void test_records_read_back_in_order_after_sync(void **state)
{
	struct fx *f = *state;

	open_spool(f, 64 * MiB);
	for (int i = 0; i < 3; i++)
		append(f, i, 10);
	/* Not durable yet, so not readable yet. */
	assert_int_equal(spool_read(&f->s, &f->b, 100, MiB), 0);
	assert_int_equal(spool_sync(&f->s), 0);
	assert_int_equal(f->s.accepted, 3);
	assert_int_equal(spool_read(&f->s, &f->b, 100, MiB), 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(doc_n(&f->b, (size_t)i), i);
	assert_memory_equal(f->b.data + f->b.offs[1], "{\"n\":1,", 7);
	/* The reader moved on: nothing more until more is written. */
	assert_int_equal(spool_read(&f->s, &f->b, 100, MiB), 0);
}

/* Bytes of the spool's segment files on disk. */
static uint64_t disk_bytes(const char *dir)
{
	char path[512];
	struct dirent *de;
	struct stat st;
	uint64_t total = 0;
	DIR *d = opendir(dir);

	while (d && (de = readdir(d)) != NULL) {
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (strstr(de->d_name, ".seg") && stat(path, &st) == 0)
			total += (uint64_t)st.st_size;
	}
	if (d)
		closedir(d);
	return total;
}

static void test_appends_are_written_together(void **state)
{
	struct fx *f = *state;
	uint64_t rec = SPOOL_HEADER_BYTES + strlen("{\"n\":0,\"pad\":\"\"}") + 10;
	/* n of 3 to 99 and a 4000-byte pad: two digits, but for n < 10. */
	uint64_t big = SPOOL_HEADER_BYTES + strlen("{\"n\":10,\"pad\":\"\"}") + 4000;
	int per_write = (int)(SPOOL_PENDING_BYTES / big);
	uint64_t first_write = (uint64_t)per_write * big - 7;	/* n = 3..9 have one digit */

	open_spool(f, 64 * MiB);
	for (int i = 0; i < 3; i++)
		append(f, i, 10);
	/* One write per sync, not one per record. */
	assert_int_equal(disk_bytes(f->dir), 0);
	assert_int_equal(spool_bytes(&f->s), 0);
	assert_int_equal(spool_sync(&f->s), 0);
	assert_int_equal(disk_bytes(f->dir), 3 * rec);
	assert_int_equal(f->s.accepted, 3);
	/* Memory stays bounded: a full buffer is written before the sync. */
	for (int i = 0; i <= per_write; i++)
		append(f, 3 + i, 4000);
	assert_true(per_write > 7 && per_write < 90);
	assert_int_equal(disk_bytes(f->dir), 3 * rec + first_write);
	assert_int_equal(f->s.accepted, 3);
	assert_int_equal(spool_sync(&f->s), 0);
	assert_int_equal(f->s.accepted, 3 + per_write + 1);
	assert_int_equal(spool_read(&f->s, &f->b, 100000, 64 * MiB), 3 + per_write + 1);
	assert_int_equal(doc_n(&f->b, f->b.n - 1), 3 + per_write);
	/* Appended, not synced, then closed: written, and found at the next open. */
	append(f, 100, 10);
	open_spool(f, 64 * MiB);
	assert_int_equal(f->s.recovered, 3 + per_write + 2);
	assert_int_equal(f->s.lost, 0);
}

/*
 * A write that stops short (here at RLIMIT_FSIZE, as on a full disk): the
 * whole records it wrote count, the rest are counted lost, and the next
 * record goes to a new segment.
 */
static void test_failed_write_keeps_whole_records_and_counts_the_rest(void **state)
{
	struct fx *f = *state;
	struct rlimit was, limit;
	uint64_t rec;
	int rc;

	open_spool(f, 64 * MiB);
	for (int i = 0; i < 3; i++)
		append(f, i, 10);
	assert_int_equal(spool_sync(&f->s), 0);
	rec = f->s.write_bytes / 3;
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &was), 0);
	limit = was;
	limit.rlim_cur = (rlim_t)(4 * rec + rec / 2);
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &limit), 0);
	for (int i = 3; i < 6; i++)
		append(f, i, 10);
	rc = spool_sync(&f->s);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &was), 0);
	signal(SIGXFSZ, SIG_DFL);
	assert_int_equal(rc, -EFBIG);
	assert_int_equal(f->s.lost, 2);
	assert_int_equal(f->s.accepted, 4);
	assert_int_equal(spool_read(&f->s, &f->b, 100, MiB), 4);
	assert_int_equal(doc_n(&f->b, 3), 3);
	/* The torn tail ended that segment; the next record starts another. */
	append(f, 6, 10);
	assert_int_equal(spool_sync(&f->s), 0);
	assert_int_equal(spool_read(&f->s, &f->b, 100, MiB), 1);
	assert_int_equal(doc_n(&f->b, 4), 6);
	assert_int_equal(count_segments(f->dir), 2);
	open_spool(f, 64 * MiB);
	assert_int_equal(f->s.recovered, 5);
}

static void test_batch_stops_at_event_and_byte_limits(void **state)
{
	struct fx *f = *state;

	open_spool(f, 64 * MiB);
	for (int i = 0; i < 10; i++)
		append(f, i, 100);
	spool_sync(&f->s);
	assert_int_equal(spool_read(&f->s, &f->b, 4, MiB), 4);
	/* Appends to what the batch holds, up to the byte limit (at least one). */
	assert_int_equal(spool_read(&f->s, &f->b, 100, 1), 0);
	spool_batch_reset(&f->b);
	assert_int_equal(spool_read(&f->s, &f->b, 100, 1), 1);
	assert_int_equal(doc_n(&f->b, 0), 4);
	assert_int_equal(spool_read(&f->s, &f->b, 100, 350), 2);
	assert_int_equal(f->b.n, 3);
}

static void test_spool_survives_reopen(void **state)
{
	struct fx *f = *state;

	open_spool(f, 64 * MiB);
	for (int i = 0; i < 5; i++)
		append(f, i, 10);
	spool_sync(&f->s);
	/* Read but never acknowledged: it is all there again after a restart. */
	assert_int_equal(spool_read(&f->s, &f->b, 2, MiB), 2);
	open_spool(f, 64 * MiB);
	assert_int_equal(f->s.recovered, 5);
	spool_batch_reset(&f->b);
	assert_int_equal(spool_read(&f->s, &f->b, 100, MiB), 5);
	assert_int_equal(doc_n(&f->b, 0), 0);
	/* New records go to a new segment, after the old ones. */
	append(f, 5, 10);
	spool_sync(&f->s);
	assert_int_equal(spool_read(&f->s, &f->b, 100, MiB), 1);
	assert_int_equal(doc_n(&f->b, 5), 5);
	assert_int_equal(count_segments(f->dir), 2);
}

static void damage(struct fx *f, off_t off, const char *bytes, size_t n, bool at_end)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%020d.seg", f->dir, 1);
	fd = open(path, O_WRONLY | (at_end ? O_APPEND : 0));
	assert_true(fd >= 0);
	if (at_end)
		assert_int_equal(write(fd, bytes, n), (ssize_t)n);
	else
		assert_int_equal(pwrite(fd, bytes, n, off), (ssize_t)n);
	close(fd);
}

static void test_torn_tail_is_cut_off(void **state)
{
	struct fx *f = *state;

	open_spool(f, 64 * MiB);
	append(f, 0, 10);
	append(f, 1, 10);
	spool_sync(&f->s);
	spool_close(&f->s);
	f->open = false;
	/* A crash in the middle of a record: its header made it, its body did not. */
	damage(f, 0, "PSP1\x40\0\0\0", 8, true);
	open_spool(f, 64 * MiB);
	assert_int_equal(f->s.recovered, 2);
	assert_int_equal(spool_read(&f->s, &f->b, 100, MiB), 2);
	assert_int_equal(doc_n(&f->b, 1), 1);
}

static void test_bad_crc_ends_the_segment(void **state)
{
	struct fx *f = *state;
	size_t rec;

	open_spool(f, 64 * MiB);
	for (int i = 0; i < 3; i++)
		append(f, i, 10);
	spool_sync(&f->s);
	rec = (size_t)f->s.write_bytes / 3;
	spool_close(&f->s);
	f->open = false;
	/* A flipped byte in the second record's document. */
	damage(f, (off_t)(rec + SPOOL_HEADER_BYTES + 2), "X", 1, false);
	open_spool(f, 64 * MiB);
	assert_int_equal(f->s.recovered, 1);
	assert_int_equal(f->s.corrupt, 1);
	assert_int_equal(spool_read(&f->s, &f->b, 100, MiB), 1);
}

static void test_acknowledged_segments_are_deleted(void **state)
{
	struct fx *f = *state;
	int total = 0;

	/* 1 MiB cap: 128 KiB segments. */
	open_spool(f, MiB);
	for (int i = 0; i < 300; i++)
		append(f, i, 1000);
	spool_sync(&f->s);
	assert_true(count_segments(f->dir) >= 3);
	for (int round = 0; round < 10; round++) {
		int n = spool_read(&f->s, &f->b, 64, MiB);

		assert_true(n >= 0);
		if (!n)
			break;
		for (size_t i = 0; i < f->b.n; i++)
			assert_int_equal(doc_n(&f->b, i), total + (int)i);
		total += n;
		spool_ack(&f->s, &f->b);
		spool_batch_reset(&f->b);
	}
	assert_int_equal(total, 300);
	/* Only the segment still being written stays. */
	assert_int_equal(count_segments(f->dir), 1);
	assert_int_equal(f->s.dropped, 0);
}

static void test_cap_drops_oldest_and_counts(void **state)
{
	struct fx *f = *state;
	uint64_t rec = SPOOL_HEADER_BYTES + strlen("{\"n\":0,\"pad\":\"\"}") + 1000;
	int n;

	open_spool(f, MiB);
	for (int i = 0; i < 2000; i++) {
		append(f, i, 1000);
		if (i % 50 == 0)
			spool_sync(&f->s);
	}
	spool_sync(&f->s);
	assert_true(spool_bytes(&f->s) <= MiB);
	assert_true(f->s.dropped > 0);
	/* What was not dropped is readable, newest last, oldest first gone. */
	n = spool_read(&f->s, &f->b, 100000, 64 * MiB);
	assert_int_equal((uint64_t)n + f->s.dropped, 2000);
	assert_int_equal(doc_n(&f->b, 0), (int)f->s.dropped);
	assert_int_equal(doc_n(&f->b, f->b.n - 1), 1999);
	assert_true((uint64_t)n * rec <= MiB);
	/* The cap also holds when a restart finds a smaller one. */
	open_spool(f, MiB / 2 + MiB / 4);
	assert_true(spool_bytes(&f->s) <= MiB / 2 + MiB / 4);
}

static void test_oversized_record_is_refused(void **state)
{
	struct fx *f = *state;
	char *big = malloc(SPOOL_RECORD_MAX + 1);

	assert_non_null(big);
	memset(big, 'x', SPOOL_RECORD_MAX + 1);
	open_spool(f, 64 * MiB);
	assert_int_equal(spool_append(&f->s, big, SPOOL_RECORD_MAX + 1), -EMSGSIZE);
	free(big);
}

/* Mode of path, or -1 when it is not a directory. */
static int dir_mode(const char *path)
{
	struct stat st;

	if (stat(path, &st) || !S_ISDIR(st.st_mode))
		return -1;
	return (int)(st.st_mode & 07777);
}

static void test_missing_directory_is_created_and_bad_one_reported(void **state)
{
	struct fx *f = *state;
	char a[96], b[112], sub[128];

	/* A fresh host: the spool's parents (/var/lib/pantau) do not exist yet. */
	snprintf(a, sizeof(a), "%s/lib", f->dir);
	snprintf(b, sizeof(b), "%s/pantau", a);
	snprintf(sub, sizeof(sub), "%s/spool", b);
	assert_int_equal(spool_open(&f->s, sub, MiB, f->err, sizeof(f->err)), 0);
	assert_int_equal(spool_append(&f->s, "{}", 2), 0);
	assert_int_equal(spool_sync(&f->s), 0);
	assert_true(spool_bytes(&f->s) > 0);
	spool_close(&f->s);
	assert_int_equal(dir_mode(a), 0700);
	assert_int_equal(dir_mode(b), 0700);
	assert_int_equal(dir_mode(sub), 0700);
	/* Reopening finds the record it spooled. */
	assert_int_equal(spool_open(&f->s, sub, MiB, f->err, sizeof(f->err)), 0);
	assert_int_equal(spool_read(&f->s, &f->b, 10, MiB), 1);
	spool_close(&f->s);
	remove_dir(sub);
	rmdir(b);
	rmdir(a);
	assert_int_equal(spool_open(&f->s, "/proc/nonexistent/spool", MiB, f->err,
				    sizeof(f->err)), -ENOENT);
	assert_non_null(strstr(f->err, "cannot create the Elasticsearch spool directory "
			       "/proc/nonexistent/spool"));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_records_read_back_in_order_after_sync),
		T(test_appends_are_written_together),
		T(test_failed_write_keeps_whole_records_and_counts_the_rest),
		T(test_batch_stops_at_event_and_byte_limits),
		T(test_spool_survives_reopen),
		T(test_torn_tail_is_cut_off),
		T(test_bad_crc_ends_the_segment),
		T(test_acknowledged_segments_are_deleted),
		T(test_cap_drops_oldest_and_counts),
		T(test_oversized_record_is_refused),
		T(test_missing_directory_is_created_and_bad_one_reported),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
