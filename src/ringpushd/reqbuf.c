/*
 * reqbuf.c: the request buffer pool (see reqbuf.h).
 *
 * Buffers are numbered; a bump index hands out the never-used ones, so
 * nothing is touched at start whatever the count.  The cold stack is
 * reserved the same way: it is touched only as far as buffers go cold.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "reqbuf.h"

static void *
reserve(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

int
reqbuf_init(struct reqbuf_pool *p, unsigned count, size_t size, unsigned kept)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	*p = (struct reqbuf_pool){ 0 };
	if (count == 0) {
		errno = EINVAL;
		return -1;
	}
	p->size = (size + page - 1) / page * page;
	p->kept = kept < count ? kept : count;
	p->arena = reserve((size_t)count * p->size);
	p->cold = reserve((size_t)count * sizeof(*p->cold));
	p->warm = calloc(p->kept + 1, sizeof(*p->warm));
	if (p->arena == NULL || p->cold == NULL || p->warm == NULL) {
		reqbuf_free(p);
		errno = ENOMEM;
		return -1;
	}
	p->count = count;
	return 0;
}

void
reqbuf_free(struct reqbuf_pool *p)
{
	if (p->arena != NULL)
		munmap(p->arena, (size_t)p->count * p->size);
	if (p->cold != NULL)
		munmap(p->cold, (size_t)p->count * sizeof(*p->cold));
	free(p->warm);
	*p = (struct reqbuf_pool){ 0 };
}

char *
reqbuf_get_cold(struct reqbuf_pool *p)
{
	uint32_t i;

	if (p->bumped < p->count)
		i = p->bumped++;
	else if (p->ncold > 0)
		i = p->cold[--p->ncold];
	else
		return NULL;
	if (++p->used > p->peak)
		p->peak = p->used;
	return p->arena + (size_t)i * p->size;
}

/* The memory goes back, the number stays for when a burst needs it
 * again. */
static void
go_cold(struct reqbuf_pool *p, char *buf)
{
	madvise(buf, p->size, MADV_DONTNEED);
	p->cold[p->ncold++] = (uint32_t)((size_t)(buf - p->arena) / p->size);
	p->given_back++;
}

/* Past the buffers kept warm. */
void
reqbuf_put_cold(struct reqbuf_pool *p, char *buf)
{
	p->used--;
	go_cold(p, buf);
}

/* The last second's busiest moment lent peak buffers while used are lent
 * now: peak - used warm ones cover the same again; the rest go cold. */
void
reqbuf_trim(struct reqbuf_pool *p)
{
	unsigned want = p->peak > p->used ? p->peak - p->used : 0;

	while (p->nwarm > want)
		go_cold(p, p->warm[--p->nwarm]);
	p->peak = p->used;
}
