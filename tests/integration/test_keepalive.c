/*
 * test_keepalive.c: a keep-alive connection after a small response.
 *
 * A small response answered from memory goes out with a SEND that posts
 * no completion when it sends all, the next request's receive linked
 * behind it (send.c).  What must hold: bytes that arrive while that
 * response goes out, or in pieces after it, are all answered in order;
 * a client that half-closes still gets its response whole; and the
 * request costs one completion, not two.
 */
#include <criterion/criterion.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "harness.h"

static const char *const bodies[] = {
	"the first small body\n",
	"a second, somewhat longer small body\n",
	"third\n",
};

static void
start_with(struct rp_daemon *d, bool access_log, const char *daemon_keys)
{
	char conf[4 * PATH_MAX], name[16];
	int n;

	rp_setup(d);
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		snprintf(name, sizeof(name), "%zu.txt", i);
		rp_write_file(d, name, bodies[i], strlen(bodies[i]));
	}
	n = snprintf(conf, sizeof(conf),
	    "[daemon]\nerror_log = -\naccess_log = %s\nallow_root = yes\n"
	    "open_file_cache = 16\nopen_file_cache_valid = 1h\n%s\n"
	    "[limits]\nheader_timeout = 10m\nidle_timeout = 10m\n\n"
	    "[status]\npath = /metrics\n\n"
	    "[listener test]\naddress = 127.0.0.1:0\nroot = %s\n",
	    access_log ? d->access_log : "off", daemon_keys, d->root);
	cr_assert(n > 0 && (size_t)n < sizeof(conf));
	rp_start_conf(d, conf);
}

static void
start(struct rp_daemon *d, bool access_log)
{
	start_with(d, access_log, "");
}

static void
expect(struct rp_conn *c, size_t which, const char *what)
{
	struct rp_response r;
	int res = rp_read_response(c, &r, false);

	cr_assert_eq(res, RP_OK, "%s: %s", what, rp_result_str(res));
	cr_assert_eq(r.status, 200, "%s: %s", what, rp_describe(&r));
	cr_assert(r.body_len == strlen(bodies[which]) &&
	    memcmp(r.body, bodies[which], r.body_len) == 0,
	    "%s: the body of %zu.txt expected, got %.*s", what, which,
	    (int)r.body_len, (const char *)r.body);
	rp_response_free(&r);
}

static void
in_order_body(bool access_log)
{
	struct rp_daemon d;
	struct rp_conn *c;

	start(&d, access_log);
	c = rp_connect(&d);
	/* the first request reads the file, the second is answered from
	 * the bytes the cache keeps */
	rp_sends(c, "GET /0.txt HTTP/1.1\r\nHost: t\r\n\r\n");
	expect(c, 0, "first");
	rp_sends(c, "GET /0.txt HTTP/1.1\r\nHost: t\r\n\r\n");
	expect(c, 0, "from memory");
	/* three requests at once, behind a response from memory */
	rp_sends(c, "GET /1.txt HTTP/1.1\r\nHost: t\r\n\r\n"
	    "GET /2.txt HTTP/1.1\r\nHost: t\r\n\r\n"
	    "GET /0.txt HTTP/1.1\r\nHost: t\r\n\r\n");
	expect(c, 1, "pipelined 1");
	expect(c, 2, "pipelined 2");
	expect(c, 0, "pipelined 3");
	/* a request in two pieces: the first lands in the linked receive */
	rp_sends(c, "GET /1.txt HTTP/1.1\r\nHo");
	usleep(50000);
	rp_sends(c, "st: t\r\n\r\n");
	expect(c, 1, "in two pieces");
	/* a client that half-closes after its request gets it whole, then
	 * the end of the connection */
	rp_sends(c, "GET /2.txt HTTP/1.1\r\nHost: t\r\n\r\n");
	cr_assert_eq(shutdown(c->fd, SHUT_WR), 0);
	expect(c, 2, "after a half-close");
	cr_assert_eq(rp_wait_close(c, rp_io_timeout()), RP_CLOSED);
	rp_close(c);
	rp_stop(&d);
}

Test(keepalive, requests_behind_a_small_response_answered_in_order, .timeout = 60)
{
	in_order_body(false);
}

/* With the access log on, the request buffer stays until the line is
 * written: the same exchange. */
Test(keepalive, requests_behind_a_small_response_with_access_log, .timeout = 60)
{
	in_order_body(true);
}

/* Requests answered from memory, one at a time on one connection: each
 * costs one completion (the receive of the next request), not two.  The
 * tick and the /metrics requests add theirs; the tick's are counted from
 * the time the requests took. */
Test(keepalive, one_completion_per_request_from_memory, .timeout = 120)
{
	enum { REQUESTS = 400 };
	struct rp_daemon d;
	struct rp_conn *c;
	double before, after, t0, elapsed, ticks;
	char *out;
	bool linked;

	start(&d, false);
	out = rp_daemon_output(&d);
	/* without buffer rings ("buf_ring (" names the fallback) the
	 * receive is not linked */
	linked = strstr(out, "buf_ring (") == NULL;
	free(out);
	if (!linked) {
		rp_stop(&d);
		cr_skip_test("the kernel has no buffer rings: the receive is not linked");
	}
	c = rp_connect(&d);
	for (int i = 0; i < 2; i++) {
		rp_sends(c, "GET /1.txt HTTP/1.1\r\nHost: t\r\n\r\n");
		expect(c, 1, "warm-up");
	}
	t0 = rp_now_s();
	before = rp_metric(&d, "ringpushd_ring_completions_total");
	for (int i = 0; i < REQUESTS; i++) {
		rp_sends(c, "GET /1.txt HTTP/1.1\r\nHost: t\r\n\r\n");
		expect(c, 1, "request");
	}
	after = rp_metric(&d, "ringpushd_ring_completions_total");
	elapsed = rp_now_s() - t0;
	/* one every 100 ms, and one more at each end */
	ticks = elapsed * 10 + 2;
	/* one /metrics request: its accept, receive, send and close */
	cr_assert_leq(after - before, REQUESTS + ticks + 8,
	    "%.0f completions for %d requests in %.2f s", after - before, REQUESTS, elapsed);
	cr_assert_geq(after - before, REQUESTS,
	    "%.0f completions for %d requests", after - before, REQUESTS);
	rp_close(c);
	rp_stop(&d);
}

/* A graceful stop while a response from memory waits for the client's
 * next request: the connection ends (its receive is cancelled), so the
 * daemon exits long before shutdown_timeout, and the client has its
 * response whole. */
Test(keepalive, stop_ends_a_connection_after_a_small_response, .timeout = 120)
{
	struct rp_daemon d;
	struct rp_conn *c;
	int one = 1;

	start_with(&d, false, "shutdown_timeout = 10m\n");
	c = rp_connect(&d);
	/* acknowledge what arrives at once, not after a delayed-ACK timer:
	 * a connection with bytes unacknowledged lingers (as in the stop
	 * suite) */
	setsockopt(c->fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
	for (int i = 0; i < 2; i++) {
		rp_sends(c, "GET /2.txt HTTP/1.1\r\nHost: t\r\n\r\n");
		expect(c, 2, "before the stop");
	}
	/* the client has read it all; give the ACKs a moment to return */
	usleep(500000);
	/* rp_stop() asserts that the daemon exits well within the 10 minutes */
	rp_stop(&d);
	cr_assert_eq(rp_wait_close(c, rp_io_timeout()), RP_CLOSED);
	rp_close(c);
}
