/*
 * test_file.c: ranges, entity tags, conditional requests, content types
 * and the root-confined open, including symlink and ".." escapes on a real
 * directory tree.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "file.h"

struct range_case {
	const char *v;
	uint64_t size;
	enum range_result want;
	uint64_t first, last;
};

static const struct range_case range_cases[] = {
	{ "bytes=0-0", 100, RANGE_OK, 0, 0 },
	{ "bytes=0-99", 100, RANGE_OK, 0, 99 },
	{ "bytes=10-19", 100, RANGE_OK, 10, 19 },
	{ "bytes=99-99", 100, RANGE_OK, 99, 99 },
	{ "bytes=0-", 100, RANGE_OK, 0, 99 },
	{ "bytes=50-", 100, RANGE_OK, 50, 99 },
	{ "bytes=99-", 100, RANGE_OK, 99, 99 },
	{ "bytes=-1", 100, RANGE_OK, 99, 99 },
	{ "bytes=-10", 100, RANGE_OK, 90, 99 },
	{ "bytes=-100", 100, RANGE_OK, 0, 99 },
	{ "BYTES=1-2", 100, RANGE_OK, 1, 2 },
	{ "Bytes=007-008", 100, RANGE_OK, 7, 8 },
	/* clamping */
	{ "bytes=90-1000", 100, RANGE_OK, 90, 99 },
	{ "bytes=0-18446744073709551615", 100, RANGE_OK, 0, 99 },
	{ "bytes=-1000", 100, RANGE_OK, 0, 99 },
	{ "bytes=-18446744073709551615", 100, RANGE_OK, 0, 99 },
	{ "bytes=18446744073709551614-", UINT64_MAX, RANGE_OK,
	  UINT64_MAX - 1, UINT64_MAX - 1 },
	/* unsatisfiable */
	{ "bytes=100-", 100, RANGE_UNSATISFIABLE, 0, 0 },
	{ "bytes=100-200", 100, RANGE_UNSATISFIABLE, 0, 0 },
	{ "bytes=18446744073709551615-", 100, RANGE_UNSATISFIABLE, 0, 0 },
	{ "bytes=-0", 100, RANGE_UNSATISFIABLE, 0, 0 },
	{ "bytes=-000", 100, RANGE_UNSATISFIABLE, 0, 0 },
	{ "bytes=0-", 0, RANGE_UNSATISFIABLE, 0, 0 },
	{ "bytes=0-0", 0, RANGE_UNSATISFIABLE, 0, 0 },
	{ "bytes=-0", 0, RANGE_UNSATISFIABLE, 0, 0 },
	/* empty file, suffix range: the whole (empty) file */
	{ "bytes=-5", 0, RANGE_NONE, 0, 0 },
	/* ignored */
	{ "", 100, RANGE_NONE, 0, 0 },
	{ "bytes", 100, RANGE_NONE, 0, 0 },
	{ "bytes=", 100, RANGE_NONE, 0, 0 },
	{ "bytes=-", 100, RANGE_NONE, 0, 0 },
	{ "bytes=--1", 100, RANGE_NONE, 0, 0 },
	{ "bytes=5", 100, RANGE_NONE, 0, 0 },
	{ "bytes=5-4", 100, RANGE_NONE, 0, 0 },
	{ "bytes=200-100", 100, RANGE_NONE, 0, 0 },
	{ "bytes=a-b", 100, RANGE_NONE, 0, 0 },
	{ "bytes=0x1-2", 100, RANGE_NONE, 0, 0 },
	{ "bytes=+1-2", 100, RANGE_NONE, 0, 0 },
	{ "bytes=1-+2", 100, RANGE_NONE, 0, 0 },
	{ "bytes=1-2-3", 100, RANGE_NONE, 0, 0 },
	{ "bytes=1-2x", 100, RANGE_NONE, 0, 0 },
	{ "bytes=0 -1", 100, RANGE_NONE, 0, 0 },
	{ "bytes=0- 1", 100, RANGE_NONE, 0, 0 },
	{ "bytes =0-1", 100, RANGE_NONE, 0, 0 },
	{ "bits=0-1", 100, RANGE_NONE, 0, 0 },
	{ "items=0-1", 100, RANGE_NONE, 0, 0 },
	{ "bytes:0-1", 100, RANGE_NONE, 0, 0 },
	{ "bytes=0-1,5-6", 100, RANGE_NONE, 0, 0 },
	{ "bytes=0-1, 5-6", 100, RANGE_NONE, 0, 0 },
	{ "bytes=-5,0-1", 100, RANGE_NONE, 0, 0 },
	{ "bytes=,", 100, RANGE_NONE, 0, 0 },
	{ "bytes= ", 100, RANGE_NONE, 0, 0 },
	/* #list (RFC 9110 5.6.1): OWS around elements, empty elements */
	{ "bytes= 0-1", 100, RANGE_OK, 0, 1 },
	{ "bytes=0-1 ", 100, RANGE_OK, 0, 1 },
	{ "bytes=\t0-1\t", 100, RANGE_OK, 0, 1 },
	{ "bytes=0-1,", 100, RANGE_OK, 0, 1 },
	{ "bytes=, ,5- ,", 100, RANGE_OK, 5, 99 },
	{ "bytes=200-300,0-1", 100, RANGE_NONE, 0, 0 },
	/* overflow */
	{ "bytes=18446744073709551616-", 100, RANGE_NONE, 0, 0 },
	{ "bytes=0-18446744073709551616", 100, RANGE_NONE, 0, 0 },
	{ "bytes=-18446744073709551616", 100, RANGE_NONE, 0, 0 },
	{ "bytes=99999999999999999999999999-", 100, RANGE_NONE, 0, 0 },
};

Test(range, table)
{
	size_t i;

	for (i = 0; i < sizeof(range_cases) / sizeof(range_cases[0]); i++) {
		const struct range_case *c = &range_cases[i];
		uint64_t first = 12345, last = 12345;
		enum range_result r;

		r = range_parse(c->v, strlen(c->v), c->size, &first, &last);
		cr_assert_eq(r, c->want, "\"%s\" size %llu: got %d want %d",
		    c->v, (unsigned long long)c->size, r, c->want);
		if (r == RANGE_OK) {
			cr_assert_eq(first, c->first, "\"%s\" first %llu", c->v,
			    (unsigned long long)first);
			cr_assert_eq(last, c->last, "\"%s\" last %llu", c->v,
			    (unsigned long long)last);
		} else {
			/* Outputs untouched unless RANGE_OK. */
			cr_assert_eq(first, 12345);
			cr_assert_eq(last, 12345);
		}
	}
}

Test(range, length_bounds_the_read)
{
	uint64_t first, last;

	/* "bytes=1-23" cut to "bytes=1-2" */
	cr_assert_eq(range_parse("bytes=1-23", 9, 100, &first, &last), RANGE_OK);
	cr_assert_eq(last, 2);
	cr_assert_eq(range_parse("bytes=1-23", 5, 100, &first, &last), RANGE_NONE);
}

Test(etag, format_and_change)
{
	char a[FILE_ETAG_MAX], b[FILE_ETAG_MAX];

	file_etag(0x20, 1, 5, a);
	cr_assert_str_eq(a, "\"3b9aca05-20\"");
	file_etag(0x21, 1, 5, b);
	cr_assert_str_neq(a, b);
	file_etag(0x20, 1, 6, b);
	cr_assert_str_neq(a, b);
	file_etag(0x20, 2, 5, b);
	cr_assert_str_neq(a, b);
	/* The longest tag fits, quoted. */
	file_etag(UINT64_MAX, -1, 999999999, b);
	cr_assert_lt(strlen(b), FILE_ETAG_MAX);
	cr_assert_eq(b[0], '"');
	cr_assert_eq(b[strlen(b) - 1], '"');
}

static struct http_request
request_with(const char *inm, const char *ims, const char *if_range)
{
	struct http_request r;

	memset(&r, 0, sizeof(r));
	r.method = HTTP_GET;
	if (inm != NULL) {
		r.if_none_match.p = inm;
		r.if_none_match.len = strlen(inm);
	}
	if (ims != NULL) {
		r.if_modified_since.p = ims;
		r.if_modified_since.len = strlen(ims);
	}
	if (if_range != NULL) {
		r.if_range.p = if_range;
		r.if_range.len = strlen(if_range);
	}
	return r;
}

#define ETAG "\"abc-1\""
#define MTIME ((time_t)784111777)       /* Sun, 06 Nov 1994 08:49:37 GMT */
#define MTIME_STR "Sun, 06 Nov 1994 08:49:37 GMT"
#define BEFORE_STR "Sun, 06 Nov 1994 08:49:36 GMT"
#define AFTER_STR "Sun, 06 Nov 1994 08:49:38 GMT"
#define NOW ((time_t)1700000000)        /* the response's Date */

Test(conditional, if_none_match)
{
	static const struct {
		const char *v;
		int want;
	} cases[] = {
		{ ETAG, 304 },
		{ "W/" ETAG, 304 },
		{ "*", 304 },
		{ "\"x\", " ETAG, 304 },
		{ "\"x\",W/" ETAG ",\"y\"", 304 },
		{ " ,\"x\" , " ETAG " ", 304 },
		{ "\"a,b\", " ETAG, 304 },
		{ "\"abc-2\"", 0 },
		{ "\"abc-1", 0 },
		{ "abc-1", 0 },
		{ "w/" ETAG, 0 },
		{ "\"ABC-1\"", 0 },
		{ "\"x\" " ETAG, 0 },
		{ "\"x\";" ETAG, 0 },
		{ "*, " ETAG, 0 },
		{ "", 0 },
		{ "\"\"", 0 },
	};
	struct http_request r;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = request_with(cases[i].v, NULL, NULL);
		cr_assert_eq(file_conditional(&r, ETAG, MTIME, NOW), cases[i].want,
		    "%s", cases[i].v);
	}
	/* A weak tag of our own matches weakly too. */
	r = request_with(ETAG, NULL, NULL);
	cr_assert_eq(file_conditional(&r, "W/" ETAG, MTIME, NOW), 304);
}

Test(conditional, if_modified_since)
{
	struct http_request r;

	r = request_with(NULL, MTIME_STR, NULL);
	cr_assert_eq(file_conditional(&r, ETAG, MTIME, NOW), 304);
	r = request_with(NULL, AFTER_STR, NULL);
	cr_assert_eq(file_conditional(&r, ETAG, MTIME, NOW), 304);
	r = request_with(NULL, BEFORE_STR, NULL);
	cr_assert_eq(file_conditional(&r, ETAG, MTIME, NOW), 0);
	r = request_with(NULL, "Sunday, 06-Nov-94 08:49:37 GMT", NULL);
	cr_assert_eq(file_conditional(&r, ETAG, MTIME, NOW), 304);
	/* Unparsable: ignored. */
	r = request_with(NULL, "yesterday", NULL);
	cr_assert_eq(file_conditional(&r, ETAG, MTIME, NOW), 0);
	r = request_with(NULL, MTIME_STR " ", NULL);
	cr_assert_eq(file_conditional(&r, ETAG, MTIME, NOW), 0);
	/* Only GET and HEAD. */
	r = request_with(NULL, MTIME_STR, NULL);
	r.method = HTTP_HEAD;
	cr_assert_eq(file_conditional(&r, ETAG, MTIME, NOW), 304);
	r.method = HTTP_POST;
	cr_assert_eq(file_conditional(&r, ETAG, MTIME, NOW), 0);
	/* Nothing conditional. */
	r = request_with(NULL, NULL, NULL);
	cr_assert_eq(file_conditional(&r, ETAG, MTIME, NOW), 0);
}

Test(conditional, if_none_match_takes_precedence)
{
	struct http_request r;

	/* Tag differs, date says not modified: the tag decides. */
	r = request_with("\"other\"", AFTER_STR, NULL);
	cr_assert_eq(file_conditional(&r, ETAG, MTIME, NOW), 0);
	/* Tag matches, date says modified: the tag decides. */
	r = request_with(ETAG, BEFORE_STR, NULL);
	cr_assert_eq(file_conditional(&r, ETAG, MTIME, NOW), 304);
	/* Present but malformed still hides If-Modified-Since. */
	r = request_with("garbage", AFTER_STR, NULL);
	cr_assert_eq(file_conditional(&r, ETAG, MTIME, NOW), 0);
}

Test(conditional, if_range)
{
	struct http_request r;

	r = request_with(NULL, NULL, NULL);
	cr_assert(file_if_range(&r, ETAG));
	r = request_with(NULL, NULL, ETAG);
	cr_assert(file_if_range(&r, ETAG));
	r = request_with(NULL, NULL, "\"abc-2\"");
	cr_assert(!file_if_range(&r, ETAG));
	/* Strong comparison: weak tags never match, on either side. */
	r = request_with(NULL, NULL, "W/" ETAG);
	cr_assert(!file_if_range(&r, ETAG));
	r = request_with(NULL, NULL, ETAG);
	cr_assert(!file_if_range(&r, "W/" ETAG));
	r = request_with(NULL, NULL, "\"abc-1");
	cr_assert(!file_if_range(&r, "\"abc-1"));
	/* Dates are not strong validators here: never a match, not even
	 * an exact one. */
	r = request_with(NULL, NULL, MTIME_STR);
	cr_assert(!file_if_range(&r, ETAG));
	r = request_with(NULL, NULL, AFTER_STR);
	cr_assert(!file_if_range(&r, ETAG));
	r = request_with(NULL, NULL, BEFORE_STR);
	cr_assert(!file_if_range(&r, ETAG));
	/* A date that starts with 'W' is still a date, not a weak tag. */
	r = request_with(NULL, NULL, "Wed, 09 Nov 1994 08:49:37 GMT");
	cr_assert(!file_if_range(&r, ETAG));
	r = request_with(NULL, NULL, "not a date");
	cr_assert(!file_if_range(&r, ETAG));
	r = request_with(NULL, NULL, "");
	cr_assert(!file_if_range(&r, ETAG));
}

Test(mime, types)
{
	static const struct {
		const char *path, *type;
	} cases[] = {
		{ "/index.html", "text/html; charset=utf-8" },
		{ "/INDEX.HTM", "text/html; charset=utf-8" },
		{ "/a/b.css", "text/css; charset=utf-8" },
		{ "/app.js", "text/javascript; charset=utf-8" },
		{ "/m.mjs", "text/javascript; charset=utf-8" },
		{ "/d.json", "application/json" },
		{ "/r.txt", "text/plain; charset=utf-8" },
		{ "/x.svg", "image/svg+xml" },
		{ "/p.PNG", "image/png" },
		{ "/p.jpg", "image/jpeg" },
		{ "/p.jpeg", "image/jpeg" },
		{ "/p.webp", "image/webp" },
		{ "/p.avif", "image/avif" },
		{ "/d.pdf", "application/pdf" },
		{ "/a.tar.gz", "application/gzip" },
		{ "/a.tar.zst", "application/zstd" },
		{ "/a.tar.xz", "application/x-xz" },
		{ "/a.tar", "application/x-tar" },
		{ "/debian.iso", "application/x-iso9660-image" },
		{ "/v.mp4", "video/mp4" },
		{ "/v.webm", "video/webm" },
		{ "/s.mp3", "audio/mpeg" },
		{ "/f.woff2", "font/woff2" },
		{ "/m.wasm", "application/wasm" },
		{ "/README.md", "text/markdown; charset=utf-8" },
		{ "/site.webmanifest", "application/manifest+json" },
		{ "/noext", "application/octet-stream" },
		{ "/.bashrc", "application/octet-stream" },
		{ "/dir.d/file", "application/octet-stream" },
		{ "/trailing.", "application/octet-stream" },
		{ "/x.unknownext", "application/octet-stream" },
		{ "/x.verylongextensionname", "application/octet-stream" },
		{ "", "application/octet-stream" },
		{ "html", "application/octet-stream" },
		{ ".html", "application/octet-stream" },
		{ "a.html", "text/html; charset=utf-8" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_assert_str_eq(file_mime_type(cases[i].path,
		    strlen(cases[i].path)), cases[i].type, "%s", cases[i].path);
	/* The length bounds the read: "/a.html" cut to "/a.ht". */
	cr_assert_str_eq(file_mime_type("/a.html", 5), "application/octet-stream");
	cr_assert_str_eq(file_mime_type("/a.htmlx", 7), "text/html; charset=utf-8");
}

Test(mime, table_sorted_and_large)
{
	size_t i, n = file_mime_count();

	cr_assert_geq(n, 60);
	for (i = 1; i < n; i++)
		cr_assert_lt(strcmp(file_mime_ext(i - 1), file_mime_ext(i)), 0,
		    "%s before %s", file_mime_ext(i - 1), file_mime_ext(i));
	/* Every entry is found through the public lookup. */
	for (i = 0; i < n; i++) {
		char path[32];

		snprintf(path, sizeof(path), "/f.%s", file_mime_ext(i));
		cr_assert_str_neq(file_mime_type(path, strlen(path)), "",
		    "%s", path);
	}
	cr_assert_null(file_mime_ext(n));
}

/*
 * A tree in a fresh temporary directory:
 *   outside/secret
 *   root/file, root/dir/inner, root/fifo
 *   root/in_link -> dir/inner         (inside: works)
 *   root/dir/up_link -> ../file       (inside: works)
 *   root/out_link -> ../outside/secret
 *   root/abs_link -> <abs>/root/file  (absolute: refused)
 */
static char top[64];
static int rootfd = -1;

static void
write_file(int dirfd, const char *path, const char *text)
{
	int fd = openat(dirfd, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	cr_assert_geq(fd, 0, "%s", path);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void
tree_setup(void)
{
	char abs[PATH_MAX];
	int topfd;

	snprintf(top, sizeof(top), "/tmp/ringpush-file-XXXXXX");
	cr_assert_not_null(mkdtemp(top));
	topfd = open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert_geq(topfd, 0);
	cr_assert_eq(mkdirat(topfd, "outside", 0755), 0);
	write_file(topfd, "outside/secret", "secret");
	cr_assert_eq(mkdirat(topfd, "root", 0755), 0);
	cr_assert_eq(mkdirat(topfd, "root/dir", 0755), 0);
	write_file(topfd, "root/file", "file");
	write_file(topfd, "root/dir/inner", "inner");
	cr_assert_eq(mkfifoat(topfd, "root/fifo", 0644), 0);
	cr_assert_eq(symlinkat("dir/inner", topfd, "root/in_link"), 0);
	cr_assert_eq(symlinkat("../file", topfd, "root/dir/up_link"), 0);
	cr_assert_eq(symlinkat("../outside/secret", topfd, "root/out_link"), 0);
	snprintf(abs, sizeof(abs), "%s/root/file", top);
	cr_assert_eq(symlinkat(abs, topfd, "root/abs_link"), 0);
	cr_assert_eq(symlinkat("/proc/self/root", topfd, "root/proc_link"), 0);
	cr_assert_eq(symlinkat("dir", topfd, "root/dir_link"), 0);
	rootfd = openat(topfd, "root", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert_geq(rootfd, 0);
	close(topfd);
}

static int
remove_entry(const char *path, const struct stat *st, int type,
    struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

static void
tree_teardown(void)
{
	if (rootfd >= 0)
		close(rootfd);
	rootfd = -1;
	/* Depth first, symlinks removed, never followed. */
	if (strncmp(top, "/tmp/ringpush-file-", 19) == 0)
		nftw(top, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* file_open_beneath() falls back silently, so ask the kernel directly. */
static void
require_openat2(void)
{
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC };
	long fd = syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof(how));

	if (fd < 0 && errno == ENOSYS) {
		/* A skipped test never reaches its .fini. */
		tree_teardown();
		cr_skip_test("openat2 not supported here (old kernel or valgrind)");
	}
	if (fd >= 0)
		close((int)fd);
}

/* Open and read what is there; -errno when refused. */
static int
open_with(int (*open_fn)(int, const char *), const char *path, char *buf,
    size_t cap)
{
	int fd = open_fn(rootfd, path);
	ssize_t n;

	if (fd < 0)
		return fd;
	n = read(fd, buf, cap - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	return 0;
}

static int
open_read(const char *path, char *buf, size_t cap)
{
	require_openat2();
	return open_with(file_open_beneath, path, buf, cap);
}

Test(open_beneath, inside, .init = tree_setup, .fini = tree_teardown)
{
	char buf[64];

	cr_assert_eq(open_read("/file", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "file");
	cr_assert_eq(open_read("/dir/inner", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "inner");
	cr_assert_eq(open_read("//dir//inner", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "inner");
	cr_assert_eq(open_read("file", buf, sizeof(buf)), 0);
	cr_assert_eq(open_read("/in_link", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "inner");
	/* ".." that stays inside the root is the kernel's business: fine. */
	cr_assert_eq(open_read("/dir/up_link", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "file");
	cr_assert_eq(open_read("/dir/../file", buf, sizeof(buf)), 0);
	cr_assert_eq(open_read("/missing", buf, sizeof(buf)), -ENOENT);
	cr_assert_eq(open_read("/file/x", buf, sizeof(buf)), -ENOTDIR);
}

Test(open_beneath, root_and_dirs, .init = tree_setup, .fini = tree_teardown)
{
	struct stat st;
	int fd;

	require_openat2();
	fd = file_open_beneath(rootfd, "/");
	cr_assert_geq(fd, 0);
	cr_assert_eq(fstat(fd, &st), 0);
	cr_assert(S_ISDIR(st.st_mode));
	cr_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	cr_assert(fcntl(fd, F_GETFL) & O_NONBLOCK);
	close(fd);
	fd = file_open_beneath(rootfd, "");
	cr_assert_geq(fd, 0);
	close(fd);
	fd = file_open_beneath(rootfd, "/dir/");
	cr_assert_geq(fd, 0);
	cr_assert_eq(fstat(fd, &st), 0);
	cr_assert(S_ISDIR(st.st_mode));
	close(fd);
}

Test(open_beneath, escapes_refused, .init = tree_setup, .fini = tree_teardown)
{
	static const char *const escapes[] = {
		"/out_link", "/abs_link", "/..", "/../outside/secret",
		"/dir/../../outside/secret", "/dir/../..", "..",
		"/proc_link", "/proc_link/etc/passwd",
	};
	char buf[64];
	size_t i;
	int r;

	for (i = 0; i < sizeof(escapes) / sizeof(escapes[0]); i++) {
		r = open_read(escapes[i], buf, sizeof(buf));
		cr_assert_eq(r, -EXDEV, "%s: %d", escapes[i], r);
	}
}

Test(open_beneath, fifo_does_not_block, .init = tree_setup, .fini = tree_teardown)
{
	struct stat st;
	int fd;

	require_openat2();
	fd = file_open_beneath(rootfd, "/fifo");
	/* With no writer a blocking open would hang here forever. */
	cr_assert_geq(fd, 0);
	cr_assert_eq(fstat(fd, &st), 0);
	cr_assert(S_ISFIFO(st.st_mode));
	close(fd);
}

Test(open_beneath, bad_rootfd)
{
	require_openat2();
	cr_assert_eq(file_open_beneath(-1, "/x"), -EBADF);
	cr_assert_eq(file_open_walk(-1, "/x"), -EBADF);
}

/* The fallback needs no openat2 and follows no symlink at all. */
Test(open_walk, inside_and_refused, .init = tree_setup, .fini = tree_teardown)
{
	static const struct {
		const char *path;
		int want;       /* 0: opens */
	} cases[] = {
		{ "/file", 0 }, { "file", 0 }, { "//dir//inner", 0 },
		{ "/dir/./inner", 0 }, { "/./file", 0 },
		{ "/missing", -ENOENT }, { "/dir/missing", -ENOENT },
		{ "/missing/x", -ENOENT }, { "/file/x", -ENOTDIR },
		{ "/in_link", -ELOOP }, { "/dir/up_link", -ELOOP },
		{ "/out_link", -ELOOP }, { "/abs_link", -ELOOP },
		{ "/proc_link", -ELOOP }, { "/dir_link/inner", -ENOTDIR },
		{ "/..", -EXDEV }, { "/dir/../file", -EXDEV },
		{ "/../outside/secret", -EXDEV }, { "..", -EXDEV },
		{ "/dir/..", -EXDEV },
	};
	char buf[64], longname[NAME_MAX + 3];
	size_t i;
	int r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = open_with(file_open_walk, cases[i].path, buf, sizeof(buf));
		cr_assert_eq(r, cases[i].want, "%s: %d", cases[i].path, r);
	}
	cr_assert_eq(open_with(file_open_walk, "/dir/inner", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "inner");

	longname[0] = '/';
	memset(longname + 1, 'a', NAME_MAX + 1);
	longname[NAME_MAX + 2] = '\0';
	cr_assert_eq(file_open_walk(rootfd, longname), -ENAMETOOLONG);
}

Test(open_walk, dirs_and_fifo, .init = tree_setup, .fini = tree_teardown)
{
	static const char *const dirs[] = { "/", "", "/dir/", "/dir", "/." };
	struct stat st;
	size_t i;
	int fd;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		fd = file_open_walk(rootfd, dirs[i]);
		cr_assert_geq(fd, 0, "%s: %d", dirs[i], fd);
		cr_assert_eq(fstat(fd, &st), 0);
		cr_assert(S_ISDIR(st.st_mode), "%s", dirs[i]);
		close(fd);
	}
	fd = file_open_walk(rootfd, "/fifo");
	cr_assert_geq(fd, 0);
	cr_assert(fcntl(fd, F_GETFL) & O_NONBLOCK);
	cr_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
}
