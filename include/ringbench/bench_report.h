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
	bool group_reporting;                   /* one entry per group */
	const struct bench_result *groups;      /* each group's total, or */
	size_t ngroups;                         /* none: total is group 0's */
};

/* Each returns 0, or -1 when the stream reports a write error. */
int bench_report_ringbench(FILE *out, const struct bench_report *rep);
int bench_report_write(FILE *out, enum bench_format fmt,
    const struct bench_report *rep);

/*
 * The total of group g (server CPU included), and in *first the index of
 * its first result; NULL when no result is in g.
 */
const struct bench_result *bench_report_group(const struct bench_report *rep,
    unsigned g, size_t *first);
/* The number of groups: the highest groupid of the results, plus one. */
unsigned bench_report_ngroups(const struct bench_report *rep);

/* Write s as a JSON string literal, quotes included. */
void bench_json_string(FILE *out, const char *s);

#endif
