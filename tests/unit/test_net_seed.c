// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests for user/net_seed.c: /proc/net/tcp parsing and fd links. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "bpf/net_seed.h"

/* Real lines: a listener on :22 (state 0A), one established, one time-wait. */
#define PROC_NET_TCP \
	"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n" \
	"   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 18634 1 0000000000000000 100 0 0 10 0\n" \
	"   1: 0100007F:A3C6 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 99123 1 0000000000000000 20 4 30 10 -1\n" \
	"   2: 0100007F:1F90 0100007F:A3C2 06 00000000:00000000 03:00001717 00000000     0        0 0 3 0000000000000000\n" \
	"   3: 0100007F:2256 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0000000000000000 100 0 0 10 0\n"

static char *write_tmp(const char *text)
{
	static char path[] = "/tmp/pantau-net-seed-XXXXXX";
	char *p = strdup(path);
	int fd;

	assert_non_null(p);
	fd = mkstemp(p);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return p;
}

static void listeners_only(void **state)
{
	char *path = write_tmp(PROC_NET_TCP);
	uint64_t inodes[8];
	size_t n;

	(void)state;
	n = net_seed_parse_listeners(path, inodes, 0, 8);
	assert_int_equal(n, 2);
	assert_int_equal(inodes[0], 18634);
	assert_int_equal(inodes[1], 4242);
	unlink(path);
	free(path);
}

static void appends_and_respects_max(void **state)
{
	char *path = write_tmp(PROC_NET_TCP);
	uint64_t inodes[3] = { 7, 0, 0 };

	(void)state;
	assert_int_equal(net_seed_parse_listeners(path, inodes, 1, 2), 2);
	assert_int_equal(inodes[0], 7);
	assert_int_equal(inodes[1], 18634);
	assert_int_equal(inodes[2], 0);
	unlink(path);
	free(path);
}

static void missing_file_adds_nothing(void **state)
{
	uint64_t inodes[2];

	(void)state;
	assert_int_equal(net_seed_parse_listeners("/nonexistent/tcp", inodes, 0, 2), 0);
}

static void socket_links(void **state)
{
	(void)state;
	assert_int_equal(net_seed_socket_inode("socket:[18634]"), 18634);
	assert_int_equal(net_seed_socket_inode("socket:[18634"), 0);
	assert_int_equal(net_seed_socket_inode("pipe:[18634]"), 0);
	assert_int_equal(net_seed_socket_inode("/dev/null"), 0);
	assert_int_equal(net_seed_socket_inode("anon_inode:[eventfd]"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(listeners_only),
		cmocka_unit_test(appends_and_respects_max),
		cmocka_unit_test(missing_file_adds_nothing),
		cmocka_unit_test(socket_links),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
