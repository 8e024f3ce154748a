// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Many small HTTP/1.1 requests over loopback, as fast as one thread can
 * make and answer them: the producer of the event pipeline benchmark.
 * Every request is a real one on a real TCP connection, so pantau sees it
 * through its ordinary path (cgroup_skb ingress and egress →
 * framer → ring buffer), once on the server and once on the client side.
 *
 *   reqload server PORT
 *       answers every request head with a fixed 200 (Content-Length: 0);
 *       prints "ready" once listening; runs until killed.
 *   reqload client PORT CONNS PIPELINE SECONDS
 *       CONNS keep-alive connections, each with PIPELINE requests in flight
 *       (written in one call, answered in one call); stops after SECONDS
 *       and prints one JSON line: {"requests": N, "seconds": S}.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 1024
#define MAX_PIPELINE 64
#define BUF_BYTES 65536

static const char request[] = "GET /bench/event HTTP/1.1\r\nHost: bench\r\n\r\n";
static const char response[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
#define REQ_LEN (sizeof(request) - 1)
#define RESP_LEN (sizeof(response) - 1)

/* Bytes of a fixed-size message stream read so far on one connection. */
struct conn {
	int fd;
	size_t partial;		/* bytes of the current message already read */
	long in_flight;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static long parse_long(const char *s, const char *what, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max) {
		fprintf(stderr, "reqload: %s is '%s'; it must be %ld to %ld\n", what, s, min, max);
		exit(2);
	}
	return v;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Whole messages of msg_len in n bytes just read; the rest stays partial. */
static long whole_messages(struct conn *c, size_t n, size_t msg_len)
{
	size_t total = c->partial + n;

	c->partial = total % msg_len;
	return (long)(total / msg_len);
}

static int server(int port)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(port),
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct epoll_event ev, events[64];
	static struct conn conns[MAX_CONNS];
	static char buf[BUF_BYTES], out[MAX_PIPELINE * 16 * RESP_LEN];
	int one = 1, lfd, ep;

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) || listen(lfd, 1024)) {
		perror("reqload: listen");
		return 1;
	}
	ep = epoll_create1(0);
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	for (size_t i = 0; i < sizeof(out) / RESP_LEN; i++)
		memcpy(out + i * RESP_LEN, response, RESP_LEN);
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		int n = epoll_wait(ep, events, 64, -1);

		for (int i = 0; i < n; i++) {
			struct conn *c = events[i].data.ptr;
			ssize_t got;
			long reqs;

			if (!c) {
				int fd = accept(lfd, NULL, NULL);
				int slot;

				if (fd < 0)
					continue;
				for (slot = 0; slot < MAX_CONNS && conns[slot].fd; slot++)
					;
				if (slot == MAX_CONNS) {
					close(fd);
					continue;
				}
				setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
				conns[slot] = (struct conn){ .fd = fd };
				ev.events = EPOLLIN;
				ev.data.ptr = &conns[slot];
				epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
				continue;
			}
			got = read(c->fd, buf, sizeof(buf));
			if (got <= 0) {
				close(c->fd);
				c->fd = 0;
				continue;
			}
			reqs = whole_messages(c, (size_t)got, REQ_LEN);
			while (reqs > 0) {
				long k = reqs < (long)(sizeof(out) / RESP_LEN) ? reqs : (long)(sizeof(out) / RESP_LEN);

				if (write_all(c->fd, out, (size_t)k * RESP_LEN))
					break;
				reqs -= k;
			}
		}
	}
}

static int client(int port, int n_conns, int pipeline, double seconds)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(port),
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	static struct conn conns[MAX_CONNS];
	static char buf[BUF_BYTES], batch[MAX_PIPELINE * REQ_LEN];
	struct epoll_event ev, events[64];
	long done = 0;
	double start, end;
	int one = 1, ep = epoll_create1(0), open_conns = n_conns;

	for (int i = 0; i < pipeline; i++)
		memcpy(batch + i * REQ_LEN, request, REQ_LEN);
	for (int i = 0; i < n_conns; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
			perror("reqload: connect");
			return 1;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		conns[i] = (struct conn){ .fd = fd };
		ev.events = EPOLLIN;
		ev.data.ptr = &conns[i];
		epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	}
	start = now_s();
	end = start + seconds;
	for (int i = 0; i < n_conns; i++) {
		if (write_all(conns[i].fd, batch, (size_t)pipeline * REQ_LEN))
			return 1;
		conns[i].in_flight = pipeline;
	}
	while (open_conns > 0) {
		int n = epoll_wait(ep, events, 64, 1000);
		double t = now_s();

		for (int i = 0; i < n; i++) {
			struct conn *c = events[i].data.ptr;
			ssize_t got = read(c->fd, buf, sizeof(buf));
			long answers;

			if (got <= 0) {
				fprintf(stderr, "reqload: the server closed a connection\n");
				return 1;
			}
			answers = whole_messages(c, (size_t)got, RESP_LEN);
			c->in_flight -= answers;
			done += answers;
			if (c->in_flight > 0)
				continue;
			if (t >= end) {
				/* All answered: this connection is done. */
				epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
				close(c->fd);
				open_conns--;
				continue;
			}
			if (write_all(c->fd, batch, (size_t)pipeline * REQ_LEN))
				return 1;
			c->in_flight = pipeline;
		}
		if (n == 0 && t > end + 10) {
			fprintf(stderr, "reqload: answers stopped coming\n");
			return 1;
		}
	}
	printf("{\"requests\": %ld, \"seconds\": %.6f}\n", done, now_s() - start);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "server") == 0)
		return server((int)parse_long(argv[2], "PORT", 1, 65535));
	if (argc == 6 && strcmp(argv[1], "client") == 0)
		return client((int)parse_long(argv[2], "PORT", 1, 65535),
			      (int)parse_long(argv[3], "CONNS", 1, MAX_CONNS),
			      (int)parse_long(argv[4], "PIPELINE", 1, MAX_PIPELINE),
			      (double)parse_long(argv[5], "SECONDS", 1, 3600));
	fprintf(stderr, "usage: reqload server PORT | reqload client PORT CONNS PIPELINE SECONDS\n");
	return 2;
}
