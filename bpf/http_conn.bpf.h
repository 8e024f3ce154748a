/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Included by net.bpf.c after count_drop(), count_answers_framed() and
 * the maps they use.
 *
 * Requests and responses on one TCP connection: both directions' bytes
 * go through the shared framer (pantau/http_parse.h) in sequence order;
 * a request waits in a small queue until the first byte of its response,
 * then counts once with its method, status class and duration.
 *
 * Both directions are read from packets: received ones at cgroup_skb
 * ingress, sent ones at egress (requests in and responses out on the
 * server side, the other way round on the client side); HTTPS in clear
 * from the TLS library's calls.
 * Only header bytes are copied and stepped through; bodies are skipped by
 * arithmetic, so the cost follows header size, not transfer size.
 */
#ifndef PANTAU_HTTP_CONN_BPF_H
#define PANTAU_HTTP_CONN_BPF_H

#include "pantau/net.h"

#define HTTP_WINDOW 256		/* bytes copied and stepped at a time */
_Static_assert(HTTP_WINDOW == PEER_HOST_WINDOW, "the host scan looks through the scratch buffer");
#define HTTP_WINDOWS 8		/* per chunk: 2 KiB of header bytes at most */
#define TLS_HANDSHAKE 0x16	/* the content type of a TLS handshake record */

/*
 * One window of bytes and the framer's cursor in it. The cursor lives in
 * map memory, not on the stack, because the verifier tracks no values
 * there: every path through an inlined framer step then ends in the same
 * state, and is checked once rather than once per path that came before.
 */
struct http_scratch {
	__u8 buf[HTTP_WINDOW];
	__u32 pos;		/* next byte of buf */
	__u32 len;		/* bytes in buf */
	__s32 begin;		/* where in buf the current message began, or -1 */
	__u32 busy;		/* HTTP_SCRATCH_TX: a run is using it */
	struct peer_host_scan host;	/* looking for the host asked for in buf */
};

/*
 * Three per CPU, so that a program that interrupts another on the same
 * CPU does not overwrite its window: TLS library calls (process context),
 * received packets (softirq, which does not nest) and sent ones. Packets
 * leave in process context and in softirq, which can interrupt it: a send
 * that finds the slot busy loses its direction's place (counted as a
 * stream gap) rather than share it.
 */
#define HTTP_SCRATCH_TASK 0
#define HTTP_SCRATCH_RX 1
#define HTTP_SCRATCH_TX 2

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 3);
	__type(key, __u32);
	__type(value, struct http_scratch);
} http_scratch SEC(".maps");

/* The window of slot, or NULL when a run this one interrupted holds it. */
static __always_inline struct http_scratch *scratch_take(__u32 slot)
{
	struct http_scratch *s = bpf_map_lookup_elem(&http_scratch, &slot);

	if (!s || s->busy)
		return NULL;
	/* Only sends nest: the other slots need no flag. */
	s->busy = slot == HTTP_SCRATCH_TX;
	return s;
}

static __always_inline void scratch_release(struct http_scratch *s)
{
	s->busy = 0;
}

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct net_req_key);
	__type(value, __u64);
} net_requests SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct net_lat_key);
	__type(value, struct net_lat);
} net_latency SEC(".maps");

static const struct net_lat zero_lat;

static __always_inline bool is_server(const struct net_sock *ns)
{
	return ns->dir == NET_DIR_IN;
}

/* Called once when a connection is established. */
static __always_inline void http_conn_init(struct net_sock *ns, const struct tcp_sock *tp)
{
	struct net_http *h = &ns->http;

	http_stream_init(&h->rx, is_server(ns) ? HTTP_REQUEST : HTTP_RESPONSE);
	http_stream_init(&h->tx, is_server(ns) ? HTTP_RESPONSE : HTTP_REQUEST);
	h->rx_next = tp->rcv_nxt;
	h->tx_next = tp->write_seq;
	h->q_head = h->q_len = 0;
	h->tls_answer_ns = 0;
	h->state = NET_HTTP_UNKNOWN;
	h->proto = NET_PROTO_HTTP;
	h->rx_resync = h->tx_resync = NET_RESYNC_NONE;
	h->rx_twin = h->tx_twin = NET_TWIN_UNTRIED;
	h->answers = NET_ANSWERS_HEADS;
}

/*
 * One direction lost its place: it starts over at its next chunk. The
 * requests waiting for an answer are let go (counted in the gap), since
 * which answer is whose can no longer be told.
 */
static __always_inline void http_lose_place(struct net_sock *ns, bool rx)
{
	if (rx)
		ns->http.rx_resync = NET_RESYNC_NEXT;
	else
		ns->http.tx_resync = NET_RESYNC_NEXT;
	ns->http.q_len = 0;
	count_drop(NET_DROP_STREAM_GAP);
}

/* One duration into the histogram of key lk. */
static __always_inline void record_latency(const struct net_lat_key *lk, __u64 dur_ns)
{
	struct net_lat *lat = map_lookup_or_init(&net_latency, lk, &zero_lat);
	__u64 us = div1000(dur_ns);

	if (!lat) {
		count_drop(NET_DROP_REQ_MAP_FULL);
		return;
	}
	lat->slots[bound_max(net_req_slot(us, log2_u64(us)), NET_REQ_SLOTS - 1)]++;
	lat->sum_ns += dur_ns;
}

__noinline int count_request(const struct net_sock *ns, __u32 proto, __u32 method,
			     __u32 status_class, __u64 dur_ns)
{
	struct net_req_key k = {};
	struct net_lat_key lk = {};
	static const __u64 zero;
	__u64 *n;

	if (!ns)
		return 0;
	k = (struct net_req_key){
		.svc = ns->key,
		.role = is_server(ns) ? NET_ROLE_SERVER : NET_ROLE_CLIENT,
		.proto = proto,
		.method = method,
		.status_class = status_class,
	};
	lk.svc = ns->key;
	lk.role = k.role;
	lk.proto = proto;
	if (!is_server(ns)) {
		k.peer = ns->peer;
		lk.peer = ns->peer;
	}
	n = map_lookup_or_init(&net_requests, &k, &zero);
	if (!n) {
		count_drop(NET_DROP_REQ_MAP_FULL);
		return 0;
	}
	*n += 1;
	if (method == NET_METHOD_CONNECT_FAILED)
		return 0;	/* not a request: no duration */
	record_latency(&lk, dur_ns);
	return 0;
}

/* How long an outbound connection took to open: connect() to established. */
__noinline int count_connect(const struct net_sock *ns, __u64 dur_ns)
{
	struct net_lat_key lk = {};

	if (!ns)
		return 0;
	lk.svc = ns->key;
	lk.role = NET_ROLE_CONNECT;
	lk.proto = NET_PROTO_TCP;
	lk.peer = ns->peer;
	record_latency(&lk, dur_ns);
	return 0;
}

/*
 * A TLS connection's first byte back, in the direction that answers: the
 * time to it is what the connection's one "request" measures.
 */
static __always_inline void tls_answered(struct net_sock *ns, bool rx)
{
	if (ns->http.state == NET_HTTP_TLS && rx != is_server(ns) && !ns->http.tls_answer_ns)
		ns->http.tls_answer_ns = bpf_ktime_get_ns();
}

/* Set by user space from events.per_service_per_second; 0 sends none. */
volatile __u32 event_budget_per_second;

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct service_key);
	__type(value, struct net_event_budget);
} net_event_budget SEC(".maps");

/*
 * Whether the service may send one more event this second. Errors have a
 * budget of their own, so a flood of successes never crowds them out.
 */
static __always_inline bool event_allowed(const struct service_key *key, bool error, __u64 now)
{
	static const struct net_event_budget fresh;
	__u32 limit = event_budget_per_second;
	struct net_event_budget *b;
	struct service_key k;
	__u32 *used;

	if (!limit)
		return false;
	/* A copy on the stack: 6.1 refuses a map key that points into a global function's argument. */
	k = *key;
	b = map_lookup_or_init(&net_event_budget, &k, &fresh);
	if (!b)
		return true;	/* LRU: cannot really be full */
	/* A window of one second from its first event: no division on this path. */
	if (now - b->window_ns >= 1000000000ULL) {
		b->window_ns = now;
		b->ok = b->errors = 0;
	}
	used = error ? &b->errors : &b->ok;
	if (*used >= limit) {
		map_count(&event_drops, EVENT_DROP_KERNEL_RATE);
		return false;
	}
	*used += 1;
	return true;
}

/*
 * One request's event: idx is its queue slot. A global function: the
 * verifier checks it once, not again in every place the framer's
 * callback can reach it.
 */
__noinline int send_http_event(const struct net_sock *ns, __u32 idx, __u32 status, __u64 dur_ns,
			       __u64 now)
{
	const struct net_http *h;
	struct event_http *e;
	__u32 i = idx & (NET_PIPELINE - 1);

	if (!ns)
		return 0;
	h = &ns->http;
	if (!event_allowed(&ns->key, status == 0 || status >= 400, now))
		return 0;
	e = event_reserve(sizeof(*e));
	if (!e)
		return 0;
	e->hdr.type = EVENT_HTTP;
	e->hdr.size = sizeof(*e);
	e->hdr.ktime_ns = now;
	e->key = ns->key;
	e->ends = ns->ends;
	e->duration_ns = dur_ns;
	e->status = status;
	e->role = is_server(ns) ? NET_ROLE_SERVER : NET_ROLE_CLIENT;
	e->method = h->q_method[i];
	e->line_len = h->q_line_len[i];
	e->proto = h->proto;
	e->host = ns->peer.host;
	__builtin_memcpy(e->line, h->q_line[i], NET_LINE_BYTES);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* Requests still unanswered when the connection ends count as status none. */
static __always_inline void http_conn_close(struct net_sock *ns, __u64 now)
{
	struct net_http *h = &ns->http;

	if (h->state == NET_HTTP_TLS && h->tls_answer_ns) {
		/* From the first byte asking to the first byte answering. */
		count_request(ns, NET_PROTO_TLS, NET_METHOD_NONE, 0,
			      h->tls_answer_ns - (is_server(ns) ? h->rx_begin_ns : h->tx_begin_ns));
	} else if (h->state == NET_HTTP_TCP || h->state == NET_HTTP_TLS) {
		count_request(ns, h->state == NET_HTTP_TLS ? NET_PROTO_TLS : NET_PROTO_TCP,
			      NET_METHOD_NONE, 0, now - ns->start_ns);
	} else if (h->state == NET_HTTP_ON) {
		for (int i = 0; i < NET_PIPELINE; i++) {
			__u8 idx = (h->q_head + i) & (NET_PIPELINE - 1);

			if (i >= h->q_len)
				break;
			count_request(ns, h->proto, h->q_method[idx], 0,
				      now - h->q_start_ns[idx]);
			send_http_event(ns, idx, 0, now - h->q_start_ns[idx], now);
		}
	}
	h->q_len = 0;
	h->state = NET_HTTP_OFF;
}

struct http_feed_ctx {
	struct net_sock *ns;
	struct net_sock *twin;	/* the receiving end, fed from this parse (enum net_twin), or NULL */
	struct http_stream *s;
	__u64 *begin_ns;	/* when the current message of s began */
	__u8 *resync;		/* s's enum net_resync */
	bool rx;		/* s is the received direction */
	struct http_scratch *scratch;
	__u64 now;
	bool requests;		/* s carries requests (else responses) */
};

static __always_inline void on_request_start(struct http_feed_ctx *c)
{
	struct net_http *h = &c->ns->http;
	__s32 begin;
	__u32 pos;
	__u8 idx;

	h->state = NET_HTTP_ON;
	if (h->q_len >= NET_PIPELINE) {
		count_drop(NET_DROP_PIPELINE_FULL);
		return;
	}
	idx = (h->q_head + h->q_len) & (NET_PIPELINE - 1);
	h->q_method[idx] = c->s->method;
	h->q_start_ns[idx] = *c->begin_ns;
	h->q_line_len[idx] = 0;
	/* The request line, when it began in this window: for the event's path, if events go out. */
	begin = c->scratch->begin;
	pos = c->scratch->pos;
	if (event_budget_per_second && begin >= 0 && begin < HTTP_WINDOW && pos > (__u32)begin) {
		__u64 from = (__u32)begin, n = pos - (__u32)begin;

		if (from + n > HTTP_WINDOW)
			n = HTTP_WINDOW - from;
		n = bound_max(n, NET_LINE_BYTES);
		from = bound_max(from, HTTP_WINDOW - 1);
		if (n > 0 && !bpf_probe_read_kernel(h->q_line[idx], n, &c->scratch->buf[from]))
			h->q_line_len[idx] = (__u8)n;
	}
	h->q_len++;
}

/* The oldest request waiting has its (final) answer: counted, and its event. */
static __always_inline void answer_started(struct net_sock *ns, __u16 status, __u64 now)
{
	struct net_http *h = &ns->http;
	__u8 idx = h->q_head & (NET_PIPELINE - 1);

	count_request(ns, h->proto, h->q_method[idx], status_class_of(status),
		      now - h->q_start_ns[idx]);
	/* Checked here too: with no event sink the call itself is saved. */
	if (event_budget_per_second)
		send_http_event(ns, idx, status, now - h->q_start_ns[idx], now);
	h->q_head = (h->q_head + 1) & (NET_PIPELINE - 1);
	h->q_len--;
}

static __always_inline void on_response_start(struct http_feed_ctx *c)
{
	struct net_http *h = &c->ns->http;
	__u16 status = c->s->status;

	if (h->q_len == 0)
		return;	/* a response to nothing pantau saw asked */
	/* The framer must know before the headers end: HEAD has no body. */
	http_expect_response_to(c->s, h->q_method[h->q_head & (NET_PIPELINE - 1)]);
	if (status >= 100 && status < 200 && status != 101)
		return;	/* interim: the final response follows */
	answer_started(c->ns, status, c->now);
}

/* Bytes of an answer's start that hold its status line and what follows it. */
#define HTTP_HEAD_PEEK 13

/*
 * The status of an answer whose first bytes are head: "HTTP/1.0 " or
 * "HTTP/1.1 ", three digits, then a space or a CR; -1 for anything else.
 */
static __always_inline int status_of_head(const __u64 *head)
{
	const __u8 *b = (const __u8 *)head;
	__u8 v = b[7];

	if ((head[0] & 0x00ffffffffffffffULL) != HTTP_LE_VERSION || (v != '0' && v != '1') ||
	    b[8] != ' ' || b[9] < '1' || b[9] > '9' || b[10] < '0' || b[10] > '9' ||
	    b[11] < '0' || b[11] > '9' || (b[12] != ' ' && b[12] != '\r'))
		return -1;
	return (b[9] - '0') * 100 + (b[10] - '0') * 10 + (b[11] - '0');
}

/*
 * A segment of answers, sent by a server or received (rx) by a client, n
 * bytes at packet offset off not seen before (gap bytes missing ahead of
 * them), while they are read by their heads (enum net_answers): true when
 * dealt with here, false when the framer takes it, and every answer after
 * it. A server's received and a client's sent segments are requests: false.
 */
static __always_inline bool answer_by_head(struct __sk_buff *skb, struct net_sock *ns, __u32 off,
					   __u32 n, __u32 gap, const bool rx)
{
	struct net_http *h = &ns->http;
	__u64 head[2] = {};
	int status;

	if (h->answers != NET_ANSWERS_HEADS || h->state != NET_HTTP_ON || is_server(ns) == rx)
		return false;
	if (!h->q_len)
		return true;	/* the rest of an answer already counted */
	if (gap) {
		/* The answer's status line may be among the bytes missing. */
		http_lose_place(ns, rx);
		return true;
	}
	if (h->q_len == 1 && n >= HTTP_HEAD_PEEK &&
	    h->q_method[h->q_head & (NET_PIPELINE - 1)] != HTTP_M_CONNECT &&
	    !bpf_skb_load_bytes(skb, off, head, HTTP_HEAD_PEEK)) {
		status = status_of_head(head);
		if (status >= 200) {
			answer_started(ns, (__u16)status, bpf_ktime_get_ns());
			return true;
		}
	}
	/* This segment starts an answer: the framer's, from its first byte. */
	count_answers_framed();
	h->answers = NET_ANSWERS_FRAMED;
	if (rx) {
		http_stream_init(&h->rx, HTTP_RESPONSE);
		h->rx_resync = NET_RESYNC_NONE;
	} else {
		http_stream_init(&h->tx, HTTP_RESPONSE);
		h->tx_resync = NET_RESYNC_NONE;
	}
	return false;
}

/* What an event does to one end: the sender's, or its twin's (with its own fields). */
static __always_inline void end_events(struct http_feed_ctx *c, __u32 ev)
{
	struct net_http *h = &c->ns->http;

	if (ev & HTTP_EV_ERROR) {
		if (*c->resync) {
			/* The chunk did not start with a message: try the next one. */
			*c->resync = NET_RESYNC_NEXT;
		} else if (h->state == NET_HTTP_UNKNOWN) {
			/* Not HTTP from the first byte: a plain TCP service. */
			h->state = NET_HTTP_TCP;
		} else {
			http_lose_place(c->ns, c->rx);
		}
		return;
	}
	if (ev & HTTP_EV_START) {
		*c->resync = NET_RESYNC_NONE;
		if (c->requests)
			on_request_start(c);
		else if (h->state == NET_HTTP_ON)
			on_response_start(c);
	}
	/* A message that follows in the same bytes began now. */
	if (ev & HTTP_EV_END)
		*c->begin_ns = c->now;
}

/*
 * The twin's part of one event: the request queued or answered on its
 * side, from the sender's stream s and window sc. A global function: the
 * verifier checks it once, not in every place the framer's callback
 * reaches it.
 */
__noinline int twin_events(struct net_sock *twin, struct http_stream *s, struct http_scratch *sc,
			   __u32 ev, __u64 now)
{
	struct http_feed_ctx c = {
		.ns = twin,
		.s = s,
		.scratch = sc,
		.now = now,
		.rx = true,
	};

	if (!twin || !s || !sc)
		return 0;
	c.requests = is_server(twin);	/* it receives what its sender sends */
	c.begin_ns = &twin->http.rx_begin_ns;
	c.resync = &twin->http.rx_resync;
	end_events(&c, ev);
	return 0;
}

static __always_inline void on_events(struct http_feed_ctx *c, __u32 ev)
{
	/*
	 * The twin first: both read where the message began in the window.
	 * Only starts and errors take the call; an end is one store.
	 */
	if (c->twin) {
		if (ev & (HTTP_EV_START | HTTP_EV_ERROR))
			twin_events(c->twin, c->s, c->scratch, ev, c->now);
		else if (ev & HTTP_EV_END)
			c->twin->http.rx_begin_ns = c->now;
	}
	end_events(c, ev);
	/* A message that follows in the same bytes begins here. */
	if (ev & HTTP_EV_END)
		c->scratch->begin = (__s32)c->scratch->pos;
}

/* Up to HTTP_BULK_WORDS words of bytes that need no event. */
#define HTTP_BULK_WORDS 3

static __always_inline void feed_bulk(struct http_feed_ctx *c)
{
	struct http_scratch *sc = c->scratch;

	/* Unrolled: 6.1's verifier refuses a loop entered by falling through. */
#pragma unroll
	for (int w = 0; w < HTTP_BULK_WORDS; w++) {
		__u64 p8 = sc->pos;
		__u32 n;

		if (p8 + 8 > sc->len || p8 > HTTP_WINDOW - 8)
			break;
		n = http_step8(c->s, *(__u64 *)&sc->buf[bound_max(p8, HTTP_WINDOW - 8)]);
		sc->pos = (__u32)p8 + n;
		/* Read the cursor back from memory, not from a register: see struct http_scratch. */
		barrier();
		if (n < 8)
			break;
	}
}

/*
 * One round: a run of body bytes skipped, or the event-free bytes ahead
 * passed in bulk and then one byte stepped (two for a CR and the LF after
 * it); 1 when the window is done. The framer's steps are inlined: a call
 * and its return cost more than most steps do. Every index into the
 * window is checked right where it is used, as the verifier needs.
 */
static __always_inline int feed_round(struct http_feed_ctx *c)
{
	struct http_scratch *sc = c->scratch;
	__u64 k = http_skippable(c->s), idx;
	__u32 ev, pos = sc->pos, len = sc->len;

	if (pos >= len)
		return 1;
	if (k) {
		__u32 n = len - pos;

		if (k < n)
			n = (__u32)k;
		ev = http_skip(c->s, n);
		sc->pos = pos + n;
		if (ev)
			on_events(c, ev);
		return 0;
	}
	feed_bulk(c);
	barrier();
	idx = sc->pos;
	if (idx >= sc->len || idx >= HTTP_WINDOW)
		return 1;
	ev = http_step(c->s, sc->buf[bound_max(idx, HTTP_WINDOW - 1)]);
	if (!ev && (c->s->flags & HTTP_F_CR)) {
		__u64 lf = idx + 1;

		if (lf < sc->len && lf < HTTP_WINDOW) {
			/*
			 * Only an LF may follow a CR: stepping the constant lets the
			 * compiler fold the step down to the LF cases, a fraction of
			 * the code (the hot loop's size is what the CPU fetches).
			 */
			ev = sc->buf[bound_max(lf, HTTP_WINDOW - 1)] == '\n' ? http_step(c->s, '\n') :
									      http_fail(c->s);
			idx = lf;
		}
	}
	sc->pos = (__u32)idx + 1;
	if (ev)
		on_events(c, ev);
	return 0;
}

/*
 * Rounds per bpf_loop() callback: each callback is a call and a return,
 * and each round inlined is checked again by the verifier and adds to
 * the code the CPU fetches (four ran no faster than two here). Two is
 * also what the verifier of 6.18 walks least for: a TLS return program
 * took 650,000 instructions with one round per callback, 388,000 with
 * two and 811,000 with four.
 */
#define HTTP_ROUNDS_PER_CALL 2

static long feed_rounds(__u32 i, struct http_feed_ctx *c)
{
	/* Unrolled, as in feed_bulk(). */
#pragma unroll
	for (int r = 0; r < HTTP_ROUNDS_PER_CALL; r++) {
		if (feed_round(c))
			return 1;
		barrier();
	}
	return 0;
}

/* Where the bytes of one chunk come from: the kind is a constant per call site. */
enum http_source_kind { HTTP_SRC_SKB, HTTP_SRC_USER };

struct http_source {
	struct __sk_buff *skb;		/* a packet: payload at skb_off */
	__u32 skb_off;
	const __u8 *ubuf;		/* TLS library call: the plaintext, in user memory */
};

/* Copy up to want bytes at chunk offset off into buf. Returns the bytes copied, or negative. */
static __always_inline long source_read(const struct http_source *src, __u32 off,
					__u8 *buf, __u32 want, const int kind)
{
	__u64 n = want;

	if (n == 0 || n > HTTP_WINDOW)
		return -1;
	n = bound_size(n, HTTP_WINDOW);
	if (kind == HTTP_SRC_USER)
		return bpf_probe_read_user(buf, n, src->ubuf + off) ?: (long)n;
	return bpf_skb_load_bytes(src->skb, src->skb_off + off, buf, n) ?: (long)n;
}

/*
 * The host an outbound connection asks for (pantau/peer_host.h), from the
 * bytes of its first send: once per connection, never per request. The
 * steps are bpf_loop callbacks (a plain loop over its bytes is too many
 * paths for the verifier), their state in the scratch map value, and the
 * window they look through is the scratch buffer, loaded again from the
 * packet where a step needs bytes beyond it.
 */
struct host_ctx {
	struct http_scratch *s;
	struct http_source src;
	__u32 off;		/* where the bytes sent begin in the chunk */
};

/*
 * One step, and the load of the window it asked for: one callback for
 * both kinds, so source_read() is inlined once more, not twice.
 */
static long host_step(__u32 i, struct host_ctx *x)
{
	struct peer_host_scan *c = &x->s->host;
	int r = peer_host_step(c, x->s->buf);
	__u32 want;
	long got;

	if (r != PEER_HOST_LOAD)
		return r == PEER_HOST_DONE;
	want = c->total - c->load;	/* > 0: the step checked */
	got = source_read(&x->src, x->off + c->load, x->s->buf,
			  want < HTTP_WINDOW ? want : HTTP_WINDOW, HTTP_SRC_SKB);
	if (got <= 0) {
		c->state = PEER_HOST_NONE;
		return 1;
	}
	c->base = c->load;
	c->len = (__u32)got;
	return 0;
}

/*
 * The host asked for in the count bytes from chunk offset off, the first
 * len of them already in the scratch window: its hash, with its name in
 * the window (s->host.name - base, name_len), or 0.
 */
static __always_inline __u32 peer_host_of(struct http_scratch *s, const struct http_source *src,
					  __u32 off, __u32 len, __u32 count)
{
	struct host_ctx x = { .s = s, .src = *src, .off = off };

	if (!peer_host_start(&s->host, s->buf, len, count))
		return 0;
	bpf_loop(peer_host_steps(&s->host), host_step, &x, 0);
	return peer_host_result(&s->host);
}

/*
 * Feed len bytes of a chunk, from chunk offset off, through stream s.
 * Returns false when bytes the framer needed could not be read.
 */
/* One chunk being fed, window by window. */
struct http_chunk_ctx {
	struct http_feed_ctx c;
	struct http_source src;
	__u32 off;
	__u32 len;
	int failed;		/* bytes the framer needed could not be read */
};

/*
 * One window of a chunk: a run of body bytes skipped, or up to
 * HTTP_WINDOW bytes copied and stepped. A callback, so that the verifier
 * checks it once rather than once per window.
 */
static __always_inline long feed_window(struct http_chunk_ctx *cc, const int kind)
{
	struct http_feed_ctx *c = &cc->c;
	struct net_http *h = &c->ns->http;
	__u32 n, ev;
	long got;
	__u64 k;

	if (cc->off >= cc->len)
		return 1;
	n = cc->len - cc->off;
	k = http_skippable(c->s);
	if (k) {
		if (k < n)
			n = (__u32)k;
		ev = http_skip(c->s, n);
		cc->off += n;
		if (ev)
			on_events(c, ev);
		/* Done with the chunk: stop now rather than in one more call. */
		return cc->off >= cc->len;
	}
	if (n > HTTP_WINDOW)
		n = HTTP_WINDOW;
	got = source_read(&cc->src, cc->off, c->scratch->buf, n, kind);
	if (got <= 0) {
		cc->failed = 1;
		return 1;
	}
	/* A TLS handshake record first: encrypted from here on. */
	if (h->state == NET_HTTP_UNKNOWN && c->requests && c->scratch->buf[0] == TLS_HANDSHAKE) {
		h->state = NET_HTTP_TLS;
		if (c->twin)
			c->twin->http.state = NET_HTTP_TLS;
		cc->off = cc->len;
		return 1;
	}
	c->scratch->len = (__u32)got;
	c->scratch->pos = 0;
	c->scratch->begin = http_idle(c->s) ? 0 : -1;
	/* Every round takes at least one byte. */
	bpf_loop(HTTP_WINDOW / HTTP_ROUNDS_PER_CALL, feed_rounds, c, 0);
	cc->off += c->scratch->pos;
	return cc->off >= cc->len;
}

/* One callback per source kind: the verifier then knows which it reads. */
static long feed_window_skb(__u32 w, struct http_chunk_ctx *cc)
{
	return feed_window(cc, HTTP_SRC_SKB);
}

static long feed_window_user(__u32 w, struct http_chunk_ctx *cc)
{
	return feed_window(cc, HTTP_SRC_USER);
}

/*
 * Feed len bytes of a chunk, from chunk offset off, through one stream;
 * kind (a constant at every call) says where the bytes are. Returns false
 * when bytes the framer needed could not be read.
 */
static __always_inline bool feed_source(struct net_sock *ns, struct net_sock *twin, const bool rx,
					const struct http_source *src, __u32 gap, __u32 off,
					__u32 len, __u64 now, const int kind)
{
	struct net_http *h = &ns->http;
	struct http_chunk_ctx cc = {
		.c = {
			.ns = ns,
			.twin = twin,
			.now = now,
			.requests = rx == is_server(ns),
			.rx = rx,
		},
		.src = *src,
		.off = off,
		.len = len,
	};
	__u32 slot = kind == HTTP_SRC_USER ? HTTP_SCRATCH_TASK : rx ? HTTP_SCRATCH_RX : HTTP_SCRATCH_TX, ev;

	cc.c.s = rx ? &h->rx : &h->tx;
	cc.c.begin_ns = rx ? &h->rx_begin_ns : &h->tx_begin_ns;
	cc.c.resync = rx ? &h->rx_resync : &h->tx_resync;
	cc.c.scratch = scratch_take(slot);
	if (!cc.c.scratch)
		return false;
	/*
	 * Bytes that never came this way (lost or reordered ahead): inside
	 * a body they are passed over as if read, since they would only
	 * have been skipped; elsewhere the place is lost.
	 */
	if (gap) {
		if (!*cc.c.resync && http_skippable(cc.c.s) >= gap) {
			ev = http_skip(cc.c.s, gap);
			if (ev)
				on_events(&cc.c, ev);
		} else {
			http_lose_place(ns, rx);
		}
	}
	if (*cc.c.resync == NET_RESYNC_NEXT) {
		http_stream_init(cc.c.s, (enum http_kind)cc.c.s->kind);
		*cc.c.resync = NET_RESYNC_WAIT;
	}
	if (http_idle(cc.c.s))
		*cc.c.begin_ns = now;
	/* The twin's stream is a copy of this one: so are these, for its events. */
	if (twin) {
		twin->http.rx_resync = *cc.c.resync;
		twin->http.rx_begin_ns = *cc.c.begin_ns;
	}
	/* One callback per source kind: the verifier then knows which it reads. */
	if (kind == HTTP_SRC_SKB)
		bpf_loop(HTTP_WINDOWS, feed_window_skb, &cc, 0);
	else
		bpf_loop(HTTP_WINDOWS, feed_window_user, &cc, 0);
	scratch_release(cc.c.scratch);
	if (cc.failed)
		return false;
	if (cc.off < len) {
		if (http_skippable(cc.c.s) < len - cc.off)
			return false;	/* more header bytes than HTTP_WINDOWS hold */
		ev = http_skip(cc.c.s, len - cc.off);
		if (ev)
			on_events(&cc.c, ev);
	}
	return true;
}

/* TCP payload, from a packet; gap bytes before the chunk never came this way. */
static __always_inline void http_feed_chunk(struct net_sock *ns, const bool rx,
					    const struct http_source *src, __u32 gap, __u32 off,
					    __u32 len, __u64 now)
{
	if (!feed_source(ns, NULL, rx, src, gap, off, len, now, HTTP_SRC_SKB))
		http_lose_place(ns, rx);
}

/*
 * A segment sent, fed for the sender and its twin at once (no gap: see
 * twin_of()); bytes that could not be read lose both their places. The
 * twin's stream then carries on from where the sender's stands.
 */
static __always_inline void http_feed_twins(struct net_sock *ns, struct net_sock *twin,
					    const struct http_source *src, __u32 off, __u32 len,
					    __u64 now)
{
	struct net_http *h = &ns->http, *t = &twin->http;

	if (!feed_source(ns, twin, false, src, 0, off, len, now, HTTP_SRC_SKB)) {
		http_lose_place(ns, false);
		http_lose_place(twin, true);
	}
	t->rx = h->tx;
	t->rx_resync = h->tx_resync;
	t->rx_begin_ns = h->tx_begin_ns;
}

/*
 * The plaintext of one TLS library call, len bytes at ubuf in the
 * caller's memory, received (rx) or sent: no sequence numbers, the
 * library hands the bytes over in order.
 */
static __always_inline void http_feed_user(struct net_sock *ns, const bool rx, const __u8 *ubuf,
					   __u32 len, __u64 now)
{
	const struct http_source src = { .ubuf = ubuf };

	if (!feed_source(ns, NULL, rx, &src, 0, 0, len, now, HTTP_SRC_USER))
		http_lose_place(ns, rx);
}

#endif
