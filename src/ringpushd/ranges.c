/*
 * ranges.c: the Range header's range set, resolved and bounded (see
 * ranges.h).
 *
 * RFC 9110 17.15 warns that a range set can ask for the same bytes many
 * times over, or for many tiny pieces in any order, to make a small
 * request cost a server much.  The bounds here keep the answer no larger
 * than the file and its parts no more than max_ranges: past them the
 * header is ignored and the whole file goes out, as RFC 9110 14.2 allows.
 */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "ranges.h"

static bool
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* 1*DIGIT at v[*pos..len) into *out; false when there is no digit or the
 * number does not fit in 64 bits. */
static bool
ranges_number(const char *v, size_t len, size_t *pos, uint64_t *out)
{
	size_t i = *pos;
	uint64_t n = 0;

	if (i == len || v[i] < '0' || v[i] > '9')
		return false;
	for (; i < len && v[i] >= '0' && v[i] <= '9'; i++) {
		if (n > (UINT64_MAX - (uint64_t)(v[i] - '0')) / 10)
			return false;
		n = n * 10 + (uint64_t)(v[i] - '0');
	}
	*pos = i;
	*out = n;
	return true;
}

/* One range-spec at v[*pos..len), up to the next OWS, ',' or the end.
 * Returns false when it is malformed; else *satisfiable says whether
 * [*first, *last] lies in the file, and *empty_suffix whether it was a
 * "-n" (n > 0) on an empty file. */
static bool
ranges_element(const char *v, size_t len, size_t *pos, uint64_t size,
    bool *satisfiable, bool *empty_suffix, uint64_t *first, uint64_t *last)
{
	uint64_t a, b;

	*empty_suffix = false;
	if (v[*pos] == '-') {
		(*pos)++;
		if (!ranges_number(v, len, pos, &b))
			return false;
		*empty_suffix = b > 0 && size == 0;
		*satisfiable = b > 0 && size > 0;
		if (*satisfiable) {
			*first = b >= size ? 0 : size - b;
			*last = size - 1;
		}
		return true;
	}
	if (!ranges_number(v, len, pos, &a) || *pos == len || v[*pos] != '-')
		return false;
	(*pos)++;
	if (*pos == len || is_ows(v[*pos]) || v[*pos] == ',') {
		b = UINT64_MAX;
	} else {
		if (!ranges_number(v, len, pos, &b))
			return false;
		/* RFC 9110 14.1.1: last < first makes the header invalid. */
		if (b < a)
			return false;
	}
	*satisfiable = a < size;
	if (*satisfiable) {
		*first = a;
		*last = b >= size ? size - 1 : b;
	}
	return true;
}

/* Sort by first (insertion sort: at most RANGES_MAX entries) and merge
 * ranges that overlap or touch. */
static void
ranges_coalesce(struct range_set *set)
{
	unsigned i, j, out = 0;

	for (i = 1; i < set->count; i++) {
		struct range_span cur = set->span[i];

		for (j = i; j > 0 && set->span[j - 1].first > cur.first; j--)
			set->span[j] = set->span[j - 1];
		set->span[j] = cur;
	}
	for (i = 1; i < set->count; i++) {
		struct range_span *prev = &set->span[out];

		/* last < UINT64_MAX: it lies inside a file of that size */
		if (set->span[i].first <= prev->last + 1) {
			if (set->span[i].last > prev->last)
				prev->last = set->span[i].last;
		} else {
			set->span[++out] = set->span[i];
		}
	}
	set->count = out + 1;
}

enum ranges_result
ranges_parse(const char *v, size_t len, uint64_t size, unsigned max_ranges,
    struct range_set *set)
{
	struct range_set found;
	unsigned elements = 0, disorder = 0;
	uint64_t total = 0, highest = 0;
	bool suffix_on_empty = false;
	size_t pos = 6;

	if (max_ranges < 1)
		max_ranges = 1;
	if (max_ranges > RANGES_MAX)
		max_ranges = RANGES_MAX;
	if (len < 6 || strncasecmp(v, "bytes=", 6) != 0)
		return RANGES_NONE;
	found.count = 0;
	for (;;) {
		uint64_t first = 0, last = 0;
		bool satisfiable, empty_suffix;

		/* #list: OWS and empty elements between the commas */
		while (pos < len && (is_ows(v[pos]) || v[pos] == ','))
			pos++;
		if (pos == len)
			break;
		if (++elements > max_ranges)
			return RANGES_NONE;
		if (!ranges_element(v, len, &pos, size, &satisfiable, &empty_suffix,
		    &first, &last))
			return RANGES_NONE;
		while (pos < len && is_ows(v[pos]))
			pos++;
		if (pos < len && v[pos] != ',')
			return RANGES_NONE;
		if (!satisfiable) {
			suffix_on_empty |= empty_suffix;
			continue;
		}
		if (found.count > 0 && first <= highest)
			disorder++;
		if (found.count == 0 || last > highest)
			highest = last;
		/* total <= size so far: no sum can overflow */
		if (last - first + 1 > size - total)
			return RANGES_NONE;
		total += last - first + 1;
		found.span[found.count].first = first;
		found.span[found.count].last = last;
		found.count++;
	}
	if (elements == 0)
		return RANGES_NONE;
	if (found.count == 0)
		return suffix_on_empty ? RANGES_NONE : RANGES_UNSATISFIABLE;
	if (disorder > RANGES_DISORDER_MAX)
		return RANGES_NONE;
	ranges_coalesce(&found);
	set->count = found.count;
	memcpy(set->span, found.span, found.count * sizeof(found.span[0]));
	return RANGES_OK;
}
