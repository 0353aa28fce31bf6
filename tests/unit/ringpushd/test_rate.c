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

/* A reload that lowers a rate leaves a bucket holding more than the new
 * burst; a refund then must neither wrap nor add past the new burst. */
Test(rate, refund_after_the_rate_was_lowered_stays_within_the_burst)
{
	struct rate_bucket b;

	rate_init(&b, 10000, 0);             /* full: 2000 bytes */
	b.rate = 1000;                       /* what a reload used to do */
	rate_refund(&b, 100);
	cr_assert_eq(rate_available(&b, 0, UINT64_MAX), 200,
	    "the bucket holds at most the new burst");
	rate_spend(&b, 200);
	cr_assert_eq(rate_available(&b, 0, UINT64_MAX), 0);

	rate_init(&b, 10000, 0);
	rate_set(&b, 1000, 0);
	cr_assert_eq(rate_available(&b, 0, UINT64_MAX), 200, "rate_set cuts to the new burst");
	rate_refund(&b, 5000);
	cr_assert_eq(rate_available(&b, 0, UINT64_MAX), 200);
}

Test(rate, set_keeps_what_was_spent_and_starts_full_from_unlimited)
{
	struct rate_bucket b;

	rate_init(&b, 10000, 0);
	rate_spend(&b, 2000);
	rate_set(&b, 20000, 0);              /* more is allowed from now on */
	cr_assert_eq(rate_available(&b, 0, UINT64_MAX), 0, "a reload mints no tokens");
	cr_assert_eq(rate_available(&b, 100, UINT64_MAX), 2000);
	rate_set(&b, 0, 100);
	cr_assert_eq(rate_available(&b, 100, 77), 77, "0 is unlimited");
	rate_set(&b, 5000, 100);
	cr_assert_eq(rate_available(&b, 100, UINT64_MAX), 1000, "from unlimited: one burst");
}

/* Rates below 5 B/s would make a bucket of 200 ms hold less than one
 * byte: it holds one, and every rate moves bytes at that rate. */
Test(rate, the_smallest_rates_still_move_bytes)
{
	for (uint64_t rate = 1; rate <= 6; rate++) {
		struct rate_bucket b;
		uint64_t sent = 0;

		rate_init(&b, rate, 0);
		cr_assert_geq(rate_burst(&b), 1);
		for (uint64_t ms = 0; ms <= 100000; ms += 100) {
			uint64_t n = rate_available(&b, ms, 1 << 20);

			rate_spend(&b, n);
			sent += n;
		}
		/* 100 s: rate x 100 bytes, plus the initial burst */
		cr_assert(sent >= rate * 100 && sent <= rate * 100 + rate_burst(&b),
		    "rate %lu: %lu bytes in 100 s", (unsigned long)rate, (unsigned long)sent);
	}
}

/* A grant floor larger than a bucket's burst would never be reached: the
 * floor drops to the burst.  The daemon's 1 KiB floor against 1K and 5K. */
Test(rate, min_grant_never_exceeds_the_burst)
{
	struct rate_bucket b;

	rate_init(&b, 1024, 0);
	cr_assert_eq(rate_burst(&b), 204);
	cr_assert_eq(rate_min_grant(&b, 1024), 204);
	rate_spend(&b, 204);
	/* the wait ends: two ticks later the bucket holds the floor */
	cr_assert_geq(rate_available(&b, 200, 1 << 20), rate_min_grant(&b, 1024));
	rate_init(&b, 5 * 1024, 0);
	cr_assert_eq(rate_min_grant(&b, 1024), 1024);
	rate_init(&b, 1 << 20, 0);
	cr_assert_eq(rate_min_grant(&b, 1024), 1024);
	rate_init(&b, 0, 0);
	cr_assert_eq(rate_min_grant(&b, 1024), 1024, "unlimited");
	cr_assert_eq(rate_burst(&b), 0);
}

/* Headers are charged without waiting: the debt delays what follows, so
 * header and body bytes together keep to the rate. */
Test(rate, a_charge_beyond_the_tokens_is_a_debt_paid_first)
{
	struct rate_bucket b;

	rate_init(&b, 1000, 0);              /* burst = 200 bytes */
	rate_charge(&b, 0, 500);             /* 300 bytes of debt */
	cr_assert_eq(rate_available(&b, 0, UINT64_MAX), 0);
	cr_assert_eq(rate_available(&b, 300, UINT64_MAX), 0, "300 ms pay the debt");
	cr_assert_eq(rate_available(&b, 400, UINT64_MAX), 100);
	/* an idle hour: full again, and the old refill time forgives no
	 * charge made now */
	rate_charge(&b, 3600000, 150);
	cr_assert_eq(rate_available(&b, 3600000, UINT64_MAX), 50);
	rate_charge(&b, 3600000, UINT64_MAX / 2);
	cr_assert_eq(rate_available(&b, 3600000 + 1000, UINT64_MAX), 0, "a huge charge saturates");
	rate_refund(&b, 10);
	cr_assert_eq(rate_available(&b, 3600000 + 1000, UINT64_MAX), 0);
}
