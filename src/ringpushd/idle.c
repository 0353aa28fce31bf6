/*
 * idle.c: the list of idle connections, oldest first (see idle.h).
 */
#include "idle.h"

void
idle_list_init(struct idle_list *l)
{
	l->head.prev = l->head.next = &l->head;
	l->count = 0;
}

void
idle_node_init(struct idle_node *n)
{
	n->prev = n->next = NULL;
}

void
idle_remove(struct idle_list *l, struct idle_node *n)
{
	if (!idle_linked(n))
		return;
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->prev = n->next = NULL;
	l->count--;
}

void
idle_add(struct idle_list *l, struct idle_node *n)
{
	idle_remove(l, n);
	n->prev = l->head.prev;
	n->next = &l->head;
	l->head.prev->next = n;
	l->head.prev = n;
	l->count++;
}

struct idle_node *
idle_oldest(const struct idle_list *l)
{
	return l->count > 0 ? l->head.next : NULL;
}
