// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests for user/lib/dirs.c, on real directories under /tmp. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lib/dirs.h"

struct fx {
	char root[64];
	char path[4][160];	/* root/a, root/a/b, root/a/b/c, root/a/b/c/file */
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->root, sizeof(f->root), "/tmp/pantau-dirs-XXXXXX");
	if (!mkdtemp(f->root)) {
		free(f);
		return -1;
	}
	snprintf(f->path[0], sizeof(f->path[0]), "%s/a", f->root);
	snprintf(f->path[1], sizeof(f->path[1]), "%s/a/b", f->root);
	snprintf(f->path[2], sizeof(f->path[2]), "%s/a/b/c", f->root);
	snprintf(f->path[3], sizeof(f->path[3]), "%s/a/b/c/file", f->root);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	/* Deepest first; whichever of them a test made. */
	unlink(f->path[3]);
	for (int i = 2; i >= 0; i--) {
		unlink(f->path[i]);
		rmdir(f->path[i]);
	}
	rmdir(f->root);
	free(f);
	return 0;
}

/* Permission bits of a directory, or -1 when path is not one. */
static int dir_mode(const char *path)
{
	struct stat st;

	if (stat(path, &st) || !S_ISDIR(st.st_mode))
		return -1;
	return (int)(st.st_mode & 07777);
}

static void test_missing_parents_get_the_exact_mode(void **state)
{
	struct fx *f = *state;
	mode_t old = umask(077);

	/* A umask of 077 must not narrow 0750, nor 022 widen anything. */
	assert_int_equal(dirs_create(f->path[2], 0750), 0);
	umask(old);
	for (int i = 0; i < 3; i++)
		assert_int_equal(dir_mode(f->path[i]), 0750);
	/* Again: nothing to do, still success. */
	assert_int_equal(dirs_create(f->path[2], 0700), 0);
	assert_int_equal(dir_mode(f->path[2]), 0750);
}

static void test_existing_parent_keeps_its_mode(void **state)
{
	struct fx *f = *state;

	assert_int_equal(mkdir(f->path[0], 0755), 0);
	assert_int_equal(chmod(f->path[0], 0755), 0);
	assert_int_equal(dirs_create(f->path[2], 0700), 0);
	assert_int_equal(dir_mode(f->path[0]), 0755);
	assert_int_equal(dir_mode(f->path[1]), 0700);
	assert_int_equal(dir_mode(f->path[2]), 0700);
}

static void test_trailing_and_double_slashes(void **state)
{
	struct fx *f = *state;
	char messy[200];

	snprintf(messy, sizeof(messy), "%s//a/b//c/", f->root);
	assert_int_equal(dirs_create(messy, 0700), 0);
	assert_int_equal(dir_mode(f->path[2]), 0700);
}

static void test_file_in_the_way_is_not_a_directory(void **state)
{
	struct fx *f = *state;
	int fd = open(f->path[0], O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(dirs_create(f->path[2], 0700), -ENOTDIR);
	assert_int_equal(dirs_create(f->path[0], 0700), -ENOTDIR);
}

static void test_parent_of_a_file(void **state)
{
	struct fx *f = *state;

	assert_int_equal(dirs_create_parent(f->path[3], 0700), 0);
	assert_int_equal(dir_mode(f->path[2]), 0700);
	assert_int_equal(dir_mode(f->path[3]), -1);
	/* Standard output, a bare name and a file in / need no directory. */
	assert_int_equal(dirs_create_parent("-", 0700), 0);
	assert_int_equal(dirs_create_parent("events.jsonl", 0700), 0);
	assert_int_equal(dirs_create_parent("/events.jsonl", 0700), 0);
}

static void test_empty_and_too_long_paths(void **state)
{
	char *huge = malloc(PATH_MAX + 2);

	(void)state;
	assert_non_null(huge);
	memset(huge, 'x', PATH_MAX + 1);
	huge[0] = '/';
	huge[PATH_MAX + 1] = '\0';
	assert_int_equal(dirs_create("", 0700), -ENOENT);
	assert_int_equal(dirs_create(huge, 0700), -ENAMETOOLONG);
	assert_int_equal(dirs_create_parent(huge, 0700), -ENAMETOOLONG);
	free(huge);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_missing_parents_get_the_exact_mode),
		T(test_existing_parent_keeps_its_mode),
		T(test_trailing_and_double_slashes),
		T(test_file_in_the_way_is_not_a_directory),
		T(test_parent_of_a_file),
		T(test_empty_and_too_long_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
