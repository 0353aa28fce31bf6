/*
 * test_idle.c: the idle list keeps connections oldest first, and adding,
 * removing and taking the oldest leave it consistent whatever the order.
 */
#include <criterion/criterion.h>
#include <stddef.h>
#include "idle.h"

#define N 8

static struct idle_list list;
static struct idle_node nodes[N];

static void
setup(void)
{
	idle_list_init(&list);
	for (int i = 0; i < N; i++)
		idle_node_init(&nodes[i]);
}

/* Walk the list from the oldest: its nodes, in order, are want[0..n). */
static void
assert_order(const int *want, int n)
{
	const struct idle_node *p = list.head.next;

	cr_assert_eq(list.count, (unsigned)n);
	for (int i = 0; i < n; i++, p = p->next) {
		cr_assert_neq(p, &list.head, "list ends after %d of %d", i, n);
		cr_assert_eq(p, &nodes[want[i]], "position %d: node %td, want %d", i,
		    p - nodes, want[i]);
		cr_assert_eq(p->next->prev, p, "links at %d", i);
	}
	cr_assert_eq(p, &list.head, "more than %d nodes", n);
}

Test(idle, empty_has_no_oldest, .init = setup)
{
	cr_assert_null(idle_oldest(&list));
	cr_assert_eq(list.count, 0);
	cr_assert(!idle_linked(&nodes[0]));
	/* removing what is not on the list changes nothing */
	idle_remove(&list, &nodes[0]);
	cr_assert_eq(list.count, 0);
	cr_assert_null(idle_oldest(&list));
}

Test(idle, oldest_first, .init = setup)
{
	static const int want[] = { 3, 1, 4, 0 };

	for (int i = 0; i < 4; i++)
		idle_add(&list, &nodes[want[i]]);
	assert_order(want, 4);
	cr_assert_eq(idle_oldest(&list), &nodes[3]);
}

Test(idle, added_again_moves_to_the_young_end, .init = setup)
{
	static const int want[] = { 1, 2, 0 };

	idle_add(&list, &nodes[0]);
	idle_add(&list, &nodes[1]);
	idle_add(&list, &nodes[2]);
	idle_add(&list, &nodes[0]);
	assert_order(want, 3);
}

Test(idle, remove_from_each_position, .init = setup)
{
	static const int after_middle[] = { 0, 2, 3 };
	static const int after_ends[] = { 2 };

	for (int i = 0; i < 4; i++)
		idle_add(&list, &nodes[i]);
	idle_remove(&list, &nodes[1]);
	cr_assert(!idle_linked(&nodes[1]));
	assert_order(after_middle, 3);
	idle_remove(&list, &nodes[0]);
	idle_remove(&list, &nodes[3]);
	assert_order(after_ends, 1);
	idle_remove(&list, &nodes[2]);
	assert_order(NULL, 0);
	cr_assert_null(idle_oldest(&list));
}

/* Taking the oldest one by one gives them back in the order they came,
 * interleaved with new arrivals, as reclaiming at a limit does. */
Test(idle, drain_in_arrival_order, .init = setup)
{
	int taken[N], ntaken = 0;
	struct idle_node *n;

	for (int i = 0; i < 4; i++)
		idle_add(&list, &nodes[i]);
	for (int i = 4; i < N; i++) {
		n = idle_oldest(&list);
		idle_remove(&list, n);
		taken[ntaken++] = (int)(n - nodes);
		idle_add(&list, &nodes[i]);
	}
	while ((n = idle_oldest(&list)) != NULL) {
		idle_remove(&list, n);
		taken[ntaken++] = (int)(n - nodes);
	}
	cr_assert_eq(ntaken, N);
	for (int i = 0; i < N; i++)
		cr_assert_eq(taken[i], i, "position %d: %d", i, taken[i]);
}
