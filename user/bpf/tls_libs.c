// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * TLS library discovery and uprobes. A uprobe on a file (pid -1) fires in
 * every process that maps that file, including processes started later,
 * so each distinct library file (device and inode, as /proc/<pid>/maps
 * shows them) is probed once. New files come with new programs: pids that
 * exec are read a moment after (tls_exec_pids, filled by the kernel), and
 * every process again once a minute for libraries loaded with dlopen().
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lib/clock.h"
#include "log.h"
#include "net.skel.h"
#include "bpf/tls_libs.h"

/* Must match bpf/tls.bpf.h. */
#define TLS_CALL_WRITE 0x1
#define TLS_CALL_RET_INT 0x0
#define TLS_CALL_RET_SSIZE 0x2
#define TLS_CALL_RET_EX 0x4
#define TLS_CALL_HANDSHAKE 0x8
#define TLS_CALL_FREE 0x10	/* user space only: the tls_free program */

#define TLS_LIBS_MAX 64		/* distinct library files probed */
#define TLS_FUNCS_MAX 8
#define TLS_LINKS_MAX (2 * TLS_FUNCS_MAX)
#define TLS_PIDS_PER_SCAN 65536	/* a bound on one walk of /proc */
#define TLS_EXEC_PER_TICK 4096	/* a bound on one drain of tls_exec_pids */
#define TLS_TICK_MS 500
#define TLS_FULL_SCAN_TICKS 120	/* a minute */
#define TLS_EXEC_SETTLE_NS 100000000ULL	/* let ld.so map the libraries first */
#define TLS_MAPS_LINES_MAX 100000

struct tls_func {
	const char *name;
	unsigned int cookie;
	bool required;		/* without it the library is not followed at all */
};

/*
 * Only what the metrics need: the data calls, the handshake call (the
 * object the handshake writes for is the one tied to the socket), and
 * the call that ends an object.
 */
static const struct tls_func tls_funcs[TLS_KINDS][TLS_FUNCS_MAX] = {
	[TLS_OPENSSL] = {
		{ "SSL_do_handshake", TLS_CALL_HANDSHAKE, true },
		{ "SSL_read", TLS_CALL_RET_INT, true },
		{ "SSL_write", TLS_CALL_WRITE | TLS_CALL_RET_INT, true },
		{ "SSL_read_ex", TLS_CALL_RET_EX, false },
		{ "SSL_write_ex", TLS_CALL_WRITE | TLS_CALL_RET_EX, false },
		{ "SSL_free", TLS_CALL_FREE, true },
	},
	[TLS_GNUTLS] = {
		{ "gnutls_handshake", TLS_CALL_HANDSHAKE, true },
		{ "gnutls_record_recv", TLS_CALL_RET_SSIZE, true },
		{ "gnutls_record_send", TLS_CALL_WRITE | TLS_CALL_RET_SSIZE, true },
		{ "gnutls_deinit", TLS_CALL_FREE, true },
	},
};

static const char *const tls_kind_names[TLS_KINDS] = { "OpenSSL", "GnuTLS" };

struct tls_lib {
	unsigned long dev_major, dev_minor, ino;
	enum tls_kind kind;
	bool probed;
	struct bpf_link *links[TLS_LINKS_MAX];
	size_t n_links;
	char report[PATH_MAX + 256];
};

struct tls_libs {
	struct net_bpf *skel;
	pthread_mutex_t lock;
	pthread_t thread;
	bool thread_started;
	volatile bool stop;
	struct tls_lib libs[TLS_LIBS_MAX];
	size_t n_libs;
	bool full_warned;
	bool quiet;		/* --check prints the reports itself */
};

static bool tls_kind_of(const char *path, enum tls_kind *kind)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	if (!strncmp(base, "libssl.so", 9)) {
		*kind = TLS_OPENSSL;
		return true;
	}
	if (!strncmp(base, "libgnutls.so", 12)) {
		*kind = TLS_GNUTLS;
		return true;
	}
	return false;
}

static struct tls_lib *tls_lib_find(struct tls_libs *t, unsigned long maj, unsigned long min,
				    unsigned long ino)
{
	for (size_t i = 0; i < t->n_libs; i++)
		if (t->libs[i].ino == ino && t->libs[i].dev_major == maj &&
		    t->libs[i].dev_minor == min)
			return &t->libs[i];
	return NULL;
}

static struct bpf_link *attach_one(struct tls_libs *t, const char *path, const char *func,
				   unsigned int cookie, bool ret)
{
	LIBBPF_OPTS(bpf_uprobe_opts, opts, .func_name = func, .retprobe = ret,
		    .bpf_cookie = cookie);
	struct bpf_program *prog = t->skel->progs.tls_enter;

	if (cookie & TLS_CALL_FREE)
		prog = t->skel->progs.tls_free;
	else if (ret)
		prog = cookie & TLS_CALL_WRITE ? t->skel->progs.tls_exit_write :
						 t->skel->progs.tls_exit_read;

	return bpf_program__attach_uprobe_opts(prog, -1, path, 0, &opts);
}

/* Probe every function of one library, or none: a half-probed library would miscount. */
static void tls_lib_probe(struct tls_libs *t, struct tls_lib *lib, const char *path,
			  const char *shown)
{
	const char *kind = tls_kind_names[lib->kind];
	char missing[256] = "";
	size_t used = 0;
	int other_err = 0;

	for (int i = 0; i < TLS_FUNCS_MAX && tls_funcs[lib->kind][i].name; i++) {
		const struct tls_func *f = &tls_funcs[lib->kind][i];
		bool data = !(f->cookie & (TLS_CALL_HANDSHAKE | TLS_CALL_FREE));
		struct bpf_link *entry, *exit_link = NULL;
		int err = 0;

		entry = attach_one(t, path, f->name, f->cookie, false);
		if (!entry)
			err = errno;
		if (entry && data) {
			exit_link = attach_one(t, path, f->name, f->cookie, true);
			if (!exit_link) {
				err = errno;
				bpf_link__destroy(entry);
				entry = NULL;
			}
		}
		if (!entry) {
			int n;

			/* Not a missing symbol: say what the kernel said, once. */
			if (err != ENOENT && err != ESRCH && !other_err)
				other_err = err;
			if (!f->required)
				continue;
			n = snprintf(missing + used, sizeof(missing) - used, "%s%s",
				     used ? ", " : "", f->name);
			if (n > 0 && (size_t)n < sizeof(missing) - used)
				used += (size_t)n;
			continue;
		}
		lib->links[lib->n_links++] = entry;
		if (exit_link)
			lib->links[lib->n_links++] = exit_link;
	}
	if (missing[0]) {
		for (size_t i = 0; i < lib->n_links; i++)
			bpf_link__destroy(lib->links[i]);
		lib->n_links = 0;
		if (other_err)
			snprintf(lib->report, sizeof(lib->report),
				 "cannot follow HTTPS through %s: attaching a uprobe failed: %s; its "
				 "connections count as protocol tls.", shown, strerror(other_err));
		else
			snprintf(lib->report, sizeof(lib->report),
				 "cannot follow HTTPS through %s: no %s to probe (stripped, or not %s's "
				 "interface); its connections count as protocol tls.", shown, missing,
				 kind);
		if (!t->quiet)
			pt_warn("%s", lib->report);
		return;
	}
	lib->probed = true;
	snprintf(lib->report, sizeof(lib->report), "%s (%s): HTTPS followed in clear (%zu probes)",
		 shown, kind, lib->n_links);
	if (!t->quiet)
		pt_info("%s", lib->report);
}

int tls_mapping_parse(char *line, struct tls_mapping *out)
{
	int off = 0;
	char *path;

	if (sscanf(line, "%*s %*s %*s %lx:%lx %lu %n", &out->dev_major, &out->dev_minor, &out->ino,
		   &off) != 3 || !off || !out->ino)
		return -ENOENT;
	path = line + off;
	path[strcspn(path, "\n")] = '\0';
	/* A file replaced on disk (an upgrade) cannot be opened by its path any more. */
	if (path[0] != '/' || !tls_kind_of(path, &out->kind) || strstr(path, " (deleted)"))
		return -ENOENT;
	out->path = path;
	return 0;
}

/* One line of /proc/<pid>/maps: probe the file if it is a new TLS library. */
static void tls_maps_line(struct tls_libs *t, int pid, char *line)
{
	char file[PATH_MAX + 32];
	struct tls_mapping m;
	struct tls_lib *lib;
	struct stat st;

	if (tls_mapping_parse(line, &m) || tls_lib_find(t, m.dev_major, m.dev_minor, m.ino))
		return;
	if (t->n_libs >= TLS_LIBS_MAX) {
		if (!t->full_warned)
			pt_warn("more than %d TLS library files: %s and later ones are not probed.",
				TLS_LIBS_MAX, m.path);
		t->full_warned = true;
		return;
	}
	lib = &t->libs[t->n_libs++];
	memset(lib, 0, sizeof(*lib));
	lib->dev_major = m.dev_major;
	lib->dev_minor = m.dev_minor;
	lib->ino = m.ino;
	lib->kind = m.kind;
	/* The path as this process sees it, unless pantau sees the same file there. */
	if (stat(m.path, &st) == 0 && st.st_ino == m.ino)
		snprintf(file, sizeof(file), "%s", m.path);
	else
		snprintf(file, sizeof(file), "/proc/%d/root%s", pid, m.path);
	/* Gone with its process already: another process mapping it will be read later. */
	if (access(file, R_OK)) {
		t->n_libs--;
		return;
	}
	tls_lib_probe(t, lib, file, m.path);
}

static void tls_scan_pid(struct tls_libs *t, int pid)
{
	char name[64], line[PATH_MAX + 128];
	FILE *f;

	snprintf(name, sizeof(name), "/proc/%d/maps", pid);
	f = fopen(name, "re");
	if (!f)
		return;	/* gone already, or a kernel thread */
	for (int i = 0; i < TLS_MAPS_LINES_MAX && fgets(line, sizeof(line), f); i++)
		if (strstr(line, "libssl.so") || strstr(line, "libgnutls.so"))
			tls_maps_line(t, pid, line);
	fclose(f);
}

static void tls_scan_all(struct tls_libs *t)
{
	struct dirent *de;
	DIR *d = opendir("/proc");
	int n = 0;

	if (!d) {
		pt_warn("cannot read /proc: %s; TLS libraries are not found.", strerror(errno));
		return;
	}
	while ((de = readdir(d)) && n < TLS_PIDS_PER_SCAN) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (*end || pid <= 0)
			continue;
		tls_scan_pid(t, (int)pid);
		n++;
	}
	closedir(d);
}

/* Pids that exec'd long enough ago for ld.so to have mapped their libraries. */
static void tls_scan_exec(struct tls_libs *t)
{
	static __u32 pids[TLS_EXEC_PER_TICK];
	int fd = bpf_map__fd(t->skel->maps.tls_exec_pids);
	uint64_t now = mono_ns();
	__u32 *prev = NULL;
	size_t n = 0;
	__u64 at;

	/* Keys first: deleting while walking would restart the walk. */
	while (n < TLS_EXEC_PER_TICK && !bpf_map_get_next_key(fd, prev, &pids[n])) {
		prev = &pids[n];
		n++;
	}
	for (size_t i = 0; i < n; i++) {
		if (bpf_map_lookup_elem(fd, &pids[i], &at) || at + TLS_EXEC_SETTLE_NS > now)
			continue;
		tls_scan_pid(t, (int)pids[i]);
		bpf_map_delete_elem(fd, &pids[i]);
	}
}

struct tls_libs *tls_libs_new(struct net_bpf *skel, bool quiet)
{
	struct tls_libs *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->skel = skel;
	t->quiet = quiet;
	pthread_mutex_init(&t->lock, NULL);
	tls_scan_all(t);
	return t;
}

static void *tls_thread(void *arg)
{
	struct tls_libs *t = arg;
	struct timespec tick = { .tv_sec = 0, .tv_nsec = TLS_TICK_MS * 1000000L };

	for (unsigned long n = 1; !t->stop; n++) {
		nanosleep(&tick, NULL);
		pthread_mutex_lock(&t->lock);
		tls_scan_exec(t);
		if (n % TLS_FULL_SCAN_TICKS == 0)
			tls_scan_all(t);
		pthread_mutex_unlock(&t->lock);
	}
	return NULL;
}

int tls_libs_start(struct tls_libs *t)
{
	int rc = pthread_create(&t->thread, NULL, tls_thread, t);

	if (rc)
		return -rc;
	t->thread_started = true;
	return 0;
}

void tls_libs_free(struct tls_libs *t)
{
	if (!t)
		return;
	t->stop = true;
	if (t->thread_started)
		pthread_join(t->thread, NULL);
	for (size_t i = 0; i < t->n_libs; i++)
		for (size_t j = 0; j < t->libs[i].n_links; j++)
			bpf_link__destroy(t->libs[i].links[j]);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

size_t tls_libs_report(struct tls_libs *t, void (*line)(const char *text, void *ctx), void *ctx)
{
	size_t n;

	pthread_mutex_lock(&t->lock);
	for (n = 0; n < t->n_libs; n++)
		line(t->libs[n].report, ctx);
	pthread_mutex_unlock(&t->lock);
	return n;
}
