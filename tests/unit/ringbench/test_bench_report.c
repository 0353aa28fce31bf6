/*
 * test_bench_report.c: ringbench's terse and normal reports carry the
 * documented fields with the right values, and the response-head parser.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "bench_http.h"
#include "bench_proc.h"
#include "bench_report.h"

static struct bench_result res, total;
static struct bench_job job;

static char *
render(enum bench_format fmt)
{
	const struct bench_job *jobs[1] = { &job };
	struct bench_report rep = { &res, jobs, 1, &total, false };
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
	bench_result_init(&res, "job\\1", 0);
	res.elapsed_ns = 1000000000;
	res.requests = 3;
	res.bytes = 12288;
	res.verified = 3;
	for (v = 1; v <= 3; v++) {
		/* below 256 ns the histogram is exact */
		bench_hist_add(&res.ttfb, v * 10);
		bench_hist_add(&res.clat, v * 20);
	}
	res.err.http_status = 2;
	res.err.status[404] = 2;
	res.err.reset = 1;
	bench_result_init(&total, "total", 0);
	bench_result_merge(&total, &res);
	total.server_pid = 77;
	total.server_usr_s = 0.001;
	total.server_sys_s = 0.002;
}

Test(bench_report, terse_and_normal, .init = setup)
{
	char *t = render(BENCH_FMT_TERSE), *n, *line2;
	int semis = 0;
	const char *p;

	cr_assert_eq(strncmp(t, "ringbench;1;job\\1;0;1000000000;3;12288;", 39),
	    0, "%s", t);
	line2 = strchr(t, '\n');
	cr_assert_not_null(line2);
	cr_assert_eq(strncmp(line2 + 1, "ringbench;1;total;0;", 20), 0, "%s", t);
	for (p = t; p < line2; p++)
		semis += *p == ';';
	/* 4 + 5 + 5 + 4 + 17 percentiles + 7 = 42 fields, 41 separators */
	cr_assert_eq(semis, 41, "%s", t);
	free(t);

	n = render(BENCH_FMT_NORMAL);
	cr_assert_not_null(strstr(n, "requests=3, bytes=12288"), "%s", n);
	cr_assert_not_null(strstr(n, "HTTP 404: 2"), "%s", n);
	cr_assert_not_null(strstr(n, "server pid 77"), "%s", n);
	free(n);
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
