// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for user/events/ecs_writer.c: whatever the strings and
 * the event's fields, the writer's document is byte for byte the one
 * json-c prints for the same tree (tests/unit/ecs_reference.h), and parses.
 *
 * Byte 0 picks the document (bit 0: request or connection; bit 1: a peer
 * name or none; bit 2: path rules or none). The next bytes fill the event
 * struct as the ring buffer would (any family, role, outcome, length,
 * request line); the rest are service, host, peer and timestamp, split at
 * NUL bytes. The rest is also written whole, NUL bytes included, as one
 * string member.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "events/ecs_writer.h"
#include "events/net_events.h"
#include "../unit/ecs_reference.h"

#define FIELDS 4

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_ecs_writer: %s\n", what);
		abort();
	}
}

static const char *const patterns[] = { "/orders/{id}", "/users/{u}/cart" };
static const struct path_rules rules = { patterns, 2 };

static void check_same(struct ecs_writer *w, struct json_object *ref)
{
	const char *text, *want = json_object_to_json_string_ext(ref, REF_FLAGS);
	struct json_object *a, *b;
	size_t len;

	check(want != NULL, "json-c printed nothing");
	check(ecs_doc_end(w, &text, &len) == 0, "writer failed");
	check(len == strlen(want) && memcmp(text, want, len) == 0, "writer and json-c differ");
	a = json_tokener_parse(text);
	b = json_tokener_parse(want);
	check(a && b && json_object_equal(a, b), "documents parse differently");
	json_object_put(a);
	json_object_put(b);
	json_object_put(ref);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ecs_writer w;
	static int ready;
	union {
		struct event_http http;
		struct event_conn conn;
	} e;
	char *rest, *field[FIELDS];
	size_t head, n_rest, at = 0;
	const struct path_rules *routes;
	const char *peer;
	struct json_object *ref;
	uint8_t pick;

	if (size < 1)
		return 0;
	if (!ready) {
		ecs_writer_init(&w);
		ready = 1;
	}
	pick = data[0];
	memset(&e, 0, sizeof(e));
	head = size - 1 < sizeof(e) ? size - 1 : sizeof(e);
	memcpy(&e, data + 1, head);
	n_rest = size - 1 - head;
	/* A copy with a NUL after it, so that every field ends. */
	rest = malloc(n_rest + 1);
	check(rest != NULL, "out of memory");
	memcpy(rest, data + 1 + head, n_rest);
	rest[n_rest] = '\0';
	for (int i = 0; i < FIELDS; i++) {
		field[i] = rest + at;
		at += strlen(rest + at);
		if (at < n_rest)
			at++;
	}
	peer = pick & 2 ? field[2] : NULL;
	routes = pick & 4 ? &rules : NULL;

	ecs_doc_begin(&w);
	if (pick & 1) {
		net_conn_write(&w, &e.conn, field[3], field[1], field[0], peer);
		ref = ref_conn_document(&e.conn, field[3], field[1], field[0], peer);
	} else {
		net_http_write(&w, &e.http, field[3], field[1], field[0], peer, routes);
		ref = ref_http_document(&e.http, field[3], field[1], field[0], peer, routes);
	}
	check_same(&w, ref);

	/* The whole rest, NUL bytes and all, under a key of its first field. */
	ecs_doc_begin(&w);
	ecs_string_len(&w, field[0], rest, n_rest);
	ref = json_object_new_object();
	json_object_object_add(ref, field[0], json_object_new_string_len(rest, (int)n_rest));
	check_same(&w, ref);
	free(rest);
	return 0;
}
