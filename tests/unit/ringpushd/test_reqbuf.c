/*
 * test_reqbuf.c: the request buffer pool: every buffer lent once before
 * any is lent twice, none lent beyond the count, warm ones reused first,
 * and the memory of those past `kept` given back (read from mincore);
 * warm ones beyond the last second's peak given back by reqbuf_trim.
 */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "reqbuf.h"

/* Pages of [p, p + len) in memory now. */
static size_t
resident_pages(const char *p, size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), n = 0;
	unsigned char vec[64];

	cr_assert_leq(len / page, sizeof(vec));
	cr_assert_eq(mincore((void *)p, len, vec), 0);
	for (size_t i = 0; i < len / page; i++)
		n += vec[i] & 1;
	return n;
}

Test(reqbuf, lends_each_once_up_to_the_count)
{
	struct reqbuf_pool p;
	char *b[4];

	cr_assert_eq(reqbuf_init(&p, 4, 100, 2), 0);
	cr_expect_eq(p.size % (size_t)sysconf(_SC_PAGESIZE), 0);
	cr_expect_eq(reqbuf_free_count(&p), 4);
	for (int i = 0; i < 4; i++) {
		b[i] = reqbuf_get(&p);
		cr_assert_not_null(b[i]);
		for (int j = 0; j < i; j++)
			cr_assert_neq(b[i], b[j]);
		memset(b[i], 'x', 100);
	}
	cr_expect_null(reqbuf_get(&p));
	cr_expect_eq(p.used, 4);
	cr_expect_eq(reqbuf_free_count(&p), 0);
	reqbuf_put(&p, b[2]);
	cr_expect_eq(reqbuf_get(&p), b[2]);
	reqbuf_put(&p, NULL);
	cr_expect_eq(p.used, 4);
	reqbuf_free(&p);
}

Test(reqbuf, memory_beyond_kept_goes_back)
{
	struct reqbuf_pool p;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	char *b[3];

	cr_assert_eq(reqbuf_init(&p, 8, 2 * page, 1), 0);
	/* reserved, not touched */
	cr_expect_eq(resident_pages(p.arena, 8 * p.size), 0);
	for (int i = 0; i < 3; i++) {
		b[i] = reqbuf_get(&p);
		memset(b[i], 'y', p.size);
	}
	cr_expect_eq(resident_pages(p.arena, 8 * p.size), 3 * p.size / page);
	/* the first back stays warm, the next two give their pages back */
	reqbuf_put(&p, b[0]);
	reqbuf_put(&p, b[1]);
	reqbuf_put(&p, b[2]);
	cr_expect_eq(p.nwarm, 1);
	cr_expect_eq(p.ncold, 2);
	cr_expect_eq(p.given_back, 2);
	cr_expect_eq(resident_pages(b[0], p.size), p.size / page);
	cr_expect_eq(resident_pages(b[1], p.size), 0);
	cr_expect_eq(resident_pages(b[2], p.size), 0);
	/* the warm one is lent first, its bytes as they were */
	cr_expect_eq(reqbuf_get(&p), b[0]);
	cr_expect_eq(b[0][0], 'y');
	reqbuf_free(&p);
}

/* A burst lends 6; once it is over, the next trims give back what the
 * load no longer needs, and a steady load keeps its warm buffers. */
Test(reqbuf, trim_follows_the_load)
{
	struct reqbuf_pool p;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	char *b[6];

	cr_assert_eq(reqbuf_init(&p, 8, page, 8), 0);
	for (int i = 0; i < 6; i++) {
		b[i] = reqbuf_get(&p);
		memset(b[i], 'w', p.size);
	}
	for (int i = 0; i < 6; i++)
		reqbuf_put(&p, b[i]);
	cr_expect_eq(p.nwarm, 6, "all kept: kept is 8");
	/* the burst's second: its peak of 6 may come again */
	reqbuf_trim(&p);
	cr_expect_eq(p.nwarm, 6);
	cr_expect_eq(resident_pages(p.arena, 8 * p.size), 6);
	/* a quiet second with 2 lent at most, 1 lent at the trim */
	b[0] = reqbuf_get(&p);
	b[1] = reqbuf_get(&p);
	reqbuf_put(&p, b[1]);
	reqbuf_trim(&p);
	cr_expect_eq(p.nwarm, 1, "peak 2 - used 1");
	cr_expect_eq(p.given_back, 4);
	cr_expect_eq(resident_pages(p.arena, 8 * p.size), 2);
	/* all idle for a second: nothing stays warm */
	reqbuf_put(&p, b[0]);
	reqbuf_trim(&p);
	reqbuf_trim(&p);
	cr_expect_eq(p.nwarm, 0);
	cr_expect_eq(p.used, 0);
	cr_expect_eq(resident_pages(p.arena, 8 * p.size), 0);
	/* the cold ones are lent again */
	for (int i = 0; i < 6; i++)
		cr_assert_not_null(reqbuf_get(&p));
	reqbuf_free(&p);
}

Test(reqbuf, kept_zero_keeps_nothing)
{
	struct reqbuf_pool p;
	char *b;

	cr_assert_eq(reqbuf_init(&p, 2, 10, 0), 0);
	b = reqbuf_get(&p);
	b[0] = 'z';
	reqbuf_put(&p, b);
	cr_expect_eq(p.nwarm, 0);
	cr_expect_eq(p.given_back, 1);
	/* given back: it reads as zeroes when lent again */
	b = reqbuf_get(&p);
	cr_assert_not_null(b);
	cr_expect_eq(b[0], 0);
	reqbuf_free(&p);
}

Test(reqbuf, zero_buffers_is_refused)
{
	struct reqbuf_pool p;

	cr_expect_eq(reqbuf_init(&p, 0, 10, 0), -1);
}
