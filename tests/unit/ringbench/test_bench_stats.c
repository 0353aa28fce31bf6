/*
 * test_bench_stats.c: ringbench's histogram and percentile math, checked
 * against values computed here independently: a sorted copy of the samples
 * and the nearest-rank definition, a two-pass mean and standard deviation.
 */
#include <math.h>
#include <stdlib.h>

#include <criterion/criterion.h>

#include "bench_stats.h"

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank on a sorted array: the ceil(p/100 * n)-th smallest. */
static uint64_t
nearest_rank(const uint64_t *sorted, size_t n, double p)
{
	size_t rank = (size_t)ceil(p * (double)n / 100.0 - 1e-9);

	if (rank < 1)
		rank = 1;
	return sorted[rank - 1];
}

Test(bench_stats, small_values_are_exact)
{
	static struct bench_hist h;
	uint64_t v;

	bench_hist_init(&h);
	/* 1..100 in a scrambled order */
	for (v = 0; v < 100; v++)
		bench_hist_add(&h, (v * 37) % 100 + 1);
	cr_assert_eq(h.count, 100);
	cr_assert_eq(h.min, 1);
	cr_assert_eq(h.max, 100);
	cr_assert_eq(bench_hist_percentile(&h, 1), 1);
	cr_assert_eq(bench_hist_percentile(&h, 50), 50);
	cr_assert_eq(bench_hist_percentile(&h, 90), 90);
	cr_assert_eq(bench_hist_percentile(&h, 99), 99);
	cr_assert_eq(bench_hist_percentile(&h, 99.5), 100);
	cr_assert_eq(bench_hist_percentile(&h, 99.99), 100);
	cr_assert_float_eq(bench_hist_mean(&h), 50.5, 1e-9);
	/* sample stddev of 1..100 = sqrt(100 * 101 / 12) */
	cr_assert_float_eq(bench_hist_stddev(&h), sqrt(841.6666666666666), 1e-6);
}

Test(bench_stats, empty_and_single)
{
	static struct bench_hist h;

	bench_hist_init(&h);
	cr_assert_eq(bench_hist_percentile(&h, 50), 0);
	cr_assert_float_eq(bench_hist_mean(&h), 0, 1e-12);
	bench_hist_add(&h, 123456789);
	cr_assert_eq(bench_hist_percentile(&h, 1), 123456789,
	    "a single sample is min and max, so every percentile is it");
	cr_assert_eq(bench_hist_percentile(&h, 99.99), 123456789);
	cr_assert_float_eq(bench_hist_stddev(&h), 0, 1e-12);
}

Test(bench_stats, buckets_cover_every_value)
{
	uint64_t v;
	unsigned i, prev = 0;

	for (v = 0; v < 300000; v += 7) {
		i = bench_hist_index(v);
		cr_assert_lt(i, BENCH_HIST_BUCKETS);
		cr_assert_geq(i, prev, "indexes grow with values");
		cr_assert_leq(bench_hist_lowest(i), v);
		cr_assert_gt(bench_hist_lowest(i + 1), v);
		prev = i;
	}
	cr_assert_lt(bench_hist_index(UINT64_MAX), BENCH_HIST_BUCKETS);
	cr_assert_eq(bench_hist_index(255), 255);
	cr_assert_eq(bench_hist_lowest(bench_hist_index(256)), 256);
}

Test(bench_stats, percentiles_match_sorted_samples)
{
	static struct bench_hist h;
	enum { N = 100003 };
	uint64_t *samples = malloc(N * sizeof(*samples)), seed = 42, want, got;
	double sum = 0, sq = 0, mean, sd;
	size_t i;

	cr_assert_not_null(samples);
	bench_hist_init(&h);
	for (i = 0; i < N; i++) {
		/* a long-tailed spread from 1 us to ~100 ms, as latencies are */
		seed = seed * 6364136223846793005u + 1442695040888963407u;
		samples[i] = 1000 + (seed >> 33) % 20000 +
		    ((seed >> 20) % 100 == 0 ? (seed >> 7) % 100000000 : 0);
		bench_hist_add(&h, samples[i]);
		sum += (double)samples[i];
	}
	qsort(samples, N, sizeof(*samples), cmp_u64);
	for (i = 0; i < BENCH_NPERCENTILES; i++) {
		want = nearest_rank(samples, N, bench_percentiles[i]);
		got = bench_hist_percentile(&h, bench_percentiles[i]);
		/* a bucket spans 1/128 of its value; its midpoint is within 1/256 */
		cr_assert_leq(fabs((double)got - (double)want), want / 256.0 + 1,
		    "p%g: got %llu, want %llu", bench_percentiles[i],
		    (unsigned long long)got, (unsigned long long)want);
	}
	mean = sum / N;
	for (i = 0; i < N; i++)
		sq += ((double)samples[i] - mean) * ((double)samples[i] - mean);
	sd = sqrt(sq / (N - 1));
	cr_assert_float_eq(bench_hist_mean(&h), mean, mean * 1e-9);
	cr_assert_float_eq(bench_hist_stddev(&h), sd, sd * 1e-6);
	cr_assert_eq(h.min, samples[0]);
	cr_assert_eq(h.max, samples[N - 1]);
	free(samples);
}

Test(bench_stats, merge_equals_one_histogram)
{
	static struct bench_hist a, b, all;
	uint64_t v;

	bench_hist_init(&a);
	bench_hist_init(&b);
	bench_hist_init(&all);
	for (v = 1; v <= 5000; v++) {
		bench_hist_add(v % 3 ? &a : &b, v * 1000);
		bench_hist_add(&all, v * 1000);
	}
	bench_hist_merge(&a, &b);
	cr_assert_eq(a.count, all.count);
	cr_assert_eq(a.min, all.min);
	cr_assert_eq(a.max, all.max);
	cr_assert_eq(bench_hist_percentile(&a, 99.9),
	    bench_hist_percentile(&all, 99.9));
	cr_assert_float_eq(bench_hist_stddev(&a), bench_hist_stddev(&all), 1e-3);
}

Test(bench_stats, derived_figures)
{
	static struct bench_result r;

	bench_result_init(&r, "x", 0);
	r.elapsed_ns = 2000000000;              /* 2 s */
	r.bytes = 2u << 30;                     /* 2 GiB */
	r.requests = 1000;
	r.server_usr_s = 0.25;
	r.server_sys_s = 0.75;
	cr_assert_float_eq(bench_result_mibps(&r), 1024, 1e-9);
	cr_assert_float_eq(bench_result_gbitps(&r), 2.0 * 1073741824 * 8 / 2e9,
	    1e-9);
	cr_assert_float_eq(bench_result_reqps(&r), 500, 1e-9);
	cr_assert_float_eq(bench_result_server_s_per_gib(&r), 0.5, 1e-12);
	cr_assert_float_eq(bench_result_server_us_per_req(&r), 1000, 1e-9);
}
