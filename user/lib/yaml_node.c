// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdlib.h>
#include <string.h>
#include "lib/yaml_node.h"

const char *yaml_scalar(const yaml_node_t *node)
{
	return (const char *)node->data.scalar.value;
}

const char *yaml_shown(const yaml_node_t *node, char *buf, size_t len)
{
	const char *s = yaml_scalar(node);
	size_t n = node->data.scalar.length, i;

	for (i = 0; i < n && i + 1 < len; i++) {
		unsigned char c = (unsigned char)s[i];

		buf[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	buf[i] = '\0';
	if (i < n && len > 4)
		memcpy(buf + len - 4, "...", 4);
	return buf;
}

bool yaml_has_control(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < len; i++) {
		if (p[i] < 0x20 || p[i] == 0x7f)
			return true;
		if (p[i] == 0xc2 && i + 1 < len && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f)
			return true;
	}
	return false;
}

bool yaml_is_null(const yaml_node_t *node)
{
	const char *s;

	if (node->type != YAML_SCALAR_NODE ||
	    node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	s = yaml_scalar(node);
	return !*s || !strcmp(s, "~") || !strcmp(s, "null");
}

bool yaml_set_string(char **slot, const char *value)
{
	char *copy = strdup(value);

	if (!copy)
		return false;
	free(*slot);
	*slot = copy;
	return true;
}
