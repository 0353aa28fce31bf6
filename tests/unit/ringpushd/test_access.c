/*
 * test_access.c: access log lines in both formats, with hostile fields.
 */
#include <criterion/criterion.h>
#include <string.h>
#include "access.h"

static struct access_entry
sample(void)
{
	struct access_entry e = {
		.remote = "192.0.2.7",
		.when = 1795666933,           /* 2026-11-26T04:22:13Z */
		.method = "GET", .method_len = 3,
		.target = "/a b?q=1", .target_len = 8,
		.referer = NULL,
		.user_agent = "curl/7.88.1", .user_agent_len = 11,
		.version_minor = 1,
		.status = 206,
		.body_bytes = 11,
		.bytes_sent = 301,
		.duration_us = 1828,
		.bytes_received = 4096,
	};
	return e;
}

Test(access, combined_line)
{
	struct access_entry e = sample();
	char buf[8192];
	size_t n = access_format(&e, LOG_FORMAT_COMBINED, buf, sizeof(buf));

	cr_assert_str_eq(buf, "192.0.2.7 - - [26/Nov/2026:04:22:13 +0000] "
	    "\"GET /a b?q=1 HTTP/1.1\" 206 11 \"-\" \"curl/7.88.1\" 301 1828 4096");
	cr_assert_eq(n, strlen(buf));
}

Test(access, json_line)
{
	struct access_entry e = sample();
	char buf[8192];

	access_format(&e, LOG_FORMAT_JSON, buf, sizeof(buf));
	cr_assert_str_eq(buf, "{\"time\":\"2026-11-26T04:22:13Z\",\"remote\":\"192.0.2.7\","
	    "\"method\":\"GET\",\"target\":\"/a b?q=1\",\"version\":\"HTTP/1.1\","
	    "\"status\":206,\"body_bytes\":11,\"bytes_sent\":301,\"referer\":null,"
	    "\"user_agent\":\"curl/7.88.1\",\"duration_us\":1828,\"bytes_received\":4096}");
}

Test(access, refused_version)
{
	struct access_entry e = sample();
	char buf[8192];

	e.version = "HTTP/2.0";
	e.status = 505;
	access_format(&e, LOG_FORMAT_COMBINED, buf, sizeof(buf));
	cr_assert(strstr(buf, "] \"GET /a b?q=1 HTTP/2.0\" 505 ") != NULL, "%s", buf);
	access_format(&e, LOG_FORMAT_JSON, buf, sizeof(buf));
	cr_assert(strstr(buf, "\"version\":\"HTTP/2.0\",\"status\":505") != NULL, "%s", buf);
}

Test(access, unparsed_request)
{
	struct access_entry e = sample();
	char buf[8192];

	e.method = e.target = e.user_agent = NULL;
	e.method_len = e.target_len = e.user_agent_len = 0;
	e.status = 400;
	access_format(&e, LOG_FORMAT_COMBINED, buf, sizeof(buf));
	cr_assert(strstr(buf, "] \"-\" 400 11 \"-\" \"-\" 301") != NULL, "%s", buf);
	access_format(&e, LOG_FORMAT_JSON, buf, sizeof(buf));
	cr_assert(strstr(buf, "\"method\":null,\"target\":null,\"version\":null,\"status\":400") != NULL,
	    "%s", buf);
}

Test(access, hostile_fields_cannot_break_the_line)
{
	struct access_entry e = sample();
	static const char ua[] = "x\" \\ \n\x01\x7f";
	char buf[8192];

	e.user_agent = ua;
	e.user_agent_len = sizeof(ua) - 1;
	access_format(&e, LOG_FORMAT_COMBINED, buf, sizeof(buf));
	cr_assert(strstr(buf, "\"x\\\" \\\\ \\x0a\\x01\\x7f\"") != NULL, "%s", buf);
	cr_assert_null(strchr(buf, '\n'));
	access_format(&e, LOG_FORMAT_JSON, buf, sizeof(buf));
	cr_assert(strstr(buf, "\"user_agent\":\"x\\\" \\\\ \\u000a\\u0001\\u007f\"") != NULL, "%s", buf);
	cr_assert_null(strchr(buf, '\n'));
}

Test(access, long_fields_are_cut_and_buffers_never_overflow)
{
	static char big[8000];
	struct access_entry e = sample();
	char buf[5000], tiny[16];
	size_t n;

	memset(big, 'a', sizeof(big));
	e.target = e.referer = e.user_agent = big;
	e.target_len = e.referer_len = e.user_agent_len = sizeof(big);
	n = access_format(&e, LOG_FORMAT_COMBINED, buf, sizeof(buf));
	cr_assert_eq(n, strlen(buf));
	cr_assert(strstr(buf, "\" 301 1828 4096") != NULL, "the end of the line survives: %s",
	    buf + n - 40);
	n = access_format(&e, LOG_FORMAT_JSON, tiny, sizeof(tiny));
	cr_assert_eq(n, sizeof(tiny) - 1);
	cr_assert_eq(strlen(tiny), sizeof(tiny) - 1);
}
