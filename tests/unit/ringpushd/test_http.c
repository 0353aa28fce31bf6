/*
 * test_http.c: the request parser, the path decoder, HTTP dates and the
 * response writer, driven with raw bytes.  Every rule of the parser has a
 * request that breaks it, with the status it must earn.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "http.h"

#define MAX_HEADER 8192

static struct http_request req;

static ssize_t
parse_n(const char *s, size_t len)
{
	return http_parse_request(s, len, MAX_HEADER, &req);
}

static ssize_t
parse(const char *s)
{
	return parse_n(s, strlen(s));
}

static bool
span_eq(struct http_span sp, const char *s)
{
	return sp.p != NULL && sp.len == strlen(s) && memcmp(sp.p, s, sp.len) == 0;
}

Test(http_parse, simple_get)
{
	const char *s = "GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n";

	cr_assert_eq(parse(s), (ssize_t)strlen(s));
	cr_assert_eq(req.method, HTTP_GET);
	cr_assert(span_eq(req.method_name, "GET"));
	cr_assert(span_eq(req.target, "/index.html"));
	cr_assert_eq(req.version_minor, 1);
	cr_assert(req.keep_alive);
	cr_assert_str_eq(req.path, "/index.html");
	cr_assert_eq(req.path_len, 11);
	cr_assert(req.has_host);
	cr_assert(span_eq(req.host, "example.com"));
	cr_assert_eq(req.content_length, 0);
	cr_assert_null(req.range.p);
	cr_assert_null(req.if_none_match.p);
	cr_assert_null(req.user_agent.p);
}

Test(http_parse, methods)
{
	static const struct {
		const char *name;
		enum http_method m;
	} cases[] = {
		{ "GET", HTTP_GET }, { "HEAD", HTTP_HEAD }, { "POST", HTTP_POST },
		{ "PUT", HTTP_PUT }, { "DELETE", HTTP_DELETE },
		{ "OPTIONS", HTTP_OPTIONS }, { "PATCH", HTTP_PATCH },
		{ "TRACE", HTTP_TRACE }, { "FOO", HTTP_UNKNOWN },
		/* methods are case-sensitive */
		{ "get", HTTP_UNKNOWN }, { "GETS", HTTP_UNKNOWN },
		{ "X-MY_METHOD!", HTTP_UNKNOWN },
		{ "ABCDEFGHIJKLMNOP", HTTP_UNKNOWN },   /* 16: the limit */
	};
	char buf[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int n = snprintf(buf, sizeof(buf),
		    "%s / HTTP/1.1\r\nHost: h\r\n\r\n", cases[i].name);

		cr_assert_eq(parse(buf), n, "%s", cases[i].name);
		cr_assert_eq(req.method, cases[i].m, "%s", cases[i].name);
		cr_assert(span_eq(req.method_name, cases[i].name));
	}
	cr_assert_str_eq(http_method_str(HTTP_HEAD), "HEAD");
	cr_assert_str_eq(http_method_str(HTTP_OPTIONS), "OPTIONS");
}

/* Well-formed: the daemon answers 405, not 400. */
Test(http_parse, connect_authority_form_parses)
{
	cr_assert_gt(parse("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"), 0);
	cr_assert_eq(req.method, HTTP_CONNECT);
}

struct bad_case {
	const char *raw;
	int status;
};

/* Every line here must be refused with exactly this status. */
static const struct bad_case bad_requests[] = {
	/* request-line */
	{ "ABCDEFGHIJKLMNOPQ / HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
	{ " GET / HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
	{ "GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
	{ "GET /  HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
	{ "GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
	{ "G(T / HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
	{ "GET / HTTP/1.1 \r\nHost: h\r\n\r\n", 400 },
	{ "GET / HTTP/1.10\r\nHost: h\r\n\r\n", 400 },
	{ "GET / HTTP/11.1\r\nHost: h\r\n\r\n", 400 },
	{ "GET / http/1.1\r\nHost: h\r\n\r\n", 400 },
	{ "GET / HTTPS/1.1\r\nHost: h\r\n\r\n", 400 },
	{ "GET / HTTP/1\r\nHost: h\r\n\r\n", 400 },
	{ "GET / HTTP/1.x\r\nHost: h\r\n\r\n", 400 },
	{ "GET / HTTP/a.1\r\nHost: h\r\n\r\n", 400 },
	{ "GET / HTTP/1,1\r\nHost: h\r\n\r\n", 400 },
	{ "GET / HTTP/1.1 extra\r\nHost: h\r\n\r\n", 400 },
	{ "\n\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
	{ "\r\rGET / HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
	/* unsupported but well-formed versions */
	{ "GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505 },
	{ "GET / HTTP/0.9\r\nHost: h\r\n\r\n", 505 },
	{ "GET / HTTP/3.0\r\n\r\n", 505 },
	{ "GET /\r\n", 505 },
	/* line endings */
	{ "GET / HTTP/1.1\nHost: h\r\n\r\n", 400 },
	{ "GET / HTTP/1.1\r\nHost: h\n\r\n", 400 },
	{ "GET / HTTP/1.1\r\nHost: h\r\n\n", 400 },
	{ "GET / HTTP/1.1\rHost: h\r\n\r\n", 400 },
	{ "GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n", 400 },
	{ "GET / HTTP/1.1\r\nHost: h\r\n\r\r", 400 },
	{ "GET /\n HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
	{ "GET /\rx HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
	/* field syntax */
	{ "GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400 },
	{ "GET / HTTP/1.1\r\nHost\t: h\r\n\r\n", 400 },
	{ "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n", 400 },
	{ "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n\tb\r\n\r\n", 400 },
	{ "GET / HTTP/1.1\r\n Host: h\r\n\r\n", 400 },
	{ "GET / HTTP/1.1\r\nHost: h\r\n: empty\r\n\r\n", 400 },
	{ "GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n", 400 },
	{ "GET / HTTP/1.1\r\nHost: h\r\nX(y): z\r\n\r\n", 400 },
	{ "GET / HTTP/1.1\r\nHost: h\r\nX: a\x01" "b\r\n\r\n", 400 },
	{ "GET / HTTP/1.1\r\nHost: h\r\nX: a\x7f" "b\r\n\r\n", 400 },
	{ "GET / HTTP/1.1\r\nHost: h\r\nX: a\x1b[0m\r\n\r\n", 400 },
	{ "GET / HTTP/1.1\r\nHo\x01st: h\r\n\r\n", 400 },
	/* target bytes */
	{ "GET /a\x01 HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
	{ "GET /a\x7f HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
	{ "GET /a#frag HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
	{ "GET /a\tb HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
	/* Content-Length */
	{ "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +5\r\n\r\n", 400 },
	{ "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -5\r\n\r\n", 400 },
	{ "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x10\r\n\r\n", 400 },
	{ "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5 5\r\n\r\n", 400 },
	{ "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5.0\r\n\r\n", 400 },
	{ "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: \r\n\r\n", 400 },
	{ "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5,\r\n\r\n", 400 },
	{ "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: ,5\r\n\r\n", 400 },
	{ "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5,,5\r\n\r\n", 400 },
	{ "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 6\r\n\r\n", 400 },
	{ "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400 },
	{ "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 18446744073709551616\r\n\r\n", 400 },
	{ "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400 },
	/* framing */
	{ "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400 },
	{ "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n", 400 },
	{ "GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n", 400 },
	{ "HEAD / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: identity\r\n\r\n", 400 },
	/* Host */
	{ "GET / HTTP/1.1\r\n\r\n", 400 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400 },
	{ "GET / HTTP/1.1\r\nHost: a\r\nhOST: b\r\n\r\n", 400 },
	{ "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400 },
	{ "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400 },
	{ "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", 400 },
	/* target forms */
	{ "GET * HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
	{ "GET index.html HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
	{ "GET ftp://h/x HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
	{ "GET http:///x HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
	{ "GET http://user@h/x HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
	{ "GET http://h/../x HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
	{ "GET */x HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
	/* paths */
	{ "GET /.. HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
	{ "GET /../etc/passwd HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
	{ "GET /%2e%2e/x HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
	{ "GET /.%2e HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
	{ "GET /..?x HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
	{ "GET /%00 HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
	{ "GET /a%00.html HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
	{ "GET /%0a HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
	{ "GET /%1F HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
	{ "GET /%7f HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
	{ "GET /%zz HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
	{ "GET /%4 HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
	{ "GET /% HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
	{ "GET /%%41 HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
	{ "GET /%C0%AE%C0%AE/x HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
	{ "GET /%C0%AF HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
	{ "GET /%E0%80%AE HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
	{ "GET /%ED%A0%80 HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
	{ "GET /%F4%90%80%80 HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
	{ "GET /%FF HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
	{ "GET /%C3 HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
	{ "GET /%80 HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
	{ "GET /\xc3( HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
	/* singleton fields twice */
	{ "GET / HTTP/1.1\r\nHost: h\r\nRange: bytes=0-1\r\nRange: bytes=2-3\r\n\r\n", 400 },
	{ "GET / HTTP/1.1\r\nHost: h\r\nIf-Range: \"a\"\r\nIf-Range: \"b\"\r\n\r\n", 400 },
};

Test(http_parse, bad_requests)
{
	size_t i;

	for (i = 0; i < sizeof(bad_requests) / sizeof(bad_requests[0]); i++) {
		const struct bad_case *c = &bad_requests[i];

		req.error_status = 0;
		cr_assert_eq(parse(c->raw), -1, "case %zu: %s", i, c->raw);
		cr_assert_eq(req.error_status, c->status,
		    "case %zu: got %d, want %d: %s", i, req.error_status,
		    c->status, c->raw);
	}
}

/* The same requests fed byte by byte: -2 until the byte that breaks it,
 * then the same status, and never a success. */
Test(http_parse, bad_requests_byte_by_byte)
{
	size_t i, n, len;
	ssize_t r;

	for (i = 0; i < sizeof(bad_requests) / sizeof(bad_requests[0]); i++) {
		const char *raw = bad_requests[i].raw;

		len = strlen(raw);
		for (n = 0; n <= len; n++) {
			r = parse_n(raw, n);
			if (r == -1)
				break;
			cr_assert_eq(r, -2, "case %zu prefix %zu: %zd", i, n, r);
		}
		cr_assert_leq(n, len, "case %zu never failed", i);
		cr_assert_eq(req.error_status, bad_requests[i].status,
		    "case %zu", i);
	}
}

Test(http_parse, byte_by_byte_valid)
{
	const char *s = "\r\nGET /a%20b?x=1 HTTP/1.1\r\nHost: example.com:8080\r\n"
	    "User-Agent: t/1.0\r\nRange: bytes=0-99\r\nConnection: close\r\n\r\n";
	size_t n, len = strlen(s);

	for (n = 0; n < len; n++)
		cr_assert_eq(parse_n(s, n), -2, "prefix %zu", n);
	cr_assert_eq(parse_n(s, len), (ssize_t)len);
	cr_assert_str_eq(req.path, "/a b");
	cr_assert(!req.keep_alive);
	cr_assert(span_eq(req.range, "bytes=0-99"));
	cr_assert(span_eq(req.host, "example.com:8080"));
}

Test(http_parse, pipelined)
{
	const char *first = "GET /one HTTP/1.1\r\nHost: h\r\n\r\n";
	const char *s = "GET /one HTTP/1.1\r\nHost: h\r\n\r\n"
	    "HEAD /two HTTP/1.1\r\nHost: h\r\n\r\n";
	ssize_t n = parse(s);

	cr_assert_eq(n, (ssize_t)strlen(first));
	cr_assert_str_eq(req.path, "/one");
	cr_assert_eq(parse(s + n), (ssize_t)(strlen(s) - (size_t)n));
	cr_assert_eq(req.method, HTTP_HEAD);
	cr_assert_str_eq(req.path, "/two");
}

Test(http_parse, body_length_on_other_methods)
{
	const char *s = "POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5\r\n"
	    "content-length:5\r\n\r\nhello";

	cr_assert_eq(parse(s), (ssize_t)(strlen(s) - 5));
	cr_assert_eq(req.method, HTTP_POST);
	cr_assert_eq(req.content_length, 5);
	cr_assert(!req.transfer_encoding);

	cr_assert_gt(parse("PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 18446744073709551615\r\n\r\n"), 0);
	cr_assert_eq(req.content_length, UINT64_MAX);

	cr_assert_gt(parse("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"), 0);
	cr_assert(req.transfer_encoding);
	cr_assert_eq(req.content_length, 0);

	/* Zero is not a body: allowed on GET. */
	cr_assert_gt(parse("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n"), 0);
	cr_assert_gt(parse("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 000\r\n\r\n"), 0);
	cr_assert_gt(parse("GET / HTTP/1.1\r\nHost: h\r\nContent-Length:\t0 \r\n\r\n"), 0);
}

Test(http_parse, keep_alive_rules)
{
	cr_assert_gt(parse("GET / HTTP/1.1\r\nHost: h\r\n\r\n"), 0);
	cr_assert(req.keep_alive);
	cr_assert_gt(parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"), 0);
	cr_assert(!req.keep_alive);
	cr_assert_gt(parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: TE, CLOSE\r\n\r\n"), 0);
	cr_assert(!req.keep_alive);
	cr_assert_gt(parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: upgrade\r\nconnection: Close\r\n\r\n"), 0);
	cr_assert(!req.keep_alive);
	cr_assert_gt(parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: closed\r\n\r\n"), 0);
	cr_assert(req.keep_alive);

	cr_assert_gt(parse("GET / HTTP/1.0\r\n\r\n"), 0);
	cr_assert_eq(req.version_minor, 0);
	cr_assert(!req.keep_alive);
	cr_assert(!req.has_host);
	cr_assert_gt(parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"), 0);
	cr_assert(req.keep_alive);
	cr_assert_gt(parse("GET / HTTP/1.0\r\nConnection: foo ,keep-alive\r\n\r\n"), 0);
	cr_assert(req.keep_alive);
	cr_assert_gt(parse("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n"), 0);
	cr_assert(!req.keep_alive);
}

Test(http_parse, spans_trimmed_and_case_insensitive)
{
	const char *s = "GET / HTTP/1.1\r\nhOsT:h\r\nRANGE: \t bytes=1-2 \t\r\n"
	    "if-range: \"x\"\r\nIf-None-Match: W/\"a\", \"b\"\r\n"
	    "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
	    "user-agent: curl/8\r\nReferer: http://r/\r\nUser-Agent: second\r\n"
	    "X-Empty:\r\nX-Tab: a\tb\r\n\r\n";

	cr_assert_eq(parse(s), (ssize_t)strlen(s));
	cr_assert(span_eq(req.host, "h"));
	cr_assert(span_eq(req.range, "bytes=1-2"));
	cr_assert(span_eq(req.if_range, "\"x\""));
	cr_assert(span_eq(req.if_none_match, "W/\"a\", \"b\""));
	cr_assert(span_eq(req.if_modified_since, "Sun, 06 Nov 1994 08:49:37 GMT"));
	cr_assert(span_eq(req.user_agent, "curl/8"));
	cr_assert(span_eq(req.referer, "http://r/"));
}

Test(http_parse, empty_host_and_empty_value)
{
	cr_assert_gt(parse("GET / HTTP/1.1\r\nHost:\r\n\r\n"), 0);
	cr_assert(req.has_host);
	cr_assert_not_null(req.host.p);
	cr_assert_eq(req.host.len, 0);
	cr_assert_gt(parse("GET / HTTP/1.1\r\nHost: h\r\nRange:   \r\n\r\n"), 0);
	cr_assert_not_null(req.range.p);
	cr_assert_eq(req.range.len, 0);
}

Test(http_parse, leading_empty_lines_skipped)
{
	const char *s = "\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n";

	cr_assert_eq(parse(s), (ssize_t)strlen(s));
	cr_assert(span_eq(req.method_name, "GET"));
}

Test(http_parse, absolute_form)
{
	cr_assert_gt(parse("GET http://Example.COM/a%20b?q=1 HTTP/1.1\r\nHost: example.com\r\n\r\n"), 0);
	cr_assert_str_eq(req.path, "/a b");
	cr_assert(span_eq(req.target, "http://Example.COM/a%20b?q=1"));
	cr_assert_gt(parse("GET HTTPS://h:8080 HTTP/1.1\r\nHost: H:8080\r\n\r\n"), 0);
	cr_assert_str_eq(req.path, "/");
	cr_assert_gt(parse("GET http://h?x HTTP/1.1\r\nHost: h\r\n\r\n"), 0);
	cr_assert_str_eq(req.path, "/");
	/* HTTP/1.0 may omit Host: nothing to compare with. */
	cr_assert_gt(parse("GET http://h/f HTTP/1.0\r\n\r\n"), 0);
	cr_assert_str_eq(req.path, "/f");
}

Test(http_parse, asterisk_form)
{
	cr_assert_gt(parse("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n"), 0);
	cr_assert_eq(req.method, HTTP_OPTIONS);
	cr_assert(span_eq(req.target, "*"));
	cr_assert_str_eq(req.path, "/");
	cr_assert_eq(req.path_len, 1);
}

Test(http_parse, paths_decoded_once)
{
	static const struct {
		const char *target, *path;
	} cases[] = {
		{ "/", "/" },
		{ "/%2541", "/%41" },
		{ "/%41%42c", "/ABc" },
		{ "/a//b", "/a//b" },
		{ "//", "//" },
		{ "/a?b/../c", "/a" },
		{ "/a%3Fb", "/a?b" },
		{ "/a%20b", "/a b" },
		{ "/a+b", "/a+b" },
		{ "/%C3%A9t%C3%A9", "/\xc3\xa9t\xc3\xa9" },
		{ "/\xc3\xa9", "/\xc3\xa9" },
		{ "/%F0%9F%98%80", "/\xf0\x9f\x98\x80" },
		{ "/%EF%BF%BD", "/\xef\xbf\xbd" },
		{ "/...", "/..." },
		{ "/..a", "/..a" },
		{ "/a..", "/a.." },
		{ "/.well-known/x", "/.well-known/x" },
		{ "/dir/", "/dir/" },
		{ "/a%2Fb", "/a/b" },
	};
	char buf[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(buf, sizeof(buf), "GET %s HTTP/1.1\r\nHost: h\r\n\r\n",
		    cases[i].target);
		cr_assert_gt(parse(buf), 0, "%s", cases[i].target);
		cr_assert_str_eq(req.path, cases[i].path);
		cr_assert_eq(req.path_len, strlen(cases[i].path));
	}
}

Test(http_parse, target_length_limit)
{
	static char buf[HTTP_TARGET_MAX + 64];
	size_t n;

	/* Exactly HTTP_TARGET_MAX is fine. */
	memcpy(buf, "GET /", 5);
	memset(buf + 5, 'a', HTTP_TARGET_MAX - 1);
	n = 4 + HTTP_TARGET_MAX;
	n += (size_t)sprintf(buf + n, " HTTP/1.1\r\nHost: h\r\n\r\n");
	cr_assert_eq(parse_n(buf, n), (ssize_t)n);
	cr_assert_eq(req.path_len, HTTP_TARGET_MAX);
	cr_assert_eq(req.target.len, HTTP_TARGET_MAX);

	/* One more byte, and the header is not even complete: 414 at once. */
	memset(buf + 5, 'a', HTTP_TARGET_MAX);
	cr_assert_eq(parse_n(buf, 4 + HTTP_TARGET_MAX), -2);
	cr_assert_eq(parse_n(buf, 4 + HTTP_TARGET_MAX + 1), -1);
	cr_assert_eq(req.error_status, 414);

	/* A small max_header that ends inside the target also says 414. */
	memcpy(buf, "GET /", 5);
	cr_assert_eq(http_parse_request(buf, 64, 64, &req), -1);
	cr_assert_eq(req.error_status, 414);
}

Test(http_parse, header_size_limit)
{
	const char *s = "GET / HTTP/1.1\r\nHost: h\r\nX-Pad: 0123456789\r\n\r\n";
	size_t len = strlen(s);

	/* Ending exactly at the limit is fine, one byte over is not. */
	cr_assert_eq(http_parse_request(s, len, len, &req), (ssize_t)len);
	cr_assert_eq(http_parse_request(s, len, len - 1, &req), -1);
	cr_assert_eq(req.error_status, 431);
	/* Incomplete and the limit reached: 431, not "need more". */
	cr_assert_eq(http_parse_request(s, len - 2, len - 2, &req), -1);
	cr_assert_eq(req.error_status, 431);
	cr_assert_eq(http_parse_request(s, len - 2, len - 1, &req), -2);
	/* A limit of zero refuses everything. */
	cr_assert_eq(http_parse_request(s, len, 0, &req), -1);
	cr_assert_eq(req.error_status, 431);
	/* Bytes past the limit are never looked at. */
	cr_assert_eq(http_parse_request(s, len, 16, &req), -1);
	cr_assert_eq(req.error_status, 431);
}

Test(http_parse, field_count_limit)
{
	static char buf[4096];
	size_t n;
	int i;

	n = (size_t)sprintf(buf, "GET / HTTP/1.1\r\nHost: h\r\n");
	for (i = 1; i < HTTP_HEADERS_MAX; i++)
		n += (size_t)sprintf(buf + n, "X-%d: v\r\n", i);
	memcpy(buf + n, "\r\n", 3);
	cr_assert_eq(parse_n(buf, n + 2), (ssize_t)(n + 2));

	n += (size_t)sprintf(buf + n, "X-last: v\r\n\r\n");
	cr_assert_eq(parse_n(buf, n), -1);
	cr_assert_eq(req.error_status, 431);
}

/* A request "GET /aaa...a HTTP/1.1" with a target of exactly tlen bytes
 * and nfields header fields (Host first); returns its length. */
static size_t
build_request(char *buf, size_t cap, size_t tlen, unsigned nfields)
{
	size_t n;
	unsigned i;

	cr_assert_geq(tlen, 1);
	cr_assert_lt(tlen + 64 + (size_t)nfields * 16, cap);
	memcpy(buf, "GET /", 5);
	memset(buf + 5, 'a', tlen - 1);
	n = 4 + tlen;
	n += (size_t)sprintf(buf + n, " HTTP/1.1\r\n");
	for (i = 0; i < nfields; i++) {
		if (i == 0)
			n += (size_t)sprintf(buf + n, "Host: h\r\n");
		else
			n += (size_t)sprintf(buf + n, "X-%u: v\r\n", i);
	}
	n += (size_t)sprintf(buf + n, "\r\n");
	return n;
}

static ssize_t
parse_lim(const char *s, size_t len, size_t max_header, unsigned max_headers,
    size_t max_target)
{
	const struct http_limits lim = { max_header, max_headers, max_target };

	req.error_status = 0;
	return http_parse_request_limits(s, len, &lim, &req);
}

Test(http_limits, target_at_the_edge)
{
	static char buf[HTTP_TARGET_MAX + 512];
	size_t n, t;
	static const size_t targets[] = { 64, 65, 100, 1000, 4095 };
	unsigned i;

	for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		t = targets[i];
		n = build_request(buf, sizeof(buf), t, 1);
		cr_assert_eq(parse_lim(buf, n, 8192, 64, t), (ssize_t)n,
		    "target %zu with max_target %zu", t, t);
		cr_assert_eq(req.target.len, t);
		cr_assert_eq(req.path_len, t);
		n = build_request(buf, sizeof(buf), t + 1, 1);
		cr_assert_eq(parse_lim(buf, n, 8192, 64, t), -1,
		    "target %zu with max_target %zu", t + 1, t);
		cr_assert_eq(req.error_status, 414);
		/* Refused as soon as the target grows past the limit, before
		 * the request-line ends: "GET " + t + 1 bytes. */
		cr_assert_eq(parse_lim(buf, 4 + t, 8192, 64, t), -2);
		cr_assert_eq(parse_lim(buf, 4 + t + 1, 8192, 64, t), -1);
		cr_assert_eq(req.error_status, 414);
	}
}

Test(http_limits, target_limit_above_the_ceiling)
{
	static char buf[HTTP_TARGET_MAX + 512];
	size_t n;

	/* req->path cannot hold more: a larger max_target is HTTP_TARGET_MAX. */
	n = build_request(buf, sizeof(buf), HTTP_TARGET_MAX, 1);
	cr_assert_eq(parse_lim(buf, n, 65536, 64, 1 << 20), (ssize_t)n);
	n = build_request(buf, sizeof(buf), HTTP_TARGET_MAX + 1, 1);
	cr_assert_eq(parse_lim(buf, n, 65536, 64, 1 << 20), -1);
	cr_assert_eq(req.error_status, 414);
	cr_assert_eq(parse_lim(buf, n, 65536, 64, SIZE_MAX), -1);
	cr_assert_eq(req.error_status, 414);
}

Test(http_limits, target_limit_counts_absolute_form)
{
	const char *s = "GET http://h/abc HTTP/1.1\r\nHost: h\r\n\r\n";

	/* "http://h/abc" is 12 bytes. */
	cr_assert_gt(parse_lim(s, strlen(s), 8192, 64, 12), 0);
	cr_assert_str_eq(req.path, "/abc");
	cr_assert_eq(parse_lim(s, strlen(s), 8192, 64, 11), -1);
	cr_assert_eq(req.error_status, 414);
}

Test(http_limits, field_count_at_the_edge)
{
	static char buf[32768];
	static const unsigned limits[] = { 1, 2, 3, 17, 64, 65, 1024 };
	unsigned i, m;
	size_t n;

	for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		m = limits[i];
		n = build_request(buf, sizeof(buf), 1, m);
		cr_assert_eq(parse_lim(buf, n, sizeof(buf), m, 4096), (ssize_t)n,
		    "%u fields with max_headers %u", m, m);
		n = build_request(buf, sizeof(buf), 1, m + 1);
		cr_assert_eq(parse_lim(buf, n, sizeof(buf), m, 4096), -1,
		    "%u fields with max_headers %u", m + 1, m);
		cr_assert_eq(req.error_status, 431);
		/* A larger limit takes the same request. */
		cr_assert_eq(parse_lim(buf, n, sizeof(buf), m + 1, 4096),
		    (ssize_t)n);
	}
}

Test(http_limits, field_count_refused_before_the_end)
{
	static char buf[1024];
	size_t n, cut;

	/* Host + X-1 + X-2 with max_headers 2: the third field's first byte
	 * is enough to refuse, whatever follows. */
	n = build_request(buf, sizeof(buf), 1, 3);
	cut = (size_t)(strstr(buf, "X-2") - buf);
	cr_assert_eq(parse_lim(buf, cut, sizeof(buf), 2, 4096), -2);
	cr_assert_eq(parse_lim(buf, cut + 1, sizeof(buf), 2, 4096), -1);
	cr_assert_eq(req.error_status, 431);
	/* The end of the header right after the second field is fine. */
	memcpy(buf + cut, "\r\n", 2);
	cr_assert_eq(parse_lim(buf, cut + 2, sizeof(buf), 2, 4096),
	    (ssize_t)(cut + 2));
	(void)n;
}

Test(http_limits, zero_fields)
{
	const char *s10 = "GET / HTTP/1.0\r\n\r\n";
	const char *s11 = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";

	cr_assert_eq(parse_lim(s10, strlen(s10), 8192, 0, 4096),
	    (ssize_t)strlen(s10));
	cr_assert_eq(parse_lim(s11, strlen(s11), 8192, 0, 4096), -1);
	cr_assert_eq(req.error_status, 431);
}

Test(http_limits, header_size_with_other_limits)
{
	static char buf[8192];
	size_t n;

	/* 100 fields, a 2000-byte target: both within their own limits, so
	 * max_header alone decides. */
	n = build_request(buf, sizeof(buf), 2000, 100);
	cr_assert_eq(parse_lim(buf, n, n, 100, 2000), (ssize_t)n);
	cr_assert_eq(parse_lim(buf, n, n - 1, 100, 2000), -1);
	cr_assert_eq(req.error_status, 431);
	/* max_header ending inside the target: 414 (the target is what is
	 * too long), even with max_target not reached. */
	cr_assert_eq(parse_lim(buf, n, 1000, 100, 2000), -1);
	cr_assert_eq(req.error_status, 414);
}

/* The wrapper is the limits call with the defaults. */
Test(http_limits, wrapper_uses_defaults)
{
	static char buf[8192];
	size_t n;
	ssize_t a, b;
	struct http_request other;
	const struct http_limits lim = { 8192, HTTP_HEADERS_MAX, HTTP_TARGET_MAX };

	n = build_request(buf, sizeof(buf), 100, HTTP_HEADERS_MAX);
	a = http_parse_request(buf, n, 8192, &req);
	b = http_parse_request_limits(buf, n, &lim, &other);
	cr_assert_eq(a, (ssize_t)n);
	cr_assert_eq(b, a);
	cr_assert_str_eq(req.path, other.path);
	n = build_request(buf, sizeof(buf), 100, HTTP_HEADERS_MAX + 1);
	cr_assert_eq(http_parse_request(buf, n, 8192, &req), -1);
	cr_assert_eq(req.error_status, 431);
}

Test(http_parse, need_more_is_not_failure)
{
	cr_assert_eq(parse_n("", 0), -2);
	cr_assert_eq(parse("G"), -2);
	cr_assert_eq(parse("\r"), -2);
	cr_assert_eq(parse("\r\n"), -2);
	cr_assert_eq(parse("GET / HTTP/1."), -2);
	cr_assert_eq(parse("GET / HTTP/1.1\r"), -2);
	cr_assert_eq(parse("GET / HTTP/1.1\r\nHost: h\r\n\r"), -2);
	cr_assert_eq(parse("GET /"), -2);
	cr_assert_eq(parse("GET /\r"), -2);
}

/*
 * Put each request right before a PROT_NONE page and parse every prefix:
 * a single byte read past the end crashes the test.
 */
Test(http_parse, guard_page)
{
	static const char *const reqs[] = {
		"GET /a%20b?x HTTP/1.1\r\nHost: h\r\nRange: bytes=0-1\r\n\r\n",
		"\r\nHEAD http://h/x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5\r\n\r\n",
		"GET /%C0%AE HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET / HTTP/2.0\r\n",
		"GET /\r\n",
		"OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n",
		"POST /%41 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n",
		"GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n",
	};
	long pagesize = sysconf(_SC_PAGESIZE);
	char *map, *guard;
	size_t i, n, len;
	ssize_t full, r;
	char path[64];

	map = mmap(NULL, (size_t)pagesize * 2, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(map, MAP_FAILED);
	guard = map + pagesize;
	cr_assert_eq(mprotect(guard, (size_t)pagesize, PROT_NONE), 0);

	for (i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		len = strlen(reqs[i]);
		memcpy(guard - len, reqs[i], len);
		full = http_parse_request(guard - len, len, MAX_HEADER, &req);
		for (n = 0; n <= len; n++) {
			r = http_parse_request(guard - n, n, MAX_HEADER, &req);
			(void)r;
			memmove(guard - n, reqs[i], n);
			r = http_parse_request(guard - n, n, MAX_HEADER, &req);
			if (n < len && full > 0)
				cr_assert_eq(r, -2, "req %zu prefix %zu", i, n);
			if (r > 0)
				cr_assert_leq((size_t)r, n);
		}
		/* And the decoder alone, on every prefix of the target. */
		for (n = 1; n <= len; n++) {
			size_t outlen;

			memcpy(guard - n, reqs[i], n);
			(void)http_decode_path(guard - n, n, path, sizeof(path),
			    &outlen);
		}
		cr_assert_eq(http_parse_request(guard - len, len, MAX_HEADER,
		    &req), full);
	}
	munmap(map, (size_t)pagesize * 2);
}

Test(http_decode, edges)
{
	char out[16];
	size_t n = 99;

	cr_assert_eq(http_decode_path("/abc", 4, out, sizeof(out), &n), 0);
	cr_assert_str_eq(out, "/abc");
	cr_assert_eq(n, 4);
	/* length bounds the input: no NUL needed */
	cr_assert_eq(http_decode_path("/abcdef", 3, out, sizeof(out), &n), 0);
	cr_assert_str_eq(out, "/ab");
	cr_assert_eq(http_decode_path("/ab%41", 5, out, sizeof(out), &n), -1);
	cr_assert_eq(http_decode_path("/%4", 3, out, sizeof(out), &n), -1);
	cr_assert_eq(http_decode_path("/%", 2, out, sizeof(out), &n), -1);
	cr_assert_eq(http_decode_path("/%g0", 4, out, sizeof(out), &n), -1);
	cr_assert_eq(http_decode_path("/%0g", 4, out, sizeof(out), &n), -1);
	cr_assert_eq(http_decode_path("/%aF", 4, out, sizeof(out), &n), -1);
	cr_assert_eq(http_decode_path("/%C3%a9", 7, out, sizeof(out), &n), 0);
	cr_assert_str_eq(out, "/\xc3\xa9");
	cr_assert_eq(http_decode_path("", 0, out, sizeof(out), &n), -1);
	cr_assert_eq(http_decode_path("a", 1, out, sizeof(out), &n), -1);
	cr_assert_eq(http_decode_path("?/", 2, out, sizeof(out), &n), -1);
	cr_assert_eq(http_decode_path("/a\0b", 4, out, sizeof(out), &n), -1);
	cr_assert_eq(http_decode_path("/a\x01", 3, out, sizeof(out), &n), -1);
	/* The output needs room for the NUL. */
	cr_assert_eq(http_decode_path("/abc", 4, out, 4, &n), -1);
	cr_assert_eq(http_decode_path("/abc", 4, out, 5, &n), 0);
	cr_assert_eq(http_decode_path("/abc", 4, out, 0, &n), -1);
	cr_assert_eq(http_decode_path("/%41%41%41", 10, out, 5, &n), 0);
	cr_assert_str_eq(out, "/AAA");
	/* Query removed before dot segments are judged. */
	cr_assert_eq(http_decode_path("/x?/../", 7, out, sizeof(out), &n), 0);
	cr_assert_str_eq(out, "/x");
	cr_assert_eq(http_decode_path("/x/..?a", 7, out, sizeof(out), &n), 0);
	cr_assert_str_eq(out, "/");
	cr_assert_eq(http_decode_path("/x/.", 4, out, sizeof(out), &n), 0);
	cr_assert_str_eq(out, "/x/");
	cr_assert_eq(http_decode_path("/x/%2e", 6, out, sizeof(out), &n), 0);
	cr_assert_str_eq(out, "/x/");
	cr_assert_eq(http_decode_path("/x/%2e%2e/..?a", 14, out, sizeof(out), &n), -1);
	/* Four-byte maximum, and one past it. */
	cr_assert_eq(http_decode_path("/%F4%8F%BF%BF", 13, out, sizeof(out), &n), 0);
	cr_assert_eq(http_decode_path("/%F5%80%80%80", 13, out, sizeof(out), &n), -1);
	cr_assert_eq(http_decode_path("/%F0%8F%BF%BF", 13, out, sizeof(out), &n), -1);
	cr_assert_eq(http_decode_path("/%E2%82", 7, out, sizeof(out), &n), -1);
	cr_assert_eq(http_decode_path("/%E2%82%AC", 10, out, sizeof(out), &n), 0);
	cr_assert_eq(http_decode_path("/%E2%28%AC", 10, out, sizeof(out), &n), -1);
}

Test(http_decode, hidden)
{
	cr_assert(http_path_hidden("/.git/config"));
	cr_assert(http_path_hidden("/a/.htpasswd"));
	cr_assert(http_path_hidden("/a//.b/c"));
	cr_assert(http_path_hidden("/.well-known/"));
	cr_assert(!http_path_hidden("/"));
	cr_assert(!http_path_hidden("/a.b/c.d"));
	cr_assert(!http_path_hidden("/a/b."));
	cr_assert(!http_path_hidden("//x"));
}

Test(http_date, format_known)
{
	char d[HTTP_DATE_LEN];

	http_date(784111777, d);
	cr_assert_str_eq(d, "Sun, 06 Nov 1994 08:49:37 GMT");
	http_date(0, d);
	cr_assert_str_eq(d, "Thu, 01 Jan 1970 00:00:00 GMT");
	http_date(951782400, d);
	cr_assert_str_eq(d, "Tue, 29 Feb 2000 00:00:00 GMT");
	http_date(-1, d);
	cr_assert_str_eq(d, "Wed, 31 Dec 1969 23:59:59 GMT");
	/* Clamped to a four-digit year. */
	http_date((time_t)1 << 50, d);
	cr_assert_str_eq(d, "Fri, 31 Dec 9999 23:59:59 GMT");
	cr_assert_eq(strlen(d), HTTP_DATE_LEN - 1);
}

Test(http_date, parse_forms)
{
	time_t t = 0;

	cr_assert_eq(http_parse_date("Sun, 06 Nov 1994 08:49:37 GMT", 29, &t), 0);
	cr_assert_eq(t, 784111777);
	t = 0;
	cr_assert_eq(http_parse_date("Sunday, 06-Nov-94 08:49:37 GMT", 30, &t), 0);
	cr_assert_eq(t, 784111777);
	t = 0;
	cr_assert_eq(http_parse_date("Sun Nov  6 08:49:37 1994", 24, &t), 0);
	cr_assert_eq(t, 784111777);
	cr_assert_eq(http_parse_date("Wednesday, 09-Nov-05 08:49:37 GMT", 33, &t), 0);
	cr_assert_eq(t, 1131526177);
	cr_assert_eq(http_parse_date("Thu Feb 29 00:00:00 2024", 24, &t), 0);
	cr_assert_eq(t, 1709164800);
}

Test(http_date, parse_rejects)
{
	static const char *const bad[] = {
		"Sun, 06 Nov 1994 08:49:37 UTC",
		"sun, 06 Nov 1994 08:49:37 GMT",
		"Sun, 06 nov 1994 08:49:37 GMT",
		"Sun, 6 Nov 1994 08:49:37 GMT ",
		"Sun, 06 Nov 1994 08:49:37 GMT ",
		"Sun,  06 Nov 1994 08:49:37 GMT",
		"Sun, 06 Nov 1994 24:00:00 GMT",
		"Sun, 06 Nov 1994 08:60:00 GMT",
		"Sun, 06 Nov 1994 08:49:61 GMT",
		"Sun, 31 Nov 1994 08:49:37 GMT",
		"Sun, 29 Feb 1900 08:49:37 GMT",
		"Sun, 00 Nov 1994 08:49:37 GMT",
		"Sun, 06 Nov 1994 08-49-37 GMT",
		"Xyz, 06 Nov 1994 08:49:37 GMT",
		"Sun, 06 Nov 19a4 08:49:37 GMT",
		"Sun, 06 Foo 1994 08:49:37 GMT",
		"Sunday, 06-Nov-94 08:49:37 UTC",
		"Sunday, 06 Nov 94 08:49:37 GMT",
		"Sundae, 06-Nov-94 08:49:37 GMT",
		"Sun Nov 6  08:49:37 1994",
		"Sun Nov  6 08:49:37 94  ",
		"",
		"1994-11-06T08:49:37Z",
	};
	size_t i;
	time_t t;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(http_parse_date(bad[i], strlen(bad[i]), &t), -1,
		    "%s", bad[i]);
	/* The length bounds the read. */
	cr_assert_eq(http_parse_date("Sun, 06 Nov 1994 08:49:37 GMT", 28, &t), -1);
}

Test(http_date, round_trip)
{
	char d[HTTP_DATE_LEN];
	time_t t, back;

	for (t = -2208988800; t < 4102444800; t += 86400 * 97 + 3601 * 7 + 13) {
		http_date(t, d);
		cr_assert_eq(http_parse_date(d, strlen(d), &back), 0, "%s", d);
		cr_assert_eq(back, t, "%s", d);
	}
}

Test(http_reason, known)
{
	static const int codes[] = {
		200, 206, 301, 304, 400, 403, 404, 405, 408, 412, 414, 416,
		431, 500, 501, 503, 505,
	};
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		cr_assert_str_neq(http_reason(codes[i]), "Unknown", "%d", codes[i]);
	cr_assert_str_eq(http_reason(206), "Partial Content");
	cr_assert_str_eq(http_reason(416), "Range Not Satisfiable");
	cr_assert_str_eq(http_reason(431), "Request Header Fields Too Large");
	cr_assert_str_eq(http_reason(299), "Unknown");
}

static bool
has_line(const char *buf, const char *line)
{
	char want[256];

	snprintf(want, sizeof(want), "\r\n%s\r\n", line);
	return strstr(buf, want) != NULL;
}

static bool
has_field(const char *buf, const char *name)
{
	char want[64];

	snprintf(want, sizeof(want), "\r\n%s:", name);
	return strstr(buf, want) != NULL;
}

Test(http_format, full_200)
{
	struct http_response r = {
		.status = 200, .keep_alive = true, .content_type = "text/plain",
		.content_length = 1234, .last_modified = 784111777,
		.etag = "\"1-2-3\"", .ranges = true,
	};
	char buf[1024];
	/* Date a day after Last-Modified, which is never later than Date */
	int n = http_format_response(buf, sizeof(buf), &r, 784111777 + 86400);

	cr_assert_gt(n, 0);
	buf[n] = '\0';
	cr_assert_eq(strncmp(buf, "HTTP/1.1 200 OK\r\n", 17), 0);
	cr_assert(has_line(buf, "Server: ringpush"));
	cr_assert(has_line(buf, "Date: Mon, 07 Nov 1994 08:49:37 GMT"));
	cr_assert(has_line(buf, "Content-Type: text/plain"));
	cr_assert(has_line(buf, "Content-Length: 1234"));
	cr_assert(has_line(buf, "Last-Modified: Sun, 06 Nov 1994 08:49:37 GMT"));
	cr_assert(has_line(buf, "ETag: \"1-2-3\""));
	cr_assert(has_line(buf, "Accept-Ranges: bytes"));
	cr_assert(!has_field(buf, "Connection"));
	cr_assert(!has_field(buf, "Content-Range"));
	cr_assert(!has_field(buf, "Location"));
	cr_assert(!has_field(buf, "Allow"));
	cr_assert_eq(strcmp(buf + n - 4, "\r\n\r\n"), 0);
	cr_assert_eq(strstr(buf, "\r\n\r\n"), buf + n - 4);
}

Test(http_format, ranges_and_close)
{
	struct http_response r = {
		.status = 206, .keep_alive = false, .content_length = 10,
		.content_range = true, .range_first = 5, .range_last = 14,
		.file_size = 100,
	};
	char buf[512];
	int n = http_format_response(buf, sizeof(buf), &r, 0);

	cr_assert_gt(n, 0);
	buf[n] = '\0';
	cr_assert(has_line(buf, "Content-Range: bytes 5-14/100"));
	cr_assert(has_line(buf, "Content-Length: 10"));
	cr_assert(has_line(buf, "Connection: close"));
	cr_assert(!has_field(buf, "Content-Type"));

	r.status = 416;
	r.content_length = 0;
	r.keep_alive = true;
	n = http_format_response(buf, sizeof(buf), &r, 0);
	buf[n] = '\0';
	cr_assert(has_line(buf, "Content-Range: bytes */100"));
	cr_assert(has_line(buf, "Content-Length: 0"));
	cr_assert(!has_field(buf, "Connection"));
}

Test(http_format, not_modified_has_no_length)
{
	struct http_response r = {
		.status = 304, .keep_alive = true, .content_type = "text/html",
		.content_length = 99, .etag = "\"e\"", .last_modified = 1,
	};
	char buf[512];
	int n = http_format_response(buf, sizeof(buf), &r, 0);

	buf[n] = '\0';
	cr_assert_eq(strncmp(buf, "HTTP/1.1 304 Not Modified\r\n", 27), 0);
	cr_assert(!has_field(buf, "Content-Length"));
	cr_assert(!has_field(buf, "Content-Type"));
	cr_assert(has_line(buf, "ETag: \"e\""));
	cr_assert(has_field(buf, "Last-Modified"));
}

Test(http_format, head_location_allow_keep_alive)
{
	struct http_response r = {
		.status = 301, .keep_alive = true, .announce_keep_alive = true,
		.head = true, .content_length = 7, .location = "/dir/",
		.allow = "GET, HEAD",
	};
	char buf[512];
	int n = http_format_response(buf, sizeof(buf), &r, 0);

	buf[n] = '\0';
	cr_assert(has_line(buf, "Location: /dir/"));
	cr_assert(has_line(buf, "Allow: GET, HEAD"));
	cr_assert(has_line(buf, "Connection: keep-alive"));
	cr_assert(has_line(buf, "Content-Length: 7"));
}

Test(http_format, every_short_cap_fails)
{
	struct http_response r = {
		.status = 206, .content_type = "application/octet-stream",
		.content_length = UINT64_MAX, .etag = "\"x\"", .ranges = true,
		.content_range = true, .range_first = 0,
		.range_last = UINT64_MAX - 1, .file_size = UINT64_MAX,
	};
	char buf[1024], ref[1024];
	int n = http_format_response(ref, sizeof(ref), &r, 0);
	size_t cap;

	cr_assert_gt(n, 0);
	for (cap = 0; cap < (size_t)n; cap++)
		cr_assert_eq(http_format_response(buf, cap, &r, 0), -1, "cap %zu", cap);
	cr_assert_eq(http_format_response(buf, (size_t)n, &r, 0), n);
	cr_assert_eq(memcmp(buf, ref, (size_t)n), 0);
}

/* The Content-Length of an error response is its body's length. */
static void
check_error(const char *buf, int n, int status)
{
	const char *body = strstr(buf, "\r\n\r\n"), *cl;
	char want[64];

	cr_assert_not_null(body);
	body += 4;
	cl = strstr(buf, "\r\nContent-Length: ");
	cr_assert_not_null(cl);
	cr_assert_eq(strtoul(cl + 18, NULL, 10), (unsigned long)(buf + n - body));
	snprintf(want, sizeof(want), "%d %s", status, http_reason(status));
	cr_assert_not_null(strstr(body, want));
	cr_assert(has_line(buf, "Content-Type: text/html; charset=utf-8"));
}

Test(http_format, errors)
{
	static const int closing[] = { 400, 414, 431, 501, 505 };
	char buf[1024], head[1024];
	size_t i;
	int n, h;

	for (i = 0; i < sizeof(closing) / sizeof(closing[0]); i++) {
		n = http_format_error(buf, sizeof(buf) - 1, closing[i], true,
		    NULL, 0);
		cr_assert_gt(n, 0);
		buf[n] = '\0';
		check_error(buf, n, closing[i]);
		cr_assert(has_line(buf, "Connection: close"), "%d", closing[i]);
	}

	n = http_format_error(buf, sizeof(buf) - 1, 404, true, NULL, 0);
	buf[n] = '\0';
	check_error(buf, n, 404);
	cr_assert(!has_field(buf, "Connection"));
	cr_assert_eq(strncmp(buf, "HTTP/1.1 404 Not Found\r\n", 24), 0);

	n = http_format_error(buf, sizeof(buf) - 1, 404, false, NULL, 0);
	buf[n] = '\0';
	cr_assert(has_line(buf, "Connection: close"));

	n = http_format_error(buf, sizeof(buf) - 1, 405, true, "GET, HEAD", 0);
	buf[n] = '\0';
	check_error(buf, n, 405);
	cr_assert(has_line(buf, "Allow: GET, HEAD"));

	/* HEAD: the same header, no body. */
	h = http_format_error_head(head, sizeof(head) - 1, 405, true,
	    "GET, HEAD", 0);
	cr_assert_gt(h, 0);
	head[h] = '\0';
	cr_assert_lt(h, n);
	cr_assert_eq(memcmp(head, buf, (size_t)h), 0);
	cr_assert_eq(strcmp(head + h - 4, "\r\n\r\n"), 0);

	/* Too small for the body: -1, not a truncated response. */
	cr_assert_eq(http_format_error(buf, (size_t)n - 1, 405, true,
	    "GET, HEAD", 0), -1);
	cr_assert_eq(http_format_error(buf, (size_t)n, 405, true,
	    "GET, HEAD", 0), n);
}

/* The header of the common answer, every byte in its place and nothing
 * written past it. */
Test(http_format, a_whole_200_header_byte_for_byte)
{
	static const char want[] =
	    "HTTP/1.1 200 OK\r\n"
	    "Server: ringpush\r\n"
	    "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
	    "Content-Type: application/octet-stream\r\n"
	    "Content-Length: 4096\r\n"
	    "Last-Modified: Sat, 05 Nov 1994 08:49:37 GMT\r\n"
	    "ETag: \"5f-1000\"\r\n"
	    "Accept-Ranges: bytes\r\n"
	    "\r\n";
	struct http_response r = {
		.status = 200, .keep_alive = true,
		.content_type = "application/octet-stream", .content_length = 4096,
		.last_modified = 784111777 - 86400, .etag = "\"5f-1000\"",
		.ranges = true,
	};
	char buf[512];
	int n;

	memset(buf, 'x', sizeof(buf));
	n = http_format_response(buf, sizeof(buf), &r, 784111777);
	cr_assert_eq(n, (int)sizeof(want) - 1);
	cr_assert_eq(memcmp(buf, want, sizeof(want) - 1), 0, "%.*s", n, buf);
	cr_assert_eq(buf[n], 'x');
}
