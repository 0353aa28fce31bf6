/*
 * pidlock.c: the lock word the worker processes share (see pidlock.h).
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <unistd.h>
#include "pidlock.h"

/* Failed attempts at the lock between two looks at whether its holder
 * still lives. */
#define PIDLOCK_SPINS 4096

void
pidlock_lock(uint32_t *word)
{
	uint32_t me = (uint32_t)getpid(), free_word;

	for (unsigned spins = 1;; spins++) {
		free_word = 0;
		if (__atomic_compare_exchange_n(word, &free_word, me, false,
		    __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return;
		if (spins % PIDLOCK_SPINS == 0) {
			uint32_t holder = __atomic_load_n(word, __ATOMIC_RELAXED);

			/* a worker killed while it held the lock */
			if (holder != 0 && kill((pid_t)holder, 0) == -1 && errno == ESRCH &&
			    __atomic_compare_exchange_n(word, &holder, me, false,
			    __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
				return;
			sched_yield();
		}
	}
}

void
pidlock_unlock(uint32_t *word)
{
	__atomic_store_n(word, 0, __ATOMIC_RELEASE);
}

void
pidlock_clear_dead(uint32_t *word, pid_t pid)
{
	uint32_t dead = (uint32_t)pid;

	__atomic_compare_exchange_n(word, &dead, 0, false, __ATOMIC_RELEASE,
	    __ATOMIC_RELAXED);
}
