// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the web config loader, web_config_load_string()
 * (user/web_config.c): the file node_exporter's --web.config.file takes,
 * which pantau re-reads whenever it changes, so a half-written file or a
 * bad edit reaches it while it serves.
 *
 * The input is the YAML text. The loader either succeeds with every
 * string terminated and the counts within their arrays, or returns a
 * negative errno with a one-line message that fits the buffer; a message
 * buffer of any size gets the same answer. Loading the same text twice
 * gives the same answer and the same users, headers and TLS files.
 *
 * Covers: user/web_config.c
 *         user/lib/yaml_node.c
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "web_config.h"

#define ERR_MAX 512

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_web_config: %s\n", what);
		abort();
	}
}

static void check_message(int rc, const char *err, size_t len)
{
	if (!rc)
		return;
	check(rc < 0, "a failure that is not a negative errno");
	check(memchr(err, '\0', len) != NULL, "a message not terminated in its buffer");
	check(len < 2 || err[0] != '\0', "a failure without a message");
	check(!strchr(err, '\n'), "a message of more than one line");
}

static void same(const struct web_config *a, const struct web_config *b)
{
	check(a->tls == b->tls && a->n_users == b->n_users && a->n_headers == b->n_headers &&
	      a->client_auth == b->client_auth && a->min_version == b->min_version &&
	      a->max_version == b->max_version, "two loads of one text differ");
	check(!a->cert_file == !b->cert_file && (!a->cert_file || !strcmp(a->cert_file, b->cert_file)),
	      "two loads give different cert_file");
	for (size_t i = 0; i < a->n_users; i++)
		check(!strcmp(a->users[i].name, b->users[i].name) &&
		      !strcmp(a->users[i].hash, b->users[i].hash), "two loads give different users");
	for (size_t i = 0; i < a->n_headers; i++)
		check(!strcmp(a->headers[i].name, b->headers[i].name) &&
		      !strcmp(a->headers[i].value, b->headers[i].value),
		      "two loads give different headers");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[ERR_MAX], small[8], prio[512];
	struct web_config a, b;
	char *yaml = malloc(size + 1);
	int rc, rc2;

	if (!yaml)
		return 0;
	memcpy(yaml, data, size);
	yaml[size] = '\0';
	rc = web_config_load_string(&a, yaml, "web.yml", "/etc/pantau", err, sizeof(err));
	check_message(rc, err, sizeof(err));
	rc2 = web_config_load_string(&b, yaml, "web.yml", "/etc/pantau", small, sizeof(small));
	check(rc == rc2, "the answer depends on the message buffer's size");
	check_message(rc2, small, sizeof(small));
	if (rc == 0) {
		check(a.n_users <= WEB_CONFIG_MAX_USERS && a.n_headers <= WEB_CONFIG_MAX_HEADERS,
		      "counts past their arrays");
		for (size_t i = 0; i < a.n_users; i++)
			check(a.users[i].name && a.users[i].hash && a.users[i].name[0],
			      "a user without a name or hash");
		check(!a.tls || (a.cert_file && a.key_file && a.cert_file[0] == '/' &&
				 a.key_file[0] == '/'), "TLS without absolute cert and key files");
		same(&a, &b);
		rc = web_config_priorities(&a, prio, sizeof(prio));
		check(rc <= 0 && (rc || memchr(prio, '\0', sizeof(prio))), "a priority string");
		web_config_free(&a);
		web_config_free(&b);
	}
	free(yaml);
	return 0;
}
