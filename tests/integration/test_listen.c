/*
 * test_listen.c: listeners added and removed by reloads.  A removed
 * listener's port must refuse connections at once, and the ring must hold
 * exactly one accept per listener that serves: a late completion of a
 * removed listener's accept must never be taken for the listener that now
 * has its table slot.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <liburing.h>
#include "harness.h"

#define CYCLES 10
#define MAX_ADDED 2

static void
write_conf(const struct rp_daemon *d, const char *text)
{
	FILE *f = fopen(d->conf, "w");

	cr_assert_not_null(f, "%s: %s", d->conf, strerror(errno));
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

/* The port of the listener called name, from its "listening on" line. */
static int
listener_port(const struct rp_daemon *d, const char *name)
{
	char needle[128], *text, *p, *line;
	int port = 0;

	snprintf(needle, sizeof(needle), " (listener %s,", name);
	rp_wait_output(d, needle, 1);
	text = rp_daemon_output(d);
	p = strstr(text, needle);
	cr_assert_not_null(p);
	for (line = p; line > text && line[-1] != '\n'; line--)
		;
	line = strstr(line, "listening on 127.0.0.1:");
	cr_assert(line != NULL && line < p, "no address for listener %s", name);
	port = atoi(line + strlen("listening on 127.0.0.1:"));
	free(text);
	cr_assert(port > 0 && port < 65536);
	return port;
}

/* Multishot accepts the daemon's ring holds: the kernel lists each armed
 * poll-driven request in the ring's fdinfo as "op=<opcode>". */
static int
ring_accepts(pid_t pid)
{
	char dir[64], link[PATH_MAX + 64], target[256], path[PATH_MAX + 64], line[256];
	char needle[32];
	struct dirent *e;
	DIR *dp;
	int count = -1;

	snprintf(needle, sizeof(needle), "op=%d,", IORING_OP_ACCEPT);
	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	dp = opendir(dir);
	cr_assert_not_null(dp, "%s: %s", dir, strerror(errno));
	while ((e = readdir(dp)) != NULL) {
		ssize_t n;
		FILE *f;

		snprintf(link, sizeof(link), "%s/%s", dir, e->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (strcmp(target, "anon_inode:[io_uring]") != 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%s", (int)pid, e->d_name);
		f = fopen(path, "r");
		cr_assert_not_null(f, "%s: %s", path, strerror(errno));
		cr_assert_eq(count, -1, "the daemon has more than one ring");
		count = 0;
		while (fgets(line, sizeof(line), f) != NULL)
			count += strstr(line, needle) != NULL;
		fclose(f);
	}
	closedir(dp);
	cr_assert_geq(count, 0, "no io_uring fd in %s", dir);
	return count;
}

/* 0 when a TCP connect to 127.0.0.1:port succeeds, else its errno. */
static int
connect_errno(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), err = 0;

	cr_assert_geq(fd, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == -1)
		err = errno;
	close(fd);
	return err;
}

static void
assert_get(const struct rp_daemon *d, int port, const char *body)
{
	struct rp_daemon at = *d;
	struct rp_response r;

	at.port = port;
	rp_get(&at, "/which.txt", &r);
	cr_assert_eq(r.status, 200, "port %d: %s", port, rp_describe(&r));
	cr_assert(r.body_len == strlen(body) && memcmp(r.body, body, r.body_len) == 0,
	    "port %d served \"%.*s\", not \"%s\"", port, (int)r.body_len, r.body, body);
	rp_response_free(&r);
}

/* A root of its own per listener, whose which.txt names it. */
static void
make_root(const struct rp_daemon *d, const char *name, char out[PATH_MAX])
{
	char rel[64], text[64];

	snprintf(rel, sizeof(rel), "../%s", name);
	snprintf(text, sizeof(text), "%s\n", name);
	rp_mkdir(d, rel);
	snprintf(rel, sizeof(rel), "../%s/which.txt", name);
	rp_write_file(d, rel, text, strlen(text));
	snprintf(out, PATH_MAX, "%s/%s", d->dir, name);
}

/*
 * Every reload keeps listener "keep" and replaces the listeners the
 * previous one added by one or two new ones, so new listeners take the
 * table slots of removed ones whose accepts are being cancelled.
 */
Test(listen, reloads_that_remove_listeners_close_their_ports, .timeout = 300)
{
	struct rp_daemon d;
	char conf[4 * PATH_MAX + 4096], root[PATH_MAX], name[32];
	int prev_ports[MAX_ADDED], nprev = 0, keep_port;
	size_t len;

	rp_setup(&d);
	rp_write_file(&d, "which.txt", "keep\n", 5);
	make_root(&d, "c0x0", root);
	snprintf(conf, sizeof(conf),
	    "[daemon]\nerror_log = -\naccess_log = %s\nallow_root = yes\n\n"
	    "[listener keep]\naddress = 127.0.0.1:0\nroot = %s\n\n"
	    "[listener c0x0]\naddress = 127.0.0.1:0\nroot = %s\n",
	    d.access_log, d.root, root);
	rp_start_conf(&d, conf);
	keep_port = listener_port(&d, "keep");
	prev_ports[nprev++] = listener_port(&d, "c0x0");
	assert_get(&d, prev_ports[0], "c0x0\n");
	cr_assert_eq(ring_accepts(d.pid), 2);

	for (int cycle = 1; cycle <= CYCLES; cycle++) {
		int added = 1 + cycle % MAX_ADDED, ports[MAX_ADDED];

		len = (size_t)snprintf(conf, sizeof(conf),
		    "[daemon]\nerror_log = -\naccess_log = %s\nallow_root = yes\n\n"
		    "[listener keep]\naddress = 127.0.0.1:%d\nroot = %s\n",
		    d.access_log, keep_port, d.root);
		for (int k = 0; k < added; k++) {
			snprintf(name, sizeof(name), "c%dx%d", cycle, k);
			make_root(&d, name, root);
			len += (size_t)snprintf(conf + len, sizeof(conf) - len,
			    "\n[listener %s]\naddress = 127.0.0.1:0\nroot = %s\n", name, root);
			cr_assert_lt(len, sizeof(conf));
		}
		write_conf(&d, conf);
		cr_assert_eq(kill(d.pid, SIGHUP), 0);
		rp_wait_output(&d, " applied (", cycle);
		for (int k = 0; k < added; k++) {
			snprintf(name, sizeof(name), "c%dx%d", cycle, k);
			ports[k] = listener_port(&d, name);
		}
		/* A late completion of a cancelled accept lands at once; the
		 * periodic tick (100 ms) re-arms what it marked unarmed.  Let
		 * several ticks pass so a wrong re-arm shows. */
		usleep(rp_under_valgrind() ? 2000000 : 500000);

		assert_get(&d, keep_port, "keep\n");
		for (int k = 0; k < added; k++) {
			snprintf(name, sizeof(name), "c%dx%d\n", cycle, k);
			assert_get(&d, ports[k], name);
		}
		for (int k = 0; k < nprev; k++) {
			bool reused = prev_ports[k] == keep_port;

			for (int j = 0; j < added; j++)
				reused |= prev_ports[k] == ports[j];
			if (reused)
				continue;   /* the kernel handed the port out again */
			cr_assert_eq(connect_errno(prev_ports[k]), ECONNREFUSED,
			    "cycle %d: the removed listener's port %d still accepts",
			    cycle, prev_ports[k]);
		}
		cr_assert_eq(ring_accepts(d.pid), 1 + added,
		    "cycle %d: %d accepts on the ring for %d listeners", cycle,
		    ring_accepts(d.pid), 1 + added);
		memcpy(prev_ports, ports, sizeof(ports));
		nprev = added;
	}
	rp_assert_serving(&d);
	rp_stop(&d);
}
