/*
 * root.c: a listener's root directory fd, reference counted, and the look
 * at its configured path that notices a tree swapped under it (see
 * root.h).  The look costs one stat(2) of the path; the directory is
 * opened only when the path names another one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "root.h"

struct root *
root_open(const char *path)
{
	struct root *r = calloc(1, sizeof(*r));
	struct stat st;

	if (r == NULL)
		return NULL;
	r->fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (r->fd == -1)
		goto fail;
	/* the identity of what was opened, not of what the path names by
	 * now: a swap between the open and this fstat is seen next time */
	if (fstat(r->fd, &st) == -1)
		goto fail;
	r->dev = st.st_dev;
	r->ino = st.st_ino;
	r->refs = 1;
	return r;
fail:
	{
		int saved = errno;

		if (r->fd >= 0)
			close(r->fd);
		free(r);
		errno = saved;
	}
	return NULL;
}

struct root *
root_get(struct root *r)
{
	r->refs++;
	return r;
}

void
root_put(struct root *r)
{
	if (r == NULL || --r->refs > 0)
		return;
	close(r->fd);
	free(r);
}

int
root_follow(const struct root *r, const char *path, struct root **next)
{
	struct stat st;
	struct root *n;

	*next = NULL;
	if (stat(path, &st) == -1)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	if (st.st_dev == r->dev && st.st_ino == r->ino)
		return 0;
	n = root_open(path);
	if (n == NULL)
		return -1;
	/* swapped back between the stat and the open */
	if (n->dev == r->dev && n->ino == r->ino) {
		root_put(n);
		return 0;
	}
	*next = n;
	return 1;
}
