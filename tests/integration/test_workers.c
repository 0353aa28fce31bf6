/*
 * test_workers.c: workers = N.  A master binds and supervises N worker
 * processes: connections spread over them, a worker killed outright is
 * respawned while every request still gets its answer, SIGHUP, SIGUSR1
 * and SIGTERM reach every worker, and transfers in flight survive a
 * reload and a graceful stop.  A reload that adds or moves a listener
 * starts new workers while the old ones finish their transfers.
 * rate_total and max_connections_per_ip hold for the whole daemon.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "harness.h"

#define SEED 57
/* connections tried before concluding that the kernel does not spread */
#define SPREAD_TRIES 64

/* The standard configuration with workers = n, /metrics, and extra lines
 * in the listener's section. */
static void
workers_conf(const struct rp_daemon *d, unsigned n, const char *listener_extra, char *buf,
    size_t cap)
{
	char base[4096 + 2 * PATH_MAX];
	int len;

	rp_default_conf(d, base, sizeof(base));
	/* base opens with "[daemon]\n" */
	len = snprintf(buf, cap, "[daemon]\nworkers = %u\nshutdown_timeout = 30s\n%s%s"
	    "\n[status]\npath = /metrics\n", n, base + strlen("[daemon]\n"), listener_extra);
	cr_assert(len > 0 && (size_t)len < cap);
}

static void
start_workers(struct rp_daemon *d, unsigned n, const char *listener_extra)
{
	char conf[8192 + 2 * PATH_MAX];

	workers_conf(d, n, listener_extra, conf, sizeof(conf));
	rp_start_conf(d, conf);
}

static void
rewrite_conf(const struct rp_daemon *d, const char *text)
{
	FILE *f = fopen(d->conf, "w");

	cr_assert_not_null(f, "%s: %s", d->conf, strerror(errno));
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

/* Which worker answered a fresh connection: its number (1..), and its pid
 * in *pid. */
static int
worker_of(const struct rp_daemon *d, pid_t *pid)
{
	struct rp_response r;
	const char *text, *p;
	char needle[64];
	int worker = 0;

	rp_get(d, "/metrics", &r);
	cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
	text = (const char *)r.body;
	p = strstr(text, "\nringpushd_worker_answering ");
	cr_assert_not_null(p, "no ringpushd_worker_answering in /metrics:\n%s", text);
	worker = atoi(p + strlen("\nringpushd_worker_answering "));
	snprintf(needle, sizeof(needle), "\nringpushd_worker_pid{worker=\"%d\"} ", worker);
	p = strstr(text, needle);
	cr_assert_not_null(p, "no %s in /metrics:\n%s", needle + 1, text);
	*pid = (pid_t)atol(p + strlen(needle));
	rp_response_free(&r);
	return worker;
}

/* The pid of worker `which`, asking fresh connections until it answers. */
static pid_t
pid_of_worker(const struct rp_daemon *d, int which)
{
	for (int i = 0; i < SPREAD_TRIES; i++) {
		pid_t pid;

		if (worker_of(d, &pid) == which)
			return pid;
	}
	cr_assert_fail("worker %d never answered in %d connections", which, SPREAD_TRIES);
	return 0;
}

/* How many times needle occurs in the daemon's output. */
static int
output_count(const struct rp_daemon *d, const char *needle)
{
	char *out = rp_daemon_output(d), *p = out;
	int seen = 0;

	while ((p = strstr(p, needle)) != NULL) {
		seen++;
		p++;
	}
	free(out);
	return seen;
}

/* Wait until needle occurs count times in the output. */
static void
wait_count(const struct rp_daemon *d, const char *needle, int count)
{
	for (int i = 0; i < rp_io_timeout() * 20; i++) {
		if (output_count(d, needle) >= count)
			return;
		usleep(50000);
	}
	{
		char *out = rp_daemon_output(d);

		cr_assert_fail("not %d x \"%s\" in the output:\n%s", count, needle, out);
	}
}

/* Wait for the master to exit after a stop signal; it must exit 0. */
static void
wait_clean_exit(struct rp_daemon *d)
{
	int status = -1;

	for (int i = 0; i < rp_io_timeout() * 20; i++) {
		if (waitpid(d->pid, &status, WNOHANG) == d->pid)
			break;
		status = -1;
		usleep(50000);
	}
	cr_assert_neq(status, -1, "the master did not exit");
	d->pid = 0;
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status 0x%x", status);
}

/* On c, whose receive buffer is small: a GET of a file whose body is
 * read in part, so that the transfer stays in flight. */
static struct rp_conn *
start_transfer_on(struct rp_conn *c, uint64_t size)
{
	struct rp_response r;

	rp_sends(c, "GET /big.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
	cr_assert_eq(rp_read_head(c, &r), RP_OK);
	cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
	cr_assert_eq(r.content_length, size);
	rp_response_free(&r);
	return c;
}

static struct rp_conn *
start_transfer(const struct rp_daemon *d, uint64_t size)
{
	return start_transfer_on(rp_connect_rcvbuf(d, 65536), size);
}

/* Read the rest of the body, checking every byte. */
static void
finish_transfer(struct rp_conn *c, uint64_t size)
{
	static unsigned char buf[1 << 16];
	uint64_t got = 0;

	while (got < size) {
		size_t want = size - got < sizeof(buf) ? (size_t)(size - got) : sizeof(buf);
		ssize_t n = rp_read_some(c, buf, want);

		cr_assert(n > 0, "body ended at %llu of %llu (%s)", (unsigned long long)got,
		    (unsigned long long)size, n == 0 ? "end of stream" : rp_result_str((int)n));
		cr_assert_eq(rp_pattern_mismatch(SEED, got, buf, (size_t)n), -1,
		    "body corrupt near %llu", (unsigned long long)got);
		got += (uint64_t)n;
	}
	rp_close(c);
}

/* The children of pid, from /proc (a single process daemon has none). */
static int
children_of(pid_t pid)
{
	char path[64], *text;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%ld/task/%ld/children", (long)pid, (long)pid);
	text = rp_slurp(path, NULL);
	cr_assert_not_null(text, "%s: %s", path, strerror(errno));
	for (char *tok = strtok(text, " \n"); tok != NULL; tok = strtok(NULL, " \n"))
		n++;
	free(text);
	return n;
}

/* workers = 1, the default, is the single process daemon of before. */
Test(workers, one_worker_is_one_process, .timeout = 60)
{
	struct rp_daemon d;
	char conf[8192 + 2 * PATH_MAX], base[4096 + 2 * PATH_MAX];
	struct rp_response r;

	rp_setup(&d);
	rp_default_conf(&d, base, sizeof(base));
	snprintf(conf, sizeof(conf), "%s\n[status]\npath = /metrics\n", base);
	rp_start_conf(&d, conf);
	rp_get(&d, "/metrics", &r);
	cr_assert_eq(r.status, 200);
	cr_assert_null(strstr((const char *)r.body, "ringpushd_worker"),
	    "a single process reports a worker");
	rp_response_free(&r);
	cr_assert_eq(children_of(d.pid), 0);
	rp_stop(&d);
}

/* The kernel spreads new connections over every worker's socket. */
Test(workers, connections_spread_over_workers, .timeout = 120)
{
	struct rp_daemon d;
	pid_t pids[3] = { 0, 0, 0 };
	int seen = 0;

	rp_setup(&d);
	start_workers(&d, 2, "");
	cr_assert_eq(children_of(d.pid), 2);
	for (int i = 0; i < SPREAD_TRIES && seen < 2; i++) {
		pid_t pid;
		int w = worker_of(&d, &pid);

		cr_assert(w == 1 || w == 2, "worker %d of 2", w);
		cr_assert_neq(pid, d.pid, "the master answered");
		if (pids[w] == 0)
			seen++;
		else
			cr_assert_eq(pids[w], pid, "worker %d changed pid", w);
		pids[w] = pid;
	}
	cr_assert_eq(seen, 2, "one worker took all %d connections", SPREAD_TRIES);
	cr_assert_neq(pids[1], pids[2]);
	rp_stop(&d);
}

/*
 * A worker killed outright: the master logs how it ended and respawns it
 * at once; connections the kernel handed to its socket meanwhile wait for
 * the new worker, so every request is answered.  Killed again at once, it
 * is respawned after a backoff.
 */
Test(workers, killed_worker_is_respawned, .timeout = 180)
{
	struct rp_daemon d;
	char needle[128], *out, *p;
	pid_t victim, again, pid;
	long respawned = 0;

	rp_setup(&d);
	rp_write_file(&d, "a.txt", "alpha\n", 6);
	start_workers(&d, 2, "");
	victim = pid_of_worker(&d, 1);
	cr_assert_eq(kill(victim, SIGKILL), 0);
	snprintf(needle, sizeof(needle), "worker 1 (pid %ld) was killed by signal 9",
	    (long)victim);
	wait_count(&d, needle, 1);
	for (int i = 0; i < 24; i++) {
		struct rp_response r;

		rp_get(&d, "/a.txt", &r);
		cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
		cr_assert_eq(r.body_len, 6);
		rp_response_free(&r);
	}
	wait_count(&d, "worker 1 respawned (pid ", 1);
	out = rp_daemon_output(&d);
	p = strstr(out, "worker 1 respawned (pid ");
	respawned = atol(p + strlen("worker 1 respawned (pid "));
	free(out);
	cr_assert(respawned > 0 && respawned != victim);
	again = pid_of_worker(&d, 1);
	cr_assert_eq(again, (pid_t)respawned);
	cr_assert_eq(children_of(d.pid), 2);

	/* dead again within moments of its start: a backoff */
	cr_assert_eq(kill(again, SIGKILL), 0);
	wait_count(&d, "respawning it in 100 ms", 1);
	wait_count(&d, "worker 1 respawned (pid ", 2);
	cr_assert_neq(pid_of_worker(&d, 1), again);
	cr_assert_eq(worker_of(&d, &pid) > 0, 1);
	rp_stop(&d);
}

/*
 * SIGHUP to the master: a good file reaches every worker, and a transfer
 * in flight goes on to its last byte; a file with a problem changes
 * nothing and says why.
 */
Test(workers, reload_reaches_every_worker, .timeout = 240)
{
	struct rp_daemon d;
	char conf[8192 + 2 * PATH_MAX], bad[sizeof(conf) + PATH_MAX + 64];
	uint64_t size = 16u << 20;
	struct rp_conn *c;
	char *out;

	rp_setup(&d);
	rp_make_file(&d, "big.bin", size, SEED);
	rp_write_file(&d, "a.txt", "alpha\n", 6);
	start_workers(&d, 2, "");
	c = start_transfer(&d, size);

	workers_conf(&d, 2, "cache_control = max-age=77\n", conf, sizeof(conf));
	rewrite_conf(&d, conf);
	cr_assert_eq(kill(d.pid, SIGHUP), 0);
	wait_count(&d, "applied (1 listener)", 2);
	/* 24 fresh connections: one worker left behind would show */
	for (int i = 0; i < 24; i++) {
		struct rp_response r;

		rp_get(&d, "/a.txt", &r);
		cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
		cr_assert_str_eq(rp_hdr(&r, "Cache-Control") ? rp_hdr(&r, "Cache-Control") : "",
		    "max-age=77", "%s", rp_describe(&r));
		rp_response_free(&r);
	}
	finish_transfer(c, size);

	/* a broken file: named with its line, nothing changes */
	snprintf(bad, sizeof(bad), "%s[limits\n", conf);
	rewrite_conf(&d, bad);
	cr_assert_eq(kill(d.pid, SIGHUP), 0);
	wait_count(&d, "the running configuration stays", 1);
	out = rp_daemon_output(&d);
	cr_assert_not_null(strstr(out, "ringpushd.conf:"), "no file:line in:\n%s", out);
	free(out);
	cr_assert_eq(output_count(&d, "applied (1 listener)"), 2, "a worker reloaded a refused file");
	for (int i = 0; i < 8; i++) {
		struct rp_response r;

		rp_get(&d, "/a.txt", &r);
		cr_assert_eq(r.status, 200);
		cr_assert_not_null(rp_hdr(&r, "Cache-Control"));
		rp_response_free(&r);
	}
	rp_stop(&d);
}

/* A socket bound to 127.0.0.1 on a port the kernel picks, in *port. */
static int
loopback_bound(int *port)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	cr_assert(fd >= 0, "socket: %s", strerror(errno));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0, "%s", strerror(errno));
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

/* A loopback port free at the moment of the call. */
static int
free_port(void)
{
	int port;

	close(loopback_bound(&port));
	return port;
}

/* A connect to 127.0.0.1:port: 0, or the errno. */
static int
connect_error(int port)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), ret;

	cr_assert(fd >= 0, "socket: %s", strerror(errno));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ret = connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 ? 0 : errno;
	close(fd);
	return ret;
}

/* GET /a.txt on port answers "alpha\n". */
static void
assert_serves_on(const struct rp_daemon *d, int port)
{
	struct rp_daemon at = *d;
	struct rp_response r;

	at.port = port;
	rp_get(&at, "/a.txt", &r);
	cr_assert_eq(r.status, 200, "port %d: %s", port, rp_describe(&r));
	cr_assert(r.body_len == 6 && memcmp(r.body, "alpha\n", 6) == 0, "port %d: %s", port,
	    rp_describe(&r));
	rp_response_free(&r);
}

/* The workers' configuration with one more listener, named more, on
 * 127.0.0.1:port; its section's line in *line. */
static void
conf_with_more(const struct rp_daemon *d, int port, char *buf, size_t cap, int *line)
{
	char conf[8192 + 2 * PATH_MAX];
	int len;

	workers_conf(d, 2, "", conf, sizeof(conf));
	len = snprintf(buf, cap, "%s\n[listener more]\naddress = 127.0.0.1:%d\nroot = %s\n",
	    conf, port, d->root);
	cr_assert(len > 0 && (size_t)len < cap);
	*line = 2;
	for (const char *p = conf; *p != '\0'; p++)
		*line += *p == '\n';
}

/*
 * A reload that adds a listener: a new generation of workers serves the
 * new port and the old one; an old worker that sends a download retires
 * only once its last byte has gone, the idle one at once.
 */
Test(workers, reload_adds_listener_with_new_workers, .timeout = 240)
{
	struct rp_daemon d;
	char conf[8192 + 3 * PATH_MAX];
	uint64_t size = 64u << 20;
	pid_t old[2], pid;
	struct rp_conn *c;
	int port, line;

	rp_setup(&d);
	rp_make_file(&d, "big.bin", size, SEED);
	rp_write_file(&d, "a.txt", "alpha\n", 6);
	start_workers(&d, 2, "");
	old[0] = pid_of_worker(&d, 1);
	old[1] = pid_of_worker(&d, 2);
	c = start_transfer(&d, size);

	port = free_port();
	conf_with_more(&d, port, conf, sizeof(conf), &line);
	rewrite_conf(&d, conf);
	cr_assert_eq(kill(d.pid, SIGHUP), 0);
	wait_count(&d, "old workers retire once their transfers end", 1);
	/* the idle old worker goes; the one sending the download stays */
	wait_count(&d, "retired worker (pid ", 1);
	cr_assert_eq(output_count(&d, "retired worker (pid "), 1,
	    "the old worker sending the download did not wait for its end");
	cr_assert(kill(old[0], 0) == 0 || kill(old[1], 0) == 0, "no old worker runs");
	for (int i = 0; i < 8; i++) {
		assert_serves_on(&d, port);
		assert_serves_on(&d, d.port);
		worker_of(&d, &pid);
		cr_assert(pid != old[0] && pid != old[1], "old worker %ld still accepts",
		    (long)pid);
	}
	finish_transfer(c, size);
	wait_count(&d, "retired worker (pid ", 2);
	cr_assert_eq(output_count(&d, "retired worker (pid "), 2);
	cr_assert_eq(output_count(&d, ") exited with status 0"), 2, "an old worker failed");
	cr_assert_eq(children_of(d.pid), 2);
	rp_stop(&d);
}

/* A reload that moves the listener: the old address stops accepting once
 * the old workers are gone, the new one serves. */
Test(workers, reload_moves_listener, .timeout = 120)
{
	struct rp_daemon d;
	char conf[8192 + 2 * PATH_MAX], address[32];
	int port;

	rp_setup(&d);
	rp_write_file(&d, "a.txt", "alpha\n", 6);
	start_workers(&d, 2, "");
	port = free_port();
	workers_conf(&d, 2, "", conf, sizeof(conf));
	snprintf(address, sizeof(address), "127.0.0.1:%d", port);
	rp_conf_set(conf, sizeof(conf), "address", address);
	rewrite_conf(&d, conf);
	cr_assert_eq(kill(d.pid, SIGHUP), 0);
	wait_count(&d, "retired worker (pid ", 2);
	cr_assert_eq(connect_error(d.port), ECONNREFUSED, "the old address still accepts");
	assert_serves_on(&d, port);
	cr_assert_eq(children_of(d.pid), 2);
	rp_stop(&d);
}

/* A reload whose new address is taken: refused as a whole with its
 * file:line; the same workers go on serving. */
Test(workers, reload_refuses_address_in_use, .timeout = 120)
{
	struct rp_daemon d;
	char conf[8192 + 3 * PATH_MAX], needle[64], *out;
	int holder, port, line;
	pid_t before;

	rp_setup(&d);
	rp_write_file(&d, "a.txt", "alpha\n", 6);
	start_workers(&d, 2, "");
	before = pid_of_worker(&d, 1);
	/* listening: a bound socket alone would not stop the daemon's bind */
	holder = loopback_bound(&port);
	cr_assert_eq(listen(holder, 1), 0);

	conf_with_more(&d, port, conf, sizeof(conf), &line);
	rewrite_conf(&d, conf);
	cr_assert_eq(kill(d.pid, SIGHUP), 0);
	wait_count(&d, "the running configuration stays", 1);
	snprintf(needle, sizeof(needle), "ringpushd.conf:%d: listener more: cannot listen", line);
	out = rp_daemon_output(&d);
	cr_assert_not_null(strstr(out, needle), "no \"%s\" in:\n%s", needle, out);
	cr_assert_null(strstr(out, "retire"), "a refused file retired workers:\n%s", out);
	free(out);
	assert_serves_on(&d, d.port);
	cr_assert_eq(pid_of_worker(&d, 1), before);
	cr_assert_eq(children_of(d.pid), 2);
	close(holder);
	rp_stop(&d);
}

/* SIGTERM while an old worker retires: the stop's shutdown_timeout holds
 * for it too, and the daemon exits 0 without waiting for the download. */
Test(workers, stop_ends_retiring_workers, .timeout = 120)
{
	static unsigned char buf[1 << 16];
	struct rp_daemon d;
	char conf[8192 + 3 * PATH_MAX];
	uint64_t size = 64u << 20, got = 0;
	struct rp_conn *c;
	int port, line;
	ssize_t n;

	rp_setup(&d);
	rp_make_file(&d, "big.bin", size, SEED);
	workers_conf(&d, 2, "", conf, sizeof(conf));
	rp_conf_set(conf, sizeof(conf), "shutdown_timeout", "1s");
	rp_start_conf(&d, conf);
	c = start_transfer(&d, size);
	port = free_port();
	conf_with_more(&d, port, conf, sizeof(conf), &line);
	rp_conf_set(conf, sizeof(conf), "shutdown_timeout", "1s");
	rewrite_conf(&d, conf);
	cr_assert_eq(kill(d.pid, SIGHUP), 0);
	wait_count(&d, "old workers retire once their transfers end", 1);
	/* the worker's own word that it retires: a SIGTERM that reached it
	 * first (a slow start under valgrind) would be a plain stop */
	wait_count(&d, "SIGQUIT: retiring (1 connections open", 1);
	cr_assert_eq(kill(d.pid, SIGTERM), 0);
	wait_count(&d, "Terminated while retiring: 1 connections have up to 1000 ms", 1);
	wait_clean_exit(&d);
	while ((n = rp_read_some(c, buf, sizeof(buf))) > 0)
		got += (uint64_t)n;
	cr_assert_lt(got, size, "the download was not cut at shutdown_timeout");
	rp_close(c);
}

/* The value of "name value" in Prometheus text, -1 when absent. */
static double
sample_or(const char *text, const char *name)
{
	char needle[256];
	const char *p;

	snprintf(needle, sizeof(needle), "\n%s ", name);
	p = strstr(text, needle);
	return p != NULL ? atof(p + strlen(needle)) : -1;
}

/*
 * /metrics on any worker reports the whole daemon: requests answered by
 * every worker are summed (the others' figures arrive within a tick), and
 * each worker has its own series.
 */
Test(workers, metrics_sum_every_worker, .timeout = 120)
{
	struct rp_daemon d;
	int requests = 40;
	double total = 0, w1 = 0, w2 = 0;

	rp_setup(&d);
	rp_write_file(&d, "a.txt", "alpha\n", 6);
	start_workers(&d, 2, "");
	for (int i = 0; i < requests; i++) {
		struct rp_response r;

		rp_get(&d, "/a.txt", &r);
		cr_assert_eq(r.status, 200);
		rp_response_free(&r);
	}
	/* the /metrics requests themselves count too: at least `requests` */
	for (int tries = 0; tries < rp_io_timeout() * 10; tries++) {
		struct rp_response r;
		const char *text;

		rp_get(&d, "/metrics", &r);
		text = (const char *)r.body;
		total = sample_or(text, "ringpushd_requests_total{code=\"2xx\"}");
		w1 = sample_or(text, "ringpushd_worker_requests_total{worker=\"1\"}");
		w2 = sample_or(text, "ringpushd_worker_requests_total{worker=\"2\"}");
		cr_assert(total >= 0 && w1 >= 0 && w2 >= 0, "%s", text);
		cr_assert_not_null(strstr(text, "\nringpushd_worker_pid{worker=\"2\"} "), "%s", text);
		rp_response_free(&r);
		if (total >= requests && w1 > 0 && w2 > 0)
			break;
		usleep(100000);
	}
	cr_assert_geq(total, requests, "the sum misses a worker's requests");
	cr_assert(w1 > 0 && w2 > 0, "one worker took every request (%g, %g)", w1, w2);
	cr_assert_geq(w1 + w2, total, "per-worker series below the sum");
	rp_stop(&d);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * rate_total holds for the whole daemon, not per worker: connections
 * spread over two workers together never go faster than it (give or take
 * the 200 ms burst).  With a bucket per worker they would take half the
 * time.
 */
Test(workers, rate_total_holds_for_the_daemon, .timeout = 120)
{
	enum { CLIENTS = 40 };
	const uint64_t rate = 1024 * 1024, size = 64 * 1024;
	char conf[8192 + 2 * PATH_MAX];
	struct rp_conn *c[CLIENTS];
	struct rp_daemon d;
	double t0, elapsed;
	pid_t pid;
	int seen1 = 0, seen2 = 0;

	rp_setup(&d);
	for (int i = 0; i < CLIENTS; i++) {
		char name[32];

		snprintf(name, sizeof(name), "f%02d.bin", i);
		rp_make_file(&d, name, size, SEED);
	}
	workers_conf(&d, 2, "", conf, sizeof(conf));
	rp_conf_set(conf, sizeof(conf), "max_connections", "1000\nrate_total = 1M");
	rp_start_conf(&d, conf);
	t0 = now_s();
	for (int i = 0; i < CLIENTS; i++) {
		c[i] = rp_connect(&d);
		rp_sendf(c[i], "GET /f%02d.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
		    i);
	}
	for (int i = 0; i < CLIENTS; i++) {
		struct rp_response r;

		cr_assert_eq(rp_read_head(c[i], &r), RP_OK);
		cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
		rp_response_free(&r);
		finish_transfer(c[i], size);
	}
	elapsed = now_s() - t0;
	cr_assert(elapsed >= (double)(CLIENTS * size) / (double)rate - 0.2 - 0.15,
	    "%d x %lu bytes at a total of %lu B/s over 2 workers took only %.2f s", CLIENTS,
	    (unsigned long)size, (unsigned long)rate, elapsed);
	/* both workers took part */
	for (int i = 0; i < SPREAD_TRIES && !(seen1 && seen2); i++) {
		int w = worker_of(&d, &pid);

		seen1 |= w == 1;
		seen2 |= w == 2;
	}
	cr_assert(seen1 && seen2);
	rp_stop(&d);
}

/* Access log lines of every worker go to one file, each line whole:
 * O_APPEND, and one write per batch of whole lines. */
Test(workers, access_log_lines_stay_whole, .timeout = 120)
{
	enum { CONNS = 16, PER_CONN = 25 };
	struct rp_daemon d;
	struct rp_conn *c[CONNS];
	char *log = NULL;
	int lines = 0;

	rp_setup(&d);
	rp_write_file(&d, "a.txt", "alpha\n", 6);
	start_workers(&d, 2, "");
	for (int i = 0; i < CONNS; i++)
		c[i] = rp_connect(&d);
	/* interleaved keep-alive requests: both workers log at once */
	for (int k = 0; k < PER_CONN; k++) {
		for (int i = 0; i < CONNS; i++)
			rp_sends(c[i], "GET /a.txt HTTP/1.1\r\nHost: t\r\n\r\n");
		for (int i = 0; i < CONNS; i++) {
			struct rp_response r;

			cr_assert_eq(rp_read_response(c[i], &r, false), RP_OK);
			cr_assert_eq(r.status, 200);
			rp_response_free(&r);
		}
	}
	for (int i = 0; i < CONNS; i++)
		rp_close(c[i]);
	rp_stop(&d);
	log = rp_slurp(d.access_log, NULL);
	cr_assert_not_null(log);
	for (char *line = log, *eol; *line != '\0'; line = eol + 1) {
		eol = strchr(line, '\n');
		cr_assert_not_null(eol, "a last line without its end: %s", line);
		*eol = '\0';
		cr_assert(strncmp(line, "127.0.0.1 - - [", 15) == 0 &&
		    strstr(line, "] \"GET /a.txt HTTP/1.1\" 200 6 ") != NULL,
		    "a torn or mixed line: %s", line);
		lines++;
	}
	cr_assert_eq(lines, CONNS * PER_CONN);
	free(log);
}

/*
 * The pid file, the background start and the service manager hear from
 * the master: the starting command returns once every worker serves,
 * READY=1 names the workers, and the pid file holds the master's pid.
 */
Test(workers, master_speaks_for_the_daemon, .timeout = 120)
{
	struct rp_daemon d;
	char conf[4 * PATH_MAX], pidpath[PATH_MAX + 16], errlog[PATH_MAX + 16],
	    out[PATH_MAX + 16], msg[1024], sock[128], *text;
	char *argv[] = { (char *)rp_daemon_path(), "-c", d.conf, NULL };
	int fd, status;
	pid_t pid;

	rp_setup(&d);
	snprintf(pidpath, sizeof(pidpath), "%s/ringpushd.pid", d.dir);
	snprintf(errlog, sizeof(errlog), "%s/error.log", d.dir);
	snprintf(out, sizeof(out), "%s/start.out", d.dir);
	snprintf(conf, sizeof(conf), "[daemon]\nworkers = 2\nerror_log = %s\naccess_log = off\n"
	    "allow_root = yes\npid_file = %s\n\n[listener test]\naddress = 127.0.0.1:0\n"
	    "root = %s\n", errlog, pidpath, d.root);
	rewrite_conf(&d, conf);
	fd = rp_notify_socket("wnotify", sock, sizeof(sock));
	status = rp_run(argv, out, 60, false);
	unsetenv("NOTIFY_SOCKET");
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "start: status 0x%x", status);

	text = rp_slurp(pidpath, NULL);
	cr_assert_not_null(text, "no pid file");
	pid = (pid_t)atol(text);
	free(text);
	cr_assert(pid > 0 && kill(pid, 0) == 0, "the pid file names no live process");
	cr_assert_eq(children_of(pid), 2, "the pid file does not name the master");
	rp_notify_recv(fd, msg, sizeof(msg));
	cr_assert(strncmp(msg, "READY=1", 7) == 0, "first message: %s", msg);
	rp_notify_recv(fd, msg, sizeof(msg));
	cr_assert_str_eq(msg, "STATUS=serving 1 listener with 2 workers");
	text = rp_slurp(errlog, NULL);
	cr_assert_not_null(strstr(text, "2 workers serve 1 listener"), "%s", text);
	free(text);

	cr_assert_eq(kill(pid, SIGTERM), 0);
	do
		rp_notify_recv(fd, msg, sizeof(msg));
	while (strncmp(msg, "STOPPING=1", 10) != 0);
	for (int i = 0; i < 600 && kill(pid, 0) == 0; i++)
		usleep(50000);
	cr_assert(kill(pid, 0) == -1, "SIGTERM did not stop the master");
	cr_assert(access(pidpath, F_OK) == -1, "the pid file stayed after a clean stop");
	close(fd);
	unlink(sock);
}

/* SIGUSR1 to the master: every worker and the master reopen their logs. */
Test(workers, usr1_reopens_every_log, .timeout = 120)
{
	struct rp_daemon d;
	char moved[PATH_MAX + 8];
	struct stat st;
	int tries;

	rp_setup(&d);
	rp_write_file(&d, "a.txt", "alpha\n", 6);
	start_workers(&d, 2, "");
	snprintf(moved, sizeof(moved), "%s.1", d.access_log);
	cr_assert_eq(rename(d.access_log, moved), 0, "%s", strerror(errno));
	cr_assert_eq(kill(d.pid, SIGUSR1), 0);
	wait_count(&d, "SIGUSR1: reopening the logs of the master and 2 workers", 1);
	wait_count(&d, "SIGUSR1: reopening the logs\n", 2);
	/* every worker writes to the new file: requests until both answered */
	for (int seen1 = 0, seen2 = 0, i = 0; !(seen1 && seen2); i++) {
		pid_t pid;
		int w;

		cr_assert(i < SPREAD_TRIES, "one worker took every connection");
		w = worker_of(&d, &pid);
		seen1 |= w == 1;
		seen2 |= w == 2;
	}
	for (tries = 0; tries < 100; tries++) {
		if (stat(d.access_log, &st) == 0 && st.st_size > 0)
			break;
		usleep(50000);
	}
	cr_assert(tries < 100, "no access log lines in the reopened file");
	rp_stop(&d);
}

/* SIGTERM to the master: every worker stops, a response under way
 * finishes whole, the master exits 0 once they all did. */
Test(workers, stop_lets_transfers_finish, .timeout = 180)
{
	struct rp_daemon d;
	uint64_t size = 16u << 20;
	struct rp_conn *c;

	rp_setup(&d);
	rp_make_file(&d, "big.bin", size, SEED);
	start_workers(&d, 2, "");
	c = start_transfer(&d, size);
	cr_assert_eq(kill(d.pid, SIGTERM), 0);
	wait_count(&d, "stopping 2 workers (", 1);
	wait_count(&d, "Terminated: stopping (", 2);
	finish_transfer(c, size);
	wait_clean_exit(&d);
	cr_assert_eq(output_count(&d, "stopped: every worker ended"), 1);
}

/* A flood of short connections: client processes, each opening BURST
 * connections at once (so some wait in the listen backlog), then reading
 * each answer to the end. */
#define FLOOD_CLIENTS 4
#define FLOOD_BURST 200
#define FLOOD_BURSTS 10
/* re-arms to see before concluding; rounds of flood at most */
#define FLOOD_REARMS 60
#define FLOOD_ROUNDS 200
#define FLOOD_SIZE 4096
#define REARMED "connections wait: accept armed again"

/* One GET of /small.bin on a connected socket, answered in full: true. */
static bool
flood_answered(int fd)
{
	char buf[FLOOD_SIZE + 1024];
	size_t got = 0;
	ssize_t n;
	const char *end;

	while (got < sizeof(buf) && (n = recv(fd, buf + got, sizeof(buf) - got, 0)) > 0)
		got += (size_t)n;
	if (got < 12 || memcmp(buf, "HTTP/1.1 200", 12) != 0)
		return false;
	end = memmem(buf, got, "\r\n\r\n", 4);
	return end != NULL && buf + got - (end + 4) == FLOOD_SIZE;
}

/* A client process's bursts: how many connections failed (refused, reset,
 * or answered short). */
static unsigned
flood_client(int port)
{
	static const char req[] = "GET /small.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct timeval tv = { .tv_sec = rp_io_timeout() };
	unsigned failed = 0;
	int fds[FLOOD_BURST];

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int b = 0; b < FLOOD_BURSTS; b++) {
		for (int i = 0; i < FLOOD_BURST; i++) {
			fds[i] = socket(AF_INET, SOCK_STREAM, 0);
			if (fds[i] == -1)
				continue;
			setsockopt(fds[i], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
			setsockopt(fds[i], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
			if (connect(fds[i], (struct sockaddr *)&a, sizeof(a)) == -1 ||
			    send(fds[i], req, sizeof(req) - 1, MSG_NOSIGNAL) != sizeof(req) - 1) {
				close(fds[i]);
				fds[i] = -1;
			}
		}
		for (int i = 0; i < FLOOD_BURST; i++) {
			if (fds[i] == -1 || !flood_answered(fds[i]))
				failed++;
			if (fds[i] != -1)
				close(fds[i]);
		}
	}
	return failed;
}

/* One round of flood: FLOOD_CLIENTS processes at once.  Connections that
 * failed, summed. */
static unsigned
flood_round(const struct rp_daemon *d)
{
	pid_t pids[FLOOD_CLIENTS];
	int fds[2];
	unsigned failed = 0;

	cr_assert_eq(pipe(fds), 0);
	for (int i = 0; i < FLOOD_CLIENTS; i++) {
		pids[i] = fork();
		cr_assert_neq(pids[i], -1, "fork: %s", strerror(errno));
		if (pids[i] == 0) {
			unsigned f = flood_client(d->port);

			_exit(write(fds[1], &f, sizeof(f)) == sizeof(f) ? 0 : 1);
		}
	}
	close(fds[1]);
	for (int i = 0; i < FLOOD_CLIENTS; i++) {
		unsigned f;
		int status;

		cr_assert_eq(read(fds[0], &f, sizeof(f)), (ssize_t)sizeof(f), "a client died");
		failed += f;
		cr_assert_eq(waitpid(pids[i], &status, 0), pids[i]);
	}
	close(fds[0]);
	return failed;
}

/*
 * A worker whose socket has connections waiting on two ticks in a row
 * cancels its accept and arms a new one.  Connections the cancelled
 * accept took before the cancel landed still reach the worker: none is
 * reset, however many times that happens under a flood of new clients.
 */
Test(workers, rearmed_accept_loses_no_connection, .timeout = 300)
{
	struct rp_daemon d;
	char base[8192 + 2 * PATH_MAX], conf[sizeof(base) + 32], *level;
	unsigned failed = 0, tried = 0;
	int rearms = 0;

	rp_setup(&d);
	rp_make_file(&d, "small.bin", FLOOD_SIZE, SEED);
	/* debug: the daemon says when it arms an accept anew */
	workers_conf(&d, 2, "", base, sizeof(base));
	level = strstr(base, "log_level = info\n");
	cr_assert_not_null(level);
	*level = '\0';
	snprintf(conf, sizeof(conf), "%slog_level = debug\n%s", base,
	    level + strlen("log_level = info\n"));
	rp_start_conf(&d, conf);
	for (int r = 0; r < FLOOD_ROUNDS && rearms < FLOOD_REARMS; r++) {
		failed += flood_round(&d);
		tried += FLOOD_CLIENTS * FLOOD_BURSTS * FLOOD_BURST;
		rearms = output_count(&d, REARMED);
	}
	cr_assert_geq(rearms, 1, "no accept was armed anew in %u connections", tried);
	cr_assert_eq(failed, 0, "%u of %u connections failed across %d re-arms", failed, tried,
	    rearms);
	rp_stop(&d);
}

/* max_connections_per_ip in the tests of its sharing between workers */
#define PER_IP 4
/* connections tried from one address before concluding that the kernel
 * never handed one to each worker */
#define PER_IP_TRIES 64

/* The workers' configuration with max_connections_per_ip = limit. */
static void
per_ip_conf(const struct rp_daemon *d, unsigned limit, char *conf, size_t cap)
{
	char value[64];

	workers_conf(d, 2, "", conf, cap);
	snprintf(value, sizeof(value), "1000\nmax_connections_per_ip = %u", limit);
	rp_conf_set(conf, cap, "max_connections", value);
}

/*
 * A request on a new connection from `from`: 200 leaves the connection
 * open in *held (kept alive, so it still counts), 503 must come with
 * Retry-After and the close.  Returns the status.
 */
static int
request_from(const struct rp_daemon *d, const char *from, struct rp_conn **held)
{
	struct rp_conn *c = rp_connect_from(d, from, 0);
	struct rp_response r;
	int status, res;

	rp_sends(c, "GET /a.txt HTTP/1.1\r\nHost: t\r\n\r\n");
	res = rp_read_response(c, &r, false);
	cr_assert_eq(res, RP_OK, "from %s: %s", from, rp_result_str(res));
	status = r.status;
	cr_assert(status == 200 || status == 503, "from %s:\n%s", from, rp_describe(&r));
	if (status == 503)
		cr_assert_not_null(rp_hdr(&r, "Retry-After"), "%s", rp_describe(&r));
	rp_response_free(&r);
	if (status == 200) {
		*held = c;
	} else {
		cr_assert_eq(rp_wait_close(c, rp_io_timeout()), RP_CLOSED, "503 not closed");
		rp_close(c);
		*held = NULL;
	}
	return status;
}

/* Wait until the daemon's sum of per_ip refusals reaches want. */
static double
wait_refused_per_ip(const struct rp_daemon *d, double want)
{
	double got = 0;

	for (int i = 0; i < rp_io_timeout() * 20; i++) {
		got = rp_metric(d, "ringpushd_connections_refused_total{reason=\"per_ip\"}");
		if (got >= want)
			break;
		usleep(50000);
	}
	return got;
}

/* Whether worker pid has logged its refusal of `from`. */
static bool
refusal_logged_by(const struct rp_daemon *d, pid_t pid, const char *from)
{
	char needle[160];

	snprintf(needle, sizeof(needle), "ringpushd[%ld]: warn: refusing connections from "
	    "%s with 503: max_connections_per_ip (%d)", (long)pid, from, PER_IP);
	return output_count(d, needle) > 0;
}

/*
 * max_connections_per_ip holds for the whole daemon: connections from one
 * address spread over two workers, and once PER_IP of them are held,
 * every further one is refused, by either worker.  A worker that refused
 * logged it, so the test goes on until both have: with a table per worker
 * the second worker would have served PER_IP more of them.
 */
Test(workers, per_ip_limit_holds_for_the_daemon, .timeout = 180)
{
	const char *from = "127.0.0.5";
	char conf[8192 + 2 * PATH_MAX];
	struct rp_conn *held[PER_IP_TRIES];
	struct rp_daemon d;
	pid_t pid1, pid2;
	int served = 0, refused = 0, tries;
	struct rp_response r;

	rp_setup(&d);
	rp_write_file(&d, "a.txt", "alpha\n", 6);
	per_ip_conf(&d, PER_IP, conf, sizeof(conf));
	rp_start_conf(&d, conf);
	pid1 = pid_of_worker(&d, 1);
	pid2 = pid_of_worker(&d, 2);
	for (tries = 0; tries < PER_IP_TRIES; tries++) {
		if (tries >= 2 * PER_IP && refusal_logged_by(&d, pid1, from) &&
		    refusal_logged_by(&d, pid2, from))
			break;
		if (request_from(&d, from, &held[served]) == 200)
			served++;
		else
			refused++;
		cr_assert_leq(served, PER_IP, "connection %d from %s served with %d held",
		    tries + 1, from, served - 1);
	}
	cr_assert_eq(served, PER_IP);
	/* a worker's log lines may come a tick after its answers */
	for (int i = 0; i < rp_io_timeout() * 20; i++) {
		if (refusal_logged_by(&d, pid1, from) && refusal_logged_by(&d, pid2, from))
			break;
		usleep(50000);
	}
	cr_assert(refusal_logged_by(&d, pid1, from) && refusal_logged_by(&d, pid2, from),
	    "in %d connections from %s, not both workers refused one", tries, from);
	cr_assert_eq(wait_refused_per_ip(&d, refused), refused,
	    "/metrics does not sum the refusals of both workers");
	/* another address is not held back */
	rp_get(&d, "/a.txt", &r);
	cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
	rp_response_free(&r);
	for (int i = 0; i < served; i++)
		rp_close(held[i]);
	rp_stop(&d);
}

/* The worker that serves the kept-alive connection c. */
static int
worker_serving(struct rp_conn *c)
{
	struct rp_response r;
	const char *p;
	int worker;

	rp_sends(c, "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n");
	cr_assert_eq(rp_read_response(c, &r, false), RP_OK);
	cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
	p = strstr((const char *)r.body, "\nringpushd_worker_answering ");
	cr_assert_not_null(p, "%s", (const char *)r.body);
	worker = atoi(p + strlen("\nringpushd_worker_answering "));
	rp_response_free(&r);
	return worker;
}

/* New connections from `from` until one is refused: the number served,
 * kept open in held[]. */
static int
serve_until_refused(const struct rp_daemon *d, const char *from, struct rp_conn **held,
    int cap)
{
	int served = 0;

	while (request_from(d, from, &held[served]) == 200)
		cr_assert_lt(++served, cap, "%d connections from %s served", served, from);
	return served;
}

/*
 * A worker killed outright while it holds connections from an address:
 * the master clears its counts as it reaps it, so once it is respawned
 * the address may again open max_connections_per_ip connections, those
 * the other worker still holds included.
 */
Test(workers, per_ip_counts_of_a_killed_worker_are_cleared, .timeout = 180)
{
	const char *from = "127.0.0.6";
	char conf[8192 + 2 * PATH_MAX], needle[128];
	struct rp_conn *held[PER_IP], *more[PER_IP + 1];
	int worker[PER_IP], on[3] = { 0, 0, 0 }, victim, kept = 0, served;
	struct rp_daemon d;
	pid_t pid;

	rp_setup(&d);
	rp_write_file(&d, "a.txt", "alpha\n", 6);
	per_ip_conf(&d, PER_IP, conf, sizeof(conf));
	rp_start_conf(&d, conf);
	for (int i = 0; i < PER_IP; i++) {
		cr_assert_eq(request_from(&d, from, &held[i]), 200, "connection %d", i + 1);
		worker[i] = worker_serving(held[i]);
		cr_assert(worker[i] == 1 || worker[i] == 2, "worker %d", worker[i]);
		on[worker[i]]++;
	}
	cr_assert_eq(serve_until_refused(&d, from, more, PER_IP + 1), 0, "over the limit");
	/* the worker with the most of them: it holds at least one */
	victim = on[1] >= on[2] ? 1 : 2;
	pid = pid_of_worker(&d, victim);
	cr_assert_eq(kill(pid, SIGKILL), 0);
	snprintf(needle, sizeof(needle), "worker %d (pid %ld) was killed by signal 9", victim,
	    (long)pid);
	wait_count(&d, needle, 1);
	snprintf(needle, sizeof(needle), "worker %d respawned (pid ", victim);
	wait_count(&d, needle, 1);
	for (int i = 0; i < PER_IP; i++) {
		if (worker[i] == victim)
			rp_close(held[i]);
		else
			held[kept++] = held[i];
	}
	served = serve_until_refused(&d, from, more, PER_IP + 1);
	cr_assert_eq(served, PER_IP - kept, "%d held by the killed worker, %d by the other: "
	    "%d served after the respawn", on[victim], kept, served);
	for (int i = 0; i < served; i++)
		rp_close(more[i]);
	for (int i = 0; i < kept; i++)
		rp_close(held[i]);
	rp_stop(&d);
}

/* Reload the workers' configuration with max_connections_per_ip = limit;
 * reloads is how many the daemon has applied with this one. */
static void
reload_per_ip(const struct rp_daemon *d, unsigned limit, int reloads)
{
	char conf[8192 + 2 * PATH_MAX];

	per_ip_conf(d, limit, conf, sizeof(conf));
	rewrite_conf(d, conf);
	cr_assert_eq(kill(d->pid, SIGHUP), 0);
	/* every worker logs it */
	wait_count(d, "applied (1 listener)", 2 * reloads);
}

/*
 * max_connections_per_ip changes on reload, from 0 (connections let in
 * then are not counted) to a limit, up, and back to 0, for the daemon.
 */
Test(workers, per_ip_limit_changes_on_reload, .timeout = 180)
{
	enum { CAP = 8 };
	const char *from = "127.0.0.7";
	char conf[8192 + 2 * PATH_MAX];
	struct rp_conn *uncounted[2], *held[3 * CAP];
	struct rp_daemon d;
	int served = 0, n;

	rp_setup(&d);
	rp_write_file(&d, "a.txt", "alpha\n", 6);
	per_ip_conf(&d, 0, conf, sizeof(conf));
	rp_start_conf(&d, conf);
	for (int i = 0; i < 2; i++)
		cr_assert_eq(request_from(&d, from, &uncounted[i]), 200, "no limit yet");

	reload_per_ip(&d, 2, 1);
	n = serve_until_refused(&d, from, held + served, CAP);
	cr_assert_eq(n, 2, "limit 2 from 0: %d served", n);
	served += n;

	reload_per_ip(&d, 3, 2);
	n = serve_until_refused(&d, from, held + served, CAP);
	cr_assert_eq(n, 1, "limit 2 raised to 3: %d more served", n);
	served += n;

	reload_per_ip(&d, 0, 3);
	for (int i = 0; i < CAP; i++)
		cr_assert_eq(request_from(&d, from, &held[served++]), 200, "limit off, %d", i);

	for (int i = 0; i < served; i++)
		rp_close(held[i]);
	for (int i = 0; i < 2; i++)
		rp_close(uncounted[i]);
	rp_stop(&d);
}

/*
 * A reload that adds a listener starts a new generation of workers while
 * the old one still sends a download: the old worker's connection from
 * an address counts against the new workers' limit until it ends, and
 * no longer once it has.
 */
Test(workers, per_ip_counts_span_generations, .timeout = 240)
{
	const char *from = "127.0.0.8";
	char conf[8192 + 2 * PATH_MAX], more[sizeof(conf) + PATH_MAX + 64];
	struct rp_conn *download, *held[4];
	uint64_t size = 16u << 20;
	struct rp_daemon d;
	int served, len;

	rp_setup(&d);
	rp_make_file(&d, "big.bin", size, SEED);
	rp_write_file(&d, "a.txt", "alpha\n", 6);
	per_ip_conf(&d, 2, conf, sizeof(conf));
	rp_start_conf(&d, conf);
	download = start_transfer_on(rp_connect_from(&d, from, 65536), size);

	len = snprintf(more, sizeof(more), "%s\n[listener more]\naddress = 127.0.0.1:%d\n"
	    "root = %s\n", conf, free_port(), d.root);
	cr_assert(len > 0 && (size_t)len < sizeof(more));
	rewrite_conf(&d, more);
	cr_assert_eq(kill(d.pid, SIGHUP), 0);
	wait_count(&d, "old workers retire once their transfers end", 1);
	/* both old workers have stopped accepting (under valgrind a worker
	 * takes its signal only at its next tick): a newcomer reaches the
	 * new generation */
	wait_count(&d, "SIGQUIT: retiring", 2);
	served = serve_until_refused(&d, from, held, 4);
	cr_assert_eq(served, 1, "limit 2 with the old generation's download: %d served", served);

	finish_transfer(download, size);
	wait_count(&d, "retired worker (pid ", 2);
	served += serve_until_refused(&d, from, held + served, 4);
	cr_assert_eq(served, 2, "the old generation's count outlived it: %d served", served);
	for (int i = 0; i < served; i++)
		rp_close(held[i]);
	rp_stop(&d);
}
