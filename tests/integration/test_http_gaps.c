/*
 * test_http_gaps.c: conformance points found with real clients: a later
 * HTTP/1 minor version answered as HTTP/1.1 (RFC 9112 2.3).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define SIZE 4096
#define SEED 7
/* HTTP_DISCARD_BODY_MAX of http.h, which the daemon documents */
#define HTTP_BODY_MAX_FOR_TEST (64 * 1024)

Test(http_gaps, http12_is_answered_as_http11, .timeout = 60)
{
	struct rp_daemon d;
	struct rp_response r;
	struct rp_conn *c;
	char *log;
	int res, i;

	rp_setup(&d);
	rp_make_file(&d, "4k.bin", SIZE, SEED);
	rp_start(&d);
	c = rp_connect(&d);
	/* persistent by default, as HTTP/1.1: two requests on one connection */
	for (i = 0; i < 2; i++) {
		rp_sends(c, "GET /4k.bin HTTP/1.2\r\nHost: t\r\n\r\n");
		res = rp_read_response(c, &r, false);
		cr_assert_eq(res, RP_OK, "%s", rp_result_str(res));
		cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
		cr_assert_eq(r.version_minor, 1, "%s", rp_describe(&r));
		cr_assert(r.body_len == SIZE && rp_pattern_mismatch(SEED, 0, r.body, r.body_len) < 0);
		rp_response_free(&r);
	}
	rp_close(c);
	rp_stop(&d);
	/* the access log names the version the client sent */
	log = rp_slurp(d.access_log, NULL);
	cr_assert_not_null(log);
	cr_assert(strstr(log, "\"GET /4k.bin HTTP/1.2\" 200 ") != NULL, "%s", log);
	free(log);
}

/* A 505 parsed its request line: the access log names it, with the
 * version the client sent, as for any other request. */
Test(http_gaps, refused_versions_are_logged, .timeout = 60)
{
	static const struct {
		const char *raw, *logged;
	} cases[] = {
		{ "GET /4k.bin HTTP/2.0\r\nHost: t\r\n\r\n", "\"GET /4k.bin HTTP/2.0\" 505 " },
		{ "HEAD /x?y=1 HTTP/3.0\r\nHost: t\r\n\r\n", "\"HEAD /x?y=1 HTTP/3.0\" 505 " },
		{ "GET /old HTTP/0.9\r\n\r\n", "\"GET /old HTTP/0.9\" 505 " },
		/* a simple request (no version at all) is HTTP/0.9 */
		{ "GET /simple\r\n", "\"GET /simple HTTP/0.9\" 505 " },
	};
	struct rp_daemon d;
	struct rp_response r;
	char *log;
	size_t i;

	rp_setup(&d);
	rp_make_file(&d, "4k.bin", SIZE, SEED);
	rp_start(&d);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_assert_eq(rp_exchange(&d, cases[i].raw, false, &r), RP_OK, "%s", cases[i].raw);
		cr_assert_eq(r.status, 505, "%s", rp_describe(&r));
		rp_response_free(&r);
	}
	/* a malformed request line still shows as "-" */
	cr_assert_eq(rp_exchange(&d, "GET /x HTTP/1.1 junk\r\n\r\n", false, &r), RP_OK);
	cr_assert_eq(r.status, 400, "%s", rp_describe(&r));
	rp_response_free(&r);
	rp_stop(&d);
	log = rp_slurp(d.access_log, NULL);
	cr_assert_not_null(log);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_assert(strstr(log, cases[i].logged) != NULL, "want %s in:\n%s",
		    cases[i].logged, log);
	cr_assert(strstr(log, "\"-\" 400 ") != NULL, "%s", log);
	free(log);
}

static int
status_of(const struct rp_daemon *d, const char *fields, bool head, struct rp_response *r)
{
	char raw[1024];
	int res;

	snprintf(raw, sizeof(raw), "%s /4k.bin HTTP/1.1\r\nHost: t\r\n%s"
	    "Connection: close\r\n\r\n", head ? "HEAD" : "GET", fields);
	res = rp_exchange(d, raw, head, r);
	cr_assert_eq(res, RP_OK, "%s: %s", fields, rp_result_str(res));
	return r->status;
}

/* RFC 9110 13.1.1, 13.1.4 and the order of 13.2.2: 412 before 304 and
 * before Range. */
Test(http_gaps, if_match_and_if_unmodified_since, .timeout = 60)
{
	struct rp_daemon d;
	struct rp_response r;
	char etag[256], fields[1024];

	rp_setup(&d);
	rp_make_file(&d, "4k.bin", SIZE, SEED);
	rp_start(&d);
	rp_get(&d, "/4k.bin", &r);
	cr_assert_not_null(rp_hdr(&r, "ETag"));
	snprintf(etag, sizeof(etag), "%s", rp_hdr(&r, "ETag"));
	rp_response_free(&r);

	/* the examples from the field */
	cr_assert_eq(status_of(&d, "If-Unmodified-Since: Mon, 02 Jan 2006 15:04:05 GMT\r\n",
	    false, &r), 412, "%s", rp_describe(&r));
	cr_assert(r.body_len < SIZE, "412 carries the file");
	rp_response_free(&r);
	cr_assert_eq(status_of(&d, "If-Match: \"x\"\r\n", false, &r), 412, "%s", rp_describe(&r));
	rp_response_free(&r);
	cr_assert_eq(status_of(&d, "If-Match: \"x\"\r\n", true, &r), 412, "%s", rp_describe(&r));
	rp_response_free(&r);

	/* before Range, satisfiable or not */
	cr_assert_eq(status_of(&d, "If-Match: \"x\"\r\nRange: bytes=0-9\r\n", false, &r), 412,
	    "%s", rp_describe(&r));
	rp_response_free(&r);
	cr_assert_eq(status_of(&d, "If-Unmodified-Since: Mon, 02 Jan 2006 15:04:05 GMT\r\n"
	    "Range: bytes=99999-\r\n", false, &r), 412, "%s", rp_describe(&r));
	rp_response_free(&r);

	/* passing preconditions: the normal answers */
	snprintf(fields, sizeof(fields), "If-Match: %s\r\nRange: bytes=10-19\r\n", etag);
	cr_assert_eq(status_of(&d, fields, false, &r), 206, "%s", rp_describe(&r));
	cr_assert(r.body_len == 10 && rp_pattern_mismatch(SEED, 10, r.body, 10) < 0);
	rp_response_free(&r);
	cr_assert_eq(status_of(&d, "If-Match: *\r\n", false, &r), 200, "%s", rp_describe(&r));
	cr_assert(r.body_len == SIZE && rp_pattern_mismatch(SEED, 0, r.body, SIZE) < 0);
	rp_response_free(&r);
	cr_assert_eq(status_of(&d, "If-Unmodified-Since: Fri, 01 Jan 2100 00:00:00 GMT\r\n",
	    false, &r), 200, "%s", rp_describe(&r));
	rp_response_free(&r);
	snprintf(fields, sizeof(fields), "If-Match: %s\r\nIf-None-Match: %s\r\n", etag, etag);
	cr_assert_eq(status_of(&d, fields, false, &r), 304, "%s", rp_describe(&r));
	rp_response_free(&r);

	/* a 412 keeps the connection: the next request is answered */
	{
		struct rp_conn *c = rp_connect(&d);
		int res;

		rp_sends(c, "GET /4k.bin HTTP/1.1\r\nHost: t\r\nIf-Match: \"x\"\r\n\r\n"
		    "GET /4k.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
		res = rp_read_response(c, &r, false);
		cr_assert(res == RP_OK && r.status == 412, "%s", rp_describe(&r));
		rp_response_free(&r);
		res = rp_read_response(c, &r, false);
		cr_assert(res == RP_OK && r.status == 200 && r.body_len == SIZE,
		    "%s", rp_describe(&r));
		rp_response_free(&r);
		rp_close(c);
	}
	rp_stop(&d);
}

/* RFC 3986 5.2.4: dot segments are removed after percent-decoding and the
 * result is served; a path that climbs above the root is still 400. */
Test(http_gaps, dot_segments_removed, .timeout = 60)
{
	static const struct {
		const char *target;
		int status;
	} cases[] = {
		{ "/noindex/../4k.bin", 200 },
		{ "/./4k.bin", 200 },
		{ "/noindex/%2e%2e/4k.bin", 200 },
		{ "/noindex/%2E%2E/4k.bin", 200 },
		{ "/noindex/.%2e/./4k.bin", 200 },
		{ "/missing/dir/../../4k.bin", 200 },
		{ "/noindex/..%2f4k.bin", 200 },
		{ "/noindex/../.hidden", 404 },
		{ "/4k.bin/..", 403 },             /* the root, without an index */
		{ "/noindex/.", 403 },             /* a directory, without an index */
		{ "/../4k.bin", 400 },
		{ "/%2e%2e/4k.bin", 400 },
		{ "/noindex/../../4k.bin", 400 },
		{ "/noindex/..%2f..%2f4k.bin", 400 },
	};
	struct rp_daemon d;
	struct rp_response r;
	char raw[512];
	size_t i;

	rp_setup(&d);
	rp_make_file(&d, "4k.bin", SIZE, SEED);
	rp_make_file(&d, "noindex/x.bin", 10, 1);
	rp_make_file(&d, ".hidden", 10, 1);
	rp_start(&d);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(raw, sizeof(raw), "GET %s HTTP/1.1\r\nHost: t\r\n"
		    "Connection: close\r\n\r\n", cases[i].target);
		cr_assert_eq(rp_exchange(&d, raw, false, &r), RP_OK, "%s", cases[i].target);
		cr_assert_eq(r.status, cases[i].status, "%s:\n%s", cases[i].target,
		    rp_describe(&r));
		if (r.status == 200)
			cr_assert(r.body_len == SIZE &&
			    rp_pattern_mismatch(SEED, 0, r.body, r.body_len) < 0,
			    "%s: wrong bytes", cases[i].target);
		rp_response_free(&r);
	}
	/* a directory reached through ".." without its slash is redirected
	 * by its resolved name */
	cr_assert_eq(rp_exchange(&d, "GET /4k.bin/../noindex HTTP/1.1\r\nHost: t\r\n"
	    "Connection: close\r\n\r\n", false, &r), RP_OK);
	cr_assert_eq(r.status, 301, "%s", rp_describe(&r));
	cr_assert_str_eq(rp_hdr(&r, "Location"), "/noindex/");
	rp_response_free(&r);
	rp_stop(&d);
}

static void
expect_file(struct rp_conn *c, const char *what)
{
	struct rp_response r;
	int res = rp_read_response(c, &r, false);

	cr_assert_eq(res, RP_OK, "%s: %s", what, rp_result_str(res));
	cr_assert_eq(r.status, 200, "%s:\n%s", what, rp_describe(&r));
	cr_assert(r.body_len == SIZE && rp_pattern_mismatch(SEED, 0, r.body, r.body_len) < 0,
	    "%s: wrong bytes", what);
	rp_response_free(&r);
}

/* A GET or HEAD with a Content-Length body is answered and its body
 * dropped, as nginx does; the body is never taken for the next request. */
Test(http_gaps, get_with_a_body, .timeout = 60)
{
	static char big[60000];
	struct rp_daemon d;
	struct rp_response r;
	struct rp_conn *c;
	int res;

	rp_setup(&d);
	rp_make_file(&d, "4k.bin", SIZE, SEED);
	rp_write_file(&d, "other.txt", "other\n", 6);
	rp_start(&d);

	/* the body is itself a request: it must not be answered */
	c = rp_connect(&d);
	rp_sends(c, "GET /4k.bin HTTP/1.1\r\nHost: t\r\nContent-Length: 36\r\n\r\n"
	    "GET /other.txt HTTP/1.1\r\nHost: t\r\n\r\n"
	    "GET /4k.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
	expect_file(c, "GET with a body");
	expect_file(c, "the request after the body");
	cr_assert_eq(rp_wait_close(c, rp_io_timeout()), RP_CLOSED);
	rp_close(c);

	/* the body comes after the answer, in pieces, larger than the
	 * request buffer, with the next request behind it */
	c = rp_connect(&d);
	rp_sendf(c, "GET /4k.bin HTTP/1.1\r\nHost: t\r\nContent-Length: %zu\r\n\r\n",
	    sizeof(big));
	expect_file(c, "GET whose body has not come");
	memset(big, 'G', sizeof(big));
	rp_send(c, big, 1000);
	rp_send(c, big + 1000, sizeof(big) - 1000);
	rp_sends(c, "HEAD /4k.bin HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\nx"
	    "GET /4k.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
	res = rp_read_response(c, &r, true);
	cr_assert(res == RP_OK && r.status == 200 && r.content_length == SIZE,
	    "HEAD with a body:\n%s", rp_describe(&r));
	rp_response_free(&r);
	expect_file(c, "GET after 60000 dropped bytes and a HEAD");
	rp_close(c);

	/* above the bound: 413, and the connection ends */
	c = rp_connect(&d);
	rp_sendf(c, "GET /4k.bin HTTP/1.1\r\nHost: t\r\nContent-Length: %u\r\n\r\n",
	    HTTP_BODY_MAX_FOR_TEST + 1);
	res = rp_read_response(c, &r, false);
	cr_assert(res == RP_OK && r.status == 413, "%s", rp_describe(&r));
	rp_response_free(&r);
	cr_assert_eq(rp_wait_close(c, rp_io_timeout()), RP_CLOSED);
	rp_close(c);

	/* Transfer-Encoding on GET stays refused */
	cr_assert_eq(rp_exchange(&d, "GET /4k.bin HTTP/1.1\r\nHost: t\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", false, &r), RP_OK);
	cr_assert_eq(r.status, 400, "%s", rp_describe(&r));
	rp_response_free(&r);
	rp_assert_serving(&d);
	rp_stop(&d);
}

/* cache_control and add_header: on what the listener serves (200, 206,
 * 304, 301), not on errors; small bodies (one SEND) and engine bodies
 * alike. */
Test(http_gaps, cache_control_and_add_header, .timeout = 60)
{
	static const char *const targets[] = { "/4k.bin", "/big.bin" };
	struct rp_daemon d;
	struct rp_response r;
	char conf[4 * PATH_MAX], raw[1024], etag[256];
	size_t i;

	rp_setup(&d);
	rp_make_file(&d, "4k.bin", SIZE, SEED);
	rp_make_file(&d, "big.bin", 100000, SEED);
	rp_mkdir(&d, "dir");
	snprintf(conf, sizeof(conf), "[daemon]\nerror_log = -\naccess_log = off\nallow_root = yes\n"
	    "[listener test]\naddress = 127.0.0.1:0\nroot = %s\n"
	    "cache_control = public, max-age=3600\n"
	    "add_header = X-Served-By: node-1\n"
	    "add_header = Access-Control-Allow-Origin: *\n", d.root);
	rp_start_conf(&d, conf);
	for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		rp_get(&d, targets[i], &r);
		cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
		cr_assert_str_eq(rp_hdr(&r, "Cache-Control"), "public, max-age=3600");
		cr_assert_str_eq(rp_hdr(&r, "X-Served-By"), "node-1");
		cr_assert_str_eq(rp_hdr(&r, "Access-Control-Allow-Origin"), "*");
		cr_assert_eq(rp_hdr_count(&r, "Cache-Control"), 1);
		cr_assert(rp_pattern_mismatch(SEED, 0, r.body, r.body_len) < 0);
		snprintf(etag, sizeof(etag), "%s", rp_hdr(&r, "ETag"));
		rp_response_free(&r);

		snprintf(raw, sizeof(raw), "GET %s HTTP/1.1\r\nHost: t\r\nRange: bytes=1-2\r\n"
		    "Connection: close\r\n\r\n", targets[i]);
		cr_assert_eq(rp_exchange(&d, raw, false, &r), RP_OK);
		cr_assert_eq(r.status, 206, "%s", rp_describe(&r));
		cr_assert_str_eq(rp_hdr(&r, "X-Served-By"), "node-1");
		rp_response_free(&r);

		snprintf(raw, sizeof(raw), "GET %s HTTP/1.1\r\nHost: t\r\nIf-None-Match: %s\r\n"
		    "Connection: close\r\n\r\n", targets[i], etag);
		cr_assert_eq(rp_exchange(&d, raw, false, &r), RP_OK);
		cr_assert_eq(r.status, 304, "%s", rp_describe(&r));
		cr_assert_str_eq(rp_hdr(&r, "Cache-Control"), "public, max-age=3600");
		rp_response_free(&r);
	}
	rp_get(&d, "/dir", &r);
	cr_assert_eq(r.status, 301, "%s", rp_describe(&r));
	cr_assert_str_eq(rp_hdr(&r, "X-Served-By"), "node-1");
	rp_response_free(&r);
	/* errors carry none of them */
	rp_get(&d, "/missing", &r);
	cr_assert_eq(r.status, 404, "%s", rp_describe(&r));
	cr_assert_null(rp_hdr(&r, "X-Served-By"));
	cr_assert_null(rp_hdr(&r, "Cache-Control"));
	rp_response_free(&r);
	rp_stop(&d);
}
