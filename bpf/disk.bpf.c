// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Disk domain: per-service bytes, operations and latency per device, from
 * the block layer's accounting tracepoints (block_io_start/block_io_done;
 * block_rq_issue/block_rq_complete on kernels without them). A request is
 * attributed when it starts, in the submitter's context.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "maps.bpf.h"
#include "service_key.bpf.h"
#include "pantau/disk.h"

#define REQ_OP_MASK 0xff
#define MINORBITS 20

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct disk_io_key);
	__type(value, struct disk_io_stats);
} disk_io_stats SEC(".maps");

/* LRU: a request that never completes (device gone) cannot leak a slot. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, DISK_INFLIGHT_MAX);
	__type(key, __u64);
	__type(value, struct disk_io_inflight);
} disk_inflight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DISK_DROP_REASONS);
	__type(key, __u32);
	__type(value, __u64);
} disk_drops SEC(".maps");

static const struct disk_io_stats zero_stats;

static __always_inline void count_drop(__u32 reason)
{
	map_count(&disk_drops, reason);
}

static __always_inline int op_of(__u32 cmd_flags)
{
	switch (cmd_flags & REQ_OP_MASK) {
	case REQ_OP_READ:
		return DISK_OP_READ;
	case REQ_OP_WRITE:
	case REQ_OP_WRITE_ZEROES:
		return DISK_OP_WRITE;
	case REQ_OP_DISCARD:
		return DISK_OP_DISCARD;
	case REQ_OP_FLUSH:
		return DISK_OP_FLUSH;
	}
	return -1;	/* zone management and driver-private requests */
}

/*
 * Writeback runs in kernel threads; with the io controller on cgroup2 the
 * bio carries the cgroup that dirtied the pages: use it. A v1 blkio cgroup
 * (hybrid hosts) is not a cgroup2 service key, so the submitter counts.
 */
/* tp_btf loads through kernel pointers directly; raw_tp must probe-read. */
static __always_inline void owner_key(struct request *rq, struct service_key *key,
				      const bool btf)
{
	struct cgroup *cg = btf ? rq->bio->bi_blkg->blkcg->css.cgroup :
			    BPF_CORE_READ(rq, bio, bi_blkg, blkcg, css.cgroup);

	service_key_current(key);
	if (!cg)
		return;
	if ((btf ? cg->root->hierarchy_id : BPF_CORE_READ(cg, root, hierarchy_id)) == 0 &&
	    (btf ? cg->level : BPF_CORE_READ(cg, level)) > 0) {
		__u64 id = btf ? cg->kn->id : BPF_CORE_READ(cg, kn, id);

		if (id != key->cgroup_id) {
			key->cgroup_id = id;
			key->tgid = 0;
		}
	}
}

static __always_inline int on_start(struct request *rq, const bool btf)
{
	struct disk_io_inflight in = {};
	struct gendisk *disk;
	__u64 rq_id = (__u64)rq;
	int op = op_of(btf ? rq->cmd_flags : BPF_CORE_READ(rq, cmd_flags));

	if (op < 0)
		return 0;
	disk = btf ? rq->q->disk : BPF_CORE_READ(rq, q, disk);
	if (!disk)
		return 0;
	in.start_ns = bpf_ktime_get_ns();
	owner_key(rq, &in.key.svc, btf);
	in.key.dev = btf ? ((__u32)disk->major << MINORBITS) | (__u32)disk->first_minor :
		     ((__u32)BPF_CORE_READ(disk, major) << MINORBITS) |
		     (__u32)BPF_CORE_READ(disk, first_minor);
	in.key.op = op;
	in.bytes = btf ? rq->__data_len : BPF_CORE_READ(rq, __data_len);
	if (bpf_map_update_elem(&disk_inflight, &rq_id, &in, BPF_ANY))
		count_drop(DISK_DROP_INFLIGHT_FULL);
	return 0;
}

static __always_inline int on_done(struct request *rq)
{
	__u64 rq_id = (__u64)rq, now = bpf_ktime_get_ns(), lat;
	struct disk_io_inflight *in;
	struct disk_io_stats *st;

	in = bpf_map_lookup_elem(&disk_inflight, &rq_id);
	if (!in)
		return 0;	/* started before pantau attached */
	st = map_lookup_or_init(&disk_io_stats, &in->key, &zero_stats);
	if (!st) {
		count_drop(DISK_DROP_STATS_MAP_FULL);
		goto out;
	}
	lat = now > in->start_ns ? now - in->start_ns : 0;
	st->bytes += in->bytes;
	st->ops++;
	st->latency_ns += lat;
	st->latency_slots[log2_slot(lat / 1000, DISK_LAT_SLOTS)]++;
out:
	bpf_map_delete_elem(&disk_inflight, &rq_id);
	return 0;
}

SEC("tp_btf/block_io_start")
int BPF_PROG(disk_io_start_btf, struct request *rq)
{
	return on_start(rq, true);
}

SEC("raw_tp/block_io_start")
int BPF_PROG(disk_io_start_raw, struct request *rq)
{
	return on_start(rq, false);
}

SEC("tp_btf/block_io_done")
int BPF_PROG(disk_io_done_btf, struct request *rq)
{
	return on_done(rq);
}

SEC("raw_tp/block_io_done")
int BPF_PROG(disk_io_done_raw, struct request *rq)
{
	return on_done(rq);
}

/* Older kernels: the same at issue and completion (after the I/O scheduler). */
SEC("tp_btf/block_rq_issue")
int BPF_PROG(disk_rq_issue_btf, struct request *rq)
{
	return on_start(rq, true);
}

SEC("raw_tp/block_rq_issue")
int BPF_PROG(disk_rq_issue_raw, struct request *rq)
{
	return on_start(rq, false);
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(disk_rq_complete_btf, struct request *rq)
{
	return on_done(rq);
}

SEC("raw_tp/block_rq_complete")
int BPF_PROG(disk_rq_complete_raw, struct request *rq)
{
	return on_done(rq);
}
