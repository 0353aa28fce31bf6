/*
 * test_pipes.c: no response is started that cannot be finished.  The
 * splice engine needs a pipe per transfer; the test build's hook
 * ($RINGPUSHD_TEST_PIPES) makes every pipe made after start-up fail with
 * EMFILE, as at the fd limit, or come out at 8 KiB, as past
 * fs.pipe-user-pages-soft, so these tests do not depend on real limits.
 * Without a pipe a body goes by sendfile (cached) or copy (cold) and
 * arrives whole; a shrunk pipe is logged once, counted, and not used
 * for a body the page cache holds.
 */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define MIB (1024 * 1024)
#define BODY_SIZE MIB
#define SEED_COLD 71
#define SEED_WARM 72
/* Concurrent downloads: far more than the pool holds (none, or four). */
#define DOWNLOADS 48

/* Start the test build with its pipe hook (none: NULL) on a listener of
 * engine rp_engine and pipe_pool pipes made at start-up. */
static void
start_hooked(struct rp_daemon *d, const char *hook, unsigned pipe_pool)
{
	char conf[4 * PATH_MAX];
	int n;

	if (rp_test_daemon_path() == NULL)
		cr_skip_test("RINGPUSHD_TEST is not set (make integration sets it)");
	cr_assert_eq(setenv("RINGPUSHD", rp_test_daemon_path(), 1), 0);
	if (hook != NULL)
		cr_assert_eq(setenv("RINGPUSHD_TEST_PIPES", hook, 1), 0);
	n = snprintf(conf, sizeof(conf),
	    "[daemon]\nerror_log = -\naccess_log = %s\nallow_root = yes\n"
	    "pipe_pool = %u\n\n"
	    "[status]\npath = /metrics\n\n"
	    "[listener test]\naddress = 127.0.0.1:0\nroot = %s\nengine = %s\n",
	    d->access_log, pipe_pool, d->root, rp_engine);
	cr_assert(n > 0 && (size_t)n < sizeof(conf));
	rp_start_conf(d, conf);
	if (hook != NULL)
		rp_wait_output(d, "test hook: pipes made on demand", 1);
}

/* Into the page cache: read it all. */
static void
warm(const struct rp_daemon *d, const char *rel)
{
	char path[PATH_MAX];
	size_t len;
	char *bytes;

	rp_path(d, rel, path);
	bytes = rp_slurp(path, &len);
	cr_assert_not_null(bytes);
	cr_assert_eq(len, BODY_SIZE);
	free(bytes);
}

/*
 * n downloads at once: every request is sent before any response is
 * read, on sockets with a small receive buffer, so the daemon holds
 * many bodies in flight.  Each response must be a 200 with the whole
 * body, byte for byte: a body cut after its header fails here.
 */
static void
download_all(const struct rp_daemon *d, const char *const paths[], const uint64_t seeds[],
    unsigned n)
{
	struct rp_conn **conns = calloc(n, sizeof(*conns));

	cr_assert_not_null(conns);
	for (unsigned i = 0; i < n; i++) {
		conns[i] = rp_connect_rcvbuf(d, 32 * 1024);
		rp_sendf(conns[i], "GET %s HTTP/1.1\r\nHost: t\r\n\r\n", paths[i]);
	}
	for (unsigned i = 0; i < n; i++) {
		struct rp_response r;
		int res = rp_read_response(conns[i], &r, false);

		cr_assert_eq(res, RP_OK, "download %u of %s: %s (%zu body bytes)", i, paths[i],
		    rp_result_str(res), r.body_len);
		cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
		cr_assert_eq(r.body_len, BODY_SIZE, "%s", rp_describe(&r));
		cr_assert_eq(rp_pattern_mismatch(seeds[i], 0, r.body, r.body_len), -1,
		    "download %u of %s: wrong bytes", i, paths[i]);
		rp_response_free(&r);
		rp_close(conns[i]);
	}
	free(conns);
}

/* Half the downloads of a file just evicted, half of one just read. */
static void
cold_and_warm(const struct rp_daemon *d, unsigned n)
{
	const char *paths[DOWNLOADS];
	uint64_t seeds[DOWNLOADS];

	cr_assert_leq(n, DOWNLOADS);
	for (unsigned i = 0; i < n; i++) {
		paths[i] = i % 2 == 0 ? "/cold.bin" : "/warm.bin";
		seeds[i] = i % 2 == 0 ? SEED_COLD : SEED_WARM;
	}
	rp_evict(d, "cold.bin");
	warm(d, "warm.bin");
	download_all(d, paths, seeds, n);
}

static void
make_files(struct rp_daemon *d)
{
	rp_setup(d);
	rp_make_file(d, "cold.bin", BODY_SIZE, SEED_COLD);
	rp_make_file(d, "warm.bin", BODY_SIZE, SEED_WARM);
}

static double
fallbacks(const struct rp_daemon *d, const char *reason)
{
	char name[128];

	snprintf(name, sizeof(name), "ringpushd_engine_fallbacks_total{reason=\"%s\"}", reason);
	return rp_metric(d, name);
}

/*
 * No pipe at all (pool empty, none can be made): the bodies fall back,
 * the cold ones to copy and the cached ones to sendfile, and each
 * fallback is counted.  The first transfer of the cold file certainly
 * finds it out of the page cache, so copy carries at least one body.
 * splice: every body wanted a pipe.  auto: only the cold ones did.
 */
static void
no_pipe(bool every_body_wants_one)
{
	struct rp_daemon d;
	double copy0, sendfile0, fell;

	make_files(&d);
	start_hooked(&d, "emfile", 0);
	copy0 = rp_metric(&d, "ringpushd_bytes_sent_total{engine=\"copy\"}");
	sendfile0 = rp_metric(&d, "ringpushd_bytes_sent_total{engine=\"sendfile\"}");
	cold_and_warm(&d, DOWNLOADS);
	cr_assert_geq(rp_metric(&d, "ringpushd_bytes_sent_total{engine=\"copy\"}") - copy0,
	    BODY_SIZE);
	cr_assert_geq(rp_metric(&d, "ringpushd_bytes_sent_total{engine=\"sendfile\"}") -
	    sendfile0, (double)BODY_SIZE * DOWNLOADS / 2);
	fell = fallbacks(&d, "no_pipe");
	if (every_body_wants_one) {
		cr_assert_eq(fell, DOWNLOADS);
	} else {
		cr_assert_geq(fell, 1);
		cr_assert_leq(fell, DOWNLOADS / 2);
	}
	cr_assert_eq(fallbacks(&d, "pipe_shrunk"), 0);
	cr_assert_eq(rp_metric(&d, "ringpushd_pipes_used"), 0);
	rp_wait_output(&d, "splice: no pipe for a transfer", 1);
	rp_stop(&d);
}

Test(pipes, no_pipe_splice, .timeout = 180)
{
	no_pipe(true);
}

Test(pipes, no_pipe_auto, .timeout = 180)
{
	rp_engine = "auto";
	no_pipe(false);
}

/*
 * The pool runs dry while its pipes are lent: four large downloads whose
 * client does not read hold all four, then every download after them
 * falls back (no pipe can be made), and the four still finish, spliced.
 */
Test(pipes, pool_exhausted, .timeout = 180)
{
	enum { HOLDERS = 4, BIG = 64 * MIB, SEED_BIG = 73 };
	struct rp_conn *held[HOLDERS];
	struct rp_daemon d;
	double deadline;

	make_files(&d);
	rp_make_file(&d, "big.bin", BIG, SEED_BIG);
	start_hooked(&d, "emfile", HOLDERS);
	for (unsigned i = 0; i < HOLDERS; i++) {
		held[i] = rp_connect_rcvbuf(&d, 32 * 1024);
		rp_sends(held[i], "GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n");
	}
	/* a 64 MiB body cannot fit in the socket buffers: each holds its
	 * pipe until its client reads */
	deadline = rp_now_s() + rp_io_timeout();
	while (rp_metric(&d, "ringpushd_pipes_used") < HOLDERS && rp_now_s() < deadline)
		usleep(10 * 1000);
	cr_assert_eq(rp_metric(&d, "ringpushd_pipes_used"), HOLDERS);
	cold_and_warm(&d, DOWNLOADS);
	cr_assert_eq(fallbacks(&d, "no_pipe"), DOWNLOADS);
	for (unsigned i = 0; i < HOLDERS; i++) {
		struct rp_response r;
		int res = rp_read_response(held[i], &r, false);

		cr_assert_eq(res, RP_OK, "%s", rp_result_str(res));
		cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
		cr_assert_eq(r.body_len, BIG);
		cr_assert_eq(rp_pattern_mismatch(SEED_BIG, 0, r.body, r.body_len), -1);
		rp_response_free(&r);
		rp_close(held[i]);
	}
	cr_assert_geq(rp_metric(&d, "ringpushd_bytes_sent_total{engine=\"splice\"}"),
	    (double)HOLDERS * BIG);
	rp_stop(&d);
}

/*
 * Two ranges of a file, as multipart/byteranges: the engine is taken
 * again for each part, and with no pipe each part falls back; the
 * answer is whole and each part holds the file's bytes.
 */
Test(pipes, no_pipe_multipart, .timeout = 60)
{
	static const uint64_t first[] = { 100, 500000 }, last[] = { 199999, 999999 };
	struct rp_daemon d;
	struct rp_response r;
	unsigned char *want;
	int res;

	make_files(&d);
	start_hooked(&d, "emfile", 0);
	rp_evict(&d, "cold.bin");
	res = rp_exchange(&d, "GET /cold.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
	    "Range: bytes=100-199999,500000-999999\r\n\r\n", false, &r);
	cr_assert_eq(res, RP_OK, "%s", rp_result_str(res));
	cr_assert_eq(r.status, 206, "%s", rp_describe(&r));
	for (unsigned i = 0; i < 2; i++) {
		size_t len = (size_t)(last[i] - first[i] + 1);

		want = malloc(len);
		cr_assert_not_null(want);
		rp_pattern(SEED_COLD, first[i], want, len);
		cr_assert_not_null(memmem(r.body, r.body_len, want, len), "part %u", i);
		free(want);
	}
	rp_response_free(&r);
	cr_assert_eq(fallbacks(&d, "no_pipe"), 2);
	rp_stop(&d);
}

/*
 * Pipes that come out at 8 KiB: the first is logged as a warning with
 * the sizes and the sysctl's name, once, and every one is counted.  A
 * cold body still splices through one (it arrives whole); a cached body
 * goes by sendfile instead, counted as a fallback.
 */
static void
shrunk(bool every_body_wants_one)
{
	const char *warm_paths[DOWNLOADS / 2];
	uint64_t seeds[DOWNLOADS / 2];
	struct rp_daemon d;
	struct rp_response r;
	char *out;

	make_files(&d);
	start_hooked(&d, "shrunk", 0);
	rp_evict(&d, "cold.bin");
	rp_get(&d, "/cold.bin", &r);
	cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
	cr_assert_eq(r.body_len, BODY_SIZE);
	cr_assert_eq(rp_pattern_mismatch(SEED_COLD, 0, r.body, r.body_len), -1);
	rp_response_free(&r);
	cr_assert_eq(rp_metric(&d, "ringpushd_pipes_shrunk_total"), 1);
	cr_assert_eq(fallbacks(&d, "pipe_shrunk"), 0);
	cr_assert_geq(rp_metric(&d, "ringpushd_bytes_sent_total{engine=\"splice\"}"), BODY_SIZE);

	warm(&d, "warm.bin");
	for (unsigned i = 0; i < DOWNLOADS / 2; i++) {
		warm_paths[i] = "/warm.bin";
		seeds[i] = SEED_WARM;
	}
	download_all(&d, warm_paths, seeds, DOWNLOADS / 2);
	/* splice takes a pipe to learn it is small; auto sends a cached
	 * body by sendfile without one */
	cr_assert_eq(rp_metric(&d, "ringpushd_pipes_shrunk_total"),
	    every_body_wants_one ? 1 + DOWNLOADS / 2 : 1);
	cr_assert_eq(fallbacks(&d, "pipe_shrunk"), every_body_wants_one ? DOWNLOADS / 2 : 0);
	cr_assert_eq(fallbacks(&d, "no_pipe"), 0);
	/* log lines leave through the ring: wait for it, then count */
	rp_wait_output(&d, "fs.pipe-user-pages-soft", 1);
	cr_assert_eq(rp_output_count(&d, "fs.pipe-user-pages-soft"), 1);
	out = rp_daemon_output(&d);
	cr_assert_not_null(strstr(out, "a new pipe holds 8192 bytes, not pipe_size 1048576"),
	    "%s", out);
	free(out);
	rp_stop(&d);
}

Test(pipes, shrunk_splice, .timeout = 120)
{
	shrunk(true);
}

Test(pipes, shrunk_auto, .timeout = 120)
{
	rp_engine = "auto";
	shrunk(false);
}

/*
 * The mmap engine maps the file before the header goes out: when the
 * mapping fails ($RINGPUSHD_TEST_MMAP = enomem), every body still
 * arrives whole, by sendfile or copy, and is counted.
 */
Test(pipes, no_mapping_mmap, .timeout = 180)
{
	struct rp_daemon d;

	rp_engine = "mmap";
	cr_assert_eq(setenv("RINGPUSHD_TEST_MMAP", "enomem", 1), 0);
	make_files(&d);
	start_hooked(&d, NULL, 0);
	cold_and_warm(&d, DOWNLOADS);
	cr_assert_eq(fallbacks(&d, "no_mapping"), DOWNLOADS, "%g", fallbacks(&d, "no_mapping"));
	cr_assert_geq(rp_metric(&d, "ringpushd_bytes_sent_total{engine=\"copy\"}") +
	    rp_metric(&d, "ringpushd_bytes_sent_total{engine=\"sendfile\"}"),
	    (double)BODY_SIZE * DOWNLOADS);
	/* the headers count as mmap's (ringpushd(8)), no body byte does */
	cr_assert_lt(rp_metric(&d, "ringpushd_bytes_sent_total{engine=\"mmap\"}"), BODY_SIZE);
	rp_stop(&d);
}
