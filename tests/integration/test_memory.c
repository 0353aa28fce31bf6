/*
 * test_memory.c: what connections cost the daemon in memory, and that it
 * gives memory back: an idle keep-alive connection holds no request
 * buffer, a burst of large requests leaves nothing resident behind it,
 * nor does a burst of small ones (response and receive buffers),
 * max_connections reserves but does not touch, and the shared receive
 * ring serves every client when it runs dry, when a request spans its
 * buffers, and when the kernel has none (the forced fallback).
 *
 * The bounds are on memory (RSS read from /proc), never on time.  Under
 * valgrind RSS says nothing about the daemon, so those tests skip.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include "harness.h"

#define GET_F "GET /f.txt HTTP/1.1\r\nHost: t\r\n\r\n"

static void
start_with(struct rp_daemon *d, const char *daemon_keys, const char *limits)
{
	char conf[4 * PATH_MAX];
	int n = snprintf(conf, sizeof(conf),
	    "[daemon]\n"
	    "error_log = -\n"
	    "access_log = off\n"
	    "allow_root = yes\n"
	    "%s"
	    "\n[limits]\n"
	    "%s"
	    "\n[status]\npath = /metrics\n"
	    "\n[listener test]\n"
	    "address = 127.0.0.1:0\n"
	    "root = %s\n",
	    daemon_keys, limits, d->root);

	cr_assert(n > 0 && (size_t)n < sizeof(conf));
	rp_write_file(d, "f.txt", "hello\n", 6);
	rp_start_conf(d, conf);
}

/* The daemon's resident memory in bytes. */
static long
rss_bytes(const struct rp_daemon *d)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)d->pid);
	f = fopen(path, "r");
	cr_assert_not_null(f, "%s", path);
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(f);
	cr_assert_gt(kib, 0, "no VmRSS in %s", path);
	return kib * 1024;
}

static void
skip_under_valgrind(void)
{
	if (rp_under_valgrind())
		cr_skip_test("RSS under valgrind is valgrind's, not the daemon's");
}

/* Room for n client sockets in this process (the daemon has its own). */
static void
need_fds(int n)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)n + 100) {
		rl.rlim_cur = rl.rlim_max < (rlim_t)n + 100 ? rl.rlim_max : (rlim_t)n + 100;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur < (rlim_t)n + 100)
		cr_skip_test("needs %d file descriptors", n + 100);
}

static void
get_ok(struct rp_conn *c, const char *what, int i)
{
	struct rp_response r;
	int res;

	rp_sends(c, GET_F);
	res = rp_read_response(c, &r, false);
	cr_assert_eq(res, RP_OK, "%s %d: %s", what, i, rp_result_str(res));
	cr_assert_eq(r.status, 200, "%s %d: %s", what, i, rp_describe(&r));
	rp_response_free(&r);
}

/* Request buffers lent now, the one that answers /metrics included. */
static double
buffers_used(const struct rp_daemon *d)
{
	return rp_metric(d, "ringpushd_request_buffers_used");
}

static bool
kernel_has_buf_ring(const struct rp_daemon *d)
{
	char *out = rp_daemon_output(d);
	bool has = strstr(out, "buf_ring (") == NULL;

	free(out);
	return has;
}

/*
 * 2,000 keep-alive connections that each sent one request and wait for
 * the next: the daemon grows by at most 1 KiB for each (their slots),
 * and none of them holds a request buffer.
 */
Test(memory, idle_keepalive_connection_costs_at_most_1k, .timeout = 120)
{
	enum { CONNS = 2000 };
	static struct rp_conn *c[CONNS];
	struct rp_daemon d;
	long before, after;

	skip_under_valgrind();
	need_fds(CONNS);
	rp_setup(&d);
	start_with(&d, "", "max_connections = 4000\n");
	/* the first requests' one-time costs (caches, the first buffers) */
	c[0] = rp_connect(&d);
	for (int i = 0; i < 3; i++)
		get_ok(c[0], "warm-up", i);
	cr_assert_eq(buffers_used(&d), 1);
	before = rss_bytes(&d);
	for (int i = 1; i < CONNS; i++) {
		c[i] = rp_connect(&d);
		get_ok(c[i], "connection", i);
	}
	cr_assert_eq(buffers_used(&d), 1, "idle connections hold request buffers");
	after = rss_bytes(&d);
	cr_assert_leq(after - before, 1024L * (CONNS - 1),
	    "%ld bytes of RSS per idle keep-alive connection", (after - before) / (CONNS - 1));
	/* and they still serve */
	for (int i = 0; i < CONNS; i += 199)
		get_ok(c[i], "again", i);
	for (int i = 0; i < CONNS; i++)
		rp_close(c[i]);
	rp_stop(&d);
}

/* Send GET /4k.bin on each of c[0, n) before reading any answer, so
 * that they are all under way at once; then read them, every byte of
 * every body checked. */
static void
burst_4k(struct rp_conn **c, int n, const char *what)
{
	for (int i = 0; i < n; i++)
		rp_sends(c[i], "GET /4k.bin HTTP/1.1\r\nHost: t\r\n\r\n");
	for (int i = 0; i < n; i++) {
		struct rp_response r;
		int res = rp_read_response(c[i], &r, false);

		cr_assert_eq(res, RP_OK, "%s %d: %s", what, i, rp_result_str(res));
		cr_assert_eq(r.status, 200, "%s %d: %s", what, i, rp_describe(&r));
		cr_assert_eq(r.body_len, 4096, "%s %d", what, i);
		cr_assert_eq(rp_pattern_mismatch(4, 0, r.body, r.body_len), -1,
		    "%s %d: body corrupted", what, i);
		rp_response_free(&r);
	}
}

/*
 * 4,000 connections whose requests for a 4 KiB file arrive at once, then
 * wait: the burst fills the receive ring and the small-response buffers,
 * and once it is over their memory goes back, so the daemon comes back to
 * its size before the burst plus at most 1 KiB per connection (waited
 * for with a generous deadline, a bound on memory, not on time).  A
 * second burst on the same connections is served whole from the memory
 * given back.
 */
Test(memory, burst_memory_given_back, .timeout = 120)
{
	enum { CONNS = 4000 };
	static struct rp_conn *c[CONNS];
	struct rp_daemon d;
	long before, loaded, after = 0;
	double deadline;

	skip_under_valgrind();
	need_fds(CONNS);
	rp_setup(&d);
	start_with(&d, "", "max_connections = 8000\n");
	rp_make_file(&d, "4k.bin", 4096, 4);
	c[0] = rp_connect(&d);
	burst_4k(c, 1, "warm-up");
	before = rss_bytes(&d);
	for (int i = 1; i < CONNS; i++)
		c[i] = rp_connect(&d);
	burst_4k(c, CONNS, "burst");
	loaded = rss_bytes(&d);
	deadline = rp_now_s() + 30;
	do {
		usleep(200000);
		after = rss_bytes(&d);
	} while (after - before > 1024L * CONNS && rp_now_s() < deadline);
	cr_log_info("RSS %ld before the burst, %ld after it, %ld once idle",
	    before, loaded, after);
	cr_assert_leq(after - before, 1024L * CONNS,
	    "RSS %ld before the burst, %ld after it, %ld once idle: "
	    "%ld bytes per connection", before, loaded, after, (after - before) / CONNS);
	burst_4k(c, CONNS, "second burst");
	for (int i = 0; i < CONNS; i++)
		rp_close(c[i]);
	rp_stop(&d);
}

/*
 * 300 requests with 7 KiB of header each, all held half-sent at once so
 * that each holds a request buffer: once they are answered the buffers
 * come back, and all but request_buffers_kept give their memory back.
 */
Test(memory, buffers_given_back_after_a_load, .timeout = 120)
{
	enum { CONNS = 300, KEPT = 4, PAD = 7000 };
	static struct rp_conn *c[CONNS];
	static char pad[PAD + 1];
	struct rp_daemon d;
	long loaded, after;
	double used = 0;

	skip_under_valgrind();
	need_fds(CONNS);
	memset(pad, 'p', PAD);
	rp_setup(&d);
	start_with(&d, "request_buffers_kept = 4\n", "max_request_header = 16K\n");
	for (int i = 0; i < CONNS; i++) {
		c[i] = rp_connect(&d);
		rp_sendf(c[i], "GET /missing-%d HTTP/1.1\r\nHost: t\r\nX-Pad: %s\r\n", i, pad);
	}
	/* every half request is in the daemon (bounded wait, no timing) */
	for (int tries = 0; tries < 500 && used < CONNS + 1; tries++) {
		used = buffers_used(&d);
		if (used < CONNS + 1)
			usleep(20000);
	}
	cr_assert_eq(used, CONNS + 1, "%.0f request buffers lent", used);
	loaded = rss_bytes(&d);
	for (int i = 0; i < CONNS; i++) {
		struct rp_response r;
		int res;

		rp_sends(c[i], "\r\n");
		res = rp_read_response(c[i], &r, false);
		cr_assert_eq(res, RP_OK, "request %d: %s", i, rp_result_str(res));
		cr_assert_eq(r.status, 404, "request %d: %s", i, rp_describe(&r));
		rp_response_free(&r);
	}
	cr_assert_eq(buffers_used(&d), 1, "request buffers still lent after the load");
	after = rss_bytes(&d);
	/* each buffer beyond those kept held at least two pages of its
	 * request, and gave them back */
	cr_assert_lt(after, loaded - (CONNS - KEPT) * 8192L,
	    "RSS %ld under load, %ld after: not given back", loaded, after);
	for (int i = 0; i < CONNS; i++)
		rp_close(c[i]);
	rp_stop(&d);
}

/* A million slots are reserved, not touched: the daemon starts small. */
Test(memory, a_million_slots_start_small, .timeout = 60)
{
	struct rp_daemon d;
	struct rp_conn *c;
	long rss;

	skip_under_valgrind();
	rp_setup(&d);
	start_with(&d, "", "max_connections = 1000000\n");
	c = rp_connect(&d);
	get_ok(c, "request", 0);
	rss = rss_bytes(&d);
	/* each slot touched at start would be over 1 GiB */
	cr_assert_lt(rss, 64L << 20, "RSS %ld with max_connections = 1000000", rss);
	rp_close(c);
	rp_stop(&d);
}

/*
 * A receive ring of one buffer and 300 clients whose requests arrive
 * together: the ring runs dry, the connections that found it empty are
 * read the other way, and every client is answered.
 */
Test(memory, receive_ring_exhausted_serves_everyone, .timeout = 120)
{
	enum { CONNS = 300 };
	static struct rp_conn *c[CONNS];
	struct rp_daemon d;
	double exhausted;

	need_fds(CONNS);
	rp_setup(&d);
	start_with(&d, "recv_buffers = 1\n", "");
	if (!kernel_has_buf_ring(&d)) {
		rp_stop(&d);
		cr_skip_test("no buffer rings on this kernel (Linux 5.19)");
	}
	for (int i = 0; i < CONNS; i++)
		c[i] = rp_connect(&d);
	for (int i = 0; i < CONNS; i++)
		rp_sends(c[i], GET_F);
	for (int i = 0; i < CONNS; i++) {
		struct rp_response r;
		int res = rp_read_response(c[i], &r, false);

		cr_assert_eq(res, RP_OK, "client %d: %s", i, rp_result_str(res));
		cr_assert_eq(r.status, 200, "client %d: %s", i, rp_describe(&r));
		rp_response_free(&r);
	}
	/* and again, on the same connections */
	for (int i = 0; i < CONNS; i += 7)
		get_ok(c[i], "again", i);
	exhausted = rp_metric(&d, "ringpushd_recv_buffers_exhausted_total");
	cr_assert_gt(exhausted, 0, "300 requests at once never found the ring empty");
	for (int i = 0; i < CONNS; i++)
		rp_close(c[i]);
	rp_stop(&d);
}

/* Requests longer than a receive buffer (4 KiB): whole in one write, in
 * two writes, and two of them pipelined in one write. */
static void
serve_long_requests(struct rp_daemon *d)
{
	static char pad[6001], req[2 * 6200];
	struct rp_conn *c = rp_connect(d);
	struct rp_response r;
	int len, res;

	memset(pad, 'q', sizeof(pad) - 1);
	len = snprintf(req, sizeof(req), "GET /f.txt HTTP/1.1\r\nHost: t\r\nX-Pad: %s\r\n\r\n", pad);
	cr_assert(len > 0 && (size_t)len < sizeof(req) / 2);
	rp_send(c, req, (size_t)len);
	cr_assert_eq(rp_read_response(c, &r, false), RP_OK);
	cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
	cr_assert_eq(r.body_len, 6);
	rp_response_free(&r);
	/* the same request in two pieces, the cut inside the padding */
	rp_send(c, req, 5000);
	usleep(50000);
	rp_send(c, req + 5000, (size_t)len - 5000);
	cr_assert_eq(rp_read_response(c, &r, false), RP_OK);
	cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
	rp_response_free(&r);
	/* two pipelined: the second begins in the first one's last buffer */
	memcpy(req + len, req, (size_t)len);
	rp_send(c, req, 2 * (size_t)len);
	for (int i = 0; i < 2; i++) {
		res = rp_read_response(c, &r, false);
		cr_assert_eq(res, RP_OK, "pipelined %d: %s", i, rp_result_str(res));
		cr_assert_eq(r.status, 200, "pipelined %d: %s", i, rp_describe(&r));
		cr_assert_eq(r.body_len, 6);
		rp_response_free(&r);
	}
	rp_close(c);
}

Test(memory, request_spanning_receive_buffers, .timeout = 60)
{
	struct rp_daemon d;

	rp_setup(&d);
	start_with(&d, "", "");
	serve_long_requests(&d);
	cr_assert_eq(buffers_used(&d), 1);
	rp_stop(&d);
}

/*
 * The kernel without buffer rings (forced in the test build): idle
 * connections are polled, then read; keep-alive, pipelined and long
 * requests are served, and nothing is counted as the ring running dry.
 */
Test(memory, no_buffer_ring_fallback_serves, .timeout = 60)
{
	struct rp_daemon d;
	struct rp_conn *c;
	struct rp_response r;
	char *out;

	if (rp_test_daemon_path() == NULL)
		cr_skip_test("RINGPUSHD_TEST is not set (make integration sets it)");
	cr_assert_eq(setenv("RINGPUSHD", rp_test_daemon_path(), 1), 0);
	cr_assert_eq(setenv("RINGPUSHD_TEST_FALLBACKS", "buf_ring", 1), 0);
	rp_setup(&d);
	start_with(&d, "", "");
	rp_wait_output(&d, "kernel: missing ", 1);
	out = rp_daemon_output(&d);
	cr_assert(strstr(out, "buf_ring (forced)") != NULL, "%s", out);
	free(out);
	c = rp_connect(&d);
	for (int i = 0; i < 3; i++)
		get_ok(c, "keep-alive", i);
	rp_sends(c, GET_F GET_F GET_F);
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(rp_read_response(c, &r, false), RP_OK, "pipelined %d", i);
		cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
		rp_response_free(&r);
	}
	rp_close(c);
	serve_long_requests(&d);
	cr_assert_eq(buffers_used(&d), 1);
	cr_assert_eq(rp_metric(&d, "ringpushd_recv_buffers_exhausted_total"), 0);
	rp_stop(&d);
}
