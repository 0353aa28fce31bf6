/*
 * test_haproxy.c: a fleet of three ringpushd instances over copies of one
 * tree behind HAProxy (balance uri, hash-type consistent, health checks
 * on /healthz), as etc/haproxy.cfg.example sets it up, all on loopback.
 *
 * ringbench with verify=sha256 runs through HAProxy twice: first every
 * path must be served by one instance only (URI affinity, read from the
 * access logs); then one instance is stopped with SIGTERM and drain_time
 * while requests flow, and not one request may fail, every body must be
 * intact, and the paths of the other instances must not move.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "harness.h"

#define INSTANCES 3
#define FILES 24
#define SEED_BASE 700
/* how long the stopped instance answers 503 on /healthz first: several
 * of HAProxy's checks (every 100 ms, down after 2) */
#define DRAIN_TIME "1500ms"

static const char *const haproxy_paths[] = { "/usr/sbin/haproxy", "/usr/bin/haproxy",
	"/usr/local/sbin/haproxy", NULL };

static const char *
haproxy_binary(void)
{
	for (int i = 0; haproxy_paths[i] != NULL; i++)
		if (access(haproxy_paths[i], X_OK) == 0)
			return haproxy_paths[i];
	return NULL;
}

static const char *
ringbench_path(void)
{
	const char *p = getenv("RINGBENCH");

	return p != NULL && *p != '\0' ? p : "build/ringbench";
}

/* A loopback port nobody listens on right now. */
static int
free_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port;

	cr_assert_neq(fd, -1);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0, "%s", strerror(errno));
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

/* Start argv with stdout and stderr into out_path; the child dies with
 * the test. */
static pid_t
spawn(char *const argv[], const char *out_path)
{
	pid_t pid = fork();

	cr_assert_neq(pid, -1);
	if (pid == 0) {
		int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static int
wait_status(pid_t pid, int timeout_s)
{
	int status;

	for (int i = 0; i < timeout_s * 20; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		usleep(50000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	cr_assert_fail("process %ld did not end in %d s", (long)pid, timeout_s);
	return -1;
}

/* One instance: the standard configuration with a health path and
 * drain_time, over its own copy of the tree. */
static void
start_instance(struct rp_daemon *d)
{
	char base[4096 + 2 * PATH_MAX], conf[8192 + 2 * PATH_MAX];
	int len;

	rp_setup(d);
	for (int i = 0; i < FILES; i++) {
		char name[32];

		snprintf(name, sizeof(name), "f%02d.bin", i);
		/* 1 KiB to a few hundred KiB: small bodies and engines both */
		rp_make_file(d, name, 1024 + (uint64_t)i * 17 * 1024, SEED_BASE + (uint64_t)i);
	}
	rp_default_conf(d, base, sizeof(base));
	len = snprintf(conf, sizeof(conf), "[daemon]\ndrain_time = " DRAIN_TIME "\n"
	    "shutdown_timeout = 30s\n%s\n[status]\nhealth_path = /healthz\n",
	    base + strlen("[daemon]\n"));
	cr_assert(len > 0 && (size_t)len < sizeof(conf));
	rp_start_conf(d, conf);
}

static void
write_haproxy_conf(const char *path, int port, const struct rp_daemon *d)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	fprintf(f, "global\n\tmaxconn 2000\n"
	    "defaults\n\tmode http\n\ttimeout connect 2s\n\ttimeout client 60s\n"
	    "\ttimeout server 60s\n"
	    /* a check waits this long for its answer (else inter): a daemon
	     * under valgrind is slow, and a flapping check moves paths */
	    "\ttimeout check 2s\n"
	    /* unlike the shipped example, no retry on another instance: the
	     * drain alone must keep every request whole (without it, this
	     * run fails) */
	    "\tretries 0\n"

	    "frontend files\n\tbind 127.0.0.1:%d\n\tdefault_backend ringpushd\n"
	    "backend ringpushd\n\tbalance uri\n\thash-type consistent\n"
	    "\toption httpchk GET /healthz\n\thttp-check expect status 200\n"
	    "\tdefault-server check inter 100ms fall 2 rise 2\n", port);
	for (int i = 0; i < INSTANCES; i++)
		fprintf(f, "\tserver s%d 127.0.0.1:%d\n", i, d[i].port);
	cr_assert_eq(fclose(f), 0);
}

/* Wait until a GET through HAProxy answers 200. */
static void
wait_haproxy(int port)
{
	struct rp_daemon front;

	memset(&front, 0, sizeof(front));
	front.port = port;
	for (int i = 0; i < 200; i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
		bool up;

		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		up = connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0;
		close(fd);
		if (up) {
			struct rp_response r;

			rp_get(&front, "/f00.bin", &r);
			cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
			rp_response_free(&r);
			return;
		}
		usleep(50000);
	}
	cr_assert_fail("HAProxy did not come up on port %d", port);
}

/* The integer after pat in the report. */
static long long
report_field(const char *report, const char *pat)
{
	const char *p;

	cr_assert_not_null(report, "no report written");
	p = strstr(report, pat);
	cr_assert_not_null(p, "no %s in:\n%s", pat, report);
	return strtoll(p + strlen(pat), NULL, 10);
}

/* ringbench through HAProxy over every file, verified against the tree,
 * in the background: its pid. */
static pid_t
start_ringbench(const struct rp_daemon *d, int port, const char *runtime, char *report,
    size_t cap)
{
	static char o_url[256 + FILES * 12], o_dir[PATH_MAX + 16], o_rep[PATH_MAX + 16],
	    o_runtime[64], out[PATH_MAX + 16];
	static char *argv[16];
	int argc = 0, n;

	n = snprintf(o_url, sizeof(o_url), "--url=127.0.0.1:%d", port);
	for (int i = 0; i < FILES; i++)
		n += snprintf(o_url + n, sizeof(o_url) - (size_t)n, "%s/f%02d.bin", i ? "," : "", i);
	snprintf(o_dir, sizeof(o_dir), "--verify_dir=%s", d->root);
	snprintf(report, cap, "%s/report.json", d->dir);
	unlink(report);
	snprintf(o_rep, sizeof(o_rep), "--output=%s", report);
	snprintf(o_runtime, sizeof(o_runtime), "--runtime=%s", runtime);
	snprintf(out, sizeof(out), "%s/ringbench.out", d->dir);
	argv[argc++] = (char *)ringbench_path();
	argv[argc++] = "--output-format=json";
	argv[argc++] = "--group_reporting";
	argv[argc++] = o_rep;
	argv[argc++] = o_url;
	argv[argc++] = "--verify=sha256";
	argv[argc++] = o_dir;
	argv[argc++] = "--iodepth=4";
	argv[argc++] = "--time_based";
	argv[argc++] = o_runtime;
	argv[argc] = NULL;
	return spawn(argv, out);
}

/* Check a finished ringbench run: exit 0, requests made, none failed,
 * every body verified. */
static void
assert_run_clean(const struct rp_daemon *d, pid_t pid, const char *report_path)
{
	char out_path[PATH_MAX + 16], *report, *out;
	int status = wait_status(pid, rp_under_valgrind() ? 240 : 60);
	long long requests;

	snprintf(out_path, sizeof(out_path), "%s/ringbench.out", d->dir);
	out = rp_slurp(out_path, NULL);
	report = rp_slurp(report_path, NULL);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "ringbench: status 0x%x:\n%s",
	    status, out ? out : "");
	requests = report_field(report, "\"requests\" : ");
	cr_assert_gt(requests, FILES, "%s", report);
	cr_assert_eq(report_field(report, "\"errors\" : {\"total\" : "), 0, "%s", report);
	cr_assert_eq(report_field(report, "\"verify\" : {\"ok\" : "), requests, "%s", report);
	free(report);
	free(out);
}

/*
 * For each file, which instances' access logs name it, reading each log
 * from byte from[i] on: served[file] is a bit mask of instances.
 */
static void
served_by(const struct rp_daemon *d, const long *from, unsigned *served)
{
	memset(served, 0, FILES * sizeof(*served));
	for (int i = 0; i < INSTANCES; i++) {
		size_t len;
		char *log = rp_slurp(d[i].access_log, &len), *p;

		cr_assert_not_null(log, "%s", d[i].access_log);
		cr_assert((size_t)from[i] <= len);
		for (p = log + from[i]; (p = strstr(p, "\"GET /f")) != NULL; p++) {
			int file = atoi(p + strlen("\"GET /f"));

			cr_assert(file >= 0 && file < FILES);
			served[file] |= 1u << i;
		}
		free(log);
	}
}

static long
file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long)st.st_size : 0;
}

Test(haproxy, fleet_keeps_uri_affinity_and_drains_without_a_failure, .timeout = 600)
{
	struct rp_daemon d[INSTANCES];
	char hconf[PATH_MAX + 32], hout[PATH_MAX + 32], report[PATH_MAX + 32];
	unsigned served[FILES], before[FILES], counts[INSTANCES] = { 0 };
	long from[INSTANCES];
	const char *haproxy = haproxy_binary();
	int port, victim = 0, status;
	pid_t hpid, bench;

	if (haproxy == NULL)
		cr_skip_test("haproxy is not installed (Debian: apt-get install haproxy, or "
		    "./configure --install-deps): the fleet test needs it");
	for (int i = 0; i < INSTANCES; i++)
		start_instance(&d[i]);
	port = free_port();
	snprintf(hconf, sizeof(hconf), "%s/haproxy.cfg", d[0].dir);
	snprintf(hout, sizeof(hout), "%s/haproxy.out", d[0].dir);
	write_haproxy_conf(hconf, port, d);
	{
		char *argv[] = { (char *)haproxy, "-db", "-f", hconf, NULL };

		hpid = spawn(argv, hout);
	}
	wait_haproxy(port);

	/* 1. affinity: each path on one instance, more than one instance used */
	for (int i = 0; i < INSTANCES; i++)
		from[i] = file_size(d[i].access_log);
	bench = start_ringbench(&d[0], port, "1s", report, sizeof(report));
	assert_run_clean(&d[0], bench, report);
	served_by(d, from, served);
	for (int f = 0; f < FILES; f++) {
		cr_assert(served[f] != 0, "f%02d was never served", f);
		cr_assert_eq(served[f] & (served[f] - 1), 0,
		    "f%02d was served by several instances (mask %x)", f, served[f]);
		for (int i = 0; i < INSTANCES; i++)
			counts[i] += (served[f] >> i) & 1;
		before[f] = served[f];
	}
	for (int i = 1; i < INSTANCES; i++)
		if (counts[i] > counts[victim])
			victim = i;
	cr_assert_lt(counts[victim], FILES, "one instance served every path");

	/* 2. drain the busiest instance while requests flow */
	for (int i = 0; i < INSTANCES; i++)
		from[i] = file_size(d[i].access_log);
	bench = start_ringbench(&d[0], port, rp_under_valgrind() ? "12s" : "3s", report,
	    sizeof(report));
	usleep(rp_under_valgrind() ? 3000000 : 700000);
	cr_assert_eq(kill(d[victim].pid, SIGTERM), 0);
	status = wait_status(d[victim].pid, rp_under_valgrind() ? 120 : 60);
	d[victim].pid = 0;
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "drained instance: 0x%x",
	    status);
	assert_run_clean(&d[0], bench, report);
	{
		char *out = rp_daemon_output(&d[victim]);

		cr_assert_not_null(strstr(out, "draining for 1500 ms"), "%s", out);
		cr_assert_not_null(strstr(out, "drain_time over"), "%s", out);
		free(out);
	}
	served_by(d, from, served);
	for (int f = 0; f < FILES; f++) {
		/* consistent hashing: only the drained instance's paths move */
		if (before[f] != 1u << victim)
			cr_assert_eq(served[f], before[f], "f%02d moved from %x to %x", f,
			    before[f], served[f]);
		else
			cr_assert(served[f] & ~(1u << victim), "f%02d never moved off %d", f,
			    victim);
	}

	kill(hpid, SIGTERM);
	wait_status(hpid, 30);
	for (int i = 0; i < INSTANCES; i++)
		if (i != victim)
			rp_stop(&d[i]);
}

/* /healthz answers 200 to any client while serving, 503 during
 * drain_time while everything else is still served, each response
 * closing its connection. */
Test(haproxy, health_turns_503_while_draining, .timeout = 120)
{
	struct rp_daemon d;
	struct rp_response r;
	char base[4096 + 2 * PATH_MAX], conf[8192 + 2 * PATH_MAX];
	int status;

	rp_setup(&d);
	rp_write_file(&d, "a.txt", "alpha\n", 6);
	rp_default_conf(&d, base, sizeof(base));
	snprintf(conf, sizeof(conf), "[daemon]\ndrain_time = 1h\n%s\n[status]\n"
	    "health_path = /healthz\n", base + strlen("[daemon]\n"));
	rp_start_conf(&d, conf);

	rp_get(&d, "/healthz", &r);
	cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
	cr_assert_eq(r.body_len, 3);
	cr_assert_eq(memcmp(r.body, "ok\n", 3), 0);
	cr_assert_str_eq(rp_hdr(&r, "Cache-Control"), "no-store");
	rp_response_free(&r);

	cr_assert_eq(kill(d.pid, SIGTERM), 0);
	for (int i = 0; i < 200; i++) {
		char *out = rp_daemon_output(&d);
		bool seen = strstr(out, "draining for") != NULL;

		free(out);
		if (seen)
			break;
		usleep(50000);
	}
	rp_get(&d, "/healthz", &r);
	cr_assert_eq(r.status, 503, "%s", rp_describe(&r));
	rp_response_free(&r);
	/* everything else is still served, on a connection that then closes */
	for (int i = 0; i < 3; i++) {
		struct rp_conn *c = rp_connect(&d);

		rp_sends(c, "GET /a.txt HTTP/1.1\r\nHost: t\r\n\r\n");
		cr_assert_eq(rp_read_response(c, &r, false), RP_OK);
		cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
		cr_assert_str_eq(rp_hdr(&r, "Connection"), "close");
		rp_response_free(&r);
		cr_assert_eq(rp_wait_close(c, rp_io_timeout()), RP_CLOSED);
		rp_close(c);
	}
	/* a second SIGTERM ends the drain: the graceful stop */
	cr_assert_eq(kill(d.pid, SIGTERM), 0);
	status = wait_status(d.pid, rp_under_valgrind() ? 60 : 30);
	d.pid = 0;
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status 0x%x", status);
}
