/*
 * bench_write.h: the write side of ringbench (rw=write, randwrite and the
 * writes of rw and randrw): the PUT every write request sends, made once before the run, and verify= by reading the
 * files back after it.
 */
#ifndef RINGPUSH_BENCH_WRITE_H
#define RINGPUSH_BENCH_WRITE_H

#include <stdio.h>

#include "bench_job.h"
#include "bench_stats.h"
#include "bench_target.h"

/*
 * Make the body and each path's PUT head for job j; nothing is asked of
 * the server.  A job that only writes takes bs as each path's size.  Returns the number of problems written to err.
 */
int bench_write_prepare(const struct bench_job *j, struct bench_target *t,
    FILE *err);

/*
 * verify= of every writing job: GET each path a PUT succeeded on and compare it with
 * the body; counted on the job's first clone as verified or mismatched.
 */
void bench_write_verify(const struct bench_job *jobs, size_t njobs,
    struct bench_target *targets, struct bench_result *results, FILE *err);

#endif
