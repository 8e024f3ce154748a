// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Request collector: net_requests (counts per key, method and status
 * class) and net_latency (duration histograms per key) into totals per
 * service, accumulated from deltas like the disk totals.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "collectors/collector.h"
#include "bpf/map_walk.h"
#include "net.skel.h"
#include "collectors/request_collector.h"
#include "lib/clock.h"
#include "lib/rowtab.h"

#define LAT_U64 (sizeof(struct net_lat) / sizeof(__u64))

/*
 * How long a row whose peer carries a host hash user space has not
 * learned yet is held back, waiting for its name, before it is named by
 * its address. A time, not a number of collections: a scrape collects,
 * and scrapes can come faster than the event thread (which polls every
 * 200 ms) hands the name over.
 */
#define PEER_WAIT_MS 2000

/*
 * Each peer of a service has its own BPF keys, so 10,000 peers would fill
 * the maps (4,096 keys) for as long as the service lives. A row whose
 * counts have not moved for ROW_IDLE_COLLECTIONS collections, or for one
 * when its table is three-quarters full, is deleted from the map once its
 * counts are in the totals; a later call starts a new key from zero.
 * An increment landing between the last read and the delete is lost:
 * a window of microseconds on a key that was idle.
 */
#define ROW_IDLE_COLLECTIONS 12

/*
 * Rows keep their peer's name: a name handed out once counts once against
 * the cap. wait_since_ms: when the row was first held back for its name.
 */
struct req_row {
	struct net_req_key key;
	__u64 cur, last;
	unsigned idle;		/* collections since cur last moved */
	bool seen, named;
	uint64_t wait_since_ms;
	char peer[PEER_NAME_MAX];
};

struct lat_row {
	struct net_lat_key key;
	struct net_lat cur, last;
	unsigned idle;
	bool seen, named;
	uint64_t wait_since_ms;
	char peer[PEER_NAME_MAX];
};

/* Collections run under the daemon lock, one at a time. */
static struct {
	struct rowtab reqs, lats;		/* BPF keys */
	struct rowtab req_totals, lat_totals;	/* per service name */
	bool ready;
} state;

static int ensure_state(uint32_t req_cap, uint32_t lat_cap)
{
	if (state.ready)
		return 0;
	if (rowtab_init(&state.reqs, sizeof(struct net_req_key), sizeof(struct req_row), req_cap))
		goto fail;
	if (rowtab_init(&state.lats, sizeof(struct net_lat_key), sizeof(struct lat_row), lat_cap))
		goto fail_reqs;
	if (rowtab_init(&state.req_totals, sizeof(struct request_total_key),
			sizeof(struct request_total), req_cap))
		goto fail_lats;
	if (rowtab_init(&state.lat_totals, sizeof(struct latency_total_key),
			sizeof(struct latency_total), lat_cap))
		goto fail_req_totals;
	state.ready = true;
	return 0;
fail_req_totals:
	rowtab_free(&state.req_totals);
fail_lats:
	rowtab_free(&state.lats);
fail_reqs:
	rowtab_free(&state.reqs);
fail:
	return -ENOMEM;
}

void request_collector_cleanup(void)
{
	if (!state.ready)
		return;
	rowtab_free(&state.reqs);
	rowtab_free(&state.lats);
	rowtab_free(&state.req_totals);
	rowtab_free(&state.lat_totals);
	state.ready = false;
}

static void read_req(const void *key, const void *values, int n_cpus, void *ctx)
{
	const struct net_req_key *k = key;
	struct req_row *row = rowtab_get(&state.reqs, k, true);
	__u64 cur;

	if (!row)
		return;
	percpu_sum_u64(values, n_cpus, sizeof(__u64), 1, (uint64_t *)&cur);
	row->idle = row->seen && cur == row->cur ? row->idle + 1 : 0;
	row->cur = cur;
	row->seen = true;
	registry_key(ctx, &k->svc);
}

static void read_lat(const void *key, const void *values, int n_cpus, void *ctx)
{
	const struct net_lat_key *k = key;
	struct lat_row *row = rowtab_get(&state.lats, k, true);
	struct net_lat cur;

	if (!row)
		return;
	percpu_sum_u64(values, n_cpus, sizeof(struct net_lat), LAT_U64, (uint64_t *)&cur);
	row->idle = row->seen && memcmp(&cur, &row->cur, sizeof(cur)) == 0 ? row->idle + 1 : 0;
	row->cur = cur;
	row->seen = true;
	registry_key(ctx, &k->svc);
}

int request_read(struct collect_ctx *ctx)
{
	struct net_bpf *skel = ctx->probes->net;
	long n;
	int err;

	if (!skel)
		return -ENODEV;
	err = ensure_state(bpf_map__max_entries(skel->maps.net_requests),
			   bpf_map__max_entries(skel->maps.net_latency));
	if (err)
		return err;
	n = map_walk(bpf_map__fd(skel->maps.net_requests), sizeof(struct net_req_key),
		     sizeof(__u64), true, bpf_map__max_entries(skel->maps.net_requests),
		     read_req, ctx->registry);
	if (n < 0)
		return (int)n;
	n = map_walk(bpf_map__fd(skel->maps.net_latency), sizeof(struct net_lat_key),
		     sizeof(struct net_lat), true, bpf_map__max_entries(skel->maps.net_latency),
		     read_lat, ctx->registry);
	return n < 0 ? (int)n : 0;
}

static const char *service_of(struct registry *r, const struct service_key *key)
{
	struct key_entry *e = registry_key(r, key);
	struct service *s = e ? registry_service(r, e) : NULL;

	return s ? s->name : NULL;
}

/* Map counters only grow; a smaller value is a new map entry. */
static void add_delta(__u64 *total, __u64 cur, __u64 *last)
{
	*total += cur >= *last ? cur - *last : cur;
	*last = cur;
}

/*
 * A row's peer name, given once and for good. A peer keyed by the hash of
 * a host whose name has not reached user space yet (it comes in an event,
 * read by another thread) is not named by its address right away: the
 * row is held back, false, for up to PEER_WAIT_MS.
 * Its counts lose nothing meanwhile: the map holds running totals, and
 * the first delta applied is all of it. Rows of several keys may share a
 * name: their totals add up under it.
 */
static bool name_peer(struct peers *ps, uint8_t role, const struct net_peer *p, bool *named,
		      uint64_t *wait_since_ms, char *out)
{
	uint64_t now;

	if (*named)
		return true;
	now = mono_ms();
	if (!*wait_since_ms)
		*wait_since_ms = now;
	if (role == NET_ROLE_SERVER || !ps) {
		out[0] = '\0';
	} else if (!peers_name(ps, p, now - *wait_since_ms < PEER_WAIT_MS, out, PEER_NAME_MAX)) {
		return false;
	}
	*named = true;
	return true;
}

static void apply_reqs(struct registry *r, struct peers *ps)
{
	for (size_t i = 0; i < state.reqs.count; i++) {
		struct req_row *row = rowtab_at(&state.reqs, i);
		const char *name = service_of(r, &row->key.svc);
		struct request_total_key tk;
		struct request_total *t;

		if (!row->seen || !name ||
		    !name_peer(ps, row->key.role, &row->key.peer, &row->named, &row->wait_since_ms, row->peer))
			continue;
		memset(&tk, 0, sizeof(tk));
		snprintf(tk.service, sizeof(tk.service), "%s", name);
		memcpy(tk.peer, row->peer, sizeof(tk.peer));
		tk.role = row->key.role;
		tk.proto = row->key.proto;
		/* Calls to dependencies are not split by method (not a label there). */
		tk.method = row->key.role == NET_ROLE_CLIENT &&
			    row->key.method != NET_METHOD_CONNECT_FAILED ? HTTP_M_OTHER :
			    row->key.method;
		tk.status_class = row->key.status_class;
		t = rowtab_get(&state.req_totals, &tk, true);
		if (t)
			add_delta((__u64 *)&t->count, row->cur, &row->last);
	}
}

static void apply_lats(struct registry *r, struct peers *ps)
{
	for (size_t i = 0; i < state.lats.count; i++) {
		struct lat_row *row = rowtab_at(&state.lats, i);
		const char *name = service_of(r, &row->key.svc);
		struct latency_total_key tk;
		struct latency_total *t;
		__u64 *tot, *c, *l;

		if (!row->seen || !name ||
		    !name_peer(ps, row->key.role, &row->key.peer, &row->named, &row->wait_since_ms, row->peer))
			continue;
		memset(&tk, 0, sizeof(tk));
		snprintf(tk.service, sizeof(tk.service), "%s", name);
		memcpy(tk.peer, row->peer, sizeof(tk.peer));
		tk.role = row->key.role;
		tk.proto = row->key.proto;
		t = rowtab_get(&state.lat_totals, &tk, true);
		if (!t)
			continue;
		tot = (__u64 *)&t->lat;
		c = (__u64 *)&row->cur;
		l = (__u64 *)&row->last;
		for (size_t k = 0; k < LAT_U64; k++)
			add_delta(&tot[k], c[k], &l[k]);
	}
}

/* Rows of both tables start with their BPF key, and the key with its service key. */
struct gone_ctx {
	struct registry *registry;
	int map_fd;
};

static bool row_gone(const void *row, void *ctx)
{
	const struct service_key *svc = row;
	struct gone_ctx *g = ctx;

	if (!registry_key_removable(g->registry, svc))
		return false;
	bpf_map_delete_elem(g->map_fd, row);
	return true;
}

struct idle_ctx {
	int map_fd;
	unsigned idle_min;	/* collections without a change before a row goes */
};

/* Idle for long enough (for the table's fill level), and already in the totals. */
static unsigned idle_min(const struct rowtab *t)
{
	return t->count * 4 >= t->capacity * 3 ? 1 : ROW_IDLE_COLLECTIONS;
}

static bool req_idle(const void *row, void *ctx)
{
	const struct req_row *r = row;
	struct idle_ctx *c = ctx;

	if (!r->named || r->idle < c->idle_min || r->cur != r->last)
		return false;
	bpf_map_delete_elem(c->map_fd, &r->key);
	return true;
}

static bool lat_idle(const void *row, void *ctx)
{
	const struct lat_row *r = row;
	struct idle_ctx *c = ctx;

	if (!r->named || r->idle < c->idle_min || memcmp(&r->cur, &r->last, sizeof(r->cur)))
		return false;
	bpf_map_delete_elem(c->map_fd, &r->key);
	return true;
}

/* Totals of services that no longer exist (evicted) are dropped with them. */
static bool total_orphaned(const void *row, void *ctx)
{
	/* Both total keys start with the service name. */
	return !registry_has_service(ctx, row);
}

void request_apply(struct collect_ctx *ctx)
{
	struct idle_ctx idle_reqs, idle_lats;
	struct gone_ctx reqs, lats;

	if (!state.ready || !ctx->probes->net)
		return;
	apply_reqs(ctx->registry, ctx->peers);
	apply_lats(ctx->registry, ctx->peers);
	reqs = (struct gone_ctx){ ctx->registry, bpf_map__fd(ctx->probes->net->maps.net_requests) };
	lats = (struct gone_ctx){ ctx->registry, bpf_map__fd(ctx->probes->net->maps.net_latency) };
	rowtab_remove_if(&state.reqs, row_gone, &reqs);
	rowtab_remove_if(&state.lats, row_gone, &lats);
	idle_reqs = (struct idle_ctx){ reqs.map_fd, idle_min(&state.reqs) };
	idle_lats = (struct idle_ctx){ lats.map_fd, idle_min(&state.lats) };
	rowtab_remove_if(&state.reqs, req_idle, &idle_reqs);
	rowtab_remove_if(&state.lats, lat_idle, &idle_lats);
	rowtab_remove_if(&state.req_totals, total_orphaned, ctx->registry);
	rowtab_remove_if(&state.lat_totals, total_orphaned, ctx->registry);
}

void request_rename_peers(void)
{
	for (size_t i = 0; state.ready && i < state.reqs.count; i++) {
		struct req_row *row = rowtab_at(&state.reqs, i);

		row->named = false;
		row->wait_since_ms = 0;
	}
	for (size_t i = 0; state.ready && i < state.lats.count; i++) {
		struct lat_row *row = rowtab_at(&state.lats, i);

		row->named = false;
		row->wait_since_ms = 0;
	}
}

size_t request_totals(struct request_total **out)
{
	if (!state.ready)
		return 0;
	*out = (struct request_total *)state.req_totals.rows;
	return state.req_totals.count;
}

size_t latency_totals(struct latency_total **out)
{
	if (!state.ready)
		return 0;
	*out = (struct latency_total *)state.lat_totals.rows;
	return state.lat_totals.count;
}

double request_slot_upper_seconds(size_t slot)
{
	return (double)net_req_slot_upper_us((__u32)slot) / 1e6;
}
