/*
 * test_conf_base.c: relative paths in a configuration are read against
 * the directory the daemon started in (conf_set_base_dir), whatever the
 * working directory is when the file is read again.
 */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "conf.h"

static char base[64], conf_path[PATH_MAX];

static void
make_base(void)
{
	char sub[PATH_MAX];

	snprintf(base, sizeof(base), "/tmp/ringpush-base-XXXXXX");
	cr_assert_not_null(mkdtemp(base), "mkdtemp: %s", strerror(errno));
	snprintf(sub, sizeof(sub), "%s/www", base);
	cr_assert_eq(mkdir(sub, 0755), 0);
	snprintf(conf_path, sizeof(conf_path), "%s/r.conf", base);
}

static void
remove_base(void)
{
	char sub[PATH_MAX];

	conf_set_base_dir(NULL);
	unlink(conf_path);
	snprintf(sub, sizeof(sub), "%s/www", base);
	rmdir(sub);
	rmdir(base);
}

static void
write_conf(const char *text)
{
	FILE *f = fopen(conf_path, "w");

	cr_assert_not_null(f);
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

Test(conf_base, relative_paths_are_read_against_the_start_directory,
    .init = make_base, .fini = remove_base)
{
	struct conf c;
	char want[PATH_MAX + 32];

	write_conf("[daemon]\nerror_log = logs/error.log\naccess_log = off\n"
	    "pid_file = run/d.pid\n[listener a]\naddress = 127.0.0.1:0\nroot = www\n");
	cr_assert_eq(conf_set_base_dir(base), 0);
	/* wherever the daemon is now */
	cr_assert_eq(chdir("/"), 0);
	cr_assert_eq(conf_load(&c, conf_path, stderr), 0);
	snprintf(want, sizeof(want), "%s/www", base);
	cr_expect_str_eq(c.listeners[0].root, want);
	snprintf(want, sizeof(want), "%s/logs/error.log", base);
	cr_expect_str_eq(c.error_log, want);
	cr_expect_str_eq(c.access_log, "off");
	snprintf(want, sizeof(want), "%s/run/d.pid", base);
	cr_expect_str_eq(c.pid_file, want);
	conf_free(&c);
}

Test(conf_base, absolute_and_special_values_stay, .init = make_base,
    .fini = remove_base)
{
	struct conf c;
	char text[1024];

	snprintf(text, sizeof(text), "[daemon]\nerror_log = -\naccess_log = -\n"
	    "[listener a]\naddress = 127.0.0.1:0\nroot = %s/www\n", base);
	write_conf(text);
	cr_assert_eq(conf_set_base_dir("/nonexistent"), 0);
	cr_assert_eq(conf_load(&c, conf_path, stderr), 0);
	cr_expect_str_eq(c.error_log, "-");
	cr_expect_str_eq(c.access_log, "-");
	cr_expect_str_eq(c.pid_file, "");
	cr_expect_eq(strncmp(c.listeners[0].root, base, strlen(base)), 0);
	conf_free(&c);
}

Test(conf_base, the_default_root_is_the_start_directory, .fini = remove_base)
{
	struct conf c;

	cr_assert_eq(conf_set_base_dir("/srv/start"), 0);
	conf_defaults(&c);
	cr_expect_str_eq(c.listeners[0].root, "/srv/start");
	conf_free(&c);
	cr_assert_eq(conf_set_base_dir(NULL), 0);
	conf_defaults(&c);
	cr_expect_str_eq(c.listeners[0].root, ".");
	conf_free(&c);
}

Test(conf_base, only_an_absolute_base)
{
	cr_expect_eq(conf_set_base_dir("relative"), -1);
	cr_expect_eq(errno, EINVAL);
}
