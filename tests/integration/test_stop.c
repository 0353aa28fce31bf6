/*
 * test_stop.c: a graceful stop never cuts a response off with a reset.
 *
 * close() on a socket that holds received bytes nobody read sends a TCP
 * reset, and the reset throws away whatever the kernel had not yet sent.
 * These tests put client bytes the daemon has not read behind a large
 * response at the moment it stops, and check that the client still gets
 * every byte, then a clean end of stream.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "harness.h"

#define SEED 31

/* Wait until the daemon has logged that it is stopping. */
static void
wait_stopping(const struct rp_daemon *d)
{
	for (int i = 0; i < rp_io_timeout() * 50; i++) {
		char *out = rp_daemon_output(d);
		bool seen = strstr(out, "stopping") != NULL;

		free(out);
		if (seen)
			return;
		usleep(20000);
	}
	cr_assert_fail("no \"stopping\" line after SIGTERM");
}

/* True once the access log holds a line: the response was handed to the
 * kernel whole. */
static bool
access_logged(const struct rp_daemon *d)
{
	struct stat st;

	return stat(d->access_log, &st) == 0 && st.st_size > 0;
}

/* Read the body from *got up to size, checking every byte, then the end
 * of the stream: a FIN (recv returns 0), not a reset. */
static void
read_rest_and_eof(struct rp_conn *c, uint64_t got, uint64_t size)
{
	static unsigned char buf[1 << 16];
	ssize_t n;

	while (got < size) {
		size_t want = size - got < sizeof(buf) ? (size_t)(size - got) : sizeof(buf);

		/* buffered bytes first, then the socket itself, so that a
		 * reset is seen as one */
		if (c->len > c->start) {
			n = rp_read_some(c, buf, want);
		} else {
			do
				n = recv(c->fd, buf, want, 0);
			while (n < 0 && errno == EINTR);
		}
		cr_assert(n > 0, "body ended at %llu of %llu: %s", (unsigned long long)got,
		    (unsigned long long)size, n == 0 ? "end of stream" : strerror(errno));
		cr_assert_eq(rp_pattern_mismatch(SEED, got, buf, (size_t)n), -1,
		    "body corrupt near %llu", (unsigned long long)got);
		got += (uint64_t)n;
	}
	do
		n = recv(c->fd, buf, sizeof(buf), 0);
	while (n < 0 && errno == EINTR);
	cr_assert(n == 0, "after the whole body: %s",
	    n > 0 ? "more bytes" : strerror(errno));
}

static int
wait_exit(struct rp_daemon *d)
{
	int status = 0;

	for (int i = 0; i < rp_io_timeout() * 20; i++) {
		if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
			d->pid = 0;
			return status;
		}
		usleep(50000);
	}
	cr_assert_fail("ringpushd did not exit");
	return -1;
}

static void
start_with_timeout(struct rp_daemon *d)
{
	char conf[4096];

	rp_default_conf(d, conf, sizeof(conf));
	rp_conf_set(conf, sizeof(conf), "log_level", "info\nshutdown_timeout = 60s");
	rp_start_conf(d, conf);
}

/*
 * A response still being sent when the stop begins, and a second request
 * that arrived behind it (pipelined) and was never read: when the last
 * body byte is handed to the kernel, closing the socket at once would
 * reset it and destroy the megabytes still queued in it.
 */
RP_ENGINE_TEST(stop, response_under_way_survives_unread_request, .timeout = 180)
{
	struct rp_daemon d;
	struct rp_conn *c;
	struct rp_response r;
	uint64_t size = 20u << 20;
	int status;

	rp_setup(&d);
	rp_make_file(&d, "big.bin", size, SEED);
	start_with_timeout(&d);
	c = rp_connect_rcvbuf(&d, 65536);
	rp_sends(c, "GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n");
	cr_assert_eq(rp_read_head(c, &r), RP_OK);
	cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
	cr_assert_eq(r.content_length, size);
	rp_response_free(&r);
	/* the body stalls on the full socket buffers; this request waits
	 * unread in the daemon's receive queue */
	rp_sends(c, "GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n");
	usleep(300000);
	cr_assert_eq(kill(d.pid, SIGTERM), 0);
	wait_stopping(&d);

	read_rest_and_eof(c, 0, size);
	rp_close(c);
	status = wait_exit(&d);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "exit status 0x%x", status);
}

/*
 * A response handed to the kernel whole (the connection lingers, reading
 * to the client's end) while the client has not read it yet: the stop
 * must go on lingering, so that bytes the client still sends are read,
 * not answered with a reset that destroys the queued tail.
 */
Test(stop, lingering_response_survives_client_bytes, .timeout = 180)
{
	struct rp_daemon d;
	struct rp_conn *c;
	struct rp_response r;
	static const char more[] = "GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n";
	static unsigned char buf[1 << 16];
	uint64_t size = 16u << 20, got = 0;
	int status;

	rp_setup(&d);
	rp_make_file(&d, "big.bin", size, SEED);
	start_with_timeout(&d);
	c = rp_connect_rcvbuf(&d, 65536);
	rp_sends(c, "GET /big.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
	cr_assert_eq(rp_read_head(c, &r), RP_OK);
	cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
	rp_response_free(&r);
	/* read slowly until the daemon has sent the whole response and
	 * lingers; the tail then sits in the socket buffers */
	while (!access_logged(&d)) {
		ssize_t n = rp_read_some(c, buf, 16384);

		cr_assert(n > 0, "body ended at %llu: %s", (unsigned long long)got,
		    rp_result_str((int)n));
		cr_assert_eq(rp_pattern_mismatch(SEED, got, buf, (size_t)n), -1);
		got += (uint64_t)n;
		usleep(2000);
	}
	cr_assert(got < size, "the whole body arrived before the daemon logged it");
	cr_assert_eq(kill(d.pid, SIGTERM), 0);
	wait_stopping(&d);
	/* give the stop a moment to act on the lingering connection */
	usleep(300000);
	/* more bytes from the client, as a pipelining client would send */
	cr_assert(rp_send_try(c, more, sizeof(more) - 1), "the daemon reset the connection");
	usleep(300000);

	read_rest_and_eof(c, got, size);
	rp_close(c);
	status = wait_exit(&d);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "exit status 0x%x", status);
}

/*
 * A keep-alive response handed to the kernel whole, the connection back
 * to waiting for a request while the tail of that response is still in
 * the socket: the stop must not close it in a way that the client's next
 * request answers with a reset.
 */
Test(stop, keep_alive_response_tail_survives_next_request, .timeout = 180)
{
	static const char next[] = "GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n";
	static unsigned char buf[1 << 16];
	struct rp_daemon d;
	struct rp_conn *c;
	struct rp_response r;
	uint64_t size = 16u << 20, got = 0;
	int status;

	rp_setup(&d);
	rp_make_file(&d, "big.bin", size, SEED);
	start_with_timeout(&d);
	c = rp_connect_rcvbuf(&d, 65536);
	rp_sends(c, "GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n");
	cr_assert_eq(rp_read_head(c, &r), RP_OK);
	cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
	cr_assert_null(rp_hdr(&r, "Connection"), "%s", rp_describe(&r));
	rp_response_free(&r);
	while (!access_logged(&d)) {
		ssize_t n = rp_read_some(c, buf, 16384);

		cr_assert(n > 0, "body ended at %llu: %s", (unsigned long long)got,
		    rp_result_str((int)n));
		cr_assert_eq(rp_pattern_mismatch(SEED, got, buf, (size_t)n), -1);
		got += (uint64_t)n;
		usleep(2000);
	}
	cr_assert(got < size, "the whole body arrived before the daemon logged it");
	cr_assert_eq(kill(d.pid, SIGTERM), 0);
	wait_stopping(&d);
	usleep(300000);
	/* the client's next request, sent before it read the whole body */
	cr_assert(rp_send_try(c, next, sizeof(next) - 1), "the daemon reset the connection");
	usleep(300000);

	read_rest_and_eof(c, got, size);
	rp_close(c);
	status = wait_exit(&d);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "exit status 0x%x", status);
}

/* An idle keep-alive connection whose responses were all delivered is
 * still closed at once: with header_timeout and shutdown_timeout far
 * away, the daemon exits while the client keeps its end open only if it
 * did not linger. */
Test(stop, idle_connection_closed_at_once, .timeout = 180)
{
	struct rp_daemon d;
	struct rp_conn *c;
	struct rp_response r;
	char conf[4096];
	int status, one = 1;

	rp_setup(&d);
	rp_make_file(&d, "small.bin", 100000, SEED);
	rp_default_conf(&d, conf, sizeof(conf));
	rp_conf_set(conf, sizeof(conf), "header_timeout", "10m");
	rp_conf_set(conf, sizeof(conf), "log_level", "info\nshutdown_timeout = 10m");
	rp_start_conf(&d, conf);
	c = rp_connect(&d);
	/* acknowledge what arrives at once, not after a delayed-ACK timer */
	setsockopt(c->fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
	rp_sends(c, "GET /small.bin HTTP/1.1\r\nHost: t\r\n\r\n");
	cr_assert_eq(rp_read_response(c, &r, false), RP_OK);
	cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
	cr_assert_eq(rp_pattern_mismatch(SEED, 0, r.body, r.body_len), -1);
	rp_response_free(&r);
	/* the client has read it all; give the ACKs a moment to return */
	usleep(500000);
	cr_assert_eq(kill(d.pid, SIGTERM), 0);
	status = wait_exit(&d);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "exit status 0x%x", status);
	cr_assert_eq(rp_wait_close(c, rp_io_timeout()), RP_CLOSED);
	rp_close(c);
}

