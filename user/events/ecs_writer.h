/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A small JSON writer for the event documents, over one buffer reused
 * from event to event: the events thread wrote a json-c object tree per
 * event, and allocating and freeing it was most of the thread's time.
 * This is pantau's one exception to "json-c for all JSON" (docs/
 * architecture.md): it writes, never parses, and only the ECS documents.
 *
 * The output is byte for byte what json-c 0.16 prints for the same tree
 * with JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE: members
 * in the order written, no spaces, \b \f \n \r \t \" \\ escaped as such
 * and the other bytes below 0x20 as \u00xx; '/', DEL and bytes of 0x80
 * and above (valid UTF-8 or not) pass unchanged, as json-c passes them.
 * tests/unit/test_ecs_writer.c and tests/fuzz/fuzz_ecs_writer.c hold it
 * to that.
 *
 * Errors stick (out of memory, a document over ECS_DOC_MAX, nesting
 * misused): every later call is a no-op and ecs_doc_end() reports it.
 */
#ifndef PANTAU_ECS_WRITER_H
#define PANTAU_ECS_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/sbuf.h"

/* The documents nest three deep (pantau.memory.rss_bytes); room to spare. */
#define ECS_DEPTH_MAX 8
/* A document is under 1 KiB; inputs are bounded, so this only stops a bug. */
#define ECS_DOC_MAX (1u << 20)

struct ecs_writer {
	struct sbuf out;
	unsigned depth;				/* open objects and arrays */
	char closer[ECS_DEPTH_MAX];		/* '}' or ']' for each */
	bool has_member[ECS_DEPTH_MAX];		/* a ',' goes before the next */
	int err;				/* 0, -ENOMEM or -EINVAL */
};

void ecs_writer_init(struct ecs_writer *w);
void ecs_writer_free(struct ecs_writer *w);

/* Start a document (the top-level object), forgetting the previous one. */
void ecs_doc_begin(struct ecs_writer *w);
/*
 * Close the top-level object. 0 with the text in *text (NUL-terminated,
 * valid until the next ecs_doc_begin()) and its length in *len, or the
 * sticky error.
 */
int ecs_doc_end(struct ecs_writer *w, const char **text, size_t *len);

/* key is the member's name in an object, NULL for an element of an array. */
void ecs_object_begin(struct ecs_writer *w, const char *key);
void ecs_array_begin(struct ecs_writer *w, const char *key);
/* Close the innermost object or array. */
void ecs_close(struct ecs_writer *w);

void ecs_string(struct ecs_writer *w, const char *key, const char *s);
/* n bytes of s, which may hold NUL bytes (written as \u0000, as json-c does). */
void ecs_string_len(struct ecs_writer *w, const char *key, const char *s, size_t n);
void ecs_int(struct ecs_writer *w, const char *key, int64_t v);

/* Shorthands: {"key":"s"} and a one- or two-string array (b may be NULL). */
void ecs_object_string(struct ecs_writer *w, const char *key, const char *member, const char *s);
void ecs_strings(struct ecs_writer *w, const char *key, const char *a, const char *b);

#endif
