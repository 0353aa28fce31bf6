/*
 * pidfile.c: the pid file and its lock.
 *
 * A start takes an exclusive flock on the file and keeps the descriptor
 * open until it exits; the kernel drops the lock whatever way the process
 * ends, so there is no stale-pid guessing.  The pid in the file is for
 * people and scripts (kill -HUP $(cat ...)); the lock is what decides.
 */

#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "pidfile.h"

#define PIDFILE_MODE		0644
/* "2147483647\n" and some slack for a hand-edited file. */
#define PIDFILE_READ_MAX	32
/* Tries to lock the file that path names while a daemon is exiting and
 * unlinking it under us; each lost race means the file was just removed,
 * so a few are plenty. */
#define PIDFILE_OPEN_TRIES	8

/* The pid written in fd's file, or 0 when there is none to read. */
static pid_t
pidfile_read(int fd)
{
	char buf[PIDFILE_READ_MAX + 1], *end;
	ssize_t n;
	long pid;

	do {
		n = pread(fd, buf, PIDFILE_READ_MAX, 0);
	} while (n == -1 && errno == EINTR);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	errno = 0;
	pid = strtol(buf, &end, 10);
	if (errno != 0 || end == buf || (*end != '\n' && *end != '\0') ||
	    pid <= 0 || pid > INT_MAX)
		return 0;
	return (pid_t)pid;
}

/*
 * Between open() and flock() an exiting daemon may unlink the file: the
 * lock taken then is on an inode nobody else will ever open, and a third
 * start would lock a new file at the same path.  So after locking, the
 * descriptor must still be the file that path names; otherwise start over.
 */
int
pidfile_open(const char *path, pid_t *holder)
{
	struct stat fd_st, path_st;
	int fd = -1, tries, saved;

	if (holder != NULL)
		*holder = 0;
	for (tries = 0; tries < PIDFILE_OPEN_TRIES; tries++) {
		/* O_NONBLOCK: a FIFO or a device at path must not hang the
		 * start before it is refused below. */
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW |
		    O_NOCTTY | O_NONBLOCK, PIDFILE_MODE);
		if (fd == -1)
			return -1;
		if (fstat(fd, &fd_st) == -1)
			goto fail;
		if (!S_ISREG(fd_st.st_mode)) {
			close(fd);
			errno = EINVAL;
			return -1;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
			if (errno != EWOULDBLOCK)
				goto fail;
			if (holder != NULL)
				*holder = pidfile_read(fd);
			close(fd);
			errno = EEXIST;
			return -1;
		}
		if (fstat(fd, &fd_st) == -1)
			goto fail;
		if (stat(path, &path_st) == 0 && fd_st.st_dev == path_st.st_dev &&
		    fd_st.st_ino == path_st.st_ino)
			return fd;
		close(fd);
		fd = -1;
	}
	/* The path kept changing under us: something else is at work. */
	errno = EAGAIN;
	return -1;

fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

/*
 * Why a reader never sees part of a pid: the file is first cut to zero
 * bytes, then the line goes in with one pwrite of a few bytes into the
 * first page.  A write to a regular file copies its bytes into the page
 * cache before it raises the file's size, and reads stop at the size, so a
 * concurrent reader sees either an empty file (no pid yet, as right after
 * creation) or the whole line — never a prefix, and never a new pid mixed
 * with the tail of a longer old one, which is what writing without the
 * ftruncate could leave.  Only the lock holder writes, so writers never
 * race.  A temporary file renamed over the path would be atomic too, but
 * the lock is on this inode: after a rename, path would name an unlocked
 * file that a second daemon could lock.
 */
int
pidfile_write(int fd, pid_t pid)
{
	char line[PIDFILE_READ_MAX];
	ssize_t n;
	int len;

	len = snprintf(line, sizeof(line), "%ld\n", (long)pid);
	if (pid <= 0 || len <= 0 || (size_t)len >= sizeof(line)) {
		errno = EINVAL;
		return -1;
	}
	if (ftruncate(fd, 0) == -1)
		return -1;
	do {
		n = pwrite(fd, line, (size_t)len, 0);
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;
	if (n != len) {
		/* Only a full disk does this to so few bytes. */
		errno = ENOSPC;
		return -1;
	}
	return 0;
}

/* Unlink only the file this fd locks: if someone removed it by hand and
 * another daemon created a new one, that one is not ours to delete. */
void
pidfile_remove(const char *path, int fd)
{
	struct stat fd_st, path_st;
	int saved = errno;

	if (fd == -1)
		return;
	if (path != NULL && fstat(fd, &fd_st) == 0 &&
	    lstat(path, &path_st) == 0 && fd_st.st_dev == path_st.st_dev &&
	    fd_st.st_ino == path_st.st_ino)
		(void)unlink(path);
	close(fd);
	errno = saved;
}
