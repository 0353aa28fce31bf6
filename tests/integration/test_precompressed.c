/*
 * test_precompressed.c: precompressed = on.  A request for /app.js is
 * answered with app.js.br, app.js.zst or app.js.gz as Accept-Encoding
 * ranks them; the siblings here are patterns of their own (the daemon
 * never looks inside them), so every body can be compared byte for byte
 * with the file it must come from.  The last test makes real gzip and
 * zstd files and lets curl --compressed decode them.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <time.h>
#include <unistd.h>

#include "harness.h"

/* The file and its siblings: large enough for the engines, one small
 * pair for the small-body path. */
#define APP_SIZE 300000
#define APP_SEED 1
#define BR_SIZE 90000
#define BR_SEED 2
#define ZST_SIZE 100000
#define ZST_SEED 3
#define GZ_SIZE 120000
#define GZ_SEED 4
#define CSS_SIZE 600
#define CSS_GZ_SIZE 200
#define CSS_GZ_SEED 6
#define JS_TYPE "text/javascript; charset=utf-8"

/* Set rel's modification time to now + delta seconds. */
static void
set_mtime(const struct rp_daemon *d, const char *rel, int delta)
{
	char path[PATH_MAX];
	struct timespec ts[2];

	rp_path(d, rel, path);
	clock_gettime(CLOCK_REALTIME, &ts[0]);
	ts[0].tv_sec += delta;
	ts[1] = ts[0];
	cr_assert_eq(utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW), 0, "utimensat %s", path);
}

/* app.js with its three siblings, all newer than it, and s.css with .gz */
static void
make_tree(const struct rp_daemon *d)
{
	rp_make_file(d, "app.js", APP_SIZE, APP_SEED);
	rp_make_file(d, "app.js.br", BR_SIZE, BR_SEED);
	rp_make_file(d, "app.js.zst", ZST_SIZE, ZST_SEED);
	rp_make_file(d, "app.js.gz", GZ_SIZE, GZ_SEED);
	set_mtime(d, "app.js", -100);
	rp_make_file(d, "s.css", CSS_SIZE, 5);
	rp_make_file(d, "s.css.gz", CSS_GZ_SIZE, CSS_GZ_SEED);
	set_mtime(d, "s.css", -100);
}

static void
start(struct rp_daemon *d, const char *extra)
{
	char conf[4096];

	rp_default_conf(d, conf, sizeof(conf));
	strncat(conf, extra, sizeof(conf) - strlen(conf) - 1);
	rp_start_conf(d, conf);
}

/* GET (or HEAD) path with the given header lines. */
static void
request(const struct rp_daemon *d, const char *method, const char *path, const char *fields,
    struct rp_response *r)
{
	char raw[2048];
	int res;

	snprintf(raw, sizeof(raw), "%s %s HTTP/1.1\r\nHost: t\r\n%sConnection: close\r\n\r\n",
	    method, path, fields);
	res = rp_exchange(d, raw, strcmp(method, "HEAD") == 0, r);
	cr_assert_eq(res, RP_OK, "%s: %s", raw, rp_result_str(res));
}

struct variant {
	const char *encoding;         /* NULL: the file itself */
	uint64_t size, seed;
};

static const struct variant app_identity = { NULL, APP_SIZE, APP_SEED };
static const struct variant app_br = { "br", BR_SIZE, BR_SEED };
static const struct variant app_zstd = { "zstd", ZST_SIZE, ZST_SEED };
static const struct variant app_gzip = { "gzip", GZ_SIZE, GZ_SEED };

/* A 200 for /app.js that carries v's bytes, headers and ETag suffix. */
static void
assert_variant(const struct rp_response *r, const struct variant *v, const char *what)
{
	const char *ce = rp_hdr(r, "Content-Encoding"), *etag = rp_hdr(r, "ETag");
	char suffix[16];

	cr_assert_eq(r->status, 200, "%s: %s", what, rp_describe(r));
	cr_assert_str_eq(rp_hdr(r, "Vary") ? rp_hdr(r, "Vary") : "", "Accept-Encoding",
	    "%s: %s", what, rp_describe(r));
	cr_assert_str_eq(rp_hdr(r, "Content-Type") ? rp_hdr(r, "Content-Type") : "", JS_TYPE,
	    "%s: %s", what, rp_describe(r));
	cr_assert_not_null(etag, "%s", what);
	if (v->encoding == NULL) {
		cr_assert_null(ce, "%s: %s", what, rp_describe(r));
		cr_assert(strstr(etag, "-br\"") == NULL && strstr(etag, "-gzip\"") == NULL &&
		    strstr(etag, "-zstd\"") == NULL, "%s: %s", what, etag);
	} else {
		cr_assert(ce != NULL && strcmp(ce, v->encoding) == 0, "%s: want %s: %s", what,
		    v->encoding, rp_describe(r));
		snprintf(suffix, sizeof(suffix), "-%s\"", v->encoding);
		cr_assert(strlen(etag) > strlen(suffix) &&
		    strcmp(etag + strlen(etag) - strlen(suffix), suffix) == 0, "%s: %s", what, etag);
	}
	cr_assert_eq(r->content_length, v->size, "%s: %s", what, rp_describe(r));
	cr_assert_eq(r->body_len, v->size, "%s", what);
	cr_assert(rp_pattern_mismatch(v->seed, 0, r->body, r->body_len) < 0,
	    "%s: the body is not %s's", what, v->encoding ? v->encoding : "the file");
}

Test(precompressed, each_accept_encoding_form, .timeout = 120)
{
	static const struct {
		const char *fields;
		const struct variant *want;
	} cases[] = {
		{ "", &app_identity },
		{ "Accept-Encoding: \r\n", &app_identity },
		{ "Accept-Encoding: br\r\n", &app_br },
		{ "Accept-Encoding: gzip\r\n", &app_gzip },
		{ "Accept-Encoding: zstd\r\n", &app_zstd },
		{ "Accept-Encoding: x-gzip\r\n", &app_gzip },
		/* what browsers send: the server's preference among equals */
		{ "Accept-Encoding: gzip, deflate, br, zstd\r\n", &app_br },
		{ "Accept-Encoding: gzip, zstd\r\n", &app_zstd },
		/* the client's weights first */
		{ "Accept-Encoding: br;q=0.5, gzip;q=0.9, zstd;q=0.7\r\n", &app_gzip },
		{ "Accept-Encoding: br;q=0.1, zstd;q=0.2\r\n", &app_zstd },
		{ "Accept-Encoding: br;q=0, gzip\r\n", &app_gzip },
		{ "Accept-Encoding: br;q=0, zstd;q=0, gzip;q=0\r\n", &app_identity },
		{ "Accept-Encoding: deflate, compress\r\n", &app_identity },
		/* identity refused: a sibling if one fits, else the file */
		{ "Accept-Encoding: gzip, identity;q=0\r\n", &app_gzip },
		{ "Accept-Encoding: identity;q=0\r\n", &app_identity },
		{ "Accept-Encoding: *;q=0\r\n", &app_identity },
		{ "Accept-Encoding: *\r\n", &app_br },
		{ "Accept-Encoding: br;q=0, *;q=0.5\r\n", &app_zstd },
		/* identity preferred by the client */
		{ "Accept-Encoding: identity, gzip;q=0.5\r\n", &app_identity },
		/* case, whitespace, empty elements */
		{ "Accept-Encoding: GZIP\r\n", &app_gzip },
		{ "Accept-Encoding:  ,\t Gzip ; Q=0.5 ,, zStd;q=0.25 \r\n", &app_gzip },
		/* a bad weight drops its entry only */
		{ "Accept-Encoding: br;q=2, gzip;q=0.12345, zstd;q=0.3\r\n", &app_zstd },
		{ "Accept-Encoding: br;level=5\r\n", &app_identity },
		/* several field lines make one list */
		{ "Accept-Encoding: zstd;q=0.1\r\nUser-Agent: x\r\nAccept-Encoding: gzip;q=0.5\r\n",
		    &app_gzip },
	};
	struct rp_daemon d;
	struct rp_response r;
	size_t i;

	rp_setup(&d);
	make_tree(&d);
	start(&d, "precompressed = on\n");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		request(&d, "GET", "/app.js", cases[i].fields, &r);
		assert_variant(&r, cases[i].want, cases[i].fields);
		rp_response_free(&r);
	}
	/* HEAD: the sibling's length, no body */
	request(&d, "HEAD", "/app.js", "Accept-Encoding: gzip\r\n", &r);
	cr_assert_eq(r.status, 200);
	cr_assert_str_eq(rp_hdr(&r, "Content-Encoding"), "gzip");
	cr_assert_str_eq(rp_hdr(&r, "Vary"), "Accept-Encoding");
	cr_assert_eq(r.content_length, GZ_SIZE);
	cr_assert_eq(r.body_len, 0);
	rp_response_free(&r);
	/* a small body (READ + one SEND) comes from the sibling too */
	request(&d, "GET", "/s.css", "Accept-Encoding: gzip\r\n", &r);
	cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
	cr_assert_str_eq(rp_hdr(&r, "Content-Encoding"), "gzip");
	cr_assert_str_eq(rp_hdr(&r, "Content-Type"), "text/css; charset=utf-8");
	cr_assert(r.body_len == CSS_GZ_SIZE &&
	    rp_pattern_mismatch(CSS_GZ_SEED, 0, r.body, r.body_len) < 0);
	rp_response_free(&r);
	/* no sibling at all: the file, still with Vary */
	rp_make_file(&d, "plain.js", 1000, 9);
	request(&d, "GET", "/plain.js", "Accept-Encoding: gzip, br\r\n", &r);
	cr_assert_eq(r.status, 200);
	cr_assert_null(rp_hdr(&r, "Content-Encoding"));
	cr_assert_str_eq(rp_hdr(&r, "Vary"), "Accept-Encoding");
	cr_assert(r.body_len == 1000 && rp_pattern_mismatch(9, 0, r.body, r.body_len) < 0);
	rp_response_free(&r);
	rp_stop(&d);
}

Test(precompressed, off_by_default, .timeout = 60)
{
	struct rp_daemon d;
	struct rp_response r;

	rp_setup(&d);
	make_tree(&d);
	rp_start(&d);
	request(&d, "GET", "/app.js", "Accept-Encoding: gzip, br\r\n", &r);
	cr_assert_eq(r.status, 200);
	cr_assert_null(rp_hdr(&r, "Content-Encoding"));
	cr_assert_null(rp_hdr(&r, "Vary"), "%s", rp_describe(&r));
	cr_assert(r.body_len == APP_SIZE &&
	    rp_pattern_mismatch(APP_SEED, 0, r.body, r.body_len) < 0);
	rp_response_free(&r);
	rp_stop(&d);
}

/* A sibling older than the file is stale: the next one, or the file. */
Test(precompressed, stale_sibling_is_ignored, .timeout = 60)
{
	struct rp_daemon d;
	struct rp_response r;
	char conf[4096];

	rp_setup(&d);
	make_tree(&d);
	set_mtime(&d, "app.js.br", -200);
	rp_default_conf(&d, conf, sizeof(conf));
	rp_conf_set(conf, sizeof(conf), "log_level", "info\nopen_file_cache_valid = 200ms");
	strncat(conf, "precompressed = on\n", sizeof(conf) - strlen(conf) - 1);
	rp_start_conf(&d, conf);
	request(&d, "GET", "/app.js", "Accept-Encoding: br, zstd\r\n", &r);
	assert_variant(&r, &app_zstd, "br stale");
	rp_response_free(&r);
	request(&d, "GET", "/app.js", "Accept-Encoding: br\r\n", &r);
	assert_variant(&r, &app_identity, "only br, stale");
	rp_response_free(&r);
	/* the file rewritten after its siblings: none is served any more
	 * once the open-file cache looks at the file again */
	set_mtime(&d, "app.js", 10);
	usleep(400000);
	request(&d, "GET", "/app.js", "Accept-Encoding: gzip, zstd\r\n", &r);
	assert_variant(&r, &app_identity, "all stale");
	rp_response_free(&r);
	rp_stop(&d);
}

/* A sibling opens under the rules of any requested path. */
Test(precompressed, siblings_follow_the_rules, .timeout = 60)
{
	struct rp_daemon d;
	struct rp_response r;
	char path[PATH_MAX], outside[PATH_MAX];

	rp_setup(&d);
	rp_make_file(&d, "out.js", 1000, 11);
	rp_make_file(&d, "in.js", 1000, 12);
	rp_make_file(&d, "in.real.gz", 300, 13);
	rp_make_file(&d, "dir.js", 1000, 14);
	rp_mkdir(&d, "dir.js.gz");
	rp_make_file(&d, ".hidden.js", 1000, 15);
	rp_make_file(&d, ".hidden.js.gz", 300, 16);
	set_mtime(&d, "out.js", -100);
	set_mtime(&d, "in.js", -100);
	set_mtime(&d, "dir.js", -100);
	set_mtime(&d, ".hidden.js", -100);
	/* a sibling that is a symlink out of the root */
	snprintf(outside, sizeof(outside), "%s/outside.gz", d.dir);
	cr_assert_eq(close(open(outside, O_WRONLY | O_CREAT, 0644)), 0);
	rp_path(&d, "out.js.gz", path);
	cr_assert_eq(symlink(outside, path), 0);
	/* one that is a symlink beneath the root */
	rp_path(&d, "in.js.gz", path);
	cr_assert_eq(symlink("in.real.gz", path), 0);
	start(&d, "precompressed = on\n");

	request(&d, "GET", "/out.js", "Accept-Encoding: gzip\r\n", &r);
	cr_assert(r.status == 200 && rp_hdr(&r, "Content-Encoding") == NULL, "%s", rp_describe(&r));
	cr_assert(r.body_len == 1000 && rp_pattern_mismatch(11, 0, r.body, r.body_len) < 0);
	rp_response_free(&r);
	/* follow_symlinks = beneath (the default) follows this one; valgrind
	 * 3.19 does not know openat2, and the fallback follows no symlink */
	if (!rp_under_valgrind()) {
		request(&d, "GET", "/in.js", "Accept-Encoding: gzip\r\n", &r);
		cr_assert(r.status == 200 && rp_hdr(&r, "Content-Encoding") != NULL, "%s",
		    rp_describe(&r));
		cr_assert(r.body_len == 300 && rp_pattern_mismatch(13, 0, r.body, r.body_len) < 0);
		rp_response_free(&r);
	}
	/* a directory is not a sibling */
	request(&d, "GET", "/dir.js", "Accept-Encoding: gzip\r\n", &r);
	cr_assert(r.status == 200 && rp_hdr(&r, "Content-Encoding") == NULL, "%s", rp_describe(&r));
	rp_response_free(&r);
	/* a dotfile stays refused, sibling or not */
	request(&d, "GET", "/.hidden.js", "Accept-Encoding: gzip\r\n", &r);
	cr_assert_eq(r.status, 404, "%s", rp_describe(&r));
	rp_response_free(&r);
	request(&d, "GET", "/.hidden.js.gz", "", &r);
	cr_assert_eq(r.status, 404, "%s", rp_describe(&r));
	rp_response_free(&r);
	rp_stop(&d);
}

/* follow_symlinks = no: no symlinked sibling either */
Test(precompressed, no_symlinked_sibling_without_follow_symlinks, .timeout = 60)
{
	struct rp_daemon d;
	struct rp_response r;
	char path[PATH_MAX];

	rp_setup(&d);
	rp_make_file(&d, "in.js", 1000, 12);
	rp_make_file(&d, "in.real.gz", 300, 13);
	set_mtime(&d, "in.js", -100);
	rp_path(&d, "in.js.gz", path);
	cr_assert_eq(symlink("in.real.gz", path), 0);
	start(&d, "precompressed = on\nfollow_symlinks = no\n");
	request(&d, "GET", "/in.js", "Accept-Encoding: gzip\r\n", &r);
	cr_assert(r.status == 200 && rp_hdr(&r, "Content-Encoding") == NULL, "%s", rp_describe(&r));
	cr_assert(r.body_len == 1000 && rp_pattern_mismatch(12, 0, r.body, r.body_len) < 0);
	rp_response_free(&r);
	rp_stop(&d);
}

/* Ranges, If-Range and conditionals apply to the encoded bytes, sent by
 * each engine. */
RP_ENGINE_TEST(precompressed, ranges_on_encoded_bytes, .timeout = 120)
{
	static const char part1[] = "Content-Type: " JS_TYPE "\r\nContent-Encoding: gzip\r\n"
	    "Content-Range: bytes 0-9/120000\r\n\r\n";
	static const char part2[] = "Content-Encoding: gzip\r\nContent-Range: bytes "
	    "70000-79999/120000\r\n\r\n";
	struct rp_daemon d;
	struct rp_response r;
	char fields[512], etag[128];
	const char *p;

	rp_setup(&d);
	make_tree(&d);
	start(&d, "precompressed = on\n");

	request(&d, "GET", "/app.js", "Accept-Encoding: gzip\r\n", &r);
	assert_variant(&r, &app_gzip, "whole");
	snprintf(etag, sizeof(etag), "%s", rp_hdr(&r, "ETag"));
	rp_response_free(&r);

	request(&d, "GET", "/app.js", "Accept-Encoding: gzip\r\nRange: bytes=1000-50999\r\n", &r);
	cr_assert_eq(r.status, 206, "%s", rp_describe(&r));
	cr_assert_str_eq(rp_hdr(&r, "Content-Range"), "bytes 1000-50999/120000");
	cr_assert_str_eq(rp_hdr(&r, "Content-Encoding"), "gzip");
	cr_assert_str_eq(rp_hdr(&r, "Vary"), "Accept-Encoding");
	cr_assert(r.body_len == 50000 &&
	    rp_pattern_mismatch(GZ_SEED, 1000, r.body, r.body_len) < 0);
	rp_response_free(&r);

	/* the suffix range is of the sibling's length */
	request(&d, "GET", "/app.js", "Accept-Encoding: br\r\nRange: bytes=-100\r\n", &r);
	cr_assert_eq(r.status, 206, "%s", rp_describe(&r));
	cr_assert_str_eq(rp_hdr(&r, "Content-Range"), "bytes 89900-89999/90000");
	cr_assert(r.body_len == 100 &&
	    rp_pattern_mismatch(BR_SEED, 89900, r.body, r.body_len) < 0);
	rp_response_free(&r);

	/* past the sibling's end but inside the file's: 416 */
	request(&d, "GET", "/app.js", "Accept-Encoding: gzip\r\nRange: bytes=200000-\r\n", &r);
	cr_assert_eq(r.status, 416, "%s", rp_describe(&r));
	cr_assert_str_eq(rp_hdr(&r, "Content-Range"), "bytes */120000");
	rp_response_free(&r);

	/* several ranges: each part says its coding, the body is not encoded */
	request(&d, "GET", "/app.js", "Accept-Encoding: gzip\r\nRange: bytes=0-9,70000-79999\r\n", &r);
	cr_assert_eq(r.status, 206, "%s", rp_describe(&r));
	cr_assert(strncmp(rp_hdr(&r, "Content-Type"), "multipart/byteranges; boundary=", 31) == 0);
	cr_assert_null(rp_hdr(&r, "Content-Encoding"), "%s", rp_describe(&r));
	cr_assert_str_eq(rp_hdr(&r, "Vary"), "Accept-Encoding");
	cr_assert_eq(r.body_len, r.content_length);
	p = memmem(r.body, r.body_len, part1, strlen(part1));
	cr_assert_not_null(p, "first part header");
	p += strlen(part1);
	cr_assert(rp_pattern_mismatch(GZ_SEED, 0, p, 10) < 0);
	p = memmem(r.body, r.body_len, part2, strlen(part2));
	cr_assert_not_null(p, "second part header");
	p += strlen(part2);
	cr_assert((size_t)(p - (const char *)r.body) + 10000 <= r.body_len);
	cr_assert(rp_pattern_mismatch(GZ_SEED, 70000, p, 10000) < 0);
	rp_response_free(&r);

	/* If-Range with the gzip ETag: the range; with another: the whole
	 * sibling */
	snprintf(fields, sizeof(fields), "Accept-Encoding: gzip\r\nRange: bytes=10-19\r\n"
	    "If-Range: %s\r\n", etag);
	request(&d, "GET", "/app.js", fields, &r);
	cr_assert_eq(r.status, 206, "%s", rp_describe(&r));
	cr_assert(r.body_len == 10 && rp_pattern_mismatch(GZ_SEED, 10, r.body, 10) < 0);
	rp_response_free(&r);
	snprintf(fields, sizeof(fields), "Accept-Encoding: br\r\nRange: bytes=10-19\r\n"
	    "If-Range: %s\r\n", etag);
	request(&d, "GET", "/app.js", fields, &r);
	assert_variant(&r, &app_br, "If-Range of another coding");
	rp_response_free(&r);

	/* 304 for the gzip ETag only when gzip is what would be sent */
	snprintf(fields, sizeof(fields), "Accept-Encoding: gzip\r\nIf-None-Match: %s\r\n", etag);
	request(&d, "GET", "/app.js", fields, &r);
	cr_assert_eq(r.status, 304, "%s", rp_describe(&r));
	cr_assert_str_eq(rp_hdr(&r, "ETag"), etag);
	cr_assert_str_eq(rp_hdr(&r, "Vary"), "Accept-Encoding");
	rp_response_free(&r);
	snprintf(fields, sizeof(fields), "If-None-Match: %s\r\n", etag);
	request(&d, "GET", "/app.js", fields, &r);
	assert_variant(&r, &app_identity, "gzip ETag, no Accept-Encoding");
	rp_response_free(&r);
	snprintf(fields, sizeof(fields), "Accept-Encoding: gzip\r\nIf-Match: %s\r\n", etag);
	request(&d, "GET", "/app.js", fields, &r);
	assert_variant(&r, &app_gzip, "If-Match");
	rp_response_free(&r);
	rp_stop(&d);
}

/* Real compressed siblings: curl --compressed gets the original bytes. */
Test(precompressed, curl_compressed_decodes_to_the_file, .timeout = 120)
{
	struct rp_daemon d;
	char path[PATH_MAX], zpath[PATH_MAX], out[PATH_MAX], url[256], hdrs[PATH_MAX];
	char *got, *head;
	size_t len;

	if (!rp_have("curl") || !rp_have("gzip"))
		cr_skip_test("curl or gzip is not installed");
	rp_setup(&d);
	rp_make_file(&d, "a.txt", 200000, 21);
	rp_path(&d, "a.txt", path);
	{
		char *argv[] = { "gzip", "-k", "-9", path, NULL };

		rp_run_ok(&d, argv, 120);
	}
	rp_make_file(&d, "b.txt", 200000, 22);
	if (rp_have("zstd")) {
		rp_path(&d, "b.txt", zpath);
		char *argv[] = { "zstd", "-q", "-k", zpath, NULL };

		rp_run_ok(&d, argv, 120);
	}
	start(&d, "precompressed = on\n");
	snprintf(out, sizeof(out), "%s/got", d.dir);
	snprintf(hdrs, sizeof(hdrs), "%s/headers", d.dir);
	for (int i = 0; i < 2; i++) {
		const char *name = i == 0 ? "a.txt" : "b.txt";
		char *argv[] = { "curl", "-sS", "-f", "--noproxy", "*", "--compressed", "-D", hdrs,
			"-o", out, url, NULL };

		if (i == 1 && !rp_have("zstd"))
			break;
		snprintf(url, sizeof(url), "http://127.0.0.1:%d/%s", d.port, name);
		rp_run_ok(&d, argv, 120);
		head = rp_slurp(hdrs, NULL);
		cr_assert_not_null(head);
		cr_assert(strcasestr(head, i == 0 ? "Content-Encoding: gzip" :
		    "Content-Encoding: zstd") != NULL, "%s", head);
		free(head);
		got = rp_slurp(out, &len);
		cr_assert_not_null(got);
		cr_assert(len == 200000 && rp_pattern_mismatch(i == 0 ? 21 : 22, 0, got, len) < 0,
		    "%s: curl --compressed got %zu bytes that differ from the file", name, len);
		free(got);
	}
	rp_stop(&d);
}

/* An absent sibling is remembered for open_file_cache_valid, then looked
 * up again; lookups of siblings are not counted as the cache's hits or
 * misses, which count requested files. */
Test(precompressed, absent_sibling_is_looked_up_again_after_the_validity, .timeout = 60)
{
	struct rp_daemon d;
	struct rp_response r;
	char conf[4096];
	double hits, misses;
	int i;

	rp_setup(&d);
	rp_make_file(&d, "app.js", APP_SIZE, APP_SEED);
	set_mtime(&d, "app.js", -100);
	rp_default_conf(&d, conf, sizeof(conf));
	rp_conf_set(conf, sizeof(conf), "log_level", "info\nopen_file_cache_valid = 200ms");
	strncat(conf, "precompressed = on\n\n[status]\npath = /metrics\n",
	    sizeof(conf) - strlen(conf) - 1);
	rp_start_conf(&d, conf);
	for (i = 0; i < 3; i++) {
		request(&d, "GET", "/app.js", "Accept-Encoding: gzip, br, zstd\r\n", &r);
		assert_variant(&r, &app_identity, "no sibling yet");
		rp_response_free(&r);
	}
	rp_get(&d, "/metrics", &r);
	cr_assert_eq(r.status, 200);
	cr_assert(r.body_len > 0);
	r.body[r.body_len - 1] = '\0';
	hits = rp_sample((const char *)r.body, "ringpushd_open_file_cache_hits_total");
	misses = rp_sample((const char *)r.body, "ringpushd_open_file_cache_misses_total");
	cr_assert_eq(hits + misses, 3, "hits %g misses %g", hits, misses);
	rp_response_free(&r);

	rp_make_file(&d, "app.js.gz", GZ_SIZE, GZ_SEED);
	usleep(400000);
	request(&d, "GET", "/app.js", "Accept-Encoding: gzip, br, zstd\r\n", &r);
	assert_variant(&r, &app_gzip, "the sibling made since");
	rp_response_free(&r);
	rp_stop(&d);
}
