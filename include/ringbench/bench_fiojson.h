/*
 * bench_fiojson.h: ringbench's json and json+ reports in fio's schema
 * (fio 3.x, stat.c show_thread_status_json), so that the tools written for
 * fio's results (fio_jsonplus_clat2csv, dashboards, notebooks) read them.
 *
 * HTTP maps onto fio's words as ringbench(1) says: one request is one
 * read I/O of its body bytes; clat is request sent -> last body byte.
 * ringbench's own figures (time to first byte, errors by kind, verify
 * counts, server CPU) go in a "ringbench" object inside each job.
 */
#ifndef RINGPUSH_BENCH_FIOJSON_H
#define RINGPUSH_BENCH_FIOJSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bench_report.h"
#include "bench_stats.h"

/*
 * Write the report; plus adds clat_ns.bins (json+).  Returns 0, or -1 on
 * a write error.
 */
int bench_fiojson_write(FILE *out, const struct bench_report *rep,
    bool plus);

/*
 * fio's latency_ns/latency_us/latency_ms tables: the share (percent) of
 * samples of h below each bound, counted by bucket midpoints.  pct gets
 * BENCH_FIO_LAT_BOUNDS entries in the order of bench_fio_lat_bound();
 * the last is the share at or above 2000 ms.
 */
#define BENCH_FIO_LAT_BOUNDS 32
void bench_fiojson_lat_table(const struct bench_hist *h, double *pct);

#endif
