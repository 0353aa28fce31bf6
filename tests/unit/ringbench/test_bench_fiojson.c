/*
 * test_bench_fiojson.c: the json and json+ reports in fio's schema carry
 * fio's fields with the right values, the unused directions zeroed and
 * ringbench's own figures apart; and the monitor's samples, log lines and
 * status line, driven by made-up progress ticks (no clock, no network).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "../../json_check.h"
#include "bench_fiojson.h"
#include "bench_monitor.h"
#include "bench_report.h"

static struct bench_result res, total;
static struct bench_job job;

static char *
render(enum bench_format fmt, bool group)
{
	const struct bench_job *jobs[1] = { &job };
	struct bench_report rep = { .results = &res, .jobs = jobs, .nresults = 1,
	    .total = &total, .group_reporting = group };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	cr_assert_not_null(f);
	cr_assert_eq(bench_report_write(f, fmt, &rep), 0);
	fclose(f);
	cr_assert(json_check(text, len), "not JSON:\n%s", text);
	return text;
}

static void
setup(void)
{
	uint64_t v;

	memset(&job, 0, sizeof(job));
	strcpy(job.name, "job\\1");
	job.url = "127.0.0.1:8080/a \"quoted\"";
	job.iodepth = 16;
	job.numjobs = 1;
	job.bs = 4096;
	job.keepalive = true;
	job.verify = BENCH_VERIFY_SHA256;
	bench_result_init(&res, "job\\1", 0);
	res.elapsed_ns = 1000000000;
	res.bytes = 12288;
	res.io[BENCH_DDIR_READ].bytes = 12288;
	res.verified = 3;
	for (v = 1; v <= 3; v++) {
		/* below 256 ns the histogram is exact */
		bench_hist_add(&res.ttfb, v * 10);
		/* sent at once: lat is clat */
		bench_result_add_io(&res, BENCH_DDIR_READ, 0, v * 20);
	}
	bench_series_add(&res.io[BENCH_DDIR_READ].bw_kib, 10);
	bench_series_add(&res.io[BENCH_DDIR_READ].bw_kib, 14);
	bench_series_add(&res.io[BENCH_DDIR_READ].iops, 3);
	res.err.http_status = 2;
	res.err.status[404] = 2;
	res.err.reset = 1;
	bench_result_init(&total, "total", 0);
	bench_result_merge(&total, &res);
	total.server_pid = 77;
	total.server_usr_s = 0.001;
	total.server_sys_s = 0.002;
}

static void
assert_all(const char *text, const char *const *fields, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		cr_assert_not_null(strstr(text, fields[i]), "missing %s in:\n%s",
		    fields[i], text);
}

Test(bench_fiojson, fio_fields_and_values, .init = setup)
{
	char *j = render(BENCH_FMT_JSON, false);
	static const char *const fields[] = {
		"\"fio version\" : \"ringbench-", "\"timestamp\" : ",
		"\"time\" : \"", "\"global options\" : {}", "\"jobs\" : [",
		"\"jobname\" : \"job\\\\1\"", "\"groupid\" : 0",
		"\"error\" : 5", "\"job options\" : {",
		"\"url\" : \"127.0.0.1:8080/a \\\"quoted\\\"\"",
		"\"rw\" : \"read\"", "\"bs\" : \"4096\"", "\"iodepth\" : \"16\"",
		"\"read\" : {\n        \"io_bytes\" : 12288,\n"
		"        \"io_kbytes\" : 12,\n        \"bw_bytes\" : 12288,\n"
		"        \"bw\" : 12,\n        \"iops\" : 3.000000,\n"
		"        \"runtime\" : 1000,\n        \"total_ios\" : 3,\n"
		"        \"short_ios\" : 0,\n        \"drop_ios\" : 0,\n"
		"        \"slat_ns\" : {\n          \"min\" : 0,\n",
		"\"clat_ns\" : {\n          \"min\" : 20,\n          \"max\" : 60,\n"
		"          \"mean\" : 40.000000,\n          \"stddev\" : 20.000000,\n"
		"          \"N\" : 3,\n          \"percentile\" : {\n"
		"            \"1.000000\" : 20,",
		"\"50.000000\" : 40", "\"99.990000\" : 60",
		"\"lat_ns\" : {\n          \"min\" : 20,",
		"\"bw_min\" : 10,\n        \"bw_max\" : 14,\n"
		"        \"bw_agg\" : 100.000000,\n        \"bw_mean\" : 12.000000,\n"
		"        \"bw_dev\" : 2.828427,\n        \"bw_samples\" : 2,\n"
		"        \"iops_min\" : 3,\n        \"iops_max\" : 3,\n"
		"        \"iops_mean\" : 3.000000,\n        \"iops_stddev\" : 0.000000,\n"
		"        \"iops_samples\" : 1\n",
		"\"write\" : {\n        \"io_bytes\" : 0,",
		"\"trim\" : {\n        \"io_bytes\" : 0,",
		"\"usr_cpu\" : ", "\"sys_cpu\" : ", "\"ctx\" : ", "\"majf\" : ",
		"\"minf\" : ",
		/* 20 and 40 ns are under 50 ns, 60 ns under 100 */
		"\"latency_ns\" : {\n        \"2\" : 0.000000,",
		"\"50\" : 66.666667,\n        \"100\" : 33.333333,",
		"\"latency_us\" : {", "\"latency_ms\" : {",
		"\">=2000\" : 0.000000\n",
		"\"disk_util\" : []",
		"\"ringbench\" : {\n        \"clone\" : 0,\n"
		"        \"requests\" : 3,\n        \"bytes\" : 12288,",
		"\"ttfb_ns\" : {\"samples\" : 3, \"min\" : 10, \"max\" : 30, "
		"\"mean\" : 20.000000",
		"\"errors\" : {\"total\" : 3, \"http_status\" : 2, "
		"\"short_body\" : 0, \"verify_mismatch\" : 0, \"connect\" : 0, "
		"\"reset\" : 1, \"protocol\" : 0, \"timeout\" : 0, "
		"\"by_status\" : {\"404\" : 2}}",
		"\"verify\" : {\"ok\" : 3, \"mismatch\" : 0}",
		"\"server_cpu\" : null",
	};

	assert_all(j, fields, sizeof(fields) / sizeof(fields[0]));
	cr_assert_null(strstr(j, "\"bins\""), "bins are json+ only");
	free(j);
}

Test(bench_fiojson, plus_adds_clat_bins, .init = setup)
{
	char *j = render(BENCH_FMT_JSONPLUS, false);
	static const char *const fields[] = {
		"\"bins\" : {\n            \"20\" : 1,\n            \"40\" : 1,\n"
		"            \"60\" : 1\n          }",
	};
	const char *p;
	int n = 0;

	assert_all(j, fields, 1);
	/* only the read clat carries bins, as fio writes them */
	for (p = j; (p = strstr(p, "\"bins\"")) != NULL; p++)
		n++;
	cr_assert_eq(n, 1, "%s", j);
	free(j);
}

Test(bench_fiojson, bins_are_bucket_midpoints, .init = setup)
{
	char *j;

	/* 1000 ns lands in a 4 ns wide bucket [1000, 1004): midpoint 1002 */
	bench_hist_init(&res.io[BENCH_DDIR_READ].clat);
	bench_hist_add(&res.io[BENCH_DDIR_READ].clat, 1000);
	bench_hist_add(&res.io[BENCH_DDIR_READ].clat, 1001);
	j = render(BENCH_FMT_JSONPLUS, false);
	cr_assert_not_null(strstr(j, "\"bins\" : {\n            \"1002\" : 2\n"),
	    "%s", j);
	cr_assert_not_null(strstr(j, "\"50.000000\" : 1001"), "%s", j);
	free(j);
}

Test(bench_fiojson, group_reporting_is_one_job, .init = setup)
{
	char *j = render(BENCH_FMT_JSON, true);
	const char *p;
	int n = 0;

	for (p = j; (p = strstr(p, "\"jobname\"")) != NULL; p++)
		n++;
	cr_assert_eq(n, 1, "%s", j);
	cr_assert_not_null(strstr(j, "\"server_cpu\" : {\"pid\" : 77"), "%s", j);
	free(j);
}

Test(bench_fiojson, latency_table_edges)
{
	struct bench_hist h;
	double pct[BENCH_FIO_LAT_BOUNDS], sum = 0;
	int k;

	bench_hist_init(&h);
	bench_fiojson_lat_table(&h, pct);
	for (k = 0; k < BENCH_FIO_LAT_BOUNDS; k++)
		cr_assert_eq(pct[k], 0);
	bench_hist_add(&h, 0);                  /* < 2 ns */
	bench_hist_add(&h, 999);                /* < 1000 ns */
	bench_hist_add(&h, 1500000000);         /* < 2000 ms */
	bench_hist_add(&h, UINT64_MAX);         /* >= 2000 ms */
	bench_fiojson_lat_table(&h, pct);
	cr_assert_eq(pct[0], 25);
	cr_assert_eq(pct[9], 25);
	cr_assert_eq(pct[30], 25);
	cr_assert_eq(pct[31], 25);
	for (k = 0; k < BENCH_FIO_LAT_BOUNDS; k++)
		sum += pct[k];
	cr_assert_float_eq(sum, 100, 1e-9);
}

Test(bench_monitor, eta_and_counts)
{
	char b[32];

	bench_monitor_eta(b, sizeof(b), 5);
	cr_assert_str_eq(b, "00m:05s");
	bench_monitor_eta(b, sizeof(b), 3661);
	cr_assert_str_eq(b, "1h:01m:01s");
	bench_monitor_eta(b, sizeof(b), 90000);
	cr_assert_str_eq(b, "1d:01h:00m:00s");
	bench_monitor_count(b, sizeof(b), 999);
	cr_assert_str_eq(b, "999");
	bench_monitor_count(b, sizeof(b), 9999);
	cr_assert_str_eq(b, "9999");
	bench_monitor_count(b, sizeof(b), 122000);
	cr_assert_str_eq(b, "122k");
	bench_monitor_count(b, sizeof(b), 12345678);
	cr_assert_str_eq(b, "12M");
}

static void
tick(struct bench_monitor *m, struct bench_result *r, uint64_t now,
    double done)
{
	struct bench_progress p = {
		.now_ns = now, .window_start_ns = 1000000000u,
		.measuring = now >= 1000000000u, .done = done,
		.clones_running = 1, .results = r, .nresults = 1,
	};

	bench_monitor_tick(m, &p);
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	static char buf[4096];
	size_t n;

	cr_assert_not_null(f, "%s", path);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

Test(bench_monitor, logs_samples_and_status_line)
{
	struct bench_monitor m;
	struct bench_cmdline cl;
	struct bench_result r, tot;
	const struct bench_job *jobs[1] = { &job };
	char dir[] = "/tmp/wt-fiojson-unit.XXXXXX", prefix[64], path[96];
	char *tty = NULL;
	size_t ttylen = 0;
	FILE *ttyf = open_memstream(&tty, &ttylen);

	cr_assert_not_null(mkdtemp(dir));
	snprintf(prefix, sizeof(prefix), "%s/x", dir);
	memset(&job, 0, sizeof(job));
	job.write_bw_log = job.write_iops_log = job.write_lat_log = prefix;
	job.log_avg_msec = 500;
	memset(&cl, 0, sizeof(cl));
	cl.eta = BENCH_ETA_ALWAYS;
	cr_assert_eq(bench_monitor_open(&m, jobs, 1, &cl, stdout, ttyf,
	    stderr), 0);
	bench_result_init(&r, "x", 0);
	/* ramp: nothing sampled or logged before the window opens */
	tick(&m, &r, 500000000u, 0.1);
	tick(&m, &r, 1000000000u, 0.2);
	/* 512 KiB and 10 requests of 1 ms each in the first half second */
	r.bytes = r.io[BENCH_DDIR_READ].bytes = 512 * 1024;
	r.requests = r.io[BENCH_DDIR_READ].requests = 10;
	r.io[BENCH_DDIR_READ].clat.count = r.io[BENCH_DDIR_READ].lat.count = 10;
	r.io[BENCH_DDIR_READ].clat.sum = r.io[BENCH_DDIR_READ].lat.sum = 10 * 1e6;
	tick(&m, &r, 1500000000u, 0.5);
	/* nothing in the next half second: bw and iops 0, no latency line */
	tick(&m, &r, 2000000000u, 0.75);
	bench_result_init(&tot, "total", 0);
	bench_monitor_close(&m, &r, &tot);
	fclose(ttyf);

	cr_assert_eq(r.io[BENCH_DDIR_READ].bw_kib.n, 2);
	cr_assert_float_eq(r.io[BENCH_DDIR_READ].bw_kib.max, 1024, 1e-9);
	cr_assert_float_eq(r.io[BENCH_DDIR_READ].bw_kib.min, 0, 1e-9);
	cr_assert_float_eq(r.io[BENCH_DDIR_READ].iops.max, 20, 1e-9);
	cr_assert_eq(tot.io[BENCH_DDIR_READ].bw_kib.n, 2, "the total is sampled too");
	snprintf(path, sizeof(path), "%s_bw.1.log", prefix);
	cr_assert_str_eq(slurp(path), "500, 1024, 0, 0, 0\n1000, 0, 0, 0, 0\n");
	unlink(path);
	snprintf(path, sizeof(path), "%s_iops.1.log", prefix);
	cr_assert_str_eq(slurp(path), "500, 20, 0, 0, 0\n1000, 0, 0, 0, 0\n");
	unlink(path);
	snprintf(path, sizeof(path), "%s_clat.1.log", prefix);
	cr_assert_str_eq(slurp(path), "500, 1000000, 0, 0, 0\n");
	unlink(path);
	snprintf(path, sizeof(path), "%s_lat.1.log", prefix);
	cr_assert_str_eq(slurp(path), "500, 1000000, 0, 0, 0\n");
	unlink(path);
	snprintf(path, sizeof(path), "%s_slat.1.log", prefix);
	cr_assert_str_eq(slurp(path), "500, 0, 0, 0, 0\n");
	unlink(path);
	rmdir(dir);

	/* one line a second: at 1.5 s (512 KiB, 10 requests since 0.5 s,
	 * half done after 1 s: 1 s left), erased at the end */
	cr_assert_not_null(strstr(tty, "Jobs: 1 (f=1): [R(1)][50.0%]"
	    "[r=512KiB/s][r=10 IOPS][eta 00m:01s]\r"), "%s", tty);
	cr_assert_eq(tty[ttylen - 1], '\r', "%s", tty);
	free(tty);
}

Test(bench_monitor, eta_never_and_no_terminal)
{
	struct bench_monitor m;
	struct bench_cmdline cl;
	const struct bench_job *jobs[1] = { &job };
	char *tty = NULL;
	size_t ttylen = 0;
	FILE *ttyf = open_memstream(&tty, &ttylen);

	memset(&job, 0, sizeof(job));
	job.log_avg_msec = 500;
	memset(&cl, 0, sizeof(cl));
	cl.eta = BENCH_ETA_NEVER;
	cr_assert_eq(bench_monitor_open(&m, jobs, 1, &cl, stdout, ttyf,
	    stderr), 0);
	cr_assert_null(m.status);
	bench_monitor_close(&m, NULL, NULL);
	/* auto: a memory stream is no terminal */
	cl.eta = BENCH_ETA_AUTO;
	cr_assert_eq(bench_monitor_open(&m, jobs, 1, &cl, stdout, ttyf,
	    stderr), 0);
	cr_assert_null(m.status);
	bench_monitor_close(&m, NULL, NULL);
	fclose(ttyf);
	cr_assert_eq(ttylen, 0);
	free(tty);
}

Test(bench_monitor, unwritable_log_names_the_option)
{
	struct bench_monitor m;
	struct bench_cmdline cl;
	const struct bench_job *jobs[1] = { &job };
	char *err = NULL;
	size_t errlen = 0;
	FILE *errf = open_memstream(&err, &errlen);

	memset(&job, 0, sizeof(job));
	job.log_avg_msec = 500;
	job.write_bw_log = "/nonexistent/dir/x";
	memset(&cl, 0, sizeof(cl));
	cl.eta = BENCH_ETA_NEVER;
	cr_assert_eq(bench_monitor_open(&m, jobs, 1, &cl, stdout, stdout,
	    errf), -1);
	bench_monitor_close(&m, NULL, NULL);
	fclose(errf);
	cr_assert_not_null(strstr(err, "option --write_bw_log: "
	    "/nonexistent/dir/x_bw.1.log: No such file"), "%s", err);
	free(err);
}
