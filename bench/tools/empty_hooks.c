// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The floor of a tracer with pantau's hooks: an empty BPF program on each
 * hook given, attached the way pantau attaches its own. Whatever a
 * benchmark measures with them is the price of having programs there at
 * all (the kernel's call into each, and for a packet hook its bookkeeping);
 * the rest of pantau's cost is its programs' own work.
 *
 * Usage: empty_hooks [--stats] [--floor OBJ] HOOK...
 *   tp_btf/NAME            a BTF tracepoint (tracing program, returns 0)
 *   raw_tp/NAME            a raw tracepoint (returns 0)
 *   cgroup_skb/ingress=DIR a cgroup_skb ingress program on the cgroup
 *                          directory DIR, as a link (returns 1: let it pass)
 *   cgroup_skb/egress=DIR  the same on egress
 * --stats keeps the kernel's run stats on, as pantau does with
 * bpf_run_stats: true; without it they are on only when someone else
 * turned them on.
 * --floor OBJ puts the programs of OBJ (floor_hooks.bpf.o: the least a
 * request path does per segment) on the cgroup_skb hooks instead of empty
 * ones; the tracepoints keep theirs.
 * Prints "ready" once every program is attached, holds until SIGINT or
 * SIGTERM, then prints "HOOK runs N run_ns N" per program, and with
 * --floor "floor answers N ns N": the answers its programs timed.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#define MAX_HOOKS 32

/* r0 = ret; exit */
static int load_returning(enum bpf_prog_type type, int ret, struct bpf_prog_load_opts *opts)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = ret },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	return bpf_prog_load(type, "empty_hook", "GPL", insns, 2, opts);
}

static int attach_tp_btf(const struct btf *vmlinux, const char *tp, int *prog_fd)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_RAW_TP);
	char name[128];
	int id, fd, link;

	if (!vmlinux) {
		fprintf(stderr, "empty_hooks: tp_btf/%s needs the kernel's BTF, which cannot be read\n", tp);
		return -ENOENT;
	}
	if (snprintf(name, sizeof(name), "btf_trace_%s", tp) >= (int)sizeof(name))
		return -ENAMETOOLONG;
	id = btf__find_by_name_kind(vmlinux, name, BTF_KIND_TYPEDEF);
	if (id < 0) {
		fprintf(stderr, "empty_hooks: no tracepoint %s in the kernel's BTF\n", tp);
		return id;
	}
	opts.attach_btf_id = id;
	fd = load_returning(BPF_PROG_TYPE_TRACING, 0, &opts);
	if (fd < 0)
		return fd;
	link = bpf_raw_tracepoint_open(NULL, fd);
	if (link < 0) {
		close(fd);
		return link;
	}
	*prog_fd = fd;
	return 0;
}

static int attach_raw_tp(const char *tp, int *prog_fd)
{
	int fd = load_returning(BPF_PROG_TYPE_RAW_TRACEPOINT, 0, NULL), link;

	if (fd < 0)
		return fd;
	link = bpf_raw_tracepoint_open(tp, fd);
	if (link < 0) {
		close(fd);
		return link;
	}
	*prog_fd = fd;
	return 0;
}

/* The floor's programs, loaded once; NULL without --floor. */
static struct bpf_object *floor_obj;

static int floor_prog(enum bpf_attach_type type)
{
	const char *name = type == BPF_CGROUP_INET_INGRESS ? "floor_ingress" : "floor_egress";
	struct bpf_program *prog = bpf_object__find_program_by_name(floor_obj, name);

	return prog ? bpf_program__fd(prog) : -ENOENT;
}

static int load_floor(const char *path)
{
	int err;

	floor_obj = bpf_object__open_file(path, NULL);
	if (!floor_obj) {
		err = -errno;
		fprintf(stderr, "empty_hooks: cannot open %s: %s\n", path, strerror(-err));
		return err;
	}
	err = bpf_object__load(floor_obj);
	if (err) {
		fprintf(stderr, "empty_hooks: the kernel refused %s: %s\n", path, strerror(-err));
		bpf_object__close(floor_obj);
		floor_obj = NULL;
	}
	return err;
}

/* What the floor's programs timed, summed over the CPUs. */
static void print_floor_totals(void)
{
	struct bpf_map *map = bpf_object__find_map_by_name(floor_obj, "floor_totals");
	int ncpu = libbpf_num_possible_cpus();
	struct { __u64 answers, ns; } *per_cpu;
	__u64 answers = 0, ns = 0;
	__u32 zero = 0;

	per_cpu = map && ncpu > 0 ? calloc(ncpu, sizeof(*per_cpu)) : NULL;
	if (!per_cpu ||
	    bpf_map__lookup_elem(map, &zero, sizeof(zero), per_cpu, ncpu * sizeof(*per_cpu), 0)) {
		fprintf(stderr, "empty_hooks: cannot read the floor's totals\n");
		free(per_cpu);
		return;
	}
	for (int c = 0; c < ncpu; c++) {
		answers += per_cpu[c].answers;
		ns += per_cpu[c].ns;
	}
	printf("floor answers %llu ns %llu\n", (unsigned long long)answers, (unsigned long long)ns);
	free(per_cpu);
}

static int attach_cgroup_skb(const char *dir, enum bpf_attach_type type, int *prog_fd)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = type);
	int cg, fd, link;

	cg = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg < 0) {
		fprintf(stderr, "empty_hooks: cannot open cgroup %s: %s\n", dir, strerror(errno));
		return -errno;
	}
	/* The floor's fds belong to its object: duplicated, so that each hook owns one. */
	fd = floor_obj ? floor_prog(type) : load_returning(BPF_PROG_TYPE_CGROUP_SKB, 1, &opts);
	if (fd >= 0 && floor_obj && (fd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0)
		fd = -errno;
	if (fd < 0) {
		close(cg);
		return fd;
	}
	/* A link, as pantau's: programs others attached there keep running. */
	link = bpf_link_create(fd, cg, type, NULL);
	close(cg);
	if (link < 0) {
		close(fd);
		return link;
	}
	*prog_fd = fd;
	return 0;
}

static int attach_hook(const struct btf *vmlinux, const char *hook, int *prog_fd)
{
	int err;

	if (!strncmp(hook, "tp_btf/", 7))
		err = attach_tp_btf(vmlinux, hook + 7, prog_fd);
	else if (!strncmp(hook, "raw_tp/", 7))
		err = attach_raw_tp(hook + 7, prog_fd);
	else if (!strncmp(hook, "cgroup_skb/ingress=", 19))
		err = attach_cgroup_skb(hook + 19, BPF_CGROUP_INET_INGRESS, prog_fd);
	else if (!strncmp(hook, "cgroup_skb/egress=", 18))
		err = attach_cgroup_skb(hook + 18, BPF_CGROUP_INET_EGRESS, prog_fd);
	else {
		fprintf(stderr, "empty_hooks: '%s' is not a hook this tool knows; use tp_btf/NAME, "
			"raw_tp/NAME or cgroup_skb/ingress=DIR or cgroup_skb/egress=DIR\n", hook);
		return -EINVAL;
	}
	if (err)
		fprintf(stderr, "empty_hooks: cannot attach %s: %s\n", hook, strerror(-err));
	return err;
}

static void print_run_stats(const char *hook, int prog_fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len) == 0)
		printf("%s runs %llu run_ns %llu\n", hook, (unsigned long long)info.run_cnt,
		       (unsigned long long)info.run_time_ns);
}

int main(int argc, char **argv)
{
	int first = 1, n, fds[MAX_HOOKS], stats_fd = -1, sig;
	const char *floor_path = NULL;
	bool stats = false;
	struct btf *vmlinux;
	sigset_t stop;

	for (; first < argc && !strncmp(argv[first], "--", 2); first++) {
		if (!strcmp(argv[first], "--stats"))
			stats = true;
		else if (!strcmp(argv[first], "--floor") && first + 1 < argc)
			floor_path = argv[++first];
		else
			break;
	}
	n = argc - first;
	if (n < 1 || n > MAX_HOOKS) {
		fprintf(stderr, "usage: empty_hooks [--stats] [--floor OBJ] HOOK... (1 to %d hooks: "
			"tp_btf/NAME, raw_tp/NAME, cgroup_skb/ingress=DIR, cgroup_skb/egress=DIR)\n",
			MAX_HOOKS);
		return 2;
	}
	if (stats) {
		stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (stats_fd < 0) {
			fprintf(stderr, "empty_hooks: cannot turn the run stats on: %s\n", strerror(-stats_fd));
			return 1;
		}
	}
	if (floor_path && load_floor(floor_path))
		return 1;
	/* Only tp_btf needs it; its absence is said there. */
	vmlinux = btf__load_vmlinux_btf();
	for (int i = 0; i < n; i++)
		if (attach_hook(vmlinux, argv[first + i], &fds[i]))
			return 1;
	/* Blocked before "ready", so a signal sent right after it is not lost. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	printf("ready\n");
	fflush(stdout);
	sigwait(&stop, &sig);
	for (int i = 0; i < n; i++)
		print_run_stats(argv[first + i], fds[i]);
	if (floor_obj)
		print_floor_totals();
	bpf_object__close(floor_obj);
	btf__free(vmlinux);
	if (stats_fd >= 0)
		close(stats_fd);
	return 0;
}
