// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include "jsonl.h"

int jsonl_open(struct jsonl_sink *s, const char *path, char *err, size_t err_len)
{
	int fd;

	memset(s, 0, sizeof(*s));
	if (strcmp(path, "-") == 0) {
		s->out = stdout;
		return 0;
	}
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0) {
		int e = errno;

		snprintf(err, err_len, "cannot open events file %s: %s; create its directory or "
			 "set events.file to another path ('-' for standard output).",
			 path, strerror(e));
		return -e;
	}
	s->out = fdopen(fd, "a");
	if (!s->out) {
		int e = errno;

		close(fd);
		snprintf(err, err_len, "cannot open events file %s: %s.", path, strerror(e));
		return -e;
	}
	s->owned = 1;
	return 0;
}

int jsonl_write(struct jsonl_sink *s, struct json_object *doc)
{
	const char *text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN |
							  JSON_C_TO_STRING_NOSLASHESCAPE);
	bool ok;

	/*
	 * A line is whole on disk before it counts as written; the lock keeps
	 * it whole when the CloudWatch exporter shares standard output.
	 */
	if (text) {
		flockfile(s->out);
		ok = fputs(text, s->out) != EOF && fputc('\n', s->out) != EOF &&
		     fflush(s->out) != EOF;
		funlockfile(s->out);
	} else {
		ok = false;
	}
	if (!ok) {
		/* Scrapes read the counters from another thread. */
		__atomic_fetch_add(&s->errors, 1, __ATOMIC_RELAXED);
		return -EIO;
	}
	__atomic_fetch_add(&s->written, 1, __ATOMIC_RELAXED);
	return 0;
}

void jsonl_close(struct jsonl_sink *s)
{
	if (s->out && s->owned)
		fclose(s->out);
	else if (s->out)
		fflush(s->out);
	memset(s, 0, sizeof(*s));
}
