/*
 * timer.h: connection deadlines.
 *
 * Deadlines live in lists keyed by their duration: every node on a list
 * was set with the same duration, so appending at the tail keeps the list
 * sorted by expiry, setting, moving and clearing a deadline is O(1), and
 * expiry only looks at list heads.  A kind's duration may change at any
 * time (a reload): new deadlines then go to the list of the new duration
 * while the old ones run out on theirs, so a shorter timeout is never
 * queued behind deadlines of the longer one.  One ring timeout (a
 * periodic tick) drives timer_pop_expired(); there is no timeout SQE per
 * operation.
 */
#ifndef RINGPUSH_TIMER_H
#define RINGPUSH_TIMER_H

#include <stdint.h>

enum timer_kind {
	TIMER_HEADER,
	TIMER_IDLE,
	TIMER_SEND,
	TIMER_THROTTLE,    /* a rate-limited transfer waits for the next tick */
	TIMER_KINDS
};

/*
 * Lists for distinct durations at one time: one per kind, and as many
 * again for deadlines that still run on durations from before reloads.
 * Should even more durations be in use at once (many reloads within the
 * longest timeout), a deadline is inserted in order into the list of the
 * nearest duration: still exact, only no longer O(1).
 */
#define TIMER_LISTS (2 * TIMER_KINDS)

struct timer_node {
	struct timer_node *prev, *next;
	uint64_t expires_ms;
	int kind;                     /* -1 when not on a list */
};

struct timer_list {
	struct timer_node head;       /* circular sentinel */
	uint64_t duration_ms;         /* of the deadlines appended to it */
};

struct timer_lists {
	struct timer_list lists[TIMER_LISTS];
	/* in force for new deadlines; may be changed at any time */
	uint64_t duration_ms[TIMER_KINDS];
	/* the list each kind's deadlines went to last, used again while its
	 * duration is the kind's (NULL: none yet) */
	struct timer_list *list_of[TIMER_KINDS];
};

void timer_init(struct timer_lists *t, uint64_t header_ms, uint64_t idle_ms, uint64_t send_ms);
void timer_node_init(struct timer_node *n);
/* (Re)start n as a deadline of the given kind, now_ms + that duration. */
void timer_set(struct timer_lists *t, struct timer_node *n, enum timer_kind kind, uint64_t now_ms);
void timer_clear(struct timer_node *n);
/* Remove and return the node whose deadline is earliest, if it is at or
 * before now_ms; NULL when none is due.  *kind says which deadline it
 * was. */
struct timer_node *timer_pop_expired(struct timer_lists *t, uint64_t now_ms, enum timer_kind *kind);

/* Microseconds and milliseconds on the monotonic clock. */
uint64_t timer_now_us(void);
uint64_t timer_now_ms(void);

#endif
