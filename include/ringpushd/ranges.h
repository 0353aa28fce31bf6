/*
 * ranges.h: a Range header's range set (RFC 9110 14.1), resolved against
 * a file's size and bounded so that no request is ever answered with more
 * bytes than the file holds (RFC 9110 17.15).
 *
 * Pure: bytes in, a verdict and a sorted, coalesced set out.  respond.c
 * turns one range into a plain 206 and several into multipart/byteranges
 * (multipart.h).
 */
#ifndef RINGPUSH_RANGES_H
#define RINGPUSH_RANGES_H

#include <stddef.h>
#include <stdint.h>

/* The most ranges a listener's max_ranges may allow. */
#define RANGES_MAX 64
/* Ranges that start at or before the end of a range listed before them
 * (overlapping, or out of ascending order) tolerated in one request. */
#define RANGES_DISORDER_MAX 2

struct range_span {
	uint64_t first, last;         /* inclusive */
};

struct range_set {
	unsigned count;
	struct range_span span[RANGES_MAX];
};

enum ranges_result {
	RANGES_NONE,           /* answer 200 with the whole file */
	RANGES_OK,             /* set->count >= 1 ranges to send */
	RANGES_UNSATISFIABLE   /* 416 */
};

/*
 * Parse "bytes=" range-set against a file of size bytes.  The set is a
 * #list (RFC 9110 5.6.1): optional whitespace around commas and after
 * "=", empty elements ignored.  Each element is "a-b", "a-" or "-n",
 * resolved as RFC 9110 14.1.2 says: a last past the end is clamped, a
 * suffix longer than the file is the whole file, a first at or past the
 * end or "-0" is unsatisfiable and dropped.
 *
 * RANGES_NONE when the value is malformed anywhere (another unit,
 * whitespace inside an element, last < first, a number past 64 bits, no
 * element at all), when it lists more elements than max_ranges (at least
 * 1: max_ranges 0 allows single ranges only), when more than
 * RANGES_DISORDER_MAX elements overlap or go backwards, when the
 * satisfiable elements add up to more bytes than the file, and for a
 * suffix range on an empty file.  RANGES_UNSATISFIABLE when no element
 * is satisfiable.  RANGES_OK otherwise: set holds the satisfiable ranges
 * in ascending order, overlapping and adjacent ones merged into one, so
 * no byte is sent twice.  set is only written on RANGES_OK.
 */
enum ranges_result ranges_parse(const char *v, size_t len, uint64_t size,
    unsigned max_ranges, struct range_set *set);

#endif
