/*
 * test_cli.c: ringpushd's command line and start-up: -V, usage errors
 * (exit 2), -t on good and bad files (file:line messages, exit 1), and
 * configurations the daemon must refuse to start with (exit 1).
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "harness.h"
#include "version.h"

/* Run ringpushd with args; return its exit status, output in *out. */
static int
run_daemon(const struct rp_daemon *d, char **out, const char *a1, const char *a2,
    const char *a3)
{
	char *argv[] = { (char *)rp_daemon_path(), (char *)a1, (char *)a2, (char *)a3, NULL };
	char path[PATH_MAX];
	int status;

	snprintf(path, sizeof(path), "%s/cli.out", d->dir);
	status = rp_run(argv, path, 30, true);
	*out = rp_slurp(path, NULL);
	cr_assert_not_null(*out);
	cr_assert(status != -1, "ringpushd %s %s did not finish; output:\n%s",
	    a1 ? a1 : "", a2 ? a2 : "", *out);
	cr_assert(WIFEXITED(status), "ringpushd %s killed by signal %d; output:\n%s",
	    a1 ? a1 : "", WTERMSIG(status), *out);
	cr_assert(!(rp_under_valgrind() && WEXITSTATUS(status) == 99),
	    "valgrind found errors:\n%s", *out);
	return WEXITSTATUS(status);
}

static void
write_conf(const struct rp_daemon *d, const char *text)
{
	FILE *f = fopen(d->conf, "w");

	cr_assert_not_null(f);
	fputs(text, f);
	cr_assert(fclose(f) == 0);
}

Test(cli, version)
{
	struct rp_daemon d;
	char *out;

	rp_setup(&d);
	cr_assert_eq(run_daemon(&d, &out, "-V", NULL, NULL), 0, "-V: %s", out);
	cr_assert(strstr(out, "ringpushd " RINGPUSH_VERSION) != NULL,
	    "-V printed \"%s\", want \"ringpushd " RINGPUSH_VERSION "\"", out);
	free(out);
}

Test(cli, usage_errors_exit_2)
{
	struct rp_daemon d;
	char *out;

	rp_setup(&d);
	cr_assert_eq(run_daemon(&d, &out, "-Z", NULL, NULL), 2, "-Z: %s", out);
	free(out);
	cr_assert_eq(run_daemon(&d, &out, "--no-such-option", NULL, NULL), 2,
	    "--no-such-option: %s", out);
	free(out);
	cr_assert_eq(run_daemon(&d, &out, "-c", NULL, NULL), 2, "-c without a file: %s", out);
	free(out);
	cr_assert_eq(run_daemon(&d, &out, "-f", "extra-argument", NULL), 2,
	    "a stray argument: %s", out);
	free(out);
}

Test(cli, test_good_config)
{
	struct rp_daemon d;
	char conf[8192], want[PATH_MAX + 32], *out;

	rp_setup(&d);
	rp_default_conf(&d, conf, sizeof(conf));
	write_conf(&d, conf);
	cr_assert_eq(run_daemon(&d, &out, "-t", "-c", d.conf), 0, "-t: %s", out);
	snprintf(want, sizeof(want), "%s: syntax is ok", d.conf);
	cr_assert(strstr(out, want) != NULL, "-t printed \"%s\", want \"%s\"", out, want);
	free(out);
}

/* Problems on known lines: every one is reported as file:line. */
Test(cli, test_bad_config_names_every_line)
{
	struct rp_daemon d;
	char conf[8192], want[PATH_MAX + 32], *out;

	rp_setup(&d);
	snprintf(conf, sizeof(conf),
	    "[daemon]\n"                          /* 1 */
	    "error_log = -\n"                     /* 2 */
	    "no_such_key = 1\n"                   /* 3 */
	    "\n"                                  /* 4 */
	    "[limits]\n"                          /* 5 */
	    "max_connections = lots\n"            /* 6 */
	    "header_timeout = 10 parsecs\n"       /* 7 */
	    "max_request_header = 8K\n"           /* 8 */
	    "\n"                                  /* 9 */
	    "[listener test]\n"                   /* 10 */
	    "address = 127.0.0.1:0\n"             /* 11 */
	    "root = %s\n"                         /* 12 */
	    "engine = warp\n",                    /* 13 */
	    d.root);
	write_conf(&d, conf);
	cr_assert_eq(run_daemon(&d, &out, "-t", "-c", d.conf), 1, "-t on a bad file: %s", out);
	snprintf(want, sizeof(want), "%s:3:", d.conf);
	cr_assert(strstr(out, want) != NULL, "no \"%s\" for the unknown key in:\n%s", want, out);
	cr_assert(strstr(out, "no_such_key") != NULL, "the unknown key is not named:\n%s", out);
	snprintf(want, sizeof(want), "%s:6:", d.conf);
	cr_assert(strstr(out, want) != NULL, "no \"%s\" for the bad number in:\n%s", want, out);
	snprintf(want, sizeof(want), "%s:7:", d.conf);
	cr_assert(strstr(out, want) != NULL, "no \"%s\" for the bad duration in:\n%s", want, out);
	snprintf(want, sizeof(want), "%s:13:", d.conf);
	cr_assert(strstr(out, want) != NULL, "no \"%s\" for the bad engine in:\n%s", want, out);
	snprintf(want, sizeof(want), "%s:8:", d.conf);
	cr_assert(strstr(out, want) == NULL, "a valid line reported as a problem:\n%s", out);
	cr_assert(strstr(out, "syntax is ok") == NULL, "bad file called ok:\n%s", out);
	free(out);
}

Test(cli, test_unknown_section_and_no_listener)
{
	struct rp_daemon d;
	char want[PATH_MAX + 32], *out;

	rp_setup(&d);
	write_conf(&d, "[daemon]\nerror_log = -\n[frobnicate]\nx = 1\n");
	cr_assert_eq(run_daemon(&d, &out, "-t", "-c", d.conf), 1, "%s", out);
	snprintf(want, sizeof(want), "%s:3:", d.conf);
	cr_assert(strstr(out, want) != NULL, "unknown section not reported at line 3:\n%s", out);
	free(out);

	/* A file must name at least one listener. */
	write_conf(&d, "[daemon]\nerror_log = -\n");
	cr_assert_eq(run_daemon(&d, &out, "-t", "-c", d.conf), 1,
	    "a file without a listener: %s", out);
	free(out);
}

Test(cli, start_refuses_bad_config)
{
	struct rp_daemon d;
	char conf[8192], bad[8300], want[PATH_MAX + 32], *out;

	rp_setup(&d);
	rp_default_conf(&d, conf, sizeof(conf));
	/* Line 2 becomes an unknown key. */
	snprintf(bad, sizeof(bad), "[daemon]\nbogus_setting = yes\n%s", conf + strlen("[daemon]\n"));
	write_conf(&d, bad);
	cr_assert_eq(run_daemon(&d, &out, "-f", "-c", d.conf), 1,
	    "started with an unknown key: %s", out);
	snprintf(want, sizeof(want), "%s:2:", d.conf);
	cr_assert(strstr(out, want) != NULL && strstr(out, "bogus_setting") != NULL,
	    "want \"%s\" naming bogus_setting in:\n%s", want, out);
	free(out);
}

Test(cli, start_refuses_missing_file_and_root)
{
	struct rp_daemon d;
	char conf[8192], *out, *p;

	rp_setup(&d);
	snprintf(conf, sizeof(conf), "%s/does-not-exist.conf", d.dir);
	cr_assert_eq(run_daemon(&d, &out, "-f", "-c", conf), 1,
	    "a missing configuration file: %s", out);
	free(out);

	rp_default_conf(&d, conf, sizeof(conf));
	p = strstr(conf, "/root\n");
	cr_assert_not_null(p);
	memcpy(p, "/nope\n", 6);
	write_conf(&d, conf);
	cr_assert_eq(run_daemon(&d, &out, "-f", "-c", d.conf), 1,
	    "a root that does not exist: %s", out);
	free(out);
}

Test(cli, start_refuses_address_in_use)
{
	struct rp_daemon d, second;
	char conf[8192], addr[64], *out;

	rp_setup(&d);
	rp_start(&d);
	rp_setup(&second);
	rp_default_conf(&second, conf, sizeof(conf));
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", d.port);
	rp_conf_set(conf, sizeof(conf), "address", addr);
	write_conf(&second, conf);
	cr_assert_eq(run_daemon(&second, &out, "-f", "-c", second.conf), 1,
	    "a second daemon on a port in use: %s", out);
	free(out);
	rp_assert_serving(&d);
	rp_stop(&d);
}

Test(cli, sigterm_with_open_connections)
{
	struct rp_daemon d;
	struct rp_conn *a, *b;

	rp_setup(&d);
	rp_make_file(&d, "big.bin", 16 * 1024 * 1024, 1);
	rp_start(&d);
	a = rp_connect(&d);
	b = rp_connect_rcvbuf(&d, 64 * 1024);
	rp_sends(b, "GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n");
	rp_assert_serving(&d);
	/* An idle and a stalled connection must not keep it from exiting 0. */
	rp_stop(&d);
	rp_close(a);
	rp_close(b);
}
