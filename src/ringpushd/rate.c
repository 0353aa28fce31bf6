/*
 * rate.c: token bucket arithmetic (see rate.h), and the calls on a
 * bucket the worker processes share, under its pidlock.
 */
#include <stddef.h>
#include "pidlock.h"
#include "rate.h"

void
rate_share(struct rate_bucket *b, struct rate_shared *shared)
{
	b->shared = shared;
}

/* The public calls on a shared bucket: the same call, on the shared
 * tokens, under the lock. */
#define SHARED_CALL(b, call) \
	do { \
		struct rate_shared *sh_ = (b)->shared; \
		pidlock_lock(&sh_->lock); \
		call; \
		pidlock_unlock(&sh_->lock); \
	} while (0)

/* A debt is bounded far inside int64_t: headers are small and refills
 * pay it, but a bucket must never wrap whatever is charged to it. */
#define RATE_DEBT_MAX_MILLI (INT64_MAX / 4)

static uint64_t
burst_milli(const struct rate_bucket *b)
{
	/* rate bytes/s * RATE_BURST_MS ms = rate * RATE_BURST_MS milli-bytes.
	 * Below 10 B/s that is less than one byte plus a tick's refill: a
	 * rate under 5 B/s could never grant a byte, and a bucket that holds
	 * a fraction of a byte would lose part of the next tick's refill. */
	uint64_t burst = b->rate * RATE_BURST_MS;
	uint64_t least = 1000 + b->rate * (RATE_BURST_MS / 2);

	return burst < least ? least : burst;
}

void
rate_init(struct rate_bucket *b, uint64_t rate, uint64_t now_ms)
{
	b->rate = rate;
	b->last_ms = now_ms;
	b->milli_tokens = (int64_t)burst_milli(b);
	b->shared = NULL;
}

uint64_t
rate_burst(const struct rate_bucket *b)
{
	return b->rate == 0 ? 0 : burst_milli(b) / 1000;
}

uint64_t
rate_min_grant(const struct rate_bucket *b, uint64_t floor)
{
	uint64_t burst = rate_burst(b);

	return burst != 0 && burst < floor ? burst : floor;
}

/* Add the tokens of the time since the last refill, up to the cap. */
static void
refill(struct rate_bucket *b, uint64_t now_ms)
{
	uint64_t cap = burst_milli(b), missing, elapsed;

	if (now_ms <= b->last_ms)
		return;
	elapsed = now_ms - b->last_ms;
	b->last_ms = now_ms;
	if (b->milli_tokens >= (int64_t)cap) {
		b->milli_tokens = (int64_t)cap;
		return;
	}
	missing = b->milli_tokens >= 0 ? cap - (uint64_t)b->milli_tokens :
	    cap + (uint64_t)-b->milli_tokens;
	/* rate bytes/s over elapsed ms = rate * elapsed milli-bytes; past
	 * what is missing there is nothing more to add (and the product
	 * could overflow after a long idle time) */
	if (elapsed >= missing / b->rate + 1)
		b->milli_tokens = (int64_t)cap;
	else if (b->rate * elapsed >= missing)
		b->milli_tokens = (int64_t)cap;
	else
		b->milli_tokens += (int64_t)(b->rate * elapsed);
}

uint64_t
rate_available(struct rate_bucket *b, uint64_t now_ms, uint64_t want)
{
	uint64_t have;

	if (b->shared != NULL) {
		SHARED_CALL(b, have = rate_available(&b->shared->bucket, now_ms, want));
		return have;
	}
	if (b->rate == 0)
		return want;
	refill(b, now_ms);
	if (b->milli_tokens <= 0)
		return 0;
	have = (uint64_t)b->milli_tokens / 1000;
	return have < want ? have : want;
}

void
rate_spend(struct rate_bucket *b, uint64_t n)
{
	if (b->rate == 0)
		return;
	if (b->shared != NULL) {
		SHARED_CALL(b, rate_spend(&b->shared->bucket, n));
		return;
	}
	if (n > (uint64_t)RATE_DEBT_MAX_MILLI / 1000 ||
	    b->milli_tokens - (int64_t)(n * 1000) < -RATE_DEBT_MAX_MILLI)
		b->milli_tokens = -RATE_DEBT_MAX_MILLI;
	else
		b->milli_tokens -= (int64_t)(n * 1000);
}

void
rate_charge(struct rate_bucket *b, uint64_t now_ms, uint64_t n)
{
	if (b->rate == 0)
		return;
	if (b->shared != NULL) {
		SHARED_CALL(b, rate_charge(&b->shared->bucket, now_ms, n));
		return;
	}
	refill(b, now_ms);
	rate_spend(b, n);
}

void
rate_refund(struct rate_bucket *b, uint64_t n)
{
	uint64_t cap = burst_milli(b), room;

	if (b->rate == 0)
		return;
	if (b->shared != NULL) {
		SHARED_CALL(b, rate_refund(&b->shared->bucket, n));
		return;
	}
	/* After a reload lowered the rate the bucket may hold more than
	 * the new cap: nothing is added then, and nothing wraps. */
	if (b->milli_tokens >= (int64_t)cap) {
		b->milli_tokens = (int64_t)cap;
		return;
	}
	room = b->milli_tokens >= 0 ? cap - (uint64_t)b->milli_tokens :
	    cap + (uint64_t)-b->milli_tokens;
	/* n is at most a grant, far below UINT64_MAX / 1000 */
	n *= 1000;
	b->milli_tokens = n < room ? b->milli_tokens + (int64_t)n : (int64_t)cap;
}

void
rate_set(struct rate_bucket *b, uint64_t rate, uint64_t now_ms)
{
	uint64_t cap;

	if (b->shared != NULL) {
		/* every worker applies the same reload: the same result */
		SHARED_CALL(b, rate_set(&b->shared->bucket, rate, now_ms));
		b->rate = rate;
		return;
	}
	if (b->rate == 0) {
		rate_init(b, rate, now_ms);
		return;
	}
	/* the time so far is refilled at the rate it ran at */
	refill(b, now_ms);
	b->rate = rate;
	if (rate == 0)
		return;
	cap = burst_milli(b);
	if (b->milli_tokens > (int64_t)cap)
		b->milli_tokens = (int64_t)cap;
}
