/*
 * bench_report.c: the choice of format, and ringbench's own layout
 * (--output-format=ringbench).  fio's normal and terse layouts are in
 * bench_fiotext.c, its json and json+ in bench_fiojson.c.
 *
 * Latencies are kept in nanoseconds; this layout shows microseconds.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bench_fiojson.h"
#include "bench_fiotext.h"
#include "bench_report.h"
#include "version.h"

static double
pct(double cpu_s, uint64_t elapsed_ns)
{
	return elapsed_ns > 0 ? cpu_s * 100.0 / ((double)elapsed_ns / 1e9) : 0;
}

const struct bench_result *
bench_report_group(const struct bench_report *rep, unsigned g, size_t *first)
{
	size_t i;

	for (i = 0; i < rep->nresults && rep->results[i].group != g; i++)
		;
	if (i == rep->nresults)
		return NULL;
	*first = i;
	for (size_t k = 0; k < rep->ngroups; k++)
		if (rep->groups[k].group == g)
			return &rep->groups[k];
	return rep->total;
}

unsigned
bench_report_ngroups(const struct bench_report *rep)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; i < rep->nresults; i++)
		if (rep->results[i].group + 1 > n)
			n = rep->results[i].group + 1;
	return n;
}

void
bench_json_string(FILE *out, const char *s)
{
	const unsigned char *p;

	fputc('"', out);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(out, "\\u%04x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

/* ringbench's own layout, for people, as before fio's */

static void
own_lat(FILE *out, const char *what, const struct bench_hist *h)
{
	size_t i;

	if (h->count == 0) {
		fprintf(out, "  %s (usec): none\n", what);
		return;
	}
	fprintf(out, "  %s (usec): min=%.1f, max=%.1f, avg=%.2f, stdev=%.2f\n",
	    what, h->min / 1e3, h->max / 1e3, bench_hist_mean(h) / 1e3,
	    bench_hist_stddev(h) / 1e3);
	fprintf(out, "  %s percentiles (usec):\n", what);
	for (i = 0; i < BENCH_NPERCENTILES; i++) {
		fprintf(out, "%s%5.2fth=[%8.1f]%s", i % 4 == 0 ? "   | " : " ",
		    bench_percentiles[i],
		    bench_hist_percentile(h, bench_percentiles[i]) / 1e3,
		    i + 1 == BENCH_NPERCENTILES ? "\n" :
		    i % 4 == 3 ? ",\n" : ",");
	}
}

static void
own_result(FILE *out, const struct bench_result *r)
{
	const struct bench_errors *e = &r->err;
	size_t i;

	fprintf(out, "  requests=%" PRIu64 ", bytes=%" PRIu64 " (%.1f MiB), "
	    "elapsed=%.3fs\n", r->requests, r->bytes, r->bytes / 1048576.0,
	    r->elapsed_ns / 1e9);
	fprintf(out, "  bw=%.1fMiB/s (%.3fGbit/s), %.0f req/s\n",
	    bench_result_mibps(r), bench_result_gbitps(r),
	    bench_result_reqps(r));
	own_lat(out, "ttfb", &r->ttfb);
	own_lat(out, "clat", &r->io[BENCH_DDIR_READ].clat);
	if (r->io[BENCH_DDIR_WRITE].requests > 0)
		own_lat(out, "write clat", &r->io[BENCH_DDIR_WRITE].clat);
	fprintf(out, "  errors: total=%" PRIu64 " (http_status=%" PRIu64
	    ", short_body=%" PRIu64 ", verify_mismatch=%" PRIu64 ", connect=%"
	    PRIu64 ", reset=%" PRIu64 ", protocol=%" PRIu64 ", timeout=%"
	    PRIu64 ")\n", bench_errors_total(e), e->http_status, e->short_body,
	    e->verify_mismatch, e->connect, e->reset, e->protocol, e->timeout);
	for (i = 0; i < 600; i++)
		if (e->status[i] > 0)
			fprintf(out, "    HTTP %zu: %" PRIu32 "\n", i, e->status[i]);
	fprintf(out, "  verify: ok=%" PRIu64 ", mismatch=%" PRIu64 "\n",
	    r->verified, e->verify_mismatch);
	fprintf(out, "  cpu (ringbench, all jobs): usr=%.1f%%, sys=%.1f%%\n",
	    pct(r->cpu_usr_s, r->elapsed_ns), pct(r->cpu_sys_s, r->elapsed_ns));
	if (r->server_pid > 0)
		fprintf(out, "  server pid %d: usr=%.2fs, sys=%.2fs, %.3f CPU-s/GiB, "
		    "%.2f CPU-us/request\n", r->server_pid, r->server_usr_s,
		    r->server_sys_s, bench_result_server_s_per_gib(r),
		    bench_result_server_us_per_req(r));
}

int
bench_report_ringbench(FILE *out, const struct bench_report *rep)
{
	const struct bench_job *j;
	size_t i;

	for (i = 0; i < rep->nresults; i++) {
		j = rep->jobs[i];
		fprintf(out, "%s: (clone %u): rw=%s, bs=%" PRIu64 ", iodepth=%u, "
		    "keepalive=%s, sink=%s, verify=%s, url=%s\n",
		    rep->results[i].name, rep->results[i].clone, bench_rw_name(j->rw),
		    j->bs, j->iodepth, j->keepalive ? "on" : "off",
		    j->sink == BENCH_SINK_SPLICE ? "splice" : "discard",
		    bench_verify_name(j->verify), j->url);
		own_result(out, &rep->results[i]);
	}
	fprintf(out, "\nAll jobs:\n");
	own_result(out, rep->total);
	return ferror(out) ? -1 : 0;
}

int
bench_report_write(FILE *out, enum bench_format fmt,
    const struct bench_report *rep)
{
	switch (fmt) {
	case BENCH_FMT_JSON:
		return bench_fiojson_write(out, rep, false);
	case BENCH_FMT_JSONPLUS:
		return bench_fiojson_write(out, rep, true);
	case BENCH_FMT_TERSE:
		return bench_fioterse_write(out, rep);
	case BENCH_FMT_RINGBENCH:
		return bench_report_ringbench(out, rep);
	case BENCH_FMT_NORMAL:
		break;
	}
	return bench_fionormal_write(out, rep);
}
