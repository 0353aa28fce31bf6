/*
 * test_ranges.c: range sets (ranges.c): the #list rule, resolution of each
 * element against the file size, sorting and coalescing, and every bound
 * that keeps an answer no larger than the file (RFC 9110 17.15).
 */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "ranges.h"

/* The set as text: "a-b a-b ..." for comparison. */
static const char *
set_str(const struct range_set *set)
{
	static char out[4096];
	size_t n = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < set->count; i++)
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%llu-%llu", i ? " " : "",
		    (unsigned long long)set->span[i].first, (unsigned long long)set->span[i].last);
	return out;
}

struct set_case {
	const char *v;
	uint64_t size;
	unsigned max;
	enum ranges_result want;
	const char *spans;      /* RANGES_OK: the set after coalescing */
};

static const struct set_case cases[] = {
	/* several ranges, in order */
	{ "bytes=0-10,20-30", 100, 16, RANGES_OK, "0-10 20-30" },
	{ "bytes=0-0,2-2,4-4", 5, 16, RANGES_OK, "0-0 2-2 4-4" },
	{ "bytes=0-1,-2", 10, 16, RANGES_OK, "0-1 8-9" },
	{ "bytes=0-1,5-", 10, 16, RANGES_OK, "0-1 5-9" },
	{ "BYTES=0-1,5-6", 10, 16, RANGES_OK, "0-1 5-6" },
	/* #list: OWS around commas and after '=', empty elements */
	{ "bytes=0-4 ,6-7", 100, 16, RANGES_OK, "0-4 6-7" },
	{ "bytes= 0-4", 100, 16, RANGES_OK, "0-4" },
	{ "bytes=0-4,\t6-7", 100, 16, RANGES_OK, "0-4 6-7" },
	{ "bytes=,0-4,,, 6-7 ,", 100, 16, RANGES_OK, "0-4 6-7" },
	{ "bytes=0-4 , 6-7 ", 100, 16, RANGES_OK, "0-4 6-7" },
	/* whitespace inside an element, or a missing comma, is malformed */
	{ "bytes=0 -4,6-7", 100, 16, RANGES_NONE, NULL },
	{ "bytes=0- 4,6-7", 100, 16, RANGES_NONE, NULL },
	{ "bytes=0-4 6-7", 100, 16, RANGES_NONE, NULL },
	{ "bytes=0-4;6-7", 100, 16, RANGES_NONE, NULL },
	{ "bytes =0-4,6-7", 100, 16, RANGES_NONE, NULL },
	{ "bytes=0-4,x", 100, 16, RANGES_NONE, NULL },
	{ "bytes=0-4,7-6", 100, 16, RANGES_NONE, NULL },
	{ "bytes=0-4,-", 100, 16, RANGES_NONE, NULL },
	{ "bytes=0-4,18446744073709551616-", 100, 16, RANGES_NONE, NULL },
	{ "bytes=,", 100, 16, RANGES_NONE, NULL },
	{ "bytes=", 100, 16, RANGES_NONE, NULL },
	{ "bytes", 100, 16, RANGES_NONE, NULL },
	{ "items=0-4,6-7", 100, 16, RANGES_NONE, NULL },
	/* adjacent and overlapping ranges merge */
	{ "bytes=0-4,5-9", 100, 16, RANGES_OK, "0-9" },
	{ "bytes=0-4,3-9", 100, 16, RANGES_OK, "0-9" },
	{ "bytes=0-9,2-3", 100, 16, RANGES_OK, "0-9" },
	{ "bytes=0-4,6-9,5-5", 100, 16, RANGES_OK, "0-9" },
	/* out of order: sorted (up to RANGES_DISORDER_MAX of them) */
	{ "bytes=50-59,0-9", 100, 16, RANGES_OK, "0-9 50-59" },
	{ "bytes=50-59,20-29,0-9", 100, 16, RANGES_OK, "0-9 20-29 50-59" },
	{ "bytes=60-69,40-49,20-29,0-9", 100, 16, RANGES_NONE, NULL },
	{ "bytes=0-9,0-9,0-9", 100, 16, RANGES_OK, "0-9" },
	{ "bytes=0-9,0-9,0-9,0-9", 100, 16, RANGES_NONE, NULL },
	{ "bytes=90-99,0-9,10-19,20-29", 100, 16, RANGES_NONE, NULL },
	/* the satisfiable ranges must not add up to more than the file */
	{ "bytes=0-,0-", 100, 16, RANGES_NONE, NULL },
	{ "bytes=0-59,40-99", 100, 16, RANGES_NONE, NULL },
	{ "bytes=0-49,50-99", 100, 16, RANGES_OK, "0-99" },
	{ "bytes=-60,-60", 100, 16, RANGES_NONE, NULL },
	{ "bytes=0-,0-", UINT64_MAX, 16, RANGES_NONE, NULL },
	{ "bytes=0-18446744073709551614", UINT64_MAX, 16, RANGES_OK,
	  "0-18446744073709551614" },
	/* unsatisfiable elements are dropped; none left is 416 */
	{ "bytes=200-300,0-1", 100, 16, RANGES_OK, "0-1" },
	{ "bytes=-0,5-6", 100, 16, RANGES_OK, "5-6" },
	{ "bytes=200-300,100-", 100, 16, RANGES_UNSATISFIABLE, NULL },
	{ "bytes=-0,-0", 100, 16, RANGES_UNSATISFIABLE, NULL },
	{ "bytes=0-1,2-3", 0, 16, RANGES_UNSATISFIABLE, NULL },
	/* a suffix on an empty file: the whole (empty) file */
	{ "bytes=-5,0-1", 0, 16, RANGES_NONE, NULL },
	{ "bytes=-5", 0, 16, RANGES_NONE, NULL },
	/* max_ranges counts the elements listed, satisfiable or not */
	{ "bytes=0-0,2-2,4-4", 100, 3, RANGES_OK, "0-0 2-2 4-4" },
	{ "bytes=0-0,2-2,4-4,6-6", 100, 3, RANGES_NONE, NULL },
	{ "bytes=0-0,2-2,400-400,6-6", 100, 3, RANGES_NONE, NULL },
	{ "bytes=0-0,,,2-2,,4-4,", 100, 3, RANGES_OK, "0-0 2-2 4-4" },
	/* max_ranges 0 (and 1): single ranges only */
	{ "bytes=0-4", 100, 0, RANGES_OK, "0-4" },
	{ "bytes=0-4,6-7", 100, 0, RANGES_NONE, NULL },
	{ "bytes=0-4,5-9", 100, 0, RANGES_NONE, NULL },
	{ "bytes=0-4,6-7", 100, 1, RANGES_NONE, NULL },
	{ "bytes=0-4,", 100, 0, RANGES_OK, "0-4" },
	/* max_ranges above RANGES_MAX is RANGES_MAX */
	{ "bytes=0-4,6-7", 100, 1000, RANGES_OK, "0-4 6-7" },
};

Test(ranges, table)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct set_case *c = &cases[i];
		struct range_set set;
		enum ranges_result r;

		memset(&set, 0xa5, sizeof(set));
		r = ranges_parse(c->v, strlen(c->v), c->size, c->max, &set);
		cr_assert_eq(r, c->want, "\"%s\" size %llu max %u: got %d want %d", c->v,
		    (unsigned long long)c->size, c->max, r, c->want);
		if (r == RANGES_OK)
			cr_assert_str_eq(set_str(&set), c->spans, "\"%s\": %s, want %s", c->v,
			    set_str(&set), c->spans);
		else
			cr_assert_eq(set.count, 0xa5a5a5a5u, "\"%s\": set written", c->v);
	}
}

/* RANGES_MAX ranges in a header pass at max_ranges = RANGES_MAX; one more
 * and the whole file goes out. */
Test(ranges, at_and_past_ranges_max)
{
	static char v[RANGES_MAX * 16 + 32];
	struct range_set set;
	size_t n;

	n = (size_t)snprintf(v, sizeof(v), "bytes=");
	for (unsigned i = 0; i < RANGES_MAX; i++)
		n += (size_t)snprintf(v + n, sizeof(v) - n, "%s%u-%u", i ? "," : "", 10 * i, 10 * i + 4);
	cr_assert_eq(ranges_parse(v, n, 10000, RANGES_MAX, &set), RANGES_OK);
	cr_assert_eq(set.count, RANGES_MAX);
	cr_assert_eq(set.span[RANGES_MAX - 1].first, 10 * (RANGES_MAX - 1));
	cr_assert_eq(ranges_parse(v, n, 10000, RANGES_MAX - 1, &set), RANGES_NONE);
	n += (size_t)snprintf(v + n, sizeof(v) - n, ",9000-9001");
	cr_assert_eq(ranges_parse(v, n, 10000, RANGES_MAX, &set), RANGES_NONE);
}

/* The length bounds the read: nothing past len is looked at. */
Test(ranges, length_bounds_the_read)
{
	struct range_set set;

	cr_assert_eq(ranges_parse("bytes=0-1,5-6", 9, 100, 16, &set), RANGES_OK);
	cr_assert_str_eq(set_str(&set), "0-1");
	cr_assert_eq(ranges_parse("bytes=0-1,5-6", 5, 100, 16, &set), RANGES_NONE);
}
