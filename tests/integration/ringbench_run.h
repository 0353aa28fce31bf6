/*
 * ringbench_run.h: the integration tests that drive ringbench run it and
 * read its json report the same way.
 */
#ifndef RINGPUSH_TEST_RINGBENCH_RUN_H
#define RINGPUSH_TEST_RINGBENCH_RUN_H

/* The client binary: $RINGBENCH, else build/ringbench. */
const char *rp_ringbench_path(void);
/*
 * Run ringbench with --output-format=json --output=DIR/report.json and
 * then args (NULL-terminated), its other output going to
 * DIR/ringbench.out.  The test fails unless it exits within 60 s.
 * Returns the exit status; *report (NULL when none was written) and
 * *output come back malloc'd.
 */
int rp_ringbench(const char *dir, char *const args[], char **report, char **output);
/* The integer after "key" : in the first job's "ringbench" object of a
 * report; the test fails if there is none. */
long long rp_report_total(const char *report, const char *key);

#endif
