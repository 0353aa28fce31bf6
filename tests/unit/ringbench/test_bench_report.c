/*
 * test_bench_report.c: ringbench's reports carry the documented fields
 * with the right values: fio's terse version 3 (field count and order as
 * fio's HOWTO lists them), fio's normal layout, ringbench's own; and the
 * response-head parser.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "bench_http.h"
#include "bench_proc.h"
#include "bench_fiotext.h"
#include "bench_report.h"

static struct bench_result res, total;
static struct bench_job job;

static char *
render(enum bench_format fmt)
{
	const struct bench_job *jobs[1] = { &job };
	struct bench_report rep = { .results = &res, .jobs = jobs, .nresults = 1,
	    .total = &total };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	cr_assert_not_null(f);
	cr_assert_eq(bench_report_write(f, fmt, &rep), 0);
	fclose(f);
	return text;
}

static void
setup(void)
{
	uint64_t v;

	memset(&job, 0, sizeof(job));
	job.url = "127.0.0.1:8080/a \"quoted\"";
	job.iodepth = 16;
	job.bs = 4096;
	job.keepalive = true;
	job.verify = BENCH_VERIFY_SHA256;
	job.rw = BENCH_RW_READ;
	strcpy(job.name, "job\\1");
	bench_result_init(&res, "job\\1", 0);
	res.elapsed_ns = 1000000000;
	res.requests = 3;
	res.bytes = 12288;
	res.io[BENCH_DDIR_READ].bytes = 12288;
	res.verified = 3;
	for (v = 1; v <= 3; v++) {
		bench_hist_add(&res.ttfb, v * 10000);
		/* slat 1, 2, 3 us; clat 20, 40, 60 us */
		bench_result_add_io(&res, BENCH_DDIR_READ, v * 1000, v * 20000);
	}
	res.requests = 3;
	res.err.http_status = 2;
	res.err.status[404] = 2;
	res.err.reset = 1;
	bench_result_init(&total, "total", 0);
	bench_result_merge(&total, &res);
	total.server_pid = 77;
	total.server_usr_s = 0.001;
	total.server_sys_s = 0.002;
}

/* Split a terse line at its semicolons. */
static size_t
fields(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *p = line, *semi;

	while (n < max) {
		f[n++] = p;
		semi = strchr(p, ';');
		if (semi == NULL)
			break;
		*semi = '\0';
		p = semi + 1;
	}
	return n;
}

Test(bench_report, terse_is_fio_version_3, .init = setup)
{
	char *t = render(BENCH_FMT_TERSE), *f[200], *nl;
	size_t n;

	nl = strchr(t, '\n');
	cr_assert_not_null(nl, "%s", t);
	cr_assert_eq(nl[1], '\0', "one line per job: %s", t);
	*nl = '\0';
	n = fields(t, f, 200);
	cr_assert_eq(n, BENCH_TERSE_FIELDS, "%zu fields", n);
	cr_assert_eq(n, 121, "fio 3.x writes 121 fields without a disk");
	/* terse_version_3;fio_version;jobname;groupid;error */
	cr_assert_str_eq(f[0], "3");
	cr_assert_eq(strncmp(f[1], "ringbench-", 10), 0, "%s", f[1]);
	cr_assert_str_eq(f[2], "job\\1");
	cr_assert_str_eq(f[3], "0");
	cr_assert_str_eq(f[4], "5", "EIO, as fio, for a job with errors");
	/* read_kb;read_bandwidth_kb;read_iops;read_runtime_ms */
	cr_assert_str_eq(f[5], "12");
	cr_assert_str_eq(f[6], "12");
	cr_assert_str_eq(f[7], "3");
	cr_assert_str_eq(f[8], "1000");
	/* read_slat_{min,max,mean,dev}_us */
	cr_assert_str_eq(f[9], "1");
	cr_assert_str_eq(f[10], "3");
	cr_assert_str_eq(f[11], "2.000000");
	/* read_clat_{min,max,mean,dev}_us */
	cr_assert_str_eq(f[13], "20");
	cr_assert_str_eq(f[14], "60");
	cr_assert_str_eq(f[15], "40.000000");
	/* 20 percentile fields: fio's 17, then padding */
	cr_assert_eq(strncmp(f[17], "1.000000%=", 10), 0, "%s", f[17]);
	cr_assert_eq(strncmp(f[23], "50.000000%=", 11), 0, "%s", f[23]);
	cr_assert_eq(strncmp(f[33], "99.990000%=", 11), 0, "%s", f[33]);
	cr_assert_str_eq(f[34], "0%=0");
	cr_assert_str_eq(f[36], "0%=0");
	/* read_lat_{min,max,mean,dev}_us: slat + clat */
	cr_assert_str_eq(f[37], "21");
	cr_assert_str_eq(f[38], "63");
	cr_assert_str_eq(f[39], "42.000000");
	/* read_bw_{min,max,agg_pct,mean,dev}; then the write side, zeroed */
	cr_assert_str_eq(f[43], "0.000000%");
	cr_assert_str_eq(f[46], "0");
	cr_assert_str_eq(f[58], "0%=0");
	/* cpu_user;cpu_sys;cpu_csw;cpu_mjf;cpu_minf */
	cr_assert_not_null(strchr(f[87], '%'), "%s", f[87]);
	cr_assert_not_null(strchr(f[88], '%'), "%s", f[88]);
	cr_assert_null(strchr(f[89], '%'), "%s", f[89]);
	/* iodepth_1..iodepth_64, then lat_2us..lat_1000us, lat_2ms.. */
	cr_assert_str_eq(f[92], "100.0%");
	cr_assert_str_eq(f[98], "0.0%");
	/* fio's buckets are named by their (exclusive) upper bound: 20 and
	 * 40 us count under 50, 60 us under 100 */
	cr_assert_str_eq(f[99], "0.00%", "lat_2us");
	cr_assert_str_eq(f[102], "0.00%", "lat_20us");
	cr_assert_str_eq(f[103], "66.67%", "lat_50us");
	cr_assert_str_eq(f[104], "33.33%", "lat_100us");
	cr_assert_str_eq(f[120], "0.00%");
	free(t);
}

Test(bench_report, terse_mixed_fills_both_directions, .init = setup)
{
	char *t, *f[200];

	job.rw = BENCH_RW_RANDRW;
	bench_result_add_io(&res, BENCH_DDIR_WRITE, 5000, 100000);
	res.io[BENCH_DDIR_WRITE].bytes = 8192;
	t = render(BENCH_FMT_TERSE);
	t[strcspn(t, "\n")] = '\0';
	cr_assert_eq(fields(t, f, 200), 121);
	cr_assert_str_eq(f[5], "12");
	/* write_kb;write_bandwidth_kb;write_iops;write_runtime_ms */
	cr_assert_str_eq(f[46], "8");
	cr_assert_str_eq(f[47], "8");
	cr_assert_str_eq(f[48], "1");
	cr_assert_str_eq(f[49], "1000");
	cr_assert_str_eq(f[50], "5", "write slat min");
	cr_assert_str_eq(f[54], "100", "write clat min");
	cr_assert_str_eq(f[78], "105", "write lat min");
	free(t);
}

Test(bench_report, normal_is_fio_layout, .init = setup)
{
	char *n;

	job.rw = BENCH_RW_RANDRW;
	job.rwmixread = 50;
	bench_result_add_io(&res, BENCH_DDIR_WRITE, 5000, 100000);
	res.io[BENCH_DDIR_WRITE].bytes = 8192;
	bench_series_add(&res.io[BENCH_DDIR_READ].bw_kib, 10);
	bench_series_add(&res.io[BENCH_DDIR_READ].bw_kib, 14);
	n = render(BENCH_FMT_NORMAL);
	cr_assert_eq(strncmp(n, "job\\1: (groupid=0, jobs=1): err= 5: pid=",
	    40), 0, "%s", n);
	cr_assert_not_null(strstr(n, "\n  read: IOPS=3, BW=12.0KiB/s "
	    "(12.3kB/s)(12.0KiB/1000msec)\n"), "%s", n);
	cr_assert_not_null(strstr(n, "\n  write: IOPS=1, BW=8192B/s "
	    "(8192B/s)(8192B/1000msec)\n"), "%s", n);
	cr_assert_not_null(strstr(n, "\n    slat (usec): min=1, max=3, "
	    "avg=2.00, stdev=1.00\n"), "%s", n);
	cr_assert_not_null(strstr(n, "\n    clat (usec): min=20, max=60, "
	    "avg=40.00, stdev=20.00\n"), "%s", n);
	cr_assert_not_null(strstr(n, "\n     lat (usec): min=21, max=63, "
	    "avg=42.00, stdev=21.00\n"), "%s", n);
	cr_assert_not_null(strstr(n, "\n    clat percentiles (usec):\n"
	    "     |  1.00th=[20],  5.00th=[20], 10.00th=[20], "
	    "20.00th=[20],\n"), "%s", n);
	/* as wide as the largest value, as fio does */
	cr_assert_not_null(strstr(n, "\n     | 99.99th=[60]\n"), "%s", n);
	cr_assert_not_null(strstr(n, "\n     | 99.99th=[100]\n"), "%s", n);
	cr_assert_not_null(strstr(n, "\n   bw (  KiB/s): min=10, max=14, "
	    "per=100.00%, avg=12.00, stdev=2.83, samples=2\n"), "%s", n);
	cr_assert_not_null(strstr(n, "\n  lat (usec)   : 50=50.00%, "
	    "100=25.00%, 250=25.00%\n"), "%s", n);
	cr_assert_not_null(strstr(n, "\n  cpu          : usr="), "%s", n);
	cr_assert_not_null(strstr(n, "\n     issued rwts: total=3,1,0,0 "), "%s", n);
	cr_assert_not_null(strstr(n, "\n  ringbench    : by status: HTTP 404: 2\n"),
	    "%s", n);
	cr_assert_not_null(strstr(n, "\nRun status group 0 (all jobs):\n"
	    "   READ: bw=12.0KiB/s (12.3kB/s), 12.0KiB/s-12.0KiB/s "
	    "(12.3kB/s-12.3kB/s), io=12.0KiB (12.3kB), run=1000-1000msec\n"
	    "  WRITE: bw=8192B/s (8192B/s), "), "%s", n);
	free(n);
}

Test(bench_report, ringbench_layout, .init = setup)
{
	char *n = render(BENCH_FMT_RINGBENCH);

	cr_assert_not_null(strstr(n, "requests=3, bytes=12288"), "%s", n);
	cr_assert_not_null(strstr(n, "HTTP 404: 2"), "%s", n);
	cr_assert_not_null(strstr(n, "server pid 77"), "%s", n);
	free(n);
}

Test(bench_report, fio_numbers)
{
	char b[32];

	bench_fio_num(b, sizeof(b), 4096, true, "B");
	cr_assert_str_eq(b, "4096B");
	bench_fio_num(b, sizeof(b), 31.9 * 1048576, true, "B");
	cr_assert_str_eq(b, "31.9MiB");
	bench_fio_num(b, sizeof(b), 1594.0 * 1048576, true, "B/s");
	cr_assert_str_eq(b, "1594MiB/s");
	bench_fio_num(b, sizeof(b), 1671e6, false, "B/s");
	cr_assert_str_eq(b, "1671MB/s");
	bench_fio_num(b, sizeof(b), 15.6 * 1073741824.0, true, "B/s");
	cr_assert_str_eq(b, "15.6GiB/s");
	bench_fio_num(b, sizeof(b), 512.0 * 1024, true, "B");
	cr_assert_str_eq(b, "512KiB");
}

Test(bench_http, parse_heads)
{
	struct bench_http_resp r;
	const char *ok = "HTTP/1.1 206 Partial Content\r\nContent-Length: 10\r\n"
	    "content-range: bytes 100-109/5000\r\nConnection: close\r\n\r\nBODY";
	size_t len = strlen(ok);
	size_t i;

	cr_assert_eq(bench_http_parse(ok, len, &r), (long)len - 4);
	cr_assert_eq(r.status, 206);
	cr_assert(r.has_length);
	cr_assert_eq(r.content_length, 10);
	cr_assert(r.close);
	cr_assert(r.has_range);
	cr_assert_eq(r.range_first, 100);
	cr_assert_eq(r.range_last, 109);
	cr_assert_eq(r.range_total, 5000);
	/* every prefix short of the blank line asks for more */
	for (i = 0; i < len - 4; i++)
		cr_assert_eq(bench_http_parse(ok, i, &r), 0, "prefix %zu", i);
	cr_assert_eq(bench_http_parse("HTTP/1.0 200 OK\n\n", 17, &r), 17);
	cr_assert(r.close, "HTTP/1.0 closes by default");
	cr_assert_eq(bench_http_parse("SSH-2.0-OpenSSH\r\n\r\n", 19, &r), -1);
	cr_assert_eq(bench_http_parse("HTTP/1.1 2000 OK\r\n\r\n", 20, &r), -1);
	cr_assert_eq(bench_http_parse("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
	    "Content-Length: 2\r\n\r\n", 57, &r), -1);
	cr_assert_eq(bench_http_parse("HTTP/1.1 200 OK\r\nContent-Length: x\r\n"
	    "\r\n", 38, &r), -1);
	cr_assert_eq(bench_http_parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: "
	    "chunked\r\n\r\n", 47, &r), -1);
}

Test(bench_http, build_requests)
{
	char buf[256], tiny[20];

	cr_assert_eq(bench_http_request(buf, sizeof(buf), "GET", "h:1", "/f",
	    100, 10, true), 52);
	cr_assert_str_eq(buf, "GET /f HTTP/1.1\r\nHost: h:1\r\n"
	    "Range: bytes=100-109\r\n\r\n");
	cr_assert_gt(bench_http_request(buf, sizeof(buf), "HEAD", "h:1", "/f",
	    0, 0, false), 0);
	cr_assert_str_eq(buf, "HEAD /f HTTP/1.1\r\nHost: h:1\r\n"
	    "Connection: close\r\n\r\n");
	cr_assert_eq(bench_http_request(tiny, sizeof(tiny), "GET", "h:1", "/f",
	    0, 0, true), -1);
}

Test(bench_http, build_put)
{
	char buf[256], tiny[40];

	cr_assert_gt(bench_http_put(buf, sizeof(buf), "h:1", "/up/f", 4096, true, "x",
	    "tok"), 0);
	/* x:tok */
	cr_assert_str_eq(buf, "PUT /up/f HTTP/1.1\r\nHost: h:1\r\nContent-Length: 4096\r\n"
	    "Authorization: Basic eDp0b2s=\r\n\r\n");
	cr_assert_gt(bench_http_put(buf, sizeof(buf), "h:1", "/f", 0, false, NULL, NULL), 0);
	cr_assert_str_eq(buf, "PUT /f HTTP/1.1\r\nHost: h:1\r\nContent-Length: 0\r\n"
	    "Connection: close\r\n\r\n");
	cr_assert_eq(bench_http_put(tiny, sizeof(tiny), "h:1", "/f", 1, true, NULL, "t"), -1);
}

Test(bench_proc, stat_lines)
{
	pid_t ppid;
	uint64_t ut, st;
	struct bench_cpu cpu;

	cr_assert_eq(bench_proc_parse_stat("1234 (a (b) c) S 1 1234 1234 0 -1 "
	    "4194560 100 0 0 0 250 125 10 5 20 0 1 0 100 1000 10\n", &ppid, &ut,
	    &st), 0);
	cr_assert_eq(ppid, 1);
	cr_assert_eq(ut, 260, "utime + cutime");
	cr_assert_eq(st, 130, "stime + cstime");
	cr_assert_eq(bench_proc_parse_stat("garbage", &ppid, &ut, &st), -1);
	cr_assert_eq(bench_proc_tree_cpu(getpid(), &cpu), 0);
	cr_assert_geq(cpu.usr_s + cpu.sys_s, 0);
	cr_assert_eq(bench_proc_tree_cpu(-5, &cpu), -1);
}

/* Two stonewalled groups: a block, a terse line and a Run status block
 * each, with the group's own total under group_reporting. */
Test(bench_report, groups, .init = setup)
{
	static struct bench_result two[2], totals[2];
	struct bench_job second = job;
	const struct bench_job *jobs[2] = { &job, &second };
	struct bench_report rep = { .results = two, .jobs = jobs,
	    .nresults = 2, .total = &total, .group_reporting = true,
	    .groups = totals, .ngroups = 2 };
	char *text = NULL, *nl;
	size_t len = 0;
	FILE *f;

	strcpy(second.name, "later");
	second.rw = BENCH_RW_RANDWRITE;
	two[0] = res;
	bench_result_init(&two[1], "later", 0);
	two[1].group = 1;
	two[1].elapsed_ns = 2000000000;
	bench_result_add_io(&two[1], BENCH_DDIR_WRITE, 1000, 9000);
	two[1].io[BENCH_DDIR_WRITE].bytes = 4096;
	totals[0] = res;
	totals[1] = two[1];
	totals[1].server_pid = 99;

	f = open_memstream(&text, &len);
	cr_assert_eq(bench_report_write(f, BENCH_FMT_NORMAL, &rep), 0);
	fclose(f);
	cr_assert_not_null(strstr(text, "job\\1: (groupid=0, jobs=1)"), "%s", text);
	cr_assert_not_null(strstr(text, "\nlater: (groupid=1, jobs=1)"), "%s", text);
	cr_assert_not_null(strstr(text, "server pid 99"), "the group's total: %s",
	    text);
	cr_assert_not_null(strstr(text, "\nRun status group 1 (all jobs):\n"
	    "  WRITE: bw=2048B/s (2048B/s), "), "%s", text);
	free(text);

	text = NULL;
	f = open_memstream(&text, &len);
	cr_assert_eq(bench_report_write(f, BENCH_FMT_TERSE, &rep), 0);
	fclose(f);
	cr_assert_eq(strncmp(text, "3;ringbench-", 12), 0, "%s", text);
	nl = strchr(text, '\n');
	cr_assert_not_null(nl);
	cr_assert_not_null(strstr(nl + 1, ";later;1;0;0;0;0;0;"),
	    "no reads, then the writes: %s", nl + 1);
	cr_assert_not_null(strstr(nl + 1, ";4;2;0;2000;1;1;"), "%s", nl + 1);
	free(text);
}
