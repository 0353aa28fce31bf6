/*
 * test_fdcache_off.c: with open_file_cache = 0 every request opens its
 * file, so every lookup is a miss; the metrics read these counters.
 */
#include <criterion/criterion.h>
#include "fdcache.h"

static int owner;

Test(fdcache_off, every_lookup_is_a_miss)
{
	struct fdcache fc;

	cr_assert_eq(fdcache_init(&fc, 0, 1000), 0);
	for (int i = 0; i < 5; i++)
		cr_assert_null(fdcache_get(&fc, &owner, "/a", 2, (uint64_t)i));
	cr_assert_null(fdcache_put(&fc, &owner, "/a", 2, "/a", 2, 99, 0),
	    "a disabled cache takes no fd");
	cr_assert_eq(fc.hits, 0);
	cr_assert_eq(fc.misses, 5);
	fdcache_free(&fc);
}
