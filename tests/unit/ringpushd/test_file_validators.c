/*
 * test_validators.c: a modification date later than the response's Date
 * (RFC 9110 8.8.2.1) is sent as Date, and dates from the future validate
 * nothing: If-Modified-Since later than now is ignored, and If-Range
 * never matches an mtime ahead of now.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "file.h"
#include "http.h"

#define ETAG "\"abc-1\""
#define NOW ((time_t)1700000000)        /* Tue, 14 Nov 2023 22:13:20 GMT */

static struct http_request
request_with(const char *ims, const char *if_range)
{
	struct http_request r;

	memset(&r, 0, sizeof(r));
	r.method = HTTP_GET;
	if (ims != NULL) {
		r.if_modified_since.p = ims;
		r.if_modified_since.len = strlen(ims);
	}
	if (if_range != NULL) {
		r.if_range.p = if_range;
		r.if_range.len = strlen(if_range);
	}
	return r;
}

/* The value of the header field name in a formatted response, copied. */
static void
field(const char *resp, const char *name, char out[64])
{
	const char *p = strstr(resp, name);
	const char *eol;

	cr_assert_not_null(p, "no %s in:\n%s", name, resp);
	p += strlen(name);
	eol = strstr(p, "\r\n");
	cr_assert(eol != NULL && eol - p < 64);
	memcpy(out, p, (size_t)(eol - p));
	out[eol - p] = '\0';
}

Test(validators, last_modified_never_after_date)
{
	struct http_response r = { .status = 200, .keep_alive = true };
	char buf[1024], date[HTTP_DATE_LEN], lm[64], dh[64];

	r.last_modified = NOW + 5 * 365 * 86400;
	cr_assert_gt(http_format_response(buf, sizeof(buf), &r, NOW), 0);
	field(buf, "\r\nDate: ", dh);
	field(buf, "\r\nLast-Modified: ", lm);
	cr_assert_str_eq(lm, dh, "a Last-Modified after Date:\n%s", buf);

	r.last_modified = NOW + 1;
	cr_assert_gt(http_format_response(buf, sizeof(buf), &r, NOW), 0);
	field(buf, "\r\nLast-Modified: ", lm);
	http_date(NOW, date);
	cr_assert_str_eq(lm, date);

	/* earlier dates, and Date itself, go out as they are */
	r.last_modified = NOW - 1;
	cr_assert_gt(http_format_response(buf, sizeof(buf), &r, NOW), 0);
	field(buf, "\r\nLast-Modified: ", lm);
	http_date(NOW - 1, date);
	cr_assert_str_eq(lm, date);
	r.last_modified = NOW;
	cr_assert_gt(http_format_response(buf, sizeof(buf), &r, NOW), 0);
	field(buf, "\r\nLast-Modified: ", lm);
	http_date(NOW, date);
	cr_assert_str_eq(lm, date);
}

Test(validators, if_modified_since_from_the_future_is_ignored)
{
	char since[HTTP_DATE_LEN];
	struct http_request r;

	/* the file changed (mtime now earlier) after a cache got a future
	 * Last-Modified: the cache must get the new bytes */
	http_date(NOW + 86400, since);
	r = request_with(since, NULL);
	cr_assert_eq(file_conditional(&r, ETAG, NOW - 60, NOW), 0);
	http_date(NOW + 1, since);
	r = request_with(since, NULL);
	cr_assert_eq(file_conditional(&r, ETAG, NOW - 60, NOW), 0);
	/* up to now, the date validates as before */
	http_date(NOW, since);
	r = request_with(since, NULL);
	cr_assert_eq(file_conditional(&r, ETAG, NOW - 60, NOW), 304);
	cr_assert_eq(file_conditional(&r, ETAG, NOW, NOW), 304);
	http_date(NOW - 61, since);
	r = request_with(since, NULL);
	cr_assert_eq(file_conditional(&r, ETAG, NOW - 60, NOW), 0);
	/* an mtime ahead of now is never "not modified" by date */
	http_date(NOW, since);
	r = request_with(since, NULL);
	cr_assert_eq(file_conditional(&r, ETAG, NOW + 86400, NOW), 0);
	/* If-None-Match still decides alone */
	r.if_none_match.p = ETAG;
	r.if_none_match.len = strlen(ETAG);
	cr_assert_eq(file_conditional(&r, ETAG, NOW + 86400, NOW), 304);
}

Test(validators, if_range_never_matches_a_future_mtime)
{
	char date[HTTP_DATE_LEN];
	struct http_request r;

	/* Neither the future mtime nor the Date it is sent as resumes a
	 * transfer: no HTTP-date is taken as a strong validator. */
	http_date(NOW + 86400, date);
	r = request_with(NULL, date);
	cr_assert(!file_if_range(&r, ETAG));
	http_date(NOW, date);
	r = request_with(NULL, date);
	cr_assert(!file_if_range(&r, ETAG));
	/* the ETag form does not depend on dates */
	r = request_with(NULL, ETAG);
	cr_assert(file_if_range(&r, ETAG));
}
