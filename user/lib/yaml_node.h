/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What pantau's two YAML readers (config.c, web_config.c) ask of a libyaml node. */
#ifndef PANTAU_YAML_NODE_H
#define PANTAU_YAML_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

/* A scalar node's text. */
const char *yaml_scalar(const yaml_node_t *node);
/*
 * A scalar's text for a message that ends up on a terminal or in a
 * journal: control characters as '?', cut with "..." to fit buf.
 */
const char *yaml_shown(const yaml_node_t *node, char *buf, size_t len);
/* C0, DEL and the UTF-8 encoded C1 range; libyaml has already checked UTF-8. */
bool yaml_has_control(const char *s, size_t len);
/* "key:" with nothing after it, "~" or "null" (plain style only). */
bool yaml_is_null(const yaml_node_t *node);
/* A string setting takes a copy of value: false, the old one kept, when out of memory. */
bool yaml_set_string(char **slot, const char *value);

#endif
