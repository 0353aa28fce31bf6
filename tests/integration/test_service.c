/*
 * test_service.c: running as a service — background start with a pid
 * file, graceful stop, the service manager's messages, metrics, and the
 * JSON access log.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "harness.h"

static void
write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

static bool
process_exists(pid_t pid)
{
	return kill(pid, 0) == 0 || errno != ESRCH;
}

/* Wait for a child daemon to exit; returns its wait status. */
static int
wait_exit(struct rp_daemon *d, int timeout_s)
{
	int status;

	for (int i = 0; i < timeout_s * 20; i++) {
		if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
			d->pid = 0;
			return status;
		}
		usleep(50000);
	}
	cr_assert_fail("ringpushd did not exit within %d s", timeout_s);
	return -1;
}

Test(service, background_start_pid_file_and_second_instance, .timeout = 120)
{
	struct rp_daemon d;
	char conf[4 * PATH_MAX], pidpath[PATH_MAX + 16], errlog[PATH_MAX + 16],
	    out[PATH_MAX + 16], *text, *p;
	char *argv[] = { (char *)rp_daemon_path(), "-c", d.conf, NULL };
	struct rp_response r;
	pid_t pid;
	int status;

	rp_setup(&d);
	rp_write_file(&d, "f.txt", "background\n", 11);
	snprintf(pidpath, sizeof(pidpath), "%s/ringpushd.pid", d.dir);
	snprintf(errlog, sizeof(errlog), "%s/error.log", d.dir);
	snprintf(out, sizeof(out), "%s/start.out", d.dir);
	snprintf(conf, sizeof(conf),
	    "[daemon]\nerror_log = %s\naccess_log = off\nallow_root = yes\npid_file = %s\n\n"
	    "[listener test]\naddress = 127.0.0.1:0\nroot = %s\n", errlog, pidpath, d.root);
	write_text(d.conf, conf);

	/* the command returns once the daemon in the background is ready */
	status = rp_run(argv, out, 60, false);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "start: status 0x%x:\n%s",
	    status, rp_slurp(out, NULL));
	text = rp_slurp(pidpath, NULL);
	cr_assert_not_null(text, "no pid file");
	pid = (pid_t)atol(text);
	free(text);
	cr_assert(pid > 0 && process_exists(pid), "pid file names no live process");
	text = rp_slurp(errlog, NULL);
	cr_assert_not_null(text);
	p = strstr(text, "listening on 127.0.0.1:");
	cr_assert_not_null(p, "%s", text);
	d.port = atoi(p + strlen("listening on 127.0.0.1:"));
	free(text);
	rp_get(&d, "/f.txt", &r);
	cr_assert_eq(r.status, 200);
	rp_response_free(&r);

	/* a second instance with the same pid file refuses, and says why */
	status = rp_run(argv, out, 60, false);
	text = rp_slurp(out, NULL);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1, "second start: 0x%x", status);
	cr_assert(strstr(text, "already running") != NULL, "%s", text);
	free(text);
	cr_assert(process_exists(pid), "the first instance must survive the second start");

	cr_assert_eq(kill(pid, SIGTERM), 0);
	for (int i = 0; i < 600 && process_exists(pid); i++)
		usleep(50000);
	cr_assert(!process_exists(pid), "SIGTERM did not stop the background daemon");
	cr_assert(access(pidpath, F_OK) == -1, "the pid file stayed after a clean stop");
}

/* True when a new connection to port gets a response: it may also be
 * refused outright, which rp_connect() would take for a failure. */
static bool
accepts_requests(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct timeval tv = { .tv_sec = 10 };
	static const char req[] = "GET / HTTP/1.1\r\nHost: t\r\n\r\n";
	char buf[16];
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool answered = false;

	cr_assert_neq(fd, -1);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) == (ssize_t)(sizeof(req) - 1))
		answered = recv(fd, buf, sizeof(buf), 0) > 0;
	close(fd);
	return answered;
}

RP_ENGINE_TEST(service, sigterm_lets_transfers_finish, .timeout = 120)
{
	struct rp_daemon d;
	char conf[4096];
	struct rp_conn *c;
	struct rp_response r;
	static unsigned char buf[1 << 16];
	uint64_t got = 0, size = 64u << 20;
	int status;

	rp_setup(&d);
	rp_make_file(&d, "big.bin", size, 9);
	rp_default_conf(&d, conf, sizeof(conf));
	rp_conf_set(conf, sizeof(conf), "log_level", "info\nshutdown_timeout = 60s");
	rp_start_conf(&d, conf);
	c = rp_connect_rcvbuf(&d, 65536);
	rp_sends(c, "GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n");
	cr_assert_eq(rp_read_head(c, &r), RP_OK);
	cr_assert_eq(r.content_length, size);
	rp_response_free(&r);

	cr_assert_eq(kill(d.pid, SIGTERM), 0);
	/* new connections are no longer accepted */
	for (int i = 0; i < 100; i++) {
		char *out = rp_daemon_output(&d);
		bool seen = strstr(out, "stopping") != NULL;

		free(out);
		if (seen)
			break;
		usleep(20000);
	}
	cr_assert(!accepts_requests(d.port), "a request after SIGTERM was answered");

	/* the transfer in flight ends intact */
	while (got < size) {
		ssize_t n = rp_read_some(c, buf, sizeof(buf));

		cr_assert(n > 0, "body ended at %lu: %s", (unsigned long)got, rp_result_str((int)n));
		cr_assert_eq(rp_pattern_mismatch(9, got, buf, (size_t)n), -1);
		got += (uint64_t)n;
	}
	cr_assert_eq(rp_wait_close(c, 20), RP_CLOSED, "the connection must close after the response");
	rp_close(c);
	status = wait_exit(&d, 60);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "exit status 0x%x", status);
}

RP_ENGINE_TEST(service, shutdown_timeout_ends_stuck_transfers, .timeout = 120)
{
	struct rp_daemon d;
	char conf[4096];
	struct rp_conn *c;
	struct rp_response r;
	int status;

	rp_setup(&d);
	rp_make_file(&d, "big.bin", 64u << 20, 9);
	rp_default_conf(&d, conf, sizeof(conf));
	rp_conf_set(conf, sizeof(conf), "log_level", "info\nshutdown_timeout = 1s");
	rp_start_conf(&d, conf);
	c = rp_connect_rcvbuf(&d, 4096);
	rp_sends(c, "GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n");
	cr_assert_eq(rp_read_head(c, &r), RP_OK);
	rp_response_free(&r);
	cr_assert_eq(kill(d.pid, SIGTERM), 0);
	/* the client never reads on: the daemon still exits, cleanly */
	status = wait_exit(&d, 60);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "exit status 0x%x", status);
	rp_close(c);
}

Test(service, notify_socket_messages, .timeout = 120)
{
	struct rp_daemon d;
	char msg[1024], path[108];
	int fd, status;

	rp_setup(&d);
	fd = rp_notify_socket("notify", path, sizeof(path));
	rp_start(&d);
	unsetenv("NOTIFY_SOCKET");

	rp_notify_recv(fd, msg, sizeof(msg));
	cr_assert(strncmp(msg, "READY=1", 7) == 0, "first message: %s", msg);
	rp_notify_recv(fd, msg, sizeof(msg));
	cr_assert(strncmp(msg, "STATUS=serving 1 listener", 25) == 0, "%s", msg);

	cr_assert_eq(kill(d.pid, SIGHUP), 0);
	rp_notify_recv(fd, msg, sizeof(msg));
	cr_assert(strncmp(msg, "RELOADING=1\nMONOTONIC_USEC=", 27) == 0, "%s", msg);
	cr_assert(atoll(msg + 27) > 0, "%s", msg);
	rp_notify_recv(fd, msg, sizeof(msg));
	cr_assert(strncmp(msg, "READY=1", 7) == 0, "after a reload: %s", msg);

	cr_assert_eq(kill(d.pid, SIGTERM), 0);
	do
		rp_notify_recv(fd, msg, sizeof(msg));
	while (strncmp(msg, "STOPPING=1", 10) != 0);
	status = wait_exit(&d, 60);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(fd);
	unlink(path);
}

static char *
scrape(const struct rp_daemon *d)
{
	struct rp_response r;
	char *text;

	rp_get(d, "/metrics", &r);
	cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
	cr_assert(strstr(rp_hdr(&r, "Content-Type"), "text/plain; version=0.0.4") != NULL);
	text = strndup((const char *)r.body, r.body_len);
	rp_response_free(&r);
	return text;
}

RP_ENGINE_TEST(service, metrics_move_with_traffic, .timeout = 120)
{
	struct rp_daemon d;
	char conf[4096];
	struct rp_response r;
	char *before, *after, label[128];

	rp_setup(&d);
	rp_make_file(&d, "f.bin", 100000, 3);
	rp_default_conf(&d, conf, sizeof(conf));
	snprintf(conf + strlen(conf), sizeof(conf) - strlen(conf), "\n[status]\npath = /metrics\n");
	rp_start_conf(&d, conf);
	before = scrape(&d);
	for (int i = 0; i < 3; i++) {
		rp_get(&d, "/f.bin", &r);
		cr_assert_eq(r.status, 200);
		rp_response_free(&r);
	}
	rp_get(&d, "/missing", &r);
	cr_assert_eq(r.status, 404);
	rp_response_free(&r);
	after = scrape(&d);
	cr_assert_eq(rp_sample(after, "ringpushd_requests_total{code=\"2xx\"}") -
	    rp_sample(before, "ringpushd_requests_total{code=\"2xx\"}"), 4,
	    "3 files and the first scrape");
	cr_assert_eq(rp_sample(after, "ringpushd_requests_total{code=\"4xx\"}") -
	    rp_sample(before, "ringpushd_requests_total{code=\"4xx\"}"), 1);
	cr_assert_eq(rp_sample(after, "ringpushd_connections_accepted_total") -
	    rp_sample(before, "ringpushd_connections_accepted_total"), 5);
	/* auto sends a file the test has just written, so in memory, by
	 * sendfile (under valgrind, which does not know cachestat(2), and on
	 * overlayfs, mincore(2) says so) */
	snprintf(label, sizeof(label), "ringpushd_bytes_sent_total{engine=\"%s\"}",
	    strcmp(rp_engine, "auto") != 0 ? rp_engine : "sendfile");
	cr_assert(rp_sample(after, label) - rp_sample(before, label) >= 300000,
	    "three 100000-byte bodies went through the %s engine (%s)", rp_engine, label);
	cr_assert(rp_sample(after, "ringpushd_file_open_total{result=\"error\"}") >= 1);
	cr_assert(rp_sample(after, "ringpushd_connections_open") >= 1);
	cr_assert(rp_sample(after, "process_resident_memory_bytes") > 0);
	free(before);
	free(after);
	rp_stop(&d);
}

Test(service, json_access_log, .timeout = 60)
{
	struct rp_daemon d;
	char conf[4096], *text = NULL;
	struct rp_response r;

	rp_setup(&d);
	rp_write_file(&d, "j.txt", "json\n", 5);
	rp_default_conf(&d, conf, sizeof(conf));
	rp_conf_set(conf, sizeof(conf), "log_level", "info\naccess_log_format = json");
	rp_start_conf(&d, conf);
	rp_get(&d, "/j.txt", &r);
	rp_response_free(&r);
	rp_stop(&d);
	text = rp_slurp(d.access_log, NULL);
	cr_assert_not_null(text);
	cr_assert(strstr(text, "{\"time\":\"") == text, "%s", text);
	cr_assert(strstr(text, "\"method\":\"GET\",\"target\":\"/j.txt\",\"version\":\"HTTP/1.1\","
	    "\"status\":200,\"body_bytes\":5,") != NULL, "%s", text);
	free(text);
}

/* Pages of the file at path that are in the page cache, and its pages. */
static void
resident(const char *path, size_t *in, size_t *pages)
{
	long page = sysconf(_SC_PAGESIZE);
	int fd = open(path, O_RDONLY);
	off_t size;
	unsigned char *vec;
	void *map;

	cr_assert(fd >= 0, "%s: %s", path, strerror(errno));
	size = lseek(fd, 0, SEEK_END);
	*pages = (size_t)((size + page - 1) / page);
	map = mmap(NULL, (size_t)size, PROT_READ, MAP_SHARED, fd, 0);
	cr_assert(map != MAP_FAILED, "mmap: %s", strerror(errno));
	vec = malloc(*pages);
	cr_assert_not_null(vec);
	cr_assert_eq(mincore(map, (size_t)size, vec), 0, "mincore: %s", strerror(errno));
	*in = 0;
	for (size_t i = 0; i < *pages; i++)
		*in += vec[i] & 1;
	free(vec);
	munmap(map, (size_t)size);
	close(fd);
}

static double
bytes_by(const struct rp_daemon *d, const char *engine)
{
	char label[96], *text = scrape(d);
	double v;

	snprintf(label, sizeof(label), "ringpushd_bytes_sent_total{engine=\"%s\"}", engine);
	v = rp_sample(text, label);
	free(text);
	return v;
}

/* One GET of path, whole and intact; returns the bytes that went by
 * sendfile for it. */
static double
get_by_sendfile(const struct rp_daemon *d, const char *path, uint64_t size, uint64_t seed)
{
	double before = bytes_by(d, "sendfile");
	struct rp_response r;

	rp_get(d, path, &r);
	cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
	cr_assert_eq(r.body_len, size);
	cr_assert_eq(rp_pattern_mismatch(seed, 0, r.body, r.body_len), -1);
	rp_response_free(&r);
	return bytes_by(d, "sendfile") - before;
}

/* engine = auto: a check that found the whole file in the page cache is
 * trusted while the file's open-file cache entry lives, and no longer:
 * a body of the file evicted since goes by sendfile (intact) until
 * open_file_cache_valid has passed, then by splice again. */
Test(service, auto_engine_trusts_a_cached_file_for_the_entry_life, .timeout = 120)
{
	const uint64_t size = 2u << 20;
	struct rp_daemon d;
	char conf[4096], path[PATH_MAX];
	size_t in, pages;

	rp_engine = "auto";
	rp_setup(&d);
	rp_make_file(&d, "f.bin", size, 22);
	rp_path(&d, "f.bin", path);
	rp_default_conf(&d, conf, sizeof(conf));
	rp_conf_set(conf, sizeof(conf), "log_level", "info\nopen_file_cache_valid = 1500ms");
	snprintf(conf + strlen(conf), sizeof(conf) - strlen(conf), "\n[status]\npath = /metrics\n");
	rp_start_conf(&d, conf);
	rp_evict(&d, "f.bin");
	resident(path, &in, &pages);
	if (in == pages) {
		rp_stop(&d);
		cr_skip_test("this file system keeps %s in memory", path);
	}
	cr_assert_eq(get_by_sendfile(&d, "/f.bin", size, 22), 0);
	/* a new entry, checked: cached.  The file is read just before, as
	 * the kernel may reclaim pages left idle (DAMON does here). */
	for (int tries = 1; ; tries++) {
		size_t len;
		char *bytes;

		usleep(1600000);
		bytes = rp_slurp(path, &len);
		cr_assert(bytes != NULL && len == size);
		free(bytes);
		if (get_by_sendfile(&d, "/f.bin", size, 22) == (double)size)
			break;
		cr_assert_lt(tries, 3, "a file read just before its GET went by splice, %d times",
		    tries);
	}
	/* evicted, but the entry's verdict stands */
	rp_evict(&d, "f.bin");
	cr_assert_eq(get_by_sendfile(&d, "/f.bin", size, 22), (double)size);
	/* the entry expired: the next one checks again (evicted again, as
	 * the last sendfile read the pages back) */
	rp_evict(&d, "f.bin");
	usleep(1600000);
	resident(path, &in, &pages);
	if (in == pages) {
		rp_stop(&d);
		cr_skip_test("the page cache took %s back meanwhile", path);
	}
	cr_assert_eq(get_by_sendfile(&d, "/f.bin", size, 22), 0,
	    "an entry past open_file_cache_valid must check the page cache again");
	rp_stop(&d);
}

/* engine = auto: a body the page cache does not hold goes by splice, one
 * it holds by sendfile; both arrive intact. */
Test(service, auto_engine_follows_the_page_cache, .timeout = 120)
{
	const uint64_t size = 8u << 20;
	struct rp_daemon d;
	struct rp_response r;
	char conf[4096], path[PATH_MAX];
	double splice0, sendfile0;
	size_t in, pages;
	int fd;

	rp_engine = "auto";
	rp_setup(&d);
	rp_make_file(&d, "cold.bin", size, 21);
	rp_path(&d, "cold.bin", path);
	fd = open(path, O_RDONLY);
	cr_assert(fd >= 0);
	/* written back first: dirty pages cannot be dropped */
	cr_assert_eq(fdatasync(fd), 0);
	cr_assert_eq(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED), 0);
	close(fd);
	resident(path, &in, &pages);
	if (in == pages)
		cr_skip_test("this file system keeps %s in memory", path);

	rp_default_conf(&d, conf, sizeof(conf));
	snprintf(conf + strlen(conf), sizeof(conf) - strlen(conf), "\n[status]\npath = /metrics\n");
	rp_start_conf(&d, conf);
	splice0 = bytes_by(&d, "splice");
	sendfile0 = bytes_by(&d, "sendfile");
	rp_get(&d, "/cold.bin", &r);
	cr_assert_eq(r.status, 200);
	cr_assert_eq(r.body_len, size);
	cr_assert_eq(rp_pattern_mismatch(21, 0, r.body, r.body_len), -1);
	rp_response_free(&r);
	cr_assert_geq(bytes_by(&d, "splice") - splice0, (double)size,
	    "a file out of memory must go by splice");
	cr_assert_eq(bytes_by(&d, "sendfile"), sendfile0);

	/* that transfer read the file into the page cache */
	resident(path, &in, &pages);
	if (in < pages) {
		rp_stop(&d);
		cr_skip_test("%zu of %zu pages stayed out of memory", pages - in, pages);
	}
	rp_get(&d, "/cold.bin", &r);
	cr_assert_eq(r.status, 200);
	cr_assert_eq(rp_pattern_mismatch(21, 0, r.body, r.body_len), -1);
	cr_assert_eq(r.body_len, size);
	rp_response_free(&r);
	cr_assert_geq(bytes_by(&d, "sendfile") - sendfile0, (double)size,
	    "a file in memory must go by sendfile");
	rp_stop(&d);
}
