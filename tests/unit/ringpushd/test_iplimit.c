/*
 * test_iplimit.c: per-address connection counting.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
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
