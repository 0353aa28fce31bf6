/*
 * test_conf_ranges.c: the listener key max_ranges: its default, its
 * bounds (0..RANGES_MAX), each listener's own value, and file:line errors.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "conf.h"
#include "ranges.h"

/* conf_load of text: the number of problems, the messages in errbuf. */
static int
load_text(struct conf *c, const char *text, char *errbuf, size_t cap)
{
	char path[64];
	FILE *err;
	int fd, problems;

	snprintf(path, sizeof(path), "/tmp/ringpush-conf-ranges-XXXXXX");
	fd = mkstemp(path);
	cr_assert_neq(fd, -1, "mkstemp: %s", strerror(errno));
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	memset(errbuf, 0, cap);
	err = fmemopen(errbuf, cap, "w");
	cr_assert_not_null(err);
	setvbuf(err, NULL, _IONBF, 0);
	problems = conf_load(c, path, err);
	fclose(err);
	unlink(path);
	return problems;
}

#define LISTENER(name) "[listener " name "]\naddress = 127.0.0.1:0\nroot = /tmp\n"

Test(conf_ranges, default_and_per_listener)
{
	struct conf c;
	char errs[512];

	cr_assert_eq(load_text(&c, LISTENER("a") LISTENER("b") "max_ranges = 0\n"
	    LISTENER("c") "max_ranges = 64\n", errs, sizeof(errs)), 0, "%s", errs);
	cr_assert_eq(c.nlisteners, 3);
	cr_expect_eq(c.listeners[0].max_ranges, 16);
	cr_expect_eq(c.listeners[1].max_ranges, 0);
	cr_expect_eq(c.listeners[2].max_ranges, RANGES_MAX);
	conf_free(&c);
}

Test(conf_ranges, bounds_with_file_and_line)
{
	static const struct {
		const char *value, *message;
	} bad[] = {
		{ "65", "max_ranges: \"65\" is out of range (expected 0..64)" },
		{ "-1", "max_ranges: \"-1\" is not a number (expected 0..64)" },
		{ "many", "max_ranges: \"many\" is not a number (expected 0..64)" },
		{ "", "max_ranges" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct conf c;
		char text[256], errs[512];

		snprintf(text, sizeof(text), LISTENER("a") "max_ranges = %s\n", bad[i].value);
		cr_expect_eq(load_text(&c, text, errs, sizeof(errs)), 1, "%s: %s",
		    bad[i].value, errs);
		cr_expect(strstr(errs, ":4: ") != NULL, "no line 4 in: %s", errs);
		cr_expect(strstr(errs, bad[i].message) != NULL, "want \"%s\" in: %s",
		    bad[i].message, errs);
		conf_free(&c);
	}
}

/* A key of listeners only. */
Test(conf_ranges, not_in_limits)
{
	struct conf c;
	char errs[512];

	cr_expect_eq(load_text(&c, "[limits]\nmax_ranges = 4\n" LISTENER("a"), errs,
	    sizeof(errs)), 1, "%s", errs);
	cr_expect(strstr(errs, ":2: ") != NULL && strstr(errs, "max_ranges") != NULL, "%s", errs);
	conf_free(&c);
}
