/*
 * test_http_dot_segments.c: RFC 3986 5.2.4 dot-segment removal after
 * percent-decoding, and the refusal of paths that climb above the root.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include "http.h"

static struct http_request req;

Test(dot_segments, removed)
{
	static const struct {
		const char *target, *path;
	} cases[] = {
		{ "/./4k.bin", "/4k.bin" },
		{ "/noindex/../4k.bin", "/4k.bin" },
		{ "/%2e%2e", NULL },
		{ "/a/%2e%2e/4k.bin", "/4k.bin" },
		{ "/a/%2E%2e/4k.bin", "/4k.bin" },
		{ "/a/.%2e/b", "/b" },
		{ "/a/%2e/b", "/a/b" },
		{ "/a%2f..%2fb", "/b" },          /* a decoded '/' splits segments */
		{ "/a%2F..", "/" },
		{ "/.", "/" },
		{ "/a/.", "/a/" },                /* the trailing '/' stays */
		{ "/a/..", "/" },
		{ "/a/b/..", "/a/" },
		{ "/a/b/../", "/a/" },
		{ "/a/./b/../c", "/a/c" },
		{ "/a/b/c/./../../g", "/a/g" },   /* RFC 3986 5.2.4's example */
		{ "/a//../b", "/a/b" },           /* an empty segment counts */
		{ "//..", "/" },
		{ "/a/../.hidden", "/.hidden" },  /* dotfiles judged on the result */
		{ "/a/...", "/a/..." },
		{ "/a/..b/.c", "/a/..b/.c" },
		{ "/a/../b?/../..", "/b" },       /* the query is not the path */
		{ "http://h/a/../b", "/b" },
		{ "/../x", NULL },
		{ "/..", NULL },
		{ "/a/../..", NULL },
		{ "/a/../../b", NULL },
		{ "/./../x", NULL },
		{ "/%2e%2e/x", NULL },
		{ "/.%2E/x", NULL },
		{ "/a/..%2f..%2fx", NULL },
		{ "http://h/../x", NULL },
	};
	char buf[256];
	size_t i;
	ssize_t n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(buf, sizeof(buf), "GET %s HTTP/1.1\r\nHost: h\r\n\r\n",
		    cases[i].target);
		n = http_parse_request(buf, strlen(buf), 8192, &req);
		if (cases[i].path == NULL) {
			cr_assert_eq(n, -1, "%s parsed as %s", cases[i].target, req.path);
			cr_assert_eq(req.error_status, 400, "%s", cases[i].target);
			continue;
		}
		cr_assert_gt(n, 0, "%s: status %d", cases[i].target, req.error_status);
		cr_assert_str_eq(req.path, cases[i].path, "%s", cases[i].target);
		cr_assert_eq(req.path_len, strlen(cases[i].path));
	}
}

/* The output is written behind the input: a full-size path still fits,
 * and one that shrinks to nothing is "/". */
Test(dot_segments, bounds)
{
	static char target[HTTP_TARGET_MAX + 1], out[HTTP_TARGET_MAX + 1];
	size_t n, i;

	for (i = 0; i + 2 <= HTTP_TARGET_MAX - 3; i += 2)
		memcpy(target + i, "/a", 2);
	memcpy(target + i, "/..", 3);
	i += 3;
	cr_assert_eq(http_decode_path(target, i, out, sizeof(out), &n), 0);
	cr_assert_eq(n, i - 5 + 1, "got %zu", n);
	cr_assert_eq(out[n - 1], '/');
	cr_assert_eq(out[n], '\0');
	cr_assert_eq(http_decode_path("/a/b/../..", 10, out, sizeof(out), &n), 0);
	cr_assert_str_eq(out, "/");
	cr_assert_eq(n, 1);
}
