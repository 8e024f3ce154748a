/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Log2 histogram slots (as BPF fills them) to Prometheus buckets. */
#ifndef PANTAU_HIST_H
#define PANTAU_HIST_H

#include <stddef.h>
#include <stdint.h>

/*
 * Slot 0 holds values in [0, 2) units, slot i >= 1 holds [2^i, 2^(i+1)):
 * every value in slot i is below 2^(i+1) units, so that is the slot's `le`
 * (rounded up, never down). The last slot also holds all larger values and
 * so has no finite bound: it only counts towards +Inf.
 */
double hist_log2_upper_bound(size_t slot, double unit_seconds);

/*
 * Cumulative counts: cum[i] = slots[0] + ... + slots[i], for every slot.
 * cum[n - 1] is the +Inf bucket and the histogram's count.
 */
void hist_cumulate(const uint64_t *slots, size_t n, uint64_t *cum);

/* Observations in n slots: the histogram's count. */
uint64_t hist_total(const uint64_t *slots, size_t n);

/*
 * The q-quantile (0 <= q <= 1) of n slot counts (not cumulative) whose
 * slot i holds values below upper(i) and at or above upper(i - 1), slot 0
 * from 0, as PromQL's histogram_quantile computes it: find the slot the
 * rank q * count falls in and interpolate linearly inside it. The last slot
 * has no finite bound (+Inf): a rank there gives upper(n - 2). NAN when
 * the slots hold no observation.
 */
double hist_quantile(double q, const uint64_t *slots, size_t n, double (*upper)(size_t slot));

#endif
