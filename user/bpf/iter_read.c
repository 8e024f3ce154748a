// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpf/iter_read.h"

#define READ_RECORDS 256
/* Bounded: a host has at most a few million tasks or sockets. */
#define MAX_READS (1 << 16)

long iter_read_records(struct bpf_link *link, size_t rec_size,
		       void (*fn)(const void *rec, void *ctx), void *ctx)
{
	/* read() may end in the middle of a record: carry the rest over. */
	char buf[READ_RECORDS * ITER_RECORD_MAX];
	size_t have = 0, cap;
	long records = 0;
	int fd, err = 0;

	if (!link || rec_size == 0 || rec_size > ITER_RECORD_MAX)
		return -EINVAL;
	cap = READ_RECORDS * rec_size;
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0)
		return -errno;
	for (int reads = 0; reads < MAX_READS; reads++) {
		ssize_t n = read(fd, buf + have, cap - have);
		size_t off = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err = -errno;
		if (n <= 0)
			break;
		have += (size_t)n;
		for (; off + rec_size <= have; off += rec_size) {
			fn(buf + off, ctx);
			records++;
		}
		memmove(buf, buf + off, have - off);
		have -= off;
	}
	close(fd);
	return err ? err : records;
}
