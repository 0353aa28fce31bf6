/*
 * fuzz_request.c: libFuzzer target for http_parse_request().
 *
 * Invariants: a success never claims more bytes than it was given or than
 * max_header, ends on CRLF CRLF, and yields a decoded path that starts
 * with '/', has no NUL, control byte or "." / ".." segment; every prefix
 * of a good request is "need more"; a failure names a known status; and
 * the dates and response writer accept whatever the parser produced.
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_request req, again;
	const char *buf = (const char *)data;
	/* The first byte picks a small limit now and then, to reach 431. */
	size_t max_header = size > 0 && data[0] == 'L' ? 64 : 8192;
	ssize_t n, m;
	char out[1024], date[HTTP_DATE_LEN];
	time_t t;

	n = http_parse_request(buf, size, max_header, &req);
	if (n == -2) {
		if (size >= max_header)
			abort();
		return 0;
	}
	if (n == -1) {
		switch (req.error_status) {
		case 400: case 414: case 431: case 505:
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
	check_path(&req);
	check_span(req.method_name, buf, (size_t)n);
	check_span(req.target, buf, (size_t)n);
	check_span(req.host, buf, (size_t)n);
	check_span(req.range, buf, (size_t)n);
	check_span(req.if_range, buf, (size_t)n);
	check_span(req.if_none_match, buf, (size_t)n);
	check_span(req.if_modified_since, buf, (size_t)n);
	check_span(req.user_agent, buf, (size_t)n);
	check_span(req.referer, buf, (size_t)n);
	if (req.version_minor != 0 && req.version_minor != 1)
		abort();
	if (req.version_minor == 1 && !req.has_host)
		abort();
	if ((req.method == HTTP_GET || req.method == HTTP_HEAD) &&
	    (req.content_length != 0 || req.transfer_encoding))
		abort();

	/* Only the header decides: the same bytes alone parse the same. */
	m = http_parse_request(buf, (size_t)n, max_header, &again);
	if (m != n || strcmp(again.path, req.path) != 0 ||
	    again.keep_alive != req.keep_alive)
		abort();
	/* Any prefix of a good request only asks for more. */
	if (http_parse_request(buf, (size_t)n - 1, max_header, &again) != -2 ||
	    http_parse_request(buf, (size_t)n / 2, max_header, &again) != -2)
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
	(void)file_conditional(&req, "\"1-2-3\"", 784111777);
	(void)file_if_range(&req, "\"1-2-3\"", 784111777);
	(void)file_mime_type(req.path, req.path_len);
	(void)http_path_hidden(req.path);
	if (req.range.p != NULL) {
		uint64_t first, last;

		if (range_parse(req.range.p, req.range.len, 1000, &first,
		    &last) == RANGE_OK && (first > last || last >= 1000))
			abort();
	}
	return 0;
}
