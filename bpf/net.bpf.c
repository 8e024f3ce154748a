// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Network domain, TCP part: connections opened, closed and failed, resets
 * and round-trip time per service, from socket state changes. The service
 * is recorded on the socket in process context (connect, listen) and read
 * back from it in softirq and timer context. Live connections' bytes and
 * retransmits are read at scrape time by a TCP socket iterator; closed
 * connections hand theirs over at close: the TCP metrics need no
 * per-packet hook. Requests do: both directions' payload is read from
 * packets at cgroup_skb ingress and egress (http_conn.bpf.h).
 *
 * Socket local storage is only reachable from BTF-typed programs: there is
 * no raw_tp twin, so kernels without tp_btf run without the net domain.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "core_fixes.bpf.h"
#include "maps.bpf.h"
#include "service_key.bpf.h"
#include "events.bpf.h"
#include "tcp_segment.bpf.h"
/* The scratch window's bytes, at an index the verifiers see bounded. */
#define PEER_HOST_BYTE(buf, i) ((buf)[bound_max((i), PEER_HOST_WINDOW - 1)])
#include "pantau/net.h"

#define AF_INET 2
#define AF_INET6 10
#define RCV_SHUTDOWN 1

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* BPF_F_CLONE: a connection accepted from a listener starts with its storage. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC | BPF_F_CLONE);
	__type(key, int);
	__type(value, struct net_sock);
} net_socks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct service_key);
	__type(value, struct net_stats);
} net_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NET_DROP_REASONS);
	__type(key, __u32);
	__type(value, __u64);
} net_drops SEC(".maps");

/*
 * Cgroup ids of requests.skip_cgroups, kept by user space: connections
 * their tasks open are never parsed. Looked up once per socket, at connect
 * or listen, so the payload programs pay nothing more than a state check.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, NET_MAX_SKIP_CGROUPS);
	__type(key, __u64);
	__type(value, __u8);
} skip_cgroups SEC(".maps");

/* Indexed by enum net_twin_count; bumped once per connection direction at most. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NET_TWIN_COUNTS);
	__type(key, __u32);
	__type(value, __u64);
} net_twins SEC(".maps");

/* Connection ends whose answers the framer took over (enum net_answers). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} net_answers_framed SEC(".maps");

static const struct net_stats zero_stats;

static __always_inline void count_twin(__u32 what)
{
	map_count(&net_twins, what);
}

static __always_inline void count_answers_framed(void)
{
	map_count(&net_answers_framed, 0);
}

static __always_inline void count_drop(__u32 reason)
{
	map_count(&net_drops, reason);
}

/*
 * Payload only: bytes_received also counts a received FIN (one sequence
 * number), and bytes_acked the SYN and FIN; first transmissions are
 * bytes_sent less bytes_retrans, exactly what the application wrote.
 */
static __always_inline __u64 payload_received(const struct tcp_sock *tp)
{
	__u64 n = tp->bytes_received;
	bool fin = tp->inet_conn.icsk_inet.sk.sk_shutdown & RCV_SHUTDOWN;

	return n && fin ? n - 1 : n;
}

static __always_inline __u64 payload_sent(const struct tcp_sock *tp)
{
	__u64 sent = tp->bytes_sent, again = tp->bytes_retrans;

	return sent > again ? sent - again : 0;
}

#include "http_conn.bpf.h"
#include "tls.bpf.h"

static __always_inline struct net_stats *stats_of(const struct service_key *key)
{
	struct net_stats *st = map_lookup_or_init(&net_stats, key, &zero_stats);

	if (!st)
		count_drop(NET_DROP_STATS_MAP_FULL);
	return st;
}

static __always_inline bool is_tcp(const struct sock *sk)
{
	__u16 family = sk->__sk_common.skc_family;

	return sk->sk_protocol == IPPROTO_TCP && (family == AF_INET || family == AF_INET6);
}

/* In process context: the socket belongs to the calling task's service. */
static __always_inline void claim(struct sock *sk, __u8 dir)
{
	struct net_sock *ns;

	ns = bpf_sk_storage_get(&net_socks, sk, NULL, BPF_SK_STORAGE_GET_F_CREATE);
	if (!ns) {
		count_drop(NET_DROP_NO_STORAGE);
		return;
	}
	service_key_current(&ns->key);
	ns->start_ns = bpf_ktime_get_ns();
	ns->dir = dir;
	ns->established = 0;
	ns->unparsed = bpf_map_lookup_elem(&skip_cgroups, &ns->key.cgroup_id) != NULL;
	ns->head_seen = 0;
	ns->connect_pending = 0;
	ns->http.state = NET_HTTP_OFF;
	ns->resets = 0;
	__builtin_memset(&ns->peer, 0, sizeof(ns->peer));
	if (dir == NET_DIR_OUT) {
		const struct sock_common *skc = &sk->__sk_common;

		ns->peer.family = skc->skc_family;
		ns->peer.port = bpf_ntohs(skc->skc_dport);
		if (skc->skc_family == AF_INET)
			__builtin_memcpy(ns->peer.addr, &skc->skc_daddr, 4);
		else
			__builtin_memcpy(ns->peer.addr, &skc->skc_v6_daddr, 16);
	}
}

/* Source is the client, destination the server, whichever side this is. */
static __always_inline void record_ends(struct net_sock *ns, const struct sock *sk)
{
	const struct sock_common *skc = &sk->__sk_common;
	struct net_ends *e = &ns->ends;
	bool in = ns->dir == NET_DIR_IN;

	__builtin_memset(e, 0, sizeof(*e));
	e->family = skc->skc_family;
	e->sport = in ? bpf_ntohs(skc->skc_dport) : skc->skc_num;
	e->dport = in ? skc->skc_num : bpf_ntohs(skc->skc_dport);
	if (skc->skc_family == AF_INET) {
		__builtin_memcpy(e->saddr, in ? &skc->skc_daddr : &skc->skc_rcv_saddr, 4);
		__builtin_memcpy(e->daddr, in ? &skc->skc_rcv_saddr : &skc->skc_daddr, 4);
	} else {
		__builtin_memcpy(e->saddr, in ? &skc->skc_v6_daddr : &skc->skc_v6_rcv_saddr, 16);
		__builtin_memcpy(e->daddr, in ? &skc->skc_v6_rcv_saddr : &skc->skc_v6_daddr, 16);
	}
}

/* One connection's end, for the event stream. */
static __always_inline void send_conn_event(const struct net_sock *ns, const struct tcp_sock *tp,
					    __u8 outcome)
{
	__u64 now = bpf_ktime_get_ns();
	struct event_conn *e;

	if (!event_allowed(&ns->key, outcome != NET_CONN_CLOSED, now))
		return;
	e = event_reserve(sizeof(*e));
	if (!e)
		return;
	__builtin_memset(e, 0, sizeof(*e));
	e->hdr.type = EVENT_CONN;
	e->hdr.size = sizeof(*e);
	e->hdr.ktime_ns = now;
	e->key = ns->key;
	e->ends = ns->ends;
	e->duration_ns = e->hdr.ktime_ns - ns->start_ns;
	if (tp) {
		e->bytes_received = payload_received(tp);
		e->bytes_sent = payload_sent(tp);
		e->retransmits = tp->total_retrans;
	}
	e->dir = ns->dir;
	e->outcome = outcome;
	e->host = ns->peer.host;
	bpf_ringbuf_submit(e, 0);
}

/*
 * Set by user space before load: requests are followed (the egress
 * program runs), so an outbound connection's first bytes are seen.
 */
const volatile bool sends_followed;

/*
 * An outbound connection's connect time, once: at its first send, when
 * the host it asks for is known (struct net_peer's host), so that it
 * counts under the same peer as the connection's requests; at close if
 * it never sent anything.
 */
static __always_inline void connect_settle(struct net_sock *ns)
{
	if (!ns->connect_pending)
		return;
	ns->connect_pending = 0;
	count_connect(ns, ns->connect_ns);
}

static __always_inline void opened(struct sock *sk, __u8 dir)
{
	struct net_sock *ns = bpf_sk_storage_get(&net_socks, sk, NULL, 0);
	struct net_stats *st;
	struct tcp_sock *tp;

	if (!ns) {
		/* Accepted from a listener pantau never saw opened: counted, not followed. */
		count_drop(NET_DROP_UNOWNED);
		return;
	}
	if (ns->established)
		return;
	tp = bpf_skc_to_tcp_sock(sk);
	ns->dir = dir;
	ns->established = 1;
	if (dir == NET_DIR_IN) {
		ns->start_ns = bpf_ktime_get_ns();
	} else {
		ns->connect_ns = bpf_ktime_get_ns() - ns->start_ns;
		ns->connect_pending = 1;
		if (!sends_followed || ns->unparsed)
			connect_settle(ns);	/* no first bytes will be seen */
	}
	/* Unparsed: the state stays NET_HTTP_OFF, where the payload programs stop. */
	if (tp && !ns->unparsed)
		http_conn_init(ns, tp);
	record_ends(ns, sk);
	st = stats_of(&ns->key);
	if (st)
		st->opened[dir & 1]++;
}

static __always_inline void closed(struct sock *sk, int oldstate)
{
	struct net_sock *ns = bpf_sk_storage_get(&net_socks, sk, NULL, 0);
	struct net_stats *st;
	struct tcp_sock *tp;
	__u64 rtt_us;

	if (!ns)
		return;
	if (oldstate == TCP_SYN_SENT && ns->dir == NET_DIR_OUT) {
		st = stats_of(&ns->key);
		if (st)
			st->connect_failures++;
		count_request(ns, NET_PROTO_TCP, NET_METHOD_CONNECT_FAILED, 0,
			      bpf_ktime_get_ns() - ns->start_ns);
		/* Where it was going: the peer, from the local side. */
		record_ends(ns, sk);
		send_conn_event(ns, NULL, NET_CONN_FAILED);
		return;
	}
	connect_settle(ns);
	tp = bpf_skc_to_tcp_sock(sk);
	if (!ns->established || !tp)
		return;
	ns->established = 0;
	if (tls_follow && ns->http.state == NET_HTTP_TLS_CLEAR)
		tls_untie(&ns->tls, bpf_ktime_get_ns(), ns);
	http_conn_close(ns, bpf_ktime_get_ns());
	send_conn_event(ns, tp, ns->resets ? NET_CONN_RESET : NET_CONN_CLOSED);
	st = stats_of(&ns->key);
	if (!st)
		return;
	st->closed[ns->dir & 1]++;
	st->bytes_received += payload_received(tp);
	st->bytes_sent += payload_sent(tp);
	st->retransmits += tp->total_retrans;
	/* One sample per connection: its smoothed RTT (srtt_us holds 8x). */
	rtt_us = tp->srtt_us >> 3;
	st->rtt_slots[log2_slot(rtt_us, NET_RTT_SLOTS)]++;
	st->rtt_us_sum += rtt_us;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(net_sock_set_state, const struct sock *csk, const int oldstate, const int newstate)
{
	struct sock *sk = (struct sock *)csk;

	if (!is_tcp(sk))
		return 0;
	switch (newstate) {
	case TCP_SYN_SENT:	/* connect(), in the caller's context */
		claim(sk, NET_DIR_OUT);
		break;
	case TCP_LISTEN:	/* listen(), in the caller's context */
		claim(sk, NET_DIR_LISTEN);
		break;
	case TCP_ESTABLISHED:
		if (oldstate == TCP_SYN_SENT)
			opened(sk, NET_DIR_OUT);
		else if (oldstate == TCP_SYN_RECV)
			opened(sk, NET_DIR_IN);	/* storage cloned from the listener */
		break;
	case TCP_CLOSE:
		closed(sk, oldstate);
		break;
	}
	return 0;
}

static __always_inline void count_reset(const struct sock *csk, bool sent)
{
	struct net_sock *ns;
	struct net_stats *st;

	if (!csk)
		return;	/* a reset answering a segment no socket wanted */
	ns = bpf_sk_storage_get(&net_socks, (struct sock *)csk, NULL, 0);
	if (!ns)
		return;
	ns->resets++;
	st = stats_of(&ns->key);
	if (!st)
		return;
	if (sent)
		st->resets_sent++;
	else
		st->resets_received++;
}

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(net_receive_reset, struct sock *sk)
{
	count_reset(sk, false);
	return 0;
}

SEC("tp_btf/tcp_send_reset")
int BPF_PROG(net_send_reset, const struct sock *sk, const struct sk_buff *skb)
{
	count_reset(sk, true);
	return 0;
}

_Static_assert(EVENT_HOST_BYTES == HTTP_WINDOW, "the event carries the scratch window");

/*
 * The first bytes of an outbound connection, once, before anything of it
 * is counted: the host they ask for (HTTP Host, TLS server name), when
 * there is one, becomes part of the connection's peer, and its name goes
 * to user space, which names the peer by it.
 */
static __always_inline void peer_host_in(struct net_sock *ns, struct http_scratch *s,
					 const struct http_source *src, __u32 off, __u32 count)
{
	struct event_peer_host *e;
	__u32 host;
	long got;

	got = source_read(src, off, s->buf, count - off < HTTP_WINDOW ? count - off : HTTP_WINDOW,
			  HTTP_SRC_SKB);
	if (got <= 0)
		return;
	host = peer_host_of(s, src, off, (__u32)got, count - off);
	if (!host)
		return;	/* named by its address */
	e = event_reserve(sizeof(*e));
	if (!e)
		return;	/* user space would never learn its name: the address names it */
	e->hdr.type = EVENT_PEER_HOST;
	e->hdr.size = sizeof(*e);
	e->hdr.ktime_ns = bpf_ktime_get_ns();
	e->key = ns->key;
	__builtin_memcpy(e->addr, ns->peer.addr, sizeof(e->addr));
	e->port = ns->peer.port;
	e->family = ns->peer.family;
	e->pad = 0;
	e->host = host;
	e->name_off = (__u16)(s->host.name - s->host.base);
	e->name_len = (__u16)s->host.name_len;
	if (bpf_probe_read_kernel(e->data, sizeof(e->data), s->buf)) {
		bpf_ringbuf_discard(e, 0);
		return;
	}
	ns->peer.host = host;
	bpf_ringbuf_submit(e, 0);
}

/* The scan, in the sent-packet window. */
static __always_inline void peer_host(struct net_sock *ns, const struct http_source *src,
				      __u32 off, __u32 count)
{
	struct http_scratch *s;

	if (off >= count)
		return;
	s = scratch_take(HTTP_SCRATCH_TX);
	if (!s)
		return;
	peer_host_in(ns, s, src, off, count);
	scratch_release(s);
}

/*
 * The key the receiver of a sent segment is looked up by: the segment's
 * own addresses and ports. Built here, for sent payload only, rather than
 * for every packet on_segment() reads; the headers were checked there,
 * but their bounds are checked again for these fresh packet pointers.
 * Returns the key's size, or 0.
 */
static __always_inline __u32 segment_tuple(struct __sk_buff *skb, const struct tcphdr *th,
					   struct bpf_sock_tuple *t)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct ipv6hdr *ip6;

	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = data;

		if ((void *)(ip + 1) > end)
			return 0;
		t->ipv4.saddr = ip->saddr;
		t->ipv4.daddr = ip->daddr;
		t->ipv4.sport = th->source;
		t->ipv4.dport = th->dest;
		return sizeof(t->ipv4);
	}
	/* on_segment() took nothing but IPv4 and IPv6. */
	ip6 = data;
	if ((void *)(ip6 + 1) > end)
		return 0;
	__builtin_memcpy(t->ipv6.saddr, &ip6->saddr, sizeof(t->ipv6.saddr));
	__builtin_memcpy(t->ipv6.daddr, &ip6->daddr, sizeof(t->ipv6.daddr));
	t->ipv6.sport = th->source;
	t->ipv6.dport = th->dest;
	return sizeof(t->ipv6);
}

/*
 * The receiving end of a segment about to leave, when it is a socket on
 * this host that pantau follows and that stands where the sender does:
 * its twin (enum net_twin), found by the lookup the segment's arrival
 * will make. Tried at the first payload each way; once a twin, looked up
 * again per segment, since sockets cannot be kept, and let go for good
 * when it is gone or out of step. A segment after a gap goes without a
 * twin: the receiver will see the same gap and deal with it itself.
 */
static __always_inline struct net_sock *twin_of(struct __sk_buff *skb, const struct tcphdr *th,
						struct net_sock *ns, __u32 gap)
{
	struct net_http *h = &ns->http;
	struct net_sock *tw = NULL;
	struct bpf_sock_tuple t;
	struct bpf_sock *sk;
	__u32 tlen;

	if (h->tx_twin == NET_TWIN_OFF)
		return NULL;
	tlen = gap ? 0 : segment_tuple(skb, th, &t);
	if (tlen) {
		sk = bpf_sk_lookup_tcp(skb, &t, tlen, BPF_F_CURRENT_NETNS, 0);
		if (sk) {
			tw = bpf_sk_storage_get(&net_socks, sk, NULL, 0);
			bpf_sk_release(sk);
		}
	}
	/* A socket connected to itself has its own direction: never its own twin. */
	if (tw && tw->dir != ns->dir && tw->http.state == h->state &&
	    tw->http.rx_next == h->tx_next && tw->http.rx_twin == h->tx_twin) {
		if (h->tx_twin == NET_TWIN_UNTRIED) {
			count_twin(NET_TWIN_STARTED);
			/*
			 * The twin's stream is a copy of this one: both ends'
			 * answers framed, for good, so that either can go on
			 * alone from the same state should the pairing stop.
			 */
			h->answers = tw->http.answers = NET_ANSWERS_FRAMED;
		}
		h->tx_twin = tw->http.rx_twin = NET_TWIN_ON;
		return tw;
	}
	if (h->tx_twin == NET_TWIN_ON) {
		count_twin(NET_TWIN_STOPPED);
		if (tw && tw->http.rx_twin == NET_TWIN_ON)
			tw->http.rx_twin = NET_TWIN_OFF;
	}
	h->tx_twin = NET_TWIN_OFF;
	return NULL;
}

/*
 * One TCP segment with payload, received (rx: before TCP's own
 * processing) or sent (as it leaves for the device): only what continues
 * the direction's stream where the framer stopped is fed. A retransmitted
 * overlap is cut; a gap (reordering, loss) loses the direction's place
 * until a chunk starts with a message again. Both directions read the
 * bytes from the packet: copying them from the sender's buffers, as a
 * hook on the send call would have to, costs more.
 */
static __always_inline int on_segment(struct __sk_buff *skb, const bool rx)
{
	__u32 hlen, seq, len, next, gap = 0;
	struct net_sock *ns, *twin;
	struct bpf_sock *bsk;
	struct tcphdr *th;
	__s32 ahead;

	th = tcp_segment(skb, &hlen);
	if (!th)
		return 1;
	/* Pure acknowledgements, most of what passes, stop here. */
	if (skb->len <= hlen)
		return 1;
	len = skb->len - hlen;
	seq = bpf_ntohl(th->seq);
	bsk = skb->sk;
	if (!bsk)
		return 1;
	bsk = bpf_sk_fullsock(bsk);
	if (!bsk)
		return 1;
	ns = bpf_sk_storage_get(&net_socks, bsk, NULL, 0);
	if (!ns || (ns->http.state != NET_HTTP_UNKNOWN && ns->http.state != NET_HTTP_ON)) {
		if (ns)
			tls_answered(ns, rx);
		return 1;
	}
	next = rx ? ns->http.rx_next : ns->http.tx_next;
	ahead = (__s32)(next - seq);
	if (ahead < 0) {
		gap = (__u32)-ahead;	/* lost or reordered ahead of this segment */
		ahead = 0;
	}
	if ((__u32)ahead >= len)
		return 1;	/* all seen before, or fed by its twin */
	{
		struct http_source src = { .skb = skb, .skb_off = hlen };

		if (rx) {
			ns->http.rx_twin = NET_TWIN_OFF;	/* bytes its twin did not feed */
			if (!answer_by_head(skb, ns, hlen + (__u32)ahead, len - (__u32)ahead, gap, true))
				http_feed_chunk(ns, true, &src, gap, (__u32)ahead, len, bpf_ktime_get_ns());
			ns->http.rx_next = seq + len;
			return 1;
		}
		if (ns->dir == NET_DIR_OUT && !ns->head_seen) {
			ns->head_seen = 1;
			if (ns->http.state == NET_HTTP_UNKNOWN)
				peer_host(ns, &src, (__u32)ahead, len);
			connect_settle(ns);
		}
		twin = twin_of(skb, th, ns, gap);
		if (twin) {
			http_feed_twins(ns, twin, &src, (__u32)ahead, len, bpf_ktime_get_ns());
			twin->http.rx_next = seq + len;
		} else if (!answer_by_head(skb, ns, hlen + (__u32)ahead, len - (__u32)ahead, gap, false)) {
			http_feed_chunk(ns, false, &src, gap, (__u32)ahead, len, bpf_ktime_get_ns());
		}
	}
	ns->http.tx_next = seq + len;
	return 1;
}

SEC("cgroup_skb/ingress")
int net_ingress(struct __sk_buff *skb)
{
	return on_segment(skb, true);
}

SEC("cgroup_skb/egress")
int net_egress(struct __sk_buff *skb)
{
	return on_segment(skb, false);
}

/*
 * HTTPS in clear only: a TLS handshake write, in the writing thread, ties
 * the library object that thread is inside of to this socket.
 */
static __always_inline int on_sendmsg(struct sock *sk)
{
	struct net_sock *ns = bpf_sk_storage_get(&net_socks, sk, NULL, 0);

	if (tls_follow && ns && ns->http.state == NET_HTTP_TLS)
		tls_tie(ns);
	return 0;
}

/* Linux 6.16 and later: the tracepoint, once per buffer the call fills. */
SEC("tp_btf/tcp_sendmsg_locked")
int BPF_PROG(net_sendmsg, const struct sock *csk, const struct msghdr *msg)
{
	return on_sendmsg((struct sock *)csk);
}

/* Before it: the function's entry, once per call. */
SEC("fentry/tcp_sendmsg_locked")
int BPF_PROG(net_sendmsg_fentry, struct sock *sk, struct msghdr *msg, size_t size)
{
	return on_sendmsg(sk);
}

/* At scrape time: one record per live connection pantau knows the owner of. */
SEC("iter/tcp")
int net_live_iter(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct net_live rec = {};
	struct tcp_sock *tp;
	struct net_sock *ns;

	if (!skc)
		return 0;
	tp = bpf_skc_to_tcp_sock(skc);
	if (!tp)
		return 0;	/* time-wait and request sockets */
	ns = bpf_sk_storage_get(&net_socks, tp, NULL, 0);
	if (!ns || !ns->established)
		return 0;
	rec.key = ns->key;
	rec.dir = ns->dir;
	rec.bytes_received = payload_received(tp);
	rec.bytes_sent = payload_sent(tp);
	rec.retransmits = tp->total_retrans;
	bpf_seq_write(ctx->meta->seq, &rec, sizeof(rec));
	return 0;
}

/* Socket inode -> owner, filled by user space from /proc before seeding. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct service_key);
} net_seed_owners SEC(".maps");

/*
 * Once at start: listeners opened before pantau get the owner user space
 * found for their inode, so the connections they accept are counted.
 */
SEC("iter/tcp")
int net_seed_listeners(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct service_key *owner;
	struct net_sock *ns;
	struct tcp_sock *tp;
	struct socket *sock;
	__u64 ino;

	if (!skc || skc->skc_state != TCP_LISTEN)
		return 0;
	tp = bpf_skc_to_tcp_sock(skc);
	if (!tp)
		return 0;
	sock = tp->inet_conn.icsk_inet.sk.sk_socket;
	if (!sock || !sock->file)
		return 0;
	ino = sock->file->f_inode->i_ino;
	owner = bpf_map_lookup_elem(&net_seed_owners, &ino);
	if (!owner || bpf_sk_storage_get(&net_socks, tp, NULL, 0))
		return 0;
	ns = bpf_sk_storage_get(&net_socks, tp, NULL, BPF_SK_STORAGE_GET_F_CREATE);
	if (!ns)
		return 0;
	ns->key = *owner;
	ns->dir = NET_DIR_LISTEN;
	ns->unparsed = bpf_map_lookup_elem(&skip_cgroups, &owner->cgroup_id) != NULL;
	return 0;
}
