/*
 * test_ringbench_ranges.c: ringbench against a deliberately wrong server.
 * A 206 must carry exactly the range asked for: a body of another length
 * is never counted as a request, and with verify=sha256 it is a verify
 * mismatch even when its bytes match the local copy where they fall.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "ringbench_run.h"

#define FILE_SIZE (256 * 1024)
#define FILE_SEED 7
#define IOS "50"

/* How the server gets a range wrong. */
enum wrong {
	RIGHT,          /* a correct answer: the control */
	ONE_BYTE,       /* Content-Range first-first, one byte */
	TOO_LONG,       /* Content-Range and Content-Length 100 bytes too long */
	LENGTH_ONLY,    /* Content-Range right, Content-Length and body 100 too long */
};

static void
send_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n <= 0)
			_exit(0);
		p += n;
		len -= (size_t)n;
	}
}

/* One connection: answer HEAD with the size, GET with a Range the way
 * `how` says; keep-alive until the client closes. */
static void
serve_conn(int fd, enum wrong how)
{
	static char req[16384], body[FILE_SIZE + 4096], out[8192 + 512];
	size_t len = 0;

	rp_pattern(FILE_SEED, 0, body, sizeof(body));
	for (;;) {
		char head[512], *end, *range;
		uint64_t first = 0, last = FILE_SIZE - 1, send_first, send_last, length;
		ssize_t n;
		int hl;

		while ((end = memmem(req, len, "\r\n\r\n", 4)) == NULL) {
			n = recv(fd, req + len, sizeof(req) - 1 - len, 0);
			if (n <= 0)
				_exit(0);
			len += (size_t)n;
		}
		*end = '\0';
		range = strstr(req, "\r\nRange: bytes=");
		if (strncmp(req, "HEAD ", 5) == 0) {
			hl = snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\n"
			    "Content-Length: %d\r\n\r\n", FILE_SIZE);
			send_all(fd, head, (size_t)hl);
		} else if (range == NULL || sscanf(range, "\r\nRange: bytes=%" SCNu64 "-%" SCNu64,
		    &first, &last) != 2 || last >= FILE_SIZE) {
			hl = snprintf(head, sizeof(head), "HTTP/1.1 400 Bad Request\r\n"
			    "Content-Length: 0\r\nConnection: close\r\n\r\n");
			send_all(fd, head, (size_t)hl);
			_exit(0);
		} else {
			send_first = first;
			send_last = last;
			length = last - first + 1;
			switch (how) {
			case RIGHT:
				break;
			case ONE_BYTE:
				send_last = first;
				length = 1;
				break;
			case TOO_LONG:
				send_last = last + 100;
				length += 100;
				break;
			case LENGTH_ONLY:
				length += 100;
				break;
			}
			hl = snprintf(head, sizeof(head), "HTTP/1.1 206 Partial Content\r\n"
			    "Content-Range: bytes %" PRIu64 "-%" PRIu64 "/%d\r\n"
			    "Content-Length: %" PRIu64 "\r\n\r\n", send_first, send_last,
			    FILE_SIZE, length);
			/* head and body in one send: no Nagle wait between them */
			memcpy(out, head, (size_t)hl);
			memcpy(out + hl, body + first, (size_t)length);
			send_all(fd, out, (size_t)hl + (size_t)length);
		}
		n = (end + 4) - req;
		memmove(req, req + n, len - (size_t)n);
		len -= (size_t)n;
	}
}

/* A server in its own process group (so one kill ends it and every
 * connection's child), listening on 127.0.0.1; returns its pid. */
static pid_t
start_server(enum wrong how, int *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t slen = sizeof(sin);
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	pid_t pid;

	cr_assert_neq(lfd, -1);
	cr_assert_eq(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0, "%s", strerror(errno));
	cr_assert_eq(listen(lfd, 64), 0);
	cr_assert_eq(getsockname(lfd, (struct sockaddr *)&sin, &slen), 0);
	*port = ntohs(sin.sin_port);
	pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		setpgid(0, 0);
		signal(SIGCHLD, SIG_IGN);
		for (;;) {
			int fd = accept(lfd, NULL, NULL);

			if (fd < 0)
				continue;
			if (fork() == 0) {
				close(lfd);
				serve_conn(fd, how);
			}
			close(fd);
		}
	}
	setpgid(pid, pid);
	close(lfd);
	return pid;
}

static void
stop_server(pid_t pid)
{
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* ringbench randread of 4 KiB ranges from a server that answers `how`,
 * with a local copy of the file; the exit status and the report. */
static int
bench(enum wrong how, bool verify, bool keep_going, char **report, char **output)
{
	struct rp_daemon d;
	char url[64], vd[PATH_MAX + 16], rep[PATH_MAX + 16], out_path[PATH_MAX], rep_path[PATH_MAX];
	char *argv[16];
	int argc = 0, port, status;
	pid_t server;

	rp_setup(&d);
	rp_make_file(&d, "f.bin", FILE_SIZE, FILE_SEED);
	server = start_server(how, &port);
	snprintf(url, sizeof(url), "--url=127.0.0.1:%d/f.bin", port);
	snprintf(vd, sizeof(vd), "--verify_dir=%s", d.root);
	snprintf(rep_path, sizeof(rep_path), "%s/report.json", d.dir);
	snprintf(rep, sizeof(rep), "--output=%s", rep_path);
	snprintf(out_path, sizeof(out_path), "%s/ringbench.out", d.dir);
	argv[argc++] = (char *)rp_ringbench_path();
	argv[argc++] = "--output-format=json";
	argv[argc++] = rep;
	argv[argc++] = url;
	argv[argc++] = "--rw=randread";
	argv[argc++] = "--bs=4k";
	argv[argc++] = "--number_ios=" IOS;
	if (verify) {
		argv[argc++] = "--verify=sha256";
		argv[argc++] = vd;
	}
	if (keep_going)
		argv[argc++] = "--continue_on_error";
	argv[argc] = NULL;
	status = rp_run(argv, out_path, 60, false);
	stop_server(server);
	*output = rp_slurp(out_path, NULL);
	cr_assert_not_null(*output);
	cr_assert_neq(status, -1, "ringbench did not finish:\n%s", *output);
	cr_assert(WIFEXITED(status), "ringbench killed by signal %d:\n%s", WTERMSIG(status),
	    *output);
	*report = rp_slurp(rep_path, NULL);
	return WEXITSTATUS(status);
}

static void
expect_refused(enum wrong how, const char *what)
{
	char *report, *out;
	int rc;

	/* with verify: every answer is a mismatch, none is counted */
	rc = bench(how, true, true, &report, &out);
	cr_assert_eq(rc, 0, "%s, continue_on_error: exit %d:\n%s", what, rc, out);
	cr_expect_eq(rp_report_total(report, "requests"), 0, "%s: %s", what, report);
	cr_expect_eq(rp_report_total(report, "ok"), 0, "%s: %s", what, report);
	cr_expect_eq(rp_report_total(report, "verify_mismatch"), 50, "%s: %s", what, report);
	free(report);
	free(out);

	/* without verify: still not a request, and the run fails */
	rc = bench(how, false, false, &report, &out);
	cr_expect_eq(rc, 1, "%s without verify: exit %d:\n%s", what, rc, out);
	cr_expect_eq(rp_report_total(report, "requests"), 0, "%s: %s", what, report);
	free(report);
	free(out);
}

Test(ringbench_ranges, a_right_server_passes, .timeout = 120)
{
	char *report, *out;
	int rc;

	rc = bench(RIGHT, true, false, &report, &out);
	cr_assert_eq(rc, 0, "exit %d:\n%s", rc, out);
	cr_assert_eq(rp_report_total(report, "requests"), 50, "%s", report);
	cr_assert_eq(rp_report_total(report, "ok"), 50, "%s", report);
	cr_assert_eq(rp_report_total(report, "bytes"), 50LL * 4096, "%s", report);
	free(report);
	free(out);
}

Test(ringbench_ranges, one_byte_for_a_range_is_refused, .timeout = 120)
{
	expect_refused(ONE_BYTE, "1 byte for 4 KiB");
}

Test(ringbench_ranges, a_longer_range_is_refused, .timeout = 120)
{
	expect_refused(TOO_LONG, "4 KiB + 100 (Content-Range and Content-Length)");
}

Test(ringbench_ranges, a_longer_body_than_the_range_is_refused, .timeout = 120)
{
	expect_refused(LENGTH_ONLY, "4 KiB + 100 (Content-Length only)");
}
