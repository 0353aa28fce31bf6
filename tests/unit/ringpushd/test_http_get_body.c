/*
 * test_http_get_body.c: a GET or HEAD with a Content-Length body parses
 * (the daemon drops the body) up to HTTP_DISCARD_BODY_MAX, is 413 above
 * it; Transfer-Encoding on them stays refused.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include "http.h"

static struct http_request req;

static ssize_t
parse(const char *s)
{
	return http_parse_request(s, strlen(s), 8192, &req);
}

Test(http_get_body, content_length_parses)
{
	static const char get[] = "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello";
	static const char head[] = "HEAD / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\n";

	/* the length returned is the header's: the body is the caller's */
	cr_assert_eq(parse(get), (ssize_t)strlen(get) - 5, "status %d", req.error_status);
	cr_assert_eq(req.content_length, 5);
	cr_assert(req.keep_alive);
	cr_assert_eq(parse(head), (ssize_t)strlen(head), "status %d", req.error_status);
	cr_assert_eq(req.content_length, 1);
}

Test(http_get_body, bound)
{
	char raw[256];

	snprintf(raw, sizeof(raw), "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: %u\r\n\r\n",
	    (unsigned)HTTP_DISCARD_BODY_MAX);
	cr_assert_gt(parse(raw), 0, "status %d", req.error_status);
	cr_assert_eq(req.content_length, HTTP_DISCARD_BODY_MAX);
	snprintf(raw, sizeof(raw), "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: %u\r\n\r\n",
	    (unsigned)HTTP_DISCARD_BODY_MAX + 1);
	cr_assert_eq(parse(raw), -1);
	cr_assert_eq(req.error_status, 413);
	cr_assert_eq(parse("HEAD / HTTP/1.1\r\nHost: h\r\n"
	    "Content-Length: 18446744073709551615\r\n\r\n"), -1);
	cr_assert_eq(req.error_status, 413);
	/* other methods are not bounded here: they get 405 and a close */
	snprintf(raw, sizeof(raw), "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: %u\r\n\r\n",
	    (unsigned)HTTP_DISCARD_BODY_MAX + 1);
	cr_assert_gt(parse(raw), 0);
}

Test(http_get_body, transfer_encoding_still_refused)
{
	cr_assert_eq(parse("GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"), -1);
	cr_assert_eq(req.error_status, 400);
	cr_assert_eq(parse("HEAD / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: identity\r\n\r\n"), -1);
	cr_assert_eq(req.error_status, 400);
	/* a malformed length is still malformed */
	cr_assert_eq(parse("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 6\r\n\r\n"), -1);
	cr_assert_eq(req.error_status, 400);
}
