/*
 * bench_stats.h: latency histograms, percentiles and per-job results.
 *
 * Latencies are kept in nanoseconds in a log-linear histogram: values
 * below 256 ns exactly, larger ones in 128 buckets per power of two, so a
 * reported percentile is within 1/256 of the true sample value while the
 * memory stays fixed however long the run.  Min, max, mean and standard
 * deviation are computed from the exact samples.
 */
#ifndef RINGPUSH_BENCH_STATS_H
#define RINGPUSH_BENCH_STATS_H

#include <stdint.h>

#define BENCH_HIST_SUB_BITS 7
#define BENCH_HIST_SUB (1u << BENCH_HIST_SUB_BITS)
#define BENCH_HIST_BUCKETS ((64 - BENCH_HIST_SUB_BITS + 1) * BENCH_HIST_SUB)
#define BENCH_NPERCENTILES 17

/* The percentiles every report lists, as fio does. */
extern const double bench_percentiles[BENCH_NPERCENTILES];

struct bench_hist {
	uint64_t count;
	uint64_t min;
	uint64_t max;
	double sum;
	double sumsq;
	uint64_t bucket[BENCH_HIST_BUCKETS];
};

void bench_hist_init(struct bench_hist *h);
void bench_hist_add(struct bench_hist *h, uint64_t value);
void bench_hist_merge(struct bench_hist *dst, const struct bench_hist *src);
double bench_hist_mean(const struct bench_hist *h);
/* Sample standard deviation (n - 1); 0 below two samples. */
double bench_hist_stddev(const struct bench_hist *h);
/*
 * The nearest-rank percentile: the smallest recorded value v such that at
 * least p% of the samples are <= v (p in 0..100), as the midpoint of v's
 * bucket clamped to [min, max].  0 when the histogram is empty.
 */
uint64_t bench_hist_percentile(const struct bench_hist *h, double p);
/* Bucket index and the bucket's lowest value, exported for tests. */
unsigned bench_hist_index(uint64_t value);
uint64_t bench_hist_lowest(unsigned index);

/*
 * Figures sampled once per interval (bandwidth in KiB/s, requests/s), for
 * fio's bw_min/bw_max/bw_mean/bw_dev and iops_* fields.
 */
struct bench_series {
	uint64_t n;
	double min;
	double max;
	double sum;
	double sumsq;
};

void bench_series_add(struct bench_series *s, double value);
double bench_series_mean(const struct bench_series *s);
/* Sample standard deviation (n - 1); 0 below two samples. */
double bench_series_stddev(const struct bench_series *s);

/* Errors by kind; an HTTP status error also counts its code. */
struct bench_errors {
	uint64_t http_status;
	uint64_t short_body;
	uint64_t verify_mismatch;
	uint64_t connect;
	uint64_t reset;
	uint64_t protocol;
	uint64_t timeout;
	uint32_t status[600];           /* count by HTTP status code */
};

/*
 * One direction (fio's ddir: reads are GETs, writes PUTs).  slat is
 * submission -> request fully sent, clat request sent -> last body byte
 * (a PUT: -> the response), lat their sum.
 */
struct bench_io_stats {
	uint64_t requests;
	uint64_t bytes;                 /* body bytes moved in the window */
	struct bench_hist slat;
	struct bench_hist clat;
	struct bench_hist lat;
	struct bench_series bw_kib;     /* per sampling interval */
	struct bench_series iops;
};

/* One job clone's numbers, or the total of all. */
struct bench_result {
	char name[64];
	unsigned clone;
	unsigned group;                 /* fio's groupid */
	uint64_t requests;              /* completed and accepted, both ways */
	uint64_t bytes;                 /* body bytes moved in the window */
	uint64_t verified;              /* bodies whose digest matched */
	uint64_t elapsed_ns;            /* measured window */
	struct bench_hist ttfb;
	struct bench_io_stats io[2];    /* by enum bench_ddir */
	struct bench_errors err;
	double cpu_usr_s;               /* client, over the window */
	double cpu_sys_s;
	int server_pid;                 /* 0 = not measured */
	double server_usr_s;
	double server_sys_s;
};

void bench_result_init(struct bench_result *r, const char *name,
    unsigned clone);
/* Add src's counts and samples to dst; the window is the longest. */
void bench_result_merge(struct bench_result *dst,
    const struct bench_result *src);
/* One request of dir done, with its latencies (ns); its bytes are
 * counted as they move, so that rates show while a run goes on. */
void bench_result_add_io(struct bench_result *r, unsigned dir,
    uint64_t slat, uint64_t clat);
/* The figures of one direction, as the reports show them. */
double bench_io_kibps(const struct bench_io_stats *io, uint64_t elapsed_ns);
double bench_io_iops(const struct bench_io_stats *io, uint64_t elapsed_ns);
uint64_t bench_errors_total(const struct bench_errors *e);

/* Derived figures, in one place so every output format agrees. */
double bench_result_mibps(const struct bench_result *r);
double bench_result_gbitps(const struct bench_result *r);
double bench_result_reqps(const struct bench_result *r);
/* Server CPU seconds per GiB of body sent; 0 without bytes. */
double bench_result_server_s_per_gib(const struct bench_result *r);
/* Server CPU microseconds per completed request; 0 without requests. */
double bench_result_server_us_per_req(const struct bench_result *r);

#endif
