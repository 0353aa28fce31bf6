/*
 * test_conf_workers.c: [daemon] workers, worker_cpu_affinity and drain_time,
 * [status] health_path, the worker count, and /metrics over workers.
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
#include "shm.h"

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

/* The segment the workers share: what one publishes, another reads. */
Test(workers_metrics, shared_sum_and_series)
{
	struct shm *shm = shm_create(2);
	struct metrics a, b, got, sum;
	static char text[16384];

	cr_assert_not_null(shm);
	shm_read(shm, 1, &got);
	cr_expect_eq(got.requests_total[METRICS_CODE_2XX], 0);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.worker = 1;
	a.worker_pid = 101;
	a.requests_total[METRICS_CODE_2XX] = 5;
	a.bytes_sent_total[METRICS_ENGINE_SPLICE] = 1000;
	a.process_start_time_seconds = 20;
	b.worker = 2;
	b.worker_pid = 102;
	b.requests_total[METRICS_CODE_2XX] = 7;
	b.requests_total[METRICS_CODE_4XX] = 1;
	b.connections_open = 3;
	b.process_start_time_seconds = 10;
	shm_publish(shm, 1, &a);
	shm_publish(shm, 2, &b);
	shm_publish(shm, 3, &b);	/* no such worker: ignored */

	memset(&sum, 0, sizeof(sum));
	shm_read(shm, 1, &got);
	cr_expect_eq(got.worker_pid, 101);
	metrics_add(&sum, &got);
	shm_read(shm, 2, &got);
	cr_expect_eq(got.worker_pid, 102);
	metrics_add(&sum, &got);
	cr_expect_eq(sum.requests_total[METRICS_CODE_2XX], 12);
	cr_expect_eq(sum.requests_total[METRICS_CODE_4XX], 1);
	cr_expect_eq(sum.connections_open, 3);
	cr_expect_eq(sum.bytes_sent_total[METRICS_ENGINE_SPLICE], 1000);
	cr_expect(sum.process_start_time_seconds == 10, "the earliest start");

	struct metrics each[2] = { a, b };

	cr_assert_gt(metrics_format_workers(&sum, each, 2, 2, text, sizeof(text)), 0);
	cr_expect_not_null(strstr(text, "\nringpushd_requests_total{code=\"2xx\"} 12\n"), "%s", text);
	cr_expect_not_null(strstr(text, "\nringpushd_worker_answering 2\n"), "%s", text);
	cr_expect_not_null(strstr(text, "\nringpushd_worker_pid{worker=\"1\"} 101\n"), "%s", text);
	cr_expect_not_null(strstr(text, "\nringpushd_worker_requests_total{worker=\"2\"} 8\n"),
	    "%s", text);
	cr_expect_not_null(strstr(text, "\nringpushd_worker_bytes_sent_total{worker=\"1\"} 1000\n"),
	    "%s", text);
	cr_expect_not_null(strstr(text, "\nringpushd_worker_connections_open{worker=\"2\"} 3\n"),
	    "%s", text);
	shm_destroy(shm);
}

/* Too many workers for the buffer: the sums still go out, and say so. */
Test(workers_metrics, per_worker_series_that_do_not_fit_are_left_out)
{
	static struct metrics each[512];
	static char text[16384];
	struct metrics sum;

	memset(&sum, 0, sizeof(sum));
	for (unsigned w = 0; w < 512; w++)
		each[w].worker_pid = 100000 + w;
	cr_assert_gt(metrics_format_workers(&sum, each, 512, 7, text, sizeof(text)), 0);
	cr_expect_not_null(strstr(text, "\nringpushd_worker_answering 7\n"), "%s", text);
	cr_expect_not_null(strstr(text, "# per-worker series left out: 512 workers do not fit\n"),
	    "%s", text);
	cr_expect_null(strstr(text, "worker_pid{"), "%s", text);
}
