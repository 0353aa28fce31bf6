/*
 * bench_stats.c: the latency histogram, nearest-rank percentiles and the
 * figures derived from a result, kept in one place so the normal, json and
 * terse reports always agree.
 */
#include <math.h>
#include <string.h>

#include "bench_stats.h"

const double bench_percentiles[BENCH_NPERCENTILES] = {
	1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99, 99.5, 99.9, 99.95,
	99.99,
};

/*
 * Below 2 * SUB a value is its own bucket.  Above, the group g is how far
 * the value's top bit lies above bit SUB_BITS, and the bucket keeps the
 * SUB_BITS bits under the top bit: index = g * SUB + (value >> g).
 */
unsigned
bench_hist_index(uint64_t value)
{
	unsigned msb, g;

	if (value < 2 * BENCH_HIST_SUB)
		return (unsigned)value;
	msb = 63 - (unsigned)__builtin_clzll(value);
	g = msb - BENCH_HIST_SUB_BITS;
	return g * BENCH_HIST_SUB + (unsigned)(value >> g);
}

uint64_t
bench_hist_lowest(unsigned index)
{
	unsigned g;

	if (index < 2 * BENCH_HIST_SUB)
		return index;
	g = index / BENCH_HIST_SUB - 1;
	return (uint64_t)(index - g * BENCH_HIST_SUB) << g;
}

void
bench_hist_init(struct bench_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

void
bench_hist_add(struct bench_hist *h, uint64_t value)
{
	h->count++;
	if (value < h->min)
		h->min = value;
	if (value > h->max)
		h->max = value;
	h->sum += (double)value;
	h->sumsq += (double)value * (double)value;
	h->bucket[bench_hist_index(value)]++;
}

void
bench_hist_merge(struct bench_hist *dst, const struct bench_hist *src)
{
	size_t i;

	if (src->count == 0)
		return;
	dst->count += src->count;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	dst->sum += src->sum;
	dst->sumsq += src->sumsq;
	for (i = 0; i < BENCH_HIST_BUCKETS; i++)
		dst->bucket[i] += src->bucket[i];
}

double
bench_hist_mean(const struct bench_hist *h)
{
	return h->count > 0 ? h->sum / (double)h->count : 0;
}

double
bench_hist_stddev(const struct bench_hist *h)
{
	double n = (double)h->count, var;

	if (h->count < 2)
		return 0;
	var = (h->sumsq - h->sum * h->sum / n) / (n - 1);
	return var > 0 ? sqrt(var) : 0;
}

uint64_t
bench_hist_percentile(const struct bench_hist *h, double p)
{
	uint64_t rank, seen = 0, lo, width, mid;
	unsigned i;

	if (h->count == 0)
		return 0;
	/* nearest rank: ceil(p/100 * n), at least the first sample */
	rank = (uint64_t)ceil(p / 100.0 * (double)h->count - 1e-9);
	if (rank < 1)
		rank = 1;
	if (rank > h->count)
		rank = h->count;
	for (i = 0; i < BENCH_HIST_BUCKETS; i++) {
		seen += h->bucket[i];
		if (seen >= rank)
			break;
	}
	lo = bench_hist_lowest(i);
	width = bench_hist_lowest(i + 1) - lo;
	mid = lo + width / 2;
	if (mid < h->min)
		mid = h->min;
	if (mid > h->max)
		mid = h->max;
	return mid;
}

void
bench_series_add(struct bench_series *s, double value)
{
	if (s->n == 0 || value < s->min)
		s->min = value;
	if (s->n == 0 || value > s->max)
		s->max = value;
	s->n++;
	s->sum += value;
	s->sumsq += value * value;
}

double
bench_series_mean(const struct bench_series *s)
{
	return s->n > 0 ? s->sum / (double)s->n : 0;
}

double
bench_series_stddev(const struct bench_series *s)
{
	double n = (double)s->n, var;

	if (s->n < 2)
		return 0;
	var = (s->sumsq - s->sum * s->sum / n) / (n - 1);
	return var > 0 ? sqrt(var) : 0;
}

void
bench_result_init(struct bench_result *r, const char *name, unsigned clone)
{
	memset(r, 0, sizeof(*r));
	strncpy(r->name, name, sizeof(r->name) - 1);
	r->clone = clone;
	bench_hist_init(&r->ttfb);
	for (unsigned d = 0; d < 2; d++) {
		bench_hist_init(&r->io[d].slat);
		bench_hist_init(&r->io[d].clat);
		bench_hist_init(&r->io[d].lat);
	}
}

void
bench_result_add_io(struct bench_result *r, unsigned dir, uint64_t slat,
    uint64_t clat)
{
	struct bench_io_stats *io = &r->io[dir];

	r->requests++;
	io->requests++;
	bench_hist_add(&io->slat, slat);
	bench_hist_add(&io->clat, clat);
	bench_hist_add(&io->lat, slat + clat);
}

double
bench_io_kibps(const struct bench_io_stats *io, uint64_t elapsed_ns)
{
	return elapsed_ns > 0 ? (double)io->bytes / 1024.0 /
	    ((double)elapsed_ns / 1e9) : 0;
}

double
bench_io_iops(const struct bench_io_stats *io, uint64_t elapsed_ns)
{
	return elapsed_ns > 0 ? (double)io->requests /
	    ((double)elapsed_ns / 1e9) : 0;
}

void
bench_result_merge(struct bench_result *dst, const struct bench_result *src)
{
	size_t i;

	dst->requests += src->requests;
	dst->bytes += src->bytes;
	dst->verified += src->verified;
	if (src->elapsed_ns > dst->elapsed_ns)
		dst->elapsed_ns = src->elapsed_ns;
	bench_hist_merge(&dst->ttfb, &src->ttfb);
	for (unsigned d = 0; d < 2; d++) {
		dst->io[d].requests += src->io[d].requests;
		dst->io[d].bytes += src->io[d].bytes;
		bench_hist_merge(&dst->io[d].slat, &src->io[d].slat);
		bench_hist_merge(&dst->io[d].clat, &src->io[d].clat);
		bench_hist_merge(&dst->io[d].lat, &src->io[d].lat);
	}
	dst->err.http_status += src->err.http_status;
	dst->err.short_body += src->err.short_body;
	dst->err.verify_mismatch += src->err.verify_mismatch;
	dst->err.connect += src->err.connect;
	dst->err.reset += src->err.reset;
	dst->err.protocol += src->err.protocol;
	dst->err.timeout += src->err.timeout;
	for (i = 0; i < 600; i++)
		dst->err.status[i] += src->err.status[i];
}

uint64_t
bench_errors_total(const struct bench_errors *e)
{
	return e->http_status + e->short_body + e->verify_mismatch +
	    e->connect + e->reset + e->protocol + e->timeout;
}

double
bench_result_mibps(const struct bench_result *r)
{
	if (r->elapsed_ns == 0)
		return 0;
	return (double)r->bytes / 1048576.0 / ((double)r->elapsed_ns / 1e9);
}

double
bench_result_gbitps(const struct bench_result *r)
{
	if (r->elapsed_ns == 0)
		return 0;
	return (double)r->bytes * 8 / (double)r->elapsed_ns;
}

double
bench_result_reqps(const struct bench_result *r)
{
	if (r->elapsed_ns == 0)
		return 0;
	return (double)r->requests / ((double)r->elapsed_ns / 1e9);
}

double
bench_result_server_s_per_gib(const struct bench_result *r)
{
	if (r->bytes == 0)
		return 0;
	return (r->server_usr_s + r->server_sys_s) /
	    ((double)r->bytes / 1073741824.0);
}

double
bench_result_server_us_per_req(const struct bench_result *r)
{
	if (r->requests == 0)
		return 0;
	return (r->server_usr_s + r->server_sys_s) * 1e6 / (double)r->requests;
}
