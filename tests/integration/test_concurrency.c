/*
 * test_concurrency.c: many requests and many connections at once: 100
 * requests on one keep-alive connection, pipelining, 200 concurrent
 * transfers driven with poll(), a file truncated under its transfer, and
 * clients that stop reading while others are served.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define MIB (1024 * 1024)

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* File i of a set: distinct size and content. */
static uint64_t
set_size(int i)
{
	return (uint64_t)i * 1009 + (i % 3 == 0 ? 0 : 1);
}

static void
make_set(const struct rp_daemon *d, int n)
{
	char name[64];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "set/f%03d.bin", i);
		rp_make_file(d, name, set_size(i), 1000 + (uint64_t)i);
	}
}

static void
expect_set_file(const struct rp_response *r, int i, const char *what)
{
	ssize_t bad;

	cr_assert_eq(r->status, 200, "%s: file %d:\n%s", what, i, rp_describe(r));
	cr_assert(r->has_length && r->content_length == set_size(i) &&
	    r->body_len == set_size(i), "%s: file %d length:\n%s", what, i, rp_describe(r));
	bad = rp_pattern_mismatch(1000 + (uint64_t)i, 0, r->body, r->body_len);
	cr_assert(bad < 0, "%s: file %d wrong at offset %zd", what, i, bad);
}

Test(concurrency, keep_alive_100_requests)
{
	struct rp_daemon d;
	struct rp_response r;
	struct rp_conn *c;
	int i, res, f;

	rp_setup(&d);
	make_set(&d, 17);
	rp_start(&d);
	c = rp_connect(&d);
	for (i = 0; i < 100; i++) {
		f = (i * 7) % 17;
		if (i % 10 == 9) {
			/* A HEAD now and then must not desynchronise the stream. */
			rp_sendf(c, "HEAD /set/f%03d.bin HTTP/1.1\r\nHost: t\r\n\r\n", f);
			res = rp_read_response(c, &r, true);
			cr_assert(res == RP_OK, "request %d: %s", i, rp_result_str(res));
			cr_assert(r.status == 200 && r.content_length == set_size(f),
			    "HEAD %d:\n%s", i, rp_describe(&r));
		} else {
			rp_sendf(c, "GET /set/f%03d.bin HTTP/1.1\r\nHost: t\r\n\r\n", f);
			res = rp_read_response(c, &r, false);
			cr_assert(res == RP_OK, "request %d: %s\n%s", i, rp_result_str(res),
			    rp_describe(&r));
			expect_set_file(&r, f, "keep-alive");
		}
		rp_response_free(&r);
	}
	rp_close(c);
	rp_stop(&d);
}

Test(concurrency, pipelined_in_one_write)
{
	struct rp_daemon d;
	struct rp_response r;
	struct rp_conn *c;
	char *raw = NULL;
	size_t rawlen = 0;
	FILE *f;
	int i, res;

	rp_setup(&d);
	make_set(&d, 10);
	rp_make_file(&d, "big.bin", 3 * MIB + 5, 77);
	rp_start(&d);

	f = open_memstream(&raw, &rawlen);
	cr_assert_not_null(f);
	for (i = 0; i < 10; i++) {
		if (i == 4)
			fprintf(f, "HEAD /set/f%03d.bin HTTP/1.1\r\nHost: t\r\n\r\n", i);
		else if (i == 6)
			fprintf(f, "GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n");
		else if (i == 7)
			fprintf(f, "GET /set/f%03d.bin HTTP/1.1\r\nHost: t\r\n"
			    "Range: bytes=100-199\r\n\r\n", i);
		else if (i == 8)
			fprintf(f, "GET /missing HTTP/1.1\r\nHost: t\r\n\r\n");
		else
			fprintf(f, "GET /set/f%03d.bin HTTP/1.1\r\nHost: t\r\n%s\r\n", i,
			    i == 9 ? "Connection: close\r\n" : "");
	}
	fclose(f);

	c = rp_connect(&d);
	rp_send(c, raw, rawlen);
	free(raw);
	for (i = 0; i < 10; i++) {
		res = rp_read_response(c, &r, i == 4);
		cr_assert(res == RP_OK, "pipelined response %d: %s\n%s", i, rp_result_str(res),
		    rp_describe(&r));
		if (i == 4) {
			cr_assert(r.status == 200 && r.content_length == set_size(4),
			    "pipelined HEAD:\n%s", rp_describe(&r));
		} else if (i == 6) {
			cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
			cr_assert(r.body_len == 3 * MIB + 5 &&
			    rp_pattern_mismatch(77, 0, r.body, r.body_len) < 0,
			    "pipelined big body wrong");
		} else if (i == 7) {
			cr_assert_eq(r.status, 206, "%s", rp_describe(&r));
			cr_assert(r.body_len == 100 &&
			    rp_pattern_mismatch(1007, 100, r.body, r.body_len) < 0,
			    "pipelined range body wrong");
		} else if (i == 8) {
			cr_assert_eq(r.status, 404, "%s", rp_describe(&r));
		} else {
			expect_set_file(&r, i, "pipelined");
		}
		rp_response_free(&r);
	}
	cr_assert_eq(rp_wait_close(c, rp_io_timeout()), RP_CLOSED,
	    "not closed after the last pipelined request asked for it");
	rp_close(c);
	rp_stop(&d);
}

/* One client of the concurrent test, read without blocking. */
struct client {
	int fd;
	int file;
	char *buf;
	size_t len, cap, head_len;
	uint64_t content_length;
	bool done;
};

/* Parse the head once it is complete; false while incomplete. */
static bool
client_head(struct client *cl)
{
	char *end, *p;
	int status;

	if (cl->head_len > 0)
		return true;
	cl->buf[cl->len] = '\0';
	end = memmem(cl->buf, cl->len, "\r\n\r\n", 4);
	if (end == NULL)
		return false;
	cl->head_len = (size_t)(end + 4 - cl->buf);
	cr_assert(sscanf(cl->buf, "HTTP/1.1 %d", &status) == 1 && status == 200,
	    "client %d: %.*s", cl->file, (int)cl->head_len, cl->buf);
	p = strcasestr(cl->buf, "\r\nContent-Length:");
	cr_assert(p != NULL && p < end, "client %d: no Content-Length", cl->file);
	cl->content_length = strtoull(p + 17, NULL, 10);
	cr_assert_eq(cl->content_length, set_size(cl->file), "client %d", cl->file);
	return true;
}

RP_ENGINE_TEST(concurrency, two_hundred_connections, .timeout = 600)
{
	enum { N = 200 };
	struct rp_daemon d;
	struct client *cl;
	struct pollfd *pfd;
	struct rp_conn *c;
	int i, n, remaining = N;
	double deadline;
	ssize_t got;

	rp_setup(&d);
	make_set(&d, N);
	rp_start(&d);

	cl = calloc(N, sizeof(*cl));
	pfd = calloc(N, sizeof(*pfd));
	cr_assert(cl != NULL && pfd != NULL);
	for (i = 0; i < N; i++) {
		/* Open them all before any is read. */
		c = rp_connect(&d);
		cl[i].fd = c->fd;
		c->fd = -1;
		rp_close(c);
		cl[i].file = (i * 37) % N;
		cl[i].cap = set_size(cl[i].file) + 4096;
		cl[i].buf = malloc(cl[i].cap + 1);
		cr_assert_not_null(cl[i].buf);
	}
	for (i = 0; i < N; i++) {
		char req[128];
		int len = snprintf(req, sizeof(req),
		    "GET /set/f%03d.bin HTTP/1.1\r\nHost: t\r\n\r\n", cl[i].file);

		cr_assert(send(cl[i].fd, req, (size_t)len, MSG_NOSIGNAL) == len);
		fcntl(cl[i].fd, F_SETFL, O_NONBLOCK);
	}

	deadline = now_s() + 10.0 * rp_io_timeout();
	while (remaining > 0) {
		for (i = n = 0; i < N; i++) {
			pfd[i].fd = cl[i].done ? -1 : cl[i].fd;
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		cr_assert(now_s() < deadline, "%d of %d transfers unfinished at the deadline",
		    remaining, N);
		n = poll(pfd, N, 1000);
		cr_assert(n >= 0, "poll: %s", strerror(errno));
		for (i = 0; i < N && n > 0; i++) {
			if (pfd[i].revents == 0)
				continue;
			n--;
			if (cl[i].cap - cl[i].len < 4096) {
				cl[i].cap *= 2;
				cl[i].buf = realloc(cl[i].buf, cl[i].cap + 1);
				cr_assert_not_null(cl[i].buf);
			}
			got = recv(cl[i].fd, cl[i].buf + cl[i].len, cl[i].cap - cl[i].len, 0);
			if (got < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			cr_assert(got > 0, "client %d (file %d): %s after %zu bytes", i,
			    cl[i].file, got == 0 ? "closed" : strerror(errno), cl[i].len);
			cl[i].len += (size_t)got;
			if (!client_head(&cl[i]))
				continue;
			cr_assert(cl[i].len - cl[i].head_len <= cl[i].content_length,
			    "client %d: more bytes than Content-Length", i);
			if (cl[i].len - cl[i].head_len == cl[i].content_length) {
				ssize_t bad = rp_pattern_mismatch(1000 + (uint64_t)cl[i].file, 0,
				    cl[i].buf + cl[i].head_len, cl[i].content_length);

				cr_assert(bad < 0, "client %d: file %d wrong at offset %zd", i,
				    cl[i].file, bad);
				cl[i].done = true;
				remaining--;
			}
		}
	}
	for (i = 0; i < N; i++) {
		close(cl[i].fd);
		free(cl[i].buf);
	}
	free(cl);
	free(pfd);
	rp_assert_serving(&d);
	rp_stop(&d);
}

/*
 * A file that shrinks under its transfer: the client must see fewer bytes
 * than Content-Length and the connection closed, and every byte it got
 * must be the original byte at its offset.
 */
RP_ENGINE_TEST(concurrency, file_truncated_during_transfer, .timeout = 600)
{
	enum { SIZE = 64 * MIB, SEED = 31 };
	struct rp_daemon d;
	struct rp_response r;
	struct rp_conn *c;
	char path[PATH_MAX];
	unsigned char *buf;
	uint64_t total = 0;
	ssize_t n, bad;
	double deadline;
	int fd, res;

	rp_setup(&d);
	rp_make_file(&d, "shrink.bin", SIZE, SEED);
	rp_path(&d, "shrink.bin", path);
	rp_start(&d);

	/* A small receive buffer keeps the daemon from running far ahead. */
	c = rp_connect_rcvbuf(&d, 64 * 1024);
	rp_sends(c, "GET /shrink.bin HTTP/1.1\r\nHost: t\r\n\r\n");
	res = rp_read_head(c, &r);
	cr_assert(res == RP_OK, "%s", rp_result_str(res));
	cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
	cr_assert_eq(r.content_length, SIZE, "%s", rp_describe(&r));

	buf = malloc(MIB);
	cr_assert_not_null(buf);
	while (total < 256 * 1024) {
		n = rp_read_some(c, buf, 4096);
		cr_assert(n > 0, "early end of the body: %s",
		    n == 0 ? "closed" : rp_result_str((int)n));
		bad = rp_pattern_mismatch(SEED, total, buf, (size_t)n);
		cr_assert(bad < 0, "wrong byte at %" PRIu64, total + (uint64_t)bad);
		total += (uint64_t)n;
	}

	fd = open(path, O_WRONLY);
	cr_assert(fd >= 0);
	cr_assert(ftruncate(fd, SIZE / 2) == 0, "ftruncate: %s", strerror(errno));
	close(fd);

	deadline = now_s() + 10.0 * rp_io_timeout();
	for (;;) {
		n = rp_read_some(c, buf, MIB);
		if (n == 0)
			break;
		cr_assert(n > 0, "after truncation, at byte %" PRIu64 ": %s (the daemon should "
		    "close the connection)", total, rp_result_str((int)n));
		bad = rp_pattern_mismatch(SEED, total, buf, (size_t)n);
		cr_assert(bad < 0, "wrong byte at offset %" PRIu64 " after truncation",
		    total + (uint64_t)bad);
		total += (uint64_t)n;
		cr_assert(now_s() < deadline, "body still flowing at the deadline");
	}
	cr_log_info("truncated transfer: %" PRIu64 " of %d bytes before the close", total, SIZE);
	cr_assert(total < SIZE, "got all %" PRIu64 " bytes of a file truncated to %d", total,
	    SIZE / 2);
	free(buf);
	rp_response_free(&r);
	rp_close(c);
	rp_assert_serving(&d);
	rp_stop(&d);
}

/* Clients that stop reading a large body do not hold up anyone else. */
static void
stuck_clients(int nstuck)
{
	struct rp_daemon d;
	struct rp_response r;
	struct rp_conn **stuck;
	char path[PATH_MAX];
	int i, round;

	rp_setup(&d);
	rp_make_file(&d, "huge.bin", 64 * MIB, 9);
	rp_make_file(&d, "one.bin", MIB, 10);
	make_set(&d, 20);
	rp_start(&d);

	stuck = calloc((size_t)nstuck, sizeof(*stuck));
	cr_assert_not_null(stuck);
	for (i = 0; i < nstuck; i++) {
		stuck[i] = rp_connect_rcvbuf(&d, 64 * 1024);
		rp_sends(stuck[i], "GET /huge.bin HTTP/1.1\r\nHost: t\r\n\r\n");
	}
	/* The stuck ones have their transfers well under way; make sure of it
	 * by seeing their heads. */
	for (i = 0; i < nstuck; i++) {
		int res = rp_read_head(stuck[i], &r);

		cr_assert(res == RP_OK, "stuck client %d: %s", i, rp_result_str(res));
		cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
		rp_response_free(&r);
	}

	rp_path(&d, "one.bin", path);
	for (round = 0; round < 3; round++) {
		rp_get(&d, "/one.bin", &r);
		cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
		cr_assert(r.body_len == MIB && rp_file_mismatch(path, 0, r.body, r.body_len) < 0,
		    "one.bin wrong while clients are stuck");
		rp_response_free(&r);
		for (i = 0; i < 20; i += 3) {
			char target[64];

			snprintf(target, sizeof(target), "/set/f%03d.bin", i);
			rp_get(&d, target, &r);
			expect_set_file(&r, i, "beside stuck clients");
			rp_response_free(&r);
		}
	}
	for (i = 0; i < nstuck; i++)
		rp_close(stuck[i]);
	free(stuck);
	rp_assert_serving(&d);
	rp_stop(&d);
}

RP_ENGINE_TEST(concurrency, stuck_reader_does_not_block_others, .timeout = 300)
{
	stuck_clients(1);
}

Test(concurrency, many_stuck_readers, .timeout = 300)
{
	stuck_clients(40);
}
