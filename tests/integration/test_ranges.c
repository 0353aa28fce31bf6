/*
 * test_ranges.c: byte ranges (RFC 9110 14): single ranges in their three
 * forms with exact bytes, clamping, unsatisfiable ranges, malformed ones
 * answered with the whole file, and If-Range.  Several ranges:
 * test_multirange.c.
 */
#include <criterion/criterion.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define MIB (1024 * 1024)
#define SEED 42

static struct rp_response
range_request(const struct rp_daemon *d, const char *path, const char *extra)
{
	struct rp_response r;
	char raw[1024];
	int res;

	snprintf(raw, sizeof(raw), "GET %s HTTP/1.1\r\nHost: t\r\n%s"
	    "Connection: close\r\n\r\n", path, extra);
	res = rp_exchange(d, raw, false, &r);
	cr_assert(res == RP_OK, "%s with %s: %s\n%s", path, extra, rp_result_str(res),
	    rp_describe(&r));
	return r;
}

/* A 206 carrying exactly bytes first..last of a pattern file of size. */
static void
expect_206(const struct rp_response *r, uint64_t first, uint64_t last, uint64_t size,
    const char *what)
{
	char want[128];
	ssize_t bad;

	cr_assert_eq(r->status, 206, "%s: want 206:\n%s", what, rp_describe(r));
	snprintf(want, sizeof(want), "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64,
	    first, last, size);
	cr_assert(rp_hdr(r, "Content-Range") != NULL &&
	    strcmp(rp_hdr(r, "Content-Range"), want) == 0,
	    "%s: want Content-Range: %s:\n%s", what, want, rp_describe(r));
	cr_assert(r->has_length && r->content_length == last - first + 1,
	    "%s: want Content-Length %" PRIu64 ":\n%s", what, last - first + 1, rp_describe(r));
	cr_assert_eq(r->body_len, last - first + 1);
	bad = rp_pattern_mismatch(SEED, first, r->body, r->body_len);
	cr_assert(bad < 0, "%s: wrong byte at body offset %zd", what, bad);
}

static void
expect_whole_200(const struct rp_response *r, uint64_t size, const char *what)
{
	ssize_t bad;

	cr_assert_eq(r->status, 200, "%s: want 200:\n%s", what, rp_describe(r));
	cr_assert_null(rp_hdr(r, "Content-Range"), "%s: 200 with Content-Range:\n%s", what,
	    rp_describe(r));
	cr_assert(r->has_length && r->content_length == size, "%s:\n%s", what, rp_describe(r));
	cr_assert_eq(r->body_len, size);
	bad = rp_pattern_mismatch(SEED, 0, r->body, r->body_len);
	cr_assert(bad < 0, "%s: wrong byte at offset %zd", what, bad);
}

RP_ENGINE_TEST(ranges, single_ranges_exact, .timeout = 120)
{
	static const struct {
		const char *spec;
		uint64_t first, last;
	} cases[] = {
		{ "bytes=0-0", 0, 0 },
		{ "bytes=0-99", 0, 99 },
		{ "bytes=10-20", 10, 20 },
		{ "bytes=4095-4096", 4095, 4096 },
		{ "bytes=99999-99999", 99999, 99999 },
		{ "bytes=50000-", 50000, 99999 },
		{ "bytes=0-", 0, 99999 },
		{ "bytes=-1", 99999, 99999 },
		{ "bytes=-500", 99500, 99999 },
		/* Clamped: last beyond the end, suffix longer than the file. */
		{ "bytes=99000-200000", 99000, 99999 },
		{ "bytes=5-99999999999", 5, 99999 },
		{ "bytes=-100000", 0, 99999 },
		{ "bytes=-250000", 0, 99999 },
	};
	struct rp_daemon d;
	struct rp_response r;
	char extra[128];
	size_t i;

	rp_setup(&d);
	rp_make_file(&d, "f.bin", 100000, SEED);
	rp_start(&d);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(extra, sizeof(extra), "Range: %s\r\n", cases[i].spec);
		r = range_request(&d, "/f.bin", extra);
		expect_206(&r, cases[i].first, cases[i].last, 100000, cases[i].spec);
		rp_response_free(&r);
	}
	rp_stop(&d);
}

RP_ENGINE_TEST(ranges, inside_a_large_file, .timeout = 300)
{
	static const struct {
		const char *spec;
		uint64_t first, last;
	} cases[] = {
		{ "bytes=33554431-33685504", 33554431, 33685504 },
		{ "bytes=1048575-3145729", 1048575, 3145729 },
		{ "bytes=-65537", 64 * MIB - 65537, 64 * MIB - 1 },
		{ "bytes=67108000-", 67108000, 64 * MIB - 1 },
		/* streams (4 MiB and more): sent in calls cut on the wire's
		 * grid, not the file's, so every call starts mid-page here */
		{ "bytes=4097-12587007", 4097, 12587007 },
		{ "bytes=3-", 3, 64 * MIB - 1 },
	};
	struct rp_daemon d;
	struct rp_response r;
	char extra[128];
	size_t i;

	rp_setup(&d);
	rp_make_file(&d, "big.bin", 64 * MIB, SEED);
	rp_start(&d);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(extra, sizeof(extra), "Range: %s\r\n", cases[i].spec);
		r = range_request(&d, "/big.bin", extra);
		expect_206(&r, cases[i].first, cases[i].last, 64 * MIB, cases[i].spec);
		rp_response_free(&r);
	}
	rp_stop(&d);
}

Test(ranges, unsatisfiable_416)
{
	static const char *specs[] = {
		"bytes=1000-", "bytes=1000-1000", "bytes=5000-6000", "bytes=-0",
	};
	struct rp_daemon d;
	struct rp_response r;
	char extra[128];
	size_t i;

	rp_setup(&d);
	rp_make_file(&d, "f.bin", 1000, SEED);
	rp_make_file(&d, "empty.bin", 0, SEED);
	rp_start(&d);
	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		snprintf(extra, sizeof(extra), "Range: %s\r\n", specs[i]);
		r = range_request(&d, "/f.bin", extra);
		cr_assert_eq(r.status, 416, "%s: want 416:\n%s", specs[i], rp_describe(&r));
		cr_assert(rp_hdr(&r, "Content-Range") != NULL &&
		    strcmp(rp_hdr(&r, "Content-Range"), "bytes */1000") == 0,
		    "%s: want Content-Range: bytes */1000:\n%s", specs[i], rp_describe(&r));
		rp_response_free(&r);
	}
	/* Any first byte is past the end of an empty file. */
	r = range_request(&d, "/empty.bin", "Range: bytes=0-\r\n");
	cr_assert_eq(r.status, 416, "empty file, bytes=0-:\n%s", rp_describe(&r));
	cr_assert(rp_hdr(&r, "Content-Range") != NULL &&
	    strcmp(rp_hdr(&r, "Content-Range"), "bytes */0") == 0, "%s", rp_describe(&r));
	rp_response_free(&r);
	rp_stop(&d);
}

Test(ranges, malformed_gives_whole_file)
{
	static const char *specs[] = {
		"bytes=5-1",            /* last before first: invalid, ignored */
		"bytes=abc",
		"items=0-9",            /* another unit */
		"bytes 0-9",
	};
	struct rp_daemon d;
	struct rp_response r;
	char extra[128];
	size_t i;

	rp_setup(&d);
	rp_make_file(&d, "f.bin", 3000, SEED);
	rp_start(&d);
	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		snprintf(extra, sizeof(extra), "Range: %s\r\n", specs[i]);
		r = range_request(&d, "/f.bin", extra);
		expect_whole_200(&r, 3000, specs[i]);
		rp_response_free(&r);
	}
	rp_stop(&d);
}

Test(ranges, if_range)
{
	struct rp_daemon d;
	struct rp_response r;
	char etag[256], extra[512];

	rp_setup(&d);
	rp_make_file(&d, "f.bin", 5000, SEED);
	rp_start(&d);
	r = range_request(&d, "/f.bin", "");
	cr_assert_eq(r.status, 200);
	cr_assert_not_null(rp_hdr(&r, "ETag"), "%s", rp_describe(&r));
	snprintf(etag, sizeof(etag), "%s", rp_hdr(&r, "ETag"));
	rp_response_free(&r);

	snprintf(extra, sizeof(extra), "Range: bytes=100-199\r\nIf-Range: %s\r\n", etag);
	r = range_request(&d, "/f.bin", extra);
	expect_206(&r, 100, 199, 5000, "If-Range with the current ETag");
	rp_response_free(&r);

	r = range_request(&d, "/f.bin",
	    "Range: bytes=100-199\r\nIf-Range: \"some-other-etag\"\r\n");
	expect_whole_200(&r, 5000, "If-Range with another ETag");
	rp_response_free(&r);

	/* If-Range needs a strong match: a weak validator never matches. */
	snprintf(extra, sizeof(extra), "Range: bytes=100-199\r\nIf-Range: W/%s\r\n", etag);
	r = range_request(&d, "/f.bin", extra);
	expect_whole_200(&r, 5000, "If-Range with the weak form of the ETag");
	rp_response_free(&r);
	rp_stop(&d);
}

/* HEAD with a Range: RFC 9110 14.2 defines Range for GET only, so HEAD
 * ignores it and gets the whole file's 200 head, even for a range that
 * could not be satisfied; no body, as the next response on the
 * connection proves. */
Test(ranges, head_ignores_range)
{
	static const char *const specs[] = { "bytes=0-1", "bytes=10-19", "bytes=-5", "bytes=9000-" };
	struct rp_daemon d;
	struct rp_response r;
	struct rp_conn *c;
	int res;

	rp_setup(&d);
	rp_make_file(&d, "f.bin", 5000, SEED);
	rp_start(&d);
	c = rp_connect(&d);
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		rp_sendf(c, "HEAD /f.bin HTTP/1.1\r\nHost: t\r\nRange: %s\r\n\r\n", specs[i]);
		res = rp_read_response(c, &r, true);
		cr_assert(res == RP_OK, "%s: %s", specs[i], rp_result_str(res));
		cr_assert_eq(r.status, 200, "HEAD with Range: %s:\n%s", specs[i], rp_describe(&r));
		cr_assert_null(rp_hdr(&r, "Content-Range"), "%s:\n%s", specs[i], rp_describe(&r));
		cr_assert(r.has_length && r.content_length == 5000, "%s:\n%s", specs[i],
		    rp_describe(&r));
		rp_response_free(&r);
	}
	rp_sends(c, "GET /f.bin HTTP/1.1\r\nHost: t\r\nRange: bytes=20-29\r\n\r\n");
	res = rp_read_response(c, &r, false);
	cr_assert(res == RP_OK, "%s", rp_result_str(res));
	expect_206(&r, 20, 29, 5000, "GET after HEAD");
	rp_response_free(&r);
	rp_close(c);
	rp_stop(&d);
}
