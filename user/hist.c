// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <math.h>
#include "hist.h"

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
