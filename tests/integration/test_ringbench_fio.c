/*
 * test_ringbench_fio.c: ringbench's fio-compatible output read by fio's own
 * tools (Debian's fio package: fio_jsonplus_clat2csv --validate on json+,
 * fio2gnuplot and fio_generate_plots on the logs) and by a check of fio's field list
 * (tests/fio_schema.py); the status line through a pseudo-terminal, and
 * none of it with --eta=never or without a terminal; interim reports with
 * --status-interval.  Tests needing fio's tools or python3 skip with the
 * reason when they are missing.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdarg.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "ringbench_run.h"

#define FILE_SIZE 200000

static const char *
tests_dir(void)
{
	const char *t = getenv("TESTS_DIR");

	return t != NULL && *t != '\0' ? t : "tests";
}

/* Run a shell command line in dir; its exit status, output in *out. */
static int
sh(const char *dir, char **out, const char *fmt, ...)
{
	char cmd[4096], out_path[PATH_MAX];
	char *argv[] = { "/bin/sh", "-c", cmd, NULL };
	va_list ap;
	int status, n;

	n = snprintf(cmd, sizeof(cmd), "cd '%s' && ", dir);
	va_start(ap, fmt);
	vsnprintf(cmd + n, sizeof(cmd) - (size_t)n, fmt, ap);
	va_end(ap);
	snprintf(out_path, sizeof(out_path), "%s/sh.out", dir);
	status = rp_run(argv, out_path, 120, false);
	*out = rp_slurp(out_path, NULL);
	cr_assert_not_null(*out);
	cr_assert(status != -1 && WIFEXITED(status), "did not finish: %s\n%s",
	    cmd, *out);
	return WEXITSTATUS(status);
}

static void
start(struct rp_daemon *d)
{
	rp_setup(d);
	rp_make_file(d, "f.bin", FILE_SIZE, 7);
	rp_start(d);
}

Test(ringbench_fio, fio_tools_read_json_plus_and_logs, .timeout = 180)
{
	struct rp_daemon d;
	char *out;
	int rc;

	if (!rp_have("fio_jsonplus_clat2csv") || !rp_have("fio2gnuplot"))
		cr_skip_test("fio_jsonplus_clat2csv or fio2gnuplot missing: "
		    "install Debian's fio package (configure --install-deps)");
	if (!rp_have("python3"))
		cr_skip_test("python3 missing: the fio tools need it");
	start(&d);
	/* two clones, 1.5 s: three log lines of 500 ms each per clone */
	rc = sh(d.dir, &out, "'%s' --url=127.0.0.1:%d/f.bin --numjobs=2 "
	    "--iodepth=2 --runtime=1500ms --time_based --output-format=json+ "
	    "--output=plus.json --write_bw_log=x --write_lat_log=x "
	    "--write_iops_log=x --log_avg_msec=500 --eta=never 2>&1",
	    rp_ringbench_path(), d.port);
	cr_assert_eq(rc, 0, "ringbench: %s", out);
	free(out);

	rc = sh(d.dir, &out, "python3 '%s/fio_schema.py' plus.json --plus 2>&1",
	    tests_dir());
	cr_assert_eq(rc, 0, "fio's field list: %s", out);
	free(out);
	rc = sh(d.dir, &out, "fio_jsonplus_clat2csv plus.json clat.csv && "
	    "fio_jsonplus_clat2csv plus.json clat.csv --validate 2>&1");
	cr_assert_eq(rc, 0, "fio_jsonplus_clat2csv: %s", out);
	cr_assert_not_null(strstr(out, "clat_job0.csv validated"), "%s", out);
	cr_assert_not_null(strstr(out, "clat_job1.csv validated"), "%s", out);
	free(out);

	/* fio2gnuplot reads the logs of both clones and finds values */
	rc = sh(d.dir, &out, "mkdir g && fio2gnuplot -p 'x_bw.*.log' -d g/ "
	    "-o bw -t bw 2>&1 && cat g/x_bw..global && "
	    "fio2gnuplot -p 'x_clat.*.log' -d g/ -o clat -t clat 2>&1 && "
	    "cat g/x_clat..global && "
	    "fio2gnuplot -p 'x_iops.*.log' -d g/ -o iops -t iops 2>&1");
	cr_assert_eq(rc, 0, "fio2gnuplot: %s", out);
	cr_assert_not_null(strstr(out, "2 files Selected with pattern "
	    "'x_bw.*.log'"), "%s", out);
	cr_assert_not_null(strstr(out, "disks_count=2"), "%s", out);
	cr_assert_null(strstr(out, "avg=0.00\n"), "empty logs: %s", out);
	free(out);

	/* fio_generate_plots draws one SVG per log kind (it fails when a
	 * kind has no log), each with a line per clone */
	if (!rp_have("fio_generate_plots") || !rp_have("gnuplot")) {
		rp_stop(&d);
		cr_skip_test("fio_generate_plots or gnuplot missing: "
		    "configure --install-deps installs fio and gnuplot-nox");
	}
	rc = sh(d.dir, &out, "fio_generate_plots x >plots.out 2>&1 || "
	    "cat plots.out; for k in lat iops slat clat bw; do "
	    "printf '%%s %%s\\n' $k $(grep -c 'Queue depth' x-$k.svg); done");
	cr_assert_eq(rc, 0, "fio_generate_plots: %s", out);
	for (const char *k = "lat\0iops\0slat\0clat\0bw\0"; *k; k += strlen(k) + 1) {
		char want[32];

		/* two titled lines, each named twice in gnuplot's SVG */
		snprintf(want, sizeof(want), "%s 4\n", k);
		cr_assert_not_null(strstr(out, want), "plot of %s: %s", k, out);
	}
	free(out);
	rp_stop(&d);
}

Test(ringbench_fio, json_has_one_entry_per_clone, .timeout = 120)
{
	struct rp_daemon d;
	char *out, *rep, path[PATH_MAX];
	const char *p;
	int rc, n = 0;

	start(&d);
	rc = sh(d.dir, &out, "'%s' --url=127.0.0.1:%d/f.bin --numjobs=3 "
	    "--number_ios=4 --output-format=json --output=r.json 2>&1",
	    rp_ringbench_path(), d.port);
	cr_assert_eq(rc, 0, "ringbench: %s", out);
	cr_assert_null(strstr(out, "Jobs:"), "no status line off a terminal");
	free(out);
	snprintf(path, sizeof(path), "%s/r.json", d.dir);
	rep = rp_slurp(path, NULL);
	cr_assert_not_null(rep);
	for (p = rep; (p = strstr(p, "\"total_ios\" : 4,")) != NULL; p++)
		n++;
	cr_assert_eq(n, 3, "three clones of 4 requests: %s", rep);
	cr_assert_not_null(strstr(rep, "\"io_bytes\" : 800000,"), "%s", rep);
	cr_assert_null(strstr(rep, "\"bins\""), "bins are json+ only");
	free(rep);
	if (rp_have("python3")) {
		rc = sh(d.dir, &out, "python3 '%s/fio_schema.py' r.json 2>&1",
		    tests_dir());
		cr_assert_eq(rc, 0, "fio's field list: %s", out);
		free(out);
	}
	rp_stop(&d);
}

/* Run ringbench on a pseudo-terminal; everything it wrote there. */
static char *
on_terminal(const struct rp_daemon *d, const char *eta)
{
	char url[64], buf[4096], *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct pollfd pfd;
	int master, status;
	time_t until = time(NULL) + 60 * (rp_under_valgrind() ? 4 : 1);
	ssize_t n;
	pid_t pid;

	cr_assert_not_null(f);
	snprintf(url, sizeof(url), "--url=127.0.0.1:%d/f.bin", d->port);
	pid = forkpty(&master, NULL, NULL, NULL);
	cr_assert_geq(pid, 0, "forkpty: %s", strerror(errno));
	if (pid == 0) {
		execl(rp_ringbench_path(), "ringbench", url, "--runtime=2500ms",
		    "--time_based", "--iodepth=2", eta, (char *)NULL);
		_exit(127);
	}
	pfd.fd = master;
	pfd.events = POLLIN;
	while (time(NULL) < until) {
		if (poll(&pfd, 1, 1000) <= 0)
			continue;
		n = read(master, buf, sizeof(buf));
		if (n <= 0)
			break;  /* EIO: the child closed the terminal */
		fwrite(buf, 1, (size_t)n, f);
	}
	if (waitpid(pid, &status, WNOHANG) == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	close(master);
	fclose(f);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "ringbench on a terminal: status %d\n%s", status, text);
	return text;
}

Test(ringbench_fio, status_line_on_a_terminal, .timeout = 300)
{
	struct rp_daemon d;
	char *text;

	start(&d);
	text = on_terminal(&d, "--eta=auto");
	cr_assert_not_null(strstr(text, "Jobs: 1 (f=1): [R(1)]["), "%s", text);
	cr_assert_not_null(strstr(text, " IOPS][eta 00m:0"), "%s", text);
	cr_assert_not_null(strstr(text, "MiB/s]"), "%s", text);
	/* the normal report follows on the same terminal */
	cr_assert_not_null(strstr(text, "Run status group 0 (all jobs):"), "%s", text);
	free(text);

	text = on_terminal(&d, "--eta=never");
	cr_assert_null(strstr(text, "Jobs:"), "%s", text);
	cr_assert_not_null(strstr(text, "Run status group 0 (all jobs):"), "%s", text);
	free(text);
	rp_stop(&d);
}

Test(ringbench_fio, status_interval_writes_interim_reports, .timeout = 120)
{
	struct rp_daemon d;
	char *out, *rep, path[PATH_MAX];
	const char *p;
	int rc, n = 0;

	start(&d);
	rc = sh(d.dir, &out, "'%s' --url=127.0.0.1:%d/f.bin --runtime=2500ms "
	    "--time_based --status-interval=1 --output-format=json "
	    "--output=r.json 2>&1", rp_ringbench_path(), d.port);
	cr_assert_eq(rc, 0, "ringbench: %s", out);
	free(out);
	snprintf(path, sizeof(path), "%s/r.json", d.dir);
	rep = rp_slurp(path, NULL);
	cr_assert_not_null(rep);
	/* at 1 s and 2 s, then the final report */
	for (p = rep; (p = strstr(p, "\"fio version\"")) != NULL; p++)
		n++;
	cr_assert_eq(n, 3, "%s", rep);
	free(rep);
	rp_stop(&d);
}
