/*
 * test_file_open_how.c: the open_how the daemon hands to
 * IORING_OP_OPENAT2 (file_open_how) is the one file_open_beneath() is
 * tested with, and follow_symlinks = no adds RESOLVE_NO_SYMLINKS.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "file.h"

Test(file_open_how, flags_and_resolve)
{
	struct open_how how;

	memset(&how, 0xff, sizeof(how));
	file_open_how(&how, true);
	cr_assert_eq(how.flags, (uint64_t)(O_RDONLY | O_CLOEXEC | O_NONBLOCK));
	cr_assert_eq(how.resolve, (uint64_t)(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS));
	cr_assert_eq(how.mode, 0);
	file_open_how(&how, false);
	cr_assert_eq(how.flags, (uint64_t)(O_RDONLY | O_CLOEXEC | O_NONBLOCK));
	cr_assert_eq(how.resolve,
	    (uint64_t)(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS));
}

/* With links refused, a link inside the root is refused too (ELOOP, which
 * the daemon answers 404), and a plain file still opens. */
Test(file_open_how, no_symlinks_refuses_links_inside)
{
	char dir[] = "/tmp/ringpush-how-XXXXXX", path[64];
	struct open_how how;
	long fd;
	int rootfd;
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/file", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/link", dir);
	cr_assert_eq(symlink("file", path), 0);
	rootfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	cr_assert_geq(rootfd, 0);

	file_open_how(&how, false);
	fd = syscall(SYS_openat2, rootfd, "file", &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS) {
		close(rootfd);
		unlink(path);
		snprintf(path, sizeof(path), "%s/file", dir);
		unlink(path);
		rmdir(dir);
		cr_skip_test("openat2 not supported here (old kernel or valgrind)");
	}
	cr_assert_geq(fd, 0, "file: %s", strerror(errno));
	close((int)fd);
	fd = syscall(SYS_openat2, rootfd, "link", &how, sizeof(how));
	cr_assert_eq(fd, -1);
	cr_assert_eq(errno, ELOOP, "link: %s", strerror(errno));
	file_open_how(&how, true);
	fd = syscall(SYS_openat2, rootfd, "link", &how, sizeof(how));
	cr_assert_geq(fd, 0, "link, followed: %s", strerror(errno));
	close((int)fd);

	close(rootfd);
	unlink(path);
	snprintf(path, sizeof(path), "%s/file", dir);
	unlink(path);
	rmdir(dir);
}
