/*
 * test_http_versions.c: RFC 9112 2.3, a later HTTP/1 minor version is
 * answered as HTTP/1.1, another major version gets 505.
 */
#include <criterion/criterion.h>
#include <string.h>
#include "http.h"

static struct http_request req;

static ssize_t
parse(const char *s)
{
	return http_parse_request(s, strlen(s), 8192, &req);
}

Test(http_versions, later_minor_is_http11)
{
	static const char *const ok[] = {
		"GET / HTTP/1.2\r\nHost: h\r\n\r\n",
		"GET / HTTP/1.9\r\nHost: h\r\n\r\n",
	};
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		cr_assert_eq(parse(ok[i]), (ssize_t)strlen(ok[i]), "%s: status %d",
		    ok[i], req.error_status);
		cr_assert_geq(req.version_minor, 2);
		/* HTTP/1.1 rules: persistent by default, Host required */
		cr_assert(req.keep_alive, "%s", ok[i]);
	}
	cr_assert_gt(parse("GET / HTTP/1.2\r\nHost: h\r\nConnection: close\r\n\r\n"), 0);
	cr_assert(!req.keep_alive);
	cr_assert_eq(parse("GET / HTTP/1.2\r\n\r\n"), -1);
	cr_assert_eq(req.error_status, 400, "HTTP/1.2 without Host");
}

Test(http_versions, other_majors_are_505)
{
	static const char *const bad[] = {
		"GET / HTTP/2.0\r\nHost: h\r\n\r\n",
		"GET / HTTP/0.9\r\nHost: h\r\n\r\n",
		"GET / HTTP/3.1\r\nHost: h\r\n\r\n",
		"GET / HTTP/9.9\r\nHost: h\r\n\r\n",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(parse(bad[i]), -1, "%s", bad[i]);
		cr_assert_eq(req.error_status, 505, "%s", bad[i]);
		/* the request line is kept for the access log */
		cr_assert(req.method_name.len == 3 && memcmp(req.method_name.p, "GET", 3) == 0);
		cr_assert(req.target.len == 1 && req.target.p[0] == '/');
		cr_assert_eq(req.version_major, bad[i][11] - '0', "%s", bad[i]);
		cr_assert_eq(req.version_minor, bad[i][13] - '0', "%s", bad[i]);
	}
	cr_assert_eq(parse("GET /simple\r\n"), -1);
	cr_assert_eq(req.error_status, 505);
	cr_assert(req.version_major == 0 && req.version_minor == 9);
	/* still two digits is malformed, not a later version */
	cr_assert_eq(parse("GET / HTTP/1.10\r\nHost: h\r\n\r\n"), -1);
	cr_assert_eq(req.error_status, 400);
}
