/*
 * bufpool.c: a stack of equal buffers carved from one mapping (see
 * bufpool.h).
 */
#include <stdlib.h>
#include <sys/mman.h>
#include "bufpool.h"

int
bufpool_init(struct bufpool *bp, unsigned count, size_t size)
{
	bp->arena = NULL;
	bp->free = NULL;
	bp->nfree = bp->count = 0;
	bp->size = size;
	if (count == 0)
		return 0;
	bp->arena = mmap(NULL, (size_t)count * size, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (bp->arena == MAP_FAILED) {
		bp->arena = NULL;
		return -1;
	}
	bp->free = calloc(count, sizeof(*bp->free));
	if (bp->free == NULL) {
		munmap(bp->arena, (size_t)count * size);
		bp->arena = NULL;
		return -1;
	}
	for (unsigned i = count; i-- > 0;)
		bp->free[bp->nfree++] = bp->arena + (size_t)i * size;
	bp->count = count;
	return 0;
}

char *
bufpool_get(struct bufpool *bp)
{
	return bp->nfree > 0 ? bp->free[--bp->nfree] : NULL;
}

void
bufpool_put(struct bufpool *bp, char *buf)
{
	if (buf != NULL)
		bp->free[bp->nfree++] = buf;
}

void
bufpool_free(struct bufpool *bp)
{
	if (bp->arena != NULL)
		munmap(bp->arena, (size_t)bp->count * bp->size);
	free(bp->free);
	bp->arena = NULL;
	bp->free = NULL;
	bp->nfree = bp->count = 0;
}
