/*
 * residency.c: whether a range of a file is in the page cache, asked
 * without reading it.
 *
 * cachestat(2) (Linux 6.5) counts the cached pages of a range from the
 * file's own page cache, in one call whose cost barely grows with the
 * range.  But on a stacking file system the file opened has no page cache
 * of its own: an overlayfs file's pages belong to the file in the layer
 * below, so cachestat reports 0 even right after the file was read (a
 * container's root is usually such a mount).  mincore(2) on a mapping
 * of the file sees the right pages, because mapping an overlayfs file
 * maps the file below.  It costs more: a mapping per check and a page
 * cache lookup per page (measured in xfer_auto.c's header), so it runs
 * only when cachestat reports no page at all, or is missing (kernels
 * before 6.5, valgrind).  A file system is thereby not named in a list:
 * whichever one hides its pages from cachestat gets the second check, and
 * on one that does not, a range with no page cached is a cold file, whose
 * splice reads the disk and dwarfs the extra check.
 * preadv2(RWF_NOWAIT) was the other candidate: overlayfs refuses it
 * (EOPNOTSUPP), and it copies the bytes it probes.
 *
 * Both calls hide the page cache of a file the caller could not open for
 * writing and does not own (a side channel otherwise): cachestat fails
 * with EPERM, and mincore says every page is resident.  That is the
 * common deployment, a tree owned by root served as an unprivileged user:
 * there the answer is "not known to be cached", so a body is spliced (its
 * reads wait in io_uring's workers) rather than sent by a sendfile that
 * could block the thread on the disk.
 */
#include <errno.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "probe.h"
#include "residency.h"

#ifndef SYS_cachestat
#define SYS_cachestat 451       /* the same number on every architecture */
#endif

/* Pages mincore() is asked about per call: the answer vector is this
 * static buffer (no allocation per body), and a miss ends the walk after
 * one window. */
#define RESIDENCY_WINDOW_PAGES 512

struct cachestat_range {
	uint64_t off, len;
};

struct cachestat {
	uint64_t nr_cache, nr_dirty, nr_writeback, nr_evicted, nr_recently_evicted;
};

static uint64_t
page_size(void)
{
	static uint64_t page;

	if (page == 0)
		page = (uint64_t)sysconf(_SC_PAGESIZE);
	return page;
}

/* Pages touched by [off, off + len), len > 0. */
static uint64_t
pages_of(uint64_t off, uint64_t len)
{
	uint64_t page = page_size();

	return (off + len - 1) / page - off / page + 1;
}

int
residency_by_cachestat(int fd, uint64_t off, uint64_t len, uint64_t *cached)
{
	struct cachestat_range range = { off, len };
	struct cachestat cs;

	if (syscall(SYS_cachestat, fd, &range, &cs, 0) != 0)
		return -1;
	*cached = cs.nr_cache;
	return 0;
}

int
residency_by_mincore(int fd, uint64_t off, uint64_t len)
{
	static unsigned char vec[RESIDENCY_WINDOW_PAGES];
	uint64_t page = page_size(), start = off / page * page;
	uint64_t npages, done, n, i;
	size_t map_len;
	char *map;
	int all = 1;

	if (len == 0 || off + len < off || len > SIZE_MAX - page)
		return 0;
	npages = pages_of(off, len);
	map_len = (size_t)(npages * page);
	/* Mapping creates page table entries lazily: no page is read. */
	map = mmap(NULL, map_len, PROT_READ, MAP_SHARED, fd, (off_t)start);
	if (map == MAP_FAILED)
		return -1;
	for (done = 0; done < npages && all; done += n) {
		n = npages - done < RESIDENCY_WINDOW_PAGES ? npages - done :
		    RESIDENCY_WINDOW_PAGES;
		if (mincore(map + done * page, (size_t)(n * page), vec) != 0) {
			all = -1;
			break;
		}
		for (i = 0; i < n; i++)
			if (!(vec[i] & 1)) {
				all = 0;
				break;
			}
	}
	munmap(map, map_len);
	return all;
}

/* Would mincore() tell this process the truth about fd's pages?  The
 * kernel's rule (can_do_mincore): the owner, or one who may write the
 * file.  Supplementary groups are not looked at: a false "no" only
 * costs a splice where sendfile would do. */
static bool
mincore_truthful(int fd)
{
	struct stat st;
	uid_t uid = geteuid();

	if (fstat(fd, &st) != 0)
		return false;
	if (uid == 0 || st.st_uid == uid || (st.st_mode & S_IWOTH))
		return true;
	return (st.st_mode & S_IWGRP) && st.st_gid == getegid();
}

bool
residency_range_cached(int fd, uint64_t off, uint64_t len)
{
	uint64_t cached;

	if (len == 0)
		return false;
	if (probe_has(PROBE_CACHESTAT)) {
		if (residency_by_cachestat(fd, off, len, &cached) == 0) {
			if (cached > 0)
				return cached >= pages_of(off, len);
		} else if (errno == EPERM) {
			return false;   /* hidden from us; mincore would lie */
		}
	}
	return mincore_truthful(fd) && residency_by_mincore(fd, off, len) == 1;
}
