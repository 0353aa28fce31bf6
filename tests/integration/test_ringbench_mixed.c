/*
 * test_ringbench_mixed.c: ringbench's mixed workloads against the daemon
 * with uploads on: rw=randrw with rwmixread fills fio's read (GET) and
 * write (PUT) directions, with slat and lat, and log_avg_msec=0 logs every
 * request with its direction and bytes; and stonewall makes a job wait for
 * the jobs before it, in a group of its own.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "ringbench_run.h"

#define TOKEN "mixed-t0ken"
#define FILE_SIZE 20000
#define NIOS 60

static void
start_upload(struct rp_daemon *d)
{
	char conf[8192], tokens[PATH_MAX + 16];
	size_t n;
	int fd;

	rp_setup(d);
	snprintf(tokens, sizeof(tokens), "%s/tokens", d->dir);
	fd = open(tokens, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	cr_assert(fd >= 0, "%s: %s", tokens, strerror(errno));
	cr_assert_eq(write(fd, TOKEN "\n", sizeof(TOKEN)), (ssize_t)sizeof(TOKEN));
	close(fd);
	rp_default_conf(d, conf, sizeof(conf));
	n = strlen(conf);
	snprintf(conf + n, sizeof(conf) - n, "upload = on\nupload_token_file = %s\n",
	    tokens);
	rp_make_file(d, "m/a", FILE_SIZE, 1);
	rp_make_file(d, "m/b", FILE_SIZE, 2);
	rp_make_file(d, "m/c", FILE_SIZE, 3);
	rp_start_conf(d, conf);
}

/* The integer after "key" : in a direction ("read", "write") of the first
 * job of a json report, or after "key" : in its block sub ("slat_ns"). */
static long long
ddir_field(const char *report, const char *ddir, const char *sub,
    const char *key)
{
	char pat[128];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\" : {", ddir);
	p = strstr(report, pat);
	cr_assert_not_null(p, "no %s in:\n%s", ddir, report);
	if (sub != NULL) {
		snprintf(pat, sizeof(pat), "\"%s\" : {", sub);
		p = strstr(p, pat);
		cr_assert_not_null(p, "no %s.%s in:\n%s", ddir, sub, report);
	}
	snprintf(pat, sizeof(pat), "\"%s\" : ", key);
	p = strstr(p, pat);
	cr_assert_not_null(p, "no %s in %s:\n%s", key, ddir, report);
	return strtoll(p + strlen(pat), NULL, 10);
}

/* fio's field list, with both directions filled (tests/fio_schema.py) */
static void
check_schema(const struct rp_daemon *d)
{
	const char *t = getenv("TESTS_DIR");
	char script[PATH_MAX], report[PATH_MAX], out[PATH_MAX], *text;
	char *argv[] = { "python3", script, report, NULL };
	int status;

	snprintf(script, sizeof(script), "%s/fio_schema.py",
	    t != NULL && *t != '\0' ? t : "tests");
	snprintf(report, sizeof(report), "%s/report.json", d->dir);
	snprintf(out, sizeof(out), "%s/schema.out", d->dir);
	status = rp_run(argv, out, 60, false);
	text = rp_slurp(out, NULL);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "fio's field list: %s", text != NULL ? text : "");
	free(text);
}

Test(ringbench_mixed, randrw_fills_both_directions, .timeout = 120)
{
	struct rp_daemon d;
	char url[128], log_arg[PATH_MAX + 32], log[PATH_MAX], path[PATH_MAX];
	char *report, *output, *lines, *p;
	long long reads, writes, per_ddir[2] = { 0, 0 };
	struct stat st;
	unsigned long long msec, value, ddir, bs, offset;
	int status;

	start_upload(&d);
	snprintf(url, sizeof(url), "--url=127.0.0.1:%d/m/a,/m/b,/m/c", d.port);
	snprintf(log_arg, sizeof(log_arg), "--write_lat_log=%s/x", d.dir);
	{
		char *const args[] = { "--name=mix", url, "--rw=randrw",
		    "--rwmixread=50", "--bs=4k", "--number_ios=60",
		    "--iodepth=2", "--randseed=3", "--http_pass=" TOKEN,
		    "--log_avg_msec=0", log_arg, NULL };

		status = rp_ringbench(d.dir, args, &report, &output);
	}
	cr_assert_eq(status, 0, "ringbench: %s", output);
	reads = ddir_field(report, "read", NULL, "total_ios");
	writes = ddir_field(report, "write", NULL, "total_ios");
	cr_assert_eq(reads + writes, NIOS, "%s", report);
	/* 60 draws at 50%: both sides well used */
	cr_assert(reads >= 10 && writes >= 10, "%lld reads, %lld writes", reads,
	    writes);
	cr_assert_eq(ddir_field(report, "write", NULL, "io_bytes"), writes * 4096);
	cr_assert_eq(ddir_field(report, "write", "slat_ns", "N"), writes);
	cr_assert_eq(ddir_field(report, "read", "slat_ns", "N"), reads);
	cr_assert_eq(ddir_field(report, "read", "lat_ns", "N"), reads);
	cr_assert_gt(ddir_field(report, "write", "slat_ns", "max"), 0);
	/* lat is slat + clat: never below clat */
	cr_assert_geq(ddir_field(report, "read", "lat_ns", "min"),
	    ddir_field(report, "read", "clat_ns", "min"));
	cr_assert_not_null(strstr(report, "\"rwmixread\" : \"50\""), "%s", report);
	if (rp_have("python3"))
		check_schema(&d);

	/* what was written is bs bytes, from a PUT the daemon published */
	rp_path(&d, "m/a", path);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert(st.st_size == 4096 || st.st_size == FILE_SIZE, "%lld",
	    (long long)st.st_size);

	/* log_avg_msec=0: one line per request, its ddir and bytes */
	snprintf(log, sizeof(log), "%s/x_clat.1.log", d.dir);
	lines = rp_slurp(log, NULL);
	cr_assert_not_null(lines, "%s missing", log);
	for (p = lines; *p != '\0'; p = strchr(p, '\n') + 1) {
		cr_assert_eq(sscanf(p, "%llu, %llu, %llu, %llu, %llu", &msec,
		    &value, &ddir, &bs, &offset), 5, "%s", p);
		cr_assert(ddir <= 1, "%s", p);
		cr_assert(ddir == 1 ? bs == 4096 : bs == 4096 || bs == FILE_SIZE,
		    "%s", p);
		per_ddir[ddir]++;
		if (strchr(p, '\n') == NULL)
			break;
	}
	cr_assert_eq(per_ddir[0], reads, "%s", lines);
	cr_assert_eq(per_ddir[1], writes, "%s", lines);
	free(lines);
	free(report);
	free(output);
	rp_stop(&d);
}

Test(ringbench_mixed, stonewall_waits_for_the_jobs_before, .timeout = 120)
{
	struct rp_daemon d;
	char url1[128], url2[128], *report, *output, *access;
	const char *last_first, *p, *first_second;
	int status;

	start_upload(&d);
	snprintf(url1, sizeof(url1), "--url=127.0.0.1:%d/m/a", d.port);
	snprintf(url2, sizeof(url2), "--url=127.0.0.1:%d/m/b", d.port);
	{
		char *const args[] = { "--name=one", url1, "--number_ios=20",
		    "--name=two", url2, "--number_ios=20", "--stonewall", NULL };

		status = rp_ringbench(d.dir, args, &report, &output);
	}
	cr_assert_eq(status, 0, "ringbench: %s", output);
	/* the second job is in group 1 */
	p = strstr(report, "\"jobname\" : \"two\"");
	cr_assert_not_null(p, "%s", report);
	cr_assert_not_null(strstr(p, "\"groupid\" : 1,"), "%s", report);
	cr_assert_not_null(strstr(report, "\"groupid\" : 0,"), "%s", report);
	rp_stop(&d);
	/* every GET of the first job is logged before any of the second's */
	access = rp_slurp(d.access_log, NULL);
	cr_assert_not_null(access);
	first_second = strstr(access, "GET /m/b ");
	cr_assert_not_null(first_second, "%s", access);
	for (last_first = NULL, p = access; (p = strstr(p, "GET /m/a ")) != NULL;
	    p++)
		last_first = p;
	cr_assert_not_null(last_first, "%s", access);
	cr_assert(last_first < first_second, "interleaved:\n%s", access);
	free(access);
	free(report);
	free(output);
}
