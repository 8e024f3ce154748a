// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The least a program on pantau's packet hooks does to time HTTP requests,
 * for bench/tools/empty_hooks --floor: for each TCP segment with payload,
 * the headers read in place, the socket's storage, the payload's first
 * bytes and the clock; a segment that starts with "HTTP" closes the time
 * the last other segment opened, into one per-CPU counter. It frames
 * nothing, so it counts nothing exactly (a body segment restarts the
 * clock, a pipelined answer is missed): any exact request path on these
 * hooks does at least this much per segment, and a benchmark that runs
 * it measures a floor under every such path.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
/* pantau's own header read: the floor pays what pantau pays for it. */
#include "../../bpf/tcp_segment.bpf.h"

#define HEAD_BYTES 4

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct floor_sock {
	__u64 opened_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct floor_sock);
} floor_socks SEC(".maps");

struct floor_total {
	__u64 answers;
	__u64 ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct floor_total);
} floor_totals SEC(".maps");

static __always_inline int on_segment(struct __sk_buff *skb)
{
	struct floor_total *total;
	struct floor_sock *fs;
	struct bpf_sock *sk;
	char head[HEAD_BYTES];
	__u32 hlen, zero = 0;
	__u64 now;

	if (!tcp_segment(skb, &hlen) || skb->len < hlen + HEAD_BYTES)
		return 1;
	sk = skb->sk;
	if (!sk)
		return 1;
	sk = bpf_sk_fullsock(sk);
	if (!sk)
		return 1;
	fs = bpf_sk_storage_get(&floor_socks, sk, NULL, BPF_SK_STORAGE_GET_F_CREATE);
	if (!fs || bpf_skb_load_bytes(skb, hlen, head, sizeof(head)))
		return 1;
	now = bpf_ktime_get_ns();
	if (head[0] != 'H' || head[1] != 'T' || head[2] != 'T' || head[3] != 'P') {
		fs->opened_ns = now;
		return 1;
	}
	total = bpf_map_lookup_elem(&floor_totals, &zero);
	if (total && fs->opened_ns) {
		total->answers++;
		total->ns += now - fs->opened_ns;
	}
	fs->opened_ns = 0;
	return 1;
}

SEC("cgroup_skb/ingress")
int floor_ingress(struct __sk_buff *skb)
{
	return on_segment(skb);
}

SEC("cgroup_skb/egress")
int floor_egress(struct __sk_buff *skb)
{
	return on_segment(skb);
}
