/*
 * rate.c: token bucket arithmetic (see rate.h).
 */
#include "rate.h"

static uint64_t
burst_milli(const struct rate_bucket *b)
{
	/* rate bytes/s * RATE_BURST_MS ms = rate * RATE_BURST_MS milli-bytes */
	return b->rate * RATE_BURST_MS;
}

void
rate_init(struct rate_bucket *b, uint64_t rate, uint64_t now_ms)
{
	b->rate = rate;
	b->last_ms = now_ms;
	b->milli_tokens = burst_milli(b);
}

uint64_t
rate_available(struct rate_bucket *b, uint64_t now_ms, uint64_t want)
{
	uint64_t have;

	if (b->rate == 0)
		return want;
	if (now_ms > b->last_ms) {
		uint64_t elapsed = now_ms - b->last_ms;
		uint64_t cap = burst_milli(b);

		/* rate bytes/s over elapsed ms = rate * elapsed milli-bytes;
		 * past a full burst there is nothing more to add. */
		if (elapsed >= RATE_BURST_MS || b->milli_tokens + b->rate * elapsed >= cap)
			b->milli_tokens = cap;
		else
			b->milli_tokens += b->rate * elapsed;
		b->last_ms = now_ms;
	}
	have = b->milli_tokens / 1000;
	return have < want ? have : want;
}

void
rate_spend(struct rate_bucket *b, uint64_t n)
{
	if (b->rate == 0)
		return;
	n *= 1000;
	b->milli_tokens = n < b->milli_tokens ? b->milli_tokens - n : 0;
}

void
rate_refund(struct rate_bucket *b, uint64_t n)
{
	uint64_t cap = burst_milli(b);

	if (b->rate == 0)
		return;
	/* n is at most a grant, far below UINT64_MAX / 1000 */
	n *= 1000;
	b->milli_tokens = n < cap - b->milli_tokens ? b->milli_tokens + n : cap;
}
