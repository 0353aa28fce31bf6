/*
 * fdcache.c: the open-file cache (see fdcache.h): a hash of paths, an
 * LRU list for eviction, entries from a fixed pool.  Paths are copied at
 * insertion only, so a hit allocates nothing.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "fdcache.h"

static uint64_t
path_hash(const void *owner, const char *p, uint32_t len)
{
	uint64_t h = 0xcbf29ce484222325ull ^ (uint64_t)(uintptr_t)owner;

	for (uint32_t i = 0; i < len; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static void
list_unlink(struct fdcache_entry *e)
{
	e->prev->next = e->next;
	e->next->prev = e->prev;
	e->prev = e->next = e;
}

static void
list_append(struct fdcache_entry *head, struct fdcache_entry *e)
{
	e->prev = head->prev;
	e->next = head;
	head->prev->next = e;
	head->prev = e;
}

int
fdcache_init(struct fdcache *fc, unsigned capacity, uint64_t valid_ms)
{
	unsigned size = 1;

	memset(fc, 0, sizeof(*fc));
	fc->lru.prev = fc->lru.next = &fc->lru;
	fc->valid_ms = valid_ms;
	fc->spare_max = FDCACHE_SPARE_MAX;
	if (capacity == 0)
		return 0;
	while (size < capacity * 2)
		size <<= 1;
	/* Twice the capacity: evicted entries may still be held by
	 * transfers while new ones take their place. */
	fc->pool_size = capacity * 2;
	fc->pool = calloc(fc->pool_size, sizeof(*fc->pool));
	fc->buckets = calloc(size, sizeof(*fc->buckets));
	if (fc->pool == NULL || fc->buckets == NULL) {
		free(fc->pool);
		free(fc->buckets);
		memset(fc, 0, sizeof(*fc));
		return -1;
	}
	fc->capacity = capacity;
	fc->mask = size - 1;
	for (unsigned i = 0; i < fc->pool_size; i++) {
		fc->pool[i].fd = -1;
		fc->pool[i].next = fc->free;
		fc->free = &fc->pool[i];
	}
	return 0;
}

/* The entry is done with its kept body: freed now, or by the last
 * response still going out from it. */
static void
body_let_go(struct fdcache *fc, struct fdcache_body *b)
{
	if (b->users == 0) {
		free(b);
		return;
	}
	b->detached = true;
	fc->spare_bytes += b->len;
}

static void
entry_free(struct fdcache *fc, struct fdcache_entry *e)
{
	if (e->fd >= 0)
		close(e->fd);
	if (e->map != NULL)
		munmap(e->map, e->map_len);
	free(e->path);
	free(e->name);
	if (e->kept != NULL) {
		fc->body_bytes -= e->kept->len;
		body_let_go(fc, e->kept);
	}
	memset(e, 0, sizeof(*e));
	e->fd = -1;
	e->next = fc->free;
	fc->free = e;
}

void
fdcache_release(struct fdcache *fc, struct fdcache_entry *e)
{
	if (--e->refs == 0)
		entry_free(fc, e);
}

/* Take e out of the hash and the LRU list, dropping the table's ref. */
static void
table_remove(struct fdcache *fc, struct fdcache_entry *e)
{
	struct fdcache_entry **pp = &fc->buckets[e->hash & fc->mask];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	e->hnext = NULL;
	list_unlink(e);
	e->in_table = false;
	fc->used--;
	fdcache_release(fc, e);
}

struct fdcache_entry *
fdcache_get(struct fdcache *fc, const void *owner, const char *path,
    uint32_t path_len, uint64_t now_ms)
{
	uint64_t h;

	/* With the cache off every request opens its file: a miss too, so
	 * misses_total counts the opens whatever the setting. */
	if (fc->capacity == 0) {
		fc->misses++;
		return NULL;
	}
	h = path_hash(owner, path, path_len);
	for (struct fdcache_entry *e = fc->buckets[h & fc->mask]; e != NULL; e = e->hnext) {
		if (e->hash != h || e->owner != owner || e->path_len != path_len ||
		    memcmp(e->path, path, path_len) != 0)
			continue;
		if (now_ms - e->opened_ms >= fc->valid_ms) {
			table_remove(fc, e);
			break;
		}
		list_unlink(e);
		list_append(&fc->lru, e);
		e->refs++;
		fc->hits++;
		return e;
	}
	fc->misses++;
	return NULL;
}

struct fdcache_entry *
fdcache_put(struct fdcache *fc, const void *owner, const char *path,
    uint32_t path_len, const char *name, uint32_t name_len, int fd, uint64_t now_ms)
{
	struct fdcache_entry *e, **pp;
	uint64_t h;

	if (fc->capacity == 0)
		return NULL;
	h = path_hash(owner, path, path_len);
	/* a stale twin (a concurrent miss for the same path) makes way */
	for (pp = &fc->buckets[h & fc->mask]; *pp != NULL; pp = &(*pp)->hnext) {
		e = *pp;
		if (e->hash == h && e->owner == owner && e->path_len == path_len &&
		    memcmp(e->path, path, path_len) == 0) {
			table_remove(fc, e);
			break;
		}
	}
	if (fc->used >= fc->capacity)
		table_remove(fc, fc->lru.next);
	e = fc->free;
	if (e == NULL)
		return NULL;
	fc->free = e->next;
	e->path = malloc(path_len + 1);
	e->name = malloc(name_len + 1);
	if (e->path == NULL || e->name == NULL) {
		free(e->path);
		free(e->name);
		e->path = e->name = NULL;
		e->next = fc->free;
		fc->free = e;
		return NULL;
	}
	memcpy(e->path, path, path_len);
	e->path[path_len] = '\0';
	memcpy(e->name, name, name_len);
	e->name[name_len] = '\0';
	e->path_len = path_len;
	e->name_len = name_len;
	e->owner = owner;
	e->hash = h;
	e->fd = fd;
	e->opened_ms = now_ms;
	e->refs = 2;           /* the table and the caller */
	e->in_table = true;
	e->hnext = fc->buckets[h & fc->mask];
	fc->buckets[h & fc->mask] = e;
	list_append(&fc->lru, e);
	fc->used++;
	return e;
}

/* A body copy with no header in front yet. */
static struct fdcache_body *
body_new(const void *bytes, uint32_t len)
{
	struct fdcache_body *b = malloc(sizeof(*b) + FDCACHE_HEAD_ROOM + len);

	if (b == NULL)
		return NULL;
	b->users = 0;
	b->detached = false;
	b->hlen = 0;
	b->len = len;
	memcpy(fdcache_kept_bytes(b), bytes, len);
	return b;
}

bool
fdcache_keep_body(struct fdcache *fc, struct fdcache_entry *e,
    const void *bytes, uint32_t len)
{
	if (e->kept != NULL || !e->in_table || len == 0 ||
	    fc->body_bytes + len > fc->body_max)
		return false;
	if ((e->kept = body_new(bytes, len)) == NULL)
		return false;
	fc->body_bytes += len;
	return true;
}

struct fdcache_body *
fdcache_response(struct fdcache *fc, struct fdcache_entry *e, const char *head,
    uint32_t hlen)
{
	struct fdcache_body *b = e->kept;

	if (b == NULL || hlen == 0 || hlen > FDCACHE_HEAD_ROOM)
		return NULL;
	if (b->hlen != hlen ||
	    memcmp(fdcache_kept_bytes(b) - hlen, head, hlen) != 0) {
		if (b->users > 0) {
			/* responses in flight send the old header: a copy
			 * takes the new one (once a second for the Date) */
			struct fdcache_body *nb;

			if (fc->spare_bytes + b->len > fc->spare_max ||
			    (nb = body_new(fdcache_kept_bytes(b), b->len)) == NULL)
				return NULL;
			body_let_go(fc, b);
			e->kept = b = nb;
		}
		memcpy(fdcache_kept_bytes(b) - hlen, head, hlen);
		b->hlen = hlen;
	}
	b->users++;
	return b;
}

void
fdcache_response_end(struct fdcache *fc, struct fdcache_body *b)
{
	if (--b->users == 0 && b->detached) {
		fc->spare_bytes -= b->len;
		free(b);
	}
}

void
fdcache_drop(struct fdcache *fc, struct fdcache_entry *e)
{
	if (e->in_table)
		table_remove(fc, e);
}

void
fdcache_forget_name(struct fdcache *fc, const char *name, uint32_t name_len)
{
	struct fdcache_entry *e = fc->lru.next, *next;

	for (; e != &fc->lru; e = next) {
		next = e->next;
		if (e->name_len == name_len && memcmp(e->name, name, name_len) == 0)
			table_remove(fc, e);
	}
}

void
fdcache_flush(struct fdcache *fc)
{
	/* never initialised (a start that failed before fdcache_init):
	 * zeroed, and empty */
	if (fc->lru.next == NULL)
		return;
	while (fc->lru.next != &fc->lru)
		table_remove(fc, fc->lru.next);
}

void
fdcache_forget(struct fdcache *fc, const void *owner)
{
	struct fdcache_entry *e = fc->lru.next;

	while (e != &fc->lru) {
		/* table_remove() may free e, and the free list reuses its
		 * links */
		struct fdcache_entry *after = e->next;

		if (e->owner == owner)
			table_remove(fc, e);
		e = after;
	}
}

void
fdcache_free(struct fdcache *fc)
{
	fdcache_flush(fc);
	free(fc->pool);
	free(fc->buckets);
	memset(fc, 0, sizeof(*fc));
	fc->lru.prev = fc->lru.next = &fc->lru;
}
