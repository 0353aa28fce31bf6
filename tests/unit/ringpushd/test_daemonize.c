/*
 * test_daemonize.c: running in the background.
 *
 * The start handshake between the terminal's process and the daemon, run
 * for real: the test forks a "terminal" process, which calls
 * daemonize_start() and so becomes the waiting parent, and the daemon it
 * forks reports back through a pipe of the test's own.  Then the standard
 * descriptors on /dev/null, and log_reopen(), which is how a background
 * daemon follows a log rotation.
 */

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "daemonize.h"
#include "log.h"

/* What the daemon tells the test about itself. */
struct daemon_info {
	pid_t pid;
	pid_t sid;
	pid_t pgrp;
	pid_t parent;	/* the process that called daemonize_start */
};

static int info_pipe[2];

/*
 * Fork the "terminal" process; in it, daemonize and run fn in the daemon,
 * which sends its daemon_info first.  Returns the terminal process's pid
 * (not yet waited for).
 */
static pid_t
start(void (*fn)(int report_fd))
{
	pid_t terminal;

	cr_assert_eq(pipe(info_pipe), 0);
	terminal = fork();
	cr_assert_neq(terminal, -1);
	if (terminal == 0) {
		struct daemon_info info;
		pid_t me = getpid();
		int report_fd = -2;

		close(info_pipe[0]);
		if (daemonize_start(&report_fd) == -1)
			_exit(99);
		if (report_fd < 0)
			_exit(98);
		info.pid = getpid();
		info.sid = getsid(0);
		info.pgrp = getpgrp();
		info.parent = me;
		if (write(info_pipe[1], &info, sizeof(info)) != sizeof(info))
			_exit(97);
		fn(report_fd);
		_exit(0);
	}
	close(info_pipe[1]);
	return terminal;
}

/* Wait for the terminal process; its exit status. */
static int
terminal_status(pid_t terminal)
{
	int status;

	cr_assert_eq(waitpid(terminal, &status, 0), terminal);
	cr_assert(WIFEXITED(status), "terminal process did not exit: %d",
	    status);
	return WEXITSTATUS(status);
}

static void
read_info(struct daemon_info *info)
{
	cr_assert_eq(read(info_pipe[0], info, sizeof(*info)),
	    (ssize_t)sizeof(*info), "the daemon never said who it is");
}

static void
report_ready(int report_fd)
{
	daemonize_ready(report_fd, DAEMONIZE_READY);
}

static void
report_3(int report_fd)
{
	daemonize_ready(report_fd, 3);
}

static void
report_nothing(int report_fd)
{
	close(report_fd);
}

Test(daemonize, ready_exits_0_and_daemon_leads_a_session)
{
	struct daemon_info info;
	pid_t terminal;

	terminal = start(report_ready);
	cr_expect_eq(terminal_status(terminal), 0);
	read_info(&info);
	close(info_pipe[0]);
	cr_expect_eq(info.parent, terminal);
	cr_expect_neq(info.pid, terminal, "no fork happened");
	cr_expect_eq(info.sid, info.pid, "daemon is not a session leader");
	cr_expect_eq(info.pgrp, info.pid, "daemon leads no process group");
	cr_expect_neq(info.sid, getsid(0));
}

Test(daemonize, failure_status_reaches_the_terminal)
{
	struct daemon_info info;

	cr_expect_eq(terminal_status(start(report_3)), 3);
	read_info(&info);
	close(info_pipe[0]);
}

/* A daemon that dies (or closes the pipe) before reporting. */
Test(daemonize, no_report_exits_1)
{
	struct daemon_info info;

	cr_expect_eq(terminal_status(start(report_nothing)), 1);
	read_info(&info);
	close(info_pipe[0]);
}

Test(daemonize, foreground_report_is_a_no_op)
{
	errno = EBADF + 1;
	daemonize_ready(-1, 0);
	cr_expect_eq(errno, EBADF + 1);
}

static int go_pipe[2];

/* Wait for the test's word, then report to a parent that is gone, with
 * SIGPIPE at its default (deadly) disposition, and say it survived. */
static void
report_to_dead_parent(int report_fd)
{
	char byte;

	signal(SIGPIPE, SIG_DFL);
	close(go_pipe[1]);
	if (read(go_pipe[0], &byte, 1) != 1)
		_exit(96);
	daemonize_ready(report_fd, DAEMONIZE_READY);
	(void)!write(info_pipe[1], "a", 1);
}

Test(daemonize, parent_killed_does_not_kill_the_daemon)
{
	struct daemon_info info;
	pid_t terminal;
	int status;
	char byte;

	cr_assert_eq(pipe(go_pipe), 0);
	terminal = start(report_to_dead_parent);
	close(go_pipe[0]);
	read_info(&info);
	cr_assert_eq(kill(terminal, SIGKILL), 0);
	cr_assert_eq(waitpid(terminal, &status, 0), terminal);
	cr_expect(WIFSIGNALED(status));
	cr_assert_eq(write(go_pipe[1], "g", 1), 1);
	close(go_pipe[1]);
	cr_expect_eq(read(info_pipe[0], &byte, 1), 1,
	    "the daemon died reporting to a parent that was gone");
	close(info_pipe[0]);
}

/* Whether fd is open on /dev/null and inherited across exec. */
static int
is_dev_null(int fd, const struct stat *null_st)
{
	struct stat st;
	int flags;

	if (fstat(fd, &st) == -1 || (flags = fcntl(fd, F_GETFD)) == -1)
		return 0;
	return S_ISCHR(st.st_mode) && st.st_rdev == null_st->st_rdev &&
	    !(flags & FD_CLOEXEC);
}

static int
count_fds(void)
{
	char path[64];
	int fd, n = 0;

	for (fd = 0; fd < 1024; fd++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (access(path, F_OK) == 0)
			n++;
	}
	return n;
}

/* In a child, so that the test runner keeps its own stdio. */
Test(daemonize, detach_stdio_points_at_dev_null)
{
	struct stat null_st;
	pid_t child;
	int status;

	cr_assert_eq(stat("/dev/null", &null_st), 0);
	child = fork();
	cr_assert_neq(child, -1);
	if (child == 0) {
		int before = count_fds(), fd;

		/* A closed stdin must not end up with /dev/null opened twice. */
		close(STDIN_FILENO);
		before--;
		if (daemonize_detach_stdio() == -1)
			_exit(10);
		for (fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++)
			if (!is_dev_null(fd, &null_st))
				_exit(11 + fd);
		if (count_fds() != before + 1)
			_exit(20);
		if (write(STDERR_FILENO, "x", 1) != 1)
			_exit(21);
		_exit(0);
	}
	cr_assert_eq(waitpid(child, &status, 0), child);
	cr_assert(WIFEXITED(status));
	cr_expect_eq(WEXITSTATUS(status), 0, "child check %d failed",
	    WEXITSTATUS(status));
}

/* --- log_reopen --- */

static char log_dir[64];

static void
make_log_dir(void)
{
	snprintf(log_dir, sizeof(log_dir), "/tmp/ringpush-reopen-XXXXXX");
	cr_assert_not_null(mkdtemp(log_dir), "mkdtemp: %s", strerror(errno));
}

static void
remove_log_dir(void)
{
	char cmd[128];

	log_close();
	access_log_close();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", log_dir);
	cr_expect_eq(system(cmd), 0);
}

static void
in_dir(char *buf, size_t cap, const char *name)
{
	snprintf(buf, cap, "%s/%s", log_dir, name);
}

/* The whole file, NUL-terminated, in a static buffer. */
static const char *
slurp(const char *path)
{
	static char buf[8192];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	cr_assert_neq(fd, -1, "%s: %s", path, strerror(errno));
	n = read(fd, buf, sizeof(buf) - 1);
	cr_assert_geq(n, 0);
	buf[n] = '\0';
	close(fd);
	return buf;
}

/* The descriptor open on path, or -1. */
static int
fd_of(const char *path)
{
	char link[64], target[PATH_MAX];
	ssize_t n;
	int fd;

	for (fd = 0; fd < 1024; fd++) {
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		if ((n = readlink(link, target, sizeof(target) - 1)) <= 0)
			continue;
		target[n] = '\0';
		if (strcmp(target, path) == 0)
			return fd;
	}
	return -1;
}

/* logrotate's default: rename, then signal; new lines go to the path. */
Test(log_reopen, follows_a_rename, .init = make_log_dir,
    .fini = remove_log_dir)
{
	char err[128], err_old[128], acc[128], acc_old[128];
	const char *text;
	int err_fd, acc_fd, fds;

	in_dir(err, sizeof(err), "error.log");
	in_dir(err_old, sizeof(err_old), "error.log.1");
	in_dir(acc, sizeof(acc), "access.log");
	in_dir(acc_old, sizeof(acc_old), "access.log.1");
	cr_assert_eq(log_open(err, LOG_LEVEL_INFO), 0);
	cr_assert_eq(access_log_open(acc), 0);
	log_info("before rotation");
	access_log_write("GET /old", 8);	/* still in the buffer */
	err_fd = fd_of(err);
	acc_fd = fd_of(acc);
	cr_assert_neq(err_fd, -1);
	cr_assert_neq(acc_fd, -1);

	cr_assert_eq(rename(err, err_old), 0);
	cr_assert_eq(rename(acc, acc_old), 0);
	fds = count_fds();
	cr_assert_eq(log_reopen(), 0, "log_reopen: %s", strerror(errno));
	cr_expect_eq(count_fds(), fds, "descriptors leaked or lost");
	log_info("after rotation");
	access_log_write("GET /new", 8);
	access_log_flush();

	text = slurp(err_old);
	cr_expect(strstr(text, "before rotation") != NULL, "%s", text);
	cr_expect_null(strstr(text, "after rotation"), "%s", text);
	text = slurp(err);
	cr_expect(strstr(text, "after rotation") != NULL, "%s", text);
	cr_expect_null(strstr(text, "before rotation"), "%s", text);
	cr_expect_str_eq(slurp(acc_old), "GET /old\n");
	cr_expect_str_eq(slurp(acc), "GET /new\n");

	/* Same numbers, still close-on-exec. */
	cr_expect_eq(fd_of(err), err_fd);
	cr_expect_eq(fd_of(acc), acc_fd);
	cr_expect(fcntl(err_fd, F_GETFD) & FD_CLOEXEC);
	cr_expect(fcntl(acc_fd, F_GETFD) & FD_CLOEXEC);
}

/* The directory went away: the old files stay in use and say why. */
Test(log_reopen, failure_keeps_the_old_file, .init = make_log_dir,
    .fini = remove_log_dir)
{
	char sub[128], moved[128], err[160], err_moved[160], acc[160],
	    acc_moved[160];
	const char *text;

	in_dir(sub, sizeof(sub), "sub");
	in_dir(moved, sizeof(moved), "moved");
	cr_assert_eq(mkdir(sub, 0700), 0);
	snprintf(err, sizeof(err), "%s/error.log", sub);
	snprintf(acc, sizeof(acc), "%s/access.log", sub);
	snprintf(err_moved, sizeof(err_moved), "%s/error.log", moved);
	snprintf(acc_moved, sizeof(acc_moved), "%s/access.log", moved);
	cr_assert_eq(log_open(err, LOG_LEVEL_INFO), 0);
	cr_assert_eq(access_log_open(acc), 0);
	cr_assert_eq(rename(sub, moved), 0);

	errno = 0;
	cr_expect_eq(log_reopen(), -1);
	cr_expect_eq(errno, ENOENT);
	log_info("still logging");
	access_log_write("GET /kept", 9);
	access_log_flush();
	text = slurp(err_moved);
	cr_expect(strstr(text, ": warn: cannot reopen error log ") != NULL,
	    "%s", text);
	cr_expect(strstr(text, ": warn: cannot reopen access log ") != NULL,
	    "%s", text);
	cr_expect(strstr(text, "still logging") != NULL, "%s", text);
	cr_expect_str_eq(slurp(acc_moved), "GET /kept\n");
	cr_expect_eq(access(err, F_OK), -1);
}

/* Standard streams and "off" have no path to follow. */
Test(log_reopen, streams_are_left_alone)
{
	int fds = count_fds();

	cr_assert_eq(log_open("-", LOG_LEVEL_INFO), 0);
	cr_assert_eq(access_log_open("off"), 0);
	cr_expect_eq(log_reopen(), 0);
	cr_assert_eq(access_log_open("-"), 0);
	cr_expect_eq(log_reopen(), 0);
	cr_expect_eq(count_fds(), fds);
	cr_expect_neq(fcntl(STDERR_FILENO, F_GETFD), -1);
	cr_expect_neq(fcntl(STDOUT_FILENO, F_GETFD), -1);
	access_log_close();
	log_close();
}

/* After log_close(), a reopen does not bring the old path back. */
Test(log_reopen, closed_logs_stay_closed, .init = make_log_dir,
    .fini = remove_log_dir)
{
	char err[128];

	in_dir(err, sizeof(err), "error.log");
	cr_assert_eq(log_open(err, LOG_LEVEL_INFO), 0);
	log_close();
	cr_assert_eq(unlink(err), 0);
	cr_expect_eq(log_reopen(), 0);
	cr_expect_eq(access(err, F_OK), -1, "reopened a closed log");
}
