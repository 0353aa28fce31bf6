/*
 * test_atlimit.c: the daemon at its limits.  The file descriptor limit is
 * raised at start (or max_connections lowered to fit, with one warning);
 * at max_connections and at the fd limit the oldest idle connections make
 * room, the status path stays reachable, one warning per period is
 * logged, and accepting resumes by itself.
 *
 * The fd limits a daemon starts with are set in the test process before
 * it is forked (soft only: the hard limit could not be raised back), or,
 * with the test build's hooks, by the daemon itself
 * (RINGPUSHD_TEST_NOFILE, RINGPUSHD_TEST_NOFILE_LATE in fdlimit.c).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include "harness.h"

#define GET_F "GET /f.txt HTTP/1.1\r\nHost: t\r\n\r\n"
/* A request, and the start of the next one whose end never comes, in one
 * write: once answered, the connection is busy with the next request, not
 * idle, and cannot be closed to make room.  (Sent apart, the start could
 * reach the daemon after a newcomer, while the connection is still idle.) */
#define GET_THEN_PARTIAL GET_F "GET /f.txt HTTP/1.1\r\nHost: t\r\n"
#define CLIENTS 2000
#define FD_WARNING "accept: Too many open files"
#define FREE_AGAIN "descriptors free again"

static void
start_with(struct rp_daemon *d, const char *limits, const char *daemon_keys)
{
	char conf[4 * PATH_MAX];
	int n = snprintf(conf, sizeof(conf),
	    "[daemon]\n"
	    "error_log = -\n"
	    "access_log = off\n"
	    "log_level = info\n"
	    "allow_root = yes\n"
	    "%s"
	    "\n"
	    "[limits]\n"
	    "header_timeout = 120s\n"
	    "%s"
	    "\n"
	    "[status]\n"
	    "path = /metrics\n"
	    "\n"
	    "[listener test]\n"
	    "address = 127.0.0.1:0\n"
	    "root = %s\n"
	    "engine = %s\n",
	    daemon_keys, limits, d->root, rp_engine);

	cr_assert(n > 0 && (size_t)n < sizeof(conf));
	rp_start_conf(d, conf);
}

static void
use_test_daemon(void)
{
	if (rp_test_daemon_path() == NULL)
		cr_skip_test("RINGPUSHD_TEST is not set: the test hooks are needed");
	cr_assert_eq(setenv("RINGPUSHD", rp_test_daemon_path(), 1), 0);
}

/* request (GET /f.txt) on c, answered 200. */
static void
send_ok(struct rp_conn *c, const char *request, const char *what)
{
	struct rp_response r;
	int res;

	rp_sends(c, request);
	res = rp_read_response(c, &r, false);
	cr_assert_eq(res, RP_OK, "%s: %s", what, rp_result_str(res));
	cr_assert_eq(r.status, 200, "%s:\n%s", what, rp_describe(&r));
	rp_response_free(&r);
}

static void
get_ok(struct rp_conn *c, const char *what)
{
	send_ok(c, GET_F, what);
}

/* Whether this process may raise its hard fd limit (root with
 * CAP_SYS_RESOURCE): asked in a child, so that nothing here changes. */
static bool
may_raise_hard_limit(void)
{
	pid_t pid = fork();
	int status;

	cr_assert(pid >= 0);
	if (pid == 0) {
		struct rlimit lim;

		if (getrlimit(RLIMIT_NOFILE, &lim) == -1 || lim.rlim_max == RLIM_INFINITY)
			_exit(1);
		lim.rlim_max++;
		_exit(setrlimit(RLIMIT_NOFILE, &lim) == 0 ? 0 : 1);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* Started from a shell with ulimit -n 1024 and the default
 * max_connections, the daemon raises its own limit, says nothing to warn
 * about, and serves 2,000 clients at once without a 503. */
Test(atlimit, raises_a_low_soft_limit, .timeout = 300)
{
	static struct rp_conn *conns[CLIENTS];
	struct rlimit mine, low;
	struct rp_daemon d;

	/* valgrind makes the soft limit it starts with the hard one */
	if (rp_under_valgrind())
		cr_skip_test("under valgrind the daemon cannot raise its fd limit");
	rp_setup(&d);
	rp_write_file(&d, "f.txt", "hello\n", 6);
	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &mine), 0);
	if (mine.rlim_max != RLIM_INFINITY && mine.rlim_max < CLIENTS + 1200)
		cr_skip_test("hard fd limit %llu: too low for %d clients and the daemon",
		    (unsigned long long)mine.rlim_max, CLIENTS);
	/* the daemon inherits the low soft limit; this process takes its
	 * own back (to the hard one) for the clients */
	low = mine;
	low.rlim_cur = 1024;
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &low), 0, "%s", strerror(errno));
	start_with(&d, "max_connections = 10000\n", "");
	mine.rlim_cur = mine.rlim_max;
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &mine), 0, "%s", strerror(errno));
	rp_wait_output(&d, "file descriptor limit raised from 1024", 1);
	cr_assert_eq(rp_output_count(&d, "warn: file descriptors"), 0,
	    "a warning at start:\n%s", rp_daemon_output(&d));

	for (int i = 0; i < CLIENTS; i++)
		conns[i] = rp_connect(&d);
	for (int i = 0; i < CLIENTS; i++)
		rp_sends(conns[i], GET_F);
	for (int i = 0; i < CLIENTS; i++) {
		struct rp_response r;
		int res = rp_read_response(conns[i], &r, false);

		cr_assert_eq(res, RP_OK, "client %d: %s", i, rp_result_str(res));
		cr_assert_eq(r.status, 200, "client %d:\n%s", i, rp_describe(&r));
		rp_response_free(&r);
	}
	cr_assert_eq(rp_metric(&d, "ringpushd_connections_max"), 10000);
	cr_assert_eq(rp_metric(&d, "ringpushd_requests_total{code=\"5xx\"}"), 0);
	cr_assert_eq(rp_metric(&d, "ringpushd_accept_errors_total{reason=\"emfile\"}"), 0);
	for (int i = 0; i < CLIENTS; i++)
		rp_close(conns[i]);
	rp_stop(&d);
}

/* A hard limit too low for max_connections: one warning with the
 * numbers, and /metrics shows the max_connections in force, which the
 * daemon then holds without running out of descriptors. */
Test(atlimit, hard_limit_too_low_lowers_max_connections, .timeout = 120)
{
	unsigned need, per_conn, reserve, pipes, cache, fixed, limit, hard, lowered, ocache;
	struct rp_conn **conns;
	struct rp_daemon d;
	const char *w;
	char *out;

	use_test_daemon();
	/* valgrind refuses a new hard limit (the hook's) */
	if (rp_under_valgrind())
		cr_skip_test("under valgrind the daemon cannot set its hard fd limit");
	if (may_raise_hard_limit())
		cr_skip_test("this process may raise its hard fd limit: the daemon would too");
	rp_setup(&d);
	rp_write_file(&d, "f.txt", "hello\n", 6);
	cr_assert_eq(setenv("RINGPUSHD_TEST_NOFILE", "300:300", 1), 0);
	start_with(&d, "max_connections = 10000\n",
	    "pipe_pool = 4\nopen_file_cache = 16\n");
	unsetenv("RINGPUSHD_TEST_NOFILE");
	cr_assert_eq(rp_output_count(&d, "warn: file descriptors"), 1,
	    "not one warning:\n%s", rp_daemon_output(&d));
	out = rp_daemon_output(&d);
	w = strstr(out, "file descriptors: max_connections 10000 needs ");
	cr_assert_not_null(w);
	cr_assert_eq(sscanf(w, "file descriptors: max_connections 10000 needs %u (%u per "
	    "connection and %u reserved slots, %u for the pipe pool, %u for the open-file "
	    "cache, %u fixed) but the limit is %u (hard limit %u): max_connections lowered "
	    "to %u, open_file_cache %u", &need, &per_conn, &reserve, &pipes, &cache, &fixed,
	    &limit, &hard, &lowered, &ocache), 10, "%s", w);
	free(out);
	cr_assert_eq(limit, 300);
	cr_assert_eq(pipes, 2 * 4);
	cr_assert_eq(cache, 16);
	cr_assert_eq(ocache, 16, "a cache within a quarter of the limit stays");
	cr_assert_eq(need, fixed + pipes + cache + (10000 + reserve) * per_conn);
	cr_assert_eq(lowered, (limit - fixed - pipes - cache) / per_conn - reserve);
	cr_assert_eq(rp_metric(&d, "ringpushd_connections_max"), lowered);

	/* every one of them served, none refused for want of an fd */
	conns = calloc(lowered, sizeof(*conns));
	cr_assert_not_null(conns);
	for (unsigned i = 0; i < lowered; i++) {
		char what[32];

		snprintf(what, sizeof(what), "connection %u", i);
		conns[i] = rp_connect(&d);
		send_ok(conns[i], GET_THEN_PARTIAL, what);
	}
	cr_assert_eq(rp_metric(&d, "ringpushd_accept_errors_total{reason=\"emfile\"}"), 0);
	cr_assert_eq(rp_metric(&d, "ringpushd_connections_reclaimed_total"), 0);
	for (unsigned i = 0; i < lowered; i++)
		rp_close(conns[i]);
	free(conns);
	rp_stop(&d);
}

/* At max_connections with every connection idle: the newcomer is served,
 * the oldest idle connection is closed for it, the others stay, and
 * /metrics answers (making room the same way). */
Test(atlimit, idle_connections_make_room_at_max_connections, .timeout = 120)
{
	struct rp_conn *held[4], *late;
	struct rp_daemon d;

	rp_setup(&d);
	rp_write_file(&d, "f.txt", "hello\n", 6);
	start_with(&d, "max_connections = 4\n", "");
	for (int i = 0; i < 4; i++) {
		held[i] = rp_connect(&d);
		get_ok(held[i], "held");
	}
	late = rp_connect(&d);
	get_ok(late, "the newcomer");
	cr_assert_eq(rp_wait_close(held[0], rp_io_timeout()), RP_CLOSED,
	    "the oldest idle connection was not closed");
	/* the others are still served on their connections */
	get_ok(held[3], "the youngest held connection");
	get_ok(held[1], "the second oldest");
	/* /metrics: held[2] is now the oldest idle one */
	cr_assert_eq(rp_metric(&d, "ringpushd_connections_reclaimed_total"), 2);
	cr_assert_eq(rp_wait_close(held[2], rp_io_timeout()), RP_CLOSED);
	cr_assert_eq(rp_metric(&d, "ringpushd_connections_max"), 4);
	cr_assert_eq(rp_metric(&d, "ringpushd_connections_refused_total{reason=\"max_connections\"}"), 0);
	/* log lines leave through the ring: wait for it, then count */
	rp_wait_output(&d, "max_connections (4) reached: closing the oldest idle", 1);
	cr_assert_eq(rp_output_count(&d, "max_connections (4) reached: closing the oldest idle"),
	    1, "not one warning:\n%s", rp_daemon_output(&d));
	for (int i = 0; i < 4; i++)
		rp_close(held[i]);
	rp_close(late);
	rp_stop(&d);
}

/* At max_connections with every connection busy: a reserve slot lets
 * /metrics and /healthz answer, anything else gets 503 and the close. */
Test(atlimit, status_reachable_when_all_are_busy, .timeout = 120)
{
	struct rp_conn *busy[2], *c;
	struct rp_response r;
	struct rp_daemon d;

	rp_setup(&d);
	rp_write_file(&d, "f.txt", "hello\n", 6);
	start_with(&d, "max_connections = 2\n", "");
	for (int i = 0; i < 2; i++) {
		busy[i] = rp_connect(&d);
		send_ok(busy[i], GET_THEN_PARTIAL, "busy");
	}
	cr_assert_eq(rp_metric(&d, "ringpushd_connections_max"), 2);
	cr_assert_eq(rp_metric(&d, "ringpushd_connections_idle"), 0);
	cr_assert_eq(rp_metric(&d, "ringpushd_connections_reclaimed_total"), 0);
	c = rp_connect(&d);
	rp_sends(c, GET_F);
	cr_assert_eq(rp_read_response(c, &r, false), RP_OK);
	cr_assert_eq(r.status, 503, "%s", rp_describe(&r));
	cr_assert_not_null(rp_hdr(&r, "Retry-After"), "%s", rp_describe(&r));
	rp_response_free(&r);
	cr_assert_eq(rp_wait_close(c, rp_io_timeout()), RP_CLOSED);
	rp_close(c);
	cr_assert_eq(rp_metric(&d, "ringpushd_connections_refused_total{reason=\"max_connections\"}"), 1);
	/* the busy ones were left alone */
	rp_sends(busy[0], "\r\n");
	cr_assert_eq(rp_read_response(busy[0], &r, false), RP_OK);
	cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
	rp_response_free(&r);
	for (int i = 0; i < 2; i++)
		rp_close(busy[i]);
	rp_stop(&d);
}

#define MAX_HELD 64
#define BURST 8

/* A response to c, its status. */
static int
status_of(struct rp_conn *c, const char *what)
{
	struct rp_response r;
	int res = rp_read_response(c, &r, false), status;

	cr_assert_eq(res, RP_OK, "%s: %s", what, rp_result_str(res));
	status = r.status;
	rp_response_free(&r);
	return status;
}

/* At the fd limit with every connection busy: the spare descriptors let
 * /metrics in while anything else is answered 503, one warning however
 * many accepts fail, and once a connection ends accepting resumes by
 * itself.  Then an idle connection is closed to make room for the next. */
Test(atlimit, fd_limit_warns_once_and_resumes, .timeout = 180)
{
	struct rp_conn *held[MAX_HELD], *burst[BURST], *extra[MAX_HELD], *c, *idle;
	struct rp_daemon d;
	int nheld = 0, nextra = 0, status, freed;

	use_test_daemon();
	/* valgrind keeps a limit of its own, which the kernel's accepts on
	 * the ring never meet */
	if (rp_under_valgrind())
		cr_skip_test("under valgrind a lowered fd limit does not reach io_uring");
	rp_setup(&d);
	rp_write_file(&d, "f.txt", "hello\n", 6);
	cr_assert_eq(setenv("RINGPUSHD_TEST_NOFILE_LATE", "12", 1), 0);
	start_with(&d, "max_connections = 1000\n", "pipe_pool = 0\n");
	unsetenv("RINGPUSHD_TEST_NOFILE_LATE");
	rp_wait_output(&d, "test hook: file descriptor limit now", 1);
	/* busy connections until a newcomer is refused for want of fds */
	for (;;) {
		cr_assert_lt(nheld, MAX_HELD, "%d connections and no fd limit reached:\n%s",
		    nheld, rp_daemon_output(&d));
		c = rp_connect(&d);
		rp_sends(c, GET_THEN_PARTIAL);
		status = status_of(c, "a newcomer");
		if (status != 200)
			break;
		held[nheld++] = c;
	}
	cr_assert_eq(status, 503, "at the fd limit");
	cr_assert_eq(rp_wait_close(c, rp_io_timeout()), RP_CLOSED);
	rp_close(c);
	cr_assert_gt(nheld, 0);
	rp_wait_output(&d, FD_WARNING, 1);
	cr_assert_eq(rp_output_count(&d, "closed 0 idle connections"), 1,
	    "busy connections were closed:\n%s", rp_daemon_output(&d));
	cr_assert_eq(rp_metric(&d, "ringpushd_connections_refused_total{reason=\"fd_limit\"}"), 1);

	/* More newcomers than spare descriptors, silent for now: the first
	 * take the spares and wait for their requests, the others wait in
	 * the listen queue, and each tick's accept fails again. */
	for (int i = 0; i < BURST; i++)
		burst[i] = rp_connect(&d);
	usleep(1500 * 1000);            /* ten ticks and more */
	cr_assert_eq(rp_output_count(&d, FD_WARNING), 1, "%s", rp_daemon_output(&d));
	/* each answered once it speaks, as descriptors come free */
	for (int i = 0; i < BURST; i++)
		rp_sends(burst[i], GET_F);
	for (int i = 0; i < BURST; i++) {
		cr_assert_eq(status_of(burst[i], "a newcomer of the burst"), 503);
		rp_close(burst[i]);
	}
	cr_assert_eq(rp_output_count(&d, FD_WARNING), 1, "%s", rp_daemon_output(&d));
	cr_assert_geq(rp_metric(&d, "ringpushd_accept_errors_total{reason=\"emfile\"}"), 3);
	cr_assert_eq(rp_metric(&d, "ringpushd_connections_refused_total{reason=\"fd_limit\"}"),
	    1 + BURST);

	/* a connection ends: room again (the spares are taken back on the
	 * tick), newcomers are served */
	freed = rp_output_count(&d, FREE_AGAIN);
	rp_close(held[--nheld]);
	rp_wait_output(&d, FREE_AGAIN, freed + 1);
	idle = rp_connect(&d);
	get_ok(idle, "once room came back");

	/* Newcomers, each kept alive after its answer, until one finds no
	 * descriptor: idle, the oldest idle connection, is closed for it
	 * and the newcomer is served. */
	while (rp_wait_close(idle, 1) != RP_CLOSED) {
		cr_assert_lt(nextra, MAX_HELD, "idle never closed to make room:\n%s",
		    rp_daemon_output(&d));
		extra[nextra] = rp_connect(&d);
		get_ok(extra[nextra++], "a newcomer at the fd limit");
	}
	cr_assert_gt(nextra, 0);
	cr_assert_geq(rp_metric(&d, "ringpushd_connections_reclaimed_total"), 1);
	rp_close(idle);
	for (int i = 0; i < nextra; i++)
		rp_close(extra[i]);
	for (int i = 0; i < nheld; i++)
		rp_close(held[i]);
	rp_stop(&d);
}

/* ringpushd -t says what the configuration needs in descriptors, and
 * whether the limits here hold it. */
Test(atlimit, check_prints_the_fd_budget, .timeout = 60)
{
	char conf[4 * PATH_MAX], out_path[PATH_MAX + 16];
	char *argv[] = { (char *)rp_daemon_path(), "-t", "-c", NULL, NULL };
	struct rp_daemon d;
	char *out;
	int status;

	rp_setup(&d);
	rp_default_conf(&d, conf, sizeof(conf));
	rp_conf_set(conf, sizeof(conf), "max_connections", "1000");
	rp_write_conf(&d, conf);
	argv[3] = d.conf;
	snprintf(out_path, sizeof(out_path), "%s/check.out", d.dir);
	status = rp_run(argv, out_path, 30, false);
	out = rp_slurp(out_path, NULL);
	cr_assert_not_null(out);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s", out);
	cr_assert_not_null(strstr(out, "file descriptors: max_connections 1000 needs "),
	    "no budget line:\n%s", out);
	cr_assert_not_null(strstr(out, ": fits"), "%s", out);
	free(out);
}
