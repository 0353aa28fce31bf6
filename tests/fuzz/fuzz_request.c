/*
 * fuzz_request.c: libFuzzer target for http_parse_request().
 *
 * Invariants: a success never claims more bytes than it was given or than
 * max_header, holds no more fields than max_headers and no longer target
 * than max_target, ends on CRLF CRLF, and yields a decoded path that
 * starts with '/', has no NUL, control byte or "." / ".." segment; every
 * prefix of a good request is "need more"; fed in pieces
 * (http_parse_more) it answers the same, with work linear in its length;
 * a failure names a known status;
 * and the dates and response writer accept whatever the parser produced.
 *
 * The first byte picks the limits now and then: 'L' a 64-byte header,
 * 'M' at most 2 fields and a 64-byte target, anything else the defaults
 * with an 8 KiB header.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_span(struct http_span s, const char *buf, size_t len)
{
	if (s.p == NULL)
		return;
	if (s.p < buf || s.p + s.len > buf + len)
		abort();
}

static void
check_path(const struct http_request *req)
{
	size_t i, seg = 1;

	if (req->path[0] != '/' || strlen(req->path) != req->path_len ||
	    req->path_len > HTTP_TARGET_MAX)
		abort();
	for (i = 0; i <= req->path_len; i++) {
		unsigned char c = (unsigned char)req->path[i];

		if (i < req->path_len && (c < 0x20 || c == 0x7f))
			abort();
		if (i < req->path_len && c != '/')
			continue;
		if ((i - seg == 1 && req->path[seg] == '.') ||
		    (i - seg == 2 && req->path[seg] == '.' &&
		    req->path[seg + 1] == '.'))
			abort();
		seg = i + 1;
	}
}

/* Field lines in a complete header of len bytes: its CRLFs, less the
 * leading empty lines, the request-line's and the final one. */
static unsigned
count_fields(const char *buf, size_t len)
{
	size_t i = 0;
	unsigned crlf = 0;

	while (i + 1 < len && buf[i] == '\r' && buf[i + 1] == '\n')
		i += 2;
	for (; i + 1 < len; i++)
		if (buf[i] == '\r' && buf[i + 1] == '\n')
			crlf++;
	return crlf - 2;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_request req, again;
	const char *buf = (const char *)data;
	struct http_limits lim = { 8192, HTTP_HEADERS_MAX, HTTP_TARGET_MAX };
	size_t max_header;
	ssize_t n, m;
	char out[1024], date[HTTP_DATE_LEN];
	time_t t;

	if (size > 0 && data[0] == 'L')
		lim.max_header = 64;
	if (size > 0 && data[0] == 'M') {
		lim.max_headers = 2;
		lim.max_target = 64;
	}
	max_header = lim.max_header;

	n = http_parse_request_limits(buf, size, &lim, &req);
	/* With the default limits the wrapper answers the same. */
	if (lim.max_headers == HTTP_HEADERS_MAX &&
	    lim.max_target == HTTP_TARGET_MAX &&
	    http_parse_request(buf, size, max_header, &again) != n)
		abort();
	/* Fed in pieces, as a connection receives it, the parse answers the
	 * same, except that a refusal may wait for more bytes. */
	{
		static struct http_request piecewise;
		struct http_progress pg;
		size_t step = size > 1 ? (size_t)data[size - 1] % 13 + 1 : 1, fed = 0;
		ssize_t m2 = -2;

		http_progress_reset(&pg);
		while (fed < size && m2 == -2) {
			fed += step < size - fed ? step : size - fed;
			m2 = http_parse_more(buf, fed, &lim, &pg, &piecewise);
		}
		if (n >= 0 ? m2 != n : !(m2 == n || (n == -1 && m2 == -2)))
			abort();
		if (m2 == -1 && n == -1 && piecewise.error_status != req.error_status)
			abort();
		if (pg.work > 4 * fed + 3 * (fed / step + 1))
			abort();
	}
	if (n == -2) {
		if (size >= max_header)
			abort();
		return 0;
	}
	if (n == -1) {
		switch (req.error_status) {
		case 400: case 413: case 414: case 431: case 505:
			break;
		default:
			abort();
		}
		if (http_format_error(out, sizeof(out), req.error_status,
		    false, NULL, 0) <= 0)
			abort();
		return 0;
	}
	if (n <= 0 || (size_t)n > size || (size_t)n > max_header)
		abort();
	if (n < 4 || memcmp(buf + n - 4, "\r\n\r\n", 4) != 0)
		abort();
	if (req.target.len > lim.max_target ||
	    count_fields(buf, (size_t)n) > lim.max_headers)
		abort();
	check_path(&req);
	check_span(req.method_name, buf, (size_t)n);
	check_span(req.target, buf, (size_t)n);
	check_span(req.host, buf, (size_t)n);
	check_span(req.range, buf, (size_t)n);
	check_span(req.if_range, buf, (size_t)n);
	check_span(req.if_none_match, buf, (size_t)n);
	check_span(req.if_modified_since, buf, (size_t)n);
	check_span(req.if_match, buf, (size_t)n);
	check_span(req.if_unmodified_since, buf, (size_t)n);
	check_span(req.user_agent, buf, (size_t)n);
	check_span(req.referer, buf, (size_t)n);
	/* HTTP/1.2 to 1.9 parse, as HTTP/1.1 (RFC 9112 2.3) */
	if (req.version_minor < 0 || req.version_minor > 9)
		abort();
	if (req.version_minor >= 1 && !req.has_host)
		abort();
	/* a GET or HEAD body is bounded (the daemon drops it) */
	if ((req.method == HTTP_GET || req.method == HTTP_HEAD) &&
	    (req.content_length > HTTP_DISCARD_BODY_MAX || req.transfer_encoding))
		abort();

	/* Only the header decides: the same bytes alone parse the same. */
	m = http_parse_request_limits(buf, (size_t)n, &lim, &again);
	if (m != n || strcmp(again.path, req.path) != 0 ||
	    again.keep_alive != req.keep_alive)
		abort();
	/* Any prefix of a good request only asks for more. */
	if (http_parse_request_limits(buf, (size_t)n - 1, &lim, &again) != -2 ||
	    http_parse_request_limits(buf, (size_t)n / 2, &lim, &again) != -2)
		abort();

	/* A date that parses prints as IMF-fixdate and parses back. */
	if (req.if_modified_since.p != NULL &&
	    http_parse_date(req.if_modified_since.p, req.if_modified_since.len,
	    &t) == 0) {
		time_t back;

		http_date(t, date);
		if (strlen(date) != HTTP_DATE_LEN - 1 ||
		    http_parse_date(date, strlen(date), &back) != 0 ||
		    back != t)
			abort();
	}

	/* The helpers accept whatever the parser hands them. */
	(void)file_conditional(&req, "\"1-2-3\"", 784111777, 1700000000);
	(void)file_if_range(&req, "\"1-2-3\"");
	(void)file_mime_type(req.path, req.path_len);
	(void)http_path_hidden(req.path);
	/* A redirect's Location fits its bound and never names a host. */
	{
		static char location[HTTP_LOCATION_MAX];
		const char *q = memchr(req.target.p, '?', req.target.len);
		int len = http_format_location(req.path, req.path_len,
		    q != NULL ? q + 1 : NULL,
		    q != NULL ? req.target.len - (size_t)(q + 1 - req.target.p) : 0,
		    location, sizeof(location));

		if (len < 0 || location[0] != '/' || location[1] == '/' ||
		    strpbrk(location, " \r\n\\#\"") != NULL)
			abort();
	}
	if (req.range.p != NULL) {
		uint64_t first, last;

		if (range_parse(req.range.p, req.range.len, 1000, &first,
		    &last) == RANGE_OK && (first > last || last >= 1000))
			abort();
	}
	return 0;
}
