/*
 * test_rate.c: rate limits at the low end, and how they meet the send
 * deadline and clients that go away, against the real daemon.
 *
 * As in test_limits.c, no assertion depends on how fast this machine is:
 * a transfer is checked for arriving whole (with the harness's generous
 * I/O timeout), never for arriving within some time; the only time bound
 * is a lower one a correct limiter always meets.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "harness.h"

static void
start_rated(struct rp_daemon *d, const char *limits)
{
	char conf[4 * PATH_MAX];
	int n = snprintf(conf, sizeof(conf),
	    "[daemon]\n"
	    "error_log = -\n"
	    "access_log = %s\n"
	    "log_level = debug\n"
	    "allow_root = yes\n"
	    "shutdown_timeout = 60s\n"
	    "\n"
	    "[limits]\n"
	    "%s"
	    "\n"
	    "[status]\n"
	    "path = /metrics\n"
	    "\n"
	    "[listener test]\n"
	    "address = 127.0.0.1:0\n"
	    "root = %s\n"
	    "engine = %s\n",
	    d->access_log, limits, d->root, rp_engine);

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

/* Wait (bounded) until the daemon reports no body being sent; false if
 * one still is after the harness's I/O timeout. */
static bool
transfers_end(const struct rp_daemon *d)
{
	double give_up = now_s() + rp_io_timeout();

	while (rp_metric(d, "ringpushd_transfers_in_flight") != 0) {
		if (now_s() > give_up)
			return false;
		usleep(200 * 1000);
	}
	return true;
}

/* Read the head and the whole body of a 200 response, checking every
 * byte against the pattern. */
static void
read_whole(struct rp_conn *c, uint64_t seed, uint64_t size)
{
	static unsigned char buf[1 << 16];
	struct rp_response r;
	uint64_t got = 0;
	int res = rp_read_head(c, &r);

	cr_assert_eq(res, RP_OK, "no response head: %s", rp_result_str(res));
	cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
	cr_assert_eq(r.content_length, size);
	rp_response_free(&r);
	while (got < size) {
		ssize_t n = rp_read_some(c, buf, sizeof(buf));

		cr_assert(n > 0, "body stalled at %lu of %lu bytes: %s", (unsigned long)got,
		    (unsigned long)size, rp_result_str((int)n));
		cr_assert_eq(rp_pattern_mismatch(seed, got, buf, (size_t)n), -1);
		got += (uint64_t)n;
	}
}

/*
 * A bucket holds 200 ms of its rate: about 204 bytes at 1K.  Every body
 * must still move, at the rate, whatever the chunk size the engine would
 * like; send_timeout is short so that a transfer that waits on its
 * tokens is not mistaken for a stalled one.
 */
RP_ENGINE_TEST(rate, low_rate_per_connection_moves_every_byte, .timeout = 120)
{
	struct rp_daemon d;
	struct rp_conn *c;

	rp_setup(&d);
	rp_make_file(&d, "f.bin", 3000, 21);
	start_rated(&d, "rate_per_connection = 1K\nsend_timeout = 2s\n");
	c = rp_connect(&d);
	rp_sends(c, "GET /f.bin HTTP/1.1\r\nHost: t\r\n\r\n");
	read_whole(c, 21, 3000);
	rp_close(c);
	cr_assert(transfers_end(&d), "a finished transfer is still counted in flight");
	rp_stop(&d);
}

RP_ENGINE_TEST(rate, low_rate_total_moves_every_byte, .timeout = 120)
{
	struct rp_daemon d;
	struct rp_conn *c[2];

	rp_setup(&d);
	rp_make_file(&d, "a.bin", 2000, 22);
	rp_make_file(&d, "b.bin", 2000, 23);
	start_rated(&d, "rate_total = 1K\nsend_timeout = 5s\n");
	c[0] = rp_connect(&d);
	c[1] = rp_connect(&d);
	rp_sends(c[0], "GET /a.bin HTTP/1.1\r\nHost: t\r\n\r\n");
	rp_sends(c[1], "GET /b.bin HTTP/1.1\r\nHost: t\r\n\r\n");
	read_whole(c[0], 22, 2000);
	read_whole(c[1], 23, 2000);
	rp_close(c[0]);
	rp_close(c[1]);
	rp_stop(&d);
}

/*
 * Waiting for tokens is not progress.  Thirty transfers share 1 KiB/s, so
 * each one moves a few hundred bytes every several seconds, far apart
 * compared with send_timeout = 1s: the send deadline, which measures the
 * time since a transfer's last byte, must close them long before their
 * 10 KiB bodies are through.  Before, every throttled tick restarted the
 * deadline and nothing was ever closed.
 */
RP_ENGINE_TEST(rate, send_deadline_counts_progress_not_throttled_ticks, .timeout = 180)
{
	enum { CLIENTS = 30, SIZE = 10 * 1024 };
	static unsigned char buf[1 << 16];
	struct rp_daemon d;
	struct rp_conn *c[CLIENTS];
	int cut_short = 0;

	rp_setup(&d);
	rp_make_file(&d, "f.bin", SIZE, 25);
	start_rated(&d, "rate_total = 1K\nsend_timeout = 1s\n");
	for (int i = 0; i < CLIENTS; i++) {
		c[i] = rp_connect(&d);
		rp_sends(c[i], "GET /f.bin HTTP/1.1\r\nHost: t\r\n\r\n");
	}
	for (int i = 0; i < CLIENTS; i++) {
		struct rp_response r;
		uint64_t got = 0;
		ssize_t n = 0;
		int res = rp_read_head(c[i], &r);

		if (res != RP_OK) {
			/* closed before its header left: the deadline too */
			cr_assert(res == RP_CLOSED || res == RP_EOF || res == RP_ERROR,
			    "client %d: %s", i, rp_result_str(res));
			cut_short++;
			continue;
		}
		rp_response_free(&r);
		while (got < SIZE && (n = rp_read_some(c[i], buf, sizeof(buf))) > 0) {
			cr_assert_eq(rp_pattern_mismatch(25, got, buf, (size_t)n), -1);
			got += (uint64_t)n;
		}
		cr_assert(got == SIZE || n == 0 || n == RP_EOF || n == RP_ERROR || n == RP_CLOSED,
		    "client %d: the transfer neither ended nor was closed (%lu bytes, %s)",
		    i, (unsigned long)got, rp_result_str((int)n));
		if (got < SIZE)
			cut_short++;
	}
	cr_assert(cut_short > 0, "no starved transfer was closed by send_timeout");
	cr_assert(rp_metric(&d, "ringpushd_timer_expirations_total") >= cut_short);
	for (int i = 0; i < CLIENTS; i++)
		rp_close(c[i]);
	cr_assert(transfers_end(&d), "transfers still in flight after every client is gone");
	rp_stop(&d);
}

/*
 * A client that goes away while its transfer waits for tokens must free
 * its slot without waiting for send_timeout (a long one here): the
 * daemon must not count it in flight, nor wait for it at stop.
 */
RP_ENGINE_TEST(rate, client_that_left_while_throttled_is_noticed, .timeout = 120)
{
	enum { CLIENTS = 10 };
	struct rp_daemon d;
	struct rp_conn *c[CLIENTS];
	struct rp_response r;

	rp_setup(&d);
	rp_make_file(&d, "f.bin", 100 * 1024, 26);
	start_rated(&d, "rate_per_connection = 1K\nrate_total = 2K\nsend_timeout = 10m\n");
	for (int i = 0; i < CLIENTS; i++) {
		c[i] = rp_connect(&d);
		rp_sends(c[i], "GET /f.bin HTTP/1.1\r\nHost: t\r\n\r\n");
	}
	for (int i = 0; i < CLIENTS; i++) {
		int res = rp_read_head(c[i], &r);

		cr_assert_eq(res, RP_OK, "client %d: %s", i, rp_result_str(res));
		rp_response_free(&r);
	}
	cr_assert_eq(rp_metric(&d, "ringpushd_transfers_in_flight"), CLIENTS);
	/* half leave with a reset, half with a plain close */
	for (int i = 0; i < CLIENTS; i++) {
		if (i % 2 == 0)
			rp_abort(c[i]);
		else
			rp_close(c[i]);
	}
	cr_assert(transfers_end(&d), "a transfer whose client left is still in flight");
	rp_assert_serving(&d);
	rp_stop(&d);
}

/*
 * Rates count response headers as well as bodies.  Forty HEAD responses
 * on one kept-alive connection, then a GET: header and body bytes
 * together cannot arrive faster than the rate allows after the first
 * burst.  Headers themselves never wait; the body after them does.
 */
RP_ENGINE_TEST(rate, headers_count_against_the_rate, .timeout = 120)
{
	enum { HEADS = 40 };
	const uint64_t rate = 8 * 1024, size = 8 * 1024;
	const double burst = (double)rate * 0.2;
	struct rp_daemon d;
	struct rp_conn *c;
	struct rp_response r;
	uint64_t header_bytes = 0;
	double t0, elapsed;

	rp_setup(&d);
	rp_make_file(&d, "f.bin", size, 27);
	start_rated(&d, "rate_per_connection = 8K\n");
	c = rp_connect(&d);
	t0 = now_s();
	for (int i = 0; i < HEADS; i++) {
		rp_sends(c, "HEAD /f.bin HTTP/1.1\r\nHost: t\r\n\r\n");
		cr_assert_eq(rp_read_response(c, &r, true), RP_OK);
		cr_assert_eq(r.status, 200);
		header_bytes += r.head_len;
		rp_response_free(&r);
	}
	rp_sends(c, "GET /f.bin HTTP/1.1\r\nHost: t\r\n\r\n");
	cr_assert_eq(rp_read_response(c, &r, false), RP_OK);
	cr_assert_eq(r.status, 200);
	cr_assert_eq(r.body_len, size);
	cr_assert_eq(rp_pattern_mismatch(27, 0, r.body, r.body_len), -1);
	header_bytes += r.head_len;
	rp_response_free(&r);
	elapsed = now_s() - t0;
	cr_assert(elapsed >= ((double)(header_bytes + size) - burst) / (double)rate - 0.15,
	    "%lu header and %lu body bytes at %lu B/s took only %.2f s",
	    (unsigned long)header_bytes, (unsigned long)size, (unsigned long)rate, elapsed);
	rp_close(c);
	rp_stop(&d);
}

/*
 * A splice from the file that reads less than its grant (here the first
 * chunk of a range that starts inside a page: a 64 KiB pipe has 16 slots
 * and the chunk spans 17 pages) gives the unused tokens back, and the
 * rate still holds over the whole body.
 */
Test(rate, short_splice_gives_back_its_tokens, .timeout = 120)
{
	const uint64_t rate = 1024 * 1024, size = 1024 * 1024, first = 1000;
	static unsigned char buf[1 << 16];
	char conf[4 * PATH_MAX], *out;
	struct rp_daemon d;
	struct rp_conn *c;
	struct rp_response r;
	uint64_t got = 0;
	double t0, elapsed;

	rp_setup(&d);
	rp_make_file(&d, "f.bin", size, 28);
	snprintf(conf, sizeof(conf),
	    "[daemon]\nerror_log = -\naccess_log = %s\nlog_level = debug\n"
	    "allow_root = yes\npipe_size = 64K\n\n"
	    "[limits]\nrate_per_connection = 1M\n\n"
	    "[listener test]\naddress = 127.0.0.1:0\nroot = %s\nengine = splice\n",
	    d.access_log, d.root);
	rp_start_conf(&d, conf);
	c = rp_connect(&d);
	t0 = now_s();
	rp_sendf(c, "GET /f.bin HTTP/1.1\r\nHost: t\r\nRange: bytes=%lu-\r\n\r\n",
	    (unsigned long)first);
	cr_assert_eq(rp_read_head(c, &r), RP_OK);
	cr_assert_eq(r.status, 206, "%s", rp_describe(&r));
	rp_response_free(&r);
	while (got < size - first) {
		ssize_t n = rp_read_some(c, buf, sizeof(buf));

		cr_assert(n > 0, "body ended at %lu: %s", (unsigned long)got, rp_result_str((int)n));
		cr_assert_eq(rp_pattern_mismatch(28, first + got, buf, (size_t)n), -1);
		got += (uint64_t)n;
	}
	elapsed = now_s() - t0;
	cr_assert(elapsed >= (double)(size - first) / (double)rate - 0.2 - 0.15,
	    "%lu bytes at %lu B/s took only %.2f s", (unsigned long)(size - first),
	    (unsigned long)rate, elapsed);
	rp_close(c);
	rp_stop(&d);
	out = rp_daemon_output(&d);
	cr_assert(strstr(out, "granted bytes read") != NULL,
	    "no short splice was given its tokens back:\n%s", out);
	free(out);
}

/*
 * The status endpoint is exempt from the rate limits.  Thirty polls of
 * /metrics under rate_total = 1K would otherwise leave a debt of some
 * hundred seconds, which the next client's body would wait out far
 * beyond the harness's I/O timeout.
 */
Test(rate, status_endpoint_is_not_rate_limited, .timeout = 120)
{
	struct rp_daemon d;
	struct rp_conn *c;

	rp_setup(&d);
	rp_make_file(&d, "f.bin", 100, 29);
	start_rated(&d, "rate_total = 1K\n");
	for (int i = 0; i < 30; i++)
		cr_assert_geq(rp_metric(&d, "ringpushd_connections_accepted_total"), i + 1);
	c = rp_connect(&d);
	rp_sends(c, "GET /f.bin HTTP/1.1\r\nHost: t\r\n\r\n");
	read_whole(c, 29, 100);
	rp_close(c);
	rp_stop(&d);
}
