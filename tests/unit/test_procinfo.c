// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests for user/procinfo.c: /proc/PID/stat parsing and reading. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <limits.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "naming/procinfo.h"

#define PF_KTHREAD 0x00200000u
#define CHILD_ARG "--pantau-test-child"
/* Above PID_MAX_LIMIT (4194304): never a live pid. */
#define NO_SUCH_PID 4194305u

/*
 * A /proc/PID/stat line as the kernel writes it (fs/proc/array.c): 52
 * fields, flags in field 9, starttime in field 22, priority and nice of a
 * real-time task negative.
 */
static void make_stat(char *buf, size_t len, const char *comm, unsigned flags,
		      unsigned long long starttime)
{
	snprintf(buf, len,
		 "1234 (%s) S 1 1234 1234 0 -1 %u 1416 0 0 0 3 5 0 0 -21 -20 1 0 %llu "
		 "12345678 1234 18446744073709551615 94813000000000 94813000100000 "
		 "140722000000000 0 0 0 0 4096 0 0 0 17 2 99 1 0 0 0 94813000200000 "
		 "94813000300000 94813000400000 140722000100000 140722000200000 "
		 "140722000200000 140722000300000 0\n",
		 comm, flags, starttime);
}

static void parse_ok(const char *text, struct proc_identity *id)
{
	memset(id, 0x5a, sizeof(*id));
	if (proc_parse_stat(text, id) != 0)
		fail_msg("did not parse: '%s'", text);
}

/* ---- proc_parse_stat ---- */

static void test_parse_plain_comm(void **state)
{
	struct proc_identity id;
	char line[1024];

	(void)state;
	make_stat(line, sizeof(line), "nginx", 0x00400100, 987654);
	parse_ok(line, &id);
	assert_string_equal(id.comm, "nginx");
}

static void test_parse_comm_with_spaces_and_parentheses(void **state)
{
	struct proc_identity id;
	char line[1024];

	(void)state;
	make_stat(line, sizeof(line), "my (weird) app", 0x00400100, 555);
	parse_ok(line, &id);
	assert_string_equal(id.comm, "my (weird) app");
	assert_int_equal(id.start_ticks, 555);
}

static void test_parse_comm_hiding_fake_fields(void **state)
{
	struct proc_identity id;
	char line[1024];

	(void)state;
	/* A comm that looks like the end of comm and the next fields. */
	make_stat(line, sizeof(line), "x) S 9 9 9", 0x00400100, 777);
	parse_ok(line, &id);
	assert_string_equal(id.comm, "x) S 9 9 9");
	assert_int_equal(id.start_ticks, 777);
	assert_false(id.kernel_thread);
}

static void test_parse_reads_starttime_field_22(void **state)
{
	struct proc_identity id;
	char line[1024];

	(void)state;
	make_stat(line, sizeof(line), "db", 0x00400100, 123456789012ULL);
	parse_ok(line, &id);
	assert_true(id.start_ticks == 123456789012ULL);
}

static void test_parse_starttime_of_zero(void **state)
{
	struct proc_identity id;
	char line[1024];

	(void)state;
	make_stat(line, sizeof(line), "systemd", 0x00400100, 0);
	parse_ok(line, &id);
	assert_true(id.start_ticks == 0);
}

static void test_parse_kernel_thread_flag_set(void **state)
{
	struct proc_identity id;
	char line[1024];

	(void)state;
	/* kthreadd: PF_KTHREAD | PF_NOFREEZE | PF_FORKNOEXEC | PF_SUPERPRIV. */
	make_stat(line, sizeof(line), "kthreadd", 0x00208140, 2);
	parse_ok(line, &id);
	assert_true(id.kernel_thread);
}

static void test_parse_kernel_thread_flag_alone(void **state)
{
	struct proc_identity id;
	char line[1024];

	(void)state;
	make_stat(line, sizeof(line), "kworker/0:1H-kblockd", PF_KTHREAD, 9);
	parse_ok(line, &id);
	assert_true(id.kernel_thread);
}

static void test_parse_user_process_is_not_kernel_thread(void **state)
{
	struct proc_identity id;
	char line[1024];

	(void)state;
	/* Every flag bit but PF_KTHREAD. */
	make_stat(line, sizeof(line), "bash", ~PF_KTHREAD, 9);
	parse_ok(line, &id);
	assert_false(id.kernel_thread);
}

static void test_parse_truncates_long_comm_to_15_chars(void **state)
{
	struct proc_identity id;
	char line[1024];

	(void)state;
	/* Kernel threads show names longer than TASK_COMM_LEN in stat. */
	make_stat(line, sizeof(line), "kworker/u16:2-events_unbound", PF_KTHREAD, 42);
	parse_ok(line, &id);
	assert_string_equal(id.comm, "kworker/u16:2-e");
	assert_int_equal(strlen(id.comm), PROC_COMM_MAX - 1);
	assert_int_equal(id.start_ticks, 42);
}

static void test_parse_comm_of_15_chars_is_kept_whole(void **state)
{
	struct proc_identity id;
	char line[1024];

	(void)state;
	make_stat(line, sizeof(line), "abcdefghijklmno", 0, 1);
	parse_ok(line, &id);
	assert_string_equal(id.comm, "abcdefghijklmno");
}

static void test_parse_empty_comm(void **state)
{
	struct proc_identity id;
	char line[1024];

	(void)state;
	make_stat(line, sizeof(line), "", 0, 31);
	parse_ok(line, &id);
	assert_string_equal(id.comm, "");
	assert_int_equal(id.start_ticks, 31);
}

static void test_parse_without_trailing_newline(void **state)
{
	struct proc_identity id;
	char line[1024];

	(void)state;
	make_stat(line, sizeof(line), "sh", 0, 64);
	line[strlen(line) - 1] = '\0';
	parse_ok(line, &id);
	assert_int_equal(id.start_ticks, 64);
}

static void test_parse_line_ending_at_starttime(void **state)
{
	struct proc_identity id;

	(void)state;
	parse_ok("7 (a) R 1 7 7 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0 31337", &id);
	assert_int_equal(id.start_ticks, 31337);
	assert_string_equal(id.comm, "a");
}

static void test_parse_missing_open_paren_is_einval(void **state)
{
	struct proc_identity id;

	(void)state;
	assert_int_equal(proc_parse_stat(
		"7 a) R 1 7 7 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0 31337", &id), -EINVAL);
}

static void test_parse_missing_close_paren_is_einval(void **state)
{
	struct proc_identity id;

	(void)state;
	assert_int_equal(proc_parse_stat(
		"7 (a R 1 7 7 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0 31337", &id), -EINVAL);
}

static void test_parse_close_paren_before_open_is_einval(void **state)
{
	struct proc_identity id;

	(void)state;
	assert_int_equal(proc_parse_stat(
		"7 )a( R 1 7 7 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0 31337", &id), -EINVAL);
}

static void test_parse_empty_text_is_einval(void **state)
{
	struct proc_identity id;

	(void)state;
	assert_int_equal(proc_parse_stat("", &id), -EINVAL);
}

static void test_parse_nothing_after_comm_is_einval(void **state)
{
	struct proc_identity id;

	(void)state;
	assert_int_equal(proc_parse_stat("7 (a)", &id), -EINVAL);
	assert_int_equal(proc_parse_stat("7 (a) \n", &id), -EINVAL);
}

static void test_parse_truncated_before_starttime_is_einval(void **state)
{
	struct proc_identity id;

	(void)state;
	/* Fields 3 to 21 only. */
	assert_int_equal(proc_parse_stat(
		"7 (a) R 1 7 7 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0", &id), -EINVAL);
}

static void test_parse_truncated_before_flags_is_einval(void **state)
{
	struct proc_identity id;

	(void)state;
	assert_int_equal(proc_parse_stat("7 (a) R 1 7 7 0", &id), -EINVAL);
}

static void test_parse_non_numeric_flags_is_einval(void **state)
{
	struct proc_identity id;

	(void)state;
	assert_int_equal(proc_parse_stat(
		"7 (a) R 1 7 7 0 -1 flags 0 0 0 0 0 0 0 0 20 0 1 0 31337", &id), -EINVAL);
}

static void test_parse_non_numeric_starttime_is_einval(void **state)
{
	struct proc_identity id;

	(void)state;
	assert_int_equal(proc_parse_stat(
		"7 (a) R 1 7 7 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0 soon", &id), -EINVAL);
}

static void test_parse_starttime_out_of_range_is_einval(void **state)
{
	struct proc_identity id;

	(void)state;
	assert_int_equal(proc_parse_stat(
		"7 (a) R 1 7 7 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0 "
		"99999999999999999999999", &id), -EINVAL);
}

/* ---- proc_read_identity on the live system ---- */

static void read_text(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	n = read(fd, buf, len - 1);
	close(fd);
	assert_true(n >= 0);
	buf[n] = '\0';
}

/* What the kernel calls this process, from another file than stat. */
static void kernel_comm(char *buf, size_t len)
{
	read_text("/proc/self/comm", buf, len);
	buf[strcspn(buf, "\n")] = '\0';
}

static void test_read_identity_of_self_gives_kernel_comm(void **state)
{
	struct proc_identity id;
	char want[64];

	(void)state;
	kernel_comm(want, sizeof(want));
	assert_int_equal(proc_read_identity("/proc", (uint32_t)getpid(), &id), 0);
	assert_string_equal(id.comm, want);
	assert_false(id.kernel_thread);
}

static void test_read_identity_of_self_has_recent_start(void **state)
{
	struct proc_identity id;
	double age;

	(void)state;
	assert_int_equal(proc_read_identity("/proc", (uint32_t)getpid(), &id), 0);
	assert_true(id.start_ticks > 0);
	/* The test binary started moments ago. */
	age = proc_age_seconds(id.start_ticks);
	if (!(age > -1.0 && age < 600.0))
		fail_msg("started %g s ago", age);
}

static void test_read_identity_sees_comm_with_spaces_and_parentheses(void **state)
{
	struct proc_identity id;
	char saved[64];

	(void)state;
	kernel_comm(saved, sizeof(saved));
	assert_int_equal(prctl(PR_SET_NAME, "my (weird) app", 0, 0, 0), 0);
	assert_int_equal(proc_read_identity("/proc", (uint32_t)getpid(), &id), 0);
	prctl(PR_SET_NAME, saved, 0, 0, 0);
	assert_string_equal(id.comm, "my (weird) app");
	assert_true(id.start_ticks > 0);
}

/*
 * A fresh copy of this binary, exec'd: the kernel names it after the file
 * (first 15 chars), even when this process runs under a tool such as
 * valgrind that renames it. Returns the child's pid once it has exec'd.
 */
static pid_t spawn_self_copy(char *exe, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", exe, len - 1);
	int sync[2];
	pid_t pid;
	char c;

	assert_true(n > 0);
	exe[n] = '\0';
	assert_int_equal(pipe2(sync, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *argv[] = { exe, (char *)CHILD_ARG, NULL };

		close(sync[0]);
		execv(exe, argv);
		_exit(127);
	}
	close(sync[1]);
	/* EOF once execv succeeded and closed the write end. */
	while (read(sync[0], &c, 1) < 0 && errno == EINTR)
		;
	close(sync[0]);
	return pid;
}

static void test_read_identity_of_exec_gives_binary_name(void **state)
{
	struct proc_identity self, child;
	char exe[PATH_MAX], want[PROC_COMM_MAX];
	const char *base;
	size_t n;
	pid_t pid;
	int ret, status;

	(void)state;
	pid = spawn_self_copy(exe, sizeof(exe));
	ret = proc_read_identity("/proc", (uint32_t)pid, &child);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(ret, 0);
	base = strrchr(exe, '/') ? strrchr(exe, '/') + 1 : exe;
	/* The kernel keeps the first 15 characters of the file name. */
	n = strnlen(base, sizeof(want) - 1);
	memcpy(want, base, n);
	want[n] = '\0';
	assert_string_equal(child.comm, want);
	assert_false(child.kernel_thread);
	assert_int_equal(proc_read_identity("/proc", (uint32_t)getpid(), &self), 0);
	assert_true(child.start_ticks >= self.start_ticks);
}

static void test_read_identity_of_nonexistent_pid_is_enoent(void **state)
{
	struct proc_identity id;

	(void)state;
	assert_int_equal(proc_read_identity("/proc", NO_SUCH_PID, &id), -ENOENT);
}

static void test_read_identity_of_exited_pid_is_enoent(void **state)
{
	struct proc_identity id;
	int status;
	pid_t pid = fork();

	(void)state;
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(proc_read_identity("/proc", (uint32_t)pid, &id), -ENOENT);
}

/* ---- proc_read_identity under another proc root ---- */

struct fake_proc {
	char root[64];
	char dir[96];
	char stat[128];
};

static void fake_proc_make(struct fake_proc *fp, uint32_t pid, const char *stat_text)
{
	FILE *f;

	snprintf(fp->root, sizeof(fp->root), "/tmp/pantau-proc-XXXXXX");
	assert_non_null(mkdtemp(fp->root));
	snprintf(fp->dir, sizeof(fp->dir), "%s/%u", fp->root, pid);
	assert_int_equal(mkdir(fp->dir, 0755), 0);
	snprintf(fp->stat, sizeof(fp->stat), "%s/stat", fp->dir);
	f = fopen(fp->stat, "w");
	assert_non_null(f);
	assert_true(fputs(stat_text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

static void fake_proc_remove(struct fake_proc *fp)
{
	unlink(fp->stat);
	rmdir(fp->dir);
	rmdir(fp->root);
}

static void test_read_identity_reads_under_proc_root(void **state)
{
	struct fake_proc fp;
	struct proc_identity id;
	char line[1024];
	int ret;

	(void)state;
	make_stat(line, sizeof(line), "my (weird) app", PF_KTHREAD, 8675309);
	fake_proc_make(&fp, 4242, line);
	ret = proc_read_identity(fp.root, 4242, &id);
	fake_proc_remove(&fp);
	assert_int_equal(ret, 0);
	assert_string_equal(id.comm, "my (weird) app");
	assert_int_equal(id.start_ticks, 8675309);
	assert_true(id.kernel_thread);
}

static void test_read_identity_of_missing_pid_under_proc_root_is_enoent(void **state)
{
	struct fake_proc fp;
	struct proc_identity id;
	char line[1024];
	int ret;

	(void)state;
	make_stat(line, sizeof(line), "a", 0, 1);
	fake_proc_make(&fp, 4242, line);
	ret = proc_read_identity(fp.root, 4243, &id);
	fake_proc_remove(&fp);
	assert_int_equal(ret, -ENOENT);
}

static void test_read_identity_of_malformed_stat_is_einval(void **state)
{
	struct fake_proc fp;
	struct proc_identity id;
	int ret;

	(void)state;
	fake_proc_make(&fp, 4242, "4242 (a) R 1 2\n");
	ret = proc_read_identity(fp.root, 4242, &id);
	fake_proc_remove(&fp);
	assert_int_equal(ret, -EINVAL);
}

static void test_read_identity_of_empty_stat_is_einval(void **state)
{
	struct fake_proc fp;
	struct proc_identity id;
	int ret;

	(void)state;
	fake_proc_make(&fp, 4242, "");
	ret = proc_read_identity(fp.root, 4242, &id);
	fake_proc_remove(&fp);
	assert_int_equal(ret, -EINVAL);
}

/* ---- proc_parse_faults, proc_parse_cgroup2_path ---- */

static void test_faults_reads_fields_10_and_12(void **state)
{
	uint64_t min_flt = 0, maj_flt = 0;
	char buf[1024];

	(void)state;
	make_stat(buf, sizeof(buf), "a) b", 0, 1);
	assert_int_equal(proc_parse_faults(buf, &min_flt, &maj_flt), 0);
	assert_int_equal(min_flt, 1416);
	assert_int_equal(maj_flt, 0);
}

static void test_faults_without_fields_is_einval(void **state)
{
	uint64_t min_flt, maj_flt;

	(void)state;
	assert_int_equal(proc_parse_faults("7 (a) R 1 2\n", &min_flt, &maj_flt), -EINVAL);
	assert_int_equal(proc_parse_faults("7 a R 1 2\n", &min_flt, &maj_flt), -EINVAL);
}

/*
 * Nothing after the ')': the fields would start past the terminator. The
 * text ends where a page that cannot be read begins, so a read past it
 * faults even without ASan.
 */
static void test_faults_of_text_ending_at_comm_is_einval(void **state)
{
	static const char text[] = "7 (a)";
	long page = sysconf(_SC_PAGESIZE);
	uint64_t min_flt, maj_flt;
	char *map, *at;

	(void)state;
	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(map != MAP_FAILED);
	assert_int_equal(mprotect(map + page, page, PROT_NONE), 0);
	at = map + page - sizeof(text);
	memcpy(at, text, sizeof(text));
	assert_int_equal(proc_parse_faults(at, &min_flt, &maj_flt), -EINVAL);
	munmap(map, 2 * page);
}

static void test_cgroup2_path_of_hybrid_file(void **state)
{
	char text[] = "4:memory:/docker/abc\n1:cpu:/\n0::/system.slice/nginx.service\n";
	char out[64];

	(void)state;
	assert_int_equal(proc_parse_cgroup2_path(text, out, sizeof(out)), 0);
	assert_string_equal(out, "/system.slice/nginx.service");
}

static void test_cgroup2_path_too_long_or_missing(void **state)
{
	char longer[] = "0::/system.slice/nginx.service\n", v1[] = "12:cpu,cpuacct:/docker/abc\n";
	char out[8];

	(void)state;
	assert_int_equal(proc_parse_cgroup2_path(longer, out, sizeof(out)), -ENAMETOOLONG);
	assert_int_equal(proc_parse_cgroup2_path(v1, out, sizeof(out)), -ENOENT);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_plain_comm),
		cmocka_unit_test(test_parse_comm_with_spaces_and_parentheses),
		cmocka_unit_test(test_parse_comm_hiding_fake_fields),
		cmocka_unit_test(test_parse_reads_starttime_field_22),
		cmocka_unit_test(test_parse_starttime_of_zero),
		cmocka_unit_test(test_parse_kernel_thread_flag_set),
		cmocka_unit_test(test_parse_kernel_thread_flag_alone),
		cmocka_unit_test(test_parse_user_process_is_not_kernel_thread),
		cmocka_unit_test(test_parse_truncates_long_comm_to_15_chars),
		cmocka_unit_test(test_parse_comm_of_15_chars_is_kept_whole),
		cmocka_unit_test(test_parse_empty_comm),
		cmocka_unit_test(test_parse_without_trailing_newline),
		cmocka_unit_test(test_parse_line_ending_at_starttime),
		cmocka_unit_test(test_parse_missing_open_paren_is_einval),
		cmocka_unit_test(test_parse_missing_close_paren_is_einval),
		cmocka_unit_test(test_parse_close_paren_before_open_is_einval),
		cmocka_unit_test(test_parse_empty_text_is_einval),
		cmocka_unit_test(test_parse_nothing_after_comm_is_einval),
		cmocka_unit_test(test_parse_truncated_before_starttime_is_einval),
		cmocka_unit_test(test_parse_truncated_before_flags_is_einval),
		cmocka_unit_test(test_parse_non_numeric_flags_is_einval),
		cmocka_unit_test(test_parse_non_numeric_starttime_is_einval),
		cmocka_unit_test(test_parse_starttime_out_of_range_is_einval),
		cmocka_unit_test(test_read_identity_of_self_gives_kernel_comm),
		cmocka_unit_test(test_read_identity_of_self_has_recent_start),
		cmocka_unit_test(test_read_identity_sees_comm_with_spaces_and_parentheses),
		cmocka_unit_test(test_read_identity_of_exec_gives_binary_name),
		cmocka_unit_test(test_read_identity_of_nonexistent_pid_is_enoent),
		cmocka_unit_test(test_read_identity_of_exited_pid_is_enoent),
		cmocka_unit_test(test_read_identity_reads_under_proc_root),
		cmocka_unit_test(test_read_identity_of_missing_pid_under_proc_root_is_enoent),
		cmocka_unit_test(test_read_identity_of_malformed_stat_is_einval),
		cmocka_unit_test(test_read_identity_of_empty_stat_is_einval),
		cmocka_unit_test(test_faults_reads_fields_10_and_12),
		cmocka_unit_test(test_faults_without_fields_is_einval),
		cmocka_unit_test(test_faults_of_text_ending_at_comm_is_einval),
		cmocka_unit_test(test_cgroup2_path_of_hybrid_file),
		cmocka_unit_test(test_cgroup2_path_too_long_or_missing),
	};

	/* The copy test_read_identity_of_exec_gives_binary_name starts. */
	if (argc > 1 && strcmp(argv[1], CHILD_ARG) == 0) {
		sleep(60);
		return 0;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
