// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "elasticsearch/es_spool.h"
#include "lib/dirs.h"

#define SPOOL_MAGIC 0x31505350u	/* "PSP1" read as little-endian bytes */
#define SEG_NAME_LEN 32		/* 20 digits, ".seg", NUL, and room gcc wants */
#define SEG_NAME_CHARS 24
/* Small segments would mean many files; large ones a coarse cap. */
#define SEGMENT_MIN (64u << 10)
#define SEGMENT_MAX (64u << 20)

struct record_header {
	uint32_t magic;
	uint32_t len;
	uint32_t crc;
};

_Static_assert(sizeof(struct record_header) == SPOOL_HEADER_BYTES, "record header size");

static void seg_name(uint64_t seq, char *out)
{
	snprintf(out, SEG_NAME_LEN, "%020llu.seg", (unsigned long long)seq);
}

static uint32_t doc_crc(const void *doc, size_t len)
{
	return (uint32_t)crc32(crc32(0L, Z_NULL, 0), doc, (uInt)len);
}

static int pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done, (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ENODATA;
		done += (size_t)n;
	}
	return 0;
}

/*
 * The record at off if it lies whole below limit and its CRC matches: its
 * document is read into buf (SPOOL_RECORD_MAX bytes) and its length
 * returned. -EBADMSG for a torn or damaged record, another -errno on I/O.
 */
static long read_record(int fd, uint64_t off, uint64_t limit, char *buf)
{
	struct record_header h;
	int rc;

	if (off + sizeof(h) > limit)
		return -EBADMSG;
	rc = pread_full(fd, &h, sizeof(h), off);
	if (rc)
		return rc == -ENODATA ? -EBADMSG : rc;
	if (h.magic != SPOOL_MAGIC || h.len > SPOOL_RECORD_MAX || off + sizeof(h) + h.len > limit)
		return -EBADMSG;
	rc = pread_full(fd, buf, h.len, off + sizeof(h));
	if (rc)
		return rc == -ENODATA ? -EBADMSG : rc;
	if (doc_crc(buf, h.len) != h.crc)
		return -EBADMSG;
	return (long)h.len;
}

/* Bytes a segment scan reads at a time: more than the largest record. */
#define SCAN_BYTES (4u * SPOOL_RECORD_MAX)

/*
 * Count the whole records of a segment left by an earlier run. It reads the
 * file in large pieces: a record at a time, a 1 GiB spool took 16 s of
 * system calls before pantau could answer.
 */
static int scan_segment(struct spool *s, struct spool_segment *seg, char *buf)
{
	uint64_t off = 0, base = 0, refilled_at = UINT64_MAX;
	char name[SEG_NAME_LEN];
	struct stat st;
	size_t have = 0;
	int fd;

	seg_name(seg->seq, name);
	fd = openat(s->dir_fd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		int e = -errno;

		close(fd);
		return e;
	}
	seg->bytes = (uint64_t)st.st_size;
	/* Bounded: each round moves off forward, or refills once at this off. */
	for (;;) {
		struct record_header h;
		size_t at = (size_t)(off - base);

		if (off + sizeof(h) > seg->bytes)
			break;
		if (at + sizeof(h) <= have) {
			memcpy(&h, buf + at, sizeof(h));
			if (h.magic != SPOOL_MAGIC || h.len > SPOOL_RECORD_MAX ||
			    off + sizeof(h) + h.len > seg->bytes)
				break;
			if (at + sizeof(h) + h.len <= have) {
				if (doc_crc(buf + at + sizeof(h), h.len) != h.crc)
					break;
				off += sizeof(h) + h.len;
				seg->records++;
				continue;
			}
		}
		if (refilled_at == off)
			break;
		have = seg->bytes - off < SCAN_BYTES ? (size_t)(seg->bytes - off) : SCAN_BYTES;
		if (pread_full(fd, buf, have, off))
			break;
		base = refilled_at = off;
	}
	/* A torn tail from a crash is expected; anything else is damage. */
	if (off < seg->bytes)
		s->corrupt++;
	seg->valid = off;
	close(fd);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static bool parse_seg_name(const char *name, uint64_t *seq)
{
	char *end;

	if (strlen(name) != SEG_NAME_CHARS || name[0] < '0' || name[0] > '9')
		return false;
	errno = 0;
	*seq = strtoull(name, &end, 10);
	return !errno && end == name + 20 && !strcmp(end, ".seg");
}

/* Segment sequence numbers in the directory, sorted, at most max. */
static int list_segments(struct spool *s, uint64_t *seqs, size_t max, size_t *n)
{
	struct dirent *de;
	DIR *d;
	int fd;

	*n = 0;
	fd = dup(s->dir_fd);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		int e = -errno;

		close(fd);
		return e;
	}
	while ((de = readdir(d)) != NULL) {
		uint64_t seq;

		if (!parse_seg_name(de->d_name, &seq))
			continue;
		if (*n == max) {
			closedir(d);
			return -E2BIG;
		}
		seqs[(*n)++] = seq;
	}
	closedir(d);
	qsort(seqs, *n, sizeof(*seqs), cmp_u64);
	return 0;
}

static void unlink_segment(struct spool *s, uint64_t seq)
{
	char name[SEG_NAME_LEN];

	seg_name(seq, name);
	/* Already gone is fine; anything else leaves a file the next open rereads. */
	unlinkat(s->dir_fd, name, 0);
}

static void pop_oldest_locked(struct spool *s)
{
	struct spool_segment *seg = &s->segs[0];

	unlink_segment(s, seg->seq);
	s->total_bytes -= seg->bytes;
	memmove(&s->segs[0], &s->segs[1], (s->n_segs - 1) * sizeof(s->segs[0]));
	s->n_segs--;
	if (s->n_segs && s->read_seq < s->segs[0].seq) {
		s->read_seq = s->segs[0].seq;
		s->read_off = 0;
	}
}

static bool is_writer_locked(const struct spool *s, size_t i)
{
	return s->write_fd >= 0 && i == s->n_segs - 1;
}

/* The cap: the oldest finished segment goes, whatever was not acknowledged in it. */
static void drop_oldest_locked(struct spool *s)
{
	const struct spool_segment *seg = &s->segs[0];

	/* Counters are read by scrapes without the lock. */
	if (seg->records > seg->acked)
		__atomic_fetch_add(&s->dropped, seg->records - seg->acked, __ATOMIC_RELAXED);
	pop_oldest_locked(s);
}

/* Delete the finished segments, oldest first, whose records were all delivered. */
static void reap_locked(struct spool *s)
{
	while (s->n_segs && !is_writer_locked(s, 0) && s->segs[0].acked >= s->segs[0].records &&
	       (s->read_seq > s->segs[0].seq ||
		(s->read_seq == s->segs[0].seq && s->read_off >= s->segs[0].valid)))
		pop_oldest_locked(s);
	if (s->n_segs == 0)
		s->read_off = 0;
}

int spool_open(struct spool *s, const char *dir, uint64_t max_bytes, char *err, size_t err_len)
{
	uint64_t *seqs = NULL;
	char *buf = NULL;
	size_t n = 0;
	int rc;

	memset(s, 0, sizeof(*s));
	s->dir_fd = s->write_fd = s->read_fd = -1;
	pthread_mutex_init(&s->lock, NULL);
	s->max_bytes = max_bytes;
	s->segment_bytes = max_bytes / 8;
	if (s->segment_bytes < SEGMENT_MIN)
		s->segment_bytes = SEGMENT_MIN;
	if (s->segment_bytes > SEGMENT_MAX)
		s->segment_bytes = SEGMENT_MAX;
	s->dir = strdup(dir);
	seqs = calloc(SPOOL_SEGMENTS_MAX, sizeof(*seqs));
	buf = malloc(SCAN_BYTES);
	if (!s->dir || !seqs || !buf) {
		rc = -ENOMEM;
		snprintf(err, err_len, "cannot open the Elasticsearch spool: out of memory.");
		goto out;
	}
	rc = dirs_create(dir, 0700);
	if (rc) {
		snprintf(err, err_len, "cannot create the Elasticsearch spool directory %s: %s; "
			 "create it or set elasticsearch.spool.dir.", dir, strerror(-rc));
		goto out;
	}
	s->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dir_fd < 0) {
		rc = -errno;
		snprintf(err, err_len, "cannot open the Elasticsearch spool directory %s: %s.",
			 dir, strerror(-rc));
		goto out;
	}
	rc = list_segments(s, seqs, SPOOL_SEGMENTS_MAX, &n);
	if (rc) {
		snprintf(err, err_len, "cannot list the Elasticsearch spool %s: %s.", dir,
			 rc == -E2BIG ? "more than 1024 segment files" : strerror(-rc));
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct spool_segment *seg = &s->segs[s->n_segs];

		memset(seg, 0, sizeof(*seg));
		seg->seq = seqs[i];
		s->last_seq = seqs[i];
		rc = scan_segment(s, seg, buf);
		if (rc) {
			snprintf(err, err_len, "cannot read Elasticsearch spool segment %s/%020llu.seg: %s.",
				 dir, (unsigned long long)seqs[i], strerror(-rc));
			goto out;
		}
		if (!seg->records) {
			unlink_segment(s, seg->seq);
			continue;
		}
		s->total_bytes += seg->bytes;
		s->recovered += seg->records;
		s->n_segs++;
	}
	/* A smaller cap than the last run's applies at once. */
	while (s->n_segs > 1 && s->total_bytes > s->max_bytes)
		drop_oldest_locked(s);
	s->read_seq = s->n_segs ? s->segs[0].seq : 0;
	rc = 0;
out:
	free(seqs);
	free(buf);
	if (rc)
		spool_close(s);
	return rc;
}

static int write_pending_locked(struct spool *s);

void spool_close(struct spool *s)
{
	/* Written, not synced: as before a crash, the next open finds what made it. */
	if (s->write_fd >= 0)
		write_pending_locked(s);
	if (s->write_fd >= 0)
		close(s->write_fd);
	free(s->pending);
	s->pending = NULL;
	s->pending_len = s->pending_cap = 0;
	s->pending_records = 0;
	if (s->read_fd >= 0)
		close(s->read_fd);
	if (s->dir_fd >= 0)
		close(s->dir_fd);
	free(s->dir);
	s->dir = NULL;
	s->write_fd = s->read_fd = s->dir_fd = -1;
	pthread_mutex_destroy(&s->lock);
}

/* Mark what the writer's segment holds as durable; fd was fdatasync'd. */
static void writer_synced_locked(struct spool *s)
{
	struct spool_segment *seg = &s->segs[s->n_segs - 1];

	if (s->write_records > seg->records)
		__atomic_fetch_add(&s->accepted, s->write_records - seg->records, __ATOMIC_RELAXED);
	seg->valid = s->write_bytes;
	seg->records = s->write_records;
}

static int roll_locked(struct spool *s)
{
	int rc = 0;

	if (s->write_fd >= 0) {
		if (fdatasync(s->write_fd))
			rc = -errno;
		else
			writer_synced_locked(s);
		close(s->write_fd);
		s->write_fd = -1;
		reap_locked(s);
	}
	return rc;
}

static int new_segment_locked(struct spool *s)
{
	struct spool_segment *seg;
	char name[SEG_NAME_LEN];
	uint64_t seq;
	int fd;

	if (s->n_segs == SPOOL_SEGMENTS_MAX)
		drop_oldest_locked(s);
	seq = ++s->last_seq;
	seg_name(seq, name);
	fd = openat(s->dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	/* The new name must survive a crash as well as the records in it. */
	if (fsync(s->dir_fd)) {
		int e = -errno;

		close(fd);
		unlinkat(s->dir_fd, name, 0);
		return e;
	}
	seg = &s->segs[s->n_segs++];
	memset(seg, 0, sizeof(*seg));
	seg->seq = seq;
	s->write_fd = fd;
	s->write_bytes = 0;
	s->write_records = 0;
	if (s->n_segs == 1) {
		s->read_seq = seq;
		s->read_off = 0;
	}
	return 0;
}

/*
 * Write the pending records to the writer's segment. On a failed or short
 * write the whole records that made it count, the torn rest ends the
 * segment (readers stop before it) and the records not written are lost.
 */
static int write_pending_locked(struct spool *s)
{
	struct spool_segment *seg;
	size_t done = 0, whole = 0;
	uint32_t records = 0;
	int rc = 0;

	if (!s->pending_len)
		return 0;
	if (s->write_fd < 0) {
		rc = -EBADF;
		goto out;
	}
	/* Bounded: each turn writes at least one byte or ends the loop. */
	while (done < s->pending_len) {
		ssize_t n = write(s->write_fd, s->pending + done, s->pending_len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : -EIO;
			break;
		}
		done += (size_t)n;
	}
	/* The records wholly written, walked by their headers (bounded by their count). */
	while (records < s->pending_records) {
		struct record_header h;

		memcpy(&h, s->pending + whole, sizeof(h));
		if (whole + sizeof(h) + h.len > done)
			break;
		whole += sizeof(h) + h.len;
		records++;
	}
	seg = &s->segs[s->n_segs - 1];
	seg->bytes += done;
	s->total_bytes += done;
	s->write_bytes += whole;
	s->write_records += records;
out:
	if (records < s->pending_records)
		__atomic_fetch_add(&s->lost, s->pending_records - records, __ATOMIC_RELAXED);
	s->pending_len = 0;
	s->pending_records = 0;
	if (rc)
		roll_locked(s);
	return rc;
}

int spool_append(struct spool *s, const void *doc, size_t len)
{
	struct record_header h = { .magic = SPOOL_MAGIC, .len = (uint32_t)len };
	uint64_t rec = sizeof(h) + len;
	int rc = 0;

	if (len > SPOOL_RECORD_MAX)
		return -EMSGSIZE;
	h.crc = doc_crc(doc, len);
	pthread_mutex_lock(&s->lock);
	if (s->write_fd >= 0 && s->write_records + s->pending_records &&
	    s->write_bytes + s->pending_len + rec > s->segment_bytes) {
		rc = write_pending_locked(s);
		if (!rc)
			rc = roll_locked(s);
	} else if (s->pending_len && s->pending_len + rec > SPOOL_PENDING_BYTES) {
		rc = write_pending_locked(s);
	}
	if (!rc && s->write_fd < 0)
		rc = new_segment_locked(s);
	if (rc)
		goto out;
	while (s->n_segs > 1 && s->total_bytes + s->pending_len + rec > s->max_bytes)
		drop_oldest_locked(s);
	if (s->pending_len + rec > s->pending_cap) {
		size_t cap = rec > SPOOL_PENDING_BYTES ? rec : SPOOL_PENDING_BYTES;
		char *p = realloc(s->pending, cap);

		if (!p) {
			rc = -ENOMEM;
			goto out;
		}
		s->pending = p;
		s->pending_cap = cap;
	}
	memcpy(s->pending + s->pending_len, &h, sizeof(h));
	memcpy(s->pending + s->pending_len + sizeof(h), doc, len);
	s->pending_len += rec;
	s->pending_records++;
out:
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int spool_sync(struct spool *s)
{
	int rc;

	pthread_mutex_lock(&s->lock);
	rc = write_pending_locked(s);
	/* Only the writer's thread appends, so nothing changes fd under us but the cap. */
	if (!rc && s->write_fd >= 0 && s->segs[s->n_segs - 1].valid != s->write_bytes) {
		if (fdatasync(s->write_fd))
			rc = -errno;
		else
			writer_synced_locked(s);
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int spool_batch_init(struct spool_batch *b, size_t max_events)
{
	memset(b, 0, sizeof(*b));
	b->offs = calloc(max_events, sizeof(*b->offs));
	b->lens = calloc(max_events, sizeof(*b->lens));
	if (!b->offs || !b->lens) {
		spool_batch_free(b);
		return -ENOMEM;
	}
	b->max = max_events;
	return 0;
}

void spool_batch_reset(struct spool_batch *b)
{
	b->len = 0;
	b->n = 0;
	b->n_segs = 0;
}

void spool_batch_free(struct spool_batch *b)
{
	free(b->data);
	free(b->offs);
	free(b->lens);
	memset(b, 0, sizeof(*b));
}

static int batch_reserve(struct spool_batch *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 64 * 1024;
	char *grown;

	if (b->len + more <= b->cap)
		return 0;
	while (cap < b->len + more)
		cap *= 2;
	grown = realloc(b->data, cap);
	if (!grown)
		return -ENOMEM;
	b->data = grown;
	b->cap = cap;
	return 0;
}

/* Where the reader is, moved past dropped or finished segments; false: nothing to read. */
static bool reader_segment_locked(struct spool *s, uint64_t *limit, bool *finished)
{
	for (size_t i = 0; i < s->n_segs; i++) {
		struct spool_segment *seg = &s->segs[i];

		if (seg->seq < s->read_seq)
			continue;
		if (seg->seq > s->read_seq) {
			s->read_seq = seg->seq;
			s->read_off = 0;
		}
		*finished = !is_writer_locked(s, i);
		if (s->read_off >= seg->valid && *finished && i + 1 < s->n_segs) {
			s->read_seq = s->segs[i + 1].seq;
			s->read_off = 0;
			continue;
		}
		*limit = seg->valid;
		return s->read_off < seg->valid;
	}
	return false;
}

static int reader_fd(struct spool *s, uint64_t seq)
{
	char name[SEG_NAME_LEN];

	if (s->read_fd >= 0 && s->read_fd_seq == seq)
		return s->read_fd;
	if (s->read_fd >= 0)
		close(s->read_fd);
	seg_name(seq, name);
	s->read_fd = openat(s->dir_fd, name, O_RDONLY | O_CLOEXEC);
	s->read_fd_seq = seq;
	return s->read_fd < 0 ? -errno : s->read_fd;
}

int spool_read(struct spool *s, struct spool_batch *b, size_t max_events, size_t max_bytes)
{
	int added = 0;

	if (max_events > b->max)
		max_events = b->max;
	/* Each turn adds a record or moves to a later segment. */
	for (size_t turn = 0; turn < max_events + SPOOL_SEGMENTS_MAX && b->n < max_events; turn++) {
		uint64_t limit = 0, seq, off;
		bool finished = false, have;
		long len;
		int fd, rc;

		pthread_mutex_lock(&s->lock);
		have = reader_segment_locked(s, &limit, &finished);
		seq = s->read_seq;
		off = s->read_off;
		pthread_mutex_unlock(&s->lock);
		if (!have)
			break;
		fd = reader_fd(s, seq);
		if (fd == -ENOENT)
			continue;	/* dropped under us: the table moves on */
		if (fd < 0)
			return added ? added : fd;
		rc = batch_reserve(b, SPOOL_RECORD_MAX);
		if (rc)
			return added ? added : rc;
		len = read_record(fd, off, limit, b->data + b->len);
		if (len == -EBADMSG && finished) {
			pthread_mutex_lock(&s->lock);
			s->corrupt++;
			if (s->read_seq == seq)
				s->read_off = limit;
			pthread_mutex_unlock(&s->lock);
			continue;
		}
		if (len < 0)
			return added ? added : (int)len;
		if (b->n && b->len + (size_t)len > max_bytes)
			break;
		if (!b->n_segs || b->segs[b->n_segs - 1].seq != seq) {
			if (b->n_segs == SPOOL_BATCH_SEGS)
				break;
			b->segs[b->n_segs].seq = seq;
			b->segs[b->n_segs].n = 0;
			b->n_segs++;
		}
		b->segs[b->n_segs - 1].n++;
		b->offs[b->n] = b->len;
		b->lens[b->n] = (size_t)len;
		b->n++;
		b->len += (size_t)len;
		added++;
		pthread_mutex_lock(&s->lock);
		if (s->read_seq == seq && s->read_off == off)
			s->read_off = off + SPOOL_HEADER_BYTES + (uint64_t)len;
		pthread_mutex_unlock(&s->lock);
	}
	return added;
}

void spool_ack(struct spool *s, const struct spool_batch *b)
{
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < b->n_segs; i++)
		for (size_t j = 0; j < s->n_segs; j++)
			if (s->segs[j].seq == b->segs[i].seq) {
				s->segs[j].acked += b->segs[i].n;
				break;
			}
	reap_locked(s);
	pthread_mutex_unlock(&s->lock);
}

uint64_t spool_bytes(struct spool *s)
{
	uint64_t v;

	pthread_mutex_lock(&s->lock);
	v = s->total_bytes;
	pthread_mutex_unlock(&s->lock);
	return v;
}
