// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests for user/bpf/load_diag.c: a load failure in one sentence. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "bpf/load_diag.h"

/* The end of what Debian 12's 6.1 verifier said about the CPU programs. */
static const char log_6_1[] =
	"prog 'cpu_sched_switch_btf': -- BEGIN PROG LOAD LOG --\n"
	"reg type unsupported for arg#0 function cpu_sched_switch_btf#48\n"
	"0: R1=ctx(off=0,imm=0) R10=fp0\n"
	"156: (0f) r2 += r1                    ; R1_w=scalar(umax=34359738360)\n"
	"; st->runq_slots[slot]++;\n"
	"157: (79) r1 = *(u64 *)(r2 +32)\n"
	"R2 unbounded memory access, make sure to bounds check any such access\n"
	"processed 299 insns (limit 1000000) max_states_per_insn 1 total_states 24\n"
	"-- END PROG LOAD LOG --\n";

/* Two message lines at the end (6.12 on the request programs). */
static const char log_6_12[] =
	"prog 'net_ingress': -- BEGIN PROG LOAD LOG --\n"
	"776: (85) call bpf_probe_read_kernel#113\n"
	"invalid access to map value, value_size=520 off=416 size=256\n"
	"R1 max value is outside of the allowed memory range\n"
	"processed 8122 insns (limit 1000000) max_states_per_insn 11\n"
	"-- END PROG LOAD LOG --\n";

static void test_verifier_rejection_names_domain_program_and_last_words(void **state)
{
	char buf[400];

	(void)state;
	load_diag_reset();
	load_diag_note(log_6_1);
	load_diag_explain(-EACCES, "CPU", buf, sizeof(buf));
	assert_non_null(strstr(buf, "the kernel's verifier rejected the CPU programs on "));
	assert_non_null(strstr(buf, "(cpu_sched_switch_btf): R2 unbounded memory access, make sure "
				    "to bounds check any such access"));
	assert_null(strstr(buf, "processed"));
	assert_null(strstr(buf, "permission"));
}

static void test_two_message_lines_are_both_kept(void **state)
{
	char buf[400];

	(void)state;
	load_diag_reset();
	load_diag_note(log_6_12);
	load_diag_explain(-EACCES, "network", buf, sizeof(buf));
	assert_non_null(strstr(buf, "(net_ingress): invalid access to map value, value_size=520 "
				    "off=416 size=256; R1 max value is outside of the allowed memory range"));
}

static void test_reset_forgets_an_earlier_log(void **state)
{
	char buf[400];

	(void)state;
	load_diag_reset();
	load_diag_note(log_6_1);
	load_diag_reset();
	load_diag_explain(-ENOENT, "disk", buf, sizeof(buf));
	assert_null(strstr(buf, "verifier"));
	assert_non_null(strstr(buf, "cannot load the disk programs on "));
	assert_non_null(strstr(buf, "a hook or kernel type they need is missing"));
}

static void test_permission_is_said_only_without_the_capabilities(void **state)
{
	char buf[400];

	(void)state;
	load_diag_reset();
	load_diag_explain(-EPERM, "CPU", buf, sizeof(buf));
	/* The tests run as root: EPERM is then not a missing privilege. */
	if (geteuid() == 0) {
		assert_false(load_diag_is_privilege(-EPERM));
		assert_null(strstr(buf, "permission denied"));
	} else {
		assert_non_null(strstr(buf, "permission denied"));
	}
	assert_false(load_diag_is_privilege(-EINVAL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verifier_rejection_names_domain_program_and_last_words),
		cmocka_unit_test(test_two_message_lines_are_both_kept),
		cmocka_unit_test(test_reset_forgets_an_earlier_log),
		cmocka_unit_test(test_permission_is_said_only_without_the_capabilities),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
