/*
 * log.h: the error log and the access log.
 *
 * The error log has levels; messages below the configured level are dropped
 * before formatting.  log_err and fatal append strerror(errno).  fatal and
 * fatalx exit with status 1 (RINGPUSHD_EXIT_FAILURE).
 */
#ifndef RINGPUSH_LOG_H
#define RINGPUSH_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

#define LOG_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Open the error log: NULL or "-" means stderr.  Returns 0 or -1 (errno). */
int log_open(const char *path, enum log_level level);
void log_close(void);
/* Parse "error", "warn", "info", "debug"; -1 when unknown. */
int log_level_parse(const char *s);

void log_err(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_errx(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_warn(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_info(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);
void fatal(const char *fmt, ...) LOG_PRINTF(1, 2) __attribute__((noreturn));
void fatalx(const char *fmt, ...) LOG_PRINTF(1, 2) __attribute__((noreturn));

/* Access log: NULL, "off" = none, "-" = stdout, else a file (append). */
int access_log_open(const char *path);
void access_log_close(void);
/* Write one preformatted line (without the newline); buffered, flushed by
 * access_log_flush() once per loop turn and at exit. */
void access_log_write(const char *line, int len);
void access_log_flush(void);
/* False when the access log is off: callers skip formatting lines. */
int access_log_enabled(void);
/*
 * The asynchronous path, for the event loop.  log_ring_mode(1): lines of
 * both logs are buffered; the loop hands them to the ring with
 * log_ring_take() (1 with the bytes and fd to write, 0 when there is
 * nothing to do or that stream has a write in flight) and reports each
 * write's result to log_ring_done().  log_ring_mode(0) writes out what is
 * left at once; log_ring_busy() says whether a write is in flight.
 */
enum log_stream { LOG_STREAM_ERROR, LOG_STREAM_ACCESS, LOG_STREAMS };
void log_ring_mode(int on);
int log_ring_take(enum log_stream which, const char **buf, size_t *len, int *fd);
void log_ring_done(enum log_stream which, int res);
int log_ring_busy(void);

/*
 * After a log rotation (SIGUSR1): flush the access log buffer, then open
 * the error log and access log paths again and put each new file on the
 * old descriptor number (dup3), so lines go to the file now at the path.
 * Logs on stderr/stdout or off are left alone.  A log that cannot be
 * reopened (missing directory, no permission after the privilege drop)
 * keeps its old file and a warning says so.  Returns 0, or -1 with errno
 * of the first failure.  Opens files: call it from the loop's signal
 * handling, not from a signal handler.
 */
int log_reopen(void);

#endif
