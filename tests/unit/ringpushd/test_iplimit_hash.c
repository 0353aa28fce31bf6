/*
 * test_iplimit_hash.c: the per-address table spreads its keys.  Every
 * accept and close walks one chain on the daemon's only thread, so the
 * networks a client can pick addresses from (a /48 or a /56 of IPv6, a
 * run of IPv4 addresses) must not pile into a few buckets.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include "iplimit.h"

/* A uniform hash puts at most ~7 of 10,000 keys in one of 16,384 buckets
 * (with overwhelming probability); a real defect gives hundreds. */
#define CHAIN_MAX 16

static struct sockaddr_storage
addr(const char *text)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(text, ':') != NULL) {
		ss.ss_family = AF_INET6;
		cr_assert_eq(inet_pton(AF_INET6, text, &((struct sockaddr_in6 *)&ss)->sin6_addr), 1,
		    "%s", text);
	} else {
		ss.ss_family = AF_INET;
		cr_assert_eq(inet_pton(AF_INET, text, &((struct sockaddr_in *)&ss)->sin_addr), 1,
		    "%s", text);
	}
	return ss;
}

static unsigned
longest_chain(const struct iplimit *t)
{
	unsigned longest = 0;

	for (unsigned b = 0; b <= t->table->mask; b++) {
		unsigned n = 0;

		for (const struct iplimit_entry *e = t->table->buckets[b]; e != NULL; e = e->next)
			n++;
		if (n > longest)
			longest = n;
	}
	return longest;
}

/* Acquire the n addresses make() gives, each a new entry; assert the
 * longest chain stays short. */
static void
spread(unsigned n, void (*make)(unsigned i, char *text, size_t cap))
{
	struct iplimit t;
	char text[64];
	unsigned longest;

	cr_assert_eq(iplimit_init(&t, 10000, 1), 0);
	for (unsigned i = 0; i < n; i++) {
		struct sockaddr_storage a;

		make(i, text, sizeof(text));
		a = addr(text);
		cr_assert_not_null(iplimit_acquire(&t, &a), "%s is a new client", text);
	}
	longest = longest_chain(&t);
	cr_assert_leq(longest, CHAIN_MAX, "%u addresses like %s: a chain of %u", n, text, longest);
	iplimit_free(&t);
}

static void
ipv4_run(unsigned i, char *text, size_t cap)
{
	snprintf(text, cap, "10.%u.%u.%u", (i >> 16) & 255, (i >> 8) & 255, i & 255);
}

static void
ipv6_64s_of_a_48(unsigned i, char *text, size_t cap)
{
	snprintf(text, cap, "2001:db8:7:%x::1", i);
}

static void
ipv6_64s_of_a_56(unsigned i, char *text, size_t cap)
{
	snprintf(text, cap, "2001:db8:7:ab%02x::1", i);
}

static void
ipv6_hosts_of_a_48(unsigned i, char *text, size_t cap)
{
	/* every /64 with a different interface id: still one key per /64 */
	snprintf(text, cap, "2001:db8:7:%x:%x::%x", i, (i * 7) & 0xffff, (i * 13) & 0xffff);
}

Test(iplimit_hash, ipv4_addresses_spread)
{
	spread(10000, ipv4_run);
}

Test(iplimit_hash, the_64s_of_one_48_spread)
{
	spread(10000, ipv6_64s_of_a_48);
}

Test(iplimit_hash, the_64s_of_one_56_spread)
{
	spread(256, ipv6_64s_of_a_56);
}

Test(iplimit_hash, hosts_in_many_64s_spread)
{
	spread(10000, ipv6_hosts_of_a_48);
}

/* The last byte of the /64 prefix separates clients. */
Test(iplimit_hash, the_last_prefix_byte_counts)
{
	struct iplimit t;
	struct sockaddr_storage a = addr("2001:db8:7:ab01::1"), b = addr("2001:db8:7:ab02::1");

	cr_assert_eq(iplimit_init(&t, 16, 1), 0);
	cr_assert_not_null(iplimit_acquire(&t, &a));
	cr_assert_not_null(iplimit_acquire(&t, &b));
	iplimit_free(&t);
}

/* The reference vectors of the SipHash paper (key 00..0f, message
 * 00..len-1): the hash is SipHash-2-4, not a look-alike. */
Test(iplimit_hash, siphash_reference_vectors)
{
	unsigned char key[IPLIMIT_KEY_LEN], msg[64];

	for (unsigned i = 0; i < sizeof(key); i++)
		key[i] = (unsigned char)i;
	for (unsigned i = 0; i < sizeof(msg); i++)
		msg[i] = (unsigned char)i;
	cr_assert_eq(iplimit_siphash(key, msg, 0), 0x726fdb47dd0e0e31ull);
	cr_assert_eq(iplimit_siphash(key, msg, 8), 0x93f5f5799a932462ull);
	cr_assert_eq(iplimit_siphash(key, msg, 9), 0x9e0082df0ba9e4b0ull);
	cr_assert_eq(iplimit_siphash(key, msg, 15), 0xa129ca6149be45e5ull);
	cr_assert_eq(iplimit_siphash(key, msg, 63), 0x958a324ceb064572ull);
}
