/*
 * daemonize.c: one fork, a pipe for the start status, setsid, and
 * /dev/null on the standard descriptors once started.
 *
 * Unlike daemon(3), which detaches at once and so turns every later start
 * failure into a silent exit, the child here keeps the terminal until it
 * reports, and the parent turns the report into its exit status.
 */

#include <sys/resource.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "daemonize.h"
#include "log.h"

/*
 * The parent's side: read one status byte.  EOF, or any read error, means
 * the child died or gave up without a word: DAEMONIZE_NO_REPORT.  The
 * child is not waited for: a ready daemon lives on, and a failed one is
 * reaped by init once the parent has gone.
 */
static void __attribute__((noreturn))
daemonize_wait_report(int read_fd)
{
	unsigned char status;
	ssize_t n;

	do {
		n = read(read_fd, &status, 1);
	} while (n == -1 && errno == EINTR);
	_exit(n == 1 ? status : DAEMONIZE_NO_REPORT);
}

int
daemonize_start(int *report_fd)
{
	int fds[2];
	pid_t pid;

	*report_fd = -1;
	if (pipe2(fds, O_CLOEXEC) == -1)
		return -1;
	/* Buffered output would otherwise be written by both processes. */
	fflush(NULL);
	if ((pid = fork()) == -1) {
		int saved = errno;

		close(fds[0]);
		close(fds[1]);
		errno = saved;
		return -1;
	}
	if (pid != 0) {
		close(fds[1]);
		daemonize_wait_report(fds[0]);
	}
	close(fds[0]);
	/* A fresh child is never a process group leader, so this only fails
	 * on a broken kernel; say so on the terminal and fail the start. */
	if (setsid() == -1) {
		log_err("setsid");
		daemonize_ready(fds[1], DAEMONIZE_NO_REPORT);
		_exit(DAEMONIZE_NO_REPORT);
	}
	*report_fd = fds[1];
	return 0;
}

/*
 * A parent killed while waiting leaves a pipe without a reader, and the
 * write then raises SIGPIPE, which would kill a daemon that has not yet
 * ignored it.  So SIGPIPE is blocked around the write and a SIGPIPE it
 * raised is taken off the pending set before the mask is restored.
 */
void
daemonize_ready(int report_fd, int status)
{
	static const struct timespec no_wait = { 0, 0 };
	unsigned char byte = (unsigned char)status;
	sigset_t pipe_set, old_set;
	int saved = errno, blocked;
	ssize_t n;

	if (report_fd == -1)
		return;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	blocked = sigprocmask(SIG_BLOCK, &pipe_set, &old_set) == 0;
	/* One byte into a pipe never comes out short. */
	do {
		n = write(report_fd, &byte, 1);
	} while (n == -1 && errno == EINTR);
	if (blocked) {
		if (n == -1 && errno == EPIPE &&
		    !sigismember(&old_set, SIGPIPE))
			while (sigtimedwait(&pipe_set, NULL, &no_wait) == -1 &&
			    errno == EINTR)
				;
		sigprocmask(SIG_SETMASK, &old_set, NULL);
	}
	close(report_fd);
	errno = saved;
}

int
daemonize_detach_stdio(void)
{
	int fd, target, saved;

	if ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1)
		return -1;
	for (target = STDIN_FILENO; target <= STDERR_FILENO; target++) {
		/* dup2 clears close-on-exec on the target, as stdio wants. */
		if (fd != target && dup2(fd, target) == -1)
			goto fail;
	}
	if (fd > STDERR_FILENO)
		close(fd);
	else if (fcntl(fd, F_SETFD, 0) == -1)
		return -1;
	return 0;

fail:
	saved = errno;
	if (fd > STDERR_FILENO)
		close(fd);
	errno = saved;
	return -1;
}

int
daemonize_close_inherited(void)
{
	struct rlimit lim;
	unsigned fd;

	if (close_range(STDERR_FILENO + 1, ~0U, 0) == 0)
		return 0;
	if (errno != ENOSYS)
		return -1;
	/* Before Linux 5.9: one close per possible descriptor. */
	if (getrlimit(RLIMIT_NOFILE, &lim) == -1)
		return -1;
	for (fd = STDERR_FILENO + 1; fd < lim.rlim_cur && fd < (1U << 20); fd++)
		(void)close((int)fd);
	return 0;
}
