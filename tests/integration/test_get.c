/*
 * test_get.c: GET and HEAD against a real ringpushd: exact bodies from 0
 * bytes to 64 MiB, the response header fields, methods, connection
 * persistence, directories, symlinks, path traversal, special files and
 * the access log.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define MIB (1024 * 1024)

/* Last-Modified as the daemon must write it for the file at path. */
static void
http_date_of(const char *path, char out[64])
{
	struct stat st;
	struct tm tm;

	cr_assert(stat(path, &st) == 0, "stat %s: %s", path, strerror(errno));
	gmtime_r(&st.st_mtime, &tm);
	strftime(out, 64, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* A 200 for the whole file rel, with every field a file response carries. */
static void
check_file_200(const struct rp_daemon *d, const struct rp_response *r, const char *rel,
    const char *content_type, bool head)
{
	char path[PATH_MAX], date[64];
	const char *etag;
	struct stat st;
	ssize_t bad;

	rp_path(d, rel, path);
	cr_assert(stat(path, &st) == 0);
	cr_assert_eq(r->status, 200, "%s: want 200:\n%s", rel, rp_describe(r));
	cr_assert(r->has_length && r->content_length == (uint64_t)st.st_size,
	    "%s: Content-Length should be %jd:\n%s", rel, (intmax_t)st.st_size, rp_describe(r));
	cr_assert_not_null(rp_hdr(r, "Date"), "no Date:\n%s", rp_describe(r));
	cr_assert_not_null(rp_hdr(r, "Server"), "no Server:\n%s", rp_describe(r));
	if (content_type != NULL)
		cr_assert(rp_hdr(r, "Content-Type") != NULL &&
		    strcmp(rp_hdr(r, "Content-Type"), content_type) == 0,
		    "%s: Content-Type should be \"%s\":\n%s", rel, content_type, rp_describe(r));
	http_date_of(path, date);
	cr_assert(rp_hdr(r, "Last-Modified") != NULL &&
	    strcmp(rp_hdr(r, "Last-Modified"), date) == 0,
	    "%s: Last-Modified should be \"%s\":\n%s", rel, date, rp_describe(r));
	etag = rp_hdr(r, "ETag");
	cr_assert(etag != NULL && strlen(etag) >= 3 && etag[0] == '"' &&
	    etag[strlen(etag) - 1] == '"',
	    "%s: want a strong quoted ETag:\n%s", rel, rp_describe(r));
	cr_assert(rp_hdr(r, "Accept-Ranges") != NULL &&
	    strcmp(rp_hdr(r, "Accept-Ranges"), "bytes") == 0,
	    "%s: want Accept-Ranges: bytes:\n%s", rel, rp_describe(r));
	cr_assert_eq(rp_hdr_count(r, "Content-Length"), 1, "%s", rp_describe(r));
	if (head) {
		cr_assert_eq(r->body_len, 0);
		return;
	}
	cr_assert_eq(r->body_len, (size_t)st.st_size, "%s: body of %zu bytes, want %jd", rel,
	    r->body_len, (intmax_t)st.st_size);
	bad = rp_file_mismatch(path, 0, r->body, r->body_len);
	cr_assert(bad < 0, "%s: body differs from the file at offset %zd", rel, bad);
}

static void
get_and_check(const struct rp_daemon *d, const char *rel, const char *content_type)
{
	struct rp_response r;
	char target[PATH_MAX + 1];

	snprintf(target, sizeof(target), "/%s", rel);
	rp_get(d, target, &r);
	check_file_200(d, &r, rel, content_type, false);
	rp_response_free(&r);
}

RP_ENGINE_TEST(get, small_sizes_exact, .timeout = 120)
{
	static const uint64_t sizes[] = { 0, 1, 2, 4095, 4096, 4097, 65536, MIB };
	struct rp_daemon d;
	char name[64];
	size_t i;

	rp_setup(&d);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		snprintf(name, sizeof(name), "size-%ju.bin", (uintmax_t)sizes[i]);
		rp_make_file(&d, name, sizes[i], 100 + i);
	}
	rp_start(&d);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		snprintf(name, sizeof(name), "size-%ju.bin", (uintmax_t)sizes[i]);
		get_and_check(&d, name, "application/octet-stream");
	}
	rp_stop(&d);
}

RP_ENGINE_TEST(get, file_64mib_exact, .timeout = 600)
{
	struct rp_daemon d;
	struct rp_response r;
	ssize_t bad;

	rp_setup(&d);
	rp_make_file(&d, "big.bin", 64 * MIB, 7);
	rp_start(&d);
	rp_get(&d, "/big.bin", &r);
	check_file_200(&d, &r, "big.bin", "application/octet-stream", false);
	/* Also against the generator: a file-compare bug cannot hide a swap. */
	bad = rp_pattern_mismatch(7, 0, r.body, r.body_len);
	cr_assert(bad < 0, "64 MiB body wrong at offset %zd", bad);
	rp_response_free(&r);
	rp_stop(&d);
}

Test(get, content_types)
{
	static const struct {
		const char *name, *type;
	} cases[] = {
		{ "page.html", "text/html; charset=utf-8" },
		{ "notes.txt", "text/plain; charset=utf-8" },
		{ "UPPER.TXT", "text/plain; charset=utf-8" },
		{ "image.png", "image/png" },
		{ "data.unknownext", "application/octet-stream" },
		{ "noextension", "application/octet-stream" },
	};
	struct rp_daemon d;
	size_t i;

	rp_setup(&d);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		rp_make_file(&d, cases[i].name, 100 + i, i);
	rp_start(&d);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		get_and_check(&d, cases[i].name, cases[i].type);
	rp_stop(&d);
}

Test(get, query_and_percent_decoding)
{
	struct rp_daemon d;
	struct rp_response r;
	char path[PATH_MAX];

	rp_setup(&d);
	rp_make_file(&d, "with space.txt", 333, 3);
	rp_make_file(&d, "q.txt", 444, 4);
	rp_start(&d);

	rp_get(&d, "/with%20space.txt", &r);
	check_file_200(&d, &r, "with space.txt", "text/plain; charset=utf-8", false);
	rp_response_free(&r);

	/* The query is not part of the path. */
	rp_get(&d, "/q.txt?x=1&y=%2F", &r);
	cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
	rp_path(&d, "q.txt", path);
	cr_assert(r.body_len == 444 && rp_file_mismatch(path, 0, r.body, r.body_len) < 0);
	rp_response_free(&r);
	rp_stop(&d);
}

/* HEAD: the GET's header fields, no body.  The GET after it on the same
 * connection proves no body bytes were sent. */
Test(get, head_has_no_body)
{
	struct rp_daemon d;
	struct rp_response head, get;
	struct rp_conn *c;
	int res;

	rp_setup(&d);
	rp_make_file(&d, "f.bin", MIB + 17, 11);
	rp_make_file(&d, "empty.txt", 0, 0);
	rp_start(&d);
	c = rp_connect(&d);

	rp_sends(c, "HEAD /f.bin HTTP/1.1\r\nHost: t\r\n\r\n");
	res = rp_read_response(c, &head, true);
	cr_assert(res == RP_OK, "HEAD: %s", rp_result_str(res));
	check_file_200(&d, &head, "f.bin", "application/octet-stream", true);

	rp_sends(c, "GET /f.bin HTTP/1.1\r\nHost: t\r\n\r\n");
	res = rp_read_response(c, &get, false);
	cr_assert(res == RP_OK, "GET after HEAD: %s\n%s", rp_result_str(res), rp_describe(&get));
	check_file_200(&d, &get, "f.bin", "application/octet-stream", false);
	cr_assert_str_eq(rp_hdr(&head, "ETag"), rp_hdr(&get, "ETag"));
	cr_assert_str_eq(rp_hdr(&head, "Last-Modified"), rp_hdr(&get, "Last-Modified"));
	rp_response_free(&head);
	rp_response_free(&get);

	rp_sends(c, "HEAD /empty.txt HTTP/1.1\r\nHost: t\r\n\r\n");
	res = rp_read_response(c, &head, true);
	cr_assert(res == RP_OK, "HEAD empty: %s", rp_result_str(res));
	check_file_200(&d, &head, "empty.txt", "text/plain; charset=utf-8", true);
	rp_response_free(&head);

	/* Nothing may follow: the connection stays open and silent. */
	cr_assert_eq(rp_wait_close(c, 1), RP_TIMEOUT, "unexpected bytes or close after HEAD");
	rp_close(c);
	rp_stop(&d);
}

Test(get, other_methods_405)
{
	static const char *methods[] = {
		"POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "CONNECT"
	};
	struct rp_daemon d;
	struct rp_response r;
	char raw[256];
	size_t i;
	int res;

	rp_setup(&d);
	rp_make_file(&d, "f.txt", 10, 1);
	rp_start(&d);
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		snprintf(raw, sizeof(raw), "%s /f.txt HTTP/1.1\r\nHost: t\r\n"
		    "Connection: close\r\n\r\n", methods[i]);
		res = rp_exchange(&d, raw, false, &r);
		cr_assert(res == RP_OK, "%s: %s", methods[i], rp_result_str(res));
		cr_assert_eq(r.status, 405, "%s: want 405:\n%s", methods[i], rp_describe(&r));
		cr_assert(rp_hdr(&r, "Allow") != NULL &&
		    strcmp(rp_hdr(&r, "Allow"), "GET, HEAD") == 0,
		    "%s: want Allow: GET, HEAD:\n%s", methods[i], rp_describe(&r));
		rp_response_free(&r);
	}
	rp_assert_serving(&d);
	rp_stop(&d);
}

Test(get, unknown_method_501)
{
	/* Methods are case-sensitive: "get" is an unknown token. */
	static const char *methods[] = { "BREW", "get", "PROPFIND", "X" };
	struct rp_daemon d;
	struct rp_response r;
	char raw[256];
	size_t i;
	int res;

	rp_setup(&d);
	rp_make_file(&d, "f.txt", 10, 1);
	rp_start(&d);
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		snprintf(raw, sizeof(raw), "%s /f.txt HTTP/1.1\r\nHost: t\r\n"
		    "Connection: close\r\n\r\n", methods[i]);
		res = rp_exchange(&d, raw, false, &r);
		cr_assert(res == RP_OK, "%s: %s", methods[i], rp_result_str(res));
		cr_assert_eq(r.status, 501, "%s: want 501:\n%s", methods[i], rp_describe(&r));
		rp_response_free(&r);
	}
	rp_assert_serving(&d);
	rp_stop(&d);
}

/* Read one response on c and check it is the whole file rel. */
static void
expect_file_on(const struct rp_daemon *d, struct rp_conn *c, const char *rel,
    struct rp_response *r)
{
	int res = rp_read_response(c, r, false);

	cr_assert(res == RP_OK, "%s: %s\n%s", rel, rp_result_str(res), rp_describe(r));
	check_file_200(d, r, rel, NULL, false);
}

Test(get, http11_keeps_alive_by_default)
{
	struct rp_daemon d;
	struct rp_response r;
	struct rp_conn *c;
	const char *conn;

	rp_setup(&d);
	rp_make_file(&d, "a.txt", 1000, 1);
	rp_make_file(&d, "b.txt", 2000, 2);
	rp_start(&d);
	c = rp_connect(&d);
	rp_sends(c, "GET /a.txt HTTP/1.1\r\nHost: t\r\n\r\n");
	expect_file_on(&d, c, "a.txt", &r);
	conn = rp_hdr(&r, "Connection");
	cr_assert(conn == NULL || strcasecmp(conn, "close") != 0,
	    "HTTP/1.1 response says close:\n%s", rp_describe(&r));
	rp_response_free(&r);
	rp_sends(c, "GET /b.txt HTTP/1.1\r\nHost: t\r\n\r\n");
	expect_file_on(&d, c, "b.txt", &r);
	rp_response_free(&r);
	rp_close(c);
	rp_stop(&d);
}

Test(get, connection_close_honoured)
{
	struct rp_daemon d;
	struct rp_response r;
	struct rp_conn *c;

	rp_setup(&d);
	rp_make_file(&d, "a.txt", 1000, 1);
	rp_start(&d);
	c = rp_connect(&d);
	rp_sends(c, "GET /a.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
	expect_file_on(&d, c, "a.txt", &r);
	cr_assert(rp_hdr(&r, "Connection") != NULL &&
	    strcasecmp(rp_hdr(&r, "Connection"), "close") == 0,
	    "want Connection: close:\n%s", rp_describe(&r));
	rp_response_free(&r);
	cr_assert_eq(rp_wait_close(c, rp_io_timeout()), RP_CLOSED,
	    "server did not close after Connection: close");
	rp_close(c);
	rp_stop(&d);
}

Test(get, http10_closes_by_default)
{
	struct rp_daemon d;
	struct rp_response r;
	struct rp_conn *c;

	rp_setup(&d);
	rp_make_file(&d, "a.txt", 1000, 1);
	rp_start(&d);
	c = rp_connect(&d);
	rp_sends(c, "GET /a.txt HTTP/1.0\r\n\r\n");
	expect_file_on(&d, c, "a.txt", &r);
	rp_response_free(&r);
	cr_assert_eq(rp_wait_close(c, rp_io_timeout()), RP_CLOSED,
	    "server did not close an HTTP/1.0 connection");
	rp_close(c);
	rp_stop(&d);
}

Test(get, http10_keep_alive_on_request)
{
	struct rp_daemon d;
	struct rp_response r;
	struct rp_conn *c;

	rp_setup(&d);
	rp_make_file(&d, "a.txt", 1000, 1);
	rp_make_file(&d, "b.txt", 3000, 2);
	rp_start(&d);
	c = rp_connect(&d);
	rp_sends(c, "GET /a.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
	expect_file_on(&d, c, "a.txt", &r);
	/* An HTTP/1.0 client only knows the connection persists if told. */
	cr_assert(rp_hdr(&r, "Connection") != NULL &&
	    strcasecmp(rp_hdr(&r, "Connection"), "keep-alive") == 0,
	    "want Connection: keep-alive in the answer to HTTP/1.0:\n%s", rp_describe(&r));
	rp_response_free(&r);
	rp_sends(c, "GET /b.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
	expect_file_on(&d, c, "b.txt", &r);
	rp_response_free(&r);
	rp_sends(c, "GET /a.txt HTTP/1.0\r\n\r\n");
	expect_file_on(&d, c, "a.txt", &r);
	rp_response_free(&r);
	cr_assert_eq(rp_wait_close(c, rp_io_timeout()), RP_CLOSED,
	    "server did not close after an HTTP/1.0 request without keep-alive");
	rp_close(c);
	rp_stop(&d);
}

Test(get, directories)
{
	static const char index_html[] = "<p>index of dir</p>\n";
	static const char root_index[] = "<p>root</p>\n";
	struct rp_daemon d;
	struct rp_response r;

	rp_setup(&d);
	rp_write_file(&d, "index.html", root_index, sizeof(root_index) - 1);
	rp_write_file(&d, "dir/index.html", index_html, sizeof(index_html) - 1);
	rp_write_file(&d, "a/b/index.html", index_html, sizeof(index_html) - 1);
	rp_mkdir(&d, "empty");
	rp_start(&d);

	rp_get(&d, "/", &r);
	cr_assert_eq(r.status, 200, "/:\n%s", rp_describe(&r));
	cr_assert(r.body_len == sizeof(root_index) - 1 &&
	    memcmp(r.body, root_index, r.body_len) == 0, "/ is not the root index.html");
	rp_response_free(&r);

	rp_get(&d, "/dir/", &r);
	check_file_200(&d, &r, "dir/index.html", "text/html; charset=utf-8", false);
	rp_response_free(&r);

	rp_get(&d, "/dir", &r);
	cr_assert_eq(r.status, 301, "/dir:\n%s", rp_describe(&r));
	cr_assert(rp_hdr(&r, "Location") != NULL &&
	    strcmp(rp_hdr(&r, "Location"), "/dir/") == 0,
	    "want Location: /dir/:\n%s", rp_describe(&r));
	rp_response_free(&r);

	rp_get(&d, "/a/b", &r);
	cr_assert_eq(r.status, 301, "/a/b:\n%s", rp_describe(&r));
	cr_assert(rp_hdr(&r, "Location") != NULL &&
	    strcmp(rp_hdr(&r, "Location"), "/a/b/") == 0,
	    "want Location: /a/b/:\n%s", rp_describe(&r));
	rp_response_free(&r);

	rp_get(&d, "/empty/", &r);
	cr_assert_eq(r.status, 403, "directory without index:\n%s", rp_describe(&r));
	rp_response_free(&r);

	rp_get(&d, "/missing.txt", &r);
	cr_assert_eq(r.status, 404, "%s", rp_describe(&r));
	rp_response_free(&r);

	rp_get(&d, "/dir/missing/deeper.txt", &r);
	cr_assert_eq(r.status, 404, "%s", rp_describe(&r));
	rp_response_free(&r);
	rp_stop(&d);
}

/* The body must not contain the bytes of a file outside the root. */
static void
assert_not_leaked(const struct rp_response *r, const char *secret, const char *what)
{
	cr_assert(r->body == NULL || memmem(r->body, r->body_len, secret, strlen(secret)) == NULL,
	    "%s: the response leaks a file outside the root:\n%s", what, rp_describe(r));
}

Test(get, symlinks)
{
	static const char secret[] = "SECRET-OUTSIDE-THE-ROOT-4f2a\n";
	struct rp_daemon d;
	struct rp_response r;
	char outside[PATH_MAX], link[PATH_MAX], target[PATH_MAX];
	FILE *f;

	rp_setup(&d);
	rp_make_file(&d, "real.txt", 5000, 9);
	rp_path(&d, "in-link.txt", link);
	cr_assert(symlink("real.txt", link) == 0);
	rp_path(&d, "sub/up-link.txt", link);
	rp_mkdir(&d, "sub");
	cr_assert(symlink("../real.txt", link) == 0);

	snprintf(outside, sizeof(outside), "%s/outside", d.dir);
	cr_assert(mkdir(outside, 0755) == 0);
	snprintf(target, sizeof(target), "%s/outside/secret.txt", d.dir);
	f = fopen(target, "w");
	cr_assert_not_null(f);
	fputs(secret, f);
	fclose(f);
	rp_path(&d, "out-rel.txt", link);
	cr_assert(symlink("../outside/secret.txt", link) == 0);
	rp_path(&d, "out-abs.txt", link);
	cr_assert(symlink(target, link) == 0);
	rp_path(&d, "out-dir", link);
	cr_assert(symlink(outside, link) == 0);
	rp_path(&d, "passwd", link);
	cr_assert(symlink("/etc/passwd", link) == 0);
	rp_start(&d);

	rp_get(&d, "/in-link.txt", &r);
	cr_assert_eq(r.status, 200, "symlink inside the root:\n%s", rp_describe(&r));
	rp_path(&d, "real.txt", link);
	cr_assert(r.body_len == 5000 && rp_file_mismatch(link, 0, r.body, r.body_len) < 0);
	rp_response_free(&r);

	rp_get(&d, "/sub/up-link.txt", &r);
	cr_assert_eq(r.status, 200, "symlink via .. staying inside:\n%s", rp_describe(&r));
	cr_assert(r.body_len == 5000 && rp_file_mismatch(link, 0, r.body, r.body_len) < 0);
	rp_response_free(&r);

	static const char *escapes[] = {
		"/out-rel.txt", "/out-abs.txt", "/out-dir/secret.txt", "/passwd"
	};
	for (size_t i = 0; i < sizeof(escapes) / sizeof(escapes[0]); i++) {
		rp_get(&d, escapes[i], &r);
		cr_assert(r.status == 403 || r.status == 404,
		    "%s: want 403 or 404:\n%s", escapes[i], rp_describe(&r));
		assert_not_leaked(&r, secret, escapes[i]);
		assert_not_leaked(&r, "root:", escapes[i]);
		rp_response_free(&r);
	}
	rp_stop(&d);
}

Test(get, traversal_refused)
{
	static const char secret[] = "SECRET-BESIDE-THE-ROOT-91c3\n";
	static const char *targets[] = {
		"/../secret.txt",
		"/%2e%2e/secret.txt",
		"/%2E%2E/secret.txt",
		"/a/%2e%2e/%2e%2e/secret.txt",
		"/a/../../secret.txt",
		"/..%2fsecret.txt",
		"/%2e%2e%2fsecret.txt",
		"/./../secret.txt",
		"/.%2e/secret.txt",
		"/../etc/passwd",
		"/../../../../../../etc/passwd",
		"/%2e%2e/etc/passwd",
		"/a/%2e%2e/%2e%2e/etc/passwd",
		"/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
		"/..\\secret.txt",
		"//etc/passwd",
		"/real.txt%00../../secret.txt",
	};
	struct rp_daemon d;
	struct rp_response r;
	char raw[512], path[PATH_MAX];
	FILE *f;
	size_t i;
	int res;

	rp_setup(&d);
	rp_make_file(&d, "real.txt", 100, 1);
	rp_mkdir(&d, "a");
	snprintf(path, sizeof(path), "%s/secret.txt", d.dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(secret, f);
	fclose(f);
	rp_start(&d);
	for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		snprintf(raw, sizeof(raw), "GET %s HTTP/1.1\r\nHost: t\r\n"
		    "Connection: close\r\n\r\n", targets[i]);
		res = rp_exchange(&d, raw, false, &r);
		/* Closing without an answer is acceptable; serving is not. */
		cr_assert(res == RP_OK || res == RP_CLOSED, "%s: %s", targets[i],
		    rp_result_str(res));
		if (res == RP_OK)
			cr_assert(r.status == 400 || r.status == 404,
			    "%s: want 400 or 404:\n%s", targets[i], rp_describe(&r));
		assert_not_leaked(&r, secret, targets[i]);
		assert_not_leaked(&r, "root:", targets[i]);
		rp_response_free(&r);
	}
	rp_assert_serving(&d);
	rp_stop(&d);
}

/* A FIFO must neither block the daemon nor be served. */
Test(get, fifo_refused_without_hanging)
{
	struct rp_daemon d;
	struct rp_response r;
	char path[PATH_MAX];

	rp_setup(&d);
	rp_path(&d, "fifo", path);
	cr_assert(mkfifo(path, 0644) == 0, "mkfifo: %s", strerror(errno));
	rp_start(&d);
	rp_get(&d, "/fifo", &r);
	cr_assert(r.status == 403 || r.status == 404, "FIFO: want 403 or 404:\n%s",
	    rp_describe(&r));
	rp_response_free(&r);
	rp_assert_serving(&d);
	rp_stop(&d);
}

Test(get, unreadable_file_403)
{
	struct rp_daemon d;
	struct rp_response r;
	char path[PATH_MAX];

	if (geteuid() == 0)
		cr_skip_test("running as root: permission bits do not stop the daemon");
	rp_setup(&d);
	rp_make_file(&d, "locked.txt", 100, 1);
	rp_path(&d, "locked.txt", path);
	cr_assert(chmod(path, 0) == 0);
	rp_start(&d);
	rp_get(&d, "/locked.txt", &r);
	cr_assert_eq(r.status, 403, "unreadable file:\n%s", rp_describe(&r));
	rp_response_free(&r);
	rp_stop(&d);
}

Test(get, dotfiles_refused)
{
	static const char secret[] = "DOTFILE-CONTENT-77\n";
	struct rp_daemon d;
	struct rp_response r;

	rp_setup(&d);
	rp_write_file(&d, ".hidden", secret, sizeof(secret) - 1);
	rp_write_file(&d, ".git/config", secret, sizeof(secret) - 1);
	rp_start(&d);
	rp_get(&d, "/.hidden", &r);
	cr_assert(r.status == 403 || r.status == 404, "dotfile: want 403 or 404:\n%s",
	    rp_describe(&r));
	assert_not_leaked(&r, secret, "/.hidden");
	rp_response_free(&r);
	rp_get(&d, "/.git/config", &r);
	cr_assert(r.status == 403 || r.status == 404, "dot directory: want 403 or 404:\n%s",
	    rp_describe(&r));
	assert_not_leaked(&r, secret, "/.git/config");
	rp_response_free(&r);
	rp_stop(&d);
}

/* True when line has tok as a whole word (delimited by space, quote or
 * bracket), so "200" does not match inside "12004". */
static bool
has_token(const char *line, const char *tok)
{
	size_t n = strlen(tok);
	const char *p;

	for (p = line; (p = strstr(p, tok)) != NULL; p++) {
		bool start = p == line || strchr(" \"[", p[-1]) != NULL;
		bool end = p[n] == '\0' || strchr(" \"]?", p[n]) != NULL;

		if (start && end)
			return true;
	}
	return false;
}

Test(get, access_log_lines)
{
	static const struct {
		const char *request, *method, *path, *status, *bytes;
		bool head;
	} reqs[] = {
		{ "GET /a.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
		  "GET", "/a.txt", "200", "1234", false },
		{ "HEAD /a.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
		  "HEAD", "/a.txt", "200", NULL, true },
		{ "GET /nothing-here.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
		  "GET", "/nothing-here.txt", "404", NULL, false },
		{ "GET /a.txt HTTP/1.1\r\nHost: t\r\nRange: bytes=0-99\r\n"
		  "Connection: close\r\n\r\n",
		  "GET", "/a.txt", "206", "100", false },
		{ "GET /dir/b.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
		  "GET", "/dir/b.bin", "200", "77777", false },
	};
	enum { NREQ = sizeof(reqs) / sizeof(reqs[0]) };
	struct rp_daemon d;
	struct rp_response r;
	char *log, *line, *save = NULL;
	int i, res, nlines = 0;
	char *lines[NREQ + 8];

	rp_setup(&d);
	rp_make_file(&d, "a.txt", 1234, 1);
	rp_make_file(&d, "dir/b.bin", 77777, 2);
	rp_start(&d);
	for (i = 0; i < NREQ; i++) {
		res = rp_exchange(&d, reqs[i].request, reqs[i].head, &r);
		cr_assert(res == RP_OK, "request %d: %s", i, rp_result_str(res));
		cr_assert_eq(r.status, atoi(reqs[i].status), "request %d:\n%s", i,
		    rp_describe(&r));
		rp_response_free(&r);
	}
	rp_stop(&d);

	log = rp_slurp(d.access_log, NULL);
	cr_assert_not_null(log, "no access log at %s", d.access_log);
	for (line = strtok_r(log, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save))
		if (*line != '\0' && nlines < NREQ + 8)
			lines[nlines++] = line;
	cr_assert_eq(nlines, NREQ, "want %d access log lines, got %d:\n%s", NREQ, nlines,
	    nlines > 0 ? lines[0] : "");
	for (i = 0; i < NREQ; i++) {
		cr_assert(has_token(lines[i], reqs[i].method),
		    "line %d lacks the method %s: %s", i, reqs[i].method, lines[i]);
		cr_assert(has_token(lines[i], reqs[i].path),
		    "line %d lacks the path %s: %s", i, reqs[i].path, lines[i]);
		cr_assert(has_token(lines[i], reqs[i].status),
		    "line %d lacks the status %s: %s", i, reqs[i].status, lines[i]);
		if (reqs[i].bytes != NULL)
			cr_assert(has_token(lines[i], reqs[i].bytes),
			    "line %d lacks the byte count %s: %s", i, reqs[i].bytes, lines[i]);
	}
	free(log);
}
