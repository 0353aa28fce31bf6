/*
 * shm.h: what the workers of one daemon share (workers > 1): a segment
 * the master maps before it forks, MAP_SHARED, so every worker and every
 * respawned one sees the same memory.  It holds each worker's last
 * published counters, so /metrics on any worker can report the whole
 * daemon.
 *
 * One writer per slot (its worker), any number of readers: a sequence
 * count, odd while the slot is being written, lets a reader retry a copy
 * that a write overlapped (a seqlock), so nobody ever waits on a lock a
 * killed worker might hold.
 */
#ifndef RINGPUSH_SHM_H
#define RINGPUSH_SHM_H

#include <stdint.h>
#include "metrics.h"
#include "rate.h"

struct shm_slot {
	uint32_t seq;               /* odd while being written */
	struct metrics m;
};

struct shm {
	unsigned nworkers;
	struct rate_shared rate_total;  /* rate_total holds for the daemon */
	struct shm_slot slots[];    /* [worker - 1] */
};

/* Map a zeroed segment for n workers.  NULL with errno. */
struct shm *shm_create(unsigned n);
void shm_destroy(struct shm *shm);
/* Worker `worker` (1..n) publishes m. */
void shm_publish(struct shm *shm, unsigned worker, const struct metrics *m);
/* A consistent copy of worker `worker`'s last publication (zeros before
 * the first). */
void shm_read(const struct shm *shm, unsigned worker, struct metrics *out);

#endif
