/*
 * test_sockopt.c: the TCP options of the daemon's side of a connection.
 *
 * TCP_NODELAY and send_lowat (TCP_NOTSENT_LOWAT) are set on the listening
 * socket and inherited by every connection; a body of 4 MiB or more goes
 * without the bound, and a shorter body after it brings it back (xfer.c).
 * The test takes a copy of the daemon's own socket with pidfd_getfd(2)
 * and asks it, so what is checked is what the kernel holds.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "harness.h"

#define STREAM_SIZE (5u << 20)   /* over the 4 MiB of a stream */
#define SHORT_SIZE (1u << 20)

static void
start(struct rp_daemon *d, const char *listener_keys)
{
	char conf[4 * PATH_MAX];
	int n;

	rp_setup(d);
	rp_make_file(d, "stream.bin", STREAM_SIZE, 7);
	rp_make_file(d, "short.bin", SHORT_SIZE, 8);
	n = snprintf(conf, sizeof(conf),
	    "[daemon]\nerror_log = -\naccess_log = off\nallow_root = yes\n\n"
	    "[limits]\nheader_timeout = 10m\nidle_timeout = 10m\n\n"
	    "[listener test]\naddress = 127.0.0.1:0\nroot = %s\n%s",
	    d->root, listener_keys);
	cr_assert(n > 0 && (size_t)n < sizeof(conf));
	rp_start_conf(d, conf);
}

static bool
same_sockaddr(const struct sockaddr_in *a, const struct sockaddr_in *b)
{
	return a->sin_family == b->sin_family && a->sin_port == b->sin_port &&
	    a->sin_addr.s_addr == b->sin_addr.s_addr;
}

/* A copy of the daemon's socket of the connection c, found among the
 * daemon's fds by its addresses (ours, the other way round). */
static int
daemon_side(const struct rp_daemon *d, const struct rp_conn *c)
{
	struct sockaddr_in mine, peer;
	socklen_t len = sizeof(mine);
	char dir[64];
	struct dirent *e;
	DIR *fds;
	int pidfd, found = -1;

	cr_assert_eq(getsockname(c->fd, (struct sockaddr *)&mine, &len), 0);
	len = sizeof(peer);
	cr_assert_eq(getpeername(c->fd, (struct sockaddr *)&peer, &len), 0);
	pidfd = (int)syscall(SYS_pidfd_open, d->pid, 0);
	cr_assert(pidfd >= 0, "pidfd_open: %s", strerror(errno));
	snprintf(dir, sizeof(dir), "/proc/%ld/fd", (long)d->pid);
	fds = opendir(dir);
	cr_assert_not_null(fds, "%s: %s", dir, strerror(errno));
	while (found == -1 && (e = readdir(fds)) != NULL) {
		struct sockaddr_in x, y;
		socklen_t xl = sizeof(x), yl = sizeof(y);
		int fd;

		if (e->d_name[0] == '.')
			continue;
		fd = (int)syscall(SYS_pidfd_getfd, pidfd, atoi(e->d_name), 0);
		if (fd < 0)
			continue;
		if (getsockname(fd, (struct sockaddr *)&x, &xl) == 0 &&
		    getpeername(fd, (struct sockaddr *)&y, &yl) == 0 &&
		    xl == sizeof(x) && same_sockaddr(&x, &peer) && same_sockaddr(&y, &mine))
			found = fd;
		else
			close(fd);
	}
	closedir(fds);
	close(pidfd);
	cr_assert(found >= 0, "the daemon's side of the connection not found");
	return found;
}

static int
tcp_option(int fd, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);

	cr_assert_eq(getsockopt(fd, IPPROTO_TCP, name, &v, &len), 0, "getsockopt: %s",
	    strerror(errno));
	return v;
}

/* GET path on c and read its whole body. */
static void
get_whole(struct rp_conn *c, const char *path, size_t size)
{
	struct rp_response r;
	int res;

	rp_sendf(c, "GET %s HTTP/1.1\r\nHost: t\r\n\r\n", path);
	res = rp_read_response(c, &r, false);
	cr_assert_eq(res, RP_OK, "%s: %s", path, rp_result_str(res));
	cr_assert_eq(r.status, 200, "%s: %s", path, rp_describe(&r));
	cr_assert_eq(r.body_len, size, "%s: %zu bytes", path, r.body_len);
	rp_response_free(&r);
}

/* A connection to d that has had one short body, and a copy of the
 * daemon's side of it in *fd. */
static struct rp_conn *
served(const struct rp_daemon *d, int *fd)
{
	struct rp_conn *c = rp_connect(d);

	/* answered: the daemon has accepted it */
	get_whole(c, "/short.bin", SHORT_SIZE);
	*fd = daemon_side(d, c);
	return c;
}

/* A daemon with listener_keys: its connections have NODELAY and lowat. */
static void
expect_inherited(const char *listener_keys, int lowat)
{
	struct rp_daemon d;
	struct rp_conn *c;
	int fd;

	start(&d, listener_keys);
	c = served(&d, &fd);
	cr_expect_eq(tcp_option(fd, TCP_NODELAY), 1);
	cr_expect_eq(tcp_option(fd, TCP_NOTSENT_LOWAT), lowat, "with \"%s\"", listener_keys);
	close(fd);
	rp_close(c);
	rp_stop(&d);
}

Test(sockopt, connections_inherit_nodelay_and_send_lowat)
{
	expect_inherited("", 64 * 1024);        /* the default, 64K */
}

Test(sockopt, a_stream_goes_without_the_bound_and_a_short_body_brings_it_back)
{
	struct rp_daemon d;
	struct rp_conn *c;
	int fd;

	start(&d, "send_lowat = 96K\n");
	c = served(&d, &fd);
	cr_expect_eq(tcp_option(fd, TCP_NOTSENT_LOWAT), 96 * 1024);
	get_whole(c, "/stream.bin", STREAM_SIZE);
	cr_expect_eq(tcp_option(fd, TCP_NOTSENT_LOWAT), 0,
	    "a body of 4 MiB or more has the kernel's default");
	get_whole(c, "/short.bin", SHORT_SIZE);
	cr_expect_eq(tcp_option(fd, TCP_NOTSENT_LOWAT), 96 * 1024,
	    "a shorter body after a stream has send_lowat again");
	get_whole(c, "/short.bin", SHORT_SIZE);
	cr_expect_eq(tcp_option(fd, TCP_NOTSENT_LOWAT), 96 * 1024);
	close(fd);
	rp_close(c);
	rp_stop(&d);
}

Test(sockopt, zero_leaves_the_kernel_default_and_nodelay)
{
	expect_inherited("send_lowat = 0\n", 0);
}

Test(sockopt, a_reload_sets_the_new_value_on_the_kept_socket)
{
	struct rp_daemon d;
	struct rp_conn *before, *after;
	char conf[4 * PATH_MAX];
	int fd;

	start(&d, "send_lowat = 96K\n");
	before = served(&d, &fd);
	close(fd);
	snprintf(conf, sizeof(conf),
	    "[daemon]\nerror_log = -\naccess_log = off\nallow_root = yes\n\n"
	    "[limits]\nheader_timeout = 10m\nidle_timeout = 10m\n\n"
	    "[listener test]\naddress = 127.0.0.1:%d\nroot = %s\nsend_lowat = 200K\n",
	    d.port, d.root);
	rp_write_conf(&d, conf);
	cr_assert_eq(kill(d.pid, SIGHUP), 0);
	rp_wait_output(&d, "listener test keeps", 1);
	after = served(&d, &fd);
	cr_expect_eq(tcp_option(fd, TCP_NOTSENT_LOWAT), 200 * 1024,
	    "a connection accepted after the reload has the new value");
	close(fd);
	fd = daemon_side(&d, before);
	cr_expect_eq(tcp_option(fd, TCP_NOTSENT_LOWAT), 96 * 1024,
	    "a connection accepted before it keeps the value it had");
	close(fd);
	rp_close(before);
	rp_close(after);
	rp_stop(&d);
}
