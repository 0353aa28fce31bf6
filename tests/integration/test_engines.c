/*
 * test_engines.c: what the copy and mmap engines add to the ones before
 * them: a file truncated inside a page (the mapping shows zeros past the
 * new end, which must never go out), a file that grew past the mapping
 * the open-file cache keeps, zero-copy sends and their notifications in
 * the metrics, and a copy transfer waiting for a pool buffer.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <liburing.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define MIB (1024 * 1024)

/* The standard configuration plus the status endpoint and extra listener
 * keys (e.g. "send_zc = on\n"). */
static void
start_with(struct rp_daemon *d, const char *daemon_keys, const char *listener_keys)
{
	char conf[4 * PATH_MAX];
	int n = snprintf(conf, sizeof(conf),
	    "[daemon]\nerror_log = -\naccess_log = %s\nallow_root = yes\n%s\n"
	    "[status]\npath = /metrics\n\n"
	    "[listener test]\naddress = 127.0.0.1:0\nroot = %s\nengine = %s\n%s",
	    d->access_log, daemon_keys, d->root, rp_engine, listener_keys);

	cr_assert(n > 0 && (size_t)n < sizeof(conf));
	rp_start_conf(d, conf);
}

/* GET path whole and check it against the pattern seed. */
static void
get_exact(const struct rp_daemon *d, const char *path, uint64_t size, uint64_t seed)
{
	struct rp_response r;

	rp_get(d, path, &r);
	cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
	cr_assert_eq(r.body_len, size, "%s", rp_describe(&r));
	cr_assert_eq(rp_pattern_mismatch(seed, 0, r.body, r.body_len), -1, "%s: wrong bytes", path);
	rp_response_free(&r);
}

/*
 * A file truncated to a length inside a page, far ahead of what is on
 * the wire.  A mapping shows the rest of that page as zeros; splice and
 * sendfile stop at the file's end.  Every engine must send exactly the
 * bytes up to the new end, each the original, then close.
 */
RP_ENGINE_TEST(engines, truncated_inside_a_page, .timeout = 300)
{
	enum { SIZE = 16 * MIB, CUT = 8 * MIB + 1000, SEED = 41 };
	struct rp_daemon d;
	struct rp_response r;
	struct rp_conn *c;
	char path[PATH_MAX];
	unsigned char *buf;
	uint64_t total = 0;
	double deadline;
	ssize_t n, bad;
	int fd;

	rp_setup(&d);
	rp_make_file(&d, "cut.bin", SIZE, SEED);
	rp_path(&d, "cut.bin", path);
	rp_start(&d);
	c = rp_connect_rcvbuf(&d, 64 * 1024);
	rp_sends(c, "GET /cut.bin HTTP/1.1\r\nHost: t\r\n\r\n");
	cr_assert_eq(rp_read_head(c, &r), RP_OK);
	cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
	cr_assert_eq(r.content_length, SIZE);
	buf = malloc(MIB);
	cr_assert_not_null(buf);
	while (total < 256 * 1024) {
		n = rp_read_some(c, buf, 4096);
		cr_assert(n > 0, "early end of the body: %s", rp_result_str((int)n));
		cr_assert_eq(rp_pattern_mismatch(SEED, total, buf, (size_t)n), -1);
		total += (uint64_t)n;
	}
	fd = open(path, O_WRONLY);
	cr_assert(fd >= 0);
	cr_assert(ftruncate(fd, CUT) == 0, "ftruncate: %s", strerror(errno));
	close(fd);

	deadline = rp_now_s() + 10.0 * rp_io_timeout();
	while ((n = rp_read_some(c, buf, MIB)) != 0) {
		cr_assert(n > 0, "at byte %" PRIu64 ": %s (the daemon should close)", total,
		    rp_result_str((int)n));
		bad = rp_pattern_mismatch(SEED, total, buf, (size_t)n);
		cr_assert(bad < 0, "wrong byte at offset %" PRIu64 " (the file ends at %d)",
		    total + (uint64_t)bad, CUT);
		total += (uint64_t)n;
		cr_assert(total <= CUT, "%" PRIu64 " bytes of a file cut to %d", total, CUT);
		cr_assert(rp_now_s() < deadline, "body still flowing at the deadline");
	}
	cr_assert_eq(total, CUT, "the body stopped at %" PRIu64 ", not at the file's end %d",
	    total, CUT);
	free(buf);
	rp_response_free(&r);
	rp_close(c);
	rp_assert_serving(&d);
	rp_stop(&d);
}

/*
 * A client that half-closes after its request and then stops reading.
 * Its socket fills, and from then on an io_uring POLLOUT poll completes at
 * once with POLLRDHUP alone.  The daemon must wait for room, not try again
 * at once: in a second with the socket full it submits a few operations
 * (the tick's ten, a handful of growing waits), where a retry loop would
 * submit hundreds of thousands.  The client then reads the body whole.
 */
RP_ENGINE_TEST(engines, half_closed_client_that_stops_reading, .timeout = 120)
{
	enum { SIZE = 32 * MIB, SEED = 43, MOST = 100 };
	struct rp_daemon d;
	struct rp_response r;
	struct rp_conn *c;
	unsigned char *buf;
	uint64_t total = 0;
	double before, after;
	ssize_t n, bad;

	rp_setup(&d);
	rp_make_file(&d, "h.bin", SIZE, SEED);
	start_with(&d, "", "");
	c = rp_connect_rcvbuf(&d, 64 * 1024);
	rp_sends(c, "GET /h.bin HTTP/1.1\r\nHost: t\r\n\r\n");
	cr_assert_eq(shutdown(c->fd, SHUT_WR), 0);
	/* the socket buffers fill in far less than this */
	usleep(500000);
	before = rp_metric(&d, "ringpushd_ring_submissions_total");
	usleep(1000000);
	after = rp_metric(&d, "ringpushd_ring_submissions_total");
	cr_assert_leq(after - before, MOST,
	    "%.0f operations in a second for one stalled, half-closed connection",
	    after - before);

	cr_assert_eq(rp_read_head(c, &r), RP_OK);
	cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
	cr_assert_eq(r.content_length, SIZE);
	buf = malloc(MIB);
	cr_assert_not_null(buf);
	while (total < SIZE) {
		n = rp_read_some(c, buf, MIB);
		cr_assert(n > 0, "at byte %" PRIu64 ": %s", total, rp_result_str((int)n));
		bad = rp_pattern_mismatch(SEED, total, buf, (size_t)n);
		cr_assert(bad < 0, "wrong byte at offset %" PRIu64, total + (uint64_t)bad);
		total += (uint64_t)n;
	}
	cr_assert_eq(total, SIZE);
	free(buf);
	rp_response_free(&r);
	rp_close(c);
	rp_assert_serving(&d);
	rp_stop(&d);
}

/*
 * A connection whose congestion control has left slow start gets bodies
 * of 256 KiB or more without send_lowat (xfer.c).  On loopback only BBR
 * leaves it without a loss: once the bandwidth it measures stops growing
 * while bytes wait unsent, as they do behind a small receive window when
 * send_lowat lets more than a segment wait.  The bodies stay whole.
 */
Test(engines, paced_connection_goes_without_send_lowat, .timeout = 120)
{
	enum { SIZE = MIB, SEED = 44 };
	struct rp_daemon d;
	struct rp_response r;
	struct rp_conn *c;
	char *cc;
	double deadline, paced = 0;
	int bodies = 0;

	cc = rp_slurp("/proc/sys/net/ipv4/tcp_congestion_control", NULL);
	if (cc == NULL || strncmp(cc, "bbr", 3) != 0) {
		free(cc);
		cr_skip_test("the congestion control is not BBR: on loopback nothing "
		    "else leaves slow start without a loss");
	}
	free(cc);
	rp_setup(&d);
	rp_make_file(&d, "p.bin", SIZE, SEED);
	start_with(&d, "", "send_lowat = 1M\n");
	c = rp_connect_rcvbuf(&d, 16 * 1024);
	deadline = rp_now_s() + 4.0 * rp_io_timeout();
	while (paced == 0 && rp_now_s() < deadline) {
		rp_sends(c, "GET /p.bin HTTP/1.1\r\nHost: t\r\n\r\n");
		cr_assert_eq(rp_read_response(c, &r, false), RP_OK);
		cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
		cr_assert_eq(r.body_len, SIZE, "%s", rp_describe(&r));
		cr_assert_eq(rp_pattern_mismatch(SEED, 0, r.body, r.body_len), -1,
		    "body %d: wrong bytes", bodies);
		rp_response_free(&r);
		bodies++;
		paced = rp_metric(&d, "ringpushd_paced_bodies_total");
		/* the daemon asks the kernel again at most every 100 ms */
		usleep(20000);
	}
	cr_assert_gt(paced, 0, "%d bodies, none sent as a paced connection's", bodies);
	rp_close(c);
	rp_assert_serving(&d);
	rp_stop(&d);
}

/*
 * A file that grows, then shrinks, in place while the open-file cache
 * holds it (and, under engine mmap, its mapping).  Within
 * open_file_cache_valid the size taken at the open stands, so a grown
 * file may still be answered at its old length, from the old mapping;
 * past it, the file is opened and mapped again at its new size.  Every
 * body must be whole and right.
 */
RP_ENGINE_TEST(engines, file_grows_and_shrinks_under_the_cache, .timeout = 120)
{
	enum { SIZE = MIB + 3, MORE = 2 * MIB + 7, SEED = 42 };
	struct rp_daemon d;
	struct rp_response r;
	char path[PATH_MAX];
	unsigned char *tail;
	int fd;

	rp_setup(&d);
	rp_make_file(&d, "g.bin", SIZE, SEED);
	rp_path(&d, "g.bin", path);
	start_with(&d, "open_file_cache_valid = 300ms\n", "");
	get_exact(&d, "/g.bin", SIZE, SEED);
	get_exact(&d, "/g.bin", SIZE, SEED);

	tail = malloc(MORE - SIZE);
	cr_assert_not_null(tail);
	rp_pattern(SEED, SIZE, tail, MORE - SIZE);
	fd = open(path, O_WRONLY | O_APPEND);
	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, tail, MORE - SIZE), MORE - SIZE);
	/* the old length or, once the window has passed, the new one */
	rp_get(&d, "/g.bin", &r);
	cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
	cr_assert(r.body_len == SIZE || r.body_len == MORE, "%s", rp_describe(&r));
	cr_assert_eq(rp_pattern_mismatch(SEED, 0, r.body, r.body_len), -1);
	rp_response_free(&r);
	usleep(400 * 1000);
	get_exact(&d, "/g.bin", MORE, SEED);
	cr_assert(ftruncate(fd, SIZE - 5) == 0);
	close(fd);
	usleep(400 * 1000);
	get_exact(&d, "/g.bin", SIZE - 5, SEED);
	cr_assert_gt(rp_metric(&d, "ringpushd_open_file_cache_hits_total"), 0);
	free(tail);
	rp_assert_serving(&d);
	rp_stop(&d);
}

/*
 * A reload in the middle of a body: the open-file cache is emptied, but
 * the transfer keeps the file (and its mapping, under engine mmap) until
 * it ends, and the body arrives whole; a request after the reload opens
 * (and maps) the file again.
 */
RP_ENGINE_TEST(engines, reload_mid_transfer_keeps_the_body, .timeout = 120)
{
	enum { SIZE = 32 * MIB, SEED = 47 };
	static unsigned char buf[1 << 16];
	struct rp_daemon d;
	struct rp_response r;
	struct rp_conn *c;
	uint64_t got = 0;

	rp_setup(&d);
	rp_make_file(&d, "r.bin", SIZE, SEED);
	rp_start(&d);
	c = rp_connect_rcvbuf(&d, 64 * 1024);
	rp_sends(c, "GET /r.bin HTTP/1.1\r\nHost: t\r\n\r\n");
	cr_assert_eq(rp_read_head(c, &r), RP_OK);
	cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
	rp_response_free(&r);
	while (got < SIZE) {
		ssize_t n = rp_read_some(c, buf, sizeof(buf));

		cr_assert(n > 0, "body ended at %" PRIu64 ": %s", got, rp_result_str((int)n));
		cr_assert_eq(rp_pattern_mismatch(SEED, got, buf, (size_t)n), -1,
		    "wrong byte near offset %" PRIu64, got);
		got += (uint64_t)n;
		if (got >= SIZE / 4 && got - (uint64_t)n < SIZE / 4) {
			/* the same settings on the port it has: the
			 * listener stays, the cache is emptied */
			char conf[4 * PATH_MAX], addr[64];
			FILE *f;

			rp_default_conf(&d, conf, sizeof(conf));
			snprintf(addr, sizeof(addr), "127.0.0.1:%d", d.port);
			rp_conf_set(conf, sizeof(conf), "address", addr);
			f = fopen(d.conf, "w");
			cr_assert_not_null(f);
			fputs(conf, f);
			cr_assert_eq(fclose(f), 0);
			cr_assert_eq(kill(d.pid, SIGHUP), 0);
			rp_wait_output(&d, "applied", 1);
			get_exact(&d, "/r.bin", SIZE, SEED);
		}
	}
	rp_close(c);
	rp_stop(&d);
}

static bool
kernel_has_send_zc(void)
{
	struct io_uring ring;
	struct io_uring_probe *p;
	bool ok;

	if (io_uring_queue_init(4, &ring, 0) != 0)
		return false;
	p = io_uring_get_probe_ring(&ring);
	ok = p != NULL && io_uring_opcode_supported(p, IORING_OP_SEND_ZC);
	if (p != NULL)
		io_uring_free_probe(p);
	io_uring_queue_exit(&ring);
	return ok;
}

/*
 * send_zc = on: the mmap engine's sends are zero-copy ones, and on
 * loopback the kernel copies anyway and says so in each notification:
 * both are counted.  The notifications come when the receiver has the
 * bytes, so the count is awaited (bounded), not expected at once.
 */
Test(engines, send_zc_on_counts_copied_notifications, .timeout = 120)
{
	enum { SIZE = 4 * MIB, SEED = 43 };
	struct rp_daemon d;
	double deadline, copied = 0;

	if (!kernel_has_send_zc())
		cr_skip_test("this kernel has no IORING_OP_SEND_ZC");
	rp_engine = "mmap";
	rp_setup(&d);
	rp_make_file(&d, "z.bin", SIZE, SEED);
	start_with(&d, "", "send_zc = on\n");
	get_exact(&d, "/z.bin", SIZE, SEED);
	get_exact(&d, "/z.bin", SIZE, SEED);
	cr_assert_gt(rp_metric(&d, "ringpushd_send_zc_total"), 0);
	cr_assert_geq(rp_metric(&d, "ringpushd_bytes_sent_total{engine=\"mmap\"}"), 2.0 * SIZE);
	deadline = rp_now_s() + rp_io_timeout();
	while ((copied = rp_metric(&d, "ringpushd_send_zc_copied_total")) == 0 && rp_now_s() < deadline)
		usleep(100 * 1000);
	cr_assert_gt(copied, 0, "no notification said the kernel copied on loopback");
	cr_assert_leq(copied, rp_metric(&d, "ringpushd_send_zc_total"));
	rp_assert_serving(&d);
	rp_stop(&d);
}

/* send_zc = off: plain sends only. */
Test(engines, send_zc_off_sends_plainly, .timeout = 120)
{
	enum { SIZE = 8 * MIB, SEED = 44 };
	struct rp_daemon d;

	rp_engine = "mmap";
	rp_setup(&d);
	rp_make_file(&d, "z.bin", SIZE, SEED);
	start_with(&d, "", "send_zc = off\n");
	get_exact(&d, "/z.bin", SIZE, SEED);
	cr_assert_eq(rp_metric(&d, "ringpushd_send_zc_total"), 0);
	cr_assert_geq(rp_metric(&d, "ringpushd_bytes_sent_total{engine=\"mmap\"}"), SIZE);
	rp_stop(&d);
}

/*
 * send_zc = auto on loopback: the first notification says the kernel
 * copied, and the connection sends plainly from then on.  A 32 MiB body
 * takes at least 32 sends of at most 1 MiB; long before the sixteenth,
 * the first one's bytes have reached the client and its notification
 * the daemon.
 */
Test(engines, send_zc_auto_stops_when_the_kernel_copies, .timeout = 120)
{
	enum { SIZE = 32 * MIB, SEED = 46 };
	struct rp_daemon d;
	double zc;

	if (!kernel_has_send_zc())
		cr_skip_test("this kernel has no IORING_OP_SEND_ZC");
	rp_engine = "mmap";
	rp_setup(&d);
	rp_make_file(&d, "z.bin", SIZE, SEED);
	start_with(&d, "", "send_zc = auto\n");
	get_exact(&d, "/z.bin", SIZE, SEED);
	zc = rp_metric(&d, "ringpushd_send_zc_total");
	cr_assert_gt(zc, 0, "auto made no zero-copy send of a 32 MiB body");
	cr_assert_lt(zc, 16, "auto went on with zero-copy sends the kernel copied (%.0f)", zc);
	rp_stop(&d);
}

/*
 * More copy transfers than buffers: those without one wait for a buffer
 * to come back, and every body arrives whole.  The test build's pool
 * holds 4 buffers ($RINGPUSHD_TEST_COPY_BUFS) and each body is larger
 * than a loopback socket's largest send buffer (tcp_wmem's 4 MiB) plus
 * the client's small receive buffer, so the first transfers hold theirs
 * until the client reads, which it does only once every header is in:
 * the others must wait, whatever the timing.  The clients are read as
 * their bytes come (poll), so no order of acceptance can deadlock the
 * test.
 */
Test(engines, copy_transfers_wait_for_a_buffer, .timeout = 300)
{
	enum { CLIENTS = 16, SIZE = 8 * 1024 * 1024, SEED = 45 };
	static struct rp_conn *c[CLIENTS];
	static struct pollfd pfd[CLIENTS];
	static uint64_t got[CLIENTS];
	struct rp_daemon d;
	unsigned char *buf;
	int left = CLIENTS;
	char *out;

	if (rp_test_daemon_path() == NULL)
		cr_skip_test("RINGPUSHD_TEST is not set (make integration sets it)");
	cr_assert_eq(setenv("RINGPUSHD", rp_test_daemon_path(), 1), 0);
	cr_assert_eq(setenv("RINGPUSHD_TEST_COPY_BUFS", "4", 1), 0);
	rp_engine = "copy";
	rp_setup(&d);
	rp_make_file(&d, "b.bin", SIZE, SEED);
	start_with(&d, "log_level = debug\n", "");
	for (int i = 0; i < CLIENTS; i++) {
		c[i] = rp_connect_rcvbuf(&d, 65536);
		rp_sends(c[i], "GET /b.bin HTTP/1.1\r\nHost: t\r\n\r\n");
	}
	/* every header goes out before its body needs a buffer */
	for (int i = 0; i < CLIENTS; i++) {
		struct rp_response r;

		cr_assert_eq(rp_read_head(c[i], &r), RP_OK, "client %d", i);
		cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
		rp_response_free(&r);
		pfd[i].fd = c[i]->fd;
		pfd[i].events = POLLIN;
	}
	buf = malloc(SIZE);
	cr_assert_not_null(buf);
	while (left > 0) {
		int ready = poll(pfd, CLIENTS, rp_io_timeout() * 1000);

		cr_assert_gt(ready, 0, "%d bodies stalled", left);
		for (int i = 0; i < CLIENTS; i++) {
			ssize_t n;

			/* bytes rp_read_head() buffered come first */
			if (pfd[i].fd < 0 || (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) &&
			    c[i]->len == c[i]->start))
				continue;
			n = rp_read_some(c[i], buf, SIZE - got[i]);
			cr_assert(n > 0, "client %d: body ended at %" PRIu64 ": %s", i, got[i],
			    rp_result_str((int)n));
			cr_assert_eq(rp_pattern_mismatch(SEED, got[i], buf, (size_t)n), -1);
			got[i] += (uint64_t)n;
			if (got[i] == SIZE) {
				pfd[i].fd = -1;
				left--;
			}
		}
	}
	for (int i = 0; i < CLIENTS; i++)
		rp_close(c[i]);
	free(buf);
	rp_assert_serving(&d);
	rp_stop(&d);
	out = rp_daemon_output(&d);
	cr_assert(strstr(out, "waits for a buffer") != NULL,
	    "no transfer had to wait for a buffer: the test proved nothing");
	free(out);
}
