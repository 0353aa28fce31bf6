/*
 * test_pidfile_kind.c: the pid file must be a regular file.  Anything
 * else at its path (a device, a FIFO) would be truncated and, at exit,
 * unlinked by a daemon running as root.
 */

#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "pidfile.h"

Test(pidfile_kind, a_device_is_refused)
{
	struct stat st;

	errno = 0;
	cr_assert_eq(pidfile_open("/dev/null", NULL), -1);
	cr_expect_eq(errno, EINVAL);
	cr_assert(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode));
}

Test(pidfile_kind, a_fifo_is_refused_without_waiting)
{
	char dir[64] = "/tmp/ringpush-pidkind-XXXXXX", fifo[PATH_MAX];
	pid_t holder = 1;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/pid", dir);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	errno = 0;
	cr_assert_eq(pidfile_open(fifo, &holder), -1);
	cr_expect_eq(errno, EINVAL);
	cr_expect_eq(holder, 0);
	unlink(fifo);
	rmdir(dir);
}
