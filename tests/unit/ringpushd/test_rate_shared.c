/*
 * test_rate_shared.c: a token bucket several processes spend from
 * (rate_total with workers): what one takes the other no longer has, and
 * a lock left by a process that died is taken over.
 */
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "rate.h"

#define RATE 100000     /* B/s: a 200 ms burst of 20000 bytes */

static struct rate_shared *
shared_bucket(void)
{
	struct rate_shared *sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	cr_assert_neq(sh, MAP_FAILED);
	rate_init(&sh->bucket, RATE, 1000);
	return sh;
}

Test(rate_shared, one_bucket_for_every_sharer)
{
	struct rate_shared *sh = shared_bucket();
	struct rate_bucket a, b;

	rate_init(&a, RATE, 1000);
	rate_init(&b, RATE, 1000);
	rate_share(&a, sh);
	rate_share(&b, sh);
	cr_assert_eq(rate_available(&a, 1000, 1000000), 20000);
	rate_spend(&a, 15000);
	/* b sees what a left, not a bucket of its own */
	cr_assert_eq(rate_available(&b, 1000, 1000000), 5000);
	rate_spend(&b, 5000);
	cr_assert_eq(rate_available(&a, 1000, 1000000), 0);
	/* 10 ms later: 1000 bytes for both together */
	cr_assert_eq(rate_available(&b, 1010, 1000000), 1000);
	rate_refund(&a, 500);
	cr_assert_eq(rate_available(&b, 1010, 1000000), 1500);
	rate_charge(&a, 1010, 2500);
	cr_assert_eq(rate_available(&b, 1010, 1000000), 0, "a debt is shared too");
	/* a reload in one sharer changes the rate for all */
	rate_set(&a, RATE * 2, 1010);
	rate_set(&b, RATE * 2, 1010);
	cr_assert_eq(sh->bucket.rate, RATE * 2);
	cr_assert_eq(rate_burst(&b), 40000);
	munmap(sh, sizeof(*sh));
}

Test(rate_shared, lock_of_a_dead_holder_is_taken_over, .timeout = 10)
{
	struct rate_shared *sh = shared_bucket();
	struct rate_bucket a;
	pid_t pid = fork();

	cr_assert_neq(pid, -1);
	if (pid == 0)
		_exit(0);
	cr_assert_eq(waitpid(pid, NULL, 0), pid);
	/* as if the process had been killed holding the lock */
	sh->lock = (uint32_t)pid;
	rate_init(&a, RATE, 1000);
	rate_share(&a, sh);
	cr_assert_eq(rate_available(&a, 1000, 100), 100);
	cr_assert_eq(sh->lock, 0, "the lock is free again");
	munmap(sh, sizeof(*sh));
}
