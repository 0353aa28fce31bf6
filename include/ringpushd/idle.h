/*
 * idle.h: the keep-alive connections that wait for their next request
 * with none of it received, oldest first, so that at a limit
 * (max_connections, or no file descriptor left for an accept) the oldest
 * can be closed to make room, as nginx reuses its idle keep-alive
 * connections.
 *
 * The list is intrusive: a node lives in each connection, and adding,
 * removing and finding the oldest cost O(1) whatever the number of
 * connections.  Nothing here touches the ring or a socket.
 */
#ifndef RINGPUSH_IDLE_H
#define RINGPUSH_IDLE_H

#include <stdbool.h>
#include <stddef.h>

struct idle_node {
	struct idle_node *prev, *next;  /* NULL when not on a list */
};

struct idle_list {
	struct idle_node head;          /* sentinel: head.next is the oldest */
	unsigned count;
};

void idle_list_init(struct idle_list *l);
void idle_node_init(struct idle_node *n);
/* n became idle now: it goes to the young end.  A node already on the
 * list moves there. */
void idle_add(struct idle_list *l, struct idle_node *n);
/* n is busy again or ends; nothing happens when it is not on the list. */
void idle_remove(struct idle_list *l, struct idle_node *n);
/* The node idle for the longest time, or NULL when the list is empty. */
struct idle_node *idle_oldest(const struct idle_list *l);
static inline bool
idle_linked(const struct idle_node *n)
{
	return n->next != NULL;
}

#endif
