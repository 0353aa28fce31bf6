/*
 * test_conf.c: the configuration file: value parsers, defaults, a full
 * file, and every kind of problem with the line it is reported at.
 */

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "conf.h"
#include "log.h"

/* A loaded file: its path, what conf_load printed and returned. */
struct loaded {
	char path[64];
	char *errors;
	size_t errlen;
	int count;
	struct conf conf;
};

static void
write_file(char *path, size_t len, const char *text, size_t textlen)
{
	int fd;

	snprintf(path, len, "/tmp/ringpush-conf-XXXXXX");
	fd = mkstemp(path);
	cr_assert_neq(fd, -1, "mkstemp: %s", strerror(errno));
	cr_assert_eq(write(fd, text, textlen), (ssize_t)textlen);
	close(fd);
}

static void
load_bytes(struct loaded *l, const char *text, size_t len)
{
	FILE *err;

	memset(l, 0, sizeof(*l));
	write_file(l->path, sizeof(l->path), text, len);
	err = open_memstream(&l->errors, &l->errlen);
	cr_assert_not_null(err);
	l->count = conf_load(&l->conf, l->path, err);
	fclose(err);
	unlink(l->path);
}

static void
load(struct loaded *l, const char *text)
{
	load_bytes(l, text, strlen(text));
}

static void
unload(struct loaded *l)
{
	conf_free(&l->conf);
	free(l->errors);
}

static int
count_lines(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++)
		if (*s == '\n')
			n++;
	return n;
}

/*
 * Assert that one output line starts with "path:line: " (or "path: " for
 * line 0) and contains fragment.
 */
static void
assert_error(const struct loaded *l, int line, const char *fragment)
{
	char prefix[128];
	const char *s = l->errors;

	if (line > 0)
		snprintf(prefix, sizeof(prefix), "%s:%d: ", l->path, line);
	else
		snprintf(prefix, sizeof(prefix), "%s: ", l->path);
	while (s != NULL && *s != '\0') {
		const char *eol = strchr(s, '\n');
		size_t n = eol != NULL ? (size_t)(eol - s) : strlen(s);
		char buf[1024];

		snprintf(buf, sizeof(buf), "%.*s", (int)n, s);
		if (strncmp(buf, prefix, strlen(prefix)) == 0 &&
		    strstr(buf + strlen(prefix), fragment) != NULL)
			return;
		s = eol != NULL ? eol + 1 : NULL;
	}
	cr_assert_fail("no \"%s...%s\" in:\n%s", prefix, fragment, l->errors);
}

/* One problem, at line, saying fragment. */
static void
expect_one(const char *text, int line, const char *fragment)
{
	struct loaded l;

	load(&l, text);
	cr_expect_eq(l.count, 1, "expected 1 problem, got %d:\n%s", l.count,
	    l.errors);
	cr_expect_eq(count_lines(l.errors), 1, "output:\n%s", l.errors);
	assert_error(&l, line, fragment);
	cr_expect_null(l.conf.listeners);
	cr_expect_eq(l.conf.nlisteners, 0);
	unload(&l);
}

#define LISTENER "[listener a]\naddress = 127.0.0.1:0\nroot = /tmp\n"

/* --- value parsers (sizes and durations: tests/unit/common/test_units.c) --- */

Test(conf_parse, bool)
{
	static const char *const yes[] = { "yes", "on", "true", "1", "YES",
	    "True" };
	static const char *const no[] = { "no", "off", "false", "0", "OFF" };
	static const char *const bad[] = { "", "y", "n", "2", "yess",
	    "enabled", " yes", "10" };
	size_t i;
	int b;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		b = -1;
		cr_expect_eq(conf_parse_bool(yes[i], &b), 0, "%s", yes[i]);
		cr_expect_eq(b, 1, "%s", yes[i]);
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		b = -1;
		cr_expect_eq(conf_parse_bool(no[i], &b), 0, "%s", no[i]);
		cr_expect_eq(b, 0, "%s", no[i]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		b = -1;
		cr_expect_eq(conf_parse_bool(bad[i], &b), -1, "\"%s\"", bad[i]);
		cr_expect_eq(b, -1);
	}
}

Test(conf_parse, address_ipv4)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	socklen_t len = 0;

	cr_assert_eq(conf_parse_address("127.0.0.1:8080", &ss, &len), 0);
	cr_expect_eq(sin->sin_family, AF_INET);
	cr_expect_eq(len, sizeof(struct sockaddr_in));
	cr_expect_eq(ntohs(sin->sin_port), 8080);
	cr_expect_eq(ntohl(sin->sin_addr.s_addr), 0x7f000001);

	cr_assert_eq(conf_parse_address("0.0.0.0:65535", &ss, &len), 0);
	cr_expect_eq(ntohs(sin->sin_port), 65535);
	cr_expect_eq(sin->sin_addr.s_addr, htonl(INADDR_ANY));
}

Test(conf_parse, address_ipv6)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t len = 0;

	cr_assert_eq(conf_parse_address("[::1]:443", &ss, &len), 0);
	cr_expect_eq(sin6->sin6_family, AF_INET6);
	cr_expect_eq(len, sizeof(struct sockaddr_in6));
	cr_expect_eq(ntohs(sin6->sin6_port), 443);
	cr_expect(IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr));

	cr_assert_eq(conf_parse_address("[2001:db8::5]:1", &ss, &len), 0);
	cr_expect_eq(ntohs(sin6->sin6_port), 1);
	cr_expect_eq(sin6->sin6_addr.s6_addr[0], 0x20);
	cr_expect_eq(sin6->sin6_addr.s6_addr[15], 0x05);
}

Test(conf_parse, address_any)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t len = 0;

	cr_assert_eq(conf_parse_address("*:8080", &ss, &len), 0);
	cr_expect_eq(sin6->sin6_family, AF_INET6);
	cr_expect_eq(len, sizeof(struct sockaddr_in6));
	cr_expect_eq(ntohs(sin6->sin6_port), 8080);
	cr_expect(IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr));
}

Test(conf_parse, address_port_zero)
{
	struct sockaddr_storage ss;
	socklen_t len = 0;

	cr_assert_eq(conf_parse_address("127.0.0.1:0", &ss, &len), 0);
	cr_expect_eq(ntohs(((struct sockaddr_in *)&ss)->sin_port), 0);
	cr_assert_eq(conf_parse_address("[::]:0", &ss, &len), 0);
	cr_expect_eq(ntohs(((struct sockaddr_in6 *)&ss)->sin6_port), 0);
}

Test(conf_parse, address_bad)
{
	static const char *const bad[] = { "", "127.0.0.1", "127.0.0.1:",
	    ":80", "127.0.0.1:65536", "127.0.0.1:99999999999999999999",
	    "127.0.0.1:-1", "127.0.0.1:+80", "127.0.0.1:80x", "127.0.0.1: 80",
	    "127.0.0.1:0x50", "[::1]", "[::1]80", "[::1", "::1:80",
	    "localhost:80", "1.2.3:80", "256.1.1.1:80", "[1.2.3.4]:80",
	    "[*]:80", "[]:80", "**:80", "* :80", "1.2.3.4:80:80",
	    "[::1]:80]", "fe80::1%lo:80" };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sockaddr_storage ss;
		socklen_t len = 0;

		cr_expect_eq(conf_parse_address(bad[i], &ss, &len), -1,
		    "\"%s\"", bad[i]);
	}
}

/* --- defaults and valid files --- */

static void
expect_default_values(const struct conf *c)
{
	cr_expect_str_eq(c->error_log, "-");
	cr_expect_str_eq(c->access_log, "-");
	cr_expect_eq(c->log_level, LOG_LEVEL_INFO);
	cr_expect_eq(c->ring_entries, 4096);
	cr_expect_eq(c->io_workers, 4);
	cr_expect_eq(c->recv_buffers, 256);
	cr_expect_eq(c->request_buffers_kept, 256);
	cr_expect_eq(c->pipe_size, 1048576);
	cr_expect_eq(c->pipe_pool, 64);
	cr_expect_eq(c->max_connections, 10000);
	cr_expect_eq(c->header_timeout_ms, 10000);
	cr_expect_eq(c->idle_timeout_ms, 60000);
	cr_expect_eq(c->send_timeout_ms, 60000);
	cr_expect_eq(c->max_request_header, 8192);
	cr_expect_str_eq(c->user, "");
	cr_expect_str_eq(c->group, "");
	cr_expect_eq(c->allow_root, 0);
	cr_expect_eq(c->max_connections_per_ip, 0);
	cr_expect_eq(c->rate_per_connection, 0);
	cr_expect_eq(c->rate_total, 0);
	cr_expect_eq(c->max_headers, 64);
	cr_expect_eq(c->max_target, 4096);
}

static void
expect_default_listener(const struct conf_listener *l)
{
	cr_expect_str_eq(l->index, "index.html");
	cr_expect_eq(l->engine, ENGINE_AUTO);
	cr_expect_eq(l->send_lowat, 64 * 1024);
	cr_expect_eq(l->hidden_files, 0);
	cr_expect_eq(l->follow_symlinks, SYMLINKS_BENEATH);
}

Test(conf_load, builtin_defaults)
{
	struct conf c;
	struct sockaddr_in *sin;

	conf_defaults(&c);
	expect_default_values(&c);
	cr_assert_eq(c.nlisteners, 1);
	cr_assert_not_null(c.listeners);
	sin = (struct sockaddr_in *)&c.listeners[0].addr;
	cr_expect_str_eq(c.listeners[0].name, "default");
	cr_expect_str_eq(c.listeners[0].address, "127.0.0.1:8080");
	cr_expect_eq(sin->sin_family, AF_INET);
	cr_expect_eq(ntohs(sin->sin_port), 8080);
	cr_expect_eq(ntohl(sin->sin_addr.s_addr), 0x7f000001);
	cr_expect_eq(c.listeners[0].addrlen, sizeof(*sin));
	cr_expect_str_eq(c.listeners[0].root, ".");
	cr_expect_str_eq(c.listeners[0].index, "index.html");
	cr_expect_eq(c.listeners[0].engine, ENGINE_AUTO);
	cr_expect_eq(c.listeners[0].line, 0);
	expect_default_listener(&c.listeners[0]);
	conf_free(&c);
	cr_expect_null(c.listeners);
	cr_expect_eq(c.nlisteners, 0);
}

Test(conf_load, minimal_file_gets_defaults)
{
	struct loaded l;

	load(&l, LISTENER);
	cr_assert_eq(l.count, 0, "%s", l.errors);
	cr_expect_str_eq(l.errors, "");
	expect_default_values(&l.conf);
	cr_assert_eq(l.conf.nlisteners, 1);
	cr_expect_str_eq(l.conf.listeners[0].name, "a");
	cr_expect_str_eq(l.conf.listeners[0].address, "127.0.0.1:0");
	cr_expect_str_eq(l.conf.listeners[0].root, "/tmp");
	cr_expect_str_eq(l.conf.listeners[0].index, "index.html");
	cr_expect_eq(l.conf.listeners[0].engine, ENGINE_AUTO);
	cr_expect_eq(l.conf.listeners[0].line, 1);
	expect_default_listener(&l.conf.listeners[0]);
	unload(&l);
}

Test(conf_load, full_file)
{
	struct loaded l;
	const struct conf *c = &l.conf;
	const struct sockaddr_in6 *sin6;
	const struct sockaddr_in *sin;

	load(&l,
	    "; a full configuration\n"
	    "# with both kinds of comment\n"
	    "[daemon]\n"
	    "error_log = /var/log/ringpushd/error.log\n"
	    "access_log = off\n"
	    "log_level = debug\n"
	    "ring_entries = 32768\n"
	    "io_workers = 256\n"
	    "recv_buffers = 32768\n"
	    "request_buffers_kept = 0\n"
	    "pipe_size = 1M\n"
	    "pipe_pool = 0\n"
	    "\n"
	    "[limits]\n"
	    "max_connections = 1000000\n"
	    "header_timeout = 1ms\n"
	    "idle_timeout = 24h\n"
	    "send_timeout = 90 ; inline comment\n"
	    "max_request_header = 64K\n"
	    "\n"
	    "[listener public-1]\n"
	    "address = *:8080\n"
	    "root = /\n"
	    "index = default.htm\n"
	    "engine = splice\n"
	    "[listener local_2]\n"
	    "engine = sendfile\n"
	    "   address = [::1]:8081\n"
	    "\troot = /tmp\n"
	    "[ listener   spaced ]\n"
	    "address: 10.0.0.1:0\n"
	    "root = .\n");
	cr_assert_eq(l.count, 0, "%s", l.errors);
	cr_expect_str_eq(c->error_log, "/var/log/ringpushd/error.log");
	cr_expect_str_eq(c->access_log, "off");
	cr_expect_eq(c->log_level, LOG_LEVEL_DEBUG);
	cr_expect_eq(c->ring_entries, 32768);
	cr_expect_eq(c->io_workers, 256);
	cr_expect_eq(c->recv_buffers, 32768);
	cr_expect_eq(c->request_buffers_kept, 0);
	cr_expect_eq(c->pipe_size, 1 << 20);
	cr_expect_eq(c->pipe_pool, 0);
	cr_expect_eq(c->max_connections, 1000000);
	cr_expect_eq(c->header_timeout_ms, 1);
	cr_expect_eq(c->idle_timeout_ms, 86400000);
	cr_expect_eq(c->send_timeout_ms, 90000);
	cr_expect_eq(c->max_request_header, 65536);
	cr_assert_eq(c->nlisteners, 3);

	cr_expect_str_eq(c->listeners[0].name, "public-1");
	cr_expect_str_eq(c->listeners[0].address, "*:8080");
	sin6 = (const struct sockaddr_in6 *)&c->listeners[0].addr;
	cr_expect_eq(sin6->sin6_family, AF_INET6);
	cr_expect(IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr));
	cr_expect_eq(ntohs(sin6->sin6_port), 8080);
	cr_expect_str_eq(c->listeners[0].root, "/");
	cr_expect_str_eq(c->listeners[0].index, "default.htm");
	cr_expect_eq(c->listeners[0].engine, ENGINE_SPLICE);
	cr_expect_eq(c->listeners[0].line, 21);

	cr_expect_str_eq(c->listeners[1].name, "local_2");
	sin6 = (const struct sockaddr_in6 *)&c->listeners[1].addr;
	cr_expect(IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr));
	cr_expect_eq(ntohs(sin6->sin6_port), 8081);
	cr_expect_str_eq(c->listeners[1].root, "/tmp");
	cr_expect_eq(c->listeners[1].engine, ENGINE_SENDFILE);
	cr_expect_str_eq(c->listeners[1].index, "index.html");
	cr_expect_eq(c->listeners[1].line, 26);

	cr_expect_str_eq(c->listeners[2].name, "spaced");
	sin = (const struct sockaddr_in *)&c->listeners[2].addr;
	cr_expect_eq(sin->sin_family, AF_INET);
	cr_expect_eq(c->listeners[2].addrlen, sizeof(*sin));
	cr_expect_eq(ntohl(sin->sin_addr.s_addr), 0x0a000001);
	cr_expect_eq(c->listeners[2].line, 30);
	unload(&l);
}

Test(conf_load, bom_crlf_and_empty_sections)
{
	struct loaded l;

	load(&l, "\xEF\xBB\xBF[daemon]\r\nlog_level = warn\r\n[limits]\r\n"
	    "[listener a]\r\naddress = 127.0.0.1:0\r\nroot = /tmp\r\n");
	cr_assert_eq(l.count, 0, "%s", l.errors);
	cr_expect_eq(l.conf.log_level, LOG_LEVEL_WARN);
	cr_expect_str_eq(l.conf.listeners[0].root, "/tmp");
	cr_expect_eq(l.conf.listeners[0].line, 4);
	unload(&l);
}

Test(conf_load, repeated_sections_without_repeated_keys)
{
	struct loaded l;

	load(&l, "[daemon]\nio_workers = 8\n" LISTENER
	    "[daemon]\npipe_pool = 9\n[limits]\nidle_timeout = 5m\n"
	    "[limits]\nsend_timeout = 500ms\n");
	cr_assert_eq(l.count, 0, "%s", l.errors);
	cr_expect_eq(l.conf.io_workers, 8);
	cr_expect_eq(l.conf.pipe_pool, 9);
	cr_expect_eq(l.conf.idle_timeout_ms, 300000);
	cr_expect_eq(l.conf.send_timeout_ms, 500);
	unload(&l);
}

Test(conf_load, bounds_inclusive)
{
	struct loaded l;

	load(&l, "[daemon]\nring_entries = 64\nio_workers = 1\n"
	    "pipe_size = 4K\npipe_pool = 65536\n[limits]\n"
	    "max_connections = 1\nheader_timeout = 24h\n"
	    "idle_timeout = 86400\nsend_timeout = 1440m\n"
	    "max_request_header = 1024\n" LISTENER);
	cr_assert_eq(l.count, 0, "%s", l.errors);
	cr_expect_eq(l.conf.ring_entries, 64);
	cr_expect_eq(l.conf.io_workers, 1);
	cr_expect_eq(l.conf.pipe_size, 4096);
	cr_expect_eq(l.conf.pipe_pool, 65536);
	cr_expect_eq(l.conf.max_connections, 1);
	cr_expect_eq(l.conf.header_timeout_ms, 86400000);
	cr_expect_eq(l.conf.idle_timeout_ms, 86400000);
	cr_expect_eq(l.conf.send_timeout_ms, 86400000);
	cr_expect_eq(l.conf.max_request_header, 1024);
	unload(&l);
}

Test(conf_load, many_listeners)
{
	char *text = NULL;
	size_t len = 0;
	struct loaded l;
	FILE *f = open_memstream(&text, &len);
	int i;

	cr_assert_not_null(f);
	for (i = 0; i < 100; i++)
		fprintf(f, "[listener l%d]\naddress = 127.0.0.1:%d\n"
		    "root = /tmp\n", i, 10000 + i);
	fclose(f);
	load(&l, text);
	free(text);
	cr_assert_eq(l.count, 0, "%s", l.errors);
	cr_assert_eq(l.conf.nlisteners, 100);
	cr_expect_str_eq(l.conf.listeners[99].name, "l99");
	cr_expect_eq(ntohs(((struct sockaddr_in *)
	    &l.conf.listeners[99].addr)->sin_port), 10099);
	cr_expect_eq(l.conf.listeners[99].line, 99 * 3 + 1);
	unload(&l);
}

Test(conf_load, listener_name_63_chars)
{
	char text[256];
	struct loaded l;
	char name[64];

	memset(name, 'n', 63);
	name[63] = '\0';
	snprintf(text, sizeof(text), "[listener %s]\naddress = 127.0.0.1:0\n"
	    "root = /tmp\n", name);
	load(&l, text);
	cr_assert_eq(l.count, 0, "%s", l.errors);
	cr_expect_str_eq(l.conf.listeners[0].name, name);
	unload(&l);
}

Test(conf_load, same_port_zero_is_not_a_collision)
{
	struct loaded l;

	load(&l, LISTENER "[listener b]\naddress = 127.0.0.1:0\nroot = /\n"
	    "[listener c]\naddress = *:0\nroot = /\n");
	cr_assert_eq(l.count, 0, "%s", l.errors);
	cr_expect_eq(l.conf.nlisteners, 3);
	unload(&l);
}

Test(conf_load, different_addresses_same_port)
{
	struct loaded l;

	load(&l, "[listener a]\naddress = 127.0.0.1:80\nroot = /\n"
	    "[listener b]\naddress = 127.0.0.2:80\nroot = /\n"
	    "[listener c]\naddress = [::1]:80\nroot = /\n");
	cr_assert_eq(l.count, 0, "%s", l.errors);
	unload(&l);
}

/* --- problems, one kind per test, with the line reported --- */

Test(conf_error, unreadable_file)
{
	struct conf c;
	char *out = NULL;
	size_t len = 0;
	FILE *err = open_memstream(&out, &len);

	cr_assert_not_null(err);
	cr_expect_eq(conf_load(&c, "/nonexistent/ringpushd.conf", err), 1);
	fclose(err);
	cr_expect_str_eq(out, "/nonexistent/ringpushd.conf: "
	    "No such file or directory\n");
	cr_expect_null(c.listeners);
	free(out);
}

Test(conf_error, directory_as_file)
{
	struct conf c;
	char *out = NULL;
	size_t len = 0;
	FILE *err = open_memstream(&out, &len);

	cr_assert_not_null(err);
	cr_expect_eq(conf_load(&c, "/tmp", err), 2);
	fclose(err);
	cr_expect(strstr(out, "/tmp: Is a directory\n") != NULL, "%s", out);
	cr_expect(strstr(out, "/tmp: no [listener NAME] section") != NULL,
	    "%s", out);
	free(out);
}

Test(conf_error, null_error_stream_still_counts)
{
	struct conf c;

	cr_expect_eq(conf_load(&c, "/nonexistent/ringpushd.conf", NULL), 1);
}

Test(conf_error, empty_file)
{
	expect_one("", 0, "no [listener NAME] section (at least one is "
	    "required)");
}

Test(conf_error, only_daemon)
{
	expect_one("[daemon]\nlog_level = info\n", 0, "no [listener NAME]");
}

Test(conf_error, unknown_section)
{
	expect_one(LISTENER "\n[server]\nlisten = 80\nfoo = bar\n", 5,
	    "unknown section [server] (expected [daemon], [limits], [status] or "
	    "[listener NAME])");
}

Test(conf_error, unknown_key_daemon)
{
	expect_one("[daemon]\nchroot = /var/empty\n" LISTENER, 2,
	    "unknown key \"chroot\" in [daemon]");
}

Test(conf_error, unknown_key_limits)
{
	expect_one(LISTENER "[limits]\n\nrate = 0\n", 6,
	    "unknown key \"rate\" in [limits]");
}

Test(conf_error, unknown_key_listener)
{
	expect_one(LISTENER "sqpoll = yes\n", 4,
	    "unknown key \"sqpoll\" in [listener a]");
}

Test(conf_error, key_in_wrong_section)
{
	expect_one("[limits]\nring_entries = 64\n" LISTENER, 2,
	    "unknown key \"ring_entries\" in [limits]");
}

Test(conf_error, key_outside_section)
{
	expect_one("log_level = info\n" LISTENER, 1,
	    "log_level: key outside any section");
}

Test(conf_error, duplicate_key)
{
	expect_one("[daemon]\nio_workers = 2\nio_workers = 3\n" LISTENER, 3,
	    "io_workers: duplicate key (first set at line 2)");
}

Test(conf_error, duplicate_key_across_sections)
{
	expect_one("[limits]\nmax_connections = 5\n" LISTENER
	    "[limits]\nmax_connections = 6\n", 7,
	    "max_connections: duplicate key (first set at line 2)");
}

Test(conf_error, duplicate_key_in_listener)
{
	expect_one(LISTENER "root = /\n", 4,
	    "root: duplicate key (first set at line 3)");
}

Test(conf_error, duplicate_listener_name)
{
	/* The second section is skipped whole: one problem only. */
	expect_one(LISTENER "[listener a]\naddress = 127.0.0.1:1\nbogus = 1\n",
	    4, "duplicate listener \"a\" (first at line 1)");
}

Test(conf_error, same_address)
{
	expect_one("[listener a]\naddress = 127.0.0.1:80\nroot = /\n"
	    "[listener b]\nroot = /\naddress = 127.0.0.1:80\n", 6,
	    "address: \"127.0.0.1:80\" collides with \"127.0.0.1:80\" of "
	    "listener \"a\" (line 1)");
}

Test(conf_error, wildcard_collides)
{
	expect_one("[listener a]\naddress = 10.1.2.3:80\nroot = /\n"
	    "[listener b]\naddress = *:80\nroot = /\n", 5,
	    "collides with \"10.1.2.3:80\" of listener \"a\"");
	expect_one("[listener a]\naddress = 0.0.0.0:80\nroot = /\n"
	    "[listener b]\naddress = 127.0.0.1:80\nroot = /\n", 5,
	    "collides with \"0.0.0.0:80\"");
	expect_one("[listener a]\naddress = [::1]:80\nroot = /\n"
	    "[listener b]\naddress = [::]:80\nroot = /\n", 5,
	    "collides with \"[::1]:80\"");
}

Test(conf_error, not_a_number)
{
	expect_one("[limits]\nmax_connections = abc\n" LISTENER, 2,
	    "max_connections: \"abc\" is not a number (expected 1..1000000)");
}

Test(conf_error, negative_number)
{
	expect_one("[daemon]\nio_workers = -1\n" LISTENER, 2,
	    "io_workers: \"-1\" is not a number (expected 1..256)");
}

Test(conf_error, number_out_of_range)
{
	expect_one("[daemon]\nring_entries = 63\n" LISTENER, 2,
	    "ring_entries: \"63\" is out of range (expected 64..32768)");
	expect_one("[daemon]\nring_entries = 32769\n" LISTENER, 2,
	    "ring_entries: \"32769\" is out of range (expected 64..32768)");
	expect_one("[daemon]\npipe_pool = 65537\n" LISTENER, 2,
	    "pipe_pool: \"65537\" is out of range (expected 0..65536)");
	expect_one("[limits]\nmax_connections = 0\n" LISTENER, 2,
	    "max_connections: \"0\" is out of range (expected 1..1000000)");
	expect_one("[daemon]\nrecv_buffers = 0\n" LISTENER, 2,
	    "recv_buffers: \"0\" is out of range (expected 1..32768)");
	expect_one("[daemon]\nrecv_buffers = 32769\n" LISTENER, 2,
	    "recv_buffers: \"32769\" is out of range (expected 1..32768)");
	expect_one("[daemon]\nrequest_buffers_kept = 1000001\n" LISTENER, 2,
	    "request_buffers_kept: \"1000001\" is out of range (expected 0..1000000)");
}

Test(conf_error, number_overflow)
{
	/* Bigger than unsigned, and bigger than 64 bits. */
	expect_one("[daemon]\nio_workers = 4294967300\n" LISTENER, 2,
	    "io_workers: \"4294967300\" is out of range (expected 1..256)");
	expect_one("[daemon]\nio_workers = 99999999999999999999999\n"
	    LISTENER, 2, "is out of range (expected 1..256)");
}

Test(conf_error, bad_size)
{
	expect_one("[daemon]\npipe_size = 64KX\n" LISTENER, 2,
	    "pipe_size: \"64KX\" is not a size (expected 4K..1M: bytes, or a "
	    "number with K, M, G, T or P)");
	expect_one("[daemon]\npipe_size = 4095\n" LISTENER, 2,
	    "pipe_size: \"4095\" is out of range (expected 4K..1M)");
	expect_one("[daemon]\npipe_size = 1025K\n" LISTENER, 2,
	    "is out of range (expected 4K..1M)");
	expect_one("[limits]\nmax_request_header = 99999999999999999G\n"
	    LISTENER, 2, "max_request_header: \"99999999999999999G\" is out "
	    "of range (expected 1K..64K)");
}

Test(conf_error, bad_duration)
{
	expect_one("[limits]\nheader_timeout = soon\n" LISTENER, 2,
	    "header_timeout: \"soon\" is not a duration (expected 1ms..24h: "
	    "seconds, or a number with ms, s, m or h)");
	expect_one("[limits]\nidle_timeout = 0\n" LISTENER, 2,
	    "idle_timeout: \"0\" is out of range (expected 1ms..24h)");
	expect_one("[limits]\nsend_timeout = 25h\n" LISTENER, 2,
	    "send_timeout: \"25h\" is out of range (expected 1ms..24h)");
	expect_one("[limits]\nsend_timeout = 86400001ms\n" LISTENER, 2,
	    "is out of range");
	expect_one("[limits]\nsend_timeout = 1.5s\n" LISTENER, 2,
	    "is not a duration");
}

Test(conf_error, bad_enum)
{
	expect_one("[daemon]\nlog_level = loud\n" LISTENER, 2,
	    "log_level: \"loud\" is not valid (expected error, warn, info or "
	    "debug)");
	expect_one(LISTENER "engine = zerocopy\n", 4,
	    "engine: \"zerocopy\" is not valid (expected splice, sendfile, auto, copy "
	    "or mmap)");
	expect_one(LISTENER "engine = mmap\nsend_zc = always\n", 5,
	    "send_zc: \"always\" is not valid (expected auto, on or off)");
	/* Names are exact: no case folding. */
	expect_one("[daemon]\nlog_level = INFO\n" LISTENER, 2,
	    "is not valid");
}

Test(conf_error, empty_value)
{
	expect_one("[daemon]\naccess_log =\n" LISTENER, 2,
	    "access_log: empty value (expected a path)");
	expect_one("[daemon]\nio_workers = ; nothing\n" LISTENER, 2,
	    "io_workers: \"\" is not a number");
}

Test(conf_error, error_log_off)
{
	expect_one("[daemon]\nerror_log = off\n" LISTENER, 2,
	    "error_log: the error log cannot be turned off");
}

Test(conf_error, bad_address)
{
	expect_one("[listener a]\nroot = /tmp\naddress = 127.0.0.1\n", 3,
	    "address: \"127.0.0.1\": no :port (expected IPv4:port, "
	    "[IPv6]:port or *:port)");
	expect_one("[listener a]\nroot = /tmp\naddress = 127.0.0.1:65536\n", 3,
	    "the port is out of range (0..65535)");
	expect_one("[listener a]\nroot = /tmp\naddress = 127.0.0.1:http\n", 3,
	    "the port is not a number");
	expect_one("[listener a]\nroot = /tmp\naddress = example.org:80\n", 3,
	    "not an IPv4 address");
	expect_one("[listener a]\nroot = /tmp\naddress = ::1:80\n", 3,
	    "an IPv6 address must be written in brackets");
	expect_one("[listener a]\nroot = /tmp\naddress = [::1:80\n", 3,
	    "no ] after the IPv6 address");
}

Test(conf_error, root_missing_directory)
{
	expect_one("[listener a]\naddress = 127.0.0.1:0\n"
	    "root = /nonexistent/ringpush\n", 3,
	    "root: \"/nonexistent/ringpush\": No such file or directory "
	    "(expected an existing directory)");
}

Test(conf_error, root_not_a_directory)
{
	char path[64], text[256];
	struct loaded l;

	write_file(path, sizeof(path), "x", 1);
	snprintf(text, sizeof(text), "[listener a]\naddress = 127.0.0.1:0\n"
	    "root = %s\n", path);
	load(&l, text);
	unlink(path);
	cr_expect_eq(l.count, 1, "%s", l.errors);
	assert_error(&l, 3, "is not a directory");
	cr_expect(strstr(l.errors, path) != NULL);
	unload(&l);
}

Test(conf_error, index_with_slash)
{
	expect_one(LISTENER "index = sub/index.html\n", 4,
	    "index: \"sub/index.html\" is not a plain file name");
	expect_one(LISTENER "index = ..\n", 4, "is not a plain file name");
}

Test(conf_error, missing_required_keys)
{
	struct loaded l;

	/* Reported at the section header, in key table order. */
	load(&l, "[daemon]\n\n[listener web]\nindex = i.html\n");
	cr_expect_eq(l.count, 2, "%s", l.errors);
	cr_expect_eq(count_lines(l.errors), 2);
	assert_error(&l, 3, "[listener web]: address is missing (required)");
	assert_error(&l, 3, "[listener web]: root is missing (required)");
	cr_expect_null(l.conf.listeners);
	unload(&l);
}

Test(conf_error, listener_without_name)
{
	expect_one(LISTENER "[listener]\naddress = 127.0.0.1:1\n", 4,
	    "[listener] needs a name (expected [listener NAME])");
}

Test(conf_error, listener_bad_name)
{
	char text[256];
	char name[65];

	expect_one(LISTENER "[listener a.b]\n", 4,
	    "listener name \"a.b\" is not valid (expected 1 to 63 of A-Z a-z "
	    "0-9 _ -)");
	expect_one(LISTENER "[listener a b]\n", 4, "\"a b\" is not valid");
	memset(name, 'n', 64);
	name[64] = '\0';
	snprintf(text, sizeof(text), LISTENER "[listener %s]\n", name);
	expect_one(text, 4, "is not valid");
}

Test(conf_error, no_equals)
{
	expect_one(LISTENER "index\n", 4, "expected \"key = value\"");
	expect_one(LISTENER "index ; = x\n", 4, "expected \"key = value\"");
	expect_one(LISTENER "  = x\n", 4, "no key before \"=\"");
}

Test(conf_error, unclosed_section)
{
	/* The keys after a broken header are not reported again. */
	expect_one(LISTENER "[daemon\nio_workers = 1\n", 4,
	    "no ] at the end of the section header");
}

Test(conf_error, text_after_section)
{
	expect_one(LISTENER "[daemon] x\nio_workers = 1\n", 4,
	    "unexpected text after the section header: \"x\"");
}

Test(conf_error, comment_after_section_is_fine)
{
	struct loaded l;

	load(&l, "[daemon] ; the daemon\n" LISTENER);
	cr_expect_eq(l.count, 0, "%s", l.errors);
	unload(&l);
}

Test(conf_error, line_too_long)
{
	char text[8192];
	struct loaded l;
	int n;

	/* Too long for inih's line buffer: an error, never two lines. */
	n = snprintf(text, sizeof(text), LISTENER "index = ");
	memset(text + n, 'x', 5000);
	snprintf(text + n + 5000, sizeof(text) - (size_t)n - 5000,
	    "\nio_workers = 1\n");
	load(&l, text);
	cr_expect_eq(l.count, 2, "%s", l.errors);
	assert_error(&l, 4, "line too long (5008 characters, at most");
	/* The next line keeps its own number. */
	assert_error(&l, 5, "unknown key \"io_workers\" in [listener a]");
	unload(&l);
}

Test(conf_error, nul_byte)
{
	static const char text[] = LISTENER "index = a\0b\n";
	struct loaded l;

	load_bytes(&l, text, sizeof(text) - 1);
	cr_expect_eq(l.count, 1, "%s", l.errors);
	assert_error(&l, 4, "NUL character in line");
	unload(&l);
}

Test(conf_error, every_problem_reported)
{
	struct loaded l;

	load(&l,
	    "[daemon]\n"
	    "io_workers = many\n"	/* 2: bad value */
	    "[listener a]\n"		/* 3: root missing */
	    "address = 127.0.0.1:0\n"
	    "[nope]\n");		/* 5: unknown section */
	cr_expect_eq(l.count, 3, "%s", l.errors);
	cr_expect_eq(count_lines(l.errors), 3, "%s", l.errors);
	assert_error(&l, 2, "io_workers: \"many\" is not a number");
	assert_error(&l, 3, "root is missing");
	assert_error(&l, 5, "unknown section [nope]");
	cr_expect_null(l.conf.listeners);
	cr_expect_eq(l.conf.nlisteners, 0);
	unload(&l);
}

Test(conf_error, errors_do_not_stop_parsing)
{
	struct loaded l;

	load(&l, "[daemon]\nring_entries = 1\nio_workers = 0\npipe_size = x\n"
	    "pipe_pool = -5\nlog_level = 3\n[limits]\nheader_timeout = 0s\n"
	    "[listener a]\naddress = nowhere\nroot = /nonexistent/x\n"
	    "index = /\nengine = read\n");
	cr_expect_eq(l.count, 10, "%s", l.errors);
	cr_expect_eq(count_lines(l.errors), 10, "%s", l.errors);
	assert_error(&l, 13, "engine: \"read\" is not valid");
	unload(&l);
}

/*
 * The shipped example must load and show every default: substitute an
 * existing directory for its root.  Run from the top of the tree.
 */
Test(conf_load, shipped_example)
{
	char *text, *at;
	struct loaded l;
	FILE *f;
	long size;

	if ((f = fopen("etc/ringpushd.conf", "r")) == NULL)
		cr_skip_test("etc/ringpushd.conf not found: not run from the "
		    "top of the tree");
	cr_assert_eq(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)size + 1);
	cr_assert_not_null(text);
	cr_assert_eq(fread(text, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	at = strstr(text, "root = /srv/files\n");
	cr_assert_not_null(at, "no root = /srv/files in the example");
	memcpy(at, "root = /tmp      ", 17);

	load(&l, text);
	free(text);
	cr_assert_eq(l.count, 0, "%s", l.errors);
	expect_default_values(&l.conf);
	cr_assert_eq(l.conf.nlisteners, 1);
	cr_expect_str_eq(l.conf.listeners[0].name, "public");
	cr_expect_str_eq(l.conf.listeners[0].address, "127.0.0.1:8080");
	expect_default_listener(&l.conf.listeners[0]);
	unload(&l);
}

/* --- [daemon] user, group, allow_root --- */

Test(conf_user, existing_accounts)
{
	struct loaded l;

	load(&l, "[daemon]\nuser = root\ngroup = root\nallow_root = yes\n"
	    LISTENER);
	cr_assert_eq(l.count, 0, "%s", l.errors);
	cr_expect_str_eq(l.conf.user, "root");
	cr_expect_str_eq(l.conf.group, "root");
	cr_expect_eq(l.conf.allow_root, 1);
	unload(&l);
}

Test(conf_user, user_alone_and_empty_values)
{
	struct loaded l;

	load(&l, "[daemon]\nuser = root\n" LISTENER);
	cr_assert_eq(l.count, 0, "%s", l.errors);
	cr_expect_str_eq(l.conf.user, "root");
	cr_expect_str_eq(l.conf.group, "");
	unload(&l);

	/* Empty is the default: keep the starting user and its group. */
	load(&l, "[daemon]\nuser =\ngroup =\nallow_root = off\n" LISTENER);
	cr_assert_eq(l.count, 0, "%s", l.errors);
	cr_expect_str_eq(l.conf.user, "");
	cr_expect_str_eq(l.conf.group, "");
	cr_expect_eq(l.conf.allow_root, 0);
	unload(&l);
}

Test(conf_user, group_before_user_in_a_later_section)
{
	struct loaded l;

	load(&l, "[daemon]\ngroup = root\n" LISTENER "[daemon]\n"
	    "user = root\n");
	cr_assert_eq(l.count, 0, "%s", l.errors);
	cr_expect_str_eq(l.conf.user, "root");
	cr_expect_str_eq(l.conf.group, "root");
	unload(&l);
}

Test(conf_user, no_such_user)
{
	expect_one("[daemon]\nlog_level = info\nuser = ringpush-no-such\n"
	    LISTENER, 3, "user: \"ringpush-no-such\": no such user (expected "
	    "an existing user name)");
}

Test(conf_user, no_such_group)
{
	expect_one("[daemon]\nuser = root\ngroup = ringpush-no-such\n"
	    LISTENER, 3, "group: \"ringpush-no-such\": no such group "
	    "(expected an existing group name)");
}

Test(conf_user, group_without_user)
{
	/* Reported at the group's line once the whole file is read. */
	expect_one("[daemon]\nallow_root = yes\ngroup = root\n" LISTENER, 3,
	    "group: \"root\" is set without user (a group applies only with "
	    "[daemon] user)");
	expect_one("[daemon]\ngroup = root\nuser =\n" LISTENER, 2,
	    "is set without user");
}

Test(conf_user, bad_user_is_one_problem)
{
	/* The group is not blamed for the user's typo. */
	expect_one("[daemon]\nuser = ringpush-no-such\ngroup = root\n"
	    LISTENER, 2, "no such user");
}

Test(conf_user, name_too_long)
{
	char text[512], name[65];

	memset(name, 'u', 64);
	name[64] = '\0';
	snprintf(text, sizeof(text), "[daemon]\nuser = %s\n" LISTENER, name);
	expect_one(text, 2, "user: value too long (at most 63 characters)");
	snprintf(text, sizeof(text), "[daemon]\nuser = root\ngroup = %s\n"
	    LISTENER, name);
	expect_one(text, 3, "group: value too long (at most 63 characters)");
	/* 63 characters pass the length check and reach the lookup. */
	name[63] = '\0';
	snprintf(text, sizeof(text), "[daemon]\nuser = %s\n" LISTENER, name);
	expect_one(text, 2, "no such user");
}

Test(conf_user, allow_root_bad)
{
	expect_one("[daemon]\nallow_root = maybe\n" LISTENER, 2,
	    "allow_root: \"maybe\" is not a boolean (expected yes, no, on, "
	    "off, true, false, 1 or 0)");
}

/* --- [limits] per-address, rates, header fields, target --- */

Test(conf_limits, good_values)
{
	struct loaded l;

	load(&l, "[limits]\nmax_connections_per_ip = 0\n"
	    "rate_per_connection = 1M\nrate_total = 64G\nmax_headers = 1\n"
	    "max_target = 64\n" LISTENER);
	cr_assert_eq(l.count, 0, "%s", l.errors);
	cr_expect_eq(l.conf.max_connections_per_ip, 0);
	cr_expect_eq(l.conf.rate_per_connection, 1ULL << 20);
	cr_expect_eq(l.conf.rate_total, 64ULL << 30);
	cr_expect_eq(l.conf.max_headers, 1);
	cr_expect_eq(l.conf.max_target, 64);
	unload(&l);

	load(&l, "[limits]\nmax_connections_per_ip = 1000000\n"
	    "rate_per_connection = 1\nrate_total = 500K\nmax_headers = 1024\n"
	    "max_target = 4K\n" LISTENER);
	cr_assert_eq(l.count, 0, "%s", l.errors);
	cr_expect_eq(l.conf.max_connections_per_ip, 1000000);
	cr_expect_eq(l.conf.rate_per_connection, 1);
	cr_expect_eq(l.conf.rate_total, 500 * 1024);
	cr_expect_eq(l.conf.max_headers, 1024);
	cr_expect_eq(l.conf.max_target, 4096);
	unload(&l);
}

Test(conf_limits, max_connections_per_ip_bad)
{
	expect_one("[limits]\nmax_connections_per_ip = 1000001\n" LISTENER,
	    2, "max_connections_per_ip: \"1000001\" is out of range "
	    "(expected 0..1000000)");
	expect_one("[limits]\nmax_connections_per_ip = 1K\n" LISTENER, 2,
	    "max_connections_per_ip: \"1K\" is not a number (expected "
	    "0..1000000)");
}

Test(conf_limits, rates_bad)
{
	expect_one("[limits]\nrate_per_connection = 1T\n" LISTENER, 2,
	    "rate_per_connection: \"1T\" is out of range (expected 0..64G)");
	expect_one("[limits]\nrate_total = 65G\n" LISTENER, 2,
	    "rate_total: \"65G\" is out of range (expected 0..64G)");
	expect_one("[limits]\nrate_total = 68719476737\n" LISTENER, 2,
	    "is out of range (expected 0..64G)");
	expect_one("[limits]\nrate_total = -1\n" LISTENER, 2,
	    "rate_total: \"-1\" is not a size");
}

Test(conf_limits, max_headers_bad)
{
	expect_one("[limits]\nmax_headers = 0\n" LISTENER, 2,
	    "max_headers: \"0\" is out of range (expected 1..1024)");
	expect_one("[limits]\nmax_headers = 1025\n" LISTENER, 2,
	    "max_headers: \"1025\" is out of range (expected 1..1024)");
}

Test(conf_limits, max_target_bad)
{
	expect_one("[limits]\nmax_target = 63\n" LISTENER, 2,
	    "max_target: \"63\" is out of range (expected 64..4K)");
	expect_one("[limits]\nmax_target = 4097\n" LISTENER, 2,
	    "max_target: \"4097\" is out of range (expected 64..4K)");
	/* Far beyond unsigned: refused, never truncated into range. */
	expect_one("[limits]\nmax_target = 4194308K\n" LISTENER, 2,
	    "is out of range (expected 64..4K)");
	expect_one("[limits]\nmax_target = 4KX\n" LISTENER, 2,
	    "max_target: \"4KX\" is not a size (expected 64..4K: bytes, or a "
	    "number with K, M, G, T or P)");
}

/* --- [listener] hidden_files, follow_symlinks --- */

Test(conf_listener, path_keys)
{
	struct loaded l;

	load(&l, LISTENER "hidden_files = yes\nfollow_symlinks = no\n"
	    "[listener b]\naddress = 127.0.0.1:0\nroot = /\n"
	    "follow_symlinks = beneath\nhidden_files = off\n"
	    "[listener c]\naddress = 127.0.0.1:0\nroot = /\n");
	cr_assert_eq(l.count, 0, "%s", l.errors);
	cr_assert_eq(l.conf.nlisteners, 3);
	cr_expect_eq(l.conf.listeners[0].hidden_files, 1);
	cr_expect_eq(l.conf.listeners[0].follow_symlinks, SYMLINKS_NO);
	cr_expect_eq(l.conf.listeners[1].hidden_files, 0);
	cr_expect_eq(l.conf.listeners[1].follow_symlinks, SYMLINKS_BENEATH);
	/* One listener's settings do not leak into the next. */
	expect_default_listener(&l.conf.listeners[2]);
	unload(&l);
}

Test(conf_listener, path_keys_bad)
{
	expect_one(LISTENER "hidden_files = sometimes\n", 4,
	    "hidden_files: \"sometimes\" is not a boolean");
	expect_one(LISTENER "follow_symlinks = yes\n", 4,
	    "follow_symlinks: \"yes\" is not valid (expected beneath or no)");
	expect_one(LISTENER "follow_symlinks = No\n", 4,
	    "follow_symlinks: \"No\" is not valid");
	expect_one("[daemon]\nhidden_files = yes\n" LISTENER, 2,
	    "unknown key \"hidden_files\" in [daemon]");
}

/* --- service keys: pid_file, shutdown_timeout, access_log_format, [status] --- */

Test(conf_service, defaults)
{
	struct loaded l;

	load(&l, LISTENER);
	cr_assert_eq(l.count, 0, "%s", l.errors);
	cr_assert_str_eq(l.conf.pid_file, "");
	cr_assert_eq(l.conf.shutdown_timeout_ms, 10000);
	cr_assert_eq(l.conf.access_log_format, LOG_FORMAT_COMBINED);
	cr_assert_str_eq(l.conf.status_path, "");
	cr_assert_eq(l.conf.status_allow, STATUS_ALLOW_LOOPBACK);
	unload(&l);
}

Test(conf_service, values)
{
	struct loaded l;

	load(&l, "[daemon]\npid_file = /run/ringpushd.pid\nshutdown_timeout = 0\n"
	    "access_log_format = json\n[status]\npath = /metrics\nallow = any\n" LISTENER);
	cr_assert_eq(l.count, 0, "%s", l.errors);
	cr_assert_str_eq(l.conf.pid_file, "/run/ringpushd.pid");
	cr_assert_eq(l.conf.shutdown_timeout_ms, 0);
	cr_assert_eq(l.conf.access_log_format, LOG_FORMAT_JSON);
	cr_assert_str_eq(l.conf.status_path, "/metrics");
	cr_assert_eq(l.conf.status_allow, STATUS_ALLOW_ANY);
	unload(&l);
}

Test(conf_service, bad_values)
{
	expect_one("[daemon]\naccess_log_format = xml\n" LISTENER, 2,
	    "access_log_format: \"xml\" is not valid (expected combined or json)");
	expect_one("[status]\n\npath = metrics\n" LISTENER, 3,
	    "path: \"metrics\" is not a plain absolute path");
	expect_one("[status]\npath = /a/../metrics\n" LISTENER, 2,
	    "is not a plain absolute path");
	expect_one("[status]\nallow = everyone\n" LISTENER, 2,
	    "allow: \"everyone\" is not valid (expected loopback or any)");
	expect_one("[daemon]\nshutdown_timeout = 25h\n" LISTENER, 2, "shutdown_timeout");
	expect_one("[status]\nroot = /tmp\n" LISTENER, 2, "unknown key \"root\" in [status]");
}
