/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The JSON-lines event sink: one ECS document per line, to a file or stdout. */
#ifndef PANTAU_JSONL_H
#define PANTAU_JSONL_H

#include <stdint.h>
#include <stdio.h>
#include <json-c/json.h>
#include "events/events.h"

struct jsonl_sink {
	FILE *out;
	int owned;		/* 1 when pantau opened the file */
	char *path;		/* the file's path, owned; NULL for stdout */
	uint64_t size;		/* bytes in the file now */
	uint64_t rotate_bytes;	/* rotate when the file reaches this; 0 never */
	unsigned keep;		/* rotated files kept: path.1 (newest) .. path.keep */
	uint64_t written;
	uint64_t errors;
	uint64_t rotations;
};

/*
 * Open path ("-" for stdout) for appending; a file is rotated by size
 * (rotate_bytes, 0 for never) keeping keep old files. Returns 0, or a
 * negative errno with one sentence in err.
 */
int jsonl_open(struct jsonl_sink *s, const char *path, uint64_t rotate_bytes, unsigned keep,
	       char *err, size_t err_len);
/* Write one document as a line and flush it. 0 or -EIO. */
int jsonl_write(struct jsonl_sink *s, struct json_object *doc);
/* One line of len bytes (no newline in it), buffered until jsonl_flush(). */
int jsonl_write_text(struct jsonl_sink *s, const char *text, size_t len);
/* Hand the buffered lines to the kernel: the caller does it once per batch. */
int jsonl_flush(struct jsonl_sink *s);
void jsonl_close(struct jsonl_sink *s);
/* The sink as the event pipeline feeds it. */
struct event_sink jsonl_event_sink(struct jsonl_sink *s);

#endif
