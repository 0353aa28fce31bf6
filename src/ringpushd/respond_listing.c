/*
 * respond_listing.c: a directory without its index, answered with a
 * listing when the listener's autoindex says html or json.
 *
 * The directory is read on the daemon's thread, synchronously, with
 * getdents64 and one fstatat per entry: no io_uring operation reads a
 * directory (liburing 2.3 has none, and IORING_OP_GETDENTS never reached
 * the kernel).  autoindex_max_entries bounds that work: entries past it are
 * not even stat'ed, and the listing says it was cut.  The body is written
 * to a memfd and goes out like a file (READ + SEND when small, else the
 * listener's engine), so a long listing needs no buffer per connection.
 *
 * What is listed is what the daemon would serve: no dotfiles unless
 * hidden_files, no symlinks with follow_symlinks = no and none whose
 * target leaves the root, only regular files and directories.
 *
 * ETag and Last-Modified come from the directory itself (inode, size,
 * mtime): adding, removing or renaming an entry changes them, so
 * If-None-Match gives 304 until the directory changes.  A file that
 * changes in place changes only its own validators, not the listing's.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "file.h"
#include "http.h"
#include "listing.h"
#include "respond.h"
#include "server.h"

_Static_assert((int)AUTOINDEX_OFF == (int)LISTING_OFF && (int)AUTOINDEX_HTML == (int)LISTING_HTML &&
    (int)AUTOINDEX_JSON == (int)LISTING_JSON, "enum conf_autoindex follows enum listing_format");

#define LISTING_NAME_MAX 256            /* NAME_MAX and the NUL */
#define LISTING_DENTS_BUF (32 * 1024)
#define LISTING_OUT_BUF (64 * 1024)

struct dirent64_raw {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* Scratch kept across listings (one thread, one listing at a time): the
 * entries and their names, grown to the largest autoindex_max_entries
 * met, never per request. */
static struct listing_entry *scratch_entries;
static char *scratch_names;
static unsigned scratch_cap;
static char dents_buf[LISTING_DENTS_BUF] __attribute__((aligned(8)));
static char out_buf[LISTING_OUT_BUF];

static int
scratch_reserve(unsigned n)
{
	struct listing_entry *e;
	char *names;

	if (n <= scratch_cap)
		return 0;
	e = realloc(scratch_entries, (size_t)n * sizeof(*e));
	if (e == NULL)
		return -1;
	scratch_entries = e;
	names = realloc(scratch_names, (size_t)n * LISTING_NAME_MAX);
	if (names == NULL)
		return -1;
	scratch_names = names;
	scratch_cap = n;
	return 0;
}

void
respond_listing_free(void)
{
	free(scratch_entries);
	free(scratch_names);
	scratch_entries = NULL;
	scratch_names = NULL;
	scratch_cap = 0;
}

/* Open path (decoded, from '/') below the root as the listener's opens
 * do, with flags.  Where openat2 is missing as a system call (valgrind
 * 3.19 does not know it), file_open_beneath() walks the path instead and
 * follows no symlink at all.  Returns the fd or -errno. */
static int
open_below_root(const struct conn *c, const char *path, uint64_t flags)
{
	struct open_how how = c->lst->open_how;
	const char *rel = path;
	int fd;

	while (*rel == '/')
		rel++;
	if (*rel == '\0')
		rel = ".";
	how.flags = flags;
	how.mode = 0;
	fd = (int)syscall(SYS_openat2, c->lst->root->fd, rel, &how, sizeof(how));
	if (fd == -1 && errno == ENOSYS)
		return file_open_beneath(c->lst->root->fd, path);
	return fd >= 0 ? fd : -errno;
}

/* A symlink in the listed directory: where it leads, if the listener's
 * open (RESOLVE_BENEATH from the root) would follow it.  0 with *st
 * filled, or -1 when it would not be served. */
static int
stat_link_target(const struct conn *c, const char *name, struct stat *st)
{
	char path[CONN_PATH_MAX + LISTING_NAME_MAX];
	int fd, ok;

	if (c->lst->conf->follow_symlinks == SYMLINKS_NO)
		return -1;
	if ((size_t)snprintf(path, sizeof(path), "%s%s", c->path, name) >= sizeof(path))
		return -1;
	fd = open_below_root(c, path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ok = fstat(fd, st);
	close(fd);
	return ok;
}

/* Read up to max listable entries of dirfd into the scratch.  Returns
 * the count, with *truncated set when more were left; -errno on a read
 * error. */
static long
read_entries(const struct conn *c, int dirfd, unsigned max, bool *truncated)
{
	const struct conf_listener *cl = c->lst->conf;
	unsigned n = 0;

	*truncated = false;
	for (;;) {
		long got = syscall(SYS_getdents64, dirfd, dents_buf, sizeof(dents_buf));

		if (got < 0)
			return -errno;
		if (got == 0)
			return n;
		for (long off = 0; off < got;) {
			struct dirent64_raw *d = (struct dirent64_raw *)(dents_buf + off);
			const char *name = d->d_name;
			size_t len = strlen(name);
			struct stat st;

			off += d->d_reclen;
			if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
				continue;
			if (name[0] == '.' && !cl->hidden_files)
				continue;
			if (len >= LISTING_NAME_MAX)
				continue;
			if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
				continue;
			if (S_ISLNK(st.st_mode) && stat_link_target(c, name, &st) == -1)
				continue;
			/* FIFOs, sockets and devices answer 403: not listed. */
			if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
				continue;
			if (n == max) {
				*truncated = true;
				return n;
			}
			memcpy(scratch_names + (size_t)n * LISTING_NAME_MAX, name, len + 1);
			scratch_entries[n] = (struct listing_entry){
				.name = scratch_names + (size_t)n * LISTING_NAME_MAX,
				.name_len = (uint32_t)len,
				.dir = S_ISDIR(st.st_mode),
				.size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0,
				.mtime = st.st_mtim.tv_sec,
			};
			n++;
		}
	}
}

static int
flush_to_fd(void *arg, const char *p, size_t n)
{
	int fd = *(int *)arg;

	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

void
respond_listing(struct server *s, struct conn *c)
{
	const struct conf_listener *cl = c->lst->conf;
	struct listing_out out = { .buf = out_buf, .cap = sizeof(out_buf), .flush = flush_to_fd };
	struct http_request cond = { 0 };
	struct http_response r = { 0 };
	char etag[FILE_ETAG_MAX];
	struct stat st;
	bool truncated;
	int dirfd, memfd = -1, err;
	long n;

	/* c->path names the missing index: back to the directory. */
	c->path_len -= (uint32_t)strlen(cl->index);
	c->path[c->path_len] = '\0';
	c->opening_index = false;

	dirfd = open_below_root(c, c->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		respond_error(s, c, respond_errno_status(-dirfd), false);
		return;
	}
	if (fstat(dirfd, &st) == -1)
		goto fail_errno;
	/* the walk of file_open_beneath() has no O_DIRECTORY */
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		goto fail_errno;
	}

	file_etag((uint64_t)st.st_size, st.st_mtim.tv_sec,
	    (uint32_t)st.st_mtim.tv_nsec, etag);
	r.keep_alive = !c->close_after;
	r.announce_keep_alive = c->version_minor == 0;
	r.head = c->head;
	r.etag = etag;
	r.last_modified = st.st_mtim.tv_sec;
	c->file_off = c->file_end = 0;
	cond.method = c->head ? HTTP_HEAD : HTTP_GET;
	if (c->if_none_match.len > 0)
		cond.if_none_match = (struct http_span){ c->rbuf + c->if_none_match.off,
		    c->if_none_match.len };
	if (c->if_modified_since.len > 0)
		cond.if_modified_since = (struct http_span){ c->rbuf + c->if_modified_since.off,
		    c->if_modified_since.len };
	if (file_conditional(&cond, etag, st.st_mtim.tv_sec, s->now_sec) == 304) {
		close(dirfd);
		r.status = 304;
		respond_body(s, c, &r, 0);
		return;
	}

	if (scratch_reserve(cl->autoindex_max_entries) == -1) {
		errno = ENOMEM;
		goto fail_errno;
	}
	n = read_entries(c, dirfd, cl->autoindex_max_entries, &truncated);
	if (n < 0) {
		errno = (int)-n;
		goto fail_errno;
	}
	close(dirfd);
	dirfd = -1;
	listing_sort(scratch_entries, (size_t)n);

	memfd = memfd_create("ringpushd-listing", MFD_CLOEXEC);
	if (memfd == -1)
		goto fail_errno;
	out.arg = &memfd;
	if (listing_write(&out, (enum listing_format)cl->autoindex, c->path, c->path_len,
	    scratch_entries, (size_t)n, truncated) == -1) {
		errno = ENOMEM;
		goto fail_errno;
	}
	c->file_fd = memfd;
	c->file_entry = NULL;
	r.status = 200;
	r.content_type = cl->autoindex == AUTOINDEX_JSON ? "application/json" :
	    "text/html; charset=utf-8";
	r.content_length = out.total;
	respond_body(s, c, &r, 0);
	return;

fail_errno:
	err = errno;
	if (memfd >= 0)
		close(memfd);
	if (dirfd >= 0)
		close(dirfd);
	respond_error(s, c, respond_errno_status(err), false);
}
