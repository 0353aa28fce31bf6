/*
 * root.h: a listener's root directory, held open and followed when a
 * deploy swaps the tree.
 *
 * Request paths open below an O_PATH fd of the root, opened once from the
 * configured path.  A deploy that renames a new tree over that path, or
 * repoints a symbolic link the path names (`current` -> releases/v2),
 * leaves the fd naming the old directory.  root_follow() looks at the
 * path again (one stat) and opens the directory it names now when that is
 * another one (device and inode differ); the listener then swaps it in.
 *
 * A root is reference counted.  The listener holds one reference; an open
 * submitted on the ring below it holds another until it completes, so the
 * fd number it names stays this directory (a closed fd's number could be
 * reused by any other file) while a worker thread may still resolve it.
 */
#ifndef RINGPUSH_ROOT_H
#define RINGPUSH_ROOT_H

#include <sys/types.h>

struct root {
	int fd;                       /* O_PATH | O_DIRECTORY */
	dev_t dev;                    /* the directory it names */
	ino_t ino;
	unsigned refs;
};

/* Open the directory path names, with one reference.  NULL with errno
 * set (ENOTDIR for something else than a directory). */
struct root *root_open(const char *path);
/* Another reference to r. */
struct root *root_get(struct root *r);
/* Drop a reference; the last one closes the fd.  NULL is ignored. */
void root_put(struct root *r);

/* Look at path again.  0: it still names r's directory.  1: it names
 * another directory, opened into *next with one reference.  -1 with
 * errno set: it names nothing usable now (removed or renamed away in the
 * middle of a swap, not a directory, not searchable); r is all there is. */
int root_follow(const struct root *r, const char *path, struct root **next);

#endif
