/*
 * log.c: the error log and the access log.
 *
 * Error log lines are "2026-11-26T04:16:00Z ringpushd[pid]: level: message",
 * each written with one write(2) so that lines from several processes
 * appending to one file never interleave.  Until log_open() is called they
 * go to standard error at level info.
 *
 * While the event loop runs (log_ring_mode), lines of both logs are
 * gathered in static buffers and written through the ring, so the loop
 * never waits on a disk; before and after it, and for fatal(), they are
 * written at once.  Nothing is allocated per line.
 *
 * Both remember the path they opened so that log_reopen() can follow a
 * log rotation (SIGUSR1): the new file is put in place on the same fd
 * number, so the logs never stop and nothing else needs telling.
 */

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LOG_LINE_MAX		2048
#define ACCESS_LOG_BUFSIZE	(256 * 1024)
#define ERROR_LOG_BUFSIZE	(64 * 1024)
#define LOG_FILE_MODE		0640

static int log_fd = STDERR_FILENO;
static enum log_level log_max = LOG_LEVEL_INFO;
static char log_file[PATH_MAX];		/* "" = stderr */

static int access_fd = -1;
static char access_file[PATH_MAX];	/* "" = stdout or none */
static int access_failing;	/* a write failed; said so once */

/*
 * A log stream's two buffers: lines are appended to one while the other
 * is written through the ring (log_ring_take / log_ring_done).  When the
 * filling buffer is full and nothing is in flight, both are written at
 * once, in order: only such a burst costs the loop a write(2).  When it is
 * full while the other is still in flight, writing it at once would put
 * its lines in the file ahead of older ones: error log lines are then
 * dropped and counted, and the count is logged once the write in flight
 * is done.
 *
 * A short ring write is resumed from where it stopped; should the rest
 * then fail, the file ends inside a line, and the next line written
 * starts with a newline of its own (torn) instead of gluing onto it.
 */
struct logbuf {
	char *bufs[2];
	size_t size;
	char *cur;
	size_t used;
	const char *ring_buf;	/* handed to the ring: [ring_off, ring_len) */
	size_t ring_off, ring_len;
	int busy;
	int torn;		/* the file ends inside a line */
	unsigned long dropped;	/* lines dropped behind a write in flight */
};

static char access_mem[2][ACCESS_LOG_BUFSIZE];
static char error_mem[2][ERROR_LOG_BUFSIZE];
static struct logbuf streams[LOG_STREAMS] = {
	[LOG_STREAM_ERROR] = { { error_mem[0], error_mem[1] }, ERROR_LOG_BUFSIZE,
	    error_mem[0], 0, NULL, 0, 0, 0 },
	[LOG_STREAM_ACCESS] = { { access_mem[0], access_mem[1] }, ACCESS_LOG_BUFSIZE,
	    access_mem[0], 0, NULL, 0, 0, 0 },
};
static int ring_mode;		/* the loop runs: buffer, write through the ring */

static const char *const log_level_names[] = {
	[LOG_LEVEL_ERROR] = "error",
	[LOG_LEVEL_WARN] = "warn",
	[LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_DEBUG] = "debug",
};

/* Open a log file and remember its path in file (PATH_MAX bytes). */
static int
log_open_file(const char *path, char *file)
{
	int fd;

	if (strlen(path) >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* Opened as root, possibly in a directory others may write: a
	 * symlink planted at path must not send the lines (or the O_CREAT)
	 * elsewhere. */
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    LOG_FILE_MODE);
	if (fd != -1 && file != NULL)
		strcpy(file, path);
	return fd;
}

int
log_open(const char *path, enum log_level level)
{
	int fd = STDERR_FILENO;
	char file[PATH_MAX] = "";

	if (level < LOG_LEVEL_ERROR || level > LOG_LEVEL_DEBUG) {
		errno = EINVAL;
		return -1;
	}
	if (path != NULL && strcmp(path, "-") != 0 &&
	    (fd = log_open_file(path, file)) == -1)
		return -1;
	log_close();
	log_fd = fd;
	log_max = level;
	memcpy(log_file, file, sizeof(log_file));
	return 0;
}

void
log_close(void)
{
	if (log_fd != STDERR_FILENO)
		close(log_fd);
	log_fd = STDERR_FILENO;
	log_max = LOG_LEVEL_INFO;
	log_file[0] = '\0';
}

int
log_level_parse(const char *s)
{
	int i;

	for (i = LOG_LEVEL_ERROR; i <= LOG_LEVEL_DEBUG; i++)
		if (strcmp(s, log_level_names[i]) == 0)
			return i;
	return -1;
}

/* Write all of buf; a log line is worth retrying after a short write. */
static int
write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
stream_fd(enum log_stream which)
{
	return which == LOG_STREAM_ERROR ? log_fd : access_fd;
}

/* Before the first bytes after a failure that cut a line: end it. */
static int
stream_untear(struct logbuf *b, int fd)
{
	if (!b->torn || fd == -1)
		return 0;
	b->torn = 0;
	return write_all(fd, "\n", 1);
}

/* Write out, at once, what the ring was handed but has not written, then
 * the filling buffer.  Returns -1 if a write failed (the lines are
 * dropped: the loop must not stall or grow memory behind a full disk). */
static int
stream_flush(struct logbuf *b, int fd)
{
	int rc = 0;

	if (!b->busy && b->ring_off < b->ring_len) {
		/* a resumed short write continues its own line */
		if (fd != -1 && write_all(fd, b->ring_buf + b->ring_off,
		    b->ring_len - b->ring_off) == -1)
			rc = -1;
		b->ring_off = b->ring_len = 0;
	}
	if (b->used > 0) {
		if (fd != -1 && (stream_untear(b, fd) == -1 ||
		    write_all(fd, b->cur, b->used) == -1))
			rc = -1;
		b->used = 0;
	}
	return rc;
}

/* Append len bytes (a whole line); -1 if a write it forced failed or the
 * line was dropped behind a write in flight. */
static int
stream_append(struct logbuf *b, int fd, const char *data, size_t len)
{
	size_t need = len + (b->torn ? 1 : 0);

	if (b->used + need > b->size) {
		if (b->busy) {
			b->dropped++;
			return -1;
		}
		if (stream_flush(b, fd) == -1)
			return -1;
	}
	if (need > b->size)
		return stream_untear(b, fd) == -1 ? -1 : write_all(fd, data, len);
	if (b->torn) {
		b->cur[b->used++] = '\n';
		b->torn = 0;
	}
	memcpy(b->cur + b->used, data, len);
	b->used += len;
	return 0;
}

/*
 * Format and write one line.  Control characters in the message become
 * \xNN so that text taken from requests cannot forge log lines.  errno is
 * preserved for the caller.
 */
static void
log_vwrite(const char *label, int with_errno, const char *fmt, va_list ap)
{
	char msg[LOG_LINE_MAX], line[LOG_LINE_MAX * 4 + 128];
	struct timespec ts;
	struct tm tm;
	size_t len, i;
	int saved = errno, n;

	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0)
		snprintf(msg, sizeof(msg), "(unprintable message)");
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	len = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%SZ", &tm);
	len += (size_t)snprintf(line + len, sizeof(line) - len,
	    " ringpushd[%ld]: %s: ", (long)getpid(), label);
	for (i = 0; msg[i] != '\0'; i++) {
		unsigned char ch = (unsigned char)msg[i];

		if (len > sizeof(line) - 64)
			break;
		if (ch < 0x20 || ch == 0x7f)
			len += (size_t)snprintf(line + len, sizeof(line) - len,
			    "\\x%02x", ch);
		else
			line[len++] = (char)ch;
	}
	if (with_errno)
		len += (size_t)snprintf(line + len, sizeof(line) - len,
		    ": %s", strerror(saved));
	/* snprintf() counts what did not fit: keep room for the newline. */
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	if (ring_mode)
		(void)stream_append(&streams[LOG_STREAM_ERROR], log_fd, line, len);
	else if (stream_untear(&streams[LOG_STREAM_ERROR], log_fd) == 0)
		(void)write_all(log_fd, line, len);
	errno = saved;
}

static void
log_at(enum log_level level, int with_errno, const char *fmt, va_list ap)
{
	if (level > log_max)
		return;
	log_vwrite(log_level_names[level], with_errno, fmt, ap);
}

void
log_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_at(LOG_LEVEL_ERROR, 1, fmt, ap);
	va_end(ap);
}

void
log_errx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_at(LOG_LEVEL_ERROR, 0, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_at(LOG_LEVEL_WARN, 0, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_at(LOG_LEVEL_INFO, 0, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_at(LOG_LEVEL_DEBUG, 0, fmt, ap);
	va_end(ap);
}

/* fatal lines are written whatever the level; requests already logged
 * are flushed before the exit. */
void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ring_mode = 0;
	log_vwrite("fatal", 1, fmt, ap);
	va_end(ap);
	(void)stream_flush(&streams[LOG_STREAM_ERROR], log_fd);
	access_log_flush();
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ring_mode = 0;
	log_vwrite("fatal", 0, fmt, ap);
	va_end(ap);
	(void)stream_flush(&streams[LOG_STREAM_ERROR], log_fd);
	access_log_flush();
	exit(1);
}

int
access_log_open(const char *path)
{
	char file[PATH_MAX] = "";
	int fd;

	if (path == NULL || strcmp(path, "off") == 0)
		fd = -1;
	else if (strcmp(path, "-") == 0)
		fd = STDOUT_FILENO;
	else if ((fd = log_open_file(path, file)) == -1)
		return -1;
	access_log_close();
	access_fd = fd;
	access_failing = 0;
	memcpy(access_file, file, sizeof(access_file));
	return 0;
}

void
access_log_close(void)
{
	access_log_flush();
	if (access_fd != -1 && access_fd != STDOUT_FILENO)
		close(access_fd);
	access_fd = -1;
	access_file[0] = '\0';
}

/*
 * On a failed write the buffered lines are dropped rather than kept: the
 * loop must not stall or grow memory behind a full disk.  The failure is
 * reported once, until a write succeeds again.
 */
static void
access_log_failed(void)
{
	if (!access_failing)
		log_err("access log");
	access_failing = 1;
}

void
log_ring_mode(int on)
{
	ring_mode = on;
	if (!on) {
		(void)stream_flush(&streams[LOG_STREAM_ERROR], log_fd);
		access_log_flush();
	}
}

int
log_ring_take(enum log_stream which, const char **buf, size_t *len, int *fd)
{
	struct logbuf *b = &streams[which];

	if (stream_fd(which) == -1 || b->busy)
		return 0;
	if (b->ring_off == b->ring_len) {
		if (b->used == 0)
			return 0;
		b->ring_buf = b->cur;
		b->ring_off = 0;
		b->ring_len = b->used;
		b->cur = b->cur == b->bufs[0] ? b->bufs[1] : b->bufs[0];
		b->used = 0;
	}
	*buf = b->ring_buf + b->ring_off;
	*len = b->ring_len - b->ring_off;
	*fd = stream_fd(which);
	b->busy = 1;
	return 1;
}

void
log_ring_done(enum log_stream which, int res)
{
	struct logbuf *b = &streams[which];

	b->busy = 0;
	if (res <= 0) {
		/* dropped, as a failed write at once would be; a short write
		 * before may have cut a line */
		if (b->ring_off > 0 && b->ring_buf[b->ring_off - 1] != '\n')
			b->torn = 1;
		if (which == LOG_STREAM_ACCESS)
			access_log_failed();
		b->ring_off = b->ring_len = 0;
	} else {
		if (which == LOG_STREAM_ACCESS)
			access_failing = 0;
		b->ring_off += (size_t)res;
		if (b->ring_off >= b->ring_len)
			b->ring_off = b->ring_len = 0;
	}
	if (which == LOG_STREAM_ERROR && b->dropped > 0) {
		unsigned long dropped = b->dropped;

		/* nothing is in flight now: this line goes out in order */
		b->dropped = 0;
		log_warn("%lu error log line%s dropped: logged faster than the "
		    "file took them", dropped, dropped == 1 ? "" : "s");
	}
}

int
log_ring_busy(void)
{
	return streams[LOG_STREAM_ERROR].busy || streams[LOG_STREAM_ACCESS].busy;
}

int
access_log_enabled(void)
{
	return access_fd != -1;
}

void
access_log_flush(void)
{
	if (stream_flush(&streams[LOG_STREAM_ACCESS], access_fd) == -1)
		access_log_failed();
	else if (access_fd != -1)
		access_failing = 0;
}

void
access_log_write(const char *line, int len)
{
	struct logbuf *b = &streams[LOG_STREAM_ACCESS];

	if (access_fd == -1 || len < 0)
		return;
	if (b->used + (size_t)len + 2 > b->size)
		access_log_flush();
	if (b->torn && (size_t)len + 2 <= b->size) {
		/* a failed write cut the last line in the file: end it */
		b->cur[b->used++] = '\n';
		b->torn = 0;
	}
	if ((size_t)len + 1 > b->size) {
		/* Longer than the whole buffer: straight out. */
		if (write_all(access_fd, line, (size_t)len) == -1 ||
		    write_all(access_fd, "\n", 1) == -1)
			access_log_failed();
		return;
	}
	memcpy(b->cur + b->used, line, (size_t)len);
	b->used += (size_t)len;
	b->cur[b->used++] = '\n';
}

/*
 * Put a freshly opened file at path on fd's number.  dup3 swaps it in
 * one step, so there is no moment without a log, and the number stays, so
 * nothing that copied it goes stale; O_CLOEXEC because dup2 would clear
 * it.  On failure the old file stays in use and the error log says so
 * (in the old file).
 */
static int
log_reopen_one(int fd, const char *path, const char *what)
{
	int new_fd, saved;

	if (path[0] == '\0' || fd == -1)
		return 0;	/* stderr, stdout or off: nothing was moved */
	if ((new_fd = log_open_file(path, NULL)) == -1)
		goto fail;
	if (dup3(new_fd, fd, O_CLOEXEC) == -1) {
		saved = errno;
		close(new_fd);
		errno = saved;
		goto fail;
	}
	close(new_fd);
	return 0;

fail:
	saved = errno;
	log_warn("cannot reopen %s %s: %s; still writing to the old file",
	    what, path, strerror(saved));
	errno = saved;
	return -1;
}

int
log_reopen(void)
{
	int rc = 0, saved = 0;

	/* Lines already logged belong to the old file. */
	(void)stream_flush(&streams[LOG_STREAM_ERROR], log_fd);
	access_log_flush();
	if (log_reopen_one(log_fd, log_file, "error log") == -1) {
		saved = errno;
		rc = -1;
	}
	if (log_reopen_one(access_fd, access_file, "access log") == -1) {
		if (rc == 0)
			saved = errno;
		rc = -1;
	}
	errno = saved;
	return rc;
}
