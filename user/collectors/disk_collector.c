// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Disk collector: disk_io_stats (service key, device, op) -> totals per
 * (service, device, op), accumulated from deltas like the CPU totals.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "collectors/collector.h"
#include "disk.skel.h"
#include "collectors/disk_collector.h"
#include "bpf/map_walk.h"
#include "lib/rowtab.h"

#define DISK_STATS_U64 (sizeof(struct disk_io_stats) / sizeof(__u64))
#define MINORBITS 20

/* One BPF map entry and what of it is already in the totals. */
struct entry_row {
	struct disk_io_key key;
	struct disk_io_stats cur;
	struct disk_io_stats last;
	bool seen;
};

/* Collections run under the daemon lock, one at a time. */
static struct {
	struct rowtab entries;	/* struct entry_row */
	struct rowtab totals;	/* struct disk_total */
	bool ready;
} state;

static int ensure_state(uint32_t capacity)
{
	int err;

	if (state.ready)
		return 0;
	err = rowtab_init(&state.entries, sizeof(struct disk_io_key), sizeof(struct entry_row),
			  capacity);
	if (err)
		return err;
	err = rowtab_init(&state.totals, sizeof(struct disk_total_key), sizeof(struct disk_total),
			  capacity);
	if (err) {
		rowtab_free(&state.entries);
		return err;
	}
	state.ready = true;
	return 0;
}

void disk_collector_cleanup(void)
{
	if (!state.ready)
		return;
	rowtab_free(&state.entries);
	rowtab_free(&state.totals);
	state.ready = false;
}

/* "vda" for 254:0, from sysfs; "MAJ:MIN" when sysfs does not say. */
static void device_name(uint32_t dev, char *out, size_t len)
{
	unsigned major = dev >> MINORBITS, minor = dev & ((1U << MINORBITS) - 1);
	char link[64], target[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), "/sys/dev/block/%u:%u", major, minor);
	n = readlink(link, target, sizeof(target) - 1);
	if (n > 0) {
		const char *base;

		target[n] = '\0';
		base = strrchr(target, '/');
		/* Kernel disk names are at most 31 bytes: they always fit. */
		if ((size_t)snprintf(out, len, "%s", base ? base + 1 : target) < len)
			return;
	}
	snprintf(out, len, "%u:%u", major, minor);
}

static void read_stats(const void *key, const void *values, int n_cpus, void *ctx)
{
	const struct disk_io_key *k = key;
	struct entry_row *row = rowtab_get(&state.entries, k, true);

	if (!row)
		return;
	percpu_sum_u64(values, n_cpus, sizeof(struct disk_io_stats), DISK_STATS_U64,
		       (uint64_t *)&row->cur);
	row->seen = true;
	/* Make sure the service key is known to the registry. */
	registry_key(ctx, &k->svc);
}

int disk_read(struct collect_ctx *ctx)
{
	struct disk_bpf *skel = ctx->probes->disk;
	long n;
	int err;

	if (!skel)
		return -ENODEV;
	err = ensure_state(bpf_map__max_entries(skel->maps.disk_io_stats));
	if (err)
		return err;
	n = map_walk(bpf_map__fd(skel->maps.disk_io_stats), sizeof(struct disk_io_key),
		     sizeof(struct disk_io_stats), true,
		     bpf_map__max_entries(skel->maps.disk_io_stats), read_stats, ctx->registry);
	return n < 0 ? (int)n : 0;
}

static struct disk_total *total_for(struct registry *r, const struct entry_row *row)
{
	struct key_entry *e = registry_key(r, &row->key.svc);
	struct service *s = e ? registry_service(r, e) : NULL;
	struct disk_total_key tk;
	struct disk_total *t;

	if (!s)
		return NULL;
	/* Rows are found by their bytes: padding included, so zero it all. */
	memset(&tk, 0, sizeof(tk));
	snprintf(tk.service, sizeof(tk.service), "%s", s->name);
	tk.dev = row->key.dev;
	tk.op = row->key.op;
	t = rowtab_get(&state.totals, &tk, false);
	if (t)
		return t;
	t = rowtab_get(&state.totals, &tk, true);
	if (t)
		device_name(tk.dev, t->device, sizeof(t->device));
	return t;
}

static bool gone(const void *row, void *ctx)
{
	const struct entry_row *er = row;
	struct collect_ctx *c = ctx;

	if (!registry_key_removable(c->registry, &er->key.svc))
		return false;
	bpf_map_delete_elem(bpf_map__fd(c->probes->disk->maps.disk_io_stats), &er->key);
	return true;
}

/* Totals of services that no longer exist (evicted) are dropped with them. */
static bool orphaned(const void *row, void *ctx)
{
	return !registry_has_service(ctx, ((const struct disk_total *)row)->key.service);
}

void disk_apply(struct collect_ctx *ctx)
{
	if (!state.ready || !ctx->probes->disk)
		return;
	for (size_t i = 0; i < state.entries.count; i++) {
		struct entry_row *row = rowtab_at(&state.entries, i);
		const __u64 *c = (const __u64 *)&row->cur;
		__u64 *l = (__u64 *)&row->last;
		struct disk_total *t;
		__u64 *tot;

		if (!row->seen || !(t = total_for(ctx->registry, row)))
			continue;
		tot = (__u64 *)&t->stats;
		for (size_t k = 0; k < DISK_STATS_U64; k++) {
			tot[k] += c[k] >= l[k] ? c[k] - l[k] : c[k];
			l[k] = c[k];
		}
	}
	rowtab_remove_if(&state.entries, gone, ctx);
	rowtab_remove_if(&state.totals, orphaned, ctx->registry);
}

size_t disk_totals(struct disk_total **out)
{
	if (!state.ready)
		return 0;
	*out = (struct disk_total *)state.totals.rows;
	return state.totals.count;
}

size_t disk_drops(struct probes *p, struct drop_count *out, size_t max)
{
	static const char *const reasons[DISK_DROP_REASONS] = {
		[DISK_DROP_STATS_MAP_FULL] = "disk_stats_map_full",
		[DISK_DROP_INFLIGHT_FULL] = "disk_inflight_map_full",
	};

	if (!p->disk)
		return 0;
	return drop_counts(bpf_map__fd(p->disk->maps.disk_drops), reasons, DISK_DROP_REASONS,
			   out, max);
}
