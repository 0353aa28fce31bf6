/*
 * upload_file.c: an upload's file system side (see upload.h): the target's
 * directory, the new file (unnamed with O_TMPFILE where it can be linked,
 * else under a hidden random name), putting it in place, and the one
 * mapping of errno to an HTTP status for uploads.  Plain system calls on
 * the daemon's thread, one each per request, on a directory just
 * resolved; the body's bytes move in upload.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/openat2.h>

#include "file.h"
#include "log.h"
#include "respond.h"
#include "server.h"
#include "upload.h"

#define UPLOAD_TMP_PREFIX ".ringpush-upload."

/* How an O_TMPFILE gets its name, found out by the first upload:
 * through /proc/self/fd, with AT_EMPTY_PATH, or not at all (then new
 * files are made under hidden names). */
enum tmpfile_link { LINK_UNKNOWN, LINK_PROC, LINK_EMPTY_PATH, LINK_NONE };
static enum tmpfile_link tmpfile_link = LINK_UNKNOWN;

int
upload_errno_status(int err)
{
	switch (err) {
	case ENOENT:
	case ENOTDIR:
		return 409;     /* the parent is missing: parents are not made */
	case EXDEV:             /* RESOLVE_BENEATH: the path leaves the root */
	case ELOOP:             /* a symlink where none may be */
	case EACCES:
	case EPERM:
	case EROFS:
		return 403;
	case EEXIST:
	case EISDIR:
		return 409;
	case ENOSPC:
	case EDQUOT:
	case EFBIG:
		return 507;
	case ENAMETOOLONG:
		return 414;
	default:
		return respond_errno_status(err);
	}
}

static void
random_name(char out[UPLOAD_TMP_NAME_MAX])
{
	unsigned char r[6];

	if (getrandom(r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		static unsigned counter;
		unsigned v = (unsigned)getpid() ^ (++counter * 2654435761u);

		memcpy(r, &v, 4);
		r[4] = (unsigned char)(counter >> 8);
		r[5] = (unsigned char)counter;
	}
	snprintf(out, UPLOAD_TMP_NAME_MAX, UPLOAD_TMP_PREFIX "%02x%02x%02x%02x%02x%02x",
	    r[0], r[1], r[2], r[3], r[4], r[5]);
}

/* Give the unnamed file fd the name `name` in dir.  0 or -errno. */
static int
link_tmpfile(int fd, int dir, const char *name)
{
	char proc[64];

	if (tmpfile_link == LINK_PROC || tmpfile_link == LINK_UNKNOWN) {
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		if (linkat(AT_FDCWD, proc, dir, name, AT_SYMLINK_FOLLOW) == 0) {
			tmpfile_link = LINK_PROC;
			return 0;
		}
		if (errno == EEXIST || errno == ENOSPC || errno == EDQUOT ||
		    tmpfile_link == LINK_PROC)
			return -errno;
	}
	if (linkat(fd, "", dir, name, AT_EMPTY_PATH) == 0) {
		tmpfile_link = LINK_EMPTY_PATH;
		return 0;
	}
	return -errno;
}

int
upload_create_file(struct upload *u)
{
	int fd;

	if (tmpfile_link != LINK_NONE) {
		fd = openat(u->dir_fd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
		if (fd >= 0 && tmpfile_link == LINK_UNKNOWN) {
			/* the first one: can it be named at all? */
			char probe[UPLOAD_TMP_NAME_MAX];

			random_name(probe);
			if (link_tmpfile(fd, u->dir_fd, probe) == 0) {
				/* a file linked once cannot be linked again
				 * after its unlink: take a fresh one */
				unlinkat(u->dir_fd, probe, 0);
				close(fd);
				fd = openat(u->dir_fd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
			} else {
				log_info("upload: O_TMPFILE files cannot be linked "
				    "here: new files get hidden names");
				tmpfile_link = LINK_NONE;
				close(fd);
				fd = -1;
				errno = EOPNOTSUPP;
			}
		}
		if (fd >= 0)
			return fd;
		if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
			return -errno;
	}
	for (int tries = 0; tries < 8; tries++) {
		random_name(u->tmp_name);
		fd = openat(u->dir_fd, u->tmp_name,
		    O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (fd >= 0)
			return fd;
		if (errno != EEXIST)
			break;
	}
	u->tmp_name[0] = '\0';
	return -errno;
}

int
upload_publish(struct conn *c, bool overwrite)
{
	struct upload *u = &c->upload;
	const char *name = c->path + u->name_off;
	char tmp[UPLOAD_TMP_NAME_MAX];
	int err;

	if (u->tmp_name[0] != '\0') {
		/* a hidden name: rename, refusing to replace when told so */
		if (syscall(SYS_renameat2, u->dir_fd, u->tmp_name, u->dir_fd, name,
		    RENAME_NOREPLACE) == 0) {
			u->tmp_name[0] = '\0';
			return 201;
		}
		if (errno != EEXIST && errno != EINVAL && errno != ENOSYS)
			return upload_errno_status(errno);
		if (errno == EEXIST && !overwrite)
			return 409;
		if (renameat(u->dir_fd, u->tmp_name, u->dir_fd, name) == -1)
			return upload_errno_status(errno);
		u->tmp_name[0] = '\0';
		return 204;
	}
	err = link_tmpfile(u->tmp_fd, u->dir_fd, name);
	if (err == 0)
		return 201;
	if (err != -EEXIST)
		return upload_errno_status(-err);
	if (!overwrite)
		return 409;
	/* Replace: a hidden name first, then one rename over the old file,
	 * so a reader opens the old file or the new one, never neither. */
	random_name(tmp);
	err = link_tmpfile(u->tmp_fd, u->dir_fd, tmp);
	if (err != 0)
		return upload_errno_status(-err);
	if (renameat(u->dir_fd, tmp, u->dir_fd, name) == -1) {
		err = errno;
		unlinkat(u->dir_fd, tmp, 0);
		return upload_errno_status(err);
	}
	return 204;
}

int
upload_open_parent(struct conn *c)
{
	struct upload *u = &c->upload;
	struct open_how how = c->lst->open_how;
	char *slash = strrchr(c->path, '/');
	const char *rel;
	int fd;

	if (slash == NULL || slash[1] == '\0')
		return 409;     /* a directory: only files are uploaded */
	u->name_off = (uint32_t)(slash + 1 - c->path);
	*slash = '\0';
	rel = c->path;
	while (*rel == '/')
		rel++;
	if (*rel == '\0')
		rel = ".";
	how.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
	fd = (int)syscall(SYS_openat2, c->lst->root->fd, rel, &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS) {
		/* no openat2 (old kernels, valgrind): the stricter walk that
		 * follows no symlink, and a directory or nothing */
		struct stat st;

		fd = file_open_walk(c->lst->root->fd, rel);
		if (fd >= 0 && (fstat(fd, &st) == -1 || !S_ISDIR(st.st_mode))) {
			close(fd);
			fd = -ENOTDIR;
		}
		if (fd < 0)
			errno = -fd;
	}
	*slash = '/';
	if (fd < 0)
		return upload_errno_status(errno);
	u->dir_fd = fd;
	return 0;
}
