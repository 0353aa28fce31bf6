/*
 * test_redirect.c: a directory named without its trailing slash gets 301
 * with a Location built from the decoded, normalised path: never "//"
 * (a browser reads "//name/" as a link to the host "name"), percent-encoded,
 * and for any path the parser accepts, however long.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* One request on a fresh connection; asserts a 301 and returns the
 * Location (malloc'd). */
static char *
redirect_of(const struct rp_daemon *d, const char *method, const char *target)
{
	struct rp_response r;
	size_t cap = strlen(target) + 128;
	char *req = malloc(cap), *loc;
	bool head = strcmp(method, "HEAD") == 0;
	int res;

	cr_assert_not_null(req);
	snprintf(req, cap, "%s %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", method,
	    target);
	res = rp_exchange(d, req, head, &r);
	cr_assert_eq(res, RP_OK, "%s %.80s: %s", method, target, rp_result_str(res));
	cr_assert_eq(r.status, 301, "%s %.80s:\n%.300s", method, target, rp_describe(&r));
	cr_assert(r.has_length && r.content_length == 0, "%s", rp_describe(&r));
	cr_assert_not_null(rp_hdr(&r, "Location"), "%s", rp_describe(&r));
	loc = strdup(rp_hdr(&r, "Location"));
	cr_assert_not_null(loc);
	rp_response_free(&r);
	free(req);
	return loc;
}

static void
expect_location(const struct rp_daemon *d, const char *target, const char *want)
{
	char *loc = redirect_of(d, "GET", target);

	cr_assert_str_eq(loc, want, "GET %s", target);
	free(loc);
}

/* A path of 1,000 characters: its Location no longer fits the header
 * buffer of ordinary responses. */
Test(redirect, long_directory_path)
{
	struct rp_daemon d;
	char rel[1200] = "", *want, *target, *loc;
	size_t n = 0;

	rp_setup(&d);
	for (int level = 0; level < 5; level++) {
		if (level > 0)
			rel[n++] = '/';
		memset(rel + n, 'a' + level, 199);
		n += 199;
	}
	rel[n] = '\0';
	cr_assert_eq(n, 999);
	rp_mkdir(&d, rel);
	rp_start(&d);
	cr_assert(asprintf(&target, "/%s", rel) > 0);
	cr_assert(asprintf(&want, "/%s/", rel) > 0);
	expect_location(&d, target, want);
	loc = redirect_of(&d, "HEAD", target);
	cr_assert_str_eq(loc, want);
	free(loc);
	free(target);
	cr_assert(asprintf(&target, "/%s?q=%0900d", rel, 7) > 0);
	free(want);
	cr_assert(asprintf(&want, "/%s/?q=%0900d", rel, 7) > 0);
	expect_location(&d, target, want);
	free(target);
	free(want);
	rp_assert_serving(&d);
	rp_stop(&d);
}

/* The longest target the parser takes, every byte of it a byte that
 * must be encoded: the Location is three times as long. */
Test(redirect, longest_path_percent_encoded, .timeout = 60)
{
	static const char e_acute[] = "\xc3\xa9";
	struct rp_daemon d;
	char rel[4096] = "", want[3 * 4096 + 8] = "/", target[4100] = "/";
	size_t n = 0;

	rp_setup(&d);
	for (int level = 0; level < 16; level++) {
		if (level > 0) {
			rel[n++] = '/';
			strcat(want, "/");
		}
		for (int i = 0; i < 120; i++) {
			memcpy(rel + n, e_acute, 2);
			n += 2;
			strcat(want, "%C3%A9");
		}
	}
	rel[n] = '\0';
	strcat(want, "/");
	strcat(target, rel);
	cr_assert_lt(strlen(target), 4096);
	rp_mkdir(&d, rel);
	rp_start(&d);
	expect_location(&d, target, want);
	rp_assert_serving(&d);
	rp_stop(&d);
}

/* "//dir" named an existing directory: "Location: //dir/" sends browsers
 * to the host "dir".  Empty segments are dropped from the Location. */
Test(redirect, never_protocol_relative)
{
	struct rp_daemon d;

	rp_setup(&d);
	rp_mkdir(&d, "dir");
	rp_mkdir(&d, "a/b");
	rp_start(&d);
	expect_location(&d, "//dir", "/dir/");
	expect_location(&d, "///dir", "/dir/");
	expect_location(&d, "//dir?x=1", "/dir/?x=1");
	expect_location(&d, "/%2Fdir", "/dir/");
	expect_location(&d, "/%2F%2Fdir", "/dir/");
	expect_location(&d, "//a//b", "/a/b/");
	expect_location(&d, "http://t//dir", "/dir/");
	expect_location(&d, "/dir", "/dir/");
	rp_stop(&d);
}

/* The Location is the decoded path encoded once more: what was sent
 * encoded or not, the same URI comes back, and no byte a browser might
 * read as a separator ('\\' as '/') or a fragment is left bare. */
Test(redirect, location_is_percent_encoded)
{
	struct rp_daemon d;

	rp_setup(&d);
	rp_mkdir(&d, "sp ace");
	rp_mkdir(&d, "q?h#p%");
	rp_mkdir(&d, "back\\slash");
	rp_mkdir(&d, "caf\xc3\xa9");
	rp_mkdir(&d, "keep-_~!$&'()*+,;=:@");
	rp_start(&d);
	expect_location(&d, "/sp%20ace", "/sp%20ace/");
	expect_location(&d, "/q%3Fh%23p%25", "/q%3Fh%23p%25/");
	expect_location(&d, "/q%3fh%23p%25?a=%20b", "/q%3Fh%23p%25/?a=%20b");
	expect_location(&d, "/back\\slash", "/back%5Cslash/");
	expect_location(&d, "/caf\xc3\xa9", "/caf%C3%A9/");
	expect_location(&d, "/caf%C3%A9", "/caf%C3%A9/");
	expect_location(&d, "/%6Beep-_~!$&'()*+,;=:@", "/keep-_~!$&'()*+,;=:@/");
	rp_stop(&d);
}
