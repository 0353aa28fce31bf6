/*
 * timer.c: deadline lists, one per duration in use, sorted by
 * construction (see timer.h).
 */
#include <time.h>
#include "timer.h"

static int
list_empty(const struct timer_list *l)
{
	return l->head.next == &l->head;
}

void
timer_init(struct timer_lists *t, uint64_t header_ms, uint64_t idle_ms, uint64_t send_ms)
{
	for (int i = 0; i < TIMER_LISTS; i++) {
		t->lists[i].head.prev = t->lists[i].head.next = &t->lists[i].head;
		t->lists[i].head.kind = -1;
		t->lists[i].duration_ms = 0;
	}
	t->duration_ms[TIMER_HEADER] = header_ms;
	t->duration_ms[TIMER_IDLE] = idle_ms;
	t->duration_ms[TIMER_SEND] = send_ms;
	/* due on the next tick; 1, not 0, so a transfer throttled again while
	 * the tick runs waits for the following one */
	t->duration_ms[TIMER_THROTTLE] = 1;
	for (int k = 0; k < TIMER_KINDS; k++)
		t->list_of[k] = NULL;
}

void
timer_node_init(struct timer_node *n)
{
	n->prev = n->next = n;
	n->kind = -1;
	n->expires_ms = 0;
}

void
timer_clear(struct timer_node *n)
{
	if (n->kind < 0)
		return;
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->prev = n->next = n;
	n->kind = -1;
}

/*
 * The list deadlines of this duration go to: the one holding it, else an
 * empty one that had it last (so that a connection moving between two
 * kinds does not make two empty lists swap durations, which would defeat
 * the list each kind remembers), else another empty one (which takes the
 * duration on), else, with every list busy with another duration, the
 * one whose duration is nearest (the caller then inserts in order).
 */
static struct timer_list *
list_for(struct timer_lists *t, uint64_t duration_ms)
{
	struct timer_list *empty = NULL, *nearest = NULL, *same = NULL;
	uint64_t nearest_gap = UINT64_MAX;

	for (int i = 0; i < TIMER_LISTS; i++) {
		struct timer_list *l = &t->lists[i];
		uint64_t gap;

		if (l->duration_ms == duration_ms) {
			if (!list_empty(l))
				return l;
			if (same == NULL)
				same = l;
			continue;
		}
		if (list_empty(l)) {
			if (empty == NULL)
				empty = l;
			continue;
		}
		gap = l->duration_ms > duration_ms ? l->duration_ms - duration_ms :
		    duration_ms - l->duration_ms;
		if (gap < nearest_gap) {
			nearest_gap = gap;
			nearest = l;
		}
	}
	if (same != NULL)
		return same;
	if (empty != NULL) {
		empty->duration_ms = duration_ms;
		return empty;
	}
	return nearest;
}

void
timer_set(struct timer_lists *t, struct timer_node *n, enum timer_kind kind, uint64_t now_ms)
{
	uint64_t duration = t->duration_ms[kind];
	struct timer_list *l;
	struct timer_node *after;

	/* Already the last deadline of its list, and of this kind: moving
	 * it later keeps the list sorted where it stands (a deadline set
	 * again and again while a response is sent). */
	if (n->kind == (int)kind && n->next->kind < 0 &&
	    now_ms + duration >= n->expires_ms) {
		n->expires_ms = now_ms + duration;
		return;
	}
	/* The list this kind went to last time, while it still holds this
	 * duration: looking through every list cost more than the rest of
	 * the insert.  n leaves its list only after the choice, so that the
	 * list it empties does not look free and change duration. */
	l = t->list_of[kind];
	if (l == NULL || l->duration_ms != duration) {
		l = list_for(t, duration);
		t->list_of[kind] = l;
	}
	timer_clear(n);
	n->kind = kind;
	n->expires_ms = now_ms + duration;
	/* from the tail back to the last node due no later: the tail itself
	 * whenever the list holds this duration only */
	after = l->head.prev;
	while (after != &l->head && after->expires_ms > n->expires_ms)
		after = after->prev;
	n->prev = after;
	n->next = after->next;
	after->next->prev = n;
	after->next = n;
}

struct timer_node *
timer_pop_expired(struct timer_lists *t, uint64_t now_ms, enum timer_kind *kind)
{
	struct timer_node *first = NULL;

	/* the earliest head, so deadlines come out in order across lists */
	for (int i = 0; i < TIMER_LISTS; i++) {
		struct timer_list *l = &t->lists[i];

		if (!list_empty(l) && l->head.next->expires_ms <= now_ms &&
		    (first == NULL || l->head.next->expires_ms < first->expires_ms))
			first = l->head.next;
	}
	if (first == NULL)
		return NULL;
	*kind = (enum timer_kind)first->kind;
	timer_clear(first);
	return first;
}

uint64_t
timer_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

uint64_t
timer_now_ms(void)
{
	return timer_now_us() / 1000;
}
