/*
 * residency.h: is a byte range of an open file in the page cache?
 *
 * The auto engine asks this at the start of each body.  The answer must
 * cost little and never block: it reads no file data.
 */
#ifndef RINGPUSH_RESIDENCY_H
#define RINGPUSH_RESIDENCY_H

#include <stdbool.h>
#include <stdint.h>

/* Every page of [off, off + len) of fd is in memory.  False for len 0,
 * for a range past the end of the file, and when neither check can be
 * made (the caller then assumes a miss). */
bool residency_range_cached(int fd, uint64_t off, uint64_t len);

/* The two checks behind it, for tests.
 * residency_by_cachestat: cachestat(2)'s count of cached pages of the
 * range in *cached, and 0; -1 when the kernel lacks it.  On overlayfs the
 * count is always 0: the pages belong to the file below, not to the file
 * opened.
 * residency_by_mincore: 1 when every page is in memory, 0 when one is
 * not, -1 when the file cannot be mapped. */
int residency_by_cachestat(int fd, uint64_t off, uint64_t len, uint64_t *cached);
int residency_by_mincore(int fd, uint64_t off, uint64_t len);

#endif
