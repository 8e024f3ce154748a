// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <math.h>
#include "lib/hist.h"

double hist_log2_upper_bound(size_t slot, double unit_seconds)
{
	return ldexp(unit_seconds, (int)slot + 1);
}

void hist_cumulate(const uint64_t *slots, size_t n, uint64_t *cum)
{
	uint64_t total = 0;

	for (size_t i = 0; i < n; i++) {
		total += slots[i];
		cum[i] = total;
	}
}

uint64_t hist_total(const uint64_t *slots, size_t n)
{
	uint64_t total = 0;

	for (size_t i = 0; i < n; i++)
		total += slots[i];
	return total;
}

double hist_quantile(double q, const uint64_t *slots, size_t n, double (*upper)(size_t slot))
{
	uint64_t total = 0, below = 0;
	double rank, lower;
	size_t i;

	for (i = 0; i < n; i++)
		total += slots[i];
	if (n < 2 || total == 0 || isnan(q))
		return NAN;
	q = q < 0 ? 0 : q > 1 ? 1 : q;
	rank = q * (double)total;
	/* The first slot whose cumulative count reaches the rank (PromQL's search). */
	for (i = 0; i < n - 1; i++) {
		if ((double)(below + slots[i]) >= rank && slots[i])
			break;
		below += slots[i];
	}
	if (i == n - 1)
		return upper(n - 2);
	lower = i ? upper(i - 1) : 0;
	return lower + (upper(i) - lower) * (rank - (double)below) / (double)slots[i];
}
