/*
 * test_conf_headers.c: cache_control and add_header, per listener:
 * defaults, repetition, and every refusal with its file:line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "conf.h"
#include "headers.h"
#include "http.h"

#define LISTENER "[listener a]\naddress = 127.0.0.1:0\nroot = /\n"

static char errbuf[4096];
static char path[64];

/* conf_load of text: the number of problems; messages in errbuf. */
static int
load(struct conf *c, const char *text)
{
	FILE *err;
	int fd, problems;

	snprintf(path, sizeof(path), "/tmp/ringpush-conf-XXXXXX");
	fd = mkstemp(path);
	cr_assert_neq(fd, -1, "mkstemp: %s", strerror(errno));
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	memset(errbuf, 0, sizeof(errbuf));
	err = fmemopen(errbuf, sizeof(errbuf), "w");
	cr_assert_not_null(err);
	setvbuf(err, NULL, _IONBF, 0);
	problems = conf_load(c, path, err);
	fclose(err);
	unlink(path);
	return problems;
}

/* One problem, at line, saying what. */
static void
expect_one(const char *text, int line, const char *what)
{
	struct conf c;
	char want[512];

	cr_assert_eq(load(&c, text), 1, "%s\n-> %s", text, errbuf);
	/* "file:line: key: ..." with what in it */
	snprintf(want, sizeof(want), "%s:%d: ", path, line);
	cr_assert(strncmp(errbuf, want, strlen(want)) == 0, "want \"%s\" in \"%s\"",
	    want, errbuf);
	cr_assert(strstr(errbuf, what) != NULL, "want \"%s\" in \"%s\"", what, errbuf);
	conf_free(&c);
}

Test(conf_headers, defaults_are_none)
{
	struct conf c;

	cr_assert_eq(load(&c, LISTENER), 0, "%s", errbuf);
	cr_assert_str_eq(c.listeners[0].cache_control, "");
	cr_assert_str_eq(c.listeners[0].add_headers, "");
	conf_free(&c);
}

Test(conf_headers, per_listener_and_repeatable)
{
	struct conf c;

	cr_assert_eq(load(&c, LISTENER
	    "cache_control = public, max-age=3600\n"
	    "add_header = X-Served-By: node-1\n"
	    "add_header = Access-Control-Allow-Origin:*\n"
	    "add_header = X-Empty-Ws:\tv  w\n"
	    "[listener b]\naddress = 127.0.0.1:0\nroot = /\n"
	    "add_header = X-Other: b\n"), 0, "%s", errbuf);
	cr_assert_str_eq(c.listeners[0].cache_control, "public, max-age=3600");
	cr_assert_str_eq(c.listeners[0].add_headers, "X-Served-By: node-1\r\n"
	    "Access-Control-Allow-Origin: *\r\nX-Empty-Ws: v  w\r\n");
	cr_assert_str_eq(c.listeners[1].cache_control, "");
	cr_assert_str_eq(c.listeners[1].add_headers, "X-Other: b\r\n");
	conf_free(&c);
}

Test(conf_headers, refusals_name_their_line)
{
	char text[1024], big[200];

	expect_one(LISTENER "add_header = X-A\n", 4,
	    "add_header: \"X-A\": expected \"Name: value\"");
	expect_one(LISTENER "add_header = : v\n", 4, "add_header: \": v\": empty field name");
	expect_one(LISTENER "add_header = X A: v\n", 4,
	    "add_header: \"X A: v\": the field name is not a token");
	expect_one(LISTENER "add_header = X(A): v\n", 4, "the field name is not a token");
	expect_one(LISTENER "add_header = X-A:\n", 4, "add_header: \"X-A:\": empty value");
	expect_one(LISTENER "add_header = content-length: 5\n", 4,
	    "the daemon writes this field itself");
	expect_one(LISTENER "add_header = Cache-Control: no-store\n", 4,
	    "the daemon writes this field itself");
	expect_one(LISTENER "add_header = X-A: a\x01z\n", 4, "a control character in the value");
	expect_one(LISTENER "cache_control = a\x7f\n", 4, "cache_control: a control character");
	/* the duplicate rule still holds for cache_control */
	expect_one(LISTENER "cache_control = no-cache\ncache_control = no-store\n", 5,
	    "cache_control: duplicate key (first set at line 4)");
	/* bounds: one value, and the listener's total */
	memset(big, 'a', sizeof(big) - 1);
	big[150] = '\0';         /* within inih's line, beyond the key's bound */
	snprintf(text, sizeof(text), LISTENER "cache_control = %s\n", big);
	expect_one(text, 4, "cache_control: value too long (at most 127 characters)");
	big[120] = '\0';
	snprintf(text, sizeof(text), LISTENER "add_header = X-1: %s\n"
	    "add_header = X-2: %s\nadd_header = X-3: %s\n", big, big, big);
	/* two lines of 127 bytes fit in 256 with the NUL; the third not */
	expect_one(text, 6, "too many header bytes for one listener");
}

/* A CR or LF can never reach a response: inih gives no value with one,
 * and the check refuses one given directly. */
Test(conf_headers, no_cr_lf)
{
	char buf[64] = "";

	cr_assert_not_null(headers_check_value("a\rb"));
	cr_assert_not_null(headers_check_value("a\nb"));
	cr_assert_not_null(headers_append(buf, sizeof(buf), "X-A: a\r\nX-B: b"));
	cr_assert_str_eq(buf, "");
	cr_assert_null(headers_append(buf, sizeof(buf), "X-A: a"));
	cr_assert_str_eq(buf, "X-A: a\r\n");
}

/* The fields go out in the response header, before its end. */
Test(conf_headers, in_the_response)
{
	char buf[1024];
	struct http_response r = {
		.status = 200, .keep_alive = true, .content_length = 1,
		.cache_control = "max-age=60", .extra_fields = "X-A: a\r\nX-B: b\r\n",
	};
	const char *end;

	cr_assert_gt(http_format_response(buf, sizeof(buf), &r, 1700000000), 0);
	end = strstr(buf, "\r\n\r\n");
	cr_assert_not_null(end);
	cr_assert(strstr(buf, "\r\nCache-Control: max-age=60\r\n") != NULL, "%s", buf);
	cr_assert(strstr(buf, "\r\nX-A: a\r\nX-B: b\r\n") != NULL, "%s", buf);
	cr_assert_lt(strstr(buf, "X-B") - buf, end - buf);
	r.cache_control = "";
	r.extra_fields = NULL;
	cr_assert_gt(http_format_response(buf, sizeof(buf), &r, 1700000000), 0);
	cr_assert_null(strstr(buf, "Cache-Control"));
}
