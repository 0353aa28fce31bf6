/*
 * bench_run.h: ringbench's engine.  One thread and one io_uring drive every
 * connection of every job clone; each connection is a small state machine
 * (connect, send the request linked to the first receive, receive the
 * head, then drain the body by recv into a scratch buffer or by splice
 * into /dev/null) advanced by the completions reaped in batches.
 */
#ifndef RINGPUSH_BENCH_RUN_H
#define RINGPUSH_BENCH_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bench_job.h"
#include "bench_stats.h"

/*
 * Check every job against its server before the run: resolve the address,
 * connect, HEAD each path to learn its size (and with verify= stat the
 * local copy).  Problems go to err naming the job and option.  Returns the
 * number of problems; on 0 the targets are kept for bench_run().
 */
struct bench_target;
int bench_prepare(const struct bench_job *jobs, size_t njobs,
    struct bench_target **targets, FILE *err);
void bench_targets_free(struct bench_target *targets, size_t njobs);

/* What the engine shows an observer, once per turn of its loop. */
struct bench_progress {
	uint64_t now_ns;                /* CLOCK_MONOTONIC */
	uint64_t window_start_ns;       /* end of ramp; ahead of now during it */
	bool measuring;                 /* inside the measured window */
	double done;                    /* share of the run done, 0..1 */
	unsigned clones_running;
	const struct bench_result *results;     /* counts so far, per clone */
	size_t nresults;
};

/* One request done inside the measured window, for per-request logs. */
struct bench_io_done {
	uint64_t now_ns;
	uint64_t window_start_ns;
	enum bench_ddir dir;
	uint64_t bytes;                 /* its body */
	uint64_t offset;                /* of its range; 0 for a whole file */
	uint64_t slat_ns;
	uint64_t clat_ns;
};

/*
 * Called with arg from bench_run's loop; must not block.  io (may be NULL)
 * hears of each request of a clone whose job has log_avg_msec=0; clone
 * counts from the first job passed to bench_run.
 */
struct bench_observer {
	void (*tick)(void *arg, const struct bench_progress *p);
	void (*io)(void *arg, size_t clone, const struct bench_io_done *d);
	void *arg;
};

/*
 * Run the jobs passed all at once (ringbench.c passes one group of
 * stonewalled jobs at a time).  Fills results[] (one per clone, in job order,
 * numjobs each) and total.  Returns 0, or -1 when the engine itself failed
 * (message on err); request errors are counted in the results instead.
 */
int bench_run(const struct bench_job *jobs, size_t njobs,
    struct bench_target *targets, struct bench_result *results,
    struct bench_result *total, const struct bench_observer *obs, FILE *err);

#endif
