/*
 * shm.c: the segment the workers share, and its seqlock (see shm.h).
 * Written by hand rather than with a library: what is needed is a few
 * atomic loads and stores around a memcpy, and a process-shared mutex
 * would leave the other workers waiting forever on one killed while
 * holding it.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include "shm.h"

/* Copies a reader tries while writes overlap it: a write takes well
 * under a microsecond, so only a dead writer exhausts them. */
#define SHM_READ_TRIES 100000

static size_t
shm_size(unsigned n)
{
	return sizeof(struct shm) + (size_t)n * sizeof(struct shm_slot);
}

struct shm *
shm_create(unsigned n)
{
	struct shm *shm = mmap(NULL, shm_size(n), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (shm == MAP_FAILED)
		return NULL;
	/* anonymous mappings start zeroed */
	shm->nworkers = n;
	return shm;
}

void
shm_destroy(struct shm *shm)
{
	if (shm != NULL)
		munmap(shm, shm_size(shm->nworkers));
}

void
shm_publish(struct shm *shm, unsigned worker, const struct metrics *m)
{
	struct shm_slot *slot;
	uint32_t seq;

	if (worker == 0 || worker > shm->nworkers)
		return;
	slot = &shm->slots[worker - 1];
	seq = __atomic_load_n(&slot->seq, __ATOMIC_RELAXED);
	/* odd: its previous writer was killed in the middle */
	seq += seq & 1;
	__atomic_store_n(&slot->seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memcpy(&slot->m, m, sizeof(*m));
	__atomic_store_n(&slot->seq, seq + 2, __ATOMIC_RELEASE);
}

void
shm_read(const struct shm *shm, unsigned worker, struct metrics *out)
{
	const struct shm_slot *slot;
	uint32_t before, after;
	unsigned tries = 0;

	memset(out, 0, sizeof(*out));
	if (worker == 0 || worker > shm->nworkers)
		return;
	slot = &shm->slots[worker - 1];
	do {
		before = __atomic_load_n(&slot->seq, __ATOMIC_ACQUIRE);
		memcpy(out, &slot->m, sizeof(*out));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		after = __atomic_load_n(&slot->seq, __ATOMIC_RELAXED);
		/* a writer killed in the middle never finishes: take the
		 * copy as it is rather than wait for its successor */
	} while (((before & 1) != 0 || before != after) && ++tries < SHM_READ_TRIES);
}
