/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Included by net.bpf.c after http_conn.bpf.h.
 *
 * HTTPS in clear: uprobes on the TLS libraries' read and write calls
 * (OpenSSL's SSL_read/SSL_write and their _ex twins, GnuTLS's
 * gnutls_record_recv/send) hand the plaintext to the same framer as
 * plain HTTP. Uprobe programs cannot reach socket storage, so a
 * connection object (SSL *, gnutls_session_t) is tied to its socket in
 * tcp_sendmsg_locked: a library call records "this thread works on object
 * X" (tls_calls), and the first write on a socket already seen to carry
 * TLS (NET_HTTP_TLS: both ends write during the handshake) copies what
 * the framer needs into tls_conns under {tgid, X}. From then on the
 * socket's own hooks leave it alone and its requests count as https.
 * The tie ends at SSL_free/gnutls_deinit or when the socket closes.
 */
#ifndef PANTAU_TLS_BPF_H
#define PANTAU_TLS_BPF_H

#include "pantau/net.h"

/* The attach cookie of each probe: which call it is and how it returns. */
#define TLS_CALL_WRITE 0x1		/* else a read */
#define TLS_CALL_RET_INT 0x0		/* bytes as an int (SSL_read, SSL_write) */
#define TLS_CALL_RET_SSIZE 0x2		/* bytes as an ssize_t (gnutls_record_*) */
#define TLS_CALL_RET_EX 0x4		/* 1 for success, bytes in *arg4 (SSL_*_ex) */
#define TLS_CALL_HANDSHAKE 0x8		/* no data: only which object the thread works on */

/* Set by user space before load (requests.tls). */
const volatile bool tls_follow;

/* What a thread is doing inside a TLS library, from entry to return. */
struct tls_call {
	__u64 obj;
	__u64 buf;		/* 0: no data call in progress */
	__u64 count_at;		/* SSL_*_ex: where the library writes the count */
	__u64 cookie;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);	/* pid_tgid */
	__type(value, struct tls_call);
} tls_calls SEC(".maps");

/* Not LRU: every tie ends at SSL_free or at close; a full map is counted. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct tls_key);
	__type(value, struct net_sock);
} tls_conns SEC(".maps");

/* Pids that called exec, and when: user space reads their maps for TLS libraries. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u64);
} tls_exec_pids SEC(".maps");

/*
 * In tcp_sendmsg_locked, on a TLS socket not yet tied: the object the
 * writing thread is inside of now is this connection's.
 */
static __always_inline void tls_tie(struct net_sock *ns)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct tls_call *call = bpf_map_lookup_elem(&tls_calls, &id);
	struct tls_key k = {};
	struct net_sock *t;
	long err;

	if (!call)
		return;	/* TLS from a library pantau does not probe */
	k.tgid = id >> 32;
	k.obj = call->obj;
	err = bpf_map_update_elem(&tls_conns, &k, ns, BPF_NOEXIST);
	if (err) {
		if (err != -17)	/* EEXIST: the object is tied to another socket */
			count_drop(NET_DROP_TLS_MAP_FULL);
		return;
	}
	t = bpf_map_lookup_elem(&tls_conns, &k);
	if (!t)
		return;
	http_stream_init(&t->http.rx, is_server(t) ? HTTP_REQUEST : HTTP_RESPONSE);
	http_stream_init(&t->http.tx, is_server(t) ? HTTP_RESPONSE : HTTP_REQUEST);
	t->http.q_head = t->http.q_len = 0;
	t->http.state = NET_HTTP_UNKNOWN;
	t->http.proto = NET_PROTO_HTTPS;
	ns->http.state = NET_HTTP_TLS_CLEAR;
	ns->tls = k;
}

/*
 * The end of a tie (sock: the socket closing, or NULL from the library's
 * free call): unanswered requests count with status none; a
 * connection whose plaintext was not HTTP/1.x (HTTP/2, another protocol)
 * or carried nothing counts as one tls request, as before it was tied.
 */
static __always_inline void tls_untie(const struct tls_key *k, __u64 now,
				      const struct net_sock *sock)
{
	struct net_sock *t = bpf_map_lookup_elem(&tls_conns, k);

	if (!t)
		return;
	/*
	 * From a socket's close: the object may have been freed and its
	 * address tied again to a newer connection, which is not this one's.
	 */
	if (sock && (t->start_ns != sock->start_ns || t->ends.sport != sock->ends.sport ||
		     t->ends.dport != sock->ends.dport))
		return;
	if (t->http.state == NET_HTTP_TCP || t->http.state == NET_HTTP_UNKNOWN)
		t->http.state = NET_HTTP_TLS;
	http_conn_close(t, now);
	bpf_map_delete_elem(&tls_conns, k);
}

/* Entry of every probed call: the object, and for data calls the buffer. */
SEC("uprobe")
int BPF_KPROBE(tls_enter, void *obj, void *buf, __u64 num, void *count_at)
{
	__u64 id = bpf_get_current_pid_tgid(), cookie = bpf_get_attach_cookie(ctx);
	struct tls_call call = {
		.obj = (__u64)obj,
		.cookie = cookie,
	};

	if (cookie & TLS_CALL_HANDSHAKE) {
		struct tls_call *cur = bpf_map_lookup_elem(&tls_calls, &id);

		/* Called from inside a data call on the same object: keep its buffer. */
		if (cur && cur->obj == call.obj)
			return 0;
	} else {
		call.buf = (__u64)buf;
		call.count_at = cookie & TLS_CALL_RET_EX ? (__u64)count_at : 0;
	}
	bpf_map_update_elem(&tls_calls, &id, &call, BPF_ANY);
	return 0;
}

/*
 * Return of a data call: the bytes it moved go through the framer. One
 * program per direction, each with its direction a constant: the
 * verifier of Linux 6.18 walked more than its 1,000,000 instructions
 * through one program that fed either.
 */
static __always_inline int tls_exit(struct pt_regs *ctx, long ret, const bool write)
{
	__u64 id = bpf_get_current_pid_tgid(), cookie = bpf_get_attach_cookie(ctx);
	struct tls_call *call = bpf_map_lookup_elem(&tls_calls, &id);
	struct tls_key k = {};
	struct net_sock *t;
	__u64 n = 0, buf;

	if (!call || !call->buf)
		return 0;
	buf = call->buf;
	call->buf = 0;
	if (cookie & TLS_CALL_RET_EX) {
		size_t got = 0;

		if ((int)ret != 1 || !call->count_at ||
		    bpf_probe_read_user(&got, sizeof(got), (void *)call->count_at))
			return 0;
		n = got;
	} else if (cookie & TLS_CALL_RET_SSIZE) {
		if (ret <= 0)
			return 0;
		n = (__u64)ret;
	} else {
		if ((int)ret <= 0)
			return 0;
		n = (__u32)(int)ret;
	}
	k.tgid = id >> 32;
	k.obj = call->obj;
	t = bpf_map_lookup_elem(&tls_conns, &k);
	if (!t || (t->http.state != NET_HTTP_UNKNOWN && t->http.state != NET_HTTP_ON))
		return 0;
	if (n > 0x7fffffff)
		n = 0x7fffffff;
	http_feed_user(t, !write, (const __u8 *)buf, (__u32)n, bpf_ktime_get_ns());
	return 0;
}

/* SSL_read, SSL_read_ex, gnutls_record_recv. */
SEC("uretprobe")
int BPF_KRETPROBE(tls_exit_read, long ret)
{
	return tls_exit(ctx, ret, false);
}

/* SSL_write, SSL_write_ex, gnutls_record_send (TLS_CALL_WRITE). */
SEC("uretprobe")
int BPF_KRETPROBE(tls_exit_write, long ret)
{
	return tls_exit(ctx, ret, true);
}

/* SSL_free, gnutls_deinit: the object's connection is over. */
SEC("uprobe")
int BPF_KPROBE(tls_free, void *obj)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct tls_key k = { .tgid = id >> 32, .obj = (__u64)obj };
	struct tls_call *call = bpf_map_lookup_elem(&tls_calls, &id);

	/* The address may come back for another object: forget it here too. */
	if (call && call->obj == k.obj)
		bpf_map_delete_elem(&tls_calls, &id);
	tls_untie(&k, bpf_ktime_get_ns(), NULL);
	return 0;
}

/* Processes that exec may map a TLS library pantau has not probed yet. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(tls_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 pid = p->tgid;
	__u64 now = bpf_ktime_get_ns();

	bpf_map_update_elem(&tls_exec_pids, &pid, &now, BPF_ANY);
	return 0;
}

#endif
