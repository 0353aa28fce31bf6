/*
 * test_http_conformance.c: request forms and fields the parser must
 * accept as RFC 9110 and RFC 9112 describe them, and two-digit years.
 */
#include <criterion/criterion.h>
#include <string.h>
#include "file.h"
#include "http.h"

static struct http_request req;

static ssize_t
parse(const char *s)
{
	return http_parse_request(s, strlen(s), 8192, &req);
}

/* RFC 9112 3.2.2: with an absolute-form target the server uses its
 * authority and ignores Host, whatever Host says. */
Test(http_conformance, absolute_form_authority_wins_over_host)
{
	cr_assert_gt(parse("GET http://a.example/x HTTP/1.1\r\nHost: b.example\r\n\r\n"), 0,
	    "status %d", req.error_status);
	cr_assert_str_eq(req.path, "/x");
	cr_assert_gt(parse("GET http://a.example:8080 HTTP/1.1\r\nHost: \r\n\r\n"), 0,
	    "status %d", req.error_status);
	cr_assert_str_eq(req.path, "/");
	/* Host is still required of an HTTP/1.1 request (RFC 9112 3.2). */
	cr_assert_eq(parse("GET http://a.example/x HTTP/1.1\r\n\r\n"), -1);
	cr_assert_eq(req.error_status, 400);
}

/* RFC 9110 5.3: If-None-Match is a list; several field lines are one list
 * joined by commas, whatever lies between them. */
Test(http_conformance, if_none_match_lines_combine)
{
	static const char raw[] = "GET / HTTP/1.1\r\nHost: h\r\n"
	    "If-None-Match: \"a\", W/\"b\"\r\nX-Other: \"c\"\r\n"
	    "if-none-match:\t\"d\" \r\nRange: bytes=0-1\r\n\r\n";

	cr_assert_gt(parse(raw), 0, "status %d", req.error_status);
	cr_assert_not_null(req.if_none_match.p);
	cr_assert_eq(file_conditional(&req, "\"a\"", 0, 0), 304);
	cr_assert_eq(file_conditional(&req, "\"b\"", 0, 0), 304);
	cr_assert_eq(file_conditional(&req, "\"d\"", 0, 0), 304);
	/* "c" is in another field between them: not a member. */
	cr_assert_eq(file_conditional(&req, "\"c\"", 0, 0), 0);
	cr_assert_eq(file_conditional(&req, "\"e\"", 0, 0), 0);
	cr_assert_eq(req.range.len, 9);

	/* A member that is not an entity-tag, on any line, makes the whole
	 * list malformed: the full response, never a wrong 304. */
	cr_assert_gt(parse("GET / HTTP/1.1\r\nHost: h\r\nIf-None-Match: \"a\"\r\n"
	    "If-None-Match: junk\r\n\r\n"), 0);
	cr_assert_eq(file_conditional(&req, "\"a\"", 0, 0), 0);
	/* "*" is the whole value or nothing. */
	cr_assert_gt(parse("GET / HTTP/1.1\r\nHost: h\r\nIf-None-Match: *\r\n"
	    "If-None-Match: \"x\"\r\n\r\n"), 0);
	cr_assert_eq(file_conditional(&req, "\"a\"", 0, 0), 0);
	cr_assert_gt(parse("GET / HTTP/1.1\r\nHost: h\r\nIf-None-Match: *\r\n\r\n"), 0);
	cr_assert_eq(file_conditional(&req, "\"a\"", 0, 0), 304);
	/* An empty line adds no member. */
	cr_assert_gt(parse("GET / HTTP/1.1\r\nHost: h\r\nIf-None-Match:\r\n"
	    "If-None-Match: \"a\"\r\n\r\n"), 0);
	cr_assert_eq(file_conditional(&req, "\"a\"", 0, 0), 304);
}

/* RFC 9112 3.2.3: CONNECT takes an authority-form target; the request is
 * well-formed, and the server answers that it does not do CONNECT. */
Test(http_conformance, connect_authority_form_parses)
{
	cr_assert_gt(parse("CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n"), 0,
	    "status %d", req.error_status);
	cr_assert_eq(req.method, HTTP_CONNECT);
	cr_assert_str_eq(req.path, "/");
	cr_assert_gt(parse("CONNECT [2001:db8::1]:8443 HTTP/1.1\r\nHost: x\r\n\r\n"), 0,
	    "status %d", req.error_status);
	/* authority-form is host ":" port, and only for CONNECT. */
	cr_assert_eq(parse("CONNECT a HTTP/1.1\r\nHost: a\r\n\r\n"), -1);
	cr_assert_eq(parse("CONNECT a: HTTP/1.1\r\nHost: a\r\n\r\n"), -1);
	cr_assert_eq(parse("CONNECT a:4x3 HTTP/1.1\r\nHost: a\r\n\r\n"), -1);
	cr_assert_eq(parse("CONNECT u@a:443 HTTP/1.1\r\nHost: a\r\n\r\n"), -1);
	cr_assert_eq(parse("GET a:443 HTTP/1.1\r\nHost: a\r\n\r\n"), -1);
	cr_assert_eq(req.error_status, 400);
}

/* RFC 9110 5.6.7: a two-digit year more than 50 years in the future is
 * the most recent past year with those digits: relative to now, not a
 * fixed 1970 pivot. */
Test(http_conformance, rfc850_years_are_relative_to_now)
{
	const time_t now = 1796209200;        /* 2026-12-02T11:00:00Z */
	time_t t;

	cr_assert_eq(http_parse_date_at("Wednesday, 01-Jan-70 00:00:00 GMT", 33, now, &t), 0);
	cr_assert_eq(t, 3155760000, "70 is 2070 in 2026, got %lld", (long long)t);
	cr_assert_eq(http_parse_date_at("Wednesday, 01-Jan-76 00:00:00 GMT", 33, now, &t), 0);
	cr_assert_eq(t, 3345062400, "76 is 2076 in 2026");
	cr_assert_eq(http_parse_date_at("Saturday, 01-Jan-77 00:00:00 GMT", 32, now, &t), 0);
	cr_assert_eq(t, 220924800, "77 is 1977 in 2026");
	/* The boundary is 50 years to the second. */
	cr_assert_eq(http_parse_date_at("Wednesday, 02-Dec-76 10:59:59 GMT", 33, now, &t), 0);
	cr_assert_eq(t, 3374132399);
	cr_assert_eq(http_parse_date_at("Wednesday, 02-Dec-76 11:00:01 GMT", 33, now, &t), 0);
	cr_assert_eq(t, 218372401);
	/* In 1995, 70 was 1970. */
	cr_assert_eq(http_parse_date_at("Thursday, 01-Jan-70 00:00:00 GMT", 32, 801964800, &t), 0);
	cr_assert_eq(t, 0);
	/* The four-digit forms do not depend on now. */
	cr_assert_eq(http_parse_date_at("Thu, 01 Jan 1970 00:00:00 GMT", 29, now, &t), 0);
	cr_assert_eq(t, 0);
}

/* RFC 9110 13.1.5: an HTTP-date in If-Range counts only if it is a strong
 * validator, and a Last-Modified second is not one here: a file may be
 * rewritten within the second, and a resumed download would then join
 * two versions.  Only the (strong) ETag can say the file is the same. */
Test(http_conformance, if_range_date_is_not_strong)
{
	cr_assert_gt(parse("GET / HTTP/1.1\r\nHost: h\r\nRange: bytes=1-2\r\n"
	    "If-Range: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n"), 0);
	cr_assert(!file_if_range(&req, "\"1-2-3\""),
	    "a date equal to Last-Modified resumed the transfer");
	cr_assert_gt(parse("GET / HTTP/1.1\r\nHost: h\r\nRange: bytes=1-2\r\n"
	    "If-Range: \"1-2-3\"\r\n\r\n"), 0);
	cr_assert(file_if_range(&req, "\"1-2-3\""));
}
