/*
 * rate.h: token buckets for rate_per_connection and rate_total.
 *
 * Pure arithmetic on a clock the caller passes in, so it is testable
 * without a ring.  Tokens are kept in thousandths of a byte, so a refill
 * after any number of milliseconds loses nothing to rounding.  A bucket
 * holds at most RATE_BURST_MS worth of tokens: an idle connection cannot
 * save up for a burst larger than that.  The burst is two of the daemon's
 * 100 ms ticks, so a tick that runs a little late loses no tokens.  Below
 * 10 B/s a bucket holds one byte more than a tick's refill instead, so
 * that even the smallest rate moves bytes at its rate.  Bytes that are
 * sent without waiting (response headers) may overdraw a bucket: the
 * debt is paid by later refills before anything else is allowed, so the
 * rate still holds over time.
 */
#ifndef RINGPUSH_RATE_H
#define RINGPUSH_RATE_H

#include <stdint.h>

#define RATE_BURST_MS 200

struct rate_shared;

struct rate_bucket {
	uint64_t rate;            /* bytes per second; 0 = unlimited */
	int64_t milli_tokens;     /* bytes x 1000; below 0: a debt */
	uint64_t last_ms;
	/* not NULL: the tokens live there, shared by the worker processes
	 * (rate_total with workers); this bucket keeps only a copy of the
	 * rate */
	struct rate_shared *shared;
};

/* A bucket in memory shared between processes, behind a pidlock.h lock. */
struct rate_shared {
	uint32_t lock;            /* pidlock.h */
	struct rate_bucket bucket;
};

/* Let b spend the tokens of shared from now on (b's rate must be the
 * shared bucket's). */
void rate_share(struct rate_bucket *b, struct rate_shared *shared);

/* A bucket for rate bytes/s, full at now_ms. */
void rate_init(struct rate_bucket *b, uint64_t rate, uint64_t now_ms);
/* A new rate for a bucket in use (a reload): what was saved stays, cut
 * to the new burst; from unlimited, the bucket starts full. */
void rate_set(struct rate_bucket *b, uint64_t rate, uint64_t now_ms);
/* Bytes the bucket holds when full; 0 for an unlimited bucket. */
uint64_t rate_burst(const struct rate_bucket *b);
/* The smallest grant worth waiting for: floor, or the whole burst when
 * the bucket can never hold floor bytes (a wait for more would never
 * end).  floor for an unlimited bucket. */
uint64_t rate_min_grant(const struct rate_bucket *b, uint64_t floor);
/* Bytes the bucket allows now (after refilling), at most want.
 * UINT64_MAX-safe; unlimited buckets allow want. */
uint64_t rate_available(struct rate_bucket *b, uint64_t now_ms, uint64_t want);
/* Spend n bytes, normally at most what rate_available last allowed;
 * more leaves a debt. */
void rate_spend(struct rate_bucket *b, uint64_t n);
/* Spend n bytes sent without asking (headers): refill up to now_ms
 * first, so that an old refill time cannot forgive the debt. */
void rate_charge(struct rate_bucket *b, uint64_t now_ms, uint64_t n);
/* Give back n bytes spent but not sent; the burst cap still holds. */
void rate_refund(struct rate_bucket *b, uint64_t n);

#endif
