/*
 * test_root.c: a root directory fd follows its path across the two ways a
 * deploy swaps a tree (a directory renamed over the path, a symbolic link
 * repointed), and keeps the old directory while the path names nothing.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "root.h"

static char top[64];               /* /tmp/rp-root-XXXXXX */

static void
make_top(void)
{
	snprintf(top, sizeof(top), "/tmp/rp-root-XXXXXX");
	cr_assert_not_null(mkdtemp(top));
}

static void
remove_top(void)
{
	char cmd[sizeof(top) + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(root, .init = make_top, .fini = remove_top);

/* top/rel */
static const char *
at(const char *rel)
{
	static char paths[4][PATH_MAX];
	static unsigned next;
	char *p = paths[next++ % 4];

	snprintf(p, PATH_MAX, "%s/%s", top, rel);
	return p;
}

/* A file name in the directory r holds, found through r's fd. */
static bool
holds(const struct root *r, const char *name)
{
	struct stat st;

	return fstatat(r->fd, name, &st, 0) == 0;
}

static bool
fd_open(int fd)
{
	return fcntl(fd, F_GETFD) != -1;
}

Test(root, a_directory_renamed_over_the_path_is_followed)
{
	struct root *r, *next;

	cr_assert_eq(mkdir(at("site"), 0755), 0);
	cr_assert_eq(mkdir(at("site/v1"), 0755), 0);
	cr_assert_eq(mkdir(at("new"), 0755), 0);
	cr_assert_eq(mkdir(at("new/v2"), 0755), 0);
	r = root_open(at("site"));
	cr_assert_not_null(r);
	cr_assert_eq(r->refs, 1);
	cr_assert_eq(root_follow(r, at("site"), &next), 0);
	cr_assert_null(next);

	cr_assert_eq(rename(at("site"), at("old")), 0);
	cr_assert_eq(rename(at("new"), at("site")), 0);
	cr_assert_eq(root_follow(r, at("site"), &next), 1);
	cr_assert_not_null(next);
	cr_assert(holds(next, "v2") && !holds(next, "v1"));
	cr_assert(holds(r, "v1"), "the old root still names the old tree");
	cr_assert_eq(root_follow(next, at("site"), &next), 0);
	root_put(r);
	root_put(next);
}

Test(root, a_repointed_symlink_is_followed)
{
	struct root *r, *next;

	cr_assert_eq(mkdir(at("v1"), 0755), 0);
	cr_assert_eq(mkdir(at("v1/one"), 0755), 0);
	cr_assert_eq(mkdir(at("v2"), 0755), 0);
	cr_assert_eq(mkdir(at("v2/two"), 0755), 0);
	cr_assert_eq(symlink("v1", at("current")), 0);
	r = root_open(at("current"));
	cr_assert_not_null(r);
	cr_assert(holds(r, "one"), "the root is the link's target");
	/* ln -sfn v2 tmp && mv -T tmp current */
	cr_assert_eq(symlink("v2", at("tmp")), 0);
	cr_assert_eq(rename(at("tmp"), at("current")), 0);
	cr_assert_eq(root_follow(r, at("current"), &next), 1);
	cr_assert(holds(next, "two"));
	root_put(r);
	r = next;
	/* pointed back: followed back */
	cr_assert_eq(symlink("v1", at("tmp")), 0);
	cr_assert_eq(rename(at("tmp"), at("current")), 0);
	cr_assert_eq(root_follow(r, at("current"), &next), 1);
	cr_assert(holds(next, "one"));
	root_put(r);
	root_put(next);
}

Test(root, a_path_naming_nothing_usable_keeps_the_old_root)
{
	struct root *r, *next;
	int fd;

	cr_assert_eq(mkdir(at("site"), 0755), 0);
	r = root_open(at("site"));
	cr_assert_not_null(r);
	cr_assert_eq(rename(at("site"), at("gone")), 0);
	errno = 0;
	cr_assert_eq(root_follow(r, at("site"), &next), -1);
	cr_assert_eq(errno, ENOENT);
	cr_assert_null(next);
	/* a file where the directory was */
	fd = open(at("site"), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	cr_assert_neq(fd, -1);
	close(fd);
	cr_assert_eq(root_follow(r, at("site"), &next), -1);
	cr_assert_eq(errno, ENOTDIR);
	/* a dangling link */
	cr_assert_eq(unlink(at("site")), 0);
	cr_assert_eq(symlink("nowhere", at("site")), 0);
	cr_assert_eq(root_follow(r, at("site"), &next), -1);
	cr_assert_eq(errno, ENOENT);
	/* the same directory back in place: nothing to swap */
	cr_assert_eq(unlink(at("site")), 0);
	cr_assert_eq(rename(at("gone"), at("site")), 0);
	cr_assert_eq(root_follow(r, at("site"), &next), 0);
	cr_assert_null(next);
	root_put(r);
}

Test(root, open_refuses_what_is_not_a_directory)
{
	int fd = open(at("file"), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);

	cr_assert_neq(fd, -1);
	close(fd);
	cr_assert_null(root_open(at("file")));
	cr_assert_eq(errno, ENOTDIR);
	cr_assert_null(root_open(at("missing")));
	cr_assert_eq(errno, ENOENT);
}

Test(root, the_fd_closes_with_the_last_reference)
{
	struct root *r = root_open(top), *held;
	int fd;

	cr_assert_not_null(r);
	fd = r->fd;
	held = root_get(r);
	cr_assert_eq(held, r);
	cr_assert_eq(r->refs, 2);
	root_put(r);
	cr_assert(fd_open(fd), "an open in flight still holds it");
	root_put(held);
	cr_assert(!fd_open(fd));
	root_put(NULL);
}
