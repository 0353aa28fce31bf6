/*
 * test_upload.c: PUT and DELETE against the real daemon: bodies byte for
 * byte, atomic replacement under readers, every refusal, clients that
 * leave halfway (nothing left behind), a full disk, rate limits, reload
 * and graceful stop in the middle of a body.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "harness.h"

#define TOKEN "t0ken-for-tests"
#define AUTH "Authorization: Bearer " TOKEN "\r\n"

/* The standard configuration with uploads on, plus extra lines for the
 * listener, and key = value set when key is not NULL. */
static void
start_upload_in(struct rp_daemon *d, const char *extra, const char *key, const char *value)
{
	char conf[8192], tokens[PATH_MAX + 16];
	size_t n;
	int fd;

	snprintf(tokens, sizeof(tokens), "%s/tokens", d->dir);
	fd = open(tokens, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	cr_assert(fd >= 0, "%s: %s", tokens, strerror(errno));
	cr_assert_eq(write(fd, "other\n" TOKEN "\n", 6 + sizeof(TOKEN)), (ssize_t)(6 + sizeof(TOKEN)));
	close(fd);
	rp_default_conf(d, conf, sizeof(conf));
	n = strlen(conf);
	snprintf(conf + n, sizeof(conf) - n, "upload = on\nupload_token_file = %s\n%s",
	    tokens, extra != NULL ? extra : "");
	if (key != NULL)
		rp_conf_set(conf, sizeof(conf), key, value);
	rp_start_conf(d, conf);
}

/* The same in a new tree. */
static void
start_upload_set(struct rp_daemon *d, const char *extra, const char *key, const char *value)
{
	rp_setup(d);
	start_upload_in(d, extra, key, value);
}

static void
start_upload(struct rp_daemon *d, const char *extra)
{
	start_upload_set(d, extra, NULL, NULL);
}

/* Send a PUT of size pattern bytes (seed) on c, without reading. */
static void
send_put(struct rp_conn *c, const char *path, uint64_t size, uint64_t seed,
    const char *fields)
{
	static unsigned char buf[1 << 16];
	uint64_t off = 0;

	rp_sendf(c, "PUT %s HTTP/1.1\r\nHost: t\r\n" AUTH "Content-Length: %llu\r\n%s\r\n",
	    path, (unsigned long long)size, fields != NULL ? fields : "");
	while (off < size) {
		size_t n = size - off < sizeof(buf) ? (size_t)(size - off) : sizeof(buf);

		rp_pattern(seed, off, buf, n);
		rp_send(c, buf, n);
		off += n;
	}
}

/* PUT on a fresh connection; returns the status. */
static int
put(const struct rp_daemon *d, const char *path, uint64_t size, uint64_t seed,
    const char *fields, struct rp_response *out)
{
	struct rp_conn *c = rp_connect(d);
	struct rp_response r;
	int res, status;

	send_put(c, path, size, seed, fields);
	res = rp_read_response(c, &r, false);
	cr_assert_eq(res, RP_OK, "PUT %s: %s", path, rp_result_str(res));
	status = r.status;
	if (out != NULL)
		*out = r;
	else
		rp_response_free(&r);
	rp_close(c);
	return status;
}

static void
assert_file_is(const struct rp_daemon *d, const char *rel, uint64_t size, uint64_t seed)
{
	static unsigned char buf[1 << 20];
	char path[PATH_MAX];
	struct stat st;
	uint64_t off = 0;

	rp_path(d, rel, path);
	cr_assert_eq(stat(path, &st), 0, "%s: %s", path, strerror(errno));
	cr_assert_eq((uint64_t)st.st_size, size, "%s: %lld bytes, not %llu", rel,
	    (long long)st.st_size, (unsigned long long)size);
	while (off < size) {
		size_t n = size - off < sizeof(buf) ? (size_t)(size - off) : sizeof(buf);
		ssize_t bad;

		rp_pattern(seed, off, buf, n);
		bad = rp_file_mismatch(path, off, buf, n);
		cr_assert_eq(bad, -1, "%s differs at byte %lld", rel, (long long)(off + (uint64_t)bad));
		off += n;
	}
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in a directory under the root, "." and ".." left out, sorted
 * and joined with spaces (a static buffer). */
static const char *
listing(const struct rp_daemon *d, const char *rel)
{
	static char names[4096];
	char path[PATH_MAX], *list[64];
	struct dirent *e;
	DIR *dir;
	size_t n = 0, count = 0;

	rp_path(d, rel, path);
	dir = opendir(path);
	cr_assert_not_null(dir, "%s: %s", path, strerror(errno));
	while ((e = readdir(dir)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		cr_assert_lt(count, 64);
		list[count] = strdup(e->d_name);
		cr_assert_not_null(list[count++]);
	}
	closedir(dir);
	qsort(list, count, sizeof(list[0]), by_name);
	names[0] = '\0';
	for (size_t i = 0; i < count; i++) {
		n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s", i ? " " : "", list[i]);
		cr_assert(n < sizeof(names));
		free(list[i]);
	}
	return names;
}

/* Wait until the daemon has no connection left open. */
static void
wait_idle(const struct rp_daemon *d)
{
	for (int tries = 0; tries < 400; tries++) {
		struct rp_response r;

		rp_get(d, "/metrics", &r);
		if (r.status == 200 && strstr((char *)r.body, "\nringpushd_connections_open 1\n") != NULL) {
			rp_response_free(&r);
			return;
		}
		rp_response_free(&r);
		usleep(25000);
	}
	cr_assert_fail("connections stayed open");
}

#define STATUS_CONF "[status]\npath = /metrics\n"

/* The access log once it holds `text` (the daemon writes it in
 * batches); the caller frees it. */
static char *
wait_access_log(const struct rp_daemon *d, const char *text)
{
	char *log = NULL;

	for (int tries = 0; tries < 200; tries++) {
		free(log);
		log = rp_slurp(d->access_log, NULL);
		if (log != NULL && strstr(log, text) != NULL)
			return log;
		usleep(25000);
	}
	cr_assert_fail("no \"%s\" in the access log: %s", text, log ? log : "(none)");
	return NULL;
}


Test(upload, sizes_byte_for_byte, .timeout = 120)
{
	static const uint64_t sizes[] = { 0, 1, 1 << 20, 256u << 20 };
	struct rp_daemon d;

	start_upload(&d, NULL);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char path[64];

		if (sizes[i] >= (64u << 20) && rp_under_valgrind())
			continue;
		snprintf(path, sizeof(path), "/f%zu.bin", i);
		cr_expect_eq(put(&d, path, sizes[i], 100 + i, NULL, NULL), 201, "size %llu",
		    (unsigned long long)sizes[i]);
		assert_file_is(&d, path, sizes[i], 100 + i);
	}
	rp_stop(&d);
}

Test(upload, replace_answers_204_with_the_new_etag, .timeout = 60)
{
	struct rp_daemon d;
	struct rp_response r, g;

	start_upload(&d, NULL);
	rp_mkdir(&d, "dir");
	cr_assert_eq(put(&d, "/dir/a", 5000, 1, NULL, NULL), 201);
	/* the open-file cache holds the old file now */
	rp_get(&d, "/dir/a", &g);
	cr_assert_eq(g.status, 200);
	rp_response_free(&g);
	cr_assert_eq(put(&d, "/dir/a", 70000, 2, NULL, &r), 204);
	cr_assert_not_null(rp_hdr(&r, "ETag"));
	assert_file_is(&d, "dir/a", 70000, 2);
	rp_get(&d, "/dir/a", &g);
	cr_assert_eq(g.status, 200);
	cr_expect_eq(g.body_len, 70000, "the cache served the old file");
	cr_expect_eq(rp_pattern_mismatch(2, 0, g.body, g.body_len), -1);
	cr_expect_str_eq(rp_hdr(&g, "ETag"), rp_hdr(&r, "ETag"));
	rp_response_free(&g);
	rp_response_free(&r);
	cr_expect_str_eq(listing(&d, "dir"), "a");
	rp_stop(&d);
}

Test(upload, keep_alive_after_an_upload, .timeout = 30)
{
	struct rp_daemon d;
	struct rp_conn *c;
	struct rp_response r;

	start_upload(&d, NULL);
	c = rp_connect(&d);
	/* two uploads and a GET pipelined on one connection */
	send_put(c, "/k1", 3000, 7, NULL);
	send_put(c, "/k2", 0, 8, NULL);
	rp_sends(c, "GET /k1 HTTP/1.1\r\nHost: t\r\n\r\n");
	cr_assert_eq(rp_read_response(c, &r, false), RP_OK);
	cr_expect_eq(r.status, 201);
	rp_response_free(&r);
	cr_assert_eq(rp_read_response(c, &r, false), RP_OK);
	cr_expect_eq(r.status, 201);
	rp_response_free(&r);
	cr_assert_eq(rp_read_response(c, &r, false), RP_OK);
	cr_expect_eq(r.status, 200);
	cr_expect_eq(r.body_len, 3000);
	cr_expect_eq(rp_pattern_mismatch(7, 0, r.body, r.body_len), -1);
	rp_response_free(&r);
	rp_close(c);
	assert_file_is(&d, "k2", 0, 8);
	rp_stop(&d);
}

/* A refusal with its status, and nothing written. */
static void
expect_refused(const struct rp_daemon *d, const char *raw, int status, const char *dir,
    const char *names)
{
	struct rp_response r;

	cr_assert_eq(rp_exchange(d, raw, false, &r), RP_OK, "%s", raw);
	cr_expect_eq(r.status, status, "%s\n-> %s", raw, rp_describe(&r));
	rp_response_free(&r);
	cr_expect_str_eq(listing(d, dir), names, "after %s", raw);
}

Test(upload, refusals, .timeout = 60)
{
	struct rp_daemon d;
	struct rp_response r;
	char path[PATH_MAX];

	start_upload(&d, "upload_max_size = 1000\n");
	rp_mkdir(&d, "d");
	rp_write_file(&d, "d/old", "old", 3);

	/* no token, a wrong one, an unknown scheme: 401 with challenges */
	cr_assert_eq(rp_exchange(&d, "PUT /d/x HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc",
	    false, &r), RP_OK);
	cr_expect_eq(r.status, 401);
	cr_expect_eq(rp_hdr_count(&r, "WWW-Authenticate"), 2);
	rp_response_free(&r);
	expect_refused(&d, "PUT /d/x HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer wrong\r\n"
	    "Content-Length: 3\r\n\r\nabc", 401, "d", "old");
	expect_refused(&d, "PUT /d/x HTTP/1.1\r\nHost: t\r\nAuthorization: Basic eDp3cm9uZw==\r\n"
	    "Content-Length: 3\r\n\r\nabc", 401, "d", "old");
	expect_refused(&d, "DELETE /d/old HTTP/1.1\r\nHost: t\r\n\r\n", 401, "d", "old");
	/* no length */
	expect_refused(&d, "PUT /d/x HTTP/1.1\r\nHost: t\r\n" AUTH "\r\n", 411, "d", "old");
	/* over upload_max_size */
	expect_refused(&d, "PUT /d/x HTTP/1.1\r\nHost: t\r\n" AUTH "Content-Length: 1001\r\n\r\n",
	    413, "d", "old");
	/* the parent does not exist; the target is a directory */
	expect_refused(&d, "PUT /nodir/x HTTP/1.1\r\nHost: t\r\n" AUTH "Content-Length: 1\r\n\r\nx",
	    409, "d", "old");
	expect_refused(&d, "PUT /d/old/x HTTP/1.1\r\nHost: t\r\n" AUTH "Content-Length: 1\r\n\r\nx",
	    409, "d", "old");
	expect_refused(&d, "PUT /d HTTP/1.1\r\nHost: t\r\n" AUTH "Content-Length: 1\r\n\r\nx",
	    409, "d", "old");
	expect_refused(&d, "PUT /d/ HTTP/1.1\r\nHost: t\r\n" AUTH "Content-Length: 1\r\n\r\nx",
	    409, "d", "old");
	/* preconditions */
	expect_refused(&d, "PUT /d/old HTTP/1.1\r\nHost: t\r\n" AUTH "If-None-Match: *\r\n"
	    "Content-Length: 1\r\n\r\nx", 412, "d", "old");
	expect_refused(&d, "PUT /d/old HTTP/1.1\r\nHost: t\r\n" AUTH "If-Match: \"nope\"\r\n"
	    "Content-Length: 1\r\n\r\nx", 412, "d", "old");
	expect_refused(&d, "PUT /d/new HTTP/1.1\r\nHost: t\r\n" AUTH "If-Match: *\r\n"
	    "Content-Length: 1\r\n\r\nx", 412, "d", "old");
	/* dotfiles, symlinks, escapes */
	expect_refused(&d, "PUT /d/.hidden HTTP/1.1\r\nHost: t\r\n" AUTH "Content-Length: 1\r\n\r\nx",
	    403, "d", "old");
	rp_path(&d, "d/link", path);
	cr_assert_eq(symlink("old", path), 0);
	expect_refused(&d, "PUT /d/link HTTP/1.1\r\nHost: t\r\n" AUTH "Content-Length: 1\r\n\r\nx",
	    403, "d", "link old");
	rp_path(&d, "out", path);
	cr_assert_eq(symlink("/tmp", path), 0);
	expect_refused(&d, "PUT /out/x HTTP/1.1\r\nHost: t\r\n" AUTH "Content-Length: 1\r\n\r\nx",
	    403, "d", "link old");
	/* an unknown transfer coding */
	expect_refused(&d, "PUT /d/x HTTP/1.1\r\nHost: t\r\n" AUTH "Transfer-Encoding: gzip\r\n\r\n",
	    501, "d", "link old");
	/* If-Match with the right ETag passes */
	rp_get(&d, "/d/old", &r);
	cr_assert_eq(r.status, 200);
	{
		char raw[512];

		snprintf(raw, sizeof(raw), "PUT /d/old HTTP/1.1\r\nHost: t\r\n" AUTH
		    "If-Match: %s\r\nContent-Length: 3\r\n\r\nnew", rp_hdr(&r, "ETag"));
		rp_response_free(&r);
		expect_refused(&d, raw, 204, "d", "link old");
	}
	rp_get(&d, "/d/old", &r);
	cr_expect_eq(r.body_len, 3);
	cr_expect_eq(memcmp(r.body, "new", 3), 0);
	rp_response_free(&r);
	rp_assert_serving(&d);
	rp_stop(&d);
}

Test(upload, overwrite_no_refuses_existing_files, .timeout = 30)
{
	struct rp_daemon d;

	start_upload(&d, "upload_overwrite = no\n");
	cr_expect_eq(put(&d, "/once", 10, 1, NULL, NULL), 201);
	cr_expect_eq(put(&d, "/once", 20, 2, NULL, NULL), 409);
	assert_file_is(&d, "once", 10, 1);
	cr_expect_str_eq(listing(&d, ""), "once");
	rp_stop(&d);
}

Test(upload, off_answers_405, .timeout = 30)
{
	struct rp_daemon d;
	struct rp_response r;

	rp_setup(&d);
	rp_start(&d);
	cr_assert_eq(rp_exchange(&d, "PUT /x HTTP/1.1\r\nHost: t\r\n" AUTH
	    "Content-Length: 1\r\n\r\nx", false, &r), RP_OK);
	cr_expect_eq(r.status, 405);
	rp_response_free(&r);
	cr_expect_str_eq(listing(&d, ""), "");
	rp_stop(&d);
}

Test(upload, delete, .timeout = 30)
{
	struct rp_daemon d;
	struct rp_response r;

	start_upload(&d, NULL);
	rp_write_file(&d, "gone", "bytes", 5);
	rp_mkdir(&d, "dir");
	rp_get(&d, "/gone", &r);        /* into the open-file cache */
	cr_assert_eq(r.status, 200);
	rp_response_free(&r);
	expect_refused(&d, "DELETE /gone HTTP/1.1\r\nHost: t\r\nAuthorization: Basic "
	    "dXNlcjp0MGtlbi1mb3ItdGVzdHM=\r\n\r\n", 204, "", "dir");
	rp_get(&d, "/gone", &r);
	cr_expect_eq(r.status, 404, "the cache served a deleted file");
	rp_response_free(&r);
	expect_refused(&d, "DELETE /gone HTTP/1.1\r\nHost: t\r\n" AUTH "\r\n", 404, "", "dir");
	expect_refused(&d, "DELETE /dir HTTP/1.1\r\nHost: t\r\n" AUTH "\r\n", 409, "", "dir");
	rp_stop(&d);
}

Test(upload, expect_100_continue, .timeout = 30)
{
	struct rp_daemon d;
	struct rp_conn *c;
	struct rp_response r;

	start_upload(&d, "upload_max_size = 1M\n");
	c = rp_connect(&d);
	rp_sends(c, "PUT /e HTTP/1.1\r\nHost: t\r\n" AUTH "Expect: 100-continue\r\n"
	    "Content-Length: 5\r\n\r\n");
	cr_assert_eq(rp_read_head(c, &r), RP_OK);
	cr_expect_eq(r.status, 100);
	rp_response_free(&r);
	cr_expect_str_eq(listing(&d, ""), "");
	rp_sends(c, "hello");
	cr_assert_eq(rp_read_response(c, &r, false), RP_OK);
	cr_expect_eq(r.status, 201);
	rp_response_free(&r);
	rp_close(c);

	/* refused at once, without 100 */
	c = rp_connect(&d);
	rp_sends(c, "PUT /e2 HTTP/1.1\r\nHost: t\r\n" AUTH "Expect: 100-continue\r\n"
	    "Content-Length: 2000000\r\n\r\n");
	cr_assert_eq(rp_read_head(c, &r), RP_OK);
	cr_expect_eq(r.status, 413);
	rp_response_free(&r);
	rp_close(c);
	c = rp_connect(&d);
	rp_sends(c, "PUT /e3 HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
	    "Content-Length: 5\r\n\r\n");
	cr_assert_eq(rp_read_head(c, &r), RP_OK);
	cr_expect_eq(r.status, 401);
	rp_response_free(&r);
	rp_close(c);
	cr_expect_str_eq(listing(&d, ""), "e");
	rp_stop(&d);
}

/* Clients that leave, cut their body short or stall leave no file. */
Test(upload, vanished_clients_leave_nothing, .timeout = 60)
{
	struct rp_daemon d;
	static unsigned char buf[100000];
	struct rp_conn *c;

	start_upload_set(&d, STATUS_CONF, "idle_timeout", "1s");
	rp_mkdir(&d, "v");
	rp_write_file(&d, "v/keep", "keep", 4);
	rp_pattern(3, 0, buf, sizeof(buf));
	/* closes halfway */
	c = rp_connect(&d);
	rp_sendf(c, "PUT /v/keep HTTP/1.1\r\nHost: t\r\n" AUTH "Content-Length: %d\r\n\r\n", 1 << 20);
	rp_send(c, buf, sizeof(buf));
	rp_close(c);
	/* resets halfway */
	c = rp_connect(&d);
	rp_sendf(c, "PUT /v/new HTTP/1.1\r\nHost: t\r\n" AUTH "Content-Length: %d\r\n\r\n", 1 << 20);
	rp_send(c, buf, sizeof(buf));
	rp_abort(c);
	/* sends its header and part of the body, then nothing */
	c = rp_connect(&d);
	rp_sendf(c, "PUT /v/stall HTTP/1.1\r\nHost: t\r\n" AUTH "Content-Length: %d\r\n\r\n", 1 << 20);
	rp_send(c, buf, 1000);
	sleep(2);
	wait_idle(&d);
	rp_close(c);
	{
		struct rp_response r;

		rp_get(&d, "/metrics", &r);
		cr_expect_eq(rp_sample((char *)r.body,
		    "ringpushd_uploads_total{outcome=\"aborted\"}"), 3);
		cr_expect_eq(rp_sample((char *)r.body,
		    "ringpushd_uploads_total{outcome=\"failed\"}"), 0);
		rp_response_free(&r);
	}
	/* in the access log: 499 for the two that left, 408 for the one
	 * that went silent, each with the body bytes it did send */
	{
		char *log = wait_access_log(&d, "\"PUT /v/stall");

		cr_expect_not_null(strstr(log, "\"PUT /v/keep HTTP/1.1\" 499 0 "), "%s", log);
		cr_expect_not_null(strstr(log, "\"PUT /v/new HTTP/1.1\" 499 0 "), "%s", log);
		const char *stall = strstr(log, "\"PUT /v/stall HTTP/1.1\" 408 0 ");
		const char *eol = stall != NULL ? strchr(stall, '\n') : NULL;

		cr_assert_not_null(eol, "%s", log);
		cr_expect(eol - stall > 5 && memcmp(eol - 5, " 1000", 5) == 0,
		    "bytes received missing: %.*s", (int)(eol - stall), stall);
		free(log);
	}
	cr_expect_str_eq(listing(&d, "v"), "keep");
	{
		char path[PATH_MAX], *text;

		rp_path(&d, "v/keep", path);
		text = rp_slurp(path, NULL);
		cr_expect_str_eq(text, "keep", "the old file was touched");
		free(text);
	}
	rp_assert_serving(&d);
	rp_stop(&d);
}

/* Readers during replacements see one version whole, never a mix. */
Test(upload, gets_during_replaces_see_whole_versions, .timeout = 120)
{
	enum { SIZE = 512 * 1024, ROUNDS = 20 };
	struct rp_daemon d;
	pid_t writer;
	int status;

	start_upload(&d, NULL);
	cr_assert_eq(put(&d, "/hot", SIZE, 1000, NULL, NULL), 201);
	writer = fork();
	cr_assert(writer >= 0);
	if (writer == 0) {
		for (int i = 1; i <= ROUNDS; i++) {
			struct rp_conn *c = rp_connect(&d);
			struct rp_response r;

			send_put(c, "/hot", SIZE, 1000 + (uint64_t)i, NULL);
			if (rp_read_response(c, &r, false) != RP_OK || r.status != 204)
				_exit(1);
			rp_response_free(&r);
			rp_close(c);
		}
		_exit(0);
	}
	for (int i = 0; i < ROUNDS; i++) {
		struct rp_response r;
		bool whole = false;

		rp_get(&d, "/hot", &r);
		cr_assert_eq(r.status, 200);
		cr_assert_eq(r.body_len, SIZE);
		for (uint64_t v = 1000; v <= 1000 + ROUNDS && !whole; v++)
			whole = rp_pattern_mismatch(v, 0, r.body, r.body_len) == -1;
		cr_expect(whole, "GET %d: a body that is no version whole", i);
		rp_response_free(&r);
	}
	cr_assert_eq(waitpid(writer, &status, 0), writer);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "a replacement failed");
	assert_file_is(&d, "hot", SIZE, 1000 + ROUNDS);
	cr_expect_str_eq(listing(&d, ""), "hot");
	rp_stop(&d);
}

Test(upload, rate_limited, .timeout = 60)
{
	struct rp_daemon d;

	start_upload_set(&d, "[limits]\nrate_per_connection = 1M\n", NULL, NULL);
	cr_expect_eq(put(&d, "/slow", 3 << 20, 9, NULL, NULL), 201);
	assert_file_is(&d, "slow", 3 << 20, 9);
	rp_stop(&d);
}

/* A body that arrives across a reload or a graceful stop completes. */
static void
upload_across_signal(int sig)
{
	static unsigned char buf[1 << 16];
	enum { SIZE = 4 << 20 };
	struct rp_daemon d;
	struct rp_conn *c;
	struct rp_response r;
	int status;

	start_upload(&d, NULL);
	c = rp_connect(&d);
	rp_sendf(c, "PUT /sig HTTP/1.1\r\nHost: t\r\n" AUTH "Content-Length: %d\r\n\r\n", SIZE);
	for (uint64_t off = 0; off < SIZE; off += sizeof(buf)) {
		if (off == SIZE / 2) {
			usleep(100000);
			cr_assert_eq(kill(d.pid, sig), 0);
			usleep(200000);
		}
		rp_pattern(5, off, buf, sizeof(buf));
		rp_send(c, buf, sizeof(buf));
	}
	cr_assert_eq(rp_read_response(c, &r, false), RP_OK);
	cr_expect_eq(r.status, 201);
	rp_response_free(&r);
	rp_close(c);
	assert_file_is(&d, "sig", SIZE, 5);
	if (sig == SIGHUP) {
		rp_stop(&d);
		return;
	}
	for (int tries = 0; tries < 400 && waitpid(d.pid, &status, WNOHANG) == 0; tries++)
		usleep(25000);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d", status);
	d.pid = 0;
}

Test(upload, completes_across_a_reload, .timeout = 60)
{
	upload_across_signal(SIGHUP);
}

Test(upload, completes_across_a_graceful_stop, .timeout = 60)
{
	upload_across_signal(SIGTERM);
}

/* A disk that fills: 507, nothing left, and the daemon serves on. */
Test(upload, full_disk_answers_507, .timeout = 60)
{
	struct rp_daemon d;
	char small[PATH_MAX];

	rp_setup(&d);
	rp_path(&d, "small", small);
	cr_assert_eq(mkdir(small, 0755), 0);
	if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
	    mount("tmpfs", small, "tmpfs", 0, "size=256k") != 0)
		cr_skip_test("cannot mount a small tmpfs here: %s", strerror(errno));
	start_upload_in(&d, NULL, NULL, NULL);
	cr_expect_eq(put(&d, "/small/big", 1 << 20, 4, NULL, NULL), 507);
	cr_expect_str_eq(listing(&d, "small"), "");
	cr_expect_eq(put(&d, "/small/fits", 1000, 4, NULL, NULL), 201);
	assert_file_is(&d, "small/fits", 1000, 4);
	rp_assert_serving(&d);
	rp_stop(&d);
	umount2(small, MNT_DETACH);
}

Test(upload, metrics_count_uploads, .timeout = 30)
{
	struct rp_daemon d;
	struct rp_response r;

	start_upload(&d, STATUS_CONF);
	cr_assert_eq(put(&d, "/m", 1234, 1, NULL, NULL), 201);
	cr_assert_eq(put(&d, "/m", 100, 1, NULL, NULL), 204);
	expect_refused(&d, "PUT /m HTTP/1.1\r\nHost: t\r\n\r\n", 401, "", "m");
	rp_get(&d, "/metrics", &r);
	cr_assert_eq(r.status, 200);
	cr_expect_eq(rp_sample((char *)r.body, "ringpushd_bytes_received_total"), 1334);
	cr_expect_eq(rp_sample((char *)r.body, "ringpushd_uploads_total{outcome=\"created\"}"), 1);
	cr_expect_eq(rp_sample((char *)r.body, "ringpushd_uploads_total{outcome=\"replaced\"}"), 1);
	cr_expect_eq(rp_sample((char *)r.body, "ringpushd_uploads_total{outcome=\"refused\"}"), 1);
	rp_response_free(&r);
	rp_stop(&d);
}

/* Run curl with args (after the common ones); false when curl is not
 * there to run. */
static bool
curl(const struct rp_daemon *d, char *const args[], int *status)
{
	char *argv[32] = { "curl", "-sS", "-f", "--noproxy", "*" };
	char log[PATH_MAX];
	int n = 5;

	for (int i = 0; args[i] != NULL && n < 31; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	snprintf(log, sizeof(log), "%s/curl.out", d->dir);
	*status = rp_run(argv, log, 60, false);
	return !(WIFEXITED(*status) && WEXITSTATUS(*status) == 127);
}

Test(upload, chunked_from_curl, .timeout = 60)
{
	enum { SIZE = (3 << 20) + 17 };
	struct rp_daemon d;
	char src[PATH_MAX + 8], url[128], *out;
	int status;

	start_upload(&d, NULL);
	snprintf(src, sizeof(src), "%s/src", d.dir);
	{
		unsigned char *buf = malloc(SIZE);
		FILE *f = fopen(src, "w");

		cr_assert(buf != NULL && f != NULL);
		rp_pattern(21, 0, buf, SIZE);
		cr_assert_eq(fwrite(buf, 1, SIZE, f), (size_t)SIZE);
		fclose(f);
		free(buf);
	}
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/chunked", d.port);
	/* chunked, and (curl's default above 1 MiB) Expect: 100-continue */
	if (!curl(&d, (char *[]){ "-T", src, "-H", "Transfer-Encoding: chunked",
	    "-H", "Expect: 100-continue", "-u", "x:" TOKEN, url, NULL }, &status))
		cr_skip_test("curl is not installed");
	snprintf(src, sizeof(src), "%s/curl.out", d.dir);
	out = rp_slurp(src, NULL);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "curl: %s", out);
	free(out);
	assert_file_is(&d, "chunked", SIZE, 21);
	/* and the Content-Length path with curl -u */
	snprintf(src, sizeof(src), "%s/src", d.dir);
	curl(&d, (char *[]){ "-T", src, "-u", "x:" TOKEN, url, NULL }, &status);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_file_is(&d, "chunked", SIZE, 21);
	rp_stop(&d);
}

static const char chunked_head[] = "PUT /c HTTP/1.1\r\nHost: t\r\n" AUTH
    "Transfer-Encoding: chunked\r\n\r\n";

Test(upload, chunked_in_small_pieces, .timeout = 60)
{
	static const char body[] = "5;ext=1\r\nhello\r\n1\r\n \r\n00005\r\nworld\r\n0\r\nX-T: 1\r\n\r\n";
	struct rp_daemon d;
	struct rp_conn *c;
	struct rp_response r;
	char path[PATH_MAX], *text;

	start_upload(&d, NULL);
	c = rp_connect(&d);
	rp_sends(c, chunked_head);
	for (size_t i = 0; i < sizeof(body) - 1; i++) {
		rp_send(c, body + i, 1);
		if (i % 8 == 0)
			usleep(2000);   /* so that the pieces arrive apart */
	}
	cr_assert_eq(rp_read_response(c, &r, false), RP_OK);
	cr_expect_eq(r.status, 201, "%s", rp_describe(&r));
	rp_response_free(&r);
	rp_close(c);
	rp_path(&d, "c", path);
	text = rp_slurp(path, NULL);
	cr_expect_str_eq(text, "hello world");
	free(text);
	rp_stop(&d);
}

Test(upload, chunked_refusals_leave_nothing, .timeout = 60)
{
	struct rp_daemon d;
	struct rp_conn *c;
	struct rp_response r;
	static char big[3000];

	start_upload(&d, "upload_max_size = 2000\n");
	/* bad framing */
	c = rp_connect(&d);
	rp_sends(c, chunked_head);
	rp_sends(c, "5\r\nhelloXX\r\n0\r\n\r\n");
	cr_assert_eq(rp_read_response(c, &r, false), RP_OK);
	cr_expect_eq(r.status, 400);
	rp_response_free(&r);
	rp_close(c);
	/* over upload_max_size, found mid-stream */
	memset(big, 'b', sizeof(big));
	c = rp_connect(&d);
	rp_sends(c, chunked_head);
	rp_sendf(c, "%zx\r\n", sizeof(big));
	rp_send_try(c, big, sizeof(big));
	cr_assert_eq(rp_read_response(c, &r, false), RP_OK);
	cr_expect_eq(r.status, 413);
	rp_response_free(&r);
	rp_close(c);
	/* both framings at once */
	expect_refused(&d, "PUT /c HTTP/1.1\r\nHost: t\r\n" AUTH "Content-Length: 5\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, "", "");
	cr_expect_str_eq(listing(&d, ""), "");
	rp_stop(&d);
}

/* Send size pattern bytes (seed) from offset off as one chunk. */
static void
send_chunk(struct rp_conn *c, uint64_t seed, uint64_t off, uint64_t size)
{
	static unsigned char buf[1 << 16];

	rp_sendf(c, "%llx\r\n", (unsigned long long)size);
	for (uint64_t end = off + size; off < end;) {
		size_t n = end - off < sizeof(buf) ? (size_t)(end - off) : sizeof(buf);

		rp_pattern(seed, off, buf, n);
		rp_send(c, buf, n);
		off += n;
	}
	rp_sends(c, "\r\n");
}

/* Long chunks go socket -> pipe -> file once their size line is read:
 * the file holds every byte, in order, whatever the chunk sizes; a long
 * chunk cut short leaves nothing; one past upload_max_size is refused. */
Test(upload, chunked_long_chunks_spliced, .timeout = 60)
{
	static const uint64_t sizes[] = { (3 << 20) + 7, 1, 200000, 65535, 65536, 1 << 20 };
	struct rp_daemon d;
	struct rp_conn *c;
	struct rp_response r;
	uint64_t off = 0;
	char *log;

	start_upload_set(&d, "upload_max_size = 8M\n" STATUS_CONF, NULL, NULL);
	c = rp_connect(&d);
	rp_sends(c, chunked_head);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); off += sizes[i++])
		send_chunk(c, 7, off, sizes[i]);
	rp_sends(c, "0\r\n\r\n");
	cr_assert_eq(rp_read_response(c, &r, false), RP_OK);
	cr_expect_eq(r.status, 201, "%s", rp_describe(&r));
	rp_response_free(&r);
	rp_close(c);
	assert_file_is(&d, "c", off, 7);

	/* a long chunk, its client gone halfway: nothing left, 499 */
	c = rp_connect(&d);
	rp_sends(c, "PUT /cut HTTP/1.1\r\nHost: t\r\n" AUTH
	    "Transfer-Encoding: chunked\r\n\r\n");
	send_chunk(c, 7, 0, 100000);
	{
		static unsigned char half[1 << 20];

		rp_sendf(c, "%x\r\n", 2 << 20);
		rp_pattern(8, 0, half, sizeof(half));
		rp_send(c, half, sizeof(half));
	}
	rp_close(c);
	/* a chunk past upload_max_size: 413, before its data is written */
	c = rp_connect(&d);
	rp_sends(c, "PUT /big HTTP/1.1\r\nHost: t\r\n" AUTH
	    "Transfer-Encoding: chunked\r\n\r\n");
	rp_sendf(c, "%x\r\n", 9 << 20);
	{
		static unsigned char part[1 << 20];

		rp_send_try(c, part, sizeof(part));
	}
	cr_assert_eq(rp_read_response(c, &r, false), RP_OK);
	cr_expect_eq(r.status, 413);
	rp_response_free(&r);
	rp_close(c);
	log = wait_access_log(&d, "\"PUT /cut ");
	cr_expect_not_null(strstr(log, "\"PUT /cut HTTP/1.1\" 499 0 "), "%s", log);
	free(log);
	wait_idle(&d);
	cr_expect_str_eq(listing(&d, ""), "c");
	rp_stop(&d);
}

Test(upload, access_log_shows_method_bytes_and_status, .timeout = 30)
{
	struct rp_daemon d;
	char *log;

	start_upload(&d, NULL);
	cr_assert_eq(put(&d, "/logged", 5000, 1, NULL, NULL), 201);
	expect_refused(&d, "DELETE /logged HTTP/1.1\r\nHost: t\r\n" AUTH "\r\n", 204, "", "");
	log = wait_access_log(&d, "\"DELETE /logged");
	/* combined: "PUT /logged HTTP/1.1" 201 0 ... DURATION 5000 */
	{
		const char *put_line = strstr(log, "\"PUT /logged HTTP/1.1\" 201 0 ");
		const char *eol;

		cr_assert_not_null(put_line, "%s", log);
		eol = strchr(put_line, '\n');
		cr_assert_not_null(eol);
		cr_expect(eol - put_line > 5 && memcmp(eol - 5, " 5000", 5) == 0,
		    "bytes received missing: %.*s", (int)(eol - put_line), put_line);
		cr_expect_not_null(strstr(log, "\"DELETE /logged HTTP/1.1\" 204 0 "), "%s", log);
	}
	free(log);
	rp_stop(&d);
}

/* ringbench rw=write against the daemon: the files it PUTs hold its body,
 * checked by its own read-back (verify=sha256) and here. */
Test(upload, ringbench_write_and_read_back, .timeout = 60)
{
	const char *bench = getenv("RINGBENCH");
	struct rp_daemon d;
	char url[128], log[PATH_MAX + 16], *out, path[PATH_MAX];
	struct stat st;
	int status;

	start_upload(&d, NULL);
	rp_mkdir(&d, "w");
	snprintf(url, sizeof(url), "--url=http://127.0.0.1:%d/w/a,/w/b", d.port);
	snprintf(log, sizeof(log), "%s/bench.out", d.dir);
	{
		char *argv[] = { (char *)(bench != NULL ? bench : "build/ringbench"),
		    "--name=w", url, "--rw=write", "--bs=300k", "--number_ios=9",
		    "--iodepth=3", "--http_user=x", "--http_pass=" TOKEN, "--verify=sha256",
		    "--output-format=ringbench",
		    NULL };

		status = rp_run(argv, log, 60, false);
	}
	out = rp_slurp(log, NULL);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "ringbench: %s", out);
	cr_expect(strstr(out, "requests=9,") != NULL, "%s", out);
	cr_expect(strstr(out, "verify: ok=2, mismatch=0") != NULL, "%s", out);
	cr_expect(strstr(out, "errors: total=0") != NULL, "%s", out);
	free(out);
	rp_path(&d, "w/a", path);
	cr_assert_eq(stat(path, &st), 0);
	cr_expect_eq(st.st_size, 300 * 1024);
	cr_expect_str_eq(listing(&d, "w"), "a b");

	/* a wrong token: every request fails with a status error */
	{
		char *argv[] = { (char *)(bench != NULL ? bench : "build/ringbench"),
		    "--name=w", url, "--rw=write", "--bs=1k", "--number_ios=2",
		    "--http_pass=wrong", NULL };

		status = rp_run(argv, log, 60, false);
	}
	out = rp_slurp(log, NULL);
	cr_expect(strstr(out, "HTTP 401: ") != NULL, "%s", out);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) != 0);
	free(out);
	rp_stop(&d);
}

/* upload_fsync: the new file and its directory are synced before the
 * answer (nothing a test can see but that it still answers right). */
Test(upload, fsync_then_answer, .timeout = 30)
{
	struct rp_daemon d;

	start_upload(&d, "upload_fsync = yes\n");
	cr_expect_eq(put(&d, "/synced", 200000, 31, NULL, NULL), 201);
	cr_expect_eq(put(&d, "/synced", 1000, 32, NULL, NULL), 204);
	assert_file_is(&d, "synced", 1000, 32);
	cr_expect_str_eq(listing(&d, ""), "synced");
	rp_stop(&d);
}
