/*
 * test_open_path.c: the daemon's own open (openat2 on the ring, with the
 * listener's open_how) and the counters around it.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "harness.h"

static void
start_with(struct rp_daemon *d, const char *daemon_keys, const char *listener_keys)
{
	char conf[4 * PATH_MAX];
	int n = snprintf(conf, sizeof(conf),
	    "[daemon]\nerror_log = -\naccess_log = off\nallow_root = yes\n%s\n"
	    "[status]\npath = /metrics\n\n"
	    "[listener test]\naddress = 127.0.0.1:0\nroot = %s\n%s",
	    daemon_keys, d->root, listener_keys);

	cr_assert(n > 0 && (size_t)n < sizeof(conf));
	rp_start_conf(d, conf);
}

Test(open_path, cache_off_counts_every_open_as_a_miss)
{
	struct rp_daemon d;
	struct rp_response r;

	rp_setup(&d);
	rp_write_file(&d, "f.txt", "data\n", 5);
	start_with(&d, "open_file_cache = 0\n", "");
	for (int i = 0; i < 5; i++) {
		rp_get(&d, "/f.txt", &r);
		cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
		rp_response_free(&r);
	}
	cr_assert_eq(rp_metric(&d, "ringpushd_file_open_total{result=\"ok\"}"), 5);
	cr_assert_eq(rp_metric(&d, "ringpushd_open_file_cache_hits_total"), 0);
	cr_assert_eq(rp_metric(&d, "ringpushd_open_file_cache_misses_total"), 5);
	rp_stop(&d);
}

/*
 * The tree of the open tests: root/ holds files, a directory, links that
 * stay inside and links that leave it; outside/secret sits next to root/.
 */
static void
escape_tree(struct rp_daemon *d)
{
	char outside[PATH_MAX], secret[PATH_MAX + 16], link[PATH_MAX], target[PATH_MAX + 16];
	FILE *f;

	rp_setup(d);
	rp_write_file(d, "file", "file\n", 5);
	rp_write_file(d, "dir/inner", "inner\n", 6);
	snprintf(outside, sizeof(outside), "%s/outside", d->dir);
	cr_assert_eq(mkdir(outside, 0755), 0, "%s", strerror(errno));
	snprintf(secret, sizeof(secret), "%s/secret", outside);
	f = fopen(secret, "w");
	cr_assert_not_null(f);
	fputs("SECRET\n", f);
	cr_assert_eq(fclose(f), 0);

	static const struct { const char *name, *target; } links[] = {
		{ "in_link", "dir/inner" },             /* inside: followed */
		{ "dir/up_link", "../file" },           /* .. that stays inside */
		{ "dir_link", "dir" },                  /* a directory inside */
		{ "out_link", "../outside/secret" },    /* leaves the root */
		{ "out_dir", "../outside" },            /* a directory outside */
		{ "dir/deep_out", "../../outside/secret" },
		{ "proc_link", "/proc/self/root" },     /* absolute and magic */
		{ "fd_link", "/proc/self/fd/0" },       /* a magic link */
		{ "loop", "loop" },
	};
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		rp_path(d, links[i].name, link);
		cr_assert_eq(symlink(links[i].target, link), 0, "%s: %s", links[i].name,
		    strerror(errno));
	}
	/* an absolute link to a file inside the root still resolves from "/" */
	rp_path(d, "abs_link", link);
	rp_path(d, "file", target);
	cr_assert_eq(symlink(target, link), 0);
	rp_path(d, "fifo", link);
	cr_assert_eq(mkfifo(link, 0644), 0, "%s", strerror(errno));
}

/* GET path; the status, and the body never holds the secret. */
static int
get_status(const struct rp_daemon *d, const char *path, const char *want_body)
{
	struct rp_response r;
	int status;

	rp_get(d, path, &r);
	status = r.status;
	cr_assert(r.body == NULL || memmem(r.body, r.body_len, "SECRET", 6) == NULL,
	    "%s served the file outside the root", path);
	if (want_body != NULL && status == 200)
		cr_assert(r.body_len == strlen(want_body) &&
		    memcmp(r.body, want_body, r.body_len) == 0, "%s: %s", path, rp_describe(&r));
	rp_response_free(&r);
	return status;
}

struct open_case {
	const char *path;
	int status;                 /* beneath (the default) */
	int status_no_links;        /* follow_symlinks = no */
	const char *body;
};

/* The cases of file_open_beneath()'s unit tests, through the daemon's
 * own open: IORING_OP_OPENAT2 with the listener's open_how. */
static const struct open_case open_cases[] = {
	{ "/file", 200, 200, "file\n" },
	{ "/dir/inner", 200, 200, "inner\n" },
	{ "//dir//inner", 200, 200, "inner\n" },
	{ "/in_link", 200, 404, "inner\n" },
	{ "/dir/up_link", 200, 404, "file\n" },
	{ "/dir_link/inner", 200, 404, "inner\n" },
	{ "/missing", 404, 404, NULL },
	{ "/file/x", 404, 404, NULL },
	{ "/out_link", 404, 404, NULL },
	{ "/out_dir/secret", 404, 404, NULL },
	{ "/dir/deep_out", 404, 404, NULL },
	{ "/abs_link", 404, 404, NULL },
	{ "/proc_link", 404, 404, NULL },
	{ "/proc_link/etc/passwd", 404, 404, NULL },
	{ "/fd_link", 404, 404, NULL },
	{ "/loop", 404, 404, NULL },
	{ "/fifo", 403, 403, NULL },
};

static void
check_open_cases(bool no_links)
{
	struct rp_daemon d;

	escape_tree(&d);
	start_with(&d, "open_file_cache = 0\n", no_links ? "follow_symlinks = no\n" : "");
	for (size_t i = 0; i < sizeof(open_cases) / sizeof(open_cases[0]); i++) {
		const struct open_case *oc = &open_cases[i];
		int want = no_links ? oc->status_no_links : oc->status;
		int got = get_status(&d, oc->path, oc->body);

		cr_expect_eq(got, want, "%s: %d, want %d", oc->path, got, want);
	}
	/* the FIFO's open did not wait for a writer: the daemon still serves */
	rp_assert_serving(&d);
	rp_stop(&d);
}

Test(open_path, escapes_are_refused_by_the_ring_open, .timeout = 60)
{
	check_open_cases(false);
}

Test(open_path, no_symlinks_by_the_ring_open, .timeout = 60)
{
	check_open_cases(true);
}

/* Dot segments, raw or percent-encoded, never reach the open. */
Test(open_path, dot_segments_never_leave_the_root, .timeout = 60)
{
	static const char *const paths[] = {
		"/..", "/../outside/secret", "/dir/../../outside/secret",
		"/%2e%2e/outside/secret", "/%2E%2E/outside/secret",
		"/dir/%2e%2e/%2e%2e/outside/secret", "/..%2foutside%2fsecret",
		"/dir/..%2f..%2foutside/secret", "/%2e%2e%2foutside%2fsecret",
		"/.%2e/outside/secret", "/dir/.%2e/.%2e/outside/secret",
	};
	struct rp_daemon d;

	escape_tree(&d);
	start_with(&d, "open_file_cache = 0\n", "");
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		int got = get_status(&d, paths[i], NULL);

		cr_expect(got == 400 || got == 404, "%s: %d", paths[i], got);
	}
	rp_stop(&d);
}
