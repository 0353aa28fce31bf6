/*
 * test_log.c: error log line format, levels, strerror, fatal exits, and
 * the buffered access log.
 */

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/redirect.h>

#include "log.h"

static char log_path[64];

static void
make_log_path(void)
{
	int fd;

	snprintf(log_path, sizeof(log_path), "/tmp/ringpush-log-XXXXXX");
	fd = mkstemp(log_path);
	cr_assert_neq(fd, -1, "mkstemp: %s", strerror(errno));
	close(fd);
}

static void
remove_log_path(void)
{
	log_close();
	access_log_close();
	unlink(log_path);
}

/* The whole file, NUL-terminated; the caller frees it. */
static char *
slurp(const char *path, size_t *lenp)
{
	struct stat st;
	char *buf;
	int fd;

	fd = open(path, O_RDONLY);
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

/* Assert that text is exactly one error log line with this level and
 * message. */
static void
assert_log_line(const char *text, const char *level, const char *msg)
{
	char pattern[512];
	regex_t re;

	cr_assert_not_null(strstr(text, "\n"), "no newline: \"%s\"", text);
	snprintf(pattern, sizeof(pattern), "^[0-9]{4}-[01][0-9]-[0-3][0-9]T"
	    "[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z ringpushd\\[%ld\\]: %s: ",
	    (long)getpid(), level);
	cr_assert_eq(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
	cr_expect_eq(regexec(&re, text, 0, NULL, 0), 0, "\"%s\" !~ /%s/",
	    text, pattern);
	regfree(&re);
	cr_expect_eq(strchr(text, '\n') - text + 1, (long)strlen(text),
	    "more than one line: \"%s\"", text);
	cr_expect(strlen(text) > strlen(msg) + 1 &&
	    strncmp(text + strlen(text) - strlen(msg) - 1, msg,
	    strlen(msg)) == 0, "\"%s\" does not end with \"%s\"", text, msg);
}

Test(log, level_parse)
{
	cr_expect_eq(log_level_parse("error"), LOG_LEVEL_ERROR);
	cr_expect_eq(log_level_parse("warn"), LOG_LEVEL_WARN);
	cr_expect_eq(log_level_parse("info"), LOG_LEVEL_INFO);
	cr_expect_eq(log_level_parse("debug"), LOG_LEVEL_DEBUG);
	cr_expect_eq(log_level_parse(""), -1);
	cr_expect_eq(log_level_parse("INFO"), -1);
	cr_expect_eq(log_level_parse("warning"), -1);
	cr_expect_eq(log_level_parse("fatal"), -1);
	cr_expect_eq(log_level_parse("info "), -1);
}

Test(log, stderr_at_info_before_open, .init = cr_redirect_stderr)
{
	char buf[512];
	size_t n;
	FILE *f;

	log_debug("not shown");
	log_info("hello %d", 5);
	f = cr_get_redirected_stderr();
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	assert_log_line(buf, "info", "hello 5");
}

Test(log, file_levels_and_strerror, .init = make_log_path,
    .fini = remove_log_path)
{
	char *text, *line, *save, buf[512];

	cr_assert_eq(log_open(log_path, LOG_LEVEL_WARN), 0);
	log_info("dropped");
	log_debug("dropped");
	errno = ENOENT;
	log_err("open %s", "x");
	cr_expect_eq(errno, ENOENT, "log_err changed errno");
	log_errx("plain");
	log_warn("careful");
	log_close();

	text = slurp(log_path, NULL);
	cr_expect_null(strstr(text, "dropped"));
	line = strtok_r(text, "\n", &save);
	cr_assert_not_null(line);
	snprintf(buf, sizeof(buf), "%s\n", line);
	assert_log_line(buf, "error", "open x: No such file or directory");
	line = strtok_r(NULL, "\n", &save);
	cr_assert_not_null(line);
	snprintf(buf, sizeof(buf), "%s\n", line);
	assert_log_line(buf, "error", "plain");
	line = strtok_r(NULL, "\n", &save);
	cr_assert_not_null(line);
	snprintf(buf, sizeof(buf), "%s\n", line);
	assert_log_line(buf, "warn", "careful");
	cr_expect_null(strtok_r(NULL, "\n", &save));
	free(text);
}

Test(log, debug_level_shows_all, .init = make_log_path,
    .fini = remove_log_path)
{
	char *text;

	cr_assert_eq(log_open(log_path, LOG_LEVEL_DEBUG), 0);
	log_debug("d");
	log_info("i");
	log_close();
	text = slurp(log_path, NULL);
	cr_expect(strstr(text, ": debug: d\n") != NULL, "%s", text);
	cr_expect(strstr(text, ": info: i\n") != NULL, "%s", text);
	free(text);
}

Test(log, error_level_drops_warn, .init = make_log_path,
    .fini = remove_log_path)
{
	char *text;

	cr_assert_eq(log_open(log_path, LOG_LEVEL_ERROR), 0);
	log_warn("w");
	log_errx("e");
	log_close();
	text = slurp(log_path, NULL);
	cr_expect_null(strstr(text, "warn"));
	cr_expect(strstr(text, ": error: e\n") != NULL, "%s", text);
	free(text);
}

Test(log, control_characters_escaped, .init = make_log_path,
    .fini = remove_log_path)
{
	char *text;

	cr_assert_eq(log_open(log_path, LOG_LEVEL_INFO), 0);
	log_info("GET /a\nfake line\r\x7f");
	log_close();
	text = slurp(log_path, NULL);
	cr_expect(strstr(text, ": info: GET /a\\x0afake line\\x0d\\x7f\n") !=
	    NULL, "%s", text);
	cr_expect_eq(strchr(text, '\n') - text + 1, (long)strlen(text));
	free(text);
}

Test(log, long_message_is_one_line, .init = make_log_path,
    .fini = remove_log_path)
{
	static char big[100000];
	char *text;

	memset(big, '\n', sizeof(big) - 1);
	cr_assert_eq(log_open(log_path, LOG_LEVEL_INFO), 0);
	errno = EACCES;
	log_err("%s", big);
	log_info("after");
	log_close();
	text = slurp(log_path, NULL);
	/* Cut, escaped, but two lines all the same. */
	cr_expect_eq(strchr(text, '\n')[1] != '\0' &&
	    strstr(strchr(text, '\n') + 1, ": info: after\n") != NULL, 1,
	    "%.200s", text);
	cr_expect(strstr(text, "\\x0a\\x0a") != NULL);
	free(text);
}

Test(log, open_failure_keeps_previous, .init = make_log_path,
    .fini = remove_log_path)
{
	char *text;

	cr_assert_eq(log_open(log_path, LOG_LEVEL_INFO), 0);
	cr_expect_eq(log_open("/nonexistent/dir/error.log", LOG_LEVEL_DEBUG),
	    -1);
	cr_expect_eq(errno, ENOENT);
	cr_expect_eq(log_open(log_path, 7), -1);
	cr_expect_eq(errno, EINVAL);
	log_debug("still at info");
	log_info("still here");
	log_close();
	text = slurp(log_path, NULL);
	cr_expect_null(strstr(text, "still at info"));
	cr_expect(strstr(text, "still here") != NULL, "%s", text);
	free(text);
}

Test(log, log_close_returns_to_stderr, .init = cr_redirect_stderr)
{
	char buf[512];
	size_t n;

	make_log_path();
	cr_assert_eq(log_open(log_path, LOG_LEVEL_ERROR), 0);
	log_close();
	log_info("back");
	unlink(log_path);
	n = fread(buf, 1, sizeof(buf) - 1, cr_get_redirected_stderr());
	buf[n] = '\0';
	assert_log_line(buf, "info", "back");
}

/* Run fn in a child; return its exit status. */
static int
run_child(void (*fn)(void))
{
	int status;
	pid_t pid;

	pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		fn();
		_exit(99);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status), "child did not exit");
	return WEXITSTATUS(status);
}

static void
child_fatal(void)
{
	log_open(log_path, LOG_LEVEL_ERROR);
	access_log_open(log_path);
	access_log_write("pending", 7);
	errno = EACCES;
	fatal("cannot %s", "start");
}

static void
child_fatalx(void)
{
	log_open(log_path, LOG_LEVEL_ERROR);
	fatalx("bad config");
}

Test(log, fatal_exits_1_with_strerror, .init = make_log_path,
    .fini = remove_log_path)
{
	char *text;

	cr_expect_eq(run_child(child_fatal), 1);
	text = slurp(log_path, NULL);
	cr_expect(strstr(text, ": fatal: cannot start: Permission denied\n")
	    != NULL, "%s", text);
	/* The access log buffer is written before the exit. */
	cr_expect(strstr(text, "pending\n") != NULL, "%s", text);
	free(text);
}

Test(log, fatalx_exits_1, .init = make_log_path, .fini = remove_log_path)
{
	char *text;

	cr_expect_eq(run_child(child_fatalx), 1);
	text = slurp(log_path, NULL);
	cr_expect(strstr(text, ": fatal: bad config\n") != NULL, "%s", text);
	cr_expect_null(strstr(text, "bad config:"));
	free(text);
}

/* --- access log --- */

Test(access_log, buffered_until_flush, .init = make_log_path,
    .fini = remove_log_path)
{
	char *text;
	size_t len;

	cr_assert_eq(access_log_open(log_path), 0);
	access_log_write("a", 1);
	access_log_write("bcd-ignored", 3);
	access_log_write("", 0);
	access_log_write("x", -1);
	text = slurp(log_path, &len);
	cr_expect_eq(len, 0, "written before the flush: \"%s\"", text);
	free(text);
	access_log_flush();
	text = slurp(log_path, NULL);
	cr_expect_str_eq(text, "a\nbcd\n\n");
	free(text);
	/* A second flush with nothing new writes nothing. */
	access_log_flush();
	text = slurp(log_path, &len);
	cr_expect_eq(len, 7);
	free(text);
}

Test(access_log, full_buffer_flushes_first, .init = make_log_path,
    .fini = remove_log_path)
{
	char line[1000];
	char *text;
	size_t len;
	int i;

	cr_assert_eq(access_log_open(log_path), 0);
	/* 262 lines of 1000 bytes + newline: more than 256 KiB. */
	for (i = 0; i < 262; i++) {
		memset(line, 'a' + i % 26, sizeof(line));
		access_log_write(line, sizeof(line));
	}
	text = slurp(log_path, &len);
	cr_expect_eq(len, 261 * 1001, "len %zu", len);
	free(text);
	access_log_close();
	text = slurp(log_path, &len);
	cr_assert_eq(len, 262 * 1001);
	for (i = 0; i < 262; i++) {
		cr_expect_eq(text[i * 1001], 'a' + i % 26);
		cr_expect_eq(text[i * 1001 + 999], 'a' + i % 26);
		cr_expect_eq(text[i * 1001 + 1000], '\n');
	}
	free(text);
}

Test(access_log, line_larger_than_buffer, .init = make_log_path,
    .fini = remove_log_path)
{
	static char big[200000];
	char *text;
	size_t len;

	memset(big, 'z', sizeof(big));
	cr_assert_eq(access_log_open(log_path), 0);
	access_log_write("before", 6);
	access_log_write(big, sizeof(big));
	access_log_write("after", 5);
	access_log_flush();
	text = slurp(log_path, &len);
	cr_assert_eq(len, 7 + sizeof(big) + 1 + 6);
	cr_expect_eq(strncmp(text, "before\nzzz", 10), 0);
	cr_expect_eq(text[7 + sizeof(big)], '\n');
	cr_expect_str_eq(text + 7 + sizeof(big) + 1, "after\n");
	free(text);
}

Test(access_log, off_writes_nothing, .init = make_log_path,
    .fini = remove_log_path)
{
	char *text;
	size_t len;

	cr_assert_eq(access_log_open(log_path), 0);
	cr_assert_eq(access_log_open("off"), 0);
	access_log_write("x", 1);
	access_log_flush();
	cr_assert_eq(access_log_open(NULL), 0);
	access_log_write("y", 1);
	access_log_close();
	text = slurp(log_path, &len);
	cr_expect_eq(len, 0, "%s", text);
	free(text);
}

Test(access_log, reopen_flushes_previous, .init = make_log_path,
    .fini = remove_log_path)
{
	char *text;

	cr_assert_eq(access_log_open(log_path), 0);
	access_log_write("first", 5);
	cr_assert_eq(access_log_open("off"), 0);
	text = slurp(log_path, NULL);
	cr_expect_str_eq(text, "first\n");
	free(text);
}

Test(access_log, open_failure, .init = make_log_path,
    .fini = remove_log_path)
{
	char *text;

	cr_assert_eq(access_log_open(log_path), 0);
	cr_expect_eq(access_log_open("/nonexistent/dir/access.log"), -1);
	cr_expect_eq(errno, ENOENT);
	/* The log already open stays in use. */
	access_log_write("kept", 4);
	access_log_flush();
	text = slurp(log_path, NULL);
	cr_expect_str_eq(text, "kept\n");
	free(text);
}

Test(access_log, dash_is_stdout, .init = cr_redirect_stdout)
{
	cr_assert_eq(access_log_open("-"), 0);
	access_log_write("GET / 200", 9);
	access_log_close();
	fflush(stdout);
	cr_assert_stdout_eq_str("GET / 200\n");
}

/* The ring path: take hands out whole buffers in order, a short write's
 * rest comes back first, nothing is taken while a write is in flight. */
Test(access_log, ring_take_and_done_keep_order, .init = make_log_path,
    .fini = remove_log_path)
{
	const char *buf;
	size_t len;
	int fd;
	char *text;

	cr_assert_eq(access_log_open(log_path), 0);
	cr_assert_eq(log_ring_take(LOG_STREAM_ACCESS, &buf, &len, &fd), 0, "nothing to write yet");
	access_log_write("one", 3);
	access_log_write("two", 3);
	cr_assert_eq(log_ring_take(LOG_STREAM_ACCESS, &buf, &len, &fd), 1);
	cr_assert_eq(len, 8);
	cr_assert_eq(memcmp(buf, "one\ntwo\n", 8), 0);
	cr_assert(log_ring_busy());
	access_log_write("three", 5);
	cr_assert_eq(log_ring_take(LOG_STREAM_ACCESS, &buf, &len, &fd), 0, "one write at a time");
	/* the ring wrote 5 of 8 bytes */
	cr_assert_eq(write(fd, buf, 5), 5);
	log_ring_done(LOG_STREAM_ACCESS, 5);
	cr_assert(!log_ring_busy());
	cr_assert_eq(log_ring_take(LOG_STREAM_ACCESS, &buf, &len, &fd), 1);
	cr_assert_eq(len, 3);
	cr_assert_eq(memcmp(buf, "wo\n", 3), 0, "the rest of the short write first");
	cr_assert_eq(write(fd, buf, len), 3);
	log_ring_done(LOG_STREAM_ACCESS, 3);
	cr_assert_eq(log_ring_take(LOG_STREAM_ACCESS, &buf, &len, &fd), 1);
	cr_assert_eq(len, 6);
	cr_assert_eq(memcmp(buf, "three\n", 6), 0);
	cr_assert_eq(write(fd, buf, len), 6);
	log_ring_done(LOG_STREAM_ACCESS, 6);
	access_log_close();
	text = slurp(log_path, &len);
	cr_assert_eq(len, 14);
	cr_assert_eq(memcmp(text, "one\ntwo\nthree\n", 14), 0);
	free(text);
}

/* While the loop runs, error log lines wait for the ring too; leaving
 * ring mode writes out what is left, in order. */
Test(log, ring_mode_buffers_error_lines, .init = make_log_path,
    .fini = remove_log_path)
{
	const char *buf;
	size_t len;
	int fd;
	char *text;

	cr_assert_eq(log_open(log_path, LOG_LEVEL_INFO), 0);
	log_info("before");
	log_ring_mode(1);
	log_info("first");
	text = slurp(log_path, &len);
	cr_assert(strstr(text, "before") != NULL && strstr(text, "first") == NULL,
	    "a line written at once in ring mode: %s", text);
	free(text);
	cr_assert_eq(log_ring_take(LOG_STREAM_ERROR, &buf, &len, &fd), 1);
	cr_assert(memmem(buf, len, "info: first\n", 12) != NULL);
	cr_assert_eq(write(fd, buf, len), (ssize_t)len);
	log_ring_done(LOG_STREAM_ERROR, (int)len);
	log_warn("second");
	log_ring_mode(0);
	log_info("after");
	log_close();
	text = slurp(log_path, &len);
	cr_assert(strstr(text, "before") < strstr(text, "first") &&
	    strstr(text, "first") < strstr(text, "second") &&
	    strstr(text, "second") < strstr(text, "after"), "%s", text);
	free(text);
}
