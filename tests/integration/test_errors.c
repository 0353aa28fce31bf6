/*
 * test_errors.c: malformed requests (RFC 9112).  Each gets its status,
 * the connection is closed, and the daemon goes on serving on a new
 * connection.  Also the header timeout.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/*
 * Send raw on a fresh connection; expect a response with status, then the
 * server closing the connection; then a normal request must still work.
 */
static void
expect_error(const struct rp_daemon *d, const char *raw, size_t len, int status,
    const char *what)
{
	struct rp_response r;
	struct rp_conn *c = rp_connect(d);
	const char *conn;
	int res;

	/* The daemon may answer and close before it has read everything. */
	rp_send_try(c, raw, len);
	res = rp_read_response(c, &r, false);
	cr_assert(res == RP_OK, "%s: %s (want %d)\n%s", what, rp_result_str(res), status,
	    rp_describe(&r));
	cr_assert_eq(r.status, status, "%s: want %d:\n%s", what, status, rp_describe(&r));
	conn = rp_hdr(&r, "Connection");
	cr_assert(conn != NULL && strcasecmp(conn, "close") == 0,
	    "%s: an error that closes should say Connection: close:\n%s", what,
	    rp_describe(&r));
	res = rp_wait_close(c, rp_io_timeout());
	cr_assert_eq(res, RP_CLOSED, "%s: connection not closed after %d (%s)", what, status,
	    rp_result_str(res));
	rp_response_free(&r);
	rp_close(c);
	rp_assert_serving(d);
}

#define EXPECT(d, raw, status) expect_error(d, raw, sizeof(raw) - 1, status, #raw)

Test(errors, malformed_400)
{
	struct rp_daemon d;

	rp_setup(&d);
	rp_start(&d);
	EXPECT(&d, "GET /alive.txt HTTP/1.1\nHost: t\n\n", 400);
	EXPECT(&d, "GET /alive.txt HTTP/1.1\r\nHost: t\nX: y\r\n\r\n", 400);
	EXPECT(&d, "GET /alive.txt HTTP/1.1\r\nHost : t\r\n\r\n", 400);
	EXPECT(&d, "GET /alive.txt HTTP/1.1\r\nHost: t\r\nX-A : b\r\n\r\n", 400);
	EXPECT(&d, "GET /alive.txt HTTP/1.1\r\nHost: t\r\nX-A: a\r\n b\r\n\r\n", 400);
	EXPECT(&d, "GET /alive.txt HTTP/1.1\r\nHost: t\r\nX-A: a\r\n\tb\r\n\r\n", 400);
	EXPECT(&d, "GET /alive.txt HTTP/1.1\r\n\r\n", 400);
	EXPECT(&d, "GET /alive.txt HTTP/1.1\r\nX: y\r\n\r\n", 400);
	EXPECT(&d, "GET /alive.txt HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400);
	EXPECT(&d, "GET /alive.txt HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400);
	EXPECT(&d, "GET /alive.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400);
	EXPECT(&d, "GET /alive.txt HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n"
	    "Content-Length: 5\r\n\r\n", 400);
	EXPECT(&d, "GET /alive.txt HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\n", 400);
	EXPECT(&d, "GET /alive.txt HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\n\r\n", 400);
	EXPECT(&d, "GET /alive.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 1x\r\n\r\n", 400);
	EXPECT(&d, "GET /alive.txt HTTP/1.1\r\nHost: t\r\nContent-Length: \r\n\r\n", 400);
	EXPECT(&d, "GET /alive.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n"
	    "Content-Length: 2\r\n\r\nab", 400);
	EXPECT(&d, "GET /alive.txt HTTP/1.1\r\nHost: t\r\n"
	    "Content-Length: 99999999999999999999999\r\n\r\n", 400);
	EXPECT(&d, "GET /alive.txt HTTP/1.1\r\nHost: t\r\nNoColonHere\r\n\r\n", 400);
	EXPECT(&d, "GET /alive.txt HTTP/1.1\r\nHost: t\r\n: empty-name\r\n\r\n", 400);
	EXPECT(&d, "GET  /alive.txt HTTP/1.1\r\nHost: t\r\n\r\n", 400);
	EXPECT(&d, "GET /alive.txt  HTTP/1.1\r\nHost: t\r\n\r\n", 400);
	EXPECT(&d, "GET alive.txt HTTP/1.1\r\nHost: t\r\n\r\n", 400);
	EXPECT(&d, "GET /alive.txt HTTP/1.1 extra\r\nHost: t\r\n\r\n", 400);
	EXPECT(&d, "GARBAGE\r\n\r\n", 400);
	EXPECT(&d, "GET /alive.txt%zz HTTP/1.1\r\nHost: t\r\n\r\n", 400);
	EXPECT(&d, "GET /alive.txt%00 HTTP/1.1\r\nHost: t\r\n\r\n", 400);
	EXPECT(&d, "GET /alive.txt HTTP/1.1\r\nHost: t\r\nX-\001: a\r\n\r\n", 400);
	rp_stop(&d);
}

/* A request line without a version is malformed for HTTP/1.1, or an
 * HTTP/0.9 request, which is not supported: 400 and 505 are both right. */
Test(errors, missing_version)
{
	static const char raw[] = "GET /alive.txt\r\nHost: t\r\n\r\n";
	struct rp_daemon d;
	struct rp_response r;
	struct rp_conn *c;
	int res;

	rp_setup(&d);
	rp_start(&d);
	c = rp_connect(&d);
	rp_send_try(c, raw, sizeof(raw) - 1);
	res = rp_read_response(c, &r, false);
	cr_assert(res == RP_OK, "%s", rp_result_str(res));
	cr_assert(r.status == 400 || r.status == 505, "no version: want 400 or 505:\n%s",
	    rp_describe(&r));
	cr_assert_eq(rp_wait_close(c, rp_io_timeout()), RP_CLOSED);
	rp_response_free(&r);
	rp_close(c);
	rp_assert_serving(&d);
	rp_stop(&d);
}

/* A NUL inside the request line or a header is never valid. */
Test(errors, embedded_nul_400)
{
	static const char raw1[] = "GET /alive.txt\0x HTTP/1.1\r\nHost: t\r\n\r\n";
	static const char raw2[] = "GET /alive.txt HTTP/1.1\r\nHost: t\r\nX-A: a\0b\r\n\r\n";
	struct rp_daemon d;

	rp_setup(&d);
	rp_start(&d);
	expect_error(&d, raw1, sizeof(raw1) - 1, 400, "NUL in the request line");
	expect_error(&d, raw2, sizeof(raw2) - 1, 400, "NUL in a header value");
	rp_stop(&d);
}

Test(errors, versions_505)
{
	struct rp_daemon d;

	rp_setup(&d);
	rp_start(&d);
	EXPECT(&d, "GET /alive.txt HTTP/2.0\r\nHost: t\r\n\r\n", 505);
	EXPECT(&d, "GET /alive.txt HTTP/3.0\r\nHost: t\r\n\r\n", 505);
	rp_stop(&d);
}

static char *
big_request(size_t target_len, size_t header_len)
{
	char *raw = malloc(target_len + header_len + 256);
	size_t n, i;

	cr_assert_not_null(raw);

	n = (size_t)sprintf(raw, "GET /");
	/* Short segments: no path component may exceed NAME_MAX. */
	for (i = 0; i < target_len - 1; i++)
		raw[n + i] = i % 64 == 63 ? '/' : 'a';
	n += target_len - 1;
	n += (size_t)sprintf(raw + n, " HTTP/1.1\r\nHost: t\r\n");
	if (header_len > 0) {
		n += (size_t)sprintf(raw + n, "X-Big: ");
		memset(raw + n, 'b', header_len);
		n += header_len;
		n += (size_t)sprintf(raw + n, "\r\n");
	}
	sprintf(raw + n, "\r\n");
	return raw;
}

Test(errors, too_large_431_414)
{
	struct rp_daemon d;
	struct rp_response r;
	char *raw;
	int res, i;

	rp_setup(&d);
	rp_start(&d);

	raw = big_request(10, 9000);
	expect_error(&d, raw, strlen(raw), 431, "a 9000-byte header field with 8K allowed");
	free(raw);

	/* A header far beyond the limit: the daemon must stop reading and answer. */
	raw = big_request(10, 200000);
	expect_error(&d, raw, strlen(raw), 431, "a 200 kB header with 8K allowed");
	free(raw);

	raw = big_request(5000, 0);
	expect_error(&d, raw, strlen(raw), 414, "a 5000-byte target");
	free(raw);

	raw = big_request(4097, 0);
	expect_error(&d, raw, strlen(raw), 414, "a 4097-byte target");
	free(raw);

	/* Under both limits: an ordinary 404. */
	raw = big_request(3000, 3000);
	res = rp_exchange(&d, raw, false, &r);
	cr_assert(res == RP_OK, "3000-byte target + 3000-byte field: %s", rp_result_str(res));
	cr_assert_eq(r.status, 404, "3000-byte target + 3000-byte field:\n%s", rp_describe(&r));
	rp_response_free(&r);
	free(raw);

	/* Many small fields adding up past 8K. */
	raw = malloc(20000);
	cr_assert_not_null(raw);
	strcpy(raw, "GET /alive.txt HTTP/1.1\r\nHost: t\r\n");
	for (i = 0; i < 400; i++)
		sprintf(raw + strlen(raw), "X-F%d: v\r\n", i);
	strcat(raw, "\r\n");
	expect_error(&d, raw, strlen(raw), 431, "400 small header fields");
	free(raw);
	rp_stop(&d);
}

/* A request that stops half way is closed at header_timeout; the daemon
 * keeps serving meanwhile. */
Test(errors, header_timeout_closes)
{
	struct rp_daemon d;
	struct rp_conn *c;
	char conf[8192];
	int res;

	rp_setup(&d);
	rp_default_conf(&d, conf, sizeof(conf));
	rp_conf_set(conf, sizeof(conf), "header_timeout", "1s");
	rp_start_conf(&d, conf);
	c = rp_connect(&d);
	rp_sends(c, "GET /alive.txt HTTP/1.1\r\nHost: t\r\n");
	rp_assert_serving(&d);
	/* Either a 408 or a plain close; what matters is that it ends. */
	res = rp_wait_close(c, rp_io_timeout());
	if (res == RP_OK) {
		struct rp_response r;

		res = rp_read_response(c, &r, false);
		cr_assert(res == RP_OK, "%s", rp_result_str(res));
		cr_assert_eq(r.status, 408, "a timed-out header got:\n%s", rp_describe(&r));
		rp_response_free(&r);
		res = rp_wait_close(c, rp_io_timeout());
	}
	cr_assert_eq(res, RP_CLOSED, "half a request was not closed at header_timeout (%s)",
	    rp_result_str(res));
	rp_close(c);
	rp_assert_serving(&d);
	rp_stop(&d);
}

/* Requests sent in tiny pieces are reassembled. */
Test(errors, request_in_pieces)
{
	static const char raw[] = "GET /alive.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
	struct rp_daemon d;
	struct rp_response r;
	struct rp_conn *c;
	size_t i;
	int res;

	rp_setup(&d);
	rp_write_file(&d, "alive.txt", "ok\n", 3);
	rp_start(&d);
	c = rp_connect(&d);
	for (i = 0; i < sizeof(raw) - 1; i++)
		rp_send(c, raw + i, 1);
	res = rp_read_response(c, &r, false);
	cr_assert(res == RP_OK, "%s", rp_result_str(res));
	cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
	cr_assert(r.body_len == 3 && memcmp(r.body, "ok\n", 3) == 0);
	rp_response_free(&r);
	rp_close(c);
	rp_stop(&d);
}

/* Garbage and abrupt disconnects in bulk do not take the daemon down. */
RP_ENGINE_TEST(errors, garbage_and_resets, .timeout = 120)
{
	struct rp_daemon d;
	struct rp_conn *c;
	unsigned char junk[4096];
	int i;

	rp_setup(&d);
	rp_make_file(&d, "big.bin", 8 * 1024 * 1024, 3);
	rp_start(&d);
	for (i = 0; i < 20; i++) {
		c = rp_connect(&d);
		rp_pattern((uint64_t)i, 0, junk, sizeof(junk));
		rp_send(c, junk, sizeof(junk));
		rp_abort(c);

		c = rp_connect(&d);
		rp_sends(c, "GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n");
		rp_abort(c);

		c = rp_connect(&d);
		rp_sends(c, "GET /big");
		rp_close(c);
	}
	rp_assert_serving(&d);
	rp_stop(&d);
}
