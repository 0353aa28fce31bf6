/*
 * test_bench_job_output.c: the options of ringbench's fio-style output:
 * --output-format=json+, --eta, --status-interval, group_reporting and
 * the log options, their defaults, and the messages for bad values.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "bench_job.h"

static int
parse(int argc, char **argv, struct bench_cmdline *cl, struct bench_job **jobs,
    size_t *n, char **err)
{
	struct bench_spec s;
	size_t len = 0;
	FILE *f = open_memstream(err, &len);
	int problems;

	cr_assert_not_null(f);
	bench_spec_init(&s);
	problems = bench_spec_cmdline(&s, cl, argc, argv, f);
	*jobs = NULL;
	*n = 0;
	/* the job problems count too: both halves report every error */
	problems += bench_jobs_build(&s, jobs, n, f);
	bench_spec_free(&s);
	fclose(f);
	return problems;
}

Test(bench_job_output, options_and_defaults)
{
	char *argv[] = { "ringbench", "--url=127.0.0.1:8080/f",
	    "--output-format=json+", "--eta=never", "--status-interval=5",
	    "--group_reporting", "--write_bw_log=a", "--write-lat-log=b",
	    "--write_iops_log=c", "--log_avg_msec=250", NULL };
	char *defaults[] = { "ringbench", "--url=127.0.0.1:8080/f", NULL };
	struct bench_cmdline cl;
	struct bench_job *jobs;
	size_t n;
	char *err;

	cr_assert_eq(parse(10, argv, &cl, &jobs, &n, &err), 0, "%s", err);
	cr_assert_eq(cl.format, BENCH_FMT_JSONPLUS);
	cr_assert_eq(cl.eta, BENCH_ETA_NEVER);
	cr_assert_eq(cl.status_interval_ms, 5000, "a bare number is seconds");
	cr_assert_eq(n, 1);
	cr_assert(jobs[0].group_reporting);
	cr_assert_str_eq(jobs[0].write_bw_log, "a");
	cr_assert_str_eq(jobs[0].write_lat_log, "b");
	cr_assert_str_eq(jobs[0].write_iops_log, "c");
	cr_assert_eq(jobs[0].log_avg_msec, 250);
	bench_jobs_free(jobs, n);
	free(cl.output);
	free(err);

	cr_assert_eq(parse(2, defaults, &cl, &jobs, &n, &err), 0, "%s", err);
	cr_assert_eq(cl.format, BENCH_FMT_NORMAL);
	cr_assert_eq(cl.eta, BENCH_ETA_AUTO);
	cr_assert_eq(cl.status_interval_ms, 0);
	cr_assert_not(jobs[0].group_reporting);
	cr_assert_null(jobs[0].write_bw_log);
	cr_assert_null(jobs[0].write_lat_log);
	cr_assert_null(jobs[0].write_iops_log);
	cr_assert_eq(jobs[0].log_avg_msec, 500, "fio's bw_avg_time");
	bench_jobs_free(jobs, n);
	free(err);
}

Test(bench_job_output, bad_values_name_the_option)
{
	char *argv[] = { "ringbench", "--url=127.0.0.1:8080/f",
	    "--output-format=json++", "--eta=sometimes",
	    "--status-interval=0", "--status-interval=soon", NULL };
	char *logs[] = { "ringbench", "--url=127.0.0.1:8080/f",
	    "--log_avg_msec=3600001", "--write_bw_log=", "--stonewall=maybe", NULL };
	struct bench_cmdline cl;
	struct bench_job *jobs;
	size_t n;
	char *err;

	cr_assert_eq(parse(6, argv, &cl, &jobs, &n, &err), 4, "%s", err);
	cr_assert_not_null(strstr(err, "option --output-format: bad value "
	    "'json++' (normal, terse, json, json+ or ringbench)"), "%s", err);
	cr_assert_not_null(strstr(err, "option --eta: bad value 'sometimes'"),
	    "%s", err);
	cr_assert_not_null(strstr(err, "option --status-interval: bad value "
	    "'0'"), "%s", err);
	cr_assert_not_null(strstr(err, "option --status-interval: bad value "
	    "'soon'"), "%s", err);
	bench_jobs_free(jobs, n);
	free(cl.output);
	free(err);

	cr_assert_eq(parse(5, logs, &cl, &jobs, &n, &err), 3, "%s", err);
	/* 0 is fio's per-request logging */
	cr_assert_not_null(strstr(err, "option --log_avg_msec: value '3600001' "
	    "out of range 0..3600000"), "%s", err);
	cr_assert_not_null(strstr(err, "option --write_bw_log: bad value ''"),
	    "%s", err);
	cr_assert_not_null(strstr(err, "option --stonewall: bad value 'maybe'"),
	    "%s", err);
	free(err);
}
