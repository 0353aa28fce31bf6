/*
 * test_root_swap.c: deploys that swap a listener's tree without a reload.
 * A new tree renamed over the root path, or a `current` symlink repointed
 * (ln -sfn + mv -T), is served once the daemon has looked at the path
 * again (every open_file_cache_valid, short here); a download in flight
 * finishes with the old tree's bytes; a root path that vanishes keeps the
 * old tree served.  Nothing here measures time: each wait polls, with a
 * generous bound, until the daemon shows what it did.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"

/* The root is looked at again every VALID: short, so the tests are quick. */
#define VALID "200ms"
#define SWAPPED "root of listener test now "
#define BIG_SIZE (192u * 1024)

/* The daemon's configuration, serving root (a path below d->dir) with
 * extra lines for [limits], on d->port (0 before the start). */
static void
swap_conf(const struct rp_daemon *d, const char *root, const char *limits, char *conf,
    size_t cap)
{
	int n = snprintf(conf, cap,
	    "[daemon]\nerror_log = -\naccess_log = %s\nlog_level = info\nallow_root = yes\n"
	    "open_file_cache_valid = " VALID "\n\n"
	    "[limits]\n%s\n"
	    "[listener test]\naddress = 127.0.0.1:%d\nroot = %s/%s\nengine = %s\n",
	    d->access_log, limits, d->port, d->dir, root, rp_engine);

	cr_assert(n > 0 && (size_t)n < cap);
}

static void
start_swap(struct rp_daemon *d, const char *root, const char *limits)
{
	char conf[4 * PATH_MAX];

	swap_conf(d, root, limits, conf, sizeof(conf));
	rp_start_conf(d, conf);
}

/* d->dir/rel */
static void
dir_path(const struct rp_daemon *d, const char *rel, char out[PATH_MAX])
{
	cr_assert((size_t)snprintf(out, PATH_MAX, "%s/%s", d->dir, rel) < PATH_MAX);
}

static void
rename_in_dir(const struct rp_daemon *d, const char *from, const char *to)
{
	char a[PATH_MAX], b[PATH_MAX];

	dir_path(d, from, a);
	dir_path(d, to, b);
	cr_assert_eq(rename(a, b), 0, "rename %s %s: %s", a, b, strerror(errno));
}

/* ln -sfn target link, atomically: a new link renamed over the old one. */
static void
repoint(const struct rp_daemon *d, const char *target, const char *link)
{
	char tmp[PATH_MAX], to[PATH_MAX];

	dir_path(d, "link.tmp", tmp);
	dir_path(d, link, to);
	cr_assert_eq(symlink(target, tmp), 0, "symlink %s: %s", tmp, strerror(errno));
	cr_assert_eq(rename(tmp, to), 0, "rename %s: %s", to, strerror(errno));
}

static bool
body_is(const struct rp_response *r, const char *text)
{
	return r->status == 200 && r->body_len == strlen(text) &&
	    memcmp(r->body, text, r->body_len) == 0;
}

static void
expect_body(const struct rp_daemon *d, const char *path, const char *text)
{
	struct rp_response r;

	rp_get(d, path, &r);
	cr_assert(body_is(&r, text), "%s: want \"%s\", got %s", path, text, rp_describe(&r));
	rp_response_free(&r);
}

static void
expect_status(const struct rp_daemon *d, const char *path, int status)
{
	struct rp_response r;

	rp_get(d, path, &r);
	cr_assert_eq(r.status, status, "%s: %s", path, rp_describe(&r));
	rp_response_free(&r);
}

/*
 * After a swap: GET path until the daemon has logged its swaps-th new root
 * and answers with now.  Until that line, each answer is the old or the
 * new text; once it is in the output, every answer is the new one (the
 * listener's cached files went with the old root).
 */
static void
await_swap(const struct rp_daemon *d, const char *path, const char *before, const char *now,
    int swaps)
{
	for (int tries = 0; tries < 600; tries++) {
		bool logged = rp_output_count(d, SWAPPED) >= swaps;
		struct rp_response r;

		rp_get(d, path, &r);
		if (logged) {
			cr_assert(body_is(&r, now), "after the swap was logged, %s is %s", path,
			    rp_describe(&r));
			rp_response_free(&r);
			return;
		}
		cr_assert(body_is(&r, before) || body_is(&r, now), "%s: %s", path,
		    rp_describe(&r));
		rp_response_free(&r);
		usleep(20000);
	}
	cr_assert_fail("no \"%s\" line %d after 600 requests", SWAPPED, swaps);
}

Test(swap, a_tree_renamed_over_the_root_is_served, .timeout = 120)
{
	struct rp_daemon d;

	rp_setup(&d);
	rp_write_file(&d, "site/f.txt", "one\n", 4);
	rp_write_file(&d, "site/only-old.txt", "old\n", 4);
	rp_write_file(&d, "next/f.txt", "two\n", 4);
	rp_write_file(&d, "next/only-new.txt", "new\n", 4);
	start_swap(&d, "root/site", "");
	/* twice: the second answer comes from the open-file cache */
	expect_body(&d, "/f.txt", "one\n");
	expect_body(&d, "/f.txt", "one\n");

	rename_in_dir(&d, "root/site", "root/old");
	rename_in_dir(&d, "root/next", "root/site");
	await_swap(&d, "/f.txt", "one\n", "two\n", 1);
	expect_status(&d, "/only-old.txt", 404);
	expect_body(&d, "/only-new.txt", "new\n");

	/* a reload opens the path afresh, and the new listener follows the
	 * next swap as well */
	{
		char conf[4 * PATH_MAX];
		FILE *f;

		/* the port it has: the listener keeps its socket */
		swap_conf(&d, "root/site", "", conf, sizeof(conf));
		f = fopen(d.conf, "w");
		cr_assert_not_null(f);
		fputs(conf, f);
		cr_assert_eq(fclose(f), 0);
	}
	cr_assert_eq(kill(d.pid, SIGHUP), 0);
	rp_wait_output(&d, " applied (", 1);
	expect_body(&d, "/f.txt", "two\n");
	rp_write_file(&d, "third/f.txt", "three\n", 6);
	rename_in_dir(&d, "root/site", "root/older");
	rename_in_dir(&d, "root/third", "root/site");
	await_swap(&d, "/f.txt", "two\n", "three\n", 2);
	rp_stop(&d);
}

Test(swap, a_repointed_symlink_is_served, .timeout = 120)
{
	struct rp_daemon d;
	char link[PATH_MAX];

	rp_setup(&d);
	rp_write_file(&d, "v1/f.txt", "one\n", 4);
	rp_write_file(&d, "v1/index.html", "index one\n", 10);
	rp_write_file(&d, "v2/f.txt", "two\n", 4);
	rp_write_file(&d, "v2/index.html", "index two\n", 10);
	dir_path(&d, "current", link);
	cr_assert_eq(symlink("root/v1", link), 0);
	start_swap(&d, "current", "");
	expect_body(&d, "/f.txt", "one\n");
	expect_body(&d, "/", "index one\n");

	repoint(&d, "root/v2", "current");
	await_swap(&d, "/f.txt", "one\n", "two\n", 1);
	expect_body(&d, "/", "index two\n");
	/* and back, as a rollback does */
	repoint(&d, "root/v1", "current");
	await_swap(&d, "/f.txt", "two\n", "one\n", 2);
	expect_body(&d, "/", "index one\n");
	rp_stop(&d);
}

/* Remove dir (files only, then the directory): the old release deleted
 * while a download from it is still going. */
static void
remove_tree(const struct rp_daemon *d, const char *rel, const char *const files[])
{
	char path[PATH_MAX];

	for (int i = 0; files[i] != NULL; i++) {
		char name[PATH_MAX];

		cr_assert((size_t)snprintf(name, sizeof(name), "%s/%s", rel, files[i]) < sizeof(name));
		rp_path(d, name, path);
		cr_assert_eq(unlink(path), 0, "unlink %s: %s", path, strerror(errno));
	}
	rp_path(d, rel, path);
	cr_assert_eq(rmdir(path), 0, "rmdir %s: %s", path, strerror(errno));
}

Test(swap, a_download_in_flight_keeps_the_old_bytes, .timeout = 120)
{
	static const char *const old_files[] = { "big.bin", NULL };
	struct rp_daemon d;
	struct rp_conn *c;
	struct rp_response r;
	unsigned char *body;
	char link[PATH_MAX], line[128], *log;
	size_t got = 0;

	rp_setup(&d);
	rp_make_file(&d, "v1/big.bin", BIG_SIZE, 1);
	rp_make_file(&d, "v2/big.bin", BIG_SIZE, 2);
	dir_path(&d, "current", link);
	cr_assert_eq(symlink("root/v1", link), 0);
	/* slow enough to be in flight across the swap: a few seconds */
	start_swap(&d, "current", "rate_per_connection = 64K\n");

	c = rp_connect(&d);
	rp_sends(c, "GET /big.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
	cr_assert_eq(rp_read_head(c, &r), RP_OK);
	cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
	cr_assert_eq(r.content_length, BIG_SIZE);
	body = malloc(BIG_SIZE);
	cr_assert_not_null(body);
	while (got < 4096) {
		ssize_t n = rp_read_some(c, body + got, BIG_SIZE - got);

		cr_assert(n > 0, "%s", rp_result_str((int)n));
		got += (size_t)n;
	}

	/* the new release in place, the old one deleted under the transfer */
	repoint(&d, "root/v2", "current");
	remove_tree(&d, "v1", old_files);
	rp_wait_output(&d, SWAPPED, 1);
	{
		struct rp_response part;
		unsigned char want[1024];

		cr_assert_eq(rp_exchange(&d, "GET /big.bin HTTP/1.1\r\nHost: t\r\nRange: bytes=0-1023"
		    "\r\nConnection: close\r\n\r\n", false, &part), RP_OK);
		cr_assert_eq(part.status, 206, "%s", rp_describe(&part));
		cr_assert_eq(part.body_len, sizeof(want));
		rp_pattern(2, 0, want, sizeof(want));
		cr_assert_eq(memcmp(part.body, want, sizeof(want)), 0, "the new tree's bytes");
		rp_response_free(&part);
	}
	cr_assert(got < BIG_SIZE, "the download ended before the swap: the rate is too high");

	while (got < BIG_SIZE) {
		ssize_t n = rp_read_some(c, body + got, BIG_SIZE - got);

		cr_assert(n > 0, "at %zu of %u: %s", got, BIG_SIZE, rp_result_str((int)n));
		got += (size_t)n;
	}
	cr_assert_eq(rp_pattern_mismatch(1, 0, body, BIG_SIZE), -1, "the old tree's bytes, intact");
	free(body);
	rp_response_free(&r);
	rp_close(c);

	/* the access log has the whole download */
	snprintf(line, sizeof(line), "\"GET /big.bin HTTP/1.1\" 200 %u ", BIG_SIZE);
	for (int tries = 0; tries < 600; tries++) {
		log = rp_slurp(d.access_log, NULL);
		if (log != NULL && strstr(log, line) != NULL)
			break;
		free(log);
		log = NULL;
		usleep(50000);
	}
	cr_assert_not_null(log, "no %s in the access log", line);
	free(log);
	rp_stop(&d);
}

Test(swap, a_vanished_root_keeps_the_old_tree, .timeout = 120)
{
	struct rp_daemon d;

	rp_setup(&d);
	rp_write_file(&d, "site/f.txt", "one\n", 4);
	start_swap(&d, "root/site", "");
	expect_body(&d, "/f.txt", "one\n");

	/* the first half of a swap: the path names nothing */
	rename_in_dir(&d, "root/site", "root/gone");
	rp_wait_output(&d, "No such file or directory: still serving", 1);
	expect_body(&d, "/f.txt", "one\n");
	/* served from the old directory itself, not from what was cached */
	rp_write_file(&d, "gone/added.txt", "added\n", 6);
	expect_body(&d, "/added.txt", "added\n");
	/* said once, not once per look (several looks pass meanwhile) */
	usleep(1000000);
	cr_assert_eq(rp_output_count(&d, "still serving"), 1);

	/* the second half: a new tree at the path */
	rp_write_file(&d, "next/f.txt", "two\n", 4);
	rename_in_dir(&d, "root/next", "root/site");
	await_swap(&d, "/f.txt", "one\n", "two\n", 1);
	expect_status(&d, "/added.txt", 404);
	rp_stop(&d);
}
