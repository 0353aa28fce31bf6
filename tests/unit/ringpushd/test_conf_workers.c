/*
 * test_conf_workers.c: [daemon] workers, worker_cpu_affinity and drain_time,
 * [status] health_path, the worker count, and the worker in /metrics.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "conf.h"
#include "master.h"
#include "metrics.h"

#define LISTENER "[listener a]\naddress = 127.0.0.1:0\nroot = /tmp\n"

/* Load text; the problems conf_load printed go to errors (malloc'd). */
static int
load(struct conf *c, const char *text, char **errors)
{
	char path[] = "/tmp/ringpush-workers-XXXXXX";
	size_t len = 0;
	FILE *err;
	int fd = mkstemp(path), n;

	cr_assert_neq(fd, -1, "mkstemp: %s", strerror(errno));
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	err = open_memstream(errors, &len);
	cr_assert_not_null(err);
	n = conf_load(c, path, err);
	fclose(err);
	unlink(path);
	return n;
}

Test(conf_workers, default_is_one_process_unpinned)
{
	struct conf c;
	char *errors;

	cr_assert_eq(load(&c, LISTENER, &errors), 0, "%s", errors);
	cr_expect_eq(c.workers, 1);
	cr_expect_eq(c.worker_cpu_affinity, CPU_AFFINITY_OFF);
	cr_expect_eq(master_workers(&c), 1);
	conf_free(&c);
	free(errors);
}

Test(conf_workers, count_auto_and_affinity)
{
	struct conf c;
	cpu_set_t cpus;
	char *errors;

	cr_assert_eq(load(&c, "[daemon]\nworkers = 6\nworker_cpu_affinity = auto\n" LISTENER,
	    &errors), 0, "%s", errors);
	cr_expect_eq(c.workers, 6);
	cr_expect_eq(master_workers(&c), 6);
	cr_expect_eq(c.worker_cpu_affinity, CPU_AFFINITY_AUTO);
	conf_free(&c);
	free(errors);

	cr_assert_eq(load(&c, "[daemon]\nworkers = auto\n" LISTENER, &errors), 0, "%s", errors);
	cr_expect_eq(c.workers, 0, "auto is kept as 0 until the start");
	cr_assert_eq(sched_getaffinity(0, sizeof(cpus), &cpus), 0);
	cr_expect_eq(master_workers(&c), (unsigned)CPU_COUNT(&cpus));
	conf_free(&c);
	free(errors);
}

/* Each bad value alone, with the message and line it gets. */
static void
expect_problem(const char *text, const char *message)
{
	struct conf c;
	char *errors;

	cr_assert_eq(load(&c, text, &errors), 1, "%s", errors);
	cr_expect_not_null(strstr(errors, message), "%s", errors);
	conf_free(&c);
	free(errors);
}

Test(conf_workers, bad_values_name_their_line)
{
	expect_problem("[daemon]\nworkers = 0\n" LISTENER,
	    ":2: workers: \"0\" is out of range (expected 1..512)");
	expect_problem("[daemon]\nlog_level = info\nworkers = 513\n" LISTENER,
	    ":3: workers: \"513\" is out of range (expected 1..512)");
	expect_problem("[daemon]\nworkers = many\n" LISTENER,
	    ":2: workers: \"many\" is not a number (expected 1..512 or auto)");
	expect_problem("[daemon]\nworker_cpu_affinity = yes\n" LISTENER,
	    ":2: worker_cpu_affinity: \"yes\" is not valid (expected off or auto)");
}

Test(conf_workers, metrics_name_the_worker_only_with_workers)
{
	struct metrics m;
	static char text[16384];

	memset(&m, 0, sizeof(m));
	cr_assert_gt(metrics_format(&m, text, sizeof(text)), 0);
	cr_expect_null(strstr(text, "worker_pid"), "%s", text);
	m.worker = 3;
	m.worker_pid = 4242;
	cr_assert_gt(metrics_format(&m, text, sizeof(text)), 0);
	cr_expect_not_null(strstr(text, "\n# TYPE ringpushd_worker_pid gauge\n"
	    "ringpushd_worker_pid{worker=\"3\"} 4242\n"), "%s", text);
}

/* [daemon] drain_time and [status] health_path, for load balancers. */
Test(conf_drain, health_path_and_drain_time)
{
	struct conf c;
	char *errors;

	cr_assert_eq(load(&c, LISTENER, &errors), 0, "%s", errors);
	cr_expect_eq(c.drain_time_ms, 0);
	cr_expect_str_eq(c.health_path, "");
	conf_free(&c);
	free(errors);

	cr_assert_eq(load(&c, "[daemon]\ndrain_time = 5s\n[status]\nhealth_path = /healthz\n"
	    LISTENER, &errors), 0, "%s", errors);
	cr_expect_eq(c.drain_time_ms, 5000);
	cr_expect_str_eq(c.health_path, "/healthz");
	conf_free(&c);
	free(errors);

	expect_problem("[daemon]\ndrain_time = 2h\n" LISTENER,
	    ":2: drain_time: \"2h\" is out of range");
	expect_problem("[status]\nhealth_path = healthz\n" LISTENER,
	    ":2: health_path: \"healthz\" is not a plain absolute path");
	expect_problem("[status]\nhealth_path = /a/../b\n" LISTENER,
	    ":2: health_path: \"/a/../b\" is not a plain absolute path");
}
