/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Fold a URL path into a template ("/orders/8812" -> "/orders/{id}") so
 * that "top paths" in Kibana group requests by route, not by id.
 */
#ifndef PANTAU_PATH_TEMPLATE_H
#define PANTAU_PATH_TEMPLATE_H

#include <stddef.h>

/*
 * Route patterns from the config, tried in order, first match wins: a
 * pattern is literal segments and "{name}" segments that match any one
 * non-empty segment, e.g. "/orders/{id}/items/{item}".
 */
struct path_rules {
	const char *const *patterns;
	size_t n;
};

/*
 * Write the template of path to out[outlen]: the first matching rule's
 * pattern, else the path with numeric, UUID-like and long random-looking
 * segments replaced by "{id}". A query string or fragment is dropped.
 * Returns 0, -ENOSPC when out was too small (it still holds a cut,
 * terminated string), -EINVAL when outlen is 0. rules may be NULL.
 */
int path_template(const char *path, const struct path_rules *rules, char *out, size_t outlen);

#endif
