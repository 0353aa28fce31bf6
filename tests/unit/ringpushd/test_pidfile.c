/*
 * test_pidfile.c: the pid file lock, across processes and across fork,
 * and the content readers see.
 */

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "pidfile.h"

static char dir_path[64];
static char pid_path[96];

static void
make_dir(void)
{
	snprintf(dir_path, sizeof(dir_path), "/tmp/ringpush-pidfile-XXXXXX");
	cr_assert_not_null(mkdtemp(dir_path), "mkdtemp: %s", strerror(errno));
	snprintf(pid_path, sizeof(pid_path), "%s/ringpushd.pid", dir_path);
}

static void
remove_dir(void)
{
	char other[128];

	unlink(pid_path);
	snprintf(other, sizeof(other), "%s/moved", dir_path);
	unlink(other);
	rmdir(dir_path);
}

/* The file's content, NUL-terminated, in buf. */
static void
read_file(const char *path, char *buf, size_t cap)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	cr_assert_neq(fd, -1, "%s: %s", path, strerror(errno));
	n = read(fd, buf, cap - 1);
	cr_assert_geq(n, 0);
	buf[n] = '\0';
	close(fd);
}

static void
write_file(const char *path, const char *text)
{
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	cr_assert_neq(fd, -1, "%s: %s", path, strerror(errno));
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

Test(pidfile, lock_write_and_refuse, .init = make_dir, .fini = remove_dir)
{
	char buf[64], want[32];
	struct stat st;
	pid_t holder = -1;
	int fd, flags;
	mode_t mask;

	fd = pidfile_open(pid_path, &holder);
	cr_assert_geq(fd, 0, "pidfile_open: %s", strerror(errno));
	cr_expect_eq(holder, 0);
	flags = fcntl(fd, F_GETFD);
	cr_expect(flags != -1 && (flags & FD_CLOEXEC), "not close-on-exec");
	cr_assert_eq(stat(pid_path, &st), 0);
	mask = umask(0);
	umask(mask);
	cr_expect_eq(st.st_mode & 0777, 0644 & ~mask, "mode %o",
	    (unsigned)(st.st_mode & 0777));
	cr_assert_eq(pidfile_write(fd, getpid()), 0);
	read_file(pid_path, buf, sizeof(buf));
	snprintf(want, sizeof(want), "%ld\n", (long)getpid());
	cr_expect_str_eq(buf, want);

	/* A second open file description is refused, even in this process,
	 * and learns who holds the lock. */
	errno = 0;
	cr_expect_eq(pidfile_open(pid_path, &holder), -1);
	cr_expect_eq(errno, EEXIST);
	cr_expect_eq(holder, getpid());
	cr_expect_eq(pidfile_open(pid_path, NULL), -1);

	pidfile_remove(pid_path, fd);
	cr_expect_eq(access(pid_path, F_OK), -1, "pid file left behind");
	/* Released: the next start gets it. */
	fd = pidfile_open(pid_path, &holder);
	cr_expect_geq(fd, 0);
	pidfile_remove(pid_path, fd);
}

/* Locked but not yet written: the holder is unknown, not garbage. */
Test(pidfile, holder_unknown_before_write, .init = make_dir,
    .fini = remove_dir)
{
	pid_t holder = -1;
	int fd;

	fd = pidfile_open(pid_path, NULL);
	cr_assert_geq(fd, 0);
	cr_expect_eq(pidfile_open(pid_path, &holder), -1);
	cr_expect_eq(errno, EEXIST);
	cr_expect_eq(holder, 0);
	pidfile_remove(pid_path, fd);
}

/* A longer pid left by an earlier run is replaced, not overwritten in
 * place ("42\n" over "1234567\n" must not read "42\n4567\n"), and a stale
 * unlocked file does not stop a start. */
Test(pidfile, stale_file_replaced, .init = make_dir, .fini = remove_dir)
{
	char buf[64];
	pid_t holder = -1;
	int fd;

	write_file(pid_path, "1234567\n");
	fd = pidfile_open(pid_path, &holder);
	cr_assert_geq(fd, 0, "stale file refused: %s", strerror(errno));
	cr_assert_eq(pidfile_write(fd, 42), 0);
	read_file(pid_path, buf, sizeof(buf));
	cr_expect_str_eq(buf, "42\n");
	cr_assert_eq(pidfile_write(fd, 7), 0);
	read_file(pid_path, buf, sizeof(buf));
	cr_expect_str_eq(buf, "7\n");
	errno = 0;
	cr_expect_eq(pidfile_write(fd, 0), -1);
	cr_expect_eq(errno, EINVAL);
	pidfile_remove(pid_path, fd);
}

Test(pidfile, unreadable_holder_is_zero, .init = make_dir, .fini = remove_dir)
{
	pid_t holder = -1;
	int fd;

	fd = pidfile_open(pid_path, NULL);
	cr_assert_geq(fd, 0);
	write_file(pid_path, "not a pid\n");
	cr_expect_eq(pidfile_open(pid_path, &holder), -1);
	cr_expect_eq(holder, 0);
	write_file(pid_path, "-5\n");
	cr_expect_eq(pidfile_open(pid_path, &holder), -1);
	cr_expect_eq(holder, 0);
	write_file(pid_path, "99999999999999999999\n");
	cr_expect_eq(pidfile_open(pid_path, &holder), -1);
	cr_expect_eq(holder, 0);
	pidfile_remove(pid_path, fd);
}

Test(pidfile, symlink_not_followed, .init = make_dir, .fini = remove_dir)
{
	char target[128];

	snprintf(target, sizeof(target), "%s/moved", dir_path);
	cr_assert_eq(symlink(target, pid_path), 0);
	errno = 0;
	cr_expect_eq(pidfile_open(pid_path, NULL), -1);
	cr_expect_eq(errno, ELOOP);
	cr_expect_eq(access(target, F_OK), -1, "created through the symlink");
}

Test(pidfile, open_error_passed_on)
{
	pid_t holder = -1;

	errno = 0;
	cr_expect_eq(pidfile_open("/nonexistent/ringpush/x.pid", &holder), -1);
	cr_expect_eq(errno, ENOENT);
	cr_expect_eq(holder, 0);
}

/* Someone removed the file by hand and a new daemon made another: ours
 * to close, not theirs to lose. */
Test(pidfile, remove_leaves_a_replaced_file, .init = make_dir,
    .fini = remove_dir)
{
	char moved[128], buf[64];
	int fd;

	snprintf(moved, sizeof(moved), "%s/moved", dir_path);
	fd = pidfile_open(pid_path, NULL);
	cr_assert_geq(fd, 0);
	cr_assert_eq(rename(pid_path, moved), 0);
	write_file(pid_path, "4242\n");
	pidfile_remove(pid_path, fd);
	read_file(pid_path, buf, sizeof(buf));
	cr_expect_str_eq(buf, "4242\n");
	pidfile_remove(NULL, -1);
}

/*
 * The daemon's start: the first process takes the lock, forks, closes its
 * descriptor and exits, like the foreground parent of a daemon.  The lock
 * lives in the open file description the child inherited, so the child
 * still holds it, and a third process is refused and told the child's pid.
 */
Test(pidfile, lock_survives_fork_and_parent_exit, .init = make_dir,
    .fini = remove_dir)
{
	int ready[2], quit[2], status, fd;
	pid_t first, daemon_pid, holder = -1;
	char byte;

	cr_assert_eq(pipe(ready), 0);
	cr_assert_eq(pipe(quit), 0);
	first = fork();
	cr_assert_neq(first, -1);
	if (first == 0) {
		pid_t child;

		close(ready[0]);
		close(quit[1]);
		if ((fd = pidfile_open(pid_path, NULL)) == -1)
			_exit(10);
		if ((child = fork()) == -1)
			_exit(11);
		if (child == 0) {
			/* The daemon: writes its pid, says so, waits to be
			 * told to stop, then removes the file and says so. */
			if (pidfile_write(fd, getpid()) == -1)
				_exit(12);
			daemon_pid = getpid();
			if (write(ready[1], &daemon_pid, sizeof(daemon_pid)) !=
			    sizeof(daemon_pid))
				_exit(13);
			while (read(quit[0], &byte, 1) > 0)
				;
			pidfile_remove(pid_path, fd);
			(void)write(ready[1], "x", 1);
			_exit(0);
		}
		close(fd);
		_exit(0);
	}
	close(ready[1]);
	close(quit[0]);
	cr_assert_eq(waitpid(first, &status, 0), first);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "first process failed: status %d", status);
	cr_assert_eq(read(ready[0], &daemon_pid, sizeof(daemon_pid)),
	    sizeof(daemon_pid), "the daemon never reported");
	cr_expect_neq(daemon_pid, first);

	/* The process that took the lock is gone; the lock is not. */
	errno = 0;
	cr_expect_eq(pidfile_open(pid_path, &holder), -1);
	cr_expect_eq(errno, EEXIST);
	cr_expect_eq(holder, daemon_pid);

	/* The daemon stops: the file goes, the lock is free. */
	close(quit[1]);
	cr_assert_eq(read(ready[0], &byte, 1), 1);
	close(ready[0]);
	cr_expect_eq(access(pid_path, F_OK), -1);
	fd = pidfile_open(pid_path, &holder);
	cr_expect_geq(fd, 0, "lock not released: %s", strerror(errno));
	pidfile_remove(pid_path, fd);
}

/* A daemon that dies without cleaning up leaves the file but not the
 * lock: the kernel releases it with the last descriptor. */
Test(pidfile, crash_releases_lock, .init = make_dir, .fini = remove_dir)
{
	pid_t child, holder = -1;
	char buf[64], want[32];
	int status, fd;

	child = fork();
	cr_assert_neq(child, -1);
	if (child == 0) {
		if ((fd = pidfile_open(pid_path, NULL)) == -1 ||
		    pidfile_write(fd, getpid()) == -1)
			_exit(1);
		_exit(0);
	}
	cr_assert_eq(waitpid(child, &status, 0), child);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	read_file(pid_path, buf, sizeof(buf));
	snprintf(want, sizeof(want), "%ld\n", (long)child);
	cr_expect_str_eq(buf, want);
	fd = pidfile_open(pid_path, &holder);
	cr_expect_geq(fd, 0, "stale lock: %s", strerror(errno));
	cr_expect_eq(holder, 0);
	pidfile_remove(pid_path, fd);
}
