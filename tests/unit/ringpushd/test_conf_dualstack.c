/*
 * test_conf_dualstack.c: every IPv6 listener is bound with IPV6_V6ONLY
 * off, so "[::]:P" and "*:P" also take IPv4 port P, and "[::ffff:a.b.c.d]:P"
 * is IPv4 a.b.c.d:P.  The configuration check must call a clash exactly
 * what the kernel refuses, or -t passes a file the daemon cannot start on.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "conf.h"

/* Hosts as the address key writes them ("%s:PORT"). */
static const char *const hosts[] = {
	"0.0.0.0", "127.0.0.1", "127.0.0.2", "*", "[::]", "[::1]",
	"[::ffff:127.0.0.1]", "[::ffff:127.0.0.2]", "[::ffff:0.0.0.0]",
};
#define NHOSTS (sizeof(hosts) / sizeof(hosts[0]))

/* conf_load of two listeners on a and b, port port: the number of
 * problems, and the message in errbuf. */
static int
conf_verdict(const char *a, const char *b, int port, char *errbuf, size_t cap)
{
	char path[64], text[512];
	struct conf c;
	FILE *err;
	int fd, n, problems;

	n = snprintf(text, sizeof(text),
	    "[listener a]\naddress = %s:%d\nroot = /\n"
	    "[listener b]\naddress = %s:%d\nroot = /\n", a, port, b, port);
	cr_assert(n > 0 && (size_t)n < sizeof(text));
	snprintf(path, sizeof(path), "/tmp/ringpush-conf-XXXXXX");
	fd = mkstemp(path);
	cr_assert_neq(fd, -1, "mkstemp: %s", strerror(errno));
	cr_assert_eq(write(fd, text, (size_t)n), n);
	close(fd);
	err = fmemopen(errbuf, cap, "w");
	cr_assert_not_null(err);
	setvbuf(err, NULL, _IONBF, 0);
	problems = conf_load(&c, path, err);
	fclose(err);
	unlink(path);
	conf_free(&c);
	return problems;
}

/* What the kernel says: 1 if b cannot be bound and listened on while a
 * is, both as the daemon binds them (SO_REUSEADDR, IPV6_V6ONLY off);
 * -1 if a alone cannot be bound (port taken by someone else). */
static int
kernel_verdict(const char *a, const char *b, int port)
{
	const char *names[2] = { a, b };
	int fds[2] = { -1, -1 }, result = 0;

	for (int i = 0; i < 2; i++) {
		char text[64];
		struct sockaddr_storage ss;
		socklen_t len;
		int one = 1, zero = 0;

		snprintf(text, sizeof(text), "%s:%d", names[i], port);
		cr_assert_eq(conf_parse_address(text, &ss, &len), 0, "%s", text);
		fds[i] = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		cr_assert_neq(fds[i], -1);
		setsockopt(fds[i], SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (ss.ss_family == AF_INET6)
			setsockopt(fds[i], IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
		if (bind(fds[i], (struct sockaddr *)&ss, len) == -1 || listen(fds[i], 8) == -1) {
			cr_assert_eq(errno, EADDRINUSE, "%s: %s", text, strerror(errno));
			result = i == 0 ? -1 : 1;
			break;
		}
	}
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return result;
}

static bool
ipv6_loopback(void)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok = fd >= 0 && bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) == 0;

	if (fd >= 0)
		close(fd);
	return ok;
}

/* A port nobody holds on any address right now (the kernel's pick for a
 * dual-stack wildcard). */
static int
free_port(void)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT };
	socklen_t len = sizeof(sin6);
	int zero = 0, port, fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);

	cr_assert_neq(fd, -1);
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	cr_assert_eq(bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&sin6, &len), 0);
	port = ntohs(sin6.sin6_port);
	close(fd);
	return port;
}

Test(conf_dualstack, ipv6_any_clashes_with_ipv4)
{
	char err[1024];

	cr_expect_eq(conf_verdict("[::]", "0.0.0.0", 80, err, sizeof(err)), 1,
	    "[::]:80 and 0.0.0.0:80");
	cr_expect(strstr(err, "collides with \"[::]:80\"") != NULL, "%s", err);
	cr_expect_eq(conf_verdict("127.0.0.1", "[::]", 80, err, sizeof(err)), 1,
	    "127.0.0.1:80 and [::]:80");
	cr_expect_eq(conf_verdict("[::ffff:127.0.0.1]", "127.0.0.1", 80, err, sizeof(err)), 1,
	    "a mapped address is its IPv4 address");
	cr_expect_eq(conf_verdict("0.0.0.0", "[::ffff:10.0.0.1]", 80, err, sizeof(err)), 1,
	    "the IPv4 wildcard covers a mapped address");
	cr_expect_eq(conf_verdict("[::ffff:0.0.0.0]", "127.0.0.1", 80, err, sizeof(err)), 1,
	    "::ffff:0.0.0.0 is the IPv4 wildcard");
	cr_expect_eq(conf_verdict("[::1]", "127.0.0.1", 80, err, sizeof(err)), 0,
	    "::1 is not 127.0.0.1: %s", err);
	cr_expect_eq(conf_verdict("[::ffff:127.0.0.1]", "[::1]", 80, err, sizeof(err)), 0,
	    "%s", err);
	cr_expect_eq(conf_verdict("[::ffff:127.0.0.1]", "127.0.0.2", 80, err, sizeof(err)), 0,
	    "%s", err);
	cr_expect_eq(conf_verdict("[::]", "0.0.0.0", 0, err, sizeof(err)), 0,
	    "port 0 never clashes: %s", err);
}

/* Every pair of hosts on one port: the check and the kernel agree. */
Test(conf_dualstack, agrees_with_the_kernel)
{
	int port = 0;

	if (!ipv6_loopback())
		cr_skip_test("no IPv6 loopback here");
	for (size_t i = 0; i < NHOSTS; i++) {
		for (size_t j = 0; j < NHOSTS; j++) {
			char err[1024];
			int conf, kernel = -1;

			/* another process may take the port between the
			 * probe and the binds: then take another */
			for (int tries = 0; tries < 20 && kernel == -1; tries++) {
				if (port == 0 || tries > 0)
					port = free_port();
				kernel = kernel_verdict(hosts[i], hosts[j], port);
			}
			cr_assert_neq(kernel, -1, "no free port for %s", hosts[i]);
			conf = conf_verdict(hosts[i], hosts[j], port, err, sizeof(err));
			cr_expect_eq(conf, kernel, "%s:%d then %s:%d: the kernel says %s, the "
			    "configuration check %s (%s)", hosts[i], port, hosts[j], port,
			    kernel ? "EADDRINUSE" : "fine", conf ? "a clash" : "no clash", err);
		}
	}
}
