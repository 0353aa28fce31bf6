/*
 * fdcache.h: open files kept for reuse (open_file_cache).
 *
 * A request for a path a recent request opened reuses that fd instead of
 * another openat2 + close.  An entry is trusted for open_file_cache_valid
 * after its open; then the next request opens the path again, so a file
 * replaced by rename or removed is noticed within that time.  Its fstat()
 * at the open is trusted for as long (nginx's open_file_cache_valid rule):
 * a file that grows, shrinks or changes in place is seen as it is now
 * within that time too.  A small file's bytes may be kept with its entry
 * (file_cache_size bounds them all), read once right after the open and
 * kept only if fstat still agrees: a response from them is one whole
 * version of the file, never a mix.  A kept body has room in front for a
 * response header, so a response for the whole file goes out from that
 * memory in one SEND, with no copy (fdcache_response).
 *
 * Entries are reference counted: a transfer holds its entry, and an entry
 * evicted or expired while in use closes its fd only when the last
 * transfer ends.  Entries come from a pool made at start-up.
 */
#ifndef RINGPUSH_FDCACHE_H
#define RINGPUSH_FDCACHE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

/* Room in front of a kept body for a response header: a longer header
 * (many add_header lines) makes the response copy the body instead. */
#define FDCACHE_HEAD_ROOM 512

/* A kept body and the response header in front of it.  Each response in
 * flight from it holds it.  The header is rewritten in place only when
 * none is in flight; otherwise the entry takes a new copy with the new
 * header, and the old one, detached, is freed by its last user, as is a
 * copy whose entry was freed under it.  So a detached copy lives only as
 * long as a response going out from it, and new copies stop while the
 * detached ones hold FDCACHE_SPARE_MAX bytes: then a response copies its
 * body into a small-response buffer, whose pool is about that size. */
#define FDCACHE_SPARE_MAX (4u << 20)

struct fdcache_body {
	unsigned users;               /* responses in flight from it */
	bool detached;                /* no entry's: the last user frees it */
	uint32_t hlen;                /* header bytes in front; 0: none yet */
	uint32_t len;                 /* body bytes */
	char bytes[];                 /* FDCACHE_HEAD_ROOM bytes, then the body */
};

/* The body bytes of a kept copy. */
static inline char *
fdcache_kept_bytes(const struct fdcache_body *b)
{
	return (char *)b->bytes + FDCACHE_HEAD_ROOM;
}

struct fdcache_entry {
	const void *owner;            /* the listener: its root and rules */
	uint64_t hash;
	char *path;                   /* the request path (the key) */
	char *name;                   /* the file opened: path, or path + index */
	uint32_t path_len, name_len;
	int fd;                       /* -1: the path did not open (a
					 negative entry, see fdcache_put) */
	struct stat st;               /* fstat at the open, trusted while fresh */
	/* the ETag of st as respond.c formatted it, and the size and mtime
	 * it came from: formatted again when st no longer matches (the size
	 * is FILE_ETAG_MAX, file.h) */
	char etag[64];
	uint64_t etag_size;
	int64_t etag_mtime_sec;
	uint32_t etag_mtime_nsec;
	struct fdcache_body *kept;    /* the whole file, when kept; or NULL */
	/* engine mmap: the file mapped read-only (MAP_SHARED) by its first
	 * transfer, unmapped when the entry is freed; NULL until then */
	void *map;
	uint64_t map_len;
	uint64_t opened_ms;
	/* engine auto: the page cache held the whole file at a check made
	 * for one of its bodies; trusted, like st, for the entry's life */
	bool resident;
	unsigned refs;                /* users, plus one while in the table */
	bool in_table;
	struct fdcache_entry *hnext;  /* hash chain */
	struct fdcache_entry *prev, *next;  /* LRU list (in table) or free list */
};

struct fdcache {
	struct fdcache_entry *pool;
	struct fdcache_entry **buckets;
	struct fdcache_entry lru;     /* sentinel: lru.next is the oldest */
	struct fdcache_entry *free;
	unsigned capacity, used, pool_size, mask;
	uint64_t valid_ms;
	uint64_t hits, misses;
	size_t body_bytes, body_max;  /* kept bodies, and their bound */
	size_t spare_bytes, spare_max; /* detached copies, and their bound */
};

/* Room for capacity cached files (0 disables the cache).  0 or -1. */
int fdcache_init(struct fdcache *fc, unsigned capacity, uint64_t valid_ms);
/* A fresh entry for (owner, path), with a reference for the caller, or
 * NULL (counted as a miss).  An expired entry found on the way leaves the
 * table. */
struct fdcache_entry *fdcache_get(struct fdcache *fc, const void *owner,
    const char *path, uint32_t path_len, uint64_t now_ms);
/* Cache fd, just opened for path (as name).  Returns the entry with a
 * reference for the caller, who no longer closes fd itself; or NULL when
 * the cache is off or every entry is held by a transfer: the caller keeps
 * fd.  fd may be -1 to remember, for as long as an fd would be trusted,
 * that the path does not open (respond_precomp.c does, for siblings that
 * do not exist). */
struct fdcache_entry *fdcache_put(struct fdcache *fc, const void *owner,
    const char *path, uint32_t path_len, const char *name, uint32_t name_len,
    int fd, uint64_t now_ms);
/* Drop the caller's reference. */
void fdcache_release(struct fdcache *fc, struct fdcache_entry *e);
/* Keep a copy of the whole file's len bytes with e (in the table, no body
 * yet), within body_max.  false when not kept: the caller goes on as
 * before. */
bool fdcache_keep_body(struct fdcache *fc, struct fdcache_entry *e,
    const void *bytes, uint32_t len);
/* The whole kept body of e with the response header head[0..hlen) in
 * front of it, held for the caller (fdcache_response_end), who sends
 * hlen + b->len bytes from fdcache_kept_bytes(b) - hlen.
 * NULL when e keeps no body, the header does not fit, or a copy with a
 * new header would pass spare_max or finds no memory: the caller copies
 * the body. */
struct fdcache_body *fdcache_response(struct fdcache *fc, struct fdcache_entry *e,
    const char *head, uint32_t hlen);
/* A response from b has gone out, or will not. */
void fdcache_response_end(struct fdcache *fc, struct fdcache_body *b);
/* Take e out of the table (the file changed under it): the next request
 * opens the path again.  The caller's reference stays. */
void fdcache_drop(struct fdcache *fc, struct fdcache_entry *e);
/* Forget every entry that opened name (of any listener): the file was
 * replaced or removed through the daemon. */
void fdcache_forget_name(struct fdcache *fc, const char *name, uint32_t name_len);
/* Forget every entry (a reload: listeners and roots changed). */
void fdcache_flush(struct fdcache *fc);
/* Forget owner's entries (its root now names another tree).  Transfers
 * holding one keep it until they end. */
void fdcache_forget(struct fdcache *fc, const void *owner);
void fdcache_free(struct fdcache *fc);

#endif
