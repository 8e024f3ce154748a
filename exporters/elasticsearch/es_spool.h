/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The disk spool between the events thread and the Elasticsearch sender:
 * append-only segment files, one record per event (length, CRC-32,
 * document), fsync'd before an event counts as accepted. A segment is
 * deleted once every record in it was acknowledged, or, when the spool
 * would grow over its cap, as the oldest one (its records counted dropped).
 *
 * One writer (the events thread) and one reader (the sender thread); the
 * segment table is shared under a mutex, file I/O happens outside it.
 */
#ifndef PANTAU_ES_SPOOL_H
#define PANTAU_ES_SPOOL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A document bigger than this is not an event pantau wrote. */
#define SPOOL_RECORD_MAX (1u << 20)
#define SPOOL_SEGMENTS_MAX 1024
/* Segments a batch may span; a batch stops at the next boundary beyond. */
#define SPOOL_BATCH_SEGS 16
#define SPOOL_HEADER_BYTES 12

struct spool_segment {
	uint64_t seq;		/* file name: %020llu.seg */
	uint64_t bytes;		/* on disk, counted against the cap */
	uint64_t valid;		/* readable: written whole and synced */
	uint32_t records;	/* whole records below valid */
	uint32_t acked;
};

struct spool {
	pthread_mutex_t lock;
	char *dir;
	int dir_fd;
	uint64_t max_bytes;
	uint64_t segment_bytes;
	struct spool_segment segs[SPOOL_SEGMENTS_MAX];	/* oldest first */
	size_t n_segs;
	uint64_t total_bytes;
	uint64_t last_seq;	/* sequence numbers only grow, also over restarts */
	/* The writer's segment (the last one) while write_fd >= 0. */
	int write_fd;
	uint64_t write_bytes;	/* written, maybe not synced yet */
	uint32_t write_records;
	/*
	 * Records appended since the last write, written together at the
	 * next spool_sync() (or when SPOOL_PENDING_BYTES fill up): one write
	 * a poll instead of one a record. Nobody reads them before the sync.
	 */
	char *pending;
	size_t pending_len, pending_cap;
	uint32_t pending_records;
	/* The reader's position. */
	uint64_t read_seq;
	uint64_t read_off;
	int read_fd;
	uint64_t read_fd_seq;
	/* Counters, read by scrapes with __atomic loads. */
	uint64_t accepted;	/* records synced */
	uint64_t dropped;	/* records deleted unacknowledged by the cap */
	uint64_t corrupt;	/* bad records skipped (torn writes, bad CRC) */
	uint64_t recovered;	/* records found at open */
	uint64_t lost;		/* appended, then lost to a failed write */
};

/* Records read for one batch, in order, and where they came from. */
struct spool_batch {
	char *data;		/* the documents, back to back */
	size_t len, cap;
	size_t *offs;		/* of each document in data */
	size_t *lens;
	size_t n, max;
	struct { uint64_t seq; uint32_t n; } segs[SPOOL_BATCH_SEGS];
	size_t n_segs;
};

/*
 * Open (creating it, mode 0700, if missing) the spool in dir and find the
 * records earlier runs left. 0, or a negative errno with one sentence in err.
 */
int spool_open(struct spool *s, const char *dir, uint64_t max_bytes, char *err, size_t err_len);
void spool_close(struct spool *s);

/* Writes of appended records gather up to this much (or one record). */
#define SPOOL_PENDING_BYTES (256u << 10)

/*
 * Append one record; it counts only after spool_sync(). 0 or -errno (the
 * record was not taken). A record taken but lost to a later failed write
 * is counted in lost.
 */
int spool_append(struct spool *s, const void *doc, size_t len);
/* Write what was appended, and make it durable and readable. 0 or -errno. */
int spool_sync(struct spool *s);

int spool_batch_init(struct spool_batch *b, size_t max_events);
void spool_batch_reset(struct spool_batch *b);
void spool_batch_free(struct spool_batch *b);
/*
 * Add durable records after the reader's position to b, until it holds
 * max_events or max_bytes (at least one record). Returns how many were
 * added, or a negative errno.
 */
int spool_read(struct spool *s, struct spool_batch *b, size_t max_events, size_t max_bytes);
/* Every record of b was delivered (or given up): delete finished segments. */
void spool_ack(struct spool *s, const struct spool_batch *b);

/* Bytes on disk now. */
uint64_t spool_bytes(struct spool *s);

#endif
