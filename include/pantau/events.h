/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Events shipped one by one through the BPF ring buffer. */
#ifndef PANTAU_EVENTS_H
#define PANTAU_EVENTS_H

#include "service_key.h"

#define EVENTS_RINGBUF_BYTES (256 * 1024)
#define EVENT_COMM_LEN 16

enum event_type {
	EVENT_OOM_KILL = 1,
	EVENT_PEER_HEAD,
	EVENT_HTTP,
	EVENT_CONN,
};

#define EVENT_HEAD_BYTES 256

enum event_drop_reason {
	EVENT_DROP_RINGBUF_FULL,	/* user space did not keep up */
	EVENT_DROP_KERNEL_RATE,		/* over a service's budget, dropped in the kernel */
	EVENT_DROP_REASONS,
};

struct event_header {
	__u32 type;
	__u32 size;		/* of the whole event */
	__u64 ktime_ns;		/* bpf_ktime_get_ns() when it happened */
};

struct event_oom_kill {
	struct event_header hdr;
	struct service_key key;	/* the victim's service, not the killer's */
	__u32 pid;		/* the victim's tgid */
	__u32 limit_set;	/* 1 when the victim's memory cgroup has a limit */
	char comm[EVENT_COMM_LEN];
	__u64 rss_bytes;	/* anon + file + shmem at the kill */
	__u64 limit_bytes;	/* the victim's memory cgroup limit */
};

/*
 * The first bytes an outbound connection sent (an HTTP request head or a
 * TLS ClientHello), once per connection: user space names the peer from
 * its Host header or SNI.
 */
struct event_peer_head {
	struct event_header hdr;
	struct service_key key;
	__u8 addr[16];
	__u16 port;
	__u8 family;
	__u8 pad;
	__u32 len;		/* bytes of data that are valid */
	__u8 data[EVENT_HEAD_BYTES];
};

#endif
