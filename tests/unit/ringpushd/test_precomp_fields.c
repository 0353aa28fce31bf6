/*
 * test_precomp_fields.c: what precompressed siblings need from the
 * modules under them: Accept-Encoding gathered by the parser (a list
 * field over several lines), Content-Encoding and Vary written in a
 * response, and open-file cache entries that remember a path did not
 * open.
 */
#include <criterion/criterion.h>
#include <string.h>
#include "fdcache.h"
#include "http.h"

static struct http_request req;

Test(precomp_fields, accept_encoding_spans_its_lines)
{
	static const char s[] = "GET / HTTP/1.1\r\nHost: h\r\nAccept-Encoding: gzip\r\n"
	    "X: y\r\naccept-encoding:  br;q=0.5 \r\n\r\n";
	struct http_span line;
	size_t pos = 0;

	cr_assert_eq(http_parse_request(s, strlen(s), 8192, &req), (ssize_t)strlen(s));
	cr_assert_not_null(req.accept_encoding.p);
	cr_assert(http_field_lines_next(req.accept_encoding, "accept-encoding", &pos, &line));
	cr_assert(line.len == 4 && memcmp(line.p, "gzip", 4) == 0);
	cr_assert(http_field_lines_next(req.accept_encoding, "accept-encoding", &pos, &line));
	cr_assert(line.len == 8 && memcmp(line.p, "br;q=0.5", 8) == 0);
	cr_assert(!http_field_lines_next(req.accept_encoding, "accept-encoding", &pos, &line));

	cr_assert_eq(http_parse_request("GET / HTTP/1.1\r\nHost: h\r\n\r\n", 27, 8192, &req), 27);
	cr_assert_null(req.accept_encoding.p);
}

Test(precomp_fields, content_encoding_and_vary)
{
	struct http_response r = {
		.status = 200, .keep_alive = true, .content_type = "text/css",
		.content_length = 7, .content_encoding = "br", .vary = "Accept-Encoding",
	};
	char buf[512];
	int n = http_format_response(buf, sizeof(buf), &r, 0);

	cr_assert_gt(n, 0);
	buf[n] = '\0';
	cr_assert_not_null(strstr(buf, "\r\nContent-Type: text/css\r\nContent-Encoding: br\r\n"), "%s", buf);
	cr_assert_not_null(strstr(buf, "\r\nVary: Accept-Encoding\r\n"), "%s", buf);
	/* a 304 keeps Vary and drops the representation's fields */
	r.status = 304;
	n = http_format_response(buf, sizeof(buf), &r, 0);
	buf[n] = '\0';
	cr_assert_null(strstr(buf, "Content-Encoding"), "%s", buf);
	cr_assert_not_null(strstr(buf, "\r\nVary: Accept-Encoding\r\n"), "%s", buf);
	/* neither by default */
	r = (struct http_response){ .status = 200, .keep_alive = true };
	n = http_format_response(buf, sizeof(buf), &r, 0);
	buf[n] = '\0';
	cr_assert(strstr(buf, "Vary") == NULL && strstr(buf, "Content-Encoding") == NULL);
}

Test(precomp_fields, fdcache_remembers_a_path_that_did_not_open)
{
	static int owner;
	struct fdcache fc;
	struct fdcache_entry *e;

	cr_assert_eq(fdcache_init(&fc, 4, 1000), 0);
	e = fdcache_put(&fc, &owner, "\001/a.gz", 6, "/a.gz", 5, -1, 0);
	cr_assert_not_null(e);
	fdcache_release(&fc, e);
	e = fdcache_get(&fc, &owner, "\001/a.gz", 6, 999);
	cr_assert(e != NULL && e->fd == -1);
	fdcache_release(&fc, e);
	/* expires like any entry, and freeing it closes nothing */
	cr_assert_null(fdcache_get(&fc, &owner, "\001/a.gz", 6, 1000));
	fdcache_free(&fc);
}
