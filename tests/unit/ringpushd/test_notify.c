/*
 * test_notify.c: the NOTIFY_SOCKET protocol, checked against a datagram
 * socket standing in for the service manager, at a path and in the
 * abstract namespace.
 */

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "notify.h"

static char dir_path[64];
static char sock_path[96];
static int manager_fd = -1;

/* The stand-in manager: a unix datagram socket bound at a temp path. */
static void
manager_at_path(void)
{
	struct sockaddr_un addr;

	snprintf(dir_path, sizeof(dir_path), "/tmp/ringpush-notify-XXXXXX");
	cr_assert_not_null(mkdtemp(dir_path), "mkdtemp: %s", strerror(errno));
	snprintf(sock_path, sizeof(sock_path), "%s/notify", dir_path);
	manager_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	cr_assert_neq(manager_fd, -1);
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	strcpy(addr.sun_path, sock_path);
	cr_assert_eq(bind(manager_fd, (struct sockaddr *)&addr, sizeof(addr)),
	    0, "bind: %s", strerror(errno));
	cr_assert_eq(setenv("NOTIFY_SOCKET", sock_path, 1), 0);
}

/* The same in the abstract namespace: "@name" in the variable. */
static void
manager_abstract(void)
{
	struct sockaddr_un addr;
	char name[64];
	size_t len;

	snprintf(name, sizeof(name), "ringpush-notify-test-%ld-%ld",
	    (long)getpid(), (long)time(NULL));
	len = strlen(name);
	manager_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	cr_assert_neq(manager_fd, -1);
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	memcpy(addr.sun_path + 1, name, len);
	cr_assert_eq(bind(manager_fd, (struct sockaddr *)&addr,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len)), 0,
	    "bind: %s", strerror(errno));
	snprintf(sock_path, sizeof(sock_path), "@%s", name);
	cr_assert_eq(setenv("NOTIFY_SOCKET", sock_path, 1), 0);
}

static void
manager_stop(void)
{
	notify_close();
	if (manager_fd != -1)
		close(manager_fd);
	manager_fd = -1;
	if (dir_path[0] != '\0') {
		unlink(sock_path);
		rmdir(dir_path);
		dir_path[0] = '\0';
	}
	unsetenv("NOTIFY_SOCKET");
}

/* The next datagram, NUL-terminated; fails the test when none is queued
 * (sends on a unix socket are delivered before sendto returns). */
static void
recv_msg(char *buf, size_t cap)
{
	ssize_t n;

	n = recv(manager_fd, buf, cap - 1, MSG_DONTWAIT);
	cr_assert_neq(n, -1, "no datagram: %s", strerror(errno));
	buf[n] = '\0';
}

static void
assert_nothing_queued(void)
{
	char buf[16];

	cr_expect_eq(recv(manager_fd, buf, sizeof(buf), MSG_DONTWAIT), -1);
	cr_expect_eq(errno, EAGAIN);
}

static unsigned long long
monotonic_usec(void)
{
	struct timespec ts;

	cr_assert_eq(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	return (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000ULL;
}

/* Every message of the protocol, exactly as the manager receives it. */
static void
check_messages(void)
{
	unsigned long long before, after, usec;
	char buf[NOTIFY_MSG_MAX + 64], tail;

	cr_assert_eq(notify_init(), 0, "notify_init: %s", strerror(errno));
	cr_expect(notify_enabled());
	cr_expect_null(getenv("NOTIFY_SOCKET"),
	    "NOTIFY_SOCKET left for children");

	cr_assert_eq(notify_send("READY=1\nSTATUS=serving %d listeners", 2),
	    0);
	recv_msg(buf, sizeof(buf));
	cr_expect_str_eq(buf, "READY=1\nSTATUS=serving 2 listeners");

	cr_assert_eq(notify_ready("serving 1 listener"), 0);
	recv_msg(buf, sizeof(buf));
	cr_expect_str_eq(buf, "READY=1\nSTATUS=serving 1 listener");

	cr_assert_eq(notify_ready(NULL), 0);
	recv_msg(buf, sizeof(buf));
	cr_expect_str_eq(buf, "READY=1");

	cr_assert_eq(notify_status("%d connections", 42), 0);
	recv_msg(buf, sizeof(buf));
	cr_expect_str_eq(buf, "STATUS=42 connections");

	cr_assert_eq(notify_stopping(), 0);
	recv_msg(buf, sizeof(buf));
	cr_expect_str_eq(buf, "STOPPING=1");

	before = monotonic_usec();
	cr_assert_eq(notify_reloading(), 0);
	after = monotonic_usec();
	recv_msg(buf, sizeof(buf));
	cr_assert_eq(sscanf(buf, "RELOADING=1\nMONOTONIC_USEC=%llu%c", &usec,
	    &tail), 1, "\"%s\"", buf);
	cr_expect_eq(strncmp(buf, "RELOADING=1\nMONOTONIC_USEC=", 27), 0,
	    "\"%s\"", buf);
	cr_expect(usec >= before && usec <= after,
	    "MONOTONIC_USEC %llu not within [%llu, %llu]", usec, before, after);

	assert_nothing_queued();
	notify_close();
	cr_expect(!notify_enabled());
	cr_expect_eq(notify_ready("after close"), 0);
	cr_expect_eq(notify_reloading(), 0);
	assert_nothing_queued();
}

Test(notify, path_socket, .init = manager_at_path, .fini = manager_stop)
{
	check_messages();
}

Test(notify, abstract_socket, .init = manager_abstract, .fini = manager_stop)
{
	check_messages();
}

Test(notify, unset_means_no_ops)
{
	unsetenv("NOTIFY_SOCKET");
	cr_assert_eq(notify_init(), 0);
	cr_expect(!notify_enabled());
	cr_expect_eq(notify_ready("x"), 0);
	cr_expect_eq(notify_send("READY=%d", 1), 0);
	cr_expect_eq(notify_status("s"), 0);
	cr_expect_eq(notify_reloading(), 0);
	cr_expect_eq(notify_stopping(), 0);
	cr_assert_eq(setenv("NOTIFY_SOCKET", "", 1), 0);
	cr_assert_eq(notify_init(), 0);
	cr_expect(!notify_enabled());
	notify_close();
}

/* A STATUS= text cannot add lines of its own to the datagram. */
Test(notify, status_newlines_flattened, .init = manager_at_path,
    .fini = manager_stop)
{
	char buf[256];

	cr_assert_eq(notify_init(), 0);
	cr_assert_eq(notify_status("a\nREADY=1\n%s", "b"), 0);
	recv_msg(buf, sizeof(buf));
	cr_expect_str_eq(buf, "STATUS=a READY=1 b");
	cr_assert_eq(notify_ready("x\nSTOPPING=1"), 0);
	recv_msg(buf, sizeof(buf));
	cr_expect_str_eq(buf, "READY=1\nSTATUS=x STOPPING=1");
}

Test(notify, too_long_is_refused, .init = manager_at_path,
    .fini = manager_stop)
{
	static char big[NOTIFY_MSG_MAX + 2];	/* one byte too many */

	memset(big, 'a', sizeof(big) - 1);
	cr_assert_eq(notify_init(), 0);
	errno = 0;
	cr_expect_eq(notify_send("%s", big), -1);
	cr_expect_eq(errno, EMSGSIZE);
	errno = 0;
	cr_expect_eq(notify_status("%s", big), -1);
	cr_expect_eq(errno, EMSGSIZE);
	errno = 0;
	cr_expect_eq(notify_ready(big), -1);
	cr_expect_eq(errno, EMSGSIZE);
	assert_nothing_queued();
	/* The longest allowed still goes out whole. */
	big[NOTIFY_MSG_MAX] = '\0';
	cr_expect_eq(notify_send("%s", big), 0);
	{
		static char got[NOTIFY_MSG_MAX + 64];

		recv_msg(got, sizeof(got));
		cr_expect_eq(strlen(got), NOTIFY_MSG_MAX);
	}
}

Test(notify, unsupported_addresses)
{
	char longpath[200];

	cr_assert_eq(setenv("NOTIFY_SOCKET", "vsock:2:1234", 1), 0);
	errno = 0;
	cr_expect_eq(notify_init(), -1);
	cr_expect_eq(errno, EAFNOSUPPORT);
	cr_expect(!notify_enabled());
	/* Left in place on failure, for whoever can use it. */
	cr_expect_str_eq(getenv("NOTIFY_SOCKET"), "vsock:2:1234");

	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	cr_assert_eq(setenv("NOTIFY_SOCKET", longpath, 1), 0);
	errno = 0;
	cr_expect_eq(notify_init(), -1);
	cr_expect_eq(errno, ENAMETOOLONG);
	longpath[0] = '@';
	cr_assert_eq(setenv("NOTIFY_SOCKET", longpath, 1), 0);
	errno = 0;
	cr_expect_eq(notify_init(), -1);
	cr_expect_eq(errno, ENAMETOOLONG);
	unsetenv("NOTIFY_SOCKET");
}

/* A manager that has gone away: the send fails, it does not block. */
Test(notify, nobody_listening)
{
	cr_assert_eq(setenv("NOTIFY_SOCKET", "/nonexistent/ringpush/notify",
	    1), 0);
	cr_assert_eq(notify_init(), 0);
	cr_expect(notify_enabled());
	errno = 0;
	cr_expect_eq(notify_ready(NULL), -1);
	cr_expect(errno == ENOENT || errno == ECONNREFUSED, "errno %d",
	    errno);
	notify_close();
}
