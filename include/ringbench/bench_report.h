/*
 * bench_report.h: ringbench's reports, per job clone and in total, in the
 * formats fio users know: normal and terse (fio's layouts, written by
 * bench_fiotext.c), json and json+ (fio's schema, bench_fiojson.c), and
 * ringbench's own layout.
 */
#ifndef RINGPUSH_BENCH_REPORT_H
#define RINGPUSH_BENCH_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "bench_job.h"
#include "bench_stats.h"

struct bench_report {
	const struct bench_result *results;     /* one per job clone */
	const struct bench_job **jobs;          /* the job of each result */
	size_t nresults;
	const struct bench_result *total;
	bool group_reporting;                   /* json: one job, the total */
};

/* Each returns 0, or -1 when the stream reports a write error. */
int bench_report_ringbench(FILE *out, const struct bench_report *rep);
int bench_report_write(FILE *out, enum bench_format fmt,
    const struct bench_report *rep);

/* Write s as a JSON string literal, quotes included. */
void bench_json_string(FILE *out, const char *s);

#endif
