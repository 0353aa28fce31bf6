/*
 * fdcache.h: open files kept for reuse (open_file_cache).
 *
 * A request for a path a recent request opened reuses that fd instead of
 * another openat2 + close.  An entry is trusted for open_file_cache_valid
 * after its open; then the next request opens the path again, so a file
 * replaced by rename or removed is noticed within that time.  Size and
 * modification time are never cached: every request fstat()s the fd, so a
 * file that grew, shrank or changed in place is answered as it is now.
 *
 * Entries are reference counted: a transfer holds its entry, and an entry
 * evicted or expired while in use closes its fd only when the last
 * transfer ends.  Entries come from a pool made at start-up.
 */
#ifndef RINGPUSH_FDCACHE_H
#define RINGPUSH_FDCACHE_H

#include <stdbool.h>
#include <stdint.h>

struct fdcache_entry {
	const void *owner;            /* the listener: its root and rules */
	uint64_t hash;
	char *path;                   /* the request path (the key) */
	char *name;                   /* the file opened: path, or path + index */
	uint32_t path_len, name_len;
	int fd;
	uint64_t opened_ms;
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
 * fd. */
struct fdcache_entry *fdcache_put(struct fdcache *fc, const void *owner,
    const char *path, uint32_t path_len, const char *name, uint32_t name_len,
    int fd, uint64_t now_ms);
/* Drop the caller's reference. */
void fdcache_release(struct fdcache *fc, struct fdcache_entry *e);
/* Forget every entry that opened name (of any listener): the file was
 * replaced or removed through the daemon. */
void fdcache_forget(struct fdcache *fc, const char *name, uint32_t name_len);
/* Forget every entry (a reload: listeners and roots changed). */
void fdcache_flush(struct fdcache *fc);
void fdcache_free(struct fdcache *fc);

#endif
