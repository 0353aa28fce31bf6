/*
 * test_bench_job.c: ringbench's job files and command line: values,
 * [global] inheritance, bare flags, ${VAR} expansion, and that every bad
 * input gets a message naming the option and its file:line.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "bench_job.h"

/* Collect err output in memory. */
struct errbuf {
	char *text;
	size_t len;
	FILE *f;
};

static void
errbuf_open(struct errbuf *e)
{
	e->text = NULL;
	e->len = 0;
	e->f = open_memstream(&e->text, &e->len);
	cr_assert_not_null(e->f);
}

static const char *
errbuf_text(struct errbuf *e)
{
	fflush(e->f);
	return e->text;
}

static void
errbuf_close(struct errbuf *e)
{
	fclose(e->f);
	free(e->text);
}

/* Parse text as a job file and build; returns problems, jobs in *out. */
static int
build_text(const char *text, struct bench_job **jobs, size_t *njobs,
    struct errbuf *e)
{
	struct bench_spec s;
	int problems;

	bench_spec_init(&s);
	problems = bench_spec_load_string(&s, "t.job", text, e->f);
	if (problems == 0)
		problems = bench_jobs_build(&s, jobs, njobs, e->f);
	bench_spec_free(&s);
	return problems;
}

Test(bench_job, globals_flags_and_jobs)
{
	struct bench_job *jobs;
	size_t n;
	struct errbuf e;

	errbuf_open(&e);
	cr_assert_eq(build_text(
	    "; comment\n"
	    "[global]\n"
	    "url=127.0.0.1:8080/a.bin\n"
	    "runtime=5s\n"
	    "time_based\n"
	    "iodepth=8\n"
	    "\n"
	    "[first]\n"
	    "iodepth=16   ; inline comment\n"
	    "rw=randread\n"
	    "bs=64k\n"
	    "[second]\n"
	    "keepalive=off\n"
	    "url=http://[::1]:9/x,/y,z\n"
	    "ramp_time=250ms\n"
	    "rate=10M\n"
	    "sink=splice\n",
	    &jobs, &n, &e), 0, "%s", errbuf_text(&e));
	cr_assert_eq(n, 2);
	cr_assert_str_eq(jobs[0].name, "first");
	cr_assert_eq(jobs[0].iodepth, 16);
	cr_assert_eq(jobs[0].rw, BENCH_RW_RANDREAD);
	cr_assert_eq(jobs[0].bs, 65536);
	cr_assert(jobs[0].time_based);
	cr_assert_eq(jobs[0].runtime_ms, 5000);
	cr_assert_str_eq(jobs[0].host, "127.0.0.1");
	cr_assert_str_eq(jobs[0].port, "8080");
	cr_assert_eq(jobs[0].npaths, 1);
	cr_assert_str_eq(jobs[0].paths[0], "/a.bin");
	cr_assert(jobs[0].keepalive);

	cr_assert_str_eq(jobs[1].name, "second");
	cr_assert_eq(jobs[1].iodepth, 8, "inherited from [global]");
	cr_assert_eq(jobs[1].rw, BENCH_RW_READ);
	cr_assert_not(jobs[1].keepalive);
	cr_assert_str_eq(jobs[1].host, "::1");
	cr_assert_str_eq(jobs[1].port, "9");
	cr_assert_eq(jobs[1].npaths, 3);
	cr_assert_str_eq(jobs[1].paths[1], "/y");
	cr_assert_str_eq(jobs[1].paths[2], "/z");
	cr_assert_eq(jobs[1].ramp_ms, 250);
	cr_assert_eq(jobs[1].rate, 10 << 20);
	cr_assert_eq(jobs[1].sink, BENCH_SINK_SPLICE);
	bench_jobs_free(jobs, n);
	errbuf_close(&e);
}

Test(bench_job, errors_name_file_line_and_option)
{
	struct bench_job *jobs;
	size_t n;
	struct errbuf e;

	errbuf_open(&e);
	cr_assert_eq(build_text(
	    "[j]\n"
	    "url=127.0.0.1:8080/a\n"
	    "iodepth=lots\n"
	    "frobnicate=1\n"
	    "numjobs=0\n"
	    "rw=trim\n",
	    &jobs, &n, &e), 4);
	cr_assert_not_null(strstr(errbuf_text(&e),
	    "t.job:3: option 'iodepth': bad value 'lots'"), "%s", e.text);
	cr_assert_not_null(strstr(e.text,
	    "t.job:4: option 'frobnicate': unknown option"), "%s", e.text);
	cr_assert_not_null(strstr(e.text,
	    "t.job:5: option 'numjobs': value '0' out of range"), "%s", e.text);
	cr_assert_not_null(strstr(e.text,
	    "t.job:6: option 'rw': bad value 'trim' (expects read, randread, write, randwrite, rw or randrw)"),
	    "%s", e.text);
	errbuf_close(&e);
}

Test(bench_job, job_level_checks)
{
	struct bench_job *jobs;
	size_t n;
	struct errbuf e;

	errbuf_open(&e);
	cr_assert_eq(build_text("[nourl]\niodepth=2\n", &jobs, &n, &e), 1);
	cr_assert_not_null(strstr(errbuf_text(&e),
	    "t.job:1: job 'nourl': no url"), "%s", e.text);
	errbuf_close(&e);

	errbuf_open(&e);
	cr_assert_eq(build_text("[v]\nurl=127.0.0.1:1/a\nverify=sha256\n"
	    "sink=splice\ntime_based\n", &jobs, &n, &e), 3);
	cr_assert_not_null(strstr(errbuf_text(&e), "sha256 needs verify_dir"));
	cr_assert_not_null(strstr(e.text, "sink=discard, not splice"));
	cr_assert_not_null(strstr(e.text, "'time_based' needs a runtime"));
	errbuf_close(&e);

	/* the fast checks need the local copy and the bytes the same way */
	errbuf_open(&e);
	cr_assert_eq(build_text("[v]\nurl=127.0.0.1:1/a\nverify=crc32c\n"
	    "[w]\nurl=127.0.0.1:1/a\nverify=xxhash\nverify_dir=/\n"
	    "sink=splice\n", &jobs, &n, &e), 2);
	cr_assert_not_null(strstr(errbuf_text(&e), "crc32c needs verify_dir"),
	    "%s", e.text);
	cr_assert_not_null(strstr(e.text, "xxhash needs the bytes, so "
	    "sink=discard"), "%s", e.text);
	errbuf_close(&e);

	errbuf_open(&e);
	cr_assert_eq(build_text("[v]\nurl=127.0.0.1:1/a\nverify=md5\n",
	    &jobs, &n, &e), 1);
	cr_assert_not_null(strstr(errbuf_text(&e), "t.job:3: option "
	    "'verify': bad value 'md5'"), "%s", e.text);
	cr_assert_not_null(strstr(e.text, "sha256, crc32c, xxhash or none"),
	    "%s", e.text);
	errbuf_close(&e);

	errbuf_open(&e);
	cr_assert_eq(build_text("[a]\nurl=127.0.0.1:1/a\nverify=crc32c\n"
	    "verify_dir=/srv\n[b]\nurl=127.0.0.1:1/a\nverify=xxhash\n"
	    "verify_dir=/srv\n", &jobs, &n, &e), 0, "%s", errbuf_text(&e));
	cr_assert_eq(jobs[0].verify, BENCH_VERIFY_CRC32C);
	cr_assert_eq(jobs[1].verify, BENCH_VERIFY_XXHASH);
	bench_jobs_free(jobs, n);
	errbuf_close(&e);

	errbuf_open(&e);
	cr_assert_eq(build_text("[u]\nurl=localhost/a\n", &jobs, &n, &e), 1);
	cr_assert_not_null(strstr(errbuf_text(&e),
	    "t.job:1: job 'u': option 'url': bad value 'localhost/a'"),
	    "%s", e.text);
	errbuf_close(&e);

	errbuf_open(&e);
	cr_assert_eq(build_text("[s]\nurl=127.0.0.1:1\n", &jobs, &n, &e), 1);
	cr_assert_not_null(strstr(errbuf_text(&e), "no path to request"));
	errbuf_close(&e);
}

Test(bench_job, syntax_errors_and_env)
{
	struct bench_job *jobs;
	size_t n;
	struct errbuf e;

	errbuf_open(&e);
	cr_assert_gt(build_text("[j]\nurl=127.0.0.1:1/a\n[broken\n", &jobs, &n,
	    &e), 0);
	cr_assert_not_null(strstr(errbuf_text(&e), "t.job:3:"), "%s", e.text);
	errbuf_close(&e);

	errbuf_open(&e);
	setenv("RB_TEST_PORT", "4242", 1);
	cr_assert_eq(build_text("[j]\nurl=127.0.0.1:${RB_TEST_PORT}/a\n", &jobs,
	    &n, &e), 0, "%s", errbuf_text(&e));
	cr_assert_str_eq(jobs[0].port, "4242");
	bench_jobs_free(jobs, n);
	errbuf_close(&e);

	errbuf_open(&e);
	unsetenv("RB_TEST_UNSET");
	cr_assert_gt(build_text("[j]\nurl=127.0.0.1:${RB_TEST_UNSET}/a\n",
	    &jobs, &n, &e), 0);
	cr_assert_not_null(strstr(errbuf_text(&e),
	    "t.job:2: environment variable 'RB_TEST_UNSET' is not set"),
	    "%s", e.text);
	errbuf_close(&e);
}

Test(bench_job, command_line)
{
	char *argv[] = { "ringbench", "--iodepth=4", "--runtime", "2",
	    "--name=a", "--url=127.0.0.1:8080/f", "--time_based",
	    "--name", "b", "--url=127.0.0.1:8080/g", "--iodepth=32",
	    "--output-format=json", "--continue-on-error", NULL };
	struct bench_spec s;
	struct bench_cmdline cl;
	struct bench_job *jobs;
	size_t n;
	struct errbuf e;

	errbuf_open(&e);
	bench_spec_init(&s);
	cr_assert_eq(bench_spec_cmdline(&s, &cl, 13, argv, e.f), 0, "%s",
	    errbuf_text(&e));
	cr_assert_eq(bench_jobs_build(&s, &jobs, &n, e.f), 0, "%s",
	    errbuf_text(&e));
	cr_assert_eq(cl.format, BENCH_FMT_JSON);
	cr_assert(cl.continue_on_error);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(jobs[0].name, "a");
	cr_assert_eq(jobs[0].iodepth, 4, "global option before --name");
	cr_assert_eq(jobs[0].runtime_ms, 2000);
	cr_assert(jobs[0].time_based);
	cr_assert_str_eq(jobs[1].name, "b");
	cr_assert_eq(jobs[1].iodepth, 32);
	cr_assert_not(jobs[1].time_based);
	cr_assert_str_eq(jobs[1].paths[0], "/g");
	bench_jobs_free(jobs, n);
	bench_spec_free(&s);
	free(cl.output);
	errbuf_close(&e);
}

Test(bench_job, command_line_errors)
{
	char *argv[] = { "ringbench", "--url=127.0.0.1:1/a", "--frobnicate=2",
	    "--iodepth=-1", "--output-format=xml", "--bs", NULL };
	struct bench_spec s;
	struct bench_cmdline cl;
	struct bench_job *jobs;
	size_t n;
	struct errbuf e;
	int problems;

	errbuf_open(&e);
	bench_spec_init(&s);
	problems = bench_spec_cmdline(&s, &cl, 6, argv, e.f);
	problems += bench_jobs_build(&s, &jobs, &n, e.f);
	errbuf_text(&e);
	cr_assert_eq(problems, 4, "%s", e.text);
	cr_assert_not_null(strstr(e.text,
	    "option --frobnicate: unknown option"), "%s", e.text);
	cr_assert_not_null(strstr(e.text,
	    "option --iodepth: bad value '-1'"), "%s", e.text);
	cr_assert_not_null(strstr(e.text,
	    "option --output-format: bad value 'xml'"), "%s", e.text);
	cr_assert_not_null(strstr(e.text, "option --bs needs a value"),
	    "%s", e.text);
	bench_spec_free(&s);
	free(cl.output);
	errbuf_close(&e);
}

Test(bench_job, value_parsers)
{
	bool b;
	char *host, *port, **paths;
	size_t n;

	cr_assert_eq(bench_parse_bool("On", &b), 0);
	cr_assert(b);
	cr_assert_eq(bench_parse_bool("0", &b), 0);
	cr_assert_not(b);
	cr_assert_eq(bench_parse_bool("maybe", &b), -1);

	cr_assert_eq(bench_parse_url("127.0.0.1:80", &host, &port, &paths, &n), 0);
	cr_assert_eq(n, 0);
	free(host);
	free(port);
	free(paths);
	cr_assert_eq(bench_parse_url("127.0.0.1:0/a", &host, &port, &paths,
	    &n), -1);
	cr_assert_eq(bench_parse_url("127.0.0.1:65536/a", &host, &port, &paths,
	    &n), -1);
	cr_assert_eq(bench_parse_url(":80/a", &host, &port, &paths, &n), -1);
	cr_assert_eq(bench_parse_url("[::1/a", &host, &port, &paths, &n), -1);
	cr_assert_eq(bench_parse_url("h:80/a b", &host, &port, &paths, &n), -1);
}

Test(bench_job, url_list_file)
{
	char path[] = "/tmp/test_bench_job_XXXXXX";
	struct bench_job *jobs;
	size_t n;
	struct errbuf e;
	char text[256];
	FILE *f;
	int fd;

	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	f = fdopen(fd, "w");
	fputs("# listing\n/one.bin\n\ntwo.bin\n", f);
	fclose(f);
	snprintf(text, sizeof(text), "[l]\nurl=127.0.0.1:8080/zero.bin\n"
	    "url_list=%s\n", path);
	errbuf_open(&e);
	cr_assert_eq(build_text(text, &jobs, &n, &e), 0, "%s", errbuf_text(&e));
	cr_assert_eq(jobs[0].npaths, 3);
	cr_assert_str_eq(jobs[0].paths[0], "/zero.bin");
	cr_assert_str_eq(jobs[0].paths[1], "/one.bin");
	cr_assert_str_eq(jobs[0].paths[2], "/two.bin");
	bench_jobs_free(jobs, n);
	unlink(path);
	errbuf_close(&e);

	errbuf_open(&e);
	cr_assert_eq(build_text("[l]\nurl=127.0.0.1:8080\n"
	    "url_list=/nonexistent/list\n", &jobs, &n, &e), 1);
	cr_assert_not_null(strstr(errbuf_text(&e),
	    "job 'l': url_list=/nonexistent/list:"), "%s", e.text);
	errbuf_close(&e);
}

Test(bench_job, write_takes_bs_and_credentials)
{
	struct bench_job *jobs;
	size_t n;
	struct errbuf e;

	errbuf_open(&e);
	cr_assert_eq(build_text("[w]\nurl=127.0.0.1:8080/up/a\nrw=write\nbs=1M\n"
	    "http_user=x\nhttp_pass=tok\nverify=sha256\n", &jobs, &n, &e), 0, "%s",
	    errbuf_text(&e));
	cr_expect_eq(jobs[0].rw, BENCH_RW_WRITE);
	cr_expect_eq(jobs[0].bs, 1 << 20);
	cr_expect_str_eq(jobs[0].http_user, "x");
	cr_expect_str_eq(jobs[0].http_pass, "tok");
	bench_jobs_free(jobs, n);
	errbuf_close(&e);
	errbuf_open(&e);
	cr_expect_eq(build_text("[w]\nurl=127.0.0.1:8080/a\nrw=write\nbs=2G\n",
	    &jobs, &n, &e), 1);
	cr_expect_not_null(strstr(errbuf_text(&e), "at most 1G"), "%s", e.text);
	errbuf_close(&e);
}

Test(bench_job, rw_mixes_and_groups)
{
	struct bench_job *jobs;
	struct errbuf e;
	size_t n;

	errbuf_open(&e);
	cr_assert_eq(build_text(
	    "[global]\nurl=127.0.0.1:1/f\n"
	    "[a]\nrw=randrw\n"
	    "[b]\nrw=readwrite\nrwmixread=70\n"
	    "[c]\nrw=randwrite\nstonewall\n"
	    "[d]\nrw=read\n"
	    "[e]\nwait_for_previous=1\n",
	    &jobs, &n, &e), 0, "%s", errbuf_text(&e));
	cr_assert_eq(n, 5);
	cr_assert_eq(jobs[0].rw, BENCH_RW_RANDRW);
	cr_assert_eq(jobs[0].rwmixread, 50, "fio's default");
	cr_assert_eq(jobs[1].rw, BENCH_RW_RW);
	cr_assert_eq(jobs[1].rwmixread, 70);
	cr_assert_eq(jobs[2].rw, BENCH_RW_RANDWRITE);
	/* a stonewall starts a new group; the jobs after it share it */
	cr_assert_eq(jobs[0].group, 0);
	cr_assert_eq(jobs[1].group, 0);
	cr_assert_eq(jobs[2].group, 1);
	cr_assert_eq(jobs[3].group, 1);
	cr_assert_eq(jobs[4].group, 2);
	cr_assert_str_eq(bench_rw_name(BENCH_RW_RANDRW), "randrw");
	cr_assert(bench_rw_reads(BENCH_RW_RW) && bench_rw_writes(BENCH_RW_RW));
	cr_assert(!bench_rw_reads(BENCH_RW_RANDWRITE));
	cr_assert(!bench_rw_writes(BENCH_RW_RANDREAD));
	cr_assert(bench_rw_random(BENCH_RW_RANDRW) && !bench_rw_random(BENCH_RW_RW));
	bench_jobs_free(jobs, n);
	errbuf_close(&e);
}

Test(bench_job, rwmixread_proportions)
{
	static const unsigned mix[] = { 0, 10, 50, 70, 100 };
	uint64_t rng, again;
	unsigned reads, i, k;

	for (k = 0; k < sizeof(mix) / sizeof(mix[0]); k++) {
		rng = 0x5eed;
		for (reads = 0, i = 0; i < 10000; i++)
			reads += bench_rw_pick(BENCH_RW_RANDRW, mix[k], &rng) ==
			    BENCH_DDIR_READ;
		/* 10,000 draws: within 2 points of the mix */
		cr_assert(reads >= mix[k] * 100 - (mix[k] % 100 ? 200 : 0) &&
		    reads <= mix[k] * 100 + (mix[k] % 100 ? 200 : 0),
		    "rwmixread=%u: %u reads of 10000", mix[k], reads);
	}
	/* the same seed, the same sequence */
	rng = again = 42;
	for (i = 0; i < 100; i++)
		cr_assert_eq(bench_rw_pick(BENCH_RW_RW, 50, &rng),
		    bench_rw_pick(BENCH_RW_RW, 50, &again));
	/* a job that only reads or only writes draws nothing */
	rng = 7;
	cr_assert_eq(bench_rw_pick(BENCH_RW_RANDREAD, 0, &rng), BENCH_DDIR_READ);
	cr_assert_eq(bench_rw_pick(BENCH_RW_WRITE, 100, &rng), BENCH_DDIR_WRITE);
	cr_assert_eq(rng, 7);
}

Test(bench_job, mixed_verify_is_refused)
{
	struct bench_job *jobs;
	struct errbuf e;
	size_t n;

	errbuf_open(&e);
	cr_assert_eq(build_text("[a]\nurl=127.0.0.1:1/f\nrw=randrw\n"
	    "verify=crc32c\nverify_dir=/tmp\n", &jobs, &n, &e), 1, "%s",
	    errbuf_text(&e));
	cr_assert_not_null(strstr(errbuf_text(&e), "t.job:1: job 'a': option "
	    "'verify': rw=randrw mixes reads and writes"), "%s", e.text);
	errbuf_close(&e);
}
