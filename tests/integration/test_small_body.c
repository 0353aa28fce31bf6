/*
 * test_small_body.c: the files a response reads are not left
 * non-blocking.
 *
 * A path is opened with O_NONBLOCK so that a FIFO cannot make the open
 * wait for a writer.  Kept on a regular file, the flag turns every
 * IORING_OP_READ of a small body into -EAGAIN on a file system without
 * non-blocking buffered reads (io_uring does not retry a read the file
 * asked to be non-blocking), and such a read was taken for a file that
 * shrank.  The file system is not at hand in a test; the flag the reads
 * see is, in /proc/PID/fdinfo of the daemon, on the fd the open-file
 * cache keeps.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"

/* The status flags (octal, as fdinfo shows them) of the daemon's fd open
 * on path; -1 when it holds none. */
static long
daemon_fd_flags(const struct rp_daemon *d, const char *path)
{
	char dir[64], link[PATH_MAX], target[PATH_MAX];
	struct dirent *e;
	long flags = -1;
	DIR *fds;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)d->pid);
	fds = opendir(dir);
	cr_assert_not_null(fds, "%s", dir);
	while (flags < 0 && (e = readdir(fds)) != NULL) {
		char info[PATH_MAX], *text, *f;
		ssize_t n;

		if (e->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "%s/%s", dir, e->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (strcmp(target, path) != 0)
			continue;
		snprintf(info, sizeof(info), "/proc/%d/fdinfo/%s", (int)d->pid, e->d_name);
		text = rp_slurp(info, NULL);
		cr_assert_not_null(text, "%s", info);
		f = strstr(text, "flags:");
		cr_assert_not_null(f, "no flags in %s:\n%s", info, text);
		flags = strtol(f + strlen("flags:"), NULL, 8);
		free(text);
	}
	closedir(fds);
	return flags;
}

RP_ENGINE_TEST(small_body, files_read_for_a_response_are_blocking, .timeout = 60)
{
	static const char body[] = "a small body, read with IORING_OP_READ\n";
	char conf[4 * PATH_MAX], path[PATH_MAX], real[PATH_MAX];
	struct rp_daemon d;
	struct rp_response r;
	long flags;

	rp_setup(&d);
	rp_write_file(&d, "small.txt", body, sizeof(body) - 1);
	rp_make_file(&d, "big.bin", 1 << 20, 31);
	snprintf(conf, sizeof(conf),
	    "[daemon]\nerror_log = -\naccess_log = %s\nallow_root = yes\n"
	    "open_file_cache = 16\nopen_file_cache_valid = 1h\n\n"
	    "[listener test]\naddress = 127.0.0.1:0\nroot = %s\nengine = %s\n",
	    d.access_log, d.root, rp_engine);
	rp_start_conf(&d, conf);
	rp_get(&d, "/small.txt", &r);
	cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
	cr_assert(r.body_len == sizeof(body) - 1 && memcmp(r.body, body, r.body_len) == 0);
	rp_response_free(&r);
	rp_get(&d, "/big.bin", &r);
	cr_assert_eq(r.status, 200, "%s", rp_describe(&r));
	cr_assert_eq(rp_pattern_mismatch(31, 0, r.body, r.body_len), -1);
	rp_response_free(&r);

	rp_path(&d, "small.txt", path);
	cr_assert_not_null(realpath(path, real));
	flags = daemon_fd_flags(&d, real);
	cr_assert(flags >= 0, "the open-file cache holds no fd for %s", real);
	cr_assert((flags & O_NONBLOCK) == 0, "%s is read with O_NONBLOCK (flags 0%lo)", real, flags);
	rp_path(&d, "big.bin", path);
	cr_assert_not_null(realpath(path, real));
	flags = daemon_fd_flags(&d, real);
	cr_assert(flags >= 0, "the open-file cache holds no fd for %s", real);
	cr_assert((flags & O_NONBLOCK) == 0, "%s is read with O_NONBLOCK (flags 0%lo)", real, flags);
	rp_stop(&d);
}
