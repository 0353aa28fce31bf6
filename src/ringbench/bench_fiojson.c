/*
 * bench_fiojson.c: the json and json+ reports in fio's schema.
 *
 * The field names and their order follow fio 3.x's JSON writer, so that
 * anything written for fio's output finds what it looks for.  GETs are
 * reads, PUTs writes; "trim" and a direction the job does not use are
 * present and zeroed, as fio writes them.  Latencies are nanoseconds,
 * bandwidths KiB/s (bw) and bytes/s (bw_bytes), runtimes milliseconds, as
 * in fio.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench_fiojson.h"
#include "bench_verify.h"
#include "version.h"

/* fio's latency tables: the upper bound of each bucket, in ns. */
static const struct {
	const char *table;
	const char *key;
	uint64_t below_ns;
} lat_bounds[BENCH_FIO_LAT_BOUNDS] = {
	{ "latency_ns", "2", 2 }, { "latency_ns", "4", 4 },
	{ "latency_ns", "10", 10 }, { "latency_ns", "20", 20 },
	{ "latency_ns", "50", 50 }, { "latency_ns", "100", 100 },
	{ "latency_ns", "250", 250 }, { "latency_ns", "500", 500 },
	{ "latency_ns", "750", 750 }, { "latency_ns", "1000", 1000 },
	{ "latency_us", "2", 2000 }, { "latency_us", "4", 4000 },
	{ "latency_us", "10", 10000 }, { "latency_us", "20", 20000 },
	{ "latency_us", "50", 50000 }, { "latency_us", "100", 100000 },
	{ "latency_us", "250", 250000 }, { "latency_us", "500", 500000 },
	{ "latency_us", "750", 750000 }, { "latency_us", "1000", 1000000 },
	{ "latency_ms", "2", 2000000 }, { "latency_ms", "4", 4000000 },
	{ "latency_ms", "10", 10000000 }, { "latency_ms", "20", 20000000 },
	{ "latency_ms", "50", 50000000 }, { "latency_ms", "100", 100000000 },
	{ "latency_ms", "250", 250000000 }, { "latency_ms", "500", 500000000 },
	{ "latency_ms", "750", 750000000 },
	{ "latency_ms", "1000", 1000000000 },
	{ "latency_ms", "2000", 2000000000 },
	{ "latency_ms", ">=2000", UINT64_MAX },
};

/* The value a bucket stands for: its midpoint, as percentiles report. */
static uint64_t
bucket_value(unsigned i)
{
	uint64_t lo = bench_hist_lowest(i), hi;

	hi = i + 1 < BENCH_HIST_BUCKETS ? bench_hist_lowest(i + 1) : UINT64_MAX;
	return lo + (hi - lo) / 2;
}

void
bench_fiojson_lat_table(const struct bench_hist *h, double *pct)
{
	unsigned i, k;
	uint64_t v;

	memset(pct, 0, BENCH_FIO_LAT_BOUNDS * sizeof(*pct));
	if (h->count == 0)
		return;
	for (i = 0; i < BENCH_HIST_BUCKETS; i++) {
		if (h->bucket[i] == 0)
			continue;
		v = bucket_value(i);
		for (k = 0; k + 1 < BENCH_FIO_LAT_BOUNDS; k++)
			if (v < lat_bounds[k].below_ns)
				break;
		pct[k] += (double)h->bucket[i] * 100.0 / (double)h->count;
	}
}

/* {"min", "max", "mean", "stddev", "N"[, "percentile"[, "bins"]]} */
static void
json_lat(FILE *out, const char *name, const struct bench_hist *h,
    bool percentiles, bool bins)
{
	bool first = true;
	unsigned i;

	fprintf(out, "        \"%s\" : {\n          \"min\" : %" PRIu64
	    ",\n          \"max\" : %" PRIu64 ",\n          \"mean\" : %f,\n"
	    "          \"stddev\" : %f,\n          \"N\" : %" PRIu64,
	    name, h->count > 0 ? h->min : 0, h->max, bench_hist_mean(h),
	    bench_hist_stddev(h), h->count);
	if (percentiles) {
		fprintf(out, ",\n          \"percentile\" : {");
		for (i = 0; i < BENCH_NPERCENTILES; i++)
			fprintf(out, "%s\n            \"%f\" : %" PRIu64,
			    i > 0 ? "," : "", bench_percentiles[i],
			    bench_hist_percentile(h, bench_percentiles[i]));
		fprintf(out, "\n          }");
	}
	if (bins) {
		fprintf(out, ",\n          \"bins\" : {");
		for (i = 0; i < BENCH_HIST_BUCKETS; i++) {
			if (h->bucket[i] == 0)
				continue;
			fprintf(out, "%s\n            \"%" PRIu64 "\" : %" PRIu64,
			    first ? "" : ",", bucket_value(i), h->bucket[i]);
			first = false;
		}
		fprintf(out, "\n          }");
	}
	fprintf(out, "\n        }");
}

/* One direction; io == NULL writes the zeroed block of an unused one. */
static void
json_ddir(FILE *out, const char *ddir, const struct bench_io_stats *io,
    uint64_t elapsed_ns, bool plus)
{
	static struct bench_io_stats none;
	uint64_t bytes = 0, ios = 0, runtime_ms = 0, bw_bytes = 0;
	double iops_avg = 0;
	bool used = io != NULL;

	if (io == NULL) {
		memset(&none, 0, sizeof(none));
		bench_hist_init(&none.slat);
		bench_hist_init(&none.clat);
		bench_hist_init(&none.lat);
		io = &none;
	} else {
		bytes = io->bytes;
		ios = io->requests;
		runtime_ms = elapsed_ns / 1000000u;
		bw_bytes = (uint64_t)(bench_io_kibps(io, elapsed_ns) * 1024);
		iops_avg = bench_io_iops(io, elapsed_ns);
	}
	fprintf(out, "      \"%s\" : {\n        \"io_bytes\" : %" PRIu64 ",\n"
	    "        \"io_kbytes\" : %" PRIu64 ",\n        \"bw_bytes\" : %"
	    PRIu64 ",\n        \"bw\" : %" PRIu64 ",\n        \"iops\" : %f,\n"
	    "        \"runtime\" : %" PRIu64 ",\n        \"total_ios\" : %" PRIu64
	    ",\n        \"short_ios\" : 0,\n        \"drop_ios\" : 0,\n", ddir,
	    bytes, bytes / 1024, bw_bytes, bw_bytes / 1024, iops_avg,
	    runtime_ms, ios);
	json_lat(out, "slat_ns", &io->slat, false, false);
	fprintf(out, ",\n");
	json_lat(out, "clat_ns", &io->clat, true, plus && used);
	fprintf(out, ",\n");
	json_lat(out, "lat_ns", &io->lat, false, false);
	fprintf(out, ",\n        \"bw_min\" : %" PRIu64 ",\n        \"bw_max\" : %"
	    PRIu64 ",\n        \"bw_agg\" : %f,\n        \"bw_mean\" : %f,\n"
	    "        \"bw_dev\" : %f,\n        \"bw_samples\" : %" PRIu64 ",\n"
	    "        \"iops_min\" : %" PRIu64 ",\n        \"iops_max\" : %" PRIu64
	    ",\n        \"iops_mean\" : %f,\n        \"iops_stddev\" : %f,\n"
	    "        \"iops_samples\" : %" PRIu64 "\n      }",
	    (uint64_t)io->bw_kib.min, (uint64_t)io->bw_kib.max,
	    io->bw_kib.n > 0 ? 100.0 : 0.0, bench_series_mean(&io->bw_kib),
	    bench_series_stddev(&io->bw_kib), io->bw_kib.n,
	    (uint64_t)io->iops.min, (uint64_t)io->iops.max,
	    bench_series_mean(&io->iops), bench_series_stddev(&io->iops),
	    io->iops.n);
}

static double
cpu_pct(double cpu_s, uint64_t elapsed_ns)
{
	return elapsed_ns > 0 ? cpu_s * 100.0 / ((double)elapsed_ns / 1e9) : 0;
}

/* ringbench's own figures, kept out of fio's fields. */
static void
json_own(FILE *out, const struct bench_job *j, unsigned clone,
    const struct bench_result *r)
{
	const struct bench_errors *e = &r->err;
	bool first = true;
	size_t i;

	fprintf(out, "      \"ringbench\" : {\n        \"clone\" : %u,\n"
	    "        \"requests\" : %" PRIu64 ",\n        \"bytes\" : %" PRIu64
	    ",\n        \"elapsed_ns\" : %" PRIu64 ",\n", clone, r->requests,
	    r->bytes, r->elapsed_ns);
	fprintf(out, "        \"keepalive\" : %s,\n        \"sink\" : \"%s\",\n"
	    "        \"verify_mode\" : \"%s\",\n",
	    j->keepalive ? "true" : "false",
	    j->sink == BENCH_SINK_SPLICE ? "splice" : "discard",
	    bench_verify_name(j->verify));
	fprintf(out, "        \"ttfb_ns\" : {\"samples\" : %" PRIu64 ", \"min\" : %"
	    PRIu64 ", \"max\" : %" PRIu64 ", \"mean\" : %f, \"stddev\" : %f, "
	    "\"percentile\" : {", r->ttfb.count,
	    r->ttfb.count > 0 ? r->ttfb.min : 0, r->ttfb.max,
	    bench_hist_mean(&r->ttfb), bench_hist_stddev(&r->ttfb));
	for (i = 0; i < BENCH_NPERCENTILES; i++)
		fprintf(out, "%s\"%f\" : %" PRIu64, i > 0 ? ", " : "",
		    bench_percentiles[i],
		    bench_hist_percentile(&r->ttfb, bench_percentiles[i]));
	fprintf(out, "}},\n");
	fprintf(out, "        \"errors\" : {\"total\" : %" PRIu64
	    ", \"http_status\" : %" PRIu64 ", \"short_body\" : %" PRIu64
	    ", \"verify_mismatch\" : %" PRIu64 ", \"connect\" : %" PRIu64
	    ", \"reset\" : %" PRIu64 ", \"protocol\" : %" PRIu64
	    ", \"timeout\" : %" PRIu64 ", \"by_status\" : {",
	    bench_errors_total(e), e->http_status, e->short_body,
	    e->verify_mismatch, e->connect, e->reset, e->protocol, e->timeout);
	for (i = 0; i < 600; i++) {
		if (e->status[i] == 0)
			continue;
		fprintf(out, "%s\"%zu\" : %" PRIu32, first ? "" : ", ", i,
		    e->status[i]);
		first = false;
	}
	fprintf(out, "}},\n        \"verify\" : {\"ok\" : %" PRIu64
	    ", \"mismatch\" : %" PRIu64 "},\n", r->verified, e->verify_mismatch);
	fprintf(out, "        \"client_cpu\" : {\"usr_s\" : %.3f, \"sys_s\" : "
	    "%.3f, \"usr_pct\" : %.2f, \"sys_pct\" : %.2f},\n", r->cpu_usr_s,
	    r->cpu_sys_s, cpu_pct(r->cpu_usr_s, r->elapsed_ns),
	    cpu_pct(r->cpu_sys_s, r->elapsed_ns));
	if (r->server_pid > 0)
		fprintf(out, "        \"server_cpu\" : {\"pid\" : %d, \"usr_s\" : "
		    "%.3f, \"sys_s\" : %.3f, \"s_per_gib\" : %.4f, "
		    "\"us_per_request\" : %.3f}\n", r->server_pid,
		    r->server_usr_s, r->server_sys_s,
		    bench_result_server_s_per_gib(r),
		    bench_result_server_us_per_req(r));
	else
		fprintf(out, "        \"server_cpu\" : null\n");
	fprintf(out, "      }");
}

static void
json_option(FILE *out, bool *first, const char *key, const char *value)
{
	fprintf(out, "%s\n        ", *first ? "" : ",");
	bench_json_string(out, key);
	fprintf(out, " : ");
	bench_json_string(out, value);
	*first = false;
}

static void
json_job(FILE *out, const struct bench_job *j, unsigned clone,
    const struct bench_result *r, const struct rusage *ru, bool plus)
{
	char num[32];
	double lat[BENCH_FIO_LAT_BOUNDS];
	struct bench_hist *both;
	bool first = true;
	unsigned k;

	fprintf(out, "    {\n      \"jobname\" : ");
	bench_json_string(out, j->name);
	fprintf(out, ",\n      \"groupid\" : %u,\n      \"error\" : %d,\n"
	    "      \"eta\" : 0,\n      \"elapsed\" : %" PRIu64 ",\n"
	    "      \"job options\" : {", r->group,
	    bench_errors_total(&r->err) > 0 ? 5 : 0,
	    (r->elapsed_ns + 500000000u) / 1000000000u);
	/* EIO (5) is what fio reports for a job whose I/O failed */
	json_option(out, &first, "name", j->name);
	json_option(out, &first, "url", j->url);
	json_option(out, &first, "rw", bench_rw_name(j->rw));
	if (bench_rw_reads(j->rw) && bench_rw_writes(j->rw)) {
		snprintf(num, sizeof(num), "%u", j->rwmixread);
		json_option(out, &first, "rwmixread", num);
	}
	if (j->stonewall)
		json_option(out, &first, "stonewall", "1");
	snprintf(num, sizeof(num), "%" PRIu64, j->bs);
	json_option(out, &first, "bs", num);
	snprintf(num, sizeof(num), "%u", j->iodepth);
	json_option(out, &first, "iodepth", num);
	snprintf(num, sizeof(num), "%u", j->numjobs);
	json_option(out, &first, "numjobs", num);
	fprintf(out, "\n      },\n");
	/* GETs are fio's reads, PUTs its writes */
	json_ddir(out, "read", bench_rw_reads(j->rw) ? &r->io[BENCH_DDIR_READ] :
	    NULL, r->elapsed_ns, plus);
	fprintf(out, ",\n");
	json_ddir(out, "write", bench_rw_writes(j->rw) ?
	    &r->io[BENCH_DDIR_WRITE] : NULL, r->elapsed_ns, plus);
	fprintf(out, ",\n");
	json_ddir(out, "trim", NULL, 0, plus);
	fprintf(out, ",\n      \"job_runtime\" : %" PRIu64 ",\n"
	    "      \"usr_cpu\" : %f,\n      \"sys_cpu\" : %f,\n"
	    "      \"ctx\" : %ld,\n      \"majf\" : %ld,\n      \"minf\" : %ld,\n",
	    r->elapsed_ns / 1000000u, cpu_pct(r->cpu_usr_s, r->elapsed_ns),
	    cpu_pct(r->cpu_sys_s, r->elapsed_ns),
	    ru->ru_nvcsw + ru->ru_nivcsw, ru->ru_majflt, ru->ru_minflt);
	/* fio's tables count the completions of both directions */
	both = malloc(sizeof(*both));
	if (both == NULL)
		abort();
	*both = r->io[BENCH_DDIR_READ].clat;
	bench_hist_merge(both, &r->io[BENCH_DDIR_WRITE].clat);
	bench_fiojson_lat_table(both, lat);
	free(both);
	for (k = 0; k < BENCH_FIO_LAT_BOUNDS; k++) {
		if (k == 0 || strcmp(lat_bounds[k].table,
		    lat_bounds[k - 1].table) != 0)
			fprintf(out, "%s      \"%s\" : {", k > 0 ? "\n      },\n" :
			    "", lat_bounds[k].table);
		else
			fprintf(out, ",");
		fprintf(out, "\n        \"%s\" : %f", lat_bounds[k].key, lat[k]);
	}
	fprintf(out, "\n      },\n");
	json_own(out, j, clone, r);
	fprintf(out, "\n    }");
}

int
bench_fiojson_write(FILE *out, const struct bench_report *rep, bool plus)
{
	struct rusage ru;
	struct timespec now;
	char when[64];
	time_t secs;
	size_t i;

	memset(&ru, 0, sizeof(ru));
	(void)getrusage(RUSAGE_SELF, &ru);
	clock_gettime(CLOCK_REALTIME, &now);
	secs = now.tv_sec;
	/* fio's "time" is ctime() without the newline */
	if (ctime_r(&secs, when) == NULL)
		when[0] = '\0';
	when[strcspn(when, "\n")] = '\0';
	fprintf(out, "{\n  \"fio version\" : \"ringbench-%s\",\n"
	    "  \"timestamp\" : %lld,\n  \"timestamp_ms\" : %lld,\n"
	    "  \"time\" : ", RINGPUSH_VERSION, (long long)now.tv_sec,
	    (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000);
	bench_json_string(out, when);
	fprintf(out, ",\n  \"global options\" : {},\n  \"jobs\" : [\n");
	if (rep->group_reporting) {
		/* one entry per group, named after its first job, as fio */
		unsigned g, n = bench_report_ngroups(rep), shown = 0;
		const struct bench_result *gt;
		size_t first;

		for (g = 0; g < n; g++) {
			if ((gt = bench_report_group(rep, g, &first)) == NULL)
				continue;
			fprintf(out, "%s", shown++ > 0 ? ",\n" : "");
			json_job(out, rep->jobs[first], 0, gt, &ru, plus);
		}
		fprintf(out, "\n");
	} else {
		for (i = 0; i < rep->nresults; i++) {
			json_job(out, rep->jobs[i], rep->results[i].clone,
			    &rep->results[i], &ru, plus);
			fprintf(out, "%s\n", i + 1 < rep->nresults ? "," : "");
		}
	}
	fprintf(out, "  ],\n  \"disk_util\" : []\n}\n");
	return ferror(out) ? -1 : 0;
}
