/*
 * test_rate.c: the token bucket against a simulated clock.
 */
#include <criterion/criterion.h>
#include "rate.h"

Test(rate, unlimited_allows_everything)
{
	struct rate_bucket b;

	rate_init(&b, 0, 0);
	cr_assert_eq(rate_available(&b, 0, 123456789), 123456789);
	rate_spend(&b, 123456789);
	cr_assert_eq(rate_available(&b, 0, UINT64_MAX), UINT64_MAX);
}

Test(rate, starts_with_one_burst)
{
	struct rate_bucket b;

	rate_init(&b, 10000, 5000);          /* 10 kB/s: burst = 2000 bytes */
	cr_assert_eq(rate_available(&b, 5000, 1 << 20), 2000);
	rate_spend(&b, 2000);
	cr_assert_eq(rate_available(&b, 5000, 1 << 20), 0);
	/* 1 ms later: 10 bytes */
	cr_assert_eq(rate_available(&b, 5001, 1 << 20), 10);
	cr_assert_eq(rate_available(&b, 5001, 4), 4, "never more than asked");
}

Test(rate, refill_is_capped_at_the_burst)
{
	struct rate_bucket b;

	rate_init(&b, 1000000, 0);
	rate_spend(&b, 200000);
	cr_assert_eq(rate_available(&b, 0, UINT64_MAX), 0);
	cr_assert_eq(rate_available(&b, 3600000, UINT64_MAX), 200000,
	    "an hour idle still allows one burst only");
}

Test(rate, sub_byte_refills_accumulate)
{
	struct rate_bucket b;
	uint64_t got = 0;

	rate_init(&b, 300, 0);               /* 0.3 bytes per ms */
	rate_spend(&b, rate_available(&b, 0, UINT64_MAX));
	for (uint64_t ms = 1; ms <= 10000; ms++) {
		uint64_t n = rate_available(&b, ms, UINT64_MAX);

		rate_spend(&b, n);
		got += n;
	}
	cr_assert_eq(got, 3000, "10 s at 300 B/s taken 1 ms at a time: %lu", (unsigned long)got);
}

/* A sender that takes whatever is available every 100 ms tick, in chunks
 * of at most 64 KiB, moves rate x time within one burst. */
Test(rate, long_run_matches_the_rate)
{
	static const uint64_t rates[] = { 1000, 65536, 1000000, 12500000 };

	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		struct rate_bucket b;
		uint64_t sent = 0;

		rate_init(&b, rates[i], 0);
		for (uint64_t ms = 0; ms < 10000; ms += 100) {
			uint64_t n;

			while ((n = rate_available(&b, ms, 65536)) > 0) {
				rate_spend(&b, n);
				sent += n;
			}
		}
		/* ticks at 0..9900 ms: 9.9 s of refill plus the initial burst,
		 * less at most one byte of rounding */
		uint64_t want = rates[i] * 9900 / 1000 + rates[i] * RATE_BURST_MS / 1000;

		cr_assert(sent <= want && sent + 1 >= want,
		    "rate %lu: sent %lu, expected %lu", (unsigned long)rates[i],
		    (unsigned long)sent, (unsigned long)want);
	}
}

Test(rate, clock_going_backwards_adds_nothing)
{
	struct rate_bucket b;

	rate_init(&b, 1000, 1000);
	rate_spend(&b, 200);
	cr_assert_eq(rate_available(&b, 500, UINT64_MAX), 0);
	cr_assert_eq(rate_available(&b, 1001, UINT64_MAX), 1);
}

Test(rate, refund_returns_unsent_bytes_up_to_the_burst)
{
	struct rate_bucket b;

	rate_init(&b, 10000, 0);             /* burst = 2000 bytes */
	cr_assert_eq(rate_available(&b, 0, 1500), 1500);
	rate_spend(&b, 1500);
	rate_refund(&b, 1000);               /* the socket took 500 */
	cr_assert_eq(rate_available(&b, 0, UINT64_MAX), 1500);
	rate_refund(&b, 5000);
	cr_assert_eq(rate_available(&b, 0, UINT64_MAX), 2000,
	    "a refund never raises the bucket past one burst");
	rate_init(&b, 0, 0);
	rate_refund(&b, 5000);
	cr_assert_eq(rate_available(&b, 0, 7), 7, "unlimited stays unlimited");
}
