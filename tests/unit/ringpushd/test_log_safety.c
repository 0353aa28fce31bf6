/*
 * test_log_safety.c: log files are never opened through a symbolic link
 * (they are opened as root, in directories others may write), and the
 * error log's two ring buffers keep lines in order and whole.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "log.h"

static char dir[64], log_path[PATH_MAX], target[PATH_MAX], link_path[PATH_MAX];

static void
make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/ringpush-logsafe-XXXXXX");
	cr_assert_not_null(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
	snprintf(log_path, sizeof(log_path), "%s/error.log", dir);
	snprintf(target, sizeof(target), "%s/victim", dir);
	snprintf(link_path, sizeof(link_path), "%s/link.log", dir);
}

static void
remove_dir(void)
{
	log_ring_mode(0);
	log_close();
	access_log_close();
	unlink(log_path);
	unlink(target);
	unlink(link_path);
	rmdir(dir);
}

static char *
slurp(const char *path, size_t *lenp)
{
	struct stat st;
	char *buf;
	int fd = open(path, O_RDONLY);

	cr_assert_neq(fd, -1, "%s: %s", path, strerror(errno));
	cr_assert_eq(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	cr_assert_not_null(buf);
	cr_assert_eq(read(fd, buf, (size_t)st.st_size), st.st_size);
	buf[st.st_size] = '\0';
	close(fd);
	if (lenp != NULL)
		*lenp = (size_t)st.st_size;
	return buf;
}

Test(log_safety, error_log_through_a_symlink_is_refused, .init = make_dir,
    .fini = remove_dir)
{
	struct stat st;

	cr_assert_eq(symlink(target, link_path), 0);
	errno = 0;
	cr_assert_eq(log_open(link_path, LOG_LEVEL_INFO), -1);
	cr_expect_eq(errno, ELOOP);
	cr_expect(lstat(target, &st) == -1 && errno == ENOENT,
	    "the link's target was created");
}

Test(log_safety, access_log_through_a_symlink_is_refused, .init = make_dir,
    .fini = remove_dir)
{
	int fd = open(target, O_WRONLY | O_CREAT, 0600);
	struct stat st;

	cr_assert_neq(fd, -1);
	close(fd);
	cr_assert_eq(symlink(target, link_path), 0);
	errno = 0;
	cr_assert_eq(access_log_open(link_path), -1);
	cr_expect_eq(errno, ELOOP);
	access_log_write("x", 1);
	access_log_flush();
	cr_assert(stat(target, &st) == 0 && st.st_size == 0, "written through the link");
}

/* Numbers of the "line N" messages in text, in file order; checks that
 * every line is whole. */
static int
line_numbers(const char *text, int *out, int cap)
{
	int n = 0;

	for (const char *p = text; *p != '\0';) {
		const char *eol = strchr(p, '\n'), *m;

		cr_assert_not_null(eol, "a line without its end: \"%s\"", p);
		m = strstr(p, "warn: ");
		if (m != NULL && m < eol && strstr(m, "dropped") < eol) {
			/* the count of lines dropped, in its own line */
			p = eol + 1;
			continue;
		}
		m = strstr(p, "info: line ");
		cr_assert(m != NULL && m < eol, "not a whole line: \"%.*s\"",
		    (int)(eol - p), p);
		cr_assert(n < cap);
		out[n++] = atoi(m + strlen("info: line "));
		p = eol + 1;
	}
	return n;
}

/*
 * While one buffer is being written by the ring, the other fills up: its
 * lines must not reach the file ahead of the ones in flight.
 */
Test(log_safety, a_full_buffer_never_overtakes_the_one_in_flight,
    .init = make_dir, .fini = remove_dir)
{
	enum { MAX_LINES = 4000 };
	static int order[MAX_LINES];
	const char *buf;
	size_t len, text_len;
	int fd, i, n, next = 0;
	char *text;
	char filler[200];

	memset(filler, 'x', sizeof(filler) - 1);
	filler[sizeof(filler) - 1] = '\0';
	cr_assert_eq(log_open(log_path, LOG_LEVEL_INFO), 0);
	log_ring_mode(1);
	for (i = 0; i < 10; i++)
		log_info("line %d %s", next++, filler);
	/* handed to the ring; the write is still in flight */
	cr_assert_eq(log_ring_take(LOG_STREAM_ERROR, &buf, &len, &fd), 1);
	/* more than a whole buffer meanwhile */
	for (i = 0; i < 1000; i++)
		log_info("line %d %s", next++, filler);
	/* now the ring's write lands */
	cr_assert_eq(write(fd, buf, len), (ssize_t)len);
	log_ring_done(LOG_STREAM_ERROR, (int)len);
	while (log_ring_take(LOG_STREAM_ERROR, &buf, &len, &fd)) {
		cr_assert_eq(write(fd, buf, len), (ssize_t)len);
		log_ring_done(LOG_STREAM_ERROR, (int)len);
	}
	log_ring_mode(0);
	text = slurp(log_path, &text_len);
	n = line_numbers(text, order, MAX_LINES);
	cr_assert_gt(n, 10);
	for (i = 0; i < 10; i++)
		cr_assert_eq(order[i], i, "line %d written before line %d", order[i], i);
	for (i = 1; i < n; i++)
		cr_assert_gt(order[i], order[i - 1], "line %d written after line %d",
		    order[i], order[i - 1]);
	/* what could not wait is said, not lost silently */
	cr_assert(n == next || strstr(text, "lines dropped") != NULL, "%d of %d lines", n, next);
	free(text);
}

/*
 * A short write, then a failed one (a full disk): the rest of the cut line
 * is lost, and the next line must still start on a line of its own.
 */
Test(log_safety, a_short_then_failed_write_leaves_no_torn_line_behind,
    .init = make_dir, .fini = remove_dir)
{
	int order[16];
	const char *buf;
	size_t len, text_len;
	int fd;
	char *text;

	cr_assert_eq(log_open(log_path, LOG_LEVEL_INFO), 0);
	log_ring_mode(1);
	log_info("line 1");
	log_info("line 2");
	cr_assert_eq(log_ring_take(LOG_STREAM_ERROR, &buf, &len, &fd), 1);
	/* the ring wrote 10 bytes: the first line is cut */
	cr_assert_eq(write(fd, buf, 10), 10);
	log_ring_done(LOG_STREAM_ERROR, 10);
	cr_assert_eq(log_ring_take(LOG_STREAM_ERROR, &buf, &len, &fd), 1);
	log_ring_done(LOG_STREAM_ERROR, -ENOSPC);
	log_info("line 3");
	log_ring_mode(0);
	text = slurp(log_path, &text_len);
	{
		/* the cut line ends where it was cut; line 3 is whole */
		char *second = strchr(text, '\n');

		cr_assert_not_null(second, "\"%s\"", text);
		cr_assert_eq(line_numbers(second + 1, order, 16), 1, "\"%s\"", text);
		cr_assert_eq(order[0], 3);
	}
	free(text);
}
