/*
 * test_limits.c: connection limits, rate limits and deadlines against the
 * real daemon.
 *
 * No assertion depends on how fast this machine is: rate checks only use
 * bounds a correct limiter always meets (a transfer cannot finish before
 * its bytes were allowed), and deadline checks allow many seconds of
 * slack before calling a connection "left open".
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "harness.h"

#define GET_F "GET /f.txt HTTP/1.1\r\nHost: t\r\n\r\n"

static void
start_with(struct rp_daemon *d, const char *limits, const char *daemon_keys)
{
	char conf[4 * PATH_MAX];
	int n = snprintf(conf, sizeof(conf),
	    "[daemon]\n"
	    "error_log = -\n"
	    "access_log = %s\n"
	    "log_level = debug\n"
	    "allow_root = yes\n"
	    "%s"
	    "\n"
	    "[limits]\n"
	    "%s"
	    "\n"
	    "[listener test]\n"
	    "address = 127.0.0.1:0\n"
	    "root = %s\n"
	    "engine = %s\n",
	    d->access_log, daemon_keys, limits, d->root, rp_engine);

	cr_assert(n > 0 && (size_t)n < sizeof(conf));
	rp_start_conf(d, conf);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The server answered c with 503, Retry-After and Connection: close,
 * then closed it. */
static void
assert_refused(struct rp_conn *c, const char *what)
{
	struct rp_response r;
	int res = rp_read_response(c, &r, false);

	cr_assert_eq(res, RP_OK, "%s: %s", what, rp_result_str(res));
	cr_assert_eq(r.status, 503, "%s:\n%s", what, rp_describe(&r));
	cr_assert(rp_hdr(&r, "Retry-After") != NULL, "%s:\n%s", what, rp_describe(&r));
	cr_assert(rp_hdr(&r, "Connection") != NULL &&
	    strcmp(rp_hdr(&r, "Connection"), "close") == 0, "%s:\n%s", what, rp_describe(&r));
	rp_response_free(&r);
	res = rp_wait_close(c, rp_io_timeout());
	cr_assert(res == RP_CLOSED, "%s: not closed after the 503: %s", what, rp_result_str(res));
}

/* The daemon's output names the refused address and the limit. */
static void
assert_warned(const struct rp_daemon *d, const char *limit)
{
	char *out = NULL, want[128];

	snprintf(want, sizeof(want), "refusing connections from 127.0.0.1 with 503: %s", limit);
	/* the warning is written before the answer, but give the log a
	 * moment to reach the file */
	for (int tries = 0; tries < 100; tries++) {
		free(out);
		out = rp_daemon_output(d);
		if (strstr(out, want) != NULL)
			break;
		usleep(50000);
	}
	cr_assert(strstr(out, want) != NULL, "no warning \"%s\" in:\n%s", want, out);
	free(out);
}

Test(limits, max_connections_refuses_the_next_and_recovers)
{
	struct rp_daemon d;
	struct rp_conn *held[2], *extra;
	struct rp_response r;

	rp_setup(&d);
	rp_write_file(&d, "f.txt", "hello\n", 6);
	start_with(&d, "max_connections = 2\n", "");
	held[0] = rp_connect(&d);
	held[1] = rp_connect(&d);
	/* make sure both are accepted before the third arrives, and busy
	 * with a request begun: idle ones would be closed to make room
	 * (test_atlimit.c) */
	for (int i = 0; i < 2; i++) {
		/* the next request's start in the same write: it is there
		 * when the response ends, so the connection never waits idle */
		rp_sends(held[i], "GET /f.txt HTTP/1.1\r\nHost: t\r\n\r\nGET /f.txt HTTP/1.1\r\n");
		cr_assert_eq(rp_read_response(held[i], &r, false), RP_OK);
		cr_assert_eq(r.status, 200);
		rp_response_free(&r);
	}
	extra = rp_connect(&d);
	rp_send_try(extra, GET_F, strlen(GET_F));
	assert_refused(extra, "a third connection");
	assert_warned(&d, "max_connections (2)");
	rp_close(extra);

	rp_close(held[0]);
	/* the slot frees when the daemon sees the close: retry a while */
	bool served = false;

	for (int tries = 0; tries < 100 && !served; tries++) {
		struct rp_conn *c = rp_connect(&d);

		if (rp_send_try(c, GET_F, strlen(GET_F)) &&
		    rp_read_response(c, &r, false) == RP_OK) {
			served = r.status == 200;
			rp_response_free(&r);
		}
		rp_close(c);
		if (!served)
			usleep(50000);
	}
	cr_assert(served, "a freed slot must be usable again");
	rp_close(held[1]);
	rp_stop(&d);
}

Test(limits, max_connections_per_ip)
{
	struct rp_daemon d;
	struct rp_conn *held[3], *extra;
	struct rp_response r;

	rp_setup(&d);
	rp_write_file(&d, "f.txt", "hello\n", 6);
	start_with(&d, "max_connections = 100\nmax_connections_per_ip = 3\n", "");
	for (int i = 0; i < 3; i++) {
		held[i] = rp_connect(&d);
		rp_sends(held[i], "GET /f.txt HTTP/1.1\r\nHost: t\r\n\r\n");
		cr_assert_eq(rp_read_response(held[i], &r, false), RP_OK);
		cr_assert_eq(r.status, 200);
		rp_response_free(&r);
	}
	extra = rp_connect(&d);
	rp_send_try(extra, GET_F, strlen(GET_F));
	assert_refused(extra, "a fourth connection from one address");
	assert_warned(&d, "max_connections_per_ip (3)");
	rp_close(extra);
	for (int i = 0; i < 3; i++)
		rp_close(held[i]);
	rp_assert_serving(&d);
	rp_stop(&d);
}

/* Read a whole response body, checking it against the pattern. */
static void
read_checked(struct rp_conn *c, uint64_t seed, uint64_t size)
{
	struct rp_response r;
	static unsigned char buf[1 << 16];
	uint64_t got = 0;

	cr_assert_eq(rp_read_head(c, &r), RP_OK);
	cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
	cr_assert_eq(r.content_length, size);
	rp_response_free(&r);
	while (got < size) {
		ssize_t n = rp_read_some(c, buf, sizeof(buf));

		cr_assert(n > 0, "body ended at %lu of %lu: %s", (unsigned long)got,
		    (unsigned long)size, rp_result_str((int)n));
		cr_assert_eq(rp_pattern_mismatch(seed, got, buf, (size_t)n), -1);
		got += (uint64_t)n;
	}
}

/* The limiter's burst: 200 ms of the rate (rate.h). */
#define BURST_S 0.2

RP_ENGINE_TEST(limits, rate_per_connection_is_never_exceeded, .timeout = 120)
{
	struct rp_daemon d;
	const uint64_t rate = 512 * 1024, size = 1536 * 1024;
	struct rp_conn *c;
	double t0, elapsed;

	rp_setup(&d);
	rp_make_file(&d, "big.bin", size, 11);
	start_with(&d, "rate_per_connection = 512K\n", "");
	c = rp_connect(&d);
	t0 = now_s();
	rp_sends(c, "GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n");
	read_checked(c, 11, size);
	elapsed = now_s() - t0;
	/* the body cannot arrive faster than the bucket allows */
	cr_assert(elapsed >= (double)size / (double)rate - BURST_S - 0.15,
	    "%lu bytes at %lu B/s took only %.2f s", (unsigned long)size,
	    (unsigned long)rate, elapsed);
	rp_close(c);
	rp_stop(&d);
}

RP_ENGINE_TEST(limits, rate_total_holds_over_many_transfers, .timeout = 120)
{
	enum { CLIENTS = 50 };
	const uint64_t rate = 2 * 1024 * 1024, size = 96 * 1024;
	struct rp_daemon d;
	struct rp_conn *c[CLIENTS];
	double t0, elapsed;

	rp_setup(&d);
	for (int i = 0; i < CLIENTS; i++) {
		char name[32];

		snprintf(name, sizeof(name), "f%02d.bin", i);
		rp_make_file(&d, name, size, 100 + (uint64_t)i);
	}
	start_with(&d, "rate_total = 2M\n", "");
	t0 = now_s();
	for (int i = 0; i < CLIENTS; i++) {
		c[i] = rp_connect(&d);
		rp_sendf(c[i], "GET /f%02d.bin HTTP/1.1\r\nHost: t\r\n\r\n", i);
	}
	for (int i = 0; i < CLIENTS; i++)
		read_checked(c[i], 100 + (uint64_t)i, size);
	elapsed = now_s() - t0;
	cr_assert(elapsed >= (double)(CLIENTS * size) / (double)rate - BURST_S - 0.15,
	    "%d x %lu bytes at a total of %lu B/s took only %.2f s", CLIENTS,
	    (unsigned long)size, (unsigned long)rate, elapsed);
	for (int i = 0; i < CLIENTS; i++)
		rp_close(c[i]);
	rp_stop(&d);
}

Test(limits, header_deadline_is_not_extended_by_trickling, .timeout = 60)
{
	struct rp_daemon d;
	struct rp_conn *c;
	const char *req = "GET /f.txt HTTP/1.1\r\nHost: t\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
	size_t sent = 0, len = strlen(req);
	bool closed = false;

	rp_setup(&d);
	rp_write_file(&d, "f.txt", "hello\n", 6);
	start_with(&d, "header_timeout = 1s\n", "");
	c = rp_connect(&d);
	/* one byte every 250 ms: the whole header would take ~20 s, the
	 * deadline is 1 s from the first byte */
	while (sent < len) {
		if (!rp_send_try(c, req + sent, 1)) {
			closed = true;
			break;
		}
		sent++;
		struct pollfd p = { .fd = c->fd, .events = POLLIN };

		if (poll(&p, 1, 250) > 0) {
			char b[256];
			ssize_t n = read(c->fd, b, sizeof(b));

			if (n <= 0) {
				closed = true;
				break;
			}
		}
	}
	cr_assert(closed, "a trickling client kept its connection for the whole header");
	cr_assert(sent < len, "closed only after the header was complete");
	rp_close(c);
	rp_assert_serving(&d);
	rp_stop(&d);
}

Test(limits, idle_keep_alive_connection_is_closed, .timeout = 60)
{
	struct rp_daemon d;
	struct rp_conn *c;
	struct rp_response r;

	rp_setup(&d);
	rp_write_file(&d, "f.txt", "hello\n", 6);
	start_with(&d, "idle_timeout = 1s\n", "");
	c = rp_connect(&d);
	rp_sends(c, "GET /f.txt HTTP/1.1\r\nHost: t\r\n\r\n");
	cr_assert_eq(rp_read_response(c, &r, false), RP_OK);
	cr_assert_eq(r.status, 200);
	rp_response_free(&r);
	cr_assert_eq(rp_wait_close(c, 15), RP_CLOSED, "an idle connection stayed open");
	rp_close(c);
	rp_stop(&d);
}

RP_ENGINE_TEST(limits, send_deadline_closes_a_client_that_stopped_reading, .timeout = 60)
{
	struct rp_daemon d;
	struct rp_conn *c;
	struct rp_response r;
	static unsigned char buf[1 << 16];
	uint64_t got = 0;
	ssize_t n;

	rp_setup(&d);
	rp_make_file(&d, "big.bin", 64 << 20, 5);
	start_with(&d, "send_timeout = 1s\n", "");
	c = rp_connect_rcvbuf(&d, 4096);
	rp_sends(c, "GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n");
	sleep(4);
	cr_assert_eq(rp_read_head(c, &r), RP_OK);
	cr_assert_eq(r.content_length, 64u << 20);
	rp_response_free(&r);
	while ((n = rp_read_some(c, buf, sizeof(buf))) > 0) {
		cr_assert_eq(rp_pattern_mismatch(5, got, buf, (size_t)n), -1);
		got += (uint64_t)n;
	}
	cr_assert(got < (64u << 20), "the whole body arrived: the send deadline did nothing");
	cr_assert(n == 0 || n == RP_EOF || n == RP_ERROR || n == RP_CLOSED,
	    "the connection must end, not stall: %s", rp_result_str((int)n));
	rp_close(c);
	rp_assert_serving(&d);
	rp_stop(&d);
}
