// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A small HTTP/1.1 server and client with known figures for the tests.
 * The client runs a fixed script (keep-alive, pipelining, a chunked body,
 * Connection: close) and prints what it sent and saw, so a test can hold
 * pantau's HTTP metrics against it. libc only, so it builds static and
 * runs inside the busybox VM.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include "join_cgroup.h"

#define BUF_SIZE	8192
#define MAX_HEADERS	100
#define IO_TIMEOUT_S	10

#define F_CHUNKED	1	/* send a chunked body */
#define F_CLOSE		2	/* ask for Connection: close */

struct reader {
	int fd;
	size_t off, len;
	unsigned long long *count;	/* bytes read, when counted */
	char buf[BUF_SIZE];
};

struct msg {
	long long clen;		/* -1 when absent */
	int chunked, close, keep_alive;
};

struct req {
	const char *method, *path;
	int expect;
	const char *body;	/* sent with a Content-Length */
	int flags;
};

struct conn {
	const struct req *reqs;
	int n, pipelined;
};

static const char *const methods[] = { "GET", "HEAD", "POST", "PUT", "DELETE" };
#define N_METHODS	(int)(sizeof(methods) / sizeof(methods[0]))

static unsigned long long bytes_sent, bytes_received;
static int connections, counts[N_METHODS][6];

static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("httpmini: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

/* Bytes read, 0 at the end of the stream, -1 on error or a full buffer. */
static ssize_t rd_fill(struct reader *r)
{
	ssize_t n;

	memmove(r->buf, r->buf + r->off, r->len - r->off);
	r->len -= r->off;
	r->off = 0;
	if (r->len == sizeof(r->buf)) {
		errno = EMSGSIZE;
		return -1;
	}
	do
		n = read(r->fd, r->buf + r->len, sizeof(r->buf) - r->len);
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		r->len += n;
		if (r->count)
			*r->count += n;
	}
	if (n == 0)
		errno = ENODATA;
	return n;
}

/* The next line without its CRLF, valid until the next read. */
static char *rd_line(struct reader *r)
{
	for (;;) {
		char *start = r->buf + r->off;
		char *nl = memchr(start, '\n', r->len - r->off);

		if (nl) {
			*nl = '\0';
			if (nl > start && nl[-1] == '\r')
				nl[-1] = '\0';
			r->off = nl + 1 - r->buf;
			return start;
		}
		if (rd_fill(r) <= 0)
			return NULL;
	}
}

static int rd_skip(struct reader *r, unsigned long long n)
{
	for (;;) {
		size_t take = r->len - r->off < n ? r->len - r->off : n;

		r->off += take;
		n -= take;
		if (!n)
			return 0;
		if (rd_fill(r) <= 0)
			return -1;
	}
}

static int read_headers(struct reader *r, struct msg *m)
{
	memset(m, 0, sizeof(*m));
	m->clen = -1;
	for (int i = 0; i < MAX_HEADERS; i++) {
		char *line = rd_line(r), *val, *end;

		if (!line)
			return -1;
		if (!*line)
			return 0;
		val = strchr(line, ':');
		if (!val || val == line)
			goto bad;
		*val++ = '\0';
		val += strspn(val, " \t");
		end = val + strlen(val);
		while (end > val && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (!strcasecmp(line, "Content-Length")) {
			long long v;

			errno = 0;
			v = strtoll(val, &end, 10);
			if (!isdigit((unsigned char)*val) || *end || errno ||
			    (m->clen >= 0 && m->clen != v))
				goto bad;
			m->clen = v;
		} else if (!strcasecmp(line, "Transfer-Encoding")) {
			size_t n = strlen(val);

			m->chunked = n >= 7 && !strcasecmp(val + n - 7, "chunked");
		} else if (!strcasecmp(line, "Connection")) {
			m->close |= !!strcasestr(val, "close");
			m->keep_alive |= !!strcasestr(val, "keep-alive");
		}
	}
bad:
	errno = EPROTO;
	return -1;
}

/* Reads and drops a body framed by Content-Length or chunks. */
static int read_body(struct reader *r, const struct msg *m)
{
	char *line, *end;
	unsigned long long size;
	struct msg trailer;

	if (!m->chunked)
		return m->clen > 0 ? rd_skip(r, m->clen) : 0;
	for (;;) {
		line = rd_line(r);
		if (!line)
			return -1;
		errno = 0;
		size = strtoull(line, &end, 16);
		if (!isxdigit((unsigned char)*line) || errno ||
		    (*end && *end != ';' && *end != ' ' && *end != '\t'))
			goto bad;
		if (!size)
			break;
		if (rd_skip(r, size) || !(line = rd_line(r)))
			return -1;
		if (*line)
			goto bad;
	}
	/* The trailer section has the form of a header section. */
	return read_headers(r, &trailer);
bad:
	errno = EPROTO;
	return -1;
}

static int write_all(int fd, const char *p, size_t n, unsigned long long *count)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		if (count)
			*count += w;
		p += w;
		n -= w;
	}
	return 0;
}

static int set_timeouts(int fd)
{
	struct timeval tv = { .tv_sec = IO_TIMEOUT_S };

	return setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	       setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static const char *reason(int status)
{
	static const struct { int code; const char *text; } reasons[] = {
		{ 200, "OK" }, { 201, "Created" }, { 204, "No Content" },
		{ 304, "Not Modified" }, { 400, "Bad Request" }, { 404, "Not Found" },
		{ 500, "Internal Server Error" }, { 503, "Service Unavailable" },
	};

	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].code == status)
			return reasons[i].text;
	return "Other";
}

/* /status/NNN answers NNN (200-599), anything else 200. */
static int path_status(const char *path)
{
	const char *p = path + 8;

	if (strncmp(path, "/status/", 8) || !isdigit((unsigned char)p[0]) ||
	    !isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2]) ||
	    (p[3] && p[3] != '?') || p[0] < '2' || p[0] > '5')
		return 200;
	return (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
}

static int respond(int fd, int status, int head, int close_it)
{
	static const char body[] = "ok\n";
	size_t blen = status == 204 || status == 304 ? 0 : sizeof(body) - 1;
	char out[256];
	int n;

	n = snprintf(out, sizeof(out), "HTTP/1.1 %d %s\r\nContent-Length: %zu\r\n%s\r\n%s",
		     status, reason(status), blen, close_it ? "Connection: close\r\n" : "",
		     head || !blen ? "" : body);
	if (n < 0 || (size_t)n >= sizeof(out))
		return -1;
	return write_all(fd, out, n, NULL);
}

/* Serves one request: 1 to keep the connection, 0 to close it. */
static int serve_request(struct reader *r)
{
	char method[16], path[1024], minor, *line;
	int keep, end = 0;
	struct msg m;

	/* An end of stream between requests is the client being done. */
	do {
		if (r->off == r->len && rd_fill(r) <= 0)
			return 0;
		line = rd_line(r);
		if (!line) {
			if (errno == EMSGSIZE)	/* a line longer than the buffer */
				respond(r->fd, 400, 0, 1);
			return 0;
		}
	} while (!*line);
	if (sscanf(line, "%15s %1023s HTTP/1.%c%n", method, path, &minor, &end) != 3 ||
	    line[end]) {
		respond(r->fd, 400, 0, 1);
		return 0;
	}
	keep = minor != '0';
	if (read_headers(r, &m) || read_body(r, &m)) {
		fprintf(stderr, "httpmini: %s %s: %s\n", method, path, strerror(errno));
		if (errno == EPROTO || errno == EMSGSIZE)
			respond(r->fd, 400, 0, 1);
		return 0;
	}
	keep = keep ? !m.close : m.keep_alive && !m.close;
	if (respond(r->fd, path_status(path), !strcmp(method, "HEAD"), !keep))
		return 0;
	return keep;
}

static int serve(int port, const char *ready)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	static struct reader r;
	int one = 1, lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 16)) {
		perror("httpmini: listen");
		return 1;
	}
	if (ready) {
		FILE *f = fopen(ready, "we");

		if (!f || fprintf(f, "%d\n", getpid()) < 0 || fclose(f)) {
			perror("httpmini: ready file");
			return 1;
		}
	}
	/* One connection at a time, each served until it closes. */
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror("httpmini: accept");
			return 1;
		}
		r.fd = fd;
		r.off = r.len = 0;
		if (set_timeouts(fd))
			perror("httpmini: timeouts");
		else
			while (serve_request(&r) > 0)
				;
		if (close(fd))
			perror("httpmini: close");
	}
}

static size_t format_req(char *out, size_t size, const struct req *q, const char *host)
{
	static const char chunks[] = "5\r\nhello\r\na;ext=1\r\n, chunked\r\n1\r\n\n\r\n0\r\n\r\n";
	char frame[64] = "";
	int n;

	if (q->body)
		snprintf(frame, sizeof(frame), "Content-Length: %zu\r\n", strlen(q->body));
	else if (q->flags & F_CHUNKED)
		snprintf(frame, sizeof(frame), "Transfer-Encoding: chunked\r\n");
	n = snprintf(out, size, "%s %s HTTP/1.1\r\nHost: %s\r\n%s%s\r\n%s", q->method, q->path,
		     host, q->flags & F_CLOSE ? "Connection: close\r\n" : "", frame,
		     q->body ? q->body : q->flags & F_CHUNKED ? chunks : "");
	if (n < 0 || (size_t)n >= size)
		fail("request too long");
	return n;
}

static void read_response(struct reader *r, const struct req *q)
{
	char *line = rd_line(r);
	int mi, status;
	struct msg m;

	if (!line)
		fail("%s %s: no response: %s", q->method, q->path, strerror(errno));
	if (sscanf(line, "HTTP/1.%*c %3d", &status) != 1 || status < 100 || status > 599)
		fail("%s %s: bad status line", q->method, q->path);
	if (read_headers(r, &m))
		fail("%s %s: headers: %s", q->method, q->path, strerror(errno));
	if (!strcmp(q->method, "HEAD") || status < 200 || status == 204 || status == 304)
		m.chunked = 0, m.clen = 0;
	else if (!m.chunked && m.clen < 0)
		fail("%s %s: response without a length", q->method, q->path);
	if (read_body(r, &m))
		fail("%s %s: body: %s", q->method, q->path, strerror(errno));
	if (status != q->expect)
		fail("%s %s: got %d, expected %d", q->method, q->path, status, q->expect);
	for (mi = 0; mi < N_METHODS && strcmp(methods[mi], q->method); mi++)
		;
	if (mi == N_METHODS)
		fail("unknown method %s", q->method);
	counts[mi][status / 100]++;
}

static void run_conn(const struct conn *c, int port, const char *host)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	static struct reader r;
	char out[BUF_SIZE];
	size_t len = 0;
	ssize_t n = 0;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || set_timeouts(fd) || connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		fail("connect to port %d: %s", port, strerror(errno));
	connections++;
	r.fd = fd;
	r.off = r.len = 0;
	r.count = &bytes_received;
	for (int i = 0; i < c->n; i++) {
		len += format_req(out + len, sizeof(out) - len, &c->reqs[i], host);
		if (c->pipelined && i < c->n - 1)
			continue;
		/* Pipelined requests all go in this one write. */
		if (write_all(fd, out, len, &bytes_sent))
			fail("write: %s", strerror(errno));
		len = 0;
		for (int j = c->pipelined ? 0 : i; j <= i; j++)
			read_response(&r, &c->reqs[j]);
	}
	/* Asked to close: the server must do so, with nothing more sent. */
	if (c->reqs[c->n - 1].flags & F_CLOSE &&
	    (r.off != r.len || (n = rd_fill(&r)) != 0))
		fail("no close after Connection: close: %s",
		     r.off != r.len || n > 0 ? "more data" : strerror(errno));
	if (close(fd))
		fail("close: %s", strerror(errno));
}

static void client(int port, const char *host)
{
	static const struct req keepalive[] = {
		{ "GET", "/", 200, NULL, 0 },
		{ "GET", "/status/404", 404, NULL, 0 },
		{ "GET", "/items?id=7", 200, NULL, 0 },
		{ "GET", "/status/503", 503, NULL, 0 },
		{ "GET", "/", 200, NULL, 0 },
	};
	static const struct req pipelined[] = {
		{ "GET", "/", 200, NULL, 0 },
		{ "GET", "/status/404", 404, NULL, 0 },
		{ "HEAD", "/", 200, NULL, 0 },
		{ "GET", "/status/500", 500, NULL, 0 },
	};
	static const struct req post[] = { { "POST", "/status/201", 201, NULL, F_CHUNKED | F_CLOSE } };
	static const struct req get[] = { { "GET", "/", 200, NULL, F_CLOSE } };
	static const struct req put[] = { { "PUT", "/status/400", 400, "name=x\n", F_CLOSE } };
	static const struct req del[] = { { "DELETE", "/", 200, NULL, F_CLOSE } };
	static const struct conn script[] = {
		{ keepalive, 5, 0 }, { pipelined, 4, 1 }, { post, 1, 0 },
		{ get, 1, 0 }, { put, 1, 0 }, { del, 1, 0 },
	};

	for (size_t i = 0; i < sizeof(script) / sizeof(script[0]); i++)
		run_conn(&script[i], port, host);
	for (int m = 0; m < N_METHODS; m++)
		for (int cls = 1; cls <= 5; cls++)
			if (counts[m][cls])
				printf("requests %s %dxx %d\n", methods[m], cls, counts[m][cls]);
	printf("connections %d\n", connections);
	printf("bytes_sent %llu\n", bytes_sent);
	printf("bytes_received %llu\n", bytes_received);
	if (fflush(stdout) || ferror(stdout))
		fail("stdout: %s", strerror(errno));
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "host", required_argument, NULL, 'h' },
		{ "cgroup", required_argument, NULL, 'g' },
		{ "ready", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	/* The Host a client sends by default: where it connects, as curl names it. */
	const char *host = NULL, *ready = NULL;
	char default_host[32];
	long port = 0;
	char *end;
	int c;

	if (argc < 2 || signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		goto usage;
	while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			port = strtol(optarg, &end, 10);
			if (*end || port <= 0 || port > 65535)
				goto usage;
			break;
		case 'h':
			host = optarg;
			if (!*host || strlen(host) > 255 || strpbrk(host, "\r\n"))
				goto usage;
			break;
		case 'g':
			if (join_cgroup(optarg))
				fail("cannot join cgroup %s: %s", optarg, strerror(errno));
			break;
		case 'r':
			ready = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (port && optind == argc - 1 && !strcmp(argv[1], "serve"))
		return serve((int)port, ready);
	if (port && optind == argc - 1 && !strcmp(argv[1], "client") && !ready) {
		if (!host) {
			snprintf(default_host, sizeof(default_host), "127.0.0.1:%ld", port);
			host = default_host;
		}
		client((int)port, host);
		return 0;
	}
usage:
	fprintf(stderr, "usage: httpmini serve --port P [--cgroup DIR] [--ready FILE]\n"
		"       httpmini client --port P [--host NAME (default 127.0.0.1:P)] [--cgroup DIR]\n");
	return 2;
}
