/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The Elasticsearch exporter: the events thread appends documents to the
 * disk spool (es_submit) and makes them durable once per ring-buffer poll
 * (es_commit); a sender thread ships them with _bulk create actions and
 * deletes spool segments once Elasticsearch acknowledged every event in
 * them. See docs/elasticsearch.md.
 */
#ifndef PANTAU_ELASTICSEARCH_H
#define PANTAU_ELASTICSEARCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "events/events.h"

struct pantau_config;
struct es_exporter;

struct es_stats {
	uint64_t accepted;	/* durable in the spool */
	uint64_t sent;		/* acknowledged (201, or 409: an earlier try stored it) */
	uint64_t retried;	/* item sends that have to be tried again */
	uint64_t failed;	/* rejected for good, written to the dead-letter file */
	uint64_t dropped;	/* deleted unsent by the spool cap, or not spooled */
	uint64_t queue_bytes;	/* spool size on disk */
	int64_t last_success;	/* unix seconds of the last acknowledged request, 0: never */
	int64_t unreachable_since; /* unix seconds, 0 while reachable */
	uint64_t dead_letter_dropped; /* rejected, not kept: dead-letter file full or unwritable */
};

/*
 * Open the spool and start the sender for cfg's URLs. 0, or a negative
 * errno with one sentence in err.
 */
int es_start(struct es_exporter **out, const struct pantau_config *cfg, char *err, size_t err_len);
/* Spool one document (one line of JSON); it counts after es_commit(). */
int es_submit(struct es_exporter *es, const char *doc, size_t len);
/* fsync what was submitted and wake the sender. */
void es_commit(struct es_exporter *es);
/* Stop the sender after one last bounded try; unsent events stay spooled. NULL is fine. */
/*
 * A reload: the URLs, credentials (their files read again now), CA file,
 * verify, gzip and flush_seconds of cfg apply from the next batch. The
 * spool and batch sizes stay as started. On failure (a secret file that
 * cannot be read) the running settings stay and err says why.
 */
int es_reconfigure(struct es_exporter *es, const struct pantau_config *cfg, char *err,
		   size_t err_len);
void es_stop(struct es_exporter *es);
void es_get_stats(struct es_exporter *es, struct es_stats *st);
/* The exporter as the event pipeline feeds it (es_submit, es_commit). */
struct event_sink es_event_sink(struct es_exporter *es);
/*
 * For `pantau --check`: whether each of cfg's URLs answers, and since when
 * the running pantau has found Elasticsearch unreachable (from its spool).
 */
void es_check(const struct pantau_config *cfg, FILE *out);

#endif
