// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "cgroups.skel.h"
#include "cpu.skel.h"
#include "disk.skel.h"
#include "memory.skel.h"
#include "net.skel.h"
#include "log.h"
#include "bpf/load_diag.h"
#include "bpf/probes.h"

/*
 * tp_btf needs kernel BTF (vmlinux, read once by probes_load; NULL when
 * the kernel has none) and a btf_trace_<tp> type for the tracepoint.
 */
static int btf_tracepoint_id(const struct btf *vmlinux, const char *tp)
{
	char name[96];

	if (!vmlinux)
		return -ENOENT;
	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	return btf__find_by_name_kind(vmlinux, name, BTF_KIND_TYPEDEF);
}

static bool kernel_has_btf_tracepoint(const struct btf *vmlinux, const char *tp)
{
	return btf_tracepoint_id(vmlinux, tp) > 0;
}

/*
 * Whether the tracepoint's argument n (0 is the first after the context)
 * is a pointer: mark_victim took an int pid before Linux 6.9 (and its
 * stable backports), the task since.
 */
static bool tracepoint_arg_is_pointer(const struct btf *vmlinux, const char *tp, int n)
{
	int id = btf_tracepoint_id(vmlinux, tp);
	const struct btf_type *t;

	if (id <= 0)
		return false;
	/* typedef -> pointer -> prototype (void *ctx, args...) */
	t = btf__type_by_id(vmlinux, btf__type_by_id(vmlinux, (__u32)id)->type);
	t = t && btf_is_ptr(t) ? btf__type_by_id(vmlinux, t->type) : NULL;
	if (!t || !btf_is_func_proto(t) || btf_vlen(t) <= n + 1)
		return false;
	t = btf__type_by_id(vmlinux, btf_params(t)[n + 1].type);
	while (t && (btf_is_mod(t) || btf_is_typedef(t)))
		t = btf__type_by_id(vmlinux, t->type);
	return t && btf_is_ptr(t);
}

/*
 * fentry needs the kernel's BPF trampolines (x86-64 and arm64 stock
 * kernels have them; some builds refuse). A two-instruction program,
 * attached and detached at once, is the only sure test.
 */
static bool kernel_can_fentry(const struct btf *vmlinux, const char *func)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_FENTRY);
	int id = vmlinux ? btf__find_by_name_kind(vmlinux, func, BTF_KIND_FUNC) : -ENOENT;
	int fd, link;

	if (id <= 0)
		return false;
	opts.attach_btf_id = (__u32)id;
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "pantau_fentry", "GPL", insns, 2, &opts);
	if (fd < 0)
		return false;
	link = bpf_raw_tracepoint_open(NULL, fd);
	if (link >= 0)
		close(link);
	close(fd);
	return link >= 0;
}

static const char *explain(int err)
{
	switch (-err) {
	case EPERM:
	case EACCES:
		return load_diag_is_privilege(err) ?
		       "permission denied (run pantau as root, or with CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN)" :
		       "refused by the kernel";
	case ENOENT:
		return "tracepoint not found in this kernel";
	case 524:	/* ENOTSUPP, the kernel-internal code */
	case EOPNOTSUPP:
	case EINVAL:
		return "this kernel does not support this program type";
	case ESRCH:
		return "BTF for the tracepoint is missing (kernel built without CONFIG_DEBUG_INFO_BTF?)";
	default:
		return strerror(-err);
	}
}

/* The program's kind as --check names it: the section up to its '/'. */
static const char *section_kind(const char *sec)
{
	static const char *const kinds[] = { "tp_btf", "raw_tp", "fentry", "iter", "cgroup_skb" };

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strncmp(sec, kinds[i], strlen(kinds[i])) == 0 && sec[strlen(kinds[i])] == '/')
			return kinds[i];
	return "other";
}

/* tp_btf/<tp> or raw_tp/<tp>: autoload one flavour of each program. */
static void choose_flavour(struct bpf_object *obj, bool btf)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj) {
		const char *sec = bpf_program__section_name(prog);
		bool is_btf = strncmp(sec, "tp_btf/", 7) == 0;

		if (is_btf || strncmp(sec, "raw_tp/", 7) == 0)
			bpf_program__set_autoload(prog, is_btf == btf);
	}
}

/*
 * Packet programs go on the cgroup2 root, so that every socket's packets
 * pass them. A link attaches alongside programs others put there.
 */
static struct bpf_link *attach_cgroup_root(struct probes *p, struct bpf_program *prog,
					   struct probe_status *st)
{
	struct bpf_link *link;
	int fd, err;

	st->kind = "cgroup_skb";
	if (!p->cgroup_mnt || !p->cgroup_mnt[0]) {
		errno = ENOENT;
		return NULL;
	}
	fd = open(p->cgroup_mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	link = bpf_program__attach_cgroup(prog, fd);
	err = errno;
	close(fd);
	errno = err;
	return link;
}

static void attach_all(struct probes *p, struct bpf_object *obj, const char *domain)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj) {
		const char *sec = bpf_program__section_name(prog);
		struct probe_status *st;
		struct bpf_link *link;
		const char *tp;

		if (!bpf_program__autoload(prog) || p->n_status >= PROBES_MAX)
			continue;
		/* No hook: run on demand by its collector (cpu_checkpoint). */
		if (!strchr(sec, '/'))
			continue;
		/* Uprobes go on each TLS library file found (tls_libs.c). */
		if (strncmp(sec, "uprobe", 6) == 0 || strncmp(sec, "uretprobe", 9) == 0)
			continue;
		st = &p->status[p->n_status];
		tp = strchr(sec, '/') + 1;
		/* Iterators and packet programs are named by program, not by hook. */
		snprintf(st->name, sizeof(st->name), "%s",
			 strncmp(sec, "iter/", 5) == 0 || strncmp(sec, "cgroup_skb/", 11) == 0 ?
			 bpf_program__name(prog) : tp);
		snprintf(st->object, sizeof(st->object), "%s", domain);
		st->kind = section_kind(sec);
		if (strncmp(sec, "cgroup_skb/", 11) == 0)
			link = attach_cgroup_root(p, prog, st);
		else
			link = bpf_program__attach(prog);
		if (!link) {
			int err = -errno;
			bool packet = strncmp(sec, "cgroup_skb/", 11) == 0;

			st->kind = "none";
			if (packet && (!p->cgroup_mnt || !p->cgroup_mnt[0]))
				snprintf(st->why, sizeof(st->why), "cannot attach %s: no cgroup2 mount "
					 "to attach it to (mount cgroup2; HTTP requests are not counted)",
					 bpf_program__name(prog));
			else if (packet)
				snprintf(st->why, sizeof(st->why), "cannot attach %s to the cgroup2 root "
					 "%s: %s (HTTP requests are not counted)", bpf_program__name(prog),
					 p->cgroup_mnt, strerror(-err));
			else
				snprintf(st->why, sizeof(st->why), "cannot attach %s: %s",
					 tp, explain(err));
			pt_warn("%s; the other probes keep running.", st->why);
		} else {
			st->attached = true;
			p->links[p->n_status] = link;
			const char *name = bpf_program__name(prog);

			if (strcmp(sec, "iter/task") == 0)
				p->task_iter = link;
			else if (strcmp(name, "net_live_iter") == 0)
				p->tcp_iter = link;
			else if (strcmp(name, "net_seed_listeners") == 0)
				p->seed_iter = link;
		}
		p->n_status++;
	}
}

/*
 * Maps every object may declare (the service-key split, the event ring
 * buffer and its drop counts): the first object that loads creates them,
 * the others reuse its fds, so that any one domain works without the others.
 */
static const char *const shared_map_names[PROBE_SHARED_MAPS] = {
	[PROBE_SHARED_CGROUPS] = "shared_cgroups",
	[PROBE_EVENTS] = "events",
	[PROBE_EVENT_DROPS] = "event_drops",
};

static int reuse_shared(struct probes *p, struct bpf_object *obj)
{
	for (int i = 0; i < PROBE_SHARED_MAPS; i++) {
		struct bpf_map *map = bpf_object__find_map_by_name(obj, shared_map_names[i]);
		int err;

		if (map && p->shared_fd[i] >= 0) {
			err = bpf_map__reuse_fd(map, p->shared_fd[i]);
			if (err)
				return err;
		}
	}
	return 0;
}

static void adopt_shared(struct probes *p, struct bpf_object *obj)
{
	for (int i = 0; i < PROBE_SHARED_MAPS; i++) {
		struct bpf_map *map = bpf_object__find_map_by_name(obj, shared_map_names[i]);

		if (map && p->shared_fd[i] < 0)
			p->shared_fd[i] = bpf_map__fd(map);
	}
}

/*
 * Hash maps take memory as keys come instead of reserving it for every
 * possible key at load: sized by services.max and per-CPU, preallocation
 * reserved 63 MiB at services.max 5000 on two CPUs, and 32 times that on
 * 64. enqueued_at_hash gains and loses an entry at every wake-up, which
 * its preallocated free list serves best.
 */
static void alloc_on_use(const struct probes *p, struct bpf_object *obj)
{
	struct bpf_map *map;

	if (!p->alloc_on_use)
		return;
	bpf_object__for_each_map(map, obj) {
		enum bpf_map_type type = bpf_map__type(map);

		if ((type == BPF_MAP_TYPE_HASH || type == BPF_MAP_TYPE_PERCPU_HASH) &&
		    strcmp(bpf_map__name(map), "enqueued_at_hash") != 0)
			bpf_map__set_map_flags(map, bpf_map__map_flags(map) | BPF_F_NO_PREALLOC);
	}
}

static int load_cpu(struct probes *p, const struct probe_options *opt, bool btf)
{
	int err;

	p->cpu = cpu_bpf__open();
	if (!p->cpu)
		return -errno;
	choose_flavour(p->cpu->obj, btf);
	bpf_map__set_max_entries(p->cpu->maps.cpu_stats, opt->cpu_stats_entries);
	/* The raw_tp flavour keeps tids in a hash instead of task storage. */
	if (!btf)
		bpf_map__set_autocreate(p->cpu->maps.enqueued_at_storage, false);
	else
		bpf_map__set_max_entries(p->cpu->maps.enqueued_at_hash, 1);
	alloc_on_use(p, p->cpu->obj);
	err = reuse_shared(p, p->cpu->obj);
	if (!err)
		err = cpu_bpf__load(p->cpu);
	if (err) {
		cpu_bpf__destroy(p->cpu);
		p->cpu = NULL;
		return err;
	}
	adopt_shared(p, p->cpu->obj);
	return 0;
}

static int load_memory(struct probes *p, const struct probe_options *opt, bool btf)
{
	int err;

	p->memory = memory_bpf__open();
	if (!p->memory)
		return -errno;
	choose_flavour(p->memory->obj, btf);
	/* An older mark_victim passes a pid: OOM kills are then not seen, the rest runs. */
	if (!p->oom_victim_task) {
		bpf_program__set_autoload(p->memory->progs.mem_oom_victim_btf, false);
		bpf_program__set_autoload(p->memory->progs.mem_oom_victim_raw, false);
	}
	bpf_map__set_max_entries(p->memory->maps.mem_exited_faults, opt->cpu_stats_entries);
	alloc_on_use(p, p->memory->obj);
	err = reuse_shared(p, p->memory->obj);
	if (!err)
		err = memory_bpf__load(p->memory);
	if (err) {
		memory_bpf__destroy(p->memory);
		p->memory = NULL;
		return err;
	}
	adopt_shared(p, p->memory->obj);
	return 0;
}

/* block_io_start/done (6.5+) see the submitter; block_rq_* are the fallback. */
static void choose_block_tracepoints(struct bpf_object *obj, bool io_start)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj) {
		const char *sec = bpf_program__section_name(prog);
		bool is_io = strstr(sec, "/block_io_") != NULL;

		if (bpf_program__autoload(prog) && is_io != io_start)
			bpf_program__set_autoload(prog, false);
	}
}

static int load_disk(struct probes *p, const struct probe_options *opt, bool btf)
{
	int err;

	p->disk = disk_bpf__open();
	if (!p->disk)
		return -errno;
	choose_flavour(p->disk->obj, btf);
	choose_block_tracepoints(p->disk->obj, p->block_io);
	bpf_map__set_max_entries(p->disk->maps.disk_io_stats, opt->cpu_stats_entries);
	alloc_on_use(p, p->disk->obj);
	err = reuse_shared(p, p->disk->obj);
	if (!err)
		err = disk_bpf__load(p->disk);
	if (err) {
		disk_bpf__destroy(p->disk);
		p->disk = NULL;
		return err;
	}
	adopt_shared(p, p->disk->obj);
	return 0;
}

/*
 * Socket storage needs BTF-typed programs (tp_btf, fentry): no raw_tp
 * flavour, and kprobes cannot reach it either.
 */
static int load_net(struct probes *p, const struct probe_options *opt, bool btf)
{
	bool http = opt->http && p->has_bpf_loop;
	/* HTTPS in clear ties each TLS object to its socket in the writing thread. */
	bool tls = http && opt->tls && p->sendmsg != SENDMSG_NONE;
	int err;

	if (!btf)
		return -EOPNOTSUPP;
	p->net = net_bpf__open();
	if (!p->net)
		return -errno;
	bpf_map__set_max_entries(p->net->maps.net_stats, opt->cpu_stats_entries);
	/* Without request parsing nothing looks at payload: no per-packet hook. */
	bpf_program__set_autoload(p->net->progs.net_ingress, http);
	bpf_program__set_autoload(p->net->progs.net_egress, http);
	bpf_program__set_autoload(p->net->progs.net_sendmsg, tls && p->sendmsg == SENDMSG_TP);
	bpf_program__set_autoload(p->net->progs.net_sendmsg_fentry, tls && p->sendmsg == SENDMSG_FENTRY);
	/* Connect times wait for the first send (the host asked for) where sends are seen. */
	p->net->rodata->sends_followed = http;
	/* HTTPS in clear: uprobes attached per library file by tls_libs.c. */
	p->net->rodata->tls_follow = tls;
	bpf_program__set_autoload(p->net->progs.tls_enter, tls);
	bpf_program__set_autoload(p->net->progs.tls_exit_read, tls);
	bpf_program__set_autoload(p->net->progs.tls_exit_write, tls);
	bpf_program__set_autoload(p->net->progs.tls_free, tls);
	bpf_program__set_autoload(p->net->progs.tls_exec, tls);
	alloc_on_use(p, p->net->obj);
	err = reuse_shared(p, p->net->obj);
	if (!err)
		err = net_bpf__load(p->net);
	if (err) {
		net_bpf__destroy(p->net);
		p->net = NULL;
		return err;
	}
	adopt_shared(p, p->net->obj);
	return 0;
}

static int load_cgroups(struct probes *p, const struct probe_options *opt, bool btf)
{
	int err;

	p->cgroups = cgroups_bpf__open();
	if (!p->cgroups)
		return -errno;
	(void)opt;
	choose_flavour(p->cgroups->obj, btf);
	err = cgroups_bpf__load(p->cgroups);
	if (err) {
		cgroups_bpf__destroy(p->cgroups);
		p->cgroups = NULL;
	}
	return err;
}

static bool wanted(const struct probe_options *opt, enum probe_domain d)
{
	return !opt->domains || (opt->domains & (1u << d));
}

typedef int (*domain_loader)(struct probes *p, const struct probe_options *opt, bool btf);

/*
 * Load one domain: tp_btf where the kernel has it, the raw_tp twins when
 * that load fails. On failure domain_error says why, in words.
 */
static int load_domain(struct probes *p, const struct probe_options *opt, enum probe_domain d,
		       const char *name, domain_loader load)
{
	int err;

	load_diag_reset();
	err = load(p, opt, p->btf);
	if (err && p->btf) {
		load_diag_explain(err, name, p->domain_error[d], sizeof(p->domain_error[d]));
		pt_warn("%s; trying raw tracepoints.", p->domain_error[d]);
		load_diag_reset();
		err = load(p, opt, false);
	}
	if (err)
		load_diag_explain(err, name, p->domain_error[d], sizeof(p->domain_error[d]));
	else
		p->domain_error[d][0] = '\0';
	return err;
}

/* Empty: nothing loaded, no fd held. */
static void probes_reset(struct probes *p)
{
	memset(p, 0, sizeof(*p));
	p->stats_fd = -1;
	for (int i = 0; i < PROBE_SHARED_MAPS; i++)
		p->shared_fd[i] = -1;
}

/* What this kernel offers, from its BTF (parsed once) and one feature probe. */
static void probe_kernel(struct probes *p, const struct probe_options *opt)
{
	/* NULL without kernel BTF: then raw_tp only, and no fentry. */
	struct btf *vmlinux = btf__load_vmlinux_btf();

	p->btf = kernel_has_btf_tracepoint(vmlinux, "sched_switch") &&
		 !(opt->force & PROBE_FORCE(RAW_TP));
	p->block_io = kernel_has_btf_tracepoint(vmlinux, "block_io_start") &&
		      !(opt->force & PROBE_FORCE(BLOCK_RQ));
	if (kernel_has_btf_tracepoint(vmlinux, "tcp_sendmsg_locked") &&
	    !(opt->force & PROBE_FORCE(FENTRY)))
		p->sendmsg = SENDMSG_TP;
	else if (kernel_can_fentry(vmlinux, "tcp_sendmsg_locked"))
		p->sendmsg = SENDMSG_FENTRY;
	else
		p->sendmsg = SENDMSG_NONE;
	p->oom_victim_task = tracepoint_arg_is_pointer(vmlinux, "mark_victim", 0);
	/*
	 * Since 6.1 hash maps allocate entries with bpf_mem_alloc, which is
	 * safe in any context, and the verifier lets tracing programs use
	 * maps that are not preallocated. Before, it refuses per-CPU ones and
	 * warns in the kernel log for the rest.
	 */
	p->alloc_on_use = vmlinux && btf__find_by_name_kind(vmlinux, "bpf_mem_alloc", BTF_KIND_STRUCT) > 0 &&
			  !(opt->force & PROBE_FORCE(PREALLOC));
	btf__free(vmlinux);
	/* The request framer steps through bytes in bpf_loop callbacks (5.17). */
	p->has_bpf_loop = libbpf_probe_bpf_helper(BPF_PROG_TYPE_CGROUP_SKB, BPF_FUNC_loop, NULL) == 1;
}

int probes_load(struct probes *p, const struct probe_options *opt)
{
	int err, cpu_err;

	probes_reset(p);
	load_diag_install();
	probe_kernel(p, opt);
	pt_info("using %s programs (%s)", p->btf ? "tp_btf" : "raw_tp",
		p->btf ? "kernel BTF has the tracepoints" :
		opt->force & PROBE_FORCE(RAW_TP) ? "forced by --force-flavour" :
		"no kernel BTF for tracepoints: falling back to raw tracepoints");
	pt_info("hash map entries %s", p->alloc_on_use ? "allocated as keys come" :
		opt->force & PROBE_FORCE(PREALLOC) ? "preallocated (forced by --force-flavour)" :
		"preallocated for their capacity (kernels before 6.1 need that)");

	cpu_err = wanted(opt, PROBE_CPU) ? load_domain(p, opt, PROBE_CPU, "CPU", load_cpu) : 0;
	err = load_domain(p, opt, PROBE_CGROUPS, "cgroup naming", load_cgroups);
	if (err)
		pt_warn("%s; cgroups that come and go between scrapes may be named by id.",
			p->domain_error[PROBE_CGROUPS]);
	err = wanted(opt, PROBE_MEMORY) ? load_domain(p, opt, PROBE_MEMORY, "memory", load_memory) : 0;
	if (err)
		pt_warn("%s; memory metrics and OOM events are off.", p->domain_error[PROBE_MEMORY]);
	else if (wanted(opt, PROBE_MEMORY) && !p->oom_victim_task)
		snprintf(p->domain_error[PROBE_MEMORY], sizeof(p->domain_error[PROBE_MEMORY]),
			 "OOM kills are not counted: this kernel's mark_victim tracepoint passes "
			 "a pid, not the task (the task came in Linux 6.9 and its stable updates)");
	err = wanted(opt, PROBE_DISK) ? load_domain(p, opt, PROBE_DISK, "disk", load_disk) : 0;
	if (err)
		pt_warn("%s; disk metrics are off.", p->domain_error[PROBE_DISK]);
	load_diag_reset();
	err = wanted(opt, PROBE_NET) ? load_net(p, opt, p->btf) : 0;
	if (err == -EOPNOTSUPP && !p->btf)
		snprintf(p->domain_error[PROBE_NET], sizeof(p->domain_error[PROBE_NET]),
			 "cannot load the network programs: they need tracepoints with kernel BTF "
			 "(tp_btf), which this kernel does not offer");
	else if (err)
		load_diag_explain(err, "network", p->domain_error[PROBE_NET],
				  sizeof(p->domain_error[PROBE_NET]));
	else if (p->net && opt->http && !p->has_bpf_loop)
		snprintf(p->domain_error[PROBE_NET], sizeof(p->domain_error[PROBE_NET]),
			 "HTTP requests are not counted: the request framer needs the bpf_loop "
			 "helper (Linux 5.17), which this kernel lacks");
	else if (p->net && opt->http && opt->tls && p->sendmsg == SENDMSG_NONE)
		snprintf(p->domain_error[PROBE_NET], sizeof(p->domain_error[PROBE_NET]),
			 "HTTPS is not followed in clear: this kernel has neither the "
			 "tcp_sendmsg_locked tracepoint (Linux 6.16) nor fentry to tie a TLS "
			 "connection to its socket");
	if (p->domain_error[PROBE_NET][0])
		pt_warn("%s; %s.", p->domain_error[PROBE_NET],
			p->net ? "the TCP metrics stay on" : "network metrics are off");
	if (p->domain_error[PROBE_MEMORY][0] && p->memory)
		pt_warn("%s.", p->domain_error[PROBE_MEMORY]);
	return p->cpu || p->cgroups || p->memory || p->disk || p->net ? 0 : cpu_err;
}

int probes_attach(struct probes *p)
{
	size_t attached = 0;

	if (p->cpu)
		attach_all(p, p->cpu->obj, "cpu");
	if (p->cgroups)
		attach_all(p, p->cgroups->obj, "cgroups");
	if (p->memory)
		attach_all(p, p->memory->obj, "memory");
	if (p->disk)
		attach_all(p, p->disk->obj, "disk");
	if (p->net)
		attach_all(p, p->net->obj, "net");

	for (size_t i = 0; i < p->n_status; i++)
		attached += p->status[i].attached;
	return (int)attached;
}

void probes_stop(struct probes *p)
{
	for (size_t i = 0; i < p->n_status; i++)
		bpf_link__destroy(p->links[i]);
	net_bpf__destroy(p->net);
	disk_bpf__destroy(p->disk);
	memory_bpf__destroy(p->memory);
	cgroups_bpf__destroy(p->cgroups);
	cpu_bpf__destroy(p->cpu);
	if (p->stats_fd >= 0)
		close(p->stats_fd);
	probes_reset(p);
}

bool probes_follow_tls(const struct probes *p)
{
	return p->net && p->net->rodata && p->net->rodata->tls_follow;
}

int probes_set_run_stats(struct probes *p, bool on)
{
	int fd;

	if (on == (p->stats_fd >= 0))
		return 0;
	if (!on) {
		close(p->stats_fd);
		p->stats_fd = -1;
		return 0;
	}
	fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (fd < 0)
		return -errno;
	p->stats_fd = fd;
	return 0;
}

static size_t object_prog_stats(struct bpf_object *obj, struct prog_stats *out,
				size_t n, size_t max)
{
	struct bpf_program *prog;

	if (!obj)
		return n;
	bpf_object__for_each_program(prog, obj) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd < 0 || n >= max)
			continue;
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		snprintf(out[n].name, sizeof(out[n].name), "%s", bpf_program__name(prog));
		out[n].run_time_ns = info.run_time_ns;
		out[n].run_cnt = info.run_cnt;
		out[n].missed_runs = info.recursion_misses;
		n++;
	}
	return n;
}

size_t probes_prog_stats(const struct probes *p, struct prog_stats *out, size_t max)
{
	size_t n = 0;

	n = object_prog_stats(p->cpu ? p->cpu->obj : NULL, out, n, max);
	n = object_prog_stats(p->cgroups ? p->cgroups->obj : NULL, out, n, max);
	n = object_prog_stats(p->memory ? p->memory->obj : NULL, out, n, max);
	n = object_prog_stats(p->disk ? p->disk->obj : NULL, out, n, max);
	n = object_prog_stats(p->net ? p->net->obj : NULL, out, n, max);
	return n;
}

static size_t object_maps(struct bpf_object *obj, struct map_ref *out, size_t n, size_t max)
{
	struct bpf_map *map;

	if (!obj)
		return n;
	bpf_object__for_each_map(map, obj) {
		enum bpf_map_type type = bpf_map__type(map);

		/* Arrays are always full; .rodata and friends are not state. */
		bool dup = false;

		if (n >= max || bpf_map__fd(map) < 0 || type == BPF_MAP_TYPE_ARRAY ||
		    type == BPF_MAP_TYPE_PERCPU_ARRAY || type == BPF_MAP_TYPE_TASK_STORAGE ||
		    type == BPF_MAP_TYPE_SK_STORAGE ||
		    type == BPF_MAP_TYPE_RINGBUF)
			continue;
		/* A map several objects share is listed once. */
		for (size_t i = 0; i < n; i++)
			dup |= strcmp(out[i].name, bpf_map__name(map)) == 0;
		if (dup)
			continue;
		out[n].name = bpf_map__name(map);
		out[n].fd = bpf_map__fd(map);
		out[n].max_entries = bpf_map__max_entries(map);
		out[n].key_size = bpf_map__key_size(map);
		out[n].value_size = bpf_map__value_size(map);
		out[n].percpu = type == BPF_MAP_TYPE_PERCPU_HASH ||
				type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
		n++;
	}
	return n;
}

size_t probes_maps(const struct probes *p, struct map_ref *out, size_t max)
{
	size_t n = 0;

	n = object_maps(p->cpu ? p->cpu->obj : NULL, out, n, max);
	n = object_maps(p->cgroups ? p->cgroups->obj : NULL, out, n, max);
	n = object_maps(p->memory ? p->memory->obj : NULL, out, n, max);
	n = object_maps(p->disk ? p->disk->obj : NULL, out, n, max);
	n = object_maps(p->net ? p->net->obj : NULL, out, n, max);
	return n;
}

void probes_forget_key(struct probes *p, const struct service_key *key)
{
	if (p->cpu)
		bpf_map__delete_elem(p->cpu->maps.cpu_stats, key, sizeof(*key), 0);
	if (p->memory) {
		bpf_map__delete_elem(p->memory->maps.mem_exited_faults, key, sizeof(*key), 0);
		bpf_map__delete_elem(p->memory->maps.mem_oom_kills, key, sizeof(*key), 0);
	}
	if (p->net)
		bpf_map__delete_elem(p->net->maps.net_stats, key, sizeof(*key), 0);
	/* The registry keeps the path; the kernel's copy would wait for the LRU. */
	if (p->cgroups && !key->tgid)
		bpf_map__delete_elem(p->cgroups->maps.cgroup_paths, &key->cgroup_id,
				     sizeof(key->cgroup_id), 0);
}

int probes_shared_cgroups_fd(const struct probes *p)
{
	return p->shared_fd[PROBE_SHARED_CGROUPS];
}

int probes_events_fd(const struct probes *p)
{
	return p->shared_fd[PROBE_EVENTS];
}

int probes_event_drops_fd(const struct probes *p)
{
	return p->shared_fd[PROBE_EVENT_DROPS];
}

/*
 * A comma-separated list of names into bits: the bit of names[i] is
 * 1 << i. Returns 0, or -EINVAL for an unknown name.
 */
static int parse_names(const char *list, const char *const *names, size_t n_names,
		       unsigned *bits)
{
	*bits = 0;
	for (const char *f = list; *f; ) {
		size_t n = strcspn(f, ","), i;

		for (i = 0; i < n_names; i++)
			if (names[i] && n == strlen(names[i]) && strncmp(f, names[i], n) == 0)
				break;
		if (i == n_names)
			return -EINVAL;
		*bits |= 1u << i;
		f += n + (f[n] == ',');
	}
	return 0;
}

int probes_parse_force(const char *list, unsigned *bits)
{
	static const char *const names[] = {
		[PROBE_FORCE_RAW_TP] = "raw_tp",
		[PROBE_FORCE_BLOCK_RQ] = "block_rq",
		[PROBE_FORCE_FENTRY] = "fentry",
		[PROBE_FORCE_PREALLOC] = "prealloc",
	};

	return parse_names(list, names, sizeof(names) / sizeof(names[0]), bits);
}

int probes_parse_domains(const char *list, unsigned *bits)
{
	/* Cgroup naming always loads: not a name here. */
	static const char *const names[PROBE_DOMAINS] = {
		[PROBE_CPU] = "cpu", [PROBE_MEMORY] = "memory", [PROBE_DISK] = "disk",
		[PROBE_NET] = "network",
	};

	/* None at all would load nothing: refused like an unknown name. */
	return parse_names(list, names, PROBE_DOMAINS, bits) || !*bits ? -EINVAL : 0;
}

const char *probes_load_error(const struct probes *p)
{
	for (int d = 0; d < PROBE_DOMAINS; d++)
		if (p->domain_error[d][0])
			return p->domain_error[d];
	return "no BPF program could be loaded";
}
