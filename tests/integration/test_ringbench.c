/*
 * test_ringbench.c: ringbench against a real ringpushd on loopback.  The
 * json report's byte, request and verify counts must match the file tree
 * exactly; a local copy that differs must fail the run (exit 1) unless
 * continue_on_error; bad options and an unreachable server exit 2 with a
 * message naming the cause.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "ringbench_run.h"

#define SIZE_A 4096
#define SIZE_B 100000
#define SIZE_C (1048576 + 3)

static void
make_tree(struct rp_daemon *d)
{
	rp_setup(d);
	rp_make_file(d, "a.bin", SIZE_A, 1);
	rp_make_file(d, "b.bin", SIZE_B, 2);
	rp_make_file(d, "sub/c.bin", SIZE_C, 3);
	rp_start(d);
}

static char *
url(const struct rp_daemon *d, const char *paths)
{
	char *s;

	cr_assert(asprintf(&s, "--url=127.0.0.1:%d%s", d->port, paths) > 0);
	return s;
}

static char *
opt(const char *name, const char *value)
{
	char *s;

	cr_assert(asprintf(&s, "--%s=%s", name, value) > 0);
	return s;
}

RP_ENGINE_TEST(ringbench, read_verify_counts_every_byte, .timeout = 120)
{
	struct rp_daemon d;
	char *report, *out, *u, *vd;
	int rc;

	make_tree(&d);
	u = url(&d, "/a.bin,/b.bin,/sub/c.bin");
	vd = opt("verify_dir", d.root);
	/* 30 requests cycle through the three files ten times each */
	rc = rp_ringbench(d.dir, (char *[]){ "--group_reporting", u, "--iodepth=4",
	    "--number_ios=30", "--verify=sha256", vd, NULL }, &report, &out);
	cr_assert_eq(rc, 0, "exit %d:\n%s", rc, out);
	cr_assert_eq(rp_report_total(report, "requests"), 30, "%s", report);
	cr_assert_eq(rp_report_total(report, "bytes"),
	    10LL * (SIZE_A + SIZE_B + SIZE_C), "%s", report);
	cr_assert_eq(rp_report_total(report, "ok"), 30, "%s", report);
	cr_assert_eq(rp_report_total(report, "mismatch"), 0);
	cr_assert_eq(rp_report_total(report, "total"), 0, "errors: %s", report);
	cr_assert_eq(rp_report_total(report, "samples"), 30, "ttfb samples");
	free(report);
	free(out);
	free(u);
	free(vd);
	rp_stop(&d);
}

RP_ENGINE_TEST(ringbench, randread_ranges_verify, .timeout = 120)
{
	struct rp_daemon d;
	char *report, *out, *u, *vd;
	int rc;

	make_tree(&d);
	u = url(&d, "/sub/c.bin");
	vd = opt("verify_dir", d.root);
	rc = rp_ringbench(d.dir, (char *[]){ "--group_reporting", u, "--rw=randread", "--bs=4k",
	    "--iodepth=3", "--number_ios=50", "--verify=sha256", vd, NULL }, &report, &out);
	cr_assert_eq(rc, 0, "exit %d:\n%s", rc, out);
	cr_assert_eq(rp_report_total(report, "requests"), 50, "%s", report);
	cr_assert_eq(rp_report_total(report, "bytes"), 50LL * 4096, "%s", report);
	cr_assert_eq(rp_report_total(report, "ok"), 50, "%s", report);
	free(report);
	free(out);
	free(u);
	free(vd);
	rp_stop(&d);
}

Test(ringbench, splice_sink_without_keepalive)
{
	struct rp_daemon d;
	char *report, *out, *u;
	int rc;

	make_tree(&d);
	u = url(&d, "/b.bin,/sub/c.bin");
	rc = rp_ringbench(d.dir, (char *[]){ "--group_reporting", u, "--sink=splice",
	    "--keepalive=off", "--iodepth=2", "--number_ios=20", NULL }, &report, &out);
	cr_assert_eq(rc, 0, "exit %d:\n%s", rc, out);
	cr_assert_eq(rp_report_total(report, "requests"), 20, "%s", report);
	cr_assert_eq(rp_report_total(report, "bytes"), 10LL * (SIZE_B + SIZE_C),
	    "%s", report);
	free(report);
	free(out);
	free(u);
	rp_stop(&d);
}

Test(ringbench, time_based_job_file_with_server_cpu)
{
	struct rp_daemon d;
	char *report, *out, *jobpath, *pid;
	FILE *f;
	int rc;

	make_tree(&d);
	cr_assert(asprintf(&jobpath, "%s/t.job", d.dir) > 0);
	f = fopen(jobpath, "w");
	cr_assert_not_null(f);
	fprintf(f, "[global]\nruntime=1\ntime_based\n\n[small]\n"
	    "url=127.0.0.1:%d/a.bin\niodepth=8\n\n[large]\n"
	    "url=127.0.0.1:%d/sub/c.bin\nsink=splice\n", d.port, d.port);
	cr_assert(fclose(f) == 0);
	cr_assert(asprintf(&pid, "--server_pid=%d", (int)d.pid) > 0);
	rc = rp_ringbench(d.dir, (char *[]){ "--group_reporting", jobpath, pid, NULL },
	    &report, &out);
	cr_assert_eq(rc, 0, "exit %d:\n%s", rc, out);
	cr_assert_gt(rp_report_total(report, "requests"), 0, "%s", report);
	cr_assert_gt(rp_report_total(report, "bytes"), 0);
	/* group_reporting: one entry named after the first job */
	cr_assert_not_null(strstr(report, "\"jobname\" : \"small\""));
	cr_assert_null(strstr(report, "\"jobname\" : \"large\""));
	cr_assert_not_null(strstr(report, "\"server_cpu\" : {\"pid\" : "),
	    "%s", report);
	free(report);
	free(out);
	free(pid);
	free(jobpath);
	rp_stop(&d);
}

Test(ringbench, verify_mismatch_fails_the_run)
{
	struct rp_daemon d;
	char *report, *out, *u, *vd, copy[PATH_MAX], path[PATH_MAX + 16];
	unsigned char buf[SIZE_A];
	FILE *f;
	int rc;

	make_tree(&d);
	/* a local copy of a.bin with one byte changed */
	snprintf(copy, sizeof(copy), "%s/copy", d.dir);
	cr_assert(mkdir(copy, 0755) == 0, "mkdir: %s", strerror(errno));
	rp_pattern(1, 0, buf, sizeof(buf));
	buf[1000] ^= 0x55;
	snprintf(path, sizeof(path), "%s/a.bin", copy);
	f = fopen(path, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(buf, 1, sizeof(buf), f), sizeof(buf));
	cr_assert(fclose(f) == 0);

	u = url(&d, "/a.bin");
	vd = opt("verify_dir", copy);
	rc = rp_ringbench(d.dir, (char *[]){ "--group_reporting", u, "--number_ios=5",
	    "--verify=sha256", vd, "--continue_on_error", NULL }, &report, &out);
	cr_assert_eq(rc, 0, "continue_on_error: exit %d:\n%s", rc, out);
	cr_assert_eq(rp_report_total(report, "verify_mismatch"), 5, "%s", report);
	cr_assert_eq(rp_report_total(report, "ok"), 0, "%s", report);
	free(report);
	free(out);

	rc = rp_ringbench(d.dir, (char *[]){ "--group_reporting", u, "--number_ios=5",
	    "--verify=sha256", vd, NULL }, &report, &out);
	cr_assert_eq(rc, 1, "a mismatch must fail the run: exit %d:\n%s", rc,
	    out);
	cr_assert_geq(rp_report_total(report, "verify_mismatch"), 1, "%s", report);
	free(report);
	free(out);
	free(u);
	free(vd);
	rp_stop(&d);
}

/* A server that takes a PUT's connection and stops reading its body: each
 * stalled request fails after `timeout`, counted as a timeout, and the
 * run goes on to its next request and ends. */
Test(ringbench, stalled_put_times_out, .timeout = 60)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	char *report, *out, *u;
	int lfd, small = 4096, rc;
	char dir[] = "/tmp/rb-stall-XXXXXX";

	cr_assert_not_null(mkdtemp(dir));
	/* never accepted, never read: the kernel queues the connections
	 * and a receive buffer's worth of each body, then the sends stall */
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert(lfd >= 0);
	cr_assert_eq(setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)), 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(listen(lfd, 16), 0);
	cr_assert_eq(getsockname(lfd, (struct sockaddr *)&sa, &len), 0);
	cr_assert(asprintf(&u, "--url=127.0.0.1:%d/stall", ntohs(sa.sin_port)) > 0);
	rc = rp_ringbench(dir, (char *[]){ "--group_reporting", u, "--rw=write",
	    "--bs=8m", "--number_ios=2", "--timeout=1s", "--continue_on_error",
	    NULL }, &report, &out);
	cr_assert_eq(rc, 0, "exit %d:\n%s", rc, out);
	cr_expect_eq(rp_report_total(report, "timeout"), 2, "%s", report);
	cr_expect_eq(rp_report_total(report, "requests"), 0, "%s", report);
	free(report);
	free(out);
	free(u);
	close(lfd);
	for (const char *const *f = (const char *const[]){ "report.json",
	    "ringbench.out", NULL }; *f != NULL; f++) {
		char path[64];

		snprintf(path, sizeof(path), "%s/%s", dir, *f);
		unlink(path);
	}
	rmdir(dir);
}

Test(ringbench, bad_input_names_the_cause)
{
	struct rp_daemon d;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	char *report, *out, *u;
	int rc, fd;

	rp_setup(&d);
	rc = rp_ringbench(d.dir, (char *[]){ "--group_reporting", "--url=127.0.0.1:1/a",
	    "--iodepth=many", NULL }, &report, &out);
	cr_assert_eq(rc, 2, "exit %d:\n%s", rc, out);
	cr_assert_not_null(strstr(out, "option --iodepth: bad value 'many'"),
	    "%s", out);
	cr_assert_null(report, "no report after bad input");
	free(out);

	/* a loopback port nobody listens on: bound, never listened */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_geq(fd, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	cr_assert(getsockname(fd, (struct sockaddr *)&sin, &len) == 0);
	cr_assert(asprintf(&u, "--url=127.0.0.1:%d/a", ntohs(sin.sin_port)) > 0);
	rc = rp_ringbench(d.dir, (char *[]){ "--group_reporting", u, NULL }, &report, &out);
	close(fd);
	cr_assert_eq(rc, 2, "exit %d:\n%s", rc, out);
	cr_assert_not_null(strstr(out, "option 'url': cannot connect to "
	    "127.0.0.1:"), "%s", out);
	cr_assert_not_null(strstr(out, "Connection refused"), "%s", out);
	free(out);
	free(report);
	free(u);
}
