/*
 * test_file_preconditions.c: If-Match and If-Unmodified-Since (RFC 9110
 * 13.1.1, 13.1.4), 412 in the order of 13.2.2, through the parser.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include "file.h"
#include "http.h"

#define ETAG "\"abc-1\""
#define MTIME ((time_t)784111777)       /* Sun, 06 Nov 1994 08:49:37 GMT */
#define NOW ((time_t)1700000000)

static struct http_request req;

/* The conditional answer to GET / with the given header lines. */
static int
cond(const char *fields)
{
	char raw[2048];
	ssize_t n;

	snprintf(raw, sizeof(raw), "GET / HTTP/1.1\r\nHost: h\r\n%s\r\n", fields);
	n = http_parse_request(raw, strlen(raw), 8192, &req);
	cr_assert_gt(n, 0, "%s: status %d", fields, req.error_status);
	return file_conditional(&req, ETAG, MTIME, NOW);
}

Test(preconditions, if_match)
{
	cr_assert_eq(cond("If-Match: " ETAG "\r\n"), 0);
	cr_assert_eq(cond("If-Match: *\r\n"), 0);
	cr_assert_eq(cond("If-Match: \"x\", " ETAG "\r\n"), 0);
	/* several lines are one list */
	cr_assert_eq(cond("If-Match: \"x\"\r\nAccept: */*\r\nIf-Match: " ETAG "\r\n"), 0);
	cr_assert_eq(cond("If-Match: \"x\"\r\n"), 412);
	cr_assert_eq(cond("If-Match: \"x\", \"y\"\r\n"), 412);
	/* strong comparison: the weak form of the same tag fails */
	cr_assert_eq(cond("If-Match: W/" ETAG "\r\n"), 412);
	/* malformed: no match, never the bytes */
	cr_assert_eq(cond("If-Match: abc-1\r\n"), 412);
	cr_assert_eq(cond("If-Match: " ETAG ", junk\r\n"), 412);
	cr_assert_eq(cond("If-Match: *\r\nIf-Match: \"x\"\r\n"), 412);
	/* a file without a tag matches nothing but "*" either */
	cond("If-Match: *\r\n");
	cr_assert_eq(file_conditional(&req, NULL, MTIME, NOW), 412);
}

Test(preconditions, if_unmodified_since)
{
	/* the example from the field: the file changed after 2006 */
	cr_assert_eq(cond("If-Unmodified-Since: Mon, 02 Jan 2006 15:04:05 GMT\r\n"), 0);
	cr_assert_eq(cond("If-Unmodified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n"), 0);
	cr_assert_eq(cond("If-Unmodified-Since: Sun, 06 Nov 1994 08:49:36 GMT\r\n"), 412);
	cr_assert_eq(cond("If-Unmodified-Since: Mon, 02 Jan 1984 15:04:05 GMT\r\n"), 412);
	/* obsolete forms count too */
	cr_assert_eq(cond("If-Unmodified-Since: Sunday, 06-Nov-94 08:49:36 GMT\r\n"), 412);
	/* not a date: ignored */
	cr_assert_eq(cond("If-Unmodified-Since: yesterday\r\n"), 0);
	cr_assert_eq(cond("If-Unmodified-Since: \r\n"), 0);
}

/* RFC 9110 13.2.2: If-Match, then If-Unmodified-Since only without it,
 * then If-None-Match / If-Modified-Since. */
Test(preconditions, order)
{
	/* a matching If-Match makes If-Unmodified-Since irrelevant */
	cr_assert_eq(cond("If-Match: " ETAG "\r\n"
	    "If-Unmodified-Since: Mon, 02 Jan 1984 15:04:05 GMT\r\n"), 0);
	/* 412 before 304 */
	cr_assert_eq(cond("If-Match: \"x\"\r\nIf-None-Match: " ETAG "\r\n"), 412);
	cr_assert_eq(cond("If-Unmodified-Since: Mon, 02 Jan 1984 15:04:05 GMT\r\n"
	    "If-Modified-Since: Mon, 02 Jan 2006 15:04:05 GMT\r\n"), 412);
	/* both pass: the 304 rules decide */
	cr_assert_eq(cond("If-Match: " ETAG "\r\nIf-None-Match: " ETAG "\r\n"), 304);
	cr_assert_eq(cond("If-Unmodified-Since: Mon, 02 Jan 2006 15:04:05 GMT\r\n"
	    "If-Modified-Since: Mon, 02 Jan 2006 15:04:05 GMT\r\n"), 304);
}

Test(preconditions, parser_rules)
{
	/* If-Unmodified-Since is a single date: twice is malformed */
	const char raw[] = "GET / HTTP/1.1\r\nHost: h\r\n"
	    "If-Unmodified-Since: Mon, 02 Jan 2006 15:04:05 GMT\r\n"
	    "If-Unmodified-Since: Mon, 02 Jan 2006 15:04:05 GMT\r\n\r\n";

	cr_assert_eq(http_parse_request(raw, strlen(raw), 8192, &req), -1);
	cr_assert_eq(req.error_status, 400);
	/* fields are found case-insensitively and trimmed */
	cr_assert_eq(cond("if-match:  " ETAG "  \r\n"), 0);
	cr_assert_eq(req.if_match.len, strlen(ETAG));
	cr_assert_eq(cond("IF-UNMODIFIED-SINCE:\tMon, 02 Jan 1984 15:04:05 GMT\r\n"), 412);
}
