/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Network domain: structs shared by bpf/net.bpf.c and user space. */
#ifndef PANTAU_NET_H
#define PANTAU_NET_H

#include "service_key.h"
#include "events.h"
#include "http_parse.h"
#include "peer_host.h"

/* Live cgroups of requests.skip_cgroups the kernel side can hold. */
#define NET_MAX_SKIP_CGROUPS 4096

/* Log2 slots of microseconds, as the run-queue histogram. */
#define NET_RTT_SLOTS 27

enum net_dir { NET_DIR_IN, NET_DIR_OUT, NET_DIRS, NET_DIR_LISTEN = NET_DIRS, NET_DIR_NONE };

/*
 * Socket local storage: the service that owns a TCP socket, recorded in
 * process context (connect, listen) and cloned from a listener to every
 * connection it accepts, so that softirq and timer work on the socket is
 * attributed to it and not to whatever task happens to run.
 */
/*
 * The far end of an outbound connection; all zero for the server role.
 * host tells apart the names asked for at one address and port (virtual
 * hosts, APIs behind one CDN address): the hash of the connection's own
 * HTTP Host value or TLS server name, from its first bytes; 0 when it
 * sent none (not yet, or never: plain TCP, a failed connect).
 */
struct net_peer {
	__u8 addr[16];		/* IPv4 in the first 4 bytes */
	__u16 port;		/* host order */
	__u8 family;		/* AF_INET or AF_INET6 */
	__u8 pad;
	__u32 host;		/* the hash of the host asked for (peer_host.h), or 0 */
};

/* Both ends of a connection: source is the client, destination the server. */
struct net_ends {
	__u8 saddr[16];
	__u8 daddr[16];
	__u16 sport;
	__u16 dport;
	__u8 family;
	__u8 pad[3];
};

/* Bytes of a request line kept for its event (the path, cut if longer). */
#define NET_LINE_BYTES 64

/* Requests sent but not yet answered on one connection (pipelining). */
#define NET_PIPELINE 4

/* https: HTTP/1.x read in clear from TLS library calls (bpf/tls.bpf.h). */
enum net_proto { NET_PROTO_HTTP, NET_PROTO_TLS, NET_PROTO_TCP, NET_PROTO_HTTPS, NET_PROTOS };
/* Status classes: 1xx..5xx by their digit, 0 for none (no answer). */
#define NET_STATUS_CLASSES 6

/*
 * The request/response state of one connection: one framer per direction,
 * fed in sequence order (rx_next/tx_next: the next sequence number to
 * parse), and the requests waiting for their response.
 */
struct net_http {
	struct http_stream rx;
	struct http_stream tx;
	__u64 rx_begin_ns;	/* when the message now being read began */
	__u64 tx_begin_ns;
	__u64 tls_answer_ns;	/* TLS: when the first byte came back */
	__u64 q_start_ns[NET_PIPELINE];
	__u8 q_line[NET_PIPELINE][NET_LINE_BYTES];
	__u8 q_line_len[NET_PIPELINE];
	__u32 rx_next;
	__u32 tx_next;
	__u8 q_method[NET_PIPELINE];
	__u8 q_head;
	__u8 q_len;
	__u8 state;		/* enum net_http_state */
	__u8 proto;		/* enum net_proto of its requests: http, or https */
	__u8 rx_resync;		/* enum net_resync, per direction */
	__u8 tx_resync;
	__u8 rx_twin;		/* enum net_twin, per direction */
	__u8 tx_twin;
	__u8 answers;		/* enum net_answers: how the answers are read */
};

/*
 * The answers on a connection whose other end is not parsed here (the
 * server's sent, or the client's received), while the client asks one
 * request at a time: the next answer cannot begin before the next request
 * has, so only each answer's first bytes (its status line) are read, and
 * the rest of it is passed over without being framed. At the first
 * answer where that does not hold (more than one request waiting, an
 * interim or protocol-switching answer, a CONNECT, a status line that is
 * not whole at the start of a segment) the framer takes over from that
 * answer's first byte, for the rest of the connection.
 */
enum net_answers {
	NET_ANSWERS_FRAMED,	/* every header byte through the framer */
	NET_ANSWERS_HEADS,	/* a status line per answer */
};

/*
 * Both ends of a connection on this host, both followed: the sender's
 * parse of each segment, as it leaves, gives the receiver its figures
 * too, and the receiver's stream is kept a copy of the sender's, so the
 * bytes are stepped once, not twice. Decided per direction at its first
 * payload; an end that falls out of step parses on its own from then on.
 */
enum net_twin {
	NET_TWIN_UNTRIED,	/* no payload this way yet */
	NET_TWIN_ON,		/* parsed by the sender for both ends */
	NET_TWIN_OFF,		/* each end parses its own */
};

/* Directions that became twins, and twins that fell out of step (net_twins). */
enum net_twin_count { NET_TWIN_STARTED, NET_TWIN_STOPPED, NET_TWIN_COUNTS };

/*
 * A direction that lost its place (bytes missing where headers were, or
 * bytes that are not HTTP) starts over at the next chunk (a segment, a
 * send), and is back in sync at the first message start found there.
 */
enum net_resync {
	NET_RESYNC_NONE,	/* in sync */
	NET_RESYNC_NEXT,	/* start over at the next chunk */
	NET_RESYNC_WAIT,	/* started over at this chunk: waiting for a message start */
};

enum net_http_state {
	NET_HTTP_OFF,		/* not followed (opened before pantau, or listener) */
	NET_HTTP_UNKNOWN,	/* no payload yet */
	NET_HTTP_ON,		/* HTTP/1.x, in sync */
	NET_HTTP_TCP,		/* not HTTP: one "request" per connection */
	NET_HTTP_TLS,		/* a TLS handshake first: one "request" per connection */
	NET_HTTP_TLS_CLEAR,	/* TLS, followed in clear through its library (struct tls_key) */
};

/* A TLS library's connection object (SSL *, gnutls_session_t) in one process. */
struct tls_key {
	__u32 tgid;
	__u32 pad;
	__u64 obj;
};

struct net_sock {
	struct service_key key;
	__u64 start_ns;		/* connect() called, or connection accepted */
	__u8 dir;		/* enum net_dir */
	__u8 established;	/* counted as opened and not yet as closed */
	__u8 unparsed;		/* its cgroup is in requests.skip_cgroups */
	__u8 head_seen;		/* outbound: its first bytes were looked at (peer.host) */
	__u8 connect_pending;	/* outbound: connect_ns not recorded yet */
	__u8 pad[3];
	__u64 connect_ns;	/* outbound: connect() to established */
	struct net_peer peer;	/* outbound: where it goes */
	struct net_ends ends;	/* set when established */
	__u64 resets;		/* resets sent or received on it */
	struct net_http http;
	struct tls_key tls;	/* NET_HTTP_TLS_CLEAR: where its requests are followed */
};

/*
 * Requests a service served (role server) or made (role client); role
 * connect holds, in the latency map only, how long its outbound
 * connections took to open, per peer.
 */
enum net_role { NET_ROLE_SERVER, NET_ROLE_CLIENT, NET_ROLE_CONNECT };

/* Methods, and what is counted in their place. */
#define NET_METHOD_NONE HTTP_M_COUNT		/* not HTTP: one per connection */
#define NET_METHOD_CONNECT_FAILED (HTTP_M_COUNT + 1)	/* a failed connect */

struct net_req_key {
	struct service_key svc;
	__u8 role;		/* enum net_role */
	__u8 proto;		/* enum net_proto */
	__u8 method;		/* enum http_method, or NET_METHOD_* */
	__u8 status_class;	/* 0 none, else the first digit */
	struct net_peer peer;
};

/*
 * Request durations: four slots per power of two of microseconds (bounds
 * 1, 1.25, 1.5, 1.75, 2 x 2^k), from 1 us to about 134 s.
 */
#define NET_REQ_SLOTS 104

struct net_lat_key {
	struct service_key svc;
	__u8 role;
	__u8 proto;
	__u8 pad[2];
	struct net_peer peer;
};

struct net_lat {
	__u64 sum_ns;
	__u64 slots[NET_REQ_SLOTS];
};

/* The slot of a duration in microseconds. */
static inline __u32 net_req_slot(__u64 us, __u32 log2)
{
	__u32 slot;

	if (us < 4)
		return (__u32)us;
	slot = 4 * (log2 - 1) + (__u32)((us >> (log2 - 2)) & 3);
	return slot < NET_REQ_SLOTS ? slot : NET_REQ_SLOTS - 1;
}

/* The upper bound of a slot, in microseconds (exclusive). */
static inline __u64 net_req_slot_upper_us(__u32 slot)
{
	__u32 log2 = slot / 4 + 1;

	if (slot < 4)
		return slot + 1;
	return (__u64)(slot % 4 + 5) << (log2 - 2);
}

/* Per service key and CPU. Bytes and retransmits are of closed connections. */
struct net_stats {
	__u64 opened[NET_DIRS];
	__u64 closed[NET_DIRS];
	__u64 connect_failures;
	__u64 resets_received;
	__u64 resets_sent;
	__u64 bytes_received;
	__u64 bytes_sent;
	__u64 retransmits;
	__u64 rtt_us_sum;	/* histogram sum */
	__u64 rtt_slots[NET_RTT_SLOTS];
};

/* One live connection, as the TCP socket iterator writes it at scrape time. */
struct net_live {
	struct service_key key;
	__u32 dir;
	__u32 pad;
	__u64 bytes_received;
	__u64 bytes_sent;	/* first transmissions, as the application wrote them */
	__u64 retransmits;
};

/* One request answered (or left unanswered at close), for the event stream. */
struct event_http {
	struct event_header hdr;
	struct service_key key;
	struct net_ends ends;
	__u64 duration_ns;
	__u16 status;		/* 0: no answer */
	__u8 role;		/* enum net_role */
	__u8 method;		/* enum http_method */
	__u8 line_len;		/* bytes of line that are valid */
	__u8 proto;		/* NET_PROTO_HTTP or NET_PROTO_HTTPS */
	__u8 pad[2];
	__u32 host;		/* role client: struct net_peer's host */
	__u8 line[NET_LINE_BYTES];	/* the request line's start */
};

enum net_conn_outcome { NET_CONN_CLOSED, NET_CONN_RESET, NET_CONN_FAILED };

/* One connection closed (or failed to open). */
struct event_conn {
	struct event_header hdr;
	struct service_key key;
	struct net_ends ends;
	__u64 duration_ns;
	__u64 bytes_received;
	__u64 bytes_sent;
	__u64 retransmits;
	__u8 dir;		/* enum net_dir */
	__u8 outcome;		/* enum net_conn_outcome */
	__u8 pad[2];
	__u32 host;		/* outbound: struct net_peer's host */
};

/* The kernel side's event budget per service and second (0: no events). */
struct net_event_budget {
	__u64 window_ns;	/* when this one-second window began */
	__u32 ok;		/* successes sent this second */
	__u32 errors;		/* errors sent: a budget of their own, kept first */
};

enum net_drop_reason {
	NET_DROP_STATS_MAP_FULL,
	NET_DROP_NO_STORAGE,
	NET_DROP_REQ_MAP_FULL,
	NET_DROP_PIPELINE_FULL,	/* more unanswered requests than NET_PIPELINE */
	NET_DROP_STREAM_GAP,	/* bytes missing or not HTTP: a direction started over */
	NET_DROP_UNOWNED,	/* a connection established on a socket with no owner */
	NET_DROP_TLS_MAP_FULL,	/* a TLS connection not followed in clear: tls_conns full */
	NET_DROP_REASONS,
};

#endif
