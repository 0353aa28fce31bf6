/*
 * reqbuf.h: the buffers a request is read into and its response header
 * built in, lent to a connection only while it has a request under way.
 *
 * An idle keep-alive connection holds none, so it costs its slot and the
 * kernel's socket, not a buffer.  The pool is one reserved mapping,
 * touched a buffer at a time; buffers handed back beyond the number kept
 * warm have their memory returned to the kernel (MADV_DONTNEED), so a
 * burst of large requests leaves nothing resident behind it.  The warm
 * ones themselves follow the load: once a second (reqbuf_trim), those
 * beyond what the last second's busiest moment needed go cold too, so
 * after a burst the pool settles at what is in use, while a steady load
 * keeps its buffers warm.
 */
#ifndef RINGPUSH_REQBUF_H
#define RINGPUSH_REQBUF_H

#include <stddef.h>
#include <stdint.h>

struct reqbuf_pool {
	char *arena;
	size_t size;            /* of one buffer, a multiple of the page */
	unsigned count;         /* buffers reserved */
	unsigned bumped;        /* [0, bumped) handed out at least once */
	unsigned used;          /* lent now */
	unsigned peak;          /* most lent at once since the last trim */
	/* handed back: warm ones keep their memory (at most kept of them),
	 * cold ones gave it back; the warm are lent first.  Warm ones are
	 * kept as pointers, the request path's case; cold ones as numbers,
	 * 4 bytes each even when a million are reserved. */
	char **warm;
	uint32_t *cold;
	unsigned nwarm, ncold, kept;
	unsigned long given_back; /* buffers whose memory went back */
};

/* count buffers of at least size bytes, kept of them kept warm when free.
 * 0, or -1 with errno. */
int reqbuf_init(struct reqbuf_pool *p, unsigned count, size_t size, unsigned kept);
void reqbuf_free(struct reqbuf_pool *p);
/* The slow paths of the two below: a buffer not warm, one going cold. */
char *reqbuf_get_cold(struct reqbuf_pool *p);
void reqbuf_put_cold(struct reqbuf_pool *p, char *buf);
/* Once a second: warm buffers beyond the peak's needs go cold. */
void reqbuf_trim(struct reqbuf_pool *p);

/* A buffer, or NULL when all count are lent.  Every keep-alive request
 * takes one and gives it back: the warm case is inline. */
static inline char *
reqbuf_get(struct reqbuf_pool *p)
{
	if (p->nwarm == 0)
		return reqbuf_get_cold(p);
	if (++p->used > p->peak)
		p->peak = p->used;
	return p->warm[--p->nwarm];
}

/* Hand back a buffer reqbuf_get() lent (NULL: nothing). */
static inline void
reqbuf_put(struct reqbuf_pool *p, char *buf)
{
	if (buf == NULL)
		return;
	if (p->nwarm == p->kept) {
		reqbuf_put_cold(p, buf);
		return;
	}
	p->used--;
	p->warm[p->nwarm++] = buf;
}
/* Buffers not lent now: the warm and cold ones, and those never touched. */
static inline unsigned reqbuf_free_count(const struct reqbuf_pool *p) { return p->count - p->used; }

#endif
