/*
 * bench_monitor.h: what ringbench does while a run goes on, driven by the
 * engine's progress ticks: it samples bandwidth and requests/s every
 * BENCH_SAMPLE_MS for fio's bw_* and iops_* figures, writes fio's log files
 * (write_bw_log, write_lat_log, write_iops_log every log_avg_msec), draws
 * the status line on a terminal and writes interim reports every
 * status-interval.
 */
#ifndef RINGPUSH_BENCH_MONITOR_H
#define RINGPUSH_BENCH_MONITOR_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bench_job.h"
#include "bench_run.h"
#include "bench_stats.h"

/* fio's bw_avg_time and iops_avg_time defaults. */
#define BENCH_SAMPLE_MS 500
#define BENCH_STATUS_MS 1000

struct bench_monitor_clone;

struct bench_monitor {
	const struct bench_job **jobs;  /* the job of each clone */
	size_t n;
	struct bench_monitor_clone *clones;     /* n + 1: the last is the total */
	struct bench_monitor_clone *groups;     /* each group's total */
	size_t ngroups;
	unsigned group;                 /* the group running */
	uint64_t next_sample;
	uint64_t last_sample;
	FILE *status;                   /* the terminal, or NULL */
	uint64_t next_status;
	uint64_t status_bytes[BENCH_NDDIR];     /* at the last status line */
	uint64_t status_ios[BENCH_NDDIR];
	uint64_t status_at;
	int status_len;                 /* characters of the line shown */
	uint64_t interval_ms;           /* interim reports, 0 = none */
	uint64_t next_interim;
	enum bench_format format;
	FILE *out;                      /* where interim reports go */
	bool group_reporting;
	size_t base;                    /* first clone of the group running */
	bool started;
	uint64_t started_at;
};

/*
 * Open the log files of every clone (PREFIX_bw.N.log with N counting
 * clones from 1, as fio numbers its jobs) and decide on the status line:
 * drawn on tty when eta is always, or auto and tty is a terminal.  Returns 0, or -1 with a message on err naming the option.
 */
int bench_monitor_open(struct bench_monitor *m, const struct bench_job **jobs,
    size_t n, const struct bench_cmdline *cl, FILE *out, FILE *tty,
    FILE *err);
/*
 * The engine's observer callbacks; arg is the monitor.  The clones the
 * engine counts are those of the group started with bench_monitor_group.
 */
void bench_monitor_tick(void *arg, const struct bench_progress *p);
void bench_monitor_io(void *arg, size_t clone, const struct bench_io_done *io);
/* A group of jobs starts, its first clone being base of the n opened. */
void bench_monitor_group(struct bench_monitor *m, size_t base);
/*
 * After the run: erase the status line, close the logs, and put the
 * sampled series into results[] and total.  Safe after a failed open.
 */
void bench_monitor_close(struct bench_monitor *m,
    struct bench_result *results, struct bench_result *total);

/* Put each group's sampled series into totals[0..ngroups), indexed by
 * group; call before bench_monitor_close. */
void bench_monitor_group_series(const struct bench_monitor *m,
    struct bench_result *totals, size_t ngroups);

/* Clear the status line, so that other output starts on a clean line. */
void bench_monitor_erase(struct bench_monitor *m);

/* "[eta 01h:02m:03s]"-style time left, as fio writes it; exported for
 * tests.  Returns the length written. */
int bench_monitor_eta(char *buf, size_t len, uint64_t secs);
/* A rate with fio's k/M/G suffix ("122k"); exported for tests. */
int bench_monitor_count(char *buf, size_t len, double value);

#endif
