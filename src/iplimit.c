/*
 * iplimit.c: a chained hash of client addresses with a fixed entry pool
 * (see iplimit.h).
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include "iplimit.h"

static struct iplimit_entry unlimited;

int
iplimit_init(struct iplimit *t, unsigned max_connections, unsigned limit)
{
	unsigned size = 1;

	memset(t, 0, sizeof(*t));
	t->limit = limit;
	if (limit == 0)
		return 0;
	while (size < max_connections && size < (1u << 30))
		size <<= 1;
	t->buckets = calloc(size, sizeof(*t->buckets));
	t->pool = calloc(max_connections, sizeof(*t->pool));
	if (t->buckets == NULL || t->pool == NULL) {
		iplimit_free(t);
		return -1;
	}
	t->mask = size - 1;
	for (unsigned i = 0; i < max_connections; i++) {
		t->pool[i].next = t->free;
		t->free = &t->pool[i];
	}
	return 0;
}

void
iplimit_free(struct iplimit *t)
{
	free(t->buckets);
	free(t->pool);
	memset(t, 0, sizeof(*t));
}

static int
addr_key(const struct sockaddr_storage *ss, uint64_t *key, uint8_t *family)
{
	if (ss->ss_family == AF_INET) {
		*key = ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr);
		*family = AF_INET;
		return 0;
	}
	if (ss->ss_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)ss)->sin6_addr;
		uint64_t hi;

		if (IN6_IS_ADDR_V4MAPPED(a)) {
			uint32_t v4;

			memcpy(&v4, a->s6_addr + 12, 4);
			*key = ntohl(v4);
			*family = AF_INET;
			return 0;
		}
		memcpy(&hi, a->s6_addr, 8);
		*key = hi;
		*family = AF_INET6;
		return 0;
	}
	return -1;
}

static unsigned
key_hash(uint64_t key, uint8_t family, unsigned mask)
{
	/* Fibonacci hashing spreads sequential addresses over the table. */
	return (unsigned)(((key ^ family) * 0x9e3779b97f4a7c15ull) >> 32) & mask;
}

struct iplimit_entry *
iplimit_acquire(struct iplimit *t, const struct sockaddr_storage *addr)
{
	struct iplimit_entry *e;
	uint64_t key;
	uint8_t family;
	unsigned h;

	if (t->limit == 0 || addr_key(addr, &key, &family) == -1)
		return &unlimited;
	h = key_hash(key, family, t->mask);
	for (e = t->buckets[h]; e != NULL; e = e->next) {
		if (e->key == key && e->family == family) {
			if (e->count >= t->limit)
				return NULL;
			e->count++;
			return e;
		}
	}
	e = t->free;
	if (e == NULL)
		return NULL;
	t->free = e->next;
	e->key = key;
	e->family = family;
	e->count = 1;
	e->next = t->buckets[h];
	t->buckets[h] = e;
	return e;
}

void
iplimit_release(struct iplimit *t, struct iplimit_entry *e)
{
	struct iplimit_entry **pp;

	if (e == NULL || e == &unlimited || --e->count > 0)
		return;
	for (pp = &t->buckets[key_hash(e->key, e->family, t->mask)]; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	}
	e->next = t->free;
	t->free = e;
}
