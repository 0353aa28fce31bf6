/*
 * bench_fiotext.h: ringbench's reports in fio's text layouts (fio 3.x,
 * stat.c): normal, for people, and terse version 3, one line of fields
 * separated by semicolons per job, in the order fio's HOWTO lists them.
 * GETs are fio's reads and PUTs its writes, as in the json reports.
 */
#ifndef RINGPUSH_BENCH_FIOTEXT_H
#define RINGPUSH_BENCH_FIOTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "bench_report.h"

/* fio's terse version, and the number of fields of one of its lines. */
#define BENCH_TERSE_VERSION 3
#define BENCH_TERSE_FIELDS 121

/* Each returns 0, or -1 when the stream reports a write error. */
int bench_fionormal_write(FILE *out, const struct bench_report *rep);
int bench_fioterse_write(FILE *out, const struct bench_report *rep);

/*
 * A figure as fio's num2str writes it: at most four digits, scaled by
 * 1024 (binary: "31.9MiB") or 1000 ("33.4MB"), then unit appended.
 * Exported for tests; returns the length written.
 */
int bench_fio_num(char *buf, size_t len, double value, bool binary,
    const char *unit);

#endif
