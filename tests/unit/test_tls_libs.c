// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests for user/tls_libs.c: which /proc/<pid>/maps lines are TLS libraries. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "bpf/tls_libs.h"

static int parse(const char *text, struct tls_mapping *m)
{
	static char line[512];

	snprintf(line, sizeof(line), "%s", text);
	return tls_mapping_parse(line, m);
}

static void test_openssl_and_gnutls_lines_give_device_inode_and_kind(void **state)
{
	struct tls_mapping m;

	(void)state;
	assert_int_equal(parse("7f3a46d4f000-7f3a46d6e000 r--p 00000000 fd:01 1319633"
			       "                    /usr/lib/x86_64-linux-gnu/libssl.so.3\n", &m), 0);
	assert_int_equal(m.kind, TLS_OPENSSL);
	assert_int_equal(m.dev_major, 0xfd);
	assert_int_equal(m.dev_minor, 1);
	assert_int_equal(m.ino, 1319633);
	assert_string_equal(m.path, "/usr/lib/x86_64-linux-gnu/libssl.so.3");
	assert_int_equal(parse("7f13 r-xp 00001000 103:02 42 /lib/x86_64-linux-gnu/"
			       "libgnutls.so.30.34.3\n", &m), 0);
	assert_int_equal(m.kind, TLS_GNUTLS);
	assert_int_equal(m.dev_major, 0x103);
	assert_int_equal(m.dev_minor, 2);
	/* A container's copy: the path as the process sees it. */
	assert_int_equal(parse("1-2 r--p 0 00:2f 77 /opt/app/lib/libssl.so.1.1\n", &m), 0);
	assert_string_equal(m.path, "/opt/app/lib/libssl.so.1.1");
}

static void test_other_lines_are_not_tls_libraries(void **state)
{
	struct tls_mapping m;

	(void)state;
	assert_int_equal(parse("1-2 r--p 0 fd:01 99 /usr/lib/x86_64-linux-gnu/libcrypto.so.3\n", &m),
			 -ENOENT);
	assert_int_equal(parse("1-2 r--p 0 fd:01 99 /usr/lib/x86_64-linux-gnu/libssl3.so\n", &m),
			 -ENOENT);	/* NSS, not OpenSSL */
	assert_int_equal(parse("1-2 rw-p 0 00:00 0 [heap]\n", &m), -ENOENT);
	assert_int_equal(parse("1-2 rw-p 0 00:00 0\n", &m), -ENOENT);
	assert_int_equal(parse("1-2 r--p 0 fd:01 99 /usr/lib/libssl.so.3 (deleted)\n", &m), -ENOENT);
	assert_int_equal(parse("garbage\n", &m), -ENOENT);
	assert_int_equal(parse("", &m), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_openssl_and_gnutls_lines_give_device_inode_and_kind),
		cmocka_unit_test(test_other_lines_are_not_tls_libraries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
