// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The floor of a scheduler tracer: an empty BPF program (return 0) on a
 * BTF tracepoint, attached the way pantau and runqlat attach theirs
 * (tp_btf, i.e. BPF_PROG_TYPE_TRACING / BPF_TRACE_RAW_TP). Whatever the
 * benchmark measures with it is the price of having a program there at
 * all; the rest of a real tracer's cost is its own work.
 *
 * Usage: empty_tp [TRACEPOINT...]   (default: sched_switch)
 * Prints "ready" once every program is attached, holds until SIGINT or
 * SIGTERM, then prints "runs N run_ns N" per program from the kernel's
 * run stats (zero unless kernel.bpf_stats_enabled is on).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#define MAX_PROGS 8

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int attach_empty(const struct btf *vmlinux, const char *tp, int *prog_fd)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_RAW_TP);
	char name[128];
	int id, fd, link;

	if (snprintf(name, sizeof(name), "btf_trace_%s", tp) >= (int)sizeof(name))
		return -ENAMETOOLONG;
	id = btf__find_by_name_kind(vmlinux, name, BTF_KIND_TYPEDEF);
	if (id < 0) {
		fprintf(stderr, "empty_tp: no tracepoint %s in the kernel's BTF\n", tp);
		return id;
	}
	opts.attach_btf_id = id;
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "empty_tp", "GPL", insns, 2, &opts);
	if (fd < 0) {
		fprintf(stderr, "empty_tp: cannot load a program for %s: %s\n", tp, strerror(-fd));
		return fd;
	}
	link = bpf_raw_tracepoint_open(NULL, fd);
	if (link < 0) {
		fprintf(stderr, "empty_tp: cannot attach to %s: %s\n", tp, strerror(-link));
		close(fd);
		return link;
	}
	*prog_fd = fd;
	return 0;
}

int main(int argc, char **argv)
{
	const char *defaults[] = { "sched_switch" };
	const char **tps = argc > 1 ? (const char **)argv + 1 : defaults;
	int n = argc > 1 ? argc - 1 : 1, fds[MAX_PROGS];
	struct btf *vmlinux;

	if (n > MAX_PROGS) {
		fprintf(stderr, "empty_tp: at most %d tracepoints\n", MAX_PROGS);
		return 2;
	}
	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux) {
		fprintf(stderr, "empty_tp: cannot read the kernel's BTF: %s\n", strerror(errno));
		return 1;
	}
	for (int i = 0; i < n; i++)
		if (attach_empty(vmlinux, tps[i], &fds[i]))
			return 1;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("ready\n");
	fflush(stdout);
	while (!stop)
		pause();
	for (int i = 0; i < n; i++) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		if (bpf_obj_get_info_by_fd(fds[i], &info, &len) == 0)
			printf("%s runs %llu run_ns %llu\n", tps[i], (unsigned long long)info.run_cnt,
			       (unsigned long long)info.run_time_ns);
	}
	btf__free(vmlinux);
	return 0;
}
