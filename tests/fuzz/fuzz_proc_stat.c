// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the /proc/PID/stat readers in user/naming/procinfo.c.
 * The file is the kernel's, but its second field is the process's own name
 * (comm), which any process sets to any 15 bytes, parentheses and blanks
 * included. proc_parse_stat() must keep comm inside its buffer, take it
 * from between the first '(' and the last ')', and give the same identity
 * when more fields follow (newer kernels add them at the end);
 * proc_parse_faults() must read only the text.
 *
 * Covers: user/naming/procinfo.c:proc_parse_stat,proc_parse_faults
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "naming/procinfo.h"

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_proc_stat: %s\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char more[] = " 0 0 0 0";
	struct proc_identity id, again;
	uint64_t min_flt, maj_flt;
	const char *open, *close;
	char *text, *longer;
	size_t len;
	int rc;

	if (size > 4096)
		return 0;
	/* Exactly the text and its terminator, so ASan sees any read past it. */
	text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	len = strlen(text);

	memset(&id, 0x5a, sizeof(id));
	rc = proc_parse_stat(text, &id);
	check(rc == 0 || rc == -EINVAL, "proc_parse_stat's return value");
	if (rc == 0) {
		open = strchr(text, '(');
		close = strrchr(text, ')');
		check(open && close && open < close, "parsed without (comm)");
		check(memchr(id.comm, '\0', sizeof(id.comm)) != NULL, "comm not terminated");
		check(strlen(id.comm) == (size_t)(close - open - 1) ||
		      strlen(id.comm) == sizeof(id.comm) - 1, "comm's length");
		check(!strncmp(id.comm, open + 1, strlen(id.comm)), "comm is not the text's");

		longer = malloc(len + sizeof(more));
		memcpy(longer, text, len);
		memcpy(longer + len, more, sizeof(more));
		memset(&again, 0, sizeof(again));
		check(proc_parse_stat(longer, &again) == 0, "more fields and it no longer parses");
		check(!strcmp(id.comm, again.comm) && id.start_ticks == again.start_ticks &&
		      id.kernel_thread == again.kernel_thread, "more fields changed the identity");
		free(longer);
	}

	rc = proc_parse_faults(text, &min_flt, &maj_flt);
	check(rc == 0 || rc == -EINVAL, "proc_parse_faults's return value");
	free(text);
	return 0;
}
