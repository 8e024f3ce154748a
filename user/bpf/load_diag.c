// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <bpf/libbpf.h>
#include "log.h"
#include "bpf/load_diag.h"

#define REASON_MAX 240
#define CAP_SYS_ADMIN_BIT 21
#define CAP_PERFMON_BIT 38
#define CAP_BPF_BIT 39

/* The last rejection libbpf passed on: the program and the verifier's words. */
static char last_prog[64];
static char last_reason[REASON_MAX];
static bool saw_verifier_log;

/* A line of a verifier log that is bookkeeping, not the reason. */
static bool is_summary_line(const char *line, size_t n)
{
	static const char *const prefixes[] = { "processed ", "verification time", "stack depth",
						"-- END PROG LOAD LOG --", "mark_precise" };

	if (n == 0)
		return true;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(line, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

/* An instruction or source line of the log, not a message. */
static bool is_trace_line(const char *line)
{
	const char *p = line;

	if (*line == ';')
		return true;
	while (*p >= '0' && *p <= '9')
		p++;
	return p > line && *p == ':';
}

/* Keep the log's last message line, and the one before it when it is one too. */
static void take_reason(const char *log, const char *end)
{
	const char *lines[2] = { NULL, NULL };
	size_t lens[2] = { 0, 0 };
	const char *p = log;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (!is_summary_line(p, n)) {
			lines[0] = lines[1];
			lens[0] = lens[1];
			lines[1] = p;
			lens[1] = n;
		}
		p += n + 1;
	}
	if (!lines[1])
		return;
	if (lines[0] && !is_trace_line(lines[0]) && !is_trace_line(lines[1]))
		snprintf(last_reason, sizeof(last_reason), "%.*s; %.*s", (int)lens[0], lines[0],
			 (int)lens[1], lines[1]);
	else
		snprintf(last_reason, sizeof(last_reason), "%.*s", (int)lens[1], lines[1]);
}

void load_diag_note(const char *msg)
{
	const char *begin = strstr(msg, "-- BEGIN PROG LOAD LOG --");
	const char *name = strstr(msg, "prog '");

	if (!begin)
		return;
	if (name && name < begin) {
		const char *q = strchr(name + 6, '\'');

		if (q)
			snprintf(last_prog, sizeof(last_prog), "%.*s", (int)(q - name - 6), name + 6);
	}
	begin += strlen("-- BEGIN PROG LOAD LOG --");
	const char *end = strstr(begin, "-- END PROG LOAD LOG --");

	saw_verifier_log = true;
	take_reason(begin, end ? end : begin + strlen(begin));
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf's own words, verifier logs included, are for debugging. */
	bool shown = log_get_level() >= LOG_DEBUG && level != LIBBPF_DEBUG;
	char *msg = NULL;
	int n;

	/* Its many debug lines are neither shown nor read: not even formatted. */
	if (level != LIBBPF_WARN && !shown)
		return 0;
	n = vasprintf(&msg, fmt, ap);
	if (n < 0)
		return 0;
	if (level == LIBBPF_WARN)
		load_diag_note(msg);
	if (shown)
		fputs(msg, stderr);
	free(msg);
	return n;
}

void load_diag_install(void)
{
	libbpf_set_print(libbpf_print);
}

void load_diag_reset(void)
{
	last_prog[0] = last_reason[0] = '\0';
	saw_verifier_log = false;
}

/* Effective capability bit from /proc/self/status; true when it cannot be read. */
static bool has_capability(int bit)
{
	unsigned long long caps = ~0ULL;
	char line[128];
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return true;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			break;
	fclose(f);
	return (caps >> bit) & 1;
}

int load_diag_is_privilege(int err)
{
	if (err != -EPERM && err != -EACCES)
		return 0;
	/* CAP_SYS_ADMIN alone is enough; else CAP_BPF with CAP_PERFMON (5.8+). */
	return !has_capability(CAP_SYS_ADMIN_BIT) &&
	       !(has_capability(CAP_BPF_BIT) && has_capability(CAP_PERFMON_BIT));
}

void load_diag_explain(int err, const char *domain, char *buf, size_t len)
{
	struct utsname u;
	const char *release = uname(&u) == 0 ? u.release : "this kernel";

	if (load_diag_is_privilege(err)) {
		snprintf(buf, len, "cannot load the %s programs: permission denied (run pantau as "
			 "root, or with CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN)", domain);
	} else if (saw_verifier_log && last_reason[0]) {
		snprintf(buf, len, "the kernel's verifier rejected the %s programs on %s (%s): %s",
			 domain, release, last_prog[0] ? last_prog : "a program", last_reason);
	} else {
		switch (-err) {
		case ENOENT:
		case ESRCH:
			snprintf(buf, len, "cannot load the %s programs on %s: a hook or kernel type "
				 "they need is missing (%s)", domain, release, strerror(-err));
			break;
		case 524:	/* ENOTSUPP, the kernel-internal code */
		case EOPNOTSUPP:
			snprintf(buf, len, "cannot load the %s programs: %s does not support a program "
				 "or map type they use", domain, release);
			break;
		default:
			snprintf(buf, len, "cannot load the %s programs on %s: %s", domain, release,
				 strerror(-err));
		}
	}
}
