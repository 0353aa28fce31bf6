/*
 * test_iplimit.c: per-address connection counting, in a private table
 * and in the table the worker processes share: their counts add up, and
 * what a process held is cleared once it ends.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "iplimit.h"

static struct sockaddr_storage
addr(const char *text)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(text, ':') != NULL) {
		ss.ss_family = AF_INET6;
		cr_assert_eq(inet_pton(AF_INET6, text, &((struct sockaddr_in6 *)&ss)->sin6_addr), 1);
	} else {
		ss.ss_family = AF_INET;
		cr_assert_eq(inet_pton(AF_INET, text, &((struct sockaddr_in *)&ss)->sin_addr), 1);
	}
	return ss;
}

Test(iplimit, counts_per_ipv4_address)
{
	struct iplimit t;
	struct sockaddr_storage a = addr("192.0.2.1"), b = addr("192.0.2.2");
	struct iplimit_entry *e[3];

	cr_assert_eq(iplimit_init(&t, 16, 2), 0);
	e[0] = iplimit_acquire(&t, &a);
	e[1] = iplimit_acquire(&t, &a);
	cr_assert_not_null(e[0]);
	cr_assert_not_null(e[1]);
	cr_assert_null(iplimit_acquire(&t, &a), "third from the same address");
	cr_assert_not_null(iplimit_acquire(&t, &b), "another address is separate");
	iplimit_release(&t, e[0]);
	e[2] = iplimit_acquire(&t, &a);
	cr_assert_not_null(e[2], "a slot freed by release is usable again");
	iplimit_free(&t);
}

Test(iplimit, ipv6_counts_per_64)
{
	struct iplimit t;
	struct sockaddr_storage a = addr("2001:db8:1:2::1"), b = addr("2001:db8:1:2:ffff::9"),
	    c = addr("2001:db8:1:3::1");

	cr_assert_eq(iplimit_init(&t, 16, 1), 0);
	cr_assert_not_null(iplimit_acquire(&t, &a));
	cr_assert_null(iplimit_acquire(&t, &b), "same /64");
	cr_assert_not_null(iplimit_acquire(&t, &c), "another /64");
	iplimit_free(&t);
}

Test(iplimit, mapped_ipv4_counts_as_ipv4)
{
	struct iplimit t;
	struct sockaddr_storage v4 = addr("198.51.100.7"), mapped = addr("::ffff:198.51.100.7"),
	    other = addr("::ffff:198.51.100.8");

	cr_assert_eq(iplimit_init(&t, 16, 1), 0);
	cr_assert_not_null(iplimit_acquire(&t, &v4));
	cr_assert_null(iplimit_acquire(&t, &mapped));
	cr_assert_not_null(iplimit_acquire(&t, &other),
	    "mapped addresses must not all share the ::ffff:0:0/64 prefix");
	iplimit_free(&t);
}

Test(iplimit, zero_limit_counts_nothing)
{
	struct iplimit t;
	struct sockaddr_storage a = addr("192.0.2.1");

	cr_assert_eq(iplimit_init(&t, 4, 0), 0);
	for (int i = 0; i < 100; i++) {
		struct iplimit_entry *e = iplimit_acquire(&t, &a);

		cr_assert_not_null(e);
		iplimit_release(&t, e);
	}
	iplimit_free(&t);
}

Test(iplimit, pool_never_runs_out_for_max_connections)
{
	struct iplimit t;
	struct iplimit_entry *e[64];

	cr_assert_eq(iplimit_init(&t, 64, 3), 0);
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 64; i++) {
			char text[32];
			struct sockaddr_storage a;

			snprintf(text, sizeof(text), "10.0.%d.%d", i / 8, i);
			a = addr(text);
			e[i] = iplimit_acquire(&t, &a);
			cr_assert_not_null(e[i], "round %d address %d", round, i);
		}
		for (int i = 0; i < 64; i++)
			iplimit_release(&t, e[i]);
	}
	iplimit_free(&t);
}

Test(iplimit, reload_sets_a_first_limit)
{
	struct iplimit t;
	struct sockaddr_storage a = addr("192.0.2.1");
	struct iplimit_entry *before;

	cr_assert_eq(iplimit_init(&t, 16, 0), 0);
	cr_assert_null(t.table, "no table without a limit");
	before = iplimit_acquire(&t, &a);
	cr_assert_eq(iplimit_set_limit(&t, 16, 2), 0);
	cr_assert_not_null(iplimit_acquire(&t, &a));
	cr_assert_not_null(iplimit_acquire(&t, &a));
	cr_assert_null(iplimit_acquire(&t, &a), "a connection from before the limit counts not");
	iplimit_release(&t, before);
	cr_assert_null(iplimit_acquire(&t, &a), "nor does its release");
	cr_assert_eq(iplimit_set_limit(&t, 16, 3), 0);
	cr_assert_not_null(iplimit_acquire(&t, &a), "a raised limit");
	cr_assert_eq(iplimit_set_limit(&t, 16, 0), 0);
	cr_assert_not_null(iplimit_acquire(&t, &a), "no limit");
	iplimit_free(&t);
}

/* A worker's view of the shared table: it counts there as this process. */
static void
worker_view(struct iplimit *t, struct iplimit_table *tab, unsigned limit)
{
	cr_assert_eq(iplimit_init(t, 16, limit), 0);
	iplimit_share(t, tab);
	cr_assert_eq(t->limit, limit);
	cr_assert_eq(t->pid, getpid());
}

/* A child process takes n connections from text in the shared table and
 * dies without giving them back, as a worker killed outright would.
 * Returns its pid, reaped. */
static pid_t
child_holds(struct iplimit_table *tab, unsigned limit, const char *text, int n)
{
	pid_t pid = fork();
	int status;

	cr_assert_neq(pid, -1);
	if (pid == 0) {
		struct iplimit t;
		struct sockaddr_storage a = addr(text);

		if (iplimit_init(&t, 16, limit) == -1)
			_exit(1);
		iplimit_share(&t, tab);
		for (int i = 0; i < n; i++)
			if (iplimit_acquire(&t, &a) == NULL)
				_exit(1);
		raise(SIGKILL);
		_exit(2);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	    "the child could not take %d connections (status 0x%x)", n, status);
	return pid;
}

Test(iplimit, shared_limit_counts_every_process, .timeout = 20)
{
	struct iplimit_table *tab = iplimit_shared_create(64);
	struct sockaddr_storage a = addr("192.0.2.1"), b = addr("192.0.2.2");
	struct iplimit t;
	struct iplimit_entry *e[2];
	pid_t child;

	cr_assert_not_null(tab);
	worker_view(&t, tab, 4);
	child = child_holds(tab, 4, "192.0.2.1", 3);
	e[0] = iplimit_acquire(&t, &a);
	cr_assert_not_null(e[0], "1 of 4 is left");
	cr_assert_null(iplimit_acquire(&t, &a), "3 held by another process count");
	cr_assert_not_null(iplimit_acquire(&t, &b), "another address is separate");
	/* the child's 3 go once it is reaped, and the parent's 1 stays */
	iplimit_clear_pid(tab, child);
	for (int i = 0; i < 3; i++)
		cr_assert_not_null(iplimit_acquire(&t, &a), "after the clear, %d", i);
	cr_assert_null(iplimit_acquire(&t, &a), "the parent's own count was cleared too");
	iplimit_release(&t, e[0]);
	e[1] = iplimit_acquire(&t, &a);
	cr_assert_not_null(e[1], "a release in a shared table");
	iplimit_free(&t);
	cr_assert_eq(tab->capacity, 64, "freeing a worker's view leaves the table");
	iplimit_shared_destroy(tab);
}

/* Processes that come and go (killed, respawned) never run the pool dry:
 * what each held goes back to it. */
Test(iplimit, cleared_entries_go_back_to_the_pool, .timeout = 60)
{
	struct iplimit_table *tab = iplimit_shared_create(8);
	struct iplimit t;

	cr_assert_not_null(tab);
	worker_view(&t, tab, 100);
	for (int round = 0; round < 20; round++) {
		char text[32];

		snprintf(text, sizeof(text), "10.0.0.%d", round);
		iplimit_clear_pid(tab, child_holds(tab, 100, text, 1));
	}
	cr_assert_leq(tab->used, 1, "cleared entries were not reused");
	for (int i = 0; i < 8; i++) {
		char text[32];
		struct sockaddr_storage a;

		snprintf(text, sizeof(text), "10.1.0.%d", i);
		a = addr(text);
		cr_assert_not_null(iplimit_acquire(&t, &a), "address %d of 8", i);
	}
	iplimit_free(&t);
	iplimit_shared_destroy(tab);
}

/* A process killed while it held the table's lock: clearing its entries
 * frees the lock too, even if its pid is in use again by then. */
Test(iplimit, clear_frees_a_dead_holders_lock, .timeout = 20)
{
	struct iplimit_table *tab = iplimit_shared_create(16);
	struct sockaddr_storage a = addr("192.0.2.1");
	struct iplimit t;
	pid_t child;

	cr_assert_not_null(tab);
	worker_view(&t, tab, 2);
	child = child_holds(tab, 2, "192.0.2.1", 2);
	tab->lock = (uint32_t)child;
	iplimit_clear_pid(tab, child);
	cr_assert_eq(tab->lock, 0);
	cr_assert_not_null(iplimit_acquire(&t, &a));
	cr_assert_not_null(iplimit_acquire(&t, &a));
	cr_assert_null(iplimit_acquire(&t, &a));
	iplimit_free(&t);
	iplimit_shared_destroy(tab);
}
