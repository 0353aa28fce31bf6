/*
 * bench_fiotext.c: fio's normal and terse layouts.
 *
 * The lines and fields follow fio 3.x's show_thread_status_normal,
 * show_run_stats and show_thread_status_terse_all (terse version 3), so
 * that people and scripts used to fio's output read ringbench's.  Latencies
 * are shown in microseconds (fio picks nsec, usec or msec by size; usec
 * is its default for requests over a network).  ringbench's own figures
 * (time to first byte, errors by kind, verify counts) follow fio's lines of
 * each job under "ringbench:"; the terse line has only fio's fields.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bench_fiojson.h"
#include "bench_fiotext.h"
#include "bench_monitor.h"
#include "version.h"

#define TERSE_PERCENTILES 20            /* fio writes up to 20, padded */

static const char *const ddir_upper[BENCH_NDDIR] = { "READ", "WRITE" };
static const char *const ddir_lower[BENCH_NDDIR] = { "read", "write" };

int
bench_fio_num(char *buf, size_t len, double value, bool binary,
    const char *unit)
{
	static const char *const bin[] = { "", "Ki", "Mi", "Gi", "Ti", "Pi" };
	static const char *const dec[] = { "", "k", "M", "G", "T", "P" };
	double base = binary ? 1024 : 1000;
	int scale = 0, digits, decimals;

	while (value >= 9999.5 && scale < 5) {
		value /= base;
		scale++;
	}
	digits = value < 9.995 ? 1 : value < 99.95 ? 2 : value < 999.5 ? 3 : 4;
	/* four characters at most, the point included */
	decimals = scale > 0 && digits < 3 ? 3 - digits : 0;
	return snprintf(buf, len, "%.*f%s%s", decimals, value,
	    binary ? bin[scale] : dec[scale], unit);
}

static bool
uses(const struct bench_job *j, unsigned dir)
{
	return dir == BENCH_DDIR_READ ? bench_rw_reads(j->rw) :
	    bench_rw_writes(j->rw);
}

static double
usec(double ns)
{
	return ns / 1e3;
}

static double
cpu_pct(double cpu_s, uint64_t elapsed_ns)
{
	return elapsed_ns > 0 ? cpu_s * 100.0 / ((double)elapsed_ns / 1e9) : 0;
}

/* "    clat (usec): min=..., max=..., avg=..., stdev=..." */
static void
normal_lat(FILE *out, const char *what, const struct bench_hist *h)
{
	if (h->count == 0)
		return;
	fprintf(out, "    %4s (usec): min=%" PRIu64 ", max=%" PRIu64
	    ", avg=%.2f, stdev=%.2f\n", what, (h->min + 500) / 1000,
	    (h->max + 500) / 1000, usec(bench_hist_mean(h)),
	    usec(bench_hist_stddev(h)));
}

/* fio's percentile block: four to a line, the width of the largest */
static void
normal_percentiles(FILE *out, const struct bench_hist *h)
{
	uint64_t v[BENCH_NPERCENTILES];
	int width = 1, w;
	char num[32];
	size_t i;

	if (h->count == 0)
		return;
	for (i = 0; i < BENCH_NPERCENTILES; i++) {
		v[i] = (bench_hist_percentile(h, bench_percentiles[i]) + 500) /
		    1000;
		w = snprintf(num, sizeof(num), "%" PRIu64, v[i]);
		if (w > width)
			width = w;
	}
	fprintf(out, "    clat percentiles (usec):\n");
	for (i = 0; i < BENCH_NPERCENTILES; i++)
		fprintf(out, "%s%5.2fth=[%*" PRIu64 "]%s", i % 4 == 0 ?
		    "     | " : " ", bench_percentiles[i], width, v[i],
		    i + 1 == BENCH_NPERCENTILES ? "\n" : i % 4 == 3 ? ",\n" :
		    ",");
}

static void
normal_ddir(FILE *out, unsigned dir, const struct bench_io_stats *io,
    uint64_t elapsed_ns)
{
	char iops[32], bw[32], bw_dec[32], total[32];
	double kib = bench_io_kibps(io, elapsed_ns);

	bench_monitor_count(iops, sizeof(iops), bench_io_iops(io, elapsed_ns));
	bench_fio_num(bw, sizeof(bw), kib * 1024, true, "B/s");
	bench_fio_num(bw_dec, sizeof(bw_dec), kib * 1024, false, "B/s");
	bench_fio_num(total, sizeof(total), (double)io->bytes, true, "B");
	fprintf(out, "  %s: IOPS=%s, BW=%s (%s)(%s/%" PRIu64 "msec)\n",
	    ddir_lower[dir], iops, bw, bw_dec, total, elapsed_ns / 1000000u);
	normal_lat(out, "slat", &io->slat);
	normal_lat(out, "clat", &io->clat);
	normal_lat(out, "lat", &io->lat);
	normal_percentiles(out, &io->clat);
	if (io->bw_kib.n > 0)
		fprintf(out, "   bw (  KiB/s): min=%" PRIu64 ", max=%" PRIu64
		    ", per=100.00%%, avg=%.2f, stdev=%.2f, samples=%" PRIu64
		    "\n", (uint64_t)io->bw_kib.min, (uint64_t)io->bw_kib.max,
		    bench_series_mean(&io->bw_kib),
		    bench_series_stddev(&io->bw_kib), io->bw_kib.n);
	if (io->iops.n > 0)
		fprintf(out, "   iops        : min=%" PRIu64 ", max=%" PRIu64
		    ", avg=%.2f, stdev=%.2f, samples=%" PRIu64 "\n",
		    (uint64_t)io->iops.min, (uint64_t)io->iops.max,
		    bench_series_mean(&io->iops),
		    bench_series_stddev(&io->iops), io->iops.n);
}

/* Both directions' completions, for fio's latency tables. */
static void
lat_table(const struct bench_result *r, double *pct)
{
	struct bench_hist *both = malloc(sizeof(*both));

	if (both == NULL)
		abort();
	*both = r->io[BENCH_DDIR_READ].clat;
	bench_hist_merge(both, &r->io[BENCH_DDIR_WRITE].clat);
	bench_fiojson_lat_table(both, pct);
	free(both);
}

/* "  lat (usec)   : 20=87.17%, 50=12.77%": the buckets that hold any */
static void
normal_lat_buckets(FILE *out, const struct bench_result *r)
{
	static const char *const key[BENCH_FIO_LAT_BOUNDS] = {
		"2", "4", "10", "20", "50", "100", "250", "500", "750", "1000",
		"2", "4", "10", "20", "50", "100", "250", "500", "750", "1000",
		"2", "4", "10", "20", "50", "100", "250", "500", "750", "1000",
		"2000", ">=2000",
	};
	double pct[BENCH_FIO_LAT_BOUNDS];
	unsigned k, table, last;
	bool open;

	lat_table(r, pct);
	for (table = 0; table < 3; table++) {
		open = false;
		last = table == 2 ? BENCH_FIO_LAT_BOUNDS : table * 10 + 10;
		for (k = table * 10; k < last; k++) {
			if (pct[k] < 0.005)
				continue;
			fprintf(out, "%s%s=%.2f%%", open ? ", " :
			    table == 0 ? "  lat (nsec)   : " : table == 1 ?
			    "  lat (usec)   : " : "  lat (msec)   : ", key[k],
			    pct[k]);
			open = true;
		}
		if (open)
			fputc('\n', out);
	}
}

static void
when(char *buf, size_t len)
{
	time_t now = time(NULL);

	/* fio's date is ctime()'s, without the newline */
	if (ctime_r(&now, buf) == NULL || len < 26)
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

/* ringbench's own figures of a job, below fio's */
static void
normal_own(FILE *out, const struct bench_result *r)
{
	const struct bench_errors *e = &r->err;
	const struct bench_hist *t = &r->ttfb;
	size_t i, shown;

	if (t->count > 0)
		fprintf(out, "  ringbench    : ttfb (usec): min=%" PRIu64 ", max=%"
		    PRIu64 ", avg=%.2f, p99=%" PRIu64 "\n", (t->min + 500) / 1000,
		    (t->max + 500) / 1000, usec(bench_hist_mean(t)),
		    (bench_hist_percentile(t, 99) + 500) / 1000);
	fprintf(out, "  ringbench    : requests=%" PRIu64 ", errors=%" PRIu64
	    " (http_status=%" PRIu64 ", short_body=%" PRIu64 ", connect=%"
	    PRIu64 ", reset=%" PRIu64 ", protocol=%" PRIu64 ", timeout=%"
	    PRIu64 "), verify ok=%" PRIu64 ", mismatch=%" PRIu64 "\n",
	    r->requests, bench_errors_total(e), e->http_status, e->short_body,
	    e->connect, e->reset, e->protocol, e->timeout, r->verified,
	    e->verify_mismatch);
	for (i = 0, shown = 0; i < 600; i++)
		if (e->status[i] > 0)
			fprintf(out, "%sHTTP %zu: %" PRIu32, shown++ == 0 ?
			    "  ringbench    : by status: " : ", ", i, e->status[i]);
	if (shown > 0)
		fputc('\n', out);
	if (r->server_pid > 0)
		fprintf(out, "  ringbench    : server pid %d: usr=%.2fs, sys=%.2fs, "
		    "%.3f CPU-s/GiB, %.2f CPU-us/request\n", r->server_pid,
		    r->server_usr_s, r->server_sys_s,
		    bench_result_server_s_per_gib(r),
		    bench_result_server_us_per_req(r));
}

static void
normal_job(FILE *out, const struct bench_job *j, const struct bench_result *r,
    unsigned jobs, const struct rusage *ru)
{
	char date[64];
	unsigned d;

	when(date, sizeof(date));
	fprintf(out, "%s: (groupid=%u, jobs=%u): err=%2d: pid=%d: %s\n",
	    j->name, r->group, jobs, bench_errors_total(&r->err) > 0 ? 5 : 0,
	    (int)getpid(), date);
	for (d = 0; d < BENCH_NDDIR; d++)
		if (uses(j, d))
			normal_ddir(out, d, &r->io[d], r->elapsed_ns);
	normal_lat_buckets(out, r);
	fprintf(out, "  cpu          : usr=%.2f%%, sys=%.2f%%, ctx=%ld, majf=%ld, "
	    "minf=%ld\n", cpu_pct(r->cpu_usr_s, r->elapsed_ns),
	    cpu_pct(r->cpu_sys_s, r->elapsed_ns), ru->ru_nvcsw + ru->ru_nivcsw,
	    ru->ru_majflt, ru->ru_minflt);
	/* every connection has one request in flight: iodepth is its own */
	fprintf(out, "  IO depths    : 1=100.0%%, 2=0.0%%, 4=0.0%%, 8=0.0%%, "
	    "16=0.0%%, 32=0.0%%, >=64=0.0%%\n");
	fprintf(out, "     issued rwts: total=%" PRIu64 ",%" PRIu64 ",0,0 "
	    "short=0,0,0,0 dropped=0,0,0,0\n", r->io[BENCH_DDIR_READ].requests,
	    r->io[BENCH_DDIR_WRITE].requests);
	fprintf(out, "     latency   : target=0, window=0, percentile=100.00%%, "
	    "depth=%u\n", j->iodepth);
	normal_own(out, r);
}

/* "Run status group 0 (all jobs):" and a line per direction used. */
static void
normal_group(FILE *out, const struct bench_report *rep, unsigned group)
{
	const struct bench_result *r;
	char agg[32], agg_dec[32], lo[32], lo_dec[32], hi[32], hi_dec[32],
	    io[32], io_dec[32];
	double bw, bw_min, bw_max;
	uint64_t bytes, run_min, run_max;
	unsigned d;
	size_t i;
	bool any;

	fprintf(out, "Run status group %u (all jobs):\n", group);
	for (d = 0; d < BENCH_NDDIR; d++) {
		any = false;
		bytes = run_min = run_max = 0;
		bw_min = bw_max = 0;
		for (i = 0; i < rep->nresults; i++) {
			r = &rep->results[i];
			if (r->group != group || !uses(rep->jobs[i], d))
				continue;
			bw = bench_io_kibps(&r->io[d], r->elapsed_ns) * 1024;
			if (!any || bw < bw_min)
				bw_min = bw;
			if (!any || bw > bw_max)
				bw_max = bw;
			if (!any || r->elapsed_ns < run_min)
				run_min = r->elapsed_ns;
			if (r->elapsed_ns > run_max)
				run_max = r->elapsed_ns;
			bytes += r->io[d].bytes;
			any = true;
		}
		if (!any)
			continue;
		/* the group's rate: all its bytes over its longest run */
		bw = run_max > 0 ? (double)bytes * 1e9 / (double)run_max : 0;
		bench_fio_num(agg, sizeof(agg), bw, true, "B/s");
		bench_fio_num(agg_dec, sizeof(agg_dec), bw, false, "B/s");
		bench_fio_num(lo, sizeof(lo), bw_min, true, "B/s");
		bench_fio_num(lo_dec, sizeof(lo_dec), bw_min, false, "B/s");
		bench_fio_num(hi, sizeof(hi), bw_max, true, "B/s");
		bench_fio_num(hi_dec, sizeof(hi_dec), bw_max, false, "B/s");
		bench_fio_num(io, sizeof(io), (double)bytes, true, "B");
		bench_fio_num(io_dec, sizeof(io_dec), (double)bytes, false, "B");
		fprintf(out, "%7s: bw=%s (%s), %s-%s (%s-%s), io=%s (%s), run=%"
		    PRIu64 "-%" PRIu64 "msec\n", ddir_upper[d], agg, agg_dec, lo,
		    hi, lo_dec, hi_dec, io, io_dec, run_min / 1000000u,
		    run_max / 1000000u);
	}
}

/* The results of group g: how many. */
static unsigned
group_jobs(const struct bench_report *rep, unsigned g)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; i < rep->nresults; i++)
		n += rep->results[i].group == g;
	return n;
}

int
bench_fionormal_write(FILE *out, const struct bench_report *rep)
{
	const struct bench_result *gt;
	struct rusage ru;
	unsigned g, n = bench_report_ngroups(rep), shown = 0;
	size_t i, first;

	memset(&ru, 0, sizeof(ru));
	(void)getrusage(RUSAGE_SELF, &ru);
	for (g = 0; g < n; g++) {
		if (rep->group_reporting) {
			/* one block per group, named after its first job */
			if ((gt = bench_report_group(rep, g, &first)) == NULL)
				continue;
			if (shown++ > 0)
				fputc('\n', out);
			normal_job(out, rep->jobs[first], gt, group_jobs(rep, g),
			    &ru);
			continue;
		}
		for (i = 0; i < rep->nresults; i++) {
			if (rep->results[i].group != g)
				continue;
			if (shown++ > 0)
				fputc('\n', out);
			normal_job(out, rep->jobs[i], &rep->results[i], 1, &ru);
		}
	}
	for (g = 0; g < n; g++) {
		fputc('\n', out);
		normal_group(out, rep, g);
	}
	return ferror(out) ? -1 : 0;
}

/* Terse */

static void
terse_lat(FILE *out, const struct bench_hist *h)
{
	fprintf(out, ";%" PRIu64 ";%" PRIu64 ";%f;%f",
	    h->count > 0 ? (h->min + 500) / 1000 : 0, (h->max + 500) / 1000,
	    usec(bench_hist_mean(h)), usec(bench_hist_stddev(h)));
}

/* One direction: 41 fields; an unused one is written zeroed, as fio does */
static void
terse_ddir(FILE *out, const struct bench_io_stats *io, uint64_t elapsed_ns)
{
	const struct bench_series *bw = &io->bw_kib;
	size_t i;

	fprintf(out, ";%" PRIu64 ";%" PRIu64 ";%" PRIu64 ";%" PRIu64,
	    io->bytes / 1024, (uint64_t)bench_io_kibps(io, elapsed_ns),
	    (uint64_t)bench_io_iops(io, elapsed_ns),
	    io->requests > 0 ? elapsed_ns / 1000000u : 0);
	terse_lat(out, &io->slat);
	terse_lat(out, &io->clat);
	for (i = 0; i < TERSE_PERCENTILES; i++) {
		if (i < BENCH_NPERCENTILES && io->clat.count > 0)
			fprintf(out, ";%f%%=%" PRIu64, bench_percentiles[i],
			    (bench_hist_percentile(&io->clat,
			    bench_percentiles[i]) + 500) / 1000);
		else
			fprintf(out, ";0%%=0");
	}
	terse_lat(out, &io->lat);
	fprintf(out, ";%" PRIu64 ";%" PRIu64 ";%f%%;%f;%f",
	    (uint64_t)bw->min, (uint64_t)bw->max, bw->n > 0 ? 100.0 : 0.0,
	    bench_series_mean(bw), bench_series_stddev(bw));
}

static void
terse_job(FILE *out, const struct bench_job *j, const struct bench_result *r,
    const struct rusage *ru)
{
	static struct bench_io_stats none;
	double pct[BENCH_FIO_LAT_BOUNDS];
	unsigned d, k;

	if (none.clat.min == 0) {
		bench_hist_init(&none.slat);
		bench_hist_init(&none.clat);
		bench_hist_init(&none.lat);
	}
	fprintf(out, "%d;ringbench-%s;%s;%u;%d", BENCH_TERSE_VERSION,
	    RINGPUSH_VERSION, j->name, r->group,
	    bench_errors_total(&r->err) > 0 ? 5 : 0);
	for (d = 0; d < BENCH_NDDIR; d++)
		terse_ddir(out, uses(j, d) ? &r->io[d] : &none, r->elapsed_ns);
	fprintf(out, ";%f%%;%f%%;%ld;%ld;%ld",
	    cpu_pct(r->cpu_usr_s, r->elapsed_ns),
	    cpu_pct(r->cpu_sys_s, r->elapsed_ns), ru->ru_nvcsw + ru->ru_nivcsw,
	    ru->ru_majflt, ru->ru_minflt);
	fprintf(out, ";100.0%%;0.0%%;0.0%%;0.0%%;0.0%%;0.0%%;0.0%%");
	/* fio's microsecond and millisecond tables; below 1 us is not in v3 */
	lat_table(r, pct);
	for (k = 10; k < BENCH_FIO_LAT_BOUNDS; k++)
		fprintf(out, ";%.2f%%", pct[k]);
	fputc('\n', out);
}

int
bench_fioterse_write(FILE *out, const struct bench_report *rep)
{
	struct rusage ru;
	size_t i;

	memset(&ru, 0, sizeof(ru));
	(void)getrusage(RUSAGE_SELF, &ru);
	if (rep->group_reporting) {
		const struct bench_result *gt;
		unsigned g, n = bench_report_ngroups(rep);
		size_t first;

		for (g = 0; g < n; g++)
			if ((gt = bench_report_group(rep, g, &first)) != NULL)
				terse_job(out, rep->jobs[first], gt, &ru);
		return ferror(out) ? -1 : 0;
	}
	for (i = 0; i < rep->nresults; i++)
		terse_job(out, rep->jobs[i], &rep->results[i], &ru);
	return ferror(out) ? -1 : 0;
}
