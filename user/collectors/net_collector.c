// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Network collector: the per-key counters of closed connections from
 * net_stats, then one record per live connection from the TCP socket
 * iterator. Bytes and retransmits of a service are closed + live.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "collectors/collector.h"
#include "bpf/iter_read.h"
#include "bpf/map_walk.h"
#include "net.skel.h"

#define NET_STATS_U64 (sizeof(struct net_stats) / sizeof(__u64))

static void read_stats(const void *key, const void *values, int n_cpus, void *ctx)
{
	struct key_entry *e = registry_key(ctx, key);

	if (!e)
		return;
	percpu_sum_u64(values, n_cpus, sizeof(struct net_stats), NET_STATS_U64,
		       (uint64_t *)&e->net.cur);
}

static void read_live(const void *data, void *ctx)
{
	struct net_live rec;
	struct key_entry *e;

	memcpy(&rec, data, sizeof(rec));
	e = registry_key(ctx, &rec.key);
	if (!e)
		return;
	e->net.live_received += rec.bytes_received;
	e->net.live_sent += rec.bytes_sent;
	e->net.live_retrans += rec.retransmits;
	if (rec.dir < NET_DIRS)
		e->net.active[rec.dir]++;
}

int net_read(struct collect_ctx *ctx)
{
	struct net_bpf *skel = ctx->probes->net;
	struct registry *r = ctx->registry;
	long n;

	if (!skel)
		return -ENODEV;
	for (size_t i = 0; i < r->n_entries; i++) {
		struct net_entry *ne = &r->entries[i].net;

		ne->live_received = ne->live_sent = ne->live_retrans = 0;
		memset(ne->active, 0, sizeof(ne->active));
	}
	/*
	 * Closed first, live second: a connection closing in between is
	 * missed once (and found next time), never counted twice.
	 */
	n = map_walk(bpf_map__fd(skel->maps.net_stats), sizeof(struct service_key),
		     sizeof(struct net_stats), true, bpf_map__max_entries(skel->maps.net_stats),
		     read_stats, r);
	if (n < 0)
		return (int)n;
	if (!ctx->probes->tcp_iter)
		return 0;
	n = iter_read_records(ctx->probes->tcp_iter, sizeof(struct net_live), read_live, r);
	return n < 0 ? (int)n : 0;
}

/* As memory_apply: add only what lies above the highest value already added. */
static void add_above(__u64 *total, __u64 cur, __u64 *high)
{
	if (cur > *high) {
		*total += cur - *high;
		*high = cur;
	}
}

void net_apply(struct collect_ctx *ctx)
{
	struct registry *r = ctx->registry;

	for (size_t i = 0; i < r->n_services; i++)
		memset(r->services[i].net_active, 0, sizeof(r->services[i].net_active));
	for (size_t i = 0; i < r->n_entries; i++) {
		struct key_entry *e = &r->entries[i];
		struct net_entry *ne = &e->net;
		const __u64 *c = (const __u64 *)&ne->cur;
		__u64 *l = (__u64 *)&ne->last, *t;
		struct service *s;

		if (!e->used || !(s = registry_service(r, e)))
			continue;
		t = (__u64 *)&s->net;
		for (int d = 0; d < NET_DIRS; d++)
			s->net_active[d] += ne->active[d];
		add_above(&s->net.bytes_received, ne->cur.bytes_received + ne->live_received,
			  &ne->last.bytes_received);
		add_above(&s->net.bytes_sent, ne->cur.bytes_sent + ne->live_sent,
			  &ne->last.bytes_sent);
		add_above(&s->net.retransmits, ne->cur.retransmits + ne->live_retrans,
			  &ne->last.retransmits);
		for (size_t k = 0; k < NET_STATS_U64; k++) {
			size_t off = k * sizeof(__u64);

			if (off == offsetof(struct net_stats, bytes_received) ||
			    off == offsetof(struct net_stats, bytes_sent) ||
			    off == offsetof(struct net_stats, retransmits))
				continue;
			/* Map counters only grow; a smaller value is a new map entry. */
			t[k] += c[k] >= l[k] ? c[k] - l[k] : c[k];
			l[k] = c[k];
		}
	}
}

void net_twin_counts(struct probes *p, uint64_t out[NET_TWIN_COUNTS])
{
	for (uint32_t i = 0; i < NET_TWIN_COUNTS; i++)
		out[i] = p->net ? percpu_array_sum(bpf_map__fd(p->net->maps.net_twins), i) : 0;
}

uint64_t net_answers_framed(struct probes *p)
{
	return p->net ? percpu_array_sum(bpf_map__fd(p->net->maps.net_answers_framed), 0) : 0;
}

size_t net_drops(struct probes *p, struct drop_count *out, size_t max)
{
	static const char *const reasons[NET_DROP_REASONS] = {
		[NET_DROP_STATS_MAP_FULL] = "net_stats_map_full",
		[NET_DROP_NO_STORAGE] = "net_socket_storage_failed",
		[NET_DROP_REQ_MAP_FULL] = "request_map_full",
		[NET_DROP_PIPELINE_FULL] = "http_pipeline_full",
		[NET_DROP_STREAM_GAP] = "tcp_stream_gap",
		[NET_DROP_UNOWNED] = "tcp_connection_without_owner",
		[NET_DROP_TLS_MAP_FULL] = "tls_conns_map_full",
	};

	if (!p->net)
		return 0;
	return drop_counts(bpf_map__fd(p->net->maps.net_drops), reasons, NET_DROP_REASONS,
			   out, max);
}
