/*
 * test_bufpool.c: the small-response buffer pool: whole-page buffers,
 * none lent twice, the last one back lent first, and bufpool_trim giving
 * back (read from mincore) the memory of free buffers the last second did
 * not need, while a steady load keeps its buffers.
 */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "bufpool.h"

/* Pages of the pool's buffers in memory now. */
static size_t
resident_pages(const struct bufpool *bp)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), n = 0;
	size_t len = (size_t)bp->count * bp->size;
	unsigned char vec[64];

	cr_assert_leq(len / page, sizeof(vec));
	cr_assert_eq(mincore(bp->arena, len, vec), 0);
	for (size_t i = 0; i < len / page; i++)
		n += vec[i] & 1;
	return n;
}

Test(bufpool, lends_each_once_last_back_first)
{
	struct bufpool bp;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	char *b[4];

	cr_assert_eq(bufpool_init(&bp, 4, page + 1), 0);
	cr_expect_eq(bp.size, 2 * page, "rounded up to whole pages");
	cr_expect_eq(resident_pages(&bp), 0, "reserved, not touched");
	for (int i = 0; i < 4; i++) {
		b[i] = bufpool_get(&bp);
		cr_assert_not_null(b[i]);
		for (int j = 0; j < i; j++)
			cr_assert_neq(b[i], b[j]);
	}
	cr_expect_null(bufpool_get(&bp));
	bufpool_put(&bp, b[1]);
	bufpool_put(&bp, b[3]);
	cr_expect_eq(bufpool_get(&bp), b[3]);
	bufpool_put(&bp, NULL);
	cr_expect_eq(bp.nfree, 1);
	bufpool_free(&bp);
}

/* A burst lends 6 and touches them; the trim after its second keeps
 * them, the trims of quieter seconds give back what was not lent. */
Test(bufpool, trim_follows_the_load)
{
	struct bufpool bp;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	char *b[6];

	cr_assert_eq(bufpool_init(&bp, 8, page), 0);
	for (int i = 0; i < 6; i++) {
		b[i] = bufpool_get(&bp);
		memset(b[i], 'w', bp.size);
	}
	for (int i = 0; i < 6; i++)
		bufpool_put(&bp, b[i]);
	cr_expect_eq(resident_pages(&bp), 6);
	/* the burst's second: its 6 may be needed again */
	bufpool_trim(&bp);
	cr_expect_eq(resident_pages(&bp), 6);
	cr_expect_eq(bp.given_back, 0);
	/* a quieter second: 2 lent at most, 1 still lent at the trim */
	b[0] = bufpool_get(&bp);
	b[1] = bufpool_get(&bp);
	bufpool_put(&bp, b[1]);
	bufpool_trim(&bp);
	cr_expect_eq(resident_pages(&bp), 2, "the one lent and the one back");
	cr_expect_eq(bp.given_back, 4);
	/* a steady load of one keeps its buffer warm */
	for (int i = 0; i < 3; i++) {
		b[1] = bufpool_get(&bp);
		memset(b[1], 's', bp.size);
		bufpool_put(&bp, b[1]);
		bufpool_trim(&bp);
		cr_expect_eq(resident_pages(&bp), 2);
	}
	cr_expect_eq(bp.given_back, 4, "nothing given back twice");
	/* all idle: nothing stays */
	bufpool_put(&bp, b[0]);
	bufpool_trim(&bp);
	bufpool_trim(&bp);
	cr_expect_eq(resident_pages(&bp), 0);
	cr_expect_eq(bp.given_back, 6);
	/* every buffer is lent again, the cold ones zeroed by the kernel */
	for (int i = 0; i < 8; i++)
		cr_assert_not_null(bufpool_get(&bp));
	cr_expect_null(bufpool_get(&bp));
	bufpool_free(&bp);
}

Test(bufpool, zero_buffers_is_an_empty_pool)
{
	struct bufpool bp;

	cr_assert_eq(bufpool_init(&bp, 0, 100), 0);
	cr_expect_null(bufpool_get(&bp));
	bufpool_trim(&bp);
	bufpool_free(&bp);
}
