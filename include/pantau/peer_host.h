/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The host an outbound connection asks for, from the first bytes it sends:
 * the value of its HTTP Host field, or the server name of its TLS
 * ClientHello. Its hash is part of the peer the kernel counts the
 * connection under (struct net_peer's host), so that two names asked for
 * at one address and port (virtual hosts, APIs behind one CDN address)
 * are two peers; the name itself goes to user space once, in an event
 * (struct event_peer_host), which names every key with that hash by it.
 *
 * The same steps run in BPF (bpf/http_conn.bpf.h: bpf_loop callbacks, once
 * per connection, never per request) and in user space (peer_host_scan(),
 * for the unit tests). The bytes are looked at through a window of
 * PEER_HOST_WINDOW bytes (the BPF side's per-CPU scratch): a step that
 * needs bytes outside it returns PEER_HOST_LOAD, and the driver loads the
 * window again from c->load. Every byte is read through PEER_HOST_BYTE at
 * an index clamped into the window, so a step verifies once, for any
 * index; the BPF side defines it with bound_max(). The BPF side keeps the
 * scan's state in a map value, not on the stack: verifiers before 6.7
 * check a bpf_loop callback as if it ran once, would take a state only a
 * later byte reaches (a name found) for impossible and remove the code
 * that reads it.
 *
 * HTTP: a request (a capital letter first) whose "Host:" line (the field
 * name in any case) ends within the first PEER_HOST_HTTP_BYTES, before the
 * blank line; the value without the blanks around it. TLS: a ClientHello
 * (a handshake record first) whose server_name extension lies within the
 * first PEER_HOST_TLS_BYTES (GnuTLS sends it after 350 bytes of other
 * extensions, Chrome anywhere). Either way a name is printable ASCII
 * without blanks, 1 to PEER_HOST_NAME_MAX bytes, or none is taken.
 */
#ifndef PANTAU_PEER_HOST_H
#define PANTAU_PEER_HOST_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#define PEER_HOST_WINDOW 256		/* a power of two: indices are clamped by a mask */
#define PEER_HOST_HTTP_BYTES 2048	/* of a request head, looked through for Host */
#define PEER_HOST_TLS_BYTES 4096	/* of a ClientHello, looked through for its server name */
#define PEER_HOST_NAME_MAX 127		/* longer names are not taken */
/* Steps a scan may take: one per byte (HTTP) or field and name byte (TLS), and the loads. */
#define PEER_HOST_HTTP_STEPS (PEER_HOST_HTTP_BYTES + PEER_HOST_HTTP_BYTES / 128)
#define PEER_HOST_TLS_STEPS 512

#ifndef PEER_HOST_BYTE
#define PEER_HOST_BYTE(buf, i) ((buf)[(i) & (PEER_HOST_WINDOW - 1)])
#endif

/*
 * FNV-1a (32 bits) over the name's bytes, lower-cased; a name found never
 * hashes to 0 (net_host_hash_end), which stands for "none".
 */
#define NET_HOST_HASH_INIT 2166136261u

static __always_inline __u32 net_host_hash_step(__u32 h, __u8 b)
{
	if (b >= 'A' && b <= 'Z')
		b += 'a' - 'A';
	return (h ^ b) * 16777619u;
}

static __always_inline __u32 net_host_hash_end(__u32 h)
{
	return h ? h : 1;
}

enum peer_host_kind { PEER_HOST_KIND_NONE, PEER_HOST_KIND_HTTP, PEER_HOST_KIND_TLS };

enum peer_host_state {
	PEER_HOST_LINE,		/* HTTP: inside a line, waiting for its end */
	PEER_HOST_NAME,		/* HTTP: at a line's start, matching "host:" */
	PEER_HOST_LEAD,		/* HTTP: after "host:", blanks before the value */
	PEER_HOST_VALUE,	/* HTTP: in the value; TLS: walking the ClientHello */
	PEER_HOST_FOUND,	/* name and name_len hold the name, found its hash */
	PEER_HOST_NONE,		/* nothing to find, or not within reach */
};

/* TLS: the field a step reads next. */
enum peer_host_tls_field {
	PEER_HOST_TLS_HELLO,		/* record and handshake headers, version, random, session id */
	PEER_HOST_TLS_CIPHERS,
	PEER_HOST_TLS_COMPRESSION,
	PEER_HOST_TLS_EXTENSIONS,	/* their length */
	PEER_HOST_TLS_EXTENSION,	/* one, at pos */
	PEER_HOST_TLS_SERVER_NAME,	/* its bytes, from pos */
};

/* What a step asks of its driver. */
enum peer_host_step { PEER_HOST_GO_ON, PEER_HOST_DONE, PEER_HOST_LOAD };

/* Offsets count from the connection's first byte sent. */
struct peer_host_scan {
	__u32 base;		/* where the window starts */
	__u32 len;		/* bytes in the window */
	__u32 total;		/* bytes that may be looked at */
	__u32 pos;		/* the next byte (HTTP) or field (TLS) */
	__u32 end;		/* TLS: where the extensions end */
	__u32 name;		/* where the name starts */
	__u32 name_len;
	__u32 load;		/* PEER_HOST_LOAD: where the window is to start */
	__u32 hash;		/* running */
	__u32 found;		/* the name's hash, not 0, once found */
	__u8 kind;		/* enum peer_host_kind */
	__u8 state;		/* enum peer_host_state */
	__u8 match;		/* HTTP: bytes of "host:" matched at this line's start */
	__u8 field;		/* TLS: enum peer_host_tls_field */
};

static __always_inline __u32 peer_host_u8(const struct peer_host_scan *c, const __u8 *buf,
					  __u32 at)
{
	return PEER_HOST_BYTE(buf, at - c->base);
}

static __always_inline __u32 peer_host_be16(const struct peer_host_scan *c, const __u8 *buf,
					    __u32 at)
{
	return peer_host_u8(c, buf, at) << 8 | peer_host_u8(c, buf, at + 1);
}

static __always_inline int peer_host_none(struct peer_host_scan *c)
{
	c->state = PEER_HOST_NONE;
	return PEER_HOST_DONE;
}

/* Whether bytes [at, at + k) are in the window. */
static __always_inline int peer_host_has(const struct peer_host_scan *c, __u32 at, __u32 k)
{
	return at >= c->base && at - c->base <= c->len && k <= c->len - (at - c->base);
}

/*
 * 0 when bytes [at, at + k) are in the window; else what the step returns:
 * load the window from at, or give up (beyond reach, or the window was
 * just loaded there and still holds too few: a buffer of the sender ends).
 */
static __always_inline int peer_host_missing(struct peer_host_scan *c, __u32 at, __u32 k)
{
	if (peer_host_has(c, at, k))
		return 0;
	if (k > PEER_HOST_WINDOW || at + k > c->total || at + k < at || at == c->base)
		return peer_host_none(c);
	c->load = at;
	return PEER_HOST_LOAD;
}

/* The field name's bytes in lower case, then the colon. */
static __always_inline __u8 peer_host_field_byte(__u8 k)
{
	return k == 0 ? 'h' : k == 1 ? 'o' : k == 2 ? 's' : k == 3 ? 't' : ':';
}

/* A byte a name may hold: printable, not blank. */
static __always_inline int peer_host_name_byte(__u8 b)
{
	return b > ' ' && b <= '~';
}

/*
 * One byte of a request head; once the value ended, the step that brings
 * it whole into the window (it may have begun in the one before).
 */
static __always_inline int peer_host_http_step(struct peer_host_scan *c, const __u8 *buf)
{
	__u32 pos = c->pos;
	__u8 b, lower;
	int miss;

	if (c->state == PEER_HOST_FOUND)
		return peer_host_missing(c, c->name, c->name_len) ?: PEER_HOST_DONE;
	miss = peer_host_missing(c, pos, 1);
	if (miss)
		return miss;
	b = (__u8)peer_host_u8(c, buf, pos);
	lower = b >= 'A' && b <= 'Z' ? b + ('a' - 'A') : b;
	c->pos = pos + 1;
	switch (c->state) {
	case PEER_HOST_LINE:
		if (b == '\n') {
			c->state = PEER_HOST_NAME;
			c->match = 0;
		}
		return PEER_HOST_GO_ON;
	case PEER_HOST_NAME:
		if (c->match == 0 && (b == '\r' || b == '\n'))
			return peer_host_none(c);	/* the blank line: the headers end */
		if (lower != peer_host_field_byte(c->match)) {
			c->state = b == '\n' ? PEER_HOST_NAME : PEER_HOST_LINE;
			c->match = 0;
			return PEER_HOST_GO_ON;
		}
		if (++c->match == 5)
			c->state = PEER_HOST_LEAD;
		return PEER_HOST_GO_ON;
	case PEER_HOST_LEAD:
		if (b == ' ' || b == '\t')
			return PEER_HOST_GO_ON;
		c->state = PEER_HOST_VALUE;
		c->hash = NET_HOST_HASH_INIT;
		c->name = pos;
		/* fallthrough */
	case PEER_HOST_VALUE:
		if (b == '\r' || b == '\n') {
			if (!c->found)
				return peer_host_none(c);
			c->state = PEER_HOST_FOUND;
			return PEER_HOST_GO_ON;
		}
		if (b == ' ' || b == '\t')
			return PEER_HOST_GO_ON;	/* blanks at its end are not the name's */
		/* Blanks inside, a byte no name has, too long: none. */
		if ((c->found && pos != c->name + c->name_len) || !peer_host_name_byte(b) ||
		    pos - c->name >= PEER_HOST_NAME_MAX)
			return peer_host_none(c);
		c->hash = net_host_hash_step(c->hash, b);
		c->found = net_host_hash_end(c->hash);
		c->name_len = pos + 1 - c->name;
		return PEER_HOST_GO_ON;
	}
	return peer_host_none(c);
}

/* One field of a ClientHello, or one byte of its server name. */
static __always_inline int peer_host_tls_step(struct peer_host_scan *c, const __u8 *buf)
{
	__u32 pos = c->pos, n;
	int miss;
	__u8 b;

	switch (c->field) {
	case PEER_HOST_TLS_HELLO:
		/* record (5), handshake type and length (4), version (2), random (32) */
		miss = peer_host_missing(c, 0, 44);
		if (miss)
			return miss;
		if (peer_host_u8(c, buf, 5) != 1)
			return peer_host_none(c);	/* not a ClientHello */
		c->pos = 44 + peer_host_u8(c, buf, 43);	/* past the session id */
		c->field = PEER_HOST_TLS_CIPHERS;
		return PEER_HOST_GO_ON;
	case PEER_HOST_TLS_CIPHERS:
		miss = peer_host_missing(c, pos, 2);
		if (miss)
			return miss;
		c->pos = pos + 2 + peer_host_be16(c, buf, pos);
		c->field = PEER_HOST_TLS_COMPRESSION;
		return PEER_HOST_GO_ON;
	case PEER_HOST_TLS_COMPRESSION:
		miss = peer_host_missing(c, pos, 1);
		if (miss)
			return miss;
		c->pos = pos + 1 + peer_host_u8(c, buf, pos);
		c->field = PEER_HOST_TLS_EXTENSIONS;
		return PEER_HOST_GO_ON;
	case PEER_HOST_TLS_EXTENSIONS:
		miss = peer_host_missing(c, pos, 2);
		if (miss)
			return miss;
		c->end = pos + 2 + peer_host_be16(c, buf, pos);
		c->pos = pos + 2;
		c->field = PEER_HOST_TLS_EXTENSION;
		return PEER_HOST_GO_ON;
	case PEER_HOST_TLS_EXTENSION:
		if (pos + 4 > c->end || pos + 4 < pos)
			return peer_host_none(c);
		miss = peer_host_missing(c, pos, 4);
		if (miss)
			return miss;
		if (peer_host_be16(c, buf, pos) != 0) {	/* not server_name */
			c->pos = pos + 4 + peer_host_be16(c, buf, pos + 2);
			return PEER_HOST_GO_ON;
		}
		/* type, length, list length (2), name type (1: host_name is 0), name length (2) */
		miss = peer_host_missing(c, pos, 9);
		if (miss)
			return miss;
		n = peer_host_be16(c, buf, pos + 7);
		if (peer_host_u8(c, buf, pos + 6) != 0 || n == 0 || n > PEER_HOST_NAME_MAX ||
		    pos + 9 + n > c->end)
			return peer_host_none(c);
		c->name = pos + 9;
		c->name_len = n;
		c->pos = c->name;
		c->hash = NET_HOST_HASH_INIT;
		c->field = PEER_HOST_TLS_SERVER_NAME;
		return PEER_HOST_GO_ON;
	case PEER_HOST_TLS_SERVER_NAME:
		/* The whole name in the window: the event copies it from there. */
		miss = peer_host_missing(c, c->name, c->name_len);
		if (miss)
			return miss;
		if (pos - c->name >= c->name_len) {
			c->found = net_host_hash_end(c->hash);
			c->state = PEER_HOST_FOUND;
			return PEER_HOST_DONE;
		}
		b = (__u8)peer_host_u8(c, buf, pos);
		if (!peer_host_name_byte(b))
			return peer_host_none(c);
		c->hash = net_host_hash_step(c->hash, b);
		c->pos = pos + 1;
		return PEER_HOST_GO_ON;
	}
	return peer_host_none(c);
}

/*
 * Set up a scan of total bytes, the first len of them in the window at
 * buf; which walk applies to them.
 */
static __always_inline int peer_host_start(struct peer_host_scan *c, const __u8 *buf, __u32 len,
					   __u32 total)
{
	__u32 first;

	__builtin_memset(c, 0, sizeof(*c));
	c->len = len;
	c->state = PEER_HOST_NONE;
	if (len == 0 || len > PEER_HOST_WINDOW || len > total)
		return PEER_HOST_KIND_NONE;
	first = PEER_HOST_BYTE(buf, 0);
	if (first == 0x16) {		/* a TLS handshake record */
		c->kind = PEER_HOST_KIND_TLS;
		c->state = PEER_HOST_VALUE;
		c->total = total < PEER_HOST_TLS_BYTES ? total : PEER_HOST_TLS_BYTES;
	} else if (first >= 'A' && first <= 'Z') {	/* a method: maybe HTTP */
		c->kind = PEER_HOST_KIND_HTTP;
		c->state = PEER_HOST_LINE;
		c->total = total < PEER_HOST_HTTP_BYTES ? total : PEER_HOST_HTTP_BYTES;
	}
	if (c->len > c->total)
		c->len = c->total;
	return c->kind;
}

/* One step of the scan start() set up. */
static __always_inline int peer_host_step(struct peer_host_scan *c, const __u8 *buf)
{
	return c->kind == PEER_HOST_KIND_TLS ? peer_host_tls_step(c, buf) :
					       peer_host_http_step(c, buf);
}

/* Steps a scan of this kind may take. */
static __always_inline __u32 peer_host_steps(const struct peer_host_scan *c)
{
	return c->kind == PEER_HOST_KIND_TLS ? PEER_HOST_TLS_STEPS : PEER_HOST_HTTP_STEPS;
}

/*
 * The scan's result: the name's hash, or 0 when none was found; the name
 * is then name_len bytes at name - base in the window.
 */
static __always_inline __u32 peer_host_result(const struct peer_host_scan *c)
{
	return c->state == PEER_HOST_FOUND && peer_host_has(c, c->name, c->name_len) ? c->found : 0;
}

#ifndef __bpf__
/*
 * The whole scan, as the BPF side runs it, over total bytes at data, each
 * load of the window taking at most window bytes (as a sender's buffer
 * may end). Its hash, or 0; *name gets where the name starts in data
 * (name_len bytes), as the event carries it.
 */
static inline __u32 peer_host_scan(const __u8 *data, __u32 total, __u32 window, __u32 *name,
				   __u32 *name_len)
{
	struct peer_host_scan c;
	int r = PEER_HOST_GO_ON;
	__u32 i, n;

	if (window > PEER_HOST_WINDOW)
		window = PEER_HOST_WINDOW;
	if (!peer_host_start(&c, data, total < window ? total : window, total))
		return 0;
	for (i = 0; i < peer_host_steps(&c) && r != PEER_HOST_DONE; i++) {
		r = peer_host_step(&c, data + c.base);
		if (r == PEER_HOST_LOAD) {
			n = total - c.load;
			c.base = c.load;
			c.len = n < window ? n : window;
		}
	}
	*name = c.name;
	*name_len = c.name_len;
	return peer_host_result(&c);
}

/* The hash of a name given as a string, as the scan hashes it. */
static inline __u32 net_host_hash(const char *s, __u32 n)
{
	__u32 h = NET_HOST_HASH_INIT;

	for (__u32 i = 0; i < n; i++)
		h = net_host_hash_step(h, (__u8)s[i]);
	return n ? net_host_hash_end(h) : 0;
}
#endif

#endif
