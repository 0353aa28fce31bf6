/*
 * rate.h: token buckets for rate_per_connection and rate_total.
 *
 * Pure arithmetic on a clock the caller passes in, so it is testable
 * without a ring.  Tokens are kept in thousandths of a byte, so a refill
 * after any number of milliseconds loses nothing to rounding.  A bucket
 * holds at most RATE_BURST_MS worth of tokens: an idle connection cannot
 * save up for a burst larger than that.  The burst is two of the daemon's
 * 100 ms ticks, so a tick that runs a little late loses no tokens.
 */
#ifndef RINGPUSH_RATE_H
#define RINGPUSH_RATE_H

#include <stdint.h>

#define RATE_BURST_MS 200

struct rate_bucket {
	uint64_t rate;            /* bytes per second; 0 = unlimited */
	uint64_t milli_tokens;    /* bytes x 1000 */
	uint64_t last_ms;
};

/* A bucket for rate bytes/s, full at now_ms. */
void rate_init(struct rate_bucket *b, uint64_t rate, uint64_t now_ms);
/* Bytes the bucket allows now (after refilling), at most want.
 * UINT64_MAX-safe; unlimited buckets allow want. */
uint64_t rate_available(struct rate_bucket *b, uint64_t now_ms, uint64_t want);
/* Spend n bytes (n <= what rate_available last allowed). */
void rate_spend(struct rate_bucket *b, uint64_t n);
/* Give back n bytes spent but not sent; the burst cap still holds. */
void rate_refund(struct rate_bucket *b, uint64_t n);

#endif
