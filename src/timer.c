/*
 * timer.c: deadline lists, one per timeout kind, sorted by construction
 * (see timer.h).
 */
#include <time.h>
#include "timer.h"

void
timer_init(struct timer_lists *t, uint64_t header_ms, uint64_t idle_ms, uint64_t send_ms)
{
	for (int k = 0; k < TIMER_KINDS; k++)
		t->head[k].prev = t->head[k].next = &t->head[k];
	t->duration_ms[TIMER_HEADER] = header_ms;
	t->duration_ms[TIMER_IDLE] = idle_ms;
	t->duration_ms[TIMER_SEND] = send_ms;
	/* due on the next tick; 1, not 0, so a transfer throttled again while
	 * the tick runs waits for the following one */
	t->duration_ms[TIMER_THROTTLE] = 1;
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

void
timer_set(struct timer_lists *t, struct timer_node *n, enum timer_kind kind, uint64_t now_ms)
{
	struct timer_node *head = &t->head[kind];

	timer_clear(n);
	n->kind = kind;
	n->expires_ms = now_ms + t->duration_ms[kind];
	n->prev = head->prev;
	n->next = head;
	head->prev->next = n;
	head->prev = n;
}

struct timer_node *
timer_pop_expired(struct timer_lists *t, uint64_t now_ms, enum timer_kind *kind)
{
	for (int k = 0; k < TIMER_KINDS; k++) {
		struct timer_node *first = t->head[k].next;

		if (first != &t->head[k] && first->expires_ms <= now_ms) {
			timer_clear(first);
			*kind = (enum timer_kind)k;
			return first;
		}
	}
	return NULL;
}

uint64_t
timer_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
