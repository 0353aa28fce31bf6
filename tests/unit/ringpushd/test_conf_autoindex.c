/*
 * test_conf_autoindex.c: the listing keys of a listener.  autoindex is
 * off unless asked for, each listener has its own, and a bad value or a
 * cap out of bounds is an error naming file:line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "conf.h"

/* conf_load of text: the number of problems, messages in errbuf. */
static int
load(struct conf *c, const char *text, char *path, size_t path_cap, char *errbuf, size_t cap)
{
	FILE *err;
	int fd, problems;

	snprintf(path, path_cap, "/tmp/ringpush-autoindex-XXXXXX");
	fd = mkstemp(path);
	cr_assert_neq(fd, -1, "mkstemp: %s", strerror(errno));
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	err = fmemopen(errbuf, cap, "w");
	cr_assert_not_null(err);
	setvbuf(err, NULL, _IONBF, 0);
	problems = conf_load(c, path, err);
	fclose(err);
	unlink(path);
	return problems;
}

Test(conf_autoindex, defaults_are_off_and_1000)
{
	struct conf c;
	char path[64], errbuf[512] = "";

	cr_assert_eq(load(&c, "[listener a]\naddress = 127.0.0.1:0\nroot = /\n", path,
	    sizeof(path), errbuf, sizeof(errbuf)), 0, "%s", errbuf);
	cr_expect_eq(c.listeners[0].autoindex, AUTOINDEX_OFF);
	cr_expect_eq(c.listeners[0].autoindex_max_entries, 1000);
	conf_free(&c);
	conf_defaults(&c);
	cr_expect_eq(c.listeners[0].autoindex, AUTOINDEX_OFF);
	cr_expect_eq(c.listeners[0].autoindex_max_entries, 1000);
	conf_free(&c);
}

Test(conf_autoindex, per_listener_values)
{
	struct conf c;
	char path[64], errbuf[512] = "";

	cr_assert_eq(load(&c,
	    "[listener a]\naddress = 127.0.0.1:0\nroot = /\nautoindex = html\n"
	    "[listener b]\naddress = 127.0.0.1:0\nroot = /\nautoindex = json\n"
	    "autoindex_max_entries = 100000\n"
	    "[listener c]\naddress = 127.0.0.1:0\nroot = /\nautoindex = off\n"
	    "autoindex_max_entries = 1\n", path, sizeof(path), errbuf, sizeof(errbuf)), 0,
	    "%s", errbuf);
	cr_assert_eq(c.nlisteners, 3);
	cr_expect_eq(c.listeners[0].autoindex, AUTOINDEX_HTML);
	cr_expect_eq(c.listeners[0].autoindex_max_entries, 1000);
	cr_expect_eq(c.listeners[1].autoindex, AUTOINDEX_JSON);
	cr_expect_eq(c.listeners[1].autoindex_max_entries, 100000);
	cr_expect_eq(c.listeners[2].autoindex, AUTOINDEX_OFF);
	cr_expect_eq(c.listeners[2].autoindex_max_entries, 1);
	conf_free(&c);
}

/* One bad line: exactly one problem, reported at line 4 with the words
 * the user needs. */
static void
expect_error(const char *line4, const char *want)
{
	struct conf c;
	char text[256], path[64], errbuf[1024] = "", where[96];

	snprintf(text, sizeof(text), "[listener a]\naddress = 127.0.0.1:0\nroot = /\n%s\n", line4);
	cr_assert_eq(load(&c, text, path, sizeof(path), errbuf, sizeof(errbuf)), 1,
	    "%s: %s", line4, errbuf);
	snprintf(where, sizeof(where), "%s:4: ", path);
	cr_expect(strstr(errbuf, where) != NULL, "%s: no \"%s\" in %s", line4, where, errbuf);
	cr_expect(strstr(errbuf, want) != NULL, "%s: no \"%s\" in %s", line4, want, errbuf);
	conf_free(&c);
}

Test(conf_autoindex, bad_values_name_file_and_line)
{
	expect_error("autoindex = yes", "autoindex: \"yes\" is not valid");
	expect_error("autoindex = HTML", "autoindex: \"HTML\" is not valid");
	expect_error("autoindex =", "autoindex");
	expect_error("autoindex_max_entries = 0", "autoindex_max_entries: \"0\" is out of range (expected 1..100000)");
	expect_error("autoindex_max_entries = 100001", "out of range (expected 1..100000)");
	expect_error("autoindex_max_entries = many", "autoindex_max_entries: \"many\" is not a number");
}

Test(conf_autoindex, not_a_daemon_key)
{
	struct conf c;
	char path[64], errbuf[1024] = "";

	cr_assert_eq(load(&c, "[daemon]\nautoindex = html\n[listener a]\naddress = 127.0.0.1:0\n"
	    "root = /\n", path, sizeof(path), errbuf, sizeof(errbuf)), 1, "%s", errbuf);
	cr_expect(strstr(errbuf, ":2: ") != NULL, "%s", errbuf);
	conf_free(&c);
}
