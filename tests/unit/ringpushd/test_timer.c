/*
 * test_timer.c: deadlines stay in expiry order whatever the durations
 * do between two of them (a reload may shorten or lengthen a timeout
 * while deadlines of the old length are still running).
 */

#include <criterion/criterion.h>

#include "timer.h"

#define NODES 64

static struct timer_lists t;
static struct timer_node n[NODES];

static void
setup(void)
{
	timer_init(&t, 30000, 60000, 60000);
	for (int i = 0; i < NODES; i++)
		timer_node_init(&n[i]);
}

TestSuite(timer, .init = setup);

Test(timer, same_duration_expires_in_order)
{
	enum timer_kind kind;

	timer_set(&t, &n[0], TIMER_HEADER, 0);
	timer_set(&t, &n[1], TIMER_HEADER, 10);
	cr_assert_null(timer_pop_expired(&t, 29999, &kind));
	cr_assert_eq(timer_pop_expired(&t, 30000, &kind), &n[0]);
	cr_assert_eq(kind, TIMER_HEADER);
	cr_assert_null(timer_pop_expired(&t, 30009, &kind));
	cr_assert_eq(timer_pop_expired(&t, 30010, &kind), &n[1]);
}

/* The reported case: header_timeout 30s -> 1s; a connection opened after
 * the reload must not wait behind one opened before it. */
Test(timer, shortened_duration_is_not_queued_behind_old_deadlines)
{
	enum timer_kind kind;

	timer_set(&t, &n[0], TIMER_HEADER, 0);
	t.duration_ms[TIMER_HEADER] = 1000;
	timer_set(&t, &n[1], TIMER_HEADER, 10);
	cr_assert_null(timer_pop_expired(&t, 1009, &kind));
	cr_assert_eq(timer_pop_expired(&t, 1010, &kind), &n[1]);
	cr_assert_eq(kind, TIMER_HEADER);
	cr_assert_null(timer_pop_expired(&t, 29999, &kind));
	cr_assert_eq(timer_pop_expired(&t, 30000, &kind), &n[0]);
}

/* Lengthened: the old, shorter deadlines still come first. */
Test(timer, lengthened_duration_keeps_old_deadlines_first)
{
	enum timer_kind kind;

	timer_set(&t, &n[0], TIMER_IDLE, 0);
	t.duration_ms[TIMER_IDLE] = 3600000;
	timer_set(&t, &n[1], TIMER_IDLE, 10);
	cr_assert_eq(timer_pop_expired(&t, 60000, &kind), &n[0]);
	cr_assert_eq(kind, TIMER_IDLE);
	cr_assert_null(timer_pop_expired(&t, 3600009, &kind));
	cr_assert_eq(timer_pop_expired(&t, 3600010, &kind), &n[1]);
}

/*
 * Far more distinct durations than the timer keeps lists for, each with
 * deadlines still running: every deadline still comes out at its time,
 * never before, and none is lost.
 */
Test(timer, many_reloads_with_distinct_durations_keep_every_deadline_exact)
{
	enum timer_kind kind;
	struct timer_node *got;
	uint64_t now = 0, last = 0;
	int popped = 0;

	for (int i = 0; i < NODES; i++) {
		/* durations going down and up: 50 s, 1 s, 49 s, 2 s, ... */
		uint64_t ms = (i % 2 == 0 ? 50000 - (uint64_t)i * 500 : 1000 + (uint64_t)i * 300);

		t.duration_ms[(enum timer_kind)(i % 3)] = ms;
		timer_set(&t, &n[i], (enum timer_kind)(i % 3), (uint64_t)i);
	}
	for (now = 0; now <= 60000 && popped < NODES; now++) {
		while ((got = timer_pop_expired(&t, now, &kind)) != NULL) {
			cr_assert_eq(got->expires_ms, now, "a deadline of %lu came out at %lu",
			    (unsigned long)got->expires_ms, (unsigned long)now);
			cr_assert_eq((int)kind, (int)((got - n) % 3));
			cr_assert_geq(got->expires_ms, last);
			last = got->expires_ms;
			popped++;
		}
	}
	cr_assert_eq(popped, NODES);
}

/* Cleared and re-set nodes leave no trace behind. */
Test(timer, clear_and_reset_under_changing_durations)
{
	enum timer_kind kind;

	timer_set(&t, &n[0], TIMER_SEND, 0);
	t.duration_ms[TIMER_SEND] = 500;
	timer_set(&t, &n[1], TIMER_SEND, 0);
	timer_clear(&n[1]);
	timer_clear(&n[1]);
	timer_set(&t, &n[1], TIMER_SEND, 100);
	timer_set(&t, &n[0], TIMER_SEND, 200);
	cr_assert_eq(timer_pop_expired(&t, 700, &kind), &n[1]);
	cr_assert_eq(timer_pop_expired(&t, 700, &kind), &n[0]);
	cr_assert_null(timer_pop_expired(&t, 1000000, &kind));
}

/* A deadline set again moves later, whether it was the last of its list
 * (it stays where it is) or had others behind it (it moves behind them),
 * and the deadline it had before never fires. */
Test(timer, set_again_moves_the_deadline_later)
{
	enum timer_kind kind;

	timer_set(&t, &n[0], TIMER_SEND, 0);
	timer_set(&t, &n[0], TIMER_SEND, 100);
	timer_set(&t, &n[1], TIMER_SEND, 150);
	timer_set(&t, &n[2], TIMER_SEND, 200);
	timer_set(&t, &n[1], TIMER_SEND, 250);
	cr_assert_null(timer_pop_expired(&t, 60099, &kind));
	cr_assert_eq(timer_pop_expired(&t, 60100, &kind), &n[0]);
	cr_assert_null(timer_pop_expired(&t, 60150, &kind));
	cr_assert_eq(timer_pop_expired(&t, 60200, &kind), &n[2]);
	cr_assert_null(timer_pop_expired(&t, 60249, &kind));
	cr_assert_eq(timer_pop_expired(&t, 60250, &kind), &n[1]);
	cr_assert_eq(kind, TIMER_SEND);
}

/* Connections moving between kinds, as each request does (idle, header,
 * send), with a duration changed half way: every deadline comes out
 * exactly at the last time it was set plus the duration then in force. */
Test(timer, kinds_alternating_under_a_reload_keep_every_deadline_exact)
{
	static const enum timer_kind cycle[] = { TIMER_IDLE, TIMER_HEADER,
		TIMER_SEND, TIMER_SEND };
	uint64_t want[NODES], now = 0, last = 0;
	enum timer_kind kind;
	struct timer_node *got;
	int popped = 0;

	for (int round = 0; round < 8; round++) {
		if (round == 4)
			t.duration_ms[TIMER_HEADER] = 5000;
		for (int i = 0; i < NODES; i++) {
			enum timer_kind k = cycle[(i + round) % 4];

			now += 3;
			timer_set(&t, &n[i], k, now);
			want[i] = now + t.duration_ms[k];
		}
	}
	for (; popped < NODES && now <= 200000; now++) {
		while ((got = timer_pop_expired(&t, now, &kind)) != NULL) {
			cr_assert_eq(got->expires_ms, want[got - n]);
			cr_assert_eq(got->expires_ms, now, "a deadline of %lu came out at %lu",
			    (unsigned long)got->expires_ms, (unsigned long)now);
			cr_assert_geq(now, last);
			last = now;
			popped++;
		}
	}
	cr_assert_eq(popped, NODES);
}
