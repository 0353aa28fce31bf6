/*
 * daemonize.h: going to the background without losing start-up errors.
 *
 * The process started from the terminal forks and waits; the child becomes
 * the daemon, finishes starting (configuration, listeners, pid file, ring,
 * privilege drop) with the terminal still on its standard error, and then
 * reports.  The waiting parent exits with what the child reported, so
 * `ringpushd && echo started` means started, and a failure after the fork
 * still prints on the terminal and still gives a non-zero status.
 */
#ifndef RINGPUSH_DAEMONIZE_H
#define RINGPUSH_DAEMONIZE_H

/* Reported by a child that started. */
#define DAEMONIZE_READY		0
/* The parent's exit status when the child ends without a report. */
#define DAEMONIZE_NO_REPORT	1

/*
 * Fork.  Stdio buffers are flushed first so that nothing is written twice.
 * The parent never returns: it waits for the child's report and _exits
 * with it (DAEMONIZE_READY, the child's status byte, or
 * DAEMONIZE_NO_REPORT when the child ends or closes the pipe first).
 * The child calls setsid() (it leaves the terminal's session and process
 * group: no SIGHUP or SIGINT from the terminal) and returns 0 with
 * *report_fd set to the write end of the pipe (close-on-exec).  Returns -1
 * with errno, before any fork, when the pipe or the fork fails.  The
 * working directory and umask are left alone: relative paths in the
 * configuration keep their meaning.
 */
int daemonize_start(int *report_fd);

/*
 * Report to the waiting parent and close report_fd: status 0
 * (DAEMONIZE_READY) once the daemon serves, else the exit status the
 * parent should give (1..255; only the low byte is sent).  report_fd -1
 * (foreground) does nothing, so callers need no branch.
 */
void daemonize_ready(int report_fd, int status);

/*
 * Point standard input, output and error at /dev/null, so that a closed
 * terminal cannot make a write fail or raise SIGPIPE/SIGHUP.  Call it in
 * the background daemon once it is ready and its logs are open, just
 * before daemonize_ready(..., 0).  Consequence: error_log = "-" (stderr)
 * and access_log = "-" (stdout) write nowhere in background mode; under a
 * service manager run in the foreground (-f) to keep them.  Returns 0, or
 * -1 with errno (then nothing was changed if /dev/null could not be
 * opened).
 */
int daemonize_detach_stdio(void);

/*
 * Close every descriptor above standard error.  Whatever the starting
 * process left open (the lock of flock(1), a pipe of a shell or a CI
 * runner) would otherwise stay open, and locked, for the daemon's whole
 * life.  Call it first, before anything is opened.  Returns 0, or -1
 * with errno.
 */
int daemonize_close_inherited(void);

#endif
