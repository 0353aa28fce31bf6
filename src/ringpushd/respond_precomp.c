/*
 * respond_precomp.c: serving name.br, name.zst or name.gz in place of
 * name (see respond_precomp.h).
 *
 * A sibling opens exactly as a requested path does: openat2 below the
 * listener's root with its open_how (RESOLVE_BENEATH, symlinks as
 * follow_symlinks says), then it must be a regular file.  hidden_files
 * needs no check of its own: the sibling only adds a suffix to the last
 * name of a path that passed it.
 *
 * Lookups go through the open-file cache, under keys of their own (a
 * byte no request path can hold, then the sibling's path), and a sibling
 * that does not open is cached as well, as an entry without an fd.  So
 * within open_file_cache_valid a request pays no system call for a
 * sibling, present or absent; the cost of a miss is
 * one openat2 per encoding the client accepts, at most three.  That
 * openat2 runs on the loop's thread, not on the ring: a lookup the
 * dentry cache answers costs one system call (measured: 1.5 to 3 times a
 * getppid on the same machine), and it is paid once per
 * open_file_cache_valid per path.  With open_file_cache = 0 every
 * request pays it.  In user space the choice costs about 1,700
 * instructions a request (callgrind, "gzip, deflate, br, zstd" and three
 * cached absent siblings), mostly the three cache lookups and parsing the
 * field.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "file.h"
#include "respond_precomp.h"
#include "server.h"

/* Starts every sibling's cache key: decoded request paths never hold
 * control bytes, so these keys never meet a request's. */
#define PRECOMP_KEY_MARK '\x01'
/* the longest suffix, ".zst", and the mark */
#define PRECOMP_KEY_MAX (CONN_PATH_MAX + 5)

/* Open path (decoded, starting with '/') below the listener's root as a
 * request path opens.  Returns a blocking fd on a regular file, with its
 * fstat in *st, or -1. */
static int
open_sibling(const struct listener *l, const char *path, struct stat *st)
{
	static bool no_openat2;
	struct open_how how = l->open_how;
	const char *rel = path;
	long fd = -1;

	while (*rel == '/')
		rel++;
	if (!no_openat2) {
		fd = syscall(SYS_openat2, l->root->fd, rel, &how, sizeof(how));
		if (fd < 0 && errno == ENOSYS)
			no_openat2 = true;
	}
	/* the fallback follows no symlink at all: never looser */
	if (no_openat2) {
		fd = file_open_walk(l->root->fd, path);
		if (fd < 0)
			return -1;
	}
	if (fd < 0)
		return -1;
	/* O_NONBLOCK was for the open only (see respond_opened) */
	if (fstat((int)fd, st) == -1 || !S_ISREG(st->st_mode) ||
	    fcntl((int)fd, F_SETFL, 0) == -1) {
		close((int)fd);
		return -1;
	}
	return (int)fd;
}

static bool
not_older(const struct stat *sibling, const struct stat *file)
{
	if (sibling->st_mtim.tv_sec != file->st_mtim.tv_sec)
		return sibling->st_mtim.tv_sec > file->st_mtim.tv_sec;
	return sibling->st_mtim.tv_nsec >= file->st_mtim.tv_nsec;
}

/* Serve c->path plus e's suffix if it qualifies; true when c's file is
 * now the sibling. */
static bool
try_sibling(struct server *s, struct conn *c, enum encoding e,
    const struct stat *file, struct stat *sibling)
{
	static char key[PRECOMP_KEY_MAX];
	const char *suffix = encoding_suffix(e);
	size_t slen = strlen(suffix);
	struct fdcache_entry *entry;
	uint32_t klen;
	int fd;

	if (1 + c->path_len + slen + 1 > sizeof(key))
		return false;
	key[0] = PRECOMP_KEY_MARK;
	memcpy(key + 1, c->path, c->path_len);
	memcpy(key + 1 + c->path_len, suffix, slen + 1);
	klen = (uint32_t)(1 + c->path_len + slen);
	/* As for any file, the fstat made at the open stands while the
	 * entry is fresh (fdcache.h). */
	entry = fdcache_get(&s->files, c->lst, key, klen, s->now_ms);
	if (entry != NULL) {
		fd = entry->fd;
		*sibling = entry->st;
	} else {
		fd = open_sibling(c->lst, key + 1, sibling);
		entry = fdcache_put(&s->files, c->lst, key, klen, key + 1, klen - 1, fd,
		    s->now_ms);
		if (entry != NULL && fd >= 0)
			entry->st = *sibling;
	}
	if (fd < 0 || !not_older(sibling, file)) {
		if (entry != NULL)
			fdcache_release(&s->files, entry);
		else if (fd >= 0)
			close(fd);
		return false;
	}
	conn_file_put(s, c);
	c->file_fd = fd;
	c->file_entry = entry;
	return true;
}

bool
respond_precomp_pick(struct server *s, struct conn *c, const struct stat *file,
    enum encoding *chosen, struct stat *sibling)
{
	struct http_span all = {
		c->accept_encoding.len > 0 ? c->rbuf + c->accept_encoding.off : NULL,
		c->accept_encoding.len
	}, line;
	enum encoding order[ENCODING_COUNT];
	struct encoding_accept accept;
	/* The cache's hit and miss counters are of requested files (the
	 * metrics say so): sibling lookups leave them as they were. */
	uint64_t hits = s->files.hits, misses = s->files.misses;
	size_t pos = 0;
	unsigned n;

	if (!c->lst->conf->precompressed)
		return false;
	*chosen = ENCODING_COUNT;
	encoding_accept_init(&accept);
	while (http_field_lines_next(all, "accept-encoding", &pos, &line))
		encoding_accept_parse(&accept, line.p, line.len);
	n = encoding_order(&accept, order);
	for (unsigned i = 0; i < n; i++) {
		if (try_sibling(s, c, order[i], file, sibling)) {
			*chosen = order[i];
			break;
		}
	}
	s->files.hits = hits;
	s->files.misses = misses;
	return true;
}

void
respond_precomp_etag(char *etag, enum encoding e)
{
	size_t len = strlen(etag);
	const char *name = encoding_name(e);
	size_t nlen = strlen(name);

	/* "..." -> "...-name": the closing quote moves behind the name */
	if (len < 2 || etag[len - 1] != '"' || len + nlen + 2 > FILE_ETAG_MAX)
		return;
	etag[len - 1] = '-';
	memcpy(etag + len, name, nlen);
	etag[len + nlen] = '"';
	etag[len + nlen + 1] = '\0';
}
