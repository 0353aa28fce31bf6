/*
 * test_location.c: the Location of a directory redirect, built from the
 * decoded path: one leading '/', never "//", bytes encoded once, the
 * query kept, and the longest accepted target within HTTP_LOCATION_MAX.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

static void
expect(const char *path, const char *query, const char *want)
{
	char out[HTTP_LOCATION_MAX];
	int n = http_format_location(path, strlen(path), query, query ? strlen(query) : 0, out,
	    sizeof(out));

	cr_assert_eq(n, (int)strlen(want), "%s ? %s: %d", path, query ? query : "(none)", n);
	cr_assert_str_eq(out, want, "%s ? %s", path, query ? query : "(none)");
}

Test(location, slashes)
{
	expect("/dir", NULL, "/dir/");
	expect("/a/b", NULL, "/a/b/");
	expect("//dir", NULL, "/dir/");
	expect("///dir", NULL, "/dir/");
	expect("//a//b///c", NULL, "/a/b/c/");
	expect("/", NULL, "/");
	expect("//", NULL, "/");
	expect("", NULL, "/");
	/* "//" never starts the result, whatever the decoded path held */
	expect("//evil.example/x", NULL, "/evil.example/x/");
}

Test(location, path_encoding)
{
	expect("/sp ace", NULL, "/sp%20ace/");
	expect("/q?h#p%", NULL, "/q%3Fh%23p%25/");
	expect("/back\\slash", NULL, "/back%5Cslash/");
	expect("/\\\\evil.example", NULL, "/%5C%5Cevil.example/");
	expect("/caf\xc3\xa9", NULL, "/caf%C3%A9/");
	expect("/\"<>^`{|}[]", NULL, "/%22%3C%3E%5E%60%7B%7C%7D%5B%5D/");
	expect("/keep-_.~!$&'()*+,;=:@AZaz09", NULL, "/keep-_.~!$&'()*+,;=:@AZaz09/");
}

Test(location, query)
{
	expect("/dir", "", "/dir/?");
	expect("/dir", "x=1&y=/a?b", "/dir/?x=1&y=/a?b");
	expect("/dir", "a=%20b%2f", "/dir/?a=%20b%2f");
	/* a '%' that starts no escape is encoded, and so are bytes a query
	 * may not hold */
	expect("/dir", "a=%zz&b=%2", "/dir/?a=%25zz&b=%252");
	expect("/dir", "\xc3\xa9\"\\", "/dir/?%C3%A9%22%5C");
}

Test(location, capacity)
{
	char out[16];

	cr_assert_eq(http_format_location("/abcdefghijklm", 14, NULL, 0, out, 16), 15);
	cr_assert_str_eq(out, "/abcdefghijklm/");
	cr_assert_eq(http_format_location("/abcdefghijklmn", 15, NULL, 0, out, 16), -1);
	cr_assert_eq(http_format_location("/abcd ", 6, NULL, 0, out, 10), 9);
	cr_assert_eq(http_format_location("/abcde ", 7, NULL, 0, out, 10), -1);
	cr_assert_eq(http_format_location("/a", 2, "", 0, out, 0), -1);
}

/* Every split of the longest target between path and query, every byte
 * one that is encoded: the result fits HTTP_LOCATION_MAX. */
Test(location, longest_target_fits)
{
	static char path[HTTP_TARGET_MAX + 1], query[HTTP_TARGET_MAX + 1];
	static char out[HTTP_LOCATION_MAX];

	for (size_t plen = 1; plen <= HTTP_TARGET_MAX; plen += 37) {
		/* the target: path, then '?' and the query, if room is left */
		size_t qlen = plen + 1 < HTTP_TARGET_MAX ? HTTP_TARGET_MAX - plen - 1 : 0;
		bool has_query = plen < HTTP_TARGET_MAX;
		int n;

		path[0] = '/';
		memset(path + 1, 0xe9, plen - 1);
		memset(query, 0xe9, qlen);
		n = http_format_location(path, plen, has_query ? query : NULL, qlen, out,
		    sizeof(out));
		cr_assert_gt(n, 0, "path %zu, query %zu", plen, qlen);
		cr_assert_eq((size_t)n, 3 * (plen - 1) + (plen > 1) + 1 + (has_query ? 1 + 3 * qlen : 0),
		    "path %zu, query %zu", plen, qlen);
	}
	path[0] = '/';
	memset(path + 1, 0xe9, HTTP_TARGET_MAX - 1);
	cr_assert_eq(http_format_location(path, HTTP_TARGET_MAX, NULL, 0, out, sizeof(out)),
	    3 * (HTTP_TARGET_MAX - 1) + 2);
}
