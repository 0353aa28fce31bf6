/*
 * test_cache.c: the open-file cache keeps its contract: a file changed in
 * place, replaced or removed is seen once open_file_cache_valid has passed
 * (and until then a response is one whole version of it), small files'
 * bytes are kept within file_cache_size, and a reload forgets everything.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "harness.h"

static void
cache_conf_with(const struct rp_daemon *d, const char *valid, const char *extra, int port,
    char *conf, size_t cap)
{
	int n = snprintf(conf, cap,
	    "[daemon]\nerror_log = -\naccess_log = off\nallow_root = yes\n"
	    "open_file_cache = 16\nopen_file_cache_valid = %s\n%s\n"
	    "[status]\npath = /metrics\n\n"
	    "[listener test]\naddress = 127.0.0.1:%d\nroot = %s\n", valid, extra, port,
	    d->root);

	cr_assert(n > 0 && (size_t)n < cap);
}

static void
cache_conf(const struct rp_daemon *d, const char *valid, int port, char *conf, size_t cap)
{
	cache_conf_with(d, valid, "", port, conf, cap);
}

static void
start_cache(struct rp_daemon *d, const char *valid)
{
	char conf[4 * PATH_MAX];

	cache_conf(d, valid, 0, conf, sizeof(conf));
	rp_start_conf(d, conf);
}

static void
expect_body(const struct rp_daemon *d, const char *path, const char *body)
{
	struct rp_response r;

	rp_get(d, path, &r);
	cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
	cr_assert_eq(r.body_len, strlen(body), "%s: %zu bytes, want %zu", path, r.body_len,
	    strlen(body));
	cr_assert_eq(memcmp(r.body, body, r.body_len), 0);
	rp_response_free(&r);
}

/* Add text at the end of rel (the same inode grows). */
static void
append(const struct rp_daemon *d, const char *rel, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	rp_path(d, rel, path);
	f = fopen(path, "a");
	cr_assert_not_null(f);
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

/* Replace rel by a new file (new inode) with text. */
static void
replace(const struct rp_daemon *d, const char *rel, const char *text)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];

	rp_path(d, rel, path);
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	FILE *f = fopen(tmp, "w");

	cr_assert_not_null(f);
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
	cr_assert_eq(rename(tmp, path), 0);
}

/* The body of path: one of the versions given, whole. */
static void
expect_one_of(const struct rp_daemon *d, const char *path, const char *a, const char *b)
{
	struct rp_response r;

	rp_get(d, path, &r);
	cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
	cr_assert((r.body_len == strlen(a) && memcmp(r.body, a, r.body_len) == 0) ||
	    (r.body_len == strlen(b) && memcmp(r.body, b, r.body_len) == 0),
	    "%s is neither version, whole:\n%s", path, rp_describe(&r));
	rp_response_free(&r);
}

Test(cache, changes_in_place_are_seen_after_the_validity)
{
	struct rp_daemon d;
	char path[PATH_MAX];

	rp_setup(&d);
	rp_write_file(&d, "f.txt", "short\n", 6);
	start_cache(&d, "300ms");
	expect_body(&d, "/f.txt", "short\n");
	expect_body(&d, "/f.txt", "short\n");
	cr_assert(rp_metric(&d, "ringpushd_open_file_cache_hits_total") >= 1);
	/* The same inode grows: until the window ends the fstat made at the
	 * open stands, and the answer is the old version, whole. */
	append(&d, "f.txt", "and longer\n");
	rp_path(&d, "f.txt", path);
	expect_one_of(&d, "/f.txt", "short\n", "short\nand longer\n");
	usleep(400000);
	expect_body(&d, "/f.txt", "short\nand longer\n");
	/* And shrinks.  Within the window the answer is the old version
	 * whole when its bytes were kept, the new one after a fresh open,
	 * or, when a read finds the file shorter than the size the window
	 * trusts, a closed connection with not a byte sent; then the entry
	 * is dropped and the next request opens the file again. */
	cr_assert_eq(truncate(path, 3), 0);
	{
		struct rp_response r;
		int res = rp_exchange(&d, "GET /f.txt HTTP/1.1\r\nHost: t\r\n"
		    "Connection: close\r\n\r\n", false, &r);

		cr_assert(res != RP_OK || (r.status == 200 &&
		    ((r.body_len == 17 && memcmp(r.body, "short\nand longer\n", 17) == 0) ||
		    (r.body_len == 3 && memcmp(r.body, "sho", 3) == 0))),
		    "neither version, whole:\n%s", rp_describe(&r));
		cr_assert(res == RP_OK || r.head_len == 0, "%s after a partial response:\n%s",
		    rp_result_str(res), rp_describe(&r));
		rp_response_free(&r);
		if (res != RP_OK)
			expect_body(&d, "/f.txt", "sho");
	}
	usleep(400000);
	expect_body(&d, "/f.txt", "sho");
	rp_stop(&d);
}

/* A small file's bytes are kept after its first read: later responses
 * carry them with no read, and file_cache_size = 0 keeps none. */
Test(cache, small_files_are_kept_in_memory)
{
	static const char body[] = "kept in memory after the first read\n";
	char conf[4 * PATH_MAX];
	struct rp_daemon d;

	rp_setup(&d);
	rp_write_file(&d, "k.txt", body, sizeof(body) - 1);
	rp_make_file(&d, "big.bin", 1 << 20, 5);
	start_cache(&d, "1h");
	expect_body(&d, "/k.txt", body);
	cr_assert_eq(rp_metric(&d, "ringpushd_file_cache_hits_total"), 0);
	cr_assert_eq(rp_metric(&d, "ringpushd_file_cache_bytes"), sizeof(body) - 1);
	expect_body(&d, "/k.txt", body);
	expect_body(&d, "/k.txt", body);
	cr_assert_eq(rp_metric(&d, "ringpushd_file_cache_hits_total"), 2);
	/* a range of a kept file comes from the same bytes */
	{
		struct rp_response r;

		cr_assert_eq(rp_exchange(&d, "GET /k.txt HTTP/1.1\r\nHost: t\r\n"
		    "Range: bytes=5-11\r\nConnection: close\r\n\r\n", false, &r), RP_OK);
		cr_assert_eq(r.status, 206, "%s", rp_describe(&r));
		cr_assert(r.body_len == 7 && memcmp(r.body, body + 5, 7) == 0, "%s", rp_describe(&r));
		rp_response_free(&r);
	}
	cr_assert_eq(rp_metric(&d, "ringpushd_file_cache_hits_total"), 3);
	/* large files are never kept */
	{
		struct rp_response r;

		rp_get(&d, "/big.bin", &r);
		cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
		cr_assert(r.body_len == 1 << 20 && rp_pattern_mismatch(5, 0, r.body, r.body_len) == -1);
		rp_response_free(&r);
	}
	cr_assert_eq(rp_metric(&d, "ringpushd_file_cache_bytes"), sizeof(body) - 1);
	rp_stop(&d);

	rp_setup(&d);
	rp_write_file(&d, "k.txt", body, sizeof(body) - 1);
	cache_conf_with(&d, "1h", "file_cache_size = 0\n", 0, conf, sizeof(conf));
	rp_start_conf(&d, conf);
	expect_body(&d, "/k.txt", body);
	expect_body(&d, "/k.txt", body);
	cr_assert_eq(rp_metric(&d, "ringpushd_file_cache_hits_total"), 0);
	cr_assert_eq(rp_metric(&d, "ringpushd_file_cache_bytes"), 0);
	rp_stop(&d);
}

/* A keep-alive response from a kept file's bytes, read on connection c:
 * the body whole; returns its Date. */
static time_t
kept_response(struct rp_conn *c, const char *extra, const char *body, bool closes)
{
	struct rp_response r;
	struct tm tm = { 0 };
	const char *date, *conn;
	time_t t;

	rp_sendf(c, "GET /k.txt HTTP/1.1\r\nHost: t\r\n%s\r\n", extra);
	cr_assert_eq(rp_read_response(c, &r, false), RP_OK);
	cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
	cr_assert(r.body_len == strlen(body) && memcmp(r.body, body, r.body_len) == 0,
	    "%s", rp_describe(&r));
	conn = rp_hdr(&r, "Connection");
	cr_assert_eq(conn != NULL && strcasecmp(conn, "close") == 0, closes, "%s", rp_describe(&r));
	date = rp_hdr(&r, "Date");
	cr_assert(date != NULL && strptime(date, "%a, %d %b %Y %H:%M:%S GMT", &tm) != NULL,
	    "%s", rp_describe(&r));
	t = timegm(&tm);
	rp_response_free(&r);
	return t;
}

/* Responses for a kept file go out from its bytes with the header in
 * front of them.  A response still held by its connection (its next
 * request's receive is linked behind it) keeps its copy; another
 * response with another header (Connection: close; a new second's Date)
 * gets its own, and no response ever carries another's header.  A
 * reload that forgets the file while a response holds its bytes changes
 * nothing for that connection. */
Test(cache, responses_from_kept_bytes_each_carry_their_own_header)
{
	static const char body[] = "a kept body with headers in front of it\n";
	struct rp_daemon d;
	struct rp_conn *a, *b;
	time_t before, t;

	rp_setup(&d);
	rp_write_file(&d, "k.txt", body, sizeof(body) - 1);
	start_cache(&d, "1h");
	a = rp_connect(&d);
	kept_response(a, "", body, false);          /* read, and kept */
	kept_response(a, "", body, false);          /* from the kept bytes */
	b = rp_connect(&d);
	kept_response(b, "Connection: close\r\n", body, true);
	rp_close(b);
	kept_response(a, "", body, false);
	/* a new second: a new Date while a still holds the old header */
	before = time(NULL);
	while (time(NULL) == before)
		usleep(20000);
	b = rp_connect(&d);
	t = kept_response(b, "", body, false);
	cr_assert(t > before && t <= time(NULL), "Date %lld, the second before %lld",
	    (long long)t, (long long)before);
	t = kept_response(a, "", body, false);
	cr_assert(t > before, "Date %lld, the second before %lld", (long long)t, (long long)before);
	cr_assert_geq(rp_metric(&d, "ringpushd_file_cache_hits_total"), 5);
	/* a reload forgets the entry while a and b hold its bytes */
	cr_assert_eq(kill(d.pid, SIGHUP), 0);
	rp_wait_output(&d, "applied", 1);
	kept_response(a, "", body, false);
	kept_response(b, "", body, false);
	kept_response(a, "", body, false);
	rp_close(a);
	rp_close(b);
	rp_stop(&d);
}

Test(cache, a_replaced_file_is_seen_after_the_validity)
{
	struct rp_daemon d;

	rp_setup(&d);
	rp_write_file(&d, "f.txt", "old\n", 4);
	start_cache(&d, "200ms");
	expect_body(&d, "/f.txt", "old\n");
	replace(&d, "f.txt", "new!\n");
	usleep(400000);
	expect_body(&d, "/f.txt", "new!\n");
	rp_stop(&d);
}

Test(cache, a_reload_forgets_cached_files)
{
	struct rp_daemon d;
	char *out;

	rp_setup(&d);
	rp_write_file(&d, "f.txt", "old\n", 4);
	start_cache(&d, "1h");
	expect_body(&d, "/f.txt", "old\n");
	expect_body(&d, "/f.txt", "old\n");
	replace(&d, "f.txt", "new!\n");
	/* within the hour the cache may still answer with the old file;
	 * after a reload (same listener, same port) it must not */
	{
		char conf[4 * PATH_MAX];
		FILE *f;

		cache_conf(&d, "1h", d.port, conf, sizeof(conf));
		f = fopen(d.conf, "w");
		cr_assert_not_null(f);
		fputs(conf, f);
		cr_assert_eq(fclose(f), 0);
	}
	cr_assert_eq(kill(d.pid, SIGHUP), 0);
	for (int i = 0; i < 600; i++) {
		bool done;

		out = rp_daemon_output(&d);
		done = strstr(out, "reload: ") != NULL && strstr(out, "applied") != NULL;
		free(out);
		if (done)
			break;
		usleep(50000);
	}
	expect_body(&d, "/f.txt", "new!\n");
	rp_stop(&d);
}

Test(cache, a_removed_file_is_gone_after_the_validity)
{
	struct rp_daemon d;
	struct rp_response r;
	char path[PATH_MAX];

	rp_setup(&d);
	rp_write_file(&d, "f.txt", "here\n", 5);
	start_cache(&d, "200ms");
	expect_body(&d, "/f.txt", "here\n");
	rp_path(&d, "f.txt", path);
	cr_assert_eq(unlink(path), 0);
	usleep(400000);
	rp_get(&d, "/f.txt", &r);
	cr_assert_eq(r.status, 404, "%s", rp_describe(&r));
	rp_response_free(&r);
	rp_stop(&d);
}

/* The ETag the file's stat gives now: "<mtime ns hex>-<size hex>". */
static void
etag_of(const struct rp_daemon *d, const char *rel, char *out, size_t cap)
{
	char path[PATH_MAX];
	struct stat st;

	rp_path(d, rel, path);
	cr_assert_eq(stat(path, &st), 0);
	snprintf(out, cap, "\"%llx-%llx\"",
	    (unsigned long long)st.st_mtim.tv_sec * 1000000000ull +
	    (unsigned long long)st.st_mtim.tv_nsec, (unsigned long long)st.st_size);
}

static void
expect_etag(const struct rp_daemon *d, const char *path, const char *etag)
{
	struct rp_response r;
	const char *got;

	rp_get(d, path, &r);
	cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
	got = rp_hdr(&r, "ETag");
	cr_assert(got != NULL && strcmp(got, etag) == 0, "ETag %s, want %s", got, etag);
	rp_response_free(&r);
}

/* The cache entry keeps the ETag it formatted for its stat: a file changed
 * in place (same inode, new size and mtime) gets the new tag once the
 * window has passed, and a revalidation with it is a 304. */
Test(cache, the_etag_follows_the_file)
{
	struct timespec times[2] = { { 1000000000, 5 }, { 1000000000, 5 } };
	char path[PATH_MAX], before[64], after[64], req[256];
	struct rp_daemon d;
	struct rp_response r;

	rp_setup(&d);
	rp_write_file(&d, "e.txt", "first\n", 6);
	start_cache(&d, "300ms");
	etag_of(&d, "e.txt", before, sizeof(before));
	expect_etag(&d, "/e.txt", before);
	expect_etag(&d, "/e.txt", before);
	cr_assert(rp_metric(&d, "ringpushd_open_file_cache_hits_total") >= 1);
	append(&d, "e.txt", "second\n");
	rp_path(&d, "e.txt", path);
	cr_assert_eq(utimensat(AT_FDCWD, path, times, 0), 0);
	etag_of(&d, "e.txt", after, sizeof(after));
	cr_assert_str_neq(before, after);
	usleep(400000);
	expect_etag(&d, "/e.txt", after);
	expect_etag(&d, "/e.txt", after);
	snprintf(req, sizeof(req), "GET /e.txt HTTP/1.1\r\nHost: t\r\nIf-None-Match: %s\r\n"
	    "Connection: close\r\n\r\n", after);
	cr_assert_eq(rp_exchange(&d, req, false, &r), RP_OK);
	cr_assert_eq(r.status, 304, "%s", rp_describe(&r));
	rp_response_free(&r);
	rp_stop(&d);
}
