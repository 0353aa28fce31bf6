/*
 * test_conditional.c: If-None-Match and If-Modified-Since (RFC 9110 13):
 * 304 without a body, "*", lists and weak comparison, dates on both sides
 * of the file's mtime, and If-None-Match taking precedence.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#include "harness.h"

#define FILE_SIZE 3000
#define SEED 5

/* The file's mtime, set to a known whole second so dates compare exactly. */
#define MTIME ((time_t)1700000000)

static void
imf_date(time_t t, char out[64])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 64, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static void
setup_file(struct rp_daemon *d, char etag[256])
{
	struct utimbuf ut = { MTIME, MTIME };
	struct rp_response r;
	char path[PATH_MAX];

	rp_setup(d);
	rp_make_file(d, "f.txt", FILE_SIZE, SEED);
	rp_path(d, "f.txt", path);
	cr_assert(utime(path, &ut) == 0, "utime: %s", strerror(errno));
	rp_start(d);
	rp_get(d, "/f.txt", &r);
	cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
	cr_assert_not_null(rp_hdr(&r, "ETag"), "%s", rp_describe(&r));
	snprintf(etag, 256, "%s", rp_hdr(&r, "ETag"));
	rp_response_free(&r);
}

/*
 * Send GET with the extra header lines on one keep-alive connection, then
 * a plain GET: a 304 that carried body bytes would corrupt the second
 * response.  Returns the first status.
 */
static int
conditional_get(const struct rp_daemon *d, const char *extra, const char *etag)
{
	struct rp_response r, after;
	struct rp_conn *c = rp_connect(d);
	int res, status;

	rp_sendf(c, "GET /f.txt HTTP/1.1\r\nHost: t\r\n%s\r\n", extra);
	res = rp_read_response(c, &r, false);
	cr_assert(res == RP_OK, "with %s: %s", extra, rp_result_str(res));
	status = r.status;
	if (status == 304) {
		cr_assert_eq(r.body_len, 0);
		cr_assert(!r.has_length || r.content_length == 0 ||
		    r.content_length == FILE_SIZE, "304 with a strange length:\n%s",
		    rp_describe(&r));
		/* RFC 9110 15.4.5: a 304 repeats the ETag a 200 would carry. */
		cr_assert(rp_hdr(&r, "ETag") != NULL && strcmp(rp_hdr(&r, "ETag"), etag) == 0,
		    "304 without the ETag:\n%s", rp_describe(&r));
	} else if (status == 200) {
		cr_assert(r.body_len == FILE_SIZE &&
		    rp_pattern_mismatch(SEED, 0, r.body, r.body_len) < 0,
		    "with %s: wrong 200 body:\n%s", extra, rp_describe(&r));
	}
	rp_response_free(&r);

	rp_sends(c, "GET /f.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
	res = rp_read_response(c, &after, false);
	cr_assert(res == RP_OK, "request after the conditional one (%s): %s\n%s", extra,
	    rp_result_str(res), rp_describe(&after));
	cr_assert_eq(after.status, 200, "after %s:\n%s", extra, rp_describe(&after));
	cr_assert(after.body_len == FILE_SIZE &&
	    rp_pattern_mismatch(SEED, 0, after.body, after.body_len) < 0);
	rp_response_free(&after);
	rp_close(c);
	return status;
}

Test(conditional, if_none_match)
{
	struct rp_daemon d;
	char etag[256], extra[1024];

	setup_file(&d, etag);

	snprintf(extra, sizeof(extra), "If-None-Match: %s\r\n", etag);
	cr_assert_eq(conditional_get(&d, extra, etag), 304, "If-None-Match: current ETag");

	cr_assert_eq(conditional_get(&d, "If-None-Match: *\r\n", etag), 304,
	    "If-None-Match: *");

	snprintf(extra, sizeof(extra), "If-None-Match: \"nope\", %s, \"other\"\r\n", etag);
	cr_assert_eq(conditional_get(&d, extra, etag), 304, "If-None-Match list");

	/* If-None-Match uses the weak comparison. */
	snprintf(extra, sizeof(extra), "If-None-Match: W/%s\r\n", etag);
	cr_assert_eq(conditional_get(&d, extra, etag), 304, "If-None-Match: W/etag");

	cr_assert_eq(conditional_get(&d, "If-None-Match: \"nope\"\r\n", etag), 200,
	    "If-None-Match: another ETag");
	rp_stop(&d);
}

Test(conditional, if_modified_since)
{
	struct rp_daemon d;
	char etag[256], date[64], extra[256];

	setup_file(&d, etag);

	imf_date(MTIME, date);
	snprintf(extra, sizeof(extra), "If-Modified-Since: %s\r\n", date);
	cr_assert_eq(conditional_get(&d, extra, etag), 304, "IMS equal to mtime");

	imf_date(MTIME + 3600, date);
	snprintf(extra, sizeof(extra), "If-Modified-Since: %s\r\n", date);
	cr_assert_eq(conditional_get(&d, extra, etag), 304, "IMS after mtime");

	imf_date(MTIME - 1, date);
	snprintf(extra, sizeof(extra), "If-Modified-Since: %s\r\n", date);
	cr_assert_eq(conditional_get(&d, extra, etag), 200, "IMS one second before mtime");

	imf_date(MTIME - 86400 * 365, date);
	snprintf(extra, sizeof(extra), "If-Modified-Since: %s\r\n", date);
	cr_assert_eq(conditional_get(&d, extra, etag), 200, "IMS a year before mtime");

	/* An unparsable date is ignored. */
	cr_assert_eq(conditional_get(&d, "If-Modified-Since: yesterday\r\n", etag), 200,
	    "IMS not a date");
	rp_stop(&d);
}

Test(conditional, if_none_match_takes_precedence)
{
	struct rp_daemon d;
	char etag[256], date[64], extra[512];

	setup_file(&d, etag);
	imf_date(MTIME + 86400, date);

	snprintf(extra, sizeof(extra), "If-None-Match: \"nope\"\r\n"
	    "If-Modified-Since: %s\r\n", date);
	cr_assert_eq(conditional_get(&d, extra, etag), 200,
	    "non-matching If-None-Match with a future If-Modified-Since");

	imf_date(MTIME - 86400, date);
	snprintf(extra, sizeof(extra), "If-None-Match: %s\r\n"
	    "If-Modified-Since: %s\r\n", etag, date);
	cr_assert_eq(conditional_get(&d, extra, etag), 304,
	    "matching If-None-Match with an old If-Modified-Since");
	rp_stop(&d);
}

/* A changed file gets a new validator: the old ETag no longer matches. */
Test(conditional, etag_changes_with_the_file)
{
	struct rp_daemon d;
	struct rp_response r;
	char etag[256], extra[512], path[PATH_MAX];
	struct utimbuf ut = { MTIME + 10, MTIME + 10 };

	setup_file(&d, etag);
	rp_path(&d, "f.txt", path);
	rp_make_file(&d, "f.txt", FILE_SIZE, SEED);
	cr_assert(utime(path, &ut) == 0);
	/* past open_file_cache_valid (1 s by default): until then the fstat
	 * made at the open stands */
	usleep(1100 * 1000);
	snprintf(extra, sizeof(extra), "GET /f.txt HTTP/1.1\r\nHost: t\r\n"
	    "If-None-Match: %s\r\nConnection: close\r\n\r\n", etag);
	cr_assert_eq(rp_exchange(&d, extra, false, &r), RP_OK);
	cr_assert_eq(r.status, 200, "old ETag still matches a modified file:\n%s",
	    rp_describe(&r));
	cr_assert(rp_hdr(&r, "ETag") != NULL && strcmp(rp_hdr(&r, "ETag"), etag) != 0,
	    "ETag did not change with the mtime:\n%s", rp_describe(&r));
	rp_response_free(&r);
	rp_stop(&d);
}

/*
 * Replicas behind a load balancer: the same bytes with the same mtime
 * (rsync -t) in another file (another inode) carry the same ETag, so a
 * revalidation or a resumed download that lands on the other copy
 * matches.  Two files of one tree stand for the two instances.
 */
Test(conditional, etag_agrees_across_replicas)
{
	struct rp_daemon d;
	struct rp_response a, b, r;
	char path[PATH_MAX], req[512];
	/* nanoseconds included: they are part of the tag */
	const struct timespec ts[2] = { { MTIME, 123456789 }, { MTIME, 123456789 } };

	rp_setup(&d);
	rp_make_file(&d, "a.bin", FILE_SIZE, SEED);
	rp_make_file(&d, "b.bin", FILE_SIZE, SEED);
	rp_path(&d, "a.bin", path);
	cr_assert(utimensat(AT_FDCWD, path, ts, 0) == 0, "utimensat: %s", strerror(errno));
	rp_path(&d, "b.bin", path);
	cr_assert(utimensat(AT_FDCWD, path, ts, 0) == 0, "utimensat: %s", strerror(errno));
	rp_start(&d);
	rp_get(&d, "/a.bin", &a);
	rp_get(&d, "/b.bin", &b);
	cr_assert(rp_hdr(&a, "ETag") != NULL && rp_hdr(&b, "ETag") != NULL);
	cr_assert_str_eq(rp_hdr(&a, "ETag"), rp_hdr(&b, "ETag"),
	    "replicas disagree:\n%s", rp_describe(&b));

	/* the other copy honours If-Range with the first one's tag */
	snprintf(req, sizeof(req), "GET /b.bin HTTP/1.1\r\nHost: t\r\nRange: bytes=100-\r\n"
	    "If-Range: %s\r\nConnection: close\r\n\r\n", rp_hdr(&a, "ETag"));
	cr_assert_eq(rp_exchange(&d, req, false, &r), RP_OK);
	cr_assert_eq(r.status, 206, "%s", rp_describe(&r));
	rp_response_free(&r);

	/* a different mtime (by one nanosecond) is a different tag */
	{
		const struct timespec later[2] = { { MTIME, 123456790 }, { MTIME, 123456790 } };

		cr_assert(utimensat(AT_FDCWD, path, later, 0) == 0);
		usleep(1100 * 1000);    /* past open_file_cache_valid */
	}
	rp_response_free(&b);
	rp_get(&d, "/b.bin", &b);
	cr_assert_str_neq(rp_hdr(&a, "ETag"), rp_hdr(&b, "ETag"));
	rp_response_free(&a);
	rp_response_free(&b);
	rp_stop(&d);
}
