/*
 * pidfile.h: the pid file, and the lock that keeps a second daemon from
 * starting on the same configuration.
 *
 * The lock, not the file's existence, says whether a daemon runs: a file
 * left behind by a crash is simply locked again by the next start.  The
 * lock is a flock(2) lock, which belongs to the open file description: it
 * stays held after fork() as long as any process keeps a descriptor for
 * it, so the daemon, not the process that took it, is what holds it.
 */
#ifndef RINGPUSH_PIDFILE_H
#define RINGPUSH_PIDFILE_H

#include <sys/types.h>

/*
 * Open or create path (mode 0644, O_CLOEXEC, never through a symlink) and
 * take the lock without waiting.  Returns the descriptor, which the caller
 * keeps open for the daemon's lifetime, or -1 with errno:
 *   EEXIST  another process holds the lock; *holder (when not NULL) is
 *           the pid written in the file, 0 when none is readable yet;
 *   EINVAL  path names something else than a regular file (a device, a
 *           FIFO, a directory), which the daemon would truncate and, at
 *           exit, unlink;
 *   other   open(2)/flock(2)/fstat(2)'s error; *holder is 0.
 * Call it before the fork and before privileges are dropped (the file
 * usually lives in a directory only root may write).
 */
int pidfile_open(const char *path, pid_t *holder);

/*
 * Replace the file's content with "PID\n": ftruncate to zero, then the
 * whole line in one pwrite at offset 0.  Call it in the daemon itself,
 * after the fork, with getpid().  Returns 0 or -1 with errno.
 */
int pidfile_write(int fd, pid_t pid);

/*
 * Unlink path if it still names the file fd locks, then close fd
 * (releasing the lock), at a clean exit.  The unlink comes first so that
 * no other process can lock the old file after this one lets go; it may
 * fail once privileges are dropped, which is harmless: an unlocked file
 * means no daemon.  With fd -1 nothing is done.  errno is preserved.
 */
void pidfile_remove(const char *path, int fd);

#endif
