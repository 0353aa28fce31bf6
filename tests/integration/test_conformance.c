/*
 * test_conformance.c: requests that RFC 9110 and RFC 9112 call valid and
 * the daemon once refused (absolute-form with another Host, If-None-Match
 * on several lines, CONNECT), and If-Range with a date on a file rewritten
 * within one second.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

#define SIZE 5000

static struct rp_response
exchange(const struct rp_daemon *d, const char *raw)
{
	struct rp_response r;
	int res = rp_exchange(d, raw, false, &r);

	cr_assert(res == RP_OK, "%s: %s", raw, rp_result_str(res));
	return r;
}

Test(conformance, absolute_form_with_another_host, .timeout = 60)
{
	struct rp_daemon d;
	struct rp_response r;

	rp_setup(&d);
	rp_make_file(&d, "f.bin", SIZE, 1);
	rp_start(&d);
	r = exchange(&d, "GET http://files.example/f.bin HTTP/1.1\r\n"
	    "Host: other.example\r\nConnection: close\r\n\r\n");
	cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
	cr_assert_eq(r.body_len, SIZE);
	cr_assert(rp_pattern_mismatch(1, 0, r.body, r.body_len) < 0);
	rp_response_free(&r);
	rp_stop(&d);
}

Test(conformance, if_none_match_on_two_lines, .timeout = 60)
{
	struct rp_daemon d;
	struct rp_response r;
	char etag[256], raw[1024];

	rp_setup(&d);
	rp_make_file(&d, "f.bin", SIZE, 1);
	rp_start(&d);
	r = exchange(&d, "GET /f.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
	cr_assert_not_null(rp_hdr(&r, "ETag"), "%s", rp_describe(&r));
	snprintf(etag, sizeof(etag), "%s", rp_hdr(&r, "ETag"));
	rp_response_free(&r);

	snprintf(raw, sizeof(raw), "GET /f.bin HTTP/1.1\r\nHost: t\r\n"
	    "If-None-Match: \"not-it\"\r\nAccept: */*\r\nIf-None-Match: %s\r\n"
	    "Connection: close\r\n\r\n", etag);
	r = exchange(&d, raw);
	cr_assert_eq(r.status, 304, "%s", rp_describe(&r));
	rp_response_free(&r);

	r = exchange(&d, "GET /f.bin HTTP/1.1\r\nHost: t\r\nIf-None-Match: \"a\"\r\n"
	    "If-None-Match: \"b\"\r\nConnection: close\r\n\r\n");
	cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
	rp_response_free(&r);
	rp_stop(&d);
}

Test(conformance, connect_is_405, .timeout = 60)
{
	struct rp_daemon d;
	struct rp_response r;

	rp_setup(&d);
	rp_start(&d);
	r = exchange(&d, "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n");
	cr_assert_eq(r.status, 405, "%s", rp_describe(&r));
	cr_assert_not_null(rp_hdr(&r, "Allow"), "%s", rp_describe(&r));
	rp_response_free(&r);
	rp_assert_serving(&d);
	rp_stop(&d);
}

static void
set_mtime(const struct rp_daemon *d, const char *rel, time_t sec, long nsec)
{
	char path[PATH_MAX];
	struct timespec ts[2] = { { sec, nsec }, { sec, nsec } };

	rp_path(d, rel, path);
	cr_assert_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
}

/*
 * A client got version 1 and its Last-Modified; within the same second
 * the file was rewritten.  Resuming with If-Range: <that date> must not
 * join version 1's start to version 2's rest: the whole new file comes.
 */
Test(conformance, if_range_date_after_a_rewrite_in_the_same_second, .timeout = 60)
{
	const time_t second = 1700000000;
	struct rp_daemon d;
	struct rp_response r;
	char lm[128], raw[1024];

	rp_setup(&d);
	rp_make_file(&d, "f.bin", SIZE, 1);
	set_mtime(&d, "f.bin", second, 100000000);
	rp_start(&d);
	r = exchange(&d, "GET /f.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
	cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
	cr_assert_not_null(rp_hdr(&r, "Last-Modified"), "%s", rp_describe(&r));
	snprintf(lm, sizeof(lm), "%s", rp_hdr(&r, "Last-Modified"));
	rp_response_free(&r);

	rp_make_file(&d, "f.bin", SIZE, 2);
	set_mtime(&d, "f.bin", second, 900000000);
	/* rewritten in place: seen once open_file_cache_valid (1 s by
	 * default) has passed */
	usleep(1100 * 1000);
	snprintf(raw, sizeof(raw), "GET /f.bin HTTP/1.1\r\nHost: t\r\n"
	    "Range: bytes=100-\r\nIf-Range: %s\r\nConnection: close\r\n\r\n", lm);
	r = exchange(&d, raw);
	cr_assert_eq(r.status, 200, "a date resumed a rewritten file:\n%s", rp_describe(&r));
	cr_assert_eq(r.body_len, SIZE);
	cr_assert(rp_pattern_mismatch(2, 0, r.body, r.body_len) < 0);
	rp_response_free(&r);
	rp_stop(&d);
}
