/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Events shipped one by one through the BPF ring buffer. */
#ifndef PANTAU_EVENTS_H
#define PANTAU_EVENTS_H

#include "service_key.h"

#define EVENTS_RINGBUF_BYTES (256 * 1024)
#define EVENT_COMM_LEN 16

enum event_type {
	EVENT_OOM_KILL = 1,
	EVENT_PEER_HOST,
	EVENT_HTTP,
	EVENT_CONN,
};

#define EVENT_HOST_BYTES 256

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
 * The host an outbound connection asked for (HTTP Host, TLS server name),
 * once per connection that asked for one: user space names the peer
 * {addr, port, family, host} by it. The name is name_len bytes from
 * name_off in data, a copy of the window the kernel found it in.
 */
struct event_peer_host {
	struct event_header hdr;
	struct service_key key;
	__u8 addr[16];
	__u16 port;
	__u8 family;
	__u8 pad;
	__u32 host;		/* its hash (pantau/peer_host.h), struct net_peer's host */
	__u16 name_off;
	__u16 name_len;
	__u8 data[EVENT_HOST_BYTES];
};

#endif
