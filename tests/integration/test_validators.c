/*
 * test_validators.c: Last-Modified never lies in the future (RFC 9110
 * 8.8.2.1), and a date from the future never validates a cached copy.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <utime.h>

#include "harness.h"

#define FILE_SIZE 3000
#define SEED 7
/* 2030-01-01T00:00:00Z: later than any clock this test runs under */
#define FUTURE ((time_t)1893456000)

static void
imf_date(time_t t, char out[64])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 64, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static void
set_mtime(const struct rp_daemon *d, const char *rel, time_t t)
{
	struct utimbuf ut = { t, t };
	char path[PATH_MAX];

	rp_path(d, rel, path);
	cr_assert(utime(path, &ut) == 0, "utime: %s", strerror(errno));
}

static int
get_status(const struct rp_daemon *d, const char *extra, struct rp_response *r)
{
	char req[512];
	int res;

	snprintf(req, sizeof(req), "GET /f.txt HTTP/1.1\r\nHost: t\r\n%sConnection: close\r\n\r\n",
	    extra);
	res = rp_exchange(d, req, false, r);
	cr_assert_eq(res, RP_OK, "%s", rp_result_str(res));
	return r->status;
}

Test(validators, future_mtime_is_sent_as_the_date)
{
	struct rp_daemon d;
	struct rp_response r;
	char future[64], extra[256], last_modified[64];

	rp_setup(&d);
	rp_make_file(&d, "f.txt", FILE_SIZE, SEED);
	set_mtime(&d, "f.txt", FUTURE);
	rp_start(&d);
	imf_date(FUTURE, future);

	cr_assert_eq(get_status(&d, "", &r), 200, "%s", rp_describe(&r));
	cr_assert_not_null(rp_hdr(&r, "Last-Modified"), "%s", rp_describe(&r));
	cr_assert_not_null(rp_hdr(&r, "Date"), "%s", rp_describe(&r));
	cr_assert_str_eq(rp_hdr(&r, "Last-Modified"), rp_hdr(&r, "Date"),
	    "a Last-Modified later than Date:\n%s", rp_describe(&r));
	snprintf(last_modified, sizeof(last_modified), "%s", rp_hdr(&r, "Last-Modified"));
	rp_response_free(&r);

	/* the date sent stands for no fixed version of a file whose mtime
	 * is ahead: it never validates */
	snprintf(extra, sizeof(extra), "If-Modified-Since: %s\r\n", last_modified);
	cr_assert_eq(get_status(&d, extra, &r), 200, "IMS of the Last-Modified sent:\n%s",
	    rp_describe(&r));
	rp_response_free(&r);
	snprintf(extra, sizeof(extra), "If-Modified-Since: %s\r\n", future);
	cr_assert_eq(get_status(&d, extra, &r), 200, "IMS of the future mtime itself:\n%s",
	    rp_describe(&r));
	rp_response_free(&r);
	snprintf(extra, sizeof(extra), "Range: bytes=0-9\r\nIf-Range: %s\r\n", future);
	cr_assert_eq(get_status(&d, extra, &r), 200, "If-Range of the future mtime:\n%s",
	    rp_describe(&r));
	rp_response_free(&r);
	rp_stop(&d);
}

/* A cache that holds the future date (from before, or from another
 * server) asks again after the file changed to an earlier mtime: it must
 * get the new content, not 304. */
Test(validators, future_if_modified_since_is_ignored)
{
	struct rp_daemon d;
	struct rp_response r;
	char future[64], extra[256];

	rp_setup(&d);
	rp_make_file(&d, "f.txt", FILE_SIZE, SEED);
	set_mtime(&d, "f.txt", time(NULL) - 60);
	rp_start(&d);
	imf_date(FUTURE, future);
	snprintf(extra, sizeof(extra), "If-Modified-Since: %s\r\n", future);
	cr_assert_eq(get_status(&d, extra, &r), 200, "IMS in the future:\n%s", rp_describe(&r));
	cr_assert_eq(r.body_len, FILE_SIZE);
	rp_response_free(&r);

	/* a date from the past still validates */
	imf_date(time(NULL) - 30, future);
	snprintf(extra, sizeof(extra), "If-Modified-Since: %s\r\n", future);
	cr_assert_eq(get_status(&d, extra, &r), 304, "IMS after the mtime:\n%s", rp_describe(&r));
	rp_response_free(&r);
	rp_stop(&d);
}
