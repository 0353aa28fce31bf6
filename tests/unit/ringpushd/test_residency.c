/*
 * test_residency.c: whether a range of a file is in the page cache, by
 * cachestat(2) and by mincore(2), on a file written back and evicted, then
 * read in part.  A file system that keeps every file in memory (tmpfs)
 * cannot show a miss: those tests skip.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include "residency.h"

#define FILE_PAGES 64

static char dir[] = "/tmp/test_residency.XXXXXX";
static char path[sizeof(dir) + 16];
static long page;
static int fd = -1;

/* A FILE_PAGES-page file, out of memory; fd open on it. */
static void
make_cold_file(void)
{
	char *buf;
	uint64_t cached;

	page = sysconf(_SC_PAGESIZE);
	cr_assert_not_null(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/f", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	cr_assert(fd >= 0, "%s: %s", path, strerror(errno));
	buf = malloc((size_t)page * FILE_PAGES);
	cr_assert_not_null(buf);
	memset(buf, 'r', (size_t)page * FILE_PAGES);
	cr_assert_eq(write(fd, buf, (size_t)page * FILE_PAGES), page * FILE_PAGES);
	free(buf);
	cr_assert_eq(fdatasync(fd), 0);
	cr_assert_eq(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED), 0);
	/* read-ahead would bring in more than the test reads */
	cr_assert_eq(posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM), 0);
	if (residency_by_mincore(fd, 0, (uint64_t)page) == 1 ||
	    (residency_by_cachestat(fd, 0, (uint64_t)page, &cached) == 0 && cached > 0))
		cr_skip_test("%s keeps its files in memory", dir);
}

static void
remove_file(void)
{
	if (fd >= 0)
		close(fd);
	unlink(path);
	rmdir(dir);
}

/* Read pages [first, first + n) into the page cache. */
static void
read_pages(long first, long n)
{
	char *buf = malloc((size_t)(page * n));

	cr_assert_not_null(buf);
	cr_assert_eq(pread(fd, buf, (size_t)(page * n), first * page), page * n);
	free(buf);
}

TestSuite(residency, .init = make_cold_file, .fini = remove_file);

Test(residency, a_cold_file_is_not_cached)
{
	uint64_t size = (uint64_t)page * FILE_PAGES;

	cr_assert_eq(residency_by_mincore(fd, 0, size), 0);
	cr_assert_not(residency_range_cached(fd, 0, size));
	cr_assert_not(residency_range_cached(fd, 100, 1));
}

Test(residency, a_file_read_is_cached)
{
	uint64_t size = (uint64_t)page * FILE_PAGES, cached;

	struct statfs fs;

	read_pages(0, FILE_PAGES);
	cr_assert_eq(residency_by_mincore(fd, 0, size), 1);
	cr_assert_eq(fstatfs(fd, &fs), 0);
	/* On overlayfs (a container's root, /tmp included) the file has no
	 * page cache of its own and cachestat sees none of the pages that
	 * mincore does: the case residency_range_cached() checks twice for. */
	if (residency_by_cachestat(fd, 0, size, &cached) == 0)
		cr_assert_eq(cached, fs.f_type == 0x794c7630 ? 0 : FILE_PAGES,
		    "cachestat counts the pages mincore sees (none on overlayfs)");
	cr_assert(residency_range_cached(fd, 0, size));
	cr_assert(residency_range_cached(fd, 1, size - 2), "offsets inside pages");
}

/* Pages 8..23 in memory: a range is cached exactly when it lies inside,
 * to the byte at either edge. */
Test(residency, only_the_pages_read_are_cached)
{
	uint64_t p = (uint64_t)page;

	read_pages(8, 16);
	cr_assert_eq(residency_by_mincore(fd, 8 * p, 16 * p), 1);
	cr_assert_eq(residency_by_mincore(fd, 8 * p - 1, 2), 0, "one byte of page 7");
	cr_assert_eq(residency_by_mincore(fd, 24 * p - 1, 2), 0, "one byte of page 24");
	cr_assert_eq(residency_by_mincore(fd, 24 * p - 1, 1), 1, "the last byte of page 23");
	cr_assert_eq(residency_by_mincore(fd, 0, p * FILE_PAGES), 0);
	cr_assert(residency_range_cached(fd, 8 * p + 5, 16 * p - 10));
	cr_assert_not(residency_range_cached(fd, 8 * p, 16 * p + 1));
	cr_assert_not(residency_range_cached(fd, 0, p * FILE_PAGES));
}

/* A hole far from the start: more pages than one mincore() window. */
Test(residency, a_hole_after_the_first_window_is_seen)
{
	uint64_t p = (uint64_t)page, cached;
	char *buf = malloc(600 * (size_t)page);

	memset(buf, 'w', 600 * (size_t)page);
	cr_assert_eq(pwrite(fd, buf, 600 * (size_t)page, 0), 600 * page);
	free(buf);
	cr_assert_eq(residency_by_mincore(fd, 0, 600 * p), 1, "all written, all in memory");
	cr_assert_eq(fdatasync(fd), 0);
	cr_assert_eq(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED), 0);
	read_pages(0, 520);
	if (residency_by_cachestat(fd, 520 * p, 80 * p, &cached) == 0 && cached > 0)
		cr_skip_test("reading pages 0-519 brought in %llu more",
		    (unsigned long long)cached);
	cr_assert_eq(residency_by_mincore(fd, 0, 600 * p), 0, "pages 520-599 are out");
	cr_assert_eq(residency_by_mincore(fd, 0, 520 * p), 1);
	cr_assert_eq(residency_by_mincore(fd, 519 * p, 2 * p), 0);
	cr_assert_not(residency_range_cached(fd, 0, 600 * p));
}

Test(residency, empty_and_past_the_end_are_not_cached)
{
	uint64_t p = (uint64_t)page;

	read_pages(0, FILE_PAGES);
	cr_assert_not(residency_range_cached(fd, 0, 0));
	cr_assert_eq(residency_by_mincore(fd, 0, 0), 0);
	cr_assert_eq(residency_by_mincore(fd, FILE_PAGES * p, p), 0, "past the end");
	cr_assert_not(residency_range_cached(fd, (FILE_PAGES - 1) * p, 2 * p));
	cr_assert_eq(residency_by_mincore(fd, UINT64_MAX - 10, 20), 0, "wraps around");
}

Test(residency, a_descriptor_that_cannot_be_mapped)
{
	int pipefd[2];

	cr_assert_eq(residency_by_mincore(-1, 0, 4096), -1);
	cr_assert_not(residency_range_cached(-1, 0, 4096));
	cr_assert_eq(pipe(pipefd), 0);
	cr_assert_eq(residency_by_mincore(pipefd[0], 0, 4096), -1);
	cr_assert_not(residency_range_cached(pipefd[0], 0, 4096));
	close(pipefd[0]);
	close(pipefd[1]);
}

/*
 * The kernel hides the page cache of a file the caller may not write and
 * does not own: cachestat fails with EPERM and mincore says every page is
 * resident.  A daemon serving a root-owned tree as an unprivileged user
 * must not take such a cold file for cached (auto would then send it by
 * sendfile, whose reads of the disk block the thread).
 */
Test(residency, a_file_hidden_from_the_caller_is_not_taken_for_cached)
{
	uint64_t size = (uint64_t)page * FILE_PAGES, cached;
	int ro;

	if (geteuid() != 0)
		cr_skip_test("needs root to serve a root-owned file as another user");
	cr_assert_eq(fchmod(fd, 0644), 0);
	ro = open(path, O_RDONLY);
	cr_assert(ro >= 0, "%s: %s", path, strerror(errno));
	cr_assert_eq(seteuid(65534), 0, "seteuid: %s", strerror(errno));
	/* what the kernel tells such a caller */
	cr_assert_eq(residency_by_mincore(ro, 0, size), 1,
	    "mincore reports a cold file resident to one who may not write it");
	if (residency_by_cachestat(ro, 0, size, &cached) == -1)
		cr_assert_eq(errno, EPERM);
	cr_assert_not(residency_range_cached(ro, 0, size));
	cr_assert_eq(seteuid(0), 0);
	cr_assert_eq(residency_by_mincore(ro, 0, size), 0, "root sees it cold");
	close(ro);
}
