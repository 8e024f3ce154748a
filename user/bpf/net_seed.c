// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpf/iter_read.h"
#include "net.skel.h"
#include "bpf/net_seed.h"
#include "bpf/probes.h"
#include "naming/registry.h"

#define TCP_LISTEN_HEX "0A"
/* Bounded: fds per process and processes per host are finite anyway. */
#define MAX_FDS_PER_PROCESS (1 << 20)

size_t net_seed_parse_listeners(const char *path, uint64_t *inodes, size_t n, size_t max)
{
	char line[512];
	FILE *f = fopen(path, "re");

	if (!f)
		return n;
	/* "sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode" */
	while (n < max && fgets(line, sizeof(line), f)) {
		char st[8];
		unsigned long long ino;

		if (sscanf(line, " %*s %*s %*s %7s %*s %*s %*s %*s %*s %llu", st, &ino) != 2)
			continue;	/* the header line */
		if (strcmp(st, TCP_LISTEN_HEX) == 0 && ino != 0)
			inodes[n++] = ino;
	}
	fclose(f);
	return n;
}

uint64_t net_seed_socket_inode(const char *link)
{
	unsigned long long ino;
	char end;

	if (sscanf(link, "socket:[%llu%c", &ino, &end) != 2 || end != ']')
		return 0;
	return ino;
}

static bool listed(const uint64_t *inodes, size_t n, uint64_t ino)
{
	for (size_t i = 0; i < n; i++)
		if (inodes[i] == ino)
			return true;
	return false;
}

/* Record an owner for every listener among pid's open files. */
static void scan_process(struct registry *r, int owners_fd, uint32_t pid,
			 const uint64_t *inodes, size_t n)
{
	char path[96], link[64];
	struct service_key key;
	bool have_key = false;
	struct dirent *de;
	size_t fds = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/%u/fd", r->proc_root, pid);
	dir = opendir(path);
	if (!dir)
		return;	/* gone, or a kernel thread */
	while ((de = readdir(dir)) && fds++ < MAX_FDS_PER_PROCESS) {
		uint64_t ino;
		ssize_t len;

		if (de->d_name[0] == '.')
			continue;
		len = readlinkat(dirfd(dir), de->d_name, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = '\0';
		ino = net_seed_socket_inode(link);
		if (!ino || !listed(inodes, n, ino))
			continue;
		if (!have_key) {
			uint64_t cg = registry_task_cgroup_now(r, pid, 0);

			if (!cg)
				break;
			key = registry_task_key(r, cg, pid);
			have_key = true;
		}
		/* The first holder wins: a parent that forked workers comes first. */
		bpf_map_update_elem(owners_fd, &ino, &key, BPF_NOEXIST);
	}
	closedir(dir);
}

static void ignore(const void *rec, void *ctx)
{
	(void)rec;
	(void)ctx;
}

int net_seed_listeners(struct probes *p, struct registry *r)
{
	uint64_t *inodes;
	struct dirent *de;
	size_t n = 0;
	long rc = 0;
	int owners_fd;
	DIR *proc;

	if (!p->net || !p->seed_iter)
		return -ENODEV;
	inodes = calloc(NET_SEED_MAX, sizeof(*inodes));
	if (!inodes)
		return -ENOMEM;
	n = net_seed_parse_listeners("/proc/net/tcp", inodes, n, NET_SEED_MAX);
	n = net_seed_parse_listeners("/proc/net/tcp6", inodes, n, NET_SEED_MAX);
	owners_fd = bpf_map__fd(p->net->maps.net_seed_owners);
	proc = n ? opendir(r->proc_root) : NULL;
	while (proc && (de = readdir(proc))) {
		char *end;
		unsigned long pid = strtoul(de->d_name, &end, 10);

		if (*end == '\0' && pid > 0)
			scan_process(r, owners_fd, (uint32_t)pid, inodes, n);
	}
	if (proc)
		closedir(proc);
	if (n)
		rc = iter_read_records(p->seed_iter, 8, ignore, NULL);
	free(inodes);
	return rc < 0 ? (int)rc : 0;
}
