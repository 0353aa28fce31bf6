/*
 * test_overlay.c: engine = auto on overlayfs, where cachestat(2) sees no
 * page of any file: the pages belong to the file in the layer below.
 * Each test mounts its own overlay (root only; skipped elsewhere) over a
 * file in the lower layer, as in a container image, or in the upper
 * layer, as a file the container wrote, and reads which engine sent each
 * body from the metrics.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "harness.h"

#define OVERLAY_FILE_SIZE (4u << 20)
#define OVERLAY_SEED 33

static double
bytes_by(const struct rp_daemon *d, const char *engine)
{
	struct rp_response r;
	char label[96], *text;
	double v;

	rp_get(d, "/metrics", &r);
	cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
	text = strndup((const char *)r.body, r.body_len);
	rp_response_free(&r);
	snprintf(label, sizeof(label), "ringpushd_bytes_sent_total{engine=\"%s\"}", engine);
	v = rp_sample(text, label);
	free(text);
	return v;
}

/* Pages of [0, len) of the file at path in memory, by mincore(2). */
static size_t
resident_pages(const char *path, size_t len)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t pages = (len + (size_t)page - 1) / (size_t)page, in = 0;
	unsigned char *vec = malloc(pages);
	int fd = open(path, O_RDONLY);
	void *map;

	cr_assert(fd >= 0 && vec != NULL, "%s: %s", path, strerror(errno));
	map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	cr_assert(map != MAP_FAILED, "mmap %s: %s", path, strerror(errno));
	cr_assert_eq(mincore(map, len, vec), 0);
	for (size_t i = 0; i < pages; i++)
		in += vec[i] & 1;
	munmap(map, len);
	free(vec);
	close(fd);
	return in;
}

/* Drop the file from the page cache.  Pages a finished transfer still
 * holds (in a pipe, in a socket buffer) are dropped only once released:
 * a few tries, a bounded wait. */
static bool
evict(const char *path)
{
	int fd = open(path, O_RDONLY), tries;

	cr_assert(fd >= 0, "%s: %s", path, strerror(errno));
	/* written back first: dirty pages cannot be dropped */
	cr_assert_eq(fdatasync(fd), 0);
	for (tries = 0; tries < 100; tries++) {
		cr_assert_eq(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED), 0);
		if (resident_pages(path, OVERLAY_FILE_SIZE) == 0)
			break;
		usleep(20000);
	}
	close(fd);
	return tries < 100;
}

/* Read [0, len) of path into the page cache, and no more: read-ahead
 * could bring in the rest. */
static void
warm(const char *path, size_t len)
{
	char *buf = malloc(len);
	int fd = open(path, O_RDONLY);

	cr_assert(fd >= 0 && buf != NULL);
	cr_assert_eq(posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM), 0);
	cr_assert_eq(pread(fd, buf, len, 0), (ssize_t)len);
	free(buf);
	close(fd);
}

/* GET path (with an optional Range) and check the bytes. */
static void
fetch(const struct rp_daemon *d, const char *range, uint64_t off, uint64_t len)
{
	struct rp_response r;
	char raw[256];

	snprintf(raw, sizeof(raw), "GET /f.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%s%s"
	    "Connection: close\r\n\r\n", range ? "Range: " : "", range ? range : "",
	    range ? "\r\n" : "");
	cr_assert_eq(rp_exchange(d, raw, false, &r), RP_OK, "%s", rp_describe(&r));
	cr_assert_eq(r.status, range ? 206 : 200, "%s", rp_describe(&r));
	cr_assert_eq(r.body_len, len);
	cr_assert_eq(rp_pattern_mismatch(OVERLAY_SEED, off, r.body, r.body_len), -1);
	rp_response_free(&r);
}

/* Which engine sends the next request's bytes: sendfile or splice. */
static void
expect_engine(const struct rp_daemon *d, const char *range, uint64_t off,
    uint64_t len, const char *engine, const char *why)
{
	double splice0 = bytes_by(d, "splice"), sendfile0 = bytes_by(d, "sendfile");
	bool by_sendfile = strcmp(engine, "sendfile") == 0;

	fetch(d, range, off, len);
	cr_assert_geq(bytes_by(d, engine) - (by_sendfile ? sendfile0 : splice0),
	    (double)len, "%s must go by %s", why, engine);
	/* The last chunk of the previous body may be counted after its bytes
	 * reached the client, so only a share of this body proves a wrong
	 * choice: auto never splits a body between engines. */
	cr_assert_lt(bytes_by(d, by_sendfile ? "splice" : "sendfile") -
	    (by_sendfile ? splice0 : sendfile0), (double)len / 2,
	    "%s must not go by the other engine", why);
}

/*
 * The file at layer/f.bin (layer: "lower" or "upper") of an overlay on
 * d->dir/ov, served through the overlay by engine = auto: out of memory by
 * splice, half in memory by splice, a range within the half by sendfile,
 * all in memory by sendfile.
 */
static void
auto_follows_the_layer_below(const char *layer)
{
	struct rp_daemon d;
	size_t pages = OVERLAY_FILE_SIZE / (size_t)sysconf(_SC_PAGESIZE);
	char conf[4096], top[PATH_MAX], merged[PATH_MAX - 16], rel[64], why[512];
	char file[PATH_MAX], served[PATH_MAX];

	/* The layers must not lie on an overlay themselves (RP_TEST_OVERLAY):
	 * overlayfs refuses an upper layer on overlayfs. */
	unsetenv("RP_TEST_OVERLAY");
	rp_engine = "auto";
	rp_setup(&d);
	snprintf(rel, sizeof(rel), "../ov/%s/f.bin", layer);
	rp_make_file(&d, rel, OVERLAY_FILE_SIZE, OVERLAY_SEED);
	rp_path(&d, rel, file);
	snprintf(top, sizeof(top), "%s/ov", d.dir);
	if (rp_overlay_mount(top, merged, sizeof(merged), why, sizeof(why)) != 0)
		cr_skip_test("no overlay here: %s", why);
	snprintf(served, sizeof(served), "%s/f.bin", merged);
	if (!evict(file))
		cr_skip_test("this file system keeps %s in memory", file);

	rp_default_conf(&d, conf, sizeof(conf));
	rp_conf_set(conf, sizeof(conf), "root", merged);
	snprintf(conf + strlen(conf), sizeof(conf) - strlen(conf), "\n[status]\npath = /metrics\n");
	rp_start_conf(&d, conf);

	expect_engine(&d, NULL, 0, OVERLAY_FILE_SIZE, "splice", "a file out of memory");

	cr_assert(evict(file), "the file left memory before");
	warm(served, OVERLAY_FILE_SIZE / 2);
	cr_assert_eq(resident_pages(file, OVERLAY_FILE_SIZE / 2), pages / 2,
	    "reading through the overlay fills the page cache of the file below");
	cr_assert_lt(resident_pages(file, OVERLAY_FILE_SIZE), pages,
	    "read-ahead is off: the second half stays out");
	expect_engine(&d, NULL, 0, OVERLAY_FILE_SIZE, "splice", "a file half in memory");

	cr_assert(evict(file), "the file left memory before");
	warm(served, OVERLAY_FILE_SIZE / 2);
	expect_engine(&d, "bytes=4096-1048575", 4096, 1048576 - 4096, "sendfile",
	    "a range in memory");

	warm(served, OVERLAY_FILE_SIZE);
	expect_engine(&d, NULL, 0, OVERLAY_FILE_SIZE, "sendfile", "a file in memory");
	rp_stop(&d);
}

Test(overlay, auto_follows_the_page_cache_of_a_lower_file, .timeout = 120)
{
	auto_follows_the_layer_below("lower");
}

Test(overlay, auto_follows_the_page_cache_of_an_upper_file, .timeout = 120)
{
	auto_follows_the_layer_below("upper");
}
