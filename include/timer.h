/*
 * timer.h: connection deadlines.
 *
 * Each deadline kind (header, idle, send) has a fixed duration, so a list
 * per kind appended at the tail stays sorted by expiry: setting, moving and
 * clearing a deadline is O(1), and expiry only looks at list heads.  One
 * ring timeout (a periodic tick) drives timer_expire(); there is no timeout
 * SQE per operation.
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

struct timer_node {
	struct timer_node *prev, *next;
	uint64_t expires_ms;
	int kind;                     /* -1 when not on a list */
};

struct timer_lists {
	struct timer_node head[TIMER_KINDS];   /* circular sentinels */
	uint64_t duration_ms[TIMER_KINDS];
};

void timer_init(struct timer_lists *t, uint64_t header_ms, uint64_t idle_ms, uint64_t send_ms);
void timer_node_init(struct timer_node *n);
/* (Re)start n as a deadline of the given kind, now_ms + that duration. */
void timer_set(struct timer_lists *t, struct timer_node *n, enum timer_kind kind, uint64_t now_ms);
void timer_clear(struct timer_node *n);
/* Remove and return one node whose deadline is at or before now_ms, or
 * NULL when none is due; *kind says which deadline it was. */
struct timer_node *timer_pop_expired(struct timer_lists *t, uint64_t now_ms, enum timer_kind *kind);

/* Milliseconds on the monotonic clock. */
uint64_t timer_now_ms(void);

#endif
