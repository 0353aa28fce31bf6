/*
 * pidlock.h: a lock word in memory shared between the worker processes
 * (workers > 1) that names its holder's pid, 0 when free.  It guards a
 * few dozen instructions at a time.  A holder killed while holding it
 * (SIGKILL) is found with kill(pid, 0) after a while of spinning, and its
 * lock taken over; the master, which reaps the dead, frees what such a
 * process held at once, before the pid can be reused.  No process-shared
 * mutex: a killed holder would leave everyone else waiting forever.
 */
#ifndef RINGPUSH_PIDLOCK_H
#define RINGPUSH_PIDLOCK_H

#include <stdint.h>
#include <sys/types.h>

void pidlock_lock(uint32_t *word);
void pidlock_unlock(uint32_t *word);
/* The master, once it has reaped pid: free the lock if pid held it.
 * Once reaped, a pid may name a new process, so kill(pid, 0) can no
 * longer tell that the holder died. */
void pidlock_clear_dead(uint32_t *word, pid_t pid);

#endif
