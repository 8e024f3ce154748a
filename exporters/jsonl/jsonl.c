// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "jsonl/jsonl.h"
#include "lib/dirs.h"

static int open_append(const char *path, FILE **out, uint64_t *size)
{
	struct stat st;
	int fd, e;

	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	*size = fstat(fd, &st) == 0 ? (uint64_t)st.st_size : 0;
	*out = fdopen(fd, "a");
	/* Lines go out in batches (jsonl_flush()): fewer, larger writes. */
	if (*out)
		setvbuf(*out, NULL, _IOFBF, 256 << 10);
	if (!*out) {
		e = errno;
		close(fd);
		return -e;
	}
	return 0;
}

int jsonl_open(struct jsonl_sink *s, const char *path, uint64_t rotate_bytes, unsigned keep,
	       char *err, size_t err_len)
{
	int rc;

	memset(s, 0, sizeof(*s));
	if (strcmp(path, "-") == 0) {
		s->out = stdout;
		return 0;
	}
	s->path = strdup(path);
	if (!s->path) {
		snprintf(err, err_len, "cannot open events file %s: out of memory.", path);
		return -ENOMEM;
	}
	/* Like /var/log/pantau under systemd: group-readable, for log shippers. */
	rc = dirs_create_parent(path, 0750);
	if (rc == 0)
		rc = open_append(path, &s->out, &s->size);
	if (rc) {
		snprintf(err, err_len, "cannot open events file %s: %s; make its directory "
			 "writable or set events.file to another path ('-' for standard output).",
			 path, strerror(-rc));
		free(s->path);
		s->path = NULL;
		return rc;
	}
	s->owned = 1;
	s->rotate_bytes = keep ? rotate_bytes : 0;
	s->keep = keep;
	return 0;
}

/*
 * path.keep-1 -> path.keep, ..., path -> path.1, then a new path. A failed
 * rename leaves the current file in use: no line is lost, it only grows.
 */
static void rotate(struct jsonl_sink *s)
{
	char from[PATH_MAX], to[PATH_MAX];
	FILE *out;
	uint64_t size;

	for (unsigned i = s->keep; i > 1; i--) {
		snprintf(from, sizeof(from), "%s.%u", s->path, i - 1);
		snprintf(to, sizeof(to), "%s.%u", s->path, i);
		rename(from, to);	/* a missing older file is fine */
	}
	snprintf(to, sizeof(to), "%s.1", s->path);
	if (rename(s->path, to) != 0 || open_append(s->path, &out, &size) != 0)
		return;
	fclose(s->out);
	s->out = out;
	s->size = size;
	s->rotations++;
}

int jsonl_write_text(struct jsonl_sink *s, const char *text, size_t len)
{
	bool ok;

	/*
	 * Lines are buffered until jsonl_flush(); the lock keeps a line whole
	 * when the CloudWatch exporter shares standard output.
	 */
	flockfile(s->out);
	ok = fwrite(text, 1, len, s->out) == len && fputc('\n', s->out) != EOF;
	funlockfile(s->out);
	if (!ok) {
		/* Scrapes read the counters from another thread. */
		__atomic_fetch_add(&s->errors, 1, __ATOMIC_RELAXED);
		return -EIO;
	}
	__atomic_fetch_add(&s->written, 1, __ATOMIC_RELAXED);
	s->size += len + 1;
	if (s->path && s->rotate_bytes && s->size >= s->rotate_bytes)
		rotate(s);
	return 0;
}

int jsonl_write(struct jsonl_sink *s, struct json_object *doc)
{
	const char *text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN |
							  JSON_C_TO_STRING_NOSLASHESCAPE);

	if (!text) {
		__atomic_fetch_add(&s->errors, 1, __ATOMIC_RELAXED);
		return -EIO;
	}
	return jsonl_write_text(s, text, strlen(text));
}

int jsonl_flush(struct jsonl_sink *s)
{
	if (s->out && fflush(s->out) == EOF) {
		__atomic_fetch_add(&s->errors, 1, __ATOMIC_RELAXED);
		return -EIO;
	}
	return 0;
}

void jsonl_close(struct jsonl_sink *s)
{
	if (s->out && s->owned)
		fclose(s->out);
	else if (s->out)
		fflush(s->out);
	free(s->path);
	memset(s, 0, sizeof(*s));
}

static void jsonl_submit(void *ctx, const char *line, size_t len)
{
	struct jsonl_sink *s = ctx;

	if (line)
		jsonl_write_text(s, line, len);
	else
		__atomic_fetch_add(&s->errors, 1, __ATOMIC_RELAXED);
}

static void jsonl_commit(void *ctx)
{
	jsonl_flush(ctx);
}

struct event_sink jsonl_event_sink(struct jsonl_sink *s)
{
	return (struct event_sink){ .ctx = s, .submit = jsonl_submit, .commit = jsonl_commit };
}
