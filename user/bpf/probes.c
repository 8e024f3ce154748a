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
#include "bpf/probes.h"

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf's own messages (verifier logs included) are for debugging. */
	if (log_get_level() < LOG_DEBUG || level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* tp_btf needs kernel BTF and a btf_trace_<tp> type for the tracepoint. */
static bool kernel_has_btf_tracepoint(const char *tp)
{
	char name[96];
	struct btf *btf;
	bool found;

	btf = btf__load_vmlinux_btf();
	if (!btf)
		return false;
	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	found = btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF) > 0;
	btf__free(btf);
	return found;
}

static const char *explain(int err)
{
	switch (-err) {
	case EPERM:
	case EACCES:
		return "permission denied (run pantau as root, or with CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN)";
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
		if (strncmp(sec, "iter/", 5) == 0)
			st->kind = "iter";
		else
			st->kind = p->btf ? "tp_btf" : "raw_tp";
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

static int load_cpu(struct probes *p, const struct probe_options *opt)
{
	int err;

	p->cpu = cpu_bpf__open();
	if (!p->cpu)
		return -errno;
	choose_flavour(p->cpu->obj, p->btf);
	bpf_map__set_max_entries(p->cpu->maps.cpu_stats, opt->cpu_stats_entries);
	/* The raw_tp flavour keeps tids in a hash instead of task storage. */
	if (!p->btf)
		bpf_map__set_autocreate(p->cpu->maps.enqueued_at_storage, false);
	else
		bpf_map__set_max_entries(p->cpu->maps.enqueued_at_hash, 1);
	err = cpu_bpf__load(p->cpu);
	if (err) {
		cpu_bpf__destroy(p->cpu);
		p->cpu = NULL;
	}
	return err;
}

static int load_memory(struct probes *p, const struct probe_options *opt)
{
	int err;

	p->memory = memory_bpf__open();
	if (!p->memory)
		return -errno;
	choose_flavour(p->memory->obj, p->btf);
	bpf_map__set_max_entries(p->memory->maps.mem_exited_faults, opt->cpu_stats_entries);
	if (p->cpu) {
		err = bpf_map__reuse_fd(p->memory->maps.shared_cgroups,
					bpf_map__fd(p->cpu->maps.shared_cgroups));
		if (err)
			goto fail;
	}
	err = memory_bpf__load(p->memory);
	if (!err)
		return 0;
fail:
	memory_bpf__destroy(p->memory);
	p->memory = NULL;
	return err;
}

/* block_io_start/done (6.5+) see the submitter; block_rq_* are the fallback. */
static void choose_block_tracepoints(struct bpf_object *obj)
{
	bool io_start = kernel_has_btf_tracepoint("block_io_start");
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj) {
		const char *sec = bpf_program__section_name(prog);
		bool is_io = strstr(sec, "/block_io_") != NULL;

		if (bpf_program__autoload(prog) && is_io != io_start)
			bpf_program__set_autoload(prog, false);
	}
}

static int load_disk(struct probes *p, const struct probe_options *opt)
{
	int err;

	p->disk = disk_bpf__open();
	if (!p->disk)
		return -errno;
	choose_flavour(p->disk->obj, p->btf);
	choose_block_tracepoints(p->disk->obj);
	bpf_map__set_max_entries(p->disk->maps.disk_io_stats, opt->cpu_stats_entries);
	if (p->cpu) {
		err = bpf_map__reuse_fd(p->disk->maps.shared_cgroups,
					bpf_map__fd(p->cpu->maps.shared_cgroups));
		if (err)
			goto fail;
	}
	err = disk_bpf__load(p->disk);
	if (!err)
		return 0;
fail:
	disk_bpf__destroy(p->disk);
	p->disk = NULL;
	return err;
}

/* Socket storage needs BTF-typed programs: no raw_tp flavour. */
static int load_net(struct probes *p, const struct probe_options *opt)
{
	int err;

	if (!p->btf)
		return -EOPNOTSUPP;
	p->net = net_bpf__open();
	if (!p->net)
		return -errno;
	bpf_map__set_max_entries(p->net->maps.net_stats, opt->cpu_stats_entries);
	/* Without request parsing nothing looks at payload: no per-packet hook. */
	bpf_program__set_autoload(p->net->progs.net_ingress, opt->http);
	bpf_program__set_autoload(p->net->progs.net_sendmsg, opt->http);
	/* HTTPS in clear: uprobes attached per library file by tls_libs.c. */
	p->net->rodata->tls_follow = opt->http && opt->tls;
	bpf_program__set_autoload(p->net->progs.tls_enter, opt->http && opt->tls);
	bpf_program__set_autoload(p->net->progs.tls_exit, opt->http && opt->tls);
	bpf_program__set_autoload(p->net->progs.tls_free, opt->http && opt->tls);
	bpf_program__set_autoload(p->net->progs.tls_exec, opt->http && opt->tls);
	if (p->cpu) {
		err = bpf_map__reuse_fd(p->net->maps.shared_cgroups,
					bpf_map__fd(p->cpu->maps.shared_cgroups));
		if (err)
			goto fail;
	}
	/* One ring buffer for every domain's events: the memory object's. */
	if (p->memory) {
		err = bpf_map__reuse_fd(p->net->maps.events, bpf_map__fd(p->memory->maps.events));
		if (!err)
			err = bpf_map__reuse_fd(p->net->maps.event_drops,
						bpf_map__fd(p->memory->maps.event_drops));
		if (err)
			goto fail;
	}
	err = net_bpf__load(p->net);
	if (!err)
		return 0;
fail:
	net_bpf__destroy(p->net);
	p->net = NULL;
	return err;
}

static int load_cgroups(struct probes *p)
{
	int err;

	p->cgroups = cgroups_bpf__open();
	if (!p->cgroups)
		return -errno;
	choose_flavour(p->cgroups->obj, p->btf);
	err = cgroups_bpf__load(p->cgroups);
	if (err) {
		cgroups_bpf__destroy(p->cgroups);
		p->cgroups = NULL;
	}
	return err;
}

int probes_load(struct probes *p, const struct probe_options *opt)
{
	int err, cpu_err;

	memset(p, 0, sizeof(*p));
	p->stats_fd = -1;
	libbpf_set_print(libbpf_print);

	p->btf = kernel_has_btf_tracepoint("sched_switch");
	pt_info("using %s programs (%s)", p->btf ? "tp_btf" : "raw_tp",
		p->btf ? "kernel BTF has the tracepoints" :
			 "no kernel BTF for tracepoints: falling back to raw tracepoints");
	cpu_err = load_cpu(p, opt);
	if (cpu_err && p->btf) {
		pt_warn("cannot load the tp_btf CPU programs (%s); trying raw tracepoints.",
			explain(cpu_err));
		p->btf = false;
		cpu_err = load_cpu(p, opt);
	}
	if (cpu_err)
		snprintf(p->load_error, sizeof(p->load_error),
			 "cannot load the CPU programs: %s", explain(cpu_err));

	err = load_cgroups(p);
	if (err)
		pt_warn("cannot load the cgroup naming program (%s); cgroups that come and go "
			"between scrapes may be named by id.", explain(err));
	err = load_memory(p, opt);
	if (err)
		pt_warn("cannot load the memory programs (%s); memory metrics and OOM events are off.",
			explain(err));
	err = load_disk(p, opt);
	if (err)
		pt_warn("cannot load the disk programs (%s); disk metrics are off.", explain(err));
	err = load_net(p, opt);
	if (err)
		pt_warn("cannot load the network programs (%s); network metrics are off.",
			err == -EOPNOTSUPP ? "they need tracepoints with kernel BTF" : explain(err));
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

	/* Per-program run time and count: costs two clock reads per run. */
	p->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (p->stats_fd < 0)
		pt_warn("cannot enable BPF run stats (%s); pantau_bpf_program_* stay at 0.",
			strerror(errno));

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
	memset(p, 0, sizeof(*p));
	p->stats_fd = -1;
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
}

int probes_shared_cgroups_fd(const struct probes *p)
{
	if (p->cpu)
		return bpf_map__fd(p->cpu->maps.shared_cgroups);
	return p->memory ? bpf_map__fd(p->memory->maps.shared_cgroups) : -1;
}

int probes_events_fd(const struct probes *p)
{
	return p->memory ? bpf_map__fd(p->memory->maps.events) : -1;
}

int probes_event_drops_fd(const struct probes *p)
{
	return p->memory ? bpf_map__fd(p->memory->maps.event_drops) : -1;
}
