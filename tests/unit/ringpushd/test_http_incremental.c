/*
 * test_http_incremental.c: http_parse_more(), the parser as the connection
 * code drives it, with a header that grows a few bytes per receive.  It
 * must answer exactly what one parse of the same bytes answers, and its
 * work must stay linear in the header's length however small the pieces.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include "http.h"

static struct http_request one, inc;

/* Feed buf in pieces of step bytes; returns the first answer that is not
 * "need more" (or -2 at the end), with its length in *fed. */
static ssize_t
feed(const char *buf, size_t len, size_t step, const struct http_limits *lim,
    struct http_progress *pg, size_t *fed)
{
	ssize_t n = -2;
	size_t got = 0;

	http_progress_reset(pg);
	while (got < len) {
		got += step < len - got ? step : len - got;
		n = http_parse_more(buf, got, lim, pg, &inc);
		if (n != -2)
			break;
	}
	*fed = got;
	return n;
}

/* A header of about size bytes: many short fields, or one long one. */
static size_t
make_header(char *buf, size_t cap, size_t size, bool one_long_field)
{
	size_t n = (size_t)snprintf(buf, cap, "GET /big HTTP/1.1\r\nHost: h\r\n");

	if (one_long_field) {
		n += (size_t)snprintf(buf + n, cap - n, "X-Long: ");
		while (n + 4 < size)
			buf[n++] = 'v';
		n += (size_t)snprintf(buf + n, cap - n, "\r\n\r\n");
		return n;
	}
	for (int i = 0; n + 20 < size; i++)
		n += (size_t)snprintf(buf + n, cap - n, "X-%d: abc\r\n", i % 10);
	n += (size_t)snprintf(buf + n, cap - n, "\r\n");
	return n;
}

Test(http_incremental, one_byte_at_a_time_is_linear)
{
	static char buf[70000];
	struct http_limits lim = { 65536, 100000, HTTP_TARGET_MAX };
	struct http_progress pg;
	size_t len, fed;
	ssize_t n;

	for (int shape = 0; shape < 2; shape++) {
		len = make_header(buf, sizeof(buf), 60000, shape == 1);
		n = feed(buf, len, 1, &lim, &pg, &fed);
		cr_assert_eq(n, (ssize_t)len, "shape %d: %zd, want %zu (status %d)",
		    shape, n, len, inc.error_status);
		cr_assert_eq(fed, len);
		cr_assert_leq(pg.work, 8 * len,
		    "shape %d: %zu bytes looked at for a %zu-byte header", shape,
		    pg.work, len);
	}
}

/* Empty lines before the request-line are allowed, and each pair of them
 * is a CRLF CRLF: they must not cost a parse each. */
Test(http_incremental, empty_lines_before_the_request_are_linear)
{
	static char buf[65536];
	struct http_limits lim = { 65536, HTTP_HEADERS_MAX, HTTP_TARGET_MAX };
	struct http_progress pg;
	size_t len = 0, fed;
	ssize_t n;

	while (len < 60000) {
		memcpy(buf + len, "\r\n", 2);
		len += 2;
	}
	len += (size_t)snprintf(buf + len, sizeof(buf) - len,
	    "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
	for (size_t step = 1; step <= 2; step++) {
		n = feed(buf, len, step, &lim, &pg, &fed);
		cr_assert_eq(n, (ssize_t)len, "step %zu: %zd, want %zu", step, n, len);
		cr_assert_leq(pg.work, 8 * len,
		    "step %zu: %zu bytes looked at for a %zu-byte header", step, pg.work, len);
	}
}

/* The same answers as one parse, whatever the piece size: requests,
 * pipelined ones, leading empty lines, and bad ones. */
Test(http_incremental, same_answer_as_one_parse)
{
	static const char *const reqs[] = {
		"GET / HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET / HTTP/1.0\r\n\r\n",
		"\r\n\r\n\r\nGET /a HTTP/1.1\r\nHost: h\r\nRange: bytes=1-2\r\n\r\n",
		"GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET /a HTTP/1.1\r\nHost: h\r\nBad Field: x\r\n\r\n",
		"GET /a HTTP/1.1\r\nHost: h\r\n x: folded\r\n\r\n",
		"GET /a HTTP/2.0\r\nHost: h\r\n\r\n",
		"G\x01T / HTTP/1.1\r\n\r\n",
		"GET /a HTTP/1.1\r\nHost: h\r\nX: y\n\r\n",
		"GET /a HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\n",
		"FOO /a HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET /a HTTP/1.1\r\nHost: h\r\nX: 0123456789012345678901234567890123456789\r\n\r\n",
	};
	struct http_limits lims[] = {
		{ 8192, HTTP_HEADERS_MAX, HTTP_TARGET_MAX },
		{ 40, HTTP_HEADERS_MAX, HTTP_TARGET_MAX },
		{ 8192, 1, 4 },
	};
	struct http_progress pg;
	size_t fed, len, whole;
	ssize_t want, got;

	for (size_t l = 0; l < sizeof(lims) / sizeof(lims[0]); l++) {
		for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
			len = strlen(reqs[i]);
			for (size_t step = 1; step <= len; step++) {
				got = feed(reqs[i], len, step, &lims[l], &pg, &fed);
				/* One parse of what was fed gives the same answer;
				 * only a refusal may wait for more bytes (a header
				 * that never ends is refused once the buffer has
				 * doubled). */
				want = http_parse_request_limits(reqs[i], fed, &lims[l], &one);
				cr_assert(got == want || (got == -2 && want == -1),
				    "limits %zu, request %zu, step %zu: %zd, want %zd",
				    l, i, step, got, want);
				if (got == -1)
					cr_assert_eq(inc.error_status, one.error_status,
					    "limits %zu, request %zu, step %zu", l, i, step);
				if (got > 0)
					cr_assert_str_eq(inc.path, one.path);
				/* And it answers no later than once the whole
				 * header (or max_header) is there. */
				whole = http_parse_request_limits(reqs[i], len, &lims[l], &one) > 0 ?
				    (size_t)http_parse_request_limits(reqs[i], len, &lims[l], &one) : len;
				if (whole > lims[l].max_header)
					whole = lims[l].max_header;
				cr_assert(fed < whole + step, "limits %zu, request %zu, step %zu: "
				    "answered after %zu bytes, the header ends at %zu", l, i, step, fed, whole);
			}
		}
	}
}

/* Garbage is refused without waiting for the end of a header that will
 * never come: at the latest when the buffer has doubled. */
Test(http_incremental, garbage_is_refused_early)
{
	static char buf[4096];
	struct http_limits lim = { 4096, HTTP_HEADERS_MAX, HTTP_TARGET_MAX };
	struct http_progress pg;
	size_t fed;
	ssize_t n;

	memset(buf, 'A', sizeof(buf));
	memcpy(buf, "GET / HTTP/1.1\r\nHost: h\r\nBad\x01", 29);
	n = feed(buf, sizeof(buf), 1, &lim, &pg, &fed);
	cr_assert_eq(n, -1);
	cr_assert_eq(inc.error_status, 400);
	cr_assert_leq(fed, 2 * 29, "refused only after %zu bytes", fed);
}
