/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A cmocka fixture holding a config with its defaults, for unit tests. */
#ifndef PANTAU_TEST_CONFIG_FIXTURE_H
#define PANTAU_TEST_CONFIG_FIXTURE_H

#include <stdlib.h>
#include "config.h"

struct fixture {
	struct pantau_config cfg;
	char err[CONFIG_ERR_MAX];
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx || config_init(&fx->cfg)) {
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	config_free(&fx->cfg);
	free(fx);
	return 0;
}

#endif
