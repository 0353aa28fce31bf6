/*
 * test_fdlimit.c: the file descriptor arithmetic behind RLIMIT_NOFILE and
 * the effective max_connections (fdlimit.h).
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include "conf.h"
#include "fdlimit.h"

#define RESERVE 16
/* the hard limit of the machines this runs on, without CAP_SYS_RESOURCE */
#define HARD_LIMIT 20000

static struct conf conf;

static void
setup(void)
{
	conf_defaults(&conf);
}

static void
teardown(void)
{
	conf_free(&conf);
}

/* The shipped defaults must start without a warning under the hard limit
 * here: pipes come from the pool and files from the cache, not one of
 * each per connection. */
Test(fdlimit, defaults_fit_the_hard_limit, .init = setup, .fini = teardown)
{
	struct fdlimit_result r;
	struct fdlimit_budget b;

	fdlimit_budget_of(&conf, RESERVE, &b);
	cr_assert_eq(b.per_conn, 1, "a socket per connection, %u", b.per_conn);
	cr_assert_eq(b.pipes, 2 * conf.pipe_pool);
	cr_assert_eq(b.cache, conf.open_file_cache);
	cr_assert_eq(b.fixed, FDLIMIT_BASE + conf.nlisteners);
	fdlimit_plan(&conf, RESERVE, HARD_LIMIT, &r);
	cr_assert_leq(r.need, HARD_LIMIT, "defaults need %llu", (unsigned long long)r.need);
	cr_assert_eq(r.max_connections, conf.max_connections);
	cr_assert_eq(r.open_file_cache, conf.open_file_cache);
}

Test(fdlimit, need_adds_up, .init = setup, .fini = teardown)
{
	struct fdlimit_budget b;

	conf.max_connections = 500;
	conf.pipe_pool = 10;
	conf.open_file_cache = 100;
	fdlimit_budget_of(&conf, RESERVE, &b);
	cr_assert_eq(fdlimit_need(&b, 500),
	    (uint64_t)FDLIMIT_BASE + conf.nlisteners + 20 + 100 + 500 + RESERVE);
	/* each connection more costs per_conn */
	cr_assert_eq(fdlimit_need(&b, 501) - fdlimit_need(&b, 500), b.per_conn);
}

/* Without the cache each transfer opens its own file; an upload writes
 * its own file whatever the cache does. */
Test(fdlimit, per_connection_files, .init = setup, .fini = teardown)
{
	struct fdlimit_budget b;

	conf.open_file_cache = 0;
	fdlimit_budget_of(&conf, RESERVE, &b);
	cr_assert_eq(b.per_conn, 2);
	conf.listeners[0].upload = 1;
	fdlimit_budget_of(&conf, RESERVE, &b);
	cr_assert_eq(b.per_conn, 3);
	conf.open_file_cache = 64;
	fdlimit_budget_of(&conf, RESERVE, &b);
	cr_assert_eq(b.per_conn, 2);
}

/* fit is the largest count whose need is within the limit, for every
 * limit around the edges. */
Test(fdlimit, fit_is_the_largest_that_fits, .init = setup, .fini = teardown)
{
	struct fdlimit_budget b;

	conf.open_file_cache = 0;       /* 2 per connection: rounding shows */
	conf.pipe_pool = 8;
	fdlimit_budget_of(&conf, RESERVE, &b);
	for (uint64_t limit = 0; limit < 400; limit++) {
		unsigned fit = fdlimit_fit(&b, limit, 1000);

		if (fit > 0)
			cr_assert_leq(fdlimit_need(&b, fit), limit, "limit %llu fit %u",
			    (unsigned long long)limit, fit);
		cr_assert_gt(fdlimit_need(&b, fit + 1), limit, "limit %llu fit %u",
		    (unsigned long long)limit, fit);
	}
	/* never more than asked */
	cr_assert_eq(fdlimit_fit(&b, 1000000, 1000), 1000);
}

Test(fdlimit, a_low_limit_lowers_max_connections, .init = setup, .fini = teardown)
{
	struct fdlimit_result r;
	struct fdlimit_budget b;
	uint64_t limit;

	conf.max_connections = 10000;
	conf.open_file_cache = 64;
	fdlimit_budget_of(&conf, RESERVE, &b);
	limit = fdlimit_need(&b, 1234);
	fdlimit_plan(&conf, RESERVE, limit, &r);
	cr_assert_eq(r.max_connections, 1234);
	cr_assert_eq(r.open_file_cache, 64, "a cache within a quarter of the limit stays");
	cr_assert_eq(r.need, fdlimit_need(&b, 10000));
	fdlimit_plan(&conf, RESERVE, limit - 1, &r);
	cr_assert_eq(r.max_connections, 1233);
}

/* A cache larger than the limit would leave no room for connections: it
 * is cut to a quarter of the limit, and connections get the rest. */
Test(fdlimit, a_cache_beyond_the_limit_is_cut, .init = setup, .fini = teardown)
{
	struct fdlimit_result r;

	conf.max_connections = 10000;
	conf.open_file_cache = 1024;
	conf.pipe_pool = 64;
	fdlimit_plan(&conf, RESERVE, 900, &r);
	cr_assert_eq(r.open_file_cache, 900 / 4);
	cr_assert_eq(r.max_connections,
	    900 - (FDLIMIT_BASE + conf.nlisteners + 128 + 900 / 4) - RESERVE);
	/* nothing fits: one connection all the same, the warning says why */
	fdlimit_plan(&conf, RESERVE, 40, &r);
	cr_assert_eq(r.max_connections, 1);
	cr_assert_geq(r.open_file_cache, 1, "the cache stays on");
}
